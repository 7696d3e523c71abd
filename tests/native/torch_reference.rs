//! Per-layer comparison with real PyTorch tools. `tests/fixtures/torch/*.json` were written by
//! `tools/reference/dump_refs.py` (torch 2.15, torchvision 0.29, torchinfo 1.8, fvcore 0.1.5, fastai 2.8): one entry
//! per leaf module call with its output shape, parameters and fvcore's count, plus the totals. The receptive fields
//! in `receptive_fields.json` were measured by back-propagating from one output unit (`measure_rf.py`).

use convscope::core::analysis::{analyse, Analysis, Counting, Options, Row};
use convscope::core::format;
use serde_json::Value;

use crate::support;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/torch/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn u(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("integer expected, got {v}"))
}

fn dims(v: &Value) -> Vec<u64> {
    v.as_array()
        .map(|a| a.iter().map(u).collect())
        .unwrap_or_default()
}

/// Networks not in the preset list, written in the text format from the same PyTorch definitions.
fn custom_spec(name: &str) -> Option<(&'static str, u64)> {
    match name {
        "zoo" => Some((
            "v1/3x64x48/conv(16,3x5,s1x2,p1x2)/bn/relu6/conv(32,3,psame,d2)/silu/conv(32,3,s2,p1,g32,nobias)\
             /conv(48,1,g4)/gelu/maxpool(3,s2,ceil)/avgpool(2,p1,ceil)/convt(24,3,s2,p1,op1)/hardswish/leakyrelu(0.1)\
             /upsample(2,bilinear)/conv(8,3,p1)/upsample(2)/adaptiveavg(3x5)/adaptivemax(2)/sigmoid/flatten\
             /dropout(0.1)/linear(7)/bn1d",
            2,
        )),
        "convT_zoo" => Some(("v1/8x10x10/convt(16,4,s2,p1)/convt(4,3x2,s3x1,d2,g4,op1x0)", 1)),
        _ => None,
    }
}

fn ours(name: &str, counting: Counting) -> Analysis {
    let (arch, batch) = match custom_spec(name) {
        Some((spec, batch)) => (format::parse(spec).expect("custom spec parses"), batch),
        None => {
            let p = convscope::core::presets::find(name).expect("preset");
            (p.architecture().expect("parses"), p.batch)
        }
    };
    analyse(
        &arch,
        &Options {
            batch,
            counting,
            ..Options::default()
        },
    )
}

const NETS: [&str; 14] = [
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "vgg16",
    "alexnet",
    "mobilenet_v2",
    "efficientnet_b0",
    "fastai_resnet18",
    "xresnet18",
    "simple_cnn",
    "zoo",
    "convT_zoo",
];

/// Classes whose fvcore count is a convention convscope shares under the given switches.
fn fvcore_counts(class: &str) -> bool {
    matches!(
        class,
        "Conv2d"
            | "ConvTranspose2d"
            | "Linear"
            | "BatchNorm2d"
            | "BatchNorm1d"
            | "AdaptiveAvgPool2d"
            | "Upsample"
    )
}

#[test]
fn every_leaf_call_matches_torchinfo_and_fvcore() {
    // Norm and pool switches on: fvcore counts eval-mode batch norm (2/element), adaptive average pooling
    // (1/input element) and upsampling (1 or 4/output element); bias stays excluded like fvcore.
    let fv = Counting {
        norm: true,
        pool: true,
        ..Counting::default()
    };
    for name in NETS {
        let reference = fixture(name);
        let a = ours(name, fv);
        assert_eq!(a.totals.diagnostics, 0, "{name}");
        let rows: Vec<&Row> = support::module_rows(&a);
        let layers = reference["layers"].as_array().expect("layers");
        assert_eq!(rows.len(), layers.len(), "{name}: one row per leaf call");
        let mut fvcore_sum = 0;
        for (row, want) in rows.iter().zip(layers) {
            let s = row.stats.expect("computed");
            let at = format!("{name} {} ({})", row.path, row.class);
            assert_eq!(row.class, want["class"].as_str().expect("class"), "{at}");
            assert_eq!(
                s.output.with_batch(a.options.batch),
                dims(&want["output"]),
                "{at} output"
            );
            assert_eq!(s.params, u(&want["params"]), "{at} params");
            if name != "simple_cnn" && name != "fastai_resnet18" && name != "xresnet18" {
                assert_eq!(row.path, want["path"].as_str().expect("path"), "{at} path");
            }
            let fvcore = want["fvcore_flops"].as_u64();
            let same_padding = name == "zoo" && row.path == "3";
            if fvcore_counts(row.class) && !same_padding {
                assert_eq!(Some(s.macs), fvcore, "{at} fvcore count");
                fvcore_sum += s.macs;
            }
        }
        // Functional calls (mobilenet_v2's F.adaptive_avg_pool2d) are no rows of torchinfo but fvcore counts them.
        let functional: u64 = a
            .rows
            .iter()
            .filter(|r| r.functional && fvcore_counts(r.class))
            .filter_map(|r| r.stats.map(|s| s.macs))
            .sum();
        fvcore_sum += functional;
        if name != "zoo" {
            assert_eq!(
                fvcore_sum,
                u(&reference["totals"]["fvcore_total"]),
                "{name} fvcore total"
            );
        }
        assert_eq!(
            a.totals.params,
            u(&reference["totals"]["params"]),
            "{name} total params"
        );
        assert_eq!(
            a.totals.trainable_params,
            u(&reference["totals"]["trainable_params"]),
            "{name} trainable"
        );
    }
}

#[test]
fn default_convention_is_fvcores_conv_and_linear_count() {
    // resnet50: fvcore's conv + linear operators are torchvision's 4.09 GFLOPS.
    let by_op = &fixture("resnet50")["totals"]["fvcore_by_operator"];
    let a = ours("resnet50", Counting::default());
    assert_eq!(a.totals.macs, u(&by_op["conv"]) + u(&by_op["linear"]));
}

#[test]
fn receptive_fields_match_the_measured_ones() {
    let measured = fixture("receptive_fields");
    for (name, path) in [
        ("vgg16", "features.30"),
        ("alexnet", "features.12"),
        ("resnet18", "layer4.1.relu"),
        ("resnet50", "layer4.2.relu"),
    ] {
        let m = &measured[name];
        let a = ours(name, Counting::default());
        let rf = support::last_row(&a, path).stats.expect("computed").rf;
        assert_eq!(rf.h.size, u(&m["size"]) as f64, "{name} size");
        assert_eq!(rf.h.jump, u(&m["jump"]) as f64, "{name} jump");
        // measure_rf gives where unit i's field begins (i·jump + offset); start is the centre of unit 0's field.
        let offset = m["offset"].as_f64().expect("offset");
        assert_eq!(rf.h.start, offset + (rf.h.size - 1.0) / 2.0, "{name} start");
    }
}
