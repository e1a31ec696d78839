//! Table `project_clients`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "project_clients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub project_id: i64,
    pub client_id: i64,
    pub is_primary: bool,
    pub created_at: DateTimeUtc,
    /// Maintained (`access::refresh`): the status its latest invitation gives (an
    /// `AccessStatus::key`; `None` until first counted), that invitation and its times.
    pub access: Option<String>,
    pub invitation_id: Option<i64>,
    pub last_sent_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
    /// The client's rate per hour on a project billed by staff hours, in cents.
    pub rate_cents: Option<i64>,
    /// Staff's customisation of the client's permissions in this project (permission keys,
    /// comma-separated, as a profile stores them); `None`: their client profile applies.
    pub permissions: Option<String>,
    /// When the client last opened the project in the portal (what is new is what came after).
    pub seen_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(belongs_to = "super::client::Entity", from = "Column::ClientId", to = "super::client::Column::Id")]
    Client,
    /// Read with it when a client accepts an invitation to the project: one statement, not two.
    #[sea_orm(belongs_to = "super::project::Entity", from = "Column::ProjectId", to = "super::project::Column::Id")]
    Project,
}

impl Related<super::client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Client.def()
    }
}

impl Related<super::project::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Project.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
