//! The form builder: the form's name and its fields (Question, Type, Hint, Choices, Required),
//! added, moved and removed in the page, checked as staff type by the same rules the server
//! applies (`FormDraft::problems`), saved whole with "Save form".

use leptos::prelude::*;
use portico_core::model::{DraftPart, FieldKind, FormDraft, FormField};

use super::SaveForm;

/// A field in the builder, under a key of the page's own (ids are given by the server).
#[derive(Clone, Debug, PartialEq)]
struct Row {
    key: u64,
    field: FormField,
}

#[component]
pub fn FormBuilder(id: Option<i64>, draft: FormDraft, save: ServerAction<SaveForm>) -> impl IntoView {
    let name = RwSignal::new(draft.name);
    let next_key = StoredValue::new(draft.fields.len() as u64);
    let rows = RwSignal::new(
        draft.fields.into_iter().enumerate().map(|(i, field)| Row { key: i as u64, field }).collect::<Vec<_>>(),
    );
    let current =
        move || FormDraft { name: name.get(), fields: rows.with(|r| r.iter().map(|r| r.field.clone()).collect()) };
    let problems = Memo::new(move |_| current().problems());
    // Problems show once a save was tried: not while the first field is still being typed.
    let tried = RwSignal::new(false);
    let message = move |part: DraftPart| {
        tried.get().then(|| problems.with(|p| p.iter().find(|p| p.part == part).map(|p| p.message.clone()))).flatten()
    };
    let pending = save.pending();
    // A refusal about the name goes under the name; anything else above the form.
    let refusal = move || save.value().get().and_then(|r| r.err());
    let server_name_error = move || refusal().and_then(|e| e.for_field("name"));
    let server_error = move || refusal().filter(|e| e.for_field("name").is_none()).map(|e| e.to_string());
    // Saved: fields added here take the ids the server gave them, so the next save keeps them.
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            rows.update(|r| {
                for (row, field) in r.iter_mut().zip(saved.fields) {
                    row.field.id = field.id;
                }
            });
        }
    });
    // Until the page's script runs the builder cannot work: its button says so by being off.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let add = move |_| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        rows.update(|r| r.push(Row { key, field: FormField::default() }));
        // The new field's question is where typing goes next.
        request_animation_frame(move || focus(&format!("field-{key}-label")));
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        tried.set(true);
        let found = problems.get_untracked();
        match found.first() {
            None => {
                save.dispatch(SaveForm { form_id: id, draft: current() });
            }
            Some(first) => {
                let target = match first.part {
                    DraftPart::Name => "form-name".to_string(),
                    DraftPart::Fields => "add-field".to_string(),
                    DraftPart::Label(i) | DraftPart::Help(i) | DraftPart::Choices(i) => {
                        let key = rows.with_untracked(|r| r.get(i).map(|r| r.key)).unwrap_or_default();
                        let part = match first.part {
                            DraftPart::Help(_) => "help",
                            DraftPart::Choices(_) => "choices",
                            _ => "label",
                        };
                        format!("field-{key}-{part}")
                    }
                };
                focus(&target);
            }
        }
    };
    let name_error = move || message(DraftPart::Name).or_else(server_name_error);
    let fields_error = move || message(DraftPart::Fields);
    view! {
        <form class="form-builder" on:submit=submit novalidate>
            <p class="form-error" role="alert" hidden=move || server_error().is_none()>{server_error}</p>
            <div class="field">
                <label for="form-name">"Form name"</label>
                <input
                    id="form-name"
                    maxlength="200"
                    prop:value=move || name.get()
                    on:input=move |ev| {
                        name.set(event_target_value(&ev));
                        if server_name_error().is_some() {
                            save.value().set(None);
                        }
                    }
                    aria-invalid=move || name_error().is_some().to_string()
                    aria-describedby="form-name-error"
                />
                <p class="field-error" id="form-name-error" role="alert" hidden=move || name_error().is_none()>{name_error}</p>
            </div>
            <ol class="builder-fields">
                <For each=move || rows.get().into_iter().enumerate() key=|(_, r)| r.key let((_, row))>
                    <FieldEditor row rows message />
                </For>
            </ol>
            <p class="field-error" role="alert" hidden=move || fields_error().is_none()>{fields_error}</p>
            <div class="actions">
                <button type="button" id="add-field" class="btn btn-secondary" on:click=add disabled=move || !hydrated.get()>"Add field"</button>
                <button type="submit" class="btn btn-primary" disabled=move || !hydrated.get() || pending.get()>
                    {move || if pending.get() { "Saving…" } else { "Save form" }}
                </button>
            </div>
        </form>
    }
}

fn focus(id: &str) {
    focus_first_of(&[id]);
}

/// Focuses the first of these elements that can take it (a disabled button cannot).
fn focus_first_of(ids: &[&str]) {
    use wasm_bindgen::JsCast;
    for id in ids {
        if let Some(el) = document().get_element_by_id(id)
            && !el.has_attribute("disabled")
            && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = el.focus();
            return;
        }
    }
}

