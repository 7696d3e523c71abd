//! The native command line: `convscope summary | spec | link | chart | validate | presets | devices`.

mod args;
mod chart;
mod commands;
mod json;
mod measured;
mod validate;

pub use commands::run;
