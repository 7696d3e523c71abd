//! Shape inference over the graph form for the ops convscope maps, plus the integer arithmetic exporters emit to
//! compute shapes (`Shape` → `Gather` → `Unsqueeze` → `Concat` → `Reshape`). Everything is checked arithmetic:
//! a file cannot make it overflow or panic.

use super::graph::{dims_text, read_constant, GNode, Graph, NodeId};
use super::ImportError;

/// Ops whose output depends on the input's shape only, not its values: their outputs are not data.
const SHAPE_ONLY: [&str; 2] = ["Shape", "Size"];

/// Fills in every node output's data flag, shape and (for shape arithmetic) integer content.
pub fn run(g: &mut Graph) -> Result<(), ImportError> {
    let order = g.order.clone();
    for n in order {
        infer_node(g, n)?;
    }
    Ok(())
}

fn infer_node(g: &mut Graph, id: NodeId) -> Result<(), ImportError> {
    let node = &g.nodes[id];
    let data = !SHAPE_ONLY.contains(&node.op.as_str())
        && node.inputs.iter().flatten().any(|&v| g.values[v].data);
    // A node whose shape cannot be inferred is remembered, not fatal: the network may map up to it (partial).
    let (shape, problem) = if data {
        match data_shape(g, node) {
            Ok(s) => (s, None),
            Err(e) => (None, Some(e)),
        }
    } else {
        (None, None)
    };
    let (ints, floats, const_shape) = if data {
        (None, None, None)
    } else {
        fold(g, node)
    };
    let out = node.out();
    if let Some(v) = g.values.get_mut(out) {
        v.data = data;
        v.shape = shape.or(const_shape);
        v.ints = ints;
        v.floats = floats;
    }
    if let Some(p) = g.problems.get_mut(id) {
        *p = problem;
    }
    Ok(())
}

/// Constant folding of the integer shape arithmetic and of `Constant` nodes.
#[allow(clippy::type_complexity)]
fn fold(g: &Graph, n: &GNode) -> (Option<Vec<i64>>, Option<Vec<f64>>, Option<Vec<i64>>) {
    let ints = |i: usize| n.input(i).and_then(|v| g.values[v].ints.clone());
    match n.op.as_str() {
        "Constant" => {
            let mut v = super::graph::Value::default();
            if let Some(t) = n.attrs.iter().find_map(|a| a.t.as_ref()) {
                read_constant(t, &mut v);
                return (v.ints, v.floats, Some(t.dims.clone()));
            }
            if let Some(a) = n
                .attrs
                .iter()
                .find(|a| a.name.as_deref() == Some("value_ints"))
            {
                return (Some(a.ints.clone()), None, Some(vec![a.ints.len() as i64]));
            }
            if let Some(i) = n.int("value_int") {
                return (Some(vec![i]), None, Some(vec![]));
            }
            if let Some(f) = n.float("value_float") {
                return (None, Some(vec![f]), Some(vec![]));
            }
            (None, None, None)
        }
        "Shape" => {
            let s = n.input(0).and_then(|v| g.shape(v)).map(<[i64]>::to_vec);
            let len = s.as_ref().map(|s| vec![s.len() as i64]);
            (s, None, len)
        }
        "Gather" => {
            let (Some(data), Some(idx)) = (ints(0), ints(1)) else {
                return (None, None, None);
            };
            let len = data.len() as i64;
            let picked: Option<Vec<i64>> = idx
                .iter()
                .map(|&i| {
                    let i = if i < 0 { i + len } else { i };
                    usize::try_from(i).ok().and_then(|i| data.get(i).copied())
                })
                .collect();
            (picked, None, None)
        }
        // Weights deduplicated by the exporter reach their nodes through an Identity: keep their shape.
        "Cast" | "Identity" => {
            let floats = n.input(0).and_then(|v| g.values[v].floats.clone());
            let shape = n.input(0).and_then(|v| g.shape(v)).map(<[i64]>::to_vec);
            (ints(0), floats, shape)
        }
        "Unsqueeze" => {
            // A weight unsqueezed to broadcast (GroupNorm's affine parameters): its shape is needed downstream.
            let axes = n.ints("axes").map(<[i64]>::to_vec).or_else(|| ints(1));
            let shape = n
                .input(0)
                .and_then(|v| g.shape(v))
                .zip(axes)
                .and_then(|(s, axes)| {
                    let rank = s.len() + axes.len();
                    let mut axes: Vec<usize> = axes
                        .iter()
                        .map(|&a| usize::try_from(if a < 0 { a + rank as i64 } else { a }).ok())
                        .collect::<Option<_>>()?;
                    axes.sort_unstable();
                    let mut out = s.to_vec();
                    for a in axes {
                        if a > out.len() {
                            return None;
                        }
                        out.insert(a, 1);
                    }
                    Some(out)
                });
            (ints(0), None, shape)
        }
        "Squeeze" => (ints(0), None, None),
        "Concat" => {
            // Shapes are concatenated integers; Resize's scales (`[1, 1]` and `[2, 2]`) concatenated floats.
            let (mut ints, mut floats) = (Some(Vec::new()), Some(Vec::new()));
            for v in n.inputs.iter().flatten() {
                let val = &g.values[*v];
                match (&mut ints, &val.ints) {
                    (Some(all), Some(x)) => all.extend_from_slice(x),
                    _ => ints = None,
                }
                match (&mut floats, &val.floats) {
                    (Some(all), Some(x)) => all.extend_from_slice(x),
                    _ => floats = None,
                }
            }
            (ints, floats, None)
        }
        _ => (None, None, None),
    }
}

