//! Projects: a piece of work for a customer, with a client portal and its access list.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    domain::{Line, ProjectId},
    entities::{customer, project},
    model::{ProjectDetail, ProjectSummary},
    now,
};

pub struct NewProject {
    pub name: Line,
    pub customer_name: Option<Line>,
}

impl NewProject {
    pub fn parse(name: &str, customer_name: &str) -> Result<Self> {
        let mut errors = crate::error::FormErrors::default();
        let name = errors.check(Line::parse("name", "a project name", name, 200));
        let customer_name = errors.check(Line::parse_optional("customer_name", "a customer name", customer_name, 200));
        errors.finish()?;
        match (name, customer_name) {
            (Some(name), Some(customer_name)) => Ok(Self { name, customer_name }),
            _ => Err(Error::internal("form check", "a field without a value passed")),
        }
    }
}

pub async fn create(portico: &Portico, staff: &Staff, new: NewProject) -> Result<ProjectId> {
    let txn = portico.begin().await?;
    let customer_id = match new.customer_name {
        Some(name) => Some(find_or_create_customer(&txn, staff.org_id.0, name).await?),
        None => None,
    };
    let row = project::ActiveModel {
        org_id: Set(staff.org_id.0),
        customer_id: Set(customer_id),
        name: Set(new.name.into_string()),
        created_by: Set(staff.user_id.0),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(ProjectId(row.id))
}

async fn find_or_create_customer<C: ConnectionTrait>(db: &C, org_id: i64, name: Line) -> Result<i64> {
    let existing = customer::Entity::find()
        .filter(customer::Column::OrgId.eq(org_id))
        .filter(customer::Column::Name.eq(name.as_str()))
        .one(db)
        .await?;
    if let Some(c) = existing {
        return Ok(c.id);
    }
    let row = customer::ActiveModel {
        org_id: Set(org_id),
        name: Set(name.into_string()),
        kind: Set("business".into()),
        contact_email: Set(None),
        website: Set(None),
        postal_address: Set(None),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(row.id)
}

pub async fn list(portico: &Portico, staff: &Staff) -> Result<Vec<ProjectSummary>> {
    let projects = project::Entity::find()
        .filter(project::Column::OrgId.eq(staff.org_id.0))
        .order_by_desc(project::Column::CreatedAt)
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

/// The organization's projects by name, to pick in a filter or a form.
pub async fn options<C: ConnectionTrait>(db: &C, org_id: i64) -> Result<Vec<crate::model::ProjectOption>> {
    use sea_orm::QuerySelect;
    let rows: Vec<(i64, String)> = project::Entity::find()
        .filter(project::Column::OrgId.eq(org_id))
        .select_only()
        .column(project::Column::Id)
        .column(project::Column::Name)
        .order_by_asc(project::Column::Name)
        .order_by_asc(project::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, name)| crate::model::ProjectOption { id, name }).collect())
}

/// A project of the staff user's organization; another organization's id is simply not found.
pub async fn find<C: ConnectionTrait>(db: &C, org_id: i64, id: i64) -> Result<project::Model> {
    project::Entity::find_by_id(id).filter(project::Column::OrgId.eq(org_id)).one(db).await?.ok_or(Error::NotFound)
}

pub async fn detail(portico: &Portico, staff: &Staff, id: ProjectId) -> Result<ProjectDetail> {
    let p = find(&portico.db, staff.org_id.0, id.0).await?;
    let customer_name = match p.customer_id {
        Some(cid) => customer::Entity::find_by_id(cid)
            .filter(customer::Column::OrgId.eq(staff.org_id.0))
            .one(&portico.db)
            .await?
            .map(|c| c.name),
        None => None,
    };
    // The maintained counters, not the project's rows.
    let counts = crate::access::counts(&portico.db, staff.org_id.0, p.id).await?;
    let count = |s| counts.get(&s).copied().unwrap_or(0);
    Ok(ProjectDetail {
        id: p.id,
        name: p.name,
        customer_name,
        created_at: p.created_at,
        invited: count(crate::model::AccessStatus::Invited),
        active: count(crate::model::AccessStatus::Active),
    })
}
