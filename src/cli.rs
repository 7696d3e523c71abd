//! The native command line: `convscope summary | spec | link | presets | devices`.

mod args;
mod chart;
mod commands;
mod json;
mod onnx_file;

pub use commands::run;
