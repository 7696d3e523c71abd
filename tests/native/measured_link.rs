//! Measured mode's shared pieces as the app uses them: a real measurement through the link's `meas=` field and
//! back onto the rows, the calibration the app's button runs, and the message of every kind of bad file.

use std::path::PathBuf;

use convscope::core::analysis::{analyse, Analysis, Options};
use convscope::core::device::Device;
use convscope::core::fragment::{self, Fields, MeasuredLink};
use convscope::core::measured::{self, Measurement};
use convscope::core::presets;

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/measured")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fixture's module times as written, read with serde_json directly: `(path, call, time_s)`.
fn fixture_times(name: &str) -> Vec<(String, u64, f64)> {
    let v: serde_json::Value = serde_json::from_str(&fixture(name)).expect("JSON");
    v["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .map(|m| {
            (
                m["path"].as_str().expect("path").to_string(),
                m["call"].as_u64().expect("call"),
                m["time_s"].as_f64().expect("time"),
            )
        })
        .collect()
}

fn resnet18(batch: u64) -> Analysis {
    let arch = presets::find("resnet18")
        .and_then(|p| p.architecture().ok())
        .expect("resnet18");
    let options = Options {
        batch,
        device: Device::find("laptop_cpu").expect("laptop_cpu"),
        ..Options::default()
    };
    analyse(&arch, &options)
}

#[test]
fn measured_times_travel_in_the_link_and_land_on_the_same_rows() {
    let a = resnet18(16);
    let m: Measurement = measured::decode(&fixture("resnet18_b16_cpu.json")).expect("decodes");
    measured::check_setting(&a, &m).expect("same batch and dtype");
    let matched = measured::match_rows(&a, &m).expect("matches");
    let value = measured::to_link(&m, &matched).encode().expect("encodes");
    // The whole network (0.69455 s) and conv1 (96.521 ms), bn1 (35.260 ms) as docs/measurement.md works them out:
    // m × 10^e ps, e × 100000 + m in base 36.
    assert!(
        value.starts_with("1,16,fp32,x86_64,ghpr,exftdm64"),
        "{value}"
    );
    // 60 module calls of 4 characters and the dots of the 8 residual adds and the flatten, plus the header.
    assert!(value.len() < 300, "{} characters: {value}", value.len());
    let mut state = fragment::State::new(
        presets::find("resnet18")
            .and_then(|p| p.architecture().ok())
            .expect("arch"),
    );
    state.batch = 16;
    state.device = "laptop_cpu".into();
    let link = format!("{}&meas={value}", fragment::encode(&state));
    let fields = Fields::parse(&link).expect("short enough");
    assert!(fields.warnings.is_empty(), "{:?}", fields.warnings);
    let (opened, _) = fields.state().expect("opens");
    assert_eq!((opened.batch, opened.device.as_str()), (16, "laptop_cpu"));
    let b = resnet18(16);
    assert_eq!(
        opened.arch,
        presets::find("resnet18")
            .and_then(|p| p.architecture().ok())
            .expect("arch")
    );
    let (back, beyond) = measured::from_link(&b, fields.measured.as_ref().expect("meas="));
    assert_eq!(beyond, 0);
    assert_eq!(back.device_name, "x86_64");
    assert_eq!((back.batch, back.dtype.as_str()), (16, "fp32"));
    assert!((back.total_s / 0.694_551_405_000_311_2 - 1.0).abs() < 1e-4);
    let rematched = measured::match_rows(&b, &back).expect("matches");
    // Every module call of the file is back on its row, to five significant digits.
    let want = fixture_times("resnet18_b16_cpu.json");
    assert_eq!(back.modules.len(), want.len());
    for (path, call, t) in want {
        let i = b
            .rows
            .iter()
            .position(|r| r.path == path && u64::from(r.call) == call + 1)
            .unwrap_or_else(|| panic!("{path}#{call} has a row"));
        let got = rematched.rows[i].unwrap_or_else(|| panic!("{path}#{call} has a time"));
        assert!((got / t - 1.0).abs() <= 5e-5, "{path}#{call}: {got} vs {t}");
    }
    assert!(rematched.unmatched.is_empty(), "{:?}", rematched.unmatched);
}

#[test]
fn a_mangled_meas_field_is_ignored_with_a_warning() {
    for bad in [
        "meas=2,16,fp32,cpu,0001,",
        "meas=1,16,fp32,cpu,zz",
        "meas=1,16,fp32,cpu,0001,00",
        "meas=1,0,fp32,cpu,0001,",
    ] {
        let f = Fields::parse(&format!("arch=v1/3x8x8/relu&{bad}")).expect("short");
        assert_eq!(f.measured, None, "{bad}");
        assert_eq!(f.warnings.len(), 1, "{bad}: {:?}", f.warnings);
        assert!(
            f.warnings[0].starts_with("measured times (meas=) ignored"),
            "{:?}",
            f.warnings
        );
    }
    let ok = MeasuredLink::decode("1,1,fp32,my_gpu,0001,..0001").expect("valid");
    assert_eq!(ok.rows.len(), 3);
    assert_eq!(ok.rows[..2], [None, None]);
}

