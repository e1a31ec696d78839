//! The client's browser entry: hydrates the pages a client sees (links, sign-in, the portal)
//! and nothing else, so a client's first load carries none of the staff pages' code. Built by
//! `scripts/area_bundles.sh`; the server picks it for client pages (`portico_app::Area::of_page`).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(portico_app::PortalApp);
    portico_app::mark_hydrated();
}
