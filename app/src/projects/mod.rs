//! Projects: the list, "New project", and a project's page with its Client portal card.

mod api;
mod view;

pub use api::*;
pub use view::*;

/// The numeric id in a route like `/projects/:id`; anything else is simply "not found".
pub fn id_param(name: &str) -> Option<i64> {
    let params = leptos_router::hooks::use_params_map();
    let id = leptos::prelude::Read::read(&params).get(name).and_then(|v| v.parse().ok());
    // Answer 404 at once, not only when the page's not-found view renders inside its
    // suspense: the status must not depend on which part of the page resolves first.
    #[cfg(feature = "ssr")]
    if id.is_none()
        && let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
    {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    id
}
