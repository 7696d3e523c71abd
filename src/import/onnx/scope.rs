//! Module names: torch.onnx names each node after the module scope it ran in (`/layer1/layer1.0/conv1/Conv`), so
//! the items nest into named sequences along those scopes and rows line up with `print(model)`. Graphs from other
//! exporters (no `/` scopes) keep unnamed layers, numbered by position.

use std::collections::HashSet;

use crate::core::arch::{Node, Op, Residual};

use super::decompose::Item;
use super::graph::Graph;

/// The convscope tree of the items.
pub fn build(g: &Graph, items: &[Item]) -> Vec<Node> {
    let s = Scopes::new(g);
    let mut nodes = s.seq(items, &[]);
    drop_positional(&mut nodes, &mut 0);
    nodes
}

/// Where an item sits.
enum Place {
    /// A module: its full path (the last name is the module's own).
    Module(Vec<String>),
    /// A call made in the `forward` of the module at this path (a functional op, a residual sum, a concat).
    Inline(Vec<String>),
    /// No scope in the file.
    Anon,
}

impl Place {
    /// The path of the module the item is a child of (or is inline in).
    fn container(&self) -> &[String] {
        match self {
            Place::Module(p) => &p[..p.len().saturating_sub(1)],
            Place::Inline(p) => p,
            Place::Anon => &[],
        }
    }
}

struct Scopes {
    /// Each node's module path, relative names (`["layer1", "0", "conv1"]`).
    paths: Vec<Vec<String>>,
    /// Node names that carried a scope at all.
    scoped: Vec<bool>,
    /// Paths with deeper paths under them: containers, not leaf modules.
    containers: HashSet<Vec<String>>,
    ops: Vec<String>,
}

impl Scopes {
    fn new(g: &Graph) -> Scopes {
        let mut paths: Vec<Vec<String>> = g.nodes.iter().map(|n| parse(&n.scope)).collect();
        let scoped = g.nodes.iter().map(|n| n.scope.starts_with('/')).collect();
        // A module called twice gets `relu_1` for its second call; the module is `relu`.
        let mut known: HashSet<(Vec<String>, String)> = HashSet::new();
        for p in &paths {
            for i in 0..p.len() {
                known.insert((p[..i].to_vec(), p[i].clone()));
            }
        }
        for p in &mut paths {
            for i in 0..p.len() {
                if let Some((base, n)) = p[i].rsplit_once('_') {
                    if !base.is_empty()
                        && n.bytes().all(|b| b.is_ascii_digit())
                        && known.contains(&(p[..i].to_vec(), base.to_string()))
                    {
                        p[i] = base.to_string();
                    }
                }
            }
        }
        let mut containers = HashSet::new();
        for p in &paths {
            for i in 0..p.len() {
                containers.insert(p[..i].to_vec());
            }
        }
        Scopes {
            paths,
            scoped,
            containers,
            ops: g.nodes.iter().map(|n| n.op.clone()).collect(),
        }
    }

    fn place(&self, item: &Item) -> Place {
        match item {
            Item::Leaf { node, .. } | Item::Raw { node } if self.scoped[*node] => {
                let p = &self.paths[*node];
                let func = matches!(
                    item,
                    Item::Leaf {
                        function: Some(_),
                        ..
                    }
                );
                if !func && !p.is_empty() && !self.containers.contains(p) {
                    Place::Module(p.clone())
                } else {
                    Place::Inline(p.clone())
                }
            }
            Item::Leaf { .. } | Item::Raw { .. } => Place::Anon,
            Item::Se { join, .. } if self.scoped[*join] && !self.paths[*join].is_empty() => {
                Place::Module(self.paths[*join].clone())
            }
            Item::Se { .. } => Place::Anon,
            Item::Res { join, .. } | Item::Cat { join, .. } if self.scoped[*join] => {
                let mut lcp = self.paths[*join].clone();
                for it in children(item) {
                    let q = match self.place(it) {
                        Place::Module(q) | Place::Inline(q) => q,
                        Place::Anon => Vec::new(),
                    };
                    let common = lcp.iter().zip(&q).take_while(|(a, b)| a == b).count();
                    lcp.truncate(common);
                }
                Place::Inline(lcp)
            }
            Item::Res { .. } | Item::Cat { .. } => Place::Inline(Vec::new()),
        }
    }

