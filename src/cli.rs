//! The native command line: `convscope summary | spec | link | diff | chart | validate | presets | devices`,
//! parsed by clap.

mod args;
mod chart;
mod commands;
mod json;
mod measured;
mod onnx_file;
mod validate;

pub use commands::run;
