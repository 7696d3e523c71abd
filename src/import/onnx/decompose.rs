//! The graph form → convscope's series-parallel tree. A value read by several nodes opens a fork; its branches
//! run to the fork's join, the nearest node every path from the fork passes (its immediate post-dominator). The
//! join says what the fork was: `Add` a residual, `Concat` on channels a `cat`, `Mul` an activation written as a
//! product (SiLU, Mish, GELU) or torchvision's squeeze-excitation.

use crate::core::arch::{Architecture, Input};
use crate::core::format;
use crate::core::layer::{Act, Conv, Groups, Layer, Padding, Pair};
use crate::core::limits::MAX_DEPTH;

use super::graph::{GNode, Graph, NodeId, ValueId};
use super::infer::pad_amounts;
use super::ops::{self, unsupported, ExtraPads};
use super::{scope, ImportError};

/// The end of the graph, after its output, in the post-dominator tree.
const EXIT: NodeId = usize::MAX;

/// What the decomposition gives.
pub struct Output {
    pub arch: Architecture,
    pub partial: Option<String>,
    pub notes: Vec<String>,
}

/// One element of a sequence, before module names are given.
#[derive(Clone, Debug)]
pub enum Item {
    /// A leaf layer made from `node` (and the nodes of its pattern). `function` names a functional call the node
    /// stands for (a reduction's flatten), whatever its scope.
    Leaf {
        layer: Layer,
        node: NodeId,
        function: Option<&'static str>,
    },
    /// A node that only means something inside a pattern (`Erf`, a `Softplus`, arithmetic with a constant).
    Raw { node: NodeId },
    Res {
        main: Vec<Item>,
        shortcut: Vec<Item>,
        join: NodeId,
    },
    Cat {
        branches: Vec<Vec<Item>>,
        join: NodeId,
    },
    Se {
        squeeze: u64,
        act: Act,
        gate: Act,
        join: NodeId,
    },
}

/// Decomposes the graph; the part before the first node that cannot be represented is kept (partial).
pub fn run(g: &mut Graph) -> Result<Output, ImportError> {
    chain_concats(g);
    let g = &*g;
    let mut w = Walk::new(g);
    let mut items = Vec::new();
    let mut partial = match w.chain(g.input, None, &mut items) {
        Ok(end) if end == g.output => None,
        Ok(end) => Some(format!(
            "the network stops at `{}`, which is not the graph's output `{}`",
            g.values[end].name, g.values[g.output].name
        )),
        Err(e) => Some(e.to_string()),
    };
    drop_constant_arithmetic(g, &mut items, &mut w.notes);
    if let Some((i, node)) = first_raw(&items) {
        items.truncate(i);
        let n = &g.nodes[node];
        partial.get_or_insert_with(|| {
            unsupported(
                n,
                "it is part of no pattern convscope knows (x·sigmoid(x), x·tanh(softplus(x)), the erf form of GELU)",
            )
            .to_string()
        });
    }
    if items.is_empty() {
        return Err(ImportError::Graph(
            partial.unwrap_or_else(|| "the graph has no layers".into()),
        ));
    }
    let input = match g.shape(g.input) {
        Some(&[_, c, h, w]) => Input {
            c: c as u64,
            h: h as u64,
            w: w as u64,
        },
        _ => return Err(ImportError::Graph("the input is not N×C×H×W".into())),
    };
    let body = scope::build(g, &items);
    let mut arch = Architecture { input, body };
    super::blocks::recognise(&mut arch);
    // An imported network is an ordinary one: it must survive the text format (the link) unchanged, within its
    // bounds on nesting, repeats and sizes.
    match format::parse(&format::print(&arch)) {
        Ok(back) if back == arch => {}
        Ok(_) => {
            return Err(ImportError::Graph(
                "the imported network does not survive the text format".into(),
            ))
        }
        Err(e) => {
            return Err(ImportError::Graph(format!(
                "the imported network is outside the text format's bounds: {e}"
            )))
        }
    }
    Ok(Output {
        arch,
        partial: partial.map(|p| format!("only the part before this maps: {p}")),
        notes: w.notes,
    })
}

