//! Tasks: staff ask a project's clients to do something ("Sign the engagement letter"), clients
//! see and complete them in the portal. A task is assigned to one client of the project, or to
//! nobody (then every client of the project sees it and any of them may complete it).
//! What a client may see and do is `permissions`' decision.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit,
    documents::{DocumentFile, FileName, Incoming, Refusal, commit_keeping, kept_at},
    domain::{EmailAddress, Line, ProjectId, long_text},
    entities::{client, project_client, task},
    error::FormErrors,
    model::{AccessStatus, Contact, Permission, ProjectTasks, TaskRow},
    now, portal, projects,
    sessions::PortalClient,
};

/// Tasks a list shows at most: the open ones first, then the latest completed.
pub const SHOWN: u64 = 200;
/// Clients offered as assignees when the composer opens (any other is typed by email).
pub const ASSIGNEE_SUGGESTIONS: u64 = 50;
const TITLE_MAX: usize = 200;
const DESCRIPTION_MAX: usize = 5000;
const COMMENT_MAX: usize = crate::model::TASK_COMMENT_MAX;

/// A task as the composer sends it, checked field by field.
pub struct NewTask {
    title: Line,
    description: String,
    due_on: Option<NaiveDate>,
    /// The assignee's email: one of the project's clients, or none.
    assignee: Option<EmailAddress>,
    /// "Add new client": the name of a client to create with the assignee's email.
    new_client_name: Option<Line>,
}

impl NewTask {
    /// `[title, description, due date (YYYY-MM-DD), assignee's email, new client's name]`.
    pub fn parse([title, description, due_on, assignee, new_client_name]: [&str; 5]) -> Result<Self> {
        let mut errors = FormErrors::default();
        let title = errors.check(Line::parse("title", "a title", title, TITLE_MAX));
        let description = errors.check(long_text("description", "The description", description, DESCRIPTION_MAX));
        let due_on = errors.check(match due_on.trim() {
            "" => Ok(None),
            text => NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| Error::validation("due_on", "Enter the due date as a date, e.g. 2027-01-31.")),
        });
        let assignee = errors.check(match assignee.trim() {
            "" => Ok(None),
            text => EmailAddress::parse(text)
                .map(Some)
                .map_err(|_| Error::validation("assignee", "Enter the assignee's email address, or leave it empty.")),
        });
        let new_client_name =
            errors.check(Line::parse_optional("new_client_name", "the new client's name", new_client_name, 200));
        if let (Some(None), Some(Some(_))) = (&assignee, &new_client_name) {
            errors.check::<()>(Err(Error::validation("assignee", "Enter the new client's email address.")));
        }
        errors.finish()?;
        match (title, description, due_on, assignee, new_client_name) {
            (Some(title), Some(description), Some(due_on), Some(assignee), Some(new_client_name)) => {
                Ok(Self { title, description, due_on, assignee, new_client_name })
            }
            _ => Err(Error::internal("a task form passed its checks without its values", "")),
        }
    }
}

