//! The analysis: walks an [`Architecture`] in forward order and gives every leaf layer call a row of numbers or a
//! diagnostic. It never fails and never panics: an impossible layer gets its reason, what depends on it is marked
//! not computed, and everything else is still counted.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use crate::core::addr::{Addr, Step};
use crate::core::arch::{Architecture, Block, Input, Node, Op, Residual};
use crate::core::blocks;
use crate::core::cost::{self, Image, LeafCost, OpKind};
use crate::core::device::Device;
use crate::core::diagnostic::Diagnostic;
use crate::core::layer::{Act, Conv, Layer, Pair};
use crate::core::limits::{MAX_BATCH, MAX_CHANNELS, MAX_ROWS, MAX_SPATIAL};
use crate::core::rf::Rf;
use crate::core::shape::{Dtype, Shape};
use crate::core::timing::{self, TimeOptions, Work};

/// Which operations count towards MACs/FLOPs besides the multiply-accumulates of convolutions and linear layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Counting {
    /// Bias additions of convolutions and linear layers (1 per output element).
    pub bias: bool,
    /// Normalisation (2 per element).
    pub norm: bool,
    /// Activations (1 per element).
    pub activation: bool,
    /// Pooling (1 per window element) and upsampling (1 or 4 per output element).
    pub pool: bool,
    /// Residual adds and squeeze-excitation multiplies (1 per output element).
    pub add_mul: bool,
}

impl Counting {
    /// Everything counted.
    pub const ALL: Counting = Counting {
        bias: true,
        norm: true,
        activation: true,
        pool: true,
        add_mul: true,
    };

    fn counts(&self, kind: OpKind) -> bool {
        match kind {
            OpKind::Norm => self.norm,
            OpKind::Activation => self.activation,
            OpKind::Pool | OpKind::Other => self.pool,
            OpKind::AddMul => self.add_mul,
            OpKind::ConvKxK | OpKind::Conv1x1 | OpKind::Depthwise | OpKind::Linear => false,
        }
    }

    /// One sentence stating the convention, for display under every table.
    pub fn describe(&self) -> String {
        let mut extra = Vec::new();
        for (on, what) in [
            (self.bias, "bias adds"),
            (
                self.norm,
                "normalisation (batch norm 2/element, group norm 5/element)",
            ),
            (self.activation, "activations (1/element)"),
            (self.pool, "pooling and upsampling"),
            (self.add_mul, "residual adds and SE multiplies"),
        ] {
            if on {
                extra.push(what);
            }
        }
        let base = "MACs = multiply-accumulates of convolutions and linear layers (fvcore/torchvision convention)";
        let extra = if extra.is_empty() {
            ", bias excluded".to_string()
        } else {
            format!(", plus {}", extra.join(", "))
        };
        format!("{base}{extra}; FLOPs = 2 × MACs. Parameters exclude batch-norm running statistics (buffers).")
    }
}

/// What the analysis is asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub batch: u64,
    pub dtype: Dtype,
    pub device: Device,
    pub counting: Counting,
    /// Switches of the time model (kernel fusion).
    pub timing: TimeOptions,
}

impl Default for Options {
    fn default() -> Options {
        let device = Device::default_preset().unwrap_or_else(|| Device::custom(1e13, 1e12));
        Options {
            batch: 1,
            dtype: Dtype::Fp32,
            device,
            counting: Counting::default(),
            timing: TimeOptions::default(),
        }
    }
}

/// What limits a layer's estimated time (see [`crate::core::timing`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// Arithmetic at the achievable rate, with the GPU well filled.
    Compute,
    /// Memory traffic at the achievable bandwidth.
    Memory,
    /// The kernel's launch and library overhead exceeds both.
    Overhead,
    /// Compute-bound with fewer than half of the GPU's SM-slots busy: too few output tiles for the SMs.
    Underfilled,
    /// Folded into an earlier layer's kernel (inference engine).
    Fused,
    /// No work and no traffic (views, inference no-ops).
    None,
}

