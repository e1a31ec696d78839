//! Client users: lookups scoped by organization, and the client page with its timelines.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    domain::{ClientId, EmailAddress, OrgId},
    entities::{audit_event, client, invitation, project, project_client, staff_user},
    invitations,
    model::{AccessStatus, ClientPage, ClientProject, InvitationHistory, TimelineEntry, status_note},
    now,
};

/// A client of this organization; another organization's id is simply not found.
pub async fn find<C: ConnectionTrait>(db: &C, org: OrgId, id: ClientId) -> Result<client::Model> {
    client::Entity::find_by_id(id.0).filter(client::Column::OrgId.eq(org.0)).one(db).await?.ok_or(Error::NotFound)
}

/// The client of this organization with this address who may sign in (not deactivated).
pub async fn active_by_email<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    email: &EmailAddress,
) -> Result<Option<client::Model>> {
    Ok(client::Entity::find()
        .filter(client::Column::OrgId.eq(org_id))
        .filter(client::Column::Email.eq(email.as_str()))
        .filter(client::Column::DeactivatedAt.is_null())
        .one(db)
        .await?)
}

/// The clients with this address who may sign in: of one organization, or of every one.
pub async fn active_everywhere<C: ConnectionTrait>(
    db: &C,
    org_id: Option<i64>,
    email: &EmailAddress,
) -> Result<Vec<client::Model>> {
    let mut query = client::Entity::find()
        .filter(client::Column::Email.eq(email.as_str()))
        .filter(client::Column::DeactivatedAt.is_null());
    if let Some(org) = org_id {
        query = query.filter(client::Column::OrgId.eq(org));
    }
    Ok(query.all(db).await?)
}

/// Everything the client page shows. Timelines come from the audit trail (written in the same
/// transaction as each change) plus the expiry, which happens by itself.
pub async fn page(portico: &Portico, staff: &Staff, id: ClientId) -> Result<ClientPage> {
    let org = staff.org_id;
    let c = find(&portico.db, org, id).await?;
    let project_names: HashMap<i64, String> = project::Entity::find()
        .filter(project::Column::OrgId.eq(org.0))
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let projects = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org.0))
        .filter(project_client::Column::ClientId.eq(c.id))
        .order_by_asc(project_client::Column::Id)
        .all(&portico.db)
        .await?
        .into_iter()
        .filter_map(|pc| {
            project_names.get(&pc.project_id).map(|name| ClientProject { id: pc.project_id, name: name.clone() })
        })
        .collect();
    let invitations = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(org.0))
        .filter(invitation::Column::ClientId.eq(c.id))
        .order_by_desc(invitation::Column::Id)
        .all(&portico.db)
        .await?;
    let staff_names: HashMap<i64, String> = staff_user::Entity::find()
        .filter(staff_user::Column::OrgId.eq(org.0))
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let entry = |e: audit_event::Model| TimelineEntry {
        what: event_label(&e.event).to_string(),
        actor: match (e.actor_kind.as_str(), e.actor_id) {
            ("staff", Some(id)) => staff_names.get(&id).cloned().unwrap_or_else(|| "A former team member".into()),
            ("client", _) => c.name.clone(),
            _ => "Portico".into(),
        },
        at: e.created_at,
        detail: e.detail,
        ip: e.ip,
    };
    let at = now();
    let mut histories = Vec::with_capacity(invitations.len());
    for inv in &invitations {
        let mut timeline: Vec<TimelineEntry> =
            audit_of(portico, org, "invitation", inv.id).await?.into_iter().map(&entry).collect();
        let inv_status = invitations::status_of(inv, &c, at);
        if inv_status == AccessStatus::Expired {
            timeline.push(TimelineEntry {
                at: inv.expires_at,
                what: "Expired".into(),
                detail: "The link stopped working".into(),
                actor: "Portico".into(),
                ip: None,
            });
            timeline.sort_by_key(|t| t.at);
        }
        histories.push(InvitationHistory {
            id: inv.id,
            project_id: inv.project_id,
            project_name: inv.project_id.and_then(|p| project_names.get(&p).cloned()),
            status: inv_status,
            note: status_note(inv_status, Some(inv.last_sent_at), Some(inv.expires_at), c.last_sign_in_at, at),
            timeline,
        });
    }
    let events = audit_of(portico, org, "client", c.id).await?.into_iter().map(&entry).collect();
    let status = crate::policy::standing(&invitations, &c, at);
    Ok(ClientPage {
        id: c.id,
        name: c.name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        created_at: c.created_at,
        last_sign_in_at: c.last_sign_in_at,
        status,
        projects,
        invitations: histories,
        events,
    })
}

async fn audit_of(portico: &Portico, org: OrgId, kind: &str, id: i64) -> Result<Vec<audit_event::Model>> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::OrgId.eq(org.0))
        .filter(audit_event::Column::SubjectKind.eq(kind))
        .filter(audit_event::Column::SubjectId.eq(id))
        .order_by_asc(audit_event::Column::Id)
        .all(&portico.db)
        .await?)
}

/// The timeline's words for each audit event.
fn event_label(event: &str) -> &'static str {
    match event {
        "invitation.created" => "Invitation created",
        "invitation.resent" => "Resent",
        "invitation.cancelled" => "Cancelled",
        "invitation.accepted" => "Accepted",
        "invitation.locked" => "Locked",
        "invitation.unlocked" => "Unlocked",
        "email.delivered" => "Email delivered",
        "email.retrying" => "Email delivery failed, retrying",
        "email.failed" => "Email failed",
        "link.opened" => "Link opened",
        "link.requested" => "New link requested",
        "code.sent" => "Code sent",
        "code.failed" => "Wrong code entered",
        "magic_link.generated" => "Magic link generated",
        "magic_link.used" => "Signed in with a link",
        "login_email.sent" => "Login email sent",
        "sign_in_link.sent" => "Sign-in link requested",
        _ => "Activity",
    }
}
