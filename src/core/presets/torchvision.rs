//! torchvision's classification models at 3×224×224 with 1000 classes, with torchvision's module names.

use crate::core::presets::Preset;

/// The torchvision presets.
pub fn all() -> Vec<Preset> {
    vec![
        resnet(
            "resnet18",
            "torchvision resnet18 (BasicBlock, [2, 2, 2, 2])",
            "basic",
            [2, 2, 2, 2],
        ),
        resnet(
            "resnet34",
            "torchvision resnet34 (BasicBlock, [3, 4, 6, 3])",
            "basic",
            [3, 4, 6, 3],
        ),
        resnet(
            "resnet50",
            "torchvision resnet50 (Bottleneck v1.5, [3, 4, 6, 3])",
            "bottleneck",
            [3, 4, 6, 3],
        ),
        resnet(
            "resnet101",
            "torchvision resnet101 (Bottleneck v1.5, [3, 4, 23, 3])",
            "bottleneck",
            [3, 4, 23, 3],
        ),
        resnet(
            "resnet152",
            "torchvision resnet152 (Bottleneck v1.5, [3, 8, 36, 3])",
            "bottleneck",
            [3, 8, 36, 3],
        ),
        vgg16(),
        alexnet(),
        mobilenet_v2(),
        efficientnet_b0(),
        preset(
            "densenet121",
            "torchvision densenet121 (growth 32, blocks 6/12/24/16)",
            densenet121_spec(),
        ),
        preset(
            "googlenet",
            "torchvision googlenet (Inception v1, without its auxiliary classifiers)",
            googlenet_spec(),
        ),
        preset(
            "regnet_y_400mf",
            "torchvision regnet_y_400mf (grouped 3×3, squeeze-excitation)",
            regnet_y_400mf_spec(),
        ),
    ]
}

fn preset(key: &'static str, description: &'static str, spec: String) -> Preset {
    Preset {
        key,
        description,
        batch: 1,
        spec,
    }
}

/// `n` copies of `item`, or the item alone.
fn times(n: u64, item: &str) -> String {
    if n == 1 {
        item.to_string()
    } else {
        format!("{n}*{item}")
    }
}

/// The `,sN` argument of a stride `s`; nothing for 1, the default (presets are written canonically).
fn stride_arg(s: u64) -> String {
    if s == 1 {
        String::new()
    } else {
        format!(",s{s}")
    }
}

/// A stage of `n` blocks whose first one strides by `s`: `block(",s2")/(n-1)*block("")`, where `block` writes one
/// block given its stride argument.
fn strided_stage(n: u64, s: u64, block: impl Fn(&str) -> String) -> String {
    let first = block(&stride_arg(s));
    if n > 1 {
        format!("{first}/{}", times(n - 1, &block("")))
    } else {
        first
    }
}

/// torchvision `ResNet`: stem, four stages (the first block of stages 2–4 strides), global pool, `fc`.
fn resnet(key: &'static str, description: &'static str, block: &str, layers: [u64; 4]) -> Preset {
    let mut spec = String::from(
        "v1/3x224x224/conv1:conv(64,7,s2,p3,nobias)/bn1:bn/relu:relu/maxpool:maxpool(3,s2,p1)",
    );
    for (i, (&n, planes)) in layers.iter().zip([64u64, 128, 256, 512]).enumerate() {
        let stage = if i == 0 {
            times(n, &format!("{block}({planes})"))
        } else {
            strided_stage(n, 2, |stride| format!("{block}({planes}{stride})"))
        };
        spec.push_str(&format!("/layer{}:seq({stage})", i + 1));
    }
    spec.push_str("/avgpool:adaptiveavg(1)/flatten:~flatten/fc:linear(1000)");
    preset(key, description, spec)
}

/// torchvision `vgg16` (configuration D, no batch norm).
fn vgg16() -> Preset {
    let cfg: [u64; 18] = [
        64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0,
    ];
    let features: Vec<String> = cfg
        .iter()
        .map(|&c| {
            if c == 0 {
                "maxpool(2)".to_string()
            } else {
                format!("conv({c},3,p1)/relu")
            }
        })
        .collect();
    let spec = format!(
        "v1/3x224x224/features:seq({})/avgpool:adaptiveavg(7)/flatten:~flatten\
         /classifier:seq(linear(4096)/relu/dropout/linear(4096)/relu/dropout/linear(1000))",
        features.join("/")
    );
    preset("vgg16", "torchvision vgg16 (configuration D)", spec)
}

