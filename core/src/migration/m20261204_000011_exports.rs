//! Exports: a job that prepares a file (a CSV of the organization's clients, or a ZIP of one
//! CSV per project) keeps the file's name under the data folder and until when it may be
//! downloaded.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{t, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261204_000011_exports"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        manager
            .alter_table(Table::alter().table(t("jobs")).add_column(string_len_null(t("file_name"), 100)).to_owned())
            .await?;
        manager.alter_table(Table::alter().table(t("jobs")).add_column(ts_null("file_expires_at")).to_owned()).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["file_expires_at", "file_name"] {
            manager.alter_table(Table::alter().table(t("jobs")).drop_column(t(column)).to_owned()).await?;
        }
        Ok(())
    }
}