/// "Create task" on a project's Tasks.
pub async fn create(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    new: NewTask,
    ip: Option<String>,
) -> Result<i64> {
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let (project, org_row) = projects::with_organization(&*txn, org, project_id.0).await?;
    let assignee = match new.assignee {
        None => None,
        Some(email) => Some(assignee_of(&txn, org, project.id, email, new.new_client_name).await?),
    };
    // A task goes only to someone who will see it in the portal (as "Assign and send" checks),
    // or its invitation would name a task that their permissions then hide.
    if let Some(c) = &assignee {
        let may = crate::permissions::in_project(&*txn, org, c.id, project.id).await?;
        if !may.allows(Permission::ViewTasks) {
            return Err(Error::validation(
                "assignee",
                format!(
                    "{}'s permissions in this project do not show tasks. Change them first, or assign the task to someone else.",
                    c.name
                ),
            ));
        }
    }
    let row = task::ActiveModel {
        org_id: Set(org),
        project_id: Set(project.id),
        title: Set(new.title.into_string()),
        description: Set(new.description),
        due_on: Set(new.due_on),
        assignee_id: Set(assignee.as_ref().map(|c| c.id)),
        created_by: Set(Some(staff.user_id.0)),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&*txn)
    .await?;
    // Assigning a task to a client who cannot get in yet invites them: one email, naming it.
    let invited = match &assignee {
        Some(c) => {
            let note = crate::mail::TaskNote {
                title: row.title.clone(),
                due: row.due_on.map(|d| d.format("%-d %B %Y").to_string()),
            };
            crate::invitations::invite_for_tasks(&txn, portico, staff, &org_row, c, &project, &[note], ip.clone())
                .await?
                .is_none()
        }
        None => false,
    };
    audit::record(
        &*txn,
        audit::Event {
            org_id: org,
            actor: audit::Actor::Staff(staff.user_id.0),
            subject_kind: "task",
            subject_id: row.id,
            event: "task.created",
            detail: match &assignee {
                Some(c) => format!(
                    "Created task \"{}\" in {} for {} ({}){}",
                    row.title,
                    project.name,
                    c.name,
                    c.email,
                    if invited { ", who was invited by an email naming it" } else { "" }
                ),
                None => format!("Created task \"{}\" in {} for every client of the project", row.title, project.name),
            },
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    if invited {
        portico.outbox_wakeup.ring();
    }
    Ok(row.id)
}

/// The assignee: the project's client with this email; with "Add new client", the
/// organization's contact with this email or a new one, added to the project.
async fn assignee_of(
    txn: &sea_orm::DatabaseTransaction,
    org: i64,
    project: i64,
    email: EmailAddress,
    new_client_name: Option<Line>,
) -> Result<client::Model> {
    let found = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::Email.eq(email.as_str()))
        .one(txn)
        .await?;
    let on_project = match &found {
        Some(c) => project_client::Entity::find()
            .filter(project_client::Column::OrgId.eq(org))
            .filter(project_client::Column::ProjectId.eq(project))
            .filter(project_client::Column::ClientId.eq(c.id))
            .one(txn)
            .await?
            .is_some(),
        None => false,
    };
    let client = match (found, new_client_name) {
        (Some(c), _) if on_project => c,
        (found, Some(name)) => {
            let c = match found {
                Some(c) => c,
                None => {
                    let new = client::Model::new(org, None, &name, &email, None, crate::now());
                    crate::invitations::find_or_create_client(txn, new).await?.0
                }
            };
            crate::invitations::link_to_project(txn, org, project, c.id).await?;
            c
        }
        (_, None) => {
            return Err(Error::validation(
                "assignee",
                "No client of this project has this email. Use Add new client to add them, or leave it empty.",
            ));
        }
    };
    if client.deactivated_at.is_some() {
        return Err(Error::validation(
            "assignee",
            format!("{} is deactivated. Activate them before assigning them a task.", client.name),
        ));
    }
    Ok(client)
}

/// A project's Tasks as staff see them: open first (soonest due first), then completed.
pub async fn for_staff(portico: &Portico, staff: &Staff, project_id: ProjectId) -> Result<ProjectTasks> {
    let org = staff.org_id.0;
    let project = projects::find(&portico.db, org, project_id.0).await?;
    let select =
        task::Entity::find().filter(task::Column::OrgId.eq(org)).filter(task::Column::ProjectId.eq(project.id));
    let total = select.clone().count(&portico.db).await?;
    let open = select.clone().filter(task::Column::CompletedAt.is_null()).count(&portico.db).await?;
    let rows = listed(&portico.db, select).await?;
    Ok(ProjectTasks {
        project_id: project.id,
        project_name: project.name,
        tasks: rows_of(&portico.db, org, rows).await?,
        total,
        open,
    })
}

/// The project's clients the task composer and Assign and send suggest (the first by name;
/// any other is typed by email). Apart from the list: the composer is not made again when it
/// changes.
pub async fn assignee_suggestions(portico: &Portico, staff: &Staff, project_id: ProjectId) -> Result<Vec<Contact>> {
    let org = staff.org_id.0;
    let project = projects::find(&portico.db, org, project_id.0).await?;
    let assignees = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ProjectId.eq(project.id))
        .select_only()
        .column(project_client::Column::ClientId);
    Ok(client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::Id.in_subquery(sea_orm::QueryTrait::into_query(assignees)))
        .filter(client::Column::DeactivatedAt.is_null())
        .order_by_asc(client::Column::Name)
        .order_by_asc(client::Column::Id)
        .limit(ASSIGNEE_SUGGESTIONS)
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|c| Contact { id: c.id, name: c.name, email: c.email })
        .collect())
}

