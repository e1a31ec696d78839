//! The complete invitation lifecycle: client passwords (when an organization chooses them),
//! staff invitations, requests for a new link, per-kind email opt-outs for notifications,
//! and magic-link kinds that sign in without a code.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{fk, index, t, tenant_table, ts, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261121_000002_lifecycle"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};

        manager
            .alter_table(
                Table::alter().table(t("clients")).add_column(string_len_null(t("password_hash"), 200)).to_owned(),
            )
            .await?;

        // Links requested on the portal's sign-in page need a code; "portal_request" says so
        // plainly, and "login_email" now means the staff-sent one-click email.
        manager
            .exec_stmt(
                Query::update()
                    .table(t("sign_in_links"))
                    .value(t("kind"), "portal_request")
                    .and_where(Expr::col(t("kind")).eq("login_email"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                tenant_table("staff_invitations")
                    .col(string_len(t("name"), 200))
                    .col(string_len(t("email"), 254))
                    .col(string_len(t("role"), 20))
                    .col(big_integer(t("invited_by")))
                    .col(string_len_uniq(t("token_hash"), 64))
                    .col(string_len(t("status"), 20))
                    .col(ts("expires_at"))
                    .col(ts("created_at"))
                    .col(ts_null("accepted_at"))
                    .col(ts_null("cancelled_at"))
                    .foreign_key(&mut fk("staff_invitations", "invited_by", "staff_users", Cascade))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("staff_invitations", "ix_staff_invitations_org", &["org_id", "status"], false))
            .await?;

        manager
            .create_table(
                tenant_table("link_requests")
                    .col(big_integer(t("invitation_id")))
                    .col(big_integer(t("client_id")))
                    .col(ts("created_at"))
                    .col(ts_null("resolved_at"))
                    .col(big_integer_null(t("resolved_by")))
                    .col(string_len_null(t("ip"), 64))
                    .foreign_key(&mut fk("link_requests", "invitation_id", "invitations", Cascade))
                    .foreign_key(&mut fk("link_requests", "client_id", "clients", Cascade))
                    .foreign_key(&mut fk("link_requests", "resolved_by", "staff_users", SetNull))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("link_requests", "ix_link_requests_open", &["org_id", "resolved_at"], false))
            .await?;

        manager
            .create_table(
                tenant_table("notification_opt_outs")
                    .col(big_integer(t("staff_user_id")))
                    .col(string_len(t("kind"), 40))
                    .foreign_key(&mut fk("notification_opt_outs", "staff_user_id", "staff_users", Cascade))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("notification_opt_outs", "ux_notification_opt_outs", &["staff_user_id", "kind"], true))
            .await?;
        manager
            .create_index(index("notifications", "ix_notifications_unread", &["staff_user_id", "read_at"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["notification_opt_outs", "link_requests", "staff_invitations"] {
            manager.drop_table(Table::drop().table(t(table)).if_exists().to_owned()).await?;
        }
        manager.alter_table(Table::alter().table(t("clients")).drop_column(t("password_hash")).to_owned()).await?;
        Ok(())
    }
}
