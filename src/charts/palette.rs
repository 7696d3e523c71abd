//! Light and dark colour schemes: one colour per op kind plus the chart furniture (text, grid, highlight).

use plotters::style::RGBColor;

use crate::core::cost::OpKind;

/// Which colour scheme a chart is drawn in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    /// The colours of this theme.
    pub fn palette(self) -> Palette {
        match self {
            Theme::Light => Palette::LIGHT,
            Theme::Dark => Palette::DARK,
        }
    }
}

/// The colours a chart uses.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Palette {
    pub background: RGBColor,
    pub text: RGBColor,
    /// Secondary text: axis descriptions, notes.
    pub muted: RGBColor,
    pub axis: RGBColor,
    pub grid: RGBColor,
    /// The selected row's marks and their column.
    pub highlight: RGBColor,
    /// One colour per [`OpKind`], in [`OpKind::ALL`] order.
    pub kinds: [RGBColor; 9],
    /// Lines that are not op kinds: cumulative share, receptive-field size, roofs.
    pub line: RGBColor,
    /// A second line: the receptive field's jump, the bandwidth slope.
    pub line2: RGBColor,
    /// Reference lines: input size, ridge point.
    pub reference: RGBColor,
    /// Shading of the memory-bound region.
    pub shade: RGBColor,
    /// Rows with a diagnostic.
    pub error: RGBColor,
}

impl Palette {
    /// Light background; kind colours after the Okabe–Ito colour-blind-safe set.
    pub const LIGHT: Palette = Palette {
        background: RGBColor(255, 255, 255),
        text: RGBColor(33, 37, 41),
        muted: RGBColor(100, 108, 118),
        axis: RGBColor(90, 96, 104),
        grid: RGBColor(230, 232, 236),
        highlight: RGBColor(214, 39, 40),
        kinds: [
            RGBColor(0, 114, 178),   // k×k conv: blue
            RGBColor(86, 180, 233),  // 1×1 conv: sky blue
            RGBColor(0, 158, 115),   // depthwise: bluish green
            RGBColor(204, 121, 167), // linear: reddish purple
            RGBColor(230, 159, 0),   // norm: orange
            RGBColor(240, 228, 66),  // activation: yellow
            RGBColor(213, 94, 0),    // pool: vermillion
            RGBColor(120, 94, 240),  // add / multiply: violet
            RGBColor(150, 150, 150), // other: grey
        ],
        line: RGBColor(33, 37, 41),
        line2: RGBColor(0, 114, 178),
        reference: RGBColor(150, 150, 150),
        shade: RGBColor(253, 236, 220),
        error: RGBColor(200, 30, 30),
    };

    /// Dark background (the app's dark mode); the same hues, lifted for contrast.
    pub const DARK: Palette = Palette {
        background: RGBColor(24, 26, 31),
        text: RGBColor(230, 232, 236),
        muted: RGBColor(160, 166, 176),
        axis: RGBColor(170, 176, 186),
        grid: RGBColor(52, 56, 64),
        highlight: RGBColor(255, 99, 99),
        kinds: [
            RGBColor(64, 160, 230),
            RGBColor(140, 210, 250),
            RGBColor(40, 200, 150),
            RGBColor(230, 150, 200),
            RGBColor(245, 180, 40),
            RGBColor(240, 228, 90),
            RGBColor(240, 120, 40),
            RGBColor(160, 140, 255),
            RGBColor(150, 150, 150),
        ],
        line: RGBColor(235, 235, 235),
        line2: RGBColor(100, 180, 240),
        reference: RGBColor(130, 134, 142),
        shade: RGBColor(60, 44, 36),
        error: RGBColor(255, 90, 90),
    };

    /// The colour of an op kind.
    pub fn kind(&self, kind: OpKind) -> RGBColor {
        let i = OpKind::ALL.iter().position(|k| *k == kind).unwrap_or(8);
        self.kinds[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_colour() {
        for p in [Palette::LIGHT, Palette::DARK] {
            for (i, a) in p.kinds.iter().enumerate() {
                assert_eq!(p.kind(OpKind::ALL[i]), *a);
                for b in &p.kinds[i + 1..] {
                    assert_ne!(a, b);
                }
            }
        }
    }
}
