//! Clients: the Clients page, Add client, and the client page — details, projects, sign-in
//! actions, Deactivate / Activate, and each invitation's timeline.

mod edit;
mod fields;
mod list;
mod new;

pub use edit::{EditClientPage, LoadClientEdit, SaveClient, load_client_edit, save_client};
pub use list::{ClientsPage, LoadClients, load_clients};
pub use new::{AddClient, AddClientPage, LoadNewClientChoices, add_client, load_new_client_choices};

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{AccessStatus, Billing, ClientPage, TimelineEntry, date_time, money, short_date};

use crate::{
    components::{Confirmation, FormError, LoadError, StaffFrame, StatusBadge, toast_outcome},
    dialog::Confirm,
    error::AppError,
    invitations::SendInvite,
    loading::load,
    login_links::{LoginTools, MagicLinkDialog},
    projects::id_param,
};

/// "Deactivate" (`deactivate` true) or "Activate" on the client page.
#[server(output = Postcard)]
pub async fn set_client_access(client_id: i64, deactivate: bool) -> Result<(), AppError> {
    use portico_core::{clients, domain::ClientId};
    let staff = crate::server::staff().await?;
    clients::set_deactivated(
        &crate::server::portico()?,
        &staff,
        ClientId(client_id),
        deactivate,
        crate::server::client_ip(),
    )
    .await?;
    leptos_axum::redirect(&format!("/clients/{client_id}"));
    Ok(())
}

#[server(output = Postcard)]
pub async fn load_client(client_id: i64) -> Result<ClientPage, AppError> {
    use portico_core::{clients, domain::ClientId};
    let staff = crate::server::staff().await?;
    Ok(clients::page(&crate::server::portico()?, &staff, ClientId(client_id)).await?)
}

/// "Delete" on the client page, with "Let the user know they've been removed" (`notify`).
#[server(output = Postcard)]
pub async fn delete_client(client_id: i64, #[server(default)] notify: bool) -> Result<(), AppError> {
    use portico_core::{clients, domain::ClientId};
    let staff = crate::server::staff().await?;
    clients::delete(&crate::server::portico()?, &staff, ClientId(client_id), notify, crate::server::client_ip())
        .await?;
    leptos_axum::redirect("/clients?deleted");
    Ok(())
}

/// What the client page can do besides sign-in links.
#[derive(Clone, Copy)]
struct ClientActions {
    access: ServerAction<SetClientAccess>,
    delete: ServerAction<DeleteClient>,
    invite: ServerAction<SendInvite>,
    tools: LoginTools,
}

