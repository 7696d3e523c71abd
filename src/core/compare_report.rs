//! Renderings of a comparison: totals (A, B, Δ, B/A), stage subtotals side by side and the rows of B against
//! their matches in A, as plain text or Markdown. Shared by `convscope diff` and the app's "Copy as Markdown".

use crate::core::analysis::Analysis;
use crate::core::compare::{ratio, Comparison, Figures, MatchedBy, Stage};
use crate::core::report::{bytes, seconds, si, thousands};

/// Which table follows the totals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffView {
    /// Stage subtotals, A beside B.
    Stage,
    /// Every row of B with its match in A.
    Layer,
}

/// `b − a` written by `f` with its sign: `+1,024`, `−292 M`, `0`. Computed on the whole numbers, so no rounding
/// of a difference of two large counts.
pub fn signed_change(a: u64, b: u64, f: fn(u64) -> String) -> String {
    match b.cmp(&a) {
        std::cmp::Ordering::Greater => format!("+{}", f(b - a)),
        std::cmp::Ordering::Less => format!("−{}", f(a - b)),
        std::cmp::Ordering::Equal => "0".into(),
    }
}

/// `b − a` seconds with its sign.
pub fn signed_seconds(a: f64, b: f64) -> String {
    if b >= a {
        format!("+{}", seconds(b - a))
    } else {
        format!("−{}", seconds(a - b))
    }
}

/// A count with an SI prefix (`118 M`).
pub fn si_count(v: u64) -> String {
    si(v as f64)
}

/// `B/A` to two decimals, or `—` when A is zero.
pub fn times(a: f64, b: f64) -> String {
    ratio(a, b).map_or_else(|| "—".into(), |r| format!("×{r:.2}"))
}

fn totals_rows(a: &Figures, b: &Figures) -> Vec<[String; 5]> {
    let count = |name: &str, x: u64, y: u64, f: fn(u64) -> String| {
        [
            name.to_string(),
            f(x),
            f(y),
            signed_change(x, y, f),
            times(x as f64, y as f64),
        ]
    };
    vec![
        count("Params", a.params, b.params, thousands),
        count("MACs", a.macs, b.macs, thousands),
        count("Activations", a.activation_bytes, b.activation_bytes, bytes),
        count("Read-once traffic", a.traffic_bytes, b.traffic_bytes, bytes),
        [
            "Time (estimate)".into(),
            seconds(a.time_s),
            seconds(b.time_s),
            signed_seconds(a.time_s, b.time_s),
            times(a.time_s, b.time_s),
        ],
    ]
}

fn stage_rows(c: &Comparison) -> Vec<Vec<String>> {
    let label = |s: &Option<Stage>| s.as_ref().map_or_else(|| "—".into(), |s| s.label.clone());
    let fig = |s: &Option<Stage>| s.as_ref().map(|s| s.figures).unwrap_or_default();
    c.stages
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let (fa, fb) = (fig(&p.a), fig(&p.b));
            vec![
                k.to_string(),
                label(&p.a),
                label(&p.b),
                si(fa.macs as f64),
                si(fb.macs as f64),
                signed_change(fa.macs, fb.macs, si_count),
                times(fa.macs as f64, fb.macs as f64),
                si(fa.params as f64),
                si(fb.params as f64),
                seconds(fa.time_s),
                seconds(fb.time_s),
            ]
        })
        .collect()
}

const STAGE_HEAD: [&str; 11] = [
    "Stage", "A grid", "B grid", "A MACs", "B MACs", "Δ MACs", "B/A", "A params", "B params",
    "A time", "B time",
];

