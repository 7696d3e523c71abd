//! Receptive-field growth: the field's size and jump (effective stride) by depth along the main path, the rows of
//! side paths (shortcuts, branches, gates) as points beside it, the input size as a reference, the layer where the
//! field first covers the whole input and the first squeeze-excitation gate (global context).

use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::charts::axis::{dashes, decades, Frame};
use crate::charts::hit::{ChartLayout, HitShape, HitTarget, PixelRect};
use crate::charts::legend::{anchored, font, header, Item, Mark};
use crate::charts::palette::{Palette, Theme};
use crate::charts::ChartError;
use crate::core::analysis::Analysis;

/// What the receptive-field chart shows.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct RfOptions {
    /// Logarithmic y axis (sizes and jumps span 1 to hundreds of pixels).
    pub log: bool,
    pub theme: Theme,
    pub highlight: Option<usize>,
}

/// One computed row's field along the height axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RfPoint {
    pub row: usize,
    pub size: f64,
    pub jump: f64,
    /// On a side path: drawn as a point off the line, so a 1×1 shortcut does not make the line zigzag.
    pub side: bool,
}

/// The points the chart draws: every computed row, in forward order.
pub fn points(analysis: &Analysis) -> Vec<RfPoint> {
    analysis
        .rows
        .iter()
        .filter_map(|r| {
            r.stats.map(|s| RfPoint {
                row: r.index,
                size: s.rf.h.size,
                jump: s.rf.h.jump,
                side: r.side,
            })
        })
        .collect()
}

/// The first row after a squeeze-excitation gate: from there on, units also depend on the whole input.
pub fn first_gated(analysis: &Analysis) -> Option<usize> {
    analysis
        .rows
        .iter()
        .find(|r| r.stats.is_some_and(|s| s.rf.global))
        .map(|r| r.index)
}

/// The first row whose field covers the whole input on both axes.
pub fn first_covering(analysis: &Analysis) -> Option<usize> {
    let (h, w) = (analysis.input.h, analysis.input.w);
    analysis
        .rows
        .iter()
        .find(|r| r.stats.is_some_and(|s| s.rf.covers(h, w)))
        .map(|r| r.index)
}

/// Draws the chart on `root` and returns where each point is.
pub fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    analysis: &Analysis,
    base: Option<&Analysis>,
    options: &RfOptions,
) -> Result<ChartLayout, ChartError> {
    let frame = Frame::new(root.dim_in_pixel());
    let pal = options.theme.palette();
    root.fill(&pal.background)?;
    let pts = points(analysis);
    // The baseline's main-path field, a second line at its own depths.
    let ghosts: Vec<RfPoint> = base.map_or_else(Vec::new, |b| {
        points(b).into_iter().filter(|p| !p.side).collect()
    });
    let input = analysis.input;
    let covering = first_covering(analysis);
    let gated = first_gated(analysis);
    let axis_note = if input.h == input.w {
        ""
    } else {
        " (height axis)"
    };
    let note = match (covering, pts.last()) {
        // Narrow charts leave out the path (the tooltip names it) so the note fits.
        (Some(i), _) if frame.compact => format!(
            "covers the whole {}×{} input at #{i}; final field {:.0} px",
            input.h,
            input.w,
            pts.last().map_or(0.0, |p| p.size)
        ),
        (Some(i), _) => format!(
            "the field first covers the whole {}×{} input at layer #{i} {}; final field {:.0} px",
            input.h,
            input.w,
            analysis.rows[i].path,
            pts.last().map_or(0.0, |p| p.size)
        ),
        (None, Some(last)) => format!(
            "the field never covers the whole {}×{} input: it ends at {:.0} px{axis_note}",
            input.h, input.w, last.size
        ),
        (None, None) => "no computed layers".to_string(),
    };
    let mut items = vec![
        Item::new(format!("field size{axis_note}"), pal.line, Mark::Line),
        Item::new("jump (effective stride)", pal.line2, Mark::Line),
        Item::new(format!("input {} px", input.h), pal.reference, Mark::Dashed),
    ];
    if base.is_some() {
        items.push(Item::new("baseline A's field", pal.muted, Mark::Line));
    }
    let plot_area = header(
        &root,
        &frame,
        &pal,
        "Receptive field by depth",
        &note,
        &items,
    )?;

    let n = analysis
        .rows
        .len()
        .max(base.map_or(0, |b| b.rows.len()))
        .max(1) as f64;
    let ymax = pts
        .iter()
        .chain(&ghosts)
        .map(|p| p.size)
        .fold(input.h as f64, f64::max);
    let x = -0.5..n - 0.5;
    let mut builder = ChartBuilder::on(&plot_area);
    builder
        .margin_left(frame.margin)
        .margin_right(frame.margin * 2)
        .margin_bottom(frame.margin)
        .margin_top(4)
        .x_label_area_size((frame.font * 3.2) as u32)
        .y_label_area_size((frame.font * 4.2) as u32);
    let ctx = Ctx {
        analysis,
        options,
        pal: &pal,
        frame: &frame,
        pts: &pts,
        ghosts: &ghosts,
        covering,
        gated,
    };
    if options.log {
        let (lo, hi) = decades(1.0, ymax * 1.5);
        let chart = builder.build_cartesian_2d(x, (lo..hi).log_scale())?;
        plot(chart, &ctx)
    } else {
        let chart = builder.build_cartesian_2d(x, 0.0..ymax * 1.08)?;
        plot(chart, &ctx)
    }
}

