//! The staff home: the client portal URL, Invited vs Joined, the clients and the latest invitations.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    Portico, Result,
    accounts::Staff,
    entities::{client, invitation, project, project_client},
    invitations::status_of,
    link_requests,
    model::{AccessStatus, ClientRow, Dashboard, RecentInvitation, status_note},
    now,
    paging::{Cursor, Order, Page, PageSize, keyset},
};

pub fn portal_url(portico: &Portico, org_slug: &str) -> String {
    portico.link(&format!("/p/{org_slug}"))
}

/// The dashboard: counts from the maintained counters, the latest invitations, a page of
/// clients and the open link requests — a fixed number of statements whatever the size of
/// the organization.
pub async fn dashboard(portico: &Portico, staff: &Staff, cursor: &str) -> Result<Dashboard> {
    let org = staff.org_id.0;
    let cursor = Cursor::open(&portico.key, org, CLIENT_LIST, cursor)?;
    let db = &portico.db;
    let counts = crate::access::counts(db, org, crate::access::ORGANIZATION).await?;
    let count = |s: AccessStatus| counts.get(&s).copied().unwrap_or(0);
    let (invited, joined) = (count(AccessStatus::Invited), count(AccessStatus::Active));
    let latest = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(org))
        .order_by_desc(invitation::Column::LastSentAt)
        .limit(10)
        .all(db)
        .await?;
    let clients: HashMap<i64, client::Model> = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::Id.is_in(latest.iter().map(|i| i.client_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let projects: HashMap<i64, String> = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .filter(project::Column::Id.is_in(latest.iter().filter_map(|i| i.project_id)))
        .all(db)
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
    let page = client_page(portico, staff, cursor).await?;
    Ok(Dashboard {
        portal_url: portal_url(portico, &staff.org_slug),
        invited,
        joined,
        other: counts.values().sum::<u64>().saturating_sub(invited + joined),
        recent,
        clients: page.rows,
        next: page.next,
        prev: page.prev,
        link_requests: link_requests::pending(portico, staff).await?,
    })
}

/// The cursor scope of the dashboard's client list.
pub const CLIENT_LIST: &str = "dashboard-clients";

/// Clients on the dashboard, a page at a time in the order they were added: each with their
/// standing (maintained) and their projects (one read for the page).
pub async fn client_page(portico: &Portico, staff: &Staff, cursor: Option<Cursor>) -> Result<Page<ClientRow>> {
    let org = staff.org_id.0;
    let db = &portico.db;
    let size = PageSize::default();
    let select = client::Entity::find().filter(client::Column::OrgId.eq(org));
    let fetched = keyset(select, client::Column::Id, cursor, Order::Ascending, size).all(db).await?;
    let page = crate::paging::window(fetched, size, cursor, |c| c.id, |c| c.seal(&portico.key, org, CLIENT_LIST));
    let ids: Vec<i64> = page.rows.iter().map(|c| c.id).collect();
    let links = project_client::Entity::find()
        .filter(project_client::Column::OrgId.eq(org))
        .filter(project_client::Column::ClientId.is_in(ids))
        .order_by_asc(project_client::Column::Id)
        .all(db)
        .await?;
    let project_names: HashMap<i64, String> = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .filter(project::Column::Id.is_in(links.iter().map(|l| l.project_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let mut links_of: HashMap<i64, Vec<project_client::Model>> = HashMap::new();
    for l in links {
        links_of.entry(l.client_id).or_default().push(l);
    }
    let at = now();
    let rows = page
        .rows
        .into_iter()
        .map(|c| {
            let links = links_of.remove(&c.id).unwrap_or_default();
            let status = crate::access::standing_now(&c, at);
            ClientRow {
                note: status_note(
                    status,
                    links.iter().filter_map(|l| l.last_sent_at).max(),
                    links.iter().filter_map(|l| l.expires_at).max(),
                    c.last_sign_in_at,
                    at,
                ),
                projects: links.iter().filter_map(|l| project_names.get(&l.project_id).cloned()).collect(),
                client_id: c.id,
                name: c.name,
                email: c.email,
                status,
            }
        })
        .collect();
    Ok(Page { rows, next: page.next, prev: page.prev })
}
