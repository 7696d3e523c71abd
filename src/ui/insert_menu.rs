//! A menu that inserts a layer or block at a given place.

use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::core::action::{templates, Action, Addr};
use crate::ui::perf;
use crate::ui::state::{AppDispatcher, Gesture, UiAction};

/// Properties of [`InsertMenu`].
#[derive(Properties, PartialEq)]
pub struct InsertMenuProps {
    /// Where the new node goes.
    pub at: Addr,
    /// The placeholder text (`+ Add layer…`).
    pub label: AttrValue,
}

/// A select whose choice inserts that template at `at`. It only sends, so it takes the dispatcher: its long list
/// of options is not rebuilt on every change of the state.
#[function_component(InsertMenu)]
pub fn insert_menu(p: &InsertMenuProps) -> Html {
    let app = use_context::<AppDispatcher>();
    let items = use_memo((), |_| templates());
    let Some(app) = app else {
        return html! {};
    };
    let onchange = {
        let (at, items) = (p.at.clone(), items.clone());
        Callback::from(move |e: Event| {
            let Some(sel) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
            else {
                return;
            };
            let choice = sel.value().parse::<usize>().ok().and_then(|i| items.get(i));
            sel.set_value("");
            if let Some((_, node)) = choice {
                let edit = Action::Insert {
                    at: at.clone(),
                    node: node.clone(),
                };
                perf::send_via(&app, UiAction::Edit(edit, Gesture::Commit));
            }
        })
    };
    html! {
        <select class="insert" aria-label={p.label.clone()} {onchange}>
            <option value="" selected=true>{ p.label.clone() }</option>
            { for items.iter().enumerate().map(|(i, (label, _))| html! {
                <option value={i.to_string()}>{ *label }</option>
            }) }
        </select>
    }
}
