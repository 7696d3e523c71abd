//! The time model: turns each row's device-independent work and counts, and a device, into a time, its terms
//! and what limits it; the pure roofline stays beside it as the best case.
//!
//! Per kernel, `time = floor + max(compute, memory)`:
//! - **compute**: a convolution or linear layer is a matrix product (cuDNN's implicit GEMM). On a GPU its output
//!   is cut into tiles that run in waves over the SMs at the sustained peak of the units the dtype uses (tensor
//!   cores for fp16/bf16 and dp4a for int8 when the channels are aligned, the CUDA cores otherwise); padding of
//!   the last tile, idle SMs in the last wave and split-K are counted ([`gemm`]). fp32 3×3 stride-1 layers may
//!   use Winograd. Grouped and depthwise layers with few filters per group run a direct kernel at a share of the
//!   CUDA-core rate. Element-wise kernels (normalisation, activations, adds, pooling) compute at the CUDA-core rate.
//! - **memory**: the read-once bytes (minus input a strided window skips) at 80% of the datasheet bandwidth.
//! - **floor**: the launch and library overhead of any kernel, per device.
//!
//! On Apple GPUs (no SMs or published tile sizes) there is no tile or wave quantisation: compute is the FLOPs at
//! the sustained peak, plus the same memory term and the device's floor. On CPUs the path PyTorch's CPU backend
//! takes decides ([`cpu`]): convolutions in oneDNN with layout reorders that run in sequence with the arithmetic
//! (`floor + compute + memory`), small-batch 1×1 convolutions as a BLAS GEMM, and per-kind bandwidth shares and
//! floors for batch norm, activations and pooling.
//!
//! With [`TimeOptions::fused`] a batch norm and activations right after a convolution or linear layer are folded
//! into its kernel, as an inference engine (TensorRT, torch.compile) does: their rows take no time and say so.
//!
//! Checked against DeepBench's cuDNN times (`convscope validate`, `tests/native/timing.rs`) and, on a CPU, against
//! PyTorch's measured times (`tests/native/cpu_model.rs`).

pub mod calibrate;
pub mod cpu;
pub mod gemm;
pub mod terms;
pub mod validate;
pub mod work;

pub use terms::{Path, Terms};
pub use work::{Gemm, Work};

use crate::core::analysis::{Analysis, Bound, Row, Stats};
use crate::core::device::{Device, DeviceKind};
use crate::core::shape::Dtype;

/// The model in one paragraph, for display under every table.
pub const DESCRIPTION: &str = "Time per kernel = floor (launch and library overhead) + max(compute, memory). \
    Compute: convolutions and linear layers as GEMMs, cut into tiles that run in waves over the GPU's SMs at the \
    sustained peak (clocks under load) of tensor cores when the channels are aligned, else CUDA cores; Winograd \
    for fp32 3×3; no tiles on CPUs and Apple GPUs. Memory: read-once bytes at 80% of the datasheet bandwidth. \
    On a CPU, PyTorch's paths: oneDNN convolutions reorder their tensors before and after the arithmetic (the two \
    add up), and batch norm, activations and pooling reach their own shares of the bandwidth. \
    Norms, activations and adds are kernels of their own unless fused. Bound: compute, memory, overhead (the \
    floor dominates) or underfilled (compute-bound with most SMs idle). Roofline (best case) = \
    max(FLOPs / datasheet peak, read-once bytes / datasheet bandwidth). Checked against DeepBench's cuDNN times.";

/// Switches of the time model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct TimeOptions {
    /// Fold batch norm and activations into the preceding convolution or linear layer (inference engine).
    pub fused: bool,
}

/// One row's time under the model, with the roofline's best case beside it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RowTime {
    pub time_s: f64,
    /// `max(FLOPs / datasheet peak, read-once bytes / datasheet bandwidth)`.
    pub roofline_s: f64,
    pub bound: Bound,
    pub terms: Terms,
    /// The row whose kernel this one is folded into.
    pub fused_into: Option<usize>,
}

