//! A project in the client portal (`/portal/projects/:id`): the client's tasks, completed here.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{Permission, PortalProjectPage, TaskRow};

use super::TaskItem;
use crate::{
    client_access::ClientSignInRedirect,
    components::{FieldMessage, FormError, NotFound, successes, toast_outcome},
    error::AppError,
    loading::load,
    portal::PortalBar,
    projects::id_param,
};

#[server(output = Postcard)]
pub async fn load_portal_project(project_id: i64) -> Result<PortalProjectPage, AppError> {
    let client = crate::server::portal_client().await?;
    Ok(portico_core::tasks::portal_project(&crate::server::portico()?, &client, project_id).await?)
}

/// "Complete" on a task, with an optional comment.
#[server(output = Postcard)]
pub async fn complete_task(task_id: i64, #[server(default)] comment: String) -> Result<(), AppError> {
    let client = crate::server::portal_client().await?;
    portico_core::tasks::complete(&crate::server::portico()?, &client, task_id, &comment, crate::server::client_ip())
        .await?;
    Ok(())
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
                    Err(_) => view! { <NotFound /> }.into_any(),
                    Ok(p) => view! {
                        <Title text=format!("{} · {}", p.project_name, p.org_name) />
                        <PortalBar org_name=p.org_name.clone() />
                        <main id="main" class="page">
                            <nav aria-label="Breadcrumb" class="crumbs"><a href="/portal">"Your projects"</a></nav>
                            <h1>{p.project_name.clone()}</h1>
                            {if p.permissions.allows(Permission::ViewTasks) {
                                view! { <ClientTasks tasks=p.tasks open=p.open may_complete=p.permissions.allows(Permission::CompleteTasks) complete /> }.into_any()
                            } else {
                                view! { <div class="card empty"><p>"There is nothing to show you in this project yet."</p></div> }.into_any()
                            }}
                        </main>
                    }
                        .into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ClientTasks(
    tasks: Vec<TaskRow>,
    open: u64,
    may_complete: bool,
    complete: ServerAction<CompleteTask>,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="tasks-title">
            <h2 id="tasks-title" class="card-title">"Tasks"</h2>
            <p class="muted">{super::tasks_to_do(open, "Nothing to do right now.")}</p>
            {if tasks.is_empty() {
                view! { <p class="empty">"No tasks yet. When there is something for you to do, it appears here."</p> }.into_any()
            } else {
                view! {
                    <ul class="list task-list" aria-label="Tasks">
                        {tasks.into_iter().map(|t| {
                            let open = t.completed_at.is_none();
                            let id = t.id;
                            let title = t.title.clone();
                            view! {
                                <TaskItem t staff=false>
                                    {(open && may_complete).then(|| view! { <CompleteForm id title complete /> })}
                                </TaskItem>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// Under an open task: an optional comment and "Complete".
#[component]
fn CompleteForm(id: i64, title: String, complete: ServerAction<CompleteTask>) -> impl IntoView {
    let result = complete.value();
    let pending = complete.pending();
    let comment_id = format!("task-{id}-comment");
    let error_id = format!("task-{id}-comment-error");
    // Only the form of the task that was just sent shows its error.
    let mine =
        Signal::derive(move || complete.input().get().is_none_or(|i| i.task_id == id).then(|| result.get()).flatten());
    view! {
        <div class="task-complete">
            <ActionForm action=complete attr:novalidate=true>
                <input type="hidden" name="task_id" value=id.to_string() />
                <FormError result=mine fields=&["comment"] />
                <div class="field">
                    <label for=comment_id.clone()>{format!("Comment on “{title}” (optional)")}</label>
                    <textarea id=comment_id name="comment" rows="2" maxlength="2000" aria-describedby=error_id.clone()></textarea>
                    <FieldMessage error=Signal::derive(move || mine.get().and_then(|r| r.err())) field="comment" id=error_id />
                </div>
                <button type="submit" class="btn btn-primary" disabled=move || pending.get() aria-label=format!("Complete “{title}”")>"Complete"</button>
            </ActionForm>
        </div>
    }
}
