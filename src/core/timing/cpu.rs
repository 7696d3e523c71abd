//! The time model on a CPU, as PyTorch runs a network there on one thread: which library path each kind of layer
//! takes, and the few efficiencies of those paths.
//!
//! A CPU has no SMs or tiles; what decides a layer's time is the path PyTorch's CPU backend takes
//! (`aten/src/ATen/native/Convolution.cpp`, `ConvParams::use_mkldnn`):
//! - Convolutions run in oneDNN (MKLDNN), which keeps its own blocked layout (`nChw16c`, `OIhw16i16o`): on every
//!   call PyTorch reorders the NCHW input and the weights into it and the output back. Those reorders are
//!   separate passes over memory, before and after the arithmetic, so their time *adds* to the compute
//!   ([`Terms::sequential`]). A depthwise convolution does little arithmetic per byte: its reorders are its time.
//! - A stride-1 1×1 convolution of a batch under 16 on one thread skips oneDNN ("THNN is faster when
//!   single-threaded", the source says): it is a plain BLAS GEMM on the NCHW tensors, which overlaps its loads with
//!   its arithmetic.
//! - A linear layer is a BLAS GEMM that packs its weight matrix on every call: packing adds as a reorder does.
//! - Batch norm, activations, adds and pooling are passes over memory, each with its own share of the bandwidth
//!   and its own per-call overhead.
//!
//! Per call: a floor (PyTorch's dispatch and the module's Python `forward`, the device's `floor_s`), times a factor
//! per kind. The constants below were set on resnet18's measured CPU times (`tests/fixtures/measured`, batch 1 and
//! 16) and stay fixed; calibration fits only the device's compute, bandwidth and floor (`calibrate.rs`).
//! Cache levels were tried (a layer whose tensors fit the last-level cache running at twice the DRAM bandwidth)
//! and changed the held-out errors by under 3%: the model has no cache term.
//!
//! Not modelled: PyTorch's multi-threaded path choice (the model follows the one-thread choice above), and the
//! page faults of tensors above glibc's 32 MiB mmap threshold, which are allocated afresh on every call (at batch
//! 16 the 51 MB outputs of resnet50's first stage take 2–3× the model's time).

use crate::core::analysis::Stats;
use crate::core::cost::OpKind;
use crate::core::device::Device;
use crate::core::shape::Dtype;
use crate::core::timing::gemm::BANDWIDTH_EFFICIENCY;
use crate::core::timing::terms::{Path, Terms};
use crate::core::timing::work::Work;

/// oneDNN's layout reorders (and BLAS's packing) gather 16 channels from 16 planes: strided access that reaches
/// an eighth of the streaming bandwidth (resnet18's 3×3 convolutions at batch 1, whose 2–9 MB of weights are
/// reordered on every call, and its depthwise-free layers: 0.11–0.13).
pub const REORDER_EFFICIENCY: f64 = 0.125;

/// A dense convolution in oneDNN's direct or brgemm kernel sustains the core's FMA peak (resnet18's 3×3 layers:
/// 0.9–1.0 of the calibrated peak).
pub const CONV_EFFICIENCY: f64 = 1.0;

/// PyTorch's native path calls BLAS `sgemm` with the short reductions of a 1×1 convolution (k = input channels);
/// MKL runs its 256-bit (AVX2) kernels on AMD processors: half the AVX-512 FMA peak.
pub const NATIVE_GEMM_EFFICIENCY: f64 = 0.5;

/// A linear layer at small batch is a matrix-vector product: its arithmetic reaches a quarter of the peak
/// (resnet18's classifier at batch 1 and 16).
pub const LINEAR_EFFICIENCY: f64 = 0.25;

/// Batch norm writes a fresh output (a write-allocate costs a read for ownership: three transfers for the two
/// counted) after a pass over the per-channel statistics: half the streaming bandwidth (resnet18: 0.52–0.58).
pub const NORM_BANDWIDTH: f64 = 0.5;
/// Batch norm's `forward` checks its mode and running statistics in Python and the native kernel builds the
/// per-channel scale and shift: two and a half times a convolution's dispatch (resnet18: 2.4).
pub const NORM_FLOOR: f64 = 2.5;

/// torchvision's activations and residual adds run in place: the write goes to the line just read, so the two
/// transfers counted cost less than two (resnet18: 1.4× the streaming rate per counted byte).
pub const IN_PLACE_BANDWIDTH: f64 = 1.4;
/// An activation module's `forward` is one call into a vectorised kernel: 0.6 of a convolution's dispatch.
pub const IN_PLACE_FLOOR: f64 = 0.6;

/// PyTorch's CPU max pooling also records the argmax of every window in a scalar loop: 0.3% of the FMA peak per
/// window element (resnet18's max pool at batch 1 and 16: 0.29–0.30%).
pub const POOL_EFFICIENCY: f64 = 0.003;

/// The terms of one row's kernel on a CPU.
pub fn terms(s: &Stats, dtype: Dtype, device: &Device) -> Terms {
    let bandwidth = device.bandwidth * BANDWIDTH_EFFICIENCY * device.bandwidth_scale;
    let peak = device.sustained_for(dtype);
    let flops = s.work_flops as f64;
    let traffic = s.traffic_bytes() as f64;
    // One constructor: the path, the compute rate's share of the peak, the bytes and their share of the
    // bandwidth, and the floor's multiple of the device's.
    let make = |path, compute: f64, (bytes, memory, sequential): (f64, f64, bool), floor: f64| {
        let rate = peak * compute;
        let bw = bandwidth * memory;
        Terms {
            path,
            flops,
            rate,
            plan: None,
            compute_s: if rate > 0.0 { flops / rate } else { 0.0 },
            bytes,
            bandwidth: bw,
            bandwidth_share: BANDWIDTH_EFFICIENCY * device.bandwidth_scale * memory,
            memory_s: if bw > 0.0 { bytes / bw } else { 0.0 },
            sequential,
            floor_s: device.floor_s * floor,
        }
    };
    let pass = Path::Elementwise;
    match s.work {
        Work::None => Terms::none(Path::NoKernel),
        Work::Elementwise => match s.kind {
            OpKind::Norm => make(pass, 1.0, (traffic, NORM_BANDWIDTH, false), NORM_FLOOR),
            OpKind::Activation | OpKind::AddMul => make(
                pass,
                1.0,
                (traffic, IN_PLACE_BANDWIDTH, false),
                IN_PLACE_FLOOR,
            ),
            OpKind::Pool => make(pass, POOL_EFFICIENCY, (traffic, 1.0, false), 1.0),
            _ => make(pass, 1.0, (traffic, 1.0, false), 1.0),
        },
        Work::Gemm(g) => {
            if s.kind == OpKind::Linear {
                return make(
                    Path::Untiled,
                    LINEAR_EFFICIENCY,
                    (traffic, REORDER_EFFICIENCY, true),
                    1.0,
                );
            }
            // The batch is the output's elements over one sample's; a 1×1 that skips no input has stride 1.
            let batch = s.activation_elems / s.output.numel().max(1);
            if s.kind == OpKind::Conv1x1 && g.skipped_input == 0 && batch < 16 {
                return make(
                    Path::Untiled,
                    NATIVE_GEMM_EFFICIENCY,
                    (traffic, 1.0, false),
                    1.0,
                );
            }
            // The reorders copy the whole input, also the pixels a strided window skips (the GPU model leaves
            // those out): all of the read-once traffic passes through them.
            make(
                Path::Untiled,
                CONV_EFFICIENCY,
                (traffic, REORDER_EFFICIENCY, true),
                1.0,
            )
        }
    }
}
