//! convscope's native integration tests: one binary, a module per area. Every expected number comes from an
//! independent reference (published totals, PyTorch tool output, papers), never from convscope's own output.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "native/support.rs"]
mod support;

// CLI in-process: exit codes, JSON contract, links that reopen the same state.
#[path = "native/cli.rs"]
mod cli;
// Impossible layers get diagnostics, never panics.
#[path = "native/diagnostics.rs"]
mod diagnostics;
// Text format: round trips, errors with positions, fuzzing.
#[path = "native/format.rs"]
mod format;
// Old and mangled links open the same network; the fragment codec reads every field.
#[path = "native/links.rs"]
mod links;
// Measured times in links (`meas=`), the app's calibration, and bad measurement files' messages.
#[path = "native/measured_link.rs"]
mod measured_link;
// `src/core` stays pure.
#[path = "native/layering.rs"]
mod layering;
// torchvision's published parameter counts and GFLOPS; "How fast is my model?" worked examples.
#[path = "native/published.rs"]
mod published;
// Receptive fields from the literature.
#[path = "native/receptive_field.rs"]
mod receptive_field;
// The seed thread's fastai learn.summary table.
#[path = "native/seed_thread.rs"]
mod seed_thread;
// ONNX files exported by torch import to the torch fixtures' numbers; bad files get messages.
#[path = "native/onnx_import.rs"]
mod onnx_import;
// Per-layer numbers of real torchinfo/fvcore runs, and measured receptive fields.
#[path = "native/torch_reference.rs"]
mod torch_reference;
// One identity per row: editor nodes own their rows, keys are unique, selections round-trip.
#[path = "native/row_identity.rs"]
mod row_identity;
// The time model against DeepBench's measured cuDNN times.
#[path = "native/timing.rs"]
mod timing;
// Measured times beside the estimate, calibration, bad measurement files.
#[path = "native/measured.rs"]
mod measured;
// The CPU time model, calibrated on resnet18's measured CPU times, against resnet50's and mobilenet_v2's.
#[path = "native/cpu_model.rs"]
mod cpu_model;
// Charts drawn to SVG: what is drawn matches the analysis; hit tests find every mark.
#[path = "native/charts.rs"]
mod charts;
