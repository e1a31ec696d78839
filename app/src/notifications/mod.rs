//! Team notifications: the bell in the top bar (unread count, latest entries, mark read) and
//! the Notifications page (everything, plus which kinds also come by email).

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{NotificationItem, NotificationPreference, Notifications, short_date};

use crate::{
    components::{LoadError, Pager, StaffFrame, toast_outcome},
    error::AppError,
    loading::load,
};

/// The unread count and a page of notifications (`cursor`: which page; empty, the newest).
#[server(output = Postcard)]
pub async fn load_notifications(#[server(default)] cursor: String) -> Result<Notifications, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::notifications::list(&crate::server::portico()?, &staff, &cursor).await?)
}

#[server(output = Postcard)]
pub async fn mark_notification_read(id: i64) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::notifications::mark_read(&crate::server::portico()?, &staff, Some(id)).await?)
}

#[server(output = Postcard)]
pub async fn mark_all_notifications_read() -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::notifications::mark_read(&crate::server::portico()?, &staff, None).await?)
}

#[server(output = Postcard)]
pub async fn load_notification_preferences() -> Result<Vec<NotificationPreference>, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::notifications::preferences(&crate::server::portico()?, &staff).await?)
}

#[server(output = Postcard)]
pub async fn set_notification_email(kind: String, email: bool) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::notifications::set_email(&crate::server::portico()?, &staff, &kind, email).await?)
}

/// The bell: a button with the unread count that opens the latest notifications.
#[component]
pub fn NotificationBell() -> impl IntoView {
    let mark_one = ServerAction::<MarkNotificationRead>::new();
    let mark_all = ServerAction::<MarkAllNotificationsRead>::new();
    // Loaded in the browser only, after hydration: the bell is on every staff page and its
    // count is not worth holding up the server render. A plain signal filled by an effect
    // (effects never run on the server), not a LocalResource: reading a local resource inside
    // the staff frame's <Suspense> made the server sometimes give up on the whole frame and
    // send its "Loading…" fallback instead of the page.
    let data = RwSignal::new(None::<Result<Notifications, AppError>>);
    Effect::new(move |_| {
        // The counters themselves, taken while the bell is alive: asking a disposed action for
        // them would panic, a disposed signal only answers `None`.
        let versions = (mark_one.version(), mark_all.version());
        let version = (versions.0.get(), versions.1.get());
        leptos::task::spawn_local(async move {
            let loaded = load_notifications(String::new()).await;
            // A slower, older answer must not overwrite a newer one; an answer that comes after
            // the bell is gone (signed out meanwhile) finds its signals disposed and is dropped.
            let now = (versions.0.try_get_untracked(), versions.1.try_get_untracked());
            if now == (Some(version.0), Some(version.1)) {
                data.try_set(Some(loaded));
            }
        });
    });
    let open = RwSignal::new(false);
    let unread = move || data.get().and_then(Result::ok).map_or(0, |n| n.unread);
    view! {
        <div class="bell" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <button
                type="button"
                class="btn btn-icon bell-button"
                aria-expanded=move || open.get().to_string()
                aria-controls="bell-panel"
                aria-label=move || match unread() {
                    0 => "Notifications".to_string(),
                    n => format!("Notifications, {n} unread"),
                }
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <svg aria-hidden="true" viewBox="0 0 24 24" width="20" height="20"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"/></svg>
                {move || (unread() > 0).then(|| view! { <span class="bell-count" data-testid="bell-count">{unread()}</span> })}
            </button>
            <div id="bell-panel" class="bell-panel" hidden=move || !open.get()>
                <div class="bell-head">
                    <h2 class="card-title">"Notifications"</h2>
                    <button type="button" class="btn btn-quiet" on:click=move |_| { mark_all.dispatch(MarkAllNotificationsRead {}); }>
                        "Mark all read"
                    </button>
                </div>
                {move || match data.get() {
                    None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                    Some(Ok(n)) if n.items.is_empty() => view! { <p class="empty">"Nothing yet. You will hear here when a client accepts an invitation."</p> }.into_any(),
                    Some(Ok(n)) => view! { <NotificationList items=n.items.into_iter().take(8).collect() mark_one /> }.into_any(),
                    Some(Err(e)) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
                }}
                <a class="bell-all" href="/notifications">"All notifications and email settings"</a>
            </div>
        </div>
    }
}

