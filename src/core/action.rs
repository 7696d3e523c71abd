//! Edits of the shareable state: one [`Action`] enum and one pure [`apply`], used by the app's reducer and tested
//! natively. Every action keeps the architecture printable and parseable: values are clamped to the ranges the text
//! format accepts, so whatever the editor makes survives a round trip through a link.

pub use crate::core::addr::{Addr, Step};
use crate::core::analysis::Counting;
use crate::core::arch::{Architecture, Block, Input, Node, Op, Residual};
use crate::core::format;
use crate::core::fragment::{self, State};
pub use crate::core::knob::Param;
use crate::core::knob::{Knob, Ladder};
use crate::core::layer::{Act, Conv, Groups, Layer, Padding, Pair};
use crate::core::limits::{MAX_BATCH, MAX_CHANNELS, MAX_KERNEL, MAX_REPEAT, MAX_SPATIAL};
use crate::core::ops::{Family, KindDef, FAMILIES};
use crate::core::presets;
use crate::core::shape::Dtype;

/// A kind the editor can switch a leaf layer to: one of the [`KindDef`]s the op registry declares.
#[derive(Clone, Copy)]
pub struct Kind {
    family: &'static dyn Family,
    def: &'static KindDef,
}

impl PartialEq for Kind {
    fn eq(&self, other: &Kind) -> bool {
        self.def.keyword == other.def.keyword
    }
}

impl Eq for Kind {}

impl std::hash::Hash for Kind {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.def.keyword.hash(state);
    }
}

impl std::fmt::Debug for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Kind({})", self.def.keyword)
    }
}

/// Every kind, in menu order: the registry's families in order, each family's kinds in order.
#[derive(Clone, Copy, Debug)]
pub struct Kinds;

impl Kinds {
    /// The kinds, in menu order.
    pub fn iter(self) -> impl Iterator<Item = Kind> {
        FAMILIES.iter().flat_map(|family| {
            family.kinds().iter().map(move |def| Kind {
                family: *family,
                def,
            })
        })
    }

    /// The `i`-th kind of the menu.
    pub fn get(self, i: usize) -> Option<Kind> {
        self.iter().nth(i)
    }
}

impl IntoIterator for Kinds {
    type Item = Kind;
    type IntoIter = std::vec::IntoIter<Kind>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter().collect::<Vec<_>>().into_iter()
    }
}

impl Kind {
    /// All kinds, in menu order.
    pub const ALL: Kinds = Kinds;

    /// The kind known by `keyword` (`conv`, `bn1d`, `leakyrelu`).
    pub fn named(keyword: &str) -> Option<Kind> {
        Kind::ALL.iter().find(|k| k.def.keyword == keyword)
    }

    /// The text format's keyword of the kind.
    pub fn keyword(self) -> &'static str {
        self.def.keyword
    }

    /// The PyTorch class name, shown in menus.
    pub fn label(self) -> &'static str {
        self.def.default.class()
    }

    /// The kind of a layer (`StochasticDepth` counts as dropout: both are the identity at inference).
    pub fn of(layer: &Layer) -> Kind {
        let family = layer.family();
        Kind {
            family,
            def: family.kind_of(layer),
        }
    }

    /// A new layer of this kind with PyTorch's defaults (and "half" padding for convolutions).
    pub fn default_layer(self) -> Layer {
        self.def.default
    }

    /// `from` turned into this kind, keeping what carries over (width, kernel, stride, bias).
    pub fn convert(self, from: &Layer) -> Layer {
        self.family
            .convert(self.def.default, from.family().carry(from))
    }
}