impl Bound {
    /// Stable name: `compute`, `memory`, `overhead`, `underfilled`, `fused`, `none`.
    pub fn key(self) -> &'static str {
        match self {
            Bound::Compute => "compute",
            Bound::Memory => "memory",
            Bound::Overhead => "overhead",
            Bound::Underfilled => "underfilled",
            Bound::Fused => "fused",
            Bound::None => "none",
        }
    }

    /// Plain-language reason, for tooltips.
    pub fn describe(self) -> &'static str {
        match self {
            Bound::Compute => "limited by arithmetic",
            Bound::Memory => "limited by memory traffic",
            Bound::Overhead => "limited by the kernel's launch and library overhead",
            Bound::Underfilled => {
                "limited by arithmetic on a GPU mostly idle: too few output tiles for its SMs"
            }
            Bound::Fused => "fused into the preceding layer's kernel",
            Bound::None => "no kernel",
        }
    }
}

/// The numbers of one computed row, for the whole batch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Stats {
    pub output: Shape,
    pub params: u64,
    pub buffers: u64,
    pub kind: OpKind,
    /// MACs as counted under [`Counting`].
    pub macs: u64,
    pub flops: u64,
    /// All arithmetic, counted or not: what the time estimate uses.
    pub work_flops: u64,
    /// Output elements of the whole batch.
    pub activation_elems: u64,
    pub activation_bytes: u64,
    pub read_bytes: u64,
    pub write_bytes: u64,
    pub no_reuse_bytes: u64,
    /// All arithmetic ([`Stats::work_flops`]) per read-once byte (0 when the layer moves no data).
    pub intensity: f64,
    /// Estimated time under the time model ([`crate::core::timing`]).
    pub time_s: f64,
    /// What limits [`Stats::time_s`].
    pub bound: Bound,
    /// The roofline's best case: `max(FLOPs / datasheet peak, read-once bytes / datasheet bandwidth)`.
    pub roofline_s: f64,
    /// The kernel the layer runs, independent of the device: what the time model reads.
    pub work: Work,
    pub rf: Rf,
}

impl Stats {
    /// Read-once traffic: input + weights + output.
    pub fn traffic_bytes(&self) -> u64 {
        self.read_bytes.saturating_add(self.write_bytes)
    }
}

/// One leaf layer call (or functional op) in forward order.
///
/// A row's identity is its [`Row::key`] (unique in the analysis) and the editor node it comes from
/// ([`Row::node`]); the module path alone is not unique, since a module may be called more than once (a
/// `BasicBlock`'s `relu`) and a block may concatenate several times (DenseNet).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub index: usize,
    /// Module path as `named_modules()` gives it (`layer1.0.conv1`); functional ops end in `:add`, `:mul`, `:cat`.
    pub path: String,
    /// Which call of `path` this is, from 1: a module called twice has rows with calls 1 and 2.
    pub call: u32,
    /// On a side path: a residual shortcut, a concatenation's branch, a squeeze-excitation's gate or a concat
    /// pool's pools. The main path runs through the rest (and the sums and concatenations that end side paths).
    pub side: bool,
    /// The editor node this row comes from: a leaf layer's own node, or the block, squeeze-excitation, concat
    /// pool, residual or concatenation whose expansion or functional op made it. The root for none.
    pub node: Rc<Addr>,
    /// PyTorch class (`Conv2d`), or the function for functional ops (`add`).
    pub class: &'static str,
    /// Nesting depth of the path (0 for top-level layers).
    pub depth: usize,
    /// A functional call rather than a module: torchinfo does not list it.
    pub functional: bool,
    pub stats: Option<Stats>,
    pub diagnostic: Option<Diagnostic>,
}

impl Row {
    /// The row's unique key: its path for the first call, `path@k` for the k-th (`layer1.0.relu@2`). A link's
    /// `sel=` carries it; old links that name a path select its first call, as they always did.
    pub fn key(&self) -> String {
        if self.call <= 1 {
            self.path.clone()
        } else {
            format!("{}@{}", self.path, self.call)
        }
    }

    /// Whether `key` is this row's [`Row::key`], without building it.
    pub fn has_key(&self, key: &str) -> bool {
        match key.strip_prefix(self.path.as_str()) {
            Some("") => self.call <= 1,
            Some(rest) => rest
                .strip_prefix('@')
                .and_then(|n| n.parse::<u32>().ok())
                .is_some_and(|n| n == self.call.max(1)),
            None => false,
        }
    }
}

/// Training memory for one step, by the definition stated in [`TrainingMemory::DEFINITION`].
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct TrainingMemory {
    pub input_bytes: u64,
    pub activation_bytes: u64,
    pub parameter_bytes: u64,
    pub total_bytes: u64,
}

