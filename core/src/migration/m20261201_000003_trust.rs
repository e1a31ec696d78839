//! Links clients ask for by email are queued, so that the request does the same work for a
//! known and an unknown address (no timing oracle); a background task sends them. Mail bodies
//! that carried a link or code are blanked after a retention period (`purged_at`).

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{fk, index, t, tenant_table, ts, ts_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000003_trust"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(t("sign_in_requests"))
                    .if_not_exists()
                    .col(big_pk_auto(t("id")))
                    // None: asked on the neutral "Sign in to your portal" page, for every
                    // organization that knows the address.
                    .col(big_integer_null(t("org_id")))
                    .col(string_len(t("email"), 254))
                    .col(string_len(t("kind"), 20))
                    .col(string_len_null(t("ip"), 64))
                    .col(ts("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .from(t("sign_in_requests"), t("org_id"))
                            .to(t("organizations"), t("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Staff "Forgot password" links.
        manager
            .create_table(
                tenant_table("staff_password_resets")
                    .col(big_integer(t("staff_user_id")))
                    .col(string_len_uniq(t("token_hash"), 64))
                    .col(ts("expires_at"))
                    .col(ts_null("used_at"))
                    .col(ts("created_at"))
                    .foreign_key(&mut fk(
                        "staff_password_resets",
                        "staff_user_id",
                        "staff_users",
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "staff_password_resets",
                "ix_staff_password_resets_user",
                &["staff_user_id", "created_at"],
                false,
            ))
            .await?;
        // Bodies of delivered mail that carried a link or code are blanked after a while.
        manager
            .alter_table(Table::alter().table(t("outbox_messages")).add_column(ts_null("purged_at")).to_owned())
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(t("outbox_messages")).drop_column(t("purged_at")).to_owned()).await?;
        manager.drop_table(Table::drop().table(t("staff_password_resets")).to_owned()).await?;
        manager.drop_table(Table::drop().table(t("sign_in_requests")).to_owned()).await
    }
}
