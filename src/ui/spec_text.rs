//! The architecture in the text format, editable: a valid edit replaces the network at once; an invalid one shows
//! where it breaks while the last valid network stays on screen.

use wasm_bindgen::JsCast;
use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

use crate::core::action::Action;
use crate::core::format;
use crate::ui::perf;
use crate::ui::state::{AppHandle, Gesture, UiAction};
use crate::ui::use_settled::use_settled;

/// The text view.
#[function_component(SpecText)]
pub fn spec_text() -> Html {
    let app = use_context::<AppHandle>();
    // What the user typed, while it differs from the printed network (or does not parse).
    let draft = use_state(|| None::<String>);
    // A drag prints its network once it ends or pauses, not at every step.
    let dragging = app.as_ref().is_some_and(|a| a.dragging);
    let arch = use_settled(
        app.as_ref().map(|a| a.doc.arch.clone()),
        dragging,
        |_, _| true,
    );
    let printed = use_memo(arch, |a| a.as_ref().map(format::print).unwrap_or_default());
    let Some(app) = app else {
        return html! {};
    };
    let text = (*draft).clone().unwrap_or_else(|| (*printed).clone());
    let error = draft.as_ref().and_then(|d| format::parse(d).err());
    let oninput = {
        let (app, draft) = (app.clone(), draft.clone());
        Callback::from(move |e: InputEvent| {
            let Some(area) = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlTextAreaElement>().ok())
            else {
                return;
            };
            let value = area.value();
            if let Ok(arch) = format::parse(&value) {
                if arch != app.doc.arch {
                    perf::send(
                        &app,
                        UiAction::Edit(Action::ReplaceArch(arch), Gesture::Drag),
                    );
                }
            }
            draft.set(Some(value));
        })
    };
    let onblur = {
        let (app, draft) = (app.clone(), draft.clone());
        Callback::from(move |_: FocusEvent| {
            // A valid draft gives way to the canonical spelling; an invalid one stays so it can be fixed.
            if draft.as_ref().is_some_and(|d| format::parse(d).is_ok()) {
                draft.set(None);
            }
            app.dispatch(UiAction::EndGesture);
        })
    };
    // When the network changes elsewhere, a valid draft is replaced by the new spec.
    {
        let draft = draft.clone();
        let printed = (*printed).clone();
        use_effect_with(printed, move |printed| {
            if let Some(d) = draft.as_ref() {
                if format::parse(d).is_ok_and(|a| format::print(&a) != *printed) {
                    draft.set(None);
                }
            }
        });
    }
    let reset = {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| draft.set(None))
    };
    let caret = error.as_ref().map(|e| {
        let before: String = text.chars().take(e.position).collect();
        let at: String = text.chars().skip(e.position).take(12).collect();
        (
            before
                .chars()
                .rev()
                .take(24)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>(),
            at,
        )
    });
    html! {
        <section class="card spec" aria-labelledby="spec-h">
            <h2 id="spec-h">{ "Text format" }
                <span class="muted small">{ " · the spec a link carries; edit it directly" }</span>
            </h2>
            <textarea id="spec" aria-label="Architecture spec" spellcheck="false" rows="6"
                aria-invalid={error.is_some().to_string()} value={text} {oninput} {onblur} />
            if let Some(e) = error {
                <div class="spec-error" role="alert" id="spec-error">
                    <strong>{ format!("Not applied: {e}.") }</strong>
                    if let Some((before, at)) = caret {
                        <code class="caret-line">{ format!("…{before}") }<mark>{ if at.is_empty() { "⟂".to_string() } else { at } }</mark></code>
                    }
                    <span>{ " The table shows the last valid network. " }</span>
                    <button type="button" class="link-btn" onclick={reset}>{ "Revert the text" }</button>
                </div>
            }
        </section>
    }
}
