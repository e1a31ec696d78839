//! Table `invitations`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub client_id: i64,
    pub project_id: Option<i64>,
    pub invited_by: i64,
    /// SHA-256 of the link token; links are looked up by it.
    pub token_hash: String,
    /// Random salt the link token is derived from with the server key, so "Resend invite"
    /// can send the very same link without the database ever holding it.
    pub link_salt: String,
    pub email: String,
    pub status: String,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub last_sent_at: DateTimeUtc,
    pub send_count: i32,
    pub accepted_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub failed_attempts: i32,
    pub locked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
