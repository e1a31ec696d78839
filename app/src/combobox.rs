//! Search-as-you-type menus: the WAI-ARIA combobox pattern with a listbox popup, asking the
//! server as the person types, never sending a whole list. Arrow keys move through the
//! options, Enter picks one, Escape closes the list (and only the list).
//!
//! Two uses: "Existing contact" in the Invite client dialog (`ContactPicker`), and the
//! Project and Customer fields of filters and forms (`NamePicker`), which are rendered on the
//! server as plain text boxes so that they work before and without the wasm: the words typed
//! are settled on the server (`portico_core::names::settle`).

use std::future::Future;

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::{NameList, NamePick, ProjectOption};

use crate::error::AppError;

/// How long typing must pause before the server is asked.
const DEBOUNCE_MS: u32 = 250;

/// One option of a combobox's list.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    pub id: i64,
    pub name: String,
    /// Shown muted after the name (a contact's email).
    pub detail: Option<String>,
}

/// The text box and its list. `chosen` holds the picked option's id ("" for none) and `text`
/// the words in the box; typing clears `chosen`, picking sets both (`shown` gives the text of
/// a picked option).
#[component]
pub fn Combobox<S, Fut>(
    /// The text box's id; the list's is `<id>-options`, each option's `<id>-option-<n>`.
    id: String,
    label: &'static str,
    /// The text box's form field name (none: the words are not sent).
    #[prop(optional)]
    name: Option<String>,
    placeholder: &'static str,
    /// The list's accessible name ("Contacts").
    list_label: &'static str,
    /// The one option shown when nothing matches ("No contacts match").
    none: &'static str,
    /// Ids of the hint and error under the field.
    described_by: String,
    chosen: RwSignal<String>,
    text: RwSignal<String>,
    search: S,
    shown: fn(&Choice) -> String,
) -> impl IntoView
where
    S: Fn(String) -> Fut + Copy + Send + Sync + 'static,
    Fut: Future<Output = Result<Vec<Choice>, AppError>> + 'static,
{
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let options = RwSignal::new(Vec::<Choice>::new());
    let asked = RwSignal::new(0_u32);
    // Not `new_local`: server rendering drops the owner on another thread, which a local value
    // refuses with a panic. `None` there; a timer exists only in the browser's one thread.
    let pending = StoredValue::new(None::<send_wrapper::SendWrapper<gloo_timers::callback::Timeout>>);
    // Each answer carries the number of the question: a slow answer to an older question
    // never replaces a newer one.
    // `show`: open the list with the answer (typing), or only have it ready (focus).
    let ask = move |q: String, show: bool| {
        let n = asked.get_untracked() + 1;
        asked.set(n);
        let timer = gloo_timers::callback::Timeout::new(DEBOUNCE_MS, move || {
            leptos::task::spawn_local(async move {
                // The answer may come after the box is gone (the form saved, the page left):
                // then its signals are disposed and the answer is dropped (`try_`).
                if let Ok(found) = search(q).await
                    && asked.try_get_untracked() == Some(n)
                {
                    options.try_set(found);
                    active.try_set(None);
                    if show {
                        open.try_set(true);
                    }
                }
            });
        });
        // Dropping the previous timeout cancels it.
        pending.set_value(Some(send_wrapper::SendWrapper::new(timer)));
    };
    let pick = move |i: usize| {
        if let Some(c) = options.read_untracked().get(i) {
            chosen.set(c.id.to_string());
            text.set(shown(c));
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
    // The box follows `text` when `text` changes, but not as the page's script takes over the
    // server's HTML: hydrating a `prop:value` would overwrite what the server wrote into the
    // box (a refused plain post's words, `server/src/typed_forms.rs`). Then `text` takes the
    // box's words instead.
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |taken_over: Option<bool>| {
        let words = text.get();
        let Some(el) = input.get() else { return false };
        if el.value() != words {
            if taken_over == Some(true) { el.set_value(&words) } else { text.set(el.value()) }
        }
        true
    });
    let list_id = format!("{id}-options");
    let option_id = {
        let id = id.clone();
        move |i: usize| format!("{id}-option-{i}")
    };
    let active_option = {
        let option_id = option_id.clone();
        move || active.get().map(&option_id)
    };
    view! {
        <label for=id.clone()>{label}</label>
        <input
            id=id
            name=name
            type="text"
            role="combobox"
            autocomplete="off"
            aria-autocomplete="list"
            aria-controls=list_id.clone()
            aria-describedby=described_by
            aria-expanded=move || if open.get() { "true" } else { "false" }
            aria-activedescendant=active_option
            maxlength="200"
            placeholder=placeholder
            value=text.get_untracked()
            node_ref=input
            on:input=move |ev| {
                let q = event_target_value(&ev);
                text.set(q.clone());
                chosen.set(String::new());
                ask(q, true);
            }
            on:focus=move |_| if options.read_untracked().is_empty() { ask(text.get_untracked(), false) }
            on:blur=move |_| open.set(false)
            on:keydown=on_key
        />
        <ul id=list_id role="listbox" aria-label=list_label class="combobox-options" hidden=move || !open.get()>
            {move || {
                let list = options.get();
                if list.is_empty() {
                    return view! { <li class="combobox-none" role="option" aria-disabled="true" aria-selected="false">{none}</li> }.into_any();
                }
                list.into_iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let selected = move || active.get() == Some(i);
                        view! {
                            <li
                                id=option_id(i)
                                role="option"
                                class:active=selected
                                aria-selected=move || if selected() { "true" } else { "false" }
                                // Before the input's blur closes the list.
                                on:mousedown=|ev| ev.prevent_default()
                                on:click=move |_| pick(i)
                            >
                                <span class="strong">{c.name}</span>
                                {c.detail.map(|d| view! { " " <span class="muted">{d}</span> })}
                            </li>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </ul>
    }
}

/// The names a Project or Customer box suggests: the organization's whose name contains `q`
/// (the first ones by name when empty). `list` is `projects` or `customers`.
#[server(output = Postcard)]
pub async fn find_names(list: String, #[server(default)] q: String) -> Result<Vec<ProjectOption>, AppError> {
    use portico_core::names;
    let staff = crate::server::staff().await?;
    let list = NameList::parse(&list)?;
    Ok(names::find(&crate::server::portico()?.db, staff.org_id.0, list, &q).await?)
}

/// A Project or Customer field: the chosen id in a hidden `<field>` and the words in the box
/// as `<field>_name`, so a form sent before the wasm (or with words typed and nothing
/// picked) is settled on the server. In a filter (`choose`: the address that picks an id),
/// words that matched several or none are said under the box, the several as links.
#[component]
pub fn NamePicker(
    list: NameList,
    /// The text box's id (`clients-customer`).
    id: String,
    label: &'static str,
    field: &'static str,
    pick: NamePick,
    placeholder: &'static str,
    /// Ids of the hint and error under the field, if the form has them.
    #[prop(optional)]
    described_by: String,
    #[prop(optional)] choose: Option<Callback<i64, String>>,
) -> impl IntoView {
    let chosen = RwSignal::new(pick.id.map(|id| id.to_string()).unwrap_or_default());
    let text = RwSignal::new(pick.text.clone());
    let search = move |q: String| async move {
        let found = find_names(list.key().to_string(), q).await?;
        Ok(found.into_iter().map(|o| Choice { id: o.id, name: o.name, detail: None }).collect())
    };
    let note_id = format!("{id}-note");
    let described_by = format!("{described_by} {note_id}").trim().to_string();
    let noun = list.noun();
    let note = choose.map(|choose| {
        let typed = pick.text.clone();
        if pick.unknown {
            let said = if typed.is_empty() {
                format!("That {noun} is not one of yours. Pick one from the list.")
            } else {
                format!("No {noun} is named like \u{201c}{typed}\u{201d}.")
            };
            return view! { <p class="field-error" id=note_id.clone() role="alert">{said}</p> }.into_any();
        }
        if pick.several.is_empty() {
            return view! { <span id=note_id.clone() hidden></span> }.into_any();
        }
        let more = if pick.more { ", …" } else { "" };
        view! {
            <p class="hint" id=note_id.clone() role="status">
                {format!("Several {noun}s match \u{201c}{typed}\u{201d}: ")}
                {pick.several.iter().enumerate().map(|(i, o)| view! {
                    {(i > 0).then_some(", ")}
                    <a href=choose.run(o.id)>{o.name.clone()}</a>
                }).collect_view()}
                {more}
            </p>
        }
        .into_any()
    });
    view! {
        <input type="hidden" name=field value=move || chosen.get() />
        <Combobox
            id
            label
            name=format!("{field}_name")
            placeholder
            list_label=match list { NameList::Projects => "Projects", NameList::Customers => "Customers" }
            none=match list { NameList::Projects => "No projects match", NameList::Customers => "No customers match" }
            described_by
            chosen
            text
            search
            shown=|c| c.name.clone()
        />
        {note}
    }
}
