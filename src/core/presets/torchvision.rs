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

/// torchvision `ResNet`: stem, four stages (the first block of stages 2–4 strides), global pool, `fc`.
fn resnet(key: &'static str, description: &'static str, block: &str, layers: [u64; 4]) -> Preset {
    let mut spec = String::from(
        "v1/3x224x224/conv1:conv(64,7,s2,p3,nobias)/bn1:bn/relu:relu/maxpool:maxpool(3,s2,p1)",
    );
    for (i, (&n, planes)) in layers.iter().zip([64u64, 128, 256, 512]).enumerate() {
        let stage = if i == 0 {
            times(n, &format!("{block}({planes})"))
        } else {
            let rest = if n > 1 {
                format!("/{}", times(n - 1, &format!("{block}({planes})")))
            } else {
                String::new()
            };
            format!("{block}({planes},s2){rest}")
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
        let stride = if s != 1 {
            format!(",s{s}")
        } else {
            String::new()
        };
        features.push(format!("invres({t},{c}{stride})"));
        if n > 1 {
            features.push(times(n - 1, &format!("invres({t},{c})")));
        }
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
        let stride = if s != 1 {
            format!(",s{s}")
        } else {
            String::new()
        };
        let mut stage = format!("mbconv({t},{c},{k}{stride})");
        if n > 1 {
            stage.push('/');
            stage.push_str(&times(n - 1, &format!("mbconv({t},{c},{k})")));
        }
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
