//! The staff home: the client portal URL, Invited vs Joined, the clients and the latest invitations.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    Portico, Result,
    accounts::Staff,
    entities::{client, invitation, project},
    invitations::status_of,
    link_requests,
    model::{AccessStatus, Dashboard, NameList, RecentInvitation},
    names, now,
    paging::{Cursor, Page},
};

pub fn portal_url(portico: &Portico, org_slug: &str) -> String {
    portico.link(&format!("/p/{org_slug}"))
}

/// The dashboard: counts from the maintained counters, the latest invitations, a page of
/// clients and the open link requests — a fixed number of statements whatever the size of
/// the organization.
/// `customer_name` is the words in the Customer box, when sent (`names::settle`).
pub async fn dashboard(
    portico: &Portico,
    staff: &Staff,
    [cursor, customer]: [&str; 2],
    customer_name: Option<&str>,
) -> Result<Dashboard> {
    let org = staff.org_id.0;
    let cursor = Cursor::open(&portico.key, org, CLIENT_LIST, cursor)?;
    let db = &portico.db;
    // Another organization's customer id is unknown here, and matches none of the clients.
    let customer = crate::customers::parse_id(customer)?;
    let customer = names::settle(db, org, NameList::Customers, customer, customer_name).await?;
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
    let page = if customer.unknown {
        Page::empty()
    } else {
        crate::clients::page_of(
            portico,
            staff,
            &crate::clients::ClientQuery::oldest_first(cursor, customer.id),
            crate::clients::Found::Many,
        )
        .await?
    };
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
        has_customers: names::any(db, org, NameList::Customers).await?,
        customer,
    })
}

/// The cursor scope of the dashboard's client list (the Clients page's, oldest first).
pub const CLIENT_LIST: &str = "clients:oldest";
