//! Comparing two analyses, a baseline A and an edited B: which row of A each row of B stands for (by row key, then
//! by position among the same layer types within the same stage), and the totals and stage subtotals side by side.

use crate::core::analysis::{Analysis, Row, Totals};
use crate::core::shape::Shape;

/// How a row of B found its row of A.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchedBy {
    /// The same module path and call ([`Row::key`]).
    Key,
    /// The same layer type at the same place among the unmatched rows of the same stage (a renamed or re-nested
    /// layer, or a network of another family).
    Position,
}

/// One row of B and its counterpart in A, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowMatch {
    pub b: usize,
    pub a: Option<usize>,
    pub by: Option<MatchedBy>,
}

/// The numbers compared per row, stage and network.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Figures {
    pub params: u64,
    pub macs: u64,
    pub activation_bytes: u64,
    pub traffic_bytes: u64,
    pub time_s: f64,
}

impl Figures {
    /// One row's figures (zero when it was not computed).
    pub fn of_row(row: &Row) -> Figures {
        row.stats.map_or_else(Figures::default, |s| Figures {
            params: s.params,
            macs: s.macs,
            activation_bytes: s.activation_bytes,
            traffic_bytes: s.traffic_bytes(),
            time_s: s.time_s,
        })
    }

    /// A network's totals.
    pub fn of_totals(t: &Totals) -> Figures {
        Figures {
            params: t.params,
            macs: t.macs,
            activation_bytes: t.activation_bytes,
            traffic_bytes: t.read_bytes.saturating_add(t.write_bytes),
            time_s: t.time_s,
        }
    }

    fn add(&mut self, o: &Figures) {
        self.params = self.params.saturating_add(o.params);
        self.macs = self.macs.saturating_add(o.macs);
        self.activation_bytes = self.activation_bytes.saturating_add(o.activation_bytes);
        self.traffic_bytes = self.traffic_bytes.saturating_add(o.traffic_bytes);
        self.time_s += o.time_s;
    }
}

/// A stage: a run of rows with the same output grid (flat outputs form one stage), as the charts group them.
#[derive(Clone, Debug, PartialEq)]
pub struct Stage {
    /// `56×56`, or `flat`.
    pub label: String,
    pub rows: std::ops::Range<usize>,
    pub figures: Figures,
}

/// Stage `k` of A beside stage `k` of B (by order: the first downsampling stage of each, and so on).
#[derive(Clone, Debug, PartialEq)]
pub struct StagePair {
    pub a: Option<Stage>,
    pub b: Option<Stage>,
}

/// The comparison of B against A.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// One entry per row of B, in B's order.
    pub rows: Vec<RowMatch>,
    /// Rows of A that no row of B stands for, in A's order.
    pub a_only: Vec<usize>,
    pub stages: Vec<StagePair>,
    pub a: Figures,
    pub b: Figures,
}

impl Comparison {
    /// Rows of B matched by key, by position, and not at all.
    pub fn counts(&self) -> (usize, usize, usize) {
        let by = |m: Option<MatchedBy>| self.rows.iter().filter(|r| r.by == m).count();
        (
            by(Some(MatchedBy::Key)),
            by(Some(MatchedBy::Position)),
            by(None),
        )
    }
}

/// `b / a`, `None` when `a` is zero.
pub fn ratio(a: f64, b: f64) -> Option<f64> {
    (a != 0.0).then(|| b / a)
}

/// Compares `b` against the baseline `a`.
pub fn compare(a: &Analysis, b: &Analysis) -> Comparison {
    let mut of_a: Vec<Option<(usize, MatchedBy)>> = vec![None; b.rows.len()];
    let mut taken = vec![false; a.rows.len()];
    let (sa, sb) = (stages(a), stages(b));
    let (stage_a, stage_b) = (stage_of(&sa, a.rows.len()), stage_of(&sb, b.rows.len()));
    // Keys first, when the layer type and the stage agree too: an unnamed layer inserted into a sequence renumbers
    // the ones after it, and a path that now names another kind of layer is not the same layer.
    let by_key: std::collections::HashMap<String, usize> =
        a.rows.iter().map(|r| (r.key(), r.index)).collect();
    for (i, row) in b.rows.iter().enumerate() {
        if let Some(&j) = by_key.get(&row.key()) {
            if a.rows[j].class == row.class && stage_a[j] == stage_b[i] {
                of_a[i] = Some((j, MatchedBy::Key));
                taken[j] = true;
            }
        }
    }
    // Then position within a stage: the longest common subsequence of layer types among the rows left.
    for (ra, rb) in sa.iter().zip(&sb) {
        let left_a: Vec<usize> = ra.rows.clone().filter(|&j| !taken[j]).collect();
        let left_b: Vec<usize> = rb.rows.clone().filter(|&i| of_a[i].is_none()).collect();
        for (j, i) in
            common_subsequence(&left_a, &left_b, |j, i| a.rows[j].class == b.rows[i].class)
        {
            of_a[i] = Some((j, MatchedBy::Position));
            taken[j] = true;
        }
    }
    let n = sa.len().max(sb.len());
    Comparison {
        rows: of_a
            .iter()
            .enumerate()
            .map(|(i, m)| RowMatch {
                b: i,
                a: m.map(|(j, _)| j),
                by: m.map(|(_, by)| by),
            })
            .collect(),
        a_only: (0..a.rows.len()).filter(|&j| !taken[j]).collect(),
        stages: (0..n)
            .map(|k| StagePair {
                a: sa.get(k).cloned(),
                b: sb.get(k).cloned(),
            })
            .collect(),
        a: Figures::of_totals(&a.totals),
        b: Figures::of_totals(&b.totals),
    }
}

