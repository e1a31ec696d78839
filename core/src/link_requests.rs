//! "Request a new link": a client whose invitation expired asks for a new one from the link's
//! page. The inviter is notified and the request waits on the dashboard until someone approves
//! it (one click: a new link goes out). The page answers the same whatever the token, so it
//! reveals nothing about which links exist; repeated requests add nothing.

use std::collections::HashMap;

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit::{self, Actor},
    domain::InvitationId,
    entities::{client, invitation, link_request, project},
    invitations::{self, state},
    model::LinkRequestRow,
    notifications, now,
    secrets::SecretToken,
};

/// At most this many requests per invitation per day, open or not.
const REQUESTS_PER_DAY: u64 = 3;

/// Handles "Request a new link" for the token of an invitation link. Only an invitation that
/// expired while pending can be renewed this way. Answers whether the team now knows (a request
/// is open for it), so the page says only what is true; every other case (cancelled, used,
/// unknown, asked too often) answers the same `false`.
pub async fn request(portico: &Portico, token: &str, ip: Option<String>) -> Result<bool> {
    let Some(token) = SecretToken::from_presented(token) else {
        return Ok(false);
    };
    let txn = portico.begin().await?;
    let Some(inv) = invitation::Entity::find().filter(invitation::Column::TokenHash.eq(token.hash())).one(&txn).await?
    else {
        return Ok(false);
    };
    if inv.status != state::PENDING || inv.expires_at > now() || inv.locked_at.is_some() {
        return Ok(false);
    }
    let Some(client) = client::Entity::find_by_id(inv.client_id).one(&txn).await? else {
        return Ok(false);
    };
    if client.deactivated_at.is_some() || client.email != inv.email {
        return Ok(false);
    }
    let mine = || link_request::Entity::find().filter(link_request::Column::InvitationId.eq(inv.id));
    let open = mine().filter(link_request::Column::ResolvedAt.is_null()).count(&txn).await?;
    let today = mine().filter(link_request::Column::CreatedAt.gt(now() - Duration::days(1))).count(&txn).await?;
    if open > 0 {
        return Ok(true);
    }
    if today >= REQUESTS_PER_DAY {
        return Ok(false);
    }
    link_request::ActiveModel {
        org_id: Set(inv.org_id),
        invitation_id: Set(inv.id),
        client_id: Set(client.id),
        created_at: Set(now()),
        resolved_at: Set(None),
        resolved_by: Set(None),
        ip: Set(ip.clone()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut batch = crate::batch::Batch::new(&txn);
    notifications::notify_team(
        &txn,
        &mut batch,
        portico,
        notifications::About {
            kind: notifications::kind::LINK_REQUESTED,
            title: format!("{} asked for a new invitation link", client.name),
            body: format!(
                "The invitation for {} expired before they used it. Approve the request on the dashboard to send a new link.",
                client.email
            ),
            invitation: &inv,
            project: notifications::Concerning::of(&inv),
        },
    )
    .await?;
    audit::record_later(
        &mut batch,
        vec![audit::Event {
            org_id: inv.org_id,
            actor: Actor::Client(client.id),
            subject_kind: "invitation",
            subject_id: inv.id,
            event: "link.requested",
            detail: "Asked for a new link from the expired link's page".into(),
            ip,
        }],
    );
    batch.run(&txn).await?;
    txn.commit().await?;
    portico.outbox_wakeup.ring();
    Ok(true)
}

/// Requests waiting for approval, for the dashboard.
pub async fn pending(portico: &Portico, staff: &Staff) -> Result<Vec<LinkRequestRow>> {
    let org = staff.org_id.0;
    let db = &portico.db;
    // The oldest first, a bounded number; their clients, invitations and projects in one read each.
    let requests = link_request::Entity::find()
        .filter(link_request::Column::OrgId.eq(org))
        .filter(link_request::Column::ResolvedAt.is_null())
        .order_by_asc(link_request::Column::Id)
        .limit(PENDING_SHOWN)
        .all(db)
        .await?;
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    let clients: HashMap<i64, client::Model> = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::Id.is_in(requests.iter().map(|r| r.client_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let project_of: HashMap<i64, i64> = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(org))
        .filter(invitation::Column::Id.is_in(requests.iter().map(|r| r.invitation_id)))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|i| Some((i.id, i.project_id?)))
        .collect();
    let project_names: HashMap<i64, String> = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .filter(project::Column::Id.is_in(project_of.values().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(requests
        .into_iter()
        .filter_map(|r| {
            let c = clients.get(&r.client_id)?;
            Some(LinkRequestRow {
                id: r.id,
                client_name: c.name.clone(),
                client_email: c.email.clone(),
                project_name: project_of.get(&r.invitation_id).and_then(|p| project_names.get(p)).cloned(),
                requested_at: r.created_at,
            })
        })
        .collect())
}

/// How many open requests the dashboard lists (the oldest; approving one shows the next).
pub const PENDING_SHOWN: u64 = 25;

/// "Approve": sends the client a new link (as "Resend invite" would) and closes the request.
pub async fn approve(portico: &Portico, staff: &Staff, id: i64, ip: Option<String>) -> Result<()> {
    let txn = portico.begin().await?;
    let request = link_request::Entity::find_by_id(id)
        .filter(link_request::Column::OrgId.eq(staff.org_id.0))
        .one(&txn)
        .await?
        .ok_or(Error::NotFound)?;
    if request.resolved_at.is_some() {
        return Err(Error::Conflict("This request was already handled.".into()));
    }
    invitations::resend_in(&txn, portico, staff, InvitationId(request.invitation_id), ip).await?;
    let mut active: link_request::ActiveModel = request.into();
    active.resolved_at = Set(Some(now()));
    active.resolved_by = Set(Some(staff.user_id.0));
    active.update(&txn).await?;
    txn.commit().await?;
    portico.outbox_wakeup.ring();
    Ok(())
}
