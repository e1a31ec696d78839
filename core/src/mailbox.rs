//! The Mailbox: every message Portico sent or captured, with its delivery status.
//! Owners and admins only: messages carry sign-in links.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    entities::outbox_message,
    model::{MailboxItem, MailboxMessage, MailboxPage},
    paging::{Cursor, Order, PageSize, Search, keyset, window},
};

/// The cursor scope of the Mailbox.
pub const LIST: &str = "mailbox";

/// A page of the Mailbox, newest first, optionally only messages whose recipient or subject
/// contain `q`; `cursor` is a sealed page cursor (empty: the first page).
pub async fn list(portico: &Portico, staff: &Staff, q: &str, cursor: &str) -> Result<MailboxPage> {
    staff.require_manager()?;
    let org = staff.org_id.0;
    let mut errors = crate::error::FormErrors::default();
    let search = errors.check(Search::parse(q));
    let cursor = errors.check(Cursor::open(&portico.key, org, LIST, cursor));
    errors.finish()?;
    let (Some(search), Some(cursor)) = (search, cursor) else {
        return Err(Error::internal("mailbox query", "a part without a value passed"));
    };
    let mut select = outbox_message::Entity::find().filter(outbox_message::Column::OrgId.eq(org));
    if let Some(search) = &search {
        select = select.filter(search.in_any([outbox_message::Column::Recipient, outbox_message::Column::Subject]));
    }
    let size = PageSize::default();
    let fetched = keyset(select, outbox_message::Column::Id, cursor, Order::Descending, size).all(&portico.db).await?;
    let page = window(fetched, size, cursor, |m| m.id, |c| c.seal(&portico.key, org, LIST));
    Ok(MailboxPage {
        rows: page
            .rows
            .into_iter()
            .map(|m| MailboxItem {
                id: m.id,
                recipient: m.recipient,
                subject: m.subject,
                topic: m.topic,
                status: m.status,
                created_at: m.created_at,
            })
            .collect(),
        next: page.next,
        prev: page.prev,
    })
}

pub async fn message(portico: &Portico, staff: &Staff, id: i64) -> Result<MailboxMessage> {
    staff.require_manager()?;
    let m = outbox_message::Entity::find_by_id(id)
        .filter(outbox_message::Column::OrgId.eq(staff.org_id.0))
        .one(&portico.db)
        .await?
        .ok_or(Error::NotFound)?;
    // Sealed at rest; opened only for the owners and admins who read the Mailbox.
    let unseal = |body: &str| portico.key.unseal(body).unwrap_or_default();
    Ok(MailboxMessage {
        body_text: unseal(&m.body_text),
        body_html: unseal(&m.body_html),
        content_removed: m.purged_at.is_some(),
        id: m.id,
        recipient: m.recipient,
        from_name: m.from_name,
        subject: m.subject,
        topic: m.topic,
        status: m.status,
        attempts: m.attempts,
        last_error: m.last_error,
        message_id: m.message_id,
        created_at: m.created_at,
        sent_at: m.sent_at,
    })
}
