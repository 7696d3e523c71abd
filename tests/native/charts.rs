//! Charts drawn to SVG for several presets, checked against the analysis they draw; example SVGs go to
//! `test-artifacts/charts/` for looking at, and one test prints native draw timings (no thresholds).

use std::collections::BTreeMap;
use std::time::Instant;

use convscope::charts::tradeoff_chart::stage_bars;
use convscope::charts::{
    self, AllOptions, ChartKind, ChartLayout, Grouping, HitShape, Metric, PixelRect, Theme,
};
use convscope::core::analysis::{analyse, Analysis, Options};
use convscope::core::presets;
use convscope::core::whatif::{self, ChannelRule, Comparison};

const PRESETS: [&str; 6] = [
    "resnet50",
    "mobilenet_v2",
    "vgg16",
    "simple_cnn",
    "efficientnet_b0",
    "fastai_resnet18",
];
const SIZE: (u32, u32) = (960, 540);

fn analysed(key: &str) -> (convscope::core::arch::Architecture, Analysis) {
    let p = presets::find(key).unwrap_or_else(|| panic!("preset {key}"));
    let arch = p.architecture().unwrap_or_else(|e| panic!("{key}: {e}"));
    let options = Options {
        batch: p.batch,
        ..Options::default()
    };
    let a = analyse(&arch, &options);
    (arch, a)
}

fn draw(kind: ChartKind, a: &Analysis, all: &AllOptions<'_>) -> (String, ChartLayout) {
    charts::svg(kind, a, all, SIZE).unwrap_or_else(|e| panic!("{kind:?}: {e}"))
}

fn save(name: &str, svg: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts/charts");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{name}.svg")), svg);
}

/// `<rect>` elements as (x, y, width, height).
fn rects(svg: &str) -> Vec<(i32, i32, i32, i32)> {
    svg.split("<rect")
        .skip(1)
        .filter_map(|tag| {
            let tag = &tag[..tag.find("/>")?];
            let num = |name: &str| -> Option<i32> {
                let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
                let end = at + tag[at..].find('"')?;
                tag[at..end].parse().ok()
            };
            Some((num("x")?, num("y")?, num("width")?, num("height")?))
        })
        .collect()
}

/// The points of every `<polyline>`.
fn polylines(svg: &str) -> Vec<Vec<(i32, i32)>> {
    svg.split("<polyline")
        .skip(1)
        .filter_map(|tag| {
            let at = tag.find("points=\"")? + 8;
            let end = at + tag[at..].find('"')?;
            Some(
                tag[at..end]
                    .split_whitespace()
                    .filter_map(|p| {
                        let (x, y) = p.split_once(',')?;
                        Some((x.parse().ok()?, y.parse().ok()?))
                    })
                    .collect(),
            )
        })
        .collect()
}

fn bar_mark(shape: &HitShape) -> PixelRect {
    match shape {
        HitShape::Bar { mark, .. } => *mark,
        HitShape::Point { .. } => panic!("a bar chart returns bars"),
    }
}

fn point_at(shape: &HitShape) -> (i32, i32) {
    match shape {
        HitShape::Point { x, y, .. } => (*x, *y),
        HitShape::Bar { .. } => panic!("a point chart returns points"),
    }
}

#[test]
fn compute_chart_draws_one_bar_per_layer_with_heights_proportional_to_the_metric() {
    for key in PRESETS {
        let (_, a) = analysed(key);
        for metric in [Metric::Macs, Metric::Time, Metric::Params] {
            let mut all = AllOptions::default();
            all.compute.metric = metric;
            let (svg, layout) = draw(ChartKind::Compute, &a, &all);
            if metric == Metric::Macs {
                save(&format!("{key}-compute"), &svg);
            }
            assert_eq!(layout.targets.len(), a.rows.len(), "{key}");
            let values: Vec<f64> = a
                .rows
                .iter()
                .map(|r| r.stats.map_or(0.0, |s| metric.value(&s)))
                .collect();
            let max = values.iter().copied().fold(0.0, f64::max);
            let panel = layout.panels[0];
            // The y axis runs from 0 to 105% of the tallest bar over the panel's pixel rows.
            let px_per_unit = (panel.height() - 1) as f64 / (max * 1.05);
            let drawn = rects(&svg);
            for (t, v) in layout.targets.iter().zip(&values) {
                let mark = bar_mark(&t.shape);
                let expected = v * px_per_unit;
                assert!(
                    (mark.height() as f64 - expected).abs() <= 1.0,
                    "{key} {metric:?} {}: {} px for {v}, expected {expected:.1}",
                    t.label,
                    mark.height()
                );
                if mark.height() > 0 {
                    assert!(
                        drawn.iter().any(|&(x, y, w, h)| (x - mark.x0).abs() <= 1
                            && (y - mark.y0).abs() <= 1
                            && (w - mark.width()).abs() <= 1
                            && (h - mark.height()).abs() <= 1),
                        "{key}: no <rect> drawn for {}",
                        t.label
                    );
                }
            }
        }
    }
}