impl TrainingMemory {
    /// What the estimate counts.
    pub const DEFINITION: &'static str = "training memory ≈ input batch + every layer output kept for backward \
        (views and dropout at inference excluded) + parameters × 4 (weights, gradients, and two Adam moments), \
        in the chosen dtype; no activation checkpointing or in-place savings, workspace not included";
}

/// Sums over all computed rows.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Totals {
    pub params: u64,
    pub trainable_params: u64,
    pub buffers: u64,
    pub macs: u64,
    pub flops: u64,
    pub activation_bytes: u64,
    pub read_bytes: u64,
    pub write_bytes: u64,
    pub no_reuse_bytes: u64,
    /// Estimated time under the time model.
    pub time_s: f64,
    /// The roofline's best case.
    pub roofline_s: f64,
    pub training: TrainingMemory,
    /// Rows with a diagnostic.
    pub diagnostics: usize,
}

/// One call of an editor node (one per copy of a repeated node), in forward order.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeCall {
    pub node: Rc<Addr>,
    /// The module path of this copy (`layer1`, `layer1.0`); `None` for a functional block (`~cat(...)`), whose
    /// calls belong to its parent module.
    pub path: Option<String>,
}

/// The result for a whole network.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    pub input: Input,
    pub options: Options,
    pub rows: Vec<Row>,
    /// Every editor node's calls with their module paths: the one place where nodes get their names.
    pub nodes: Vec<NodeCall>,
    pub totals: Totals,
    /// Why nothing could be computed, when the input itself is invalid.
    pub input_error: Option<String>,
    /// The network has more than [`MAX_ROWS`] layer calls; the rest is not listed.
    pub truncated: bool,
}

impl Analysis {
    /// The last computed row's output shape and receptive field.
    pub fn final_stats(&self) -> Option<&Stats> {
        self.rows.iter().rev().find_map(|r| r.stats.as_ref())
    }
}

/// Analyses `arch` under `options`. Never fails: problems become diagnostics.
pub fn analyse(arch: &Architecture, options: &Options) -> Analysis {
    let input_error = check_input(&arch.input, options.batch);
    let mut walker = Walker::new(arch.input, options);
    let flow = if input_error.is_some() {
        walker.first_error = Some("the input".into());
        None
    } else {
        let Input { c, h, w } = arch.input;
        Some((Shape::Map { c, h, w }, Rf::PIXEL))
    };
    walker.seq(&arch.body, 0, flow, &mut 0);
    let totals = totals(&walker.rows, arch.input, options);
    let mut analysis = Analysis {
        input: arch.input,
        options: options.clone(),
        rows: walker.rows,
        nodes: walker.node_calls,
        totals,
        input_error,
        truncated: walker.truncated,
    };
    retime(&mut analysis, &options.device, &options.timing);
    analysis
}

/// Times the rows of `analysis` on `device` without walking the network again: the counts stay, the times and
/// bounds are replaced (their terms come from [`timing::row_terms`]), and the options record the device.
pub fn retime(analysis: &mut Analysis, device: &Device, timing: &TimeOptions) {
    let mut times = Vec::with_capacity(analysis.rows.len());
    timing::each(
        &analysis.rows,
        analysis.options.dtype,
        device,
        timing,
        |t| {
            times.push(t.map(|t| (t.time_s, t.bound, t.roofline_s)));
        },
    );
    let (mut total, mut roofline) = (0.0, 0.0);
    for (row, t) in analysis.rows.iter_mut().zip(times) {
        if let (Some(s), Some((time_s, bound, roofline_s))) = (&mut row.stats, t) {
            s.time_s = time_s;
            s.bound = bound;
            s.roofline_s = roofline_s;
            total += time_s;
            roofline += roofline_s;
        }
    }
    analysis.totals.time_s = total;
    analysis.totals.roofline_s = roofline;
    if analysis.options.device != *device {
        analysis.options.device = device.clone();
    }
    analysis.options.timing = *timing;
}

fn check_input(input: &Input, batch: u64) -> Option<String> {
    if input.c == 0 || input.h == 0 || input.w == 0 || batch == 0 {
        return Some("input channels, height, width and batch must all be at least 1".into());
    }
    if input.c > MAX_CHANNELS || input.h > MAX_SPATIAL || input.w > MAX_SPATIAL || batch > MAX_BATCH
    {
        return Some(format!(
            "input {}×{}×{} with batch {batch} exceeds the limits (channels ≤ {MAX_CHANNELS}, height and width ≤ \
             {MAX_SPATIAL}, batch ≤ {MAX_BATCH})",
            input.c, input.h, input.w
        ));
    }
    None
}

