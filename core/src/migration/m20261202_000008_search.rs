//! Search that does not read every client: a substring search ("ada", "@acme") cannot use a
//! B-tree index, so at 100,000 clients it compared every name and email (1.1–1.4 s). A
//! trigram index finds the rows that contain each three-letter piece of the search instead.
//!
//! - SQLite: an FTS5 table with the trigram tokenizer over `clients(name, email)`, kept by
//!   triggers (external content: it stores only the index, not a second copy of the rows).
//! - PostgreSQL: `pg_trgm` GIN indexes on `lower(name)` and `lower(email)`, which serve the
//!   very `lower(…) LIKE '%…%'` the list already issues. Where the extension cannot be
//!   installed, the indexes are left out and search works as before, only slower.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000008_search"
    }
}

const SQLITE_UP: [&str; 5] = [
    "CREATE VIRTUAL TABLE clients_search USING fts5(name, email, content='clients', content_rowid='id', tokenize='trigram')",
    "INSERT INTO clients_search(clients_search) VALUES ('rebuild')",
    "CREATE TRIGGER clients_search_insert AFTER INSERT ON clients BEGIN \
        INSERT INTO clients_search(rowid, name, email) VALUES (new.id, new.name, new.email); END",
    "CREATE TRIGGER clients_search_delete AFTER DELETE ON clients BEGIN \
        INSERT INTO clients_search(clients_search, rowid, name, email) VALUES ('delete', old.id, old.name, old.email); END",
    // Only a change of name or email touches the index (status changes are frequent).
    "CREATE TRIGGER clients_search_update AFTER UPDATE OF name, email ON clients BEGIN \
        INSERT INTO clients_search(clients_search, rowid, name, email) VALUES ('delete', old.id, old.name, old.email); \
        INSERT INTO clients_search(rowid, name, email) VALUES (new.id, new.name, new.email); END",
];

const SQLITE_DOWN: [&str; 4] = [
    "DROP TRIGGER IF EXISTS clients_search_update",
    "DROP TRIGGER IF EXISTS clients_search_delete",
    "DROP TRIGGER IF EXISTS clients_search_insert",
    "DROP TABLE IF EXISTS clients_search",
];

const POSTGRES_UP: [&str; 3] = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_clients_name_trgm ON clients USING gin (lower(name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS ix_clients_email_trgm ON clients USING gin (lower(email) gin_trgm_ops)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Sqlite => {
                for sql in SQLITE_UP {
                    db.execute_unprepared(sql).await?;
                }
            }
            DbBackend::Postgres => {
                // A failed CREATE EXTENSION would abort the migration's transaction, so ask
                // first: installed already, or available and this role may install it.
                let can = db
                    .query_one_raw(Statement::from_string(
                        DbBackend::Postgres,
                        "SELECT 1 AS ok FROM pg_available_extensions WHERE name = 'pg_trgm' \
                         AND (installed_version IS NOT NULL OR has_database_privilege(current_database(), 'CREATE'))",
                    ))
                    .await?
                    .is_some();
                if can {
                    for sql in POSTGRES_UP {
                        db.execute_unprepared(sql).await?;
                    }
                } else {
                    tracing::warn!("pg_trgm is not available: client search works without its index, slower at scale");
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match db.get_database_backend() {
            DbBackend::Sqlite => {
                for sql in SQLITE_DOWN {
                    db.execute_unprepared(sql).await?;
                }
            }
            DbBackend::Postgres => {
                db.execute_unprepared("DROP INDEX IF EXISTS ix_clients_email_trgm").await?;
                db.execute_unprepared("DROP INDEX IF EXISTS ix_clients_name_trgm").await?;
            }
            _ => {}
        }
        Ok(())
    }
}
