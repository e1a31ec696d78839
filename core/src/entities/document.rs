//! Table `documents`: files uploaded to a project; the bytes are in the data folder, named by id.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "documents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub project_id: i64,
    /// The file's name as uploaded, cleaned (`documents::FileName`): shown and offered when
    /// downloading, never used to find the file.
    pub name: String,
    /// Found in the content when it was uploaded, not taken from the name or the browser.
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by_staff: Option<i64>,
    pub uploaded_by_client: Option<i64>,
    pub uploaded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
