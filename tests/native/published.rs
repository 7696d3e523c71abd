//! torchvision's model documentation publishes each classification model's parameter count and GFLOPS (which are
//! multiply-accumulates of convolutions and linear layers, bias excluded, at 3×224×224).

use crate::support;

/// (preset, params, GFLOPS) from torchvision's "Classification" table of pretrained weights.
const TORCHVISION: [(&str, u64, f64); 9] = [
    ("resnet18", 11_689_512, 1.81),
    ("resnet34", 21_797_672, 3.66),
    ("resnet50", 25_557_032, 4.09),
    ("resnet101", 44_549_160, 7.80),
    ("resnet152", 60_192_808, 11.51),
    ("vgg16", 138_357_544, 15.47),
    ("alexnet", 61_100_840, 0.71),
    ("mobilenet_v2", 3_504_872, 0.30),
    ("efficientnet_b0", 5_288_548, 0.39),
];

/// A preset's totals: `params` exactly, MACs in GFLOPS to `decimals` digits, FLOPs twice the MACs.
fn check_published(key: &str, params: u64, gflops: f64, decimals: i32) {
    let a = support::preset(key);
    assert_eq!(a.totals.diagnostics, 0, "{key} has no diagnostics");
    assert_eq!(a.totals.params, params, "{key} params");
    let scale = 10f64.powi(decimals);
    let ours = (a.totals.macs as f64 / 1e9 * scale).round() / scale;
    assert_eq!(ours, gflops, "{key} GFLOPS: {} MACs", a.totals.macs);
    assert_eq!(a.totals.flops, 2 * a.totals.macs, "{key}: FLOPs = 2 × MACs");
}

#[test]
fn torchvision_params_are_exact_and_gflops_match_to_the_published_digits() {
    for (key, params, gflops) in TORCHVISION {
        check_published(key, params, gflops, 2);
    }
}

/// (preset, params, GFLOPS) from the metadata of torchvision's weights (`Weights.meta["num_params"]`,
/// `["_ops"]`, three decimals; the documentation's table rounds them to two).
const TORCHVISION_META: [(&str, u64, f64); 3] = [
    ("densenet121", 7_978_856, 2.834),
    ("googlenet", 6_624_904, 1.498),
    ("regnet_y_400mf", 4_344_144, 0.402),
];

#[test]
fn torchvision_weights_metadata_matches_to_three_decimals() {
    for (key, params, gflops) in TORCHVISION_META {
        check_published(key, params, gflops, 3);
    }
}

#[test]
fn resnet_macs_are_exact() {
    // The exact counts behind torchvision's 1.81 and 4.09 (fvcore, bias excluded).
    assert_eq!(support::preset("resnet18").totals.macs, 1_814_073_344);
    assert_eq!(support::preset("resnet50").totals.macs, 4_089_184_256);
}

#[test]
fn how_fast_is_my_model_worked_examples() {
    // M. Hollemans, "How fast is my model?" (2018): 3×3 conv 64→128 on 112×112 and its depthwise-separable version.
    let full = support::spec("v1/64x112x112/conv(128,3,p1)");
    assert_eq!(full.totals.macs, 924_844_032);
    let separable = support::spec("v1/64x112x112/conv(64,3,p1,dw)/conv(128,1)");
    assert_eq!(separable.totals.macs, 109_985_792);
}

#[test]
fn batch_scales_compute_but_not_parameters() {
    let one = support::spec("v1/3x32x32/conv(16,3,p1)/relu");
    let arch = convscope::core::format::parse("v1/3x32x32/conv(16,3,p1)/relu").expect("parses");
    let options = convscope::core::analysis::Options {
        batch: 8,
        ..Default::default()
    };
    let eight = convscope::core::analysis::analyse(&arch, &options);
    assert_eq!(eight.totals.macs, 8 * one.totals.macs);
    assert_eq!(eight.totals.params, one.totals.params);
    assert_eq!(
        eight.totals.activation_bytes,
        8 * one.totals.activation_bytes
    );
}
