//! The Clients page: every client of the organization, searched, filtered, sorted and paged on
//! the server, with the switched-off ones under "Deactivated users".

use leptos::{prelude::*, server_fn::codec::Postcard};
use leptos_meta::Title;
use portico_core::model::{BulkAction, ClientRow, ClientSort, ClientView, ClientsPage, short_date, thousands};

use crate::{
    combobox::NamePicker,
    components::{Confirmation, LoadError, Pager, RowMenu, StaffFrame, StatusBadge, list_href, list_summary},
    error::AppError,
    exports::ExportDialog,
    loading::load,
    login_links::{BulkBar, LoginTools, MagicLinkDialog, MatchList, Matching, SelectClient},
};

/// A page of the Clients page, as its address asks (`view`, `status`, `project`, `customer`,
/// `q`, `sort`, `cursor`, `per`; empty means the default). `project_name` and
/// `customer_name` are the words in the Project and Customer boxes, when the filter form sent
/// them: they decide over the ids (`portico_core::names::settle`).
#[server(output = Postcard)]
#[allow(clippy::too_many_arguments)]
pub async fn load_clients(
    #[server(default)] view: String,
    #[server(default)] status: String,
    #[server(default)] project: String,
    #[server(default)] customer: String,
    #[server(default)] q: String,
    #[server(default)] sort: String,
    #[server(default)] cursor: String,
    #[server(default)] per: String,
    #[server(default)] project_name: portico_core::model::BoxWords,
    #[server(default)] customer_name: portico_core::model::BoxWords,
) -> Result<ClientsPage, AppError> {
    use portico_core::clients::{self, ClientQuery};
    let staff = crate::server::staff().await?;
    let portico = crate::server::portico()?;
    let query = ClientQuery::parse(
        &portico.key,
        staff.org_id,
        [&view, &status, &project, &customer, &q, &sort, &cursor, &per],
    )?;
    Ok(clients::list(&portico, &staff, &query, [project_name.as_deref(), customer_name.as_deref()]).await?)
}

/// The address parts that choose the list (everything but the page and the order).
const FILTER_KEYS: [&str; 7] = ["view", "status", "project", "customer", "q", "project_name", "customer_name"];

fn filter_of(query: &leptos_router::params::ParamsMap) -> [String; 7] {
    FILTER_KEYS.map(|k| query.get(k).unwrap_or_default())
}

#[component]
pub fn ClientsPage() -> impl IntoView {
    let tools = LoginTools::new();
    let query = leptos_router::hooks::use_query_map();
    // Another filter is another selection: "all N matching" meant the old one.
    Effect::new(move |before: Option<[String; 7]>| {
        let filter = filter_of(&query.read());
        if before.is_some_and(|b| b != filter) {
            tools.clear();
        }
        filter
    });
    let data = load(
        move || {
            let q = query.read();
            let part = |k: &str| q.get(k).unwrap_or_default();
            (
                [
                    part("view"),
                    part("status"),
                    part("project"),
                    part("customer"),
                    part("q"),
                    part("sort"),
                    part("cursor"),
                    part("per"),
                ],
                [q.get("project_name"), q.get("customer_name")],
                tools.login.version().get(),
                tools.refresh.get(),
            )
        },
        |([view, status, project, customer, q, sort, cursor, per], [project_name, customer_name], ..)| {
            use portico_core::model::BoxWords;
            load_clients(
                view,
                status,
                project,
                customer,
                q,
                sort,
                cursor,
                per,
                BoxWords(project_name),
                BoxWords(customer_name),
            )
        },
    );
    view! {
        <Title text="Clients" />
        <StaffFrame>
            <div class="page-head">
                <h1>"Clients"</h1>
                <div class="actions head-actions">
                    <a class="btn btn-secondary" href="/clients?export">"Export CSV"</a>
                    <a class="btn btn-primary" href="/clients/new">"Add client"</a>
                </div>
            </div>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => view! { <ClientsBody page tools /> }.into_any(),
                        Err(e) => view! { <LoadError error=e /> }.into_any(),
                    }
                })}
            </Suspense>
            <MagicLinkDialog tools />
            <ExportDialog open=Signal::derive(move || query.read().get("export").is_some()) />
        </StaffFrame>
    }
}

