//! The staff home: client portal URL, Invited vs Joined, recent invitations.

use leptos::prelude::*;
use leptos_meta::Title;
use portico_core::model::Dashboard;

use crate::{
    components::{CopyButton, LoadError, StaffFrame, StatusBadge, short_date},
    error::AppError,
};

#[server]
pub async fn load_dashboard() -> Result<Dashboard, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::dashboard::dashboard(&crate::server::portico()?, &staff).await?)
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_dashboard());
    view! {
        <Title text="Dashboard" />
        <StaffFrame>
            <h1>"Dashboard"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <DashboardBody d /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

#[component]
fn DashboardBody(d: Dashboard) -> impl IntoView {
    let url = d.portal_url.clone();
    view! {
        <section class="card portal-url" aria-labelledby="portal-url-title">
            <h2 id="portal-url-title" class="card-title">"Client portal URL"</h2>
            <div class="copy-row">
                <a class="mono" href=url.clone()>{url.clone()}</a>
                <CopyButton text=url label="Copy" />
            </div>
            <p class="hint">"Clients sign in here with their email and a one-time code."</p>
        </section>
        <dl class="stats">
            <div class="stat">
                <dt>"Invited"</dt>
                <dd data-testid="stat-invited">{d.invited}</dd>
            </div>
            <div class="stat">
                <dt>"Joined"</dt>
                <dd data-testid="stat-joined">{d.joined}</dd>
            </div>
        </dl>
        <section class="card" aria-labelledby="recent-title">
            <h2 id="recent-title" class="card-title">"Recent invitations"</h2>
            {if d.recent.is_empty() {
                view! {
                    <div class="empty">
                        <p>"No invitations yet."</p>
                        <p>"Open a project and choose " <strong>"Manage portal"</strong> " to invite your first client."</p>
                        <a class="btn btn-primary" href="/projects">"Go to projects"</a>
                    </div>
                }
                    .into_any()
            } else {
                view! {
                    <ul class="list">
                        {d
                            .recent
                            .into_iter()
                            .map(|r| {
                                let project = r.project_name.clone().unwrap_or_else(|| "Whole portal".into());
                                let href = r.project_id.map(|p| format!("/projects/{p}/portal")).unwrap_or_default();
                                view! {
                                    <li class="list-row">
                                        <div class="list-main">
                                            <span class="strong">{r.client_name}</span>
                                            <span class="muted">{r.client_email}</span>
                                        </div>
                                        <a href=href>{project}</a>
                                        <span class="muted">{short_date(r.sent_at)}</span>
                                        <StatusBadge status=r.status />
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
    }
}
