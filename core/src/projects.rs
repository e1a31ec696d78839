//! Projects: a piece of work for a customer, with a client portal and its access list.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    customers::CustomerChoice,
    domain::{Line, ProjectId},
    entities::{customer, organization, project},
    model::{Billing, ProjectDetail, ProjectPick, ProjectSummary},
    now,
};

pub struct NewProject {
    pub name: Line,
    pub customer: CustomerChoice,
    pub billing: Billing,
}

impl NewProject {
    /// From the New project form: the name, the Customer field (`customer`, `new_customer`,
    /// and the words in its box) and Billing; every invalid field reported at once.
    pub fn parse([name, customer, new_customer, billing]: [&str; 4], customer_name: Option<&str>) -> Result<Self> {
        let mut errors = crate::error::FormErrors::default();
        let name = errors.check(Line::parse("name", "a project name", name, 200));
        let customer = errors.check(CustomerChoice::parse(customer, customer_name, new_customer));
        let billing = errors.check(parse_billing(billing));
        errors.finish()?;
        match (name, customer, billing) {
            (Some(name), Some(customer), Some(billing)) => Ok(Self { name, customer, billing }),
            _ => Err(Error::internal("form check", "a field without a value passed")),
        }
    }
}

/// The Billing choice of a form; empty is the default, Fixed fee.
pub fn parse_billing(key: &str) -> Result<Billing> {
    match key.trim() {
        "" => Ok(Billing::default()),
        key => Billing::from_key(key).ok_or_else(|| Error::validation("billing", "Choose Fixed fee or Staff hours.")),
    }
}

/// A stored billing key; anything unknown reads as the default.
pub fn billing_of(p: &project::Model) -> Billing {
    Billing::from_key(&p.billing).unwrap_or_default()
}

pub async fn create(portico: &Portico, staff: &Staff, new: NewProject, ip: Option<String>) -> Result<ProjectId> {
    let txn = portico.begin().await?;
    let customer_id = crate::customers::resolve(&txn, staff, &new.customer, ip).await?;
    let row = project::ActiveModel {
        org_id: Set(staff.org_id.0),
        customer_id: Set(customer_id),
        name: Set(new.name.into_string()),
        billing: Set(new.billing.key().to_string()),
        created_by: Set(staff.user_id.0),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(ProjectId(row.id))
}

/// "Save" on a project's Billing. Rates already given stay: they apply again if the project
/// goes back to staff hours.
pub async fn set_billing(portico: &Portico, staff: &Staff, id: ProjectId, billing: Billing) -> Result<()> {
    let txn = portico.begin().await?;
    let p = find(&txn, staff.org_id.0, id.0).await?;
    if billing_of(&p) != billing {
        let mut p: project::ActiveModel = p.into();
        p.billing = Set(billing.key().to_string());
        p.update(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}

pub async fn list(portico: &Portico, staff: &Staff) -> Result<Vec<ProjectSummary>> {
    let projects = project::Entity::find()
        .filter(project::Column::OrgId.eq(staff.org_id.0))
        .order_by_desc(project::Column::CreatedAt)
        // An import creates many in one moment: newest first, still.
        .order_by_desc(project::Column::Id)
        .all(&portico.db)
        .await?;
    let customers = customer_names(portico, staff).await?;
    // The maintained counters of these projects in one read (a handful of rows per project),
    // not a count over their contacts.
    let mut counts: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for c in crate::entities::access_count::Entity::find()
        .filter(crate::entities::access_count::Column::OrgId.eq(staff.org_id.0))
        .filter(crate::entities::access_count::Column::ProjectId.is_in(projects.iter().map(|p| p.id)))
        .all(&portico.db)
        .await?
    {
        *counts.entry(c.project_id).or_default() += c.n;
    }
    Ok(projects
        .into_iter()
        .map(|p| ProjectSummary {
            client_count: counts.get(&p.id).map_or(0, |&n| u64::try_from(n).unwrap_or(0)),
            id: p.id,
            customer_name: p.customer_id.and_then(|id| customers.get(&id).cloned()),
            name: p.name,
            created_at: p.created_at,
        })
        .collect())
}

async fn customer_names(portico: &Portico, staff: &Staff) -> Result<std::collections::HashMap<i64, String>> {
    Ok(customer::Entity::find()
        .filter(customer::Column::OrgId.eq(staff.org_id.0))
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect())
}

/// The organization's projects by name, to pick in a filter.
pub async fn options<C: ConnectionTrait>(db: &C, org_id: i64) -> Result<Vec<crate::model::ProjectOption>> {
    Ok(picks(db, org_id).await?.into_iter().map(|p| crate::model::ProjectOption { id: p.id, name: p.name }).collect())
}

/// The organization's projects by name with how each is billed, to pick in a client form
/// (none ticked yet).
pub async fn picks<C: ConnectionTrait>(db: &C, org_id: i64) -> Result<Vec<ProjectPick>> {
    use sea_orm::QuerySelect;
    let rows: Vec<(i64, String, String)> = project::Entity::find()
        .filter(project::Column::OrgId.eq(org_id))
        .select_only()
        .column(project::Column::Id)
        .column(project::Column::Name)
        .column(project::Column::Billing)
        .order_by_asc(project::Column::Name)
        .order_by_asc(project::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, billing)| ProjectPick {
            id,
            name,
            billing: Billing::from_key(&billing).unwrap_or_default(),
            on: false,
            rate: String::new(),
        })
        .collect())
}

/// These projects of the organization, in one read; any id that is not one of them (another
/// organization's, or gone) is the form's "projects" error.
pub async fn find_all<C: ConnectionTrait>(db: &C, org_id: i64, ids: &[ProjectId]) -> Result<Vec<project::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = project::Entity::find()
        .filter(project::Column::OrgId.eq(org_id))
        .filter(project::Column::Id.is_in(ids.iter().map(|p| p.0)))
        .order_by_asc(project::Column::Id)
        .all(db)
        .await?;
    if found.len() != ids.iter().collect::<std::collections::BTreeSet<_>>().len() {
        return Err(Error::validation("projects", "Choose projects from the list."));
    }
    Ok(found)
}

