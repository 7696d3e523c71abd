//! The header: the name, the preset picker, and the sharing buttons.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::core::action::Action;
use crate::core::analysis::Analysis;
use crate::core::presets;
use crate::core::report;
use crate::ui::clipboard;
use crate::ui::import_drop::ImportDrop;
use crate::ui::perf;
use crate::ui::state::{AppHandle, Gesture, UiAction};
use crate::ui::url;
use crate::ui::use_url_sync;

/// Properties of [`Header`].
#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    pub analysis: Rc<Analysis>,
}

/// The top bar.
#[function_component(Header)]
pub fn header(p: &HeaderProps) -> Html {
    let app = use_context::<AppHandle>();
    let status = use_state(String::new);
    let presets = use_memo((), |_| {
        presets::all()
            .into_iter()
            .filter_map(|p| p.architecture().ok().map(|a| (p, a)))
            .collect::<Vec<_>>()
    });
    let Some(app) = app else {
        return html! {};
    };
    let current = presets
        .iter()
        .find(|(_, a)| *a == app.doc.arch)
        .map(|(p, _)| p.key);
    let onpreset = {
        let app = app.clone();
        Callback::from(move |e: Event| {
            if let Some(sel) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())
            {
                let key = sel.value();
                if !key.is_empty() {
                    perf::send(
                        &app,
                        UiAction::Edit(Action::LoadPreset(key), Gesture::Commit),
                    );
                }
            }
        })
    };
    let copy = |text: Rc<dyn Fn() -> String>, what: &'static str| {
        let status = status.clone();
        Callback::from(move |_: MouseEvent| {
            let status = status.clone();
            clipboard::copy(text(), move |ok| {
                status.set(if ok {
                    format!("{what} copied")
                } else {
                    format!("The browser refused to copy the {what}")
                });
            });
        })
    };
    let copy_link = copy(
        Rc::new(|| {
            // The URL follows changes after a short delay: bring it up to date first.
            use_url_sync::flush();
            url::href()
        }),
        "link",
    );
    let analysis = p.analysis.clone();
    let copy_md = copy(
        Rc::new(move || report::markdown(&analysis)),
        "Markdown table",
    );
    html! {
        <header class="topbar">
            <div class="brand">
                <span class="logo" aria-hidden="true">{ "▦" }</span>
                <div>
                    <h1>{ "convscope" }</h1>
                    <p class="tagline">{ "where a CNN's compute, memory and time go, layer by layer" }</p>
                </div>
            </div>
            <div class="top-controls">
                <label for="preset" class="inline-label">{ "Preset" }</label>
                <select id="preset" onchange={onpreset}>
                    if current.is_none() {
                        <option value="" selected=true>{ "— edited network —" }</option>
                    }
                    { for presets.iter().map(|(preset, _)| html! {
                        <option value={preset.key} selected={current == Some(preset.key)} title={preset.description}>
                            { preset.key }
                        </option>
                    }) }
                </select>
                <ImportDrop />
                <button type="button" id="copy-link" onclick={copy_link}>{ "Copy link" }</button>
                <button type="button" id="copy-markdown" onclick={copy_md}>{ "Copy as Markdown table" }</button>
                <span class="copy-status" role="status" aria-live="polite">{ (*status).clone() }</span>
            </div>
        </header>
    }
}