/// torchvision `alexnet` (the one-GPU variant of "One weird trick").
fn alexnet() -> Preset {
    let spec = "v1/3x224x224/features:seq(conv(64,11,s4,p2)/relu/maxpool(3,s2)/conv(192,5,p2)/relu/maxpool(3,s2)\
        /conv(384,3,p1)/relu/conv(256,3,p1)/relu/conv(256,3,p1)/relu/maxpool(3,s2))/avgpool:adaptiveavg(6)\
        /flatten:~flatten/classifier:seq(dropout/linear(4096)/relu/dropout/linear(4096)/relu/linear(1000))";
    preset("alexnet", "torchvision alexnet", spec.to_string())
}

/// torchvision `mobilenet_v2`: inverted residuals (t, c, n, s) as in the paper's Table 2.
fn mobilenet_v2() -> Preset {
    let settings: [(u64, u64, u64, u64); 7] = [
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ];
    let mut features = vec!["seq(conv(32,3,s2,p1,nobias)/bn/relu6)".to_string()];
    for (t, c, n, s) in settings {
        features.push(strided_stage(n, s, |stride| {
            format!("invres({t},{c}{stride})")
        }));
    }
    features.push("seq(conv(1280,1,nobias)/bn/relu6)".into());
    // torchvision calls adaptive_avg_pool2d and flatten as functions in forward(): no modules.
    let spec = format!(
        "v1/3x224x224/features:seq({})/adaptive_avg_pool2d:~adaptiveavg(1)/flatten:~flatten\
         /classifier:seq(dropout(0.2)/linear(1000))",
        features.join("/")
    );
    preset("mobilenet_v2", "torchvision mobilenet_v2", spec)
}

/// torchvision EfficientNet at width 1.0 with `depths[i]` MBConv blocks in stage `i` (B0: 1, 2, 2, 3, 3, 4, 1;
/// deeper variants take `ceil(n × depth multiplier)`), 3×224×224, 1000 classes.
pub fn efficientnet_spec(depths: [u64; 7]) -> String {
    // (expand, kernel, stride, out) of the B0 stages.
    let stages: [(u64, u64, u64, u64); 7] = [
        (1, 3, 1, 16),
        (6, 3, 2, 24),
        (6, 5, 2, 40),
        (6, 3, 2, 80),
        (6, 5, 1, 112),
        (6, 5, 2, 192),
        (6, 3, 1, 320),
    ];
    let mut features = vec!["seq(conv(32,3,s2,p1,nobias)/bn/silu)".to_string()];
    for ((t, k, s, c), n) in stages.into_iter().zip(depths) {
        let stage = strided_stage(n, s, |stride| format!("mbconv({t},{c},{k}{stride})"));
        features.push(format!("seq({stage})"));
    }
    features.push("seq(conv(1280,1,nobias)/bn/silu)".into());
    format!(
        "v1/3x224x224/features:seq({})/avgpool:adaptiveavg(1)/flatten:~flatten/classifier:seq(dropout(0.2)/linear(1000))",
        features.join("/")
    )
}

/// torchvision `efficientnet_b0`, the baseline of the family.
fn efficientnet_b0() -> Preset {
    let spec = efficientnet_spec([1, 2, 2, 3, 3, 4, 1]);
    preset("efficientnet_b0", "torchvision efficientnet_b0", spec)
}

/// torchvision `densenet121` (growth 32, bottleneck 4 × 32, blocks 6/12/24/16). A dense layer's output is
/// concatenated to its input (`~cat` with an empty branch: the input itself), which is what the next layer reads:
/// torchvision concatenates the list of all earlier outputs instead, the same tensor.
pub fn densenet121_spec() -> String {
    let layer = |i: usize| {
        format!(
            "~cat(;denselayer{i}:seq(norm1:bn/relu1:relu/conv1:conv(128,1,nobias)/norm2:bn/relu2:relu\
             /conv2:conv(32,3,p1,nobias)))"
        )
    };
    let mut features = vec![
        "conv0:conv(64,7,s2,p3,nobias)/norm0:bn/relu0:relu/pool0:maxpool(3,s2,p1)".to_string(),
    ];
    let mut channels = 64;
    for (b, n) in [6, 12, 24, 16].into_iter().enumerate() {
        let layers: Vec<String> = (1..=n).map(layer).collect();
        features.push(format!("denseblock{}:seq({})", b + 1, layers.join("/")));
        channels += 32 * n;
        if b < 3 {
            channels /= 2;
            features.push(format!(
                "transition{}:seq(norm:bn/relu:relu/conv:conv({channels},1,nobias)/pool:avgpool(2))",
                b + 1
            ));
        }
    }
    features.push("norm5:bn".into());
    format!(
        "v1/3x224x224/features:seq({})/relu:~relu/adaptive_avg_pool2d:~adaptiveavg(1)/flatten:~flatten/classifier:linear(1000)",
        features.join("/")
    )
}

