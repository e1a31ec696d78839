//! Jobs: bulk work that runs in the background (`portico_core::jobs`), the Jobs page (owners and
//! admins see every job, members their own) and each job's page with its progress bar, which
//! follows the job while it runs, and its result.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{BulkPreview, JobPage, JobStatus, JobSummary, date_time, thousands};

use crate::{
    components::{FormError, LoadError, StaffFrame, toast_outcome},
    error::AppError,
    loading::load,
    projects::id_param,
};

#[server(output = Postcard)]
pub async fn load_jobs() -> Result<Vec<JobSummary>, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::jobs::list(&crate::server::portico()?, &staff).await?)
}

#[server(output = Postcard)]
pub async fn load_job(id: i64) -> Result<JobPage, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::jobs::page(&crate::server::portico()?, &staff, id).await?)
}

#[server(output = Postcard)]
pub async fn cancel_job(id: i64) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::jobs::cancel(&crate::server::portico()?, &staff, id).await?)
}

/// Which clients a bulk action is for, and the project its invitation actions are limited to,
/// as the bulk bar sends them: the clients ticked (`client_ids`); or, with `matching_clients`,
/// every client the Clients page's filter (`view`, `status`, `project`, `customer`, `q`)
/// selects; or, with `matching_project`, every contact that project's Portal access filter
/// (`status`, `q`) selects. `scope_project`: the project of Portal access, or the Clients
/// page's project filter.
#[cfg(feature = "ssr")]
#[allow(clippy::too_many_arguments)]
async fn bulk_request(
    staff: &portico_core::accounts::Staff,
    portico: &portico_core::Portico,
    action: &str,
    client_ids: Vec<i64>,
    matching_clients: bool,
    matching_project: Option<i64>,
    scope_project: Option<i64>,
    [view, project, customer, status, q]: [String; 5],
) -> Result<(portico_core::bulk::Bulk, portico_core::bulk::Selection), AppError> {
    use portico_core::{
        Error,
        bulk::{Bulk, Selection},
        clients::ClientQuery,
        domain::{ClientId, ProjectId},
    };
    let bulk = Bulk::parse(action, scope_project)?;
    let selection = match (matching_clients, matching_project, client_ids.is_empty()) {
        (false, None, _) => Selection::Clients(client_ids.into_iter().map(ClientId).collect()),
        (_, _, false) => {
            return Err(Error::validation("client_ids", "Select clients or all matching, not both.").into());
        }
        (true, None, true) => Selection::Matching(ClientQuery::parse(
            &portico.key,
            staff.org_id,
            [&view, &status, &project, &customer, &q, "", "", ""],
        )?),
        (false, Some(project), true) => Selection::OnProject { project: ProjectId(project), status, q },
        (true, Some(_), true) => return Err(Error::validation("client_ids", "Select from one list at a time.").into()),
    };
    Ok((bulk, selection))
}

/// What a bulk action would do, for its confirmation ("Send 243 invitations. 12 already
/// active will be skipped."). The selection as for `start_bulk_action`.
#[server(output = Postcard)]
#[allow(clippy::too_many_arguments)]
pub async fn preview_bulk_action(
    action: String,
    #[server(default)] client_ids: Vec<i64>,
    #[server(default)] matching_clients: bool,
    #[server(default)] matching_project: Option<i64>,
    #[server(default)] scope_project: Option<i64>,
    #[server(default)] view: String,
    #[server(default)] project: String,
    #[server(default)] customer: String,
    #[server(default)] status: String,
    #[server(default)] q: String,
) -> Result<BulkPreview, AppError> {
    let staff = crate::server::staff().await?;
    let portico = crate::server::portico()?;
    let filter = [view, project, customer, status, q];
    let (bulk, selection) =
        bulk_request(&staff, &portico, &action, client_ids, matching_clients, matching_project, scope_project, filter)
            .await?;
    Ok(portico_core::bulk::preview(&portico, &staff, bulk, &selection).await?)
}

