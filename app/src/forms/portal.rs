//! Digital forms in the client portal: the form to fill (`/portal/forms/:id`) and a project's
//! Forms section. "Send answers" and "Skip for now" are a plain form post to a route of the
//! server (`server/src/forms.rs`): they work before and without the page's script; a refused
//! send comes back with each problem in the address and what was typed kept on the server.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{
    AnswerProblem, FieldKind, FormField, FormRequestStatus, PortalFormPage, PortalFormRow, answer_text, short_date,
};

use crate::{
    client_access::ClientSignInRedirect,
    components::{Confirmation, GoTo, NotFound},
    error::AppError,
    loading::load,
    portal::PortalBar,
    projects::id_param,
};

#[server(output = Postcard)]
pub async fn load_portal_form(request_id: i64) -> Result<PortalFormPage, AppError> {
    let client = crate::server::portal_client().await?;
    Ok(portico_core::forms::open_for_client(&crate::server::portico()?, &client, request_id).await?)
}

/// What the last send said, from the address: each field's problem, or that skipping was
/// refused.
#[derive(Clone, Debug, Default, PartialEq)]
struct Sent {
    problems: Vec<(u32, AnswerProblem)>,
    cannot_skip: bool,
}

impl Sent {
    fn of_page() -> Sent {
        let query = leptos_router::hooks::use_query_map();
        query.with_untracked(|q| {
            let raw = q.get("problems").unwrap_or_default();
            Sent {
                cannot_skip: raw.split(',').any(|p| p == "skip"),
                problems: raw
                    .split(',')
                    .filter_map(|p| {
                        let (field, key) = p.split_once(':')?;
                        Some((field.parse().ok()?, AnswerProblem::from_key(key)?))
                    })
                    .collect(),
            }
        })
    }
}

