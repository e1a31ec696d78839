//! Documents: files staff and clients upload to a project. The file itself is kept in the data
//! folder under `documents/<org>/<id>` (never under a name anyone chose); this row says what it
//! is (the kind found in its content), what it was called, and who uploaded it when.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{fk, index, t, tenant_table, ts};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000015_documents"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("documents")
                    .col(big_integer(t("project_id")))
                    .col(string_len(t("name"), 255))
                    .col(string_len(t("content_type"), 120))
                    .col(big_integer(t("size_bytes")))
                    .col(big_integer_null(t("uploaded_by_staff")))
                    .col(big_integer_null(t("uploaded_by_client")))
                    .col(ts("uploaded_at"))
                    .foreign_key(&mut fk("documents", "project_id", "projects", ForeignKeyAction::Cascade))
                    .foreign_key(&mut fk("documents", "uploaded_by_staff", "staff_users", ForeignKeyAction::SetNull))
                    .foreign_key(&mut fk("documents", "uploaded_by_client", "clients", ForeignKeyAction::SetNull))
                    .to_owned(),
            )
            .await?;
        // A project's documents, newest first.
        manager
            .create_index(index("documents", "ix_documents_project", &["org_id", "project_id", "id"], false))
            .await?;
        // Deleting a staff member or a client sets these to null through them.
        manager.create_index(index("documents", "ix_documents_staff", &["uploaded_by_staff"], false)).await?;
        manager.create_index(index("documents", "ix_documents_client", &["uploaded_by_client"], false)).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(t("documents")).to_owned()).await?;
        Ok(())
    }
}
