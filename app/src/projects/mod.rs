//! Projects: the list, "New project", and a project's page with its Client portal card.

mod api;
mod view;

pub use api::*;
pub use view::*;

/// The numeric id in a route like `/projects/:id`; anything else is simply "not found".
pub fn id_param(name: &str) -> Option<i64> {
    let params = leptos_router::hooks::use_params_map();
    leptos::prelude::Read::read(&params).get(name).and_then(|v| v.parse().ok())
}

/// A numeric query parameter (`?project=12`); absent or not a number is `None`.
pub fn query_id(name: &str) -> Option<i64> {
    let query = leptos_router::hooks::use_query_map();
    leptos::prelude::Read::read(&query).get(name).and_then(|v| v.parse().ok())
}
