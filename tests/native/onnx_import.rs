//! ONNX import: every network exported by `tools/reference/export_onnx.py` (torch.onnx, TorchScript exporter,
//! without weights) imports to the per-layer shapes, parameters and MACs of the independent torch fixtures
//! (`tests/fixtures/torch/*.json`: torchinfo and fvcore runs of the same PyTorch modules); hand-made bad files get
//! their message and no panic.

use convscope::core::analysis::{analyse, Counting, Options, Row};
use convscope::core::format;
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
    for name in NETS {
        compare(name, name, usize::MAX);
    }
}

#[test]
fn the_zoos_activations_written_as_products_import() {
    // SiLU as x·sigmoid(x), GELU in its erf form, ReLU6 as Clip(0, 6), Hardswish, LeakyReLU(0.1), same padding
    // with dilation, depthwise and grouped convs, ceil pools, a transposed conv and both upsamplings: the zoo's
    // first 16 layers against the first 16 entries of its fixture.
    compare("zoo_head", "zoo", 16);
}

#[test]
fn dynamo_exports_with_external_data_import() {
    // The dynamo exporter: nodes named `node_conv2d` with the module scopes as metadata, weights as external data
    // (left out of the file: the initializers keep only their dims), flatten as a Reshape.
    for name in ["simple_cnn", "alexnet", "pool_zoo", "convT_zoo"] {
        compare(&format!("{name}.dynamo"), name, usize::MAX);
    }
}

/// Imports `tests/fixtures/onnx/<name>.onnx` and compares its first `take` module rows with the torch fixture.
fn compare(name: &str, fixture_name: &str, take: usize) {
    let fv = Counting {
        norm: true,
        pool: true,
        ..Counting::default()
    };
    let imported = import(name);
    assert_eq!(imported.partial, None, "{name}");
    let reference = fixture(fixture_name);
    let batch = u(&reference["input"][0]);
    assert_eq!(imported.batch, batch, "{name}: the export's batch");
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
        .take(take)
        .filter(|l| !matches!(l["class"].as_str(), Some("Dropout" | "StochasticDepth")))
        .collect();
    // Recognised MBConv blocks bring torchvision's StochasticDepth back (the identity at inference): left out too.
    let rows: Vec<&Row> = support::module_rows(&a)
        .into_iter()
        .filter(|r| r.class != "StochasticDepth")
        .collect();
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
        // The zoo's same-padded dilated conv is missing from fvcore (see the fixture's notes).
        let fvcore_missing = fixture_name == "zoo" && row.path == "3";
        if fvcore_counts(row.class) && !fvcore_missing {
            assert_eq!(
                Some(s.macs),
                want["fvcore_flops"].as_u64(),
                "{at} fvcore count"
            );
        }
    }
    if take == usize::MAX {
        assert_eq!(
            a.totals.params,
            u(&reference["totals"]["params"]),
            "{name} total params"
        );
    }
}

/// The message for a bad file, or the partial note when a prefix still maps.
fn message(bytes: Vec<u8>) -> String {
    match onnx::read(Bytes::from(bytes)) {
        Ok(i) => i.partial.unwrap_or_else(|| "imported".into()),
        Err(e) => e.to_string(),
    }
}

#[test]
fn hand_made_bad_files_get_their_message() {
    let cases = [
        ("cycle", "the graph has a cycle through node `/relu/Relu` (Relu)"),
        ("missing_input", "node `/Add` (Add) reads `ghost`, which no node, input or initializer provides"),
        ("huge_dims", "node `/conv/Conv` (Conv) cannot be represented: its output channel count 1099511627776 is outside"),
        ("huge_input", "has 1073741824 height, above convscope's bound of 65536"),
        ("five_d", "the input `x` is 5-D (1×3×4×8×8); convscope analyses N×C×H×W images"),
        ("five_d_inside", "only the part before this maps: node `/Unsqueeze` (Unsqueeze)"),
        ("unknown_op", "only the part before this maps: node `/frob/FrobnicateV7` (FrobnicateV7) cannot be represented: convscope has no layer for the ONNX op FrobnicateV7"),
        ("channel_shuffle", "node `/Reshape` (Reshape) cannot be represented: a channel shuffle"),
        ("two_inputs", "the graph has 2 data inputs (`x`, `x2`)"),
        ("bridge", "the graph is not series-parallel there"),
        ("dynamic_height", "the input `x` (1×3×?×8) has a dynamic size with no value"),
    ];
    for (name, want) in cases {
        let got = message(file(&format!("bad/{name}.onnx")));
        assert!(got.contains(want), "{name}: {got}");
    }
}

