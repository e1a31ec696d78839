//! The Customer field of the client and project forms: pick one of the organization's
//! customers, or "Add a new customer…" and name it right there, without leaving the form.

use leptos::prelude::*;
use portico_core::model::ProjectOption;

use crate::{components::FieldMessage, error::AppError};

/// The menu's value for a new customer (`customers::NEW_CUSTOMER` on the server).
const NEW_CUSTOMER: &str = "new";

/// `prefix` keeps ids unique per form (`client-customer`, `project-customer`). The "New
/// customer name" field shows only while "Add a new customer…" is chosen — by the stylesheet
/// (`:has`), so it works before the wasm arrives.
#[component]
pub fn CustomerPick(
    customers: Vec<ProjectOption>,
    selected: Option<i64>,
    error: Signal<Option<AppError>>,
    prefix: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let select_id = format!("{prefix}-customer");
    let name_id = format!("{prefix}-new-customer");
    let (hint_id, error_id) = (format!("{select_id}-hint"), format!("{select_id}-error"));
    let name_error_id = format!("{name_id}-error");
    let described = format!("{hint_id} {error_id}");
    view! {
        <div class="field customer-pick">
            <label for=select_id.clone()>"Customer"</label>
            <select id=select_id name="customer" aria-describedby=described>
                <option value="" selected=selected.is_none()>"No customer"</option>
                {customers.into_iter().map(|c| {
                    let chosen = selected == Some(c.id);
                    view! { <option value=c.id.to_string() selected=chosen>{c.name}</option> }
                }).collect_view()}
                <option value=NEW_CUSTOMER>"Add a new customer…"</option>
            </select>
            <p class="hint" id=hint_id>{hint.unwrap_or("The business or person they belong to.")}</p>
            <FieldMessage error field="customer" id=error_id />
            <div class="field new-customer">
                <label for=name_id.clone()>"New customer name"</label>
                <input id=name_id name="new_customer" maxlength="200" autocomplete="off"
                    aria-describedby=name_error_id.clone() />
                <FieldMessage error field="new_customer" id=name_error_id />
            </div>
        </div>
    }
}
