//! Axis furniture shared by the charts: SI tick labels, log-scale ranges, and sizes that follow the canvas.

/// SI prefixes from peta down to nano, for tick labels and tooltips.
const PREFIXES: [(f64, &str); 9] = [
    (1e15, "P"),
    (1e12, "T"),
    (1e9, "G"),
    (1e6, "M"),
    (1e3, "k"),
    (1.0, ""),
    (1e-3, "m"),
    (1e-6, "µ"),
    (1e-9, "n"),
];

/// A number with an SI prefix and at most three significant digits: `118 M`, `1.5 G`, `0.25`, `12 µ`.
/// Trailing zeros are dropped so tick labels stay short (`2 G`, not `2.00 G`).
pub fn si(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v.is_finite() {
            "0".into()
        } else {
            "–".into()
        };
    }
    let a = v.abs();
    let (scale, prefix) = PREFIXES
        .iter()
        .copied()
        .find(|(f, _)| a >= *f * 0.9995)
        .unwrap_or((1e-9, "n"));
    let scaled = v / scale;
    let digits = if scaled.abs() >= 99.95 {
        0
    } else if scaled.abs() >= 9.995 {
        1
    } else {
        2
    };
    let mut text = format!("{scaled:.digits$}");
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    if prefix.is_empty() {
        text
    } else {
        format!("{text} {prefix}")
    }
}

/// A number with its unit: `118 MMACs` reads badly, so a space always separates unit and prefix: `118 M MACs`,
/// except for one-letter units where the prefix joins (`3.1 MB`, `2.5 ms`, `8.1 TFLOP/s`).
pub fn si_unit(v: f64, unit: &str) -> String {
    let n = si(v);
    if unit.is_empty() {
        return n;
    }
    let joins = unit.len() <= 2 || unit.starts_with("FLOP") || unit.starts_with("B/");
    match n.rsplit_once(' ') {
        Some((num, prefix)) if joins => format!("{num} {prefix}{unit}"),
        _ => format!("{n} {unit}"),
    }
}

/// A percentage with one decimal under 10 %, none above.
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p < 9.95 {
        format!("{p:.1}%")
    } else {
        format!("{p:.0}%")
    }
}

/// A log-scale range covering `lo..hi` padded out to whole decades (both must be positive).
pub fn decades(lo: f64, hi: f64) -> (f64, f64) {
    let lo = if lo > 0.0 && lo.is_finite() { lo } else { 1.0 };
    let hi = if hi > lo && hi.is_finite() {
        hi
    } else {
        lo * 10.0
    };
    (
        10f64.powf(lo.log10().floor()),
        10f64.powf(hi.log10().ceil()),
    )
}

/// A dashed line as `n` segments (plotters 0.3.7 has no dash style that every backend draws); with `log_y` the
/// dashes are even on a logarithmic y axis.
pub fn dashes(from: (f64, f64), to: (f64, f64), n: usize, log_y: bool) -> Vec<Vec<(f64, f64)>> {
    let y = |t: f64| {
        if log_y && from.1 > 0.0 && to.1 > 0.0 {
            (from.1.ln() + (to.1.ln() - from.1.ln()) * t).exp()
        } else {
            from.1 + (to.1 - from.1) * t
        }
    };
    let at = |t: f64| (from.0 + (to.0 - from.0) * t, y(t));
    let n = n.max(1);
    (0..n)
        .map(|i| {
            let t0 = i as f64 / n as f64;
            vec![at(t0), at(t0 + 0.55 / n as f64)]
        })
        .collect()
}

/// Sizes that follow the drawing area, so a phone-sized canvas gets smaller text and margins.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    /// Tick labels and legend text, in pixels.
    pub font: f64,
    /// Titles.
    pub title: f64,
    /// Outer margin.
    pub margin: u32,
    /// Narrow canvas (under 560 px): fewer labels, shorter notes.
    pub compact: bool,
}

impl Frame {
    /// The frame of a `width × height` drawing area.
    pub fn new((width, height): (u32, u32)) -> Frame {
        let compact = width < 560;
        let font = if compact { 11.0 } else { 13.0 };
        Frame {
            width,
            height,
            font,
            title: font + 3.0,
            margin: if compact { 6 } else { 12 },
            compact,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_labels_are_short() {
        assert_eq!(si(0.0), "0");
        assert_eq!(si(118_013_952.0), "118 M");
        assert_eq!(si(1.5e9), "1.5 G");
        assert_eq!(si(2e9), "2 G");
        assert_eq!(si(4.089e9), "4.09 G");
        assert_eq!(si(999.0), "999");
        assert_eq!(si(999_999.0), "1 M");
        assert_eq!(si(0.25), "250 m");
        assert_eq!(si(1.2e-5), "12 µ");
        assert_eq!(si(-3e6), "-3 M");
    }

    #[test]
    fn units_join_short_names() {
        assert_eq!(si_unit(3.1e6, "B"), "3.1 MB");
        assert_eq!(si_unit(2.5e-3, "s"), "2.5 ms");
        assert_eq!(si_unit(8.1e12, "FLOP/s"), "8.1 TFLOP/s");
        assert_eq!(si_unit(118e6, "MACs"), "118 M MACs");
        assert_eq!(si_unit(12.0, "MACs"), "12 MACs");
    }

    #[test]
    fn dashes_are_even_in_the_axis_scale() {
        let d = dashes((0.0, 1.0), (0.0, 1000.0), 3, true);
        assert_eq!(d.len(), 3);
        assert!((d[1][0].1 - 10.0).abs() < 1e-9);
        let d = dashes((0.0, 0.0), (10.0, 0.0), 5, false);
        assert_eq!(d[0][0], (0.0, 0.0));
        assert!(d[4][1].0 <= 10.0);
    }

    #[test]
    fn decades_round_outwards() {
        assert_eq!(decades(3.0, 420.0), (1.0, 1000.0));
        assert_eq!(decades(0.0, 0.0), (1.0, 10.0));
    }
}
