//! Table `form_requests`: a form sent to a client in a project, and their answers.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "form_requests")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub form_id: i64,
    pub project_id: i64,
    pub client_id: i64,
    /// The invitation it was sent with: the client is taken to it when they accept.
    pub invitation_id: Option<i64>,
    pub sent_by: Option<i64>,
    /// The form's name and fields (JSON) as asked.
    pub form_name: String,
    pub fields: String,
    /// JSON `[[field id, [values]]]` once answered.
    pub answers: Option<String>,
    /// What the client typed when their send was refused, in the same shape.
    pub draft: Option<String>,
    pub sent_at: DateTimeUtc,
    pub answered_at: Option<DateTimeUtc>,
    pub skipped_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
