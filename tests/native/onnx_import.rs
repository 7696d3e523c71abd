//! ONNX import: every network exported by `tools/reference/export_onnx.py` (torch.onnx, TorchScript exporter,
//! without weights) imports to the per-layer shapes, parameters and MACs of the independent torch fixtures
//! (`tests/fixtures/torch/*.json`: torchinfo and fvcore runs of the same PyTorch modules); hand-made bad files get
//! their message and no panic.

use convscope::core::analysis::{analyse, Counting, Options, Row};
use convscope::import::onnx::{self, Bytes, Imported};
use serde_json::Value;

use crate::support;

fn file(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/onnx/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn import(name: &str) -> Imported {
    onnx::read(Bytes::from(file(&format!("{name}.onnx")))).unwrap_or_else(|e| panic!("{name}: {e}"))
}

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

/// Every exported network with a torch fixture (the zoo is not exported: torch.onnx refuses its adaptive pool of
/// 3×5 on a map that 3×5 does not divide).
const NETS: [&str; 24] = [
    "simple_cnn",
    "resnet18",
    "resnet34",
    "resnet50",
    "resnet101",
    "resnet152",
    "vgg16",
    "alexnet",
    "mobilenet_v2",
    "efficientnet_b0",
    "resnext50_32x4d",
    "wide_resnet50_2",
    "vgg11_bn",
    "squeezenet1_1",
    "efficientnet_b1",
    "mobilenet_v3_small",
    "densenet121",
    "googlenet",
    "regnet_y_400mf",
    "resnet18_160x128_b4",
    "mobilenet_v2_97x131",
    "norm_zoo",
    "convT_zoo",
    "pool_zoo",
];

/// Classes whose fvcore count convscope shares with norm and pool counting on (as in `torch_reference.rs`).
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
fn torch_exports_import_to_the_fixtures_numbers() {
    let fv = Counting {
        norm: true,
        pool: true,
        ..Counting::default()
    };
    for name in NETS {
        let imported = import(name);
        assert_eq!(imported.partial, None, "{name}");
        let reference = fixture(name);
        let batch = u(&reference["input"][0]);
        let a = analyse(
            &imported.arch,
            &Options {
                batch,
                counting: fv,
                ..Options::default()
            },
        );
        assert_eq!(a.totals.diagnostics, 0, "{name}");
        // torch.onnx exports in eval mode, where dropout is the identity and leaves no node.
        let layers: Vec<&Value> = reference["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .filter(|l| !matches!(l["class"].as_str(), Some("Dropout" | "StochasticDepth")))
            .collect();
        let rows: Vec<&Row> = support::module_rows(&a);
        let paths: Vec<&str> = rows.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            rows.len(),
            layers.len(),
            "{name}: one row per leaf call: {paths:?}"
        );
        for (row, want) in rows.iter().zip(&layers) {
            let s = row.stats.expect("computed");
            let at = format!("{name} {} ({})", row.path, row.class);
            assert_eq!(row.path, want["path"].as_str().expect("path"), "{at} path");
            let class = want["class"].as_str().expect("class");
            // torch.onnx writes an adaptive average pool whose output divides its input as a fixed AveragePool
            // (alexnet's 6×6 → 6×6, vgg's 7×7 → 7×7): the file no longer says "adaptive", the numbers are the same.
            let exported_as_fixed_pool = class == "AdaptiveAvgPool2d" && row.class == "AvgPool2d";
            if !exported_as_fixed_pool {
                assert_eq!(row.class, class, "{at}");
            }
            let out: Vec<u64> = want["output"]
                .as_array()
                .expect("output")
                .iter()
                .map(u)
                .collect();
            assert_eq!(s.output.with_batch(batch), out, "{at} output");
            assert_eq!(s.params, u(&want["params"]), "{at} params");
            if fvcore_counts(row.class) {
                assert_eq!(
                    Some(s.macs),
                    want["fvcore_flops"].as_u64(),
                    "{at} fvcore count"
                );
            }
        }
        assert_eq!(
            a.totals.params,
            u(&reference["totals"]["params"]),
            "{name} total params"
        );
    }
}
