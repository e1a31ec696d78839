//! The client portal home: what a signed-in client sees.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::PortalHome;

use crate::{accounts::SignOut, client_access::ClientSignInRedirect, components::GoTo, error::AppError, loading::load};

mod project;

pub use project::*;

#[server(output = Postcard)]
pub async fn load_portal_home() -> Result<PortalHome, AppError> {
    let client = crate::server::portal_client().await?;
    Ok(portico_core::portal::home(&crate::server::portico()?, &client).await?)
}

#[component]
pub fn PortalHomePage() -> impl IntoView {
    let home = load(|| (), |_| load_portal_home());
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match home.await {
                    // Access switched off since this tab signed in: say so, once, here.
                    Err(AppError::Conflict(notice)) => view! { <SwitchedOff notice /> }.into_any(),
                    Err(_) => view! { <ClientSignInRedirect /> }.into_any(),
                    Ok(h) if h.needs_password => view! { <GoTo path="/portal/password" /> }.into_any(),
                    // A form sent with the invitation comes first (answered or skipped, it is done).
                    Ok(h) if h.form_first.is_some() => {
                        view! { <GoTo path=format!("/portal/forms/{}", h.form_first.unwrap_or_default()) /> }.into_any()
                    }
                    Ok(h) => view! {
                        <Title text=h.org_name.clone() />
                        <PortalBar org_name=h.org_name.clone() />
                        <main id="main" class="page">
                            <h1>{format!("Welcome, {}", h.client_name)}</h1>
                            <p class="lead">{format!("Your projects with {}", h.org_name)}</p>
                            {if h.projects.is_empty() {
                                view! { <div class="card empty"><p>"No projects are shared with you yet."</p></div> }.into_any()
                            } else {
                                view! {
                                    <ul class="project-grid">
                                        {h.projects.into_iter().map(|p| view! {
                                            <li class="card">
                                                <h2 class="card-title"><a href=format!("/portal/projects/{}", p.id)>{p.name}</a></h2>
                                                {p.customer_name.map(|c| view! { <p class="muted">{c}</p> })}
                                                <p class="note">{crate::tasks::tasks_to_do(p.open_tasks, "No tasks to do")}</p>
                                                {(p.forms_to_fill > 0).then(|| view! {
                                                    <p class="note">{if p.forms_to_fill == 1 { "1 form to fill".to_string() } else { format!("{} forms to fill", p.forms_to_fill) }}</p>
                                                })}
                                                {(p.new_items > 0).then(|| view! {
                                                    <p><span class="badge badge-info">{format!("{} new since your last visit", p.new_items)}</span></p>
                                                })}
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            {(!h.latest_updates.is_empty()).then(|| view! {
                                <section class="card" aria-labelledby="latest-updates-title">
                                    <h2 id="latest-updates-title" class="card-title">"Latest updates"</h2>
                                    <crate::updates::UpdateFeed updates=h.latest_updates.clone() empty="" with_project=true />
                                </section>
                            })}
                        </main>
                    }
                        .into_any(),
                }
            })}
        </Suspense>
    }
}

/// Said once, to a client whose access was switched off since this tab signed in.
#[component]
pub(crate) fn SwitchedOff(notice: String) -> impl IntoView {
    view! {
        <Title text="Your portal access is switched off" />
        <main id="main" class="auth-page">
            <section class="auth-card" aria-labelledby="switched-off-title">
                <h1 id="switched-off-title">"Your portal access is switched off"</h1>
                <p role="status" class="notice">{notice}</p>
            </section>
        </main>
    }
}

/// The portal's top bar: the organization's name and Sign out.
#[component]
pub fn PortalBar(org_name: String) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    view! {
        <header class="topbar portal-bar">
            <div class="topbar-inner">
                <a class="brand" href="/portal">
                    <span class="brand-mark" aria-hidden="true">{org_name.chars().next().unwrap_or('P').to_string()}</span>
                    <span class="brand-org">{org_name.clone()}</span>
                </a>
                <ActionForm action=sign_out>
                    <button type="submit" class="btn btn-quiet">"Sign out"</button>
                </ActionForm>
            </div>
        </header>
    }
}