#[test]
fn compute_chart_blocks_and_stages_sum_the_same_work() {
    for key in PRESETS {
        let (_, a) = analysed(key);
        for grouping in [Grouping::BLOCK, Grouping::Stage] {
            let mut all = AllOptions::default();
            all.compute.grouping = grouping;
            let (svg, layout) = draw(ChartKind::Compute, &a, &all);
            save(&format!("{key}-compute-{}", grouping.key()), &svg);
            // The bars cover every row once, in order.
            let mut next = 0;
            for t in &layout.targets {
                assert_eq!(t.rows.start, next, "{key} {grouping:?}");
                next = t.rows.end;
            }
            assert_eq!(next, a.rows.len());
            let heights: i32 = layout
                .targets
                .iter()
                .map(|t| bar_mark(&t.shape).height())
                .sum();
            let max = charts::group::groups(&a, grouping, Metric::Macs)
                .iter()
                .map(|g| g.total())
                .fold(0.0, f64::max);
            let expected =
                a.totals.macs as f64 / (max * 1.05) * (layout.panels[0].height() - 1) as f64;
            // Each bar rounds to a pixel.
            let slack = layout.targets.len() as f64;
            assert!(
                (heights as f64 - expected).abs() <= slack,
                "{key} {grouping:?}: {heights} px of bars for {expected:.0}"
            );
        }
    }
}

#[test]
fn rf_line_ends_at_the_analysed_size_and_marks_where_it_covers_the_input() {
    for key in PRESETS {
        let (_, a) = analysed(key);
        for log in [false, true] {
            let mut all = AllOptions::default();
            all.rf.log = log;
            let (svg, layout) = draw(ChartKind::ReceptiveField, &a, &all);
            if log {
                save(&format!("{key}-rf-log"), &svg);
            } else {
                save(&format!("{key}-rf"), &svg);
            }
            let computed: Vec<_> = a.rows.iter().filter(|r| r.stats.is_some()).collect();
            assert_eq!(layout.targets.len(), computed.len(), "{key}");
            let last = layout.targets.last().map(|t| point_at(&t.shape));
            // The size line is the polyline with one point per computed row of the main path (side paths are
            // points beside it), ending on the last point.
            let main = computed.iter().filter(|r| !r.side).count();
            let size_line = polylines(&svg).into_iter().rfind(|l| l.len() == main);
            assert_eq!(size_line.and_then(|l| l.last().copied()), last, "{key}");
            let final_size = a.final_stats().map(|s| s.rf.h.size).unwrap_or(0.0);
            let last_row = layout.targets.last().and_then(|t| t.row);
            assert_eq!(last_row, computed.last().map(|r| r.index));
            assert!(layout
                .targets
                .last()
                .is_some_and(|t| t.detail.contains(&format!("{final_size:.0}×"))));
            match charts::rf_chart::first_covering(&a) {
                Some(i) => assert!(svg.contains(&format!("covers the input at #{i}")), "{key}"),
                None => assert!(!svg.contains("covers the input"), "{key}"),
            }
            // Larger fields sit higher: y pixels fall as sizes grow.
            let pts = charts::rf_chart::points(&a);
            for (p, q) in pts.iter().zip(pts.iter().skip(1)) {
                let (tp, tq) = (
                    point_at(&layout.targets[pts.iter().position(|x| x == p).unwrap_or(0)].shape),
                    point_at(&layout.targets[pts.iter().position(|x| x == q).unwrap_or(0)].shape),
                );
                if q.size > p.size * 1.02 + 1.0 {
                    assert!(tq.1 < tp.1, "{key}: {} → {}", p.size, q.size);
                }
            }
        }
    }
}

