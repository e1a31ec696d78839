//! Tasks: staff create them on a project's page; clients see and complete theirs in the portal.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::{Contact, ProjectTasks, TaskRow, TasksSent, short_date};

use crate::{
    components::{Done, FieldError, FormError, LoadError, successes, toast_answer, toast_outcome},
    error::AppError,
    loading::load,
};

mod portal;

pub use portal::*;

#[server(output = Postcard)]
pub async fn load_project_tasks(project_id: i64) -> Result<ProjectTasks, AppError> {
    use portico_core::{domain::ProjectId, tasks};
    let staff = crate::server::staff().await?;
    Ok(tasks::for_staff(&crate::server::portico()?, &staff, ProjectId(project_id)).await?)
}

/// "Create task": Title, Description, Due date and Assignee (a client of the project by email,
/// or nobody; with "Add new client" also the new client's name). A client who cannot get in
/// yet is invited by one email that names the task.
#[server(output = Postcard)]
pub async fn create_task(
    project_id: i64,
    title: String,
    #[server(default)] description: String,
    #[server(default)] due_on: String,
    #[server(default)] assignee: String,
    #[server(default)] new_client_name: String,
) -> Result<i64, AppError> {
    use portico_core::{domain::ProjectId, tasks};
    let staff = crate::server::staff().await?;
    let new = tasks::NewTask::parse([&title, &description, &due_on, &assignee, &new_client_name])?;
    Ok(tasks::create(&crate::server::portico()?, &staff, ProjectId(project_id), new, crate::server::client_ip())
        .await?)
}

/// The project's clients the composer and Assign and send suggest.
#[server(output = Postcard)]
pub async fn load_task_assignees(project_id: i64) -> Result<Vec<Contact>, AppError> {
    use portico_core::{domain::ProjectId, tasks};
    let staff = crate::server::staff().await?;
    Ok(tasks::assignee_suggestions(&crate::server::portico()?, &staff, ProjectId(project_id)).await?)
}

/// "Assign and send": the chosen tasks, assigned to one client when `assignee` names one, each
/// sent to its client in one email per client.
#[server(output = Postcard)]
pub async fn assign_and_send(
    project_id: i64,
    #[server(default)] task_ids: Vec<i64>,
    #[server(default)] assignee: String,
) -> Result<TasksSent, AppError> {
    use portico_core::{domain::ProjectId, tasks};
    let staff = crate::server::staff().await?;
    let portico = crate::server::portico()?;
    Ok(tasks::assign_and_send(
        &portico,
        &staff,
        ProjectId(project_id),
        &task_ids,
        &assignee,
        crate::server::client_ip(),
    )
    .await?)
}

/// A project page's tasks and the action that creates them. Made with the page, not inside
/// its suspense: a resource created while the server is already resolving the page's other
/// loads is not always awaited before the page is sent, and the request hung.
#[derive(Clone, Copy)]
pub struct ProjectTasksData {
    tasks: crate::loading::Loaded<Result<ProjectTasks, AppError>>,
    /// Apart from the list, loaded again only when a task is created (which empties the
    /// composer): Assign and send leaves what is typed in it.
    assignees: crate::loading::Loaded<Result<Vec<Contact>, AppError>>,
    create: ServerAction<CreateTask>,
    send: ServerAction<AssignAndSend>,
}

impl ProjectTasksData {
    /// For the project named by the page's `:id`.
    pub fn for_page() -> Self {
        let create = ServerAction::<CreateTask>::new();
        toast_outcome(create.value(), Done::TaskCreated.message());
        let created = successes(create.value(), create.version());
        let send = ServerAction::<AssignAndSend>::new();
        toast_answer(send.value(), TasksSent::summary);
        let sent = successes(send.value(), send.version());
        let tasks = load(
            move || (crate::projects::id_param("id"), created.get(), sent.get()),
            |(id, _, _)| async move {
                match id {
                    Some(id) => load_project_tasks(id).await,
                    None => Err(AppError::NotFound),
                }
            },
        );
        let assignees = load(
            move || (crate::projects::id_param("id"), created.get()),
            |(id, _)| async move {
                match id {
                    Some(id) => load_task_assignees(id).await,
                    None => Err(AppError::NotFound),
                }
            },
        );
        Self { tasks, assignees, create, send }
    }
}

