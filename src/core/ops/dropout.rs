//! `dropout(p)`, `stochdepth(p)`: `nn.Dropout` and torchvision's `StochasticDepth(p, "row")`, the identity at
//! inference (no work, no traffic).

use crate::core::cost::{Image, LeafCost, OpKind};
use crate::core::format::args::{float, Args};
use crate::core::format::ParseError;
use crate::core::knob::{Knob, Param};
use crate::core::layer::Layer;
use crate::core::ops::{DocRow, Family, KindDef, Word};
use crate::core::rf::Rf;
use crate::core::shape::Shape;

/// The dropout family.
pub struct DropoutFamily;

/// PyTorch's default probability.
const P: f64 = 0.5;

/// The probability of `layer`.
fn probability(layer: &Layer) -> Option<f64> {
    match layer {
        Layer::Dropout(p) | Layer::StochasticDepth(p) => Some(*p),
        _ => None,
    }
}

/// The editor's kind.
const KINDS: [KindDef; 1] = [KindDef {
    keyword: "dropout",
    default: Layer::Dropout(P),
}];

impl Family for DropoutFamily {
    fn words(&self) -> &'static [Word] {
        &[
            Word {
                word: "dropout",
                accepts: "probability",
            },
            Word {
                word: "stochdepth",
                accepts: "probability",
            },
        ]
    }

    fn parse(&self, word: &str, a: &mut Args<'_>) -> Result<Layer, ParseError> {
        let p = match a.positional(0) {
            Some(arg) => float(arg, "probability", 0.0, 1.0)?,
            None => P,
        };
        Ok(if word == "stochdepth" {
            Layer::StochasticDepth(p)
        } else {
            Layer::Dropout(p)
        })
    }

    fn print(&self, layer: &Layer, args: &mut Vec<String>) -> &'static str {
        if let Some(p) = probability(layer).filter(|p| *p != P) {
            args.push(p.to_string());
        }
        match layer {
            Layer::StochasticDepth(_) => "stochdepth",
            _ => "dropout",
        }
    }

    fn doc(&self) -> &'static [DocRow] {
        &[DocRow {
            text: "`dropout(p)`, `stochdepth(p)`",
            pytorch: "`nn.Dropout`, torchvision `StochasticDepth`",
            args: "p [0.5]",
        }]
    }

    fn class(&self, layer: &Layer) -> &'static str {
        match layer {
            Layer::StochasticDepth(_) => "StochasticDepth",
            _ => "Dropout",
        }
    }

    #[inline]
    fn cost(
        &self,
        _layer: &Layer,
        input: Shape,
        rf: Rf,
        _image: Image,
    ) -> Result<LeafCost, String> {
        // At inference dropout returns its input unchanged.
        Ok(LeafCost::passthrough(input, rf, OpKind::Other))
    }

    #[inline]
    fn moves_data(&self, _layer: &Layer) -> bool {
        false
    }

    fn kinds(&self) -> &'static [KindDef] {
        &KINDS
    }

    /// Both are the identity at inference, so the editor shows stochastic depth as dropout.
    fn kind_of(&self, _layer: &Layer) -> &'static KindDef {
        &KINDS[0]
    }

    fn knobs(&self, layer: &Layer) -> Vec<Knob> {
        // Two decimals keep links short.
        probability(layer).map_or_else(Vec::new, |p| {
            vec![Knob::fraction(Param::Prob, "Probability", p, 0.0, 1.0, 2)]
        })
    }

    fn set(&self, layer: &mut Layer, param: Param, value: f64) {
        if let (Layer::Dropout(p) | Layer::StochasticDepth(p), Param::Prob) = (layer, param) {
            *p = value;
        }
    }

    fn detail(&self, layer: &Layer) -> String {
        probability(layer).map_or_else(String::new, |p| format!("p={p}"))
    }
}