fn err(n: &GNode, why: String) -> ImportError {
    ImportError::Unsupported {
        node: n.name.clone(),
        op: n.op.clone(),
        why,
    }
}

fn in_shape(g: &Graph, n: &GNode, i: usize) -> Result<Vec<i64>, ImportError> {
    n.input(i)
        .and_then(|v| g.shape(v))
        .map(<[i64]>::to_vec)
        .ok_or_else(|| err(n, format!("the shape of its input {i} is unknown")))
}

/// The output shape of a data node, for the ops convscope maps; `None` for others (they are refused by the
/// mapping, with their name).
fn data_shape(g: &Graph, n: &GNode) -> Result<Option<Vec<i64>>, ImportError> {
    let x = in_shape(g, n, 0);
    let out = match n.op.as_str() {
        "Conv" => {
            let x = x?;
            let w = in_shape(g, n, 1)?;
            let spatial = window_out(n, &x, w.get(2..).unwrap_or(&[]), false)?;
            let mut s = vec![x[0], *w.first().unwrap_or(&0)];
            s.extend(spatial);
            s
        }
        "ConvTranspose" => {
            let x = x?;
            let w = in_shape(g, n, 1)?;
            conv_transpose_shape(n, &x, &w)?
        }
        "MaxPool" | "AveragePool" => {
            let x = x?;
            let k = n.ints("kernel_shape").unwrap_or(&[]).to_vec();
            let ceil = n.int("ceil_mode").unwrap_or(0) != 0;
            let mut s = x.get(..2).unwrap_or(&[]).to_vec();
            s.extend(window_out(n, &x, &k, ceil)?);
            s
        }
        "GlobalAveragePool" | "GlobalMaxPool" => {
            let x = x?;
            let mut s = x.clone();
            for d in s.iter_mut().skip(2) {
                *d = 1;
            }
            s
        }
        "ReduceMean" | "ReduceMax" => {
            let x = x?;
            let axes = match n.ints("axes") {
                Some(a) => a.to_vec(),
                None => n
                    .input(1)
                    .and_then(|v| g.values[v].ints.clone())
                    .unwrap_or_default(),
            };
            let rank = x.len() as i64;
            let axes: Vec<i64> = axes
                .iter()
                .map(|&a| if a < 0 { a + rank } else { a })
                .collect();
            let keep = n.int("keepdims").unwrap_or(1) != 0;
            let mut s = Vec::new();
            for (i, &d) in x.iter().enumerate() {
                if axes.contains(&(i as i64)) || axes.is_empty() {
                    if keep {
                        s.push(1);
                    }
                } else {
                    s.push(d);
                }
            }
            s
        }
        "Relu"
        | "Sigmoid"
        | "Tanh"
        | "HardSwish"
        | "HardSigmoid"
        | "LeakyRelu"
        | "Clip"
        | "Softplus"
        | "Erf"
        | "Dropout"
        | "Identity"
        | "BatchNormalization"
        | "Gelu"
        | "Mish"
        | "Elu"
        | "Selu"
        | "Sqrt"
        | "Neg"
        | "Exp"
        | "Log"
        | "Abs"
        | "Softmax"
        | "LogSoftmax"
        | "PRelu"
        | "Cast"
        | "InstanceNormalization"
        | "LRN"
        | "GroupNormalization" => x?,
        "Add" | "Mul" | "Sub" | "Div" | "Pow" | "Max" | "Min" => {
            let a = x?;
            let b = in_shape(g, n, 1)?;
            broadcast(&a, &b).ok_or_else(|| {
                err(
                    n,
                    format!(
                        "its inputs {} and {} do not broadcast",
                        dims_text(&a),
                        dims_text(&b)
                    ),
                )
            })?
        }
        "Concat" => {
            let mut shapes = Vec::new();
            for i in 0..n.inputs.len() {
                shapes.push(in_shape(g, n, i)?);
            }
            let first = shapes.first().cloned().unwrap_or_default();
            let rank = first.len() as i64;
            let axis = n.int("axis").unwrap_or(0);
            let axis = if axis < 0 { axis + rank } else { axis };
            let ax = usize::try_from(axis).ok().filter(|&a| a < first.len());
            let ax = ax.ok_or_else(|| err(n, format!("axis {axis} is outside its rank {rank}")))?;
            let mut s = first;
            s[ax] = shapes
                .iter()
                .try_fold(0i64, |acc, sh| sh.get(ax).and_then(|d| acc.checked_add(*d)))
                .ok_or_else(|| err(n, "its inputs differ in rank or overflow".into()))?;
            s
        }
        "Flatten" => {
            let x = x?;
            let axis = n.int("axis").unwrap_or(1);
            let axis = usize::try_from(if axis < 0 {
                axis + x.len() as i64
            } else {
                axis
            })
            .unwrap_or(0);
            let left = product(x.get(..axis).unwrap_or(&[]));
            let right = product(x.get(axis..).unwrap_or(&[]));
            vec![
                left.ok_or_else(|| err(n, "its size overflows".into()))?,
                right.ok_or_else(|| err(n, "its size overflows".into()))?,
            ]
        }
        "Reshape" => {
            let x = x?;
            let target = n
                .input(1)
                .and_then(|v| g.values[v].ints.clone())
                .ok_or_else(|| {
                    err(
                        n,
                        "its target shape is computed at run time (a dynamic shape with no value)"
                            .into(),
                    )
                })?;
            reshape(&x, &target).ok_or_else(|| {
                err(
                    n,
                    format!("{} cannot be reshaped to {:?}", dims_text(&x), target),
                )
            })?
        }
        "Gemm" => {
            let a = x?;
            let b = in_shape(g, n, 1)?;
            let ta = n.int("transA").unwrap_or(0) != 0;
            let tb = n.int("transB").unwrap_or(0) != 0;
            if a.len() != 2 || b.len() != 2 {
                return Err(err(n, "Gemm needs 2-D inputs".into()));
            }
            let m = if ta { a[1] } else { a[0] };
            let nn = if tb { b[0] } else { b[1] };
            vec![m, nn]
        }
        "MatMul" => {
            let a = x?;
            let b = in_shape(g, n, 1)?;
            if a.len() != 2 || b.len() != 2 {
                return Err(err(
                    n,
                    format!(
                        "only N×F by F×O products are linear layers, not {} by {}",
                        dims_text(&a),
                        dims_text(&b)
                    ),
                ));
            }
            vec![a[0], b[1]]
        }
        "Resize" | "Upsample" => {
            let x = x?;
            resize_shape(g, n, &x)?
        }
        // `x.squeeze()` after a global pool: N×C×1×1 → N×C (the batch of 1 is kept: convscope's batch is a setting).
        "Squeeze" => {
            let x = x?;
            let axes = match n.ints("axes") {
                Some(a) => a.to_vec(),
                None => n
                    .input(1)
                    .and_then(|v| g.values[v].ints.clone())
                    .unwrap_or_default(),
            };
            let rank = x.len() as i64;
            let axes: Vec<i64> = axes
                .iter()
                .map(|&a| if a < 0 { a + rank } else { a })
                .collect();
            x.iter()
                .enumerate()
                .filter(|&(i, &d)| {
                    let listed = axes.contains(&(i as i64));
                    !(listed || (axes.is_empty() && d == 1 && i > 0))
                })
                .map(|(_, &d)| d)
                .collect()
        }
        "Pad" => {
            let x = x?;
            let pads = pad_amounts(g, n)
                .ok_or_else(|| err(n, "its pads are computed at run time".into()))?;
            let r = x.len();
            if pads.len() != 2 * r {
                return Err(err(n, format!("{} pads for a {r}-D tensor", pads.len())));
            }
            x.iter()
                .enumerate()
                .map(|(i, &d)| {
                    d.checked_add(pads[i])
                        .and_then(|s| s.checked_add(pads[i + r]))
                })
                .collect::<Option<Vec<i64>>>()
                .ok_or_else(|| err(n, "its size overflows".into()))?
        }
        _ => return Ok(None),
    };
    if out.iter().any(|&d| d < 0) {
        return Err(err(
            n,
            format!(
                "its output shape {} is negative or unknown",
                dims_text(&out)
            ),
        ));
    }
    Ok(Some(out))
}

