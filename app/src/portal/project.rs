//! A project in the client portal (`/portal/projects/:id`): its sections (Tasks, Updates), each
//! only when the client may see it.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{Permission, PortalProjectPage};

use super::PortalBar;
use crate::{
    client_access::ClientSignInRedirect,
    components::{GoTo, NotFound, successes, toast_outcome},
    error::AppError,
    loading::load,
    projects::id_param,
    tasks::{ClientTasks, CompleteTask},
    updates::UpdateFeed,
};

#[server(output = Postcard)]
pub async fn load_portal_project(project_id: i64) -> Result<PortalProjectPage, AppError> {
    let client = crate::server::portal_client().await?;
    Ok(portico_core::portal::project_page(&crate::server::portico()?, &client, project_id).await?)
}

#[component]
pub fn PortalProjectView() -> impl IntoView {
    let complete = ServerAction::<CompleteTask>::new();
    toast_outcome(complete.value(), "Task completed");
    let completed = successes(complete.value(), complete.version());
    let page = load(
        move || (id_param("id"), completed.get()),
        |(id, _)| async move {
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
                    Ok(p) => view! { <ProjectSections p complete /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ProjectSections(p: PortalProjectPage, complete: ServerAction<CompleteTask>) -> impl IntoView {
    let tasks = p.permissions.allows(Permission::ViewTasks);
    let updates = p.permissions.allows(Permission::ViewUpdates);
    view! {
        <Title text=format!("{} · {}", p.project_name, p.org_name) />
        <PortalBar org_name=p.org_name.clone() />
        <main id="main" class="page">
            <nav aria-label="Breadcrumb" class="crumbs"><a href="/portal">"Your projects"</a></nav>
            <h1>{p.project_name.clone()}</h1>
            {(tasks && updates).then(|| view! {
                <nav class="section-nav" aria-label="Sections of this project">
                    <a href="#tasks-title">{format!("Tasks ({})", p.open)}</a>
                    <a href="#updates-title">{format!("Updates ({})", p.updates.len())}</a>
                </nav>
            })}
            {tasks.then(|| view! {
                <ClientTasks tasks=p.tasks open=p.open may_complete=p.permissions.allows(Permission::CompleteTasks) complete />
            })}
            {updates.then(|| view! {
                <section class="card" aria-labelledby="updates-title">
                    <h2 id="updates-title" class="card-title">"Updates"</h2>
                    <UpdateFeed updates=p.updates.clone() empty="No updates yet. News from the team about this project appears here." />
                </section>
            })}
            {(!tasks && !updates).then(|| view! {
                <div class="card empty"><p>"There is nothing to show you in this project yet."</p></div>
            })}
        </main>
    }
}
