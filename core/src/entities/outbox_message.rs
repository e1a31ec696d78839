//! Table `outbox_messages`. `body_text` and `body_html` are sealed with the server key
//! (`ServerKey::seal`): a message may carry a live link or code.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub channel: String,
    pub topic: String,
    /// `urgent` or `bulk` (`outbox::Lane`): which sender claims it.
    pub lane: String,
    pub recipient: String,
    pub from_name: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub message_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    pub lease_owner: Option<String>,
    pub last_error: Option<String>,
    pub invitation_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    /// When the body was blanked (it carried a link or code; `outbox::purge_secret_bodies`).
    pub purged_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
