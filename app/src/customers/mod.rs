//! Customers: the list, Add / Edit customer, and the customer page with its co-owners —
//! "Send invite", "Invite all owners", "Add as guest" — and Delete, which asks what becomes
//! of its clients.

mod form;
mod pick;

pub use form::{CustomerFormPage, LoadCustomerForm, SaveCustomer, load_customer_form, save_customer};
pub use pick::CustomerPick;

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{CustomerPage, CustomersPage, OwnersInvited, thousands};

use crate::{
    components::{
        Confirmation, FieldError, FormError, LoadError, Pager, StaffFrame, StatusBadge, list_summary, toasts,
    },
    dialog::Confirm,
    error::AppError,
    loading::load,
    projects::id_param,
};

#[server(output = Postcard)]
pub async fn load_customers(
    #[server(default)] q: String,
    #[server(default)] cursor: String,
    #[server(default)] per: String,
) -> Result<CustomersPage, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::customers::list(&crate::server::portico()?, &staff, [&q, &cursor, &per]).await?)
}

#[server(output = Postcard)]
pub async fn load_customer(customer_id: i64) -> Result<CustomerPage, AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::customers::page(&crate::server::portico()?, &staff, customer_id).await?)
}

/// "Send invite" next to an owner (`client_id`), or "Invite all owners" (none).
#[server(output = Postcard)]
pub async fn invite_owners(
    customer_id: i64,
    #[server(default)] client_id: Option<i64>,
) -> Result<OwnersInvited, AppError> {
    use portico_core::domain::ClientId;
    let staff = crate::server::staff().await?;
    crate::server::limit(crate::rate_limits::Scope::StaffMail, &[])?;
    Ok(portico_core::customers::invite_owners(
        &crate::server::portico()?,
        &staff,
        customer_id,
        client_id.map(ClientId),
        crate::server::client_ip(),
    )
    .await?)
}

/// "Add as guest": the client is added to the customer and invited to its projects at once.
#[server(output = Postcard)]
pub async fn add_guest(customer_id: i64, name: String, email: String) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    crate::server::limit(crate::rate_limits::Scope::StaffMail, &[])?;
    portico_core::customers::add_guest(
        &crate::server::portico()?,
        &staff,
        customer_id,
        &name,
        &email,
        crate::server::client_ip(),
    )
    .await?;
    Ok(())
}

/// "Delete customer", keeping its clients without a customer (`clients` = "keep") or deleting
/// them with it ("delete").
#[server(output = Postcard)]
pub async fn delete_customer(customer_id: i64, clients: String) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    let delete_clients = match clients.as_str() {
        "keep" => false,
        "delete" => true,
        _ => {
            return Err(portico_core::Error::validation("clients", "Choose what happens to its client users.").into());
        }
    };
    portico_core::customers::delete(
        &crate::server::portico()?,
        &staff,
        customer_id,
        delete_clients,
        crate::server::client_ip(),
    )
    .await?;
    leptos_axum::redirect("/customers?deleted");
    Ok(())
}

