//! Digital forms, for staff: the Forms page, the builder (`builder.rs`), where a form is sent
//! and what clients answered; the client's side is in `portal.rs`. The rules are in
//! `portico_core::forms`; the checks of a form's content in `portico_core::model` (shared with
//! the builder, which shows them as staff type).

mod builder;
mod portal;

pub use portal::*;

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{
    FormChoice, FormDraft, FormEditor, FormResponse, FormSummary, FormsSent, SavedForm, short_date,
};

use crate::{
    components::{LoadError, StaffFrame, successes, toast_answer},
    error::AppError,
    loading::load,
};
use builder::FormBuilder;

#[server(output = Postcard)]
pub async fn load_forms() -> Result<Vec<FormSummary>, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::forms::list(&crate::server::portico()?, &staff).await?)
}

#[server(output = Postcard)]
pub async fn load_form_editor(form_id: i64) -> Result<FormEditor, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::forms::editor(&crate::server::portico()?, &staff, form_id).await?)
}

/// The forms "Send a digital form with the invitation" offers.
#[server(output = Postcard)]
pub async fn load_form_choices() -> Result<Vec<FormChoice>, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::forms::choices(&crate::server::portico()?, &staff).await?)
}

/// "Save form": a new form (no `form_id`) or a form's new name and fields. The builder needs
/// the page's script, so its content travels whole, as Postcard.
#[server(input = Postcard, output = Postcard)]
pub async fn save_form(form_id: Option<i64>, draft: FormDraft) -> Result<SavedForm, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::forms::save(&crate::server::portico()?, &staff, form_id, &draft, crate::server::client_ip())
        .await?)
}

/// "Delete form".
#[server]
pub async fn delete_form(form_id: i64) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::forms::delete(&crate::server::portico()?, &staff, form_id, crate::server::client_ip()).await?)
}

/// "Send form": to the clients of a project (`client_id` empty), or to one of them.
#[server(output = Postcard)]
pub async fn send_form(
    form_id: String,
    project_id: String,
    #[server(default)] client_id: String,
) -> Result<FormsSent, AppError> {
    let staff = crate::server::staff().await?;
    let number = |text: &str, field: &'static str, message: &str| {
        text.trim().parse::<i64>().map_err(|_| portico_core::Error::validation(field, message))
    };
    let form_id = number(&form_id, "form_id", "Choose a form.")?;
    let project_id = number(&project_id, "project_id", "Choose a project.")?;
    let only = match client_id.trim() {
        "" => None,
        id => Some(number(id, "client_id", "Choose a client.")?),
    };
    Ok(portico_core::forms::send(
        &crate::server::portico()?,
        &staff,
        form_id,
        project_id,
        only,
        crate::server::client_ip(),
    )
    .await?)
}

/// The forms sent to one client, with their answers (the client's page).
#[server(output = Postcard)]
pub async fn load_client_forms(client_id: i64) -> Result<Vec<FormResponse>, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::forms::for_client_page(&crate::server::portico()?, &staff, client_id).await?)
}

