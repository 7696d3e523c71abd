//! The `convscope:update` performance measure: from the input event that changes the state to the end of the
//! repaint it causes, visible in the browser's performance tools.

use std::cell::Cell;

use crate::ui::state::{AppHandle, UiAction};

const START: &str = "convscope:input";
/// The name of the measure of one update.
pub const MEASURE: &str = "convscope:update";

thread_local! {
    static PENDING: Cell<bool> = const { Cell::new(false) };
}

fn performance() -> Option<web_sys::Performance> {
    web_sys::window().and_then(|w| w.performance())
}

/// Marks the start of an update and dispatches its action.
pub fn send(app: &AppHandle, action: UiAction) {
    if let Some(p) = performance() {
        if p.mark(START).is_ok() {
            PENDING.with(|c| c.set(true));
        }
    }
    app.dispatch(action);
}

/// Ends the pending measure, if any; called once the app has rendered.
pub fn finish() {
    if PENDING.with(|c| c.replace(false)) {
        if let Some(p) = performance() {
            let _ = p.measure_with_start_mark(MEASURE, START);
            p.clear_marks_with_mark_name(START);
        }
    }
}
