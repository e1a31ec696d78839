//! The staff home: the client portal URL, Invited vs Joined, and the latest invitations.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    Portico, Result,
    accounts::Staff,
    entities::{client, invitation, project, project_client},
    invitations::{state, status_of},
    link_requests,
    model::{AccessStatus, ClientRow, Dashboard, RecentInvitation, status_note},
    now,
};

pub fn portal_url(portico: &Portico, org_slug: &str) -> String {
    portico.link(&format!("/p/{org_slug}"))
}

pub async fn dashboard(portico: &Portico, staff: &Staff) -> Result<Dashboard> {
    let org = staff.org_id.0;
    let (client_list, counts) = client_rows(portico, staff).await?;
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
    Ok(Dashboard {
        portal_url: portal_url(portico, &staff.org_slug),
        invited: counts.invited,
        joined: counts.joined,
        other: counts.other,
        recent,
        clients: client_list,
        link_requests: link_requests::pending(portico, staff).await?,
    })
}

/// The dashboard's client list: everyone the organization has, with one status each (Active
/// once any invitation was accepted, otherwise their latest invitation's) and their projects.
/// Clients by the badge they show: Invited (waiting to accept), Joined (Active), and every
/// other badge; the three add up to the number of clients.
#[derive(Default)]
pub struct Counts {
    pub invited: u64,
    pub joined: u64,
    pub other: u64,
}

/// The first 500 rows, and the counts over every client.
pub async fn client_rows(portico: &Portico, staff: &Staff) -> Result<(Vec<ClientRow>, Counts)> {
    let org = staff.org_id.0;
    let clients = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .order_by_asc(client::Column::Name)
        .all(&portico.db)
        .await?;
    let mut latest: HashMap<i64, invitation::Model> = HashMap::new();
    let mut all_of: HashMap<i64, Vec<invitation::Model>> = HashMap::new();
    for inv in invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(org))
        .order_by_asc(invitation::Column::Id)
        .all(&portico.db)
        .await?
    {
        all_of.entry(inv.client_id).or_default().push(inv.clone());
        let keep = latest.get(&inv.client_id).is_some_and(|l| l.status == state::ACCEPTED);
        if !keep {
            latest.insert(inv.client_id, inv);
        }
    }
    let project_names: HashMap<i64, String> = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut projects_of: HashMap<i64, Vec<String>> = HashMap::new();
    for pc in project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org))
        .order_by_asc(project_client::Column::Id)
        .all(&portico.db)
        .await?
    {
        if let Some(name) = project_names.get(&pc.project_id) {
            projects_of.entry(pc.client_id).or_default().push(name.clone());
        }
    }
    let at = now();
    let mut counts = Counts::default();
    let rows = clients
        .into_iter()
        .map(|c| {
            let inv = latest.get(&c.id);
            let status = crate::policy::standing(all_of.get(&c.id).map_or(&[][..], Vec::as_slice), &c, at);
            match status {
                AccessStatus::Invited => counts.invited += 1,
                AccessStatus::Active => counts.joined += 1,
                _ => counts.other += 1,
            }
            ClientRow {
                note: status_note(
                    status,
                    inv.map(|i| i.last_sent_at),
                    inv.map(|i| i.expires_at),
                    c.last_sign_in_at,
                    at,
                ),
                projects: projects_of.remove(&c.id).unwrap_or_default(),
                client_id: c.id,
                name: c.name,
                email: c.email,
                status,
            }
        })
        .take(500)
        .collect();
    Ok((rows, counts))
}