/// Something the editor can insert, with the node it makes.
pub fn templates() -> Vec<(&'static str, Node)> {
    let conv = |k: u64| {
        let mut c = Conv::new(64, k);
        c.padding = Padding::Explicit(Pair::square(k / 2));
        c.bias = false;
        Node::layer(Layer::Conv(c))
    };
    let conv_bn_relu = || {
        Node::new(Op::Seq(vec![
            conv(3),
            Node::layer(Layer::BatchNorm { flat: false }),
            Node::layer(Layer::Act(Act::Relu)),
        ]))
    };
    let mut items: Vec<(&'static str, Node)> =
        vec![("Conv2d 3×3", conv(3)), ("Conv2d 1×1", conv(1))];
    for kind in Kind::ALL.into_iter().skip(1) {
        items.push((kind.label(), Node::layer(kind.default_layer())));
    }
    items.extend([
        ("Sequential (conv, bn, relu)", conv_bn_relu()),
        (
            "Residual (identity shortcut)",
            Node::new(Op::Residual(Residual {
                main: vec![conv_bn_relu()],
                shortcut: Vec::new(),
                post: Vec::new(),
            })),
        ),
        (
            "Squeeze-excitation",
            Node::new(Op::SqueezeExcite {
                squeeze: 16,
                act: Act::Relu,
                gate: Act::Sigmoid,
            }),
        ),
        (
            "Concat (two branches)",
            Node::new(Op::Concat(vec![vec![conv(1)], vec![conv(3)]])),
        ),
        (
            "AdaptiveConcatPool2d",
            Node::new(Op::ConcatPool(Pair::square(1))),
        ),
        (
            "BasicBlock",
            Node::new(Op::Block(Block::Basic {
                planes: 64,
                stride: 1,
            })),
        ),
        (
            "Bottleneck",
            Node::new(Op::Block(Block::Bottleneck {
                planes: 64,
                stride: 1,
                expansion: 4,
                groups: 1,
                base_width: 64,
            })),
        ),
        (
            "InvertedResidual",
            Node::new(Op::Block(Block::InvertedResidual {
                expand: 6,
                out: 32,
                stride: 1,
            })),
        ),
        (
            "MBConv",
            Node::new(Op::Block(Block::MbConv {
                expand: 6,
                out: 32,
                kernel: 3,
                stride: 1,
            })),
        ),
    ]);
    items
}

/// One edit of the state.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Opens a preset by key, with its batch size; dtype, device and counting stay.
    LoadPreset(String),
    /// A whole new architecture (from the text view).
    ReplaceArch(Architecture),
    /// A whole new state (from the URL, on Back/Forward).
    Restore(State),
    SetInput(Input),
    SetBatch(u64),
    SetDtype(Dtype),
    /// A device key or `custom:<TFLOP/s>:<GB/s>`.
    SetDevice(String),
    SetCounting(Counting),
    /// Folds batch norm and activations into the preceding convolution's kernel (the time model's fused switch).
    SetFused(bool),
    SetParam {
        at: Addr,
        param: Param,
        value: f64,
    },
    /// Switches a leaf layer to another kind.
    SetKind {
        at: Addr,
        kind: Kind,
    },
    /// Inserts `node` so that it ends up at `at` (an index equal to the list length appends).
    Insert {
        at: Addr,
        node: Node,
    },
    /// Inserts a copy right after the node.
    Duplicate(Addr),
    Delete(Addr),
    /// Swaps the node with its previous (`up`) or next neighbour in the same list.
    Move {
        at: Addr,
        up: bool,
    },
    /// Sets the architecture to `base` with every convolution and block width scaled by `factor`.
    ScaleWidths {
        base: Architecture,
        factor: f64,
    },
}

impl Action {
    /// Whether the action changes the structure (a new history entry) rather than tuning a value (which may
    /// replace the entry while a slider is dragged).
    pub fn is_structural(&self) -> bool {
        matches!(
            self,
            Action::LoadPreset(_)
                | Action::SetKind { .. }
                | Action::Insert { .. }
                | Action::Duplicate(_)
                | Action::Delete(_)
                | Action::Move { .. }
        )
    }
}

