//! Client users: lookups scoped by organization, and the client page with its timelines.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
    sea_query::{Expr, ExprTrait, Query},
};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit::{self, Actor},
    customers::CustomerChoice,
    domain::{ClientId, EmailAddress, HourlyRate, Line, OrgId, PhoneNumber, ProjectId},
    entities::{audit_event, client, customer, invitation, organization, project, project_client, staff_user},
    invitations::{self, MATCH_COUNT_LIMIT},
    model::{
        AccessStatus, Billing, ClientEditForm, ClientPage, ClientProject, ClientRow, ClientSort, ClientView,
        ClientsPage, InvitationHistory, NameList, NewClientChoices, ProjectOption, StaffOption, TimelineEntry, money,
        status_note,
    },
    names, now,
    paging::{Cursor, Order, Page, PageSize, Search, keyset, keyset_by_text, matched_first},
    projects,
};

/// A client of this organization; another organization's id is simply not found.
pub async fn find<C: ConnectionTrait>(db: &C, org: OrgId, id: ClientId) -> Result<client::Model> {
    client::Entity::find_by_id(id.0).filter(client::Column::OrgId.eq(org.0)).one(db).await?.ok_or(Error::NotFound)
}

/// The client of this organization with this address who may sign in (not deactivated).
pub async fn active_by_email<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    email: &EmailAddress,
) -> Result<Option<client::Model>> {
    Ok(client::Entity::find()
        .filter(client::Column::OrgId.eq(org_id))
        .filter(client::Column::Email.eq(email.as_str()))
        .filter(client::Column::DeactivatedAt.is_null())
        .one(db)
        .await?)
}

/// The clients with this address who may sign in: of one organization, or of every one.
pub async fn active_everywhere<C: ConnectionTrait>(
    db: &C,
    org_id: Option<i64>,
    email: &EmailAddress,
) -> Result<Vec<client::Model>> {
    let mut query = client::Entity::find()
        .filter(client::Column::Email.eq(email.as_str()))
        .filter(client::Column::DeactivatedAt.is_null());
    if let Some(org) = org_id {
        query = query.filter(client::Column::OrgId.eq(org));
    }
    Ok(query.all(db).await?)
}

/// Everything the client page shows. Timelines come from the audit trail (written in the same
/// transaction as each change) plus the expiry, which happens by itself.
pub async fn page(portico: &Portico, staff: &Staff, id: ClientId) -> Result<ClientPage> {
    let org = staff.org_id;
    let c = find(&portico.db, org, id).await?;
    let places = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org.0))
        .filter(project_client::Column::ClientId.eq(c.id))
        .order_by_asc(project_client::Column::Id)
        .all(&portico.db)
        .await?;
    let invitations = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(org.0))
        .filter(invitation::Column::ClientId.eq(c.id))
        .order_by_desc(invitation::Column::Id)
        .all(&portico.db)
        .await?;
    // Only the projects this page names: those they are on and those of their invitations.
    let project_ids: Vec<ProjectId> = places
        .iter()
        .map(|pc| pc.project_id)
        .chain(invitations.iter().filter_map(|i| i.project_id))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(ProjectId)
        .collect();
    let named: HashMap<i64, project::Model> = project::Entity::find()
        .filter(project::Column::OrgId.eq(org.0))
        .filter(project::Column::Id.is_in(project_ids.iter().map(|p| p.0)))
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let project_names: HashMap<i64, String> = named.iter().map(|(id, p)| (*id, p.name.clone())).collect();
    let projects = places
        .into_iter()
        .filter_map(|pc| {
            let p = named.get(&pc.project_id)?;
            Some(ClientProject {
                id: pc.project_id,
                name: p.name.clone(),
                status: invitations::contact_status(&pc, now()),
                billing: projects::billing_of(p),
                rate_cents: pc.rate_cents,
            })
        })
        .collect();
    let staff_names: HashMap<i64, String> = staff_user::Entity::find()
        .filter(staff_user::Column::OrgId.eq(org.0))
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let entry = |e: audit_event::Model| TimelineEntry {
        what: event_label(&e.event).to_string(),
        actor: match (e.actor_kind.as_str(), e.actor_id) {
            ("staff", Some(id)) => staff_names.get(&id).cloned().unwrap_or_else(|| "A former team member".into()),
            ("client", _) => c.name.clone(),
            _ => "Portico".into(),
        },
        at: e.created_at,
        detail: e.detail,
        ip: e.ip,
    };
    let at = now();
    let mut histories = Vec::with_capacity(invitations.len());
    for inv in &invitations {
        let mut timeline: Vec<TimelineEntry> =
            audit_of(portico, org, "invitation", inv.id).await?.into_iter().map(&entry).collect();
        let inv_status = invitations::status_of(inv, &c, at);
        if inv_status == AccessStatus::Expired {
            timeline.push(TimelineEntry {
                at: inv.expires_at,
                what: "Expired".into(),
                detail: "The link stopped working".into(),
                actor: "Portico".into(),
                ip: None,
            });
            timeline.sort_by_key(|t| t.at);
        }
        histories.push(InvitationHistory {
            id: inv.id,
            project_id: inv.project_id,
            project_name: inv.project_id.and_then(|p| project_names.get(&p).cloned()),
            status: inv_status,
            note: status_note(inv_status, Some(inv.last_sent_at), Some(inv.expires_at), c.last_sign_in_at, at),
            timeline,
        });
    }
    let events = audit_of(portico, org, "client", c.id).await?.into_iter().map(&entry).collect();
    let status = crate::policy::standing(&invitations, &c, at);
    Ok(ClientPage {
        id: c.id,
        name: c.name.clone(),
        email: c.email.clone(),
        phone: c.phone.as_deref().map(PhoneNumber::display),
        created_at: c.created_at,
        last_sign_in_at: c.last_sign_in_at,
        status,
        deactivated: c.deactivated_at.is_some(),
        assigned_staff: match c.assigned_staff_id {
            Some(id) => staff_names.get(&id).cloned(),
            None => None,
        },
        customer: match c.customer_id {
            Some(id) => {
                customer_names(&portico.db, org.0, [id]).await?.remove(&id).map(|name| ProjectOption { id, name })
            }
            None => None,
        },
        projects,
        invitations: histories,
        events,
    })
}