#[component]
pub fn ClientPage() -> impl IntoView {
    let tools = LoginTools::new();
    let access = ServerAction::<SetClientAccess>::new();
    let invite = ServerAction::<SendInvite>::new();
    toast_outcome(invite.value(), "Invitation sent");
    let delete = ServerAction::<DeleteClient>::new();
    let actions = ClientActions { access, delete, invite, tools };
    let permissions = crate::client_profiles::ClientPermissionsData::for_page();
    let forms = crate::forms::ClientForms::for_page();
    let data = load(
        move || {
            (
                id_param("id"),
                tools.login.version().get(),
                tools.magic.version().get(),
                access.version().get(),
                invite.version().get(),
            )
        },
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
                        Ok(c) => view! { <ClientBody c actions permissions forms /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <MagicLinkDialog tools />
        </StaffFrame>
    }
}

#[component]
fn ClientBody(
    c: ClientPage,
    actions: ClientActions,
    permissions: crate::client_profiles::ClientPermissionsData,
    forms: crate::forms::ClientForms,
) -> impl IntoView {
    let ClientActions { access, delete, invite, tools } = actions;
    let id = c.id;
    let can_sign_in = c.status.allows_sign_in_links();
    let deactivated = c.deactivated;
    // "Deactivate" asks first: a page state (`?deactivate`), so it works before and without
    // the wasm; it shows only while there is something to deactivate.
    let query = leptos_router::hooks::use_query_map();
    let confirming = move || !deactivated && query.read().get("deactivate").is_some();
    let deleting = move || query.read().get("delete").is_some();
    let added = {
        let q = query.read_untracked();
        match q.get("added").as_deref() {
            Some("saved") => Some("Client added. Invite them when you are ready."),
            Some("invited") => Some("Client added and invited."),
            _ if q.get("saved").is_some() => Some("Changes saved."),
            _ => None,
        }
    };
    let name = c.name.clone();
    let form_projects: Vec<portico_core::model::ProjectOption> =
        c.projects.iter().map(|p| portico_core::model::ProjectOption { id: p.id, name: p.name.clone() }).collect();
    view! {
        <Title text=c.name.clone() />
        <nav aria-label="Breadcrumb" class="crumbs"><a href="/clients">"Clients"</a></nav>
        {added.map(|text| view! { <Confirmation text /> })}
        <div class="page-head">
            <div>
                <h1>{c.name.clone()}</h1>
                <p class="lead"><StatusBadge status=c.status /></p>
            </div>
            <div class="row-actions">
                {can_sign_in.then(|| view! {
                    <button type="button" class="btn btn-secondary" on:click=move |_| tools.generate(id)>"Generate magic link"</button>
                    <button type="button" class="btn btn-secondary" on:click=move |_| tools.send(vec![id])>"Send login email"</button>
                })}
                <a class="btn btn-secondary" href=format!("/clients/{id}/edit")>"Edit"</a>
                {if deactivated {
                    view! {
                        <ActionForm action=access>
                            <input type="hidden" name="client_id" value=id.to_string() />
                            <input type="hidden" name="deactivate" value="false" />
                            <button type="submit" class="btn btn-primary">"Activate"</button>
                        </ActionForm>
                    }
                        .into_any()
                } else {
                    view! { <a class="btn btn-danger-quiet" href=format!("/clients/{id}?deactivate")>"Deactivate"</a> }.into_any()
                }}
                <a class="btn btn-danger-quiet" href=format!("/clients/{id}?delete")>"Delete"</a>
            </div>
        </div>
        {deactivated.then(|| view! {
            <p class="notice" role="status">
                "Deactivated: they cannot sign in, and their links and codes do not work. Activate to restore their access; no new invitation is needed."
            </p>
        })}
        {
            let name = name.clone();
            move || confirming().then(|| view! { <ConfirmDeactivate id name=name.clone() access /> })
        }
        {move || deleting().then(|| view! { <ConfirmDelete id name=name.clone() delete /> })}
        <section class="card" aria-labelledby="details-title">
            <h2 id="details-title" class="card-title">"Details"</h2>
            <dl class="meta">
                <dt>"Email"</dt><dd class="wrap-anywhere">{c.email}</dd>
                <dt>"Phone"</dt><dd>{c.phone.unwrap_or_else(|| "—".into())}</dd>
                <dt>"Customer"</dt>
                <dd>
                    {match c.customer {
                        Some(customer) => view! { <a href=format!("/customers/{}", customer.id)>{customer.name}</a> }.into_any(),
                        None => "—".into_any(),
                    }}
                </dd>
                <dt>"Assigned staff"</dt><dd>{c.assigned_staff.unwrap_or_else(|| "—".into())}</dd>
                <dt>"Added"</dt><dd>{short_date(c.created_at)}</dd>
                <dt>"Last sign-in"</dt><dd>{c.last_sign_in_at.map_or_else(|| "Never".to_string(), short_date)}</dd>
            </dl>
        </section>
        <crate::client_profiles::ClientPermissionsCard data=permissions />
        <crate::forms::ClientFormsSection data=forms client_id=id projects=form_projects />
        <section class="card" aria-labelledby="projects-title">
            <h2 id="projects-title" class="card-title">"Projects"</h2>
            {if c.projects.is_empty() {
                view! { <p class="muted">"Not on a project yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="list">
                        {c.projects.into_iter().map(|p| {
                            let label = format!("Send invite to {} for {}", c.name, p.name);
                            // A new invitation where none can be used: never sent, cancelled, or run out
                            // (an email change expires the one sent to the old address).
                            let offer = !deactivated
                                && matches!(p.status, AccessStatus::NotInvited | AccessStatus::Cancelled | AccessStatus::Expired);
                            view! {
                                <li class="list-row">
                                    <div class="list-main">
                                        <a class="strong" href=format!("/projects/{}/portal", p.id)>{p.name.clone()}</a>
                                        {(p.billing == Billing::StaffHours).then(|| view! {
                                            <span class="muted">
                                                {p.rate_cents.map_or_else(|| "Rate per hour not set".to_string(), |r| format!("Rate per hour: {}", money(r)))}
                                            </span>
                                        })}
                                    </div>
                                    <StatusBadge status=p.status />
                                    {offer.then(|| view! {
                                        <ActionForm action=invite>
                                            <input type="hidden" name="project_id" value=p.id.to_string() />
                                            <input type="hidden" name="client_id" value=id.to_string() />
                                            <button type="submit" class="btn btn-secondary" aria-label=label>"Send invite"</button>
                                        </ActionForm>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
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

/// "Deactivate …?": what happens, then the one button that does it.
#[component]
fn ConfirmDeactivate(id: i64, name: String, access: ServerAction<SetClientAccess>) -> impl IntoView {
    let back = format!("/clients/{id}");
    view! {
        <Confirm
            title=format!("Deactivate {name}?")
            text="They are signed out at once and cannot sign in; their links and codes stop working. You can activate them again later."
            back=back.clone()
        >
            <div class="actions">
                <ActionForm action=access>
                    <input type="hidden" name="client_id" value=id.to_string() />
                    <input type="hidden" name="deactivate" value="true" />
                    <button type="submit" class="btn btn-danger" autofocus>"Deactivate"</button>
                </ActionForm>
                <a class="btn btn-secondary" href=back>"Keep access"</a>
            </div>
        </Confirm>
    }
}

/// "Delete …?": what goes and what stays, whether to tell them, then the one button.
#[component]
fn ConfirmDelete(id: i64, name: String, delete: ServerAction<DeleteClient>) -> impl IntoView {
    let back = format!("/clients/{id}");
    let result = delete.value();
    view! {
        <Confirm
            title=format!("Delete {name}?")
            text="Their invitations, links, codes and sessions stop working at once. The activity history stays. This cannot be undone."
            back=back.clone()
        >
            <ActionForm action=delete>
                <input type="hidden" name="client_id" value=id.to_string() />
                <FormError result fields=&[] />
                <label class="choice-row" for="delete-notify">
                    <input type="checkbox" id="delete-notify" name="notify" value="true" />
                    <span>"Let the user know they've been removed"</span>
                </label>
                <div class="actions">
                    <button type="submit" class="btn btn-danger" autofocus>"Delete client"</button>
                    <a class="btn btn-secondary" href=back>"Keep client"</a>
                </div>
            </ActionForm>
        </Confirm>
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