/// Applies `action` to `state`; returns whether anything changed. Never panics; an action that does not fit the
/// state (a stale address, a knob the node does not have, a value out of range) is ignored or clamped.
pub fn apply(state: &mut State, action: Action) -> bool {
    let before = state.clone();
    match action {
        Action::LoadPreset(key) => {
            if let Some((arch, preset)) =
                presets::find(&key).and_then(|p| p.architecture().ok().map(|a| (a, p)))
            {
                state.arch = arch;
                state.batch = preset.batch.clamp(1, MAX_BATCH);
            }
        }
        Action::ReplaceArch(arch) => state.arch = arch,
        Action::Restore(s) => *state = s,
        Action::SetInput(i) => {
            state.arch.input = Input {
                c: i.c.clamp(1, MAX_CHANNELS),
                h: i.h.clamp(1, MAX_SPATIAL),
                w: i.w.clamp(1, MAX_SPATIAL),
            }
        }
        Action::SetBatch(n) => state.batch = n.clamp(1, MAX_BATCH),
        Action::SetDtype(d) => state.dtype = d,
        Action::SetDevice(key) => {
            if let Some(d) = crate::core::device::Device::find(&key) {
                state.device = if d.key == "custom" { key } else { d.key };
            }
        }
        Action::SetCounting(c) => state.counting = c,
        Action::SetFused(on) => state.fused = on,
        Action::SetParam { at, param, value } => {
            if let Some(node) = node_mut(&mut state.arch.body, &at) {
                set_param(node, param, value);
            }
        }
        Action::SetKind { at, kind } => {
            if let Some(node) = node_mut(&mut state.arch.body, &at) {
                if let Op::Layer(layer) = &node.op {
                    if Kind::of(layer) != kind {
                        node.op = Op::Layer(kind.convert(layer));
                    }
                }
            }
        }
        Action::Insert { at, node } => {
            if let Some((list, i)) = list_mut(&mut state.arch.body, &at) {
                list.insert(i.min(list.len()), node);
            }
        }
        Action::Duplicate(at) => {
            if let Some((list, i)) = list_mut(&mut state.arch.body, &at) {
                if let Some(node) = list.get(i) {
                    // A copy takes its position as its name, like an unnamed `nn.Sequential` item.
                    let mut copy = node.clone();
                    copy.name = None;
                    list.insert(i + 1, copy);
                }
            }
        }
        Action::Delete(at) => {
            if let Some((list, i)) = list_mut(&mut state.arch.body, &at) {
                if i < list.len() {
                    list.remove(i);
                }
            }
        }
        Action::Move { at, up } => {
            if let Some((list, i)) = list_mut(&mut state.arch.body, &at) {
                let j = if up { i.checked_sub(1) } else { Some(i + 1) };
                if let Some(j) = j.filter(|j| *j < list.len() && i < list.len()) {
                    list.swap(i, j);
                }
            }
        }
        Action::ScaleWidths { base, factor } => {
            if factor.is_finite() && factor > 0.0 {
                state.arch = scale_widths(&base, factor);
            }
        }
    }
    *state != before
}

/// The node at `at`.
pub fn node<'a>(body: &'a [Node], at: &Addr) -> Option<&'a Node> {
    let mut list = body;
    let mut found: Option<&'a Node> = None;
    for (k, step) in at.0.iter().enumerate() {
        if k > 0 {
            list = child_lists(&found?.op).into_iter().nth(step.list)?.1;
        } else if step.list != 0 {
            return None;
        }
        found = Some(list.get(step.item)?);
    }
    found
}

/// The node at `at`, mutably.
pub fn node_mut<'a>(body: &'a mut Vec<Node>, at: &Addr) -> Option<&'a mut Node> {
    let (list, i) = list_mut(body, at)?;
    list.get_mut(i)
}

/// The list holding the node at `at`, and the node's index in it (which may be one past the end, for inserts).
fn list_mut<'a>(body: &'a mut Vec<Node>, at: &Addr) -> Option<(&'a mut Vec<Node>, usize)> {
    let (last, init) = at.0.split_last()?;
    let mut list = body;
    let mut lists = init
        .iter()
        .map(|s| s.item)
        .zip(at.0.iter().skip(1).map(|s| s.list));
    if at.0.first()?.list != 0 {
        return None;
    }
    for (item, child) in &mut lists {
        let current = list;
        let node = current.get_mut(item)?;
        list = child_list_mut(&mut node.op, child)?;
    }
    Some((list, last.item))
}

/// The child lists of an op, with a label for each (empty for a sequence's only list).
pub fn child_lists(op: &Op) -> Vec<(String, &[Node])> {
    match op {
        Op::Seq(items) => vec![(String::new(), items.as_slice())],
        Op::Residual(r) => vec![
            ("main".to_string(), r.main.as_slice()),
            ("shortcut".to_string(), r.shortcut.as_slice()),
            ("after the sum".to_string(), r.post.as_slice()),
        ],
        Op::Concat(branches) => branches
            .iter()
            .enumerate()
            .map(|(i, b)| (format!("branch {i}"), b.as_slice()))
            .collect(),
        _ => Vec::new(),
    }
}

