//! The service context every backend function receives.

use crate::secrets::ServerKey;
use sea_orm::{DatabaseConnection, DatabaseTransaction};

/// Everything a service needs: the database, the server key and where links point to.
#[derive(Clone, Debug)]
pub struct Portico {
    pub db: DatabaseConnection,
    pub key: ServerKey,
    /// The configured public base URL, without a trailing slash. Links are built from it,
    /// never from a request's Host header.
    pub public_url: String,
    /// Rung after a transaction that queued messages commits, so the sender starts at once.
    pub outbox_wakeup: std::sync::Arc<tokio::sync::Notify>,
    /// How long ended codes, links, sessions and mail bodies are kept (`retention`).
    pub retention: crate::retention::Retention,
}

impl Portico {
    pub fn new(db: DatabaseConnection, key: ServerKey, public_url: &str) -> Self {
        Self {
            db,
            key,
            public_url: public_url.trim_end_matches('/').to_string(),
            outbox_wakeup: Default::default(),
            retention: Default::default(),
        }
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at BEGIN
    /// (IMMEDIATE): a deferred transaction that reads and then writes fails at once with
    /// SQLITE_BUSY when another connection wrote in between, while BEGIN IMMEDIATE simply
    /// waits its turn (busy timeout). PostgreSQL ignores the mode.
    pub async fn begin(&self) -> Result<DatabaseTransaction, sea_orm::DbErr> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        self.db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
    }

    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.public_url, path)
    }
}

/// The current time; one place so that every timestamp of a change agrees.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
