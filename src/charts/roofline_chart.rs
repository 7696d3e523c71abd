//! Roofline: the device's compute roof and bandwidth slope for the chosen dtype, one point per layer at its
//! arithmetic intensity and attainable FLOP/s (Williams, Waterman & Patterson, CACM 2009), memory-bound side shaded.
//! Below each point, a small ring at the FLOP/s the time model estimates (work ÷ estimated time), joined by a
//! thin line: the gap between the best case and the estimate.
//!
//! Intensity is *work* FLOPs (everything the time estimate counts, normalisation and activations included) per
//! read-once byte, as the analysis' `intensity` column, so a batch norm sits where its time comes from even when
//! the MAC count leaves it out.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::charts::axis::{dashes, decades, percent, si, si_unit, Frame};
use crate::charts::hit::{ChartLayout, HitShape, HitTarget, PixelRect};
use crate::charts::legend::{anchored, font, header, Item, Mark};
use crate::charts::marks;
use crate::charts::palette::Theme;
use crate::charts::ChartError;
use crate::core::analysis::{Analysis, Bound};
use crate::core::cost::OpKind;

/// What the roofline chart shows (the device and dtype come from the analysis' options).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct RooflineOptions {
    pub theme: Theme,
    pub highlight: Option<usize>,
}

/// One layer on the roofline.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoofPoint {
    pub row: usize,
    pub kind: OpKind,
    /// Work FLOPs per read-once byte.
    pub intensity: f64,
    /// `min(peak, bandwidth × intensity)`.
    pub attainable: f64,
    /// Work FLOPs ÷ the time model's estimate (at most `attainable`, as the model never beats the best case).
    pub achieved: f64,
    pub time_s: f64,
    /// The roofline's best-case time.
    pub roofline_s: f64,
    pub bound: Bound,
}

/// The points: every computed row that does arithmetic and moves data.
pub fn points(analysis: &Analysis) -> Vec<RoofPoint> {
    let o = &analysis.options;
    let peak = o.device.peak_for(o.dtype);
    let bw = o.device.bandwidth;
    analysis
        .rows
        .iter()
        .filter_map(|r| {
            let s = r.stats?;
            let traffic = s.traffic_bytes() as f64;
            (s.work_flops > 0 && traffic > 0.0).then(|| {
                let intensity = s.work_flops as f64 / traffic;
                let attainable = peak.min(bw * intensity);
                RoofPoint {
                    row: r.index,
                    kind: s.kind,
                    intensity,
                    attainable,
                    // A fused row has no time of its own: it rides on its host's kernel.
                    achieved: if s.time_s > 0.0 {
                        (s.work_flops as f64 / s.time_s).min(attainable)
                    } else {
                        attainable
                    },
                    time_s: s.time_s,
                    roofline_s: s.roofline_s,
                    bound: s.bound,
                }
            })
        })
        .collect()
}

