//! What-if: the same network with its channels kept constant, or doubled, at every downsampling layer.
//!
//! fastbook chapter 13 argues that doubling the channels at each stride-2 layer keeps the compute per stage from
//! falling as the grid shrinks; this transform builds both variants so the argument can be seen per stage.
//!
//! # The rule
//! Walking the network in forward order, every layer that shrinks the grid (a stride-`s` convolution, pool or
//! block) starts a new *stage*, `round(log2 s)` stages on (transposed convolutions and upsampling step back).
//! A stage's *reference width* is the width of its first width-setting node: the output channels of a dense or
//! transposed convolution, `planes` of a ResNet block, `out` of an inverted-residual or MBConv block. The first
//! stage with a width-setting node is left as it is and hands on `W₀`, the width of its last width-setting node
//! (the stem's output); stage `k` stages later gets `W₀` (keep) or `W₀·2ᵏ` (double), and every width-setting
//! node of the stage is scaled by `target / reference`, so patterns inside a stage (bottleneck expansions, a wider
//! last block) survive. Kept as they are: linear layers (the classifier), the network's last width-setting node
//! when it is a convolution (a fully convolutional classifier's classes), and everything that takes its width from
//! its input (normalisation; depthwise convolutions and squeeze-excitation follow the width flowing into them).
//! A grouped convolution (not depthwise) is scaled like any other; its groups become the largest divisor of its new
//! input and output widths not above its groups scaled with its width (about the same channels per group: RegNet,
//! a hand-written ResNeXt), so the variant stays a valid network. An identity
//! shortcut whose two sides no longer have the same width gets a 1×1 convolution and batch norm, as torchvision
//! and fastai build one when a block changes width.

use std::collections::BTreeMap;

use crate::core::analysis::{analyse, Analysis, Options};
use crate::core::arch::{Architecture, Block, Node, Op};
use crate::core::layer::{Conv, Groups, Layer};
use crate::core::ops::halvings;

/// What happens to the channels at each downsampling layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelRule {
    /// The same width in every stage.
    Keep,
    /// Twice the width of the stage before.
    Double,
}

impl ChannelRule {
    /// Width multiplier per stage.
    fn growth(self) -> f64 {
        match self {
            ChannelRule::Keep => 1.0,
            ChannelRule::Double => 2.0,
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            ChannelRule::Keep => "channels kept at stride 2",
            ChannelRule::Double => "channels doubled at stride 2",
        }
    }
}

/// The network's two variants, analysed with the same options.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    pub keep: Analysis,
    pub double: Analysis,
}

/// Analyses both variants of `arch` under `options`.
pub fn compare(arch: &Architecture, options: &Options) -> Comparison {
    Comparison {
        keep: analyse(&transform(arch, ChannelRule::Keep), options),
        double: analyse(&transform(arch, ChannelRule::Double), options),
    }
}

/// `arch` with its widths rescaled by `rule` (see the module documentation).
pub fn transform(arch: &Architecture, rule: ChannelRule) -> Architecture {
    let mut body = arch.body.clone();
    unroll(&mut body);
    let mut survey = Walk::new(Mode::Survey);
    survey.seq(&mut body.clone());
    let (Some((&first, _)), Some(w0)) = (survey.reference.iter().next(), survey.handover) else {
        return Architecture {
            input: arch.input,
            body,
        };
    };
    let factors: BTreeMap<i32, f64> = survey
        .reference
        .iter()
        .map(|(&stage, &w)| {
            if stage == first {
                return (stage, 1.0);
            }
            let target = w0 as f64 * rule.growth().powi(stage - first);
            (stage, target / w.max(1) as f64)
        })
        .collect();
    let mut scale = Walk::new(Mode::Scale {
        factors,
        keep: survey.last_setter.filter(|_| survey.last_is_conv),
    });
    scale.seq(&mut body);
    Architecture {
        input: arch.input,
        body,
    }
}

