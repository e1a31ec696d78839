//! The routes of digital forms: a client's "Send answers" / "Skip for now" (a plain form post:
//! it works before and without the page's script, on any phone) and the answers of a form as
//! CSV for staff. The rules are in `portico_core::forms`.

use std::net::SocketAddr;

use axum::{
    Extension, Router,
    body::Bytes,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use portico_app::server::AppState;
use portico_core::{Error, forms};

use crate::documents::client_of;

pub fn routes() -> Router<AppState> {
    Router::new().route("/portal/forms/{id}", post(answer)).route("/forms/{id}/answers.csv", get(answers_csv))
}

/// Every name and value the form posted, in order (a multiple choice posts its name once per
/// ticked box).
fn posted(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).map(|(n, v)| (n.into_owned(), v.into_owned())).collect()
}

async fn answer(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ip = peer.map(|Extension(ConnectInfo(addr))| addr.ip().to_string());
    let client = match client_of(&state, &headers).await {
        Ok(client) => client,
        Err(refused) => return refused,
    };
    let posted = posted(&body);
    let skip = posted.iter().any(|(n, v)| n == "action" && v == "skip");
    let back = |query: String| Redirect::to(&format!("/portal/forms/{id}{query}")).into_response();
    match forms::answer(&state.portico, &client, id, &posted, skip, ip).await {
        Ok(forms::Answered::Sent { project_id }) => {
            Redirect::to(&format!("/portal/projects/{project_id}?form_answered={id}#forms-title")).into_response()
        }
        Ok(forms::Answered::Skipped { project_id }) => {
            Redirect::to(&format!("/portal/projects/{project_id}?form_skipped={id}#forms-title")).into_response()
        }
        Ok(forms::Answered::Refused(problems)) => {
            // No fragment: the first answer to fix takes the focus (`autofocus`), which a
            // fragment in the address would stop.
            let keys: Vec<String> = problems.iter().map(|(field, p)| format!("{field}:{}", p.key())).collect();
            back(format!("?problems={}", keys.join(",")))
        }
        Ok(forms::Answered::CannotSkip) => back("?problems=skip#form-title".into()),
        Ok(forms::Answered::AlreadyAnswered) => back(String::new()),
        Err(Error::Conflict(_)) => Redirect::to("/portal/password").into_response(),
        Err(e) => crate::documents::refused(e, "You may not submit forms in this project."),
    }
}

async fn answers_csv(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    let Some(staff) = crate::staff_of(&state, &headers).await else {
        return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response();
    };
    match forms::answers_csv(&state.portico, &staff, id).await {
        Ok((name, bytes)) => crate::csv_attachment(&name, bytes),
        Err(e) => crate::documents::refused(e, "Only owners and admins may download a form's answers."),
    }
}