/// Forms (`/forms`): every form with how often it was sent and answered.
#[component]
pub fn FormsPage() -> impl IntoView {
    let forms = load(|| (), |_| load_forms());
    view! {
        <Title text="Forms" />
        <StaffFrame>
            <div class="page-head">
                <div>
                    <h1>"Forms"</h1>
                    <p class="lead">"Questions your clients answer in the portal: send one with an invitation and they fill it in first, or send it later to a project's clients."</p>
                </div>
                <a class="btn btn-primary" href="/forms/new">"New form"</a>
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match forms.await {
                        Ok(list) if list.is_empty() => view! {
                            <section class="card empty-state">
                                <h2 class="card-title">"No forms yet"</h2>
                                <p>"Build a form with the questions you ask every new client (their details, preferences, documents they will bring) and send it with their invitation."</p>
                                <a class="btn btn-primary" href="/forms/new">"New form"</a>
                            </section>
                        }.into_any(),
                        Ok(list) => view! {
                            <section class="card">
                                <ul class="list" aria-label="Forms">
                                    {list.into_iter().map(|f| view! {
                                        <li class="list-row">
                                            <div class="list-main">
                                                <a class="strong" href=format!("/forms/{}", f.id)>{f.name.clone()}</a>
                                                <span class="muted">{field_count(f.fields, f.required)}</span>
                                            </div>
                                            <div class="status-cell">
                                                <span class="note">{format!("Sent {} · answered {}", f.sent, f.answered)}</span>
                                                <span class="note">{format!("Changed {}", short_date(f.updated_at))}</span>
                                            </div>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                        }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

fn field_count(fields: u32, required: u32) -> String {
    let fields_text = if fields == 1 { "1 field".to_string() } else { format!("{fields} fields") };
    if required == 0 { fields_text } else { format!("{fields_text}, {required} required") }
}

/// New form (`/forms/new`).
#[component]
pub fn NewFormPage() -> impl IntoView {
    let save = ServerAction::<SaveForm>::new();
    let navigate = leptos_router::hooks::use_navigate();
    let queue = crate::components::toasts().source();
    Effect::new(move |_| {
        if let Some(Ok(saved)) = save.value().get() {
            queue.show("Form saved");
            navigate(&format!("/forms/{}", saved.id), Default::default());
        }
    });
    let start = FormDraft { name: String::new(), fields: vec![Default::default()] };
    view! {
        <Title text="New form" />
        <StaffFrame>
            <nav aria-label="Breadcrumb" class="crumbs"><a href="/forms">"Forms"</a></nav>
            <div class="page-head"><div><h1>"New form"</h1></div></div>
            <section class="card" aria-labelledby="builder-title">
                <h2 id="builder-title" class="card-title">"Questions"</h2>
                <FormBuilder id=None draft=start.clone() save />
            </section>
        </StaffFrame>
    }
}

/// A form's page (`/forms/:id`): its questions, Send form, its answers, Delete form.
#[component]
pub fn FormPage() -> impl IntoView {
    let save = ServerAction::<SaveForm>::new();
    let send = ServerAction::<SendForm>::new();
    let delete = ServerAction::<DeleteForm>::new();
    // Only the success is a toast: a refusal is said in the builder, next to what it is about.
    let queue = crate::components::toasts().source();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            queue.show("Form saved");
        }
    });
    toast_answer(send.value(), FormsSent::summary);
    let sent = successes(send.value(), send.version());
    let saved = successes(save.value(), save.version());
    let navigate = leptos_router::hooks::use_navigate();
    let said = crate::components::toasts().source();
    Effect::new(move |_| match delete.value().get() {
        Some(Ok(())) => {
            said.show("Form deleted");
            navigate("/forms", Default::default());
        }
        Some(Err(e)) => said.error(&e),
        None => {}
    });
    let editor = load(
        move || (crate::projects::id_param("id"), sent.get(), saved.get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => load_form_editor(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    // The builder is made once: saving does not reload it (what is typed stays as typed).
    let builder = load(
        || crate::projects::id_param("id"),
        |id| async move {
            match id {
                Some(id) => load_form_editor(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Form" />
        <StaffFrame>
            <nav aria-label="Breadcrumb" class="crumbs"><a href="/forms">"Forms"</a></nav>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    editor.await.ok().map(|e| {
                        let csv = format!("/forms/{}/answers.csv", e.id);
                        view! {
                            <Title text=e.draft.name.clone() />
                            <div class="page-head">
                                <div><h1>{e.draft.name.clone()}</h1></div>
                                <a class="btn btn-secondary" href=csv download="">"Download answers (CSV)"</a>
                            </div>
                        }
                    })
                })}
            </Suspense>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match builder.await {
                        Ok(e) => view! {
                            <section class="card" aria-labelledby="builder-title">
                                <h2 id="builder-title" class="card-title">"Questions"</h2>
                                <p class="hint">"Changes apply to the forms sent and not answered yet; answers already given keep the questions they answered."</p>
                                <FormBuilder id=Some(e.id) draft=e.draft.clone() save />
                            </section>
                        }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    editor.await.ok().map(|e| view! {
                        <SendFormCard form_id=e.id projects=e.projects.clone() send />
                        <ResponsesCard sent=e.sent answered=e.answered responses=e.responses.clone() />
                        <DeleteFormCard form_id=e.id answered=e.answered delete />
                    })
                })}
            </Suspense>
        </StaffFrame>
    }
}

/// "Send form" to a project's clients.
#[component]
fn SendFormCard(
    form_id: i64,
    projects: Vec<portico_core::model::ProjectOption>,
    send: ServerAction<SendForm>,
) -> impl IntoView {
    let pending = send.pending();
    let result = send.value();
    let empty = projects.is_empty();
    view! {
        <section class="card" aria-labelledby="send-form-title">
            <h2 id="send-form-title" class="card-title">"Send form"</h2>
            {if empty {
                view! { <p class="empty">"No projects yet. Create a project and invite clients to it first."</p> }.into_any()
            } else {
                view! {
                    <p class="hint">"Every client of the project who may submit forms receives it: those who already use the portal by email, those invited find it first when they accept."</p>
                    <ActionForm action=send attr:novalidate=true>
                        <input type="hidden" name="form_id" value=form_id.to_string() />
                        <input type="hidden" name="client_id" value="" />
                        <crate::components::FormError result fields=&["project_id"] />
                        <div class="field">
                            <label for="send-project">"Project"</label>
                            <select id="send-project" name="project_id" aria-describedby="send-project-error">
                                <option value="">"Choose a project"</option>
                                {projects.into_iter().map(|p| view! { <option value=p.id.to_string()>{p.name}</option> }).collect_view()}
                            </select>
                            <crate::components::FieldError result field="project_id" id="send-project-error" />
                        </div>
                        <button type="submit" class="btn btn-primary" disabled=move || pending.get()>"Send to the project's clients"</button>
                    </ActionForm>
                }.into_any()
            }}
        </section>
    }
}

/// What clients answered, newest first.
#[component]
fn ResponsesCard(sent: u64, answered: u64, responses: Vec<FormResponse>) -> impl IntoView {
    let shown = responses.len() as u64;
    view! {
        <section class="card" aria-labelledby="answers-title">
            <h2 id="answers-title" class="card-title">"Answers"</h2>
            <p class="note">{format!("Sent to {sent} · answered by {answered}")}</p>
            {(sent > shown).then(|| view! { <p class="note">{format!("Showing the latest {shown}; the CSV has them all.")}</p> })}
            {if responses.is_empty() {
                view! { <p class="empty">"Not sent yet. Send it with an invitation (Portal access → Invite client) or to a project's clients above."</p> }.into_any()
            } else {
                view! { <ResponseList responses show_form=false /> }.into_any()
            }}
        </section>
    }
}

/// Forms sent to clients, each with its status and answers (a form's page, a client's page).
#[component]
pub fn ResponseList(responses: Vec<FormResponse>, show_form: bool) -> impl IntoView {
    view! {
        <ul class="list response-list" aria-label="Responses">
            {responses.into_iter().map(|r| {
                let title_id = format!("response-{}-title", r.request_id);
                let labelled = title_id.clone();
                let heading = if show_form { r.form_name.clone() } else { r.client_name.clone() };
                let href = if show_form { format!("/forms/{}", r.form_id) } else { format!("/clients/{}", r.client_id) };
                let when = match r.answered_at {
                    Some(t) => format!("Answered {}", short_date(t)),
                    None => format!("Sent {}{}", short_date(r.sent_at), if r.with_invitation { " with the invitation" } else { "" }),
                };
                view! {
                    <li class="list-row response" aria-labelledby=labelled>
                        <div class="list-main">
                            <a class="strong" id=title_id href=href>{heading}</a>
                            <span class="muted">{r.project_name.clone()}</span>
                            {(!r.answers.is_empty()).then(|| view! {
                                <dl class="answers">
                                    {r.answers.into_iter().map(|a| {
                                        let empty = a.value.is_empty();
                                        view! {
                                            <dt>{a.label}</dt>
                                            <dd class:muted=empty>{if empty { "No answer".to_string() } else { a.value }}</dd>
                                        }
                                    }).collect_view()}
                                </dl>
                            })}
                        </div>
                        <div class="status-cell">
                            <span class=r.status.badge_class()>{r.status.label()}</span>
                            <span class="note">{when}</span>
                        </div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn DeleteFormCard(form_id: i64, answered: u64, delete: ServerAction<DeleteForm>) -> impl IntoView {
    let pending = delete.pending();
    let warning = match answered {
        0 => "Clients who have not answered it will no longer see it.".to_string(),
        1 => "The 1 answer it received is deleted with it; download the CSV first if you need it.".to_string(),
        n => format!("The {n} answers it received are deleted with it; download the CSV first if you need them."),
    };
    view! {
        <section class="card">
            <details class="danger-zone">
                <summary>"Delete…"</summary>
                <ActionForm action=delete>
                    <input type="hidden" name="form_id" value=form_id.to_string() />
                    <p>{warning}</p>
                    <button type="submit" class="btn btn-danger" disabled=move || pending.get()>"Delete form"</button>
                </ActionForm>
            </details>
        </section>
    }
}

/// The forms sent to a client with "Send form" on their page, loaded with the page.
#[derive(Clone, Copy)]
pub struct ClientForms {
    sent: crate::loading::Loaded<Result<Vec<FormResponse>, AppError>>,
    choices: crate::loading::Loaded<Result<Vec<FormChoice>, AppError>>,
    send: ServerAction<SendForm>,
}

impl ClientForms {
    /// For the client of the page's `:id`.
    pub fn for_page() -> Self {
        let send = ServerAction::<SendForm>::new();
        toast_answer(send.value(), FormsSent::summary);
        let done = successes(send.value(), send.version());
        let sent = load(
            move || (crate::projects::id_param("id"), done.get()),
            |(id, _)| async move {
                match id {
                    Some(id) => load_client_forms(id).await,
                    None => Err(AppError::NotFound),
                }
            },
        );
        let choices = load(|| (), |_| load_form_choices());
        Self { sent, choices, send }
    }
}

/// The forms sent to a client, on their page, and "Send form" to them in one of their projects.
#[component]
pub fn ClientFormsSection(
    data: ClientForms,
    client_id: i64,
    projects: Vec<portico_core::model::ProjectOption>,
) -> impl IntoView {
    let ClientForms { sent, choices, send } = data;
    let pending = send.pending();
    let result = send.value();
    let projects = StoredValue::new(projects);
    view! {
        <section class="card" aria-labelledby="client-forms-title">
            <h2 id="client-forms-title" class="card-title">"Forms"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match sent.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="empty">"No forms sent. Send one with an invitation, or below."</p>
                        }.into_any(),
                        Ok(list) => view! { <ResponseList responses=list show_form=true /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    let forms = choices.await.unwrap_or_default();
                    let projects = projects.get_value();
                    (!forms.is_empty() && !projects.is_empty()).then(|| view! {
                        <details class="composer">
                            <summary class="btn btn-secondary">"Send form"</summary>
                            <ActionForm action=send attr:novalidate=true>
                                <input type="hidden" name="client_id" value=client_id.to_string() />
                                <crate::components::FormError result fields=&["form_id", "project_id", "client_id"] />
                                <div class="field">
                                    <label for="client-send-form">"Form"</label>
                                    <select id="client-send-form" name="form_id" aria-describedby="client-send-form-error">
                                        {forms.into_iter().map(|f| view! { <option value=f.id.to_string()>{f.name}</option> }).collect_view()}
                                    </select>
                                    <crate::components::FieldError result field="form_id" id="client-send-form-error" />
                                </div>
                                <div class="field">
                                    <label for="client-send-project">"Project"</label>
                                    <select id="client-send-project" name="project_id" aria-describedby="client-send-project-error">
                                        {projects.into_iter().map(|p| view! { <option value=p.id.to_string()>{p.name}</option> }).collect_view()}
                                    </select>
                                    <crate::components::FieldError result field="project_id" id="client-send-project-error" />
                                </div>
                                <button type="submit" class="btn btn-primary" disabled=move || pending.get()>"Send form"</button>
                            </ActionForm>
                        </details>
                    })
                })}
            </Suspense>
        </section>
    }
}
