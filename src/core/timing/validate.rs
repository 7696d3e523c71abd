//! Checks the time model against measured times: reads DeepBench's convolution CSVs (one convolution per row),
//! estimates each row with the model and the roofline, and scores both (median error factor, share within 1.5×
//! and 2×, Spearman rank correlation). Reading the files is the front end's job; this takes their text.

use crate::core::analysis::{analyse, Counting, Options, Stats};
use crate::core::device::Device;
use crate::core::format;
use crate::core::shape::Dtype;
use crate::core::timing::calibrate::{self, Sample};
use crate::core::timing::TimeOptions;

/// One measured convolution: its convscope spec, batch and measured forward time.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Line in the file (1-based), for messages.
    pub line: usize,
    pub spec: String,
    pub batch: u64,
    pub measured_s: f64,
}

/// The rows that could be read, and a message for each that could not.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Parsed {
    pub cases: Vec<Case>,
    pub messages: Vec<String>,
}

/// DeepBench's column names, in the order [`Case`] needs them.
const COLUMNS: [&str; 12] = [
    "C",
    "H",
    "W",
    "N",
    "K",
    "R_filter_h",
    "S_filter_w",
    "stride_h",
    "stride_w",
    "pad_h",
    "pad_w",
    "fwd_ms",
];

/// Reads a DeepBench CSV (`W,H,C,N,K,S_filter_w,R_filter_h,pad_w,pad_h,stride_w,stride_h,…,fwd_ms,…`, columns
/// found by name). Rows with missing or non-numeric fields are skipped with a message naming line and field.
pub fn parse_csv(text: &str) -> Parsed {
    let mut parsed = Parsed::default();
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, header)) = lines.next() else {
        parsed.messages.push("the file is empty".into());
        return parsed;
    };
    let names: Vec<&str> = header
        .split(',')
        .map(|f| f.trim().trim_matches('"'))
        .collect();
    let mut index = [0usize; COLUMNS.len()];
    for (slot, col) in index.iter_mut().zip(COLUMNS) {
        match names.iter().position(|n| *n == col) {
            Some(i) => *slot = i,
            None => {
                parsed
                    .messages
                    .push(format!("line 1: no `{col}` column in the header"));
                return parsed;
            }
        }
    }
    for (i, line) in lines {
        match case(line, &index) {
            Ok(c) => parsed.cases.push(Case { line: i + 1, ..c }),
            Err(msg) => parsed.messages.push(format!("line {}: {msg}", i + 1)),
        }
    }
    parsed
}

fn case(line: &str, index: &[usize; COLUMNS.len()]) -> Result<Case, String> {
    let fields: Vec<&str> = line
        .split(',')
        .map(|f| f.trim().trim_matches('"'))
        .collect();
    let mut v = [0u64; COLUMNS.len() - 1];
    for (k, slot) in v.iter_mut().enumerate() {
        let raw = fields.get(index[k]).copied().unwrap_or("");
        *slot = raw
            .parse::<u64>()
            .map_err(|_| format!("{} `{raw}` is not a whole number", COLUMNS[k]))?;
    }
    let raw = fields.get(index[COLUMNS.len() - 1]).copied().unwrap_or("");
    let ms = raw
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && *t > 0.0)
        .ok_or_else(|| format!("fwd_ms `{raw}` is not a positive time"))?;
    let [c, h, w, n, k, r, s, sh, sw, ph, pw] = v;
    Ok(Case {
        line: 0,
        spec: format!("v1/{c}x{h}x{w}/conv({k},{r}x{s},s{sh}x{sw},p{ph}x{pw},nobias)"),
        batch: n,
        measured_s: ms * 1e-3,
    })
}

/// One case's estimates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub model_s: f64,
    pub roofline_s: f64,
}

/// Analyses a case's spec at its batch, as the app would, and returns both estimates.
pub fn estimate(case: &Case, device: &Device, dtype: Dtype) -> Result<Estimate, String> {
    let s = stats(case, device, dtype)?;
    Ok(Estimate {
        model_s: s.time_s,
        roofline_s: s.roofline_s,
    })
}

