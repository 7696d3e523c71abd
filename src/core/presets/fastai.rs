//! fastai's networks: the fastbook chapter 13 CNN, the seed thread's resnet18 learner, and xresnet18.

use crate::core::presets::Preset;

/// fastbook ch.13 `simple_cnn`: five stride-2 3×3 convs 1→4→8→16→32→2, ReLU after all but the last, then Flatten.
pub fn simple_cnn() -> Preset {
    let conv = |nf: u64| format!("seq(conv({nf},3,s2,p1)/relu)");
    let spec = format!(
        "v1/1x28x28/{}/{}/{}/{}/conv(2,3,s2,p1)/flatten",
        conv(4),
        conv(8),
        conv(16),
        conv(32)
    );
    Preset {
        key: "simple_cnn",
        description: "fastbook chapter 13 simple_cnn on 28×28 MNIST (batch 64)",
        batch: 64,
        spec,
    }
}

/// fastai `vision_learner(dls, resnet18)` for 10 classes on 28×28: torchvision's resnet18 body (cut before the
/// pool, its children renumbered by `nn.Sequential`) and fastai's `create_head(1024, 10)`.
pub fn fastai_resnet18() -> Preset {
    let body = "seq(conv(64,7,s2,p3,nobias)/bn/relu/maxpool(3,s2,p1)/seq(2*basic(64))/seq(basic(128,s2)/basic(128))\
        /seq(basic(256,s2)/basic(256))/seq(basic(512,s2)/basic(512)))";
    let head = "seq(concatpool/flatten/bn1d/dropout(0.25)/linear(512,nobias)/relu/bn1d/dropout/linear(10,nobias))";
    Preset {
        key: "fastai_resnet18",
        description: "fastai resnet18 learner with its default head, 10 classes on 64×3×28×28 (the seed thread)",
        batch: 64,
        spec: format!("v1/3x28x28/{body}/{head}"),
    }
}

/// fastai `ConvLayer(ni, nf, ks, stride)`: conv without bias, batch norm, optional ReLU.
fn conv_layer(nf: u64, ks: u64, stride: u64, act: bool) -> String {
    let s = if stride != 1 {
        format!(",s{stride}")
    } else {
        String::new()
    };
    let p = if ks / 2 > 0 {
        format!(",p{}", ks / 2)
    } else {
        String::new()
    };
    let relu = if act { "/relu" } else { "" };
    format!("seq(conv({nf},{ks}{s}{p},nobias)/bn{relu})")
}

/// fastai `ResBlock(1, ni, nf, stride)`: `act(convpath(x) + idpath(x))`, with an average-pool-then-1×1 shortcut.
fn res_block(ni: u64, nf: u64, stride: u64) -> String {
    let convpath = format!(
        "{}/{}",
        conv_layer(nf, 3, stride, true),
        conv_layer(nf, 3, 1, false)
    );
    let mut idpath = Vec::new();
    if stride != 1 {
        idpath.push(format!("avgpool({stride},ceil)"));
    }
    if ni != nf {
        idpath.push(conv_layer(nf, 1, 1, false));
    }
    format!(
        "res(convpath:seq({convpath});idpath:seq({});act:relu)",
        idpath.join("/")
    )
}

/// fastai `xresnet18()`: three-conv stem, `ResBlock` stages [2, 2, 2, 2], 1000 classes at 3×224×224.
pub fn xresnet18() -> Preset {
    let mut items = vec![
        conv_layer(32, 3, 2, true),
        conv_layer(32, 3, 1, true),
        conv_layer(64, 3, 1, true),
    ];
    items.push("maxpool(3,s2,p1)".into());
    let mut ni = 64;
    for (i, nf) in [64u64, 128, 256, 512].into_iter().enumerate() {
        let stride = if i == 0 { 1 } else { 2 };
        items.push(format!(
            "seq({}/{})",
            res_block(ni, nf, stride),
            res_block(nf, nf, 1)
        ));
        ni = nf;
    }
    items.push("adaptiveavg(1)/flatten/dropout(0)/linear(1000)".into());
    Preset {
        key: "xresnet18",
        description: "fastai xresnet18 (bag-of-tricks ResNet-D), 1000 classes at 3×224×224",
        batch: 1,
        spec: format!("v1/3x224x224/{}", items.join("/")),
    }
}
