//! The front desk's browser entry: hydrates the dashboard and the pages where staff come in
//! (setup, sign-in, joining a team, a forgotten password) and nothing else, so the pages staff
//! load first and most carry none of the other staff pages' code. Built by
//! `scripts/area_bundles.sh`; the server picks it for these pages (`portico_app::Area::of_page`).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(portico_app::FrontDeskApp);
    portico_app::mark_hydrated();
}
