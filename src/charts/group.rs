//! Groups analysis rows into bars: one per layer, per block (module path prefix) or per stage (output grid size).

use std::ops::Range;

use crate::charts::metric::Metric;
use crate::core::analysis::{Analysis, Row, Stats};
use crate::core::cost::OpKind;
use crate::core::shape::Shape;

/// How the compute chart groups rows into bars.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Grouping {
    /// One bar per row (leaf layer call), in forward order.
    #[default]
    Layer,
    /// One bar per run of rows sharing the first `depth` components of their module path (`layer1.0` at depth 2).
    Block { depth: usize },
    /// One bar per run of rows with the same output grid `H×W` (flat outputs form one stage).
    Stage,
}

impl Grouping {
    /// Blocks at path depth 2, torchvision's `layer1.0` and `features.3`.
    pub const BLOCK: Grouping = Grouping::Block { depth: 2 };

    /// Stable name: `layer`, `block`, `stage`.
    pub fn key(self) -> &'static str {
        match self {
            Grouping::Layer => "layer",
            Grouping::Block { .. } => "block",
            Grouping::Stage => "stage",
        }
    }

    /// Parses a [`Grouping::key`]; blocks at depth 2.
    pub fn from_key(s: &str) -> Option<Grouping> {
        match s.to_ascii_lowercase().as_str() {
            "layer" => Some(Grouping::Layer),
            "block" => Some(Grouping::BLOCK),
            "stage" | "grid" => Some(Grouping::Stage),
            _ => None,
        }
    }

    /// What one bar is, for axis descriptions.
    pub fn noun(self) -> &'static str {
        match self {
            Grouping::Layer => "layer",
            Grouping::Block { .. } => "block",
            Grouping::Stage => "stage",
        }
    }
}

/// One bar: consecutive rows and their metric, split by op kind.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub label: String,
    pub rows: Range<usize>,
    /// Metric per kind, in [`OpKind::ALL`] order.
    pub by_kind: [f64; 9],
    /// Some row in the group has a diagnostic.
    pub failed: bool,
}

impl Group {
    /// The bar's height.
    pub fn total(&self) -> f64 {
        self.by_kind.iter().sum()
    }
}

/// The bars of `analysis` under `grouping`, with `metric` per kind.
pub fn groups(analysis: &Analysis, grouping: Grouping, metric: Metric) -> Vec<Group> {
    groups_of(analysis, grouping, &|_, s| metric.value(s))
}

/// [`groups`] with each row's value given by `value` (the row's index and counts): measured times come from
/// outside the analysis.
pub fn groups_of(
    analysis: &Analysis,
    grouping: Grouping,
    value: &dyn Fn(usize, &Stats) -> f64,
) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    let mut last_key: Option<String> = None;
    for row in &analysis.rows {
        let key = match grouping {
            Grouping::Layer => None,
            Grouping::Block { depth } => Some(block_key(&row.path, depth)),
            // Rows that were not computed have no grid: they join the stage they follow.
            Grouping::Stage => row
                .stats
                .map(|s| stage_key(&s.output))
                .or_else(|| last_key.clone()),
        };
        let same = key.is_some() && key == last_key;
        match out.last_mut() {
            Some(g) if same => g.rows.end = row.index + 1,
            _ => out.push(Group {
                label: key.clone().unwrap_or_else(|| row.path.clone()),
                rows: row.index..row.index + 1,
                by_kind: [0.0; 9],
                failed: false,
            }),
        }
        if let Some(g) = out.last_mut() {
            add(g, row, value);
        }
        last_key = key;
    }
    out
}

fn add(g: &mut Group, row: &Row, value: &dyn Fn(usize, &Stats) -> f64) {
    g.failed |= row.diagnostic.is_some();
    if let Some(s) = &row.stats {
        let i = OpKind::ALL.iter().position(|k| *k == s.kind).unwrap_or(8);
        g.by_kind[i] += value(row.index, s);
    }
}

/// The first `depth` components of a module path, functional suffixes (`:add`) dropped.
pub fn block_key(path: &str, depth: usize) -> String {
    let path = path.split(':').next().unwrap_or(path);
    let end = path
        .match_indices('.')
        .nth(depth.max(1) - 1)
        .map_or(path.len(), |(i, _)| i);
    path[..end].to_string()
}

/// `56×56` for a map, `flat` for a vector.
pub fn stage_key(shape: &Shape) -> String {
    match *shape {
        Shape::Map { h, w, .. } => format!("{h}×{w}"),
        Shape::Flat { .. } => "flat".to_string(),
    }
}

/// Running share of the total after each bar (0..=1); all zeros when the total is zero.
pub fn cumulative_share(values: &[f64]) -> Vec<f64> {
    let total: f64 = values.iter().sum();
    let mut acc = 0.0;
    values
        .iter()
        .map(|v| {
            acc += v;
            if total > 0.0 {
                acc / total
            } else {
                0.0
            }
        })
        .collect()
}

/// How many leading bars it takes to reach `fraction` of the total (`None` for an all-zero metric).
pub fn bars_to_reach(shares: &[f64], fraction: f64) -> Option<usize> {
    shares
        .iter()
        .position(|s| *s >= fraction - 1e-12)
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analysis::{analyse, Options};
    use crate::core::presets;

    fn resnet50() -> Analysis {
        let arch = presets::find("resnet50")
            .and_then(|p| p.architecture().ok())
            .unwrap_or_else(|| unreachable!("resnet50 preset parses"));
        analyse(&arch, &Options::default())
    }

    #[test]
    fn block_keys_cut_the_path() {
        assert_eq!(block_key("layer1.0.conv1", 2), "layer1.0");
        assert_eq!(block_key("layer1.0:add", 2), "layer1.0");
        assert_eq!(block_key("conv1", 2), "conv1");
        assert_eq!(block_key("features.3.conv.0.0", 1), "features");
    }

    #[test]
    fn groupings_keep_every_mac() {
        let a = resnet50();
        for g in [Grouping::Layer, Grouping::BLOCK, Grouping::Stage] {
            let bars = groups(&a, g, Metric::Macs);
            let sum: f64 = bars.iter().map(Group::total).sum();
            assert_eq!(sum, a.totals.macs as f64, "{g:?}");
            assert_eq!(bars.last().map(|b| b.rows.end), Some(a.rows.len()));
        }
        assert_eq!(
            groups(&a, Grouping::Layer, Metric::Macs).len(),
            a.rows.len()
        );
        // conv1 bn1 relu maxpool, 16 bottlenecks, avgpool flatten fc.
        assert_eq!(groups(&a, Grouping::BLOCK, Metric::Macs).len(), 23);
        let stages: Vec<String> = groups(&a, Grouping::Stage, Metric::Macs)
            .into_iter()
            .map(|g| g.label)
            .collect();
        assert_eq!(
            stages,
            ["112×112", "56×56", "28×28", "14×14", "7×7", "1×1", "flat"]
        );
    }

    #[test]
    fn shares_accumulate() {
        let s = cumulative_share(&[1.0, 1.0, 2.0]);
        assert_eq!(s, [0.25, 0.5, 1.0]);
        assert_eq!(bars_to_reach(&s, 0.5), Some(2));
        assert_eq!(bars_to_reach(&cumulative_share(&[0.0]), 0.5), None);
    }
}
