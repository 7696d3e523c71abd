//! Reference networks, written in the text format with the module paths of torchvision and fastai, so their rows
//! line up with `print(model)`, torchinfo and fvcore.

mod fastai;
pub mod torchvision;

use crate::core::arch::Architecture;
use crate::core::format::{self, ParseError};

/// A named reference network.
#[derive(Clone, Debug, PartialEq)]
pub struct Preset {
    pub key: &'static str,
    /// What it is and where it comes from.
    pub description: &'static str,
    /// The batch size the preset's source uses.
    pub batch: u64,
    pub spec: String,
}

impl Preset {
    /// The parsed architecture.
    pub fn architecture(&self) -> Result<Architecture, ParseError> {
        format::parse(&self.spec)
    }
}

/// All presets, in menu order.
pub fn all() -> Vec<Preset> {
    let mut v = vec![fastai::simple_cnn(), fastai::fastai_resnet18()];
    v.extend(torchvision::all());
    v.push(fastai::xresnet18());
    v
}

/// The preset called `key`.
pub fn find(key: &str) -> Option<Preset> {
    all().into_iter().find(|p| p.key.eq_ignore_ascii_case(key))
}