struct Ctx<'a> {
    analysis: &'a Analysis,
    options: &'a RfOptions,
    pal: &'a Palette,
    frame: &'a Frame,
    pts: &'a [RfPoint],
    ghosts: &'a [RfPoint],
    covering: Option<usize>,
    gated: Option<usize>,
}

/// Everything inside the axes, for either y scale.
fn plot<DB, Y>(
    mut chart: ChartContext<'_, DB, Cartesian2d<RangedCoordf64, Y>>,
    c: &Ctx<'_>,
) -> Result<ChartLayout, ChartError>
where
    DB: DrawingBackend,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let (pal, frame) = (c.pal, c.frame);
    chart
        .configure_mesh()
        .light_line_style(pal.background)
        .bold_line_style(pal.grid)
        .axis_style(pal.axis)
        .x_labels(12)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_labels(8)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .x_desc("layer (forward order)")
        .y_desc("input pixels")
        .label_style(font(frame.font, pal.text))
        .axis_desc_style(font(frame.font, pal.muted))
        .draw()?;
    let xr = chart.x_range();
    let xr = (xr.start, xr.end);
    let input_px = c.analysis.input.h as f64;
    let log = c.options.log;
    let dashed = |from: (f64, f64), to: (f64, f64)| dashes(from, to, 24, log);
    let reference = pal.reference.stroke_width(1);
    chart.draw_series(
        dashed((xr.0, input_px), (xr.1, input_px))
            .into_iter()
            .map(|seg| PathElement::new(seg, reference)),
    )?;
    // Vertical markers, labelled at the top (where the field covers the input) or the bottom (the first gate).
    // Past the middle a label goes left of its line, so it stays inside the chart.
    let mut marker =
        |i: usize, color: RGBAColor, text: &str, top: bool| -> Result<(), ChartError> {
            let yr = chart.y_range();
            let yr = (yr.start, yr.end);
            chart.draw_series(
                dashed((i as f64, yr.0), (i as f64, yr.1))
                    .into_iter()
                    .map(|seg| PathElement::new(seg, color.stroke_width(1))),
            )?;
            let right_half = (i as f64) > (xr.0 + xr.1) / 2.0;
            let (h, text) = if right_half {
                (HPos::Right, format!("{text} "))
            } else {
                (HPos::Left, format!(" {text}"))
            };
            let (v, y, colour) = if top {
                (VPos::Top, yr.1, pal.text)
            } else if log {
                (VPos::Bottom, yr.0 * 1.15, pal.muted)
            } else {
                (VPos::Bottom, yr.0 + (yr.1 - yr.0) * 0.02, pal.muted)
            };
            let label = anchored(frame.font, colour, h, v);
            chart.draw_series(std::iter::once(Text::new(text, (i as f64, y), label)))?;
            Ok(())
        };
    if let Some(i) = c.covering {
        marker(
            i,
            pal.highlight.mix(0.7),
            &format!("covers the input at #{i}"),
            true,
        )?;
    }
    if let Some(i) = c.gated {
        // Global context is no wider field: a marker, not a jump of the line.
        marker(i, pal.line2.mix(0.5), "SE gate: + global context", false)?;
    }
    if let Some(row) = c.options.highlight {
        let yr = chart.y_range();
        let x = row as f64;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, yr.start), (x, yr.end)],
            pal.highlight.mix(0.35).stroke_width(6),
        )))?;
    }
    let ghost = c.ghosts.iter().map(|p| (p.row as f64, p.size));
    chart.draw_series(LineSeries::new(ghost, pal.muted.stroke_width(1)))?;
    let main = || c.pts.iter().filter(|p| !p.side);
    let jump = main().map(|p| (p.row as f64, p.jump));
    chart.draw_series(LineSeries::new(jump, pal.line2.stroke_width(2)))?;
    let size = main().map(|p| (p.row as f64, p.size));
    chart.draw_series(LineSeries::new(size, pal.line.stroke_width(2)))?;
    let dot = if c.pts.len() > 120 { 2 } else { 3 };
    chart
        .draw_series(main().map(|p| Circle::new((p.row as f64, p.size), dot, pal.line.filled())))?;
    chart.draw_series(c.pts.iter().filter(|p| p.side).map(|p| {
        Circle::new(
            (p.row as f64, p.size),
            dot + 1,
            pal.line.mix(0.6).stroke_width(1),
        )
    }))?;
    if let Some(p) = c
        .options
        .highlight
        .and_then(|r| c.pts.iter().find(|p| p.row == r))
    {
        chart.draw_series(std::iter::once(Circle::new(
            (p.row as f64, p.size),
            dot + 4,
            pal.highlight.stroke_width(2),
        )))?;
    }

    let panel = PixelRect::from_ranges(chart.plotting_area().get_pixel_range());
    let targets = c
        .pts
        .iter()
        .map(|p| {
            let (x, y) = chart.backend_coord(&(p.row as f64, p.size));
            let row = &c.analysis.rows[p.row];
            let detail = row.stats.map_or_else(String::new, |s| {
                let mut d = format!(
                    "receptive field {:.0}×{:.0} px\njump {:.0}×{:.0} px\noutput {}",
                    s.rf.h.size, s.rf.w.size, s.rf.h.jump, s.rf.w.jump, s.output
                );
                if row.side {
                    d.push_str("\non a side path (shortcut, branch or gate)");
                }
                if s.rf.global {
                    d.push_str("\n+ global context from a squeeze-excitation gate");
                }
                d
            });
            HitTarget {
                row: Some(p.row),
                rows: p.row..p.row + 1,
                shape: HitShape::Point { x, y, radius: dot },
                label: format!("#{} {} · {}", row.index, row.path, row.class),
                detail,
            }
        })
        .collect::<Vec<_>>();
    // The baseline's line, for tooltips only: its points are no rows of this network, so they select nothing.
    let ghost_targets = c.ghosts.iter().map(|p| {
        let (x, y) = chart.backend_coord(&(p.row as f64, p.size));
        HitTarget {
            row: None,
            rows: p.row..p.row + 1,
            shape: HitShape::Point { x, y, radius: dot },
            label: format!("baseline A: layer #{}", p.row),
            detail: format!("receptive field {:.0} px\njump {:.0} px", p.size, p.jump),
        }
    });
    let targets = targets.into_iter().chain(ghost_targets).collect();
    Ok(ChartLayout {
        width: frame.width,
        height: frame.height,
        panels: vec![panel],
        targets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::core::analysis::{analyse, Options};
    use crate::core::presets;

    #[test]
    fn resnet50_covers_its_input_in_layer3() {
        let arch = presets::find("resnet50")
            .and_then(|p| p.architecture().ok())
            .unwrap_or_else(|| unreachable!("preset parses"));
        let a = analyse(&arch, &Options::default());
        let i = first_covering(&a).unwrap_or(usize::MAX);
        assert!(a.rows[i].path.starts_with("layer3."), "{}", a.rows[i].path);
        assert_eq!(points(&a).len(), a.rows.len());
    }
}