/// The pads of a `Pad` node: from the input (opset ≥ 11) or the attribute.
pub fn pad_amounts(g: &Graph, n: &GNode) -> Option<Vec<i64>> {
    match n.ints("pads") {
        Some(p) => Some(p.to_vec()),
        None => n.input(1).and_then(|v| g.values[v].ints.clone()),
    }
}

fn product(d: &[i64]) -> Option<i64> {
    d.iter().try_fold(1i64, |acc, &x| acc.checked_mul(x))
}

fn broadcast(a: &[i64], b: &[i64]) -> Option<Vec<i64>> {
    let r = a.len().max(b.len());
    let at = |s: &[i64], i: usize| {
        let off = r - s.len();
        if i < off {
            1
        } else {
            s[i - off]
        }
    };
    (0..r)
        .map(|i| {
            let (x, y) = (at(a, i), at(b, i));
            if x == y || y == 1 {
                Some(x)
            } else if x == 1 {
                Some(y)
            } else {
                None
            }
        })
        .collect()
}

fn reshape(x: &[i64], target: &[i64]) -> Option<Vec<i64>> {
    let total = product(x)?;
    let mut out = Vec::with_capacity(target.len());
    let mut infer = None;
    for (i, &t) in target.iter().enumerate() {
        match t {
            0 => out.push(*x.get(i)?),
            -1 if infer.is_none() => {
                infer = Some(i);
                out.push(1);
            }
            t if t > 0 => out.push(t),
            _ => return None,
        }
    }
    let known = product(&out)?;
    if let Some(i) = infer {
        if known == 0 || total % known != 0 {
            return None;
        }
        out[i] = total / known;
    } else if known != total {
        return None;
    }
    Some(out)
}

