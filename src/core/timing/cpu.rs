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

/// oneDNN's layout reorders (and BLAS's packing) gather 16 channels from 16 planes: strided passes that reach
/// about an eighth of the streaming bandwidth (fitted on resnet18: 0.11–0.15). They are what a 3×3 layer on 7×7
/// maps at batch 1 spends half its time on (9.4 MB of weights reordered for 49 output pixels).
pub const REORDER_EFFICIENCY: f64 = 0.125;

/// A dense convolution in oneDNN's direct or brgemm kernels runs at the FMA peak: the calibrated compute scale is
/// set mostly by these layers.
pub const CONV_EFFICIENCY: f64 = 1.0;

/// PyTorch's native path calls BLAS `sgemm`, MKL 2024 in the wheels (`torch.__config__.show()`), which on AMD
/// processors runs 256-bit (AVX2) kernels: half the AVX-512 FMA peak. resnet18 has no stride-1 1×1 layer, so
/// this one is not fitted on it (an assumption; resnet50's and mobilenet_v2's 1×1 layers at batch 1 agree).
pub const NATIVE_GEMM_EFFICIENCY: f64 = 0.5;

/// A linear layer at small batch is a matrix-vector product: its arithmetic reaches a quarter of the peak
/// (resnet18's classifier at batch 1 and 16: 0.24–0.28).
pub const LINEAR_EFFICIENCY: f64 = 0.25;

/// Batch norm writes a fresh output (a write-allocate costs a read for ownership: three transfers for the two
/// counted) after a pass over the per-channel statistics: half the streaming bandwidth (resnet18: 0.50–0.58).
pub const NORM_BANDWIDTH: f64 = 0.5;
/// Batch norm's `forward` checks its mode and running statistics in Python and the native kernel builds the
/// per-channel scale and shift: two and a half times a convolution's dispatch (resnet18: 2.3–2.7).
pub const NORM_FLOOR: f64 = 2.5;

/// torchvision's activations and residual adds run in place: the write goes to the line just read, so the two
/// transfers counted cost less than two (resnet18: 1.2–1.4× the streaming rate per counted byte).
pub const IN_PLACE_BANDWIDTH: f64 = 1.4;
/// An activation module's `forward` is one call into a vectorised kernel: 0.6 of a convolution's dispatch
/// (resnet18: 0.5–0.64).
pub const IN_PLACE_FLOOR: f64 = 0.6;

/// PyTorch's CPU max pooling also records the argmax of every window in a scalar loop: 0.3% of the FMA peak per
/// counted FLOP (resnet18's max pool at batch 1 and 16: 0.29–0.31%).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analysis::{analyse, Options};
    use crate::core::format;

    /// The last row's stats and CPU terms of `spec` at `batch` on the laptop preset.
    fn last(spec: &str, batch: u64) -> (Stats, Terms) {
        let device = Device::find("laptop_cpu").expect("laptop_cpu");
        let a = analyse(
            &format::parse(spec).expect("spec"),
            &Options {
                batch,
                device: device.clone(),
                ..Options::default()
            },
        );
        let s = a.rows.last().and_then(|r| r.stats).expect("stats");
        (s, terms(&s, Dtype::Fp32, &device))
    }

    #[test]
    fn a_onednn_convolution_adds_its_reorders_to_its_arithmetic() {
        // 64 → 64 filters 3×3 on 56×56 at batch 1: 2·64·64·9·56·56 FLOPs; input, weights and output in fp32.
        let (_, t) = last("v1/64x56x56/conv(64,3,p1,nobias)", 1);
        let flops = 2.0 * 64.0 * 64.0 * 9.0 * 3136.0;
        let bytes = 4.0 * (64.0 * 3136.0 + 64.0 * 64.0 * 9.0 + 64.0 * 3136.0);
        // Intel's datasheet: 358.4 GFLOP/s, 68.3 GB/s (80% achievable), a 5 µs floor.
        let expected = 5e-6 + flops / 358.4e9 + bytes / (68.3e9 * 0.8 * REORDER_EFFICIENCY);
        assert!(t.sequential);
        assert!((t.time_s() - expected).abs() < 1e-12, "{t:?}");
        assert!(t.explain().contains("time = floor + compute + memory"));
    }

    #[test]
    fn a_stride_1_pointwise_convolution_under_batch_16_is_a_blas_gemm() {
        let spec = "v1/256x14x14/conv(64,1,nobias)";
        let (_, small) = last(spec, 1);
        assert!(!small.sequential);
        assert!((small.rate - 358.4e9 * NATIVE_GEMM_EFFICIENCY).abs() < 1.0);
        // From batch 16, and strided at any batch, PyTorch hands it to oneDNN.
        let (_, large) = last(spec, 16);
        assert!(large.sequential && (large.rate - 358.4e9).abs() < 1.0);
        let (_, strided) = last("v1/256x14x14/conv(64,1,s2,nobias)", 1);
        assert!(strided.sequential);
    }

    #[test]
    fn batch_norm_and_in_place_activations_have_their_own_floor_and_bandwidth() {
        let (s, bn) = last("v1/64x56x56/bn", 1);
        assert!((bn.floor_s - 5e-6 * NORM_FLOOR).abs() < 1e-15);
        let bw = 68.3e9 * 0.8 * NORM_BANDWIDTH;
        assert!((bn.memory_s - s.traffic_bytes() as f64 / bw).abs() < 1e-15);
        assert!(!bn.sequential);
        let (_, relu) = last("v1/64x56x56/relu", 1);
        assert!((relu.floor_s - 5e-6 * IN_PLACE_FLOOR).abs() < 1e-15);
        assert!((relu.bandwidth - 68.3e9 * 0.8 * IN_PLACE_BANDWIDTH).abs() < 1.0);
    }
}
