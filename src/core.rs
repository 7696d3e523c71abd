//! The pure analysis core: model, costs, receptive field, roofline, text format and presets.
//!
//! # Conventions
//! Every number convscope shows follows these rules; the UI and the command line repeat them next to the numbers.
//!
//! - **Layout.** Tensors are `N×C×H×W` (PyTorch's NCHW); flat tensors are `N×F`. The batch `N` multiplies every
//!   activation, MAC and byte count; parameters do not depend on it.
//! - **Shapes.** PyTorch's formulas exactly: `out = floor((in + 2p − d(k−1) − 1) / s) + 1` for convolutions and
//!   pools (pools in `ceil_mode` round up, but never start a window in the right padding), padding is per side,
//!   `padding="same"` puts the odd pixel on the right/bottom like PyTorch does.
//! - **MACs.** One multiply-accumulate of a convolution or linear layer, bias excluded: the convention of fvcore and
//!   of torchvision's model docs (resnet50 at 224×224: 4,089,184,256). A transposed convolution counts
//!   `N·Cin·(Cout/g)·kh·kw·Hin·Win` as fvcore does. FLOPs = 2 × MACs.
//! - **Optional counts** ([`analysis::Counting`]): the bias add (1 per output element), normalisation (batch norm
//!   2 per element, fvcore's eval-mode count; group norm 5 per element, fvcore's count), activations (1 per
//!   element), pooling (1 per window element read; adaptive average pooling 1 per input element as in fvcore),
//!   upsampling (1 per output element nearest, 4 bilinear, as in fvcore), residual adds and SE multiplies (1 per output element). Each count carries its [`cost::OpKind`].
//!   These element-wise ops are always part of the *time* estimate, whatever the switches say.
//! - **Parameters** are PyTorch parameters: batch-norm running statistics are buffers, counted apart.
//! - **Receptive field** ([`rf`]): Distill's recurrence per axis; where paths meet, the larger field on the finer
//!   grid. A squeeze-excitation gate leaves the field as the convolution path gives it and sets [`rf::Rf::global`].
//! - **Memory traffic** for the chosen dtype: *read-once* bytes = input + weights (parameters and buffers) + output,
//!   the compulsory traffic of a layer; *no-reuse* bytes = every MAC re-reads its input element (the upper bound of
//!   "How fast is my model?", M. Hollemans 2018) + weights + output. Arithmetic intensity = FLOPs of all the
//!   layer's arithmetic (counted or not, as for the time) / read-once bytes.
//! - **Time** on a device: per kernel, `floor + max(compute, memory)` with compute from GEMM tiles and waves over
//!   the GPU's SMs at sustained peaks, memory at 80% of the datasheet bandwidth ([`timing`]); the roofline
//!   `max(FLOPs / datasheet peak, read-once bytes / datasheet bandwidth)` is kept as the best case.
//! - **Units** inside the code are elements, bytes, FLOPs and seconds; never MB or GFLOPs.

pub mod action;
pub mod addr;
pub mod analysis;
pub mod arch;
pub mod blocks;
pub mod compare;
pub mod compare_report;
pub mod cost;
pub mod device;
pub mod diagnostic;
pub mod format;
pub mod fragment;
pub mod layer;
pub mod limits;
pub mod measured;
pub mod presets;
pub mod report;
pub mod rf;
pub mod selection;
pub mod shape;
pub mod timing;
pub mod whatif;