/// Per-axis pads `[begin…, end…]` of a conv or pool, `auto_pad` resolved as ONNX defines it.
pub fn window_pads(n: &GNode, x: &[i64], k: &[i64]) -> Vec<(i64, i64)> {
    let axes = k.len();
    let strides = n.ints("strides").unwrap_or(&[]);
    let dil = n.ints("dilations").unwrap_or(&[]);
    let pads = n.ints("pads").unwrap_or(&[]);
    let auto = n.string("auto_pad").unwrap_or_default();
    (0..axes)
        .map(|i| {
            let s = strides.get(i).copied().unwrap_or(1).max(1);
            let d = dil.get(i).copied().unwrap_or(1).max(1);
            match auto.as_str() {
                "SAME_UPPER" | "SAME_LOWER" => {
                    // Saturating: sizes come from the file.
                    let input = x.get(i + 2).copied().unwrap_or(0);
                    let out = input.saturating_add(s - 1) / s;
                    let eff = d.saturating_mul(k[i].saturating_sub(1)).saturating_add(1);
                    let total = out
                        .saturating_sub(1)
                        .saturating_mul(s)
                        .saturating_add(eff)
                        .saturating_sub(input)
                        .max(0);
                    let small = total / 2;
                    if auto == "SAME_UPPER" {
                        (small, total - small)
                    } else {
                        (total - small, small)
                    }
                }
                "VALID" => (0, 0),
                _ => (
                    pads.get(i).copied().unwrap_or(0),
                    pads.get(i + axes).copied().unwrap_or(0),
                ),
            }
        })
        .collect()
}

