//! Human-readable renderings of an analysis: SI-prefixed numbers, a plain-text table and a Markdown table ready to
//! paste into a forum post. Shared by the command line and the app's "Copy as Markdown".

use crate::core::analysis::{Analysis, Row, TrainingMemory};

/// `1234567` → `"1,234,567"`.
pub fn thousands(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A value with an SI prefix and three significant digits: `1.81 G`, `924.8 M`, `512`.
pub fn si(v: f64) -> String {
    let (scaled, prefix) = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|(f, _)| v.abs() >= *f)
        .map_or((v, ""), |(f, p)| (v / f, p));
    let text = if scaled.abs() >= 100.0 || scaled.fract() == 0.0 {
        format!("{scaled:.0}")
    } else if scaled.abs() >= 10.0 {
        format!("{scaled:.1}")
    } else {
        format!("{scaled:.2}")
    };
    if prefix.is_empty() {
        text
    } else {
        format!("{text} {prefix}")
    }
}

/// Bytes in binary units: `3.06 MiB`.
pub fn bytes(v: u64) -> String {
    let units = [
        (1u64 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ];
    match units.iter().find(|(f, _)| v >= *f) {
        Some((f, u)) => format!("{:.2} {u}", v as f64 / *f as f64),
        None => format!("{v} B"),
    }
}

/// Seconds with a fitting unit: `12.3 µs`.
pub fn seconds(t: f64) -> String {
    if t >= 1.0 {
        format!("{t:.2} s")
    } else if t >= 1e-3 {
        format!("{:.2} ms", t * 1e3)
    } else if t >= 1e-6 {
        format!("{:.2} µs", t * 1e6)
    } else if t > 0.0 {
        format!("{:.0} ns", t * 1e9)
    } else {
        "0".into()
    }
}

/// The receptive field cell: `212` for square fields, `35×51` otherwise; `+g` when a squeeze-excitation gate
/// upstream adds global context (see [`GLOBAL_NOTE`]).
fn rf_cell(row: &Row) -> String {
    row.stats.map_or(String::new(), |s| {
        let (h, w) = (s.rf.h.size, s.rf.w.size);
        let g = if s.rf.global { "+g" } else { "" };
        if h == w {
            format!("{h}{g}")
        } else {
            format!("{h}×{w}{g}")
        }
    })
}

/// What `+g` after a receptive field means.
pub const GLOBAL_NOTE: &str =
    "+g: the field is the convolution path's; a squeeze-excitation gate upstream also \
    scales each unit by numbers computed from the whole input (global context)";

/// Column headers shared by both tables.
const HEADERS: [&str; 12] = [
    "#",
    "Layer",
    "Type",
    "Output shape",
    "Param #",
    "MACs",
    "Activations",
    "Read-once",
    "FLOP/B",
    "Time",
    "Bound",
    "RF",
];

fn cells(a: &Analysis, row: &Row) -> [String; 12] {
    let class = if row.functional {
        format!("{} (fn)", row.class)
    } else {
        row.class.to_string()
    };
    let index = row.index.to_string();
    match (&row.stats, &row.diagnostic) {
        (Some(s), _) => [
            index,
            row.path.clone(),
            class,
            s.output.display_with_batch(a.options.batch),
            thousands(s.params),
            thousands(s.macs),
            bytes(s.activation_bytes),
            bytes(s.traffic_bytes()),
            format!("{:.1}", s.intensity),
            seconds(s.time_s),
            s.bound.key().to_string(),
            rf_cell(row),
        ],
        (None, diag) => {
            let mut c: [String; 12] = Default::default();
            c[0] = index;
            c[1] = row.path.clone();
            c[2] = class;
            c[3] = diag.as_ref().map_or(String::new(), |d| format!("⚠ {d}"));
            c
        }
    }
}

/// The totals and conventions, one line each.
pub fn footer(a: &Analysis) -> Vec<String> {
    let t = &a.totals;
    let mut lines = vec![
        format!(
            "Total params: {} (trainable {}; buffers {})",
            thousands(t.params),
            thousands(t.trainable_params),
            thousands(t.buffers)
        ),
        format!(
            "Total MACs: {} ({}MAC), FLOPs: {}",
            thousands(t.macs),
            si(t.macs as f64),
            thousands(t.flops)
        ),
        format!(
            "Activations: {}; read-once traffic: {}; estimated time on {} ({}{}): {} (roofline best case {})",
            bytes(t.activation_bytes),
            bytes(t.read_bytes.saturating_add(t.write_bytes)),
            a.options.device.name,
            a.options.dtype.name(),
            if a.options.timing.fused { ", fused" } else { "" },
            seconds(t.time_s),
            seconds(t.roofline_s)
        ),
        format!(
            "Training memory (batch {}): {}",
            a.options.batch,
            bytes(t.training.total_bytes)
        ),
        format!("Conventions: {}", a.options.counting.describe()),
        format!("Time: {}", crate::core::timing::DESCRIPTION),
        format!("Training memory: {}.", TrainingMemory::DEFINITION),
    ];
    if let Some(e) = &a.input_error {
        lines.insert(0, format!("⚠ Input: {e}"));
    }
    if a.truncated {
        lines.insert(
            0,
            "⚠ The network has too many layer calls; only the first ones are listed.".into(),
        );
    }
    lines
}

/// A GitHub/Discourse-flavoured Markdown table with the totals under it.
pub fn markdown(a: &Analysis) -> String {
    let mut out = format!(
        "Input: {} × {}×{}×{}\n\n",
        a.options.batch, a.input.c, a.input.h, a.input.w
    );
    out.push_str(&format!("| {} |\n", HEADERS.join(" | ")));
    out.push_str(&format!("|{}\n", "---|".repeat(HEADERS.len())));
    for row in &a.rows {
        let c = cells(a, row);
        let escaped: Vec<String> = c.iter().map(|s| s.replace('|', "\\|")).collect();
        out.push_str(&format!("| {} |\n", escaped.join(" | ")));
    }
    out.push('\n');
    for line in footer(a) {
        out.push_str(&format!("{line}  \n"));
    }
    out
}

/// A plain-text table with aligned columns, like `learn.summary()`.
pub fn table(a: &Analysis) -> String {
    let rows: Vec<[String; 12]> = a.rows.iter().map(|r| cells(a, r)).collect();
    let mut widths = HEADERS.map(|h| h.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths.iter())
            .enumerate()
            .map(|(i, (c, w))| {
                let pad = w.saturating_sub(c.chars().count());
                // Numbers align right, text left; a diagnostic in the shape column spills over freely.
                if (4..10).contains(&i) {
                    format!("{}{c}", " ".repeat(pad))
                } else {
                    format!("{c}{}", " ".repeat(pad))
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    let header: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    let mut out = format!(
        "Input: {} × {}×{}×{}\n",
        a.options.batch, a.input.c, a.input.h, a.input.w
    );
    out.push_str(&line(&header));
    out.push('\n');
    for r in &rows {
        out.push_str(&line(r));
        out.push('\n');
    }
    out.push('\n');
    for l in footer(a) {
        out.push_str(&l);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_formats() {
        assert_eq!(thousands(11_708_992), "11,708,992");
        assert_eq!(thousands(0), "0");
        assert_eq!(si(1_814_073_344.0), "1.81 G");
        assert_eq!(si(924_844_032.0), "925 M");
        assert_eq!(bytes(1536), "1.50 KiB");
        assert_eq!(seconds(1.5e-5), "15.00 µs");
    }
}
