//! Edits of the shareable state: one [`Action`] enum and one pure [`apply`], used by the app's reducer and tested
//! natively. Every action keeps the architecture printable and parseable: values are clamped to the ranges the text
//! format accepts, so whatever the editor makes survives a round trip through a link.

pub use crate::core::addr::{Addr, Step};
use crate::core::analysis::Counting;
use crate::core::arch::{Architecture, Block, Input, Node, Op, Residual};
use crate::core::format;
use crate::core::fragment::{self, State};
use crate::core::layer::{
    Act, Conv, ConvTranspose, Groups, Layer, Padding, Pair, Pool, UpsampleMode,
};
use crate::core::limits::{
    MAX_BATCH, MAX_CHANNELS, MAX_KERNEL, MAX_REPEAT, MAX_SCALE, MAX_SPATIAL,
};
use crate::core::presets;
use crate::core::shape::Dtype;

/// A numeric knob of a layer or block. One generic [`Action::SetParam`] sets any of them; a knob that does not
/// apply to the addressed node is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Param {
    /// Output channels or features; a block's `planes` or `out`.
    Out,
    /// Square kernel size (conv, pool, MBConv).
    Kernel,
    Stride,
    /// Square explicit padding per side.
    Padding,
    /// `padding="same"` on (non-zero) or off.
    SamePadding,
    Dilation,
    /// Channel groups (conv, transposed conv, bottleneck).
    Groups,
    /// One group per input channel on (non-zero) or off.
    Depthwise,
    /// Bias on (non-zero) or off.
    Bias,
    OutputPadding,
    CeilMode,
    /// Output size of an adaptive pool or concat pool.
    Size,
    /// Dropout probability.
    Prob,
    /// Upsampling factor.
    Scale,
    /// Bilinear (non-zero) or nearest upsampling.
    Bilinear,
    /// LeakyReLU negative slope.
    Slope,
    /// Expansion ratio of a bottleneck, inverted residual or MBConv.
    Expansion,
    /// Bottleneck base width.
    BaseWidth,
    /// Squeeze channels of squeeze-and-excitation.
    Squeeze,
    /// The node's repeat count.
    Repeat,
}

/// The kinds a leaf layer can be switched between in the editor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Conv,
    ConvTranspose,
    BatchNorm2d,
    BatchNorm1d,
    GroupNorm,
    Relu,
    Relu6,
    Silu,
    Gelu,
    Sigmoid,
    Hardswish,
    Hardsigmoid,
    Tanh,
    Mish,
    LeakyRelu,
    MaxPool,
    AvgPool,
    AdaptiveAvgPool,
    AdaptiveMaxPool,
    Flatten,
    Linear,
    Dropout,
    Upsample,
}

impl Kind {
    /// All kinds, in menu order.
    pub const ALL: [Kind; 23] = [
        Kind::Conv,
        Kind::ConvTranspose,
        Kind::BatchNorm2d,
        Kind::BatchNorm1d,
        Kind::GroupNorm,
        Kind::Relu,
        Kind::Relu6,
        Kind::Silu,
        Kind::Gelu,
        Kind::Sigmoid,
        Kind::Hardswish,
        Kind::Hardsigmoid,
        Kind::Tanh,
        Kind::Mish,
        Kind::LeakyRelu,
        Kind::MaxPool,
        Kind::AvgPool,
        Kind::AdaptiveAvgPool,
        Kind::AdaptiveMaxPool,
        Kind::Flatten,
        Kind::Linear,
        Kind::Dropout,
        Kind::Upsample,
    ];

