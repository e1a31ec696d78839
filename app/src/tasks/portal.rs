//! Tasks in the client portal: the client's tasks on a project's page, completed there.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::{CompletionProblem, TaskRow};

use super::TaskItem;
use crate::error::AppError;

/// "Complete" on a task, with an optional comment: the API's way (the page's form posts to
/// `/portal/tasks/<id>/complete`, which also takes a file).
#[server(output = Postcard)]
pub async fn complete_task(task_id: i64, #[server(default)] comment: String) -> Result<(), AppError> {
    let client = crate::server::portal_client().await?;
    portico_core::tasks::complete(&crate::server::portico()?, &client, task_id, &comment, crate::server::client_ip())
        .await?;
    Ok(())
}

/// What the last "Complete" did, from the address the server sent the browser back to: a
/// refused one comes back with the comment as it was typed.
#[derive(Clone, Debug, PartialEq)]
struct CompleteOutcome {
    completed: Option<i64>,
    problem: Option<(i64, CompletionProblem)>,
    comment: String,
}

impl CompleteOutcome {
    fn of_page() -> Memo<CompleteOutcome> {
        let query = leptos_router::hooks::use_query_map();
        Memo::new(move |_| {
            query.with(|q| CompleteOutcome {
                completed: q.get("completed").and_then(|id| id.parse().ok()),
                problem: q
                    .get("task")
                    .and_then(|id| id.parse().ok())
                    .zip(q.get("complete_problem").and_then(|k| CompletionProblem::from_key(&k))),
                comment: q.get("comment").unwrap_or_default(),
            })
        })
    }
}

/// A project's Tasks in the portal, each open one with Complete when the client may.
#[component]
pub(crate) fn ClientTasks(
    project_id: i64,
    tasks: Vec<TaskRow>,
    open: u64,
    may_complete: bool,
    /// The largest file a task is completed with.
    max_bytes: u64,
) -> impl IntoView {
    let outcome = CompleteOutcome::of_page();
    let titles: Vec<(i64, String)> = tasks.iter().map(|t| (t.id, t.title.clone())).collect();
    let title_of = move |id: i64| titles.iter().find(|(t, _)| *t == id).map(|(_, title)| title.clone());
    let completed = {
        let title_of = title_of.clone();
        move || Some(format!("Task completed: {}.", title_of(outcome.with(|o| o.completed)?)?))
    };
    // Completed by someone else meanwhile (a shared task): the task has no form any more, so
    // this is said here, with what did not go through.
    let already = move || match outcome.with(|o| o.problem) {
        Some((id, CompletionProblem::AlreadyComplete)) => Some(format!(
            "“{}” was already complete: your comment and file were not sent.",
            title_of(id).unwrap_or_else(|| "This task".into())
        )),
        _ => None,
    };
    view! {
        <section class="card" aria-labelledby="tasks-title">
            <h2 id="tasks-title" class="card-title">"Tasks"</h2>
            <p class="muted">{super::tasks_to_do(open, "Nothing to do right now.")}</p>
            {move || completed().map(|said| view! { <p class="field-success" role="status">{said}</p> })}
            {move || already().map(|said| view! { <p class="form-error" role="alert">{said}</p> })}
            {if tasks.is_empty() {
                view! { <p class="empty">"No tasks yet. When there is something for you to do, it appears here."</p> }.into_any()
            } else {
                view! {
                    <ul class="list task-list" aria-label="Tasks">
                        {tasks.into_iter().map(|t| {
                            let open = t.completed_at.is_none();
                            let id = t.id;
                            let title = t.title.clone();
                            let sent_back = outcome.get_untracked();
                            let problem = sent_back.problem.filter(|(task, _)| *task == id).map(|(_, p)| p);
                            let typed = if problem.is_some() { sent_back.comment } else { String::new() };
                            view! {
                                <TaskItem t staff=false>
                                    {(open && may_complete).then(|| view! { <CompleteForm id title project_id max_bytes problem typed /> })}
                                </TaskItem>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// Under an open task: an optional comment, an optional file, and "Complete". A plain form post
/// (it may carry a file): it works before the script and without it; the page comes back with
/// what happened.
#[component]
fn CompleteForm(
    id: i64,
    title: String,
    project_id: i64,
    max_bytes: u64,
    problem: Option<CompletionProblem>,
    /// The comment of a refused completion, as typed.
    typed: String,
) -> impl IntoView {
    let comment_id = format!("task-{id}-comment");
    let file_id = format!("task-{id}-file");
    let hint_id = format!("task-{id}-file-hint");
    let error_id = format!("task-{id}-complete-error");
    let on_file = matches!(problem, Some(CompletionProblem::File(_)));
    let on_comment = problem == Some(CompletionProblem::Comment);
    let message = problem.map(|p| p.message(max_bytes));
    let accept = portico_core::model::DocumentKind::accept();
    // Sent back with a problem: the focus goes to what to fix.
    let focus = NodeRef::<leptos::html::Input>::new();
    let comment_box = NodeRef::<leptos::html::Textarea>::new();
    Effect::new(move |_| {
        if on_file && let Some(input) = focus.get() {
            let _ = input.focus();
        } else if on_comment && let Some(area) = comment_box.get() {
            let _ = area.focus();
        }
    });
    let describe = |mine: bool, base: Option<&str>| {
        let ids: Vec<String> = base.map(str::to_string).into_iter().chain(mine.then(|| error_id.clone())).collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    };
    view! {
        <form class="task-complete" method="post" action=format!("/portal/tasks/{id}/complete") enctype="multipart/form-data">
            <input type="hidden" name="project_id" value=project_id.to_string() />
            <div class="field">
                <label for=comment_id.clone()>{format!("Comment on “{title}” (optional)")}</label>
                <textarea id=comment_id name="comment" rows="2" maxlength=portico_core::model::TASK_COMMENT_MAX.to_string() node_ref=comment_box
                    aria-describedby=describe(on_comment, None) aria-invalid=on_comment.then_some("true")>{crate::components::textarea_text(typed)}</textarea>
                {on_comment.then(|| view! { <p class="field-error" id=error_id.clone() role="alert">{message.clone()}</p> })}
            </div>
            <div class="field">
                <label for=file_id.clone()>{format!("Attach a file to “{title}” (optional)")}</label>
                <input id=file_id type="file" name="file" node_ref=focus
                    accept=accept
                    aria-describedby=describe(on_file, Some(&hint_id)) aria-invalid=on_file.then_some("true") />
                <p class="hint" id=hint_id.clone()>{format!("A signed form or a receipt: a PDF, an image, an Office or a text file, up to {}. Only you and the team see it.", portico_core::model::file_size(max_bytes))}</p>
                {on_file.then(|| view! { <p class="field-error" id=error_id.clone() role="alert">{message.clone()}</p> })}
            </div>
            <button type="submit" class="btn btn-primary" aria-label=format!("Complete “{title}”")>"Complete"</button>
        </form>
    }
}
