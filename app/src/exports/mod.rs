//! "Export CSV" on the Clients page: every client in one CSV, or a ZIP of one CSV per project,
//! prepared in the background as a job (`portico_core::exports`); the job's page offers the
//! file for download when it is ready.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::ExportKind;

use crate::{components::FormError, dialog::Modal, error::AppError};

/// Starts an export (`kind`: `portal` or `projects`). `request_key` as for bulk actions; a form
/// sent before the page's script ran has none. Answers the job's id.
#[server(output = Postcard)]
pub async fn start_export(kind: String, #[server(default)] request_key: String) -> Result<i64, AppError> {
    use portico_core::{Error, exports};
    let staff = crate::server::staff().await?;
    let kind = ExportKind::from_key(&kind).ok_or_else(|| Error::validation("kind", "Choose what to export."))?;
    let job = exports::start(&crate::server::portico()?, &staff, kind, &request_key).await?;
    // A form sent before the page's script ran goes to the job's page too.
    leptos_axum::redirect(&format!("/jobs/{job}"));
    Ok(job)
}

/// The export dialog, a page state of the Clients page (`?export`): a link opens it, so it
/// shows before and without the wasm. When the job starts, its page opens.
#[component]
pub fn ExportDialog(open: Signal<bool>) -> impl IntoView {
    let export = ServerAction::<StartExport>::new();
    let key = RwSignal::new(String::new());
    Effect::new(move |_| key.set(crate::login_links::request_key()));
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new({
        let navigate = navigate.clone();
        move |_| {
            if let Some(Ok(job)) = export.value().get() {
                navigate(&format!("/jobs/{job}"), Default::default());
            }
        }
    });
    let close = move |()| {
        export.clear();
        navigate("/clients", Default::default());
    };
    let pending = export.pending();
    view! {
        <Modal open labelled_by="export-title" on_close=close>
            <h2 id="export-title">"Export clients"</h2>
            <p class="hint">"The file is prepared in the background and can be downloaded for 24 hours. Columns: name, email, phone, customer, projects, status, invited, activated, last sign-in, assigned staff."</p>
            <ActionForm action=export>
                <input type="hidden" name="request_key" prop:value=move || key.get() />
                <FormError result=export.value() fields=&[] />
                <fieldset class="choices">
                    <legend>"What to export"</legend>
                    {ExportKind::ALL.iter().map(|k| view! {
                        <label class="choice-row">
                            <input type="radio" name="kind" value=k.key() checked=*k == ExportKind::Portal />
                            <span>{k.label()}</span>
                        </label>
                    }).collect_view()}
                </fieldset>
                <div class="actions">
                    <button type="submit" class="btn btn-primary" disabled=move || pending.get()>
                        {move || if pending.get() { "Starting…" } else { "Export" }}
                    </button>
                    <a class="btn btn-secondary" href="/clients">"Cancel"</a>
                </div>
            </ActionForm>
        </Modal>
    }
}
