//! Clients managed before and apart from invitations: the staff member assigned to each, a
//! version for edits made at the same time, and the indexes of the Clients page (by name,
//! and by standing then name, each within its organization).

use sea_orm_migration::{prelude::*, schema::*};

use super::m20261121_000001_initial::{index, t};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000005_clients"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A plain column, not a foreign key: SQLite cannot add one to an existing table. A
        // staff member who leaves simply stops being shown (`clients::staff_names`).
        for column in [big_integer_null(t("assigned_staff_id")), big_integer(t("version")).default(1).to_owned()] {
            manager.alter_table(Table::alter().table(t("clients")).add_column(column).to_owned()).await?;
        }
        for (name, columns) in [
            ("ix_clients_by_name", &["org_id", "name", "id"][..]),
            ("ix_clients_by_standing", &["org_id", "standing", "name", "id"][..]),
        ] {
            manager.create_index(index("clients", name, columns, false)).await?;
        }
        // The expiry sweep's index becomes partial (invited clients by expiry), as the contacts'
        // one did: otherwise the Clients page's Invited filter was drawn to (standing,
        // standing_until) and read every organization's invited clients. A new name: SQLite's
        // other pooled connections may still hold the old schema when the statement is prepared.
        let db = manager.get_connection();
        db.execute_unprepared("DROP INDEX IF EXISTS ix_clients_standing_until").await?;
        db.execute_unprepared(
            "CREATE INDEX ix_clients_invited_until ON clients (standing_until) WHERE standing = 'invited'",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX IF EXISTS ix_clients_invited_until").await?;
        manager
            .create_index(index("clients", "ix_clients_standing_until", &["standing", "standing_until"], false))
            .await?;
        for name in ["ix_clients_by_name", "ix_clients_by_standing"] {
            manager.drop_index(Index::drop().name(name).table(t("clients")).to_owned()).await?;
        }
        for column in ["assigned_staff_id", "version"] {
            manager.alter_table(Table::alter().table(t("clients")).drop_column(t(column)).to_owned()).await?;
        }
        Ok(())
    }
}
