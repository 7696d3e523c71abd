//! `conv`: `nn.Conv2d`, dense, grouped or depthwise, with explicit or `"same"` padding.

use crate::core::cost::{
    check_groups, check_positive, checked_sum, conv_kind, map, product, window_out, Image, LeafCost,
};
use crate::core::format::args::{int, pair, Args};
use crate::core::format::ParseError;
use crate::core::knob::{Knob, Param};
use crate::core::layer::{Conv, Groups, Layer, Padding, Pair};
use crate::core::limits::{MAX_CHANNELS, MAX_KERNEL};
use crate::core::ops::{
    halvings, pair_shown, pair_text, push_keyed, Carry, DocRow, Family, KindDef, Word,
};
use crate::core::rf::Rf;
use crate::core::shape::Shape;

/// The convolution family.
pub struct ConvFamily;

/// The arguments `conv` accepts.
pub const CONV_ARGS: &str =
    "out_channels, kernel, then s<stride>, p<padding> or psame, d<dilation>, g<groups> or dw, nobias";

/// A new convolution in the editor: 64 channels, 3×3, "half" padding.
const DEFAULT: Conv = {
    let mut c = Conv::new(64, 3);
    c.padding = Padding::Explicit(Pair::square(1));
    c
};

/// A stride, padding or dilation pair, keyed (`s2`), up to the kernel limit.
pub(crate) fn keyed_pair(
    a: &mut Args,
    key: &str,
    what: &str,
    min: u64,
    default: Pair,
) -> Result<Pair, ParseError> {
    match a.keyed(key)? {
        Some(arg) => pair(arg, what, min, MAX_KERNEL),
        None => Ok(default),
    }
}

fn parse(a: &mut Args) -> Result<Conv, ParseError> {
    let out = int(
        a.required(0, "out_channels")?,
        "out_channels",
        1,
        MAX_CHANNELS,
    )?;
    let kernel = pair(a.required(1, "kernel size")?, "kernel size", 1, MAX_KERNEL)?;
    let stride = keyed_pair(a, "s", "stride", 1, Pair::square(1))?;
    let same = a.flag("psame")?;
    let padding = match a.keyed("p")? {
        Some(arg) if same => {
            return Err(ParseError::new(
                arg.pos,
                "either p<padding> or psame",
                "both",
            ))
        }
        Some(arg) => Padding::Explicit(pair(arg, "padding", 0, MAX_KERNEL)?),
        None if same => Padding::Same,
        None => Padding::Explicit(Pair::square(0)),
    };
    let dilation = keyed_pair(a, "d", "dilation", 1, Pair::square(1))?;
    let dw = a.flag("dw")?;
    let groups = match a.keyed("g")? {
        Some(arg) if dw => return Err(ParseError::new(arg.pos, "either g<groups> or dw", "both")),
        Some(arg) => Groups::Count(int(arg, "groups", 1, MAX_CHANNELS)?),
        None if dw => Groups::Depthwise,
        None => Groups::Count(1),
    };
    let bias = !a.flag("nobias")?;
    Ok(Conv {
        out,
        kernel,
        stride,
        padding,
        dilation,
        groups,
        bias,
    })
}

fn print(c: &Conv, args: &mut Vec<String>) {
    let one = Pair::square(1);
    args.push(c.out.to_string());
    args.push(pair_text(c.kernel));
    push_keyed(args, "s", c.stride, one);
    match c.padding {
        Padding::Same => args.push("psame".into()),
        Padding::Explicit(p) => push_keyed(args, "p", p, Pair::square(0)),
    }
    push_keyed(args, "d", c.dilation, one);
    match c.groups {
        Groups::Depthwise => args.push("dw".into()),
        Groups::Count(g) => push_keyed(args, "g", Pair::square(g), one),
    }
    if !c.bias {
        args.push("nobias".into());
    }
}

