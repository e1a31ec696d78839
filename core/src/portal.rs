//! What a signed-in client sees: their projects, within their organization only.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    Result,
    domain::OrgId,
    entities::{customer, document, invitation, invoice, organization, project, project_client, project_update},
    invitations::state,
    model::{Permission, PortalHome, PortalProject, PortalProjectPage, PortalSignIn},
    sessions::PortalClient,
};

/// The portal home: projects the client was invited to and accepted, with their open tasks.
pub async fn home(portico: &crate::Portico, client: &PortalClient) -> Result<PortalHome> {
    if client.needs_password {
        // Sent to "Choose a password" first; nothing behind the door is read before that.
        return Ok(PortalHome {
            org_name: client.org_name.clone(),
            client_name: client.name.clone(),
            projects: Vec::new(),
            needs_password: true,
            latest_updates: Vec::new(),
            form_first: None,
        });
    }
    let org = client.org_id.0;
    let rows = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .filter(project::Column::Id.is_in(joined_projects(&portico.db, client).await?))
        .order_by_asc(project::Column::Name)
        .all(&portico.db)
        .await?;
    let customer_ids: Vec<i64> = rows.iter().filter_map(|p| p.customer_id).collect();
    let customers: HashMap<i64, String> = customer::Entity::find()
        .filter(customer::Column::OrgId.eq(org))
        .filter(customer::Column::Id.is_in(customer_ids))
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    // Each project by what the client may do there (a customisation can differ per project).
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let may = crate::permissions::in_projects(&portico.db, org, client.client_id.0, &ids).await?;
    let allowing = |permission: Permission| -> Vec<i64> {
        ids.iter().copied().filter(|p| may.get(p).is_some_and(|m| m.allows(permission))).collect()
    };
    let open = crate::tasks::open_by_project(&portico.db, client, &allowing(Permission::ViewTasks)).await?;
    let to_fill = crate::forms::to_fill_by_project(&portico.db, client, &allowing(Permission::SubmitForms)).await?;
    let names = rows
        .iter()
        .filter(|p| may.get(&p.id).is_some_and(|m| m.allows(Permission::ViewUpdates)))
        .map(|p| (p.id, p.name.clone()))
        .collect();
    let latest_updates = crate::updates::for_client(&portico.db, client, &names, crate::updates::HOME_SHOWN).await?;
    let seen = seen(&portico.db, client, &ids).await?;
    let new = New::count(
        &portico.db,
        client,
        &seen,
        &allowing(Permission::ViewUpdates),
        &allowing(Permission::ViewDocuments),
        &allowing(Permission::ViewInvoices),
    )
    .await?;
    let projects = rows
        .into_iter()
        .map(|p| PortalProject {
            customer_name: p.customer_id.and_then(|id| customers.get(&id).cloned()),
            open_tasks: open.get(&p.id).copied().unwrap_or(0),
            forms_to_fill: to_fill.get(&p.id).copied().unwrap_or(0),
            new_items: new.total(p.id),
            id: p.id,
            name: p.name,
        })
        .collect();
    let form_first = crate::forms::first_to_fill(&portico.db, client, &ids).await?;
    Ok(PortalHome {
        org_name: client.org_name.clone(),
        client_name: client.name.clone(),
        projects,
        needs_password: false,
        latest_updates,
        form_first,
    })
}