/// Copies of a repeated node that changes the stage land in different stages, so they are written out (the
/// analysis numbers unnamed copies exactly as it numbers repeats, so module paths do not change).
fn unroll(nodes: &mut Vec<Node>) {
    let mut out = Vec::with_capacity(nodes.len());
    for mut node in nodes.drain(..) {
        visit_children(&mut node.op, unroll);
        if node.repeat > 1 && stage_change(&node.op) != 0 {
            let copies = node.repeat.min(64);
            node.repeat = 1;
            node.name = None;
            out.extend(std::iter::repeat_n(node, copies as usize));
        } else {
            out.push(node);
        }
    }
    *nodes = out;
}

fn visit_children(op: &mut Op, f: fn(&mut Vec<Node>)) {
    match op {
        Op::Seq(items) => f(items),
        Op::Residual(r) => {
            f(&mut r.main);
            f(&mut r.shortcut);
            f(&mut r.post);
        }
        Op::Concat(branches) => branches.iter_mut().for_each(f),
        Op::Layer(_) | Op::SqueezeExcite { .. } | Op::ConcatPool(_) | Op::Block(_) => {}
    }
}

/// How many stages an op moves the grid on.
fn stage_change(op: &Op) -> i32 {
    let seq = |nodes: &[Node]| -> i32 {
        nodes
            .iter()
            .map(|n| stage_change(&n.op) * n.repeat.min(64) as i32)
            .sum()
    };
    match op {
        Op::Layer(l) => l.family().halvings(l),
        Op::Seq(items) => seq(items),
        Op::Residual(r) => seq(&r.main) + seq(&r.post),
        Op::Concat(branches) => branches.first().map_or(0, |b| seq(b)),
        Op::Block(b) => halvings(block_stride(b)),
        Op::SqueezeExcite { .. } | Op::ConcatPool(_) => 0,
    }
}

fn block_stride(b: &Block) -> u64 {
    match *b {
        Block::Basic { stride, .. }
        | Block::Bottleneck { stride, .. }
        | Block::InvertedResidual { stride, .. }
        | Block::MbConv { stride, .. } => stride,
    }
}

enum Mode {
    /// Record each stage's reference width and the last width-setting node.
    Survey,
    /// Scale every width-setting node by its stage's factor, except the node numbered `keep`.
    Scale {
        factors: BTreeMap<i32, f64>,
        keep: Option<usize>,
    },
}

struct Walk {
    mode: Mode,
    stage: i32,
    /// Width-setting nodes (and linear layers) seen so far.
    setters: usize,
    reference: BTreeMap<i32, u64>,
    /// The width the first stage with a width-setting node ends with.
    handover: Option<u64>,
    last_setter: Option<usize>,
    last_is_conv: bool,
    /// The factor and the (new) channel count of the tensor flowing out of the last width-setting node.
    flow: Option<(f64, u64)>,
}

impl Walk {
    fn new(mode: Mode) -> Walk {
        Walk {
            mode,
            stage: 0,
            setters: 0,
            reference: BTreeMap::new(),
            handover: None,
            last_setter: None,
            last_is_conv: false,
            flow: None,
        }
    }

    fn seq(&mut self, nodes: &mut [Node]) {
        for node in nodes {
            // Repeats left here do not change the stage: one visit scales every copy alike.
            self.op(&mut node.op);
        }
    }

