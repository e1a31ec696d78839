//! Outbox bodies are sealed (encrypted, then base64): PostgreSQL's TOAST tried to compress each
//! one before storing it out of line, and ciphertext never compresses, so every queued email
//! paid for a failed `pglz` pass (10,000 rows of 5 KB: 0.55–0.79 s with it, 0.44 s without,
//! measured here). `STORAGE EXTERNAL` keeps them out of line, uncompressed. SQLite has no TOAST.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261211_000021_sealed_bodies_uncompressed"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE outbox_messages ALTER COLUMN body_text SET STORAGE EXTERNAL, \
                     ALTER COLUMN body_html SET STORAGE EXTERNAL",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE outbox_messages ALTER COLUMN body_text SET STORAGE EXTENDED, \
                     ALTER COLUMN body_html SET STORAGE EXTENDED",
                )
                .await?;
        }
        Ok(())
    }
}