#[component]
fn ClientsBody(page: ClientsPage, tools: LoginTools) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let deactivated_view = page.view == ClientView::Deactivated;
    let [view, status, .., q, _, _] = filter_of(&query.read_untracked());
    // The filters as the server settled them: words typed in the Project or Customer box
    // chose an id there.
    let (project, customer) = (page.project.id, page.customer.id);
    let named = page.project.unknown || page.customer.unknown;
    let filtered = !(status.is_empty() && project.is_none() && customer.is_none() && q.is_empty() && !named);
    let [project, customer] = [project, customer].map(|id| id.map(|id| id.to_string()).unwrap_or_default());
    // Every row can be selected: the confirmation says who an action leaves out, and why.
    let selectable: Vec<i64> = page.rows.iter().map(|r| r.client_id).collect();
    // Filtered on a project, the invitation actions are about that project.
    let scope = page.project.id;
    let actions: &'static [BulkAction] = if deactivated_view { &[BulkAction::Activate] } else { &BulkAction::ALL[..5] };
    let matching = Matching {
        list: MatchList::Clients { view, project, customer },
        status,
        q,
        count: page.matching,
        bound: page.matching_is_bound,
    };
    let (rows, prev, next) = (page.rows.clone(), page.prev.clone(), page.next.clone());
    let deleted = query.read_untracked().get("deleted").is_some();
    view! {
        {deleted.then(|| view! { <Confirmation text="Client deleted." /> })}
        <nav class="tabs" aria-label="Client lists">
            <a href="/clients" aria-current=(!deactivated_view).then_some("page")>"Clients"</a>
            <a href="/clients?view=deactivated" aria-current=deactivated_view.then_some("page")>
                {format!("Deactivated users ({})", thousands(page.deactivated))}
            </a>
        </nav>
        <section class="card" aria-label=if deactivated_view { "Deactivated users" } else { "Clients" }>
            <ListFilter page=page.clone() />
            {if rows.is_empty() {
                let empty = match (deactivated_view, filtered) {
                    (_, true) => view! {
                        <p class="strong">"No clients match."</p>
                        <p><a href=if deactivated_view { "/clients?view=deactivated" } else { "/clients" }>"Show everyone"</a></p>
                    }
                        .into_any(),
                    (true, false) => view! {
                        <p class="strong">"No deactivated users."</p>
                        <p>"Clients you deactivate are listed here, and can be activated again."</p>
                    }
                        .into_any(),
                    (false, false) => view! {
                        <p class="strong">"No clients yet."</p>
                        <p>"Add a client with their details now and invite them when you are ready."</p>
                        <a class="btn btn-primary" href="/clients/new">"Add client"</a>
                    }
                        .into_any(),
                };
                view! { <div class="empty">{empty}</div> }.into_any()
            } else {
                view! {
                    <BulkBar tools all=selectable matching project=scope actions />
                    <ul class="list client-table">
                        {rows.into_iter().map(|c| view! { <ClientLine c tools /> }).collect_view()}
                    </ul>
                    <Pager path="/clients".to_string() prev next />
                }
                    .into_any()
            }}
        </section>
    }
}

