//! The terms of one row's time: which kernel path, the compute term with its rate and tiles, the memory term with
//! its bytes and bandwidth, the floor. They answer "how is this time computed".

use crate::core::analysis::Bound;
use crate::core::report::{seconds, si};
use crate::core::timing::gemm::Plan;

/// The kernel a row runs as, which decides its compute rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// A tiled product on tensor cores (fp16/bf16) or dp4a units (int8).
    TensorCores,
    /// A tiled product on the CUDA cores.
    CudaCores,
    /// Winograd F(4×4, 3×3) on the CUDA cores.
    Winograd,
    /// Channels not a multiple of `align`: padded, on the CUDA cores with the generic kernel.
    Padded { align: u64 },
    /// A product with a handful of rows: a matrix-vector kernel, untiled.
    MatrixVector,
    /// A grouped or depthwise convolution with few filters per group: a direct kernel on the CUDA cores.
    LowReuse,
    /// A product on a device without SMs (CPU, Apple GPU): no tiles or waves.
    Untiled,
    /// An element-wise or reduction pass.
    Elementwise,
    /// Folded into the kernel of the preceding convolution or linear layer.
    Fused,
    /// No kernel at all (a view or an inference no-op).
    NoKernel,
}

impl Path {
    /// Plain-language name.
    pub fn label(self) -> String {
        match self {
            Path::TensorCores => "tiled GEMM on tensor cores".into(),
            Path::CudaCores => "tiled GEMM on CUDA cores".into(),
            Path::Winograd => "Winograd F(4×4,3×3), 36 tiled GEMMs on CUDA cores".into(),
            Path::Padded { align } => format!(
                "channels padded to a multiple of {align}: generic GEMM on CUDA cores (no tensor cores)"
            ),
            Path::MatrixVector => "matrix-vector kernel".into(),
            Path::LowReuse => "direct kernel (few filters per group: low reuse)".into(),
            Path::Untiled => "GEMM (no SM/tile model on this device)".into(),
            Path::Elementwise => "element-wise kernel".into(),
            Path::Fused => "fused into the preceding layer's kernel".into(),
            Path::NoKernel => "no kernel (view or no-op)".into(),
        }
    }
}

/// One row's time, term by term.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Terms {
    pub path: Path,
    /// Arithmetic the kernel performs, in FLOPs (the layer's work; padding and Winograd's savings are in the rate).
    pub flops: f64,
    /// FLOP/s the compute term starts from: the sustained peak of the path's units.
    pub rate: f64,
    /// The tiles, waves and split-K of a tiled product.
    pub plan: Option<Plan>,
    pub compute_s: f64,
    /// Bytes the kernel moves (read-once traffic; on a GPU minus input a strided window skips).
    pub bytes: f64,
    /// Achievable bandwidth: the datasheet figure × [`crate::core::timing::gemm::BANDWIDTH_EFFICIENCY`] (on a CPU
    /// also × the share of its kind of pass, [`crate::core::timing::cpu`]).
    pub bandwidth: f64,
    /// `bandwidth` as a share of the datasheet figure.
    pub bandwidth_share: f64,
    pub memory_s: f64,
    /// The memory passes run before and after the arithmetic instead of overlapping it (a CPU convolution's layout
    /// reorders): `time = floor + compute + memory`.
    pub sequential: bool,
    /// Launch and library overhead of the kernel.
    pub floor_s: f64,
}

impl Terms {
    /// Terms of a row without a kernel of its own.
    pub fn none(path: Path) -> Terms {
        Terms {
            path,
            flops: 0.0,
            rate: 0.0,
            plan: None,
            compute_s: 0.0,
            bytes: 0.0,
            bandwidth: 0.0,
            bandwidth_share: 0.0,
            memory_s: 0.0,
            sequential: false,
            floor_s: 0.0,
        }
    }

    /// `floor + max(compute, memory)`: a kernel's fixed cost does not overlap its work, compute and memory do
    /// (unless the memory passes are [`Terms::sequential`]: then `floor + compute + memory`).
    pub fn time_s(&self) -> f64 {
        match self.path {
            Path::NoKernel | Path::Fused => 0.0,
            _ if self.sequential => self.floor_s + self.compute_s + self.memory_s,
            _ => self.floor_s + self.compute_s.max(self.memory_s),
        }
    }

    /// What limits the row: the floor when it exceeds both terms, else the larger term; a compute-bound product
    /// that keeps fewer than half of the SM-slots busy is limited by the GPU not being filled.
    pub fn bound(&self) -> Bound {
        match self.path {
            Path::NoKernel => Bound::None,
            Path::Fused => Bound::Fused,
            _ if self.floor_s >= self.compute_s.max(self.memory_s) => Bound::Overhead,
            _ if self.compute_s >= self.memory_s => match self.plan {
                Some(p) if p.fill < 0.5 => Bound::Underfilled,
                _ => Bound::Compute,
            },
            _ => Bound::Memory,
        }
    }

    /// The terms with their inputs, one per line.
    pub fn explain(&self) -> String {
        let mut lines = vec![format!("kernel: {}", self.path.label())];
        if matches!(self.path, Path::NoKernel | Path::Fused) {
            lines.push("time: 0 s".into());
            return lines.join("\n");
        }
        lines.push(format!(
            "compute: {} FLOP at {}FLOP/s = {}",
            si(self.flops),
            si(self.rate),
            seconds(self.compute_s)
        ));
        if let Some(p) = self.plan {
            lines.push(format!(
                "  {} tiles of {}×{} ({}% of peak per SM), split-K {}, {} wave(s) over the SMs, {:.0}% of SM-slots busy",
                p.tiles,
                p.tile.m,
                p.tile.n,
                (p.tile.efficiency * 100.0).round(),
                p.split_k,
                p.waves,
                p.fill * 100.0
            ));
        }
        lines.push(format!(
            "memory: {}B at {}B/s ({:.0}% of datasheet) = {}{}",
            si(self.bytes),
            si(self.bandwidth),
            self.bandwidth_share * 100.0,
            seconds(self.memory_s),
            if self.sequential {
                " (layout reorders and packing, before and after the arithmetic)"
            } else {
                ""
            }
        ));
        lines.push(format!(
            "floor: {} (launch and library)",
            seconds(self.floor_s)
        ));
        lines.push(format!(
            "time = floor + {} = {} ({})",
            if self.sequential {
                "compute + memory"
            } else {
                "max(compute, memory)"
            },
            seconds(self.time_s()),
            self.bound().key()
        ));
        lines.join("\n")
    }
}
