//! Tensor shapes (without the batch dimension) and element types.

use std::fmt;

/// The shape of one sample's tensor; the batch dimension `N` is kept apart in the analysis options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// A feature map `C×H×W`.
    Map { c: u64, h: u64, w: u64 },
    /// A flat vector of `F` features, as after `Flatten`.
    Flat { f: u64 },
}

impl Shape {
    /// Elements of one sample. Cannot overflow: every dimension is bounded by [`crate::core::limits`].
    pub fn numel(&self) -> u64 {
        match *self {
            Shape::Map { c, h, w } => c.saturating_mul(h).saturating_mul(w),
            Shape::Flat { f } => f,
        }
    }

    /// Channels (maps) or features (flat vectors).
    pub fn channels(&self) -> u64 {
        match *self {
            Shape::Map { c, .. } => c,
            Shape::Flat { f } => f,
        }
    }

    /// The dimensions with the batch first, as PyTorch prints them: `[N, C, H, W]` or `[N, F]`.
    pub fn with_batch(&self, n: u64) -> Vec<u64> {
        match *self {
            Shape::Map { c, h, w } => vec![n, c, h, w],
            Shape::Flat { f } => vec![n, f],
        }
    }

    /// `"64 × 14 × 14"` style, with the batch in front.
    pub fn display_with_batch(&self, n: u64) -> String {
        self.with_batch(n)
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" × ")
    }

    /// The length in characters of [`Shape::display_with_batch`], without building the string (the app sizes
    /// its table's shape column from every row on every update).
    pub fn display_len_with_batch(&self, n: u64) -> usize {
        let dims = self.with_batch(n);
        let digits: usize = dims
            .iter()
            .map(|d| d.checked_ilog10().unwrap_or(0) as usize + 1)
            .sum();
        digits + 3 * dims.len().saturating_sub(1)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Shape::Map { c, h, w } => write!(f, "{c}×{h}×{w}"),
            Shape::Flat { f: n } => write!(f, "{n}"),
        }
    }
}

/// The element type of activations and weights, which sets bytes per element and the device's peak rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Dtype {
    #[default]
    Fp32,
    Fp16,
    Bf16,
    Int8,
}

impl Dtype {
    /// All element types, in the order menus list them.
    pub const ALL: [Dtype; 4] = [Dtype::Fp32, Dtype::Fp16, Dtype::Bf16, Dtype::Int8];

    /// Bytes per element.
    pub fn bytes(self) -> u64 {
        match self {
            Dtype::Fp32 => 4,
            Dtype::Fp16 | Dtype::Bf16 => 2,
            Dtype::Int8 => 1,
        }
    }

    /// The lower-case name used on the command line and in links.
    pub fn name(self) -> &'static str {
        match self {
            Dtype::Fp32 => "fp32",
            Dtype::Fp16 => "fp16",
            Dtype::Bf16 => "bf16",
            Dtype::Int8 => "int8",
        }
    }

    /// Parses a name made by [`Dtype::name`] (case-insensitive).
    pub fn from_name(s: &str) -> Option<Dtype> {
        Dtype::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_len_is_the_displayed_length() {
        for (shape, n) in [
            (
                Shape::Map {
                    c: 64,
                    h: 112,
                    w: 112,
                },
                1,
            ),
            (Shape::Map { c: 1, h: 9, w: 10 }, 1000),
            (Shape::Flat { f: 1000 }, 64),
            (Shape::Flat { f: 1 }, 1),
        ] {
            assert_eq!(
                shape.display_len_with_batch(n),
                shape.display_with_batch(n).chars().count()
            );
        }
    }
}
