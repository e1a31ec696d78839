//! The client page: details, projects, sign-in actions, and each invitation's timeline.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{ClientPage, TimelineEntry, date_time, short_date};

use crate::{
    components::{LoadError, StaffFrame, StatusBadge},
    error::AppError,
    loading::load,
    login_links::{LoginTools, MagicLinkDialog},
    projects::id_param,
};

#[server(output = Postcard)]
pub async fn load_client(client_id: i64) -> Result<ClientPage, AppError> {
    use portico_core::{clients, domain::ClientId};
    let staff = crate::server::staff().await?;
    Ok(clients::page(&crate::server::portico()?, &staff, ClientId(client_id)).await?)
}

#[component]
pub fn ClientPage() -> impl IntoView {
    let tools = LoginTools::new();
    let data = load(
        move || (id_param("id"), tools.login.version().get(), tools.magic.version().get()),
        |(id, ..)| async move {
            match id {
                Some(id) => load_client(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Client" />
        <StaffFrame>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(c) => view! { <ClientBody c tools /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <MagicLinkDialog tools />
        </StaffFrame>
    }
}

#[component]
fn ClientBody(c: ClientPage, tools: LoginTools) -> impl IntoView {
    let id = c.id;
    let can_sign_in = c.status.allows_sign_in_links();
    view! {
        <Title text=c.name.clone() />
        <nav aria-label="Breadcrumb" class="crumbs"><a href="/">"Dashboard"</a> " › " "Clients"</nav>
        <div class="page-head">
            <div>
                <h1>{c.name.clone()}</h1>
                <p class="lead"><StatusBadge status=c.status /></p>
            </div>
            {can_sign_in.then(|| view! {
                <div class="row-actions">
                    <button type="button" class="btn btn-secondary" on:click=move |_| tools.generate(id)>"Generate magic link"</button>
                    <button type="button" class="btn btn-secondary" on:click=move |_| tools.send(vec![id])>"Send login email"</button>
                </div>
            })}
        </div>
        <section class="card" aria-labelledby="details-title">
            <h2 id="details-title" class="card-title">"Details"</h2>
            <dl class="meta">
                <dt>"Email"</dt><dd>{c.email}</dd>
                <dt>"Phone"</dt><dd>{c.phone.unwrap_or_else(|| "—".into())}</dd>
                <dt>"Added"</dt><dd>{short_date(c.created_at)}</dd>
                <dt>"Last sign-in"</dt><dd>{c.last_sign_in_at.map_or_else(|| "Never".to_string(), short_date)}</dd>
                <dt>"Projects"</dt>
                <dd>
                    {if c.projects.is_empty() {
                        "None".into_any()
                    } else {
                        c.projects
                            .into_iter()
                            .map(|p| view! { <a class="tag-link" href=format!("/projects/{}/portal", p.id)>{p.name}</a> " " })
                            .collect_view()
                            .into_any()
                    }}
                </dd>
            </dl>
        </section>
        <section aria-labelledby="invitations-title">
            <h2 id="invitations-title">"Invitations"</h2>
            {if c.invitations.is_empty() {
                view! { <div class="card empty"><p>"Not invited yet."</p></div> }.into_any()
            } else {
                c.invitations
                    .into_iter()
                    .map(|inv| {
                        let title_id = format!("invitation-{}", inv.id);
                        let labelled_by = title_id.clone();
                        view! {
                            <article class="card" aria-labelledby=labelled_by>
                                <h3 class="card-title" id=title_id>
                                    {inv.project_name.unwrap_or_else(|| "Whole portal".into())}
                                </h3>
                                <p class="status-cell"><StatusBadge status=inv.status /> <span class="note">{inv.note}</span></p>
                                <Timeline entries=inv.timeline />
                            </article>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </section>
        <section class="card" aria-labelledby="activity-title">
            <h2 id="activity-title" class="card-title">"Sign-in activity"</h2>
            {if c.events.is_empty() {
                view! { <p class="muted">"No magic links, login emails or sign-in requests yet."</p> }.into_any()
            } else {
                view! { <Timeline entries=c.events /> }.into_any()
            }}
        </section>
    }
}

#[component]
fn Timeline(entries: Vec<TimelineEntry>) -> impl IntoView {
    view! {
        <ol class="timeline">
            {entries
                .into_iter()
                .map(|e| {
                    let when = date_time(e.at);
                    let who = match e.ip {
                        Some(ip) => format!("{} · {ip}", e.actor),
                        None => e.actor,
                    };
                    view! {
                        <li>
                            <span class="strong">{e.what}</span>
                            <span class="when">{format!(" · {when} · {who}")}</span>
                            <div class="note">{e.detail}</div>
                        </li>
                    }
                })
                .collect_view()}
        </ol>
    }
}