/// The analysis row of a case's single convolution.
fn stats(case: &Case, device: &Device, dtype: Dtype) -> Result<Stats, String> {
    let arch = format::parse(&case.spec).map_err(|e| format!("{}: {e}", case.spec))?;
    let options = Options {
        batch: case.batch,
        dtype,
        device: device.clone(),
        counting: Counting::default(),
        timing: TimeOptions::default(),
    };
    let a = analyse(&arch, &options);
    a.rows
        .first()
        .and_then(|r| r.stats)
        .ok_or_else(|| format!("{} at batch {}: not computed", case.spec, case.batch))
}

/// Fits `device`'s time-model scales to one file's measurements ([`calibrate::fit`]) and scores the calibrated
/// device on the same file.
pub fn calibrate(
    text: &str,
    device: &Device,
    dtype: Dtype,
) -> Result<(Device, FileReport), String> {
    let parsed = parse_csv(text);
    let samples: Vec<Sample> = parsed
        .cases
        .iter()
        .filter_map(|c| {
            stats(c, device, dtype).ok().map(|s| Sample {
                stats: s,
                measured_s: c.measured_s,
            })
        })
        .collect();
    let fit = calibrate::fit(&samples, dtype, device).ok_or("no usable rows")?;
    let calibrated = calibrate::apply(device, &fit);
    let report = validate(text, &calibrated, dtype)?;
    Ok((calibrated, report))
}

/// How well estimates match measurements.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Figures {
    pub n: usize,
    /// Median of `max(est/meas, meas/est)`.
    pub median_factor: f64,
    /// Share of rows with an error factor ≤ 1.5.
    pub within_1_5: f64,
    /// Share of rows with an error factor ≤ 2.
    pub within_2: f64,
    /// Spearman rank correlation of estimates and measurements (ties get their mean rank).
    pub spearman: f64,
}

/// Scores `estimated` against `measured` (same length, all positive); `None` when empty.
pub fn figures(estimated: &[f64], measured: &[f64]) -> Option<Figures> {
    let n = estimated.len().min(measured.len());
    if n == 0 {
        return None;
    }
    let mut factors: Vec<f64> = estimated
        .iter()
        .zip(measured)
        .map(|(e, m)| (e / m).max(m / e))
        .collect();
    factors.sort_by(f64::total_cmp);
    let median = if n % 2 == 1 {
        factors[n / 2]
    } else {
        (factors[n / 2 - 1] + factors[n / 2]) / 2.0
    };
    let share = |limit: f64| factors.iter().filter(|f| **f <= limit).count() as f64 / n as f64;
    Some(Figures {
        n,
        median_factor: median,
        within_1_5: share(1.5),
        within_2: share(2.0),
        spearman: pearson(&ranks(&estimated[..n]), &ranks(&measured[..n])),
    })
}

/// Ranks from 0, ties sharing their mean rank.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..v.len()).collect();
    order.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && v[order[j + 1]] == v[order[i]] {
            j += 1;
        }
        for &o in &order[i..=j] {
            r[o] = (i + j) as f64 / 2.0;
        }
        i = j + 1;
    }
    r
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    if va == 0.0 || vb == 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

/// The device and dtype a DeepBench file name implies (`v100_train_fp16.csv` → `v100`, fp16).
pub fn setting_from_name(name: &str) -> (Option<Device>, Option<Dtype>) {
    let lower = name.to_ascii_lowercase();
    // DeepBench's names for its GPUs (`TitanX` is the Maxwell one), longest first where one contains another.
    let device = [
        ("titanxp", "titanxp"),
        ("titanx_pascal", "titanx_pascal"),
        ("titanx", "titanx_maxwell"),
        ("1080ti", "gtx1080ti"),
        ("m40", "m40"),
        ("v100", "v100"),
        ("p100", "p100"),
        ("t4", "t4"),
        ("a100", "a100"),
        ("h100", "h100"),
        ("rtx4090", "rtx4090"),
    ]
    .into_iter()
    .find(|(name, _)| lower.contains(name))
    .and_then(|(_, key)| Device::find(key));
    let dtype = Dtype::ALL.into_iter().find(|d| lower.contains(d.name()));
    (device, dtype)
}

