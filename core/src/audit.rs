//! The audit trail: one row per thing that happened, written in the same transaction as it.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

use crate::{Result, batch::Batch, entities::audit_event, now};

/// Who did it.
pub enum Actor {
    Staff(i64),
    Client(i64),
    System,
}

pub struct Event<'a> {
    pub org_id: i64,
    pub actor: Actor,
    pub subject_kind: &'a str,
    pub subject_id: i64,
    pub event: &'a str,
    pub detail: String,
    pub ip: Option<String>,
}

pub async fn record<C: ConnectionTrait>(db: &C, e: Event<'_>) -> Result<()> {
    row(e).insert(db).await?;
    Ok(())
}

/// Many events in one statement (an import chunk's).
pub async fn record_many<C: ConnectionTrait>(db: &C, events: Vec<Event<'_>>) -> Result<()> {
    Batch::write(db, |batch| record_later(batch, events)).await
}

/// `record_many` as part of the caller's batch.
pub fn record_later(batch: &mut Batch, events: Vec<Event<'_>>) {
    if !events.is_empty() {
        batch.add(&audit_event::Entity::insert_many(events.into_iter().map(row)));
    }
}

/// How many times `event` happened to one subject of organization `org_id` since `since` (a
/// rate limit's look back). The tenant comes first, as `ix_audit_subject_event` leads with it:
/// "link opened" once looked without it and read every organization's trail on each link.
pub async fn count_since<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    subject: (&str, i64),
    event: &str,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<u64> {
    Ok(audit_event::Entity::find()
        .filter(audit_event::Column::OrgId.eq(org_id))
        .filter(audit_event::Column::SubjectKind.eq(subject.0))
        .filter(audit_event::Column::SubjectId.eq(subject.1))
        .filter(audit_event::Column::Event.eq(event))
        .filter(audit_event::Column::CreatedAt.gt(since))
        .count(db)
        .await?)
}

fn row(e: Event<'_>) -> audit_event::ActiveModel {
    let (actor_kind, actor_id) = match e.actor {
        Actor::Staff(id) => ("staff", Some(id)),
        Actor::Client(id) => ("client", Some(id)),
        Actor::System => ("system", None),
    };
    audit_event::ActiveModel {
        org_id: Set(e.org_id),
        actor_kind: Set(actor_kind.into()),
        actor_id: Set(actor_id),
        subject_kind: Set(e.subject_kind.into()),
        subject_id: Set(e.subject_id),
        event: Set(e.event.into()),
        detail: Set(e.detail),
        ip: Set(e.ip),
        created_at: Set(now()),
        ..Default::default()
    }
}

/// A staff user's action on something of their own organization.
pub async fn by_staff<C: ConnectionTrait>(
    db: &C,
    staff: &crate::accounts::Staff,
    subject: (&str, i64),
    event: &str,
    detail: String,
    ip: Option<String>,
) -> Result<()> {
    record(
        db,
        Event {
            org_id: staff.org_id.0,
            actor: Actor::Staff(staff.user_id.0),
            subject_kind: subject.0,
            subject_id: subject.1,
            event,
            detail,
            ip,
        },
    )
    .await
}