/// A form to fill (`/portal/forms/:id`).
#[component]
pub fn PortalFormView() -> impl IntoView {
    let page = load(
        move || id_param("id"),
        |id| async move {
            match id {
                Some(id) => load_portal_form(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(AppError::Unauthorized) => view! { <ClientSignInRedirect /> }.into_any(),
                    Err(AppError::Conflict(notice)) => view! { <crate::portal::SwitchedOff notice /> }.into_any(),
                    Err(AppError::Forbidden) => view! { <NotAllowed /> }.into_any(),
                    Err(_) => view! { <NotFound /> }.into_any(),
                    Ok(p) if p.needs_password => view! { <GoTo path="/portal/password" /> }.into_any(),
                    Ok(p) => view! { <FormPageBody p /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NotAllowed() -> impl IntoView {
    view! {
        <main id="main" class="page">
            <section class="card">
                <h1>"This form is not available to you"</h1>
                <p>"Your access in this project does not include forms. Ask the team if you think it should."</p>
                <a class="btn btn-primary" href="/portal">"Go to your projects"</a>
            </section>
        </main>
    }
}

#[component]
fn FormPageBody(p: PortalFormPage) -> impl IntoView {
    let sent = Sent::of_page();
    let answered = p.status == FormRequestStatus::Answered;
    let skippable = p.skippable();
    let required = p.fields.iter().any(|f| f.required);
    let values = p.values.clone();
    let value_of = move |id: u32| values.iter().find(|(f, _)| *f == id).map(|(_, v)| v.clone()).unwrap_or_default();
    let first_problem = sent.problems.first().map(|(id, _)| *id);
    // Sent back with problems: the focus goes to the first answer to fix.
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        if let Some(id) = first_problem
            && let Some(el) = document().query_selector(&format!("[name=f{id}]")).ok().flatten()
            && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = el.focus();
        }
    });
    let project_href = format!("/portal/projects/{}", p.project_id);
    view! {
        <Title text=format!("{} · {}", p.name, p.org_name) />
        <PortalBar org_name=p.org_name.clone() />
        <main id="main" class="page page-narrow">
            <nav aria-label="Breadcrumb" class="crumbs">
                // Until a form that came with the invitation is answered, the home leads back here.
                {(!p.comes_first || skippable).then(|| view! {
                    <a href="/portal">"Your projects"</a>
                    <span aria-hidden="true">" / "</span>
                })}
                <a href=project_href.clone()>{p.project_name.clone()}</a>
            </nav>
            <h1 id="form-title">{p.name.clone()}</h1>
            {if answered {
                let fields = p.fields.clone();
                let when = p.answered_at.map(short_date).unwrap_or_default();
                view! {
                    <Confirmation text=format!("You sent your answers on {when}. Thank you.") />
                    <section class="card">
                        <dl class="answers">
                            {fields.into_iter().map(|f| {
                                let text = answer_text(&f, &value_of(f.id));
                                let empty = text.is_empty();
                                view! { <dt>{f.label}</dt><dd class:muted=empty>{if empty { "No answer".to_string() } else { text }}</dd> }
                            }).collect_view()}
                        </dl>
                    </section>
                    <a class="btn btn-secondary" href=project_href>"Back to the project"</a>
                }.into_any()
            } else {
                let problems = sent.problems.clone();
                let count = problems.len();
                view! {
                    <p class="lead">{format!("{} asks you to fill in this form for {}.", p.org_name, p.project_name)}</p>
                    {required.then(|| view! { <p class="hint">"Questions marked “required” must be answered."</p> })}
                    {(count > 0).then(|| view! {
                        <p class="form-error" role="alert">
                            {if count == 1 { "One answer needs your attention.".to_string() } else { format!("{count} answers need your attention.") }}
                        </p>
                    })}
                    {sent.cannot_skip.then(|| view! {
                        <p class="form-error" role="alert">"This form has required questions: answer them to continue."</p>
                    })}
                    <form class="card client-form" method="post" action=format!("/portal/forms/{}", p.request_id) novalidate>
                        {p.fields.into_iter().map(|f| {
                            let problem = problems.iter().find(|(id, _)| *id == f.id).map(|(_, pr)| pr.message(&f));
                            let given = value_of(f.id);
                            let first = first_problem == Some(f.id);
                            view! { <Question field=f given problem first /> }
                        }).collect_view()}
                        <div class="actions">
                            <button type="submit" name="action" value="send" class="btn btn-primary">"Send answers"</button>
                            {skippable.then(|| view! {
                                <button type="submit" name="action" value="skip" class="btn btn-quiet">"Skip for now"</button>
                            })}
                        </div>
                    </form>
                }.into_any()
            }}
        </main>
    }
}

/// One question of the form, with what was given and its problem.
#[component]
fn Question(field: FormField, given: Vec<String>, problem: Option<String>, first: bool) -> impl IntoView {
    let id = format!("f{}", field.id);
    let error_id = format!("{id}-error");
    let help_id = format!("{id}-help");
    let described = match (field.help.is_empty(), problem.is_some()) {
        (true, false) => None,
        (true, true) => Some(error_id.clone()),
        (false, false) => Some(help_id.clone()),
        (false, true) => Some(format!("{help_id} {error_id}")),
    };
    let invalid = problem.is_some().then_some("true");
    let required = field.required.then_some("true");
    // The first answer to fix takes the focus as the page loads, script or not.
    let autofocus = first.then_some("");
    let label = view! {
        {field.label.clone()}
        {field.required.then(|| view! { <span class="required">" (required)"</span> })}
    };
    let help = (!field.help.is_empty()).then(|| view! { <p class="hint" id=help_id.clone()>{field.help.clone()}</p> });
    let error = problem.map(|m| view! { <p class="field-error" id=error_id.clone()>{m}</p> });
    let typed = given.first().cloned().unwrap_or_default();
    match field.kind {
        FieldKind::ShortText | FieldKind::LongText | FieldKind::Date => {
            let input = match field.kind {
                FieldKind::LongText => view! {
                    <textarea id=id.clone() name=id.clone() rows="5" maxlength="5000" autofocus=autofocus aria-required=required aria-invalid=invalid aria-describedby=described>{crate::components::textarea_text(typed)}</textarea>
                }.into_any(),
                FieldKind::Date => view! {
                    <input type="date" id=id.clone() name=id.clone() value=typed autofocus=autofocus aria-required=required aria-invalid=invalid aria-describedby=described />
                }.into_any(),
                _ => view! {
                    <input id=id.clone() name=id.clone() value=typed maxlength="500" autofocus=autofocus aria-required=required aria-invalid=invalid aria-describedby=described />
                }.into_any(),
            };
            view! {
                <div class="field">
                    <label for=id.clone()>{label}</label>
                    {help}
                    {input}
                    {error}
                </div>
            }
            .into_any()
        }
        FieldKind::SingleChoice | FieldKind::MultipleChoice | FieldKind::YesNo => {
            let options: Vec<(String, String)> = match field.kind {
                FieldKind::YesNo => vec![("yes".into(), "Yes".into()), ("no".into(), "No".into())],
                _ => field.choices.iter().map(|c| (c.clone(), c.clone())).collect(),
            };
            let kind = if field.kind == FieldKind::MultipleChoice { "checkbox" } else { "radio" };
            // Radio buttons form a radiogroup, which can say it is required (a group cannot).
            let (role, group_required) = if kind == "radio" { (Some("radiogroup"), required) } else { (None, None) };
            view! {
                <fieldset class="field choices" role=role aria-required=group_required aria-describedby=described>
                    <legend>{label}</legend>
                    {help}
                    {options.into_iter().enumerate().map(|(i, (value, text))| {
                        let box_id = format!("{id}-{i}");
                        let label_for = box_id.clone();
                        let checked = given.contains(&value);
                        let autofocus = (i == 0).then_some(autofocus).flatten();
                        view! {
                            <label class="choice-row" for=label_for>
                                <input type=kind id=box_id name=id.clone() value=value checked=checked autofocus=autofocus aria-invalid=invalid />
                                <span>{text}</span>
                            </label>
                        }
                    }).collect_view()}
                    {error}
                </fieldset>
            }.into_any()
        }
    }
}

/// What the last send did, from the address the server sent the browser back to.
fn sent_notice(forms: &[PortalFormRow]) -> Option<String> {
    let query = leptos_router::hooks::use_query_map();
    query.with_untracked(|q| {
        let named = |key: &str| {
            let id: i64 = q.get(key)?.parse().ok()?;
            forms.iter().find(|f| f.request_id == id).map(|f| f.name.clone())
        };
        if let Some(name) = named("form_answered") {
            Some(format!("Thank you: your answers to “{name}” were sent."))
        } else {
            named("form_skipped").map(|name| format!("Skipped for now: “{name}” stays here for when you are ready."))
        }
    })
}

/// A project's Forms in the portal.
#[component]
pub fn ProjectForms(forms: Vec<PortalFormRow>) -> impl IntoView {
    let notice = sent_notice(&forms);
    view! {
        <section class="card" aria-labelledby="forms-title">
            <h2 id="forms-title" class="card-title">"Forms"</h2>
            {notice.map(|n| view! { <p class="field-success" role="status">{n}</p> })}
            {if forms.is_empty() {
                view! { <p class="empty">"No forms to fill. Forms the team sends you appear here."</p> }.into_any()
            } else {
                view! {
                    <ul class="list" aria-label="Forms">
                        {forms.into_iter().map(|f| {
                            let answered = f.status == FormRequestStatus::Answered;
                            let href = format!("/portal/forms/{}", f.request_id);
                            let action = if answered { "View answers" } else { "Fill in" };
                            let when = match f.answered_at {
                                Some(t) => format!("Answered {}", short_date(t)),
                                None => format!("Sent {}", short_date(f.sent_at)),
                            };
                            view! {
                                <li class="list-row">
                                    <div class="list-main">
                                        <span class="strong">{f.name.clone()}</span>
                                        <span class="note">{when}</span>
                                    </div>
                                    <div class="status-cell"><span class=f.status.badge_class()>{f.status.label()}</span></div>
                                    <div class="row-actions">
                                        <a class=if answered { "btn btn-secondary" } else { "btn btn-primary" } href=href aria-label=format!("{action}: {}", f.name)>{action}</a>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