/// Draws the chart on `root` and returns where each point is.
pub fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    analysis: &Analysis,
    base: Option<&Analysis>,
    options: &RooflineOptions,
) -> Result<ChartLayout, ChartError> {
    let frame = Frame::new(root.dim_in_pixel());
    let pal = options.theme.palette();
    root.fill(&pal.background)?;
    let o = &analysis.options;
    let peak = o.device.peak_for(o.dtype);
    let bw = o.device.bandwidth;
    let ridge = o.device.ridge(o.dtype);
    let pts = points(analysis);
    // The baseline's layers, as outlined points under B's (placed on B's device: the roof is B's).
    let ghosts = base.map_or_else(Vec::new, points);

    let mut items: Vec<Item> = OpKind::ALL
        .iter()
        .filter(|k| pts.iter().any(|p| p.kind == **k))
        .map(|k| Item::new(k.label(), pal.kind(*k), Mark::Dot))
        .collect();
    items.push(Item::new("memory-bound region", pal.shade, Mark::Box));
    items.push(Item::new("time model estimate", pal.muted, Mark::Line));
    if base.is_some() {
        items.push(Item::new("baseline A", pal.muted, Mark::Dot));
    }
    let title = format!("Roofline: {} ({})", o.device.name, o.dtype.name());
    let plot_area = header(
        &root,
        &frame,
        &pal,
        &title,
        &finding(&pts, frame.compact),
        &items,
    )?;

    let all = || pts.iter().chain(&ghosts);
    let lo_i = all().map(|p| p.intensity).fold(ridge, f64::min);
    let hi_i = all().map(|p| p.intensity).fold(ridge, f64::max);
    let (x0, x1) = decades(lo_i / 2.0, hi_i * 4.0);
    let lo_f = all()
        .map(|p| p.attainable.min(p.achieved))
        .fold(peak, f64::min);
    let (y0, y1) = decades(lo_f / 2.0, peak * 2.0);
    let mut chart = ChartBuilder::on(&plot_area)
        .margin_left(frame.margin)
        .margin_right(frame.margin * 2)
        .margin_bottom(frame.margin)
        .margin_top(4)
        .x_label_area_size((frame.font * 3.2) as u32)
        .y_label_area_size((frame.font * 5.0) as u32)
        .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())?;
    chart
        .configure_mesh()
        .light_line_style(pal.background)
        .bold_line_style(pal.grid)
        .axis_style(pal.axis)
        .x_label_formatter(&|v| si(*v))
        .y_label_formatter(&|v| si(*v))
        .x_desc("arithmetic intensity (FLOP/B, read-once traffic)")
        .y_desc("attainable (FLOP/s)")
        .label_style(font(frame.font, pal.text))
        .axis_desc_style(font(frame.font, pal.muted))
        .draw()?;

    // Memory-bound side: everything left of the ridge, under the roof.
    chart.draw_series(std::iter::once(Polygon::new(
        vec![(x0, y0), (ridge, y0), (ridge, peak), (x0, bw * x0)],
        pal.shade.filled(),
    )))?;
    let roof = vec![(x0, (bw * x0).min(peak)), (ridge, peak), (x1, peak)];
    chart.draw_series(std::iter::once(PathElement::new(
        roof,
        pal.line.stroke_width(2),
    )))?;
    let ridge_line = dashes((ridge, y0), (ridge, peak), 16, true);
    chart.draw_series(
        ridge_line
            .into_iter()
            .map(|seg| PathElement::new(seg, pal.reference.stroke_width(1))),
    )?;
    let muted = |h, v| anchored(frame.font, pal.muted, h, v);
    // At the ridge, above the slope's end: the points crowd the flat roof to its right.
    chart.draw_series(std::iter::once(Text::new(
        format!("peak {} ", si_unit(peak, "FLOP/s")),
        (ridge, peak),
        muted(HPos::Right, VPos::Bottom),
    )))?;
    chart.draw_series(std::iter::once(Text::new(
        format!(" ridge {} FLOP/B", si(ridge)),
        (ridge, y0 * 1.15),
        muted(HPos::Left, VPos::Bottom),
    )))?;
    // Halfway up the slope (in log space), left of and above the line, which rises to the right.
    let mid = (x0 * ridge).sqrt();
    chart.draw_series(std::iter::once(Text::new(
        format!("bandwidth {} ", si_unit(bw, "B/s")),
        (mid, bw * mid),
        muted(HPos::Right, VPos::Bottom),
    )))?;

    // Larger markers for layers that take more time; the most expensive drawn last, on top.
    let tmax = pts.iter().map(|p| p.time_s).fold(0.0, f64::max);
    let radius = |t: f64| {
        if tmax > 0.0 {
            (2.0 + 7.0 * (t / tmax).sqrt()).round() as i32
        } else {
            3
        }
    };
    let mut order: Vec<&RoofPoint> = pts.iter().collect();
    order.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
    // The time model's estimate under each point: a thin line down to a small ring.
    chart.draw_series(
        order
            .iter()
            .filter(|p| p.achieved < p.attainable * 0.99)
            .map(|p| {
                PathElement::new(
                    vec![(p.intensity, p.attainable), (p.intensity, p.achieved)],
                    pal.kind(p.kind).mix(0.5).stroke_width(1),
                )
            }),
    )?;
    chart.draw_series(order.iter().map(|p| {
        Circle::new(
            (p.intensity, p.achieved),
            2,
            pal.kind(p.kind).mix(0.8).stroke_width(1),
        )
    }))?;
    let marks = marks::stack(order.iter().map(|p| {
        let at = (p.intensity, p.attainable);
        marks::Mark {
            at,
            pixel: chart.backend_coord(&at),
            radius: radius(p.time_s),
            color: pal.kind(p.kind),
        }
    }));
    chart.draw_series(ghosts.iter().map(|p| {
        Circle::new(
            (p.intensity, p.attainable),
            radius(p.time_s),
            pal.muted.mix(0.7).stroke_width(1),
        )
    }))?;
    chart.draw_series(marks.iter().map(|s| s.circle(0.8)))?;
    if let Some(p) = options
        .highlight
        .and_then(|r| pts.iter().find(|p| p.row == r))
    {
        chart.draw_series(std::iter::once(Circle::new(
            (p.intensity, p.attainable),
            radius(p.time_s) + 4,
            pal.highlight.stroke_width(2),
        )))?;
    }

    let panel = PixelRect::from_ranges(chart.plotting_area().get_pixel_range());
    let targets = pts
        .iter()
        .map(|p| {
            let (x, y) = chart.backend_coord(&(p.intensity, p.attainable));
            let row = &analysis.rows[p.row];
            HitTarget {
                row: Some(p.row),
                rows: p.row..p.row + 1,
                shape: HitShape::Point {
                    x,
                    y,
                    radius: radius(p.time_s),
                },
                label: format!("#{} {} · {}", row.index, row.path, row.class),
                detail: format!(
                    "{} FLOP/B, attainable {} (roofline {})\nestimated {} at {}, {}",
                    si(p.intensity),
                    si_unit(p.attainable, "FLOP/s"),
                    si_unit(p.roofline_s, "s"),
                    si_unit(p.time_s, "s"),
                    si_unit(p.achieved, "FLOP/s"),
                    p.bound.describe()
                ),
            }
        })
        .collect::<Vec<_>>();
    let targets = [targets, ghost_targets(&chart, &ghosts, base, radius)].concat();
    Ok(ChartLayout {
        width: frame.width,
        height: frame.height,
        panels: vec![panel],
        targets,
    })
}

