//! What a client may see and do in the portal, decided here and only here: every portal service
//! asks `in_project` (or `in_projects`) before it reads or changes anything, so the UI only hides
//! what the server already refuses.
//!
//! A client's permissions come from their client profile (the organization's default profile
//! unless another was chosen for them), unless staff customised them for one project ("Customize
//! permissions for this user"): then that project follows the customisation, and the others the
//! profile.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit,
    domain::ProjectId,
    domain::{ClientId, Line},
    entities::{client, client_profile, project_client},
    model::{ClientCustomization, ClientPermissions, ClientProfileRow, CustomizationPeer, Permission, Permissions},
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

/// The client's permissions by their profile: its, else the organization's default profile's.
pub async fn from_profile<C: ConnectionTrait>(db: &C, org_id: i64, client_id: i64) -> Result<Permissions> {
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

/// What the client may do in one project: staff's customisation there, else their profile's.
pub async fn in_project<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    client_id: i64,
    project_id: i64,
) -> Result<Permissions> {
    Ok(in_projects(db, org_id, client_id, &[project_id]).await?.remove(&project_id).unwrap_or_default())
}

/// What the client may do in each of these projects (two reads however many there are).
pub async fn in_projects<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    client_id: i64,
    projects: &[i64],
) -> Result<std::collections::HashMap<i64, Permissions>> {
    let custom: std::collections::HashMap<i64, Option<String>> = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org_id))
        .filter(project_client::Column::ClientId.eq(client_id))
        .filter(project_client::Column::ProjectId.is_in(projects.iter().copied()))
        .select_only()
        .column(project_client::Column::ProjectId)
        .column(project_client::Column::Permissions)
        .into_tuple::<(i64, Option<String>)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let profile = if custom.values().any(Option::is_none) || custom.len() < projects.len() {
        from_profile(db, org_id, client_id).await?
    } else {
        Permissions::default()
    };
    Ok(projects
        .iter()
        .map(|p| (*p, custom.get(p).cloned().flatten().map_or(profile, |keys| Permissions::parse(&keys))))
        .collect())
}

/// Which clients of a project have `permission` there, as a condition on `project_clients`:
/// those whose customisation grants it, and those without one whose profile does. (A key is
/// found in a customisation by `LIKE`: no permission's key is part of another's, which a test
/// holds.)
pub async fn clients_allowed_in<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    permission: Permission,
) -> Result<sea_orm::Condition> {
    use sea_orm::QueryTrait;
    let by_profile = client::Entity::find()
        .select_only()
        .column(client::Column::Id)
        .filter(client::Column::OrgId.eq(org_id))
        .filter(clients_allowed(db, org_id, permission).await?)
        .into_query();
    Ok(sea_orm::Condition::any().add(project_client::Column::Permissions.like(format!("%{}%", permission.key()))).add(
        sea_orm::Condition::all()
            .add(project_client::Column::Permissions.is_null())
            .add(project_client::Column::ClientId.in_subquery(by_profile)),
    ))
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

/// What each of these clients may do in one project: their customisation there, else their
/// profile (three reads however many clients). A client not on the project may do nothing.
pub async fn clients_in_project<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    project_id: i64,
    clients: impl IntoIterator<Item = i64>,
) -> Result<std::collections::HashMap<i64, Permissions>> {
    let clients: Vec<i64> = clients.into_iter().collect();
    if clients.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let custom: std::collections::HashMap<i64, Option<String>> = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org_id))
        .filter(project_client::Column::ProjectId.eq(project_id))
        .filter(project_client::Column::ClientId.is_in(clients.iter().copied()))
        .select_only()
        .column(project_client::Column::ClientId)
        .column(project_client::Column::Permissions)
        .into_tuple::<(i64, Option<String>)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let chosen: std::collections::HashMap<i64, Option<i64>> = client::Entity::find()
        .filter(client::Column::OrgId.eq(org_id))
        .filter(client::Column::Id.is_in(custom.keys().copied()))
        .select_only()
        .column(client::Column::Id)
        .column(client::Column::ProfileId)
        .into_tuple::<(i64, Option<i64>)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let profiles = Profiles::load(db, org_id).await?;
    custom
        .into_iter()
        .map(|(client, keys)| {
            let may = match keys {
                Some(keys) => Permissions::parse(&keys),
                None => profiles.of(chosen.get(&client).copied().flatten())?,
            };
            Ok((client, may))
        })
        .collect()
}

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
        Ok(Self { name, permissions: ticked(permissions)? })
    }
}

