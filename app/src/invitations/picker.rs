//! "Existing contact" in the Invite client dialog: a search-as-you-type combobox (the WAI-ARIA
//! combobox pattern with a listbox popup), searching the server as the person types, never a
//! list of every client. Arrow keys move through the options, Enter picks one, Escape closes
//! the list (and only the list), and the picked contact's id goes into the form's `existing`.
//!
//! Browser only: without the wasm the dialog's new-contact fields do the same work (an
//! address the organization already knows is the same contact).

use leptos::prelude::*;
use portico_core::model::Contact;

use super::search_contacts;

/// How long typing must pause before the server is asked.
const DEBOUNCE_MS: u32 = 250;

#[component]
pub fn ContactPicker(project_id: i64, existing: RwSignal<String>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let options = RwSignal::new(Vec::<Contact>::new());
    let asked = RwSignal::new(0_u32);
    let pending = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    // Each answer carries the number of the question: a slow answer to an older question
    // never replaces a newer one.
    // `show`: open the list with the answer (typing), or only have it ready (focus).
    let ask = move |q: String, show: bool| {
        let n = asked.get_untracked() + 1;
        asked.set(n);
        let timer = gloo_timers::callback::Timeout::new(DEBOUNCE_MS, move || {
            leptos::task::spawn_local(async move {
                if let Ok(found) = search_contacts(project_id, q).await
                    && asked.get_untracked() == n
                {
                    options.set(found);
                    active.set(None);
                    if show {
                        open.set(true);
                    }
                }
            });
        });
        // Dropping the previous timeout cancels it.
        pending.set_value(Some(timer));
    };
    // A picked contact cleared from outside (the form was sent and reset) clears its name too.
    let picked = RwSignal::new(false);
    Effect::new(move |_| {
        if existing.get().is_empty() && picked.get_untracked() {
            picked.set(false);
            text.set(String::new());
            options.set(Vec::new());
        }
    });
    let pick = move |i: usize| {
        if let Some(c) = options.read_untracked().get(i) {
            picked.set(true);
            existing.set(c.id.to_string());
            text.set(format!("{} ({})", c.name, c.email));
        }
        open.set(false);
        active.set(None);
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let n = options.read_untracked().len();
        match ev.key().as_str() {
            "ArrowDown" | "ArrowUp" if n > 0 => {
                ev.prevent_default();
                let down = ev.key() == "ArrowDown";
                open.set(true);
                active.update(|a| {
                    *a = Some(match (*a, down) {
                        (None, true) => 0,
                        (None, false) => n - 1,
                        (Some(i), true) => (i + 1) % n,
                        (Some(i), false) => (i + n - 1) % n,
                    })
                });
            }
            "Enter" if open.get_untracked() => {
                if let Some(i) = active.get_untracked() {
                    // Picking, not submitting the form.
                    ev.prevent_default();
                    pick(i);
                }
            }
            "Escape" if open.get_untracked() => {
                // Closes the list, not the dialog around it.
                ev.stop_propagation();
                open.set(false);
            }
            _ => {}
        }
    };
    view! {
        <div class="field combobox">
            <label for="existing-search">"Existing contact"</label>
            <input
                id="existing-search"
                type="text"
                role="combobox"
                autocomplete="off"
                aria-autocomplete="list"
                aria-controls="existing-options"
                aria-describedby="existing-hint existing-error"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                aria-activedescendant=move || active.get().map(|i| format!("existing-option-{i}"))
                placeholder="Search by name or email"
                prop:value=move || text.get()
                on:input=move |ev| {
                    let q = event_target_value(&ev);
                    text.set(q.clone());
                    picked.set(false);
                    existing.set(String::new());
                    ask(q, true);
                }
                on:focus=move |_| if options.read_untracked().is_empty() { ask(text.get_untracked(), false) }
                on:blur=move |_| open.set(false)
                on:keydown=on_key
            />
            <ul id="existing-options" role="listbox" aria-label="Contacts" class="combobox-options" hidden=move || !open.get()>
                {move || {
                    let list = options.get();
                    if list.is_empty() {
                        return view! { <li class="combobox-none" role="option" aria-disabled="true" aria-selected="false">"No contacts match"</li> }.into_any();
                    }
                    list.into_iter()
                        .enumerate()
                        .map(|(i, c)| {
                            let selected = move || active.get() == Some(i);
                            view! {
                                <li
                                    id=format!("existing-option-{i}")
                                    role="option"
                                    class:active=selected
                                    aria-selected=move || if selected() { "true" } else { "false" }
                                    // Before the input's blur closes the list.
                                    on:mousedown=|ev| ev.prevent_default()
                                    on:click=move |_| pick(i)
                                >
                                    <span class="strong">{c.name}</span>
                                    " "
                                    <span class="muted">{c.email}</span>
                                </li>
                            }
                        })
                        .collect_view()
                        .into_any()
                }}
            </ul>
            <p class="hint" id="existing-hint">"Leave it empty to add a new contact below."</p>
        </div>
    }
}
