//! Table `invoices`: an invoice of a project; its PDF is in the data folder, named by id.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub project_id: i64,
    /// As staff typed it ("INV-2027-004").
    pub number: String,
    /// `number` lowercased: unique in the organization.
    pub number_key: String,
    /// In the currency's minor unit: cents for EUR, yen for JPY.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    pub due_on: Date,
    /// `InvoiceStatus::key`.
    pub status: String,
    /// The PDF's name as uploaded, cleaned: offered when downloading, never used to find it.
    pub pdf_name: String,
    pub pdf_size: i64,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
