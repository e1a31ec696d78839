//! What a client may see and do in the portal, decided here and only here: every portal service
//! asks `require` before it reads or changes anything, so the UI only hides what the server
//! already refuses.
//!
//! A client's permissions in a project come from their client profile (the organization's
//! default profile unless another was chosen for them).

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set};

use crate::{
    Error, Result,
    entities::{client, client_profile},
    model::{Permission, Permissions},
    now,
};

/// The name of the profile every organization starts with.
pub const DEFAULT_PROFILE: &str = "Default";

/// Creates an organization's default profile (in the transaction that creates the organization).
pub async fn create_default_profile<C: ConnectionTrait>(db: &C, org_id: i64) -> Result<()> {
    client_profile::ActiveModel {
        org_id: Set(org_id),
        name: Set(DEFAULT_PROFILE.into()),
        permissions: Set(Permissions::DEFAULT_PROFILE.keys()),
        is_default: Set(true),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The client's permissions in `project_id`: their profile's, else the organization's default
/// profile's. (The project is an argument because per-project customisation overrides the
/// profile there.)
pub async fn effective<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    client_id: i64,
    _project_id: i64,
) -> Result<Permissions> {
    let chosen: Option<i64> = client::Entity::find_by_id(client_id)
        .filter(client::Column::OrgId.eq(org_id))
        .select_only()
        .column(client::Column::ProfileId)
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    let profile = client_profile::Entity::find().filter(client_profile::Column::OrgId.eq(org_id));
    let profile = match chosen {
        Some(id) => profile.filter(client_profile::Column::Id.eq(id)),
        None => profile.filter(client_profile::Column::IsDefault.eq(true)),
    };
    let permissions: Option<String> =
        profile.select_only().column(client_profile::Column::Permissions).into_tuple().one(db).await?;
    // Every organization gets its default profile when it is created (and the migration gave
    // one to those that existed before): a missing row is a broken database, not "no rights".
    permissions
        .map(|p| Permissions::parse(&p))
        .ok_or_else(|| Error::internal("a client's profile is missing", format!("org {org_id} client {client_id}")))
}

/// Refuses unless the client may do `what` in the project: `Forbidden`, and nothing read.
pub async fn require<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    client_id: i64,
    project_id: i64,
    what: Permission,
) -> Result<Permissions> {
    let permissions = effective(db, org_id, client_id, project_id).await?;
    if permissions.allows(what) { Ok(permissions) } else { Err(Error::Forbidden) }
}
