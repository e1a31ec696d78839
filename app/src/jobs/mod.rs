//! Jobs: bulk work that runs in the background (`portico_core::jobs`), the Jobs page (owners and
//! admins see every job, members their own) and each job's page with its progress bar, which
//! follows the job while it runs, and its result.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{JobPage, JobStatus, JobSummary, date_time, thousands};

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

/// Starts a bulk action (`action`: `login_email`, `deactivate`, `activate`) as a job over the
/// clients ticked (`client_ids`) or, with `matching_clients`, every client the Clients page's
/// filter (`view`, `status`, `project`, `customer`, `q`) selects. `request_key` is made once per
/// confirmed submission: the same request twice starts one job. Answers the job's id.
#[server(output = Postcard)]
pub async fn start_bulk_action(
    action: String,
    request_key: String,
    #[server(default)] client_ids: Vec<i64>,
    #[server(default)] matching_clients: bool,
    #[server(default)] view: String,
    #[server(default)] project: String,
    #[server(default)] customer: String,
    #[server(default)] status: String,
    #[server(default)] q: String,
) -> Result<i64, AppError> {
    use portico_core::{
        Error,
        clients::ClientQuery,
        domain::ClientId,
        jobs::{self, BulkAction, Selection},
    };
    let staff = crate::server::staff().await?;
    let portico = crate::server::portico()?;
    let action = BulkAction::parse(&action)?;
    if action == BulkAction::SendLoginEmail {
        crate::server::limit(crate::rate_limits::Scope::StaffMail, &[])?;
    }
    let selection = match (matching_clients, client_ids.is_empty()) {
        (true, true) => Selection::Matching(ClientQuery::parse(
            &portico.key,
            staff.org_id,
            [&view, &status, &project, &customer, &q, "", "", ""],
        )?),
        (false, _) => Selection::Clients(client_ids.into_iter().map(ClientId).collect()),
        (true, false) => {
            return Err(Error::validation("client_ids", "Select clients or all matching, not both.").into());
        }
    };
    Ok(jobs::start_bulk(&portico, &staff, action, selection, &request_key).await?)
}

fn badge(status: JobStatus) -> impl IntoView + use<> {
    view! { <span class=format!("badge badge-{}", status.tone())>{status.label()}</span> }
}

fn progress_text(job: &JobSummary) -> String {
    format!("{} of {} clients handled", thousands(job.processed() as u64), thousands(job.total as u64))
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

/// Asks for the job again in a moment (in the browser; the server renders it as it is now).
fn follow(tick: RwSignal<u32>) {
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
    let JobPage { job, error, problems, can_cancel } = page;
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
            <progress class="job-progress" max=job.total.max(1).to_string() value=job.processed().to_string() aria-labelledby="progress-title" aria-describedby="progress-text"></progress>
            <p id="progress-text" aria-live="polite">{summary}</p>
            <dl class="meta">
                <dt>"Done"</dt><dd>{thousands(job.done as u64)}</dd>
                <dt>"Skipped"</dt><dd>{thousands(job.skipped as u64)}</dd>
                <dt>"Failed"</dt><dd>{thousands(job.failed as u64)}</dd>
                {job.finished_at.map(|at| view! { <dt>"Finished"</dt><dd>{date_time(at)}</dd> })}
            </dl>
            {error.map(|e| view! { <p class="notice">{e}</p> })}
        </section>
        {(!problems.is_empty()).then(|| view! {
            <section class="card table-wrap" aria-labelledby="problems-title">
                <h2 id="problems-title" class="card-title">"Skipped or failed"</h2>
                <table class="table">
                    <thead><tr><th scope="col">"Client"</th><th scope="col">"Result"</th><th scope="col">"Why"</th></tr></thead>
                    <tbody>
                        {problems.into_iter().map(|p| view! {
                            <tr>
                                <td><a href=format!("/clients/{}", p.client_id)>{p.client_name}</a></td>
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
