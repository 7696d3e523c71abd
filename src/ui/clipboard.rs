//! Copying text to the clipboard through the asynchronous Clipboard API.

/// Copies `text`; calls `done(true)` on success, `done(false)` when the browser refuses.
pub fn copy(text: String, done: impl FnOnce(bool) + 'static) {
    let Some(window) = web_sys::window() else {
        done(false);
        return;
    };
    let promise = window.navigator().clipboard().write_text(&text);
    wasm_bindgen_futures::spawn_local(async move {
        done(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok());
    });
}