fn layer_rows(a: &Analysis, b: &Analysis, c: &Comparison) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = c
        .rows
        .iter()
        .filter_map(|m| {
            let rb = b.rows.get(m.b)?;
            let fb = Figures::of_row(rb);
            let ra = m.a.and_then(|j| a.rows.get(j));
            let fa = ra.map(Figures::of_row).unwrap_or_default();
            let matched = match (ra, m.by) {
                (Some(r), Some(MatchedBy::Key)) => r.key(),
                (Some(r), _) => format!("{} (by position)", r.key()),
                _ => "— (new)".into(),
            };
            Some(vec![
                rb.index.to_string(),
                rb.key(),
                rb.class.to_string(),
                matched,
                thousands(fa.macs),
                thousands(fb.macs),
                signed_change(fa.macs, fb.macs, thousands),
                signed_change(fa.params, fb.params, thousands),
            ])
        })
        .collect();
    for &j in &c.a_only {
        if let Some(r) = a.rows.get(j) {
            let f = Figures::of_row(r);
            out.push(vec![
                "—".into(),
                "— (removed)".into(),
                r.class.to_string(),
                r.key(),
                thousands(f.macs),
                "0".into(),
                signed_change(f.macs, 0, thousands),
                signed_change(f.params, 0, thousands),
            ]);
        }
    }
    out
}

const LAYER_HEAD: [&str; 8] = [
    "#",
    "Layer (B)",
    "Type",
    "Matched in A",
    "A MACs",
    "B MACs",
    "Δ MACs",
    "Δ params",
];

fn caption(a: &Analysis, b: &Analysis, c: &Comparison) -> Vec<String> {
    let (key, pos, none) = c.counts();
    let side = |x: &Analysis| {
        format!(
            "{}×{}×{}×{}, {}, {}",
            x.options.batch,
            x.input.c,
            x.input.h,
            x.input.w,
            x.options.dtype.name(),
            x.options.device.name
        )
    };
    vec![
        format!("A: {}", side(a)),
        format!("B: {}", side(b)),
        format!(
            "Rows of B matched in A: {key} by module path, {pos} by position within their stage, {none} new; {} rows of A removed.",
            c.a_only.len()
        ),
        format!("Counting: {}", b.options.counting.describe()),
    ]
}

/// The comparison as Markdown, ready to paste into a post.
pub fn markdown(a: &Analysis, b: &Analysis, c: &Comparison, view: DiffView) -> String {
    let mut out = String::new();
    md_table(
        &mut out,
        &["", "A", "B", "Δ", "B/A"],
        totals_rows(&c.a, &c.b).iter().map(|r| r.to_vec()),
    );
    out.push('\n');
    match view {
        DiffView::Stage => md_table(&mut out, &STAGE_HEAD, stage_rows(c).into_iter()),
        DiffView::Layer => md_table(&mut out, &LAYER_HEAD, layer_rows(a, b, c).into_iter()),
    }
    out.push('\n');
    for line in caption(a, b, c) {
        out.push_str(&format!("_{line}_  \n"));
    }
    out
}

/// The comparison as a plain-text table for the terminal.
pub fn table(a: &Analysis, b: &Analysis, c: &Comparison, view: DiffView) -> String {
    let mut out = String::new();
    text_table(
        &mut out,
        &["", "A", "B", "Δ", "B/A"],
        totals_rows(&c.a, &c.b).iter().map(|r| r.to_vec()).collect(),
    );
    out.push('\n');
    match view {
        DiffView::Stage => text_table(&mut out, &STAGE_HEAD, stage_rows(c)),
        DiffView::Layer => text_table(&mut out, &LAYER_HEAD, layer_rows(a, b, c)),
    }
    out.push('\n');
    for line in caption(a, b, c) {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn md_table(out: &mut String, head: &[&str], rows: impl Iterator<Item = Vec<String>>) {
    out.push_str(&format!("| {} |\n", head.join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(head.len())));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| c.replace('|', "\\|")).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
}

fn text_table(out: &mut String, head: &[&str], rows: Vec<Vec<String>>) {
    let mut width: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&width)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.chars().count()))))
            .collect();
        padded.join("  ").trim_end().to_string()
    };
    out.push_str(&line(head.iter().map(|h| h.to_string()).collect()));
    out.push('\n');
    for r in rows {
        out.push_str(&line(r));
        out.push('\n');
    }
}
