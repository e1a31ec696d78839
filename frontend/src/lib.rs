//! The browser entry: hydrate the server-rendered page, then say so.

use leptos::{mount::hydrate_from_async, prelude::document};
use wasm_bindgen::JsCast;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazy routes (split into chunks of their own): hydration waits for the current
    // page's chunk, which the server already asked the browser to preload. This is what
    // `leptos::mount::hydrate_lazy` does (`hydrate_from_async` sets up Leptos' executor itself),
    // plus the mark below once it is done.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else { return };
        let owner = hydrate_from_async(body.unchecked_into(), portico_app::App).await;
        owner.forget();
        // `<html data-hydrated="true">`: controls that need the wasm are live from here on
        // (the measurement script and tests wait for it instead of guessing from network
        // silence).
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
