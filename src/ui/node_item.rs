//! One node of the layer tree: a summary line that selects it, its editor when selected, and its children (editable
//! nodes for sequences, residual paths and concat branches; the expanded layers, read-only, for standard blocks).

use std::rc::Rc;

use yew::prelude::*;

use crate::core::action::{child_lists, Addr};
use crate::core::analysis::{Analysis, Row};
use crate::core::arch::{Block, Node, Op};
use crate::core::layer::{Conv, Groups, Layer, Padding, Pair};
use crate::core::selection::Selection;
use crate::ui::insert_menu::InsertMenu;
use crate::ui::layer_list::Paths;
use crate::ui::node_editor::NodeEditor;
use crate::ui::state::{AppHandle, UiAction};

/// Properties of [`NodeItem`].
#[derive(Properties, PartialEq, Clone)]
pub struct NodeItemProps {
    pub at: Addr,
    pub node: Node,
    pub paths: Paths,
    /// The selection, resolved against the analysis.
    pub selected: Option<Selection>,
    pub analysis: Rc<Analysis>,
    /// Length of the list holding this node (for the move buttons).
    pub siblings: usize,
}

fn pair(p: Pair) -> String {
    if p.is_square() {
        p.h.to_string()
    } else {
        format!("{}×{}", p.h, p.w)
    }
}

fn conv_summary(c: &Conv) -> String {
    let mut s = format!("{} · {}×{}", c.out, c.kernel.h, c.kernel.w);
    if c.stride != Pair::square(1) {
        s.push_str(&format!(" · s{}", pair(c.stride)));
    }
    match c.padding {
        Padding::Same => s.push_str(" · same"),
        Padding::Explicit(p) if p != Pair::square(0) => s.push_str(&format!(" · p{}", pair(p))),
        Padding::Explicit(_) => {}
    }
    if c.dilation != Pair::square(1) {
        s.push_str(&format!(" · d{}", pair(c.dilation)));
    }
    match c.groups {
        Groups::Depthwise => s.push_str(" · depthwise"),
        Groups::Count(g) if g > 1 => s.push_str(&format!(" · g{g}")),
        Groups::Count(_) => {}
    }
    s
}

/// The class name and a short description of a node's knobs.
pub fn summary(op: &Op) -> (String, String) {
    match op {
        Op::Layer(l) => {
            let detail = match l {
                Layer::Conv(c) => conv_summary(c),
                Layer::ConvTranspose(c) => format!(
                    "{} · {}×{} · s{}",
                    c.out,
                    c.kernel.h,
                    c.kernel.w,
                    pair(c.stride)
                ),
                Layer::MaxPool(p) | Layer::AvgPool(p) => {
                    format!("{} · s{}", pair(p.kernel), pair(p.stride))
                }
                Layer::AdaptiveAvgPool(s) | Layer::AdaptiveMaxPool(s) => pair(*s),
                Layer::Linear { out, .. } => out.to_string(),
                Layer::Dropout(p) | Layer::StochasticDepth(p) => format!("p={p}"),
                Layer::Upsample { scale, .. } => format!("×{scale}"),
                _ => String::new(),
            };
            (l.class().to_string(), detail)
        }
        Op::Seq(items) => (
            "Sequential".into(),
            format!(
                "{} item{}",
                items.len(),
                if items.len() == 1 { "" } else { "s" }
            ),
        ),
        Op::Residual(r) => (
            "Residual".into(),
            if r.shortcut.is_empty() {
                "identity shortcut".into()
            } else {
                "projection shortcut".into()
            },
        ),
        Op::SqueezeExcite { squeeze, .. } => {
            ("SqueezeExcitation".into(), format!("squeeze {squeeze}"))
        }
        Op::Concat(b) => ("Concat".into(), format!("{} branches", b.len())),
        Op::ConcatPool(s) => ("AdaptiveConcatPool2d".into(), pair(*s)),
        Op::Block(b) => match *b {
            Block::Basic { planes, stride } => {
                ("BasicBlock".into(), format!("{planes} · s{stride}"))
            }
            Block::Bottleneck {
                planes,
                stride,
                expansion,
                groups,
                ..
            } => (
                "Bottleneck".into(),
                format!(
                    "{planes} → {} · s{stride}{}",
                    planes.saturating_mul(expansion),
                    if groups > 1 {
                        format!(" · g{groups}")
                    } else {
                        String::new()
                    }
                ),
            ),
            Block::InvertedResidual {
                expand,
                out,
                stride,
            } => (
                "InvertedResidual".into(),
                format!("t{expand} → {out} · s{stride}"),
            ),
            Block::MbConv {
                expand,
                out,
                kernel,
                stride,
            } => (
                "MBConv".into(),
                format!("t{expand} · k{kernel} → {out} · s{stride}"),
            ),
        },
    }
}