/// A project of the staff user's organization; another organization's id is simply not found.
pub async fn find<C: ConnectionTrait>(db: &C, org_id: i64, id: i64) -> Result<project::Model> {
    project::Entity::find_by_id(id).filter(project::Column::OrgId.eq(org_id)).one(db).await?.ok_or(Error::NotFound)
}

pub async fn detail(portico: &Portico, staff: &Staff, id: ProjectId) -> Result<ProjectDetail> {
    let (p, customer, _) = with_customer_and_organization(&portico.db, staff.org_id.0, id.0).await?;
    // The maintained counters, not the project's rows.
    let counts = crate::access::counts(&portico.db, staff.org_id.0, p.id).await?;
    Ok(detail_of(p, customer, &counts))
}

/// A project of the organization with its customer (if any) and its organization, in one
/// statement: what a project's pages show beside it.
pub(crate) async fn with_customer_and_organization<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    id: i64,
) -> Result<(project::Model, Option<customer::Model>, organization::Model)> {
    let (p, customer, org) = project::Entity::find_by_id(id)
        .filter(project::Column::OrgId.eq(org_id))
        .find_also_related(customer::Entity)
        .find_also(project::Entity, organization::Entity)
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    // The customer is the organization's own (a project is only ever given one of them).
    let customer = customer.filter(|c| c.org_id == org_id);
    Ok((p, customer, org.ok_or(Error::NotFound)?))
}

/// A project of the organization with its organization, in one statement: what an invitation
/// or a notice about the project names.
pub(crate) async fn with_organization<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    id: i64,
) -> Result<(project::Model, organization::Model)> {
    match project::Entity::find_by_id(id)
        .filter(project::Column::OrgId.eq(org_id))
        .find_also_related(organization::Entity)
        .one(db)
        .await?
    {
        Some((p, Some(org))) => Ok((p, org)),
        _ => Err(Error::NotFound),
    }
}

/// The project's card from its row, its customer and its maintained counters.
pub(crate) fn detail_of(
    p: project::Model,
    customer: Option<customer::Model>,
    counts: &std::collections::HashMap<crate::model::AccessStatus, u64>,
) -> ProjectDetail {
    let count = |s| counts.get(&s).copied().unwrap_or(0);
    ProjectDetail {
        billing: billing_of(&p),
        id: p.id,
        name: p.name,
        customer_name: customer.map(|c| c.name),
        created_at: p.created_at,
        invited: count(crate::model::AccessStatus::Invited),
        active: count(crate::model::AccessStatus::Active),
    }
}
