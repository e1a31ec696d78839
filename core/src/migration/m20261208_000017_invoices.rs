//! Invoices: what a project's clients owe, with the PDF staff made elsewhere. The PDF is kept in
//! the data folder under `invoices/<org>/<id>` (never under a name anyone chose). Numbers are
//! unique in an organization whatever their case, by a unique index on `number_key` (the number
//! lowercased), so two staff adding the same number at the same moment cannot both succeed.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{fk, index, t, tenant_table, ts, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000017_invoices"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("invoices")
                    .col(big_integer(t("project_id")))
                    .col(string_len(t("number"), 40))
                    // Wider than the number: lowercasing can lengthen a string ("İ" → "i̇").
                    .col(string_len(t("number_key"), 160))
                    // In the currency's minor unit (cents), never a float.
                    .col(big_integer(t("amount_minor")))
                    .col(string_len(t("currency"), 3))
                    .col(date(t("due_on")))
                    .col(string_len(t("status"), 10))
                    .col(string_len(t("pdf_name"), 255))
                    .col(big_integer(t("pdf_size")))
                    .col(big_integer_null(t("created_by")))
                    .col(ts("created_at"))
                    .col(ts_null("sent_at"))
                    .col(ts_null("paid_at"))
                    .foreign_key(&mut fk("invoices", "project_id", "projects", ForeignKeyAction::Cascade))
                    .foreign_key(&mut fk("invoices", "created_by", "staff_users", ForeignKeyAction::SetNull))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("invoices", "ux_invoices_number", &["org_id", "number_key"], true)).await?;
        // A project's invoices, newest first.
        manager.create_index(index("invoices", "ix_invoices_project", &["org_id", "project_id", "id"], false)).await?;
        // Deleting a staff member sets this to null through it.
        manager.create_index(index("invoices", "ix_invoices_created_by", &["created_by"], false)).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(t("invoices")).to_owned()).await?;
        Ok(())
    }
}
