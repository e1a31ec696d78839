//! What a signed-in client sees: their projects, within their organization only.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::{
    Result,
    entities::{customer, invitation, organization, project, project_client},
    invitations::state,
    model::{Permission, PortalHome, PortalProject, PortalProjectPage, PortalSignIn},
    sessions::PortalClient,
};

/// The portal home: projects the client was invited to and accepted, with their open tasks.
pub async fn home(portico: &crate::Portico, client: &PortalClient) -> Result<PortalHome> {
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
    let names = rows
        .iter()
        .filter(|p| may.get(&p.id).is_some_and(|m| m.allows(Permission::ViewUpdates)))
        .map(|p| (p.id, p.name.clone()))
        .collect();
    let latest_updates = crate::updates::for_client(&portico.db, client, &names, crate::updates::HOME_SHOWN).await?;
    let projects = rows
        .into_iter()
        .map(|p| PortalProject {
            customer_name: p.customer_id.and_then(|id| customers.get(&id).cloned()),
            open_tasks: open.get(&p.id).copied().unwrap_or(0),
            id: p.id,
            name: p.name,
        })
        .collect();
    Ok(PortalHome {
        org_name: client.org_name.clone(),
        client_name: client.name.clone(),
        projects,
        needs_password: client.needs_password,
        latest_updates,
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
            permissions: crate::model::Permissions::default(),
            tasks: Vec::new(),
            open: 0,
            updates: Vec::new(),
            documents: Vec::new(),
            max_upload_bytes: 0,
            needs_password: true,
        });
    }
    let project = joined_project(&portico.db, client, project_id).await?;
    let permissions =
        crate::permissions::in_project(&portico.db, client.org_id.0, client.client_id.0, project.id).await?;
    let (tasks, open) = if permissions.allows(Permission::ViewTasks) {
        crate::tasks::for_client(&portico.db, client, project.id).await?
    } else {
        (Vec::new(), 0)
    };
    let updates = if permissions.allows(Permission::ViewUpdates) {
        let names = HashMap::from([(project.id, project.name.clone())]);
        crate::updates::for_client(&portico.db, client, &names, crate::updates::SHOWN).await?
    } else {
        Vec::new()
    };
    let documents = crate::documents::for_client(&portico.db, client, project.id, permissions).await?;
    Ok(PortalProjectPage {
        org_name: client.org_name.clone(),
        client_name: client.name.clone(),
        project_id: project.id,
        project_name: project.name,
        permissions,
        tasks,
        open,
        updates,
        documents,
        max_upload_bytes: portico.document_max_bytes,
        needs_password: false,
    })
}

/// The projects a client is in: linked to the project and their invitation to it accepted.
async fn joined_projects<C: ConnectionTrait>(db: &C, client: &PortalClient) -> Result<Vec<i64>> {
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
pub async fn sign_in_page(portico: &crate::Portico, slug: &str) -> Result<PortalSignIn> {
    let org = organization(&portico.db, slug).await?;
    let uses_password = crate::settings::client_sign_in(&org) == crate::model::ClientSignIn::Password;
    Ok(PortalSignIn { org_name: org.name, uses_password })
}

/// The organization whose portal lives at `/p/<slug>`.
pub(crate) async fn organization<C: sea_orm::ConnectionTrait>(db: &C, slug: &str) -> Result<organization::Model> {
    organization::Entity::find()
        .filter(organization::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or(crate::Error::NotFound)
}
