//! Leaf layers: the PyTorch modules convscope knows, with the arguments that change their shape or cost. What
//! each one means (keyword, class, costs, knobs) is declared by its family in `ops/`.

/// A pair of values for the height and width axes, as PyTorch's `_pair` arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair {
    pub h: u64,
    pub w: u64,
}

impl Pair {
    /// The same value on both axes.
    pub const fn square(v: u64) -> Pair {
        Pair { h: v, w: v }
    }

    /// Whether both axes hold the same value (printed as one number).
    pub fn is_square(&self) -> bool {
        self.h == self.w
    }
}

/// Convolution padding: explicit per-side amounts or PyTorch's `"same"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    Explicit(Pair),
    /// `padding="same"`: output size equals input size; only valid with stride 1, as in PyTorch.
    Same,
}

/// Channel groups of a convolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Groups {
    Count(u64),
    /// One group per input channel (depthwise), resolved when the input is known.
    Depthwise,
}

/// `nn.Conv2d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv {
    pub out: u64,
    pub kernel: Pair,
    pub stride: Pair,
    pub padding: Padding,
    pub dilation: Pair,
    pub groups: Groups,
    pub bias: bool,
}

impl Conv {
    /// PyTorch's defaults: stride 1, no padding, dilation 1, one group, with bias.
    pub const fn new(out: u64, kernel: u64) -> Conv {
        Conv {
            out,
            kernel: Pair::square(kernel),
            stride: Pair::square(1),
            padding: Padding::Explicit(Pair::square(0)),
            dilation: Pair::square(1),
            groups: Groups::Count(1),
            bias: true,
        }
    }
}

/// `nn.ConvTranspose2d`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvTranspose {
    pub out: u64,
    pub kernel: Pair,
    pub stride: Pair,
    pub padding: Pair,
    pub output_padding: Pair,
    pub dilation: Pair,
    pub groups: u64,
    pub bias: bool,
}

/// `nn.MaxPool2d` or `nn.AvgPool2d` (dilation is always 1 for average pooling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool {
    pub kernel: Pair,
    /// PyTorch's default stride is the kernel size.
    pub stride: Pair,
    pub padding: Pair,
    pub dilation: Pair,
    pub ceil_mode: bool,
}

impl Pool {
    /// A pool with PyTorch's defaults for the given kernel.
    pub const fn new(kernel: u64) -> Pool {
        Pool {
            kernel: Pair::square(kernel),
            stride: Pair::square(kernel),
            padding: Pair::square(0),
            dilation: Pair::square(1),
            ceil_mode: false,
        }
    }
}

/// Element-wise activation functions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Act {
    Relu,
    Relu6,
    Silu,
    Gelu,
    Sigmoid,
    Hardswish,
    /// MobileNetV3's gate.
    Hardsigmoid,
    Tanh,
    /// `nn.Mish`.
    Mish,
    /// `nn.LeakyReLU(negative_slope)`.
    LeakyRelu(f64),
}

/// Interpolation of `nn.Upsample`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpsampleMode {
    Nearest,
    Bilinear,
}

/// A leaf layer: one PyTorch module (or functional call) that maps one tensor to one tensor.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Layer {
    Conv(Conv),
    ConvTranspose(ConvTranspose),
    /// `nn.BatchNorm2d` (on maps) or `nn.BatchNorm1d` (on flat vectors), affine with running statistics.
    BatchNorm {
        flat: bool,
    },
    /// `nn.GroupNorm(num_groups, C)`, affine; no running statistics.
    GroupNorm {
        groups: u64,
    },
    Act(Act),
    MaxPool(Pool),
    AvgPool(Pool),
    AdaptiveAvgPool(Pair),
    AdaptiveMaxPool(Pair),
    Flatten,
    /// `nn.Linear(in, out)`; `in` is taken from the input.
    Linear {
        out: u64,
        bias: bool,
    },
    Dropout(f64),
    /// torchvision's `StochasticDepth(p, "row")`: the identity at inference.
    StochasticDepth(f64),
    /// `nn.Upsample(scale_factor, mode)` with an integer factor.
    Upsample {
        scale: u64,
        mode: UpsampleMode,
    },
}
