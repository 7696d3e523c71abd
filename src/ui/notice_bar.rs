//! The message bar: why a link could not be opened as it was, or what a copy did.

use yew::prelude::*;

use crate::ui::state::{AppHandle, UiAction};

/// Shows the current notice, if any, with a dismiss button.
#[function_component(NoticeBar)]
pub fn notice_bar() -> Html {
    let Some(app) = use_context::<AppHandle>() else {
        return html! {};
    };
    let Some(notice) = app.notice.clone() else {
        return html! {};
    };
    let dismiss = {
        let app = app.clone();
        Callback::from(move |_: MouseEvent| app.dispatch(UiAction::Dismiss))
    };
    let class = if notice.error {
        "notice error"
    } else {
        "notice info"
    };
    html! {
        <div class={class} role={if notice.error { "alert" } else { "status" }}>
            <span class="notice-text">{ notice.text }</span>
            <button type="button" class="ghost" onclick={dismiss} aria-label="Dismiss message">{ "✕" }</button>
        </div>
    }
}
