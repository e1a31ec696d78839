//! Customers: the businesses and people a firm works for, each with its projects and its
//! client users (co-owners), whom staff invite one at a time or all at once.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit::{self, Actor},
    clients,
    domain::{ClientId, EmailAddress, Line, ProjectId, WebAddress},
    entities::{client, customer, project},
    invitations::{self, InviteTarget, MATCH_COUNT_LIMIT},
    model::{AccessStatus, CustomerForm, CustomerPage, CustomerRow, CustomersPage, OwnersInvited, ProjectOption},
    names, now,
    paging::{Cursor, PageSize, Search, keyset_by_text},
    projects,
};

/// The cursor scope of the Customers page.
const CUSTOMER_LIST: &str = "customers";

/// Business or Individual, as stored (`business`, `individual`) and shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomerKind {
    Business,
    Individual,
}

impl CustomerKind {
    pub fn parse(key: &str) -> Result<Self> {
        match key.trim() {
            "business" | "" => Ok(Self::Business),
            "individual" => Ok(Self::Individual),
            _ => Err(Error::validation("kind", "Choose Business or Individual.")),
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Self::Business => "business",
            Self::Individual => "individual",
        }
    }
    pub fn label_of(stored: &str) -> &'static str {
        if stored == "individual" { "Individual" } else { "Business" }
    }
}

/// The Customer field of a client or project form: none, one from the list, one named by
/// the words in the Customer box, or a new one named in the form ("Add a new customer", so
/// nobody leaves the form to add it first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomerChoice {
    None,
    Existing(i64),
    /// The words in the box and the id picked for them, if any: settled in the transaction
    /// (`names::settle`).
    Named {
        id: Option<i64>,
        text: Line,
    },
    New(Line),
}

impl CustomerChoice {
    /// The form's `customer` (empty, an id, or `new`), `customer_name` (the words in the
    /// Customer box, when the form has one) and `new_customer` (a new customer's name, which
    /// wins when filled in).
    pub fn parse(customer: &str, typed: Option<&str>, new_name: &str) -> Result<Self> {
        if customer.trim() == NEW_CUSTOMER || !new_name.trim().is_empty() {
            return Line::parse("new_customer", "the new customer's name", new_name, 200).map(Self::New);
        }
        let id = parse_id(customer)?;
        match typed.map(str::trim) {
            None => Ok(id.map_or(Self::None, Self::Existing)),
            Some("") => Ok(Self::None),
            Some(text) => Line::parse("customer", "a customer's name", text, 200).map(|text| Self::Named { id, text }),
        }
    }
}

/// A customer id as a form or a filter sends it; empty means none.
pub fn parse_id(text: &str) -> Result<Option<i64>> {
    match text.trim() {
        "" => Ok(None),
        id => id.parse::<i64>().map(Some).map_err(|_| Error::validation("customer", CHOOSE_CUSTOMER)),
    }
}

/// The Customer menu's value for "Add a new customer…".
pub const NEW_CUSTOMER: &str = "new";
pub(crate) const CHOOSE_CUSTOMER: &str = "Choose a customer from the list.";

/// The customer a form chose, in the caller's transaction: one of the organization's (another
/// organization's id is refused like an unknown one), or the new one, created now. A new name
/// that is already a customer's is that customer, never a second one of the same name.
pub(crate) async fn resolve<C: ConnectionTrait>(
    db: &C,
    staff: &Staff,
    choice: &CustomerChoice,
    ip: Option<String>,
) -> Result<Option<i64>> {
    let org = staff.org_id.0;
    match choice {
        CustomerChoice::None => Ok(None),
        CustomerChoice::Existing(id) => match find(db, org, *id).await {
            Ok(c) => Ok(Some(c.id)),
            Err(Error::NotFound) => Err(Error::validation("customer", CHOOSE_CUSTOMER)),
            Err(other) => Err(other),
        },
        CustomerChoice::Named { id, text } => {
            let pick = names::settle(db, org, crate::model::NameList::Customers, *id, Some(text.as_str())).await?;
            names::one_of(&pick, crate::model::NameList::Customers, "customer")
        }
        CustomerChoice::New(name) => {
            let existing = customer::Entity::find()
                .filter(customer::Column::OrgId.eq(org))
                .filter(customer::Column::Name.eq(name.as_str()))
                .one(db)
                .await?;
            if let Some(c) = existing {
                return Ok(Some(c.id));
            }
            let row = named_business(org, name, now()).insert(db).await?;
            audit::record(
                db,
                audit::Event {
                    org_id: org,
                    actor: Actor::Staff(staff.user_id.0),
                    subject_kind: "customer",
                    subject_id: row.id,
                    event: "customer.created",
                    detail: row.name.clone(),
                    ip,
                },
            )
            .await?;
            Ok(Some(row.id))
        }
    }
}

