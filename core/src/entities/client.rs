//! Table `clients`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub customer_id: Option<i64>,
    pub name: String,
    pub email: String,
    pub phone: Option<String>,
    pub created_at: DateTimeUtc,
    pub first_accepted_at: Option<DateTimeUtc>,
    pub last_sign_in_at: Option<DateTimeUtc>,
    pub deactivated_at: Option<DateTimeUtc>,
    /// Only when the organization lets clients set a password on activation (argon2id).
    pub password_hash: Option<String>,
    /// Maintained (`access::refresh`): `policy::standing` as an `AccessStatus::key` (`None`
    /// until first counted) and, while Invited, when their last acceptable invitation runs out.
    pub standing: Option<String>,
    pub standing_until: Option<DateTimeUtc>,
    /// The staff member who looks after this client (shown on the Clients page).
    pub assigned_staff_id: Option<i64>,
    /// Their client profile (what they may see and do in the portal); none: the default one.
    pub profile_id: Option<i64>,
    /// Raised by every edit: a save made from an older version is refused, not applied.
    pub version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// Read with it for every signed-in request (`sessions::resolve`): one statement, not two.
    #[sea_orm(
        belongs_to = "super::organization::Entity",
        from = "Column::OrgId",
        to = "super::organization::Column::Id"
    )]
    Organization,
}

impl Related<super::organization::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organization.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
