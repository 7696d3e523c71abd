//! The editor's knob schema: which numbers and switches a node has, their labels, slider ladders and bounds. The
//! editor draws its controls from it and [`crate::core::action`] clamps every edit to the same bounds, so the two
//! cannot disagree.

use crate::core::limits::{MAX_CHANNELS, MAX_KERNEL, MAX_SPATIAL};

/// A numeric knob of a layer or block. One generic `Action::SetParam` sets any of them; a knob that does not
/// apply to the addressed node is ignored. A new op reuses these names where they fit (its knobs' labels and
/// bounds are its own) and adds one here only for a new kind of number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Param {
    /// Output channels or features; a block's `planes` or `out`.
    Out,
    /// Square kernel size (conv, pool, MBConv).
    Kernel,
    Stride,
    /// Square explicit padding per side.
    Padding,
    /// `padding="same"` on (non-zero) or off.
    SamePadding,
    Dilation,
    /// Channel groups (conv, transposed conv, bottleneck).
    Groups,
    /// One group per input channel on (non-zero) or off.
    Depthwise,
    /// Bias on (non-zero) or off.
    Bias,
    OutputPadding,
    CeilMode,
    /// Output size of an adaptive pool or concat pool.
    Size,
    /// Dropout probability.
    Prob,
    /// Upsampling factor.
    Scale,
    /// Bilinear (non-zero) or nearest upsampling.
    Bilinear,
    /// LeakyReLU negative slope.
    Slope,
    /// Expansion ratio of a bottleneck, inverted residual or MBConv.
    Expansion,
    /// Bottleneck base width.
    BaseWidth,
    /// Squeeze channels of squeeze-and-excitation.
    Squeeze,
    /// The node's repeat count.
    Repeat,
}

/// The values a slider steps through (the number box takes any value within the knob's bounds).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ladder {
    /// Channel counts: every value to 16, then multiples of 8, 32 and 128 to 4096.
    Channels,
    /// Image sizes: every value to 32, then multiples of 8 and 32 to 2048.
    Spatial,
    /// 0 to 1 in steps of 0.05.
    Probability,
    /// Whole numbers `lo..=hi`.
    Range(u64, u64),
}

/// How a knob is edited and which values it takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Control {
    /// A whole number in `min..=max`.
    Whole { min: u64, max: u64, ladder: Ladder },
    /// A decimal in `min..=max`, rounded to `decimals` places (short links).
    Fraction {
        min: f64,
        max: f64,
        decimals: u8,
        ladder: Ladder,
    },
    /// On or off.
    Toggle,
}

/// One knob of one node: what it sets, its label, its control and its current value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Knob {
    pub param: Param,
    pub label: &'static str,
    pub control: Control,
    /// The current value (1 or 0 for a toggle).
    pub value: f64,
    /// Whether the editor shows it. A hidden knob still takes edits: an explicit padding on a `"same"` conv makes
    /// the padding explicit.
    pub shown: bool,
}

impl Knob {
    /// A whole-number knob.
    pub fn whole(
        param: Param,
        label: &'static str,
        value: u64,
        min: u64,
        max: u64,
        ladder: Ladder,
    ) -> Knob {
        Knob {
            param,
            label,
            control: Control::Whole { min, max, ladder },
            value: value as f64,
            shown: true,
        }
    }

    /// A channel count (1 to the format's limit).
    pub fn channels(param: Param, label: &'static str, value: u64) -> Knob {
        Knob::whole(param, label, value, 1, MAX_CHANNELS, Ladder::Channels)
    }

    /// A kernel size.
    pub fn kernel(value: u64) -> Knob {
        Knob::whole(
            Param::Kernel,
            "Kernel",
            value,
            1,
            MAX_KERNEL,
            Ladder::Range(1, 11),
        )
    }

    /// A small window number from `min` (stride, padding, dilation, output padding).
    pub fn small(param: Param, label: &'static str, value: u64, min: u64) -> Knob {
        Knob::whole(param, label, value, min, MAX_KERNEL, Ladder::Range(min, 8))
    }

    /// An output size (adaptive pooling).
    pub fn size(value: u64) -> Knob {
        Knob::whole(
            Param::Size,
            "Output size",
            value,
            1,
            MAX_SPATIAL,
            Ladder::Spatial,
        )
    }

    /// A decimal knob.
    pub fn fraction(
        param: Param,
        label: &'static str,
        value: f64,
        min: f64,
        max: f64,
        decimals: u8,
    ) -> Knob {
        Knob {
            param,
            label,
            control: Control::Fraction {
                min,
                max,
                decimals,
                ladder: Ladder::Probability,
            },
            value,
            shown: true,
        }
    }

    /// A switch.
    pub fn toggle(param: Param, label: &'static str, on: bool) -> Knob {
        Knob {
            param,
            label,
            control: Control::Toggle,
            value: if on { 1.0 } else { 0.0 },
            shown: true,
        }
    }

    /// The same knob, hidden unless `shown`.
    pub fn shown_if(mut self, shown: bool) -> Knob {
        self.shown = shown;
        self
    }

    /// `value` made acceptable to this knob: a whole number rounded and clamped, a decimal clamped and rounded,
    /// a toggle 1 or 0. `None` for NaN or an infinity where a number is needed.
    pub fn clamp(&self, value: f64) -> Option<f64> {
        match self.control {
            Control::Whole { min, max, .. } => value
                .is_finite()
                .then(|| value.round().clamp(min as f64, max as f64)),
            Control::Fraction {
                min, max, decimals, ..
            } => {
                let scale = 10f64.powi(i32::from(decimals));
                value
                    .is_finite()
                    .then(|| (value.clamp(min, max) * scale).round() / scale)
            }
            Control::Toggle => Some(if value != 0.0 && !value.is_nan() {
                1.0
            } else {
                0.0
            }),
        }
    }
}
