//! Writes whose answers nobody reads, sent to the database together at the end of a change.
//!
//! On SQLite one writer holds the write lock for a whole transaction, and every statement is a
//! round trip between a tokio thread and the connection's own thread (sqlx runs each SQLite
//! connection on a thread of its own): the transaction's wall time, not the CPU, sets how many
//! invites or sign-ins a second the server takes. The tail of a change (counter moves, audit
//! rows, emails queued, the session written) reads nothing back, so it goes as one
//! multi-statement query. sqlx prepares it one statement at a time (`sqlite3_prepare_v3`, going
//! on from the tail SQLite hands back, so a `;` inside a string value does not split it) and
//! binds each statement's `?` parameters in turn from the one list of values. PostgreSQL's
//! extended protocol takes one statement per query, so there they run one after the other, as
//! they did before.
//!
//! A batch is run explicitly (`run`) inside the caller's transaction, before anything reads
//! what it writes; dropping it unrun writes nothing, which is what an error path wants. A
//! statement that fails fails the run, after the ones before it ran: the caller's transaction
//! is what makes the change whole. Statements are sea-orm's, whose SQLite SQL has only
//! unnumbered `?` parameters: a numbered one (`?1`) would be bound from the start of the
//! joined list, not its own statement's values.

use sea_orm::{ConnectionTrait, DbBackend, QueryTrait, Statement, Value};

use crate::Result;

#[must_use = "a batch writes nothing until it is run"]
pub struct Batch {
    backend: DbBackend,
    statements: Vec<Statement>,
}

impl Batch {
    /// An empty batch for `db`'s database.
    pub fn new<C: ConnectionTrait>(db: &C) -> Self {
        Self { backend: db.get_database_backend(), statements: Vec::new() }
    }

    /// Adds a statement (an insert, update or delete built by sea-orm) to be run with the rest.
    pub fn add<Q: QueryTrait>(&mut self, query: &Q) {
        self.statements.push(query.build(self.backend));
    }

    /// Adds a statement sea-orm has no query type for (sea-query's own, e.g. an `UPDATE … FROM`).
    pub fn add_statement<S: sea_orm::StatementBuilder>(&mut self, statement: &S) {
        self.statements.push(self.backend.build(statement));
    }

    /// A batch filled by `fill` and run at once: the synchronous `_later` forms' wrapper.
    pub async fn write<C: ConnectionTrait, T>(db: &C, fill: impl FnOnce(&mut Batch) -> T) -> Result<T> {
        let mut batch = Self::new(db);
        let out = fill(&mut batch);
        batch.run(db).await?;
        Ok(out)
    }

    /// Runs the statements in the order they were added, in one round trip on SQLite.
    pub async fn run<C: ConnectionTrait>(mut self, db: &C) -> Result<()> {
        self.flush(db).await
    }

    /// Runs what has been added so far, for a caller about to read what it writes.
    pub async fn flush<C: ConnectionTrait>(&mut self, db: &C) -> Result<()> {
        let statements = std::mem::take(&mut self.statements);
        if self.backend != DbBackend::Sqlite || statements.len() < 2 {
            for statement in statements {
                db.execute_raw(statement).await?;
            }
            return Ok(());
        }
        let mut sql = String::new();
        let mut values: Vec<Value> = Vec::new();
        for statement in statements {
            sql.push_str(&statement.sql);
            sql.push_str(";\n");
            values.extend(statement.values.map(|v| v.0).unwrap_or_default());
        }
        db.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)).await?;
        Ok(())
    }
}
