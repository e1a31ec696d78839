//! The first schema: tenants, staff, sessions, customers, clients, projects, invitations,
//! one-time codes, sign-in links, the outbox, notifications and the audit trail.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261121_000001_initial"
    }
}

pub(super) fn t(name: &str) -> Alias {
    Alias::new(name)
}

/// A table with a BIGINT auto-increment `id` and, unless it is the tenant table itself, an
/// `org_id` that references the organization.
pub(super) fn tenant_table(name: &str) -> TableCreateStatement {
    let mut table = Table::create();
    table.table(t(name)).if_not_exists().col(big_pk_auto(t("id"))).col(big_integer(t("org_id"))).foreign_key(
        ForeignKey::create()
            .from(t(name), t("org_id"))
            .to(t("organizations"), t("id"))
            .on_delete(ForeignKeyAction::Cascade),
    );
    table
}

pub(super) fn fk(table: &str, column: &str, target: &str, on_delete: ForeignKeyAction) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(t(table), t(column)).to(t(target), t("id")).on_delete(on_delete).to_owned()
}

pub(super) fn ts(name: &str) -> ColumnDef {
    timestamp_with_time_zone(t(name))
}

pub(super) fn ts_null(name: &str) -> ColumnDef {
    timestamp_with_time_zone_null(t(name))
}

