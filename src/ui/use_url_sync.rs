//! Keeps the URL and the app state in step: writes the fragment after every recorded change and reopens it on
//! Back/Forward or when the address is edited by hand.

use gloo::events::EventListener;
use yew::prelude::*;

use crate::ui::state::{AppHandle, UiAction};
use crate::ui::url;

/// Installs the URL synchronisation for the app state `app`.
#[hook]
pub fn use_url_sync(app: AppHandle) {
    let revision = app.revision;
    {
        let app = app.clone();
        use_effect_with(revision, move |_| {
            url::write(&app);
        });
    }
    use_effect_with((), move |_| {
        let reopen = {
            let app = app.clone();
            move |_: &web_sys::Event| {
                let hash = url::read_hash();
                if hash.trim_start_matches('#') == url::encode(&app) {
                    return;
                }
                let (doc, selected, notice) = url::open(&hash);
                app.dispatch(UiAction::FromUrl {
                    doc,
                    selected,
                    notice,
                });
            }
        };
        let listeners = web_sys::window().map(|w| {
            let pop = reopen.clone();
            (
                EventListener::new(&w, "popstate", move |e| pop(e)),
                EventListener::new(&w, "hashchange", move |e| reopen(e)),
            )
        });
        move || drop(listeners)
    });
}