/// The permissions a form's boxes ticked (their keys); an unknown key is refused.
pub fn ticked(keys: &[String]) -> Result<Permissions> {
    keys.iter().try_fold(Permissions::default(), |set, key| {
        Permission::ALL
            .into_iter()
            .find(|p| p.key() == key)
            .map(|p| set.with(p))
            .ok_or_else(|| Error::validation("permissions", "Choose permissions from the list."))
    })
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
            // Both sides lowered by the database (SQLite's `lower()` folds ASCII only).
            Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(client_profile::Column::Name)))
                .eq(sea_orm::sea_query::Func::lower(Expr::val(input.name.as_str()))),
        )
        .filter(client_profile::Column::Id.ne(id.unwrap_or(0)))
        .one(&*txn)
        .await?;
    if taken.is_some() {
        return Err(Error::validation("name", "A profile with this name already exists."));
    }
    let keys = input.permissions.keys();
    let labels = input.permissions.labels().join(", ");
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

/// Clients of the project a customisation page lists to copy it to, at most.
const PEERS_SHOWN: u64 = 500;

/// The project's link to the client (org-scoped), or not found.
async fn link_of<C: ConnectionTrait>(db: &C, org: i64, project: i64, client: i64) -> Result<project_client::Model> {
    project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ProjectId.eq(project))
        .filter(project_client::Column::ClientId.eq(client))
        .one(db)
        .await?
        .ok_or(Error::NotFound)
}

/// "Customize permissions for this user": a client's permissions in one project, where they
/// come from, and the project's other clients to copy a customisation to.
pub async fn customization(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    client_id: ClientId,
) -> Result<ClientCustomization> {
    let org = staff.org_id.0;
    let project = crate::projects::find(&portico.db, org, project_id.0).await?;
    let link = link_of(&portico.db, org, project.id, client_id.0).await?;
    let client = crate::clients::find(&portico.db, staff.org_id, client_id).await?;
    let profile = for_client(portico, staff, client_id).await?;
    let peers = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ProjectId.eq(project.id))
        .filter(project_client::Column::ClientId.ne(client.id));
    let others = sea_orm::PaginatorTrait::count(peers.clone(), &portico.db).await?;
    let rows: Vec<(i64, Option<String>, String, String)> = peers
        .inner_join(client::Entity)
        .select_only()
        .column(project_client::Column::ClientId)
        .column(project_client::Column::Permissions)
        .column(client::Column::Name)
        .column(client::Column::Email)
        .order_by_asc(client::Column::Name)
        .order_by_asc(client::Column::Id)
        .limit(PEERS_SHOWN)
        .into_tuple()
        .all(&portico.db)
        .await?;
    Ok(ClientCustomization {
        project_id: project.id,
        project_name: project.name,
        client_id: client.id,
        client_name: client.name,
        profile_name: profile.profile_name,
        profile: profile.effective,
        customized: link.permissions.as_deref().map(Permissions::parse),
        peers: rows
            .into_iter()
            .map(|(id, custom, name, email)| CustomizationPeer {
                client_id: id,
                name,
                email,
                customized: custom.is_some(),
            })
            .collect(),
        other_clients: others,
        may_change: staff.role.manages_organization(),
    })
}

