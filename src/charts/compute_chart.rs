//! Compute by depth: one stacked bar per layer, block or stage, split by op kind, with the cumulative share.
//!
//! This is the chart for the seed question: chapter 14 says most computation happens in the early layers; the
//! cumulative line and the note ("the first quarter of the layers does X%") show whether that holds. Beside the
//! MAC (or FLOP, traffic...) share, a second line gives the cumulative share of the estimated time: on a GPU at
//! small batch, "many filters on small maps" take a larger share of the time than of the MACs. With a baseline A,
//! each of A's bars is an outline at the same place (its k-th layer, block or stage beside B's k-th): per stage,
//! where two networks' depths differ, the comparison reads best.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::charts::axis::{dashes, percent, si, si_unit, Frame};
use crate::charts::group::{bars_to_reach, cumulative_share, groups, groups_of, Group, Grouping};
use crate::charts::hit::{ChartLayout, HitShape, HitTarget, PixelRect};
use crate::charts::legend::{anchored, font, header, Item, Mark};
use crate::charts::metric::Metric;
use crate::charts::palette::{Palette, Theme};
use crate::charts::ChartError;
use crate::core::analysis::{Analysis, Stats};
use crate::core::cost::OpKind;

/// What the compute chart shows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ComputeOptions {
    pub metric: Metric,
    pub grouping: Grouping,
    /// Draw the cumulative-share line (right axis).
    pub cumulative: bool,
    pub theme: Theme,
    /// The selected row: its bar (or the block/stage holding it) is outlined.
    pub highlight: Option<usize>,
}

impl Default for ComputeOptions {
    fn default() -> ComputeOptions {
        ComputeOptions {
            metric: Metric::Macs,
            grouping: Grouping::Layer,
            cumulative: true,
            theme: Theme::Light,
            highlight: None,
        }
    }
}

/// Half the gap between neighbouring bars, in bar widths.
const GAP: f64 = 0.12;

/// Draws the chart on `root` and returns where each bar is.
pub fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    analysis: &Analysis,
    base: Option<&Analysis>,
    options: &ComputeOptions,
) -> Result<ChartLayout, ChartError> {
    draw_measured(root, analysis, base, None, options)
}

