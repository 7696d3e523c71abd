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
    let paths: Paths = (*use_memo(p.analysis.clone(), |a| Rc::new(node_rows(a)))).clone();
    let selection = {
        let sel = app.as_ref().and_then(|a| a.selected.clone());
        (*use_memo((sel, p.analysis.clone()), |(sel, a)| {
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
                            selected={selection.clone()} analysis={p.analysis.clone()} siblings={body.len()} />
                    }
                }) }
            </ul>
            <InsertMenu at={Addr::top(body.len())} label="+ Add layer at the end…" />
        </section>
    }
}
