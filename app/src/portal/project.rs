//! A project in the client portal (`/portal/projects/:id`): its sections (Tasks, Updates,
//! Documents, Invoices, Forms), each only when the client may see it.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{Permission, PortalProjectPage, thousands};

use super::PortalBar;
use crate::{
    client_access::ClientSignInRedirect,
    components::{GoTo, NotFound},
    documents::{DocumentList, UploadForm, UploadOutcome},
    error::AppError,
    invoices::InvoiceList,
    loading::load,
    projects::id_param,
    tasks::ClientTasks,
    updates::UpdateFeed,
};

#[server(output = Postcard)]
pub async fn load_portal_project(project_id: i64) -> Result<PortalProjectPage, AppError> {
    let client = crate::server::portal_client().await?;
    Ok(portico_core::portal::project_page(&crate::server::portico()?, &client, project_id).await?)
}

#[component]
pub fn PortalProjectView() -> impl IntoView {
    let page = load(
        move || id_param("id"),
        |id| async move {
            match id {
                Some(id) => load_portal_project(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Err(AppError::Unauthorized) => view! { <ClientSignInRedirect /> }.into_any(),
                    Err(AppError::Conflict(notice)) => view! { <super::SwitchedOff notice /> }.into_any(),
                    Err(_) => view! { <NotFound /> }.into_any(),
                    // A client who must choose a password does that before anything else.
                    Ok(p) if p.needs_password => view! { <GoTo path="/portal/password" /> }.into_any(),
                    Ok(p) => view! { <ProjectSections p /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// "Switch project": the client's other projects, one tap away (a disclosure of links, so it
/// works by keyboard, with a screen reader and before the script); only for a client in more
/// than one project.
#[component]
fn ProjectSwitcher(projects: Vec<portico_core::model::ProjectOption>, current: i64) -> impl IntoView {
    (projects.len() > 1).then(|| {
        view! {
            <details class="project-switcher">
                <summary class="btn btn-secondary">"Switch project"</summary>
                <nav aria-label="Your projects">
                    <ul>
                        {projects.into_iter().map(|p| {
                            let here = p.id == current;
                            view! {
                                <li>
                                    <a href=format!("/portal/projects/{}", p.id) aria-current=here.then_some("page")>{p.name}</a>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </nav>
            </details>
        }
    })
}

/// "Updates (5) · 2 new": a section's link with what is new since the client's last visit.
fn with_new(label: String, new: u64) -> String {
    if new == 0 { label } else { format!("{label} · {new} new") }
}

#[component]
fn ProjectSections(p: PortalProjectPage) -> impl IntoView {
    let tasks = p.permissions.allows(Permission::ViewTasks);
    let updates = p.permissions.allows(Permission::ViewUpdates);
    let may_upload = p.permissions.allows(Permission::UploadDocuments);
    // With Upload documents alone, a client sees the section with their own uploads.
    let documents = p.permissions.allows(Permission::ViewDocuments) || may_upload;
    let invoices = p.permissions.allows(Permission::ViewInvoices);
    let forms = p.permissions.allows(Permission::SubmitForms);
    let to_fill = p.forms.iter().filter(|f| f.status != portico_core::model::FormRequestStatus::Answered).count();
    let sections = [tasks, updates, documents, invoices, forms].into_iter().filter(|s| *s).count();
    let outcome = UploadOutcome::of_page();
    view! {
        <Title text=format!("{} · {}", p.project_name, p.org_name) />
        <PortalBar org_name=p.org_name.clone() />
        <main id="main" class="page">
            <nav aria-label="Breadcrumb" class="crumbs"><a href="/portal">"Your projects"</a></nav>
            <h1>{p.project_name.clone()}</h1>
            <ProjectSwitcher projects=p.projects.clone() current=p.project_id />
            {(sections > 1).then(|| view! {
                <nav class="section-nav" aria-label="Sections of this project">
                    {tasks.then(|| view! { <a href="#tasks-title">{format!("Tasks ({})", p.open)}</a> })}
                    {updates.then(|| view! { <a href="#updates-title">{with_new(format!("Updates ({})", thousands(p.updates_total)), p.new_updates)}</a> })}
                    {documents.then(|| view! { <a href="#documents-title">{with_new(format!("Documents ({})", thousands(p.documents_total)), p.new_documents)}</a> })}
                    {invoices.then(|| view! { <a href="#invoices-title">{with_new(format!("Invoices ({})", thousands(p.invoices_total)), p.new_invoices)}</a> })}
                    {forms.then(|| view! { <a href="#forms-title">{if to_fill == 0 { format!("Forms ({})", p.forms.len()) } else { format!("Forms ({}) · {to_fill} to fill", p.forms.len()) }}</a> })}
                </nav>
            })}
            {tasks.then(|| view! {
                <ClientTasks
                    project_id=p.project_id
                    tasks=p.tasks
                    open=p.open
                    may_complete=p.permissions.allows(Permission::CompleteTasks)
                    max_bytes=p.max_upload_bytes
                />
            })}
            {updates.then(|| view! {
                <section class="card" aria-labelledby="updates-title">
                    <h2 id="updates-title" class="card-title">"Updates"</h2>
                    <LatestOf shown=p.updates.len() total=p.updates_total noun="updates" />
                    <UpdateFeed updates=p.updates.clone() empty="No updates yet. News from the team about this project appears here." />
                </section>
            })}
            {documents.then(|| view! {
                <section class="card" aria-labelledby="documents-title">
                    <h2 id="documents-title" class="card-title">"Documents"</h2>
                    {may_upload.then(|| view! {
                        <UploadForm
                            action=format!("/portal/projects/{}/documents", p.project_id)
                            max_bytes=p.max_upload_bytes
                            outcome
                            documents=p.documents.clone()
                            hint="The team and the project's other clients can see what you upload."
                        />
                    })}
                    <LatestOf shown=p.documents.len() total=p.documents_total noun="documents" />
                    <DocumentList
                        documents=p.documents.clone()
                        download="/portal/documents"
                        empty="No documents yet. Files the team shares with you appear here."
                        delete=None
                    />
                </section>
            })}
            {invoices.then(|| view! {
                <section class="card" aria-labelledby="invoices-title">
                    <h2 id="invoices-title" class="card-title">"Invoices"</h2>
                    <LatestOf shown=p.invoices.len() total=p.invoices_total noun="invoices" />
                    <InvoiceList
                        invoices=p.invoices.clone()
                        pdf="/portal/invoices"
                        empty="No invoices yet. Invoices the team sends you appear here."
                        actions=None
                    />
                </section>
            })}
            {forms.then(|| view! { <crate::forms::ProjectForms forms=p.forms.clone() /> })}
            {(sections == 0).then(|| view! {
                <div class="card empty"><p>"There is nothing to show you in this project yet."</p></div>
            })}
        </main>
    }
}

/// Under a section that lists only the latest of its items: how many of how many.
#[component]
fn LatestOf(shown: usize, total: u64, noun: &'static str) -> impl IntoView {
    ((shown as u64) < total).then(|| {
        view! { <p class="muted">{format!("Showing the latest {} of {} {noun}.", thousands(shown as u64), thousands(total))}</p> }
    })
}
