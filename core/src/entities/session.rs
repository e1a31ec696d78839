//! Table `sessions`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub token_hash: String,
    pub org_id: i64,
    pub staff_user_id: Option<i64>,
    pub client_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub ip: Option<String>,
}

/// A session is read with whoever holds it and their organization for every signed-in request
/// (`sessions::resolve`): one statement, not three.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrgId",
        to = "super::organization::Column::Id"
    )]
    Organization,
    #[sea_orm(
        belongs_to = "super::staff_user::Entity",
        from = "Column::StaffUserId",
        to = "super::staff_user::Column::Id"
    )]
    StaffUser,
    #[sea_orm(belongs_to = "super::client::Entity", from = "Column::ClientId", to = "super::client::Column::Id")]
    Client,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl Related<super::staff_user::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::StaffUser.def()
    }
}

impl Related<super::client::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Client.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