/// A project's page in the portal: what the client may see of its tasks, updates and documents.
pub async fn project_page(
    portico: &crate::Portico,
    client: &PortalClient,
    project_id: i64,
) -> Result<PortalProjectPage> {
    if client.needs_password {
        // Sent to "Choose a password" first; nothing of the project is read.
        return Ok(PortalProjectPage {
            org_name: client.org_name.clone(),
            client_name: client.name.clone(),
            project_id,
            project_name: String::new(),
            projects: Vec::new(),
            permissions: crate::model::Permissions::default(),
            tasks: Vec::new(),
            open: 0,
            updates: Vec::new(),
            documents: Vec::new(),
            max_upload_bytes: 0,
            invoices: Vec::new(),
            forms: Vec::new(),
            seen_at: None,
            new_updates: 0,
            new_documents: 0,
            new_invoices: 0,
            updates_total: 0,
            documents_total: 0,
            invoices_total: 0,
            needs_password: true,
        });
    }
    // The client's projects, read once: whether this is one of them, and the project switcher.
    let projects: Vec<crate::model::ProjectOption> = project::Entity::find()
        .filter(project::Column::OrgId.eq(client.org_id.0))
        .filter(project::Column::Id.is_in(joined_projects(&portico.db, client).await?))
        .order_by_asc(project::Column::Name)
        .select_only()
        .column(project::Column::Id)
        .column(project::Column::Name)
        .into_tuple::<(i64, String)>()
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|(id, name)| crate::model::ProjectOption { id, name })
        .collect();
    let project = projects.iter().find(|p| p.id == project_id).cloned().ok_or(crate::Error::NotFound)?;
    let permissions =
        crate::permissions::in_project(&portico.db, client.org_id.0, client.client_id.0, project.id).await?;
    let (tasks, open) = if permissions.allows(Permission::ViewTasks) {
        crate::tasks::for_client(&portico.db, client, project.id).await?
    } else {
        (Vec::new(), 0)
    };
    let (updates, updates_total) = if permissions.allows(Permission::ViewUpdates) {
        let names = HashMap::from([(project.id, project.name.clone())]);
        (
            crate::updates::for_client(&portico.db, client, &names, crate::updates::SHOWN).await?,
            crate::updates::count_in(&portico.db, client.org_id.0, project.id).await?,
        )
    } else {
        (Vec::new(), 0)
    };
    let (documents, documents_total) =
        crate::documents::for_client(&portico.db, client, project.id, permissions).await?;
    let (invoices, invoices_total) = if permissions.allows(Permission::ViewInvoices) {
        crate::invoices::for_client(&portico.db, client, project.id).await?
    } else {
        (Vec::new(), 0)
    };
    let forms = if permissions.allows(Permission::SubmitForms) {
        crate::forms::for_portal_project(&portico.db, client, project.id).await?
    } else {
        Vec::new()
    };
    // What is new since the last visit is counted, then this visit becomes the last.
    let seen_at = seen(&portico.db, client, &[project.id]).await?.remove(&project.id).flatten();
    let only_if = |p: Permission| if permissions.allows(p) { vec![project.id] } else { Vec::new() };
    let seen_map = HashMap::from([(project.id, seen_at)]);
    let new = New::count(
        &portico.db,
        client,
        &seen_map,
        &only_if(Permission::ViewUpdates),
        &only_if(Permission::ViewDocuments),
        &only_if(Permission::ViewInvoices),
    )
    .await?;
    mark_seen(portico, client, project.id).await?;
    Ok(PortalProjectPage {
        org_name: client.org_name.clone(),
        client_name: client.name.clone(),
        project_id: project.id,
        project_name: project.name,
        projects,
        permissions,
        tasks,
        open,
        updates,
        documents,
        max_upload_bytes: portico.document_max_bytes,
        invoices,
        forms,
        seen_at,
        new_updates: new.updates.get(&project.id).copied().unwrap_or(0),
        new_documents: new.documents.get(&project.id).copied().unwrap_or(0),
        new_invoices: new.invoices.get(&project.id).copied().unwrap_or(0),
        updates_total,
        documents_total,
        invoices_total,
        needs_password: false,
    })
}

/// When the client last opened each of these projects in the portal (None: never).
async fn seen<C: ConnectionTrait>(
    db: &C,
    client: &PortalClient,
    projects: &[i64],
) -> Result<HashMap<i64, Option<DateTime<Utc>>>> {
    if projects.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(client.org_id.0))
        .filter(project_client::Column::ClientId.eq(client.client_id.0))
        .filter(project_client::Column::ProjectId.is_in(projects.iter().copied()))
        .select_only()
        .column(project_client::Column::ProjectId)
        .column(project_client::Column::SeenAt)
        .into_tuple::<(i64, Option<DateTime<Utc>>)>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// This visit is the client's last one to the project.