/// [`draw`] with each row's measured time, if a measurement is loaded: the `measured` metric's bars, and a third
/// cumulative line, the measured time's share, beside the metric's and the estimated time's.
pub fn draw_measured<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    analysis: &Analysis,
    base: Option<&Analysis>,
    measured: Option<&[Option<f64>]>,
    options: &ComputeOptions,
) -> Result<ChartLayout, ChartError> {
    let frame = Frame::new(root.dim_in_pixel());
    let pal = options.theme.palette();
    root.fill(&pal.background)?;
    let measured_time = |i: usize, _: &Stats| {
        measured
            .and_then(|m| m.get(i).copied().flatten())
            .unwrap_or(0.0)
    };
    let bars = if options.metric == Metric::Measured {
        groups_of(analysis, options.grouping, &measured_time)
    } else {
        groups(analysis, options.grouping, options.metric)
    };
    let totals: Vec<f64> = bars.iter().map(Group::total).collect();
    let ghosts: Vec<f64> = base.map_or_else(Vec::new, |b| {
        groups(b, options.grouping, options.metric)
            .iter()
            .map(Group::total)
            .collect()
    });
    let shares = cumulative_share(&totals);
    let metric = options.metric;
    // The time's cumulative share over the same bars, unless time is what the bars already show.
    let time_shares = (options.cumulative && metric != Metric::Time).then(|| {
        let times: Vec<f64> = groups(analysis, options.grouping, Metric::Time)
            .iter()
            .map(Group::total)
            .collect();
        cumulative_share(&times)
    });
    // The measured time's cumulative share, unless measured time is what the bars show.
    let measured_shares = (options.cumulative && metric != Metric::Measured && measured.is_some())
        .then(|| {
            let times: Vec<f64> = groups_of(analysis, options.grouping, &measured_time)
                .iter()
                .map(Group::total)
                .collect();
            cumulative_share(&times)
        })
        .filter(|t| t.last().is_some_and(|s| *s > 0.0));
    let noun = options.grouping.noun();

    let title = format!("{} by {noun}", capitalised(metric.label()));
    let mut items: Vec<Item> = OpKind::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| bars.iter().any(|b| b.by_kind[*i] > 0.0))
        .map(|(_, k)| Item::new(k.label(), pal.kind(*k), Mark::Box))
        .collect();
    if options.cumulative {
        items.push(Item::new("cumulative share", pal.line, Mark::Line));
    }
    if time_shares.is_some() {
        // Beside a measurement, say which time this is.
        let label = if measured.is_some() {
            "cumulative estimated time share"
        } else {
            "cumulative time share"
        };
        items.push(Item::new(label, pal.line, Mark::Dashed));
    }
    if measured_shares.is_some() {
        items.push(Item::new(
            "cumulative measured time share",
            pal.line2,
            Mark::Line,
        ));
    }
    if base.is_some() {
        items.push(Item::new("baseline A", pal.muted, Mark::Line));
    }
    let plot_area = header(
        &root,
        &frame,
        &pal,
        &title,
        &finding(&shares, time_shares.as_deref(), noun, metric, frame.compact),
        &items,
    )?;

    let n = bars.len().max(ghosts.len());
    let ymax = totals.iter().chain(&ghosts).copied().fold(0.0, f64::max);
    let ytop = if ymax > 0.0 { ymax * 1.05 } else { 1.0 };
    let labels = bar_labels(&bars, options.grouping);
    let font_px = frame.font;
    let y_area = (font_px * 4.6) as u32;
    let right_area = if options.cumulative {
        // Tick labels up to "100%" plus the rotated axis description, in a browser's font.
        (font_px * 4.5) as u32
    } else {
        0
    };
    let plot_w = frame
        .width
        .saturating_sub(2 * frame.margin + y_area + right_area);
    let bar_px = plot_w / n.max(1) as u32;
    let (label_area, rotate) = x_label_area(&root, &frame, &labels, bar_px)?;
    let mut chart = ChartBuilder::on(&plot_area)
        .margin_left(frame.margin)
        .margin_right(frame.margin)
        .margin_bottom(frame.margin)
        .margin_top(4)
        .x_label_area_size(label_area)
        .y_label_area_size(y_area)
        .right_y_label_area_size(right_area)
        .build_cartesian_2d(-0.5..(n.max(1) as f64 - 0.5), 0.0..ytop)?
        .set_secondary_coord(-0.5..(n.max(1) as f64 - 0.5), 0.0..1.05);

    let x_desc = match options.grouping {
        Grouping::Layer => "layer (forward order)".to_string(),
        g => format!("{} (forward order)", g.noun()),
    };
    let unit = metric.unit();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(pal.background)
        .bold_line_style(pal.grid)
        .axis_style(pal.axis)
        .y_labels(if frame.compact { 5 } else { 8 })
        .y_label_formatter(&|v| si(*v))
        .y_desc(if metric.label() == unit {
            unit.to_string()
        } else {
            format!("{} ({unit})", metric.label())
        })
        .x_labels(if labels.is_some() { 0 } else { 12 })
        .x_label_formatter(&|v| format!("{v:.0}"))
        .x_desc(x_desc)
        .label_style(font(font_px, pal.text))
        .axis_desc_style(font(font_px, pal.muted))
        .draw()?;

    let highlighted = options
        .highlight
        .and_then(|row| bars.iter().position(|b| b.rows.contains(&row)));
    if let Some(i) = highlighted {
        let x = i as f64;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.5, 0.0), (x + 0.5, ytop)],
            pal.highlight.mix(0.12).filled(),
        )))?;
    }

    draw_stacks(&mut chart, &bars, &pal)?;
    draw_failures(&mut chart, &bars, ytop, &pal)?;
    // A's bars as outlines over B's, so both heights read at once.
    chart.draw_series(
        ghosts
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0.0)
            .map(|(i, v)| {
                let (x0, x1) = bar_span(i as f64, n);
                Rectangle::new([(x0, 0.0), (x1, *v)], pal.muted.stroke_width(1))
            }),
    )?;
    if let Some(i) = highlighted {
        let x = i as f64;
        let (x0, x1) = bar_span(x, n);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x0, 0.0), (x1, totals[i].max(ytop * 0.004))],
            pal.highlight.stroke_width(2),
        )))?;
    }

    if let Some(labels) = &labels {
        draw_bar_labels(&root, &chart, labels, rotate, &frame, &pal)?;
    }
    if options.cumulative && ymax > 0.0 {
        draw_cumulative(&mut chart, &shares, &frame, &pal)?;
    }
    if let Some(t) = time_shares
        .as_deref()
        .filter(|t| t.last().is_some_and(|s| *s > 0.0))
    {
        // Dashed, in the cumulative line's colour: the bars' colours are op kinds.
        let points: Vec<(f64, f64)> = std::iter::once((-0.5, 0.0))
            .chain(t.iter().enumerate().map(|(i, s)| (i as f64 + 0.5, *s)))
            .collect();
        let per_bar = if n > 60 { 1 } else { 4 };
        chart.draw_secondary_series(
            points
                .windows(2)
                .flat_map(|w| dashes(w[0], w[1], per_bar, false))
                .map(|seg| PathElement::new(seg, pal.line.stroke_width(2))),
        )?;
    }

    if let Some(m) = &measured_shares {
        let points = std::iter::once((-0.5, 0.0))
            .chain(m.iter().enumerate().map(|(i, s)| (i as f64 + 0.5, *s)));
        chart.draw_secondary_series(LineSeries::new(points, pal.line2.stroke_width(2)))?;
    }

    let panel = PixelRect::from_ranges(chart.plotting_area().get_pixel_range());
    let total: f64 = totals.iter().sum();
    let targets = bars
        .iter()
        .enumerate()
        .map(|(i, bar)| {
            let x = i as f64;
            let (x0, x1) = bar_span(x, n);
            let top = chart.backend_coord(&(x0, totals[i]));
            let bottom = chart.backend_coord(&(x1, 0.0));
            let left = chart.backend_coord(&(x - 0.5, 0.0)).0;
            let right = chart.backend_coord(&(x + 0.5, 0.0)).0;
            HitTarget {
                row: Some(bar.rows.start),
                rows: bar.rows.clone(),
                shape: HitShape::Bar {
                    mark: PixelRect::from_corners(top, bottom),
                    zone: PixelRect {
                        x0: left,
                        y0: panel.y0,
                        x1: right.max(left + 1),
                        y1: panel.y1,
                    },
                },
                label: tooltip_title(analysis, bar, options.grouping),
                detail: {
                    let own = tooltip_detail(
                        analysis,
                        bar,
                        metric,
                        total,
                        (shares[i], time_shares.as_ref().map(|t| t[i])),
                    );
                    match ghosts.get(i) {
                        Some(a) if base.is_some() => format!(
                            "{own}\nbaseline A's {noun} #{i}: {} {}",
                            si(*a),
                            metric.unit()
                        ),
                        _ => own,
                    }
                },
            }
        })
        .collect();
    Ok(ChartLayout {
        width: frame.width,
        height: frame.height,
        panels: vec![panel],
        targets,
    })
}

