//! `adaptiveavg`, `adaptivemax`: `nn.AdaptiveAvgPool2d` and `nn.AdaptiveMaxPool2d` to a fixed output size.

use crate::core::cost::{check_positive, check_spatial, map, Image, LeafCost, OpKind};
use crate::core::format::args::{pair, Args};
use crate::core::format::ParseError;
use crate::core::knob::{Knob, Param};
use crate::core::layer::{Layer, Pair};
use crate::core::limits::MAX_SPATIAL;
use crate::core::ops::{pair_shown, pair_text, DocRow, Family, KindDef, Word};
use crate::core::rf::{AxisRf, Rf};
use crate::core::shape::Shape;

/// The adaptive pooling family.
pub struct AdaptiveFamily;

/// Adaptive pooling window along one axis: PyTorch's windows are `[floor(i·in/out), ceil((i+1)·in/out))`.
fn adaptive_axis(rf: AxisRf, input: u64, out: u64, extent: u64) -> AxisRf {
    if out == 1 {
        return AxisRf::whole(extent);
    }
    let kernel = input.div_ceil(out);
    rf.window(kernel, input as f64 / out as f64, 0, 1)
}

#[inline]
fn cost(size: Pair, input: Shape, rf: Rf, image: Image) -> Result<LeafCost, String> {
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

/// The output size of `layer`.
fn size(layer: &Layer) -> Option<Pair> {
    match layer {
        Layer::AdaptiveAvgPool(s) | Layer::AdaptiveMaxPool(s) => Some(*s),
        _ => None,
    }
}

/// The editor's kinds, in menu order.
const KINDS: [KindDef; 2] = [
    KindDef {
        keyword: "adaptiveavg",
        default: Layer::AdaptiveAvgPool(Pair::square(1)),
    },
    KindDef {
        keyword: "adaptivemax",
        default: Layer::AdaptiveMaxPool(Pair::square(1)),
    },
];

impl Family for AdaptiveFamily {
    fn words(&self) -> &'static [Word] {
        &[
            Word {
                word: "adaptiveavg",
                accepts: "output size",
            },
            Word {
                word: "adaptivemax",
                accepts: "output size",
            },
        ]
    }

    fn parse(&self, word: &str, a: &mut Args<'_>) -> Result<Layer, ParseError> {
        let size = pair(a.required(0, "output size")?, "output size", 1, MAX_SPATIAL)?;
        Ok(if word == "adaptivemax" {
            Layer::AdaptiveMaxPool(size)
        } else {
            Layer::AdaptiveAvgPool(size)
        })
    }

    fn print(&self, layer: &Layer, args: &mut Vec<String>) -> &'static str {
        if let Some(s) = size(layer) {
            args.push(pair_text(s));
        }
        self.kind_of(layer).keyword
    }

    fn doc(&self) -> &'static [DocRow] {
        &[DocRow {
            text: "`adaptiveavg(size)`, `adaptivemax(size)`",
            pytorch: "`nn.AdaptiveAvgPool2d`, `nn.AdaptiveMaxPool2d`",
            args: "size: `1`, `7` or `3x5`",
        }]
    }

    fn class(&self, layer: &Layer) -> &'static str {
        match layer {
            Layer::AdaptiveMaxPool(_) => "AdaptiveMaxPool2d",
            _ => "AdaptiveAvgPool2d",
        }
    }

    #[inline]
    fn cost(&self, layer: &Layer, input: Shape, rf: Rf, image: Image) -> Result<LeafCost, String> {
        match size(layer) {
            Some(s) => cost(s, input, rf, image),
            None => Err("not an adaptive pool".into()),
        }
    }

    fn kinds(&self) -> &'static [KindDef] {
        &KINDS
    }

    fn kind_of(&self, layer: &Layer) -> &'static KindDef {
        match layer {
            Layer::AdaptiveMaxPool(_) => &KINDS[1],
            _ => &KINDS[0],
        }
    }

    fn knobs(&self, layer: &Layer) -> Vec<Knob> {
        size(layer).map_or_else(Vec::new, |s| vec![Knob::size(s.h)])
    }

    fn set(&self, layer: &mut Layer, param: Param, value: f64) {
        if let (Layer::AdaptiveAvgPool(s) | Layer::AdaptiveMaxPool(s), Param::Size) = (layer, param)
        {
            *s = Pair::square(value as u64);
        }
    }

    fn detail(&self, layer: &Layer) -> String {
        size(layer).map_or_else(String::new, pair_shown)
    }
}
