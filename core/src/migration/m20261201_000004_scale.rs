//! Data at scale: maintained access state on project contacts and clients, the counters the
//! dashboard and lists read, and indexes that lead with `org_id` for every list's shape.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{index, t, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000004_scale"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time. `NULL` means
        // "not counted yet": the server fills these in (`access::check` with repair) on start.
        for column in [
            string_len_null(t("access"), 20),
            big_integer_null(t("invitation_id")),
            ts_null("last_sent_at"),
            ts_null("expires_at"),
        ] {
            manager.alter_table(Table::alter().table(t("project_clients")).add_column(column).to_owned()).await?;
        }
        for column in [string_len_null(t("standing"), 20), ts_null("standing_until")] {
            manager.alter_table(Table::alter().table(t("clients")).add_column(column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(t("access_counts"))
                    .if_not_exists()
                    .col(big_integer(t("org_id")))
                    // 0: the organization's clients by standing; else a project's contacts.
                    .col(big_integer(t("project_id")))
                    .col(string_len(t("access"), 20))
                    .col(big_integer(t("n")))
                    .primary_key(Index::create().col(t("org_id")).col(t("project_id")).col(t("access")))
                    .foreign_key(
                        ForeignKey::create()
                            .from(t("access_counts"), t("org_id"))
                            .to(t("organizations"), t("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (table, name, columns) in [
            // Portal access: a project's contacts in the order they were added, by status.
            ("project_clients", "ix_project_clients_page", &["org_id", "project_id", "id"][..]),
            ("project_clients", "ix_project_clients_status", &["org_id", "project_id", "access", "id"][..]),
            // A page of clients with their projects (the dashboard's client list).
            ("project_clients", "ix_project_clients_client", &["org_id", "client_id"][..]),
            ("clients", "ix_clients_standing_until", &["standing", "standing_until"][..]),
            ("clients", "ix_clients_page", &["org_id", "id"][..]),
            // A client's invitations (standing, latest per project), tenant first.
            ("invitations", "ix_invitations_org_client", &["org_id", "client_id", "id"][..]),
            // Recent invitations on the dashboard.
            ("invitations", "ix_invitations_org_sent", &["org_id", "last_sent_at"][..]),
            // The Mailbox, newest first, and a staff member's notifications.
            ("outbox_messages", "ix_outbox_org_page", &["org_id", "id"][..]),
            ("notifications", "ix_notifications_page", &["org_id", "staff_user_id", "id"][..]),
            // Retention: what ended before the cutoff, a batch at a time.
            ("one_time_codes", "ix_one_time_codes_expiry", &["expires_at"][..]),
            ("sign_in_links", "ix_sign_in_links_expiry", &["expires_at"][..]),
            ("sessions", "ix_sessions_expiry", &["expires_at"][..]),
            ("sessions", "ix_sessions_seen", &["last_seen_at"][..]),
            ("staff_password_resets", "ix_staff_password_resets_expiry", &["expires_at"][..]),
            ("outbox_messages", "ix_outbox_retention", &["purged_at", "created_at"][..]),
            // The resend limit and "link opened" read a subject's recent events.
            (
                "audit_events",
                "ix_audit_subject_event",
                &["org_id", "subject_kind", "subject_id", "event", "created_at"][..],
            ),
        ] {
            manager.create_index(index(table, name, columns, false)).await?;
        }
        // The expiry sweep: only invited rows, by expiry. Partial, so that a project's "Invited"
        // filter (access and a later expiry) is not drawn to it: with (access, expires_at),
        // SQLite without statistics read every organization's invited rows for one project's
        // page (114 ms at 100,000 contacts instead of 9).
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_project_clients_expiry ON project_clients (expires_at) WHERE access = 'invited'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in [
            ("project_clients", "ix_project_clients_page"),
            ("project_clients", "ix_project_clients_status"),
            ("project_clients", "ix_project_clients_expiry"),
            ("project_clients", "ix_project_clients_client"),
            ("clients", "ix_clients_standing_until"),
            ("clients", "ix_clients_page"),
            ("invitations", "ix_invitations_org_client"),
            ("invitations", "ix_invitations_org_sent"),
            ("audit_events", "ix_audit_subject_event"),
            ("outbox_messages", "ix_outbox_org_page"),
            ("notifications", "ix_notifications_page"),
            ("one_time_codes", "ix_one_time_codes_expiry"),
            ("sign_in_links", "ix_sign_in_links_expiry"),
            ("sessions", "ix_sessions_expiry"),
            ("sessions", "ix_sessions_seen"),
            ("staff_password_resets", "ix_staff_password_resets_expiry"),
            ("outbox_messages", "ix_outbox_retention"),
        ] {
            manager.drop_index(Index::drop().name(name).table(t(table)).to_owned()).await?;
        }
        manager.drop_table(Table::drop().table(t("access_counts")).to_owned()).await?;
        for column in ["standing", "standing_until"] {
            manager.alter_table(Table::alter().table(t("clients")).drop_column(t(column)).to_owned()).await?;
        }
        for column in ["access", "invitation_id", "last_sent_at", "expires_at"] {
            manager.alter_table(Table::alter().table(t("project_clients")).drop_column(t(column)).to_owned()).await?;
        }
        Ok(())
    }
}
