//! The graph form of an ONNX model: nodes in topological order, the values between them, their static shapes,
//! which values carry the network's data, and the small integer and float constants the mapping needs.

use std::collections::HashMap;

use super::proto::{self, tensor_proto::DataType, AttributeProto, ModelProto, TensorProto};
use super::ImportError;

/// Index of a value (a tensor name) in [`Graph::values`].
pub type ValueId = usize;
/// Index of a node in [`Graph::nodes`].
pub type NodeId = usize;

/// Constants longer than this are not read: the mapping only needs shapes, scales, pads and scalars.
const MAX_CONST_LEN: usize = 64;

/// One tensor between nodes.
#[derive(Debug, Default)]
pub struct Value {
    pub name: String,
    pub producer: Option<NodeId>,
    /// Nodes reading it, in node order, once per node.
    pub users: Vec<NodeId>,
    /// Static dimensions (the batch dimension of the network input counts as 1).
    pub shape: Option<Vec<i64>>,
    /// Depends on the network's input (weights, constants and shape arithmetic do not).
    pub data: bool,
    /// The content of a small integer constant or of shape arithmetic.
    pub ints: Option<Vec<i64>>,
    /// The content of a small float constant.
    pub floats: Option<Vec<f64>>,
}

/// One ONNX node.
#[derive(Debug)]
pub struct GNode {
    pub name: String,
    /// The module scope as torch.onnx's TorchScript exporter writes names (`/layer1/layer1.0/conv1/Conv`), also
    /// made from the dynamo exporter's `pkg.torch.onnx.name_scopes`; empty when the file has neither.
    pub scope: String,
    pub op: String,
    pub attrs: Vec<AttributeProto>,
    /// `None` for an optional input left empty.
    pub inputs: Vec<Option<ValueId>>,
    pub outputs: Vec<ValueId>,
}

impl GNode {
    /// The inputs that carry data, in order (a value read twice appears twice).
    pub fn data_inputs(&self, g: &Graph) -> Vec<ValueId> {
        self.inputs
            .iter()
            .flatten()
            .copied()
            .filter(|&v| g.values[v].data)
            .collect()
    }

    /// The first output (every node has one: the graph is refused otherwise; Dropout's mask is never read).
    pub fn out(&self) -> ValueId {
        self.outputs.first().copied().unwrap_or(usize::MAX)
    }

    /// The value at input `i`, if present.
    pub fn input(&self, i: usize) -> Option<ValueId> {
        self.inputs.get(i).copied().flatten()
    }

    fn attr(&self, name: &str) -> Option<&AttributeProto> {
        self.attrs.iter().find(|a| a.name.as_deref() == Some(name))
    }

    /// An integer attribute.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.attr(name).and_then(|a| a.i)
    }

    /// A float attribute.
    pub fn float(&self, name: &str) -> Option<f64> {
        self.attr(name).and_then(|a| a.f).map(f64::from)
    }

    /// An integer-list attribute.
    pub fn ints(&self, name: &str) -> Option<&[i64]> {
        self.attr(name).map(|a| a.ints.as_slice())
    }

    /// A string attribute.
    pub fn string(&self, name: &str) -> Option<String> {
        self.attr(name)
            .and_then(|a| a.s.as_ref())
            .map(|s| String::from_utf8_lossy(s).into_owned())
    }

    /// `node `name` (Op)`, how messages name a node.
    pub fn describe(&self) -> String {
        if self.name.is_empty() {
            format!("a {} node", self.op)
        } else {
            format!("node `{}` ({})", self.name, self.op)
        }
    }
}

/// The whole graph.
#[derive(Debug)]
pub struct Graph {
    pub values: Vec<Value>,
    pub nodes: Vec<GNode>,
    /// Nodes in an order where every node comes after the nodes it reads from.
    pub order: Vec<NodeId>,
    /// The network's one data input.
    pub input: ValueId,
    /// The network's output.
    pub output: ValueId,
    /// The input's batch dimension as exported (1 when symbolic).
    pub batch: u64,
    /// What the reader changed, for the import's notes.
    pub notes: Vec<String>,
    /// Why a node's output shape could not be inferred, by node.
    pub problems: Vec<Option<ImportError>>,
}