/// Shape and receptive field flowing between layers; `None` downstream of an impossible layer.
type Flow = Option<(Shape, Rf)>;

struct Walker<'a> {
    options: &'a Options,
    image: Image,
    rows: Vec<Row>,
    path: String,
    depth: usize,
    /// Path of the first impossible layer, named by the rows that depend on it.
    first_error: Option<String>,
    truncated: bool,
    /// Nodes visited: bounds the work of deeply nested repeats that list no rows.
    visits: usize,
    /// Standard blocks already expanded, by block and input channels: a ResNet repeats a handful of them.
    expansions: Vec<(Block, u64, Rc<Op>)>,
    /// The editor nodes being walked, innermost last (the root first): each row is stamped with the last.
    nodes: Vec<Rc<Addr>>,
    /// Inside an expansion (standard block, squeeze-excitation, concat pool) whose nodes the editor does not show:
    /// its rows belong to the node that expanded.
    opaque: u32,
    /// Hashes of the row paths so far: a path seen before is looked up among the rows for its call number.
    seen: HashSet<u64, BuildHasherDefault<PathHasher>>,
    /// How many side paths the walk is inside.
    side: u32,
    node_calls: Vec<NodeCall>,
}

impl<'a> Walker<'a> {
    fn new(input: Input, options: &'a Options) -> Walker<'a> {
        Walker {
            options,
            image: Image {
                h: input.h,
                w: input.w,
            },
            rows: Vec::with_capacity(256),
            path: String::with_capacity(64),
            depth: 0,
            first_error: None,
            truncated: false,
            visits: 0,
            expansions: Vec::new(),
            nodes: vec![Rc::new(Addr::default())],
            opaque: 0,
            seen: HashSet::with_capacity_and_hasher(512, BuildHasherDefault::default()),
            side: 0,
            node_calls: Vec::new(),
        }
    }

    /// Enters the editor node at `item` of the current node's child list `list` (nothing inside an expansion).
    fn enter_node(&mut self, list: usize, item: usize) -> bool {
        if self.opaque > 0 {
            return false;
        }
        // One allocation for the new address (a node visit, not a row: blocks expand without new addresses).
        let parent = self.nodes.last().map_or(&[][..], |a| &a.0[..]);
        let mut steps = Vec::with_capacity(parent.len() + 1);
        steps.extend_from_slice(parent);
        steps.push(Step { list, item });
        self.nodes.push(Rc::new(Addr(steps)));
        true
    }

    fn leave_node(&mut self, entered: bool) {
        if entered && self.nodes.len() > 1 {
            self.nodes.pop();
        }
    }

    /// Records a call of the current editor node; `module` when it is a module with a path of its own.
    fn record_node(&mut self, module: bool) {
        if self.opaque == 0 {
            if let Some(node) = self.nodes.last() {
                let node = Rc::clone(node);
                let path = module.then(|| self.path.clone());
                self.node_calls.push(NodeCall { node, path });
            }
        }
    }

    /// Walks `f` on a side path.
    fn side<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.side += 1;
        let out = f(self);
        self.side -= 1;
        out
    }

