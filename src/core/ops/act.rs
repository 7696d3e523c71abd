//! Activations: `relu`, `relu6`, `silu`, `gelu`, `sigmoid`, `hardswish`, `hardsigmoid`, `tanh`, `mish` and
//! `leakyrelu(slope)`, one element-wise operation per element.

use crate::core::cost::{Image, LeafCost, OpKind};
use crate::core::format::args::{float, Args};
use crate::core::format::ParseError;
use crate::core::knob::{Knob, Param};
use crate::core::layer::{Act, Layer};
use crate::core::ops::{DocRow, Family, KindDef, Word};
use crate::core::rf::Rf;
use crate::core::shape::Shape;

/// The activation family.
pub struct ActFamily;

/// LeakyReLU's default negative slope (PyTorch's).
const SLOPE: f64 = 0.01;

/// Every activation: keyword, value (LeakyReLU with its default slope) and PyTorch class, in menu order.
const TABLE: [(&str, Act, &str); 10] = [
    ("relu", Act::Relu, "ReLU"),
    ("relu6", Act::Relu6, "ReLU6"),
    ("silu", Act::Silu, "SiLU"),
    ("gelu", Act::Gelu, "GELU"),
    ("sigmoid", Act::Sigmoid, "Sigmoid"),
    ("hardswish", Act::Hardswish, "Hardswish"),
    ("hardsigmoid", Act::Hardsigmoid, "Hardsigmoid"),
    ("tanh", Act::Tanh, "Tanh"),
    ("mish", Act::Mish, "Mish"),
    ("leakyrelu", Act::LeakyRelu(SLOPE), "LeakyReLU"),
];

/// The index in `TABLE` of `a` (any slope for LeakyReLU).
fn index(a: &Act) -> usize {
    match a {
        Act::Relu => 0,
        Act::Relu6 => 1,
        Act::Silu => 2,
        Act::Gelu => 3,
        Act::Sigmoid => 4,
        Act::Hardswish => 5,
        Act::Hardsigmoid => 6,
        Act::Tanh => 7,
        Act::Mish => 8,
        Act::LeakyRelu(_) => 9,
    }
}

/// The row of `TABLE` for `a`.
fn entry(a: &Act) -> &'static (&'static str, Act, &'static str) {
    &TABLE[index(a)]
}

impl Act {
    /// PyTorch class name.
    pub fn class(&self) -> &'static str {
        entry(self).2
    }
}

const WORDS: [Word; 10] = {
    let mut w = [Word {
        word: "",
        accepts: "none",
    }; 10];
    let mut i = 0;
    while i < TABLE.len() {
        w[i].word = TABLE[i].0;
        i += 1;
    }
    w[9].accepts = "negative slope";
    w
};

const KINDS: [KindDef; 10] = {
    let mut k = [KindDef {
        keyword: "",
        default: Layer::Flatten,
    }; 10];
    let mut i = 0;
    while i < TABLE.len() {
        k[i] = KindDef {
            keyword: TABLE[i].0,
            default: Layer::Act(TABLE[i].1),
        };
        i += 1;
    }
    k
};

impl Family for ActFamily {
    fn words(&self) -> &'static [Word] {
        &WORDS
    }

    fn parse(&self, word: &str, a: &mut Args<'_>) -> Result<Layer, ParseError> {
        if word == "leakyrelu" {
            let slope = match a.positional(0) {
                Some(arg) => float(arg, "negative slope", -1e6, 1e6)?,
                None => SLOPE,
            };
            return Ok(Layer::Act(Act::LeakyRelu(slope)));
        }
        let act = TABLE
            .iter()
            .find(|(w, _, _)| *w == word)
            .map_or(Act::Relu, |e| e.1);
        Ok(Layer::Act(act))
    }

    fn print(&self, layer: &Layer, args: &mut Vec<String>) -> &'static str {
        match layer {
            Layer::Act(a) => {
                if let Act::LeakyRelu(slope) = a {
                    if *slope != SLOPE {
                        args.push(slope.to_string());
                    }
                }
                entry(a).0
            }
            _ => "relu",
        }
    }

    fn doc(&self) -> &'static [DocRow] {
        &[DocRow {
            text: "`relu`, `relu6`, `silu`, `gelu`, `sigmoid`, `hardswish`, `hardsigmoid`, `tanh`, `mish`, `leakyrelu(slope)`",
            pytorch: "activations",
            args: "slope [0.01]",
        }]
    }

    fn class(&self, layer: &Layer) -> &'static str {
        match layer {
            Layer::Act(a) => a.class(),
            _ => "",
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
        let mut c = LeafCost::passthrough(input, rf, OpKind::Activation);
        c.elementwise_ops = input.numel();
        Ok(c)
    }

    fn kinds(&self) -> &'static [KindDef] {
        &KINDS
    }

    fn kind_of(&self, layer: &Layer) -> &'static KindDef {
        match layer {
            Layer::Act(a) => &KINDS[index(a)],
            _ => &KINDS[0],
        }
    }

    fn knobs(&self, layer: &Layer) -> Vec<Knob> {
        match layer {
            // The format takes any slope in ±10⁶; three decimals keep links short.
            Layer::Act(Act::LeakyRelu(s)) => vec![Knob::fraction(
                Param::Slope,
                "Negative slope",
                *s,
                -1e6,
                1e6,
                3,
            )],
            _ => Vec::new(),
        }
    }

    fn set(&self, layer: &mut Layer, param: Param, value: f64) {
        if let (Layer::Act(Act::LeakyRelu(slope)), Param::Slope) = (layer, param) {
            *slope = value;
        }
    }
}
