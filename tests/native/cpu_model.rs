//! The CPU time model against this repository's measured CPU times (`tests/fixtures/measured`, PyTorch on one
//! thread): calibrated on resnet18 (batch 1 and 16 together), it must predict resnet50 and mobilenet_v2 per layer.

use std::path::PathBuf;

use convscope::core::analysis::{analyse, Analysis, Options};
use convscope::core::device::Device;
use convscope::core::measured::{self, Measurement, ModuleTime};
use convscope::core::presets;
use convscope::core::timing::{calibrate, validate};

/// A fixture, decoded as the CLI decodes it (schema checked, every module call with its time).
fn measurement(net: &str, batch: u64) -> Measurement {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/measured")
        .join(format!("{net}_b{batch}_cpu.json"));
    let text = std::fs::read_to_string(&path).expect("fixture");
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["schema"], measured::SCHEMA);
    let modules = v["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .map(|m| ModuleTime {
            path: m["path"].as_str().expect("path").to_string(),
            call: m["call"].as_u64().expect("call"),
            time_s: m["time_s"].as_f64().expect("time"),
        })
        .collect();
    Measurement {
        device_name: "fixture".into(),
        batch: v["batch"].as_u64().expect("batch"),
        dtype: "fp32".into(),
        total_s: v["total_s"].as_f64().expect("total"),
        modules,
    }
}

/// The preset analysed at `batch` on `device`.
fn analysis(net: &str, batch: u64, device: &Device) -> Analysis {
    let arch = presets::find(net)
        .expect("preset")
        .architecture()
        .expect("spec");
    analyse(
        &arch,
        &Options {
            batch,
            device: device.clone(),
            ..Options::default()
        },
    )
}

/// Per-layer figures of `net` at `batch` on `device`: estimated against measured, matched rows only.
fn figures(net: &str, batch: u64, device: &Device) -> validate::Figures {
    let a = analysis(net, batch, device);
    let matched = measured::match_rows(&a, &measurement(net, batch)).expect("matches");
    let (est, meas): (Vec<f64>, Vec<f64>) = measured::samples(&a, &matched)
        .iter()
        .map(|s| (s.stats.time_s, s.measured_s))
        .unzip();
    validate::figures(&est, &meas).expect("rows")
}

/// resnet18's two files as calibration samples.
fn resnet18_samples(device: &Device) -> Vec<calibrate::Sample> {
    [1, 16]
        .into_iter()
        .flat_map(|batch| {
            let a = analysis("resnet18", batch, device);
            let matched =
                measured::match_rows(&a, &measurement("resnet18", batch)).expect("matches");
            measured::samples(&a, &matched)
        })
        .collect()
}

#[test]
fn calibrated_on_resnet18_the_cpu_model_predicts_resnet50_and_mobilenet_v2() {
    let base = Device::find("laptop_cpu").expect("laptop_cpu");
    let samples = resnet18_samples(&base);
    assert_eq!(samples.len(), 120);
    let fit = calibrate::fit(&samples, convscope::core::shape::Dtype::Fp32, &base).expect("a fit");
    let device = calibrate::apply(&base, &fit);
    // The calibrated device travels in a link and comes back the same.
    assert_eq!(
        Device::find(&device.link_key()).map(|d| d.link_key()),
        Some(device.link_key())
    );
    // Held out: the goal is a median per-layer error of ×1.25. resnet50 meets it at both batches; mobilenet_v2
    // does not yet (×1.37 at batch 1, ×1.26 at 16: its batch norms and activations run faster per byte than
    // resnet18's, which set the model's constants), so its bounds only keep it from getting worse.
    for (net, batch, median) in [
        ("resnet50", 1, 1.25),
        ("resnet50", 16, 1.25),
        ("mobilenet_v2", 1, 1.40),
        ("mobilenet_v2", 16, 1.30),
    ] {
        let f = figures(net, batch, &device);
        eprintln!(
            "{net} b{batch} on {}: median ×{:.2}, {:.0}% within 1.5×, {:.0}% within 2×, Spearman {:.3}",
            device.link_key(),
            f.median_factor,
            f.within_1_5 * 100.0,
            f.within_2 * 100.0,
            f.spearman
        );
        assert!(f.median_factor <= median, "{net} b{batch}: {f:?}");
        assert!(f.within_2 >= 0.85, "{net} b{batch}: {f:?}");
        assert!(f.spearman >= 0.95, "{net} b{batch}: {f:?}");
    }
}
