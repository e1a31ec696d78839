//! "Import CSV" (beside "New project"): upload a file (`/imports/new`, a plain form post to the
//! server's `/imports` route, so it works before and without the wasm), check its dry run and
//! column mapping (`/imports/:id`), then "Import" — a job whose page shows its progress.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{ImportField, ImportPreview, RowVerdict, UploadProblem, thousands};

use crate::{
    components::{FieldError, FormError, LoadError, StaffFrame},
    error::AppError,
    loading::load,
    projects::id_param,
};

/// The largest file the server accepts, for the upload form to say.
#[server(output = Postcard)]
pub async fn import_limit() -> Result<u64, AppError> {
    crate::server::staff().await?;
    Ok(crate::server::portico()?.import_max_bytes as u64)
}

#[server(output = Postcard)]
pub async fn load_import(id: i64) -> Result<ImportPreview, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::imports::preview(&crate::server::portico()?, &staff, id).await?)
}

/// "Save mapping": each field's column (an index into the file's columns; empty for none).
#[server(output = Postcard)]
pub async fn map_import_columns(
    id: i64,
    #[server(default)] project: String,
    #[server(default)] name: String,
    #[server(default)] email: String,
    #[server(default)] phone: String,
    #[server(default)] customer: String,
) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    let column = |s: &str| s.trim().parse::<usize>().ok();
    let mapping = [&project, &name, &email, &phone, &customer].map(|s| column(s)).to_vec();
    portico_core::imports::set_mapping(&crate::server::portico()?, &staff, id, mapping).await?;
    leptos_axum::redirect(&format!("/imports/{id}"));
    Ok(())
}

/// "Import" / "Import the valid rows only" (`valid_only`), with the projects whose clients
/// are invited now (`send`). Answers the job's id and opens its page.
#[server(output = Postcard)]
pub async fn start_import(
    id: i64,
    #[server(default)] valid_only: bool,
    #[server(default)] send: Vec<String>,
) -> Result<i64, AppError> {
    let staff = crate::server::staff().await?;
    if !send.is_empty() {
        crate::server::limit(crate::rate_limits::Scope::StaffMail, &[])?;
    }
    let job = portico_core::imports::start(&crate::server::portico()?, &staff, id, valid_only, send).await?;
    leptos_axum::redirect(&format!("/jobs/{job}"));
    Ok(job)
}

/// The upload form's refusal, from the address the server sent the browser back to.
fn upload_problem() -> Option<UploadProblem> {
    let query = leptos_router::hooks::use_query_map();
    let query = query.read_untracked();
    let line = query.get("line").and_then(|l| l.parse().ok()).unwrap_or(1);
    query.get("problem").and_then(|p| UploadProblem::from_key(&p, line))
}

