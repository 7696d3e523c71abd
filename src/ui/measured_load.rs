//! Loading a measurement file (`convscope.measurement/1`, written by `tools/measure/measure.py`): the "Load
//! measurement…" button, and a JSON file dropped on the page (`import_drop.rs` hands it over). The size is checked
//! before the file is read; decoding and every check are core's (`core::measured`), so a bad file gets the same
//! message as on the command line, in the notice bar, and the page stays as it was.

use std::rc::Rc;

use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::File;
use yew::prelude::*;

use crate::core::analysis::analyse;
use crate::core::measured::{self, Measurement};
use crate::ui::app::options;
use crate::ui::import_drop::on_file_chosen;
use crate::ui::perf;
use crate::ui::state::{AppDispatcher, AppState, Notice, UiAction};
use crate::ui::url;

/// Whether a file should be read as a measurement rather than a model: by its name or type, before reading it.
pub fn is_measurement_file(file: &File) -> bool {
    file.name().to_ascii_lowercase().ends_with(".json") || file.type_() == "application/json"
}

/// Reads a measurement file and loads it, or says in the notice bar why not.
pub fn open(dispatcher: AppDispatcher, file: File) {
    let name = file.name();
    let refuse = move |d: &AppDispatcher, why: String| {
        d.dispatch(UiAction::Notify(Notice {
            error: true,
            text: format!("Could not load the measurement {name}: {why}. Nothing was changed."),
        }));
    };
    // Refused before reading, so a huge file never reaches the page's memory.
    if let Err(e) = measured::check_size(file.size() as u64) {
        refuse(&dispatcher, e);
        return;
    }
    spawn_local(async move {
        let text = JsFuture::from(file.text())
            .await
            .ok()
            .and_then(|t| t.as_string());
        let Some(text) = text else {
            refuse(&dispatcher, "the browser could not read it as text".into());
            return;
        };
        match measured::decode(&text) {
            Ok(m) => perf::send_via(
                &dispatcher,
                UiAction::LoadMeasurement(file.name(), Rc::new(m)),
            ),
            Err(e) => refuse(&dispatcher, e),
        }
    });
}

/// Checks a decoded measurement against the page's network (batch, dtype, module paths): the measurement to load
/// and what to say, or nothing to load and why.
pub fn accept(
    state: &AppState,
    name: &str,
    m: Rc<Measurement>,
) -> (Option<Rc<Measurement>>, Notice) {
    let a = analyse(&state.doc.arch, &options(&state.doc));
    let refused = |why: String| {
        (
            None,
            Notice {
                error: true,
                text: format!("Could not load the measurement {name}: {why}. Nothing was changed."),
            },
        )
    };
    if let Err(e) = measured::check_setting(&a, &m) {
        return refused(e);
    }
    let matched = match measured::match_rows(&a, &m) {
        Ok(matched) => matched,
        Err(e) => return refused(e),
    };
    let found = m.modules.len() - matched.unmatched.len();
    let mut text = format!(
        "Loaded {name}: measured on {}, {found} of {} module calls matched to rows; the table's \"measured\" column \
         and the totals show them.",
        m.device_name,
        m.modules.len()
    );
    if !matched.unmatched.is_empty() {
        text.push_str(&format!(
            " {} measured modules are not in this network (listed under the totals).",
            matched.unmatched.len()
        ));
    }
    match measured::to_link(&m, &matched).encode() {
        Some(v) if url::fits_measured(&url::encode(state), &v) => {}
        _ => text
            .push_str(" The measured times are too long for the link: the link leaves them out."),
    }
    (Some(m), Notice { error: false, text })
}

/// The "Load measurement…" button with its hidden file input.
#[function_component(LoadMeasurement)]
pub fn load_measurement() -> Html {
    let Some(dispatcher) = use_context::<AppDispatcher>() else {
        return html! {};
    };
    let onchange = on_file_chosen(move |file| open(dispatcher.clone(), file));
    html! {
        <label class="load-measurement button"
            title="Load per-layer times measured with tools/measure/measure.py (convscope.measurement/1 JSON): read here, nothing is uploaded">
            { "Load measurement…" }
            <input type="file" id="load-measurement" accept=".json,application/json" class="visually-hidden"
                {onchange} />
        </label>
    }
}