#[component]
fn NotificationList(items: Vec<NotificationItem>, mark_one: ServerAction<MarkNotificationRead>) -> impl IntoView {
    view! {
        <ul class="list notification-list">
            {items
                .into_iter()
                .map(|n| {
                    let id = n.id;
                    let title = n.title.clone();
                    view! {
                        <li class="list-row notification" class:unread=!n.read>
                            <div class="list-main">
                                {match n.link.clone() {
                                    Some(href) => view! { <a class="strong" href=href>{n.title.clone()}</a> }.into_any(),
                                    None => view! { <span class="strong">{n.title.clone()}</span> }.into_any(),
                                }}
                                <span class="muted">{n.body}</span>
                                <span class="note">{short_date(n.created_at)}</span>
                            </div>
                            {(!n.read).then(|| view! {
                                <button type="button" class="btn btn-quiet" aria-label=format!("Mark read: {title}")
                                    on:click=move |_| { mark_one.dispatch(MarkNotificationRead { id }); }>
                                    "Mark read"
                                </button>
                            })}
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// Every notification, and the email switch of each kind.
#[component]
pub fn NotificationsPage() -> impl IntoView {
    let mark_one = ServerAction::<MarkNotificationRead>::new();
    let mark_all = ServerAction::<MarkAllNotificationsRead>::new();
    let set_email = ServerAction::<SetNotificationEmail>::new();
    let query = leptos_router::hooks::use_query_map();
    let data = load(
        move || (query.read().get("cursor").unwrap_or_default(), mark_one.version().get(), mark_all.version().get()),
        |(cursor, ..)| load_notifications(cursor),
    );
    let prefs = load(move || set_email.version().get(), |_| load_notification_preferences());
    toast_outcome(set_email.value(), "Email settings saved");
    view! {
        <Title text="Notifications" />
        <StaffFrame>
            <div class="page-head">
                <h1>"Notifications"</h1>
                <button type="button" class="btn btn-secondary" on:click=move |_| { mark_all.dispatch(MarkAllNotificationsRead {}); }>
                    "Mark all read"
                </button>
            </div>
            <section class="card" aria-label="Notifications">
                <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok(n) if n.items.is_empty() => view! { <div class="empty"><p>"No notifications yet."</p></div> }.into_any(),
                            Ok(n) => view! {
                                <NotificationList items=n.items mark_one />
                                <Pager path="/notifications".to_string() prev=n.prev next=n.next />
                            }
                                .into_any(),
                            Err(e) => view! { <LoadError error=e /> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
            <section class="card" aria-labelledby="email-prefs-title">
                <h2 id="email-prefs-title" class="card-title">"Email me when"</h2>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        prefs.await.map(|list| view! {
                            <ul class="list">
                                {list.into_iter().map(|p| {
                                    let id = format!("email-{}", p.kind.replace('.', "-"));
                                    let kind = p.kind.clone();
                                    let label_for = id.clone();
                                    view! {
                                        <li class="list-row">
                                            <label class="choice-row" for=label_for>
                                                <input type="checkbox" id=id checked=p.email
                                                    on:change=move |ev| { set_email.dispatch(SetNotificationEmail { kind: kind.clone(), email: event_target_checked(&ev) }); } />
                                                {p.label}
                                            </label>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }).ok()
                    })}
                </Suspense>
                <p class="hint">"Notifications always appear under the bell; these switches only control the emails."</p>
            </section>
        </StaffFrame>
    }
}
