//! The native command line: `convscope summary | spec | link | chart | presets | devices`, parsed by clap.

mod args;
mod chart;
mod commands;
mod json;

pub use commands::run;