fn child_list_mut(op: &mut Op, k: usize) -> Option<&mut Vec<Node>> {
    match op {
        Op::Seq(items) if k == 0 => Some(items),
        Op::Residual(r) => match k {
            0 => Some(&mut r.main),
            1 => Some(&mut r.shortcut),
            2 => Some(&mut r.post),
            _ => None,
        },
        Op::Concat(branches) => branches.get_mut(k),
        _ => None,
    }
}

/// The knobs of an op in the editor's order: a leaf layer's come from its family, blocks', squeeze-excitation's
/// and concat pooling's from here. [`Action::SetParam`] clamps to the same bounds the editor shows.
pub fn op_knobs(op: &Op) -> Vec<Knob> {
    match op {
        Op::Layer(l) => l.family().knobs(l),
        Op::SqueezeExcite { squeeze, .. } => {
            vec![Knob::channels(Param::Squeeze, "Squeeze channels", *squeeze)]
        }
        Op::ConcatPool(s) => vec![Knob::size(s.h)],
        Op::Block(b) => block_knobs(b),
        Op::Seq(_) | Op::Residual(_) | Op::Concat(_) => Vec::new(),
    }
}

/// The repeat count every node has.
pub fn repeat_knob(node: &Node) -> Knob {
    Knob::whole(
        Param::Repeat,
        "Repeat",
        node.repeat,
        1,
        MAX_REPEAT,
        Ladder::Range(1, 64),
    )
}

fn block_knobs(block: &Block) -> Vec<Knob> {
    let stride = |s: u64, top: u64| {
        Knob::whole(
            Param::Stride,
            "Stride",
            s,
            1,
            MAX_KERNEL,
            Ladder::Range(1, top),
        )
    };
    let ratio = |e: u64| {
        Knob::whole(
            Param::Expansion,
            "Expansion",
            e,
            1,
            MAX_CHANNELS,
            Ladder::Range(1, 8),
        )
    };
    // torchvision builds InvertedResidual and MBConv with stride 1 or 2 only (core/blocks.rs `check`).
    let torchvision_stride = |s: u64| stride(s, 2);
    match *block {
        Block::Basic { planes, stride: s } => {
            vec![Knob::channels(Param::Out, "Planes", planes), stride(s, 4)]
        }
        Block::Bottleneck {
            planes,
            stride: s,
            expansion,
            groups,
            base_width,
        } => vec![
            Knob::channels(Param::Out, "Planes", planes),
            stride(s, 4),
            ratio(expansion),
            Knob::channels(Param::Groups, "Groups", groups),
            Knob::channels(Param::BaseWidth, "Base width", base_width),
        ],
        Block::InvertedResidual {
            expand,
            out,
            stride: s,
        } => vec![
            ratio(expand),
            Knob::channels(Param::Out, "Out channels", out),
            torchvision_stride(s),
        ],
        Block::MbConv {
            expand,
            out,
            kernel,
            stride: s,
        } => vec![
            ratio(expand),
            Knob::channels(Param::Out, "Out channels", out),
            Knob::whole(
                Param::Kernel,
                "Kernel",
                kernel,
                1,
                MAX_KERNEL,
                Ladder::Range(1, 9),
            ),
            torchvision_stride(s),
        ],
    }
}

/// Sets one knob of a node, clamped to the knob's bounds; knobs the node lacks are ignored.
fn set_param(node: &mut Node, param: Param, value: f64) {
    if param == Param::Repeat {
        if let Some(r) = repeat_knob(node).clamp(value) {
            node.repeat = r as u64;
            // The format numbers copies; a repeated item cannot keep a name.
            if node.repeat > 1 {
                node.name = None;
            }
        }
        return;
    }
    let Some(v) = op_knobs(&node.op)
        .iter()
        .find(|k| k.param == param)
        .and_then(|k| k.clamp(value))
    else {
        return;
    };
    match &mut node.op {
        Op::Layer(l) => l.family().set(l, param, v),
        Op::SqueezeExcite { squeeze, .. } => *squeeze = v as u64,
        Op::ConcatPool(s) => *s = Pair::square(v as u64),
        Op::Block(b) => set_block_param(b, param, v as u64),
        Op::Seq(_) | Op::Residual(_) | Op::Concat(_) => {}
    }
}

