//! The charts' colour scheme follows the system's `prefers-color-scheme`, as the page's CSS does, and changes
//! with it while the page is open.

use gloo::events::EventListener;
use yew::prelude::*;

use crate::charts::Theme;

const DARK_QUERY: &str = "(prefers-color-scheme: dark)";

fn dark_query() -> Option<web_sys::MediaQueryList> {
    web_sys::window()?.match_media(DARK_QUERY).ok()?
}

fn theme_of(query: Option<&web_sys::MediaQueryList>) -> Theme {
    if query.is_some_and(web_sys::MediaQueryList::matches) {
        Theme::Dark
    } else {
        Theme::Light
    }
}

/// The chart theme matching the system's colour scheme now.
#[hook]
pub fn use_chart_theme() -> Theme {
    let theme = use_state(|| theme_of(dark_query().as_ref()));
    {
        let theme = theme.clone();
        use_effect_with((), move |_| {
            let listener = dark_query().map(|q| {
                let target = q.clone();
                EventListener::new(&target, "change", move |_| theme.set(theme_of(Some(&q))))
            });
            move || drop(listener)
        });
    }
    *theme
}
