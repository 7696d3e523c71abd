//! ONNX files on the command line: a target ending in `.onnx`, or an `@file` that starts like an ONNX model, is
//! read and imported (`src/import`); what the import could not map is said on standard error.

use crate::core::arch::Architecture;
use crate::import::onnx::{self, Bytes};

/// The network in the ONNX file `target` names and the batch it was exported with, or `None` if `target` names
/// no ONNX file.
pub fn load(target: &str) -> Option<Result<(Architecture, u64), String>> {
    let path = target.strip_prefix('@').unwrap_or(target);
    let by_name = path.to_ascii_lowercase().ends_with(".onnx");
    if !by_name && !target.starts_with('@') {
        return None;
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if by_name => return Some(Err(format!("cannot read {path}: {e}"))),
        Err(_) => return None,
    };
    if !by_name && !onnx::looks_like_onnx(&bytes) {
        return None;
    }
    Some(
        onnx::read(Bytes::from(bytes))
            .map(|imported| {
                for note in &imported.notes {
                    eprintln!("convscope: {path}: {note}");
                }
                if let Some(p) = &imported.partial {
                    eprintln!("convscope: {path}: partial import, {p}");
                }
                (imported.arch, imported.batch)
            })
            .map_err(|e| format!("{path}: {e}")),
    )
}
