//! What a client may see and do in the portal, decided here and only here: every portal service
//! asks `effective` before it reads or changes anything, so the UI only hides what the server
//! already refuses.
//!
//! A client's permissions come from their client profile (the organization's default profile
//! unless another was chosen for them).

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit,
    domain::{ClientId, Line},
    entities::{client, client_profile},
    model::{ClientPermissions, ClientProfileRow, Permission, Permissions},
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

/// A profile as its form sends it: a name and the permissions ticked.
pub struct ProfileInput {
    name: Line,
    permissions: Permissions,
}

impl ProfileInput {
    /// `permissions`: the keys ticked (`view_tasks`…); an unknown key is refused.
    pub fn parse(name: &str, permissions: &[String]) -> Result<Self> {
        let name = Line::parse("name", "a profile name", name, 100)?;
        let mut set = Permissions::default();
        for key in permissions {
            let p = Permission::ALL
                .into_iter()
                .find(|p| p.key() == key)
                .ok_or_else(|| Error::validation("permissions", "Choose permissions from the list."))?;
            set = set.with(p);
        }
        Ok(Self { name, permissions: set })
    }
}

/// The Client profiles page (owners and admins): the default profile first, then by name.
pub async fn list(portico: &Portico, staff: &Staff) -> Result<Vec<ClientProfileRow>> {
    staff.require_manager()?;
    profiles_of(&portico.db, staff.org_id.0).await
}

async fn profiles_of<C: ConnectionTrait>(db: &C, org: i64) -> Result<Vec<ClientProfileRow>> {
    Ok(client_profile::Entity::find()
        .filter(client_profile::Column::OrgId.eq(org))
        .order_by_desc(client_profile::Column::IsDefault)
        .order_by_asc(client_profile::Column::Name)
        .order_by_asc(client_profile::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|p| ClientProfileRow {
            id: p.id,
            name: p.name,
            is_default: p.is_default,
            permissions: Permissions::parse(&p.permissions),
        })
        .collect())
}

/// "Add profile" (`id` none) or "Save profile" (owners and admins). Names are unique in the
/// organization. Answers the profile's id.
pub async fn save(
    portico: &Portico,
    staff: &Staff,
    id: Option<i64>,
    input: ProfileInput,
    ip: Option<String>,
) -> Result<i64> {
    staff.require_manager()?;
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let existing = match id {
        Some(id) => Some(
            client_profile::Entity::find_by_id(id)
                .filter(client_profile::Column::OrgId.eq(org))
                .one(&*txn)
                .await?
                .ok_or(Error::NotFound)?,
        ),
        None => None,
    };
    let taken = client_profile::Entity::find()
        .filter(client_profile::Column::OrgId.eq(org))
        .filter(
            Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(client_profile::Column::Name)))
                .eq(input.name.as_str().to_lowercase()),
        )
        .filter(client_profile::Column::Id.ne(id.unwrap_or(0)))
        .one(&*txn)
        .await?;
    if taken.is_some() {
        return Err(Error::validation("name", "A profile with this name already exists."));
    }
    let keys = input.permissions.keys();
    let labels = Permission::ALL
        .into_iter()
        .filter(|p| input.permissions.allows(*p))
        .map(Permission::label)
        .collect::<Vec<_>>()
        .join(", ");
    let (saved, event, detail) = match existing {
        Some(p) => {
            let mut row: client_profile::ActiveModel = p.clone().into();
            row.name = Set(input.name.as_str().to_string());
            row.permissions = Set(keys);
            let saved = row.update(&*txn).await?;
            (saved, "profile.updated", format!("Changed client profile \"{}\": {}", p.name, or_nothing(&labels)))
        }
        None => {
            let saved = client_profile::ActiveModel {
                org_id: Set(org),
                name: Set(input.name.as_str().to_string()),
                permissions: Set(keys),
                is_default: Set(false),
                created_at: Set(now()),
                ..Default::default()
            }
            .insert(&*txn)
            .await?;
            let detail = format!("Added client profile \"{}\": {}", saved.name, or_nothing(&labels));
            (saved, "profile.created", detail)
        }
    };
    profile_event(&txn, staff, saved.id, event, detail, ip).await?;
    txn.commit().await?;
    Ok(saved.id)
}