    /// The nodes of `items` inside the module at path `m`.
    fn seq(&self, items: &[Item], m: &[String]) -> Vec<Node> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let place = self.place(&items[i]);
            let c = place.container();
            if !c.starts_with(m) || c.len() <= m.len() {
                out.push(self.node(&items[i], &place, m));
                i += 1;
                continue;
            }
            let mut sub = m.to_vec();
            sub.push(c[m.len()].clone());
            let mut k = i + 1;
            while k < items.len() && self.place(&items[k]).container().starts_with(&sub) {
                k += 1;
            }
            let inner = self.seq(&items[i..k], &sub);
            out.push(module(sub[m.len()].clone(), inner));
            i = k;
        }
        out
    }

    fn node(&self, item: &Item, place: &Place, m: &[String]) -> Node {
        let named = |op: Op| match place {
            Place::Module(p) if p.starts_with(m) => Node {
                name: p.last().cloned(),
                repeat: 1,
                functional: false,
                op,
            },
            _ => Node::new(op),
        };
        match item {
            Item::Leaf {
                layer,
                node,
                function,
            } => match place {
                Place::Inline(_) => Node {
                    name: Some(
                        function
                            .unwrap_or_else(|| function_name(&self.ops[*node]))
                            .to_string(),
                    ),
                    repeat: 1,
                    functional: true,
                    op: Op::Layer(*layer),
                },
                _ => named(Op::Layer(*layer)),
            },
            // Left over only if a pattern failed; the caller truncates before it.
            Item::Raw { .. } => Node::new(Op::Seq(Vec::new())),
            Item::Se {
                squeeze, act, gate, ..
            } => named(Op::SqueezeExcite {
                squeeze: *squeeze,
                act: *act,
                gate: *gate,
            }),
            Item::Res { main, shortcut, .. } => Node {
                name: None,
                repeat: 1,
                functional: true,
                op: Op::Residual(Residual {
                    main: self.seq(main, m),
                    shortcut: self.seq(shortcut, m),
                    post: Vec::new(),
                }),
            },
            Item::Cat { branches, .. } => Node {
                name: None,
                repeat: 1,
                functional: true,
                op: Op::Concat(branches.iter().map(|b| self.seq(b, m)).collect()),
            },
        }
    }
}

fn children(item: &Item) -> Vec<&Item> {
    match item {
        Item::Res { main, shortcut, .. } => main.iter().chain(shortcut).collect(),
        Item::Cat { branches, .. } => branches.iter().flatten().collect(),
        _ => Vec::new(),
    }
}

/// A named module holding `inner`: a block whose forward is one residual sum (then what follows it) or one concat
/// is that block itself, as convscope writes torchvision's (`layer1.0: res(…)`, the same rows as `seq(~res(…))`).
fn module(name: String, mut inner: Vec<Node>) -> Node {
    let first_inline = |n: &Node, want_res: bool| {
        n.functional
            && match &n.op {
                Op::Residual(r) => want_res && r.post.is_empty(),
                Op::Concat(_) => !want_res,
                _ => false,
            }
    };
    let op = match inner.first() {
        Some(f) if first_inline(f, true) => {
            let rest = inner.split_off(1);
            match inner.pop().map(|n| n.op) {
                Some(Op::Residual(mut r)) => {
                    r.post = rest;
                    Op::Residual(r)
                }
                other => Op::Seq(other.into_iter().map(Node::new).chain(rest).collect()),
            }
        }
        Some(f) if inner.len() == 1 && first_inline(f, false) => match inner.pop().map(|n| n.op) {
            Some(op) => op,
            None => Op::Seq(Vec::new()),
        },
        _ => Op::Seq(inner),
    };
    Node {
        name: Some(name),
        repeat: 1,
        functional: false,
        op,
    }
}