/// The tasks a list shows: open ones first by due date (undated last), then the latest completed.
async fn listed<C: ConnectionTrait>(db: &C, select: sea_orm::Select<task::Entity>) -> Result<Vec<task::Model>> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    Ok(select
        // Open (false) before completed (true); completed ones newest first (open ones have
        // none); then the soonest due first, undated last (`IS NULL`: the same on both
        // databases, which put nulls at opposite ends).
        .order_by_asc(Expr::col(task::Column::CompletedAt).is_not_null())
        .order_by_desc(task::Column::CompletedAt)
        .order_by_asc(Expr::col(task::Column::DueOn).is_null())
        .order_by_asc(task::Column::DueOn)
        .order_by_desc(task::Column::Id)
        .limit(SHOWN)
        .all(db)
        .await?)
}

/// Rows as a list shows them, with the names of who they are for and who completed them.
async fn rows_of<C: ConnectionTrait>(db: &C, org: i64, tasks: Vec<task::Model>) -> Result<Vec<TaskRow>> {
    let ids: Vec<i64> = tasks.iter().flat_map(|t| [t.assignee_id, t.completed_by]).flatten().collect();
    let names = crate::names::client_names(db, org, ids).await?;
    let today = now().date_naive();
    Ok(tasks
        .into_iter()
        .map(|t| TaskRow {
            id: t.id,
            title: t.title,
            description: t.description,
            due_on: t.due_on.map(|d| d.format("%Y-%m-%d").to_string()),
            due_label: t.due_on.map(|d| d.format("%-d %b %Y").to_string()),
            overdue: t.completed_at.is_none() && t.due_on.is_some_and(|d| d < today),
            assignee_name: t.assignee_id.and_then(|id| names.get(&id).cloned()),
            created_at: t.created_at,
            completed_at: t.completed_at,
            completed_by_name: t.completed_by.and_then(|id| names.get(&id).cloned()),
            completion_comment: t.completion_comment,
            completion_file: t.completion_file_name.map(|n| (n, t.completion_file_size.unwrap_or(0).max(0) as u64)),
        })
        .collect())
}

/// What a client sees of their tasks in a project: assigned to them or to nobody.
fn visible_to(select: sea_orm::Select<task::Entity>, client: &PortalClient) -> sea_orm::Select<task::Entity> {
    select.filter(
        Condition::any().add(task::Column::AssigneeId.eq(client.client_id.0)).add(task::Column::AssigneeId.is_null()),
    )
}

/// How many tasks the client still has to do in each of these projects: one query.
pub(crate) async fn open_by_project<C: ConnectionTrait>(
    db: &C,
    client: &PortalClient,
    projects: &[i64],
) -> Result<HashMap<i64, u64>> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    if projects.is_empty() {
        return Ok(HashMap::new());
    }
    let counts: Vec<(i64, i64)> = visible_to(
        task::Entity::find()
            .filter(task::Column::OrgId.eq(client.org_id.0))
            .filter(task::Column::ProjectId.is_in(projects.iter().copied()))
            .filter(task::Column::CompletedAt.is_null()),
        client,
    )
    .select_only()
    .column(task::Column::ProjectId)
    .column_as(ExprTrait::count(Expr::col(task::Column::Id)), "open")
    .group_by(task::Column::ProjectId)
    .into_tuple()
    .all(db)
    .await?;
    Ok(counts.into_iter().map(|(p, n)| (p, u64::try_from(n).unwrap_or(0))).collect())
}

