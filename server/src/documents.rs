//! The routes of documents: upload (a plain multipart form post, so it works before and without
//! the page's script) and download (an attachment, checked against who asks), for staff on a
//! project's page and for clients in the portal. The rules are in `portico_core::documents`.

use std::net::SocketAddr;

use axum::{
    Extension, Router,
    extract::{ConnectInfo, DefaultBodyLimit, Multipart, Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use portico_app::server::AppState;
use portico_core::{
    Error,
    documents::{self, DocumentFile, Incoming, Refusal, Uploader},
    domain::ProjectId,
    model::DocumentProblem,
    sessions::{PortalClient, Principal},
};

pub fn routes(max_bytes: u64) -> Router<AppState> {
    let limit = upload_limit(max_bytes);
    Router::new()
        .route("/projects/{id}/documents", post(staff_upload).layer(limit))
        .route("/documents/{id}/download", get(staff_download))
        .route("/portal/projects/{id}/documents", post(client_upload).layer(limit))
        .route("/portal/documents/{id}/download", get(client_download))
}

/// Whether a path is one of the upload routes (they may take longer: `request_timeout`).
pub fn is_upload(path: &str) -> bool {
    (path.ends_with("/documents") || path.ends_with("/invoices"))
        && (path.starts_with("/projects/") || path.starts_with("/portal/projects/"))
}

/// Where an upload's form is, and how to go back to it with what happened.
struct Back(String);

impl Back {
    fn uploaded(&self, id: i64) -> Response {
        Redirect::to(&format!("{}?uploaded={id}#documents-title", self.0)).into_response()
    }
    fn problem(&self, problem: DocumentProblem) -> Response {
        Redirect::to(&format!("{}?upload={}#documents-title", self.0, problem.key())).into_response()
    }
}

async fn staff_upload(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let ip = peer.map(|Extension(ConnectInfo(addr))| addr.ip().to_string());
    let back = Back(format!("/projects/{id}"));
    let Some(staff) = crate::staff_of(&state, &headers).await else {
        return Redirect::to(&format!("/sign-in?next={}", back.0)).into_response();
    };
    receive(&state, Uploader::Staff(&staff), ProjectId(id), form, back, ip).await
}

async fn client_upload(
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
    let back = Back(format!("/portal/projects/{id}"));
    receive(&state, Uploader::Client(&client), ProjectId(id), form, back, ip).await
}

/// Takes the form's `file` part into an `Incoming` file and keeps it, or sends the browser back
/// to the form with the reason.
async fn receive(
    state: &AppState,
    who: Uploader<'_>,
    project: ProjectId,
    form: Multipart,
    back: Back,
    ip: Option<String>,
) -> Response {
    let portico = &state.portico;
    // Checked before a byte is written: nobody fills the disk of a project they cannot use.
    if let Err(e) = documents::may_upload(&portico.db, who, project).await {
        return refused(e, UPLOAD_FORBIDDEN);
    }
    let received = match read_form(state, form).await {
        Ok(received) => received,
        Err(Unread::File(problem, _)) => return back.problem(problem),
        Err(Unread::Other(e)) => return refused(e, UPLOAD_FORBIDDEN),
    };
    let Some((name, incoming)) = received.file else { return back.problem(DocumentProblem::NoFile) };
    match documents::store(portico, who, project, &name, incoming, ip).await {
        Ok(row) => back.uploaded(row.id),
        Err(Refusal::File(problem)) => back.problem(problem),
        Err(Refusal::Other(e)) => refused(e, UPLOAD_FORBIDDEN),
    }
}

/// A multipart form as it arrived: its text fields, and its `file` part in an `Incoming` file
/// (none when the form was sent without one).
pub(crate) struct Received {
    pub fields: Vec<(String, String)>,
    pub file: Option<(String, Incoming)>,
}

/// Why a form could not be read: its file (too large, cut short; with the fields read before
/// it, so the form can come back filled in), or an error.
pub(crate) enum Unread {
    File(DocumentProblem, Vec<(String, String)>),
    Other(Error),
}

/// The text fields kept from an upload's form, and the longest kept (the rest of a longer one
/// is dropped): the fields beside a file are few and short (an invoice's number, an amount, a
/// date, a task's comment), and nothing more of a form is held in memory. Longer than any field
/// may be (a 2,000-character comment of 4-byte characters is 8,000 bytes), so what is cut is
/// always still too long, and refused, never taken cut.
const FIELDS_MAX: usize = 16;
const FIELD_MAX: usize = 8 * 1024 + 4;

/// Reads an upload's form: text fields (bounded) and the first `file` part streamed to disk, its
/// size capped as it arrives. A refused file is read to its end first, so the browser gets the
/// answer rather than a connection reset while it is still sending.
pub(crate) async fn read_form(state: &AppState, mut form: Multipart) -> Result<Received, Unread> {
    let mut received = Received { fields: Vec::new(), file: None };
    loop {
        let mut field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => return Ok(received),
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(Unread::File(DocumentProblem::TooLarge, received.fields));
            }
            Err(_) => return Err(Unread::File(DocumentProblem::NoFile, received.fields)),
        };
        let Some(field_name) = field.name().map(str::to_string) else { continue };
        if field_name != "file" {
            let mut value = Vec::new();
            while let Ok(Some(bytes)) = field.chunk().await {
                let room = FIELD_MAX.saturating_sub(value.len());
                value.extend_from_slice(&bytes[..bytes.len().min(room)]);
            }
            if received.fields.len() < FIELDS_MAX {
                received.fields.push((field_name, String::from_utf8_lossy(&value).into_owned()));
            }
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_string();
        // A form sent with no file chosen still has the part, with no name and no bytes.
        if name.is_empty() || received.file.is_some() {
            while let Ok(Some(_)) = field.chunk().await {}
            continue;
        }
        let mut incoming = Incoming::begin(&state.portico).await.map_err(Unread::Other)?;
        loop {
            match field.chunk().await {
                Ok(Some(bytes)) => match incoming.write(&bytes).await {
                    Ok(()) => {}
                    Err(Refusal::File(problem)) => {
                        while let Ok(Some(_)) = field.chunk().await {}
                        drop(field);
                        drain(&mut form).await;
                        return Err(Unread::File(problem, received.fields));
                    }
                    Err(Refusal::Other(e)) => return Err(Unread::Other(e)),
                },
                Ok(None) => break,
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    return Err(Unread::File(DocumentProblem::TooLarge, received.fields));
                }
                Err(_) => return Err(Unread::File(DocumentProblem::NoFile, received.fields)),
            }
        }
        received.file = Some((name, incoming));
    }
}

