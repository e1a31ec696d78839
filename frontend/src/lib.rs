//! The browser entry: hydrate the server-rendered page, then say so.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(portico_app::App);
    // `<html data-hydrated="true">`: controls that need the wasm are live from here on (the
    // measurement script and tests wait for it instead of guessing from network silence).
    if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