/// Search, status, project and order above the list: a GET form, so it works before and
/// without the wasm.
#[component]
fn ListFilter(page: ClientsPage) -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let current = move |k: &str| query.read_untracked().get(k).unwrap_or_default();
    let live = move |k: &'static str| move || query.read().get(k).unwrap_or_default();
    let (status, sort) = (current("status"), current("sort"));
    // A name matching several offers each as a link that picks it.
    let choose = move |field: &'static str| {
        Callback::new(move |id: i64| {
            let drop = [field, if field == "project" { "project_name" } else { "customer_name" }];
            list_href("/clients", &query.read_untracked(), &drop, &[(field, id.to_string())])
        })
    };
    let deactivated_view = page.view == ClientView::Deactivated;
    let total: u64 = page.counts.iter().map(|(_, n)| n).sum();
    let shown = list_summary(page.rows.len(), page.matching, page.matching_is_bound, ("client", "clients"));
    view! {
        <leptos_router::components::Form method="GET" on_form_data=crate::components::without_unnamed_field() action="/clients" attr:class="list-filter" attr:role="search" attr:aria-label="Find clients">
            {deactivated_view.then(|| view! { <input type="hidden" name="view" value="deactivated" /> })}
            <div class="field">
                <label for="clients-search">"Search clients"</label>
                <input id="clients-search" name="q" type="search" value=current("q") maxlength="100" placeholder="Name or email"
                    prop:value=live("q") />
            </div>
            {(!deactivated_view).then(|| view! {
                <div class="field">
                    <label for="clients-status">"Status"</label>
                    <select id="clients-status" name="status" prop:value=live("status")>
                        <option value="" selected=status.is_empty()>{format!("All statuses ({})", thousands(total))}</option>
                        {page.counts.iter().map(|(s, n)| {
                            view! { <option value=s.key() selected=status == s.key()>{format!("{} ({})", s.label(), thousands(*n))}</option> }
                        }).collect_view()}
                    </select>
                </div>
            })}
            <div class="field combobox">
                <NamePicker list=portico_core::model::NameList::Projects id="clients-project".to_string() label="Project" field="project"
                    pick=page.project.clone() placeholder="All projects" choose=choose("project") />
            </div>
            <div class="field combobox">
                <NamePicker list=portico_core::model::NameList::Customers id="clients-customer".to_string() label="Customer" field="customer"
                    pick=page.customer.clone() placeholder="All customers" choose=choose("customer") />
            </div>
            <div class="field">
                <label for="clients-sort">"Sort by"</label>
                <select id="clients-sort" name="sort" prop:value=live("sort")>
                    {ClientSort::ALL.iter().map(|s| {
                        view! { <option value=s.key() selected=sort == s.key()>{s.label()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="btn btn-secondary">"Search"</button>
        </leptos_router::components::Form>
        <p class="muted list-summary" aria-live="polite">{shown}</p>
    }
}

/// One client: a row on a desktop, a card on a phone (the stylesheet lays the same cells out).
#[component]
fn ClientLine(c: ClientRow, tools: LoginTools) -> impl IntoView {
    let id = c.client_id;
    let can_sign_in = c.status.allows_sign_in_links();
    let menu_label = format!("More actions for {}", c.name);
    let mut projects = if c.projects.is_empty() { "No project".to_string() } else { c.projects.join(", ") };
    if let Some(customer) = &c.customer {
        projects = format!("{customer} · {projects}");
    }
    view! {
        <li class="list-row client-line">
            <SelectClient tools client_id=id name=c.name.clone() />
            <div class="list-main">
                <a class="strong" href=format!("/clients/{id}")>{c.name.clone()}</a>
                <span class="muted">{c.email.clone()}</span>
                {c.phone.clone().map(|p| view! { <span class="muted">{p}</span> })}
            </div>
            <span class="muted projects-cell">{projects}</span>
            <dl class="client-facts">
                <dt>"Invited"</dt><dd>{c.invited_at.map_or_else(|| "—".to_string(), short_date)}</dd>
                <dt>"Last sign-in"</dt><dd>{c.last_sign_in_at.map_or_else(|| "Never".to_string(), short_date)}</dd>
                <dt>"Assigned"</dt><dd>{c.assigned_staff.clone().unwrap_or_else(|| "—".to_string())}</dd>
            </dl>
            <div class="status-cell">
                <StatusBadge status=c.status />
                <span class="note">{c.note}</span>
            </div>
            {if can_sign_in {
                view! {
                    <RowMenu label=menu_label>
                        <button type="button" class="menu-item" on:click=move |_| tools.generate(id)>"Generate magic link"</button>
                        <button type="button" class="menu-item" on:click=move |_| tools.send(vec![id])>"Send login email"</button>
                    </RowMenu>
                }
                    .into_any()
            } else {
                view! { <span class="menu-room" aria-hidden="true"></span> }.into_any()
            }}
        </li>
    }
}