    /// The PyTorch class name, shown in menus.
    pub fn label(self) -> &'static str {
        self.default_layer().class()
    }

    /// The kind of a layer (`StochasticDepth` counts as dropout: both are the identity at inference).
    pub fn of(layer: &Layer) -> Kind {
        match layer {
            Layer::Conv(_) => Kind::Conv,
            Layer::ConvTranspose(_) => Kind::ConvTranspose,
            Layer::BatchNorm { flat: false } => Kind::BatchNorm2d,
            Layer::BatchNorm { flat: true } => Kind::BatchNorm1d,
            Layer::GroupNorm { .. } => Kind::GroupNorm,
            Layer::Act(Act::Relu) => Kind::Relu,
            Layer::Act(Act::Relu6) => Kind::Relu6,
            Layer::Act(Act::Silu) => Kind::Silu,
            Layer::Act(Act::Gelu) => Kind::Gelu,
            Layer::Act(Act::Sigmoid) => Kind::Sigmoid,
            Layer::Act(Act::Hardswish) => Kind::Hardswish,
            Layer::Act(Act::Hardsigmoid) => Kind::Hardsigmoid,
            Layer::Act(Act::Tanh) => Kind::Tanh,
            Layer::Act(Act::Mish) => Kind::Mish,
            Layer::Act(Act::LeakyRelu(_)) => Kind::LeakyRelu,
            Layer::MaxPool(_) => Kind::MaxPool,
            Layer::AvgPool(_) => Kind::AvgPool,
            Layer::AdaptiveAvgPool(_) => Kind::AdaptiveAvgPool,
            Layer::AdaptiveMaxPool(_) => Kind::AdaptiveMaxPool,
            Layer::Flatten => Kind::Flatten,
            Layer::Linear { .. } => Kind::Linear,
            Layer::Dropout(_) | Layer::StochasticDepth(_) => Kind::Dropout,
            Layer::Upsample { .. } => Kind::Upsample,
        }
    }

    /// A new layer of this kind with PyTorch's defaults (and "half" padding for convolutions).
    pub fn default_layer(self) -> Layer {
        let mut conv = Conv::new(64, 3);
        conv.padding = Padding::Explicit(Pair::square(1));
        match self {
            Kind::Conv => Layer::Conv(conv),
            Kind::ConvTranspose => Layer::ConvTranspose(ConvTranspose {
                out: 64,
                kernel: Pair::square(2),
                stride: Pair::square(2),
                padding: Pair::square(0),
                output_padding: Pair::square(0),
                dilation: Pair::square(1),
                groups: 1,
                bias: true,
            }),
            Kind::BatchNorm2d => Layer::BatchNorm { flat: false },
            Kind::BatchNorm1d => Layer::BatchNorm { flat: true },
            Kind::GroupNorm => Layer::GroupNorm { groups: 32 },
            Kind::Relu => Layer::Act(Act::Relu),
            Kind::Relu6 => Layer::Act(Act::Relu6),
            Kind::Silu => Layer::Act(Act::Silu),
            Kind::Gelu => Layer::Act(Act::Gelu),
            Kind::Sigmoid => Layer::Act(Act::Sigmoid),
            Kind::Hardswish => Layer::Act(Act::Hardswish),
            Kind::Hardsigmoid => Layer::Act(Act::Hardsigmoid),
            Kind::Tanh => Layer::Act(Act::Tanh),
            Kind::Mish => Layer::Act(Act::Mish),
            Kind::LeakyRelu => Layer::Act(Act::LeakyRelu(0.01)),
            Kind::MaxPool => Layer::MaxPool(Pool::new(2)),
            Kind::AvgPool => Layer::AvgPool(Pool::new(2)),
            Kind::AdaptiveAvgPool => Layer::AdaptiveAvgPool(Pair::square(1)),
            Kind::AdaptiveMaxPool => Layer::AdaptiveMaxPool(Pair::square(1)),
            Kind::Flatten => Layer::Flatten,
            Kind::Linear => Layer::Linear {
                out: 1000,
                bias: true,
            },
            Kind::Dropout => Layer::Dropout(0.5),
            Kind::Upsample => Layer::Upsample {
                scale: 2,
                mode: UpsampleMode::Nearest,
            },
        }
    }

    /// `from` turned into this kind, keeping what carries over (width, kernel, stride, bias).
    pub fn convert(self, from: &Layer) -> Layer {
        let mut to = self.default_layer();
        let (out, kernel, stride, bias) = match *from {
            Layer::Conv(c) => (Some(c.out), Some(c.kernel), Some(c.stride), Some(c.bias)),
            Layer::ConvTranspose(c) => (Some(c.out), Some(c.kernel), Some(c.stride), Some(c.bias)),
            Layer::Linear { out, bias } => (Some(out), None, None, Some(bias)),
            Layer::MaxPool(p) | Layer::AvgPool(p) => (None, Some(p.kernel), Some(p.stride), None),
            _ => (None, None, None, None),
        };
        match &mut to {
            Layer::Conv(c) => {
                c.out = out.unwrap_or(c.out);
                c.kernel = kernel.unwrap_or(c.kernel);
                c.stride = stride.unwrap_or(c.stride);
                c.bias = bias.unwrap_or(c.bias);
                c.padding = Padding::Explicit(Pair {
                    h: c.kernel.h.saturating_sub(1) / 2,
                    w: c.kernel.w.saturating_sub(1) / 2,
                });
            }
            Layer::ConvTranspose(c) => {
                c.out = out.unwrap_or(c.out);
                c.kernel = kernel.unwrap_or(c.kernel);
                c.stride = stride.unwrap_or(c.stride);
                c.bias = bias.unwrap_or(c.bias);
            }
            Layer::Linear { out: o, bias: b } => {
                *o = out.unwrap_or(*o);
                *b = bias.unwrap_or(*b);
            }
            Layer::MaxPool(p) | Layer::AvgPool(p) => {
                p.kernel = kernel.unwrap_or(p.kernel);
                p.stride = stride.unwrap_or(p.stride);
            }
            _ => {}
        }
        to
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

/// A whole number from a control's value, rounded and clamped; `None` for NaN or infinities.
fn whole(value: f64, min: u64, max: u64) -> Option<u64> {
    if !value.is_finite() {
        return None;
    }
    let v = value.round().clamp(min as f64, max as f64);
    Some(v as u64)
}

/// Sets one knob of a node; knobs the node lacks are ignored.
fn set_param(node: &mut Node, param: Param, value: f64) {
    let on = value != 0.0 && !value.is_nan();
    let ch = whole(value, 1, MAX_CHANNELS);
    let k1 = whole(value, 1, MAX_KERNEL);
    let k0 = whole(value, 0, MAX_KERNEL);
    let sq = |v: Option<u64>, target: &mut Pair| {
        if let Some(v) = v {
            *target = Pair::square(v);
        }
    };
    let set = |v: Option<u64>, target: &mut u64| {
        if let Some(v) = v {
            *target = v;
        }
    };
    if param == Param::Repeat {
        if let Some(r) = whole(value, 1, MAX_REPEAT) {
            node.repeat = r;
            // The format numbers copies; a repeated item cannot keep a name.
            if r > 1 {
                node.name = None;
            }
        }
        return;
    }
    match &mut node.op {
        Op::Layer(Layer::Conv(c)) => match param {
            Param::Out => set(ch, &mut c.out),
            Param::Kernel => sq(k1, &mut c.kernel),
            Param::Stride => sq(k1, &mut c.stride),
            Param::Padding => {
                if let Some(p) = k0 {
                    c.padding = Padding::Explicit(Pair::square(p));
                }
            }
            Param::SamePadding => {
                c.padding = if on {
                    Padding::Same
                } else {
                    Padding::Explicit(Pair {
                        h: c.dilation.h.saturating_mul(c.kernel.h.saturating_sub(1)) / 2,
                        w: c.dilation.w.saturating_mul(c.kernel.w.saturating_sub(1)) / 2,
                    })
                }
            }
            Param::Dilation => sq(k1, &mut c.dilation),
            Param::Groups => {
                if let Some(g) = ch {
                    c.groups = Groups::Count(g);
                }
            }
            Param::Depthwise => {
                c.groups = if on {
                    Groups::Depthwise
                } else {
                    Groups::Count(1)
                }
            }
            Param::Bias => c.bias = on,
            _ => {}
        },
        Op::Layer(Layer::ConvTranspose(c)) => match param {
            Param::Out => set(ch, &mut c.out),
            Param::Kernel => sq(k1, &mut c.kernel),
            Param::Stride => sq(k1, &mut c.stride),
            Param::Padding => sq(k0, &mut c.padding),
            Param::OutputPadding => sq(k0, &mut c.output_padding),
            Param::Dilation => sq(k1, &mut c.dilation),
            Param::Groups => set(ch, &mut c.groups),
            Param::Bias => c.bias = on,
            _ => {}
        },
        Op::Layer(Layer::MaxPool(p)) | Op::Layer(Layer::AvgPool(p)) => match param {
            Param::Kernel => sq(k1, &mut p.kernel),
            Param::Stride => sq(k1, &mut p.stride),
            Param::Padding => sq(k0, &mut p.padding),
            Param::Dilation => sq(k1, &mut p.dilation),
            Param::CeilMode => p.ceil_mode = on,
            _ => {}
        },
        Op::Layer(Layer::AdaptiveAvgPool(s))
        | Op::Layer(Layer::AdaptiveMaxPool(s))
        | Op::ConcatPool(s)
            if param == Param::Size =>
        {
            sq(whole(value, 1, MAX_SPATIAL), s);
        }
        Op::Layer(Layer::Linear { out, bias }) => match param {
            Param::Out => set(ch, out),
            Param::Bias => *bias = on,
            _ => {}
        },
        Op::Layer(Layer::Dropout(p)) | Op::Layer(Layer::StochasticDepth(p))
            if param == Param::Prob && value.is_finite() =>
        {
            // Two decimals keep links short.
            *p = (value.clamp(0.0, 1.0) * 100.0).round() / 100.0;
        }
        Op::Layer(Layer::Upsample { scale, mode }) => match param {
            Param::Scale => set(whole(value, 1, MAX_SCALE), scale),
            Param::Bilinear => {
                *mode = if on {
                    UpsampleMode::Bilinear
                } else {
                    UpsampleMode::Nearest
                }
            }
            _ => {}
        },
        Op::Layer(Layer::Act(Act::LeakyRelu(slope)))
            if param == Param::Slope && value.is_finite() =>
        {
            *slope = (value.clamp(-1e6, 1e6) * 1000.0).round() / 1000.0;
        }
        Op::SqueezeExcite { squeeze, .. } if param == Param::Squeeze => set(ch, squeeze),
        Op::Layer(Layer::GroupNorm { groups }) if param == Param::Groups => set(ch, groups),
        Op::Block(b) => set_block_param(b, param, ch, k1),
        _ => {}
    }
}

fn set_block_param(block: &mut Block, param: Param, ch: Option<u64>, k1: Option<u64>) {
    let set = |v: Option<u64>, target: &mut u64| {
        if let Some(v) = v {
            *target = v;
        }
    };
    match block {
        Block::Basic { planes, stride } => match param {
            Param::Out => set(ch, planes),
            Param::Stride => set(k1, stride),
            _ => {}
        },
        Block::Bottleneck {
            planes,
            stride,
            expansion,
            groups,
            base_width,
        } => match param {
            Param::Out => set(ch, planes),
            Param::Stride => set(k1, stride),
            Param::Expansion => set(ch, expansion),
            Param::Groups => set(ch, groups),
            Param::BaseWidth => set(ch, base_width),
            _ => {}
        },
        Block::InvertedResidual {
            expand,
            out,
            stride,
        } => match param {
            Param::Out => set(ch, out),
            Param::Stride => set(k1, stride),
            Param::Expansion => set(ch, expand),
            _ => {}
        },
        Block::MbConv {
            expand,
            out,
            kernel,
            stride,
        } => match param {
            Param::Out => set(ch, out),
            Param::Stride => set(k1, stride),
            Param::Expansion => set(ch, expand),
            Param::Kernel => set(k1, kernel),
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
                kind: Kind::Conv,
            },
        );
        apply(
            &mut s,
            Action::SetKind {
                at: at.clone(),
                kind: Kind::Linear,
            },
        );
        apply(
            &mut s,
            Action::SetKind {
                at: at.clone(),
                kind: Kind::Conv,
            },
        );
        assert_eq!(conv_out(&s, &at), 64);
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
