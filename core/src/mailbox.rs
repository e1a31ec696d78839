//! The Mailbox: every message Portico sent or captured, with its delivery status.
//! Owners and admins only: messages carry sign-in links.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr};

use crate::{
    Error, Portico, Result,
    accounts::Staff,
    audit,
    entities::{invitation, outbox_message},
    invitations::state,
    model::{Delivery, MailboxItem, MailboxMessage, MailboxPage, Retry},
    now,
    outbox::{self, Topic, status},
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
                delivery: delivery(&m),
                id: m.id,
                recipient: m.recipient,
                subject: m.subject,
                topic: m.topic,
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
    // Only a failed message is asked whether a retry could help (that may read its invitation).
    let retry = if m.status != status::FAILED {
        Retry::NotNeeded
    } else {
        match retry_refusal(portico, &m).await? {
            None => Retry::Allowed,
            Some(why) => Retry::Refused(why),
        }
    };
    // Sealed at rest; opened only for the owners and admins who read the Mailbox.
    let unseal = |body: &str| portico.key.unseal(body).unwrap_or_default();
    Ok(MailboxMessage {
        delivery: delivery(&m),
        retry,
        body_text: unseal(&m.body_text),
        body_html: unseal(&m.body_html),
        content_removed: m.purged_at.is_some(),
        id: m.id,
        recipient: m.recipient,
        from_name: m.from_name,
        subject: m.subject,
        topic: m.topic,
        attempts: m.attempts,
        last_error: m.last_error,
        message_id: m.message_id,
        created_at: m.created_at,
        sent_at: m.sent_at,
    })
}

fn delivery(m: &outbox_message::Model) -> Delivery {
    match m.status.as_str() {
        status::SENT => Delivery::Sent,
        status::CAPTURED => Delivery::Captured,
        status::FAILED => Delivery::Failed,
        _ if m.attempts > 0 && m.last_error.is_some() => {
            Delivery::Retrying { attempts: m.attempts, of: outbox::MAX_ATTEMPTS, next_at: m.next_attempt_at }
        }
        _ => Delivery::Queued,
    }
}

/// Why sending a failed message again would not help, if it would not: its content is gone,
/// what it carries expires within minutes, or a newer email or the invitation's state made its
/// link useless.
async fn retry_refusal(portico: &Portico, m: &outbox_message::Model) -> Result<Option<String>> {
    if m.purged_at.is_some() {
        return Ok(Some("Its content was removed after the retention period.".into()));
    }
    let topic = Topic::from_key(&m.topic);
    if topic.is_some_and(Topic::is_short_lived) {
        return Ok(Some("It carried a code or link that expires within minutes: ask for a new one instead.".into()));
    }
    let Some(invitation_id) = m.invitation_id.filter(|_| topic == Some(Topic::Invitation)) else {
        return Ok(None);
    };
    let invitation = invitation::Entity::find_by_id(invitation_id)
        .filter(invitation::Column::OrgId.eq(m.org_id))
        .one(&portico.db)
        .await?;
    let Some(invitation) = invitation.filter(|i| i.status == state::PENDING && i.expires_at > now()) else {
        return Ok(Some("The invitation is no longer pending, so its link would not work.".into()));
    };
    let latest: Option<i64> = outbox_message::Entity::find()
        .select_only()
        .column(outbox_message::Column::Id)
        .filter(outbox_message::Column::OrgId.eq(m.org_id))
        .filter(outbox_message::Column::InvitationId.eq(invitation.id))
        .filter(outbox_message::Column::Topic.eq(Topic::Invitation.key()))
        .order_by_desc(outbox_message::Column::Id)
        .into_tuple()
        .one(&portico.db)
        .await?;
    Ok((latest != Some(m.id)).then(|| "A newer invitation email was sent since; its link replaced this one's.".into()))
}

/// "Retry": queues a failed message to be sent again exactly as it was (same content and
/// Message-ID), with a fresh count of attempts, when sending it again can help.
pub async fn retry(portico: &Portico, staff: &Staff, id: i64, ip: Option<String>) -> Result<()> {
    staff.require_manager()?;
    let m = outbox_message::Entity::find_by_id(id)
        .filter(outbox_message::Column::OrgId.eq(staff.org_id.0))
        .one(&portico.db)
        .await?
        .ok_or(Error::NotFound)?;
    if m.status != status::FAILED {
        return Err(Error::Conflict("Only a failed message can be sent again.".into()));
    }
    if let Some(why) = retry_refusal(portico, &m).await? {
        return Err(Error::Conflict(format!("This message cannot be sent again. {why}")));
    }
    let txn = portico.begin().await?;
    // Fenced on the state it was read in: two clicks (or two tabs) queue it once.
    let queued = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::Status, Expr::value(status::QUEUED))
        .col_expr(outbox_message::Column::Attempts, Expr::value(0))
        .col_expr(outbox_message::Column::NextAttemptAt, Expr::value(now()))
        .filter(outbox_message::Column::Id.eq(m.id))
        .filter(outbox_message::Column::Status.eq(status::FAILED))
        .exec(&*txn)
        .await?;
    if queued.rows_affected == 0 {
        return Ok(());
    }
    if let Some(invitation_id) = m.invitation_id {
        audit::record(
            &txn,
            audit::Event {
                org_id: m.org_id,
                actor: audit::Actor::Staff(staff.user_id.0),
                subject_kind: "invitation",
                subject_id: invitation_id,
                event: "email.retried",
                detail: format!("Sent the failed email to {} again from the Mailbox", m.recipient),
                ip,
            },
        )
        .await?;
    }
    txn.commit().await?;
    portico.outbox_wakeup.ring();
    Ok(())
}