/// Reads what is left of a refused upload (up to the body limit), so the browser gets the
/// answer rather than a connection reset while it is still sending.
async fn drain(form: &mut Multipart) {
    while let Ok(Some(mut next)) = form.next_field().await {
        while let Ok(Some(_)) = next.chunk().await {}
    }
}

/// The body limit of a form that carries a file: the file, and room for the fields around it
/// (the file itself stops at `max_bytes` as it arrives).
pub(crate) fn upload_limit(max_bytes: u64) -> DefaultBodyLimit {
    DefaultBodyLimit::max(usize::try_from(max_bytes).unwrap_or(usize::MAX).saturating_add(64 * 1024))
}

/// A file for the signed-in staff member, as `open` decides (a document, an invoice's PDF, a
/// task's file), or why not.
pub(crate) async fn staff_file(
    state: &AppState,
    headers: &HeaderMap,
    open: impl AsyncFnOnce(&portico_core::Portico, &portico_core::accounts::Staff) -> portico_core::Result<DocumentFile>,
) -> Response {
    let Some(staff) = crate::staff_of(state, headers).await else {
        return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response();
    };
    match open(&state.portico, &staff).await {
        Ok(file) => send(file).await,
        Err(e) => refused(e, OPEN_FORBIDDEN),
    }
}

/// A file for the signed-in client, as `open` decides, or why not.
pub(crate) async fn client_file(
    state: &AppState,
    headers: &HeaderMap,
    open: impl AsyncFnOnce(&portico_core::Portico, &PortalClient) -> portico_core::Result<DocumentFile>,
) -> Response {
    let client = match client_of(state, headers).await {
        Ok(client) => client,
        Err(refused) => return refused,
    };
    match open(&state.portico, &client).await {
        Ok(file) => send(file).await,
        Err(e) => refused(e, OPEN_FORBIDDEN),
    }
}

async fn staff_download(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    staff_file(&state, &headers, async |portico, staff| documents::open_for_staff(portico, staff, id).await).await
}

async fn client_download(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    client_file(&state, &headers, async |portico, client| documents::open_for_client(portico, client, id).await).await
}

/// The file as an attachment, streamed: never shown inside the site (no script in an uploaded
/// file runs with the site's origin), its type the one found in its content.
async fn send(file: DocumentFile) -> Response {
    match tokio::fs::File::open(&file.path).await {
        Ok(f) => (
            [
                (header::CONTENT_TYPE, file.content_type.clone()),
                (header::CONTENT_LENGTH, file.size.to_string()),
                (header::CONTENT_DISPOSITION, documents::attachment(&file.name)),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
                (header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'".to_string()),
            ],
            axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(f)),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a document's file is missing");
            (StatusCode::GONE, "This file is missing. Ask the team to upload it again.").into_response()
        }
    }
}

/// The signed-in client of a request, or the answer for one who is not.
pub(crate) async fn client_of(state: &AppState, headers: &HeaderMap) -> Result<PortalClient, Response> {
    match crate::principal_of(state, headers).await {
        // Nothing behind the door before the password is chosen: to that step, as the pages do.
        Some(Principal::Client(client)) if client.needs_password => {
            Err(Redirect::to("/portal/password").into_response())
        }
        Some(Principal::Client(client)) => Ok(client),
        Some(Principal::SwitchedOff(notice)) => Err((StatusCode::FORBIDDEN, notice).into_response()),
        _ => Err(Redirect::to("/portal").into_response()),
    }
}

const UPLOAD_FORBIDDEN: &str = "You may not upload documents to this project.";
const OPEN_FORBIDDEN: &str = "You may not open this file.";

/// What a refused file or form request is told, as a short page: `forbidden` says what this
/// caller may not do here; what does not exist and what is not theirs get the same "not found".
pub(crate) fn refused(e: Error, forbidden: &'static str) -> Response {
    match e {
        Error::Forbidden => (StatusCode::FORBIDDEN, forbidden).into_response(),
        Error::Conflict(why) => (StatusCode::CONFLICT, why).into_response(),
        Error::NotFound | Error::Unauthorized => (StatusCode::NOT_FOUND, "We could not find that.").into_response(),
        e => {
            tracing::error!(error = %e, "a file or form request failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong. Try again.").into_response()
        }
    }
}
