//! Opening an ONNX file in the app: a file picker in the header and a drop anywhere on the page. The file is read
//! in the browser (nothing is uploaded), imported by `crate::import`, and becomes the normal editable network; what
//! could not be mapped is said in the notice bar. A measurement file dropped here goes to `measured_load.rs`.

use gloo::events::{EventListener, EventListenerOptions};
use js_sys::Uint8Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{DragEvent, File, HtmlInputElement};
use yew::prelude::*;

use crate::core::action::Action;
use crate::import::onnx::{self, Bytes};
use crate::ui::perf;
use crate::ui::state::{AppDispatcher, Gesture, Notice, UiAction};

/// The "Open ONNX…" button with its hidden file input; also listens for files dropped on the page.
/// A file input's `change` handler: opens the chosen file, then clears the input, so that choosing the same file
/// again fires `change` again.
pub fn on_file_chosen(open: impl Fn(web_sys::File) + 'static) -> Callback<Event> {
    Callback::from(move |e: Event| {
        let input = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok());
        if let Some(file) = input
            .as_ref()
            .and_then(|i| i.files())
            .and_then(|f| f.get(0))
        {
            open(file);
        }
        if let Some(i) = input {
            i.set_value("");
        }
    })
}

#[function_component(ImportDrop)]
pub fn import_drop() -> Html {
    let dispatcher = use_context::<AppDispatcher>();
    {
        let dispatcher = dispatcher.clone();
        use_effect_with((), move |_| {
            let listeners = dispatcher.map(drop_listeners);
            move || drop(listeners)
        });
    }
    let Some(dispatcher) = dispatcher else {
        return html! {};
    };
    let onchange = on_file_chosen(move |file| open(dispatcher.clone(), file));
    html! {
        <label class="import-onnx button" title="Open an ONNX model: it is read here, nothing is uploaded">
            { "Open ONNX…" }
            <input type="file" id="import-onnx" accept=".onnx,application/octet-stream" class="visually-hidden"
                onchange={onchange} />
        </label>
    }
}

/// `dragover` must be cancelled for the page to accept a drop; `drop` opens the first file.
fn drop_listeners(dispatcher: AppDispatcher) -> Option<[EventListener; 2]> {
    let document = web_sys::window()?.document()?;
    let active = EventListenerOptions::enable_prevent_default();
    let over =
        EventListener::new_with_options(&document, "dragover", active, |e| e.prevent_default());
    let on_drop = EventListener::new_with_options(&document, "drop", active, move |e| {
        let Some(e) = e.dyn_ref::<DragEvent>() else {
            return;
        };
        let file = e
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0));
        if let Some(file) = file {
            // Only a file drop is ours: text dropped on the spec field keeps the browser's behaviour.
            e.prevent_default();
            open(dispatcher.clone(), file);
        }
    });
    Some([over, on_drop])
}

/// Bytes read from the file per step: the page then holds one chunk besides the model in WebAssembly memory, so the
/// peak stays near the file's size (reading it whole would hold it twice), and the notice can show progress.
const CHUNK: f64 = 8e6;

/// Reads the file and imports it; a measurement (by its name, or by its text once read) is loaded instead.
fn open(dispatcher: AppDispatcher, file: File) {
    if crate::ui::measured_load::is_measurement_file(&file) {
        crate::ui::measured_load::open(dispatcher, file);
        return;
    }
    spawn_local(async move {
        let name = file.name();
        let bytes = match read(&dispatcher, &file).await {
            Some(b) => b,
            None => {
                notify(
                    &dispatcher,
                    true,
                    format!("The browser could not read {name}"),
                );
                return;
            }
        };
        if let Some(m) = measurement_text(&bytes) {
            let decoded = crate::core::measured::decode(m).map(std::rc::Rc::new);
            match decoded {
                Ok(m) => perf::send_via(&dispatcher, UiAction::LoadMeasurement(name, m)),
                Err(e) => notify(
                    &dispatcher,
                    true,
                    format!("Could not load the measurement {name}: {e}"),
                ),
            }
            return;
        }
        match onnx::read(Bytes::from(bytes)) {
            Ok(imported) => {
                perf::send_via(
                    &dispatcher,
                    UiAction::Edit(Action::ReplaceArch(imported.arch), Gesture::Commit),
                );
                let mut text = format!("Opened {name} ({} ONNX nodes).", imported.nodes);
                if let Some(p) = &imported.partial {
                    text.push_str(&format!(" Partial: {p}."));
                }
                for n in imported.notes.iter().take(3) {
                    text.push_str(&format!(" {n}."));
                }
                notify(&dispatcher, imported.partial.is_some(), text);
            }
            Err(e) => notify(&dispatcher, true, format!("Could not open {name}: {e}")),
        }
    });
}

/// The file's bytes, read in chunks; progress in the notice bar for a large file.
async fn read(dispatcher: &AppDispatcher, file: &File) -> Option<Vec<u8>> {
    let size = file.size();
    // WebAssembly's memory ends at 4 GB; leave room for the rest of the app.
    if size > 2e9 {
        return None;
    }
    let mut bytes = Vec::with_capacity(size as usize);
    let mut start = 0.0;
    while start < size {
        let end = (start + CHUNK).min(size);
        if size > CHUNK {
            notify(
                dispatcher,
                false,
                format!(
                    "Reading {} … {:.0} of {:.0} MB",
                    file.name(),
                    start / 1e6,
                    size / 1e6
                ),
            );
        }
        let chunk = file.slice_with_f64_and_f64(start, end).ok()?;
        let buffer = JsFuture::from(chunk.array_buffer()).await.ok()?;
        let view = Uint8Array::new(&buffer);
        let at = bytes.len();
        bytes.resize(at + view.length() as usize, 0);
        view.copy_to(&mut bytes[at..]);
        start = end;
    }
    Some(bytes)
}

/// The text of a measurement file that was not named `.json` (an ONNX file never starts with `{`).
fn measurement_text(bytes: &[u8]) -> Option<&str> {
    if bytes.len() > crate::core::measured::MAX_BYTES
        || bytes.trim_ascii_start().first() != Some(&b'{')
    {
        return None;
    }
    std::str::from_utf8(bytes)
        .ok()
        .filter(|t| crate::core::measured::looks_like_measurement(t))
}

fn notify(dispatcher: &AppDispatcher, error: bool, text: String) {
    dispatcher.dispatch(UiAction::Notify(Notice { error, text }));
}