/// One field of the builder. Its number, and whether it can move, follow its place in the list.
#[component]
fn FieldEditor(
    row: Row,
    rows: RwSignal<Vec<Row>>,
    message: impl Fn(DraftPart) -> Option<String> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let key = row.key;
    let place = move || rows.with(|r| r.iter().position(|r| r.key == key));
    let count = move || rows.with(Vec::len);
    let edit = move |change: &dyn Fn(&mut FormField)| {
        rows.update(|r| {
            if let Some(row) = r.iter_mut().find(|r| r.key == key) {
                change(&mut row.field);
            }
        })
    };
    let get = move |read: fn(&FormField) -> String| {
        rows.with(|r| r.iter().find(|r| r.key == key).map(|r| read(&r.field)).unwrap_or_default())
    };
    let kind = move || rows.with(|r| r.iter().find(|r| r.key == key).map(|r| r.field.kind).unwrap_or_default());
    let move_by = move |delta: isize| {
        rows.update(|r| {
            if let Some(at) = r.iter().position(|r| r.key == key) {
                let to = at as isize + delta;
                if to >= 0 && (to as usize) < r.len() {
                    r.swap(at, to as usize);
                }
            }
        });
        // The button pressed moved with its field: keep the focus on it, or on the other one
        // when the field reached the end of the list (the pressed one is then off).
        let (pressed, other) = if delta < 0 { ("up", "down") } else { ("down", "up") };
        request_animation_frame(move || {
            focus_first_of(&[&format!("field-{key}-{pressed}"), &format!("field-{key}-{other}")])
        });
    };
    let number = move || place().map_or(0, |i| i + 1);
    // Removed: the focus goes to the next field's question (or the previous one's, or Add field).
    let remove = move || {
        let neighbour = rows.with_untracked(|r| {
            let at = r.iter().position(|r| r.key == key)?;
            r.get(at + 1).or_else(|| at.checked_sub(1).and_then(|i| r.get(i))).map(|r| r.key)
        });
        rows.update(|r| r.retain(|r| r.key != key));
        let target = neighbour.map_or_else(|| "add-field".to_string(), |k| format!("field-{k}-label"));
        request_animation_frame(move || focus(&target));
    };
    let error_of = move |part: fn(usize) -> DraftPart| move || place().and_then(|i| message(part(i)));
    let label_error = error_of(DraftPart::Label);
    let help_error = error_of(DraftPart::Help);
    let choices_error = error_of(DraftPart::Choices);
    let id = move |part: &str| format!("field-{key}-{part}");
    let legend_id = id("legend");
    view! {
        <li class="builder-field">
            <fieldset>
                <legend id=legend_id>{move || format!("Field {}", number())}</legend>
                <div class="builder-grid">
                    <div class="field">
                        <label for=id("label")>"Question"</label>
                        <input
                            id=id("label")
                            maxlength="300"
                            prop:value=move || get(|f| f.label.clone())
                            on:input=move |ev| { let v = event_target_value(&ev); edit(&|f| f.label = v.clone()) }
                            aria-invalid=move || label_error().is_some().to_string()
                            aria-describedby=id("label-error")
                        />
                        <p class="field-error" id=id("label-error") role="alert" hidden=move || label_error().is_none()>{label_error}</p>
                    </div>
                    <div class="field">
                        <label for=id("kind")>"Type"</label>
                        <select
                            id=id("kind")
                            on:change=move |ev| {
                                let chosen = FieldKind::from_key(&event_target_value(&ev)).unwrap_or_default();
                                edit(&|f| f.kind = chosen)
                            }
                        >
                            {FieldKind::ALL.into_iter().map(|k| view! {
                                <option value=k.key() selected=move || kind() == k>{k.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                </div>
                <div class="field">
                    <label for=id("help")>"Hint (optional)"</label>
                    <input
                        id=id("help")
                        maxlength="600"
                        prop:value=move || get(|f| f.help.clone())
                        on:input=move |ev| { let v = event_target_value(&ev); edit(&|f| f.help = v.clone()) }
                        aria-invalid=move || help_error().is_some().to_string()
                        aria-describedby=id("help-error")
                    />
                    <p class="field-error" id=id("help-error") role="alert" hidden=move || help_error().is_none()>{help_error}</p>
                </div>
                {move || kind().has_choices().then(|| view! {
                    <div class="field">
                        <label for=id("choices")>"Choices (one per line)"</label>
                        <textarea
                            id=id("choices")
                            rows="4"
                            prop:value=move || get(|f| f.choices.join("\n"))
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                edit(&|f| f.choices = v.split('\n').map(str::to_string).collect())
                            }
                            aria-invalid=move || choices_error().is_some().to_string()
                            aria-describedby=id("choices-error")
                        ></textarea>
                        <p class="field-error" id=id("choices-error") role="alert" hidden=move || choices_error().is_none()>{choices_error}</p>
                    </div>
                })}
                <div class="builder-row-actions">
                    <label class="choice-row" for=id("required")>
                        <input
                            type="checkbox"
                            id=id("required")
                            prop:checked=move || rows.with(|r| r.iter().any(|r| r.key == key && r.field.required))
                            on:change=move |ev| { let on = event_target_checked(&ev); edit(&|f| f.required = on) }
                        />
                        <span>"Required"</span>
                    </label>
                    <span class="spacer"></span>
                    <button type="button" id=id("up") class="btn btn-quiet btn-small" disabled=move || place() == Some(0)
                        aria-label=move || format!("Move field {} up", number()) on:click=move |_| move_by(-1)>"Move up"</button>
                    <button type="button" id=id("down") class="btn btn-quiet btn-small" disabled=move || place().map(|i| i + 1) == Some(count())
                        aria-label=move || format!("Move field {} down", number()) on:click=move |_| move_by(1)>"Move down"</button>
                    <button type="button" class="btn btn-danger-quiet btn-small"
                        aria-label=move || format!("Remove field {}", number())
                        on:click=move |_| remove()>"Remove"</button>
                </div>
            </fieldset>
        </li>
    }
}
