//! Project updates: staff post them on a project's page; clients read them in the portal.

use leptos::{prelude::*, server_fn::codec::Postcard};
use portico_core::model::{Posted, ProjectUpdates, UpdateRow, short_date};

use crate::{
    components::{FieldError, FormError, LoadError, successes, toasts},
    error::AppError,
    loading::load,
};

#[server(output = Postcard)]
pub async fn load_project_updates(project_id: i64) -> Result<ProjectUpdates, AppError> {
    use portico_core::{domain::ProjectId, updates};
    let staff = crate::server::staff().await?;
    Ok(updates::for_staff(&crate::server::portico()?, &staff, ProjectId(project_id)).await?)
}

/// "Post update": Markdown, and whether to email it to the project's clients who have joined.
#[server(output = Postcard)]
pub async fn post_update(
    project_id: i64,
    body: String,
    /// The checkbox "Email the project's clients": present when ticked.
    #[server(default)]
    email_clients: Option<String>,
) -> Result<Posted, AppError> {
    use portico_core::{domain::ProjectId, updates};
    let staff = crate::server::staff().await?;
    let new = updates::NewUpdate::parse(&body, email_clients.is_some())?;
    Ok(updates::post(&crate::server::portico()?, &staff, ProjectId(project_id), new, crate::server::client_ip())
        .await?)
}

/// A project page's updates and the action that posts them; made with the page (see
/// `tasks::ProjectTasksData`).
#[derive(Clone, Copy)]
pub struct ProjectUpdatesData {
    updates: crate::loading::Loaded<Result<ProjectUpdates, AppError>>,
    post: ServerAction<PostUpdate>,
}

impl ProjectUpdatesData {
    /// For the project named by the page's `:id`.
    pub fn for_page() -> Self {
        let post = ServerAction::<PostUpdate>::new();
        let queue = toasts().source();
        let value = post.value();
        Effect::new(move |_| match value.get() {
            Some(Ok(posted)) => queue.show(posted_toast(&posted)),
            Some(Err(e)) => queue.error(&e),
            None => {}
        });
        let posted = successes(post.value(), post.version());
        let updates = load(
            move || (crate::projects::id_param("id"), posted.get()),
            |(id, _)| async move {
                match id {
                    Some(id) => load_project_updates(id).await,
                    None => Err(AppError::NotFound),
                }
            },
        );
        Self { updates, post }
    }
}

/// What "Post update" says when it worked.
fn posted_toast(posted: &Posted) -> String {
    match (posted.email_requested, posted.recipients) {
        (false, _) => "Update posted".into(),
        (true, 0) => {
            "Update posted. Nobody was emailed: no client who may see updates has joined the project yet.".into()
        }
        (true, 1) => "Update posted. Emailing it to 1 client.".into(),
        (true, n) => format!("Update posted. Emailing it to {n} clients."),
    }
}

/// A project's Updates on its page: the composer and the feed.
#[component]
pub fn ProjectUpdatesSection(data: ProjectUpdatesData) -> impl IntoView {
    let ProjectUpdatesData { updates, post } = data;
    view! {
        <section class="card" aria-labelledby="updates-title">
            <h2 id="updates-title" class="card-title">"Updates"</h2>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match updates.await {
                        Ok(u) => view! {
                            <UpdateComposer project_id=u.project_id post />
                            {(u.total > u.updates.len() as u64).then(|| view! {
                                <p class="note">{format!("Showing the latest {} of {} updates.", u.updates.len(), u.total)}</p>
                            })}
                            <UpdateFeed updates=u.updates empty="No updates yet. Post one: the project's clients read it in their portal." />
                        }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// "New update": the composer above a project's updates.
#[component]
fn UpdateComposer(project_id: i64, post: ServerAction<PostUpdate>) -> impl IntoView {
    let result = post.value();
    let pending = post.pending();
    view! {
        <details class="composer" open=result.get_untracked().is_some_and(|r| r.is_err())>
            <summary class="btn btn-secondary">"New update"</summary>
            <ActionForm action=post attr:novalidate=true>
                <input type="hidden" name="project_id" value=project_id.to_string() />
                <FormError result fields=&["body"] />
                <div class="field">
                    <label for="update-body">"Update"</label>
                    <textarea id="update-body" name="body" rows="6" maxlength="20000" aria-describedby="update-body-hint update-body-error"></textarea>
                    <p class="hint" id="update-body-hint">"Markdown: **bold**, *italic*, lists, links, tables. HTML is shown as text."</p>
                    <FieldError result field="body" id="update-body-error" />
                </div>
                <label class="choice-row" for="update-email">
                    <input type="checkbox" id="update-email" name="email_clients" value="on" aria-describedby="update-email-hint" />
                    <span>"Email the project's clients"</span>
                </label>
                <p class="hint" id="update-email-hint">"Each client who has joined the project and may see updates gets it by email."</p>
                <button type="submit" class="btn btn-primary" disabled=move || pending.get()>"Post update"</button>
            </ActionForm>
        </details>
    }
}

/// A feed of updates, newest first (staff see whether each was emailed).
#[component]
pub(crate) fn UpdateFeed(
    updates: Vec<UpdateRow>,
    empty: &'static str,
    /// Each names its project (a feed of several projects).
    #[prop(optional)]
    with_project: bool,
) -> impl IntoView {
    if updates.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <ul class="list update-feed" aria-label="Updates">
            {updates.into_iter().map(|u| {
                let heading = format!("update-{}-by", u.id);
                let labelled_by = heading.clone();
                view! {
                    <li class="update" aria-labelledby=labelled_by>
                        <p class="muted" id=heading>
                            {with_project.then(|| view! {
                                <a href=format!("/portal/projects/{}", u.project_id)>{u.project_name.clone()}</a>
                                " · "
                            })}
                            {format!("{} · {}", u.author_name.clone().unwrap_or_else(|| "The team".into()), short_date(u.posted_at))}
                            {match (u.emailed, u.email_job_id) {
                                (_, Some(job)) => Some(view! { " · " <a href=format!("/jobs/{job}")>"Emailed to clients"</a> }.into_any()),
                                (true, None) => Some(" · Emailed to clients".into_any()),
                                (false, None) => None,
                            }}
                        </p>
                        // Rendered on the server from Markdown with raw HTML shown as text
                        // and unsafe links removed (`updates::render`).
                        <div class="update-body prose" inner_html=u.html></div>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
