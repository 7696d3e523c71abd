//! The op registry: every leaf layer family is one module under `ops/` that declares all of it (its keywords,
//! parsing and printing, output shape and costs, PyTorch class, editor kinds and knobs, documentation row), and the
//! parser, printer, cost walker, editor and `docs/format.md` all derive from [`FAMILIES`] (ripgrep's
//! `crates/core/flags/defs.rs` is the model: each flag is one type, and the parser, `--help` and the man page derive
//! from it).
//!
//! Adding a layer type: write `ops/<family>.rs` implementing [`Family`], give its data a variant of [`Layer`], map
//! that variant in [`with_family!`] and list the family in [`FAMILIES`] (menu and documentation order), then paste
//! the row `format::layer_table()` prints into `docs/format.md` (a test compares them). Nothing else names a
//! family: the parser's keywords and error message, the printer, the costs, the editor's kinds, sliders and layer
//! tree, and the what-if's stages all ask the registry.

use crate::core::cost::{Image, LeafCost};
use crate::core::format::args::Args;
use crate::core::format::ParseError;
use crate::core::knob::{Knob, Param};
use crate::core::layer::{Layer, Pair};
use crate::core::rf::Rf;
use crate::core::shape::Shape;

pub mod act;
pub mod adaptive;
pub mod conv;
pub mod convt;
pub mod dropout;
pub mod flatten;
pub mod linear;
pub mod norm;
pub mod pool;
pub mod upsample;

/// One keyword of the text format and the arguments it accepts (named in error messages).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Word {
    /// The keyword (`conv`, `bn1d`).
    pub word: &'static str,
    /// What `Args::finish` names when an argument is left over (`"none"` for a bare keyword).
    pub accepts: &'static str,
}

/// One row of the layer table in `docs/format.md`: the text, the PyTorch module, the arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DocRow {
    /// How it is written (`` `conv(out,k,…)` ``).
    pub text: &'static str,
    /// The PyTorch module(s).
    pub pytorch: &'static str,
    /// The arguments with their defaults; empty for none.
    pub args: &'static str,
}

/// One kind the editor's "Kind" menu offers: the keyword it is known by and the layer a switch to it starts from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KindDef {
    /// The text format's keyword of the kind.
    pub keyword: &'static str,
    /// The layer a switch to this kind (or the insert menu) starts from.
    pub default: Layer,
}

/// What a layer hands on when the editor switches it to another kind (width, kernel, stride, bias).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Carry {
    /// Output channels or features.
    pub out: Option<u64>,
    pub kernel: Option<Pair>,
    pub stride: Option<Pair>,
    pub bias: Option<bool>,
}

/// A family of leaf layers. Every method gets a layer of this family (see [`Layer::family`]); a family handed
/// another family's layer returns its neutral answer rather than panicking.
pub trait Family: Sync {
    /// The keywords this family parses, in the order the parser's error message lists them.
    fn words(&self) -> &'static [Word];
    /// The layer written as `word(args)`; the caller then refuses arguments the family did not take.
    fn parse(&self, word: &str, args: &mut Args<'_>) -> Result<Layer, ParseError>;
    /// The keyword for `layer`, with its non-default arguments pushed onto `args`.
    fn print(&self, layer: &Layer, args: &mut Vec<String>) -> &'static str;
    /// The rows of `docs/format.md`'s layer table.
    fn doc(&self) -> &'static [DocRow];

    /// PyTorch class name, as torchinfo and `print(model)` show it.
    fn class(&self, layer: &Layer) -> &'static str;
    /// Output shape and cost of one sample; `input_elems` is filled in by [`crate::core::cost::leaf`].
    fn cost(&self, layer: &Layer, input: Shape, rf: Rf, image: Image) -> Result<LeafCost, String>;
    /// Whether the layer reads its input (views and inference no-ops do not).
    fn moves_data(&self, _layer: &Layer) -> bool {
        true
    }
    /// What the layer refuses for the whole batch rather than per sample.
    fn batch_check(&self, _layer: &Layer, _input: Shape, _batch: u64) -> Result<(), String> {
        Ok(())
    }
    /// How many times the layer halves the feature map (negative when it grows it), for the what-if's stages.
    fn halvings(&self, _layer: &Layer) -> i32 {
        0
    }

    /// The editor's kinds of this family, in menu order.
    fn kinds(&self) -> &'static [KindDef];
    /// `layer`'s kind, one of [`Family::kinds`].
    fn kind_of(&self, layer: &Layer) -> &'static KindDef;
    /// The layer's knobs with their current values.
    fn knobs(&self, _layer: &Layer) -> Vec<Knob> {
        Vec::new()
    }
    /// Sets one knob to a value already clamped by [`Knob::clamp`].
    fn set(&self, _layer: &mut Layer, _param: Param, _value: f64) {}
    /// What the layer hands on to another kind.
    fn carry(&self, _layer: &Layer) -> Carry {
        Carry::default()
    }
    /// The kind `default` of this family taking what another layer handed on.
    fn convert(&self, default: Layer, _from: Carry) -> Layer {
        default
    }
    /// A short description of the knobs for the layer tree (`64 · 3×3 · s2`).
    fn detail(&self, _layer: &Layer) -> String {
        String::new()
    }
}

/// Every leaf layer family, in the order of the editor's menu, the parser's keyword list and the docs' table.
pub static FAMILIES: [&dyn Family; 10] = [
    &conv::ConvFamily,
    &convt::ConvTransposeFamily,
    &norm::NormFamily,
    &act::ActFamily,
    &pool::PoolFamily,
    &adaptive::AdaptiveFamily,
    &flatten::FlattenFamily,
    &linear::LinearFamily,
    &dropout::DropoutFamily,
    &upsample::UpsampleFamily,
];

/// Runs `$body` with `$f` bound to the family of `$layer`, as its own type: the hot paths (every row's cost, the
/// printer) call the family directly, which the compiler inlines, rather than through [`Layer::family`]'s vtable.
/// This match is the one place that maps the [`Layer`] data to its family.
macro_rules! with_family {
    ($layer:expr, |$f:ident| $body:expr) => {{
        use $crate::core::layer::Layer;
        use $crate::core::ops;
        match $layer {
            Layer::Conv(_) => {
                let $f = &ops::conv::ConvFamily;
                $body
            }
            Layer::ConvTranspose(_) => {
                let $f = &ops::convt::ConvTransposeFamily;
                $body
            }
            Layer::BatchNorm { .. } | Layer::GroupNorm { .. } => {
                let $f = &ops::norm::NormFamily;
                $body
            }
            Layer::Act(_) => {
                let $f = &ops::act::ActFamily;
                $body
            }
            Layer::MaxPool(_) | Layer::AvgPool(_) => {
                let $f = &ops::pool::PoolFamily;
                $body
            }
            Layer::AdaptiveAvgPool(_) | Layer::AdaptiveMaxPool(_) => {
                let $f = &ops::adaptive::AdaptiveFamily;
                $body
            }
            Layer::Flatten => {
                let $f = &ops::flatten::FlattenFamily;
                $body
            }
            Layer::Linear { .. } => {
                let $f = &ops::linear::LinearFamily;
                $body
            }
            Layer::Dropout(_) | Layer::StochasticDepth(_) => {
                let $f = &ops::dropout::DropoutFamily;
                $body
            }
            Layer::Upsample { .. } => {
                let $f = &ops::upsample::UpsampleFamily;
                $body
            }
        }
    }};
}
pub(crate) use with_family;

impl Layer {
    /// The family that declares this layer.
    pub fn family(&self) -> &'static dyn Family {
        with_family!(self, |f| f as &'static dyn Family)
    }

