//! One ONNX node with one data input → one convscope leaf layer, with PyTorch's arguments recovered from the
//! attributes and the weights' dimensions.

use crate::core::layer::{
    Act, Conv, ConvTranspose, Groups, Layer, Padding, Pair, Pool, UpsampleMode,
};
use crate::core::limits::{MAX_CHANNELS, MAX_KERNEL, MAX_SCALE};

use super::graph::{dims_text, GNode, Graph};
use super::infer::{resize_scales, window_pads};
use super::ImportError;

/// The error for node `n`.
pub fn unsupported(n: &GNode, why: impl Into<String>) -> ImportError {
    ImportError::Unsupported {
        node: n.name.clone(),
        op: n.op.clone(),
        why: why.into(),
    }
}

/// Padding a `Pad` node in front adds to a conv or pool: per axis (begin, end).
pub type ExtraPads = [(i64, i64); 2];

/// The leaf layer for node `n`, or why there is none. `extra` is the padding of a `Pad` folded into it.
pub fn leaf(
    g: &Graph,
    n: &GNode,
    extra: ExtraPads,
    notes: &mut Vec<String>,
) -> Result<Layer, ImportError> {
    if let Some(p) = g.problems.get(node_index(g, n)).cloned().flatten() {
        return Err(p);
    }
    let x = n
        .input(0)
        .and_then(|v| g.shape(v))
        .map(<[i64]>::to_vec)
        .ok_or_else(|| unsupported(n, "the shape of its input is unknown"))?;
    let act = |a: Act| Ok(Layer::Act(a));
    match n.op.as_str() {
        "Conv" => conv(g, n, &x, extra, notes),
        "ConvTranspose" => conv_transpose(g, n, &x),
        "BatchNormalization" => Ok(Layer::BatchNorm { flat: x.len() == 2 }),
        "GroupNormalization" => {
            let groups = n.int("num_groups").unwrap_or(0);
            Ok(Layer::GroupNorm {
                groups: bounded(n, "group count", groups, MAX_CHANNELS)?,
            })
        }
        "Relu" => act(Act::Relu),
        "Sigmoid" => act(Act::Sigmoid),
        "Tanh" => act(Act::Tanh),
        "HardSwish" => act(Act::Hardswish),
        "Gelu" => act(Act::Gelu),
        "Mish" => act(Act::Mish),
        "LeakyRelu" => {
            // f32 in the file: 0.01 reads back as 0.0099999998; six significant digits recover what was written.
            let a = n.float("alpha").unwrap_or(0.01);
            act(Act::LeakyRelu((a * 1e6).round() / 1e6))
        }
        "HardSigmoid" => {
            let alpha = n.float("alpha").unwrap_or(0.2);
            let beta = n.float("beta").unwrap_or(0.5);
            if (alpha - 1.0 / 6.0).abs() < 1e-4 && (beta - 0.5).abs() < 1e-6 {
                act(Act::Hardsigmoid)
            } else {
                Err(unsupported(
                    n,
                    format!("HardSigmoid(alpha {alpha}, beta {beta}) is not PyTorch's Hardsigmoid (alpha 1/6, beta 1/2)"),
                ))
            }
        }
        "Clip" => clip(g, n),
        "MaxPool" | "AveragePool" => pool(n, &x, extra, notes),
        "GlobalAveragePool" => Ok(Layer::AdaptiveAvgPool(Pair::square(1))),
        "GlobalMaxPool" => Ok(Layer::AdaptiveMaxPool(Pair::square(1))),
        "ReduceMean" | "ReduceMax" => reduce(g, n, &x),
        "Flatten" => Ok(Layer::Flatten),
        "Reshape" => Ok(Layer::Flatten),
        "Gemm" => gemm(g, n, &x),
        "Resize" | "Upsample" => resize(g, n, &x),
        op => Err(unsupported(
            n,
            format!("convscope has no layer for the ONNX op {op}"),
        )),
    }
}

fn node_index(g: &Graph, n: &GNode) -> usize {
    g.values
        .get(n.out())
        .and_then(|v| v.producer)
        .unwrap_or(usize::MAX)
}

fn weight_shape(g: &Graph, n: &GNode) -> Result<Vec<i64>, ImportError> {
    n.input(1)
        .and_then(|v| g.shape(v))
        .map(<[i64]>::to_vec)
        .ok_or_else(|| {
            unsupported(
                n,
                "its weight has no shape (neither an initializer nor an input with dims)",
            )
        })
}

/// A size read from the file, within convscope's bounds.
fn bounded(n: &GNode, what: &str, v: i64, max: u64) -> Result<u64, ImportError> {
    u64::try_from(v)
        .ok()
        .filter(|&v| v >= 1 && v <= max)
        .ok_or_else(|| unsupported(n, format!("its {what} {v} is outside 1..={max}")))
}

