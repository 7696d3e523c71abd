//! Expansion of the standard blocks into their modules, with torchvision's names and construction rules.
//!
//! A block's structure depends on its input (ResNet adds a projection shortcut only when the stride or the width
//! changes), so expansion happens during analysis, when the input channels are known.

use crate::core::arch::{Block, Node, Op, Residual};
use crate::core::layer::{Act, Conv, Groups, Layer, Padding, Pair};

/// The node tree a block stands for, given its input channels.
pub fn expand(block: &Block, in_c: u64) -> Op {
    match *block {
        Block::Basic { planes, stride } => basic(in_c, planes, stride),
        Block::Bottleneck {
            planes,
            stride,
            expansion,
            groups,
            base_width,
        } => bottleneck(in_c, planes, stride, expansion, groups, base_width),
        Block::InvertedResidual {
            expand,
            out,
            stride,
        } => inverted_residual(in_c, expand, out, stride),
        Block::MbConv {
            expand,
            out,
            kernel,
            stride,
        } => mbconv(in_c, expand, out, kernel, stride),
    }
}

/// What torchvision refuses to build: `InvertedResidual` and `MBConv` take a stride of 1 or 2 only
/// (`ValueError: stride should be 1 or 2 instead of 3`, `ValueError: illegal stride value`).
pub fn check(block: &Block) -> Result<(), String> {
    match *block {
        Block::InvertedResidual { stride, .. } if !(1..=2).contains(&stride) => Err(format!(
            "InvertedResidual: stride should be 1 or 2 (torchvision), not {stride}"
        )),
        Block::MbConv { stride, .. } if !(1..=2).contains(&stride) => Err(format!(
            "MBConv: stride should be 1 or 2 (torchvision), not {stride}"
        )),
        _ => Ok(()),
    }
}

/// Output channels of a block for a given input (used by the UI to show block summaries).
pub fn out_channels(block: &Block) -> u64 {
    match *block {
        Block::Basic { planes, .. } => planes,
        Block::Bottleneck {
            planes, expansion, ..
        } => planes.saturating_mul(expansion),
        Block::InvertedResidual { out, .. } | Block::MbConv { out, .. } => out,
    }
}

/// A bias-free convolution with "half" padding `(k−1)/2`, the form every block here uses.
fn conv(out: u64, kernel: u64, stride: u64, groups: Groups) -> Layer {
    Layer::Conv(Conv {
        out,
        kernel: Pair::square(kernel),
        stride: Pair::square(stride),
        padding: Padding::Explicit(Pair::square(kernel.saturating_sub(1) / 2)),
        dilation: Pair::square(1),
        groups,
        bias: false,
    })
}

fn named(name: &str, layer: Layer) -> Node {
    Node::named(name, Op::Layer(layer))
}

fn unnamed(layer: Layer) -> Node {
    Node::layer(layer)
}

fn bn() -> Layer {
    Layer::BatchNorm { flat: false }
}

fn act(a: Act) -> Layer {
    Layer::Act(a)
}

/// torchvision's `downsample = Sequential(conv1x1(inplanes, out, stride), BatchNorm2d(out))`.
fn downsample(in_c: u64, out: u64, stride: u64) -> Vec<Node> {
    if stride == 1 && in_c == out {
        return Vec::new();
    }
    let seq = vec![
        unnamed(conv(out, 1, stride, Groups::Count(1))),
        unnamed(bn()),
    ];
    vec![Node::named("downsample", Op::Seq(seq))]
}

fn basic(in_c: u64, planes: u64, stride: u64) -> Op {
    let main = vec![
        named("conv1", conv(planes, 3, stride, Groups::Count(1))),
        named("bn1", bn()),
        named("relu", act(Act::Relu)),
        named("conv2", conv(planes, 3, 1, Groups::Count(1))),
        named("bn2", bn()),
    ];
    let shortcut = downsample(in_c, planes, stride);
    Op::Residual(Residual {
        main,
        shortcut,
        post: vec![named("relu", act(Act::Relu))],
    })
}