/// The times of every row (`None` for rows without numbers) and their sums.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Timings {
    pub rows: Vec<Option<RowTime>>,
    pub total_s: f64,
    pub roofline_total_s: f64,
}

/// Times every computed row of `analysis` on `device`; the counts are not recomputed.
pub fn time(analysis: &Analysis, device: &Device, options: &TimeOptions) -> Timings {
    let mut t = Timings {
        rows: Vec::with_capacity(analysis.rows.len()),
        ..Timings::default()
    };
    each(
        &analysis.rows,
        analysis.options.dtype,
        device,
        options,
        |rt| {
            if let Some(rt) = &rt {
                t.total_s += rt.time_s;
                t.roofline_total_s += rt.roofline_s;
            }
            t.rows.push(rt);
        },
    );
    t
}

/// Calls `f` with every row's time in order (`None` for rows without numbers), without collecting them.
pub fn each(
    rows: &[Row],
    dtype: Dtype,
    device: &Device,
    options: &TimeOptions,
    mut f: impl FnMut(Option<RowTime>),
) {
    // The row whose kernel a following batch norm or activation can join, while the shapes agree.
    let mut host: Option<(usize, crate::core::shape::Shape)> = None;
    for row in rows {
        let Some(s) = &row.stats else {
            f(None);
            host = None;
            continue;
        };
        let foldable = (row.class == "BatchNorm2d" || row.class == "BatchNorm1d")
            || s.kind == crate::core::cost::OpKind::Activation;
        let fused_into = match host {
            Some((i, shape)) if options.fused && foldable && shape == s.output => Some(i),
            _ => None,
        };
        let terms = match fused_into {
            Some(_) => Terms::none(Path::Fused),
            None => terms(s, dtype, device),
        };
        host = match (fused_into, s.work) {
            (Some(i), _) => Some((i, s.output)),
            (None, Work::Gemm(_)) => Some((row.index, s.output)),
            _ => None,
        };
        f(Some(RowTime {
            time_s: terms.time_s(),
            roofline_s: roofline(s, dtype, device),
            bound: terms.bound(),
            terms,
            fused_into,
        }));
    }
}

/// The terms of a timed row, recomputed from its stats (cheap, so rows need not carry them): what "how is this
/// time computed" shows.
pub fn row_terms(s: &Stats, dtype: Dtype, device: &Device) -> Terms {
    if s.bound == Bound::Fused {
        Terms::none(Path::Fused)
    } else {
        terms(s, dtype, device)
    }
}

/// The roofline's best case: `max(work FLOPs / datasheet peak, read-once bytes / datasheet bandwidth)`.
pub fn roofline(s: &Stats, dtype: Dtype, device: &Device) -> f64 {
    let compute = s.work_flops as f64 / device.peak_for(dtype);
    let memory = s.traffic_bytes() as f64 / device.bandwidth;
    compute.max(memory)
}

/// Channels must be a multiple of this for the dtype's fast units: 8 fp16/bf16 elements per tensor-core
/// fragment row, 4 int8 per dp4a instruction.
fn alignment(dtype: Dtype) -> u64 {
    match dtype {
        Dtype::Fp32 => 1,
        Dtype::Fp16 | Dtype::Bf16 => 8,
        Dtype::Int8 => 4,
    }
}