impl Graph {
    /// Builds the graph form of a decoded model: resolves names, orders the nodes, finds the data input and
    /// infers shapes.
    pub fn build(model: &ModelProto) -> Result<Graph, ImportError> {
        let graph = model
            .graph
            .as_ref()
            .ok_or_else(|| ImportError::Graph("the model has no graph".into()))?;
        let mut b = Builder::default();
        for t in &graph.initializer {
            let id = b.value(t.name())?;
            let v = &mut b.values[id];
            v.shape = Some(t.dims.clone());
            read_constant(t, v);
        }
        let mut candidates = Vec::new();
        for vi in &graph.input {
            let name = vi.name();
            if b.ids.contains_key(name) {
                continue; // an initializer listed as an input too (older exporters)
            }
            let id = b.value(name)?;
            b.values[id].shape = value_info_shape(vi);
            candidates.push(id);
        }
        // Outputs first, so that a node may read a later node's output: ONNX requires topological order, but the
        // reader orders the nodes itself (and so finds cycles).
        let mut outputs = Vec::with_capacity(graph.node.len());
        for (node_id, n) in graph.node.iter().enumerate() {
            let mut outs = Vec::with_capacity(n.output.len());
            for name in n.output.iter().filter(|o| !o.is_empty()) {
                outs.push(b.output_value(name, node_id)?);
            }
            outputs.push(outs);
        }
        for (n, outs) in graph.node.iter().zip(outputs) {
            if outs.is_empty() {
                return Err(ImportError::Graph(format!(
                    "{} has no output",
                    describe(n.name(), n.op_type())
                )));
            }
            let mut inputs = Vec::with_capacity(n.input.len());
            for name in &n.input {
                if name.is_empty() {
                    inputs.push(None);
                    continue;
                }
                let id = b.ids.get(name.as_str()).copied();
                inputs.push(Some(id.ok_or_else(|| {
                    ImportError::Graph(format!(
                        "{} reads `{name}`, which no node, input or initializer provides",
                        describe(n.name(), n.op_type())
                    ))
                })?));
            }
            b.nodes.push(GNode {
                scope: scope_name(n),
                name: n.name().to_string(),
                op: n.op_type().to_string(),
                attrs: n.attribute.clone(),
                inputs,
                outputs: outs,
            });
        }
        let output_name = graph
            .output
            .first()
            .map(|o| o.name())
            .ok_or_else(|| ImportError::Graph("the graph has no output".into()))?;
        let output = *b.ids.get(output_name).ok_or_else(|| {
            ImportError::Graph(format!("the output `{output_name}` is never computed"))
        })?;
        b.finish(candidates, output)
    }

    /// The data users of a value: nodes that read it and carry data on (shape queries excluded).
    pub fn data_users(&self, v: ValueId) -> Vec<NodeId> {
        self.values[v]
            .users
            .iter()
            .copied()
            .filter(|&n| self.values.get(self.nodes[n].out()).is_some_and(|o| o.data))
            .collect()
    }

    /// The static shape of a value.
    pub fn shape(&self, v: ValueId) -> Option<&[i64]> {
        self.values.get(v).and_then(|x| x.shape.as_deref())
    }
}

/// The node's module scope in the TorchScript exporter's form. The dynamo exporter names nodes `node_conv2d` and
/// keeps the scopes as metadata, a Python list of dotted paths ending with the op's own name:
/// `['', 'layer4', 'layer4.1', 'layer4.1.relu', 'relu_16']` → `/layer4/layer4.1/layer4.1.relu/relu_16`.
fn scope_name(n: &proto::NodeProto) -> String {
    if n.name().starts_with('/') {
        return n.name().to_string();
    }
    let Some(list) = n
        .metadata_props
        .iter()
        .find(|p| p.key() == "pkg.torch.onnx.name_scopes")
        .map(|p| p.value())
    else {
        return String::new();
    };
    let inner = list.trim().trim_start_matches('[').trim_end_matches(']');
    let names: Vec<&str> = inner
        .split(',')
        .map(|s| s.trim().trim_matches('\'').trim_matches('"'))
        .filter(|s| !s.is_empty())
        .collect();
    if names.is_empty() {
        return String::new();
    }
    format!("/{}", names.join("/"))
}

fn describe(name: &str, op: &str) -> String {
    if name.is_empty() {
        format!("a {op} node")
    } else {
        format!("node `{name}` ({op})")
    }
}

#[derive(Default)]
struct Builder {
    values: Vec<Value>,
    nodes: Vec<GNode>,
    ids: HashMap<String, ValueId>,
}

impl Builder {
    fn value(&mut self, name: &str) -> Result<ValueId, ImportError> {
        if self.ids.contains_key(name) {
            return Err(ImportError::Graph(format!(
                "the tensor name `{name}` is defined twice"
            )));
        }
        let id = self.values.len();
        self.values.push(Value {
            name: name.to_string(),
            ..Value::default()
        });
        self.ids.insert(name.to_string(), id);
        Ok(id)
    }

    fn output_value(&mut self, name: &str, node: NodeId) -> Result<ValueId, ImportError> {
        let id = self.value(name)?;
        self.values[id].producer = Some(node);
        Ok(id)
    }

