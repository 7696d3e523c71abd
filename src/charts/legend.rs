//! The header every chart draws above its plot: a title, a one-line finding, and a legend that wraps.
//!
//! The legend sits outside the plot so it never hides a bar or point, and reads the same on canvas and SVG.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::charts::axis::Frame;
use crate::charts::palette::Palette;
use crate::charts::ChartError;

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// A filled square: bars and shaded regions.
    Box,
    /// A line.
    Line,
    /// A dashed line: reference lines.
    Dashed,
    /// A filled circle: scatter points.
    Dot,
}

/// One legend entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub label: String,
    pub color: RGBColor,
    pub mark: Mark,
}

impl Item {
    pub fn new(label: impl Into<String>, color: RGBColor, mark: Mark) -> Item {
        Item {
            label: label.into(),
            color,
            mark,
        }
    }
}

/// A text style in the chart's sans-serif face.
pub fn font(size: f64, color: RGBColor) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&color)
}

/// A text style anchored at `h`/`v`.
pub fn anchored(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    font(size, color).pos(Pos::new(h, v))
}

/// Draws the title, the note and the legend at the top of `root`; returns the area left for the plot.
pub fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
    pal: &Palette,
    title: &str,
    note: &str,
    items: &[Item],
) -> Result<DrawingArea<DB, Shift>, ChartError> {
    let m = frame.margin as i32;
    let mut y = m;
    let title_style = ("sans-serif", frame.title)
        .into_font()
        .style(FontStyle::Bold)
        .color(&pal.text);
    root.draw(&Text::new(title.to_string(), (m, y), title_style))?;
    y += (frame.title * 1.35) as i32;
    if !note.is_empty() {
        root.draw(&Text::new(
            note.to_string(),
            (m, y),
            font(frame.font, pal.muted),
        ))?;
        y += (frame.font * 1.45) as i32;
    }
    let line_h = (frame.font * 1.5) as i32;
    let swatch = (frame.font * 0.9) as i32;
    let mut x = m;
    let style = font(frame.font, pal.text);
    for (i, item) in items.iter().enumerate() {
        let (tw, _) = root.estimate_text_size(&item.label, &style)?;
        let w = swatch + 5 + tw as i32 + 14;
        if i > 0 && x + w > frame.width as i32 - m {
            x = m;
            y += line_h;
        }
        swatch_at(root, item, (x, y), swatch)?;
        root.draw(&Text::new(
            item.label.clone(),
            (x + swatch + 5, y),
            style.clone(),
        ))?;
        x += w;
    }
    if !items.is_empty() {
        y += line_h;
    }
    let (_, plot) = root.split_vertically(y.max(0) as u32);
    Ok(plot)
}

fn swatch_at<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    item: &Item,
    (x, y): (i32, i32),
    s: i32,
) -> Result<(), ChartError> {
    let c = item.color;
    let mid = y + s / 2 + 1;
    match item.mark {
        Mark::Box => root.draw(&Rectangle::new(
            [(x, y + 1), (x + s, y + s + 1)],
            c.filled(),
        ))?,
        Mark::Line => root.draw(&PathElement::new(
            vec![(x, mid), (x + s, mid)],
            c.stroke_width(2),
        ))?,
        Mark::Dashed => {
            for k in 0..3 {
                let x0 = x + k * s / 3;
                root.draw(&PathElement::new(
                    vec![(x0, mid), (x0 + s / 5, mid)],
                    c.stroke_width(2),
                ))?;
            }
        }
        Mark::Dot => root.draw(&Circle::new((x + s / 2, mid), s / 3, c.filled()))?,
    }
    Ok(())
}