/// Starts a bulk action (`action`: a `BulkAction` key) as a job over the selection
/// (`bulk_request`). `request_key` is made once per confirmed submission: the same request
/// twice starts one job. Answers the job's id.
#[server(output = Postcard)]
#[allow(clippy::too_many_arguments)]
pub async fn start_bulk_action(
    action: String,
    request_key: String,
    #[server(default)] client_ids: Vec<i64>,
    #[server(default)] matching_clients: bool,
    #[server(default)] matching_project: Option<i64>,
    #[server(default)] scope_project: Option<i64>,
    #[server(default)] view: String,
    #[server(default)] project: String,
    #[server(default)] customer: String,
    #[server(default)] status: String,
    #[server(default)] q: String,
) -> Result<i64, AppError> {
    let staff = crate::server::staff().await?;
    let portico = crate::server::portico()?;
    let filter = [view, project, customer, status, q];
    let (bulk, selection) =
        bulk_request(&staff, &portico, &action, client_ids, matching_clients, matching_project, scope_project, filter)
            .await?;
    if bulk.action.sends_mail() {
        crate::server::limit(crate::rate_limits::Scope::StaffMail, &[])?;
    }
    let job = portico_core::jobs::start_bulk(&portico, &staff, bulk, selection, &request_key).await?;
    // A plain form (the confirmation before or without the wasm) goes on to the job's page;
    // the bar's own dialog follows the job in place.
    if crate::error::plain_form_post() {
        leptos_axum::redirect(&format!("/jobs/{job}"));
    }
    Ok(job)
}

fn badge(status: JobStatus) -> impl IntoView + use<> {
    view! { <span class=format!("badge badge-{}", status.tone())>{status.label()}</span> }
}

fn progress_text(job: &JobSummary) -> String {
    format!("{} of {} {} handled", thousands(job.processed() as u64), thousands(job.total as u64), job.unit)
}

