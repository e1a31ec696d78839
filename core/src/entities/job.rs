//! Table `jobs`: a bulk action (later imports and exports) done in chunks (`jobs`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    /// JSON: what the job does (`bulk::Bulk`, `exports::Export`).
    pub params: String,
    pub status: String,
    /// Subjects selected when the job was created, and how many ended each way so far.
    pub total: i64,
    pub done: i64,
    pub skipped: i64,
    pub failed: i64,
    pub created_by: Option<i64>,
    pub idempotency_key: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub lease_owner: Option<String>,
    pub error: Option<String>,
    pub created_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// An export's file, under the data folder's `exports` (named by the job and a random
    /// part), and until when it may be downloaded.
    pub file_name: Option<String>,
    pub file_expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