/// A project's tasks in the portal: those the client may see, and how many are still open.
pub(crate) async fn for_client<C: ConnectionTrait>(
    db: &C,
    client: &PortalClient,
    project_id: i64,
) -> Result<(Vec<TaskRow>, u64)> {
    let org = client.org_id.0;
    let select = visible_to(
        task::Entity::find().filter(task::Column::OrgId.eq(org)).filter(task::Column::ProjectId.eq(project_id)),
        client,
    );
    let open = open_by_project(db, client, &[project_id]).await?.get(&project_id).copied().unwrap_or(0);
    let mut rows = listed(db, select).await?;
    // A file another client completed a shared task with is theirs and the team's.
    for t in rows.iter_mut().filter(|t| t.completed_by != Some(client.client_id.0)) {
        t.completion_file_name = None;
    }
    Ok((rows_of(db, org, rows).await?, open))
}

/// "Complete" on a task in the portal, with an optional comment (the server function: no file).
pub async fn complete(
    portico: &Portico,
    client: &PortalClient,
    task_id: i64,
    comment: &str,
    ip: Option<String>,
) -> Result<()> {
    match complete_with(portico, client, task_id, comment, None, ip).await {
        Ok(_) => Ok(()),
        Err(Refusal::Other(e)) => Err(e),
        Err(Refusal::File(p)) => Err(Error::validation("file", p.message(portico.document_max_bytes))),
    }
}

/// "Complete" on a task in the portal, with an optional comment and an optional file (a signed
/// form, a receipt): the file judged by its content like a document's, kept under
/// `tasks/<org>/<task id>` in the transaction that completes the task. The task's project, to
/// go back to.
pub async fn complete_with(
    portico: &Portico,
    client: &PortalClient,
    task_id: i64,
    comment: &str,
    file: Option<(String, Incoming)>,
    ip: Option<String>,
) -> std::result::Result<i64, Refusal> {
    let org = client.org_id.0;
    let comment = long_text("comment", "The comment", comment, COMMENT_MAX)?;
    let attachment = match file {
        None => None,
        Some((name, mut incoming)) => {
            let name = FileName::clean(&name);
            let kind = incoming.judge(&name).map_err(Refusal::File)?;
            incoming.settle().await?;
            Some((name, kind, incoming))
        }
    };
    // Read and decided in the transaction that writes: a client removed from the project or
    // whose permissions change meanwhile cannot complete on the strength of an older read.
    let txn = portico.begin().await?;
    let (found, project) = completable(&*txn, client, task_id).await?;
    use sea_orm::sea_query::Expr;
    // Completed once: a second click, or two clients of a shared task at once, changes nothing.
    let done = task::Entity::update_many()
        .col_expr(task::Column::CompletedAt, Expr::value(Some(now())))
        .col_expr(task::Column::CompletedBy, Expr::value(Some(client.client_id.0)))
        .col_expr(task::Column::CompletionComment, Expr::value((!comment.is_empty()).then_some(comment.clone())))
        .col_expr(
            task::Column::CompletionFileName,
            Expr::value(attachment.as_ref().map(|(n, ..)| n.as_str().to_string())),
        )
        .col_expr(
            task::Column::CompletionFileType,
            Expr::value(attachment.as_ref().map(|(_, k, _)| k.content_type.to_string())),
        )
        .col_expr(task::Column::CompletionFileSize, Expr::value(attachment.as_ref().map(|(.., f)| f.size() as i64)))
        .filter(task::Column::Id.eq(found.id))
        .filter(task::Column::CompletedAt.is_null())
        .exec(&*txn)
        .await?
        .rows_affected;
    if done == 0 {
        return Err(Error::Conflict(ALREADY_COMPLETE.into()).into());
    }
    let with_file = attachment.as_ref().map(|(n, ..)| format!(" with {}", n.as_str())).unwrap_or_default();
    audit::record(
        &*txn,
        audit::Event {
            org_id: org,
            actor: audit::Actor::Client(client.client_id.0),
            subject_kind: "task",
            subject_id: found.id,
            event: "task.completed",
            detail: match comment.as_str() {
                "" => format!("{} completed \"{}\" in {}{with_file}", client.name, found.title, project.name),
                c => format!("{} completed \"{}\" in {}{with_file}: {c}", client.name, found.title, project.name),
            },
            ip,
        },
    )
    .await?;
    match attachment {
        Some((.., incoming)) => {
            let placed = incoming.place(file_path(portico, org, found.id)).await?;
            commit_keeping(txn, placed).await?;
        }
        None => txn.commit().await?,
    }
    Ok(project.id)
}