/// One file's scores for the model and the roofline, and the messages of rows that were skipped.
#[derive(Clone, Debug, PartialEq)]
pub struct FileReport {
    pub model: Figures,
    pub roofline: Figures,
    pub messages: Vec<String>,
}

/// Parses, estimates and scores one file's text.
pub fn validate(text: &str, device: &Device, dtype: Dtype) -> Result<FileReport, String> {
    let parsed = parse_csv(text);
    let mut messages = parsed.messages;
    let (mut model, mut roof, mut meas) = (Vec::new(), Vec::new(), Vec::new());
    for c in &parsed.cases {
        match estimate(c, device, dtype) {
            Ok(e) => {
                model.push(e.model_s);
                roof.push(e.roofline_s);
                meas.push(c.measured_s);
            }
            Err(msg) => messages.push(format!("line {}: {msg}", c.line)),
        }
    }
    match (figures(&model, &meas), figures(&roof, &meas)) {
        (Some(model), Some(roofline)) => Ok(FileReport {
            model,
            roofline,
            messages,
        }),
        _ => Err(match messages.first() {
            Some(m) => format!("no usable rows ({m})"),
            None => "no usable rows".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_of_a_monotone_relation_is_one_and_ties_share_ranks() {
        let f = figures(&[1.0, 2.0, 3.0, 10.0], &[2.0, 3.0, 4.0, 5.0]).expect("figures");
        assert!((f.spearman - 1.0).abs() < 1e-12);
        assert_eq!(ranks(&[5.0, 1.0, 5.0]), vec![1.5, 0.0, 1.5]);
        // Factors 2, 1.5, 4/3, 2: sorted 4/3, 1.5, 2, 2, the median is the mean of the middle two.
        assert!((f.median_factor - (1.5 + 2.0) / 2.0).abs() < 1e-12);
        assert_eq!((f.within_1_5, f.within_2), (0.5, 1.0));
    }

    #[test]
    fn bad_rows_get_messages_and_good_rows_specs() {
        let text = "app,W,H,C,N,K,S_filter_w,R_filter_h,pad_w,pad_h,stride_w,stride_h,fwd_ms\n\
                    x,700,161,1,4,32,20,5,0,0,2,2,0.078\n\
                    x,7,7,a,4,32,1,1,0,0,1,1,0.01\n\
                    x,7,7,8,4,32,1,1,0,0,1,1,N/A\n";
        let p = parse_csv(text);
        assert_eq!(p.cases.len(), 1);
        assert_eq!(
            p.cases[0].spec,
            "v1/1x161x700/conv(32,5x20,s2x2,p0x0,nobias)"
        );
        assert_eq!((p.cases[0].batch, p.cases[0].line), (4, 2));
        assert_eq!(p.messages.len(), 2, "{:?}", p.messages);
        assert!(p.messages[0].starts_with("line 3: C `a`"));
        assert!(p.messages[1].starts_with("line 4: fwd_ms `N/A`"));
        assert!(parse_csv("W,H\n1,2\n").messages[0].contains("no `C` column"));
    }

    #[test]
    fn file_names_name_deepbench_gpus() {
        let key = |n: &str| setting_from_name(n).0.map(|d| d.key);
        assert_eq!(key("DeepBench_NV_TitanXp.csv").as_deref(), Some("titanxp"));
        assert_eq!(
            key("titanx_pascal_infer_int8.csv").as_deref(),
            Some("titanx_pascal")
        );
        assert_eq!(
            key("DeepBench_NV_TitanX.csv").as_deref(),
            Some("titanx_maxwell")
        );
        assert_eq!(key("1080ti_train_fp32.csv").as_deref(), Some("gtx1080ti"));
        assert_eq!(setting_from_name("t4_train_fp16.csv").1, Some(Dtype::Fp16));
    }
}
