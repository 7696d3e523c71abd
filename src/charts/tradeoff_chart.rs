//! Channel/grid trade-off: each layer at (channels, grid cells H×W) with its MACs (or time) as marker area,
//! joined in forward order; beside it the what-if, compute per stage as built, with channels kept constant at every
//! stride-2 layer, and with channels doubled (fastbook chapter 13's argument).

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::charts::axis::{decades, si, si_unit, Frame};
use crate::charts::group::{groups, Group, Grouping};
use crate::charts::hit::{ChartLayout, HitShape, HitTarget, PixelRect};
use crate::charts::legend::{font, header, Item, Mark};
use crate::charts::marks;
use crate::charts::metric::Metric;
use crate::charts::palette::{Palette, Theme};
use crate::charts::ChartError;
use crate::core::analysis::Analysis;
use crate::core::cost::OpKind;
use crate::core::shape::Shape;
use crate::core::whatif::{ChannelRule, Comparison};

/// What the trade-off chart shows.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct TradeoffOptions<'a> {
    /// The marker area and the what-if bars: MACs (default) or time (other metrics work too).
    pub metric: Metric,
    pub theme: Theme,
    pub highlight: Option<usize>,
    /// The network's two what-if variants, from `core::whatif::compare`; without it only "as built" is drawn.
    pub whatif: Option<&'a Comparison>,
    /// A pinned baseline: its layers and forward path drawn as outlines in the plane.
    pub base: Option<&'a Analysis>,
}

/// One layer in the channels/grid plane.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanePoint {
    pub row: usize,
    pub kind: OpKind,
    pub channels: u64,
    /// Output grid cells `H×W`.
    pub cells: u64,
    pub value: f64,
}

/// The layers that do work under `metric` and output a feature map.
pub fn plane_points(analysis: &Analysis, metric: Metric) -> Vec<PlanePoint> {
    analysis
        .rows
        .iter()
        .filter_map(|r| {
            let s = r.stats?;
            let Shape::Map { c, h, w } = s.output else {
                return None;
            };
            let value = metric.value(&s);
            (value > 0.0).then_some(PlanePoint {
                row: r.index,
                kind: s.kind,
                channels: c,
                cells: h * w,
                value,
            })
        })
        .collect()
}

/// One stage of the what-if panel: the metric as built and in the two variants.
#[derive(Clone, Debug, PartialEq)]
pub struct StageBars {
    pub label: String,
    /// The as-built rows of the stage.
    pub rows: std::ops::Range<usize>,
    pub built: f64,
    pub keep: Option<f64>,
    pub double: Option<f64>,
}

/// Per-stage totals, stages in the as-built order, variants matched by grid size.
pub fn stage_bars(
    analysis: &Analysis,
    whatif: Option<&Comparison>,
    metric: Metric,
) -> Vec<StageBars> {
    let built = groups(analysis, Grouping::Stage, metric);
    let variant = |a: &Analysis| groups(a, Grouping::Stage, metric);
    let keep = whatif.map(|c| variant(&c.keep));
    let double = whatif.map(|c| variant(&c.double));
    let sum_of = |gs: &Option<Vec<Group>>, label: &str| {
        gs.as_ref().map(|gs| {
            gs.iter()
                .filter(|g| g.label == label)
                .map(Group::total)
                .sum::<f64>()
        })
    };
    let mut out: Vec<StageBars> = Vec::new();
    for g in &built {
        // A grid visited twice (a decoder) is one stage here, like in the variants.
        if let Some(s) = out.iter_mut().find(|s| s.label == g.label) {
            s.built += g.total();
            continue;
        }
        out.push(StageBars {
            label: g.label.clone(),
            rows: g.rows.clone(),
            built: g.total(),
            keep: sum_of(&keep, &g.label),
            double: sum_of(&double, &g.label),
        });
    }
    out
}

