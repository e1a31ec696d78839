//! The Customer field of the client and project forms: find one of the organization's
//! customers by typing part of its name, or "Add a new customer" and name it right there,
//! without leaving the form. Both work before the wasm arrives: the words in the box are
//! settled on the server, and "Add a new customer" is a disclosure (`<details>`).

use leptos::prelude::*;
use portico_core::model::NamePick;

use crate::{combobox::NamePicker, components::FieldMessage, error::AppError};

/// `prefix` keeps ids unique per form (`client-customer`, `project-customer`); `pick` is the
/// customer they have now (none for a new client or project).
#[component]
pub fn CustomerPick(
    #[prop(default = NamePick::default())] pick: NamePick,
    error: Signal<Option<AppError>>,
    prefix: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
) -> impl IntoView {
    let box_id = format!("{prefix}-customer");
    let name_id = format!("{prefix}-new-customer");
    let (hint_id, error_id) = (format!("{box_id}-hint"), format!("{box_id}-error"));
    let (name_hint_id, name_error_id) = (format!("{name_id}-hint"), format!("{name_id}-error"));
    let described = format!("{hint_id} {error_id}");
    // A refused new customer name is said inside "Add a new customer": the section opens for
    // it (as the page renders it after a plain post, and when the wasm hears the refusal). It is
    // never closed for the person: what they typed in it stays in sight.
    let refused_here = move || error.with(|e| e.as_ref().is_some_and(|e| e.for_field("new_customer").is_some()));
    let section = NodeRef::<leptos::html::Details>::new();
    Effect::new(move |_| {
        if refused_here()
            && let Some(section) = section.get_untracked()
        {
            let _ = section.set_attribute("open", "");
        }
    });
    view! {
        <div class="field combobox customer-pick">
            <NamePicker list=portico_core::model::NameList::Customers id=box_id label="Customer" field="customer" pick
                placeholder="No customer" described_by=described />
            <p class="hint" id=hint_id>
                {hint.unwrap_or("The business or person they belong to.")}
                " Type part of its name to find it."
            </p>
            <FieldMessage error field="customer" id=error_id />
            <details class="new-customer" node_ref=section open=untrack(refused_here)>
                <summary>"Add a new customer"</summary>
                <div class="field">
                    <label for=name_id.clone()>"New customer name"</label>
                    <input id=name_id name="new_customer" maxlength="200" autocomplete="off"
                        aria-describedby=format!("{name_hint_id} {name_error_id}") />
                    <p class="hint" id=name_hint_id>"Filled in, it is added as a new customer instead of the one above."</p>
                    <FieldMessage error field="new_customer" id=name_error_id />
                </div>
            </details>
        </div>
    }
}
