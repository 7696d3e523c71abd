//! The `convscope:update` performance measure: from the input event that changes the state until the browser has
//! laid out and painted the frame showing the result and the chart worker (when the charts are drawn there) has
//! drawn the charts it was asked for, visible in the browser's performance tools. Also the smaller measures of
//! its parts ([`Span`]).

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
    /// The frame showing the pending update has been painted.
    static PAINTED: Cell<bool> = const { Cell::new(false) };
    /// Chart paints of the pending update that the chart worker has not finished yet.
    static IN_WORKER: Cell<u32> = const { Cell::new(0) };
}

/// The `performance` object of the page or, in the chart worker, of the worker.
pub fn performance() -> Option<web_sys::Performance> {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .filter(|p| p.is_object())
        .map(JsCast::unchecked_into)
}

/// A performance measure named `name` from its creation to its drop (chart draws, the what-if), so the browser's
/// performance tools and the tests can tell how much of a `convscope:update` they take. In the chart worker the
/// measures are taken in the worker's timeline and passed on to the page's with the drawing ([`record`]).
pub struct Span {
    name: String,
    start: String,
    perf: Option<web_sys::Performance>,
}

impl Span {
    pub fn new(name: impl Into<String>) -> Span {
        let name = name.into();
        let start = format!("{name}:start");
        let perf = performance().filter(|p| p.mark(&start).is_ok());
        Span { name, start, perf }
    }
}

impl Drop for Span {
    fn drop(&mut self) {
        if let Some(p) = &self.perf {
            let _ = p.measure_with_start_mark(&self.name, &self.start);
            p.clear_marks_with_mark_name(&self.start);
        }
    }
}

/// Records a measure taken elsewhere (the chart worker) in the page's timeline: `start` in milliseconds since
/// the epoch (the worker's `timeOrigin` plus its `now()`), so the two timelines line up.
pub fn record(name: &str, start: f64, duration: f64) {
    let Some(p) = performance() else {
        return;
    };
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"start".into(), &(start - p.time_origin()).into());
    let _ = js_sys::Reflect::set(&options, &"duration".into(), &duration.into());
    if let Ok(measure) = js_sys::Reflect::get(&p, &"measure".into()) {
        let _ = measure
            .unchecked_into::<js_sys::Function>()
            .call2(&p, &name.into(), &options);
    }
}

/// A chart is being drawn by the chart worker: when it is for a pending update, the measure waits for it. Says
/// whether it was counted; pass that to [`worker_paint_done`] when the worker is done with it.
pub fn worker_paint_started() -> bool {
    let counted = PENDING.with(Cell::get);
    if counted {
        IN_WORKER.with(|c| c.set(c.get() + 1));
    }
    counted
}

/// The chart worker finished a paint; `counted` as [`worker_paint_started`] said.
pub fn worker_paint_done(counted: bool) {
    if !counted {
        return;
    }
    IN_WORKER.with(|c| c.set(c.get().saturating_sub(1)));
    end_if_done();
}

/// The chart worker is gone: the paints it had are not waited for.
pub fn worker_lost() {
    IN_WORKER.with(|c| c.set(0));
    end_if_done();
}

/// Ends the pending measure once its frame is painted and the chart worker has drawn what it was asked for.
fn end_if_done() {
    if PAINTED.with(Cell::get) && IN_WORKER.with(Cell::get) == 0 {
        end();
    }
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
    // A wait for a frame still on its way covers this render too. Once that frame is painted (the measure only
    // waits for the chart worker), a render for an input merged into the measure needs a frame of its own.
    if !PENDING.with(Cell::get) || (SCHEDULED.with(Cell::get) && !PAINTED.with(Cell::get)) {
        return;
    }
    SCHEDULED.with(|c| c.set(true));
    PAINTED.with(|c| c.set(false));
    let Some(window) = web_sys::window() else {
        end();
        return;
    };
    let after_paint = Closure::once_into_js(painted);
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

/// The frame is painted: ends the measure unless the chart worker still draws for it.
fn painted() {
    PAINTED.with(|c| c.set(true));
    end_if_done();
}

/// Records the measure of the pending update, if any.
fn end() {
    SCHEDULED.with(|c| c.set(false));
    PAINTED.with(|c| c.set(false));
    IN_WORKER.with(|c| c.set(0));
    if PENDING.with(|c| c.replace(false)) {
        if let Some(p) = performance() {
            let _ = p.measure_with_start_mark(MEASURE, START);
            p.clear_marks_with_mark_name(START);
        }
    }
}
