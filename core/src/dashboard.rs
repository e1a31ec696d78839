//! The staff home: the client portal URL, Invited vs Joined, and the latest invitations.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    Portico, Result,
    accounts::Staff,
    entities::{client, invitation, project},
    invitations::status_of,
    model::{Dashboard, RecentInvitation},
    now,
};

pub fn portal_url(portico: &Portico, org_slug: &str) -> String {
    portico.link(&format!("/p/{org_slug}"))
}

pub async fn dashboard(portico: &Portico, staff: &Staff) -> Result<Dashboard> {
    let org = staff.org_id.0;
    // Invited: clients who were ever sent an invitation. Joined: clients who accepted one.
    let invited = invitation::Entity::find()
        .select_only()
        .column(invitation::Column::ClientId)
        .distinct()
        .filter(invitation::Column::OrgId.eq(org))
        .into_tuple::<i64>()
        .all(&portico.db)
        .await?
        .len() as u64;
    let joined = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::FirstAcceptedAt.is_not_null())
        .count(&portico.db)
        .await?;
    let latest = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(org))
        .order_by_desc(invitation::Column::LastSentAt)
        .limit(10)
        .all(&portico.db)
        .await?;
    let client_ids: Vec<i64> = latest.iter().map(|i| i.client_id).collect();
    let project_ids: Vec<i64> = latest.iter().filter_map(|i| i.project_id).collect();
    let clients: HashMap<i64, client::Model> = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::Id.is_in(client_ids))
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let projects: HashMap<i64, String> = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .filter(project::Column::Id.is_in(project_ids))
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let at = now();
    let recent = latest
        .into_iter()
        .filter_map(|inv| {
            let c = clients.get(&inv.client_id)?;
            Some(RecentInvitation {
                invitation_id: inv.id,
                client_name: c.name.clone(),
                client_email: c.email.clone(),
                project_id: inv.project_id,
                project_name: inv.project_id.and_then(|p| projects.get(&p).cloned()),
                status: status_of(&inv, c, at),
                sent_at: inv.last_sent_at,
            })
        })
        .collect();
    Ok(Dashboard { portal_url: portal_url(portico, &staff.org_slug), invited, joined, recent })
}
