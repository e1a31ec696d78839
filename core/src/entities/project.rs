//! Table `projects`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub customer_id: Option<i64>,
    pub name: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    /// A `Billing` key: `fixed_fee` or `staff_hours`.
    pub billing: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
