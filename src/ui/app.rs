//! The root component.

use yew::prelude::*;

#[function_component(App)]
fn app() -> Html {
    html! { <main>{ "convscope" }</main> }
}

/// Mounts the app on the document body.
pub fn mount() {
    yew::Renderer::<App>::new().render();
}
