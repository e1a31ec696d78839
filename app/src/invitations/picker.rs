//! "Existing contact" in the Invite client dialog: a search-as-you-type combobox over the
//! organization's contacts not on this project yet, never a list of every client; the picked
//! contact's id goes into the form's `existing`.
//!
//! Browser only: without the wasm the dialog's new-contact fields do the same work (an
//! address the organization already knows is the same contact).

use leptos::prelude::*;

use super::search_contacts;
use crate::combobox::{Choice, Combobox};

#[component]
pub fn ContactPicker(project_id: i64, existing: RwSignal<String>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    // The form was sent and reset (its `existing` cleared from outside, the picked words
    // still in the box): clear the words too. Typing changes the words before it clears
    // `existing`, so it never clears them.
    let picked_text = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        if !existing.get().is_empty() {
            picked_text.set_value(Some(text.get_untracked()));
            return;
        }
        if picked_text.get_value().is_some_and(|t| t == text.get_untracked()) {
            text.set(String::new());
        }
        picked_text.set_value(None);
    });
    let search = move |q: String| async move {
        let found = search_contacts(project_id, q).await?;
        Ok(found.into_iter().map(|c| Choice { id: c.id, name: c.name, detail: Some(c.email) }).collect())
    };
    view! {
        <div class="field combobox">
            <Combobox
                id="existing-search".to_string()
                label="Existing contact"
                placeholder="Search by name or email"
                list_label="Contacts"
                none="No contacts match"
                described_by="existing-hint existing-error".to_string()
                chosen=existing
                text
                search
                shown=|c| format!("{} ({})", c.name, c.detail.as_deref().unwrap_or_default())
            />
            <p class="hint" id="existing-hint">"Leave it empty to add a new contact below."</p>
        </div>
    }
}