/// A new customer known only by its name (a business until someone says otherwise).
pub(crate) fn named_business(org: i64, name: &Line, at: chrono::DateTime<chrono::Utc>) -> customer::ActiveModel {
    customer::ActiveModel {
        org_id: Set(org),
        name: Set(name.as_str().to_string()),
        kind: Set(CustomerKind::Business.key().to_string()),
        created_at: Set(at),
        version: Set(1),
        ..Default::default()
    }
}

async fn find<C: ConnectionTrait>(db: &C, org: i64, id: i64) -> Result<customer::Model> {
    customer::Entity::find_by_id(id).filter(customer::Column::OrgId.eq(org)).one(db).await?.ok_or(Error::NotFound)
}

/// A page of the Customers page, by name: searched by name or contact email.
pub async fn list(portico: &Portico, staff: &Staff, [q, cursor, per]: [&str; 3]) -> Result<CustomersPage> {
    let org = staff.org_id.0;
    let db = &portico.db;
    let mut errors = crate::error::FormErrors::default();
    let search = errors.check(Search::parse(q));
    let size = errors.check(PageSize::parse_text(per));
    let cursor = errors.check(Cursor::open(&portico.key, org, CUSTOMER_LIST, cursor));
    errors.finish()?;
    let (Some(search), Some(size), Some(cursor)) = (search, size, cursor) else {
        return Err(Error::internal("customer query", "a part without a value passed"));
    };
    let mut select = customer::Entity::find().filter(customer::Column::OrgId.eq(org));
    if let Some(search) = &search {
        select = select.filter(search.in_any([customer::Column::Name, customer::Column::ContactEmail]));
    }
    let counted = select.clone();
    let anchor = match cursor {
        None => None,
        Some(c) => Some((
            c,
            customer::Entity::find_by_id(c.id()).filter(customer::Column::OrgId.eq(org)).one(db).await?.map(|r| r.name),
        )),
    };
    let fetched = keyset_by_text(select, customer::Column::Name, customer::Column::Id, anchor, size)?.all(db).await?;
    let page = crate::paging::window(fetched, size, cursor, |c| c.id, |c| c.seal(&portico.key, org, CUSTOMER_LIST));
    let n = counted.limit(MATCH_COUNT_LIMIT + 1).count(db).await?;
    let ids: Vec<i64> = page.rows.iter().map(|c| c.id).collect();
    let owners = count_by_customer(
        db,
        client::Entity::find().filter(client::Column::OrgId.eq(org)),
        client::Column::CustomerId,
        &ids,
    )
    .await?;
    let projects = count_by_customer(
        db,
        project::Entity::find().filter(project::Column::OrgId.eq(org)),
        project::Column::CustomerId,
        &ids,
    )
    .await?;
    Ok(CustomersPage {
        rows: page
            .rows
            .into_iter()
            .map(|c| CustomerRow {
                owners: owners.get(&c.id).copied().unwrap_or(0),
                projects: projects.get(&c.id).copied().unwrap_or(0),
                kind: CustomerKind::label_of(&c.kind).into(),
                id: c.id,
                name: c.name,
                contact_email: c.contact_email,
            })
            .collect(),
        next: page.next,
        prev: page.prev,
        matching: Ord::min(n, MATCH_COUNT_LIMIT),
        matching_is_bound: n > MATCH_COUNT_LIMIT,
    })
}

/// How many rows of `select` belong to each of these customers (one grouped read).
async fn count_by_customer<C, E>(
    db: &C,
    select: sea_orm::Select<E>,
    column: E::Column,
    ids: &[i64],
) -> Result<HashMap<i64, u64>>
where
    C: ConnectionTrait,
    E: EntityTrait,
{
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Option<i64>, i64)> = select
        .filter(column.is_in(ids.iter().copied()))
        .select_only()
        .column(column)
        .column_as(Expr::col(column).count(), "n")
        .group_by(column)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(id, n)| Some((id?, u64::try_from(n).unwrap_or(0)))).collect())
}