    /// Walks `f` inside an expansion the editor shows as one node.
    fn opaque<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.opaque += 1;
        let out = f(self);
        self.opaque -= 1;
        out
    }

    /// Walks a sequence, the current node's child list `list`; `counter` numbers unnamed items (and repeat copies)
    /// like `nn.Sequential` does.
    fn seq(&mut self, nodes: &[Node], list: usize, mut x: Flow, counter: &mut u64) -> Flow {
        for (item, node) in nodes.iter().enumerate() {
            let entered = self.enter_node(list, item);
            x = self.node(node, x, counter);
            self.leave_node(entered);
            if self.truncated {
                return None;
            }
        }
        x
    }

    /// Every copy of one node.
    fn node(&mut self, node: &Node, mut x: Flow, counter: &mut u64) -> Flow {
        for _ in 0..node.repeat.max(1) {
            self.visits += 1;
            if self.rows.len() >= MAX_ROWS || self.visits > 10 * MAX_ROWS {
                self.truncated = true;
                return None;
            }
            if node.functional && !matches!(node.op, Op::Layer(_)) {
                self.record_node(false);
                x = self.inline(&node.op, x, counter);
                continue;
            }
            let index = *counter;
            *counter += 1;
            let name = if node.repeat > 1 {
                None
            } else {
                node.name.as_deref()
            };
            let mark = self.enter(name, index);
            self.record_node(true);
            x = self.op(&node.op, node.functional, x);
            self.leave(mark);
        }
        x
    }

    /// A functional block (`~cat(...)`, `~seq(...)`): calls made in the parent module's `forward`, so its items
    /// are the parent's children, numbered on with the parent's items (torchvision's `Fire` concatenates its own
    /// `expand1x1` and `expand3x3`).
    fn inline(&mut self, op: &Op, x: Flow, counter: &mut u64) -> Flow {
        match op {
            Op::Seq(items) => self.seq(items, 0, x, counter),
            Op::Residual(r) => self.residual(r, x, counter),
            Op::Concat(branches) => self.concat(branches, x, counter),
            other => self.op(other, true, x),
        }
    }

    fn expansion(&mut self, block: &Block, in_c: u64) -> Rc<Op> {
        if let Some((_, _, op)) = self
            .expansions
            .iter()
            .find(|(b, c, _)| b == block && *c == in_c)
        {
            return Rc::clone(op);
        }
        let op = Rc::new(blocks::expand(block, in_c));
        self.expansions.push((*block, in_c, Rc::clone(&op)));
        op
    }

    fn enter(&mut self, name: Option<&str>, index: u64) -> usize {
        let mark = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        match name {
            Some(n) => self.path.push_str(n),
            None => {
                let _ = write!(self.path, "{index}");
            }
        }
        self.depth += 1;
        mark
    }

    fn leave(&mut self, mark: usize) {
        self.path.truncate(mark);
        self.depth -= 1;
    }

    fn op(&mut self, op: &Op, functional: bool, x: Flow) -> Flow {
        match op {
            Op::Layer(layer) => self.leaf(layer, functional, x),
            // An empty nn.Sequential is itself a leaf module that returns its input (fastai's identity `idpath`).
            Op::Seq(items) if items.is_empty() => {
                let outcome = x.map(|(shape, rf)| cost::identity(shape, rf));
                match outcome {
                    Some(c) => self.finish("Sequential", functional, None, Ok(c), None),
                    None => {
                        self.push_not_computed("Sequential", functional, None);
                        None
                    }
                }
            }
            Op::Seq(items) => self.seq(items, 0, x, &mut 0),
            Op::Residual(r) => self.residual(r, x, &mut 0),
            Op::SqueezeExcite { squeeze, act, gate } => {
                self.opaque(|w| w.squeeze_excite(*squeeze, *act, *gate, x))
            }
            Op::Concat(branches) => self.concat(branches, x, &mut 0),
            Op::ConcatPool(size) => self.opaque(|w| w.concat_pool(*size, x)),
            Op::Block(block) => {
                // Downstream of an error the input is unknown; expanding for 0 channels still lists the layers.
                let in_c = x.map_or(0, |(shape, _)| shape.channels());
                let expanded = self.expansion(block, in_c);
                match blocks::check(block) {
                    Ok(()) => self.opaque(|w| w.op(&expanded, functional, x)),
                    Err(msg) => {
                        // torchvision would not build it: its first row says why, the others depend on it.
                        let first = self.rows.len();
                        if self.first_error.is_none() {
                            self.first_error = Some(self.path.clone());
                        }
                        self.opaque(|w| w.op(&expanded, functional, None));
                        if let Some(row) = self.rows.get_mut(first) {
                            row.diagnostic = Some(Diagnostic::Invalid(msg));
                        }
                        None
                    }
                }
            }
        }
    }

    fn leaf(&mut self, layer: &Layer, functional: bool, x: Flow) -> Flow {
        let class = layer.class();
        let (shape, rf) = match x {
            Some(v) => v,
            None => {
                self.push_not_computed(class, functional, None);
                return None;
            }
        };
        let batch = self.options.batch;
        let cost = cost::batch_check(layer, shape, batch)
            .and_then(|()| cost::leaf(layer, shape, rf, self.image));
        self.finish(class, functional, None, cost, Some((layer, shape)))
    }

    /// Records a row from a cost or its failure and returns what flows on; `layer` (with its input shape) gives
    /// the kernel's work, functional ops have none of their own.
    ///
    /// The row's stats are written once, into the row itself: a row is a few hundred bytes and this runs for every
    /// row on every slider step, so passing them through `Result`s and tuples cost a fifth of the analysis in copies.
    #[inline]
    fn finish(
        &mut self,
        class: &'static str,
        functional: bool,
        suffix: Option<&str>,
        cost: Result<LeafCost, String>,
        layer: Option<(&Layer, Shape)>,
    ) -> Flow {
        let path = self.row_path(suffix);
        let checked = cost.and_then(|c| self.check(&c).map(|()| c));
        match checked {
            Ok(c) => {
                let row = self.push(path, class, functional, None);
                let work = match layer {
                    Some((layer, input)) => timing::work::of_layer(
                        layer,
                        input,
                        c.output,
                        self.options.batch,
                        c.input_elems > 0,
                    ),
                    None if c.input_elems > 0 => Work::Elementwise,
                    None => Work::None,
                };
                let stats = stats(self.options, &c, work);
                if let Some(row) = self.rows.get_mut(row) {
                    row.stats = Some(stats);
                }
                Some((c.output, c.rf))
            }
            Err(msg) => {
                if self.first_error.is_none() {
                    self.first_error = Some(if path.is_empty() {
                        class.to_string()
                    } else {
                        path.clone()
                    });
                }
                self.push(
                    path,
                    class,
                    functional,
                    Some(Diagnostic::Invalid(format!("{class}: {msg}"))),
                );
                None
            }
        }
    }

    fn row_path(&self, suffix: Option<&str>) -> String {
        match suffix {
            Some(s) => format!("{}:{s}", self.path),
            None => self.path.clone(),
        }
    }

    fn push_not_computed(&mut self, class: &'static str, functional: bool, suffix: Option<&str>) {
        let cause = self
            .first_error
            .clone()
            .unwrap_or_else(|| "an earlier layer".into());
        let path = self.row_path(suffix);
        self.push(
            path,
            class,
            functional,
            Some(Diagnostic::NotComputed { cause }),
        );
    }

    /// Appends a row without stats and returns its index.
    fn push(
        &mut self,
        path: String,
        class: &'static str,
        functional: bool,
        diagnostic: Option<Diagnostic>,
    ) -> usize {
        let index = self.rows.len();
        let depth = self.depth.saturating_sub(1);
        // A module called again (a BasicBlock's `relu`, DenseNet's `cat`) was called a few rows back: its
        // previous row gives the call number. Most paths are new, and a hash says so without a string copy.
        let mut hasher = PathHasher::default();
        hasher.write(path.as_bytes());
        let call = if self.seen.insert(hasher.finish()) {
            1
        } else {
            self.rows
                .iter()
                .rev()
                .find(|r| r.path == path)
                .map_or(1, |r| r.call + 1)
        };
        let node = self
            .nodes
            .last()
            .map_or_else(|| Rc::new(Addr::default()), Rc::clone);
        self.rows.push(Row {
            index,
            path,
            call,
            side: self.side > 0,
            node,
            class,
            depth,
            functional,
            stats: None,
            diagnostic,
        });
        index
    }

    /// Whether the batch-scaled counts of one call fit in 64 bits: [`stats`] may then compute them unchecked.
    fn check(&self, c: &LeafCost) -> Result<(), String> {
        let n = self.options.batch as u128;
        let bytes = self.options.dtype.bytes() as u128;
        // Every count of `stats` is at most one of these (the MACs and FLOPs are at most all the arithmetic).
        let macs = n * c.macs as u128;
        let work = 2 * (macs + n * c.bias_ops as u128 + n * c.elementwise_ops as u128);
        let out = n * c.output.numel() as u128;
        let input = n * c.input_elems as u128;
        let weights = c.weight_reads as u128;
        let no_reuse = if c.input_elems > 0 {
            (macs.max(input) + weights + out) * bytes
        } else {
            0
        };
        let largest = work
            .max(out * bytes)
            .max((input + weights) * bytes)
            .max(no_reuse);
        fit(largest).map(|_| ())
    }

    /// A functional op on the current block (`:add`, `:mul`, `:cat`).
    fn functional_row(
        &mut self,
        class: &'static str,
        outcome: Option<Result<LeafCost, String>>,
    ) -> Flow {
        match outcome {
            None => {
                self.push_not_computed(class, true, Some(class));
                None
            }
            Some(result) => self.finish(class, true, Some(class), result, None),
        }
    }

    /// `counter` numbers unnamed items: one numbering for main, shortcut and post, as children of one module.
    fn residual(&mut self, r: &Residual, x: Flow, counter: &mut u64) -> Flow {
        let main = self.seq(&r.main, 0, x, counter);
        let short = if r.shortcut.is_empty() {
            x
        } else {
            self.side(|w| w.seq(&r.shortcut, 1, x, counter))
        };
        let outcome = match (main, short) {
            (Some((a, ra)), Some((b, rb))) if a == b => {
                Some(Ok(cost::combine(a, ra.max(rb), 2 * a.numel())))
            }
            (Some((a, _)), Some((b, _))) => Some(Err(format!(
                "the main path gives {a} but the shortcut gives {b}: they cannot be summed"
            ))),
            _ => None,
        };
        let summed = self.functional_row("add", outcome);
        self.seq(&r.post, 2, summed, counter)
    }

    fn squeeze_excite(&mut self, squeeze: u64, act: Act, gate: Act, x: Flow) -> Flow {
        let channels = match x {
            Some((Shape::Map { c, .. }, _)) => c,
            Some((Shape::Flat { .. }, _)) => {
                let outcome = Some(Err(
                    "squeeze-excitation needs a feature map, but its input is flat".to_string(),
                ));
                return self.functional_row("mul", outcome);
            }
            None => 0,
        };
        let fc = |out: u64| {
            let mut c = Conv::new(out, 1);
            c.bias = true;
            Op::Layer(Layer::Conv(c))
        };
        let items = [
            Node::named(
                "avgpool",
                Op::Layer(Layer::AdaptiveAvgPool(Pair::square(1))),
            ),
            Node::named("fc1", fc(squeeze)),
            Node::named("activation", Op::Layer(Layer::Act(act))),
            Node::named("fc2", fc(channels)),
            Node::named("scale_activation", Op::Layer(Layer::Act(gate))),
        ];
        let scale = self.side(|w| w.seq(&items, 0, x, &mut 0));
        let outcome = match (x, scale) {
            (Some((shape, x_rf)), Some(_)) => {
                // The scale depends on the whole map: every unit now also depends on the whole input. That is
                // global context, recorded apart; the field stays the convolution path's (see `Rf`).
                let rf = Rf {
                    global: true,
                    ..x_rf
                };
                Some(Ok(cost::combine(shape, rf, shape.numel() + channels)))
            }
            _ => None,
        };
        self.functional_row("mul", outcome)
    }

    /// Branches are children of the concatenating module (as torchvision's Inception and Fire name them), so
    /// their unnamed items share one numbering.
    fn concat(&mut self, branches: &[Vec<Node>], x: Flow, counter: &mut u64) -> Flow {
        let mut outs = Vec::with_capacity(branches.len());
        for (i, branch) in branches.iter().enumerate() {
            outs.push(self.side(|w| w.seq(branch, i, x, counter)));
        }
        let outcome = join(&outs);
        self.functional_row("cat", outcome)
    }

    fn concat_pool(&mut self, size: Pair, x: Flow) -> Flow {
        // fastai: torch.cat([self.mp(x), self.ap(x)], 1)
        let items = [
            Node::named("mp", Op::Layer(Layer::AdaptiveMaxPool(size))),
            Node::named("ap", Op::Layer(Layer::AdaptiveAvgPool(size))),
        ];
        let mut outs = Vec::with_capacity(2);
        for item in &items {
            outs.push(self.side(|w| w.seq(std::slice::from_ref(item), 0, x, &mut 0)));
        }
        let outcome = join(&outs);
        self.functional_row("cat", outcome)
    }
}

