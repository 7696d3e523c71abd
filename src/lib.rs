//! convscope: where does the computation in a convolutional network happen, and what does it cost?
//!
//! Layers look only down: [`core`] (pure analysis, text format, presets) ← `ui` (Yew, wasm32 only)
//! and the native command line; [`import`] turns ONNX files into the core's model for both. See `ARCHITECTURE.md`.

pub mod charts;
pub mod core;
pub mod import;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

#[cfg(target_arch = "wasm32")]
pub mod ui;