type DualChart<'a, DB> = plotters::chart::DualCoordChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// The x extent of bar `x`: thin gaps between bars, none when bars are under three pixels wide anyway.
fn bar_span(x: f64, n: usize) -> (f64, f64) {
    let gap = if n > 300 { 0.0 } else { GAP };
    (x - 0.5 + gap, x + 0.5 - gap)
}

/// One series per op kind, each bar's segment stacked on the kinds before it.
fn draw_stacks<DB: DrawingBackend>(
    chart: &mut DualChart<'_, DB>,
    bars: &[Group],
    pal: &Palette,
) -> Result<(), ChartError> {
    let n = bars.len();
    let mut base = vec![0.0; n];
    for (k, kind) in OpKind::ALL.iter().enumerate() {
        if bars.iter().all(|b| b.by_kind[k] <= 0.0) {
            continue;
        }
        let color = pal.kind(*kind).filled();
        let rects: Vec<Rectangle<(f64, f64)>> = bars
            .iter()
            .enumerate()
            .filter(|(_, b)| b.by_kind[k] > 0.0)
            .map(|(i, b)| {
                let (x0, x1) = bar_span(i as f64, n);
                let y0 = base[i];
                base[i] += b.by_kind[k];
                Rectangle::new([(x0, base[i]), (x1, y0)], color)
            })
            .collect();
        chart.draw_series(rects)?;
    }
    Ok(())
}

