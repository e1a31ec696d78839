//! At most one unanswered copy of a form per client in a project. `send` checks before it
//! inserts, which SQLite serialises but PostgreSQL does not: two "Send form" at the same moment
//! could each find none and each insert one. A partial unique index makes the database refuse
//! the second (the insert skips it: `ON CONFLICT DO NOTHING`). Answered copies stay many: a
//! client may be sent a form again with a new invitation after answering it.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261210_000020_one_waiting_form"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Copies made twice before the index existed: the first one sent is kept.
        db.execute_unprepared(
            "DELETE FROM form_requests WHERE answered_at IS NULL AND id NOT IN \
             (SELECT MIN(id) FROM form_requests WHERE answered_at IS NULL GROUP BY form_id, project_id, client_id)",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_form_requests_waiting ON form_requests (form_id, project_id, client_id) \
             WHERE answered_at IS NULL",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("DROP INDEX ux_form_requests_waiting").await?;
        Ok(())
    }
}
