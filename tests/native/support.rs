//! Helpers shared by the test modules: analyse a preset or a spec with default options.

use convscope::core::analysis::{analyse, Analysis, Options, Row};
use convscope::core::format;
use convscope::core::presets;

/// Analyses a preset at its own batch size.
pub fn preset(key: &str) -> Analysis {
    let p = presets::find(key).unwrap_or_else(|| panic!("preset {key} exists"));
    let arch = p
        .architecture()
        .unwrap_or_else(|e| panic!("preset {key} parses: {e}"));
    analyse(
        &arch,
        &Options {
            batch: p.batch,
            ..Options::default()
        },
    )
}

/// Analyses a spec with batch 1.
pub fn spec(text: &str) -> Analysis {
    let arch = format::parse(text).unwrap_or_else(|e| panic!("spec parses: {e}\n{text}"));
    analyse(&arch, &Options::default())
}

/// The row at `path` (first call).
pub fn row<'a>(a: &'a Analysis, path: &str) -> &'a Row {
    a.rows
        .iter()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("row {path} exists"))
}

/// The row at `path`, last call (a reused module such as a BasicBlock's `relu` runs again after the sum).
pub fn last_row<'a>(a: &'a Analysis, path: &str) -> &'a Row {
    a.rows
        .iter()
        .rev()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("row {path} exists"))
}

/// Module rows only (what torchinfo lists), without functional ops.
pub fn module_rows(a: &Analysis) -> Vec<&Row> {
    a.rows.iter().filter(|r| !r.functional).collect()
}
