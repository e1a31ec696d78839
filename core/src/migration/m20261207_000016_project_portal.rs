//! A client's place in a project learns two things, so they live and end with it:
//! - `permissions`: staff's customisation of the client's permissions there ("Customize
//!   permissions for this user"); NULL: the client's profile applies;
//! - `seen_at`: when the client last opened the project in the portal, for what is new since;
//!   NULL: never.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{t, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000016_project_portal"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(t("project_clients"))
                    .add_column(string_len_null(t("permissions"), 200))
                    .to_owned(),
            )
            .await?;
        manager.alter_table(Table::alter().table(t("project_clients")).add_column(ts_null("seen_at")).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(t("project_clients")).drop_column(t("seen_at")).to_owned()).await?;
        manager.alter_table(Table::alter().table(t("project_clients")).drop_column(t("permissions")).to_owned()).await
    }
}