/// The customer page: details, projects and co-owners with their standing.
pub async fn page(portico: &Portico, staff: &Staff, id: i64) -> Result<CustomerPage> {
    let org = staff.org_id.0;
    let db = &portico.db;
    let c = find(db, org, id).await?;
    let projects = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .filter(project::Column::CustomerId.eq(c.id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| ProjectOption { id: p.id, name: p.name })
        .collect();
    let owners = clients::of_customer(portico, staff, c.id).await?;
    let address = [&c.street, &c.city, &c.region, &c.postal_code, &c.country]
        .into_iter()
        .flatten()
        .filter(|part| !part.is_empty())
        .cloned()
        .collect();
    Ok(CustomerPage {
        id: c.id,
        kind: CustomerKind::label_of(&c.kind).into(),
        name: c.name,
        contact_email: c.contact_email,
        website: c.website,
        address,
        projects,
        owners,
    })
}

/// The Add customer form (empty) or the Edit form (the customer as they are).
pub async fn form(portico: &Portico, staff: &Staff, id: Option<i64>) -> Result<CustomerForm> {
    let org = staff.org_id.0;
    let all = projects::options(&portico.db, org).await?;
    let Some(id) = id else {
        return Ok(CustomerForm {
            kind: "business".into(),
            version: 1,
            projects: all.into_iter().map(|p| (p, false)).collect(),
            ..Default::default()
        });
    };
    let c = find(&portico.db, org, id).await?;
    let mine: Vec<i64> = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .filter(project::Column::CustomerId.eq(c.id))
        .select_only()
        .column(project::Column::Id)
        .into_tuple()
        .all(&portico.db)
        .await?;
    let text = |v: Option<String>| v.unwrap_or_default();
    Ok(CustomerForm {
        id: Some(c.id),
        name: c.name,
        kind: c.kind,
        contact_email: text(c.contact_email),
        website: text(c.website),
        street: text(c.street),
        city: text(c.city),
        region: text(c.region),
        postal_code: text(c.postal_code),
        country: text(c.country),
        version: c.version,
        projects: all
            .into_iter()
            .map(|p| {
                let on = mine.contains(&p.id);
                (p, on)
            })
            .collect(),
    })
}

/// The Add / Edit customer form, checked field by field.
pub struct CustomerDetails {
    pub name: Line,
    pub kind: CustomerKind,
    pub contact_email: Option<EmailAddress>,
    pub website: Option<WebAddress>,
    pub street: Option<Line>,
    pub city: Option<Line>,
    pub region: Option<Line>,
    pub postal_code: Option<Line>,
    pub country: Option<Line>,
    pub projects: Vec<ProjectId>,
}

impl CustomerDetails {
    /// Every invalid field at once: `[name, kind, contact_email, website, street, city,
    /// region, postal_code, country]` as typed.
    pub fn parse(fields: [&str; 9], projects: &[i64]) -> Result<Self> {
        let [name, kind, contact_email, website, street, city, region, postal_code, country] = fields;
        let mut errors = crate::error::FormErrors::default();
        let name = errors.check(Line::parse("name", "the customer's name", name, 200));
        let kind = errors.check(CustomerKind::parse(kind));
        let contact_email = errors.check(match contact_email.trim() {
            "" => Ok(None),
            typed => EmailAddress::parse(typed).map(Some).map_err(|e| match e {
                Error::Validation { message, .. } => Error::validation("contact_email", message),
                other => other,
            }),
        });
        let website = errors.check(WebAddress::parse_optional("website", website));
        let street = errors.check(Line::parse_optional("street", "the street", street, 200));
        let city = errors.check(Line::parse_optional("city", "the city", city, 100));
        let region = errors.check(Line::parse_optional("region", "the region", region, 100));
        let postal_code = errors.check(Line::parse_optional("postal_code", "a postal code", postal_code, 20));
        let country = errors.check(Line::parse_optional("country", "the country", country, 100));
        errors.finish()?;
        match (name, kind, contact_email, website, street, city, region, postal_code, country) {
            (
                Some(name),
                Some(kind),
                Some(contact_email),
                Some(website),
                Some(street),
                Some(city),
                Some(region),
                Some(postal_code),
                Some(country),
            ) => {
                let mut projects: Vec<ProjectId> = projects.iter().copied().map(ProjectId).collect();
                projects.sort_by_key(|p| p.0);
                projects.dedup();
                Ok(Self { name, kind, contact_email, website, street, city, region, postal_code, country, projects })
            }
            _ => Err(Error::internal("customer form", "a field without a value passed")),
        }
    }
}

/// "Save" on Add customer (`id` none) or Edit (`id` and the version the form was opened at; a
/// save made after someone else's is refused). The projects picked become the customer's.
pub async fn save(
    portico: &Portico,
    staff: &Staff,
    id: Option<(i64, i64)>,
    d: CustomerDetails,
    ip: Option<String>,
) -> Result<i64> {
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let picked = projects::find_all(&txn, org, &d.projects).await?;
    let same_name = customer::Entity::find()
        .filter(customer::Column::OrgId.eq(org))
        .filter(customer::Column::Name.eq(d.name.as_str()))
        .one(&txn)
        .await?;
    if same_name.as_ref().is_some_and(|other| Some(other.id) != id.map(|(i, _)| i)) {
        return Err(Error::validation("name", "Another customer has this name. Choose another, or open that one."));
    }
    let opt = |l: Option<Line>| l.map(Line::into_string);
    let mut row = match id {
        None => {
            customer::ActiveModel { org_id: Set(org), created_at: Set(now()), version: Set(1), ..Default::default() }
        }
        Some((id, version)) => {
            // Locked until the save commits, as a client's edit is (`clients::edit`).
            let current = customer::Entity::find_by_id(id)
                .filter(customer::Column::OrgId.eq(org))
                .lock_exclusive()
                .one(&txn)
                .await?
                .ok_or(Error::NotFound)?;
            if current.version != version {
                return Err(Error::Conflict(format!(
                    "Someone else saved changes to this customer while you were editing (now: {}). Reload to see them, then make your change again.",
                    current.name
                )));
            }
            let next = current.version + 1;
            let mut row: customer::ActiveModel = current.into();
            row.version = Set(next);
            row
        }
    };
    row.name = Set(d.name.as_str().to_string());
    row.kind = Set(d.kind.key().to_string());
    row.contact_email = Set(d.contact_email.map(|e| e.to_string()));
    row.website = Set(d.website.map(|w| w.as_str().to_string()));
    row.street = Set(opt(d.street));
    row.city = Set(opt(d.city));
    row.region = Set(opt(d.region));
    row.postal_code = Set(opt(d.postal_code));
    row.country = Set(opt(d.country));
    let saved = if id.is_some() { row.update(&txn).await? } else { row.insert(&txn).await? };
    if id.is_some() {
        // A project unticked on Edit is no longer this customer's (it keeps no customer).
        project::Entity::update_many()
            .col_expr(project::Column::CustomerId, Expr::value(Option::<i64>::None))
            .filter(project::Column::OrgId.eq(org))
            .filter(project::Column::CustomerId.eq(saved.id))
            .filter(project::Column::Id.is_not_in(picked.iter().map(|p| p.id)))
            .exec(&txn)
            .await?;
    }
    for p in picked {
        if p.customer_id != Some(saved.id) {
            let mut p: project::ActiveModel = p.into();
            p.customer_id = Set(Some(saved.id));
            p.update(&txn).await?;
        }
    }
    audit::record(
        &txn,
        audit::Event {
            org_id: org,
            actor: Actor::Staff(staff.user_id.0),
            subject_kind: "customer",
            subject_id: saved.id,
            event: if id.is_some() { "customer.edited" } else { "customer.created" },
            detail: saved.name.clone(),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(saved.id)
}

/// "Delete" on the customer page. Its projects stay, without a customer; its client users
/// stay without one too, or with `delete_clients` are deleted with it (as Delete on each).
pub async fn delete(portico: &Portico, staff: &Staff, id: i64, delete_clients: bool, ip: Option<String>) -> Result<()> {
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let c = find(&txn, org, id).await?;
    let owners = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::CustomerId.eq(c.id))
        .all(&txn)
        .await?;
    let count = owners.len();
    let mut files = clients::FilesToRemove::default();
    if delete_clients {
        for owner in owners {
            files.extend(clients::delete_in(&txn, portico, staff, owner, false, ip.clone()).await?);
        }
    } else {
        client::Entity::update_many()
            .col_expr(client::Column::CustomerId, Expr::value(Option::<i64>::None))
            .filter(client::Column::OrgId.eq(org))
            .filter(client::Column::CustomerId.eq(c.id))
            .exec(&txn)
            .await?;
    }
    project::Entity::update_many()
        .col_expr(project::Column::CustomerId, Expr::value(Option::<i64>::None))
        .filter(project::Column::OrgId.eq(org))
        .filter(project::Column::CustomerId.eq(c.id))
        .exec(&txn)
        .await?;
    customer::Entity::delete_by_id(c.id).exec(&txn).await?;
    audit::record(
        &txn,
        audit::Event {
            org_id: org,
            actor: Actor::Staff(staff.user_id.0),
            subject_kind: "customer",
            subject_id: c.id,
            event: "customer.deleted",
            detail: format!(
                "Deleted {}; {count} client user(s) {}",
                c.name,
                if delete_clients { "deleted with it" } else { "kept without a customer" }
            ),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    files.remove().await;
    Ok(())
}

/// "Send invite" next to an owner (`only`) or "Invite all owners": each owner not yet in is
/// invited to each of the customer's projects they are not invited to yet — one invitation
/// per project; owners who are Active, Deactivated or already invited everywhere are skipped
/// with the reason.
pub async fn invite_owners(
    portico: &Portico,
    staff: &Staff,
    id: i64,
    only: Option<ClientId>,
    ip: Option<String>,
) -> Result<OwnersInvited> {
    let org = staff.org_id.0;
    let c = find(&portico.db, org, id).await?;
    let projects = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .filter(project::Column::CustomerId.eq(c.id))
        .all(&portico.db)
        .await?;
    if projects.is_empty() {
        return Err(Error::Conflict(format!(
            "{} has no project yet. Add one to the customer first: invitations are to a project.",
            c.name
        )));
    }
    let mut owners =
        client::Entity::find().filter(client::Column::OrgId.eq(org)).filter(client::Column::CustomerId.eq(c.id));
    if let Some(only) = only {
        owners = owners.filter(client::Column::Id.eq(only.0));
    }
    let owners = owners.all(&portico.db).await?;
    if only.is_some() && owners.is_empty() {
        return Err(Error::NotFound);
    }
    let mut report = OwnersInvited::default();
    let at = now();
    for owner in owners {
        match crate::access::standing_now(&owner, at) {
            AccessStatus::Active => {
                report.skipped.push((owner.name, "already active".into()));
                continue;
            }
            AccessStatus::Deactivated => {
                report.skipped.push((owner.name, "deactivated".into()));
                continue;
            }
            _ => {}
        }
        let mut sent = 0;
        for p in &projects {
            match invitations::invite(
                portico,
                staff,
                ProjectId(p.id),
                InviteTarget::Existing(ClientId(owner.id)),
                ip.clone(),
            )
            .await
            {
                Ok(_) => sent += 1,
                // Already invited (or in, or locked) on this project: nothing to send there.
                Err(Error::Conflict(_)) => {}
                Err(other) => return Err(other),
            }
        }
        if sent > 0 {
            report.invited.push(owner.name);
        } else {
            report.skipped.push((owner.name, "already invited".into()));
        }
    }
    Ok(report)
}

/// "Add as guest": a client user of the customer, invited to its projects at once — no
/// separate step.
pub async fn add_guest(
    portico: &Portico,
    staff: &Staff,
    id: i64,
    name: &str,
    email: &str,
    ip: Option<String>,
) -> Result<ClientId> {
    let org = staff.org_id.0;
    let c = find(&portico.db, org, id).await?;
    let projects: Vec<i64> = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .filter(project::Column::CustomerId.eq(c.id))
        .select_only()
        .column(project::Column::Id)
        .into_tuple()
        .all(&portico.db)
        .await?;
    let mut new = clients::NewClient::parse([name, email, "", "", "", ""], None, &projects, &HashMap::new())?;
    if projects.is_empty() {
        return Err(Error::validation(
            "email",
            format!(
                "{} has no project yet. Add one to the customer first: a guest is invited to its projects.",
                c.name
            ),
        ));
    }
    new.customer = CustomerChoice::Existing(c.id);
    clients::create(portico, staff, new, true, ip).await
}
