//! The routes of invoices: "Add invoice" (a plain multipart form post: it carries the PDF, and
//! works before and without the page's script) and the PDF's download, for staff on a project's
//! page and for clients in the portal. The rules are in `portico_core::invoices`.

use std::net::SocketAddr;

use axum::{
    Extension, Router,
    extract::{ConnectInfo, Multipart, Path, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use portico_app::server::AppState;
use portico_core::{
    domain::ProjectId,
    invoices::{self, InvoiceForm, Refusal},
    model::InvoiceProblem,
};

use crate::documents::{Unread, client_file, read_form, refused, staff_file, upload_limit};

const FORBIDDEN: &str = "You may not add invoices to this project.";

pub fn routes(max_bytes: u64) -> Router<AppState> {
    let limit = upload_limit(max_bytes);
    Router::new()
        .route("/projects/{id}/invoices", post(add).layer(limit))
        .route("/invoices/{id}/pdf", get(staff_pdf))
        .route("/portal/invoices/{id}/pdf", get(client_pdf))
}

/// Back to the project's Invoices: with the new invoice's id, or with what to fix and what was
/// typed (the fields come back filled in; only the PDF must be chosen again).
fn back(project: i64, outcome: Result<i64, (Vec<InvoiceProblem>, &InvoiceForm)>) -> Response {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    match outcome {
        Ok(id) => {
            query.append_pair("invoice_added", &id.to_string());
        }
        Err((problems, form)) => {
            let keys: Vec<String> = problems.iter().map(|p| p.key()).collect();
            // What was typed, cut short: the address stays well inside what proxies accept.
            let typed = |value: &str| value.chars().take(100).collect::<String>();
            query
                .append_pair("invoice_problems", &keys.join(","))
                .append_pair("number", &typed(&form.number))
                .append_pair("amount", &typed(&form.amount))
                .append_pair("currency", &typed(&form.currency))
                .append_pair("due_on", &typed(&form.due_on))
                .append_pair("status", &typed(&form.status));
        }
    }
    Redirect::to(&format!("/projects/{project}?{}#invoices-title", query.finish())).into_response()
}

async fn add(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: Multipart,
) -> Response {
    let ip = peer.map(|Extension(ConnectInfo(addr))| addr.ip().to_string());
    let Some(staff) = crate::staff_of(&state, &headers).await else {
        return Redirect::to(&format!("/sign-in?next=/projects/{id}")).into_response();
    };
    // Checked before a byte is written: nobody fills the disk through a project not theirs.
    if let Err(e) = portico_core::projects::find(&state.portico.db, staff.org_id.0, id).await {
        return refused(e, FORBIDDEN);
    }
    let (fields, pdf) = match read_form(&state, form).await {
        Ok(received) => (InvoiceForm::of(&received.fields), received.file),
        // The PDF was refused as it arrived (too large): the fields sent before it are checked
        // too, and come back with every problem.
        Err(Unread::File(problem, fields)) => {
            let fields = InvoiceForm::of(&fields);
            let mut problems = fields.check().err().unwrap_or_default();
            problems.push(InvoiceProblem::Pdf(problem));
            return back(id, Err((problems, &fields)));
        }
        Err(Unread::Other(e)) => return refused(e, FORBIDDEN),
    };
    match invoices::add(&state.portico, &staff, ProjectId(id), &fields, pdf, ip).await {
        Ok(invoice) => back(id, Ok(invoice)),
        Err(Refusal::Problems(problems)) => back(id, Err((problems, &fields))),
        Err(Refusal::Other(e)) => refused(e, FORBIDDEN),
    }
}

async fn staff_pdf(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    staff_file(&state, &headers, async |portico, staff| invoices::open_for_staff(portico, staff, id).await).await
}

async fn client_pdf(State(state): State<AppState>, Path(id): Path<i64>, headers: HeaderMap) -> Response {
    client_file(&state, &headers, async |portico, client| invoices::open_for_client(portico, client, id).await).await
}
