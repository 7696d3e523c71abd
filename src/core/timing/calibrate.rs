//! Calibration: fits a device's three time-model scales (compute rate, bandwidth, floor) to measured times, robustly
//! in log space, so the model matches one's own GPU or CPU. The result is a calibrated device whose link form is
//! `cal:<preset>:<compute ×>:<bandwidth ×>:<floor µs>`.

use crate::core::analysis::Stats;
use crate::core::device::Device;
use crate::core::shape::Dtype;
use crate::core::timing::terms;

/// A measured layer: its counts and work (from an analysis) and its measured time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub stats: Stats,
    pub measured_s: f64,
}

/// The fitted scales: sustained rates × `compute`, bandwidth × `bandwidth`, floor set to `floor_s`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    pub compute: f64,
    pub bandwidth: f64,
    pub floor_s: f64,
    /// Median |ln(estimate / measured)| after the fit.
    pub median_log_error: f64,
}

/// `device` with the fit's scales applied, named by its link form.
pub fn apply(device: &Device, fit: &Fit) -> Device {
    let mut d = device.clone();
    // Only the time model's figures move: the roofline keeps the datasheet peak and bandwidth.
    d.sustained = device.sustained.map(|s| s * fit.compute);
    d.bandwidth_scale = device.bandwidth_scale * fit.bandwidth;
    d.floor_s = fit.floor_s;
    d.name = format!("{} (calibrated)", device.name);
    d.key = format!(
        "cal:{}:{}:{}:{}",
        device.key,
        round3(fit.compute),
        round3(fit.bandwidth),
        round3(fit.floor_s * 1e6)
    );
    d.model_source = "calibrated to measured times";
    d
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Parses `cal:<preset>:<compute ×>:<bandwidth ×>:<floor µs>` (the part after `cal:`).
pub fn parse(rest: &str) -> Option<Device> {
    let parts: Vec<&str> = rest.split(':').collect();
    let [base, c, b, f] = parts.as_slice() else {
        return None;
    };
    let base = Device::preset_named(base)?;
    let num = |s: &str| s.parse::<f64>().ok().filter(|v| v.is_finite());
    let (c, b, f) = (num(c)?, num(b)?, num(f)?);
    let scale_ok = |v: f64| (0.01..=100.0).contains(&v);
    if !(scale_ok(c) && scale_ok(b) && (0.0..1e6).contains(&f)) {
        return None;
    }
    Some(apply(
        &base,
        &Fit {
            compute: c,
            bandwidth: b,
            floor_s: f * 1e-6,
            median_log_error: 0.0,
        },
    ))
}

/// Sum of |ln(estimate / measured)|: a robust loss, which one outlier cannot dominate.
fn loss(samples: &[Sample], dtype: Dtype, device: &Device) -> f64 {
    samples
        .iter()
        .map(|s| {
            let t = terms(&s.stats, dtype, device).time_s();
            if t > 0.0 && s.measured_s > 0.0 {
                (t / s.measured_s).ln().abs()
            } else {
                0.0
            }
        })
        .sum()
}

/// Fits the three scales by coordinate descent over log-spaced grids (compute and bandwidth ×1/64 to ×64, floor
/// 0.5 µs to 1 ms), a few rounds, each refining around the best value so far.
pub fn fit(samples: &[Sample], dtype: Dtype, device: &Device) -> Option<Fit> {
    if samples.is_empty() {
        return None;
    }
    let mut x = [1.0f64, 1.0, device.floor_s.max(1e-7)];
    let bounds = [(1.0 / 64.0, 64.0), (1.0 / 64.0, 64.0), (0.5e-6, 1e-3)];
    let trial = |x: &[f64; 3]| {
        let fit = Fit {
            compute: x[0],
            bandwidth: x[1],
            floor_s: x[2],
            median_log_error: 0.0,
        };
        loss(samples, dtype, &apply(device, &fit))
    };
    let mut span = 8.0f64; // the grid covers x/span .. x·span
    for _ in 0..4 {
        for i in 0..3 {
            let (lo, hi) = bounds[i];
            let centre = x[i];
            let mut best = (trial(&x), centre);
            for k in -12..=12 {
                let v = (centre * span.powf(f64::from(k) / 12.0)).clamp(lo, hi);
                let mut y = x;
                y[i] = v;
                let l = trial(&y);
                if l < best.0 {
                    best = (l, v);
                }
            }
            x[i] = best.1;
        }
        span = span.sqrt();
    }
    let fitted = Fit {
        compute: x[0],
        bandwidth: x[1],
        floor_s: x[2],
        median_log_error: 0.0,
    };
    let d = apply(device, &fitted);
    let mut errs: Vec<f64> = samples
        .iter()
        .map(|s| {
            (terms(&s.stats, dtype, &d).time_s() / s.measured_s)
                .ln()
                .abs()
        })
        .collect();
    errs.sort_by(f64::total_cmp);
    Some(Fit {
        median_log_error: errs[errs.len() / 2],
        ..fitted
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analysis::{analyse, Options};
    use crate::core::format;

    #[test]
    fn the_link_form_round_trips_and_keeps_the_roofline() {
        let d = Device::find("cal:t4:1.25:0.8:12").expect("calibrated device");
        assert_eq!(Device::find(&d.link_key()), Some(d.clone()));
        let t4 = Device::find("t4").expect("t4");
        assert_eq!((d.peak, d.bandwidth), (t4.peak, t4.bandwidth));
        assert!((d.sustained[0] - 1.25 * t4.sustained[0]).abs() < 1.0);
        assert!((d.bandwidth_scale - 0.8).abs() < 1e-12 && (d.floor_s - 12e-6).abs() < 1e-15);
        for bad in [
            "cal:t4:1:1",
            "cal:nope:1:1:1",
            "cal:t4:0:1:1",
            "cal:t4:1:x:1",
            "cal:t4:1:1:-1",
        ] {
            assert!(Device::find(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_fit_recovers_known_scales() {
        // Times made by a device whose compute is 0.6×, bandwidth 1.5× and floor 20 µs: the fit finds them back.
        let t4 = Device::find("t4").expect("t4");
        let truth = apply(
            &t4,
            &Fit {
                compute: 0.6,
                bandwidth: 1.5,
                floor_s: 20e-6,
                median_log_error: 0.0,
            },
        );
        let mut samples = Vec::new();
        for spec in [
            "v1/64x56x56/conv(64,3,p1)",
            "v1/256x56x56/conv(64,1)",
            "v1/512x7x7/conv(2048,1)",
            "v1/3x224x224/conv(64,7,s2,p3)",
            "v1/64x112x112/bn",
            "v1/256x56x56/relu",
            "v1/1024x14x14/conv(256,1)",
            "v1/128x28x28/conv(128,3,p1)",
        ] {
            for batch in [1, 8, 64] {
                let arch = format::parse(spec).expect("spec");
                let o = Options {
                    batch,
                    device: t4.clone(),
                    ..Options::default()
                };
                let s = analyse(&arch, &o).rows[0].stats.expect("stats");
                let measured_s = terms(&s, Dtype::Fp32, &truth).time_s();
                samples.push(Sample {
                    stats: s,
                    measured_s,
                });
            }
        }
        let f = fit(&samples, Dtype::Fp32, &t4).expect("a fit");
        assert!((f.compute / 0.6 - 1.0).abs() < 0.05, "{f:?}");
        assert!((f.bandwidth / 1.5 - 1.0).abs() < 0.05, "{f:?}");
        assert!((f.floor_s / 20e-6 - 1.0).abs() < 0.05, "{f:?}");
        assert!(f.median_log_error < 0.03, "{f:?}");
    }
}
