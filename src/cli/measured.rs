//! `summary --measured FILE [--calibrate]`: reads a `convscope.measurement/1` file (tools/measure/measure.py),
//! matches it to the analysis' rows, and prints measured against estimated per layer; with `--calibrate` it also
//! fits the device to the measurement and prints the calibrated device's link form.

use crate::core::analysis::{self, Analysis};
use crate::core::measured::{self, Measurement};
use crate::core::report::seconds;
use crate::core::timing::{calibrate, validate};

/// Reads and decodes a measurement file; every problem is a message naming it.
pub fn read(path: &str) -> Result<Measurement, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("--measured {path}: {e}"))?;
    measured::check_size(meta.len()).map_err(|e| format!("--measured {path}: {e}"))?;
    let text = std::fs::read_to_string(path).map_err(|e| format!("--measured {path}: {e}"))?;
    measured::decode(&text).map_err(|e| format!("--measured {path}: {e}"))
}

/// The report under the summary table.
pub fn report(a: &Analysis, m: &Measurement, calibrate_device: bool) -> Result<String, String> {
    if m.batch != a.options.batch {
        return Err(format!(
            "the measurement is at batch {}, the analysis at batch {}: add --batch {}",
            m.batch, a.options.batch, m.batch
        ));
    }
    if m.dtype != a.options.dtype.name() {
        return Err(format!(
            "the measurement is in {}, the analysis in {}: add --dtype {}",
            m.dtype,
            a.options.dtype.name(),
            m.dtype
        ));
    }
    let matched = measured::match_rows(a, m)?;
    let mut out = format!(
        "\nMeasured on {} (batch {}, {}): whole network {}; estimated {} on {}\n",
        m.device_name,
        m.batch,
        m.dtype,
        seconds(m.total_s),
        seconds(a.totals.time_s),
        a.options.device.name
    );
    out += &figures_line("per layer, model   ", a, &matched, |s| s.time_s);
    out += &figures_line("per layer, roofline", a, &matched, |s| s.roofline_s);
    if calibrate_device {
        let samples = measured::samples(a, &matched);
        let fit = calibrate::fit(&samples, a.options.dtype, &a.options.device)
            .ok_or("no matched rows to calibrate on")?;
        let device = calibrate::apply(&a.options.device, &fit);
        let mut c = a.clone();
        analysis::retime(&mut c, &device, &a.options.timing);
        out += &format!(
            "calibrated: --device {} (whole network estimated {})\n",
            device.link_key(),
            seconds(c.totals.time_s)
        );
        out += &figures_line("per layer, calibrated", &c, &matched, |s| s.time_s);
    }
    out += &format!(
        "\n{:<5} {:<32} {:>12} {:>12} {:>10}\n",
        "#", "Layer", "measured", "estimated", "meas/est"
    );
    for (r, t) in a.rows.iter().zip(&matched.rows) {
        if let (Some(s), Some(t)) = (r.stats, t) {
            let ratio = if s.time_s > 0.0 {
                format!("{:.2}", t / s.time_s)
            } else {
                "—".into()
            };
            out += &format!(
                "{:<5} {:<32} {:>12} {:>12} {:>10}\n",
                r.index,
                r.path,
                seconds(*t),
                seconds(s.time_s),
                ratio
            );
        }
    }
    if !matched.unmeasured.is_empty() {
        let names: Vec<&str> = matched
            .unmeasured
            .iter()
            .map(|&i| a.rows[i].path.as_str())
            .collect();
        out += &format!(
            "Not measured ({}; functional ops are not modules): {}\n",
            names.len(),
            names.join(", ")
        );
    }
    if !matched.unmatched.is_empty() {
        out += &format!(
            "Measured but not in this network ({}): {}\n",
            matched.unmatched.len(),
            matched.unmatched.join(", ")
        );
    }
    Ok(out)
}

fn figures_line(
    label: &str,
    a: &Analysis,
    matched: &measured::Matched,
    time: impl Fn(&crate::core::analysis::Stats) -> f64,
) -> String {
    let (est, meas) = measured::pairs(a, matched, time);
    match validate::figures(&est, &meas) {
        Some(f) => format!(
            "{label}: {} layers, median error ×{:.2}, {:.0}% within 1.5×, {:.0}% within 2×, Spearman {:.3}\n",
            f.n,
            f.median_factor,
            f.within_1_5 * 100.0,
            f.within_2 * 100.0,
            f.spearman
        ),
        None => format!("{label}: no matched layers\n"),
    }
}