#[test]
fn calibrating_on_a_measurement_lowers_the_median_error() {
    let a = resnet18(16);
    let m = measured::decode(&fixture("resnet18_b16_cpu.json")).expect("decodes");
    let matched = measured::match_rows(&a, &m).expect("matches");
    let c = measured::calibrate(&a, &matched).expect("calibrates");
    assert!(
        c.device.key.starts_with("cal:laptop_cpu:"),
        "{}",
        c.device.key
    );
    assert_eq!(
        Device::find(&c.device.key).map(|d| d.key),
        Some(c.device.key.clone())
    );
    assert_eq!(c.before.n, 60);
    assert!(c.after.median_factor < c.before.median_factor, "{c:?}");
}

#[test]
fn bad_measurement_files_say_what_is_wrong() {
    let good = fixture("resnet18_b16_cpu.json");
    let a = resnet18(16);
    let err = |text: &str| measured::decode(text).expect_err("refused");
    assert!(
        err(&good.replace("convscope.measurement/1", "convscope.measurement/9"))
            .contains("unknown schema `convscope.measurement/9`")
    );
    assert!(err(&good.replacen("0.09652149100020324", "-0.0965", 1))
        .contains("module conv1 (call 0) has time -0.0965"));
    assert!(err(&good.replacen("0.09652149100020324", "0", 1)).contains("positive and finite"));
    // JSON has no infinity: a time too large for a double is refused as it is parsed.
    assert!(err(&good.replacen("0.09652149100020324", "1e400", 1)).contains("not JSON"));
    assert!(measured::check_size(6_000_000)
        .expect_err("big")
        .contains("over 5242880 bytes are refused"));
    // Another network: resnet50's modules on resnet18.
    let other = measured::decode(&fixture("resnet50_b16_cpu.json")).expect("decodes");
    let e = measured::match_rows(&a, &other).expect_err("another network");
    assert!(e.contains("another network"), "{e}");
    // Another batch or dtype: said, nothing changed.
    let b1 = measured::decode(&fixture("resnet18_b1_cpu.json")).expect("decodes");
    let e = measured::check_setting(&a, &b1).expect_err("batch");
    assert!(
        e.contains("measured at batch 1, this page is at batch 16"),
        "{e}"
    );
    let mut fp16 = measured::decode(&good).expect("decodes");
    fp16.dtype = "fp16".into();
    let e = measured::check_setting(&a, &fp16).expect_err("dtype");
    assert!(
        e.contains("measured in fp16, this page computes in fp32"),
        "{e}"
    );
}

#[test]
fn the_compute_chart_draws_measured_time_per_layer() {
    use convscope::charts::compute_chart::{draw_measured, ComputeOptions};
    use convscope::charts::{HitShape, Metric};
    use plotters::prelude::{IntoDrawingArea, SVGBackend};

    let a = resnet18(16);
    let m = measured::decode(&fixture("resnet18_b16_cpu.json")).expect("decodes");
    let matched = measured::match_rows(&a, &m).expect("matches");
    let options = ComputeOptions {
        metric: Metric::Measured,
        ..ComputeOptions::default()
    };
    let mut svg = String::new();
    let layout = {
        let root = SVGBackend::with_string(&mut svg, (960, 540)).into_drawing_area();
        draw_measured(root, &a, None, Some(&matched.rows), &options).expect("draws")
    };
    assert!(svg.contains("cumulative estimated time share"));
    // Each bar's height is its layer's time as the file gives it, on an axis up to 105% of the longest (maxpool).
    let want = fixture_times("resnet18_b16_cpu.json");
    let longest = want.iter().map(|w| w.2).fold(0.0, f64::max);
    let panel = layout.panels[0];
    let px_per_s = (panel.height() - 1) as f64 / (longest * 1.05);
    for (path, call, t) in want {
        let i = a
            .rows
            .iter()
            .position(|r| r.path == path && u64::from(r.call) == call + 1)
            .expect("row");
        let HitShape::Bar { mark, .. } = &layout.targets[i].shape else {
            panic!("a bar");
        };
        assert!(
            (mark.height() as f64 - t * px_per_s).abs() <= 1.0,
            "{path}#{call}: {} px for {t} s",
            mark.height()
        );
    }
}
