//! The client portal's first content: client profiles (what clients may see and do) and tasks.
//! Every organization gets a default profile that new clients fall under; a client's
//! `profile_id` is null until another profile is chosen for them. A task belongs to a project
//! and is assigned to one client or to nobody (then every client of the project sees it).
//! `clients.profile_id` has no foreign key: a profile that is gone means the default one
//! (`permissions::effective`).

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{fk, index, t, tenant_table, ts, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_000013_tasks"
    }
}

/// The permissions of a default profile, as `permissions::Permissions` stores them.
const DEFAULT_PERMISSIONS: &str =
    "view_tasks,complete_tasks,view_documents,upload_documents,view_updates,view_invoices,submit_forms";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                tenant_table("client_profiles")
                    .col(string_len(t("name"), 100))
                    .col(text(t("permissions")))
                    .col(boolean(t("is_default")).default(false))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("client_profiles", "ux_client_profiles_name", &["org_id", "name"], true)).await?;
        // One default profile per organization (partial: PostgreSQL and SQLite alike).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_client_profiles_default ON client_profiles (org_id) WHERE is_default",
            )
            .await?;
        manager
            .alter_table(Table::alter().table(t("clients")).add_column(big_integer_null(t("profile_id"))).to_owned())
            .await?;
        // Every organization that exists already gets its default profile.
        let db = manager.get_connection();
        db.execute_unprepared(&format!(
            "INSERT INTO client_profiles (org_id, name, permissions, is_default, created_at) \
             SELECT id, 'Default', '{DEFAULT_PERMISSIONS}', TRUE, CURRENT_TIMESTAMP FROM organizations"
        ))
        .await?;
        manager
            .create_table(
                tenant_table("tasks")
                    .col(big_integer(t("project_id")))
                    .col(string_len(t("title"), 200))
                    .col(text(t("description")))
                    .col(date_null(t("due_on")))
                    .col(big_integer_null(t("assignee_id")))
                    .col(big_integer_null(t("created_by")))
                    .col(ts("created_at"))
                    .col(ts_null("completed_at"))
                    .col(big_integer_null(t("completed_by")))
                    .col(text_null(t("completion_comment")))
                    .foreign_key(&mut fk("tasks", "project_id", "projects", ForeignKeyAction::Cascade))
                    // A deleted client's tasks go with them: set to null, a private task would
                    // become one "for every client of the project".
                    .foreign_key(&mut fk("tasks", "assignee_id", "clients", ForeignKeyAction::Cascade))
                    .foreign_key(&mut fk("tasks", "created_by", "staff_users", ForeignKeyAction::SetNull))
                    .foreign_key(&mut fk("tasks", "completed_by", "clients", ForeignKeyAction::SetNull))
                    .to_owned(),
            )
            .await?;
        // A project's tasks, newest first (the staff list and the portal page read by project).
        manager.create_index(index("tasks", "ix_tasks_project", &["org_id", "project_id", "id"], false)).await?;
        // Deleting a client or a staff member updates or deletes their tasks through these.
        manager.create_index(index("tasks", "ix_tasks_assignee", &["assignee_id"], false)).await?;
        manager.create_index(index("tasks", "ix_tasks_completed_by", &["completed_by"], false)).await?;
        manager.create_index(index("tasks", "ix_tasks_created_by", &["created_by"], false)).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(t("tasks")).to_owned()).await?;
        manager.alter_table(Table::alter().table(t("clients")).drop_column(t("profile_id")).to_owned()).await?;
        manager.drop_table(Table::drop().table(t("client_profiles")).to_owned()).await?;
        Ok(())
    }
}