/// Draws both panels on `root` and returns where each point and bar is.
pub fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    analysis: &Analysis,
    options: &TradeoffOptions<'_>,
) -> Result<ChartLayout, ChartError> {
    let frame = Frame::new(root.dim_in_pixel());
    let pal = options.theme.palette();
    root.fill(&pal.background)?;
    let pts = plane_points(analysis, options.metric);
    let ghosts = options
        .base
        .map_or_else(Vec::new, |b| plane_points(b, options.metric));
    let stages = stage_bars(analysis, options.whatif, options.metric);
    // Phones get a short title: the long one needs about 380 px.
    let title = if frame.width < 380 {
        "Channels vs grid, with the what-if"
    } else {
        "Channels vs grid, and what doubling channels does"
    };
    let body = header(
        &root,
        &frame,
        &pal,
        title,
        &finding(&stages, options.metric, frame.compact),
        &[],
    )?;
    let (w, h) = body.dim_in_pixel();
    let (left, right) = if frame.compact {
        body.split_vertically(h * 55 / 100)
    } else {
        body.split_horizontally(w * 55 / 100)
    };
    let mut layout = ChartLayout {
        width: frame.width,
        height: frame.height,
        ..ChartLayout::default()
    };
    plane(
        &left,
        analysis,
        (&pts, &ghosts),
        options,
        &frame,
        &pal,
        &mut layout,
    )?;
    what_if(&right, &stages, options, &frame, &pal, &mut layout)?;
    Ok(layout)
}

/// Left panel: channels (x, log 2) against grid cells (y, log), marker area ∝ metric, path in forward order.
fn plane<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    analysis: &Analysis,
    (pts, ghosts): (&[PlanePoint], &[PlanePoint]),
    options: &TradeoffOptions<'_>,
    frame: &Frame,
    pal: &Palette,
    layout: &mut ChartLayout,
) -> Result<(), ChartError> {
    let mut items: Vec<Item> = OpKind::ALL
        .iter()
        .filter(|k| pts.iter().any(|p| p.kind == **k))
        .map(|k| Item::new(k.label(), pal.kind(*k), Mark::Dot))
        .collect();
    items.push(Item::new("forward path", pal.muted, Mark::Line));
    if options.base.is_some() {
        items.push(Item::new("baseline A", pal.reference, Mark::Line));
    }
    let sub = Frame {
        title: frame.font + 1.0,
        ..*frame
    };
    let heading = format!("Per layer: marker area ∝ {}", options.metric.label());
    let plot_area = header(area, &sub, pal, &heading, "", &items)?;
    let all = || pts.iter().chain(ghosts);
    let cmax = all().map(|p| p.channels).max().unwrap_or(2) as f64;
    let cmin = all().map(|p| p.channels).min().unwrap_or(1) as f64;
    let hmax = all().map(|p| p.cells).max().unwrap_or(10) as f64;
    let hmin = all().map(|p| p.cells).min().unwrap_or(1) as f64;
    let (x0, x1) = (
        2f64.powf(cmin.log2().floor() - 0.5),
        2f64.powf(cmax.log2().ceil() + 0.5),
    );
    let (y0, y1) = decades(hmin / 1.5, hmax * 1.5);
    let mut chart = ChartBuilder::on(&plot_area)
        .margin_left(frame.margin)
        .margin_right(frame.margin)
        .margin_bottom(frame.margin)
        .margin_top(4)
        .x_label_area_size((frame.font * 3.2) as u32)
        .y_label_area_size((frame.font * 4.2) as u32)
        .build_cartesian_2d((x0..x1).log_scale().base(2.0), (y0..y1).log_scale())?;
    chart
        .configure_mesh()
        .light_line_style(pal.background)
        .bold_line_style(pal.grid)
        .axis_style(pal.axis)
        .x_label_formatter(&|v| format!("{:.0}", v))
        .y_label_formatter(&|v| si(*v))
        .x_desc("output channels")
        .y_desc("grid cells H×W")
        .label_style(font(frame.font, pal.text))
        .axis_desc_style(font(frame.font, pal.muted))
        .draw()?;
    let at = |p: &PlanePoint| (p.channels as f64, p.cells as f64);
    if !ghosts.is_empty() {
        // A's forward path and its layers as outlines, under B's.
        chart.draw_series(std::iter::once(PathElement::new(
            ghosts.iter().map(at).collect::<Vec<_>>(),
            pal.reference.stroke_width(1),
        )))?;
        chart.draw_series(
            ghosts
                .iter()
                .map(|p| Circle::new(at(p), 3, pal.reference.stroke_width(1))),
        )?;
    }
    chart.draw_series(std::iter::once(PathElement::new(
        pts.iter().map(at).collect::<Vec<_>>(),
        pal.muted.mix(0.6).stroke_width(1),
    )))?;
    let vmax = pts.iter().map(|p| p.value).fold(0.0, f64::max);
    let big = if frame.compact { 10.0 } else { 16.0 };
    let radius = |v: f64| {
        if vmax > 0.0 {
            (2.0 + big * (v / vmax).sqrt()).round() as i32
        } else {
            3
        }
    };
    let mut order: Vec<&PlanePoint> = pts.iter().collect();
    order.sort_by(|a, b| b.value.total_cmp(&a.value));
    let marks = marks::stack(order.iter().map(|p| marks::Mark {
        at: at(p),
        pixel: chart.backend_coord(&at(p)),
        radius: radius(p.value),
        color: pal.kind(p.kind),
    }));
    chart.draw_series(marks.iter().map(|s| s.circle(0.55)))?;
    if let Some(p) = options
        .highlight
        .and_then(|r| pts.iter().find(|p| p.row == r))
    {
        chart.draw_series(std::iter::once(Circle::new(
            at(p),
            radius(p.value) + 3,
            pal.highlight.stroke_width(2),
        )))?;
    }
    layout.panels.push(panel_of(&chart));
    for p in pts {
        let (x, y) = chart.backend_coord(&at(p));
        let row = &analysis.rows[p.row];
        layout.targets.push(HitTarget {
            row: Some(p.row),
            rows: p.row..p.row + 1,
            shape: HitShape::Point {
                x,
                y,
                radius: radius(p.value),
            },
            label: format!("#{} {} · {}", row.index, row.path, row.class),
            detail: format!(
                "{} channels on {} cells\n{}: {}",
                p.channels,
                p.cells,
                options.metric.label(),
                si_unit(p.value, options.metric.unit())
            ),
        });
    }
    Ok(())
}