async fn mark_seen(portico: &crate::Portico, client: &PortalClient, project: i64) -> Result<()> {
    let txn = portico.begin().await?;
    project_client::Entity::update_many()
        .col_expr(project_client::Column::SeenAt, sea_orm::sea_query::Expr::value(crate::now()))
        .filter(project_client::Column::OrgId.eq(client.org_id.0))
        .filter(project_client::Column::ClientId.eq(client.client_id.0))
        .filter(project_client::Column::ProjectId.eq(project))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// What others posted to a client's projects since the client last opened each: updates,
/// documents (not their own uploads) and invoices sent, per project. One grouped count of each,
/// whatever the number of projects.
struct New {
    updates: HashMap<i64, u64>,
    documents: HashMap<i64, u64>,
    invoices: HashMap<i64, u64>,
}

impl New {
    fn total(&self, project: i64) -> u64 {
        [&self.updates, &self.documents, &self.invoices].iter().map(|m| m.get(&project).copied().unwrap_or(0)).sum()
    }

    async fn count<C: ConnectionTrait>(
        db: &C,
        client: &PortalClient,
        seen: &HashMap<i64, Option<DateTime<Utc>>>,
        updates_in: &[i64],
        documents_in: &[i64],
        invoices_in: &[i64],
    ) -> Result<New> {
        use document::Column as D;
        use invoice::Column as I;
        use project_update::Column as U;
        let org = client.org_id.0;
        let updates = project_update::Entity::find().filter(U::OrgId.eq(org));
        let not_theirs =
            Condition::any().add(D::UploadedByClient.is_null()).add(D::UploadedByClient.ne(client.client_id.0));
        let documents = document::Entity::find().filter(D::OrgId.eq(org)).filter(not_theirs);
        Ok(New {
            updates: count_after(db, updates, U::ProjectId, U::PostedAt, seen, updates_in).await?,
            documents: count_after(db, documents, D::ProjectId, D::UploadedAt, seen, documents_in).await?,
            invoices: count_after(
                db,
                crate::invoices::shown_to_clients(org),
                I::ProjectId,
                I::SentAt,
                seen,
                invoices_in,
            )
            .await?,
        })
    }
}

/// Rows of `select` in each of `projects` that came after the client last opened it (all of
/// them in a project never opened), counted per project.
async fn count_after<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    select: sea_orm::Select<E>,
    project: E::Column,
    at: E::Column,
    seen: &HashMap<i64, Option<DateTime<Utc>>>,
    projects: &[i64],
) -> Result<HashMap<i64, u64>> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    if projects.is_empty() {
        return Ok(HashMap::new());
    }
    let after = projects.iter().fold(Condition::any(), |any, p| match seen.get(p).copied().flatten() {
        Some(t) => any.add(Condition::all().add(project.eq(*p)).add(at.gt(t))),
        None => any.add(project.eq(*p)),
    });
    let counts: Vec<(i64, i64)> = select
        .filter(after)
        .select_only()
        .column(project)
        .column_as(ExprTrait::count(Expr::col(project)), "n")
        .group_by(project)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts.into_iter().map(|(p, n)| (p, u64::try_from(n).unwrap_or(0))).collect())
}

/// The projects a client is in: linked to the project and their invitation to it accepted.

pub(crate) async fn joined_projects<C: ConnectionTrait>(db: &C, client: &PortalClient) -> Result<Vec<i64>> {
    joined(db, client, None).await
}

/// One project the client is in, or not found (not theirs, not joined, another organization's).
/// A client who must choose a password first gets nothing behind the door until they have.
pub(crate) async fn joined_project<C: ConnectionTrait>(
    db: &C,
    client: &PortalClient,
    project_id: i64,
) -> Result<project::Model> {
    if client.needs_password {
        return Err(crate::Error::Conflict("Choose a password first.".into()));
    }
    if joined(db, client, Some(project_id)).await?.is_empty() {
        return Err(crate::Error::NotFound);
    }
    project::Entity::find_by_id(project_id)
        .filter(project::Column::OrgId.eq(client.org_id.0))
        .one(db)
        .await?
        .ok_or(crate::Error::NotFound)
}

async fn joined<C: ConnectionTrait>(db: &C, client: &PortalClient, only: Option<i64>) -> Result<Vec<i64>> {
    let org = client.org_id.0;
    let mut accepted = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(org))
        .filter(invitation::Column::ClientId.eq(client.client_id.0))
        .filter(invitation::Column::Status.eq(state::ACCEPTED));
    let mut linked = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ClientId.eq(client.client_id.0));
    if let Some(id) = only {
        accepted = accepted.filter(invitation::Column::ProjectId.eq(id));
        linked = linked.filter(project_client::Column::ProjectId.eq(id));
    }
    let accepted: Vec<i64> = accepted.all(db).await?.into_iter().filter_map(|i| i.project_id).collect();
    Ok(linked.all(db).await?.into_iter().map(|l| l.project_id).filter(|p| accepted.contains(p)).collect())
}

/// The portal sign-in page (`/p/<slug>`): the organization's name and its sign-in mode.
/// `signed_in_to`: the organization of the client signed in on this browser, if any.
pub async fn sign_in_page(portico: &crate::Portico, slug: &str, signed_in_to: Option<OrgId>) -> Result<PortalSignIn> {
    let org = organization(&portico.db, slug).await?;
    let uses_password = crate::settings::client_sign_in(&org) == crate::model::ClientSignIn::Password;
    Ok(PortalSignIn { signed_in: signed_in_to == Some(OrgId(org.id)), org_name: org.name, uses_password })
}

/// The organization whose portal lives at `/p/<slug>`.
pub(crate) async fn organization<C: sea_orm::ConnectionTrait>(db: &C, slug: &str) -> Result<organization::Model> {
    organization::Entity::find()
        .filter(organization::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or(crate::Error::NotFound)
}
