//! Tasks in the client portal: the client's tasks on a project's page, completed there.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::TaskRow;

use super::TaskItem;
use crate::{
    components::{FieldMessage, FormError},
    error::AppError,
};

/// "Complete" on a task, with an optional comment.
#[server(output = Postcard)]
pub async fn complete_task(task_id: i64, #[server(default)] comment: String) -> Result<(), AppError> {
    let client = crate::server::portal_client().await?;
    portico_core::tasks::complete(&crate::server::portico()?, &client, task_id, &comment, crate::server::client_ip())
        .await?;
    Ok(())
}

/// A project's Tasks in the portal, each open one with Complete when the client may.
#[component]
pub(crate) fn ClientTasks(
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