#[component]
pub fn CustomersListPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let data = load(
        move || {
            let q = query.read();
            let part = |k: &str| q.get(k).unwrap_or_default();
            [part("q"), part("cursor"), part("per")]
        },
        |[q, cursor, per]| load_customers(q, cursor, per),
    );
    let deleted = query.read_untracked().get("deleted").is_some();
    view! {
        <Title text="Customers" />
        <StaffFrame>
            <div class="page-head">
                <h1>"Customers"</h1>
                <a class="btn btn-primary" href="/customers/new">"Add customer"</a>
            </div>
            {deleted.then(|| view! { <Confirmation text="Customer deleted." /> })}
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => view! { <CustomersBody page /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

#[component]
fn CustomersBody(page: CustomersPage) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let q = query.read_untracked().get("q").unwrap_or_default();
    let searching = !q.is_empty();
    let shown = list_summary(page.rows.len(), page.matching, page.matching_is_bound, ("customer", "customers"));
    view! {
        <section class="card" aria-label="Customers">
            <leptos_router::components::Form method="GET" on_form_data=crate::components::without_unnamed_field() action="/customers" attr:class="list-filter" attr:role="search" attr:aria-label="Find customers">
                <div class="field">
                    <label for="customers-search">"Search customers"</label>
                    <input id="customers-search" name="q" type="search" value=q maxlength="100" placeholder="Name or contact email"
                        prop:value=move || query.read().get("q").unwrap_or_default() />
                </div>
                <button type="submit" class="btn btn-secondary">"Search"</button>
            </leptos_router::components::Form>
            <p class="muted list-summary" aria-live="polite">{shown}</p>
            {if page.rows.is_empty() {
                if searching {
                    view! { <div class="empty"><p class="strong">"No customers match."</p><p><a href="/customers">"Show all customers"</a></p></div> }.into_any()
                } else {
                    view! {
                        <div class="empty">
                            <p class="strong">"No customers yet."</p>
                            <p>"A customer is a business or person you work for: it groups its projects and its people."</p>
                            <a class="btn btn-primary" href="/customers/new">"Add customer"</a>
                        </div>
                    }
                        .into_any()
                }
            } else {
                view! {
                    <ul class="list">
                        {page.rows.into_iter().map(|c| view! {
                            <li class="list-row">
                                <div class="list-main">
                                    <a class="strong" href=format!("/customers/{}", c.id)>{c.name}</a>
                                    <span class="muted wrap-anywhere">{c.contact_email.unwrap_or_default()}</span>
                                </div>
                                <span class="badge badge-neutral">{c.kind}</span>
                                <span class="muted">{format!("{} client users · {} projects", thousands(c.owners), thousands(c.projects))}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                    <Pager path="/customers".to_string() prev=page.prev next=page.next />
                }
                    .into_any()
            }}
        </section>
    }
}

#[component]
pub fn CustomerDetailPage() -> impl IntoView {
    let invite = ServerAction::<InviteOwners>::new();
    let guest = ServerAction::<AddGuest>::new();
    let delete = ServerAction::<DeleteCustomer>::new();
    let said = toasts().source();
    Effect::new(move |_| match invite.value().get() {
        Some(Ok(report)) => said.show(report.summary()),
        Some(Err(e)) => said.error(&e),
        None => {}
    });
    let said = toasts().source();
    Effect::new(move |_| {
        if let Some(Ok(())) = guest.value().get() {
            said.show("Guest added and invited: the invitation was sent.");
        }
    });
    let data = load(
        move || (id_param("id"), invite.version().get(), guest.version().get()),
        |(id, ..)| async move {
            match id {
                Some(id) => load_customer(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <Title text="Customer" />
        <StaffFrame>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(c) => view! { <CustomerBody c invite guest delete /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
        </StaffFrame>
    }
}

#[component]
fn CustomerBody(
    c: CustomerPage,
    invite: ServerAction<InviteOwners>,
    guest: ServerAction<AddGuest>,
    delete: ServerAction<DeleteCustomer>,
) -> impl IntoView {
    let id = c.id;
    let query = leptos_router::hooks::use_query_map();
    let deleting = move || query.read().get("delete").is_some();
    let saved = query.read_untracked().get("saved").is_some();
    let name = c.name.clone();
    let pending = invite.pending();
    let guest_result = guest.value();
    // After a guest is added the form starts empty again.
    let guest_form =
        crate::components::emptied_after(Signal::derive(move || matches!(guest_result.get(), Some(Ok(())))));
    view! {
        <Title text=c.name.clone() />
        <nav aria-label="Breadcrumb" class="crumbs"><a href="/customers">"Customers"</a></nav>
        {saved.then(|| view! { <Confirmation text="Customer saved." /> })}
        <div class="page-head">
            <div>
                <h1>{c.name.clone()}</h1>
                <p class="lead">{c.kind.clone()}</p>
            </div>
            <div class="row-actions">
                <a class="btn btn-secondary" href=format!("/customers/{id}/edit")>"Edit"</a>
                <a class="btn btn-danger-quiet" href=format!("/customers/{id}?delete")>"Delete"</a>
            </div>
        </div>
        {move || deleting().then(|| view! { <ConfirmDeleteCustomer id name=name.clone() delete /> })}
        <section class="card" aria-labelledby="customer-details-title">
            <h2 id="customer-details-title" class="card-title">"Details"</h2>
            <dl class="meta">
                <dt>"Contact email"</dt><dd class="wrap-anywhere">{c.contact_email.clone().unwrap_or_else(|| "—".into())}</dd>
                <dt>"Web address"</dt>
                <dd class="wrap-anywhere">{match c.website.clone() {
                    Some(w) => {
                        let shown = w.clone();
                        view! { <a href=w rel="noopener noreferrer nofollow" target="_blank">{shown}</a> }.into_any()
                    }
                    None => "—".into_any(),
                }}</dd>
                <dt>"Postal address"</dt>
                <dd>{if c.address.is_empty() { "—".into_any() } else { c.address.iter().map(|l| view! { <span class="block">{l.clone()}</span> }).collect_view().into_any() }}</dd>
                <dt>"Projects"</dt>
                <dd>{if c.projects.is_empty() {
                    "None yet".into_any()
                } else {
                    c.projects.iter().map(|p| view! { <a class="tag-link" href=format!("/projects/{}/portal", p.id)>{p.name.clone()}</a> " " }).collect_view().into_any()
                }}</dd>
            </dl>
        </section>
        <section class="card" aria-labelledby="owners-title">
            <div class="card-head">
                <h2 id="owners-title" class="card-title">"Client users"</h2>
                {(!c.owners.is_empty()).then(|| view! {
                    <ActionForm action=invite>
                        <input type="hidden" name="customer_id" value=id.to_string() />
                        <button type="submit" class="btn btn-primary" disabled=move || pending.get()>"Invite all owners"</button>
                    </ActionForm>
                })}
            </div>
            {if c.owners.is_empty() {
                view! { <p class="muted">"No client users yet. Add one as a guest below, or pick this customer when you add a client."</p> }.into_any()
            } else {
                view! {
                    <ul class="list">
                        {c.owners.into_iter().map(|o| {
                            let label = format!("Send invite to {}", o.name);
                            let invitable = !matches!(o.status, portico_core::model::AccessStatus::Active | portico_core::model::AccessStatus::Deactivated);
                            view! {
                                <li class="list-row owner-line">
                                    <div class="list-main">
                                        <a class="strong" href=format!("/clients/{}", o.client_id)>{o.name.clone()}</a>
                                        <span class="muted wrap-anywhere">{o.email.clone()}</span>
                                    </div>
                                    <div class="status-cell"><StatusBadge status=o.status /><span class="note">{o.note.clone()}</span></div>
                                    // Always there, empty for an owner who cannot be invited, so that
                                    // the columns line up from row to row.
                                    <div class="row-action">
                                        {invitable.then(|| view! {
                                            <ActionForm action=invite>
                                                <input type="hidden" name="customer_id" value=id.to_string() />
                                                <input type="hidden" name="client_id" value=o.client_id.to_string() />
                                                <button type="submit" class="btn btn-secondary" aria-label=label>"Send invite"</button>
                                            </ActionForm>
                                        })}
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }
                    .into_any()
            }}
        </section>
        <section class="card" aria-labelledby="guest-title">
            <h2 id="guest-title" class="card-title">"Add as guest"</h2>
            <p class="hint">"They join this customer and are invited to its projects at once: no separate step."</p>
            <ActionForm action=guest node_ref=guest_form attr:novalidate=true attr:class="inline-form">
                <input type="hidden" name="customer_id" value=id.to_string() />
                <FormError result=guest_result fields=&["name", "email"] />
                <div class="field">
                    <label for="guest-name">"Name"</label>
                    <input id="guest-name" name="name" autocomplete="off" maxlength="200" aria-describedby="guest-name-error" />
                    <FieldError result=guest_result field="name" id="guest-name-error" />
                </div>
                <div class="field">
                    <label for="guest-email">"Email"</label>
                    <input id="guest-email" name="email" type="email" autocomplete="off" aria-describedby="guest-email-error" />
                    <FieldError result=guest_result field="email" id="guest-email-error" />
                </div>
                <button type="submit" class="btn btn-primary">"Add as guest"</button>
            </ActionForm>
        </section>
    }
}

/// "Delete …?": what becomes of its client users (asked, never assumed) and projects (kept).
#[component]
fn ConfirmDeleteCustomer(id: i64, name: String, delete: ServerAction<DeleteCustomer>) -> impl IntoView {
    let back = format!("/customers/{id}");
    let result = delete.value();
    view! {
        <Confirm
            title=format!("Delete {name}?")
            text="Its projects stay, without a customer. What should happen to its client users?"
            back=back.clone()
        >
            <ActionForm action=delete>
                <input type="hidden" name="customer_id" value=id.to_string() />
                <FormError result fields=&["clients"] />
                <fieldset class="choices">
                    <legend>"Its client users"</legend>
                    <label class="choice-row"><input type="radio" name="clients" value="keep" checked=true /><span>"Keep them, without a customer"</span></label>
                    <label class="choice-row"><input type="radio" name="clients" value="delete" /><span>"Delete them too (their access ends at once)"</span></label>
                </fieldset>
                <FieldError result field="clients" id="delete-clients-error" />
                <div class="actions">
                    <button type="submit" class="btn btn-danger" autofocus>"Delete customer"</button>
                    <a class="btn btn-secondary" href=back>"Keep customer"</a>
                </div>
            </ActionForm>
        </Confirm>
    }
}