/// Spatial output sizes of a conv or pool (ONNX's formula, which is PyTorch's; in ceil mode a last window that
/// would start in the right padding is dropped, as in PyTorch).
fn window_out(n: &GNode, x: &[i64], k: &[i64], ceil: bool) -> Result<Vec<i64>, ImportError> {
    if x.len() != k.len() + 2 {
        return Err(err(
            n,
            format!(
                "its input is {}-D ({}) for a {}-D kernel; convscope maps 2-D convolutions and pools over N×C×H×W",
                x.len(),
                dims_text(x),
                k.len()
            ),
        ));
    }
    let strides = n.ints("strides").unwrap_or(&[]);
    let dil = n.ints("dilations").unwrap_or(&[]);
    let pads = window_pads(n, x, k);
    let mut out = Vec::with_capacity(k.len());
    for i in 0..k.len() {
        let s = strides.get(i).copied().unwrap_or(1);
        let d = dil.get(i).copied().unwrap_or(1);
        if s < 1 || d < 1 || k[i] < 1 {
            return Err(err(n, "a kernel, stride or dilation below 1".into()));
        }
        let (pb, pe) = pads[i];
        // PyTorch's pooling_output_shape: floor((in + pads − k_eff + (ceil ? s − 1 : 0)) / s) + 1, less one in
        // ceil mode when the last window would start past the input and its left padding.
        let size = || -> Option<i64> {
            let padded = x[i + 2].checked_add(pb)?.checked_add(pe)?;
            let eff = d.checked_mul(k[i] - 1)?.checked_add(1)?;
            let span = padded
                .checked_sub(eff)?
                .checked_add(if ceil { s - 1 } else { 0 })?;
            let mut o = span.div_euclid(s).checked_add(1)?;
            if ceil && (o - 1).checked_mul(s)? >= x[i + 2].checked_add(pb)? {
                o -= 1;
            }
            Some(o)
        };
        match size() {
            Some(o) if o >= 1 => out.push(o),
            _ => {
                return Err(err(
                    n,
                    format!("its window does not fit its input {}", dims_text(x)),
                ))
            }
        }
    }
    Ok(out)
}

fn conv_transpose_shape(n: &GNode, x: &[i64], w: &[i64]) -> Result<Vec<i64>, ImportError> {
    if x.len() != 4 || w.len() != 4 {
        return Err(err(
            n,
            format!(
                "its input is {} and its weight {}; convscope maps 2-D transposed convolutions",
                dims_text(x),
                dims_text(w)
            ),
        ));
    }
    let g = n.int("group").unwrap_or(1);
    let k = &w[2..];
    let strides = n.ints("strides").unwrap_or(&[]);
    let dil = n.ints("dilations").unwrap_or(&[]);
    let op = n.ints("output_padding").unwrap_or(&[]);
    let pads = window_pads(n, x, k);
    let mut s = vec![x[0], w[1].saturating_mul(g)];
    for i in 0..2 {
        let st = strides.get(i).copied().unwrap_or(1);
        let d = dil.get(i).copied().unwrap_or(1);
        let o = x[i + 2]
            .saturating_sub(1)
            .saturating_mul(st)
            .saturating_sub(pads[i].0)
            .saturating_sub(pads[i].1)
            .saturating_add(d.saturating_mul(k[i].saturating_sub(1)))
            .saturating_add(op.get(i).copied().unwrap_or(0))
            .saturating_add(1);
        s.push(o);
    }
    Ok(s)
}

/// The integer scale of a `Resize`/`Upsample` per axis, from its `scales` or `sizes` input.
pub fn resize_scales(g: &Graph, n: &GNode, x: &[i64]) -> Option<Vec<f64>> {
    // Resize(X, roi, scales, sizes) from opset 11; Resize(X, scales) in opset 10; Upsample(X, scales).
    let scales_at = if n.op == "Resize" && n.inputs.len() >= 3 {
        2
    } else {
        1
    };
    if let Some(s) = n.input(scales_at).and_then(|v| g.values[v].floats.clone()) {
        if !s.is_empty() {
            return Some(s);
        }
    }
    if let Some(s) = n.ints("scales") {
        return Some(s.iter().map(|&v| v as f64).collect());
    }
    if let Some(a) = n.attrs.iter().find(|a| a.name.as_deref() == Some("scales")) {
        if !a.floats.is_empty() {
            return Some(a.floats.iter().map(|&f| f64::from(f)).collect());
        }
    }
    let sizes = n.input(3).and_then(|v| g.values[v].ints.clone())?;
    Some(
        sizes
            .iter()
            .zip(x)
            .map(|(&o, &i)| if i > 0 { o as f64 / i as f64 } else { 0.0 })
            .collect(),
    )
}

fn resize_shape(g: &Graph, n: &GNode, x: &[i64]) -> Result<Vec<i64>, ImportError> {
    let scales = resize_scales(g, n, x)
        .ok_or_else(|| err(n, "its scales or sizes are computed at run time".into()))?;
    if scales.len() != x.len() {
        return Err(err(
            n,
            format!("{} scales for a {}-D tensor", scales.len(), x.len()),
        ));
    }
    Ok(x.iter()
        .zip(&scales)
        .map(|(&d, &s)| (d as f64 * s).floor() as i64)
        .collect())
}