    fn op(&mut self, op: &mut Op) {
        match op {
            Op::Layer(l) => self.layer(l),
            Op::Seq(items) => self.seq(items),
            Op::Residual(r) => {
                let start = self.stage;
                let entry = self.flow;
                self.seq(&mut r.main);
                let (after, main_flow) = (self.stage, self.flow);
                // The shortcut runs beside the main path: same start, same strides.
                self.stage = start;
                self.flow = entry;
                self.seq(&mut r.shortcut);
                if matches!(self.mode, Mode::Scale { .. }) {
                    if let (Some((_, short)), Some((_, main))) = (self.flow, main_flow) {
                        if short != main {
                            add_projection(&mut r.shortcut, main);
                        }
                    }
                }
                self.stage = after;
                self.flow = main_flow;
                self.seq(&mut r.post);
            }
            Op::Concat(branches) => {
                let (start, entry) = (self.stage, self.flow);
                let mut after = start;
                // The concatenation's width is the sum of its branches' (an empty branch passes its input on);
                // its factor, the new total over the old. Unknown if any branch's width is.
                let mut total: Option<(f64, u64)> = Some((0.0, 0));
                for (i, b) in branches.iter_mut().enumerate() {
                    // Every branch reads the concatenation's input.
                    self.stage = start;
                    self.flow = entry;
                    self.seq(b);
                    if i == 0 {
                        after = self.stage;
                    }
                    total = match (total, self.flow) {
                        (Some((old, new)), Some((f, w))) if f > 0.0 => {
                            Some((old + w as f64 / f, new.saturating_add(w)))
                        }
                        _ => None,
                    };
                }
                self.stage = after;
                self.flow = total
                    .filter(|(old, _)| *old > 0.0)
                    .map(|(old, new)| (new as f64 / old, new));
            }
            Op::SqueezeExcite { squeeze, .. } => {
                *squeeze = scaled(*squeeze, self.flow_factor(), 1);
            }
            Op::ConcatPool(_) => {}
            Op::Block(b) => {
                self.stage += halvings(block_stride(b));
                let width = match b {
                    Block::Basic { planes, .. } | Block::Bottleneck { planes, .. } => planes,
                    Block::InvertedResidual { out, .. } | Block::MbConv { out, .. } => out,
                };
                self.setter(width, 1, false);
                // The block's output: `planes × expansion` for bottlenecks.
                if let (
                    Some((f, _)),
                    Block::Bottleneck {
                        planes, expansion, ..
                    },
                ) = (self.flow, &*b)
                {
                    self.flow = Some((f, planes.saturating_mul(*expansion)));
                }
            }
        }
    }

    fn layer(&mut self, l: &mut Layer) {
        match l {
            Layer::Conv(c) => {
                self.stage += halvings(c.stride.h);
                match c.groups {
                    // A depthwise convolution's width is its input's: scale it like the layer that made it.
                    Groups::Depthwise => {
                        let f = self.flow_factor();
                        c.out = scaled(c.out, f, 1);
                        self.flow = Some((f, c.out));
                    }
                    // A grouped convolution (ResNeXt, RegNet) takes the width of the layer before it, scaled on its
                    // own: its groups follow, about as many channels per group as before, dividing both widths.
                    Groups::Count(g) if g > 1 => match self.flow.map(|(_, w)| w) {
                        Some(w_in) => {
                            let old_out = c.out;
                            self.setter(&mut c.out, 1, true);
                            if matches!(self.mode, Mode::Scale { .. }) {
                                c.groups = Groups::Count(regroup(g, old_out, c.out, w_in));
                            }
                        }
                        // Its input is the network's, which no rule changes: keep the groups.
                        None => self.setter(&mut c.out, g, true),
                    },
                    Groups::Count(_) => self.setter(&mut c.out, 1, true),
                }
            }
            Layer::ConvTranspose(c) => {
                self.stage -= halvings(c.stride.h);
                self.setter(&mut c.out, c.groups.max(1), true);
            }
            Layer::Linear { out, .. } => {
                self.setters += 1;
                self.last_setter = Some(self.setters);
                self.last_is_conv = false;
                self.flow = Some((1.0, *out));
            }
            other => self.stage += other.family().halvings(other),
        }
    }

    /// A width-setting node in the current stage.
    fn setter(&mut self, width: &mut u64, multiple: u64, conv: bool) {
        self.setters += 1;
        let mut factor = 1.0;
        match &self.mode {
            Mode::Survey => {
                self.reference.entry(self.stage).or_insert(*width);
                if self.reference.len() == 1 {
                    self.handover = Some(*width);
                }
                self.last_setter = Some(self.setters);
                self.last_is_conv = conv;
            }
            Mode::Scale { keep, .. } => {
                if *keep != Some(self.setters) {
                    factor = self.factor(self.stage);
                    *width = scaled(*width, factor, multiple);
                }
            }
        }
        self.flow = Some((factor, *width));
    }