/// A change to a profile on the audit trail.
async fn profile_event(
    txn: &sea_orm::DatabaseTransaction,
    staff: &Staff,
    id: i64,
    event: &str,
    detail: String,
    ip: Option<String>,
) -> Result<()> {
    audit::record(
        txn,
        audit::Event {
            org_id: staff.org_id.0,
            actor: audit::Actor::Staff(staff.user_id.0),
            subject_kind: "client_profile",
            subject_id: id,
            event,
            detail,
            ip,
        },
    )
    .await
}

fn or_nothing(labels: &str) -> &str {
    if labels.is_empty() { "no permissions" } else { labels }
}

/// "Delete profile" (owners and admins): its clients fall back to the default profile. The
/// default profile cannot be deleted.
pub async fn delete(portico: &Portico, staff: &Staff, id: i64, ip: Option<String>) -> Result<()> {
    staff.require_manager()?;
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let profile = client_profile::Entity::find_by_id(id)
        .filter(client_profile::Column::OrgId.eq(org))
        .one(&*txn)
        .await?
        .ok_or(Error::NotFound)?;
    if profile.is_default {
        return Err(Error::Conflict("The default profile cannot be deleted: clients without a profile use it.".into()));
    }
    let moved = client::Entity::update_many()
        .col_expr(client::Column::ProfileId, Expr::value(Option::<i64>::None))
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::ProfileId.eq(profile.id))
        .exec(&*txn)
        .await?
        .rows_affected;
    client_profile::Entity::delete_many()
        .filter(client_profile::Column::OrgId.eq(org))
        .filter(client_profile::Column::Id.eq(profile.id))
        .exec(&*txn)
        .await?;
    let detail = format!("Deleted client profile \"{}\"; its {moved} client(s) use the default profile", profile.name);
    profile_event(&txn, staff, profile.id, "profile.deleted", detail, ip).await?;
    txn.commit().await?;
    Ok(())
}

/// A client's Portal permissions card: their profile and what it allows; the profiles to
/// choose from for owners and admins.
pub async fn for_client(portico: &Portico, staff: &Staff, client_id: ClientId) -> Result<ClientPermissions> {
    let org = staff.org_id.0;
    let client = crate::clients::find(&portico.db, staff.org_id, client_id).await?;
    let all = profiles_of(&portico.db, org).await?;
    let applies = client
        .profile_id
        .and_then(|id| all.iter().find(|p| p.id == id))
        .or_else(|| all.iter().find(|p| p.is_default))
        .ok_or_else(|| Error::internal("an organization has no default client profile", format!("org {org}")))?;
    Ok(ClientPermissions {
        client_id: client.id,
        profile_id: client.profile_id.filter(|id| all.iter().any(|p| p.id == *id)),
        profile_name: applies.name.clone(),
        effective: applies.permissions,
        profiles: if staff.role.manages_organization() { all } else { Vec::new() },
    })
}

/// "Save" on a client's Client profile (owners and admins): `profile` one of the
/// organization's profiles (choosing the default one stores none: the client follows
/// whichever profile is the default).
pub async fn set_client_profile(
    portico: &Portico,
    staff: &Staff,
    client_id: ClientId,
    profile: i64,
    ip: Option<String>,
) -> Result<()> {
    staff.require_manager()?;
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let client = crate::clients::find(&*txn, staff.org_id, client_id).await?;
    let chosen = client_profile::Entity::find_by_id(profile)
        .filter(client_profile::Column::OrgId.eq(org))
        .one(&*txn)
        .await?
        .ok_or_else(|| Error::validation("profile_id", "Choose one of your client profiles."))?;
    client::Entity::update_many()
        .col_expr(client::Column::ProfileId, Expr::value((!chosen.is_default).then_some(chosen.id)))
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::Id.eq(client.id))
        .exec(&*txn)
        .await?;
    audit::record(
        &*txn,
        audit::Event {
            org_id: org,
            actor: audit::Actor::Staff(staff.user_id.0),
            subject_kind: "client",
            subject_id: client.id,
            event: "client.profile_changed",
            detail: format!("Client profile of {} ({}) set to \"{}\"", client.name, client.email, chosen.name),
            ip,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
