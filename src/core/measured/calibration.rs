//! Calibrating the page's device to a measurement: the fit of `timing::calibrate` on the matched rows, started
//! from the device's preset (a device calibrated before is fitted again from its preset, not on top of the earlier
//! fit), with the per-layer error figures before and after, which the app and the command line print.

use crate::core::analysis::{self, Analysis, Stats};
use crate::core::device::Device;
use crate::core::measured::{samples, Matched};
use crate::core::timing::calibrate::{self, Fit};
use crate::core::timing::validate::{self, Figures};

/// A calibrated device with its fit and how well the model matches the measurement before and after.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// The calibrated device; its key is its link form (`cal:…`).
    pub device: Device,
    /// The fitted scales and floor.
    pub fit: Fit,
    /// Per-layer figures with the analysis' device, and with the calibrated one.
    pub before: Figures,
    pub after: Figures,
}

/// The preset a device's calibration starts from: itself, or the preset a `cal:` device was calibrated from.
fn preset_of(device: &Device) -> Result<Device, String> {
    let key = match device.key.strip_prefix("cal:") {
        Some(rest) => rest.split(':').next().unwrap_or(""),
        None => device.key.as_str(),
    };
    Device::preset_named(key).ok_or_else(|| {
        "calibration starts from a preset device: choose the preset nearest to yours first"
            .to_string()
    })
}

/// The estimated and measured times of the matched rows that have an estimate.
pub fn pairs(
    a: &Analysis,
    matched: &Matched,
    time: impl Fn(&Stats) -> f64,
) -> (Vec<f64>, Vec<f64>) {
    a.rows
        .iter()
        .zip(&matched.rows)
        .filter_map(|(r, t)| Some((time(&r.stats?), (*t)?)))
        .filter(|(e, _)| *e > 0.0)
        .unzip()
}

/// Per-layer error figures of the analysis' estimates against the matched measured times.
pub fn figures(a: &Analysis, matched: &Matched) -> Option<Figures> {
    let (est, meas) = pairs(a, matched, |s| s.time_s);
    validate::figures(&est, &meas)
}

/// Fits the analysis' device (from its preset) to the matched rows.
pub fn calibrate(a: &Analysis, matched: &Matched) -> Result<Calibration, String> {
    let base = preset_of(&a.options.device)?;
    let before = figures(a, matched).ok_or("no measured layer has an estimate to calibrate on")?;
    let fit = calibrate::fit(&samples(a, matched), a.options.dtype, &base)
        .ok_or("no measured layer to calibrate on")?;
    let device = calibrate::apply(&base, &fit);
    let mut c = a.clone();
    analysis::retime(&mut c, &device, &a.options.timing);
    let after =
        figures(&c, matched).ok_or("no measured layer has an estimate after calibration")?;
    Ok(Calibration {
        device,
        fit,
        before,
        after,
    })
}