    fn finish(mut self, candidates: Vec<ValueId>, output: ValueId) -> Result<Graph, ImportError> {
        for (i, n) in self.nodes.iter().enumerate() {
            for v in n.inputs.iter().flatten() {
                let users = &mut self.values[*v].users;
                if users.last() != Some(&i) {
                    users.push(i);
                }
            }
        }
        let order = topological(&self.nodes, &self.values)?;
        let input = data_input(&candidates, &self.nodes, &self.values)?;
        let notes = channels_last(&mut self.nodes, &mut self.values, input);
        let problems = vec![None; self.nodes.len()];
        let batch = self.values[input]
            .shape
            .as_ref()
            .and_then(|s| s.first())
            .and_then(|&b| u64::try_from(b).ok())
            .filter(|&b| (1..=crate::core::limits::MAX_BATCH).contains(&b))
            .unwrap_or(1);
        let mut g = Graph {
            problems,
            notes,
            batch,
            values: self.values,
            nodes: self.nodes,
            order,
            input,
            output,
        };
        check_input(&g)?;
        g.values[input].data = true;
        super::infer::run(&mut g)?;
        Ok(g)
    }
}

/// Kahn's algorithm; a node left over sits on a cycle.
fn topological(nodes: &[GNode], values: &[Value]) -> Result<Vec<NodeId>, ImportError> {
    let mut waiting: Vec<usize> = nodes
        .iter()
        .map(|n| {
            n.inputs
                .iter()
                .flatten()
                .filter(|&&v| values[v].producer.is_some())
                .count()
        })
        .collect();
    let mut ready: Vec<NodeId> = (0..nodes.len()).filter(|&i| waiting[i] == 0).collect();
    ready.reverse();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(n) = ready.pop() {
        order.push(n);
        for &o in &nodes[n].outputs {
            for &u in &values[o].users {
                // A node reading the same value twice counted it twice.
                let reads = nodes[u]
                    .inputs
                    .iter()
                    .flatten()
                    .filter(|&&v| v == o)
                    .count();
                waiting[u] = waiting[u].saturating_sub(reads);
                if waiting[u] == 0 && !order.contains(&u) && !ready.contains(&u) {
                    ready.push(u);
                }
            }
        }
    }
    if order.len() < nodes.len() {
        let stuck = (0..nodes.len()).find(|i| waiting[*i] > 0).unwrap_or(0);
        return Err(ImportError::Graph(format!(
            "the graph has a cycle through {}",
            nodes[stuck].describe()
        )));
    }
    Ok(order)
}

