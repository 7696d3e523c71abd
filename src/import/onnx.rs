//! ONNX models: decode the protobuf (generated code, [`proto`]), build a graph form ([`graph`], shapes by
//! [`infer`]), and decompose it into convscope's tree ([`decompose`], leaf ops by [`ops`], module names by
//! [`scope`], torchvision's blocks by [`blocks`]).

mod blocks;
mod decompose;
mod graph;
mod infer;
mod ops;
#[allow(clippy::all, clippy::pedantic, missing_docs, rustdoc::all)]
mod proto;
mod scope;

use std::fmt;

use prost::Message;

use crate::core::arch::Architecture;

pub use prost::bytes::Bytes;

/// A network read from an ONNX file.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    pub arch: Architecture,
    /// Set when only the first part of the network maps: where it stops and why.
    pub partial: Option<String>,
    /// Things the reader changed to fit convscope's model, each naming its node.
    pub notes: Vec<String>,
    /// ONNX nodes in the file.
    pub nodes: usize,
    /// The batch the model was exported with (1 when the file leaves it symbolic).
    pub batch: u64,
}

/// Why nothing of a file could be imported.
#[derive(Clone, Debug, PartialEq)]
pub enum ImportError {
    /// Not an ONNX model: not protobuf, truncated, or another message.
    Decode(String),
    /// The graph itself is broken or outside what convscope analyses (a cycle, a missing input, a 5-D input).
    Graph(String),
    /// A node convscope cannot represent.
    Unsupported {
        node: String,
        op: String,
        why: String,
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Decode(e) => write!(f, "not a readable ONNX model: {e}"),
            ImportError::Graph(e) => write!(f, "{e}"),
            ImportError::Unsupported { node, op, why } if node.is_empty() => {
                write!(f, "a {op} node cannot be represented: {why}")
            }
            ImportError::Unsupported { node, op, why } => {
                write!(f, "node `{node}` ({op}) cannot be represented: {why}")
            }
        }
    }
}

/// Whether the bytes look like an ONNX model: a `ModelProto` starts with its `ir_version` (field 1, a varint),
/// as every exporter writes it.
pub fn looks_like_onnx(bytes: &[u8]) -> bool {
    matches!(bytes, [0x08, v, ..] if (1..=64).contains(v))
}

/// Reads an ONNX model. The tensors' data is never copied: the decoder keeps slices of `bytes`, and only the
/// dimensions and a few small constants (scales, pads, shapes) are read.
pub fn read(bytes: Bytes) -> Result<Imported, ImportError> {
    let model = proto::ModelProto::decode(bytes).map_err(|e| ImportError::Decode(e.to_string()))?;
    if model.graph.is_none() {
        return Err(ImportError::Decode(
            "it has no graph (is it an ONNX model?)".into(),
        ));
    }
    let mut g = graph::Graph::build(&model)?;
    let nodes = g.nodes.len();
    let batch = g.batch;
    let out = decompose::run(&mut g)?;
    Ok(Imported {
        arch: out.arch,
        partial: out.partial,
        notes: out.notes,
        nodes,
        batch,
    })
}
