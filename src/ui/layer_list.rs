//! The layer stack: the top-level list of nodes, each a [`NodeItem`], with an insert menu at the end.

use std::collections::HashMap;
use std::rc::Rc;

use yew::prelude::*;

use crate::core::action::Addr;
use crate::core::analysis::Analysis;
use crate::core::selection::{node_rows, NodeRows, Selection};
use crate::ui::insert_menu::InsertMenu;
use crate::ui::node_item::NodeItem;
use crate::ui::state::AppHandle;
use crate::ui::use_settled::use_settled;

/// Every node's rows and module paths, by address (from the analysis: the walker names the nodes).
pub type Paths = Rc<HashMap<Addr, NodeRows>>;

/// Properties of [`LayerList`].
#[derive(Properties, PartialEq)]
pub struct LayerListProps {
    pub analysis: Rc<Analysis>,
}

/// The editor's layer list.
#[function_component(LayerList)]
pub fn layer_list(p: &LayerListProps) -> Html {
    let app = use_context::<AppHandle>();
    // During a drag the items keep the rows they had when it started (while the tree has the same nodes): only the
    // dragged node and its parents render again, with the node's new values.
    let dragging = app.as_ref().is_some_and(|a| a.dragging);
    let analysis = use_settled(p.analysis.clone(), dragging, |shown, live| {
        shown.nodes == live.nodes
    });
    let paths: Paths = (*use_memo(analysis.clone(), |a| Rc::new(node_rows(a)))).clone();
    let selection = {
        let sel = app.as_ref().and_then(|a| a.selected.clone());
        (*use_memo((sel, analysis.clone()), |(sel, a)| {
            sel.as_deref().and_then(|s| Selection::resolve(s, a))
        }))
        .clone()
    };
    {
        let sel = app.as_ref().and_then(|a| a.selected.clone());
        use_effect_with(sel, |sel| {
            if sel.is_some() {
                crate::ui::summary_table::reveal("editor", ".node.selected");
            }
        });
    }
    let Some(app) = app else {
        return html! {};
    };
    let body = &app.doc.arch.body;
    html! {
        <section class="card layers" aria-labelledby="layers-h">
            <h2 id="layers-h">{ "Layers" }
                <span class="muted small">{ format!(" · {} top-level items", body.len()) }</span>
            </h2>
            <ul class="tree" role="list">
                { for body.iter().enumerate().map(|(i, node)| {
                    let at = Addr::top(i);
                    html! {
                        <NodeItem key={at.key()} at={at.clone()} node={node.clone()} paths={paths.clone()}
                            selected={selection.clone()} analysis={analysis.clone()} siblings={body.len()} />
                    }
                }) }
            </ul>
            <InsertMenu at={Addr::top(body.len())} label="+ Add layer at the end…" />
        </section>
    }
}
