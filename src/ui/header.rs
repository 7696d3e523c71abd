//! The header: the name, the preset picker, and the sharing buttons.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::core::action::Action;
use crate::core::analysis::Analysis;
use crate::core::compare_report::{self, DiffView};
use crate::core::presets;
use crate::core::report;
use crate::ui::clipboard;
use crate::ui::compare_panel::Compared;
use crate::ui::import_drop::ImportDrop;
use crate::ui::perf;
use crate::ui::state::{AppHandle, BaselineAction, Gesture, UiAction};
use crate::ui::url;
use crate::ui::use_url_sync;

/// Properties of [`Header`].
#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    pub analysis: Rc<Analysis>,
    /// The comparison with a pinned baseline, if any: "Copy as Markdown" copies it.
    pub compared: Option<Compared>,
}

/// The preset key a `<select>` change chose (none for its empty prompt); `reset` puts the menu back to its prompt.
fn chosen(e: &Event, reset: bool) -> Option<String> {
    let sel = e
        .target()
        .and_then(|t| t.dyn_into::<HtmlSelectElement>().ok())?;
    let key = sel.value();
    if reset {
        sel.set_value("");
    }
    (!key.is_empty()).then_some(key)
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
            if let Some(key) = chosen(&e, false) {
                perf::send(
                    &app,
                    UiAction::Edit(Action::LoadPreset(key), Gesture::Commit),
                );
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
    let compared = p.compared.clone();
    let copy_md = copy(
        Rc::new(move || match &compared {
            Some(c) => compare_report::markdown(&c.base, &analysis, &c.comparison, DiffView::Stage),
            None => report::markdown(&analysis),
        }),
        "Markdown table",
    );
    let pin = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| {
            perf::send(&app, UiAction::Baseline(BaselineAction::Pin))
        })
    };
    let compare_with = {
        let app = app.clone();
        Callback::from(move |e: Event| {
            // The menu is an action, not a setting: it goes back to its prompt.
            if let Some(key) = chosen(&e, true) {
                perf::send(&app, UiAction::Baseline(BaselineAction::Preset(key)));
            }
        })
    };
    let pinned = app.baseline.is_some();
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
                <button type="button" id="pin-baseline" onclick={pin} aria-pressed={pinned.to_string()}
                    title="Keep this network, with its input and settings, as the baseline A; edits go on in B">
                    { if pinned { "Re-pin as baseline" } else { "Pin as baseline" } }
                </button>
                <select id="compare-with" onchange={compare_with} aria-label="Compare with a preset">
                    <option value="" selected=true>{ "Compare with preset…" }</option>
                    { for presets.iter().map(|(preset, _)| html! {
                        <option value={preset.key}>{ preset.key }</option>
                    }) }
                </select>
                <button type="button" id="copy-link" onclick={copy_link}>{ "Copy link" }</button>
                <button type="button" id="copy-markdown" onclick={copy_md}>{ "Copy as Markdown table" }</button>
                <span class="copy-status" role="status" aria-live="polite">{ (*status).clone() }</span>
            </div>
        </header>
    }
}
