//! The service context every backend function receives.

use crate::secrets::ServerKey;
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DatabaseTransaction};
use tokio::sync::OwnedMutexGuard;

/// Everything a service needs: the database, the server key and where links point to.
#[derive(Clone, Debug)]
pub struct Portico {
    pub db: DatabaseConnection,
    pub key: ServerKey,
    /// The configured public base URL, without a trailing slash. Links are built from it,
    /// never from a request's Host header.
    pub public_url: String,
    /// Rung after a transaction that queued messages commits, so the sender starts at once.
    pub outbox_wakeup: std::sync::Arc<crate::outbox::Wakeup>,
    /// Rung when a job is created, so a jobs worker starts on it at once.
    pub jobs_wakeup: std::sync::Arc<tokio::sync::Notify>,
    /// Where files the app makes are kept (exports under `exports/`): the data folder.
    pub files: std::path::PathBuf,
    /// How long ended codes, links, sessions and mail bodies are kept (`retention`).
    pub retention: crate::retention::Retention,
    /// The largest CSV file an import accepts, in bytes.
    pub import_max_bytes: usize,
    /// The largest document an upload takes, in bytes.
    pub document_max_bytes: u64,
    /// SQLite's one writer, taken in this process in arrival order (None on PostgreSQL).
    writer: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// A transaction from `Portico::begin`: derefs to the `DatabaseTransaction` it holds and, on
/// SQLite, keeps the process's writer turn until it commits or is dropped.
pub struct WriteTransaction {
    txn: DatabaseTransaction,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), sea_orm::DbErr> {
        self.txn.commit().await
    }

    /// Undoes the transaction and only then gives up the turn. Dropping it also rolls back,
    /// but queues the ROLLBACK and hands the turn on at once, so the next writer's BEGIN
    /// IMMEDIATE can find the lock still held and sleep in SQLite's busy handler.
    pub async fn rollback(self) -> Result<(), sea_orm::DbErr> {
        self.txn.rollback().await
    }
}

/// Statements run in the transaction, so generic `C: ConnectionTrait` code takes `&txn` too.
#[async_trait::async_trait]
impl sea_orm::ConnectionTrait for WriteTransaction {
    fn get_database_backend(&self) -> sea_orm::DbBackend {
        self.txn.get_database_backend()
    }
    async fn execute_raw(&self, stmt: sea_orm::Statement) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        self.txn.execute_raw(stmt).await
    }
    async fn execute_unprepared(&self, sql: &str) -> Result<sea_orm::ExecResult, sea_orm::DbErr> {
        self.txn.execute_unprepared(sql).await
    }
    async fn query_one_raw(&self, stmt: sea_orm::Statement) -> Result<Option<sea_orm::QueryResult>, sea_orm::DbErr> {
        self.txn.query_one_raw(stmt).await
    }
    async fn query_all_raw(&self, stmt: sea_orm::Statement) -> Result<Vec<sea_orm::QueryResult>, sea_orm::DbErr> {
        self.txn.query_all_raw(stmt).await
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = DatabaseTransaction;
    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

impl Portico {
    pub fn new(db: DatabaseConnection, key: ServerKey, public_url: &str) -> Self {
        let sqlite = db.get_database_backend() == sea_orm::DbBackend::Sqlite;
        Self {
            writer: sqlite.then(Default::default),
            db,
            key,
            public_url: public_url.trim_end_matches('/').to_string(),
            outbox_wakeup: Default::default(),
            jobs_wakeup: Default::default(),
            retention: Default::default(),
            import_max_bytes: crate::imports::DEFAULT_MAX_BYTES,
            document_max_bytes: crate::documents::DEFAULT_MAX_BYTES,
            // The server sets its data folder; elsewhere (tests, tools) a folder of this process.
            files: std::env::temp_dir().join(format!("portico-files-{}", std::process::id())),
        }
    }

    /// Starts a transaction that will write. On SQLite it takes the write lock at BEGIN
    /// (IMMEDIATE): a deferred transaction that reads and then writes fails at once with
    /// SQLITE_BUSY when another connection wrote in between, while BEGIN IMMEDIATE simply
    /// waits its turn. Writers of this process first queue on a fair async lock: SQLite's own
    /// busy handler waits by sleeping in growing steps (up to 100 ms each), which put 400 ms
    /// on the slowest invites of 8 concurrent streams; the queue hands the turn over at once
    /// and keeps waiting writers from holding pool connections. PostgreSQL ignores both.
    pub async fn begin(&self) -> Result<WriteTransaction, sea_orm::DbErr> {
        use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
        let turn = self.write_turn().await;
        let txn = self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(WriteTransaction { txn, _turn: turn })
    }

    /// The writer turn alone, for one statement outside a transaction (an autocommit write):
    /// hold it just around that statement, never across `begin`, which takes it again.
    pub async fn write_turn(&self) -> Option<OwnedMutexGuard<()>> {
        match &self.writer {
            Some(writer) => Some(writer.clone().lock_owned().await),
            None => None,
        }
    }

    pub fn link(&self, path: &str) -> String {
        format!("{}{}", self.public_url, path)
    }
}

/// The current time; one place so that every timestamp of a change agrees.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
