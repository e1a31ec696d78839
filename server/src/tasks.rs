//! The routes of tasks in the portal: "Complete" (a plain multipart form post: it may carry a
//! file, and works before and without the page's script) and the file a task was completed with,
//! for staff and for the client who completed it. The rules are in `portico_core::tasks`.

use std::net::SocketAddr;

use axum::{
    Extension, Router,
    extract::{ConnectInfo, Multipart, Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use portico_app::server::AppState;
use portico_core::{Error, documents::Refusal, model::CompletionProblem, tasks};

use crate::documents::{Unread, client_file, client_of, read_form, refused, staff_file, upload_limit};

const FORBIDDEN: &str = "You may not complete tasks in this project.";

pub fn routes(max_bytes: u64) -> Router<AppState> {
    let limit = upload_limit(max_bytes);
    Router::new()
        .route("/portal/tasks/{id}/complete", post(complete).layer(limit))
        .route("/tasks/{id}/file", get(staff_task_file))
        .route("/portal/tasks/{id}/file", get(client_task_file))
}

/// Whether a path is the completion route (it may carry a file: `request_timeout`).
pub fn is_upload(path: &str) -> bool {
    path.starts_with("/portal/tasks/") && path.ends_with("/complete")
}

/// Back to the task on its project's page, with what happened. The project comes from the form
/// (a number: the address cannot lead anywhere else) when the task's own is not known. A refused
/// completion brings back the comment as typed (cut to what the box holds), so nothing typed is
/// lost; only the file must be chosen again. Only while the address stays short
/// (`COMMENT_IN_ADDRESS_MAX` once encoded): proxies refuse long headers and addresses (nginx's
/// default header buffer is 4–8 KB), and 2,000 characters of another script encode to 12–24 KB.
fn back(project: i64, task: i64, problem: Option<CompletionProblem>, comment: &str) -> Response {
    const COMMENT_IN_ADDRESS_MAX: usize = 2_048;
    // A completed task's confirmation is said at the top of the Tasks card, where the page
    // opens (on a phone the task itself may be a screen below it); a refusal opens at the task.
    let (query, at) = match problem {
        None => (format!("completed={task}"), "tasks-title".to_string()),
        Some(p) => {
            let kept: String = comment.chars().take(portico_core::model::TASK_COMMENT_MAX).collect();
            let encoded: String = url::form_urlencoded::byte_serialize(kept.as_bytes()).collect();
            let typed = if encoded.is_empty() || encoded.len() > COMMENT_IN_ADDRESS_MAX {
                String::new()
            } else {
                format!("&comment={encoded}")
            };
            (format!("complete_problem={}&task={task}{typed}", p.key()), format!("task-{task}-title"))
        }
    };
    Redirect::to(&format!("/portal/projects/{project}?{query}#{at}")).into_response()
}

async fn complete(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let ip = peer.map(|Extension(ConnectInfo(addr))| addr.ip().to_string());
    let client = match client_of(&state, &headers).await {
        Ok(client) => client,
        Err(refused) => return refused,
    };
    // Checked before a byte is written: nobody fills the disk through a task not theirs.
    match tasks::may_complete(&state.portico.db, &client, id).await {
        Ok(()) => {}
        Err(Error::Forbidden) => return forbidden(),
        Err(e) => return refused(e, FORBIDDEN),
    }
    let (received, file_problem) = match read_form(&state, form).await {
        Ok(received) => (received, None),
        Err(Unread::File(problem, fields)) => {
            (crate::documents::Received { fields, file: None }, Some(CompletionProblem::File(problem)))
        }
        Err(Unread::Other(e)) => return refused(e, FORBIDDEN),
    };
    let field = |name: &str| received.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let project = field("project_id").and_then(|p| p.trim().parse::<i64>().ok()).unwrap_or(0);
    let comment = field("comment").unwrap_or_default();
    if let Some(problem) = file_problem {
        return back(project, id, Some(problem), &comment);
    }
    match tasks::complete_with(&state.portico, &client, id, &comment, received.file, ip).await {
        Ok(project) => back(project, id, None, ""),
        Err(Refusal::File(p)) => back(project, id, Some(CompletionProblem::File(p)), &comment),
        Err(Refusal::Other(Error::Validation { .. })) => back(project, id, Some(CompletionProblem::Comment), &comment),
        Err(Refusal::Other(Error::Conflict(why))) if why == tasks::ALREADY_COMPLETE => {
            back(project, id, Some(CompletionProblem::AlreadyComplete), "")
        }
        Err(Refusal::Other(Error::Forbidden)) => forbidden(),
        Err(Refusal::Other(e)) => refused(e, FORBIDDEN),
    }
}

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, FORBIDDEN).into_response()
}

async fn staff_task_file(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    staff_file(&state, &headers, async |portico, staff| tasks::file_for_staff(portico, staff, id).await).await
}

async fn client_task_file(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    client_file(&state, &headers, async |portico, client| tasks::file_for_client(portico, client, id).await).await
}