fn pair(n: &GNode, what: &str, v: &[i64], default: i64, max: u64) -> Result<Pair, ImportError> {
    let h = bounded(n, what, v.first().copied().unwrap_or(default), max)?;
    let w = bounded(n, what, v.get(1).copied().unwrap_or(default), max)?;
    Ok(Pair { h, w })
}

/// Symmetric per-axis padding for `pads` (begin, end). PyTorch pads both sides alike; an asymmetric padding with
/// an even total gives the same output size and cost as half of it on each side (only the receptive field's
/// offset moves by one pixel), so it is accepted with a note.
fn symmetric(
    n: &GNode,
    pads: &[(i64, i64)],
    same_size: impl Fn(usize, i64) -> bool,
    notes: &mut Vec<String>,
) -> Result<Option<Pair>, ImportError> {
    let mut out = [0u64; 2];
    let mut moved = false;
    for (i, &(b, e)) in pads.iter().take(2).enumerate() {
        if b < 0 || e < 0 {
            return Err(unsupported(n, format!("negative padding {b}/{e}")));
        }
        let total = b.saturating_add(e);
        // An odd total (TensorFlow's SAME padding at stride 2 pads one pixel at the end) is read as half of it
        // rounded up on both sides where that gives the same output size, hence the same cost.
        let p = if total % 2 == 0 {
            total / 2
        } else if same_size(i, total / 2 + 1) {
            total / 2 + 1
        } else {
            return Ok(None);
        };
        moved |= b != e;
        out[i] = u64::try_from(p).unwrap_or(u64::MAX);
        if out[i] > MAX_KERNEL {
            return Err(unsupported(
                n,
                format!("its padding {} is above {MAX_KERNEL}", out[i]),
            ));
        }
    }
    if moved {
        notes.push(format!(
            "{}: asymmetric padding {:?} (begin, end per axis) read as {}×{} on both sides (same output size and cost)",
            n.describe(),
            pads,
            out[0],
            out[1]
        ));
    }
    Ok(Some(Pair {
        h: out[0],
        w: out[1],
    }))
}

fn stride_at(n: &GNode, i: usize) -> i64 {
    n.ints("strides")
        .and_then(|s| s.get(i).copied())
        .unwrap_or(1)
        .max(1)
}

fn dilation_at(n: &GNode, i: usize) -> i64 {
    n.ints("dilations")
        .and_then(|s| s.get(i).copied())
        .unwrap_or(1)
        .max(1)
}

/// `floor((in + pads − d(k−1) − 1) / s) + 1`, `None` on overflow.
fn floor_out(input: i64, pads: i64, k: i64, s: i64, d: i64) -> Option<i64> {
    let span = input
        .checked_add(pads)?
        .checked_sub(d.checked_mul(k - 1)?.checked_add(1)?)?;
    Some(span.div_euclid(s) + 1)
}

fn add_pads(pads: Vec<(i64, i64)>, extra: ExtraPads) -> Vec<(i64, i64)> {
    pads.iter()
        .zip(extra.iter().chain(std::iter::repeat(&(0, 0))))
        .map(|(&(b, e), &(xb, xe))| (b.saturating_add(xb), e.saturating_add(xe)))
        .collect()
}

fn conv(
    g: &Graph,
    n: &GNode,
    x: &[i64],
    extra: ExtraPads,
    notes: &mut Vec<String>,
) -> Result<Layer, ImportError> {
    let w = weight_shape(g, n)?;
    if x.len() != 4 || w.len() != 4 {
        return Err(unsupported(
            n,
            format!(
                "its input is {} and its weight {}: only 2-D convolutions over N×C×H×W map",
                dims_text(x),
                dims_text(&w)
            ),
        ));
    }
    let groups = n.int("group").unwrap_or(1);
    let out = bounded(n, "output channel count", w[0], MAX_CHANNELS)?;
    let kernel = pair(n, "kernel", &w[2..], 1, MAX_KERNEL)?;
    let stride = pair(n, "stride", n.ints("strides").unwrap_or(&[]), 1, MAX_KERNEL)?;
    let dilation = pair(
        n,
        "dilation",
        n.ints("dilations").unwrap_or(&[]),
        1,
        MAX_KERNEL,
    )?;
    let g_count = bounded(n, "group count", groups, MAX_CHANNELS)?;
    let pads = add_pads(window_pads(n, x, &w[2..]), extra);
    let fits = |i: usize, p: i64| {
        let (b, e) = pads[i];
        let (k, s, d) = (w[2 + i], stride_at(n, i), dilation_at(n, i));
        floor_out(x[2 + i], b.saturating_add(e), k, s, d)
            == floor_out(x[2 + i], p.saturating_mul(2), k, s, d)
    };
    let padding = match symmetric(n, &pads, fits, notes)? {
        Some(p) => Padding::Explicit(p),
        None => {
            // PyTorch's padding="same" puts the odd pixel at the end, as SAME_UPPER does; only valid at stride 1.
            let same = stride == Pair::square(1) && pads.iter().all(|&(b, e)| e == b || e == b + 1);
            if same {
                Padding::Same
            } else {
                return Err(unsupported(
                    n,
                    format!("its padding {pads:?} (begin, end per axis) has an odd total that no PyTorch padding reproduces"),
                ));
            }
        }
    };
    let groups = if g_count > 1 && i64::try_from(g_count).ok() == x.get(1).copied() {
        Groups::Depthwise
    } else {
        Groups::Count(g_count)
    };
    Ok(Layer::Conv(Conv {
        out,
        kernel,
        stride,
        padding,
        dilation,
        groups,
        bias: n.input(2).is_some(),
    }))
}