#[test]
fn a_partial_import_keeps_the_part_before_the_unknown_op() {
    let i = onnx::read(Bytes::from(file("bad/unknown_op.onnx"))).expect("the conv maps");
    assert_eq!(format::print(&i.arch), "v1/3x8x8/conv:conv(4,3,p1,nobias)");
    let a = analyse(&i.arch, &Options::default());
    // 4 output channels × 8×8 × 3 input channels × 3×3: counted by hand from the file's shapes.
    assert_eq!(a.totals.macs, 4 * 8 * 8 * 3 * 9);
}

#[test]
fn truncated_files_and_other_bytes_never_panic() {
    let good = file("resnet18.onnx");
    assert!(message(Vec::new()).contains("no graph"), "empty");
    assert!(message(b"v1/3x224x224/conv(8,3)".to_vec()).starts_with("not a readable ONNX model"));
    assert!(message(vec![0xff; 64]).starts_with("not a readable ONNX model"));
    // Every cut of the file: a decode error, a broken graph or a partial network, never a panic.
    for cut in (0..good.len()).step_by(211) {
        let _ = message(good[..cut].to_vec());
    }
    assert!(message(good[..good.len() / 2].to_vec()).starts_with("not a readable ONNX model"));
    // Bytes flipped one at a time (a cheap fuzz of the reader beyond the decoder).
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..400 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let mut bytes = good.clone();
        let at = (state % bytes.len() as u64) as usize;
        bytes[at] ^= (state >> 32) as u8 | 1;
        let _ = message(bytes);
    }
}

#[test]
fn a_file_with_weights_reads_like_one_without() {
    // simple_cnn exported with its weights (raw tensor data) and without: the same network.
    let with = onnx::read(Bytes::from(file("simple_cnn_weights.onnx"))).expect("imports");
    let without = import("simple_cnn");
    assert_eq!(with.arch, without.arch);
    assert_eq!(with.batch, 64);
    // fastbook's chapter 13 simple_cnn, as the preset writes it.
    let preset = convscope::core::presets::find("simple_cnn").expect("preset");
    assert_eq!(format::print(&with.arch), preset.spec);
}

#[test]
fn the_command_line_reads_onnx_files() {
    let path = format!(
        "{}/tests/fixtures/onnx/resnet50.onnx",
        env!("CARGO_MANIFEST_DIR")
    );
    let run = |args: &[&str]| {
        let argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = convscope::cli::run(&argv, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).expect("utf8"),
            String::from_utf8(err).expect("utf8"),
        )
    };
    let (code, spec, _) = run(&["spec", &path]);
    assert_eq!(code, 0);
    let arch = format::parse(spec.trim()).expect("spec parses");
    // torchvision's published resnet50: 25,557,032 parameters, 4.09 GMACs at 224×224.
    let a = analyse(&arch, &Options::default());
    assert_eq!(a.totals.params, 25_557_032);
    assert_eq!(a.totals.macs, 4_089_184_256);
    let (code, summary, _) = run(&["summary", &path]);
    assert_eq!(code, 0);
    assert!(summary.contains("25,557,032"), "{summary}");
    let (code, link, _) = run(&["link", &format!("@{path}")]);
    assert_eq!(code, 0);
    assert!(
        link.starts_with("#arch=v1/3x224x224/conv1:conv(64,7,s2,p3,nobias)"),
        "{link}"
    );
    let (code, _, err) = run(&["summary", "/nonexistent/model.onnx"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /nonexistent/model.onnx"), "{err}");
}

#[test]
fn torchvision_blocks_are_recognised() {
    // The presets write torchvision's ResNets with their standard blocks: the imports are the same text.
    for name in ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152"] {
        let preset = convscope::core::presets::find(name).expect("preset");
        assert_eq!(format::print(&import(name).arch), preset.spec, "{name}");
    }
    // MobileNetV2 and EfficientNet: every InvertedResidual and MBConv is a block (17 and 16, as torchvision builds
    // them), so the block sliders work; the exports have no dropout, the rest of the rows are the preset's.
    for (name, want) in [("mobilenet_v2", 17), ("efficientnet_b0", 16)] {
        let arch = import(name).arch;
        assert_eq!(blocks(&arch.body), want, "{name}");
        let ours = analyse(&arch, &Options::default());
        let preset = support::preset(name);
        let keep = |r: &&Row| !matches!(r.class, "Dropout");
        let a: Vec<_> = ours
            .rows
            .iter()
            .filter(keep)
            .map(|r| (&r.path, r.stats.map(|s| (s.output, s.params, s.macs))))
            .collect();
        let b: Vec<_> = preset
            .rows
            .iter()
            .filter(keep)
            .map(|r| (&r.path, r.stats.map(|s| (s.output, s.params, s.macs))))
            .collect();
        assert_eq!(a, b, "{name}");
    }
}

