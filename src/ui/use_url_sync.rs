//! Keeps the URL and the app state in step: writes the fragment shortly after every recorded change and reopens it
//! on Back/Forward or when the address is edited by hand.
//!
//! `history.pushState` costs tens of milliseconds in Chromium (a round trip to the browser process), so writes are
//! taken off the input → repaint path: they run [`WRITE_DELAY_MS`] after the last change, and a burst of changes
//! (a slider drag, keys held down) becomes one history entry, a push if any change in it asked for one.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use yew::prelude::*;

use crate::ui::state::{AppHandle, AppState, HistoryMode, UiAction};
use crate::ui::url;

/// How long after the last change the URL is written.
pub const WRITE_DELAY_MS: u32 = 120;

/// A write waiting for its delay: its timer, the state it will write (which says push or replace) and the
/// measured times' link value (derived from the state's analysis).
struct Pending {
    timer: Timeout,
    state: AppState,
    meas: Option<Rc<str>>,
}

thread_local! {
    /// The scheduled write.
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
}

fn schedule(app: &AppState, meas: Option<Rc<str>>) {
    if app.history == HistoryMode::Keep {
        return;
    }
    let mut latest = app.clone();
    PENDING.with(|p| {
        let mut p = p.borrow_mut();
        let push = app.history == HistoryMode::Push
            || p.as_ref()
                .is_some_and(|w| w.state.history == HistoryMode::Push);
        if let Some(w) = p.take() {
            w.timer.cancel();
        }
        latest.history = if push {
            HistoryMode::Push
        } else {
            HistoryMode::Replace
        };
        let timer = Timeout::new(WRITE_DELAY_MS, flush);
        *p = Some(Pending {
            timer,
            state: latest,
            meas,
        });
    });
}

/// Writes the scheduled state now, if a write is waiting: before the link is copied, and when the page is left,
/// so neither sees the URL of a moment ago.
pub fn flush() {
    if let Some(w) = PENDING.with(|p| p.borrow_mut().take()) {
        w.timer.cancel();
        url::write(&w.state, w.meas.as_deref());
    }
}

/// Drops a scheduled write (the URL changed under us).
fn cancel() {
    PENDING.with(|p| {
        if let Some(w) = p.borrow_mut().take() {
            w.timer.cancel();
        }
    });
}

/// Installs the URL synchronisation for the app state `app`; `meas` is the `meas=` value of its measured times.
#[hook]
pub fn use_url_sync(app: AppHandle, meas: Option<Rc<str>>) {
    let revision = app.revision;
    {
        let app = app.clone();
        use_effect_with(revision, move |_| schedule(&app, meas));
    }
    use_effect_with((), move |_| {
        let reopen = {
            let app = app.clone();
            move |_: &web_sys::Event| {
                let hash = url::read_hash();
                cancel();
                app.dispatch(UiAction::FromUrl(url::open(&hash)));
            }
        };
        let listeners = web_sys::window().map(|w| {
            let pop = reopen.clone();
            (
                EventListener::new(&w, "popstate", move |e| pop(e)),
                EventListener::new(&w, "hashchange", move |e| reopen(e)),
                EventListener::new(&w, "pagehide", |_| flush()),
            )
        });
        move || drop(listeners)
    });
}
