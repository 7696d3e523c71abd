//! The native command line: `convscope summary | spec | link | presets | devices`.

mod args;
mod chart;
mod commands;
mod json;

pub use commands::run;
