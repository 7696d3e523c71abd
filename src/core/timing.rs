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
//! On CPUs and Apple GPUs (no SMs or published tile sizes) there is no tile or wave quantisation: compute is the
//! FLOPs at the sustained peak, plus the same memory term and the device's per-operator floor.
//!
//! With [`TimeOptions::fused`] a batch norm and activations right after a convolution or linear layer are folded
//! into its kernel, as an inference engine (TensorRT, torch.compile) does: their rows take no time and say so.
//!
//! Checked against DeepBench's cuDNN times (`convscope validate`, `tests/native/timing.rs`).

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
    let bandwidth = device.bandwidth * gemm::BANDWIDTH_EFFICIENCY;
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
            memory_s: bytes / bandwidth,
            floor_s: device.floor_s,
        }
    };
    let g = match s.work {
        Work::None => return Terms::none(Path::NoKernel),
        Work::Elementwise => {
            // Element-wise arithmetic runs on the general-purpose units of a GPU, at the dtype's rate on a CPU.
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
