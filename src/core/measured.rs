//! Measured times (schema `convscope.measurement/1`, `docs/measurement.md`, written by `tools/measure/measure.py`)
//! matched to the analysis' rows by module path and call index. Reading and decoding the file is the front end's
//! job; this checks the decoded values, matches them, and lists what does not match, never dropping it silently.

mod calibration;
mod decode;

pub use calibration::{calibrate, figures, pairs, Calibration};
pub use decode::{check_size, decode, looks_like_measurement};

use crate::core::analysis::Analysis;
use crate::core::fragment::{short_name, MeasuredLink};
use crate::core::timing::calibrate::Sample;

/// The schema name a measurement file must carry.
pub const SCHEMA: &str = "convscope.measurement/1";
/// Measurement files larger than this are refused before decoding.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;

/// One leaf module call's measured time.
#[derive(Clone, Debug, PartialEq)]
pub struct ModuleTime {
    /// Module path as `named_modules()` gives it.
    pub path: String,
    /// Which call of this module in the forward pass (0 first).
    pub call: u64,
    pub time_s: f64,
}

/// A decoded measurement.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    pub device_name: String,
    pub batch: u64,
    pub dtype: String,
    pub total_s: f64,
    pub modules: Vec<ModuleTime>,
}

/// Rows matched with their measured times, and what did not match.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Matched {
    /// Per analysis row, its measured time if the measurement has its module call.
    pub rows: Vec<Option<f64>>,
    /// Measured module calls that no row has (`path#call`).
    pub unmatched: Vec<String>,
    /// Rows that launch a kernel of their own but have no measured time (functional ops such as the residual
    /// `add` are not modules, so they are never measured).
    pub unmeasured: Vec<usize>,
}

/// Checks a decoded measurement: every time finite and positive, at least one module.
pub fn check(m: &Measurement) -> Result<(), String> {
    if m.modules.is_empty() {
        return Err("the measurement lists no modules".into());
    }
    if !(m.total_s.is_finite() && m.total_s > 0.0) {
        return Err(format!(
            "total_s {} is not a positive, finite time",
            m.total_s
        ));
    }
    if let Some(bad) = m
        .modules
        .iter()
        .find(|t| !(t.time_s.is_finite() && t.time_s > 0.0))
    {
        return Err(format!(
            "module {} (call {}) has time {}: times must be positive and finite",
            bad.path, bad.call, bad.time_s
        ));
    }
    Ok(())
}

/// Matches module calls to rows by path and call index (the n-th row with a path is its n-th call). A measurement
/// of another network (fewer than half of its modules match) is an error that says so.
pub fn match_rows(a: &Analysis, m: &Measurement) -> Result<Matched, String> {
    let mut calls: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    let mut by_key: std::collections::HashMap<(&str, u64), usize> =
        std::collections::HashMap::new();
    for (i, row) in a.rows.iter().enumerate() {
        let n = calls.entry(row.path.as_str()).or_insert(0);
        by_key.insert((row.path.as_str(), *n), i);
        *n += 1;
    }
    let mut matched = Matched {
        rows: vec![None; a.rows.len()],
        ..Matched::default()
    };
    for t in &m.modules {
        match by_key.get(&(t.path.as_str(), t.call)) {
            Some(&i) => matched.rows[i] = Some(t.time_s),
            None => matched.unmatched.push(format!("{}#{}", t.path, t.call)),
        }
    }
    let found = m.modules.len() - matched.unmatched.len();
    if found * 2 < m.modules.len() {
        return Err(format!(
            "only {found} of the measurement's {} module calls match this network's layers: is it a measurement of \
             another network?",
            m.modules.len()
        ));
    }
    matched.unmeasured = a
        .rows
        .iter()
        .enumerate()
        .filter(|(i, r)| matched.rows[*i].is_none() && r.stats.is_some_and(|s| s.time_s > 0.0))
        .map(|(i, _)| i)
        .collect();
    Ok(matched)
}

/// Refuses a measurement taken at another batch or dtype than the analysis': its times would not be comparable.
pub fn check_setting(a: &Analysis, m: &Measurement) -> Result<(), String> {
    if m.batch != a.options.batch {
        return Err(format!(
            "it was measured at batch {}, this page is at batch {}: set the batch to {} to compare",
            m.batch, a.options.batch, m.batch
        ));
    }
    let dtype = a.options.dtype.name();
    if !m.dtype.eq_ignore_ascii_case(dtype) {
        return Err(format!(
            "it was measured in {}, this page computes in {dtype}: set the data type to {} to compare",
            m.dtype, m.dtype
        ));
    }
    Ok(())
}

