//! `bn`, `bn1d`, `groupnorm`: `nn.BatchNorm2d`, `nn.BatchNorm1d` and `nn.GroupNorm`, affine, with fvcore's counts.

use crate::core::cost::{map, Image, LeafCost, OpKind};
use crate::core::format::args::{int, Args};
use crate::core::format::ParseError;
use crate::core::knob::{Knob, Param};
use crate::core::layer::Layer;
use crate::core::limits::MAX_CHANNELS;
use crate::core::ops::{DocRow, Family, KindDef, Word};
use crate::core::rf::Rf;
use crate::core::shape::Shape;

/// The normalisation family.
pub struct NormFamily;

fn batch_norm(flat: bool, input: Shape, rf: Rf) -> Result<LeafCost, String> {
    let ch = match (flat, input) {
        (false, Shape::Map { c, .. }) => c,
        (true, Shape::Flat { f }) => f,
        (false, Shape::Flat { .. }) => {
            return Err(
                "BatchNorm2d needs a feature map; use BatchNorm1d (bn1d) after Flatten".into(),
            )
        }
        (true, Shape::Map { .. }) => {
            return Err(
                "BatchNorm1d needs a flat input here; use BatchNorm2d (bn) on feature maps".into(),
            )
        }
    };
    let mut c = LeafCost::passthrough(input, rf, OpKind::Norm);
    c.params = 2 * ch;
    // running_mean, running_var and the scalar num_batches_tracked.
    c.buffers = 2 * ch + 1;
    c.weight_reads = 4 * ch;
    // fvcore's eval-mode batch_norm count: 2 per element with affine parameters.
    c.elementwise_ops = 2 * input.numel();
    Ok(c)
}

fn group_norm(groups: u64, input: Shape, rf: Rf) -> Result<LeafCost, String> {
    let (c, _, _) = map(input, "GroupNorm")?;
    if groups == 0 || !c.is_multiple_of(groups) {
        return Err(format!(
            "num_channels {c} is not divisible by num_groups {groups}"
        ));
    }
    let mut cost = LeafCost::passthrough(input, rf, OpKind::Norm);
    cost.params = 2 * c;
    cost.weight_reads = 2 * c;
    // fvcore's group_norm count: 5 per element with affine parameters (statistics are computed at inference).
    cost.elementwise_ops = 5 * input.numel();
    Ok(cost)
}

/// The editor's kinds, in menu order.
const KINDS: [KindDef; 3] = [
    KindDef {
        keyword: "bn",
        default: Layer::BatchNorm { flat: false },
    },
    KindDef {
        keyword: "bn1d",
        default: Layer::BatchNorm { flat: true },
    },
    KindDef {
        keyword: "groupnorm",
        default: Layer::GroupNorm { groups: 32 },
    },
];

impl Family for NormFamily {
    fn words(&self) -> &'static [Word] {
        &[
            Word {
                word: "bn",
                accepts: "none",
            },
            Word {
                word: "bn1d",
                accepts: "none",
            },
            Word {
                word: "groupnorm",
                accepts: "num_groups",
            },
        ]
    }

    fn parse(&self, word: &str, a: &mut Args<'_>) -> Result<Layer, ParseError> {
        Ok(match word {
            "groupnorm" => Layer::GroupNorm {
                groups: int(a.required(0, "num_groups")?, "num_groups", 1, MAX_CHANNELS)?,
            },
            "bn1d" => Layer::BatchNorm { flat: true },
            _ => Layer::BatchNorm { flat: false },
        })
    }

    fn print(&self, layer: &Layer, args: &mut Vec<String>) -> &'static str {
        match layer {
            Layer::GroupNorm { groups } => {
                args.push(groups.to_string());
                "groupnorm"
            }
            Layer::BatchNorm { flat: true } => "bn1d",
            _ => "bn",
        }
    }

    fn doc(&self) -> &'static [DocRow] {
        &[
            DocRow {
                text: "`bn`, `bn1d`",
                pytorch: "`nn.BatchNorm2d`, `nn.BatchNorm1d`",
                args: "",
            },
            DocRow {
                text: "`groupnorm(g)`",
                pytorch: "`nn.GroupNorm(g, C)`",
                args: "number of groups; C comes from the input",
            },
        ]
    }

    fn class(&self, layer: &Layer) -> &'static str {
        match layer {
            Layer::GroupNorm { .. } => "GroupNorm",
            Layer::BatchNorm { flat: true } => "BatchNorm1d",
            _ => "BatchNorm2d",
        }
    }

    #[inline]
    fn cost(&self, layer: &Layer, input: Shape, rf: Rf, _image: Image) -> Result<LeafCost, String> {
        match layer {
            Layer::GroupNorm { groups } => group_norm(*groups, input, rf),
            Layer::BatchNorm { flat } => batch_norm(*flat, input, rf),
            _ => Err("not a normalisation".into()),
        }
    }

    /// GroupNorm needs more than one value per group across the batch (PyTorch's `_verify_batch_size` on
    /// batch × channels per group × H × W, checked in evaluation mode too), so one sample of a 1×1 map with one
    /// channel per group fails.
    fn batch_check(&self, layer: &Layer, input: Shape, batch: u64) -> Result<(), String> {
        if let (Layer::GroupNorm { groups }, Shape::Map { c, h, w }) = (layer, input) {
            // Channels a group count does not divide are refused first, by `group_norm`.
            let per_group = if *groups == 0 || !c.is_multiple_of(*groups) {
                0
            } else {
                c / groups
            };
            if batch == 1 && per_group == 1 && h == 1 && w == 1 {
                return Err(
                    "expected more than 1 value per group: batch 1 × 1 channel per group × 1×1 map"
                        .to_string(),
                );
            }
        }
        Ok(())
    }

    fn kinds(&self) -> &'static [KindDef] {
        &KINDS
    }

    fn kind_of(&self, layer: &Layer) -> &'static KindDef {
        match layer {
            Layer::GroupNorm { .. } => &KINDS[2],
            Layer::BatchNorm { flat: true } => &KINDS[1],
            _ => &KINDS[0],
        }
    }

    fn knobs(&self, layer: &Layer) -> Vec<Knob> {
        match layer {
            Layer::GroupNorm { groups } => vec![Knob::channels(Param::Groups, "Groups", *groups)],
            _ => Vec::new(),
        }
    }

    fn set(&self, layer: &mut Layer, param: Param, value: f64) {
        if let (Layer::GroupNorm { groups }, Param::Groups) = (layer, param) {
            *groups = value as u64;
        }
    }
}
