//! Sign-in sessions for staff and clients: random ids stored hashed, idle and absolute limits.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::{
    Portico, Result,
    accounts::{self, Staff},
    domain::{ClientId, OrgId, StaffUserId},
    entities::{client, organization, session, staff_user},
    now,
    secrets::SecretToken,
};

/// Staff stay signed in across a working week; clients for a shorter while.
const STAFF_ABSOLUTE: Duration = Duration::days(7);
const STAFF_IDLE: Duration = Duration::hours(12);
const CLIENT_ABSOLUTE: Duration = Duration::days(1);
const CLIENT_IDLE: Duration = Duration::hours(2);
/// `last_seen_at` is refreshed at most this often, to spare a write per request.
const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A client signed in to the portal.
#[derive(Clone, Debug)]
pub struct PortalClient {
    pub org_id: OrgId,
    pub client_id: ClientId,
    pub name: String,
    pub email: String,
    pub org_name: String,
    pub org_slug: String,
    /// The organization asks for passwords and this client has not chosen one yet.
    pub needs_password: bool,
}

/// Who a session belongs to.
#[derive(Clone, Debug)]
pub enum Principal {
    Staff(Staff),
    Client(PortalClient),
    /// A client whose access was switched off since this session began: the session is gone
    /// now, and this is what they are told (once; the next request is simply signed out).
    SwitchedOff(String),
}

pub enum Holder {
    Staff(StaffUserId),
    Client(ClientId),
}

/// Ends every session of a client: whoever is signed in as them is signed out at once.
pub(crate) async fn end_client<C: sea_orm::ConnectionTrait>(db: &C, org_id: i64, client_id: i64) -> Result<()> {
    session::Entity::delete_many()
        .filter(session::Column::OrgId.eq(org_id))
        .filter(session::Column::ClientId.eq(client_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Starts a session and returns the id to put in the cookie (a fresh one on every sign-in).
pub async fn start<C: sea_orm::ConnectionTrait>(
    db: &C,
    org_id: OrgId,
    holder: Holder,
    ip: Option<String>,
) -> Result<SecretToken> {
    crate::batch::Batch::write(db, |batch| start_later(batch, org_id, holder, ip)).await
}

/// `start` as part of the caller's batch: the session exists once the batch has run.
pub(crate) fn start_later(
    batch: &mut crate::batch::Batch,
    org_id: OrgId,
    holder: Holder,
    ip: Option<String>,
) -> SecretToken {
    let token = SecretToken::generate();
    let (staff_user_id, client_id, absolute) = match holder {
        Holder::Staff(id) => (Some(id.0), None, STAFF_ABSOLUTE),
        Holder::Client(id) => (None, Some(id.0), CLIENT_ABSOLUTE),
    };
    batch.add(&session::Entity::insert(session::ActiveModel {
        token_hash: Set(token.hash()),
        org_id: Set(org_id.0),
        staff_user_id: Set(staff_user_id),
        client_id: Set(client_id),
        created_at: Set(now()),
        last_seen_at: Set(now()),
        expires_at: Set(now() + absolute),
        ip: Set(ip),
        ..Default::default()
    }));
    token
}

/// Who holds this cookie value, if the session is still valid. Expired sessions are deleted.
pub async fn resolve(portico: &Portico, presented: &str) -> Result<Option<Principal>> {
    let Some(token) = SecretToken::from_presented(presented) else {
        return Ok(None);
    };
    // The session, its organization and whoever holds it, in one statement.
    let Some((row, org, staff, client)) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(token.hash()))
        .find_also_related(organization::Entity)
        .find_also(session::Entity, staff_user::Entity)
        .find_also(session::Entity, client::Entity)
        .one(&portico.db)
        .await?
    else {
        return Ok(None);
    };
    let idle = if row.staff_user_id.is_some() { STAFF_IDLE } else { CLIENT_IDLE };
    let t = now();
    if row.expires_at <= t || row.last_seen_at + idle <= t {
        let _turn = portico.write_turn().await;
        session::Entity::delete_by_id(row.id).exec(&portico.db).await?;
        return Ok(None);
    }
    if row.last_seen_at + TOUCH_EVERY <= t {
        let mut active: session::ActiveModel = row.clone().into();
        active.last_seen_at = Set(t);
        let _turn = portico.write_turn().await;
        active.update(&portico.db).await?;
    }
    let Some(org) = org else {
        return Ok(None);
    };
    if let Some(user) = staff {
        // A staff member belongs to the organization of their session (set at sign-in).
        return Ok((user.org_id == org.id).then(|| Principal::Staff(accounts::staff_of(user, org))));
    }
    let Some(client) = client.filter(|c| c.org_id == org.id) else {
        return Ok(None);
    };
    if client.deactivated_at.is_some() {
        let _turn = portico.write_turn().await;
        session::Entity::delete_by_id(row.id).exec(&portico.db).await?;
        return Ok(Some(Principal::SwitchedOff(crate::policy::switched_off_notice(&org.name))));
    }
    let needs_password = crate::client_passwords::must_choose_password(&org, &client);
    Ok(Some(Principal::Client(PortalClient {
        needs_password,
        org_id: OrgId(org.id),
        client_id: ClientId(client.id),
        name: client.name,
        email: client.email,
        org_name: org.name,
        org_slug: org.slug,
    })))
}

/// Sign-out: the session row is deleted, so the cookie is worthless even if kept.
pub async fn end(portico: &Portico, presented: &str) -> Result<()> {
    if let Some(token) = SecretToken::from_presented(presented) {
        let _turn = portico.write_turn().await;
        session::Entity::delete_many().filter(session::Column::TokenHash.eq(token.hash())).exec(&portico.db).await?;
    }
    Ok(())
}
