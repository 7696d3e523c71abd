//! What a row's kernel does, independent of device and model: a matrix product with its dimensions, an
//! element-wise pass, or nothing at all. The walker records it; the time model reads it.

use crate::core::layer::{Conv, ConvTranspose, Groups, Layer};
use crate::core::shape::Shape;

/// The kind of kernel a row launches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Work {
    /// No kernel: a view (`Flatten`) or an inference no-op (`Dropout`).
    #[default]
    None,
    /// An element-wise or reduction pass over memory: normalisation, activation, pooling, add, concatenation.
    Elementwise,
    /// A matrix product: a convolution as an implicit GEMM, a transposed convolution, a linear layer.
    Gemm(Gemm),
}

/// A matrix product `C[m×n] = A[m×k] · B[k×n]`, once per group, as cuDNN's implicit GEMM lays out a convolution:
/// `m = N·P·Q` output pixels, `n = K/groups` filters, `k = C/groups·R·S` reduction length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gemm {
    pub m: u64,
    pub n: u64,
    pub k: u64,
    /// Independent products (the convolution's groups).
    pub groups: u64,
    /// Reduction channels per group: tensor cores need them in multiples of 8 (fp16) or 4 (int8).
    pub channels: u64,
    /// Rows of each of the 36 products of a Winograd F(4×4, 3×3) convolution, `N·⌈P/4⌉·⌈Q/4⌉`; 0 when the layer
    /// is not a dense 3×3 stride-1 undilated convolution.
    pub winograd_m: u64,
    /// Input elements (whole batch) that a strided window never reads: a 1×1 stride-2 convolution reads a quarter
    /// of its input.
    pub skipped_input: u64,
}

/// The work of one leaf layer on one batch, given its input and output shapes.
pub fn of_layer(layer: &Layer, input: Shape, output: Shape, batch: u64, moves_data: bool) -> Work {
    match (layer, input, output) {
        (Layer::Conv(c), Shape::Map { c: ci, h, w }, Shape::Map { h: p, w: q, .. }) => {
            Work::Gemm(conv(c, batch, (ci, h, w), (p, q)))
        }
        (Layer::ConvTranspose(c), Shape::Map { c: ci, h, w }, _) => {
            Work::Gemm(conv_transpose(c, batch, (ci, h, w)))
        }
        (Layer::Linear { out, .. }, Shape::Flat { f }, _) => Work::Gemm(Gemm {
            m: batch,
            n: *out,
            k: f,
            groups: 1,
            channels: f,
            winograd_m: 0,
            skipped_input: 0,
        }),
        _ if moves_data => Work::Elementwise,
        _ => Work::None,
    }
}

fn conv(c: &Conv, batch: u64, (ci, h, w): (u64, u64, u64), (p, q): (u64, u64)) -> Gemm {
    let groups = match c.groups {
        Groups::Count(g) => g.max(1),
        Groups::Depthwise => ci.max(1),
    };
    let channels = ci / groups;
    let (r, s) = (c.kernel.h, c.kernel.w);
    let winograd = r == 3
        && s == 3
        && c.stride.h == 1
        && c.stride.w == 1
        && c.dilation.h == 1
        && c.dilation.w == 1
        && groups == 1;
    // Rows and columns a window ever reads: with a stride larger than the kernel, the gaps are never loaded.
    let touched = |out: u64, k: u64, stride: u64, dilation: u64, size: u64| {
        if dilation == 1 {
            out.saturating_mul(k.min(stride)).min(size)
        } else {
            size
        }
    };
    let th = touched(p, r, c.stride.h, c.dilation.h, h);
    let tw = touched(q, s, c.stride.w, c.dilation.w, w);
    let m = batch.saturating_mul(p).saturating_mul(q);
    Gemm {
        m,
        n: c.out / groups,
        k: channels.saturating_mul(r).saturating_mul(s),
        groups,
        channels,
        winograd_m: if winograd {
            batch
                .saturating_mul(p.div_ceil(4))
                .saturating_mul(q.div_ceil(4))
        } else {
            0
        },
        skipped_input: batch
            .saturating_mul(ci)
            .saturating_mul(h.saturating_mul(w).saturating_sub(th.saturating_mul(tw))),
    }
}

/// fvcore counts `N·Cin·(Cout/g)·kh·kw·Hin·Win`: a product over input pixels scattering `Cout/g·kh·kw` values.
fn conv_transpose(c: &ConvTranspose, batch: u64, (ci, h, w): (u64, u64, u64)) -> Gemm {
    let groups = c.groups.max(1);
    Gemm {
        m: batch.saturating_mul(h).saturating_mul(w),
        n: (c.out / groups)
            .saturating_mul(c.kernel.h)
            .saturating_mul(c.kernel.w),
        k: ci / groups,
        groups,
        channels: ci / groups,
        winograd_m: 0,
        skipped_input: 0,
    }
}
