//! `flatten`: `nn.Flatten`, a view from `C×H×W` to `C·H·W` features that moves no data.

use crate::core::cost::{Image, LeafCost, OpKind};
use crate::core::format::args::Args;
use crate::core::format::ParseError;
use crate::core::layer::Layer;
use crate::core::ops::{DocRow, Family, KindDef, Word};
use crate::core::rf::Rf;
use crate::core::shape::Shape;

/// The flatten family.
pub struct FlattenFamily;

/// The editor's kind.
const KINDS: [KindDef; 1] = [KindDef {
    keyword: "flatten",
    default: Layer::Flatten,
}];

impl Family for FlattenFamily {
    fn words(&self) -> &'static [Word] {
        &[Word {
            word: "flatten",
            accepts: "none",
        }]
    }

    fn parse(&self, _word: &str, _args: &mut Args<'_>) -> Result<Layer, ParseError> {
        Ok(Layer::Flatten)
    }

    fn print(&self, _layer: &Layer, _args: &mut Vec<String>) -> &'static str {
        "flatten"
    }

    fn doc(&self) -> &'static [DocRow] {
        &[DocRow {
            text: "`flatten`",
            pytorch: "`nn.Flatten`",
            args: "",
        }]
    }

    fn class(&self, _layer: &Layer) -> &'static str {
        "Flatten"
    }

    #[inline]
    fn cost(
        &self,
        _layer: &Layer,
        input: Shape,
        rf: Rf,
        _image: Image,
    ) -> Result<LeafCost, String> {
        Ok(LeafCost::passthrough(
            Shape::Flat { f: input.numel() },
            rf,
            OpKind::Other,
        ))
    }

    /// A view: nothing is read or written.
    #[inline]
    fn moves_data(&self, _layer: &Layer) -> bool {
        false
    }

    fn kinds(&self) -> &'static [KindDef] {
        &KINDS
    }

    fn kind_of(&self, _layer: &Layer) -> &'static KindDef {
        &KINDS[0]
    }
}
