//! `upsample(scale)`: `nn.Upsample` by a whole factor, nearest or bilinear, with fvcore's counts.

use crate::core::cost::{check_positive, check_spatial, map, Image, LeafCost, OpKind};
use crate::core::format::args::{int, Args};
use crate::core::format::ParseError;
use crate::core::knob::{Knob, Ladder, Param};
use crate::core::layer::{Layer, UpsampleMode};
use crate::core::limits::MAX_SCALE;
use crate::core::ops::{halvings, DocRow, Family, KindDef, Word};
use crate::core::rf::Rf;
use crate::core::shape::Shape;

/// The upsampling family.
pub struct UpsampleFamily;

#[inline]
fn cost(scale: u64, mode: UpsampleMode, input: Shape, rf: Rf) -> Result<LeafCost, String> {
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

/// The editor's kind.
const KINDS: [KindDef; 1] = [KindDef {
    keyword: "upsample",
    default: Layer::Upsample {
        scale: 2,
        mode: UpsampleMode::Nearest,
    },
}];

impl Family for UpsampleFamily {
    fn words(&self) -> &'static [Word] {
        &[Word {
            word: "upsample",
            accepts: "scale, bilinear or nearest",
        }]
    }

    fn parse(&self, _word: &str, a: &mut Args<'_>) -> Result<Layer, ParseError> {
        let scale = int(a.required(0, "scale factor")?, "scale factor", 1, MAX_SCALE)?;
        let mode = if a.flag("bilinear")? {
            UpsampleMode::Bilinear
        } else {
            UpsampleMode::Nearest
        };
        // `nearest` is the default, accepted and left out when printing.
        a.flag("nearest")?;
        Ok(Layer::Upsample { scale, mode })
    }

    fn print(&self, layer: &Layer, args: &mut Vec<String>) -> &'static str {
        if let Layer::Upsample { scale, mode } = layer {
            args.push(scale.to_string());
            if *mode == UpsampleMode::Bilinear {
                args.push("bilinear".into());
            }
        }
        "upsample"
    }

    fn doc(&self) -> &'static [DocRow] {
        &[DocRow {
            text: "`upsample(scale)`",
            pytorch: "`nn.Upsample(scale_factor=scale)`",
            args: "`bilinear` (default nearest)",
        }]
    }

    fn class(&self, _layer: &Layer) -> &'static str {
        "Upsample"
    }

    #[inline]
    fn cost(&self, layer: &Layer, input: Shape, rf: Rf, _image: Image) -> Result<LeafCost, String> {
        match layer {
            Layer::Upsample { scale, mode } => cost(*scale, *mode, input, rf),
            _ => Err("not an upsampling".into()),
        }
    }

    fn halvings(&self, layer: &Layer) -> i32 {
        match layer {
            Layer::Upsample { scale, .. } => -halvings(*scale),
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
            Layer::Upsample { scale, mode } => vec![
                Knob::whole(
                    Param::Scale,
                    "Scale factor",
                    *scale,
                    1,
                    MAX_SCALE,
                    Ladder::Range(1, 8),
                ),
                Knob::toggle(Param::Bilinear, "Bilinear", *mode == UpsampleMode::Bilinear),
            ],
            _ => Vec::new(),
        }
    }

    fn set(&self, layer: &mut Layer, param: Param, value: f64) {
        if let Layer::Upsample { scale, mode } = layer {
            match param {
                Param::Scale => *scale = value as u64,
                Param::Bilinear => {
                    *mode = if value != 0.0 {
                        UpsampleMode::Bilinear
                    } else {
                        UpsampleMode::Nearest
                    }
                }
                _ => {}
            }
        }
    }

    fn detail(&self, layer: &Layer) -> String {
        match layer {
            Layer::Upsample { scale, .. } => format!("×{scale}"),
            _ => String::new(),
        }
    }
}