/// A node of the layer tree.
#[function_component(NodeItem)]
pub fn node_item(p: &NodeItemProps) -> Html {
    let app = use_context::<AppHandle>();
    let open = use_state(|| false);
    let own = p.paths.get(&p.at);
    let lists = child_lists(&p.node.op);
    let sel_node = p.selected.as_ref().map(|s| s.node(&p.analysis));
    let is_selected = sel_node.as_ref() == Some(&p.at);
    let child_contains = sel_node
        .as_ref()
        .is_some_and(|n| n != &p.at && p.at.contains(n));
    let expandable = !matches!(p.node.op, Op::Layer(_));
    let is_open = *open || child_contains;
    let rows: Vec<&Row> = own.map_or_else(Vec::new, |o| {
        o.rows
            .iter()
            .filter_map(|&i| p.analysis.rows.get(i))
            .collect()
    });
    let first_path = own.and_then(|o| o.paths.first()).cloned().flatten();
    let out = rows
        .iter()
        .rev()
        .find_map(|r| r.stats.map(|s| s.output.to_string()))
        .unwrap_or_default();
    let problem = rows.iter().find_map(|r| {
        r.diagnostic
            .as_ref()
            .filter(|d| d.is_cause())
            .map(|d| d.to_string())
    });
    let (class, detail) = summary(&p.node.op);
    let label = match (&p.node.name, &first_path) {
        (Some(n), _) if p.node.repeat <= 1 => n.clone(),
        (_, Some(path)) => path.rsplit('.').next().unwrap_or(path).to_string(),
        // A functional block is no module: its calls are its parent's.
        _ if p.node.functional => "~".to_string(),
        _ => String::new(),
    };
    let on_select = {
        let (app, at, analysis) = (app.clone(), p.at.clone(), p.analysis.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(app) = &app {
                let text = Selection::Node(at.clone()).text(&analysis);
                app.dispatch(UiAction::Select(text));
            }
        })
    };
    let on_toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let mut classes = classes!("node");
    if is_selected {
        classes.push("selected");
    }
    if problem.is_some() {
        classes.push("invalid");
    }
    let dom_id = format!("node-{}", p.at.key());
    html! {
        <li class={classes} id={dom_id}>
            <div class="node-head">
                if expandable {
                    <button type="button" class="twisty" aria-expanded={is_open.to_string()} onclick={on_toggle}
                        aria-label={format!("{} {label}", if is_open { "Collapse" } else { "Expand" })}>
                        { if is_open { "▾" } else { "▸" } }
                    </button>
                } else {
                    <span class="twisty-space" />
                }
                <button type="button" class="node-label" onclick={on_select} aria-pressed={is_selected.to_string()}>
                    <span class="node-name">{ label }</span>
                    <span class="node-class">{ class }</span>
                    <span class="node-detail">{ detail }</span>
                    if p.node.repeat > 1 { <span class="badge">{ format!("×{}", p.node.repeat) }</span> }
                </button>
                <span class="node-out" title="output shape (C×H×W)">{ out }</span>
            </div>
            if let Some(msg) = problem.filter(|_| !is_open || !expandable) {
                <div class="node-problem">{ msg }</div>
            }
            if is_selected {
                <NodeEditor at={p.at.clone()} node={p.node.clone()} siblings={p.siblings}
                    copies={own.map_or(1, |v| v.paths.len().max(1))} />
            }
            if is_open && expandable {
                { children(p, &lists, &rows) }
            }
        </li>
    }
}

/// The children of an open node: editable lists, or the read-only expansion of an opaque block.
fn children(p: &NodeItemProps, lists: &[(String, &[Node])], rows: &[&Row]) -> Html {
    if lists.is_empty() {
        // Standard blocks, squeeze-excitation and concat pooling expand during analysis: list one copy's layers.
        let first = p
            .paths
            .get(&p.at)
            .and_then(|v| v.paths.first())
            .cloned()
            .flatten()
            .unwrap_or_default();
        let copy = |r: &&&Row| {
            r.path
                .strip_prefix(first.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', ':']))
        };
        return html! {
            <ul class="inner" aria-label="expanded layers (read-only)">
                { for rows.iter().filter(copy).map(|r| {
                    let rel = r.path.strip_prefix(&first).unwrap_or(&r.path).trim_start_matches('.');
                    let shape = r.stats.map(|s| s.output.to_string()).unwrap_or_else(|| "—".into());
                    let hit = p.selected == Some(Selection::Row(r.index));
                    html! {
                        <li class={classes!("inner-row", hit.then_some("selected"))}>
                            <span class="node-name">{ rel.to_string() }</span>
                            <span class="node-class">{ r.class }</span>
                            <span class="node-out">{ shape }</span>
                        </li>
                    }
                }) }
            </ul>
        };
    }
    html! {
        <div class="children">
            { for lists.iter().enumerate().map(|(k, (label, list))| html! {
                <div class="child-list">
                    if !label.is_empty() {
                        <div class="list-label">
                            { label.clone() }
                            if list.is_empty() && k == 1 { <span class="muted">{ " · identity" }</span> }
                        </div>
                    }
                    <ul class="tree" role="list">
                        { for list.iter().enumerate().map(|(i, node)| {
                            let at = p.at.child(k, i);
                            html! {
                                <NodeItem key={at.key()} at={at.clone()} node={node.clone()} paths={p.paths.clone()}
                                    selected={p.selected.clone()} analysis={p.analysis.clone()} siblings={list.len()} />
                            }
                        }) }
                    </ul>
                    <InsertMenu at={p.at.child(k, list.len())} label="+ Add here…" />
                </div>
            }) }
        </div>
    }
}
