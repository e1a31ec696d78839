//! The staff home: client portal URL, Invited vs Joined, requests for a new link, the clients
//! (with magic links and login emails, one or many at once) and recent invitations.

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{ClientRow, Dashboard, LinkRequestRow, NamePick, short_date, thousands};

use crate::{
    combobox::NamePicker,
    components::{CopyButton, LoadError, Pager, RowMenu, StaffFrame, StatusBadge, list_href, toast_outcome},
    error::AppError,
    loading::load,
    login_links::{BulkBar, LoginTools, MagicLinkDialog, SelectClient},
};

/// The dashboard, its client list at the page `cursor` names (empty: the first), of the
/// `customer` chosen (or named by the words `customer_name` in the Customer box).
#[server(output = Postcard)]
pub async fn load_dashboard(
    #[server(default)] cursor: String,
    #[server(default)] customer: String,
    #[server(default)] customer_name: portico_core::model::BoxWords,
) -> Result<Dashboard, AppError> {
    let staff = crate::server::staff().await?;
    let portico = crate::server::portico()?;
    Ok(portico_core::dashboard::dashboard(&portico, &staff, [&cursor, &customer], customer_name.as_deref()).await?)
}

/// "Approve" on a request for a new link: the client gets a new invitation link.
#[server(output = Postcard)]
pub async fn approve_link_request(id: i64) -> Result<(), AppError> {
    let staff = crate::server::staff().await?;
    Ok(portico_core::link_requests::approve(&crate::server::portico()?, &staff, id, crate::server::client_ip()).await?)
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let approve = ServerAction::<ApproveLinkRequest>::new();
    toast_outcome(approve.value(), "New link sent");
    let tools = LoginTools::new();
    let query = leptos_router::hooks::use_query_map();
    let data = load(
        move || {
            let q = query.read();
            let part = |k: &str| q.get(k).unwrap_or_default();
            let named = q.get("customer_name");
            (
                part("cursor"),
                part("customer"),
                named,
                approve.version().get(),
                tools.login.version().get(),
                tools.refresh.get(),
            )
        },
        |(cursor, customer, named, ..)| load_dashboard(cursor, customer, portico_core::model::BoxWords(named)),
    );
    view! {
        <Title text="Dashboard" />
        <StaffFrame>
            <h1>"Dashboard"</h1>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <DashboardBody d approve tools /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <MagicLinkDialog tools />
        </StaffFrame>
    }
}

#[component]
fn DashboardBody(d: Dashboard, approve: ServerAction<ApproveLinkRequest>, tools: LoginTools) -> impl IntoView {
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
                <dt>"Invited" <span class="stat-hint">"waiting to accept"</span></dt>
                <dd data-testid="stat-invited">{thousands(d.invited)}</dd>
            </div>
            <div class="stat">
                <dt>"Joined" <span class="stat-hint">"Active in the portal"</span></dt>
                <dd data-testid="stat-joined">{thousands(d.joined)}</dd>
            </div>
            <div class="stat">
                <dt>"Other" <span class="stat-hint">"not invited, expired, cancelled, locked or deactivated"</span></dt>
                <dd data-testid="stat-other">{thousands(d.other)}</dd>
            </div>
        </dl>
        {(!d.link_requests.is_empty()).then(|| view! { <LinkRequests requests=d.link_requests approve /> })}
        <Clients clients=d.clients next=d.next prev=d.prev tools has_customers=d.has_customers customer=d.customer />
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

#[component]
fn LinkRequests(requests: Vec<LinkRequestRow>, approve: ServerAction<ApproveLinkRequest>) -> impl IntoView {
    view! {
        <section class="card attention" aria-labelledby="requests-title">
            <h2 id="requests-title" class="card-title">"Requests for a new link"</h2>
            <ul class="list">
                {requests
                    .into_iter()
                    .map(|r| {
                        let id = r.id;
                        let label = format!("Approve new link for {}", r.client_name);
                        view! {
                            <li class="list-row">
                                <div class="list-main">
                                    <span class="strong">{r.client_name}</span>
                                    <span class="muted">{r.client_email}</span>
                                </div>
                                <span class="muted">{r.project_name.unwrap_or_else(|| "Whole portal".into())}</span>
                                <span class="note">{format!("Asked {}", short_date(r.requested_at))}</span>
                                <button type="button" class="btn btn-primary" aria-label=label
                                    on:click=move |_| { approve.dispatch(ApproveLinkRequest { id }); }>
                                    "Approve"
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Clients(
    clients: Vec<ClientRow>,
    next: Option<String>,
    prev: Option<String>,
    tools: LoginTools,
    has_customers: bool,
    customer: NamePick,
) -> impl IntoView {
    // Every row can be selected: the confirmation says who an action leaves out, and why.
    let all: Vec<i64> = clients.iter().map(|c| c.client_id).collect();
    let filtered = customer.id.is_some() || customer.unknown;
    view! {
        <section class="card" aria-labelledby="clients-title">
            <div class="card-head">
                <h2 id="clients-title" class="card-title">"Clients"</h2>
                <a class="btn btn-secondary" href="/clients/new">"Add client"</a>
            </div>
            {has_customers.then(|| view! { <CustomerFilter customer /> })}
            {if clients.is_empty() {
                let empty = if filtered { "No clients of this customer yet." } else { "Clients you invite appear here." };
                view! { <div class="empty"><p>{empty}</p></div> }.into_any()
            } else {
                view! {
                    <BulkBar tools all />
                    <ul class="list client-list">
                        {clients.into_iter().map(|c| view! { <ClientLine c tools /> }).collect_view()}
                    </ul>
                    <Pager path="/".to_string() prev next />
                }
                    .into_any()
            }}
        </section>
    }
}

/// The client list's Customer filter: a GET form, so it works before and without the wasm
/// (the words in the box are settled on the server).
#[component]
fn CustomerFilter(customer: NamePick) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let choose = Callback::new(move |id: i64| {
        list_href("/", &query.read_untracked(), &["customer_name"], &[("customer", id.to_string())])
    });
    view! {
        <leptos_router::components::Form method="GET" on_form_data=crate::components::without_unnamed_field() action="/" attr:class="list-filter single" attr:role="search" attr:aria-label="Filter clients">
            <div class="field combobox">
                <NamePicker list=portico_core::model::NameList::Customers id="dashboard-customer".to_string() label="Customer" field="customer"
                    pick=customer placeholder="All customers" choose />
            </div>
            <button type="submit" class="btn btn-secondary">"Filter"</button>
        </leptos_router::components::Form>
    }
}

#[component]
fn ClientLine(c: ClientRow, tools: LoginTools) -> impl IntoView {
    let id = c.client_id;
    let can_sign_in = c.status.allows_sign_in_links();
    let menu_label = format!("More actions for {}", c.name);
    view! {
        <li class="list-row client-row">
            <SelectClient tools client_id=id name=c.name.clone() />
            <div class="list-main">
                <a class="strong" href=format!("/clients/{id}")>{c.name.clone()}</a>
                <span class="muted">{c.email.clone()}</span>
            </div>
            <span class="muted projects-cell">{c.projects.join(", ")}</span>
            <div class="status-cell">
                <StatusBadge status=c.status />
                <span class="note">{c.note}</span>
            </div>
            {can_sign_in.then(|| view! {
                <RowMenu label=menu_label>
                    <button type="button" class="menu-item" on:click=move |_| tools.generate(id)>"Generate magic link"</button>
                    <button type="button" class="menu-item" on:click=move |_| tools.send(vec![id])>"Send login email"</button>
                </RowMenu>
            })}
        </li>
    }
}