#[test]
fn roofline_points_sit_at_their_intensities_on_the_roof() {
    for key in PRESETS {
        let (_, a) = analysed(key);
        let (svg, layout) = draw(ChartKind::Roofline, &a, &AllOptions::default());
        save(&format!("{key}-roofline"), &svg);
        let pts = charts::roofline_chart::points(&a);
        assert_eq!(layout.targets.len(), pts.len(), "{key}");
        for p in &pts {
            let s = a.rows[p.row]
                .stats
                .unwrap_or_else(|| panic!("row has stats"));
            let same = (p.intensity - s.intensity).abs() <= 1e-9 * s.intensity.max(1.0);
            assert!(
                same,
                "{key} row {}: {} vs {}",
                p.row, p.intensity, s.intensity
            );
        }
        // x is linear in log(intensity): fit it from the two extreme points, then check every point.
        let xy: Vec<(i32, i32)> = layout.targets.iter().map(|t| point_at(&t.shape)).collect();
        let (lo, hi) = (
            (0..pts.len()).min_by(|&i, &j| pts[i].intensity.total_cmp(&pts[j].intensity)),
            (0..pts.len()).max_by(|&i, &j| pts[i].intensity.total_cmp(&pts[j].intensity)),
        );
        let (Some(lo), Some(hi)) = (lo, hi) else {
            continue;
        };
        let span = (pts[hi].intensity / pts[lo].intensity).ln();
        if span < 0.5 {
            continue;
        }
        let scale = (xy[hi].0 - xy[lo].0) as f64 / span;
        for (p, (x, _)) in pts.iter().zip(&xy) {
            let expected = xy[lo].0 as f64 + scale * (p.intensity / pts[lo].intensity).ln();
            assert!(
                (*x as f64 - expected).abs() <= 1.5,
                "{key} row {}: x {x} vs {expected:.1}",
                p.row
            );
        }
        // Compute-bound points all sit on the flat roof.
        let roof: Vec<i32> = pts
            .iter()
            .zip(&xy)
            .filter(|(p, _)| p.intensity >= a.options.device.ridge(a.options.dtype))
            .map(|(_, (_, y))| *y)
            .collect();
        assert!(roof.windows(2).all(|w| w[0] == w[1]), "{key}: {roof:?}");
    }
}

#[test]
fn tradeoff_what_if_bars_match_the_transformed_networks() {
    for key in PRESETS {
        let (arch, a) = analysed(key);
        let cmp: Comparison = whatif::compare(&arch, &a.options);
        let mut all = AllOptions::default();
        all.tradeoff.whatif = Some(&cmp);
        let (svg, layout) = draw(ChartKind::Tradeoff, &a, &all);
        save(&format!("{key}-tradeoff"), &svg);
        let stages = stage_bars(&a, Some(&cmp), Metric::Macs);
        let per_grid = |x: &Analysis| {
            let mut m: BTreeMap<String, f64> = BTreeMap::new();
            for g in charts::group::groups(x, Grouping::Stage, Metric::Macs) {
                *m.entry(g.label.clone()).or_default() += g.total();
            }
            m
        };
        let (keep, double) = (per_grid(&cmp.keep), per_grid(&cmp.double));
        for s in &stages {
            assert_eq!(s.keep, keep.get(&s.label).copied(), "{key} {}", s.label);
            assert_eq!(s.double, double.get(&s.label).copied(), "{key} {}", s.label);
        }
        // Per stage three bars, plus one point per layer with MACs on a map.
        let points = charts::tradeoff_chart::plane_points(&a, Metric::Macs).len();
        assert_eq!(layout.targets.len(), points + 3 * stages.len(), "{key}");
        assert_eq!(
            layout.targets.iter().filter(|t| t.row.is_none()).count(),
            2 * stages.len()
        );
    }
}

#[test]
fn what_if_doubles_or_keeps_channels_at_each_stride_two_layer() {
    let (arch, _) = analysed("resnet18");
    let widest = |rule| {
        let a = analyse(&whatif::transform(&arch, rule), &Options::default());
        let mut m: BTreeMap<u64, u64> = BTreeMap::new();
        for s in a.rows.iter().filter_map(|r| r.stats) {
            if let convscope::core::shape::Shape::Map { c, h, .. } = s.output {
                let e = m.entry(h).or_default();
                *e = (*e).max(c);
            }
        }
        m
    };
    let keep = widest(ChannelRule::Keep);
    let double = widest(ChannelRule::Double);
    assert!(keep.range(2..=56).all(|(_, c)| *c == 64), "{keep:?}");
    assert_eq!(double.get(&56), Some(&128));
    assert_eq!(double.get(&28), Some(&256));
    assert_eq!(double.get(&14), Some(&512));
    assert_eq!(double.get(&7), Some(&1024));
}

