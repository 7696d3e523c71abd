//! The counting conventions in force, with the switches that change them.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::core::action::Action;
use crate::core::analysis::{Analysis, Counting, TrainingMemory};
use crate::ui::perf;
use crate::ui::state::{AppHandle, Gesture, UiAction};

/// Properties of [`Conventions`].
#[derive(Properties, PartialEq)]
pub struct ConventionsProps {
    pub analysis: Rc<Analysis>,
}

/// The conventions card.
#[function_component(Conventions)]
pub fn conventions(p: &ConventionsProps) -> Html {
    let Some(app) = use_context::<AppHandle>() else {
        return html! {};
    };
    let c = app.doc.counting;
    let switch = |label: &str, id: &str, on: bool, set: fn(&mut Counting, bool)| {
        let app = app.clone();
        let onchange = Callback::from(move |e: Event| {
            let checked = e
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .is_some_and(|i| i.checked());
            let mut counting = app.doc.counting;
            set(&mut counting, checked);
            perf::send(
                &app,
                UiAction::Edit(Action::SetCounting(counting), Gesture::Commit),
            );
        });
        html! {
            <label class="check">
                <input type="checkbox" id={id.to_string()} checked={on} {onchange} />{ label.to_string() }
            </label>
        }
    };
    html! {
        <section class="card conventions" aria-labelledby="conv-h">
            <h2 id="conv-h">{ "Conventions" }</h2>
            <p id="conventions-text">{ p.analysis.options.counting.describe() }</p>
            <div class="checks" role="group" aria-label="Also count as MACs">
                <span class="muted small">{ "Also count:" }</span>
                { switch("bias adds", "count-bias", c.bias, |c, v| c.bias = v) }
                { switch("normalisation", "count-norm", c.norm, |c, v| c.norm = v) }
                { switch("activations", "count-act", c.activation, |c, v| c.activation = v) }
                { switch("pooling", "count-pool", c.pool, |c, v| c.pool = v) }
                { switch("residual adds, SE multiplies", "count-addmul", c.add_mul, |c, v| c.add_mul = v) }
            </div>
            <p class="muted small">{ crate::core::timing::DESCRIPTION }{ " Read-once = input + weights + output. " }
                { "Training memory: " }{ TrainingMemory::DEFINITION }{ "." }</p>
            <p class="muted small" id="conventions-measured">{ "Times are estimated by the time model unless marked measured: \
                the Measured column, the measured card and the chart's measured time come from a loaded measurement file \
                (tools/measure/measure.py on your GPU or CPU), matched to the rows by module path and call." }</p>
        </section>
    }
}
