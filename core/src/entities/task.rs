//! Table `tasks`: something a project's client is asked to do.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub project_id: i64,
    pub title: String,
    pub description: String,
    pub due_on: Option<Date>,
    /// The client it is assigned to; none: every client of the project sees it.
    pub assignee_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
    pub completed_by: Option<i64>,
    pub completion_comment: Option<String>,
    /// The file the client completed it with, if any: its name as uploaded (cleaned), the kind
    /// found in its content, its size. The bytes are in the data folder, named by the task's id.
    pub completion_file_name: Option<String>,
    pub completion_file_type: Option<String>,
    pub completion_file_size: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