fn conv_transpose(g: &Graph, n: &GNode, x: &[i64]) -> Result<Layer, ImportError> {
    let w = weight_shape(g, n)?;
    if x.len() != 4 || w.len() != 4 {
        return Err(unsupported(
            n,
            "only 2-D transposed convolutions over N×C×H×W map",
        ));
    }
    if n.ints("output_shape").is_some() {
        return Err(unsupported(
            n,
            "an explicit output_shape (export with padding and output_padding instead)",
        ));
    }
    let groups = bounded(n, "group count", n.int("group").unwrap_or(1), MAX_CHANNELS)?;
    let per_group = bounded(n, "output channel count", w[1], MAX_CHANNELS)?;
    let out = per_group.saturating_mul(groups);
    if out > MAX_CHANNELS {
        return Err(unsupported(
            n,
            format!("{out} output channels are above {MAX_CHANNELS}"),
        ));
    }
    let pads = window_pads(n, x, &w[2..]);
    let mut padding = [0u64; 2];
    for (i, &(b, e)) in pads.iter().take(2).enumerate() {
        if b != e || b < 0 {
            return Err(unsupported(
                n,
                format!("asymmetric padding {pads:?} in a transposed convolution"),
            ));
        }
        padding[i] = u64::try_from(b).unwrap_or(0);
    }
    let op = n.ints("output_padding").unwrap_or(&[]);
    let op = Pair {
        h: u64::try_from(op.first().copied().unwrap_or(0)).unwrap_or(0),
        w: u64::try_from(op.get(1).copied().unwrap_or(0)).unwrap_or(0),
    };
    Ok(Layer::ConvTranspose(ConvTranspose {
        out,
        kernel: pair(n, "kernel", &w[2..], 1, MAX_KERNEL)?,
        stride: pair(n, "stride", n.ints("strides").unwrap_or(&[]), 1, MAX_KERNEL)?,
        padding: Pair {
            h: padding[0],
            w: padding[1],
        },
        output_padding: op,
        dilation: pair(
            n,
            "dilation",
            n.ints("dilations").unwrap_or(&[]),
            1,
            MAX_KERNEL,
        )?,
        groups,
        bias: n.input(2).is_some(),
    }))
}

fn scalar(g: &Graph, n: &GNode, i: usize) -> Option<f64> {
    n.input(i)
        .and_then(|v| g.values[v].floats.as_ref())
        .and_then(|f| f.first().copied())
}

fn clip(g: &Graph, n: &GNode) -> Result<Layer, ImportError> {
    let lo = scalar(g, n, 1).or_else(|| n.float("min"));
    let hi = scalar(g, n, 2).or_else(|| n.float("max"));
    match (lo, hi) {
        (Some(l), Some(h)) if l == 0.0 && h == 6.0 => Ok(Layer::Act(Act::Relu6)),
        (Some(0.0), None) => Ok(Layer::Act(Act::Relu)),
        _ => Err(unsupported(
            n,
            format!("Clip({lo:?}, {hi:?}) is neither ReLU6 (0, 6) nor ReLU (0, none)"),
        )),
    }
}

