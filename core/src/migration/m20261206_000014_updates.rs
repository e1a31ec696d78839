//! Project updates: news staff post to a project (Markdown, rendered safely when shown), read by
//! the project's clients in the portal, newest first. `email_job_id` is the job that emailed it
//! to the project's clients, when staff asked for that.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{fk, index, t, tenant_table, ts};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000014_updates"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("project_updates")
                    .col(big_integer(t("project_id")))
                    .col(text(t("body")))
                    .col(big_integer_null(t("posted_by")))
                    .col(ts("posted_at"))
                    .col(big_integer_null(t("email_job_id")))
                    .foreign_key(&mut fk("project_updates", "project_id", "projects", ForeignKeyAction::Cascade))
                    .foreign_key(&mut fk("project_updates", "posted_by", "staff_users", ForeignKeyAction::SetNull))
                    .foreign_key(&mut fk("project_updates", "email_job_id", "jobs", ForeignKeyAction::SetNull))
                    .to_owned(),
            )
            .await?;
        // A project's feed, newest first; the portal home reads the feeds of a client's projects.
        manager
            .create_index(index(
                "project_updates",
                "ix_project_updates_project",
                &["org_id", "project_id", "id"],
                false,
            ))
            .await?;
        // Deleting a staff member or a job sets these to null through them.
        manager.create_index(index("project_updates", "ix_project_updates_posted_by", &["posted_by"], false)).await?;
        manager.create_index(index("project_updates", "ix_project_updates_job", &["email_job_id"], false)).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(t("project_updates")).to_owned()).await?;
        Ok(())
    }
}
