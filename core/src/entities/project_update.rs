//! Table `project_updates`: news staff post to a project, in Markdown.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_updates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub project_id: i64,
    /// Markdown as staff wrote it; rendered (raw HTML shown as text) when shown.
    pub body: String,
    pub posted_by: Option<i64>,
    pub posted_at: DateTimeUtc,
    /// The job that emails it to the project's clients, when staff asked for that.
    pub email_job_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
