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
    let profiles = Profiles::read(
        db,
        org_id,
        Some(match chosen {
            Some(id) => client_profile::Column::Id.eq(id).or(client_profile::Column::IsDefault.eq(true)),
            None => client_profile::Column::IsDefault.eq(true),
        }),
    )
    .await?;
    profiles.of(chosen)
}

/// Which of the organization's clients have `permission`, as a condition on `clients`: the
/// profiles that grant it, and, when the default profile grants it, the clients under the
/// default (none chosen, or the chosen one is gone). One read of the profiles.
pub async fn clients_allowed<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    permission: Permission,
) -> Result<sea_orm::Condition> {
    let profiles = Profiles::load(db, org_id).await?;
    let granting = profiles.0.iter().filter(|(_, _, p)| Permissions::parse(p).allows(permission)).map(|(id, _, _)| *id);
    let mut any = sea_orm::Condition::any().add(client::Column::ProfileId.is_in(granting));
    if profiles.of(None)?.allows(permission) {
        any = any
            .add(client::Column::ProfileId.is_null())
            .add(client::Column::ProfileId.is_not_in(profiles.0.iter().map(|(id, _, _)| *id)));
    }
    Ok(any)
}

/// An organization's client profiles, read once for many clients (a job's chunk).
pub struct Profiles(Vec<(i64, bool, String)>);

impl Profiles {
    /// All of the organization's profiles.
    pub async fn load<C: ConnectionTrait>(db: &C, org_id: i64) -> Result<Self> {
        Self::read(db, org_id, None).await
    }

    async fn read<C: ConnectionTrait>(
        db: &C,
        org_id: i64,
        only: Option<sea_orm::sea_query::SimpleExpr>,
    ) -> Result<Self> {
        let mut select = client_profile::Entity::find().filter(client_profile::Column::OrgId.eq(org_id));
        if let Some(only) = only {
            select = select.filter(only);
        }
        let rows = select
            .select_only()
            .column(client_profile::Column::Id)
            .column(client_profile::Column::IsDefault)
            .column(client_profile::Column::Permissions)
            .into_tuple()
            .all(db)
            .await?;
        Ok(Profiles(rows))
    }

    /// The permissions of a client whose chosen profile is `chosen`: that profile's, else the
    /// default profile's (none was chosen, or the chosen one is gone).
    pub fn of(&self, chosen: Option<i64>) -> Result<Permissions> {
        let picked = chosen
            .and_then(|id| self.0.iter().find(|(p, _, _)| *p == id))
            .or_else(|| self.0.iter().find(|(_, is_default, _)| *is_default));
        // Every organization gets its default profile when it is created (and the migration
        // gave one to those that existed before): none at all is a broken database, not "no
        // rights".
        picked
            .map(|(_, _, p)| Permissions::parse(p))
            .ok_or_else(|| Error::internal("an organization has no default client profile", ""))
    }
}
