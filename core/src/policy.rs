//! Who may be handed what: one place, so the services refuse exactly what the views do not
//! offer. (Row actions are sent with the rows; views never guess them from a badge.)

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::{
    Error, Result,
    entities::{client, invitation},
    invitations::{state, status_of},
    model::AccessStatus,
    now,
};

/// A client's standing across all their invitations: Deactivated, else Active once any was
/// accepted, else Invited while one can still be accepted, else the newest invitation's
/// status (Cancelled, Expired, Locked), else Not invited.
pub fn standing(invitations: &[invitation::Model], client: &client::Model, at: DateTime<Utc>) -> AccessStatus {
    if client.deactivated_at.is_some() {
        return AccessStatus::Deactivated;
    }
    let statuses: Vec<AccessStatus> = invitations.iter().map(|i| status_of(i, client, at)).collect();
    if statuses.contains(&AccessStatus::Active) {
        return AccessStatus::Active;
    }
    if statuses.contains(&AccessStatus::Invited) {
        return AccessStatus::Invited;
    }
    invitations.iter().zip(&statuses).max_by_key(|(i, _)| i.id).map_or(AccessStatus::NotInvited, |(_, s)| *s)
}

/// What a deactivated client is told wherever they try to get in: an old link, a code, an open
/// portal tab.
pub fn switched_off_notice(org_name: &str) -> String {
    format!("Your access to {org_name}'s portal is switched off. Contact {org_name}.")
}

/// The client's invitations, newest first.
pub async fn invitations_of<C: ConnectionTrait>(db: &C, client: &client::Model) -> Result<Vec<invitation::Model>> {
    Ok(invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(client.org_id))
        .filter(invitation::Column::ClientId.eq(client.id))
        .order_by_desc(invitation::Column::Id)
        .all(db)
        .await?)
}

/// Why staff may not hand this client a way to sign in (a magic link or a login email), or
/// `None` when they may: clients who joined, and invitees who could accept now (using the link
/// proves their address and accepts the invitation).
pub fn sign_in_refusal(name: &str, standing: AccessStatus) -> Option<String> {
    if standing.allows_sign_in_links() {
        return None;
    }
    match standing {
        AccessStatus::Active | AccessStatus::Invited => None,
        AccessStatus::NotInvited => Some(format!("{name} has not been invited yet.")),
        AccessStatus::Cancelled => Some(format!("{name}'s invitation was cancelled. Send a new invite first.")),
        AccessStatus::Expired => Some(format!("{name}'s invitation expired. Resend it first.")),
        AccessStatus::Locked => Some(format!("{name}'s invitation is locked. Unlock it first.")),
        AccessStatus::Deactivated => Some(format!("{name} is deactivated and cannot sign in.")),
    }
}

/// The service-side check behind "Generate magic link" and "Send login email".
pub async fn may_send_sign_in_link<C: ConnectionTrait>(db: &C, client: &client::Model) -> Result<()> {
    let standing = standing(&invitations_of(db, client).await?, client, now());
    match sign_in_refusal(&client.name, standing) {
        None => Ok(()),
        Some(reason) => Err(Error::Conflict(reason)),
    }
}

/// The invitations a sign-in accepts for a client who has not joined yet: every invitation
/// they could accept now. Empty for clients who joined (nothing to accept) — and for clients
/// with nothing to accept, who are refused by `admissible`.
pub fn acceptable_now<'a>(
    invitations: &'a [invitation::Model],
    client: &client::Model,
    at: DateTime<Utc>,
) -> Vec<&'a invitation::Model> {
    if invitations.iter().any(|i| i.status == state::ACCEPTED) {
        return Vec::new();
    }
    invitations
        .iter()
        .filter(|i| status_of(i, client, at) == AccessStatus::Invited && i.email == client.email)
        .collect()
}

/// May this client start a portal session at all (whatever proved their address)?
pub fn admissible(invitations: &[invitation::Model], client: &client::Model, at: DateTime<Utc>) -> bool {
    matches!(standing(invitations, client, at), AccessStatus::Active | AccessStatus::Invited)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn client() -> client::Model {
        let name = crate::domain::Line::parse("name", "Name", "Cleo", 100).unwrap();
        let email = crate::domain::EmailAddress::parse("cleo@client.test").unwrap();
        client::Model { id: 1, ..client::Model::new(1, None, &name, &email, None, Utc::now()) }
    }

    fn inv(id: i64, status: &str, expires_in: i64) -> invitation::Model {
        invitation::Model {
            id,
            org_id: 1,
            client_id: 1,
            project_id: Some(id),
            invited_by: 1,
            token_hash: String::new(),
            link_salt: String::new(),
            email: "cleo@client.test".into(),
            status: status.into(),
            expires_at: Utc::now() + Duration::hours(expires_in),
            created_at: Utc::now(),
            last_sent_at: Utc::now(),
            send_count: 1,
            accepted_at: None,
            cancelled_at: None,
            failed_attempts: 0,
            locked_at: None,
        }
    }

    #[test]
    fn standing_prefers_joined_then_acceptable_then_the_newest() {
        let at = Utc::now();
        let c = client();
        assert_eq!(standing(&[], &c, at), AccessStatus::NotInvited);
        assert_eq!(standing(&[inv(1, state::CANCELLED, 5)], &c, at), AccessStatus::Cancelled);
        assert_eq!(standing(&[inv(1, state::PENDING, -1)], &c, at), AccessStatus::Expired);
        assert_eq!(standing(&[inv(2, state::CANCELLED, 5), inv(1, state::PENDING, 5)], &c, at), AccessStatus::Invited);
        assert_eq!(standing(&[inv(2, state::CANCELLED, 5), inv(1, state::ACCEPTED, 5)], &c, at), AccessStatus::Active);
        let mut gone = c.clone();
        gone.deactivated_at = Some(at);
        assert_eq!(standing(&[inv(1, state::ACCEPTED, 5)], &gone, at), AccessStatus::Deactivated);
    }

    #[test]
    fn only_joined_clients_and_invitees_who_could_accept_get_sign_in_links() {
        for (s, allowed) in [
            (AccessStatus::Active, true),
            (AccessStatus::Invited, true),
            (AccessStatus::NotInvited, false),
            (AccessStatus::Cancelled, false),
            (AccessStatus::Expired, false),
            (AccessStatus::Locked, false),
            (AccessStatus::Deactivated, false),
        ] {
            assert_eq!(sign_in_refusal("Cleo", s).is_none(), allowed, "{s:?}");
        }
    }
}
