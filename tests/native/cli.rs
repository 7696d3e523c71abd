//! The command line, run in-process: the JSON contract, links, presets, and errors on stderr with a non-zero exit.

use convscope::cli::run;
use convscope::core::format;
use convscope::core::fragment;
use serde_json::Value;

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

#[test]
fn summary_json_has_the_documented_fields() {
    let (code, out, err) = cli(&[
        "summary", "resnet18", "--format", "json", "--batch", "2", "--dtype", "fp16", "--device",
        "a100",
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(doc["input"], serde_json::json!([3, 224, 224]));
    assert_eq!(doc["batch"], 2);
    assert_eq!(doc["dtype"], "fp16");
    assert_eq!(doc["device"], "a100");
    let layers = doc["layers"].as_array().expect("layers");
    let first = &layers[0];
    for key in [
        "index",
        "path",
        "kind",
        "output",
        "params",
        "macs",
        "flops",
        "activation_bytes",
        "read_bytes",
        "write_bytes",
        "intensity",
        "time_s",
        "bound",
        "rf",
        "diagnostic",
    ] {
        assert!(first.get(key).is_some(), "layer field {key}");
    }
    assert_eq!(first["path"], "conv1");
    assert_eq!(first["kind"], "Conv2d");
    assert_eq!(first["output"], serde_json::json!([2, 64, 112, 112]));
    // conv1 of resnet18: 64·3·7·7 weights, no bias.
    assert_eq!(first["params"], 9408);
    // fp16 activations: 2 × 64 × 112 × 112 × 2 bytes.
    assert_eq!(first["activation_elements"], 2 * 64 * 112 * 112);
    assert_eq!(first["activation_bytes"], 2 * 64 * 112 * 112 * 2);
    assert_eq!(first["rf"]["size"], 7);
    assert_eq!(doc["totals"]["params"], 11_689_512);
    assert_eq!(doc["totals"]["macs"], 2 * 1_814_073_344u64);
    for key in [
        "params",
        "trainable_params",
        "macs",
        "flops",
        "activation_bytes",
        "time_s",
    ] {
        assert!(doc["totals"].get(key).is_some(), "totals field {key}");
    }
}

#[test]
fn link_reopens_the_same_network() {
    let (code, out, _) = cli(&["link", "mobilenet_v2", "--batch", "8", "--dtype", "bf16"]);
    assert_eq!(code, 0);
    let (state, warnings) = fragment::decode(out.trim()).expect("decodes");
    assert!(warnings.is_empty());
    assert_eq!(state.batch, 8);
    let preset = convscope::core::presets::find("mobilenet_v2").expect("preset");
    assert_eq!(format::print(&state.arch), preset.spec);
    // And the printed link can be fed back to summary.
    let (code, out, err) = cli(&["summary", out.trim(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"params\": 3504872"));
}

#[test]
fn spec_presets_devices_and_markdown() {
    let (code, out, _) = cli(&["spec", "resnet50"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("v1/3x224x224/conv1:conv(64,7,s2,p3,nobias)"));
    let (_, out, _) = cli(&["presets"]);
    assert!(out.lines().count() >= 12);
    let (_, out, _) = cli(&["devices"]);
    for key in ["h100", "a100", "t4", "rtx4090", "m2max", "laptop_cpu"] {
        assert!(out.contains(key), "{key}");
    }
    let (code, out, _) = cli(&["summary", "simple_cnn", "--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("| 0.0 | Conv2d | 64 × 4 × 14 × 14 | 40 |"),
        "{out}"
    );
    assert!(out.contains("Total params: 6,722"));
}

#[test]
fn errors_go_to_stderr_with_a_nonzero_exit() {
    for args in [
        vec!["summary"],
        vec!["summary", "resnet9000"],
        vec!["summary", "v1/3x8x8/conv(8,3,q)"],
        vec!["summary", "resnet18", "--batch", "0"],
        vec!["summary", "resnet18", "--device", "abacus"],
        vec!["summary", "resnet18", "--format", "xml"],
        vec!["frobnicate"],
        vec!["summary", "@/nonexistent/file"],
    ] {
        let (code, out, err) = cli(&args);
        assert_ne!(code, 0, "{args:?}");
        assert!(out.is_empty(), "{args:?}");
        // Flags and values clap rejects read as clap writes them (`error: …`); the rest as `convscope: …`.
        assert!(
            err.starts_with("convscope: ") || err.starts_with("error: "),
            "{args:?}: {err}"
        );
    }
    let (_, _, err) = cli(&["summary", "v1/3x8x8/conv(8,3,q)"]);
    assert!(err.contains("at character 19"), "{err}");
}

#[test]
fn input_override_and_file_input() {
    let (_, out, _) = cli(&[
        "summary", "resnet18", "--input", "3x28x28", "--format", "json",
    ]);
    let doc: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        doc["layers"][0]["output"],
        serde_json::json!([1, 64, 14, 14])
    );
    let path = std::env::temp_dir().join(format!("convscope-test-{}.txt", std::process::id()));
    std::fs::write(&path, "v1/3x32x32/\n  conv(8,3,p1)/\n  relu\n").expect("write");
    let (code, out, err) = cli(&[
        "summary",
        &format!("@{}", path.display()),
        "--format",
        "json",
    ]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"params\": 224"));
}

#[test]
fn help_and_usage_errors_look_like_a_rust_cli() {
    // Help on stdout with a zero exit, for the command and each subcommand.
    for args in [
        vec!["--help"],
        vec!["help"],
        vec!["help", "chart"],
        vec!["summary", "--help"],
        vec!["chart", "-h"],
    ] {
        let (code, out, err) = cli(&args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}");
        assert!(out.contains("Usage: convscope"), "{args:?}: {out}");
    }
    let (_, out, _) = cli(&["--help"]);
    for command in ["summary", "spec", "link", "chart", "presets", "devices"] {
        assert!(out.contains(&format!("\n  {command} ")), "{command}: {out}");
    }
    let (_, out, _) = cli(&["summary", "--help"]);
    for flag in [
        "--input", "--batch", "--dtype", "--device", "--count", "--format",
    ] {
        assert!(out.contains(flag), "{flag}: {out}");
    }
    // No arguments: the help, on stderr, as an error.
    let (code, out, err) = cli(&[]);
    assert_eq!(code, 2);
    assert!(out.is_empty() && err.contains("Usage: convscope"), "{err}");
    // A bad value names the flag and keeps the reason the hand-written parser gave.
    let (code, _, err) = cli(&["summary", "resnet18", "--batch", "0"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: invalid value '0' for '--batch <N>'"),
        "{err}"
    );
    assert!(err.contains("not a whole number from 1 to"), "{err}");
    let (_, _, err) = cli(&["summary", "resnet18", "--format", "xml"]);
    assert!(
        err.contains("[possible values: table, markdown, json]"),
        "{err}"
    );
    let (_, _, err) = cli(&["frobnicate"]);
    assert!(
        err.starts_with("error: unrecognized subcommand 'frobnicate'"),
        "{err}"
    );
    // Flags as before: inline values, aliases, any order, case-insensitive dtype.
    let (code, out, err) = cli(&[
        "summary",
        "--format=md",
        "--dtype",
        "FP16",
        "--batch=2",
        "simple_cnn",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Total params: 6,722"), "{out}");
}

#[test]
fn diff_puts_published_totals_side_by_side_and_matches_rows_by_path() {
    // torchvision's published parameter counts: resnet18 11,689,512, resnet34 21,797,672; MACs 1,814,073,344
    // (fvcore) and 3.66 GFLOPS.
    let (code, out, err) = cli(&["diff", "resnet18", "resnet34", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(doc["schema"], "convscope.diff/1");
    assert_eq!(doc["totals"]["a"]["params"], 11_689_512);
    assert_eq!(doc["totals"]["b"]["params"], 21_797_672);
    assert_eq!(doc["totals"]["a"]["macs"], 1_814_073_344);
    let b_macs = doc["totals"]["b"]["macs"].as_f64().expect("macs");
    assert!((b_macs / 1e9 - 3.66).abs() < 0.005, "{b_macs}");
    // Every block of resnet18 is in resnet34 under the same path; resnet34's extra blocks are new.
    assert_eq!(doc["a_only"].as_array().map(Vec::len), Some(0));
    let matches = doc["matches"].as_array().expect("matches");
    let new = matches.iter().filter(|m| m["a"].is_null()).count();
    assert!(matches
        .iter()
        .any(|m| m["b"] == "layer3.5.conv2" && m["a"].is_null()));
    assert!(matches
        .iter()
        .any(|m| m["b"] == "layer1.1.relu@2" && m["a"] == "layer1.1.relu@2"));
    assert_eq!(
        matches.len() - new,
        doc["a"]["layers"].as_array().map_or(0, Vec::len)
    );
    // The stage table as Markdown: one line per stage, both grids.
    let (code, md, _) = cli(&["diff", "resnet18", "resnet34", "--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(md.contains("| 4 | 7×7 | 7×7 |"), "{md}");
    let (code, _, err) = cli(&["diff", "resnet18", "nonsense("]);
    assert_eq!(code, 2);
    assert!(err.contains("convscope:"), "{err}");
}
