//! How a project is billed (a fixed fee, or the hours staff spend) and, for projects billed by
//! the hour, each client's rate on it, kept in minor units (cents) so sums are exact.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::t;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000007_billing"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(t("projects"))
                    .add_column(string_len(t("billing"), 20).default("fixed_fee").to_owned())
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter().table(t("project_clients")).add_column(big_integer_null(t("rate_cents"))).to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(t("project_clients")).drop_column(t("rate_cents")).to_owned()).await?;
        manager.alter_table(Table::alter().table(t("projects")).drop_column(t("billing")).to_owned()).await?;
        Ok(())
    }
}
