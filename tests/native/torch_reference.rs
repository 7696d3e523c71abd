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

/// A preset's spec with `from` replaced by `to` everywhere (variants of a preset family).
fn variant(preset: &str, from: &str, to: &str) -> String {
    convscope::core::presets::find(preset)
        .expect("preset")
        .spec
        .replace(from, to)
}

/// torchvision `Fire(squeeze, expand1x1 = expand3x3 = expand)`: its forward concatenates its own expand branches.
fn fire(squeeze: u64, expand: u64) -> String {
    format!(
        "seq(squeeze:conv({squeeze},1)/squeeze_activation:relu/~cat(expand1x1:conv({expand},1)\
         /expand1x1_activation:relu;expand3x3:conv({expand},3,p1)/expand3x3_activation:relu))"
    )
}

/// torchvision `mobilenet_v3_small`: (in, kernel, expanded, out, squeeze-excitation, hard-swish, stride) per block.
fn mobilenet_v3_small() -> String {
    let cfg: [(u64, u64, u64, u64, bool, bool, u64); 11] = [
        (16, 3, 16, 16, true, false, 2),
        (16, 3, 72, 24, false, false, 2),
        (24, 3, 88, 24, false, false, 1),
        (24, 5, 96, 40, true, true, 2),
        (40, 5, 240, 40, true, true, 1),
        (40, 5, 240, 40, true, true, 1),
        (40, 5, 120, 48, true, true, 1),
        (48, 5, 144, 48, true, true, 1),
        (48, 5, 288, 96, true, true, 2),
        (96, 5, 576, 96, true, true, 1),
        (96, 5, 576, 96, true, true, 1),
    ];
    let divisible = convscope::core::blocks::make_divisible;
    let mut features = vec!["seq(conv(16,3,s2,p1,nobias)/bn/hardswish)".to_string()];
    for (inp, k, exp, out, se, hs, s) in cfg {
        let act = if hs { "hardswish" } else { "relu" };
        let mut block = Vec::new();
        if exp != inp {
            block.push(format!("seq(conv({exp},1,nobias)/bn/{act})"));
        }
        block.push(format!(
            "seq(conv({exp},{k},s{s},p{},dw,nobias)/bn/{act})",
            (k - 1) / 2
        ));
        if se {
            block.push(format!("se({},hardsigmoid)", divisible(exp / 4)));
        }
        block.push(format!("seq(conv({out},1,nobias)/bn)"));
        let body = format!("block:seq({})", block.join("/"));
        features.push(if s == 1 && inp == out {
            format!("res({body})")
        } else {
            format!("seq({body})")
        });
    }
    features.push("seq(conv(576,1,nobias)/bn/hardswish)".into());
    format!(
        "v1/3x224x224/features:seq({})/avgpool:adaptiveavg(1)/flatten:~flatten\
         /classifier:seq(linear(1024)/hardswish/dropout(0.2)/linear(1000))",
        features.join("/")
    )
}

