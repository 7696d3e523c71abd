//! The web app (wasm32 only): Yew components, state and URL sync. The only layer that touches the DOM.

mod app;

pub use app::mount;
