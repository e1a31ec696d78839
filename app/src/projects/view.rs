//! Project pages.

use leptos::prelude::*;
use leptos_meta::Title;
use portico_core::model::{Billing, ProjectDetail, short_date};

use super::{CreateProject, SetProjectBilling, id_param, list_projects, load_project};
use crate::{
    components::{FieldError, FormError, LoadError, StaffFrame},
    customers::CustomerPick,
    error::AppError,
    loading::{Loaded, load},
};

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let data = load(|| (), |_| list_projects());
    view! {
        <Title text="Projects" />
        <StaffFrame>
            <div class="page-head">
                <h1>"Projects"</h1>
                <div class="actions">
                    <a class="btn btn-secondary" href="/imports/new">"Import CSV"</a>
                    <a class="btn btn-primary" href="/projects/new">"New project"</a>
                </div>
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <div class="card empty">
                                <h2 class="card-title">"No projects yet"</h2>
                                <p>"Create a project, then invite its clients to the portal. Or import many projects and their clients from a CSV file."</p>
                                <div class="actions">
                                    <a class="btn btn-primary" href="/projects/new">"New project"</a>
                                    <a class="btn btn-secondary" href="/imports/new">"Import CSV"</a>
                                </div>
                            </div>
                        }
                            .into_any(),
                        Ok(list) => view! {
                            <ul class="card list">
                                {list
                                    .into_iter()
                                    .map(|p| view! {
                                        <li class="list-row">
                                            <div class="list-main">
                                                <a class="strong" href=format!("/projects/{}", p.id)>{p.name}</a>
                                                <span class="muted">{p.customer_name.unwrap_or_default()}</span>
                                            </div>
                                            <span class="muted">
                                                {match p.client_count {
                                                    1 => "1 client".to_string(),
                                                    n => format!("{n} clients"),
                                                }}
                                            </span>
                                            <span class="muted">{short_date(p.created_at)}</span>
                                        </li>
                                    })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

#[component]
pub fn NewProjectPage() -> impl IntoView {
    view! {
        <Title text="New project" />
        <StaffFrame>
            <h1>"New project"</h1>
            <NewProjectForm />
        </StaffFrame>
    }
}

#[component]
fn NewProjectForm() -> impl IntoView {
    let action = ServerAction::<CreateProject>::new();
    let result = action.value();
    let pending = action.pending();
    let error = Signal::derive(move || result.get().and_then(|r| r.err()));
    view! {
        <section class="card narrow">
            <ActionForm action attr:novalidate=true>
                <FormError result fields=&["name", "customer", "new_customer", "billing"] />
                <div class="field">
                    <label for="name">"Project name"</label>
                    <input id="name" name="name" required maxlength="200" aria-describedby="name-error" />
                    <FieldError result field="name" id="name-error" />
                </div>
                <CustomerPick error prefix="project" hint="The business or person the project is for." />
                <BillingChoice current=Billing::default() legend="Billing" />
                <FieldError result field="billing" id="billing-error" />
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || pending.get()>"Create project"</button>
                    <a class="btn btn-quiet" href="/projects">"Cancel"</a>
                </div>
            </ActionForm>
        </section>
    }
}

/// Billing: Fixed fee or Staff hours, as radio buttons. `legend` names the choice: "Billing"
/// in the new project form, a question under the Billing card's own heading.
#[component]
fn BillingChoice(current: Billing, legend: &'static str) -> impl IntoView {
    view! {
        <fieldset class="field choices" aria-describedby="billing-hint billing-error">
            <legend>{legend}</legend>
            {Billing::ALL.into_iter().map(|b| {
                let id = format!("billing-{}", b.key());
                let label_for = id.clone();
                view! {
                    <label class="choice-row" for=label_for>
                        <input type="radio" id=id name="billing" value=b.key() checked=b == current />
                        <span>{b.label()}</span>
                    </label>
                }
            }).collect_view()}
            <p class="hint" id="billing-hint">"With Staff hours, each client on the project gets a rate per hour."</p>
        </fieldset>
    }
}

/// Loads the project named by the `:id` route parameter.
pub fn project_resource() -> Loaded<Result<ProjectDetail, AppError>> {
    load(
        || id_param("id"),
        |id| async move {
            match id {
                Some(id) => load_project(id).await,
                None => Err(AppError::NotFound),
            }
        },
    )
}

#[component]
pub fn ProjectPage() -> impl IntoView {
    let project = project_resource();
    let tasks = crate::tasks::ProjectTasksData::for_page();
    let updates = crate::updates::ProjectUpdatesData::for_page();
    let documents = crate::documents::ProjectDocumentsData::for_page();
    let invoices = crate::invoices::ProjectInvoicesData::for_page();
    view! {
        <StaffFrame>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match project.await {
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                        Ok(p) => view! {
                            <Title text=p.name.clone() />
                            <nav aria-label="Breadcrumb" class="crumbs"><a href="/projects">"Projects"</a></nav>
                            <h1>{p.name.clone()}</h1>
                            {p.customer_name.clone().map(|c| view! { <p class="lead">"Customer: " {c}</p> })}
                            <ProjectBilling id=p.id billing=p.billing />
                            <section class="card portal-card" aria-labelledby="client-portal-title">
                                <h2 id="client-portal-title" class="card-title">"Client portal"</h2>
                                <p>
                                    {format!("{} invited · {} active", p.invited, p.active)}
                                </p>
                                <a class="btn btn-primary" href=format!("/projects/{}/portal", p.id)>"Manage portal"</a>
                            </section>
                            <crate::tasks::ProjectTasksSection data=tasks />
                            <crate::updates::ProjectUpdatesSection data=updates />
                            <crate::documents::ProjectDocumentsSection data=documents />
                            <crate::invoices::ProjectInvoicesSection data=invoices />
                        }
                            .into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

/// The project's Billing, changed in place.
#[component]
fn ProjectBilling(id: i64, billing: Billing) -> impl IntoView {
    let action = ServerAction::<SetProjectBilling>::new();
    let result = action.value();
    let pending = action.pending();
    crate::components::toast_outcome(result, "Billing saved");
    view! {
        <section class="card" aria-labelledby="billing-title">
            <h2 id="billing-title" class="card-title">"Billing"</h2>
            <ActionForm action attr:novalidate=true>
                <input type="hidden" name="project_id" value=id.to_string() />
                <FormError result fields=&["billing"] />
                <BillingChoice current=billing legend="How is this project billed?" />
                <FieldError result field="billing" id="billing-error" />
                <button type="submit" class="btn btn-secondary" disabled=move || pending.get()>"Save billing"</button>
            </ActionForm>
        </section>
    }
}