/// The stages of an analysis; rows that were not computed join the stage they follow.
pub fn stages(a: &Analysis) -> Vec<Stage> {
    let mut out: Vec<Stage> = Vec::new();
    // The grid of the current stage; labels are written once per stage, not per row (this runs on every slider
    // step while a baseline is pinned).
    let mut last: Option<Grid> = None;
    for row in &a.rows {
        let grid = row.stats.map(|s| Grid::of(&s.output)).or(last);
        let fig = Figures::of_row(row);
        match out.last_mut() {
            Some(s) if grid.is_some() && grid == last => {
                s.rows.end = row.index + 1;
                s.figures.add(&fig);
            }
            _ => out.push(Stage {
                label: grid.map_or_else(|| "—".into(), Grid::label),
                rows: row.index..row.index + 1,
                figures: fig,
            }),
        }
        last = grid;
    }
    out
}

/// An output grid: `H×W` of a map, or flat.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Grid {
    Map(u64, u64),
    Flat,
}

impl Grid {
    fn of(s: &Shape) -> Grid {
        match s {
            Shape::Map { h, w, .. } => Grid::Map(*h, *w),
            Shape::Flat { .. } => Grid::Flat,
        }
    }

    /// `56×56`, or `flat`.
    fn label(self) -> String {
        match self {
            Grid::Map(h, w) => format!("{h}×{w}"),
            Grid::Flat => "flat".into(),
        }
    }
}

/// The stage ordinal of every row.
fn stage_of(stages: &[Stage], rows: usize) -> Vec<usize> {
    let mut out = vec![0; rows];
    for (k, s) in stages.iter().enumerate() {
        for i in s.rows.clone() {
            if let Some(slot) = out.get_mut(i) {
                *slot = k;
            }
        }
    }
    out
}

/// Pairs `(x, y)` of a longest common subsequence of `xs` and `ys` under `same`, in order. Quadratic, but only
/// over the rows left unmatched by key within one stage.
fn common_subsequence(
    xs: &[usize],
    ys: &[usize],
    same: impl Fn(usize, usize) -> bool,
) -> Vec<(usize, usize)> {
    // Stages of very different networks can be long; past this the rows stay unmatched rather than cost time.
    const MAX_CELLS: usize = 1 << 20;
    if xs.is_empty() || ys.is_empty() || xs.len() * ys.len() > MAX_CELLS {
        return Vec::new();
    }
    let (n, m) = (xs.len(), ys.len());
    let mut len = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            len[at(i, j)] = if same(xs[i], ys[j]) {
                len[at(i + 1, j + 1)] + 1
            } else {
                len[at(i + 1, j)].max(len[at(i, j + 1)])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if same(xs[i], ys[j]) {
            out.push((xs[i], ys[j]));
            i += 1;
            j += 1;
        } else if len[at(i + 1, j)] >= len[at(i, j + 1)] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analysis::{analyse, Options};
    use crate::core::format;

    fn analysis(spec: &str) -> Analysis {
        analyse(&format::parse(spec).expect("parses"), &Options::default())
    }

    #[test]
    fn same_paths_match_by_key_and_extra_rows_are_listed() {
        let a = analysis("v1/3x32x32/conv(16,3,p1)/relu/maxpool(2)/conv(32,3,p1)/relu");
        let b = analysis("v1/3x32x32/conv(16,3,p1)/relu/maxpool(2)/conv(64,3,p1)");
        let c = compare(&a, &b);
        assert_eq!(c.counts(), (4, 0, 0));
        assert_eq!(c.a_only, [4]);
        assert_eq!(c.rows[3].a, Some(3));
        assert_eq!(c.stages.len(), 2);
    }

    #[test]
    fn renamed_layers_match_by_position_within_their_stage() {
        let a = analysis("v1/3x32x32/conv(16,3,p1)/bn/relu/conv(16,3,s2,p1)/relu");
        let b = analysis("v1/3x32x32/stem:seq(conv(16,3,p1)/bn/relu)/conv(16,3,s2,p1)/relu");
        let c = compare(&a, &b);
        // `1` and `2` name other layers in B (the stride-2 conv and its relu): matched by position, not by key.
        assert_eq!(c.counts(), (0, 5, 0), "{:?}", c.rows);
        assert_eq!(c.rows[3].a, Some(3));
        assert_eq!(c.rows[0].a, Some(0));
        assert!(c.a_only.is_empty());
    }
}