async fn audit_of(portico: &Portico, org: OrgId, kind: &str, id: i64) -> Result<Vec<audit_event::Model>> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::OrgId.eq(org.0))
        .filter(audit_event::Column::SubjectKind.eq(kind))
        .filter(audit_event::Column::SubjectId.eq(id))
        .order_by_asc(audit_event::Column::Id)
        .all(&portico.db)
        .await?)
}

/// The timeline's words for each audit event.
fn event_label(event: &str) -> &'static str {
    match event {
        "invitation.created" => "Invitation created",
        "invitation.resent" => "Resent",
        "invitation.cancelled" => "Cancelled",
        "invitation.accepted" => "Accepted",
        "invitation.locked" => "Locked",
        "invitation.unlocked" => "Unlocked",
        "email.delivered" => "Email delivered",
        "email.captured" => "Email kept in the Mailbox (no mail server)",
        "email.retrying" => "Email delivery failed, retrying",
        "email.failed" => "Email failed",
        "email.retried" => "Failed email sent again",
        "link.opened" => "Link opened",
        "link.requested" => "New link requested",
        "code.sent" => "Code sent",
        "code.failed" => "Wrong code entered",
        "magic_link.generated" => "Magic link generated",
        "magic_link.used" => "Signed in with a link",
        "login_email.sent" => "Login email sent",
        "sign_in_link.sent" => "Sign-in link requested",
        "client.created" => "Added",
        "client.deactivated" => "Deactivated",
        "client.activated" => "Activated",
        "client.edited" => "Details edited",
        "client.email_changed" => "Email changed",
        _ => "Activity",
    }
}

/// The cursor scope of the Clients page, one per order (a cursor of one order means nothing
/// in another).
pub fn client_list(sort: ClientSort) -> String {
    format!("clients:{}", sort.key())
}

/// What the Clients page (and the dashboard's client list) asks for.
#[derive(Clone, Debug)]
pub struct ClientQuery {
    pub view: ClientView,
    pub status: Option<AccessStatus>,
    pub project: Option<ProjectId>,
    pub customer: Option<i64>,
    pub search: Option<Search>,
    pub sort: ClientSort,
    pub cursor: Option<Cursor>,
    pub size: PageSize,
}

impl ClientQuery {
    /// From the page's address (`view`, `status`, `project`, `q`, `sort`, `cursor`, `per`;
    /// empty means the default), every bad part reported at once, for its field.
    pub fn parse(
        key: &crate::secrets::ServerKey,
        org: OrgId,
        [view, status, project, customer, q, sort, cursor, per]: [&str; 8],
    ) -> Result<Self> {
        let mut errors = crate::error::FormErrors::default();
        let view = errors.check(match view.trim() {
            "" => Ok(ClientView::Current),
            "deactivated" => Ok(ClientView::Deactivated),
            _ => Err(Error::validation("view", "Choose Clients or Deactivated users.")),
        });
        let status = errors.check(match status.trim() {
            "" => Ok(None),
            key => AccessStatus::from_key(key)
                .map(Some)
                .ok_or_else(|| Error::validation("status", "Choose a status from the list.")),
        });
        let project = errors.check(match project.trim() {
            "" => Ok(None),
            id => id
                .parse::<i64>()
                .map(|id| Some(ProjectId(id)))
                .map_err(|_| Error::validation("project", "Choose a project from the list.")),
        });
        let customer = errors.check(crate::customers::parse_id(customer));
        let search = errors.check(Search::parse(q));
        let sort = errors.check(
            ClientSort::from_key(sort.trim())
                .ok_or_else(|| Error::validation("sort", "Choose an order from the list.")),
        );
        let size = errors.check(PageSize::parse_text(per));
        let cursor = sort.and_then(|sort| errors.check(Cursor::open(key, org.0, &client_list(sort), cursor)));
        errors.finish()?;
        match (view, status, project, customer, search, sort, cursor, size) {
            (
                Some(view),
                Some(status),
                Some(project),
                Some(customer),
                Some(search),
                Some(sort),
                Some(cursor),
                Some(size),
            ) => Ok(Self { view, status, project, customer, search, sort, cursor, size }),
            _ => Err(Error::internal("client query", "a part without a value passed")),
        }
    }

    /// A page of the clients (of one customer, or every one) in the order they were added
    /// (the dashboard's list).
    pub fn oldest_first(cursor: Option<Cursor>, customer: Option<i64>) -> Self {
        Self {
            view: ClientView::Current,
            status: None,
            project: None,
            customer,
            search: None,
            sort: ClientSort::Oldest,
            cursor,
            size: PageSize::default(),
        }
    }

    /// Narrowed beyond a view and a status: counted by reading (bounded), not from counters.
    fn is_narrowed(&self) -> bool {
        self.search.is_some() || self.project.is_some() || self.customer.is_some()
    }
}