#[inline]
fn cost(c: &Conv, input: Shape, rf: Rf) -> Result<LeafCost, String> {
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

fn knobs(c: &Conv) -> Vec<Knob> {
    let explicit = match c.padding {
        Padding::Explicit(p) => Some(p.h),
        Padding::Same => None,
    };
    let count = match c.groups {
        Groups::Count(g) => Some(g),
        Groups::Depthwise => None,
    };
    vec![
        Knob::channels(Param::Out, "Out channels", c.out),
        Knob::kernel(c.kernel.h),
        Knob::small(Param::Stride, "Stride", c.stride.h, 1),
        Knob::small(Param::Padding, "Padding", explicit.unwrap_or(0), 0)
            .shown_if(explicit.is_some()),
        Knob::small(Param::Dilation, "Dilation", c.dilation.h, 1),
        Knob::channels(Param::Groups, "Groups", count.unwrap_or(1)).shown_if(count.is_some()),
        Knob::toggle(Param::Depthwise, "Depthwise", c.groups == Groups::Depthwise),
        Knob::toggle(
            Param::SamePadding,
            "padding=\"same\"",
            c.padding == Padding::Same,
        ),
        Knob::toggle(Param::Bias, "Bias", c.bias),
    ]
}

fn set(c: &mut Conv, param: Param, v: f64) {
    let (n, on) = (v as u64, v != 0.0);
    match param {
        Param::Out => c.out = n,
        Param::Kernel => c.kernel = Pair::square(n),
        Param::Stride => c.stride = Pair::square(n),
        Param::Padding => c.padding = Padding::Explicit(Pair::square(n)),
        Param::SamePadding => {
            c.padding = if on {
                Padding::Same
            } else {
                // Back to the explicit padding that keeps the size, as "same" did.
                Padding::Explicit(Pair {
                    h: c.dilation.h.saturating_mul(c.kernel.h.saturating_sub(1)) / 2,
                    w: c.dilation.w.saturating_mul(c.kernel.w.saturating_sub(1)) / 2,
                })
            }
        }
        Param::Dilation => c.dilation = Pair::square(n),
        Param::Groups => c.groups = Groups::Count(n),
        Param::Depthwise => {
            c.groups = if on {
                Groups::Depthwise
            } else {
                Groups::Count(1)
            }
        }
        Param::Bias => c.bias = on,
        _ => {}
    }
}

/// The layer tree's summary of a convolution: width, kernel, and the arguments that differ from the defaults.
fn detail(c: &Conv) -> String {
    let mut s = format!("{} · {}×{}", c.out, c.kernel.h, c.kernel.w);
    if c.stride != Pair::square(1) {
        s.push_str(&format!(" · s{}", pair_shown(c.stride)));
    }
    match c.padding {
        Padding::Same => s.push_str(" · same"),
        Padding::Explicit(p) if p != Pair::square(0) => {
            s.push_str(&format!(" · p{}", pair_shown(p)))
        }
        Padding::Explicit(_) => {}
    }
    if c.dilation != Pair::square(1) {
        s.push_str(&format!(" · d{}", pair_shown(c.dilation)));
    }
    match c.groups {
        Groups::Depthwise => s.push_str(" · depthwise"),
        Groups::Count(g) if g > 1 => s.push_str(&format!(" · g{g}")),
        Groups::Count(_) => {}
    }
    s
}

/// The editor's kind.
const KINDS: [KindDef; 1] = [KindDef {
    keyword: "conv",
    default: Layer::Conv(DEFAULT),
}];

impl Family for ConvFamily {
    fn words(&self) -> &'static [Word] {
        &[Word {
            word: "conv",
            accepts: CONV_ARGS,
        }]
    }

    fn parse(&self, _word: &str, args: &mut Args<'_>) -> Result<Layer, ParseError> {
        parse(args).map(Layer::Conv)
    }

    fn print(&self, layer: &Layer, args: &mut Vec<String>) -> &'static str {
        if let Layer::Conv(c) = layer {
            print(c, args);
        }
        "conv"
    }

    fn doc(&self) -> &'static [DocRow] {
        &[DocRow {
            text: "`conv(out,k,…)`",
            pytorch: "`nn.Conv2d`",
            args: "`s` stride [1], `p` padding [0] or `psame`, `d` dilation [1], `g` groups [1] or `dw` (depthwise: groups = in_channels), `nobias`",
        }]
    }

    fn class(&self, _layer: &Layer) -> &'static str {
        "Conv2d"
    }

    #[inline]
    fn cost(&self, layer: &Layer, input: Shape, rf: Rf, _image: Image) -> Result<LeafCost, String> {
        match layer {
            Layer::Conv(c) => cost(c, input, rf),
            _ => Err("not a convolution".into()),
        }
    }

    fn halvings(&self, layer: &Layer) -> i32 {
        match layer {
            Layer::Conv(c) => halvings(c.stride.h),
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
            Layer::Conv(c) => knobs(c),
            _ => Vec::new(),
        }
    }

    fn set(&self, layer: &mut Layer, param: Param, value: f64) {
        if let Layer::Conv(c) = layer {
            set(c, param, value);
        }
    }

    fn carry(&self, layer: &Layer) -> Carry {
        match layer {
            Layer::Conv(c) => Carry {
                out: Some(c.out),
                kernel: Some(c.kernel),
                stride: Some(c.stride),
                bias: Some(c.bias),
            },
            _ => Carry::default(),
        }
    }

    fn convert(&self, default: Layer, from: Carry) -> Layer {
        let Layer::Conv(mut c) = default else {
            return default;
        };
        c.out = from.out.unwrap_or(c.out);
        c.kernel = from.kernel.unwrap_or(c.kernel);
        c.stride = from.stride.unwrap_or(c.stride);
        c.bias = from.bias.unwrap_or(c.bias);
        // "Half" padding for the kernel it got, so the size stays at stride 1.
        c.padding = Padding::Explicit(Pair {
            h: c.kernel.h.saturating_sub(1) / 2,
            w: c.kernel.w.saturating_sub(1) / 2,
        });
        Layer::Conv(c)
    }

    fn detail(&self, layer: &Layer) -> String {
        match layer {
            Layer::Conv(c) => detail(c),
            _ => String::new(),
        }
    }
}