fn set_block_param(block: &mut Block, param: Param, v: u64) {
    match block {
        Block::Basic { planes, stride } => match param {
            Param::Out => *planes = v,
            Param::Stride => *stride = v,
            _ => {}
        },
        Block::Bottleneck {
            planes,
            stride,
            expansion,
            groups,
            base_width,
        } => match param {
            Param::Out => *planes = v,
            Param::Stride => *stride = v,
            Param::Expansion => *expansion = v,
            Param::Groups => *groups = v,
            Param::BaseWidth => *base_width = v,
            _ => {}
        },
        Block::InvertedResidual {
            expand,
            out,
            stride,
        } => match param {
            Param::Out => *out = v,
            Param::Stride => *stride = v,
            Param::Expansion => *expand = v,
            _ => {}
        },
        Block::MbConv {
            expand,
            out,
            kernel,
            stride,
        } => match param {
            Param::Out => *out = v,
            Param::Stride => *stride = v,
            Param::Expansion => *expand = v,
            Param::Kernel => *kernel = v,
            _ => {}
        },
    }
}

/// `base` with every convolution, squeeze-excitation and block width multiplied by `factor` (MobileNet's width
/// multiplier). Widths that are multiples of 8 stay multiples of 8 (torchvision's `_make_divisible`); linear layers
/// keep their sizes, so the classifier still predicts the same classes.
pub fn scale_widths(base: &Architecture, factor: f64) -> Architecture {
    let mut arch = base.clone();
    if factor.is_finite() && factor > 0.0 && factor != 1.0 {
        scale_nodes(&mut arch.body, factor);
    }
    arch
}

fn scale_nodes(nodes: &mut [Node], f: f64) {
    for node in nodes {
        match &mut node.op {
            Op::Layer(Layer::Conv(c)) => {
                let out = scale_width(c.out, f);
                // An explicit depthwise group count follows the width.
                if c.groups == Groups::Count(c.out) && c.out > 1 {
                    c.groups = Groups::Count(out);
                }
                c.out = out;
            }
            Op::Layer(Layer::ConvTranspose(c)) => c.out = scale_width(c.out, f),
            Op::Layer(_) | Op::ConcatPool(_) => {}
            Op::Seq(items) => scale_nodes(items, f),
            Op::Residual(r) => {
                scale_nodes(&mut r.main, f);
                scale_nodes(&mut r.shortcut, f);
                scale_nodes(&mut r.post, f);
            }
            Op::Concat(branches) => {
                for b in branches {
                    scale_nodes(b, f);
                }
            }
            Op::SqueezeExcite { squeeze, .. } => *squeeze = scale_width(*squeeze, f),
            Op::Block(b) => match b {
                Block::Basic { planes, .. } | Block::Bottleneck { planes, .. } => {
                    *planes = scale_width(*planes, f)
                }
                Block::InvertedResidual { out, .. } | Block::MbConv { out, .. } => {
                    *out = scale_width(*out, f)
                }
            },
        }
    }
}

/// One width times `f`: multiples of 8 round to the nearest multiple of 8 (never more than 10% down), others to
/// the nearest whole number; at least 1.
pub fn scale_width(c: u64, f: f64) -> u64 {
    let v = (c as f64 * f).clamp(1.0, MAX_CHANNELS as f64);
    if c.is_multiple_of(8) {
        let rounded = (((v + 4.0) / 8.0).floor() * 8.0).max(8.0);
        let rounded = if rounded < 0.9 * v {
            rounded + 8.0
        } else {
            rounded
        };
        (rounded as u64).min(MAX_CHANNELS)
    } else {
        (v.round() as u64).max(1)
    }
}

/// What a broken link could still give.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovered {
    pub state: State,
    /// Characters of the spec that were kept (the rest was dropped).
    pub kept: usize,
}

/// The nearest valid state for a fragment whose architecture does not parse (a truncated or hand-edited link):
/// the longest prefix of the spec, cut before the error at an item boundary and with its open brackets closed,
/// that parses; the link's other settings are kept. `None` when not even the input could be read.
pub fn recover(fragment: &str) -> Option<Recovered> {
    recover_fields(&fragment::Fields::parse(fragment).ok()?)
}

