//! Documents: files on a project. Staff upload and delete them on the project's page; clients
//! download them and upload their own in the portal, as their permissions allow. Uploading is a
//! plain form post to a route of the server (`server/src/documents.rs`), so it works before and
//! without the page's script; the browser comes back to the page with what happened in the
//! address.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::{DocumentKind, DocumentProblem, DocumentRow, ProjectDocuments, file_size, short_date};

use crate::{
    components::{LoadError, successes, toast_outcome},
    error::AppError,
    loading::load,
};

#[server(output = Postcard)]
pub async fn load_project_documents(project_id: i64) -> Result<ProjectDocuments, AppError> {
    use portico_core::{documents, domain::ProjectId};
    let staff = crate::server::staff().await?;
    Ok(documents::for_staff(&crate::server::portico()?, &staff, ProjectId(project_id)).await?)
}

/// "Delete document" on a project's page.
#[server]
pub async fn delete_document(document_id: i64) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::documents::delete(&crate::server::portico()?, &staff, document_id, crate::server::client_ip())
        .await?)
}

/// A project page's documents and the action that deletes them; made with the page (see
/// `tasks::ProjectTasksData`).
#[derive(Clone, Copy)]
pub struct ProjectDocumentsData {
    documents: crate::loading::Loaded<Result<ProjectDocuments, AppError>>,
    delete: ServerAction<DeleteDocument>,
}

impl ProjectDocumentsData {
    /// For the project named by the page's `:id`.
    pub fn for_page() -> Self {
        let delete = ServerAction::<DeleteDocument>::new();
        toast_outcome(delete.value(), "Document deleted");
        let deleted = successes(delete.value(), delete.version());
        let documents = load(
            move || (crate::projects::id_param("id"), deleted.get()),
            |(id, _)| async move {
                match id {
                    Some(id) => load_project_documents(id).await,
                    None => Err(AppError::NotFound),
                }
            },
        );
        Self { documents, delete }
    }
}

/// What the last upload did, from the address the server sent the browser back to: followed
/// as the address changes (another project's page says nothing of this one's upload).
#[derive(Clone, Copy)]
pub struct UploadOutcome(Memo<(Option<DocumentProblem>, Option<i64>)>);

impl UploadOutcome {
    pub fn of_page() -> Self {
        let query = leptos_router::hooks::use_query_map();
        UploadOutcome(Memo::new(move |_| {
            query.with(|q| {
                (
                    q.get("upload").and_then(|k| DocumentProblem::from_key(&k)),
                    q.get("uploaded").and_then(|id| id.parse().ok()),
                )
            })
        }))
    }

    fn problem(self) -> Option<DocumentProblem> {
        self.0.get().0
    }
}

/// A project's Documents on its page (staff): Upload, and the list with Download and Delete.
#[component]
pub fn ProjectDocumentsSection(data: ProjectDocumentsData) -> impl IntoView {
    let ProjectDocumentsData { documents, delete } = data;
    let outcome = UploadOutcome::of_page();
    view! {
        <section class="card" aria-labelledby="documents-title">
            <h2 id="documents-title" class="card-title">"Documents"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match documents.await {
                        Ok(d) => view! {
                            <UploadForm
                                action=format!("/projects/{}/documents", d.project_id)
                                max_bytes=d.max_bytes
                                outcome
                                documents=d.documents.clone()
                                hint="The project's clients who may see documents can download it."
                            />
                            {(d.total > d.documents.len() as u64).then(|| view! {
                                <p class="note">{format!("Showing the latest {} of {} documents.", d.documents.len(), d.total)}</p>
                            })}
                            <DocumentList
                                documents=d.documents
                                download="/documents"
                                empty="No documents yet. Upload one: the project's clients download it in their portal."
                                delete=Some(delete)
                            />
                        }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// "Upload a document": a file and the Upload button, with what the last upload did.
#[component]
pub(crate) fn UploadForm(
    action: String,
    max_bytes: u64,
    outcome: UploadOutcome,
    /// The list the page shows, to name the document just uploaded.
    documents: Vec<DocumentRow>,
    hint: &'static str,
) -> impl IntoView {
    let accept = DocumentKind::accept();
    // The name of the document just uploaded, while the list still has it.
    let uploaded = move || {
        let id = outcome.0.get().1?;
        documents.iter().find(|d| d.id == id).map(|d| d.name.clone())
    };
    // Sent back with a refusal: the focus goes to the file box, whose message is read with it.
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if outcome.problem().is_some()
            && let Some(input) = input.get()
        {
            let _ = input.focus();
        }
    });
    view! {
        <form class="upload-form" method="post" action=action enctype="multipart/form-data">
            <div class="field">
                <label for="document-file">"Upload a document"</label>
                <input id="document-file" type="file" name="file" accept=accept required node_ref=input
                    aria-describedby=move || if outcome.problem().is_some() { "document-file-error document-file-hint" } else { "document-file-hint" }
                    aria-invalid=move || outcome.problem().map(|_| "true") />
                <p class="hint" id="document-file-hint">
                    {format!("{} Up to {}. {hint}", portico_core::model::DOCUMENT_KINDS_HINT, file_size(max_bytes))}
                </p>
                {move || outcome.problem().map(|p| view! {
                    <p class="field-error" id="document-file-error" role="alert">{p.message(max_bytes)}</p>
                })}
                {move || uploaded().map(|name| view! {
                    <p class="field-success" role="status">{format!("{name} uploaded.")}</p>
                })}
            </div>
            <button type="submit" class="btn btn-primary">"Upload"</button>
        </form>
    }
}

/// A list of documents, newest first: each name downloads it; staff may delete.
#[component]
pub(crate) fn DocumentList(
    documents: Vec<DocumentRow>,
    /// Where downloads are: `<download>/<id>/download`.
    download: &'static str,
    empty: &'static str,
    delete: Option<ServerAction<DeleteDocument>>,
) -> impl IntoView {
    if documents.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <ul class="list document-list" aria-label="Documents">
            {documents.into_iter().map(|d| {
                let who = match (d.uploaded_by.clone(), d.by_client) {
                    (Some(name), true) => format!("Uploaded by {name} (client)"),
                    (Some(name), false) => format!("Uploaded by {name}"),
                    (None, true) => "Uploaded by a former client".to_string(),
                    (None, false) => "Uploaded by a former team member".to_string(),
                };
                let name = d.name.clone();
                view! {
                    <li class="document">
                        <div class="document-main">
                            // A file of the server, not a page of the app: the router leaves it
                            // to the browser.
                            <a href=format!("{download}/{}/download", d.id) rel="external" download>{d.name.clone()}</a>
                            <p class="muted">
                                {format!("{} · {} · {who} · {}", DocumentKind::label_of(&d.content_type), file_size(d.size_bytes), short_date(d.uploaded_at))}
                            </p>
                        </div>
                        {delete.map(|delete| {
                            let deleting = delete.pending();
                            view! {
                                <details class="danger-zone">
                                    <summary>"Delete…"</summary>
                                    <ActionForm action=delete>
                                        <input type="hidden" name="document_id" value=d.id.to_string() />
                                        <p>"Clients can no longer download it."</p>
                                        <button type="submit" class="btn btn-danger" disabled=move || deleting.get()
                                            aria-label=format!("Delete document {name}")>"Delete document"</button>
                                    </ActionForm>
                                </details>
                            }
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