pub(super) fn index(table: &str, name: &str, columns: &[&str], unique: bool) -> IndexCreateStatement {
    let mut idx = Index::create();
    idx.name(name).table(t(table)).if_not_exists();
    for c in columns {
        idx.col(t(c));
    }
    if unique {
        idx.unique();
    }
    idx.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};

        manager
            .create_table(
                Table::create()
                    .table(t("organizations"))
                    .if_not_exists()
                    .col(big_pk_auto(t("id")))
                    .col(string_len(t("name"), 200))
                    .col(string_len_uniq(t("slug"), 60))
                    .col(integer(t("invitation_expiry_days")).default(7))
                    .col(integer(t("magic_link_minutes")).default(15))
                    .col(integer_null(t("reinvite_cooldown_hours")))
                    .col(string_len(t("client_sign_in"), 20).default("code"))
                    .col(string_len_null(t("accent_color"), 20))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("staff_users")
                    .col(string_len(t("name"), 200))
                    .col(string_len_uniq(t("email"), 254))
                    .col(string_len(t("password_hash"), 200))
                    .col(string_len(t("role"), 20))
                    .col(ts("created_at"))
                    .col(ts_null("last_sign_in_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("customers")
                    .col(string_len(t("name"), 200))
                    .col(string_len(t("kind"), 20))
                    .col(string_len_null(t("contact_email"), 254))
                    .col(string_len_null(t("website"), 500))
                    .col(text_null(t("postal_address")))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("clients")
                    .col(big_integer_null(t("customer_id")))
                    .col(string_len(t("name"), 200))
                    .col(string_len(t("email"), 254))
                    .col(string_len_null(t("phone"), 20))
                    .col(ts("created_at"))
                    .col(ts_null("first_accepted_at"))
                    .col(ts_null("last_sign_in_at"))
                    .col(ts_null("deactivated_at"))
                    .foreign_key(&mut fk("clients", "customer_id", "customers", SetNull))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("clients", "ux_clients_org_email", &["org_id", "email"], true)).await?;

        manager
            .create_table(
                tenant_table("sessions")
                    .col(string_len_uniq(t("token_hash"), 64))
                    .col(big_integer_null(t("staff_user_id")))
                    .col(big_integer_null(t("client_id")))
                    .col(ts("created_at"))
                    .col(ts("last_seen_at"))
                    .col(ts("expires_at"))
                    .col(string_len_null(t("ip"), 64))
                    .foreign_key(&mut fk("sessions", "staff_user_id", "staff_users", Cascade))
                    .foreign_key(&mut fk("sessions", "client_id", "clients", Cascade))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("projects")
                    .col(big_integer_null(t("customer_id")))
                    .col(string_len(t("name"), 200))
                    .col(big_integer(t("created_by")))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk("projects", "customer_id", "customers", SetNull))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("projects", "ix_projects_org", &["org_id", "created_at"], false)).await?;

        manager
            .create_table(
                tenant_table("project_clients")
                    .col(big_integer(t("project_id")))
                    .col(big_integer(t("client_id")))
                    .col(boolean(t("is_primary")).default(false))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk("project_clients", "project_id", "projects", Cascade))
                    .foreign_key(&mut fk("project_clients", "client_id", "clients", Cascade))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("project_clients", "ux_project_clients", &["project_id", "client_id"], true))
            .await?;

        manager
            .create_table(
                tenant_table("invitations")
                    .col(big_integer(t("client_id")))
                    .col(big_integer_null(t("project_id")))
                    .col(big_integer(t("invited_by")))
                    .col(string_len_uniq(t("token_hash"), 64))
                    .col(string_len(t("link_salt"), 64))
                    .col(string_len(t("email"), 254))
                    .col(string_len(t("status"), 20))
                    .col(ts("expires_at"))
                    .col(ts("created_at"))
                    .col(ts("last_sent_at"))
                    .col(integer(t("send_count")).default(1))
                    .col(ts_null("accepted_at"))
                    .col(ts_null("cancelled_at"))
                    .col(integer(t("failed_attempts")).default(0))
                    .col(ts_null("locked_at"))
                    .foreign_key(&mut fk("invitations", "client_id", "clients", Cascade))
                    .foreign_key(&mut fk("invitations", "project_id", "projects", Cascade))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("invitations", "ix_invitations_org_status", &["org_id", "status"], false)).await?;
        manager
            .create_index(index("invitations", "ix_invitations_client", &["client_id", "project_id"], false))
            .await?;

        manager
            .create_table(
                tenant_table("sign_in_links")
                    .col(big_integer(t("client_id")))
                    .col(string_len_uniq(t("token_hash"), 64))
                    .col(string_len(t("kind"), 20))
                    .col(big_integer_null(t("created_by")))
                    .col(ts("expires_at"))
                    .col(ts("created_at"))
                    .col(ts_null("used_at"))
                    .foreign_key(&mut fk("sign_in_links", "client_id", "clients", Cascade))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("one_time_codes")
                    .col(big_integer(t("client_id")))
                    .col(big_integer_null(t("invitation_id")))
                    .col(big_integer_null(t("sign_in_link_id")))
                    .col(string_len_uniq(t("verification_hash"), 64))
                    .col(string_len(t("code_mac"), 64))
                    .col(integer(t("attempts")).default(0))
                    .col(ts("expires_at"))
                    .col(ts("created_at"))
                    .col(ts_null("consumed_at"))
                    .col(ts_null("voided_at"))
                    .foreign_key(&mut fk("one_time_codes", "client_id", "clients", Cascade))
                    .foreign_key(&mut fk("one_time_codes", "invitation_id", "invitations", Cascade))
                    .foreign_key(&mut fk("one_time_codes", "sign_in_link_id", "sign_in_links", Cascade))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("outbox_messages")
                    .col(string_len(t("channel"), 20))
                    .col(string_len(t("topic"), 40))
                    .col(string_len(t("recipient"), 254))
                    .col(string_len(t("from_name"), 200))
                    .col(string_len(t("subject"), 300))
                    .col(text(t("body_text")))
                    .col(text(t("body_html")))
                    .col(string_len(t("message_id"), 200))
                    .col(string_len(t("status"), 20))
                    .col(integer(t("attempts")).default(0))
                    .col(ts("next_attempt_at"))
                    .col(ts_null("lease_until"))
                    .col(string_len_null(t("lease_owner"), 64))
                    .col(text_null(t("last_error")))
                    .col(big_integer_null(t("invitation_id")))
                    .col(ts("created_at"))
                    .col(ts_null("sent_at"))
                    .foreign_key(&mut fk("outbox_messages", "invitation_id", "invitations", SetNull))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("outbox_messages", "ix_outbox_due", &["status", "next_attempt_at"], false)).await?;

        manager
            .create_table(
                tenant_table("notifications")
                    .col(big_integer(t("staff_user_id")))
                    .col(string_len(t("kind"), 40))
                    .col(string_len(t("title"), 300))
                    .col(text(t("body")))
                    .col(string_len_null(t("link"), 500))
                    .col(ts("created_at"))
                    .col(ts_null("read_at"))
                    .foreign_key(&mut fk("notifications", "staff_user_id", "staff_users", Cascade))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("audit_events")
                    .col(string_len(t("actor_kind"), 20))
                    .col(big_integer_null(t("actor_id")))
                    .col(string_len(t("subject_kind"), 40))
                    .col(big_integer(t("subject_id")))
                    .col(string_len(t("event"), 60))
                    .col(text(t("detail")))
                    .col(string_len_null(t("ip"), 64))
                    .col(ts("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("audit_events", "ix_audit_subject", &["org_id", "subject_kind", "subject_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "audit_events",
            "notifications",
            "outbox_messages",
            "one_time_codes",
            "sign_in_links",
            "invitations",
            "project_clients",
            "projects",
            "sessions",
            "clients",
            "customers",
            "staff_users",
            "organizations",
        ] {
            manager.drop_table(Table::drop().table(t(table)).if_exists().to_owned()).await?;
        }
        Ok(())
    }
}
