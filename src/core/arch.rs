//! The model: an input plus a tree of nodes (leaf layers and blocks). This is what the text format carries.

use crate::core::layer::{Act, Layer, Pair};

/// One sample's input tensor `C×H×W`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Input {
    pub c: u64,
    pub h: u64,
    pub w: u64,
}

/// A whole network: its input and the top-level sequence of nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Architecture {
    pub input: Input,
    pub body: Vec<Node>,
}

/// One item of a sequence: an operation with an optional module name and repeat count.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Module name inside its parent, as in `print(model)`; `None` means the position in the parent sequence
    /// (PyTorch's `nn.Sequential` numbering).
    pub name: Option<String>,
    /// How many copies follow one another (the format's `3*` prefix); copies are numbered like sequence items.
    pub repeat: u64,
    /// A functional call (e.g. `torch.flatten` in torchvision's ResNet) rather than a module: torchinfo does not list it.
    pub functional: bool,
    pub op: Op,
}

impl Node {
    /// An unnamed, unrepeated module.
    pub fn new(op: Op) -> Node {
        Node {
            name: None,
            repeat: 1,
            functional: false,
            op,
        }
    }

    /// A named module.
    pub fn named(name: &str, op: Op) -> Node {
        Node {
            name: Some(name.to_string()),
            repeat: 1,
            functional: false,
            op,
        }
    }

    /// An unnamed leaf layer.
    pub fn layer(layer: Layer) -> Node {
        Node::new(Op::Layer(layer))
    }
}

/// What a node does.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Layer(Layer),
    /// `nn.Sequential`.
    Seq(Vec<Node>),
    /// A main path plus a shortcut (identity when empty), summed, then the `post` layers (ResNet's final ReLU).
    Residual(Residual),
    /// torchvision's `SqueezeExcitation`: global average pool → 1×1 conv (squeeze) → activation → 1×1 conv →
    /// gate (`Sigmoid`, or `Hardsigmoid` in MobileNetV3) → channel-wise multiply with the block's input.
    SqueezeExcite {
        squeeze: u64,
        act: Act,
        gate: Act,
    },
    /// Branches applied to the same input, concatenated along channels (`torch.cat(dim=1)`).
    Concat(Vec<Vec<Node>>),
    /// fastai's `AdaptiveConcatPool2d(size)`: `cat([AdaptiveMaxPool2d(size)(x), AdaptiveAvgPool2d(size)(x)])`.
    ConcatPool(Pair),
    /// A standard block with block-level knobs, expanded against its input by [`crate::core::blocks`].
    Block(Block),
}

/// A residual block's paths.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Residual {
    pub main: Vec<Node>,
    /// Empty: the identity shortcut.
    pub shortcut: Vec<Node>,
    /// Applied after the sum, inside the block's namespace.
    pub post: Vec<Node>,
}

/// Standard blocks of the reference architectures, with torchvision's module names and rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Block {
    /// torchvision `BasicBlock(inplanes, planes, stride)`: a projection shortcut when the stride or width changes.
    Basic { planes: u64, stride: u64 },
    /// torchvision `Bottleneck` (ResNet v1.5: stride on the 3×3): `width = planes·base_width/64·groups`,
    /// output `planes·expansion`.
    Bottleneck {
        planes: u64,
        stride: u64,
        expansion: u64,
        groups: u64,
        base_width: u64,
    },
    /// torchvision MobileNetV2 `InvertedResidual(inp, out, stride, expand_ratio)` with ReLU6.
    InvertedResidual { expand: u64, out: u64, stride: u64 },
    /// torchvision EfficientNet `MBConv`: expand 1×1, depthwise k×k, squeeze-excitation (input/4), project 1×1, SiLU.
    MbConv {
        expand: u64,
        out: u64,
        kernel: u64,
        stride: u64,
    },
}