/// Networks that are not presets, written in the text format from the same PyTorch definitions, with the batch.
fn custom_spec(name: &str) -> Option<(String, u64)> {
    let fixed = |s: &str, n: u64| Some((s.to_string(), n));
    match name {
        "resnext50_32x4d" => Some((variant("resnet50", "bottleneck(", "bottleneck(g32,w4,"), 1)),
        "wide_resnet50_2" => Some((variant("resnet50", "bottleneck(", "bottleneck(w128,"), 1)),
        "resnet18_160x128_b4" => Some((variant("resnet18", "v1/3x224x224/", "v1/3x160x128/"), 4)),
        "mobilenet_v2_97x131" => Some((variant("mobilenet_v2", "v1/3x224x224/", "v1/3x97x131/"), 2)),
        "efficientnet_b1" => Some((convscope::core::presets::torchvision::efficientnet_spec([2, 3, 3, 4, 4, 5, 2]), 1)),
        "mobilenet_v3_small" => Some((mobilenet_v3_small(), 1)),
        "norm_zoo" => fixed(
            "v1/3x40x36/conv(32,3,p1,nobias)/groupnorm(8)/mish/conv(64,3,s2,p1)/groupnorm(32)/tanh\
             /se(16,hardsigmoid)/hardsigmoid/adaptiveavg(1)/flatten/linear(5)",
            3,
        ),
        "vgg11_bn" => {
            let cbr = |c: u64| format!("conv({c},3,p1)/bn/relu");
            let features = [cbr(64), "maxpool(2)".into(), cbr(128), "maxpool(2)".into(), cbr(256), cbr(256), "maxpool(2)".into(), cbr(512), cbr(512), "maxpool(2)".into(), cbr(512), cbr(512), "maxpool(2)".into()];
            Some((
                format!(
                    "v1/3x224x224/features:seq({})/avgpool:adaptiveavg(7)/flatten:~flatten\
                     /classifier:seq(linear(4096)/relu/dropout/linear(4096)/relu/dropout/linear(1000))",
                    features.join("/")
                ),
                1,
            ))
        }
        "squeezenet1_1" => {
            let pool = "maxpool(3,s2,ceil)";
            let features = [
                "conv(64,3,s2)/relu".to_string(), pool.into(), fire(16, 64), fire(16, 64), pool.into(), fire(32, 128), fire(32, 128),
                pool.into(), fire(48, 192), fire(48, 192), fire(64, 256), fire(64, 256),
            ];
            Some((
                format!(
                    "v1/3x224x224/features:seq({})/classifier:seq(dropout/conv(1000,1)/relu/adaptiveavg(1))/flatten:~flatten",
                    features.join("/")
                ),
                1,
            ))
        }
        "zoo" => fixed(
            "v1/3x64x48/conv(16,3x5,s1x2,p1x2)/bn/relu6/conv(32,3,psame,d2)/silu/conv(32,3,s2,p1,g32,nobias)\
             /conv(48,1,g4)/gelu/maxpool(3,s2,ceil)/avgpool(2,p1,ceil)/convt(24,3,s2,p1,op1)/hardswish/leakyrelu(0.1)\
             /upsample(2,bilinear)/conv(8,3,p1)/upsample(2)/adaptiveavg(3x5)/adaptivemax(2)/sigmoid/flatten\
             /dropout(0.1)/linear(7)/bn1d",
            2,
        ),
        "convT_zoo" => fixed("v1/8x10x10/convt(16,4,s2,p1)/convt(4,3x2,s3x1,d2,g4,op1x0)", 1),
        "pool_zoo" => fixed(
            "v1/4x7x5/maxpool(3,s2,p1,ceil)/avgpool(3x2,s2x3,ceil)/maxpool(2,ceil)/avgpool(4,ceil)/conv(6,1)\
             /maxpool(2,ceil)/flatten/linear(3)",
            2,
        ),
        _ => None,
    }
}

fn ours(name: &str, counting: Counting) -> Analysis {
    let (arch, batch) = match custom_spec(name) {
        Some((spec, batch)) => (
            format::parse(&spec).unwrap_or_else(|e| panic!("{name}: {e}")),
            batch,
        ),
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

const NETS: [&str; 27] = [
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
    "pool_zoo",
    "resnext50_32x4d",
    "wide_resnet50_2",
    "vgg11_bn",
    "squeezenet1_1",
    "efficientnet_b1",
    "resnet18_160x128_b4",
    "mobilenet_v2_97x131",
    "mobilenet_v3_small",
    "norm_zoo",
    "densenet121",
    "googlenet",
    "regnet_y_400mf",
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
            | "GroupNorm"
            | "AdaptiveAvgPool2d"
            | "Upsample"
    )
}

#[test]
fn every_leaf_call_matches_torchinfo_and_fvcore() {
    // Norm and pool switches on: fvcore counts eval-mode batch norm (2/element), group norm (5/element), adaptive
    // average pooling
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
            assert_eq!(row.path, want["path"].as_str().expect("path"), "{at} path");
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
        // Squeeze-excitation networks, measured with their gates held constant: the convolution path's field.
        ("efficientnet_b0", "features.8.2"),
        ("mobilenet_v3_small", "features.12.2"),
        ("regnet_y_400mf", "trunk_output.block4"),
    ] {
        let m = &measured[name];
        let a = ours(name, Counting::default());
        // The feature map's last computed row (a module path may name a whole stage).
        let row = a
            .rows
            .iter()
            .rev()
            .find(|r| {
                r.path == path
                    || r.path.starts_with(&format!("{path}."))
                    || r.path.starts_with(&format!("{path}:"))
            })
            .unwrap_or_else(|| panic!("{name}: no row in {path}"));
        let rf = row.stats.expect("computed").rf;
        assert_eq!(rf.h.size, u(&m["size"]) as f64, "{name} size");
        assert_eq!(rf.h.jump, u(&m["jump"]) as f64, "{name} jump");
        // measure_rf gives where unit i's field begins (i·jump + offset); start is the centre of unit 0's field.
        let offset = m["offset"].as_f64().expect("offset");
        assert_eq!(rf.h.start, offset + (rf.h.size - 1.0) / 2.0, "{name} start");
    }
}