/// [`recover`] for a link already read.
pub fn recover_fields(fields: &fragment::Fields) -> Option<Recovered> {
    let spec = fields.arch.as_deref()?;
    let error_at = match format::parse(spec) {
        Ok(_) => spec.len(),
        Err(e) => spec
            .char_indices()
            .nth(e.position)
            .map_or(spec.len(), |(i, _)| i),
    };
    // Cut points: item and list boundaries before the error, nearest first; a bounded number of attempts keeps a
    // long mangled link from costing more than a few parses.
    let cuts = spec[..error_at]
        .char_indices()
        .filter(|(_, c)| matches!(c, '/' | ';' | '('))
        .map(|(i, c)| if c == '(' { i + 1 } else { i })
        .rev()
        .take(64);
    for cut in cuts {
        let prefix = spec[..cut].trim_end_matches(['/', ';']);
        let open = prefix.matches('(').count();
        let close = prefix.matches(')').count();
        let candidate = format!("{prefix}{}", ")".repeat(open.saturating_sub(close)));
        if let Ok(arch) = format::parse(&candidate) {
            return Some(Recovered {
                state: fields.state_with(arch),
                kept: prefix.chars().count(),
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::analysis::{analyse, Options};

    fn state(preset: &str) -> State {
        let p = presets::find(preset).expect("preset exists");
        State::new(p.architecture().expect("preset parses"))
    }

    /// Every edit must leave a state that survives a link.
    fn round_trips(s: &State) {
        let encoded = fragment::encode(s);
        let (back, warnings) = fragment::decode(&encoded).expect("decodes");
        assert_eq!(&back, s, "{encoded}");
        assert!(warnings.is_empty());
    }

    fn conv_out(s: &State, at: &Addr) -> u64 {
        match node(&s.arch.body, at).map(|n| &n.op) {
            Some(Op::Layer(Layer::Conv(c))) => c.out,
            other => panic!("not a conv: {other:?}"),
        }
    }

    #[test]
    fn set_param_changes_a_conv_and_the_analysis() {
        let mut s = state("resnet18");
        let conv1 = Addr::top(0);
        let before = analyse(&s.arch, &Options::default()).totals.macs;
        assert!(apply(
            &mut s,
            Action::SetParam {
                at: conv1.clone(),
                param: Param::Out,
                value: 32.0,
            }
        ));
        assert_eq!(conv_out(&s, &conv1), 32);
        let after = analyse(&s.arch, &Options::default());
        assert_ne!(after.totals.macs, before);
        round_trips(&s);
    }

    #[test]
    fn values_are_clamped_to_what_the_format_accepts() {
        let mut s = state("simple_cnn");
        let inner = Addr::top(0).child(0, 0);
        for (param, value) in [
            (Param::Out, 0.0),
            (Param::Out, 1e30),
            (Param::Kernel, -5.0),
            (Param::Stride, f64::NAN),
            (Param::Padding, 1e9),
            (Param::Groups, 0.0),
            (Param::Repeat, 1e9),
        ] {
            apply(
                &mut s,
                Action::SetParam {
                    at: inner.clone(),
                    param,
                    value,
                },
            );
            round_trips(&s);
        }
        assert_eq!(conv_out(&s, &inner), MAX_CHANNELS);
    }

    #[test]
    fn stale_addresses_are_ignored() {
        let mut s = state("resnet18");
        let before = s.clone();
        for at in [
            Addr::top(999),
            Addr::top(0).child(0, 0),
            Addr(vec![Step { list: 3, item: 0 }]),
            Addr::default(),
        ] {
            assert!(!apply(&mut s, Action::Delete(at.clone())));
            assert!(!apply(&mut s, Action::Duplicate(at.clone())));
            assert!(!apply(
                &mut s,
                Action::SetParam {
                    at,
                    param: Param::Out,
                    value: 3.0
                }
            ));
        }
        assert_eq!(s, before);
    }

    #[test]
    fn structural_edits_insert_duplicate_move_delete() {
        let mut s = state("simple_cnn");
        let n = s.arch.body.len();
        let first = Addr::top(0);
        assert!(apply(&mut s, Action::Duplicate(first.clone())));
        assert_eq!(s.arch.body.len(), n + 1);
        assert_eq!(s.arch.body[0].op, s.arch.body[1].op);
        assert!(apply(
            &mut s,
            Action::Move {
                at: Addr::top(n),
                up: true
            }
        ));
        assert_eq!(s.arch.body[n - 1].op, Op::Layer(Layer::Flatten));
        assert!(!apply(
            &mut s,
            Action::Move {
                at: first.clone(),
                up: true
            }
        ));
        assert!(apply(&mut s, Action::Delete(first.clone())));
        assert_eq!(s.arch.body.len(), n);
        let (_, bn) = templates()
            .into_iter()
            .find(|(l, _)| *l == "BatchNorm2d")
            .expect("template");
        assert!(apply(
            &mut s,
            Action::Insert {
                at: Addr::top(0).child(0, 1),
                node: bn.clone()
            }
        ));
        assert_eq!(
            node(&s.arch.body, &Addr::top(0).child(0, 1)).map(|n| &n.op),
            Some(&bn.op)
        );
        round_trips(&s);
    }

    #[test]
    fn every_template_inserts_and_round_trips() {
        for (label, node) in templates() {
            let mut s = state("resnet18");
            assert!(
                apply(
                    &mut s,
                    Action::Insert {
                        at: Addr::top(4),
                        node
                    }
                ),
                "{label}"
            );
            round_trips(&s);
        }
    }

    #[test]
    fn kinds_convert_and_keep_the_width() {
        let (conv, linear) = (Kind::named("conv"), Kind::named("linear"));
        let (conv, linear) = (conv.expect("conv"), linear.expect("linear"));
        let mut s = state("simple_cnn");
        let at = Addr::top(0).child(0, 0);
        for kind in Kind::ALL {
            apply(
                &mut s,
                Action::SetKind {
                    at: at.clone(),
                    kind,
                },
            );
            let n = node(&s.arch.body, &at).expect("node");
            match &n.op {
                Op::Layer(l) => assert_eq!(Kind::of(l), kind),
                other => panic!("{other:?}"),
            }
            round_trips(&s);
        }
        apply(
            &mut s,
            Action::SetKind {
                at: at.clone(),
                kind: conv,
            },
        );
        apply(
            &mut s,
            Action::SetKind {
                at: at.clone(),
                kind: linear,
            },
        );
        apply(
            &mut s,
            Action::SetKind {
                at: at.clone(),
                kind: conv,
            },
        );
        assert_eq!(conv_out(&s, &at), 64);
    }

    /// Every knob the editor shows takes its bounds (and values beyond them) and reads back what the schema's
    /// clamp says, and the state still survives a link: the editor and the format cannot disagree.
    #[test]
    fn every_knob_takes_its_bounds_and_round_trips() {
        use crate::core::knob::Control;
        for (label, template) in templates() {
            let mut knobs = op_knobs(&template.op);
            knobs.push(repeat_knob(&template));
            for knob in knobs {
                let (lo, hi) = match knob.control {
                    Control::Whole { min, max, .. } => (min as f64, max as f64),
                    Control::Fraction { min, max, .. } => (min, max),
                    Control::Toggle => (0.0, 1.0),
                };
                for value in [
                    lo,
                    hi,
                    (lo + hi) / 2.0 + 0.123,
                    lo - 1.0,
                    hi + 1.0,
                    f64::NAN,
                ] {
                    let mut s = state("simple_cnn");
                    let at = Addr::top(0);
                    apply(
                        &mut s,
                        Action::Insert {
                            at: at.clone(),
                            node: template.clone(),
                        },
                    );
                    let param = knob.param;
                    apply(
                        &mut s,
                        Action::SetParam {
                            at: at.clone(),
                            param,
                            value,
                        },
                    );
                    round_trips(&s);
                    let n = node(&s.arch.body, &at).expect("inserted");
                    let read = op_knobs(&n.op)
                        .into_iter()
                        .chain([repeat_knob(n)])
                        .find(|k| k.param == param)
                        .map(|k| k.value);
                    let expected = knob.clamp(value).unwrap_or(knob.value);
                    assert_eq!(read, Some(expected), "{label}: {param:?} = {value}");
                }
            }
        }
    }

    #[test]
    fn the_kind_menu_lists_every_family_in_registry_order() {
        let labels: Vec<&str> = Kind::ALL.iter().map(Kind::label).collect();
        assert_eq!(
            labels,
            [
                "Conv2d",
                "ConvTranspose2d",
                "BatchNorm2d",
                "BatchNorm1d",
                "GroupNorm",
                "ReLU",
                "ReLU6",
                "SiLU",
                "GELU",
                "Sigmoid",
                "Hardswish",
                "Hardsigmoid",
                "Tanh",
                "Mish",
                "LeakyReLU",
                "MaxPool2d",
                "AvgPool2d",
                "AdaptiveAvgPool2d",
                "AdaptiveMaxPool2d",
                "Flatten",
                "Linear",
                "Dropout",
                "Upsample",
            ]
        );
        for kind in Kind::ALL {
            assert_eq!(Kind::named(kind.keyword()), Some(kind));
        }
    }

    #[test]
    fn block_knobs_are_editable() {
        let mut s = state("resnet50");
        // layer1 is a sequence holding `bottleneck(64)` repeated.
        let layer1 = s
            .arch
            .body
            .iter()
            .position(|n| n.name.as_deref() == Some("layer1"))
            .expect("layer1");
        let block = Addr::top(layer1).child(0, 0);
        for (param, value) in [
            (Param::Out, 32.0),
            (Param::Expansion, 2.0),
            (Param::Groups, 4.0),
            (Param::BaseWidth, 16.0),
            (Param::Stride, 2.0),
        ] {
            assert!(apply(
                &mut s,
                Action::SetParam {
                    at: block.clone(),
                    param,
                    value
                }
            ));
        }
        assert_eq!(
            node(&s.arch.body, &block).map(|n| &n.op),
            Some(&Op::Block(Block::Bottleneck {
                planes: 32,
                stride: 2,
                expansion: 2,
                groups: 4,
                base_width: 16
            }))
        );
        round_trips(&s);
    }

    #[test]
    fn repeating_a_named_node_drops_its_name() {
        let mut s = state("resnet18");
        apply(
            &mut s,
            Action::SetParam {
                at: Addr::top(0),
                param: Param::Repeat,
                value: 2.0,
            },
        );
        assert_eq!(s.arch.body[0].repeat, 2);
        assert_eq!(s.arch.body[0].name, None);
        round_trips(&s);
    }

    #[test]
    fn width_multiplier_scales_convs_not_linears() {
        let base = state("mobilenet_v2").arch;
        let half = scale_widths(&base, 0.5);
        let a = analyse(&base, &Options::default());
        let b = analyse(&half, &Options::default());
        assert!(b.totals.macs < a.totals.macs / 2);
        assert_eq!(b.totals.diagnostics, 0);
        let last = b.rows.last().and_then(|r| r.stats).expect("computed");
        assert_eq!(last.output.channels(), 1000);
        assert_eq!(scale_widths(&base, 1.0), base);
        assert_eq!(scale_width(64, 0.5), 32);
        assert_eq!(scale_width(32, 0.75), 24);
        assert_eq!(scale_width(3, 0.1), 1);
        let mut s = State::new(base.clone());
        apply(&mut s, Action::ScaleWidths { base, factor: 1.4 });
        round_trips(&s);
    }

    #[test]
    fn presets_load_with_their_batch() {
        let mut s = state("resnet18");
        assert!(apply(&mut s, Action::LoadPreset("simple_cnn".into())));
        assert_eq!(s.batch, 64);
        assert!(!apply(&mut s, Action::LoadPreset("nonsense".into())));
    }

    #[test]
    fn devices_and_settings() {
        let mut s = state("resnet18");
        assert!(apply(&mut s, Action::SetDevice("h100".into())));
        assert_eq!(s.device, "h100");
        assert!(apply(&mut s, Action::SetDevice("custom:10:500".into())));
        assert_eq!(s.device, "custom:10:500");
        assert!(!apply(&mut s, Action::SetDevice("custom:x".into())));
        assert!(apply(&mut s, Action::SetBatch(8)));
        assert!(apply(&mut s, Action::SetBatch(0)));
        assert_eq!(s.batch, 1);
        round_trips(&s);
    }

    #[test]
    fn truncated_links_recover_the_longest_valid_prefix() {
        let s = state("resnet18");
        let link = fragment::encode(&s);
        let cut = &link[..link.len() * 2 / 3];
        let r = recover(cut).expect("recovers");
        assert!(
            r.state.arch.body.len() >= 4,
            "{:?}",
            r.state.arch.body.len()
        );
        assert!(r.state.arch.body.len() < s.arch.body.len());
        let mangled = link.replace("basic(128,s2)", "basic(128,s2");
        assert!(recover(&mangled).is_some());
        assert!(recover("#batch=4").is_none());
        assert!(recover("#arch=garbage").is_none());
        let escaped = link.replace('(', "%28").replace(')', "%29");
        let r = recover(&escaped[..escaped.len() - 10]).expect("recovers escaped");
        assert!(!r.state.arch.body.is_empty());
    }
}
