//! One leaf layer: its output shape, parameters, per-sample operation counts and receptive field, with PyTorch's
//! shape rules and error conditions. Impossible layers return the reason as text naming the numbers involved. Each
//! layer's own rules live with its family in `ops/`; this file holds what they share.

use crate::core::layer::{Layer, Pair};
use crate::core::limits::MAX_SPATIAL;
use crate::core::ops::{with_family, Family};
use crate::core::rf::Rf;
use crate::core::shape::Shape;
// The unit tests below build layers by hand.
#[cfg(test)]
use crate::core::layer::{Conv, Groups, Padding, Pool};

/// What kind of work a count is, so charts can stack compute by kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpKind {
    /// A convolution with a kernel larger than 1×1 (dense or grouped, not depthwise).
    ConvKxK,
    /// A pointwise (1×1) convolution.
    Conv1x1,
    /// A depthwise convolution (one group per input channel).
    Depthwise,
    Linear,
    Norm,
    Activation,
    Pool,
    /// Residual adds and squeeze-excitation multiplies.
    AddMul,
    /// Reshapes, dropout, upsampling, concatenation.
    Other,
}

impl OpKind {
    /// All kinds in stacking order.
    pub const ALL: [OpKind; 9] = [
        OpKind::ConvKxK,
        OpKind::Conv1x1,
        OpKind::Depthwise,
        OpKind::Linear,
        OpKind::Norm,
        OpKind::Activation,
        OpKind::Pool,
        OpKind::AddMul,
        OpKind::Other,
    ];

    /// Stable machine name (JSON, CSS classes).
    pub fn key(self) -> &'static str {
        match self {
            OpKind::ConvKxK => "conv_kxk",
            OpKind::Conv1x1 => "conv_1x1",
            OpKind::Depthwise => "depthwise",
            OpKind::Linear => "linear",
            OpKind::Norm => "norm",
            OpKind::Activation => "activation",
            OpKind::Pool => "pool",
            OpKind::AddMul => "add_mul",
            OpKind::Other => "other",
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            OpKind::ConvKxK => "k×k conv",
            OpKind::Conv1x1 => "1×1 conv",
            OpKind::Depthwise => "depthwise conv",
            OpKind::Linear => "linear",
            OpKind::Norm => "normalisation",
            OpKind::Activation => "activation",
            OpKind::Pool => "pooling",
            OpKind::AddMul => "add / multiply",
            OpKind::Other => "other",
        }
    }
}

/// Per-sample cost of one leaf layer call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeafCost {
    pub output: Shape,
    /// PyTorch parameters (weights and biases).
    pub params: u64,
    /// PyTorch buffers (batch-norm running mean/var and `num_batches_tracked`).
    pub buffers: u64,
    /// Weight elements the layer reads when it runs (parameters plus running statistics).
    pub weight_reads: u64,
    /// Multiply-accumulates of convolutions and linear layers, bias excluded.
    pub macs: u64,
    /// Bias additions (one per output element when the layer has a bias).
    pub bias_ops: u64,
    /// Element-wise operations of normalisation, activation, pooling, upsampling, add and multiply.
    pub elementwise_ops: u64,
    pub kind: OpKind,
    /// Input elements read: the input once (both operands of a residual add); 0 for views and inference no-ops,
    /// which move no data.
    pub input_elems: u64,
    pub rf: Rf,
}

/// Checked product of counts: an overflow is a diagnostic, never a wrapped number.
#[inline]
pub fn product(factors: &[u64]) -> Result<u64, String> {
    factors
        .iter()
        .try_fold(1u64, |acc, &f| acc.checked_mul(f))
        .ok_or_else(|| "counts overflow 64 bits: sizes are too large".to_string())
}

/// Checked sum of two counts.
#[inline]
pub fn checked_sum(a: u64, b: u64) -> Result<u64, String> {
    a.checked_add(b)
        .ok_or_else(|| "counts overflow 64 bits: sizes are too large".to_string())
}

impl LeafCost {
    /// A cost with no work and the given output: views and no-ops fill in from here.
    pub fn passthrough(output: Shape, rf: Rf, kind: OpKind) -> LeafCost {
        LeafCost {
            output,
            params: 0,
            buffers: 0,
            weight_reads: 0,
            macs: 0,
            bias_ops: 0,
            elementwise_ops: 0,
            kind,
            input_elems: 0,
            rf,
        }
    }
}