/// Arithmetic with a constant outside any pattern (an input normalisation `(x − mean) / std`, a scale) has no
/// convscope layer; it costs one operation per element and changes no shape, so it is left out, with a note.
fn drop_constant_arithmetic(g: &Graph, items: &mut Vec<Item>, notes: &mut Vec<String>) {
    items.retain_mut(|it| match it {
        Item::Raw { node } if matches!(g.nodes[*node].op.as_str(), "Add" | "Sub" | "Mul" | "Div") => {
            notes.push(format!(
                "{}: an element-wise op with a constant, left out (no convscope layer; one operation per element)",
                g.nodes[*node].describe()
            ));
            false
        }
        Item::Res { main, shortcut, .. } => {
            drop_constant_arithmetic(g, main, notes);
            drop_constant_arithmetic(g, shortcut, notes);
            true
        }
        Item::Cat { branches, .. } => {
            branches.iter_mut().for_each(|b| drop_constant_arithmetic(g, b, notes));
            true
        }
        _ => true,
    });
}

/// The top-level index of the first pattern part left over, and its node.
fn first_raw(items: &[Item]) -> Option<(usize, NodeId)> {
    fn inner(items: &[Item]) -> Option<NodeId> {
        items.iter().find_map(|it| match it {
            Item::Raw { node } => Some(*node),
            Item::Res { main, shortcut, .. } => inner(main).or_else(|| inner(shortcut)),
            Item::Cat { branches, .. } => branches.iter().find_map(|b| inner(b)),
            _ => None,
        })
    }
    items
        .iter()
        .enumerate()
        .find_map(|(i, it)| inner(std::slice::from_ref(it)).map(|n| (i, n)))
}

/// DenseNet concatenates all earlier outputs at every layer (`cat([x0, f1, f2])`, then `cat([x0, f1, f2, f3])`).
/// Where a concat's inputs but the last are exactly an earlier concat's, it reads that concat instead: the same
/// tensor, and the graph becomes series-parallel (`cat(; layer)` per layer, as the densenet preset writes it).
fn chain_concats(g: &mut Graph) {
    let concats: Vec<NodeId> = g
        .order
        .iter()
        .copied()
        .filter(|&n| g.nodes[n].op == "Concat")
        .collect();
    // The inputs as written: a rewritten concat is still found by what it concatenates.
    let original: Vec<Vec<ValueId>> = concats
        .iter()
        .map(|&c| g.nodes[c].inputs.iter().flatten().copied().collect())
        .collect();
    for (ci, &c) in concats.iter().enumerate() {
        let ins = &original[ci];
        if ins.len() < 3 {
            continue;
        }
        let prefix = &ins[..ins.len() - 1];
        let axis = g.nodes[c].int("axis");
        let found = concats.iter().zip(&original).find(|(&p, p_ins)| {
            p != c && g.nodes[p].int("axis") == axis && p_ins.as_slice() == prefix
        });
        let Some((&p, _)) = found else { continue };
        let p_out = g.nodes[p].out();
        let last = ins[ins.len() - 1];
        g.nodes[c].inputs = vec![Some(p_out), Some(last)];
        for v in prefix {
            if *v != last {
                g.values[*v].users.retain(|&u| u != c);
            }
        }
        if !g.values[p_out].users.contains(&c) {
            g.values[p_out].users.push(c);
        }
    }
}

struct Walk<'g> {
    g: &'g Graph,
    /// The node leads to the output.
    live: Vec<bool>,
    /// Position in topological order.
    pos: Vec<usize>,
    ipdom: Vec<NodeId>,
    /// Forks open around the current walk: bounded, so a hostile file cannot exhaust the stack.
    depth: usize,
    /// Padding of a `Pad` waiting for the conv or pool it folds into.
    pending_pad: Option<ExtraPads>,
    notes: Vec<String>,
}

