//! What a client may see and do in the portal, decided here and only here: every portal service
//! asks `effective` before it reads or changes anything, so the UI only hides what the server
//! already refuses.
//!
//! A client's permissions come from their client profile (the organization's default profile
//! unless another was chosen for them).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set, sea_query::ExprTrait,
};

use crate::{
    Error, Result,
    entities::{client, client_profile},
    model::Permissions,
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

/// The client's permissions: their profile's, else the organization's default profile's.
pub async fn effective<C: ConnectionTrait>(db: &C, org_id: i64, client_id: i64) -> Result<Permissions> {
    let chosen: Option<i64> = client::Entity::find_by_id(client_id)
        .filter(client::Column::OrgId.eq(org_id))
        .select_only()
        .column(client::Column::ProfileId)
        .into_tuple::<Option<i64>>()
        .one(db)
        .await?
        .ok_or(Error::NotFound)?;
    // The chosen profile, or the default one when none was chosen or the chosen one is gone;
    // one query either way.
    let profiles: Vec<(bool, String)> = client_profile::Entity::find()
        .filter(client_profile::Column::OrgId.eq(org_id))
        .filter(match chosen {
            Some(id) => client_profile::Column::Id.eq(id).or(client_profile::Column::IsDefault.eq(true)),
            None => client_profile::Column::IsDefault.eq(true),
        })
        .select_only()
        .column(client_profile::Column::IsDefault)
        .column(client_profile::Column::Permissions)
        .into_tuple()
        .all(db)
        .await?;
    let pick = profiles.iter().find(|(is_default, _)| chosen.is_some() && !is_default).or_else(|| profiles.first());
    // Every organization gets its default profile when it is created (and the migration gave
    // one to those that existed before): none at all is a broken database, not "no rights".
    pick.map(|(_, p)| Permissions::parse(p))
        .ok_or_else(|| Error::internal("an organization has no default client profile", format!("org {org_id}")))
}
