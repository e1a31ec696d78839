//! The staff browser entry: hydrate the server-rendered page (any page: this bundle holds them
//! all), then say so. Client pages load the smaller bundle of `frontend/portal`.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(portico_app::App);
    portico_app::mark_hydrated();
}