/// What completing a completed task answers.
pub const ALREADY_COMPLETE: &str = "This task is already complete.";

/// Whether this client may complete this task now: checked before a file sent with "Complete"
/// is written anywhere (and again, in the transaction, when it is kept).
pub async fn may_complete<C: ConnectionTrait>(db: &C, client: &PortalClient, task_id: i64) -> Result<()> {
    completable(db, client, task_id).await.map(|_| ())
}

/// The task and its project, if this client may complete it: a task they cannot see is not
/// found, whichever the reason (another organization, another project, another client's task,
/// no View tasks); without Complete tasks it is forbidden.
async fn completable<C: ConnectionTrait>(
    db: &C,
    client: &PortalClient,
    task_id: i64,
) -> Result<(task::Model, crate::entities::project::Model)> {
    let org = client.org_id.0;
    let found = visible_to(task::Entity::find_by_id(task_id).filter(task::Column::OrgId.eq(org)), client)
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    let project = portal::joined_project(db, client, found.project_id).await?;
    let permissions = crate::permissions::in_project(db, org, client.client_id.0, project.id).await?;
    if !permissions.allows(Permission::ViewTasks) {
        return Err(Error::NotFound);
    }
    if !permissions.allows(Permission::CompleteTasks) {
        return Err(Error::Forbidden);
    }
    Ok((found, project))
}

/// Tasks "Assign and send" takes at once.
pub const SEND_MAX: usize = 200;