/// Right panel: per stage, three bars side by side.
fn what_if<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    stages: &[StageBars],
    options: &TradeoffOptions<'_>,
    frame: &Frame,
    pal: &Palette,
    layout: &mut ChartLayout,
) -> Result<(), ChartError> {
    let colours = series_colours(pal);
    let mut items = vec![Item::new("as built", colours[0], Mark::Box)];
    if options.whatif.is_some() {
        items.push(Item::new(ChannelRule::Keep.label(), colours[1], Mark::Box));
        items.push(Item::new(
            ChannelRule::Double.label(),
            colours[2],
            Mark::Box,
        ));
    }
    let sub = Frame {
        title: frame.font + 1.0,
        ..*frame
    };
    let heading = format!("Per stage: {}", options.metric.label());
    let plot_area = header(area, &sub, pal, &heading, "", &items)?;
    let n = stages.len().max(1);
    let ymax = stages
        .iter()
        .flat_map(|s| [Some(s.built), s.keep, s.double])
        .flatten()
        .fold(0.0, f64::max);
    let ytop = if ymax > 0.0 { ymax * 1.05 } else { 1.0 };
    let labels: Vec<String> = stages.iter().map(|s| s.label.clone()).collect();
    let mut chart = ChartBuilder::on(&plot_area)
        .margin_left(frame.margin)
        .margin_right(frame.margin)
        .margin_bottom(frame.margin)
        .margin_top(4)
        .x_label_area_size((frame.font * 3.2) as u32)
        .y_label_area_size((frame.font * 4.2) as u32)
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..ytop)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(pal.background)
        .bold_line_style(pal.grid)
        .axis_style(pal.axis)
        .x_labels(n)
        .x_label_formatter(&|v| {
            let i = v.round();
            if (v - i).abs() < 0.01 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|v| si(*v))
        .x_desc("stage (output grid)")
        .y_desc(options.metric.unit())
        .label_style(font(frame.font * 0.9, pal.text))
        .axis_desc_style(font(frame.font, pal.muted))
        .draw()?;
    let series = if options.whatif.is_some() { 3 } else { 1 };
    let width = 0.8 / series as f64;
    let bars: Vec<(usize, usize, f64)> = stages
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            [Some(s.built), s.keep, s.double]
                .into_iter()
                .take(series)
                .enumerate()
                .map(move |(k, v)| (i, k, v.unwrap_or(0.0)))
        })
        .collect();
    let span = |i: usize, k: usize| {
        let x0 = i as f64 - 0.4 + k as f64 * width;
        (x0, x0 + width * 0.92)
    };
    chart.draw_series(bars.iter().filter(|(_, _, v)| *v > 0.0).map(|&(i, k, v)| {
        let (x0, x1) = span(i, k);
        Rectangle::new([(x0, v), (x1, 0.0)], colours[k].filled())
    }))?;
    let highlighted = options
        .highlight
        .and_then(|r| stages.iter().position(|s| s.rows.contains(&r)));
    if let Some(i) = highlighted {
        let (x0, x1) = span(i, 0);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x0, stages[i].built.max(ytop * 0.004)), (x1, 0.0)],
            pal.highlight.stroke_width(2),
        )))?;
    }
    let panel = panel_of(&chart);
    layout.panels.push(panel);
    let names = [
        "as built",
        ChannelRule::Keep.label(),
        ChannelRule::Double.label(),
    ];
    for &(i, k, v) in &bars {
        let (x0, x1) = span(i, k);
        let s = &stages[i];
        let top = chart.backend_coord(&(x0, v));
        let bottom = chart.backend_coord(&(x1, 0.0));
        let ratio = if s.built > 0.0 && k > 0 {
            format!(" ({:.2}× as built)", v / s.built)
        } else {
            String::new()
        };
        layout.targets.push(HitTarget {
            row: (k == 0).then_some(s.rows.start),
            rows: if k == 0 { s.rows.clone() } else { 0..0 },
            shape: HitShape::Bar {
                mark: PixelRect::from_corners(top, bottom),
                zone: PixelRect {
                    x0: top.0,
                    y0: panel.y0,
                    x1: bottom.0.max(top.0 + 1),
                    y1: panel.y1,
                },
            },
            label: format!("stage {}: {}", s.label, names[k]),
            detail: format!(
                "{}: {}{ratio}",
                options.metric.label(),
                si_unit(v, options.metric.unit())
            ),
        });
    }
    Ok(())
}