/// The baseline's points, for tooltips only (they select nothing: they are no rows of this network).
fn ghost_targets<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, Cartesian2d<LogCoord<f64>, LogCoord<f64>>>,
    ghosts: &[RoofPoint],
    base: Option<&Analysis>,
    radius: impl Fn(f64) -> i32,
) -> Vec<HitTarget> {
    let Some(base) = base else {
        return Vec::new();
    };
    ghosts
        .iter()
        .map(|p| {
            let (x, y) = chart.backend_coord(&(p.intensity, p.attainable));
            let row = &base.rows[p.row];
            HitTarget {
                row: None,
                rows: p.row..p.row + 1,
                shape: HitShape::Point {
                    x,
                    y,
                    radius: radius(p.time_s),
                },
                label: format!("baseline A: #{} {} · {}", row.index, row.key(), row.class),
                detail: format!(
                    "{} FLOP/B, attainable {}\nestimated {}",
                    si(p.intensity),
                    si_unit(p.attainable, "FLOP/s"),
                    si_unit(p.time_s, "s")
                ),
            }
        })
        .collect()
}

/// How many layers are memory-bound and what share of the time they take.
fn finding(pts: &[RoofPoint], compact: bool) -> String {
    let total: f64 = pts.iter().map(|p| p.time_s).sum();
    let memory: Vec<&RoofPoint> = pts.iter().filter(|p| p.bound == Bound::Memory).collect();
    let mem_time: f64 = memory.iter().map(|p| p.time_s).sum();
    if pts.is_empty() || total <= 0.0 {
        return "no layer does arithmetic".into();
    }
    let share = percent(mem_time / total);
    if compact {
        format!(
            "{} of {} layers memory-bound: {share} of time",
            memory.len(),
            pts.len()
        )
    } else {
        format!(
            "{} of {} layers are memory-bound and take {share} of the estimated time (marker area ∝ time)",
            memory.len(),
            pts.len()
        )
    }
}