/// The image size, needed where a unit sees the whole input.
#[derive(Clone, Copy, Debug)]
pub struct Image {
    pub h: u64,
    pub w: u64,
}

/// Output shape and cost of `layer` on one sample of `input`, given the receptive field so far.
pub fn leaf(layer: &Layer, input: Shape, rf: Rf, image: Image) -> Result<LeafCost, String> {
    with_family!(layer, |family| {
        let mut cost = family.cost(layer, input, rf, image)?;
        // Views (Flatten) and inference no-ops (Dropout) read nothing; every other layer reads its input once.
        if family.moves_data(layer) {
            cost.input_elems = input.numel();
        }
        Ok(cost)
    })
}

/// What a layer refuses for the whole batch rather than per sample (GroupNorm on one value per group).
pub fn batch_check(layer: &Layer, input: Shape, batch: u64) -> Result<(), String> {
    with_family!(layer, |family| family.batch_check(layer, input, batch))
}

/// The `C×H×W` of a map input, or why `what` cannot take a flat one.
#[inline]
pub fn map(input: Shape, what: &str) -> Result<(u64, u64, u64), String> {
    match input {
        Shape::Map { c, h, w } => Ok((c, h, w)),
        Shape::Flat { f } => Err(format!(
            "{what} needs a C×H×W feature map, but its input is flat ({f} features)"
        )),
    }
}

/// PyTorch's sliding-window output size `floor((in + pads − d(k−1) − 1)/s) + 1`, or why there is none.
#[inline]
pub fn window_out(
    input: u64,
    pads: u64,
    kernel: u64,
    stride: u64,
    dilation: u64,
    axis: &str,
) -> Result<u64, String> {
    let k_eff = dilation
        .saturating_mul(kernel.saturating_sub(1))
        .saturating_add(1);
    let padded = input.saturating_add(pads);
    if k_eff > padded {
        let dil = if dilation > 1 {
            format!(" (dilated to {k_eff})")
        } else {
            String::new()
        };
        return Err(format!(
            "kernel {kernel}{dil} is larger than the padded input {padded} along {axis}"
        ));
    }
    Ok((padded - k_eff) / stride + 1)
}

/// Refuses a zero among `values`, naming them as `name`.
#[inline]
pub fn check_positive(name: &str, values: &[u64]) -> Result<(), String> {
    if values.contains(&0) {
        return Err(format!("{name} must be at least 1"));
    }
    Ok(())
}

/// Refuses an output map larger than the format's limit.
#[inline]
pub fn check_spatial(h: u64, w: u64) -> Result<(), String> {
    if h > MAX_SPATIAL || w > MAX_SPATIAL {
        return Err(format!(
            "output {h}×{w} exceeds the largest supported map ({MAX_SPATIAL}×{MAX_SPATIAL})"
        ));
    }
    Ok(())
}

/// What kind of convolution this is: depthwise, pointwise or k×k.
#[inline]
pub fn conv_kind(kernel: Pair, groups: u64, in_c: u64) -> OpKind {
    if groups == in_c && groups > 1 {
        OpKind::Depthwise
    } else if kernel.h == 1 && kernel.w == 1 {
        OpKind::Conv1x1
    } else {
        OpKind::ConvKxK
    }
}

/// PyTorch's checks of a convolution's groups against its channels.
#[inline]
pub fn check_groups(in_c: u64, out: u64, groups: u64) -> Result<(), String> {
    if groups == 0 {
        return Err("groups must be at least 1".into());
    }
    if !in_c.is_multiple_of(groups) {
        return Err(format!(
            "in_channels {in_c} is not divisible by groups {groups}"
        ));
    }
    if !out.is_multiple_of(groups) {
        return Err(format!(
            "out_channels {out} is not divisible by groups {groups}"
        ));
    }
    Ok(())
}

/// A functional element-wise combination (residual add, SE multiply) reading `input_elems` elements.
pub fn combine(output: Shape, rf: Rf, input_elems: u64) -> LeafCost {
    let mut c = LeafCost::passthrough(output, rf, OpKind::AddMul);
    c.elementwise_ops = output.numel();
    c.input_elems = input_elems;
    c
}