#[test]
fn every_chart_draws_for_every_preset_theme_and_size_and_hits_its_own_marks() {
    for p in presets::all() {
        let (arch, a) = analysed(p.key);
        let cmp = whatif::compare(&arch, &a.options);
        for (theme, size) in [(Theme::Light, (960, 540)), (Theme::Dark, (380, 520))] {
            let mut all = AllOptions::default();
            all.set_common(theme, Some(a.rows.len() / 2));
            all.tradeoff.whatif = Some(&cmp);
            for kind in ChartKind::ALL {
                let (svg, layout) = charts::svg(kind, &a, &all, size)
                    .unwrap_or_else(|e| panic!("{} {kind:?}: {e}", p.key));
                assert!(svg.starts_with("<svg"), "{} {kind:?}", p.key);
                if theme == Theme::Dark && p.key == "resnet50" {
                    save(&format!("{}-{}-phone-dark", p.key, kind.key()), &svg);
                }
                for t in &layout.targets {
                    let (x, y) = match t.shape {
                        HitShape::Point { x, y, .. } => (x, y),
                        HitShape::Bar { zone, .. } => ((zone.x0 + zone.x1) / 2, zone.y1 - 1),
                    };
                    let hit = layout
                        .hit(x, y)
                        .unwrap_or_else(|| panic!("{} {kind:?}: nothing under {}", p.key, t.label));
                    // Overlapping points may answer with a neighbour at the same spot.
                    let same_spot = match (hit.shape, t.shape) {
                        (
                            HitShape::Point { x: a, y: b, .. },
                            HitShape::Point { x: c, y: d, .. },
                        ) => a == c && b == d,
                        // Bars under a pixel wide (350 layers on a phone) share their column.
                        (HitShape::Bar { zone: a, .. }, HitShape::Bar { zone: b, .. }) => {
                            hit == t || (a.x0 < b.x1 && b.x0 < a.x1)
                        }
                        _ => false,
                    };
                    assert!(
                        same_spot,
                        "{} {kind:?}: {} answered for {}",
                        p.key, hit.label, t.label
                    );
                }
            }
        }
    }
}

#[test]
fn svg_text_needs_no_font_files() {
    let (_, a) = analysed("simple_cnn");
    let (svg, _) = draw(ChartKind::Compute, &a, &AllOptions::default());
    assert!(svg.contains("<text"));
    assert!(svg.contains("MACs by layer"));
    assert!(svg.contains("font-family=\"sans-serif\""));
}

/// Prints how long each chart takes to draw natively (SVG) for the largest presets; no thresholds.
#[test]
fn draw_timings() {
    for key in ["resnet50", "resnet152", "efficientnet_b0"] {
        let (arch, a) = analysed(key);
        let cmp = whatif::compare(&arch, &a.options);
        let mut all = AllOptions::default();
        all.tradeoff.whatif = Some(&cmp);
        let mut line = format!("{key:>16} ({} rows):", a.rows.len());
        let mut total = 0.0;
        for kind in ChartKind::ALL {
            let runs = 5;
            let t = Instant::now();
            for _ in 0..runs {
                let _ = charts::svg(kind, &a, &all, SIZE);
            }
            let ms = t.elapsed().as_secs_f64() * 1e3 / runs as f64;
            total += ms;
            line.push_str(&format!(" {} {ms:.2} ms,", kind.key()));
        }
        let t = Instant::now();
        let _ = whatif::compare(&arch, &a.options);
        println!(
            "{line} all four {total:.2} ms; what-if analyses {:.2} ms",
            t.elapsed().as_secs_f64() * 1e3
        );
    }
}

#[test]
fn a_baseline_is_drawn_beside_the_network_in_every_chart() {
    // resnet34 against resnet18 (torchvision: 3.66 and 1.81 GFLOPS): per stage, each of the baseline's bars is an
    // outline at its stage, and its tooltip gives the baseline's value.
    let (_, b) = analysed("resnet34");
    let (_, a) = analysed("resnet18");
    let mut all = AllOptions::default();
    all.compute.grouping = convscope::charts::Grouping::Stage;
    let (plain, _) = draw(ChartKind::Compute, &b, &all);
    all.base = Some(&a);
    for kind in ChartKind::ALL {
        let (svg, layout) = draw(kind, &b, &all);
        save(&format!("resnet34-vs-resnet18-{}", kind.key()), &svg);
        assert!(
            svg.contains("baseline A"),
            "{kind:?}: legend names the baseline"
        );
        if kind == ChartKind::Compute {
            assert!(rects(&svg).len() > rects(&plain).len(), "outlines added");
            for t in &layout.targets {
                assert!(t.detail.contains("baseline A's stage"), "{}", t.detail);
            }
        }
    }
}