/// A project's Tasks on its page: the composer and the list.
#[component]
pub fn ProjectTasksSection(data: ProjectTasksData) -> impl IntoView {
    let ProjectTasksData { tasks, assignees, create, send } = data;
    view! {
        <section class="card" aria-labelledby="tasks-title">
            <h2 id="tasks-title" class="card-title">"Tasks"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match tasks.await {
                        Ok(t) => view! { <StaffTaskList tasks=t send /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    assignees.await.ok().map(|suggestions| {
                        let project_id = crate::projects::id_param("id").unwrap_or_default();
                        view! { <TaskComposer project_id suggestions create /> }
                    })
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn StaffTaskList(tasks: ProjectTasks, send: ServerAction<AssignAndSend>) -> impl IntoView {
    let shown = tasks.tasks.len() as u64;
    let first_open = tasks.tasks.iter().position(|t| t.completed_at.is_none()).unwrap_or(usize::MAX);
    let any_open = first_open != usize::MAX;
    let result = send.value();
    let sending = send.pending();
    view! {
        <p class="muted">{format!("{} open · {} in all", tasks.open, tasks.total)}</p>
        {if tasks.tasks.is_empty() {
            view! { <p class="empty">"No tasks yet. Create one below: the client sees it in their portal."</p> }.into_any()
        } else {
            view! {
                // The list is the form of "Assign and send": each open task has its box.
                <ActionForm action=send attr:novalidate=true attr:class="task-send">
                    <input type="hidden" name="project_id" value=tasks.project_id.to_string() />
                    <ul class="list task-list" aria-label="Tasks">
                        {tasks.tasks.into_iter().enumerate().map(|(i, t)| {
                            let open = t.completed_at.is_none();
                            let (id, title) = (t.id, t.title.clone());
                            // The first box carries the "Choose the tasks to send." message.
                            let first = i == first_open;
                            view! {
                                <TaskItem t staff=true>
                                    {open.then(|| view! {
                                        <label class="task-select">
                                            <input type="checkbox" name="task_ids[]" value=id.to_string()
                                                id=first.then_some("send-task_ids")
                                                aria-describedby=first.then_some("send-task_ids-error") />
                                            <span>"Select"</span>
                                            <span class="visually-hidden">{format!(" “{title}”")}</span>
                                        </label>
                                    })}
                                </TaskItem>
                            }
                        }).collect_view()}
                    </ul>
                    {any_open.then(|| view! {
                        <div class="send-bar">
                            <FormError result fields=&["task_ids", "assignee"] />
                            <FieldError result field="task_ids" id="send-task_ids-error" />
                            <div class="field">
                                <label for="send-assignee">"Assign to (optional)"</label>
                                <input id="send-assignee" name="assignee" type="email" list="task-assignees" autocomplete="off"
                                    aria-describedby="send-assignee-hint send-assignee-error" />
                                <p class="hint" id="send-assignee-hint">"The email of a client of this project. Empty: each task goes to the client it is assigned to. One email per client lists their tasks; a client not invited yet is invited by it."</p>
                                <FieldError result field="assignee" id="send-assignee-error" />
                            </div>
                            <button type="submit" class="btn btn-primary" disabled=move || sending.get()>"Assign and send"</button>
                        </div>
                    })}
                </ActionForm>
                {(shown < tasks.total).then(|| view! {
                    <p class="note">{format!("Showing the {shown} open and latest completed tasks of {}.", tasks.total)}</p>
                })}
            }.into_any()
        }}
    }
}

/// "3 tasks to do", or `none` when there is nothing to do.
pub(crate) fn tasks_to_do(open: u64, none: &str) -> String {
    match open {
        0 => none.to_string(),
        1 => "1 task to do".to_string(),
        n => format!("{n} tasks to do"),
    }
}

/// One task: its title, status badge, who it is for, when it is due, and its completion.
#[component]
pub(crate) fn TaskItem(
    t: TaskRow,
    staff: bool,
    /// What can be done with it (a client's Complete form).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let (badge, label) = match (&t.completed_at, t.overdue) {
        (Some(_), _) => ("badge badge-success", "Completed"),
        (None, true) => ("badge badge-danger", "Overdue"),
        (None, false) => ("badge badge-info", "Open"),
    };
    let heading = format!("task-{}-title", t.id);
    let labelled_by = heading.clone();
    view! {
        <li class="list-row task" aria-labelledby=labelled_by>
            <div class="list-main">
                <span class="strong" id=heading>{t.title.clone()}</span>
                {(!t.description.is_empty()).then(|| view! { <p class="task-description">{t.description.clone()}</p> })}
                <span class="muted">
                    {staff.then(|| t.assignee_name.clone().map_or_else(|| "For every client of the project".to_string(), |n| format!("For {n}")))}
                    {staff.then_some(" · ")}
                    {t.due_label.clone().map_or_else(|| "No due date".to_string(), |d| format!("Due {d}"))}
                </span>
                {t.completed_at.map(|at| view! {
                    <span class="note">
                        {format!("Completed {}{}", short_date(at), t.completed_by_name.clone().map(|n| format!(" by {n}")).unwrap_or_default())}
                    </span>
                })}
                {t.completion_comment.clone().map(|c| view! { <p class="task-comment">"“" {c} "”"</p> })}
                {t.completion_file.clone().map(|(name, size)| {
                    // Staff download every one; a client only their own (the server says which).
                    let href = format!("{}/tasks/{}/file", if staff { "" } else { "/portal" }, t.id);
                    view! {
                        <p class="task-file">
                            "Attached: " <a href=href rel="external" download>{name}</a>
                            {format!(" ({})", portico_core::model::file_size(size))}
                        </p>
                    }
                })}
                {children.map(|c| c())}
            </div>
            <span class=badge>{label}</span>
        </li>
    }
}

/// "New task": the composer under a project's tasks.
#[component]
fn TaskComposer(
    project_id: i64,
    suggestions: Vec<portico_core::model::Contact>,
    create: ServerAction<CreateTask>,
) -> impl IntoView {
    let result = create.value();
    let pending = create.pending();
    // Emptied after each task created.
    let form = crate::components::emptied_after(Signal::derive(move || matches!(result.get(), Some(Ok(_)))));
    view! {
        <details class="composer" open=result.get_untracked().is_some_and(|r| r.is_err())>
            <summary class="btn btn-secondary">"New task"</summary>
            <ActionForm action=create node_ref=form attr:novalidate=true>
                <input type="hidden" name="project_id" value=project_id.to_string() />
                <FormError result fields=&["title", "description", "due_on", "assignee", "new_client_name"] />
                <div class="field">
                    <label for="task-title">"Title"</label>
                    <input id="task-title" name="title" maxlength="200" aria-describedby="task-title-error" />
                    <FieldError result field="title" id="task-title-error" />
                </div>
                <div class="field">
                    <label for="task-description">"Description"</label>
                    <textarea id="task-description" name="description" rows="3" maxlength="5000" aria-describedby="task-description-error"></textarea>
                    <FieldError result field="description" id="task-description-error" />
                </div>
                <div class="field">
                    <label for="task-due">"Due date"</label>
                    <input id="task-due" name="due_on" type="date" aria-describedby="task-due_on-error" />
                    <FieldError result field="due_on" id="task-due_on-error" />
                </div>
                <div class="field">
                    <label for="task-assignee">"Assignee"</label>
                    <input id="task-assignee" name="assignee" type="email" list="task-assignees" autocomplete="off" aria-describedby="task-assignee-hint task-assignee-error" />
                    <datalist id="task-assignees">
                        {suggestions.into_iter().map(|c| view! { <option value=c.email.clone()>{c.name}</option> }).collect_view()}
                    </datalist>
                    <p class="hint" id="task-assignee-hint">"The email of a client of this project. Empty: every client of the project sees the task. A client not invited yet is invited by one email that names the task."</p>
                    <FieldError result field="assignee" id="task-assignee-error" />
                </div>
                <details class="new-client" open=result.get_untracked().is_some_and(|r| r.err().is_some_and(|e| e.for_field("new_client_name").is_some()))>
                    <summary>"Add new client"</summary>
                    <div class="field">
                        <label for="task-new-client">"New client's name"</label>
                        <input id="task-new-client" name="new_client_name" maxlength="200" autocomplete="off" aria-describedby="task-new-client-hint task-new_client_name-error" />
                        <p class="hint" id="task-new-client-hint">"With the email above: the client is added to the project and assigned the task."</p>
                        <FieldError result field="new_client_name" id="task-new_client_name-error" />
                    </div>
                </details>
                <button type="submit" class="btn btn-primary" disabled=move || pending.get()>"Create task"</button>
            </ActionForm>
        </details>
    }
}