/// A short red stub under bars whose rows have a diagnostic, so a failed layer is visible even with no height.
fn draw_failures<DB: DrawingBackend>(
    chart: &mut DualChart<'_, DB>,
    bars: &[Group],
    ytop: f64,
    pal: &Palette,
) -> Result<(), ChartError> {
    let n = bars.len();
    let stubs: Vec<Rectangle<(f64, f64)>> = bars
        .iter()
        .enumerate()
        .filter(|(_, b)| b.failed)
        .map(|(i, _)| {
            let (x0, x1) = bar_span(i as f64, n);
            Rectangle::new([(x0, 0.0), (x1, ytop * 0.02)], pal.error.filled())
        })
        .collect();
    chart.draw_series(stubs)?;
    Ok(())
}

/// The cumulative share on the right axis, with the point where half the total is reached marked.
fn draw_cumulative<DB: DrawingBackend>(
    chart: &mut DualChart<'_, DB>,
    shares: &[f64],
    frame: &Frame,
    pal: &Palette,
) -> Result<(), ChartError> {
    chart
        .configure_secondary_axes()
        .axis_style(pal.axis)
        .label_style(font(frame.font, pal.text))
        .axis_desc_style(font(frame.font, pal.muted))
        .y_labels(6)
        .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
        .y_desc("cumulative share")
        .draw()?;
    // The share after bar i is reached at its right edge.
    let points = std::iter::once((-0.5, 0.0))
        .chain(shares.iter().enumerate().map(|(i, s)| (i as f64 + 0.5, *s)));
    chart.draw_secondary_series(LineSeries::new(points, pal.line.stroke_width(2)))?;
    if let Some(k) = bars_to_reach(shares, 0.5) {
        let at = (k as f64 - 0.5, shares[k - 1]);
        chart.draw_secondary_series(std::iter::once(Circle::new(at, 4, pal.line.filled())))?;
        // Above and left of the point: the line below it falls away to the left.
        let style = anchored(frame.font, pal.text, HPos::Right, VPos::Bottom);
        chart.draw_secondary_series(std::iter::once(Text::new(
            format!("50% after {k} "),
            at,
            style,
        )))?;
    }
    Ok(())
}

/// Labels under the bars for blocks and stages (layers use numbered ticks instead).
fn bar_labels(bars: &[Group], grouping: Grouping) -> Option<Vec<String>> {
    match grouping {
        Grouping::Layer => None,
        _ => Some(bars.iter().map(|b| shorten(&b.label, 16)).collect()),
    }
}

/// Keeps the end of a long path, where the distinguishing part is: `…layer4.2`.
fn shorten(label: &str, max: usize) -> String {
    let n = label.chars().count();
    if n <= max {
        label.to_string()
    } else {
        let tail: String = label.chars().skip(n - (max - 1)).collect();
        format!("…{tail}")
    }
}

/// Height of the area under the x axis, and whether bar labels must be rotated to fit their bars (`bar_px`
/// wide): rotated labels need their longest label's width.
fn x_label_area<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
    labels: &Option<Vec<String>>,
    bar_px: u32,
) -> Result<(u32, bool), ChartError> {
    let axis_desc = (frame.font * 1.6) as u32;
    let line = (frame.font * 1.6) as u32;
    let Some(labels) = labels else {
        return Ok((line + axis_desc, false));
    };
    let style = font(frame.font, RGBColor(0, 0, 0));
    let mut widest = 0;
    for l in labels {
        widest = widest.max(root.estimate_text_size(l, &style)?.0);
    }
    if widest + 6 <= bar_px {
        return Ok((line + axis_desc, false));
    }
    Ok(((widest + 10).min(frame.height / 4) + axis_desc, true))
}

