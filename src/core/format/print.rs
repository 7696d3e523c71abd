//! Printer of the text format: the canonical, compact spelling, leaving out every default so links stay short.

use std::fmt::Write as _;

use crate::core::arch::{Architecture, Block, Node, Op};
use crate::core::format::parse::SE_ACTS;
use crate::core::format::VERSION;
use crate::core::layer::{Act, Layer, Pair};
use crate::core::ops::pair_text as pair;
use crate::core::ops::{with_family, Family};

/// The spec of `arch`; [`crate::core::format::parse`] reads it back to an equal value.
pub fn print(arch: &Architecture) -> String {
    let mut out = String::with_capacity(256);
    let i = arch.input;
    let _ = write!(out, "{VERSION}/{}x{}x{}", i.c, i.h, i.w);
    for node in &arch.body {
        out.push('/');
        node_to(&mut out, node);
    }
    out
}

fn items_to(out: &mut String, nodes: &[Node]) {
    for (i, node) in nodes.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        node_to(out, node);
    }
}

fn node_to(out: &mut String, node: &Node) {
    if node.repeat > 1 {
        let _ = write!(out, "{}*", node.repeat);
    } else if let Some(name) = &node.name {
        let _ = write!(out, "{name}:");
    }
    if node.functional {
        out.push('~');
    }
    op_to(out, &node.op);
}

fn lists_to(out: &mut String, kind: &str, lists: &[&[Node]]) {
    out.push_str(kind);
    out.push('(');
    for (i, list) in lists.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        items_to(out, list);
    }
    out.push(')');
}

fn op_to(out: &mut String, op: &Op) {
    match op {
        Op::Layer(layer) => layer_to(out, layer),
        Op::Seq(items) => lists_to(out, "seq", &[items]),
        Op::Residual(r) => {
            let parts: &[&[Node]] = if !r.post.is_empty() {
                &[&r.main, &r.shortcut, &r.post]
            } else if !r.shortcut.is_empty() {
                &[&r.main, &r.shortcut]
            } else {
                &[&r.main]
            };
            lists_to(out, "res", parts);
        }
        Op::Concat(branches) => {
            let lists: Vec<&[Node]> = branches.iter().map(Vec::as_slice).collect();
            lists_to(out, "cat", &lists);
        }
        Op::SqueezeExcite { squeeze, act, gate } => {
            // The parser knows the activations of SE_ACTS; ReLU is the default and left out.
            let act = SE_ACTS
                .iter()
                .find(|(_, a)| a == act && *a != Act::Relu)
                .map_or(String::new(), |(k, _)| format!(",{k}"));
            let gate = if *gate == Act::Hardsigmoid {
                ",hardsigmoid"
            } else {
                ""
            };
            let _ = write!(out, "se({squeeze}{act}{gate})");
        }
        Op::ConcatPool(size) => {
            if *size == Pair::square(1) {
                out.push_str("concatpool");
            } else {
                let _ = write!(out, "concatpool({})", pair(*size));
            }
        }
        Op::Block(b) => block_to(out, b),
    }
}

fn call(out: &mut String, name: &str, args: &[String]) {
    out.push_str(name);
    if !args.is_empty() {
        out.push('(');
        // Straight into `out`: a joined copy would cost an allocation per layer.
        for (i, arg) in args.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(arg);
        }
        out.push(')');
    }
}

fn layer_to(out: &mut String, layer: &Layer) {
    let mut args = Vec::new();
    let name = with_family!(layer, |family| family.print(layer, &mut args));
    call(out, name, &args);
}

fn block_to(out: &mut String, block: &Block) {
    let stride = |s: u64| if s != 1 { Some(format!("s{s}")) } else { None };
    let (name, args): (&str, Vec<String>) = match *block {
        Block::Basic { planes, stride: s } => (
            "basic",
            [Some(planes.to_string()), stride(s)]
                .into_iter()
                .flatten()
                .collect(),
        ),
        Block::Bottleneck {
            planes,
            stride: s,
            expansion,
            groups,
            base_width,
        } => {
            let extra = [
                (expansion != 4).then(|| format!("e{expansion}")),
                (groups != 1).then(|| format!("g{groups}")),
                (base_width != 64).then(|| format!("w{base_width}")),
            ];
            let args = [Some(planes.to_string()), stride(s)]
                .into_iter()
                .chain(extra)
                .flatten()
                .collect();
            ("bottleneck", args)
        }
        Block::InvertedResidual {
            expand,
            out: o,
            stride: s,
        } => (
            "invres",
            [Some(expand.to_string()), Some(o.to_string()), stride(s)]
                .into_iter()
                .flatten()
                .collect(),
        ),
        Block::MbConv {
            expand,
            out: o,
            kernel,
            stride: s,
        } => {
            let args = [
                Some(expand.to_string()),
                Some(o.to_string()),
                Some(kernel.to_string()),
                stride(s),
            ];
            ("mbconv", args.into_iter().flatten().collect())
        }
    };
    call(out, name, &args);
}