    /// The factor of the tensor flowing now (1 before any width-setting node).
    fn flow_factor(&self) -> f64 {
        self.flow.map_or(1.0, |(f, _)| f)
    }

    /// The factor of `stage`, or of the nearest earlier stage with a reference (1 before the first).
    fn factor(&self, stage: i32) -> f64 {
        match &self.mode {
            Mode::Survey => 1.0,
            Mode::Scale { factors, .. } => {
                factors.range(..=stage).next_back().map_or(1.0, |(_, f)| *f)
            }
        }
    }
}

/// Appends a 1×1 convolution and batch norm that bring a shortcut to `width` channels: inside the shortcut's one
/// sequence when it is one (fastai's `idpath`), else beside what is there.
fn add_projection(shortcut: &mut Vec<Node>, width: u64) {
    let mut conv = Conv::new(width, 1);
    conv.bias = false;
    let nodes = [
        Node::layer(Layer::Conv(conv)),
        Node::layer(Layer::BatchNorm { flat: false }),
    ];
    match shortcut.as_mut_slice() {
        [Node {
            op: Op::Seq(items),
            repeat: 1,
            ..
        }] => items.extend(nodes),
        _ => shortcut.extend(nodes),
    }
}

/// The groups of a grouped convolution whose output went from `old_out` to `out` channels, now reading `w_in`:
/// the divisor of both widths nearest below `g × out / old_out` (the same channels per group), 1 at worst.
fn regroup(g: u64, old_out: u64, out: u64, w_in: u64) -> u64 {
    let target = (g as f64 * out as f64 / old_out.max(1) as f64)
        .round()
        .max(1.0) as u64;
    let common = gcd(w_in, out).max(1);
    (1..=target.min(common))
        .rev()
        .find(|d| common.is_multiple_of(*d))
        .unwrap_or(1)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// `width × factor` rounded to the nearest multiple of `multiple`, at least `multiple`.
fn scaled(width: u64, factor: f64, multiple: u64) -> u64 {
    let m = multiple.max(1) as f64;
    let v = (width as f64 * factor / m).round().max(1.0) * m;
    v.min(u64::MAX as f64 / 2.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::presets;
    use crate::core::shape::Shape;

    fn arch(key: &str) -> Architecture {
        presets::find(key)
            .and_then(|p| p.architecture().ok())
            .unwrap_or_else(|| unreachable!("preset {key} parses"))
    }

    /// The widest convolution output on each grid, in forward order: `[(112, 64), (56, 64), ...]`.
    fn widths_by_grid(a: &Analysis) -> Vec<(u64, u64)> {
        let mut out: Vec<(u64, u64)> = Vec::new();
        for r in &a.rows {
            let Some(s) = r.stats else { continue };
            let Shape::Map { c, h, .. } = s.output else {
                continue;
            };
            if r.class != "Conv2d" {
                continue;
            }
            match out.iter_mut().find(|(g, _)| *g == h) {
                Some(e) => e.1 = e.1.max(c),
                None => out.push((h, c)),
            }
        }
        out
    }

    fn grids(a: &Analysis) -> Vec<u64> {
        widths_by_grid(a).into_iter().map(|(g, _)| g).collect()
    }

    #[test]
    fn resnet18_keeps_or_doubles_per_stage() {
        let o = Options::default();
        let c = compare(&arch("resnet18"), &o);
        assert_eq!(c.keep.totals.diagnostics, 0);
        assert_eq!(c.double.totals.diagnostics, 0);
        assert_eq!(
            widths_by_grid(&c.keep),
            [(112, 64), (56, 64), (28, 64), (14, 64), (7, 64)]
        );
        // The maxpool is a stride-2 layer too, so layer1 already doubles.
        assert_eq!(
            widths_by_grid(&c.double),
            [(112, 64), (56, 128), (28, 256), (14, 512), (7, 1024)]
        );
    }

    #[test]
    fn simple_cnn_already_doubles_and_keeps_its_class_layer() {
        let a = arch("simple_cnn");
        assert_eq!(transform(&a, ChannelRule::Double), a);
        let keep = analyse(&transform(&a, ChannelRule::Keep), &Options::default());
        assert_eq!(
            widths_by_grid(&keep),
            [(14, 4), (7, 4), (4, 4), (2, 4), (1, 2)]
        );
    }

    #[test]
    fn vgg16_pools_start_the_stages() {
        let c = compare(&arch("vgg16"), &Options::default());
        assert_eq!(
            widths_by_grid(&c.double),
            [(224, 64), (112, 128), (56, 256), (28, 512), (14, 1024)]
        );
        assert!(widths_by_grid(&c.keep).iter().all(|(_, w)| *w == 64));
    }

    #[test]
    fn doubling_keeps_compute_per_stage_level_and_keeping_quarters_it() {
        let c = compare(&arch("vgg16"), &Options::default());
        let per_grid = |a: &Analysis, g: u64| -> f64 {
            a.rows
                .iter()
                .filter_map(|r| r.stats)
                .filter(|s| matches!(s.output, Shape::Map { h, .. } if h == g))
                .map(|s| s.macs as f64)
                .sum()
        };
        // Stages 112 → 56 → 28 hold two, three and three convolutions in VGG16: compare the 3-conv stages.
        let (d56, d28) = (per_grid(&c.double, 56), per_grid(&c.double, 28));
        let (k56, k28) = (per_grid(&c.keep, 56), per_grid(&c.keep, 28));
        assert!((d28 / d56 - 1.0).abs() < 0.05, "doubled: {d56} → {d28}");
        assert!((k28 / k56 - 0.25).abs() < 0.01, "kept: {k56} → {k28}");
    }

    #[test]
    fn every_preset_transforms_into_a_valid_network() {
        for p in presets::all() {
            let a = arch(p.key);
            for rule in [ChannelRule::Keep, ChannelRule::Double] {
                let t = analyse(&transform(&a, rule), &Options::default());
                assert_eq!(t.totals.diagnostics, 0, "{} {rule:?}", p.key);
                assert_eq!(
                    grids(&t),
                    grids(&analyse(&a, &Options::default())),
                    "{}",
                    p.key
                );
            }
        }
    }

    #[test]
    fn grouped_convolutions_regroup_to_stay_valid() {
        // Same channels per group where the widths allow it; a divisor of both widths always.
        assert_eq!(regroup(6, 48, 24, 24), 3);
        assert_eq!(regroup(13, 104, 52, 52), 4); // 6.5 wanted; 52 = 4 × 13
        assert_eq!(regroup(4, 64, 96, 90), 6);
        assert_eq!(regroup(32, 128, 7, 7), 1);
        let regnet = crate::core::presets::torchvision::regnet_y_400mf_spec();
        let a = crate::core::format::parse(&regnet).expect("parses");
        for rule in [ChannelRule::Keep, ChannelRule::Double] {
            let t = analyse(&transform(&a, rule), &Options::default());
            assert_eq!(t.totals.diagnostics, 0, "regnet {rule:?}");
        }
    }

    #[test]
    fn a_grouped_convolution_after_a_concatenation_reads_the_summed_width() {
        // Branches of 8 and 16 channels (24 together), then a stride-2 grouped convolution: its groups must divide
        // the concatenation's width, not the last branch's.
        let a = crate::core::format::parse(
            "v1/3x32x32/conv(24,3,p1)/cat(conv(8,1);conv(16,1))/conv(48,3,s2,p1,g24)/relu",
        )
        .expect("parses");
        for rule in [ChannelRule::Keep, ChannelRule::Double] {
            let t = analyse(&transform(&a, rule), &Options::default());
            assert_eq!(t.totals.diagnostics, 0, "{rule:?}");
        }
    }

    #[test]
    fn scaling_rounds_to_groups() {
        assert_eq!(scaled(96, 0.2, 1), 19);
        assert_eq!(scaled(64, 0.3, 32), 32);
        assert_eq!(scaled(3, 0.01, 1), 1);
    }
}
