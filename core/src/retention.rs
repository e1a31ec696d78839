//! Records that only matter for a while — one-time codes, sign-in links, sessions, staff
//! password reset links, the bodies of delivered mail — are deleted (bodies blanked) once they
//! are over and the retention period has passed, a small batch per table at a time, by the
//! background worker. The audit trail stays: it says what happened without the secrets.

use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr};

use crate::{
    Portico, Result,
    entities::{one_time_code, outbox_message, session, sign_in_link, staff_password_reset},
    now,
    outbox::status,
};

/// How long ended records are kept (`PORTICO_RETENTION_DAYS`, 30 by default: long enough to
/// answer "why could this client not sign in last week?").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    days: u16,
}

impl Retention {
    pub const DEFAULT_DAYS: u16 = 30;

    pub fn days(days: u16) -> std::result::Result<Self, String> {
        match days {
            1..=3650 => Ok(Self { days }),
            _ => Err(format!("PORTICO_RETENTION_DAYS must be between 1 and 3650, not {days}")),
        }
    }

    fn cutoff(self) -> chrono::DateTime<chrono::Utc> {
        now() - Duration::days(self.days.into())
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self { days: Self::DEFAULT_DAYS }
    }
}

/// What one pass removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub codes: u64,
    pub links: u64,
    pub sessions: u64,
    pub resets: u64,
    pub bodies: u64,
}

impl Purged {
    pub fn total(&self) -> u64 {
        self.codes + self.links + self.sessions + self.resets + self.bodies
    }
}

/// One pass: at most `batch` rows of each kind, each kind in its own short statement (a
/// delete of the ids a bounded select found), so writers never wait long behind it.
pub async fn purge(portico: &Portico, retention: Retention, batch: u64) -> Result<Purged> {
    let db = &portico.db;
    let cutoff = retention.cutoff();
    let codes: Vec<i64> = one_time_code::Entity::find()
        .select_only()
        .column(one_time_code::Column::Id)
        .filter(one_time_code::Column::ExpiresAt.lt(cutoff))
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    let codes = one_time_code::Entity::delete_many().filter(one_time_code::Column::Id.is_in(codes)).exec(db).await?;
    let links: Vec<i64> = sign_in_link::Entity::find()
        .select_only()
        .column(sign_in_link::Column::Id)
        .filter(sign_in_link::Column::ExpiresAt.lt(cutoff))
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    let links = sign_in_link::Entity::delete_many().filter(sign_in_link::Column::Id.is_in(links)).exec(db).await?;
    // Ended: past its absolute expiry, or unseen for longer than any idle timeout allows.
    let sessions: Vec<i64> = session::Entity::find()
        .select_only()
        .column(session::Column::Id)
        .filter(session::Column::ExpiresAt.lt(cutoff))
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    let idle: Vec<i64> = session::Entity::find()
        .select_only()
        .column(session::Column::Id)
        .filter(session::Column::LastSeenAt.lt(cutoff))
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    let sessions = session::Entity::delete_many()
        .filter(session::Column::Id.is_in(sessions.into_iter().chain(idle)))
        .exec(db)
        .await?;
    let resets: Vec<i64> = staff_password_reset::Entity::find()
        .select_only()
        .column(staff_password_reset::Column::Id)
        .filter(staff_password_reset::Column::ExpiresAt.lt(cutoff))
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    let resets = staff_password_reset::Entity::delete_many()
        .filter(staff_password_reset::Column::Id.is_in(resets))
        .exec(db)
        .await?;
    // Delivered (or finally failed) mail keeps its row — subject, recipient, status, for the
    // Mailbox and the timeline — and loses its body.
    let bodies: Vec<i64> = outbox_message::Entity::find()
        .select_only()
        .column(outbox_message::Column::Id)
        .filter(outbox_message::Column::PurgedAt.is_null())
        .filter(outbox_message::Column::CreatedAt.lt(cutoff))
        .filter(outbox_message::Column::Status.is_in([status::SENT, status::CAPTURED, status::FAILED]))
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    let bodies = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::BodyText, Expr::value(""))
        .col_expr(outbox_message::Column::BodyHtml, Expr::value(""))
        .col_expr(outbox_message::Column::PurgedAt, Expr::value(now()))
        .filter(outbox_message::Column::Id.is_in(bodies))
        .exec(db)
        .await?;
    Ok(Purged {
        codes: codes.rows_affected,
        links: links.rows_affected,
        sessions: sessions.rows_affected,
        resets: resets.rows_affected,
        bodies: bodies.rows_affected,
    })
}