/// A module that returns its input, such as an empty `nn.Sequential` (a leaf module, so torchinfo lists it).
pub fn identity(input: Shape, rf: Rf) -> LeafCost {
    LeafCost::passthrough(input, rf, OpKind::Other)
}

/// `torch.cat` of branch outputs into `output`: a copy, no arithmetic.
pub fn concat(output: Shape, rf: Rf) -> LeafCost {
    let mut c = LeafCost::passthrough(output, rf, OpKind::Other);
    c.input_elems = output.numel();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMG: Image = Image { h: 224, w: 224 };

    fn map_shape(c: u64, h: u64, w: u64) -> Shape {
        Shape::Map { c, h, w }
    }

    #[test]
    fn how_fast_is_my_model_examples() {
        // M. Hollemans, "How fast is my model?" (2018): 3×3 conv, 64 → 128 channels on 112×112, stride 1, same padding.
        let mut c = Conv::new(128, 3);
        c.padding = Padding::Explicit(Pair::square(1));
        let full = leaf(&Layer::Conv(c), map_shape(64, 112, 112), Rf::PIXEL, IMG).expect("valid");
        assert_eq!(full.macs, 924_844_032);
        // Depthwise-separable version: 3×3 depthwise on 64 channels, then 1×1 64 → 128.
        let mut dw = Conv::new(64, 3);
        dw.padding = Padding::Explicit(Pair::square(1));
        dw.groups = Groups::Depthwise;
        let dw = leaf(&Layer::Conv(dw), map_shape(64, 112, 112), Rf::PIXEL, IMG).expect("valid");
        let pw = leaf(
            &Layer::Conv(Conv::new(128, 1)),
            map_shape(64, 112, 112),
            Rf::PIXEL,
            IMG,
        )
        .expect("valid");
        assert_eq!(dw.macs + pw.macs, 109_985_792);
        assert_eq!(dw.kind, OpKind::Depthwise);
        assert_eq!(pw.kind, OpKind::Conv1x1);
    }

    #[test]
    fn pool_ceil_mode_matches_pytorch() {
        // nn.MaxPool2d(3, 2, ceil_mode=True) on 6×6 gives 3×3 (PyTorch); floor mode gives 2×2.
        let mut p = Pool::new(3);
        p.stride = Pair::square(2);
        p.ceil_mode = true;
        let c = leaf(&Layer::MaxPool(p), map_shape(1, 6, 6), Rf::PIXEL, IMG).expect("valid");
        assert_eq!(c.output, map_shape(1, 3, 3));
        p.ceil_mode = false;
        let c = leaf(&Layer::MaxPool(p), map_shape(1, 6, 6), Rf::PIXEL, IMG).expect("valid");
        assert_eq!(c.output, map_shape(1, 2, 2));
        // nn.AvgPool2d(2, 2, padding=1, ceil_mode=True) on 5×5: 3×3, as a 4th window would start in the padding.
        let mut a = Pool::new(2);
        a.padding = Pair::square(1);
        a.ceil_mode = true;
        let c = leaf(&Layer::AvgPool(a), map_shape(1, 5, 5), Rf::PIXEL, IMG).expect("valid");
        assert_eq!(c.output, map_shape(1, 3, 3));
    }

    #[test]
    fn impossible_layers_explain_themselves() {
        let big = Conv::new(8, 7);
        let e = leaf(&Layer::Conv(big), map_shape(3, 5, 5), Rf::PIXEL, IMG)
            .expect_err("kernel too big");
        assert!(e.contains("larger than the padded input 5"), "{e}");
        let mut g = Conv::new(8, 3);
        g.groups = Groups::Count(2);
        let e = leaf(&Layer::Conv(g), map_shape(3, 9, 9), Rf::PIXEL, IMG).expect_err("groups");
        assert!(e.contains("not divisible by groups 2"), "{e}");
        let e = leaf(
            &Layer::Linear {
                out: 10,
                bias: true,
            },
            map_shape(3, 9, 9),
            Rf::PIXEL,
            IMG,
        )
        .expect_err("flat");
        assert!(e.contains("Flatten"), "{e}");
    }
}
