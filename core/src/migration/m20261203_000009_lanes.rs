//! Delivery lanes: each outbox message says whether it is urgent (a code, a sign-in link, a
//! staff notice: someone is waiting for it) or bulk (invitations and notices sent to many), so
//! urgent mail is claimed by its own sender and never waits behind a bulk send.

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::t;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000009_lanes"
    }
}

/// The topics that were urgent when lanes arrived (`outbox::Topic::lane` decides from now on).
const URGENT: &str =
    "'code', 'sign_in_link', 'password_reset', 'staff_password_reset', 'staff_invitation', 'notification'";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(t("outbox_messages"))
                    .add_column(string_len(t("lane"), 16).default("bulk").to_owned())
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(&format!("UPDATE outbox_messages SET lane = 'urgent' WHERE topic IN ({URGENT})")).await?;
        manager.drop_index(Index::drop().name("ix_outbox_due").table(t("outbox_messages")).to_owned()).await?;
        // A lane's due messages in the order they are claimed; partial, so the index holds only
        // what is still to send (delivered mail is most of the table and never claimed again).
        db.execute_unprepared(
            "CREATE INDEX ix_outbox_lane_due ON outbox_messages (lane, next_attempt_at, id) WHERE status = 'queued'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("ix_outbox_lane_due").table(t("outbox_messages")).to_owned()).await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_due")
                    .table(t("outbox_messages"))
                    .col(t("status"))
                    .col(t("next_attempt_at"))
                    .to_owned(),
            )
            .await?;
        manager.alter_table(Table::alter().table(t("outbox_messages")).drop_column(t("lane")).to_owned()).await?;
        Ok(())
    }
}