fn bottleneck(
    in_c: u64,
    planes: u64,
    stride: u64,
    expansion: u64,
    groups: u64,
    base_width: u64,
) -> Op {
    // torchvision: width = int(planes * (base_width / 64.0)) * groups
    let width = planes.saturating_mul(base_width) / 64 * groups;
    let out = planes.saturating_mul(expansion);
    let main = vec![
        named("conv1", conv(width, 1, 1, Groups::Count(1))),
        named("bn1", bn()),
        named("relu", act(Act::Relu)),
        named("conv2", conv(width, 3, stride, Groups::Count(groups))),
        named("bn2", bn()),
        named("relu", act(Act::Relu)),
        named("conv3", conv(out, 1, 1, Groups::Count(1))),
        named("bn3", bn()),
    ];
    let shortcut = downsample(in_c, out, stride);
    Op::Residual(Residual {
        main,
        shortcut,
        post: vec![named("relu", act(Act::Relu))],
    })
}

/// torchvision's `Conv2dNormActivation`: conv (no bias), batch norm, optional activation, as a sequence.
fn conv_norm_act(out: u64, kernel: u64, stride: u64, groups: Groups, a: Option<Act>) -> Op {
    let mut seq = vec![unnamed(conv(out, kernel, stride, groups)), unnamed(bn())];
    if let Some(a) = a {
        seq.push(unnamed(act(a)));
    }
    Op::Seq(seq)
}

fn inverted_residual(in_c: u64, expand: u64, out: u64, stride: u64) -> Op {
    // torchvision: hidden_dim = int(round(inp * expand_ratio)); integer ratios make the rounding exact.
    let hidden = in_c.saturating_mul(expand);
    let mut layers = Vec::new();
    if expand != 1 {
        layers.push(Node::new(conv_norm_act(
            hidden,
            1,
            1,
            Groups::Count(1),
            Some(Act::Relu6),
        )));
    }
    layers.push(Node::new(conv_norm_act(
        hidden,
        3,
        stride,
        Groups::Depthwise,
        Some(Act::Relu6),
    )));
    layers.push(unnamed(conv(out, 1, 1, Groups::Count(1))));
    layers.push(unnamed(bn()));
    let body = vec![Node::named("conv", Op::Seq(layers))];
    if stride == 1 && in_c == out {
        Op::Residual(Residual {
            main: body,
            shortcut: Vec::new(),
            post: Vec::new(),
        })
    } else {
        Op::Seq(body)
    }
}

/// torchvision's `_make_divisible(v, 8)`: round to the nearest multiple of 8, never more than 10% down.
pub fn make_divisible(v: u64) -> u64 {
    let rounded = ((v + 4) / 8 * 8).max(8);
    if rounded * 10 < v * 9 {
        rounded + 8
    } else {
        rounded
    }
}

fn mbconv(in_c: u64, expand: u64, out: u64, kernel: u64, stride: u64) -> Op {
    let expanded = make_divisible(in_c.saturating_mul(expand));
    let mut layers = Vec::new();
    if expanded != in_c {
        layers.push(Node::new(conv_norm_act(
            expanded,
            1,
            1,
            Groups::Count(1),
            Some(Act::Silu),
        )));
    }
    layers.push(Node::new(conv_norm_act(
        expanded,
        kernel,
        stride,
        Groups::Depthwise,
        Some(Act::Silu),
    )));
    // torchvision: squeeze_channels = max(1, input_channels // 4), from the block's input, not the expanded width.
    layers.push(Node::new(Op::SqueezeExcite {
        squeeze: (in_c / 4).max(1),
        act: Act::Silu,
        gate: Act::Sigmoid,
    }));
    layers.push(Node::new(conv_norm_act(out, 1, 1, Groups::Count(1), None)));
    let block = Node::named("block", Op::Seq(layers));
    if stride == 1 && in_c == out {
        // The drop probability only matters in training; 0.2 is torchvision's largest.
        let sd = named("stochastic_depth", Layer::StochasticDepth(0.2));
        Op::Residual(Residual {
            main: vec![block, sd],
            shortcut: Vec::new(),
            post: Vec::new(),
        })
    } else {
        Op::Seq(vec![block])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn make_divisible_matches_torchvision() {
        // Values from torchvision's _make_divisible(v, 8).
        assert_eq!(make_divisible(96), 96);
        assert_eq!(make_divisible(100), 104);
        assert_eq!(make_divisible(3), 8);
        assert_eq!(make_divisible(83), 80);
        assert_eq!(make_divisible(68), 72);
    }
}
