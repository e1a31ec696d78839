//! Connecting to SQLite or PostgreSQL and bringing the schema up to date.

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend};
use sea_orm_migration::MigratorTrait;

use crate::migration::Migrator;

/// Opens a pool. SQLite files are created on demand and run in WAL mode with foreign keys on.
/// Services start their transactions with `Portico::begin` (BEGIN IMMEDIATE on SQLite).
pub async fn connect(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    let mut options = ConnectOptions::new(url.to_string());
    options.sqlx_logging(false).acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        tune_sqlite();
        options.max_connections(8).map_sqlx_sqlite_opts(|o| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
        });
    } else {
        // No `plan_cache_mode = force_custom_plan`: PostgreSQL switches a prepared statement
        // to a generic plan after five runs, and one made while a table was tiny (a sequential
        // scan) was kept while an import grew it — but the import's `ANALYZE` of the tables it
        // grows (`analyze_grown_tables`) invalidates such plans too, and planning every
        // statement with its values cost more than it saved: the 10,000-row import took
        // 6.5–6.9 s with it and 5.3 s without (scripts/import_bench.sh).
        options.max_connections(16);
        return Database::connect(options).await;
    }
    // Switching a new file to WAL needs the file to itself for a moment: a second process
    // opening it at the same instant is told "database is locked" at once, whatever the busy
    // timeout (seen with two processes starting together, scripts/chaos.sh). It tries again.
    let mut tries = 0;
    loop {
        match Database::connect(options.clone()).await {
            Err(e) if tries < 10 && is_busy(&e) => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(100 * tries)).await;
            }
            done => return done,
        }
    }
}

/// Switches off SQLite's memory statistics, once, before the first connection opens (SQLite
/// refuses configuration after it has started). With them on, every allocation and free of
/// every connection takes one process-wide mutex: under load the eight connections' threads
/// queued on it (`pthread_mutex_lock`/`unlock` were the top two symbols of the SQLite threads
/// in `perf`). Nothing in Portico reads those statistics. sqlx has no option for it.
fn tune_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: `sqlite3_config` is called before `sqlite3_initialize` (the first connection,
        // which `Once` orders after this) or returns SQLITE_MISUSE and changes nothing; its
        // MEMSTATUS form takes one int.
        let code =
            unsafe { libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int) };
        if code != libsqlite3_sys::SQLITE_OK {
            tracing::debug!(code, "SQLite was started already: its memory statistics stay on");
        }
    });
}

/// SQLite's SQLITE_BUSY ("database is locked"), by its result code: the primary code is the
/// low byte of the extended one sqlx reports (5, or 261/517 for its recovery and snapshot
/// forms).
fn is_busy(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    let (DbErr::Conn(RuntimeErr::SqlxError(e))
    | DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e))) = e
    else {
        return false;
    };
    let code = e.as_database_error().and_then(|d| d.code()).and_then(|c| c.parse::<u32>().ok());
    code.is_some_and(|c| c & 0xff == 5)
}

/// Brings the schema up to date. Several processes may start at once on one database (a
/// rolling deploy, two replicas): on PostgreSQL they take turns on an advisory lock, held by a
/// transaction of their own while the migrations run, so the second finds nothing to do. SQLite
/// has no such lock that would not also block the migrations' own writes, so a process that
/// lost the race (the other recorded the same migration first) tries again and finds it done.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    if is_postgres(db) {
        let turn = db.begin().await?;
        turn.execute_unprepared("SELECT pg_advisory_xact_lock(7242016001)").await?;
        let done = Migrator::up(db, None).await;
        turn.commit().await?;
        return done;
    }
    let mut tries = 0;
    loop {
        match Migrator::up(db, None).await {
            Ok(()) => return Ok(()),
            Err(e) if tries < 5 => {
                tries += 1;
                tracing::warn!(error = %e, "migrating failed, perhaps another process was migrating; trying again");
                tokio::time::sleep(Duration::from_millis(300 * tries)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// A cheap round trip for `/health`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    db.ping().await
}

pub fn is_postgres(db: &DatabaseConnection) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// Refreshes PostgreSQL's statistics of the tables an import grows. Autovacuum refreshes them a
/// minute later at best, and until then every statement is planned for the tables as they were:
/// with 7 clients on record, "these 50 emails" was read through the organization's whole
/// client list, and the rows of a chunk were updated by a sequential scan (a 10,000-row import
/// took 12 s instead of 3). PostgreSQL's documentation advises ANALYZE after a bulk load; the
/// jobs worker runs it each time the job's rows have about quadrupled, so O(log n) times. SQLite
/// plans without statistics: nothing to do.
pub async fn analyze_grown_tables(db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
    use sea_orm::ConnectionTrait;
    if is_postgres(db) {
        db.execute_unprepared("ANALYZE projects, customers, clients, project_clients, invitations, outbox_messages")
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The statistics are off once a pool is open: SQLite then counts no memory at all (with
    /// them on, the open connection's caches make this thousands of bytes).
    #[tokio::test]
    async fn sqlite_keeps_no_memory_statistics() {
        use sea_orm::ConnectionTrait;
        let db = super::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('a')").await.unwrap();
        // SAFETY: a plain read of a counter, allowed at any time.
        assert_eq!(unsafe { libsqlite3_sys::sqlite3_memory_used() }, 0);
    }
}