impl<'g> Walk<'g> {
    fn new(g: &'g Graph) -> Walk<'g> {
        let n = g.nodes.len();
        let mut pos = vec![0; n];
        for (i, &node) in g.order.iter().enumerate() {
            pos[node] = i;
        }
        let mut live = vec![false; n];
        for &node in g.order.iter().rev() {
            let out = g.nodes[node].out();
            live[node] = out == g.output || g.data_users(out).iter().any(|&u| live[u]);
        }
        let mut w = Walk {
            g,
            live,
            pos,
            ipdom: vec![EXIT; n],
            depth: 0,
            pending_pad: None,
            notes: g.notes.clone(),
        };
        for &node in g.order.iter().rev() {
            if !w.live[node] {
                continue;
            }
            let out = g.nodes[node].out();
            let users = w.users(out);
            let mut dom = match users.first() {
                Some(&f) if out != g.output => f,
                _ => EXIT,
            };
            for &u in users.iter().skip(1) {
                dom = w.intersect(dom, u);
            }
            w.ipdom[node] = dom;
        }
        w
    }

    /// The nodes reading `v` that carry data on towards the output.
    fn users(&self, v: ValueId) -> Vec<NodeId> {
        self.g
            .data_users(v)
            .into_iter()
            .filter(|&u| self.live[u])
            .collect()
    }

    fn intersect(&self, mut a: NodeId, mut b: NodeId) -> NodeId {
        while a != b {
            if a == EXIT || b == EXIT {
                return EXIT;
            }
            if self.pos[a] < self.pos[b] {
                a = self.ipdom[a];
            } else {
                b = self.ipdom[b];
            }
        }
        a
    }

    fn not_series_parallel(&self, n: NodeId) -> ImportError {
        unsupported(
            &self.g.nodes[n],
            "it joins paths that do not fork from one point: the graph is not series-parallel there, so no \
             seq/res/cat writes it",
        )
    }

    /// Walks from `cur` until the graph's end or, inside a branch, until `stop` is the only reader.
    fn chain(
        &mut self,
        mut cur: ValueId,
        stop: Option<NodeId>,
        items: &mut Vec<Item>,
    ) -> Result<ValueId, ImportError> {
        loop {
            let users = self.users(cur);
            if users.is_empty() || (stop.is_some() && users == [stop.unwrap_or(EXIT)]) {
                return Ok(cur);
            }
            if let [u] = users[..] {
                if self.g.nodes[u].data_inputs(self.g).len() != 1 {
                    return Err(self.not_series_parallel(u));
                }
                cur = self.single(u, items)?;
            } else {
                let mut j = users[0];
                for &u in &users[1..] {
                    j = self.intersect(j, u);
                }
                if j == EXIT
                    || Some(j) == stop
                    || users
                        .iter()
                        .any(|&u| u != j && self.g.nodes[u].data_inputs(self.g).len() != 1)
                {
                    let at = if j == EXIT || Some(j) == stop {
                        users[users.len() - 1]
                    } else {
                        users.iter().copied().find(|&u| u != j).unwrap_or(j)
                    };
                    return Err(self.not_series_parallel(at));
                }
                if self.depth >= MAX_DEPTH {
                    return Err(unsupported(
                        &self.g.nodes[j],
                        format!("it closes a fork nested more than {MAX_DEPTH} deep"),
                    ));
                }
                self.depth += 1;
                let joined = self.fork(cur, &users, j, items);
                self.depth -= 1;
                cur = joined?;
            }
        }
    }

    /// One node with one data input.
    fn single(&mut self, u: NodeId, items: &mut Vec<Item>) -> Result<ValueId, ImportError> {
        let g = self.g;
        let n = &g.nodes[u];
        let out = n.out();
        let leaf = |layer| Item::Leaf {
            layer,
            node: u,
            function: None,
        };
        if self.pending_pad.is_some()
            && !matches!(n.op.as_str(), "Conv" | "MaxPool" | "AveragePool")
        {
            return Err(unsupported(
                n,
                "it follows a Pad, which only folds into a convolution or pooling",
            ));
        }
        let rank = self.shape(Some(out)).len();
        let group_norm_start = n.op == "Reshape" && rank == 3;
        if rank != 2
            && rank != 4
            && !group_norm_start
            && !matches!(n.op.as_str(), "Dropout" | "Identity")
        {
            let shuffle = n.op == "Reshape"
                && rank == 5
                && matches!(self.users(out)[..], [t] if g.nodes[t].op == "Transpose");
            if rank == 0 {
                // No shape: the op is unknown to the inference (the mapping names it) or its shape failed (why).
                if let Some(Some(p)) = g.problems.get(u) {
                    return Err(p.clone());
                }
            }
            let why = if shuffle {
                "a channel shuffle (reshape to groups, transpose, reshape back) has no convscope layer".to_string()
            } else {
                format!(
                    "its output is {rank}-D ({}); convscope analyses N×C×H×W maps and N×F vectors",
                    super::graph::dims_text(&self.shape(Some(out)))
                )
            };
            if rank != 0 {
                return Err(unsupported(n, why));
            }
        }
        match n.op.as_str() {
            "Dropout" | "Identity" => {}
            "Concat" => {} // one input: a copy
            "Pad" => self.pending_pad = Some(self.pad(n)?),
            "Reshape" if group_norm_start => return self.group_norm(u, items),
            "Flatten" | "Reshape" | "Squeeze" => {
                let x = self.shape(n.input(0));
                let y = self.shape(Some(out));
                let flat = y.len() == 2 && y.first() == x.first() && x.len() >= 2;
                if !flat {
                    return Err(unsupported(
                        n,
                        format!(
                            "a reshape of {} to {} is no flatten to N×F",
                            super::graph::dims_text(&x),
                            super::graph::dims_text(&y)
                        ),
                    ));
                }
                if x.len() > 2 {
                    items.push(leaf(Layer::Flatten));
                }
            }
            "MatMul" => {
                let users = self.users(out);
                let bias_add = match users[..] {
                    [a] if g.nodes[a].op == "Add" && g.nodes[a].data_inputs(g) == [out] => Some(a),
                    _ => None,
                };
                if self.shape(n.input(0)).len() != 2 {
                    return Err(unsupported(
                        n,
                        "only a product of N×F features by a weight matrix is a linear layer",
                    ));
                }
                items.push(leaf(ops::matmul(g, n, bias_add.is_some())?));
                if let Some(a) = bias_add {
                    return Ok(g.nodes[a].out());
                }
            }
            "Softplus" | "Erf" | "Add" | "Sub" | "Mul" | "Div" => items.push(Item::Raw { node: u }),
            "ReduceMean" | "ReduceMax" if n.int("keepdims") == Some(0) => {
                items.push(leaf(ops::leaf(g, n, [(0, 0); 2], &mut self.notes)?));
                items.push(Item::Leaf {
                    layer: Layer::Flatten,
                    node: u,
                    function: Some("flatten"),
                });
            }
            _ => {
                let extra = self.pending_pad.take().unwrap_or([(0, 0); 2]);
                items.push(leaf(ops::leaf(g, n, extra, &mut self.notes)?));
            }
        }
        Ok(out)
    }

    /// `nn.GroupNorm` as the TorchScript exporter writes it before opset 18: reshape to N×G×(C/G·H·W), instance
    /// norm, reshape back, multiply by the weight, add the bias.
    fn group_norm(&mut self, u: NodeId, items: &mut Vec<Item>) -> Result<ValueId, ImportError> {
        let g = self.g;
        let n = &g.nodes[u];
        let x = self.shape(n.input(0));
        let groups = self.shape(Some(n.out())).get(1).copied().unwrap_or(0);
        let next = |v: ValueId, op: &str| match self.users(v)[..] {
            [w] if g.nodes[w].op == op && g.nodes[w].data_inputs(g) == [v] => Some(w),
            _ => None,
        };
        let back =
            next(n.out(), "InstanceNormalization").and_then(|i| next(g.nodes[i].out(), "Reshape"));
        let affine = back
            .filter(|&r| self.shape(Some(g.nodes[r].out())) == x)
            .and_then(|r| next(g.nodes[r].out(), "Mul"))
            .and_then(|m| next(g.nodes[m].out(), "Add"));
        match (affine, u64::try_from(groups)) {
            (Some(a), Ok(groups)) if groups >= 1 && x.len() == 4 => {
                items.push(Item::Leaf {
                    layer: Layer::GroupNorm { groups },
                    node: u,
                    function: None,
                });
                Ok(g.nodes[a].out())
            }
            _ => Err(unsupported(
                n,
                "a reshape to 3-D that does not start an affine group norm (reshape, InstanceNormalization, reshape \
                 back, Mul, Add)",
            )),
        }
    }

    fn shape(&self, v: Option<ValueId>) -> Vec<i64> {
        v.and_then(|v| self.g.shape(v))
            .map(<[i64]>::to_vec)
            .unwrap_or_default()
    }

    /// A `Pad` in front of a conv or pool: its H and W amounts.
    fn pad(&mut self, n: &GNode) -> Result<ExtraPads, ImportError> {
        let users = self.users(n.out());
        let next_ok = matches!(users[..], [u] if matches!(self.g.nodes[u].op.as_str(), "Conv" | "MaxPool" | "AveragePool"));
        if !next_ok {
            return Err(unsupported(
                n,
                "a Pad folds into the convolution or pooling it feeds, and this one feeds none",
            ));
        }
        let p = pad_amounts(self.g, n)
            .ok_or_else(|| unsupported(n, "its pads are computed at run time"))?;
        match p[..] {
            [0, 0, hb, wb, 0, 0, he, we] if hb >= 0 && wb >= 0 && he >= 0 && we >= 0 => {
                let mode = n.string("mode").unwrap_or_else(|| "constant".into());
                if mode != "constant" {
                    self.notes.push(format!(
                        "{}: {mode} padding is counted as zero padding (the same shapes and cost)",
                        n.describe()
                    ));
                }
                Ok([(hb, he), (wb, we)])
            }
            _ => Err(unsupported(
                n,
                format!(
                    "pads {p:?}: only non-negative padding of H and W folds into a conv or pool"
                ),
            )),
        }
    }

    /// A fork at `cur` read by `users`, joined at `j`.
    fn fork(
        &mut self,
        cur: ValueId,
        users: &[NodeId],
        j: NodeId,
        items: &mut Vec<Item>,
    ) -> Result<ValueId, ImportError> {
        let g = self.g;
        let mut branches: Vec<Option<(Vec<Item>, ValueId)>> = Vec::new();
        for &u in users {
            if u == j {
                branches.push(Some((Vec::new(), cur)));
                continue;
            }
            let mut b = Vec::new();
            let v = self.single(u, &mut b)?;
            let end = self.chain(v, Some(j), &mut b)?;
            branches.push(Some((b, end)));
        }
        let jn = &g.nodes[j];
        let mut ordered = Vec::new();
        for i in jn.data_inputs(g) {
            let k = branches
                .iter()
                .position(|b| b.as_ref().is_some_and(|(_, e)| *e == i));
            match k.and_then(|k| branches[k].take()) {
                Some((b, _)) => ordered.push(b),
                None => return Err(self.not_series_parallel(j)),
            }
        }
        if branches.iter().any(Option::is_some) {
            return Err(self.not_series_parallel(j));
        }
        match jn.op.as_str() {
            "Add" if ordered.len() == 2 => {
                let mut it = ordered.into_iter();
                let (mut main, mut shortcut) = (it.next().unwrap_or_default(), it.next().unwrap_or_default());
                if main.is_empty() {
                    std::mem::swap(&mut main, &mut shortcut);
                }
                if main.is_empty() {
                    return Err(unsupported(jn, "x + x has no convscope layer"));
                }
                items.push(Item::Res { main, shortcut, join: j });
                Ok(jn.out())
            }
            "Concat" => {
                let rank = self.shape(Some(jn.out())).len() as i64;
                let axis = jn.int("axis").unwrap_or(0);
                if rank != 4 || (axis != 1 && axis != -3) {
                    return Err(unsupported(jn, format!("a concatenation along axis {axis} of a {rank}-D tensor; only channels (axis 1 of N×C×H×W) map")));
                }
                items.push(Item::Cat { branches: ordered, join: j });
                Ok(jn.out())
            }
            "Mul" if ordered.len() == 2 => self.product(cur, ordered, j, items),
            op => Err(unsupported(
                jn,
                format!("it joins branches with {op}; only Add (a residual), Concat on channels (cat) and Mul (an activation or a gate) do"),
            )),
        }
    }

    /// `x · f(x)`: SiLU, Hardswish, Mish, GELU, or torchvision's squeeze-excitation.
    fn product(
        &mut self,
        cur: ValueId,
        mut ordered: Vec<Vec<Item>>,
        j: NodeId,
        items: &mut Vec<Item>,
    ) -> Result<ValueId, ImportError> {
        let g = self.g;
        let jn = &g.nodes[j];
        let b = ordered.pop().unwrap_or_default();
        let a = ordered.pop().unwrap_or_default();
        let (x, f) = if a.len() <= b.len() { (a, b) } else { (b, a) };
        let op = |it: &Item| match it {
            Item::Raw { node } => g.nodes[*node].op.as_str(),
            _ => "",
        };
        let act = |it: &Item| match it {
            Item::Leaf {
                layer: Layer::Act(a),
                ..
            } => Some(*a),
            _ => None,
        };
        let first = |f: &[Item]| match f.first() {
            Some(Item::Leaf { node, .. } | Item::Raw { node }) => *node,
            _ => j,
        };
        let leaf = |a: Act, node| Item::Leaf {
            layer: Layer::Act(a),
            node,
            function: None,
        };
        if x.is_empty() {
            match &f[..] {
                [s] if act(s) == Some(Act::Sigmoid) => {
                    items.push(leaf(Act::Silu, first(&f)));
                    return Ok(jn.out());
                }
                [s] if act(s) == Some(Act::Hardsigmoid) => {
                    items.push(leaf(Act::Hardswish, first(&f)));
                    return Ok(jn.out());
                }
                [s, t] if op(s) == "Softplus" && act(t) == Some(Act::Tanh) => {
                    items.push(leaf(Act::Mish, first(&f)));
                    return Ok(jn.out());
                }
                [d, e, p] if matches!(op(d), "Div" | "Mul") && op(e) == "Erf" && op(p) == "Add" => {
                    // x · (1 + erf(x/√2)), then · 0.5.
                    let users = self.users(jn.out());
                    if let [m] = users[..] {
                        let mn = &g.nodes[m];
                        if matches!(mn.op.as_str(), "Mul" | "Div") && mn.data_inputs(g).len() == 1 {
                            items.push(leaf(Act::Gelu, first(&f)));
                            return Ok(mn.out());
                        }
                    }
                }
                _ => {}
            }
            if let Some(se) = self.squeeze_excite(cur, &f, j) {
                items.push(se);
                return Ok(jn.out());
            }
        }
        // (0.5·x) · (1 + erf(x/√2)): the half taken first.
        if let ([h], [d, e, p]) = (&x[..], &f[..]) {
            if matches!(op(h), "Mul" | "Div")
                && matches!(op(d), "Div" | "Mul")
                && op(e) == "Erf"
                && op(p) == "Add"
            {
                items.push(leaf(Act::Gelu, first(&f)));
                return Ok(jn.out());
            }
        }
        Err(unsupported(
            jn,
            "a product convscope does not know: x·sigmoid(x) (SiLU), x·hardsigmoid(x) (Hardswish), \
             x·tanh(softplus(x)) (Mish), the erf form of GELU and torchvision's SqueezeExcitation map",
        ))
    }

    /// torchvision's `SqueezeExcitation`: global average pool, 1×1 conv with bias, activation, 1×1 conv back to
    /// the input's channels, sigmoid or hard-sigmoid gate.
    fn squeeze_excite(&self, cur: ValueId, f: &[Item], j: NodeId) -> Option<Item> {
        let channels = *self.shape(Some(cur)).get(1)?;
        let fc = |it: &Item| match it {
            Item::Leaf {
                layer: Layer::Conv(c),
                ..
            } if is_fc(c) => Some(c.out),
            _ => None,
        };
        match f {
            [Item::Leaf {
                layer: Layer::AdaptiveAvgPool(p),
                function: None,
                ..
            }, c1, Item::Leaf {
                layer: Layer::Act(act),
                ..
            }, c2, Item::Leaf {
                layer: Layer::Act(gate @ (Act::Sigmoid | Act::Hardsigmoid)),
                ..
            }] if *p == Pair::square(1)
                && fc(c2).and_then(|c| i64::try_from(c).ok()) == Some(channels)
                && !matches!(
                    act,
                    Act::Tanh | Act::Hardsigmoid | Act::Mish | Act::LeakyRelu(_)
                ) =>
            {
                Some(Item::Se {
                    squeeze: fc(c1)?,
                    act: *act,
                    gate: *gate,
                    join: j,
                })
            }
            _ => None,
        }
    }
}

/// A 1×1 convolution with bias and nothing else: SqueezeExcitation's `fc1` and `fc2`.
fn is_fc(c: &Conv) -> bool {
    c.kernel == Pair::square(1)
        && c.stride == Pair::square(1)
        && c.padding == Padding::Explicit(Pair::square(0))
        && c.dilation == Pair::square(1)
        && c.groups == Groups::Count(1)
        && c.bias
}
