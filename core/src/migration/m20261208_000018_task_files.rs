//! A client completes a task with an optional file (a signed form, a receipt): its name, the
//! kind found in its content and its size are kept on the task; the bytes under
//! `tasks/<org>/<task id>` in the data folder (never under a name anyone chose).

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::t;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000018_task_files"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let tasks = || Table::alter().table(t("tasks")).to_owned();
        manager.alter_table(tasks().add_column(string_len_null(t("completion_file_name"), 255)).to_owned()).await?;
        manager.alter_table(tasks().add_column(string_len_null(t("completion_file_type"), 120)).to_owned()).await?;
        manager.alter_table(tasks().add_column(big_integer_null(t("completion_file_size"))).to_owned()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["completion_file_size", "completion_file_type", "completion_file_name"] {
            manager.alter_table(Table::alter().table(t("tasks")).drop_column(t(column)).to_owned()).await?;
        }
        Ok(())
    }
}