/// The one graph input that is data: weights exported as inputs (`export_params=False`) are only ever read as a
/// node's second or later input (a convolution's `W`, a batch norm's statistics), perhaps through an `Identity`
/// (the exporter shares equal weights that way); the data is some node's first input.
fn data_input(
    candidates: &[ValueId],
    nodes: &[GNode],
    values: &[Value],
) -> Result<ValueId, ImportError> {
    let data: Vec<ValueId> = candidates
        .iter()
        .copied()
        .filter(|&v| read_as_data(v, nodes, values, 0))
        .collect();
    match data.as_slice() {
        [one] => Ok(*one),
        [] => Err(ImportError::Graph("the graph has no data input".into())),
        many => Err(ImportError::Graph(format!(
            "the graph has {} data inputs ({}); convscope analyses networks with one input",
            many.len(),
            many.iter()
                .take(5)
                .map(|&v| format!("`{}`", values[v].name))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Whether some node reads `v` (through pass-through nodes) as its first input.
fn read_as_data(v: ValueId, nodes: &[GNode], values: &[Value], depth: usize) -> bool {
    values[v].users.iter().any(|&u| {
        let n = &nodes[u];
        if matches!(n.op.as_str(), "Identity" | "Cast" | "Unsqueeze" | "Squeeze") {
            depth < 8
                && n.outputs
                    .iter()
                    .any(|&o| read_as_data(o, nodes, values, depth + 1))
        } else {
            // A full map summed or concatenated with the data is data too (a second network input); biases and
            // normalisation weights are vectors.
            let elementwise = matches!(
                n.op.as_str(),
                "Add" | "Sub" | "Mul" | "Div" | "Concat" | "Max" | "Min"
            );
            n.input(0) == Some(v)
                || (elementwise && values[v].shape.as_ref().is_some_and(|s| s.len() >= 3))
        }
    })
}

/// Keras models through tf2onnx take N×H×W×C images and transpose them first: the input is read as the N×C×H×W
/// it becomes, and the transpose as a copy.
fn channels_last(nodes: &mut [GNode], values: &mut [Value], input: ValueId) -> Vec<String> {
    let users = &values[input].users;
    let [t] = users[..] else {
        return Vec::new();
    };
    let n = &nodes[t];
    if n.op != "Transpose" || n.ints("perm") != Some(&[0, 3, 1, 2]) {
        return Vec::new();
    }
    let Some(&[b, h, w, c]) = values[input].shape.as_deref() else {
        return Vec::new();
    };
    values[input].shape = Some(vec![b, c, h, w]);
    let note = format!(
        "{}: the N×H×W×C input `{}` is read as the N×C×H×W it is transposed to",
        n.describe(),
        values[input].name
    );
    nodes[t].op = "Identity".into();
    vec![note]
}

/// The data input must be a static `N×C×H×W` map (the batch may be symbolic: it is a setting in convscope).
fn check_input(g: &Graph) -> Result<(), ImportError> {
    let v = &g.values[g.input];
    let shape = v
        .shape
        .as_ref()
        .ok_or_else(|| ImportError::Graph(format!("the input `{}` has no shape", v.name)))?;
    if shape.len() != 4 {
        return Err(ImportError::Graph(format!(
            "the input `{}` is {}-D ({}); convscope analyses N×C×H×W images",
            v.name,
            shape.len(),
            dims_text(shape)
        )));
    }
    if let Some(d) = shape[1..].iter().find(|&&d| d < 1) {
        let what = if *d == -1 {
            "a dynamic size with no value".to_string()
        } else {
            format!("size {d}")
        };
        return Err(ImportError::Graph(format!(
            "the input `{}` ({}) has {what}: export with a fixed C×H×W",
            v.name,
            dims_text(shape)
        )));
    }
    let limits = [
        ("channels", crate::core::limits::MAX_CHANNELS),
        ("height", crate::core::limits::MAX_SPATIAL),
        ("width", crate::core::limits::MAX_SPATIAL),
    ];
    for (&d, (what, max)) in shape[1..].iter().zip(limits) {
        if u64::try_from(d).map_or(true, |d| d > max) {
            return Err(ImportError::Graph(format!(
                "the input `{}` ({}) has {d} {what}, above convscope's bound of {max}",
                v.name,
                dims_text(shape)
            )));
        }
    }
    Ok(())
}

/// `1×3×224×224`, `?` for a dynamic dimension.
pub fn dims_text(shape: &[i64]) -> String {
    shape
        .iter()
        .map(|d| {
            if *d < 0 {
                "?".to_string()
            } else {
                d.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("×")
}

/// A value info's static shape: symbolic or missing dimensions become -1, except the batch (first) one, which
/// becomes 1 since convscope's batch is a setting.
fn value_info_shape(vi: &proto::ValueInfoProto) -> Option<Vec<i64>> {
    // The trimmed proto knows tensor types only; a sequence or map type reads as no type at all.
    let proto::type_proto::Value::TensorType(t) = vi.r#type.as_ref()?.value.as_ref()?;
    let dims = &t.shape.as_ref()?.dim;
    Some(
        dims.iter()
            .enumerate()
            .map(|(i, d)| match d.value {
                Some(proto::tensor_shape_proto::dimension::Value::DimValue(v)) => v,
                _ if i == 0 => 1,
                _ => -1,
            })
            .collect(),
    )
}

/// Reads a small constant's content (integers or floats); large tensors and external data are left unread.
pub fn read_constant(t: &TensorProto, v: &mut Value) {
    let numel = t.dims.iter().try_fold(1usize, |acc, &d| {
        usize::try_from(d).ok().and_then(|d| acc.checked_mul(d))
    });
    if numel.is_none_or(|n| n > MAX_CONST_LEN) {
        return;
    }
    let raw = t.raw_data.as_deref().unwrap_or(&[]);
    match DataType::try_from(t.data_type.unwrap_or(0)) {
        Ok(DataType::Int64) => {
            v.ints = Some(if raw.is_empty() {
                t.int64_data.clone()
            } else {
                raw.chunks_exact(8)
                    .map(|c| i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect()
            });
        }
        Ok(DataType::Int32) => {
            v.ints = Some(if raw.is_empty() {
                t.int32_data.iter().map(|&x| i64::from(x)).collect()
            } else {
                raw.chunks_exact(4)
                    .map(|c| i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                    .collect()
            });
        }
        Ok(DataType::Float) => {
            v.floats = Some(if raw.is_empty() {
                t.float_data.iter().map(|&x| f64::from(x)).collect()
            } else {
                raw.chunks_exact(4)
                    .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
                    .collect()
            });
        }
        Ok(DataType::Double) => {
            v.floats = Some(if raw.is_empty() {
                t.double_data.clone()
            } else {
                raw.chunks_exact(8)
                    .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect()
            });
        }
        _ => {}
    }
}
