//! Bounds on user-controlled sizes, so that every count fits in a `u64` and no input can exhaust memory.
//!
//! With every dimension at most 2^20 and the batch at most 2^16, an element count per sample needs at most 60 bits;
//! products that could still overflow (MACs of huge layers) are computed with checked arithmetic and reported as a
//! diagnostic rather than wrapped.

/// Largest channel count, feature count or output width of a layer.
pub const MAX_CHANNELS: u64 = 1 << 20;
/// Largest height or width of a feature map.
pub const MAX_SPATIAL: u64 = 1 << 16;
/// Largest kernel, stride, padding or dilation.
pub const MAX_KERNEL: u64 = 1 << 12;
/// Largest batch size.
pub const MAX_BATCH: u64 = 1 << 16;
/// Largest repeat count of one item in the text format.
pub const MAX_REPEAT: u64 = 1000;
/// Largest nesting depth of blocks in the text format.
pub const MAX_DEPTH: usize = 32;
/// Largest number of layer calls one analysis will list.
pub const MAX_ROWS: usize = 20_000;
/// Largest upsampling factor.
pub const MAX_SCALE: u64 = 64;
