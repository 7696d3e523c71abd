//! How a matrix product spreads over a GPU: output tiles, waves of tiles over the streaming multiprocessors (SMs),
//! and split-K when there are too few tiles to fill them. The few efficiencies of the model live here.
//!
//! A GPU GEMM kernel gives each thread block one `tile_m × tile_n` block of the output and walks the whole
//! reduction; the blocks run in waves of one per SM (Volta tuning guide; "tile and wave quantization", NVIDIA's
//! *Matrix Multiplication Background* guide). A product whose output is not a multiple of the tile computes the
//! padding too, and a last wave with fewer tiles than SMs leaves the rest idle: with few output pixels (7×7 maps at
//! small batch) most of the GPU waits. The library picks the fastest tile it has (cuDNN's `Find`), so the model
//! takes the fastest of its menu.

/// One output tile shape a kernel library offers, with the fraction of the SM's peak it sustains.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tile {
    pub m: u64,
    pub n: u64,
    /// Smaller tiles reuse each loaded element less, so they keep the arithmetic units less busy.
    pub efficiency: f64,
}

const T128X128: Tile = Tile {
    m: 128,
    n: 128,
    efficiency: 1.0,
};
const T128X64: Tile = Tile {
    m: 128,
    n: 64,
    efficiency: 0.9,
};
const T128X32: Tile = Tile {
    m: 128,
    n: 32,
    efficiency: 0.8,
};

/// CUDA-core (fp32) kernels: cuDNN and CUTLASS offer narrow tiles for few filters.
pub const CUDA_CORE_TILES: &[Tile] = &[T128X128, T128X64, T128X32];
/// Tensor-core and dp4a kernels: tiles at least 64 wide.
pub const TENSOR_CORE_TILES: &[Tile] = &[T128X128, T128X64];
/// The generic kernel used when the channels do not fit the tensor cores' alignment.
pub const FALLBACK_TILES: &[Tile] = &[T128X128];

/// Split-K gives every slice of the reduction at least this many elements: shorter slices cost more in the
/// partial-sum reduction than they save.
pub const SPLIT_K_MIN: u64 = 1024;

/// Winograd F(4×4, 3×3) (Lavin & Gray, CVPR 2016) turns a 3×3 convolution into 36 products with 4× fewer
/// multiplies; its input and output transforms and the products' short reductions keep it at this fraction of
/// the GEMM rate. cuDNN uses it for fp32 3×3 stride-1 layers, where it beats the direct product.
pub const WINOGRAD_EFFICIENCY: f64 = 0.5;

/// Winograd F(4×4, 3×3): output tile side and the number of independent products (`(4+2)²`).
pub const WINOGRAD_TILE: u64 = 4;
/// See [`WINOGRAD_TILE`].
pub const WINOGRAD_PRODUCTS: u64 = 36;

/// Achievable share of the datasheet memory bandwidth (a STREAM-like copy reaches ~80% on GPUs and CPUs).
pub const BANDWIDTH_EFFICIENCY: f64 = 0.8;

/// Grouped convolutions with fewer than this many filters per group (depthwise: 1) cannot fill a GEMM tile:
/// libraries run a direct kernel on the CUDA cores.
pub const LOW_REUSE_FILTERS: u64 = 32;
/// The share of the fp32 CUDA-core peak such a direct kernel reaches. Not checked against measurements (DeepBench
/// has no grouped convolutions): mostly these layers are memory-bound anyway.
pub const LOW_REUSE_EFFICIENCY: f64 = 0.5;

/// Products with at most this many rows (a linear layer at batch ≤ 8) run as matrix-vector kernels, which are
/// not tiled.
pub const MATRIX_VECTOR_ROWS: u64 = 8;

/// How a product runs: the chosen tile, how many tiles, the split of the reduction, the waves and the time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Plan {
    pub tile: Tile,
    /// Output tiles over all independent products.
    pub tiles: u64,
    /// Slices of the reduction (1 without split-K).
    pub split_k: u64,
    /// Rounds of one tile per SM.
    pub waves: u64,
    /// Busy SM-slots over all waves: below 1 the GPU is partly idle.
    pub fill: f64,
    pub time_s: f64,
}

/// The fastest plan for `products` independent `m×n×k` products at `rate` FLOP/s over `sms` SMs.
pub fn plan(
    (m, n, k): (u64, u64, u64),
    products: u64,
    rate: f64,
    sms: u32,
    split_k: bool,
    menu: &[Tile],
) -> Option<Plan> {
    let sms = u64::from(sms.max(1));
    menu.iter()
        .map(|&tile| {
            let tiles = m
                .div_ceil(tile.m)
                .saturating_mul(n.div_ceil(tile.n))
                .saturating_mul(products.max(1));
            let split = if split_k && tiles < sms {
                (sms / tiles.max(1)).min(k / SPLIT_K_MIN).max(1)
            } else {
                1
            };
            let slots = tiles.saturating_mul(split);
            let waves = slots.div_ceil(sms);
            let per_tile = 2.0 * (tile.m * tile.n) as f64 * k.div_ceil(split) as f64;
            let sm_rate = rate / sms as f64 * tile.efficiency;
            Plan {
                tile,
                tiles,
                split_k: split,
                waves,
                fill: slots as f64 / (waves.max(1) * sms) as f64,
                time_s: waves as f64 * per_tile / sm_rate,
            }
        })
        .min_by(|a, b| a.time_s.total_cmp(&b.time_s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_tile_on_many_sms_leaves_them_idle() {
        // 7×7 output at batch 1, 512 filters: 1 × 4 tiles of 128×128 on 30 SMs, no split-K.
        let p = plan((49, 512, 4608), 1, 30.0e12, 30, false, FALLBACK_TILES).expect("a plan");
        assert_eq!((p.tiles, p.waves, p.split_k), (4, 1, 1));
        assert!((p.fill - 4.0 / 30.0).abs() < 1e-12);
        // Each SM does a whole 128×128×4608 tile at 1/30 of the rate.
        let expected = 2.0 * 128.0 * 128.0 * 4608.0 / 1.0e12;
        assert!((p.time_s - expected).abs() < 1e-12 * expected);
    }

    #[test]
    fn split_k_fills_the_sms_when_the_reduction_is_long() {
        let p = plan((128, 128, 16384), 1, 80.0e12, 80, true, FALLBACK_TILES).expect("a plan");
        assert_eq!((p.tiles, p.split_k, p.waves), (1, 16, 1));
    }

    #[test]
    fn the_fastest_tile_wins() {
        // 32 filters fill a quarter of a 128-wide tile: the narrow tile is faster despite its efficiency.
        let p = plan((1 << 20, 32, 512), 1, 10.0e12, 80, true, CUDA_CORE_TILES).expect("a plan");
        assert_eq!((p.tile.m, p.tile.n), (128, 32));
    }
}