/// The matched rows' times as a link carries them.
pub fn to_link(m: &Measurement, matched: &Matched) -> MeasuredLink {
    MeasuredLink {
        device_name: short_name(&m.device_name),
        batch: m.batch,
        dtype: m.dtype.clone(),
        total_s: m.total_s,
        rows: matched.rows.clone(),
    }
}

/// The measurement a link's times stand for: each time belongs to the module call of the row at its position in
/// `a`, the analysis of the link's own network. Times beyond its last row are counted in the second value.
pub fn from_link(a: &Analysis, link: &MeasuredLink) -> (Measurement, usize) {
    let modules = a
        .rows
        .iter()
        .zip(&link.rows)
        .filter_map(|(r, t)| {
            Some(ModuleTime {
                path: r.path.clone(),
                // Rows number calls from 1, measurements from 0.
                call: u64::from(r.call.saturating_sub(1)),
                time_s: (*t)?,
            })
        })
        .collect();
    let beyond = link
        .rows
        .iter()
        .skip(a.rows.len())
        .filter(|t| t.is_some())
        .count();
    let m = Measurement {
        device_name: link.device_name.clone(),
        batch: link.batch,
        dtype: link.dtype.clone(),
        total_s: link.total_s,
        modules,
    };
    (m, beyond)
}

/// The matched rows as calibration samples.
pub fn samples(a: &Analysis, matched: &Matched) -> Vec<Sample> {
    a.rows
        .iter()
        .zip(&matched.rows)
        .filter_map(|(r, t)| {
            Some(Sample {
                stats: r.stats?,
                measured_s: (*t)?,
            })
        })
        .filter(|s| s.stats.time_s > 0.0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analysis::{analyse, Options};
    use crate::core::format;

    fn measurement(modules: &[(&str, u64, f64)]) -> Measurement {
        Measurement {
            device_name: "cpu".into(),
            batch: 1,
            dtype: "fp32".into(),
            total_s: 1e-3,
            modules: modules
                .iter()
                .map(|(p, c, t)| ModuleTime {
                    path: (*p).into(),
                    call: *c,
                    time_s: *t,
                })
                .collect(),
        }
    }

    #[test]
    fn calls_match_by_path_and_index_and_the_rest_is_listed() {
        // A residual block calls its relu twice: once after bn1, once after the add.
        let arch = format::parse("v1/64x8x8/block:basic(64)").expect("spec");
        let a = analyse(&arch, &Options::default());
        let relus: Vec<usize> = a
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.path == "block.relu")
            .map(|(i, _)| i)
            .collect();
        assert_eq!(relus.len(), 2);
        let m = measurement(&[
            ("block.conv1", 0, 1e-4),
            ("block.relu", 0, 2e-5),
            ("block.relu", 1, 3e-5),
            ("block.conv2", 0, 1e-4),
            ("block.nothing", 0, 1e-5),
        ]);
        let got = match_rows(&a, &m).expect("matches");
        assert_eq!(got.rows[relus[0]], Some(2e-5));
        assert_eq!(got.rows[relus[1]], Some(3e-5));
        assert_eq!(got.unmatched, vec!["block.nothing#0".to_string()]);
        // bn1, bn2 and the add have kernels but no measurement.
        let names: Vec<&str> = got
            .unmeasured
            .iter()
            .map(|&i| a.rows[i].path.as_str())
            .collect();
        assert_eq!(names, ["block.bn1", "block.bn2", "block:add"]);
    }

    #[test]
    fn bad_measurements_say_what_is_wrong() {
        assert!(check(&measurement(&[])).is_err());
        let e = check(&measurement(&[("a", 0, f64::NAN)])).expect_err("NaN");
        assert!(e.contains("module a (call 0)"), "{e}");
        assert!(check(&measurement(&[("a", 0, 0.0)])).is_err());
        assert!(check(&measurement(&[("a", 0, -1.0)])).is_err());
        let arch = format::parse("v1/64x8x8/conv(64,3)").expect("spec");
        let a = analyse(&arch, &Options::default());
        let e = match_rows(&a, &measurement(&[("fc", 0, 1e-5), ("conv9", 0, 1e-5)]))
            .expect_err("another network");
        assert!(e.contains("another network"), "{e}");
    }
}