/// The clients a Clients page filter selects: one definition for the page, its count and
/// "Select all N matching".
pub(crate) fn filter_clients<S: QueryFilter>(
    select: S,
    backend: DbBackend,
    org: i64,
    query: &ClientQuery,
    at: DateTime<Utc>,
) -> S {
    // SQLite, searching three characters or more: the trigram index (migration
    // m20261202_000008_search) names the rows that hold the search, and the page is read
    // from those. The `+` keeps SQLite from walking the organization's name index instead and
    // testing every client against that list: 30 ms instead of 0.8 for a name at 100,000
    // clients (a term nearly every client holds, "example", costs 300 ms instead of 150).
    // PostgreSQL's trigram indexes serve the `LIKE` below as it is.
    let trigram = match (backend, &query.search) {
        (DbBackend::Sqlite, Some(search)) => search.trigram_phrase(),
        _ => None,
    };
    let mut select = match trigram {
        Some(_) => select.filter(Expr::cust_with_values(r#"+"clients"."org_id" = ?"#, [org])),
        None => select.filter(client::Column::OrgId.eq(org)),
    };
    select = match query.view {
        ClientView::Current => select.filter(client::Column::DeactivatedAt.is_null()),
        ClientView::Deactivated => select.filter(client::Column::DeactivatedAt.is_not_null()),
    };
    if let Some(status) = query.status {
        select = select.filter(crate::access::has_status(
            client::Column::Standing,
            client::Column::StandingUntil,
            status,
            at,
        ));
    }
    if let Some(project) = query.project {
        let on_project = Query::select()
            .column(project_client::Column::ClientId)
            .from(project_client::Entity)
            .and_where(Expr::col(project_client::Column::OrgId).eq(org))
            .and_where(Expr::col(project_client::Column::ProjectId).eq(project.0))
            .to_owned();
        select = select.filter(client::Column::Id.in_subquery(on_project));
    }
    if let Some(customer) = query.customer {
        select = select.filter(client::Column::CustomerId.eq(customer));
    }
    if let Some(search) = &query.search {
        select = match trigram {
            // A quoted phrase of the trigram tokenizer matches exactly the rows holding it as
            // a substring, case folded for every alphabet (`lower() LIKE` on SQLite folds ASCII
            // only, so it would refuse "ørsted" for "Ørsted"): the index is the whole test.
            Some(phrase) => {
                let indexed = Query::select()
                    .expr(Expr::cust("rowid"))
                    .from("clients_search")
                    .and_where(Expr::cust_with_values("clients_search MATCH ?", [phrase]))
                    .to_owned();
                select.filter(client::Column::Id.in_subquery(indexed))
            }
            None => select.filter(search.in_any([client::Column::Name, client::Column::Email])),
        };
    }
    select
}

/// A page of the Clients page: a fixed number of statements whatever the organization's size
/// (the Project and Customer filters settled, the anchor of a by-name cursor, the page, its
/// projects and staff, the counters; a bounded count when searching or filtering).
/// `names` are the words in the Project and Customer boxes (`names::settle`), when sent.
pub async fn list(
    portico: &Portico,
    staff: &Staff,
    query: &ClientQuery,
    [project_name, customer_name]: [Option<&str>; 2],
) -> Result<ClientsPage> {
    let org = staff.org_id.0;
    let db = &portico.db;
    let project = names::settle(db, org, NameList::Projects, query.project.map(|p| p.0), project_name).await?;
    let customer = names::settle(db, org, NameList::Customers, query.customer, customer_name).await?;
    // Words that name no project (or customer) match no client; words that name several
    // leave that filter off until one is chosen (the page offers them).
    let matches_none = project.unknown || customer.unknown;
    let query = &ClientQuery { project: project.id.map(ProjectId), customer: customer.id, ..query.clone() };
    let counts = crate::access::counts(db, org, crate::access::ORGANIZATION).await?;
    let count = |s: AccessStatus| counts.get(&s).copied().unwrap_or(0);
    let deactivated = count(AccessStatus::Deactivated);
    let backend = db.get_database_backend();
    // A search on PostgreSQL: the trigram indexes are read once, for the ids of at most
    // `MATCH_COUNT_LIMIT + 1` matches, which give both the count and (when they are not too
    // many) the page. Intersecting the posting lists of common trigrams is the cost of a
    // search (~5 ms each index at 100,000 clients); the count and the page each did it before.
    let mut found: Option<Vec<i64>> = None;
    if !matches_none && query.search.is_some() && backend == DbBackend::Postgres {
        let select = matched_first(filter_clients(client::Entity::find(), backend, org, query, now()));
        let reads = crate::paging::SearchReads::begin(db, query.search.as_ref()).await?;
        let ids: Vec<i64> = select
            .select_only()
            .column(client::Column::Id)
            .limit(MATCH_COUNT_LIMIT + 1)
            .into_tuple()
            .all(&reads.db())
            .await?;
        reads.end().await?;
        found = Some(ids);
    }
    let (matching, matching_is_bound) = match (query.view, query.status) {
        _ if matches_none => (0, false),
        _ if found.is_some() => {
            let n = found.as_ref().map_or(0, |ids| ids.len() as u64);
            (Ord::min(n, MATCH_COUNT_LIMIT), n > MATCH_COUNT_LIMIT)
        }
        _ if query.is_narrowed() => {
            // On PostgreSQL at 100,000 clients this bounded count of a search is the slow
            // statement of the page (230–550 ms under load, README): still open (issue 10).
            let select = filter_clients(client::Entity::find(), backend, org, query, now());
            let n = select.limit(MATCH_COUNT_LIMIT + 1).count(db).await?;
            (Ord::min(n, MATCH_COUNT_LIMIT), n > MATCH_COUNT_LIMIT)
        }
        (ClientView::Deactivated, _) => (deactivated, false),
        (ClientView::Current, Some(AccessStatus::Deactivated)) => (0, false),
        (ClientView::Current, Some(status)) => (count(status), false),
        (ClientView::Current, None) => (counts.values().sum::<u64>() - deactivated, false),
    };
    let found = match found {
        Some(ids) if !matching_is_bound => Found::Ids(ids),
        _ if query.is_narrowed() && !matching_is_bound => Found::Few,
        _ => Found::Many,
    };
    let page = if matches_none { Page::empty() } else { page_of(portico, staff, query, found).await? };
    let mut counts: Vec<(AccessStatus, u64)> =
        counts.into_iter().filter(|(s, n)| *n > 0 && *s != AccessStatus::Deactivated).collect();
    counts.sort_by_key(|(s, _)| AccessStatus::ALL.iter().position(|a| a == s));
    Ok(ClientsPage {
        view: query.view,
        rows: page.rows,
        next: page.next,
        prev: page.prev,
        matching,
        matching_is_bound,
        counts,
        deactivated,
        project,
        customer,
    })
}

/// What is known of the clients a query matches before its page is read.
pub enum Found {
    /// Nothing, or more than `MATCH_COUNT_LIMIT`.
    Many,
    /// At most `MATCH_COUNT_LIMIT` (a bounded count said so).
    Few,
    /// Exactly these (at most `MATCH_COUNT_LIMIT`): the page is read by id.
    Ids(Vec<i64>),
}

/// The rows of one page of clients, in the query's order. With `Found::Few`, PostgreSQL finds
/// the matches before ordering them (`paging::matched_first`); with `Found::Ids` the page is
/// read from those clients alone. SQLite's plans do not depend on estimates (it keeps none).
pub async fn page_of(portico: &Portico, staff: &Staff, query: &ClientQuery, found: Found) -> Result<Page<ClientRow>> {
    let org = staff.org_id.0;
    let db = &portico.db;
    let backend = db.get_database_backend();
    let select = match found {
        Found::Ids(ids) => {
            client::Entity::find().filter(client::Column::OrgId.eq(org)).filter(client::Column::Id.is_in(ids))
        }
        Found::Few if backend == DbBackend::Postgres => {
            matched_first(filter_clients(client::Entity::find(), backend, org, query, now()))
        }
        _ => filter_clients(client::Entity::find(), backend, org, query, now()),
    };
    let fetched = match query.sort {
        ClientSort::Name => {
            let anchor = match query.cursor {
                None => None,
                Some(cursor) => Some((
                    cursor,
                    client::Entity::find_by_id(cursor.id())
                        .filter(client::Column::OrgId.eq(org))
                        .one(db)
                        .await?
                        .map(|c| c.name),
                )),
            };
            keyset_by_text(select, client::Column::Name, client::Column::Id, anchor, query.size)?.all(db).await?
        }
        ClientSort::Newest | ClientSort::Oldest => {
            let order = if query.sort == ClientSort::Newest { Order::Descending } else { Order::Ascending };
            keyset(select, client::Column::Id, query.cursor, order, query.size).all(db).await?
        }
    };
    let list = client_list(query.sort);
    let page = crate::paging::window(fetched, query.size, query.cursor, |c| c.id, |c| c.seal(&portico.key, org, &list));
    let rows = rows(portico, org, page.rows).await?;
    Ok(Page { rows, next: page.next, prev: page.prev })
}

/// List rows for these clients: their projects and assigned staff in one read each.
pub(crate) async fn rows(portico: &Portico, org: i64, clients: Vec<client::Model>) -> Result<Vec<ClientRow>> {
    if clients.is_empty() {
        return Ok(Vec::new());
    }
    let db = &portico.db;
    let ids: Vec<i64> = clients.iter().map(|c| c.id).collect();
    let links = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ClientId.is_in(ids))
        .order_by_asc(project_client::Column::Id)
        .all(db)
        .await?;
    let project_names: HashMap<i64, String> = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .filter(project::Column::Id.is_in(links.iter().map(|l| l.project_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let staff_names = staff_names(db, org, clients.iter().filter_map(|c| c.assigned_staff_id)).await?;
    let customer_names = customer_names(db, org, clients.iter().filter_map(|c| c.customer_id)).await?;
    let mut links_of: HashMap<i64, Vec<project_client::Model>> = HashMap::new();
    for l in links {
        links_of.entry(l.client_id).or_default().push(l);
    }
    let at = now();
    Ok(clients
        .into_iter()
        .map(|c| {
            let links = links_of.remove(&c.id).unwrap_or_default();
            let status = crate::access::standing_now(&c, at);
            let invited_at = links.iter().filter_map(|l| l.last_sent_at).max();
            ClientRow {
                note: status_note(
                    status,
                    invited_at,
                    links.iter().filter_map(|l| l.expires_at).max(),
                    c.last_sign_in_at,
                    at,
                ),
                projects: links.iter().filter_map(|l| project_names.get(&l.project_id).cloned()).collect(),
                invited_at,
                last_sign_in_at: c.last_sign_in_at,
                assigned_staff: c.assigned_staff_id.and_then(|id| staff_names.get(&id).cloned()),
                customer: c.customer_id.and_then(|id| customer_names.get(&id).cloned()),
                phone: c.phone.as_deref().map(PhoneNumber::display),
                client_id: c.id,
                name: c.name,
                email: c.email,
                status,
            }
        })
        .collect())
}

/// Names of these staff members of the organization (one read; former members are absent).
pub(crate) async fn staff_names<C: ConnectionTrait>(
    db: &C,
    org: i64,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>> {
    Ok(staff_user::Entity::find()
        .filter(staff_user::Column::OrgId.eq(org))
        .filter(staff_user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect())
}

/// What the Add client form offers: the organization's projects and staff.
pub async fn choices(portico: &Portico, staff: &Staff) -> Result<NewClientChoices> {
    let org = staff.org_id.0;
    let team = staff_user::Entity::find()
        .filter(staff_user::Column::OrgId.eq(org))
        .order_by_asc(staff_user::Column::Name)
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|s| StaffOption { id: s.id, name: s.name })
        .collect();
    Ok(NewClientChoices { projects: projects::picks(&portico.db, org).await?, staff: team })
}

/// The Edit form: the client as they are now, the projects (ticked where they are on one) and
/// the team.
pub async fn edit_form(portico: &Portico, staff: &Staff, id: ClientId) -> Result<ClientEditForm> {
    let c = find(&portico.db, staff.org_id, id).await?;
    let on: HashMap<i64, Option<i64>> = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(staff.org_id.0))
        .filter(project_client::Column::ClientId.eq(c.id))
        .select_only()
        .column(project_client::Column::ProjectId)
        .column(project_client::Column::RateCents)
        .into_tuple::<(i64, Option<i64>)>()
        .all(&portico.db)
        .await?
        .into_iter()
        .collect();
    let NewClientChoices { projects, staff: team } = choices(portico, staff).await?;
    Ok(ClientEditForm {
        id: c.id,
        name: c.name,
        email: c.email,
        phone: c.phone.as_deref().map(PhoneNumber::display).unwrap_or_default(),
        assigned_staff: c.assigned_staff_id,
        customer: names::settle(&portico.db, staff.org_id.0, NameList::Customers, c.customer_id, None).await?,
        version: c.version,
        projects: projects
            .into_iter()
            .map(|mut p| {
                if let Some(rate) = on.get(&p.id) {
                    p.on = true;
                    // As typed back into the field: no thousands separators.
                    p.rate = rate.map(|cents| money(cents).replace(',', "")).unwrap_or_default();
                }
                p
            })
            .collect(),
        staff: team,
    })
}

/// A client to add, checked field by field.
pub struct NewClient {
    pub name: Line,
    pub email: EmailAddress,
    pub phone: Option<PhoneNumber>,
    pub projects: Vec<ProjectId>,
    pub assigned_staff: Option<i64>,
    /// The customer whose client user (co-owner) they are, or one to add with them.
    pub customer: CustomerChoice,
    /// The rate per hour typed for each project (`None`: left empty); only the projects the
    /// client is on and that are billed by staff hours keep theirs.
    pub rates: HashMap<ProjectId, Option<HourlyRate>>,
}

impl NewClient {
    /// From the Add client form (`[name, email, phone, assigned_staff, customer, new_customer]`
    /// as typed, the words in the Customer box, the projects ticked and the
    /// `rates[<project id>]` fields); every invalid field reported at once.
    pub fn parse(
        [name, email, phone, assigned_staff, customer, new_customer]: [&str; 6],
        customer_name: Option<&str>,
        projects: &[i64],
        rates: &HashMap<String, String>,
    ) -> Result<Self> {
        let mut errors = crate::error::FormErrors::default();
        let name = errors.check(Line::parse("name", "the client's name", name, 200));
        let email = errors.check(EmailAddress::parse(email));
        let phone = errors.check(PhoneNumber::parse_optional(phone));
        let customer = errors.check(CustomerChoice::parse(customer, customer_name, new_customer));
        let assigned_staff = errors.check(match assigned_staff.trim() {
            "" => Ok(None),
            id => id.parse::<i64>().map(Some).map_err(|_| Error::validation("assigned_staff", CHOOSE_STAFF)),
        });
        let rates = errors.check(
            rates
                .iter()
                .filter_map(|(project, rate)| Some((ProjectId(project.parse().ok()?), rate)))
                .map(|(project, rate)| HourlyRate::parse_optional(rate).map(|r| (project, r)))
                .collect::<Result<HashMap<_, _>>>(),
        );
        errors.finish()?;
        let mut projects: Vec<ProjectId> = projects.iter().copied().map(ProjectId).collect();
        projects.sort_by_key(|p| p.0);
        projects.dedup();
        match (name, email, phone, assigned_staff, customer, rates) {
            (Some(name), Some(email), Some(phone), Some(assigned_staff), Some(customer), Some(rates)) => {
                Ok(Self { name, email, phone, projects, assigned_staff, customer, rates })
            }
            _ => Err(Error::internal("client form", "a field without a value passed")),
        }
    }
}

const CHOOSE_STAFF: &str = "Choose a team member from the list.";

/// The rate per hour the form gave a client on a project: kept on projects billed by staff
/// hours only (a fixed-fee project has no rates; one typed there is not kept).
fn rate_on(p: &project::Model, rates: &HashMap<ProjectId, Option<HourlyRate>>) -> Option<i64> {
    match projects::billing_of(p) {
        Billing::StaffHours => rates.get(&ProjectId(p.id)).copied().flatten().map(HourlyRate::cents),
        Billing::FixedFee => None,
    }
}

/// Sets the client's rate on a project they are on.
async fn set_rate<C: ConnectionTrait>(db: &C, org: i64, project: i64, client: i64, rate: Option<i64>) -> Result<()> {
    project_client::Entity::update_many()
        .col_expr(project_client::Column::RateCents, Expr::value(rate))
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ProjectId.eq(project))
        .filter(project_client::Column::ClientId.eq(client))
        .exec(db)
        .await?;
    Ok(())
}

/// Names of these customers of the organization (one read).
async fn customer_names<C: ConnectionTrait>(
    db: &C,
    org: i64,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>> {
    Ok(customer::Entity::find()
        .filter(customer::Column::OrgId.eq(org))
        .filter(customer::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// A customer's client users (co-owners), by name, as list rows.
pub async fn of_customer(portico: &Portico, staff: &Staff, customer_id: i64) -> Result<Vec<ClientRow>> {
    let org = staff.org_id.0;
    let owners = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::CustomerId.eq(customer_id))
        .order_by_asc(client::Column::Name)
        .order_by_asc(client::Column::Id)
        .limit(500)
        .all(&portico.db)
        .await?;
    rows(portico, org, owners).await
}

/// "Save" / "Save and send invite" on Add client: the client with their details and projects,
/// and with `send_invite` an invitation to each project — all in one transaction, so a
/// refused invitation leaves no client half-added.
pub async fn create(
    portico: &Portico,
    staff: &Staff,
    new: NewClient,
    send_invite: bool,
    ip: Option<String>,
) -> Result<ClientId> {
    let org = staff.org_id.0;
    if send_invite && new.projects.is_empty() {
        return Err(Error::validation(
            "projects",
            "Choose the projects to invite them to, or choose Save to add them without an invitation.",
        ));
    }
    let txn = portico.begin().await?;
    let mut errors = crate::error::FormErrors::default();
    let existing = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::Email.eq(new.email.as_str()))
        .one(&txn)
        .await?;
    if let Some(existing) = existing {
        errors.check::<()>(Err(Error::validation(
            "email",
            format!("{} is already a client with this email.", existing.name),
        )));
    }
    let projects = errors.check(projects::find_all(&txn, org, &new.projects).await).unwrap_or_default();
    if let Some(id) = new.assigned_staff
        && staff_names(&txn, org, [id]).await?.is_empty()
    {
        errors.check::<()>(Err(Error::validation("assigned_staff", CHOOSE_STAFF)));
    }
    let customer = errors.check(crate::customers::resolve(&txn, staff, &new.customer, ip.clone()).await);
    errors.finish()?;
    let c = client::Model {
        assigned_staff_id: new.assigned_staff,
        ..client::Model::new(org, customer.flatten(), &new.name, &new.email, new.phone.as_ref(), now())
    }
    .into_insert()
    .insert(&txn)
    .await?;
    for p in &projects {
        invitations::link_to_project(&txn, org, p.id, c.id).await?;
        if let Some(rate) = rate_on(p, &new.rates) {
            set_rate(&txn, org, p.id, c.id, Some(rate)).await?;
        }
    }
    crate::access::refresh_everywhere(&txn, org, c.id).await?;
    audit::record(
        &txn,
        audit::Event {
            org_id: org,
            actor: Actor::Staff(staff.user_id.0),
            subject_kind: "client",
            subject_id: c.id,
            event: "client.created",
            detail: match projects.len() {
                0 => "Added as a client".to_string(),
                _ => format!(
                    "Added as a client of {}",
                    projects.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            },
            ip: ip.clone(),
        },
    )
    .await?;
    if send_invite {
        let c = client::Entity::find_by_id(c.id).one(&txn).await?.ok_or(Error::NotFound)?;
        let org_row = organization::Entity::find_by_id(org).one(&txn).await?.ok_or(Error::NotFound)?;
        for p in &projects {
            invitations::create_and_send(&txn, portico, staff, &org_row, &c, p, ip.clone()).await?;
        }
    }
    txn.commit().await?;
    if send_invite {
        portico.outbox_wakeup.ring();
    }
    Ok(ClientId(c.id))
}

/// "Deactivate" / "Activate". A deactivated client cannot sign in: their sessions stop working
/// at once (the next request of an open tab is told why and signed out), their links and codes
/// refuse with a page that says so, staff cannot send them a way in. Activating restores
/// access without a new invitation; sessions from before are gone for good.
pub async fn set_deactivated(
    portico: &Portico,
    staff: &Staff,
    id: ClientId,
    deactivate: bool,
    ip: Option<String>,
) -> Result<()> {
    let txn = portico.begin().await?;
    if set_deactivated_in(&txn, staff, id, deactivate, ip).await? {
        txn.commit().await?;
    }
    Ok(())
}

/// `set_deactivated` inside the caller's transaction (a bulk job's chunk). Returns false when
/// the client already was so (nothing written).
pub(crate) async fn set_deactivated_in(
    txn: &sea_orm::DatabaseTransaction,
    staff: &Staff,
    id: ClientId,
    deactivate: bool,
    ip: Option<String>,
) -> Result<bool> {
    let org = staff.org_id.0;
    let c = find(txn, staff.org_id, id).await?;
    if c.deactivated_at.is_some() == deactivate {
        return Ok(false);
    }
    let version = c.version;
    let mut active: client::ActiveModel = c.into();
    active.deactivated_at = Set(deactivate.then(now));
    active.version = Set(version + 1);
    active.update(txn).await?;
    if deactivate {
        // Codes in flight die too: a code typed after this must not start a session.
        crate::verification::void_codes(txn, id.0).await?;
    } else {
        // Sessions kept for "switched off" notices must not come back to life.
        crate::sessions::end_client(txn, org, id.0).await?;
    }
    crate::access::refresh_everywhere(txn, org, id.0).await?;
    audit::record(
        txn,
        audit::Event {
            org_id: org,
            actor: Actor::Staff(staff.user_id.0),
            subject_kind: "client",
            subject_id: id.0,
            event: if deactivate { "client.deactivated" } else { "client.activated" },
            detail: if deactivate {
                "Portal access switched off".into()
            } else {
                "Portal access switched back on".into()
            },
            ip,
        },
    )
    .await?;
    Ok(true)
}

/// The Edit form of the client page, checked field by field. `version` is the client's
/// version when the form was opened.
pub struct ClientEdit {
    pub name: Line,
    pub email: EmailAddress,
    pub phone: Option<PhoneNumber>,
    /// Projects to add the client to (those they are on stay).
    pub add_projects: Vec<ProjectId>,
    pub assigned_staff: Option<i64>,
    pub customer: CustomerChoice,
    /// Rates per hour as typed, by project (those on the form; a project without a field
    /// keeps its rate).
    pub rates: HashMap<ProjectId, Option<HourlyRate>>,
    pub version: i64,
    /// "Notify edited user": email them what changed.
    pub notify: bool,
}

impl ClientEdit {
    pub fn parse(
        [name, email, phone, assigned_staff, customer, new_customer, version]: [&str; 7],
        customer_name: Option<&str>,
        add_projects: &[i64],
        rates: &HashMap<String, String>,
        notify: bool,
    ) -> Result<Self> {
        let new = NewClient::parse(
            [name, email, phone, assigned_staff, customer, new_customer],
            customer_name,
            add_projects,
            rates,
        )?;
        let version = version
            .trim()
            .parse::<i64>()
            .map_err(|_| Error::validation("version", "Reload the page, then make your change again."))?;
        Ok(Self {
            name: new.name,
            email: new.email,
            phone: new.phone,
            add_projects: new.projects,
            assigned_staff: new.assigned_staff,
            customer: new.customer,
            rates: new.rates,
            version,
            notify,
        })
    }
}

/// "Save changes" on Edit. Refused, not applied, when someone saved the client since the form
/// was opened (the message names what is different now). An email change voids the links and
/// codes sent to the old address. With `notify`, the client gets "Your details were updated".
pub async fn edit(portico: &Portico, staff: &Staff, id: ClientId, edit: ClientEdit, ip: Option<String>) -> Result<()> {
    use crate::mail::Change;
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    // Locked until the save commits (`FOR UPDATE` on PostgreSQL; SQLite's write transaction
    // already holds the database): two saves of one version cannot both pass the check below.
    let c = client::Entity::find_by_id(id.0)
        .filter(client::Column::OrgId.eq(org))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    let staff_of = staff_names(&txn, org, c.assigned_staff_id.into_iter().chain(edit.assigned_staff)).await?;
    let name_of = |id: Option<i64>| id.and_then(|i| staff_of.get(&i).cloned()).unwrap_or_else(|| "Nobody".into());
    let phone_shown = |p: Option<&str>| p.map_or_else(|| "None".to_string(), PhoneNumber::display);
    let new_phone = edit.phone.as_ref().map(|p| p.as_str().to_string());
    let mut changes: Vec<Change> = Vec::new();
    if c.name != edit.name.as_str() {
        changes.push(Change { field: "Name", now: edit.name.as_str().to_string() });
    }
    if c.email != edit.email.as_str() {
        changes.push(Change { field: "Email", now: edit.email.to_string() });
    }
    if c.phone != new_phone {
        changes.push(Change { field: "Phone", now: phone_shown(new_phone.as_deref()) });
    }
    if c.assigned_staff_id != edit.assigned_staff {
        changes.push(Change { field: "Assigned staff", now: name_of(edit.assigned_staff) });
    }
    // A new customer named on the form is created here; a refused save rolls it back.
    let mut errors = crate::error::FormErrors::default();
    let customer =
        errors.check(crate::customers::resolve(&txn, staff, &edit.customer, ip.clone()).await).unwrap_or(c.customer_id);
    let customers_of = customer_names(&txn, org, c.customer_id.into_iter().chain(customer)).await?;
    let customer_of = |id: Option<i64>| id.and_then(|i| customers_of.get(&i).cloned()).unwrap_or_else(|| "None".into());
    if c.customer_id != customer {
        changes.push(Change { field: "Customer", now: customer_of(customer) });
    }
    if c.version != edit.version {
        let now: Vec<String> = [
            ("Name", c.name.clone()),
            ("Email", c.email.clone()),
            ("Phone", phone_shown(c.phone.as_deref())),
            ("Assigned staff", name_of(c.assigned_staff_id)),
            ("Customer", customer_of(c.customer_id)),
        ]
        .into_iter()
        .filter(|(field, _)| changes.iter().any(|ch| ch.field == *field))
        .map(|(field, value)| format!("{field} is {value}"))
        .collect();
        let detail = if now.is_empty() { String::new() } else { format!(" Now: {}.", now.join("; ")) };
        return Err(Error::Conflict(format!(
            "Someone else saved changes to this client while you were editing.{detail} Reload to see them, then make your change again."
        )));
    }
    if c.email != edit.email.as_str()
        && let Some(other) = client::Entity::find()
            .filter(client::Column::OrgId.eq(org))
            .filter(client::Column::Email.eq(edit.email.as_str()))
            .one(&txn)
            .await?
    {
        errors.check::<()>(Err(Error::validation(
            "email",
            format!("{} is already a client with this email.", other.name),
        )));
    }
    let added = errors.check(projects::find_all(&txn, org, &edit.add_projects).await).unwrap_or_default();
    // The projects they are on, with their rates, for the rates typed on the form.
    let places: HashMap<i64, Option<i64>> = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ClientId.eq(c.id))
        .select_only()
        .column(project_client::Column::ProjectId)
        .column(project_client::Column::RateCents)
        .into_tuple::<(i64, Option<i64>)>()
        .all(&txn)
        .await?
        .into_iter()
        .collect();
    let on: Vec<ProjectId> = places.keys().copied().map(ProjectId).collect();
    let on = projects::find_all(&txn, org, &on).await?;
    if let Some(sid) = edit.assigned_staff
        && !staff_of.contains_key(&sid)
    {
        errors.check::<()>(Err(Error::validation("assigned_staff", CHOOSE_STAFF)));
    }
    errors.finish()?;
    let old_email = c.email.clone();
    let email_changed = old_email != edit.email.as_str();
    let mut active: client::ActiveModel = c.clone().into();
    active.name = Set(edit.name.as_str().to_string());
    active.email = Set(edit.email.to_string());
    active.phone = Set(new_phone);
    active.assigned_staff_id = Set(edit.assigned_staff);
    active.customer_id = Set(customer);
    active.version = Set(c.version + 1);
    if email_changed {
        // A password chosen with the old address does not open the portal for the new one.
        active.password_hash = Set(None);
    }
    let updated = active.update(&txn).await?;
    let mut on_projects = Vec::new();
    let newly_added: Vec<&project::Model> = added.iter().filter(|p| !places.contains_key(&p.id)).collect();
    for p in &newly_added {
        invitations::link_to_project(&txn, org, p.id, c.id).await?;
        on_projects.push(p.name.clone());
    }
    // Rates are the firm's business, not the client's: the audit trail has them, the notice not.
    let mut rates_set = Vec::new();
    for p in on.iter().chain(newly_added.iter().copied()) {
        let before = places.get(&p.id).copied().flatten();
        let typed = edit.rates.contains_key(&ProjectId(p.id));
        let after = rate_on(p, &edit.rates);
        if typed && projects::billing_of(p) == Billing::StaffHours && before != after {
            set_rate(&txn, org, p.id, c.id, after).await?;
            rates_set.push(format!("Rate per hour on {}: {}", p.name, after.map_or_else(|| "none".into(), money)));
        }
    }
    if email_changed {
        // Links and codes went to the old address: none of them may let anyone in now. Nor may
        // whoever got in through it (an address typed wrong reaches a stranger): their sessions
        // end, and a password they chose with it no longer opens the portal.
        crate::verification::void_codes(&txn, c.id).await?;
        crate::sessions::end_client(&txn, org, c.id).await?;
        // A pending invitation went to the old address too (its link no longer opens once the
        // address differs). It is expired now, so its badge says so and "Resend invite" makes a
        // new link for the new address, rather than showing "Invited" and resending to the old.
        invitation::Entity::update_many()
            .col_expr(invitation::Column::ExpiresAt, Expr::value(now()))
            .filter(invitation::Column::OrgId.eq(org))
            .filter(invitation::Column::ClientId.eq(c.id))
            .filter(invitation::Column::Status.eq(invitations::state::PENDING))
            .filter(invitation::Column::ExpiresAt.gt(now()))
            .exec(&txn)
            .await?;
        crate::entities::sign_in_link::Entity::update_many()
            .col_expr(crate::entities::sign_in_link::Column::ExpiresAt, Expr::value(now()))
            .filter(crate::entities::sign_in_link::Column::ClientId.eq(c.id))
            .filter(crate::entities::sign_in_link::Column::UsedAt.is_null())
            .filter(crate::entities::sign_in_link::Column::ExpiresAt.gt(now()))
            .exec(&txn)
            .await?;
    }
    crate::access::refresh_everywhere(&txn, org, c.id).await?;
    let mut said: Vec<String> = changes.iter().map(|ch| format!("{}: {}", ch.field, ch.now)).collect();
    if !on_projects.is_empty() {
        said.push(format!("Added to {}", on_projects.join(", ")));
    }
    said.extend(rates_set);
    if !said.is_empty() {
        audit::record(
            &txn,
            audit::Event {
                org_id: org,
                actor: Actor::Staff(staff.user_id.0),
                subject_kind: "client",
                subject_id: c.id,
                event: "client.edited",
                detail: said.join("; "),
                ip: ip.clone(),
            },
        )
        .await?;
    }
    if email_changed {
        audit::record(
            &txn,
            audit::Event {
                org_id: org,
                actor: Actor::Staff(staff.user_id.0),
                subject_kind: "client",
                subject_id: c.id,
                event: "client.email_changed",
                detail: format!("Email changed from {old_email}: links and codes sent there no longer work"),
                ip,
            },
        )
        .await?;
    }
    // The client is told of the projects they were added to as well (not of rates: those are
    // the firm's billing).
    if !on_projects.is_empty() {
        changes.push(Change { field: "Projects", now: format!("added to {}", on_projects.join(", ")) });
    }
    let notified = edit.notify && !changes.is_empty();
    if notified {
        let org_row = crate::entities::organization::Entity::find_by_id(org).one(&txn).await?.ok_or(Error::NotFound)?;
        let mail = crate::mail::details_changed(&crate::mail::DetailsChanged {
            org_name: &org_row.name,
            editor_name: &staff.name,
            client_name: &updated.name,
            changes: &changes,
        })?;
        crate::outbox::enqueue(
            &txn,
            portico,
            crate::outbox::Outgoing {
                org_id: org,
                topic: crate::outbox::Topic::DetailsChanged,
                to: &updated.email,
                from_name: &org_row.name,
                mail,
                invitation_id: None,
            },
        )
        .await?;
    }
    txn.commit().await?;
    if notified {
        portico.outbox_wakeup.ring();
    }
    Ok(())
}

/// "Delete": the client and everything that lets them in (invitations, links, codes,
/// sessions) go at once; the audit trail stays. With `notify`, they are told by email.
pub async fn delete(portico: &Portico, staff: &Staff, id: ClientId, notify: bool, ip: Option<String>) -> Result<()> {
    let txn = portico.begin().await?;
    let c = find(&txn, staff.org_id, id).await?;
    let files = delete_in(&txn, portico, staff, c, notify, ip).await?;
    txn.commit().await?;
    files.remove().await;
    if notify {
        portico.outbox_wakeup.ring();
    }
    Ok(())
}

/// Files of deleted rows, removed once the deletion is committed (not before: a deletion that
/// does not commit keeps its rows, and their files).
#[derive(Default)]
#[must_use]
pub(crate) struct FilesToRemove(Vec<std::path::PathBuf>);

impl FilesToRemove {
    pub(crate) fn extend(&mut self, more: FilesToRemove) {
        self.0.extend(more.0);
    }

    pub(crate) async fn remove(self) {
        for path in self.0 {
            crate::documents::remove_file(&path).await;
        }
    }
}

/// `delete` inside the caller's transaction (a customer deleted with their clients). Answers
/// the files to remove once it commits: those their assigned tasks were completed with (the
/// tasks go with the client).
pub(crate) async fn delete_in<C: ConnectionTrait>(
    txn: &C,
    portico: &Portico,
    staff: &Staff,
    c: client::Model,
    notify: bool,
    ip: Option<String>,
) -> Result<FilesToRemove> {
    let org = staff.org_id.0;
    let files = crate::tasks::completion_files_of(txn, portico, org, c.id).await?;
    crate::access::forget(txn, &c).await?;
    // Cascades to their project places, invitations, links, codes, sessions and requests.
    client::Entity::delete_by_id(c.id).exec(txn).await?;
    audit::record(
        txn,
        audit::Event {
            org_id: org,
            actor: Actor::Staff(staff.user_id.0),
            subject_kind: "client",
            subject_id: c.id,
            event: "client.deleted",
            detail: format!("Deleted {} ({}){}", c.name, c.email, if notify { ", who was told by email" } else { "" }),
            ip,
        },
    )
    .await?;
    if notify {
        let org_row = crate::entities::organization::Entity::find_by_id(org).one(txn).await?.ok_or(Error::NotFound)?;
        let mail = crate::mail::removed(&crate::mail::Removed { org_name: &org_row.name, client_name: &c.name })?;
        crate::outbox::enqueue(
            txn,
            portico,
            crate::outbox::Outgoing {
                org_id: org,
                topic: crate::outbox::Topic::Removed,
                to: &c.email,
                from_name: &org_row.name,
                mail,
                invitation_id: None,
            },
        )
        .await?;
    }
    Ok(FilesToRemove(files))
}