#[component]
pub fn JobsPage() -> impl IntoView {
    let data = load(|| (), |()| load_jobs());
    view! {
        <Title text="Jobs" />
        <StaffFrame>
            <h1>"Jobs"</h1>
            <p class="lead">"Bulk actions over many clients run here in the background, a few dozen clients at a time. Each keeps going if the server restarts."</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                        Ok(jobs) if jobs.is_empty() => view! {
                            <div class="card empty"><p>"No jobs yet. Select clients on the Clients page, or all that match a search, to act on many at once."</p></div>
                        }
                            .into_any(),
                        Ok(jobs) => view! {
                            <section class="card" aria-label="Jobs, newest first">
                                <ul class="list">
                                    {jobs.into_iter().map(|j| view! {
                                        <li class="list-row">
                                            <div class="list-main">
                                                <a class="strong" href=format!("/jobs/{}", j.id)>{j.title.clone()}</a>
                                                <span class="muted">{format!(
                                                    "Started {} by {}",
                                                    date_time(j.created_at),
                                                    j.started_by.clone().unwrap_or_else(|| "a former team member".into())
                                                )}</span>
                                            </div>
                                            {badge(j.status)}
                                            <span class="note">{progress_text(&j)}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                        }
                            .into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

/// How often a running job's page asks for its progress.
const FOLLOW_MS: u32 = 1_000;

#[component]
pub fn JobPageView() -> impl IntoView {
    let cancel = ServerAction::<CancelJob>::new();
    toast_outcome(cancel.value(), "Job cancelled");
    // Bumped while the job runs, so its progress is fetched again.
    let tick = RwSignal::new(0u32);
    let data = load(
        move || (id_param("id"), tick.get(), cancel.version().get()),
        |(id, _, _)| async move {
            match id {
                Some(id) => load_job(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <StaffFrame>
            <nav aria-label="Breadcrumb" class="crumbs"><a href="/jobs">"Jobs"</a></nav>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                        Ok(page) => {
                            if !page.job.status.is_finished() {
                                follow(tick);
                            }
                            view! { <JobBody page cancel /> }.into_any()
                        }
                    }
                })}
            </Transition>
        </StaffFrame>
    }
}

/// The progress bar of a job and the sentence that says where it stands.
#[component]
pub fn JobProgress(job: JobSummary, labelled_by: &'static str) -> impl IntoView {
    let summary = match job.status {
        JobStatus::Done => format!(
            "Finished: {} done, {} skipped, {} failed.",
            thousands(job.done as u64),
            thousands(job.skipped as u64),
            thousands(job.failed as u64)
        ),
        JobStatus::Cancelled => format!("Cancelled after {}. Nothing after that was touched.", progress_text(&job)),
        JobStatus::Failed => "This job stopped.".to_string(),
        JobStatus::Queued | JobStatus::Running => progress_text(&job),
    };
    let text_id = format!("{labelled_by}-text");
    view! {
        <progress class="job-progress" max=job.total.max(1).to_string() value=job.processed().to_string()
            aria-labelledby=labelled_by aria-describedby=text_id.clone()></progress>
        <p id=text_id aria-live="polite">{summary}</p>
    }
}

/// Asks for the job again in a moment (in the browser; the server renders it as it is now).
pub fn follow(tick: RwSignal<u32>) {
    #[cfg(feature = "hydrate")]
    gloo_timers::callback::Timeout::new(FOLLOW_MS, move || {
        tick.try_update(|t| *t += 1);
    })
    .forget();
    #[cfg(not(feature = "hydrate"))]
    let _ = (tick, FOLLOW_MS);
}

#[component]
fn JobBody(page: JobPage, cancel: ServerAction<CancelJob>) -> impl IntoView {
    let JobPage { job, error, problems, can_cancel, download } = page;
    view! {
        <Title text=job.title.clone() />
        <div class="page-head">
            <div>
                <h1>{job.title.clone()}</h1>
                <p class="lead">{badge(job.status)}" "{format!("Started {} by {}", date_time(job.created_at), job.started_by.clone().unwrap_or_else(|| "a former team member".into()))}</p>
            </div>
            {can_cancel.then(|| view! {
                <ActionForm action=cancel>
                    <input type="hidden" name="id" value=job.id.to_string() />
                    <button type="submit" class="btn btn-secondary">"Cancel job"</button>
                </ActionForm>
            })}
        </div>
        <FormError result=cancel.value() fields=&[] />
        <section class="card" aria-labelledby="progress-title">
            <h2 id="progress-title" class="card-title">"Progress"</h2>
            <JobProgress job=job.clone() labelled_by="progress-title" />
            <dl class="meta">
                <dt>"Done"</dt><dd>{thousands(job.done as u64)}</dd>
                <dt>"Skipped"</dt><dd>{thousands(job.skipped as u64)}</dd>
                <dt>"Failed"</dt><dd>{thousands(job.failed as u64)}</dd>
                {job.finished_at.map(|at| view! { <dt>"Finished"</dt><dd>{date_time(at)}</dd> })}
            </dl>
            {error.map(|e| view! { <p class="notice">{e}</p> })}
            {download.map(|d| if d.expired {
                view! { <p class="notice">"This download has expired. Export again from the Clients page."</p> }.into_any()
            } else {
                view! {
                    <div class="actions">
                        // Not a page of the app: the router must leave it to the browser.
                        <a class="btn btn-primary" href=d.href rel="external" download>"Download"</a>
                    </div>
                    <p class="hint">{format!("Available until {}.", date_time(d.until))}</p>
                }
                    .into_any()
            })}
        </section>
        {(!problems.is_empty()).then(|| view! {
            <section class="card table-wrap" aria-labelledby="problems-title">
                <h2 id="problems-title" class="card-title">"Skipped or failed"</h2>
                <table class="table">
                    <thead><tr><th scope="col">{if job.unit == "rows" { "Row" } else { "Client" }}</th><th scope="col">"Result"</th><th scope="col">"Why"</th></tr></thead>
                    <tbody>
                        {problems.into_iter().map(|p| view! {
                            <tr>
                                <td>{match p.href {
                                    Some(href) => view! { <a href=href>{p.subject}</a> }.into_any(),
                                    None => view! { <span>{p.subject}</span> }.into_any(),
                                }}</td>
                                <td>{if p.skipped {
                                    view! { <span class="badge badge-neutral">"Skipped"</span> }
                                } else {
                                    view! { <span class="badge badge-danger">"Failed"</span> }
                                }}</td>
                                <td>{p.reason}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
        })}
    }
}
