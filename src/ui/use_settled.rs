//! A value that follows the state between gestures, but not at every step of a drag: the views beside the
//! dragged control (the layer list, the text view) show it at the gesture's end or when the drag pauses.
//!
//! A slider step on resnet50 re-rendered every item of the layer list (each takes the new analysis) and re-printed
//! the whole spec into the text view, neither of which the user looks at while dragging. The table, the totals and
//! the charts still follow every step; the dragged slider follows its own node, which stays live.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use yew::prelude::*;

/// How long a drag must pause before the settled views catch up with it.
pub const IDLE_MS: u32 = 250;

/// What the hook keeps between renders: the value last shown, and the catch-up waiting for a pause.
struct Settled<T> {
    shown: T,
    catch_up: Option<Timeout>,
}

/// Returns `live` when no gesture is under way; during one (`dragging`), the value as it was when the gesture
/// started, as long as `keeps(shown, live)` says the shown value still fits the live one. [`IDLE_MS`] after the
/// last step of a drag the component renders again with the live value.
#[hook]
pub fn use_settled<T, F>(live: T, dragging: bool, keeps: F) -> T
where
    T: Clone + PartialEq + 'static,
    F: Fn(&T, &T) -> bool,
{
    let cell: Rc<RefCell<Settled<T>>> = use_mut_ref(|| Settled {
        shown: live.clone(),
        catch_up: None,
    });
    let refresh = use_force_update();
    let mut s = cell.borrow_mut();
    if !dragging || s.shown == live || !keeps(&s.shown, &live) {
        s.shown = live.clone();
        // Dropping a timeout cancels it.
        s.catch_up = None;
        return live;
    }
    // The timer holds the latest live value: the next step replaces (and so cancels) it.
    let (cell_at_idle, latest) = (cell.clone(), live);
    s.catch_up = Some(Timeout::new(IDLE_MS, move || {
        // The fired timer stays in place: dropping it here would free the closure that is running.
        if let Ok(mut s) = cell_at_idle.try_borrow_mut() {
            s.shown = latest;
        }
        refresh.force_update();
    }));
    s.shown.clone()
}
