//! Receptive fields of the final feature maps, as published: Araujo, Norris & Sim, "Computing Receptive Fields of
//! Convolutional Neural Networks" (Distill 2019), Table 1 (alexnet 195, vgg16 212), and torchvision's ResNets
//! (stride in the 3×3 conv, "v1.5"): resnet18 435, resnet50 427 (not the TF-Slim 483).

use crate::support;

fn rf_at(key: &str, path: &str) -> (f64, f64) {
    let a = support::preset(key);
    let s = support::last_row(&a, path)
        .stats
        .unwrap_or_else(|| panic!("{key} {path} computed"));
    assert_eq!(s.rf.h, s.rf.w, "square network, square field");
    (s.rf.h.size, s.rf.h.jump)
}

#[test]
fn vgg16_and_alexnet_match_distill() {
    assert_eq!(rf_at("vgg16", "features.30"), (212.0, 32.0));
    assert_eq!(rf_at("alexnet", "features.12").0, 195.0);
    assert_eq!(rf_at("alexnet", "features.12").1, 32.0);
}

#[test]
fn torchvision_resnets() {
    assert_eq!(rf_at("resnet18", "layer4.1.relu"), (435.0, 32.0));
    assert_eq!(rf_at("resnet50", "layer4.2.relu"), (427.0, 32.0));
}

#[test]
fn global_pooling_sees_the_whole_input() {
    let a = support::preset("resnet18");
    let s = support::row(&a, "avgpool").stats.expect("computed");
    assert_eq!(s.rf.h.size, 224.0);
    assert!(s.rf.covers(224, 224));
}

#[test]
fn dilation_and_branches() {
    // Two 3×3 convs with dilation 2: 1 + 4 + 4 = 9. A concat of a 1×1 and a 5×5 branch takes the larger field.
    let a = support::spec("v1/1x32x32/conv(1,3,d2,p2)/conv(1,3,d2,p2)/cat(conv(2,1);conv(2,5,p2))");
    let last = a.rows.last().and_then(|r| r.stats).expect("computed");
    assert_eq!(last.rf.h.size, 9.0 + 4.0);
    assert_eq!(
        support::row(&a, "1").stats.expect("computed").rf.h.size,
        9.0
    );
}

#[test]
fn squeeze_excitation_keeps_the_convolution_path_field_and_adds_global_context() {
    // A gate scales the map by numbers pooled from the whole map: global context, but no wider field. Distill's
    // method and google-research/receptive_field give the convolution path's field, as does a gradient measured
    // with the gate held constant (`receptive_fields_match_the_measured_ones` checks whole networks).
    let a = support::preset("efficientnet_b0");
    let rf = |p: &str| support::row(&a, p).stats.expect("computed").rf;
    let before = rf("features.1.0.block.0.2");
    let scaled = rf("features.1.0.block.1:mul");
    assert_eq!((scaled.h, scaled.w), (before.h, before.w));
    assert!(!before.global && scaled.global);
    // The next stage's stride-2 depthwise 3×3 widens the convolution path's field by 2 × the jump it reads.
    let dw = rf("features.2.0.block.1.0");
    assert_eq!(dw.h.jump, 2.0 * before.h.jump);
    assert!(dw.global);
    // The gate's own path (pool, squeeze, excite) is a side path; the product is back on the main path.
    assert!(support::row(&a, "features.1.0.block.1.fc1").side);
    assert!(!support::row(&a, "features.1.0.block.1:mul").side);
}

#[test]
fn the_main_path_field_never_shrinks_before_global_pooling() {
    // A 1×1 shortcut sees less than the main path it joins (resnet18: 211 px at layer4.0.downsample.0 against
    // 307 px before it); as a side path it no longer pulls the RF chart's line down.
    for key in [
        "resnet18",
        "resnet50",
        "mobilenet_v2",
        "efficientnet_b0",
        "regnet_y_400mf",
        "googlenet",
    ] {
        let a = support::preset(key);
        let mut last = 0.0;
        for row in a.rows.iter().filter(|r| !r.side) {
            let Some(s) = row.stats else { continue };
            if s.output.channels() == 0
                || matches!(s.output, convscope::core::shape::Shape::Flat { .. })
            {
                break;
            }
            if let convscope::core::shape::Shape::Map { h: 1, w: 1, .. } = s.output {
                break;
            }
            assert!(
                s.rf.h.size >= last,
                "{key}: {} shrinks to {} from {last}",
                row.key(),
                s.rf.h.size
            );
            last = s.rf.h.size;
        }
    }
    let a = support::preset("resnet18");
    assert!(support::row(&a, "layer4.0.downsample.0").side);
}
