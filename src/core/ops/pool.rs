//! `maxpool`, `avgpool`: `nn.MaxPool2d` and `nn.AvgPool2d` with PyTorch's output size (ceil mode included).

use crate::core::cost::{check_positive, map, product, Image, LeafCost, OpKind};
use crate::core::format::args::{pair, Args};
use crate::core::format::ParseError;
use crate::core::knob::{Knob, Param};
use crate::core::layer::{Layer, Pair, Pool};
use crate::core::limits::MAX_KERNEL;
use crate::core::ops::conv::keyed_pair;
use crate::core::ops::{
    halvings, pair_shown, pair_text, push_keyed, Carry, DocRow, Family, KindDef, Word,
};
use crate::core::rf::Rf;
use crate::core::shape::Shape;

/// The pooling family.
pub struct PoolFamily;

fn parse(a: &mut Args, max: bool) -> Result<Pool, ParseError> {
    let kernel = pair(a.required(0, "kernel size")?, "kernel size", 1, MAX_KERNEL)?;
    // PyTorch's default stride is the kernel size.
    let stride = keyed_pair(a, "s", "stride", 1, kernel)?;
    let padding = keyed_pair(a, "p", "padding", 0, Pair::square(0))?;
    // Average pooling has no dilation.
    let dilation = if max {
        keyed_pair(a, "d", "dilation", 1, Pair::square(1))?
    } else {
        Pair::square(1)
    };
    let ceil_mode = a.flag("ceil")?;
    Ok(Pool {
        kernel,
        stride,
        padding,
        dilation,
        ceil_mode,
    })
}

fn print(p: &Pool, args: &mut Vec<String>) {
    args.push(pair_text(p.kernel));
    push_keyed(args, "s", p.stride, p.kernel);
    push_keyed(args, "p", p.padding, Pair::square(0));
    push_keyed(args, "d", p.dilation, Pair::square(1));
    if p.ceil_mode {
        args.push("ceil".into());
    }
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

#[inline]
fn cost(p: &Pool, input: Shape, rf: Rf, max: bool) -> Result<LeafCost, String> {
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

fn knobs(p: &Pool, max: bool) -> Vec<Knob> {
    let mut k = vec![
        Knob::kernel(p.kernel.h),
        Knob::small(Param::Stride, "Stride", p.stride.h, 1),
        Knob::small(Param::Padding, "Padding", p.padding.h, 0),
    ];
    // The format writes no dilation for average pooling (nn.AvgPool2d has none).
    if max {
        k.push(Knob::small(Param::Dilation, "Dilation", p.dilation.h, 1));
    }
    k.push(Knob::toggle(Param::CeilMode, "ceil_mode", p.ceil_mode));
    k
}

fn set(p: &mut Pool, param: Param, v: f64) {
    let n = v as u64;
    match param {
        Param::Kernel => p.kernel = Pair::square(n),
        Param::Stride => p.stride = Pair::square(n),
        Param::Padding => p.padding = Pair::square(n),
        Param::Dilation => p.dilation = Pair::square(n),
        Param::CeilMode => p.ceil_mode = v != 0.0,
        _ => {}
    }
}

/// The pool of `layer` and whether it is a max pool.
fn pool(layer: &Layer) -> Option<(&Pool, bool)> {
    match layer {
        Layer::MaxPool(p) => Some((p, true)),
        Layer::AvgPool(p) => Some((p, false)),
        _ => None,
    }
}

/// The editor's kinds, in menu order.
const KINDS: [KindDef; 2] = [
    KindDef {
        keyword: "maxpool",
        default: Layer::MaxPool(Pool::new(2)),
    },
    KindDef {
        keyword: "avgpool",
        default: Layer::AvgPool(Pool::new(2)),
    },
];

impl Family for PoolFamily {
    fn words(&self) -> &'static [Word] {
        &[
            Word {
                word: "maxpool",
                accepts: "kernel, then s<stride>, p<padding>, d<dilation>, ceil",
            },
            Word {
                word: "avgpool",
                accepts: "kernel, then s<stride>, p<padding>, ceil",
            },
        ]
    }

    fn parse(&self, word: &str, args: &mut Args<'_>) -> Result<Layer, ParseError> {
        Ok(if word == "maxpool" {
            Layer::MaxPool(parse(args, true)?)
        } else {
            Layer::AvgPool(parse(args, false)?)
        })
    }

    fn print(&self, layer: &Layer, args: &mut Vec<String>) -> &'static str {
        match pool(layer) {
            Some((p, max)) => {
                print(p, args);
                if max {
                    "maxpool"
                } else {
                    "avgpool"
                }
            }
            None => "maxpool",
        }
    }

    fn doc(&self) -> &'static [DocRow] {
        &[
            DocRow {
                text: "`maxpool(k,…)`",
                pytorch: "`nn.MaxPool2d`",
                args: "`s` [k], `p` [0], `d` [1], `ceil`",
            },
            DocRow {
                text: "`avgpool(k,…)`",
                pytorch: "`nn.AvgPool2d`",
                args: "`s` [k], `p` [0], `ceil`",
            },
        ]
    }

    fn class(&self, layer: &Layer) -> &'static str {
        match layer {
            Layer::AvgPool(_) => "AvgPool2d",
            _ => "MaxPool2d",
        }
    }

    #[inline]
    fn cost(&self, layer: &Layer, input: Shape, rf: Rf, _image: Image) -> Result<LeafCost, String> {
        match pool(layer) {
            Some((p, max)) => cost(p, input, rf, max),
            None => Err("not a pool".into()),
        }
    }

    fn halvings(&self, layer: &Layer) -> i32 {
        pool(layer).map_or(0, |(p, _)| halvings(p.stride.h))
    }

    fn kinds(&self) -> &'static [KindDef] {
        &KINDS
    }

    fn kind_of(&self, layer: &Layer) -> &'static KindDef {
        match layer {
            Layer::AvgPool(_) => &KINDS[1],
            _ => &KINDS[0],
        }
    }

    fn knobs(&self, layer: &Layer) -> Vec<Knob> {
        pool(layer).map_or_else(Vec::new, |(p, max)| knobs(p, max))
    }

    fn set(&self, layer: &mut Layer, param: Param, value: f64) {
        if let Layer::MaxPool(p) | Layer::AvgPool(p) = layer {
            set(p, param, value);
        }
    }

    fn carry(&self, layer: &Layer) -> Carry {
        pool(layer).map_or_else(Carry::default, |(p, _)| Carry {
            kernel: Some(p.kernel),
            stride: Some(p.stride),
            ..Carry::default()
        })
    }

    fn convert(&self, default: Layer, from: Carry) -> Layer {
        match default {
            Layer::MaxPool(mut p) | Layer::AvgPool(mut p) => {
                p.kernel = from.kernel.unwrap_or(p.kernel);
                p.stride = from.stride.unwrap_or(p.stride);
                if matches!(default, Layer::MaxPool(_)) {
                    Layer::MaxPool(p)
                } else {
                    Layer::AvgPool(p)
                }
            }
            other => other,
        }
    }

    fn detail(&self, layer: &Layer) -> String {
        pool(layer).map_or_else(String::new, |(p, _)| {
            format!("{} · s{}", pair_shown(p.kernel), pair_shown(p.stride))
        })
    }
}