/// torchvision `googlenet` without its auxiliary classifiers: `BasicConv2d` is conv, batch norm and a functional
/// ReLU; an `Inception` module concatenates its four branches.
pub fn googlenet_spec() -> String {
    let basic = |c: u64, k: u64| {
        let pad = if k == 3 { ",p1" } else { "" };
        format!("seq(conv:conv({c},{k}{pad},nobias)/bn:bn/~relu)")
    };
    let inception = |name: &str, c1: u64, r3: u64, c3: u64, r5: u64, c5: u64, pool: u64| {
        format!(
            "{name}:seq(~cat(branch1:{};branch2:seq({}/{});branch3:seq({}/{});\
             branch4:seq(maxpool(3,s1,p1,ceil)/{})))",
            basic(c1, 1),
            basic(r3, 1),
            basic(c3, 3),
            basic(r5, 1),
            // torchvision's "5×5" branch uses a 3×3 kernel (a known quirk kept for its weights).
            basic(c5, 3),
            basic(pool, 1)
        )
    };
    // Stride 2, rounding up (`ceil_mode=True`); the stride is written only where it is not the kernel size.
    let pool = |name: &str, k: u64| {
        if k == 2 {
            format!("{name}:maxpool(2,ceil)")
        } else {
            format!("{name}:maxpool({k},s2,ceil)")
        }
    };
    [
        "v1/3x224x224".to_string(),
        "conv1:seq(conv:conv(64,7,s2,p3,nobias)/bn:bn/~relu)".into(),
        pool("maxpool1", 3),
        format!("conv2:{}", basic(64, 1)),
        format!("conv3:{}", basic(192, 3)),
        pool("maxpool2", 3),
        inception("inception3a", 64, 96, 128, 16, 32, 32),
        inception("inception3b", 128, 128, 192, 32, 96, 64),
        pool("maxpool3", 3),
        inception("inception4a", 192, 96, 208, 16, 48, 64),
        inception("inception4b", 160, 112, 224, 24, 64, 64),
        inception("inception4c", 128, 128, 256, 24, 64, 64),
        inception("inception4d", 112, 144, 288, 32, 64, 64),
        inception("inception4e", 256, 160, 320, 32, 128, 128),
        pool("maxpool4", 2),
        inception("inception5a", 256, 160, 320, 32, 128, 128),
        inception("inception5b", 384, 192, 384, 48, 128, 128),
        "avgpool:adaptiveavg(1)/flatten:~flatten/dropout:dropout(0.2)/fc:linear(1000)".into(),
    ]
    .join("/")
}

/// torchvision `regnet_y_400mf` (depths 1/3/6/6, widths 48/104/208/440, group width 8, squeeze-excitation 1/4 of
/// the block's input). Its block computes `proj(x) + f(x)`, projection first: written as the residual's main path,
/// with `f` as the shortcut, the rows come in PyTorch's order (the sum is the same either way).
pub fn regnet_y_400mf_spec() -> String {
    let mut stages = Vec::new();
    let mut w_in = 32;
    for (i, (depth, w)) in [(1, 48), (3, 104), (6, 208), (6, 440)]
        .into_iter()
        .enumerate()
    {
        let stage = i + 1;
        let blocks: Vec<String> = (0..depth)
            .map(|j| {
                // The first block of a stage strides.
                let stride = stride_arg(if j == 0 { 2 } else { 1 });
                let f = format!(
                    "f:seq(a:seq(conv({w},1,nobias)/bn/relu)/b:seq(conv({w},3{stride},p1,g{},nobias)/bn/relu)\
                     /se:se({})/c:seq(conv({w},1,nobias)/bn))",
                    w / 8,
                    // int(round(0.25 * width_in)), exact for these widths
                    w_in / 4
                );
                let block = if j == 0 {
                    format!("res(proj:seq(conv({w},1{stride},nobias)/bn);{f};activation:relu)")
                } else {
                    format!("res({f};;activation:relu)")
                };
                w_in = w;
                format!("block{stage}-{j}:{block}")
            })
            .collect();
        stages.push(format!("block{stage}:seq({})", blocks.join("/")));
    }
    format!(
        "v1/3x224x224/stem:seq(conv(32,3,s2,p1,nobias)/bn/relu)/trunk_output:seq({})\
         /avgpool:adaptiveavg(1)/flatten:~flatten/fc:linear(1000)",
        stages.join("/")
    )
}
