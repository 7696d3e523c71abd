//! The `convscope:update` performance measure: from the input event that changes the state until the browser has
//! laid out and painted the frame showing the result, visible in the browser's performance tools.

use std::cell::Cell;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::ui::state::{AppDispatcher, AppHandle, UiAction};

const START: &str = "convscope:input";
/// The name of the measure of one update.
pub const MEASURE: &str = "convscope:update";

thread_local! {
    /// An input is waiting for its frame (its start mark is set).
    static PENDING: Cell<bool> = const { Cell::new(false) };
    /// The end of the measure is already scheduled for the coming frame.
    static SCHEDULED: Cell<bool> = const { Cell::new(false) };
}

fn performance() -> Option<web_sys::Performance> {
    web_sys::window().and_then(|w| w.performance())
}

/// Marks the start of an update and dispatches its action.
///
/// When several inputs arrive before a frame is painted, the measure starts at the first of them: it reports the
/// longest wait a user had, not the shortest. A start whose input changed nothing (no render, so no frame was
/// scheduled) is replaced.
pub fn send(app: &AppHandle, action: UiAction) {
    send_via(&app.dispatcher(), action);
}

/// [`send`] through a dispatcher, which (unlike the state handle) stays the same from render to render, so
/// callbacks holding it can be kept and the components given them need not render again.
pub fn send_via(dispatcher: &AppDispatcher, action: UiAction) {
    if !(PENDING.with(Cell::get) && SCHEDULED.with(Cell::get)) {
        if let Some(p) = performance() {
            if p.mark(START).is_ok() {
                PENDING.with(|c| c.set(true));
            }
        }
    }
    dispatcher.dispatch(action);
}

/// Called once the app has rendered (the DOM holds the new state): ends the pending measure after the next frame.
///
/// A `requestAnimationFrame` callback runs just before the browser's style, layout and paint of that frame; a task
/// queued from it runs once they are done. Ending the measure there makes it cover what the user waits for, the
/// painted frame, and not only the DOM update.
pub fn finish() {
    if !PENDING.with(Cell::get) || SCHEDULED.with(|c| c.replace(true)) {
        return;
    }
    let Some(window) = web_sys::window() else {
        end();
        return;
    };
    let after_paint = Closure::once_into_js(end);
    let on_frame = Closure::once_into_js(move || {
        let scheduled = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(after_paint.unchecked_ref(), 0)
                .ok()
        });
        if scheduled.is_none() {
            end();
        }
    });
    if window
        .request_animation_frame(on_frame.unchecked_ref())
        .is_err()
    {
        end();
    }
}

/// Records the measure of the pending update, if any.
fn end() {
    SCHEDULED.with(|c| c.set(false));
    if PENDING.with(|c| c.replace(false)) {
        if let Some(p) = performance() {
            let _ = p.measure_with_start_mark(MEASURE, START);
            p.clear_marks_with_mark_name(START);
        }
    }
}