#[component]
pub fn NewImportPage() -> impl IntoView {
    let limit = load(|| (), |()| import_limit());
    let problem = upload_problem();
    view! {
        <Title text="Import CSV" />
        <StaffFrame>
            <nav aria-label="Breadcrumb" class="crumbs"><a href="/projects">"Projects"</a></nav>
            <h1>"Import CSV"</h1>
            <p class="lead">"Create many projects and add their clients at once. Nothing is written or sent until you have checked what the import will do."</p>
            <section class="card" aria-labelledby="template-title">
                <h2 id="template-title" class="card-title">"1. Fill in the template"</h2>
                <p>"One row per client and project: Project, Name and Email are required; Phone and Customer are optional. A client on several projects takes a row for each. Other column names are fine: you can match them up after uploading."</p>
                // Not a page of the app: the router must leave it to the browser.
                <a class="btn btn-secondary" href="/imports/template.csv" rel="external" download>"Download the template"</a>
            </section>
            <section class="card" aria-labelledby="upload-title">
                <h2 id="upload-title" class="card-title">"2. Upload it"</h2>
                <form method="post" action="/imports" enctype="multipart/form-data">
                    <div class="field">
                        <label for="import-file">"CSV file"</label>
                        <input id="import-file" type="file" name="file" accept=".csv,text/csv" required
                            aria-describedby="import-file-hint import-file-error" aria-invalid=problem.map(|_| "true") />
                        <p class="hint" id="import-file-hint">
                            <Suspense fallback=|| "UTF-8, separated by commas or semicolons.">
                                {move || Suspend::new(async move {
                                    let max = limit.await.unwrap_or(portico_core::model::IMPORT_MAX_BYTES_DEFAULT);
                                    format!("UTF-8, separated by commas or semicolons, up to {} MB.", max / (1024 * 1024))
                                })}
                            </Suspense>
                        </p>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                let max = limit.await.unwrap_or(portico_core::model::IMPORT_MAX_BYTES_DEFAULT);
                                problem.map(|p| view! {
                                    <p class="field-error" id="import-file-error" role="alert">{p.message(max)}</p>
                                })
                            })}
                        </Suspense>
                    </div>
                    <div class="actions">
                        <button type="submit" class="btn btn-primary">"Upload CSV"</button>
                        <a class="btn btn-secondary" href="/projects">"Cancel"</a>
                    </div>
                </form>
            </section>
        </StaffFrame>
    }
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let map = ServerAction::<MapImportColumns>::new();
    let data = load(
        move || (id_param("id"), map.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_import(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Import CSV" />
        <StaffFrame>
            <nav aria-label="Breadcrumb" class="crumbs"><a href="/imports/new">"Import CSV"</a></nav>
            <Suspense fallback=|| view! { <p class="loading">"Reading the file…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                        Ok(preview) if preview.started => view! {
                            <h1>{preview.file_name.clone()}</h1>
                            <p class="notice">"This file is being imported. "<a href=format!("/jobs/{}", preview.id)>"See its progress"</a></p>
                        }
                            .into_any(),
                        Ok(preview) => view! { <ImportBody preview map /> }.into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

#[component]
fn ImportBody(preview: ImportPreview, map: ServerAction<MapImportColumns>) -> impl IntoView {
    let missing = preview.missing();
    let mapping_open = !missing.is_empty();
    view! {
        <div class="page-head">
            <div>
                <h1>{format!("Import {}", preview.file_name)}</h1>
                <p class="lead">{format!("{} rows. Nothing has been imported yet.", thousands(preview.rows))}</p>
            </div>
        </div>
        <details class="card" open=mapping_open>
            <summary class="card-title">"Column mapping"</summary>
            {(!missing.is_empty()).then(|| view! {
                <p class="notice">{format!(
                    "Choose the column for {}: the file's headers don't say.",
                    missing.iter().map(|f| f.label()).collect::<Vec<_>>().join(", ")
                )}</p>
            })}
            <MappingForm preview=preview.clone() map />
        </details>
        {missing.is_empty().then(|| view! { <DryRun preview /> })}
    }
}

#[component]
fn MappingForm(preview: ImportPreview, map: ServerAction<MapImportColumns>) -> impl IntoView {
    let columns = preview.columns.clone();
    view! {
        <ActionForm action=map>
            <input type="hidden" name="id" value=preview.id.to_string() />
            <FormError result=map.value() fields=&["project", "name", "email", "phone", "customer"] />
            <div class="mapping">
                {preview.mapping.iter().map(|(field, chosen)| {
                    let id = format!("map-{}", field.key());
                    let error_id: &'static str = match field {
                        ImportField::Project => "map-project-error",
                        ImportField::Name => "map-name-error",
                        ImportField::Email => "map-email-error",
                        ImportField::Phone => "map-phone-error",
                        ImportField::Customer => "map-customer-error",
                    };
                    let chosen = *chosen;
                    view! {
                        <div class="field">
                            <label for=id.clone()>{field.label()}{(!field.required()).then_some(" (optional)")}</label>
                            <select id=id name=field.key() aria-describedby=error_id>
                                <option value="" selected=chosen.is_none()>{if field.required() { "Choose a column" } else { "Not in this file" }}</option>
                                {columns.iter().enumerate().map(|(i, c)| view! {
                                    <option value=i.to_string() selected={chosen == Some(i)}>{if c.is_empty() { format!("Column {}", i + 1) } else { c.clone() }}</option>
                                }).collect_view()}
                            </select>
                            <FieldError result=map.value() field=field.key() id=error_id />
                        </div>
                    }
                }).collect_view()}
            </div>
            {(!preview.ignored.is_empty()).then(|| view! {
                <p class="hint">{format!("Not imported: {}.", preview.ignored.join(", "))}</p>
            })}
            <div class="actions">
                <button type="submit" class="btn btn-secondary">"Save mapping"</button>
            </div>
        </ActionForm>
    }
}

#[component]
fn DryRun(preview: ImportPreview) -> impl IntoView {
    let start = ServerAction::<StartImport>::new();
    let pending = start.pending();
    let id = preview.id;
    let importable = preview.create + preview.update + preview.skip;
    let summary = [
        ("New clients", preview.create, RowVerdict::Create),
        ("Updated", preview.update, RowVerdict::Update),
        ("Unchanged", preview.skip, RowVerdict::Skip),
        ("Duplicates", preview.duplicates, RowVerdict::Duplicate),
        ("Invalid", preview.invalid, RowVerdict::Invalid),
    ];
    view! {
        <section class="card" aria-labelledby="dry-run-title">
            <h2 id="dry-run-title" class="card-title">"Dry run"</h2>
            <p>"What the import will do, checked against your clients and projects as they are now."</p>
            <dl class="stats">
                {summary.into_iter().map(|(label, n, verdict)| view! {
                    <div class="stat">
                        <dt><span class=format!("badge badge-{}", verdict.tone())>{label}</span></dt>
                        <dd>{thousands(n)}</dd>
                    </div>
                }).collect_view()}
            </dl>
            {(preview.problems_total > 0).then(|| view! {
                <p><a href=format!("/imports/{id}/problems.csv") rel="external" download>"Download the error report (CSV)"</a></p>
            })}
        </section>
        <ActionForm action=start>
            <input type="hidden" name="id" value=id.to_string() />
            <section class="card table-wrap" aria-labelledby="projects-title">
                <h2 id="projects-title" class="card-title">"Projects"</h2>
                {if preview.projects.is_empty() {
                    view! { <p class="empty">"No row of this file can be imported."</p> }.into_any()
                } else {
                    view! {
                        <table class="table stack-table">
                            <thead><tr>
                                <th scope="col">"Project"</th>
                                <th scope="col">"New clients"</th>
                                <th scope="col">"Updated"</th>
                                <th scope="col">"Unchanged"</th>
                                <th scope="col">"Send invitations now"</th>
                            </tr></thead>
                            <tbody>
                                {preview.projects.iter().enumerate().map(|(i, p)| {
                                    let box_id = format!("send-{i}");
                                    let label_for = box_id.clone();
                                    view! {
                                        <tr>
                                            <th scope="row">{p.name.clone()}" "{p.new.then(|| view! { <span class="badge badge-success">"New project"</span> })}</th>
                                            <td data-label="New clients">{thousands(p.create)}</td>
                                            <td data-label="Updated">{thousands(p.update)}</td>
                                            <td data-label="Unchanged">{thousands(p.skip)}</td>
                                            <td>
                                                <label class="choice-row" for=label_for>
                                                    <input type="checkbox" id=box_id name="send[]" value=p.name.clone() checked={p.to_invite > 0} disabled={p.to_invite == 0} />
                                                    <span>{match p.to_invite {
                                                        0 => format!("Send invitations now to {}: none to send", p.name),
                                                        1 => format!("Send invitations now to {}: 1 client", p.name),
                                                        n => format!("Send invitations now to {}: {} clients", p.name, thousands(n)),
                                                    }}</span>
                                                </label>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                        .into_any()
                }}
            </section>
            <FormError result=start.value() fields=&[] />
            {(preview.invalid > 0).then(|| view! {
                <p class="notice">{format!(
                    "{} {} problems: fix the file and upload it again, or import the valid rows only.",
                    thousands(preview.invalid),
                    if preview.invalid == 1 { "row has" } else { "rows have" }
                )}</p>
            })}
            <div class="actions form-end">
                {if preview.invalid > 0 {
                    view! {
                        <button type="submit" name="valid_only" value="true" class="btn btn-primary" disabled=move || { pending.get() || importable == 0 }>
                            "Import the valid rows only"
                        </button>
                    }
                        .into_any()
                } else {
                    view! {
                        <button type="submit" class="btn btn-primary" disabled=move || { pending.get() || importable == 0 }>"Import"</button>
                    }
                        .into_any()
                }}
                <a class="btn btn-secondary" href="/imports/new">"Upload another file"</a>
            </div>
        </ActionForm>
        {(!preview.problems.is_empty()).then(|| view! {
            <section class="card table-wrap" aria-labelledby="rows-title">
                <h2 id="rows-title" class="card-title">"Rows not imported as they are"</h2>
                {(preview.problems_total > preview.problems.len() as u64).then(|| view! {
                    <p class="hint">{format!(
                        "The first {} of {}. The error report has them all.",
                        preview.problems.len(),
                        thousands(preview.problems_total)
                    )}</p>
                })}
                <table class="table stack-table">
                    <thead><tr>
                        <th scope="col">"Row"</th>
                        <th scope="col">"Result"</th>
                        <th scope="col">"Column"</th>
                        <th scope="col">"Why"</th>
                    </tr></thead>
                    <tbody>
                        {preview.problems.into_iter().map(|p| view! {
                            <tr>
                                <td data-label="Row">{p.line}</td>
                                <td data-label="Result"><span class=format!("badge badge-{}", p.verdict.tone())>{p.verdict.label()}</span></td>
                                <td data-label="Column">{p.column.unwrap_or_default()}</td>
                                <td data-label="Why">{p.reason}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        })}
    }
}
