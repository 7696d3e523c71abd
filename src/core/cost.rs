//! One leaf layer: its output shape, parameters, per-sample operation counts and receptive field, with PyTorch's
//! shape rules and error conditions. Impossible layers return the reason as text naming the numbers involved.

use crate::core::layer::{
    Act, Conv, ConvTranspose, Groups, Layer, Padding, Pair, Pool, UpsampleMode,
};
use crate::core::limits::{MAX_CHANNELS, MAX_SPATIAL};
use crate::core::rf::{AxisRf, Rf};
use crate::core::shape::Shape;

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
pub fn product(factors: &[u64]) -> Result<u64, String> {
    factors
        .iter()
        .try_fold(1u64, |acc, &f| acc.checked_mul(f))
        .ok_or_else(|| "counts overflow 64 bits: sizes are too large".to_string())
}

fn checked_sum(a: u64, b: u64) -> Result<u64, String> {
    a.checked_add(b)
        .ok_or_else(|| "counts overflow 64 bits: sizes are too large".to_string())
}

impl LeafCost {
    /// A cost with no work and the given output: views and no-ops fill in from here.
    fn passthrough(output: Shape, rf: Rf, kind: OpKind) -> LeafCost {
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
    let mut cost = leaf_inner(layer, input, rf, image)?;
    // Views (Flatten) and inference no-ops (Dropout) read nothing; every other layer reads its input once.
    let moves_data = !matches!(
        layer,
        Layer::Flatten | Layer::Dropout(_) | Layer::StochasticDepth(_)
    );
    if moves_data {
        cost.input_elems = input.numel();
    }
    Ok(cost)
}

fn leaf_inner(layer: &Layer, input: Shape, rf: Rf, image: Image) -> Result<LeafCost, String> {
    match layer {
        Layer::Conv(c) => conv(c, input, rf),
        Layer::ConvTranspose(c) => conv_transpose(c, input, rf),
        Layer::BatchNorm { flat } => batch_norm(*flat, input, rf),
        Layer::GroupNorm { groups } => group_norm(*groups, input, rf),
        Layer::Act(a) => Ok(activation(a, input, rf)),
        Layer::MaxPool(p) => pool(p, input, rf, true),
        Layer::AvgPool(p) => pool(p, input, rf, false),
        Layer::AdaptiveAvgPool(size) | Layer::AdaptiveMaxPool(size) => {
            adaptive_pool(*size, input, rf, image)
        }
        Layer::Flatten => Ok(flatten(input, rf)),
        Layer::Linear { out, bias } => linear(*out, *bias, input, image),
        // At inference dropout returns its input unchanged: no work, no traffic.
        Layer::Dropout(_) | Layer::StochasticDepth(_) => {
            Ok(LeafCost::passthrough(input, rf, OpKind::Other))
        }
        Layer::Upsample { scale, mode } => upsample(*scale, *mode, input, rf),
    }
}

fn map(input: Shape, what: &str) -> Result<(u64, u64, u64), String> {
    match input {
        Shape::Map { c, h, w } => Ok((c, h, w)),
        Shape::Flat { f } => Err(format!(
            "{what} needs a C×H×W feature map, but its input is flat ({f} features)"
        )),
    }
}

/// PyTorch's sliding-window output size `floor((in + pads − d(k−1) − 1)/s) + 1`, or why there is none.
fn window_out(
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

fn check_positive(name: &str, values: &[u64]) -> Result<(), String> {
    if values.contains(&0) {
        return Err(format!("{name} must be at least 1"));
    }
    Ok(())
}

fn check_spatial(h: u64, w: u64) -> Result<(), String> {
    if h > MAX_SPATIAL || w > MAX_SPATIAL {
        return Err(format!(
            "output {h}×{w} exceeds the largest supported map ({MAX_SPATIAL}×{MAX_SPATIAL})"
        ));
    }
    Ok(())
}

fn conv_kind(kernel: Pair, groups: u64, in_c: u64) -> OpKind {
    if groups == in_c && groups > 1 {
        OpKind::Depthwise
    } else if kernel.h == 1 && kernel.w == 1 {
        OpKind::Conv1x1
    } else {
        OpKind::ConvKxK
    }
}

fn check_groups(in_c: u64, out: u64, groups: u64) -> Result<(), String> {
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

fn conv(c: &Conv, input: Shape, rf: Rf) -> Result<LeafCost, String> {
    let (in_c, h, w) = map(input, "Conv2d")?;
    check_positive(
        "out_channels, kernel, stride and dilation",
        &[
            c.out,
            c.kernel.h,
            c.kernel.w,
            c.stride.h,
            c.stride.w,
            c.dilation.h,
            c.dilation.w,
        ],
    )?;
    let groups = match c.groups {
        Groups::Count(g) => g,
        Groups::Depthwise => in_c,
    };
    check_groups(in_c, c.out, groups)?;
    // Per-side padding (left/top, right/bottom); "same" puts the odd pixel on the right as PyTorch does.
    let (pad_h, pad_w) = match c.padding {
        Padding::Explicit(p) => ((p.h, p.h), (p.w, p.w)),
        Padding::Same => {
            if c.stride.h != 1 || c.stride.w != 1 {
                return Err(
                    "padding=\"same\" is not supported for strided convolutions (PyTorch)".into(),
                );
            }
            let th = c.dilation.h * (c.kernel.h - 1);
            let tw = c.dilation.w * (c.kernel.w - 1);
            ((th / 2, th - th / 2), (tw / 2, tw - tw / 2))
        }
    };
    let oh = window_out(
        h,
        pad_h.0 + pad_h.1,
        c.kernel.h,
        c.stride.h,
        c.dilation.h,
        "height",
    )?;
    let ow = window_out(
        w,
        pad_w.0 + pad_w.1,
        c.kernel.w,
        c.stride.w,
        c.dilation.w,
        "width",
    )?;
    let per_out = product(&[in_c / groups, c.kernel.h, c.kernel.w])?;
    let weights = product(&[c.out, per_out])?;
    let bias = if c.bias { c.out } else { 0 };
    let out_numel = product(&[c.out, oh, ow])?;
    Ok(LeafCost {
        output: Shape::Map {
            c: c.out,
            h: oh,
            w: ow,
        },
        params: checked_sum(weights, bias)?,
        buffers: 0,
        weight_reads: checked_sum(weights, bias)?,
        macs: product(&[out_numel, per_out])?,
        bias_ops: if c.bias { out_numel } else { 0 },
        elementwise_ops: 0,
        kind: conv_kind(c.kernel, groups, in_c),
        input_elems: 0,
        rf: Rf {
            h: rf
                .h
                .window(c.kernel.h, c.stride.h as f64, pad_h.0, c.dilation.h),
            w: rf
                .w
                .window(c.kernel.w, c.stride.w as f64, pad_w.0, c.dilation.w),
            ..rf
        },
    })
}

fn conv_transpose(c: &ConvTranspose, input: Shape, rf: Rf) -> Result<LeafCost, String> {
    let (in_c, h, w) = map(input, "ConvTranspose2d")?;
    check_positive(
        "out_channels, kernel, stride and dilation",
        &[
            c.out,
            c.kernel.h,
            c.kernel.w,
            c.stride.h,
            c.stride.w,
            c.dilation.h,
            c.dilation.w,
        ],
    )?;
    check_groups(in_c, c.out, c.groups)?;
    for (op, s, d, axis) in [
        (c.output_padding.h, c.stride.h, c.dilation.h, "height"),
        (c.output_padding.w, c.stride.w, c.dilation.w, "width"),
    ] {
        if op >= s.max(d) {
            return Err(format!(
                "output_padding {op} along {axis} must be smaller than the stride or the dilation"
            ));
        }
    }
    // PyTorch: out = (in − 1)·s − 2p + d(k − 1) + output_padding + 1
    let axis = |i: u64, s: u64, p: u64, d: u64, k: u64, op: u64| -> Result<u64, String> {
        let grown = (i - 1) * s + d * (k - 1) + op + 1;
        grown.checked_sub(2 * p).filter(|o| *o > 0).ok_or_else(|| {
            format!(
                "padding {p} leaves no output (it would be {grown} − {})",
                2 * p
            )
        })
    };
    let oh = axis(
        h,
        c.stride.h,
        c.padding.h,
        c.dilation.h,
        c.kernel.h,
        c.output_padding.h,
    )?;
    let ow = axis(
        w,
        c.stride.w,
        c.padding.w,
        c.dilation.w,
        c.kernel.w,
        c.output_padding.w,
    )?;
    check_spatial(oh, ow)?;
    let weights = product(&[in_c, c.out / c.groups, c.kernel.h, c.kernel.w])?;
    let bias = if c.bias { c.out } else { 0 };
    let out_numel = product(&[c.out, oh, ow])?;
    Ok(LeafCost {
        output: Shape::Map {
            c: c.out,
            h: oh,
            w: ow,
        },
        params: checked_sum(weights, bias)?,
        buffers: 0,
        weight_reads: checked_sum(weights, bias)?,
        // fvcore's transposed-convolution count: every input pixel scatters the whole kernel.
        macs: product(&[weights, h, w])?,
        bias_ops: if c.bias { out_numel } else { 0 },
        elementwise_ops: 0,
        kind: conv_kind(c.kernel, c.groups, in_c),
        input_elems: 0,
        rf: Rf {
            h: rf
                .h
                .transposed(c.kernel.h, c.stride.h, c.padding.h, c.dilation.h),
            w: rf
                .w
                .transposed(c.kernel.w, c.stride.w, c.padding.w, c.dilation.w),
            ..rf
        },
    })
}

fn batch_norm(flat: bool, input: Shape, rf: Rf) -> Result<LeafCost, String> {
    let ch = match (flat, input) {
        (false, Shape::Map { c, .. }) => c,
        (true, Shape::Flat { f }) => f,
        (false, Shape::Flat { .. }) => {
            return Err(
                "BatchNorm2d needs a feature map; use BatchNorm1d (bn1d) after Flatten".into(),
            )
        }
        (true, Shape::Map { .. }) => {
            return Err(
                "BatchNorm1d needs a flat input here; use BatchNorm2d (bn) on feature maps".into(),
            )
        }
    };
    let mut c = LeafCost::passthrough(input, rf, OpKind::Norm);
    c.params = 2 * ch;
    // running_mean, running_var and the scalar num_batches_tracked.
    c.buffers = 2 * ch + 1;
    c.weight_reads = 4 * ch;
    // fvcore's eval-mode batch_norm count: 2 per element with affine parameters.
    c.elementwise_ops = 2 * input.numel();
    Ok(c)
}

/// What a layer refuses for the whole batch rather than per sample: GroupNorm needs more than one value per
/// group across the batch (PyTorch's `_verify_batch_size` on batch × channels per group × H × W, checked in
/// evaluation mode too), so one sample of a 1×1 map with one channel per group fails.
pub fn batch_check(layer: &Layer, input: Shape, batch: u64) -> Result<(), String> {
    if let (Layer::GroupNorm { groups }, Shape::Map { c, h, w }) = (layer, input) {
        // Channels a group count does not divide are refused first, by `group_norm`.
        let per_group = if *groups == 0 || !c.is_multiple_of(*groups) {
            0
        } else {
            c / groups
        };
        if batch == 1 && per_group == 1 && h == 1 && w == 1 {
            return Err(
                "expected more than 1 value per group: batch 1 × 1 channel per group × 1×1 map"
                    .to_string(),
            );
        }
    }
    Ok(())
}

fn group_norm(groups: u64, input: Shape, rf: Rf) -> Result<LeafCost, String> {
    let (c, _, _) = map(input, "GroupNorm")?;
    if groups == 0 || !c.is_multiple_of(groups) {
        return Err(format!(
            "num_channels {c} is not divisible by num_groups {groups}"
        ));
    }
    let mut cost = LeafCost::passthrough(input, rf, OpKind::Norm);
    cost.params = 2 * c;
    cost.weight_reads = 2 * c;
    // fvcore's group_norm count: 5 per element with affine parameters (statistics are computed at inference).
    cost.elementwise_ops = 5 * input.numel();
    Ok(cost)
}

fn activation(_a: &Act, input: Shape, rf: Rf) -> LeafCost {
    let mut c = LeafCost::passthrough(input, rf, OpKind::Activation);
    c.elementwise_ops = input.numel();
    c
}

/// PyTorch's `pooling_output_shape`, ceil mode included.
fn pool_out(
    input: u64,
    k: u64,
    s: u64,
    p: u64,
    d: u64,
    ceil: bool,
    axis: &str,
) -> Result<u64, String> {
    // PyTorch's pooling_output_shape: floor((in + 2p − k_eff + (ceil ? s − 1 : 0)) / s) + 1, rounded toward −∞,
    // less one in ceil mode when the last window would start past the input and its left padding. A window may
    // overhang the padded input in ceil mode (MaxPool2d(2, ceil_mode=True) maps 1×1 to 1×1); only an output below
    // 1 is refused. Sizes are bounded (limits.rs), so i128 cannot overflow.
    let k_eff = i128::from(d) * (i128::from(k) - 1) + 1;
    let padded = i128::from(input) + 2 * i128::from(p);
    let s = i128::from(s);
    let mut out = (padded - k_eff + if ceil { s - 1 } else { 0 }).div_euclid(s) + 1;
    if ceil && (out - 1) * s >= i128::from(input) + i128::from(p) {
        out -= 1;
    }
    if out >= 1 {
        return u64::try_from(out).map_err(|_| format!("output size along {axis} is too large"));
    }
    Err(if k_eff > padded {
        format!("kernel {k_eff} is larger than the padded input {padded} along {axis}")
    } else {
        format!("output size along {axis} would be 0")
    })
}

fn pool(p: &Pool, input: Shape, rf: Rf, max: bool) -> Result<LeafCost, String> {
    let name = if max { "MaxPool2d" } else { "AvgPool2d" };
    let (c, h, w) = map(input, name)?;
    check_positive(
        "kernel, stride and dilation",
        &[
            p.kernel.h,
            p.kernel.w,
            p.stride.h,
            p.stride.w,
            p.dilation.h,
            p.dilation.w,
        ],
    )?;
    if p.padding.h > p.kernel.h / 2 || p.padding.w > p.kernel.w / 2 {
        return Err(format!(
            "padding {}×{} should be at most half the kernel {}×{} (PyTorch)",
            p.padding.h, p.padding.w, p.kernel.h, p.kernel.w
        ));
    }
    let oh = pool_out(
        h,
        p.kernel.h,
        p.stride.h,
        p.padding.h,
        p.dilation.h,
        p.ceil_mode,
        "height",
    )?;
    let ow = pool_out(
        w,
        p.kernel.w,
        p.stride.w,
        p.padding.w,
        p.dilation.w,
        p.ceil_mode,
        "width",
    )?;
    let output = Shape::Map { c, h: oh, w: ow };
    let mut cost = LeafCost::passthrough(output, rf, OpKind::Pool);
    cost.elementwise_ops = product(&[output.numel(), p.kernel.h, p.kernel.w])?;
    cost.rf = Rf {
        h: rf
            .h
            .window(p.kernel.h, p.stride.h as f64, p.padding.h, p.dilation.h),
        w: rf
            .w
            .window(p.kernel.w, p.stride.w as f64, p.padding.w, p.dilation.w),
        ..rf
    };
    Ok(cost)
}

/// Adaptive pooling window along one axis: PyTorch's windows are `[floor(i·in/out), ceil((i+1)·in/out))`.
fn adaptive_axis(rf: AxisRf, input: u64, out: u64, extent: u64) -> AxisRf {
    if out == 1 {
        return AxisRf::whole(extent);
    }
    let kernel = input.div_ceil(out);
    rf.window(kernel, input as f64 / out as f64, 0, 1)
}

fn adaptive_pool(size: Pair, input: Shape, rf: Rf, image: Image) -> Result<LeafCost, String> {
    let (c, h, w) = map(input, "Adaptive pooling")?;
    check_positive("output size", &[size.h, size.w])?;
    check_spatial(size.h, size.w)?;
    let output = Shape::Map {
        c,
        h: size.h,
        w: size.w,
    };
    let mut cost = LeafCost::passthrough(output, rf, OpKind::Pool);
    // fvcore's adaptive_avg_pool2d count: one per input element.
    cost.elementwise_ops = input.numel();
    let rf_out = Rf {
        h: adaptive_axis(rf.h, h, size.h, image.h),
        w: adaptive_axis(rf.w, w, size.w, image.w),
        ..rf
    };
    cost.rf = if size.h == 1 && size.w == 1 {
        Rf::whole(image.h, image.w)
    } else {
        rf_out
    };
    Ok(cost)
}

fn flatten(input: Shape, rf: Rf) -> LeafCost {
    // A view: nothing is read or written.
    LeafCost::passthrough(Shape::Flat { f: input.numel() }, rf, OpKind::Other)
}

fn linear(out: u64, bias: bool, input: Shape, image: Image) -> Result<LeafCost, String> {
    let in_f = match input {
        Shape::Flat { f } => f,
        Shape::Map { c, h, w } => {
            return Err(format!(
                "Linear needs a flat input, but gets a {c}×{h}×{w} map: add Flatten before it"
            ))
        }
    };
    check_positive("out_features", &[out])?;
    if out > MAX_CHANNELS {
        return Err(format!(
            "out_features {out} exceeds the limit {MAX_CHANNELS}"
        ));
    }
    let weights = product(&[in_f, out])?;
    let b = if bias { out } else { 0 };
    Ok(LeafCost {
        output: Shape::Flat { f: out },
        params: checked_sum(weights, b)?,
        buffers: 0,
        weight_reads: checked_sum(weights, b)?,
        macs: weights,
        bias_ops: b,
        elementwise_ops: 0,
        kind: OpKind::Linear,
        input_elems: 0,
        rf: Rf::whole(image.h, image.w),
    })
}

fn upsample(scale: u64, mode: UpsampleMode, input: Shape, rf: Rf) -> Result<LeafCost, String> {
    let (c, h, w) = map(input, "Upsample")?;
    check_positive("scale_factor", &[scale])?;
    let (oh, ow) = (h * scale, w * scale);
    check_spatial(oh, ow)?;
    let output = Shape::Map { c, h: oh, w: ow };
    let bilinear = mode == UpsampleMode::Bilinear;
    let mut cost = LeafCost::passthrough(output, rf, OpKind::Other);
    // fvcore: upsample_nearest2d 1 per output element, upsample_bilinear2d 4.
    cost.elementwise_ops = output.numel() * if bilinear { 4 } else { 1 };
    cost.rf = Rf {
        h: rf.h.upsampled(scale, bilinear),
        w: rf.w.upsampled(scale, bilinear),
        ..rf
    };
    Ok(cost)
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