/// The terms of one row's own kernel.
pub fn terms(s: &Stats, dtype: Dtype, device: &Device) -> Terms {
    if device.kind == DeviceKind::Cpu {
        return cpu::terms(s, dtype, device);
    }
    let bandwidth = device.bandwidth * gemm::BANDWIDTH_EFFICIENCY * device.bandwidth_scale;
    let flops = s.work_flops as f64;
    let traffic = s.traffic_bytes() as f64;
    let cuda = device.sustained_for(Dtype::Fp32);
    let base = |path, rate: f64, plan: Option<gemm::Plan>, bytes: f64| {
        let compute_s = match plan {
            Some(p) => p.time_s,
            None if rate > 0.0 => flops / rate,
            None => 0.0,
        };
        Terms {
            path,
            flops,
            rate,
            plan,
            compute_s,
            bytes,
            bandwidth,
            // The text keeps saying the model's share even for a calibrated bandwidth, as it always has.
            bandwidth_share: gemm::BANDWIDTH_EFFICIENCY,
            memory_s: bytes / bandwidth,
            sequential: false,
            floor_s: device.floor_s,
        }
    };
    let g = match s.work {
        Work::None => return Terms::none(Path::NoKernel),
        Work::Elementwise => {
            // Element-wise arithmetic runs on the general-purpose units of a GPU, at the dtype's rate on Apple's.
            let rate = match device.kind {
                DeviceKind::Gpu => cuda,
                DeviceKind::AppleGpu | DeviceKind::Cpu => device.sustained_for(dtype),
            };
            return base(Path::Elementwise, rate, None, traffic);
        }
        Work::Gemm(g) => g,
    };
    let bytes = (traffic - (g.skipped_input.saturating_mul(dtype.bytes())) as f64).max(0.0);
    if device.kind != DeviceKind::Gpu || device.sms == 0 {
        return base(Path::Untiled, device.sustained_for(dtype), None, bytes);
    }
    if g.m <= gemm::MATRIX_VECTOR_ROWS {
        return base(Path::MatrixVector, cuda, None, bytes);
    }
    if g.groups > 1 && g.n < gemm::LOW_REUSE_FILTERS {
        return base(
            Path::LowReuse,
            cuda * gemm::LOW_REUSE_EFFICIENCY,
            None,
            bytes,
        );
    }
    let rate = device.sustained_for(dtype);
    // A dtype well above the CUDA-core rate runs on special units (tensor cores, dp4a), which need aligned channels.
    let special = rate > 2.0 * cuda;
    let align = alignment(dtype);
    let tiled = |path, dims, products, rate, menu| {
        let plan = gemm::plan(dims, products, rate, device.sms, device.split_k, menu);
        base(path, rate, plan, bytes)
    };
    if special && g.channels % align != 0 {
        // Pad the channels up to the alignment: the reduction grows by the same factor.
        let padded = g.channels.div_ceil(align) * align;
        let k = g.k / g.channels.max(1) * padded;
        return tiled(
            Path::Padded { align },
            (g.m, g.n, k),
            g.groups,
            cuda,
            gemm::FALLBACK_TILES,
        );
    }
    let (path, menu) = if special {
        (Path::TensorCores, gemm::TENSOR_CORE_TILES)
    } else {
        (Path::CudaCores, gemm::CUDA_CORE_TILES)
    };
    let direct = tiled(path, (g.m, g.n, g.k), g.groups, rate, menu);
    if g.winograd_m == 0 || special {
        return direct;
    }
    let mut winograd = tiled(
        Path::Winograd,
        (g.winograd_m, g.n, g.channels),
        gemm::WINOGRAD_PRODUCTS,
        rate,
        menu,
    );
    winograd.compute_s /= gemm::WINOGRAD_EFFICIENCY;
    if let Some(p) = &mut winograd.plan {
        p.time_s = winograd.compute_s;
    }
    if winograd.compute_s < direct.compute_s {
        winograd
    } else {
        direct
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analysis::{analyse, Options};
    use crate::core::format;

    /// The last row's terms of `spec` at `batch` on `device` in `dtype`.
    fn last(spec: &str, batch: u64, device: &str, dtype: Dtype) -> (Stats, Terms) {
        let arch = format::parse(spec).expect("spec");
        let device = Device::find(device).expect("device");
        let a = analyse(
            &arch,
            &Options {
                batch,
                dtype,
                device: device.clone(),
                ..Options::default()
            },
        );
        let s = a.rows.last().and_then(|r| r.stats).expect("stats");
        (s, row_terms(&s, dtype, &device))
    }

    #[test]
    fn three_channels_in_fp16_pad_to_eight_on_cuda_cores() {
        // 3×224×224 → 64 filters 3×3 at batch 8 on a V100: K = 3·9 = 27 padded to 8·9 = 72.
        let (_, t) = last("v1/3x224x224/conv(64,3,p1,nobias)", 8, "v100", Dtype::Fp16);
        assert_eq!(t.path, Path::Padded { align: 8 });
        let p = t.plan.expect("tiled");
        // 8·224·224 = 401,408 rows: 3,136 tiles of 128 × one of 128 (the generic kernel's only tile).
        assert_eq!((p.tile.m, p.tile.n, p.tiles), (128, 128, 3136));
        let cuda = Device::find("v100")
            .expect("v100")
            .sustained_for(Dtype::Fp32);
        let waves = 3136_u64.div_ceil(80) as f64;
        let expected = waves * 2.0 * 128.0 * 128.0 * 72.0 / (cuda / 80.0);
        assert!((t.compute_s - expected).abs() < 1e-9 * expected);
    }

    #[test]
    fn aligned_fp16_uses_tensor_cores_and_fp32_3x3_may_use_winograd() {
        let (_, t) = last("v1/64x56x56/conv(64,3,p1,nobias)", 16, "v100", Dtype::Fp16);
        assert_eq!(t.path, Path::TensorCores);
        let (_, t) = last(
            "v1/64x112x112/conv(128,3,p1,nobias)",
            16,
            "v100",
            Dtype::Fp32,
        );
        assert_eq!(t.path, Path::Winograd);
        // Strided: no Winograd.
        let (_, t) = last(
            "v1/64x112x112/conv(128,3,s2,p1,nobias)",
            16,
            "v100",
            Dtype::Fp32,
        );
        assert_eq!(t.path, Path::CudaCores);
    }

    #[test]
    fn small_products_depthwise_and_cpus_take_their_own_paths() {
        let (_, t) = last("v1/2048x1x1/flatten/linear(1000)", 1, "t4", Dtype::Fp32);
        assert_eq!(t.path, Path::MatrixVector);
        let (_, t) = last(
            "v1/32x112x112/conv(32,3,p1,g32,nobias)",
            1,
            "t4",
            Dtype::Fp32,
        );
        assert_eq!(t.path, Path::LowReuse);
        let (_, t) = last(
            "v1/64x56x56/conv(64,3,p1,nobias)",
            1,
            "laptop_cpu",
            Dtype::Fp32,
        );
        assert_eq!(t.path, Path::Untiled);
        assert!(t.plan.is_none());
    }

    #[test]
    fn a_strided_1x1_reads_a_quarter_of_its_input() {
        let (s, t) = last("v1/256x56x56/conv(512,1,s2,nobias)", 1, "t4", Dtype::Fp32);
        let input = 256.0 * 56.0 * 56.0 * 4.0;
        assert!((s.traffic_bytes() as f64 - t.bytes - 0.75 * input).abs() < 1.0);
    }

    #[test]
    fn the_explanation_states_every_term() {
        let (s, t) = last(
            "v1/512x7x7/conv(512,3,p1,nobias)",
            1,
            "titanxp",
            Dtype::Int8,
        );
        let text = t.explain();
        for part in [
            "kernel: tiled GEMM on tensor cores",
            "compute:",
            "tiles of",
            "memory:",
            "floor:",
        ] {
            assert!(text.contains(part), "{text}");
        }
        // 49 output pixels and 512 filters: 4 tiles on 30 SMs, without split-K (cuDNN 6).
        assert_eq!(s.bound, Bound::Underfilled);
    }
}