fn blocks(nodes: &[convscope::core::arch::Node]) -> u64 {
    use convscope::core::arch::Op;
    nodes
        .iter()
        .map(|n| {
            n.repeat
                * match &n.op {
                    Op::Block(_) => 1,
                    Op::Seq(items) => blocks(items),
                    Op::Residual(r) => blocks(&r.main) + blocks(&r.shortcut) + blocks(&r.post),
                    Op::Concat(bs) => bs.iter().map(|b| blocks(b)).sum(),
                    _ => 0,
                }
        })
        .sum()
}

/// The reader's fuzz run: `CONVSCOPE_FUZZ=1000000 cargo test --release --test tests onnx_import::fuzz -- --ignored
/// --nocapture` feeds it that many inputs made from the fixtures (cut at a random length, bytes flipped, varints
/// rewritten, random bytes) and counts the outcomes; any panic fails it. The last result is in the README.
#[test]
#[ignore]
fn fuzz_the_reader() {
    let n: u64 = std::env::var("CONVSCOPE_FUZZ")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let seeds: Vec<Vec<u8>> = [
        "resnet18",
        "mobilenet_v2",
        "googlenet",
        "norm_zoo",
        "zoo_head",
        "simple_cnn_weights",
    ]
    .iter()
    .map(|s| file(&format!("{s}.onnx")))
    .chain(
        ["cycle", "unknown_op", "channel_shuffle"]
            .iter()
            .map(|s| file(&format!("bad/{s}.onnx"))),
    )
    .collect();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut ok, mut partial, mut refused) = (0u64, 0u64, 0u64);
    for _ in 0..n {
        let seed = &seeds[(next() % seeds.len() as u64) as usize];
        let mut bytes = match next() % 4 {
            0 => seed[..(next() % seed.len() as u64) as usize].to_vec(),
            3 => (0..next() % 256).map(|_| next() as u8).collect(),
            _ => seed.clone(),
        };
        if !bytes.is_empty() {
            for _ in 0..1 + next() % 4 {
                let at = (next() % bytes.len() as u64) as usize;
                bytes[at] = if next() % 2 == 0 {
                    next() as u8
                } else {
                    bytes[at] ^ 0x80
                };
            }
        }
        match onnx::read(Bytes::from(bytes)) {
            Ok(i) if i.partial.is_some() => partial += 1,
            Ok(_) => ok += 1,
            Err(_) => refused += 1,
        }
    }
    println!("fuzz: {n} inputs, {ok} imported, {partial} partial, {refused} refused, no panic");
}

#[test]
fn a_keras_shaped_model_imports_up_to_its_softmax() {
    let i = import("keras_like");
    // N×H×W×C read as C×H×W; the normalisation left out; TensorFlow's SAME padding at stride 2 (0 before, 1 after)
    // read as 1 on both sides, which gives the same 16×16 output; the squeeze after the pool is the flatten.
    assert_eq!(
        format::print(&i.arch),
        "v1/3x32x32/conv(8,3,s2,p1)/relu/conv(16,3,p1)/relu/adaptiveavg(1)/flatten/linear(10)"
    );
    let p = i.partial.expect("Softmax has no convscope layer");
    assert!(p.contains("node `model/dense/Softmax` (Softmax)"), "{p}");
    assert_eq!(i.notes.len(), 4, "{:?}", i.notes);
    let a = analyse(&i.arch, &Options::default());
    // By hand: 8·16·16·(3·3·3) + 16·16·16·(8·3·3) + 16·10.
    assert_eq!(a.totals.macs, 8 * 16 * 16 * 27 + 16 * 16 * 16 * 72 + 160);
}