/// As built, kept, doubled.
fn series_colours(pal: &Palette) -> [RGBColor; 3] {
    [pal.axis, pal.kinds[4], pal.kinds[2]]
}

fn panel_of<DB: DrawingBackend, X: Ranged, Y: Ranged>(
    chart: &ChartContext<'_, DB, Cartesian2d<X, Y>>,
) -> PixelRect {
    PixelRect::from_ranges(chart.plotting_area().get_pixel_range())
}

/// How compute changes from the first stage to the last, as built and in the variants.
fn finding(stages: &[StageBars], metric: Metric, compact: bool) -> String {
    let maps: Vec<&StageBars> = stages
        .iter()
        .filter(|s| s.label.contains('×') && s.label != "1×1" && s.built > 0.0)
        .collect();
    // The stem's stage holds one convolution: start after it when there are stages enough.
    let start = usize::from(maps.len() >= 3);
    let (Some(first), Some(last)) = (maps.get(start), maps.last()) else {
        return format!("no {} on feature maps", metric.label());
    };
    if first.label == last.label {
        return format!("one stage only ({})", first.label);
    }
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if a > 0.0 => format!("{:.2}×", b / a),
        _ => "–".into(),
    };
    let built = ratio(Some(first.built), Some(last.built));
    let mut text = if compact {
        format!("{} vs {}: built {built}", last.label, first.label)
    } else {
        format!(
            "{} of the {} stage relative to the {} stage: as built {built}",
            metric.label(),
            last.label,
            first.label,
        )
    };
    if first.keep.is_some() {
        let (keep, double) = (
            ratio(first.keep, last.keep),
            ratio(first.double, last.double),
        );
        text.push_str(&if compact {
            format!(", kept {keep}, doubled {double}")
        } else {
            format!(", channels kept {keep}, doubled {double}")
        });
    }
    text
}