fn pool(
    n: &GNode,
    x: &[i64],
    extra: ExtraPads,
    notes: &mut Vec<String>,
) -> Result<Layer, ImportError> {
    let k = n.ints("kernel_shape").unwrap_or(&[]).to_vec();
    if x.len() != 4 || k.len() != 2 {
        return Err(unsupported(
            n,
            format!(
                "only 2-D pooling over N×C×H×W maps, its input is {}",
                dims_text(x)
            ),
        ));
    }
    let pads = add_pads(window_pads(n, x, &k), extra);
    let ceil = n.int("ceil_mode").unwrap_or(0) != 0;
    let fits = |i: usize, p: i64| {
        let (b, e) = pads[i];
        let (kk, s, d) = (k[i], stride_at(n, i), dilation_at(n, i));
        !ceil
            && floor_out(x[2 + i], b.saturating_add(e), kk, s, d)
                == floor_out(x[2 + i], p.saturating_mul(2), kk, s, d)
    };
    let padding = symmetric(n, &pads, fits, notes)?.ok_or_else(|| {
        unsupported(
            n,
            format!("its padding {pads:?} (begin, end per axis) has an odd total"),
        )
    })?;
    let dilation = pair(
        n,
        "dilation",
        n.ints("dilations").unwrap_or(&[]),
        1,
        MAX_KERNEL,
    )?;
    if n.op == "AveragePool" && dilation != Pair::square(1) {
        return Err(unsupported(n, "a dilated average pool (PyTorch has none)"));
    }
    let p = Pool {
        kernel: pair(n, "kernel", &k, 1, MAX_KERNEL)?,
        // ONNX's default stride is 1, PyTorch's the kernel: the stride is always explicit here.
        stride: pair(n, "stride", n.ints("strides").unwrap_or(&[]), 1, MAX_KERNEL)?,
        padding,
        dilation,
        ceil_mode: n.int("ceil_mode").unwrap_or(0) != 0,
    };
    Ok(if n.op == "MaxPool" {
        Layer::MaxPool(p)
    } else {
        Layer::AvgPool(p)
    })
}

fn reduce(g: &Graph, n: &GNode, x: &[i64]) -> Result<Layer, ImportError> {
    let axes = match n.ints("axes") {
        Some(a) => a.to_vec(),
        None => n
            .input(1)
            .and_then(|v| g.values[v].ints.clone())
            .unwrap_or_default(),
    };
    let rank = x.len() as i64;
    let mut axes: Vec<i64> = axes
        .iter()
        .map(|&a| if a < 0 { a + rank } else { a })
        .collect();
    axes.sort_unstable();
    if rank != 4 || axes != [2, 3] {
        return Err(unsupported(
            n,
            format!("a reduction over axes {axes:?} of {}: only the mean or max over H and W is a pooling", dims_text(x)),
        ));
    }
    Ok(if n.op == "ReduceMean" {
        Layer::AdaptiveAvgPool(Pair::square(1))
    } else {
        Layer::AdaptiveMaxPool(Pair::square(1))
    })
}

fn gemm(g: &Graph, n: &GNode, x: &[i64]) -> Result<Layer, ImportError> {
    let w = weight_shape(g, n)?;
    if x.len() != 2 || w.len() != 2 || n.int("transA").unwrap_or(0) != 0 {
        return Err(unsupported(
            n,
            format!(
                "only x·Wᵀ on N×F inputs is a linear layer (input {})",
                dims_text(x)
            ),
        ));
    }
    let out = if n.int("transB").unwrap_or(0) != 0 {
        w[0]
    } else {
        w[1]
    };
    Ok(Layer::Linear {
        out: bounded(n, "output feature count", out, MAX_CHANNELS)?,
        bias: n.input(2).is_some(),
    })
}

/// The output features of a `MatMul` by a weight matrix.
pub fn matmul(g: &Graph, n: &GNode, bias: bool) -> Result<Layer, ImportError> {
    let w = weight_shape(g, n)?;
    let out = w.get(1).copied().unwrap_or(0);
    Ok(Layer::Linear {
        out: bounded(n, "output feature count", out, MAX_CHANNELS)?,
        bias,
    })
}

fn resize(g: &Graph, n: &GNode, x: &[i64]) -> Result<Layer, ImportError> {
    let scales = resize_scales(g, n, x).unwrap_or_default();
    let ok = scales.len() == 4 && scales[0] == 1.0 && scales[1] == 1.0 && scales[2] == scales[3];
    let s = scales.get(2).copied().unwrap_or(0.0);
    if !ok || s.fract() != 0.0 || s < 1.0 || s > MAX_SCALE as f64 {
        return Err(unsupported(
            n,
            format!("scales {scales:?}: only the same integer factor (1..={MAX_SCALE}) on H and W is an upsample"),
        ));
    }
    let mode = match n
        .string("mode")
        .unwrap_or_else(|| "nearest".into())
        .as_str()
    {
        "nearest" => UpsampleMode::Nearest,
        "linear" | "bilinear" => UpsampleMode::Bilinear,
        other => {
            return Err(unsupported(
                n,
                format!("interpolation `{other}` (nearest and bilinear map)"),
            ))
        }
    };
    Ok(Layer::Upsample {
        scale: s as u64,
        mode,
    })
}
