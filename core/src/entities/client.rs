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

impl Model {
    /// A contact as first written, from a checked name, address and phone: no access state yet
    /// (an import or an invite that creates the contact derives it before the insert:
    /// `access::born_standing`), no sign-ins, the first version. The id is the database's to
    /// give (`into_insert`).
    pub fn new(
        org_id: i64,
        customer_id: Option<i64>,
        name: &crate::domain::Line,
        email: &crate::domain::EmailAddress,
        phone: Option<&crate::domain::PhoneNumber>,
        created_at: DateTimeUtc,
    ) -> Self {
        Model {
            id: 0,
            org_id,
            customer_id,
            name: name.as_str().to_string(),
            email: email.to_string(),
            phone: phone.map(|p| p.as_str().to_string()),
            created_at,
            first_accepted_at: None,
            last_sign_in_at: None,
            deactivated_at: None,
            password_hash: None,
            standing: None,
            standing_until: None,
            assigned_staff_id: None,
            profile_id: None,
            version: 1,
        }
    }

    /// The insert of a contact made with `new`: every column as given but the id.
    pub fn into_insert(self) -> ActiveModel {
        use sea_orm::IntoActiveModel as _;
        ActiveModel { id: sea_orm::ActiveValue::NotSet, ..self.into_active_model().reset_all() }
    }
}