    /// PyTorch class name, as torchinfo and `print(model)` show it.
    pub fn class(&self) -> &'static str {
        with_family!(self, |f| f.class(self))
    }
}

/// The family that parses `word`, with the word's entry.
pub fn lookup(word: &str) -> Option<(&'static dyn Family, &'static Word)> {
    FAMILIES
        .iter()
        .find_map(|f| f.words().iter().find(|w| w.word == word).map(|w| (*f, w)))
}

/// Every layer keyword, in registry order.
pub fn keywords() -> impl Iterator<Item = &'static str> {
    FAMILIES
        .iter()
        .flat_map(|f| f.words().iter().map(|w| w.word))
}

/// Every row of the layer table, in registry order.
pub fn doc_rows() -> impl Iterator<Item = &'static DocRow> {
    FAMILIES.iter().flat_map(|f| f.doc().iter())
}

/// A pair as the text format writes it: one number when square, else `HxW`.
#[inline]
pub fn pair_text(p: Pair) -> String {
    if p.is_square() {
        p.h.to_string()
    } else {
        format!("{}x{}", p.h, p.w)
    }
}

/// A pair as the layer tree shows it: one number when square, else `H×W`.
pub fn pair_shown(p: Pair) -> String {
    if p.is_square() {
        p.h.to_string()
    } else {
        format!("{}×{}", p.h, p.w)
    }
}

/// Pushes `<key><pair>` unless the value is the default.
pub fn push_keyed(args: &mut Vec<String>, key: &str, value: Pair, default: Pair) {
    if value != default {
        args.push(format!("{key}{}", pair_text(value)));
    }
}

/// Stages a stride moves on: `round(log2 s)` (1 for 2, 2 for 3 or 4).
pub fn halvings(stride: u64) -> i32 {
    (stride.max(1) as f64).log2().round() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_is_declared_once_and_parses_into_its_family() {
        let mut seen = std::collections::HashSet::new();
        for family in FAMILIES {
            for w in family.words() {
                assert!(seen.insert(w.word), "{} declared twice", w.word);
                let (found, _) = lookup(w.word).expect("found");
                assert!(std::ptr::addr_eq(found, family));
            }
        }
    }

    #[test]
    fn every_word_is_documented_by_its_family() {
        for family in FAMILIES {
            for w in family.words() {
                let quoted = format!("`{}", w.word);
                assert!(
                    family.doc().iter().any(|row| {
                        row.text.split(", ").any(|t| {
                            t == format!("{quoted}`") || t.starts_with(&format!("{quoted}("))
                        })
                    }),
                    "{} has no row in docs/format.md",
                    w.word
                );
            }
        }
    }

    #[test]
    fn every_kind_belongs_to_its_family_and_prints_its_keyword() {
        for family in FAMILIES {
            for k in family.kinds() {
                assert!(
                    std::ptr::addr_eq(k.default.family(), family),
                    "{}",
                    k.keyword
                );
                assert_eq!(family.kind_of(&k.default), k);
                let mut args = Vec::new();
                assert_eq!(family.print(&k.default, &mut args), k.keyword);
            }
        }
    }
}
