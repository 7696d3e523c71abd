//! `linear(out)`: `nn.Linear`, its input features taken from the (flat) input.

use crate::core::cost::{check_positive, checked_sum, product, Image, LeafCost, OpKind};
use crate::core::format::args::{int, Args};
use crate::core::format::ParseError;
use crate::core::knob::{Knob, Param};
use crate::core::layer::Layer;
use crate::core::limits::MAX_CHANNELS;
use crate::core::ops::{Carry, DocRow, Family, KindDef, Word};
use crate::core::rf::Rf;
use crate::core::shape::Shape;

/// The linear family.
pub struct LinearFamily;

#[inline]
fn cost(out: u64, bias: bool, input: Shape, image: Image) -> Result<LeafCost, String> {
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

/// The editor's kind.
const KINDS: [KindDef; 1] = [KindDef {
    keyword: "linear",
    default: Layer::Linear {
        out: 1000,
        bias: true,
    },
}];

impl Family for LinearFamily {
    fn words(&self) -> &'static [Word] {
        &[Word {
            word: "linear",
            accepts: "out_features, nobias",
        }]
    }

    fn parse(&self, _word: &str, a: &mut Args<'_>) -> Result<Layer, ParseError> {
        let out = int(
            a.required(0, "out_features")?,
            "out_features",
            1,
            MAX_CHANNELS,
        )?;
        let bias = !a.flag("nobias")?;
        Ok(Layer::Linear { out, bias })
    }

    fn print(&self, layer: &Layer, args: &mut Vec<String>) -> &'static str {
        if let Layer::Linear { out, bias } = layer {
            args.push(out.to_string());
            if !bias {
                args.push("nobias".into());
            }
        }
        "linear"
    }

    fn doc(&self) -> &'static [DocRow] {
        &[DocRow {
            text: "`linear(out)`",
            pytorch: "`nn.Linear`",
            args: "`nobias`; in_features come from the input",
        }]
    }

    fn class(&self, _layer: &Layer) -> &'static str {
        "Linear"
    }

    #[inline]
    fn cost(&self, layer: &Layer, input: Shape, _rf: Rf, image: Image) -> Result<LeafCost, String> {
        match layer {
            Layer::Linear { out, bias } => cost(*out, *bias, input, image),
            _ => Err("not a linear layer".into()),
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
            Layer::Linear { out, bias } => vec![
                Knob::channels(Param::Out, "Out features", *out),
                Knob::toggle(Param::Bias, "Bias", *bias),
            ],
            _ => Vec::new(),
        }
    }

    fn set(&self, layer: &mut Layer, param: Param, value: f64) {
        if let Layer::Linear { out, bias } = layer {
            match param {
                Param::Out => *out = value as u64,
                Param::Bias => *bias = value != 0.0,
                _ => {}
            }
        }
    }

    fn carry(&self, layer: &Layer) -> Carry {
        match layer {
            Layer::Linear { out, bias } => Carry {
                out: Some(*out),
                bias: Some(*bias),
                ..Carry::default()
            },
            _ => Carry::default(),
        }
    }

    fn convert(&self, default: Layer, from: Carry) -> Layer {
        match default {
            Layer::Linear { out, bias } => Layer::Linear {
                out: from.out.unwrap_or(out),
                bias: from.bias.unwrap_or(bias),
            },
            other => other,
        }
    }

    fn detail(&self, layer: &Layer) -> String {
        match layer {
            Layer::Linear { out, .. } => out.to_string(),
            _ => String::new(),
        }
    }
}
