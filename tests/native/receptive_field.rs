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
fn squeeze_excitation_sees_the_whole_input_on_the_grid_it_scales() {
    // Every unit of a squeeze-excited map depends on the whole input (the gate pools the whole map), and the map
    // keeps its grid: resnet-style 3×3 convolutions after it step by the map's jump, not by the input's size.
    let a = support::preset("efficientnet_b0");
    let stats = |p: &str| support::row(&a, p).stats.expect("computed").rf.h;
    let before = stats("features.1.0.block.0.0");
    let scaled = stats("features.1.0.block.1:mul");
    assert_eq!((scaled.size, scaled.jump), (224.0, before.jump));
    // The next stage's stride-2 depthwise 3×3: its field grows by 2 × the jump of the map it reads.
    let dw = stats("features.2.0.block.1.0");
    assert_eq!(dw.jump, 2.0 * before.jump);
    assert!(dw.size >= 224.0 && dw.size <= 224.0 + 2.0 * 2.0 * before.jump);
}
