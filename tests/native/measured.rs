//! Measured mode on the command line: `summary --measured FILE [--calibrate]` with files as
//! `tools/measure/measure.py` writes them, and every kind of bad file named in its message.

use std::path::PathBuf;

use convscope::cli::run;

fn cli(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(&args, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("convscope-measured-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// A measurement of `v1/3x32x32/conv1:conv(16,3,p1)/bn1:bn/relu:relu` in the tool's format.
fn measurement(schema: &str, conv_time: &str) -> String {
    format!(
        r#"{{"schema": "{schema}", "network": null, "input": [3, 32, 32], "batch": 1, "dtype": "fp32",
  "device": {{"kind": "cpu", "name": "test cpu", "threads": 1}}, "torch": "2.3.0", "warmup": 3, "repeats": 10,
  "total_s": 0.0002,
  "modules": [{{"path": "conv1", "call": 0, "time_s": {conv_time}}}, {{"path": "bn1", "call": 0, "time_s": 4e-05}},
              {{"path": "relu", "call": 0, "time_s": 2e-05}}]}}"#
    )
}

const SPEC: &str = "v1/3x32x32/conv1:conv(16,3,p1)/bn1:bn/relu:relu";

#[test]
fn a_measurement_is_shown_beside_the_estimate_and_calibrates_the_device() {
    let path = file(
        "good.json",
        &measurement("convscope.measurement/1", "0.0001"),
    );
    let p = path.to_str().expect("path");
    let (code, out, err) = cli(&[
        "summary",
        SPEC,
        "--device",
        "laptop_cpu",
        "--measured",
        p,
        "--calibrate",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Measured on test cpu (batch 1, fp32): whole network 200.00 µs"),
        "{out}"
    );
    assert!(out.contains("per layer, model   : 3 layers"), "{out}");
    assert!(
        out.contains("calibrated: --device cal:laptop_cpu:"),
        "{out}"
    );
    let conv = out
        .lines()
        .skip_while(|l| !l.contains("meas/est"))
        .find(|l| l.starts_with("0 "))
        .expect("the conv's line");
    assert!(conv.contains("100.00 µs"), "{conv}");
}

#[test]
fn bad_measurements_are_named() {
    let cases = [
        (
            measurement("convscope.summary/1", "0.0001"),
            "unknown schema `convscope.summary/1`",
        ),
        (
            measurement("convscope.measurement/1", "-1e-5"),
            "module conv1 (call 0) has time -0.00001",
        ),
        (
            measurement("convscope.measurement/1", "0"),
            "times must be positive and finite",
        ),
        ("{not json".to_string(), "not JSON"),
        (
            measurement("convscope.measurement/1", "0.0001")
                .replace("\"conv1\"", "\"features.0\"")
                .replace("\"bn1\"", "\"features.1\""),
            "another network",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = file(&format!("bad{i}.json"), text);
        let (code, _, err) = cli(&["summary", SPEC, "--measured", path.to_str().expect("path")]);
        assert_eq!(code, 2, "{want}");
        assert!(err.contains(want), "{want}: {err}");
    }
    let big = file("big.json", &" ".repeat(5 * 1024 * 1024 + 1));
    let (_, _, err) = cli(&["summary", SPEC, "--measured", big.to_str().expect("path")]);
    assert!(err.contains("over 5242880 bytes are refused"), "{err}");
    let path = file(
        "good.json",
        &measurement("convscope.measurement/1", "0.0001"),
    );
    let (_, _, err) = cli(&[
        "summary",
        SPEC,
        "--batch",
        "4",
        "--measured",
        path.to_str().expect("path"),
    ]);
    assert!(err.contains("add --batch 1"), "{err}");
    let (_, _, err) = cli(&["summary", SPEC, "--calibrate"]);
    // clap says which flag --calibrate needs.
    assert!(err.contains("--measured <FILE.json>"), "{err}");
}

#[test]
fn real_measurements_match_every_module_call_to_a_row() {
    // Files written by tools/measure/measure.py on a CPU: PyTorch's own module paths and call order.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/measured");
    for (file, preset, batch) in [
        ("resnet18_b1_cpu.json", "resnet18", "1"),
        ("mobilenet_v2_b1_cpu.json", "mobilenet_v2", "1"),
        ("resnet50_b16_cpu.json", "resnet50", "16"),
    ] {
        let path = dir.join(file);
        let (code, out, err) = cli(&[
            "summary",
            preset,
            "--batch",
            batch,
            "--measured",
            path.to_str().expect("path"),
        ]);
        assert_eq!(code, 0, "{file}: {err}");
        assert!(
            !out.contains("Measured but not in this network"),
            "{file}: {out}"
        );
        let missing = out
            .lines()
            .find(|l| l.starts_with("Not measured"))
            .expect("functional ops are listed");
        let names = missing.split_once("): ").map_or("", |(_, n)| n);
        for name in names.split(", ") {
            // The residual adds, and torchvision's functional adaptive_avg_pool2d in MobileNetV2's forward.
            assert!(
                name.ends_with(":add") || name == "adaptive_avg_pool2d",
                "{file}: {name}"
            );
        }
    }
}
