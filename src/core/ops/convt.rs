//! `convt`: `nn.ConvTranspose2d`, with fvcore's count of its multiply-accumulates.

use crate::core::cost::{
    check_groups, check_positive, check_spatial, checked_sum, conv_kind, map, product, Image,
    LeafCost,
};
use crate::core::format::args::{int, pair, Args};
use crate::core::format::ParseError;
use crate::core::knob::{Knob, Param};
use crate::core::layer::{ConvTranspose, Layer, Pair};
use crate::core::limits::{MAX_CHANNELS, MAX_KERNEL};
use crate::core::ops::conv::keyed_pair;
use crate::core::ops::{
    halvings, pair_shown, pair_text, push_keyed, Carry, DocRow, Family, KindDef, Word,
};
use crate::core::rf::Rf;
use crate::core::shape::Shape;

/// The transposed-convolution family.
pub struct ConvTransposeFamily;

/// A new transposed convolution in the editor: 64 channels, 2×2, stride 2 (a ×2 upsampling).
const DEFAULT: ConvTranspose = ConvTranspose {
    out: 64,
    kernel: Pair::square(2),
    stride: Pair::square(2),
    padding: Pair::square(0),
    output_padding: Pair::square(0),
    dilation: Pair::square(1),
    groups: 1,
    bias: true,
};

fn parse(a: &mut Args) -> Result<ConvTranspose, ParseError> {
    let out = int(
        a.required(0, "out_channels")?,
        "out_channels",
        1,
        MAX_CHANNELS,
    )?;
    let kernel = pair(a.required(1, "kernel size")?, "kernel size", 1, MAX_KERNEL)?;
    let stride = keyed_pair(a, "s", "stride", 1, Pair::square(1))?;
    let padding = keyed_pair(a, "p", "padding", 0, Pair::square(0))?;
    let output_padding = keyed_pair(a, "op", "output padding", 0, Pair::square(0))?;
    let dilation = keyed_pair(a, "d", "dilation", 1, Pair::square(1))?;
    let groups = match a.keyed("g")? {
        Some(arg) => int(arg, "groups", 1, MAX_CHANNELS)?,
        None => 1,
    };
    let bias = !a.flag("nobias")?;
    Ok(ConvTranspose {
        out,
        kernel,
        stride,
        padding,
        output_padding,
        dilation,
        groups,
        bias,
    })
}

fn print(c: &ConvTranspose, args: &mut Vec<String>) {
    let (one, zero) = (Pair::square(1), Pair::square(0));
    args.push(c.out.to_string());
    args.push(pair_text(c.kernel));
    push_keyed(args, "s", c.stride, one);
    push_keyed(args, "p", c.padding, zero);
    push_keyed(args, "op", c.output_padding, zero);
    push_keyed(args, "d", c.dilation, one);
    push_keyed(args, "g", Pair::square(c.groups), one);
    if !c.bias {
        args.push("nobias".into());
    }
}

#[inline]
fn cost(c: &ConvTranspose, input: Shape, rf: Rf) -> Result<LeafCost, String> {
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

fn knobs(c: &ConvTranspose) -> Vec<Knob> {
    vec![
        Knob::channels(Param::Out, "Out channels", c.out),
        Knob::kernel(c.kernel.h),
        Knob::small(Param::Stride, "Stride", c.stride.h, 1),
        Knob::small(Param::Padding, "Padding", c.padding.h, 0),
        Knob::small(
            Param::OutputPadding,
            "Output padding",
            c.output_padding.h,
            0,
        ),
        Knob::small(Param::Dilation, "Dilation", c.dilation.h, 1),
        Knob::channels(Param::Groups, "Groups", c.groups),
        Knob::toggle(Param::Bias, "Bias", c.bias),
    ]
}

fn set(c: &mut ConvTranspose, param: Param, v: f64) {
    let n = v as u64;
    match param {
        Param::Out => c.out = n,
        Param::Kernel => c.kernel = Pair::square(n),
        Param::Stride => c.stride = Pair::square(n),
        Param::Padding => c.padding = Pair::square(n),
        Param::OutputPadding => c.output_padding = Pair::square(n),
        Param::Dilation => c.dilation = Pair::square(n),
        Param::Groups => c.groups = n,
        Param::Bias => c.bias = v != 0.0,
        _ => {}
    }
}

/// The editor's kind.
const KINDS: [KindDef; 1] = [KindDef {
    keyword: "convt",
    default: Layer::ConvTranspose(DEFAULT),
}];

impl Family for ConvTransposeFamily {
    fn words(&self) -> &'static [Word] {
        &[Word {
            word: "convt",
            accepts: "out_channels, kernel, then s<stride>, p<padding>, op<output padding>, d<dilation>, g<groups>, nobias",
        }]
    }

    fn parse(&self, _word: &str, args: &mut Args<'_>) -> Result<Layer, ParseError> {
        parse(args).map(Layer::ConvTranspose)
    }

    fn print(&self, layer: &Layer, args: &mut Vec<String>) -> &'static str {
        if let Layer::ConvTranspose(c) = layer {
            print(c, args);
        }
        "convt"
    }

    fn doc(&self) -> &'static [DocRow] {
        &[DocRow {
            text: "`convt(out,k,…)`",
            pytorch: "`nn.ConvTranspose2d`",
            args: "`s` [1], `p` [0], `op` output padding [0], `d` [1], `g` [1], `nobias`",
        }]
    }

    fn class(&self, _layer: &Layer) -> &'static str {
        "ConvTranspose2d"
    }

    #[inline]
    fn cost(&self, layer: &Layer, input: Shape, rf: Rf, _image: Image) -> Result<LeafCost, String> {
        match layer {
            Layer::ConvTranspose(c) => cost(c, input, rf),
            _ => Err("not a transposed convolution".into()),
        }
    }

    fn halvings(&self, layer: &Layer) -> i32 {
        match layer {
            Layer::ConvTranspose(c) => -halvings(c.stride.h),
            _ => 0,
        }
    }

    fn kinds(&self) -> &'static [KindDef] {
        &KINDS
    }

    fn kind_of(&self, _layer: &Layer) -> &'static KindDef {
        &KINDS[0]
    }

    fn knobs(&self, layer: &Layer) -> Vec<Knob> {
        match layer {
            Layer::ConvTranspose(c) => knobs(c),
            _ => Vec::new(),
        }
    }

    fn set(&self, layer: &mut Layer, param: Param, value: f64) {
        if let Layer::ConvTranspose(c) = layer {
            set(c, param, value);
        }
    }

    fn carry(&self, layer: &Layer) -> Carry {
        match layer {
            Layer::ConvTranspose(c) => Carry {
                out: Some(c.out),
                kernel: Some(c.kernel),
                stride: Some(c.stride),
                bias: Some(c.bias),
            },
            _ => Carry::default(),
        }
    }

    fn convert(&self, default: Layer, from: Carry) -> Layer {
        let Layer::ConvTranspose(mut c) = default else {
            return default;
        };
        c.out = from.out.unwrap_or(c.out);
        c.kernel = from.kernel.unwrap_or(c.kernel);
        c.stride = from.stride.unwrap_or(c.stride);
        c.bias = from.bias.unwrap_or(c.bias);
        Layer::ConvTranspose(c)
    }

    fn detail(&self, layer: &Layer) -> String {
        match layer {
            Layer::ConvTranspose(c) => format!(
                "{} · {}×{} · s{}",
                c.out,
                c.kernel.h,
                c.kernel.w,
                pair_shown(c.stride)
            ),
            _ => String::new(),
        }
    }
}
