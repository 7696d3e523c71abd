//! torchvision's blocks in an imported tree: a node whose layers are exactly what `core::blocks` expands a
//! `BasicBlock`, `Bottleneck`, `InvertedResidual` or `MBConv` into, for the node's input, becomes that block, so the
//! editor's block sliders work on an imported network. Anything not equal stays as layers.

use crate::core::addr::Addr;
use crate::core::analysis::{analyse, Analysis, Options};
use crate::core::arch::{Architecture, Block, Node, Op};
use crate::core::blocks;
use crate::core::layer::{Conv, Groups, Layer};

/// Replaces every exact standard block in `arch`.
pub fn recognise(arch: &mut Architecture) {
    let a = analyse(arch, &Options::default());
    if a.totals.diagnostics > 0 {
        return;
    }
    let input = arch.input.c;
    seq(&mut arch.body, &Addr::default(), 0, &a, input);
    repeats(&mut arch.body);
}

/// Runs of equal unnamed items become one repeated item (`3*bottleneck(64)`): the same modules, numbered the same.
fn repeats(nodes: &mut Vec<Node>) {
    for n in nodes.iter_mut() {
        match &mut n.op {
            Op::Seq(items) => repeats(items),
            Op::Residual(r) => {
                for list in [&mut r.main, &mut r.shortcut, &mut r.post] {
                    repeats(list);
                }
            }
            Op::Concat(branches) => branches.iter_mut().for_each(repeats),
            _ => {}
        }
    }
    let mut out: Vec<Node> = Vec::with_capacity(nodes.len());
    for n in nodes.drain(..) {
        match out.last_mut() {
            Some(last)
                if last.name.is_none()
                    && n.name.is_none()
                    && !last.functional
                    && !n.functional
                    && n.repeat == 1
                    && last.op == n.op
                    && last.repeat < crate::core::limits::MAX_REPEAT =>
            {
                last.repeat += 1;
            }
            _ => out.push(n),
        }
    }
    *nodes = out;
}

/// The items of list `list` of the node at `at`: only items of a sequence are tried, since their input is the output
/// of the row before their first row. Nodes are found by the address the analysis stamps on their rows, so no
/// module naming is redone here.
fn seq(nodes: &mut [Node], at: &Addr, list: usize, a: &Analysis, input: u64) {
    for (i, n) in nodes.iter_mut().enumerate() {
        let here = at.child(list, i);
        let functional_block = n.functional && !matches!(n.op, Op::Layer(_));
        if !functional_block {
            if let Some(b) = input_channels(a, &here, input).and_then(|c| matching(&n.op, c)) {
                n.op = Op::Block(b);
                continue;
            }
        }
        inner(&mut n.op, &here, a, input);
    }
}

fn inner(op: &mut Op, at: &Addr, a: &Analysis, input: u64) {
    match op {
        Op::Seq(items) => seq(items, at, 0, a, input),
        // Paths inside a residual or a concat are walked for nested sequences, but their own items are not tried:
        // the row before a shortcut's first row is the main path's last.
        Op::Residual(r) => {
            for (k, list) in [&mut r.main, &mut r.shortcut, &mut r.post]
                .into_iter()
                .enumerate()
            {
                nested(list, at, k, a, input);
            }
        }
        Op::Concat(branches) => {
            for (k, b) in branches.iter_mut().enumerate() {
                nested(b, at, k, a, input);
            }
        }
        _ => {}
    }
}

fn nested(nodes: &mut [Node], at: &Addr, list: usize, a: &Analysis, input: u64) {
    for (i, n) in nodes.iter_mut().enumerate() {
        let here = at.child(list, i);
        if n.functional && !matches!(n.op, Op::Layer(_)) {
            inner(&mut n.op, &here, a, input);
        } else if let Op::Seq(items) = &mut n.op {
            seq(items, &here, 0, a, input);
        }
    }
}

/// The channels entering the node at `at`: the output of the row before its first row.
fn input_channels(a: &Analysis, at: &Addr, input: u64) -> Option<u64> {
    let first = a.rows.iter().position(|r| at.contains(&r.node))?;
    match first.checked_sub(1) {
        None => Some(input),
        Some(i) => a.rows[i].stats.map(|s| s.output.channels()),
    }
}

/// The convolutions of a node, depth first.
fn convs(op: &Op, out: &mut Vec<Conv>) {
    match op {
        Op::Layer(Layer::Conv(c)) => out.push(*c),
        Op::Seq(items) => items.iter().for_each(|n| convs(&n.op, out)),
        Op::Residual(r) => r
            .main
            .iter()
            .chain(&r.shortcut)
            .chain(&r.post)
            .for_each(|n| convs(&n.op, out)),
        _ => {}
    }
}

/// The block whose expansion for `in_c` input channels is exactly `op`.
fn matching(op: &Op, in_c: u64) -> Option<Block> {
    if !matches!(op, Op::Seq(_) | Op::Residual(_)) || in_c == 0 {
        return None;
    }
    let mut cs = Vec::new();
    convs(op, &mut cs);
    let mut candidates = Vec::new();
    if let [c1, ..] = cs[..] {
        candidates.push(Block::Basic {
            planes: c1.out,
            stride: c1.stride.h,
        });
    }
    if let [c1, c2, c3, ..] = cs[..] {
        let groups = match c2.groups {
            Groups::Count(g) => g,
            Groups::Depthwise => c2.out,
        };
        let planes = c3.out / 4;
        if planes > 0 && groups > 0 {
            candidates.push(Block::Bottleneck {
                planes,
                stride: c2.stride.h,
                expansion: 4,
                groups,
                base_width: c1.out * 64 / (planes * groups),
            });
        }
    }
    // Inverted residuals and MBConv: an optional 1×1 expansion, a depthwise k×k, a 1×1 projection.
    let (expand, dw, proj) = match cs[..] {
        [dw, proj] => (1, dw, proj),
        [e, dw, proj] => (e.out / in_c, dw, proj),
        _ => return first_equal(op, in_c, &candidates),
    };
    candidates.push(Block::InvertedResidual {
        expand,
        out: proj.out,
        stride: dw.stride.h,
    });
    candidates.push(Block::MbConv {
        expand,
        out: proj.out,
        kernel: dw.kernel.h,
        stride: dw.stride.h,
    });
    first_equal(op, in_c, &candidates)
}

fn first_equal(op: &Op, in_c: u64, candidates: &[Block]) -> Option<Block> {
    candidates.iter().copied().find(|b| {
        blocks::check(b).is_ok() && {
            let e = blocks::expand(b, in_c);
            e == *op || without_stochastic_depth(&e) == *op
        }
    })
}

/// torchvision's MBConv ends with `StochasticDepth`, the identity at inference, which exporters leave out.
fn without_stochastic_depth(op: &Op) -> Op {
    let strip = |nodes: &[Node]| -> Vec<Node> {
        nodes
            .iter()
            .filter(|n| !matches!(n.op, Op::Layer(Layer::StochasticDepth(_))))
            .cloned()
            .collect()
    };
    match op {
        Op::Seq(items) => Op::Seq(strip(items)),
        Op::Residual(r) => {
            let mut r = r.clone();
            r.main = strip(&r.main);
            r.post = strip(&r.post);
            Op::Residual(r)
        }
        other => other.clone(),
    }
}
