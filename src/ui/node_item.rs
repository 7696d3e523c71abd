//! One node of the layer tree: a summary line that selects it, its editor when selected, and its children (editable
//! nodes for sequences, residual paths and concat branches; the expanded layers, read-only, for standard blocks).

use std::rc::Rc;

use yew::prelude::*;

use crate::core::action::{child_lists, path_contains, Addr};
use crate::core::analysis::{Analysis, Row};
use crate::core::arch::{Block, Node, Op};
use crate::core::layer::Pair;
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
    pub selected: Option<String>,
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

/// The class name and a short description of a node's knobs.
pub fn summary(op: &Op) -> (String, String) {
    match op {
        Op::Layer(l) => {
            let detail = l.family().detail(l);
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

/// Whether any of `paths` contains the selected path.
fn contains(paths: Option<&Vec<String>>, selected: Option<&str>) -> bool {
    match (paths, selected) {
        (Some(ps), Some(sel)) => ps.iter().any(|p| path_contains(p, sel)),
        _ => false,
    }
}

/// A node of the layer tree.
#[function_component(NodeItem)]
pub fn node_item(p: &NodeItemProps) -> Html {
    let app = use_context::<AppHandle>();
    let open = use_state(|| false);
    let own = p.paths.get(&p.at);
    let sel = p.selected.as_deref();
    let lists = child_lists(&p.node.op);
    let child_contains = lists.iter().enumerate().any(|(k, (_, list))| {
        (0..list.len()).any(|i| contains(p.paths.get(&p.at.child(k, i)), sel))
    });
    let here = contains(own, sel);
    let is_selected = here && !child_contains;
    let expandable = !matches!(p.node.op, Op::Layer(_));
    let is_open = *open || child_contains;
    let rows: Vec<&Row> = match own {
        Some(ps) => p
            .analysis
            .rows
            .iter()
            .filter(|r| ps.iter().any(|q| path_contains(q, &r.path)))
            .collect(),
        None => Vec::new(),
    };
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
    let label = match (&p.node.name, own.and_then(|v| v.first())) {
        (Some(n), _) if p.node.repeat <= 1 => n.clone(),
        (_, Some(path)) => path.rsplit('.').next().unwrap_or(path).to_string(),
        _ => String::new(),
    };
    let on_select = {
        let (app, first) = (app.clone(), own.and_then(|v| v.first()).cloned());
        Callback::from(move |_: MouseEvent| {
            if let Some(app) = &app {
                app.dispatch(UiAction::Select(first.clone()));
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
                    copies={own.map_or(1, |v| v.len())} />
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
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default();
        let sel = p.selected.clone();
        return html! {
            <ul class="inner" aria-label="expanded layers (read-only)">
                { for rows.iter().filter(|r| path_contains(&first, &r.path)).map(|r| {
                    let rel = r.path.strip_prefix(&first).unwrap_or(&r.path).trim_start_matches('.');
                    let shape = r.stats.map(|s| s.output.to_string()).unwrap_or_else(|| "—".into());
                    let hit = sel.as_deref() == Some(r.path.as_str());
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
