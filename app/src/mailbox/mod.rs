//! The Mailbox: every message with its delivery status, and each message rendered.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{MailboxItem, MailboxMessage, date_time, short_date};

use crate::{
    components::{LoadError, StaffFrame},
    error::AppError,
    loading::load,
    projects::id_param,
};

#[server(output = Postcard)]
pub async fn list_mailbox() -> Result<Vec<MailboxItem>, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::mailbox::list(&crate::server::portico()?, &staff).await?)
}

#[server(output = Postcard)]
pub async fn load_message(id: i64) -> Result<MailboxMessage, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::mailbox::message(&crate::server::portico()?, &staff, id).await?)
}

fn status_badge(status: &str) -> impl IntoView + use<> {
    let tone = match status {
        "sent" => "success",
        "captured" => "info",
        "failed" => "danger",
        _ => "neutral",
    };
    let label = match status {
        "sent" => "Sent",
        "captured" => "Captured",
        "failed" => "Failed",
        _ => "Queued",
    };
    view! { <span class=format!("badge badge-{tone}")>{label}</span> }
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    let data = load(|| (), |_| list_mailbox());
    view! {
        <Title text="Mailbox" />
        <StaffFrame>
            <h1>"Mailbox"</h1>
            <p class="lead">"Every email Portico sent or captured. With no SMTP server configured, messages are captured here instead of sent."</p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => view! {
                            <div class="card empty"><p>"No messages yet. Invitations and sign-in codes appear here."</p></div>
                        }
                            .into_any(),
                        Ok(list) => view! {
                            <div class="card table-wrap">
                                <table class="table">
                                    <caption class="visually-hidden">"Messages, newest first"</caption>
                                    <thead>
                                        <tr><th scope="col">"Subject"</th><th scope="col">"To"</th><th scope="col">"Status"</th><th scope="col">"Created"</th></tr>
                                    </thead>
                                    <tbody>
                                        {list.into_iter().map(|m| view! {
                                            <tr>
                                                <td><a href=format!("/mailbox/{}", m.id)>{m.subject}</a></td>
                                                <td>{m.recipient}</td>
                                                <td>{status_badge(&m.status)}</td>
                                                <td>{date_time(m.created_at)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }
                            .into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

/// The URLs in a plain-text body, so they can be opened from the Mailbox.
fn links_in(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ')']).to_string())
        .collect()
}

#[component]
pub fn MessagePage() -> impl IntoView {
    let data = load(
        || id_param("id"),
        |id| async move {
            match id {
                Some(id) => load_message(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <StaffFrame>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                        Ok(m) => {
                            let links = links_in(&m.body_text);
                            view! {
                                <Title text=m.subject.clone() />
                                <nav aria-label="Breadcrumb" class="crumbs"><a href="/mailbox">"Mailbox"</a></nav>
                                <h1>{m.subject.clone()}</h1>
                                <dl class="meta">
                                    <dt>"From"</dt><dd>{m.from_name.clone()}</dd>
                                    <dt>"To"</dt><dd>{m.recipient.clone()}</dd>
                                    <dt>"Status"</dt><dd>{status_badge(&m.status)}</dd>
                                    <dt>"Created"</dt><dd>{short_date(m.created_at)}</dd>
                                    <dt>"Attempts"</dt><dd>{m.attempts}</dd>
                                    {m.last_error.clone().map(|e| view! { <dt>"Last error"</dt><dd>{e}</dd> })}
                                </dl>
                                <section class="card" aria-labelledby="links-title">
                                    <h2 id="links-title" class="card-title">"Links in this message"</h2>
                                    <ul aria-labelledby="links-title">
                                        {links.into_iter().map(|l| view! { <li><a class="mono" href=l.clone()>{l.clone()}</a></li> }).collect_view()}
                                    </ul>
                                </section>
                                <p>
                                    <a class="btn btn-secondary" href=format!("/mailbox/{}/html", m.id) target="_blank" rel="noopener">
                                        "Open the HTML version"
                                    </a>
                                </p>
                                <section class="card" aria-labelledby="text-title">
                                    <h2 id="text-title" class="card-title">"Text"</h2>
                                    {if m.content_removed {
                                        view! {
                                            <p class="notice">"This message carried a sign-in link or code. Its content was removed after its retention period; the delivery record stays."</p>
                                        }
                                            .into_any()
                                    } else {
                                        view! { <pre class="mail-text">{m.body_text.clone()}</pre> }.into_any()
                                    }}
                                </section>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}