/// Names equal to the position the walker would give are left out, as `nn.Sequential` children are written.
fn drop_positional(nodes: &mut [Node], counter: &mut u64) {
    for n in nodes {
        if n.functional && !matches!(n.op, Op::Layer(_)) {
            inner(&mut n.op, counter);
            continue;
        }
        let index = *counter;
        *counter += 1;
        if n.name.as_deref() == Some(index.to_string().as_str()) {
            n.name = None;
        }
        inner(&mut n.op, &mut 0);
    }

    fn inner(op: &mut Op, counter: &mut u64) {
        match op {
            Op::Seq(items) => drop_positional(items, counter),
            Op::Residual(r) => {
                drop_positional(&mut r.main, counter);
                drop_positional(&mut r.shortcut, counter);
                drop_positional(&mut r.post, counter);
            }
            Op::Concat(branches) => {
                for b in branches {
                    drop_positional(b, counter);
                }
            }
            _ => {}
        }
    }
}

/// The module path in a torch.onnx node name, as names relative to their parent: `/layer1/layer1.0/conv1/Conv` →
/// `layer1`, `0`, `conv1`. A scope is written with the dotted path from some ancestor (`layer1.0` under `layer1`,
/// `downsample.0` under `downsample`, `conv.0.0` under `conv.0`): the longest ending of the path so far that the
/// scope starts with is its parent part.
fn parse(name: &str) -> Vec<String> {
    let Some(rest) = name.strip_prefix('/') else {
        return Vec::new();
    };
    let mut segs: Vec<&str> = rest.split('/').collect();
    segs.pop(); // the op's own name (`Conv`, `Relu_1`)
    let mut out: Vec<String> = Vec::new();
    for seg in segs {
        let names: Vec<&str> = seg.split('.').collect();
        // The longest k such that the scope's first k names are the path's last k.
        let k = (1..=out.len().min(names.len().saturating_sub(1)))
            .rev()
            .find(|&k| {
                out[out.len() - k..]
                    .iter()
                    .zip(&names[..k])
                    .all(|(a, b)| a == &sanitize(b))
            })
            .unwrap_or(0);
        out.extend(names[k..].iter().map(|n| sanitize(n)));
    }
    out
}

/// A name the text format accepts: letters, digits, `_` and `-` (not first).
fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with('-') {
        out.insert(0, '_');
    }
    out
}

/// The torch function a functional op stands for.
fn function_name(op: &str) -> &'static str {
    match op {
        "Relu" => "relu",
        "Clip" => "relu6",
        "Sigmoid" => "sigmoid",
        "Tanh" => "tanh",
        "HardSwish" => "hardswish",
        "HardSigmoid" => "hardsigmoid",
        "LeakyRelu" => "leaky_relu",
        "Gelu" | "Erf" | "Div" => "gelu",
        "Flatten" | "Reshape" | "Squeeze" => "flatten",
        "GlobalAveragePool" | "ReduceMean" => "adaptive_avg_pool2d",
        "GlobalMaxPool" | "ReduceMax" => "adaptive_max_pool2d",
        "MaxPool" => "max_pool2d",
        "AveragePool" => "avg_pool2d",
        "Conv" => "conv2d",
        "ConvTranspose" => "conv_transpose2d",
        "BatchNormalization" => "batch_norm",
        "Gemm" | "MatMul" => "linear",
        "Resize" | "Upsample" => "interpolate",
        "Mul" => "silu",
        "Softplus" => "mish",
        _ => "op",
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn torch_onnx_scopes_become_module_paths() {
        // Node names as torch.onnx 2.15 writes them for torchvision's resnet50 and mobilenet_v2.
        let cases = [
            ("/layer1/layer1.0/conv1/Conv", "layer1.0.conv1"),
            (
                "/layer1/layer1.0/downsample/downsample.0/Conv",
                "layer1.0.downsample.0",
            ),
            (
                "/features/features.1/conv/conv.0/conv.0.0/Conv",
                "features.1.conv.0.0",
            ),
            (
                "/features/denseblock1/denselayer1/norm1/BatchNormalization",
                "features.denseblock1.denselayer1.norm1",
            ),
            ("/Flatten", ""),
            ("Conv_0", ""),
            // The dynamo exporter's scopes, joined by graph.rs: full dotted paths.
            ("/layer4/layer4.1/layer4.1.relu/relu_16", "layer4.1.relu"),
        ];
        for (name, path) in cases {
            assert_eq!(parse(name).join("."), path, "{name}");
        }
    }
}