/// `torch.cat(dim=1)` of branch outputs: same grid (or all flat), channels add up.
fn join(outs: &[Flow]) -> Option<Result<LeafCost, String>> {
    let flows: Option<Vec<(Shape, Rf)>> = outs.iter().copied().collect();
    let flows = flows?;
    let Some((first, rest)) = flows.split_first() else {
        return Some(Err("concatenation of no branches".into()));
    };
    let mut rf = first.1;
    let mut shape = first.0;
    for (s, r) in rest {
        rf = rf.max(*r);
        shape = match (shape, *s) {
            (
                Shape::Map { c, h, w },
                Shape::Map {
                    c: c2,
                    h: h2,
                    w: w2,
                },
            ) if h == h2 && w == w2 => Shape::Map { c: c + c2, h, w },
            (Shape::Flat { f }, Shape::Flat { f: f2 }) => Shape::Flat { f: f + f2 },
            (a, b) => {
                return Some(Err(format!(
                    "branches give {a} and {b}: only the channel counts may differ"
                )))
            }
        };
    }
    Some(Ok(cost::concat(shape, rf)))
}

/// Batch-scaled numbers of one call whose counts [`Walker::check`] found to fit in 64 bits.
#[inline]
fn stats(o: &Options, c: &LeafCost, work: Work) -> Stats {
    let n = o.batch;
    let bytes = o.dtype.bytes();
    let macs = n * c.macs;
    let bias = n * c.bias_ops;
    let elementwise = n * c.elementwise_ops;
    let counted = macs
        + if o.counting.bias { bias } else { 0 }
        + if o.counting.counts(c.kind) {
            elementwise
        } else {
            0
        };
    let work_flops = 2 * (macs + bias + elementwise);
    let out_elems = n * c.output.numel();
    let in_elems = n * c.input_elems;
    let moves_data = c.input_elems > 0;
    let weights = c.weight_reads;
    let read = (in_elems + weights) * bytes;
    let write = if moves_data { out_elems * bytes } else { 0 };
    let no_reuse = if moves_data {
        (macs.max(in_elems) + weights + out_elems) * bytes
    } else {
        0
    };
    let traffic = read.saturating_add(write) as f64;
    Stats {
        output: c.output,
        params: c.params,
        buffers: c.buffers,
        kind: c.kind,
        macs: counted,
        flops: 2 * counted,
        work_flops,
        activation_elems: out_elems,
        activation_bytes: out_elems * bytes,
        read_bytes: read,
        write_bytes: write,
        no_reuse_bytes: no_reuse,
        // All arithmetic, like the time estimate: a batch norm does work even when the counting convention
        // leaves it out of the MACs, and the roofline must place it by what the hardware executes.
        intensity: if traffic > 0.0 {
            work_flops as f64 / traffic
        } else {
            0.0
        },
        // The time model fills these in once the walk is done (`retime`).
        time_s: 0.0,
        bound: Bound::None,
        roofline_s: 0.0,
        work,
        rf: c.rf,
    }
}