/// Bar labels under the bars, rotated to read bottom-up when they are wider than a bar; every k-th one when bars
/// are narrower than a line of text.
fn draw_bar_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &DualChart<'_, DB>,
    labels: &[String],
    rotate: bool,
    frame: &Frame,
    pal: &Palette,
) -> Result<(), ChartError> {
    let (_, yr) = chart.plotting_area().get_pixel_range();
    let base = root.get_base_pixel();
    let bar_px = if labels.len() > 1 {
        (chart.backend_coord(&(1.0, 0.0)).0 - chart.backend_coord(&(0.0, 0.0)).0).max(1)
    } else {
        frame.width as i32
    };
    let (step, style) = if rotate {
        let step = ((frame.font * 1.2) as i32 / bar_px + 1).max(1) as usize;
        let style = anchored(frame.font, pal.text, HPos::Right, VPos::Center)
            .transform(FontTransform::Rotate270);
        (step, style)
    } else {
        (1, anchored(frame.font, pal.text, HPos::Center, VPos::Top))
    };
    for (i, label) in labels.iter().enumerate().step_by(step) {
        let (x, _) = chart.backend_coord(&(i as f64, 0.0));
        let pos = (x - base.0, yr.end + 5 - base.1);
        root.draw(&Text::new(label.clone(), pos, style.clone()))?;
    }
    Ok(())
}

/// The note under the title: how much of the work the first quarter of the bars does, and when half is done.
fn finding(
    shares: &[f64],
    time_shares: Option<&[f64]>,
    noun: &str,
    metric: Metric,
    compact: bool,
) -> String {
    let n = shares.len();
    if n == 0 || shares.last().is_none_or(|s| *s <= 0.0) {
        return format!("no {} to show", metric.label());
    }
    let quarter = n.div_ceil(4);
    let first = percent(shares[quarter - 1]);
    let half = bars_to_reach(shares, 0.5).unwrap_or(n);
    let what = metric.label();
    let time = time_shares
        .filter(|t| t.last().is_some_and(|s| *s > 0.0))
        .and_then(|t| t.get(quarter - 1))
        .map(|t| percent(*t));
    // Beside measured time, the other time is the estimate.
    let of_time = if metric == Metric::Measured {
        "estimated time"
    } else {
        "time"
    };
    match (compact, time) {
        (true, None) => format!("first {quarter} of {n} {noun}s: {first} of {what}"),
        (true, Some(t)) => {
            format!("first {quarter} of {n} {noun}s: {first} of {what}, {t} of {of_time}")
        }
        (false, time) => format!(
            "the first {quarter} of {n} {noun}s do {first} of the {what}{}; half is reached after {half} ({})",
            time.map_or(String::new(), |t| format!(" and take {t} of the {of_time}")),
            percent(half as f64 / n as f64)
        ),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn tooltip_title(analysis: &Analysis, bar: &Group, grouping: Grouping) -> String {
    match grouping {
        Grouping::Layer => {
            let row = &analysis.rows[bar.rows.start];
            format!("#{} {} · {}", row.index, row.path, row.class)
        }
        Grouping::Block { .. } => format!("{} ({} layers)", bar.label, bar.rows.len()),
        Grouping::Stage => format!("stage {} ({} layers)", bar.label, bar.rows.len()),
    }
}

fn tooltip_detail(
    analysis: &Analysis,
    bar: &Group,
    metric: Metric,
    total: f64,
    (cumulative, cumulative_time): (f64, Option<f64>),
) -> String {
    let v = bar.total();
    let share = if total > 0.0 { v / total } else { 0.0 };
    let mut lines = vec![format!(
        "{}: {} ({} of total)",
        metric.label(),
        si_unit(v, metric.unit()),
        percent(share)
    )];
    let kinds: Vec<String> = OpKind::ALL
        .iter()
        .zip(bar.by_kind)
        .filter(|(_, x)| *x > 0.0)
        .map(|(k, x)| format!("{} {}", k.label(), si_unit(x, metric.unit())))
        .collect();
    if kinds.len() > 1 {
        lines.push(kinds.join(", "));
    }
    let last = &analysis.rows[bar.rows.end - 1];
    match (&last.stats, &last.diagnostic) {
        (_, Some(d)) => lines.push(format!("problem: {d}")),
        (Some(s), None) => lines.push(format!("output {}", s.output)),
        (None, None) => {}
    }
    lines.push(match cumulative_time {
        Some(t) => format!(
            "cumulative {} of {}, {} of time",
            percent(cumulative),
            metric.label(),
            percent(t)
        ),
        None => format!("cumulative {}", percent(cumulative)),
    });
    lines.join("\n")
}
