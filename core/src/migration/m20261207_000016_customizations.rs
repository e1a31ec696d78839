//! Per-project customisation of a client's permissions ("Customize permissions for this user"):
//! on the row linking the client to the project, so it lives and ends with their place in it.
//! NULL: the client's profile applies there.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::t;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000016_customizations"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(t("project_clients"))
                    .add_column(string_len_null(t("permissions"), 200))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(t("project_clients")).drop_column(t("permissions")).to_owned()).await
    }
}
