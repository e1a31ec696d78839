//! The Mailbox: every message Portico sent or captured, with its delivery status.
//! Owners and admins only: messages carry sign-in links.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    entities::outbox_message,
    model::{MailboxItem, MailboxMessage},
};

pub async fn list(portico: &Portico, staff: &Staff) -> Result<Vec<MailboxItem>> {
    staff.require_manager()?;
    Ok(outbox_message::Entity::find()
        .filter(outbox_message::Column::OrgId.eq(staff.org_id.0))
        .order_by_desc(outbox_message::Column::Id)
        .limit(200)
        .all(&portico.db)
        .await?
        .into_iter()
        .map(|m| MailboxItem {
            id: m.id,
            recipient: m.recipient,
            subject: m.subject,
            topic: m.topic,
            status: m.status,
            created_at: m.created_at,
        })
        .collect())
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