/// "Assign and send" on a project's Tasks: the selected open tasks, assigned to one client of
/// the project when staff name one (else each keeps its assignee), go to their clients in one
/// email per client listing theirs. A client who cannot get in yet is invited by that email
/// (it names the tasks); one who can is sent "asked you to…" with a link to their tasks. Tasks
/// for nobody, completed ones and deactivated clients' are left, each with the reason.
pub async fn assign_and_send(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    task_ids: &[i64],
    assignee: &str,
    ip: Option<String>,
) -> Result<crate::model::TasksSent> {
    let org = staff.org_id.0;
    let mut ids: Vec<i64> = task_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Err(Error::validation("task_ids", "Choose the tasks to send."));
    }
    if ids.len() > SEND_MAX {
        return Err(Error::validation("task_ids", format!("Send at most {SEND_MAX} tasks at once.")));
    }
    let assignee = match assignee.trim() {
        "" => None,
        text => Some(EmailAddress::parse(text).map_err(|_| {
            Error::validation("assignee", "Enter the email of a client of this project, or leave it empty.")
        })?),
    };
    let txn = portico.begin().await?;
    let project = projects::find(&*txn, org, project_id.0).await?;
    let chosen = task::Entity::find()
        .filter(task::Column::OrgId.eq(org))
        .filter(task::Column::ProjectId.eq(project.id))
        .filter(task::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(task::Column::Id)
        .all(&*txn)
        .await?;
    // A task of another project or organization is not found, whatever else was chosen.
    if chosen.len() != ids.len() {
        return Err(Error::NotFound);
    }
    let assignee = match assignee {
        Some(email) => Some(assignee_of(&txn, org, project.id, email, None).await?),
        None => None,
    };
    let previous = crate::names::client_names(&*txn, org, chosen.iter().filter_map(|t| t.assignee_id)).await?;
    let mut skipped = Vec::new();
    let mut by_client: std::collections::BTreeMap<i64, Vec<task::Model>> = std::collections::BTreeMap::new();
    for t in chosen {
        if t.completed_at.is_some() {
            skipped.push((t.title, "Already completed.".to_string()));
            continue;
        }
        let for_whom = match &assignee {
            Some(c) => {
                if t.assignee_id != Some(c.id) {
                    // Only while it is open: a task completed meanwhile stays as it was.
                    let moved = task::Entity::update_many()
                        .col_expr(task::Column::AssigneeId, sea_orm::sea_query::Expr::value(Some(c.id)))
                        .filter(task::Column::OrgId.eq(org))
                        .filter(task::Column::Id.eq(t.id))
                        .filter(task::Column::CompletedAt.is_null())
                        .exec(&*txn)
                        .await?
                        .rows_affected;
                    if moved == 0 {
                        skipped.push((t.title, "Already completed.".to_string()));
                        continue;
                    }
                    let was = match t.assignee_id {
                        Some(before) => previous
                            .get(&before)
                            .map_or_else(|| " (was a former client)".to_string(), |n| format!(" (was {n})")),
                        None => " (was for every client of the project)".to_string(),
                    };
                    audit::record(
                        &*txn,
                        audit::Event {
                            org_id: org,
                            actor: audit::Actor::Staff(staff.user_id.0),
                            subject_kind: "task",
                            subject_id: t.id,
                            event: "task.assigned",
                            detail: format!("Assigned \"{}\" in {} to {}{was}", t.title, project.name, c.name),
                            ip: ip.clone(),
                        },
                    )
                    .await?;
                }
                Some(c.id)
            }
            None => t.assignee_id,
        };
        match for_whom {
            Some(client) => by_client.entry(client).or_default().push(t),
            None => skipped.push((t.title, "Not assigned to anyone: choose whom to assign it to.".to_string())),
        }
    }
    let clients: HashMap<i64, client::Model> = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::Id.is_in(by_client.keys().copied()))
        .all(&*txn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let org_row = crate::entities::organization::Entity::find_by_id(org).one(&*txn).await?.ok_or(Error::NotFound)?;
    let may = crate::permissions::clients_in_project(&*txn, org, project.id, by_client.keys().copied()).await?;
    let link = format!("{}/portal/projects/{}", portico.public_url, project.id);
    let (mut sent_tasks, mut sent_clients, mut invited) = (0, 0, 0);
    for (client_id, tasks) in by_client {
        let Some(c) = clients.get(&client_id) else { continue };
        let refused = if c.deactivated_at.is_some() {
            Some(format!("{} is deactivated.", c.name))
        } else if !may.contains_key(&c.id) {
            Some(format!("{} is no longer a client of this project.", c.name))
        } else if !may.get(&c.id).is_some_and(|m| m.allows(Permission::ViewTasks)) {
            Some(format!("{}'s permissions in this project do not show tasks.", c.name))
        } else {
            None
        };
        if let Some(why) = refused {
            skipped.extend(tasks.into_iter().map(|t| (t.title, why.clone())));
            continue;
        }
        let notes: Vec<crate::mail::TaskNote> = tasks
            .iter()
            .map(|t| crate::mail::TaskNote {
                title: t.title.clone(),
                due: t.due_on.map(|d| d.format("%-d %B %Y").to_string()),
            })
            .collect();
        let standing =
            crate::invitations::invite_for_tasks(&txn, portico, staff, &org_row, c, &project, &notes, ip.clone())
                .await?;
        let why = match standing {
            None | Some(AccessStatus::Active) => None,
            Some(AccessStatus::Invited) => Some(format!(
                "{} has not accepted their invitation yet: they will find it in the portal once they do.",
                c.name
            )),
            Some(AccessStatus::Locked) => Some(format!("{} is locked out: unlock them first.", c.name)),
            Some(_) => Some(format!("{}'s invitation was cancelled: invite them again first.", c.name)),
        };
        if let Some(why) = why {
            skipped.extend(tasks.into_iter().map(|t| (t.title, why.clone())));
            continue;
        }
        let was_invited = standing.is_none();
        if was_invited {
            invited += 1;
        } else {
            let rendered = crate::mail::tasks(&crate::mail::Tasks {
                org_name: &org_row.name,
                sender_name: &staff.name,
                client_name: &c.name,
                project_name: &project.name,
                tasks: &notes,
                link: &link,
            })?;
            crate::outbox::enqueue(
                &*txn,
                portico,
                crate::outbox::Outgoing {
                    org_id: org,
                    topic: crate::outbox::Topic::Tasks,
                    to: &c.email,
                    from_name: &org_row.name,
                    mail: rendered,
                    invitation_id: None,
                },
            )
            .await?;
        }
        let titles: Vec<String> = tasks.iter().map(|t| format!("\"{}\"", t.title)).collect();
        audit::record(
            &*txn,
            audit::Event {
                org_id: org,
                actor: audit::Actor::Staff(staff.user_id.0),
                subject_kind: "client",
                subject_id: c.id,
                event: "tasks.sent",
                detail: format!(
                    "Sent {} in {} to {} ({}){}",
                    titles.join(", "),
                    project.name,
                    c.name,
                    c.email,
                    if was_invited { ", with an invitation" } else { "" }
                ),
                ip: ip.clone(),
            },
        )
        .await?;
        sent_tasks += tasks.len() as u64;
        sent_clients += 1;
    }
    txn.commit().await?;
    if sent_clients > 0 {
        portico.outbox_wakeup.ring();
    }
    Ok(crate::model::TasksSent { tasks: sent_tasks, clients: sent_clients, invited, skipped })
}

