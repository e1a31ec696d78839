//! The Mailbox: every message with its delivery status, and each message rendered.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{Delivery, MailboxMessage, MailboxPage, Retry, date_time, short_date};

use crate::{
    components::{FormError, LoadError, Pager, StaffFrame, toast_outcome},
    error::AppError,
    loading::load,
    projects::id_param,
};

/// A page of the Mailbox: `q` searches recipients and subjects, `cursor` names the page.
#[server(output = Postcard)]
pub async fn list_mailbox(
    #[server(default)] q: String,
    #[server(default)] cursor: String,
) -> Result<MailboxPage, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::mailbox::list(&crate::server::portico()?, &staff, &q, &cursor).await?)
}

#[server(output = Postcard)]
pub async fn load_message(id: i64) -> Result<MailboxMessage, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::mailbox::message(&crate::server::portico()?, &staff, id).await?)
}

/// "Retry": sends a failed message again, unchanged.
#[server(output = Postcard)]
pub async fn retry_message(id: i64) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::mailbox::retry(&crate::server::portico()?, &staff, id, crate::server::client_ip()).await?)
}

fn status_badge(delivery: &Delivery) -> impl IntoView + use<> {
    view! { <span class=format!("badge badge-{}", delivery.tone())>{delivery.label()}</span> }
}

#[component]
pub fn MailboxPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let data = load(
        move || {
            let q = query.read();
            (q.get("q").unwrap_or_default(), q.get("cursor").unwrap_or_default())
        },
        |(q, cursor)| list_mailbox(q, cursor),
    );
    let searched = move || query.read_untracked().get("q").unwrap_or_default();
    view! {
        <Title text="Mailbox" />
        <StaffFrame>
            <h1>"Mailbox"</h1>
            <p class="lead">"Every email Portico sent or captured. With no SMTP server configured, messages are captured here instead of sent."</p>
            <leptos_router::components::Form method="GET" on_form_data=crate::components::without_unnamed_field() action="/mailbox" attr:class="list-filter" attr:role="search" attr:aria-label="Find messages">
                <div class="field">
                    <label for="mail-search">"Search messages"</label>
                    <input id="mail-search" name="q" type="search" value=searched maxlength="100" placeholder="Recipient or subject"
                        prop:value=move || query.read().get("q").unwrap_or_default() />
                </div>
                <button type="submit" class="btn btn-secondary">"Search"</button>
            </leptos_router::components::Form>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                        Ok(page) if page.rows.is_empty() && searched().is_empty() => view! {
                            <div class="card empty"><p>"No messages yet. Invitations and sign-in codes appear here."</p></div>
                        }
                            .into_any(),
                        Ok(page) if page.rows.is_empty() => view! {
                            <div class="card empty">
                                <p class="strong">"No messages match."</p>
                                <p><a href="/mailbox">"Show every message"</a></p>
                            </div>
                        }
                            .into_any(),
                        Ok(MailboxPage { rows, next, prev }) => view! {
                            <div class="card table-wrap">
                                // On phones each message is a card with every column (the recipient
                                // matters most when several clients were written to).
                                <table class="table stack-table">
                                    <caption class="visually-hidden">"Messages, newest first"</caption>
                                    <thead>
                                        <tr><th scope="col">"Subject"</th><th scope="col">"To"</th><th scope="col">"Status"</th><th scope="col">"Created"</th></tr>
                                    </thead>
                                    <tbody>
                                        {rows.into_iter().map(|m| view! {
                                            <tr>
                                                <td><a href=format!("/mailbox/{}", m.id)>{m.subject}</a></td>
                                                <td data-label="To">{m.recipient}</td>
                                                <td data-label="Status">{status_badge(&m.delivery)}</td>
                                                <td data-label="Created">{date_time(m.created_at)}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                <Pager path="/mailbox".to_string() prev next />
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
    let retry = ServerAction::<RetryMessage>::new();
    toast_outcome(retry.value(), "Queued to send again");
    let data = load(
        move || (id_param("id"), retry.version().get()),
        |(id, _)| async move {
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
                                    <dt>"Status"</dt><dd>{status_badge(&m.delivery)}</dd>
                                    <dt>"Created"</dt><dd>{short_date(m.created_at)}</dd>
                                    <dt>"Attempts"</dt><dd>{m.attempts}</dd>
                                    {match m.delivery {
                                        Delivery::Retrying { attempts, of, next_at } => Some(view! {
                                            <dt>"Next attempt"</dt>
                                            <dd>{format!("{} (attempt {} of {of}; after the last it is marked failed)", date_time(next_at), attempts + 1)}</dd>
                                        }),
                                        _ => None,
                                    }}
                                    {m.last_error.clone().map(|e| view! { <dt>"Last error"</dt><dd>{e}</dd> })}
                                </dl>
                                {match m.retry.clone() {
                                    Retry::Allowed => Some(view! {
                                        <ActionForm action=retry attr:class="inline-form">
                                            <input type="hidden" name="id" value=m.id.to_string() />
                                            <button type="submit" class="btn btn-primary">"Retry"</button>
                                            <span class="note">"Sends the same message again, with the same link."</span>
                                        </ActionForm>
                                        <FormError result=retry.value() fields=&[] />
                                    }.into_any()),
                                    Retry::Refused(why) => Some(view! { <p class="notice">{format!("This message failed and cannot be sent again. {why}")}</p> }.into_any()),
                                    Retry::NotNeeded => None,
                                }}
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