fn fit(v: u128) -> Result<u64, String> {
    u64::try_from(v)
        .map_err(|_| "counts overflow 64 bits: sizes or batch are too large".to_string())
}

fn totals(rows: &[Row], input: Input, options: &Options) -> Totals {
    let mut t = Totals::default();
    for row in rows {
        if row.diagnostic.is_some() {
            t.diagnostics += 1;
        }
        let Some(s) = &row.stats else { continue };
        t.params = t.params.saturating_add(s.params);
        t.buffers = t.buffers.saturating_add(s.buffers);
        t.macs = t.macs.saturating_add(s.macs);
        t.flops = t.flops.saturating_add(s.flops);
        t.activation_bytes = t.activation_bytes.saturating_add(s.activation_bytes);
        t.read_bytes = t.read_bytes.saturating_add(s.read_bytes);
        t.write_bytes = t.write_bytes.saturating_add(s.write_bytes);
        t.no_reuse_bytes = t.no_reuse_bytes.saturating_add(s.no_reuse_bytes);
    }
    t.trainable_params = t.params;
    let bytes = options.dtype.bytes();
    let input_bytes = input
        .c
        .saturating_mul(input.h)
        .saturating_mul(input.w)
        .saturating_mul(options.batch)
        .saturating_mul(bytes);
    let parameter_bytes = t.params.saturating_mul(bytes).saturating_mul(4);
    // Outputs that are written (not views) are what autograd keeps.
    let activation_bytes = t.write_bytes;
    t.training = TrainingMemory {
        input_bytes,
        activation_bytes,
        parameter_bytes,
        total_bytes: input_bytes
            .saturating_add(activation_bytes)
            .saturating_add(parameter_bytes),
    };
    t
}

/// A small, fast hash of row paths (FxHash's multiply-rotate): the walker hashes every row's path, and SipHash's
/// resistance to chosen keys buys nothing here (a collision only costs a look back through the rows).
#[derive(Default)]
struct PathHasher(u64);

impl Hasher for PathHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