/// "Save customization" (owners and admins): the client's permissions in this project are
/// these, whatever their profile says.
pub async fn customize(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    client_id: ClientId,
    permissions: Permissions,
    ip: Option<String>,
) -> Result<()> {
    staff.require_manager()?;
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let project = crate::projects::find(&*txn, org, project_id.0).await?;
    let link = link_of(&*txn, org, project.id, client_id.0).await?;
    let client = crate::clients::find(&*txn, staff.org_id, client_id).await?;
    set_customization(&*txn, org, project.id, &[link.client_id], Some(permissions)).await?;
    let allowed = listed(permissions);
    customization_audit(
        &*txn,
        staff,
        client.id,
        format!("Permissions of {} in {} customized: {allowed}", client.name, project.name),
        ip,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// "Copy permissions" (Clone Customization; owners and admins): the client's customisation in
/// this project, given to each of `to` (clients of the same project). Answers how many.
pub async fn clone_customization(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    client_id: ClientId,
    to: &[ClientId],
    ip: Option<String>,
) -> Result<u64> {
    staff.require_manager()?;
    let org = staff.org_id.0;
    if to.is_empty() {
        return Err(Error::validation("to", "Choose the clients to copy these permissions to."));
    }
    if to.len() as u64 > PEERS_SHOWN {
        return Err(Error::validation("to", format!("Choose at most {PEERS_SHOWN} clients at a time.")));
    }
    let txn = portico.begin().await?;
    let project = crate::projects::find(&*txn, org, project_id.0).await?;
    let from = link_of(&*txn, org, project.id, client_id.0).await?;
    let client = crate::clients::find(&*txn, staff.org_id, client_id).await?;
    let Some(keys) = from.permissions else {
        return Err(Error::Conflict("Customize this client's permissions first, then copy them.".into()));
    };
    let ids: std::collections::BTreeSet<i64> = to.iter().map(|c| c.0).filter(|id| *id != client.id).collect();
    let found = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ProjectId.eq(project.id))
        .filter(project_client::Column::ClientId.is_in(ids.iter().copied()));
    let found = sea_orm::PaginatorTrait::count(found, &*txn).await?;
    if ids.is_empty() || found != ids.len() as u64 {
        return Err(Error::validation("to", "Choose clients of this project."));
    }
    let ids: Vec<i64> = ids.into_iter().collect();
    let permissions = Permissions::parse(&keys);
    set_customization(&*txn, org, project.id, &ids, Some(permissions)).await?;
    let n = ids.len() as u64;
    let detail = format!(
        "Permissions of {} in {} copied to {n} other client{}: {}",
        client.name,
        project.name,
        if n == 1 { "" } else { "s" },
        listed(permissions)
    );
    customization_audit(&*txn, staff, client.id, detail, ip).await?;
    txn.commit().await?;
    Ok(n)
}

/// "Remove Customization" (owners and admins): the client's profile applies in this project
/// again.
pub async fn remove_customization(
    portico: &Portico,
    staff: &Staff,
    project_id: ProjectId,
    client_id: ClientId,
    ip: Option<String>,
) -> Result<()> {
    staff.require_manager()?;
    let org = staff.org_id.0;
    let txn = portico.begin().await?;
    let project = crate::projects::find(&*txn, org, project_id.0).await?;
    let link = link_of(&*txn, org, project.id, client_id.0).await?;
    let client = crate::clients::find(&*txn, staff.org_id, client_id).await?;
    if link.permissions.is_none() {
        return Err(Error::Conflict("These permissions are not customized.".into()));
    }
    set_customization(&*txn, org, project.id, &[link.client_id], None).await?;
    let detail =
        format!("Customized permissions of {} in {} removed: their client profile applies", client.name, project.name);
    customization_audit(&*txn, staff, client.id, detail, ip).await?;
    txn.commit().await?;
    Ok(())
}

async fn set_customization<C: ConnectionTrait>(
    db: &C,
    org: i64,
    project: i64,
    clients: &[i64],
    permissions: Option<Permissions>,
) -> Result<()> {
    project_client::Entity::update_many()
        .col_expr(project_client::Column::Permissions, Expr::value(permissions.map(Permissions::keys)))
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ProjectId.eq(project))
        .filter(project_client::Column::ClientId.is_in(clients.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

async fn customization_audit<C: ConnectionTrait>(
    txn: &C,
    staff: &Staff,
    client: i64,
    detail: String,
    ip: Option<String>,
) -> Result<()> {
    audit::record(
        txn,
        audit::Event {
            org_id: staff.org_id.0,
            actor: audit::Actor::Staff(staff.user_id.0),
            subject_kind: "client",
            subject_id: client,
            event: "client.permissions_customized",
            detail,
            ip,
        },
    )
    .await
}

/// "View tasks, View updates", or "nothing".
fn listed(permissions: Permissions) -> String {
    let labels = permissions.labels();
    if labels.is_empty() { "nothing".into() } else { labels.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `clients_allowed_in` finds a key in a customisation with `LIKE '%key%'`: that is exact
    /// only while no key is part of another.
    #[test]
    fn no_permission_key_is_part_of_another() {
        for a in Permission::ALL {
            for b in Permission::ALL {
                assert!(a == b || !a.key().contains(b.key()), "{} contains {}", a.key(), b.key());
            }
        }
    }
}