/// The files of the tasks assigned to a client that is being deleted (the tasks go with them).
pub(crate) async fn completion_files_of<C: ConnectionTrait>(
    db: &C,
    portico: &Portico,
    org: i64,
    client: i64,
) -> Result<Vec<std::path::PathBuf>> {
    let ids: Vec<i64> = task::Entity::find()
        .filter(task::Column::OrgId.eq(org))
        .filter(task::Column::AssigneeId.eq(client))
        .filter(task::Column::CompletionFileName.is_not_null())
        .select_only()
        .column(task::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().map(|id| file_path(portico, org, id)).collect())
}

/// Where the file a task was completed with is: numbers only.
fn file_path(portico: &Portico, org: i64, task: i64) -> std::path::PathBuf {
    kept_at(portico, "tasks", org, task)
}

fn file_of(portico: &Portico, t: task::Model) -> Result<DocumentFile> {
    let (Some(name), Some(content_type)) = (t.completion_file_name, t.completion_file_type) else {
        return Err(Error::NotFound);
    };
    Ok(DocumentFile {
        path: file_path(portico, t.org_id, t.id),
        name,
        content_type,
        size: t.completion_file_size.unwrap_or(0).max(0) as u64,
    })
}

/// The file a task was completed with, for staff of its organization.
pub async fn file_for_staff(portico: &Portico, staff: &Staff, task_id: i64) -> Result<DocumentFile> {
    let t = task::Entity::find_by_id(task_id)
        .filter(task::Column::OrgId.eq(staff.org_id.0))
        .one(&portico.db)
        .await?
        .ok_or(Error::NotFound)?;
    file_of(portico, t)
}

/// The file a task was completed with, for the client who completed it, while they are in its
/// project; anything else is "not found".
pub async fn file_for_client(portico: &Portico, client: &PortalClient, task_id: i64) -> Result<DocumentFile> {
    let t = task::Entity::find_by_id(task_id)
        .filter(task::Column::OrgId.eq(client.org_id.0))
        .filter(task::Column::CompletedBy.eq(client.client_id.0))
        .one(&portico.db)
        .await?
        .ok_or(Error::NotFound)?;
    portal::joined_project(&portico.db, client, t.project_id).await.map_err(|_| Error::NotFound)?;
    let may = crate::permissions::in_project(&portico.db, client.org_id.0, client.client_id.0, t.project_id).await?;
    if !may.allows(Permission::ViewTasks) {
        return Err(Error::NotFound);
    }
    file_of(portico, t)
}
