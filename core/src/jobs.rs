//! Durable jobs (ARCHITECTURE.md "Jobs"): work over more clients than a request should touch.
//!
//! A job is created with its selection already taken (`job_items`, one row per client, by one
//! `INSERT … SELECT` of the filter), so the count a confirmation shows is the count acted on,
//! and what "all matching" meant cannot drift while it runs. A worker claims a job with a lease
//! and works through it in chunks; each chunk is one transaction that does the work on its
//! clients, writes each one's outcome and adds to the job's counts, fenced on the lease and on
//! the job still running. So a process killed at any moment loses nothing and repeats nothing
//! that committed: the next claim continues with the clients that have no outcome yet.

use std::{
    collections::{BTreeMap, HashSet},
    time::Duration,
};

use chrono::Duration as Span;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query, SelectStatement},
};
use tokio_util::sync::CancellationToken;

use crate::{
    Error, Portico, Result,
    accounts::{Staff, load_staff},
    domain::{ClientId, StaffUserId},
    entities::{client, job, job_item, organization},
    model::{JobDownload, JobPage, JobProblem, JobStatus, JobSummary},
    now,
};
pub use crate::{
    bulk::{Bulk, Selection},
    model::BulkAction,
};

pub mod status {
    /// An uploaded import waiting for its dry run to be confirmed: no worker takes it.
    pub const DRAFT: &str = "draft";
    pub const QUEUED: &str = "queued";
    pub const RUNNING: &str = "running";
    pub const DONE: &str = "done";
    pub const CANCELLED: &str = "cancelled";
    /// It could not go on at all (its creator left the team); `error` says why.
    pub const FAILED: &str = "failed";
}

/// The outcome of one client in a job.
pub mod outcome {
    pub const DONE: &str = "done";
    pub const SKIPPED: &str = "skipped";
    pub const FAILED: &str = "failed";
}

/// Import chunks under way at once on PostgreSQL, each in a transaction of its own (SQLite has
/// one writer): while one waits on the database the other runs, so both cores work.
const SIDE_BY_SIDE: usize = 2;
/// Clients handled per transaction: small enough that SQLite's one writer is never held for
/// long (a chunk of login emails takes tens of milliseconds), large enough that the per-chunk
/// bookkeeping is noise.
pub const CHUNK: u64 = 50;
/// Rows of an import per transaction: its chunks are set-based (a fixed number of statements
/// each, whatever their size), so fewer, larger ones save round trips; 200 rows still write in
/// tens of milliseconds.
pub const IMPORT_CHUNK: u64 = 200;
/// How long a claim holds a job; renewed by every chunk, so only a dead process lets it lapse.
pub(crate) const LEASE: Span = Span::minutes(2);

/// A key the browser makes once per confirmed submission, so that the same request sent twice
/// (a double click, a retry, a second tab) finds the job the first one started.
fn idempotency_key(key: &str) -> Result<&str> {
    let ok = (8..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok { Ok(key) } else { Err(Error::validation("request_key", "This request is not valid. Reload the page.")) }
}

/// Starts `action` over `selection` as a job, or answers the job an earlier submission with the
/// same `key` started. The selection is taken now, in one statement; a selection that names
/// another organization's client is refused whole (not found), as a direct request would be.
pub async fn start_bulk(
    portico: &Portico,
    staff: &Staff,
    bulk: impl Into<Bulk>,
    selection: Selection,
    key: &str,
) -> Result<i64> {
    let bulk = bulk.into();
    let key = idempotency_key(key)?;
    if let Some(existing) = by_key(&portico.db, staff, key).await? {
        return Ok(existing);
    }
    let org = staff.org_id.0;
    if let Some(project) = bulk.project {
        crate::projects::find(&portico.db, org, project).await?;
    }
    let ids = selection.ids(portico, staff).await?;
    let txn = portico.begin().await?;
    let params = serde_json::to_string(&bulk).map_err(|e| Error::internal("job parameters", e))?;
    let created = insert(&*txn, staff, "bulk", params, key, 0).await;
    let created = match created {
        Ok(job) => job,
        Err(e) => {
            drop(txn);
            // Two submissions with one key at the same moment: the other one made it.
            return by_key(&portico.db, staff, key).await?.ok_or_else(|| e.into());
        }
    };
    let selected = insert_items(&*txn, created.id, ids).await?;
    if selection.ticked().is_some_and(|n| n != selected) {
        // A ticked client of another organization: refused whole, as a direct request is.
        return Err(Error::NotFound);
    }
    if selected == 0 {
        return Err(Error::validation("client_ids", "Select at least one client."));
    }
    job::Entity::update_many()
        .col_expr(job::Column::Total, Expr::value(selected as i64))
        .filter(job::Column::Id.eq(created.id))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    portico.jobs_wakeup.notify_one();
    Ok(created.id)
}

/// Creates a job whose work needs no selection (an export), or answers the job an earlier
/// submission with the same `key` started. Without a key (a form sent before the page's script
/// ran) a new one is made: such a double submission may start the work twice.
pub(crate) async fn create(
    portico: &Portico,
    staff: &Staff,
    kind: &str,
    params: String,
    key: &str,
    total: u64,
) -> Result<i64> {
    let made;
    let key = if key.is_empty() {
        made = crate::secrets::random_hex16();
        made.as_str()
    } else {
        idempotency_key(key)?
    };
    if let Some(existing) = by_key(&portico.db, staff, key).await? {
        return Ok(existing);
    }
    let turn = portico.write_turn().await;
    let created = insert(&portico.db, staff, kind, params, key, total).await;
    drop(turn);
    match created {
        Ok(job) => {
            portico.jobs_wakeup.notify_one();
            Ok(job.id)
        }
        Err(e) => by_key(&portico.db, staff, key).await?.ok_or_else(|| e.into()),
    }
}

/// Starts a job of `kind` over the clients `ids` selects, inside the caller's transaction (the
/// change the job follows from, e.g. a posted update, commits with it or not at all). Answers
/// the job and how many clients it is for; no job when it would be for nobody.
pub(crate) async fn start_in(
    txn: &sea_orm::DatabaseTransaction,
    staff: &Staff,
    kind: &str,
    params: String,
    ids: SelectStatement,
) -> Result<Option<(i64, u64)>> {
    let key = crate::secrets::random_hex16();
    let created = insert(txn, staff, kind, params, &key, 0).await?;
    let selected = insert_items(txn, created.id, ids).await?;
    if selected == 0 {
        job::Entity::delete_by_id(created.id).exec(txn).await?;
        return Ok(None);
    }
    job::Entity::update_many()
        .col_expr(job::Column::Total, Expr::value(selected as i64))
        .filter(job::Column::Id.eq(created.id))
        .exec(txn)
        .await?;
    Ok(Some((created.id, selected)))
}

/// A queued job; the insert fails when another submission with `key` made it first.
async fn insert<C: ConnectionTrait>(
    db: &C,
    staff: &Staff,
    kind: &str,
    params: String,
    key: &str,
    total: u64,
) -> std::result::Result<job::Model, sea_orm::DbErr> {
    job::ActiveModel {
        total: Set(total as i64),
        idempotency_key: Set(Some(key.into())),
        ..new_job(staff, kind, params)
    }
    .insert(db)
    .await
}

/// A job of `staff`'s organization, started by them now: queued, nothing counted yet, no key,
/// no lease and no file.
pub(crate) fn new_job(staff: &Staff, kind: &str, params: String) -> job::ActiveModel {
    job::ActiveModel {
        org_id: Set(staff.org_id.0),
        kind: Set(kind.into()),
        params: Set(params),
        status: Set(status::QUEUED.into()),
        total: Set(0),
        done: Set(0),
        skipped: Set(0),
        failed: Set(0),
        created_by: Set(Some(staff.user_id.0)),
        idempotency_key: Set(None),
        lease_until: Set(None),
        lease_owner: Set(None),
        error: Set(None),
        created_at: Set(now()),
        finished_at: Set(None),
        file_name: Set(None),
        file_expires_at: Set(None),
        ..Default::default()
    }
}

async fn by_key<C: ConnectionTrait>(db: &C, staff: &Staff, key: &str) -> Result<Option<i64>> {
    Ok(job::Entity::find()
        .select_only()
        .column(job::Column::Id)
        .filter(job::Column::OrgId.eq(staff.org_id.0))
        .filter(job::Column::IdempotencyKey.eq(key))
        .into_tuple()
        .one(db)
        .await?)
}

/// Writes the job's selection: one `job_items` row per client `ids` selects.
async fn insert_items<C: ConnectionTrait>(db: &C, job_id: i64, ids: SelectStatement) -> Result<u64> {
    let select = Query::select()
        .expr(Expr::value(job_id))
        .column(client::Column::Id)
        .from(client::Entity)
        .and_where(Expr::col(client::Column::Id).in_subquery(ids))
        .to_owned();
    let insert = Query::insert()
        .into_table(job_item::Entity)
        .columns([job_item::Column::JobId, job_item::Column::SubjectId])
        .select_from(select)
        .map_err(|e| Error::internal("job selection", e))?
        .to_owned();
    Ok(db.execute(&insert).await?.rows_affected())
}

/// "Cancel" on a job's page: each chunk under way finishes or is rolled back whole; nothing
/// after it starts. What was done stays done.
pub async fn cancel(portico: &Portico, staff: &Staff, id: i64) -> Result<()> {
    let job = find(portico, staff, id).await?;
    let _turn = portico.write_turn().await;
    let stopped = job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(status::CANCELLED))
        .col_expr(job::Column::FinishedAt, Expr::value(now()))
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::Status.is_in([status::QUEUED, status::RUNNING]))
        .exec(&portico.db)
        .await?;
    if stopped.rows_affected == 0 {
        return Err(Error::Conflict("This job has already finished.".into()));
    }
    Ok(())
}

/// A job of the staff member's organization that they may see: their own, or any for owners
/// and admins.
pub(crate) async fn find(portico: &Portico, staff: &Staff, id: i64) -> Result<job::Model> {
    let job = job::Entity::find_by_id(id)
        .filter(job::Column::OrgId.eq(staff.org_id.0))
        .one(&portico.db)
        .await?
        .ok_or(Error::NotFound)?;
    if job.created_by != Some(staff.user_id.0) && !staff.role.manages_organization() {
        return Err(Error::NotFound);
    }
    Ok(job)
}

/// Deletes the files of jobs whose time ran out — exports' results, imports' uploads — and
/// drafts nobody started (uploads never imported); the jobs worker calls it now and then. A job
/// still queued or running keeps its file. Returns how many jobs it swept.
pub async fn sweep_files(portico: &Portico) -> Result<usize> {
    let mut swept = 0;
    for (kind, folder) in [
        (crate::exports::KIND, crate::exports::folder(portico)),
        (crate::imports::KIND, crate::imports::folder(portico)),
    ] {
        swept += sweep_kind(portico, kind, &folder).await?;
    }
    Ok(swept)
}

async fn sweep_kind(portico: &Portico, kind: &str, folder: &std::path::Path) -> Result<usize> {
    let expired: Vec<(i64, Option<String>, String)> = job::Entity::find()
        .select_only()
        .columns([job::Column::Id, job::Column::FileName, job::Column::Status])
        .filter(job::Column::Kind.eq(kind))
        .filter(job::Column::FileExpiresAt.lt(now()))
        .filter(
            sea_orm::Condition::any()
                .add(job::Column::FileName.is_not_null())
                .add(job::Column::Status.eq(status::DRAFT)),
        )
        .filter(job::Column::Status.is_not_in([status::QUEUED, status::RUNNING]))
        .into_tuple()
        .all(&portico.db)
        .await?;
    for (id, name, state) in &expired {
        if let Some(name) = name {
            match tokio::fs::remove_file(folder.join(name)).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::internal("deleting an expired job file", e)),
            }
        }
        let _turn = portico.write_turn().await;
        if state == status::DRAFT {
            job::Entity::delete_by_id(*id).exec(&portico.db).await?;
        } else {
            job::Entity::update_many()
                .col_expr(job::Column::FileName, Expr::value(Option::<String>::None))
                .filter(job::Column::Id.eq(*id))
                .exec(&portico.db)
                .await?;
        }
    }
    Ok(expired.len())
}

/// The jobs worker of one process: claims a job whose lease is free, works through it chunk by
/// chunk, and takes the next; on `stop` it finishes the chunks under way and lets the job go.
pub async fn run_worker(portico: Portico, worker_id: String, stop: CancellationToken) {
    let mut last_sweep: Option<tokio::time::Instant> = None;
    while !stop.is_cancelled() {
        if last_sweep.is_none_or(|at| at.elapsed() > SWEEP_EVERY) {
            last_sweep = Some(tokio::time::Instant::now());
            if let Err(e) = sweep_files(&portico).await {
                tracing::error!(error = %e, "deleting expired job files failed");
            }
        }
        match claim(&portico, &worker_id).await {
            Ok(Some((lease, job))) => {
                if let Err(e) = run(&portico, &lease, &job, &stop).await {
                    // Its lease runs out and a worker takes it again from where it stopped.
                    tracing::error!(job = job.id, error = %e, "a job chunk failed; it will be retried");
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "claiming a job failed"),
        }
        tokio::select! {
            () = stop.cancelled() => {}
            _ = tokio::time::timeout(Duration::from_secs(1), portico.jobs_wakeup.notified()) => {}
        }
    }
}

/// Gives back at once the mail and jobs claimed under leases whose owner starts with
/// `prefix` (a dead process's, `portico_server::recover_instance`): they are due again for
/// any worker. Answers how many messages and jobs.
pub async fn recover(portico: &Portico, prefix: &str) -> Result<(u64, u64)> {
    use crate::entities::outbox_message;
    use crate::outbox::{Lane, lane_worker};
    let pattern = format!("{prefix}%");
    let of_lanes = Lane::ALL.iter().fold(sea_orm::Condition::any(), |any, lane| {
        any.add(outbox_message::Column::LeaseOwner.like(format!("{}%", lane_worker(*lane, prefix))))
    });
    let none = Option::<chrono::DateTime<chrono::Utc>>::None;
    let _turn = portico.write_turn().await;
    let mail = outbox_message::Entity::update_many()
        .col_expr(outbox_message::Column::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(outbox_message::Column::LeaseUntil, Expr::value(none))
        .filter(outbox_message::Column::Status.eq(crate::outbox::status::QUEUED))
        .filter(of_lanes)
        .exec(&portico.db)
        .await?;
    let jobs = job::Entity::update_many()
        .col_expr(job::Column::LeaseUntil, Expr::value(none))
        .filter(job::Column::Status.is_in([status::QUEUED, status::RUNNING]))
        .filter(job::Column::LeaseOwner.like(&pattern))
        .exec(&portico.db)
        .await?;
    Ok((mail.rows_affected, jobs.rows_affected))
}

/// How often a jobs worker deletes the files of exports that ran out.
const SWEEP_EVERY: Duration = Duration::from_secs(600);

/// Claims the oldest job that is queued, or running under a lease that ran out, in one
/// statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL: never two workers on one job).
pub async fn claim(portico: &Portico, worker_id: &str) -> Result<Option<(String, job::Model)>> {
    use job::Column as C;
    let lease = crate::outbox::lease_token(worker_id);
    let t = now();
    let mut due = Query::select();
    due.column(C::Id)
        .from(job::Entity)
        .and_where(C::Status.is_in([status::QUEUED, status::RUNNING]))
        .cond_where(sea_orm::Condition::any().add(C::LeaseUntil.is_null()).add(C::LeaseUntil.lt(t)))
        .order_by(C::Id, sea_orm::Order::Asc)
        .limit(1);
    // Most passes find nothing: a read first, so an idle worker never takes SQLite's writer.
    let anything: Option<i64> = job::Entity::find()
        .select_only()
        .column(C::Id)
        .filter(C::Status.is_in([status::QUEUED, status::RUNNING]))
        .filter(sea_orm::Condition::any().add(C::LeaseUntil.is_null()).add(C::LeaseUntil.lt(t)))
        .limit(1)
        .into_tuple()
        .one(&portico.db)
        .await?;
    if anything.is_none() {
        return Ok(None);
    }
    if crate::db::is_postgres(&portico.db) {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let _turn = portico.write_turn().await;
    let mut claimed = job::Entity::update_many()
        .col_expr(C::Status, Expr::value(status::RUNNING))
        .col_expr(C::LeaseOwner, Expr::value(lease.clone()))
        .col_expr(C::LeaseUntil, Expr::value(t + LEASE))
        .filter(C::Id.in_subquery(due))
        .exec_with_returning(&portico.db)
        .await?;
    Ok(claimed.pop().map(|job| (lease, job)))
}

async fn run(portico: &Portico, lease: &str, job: &job::Model, stop: &CancellationToken) -> Result<()> {
    let staff = match job.created_by {
        Some(id) => load_staff(portico, StaffUserId(id)).await.ok().filter(|s| s.org_id.0 == job.org_id),
        None => None,
    };
    let Some(staff) = staff else {
        return give_up(portico, lease, job.id, "The staff member who started it is no longer on the team.").await;
    };
    if job.kind == crate::exports::KIND {
        return crate::exports::run(portico, lease, job, &staff, stop).await;
    }
    let work = if job.kind == crate::imports::KIND {
        match crate::imports::load_for_job(portico, job).await {
            Ok(loaded) => Work::Import(loaded),
            Err(Error::Internal(_)) => return Err(Error::Internal("reading an import's file".into())),
            Err(e) => return give_up(portico, lease, job.id, &format!("Its file could not be read ({e}).")).await,
        }
    } else if job.kind == crate::updates::KIND {
        match crate::updates::load_for_job(portico, job.org_id, &job.params).await {
            Ok(loaded) => Work::UpdateEmail(loaded),
            Err(Error::NotFound) => return give_up(portico, lease, job.id, "The update was deleted.").await,
            Err(e @ Error::Validation { .. }) => {
                return give_up(portico, lease, job.id, &format!("Its parameters could not be read ({e}).")).await;
            }
            Err(e) => return Err(e),
        }
    } else {
        match serde_json::from_str(&job.params) {
            Ok(bulk) => Work::Bulk(bulk),
            Err(e) => {
                return give_up(portico, lease, job.id, &format!("Its parameters could not be read ({e}).")).await;
            }
        }
    };
    if let Work::Import(loaded) = &work
        && !crate::imports::prepare(portico, &staff, job.id, lease, loaded).await?
    {
        return Ok(());
    }
    let side_by_side = if work.grows_tables() && crate::db::is_postgres(&portico.db) { SIDE_BY_SIDE } else { 1 };
    // Chunks run as tasks of their own, so one goes on while the next items are read; each is
    // waited for before this returns, whatever happens (a transaction dropped half-way would
    // hold its locks). They take items in order, after the last one taken (`after`), so two
    // never take the same; `touching` holds the clients of those under way.
    let (work, staff) = (std::sync::Arc::new(work), std::sync::Arc::new(staff));
    let mut under_way: tokio::task::JoinSet<(usize, Result<bool>)> = tokio::task::JoinSet::new();
    let mut touching: BTreeMap<usize, HashSet<String>> = BTreeMap::new();
    let mut next: Option<(Vec<i64>, HashSet<String>)> = None;
    let (mut after, mut started, mut chunks) = (i64::MIN, 0usize, 0u64);
    loop {
        while under_way.len() < side_by_side && !stop.is_cancelled() {
            if next.is_none() {
                let subjects = match pending(&portico.db, job.id, after, Some(work.chunk_size())).await {
                    Ok(subjects) => subjects,
                    Err(e) => return Err(drained(under_way, e).await),
                };
                let Some(last) = subjects.last() else { break };
                after = *last;
                let touches = work.touches(&subjects);
                next = Some((subjects, touches));
            }
            let Some((subjects, touches)) = next.take_if(|(_, t)| touching.values().all(|u| u.is_disjoint(t))) else {
                // It shares a client with a chunk under way: it waits for that one to commit
                // (beside it, it would wait on that client's row, or fail on a new client's
                // email).
                break;
            };
            started += 1;
            touching.insert(started, touches);
            let (number, id, portico, lease, staff, work) =
                (started, job.id, portico.clone(), lease.to_string(), staff.clone(), work.clone());
            under_way.spawn(async move { (number, run_chunk(&portico, &lease, id, &staff, &work, subjects).await) });
        }
        let outcome = match under_way.join_next().await {
            None => break,
            Some(Ok((number, outcome))) => {
                touching.remove(&number);
                outcome
            }
            Some(Err(e)) => Err(Error::Internal(format!("a job chunk stopped: {e}"))),
        };
        match outcome {
            Ok(true) => {}
            // Cancelled, or the lease went to another worker: the others under way find the same.
            Ok(false) => {
                while under_way.join_next().await.is_some() {}
                return Ok(());
            }
            Err(e) => return Err(drained(under_way, e).await),
        }
        chunks += 1;
        // Each time the rows this job wrote have about quadrupled (after 4, 16, 64… chunks):
        // the plans that went wrong were made for tables a hundredth of their size, and
        // between refreshes PostgreSQL scales the row counts it has to the tables' pages. Each
        // doubling (4, 8, 16, 32) cost a 10,000-row import 0.34 s of the database's time, the
        // last two most of it. Beside the next chunks, not before them: ANALYZE takes no lock
        // their writes wait for, and waiting for it cost a 10,000-row import 0.2 s. Statistics
        // only speed plans up, so a failure is logged and the job goes on.
        if chunks >= 4 && is_power_of_four(chunks) && work.grows_tables() {
            let db = portico.db.clone();
            tokio::spawn(async move {
                if let Err(e) = crate::db::analyze_grown_tables(&db).await {
                    tracing::warn!(error = %e, "refreshing the planner's statistics failed");
                }
            });
        }
    }
    // Every item taken has its outcome; one more look from the start finds none left unless a
    // chunk of an earlier claim left some (then they are taken next time round).
    if !stop.is_cancelled() && finish_if_none_left(portico, job.id, lease).await? {
        return Ok(());
    }
    // Stopping: the job is free for the next process at once.
    job::Entity::update_many()
        .col_expr(job::Column::LeaseUntil, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
        .filter(job::Column::Id.eq(job.id))
        .filter(job::Column::LeaseOwner.eq(lease))
        .exec(&portico.db)
        .await?;
    Ok(())
}

/// `e`, once every chunk still under way has finished (committed or rolled back).
async fn drained(mut under_way: tokio::task::JoinSet<(usize, Result<bool>)>, e: Error) -> Error {
    while under_way.join_next().await.is_some() {}
    e
}

async fn give_up(portico: &Portico, lease: &str, id: i64, why: &str) -> Result<()> {
    let _turn = portico.write_turn().await;
    job::Entity::update_many()
        .col_expr(job::Column::Status, Expr::value(status::FAILED))
        .col_expr(job::Column::Error, Expr::value(why))
        .col_expr(job::Column::FinishedAt, Expr::value(now()))
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LeaseOwner.eq(lease))
        .exec(&portico.db)
        .await?;
    Ok(())
}

/// 1, 4, 16, 64…: a power of two with an even number of trailing zeros.
fn is_power_of_four(n: u64) -> bool {
    n.is_power_of_two() && n.trailing_zeros() % 2 == 0
}

/// What a job's chunks do with each of its items.
pub(crate) enum Work {
    /// A bulk action on each client.
    Bulk(Bulk),
    /// Each row (by line) of an import.
    Import(crate::imports::Loaded),
    /// A project update emailed to each client.
    UpdateEmail(crate::updates::Loaded),
}

impl Work {
    /// Whether each chunk inserts many rows (an import creates clients, contacts, invitations
    /// and their emails), so PostgreSQL's planner statistics fall behind while it runs; a bulk
    /// action changes rows in place.
    fn grows_tables(&self) -> bool {
        matches!(self, Work::Import(_))
    }

    /// Items per chunk.
    fn chunk_size(&self) -> u64 {
        match self {
            Work::Bulk(_) => CHUNK,
            // Set-based like an import's: a fixed number of statements per chunk.
            Work::Import(_) | Work::UpdateEmail(_) => IMPORT_CHUNK,
        }
    }

    /// What the chunk of `subjects` writes that another chunk beside it might too (the
    /// clients an import creates or updates). Only imports run chunks side by side.
    fn touches(&self, subjects: &[i64]) -> HashSet<String> {
        match self {
            Work::Import(loaded) => loaded.clients_of(subjects),
            Work::Bulk(_) | Work::UpdateEmail(_) => HashSet::new(),
        }
    }
}

/// The next items of job `id` without an outcome, after `after`, in order (`limit` of them, or
/// all).
pub(crate) async fn pending<C: ConnectionTrait>(db: &C, id: i64, after: i64, limit: Option<u64>) -> Result<Vec<i64>> {
    Ok(job_item::Entity::find()
        .select_only()
        .column(job_item::Column::SubjectId)
        .filter(job_item::Column::JobId.eq(id))
        .filter(job_item::Column::Outcome.is_null())
        .filter(job_item::Column::SubjectId.gt(after))
        .order_by_asc(job_item::Column::SubjectId)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?)
}

/// One chunk of a bulk action in one transaction (its next items). Returns whether there may be
/// more.
pub async fn chunk(portico: &Portico, lease: &str, id: i64, staff: &Staff, bulk: impl Into<Bulk>) -> Result<bool> {
    let subjects = pending(&portico.db, id, i64::MIN, Some(CHUNK)).await?;
    if subjects.is_empty() {
        finish_if_none_left(portico, id, lease).await?;
        return Ok(false);
    }
    run_chunk(portico, lease, id, staff, &Work::Bulk(bulk.into()), subjects).await
}

/// Marks job `id` done if none of its items is left without an outcome and the job is still
/// this worker's (`finish`'s fence). Whether it did.
async fn finish_if_none_left(portico: &Portico, id: i64, lease: &str) -> Result<bool> {
    let txn = portico.begin().await?;
    let finished = pending(&*txn, id, i64::MIN, Some(1)).await?.is_empty() && finish(&*txn, id, lease, None).await?;
    txn.commit().await?;
    Ok(finished)
}

/// One chunk of `subjects` in one transaction. Returns whether the job goes on (`false`: it was
/// cancelled, or its lease went to another worker).
async fn run_chunk(
    portico: &Portico,
    lease: &str,
    id: i64,
    staff: &Staff,
    work: &Work,
    subjects: Vec<i64>,
) -> Result<bool> {
    let txn = portico.begin().await?;
    let job = job::Entity::find_by_id(id).filter(job::Column::LeaseOwner.eq(lease)).one(&*txn).await?;
    if job.is_none_or(|j| j.status != status::RUNNING) {
        // Cancelled, or the lease went to another worker.
        return Ok(false);
    }
    let org = organization::Entity::find_by_id(staff.org_id.0).one(&*txn).await?.ok_or(Error::NotFound)?;
    let acted: Vec<(i64, Result<bool>)> = match work {
        Work::Bulk(bulk) => {
            let mut acted = Vec::with_capacity(subjects.len());
            for subject in subjects {
                let did = crate::bulk::act(&txn, portico, staff, &org, *bulk, ClientId(subject)).await.map(|()| true);
                acted.push((subject, did));
            }
            acted
        }
        Work::Import(loaded) => crate::imports::apply_chunk(&txn, portico, staff, &org, loaded, &subjects).await?,
        Work::UpdateEmail(loaded) => crate::updates::email_chunk(&txn, portico, &org, loaded, &subjects).await?,
    };
    let (mut done, mut skipped, mut failed) = (0i64, 0i64, 0i64);
    // Items of one outcome and reason are recorded together: one statement for a chunk that
    // went as expected.
    let mut recorded: BTreeMap<(&str, Option<String>), Vec<i64>> = BTreeMap::new();
    for (subject, did) in acted {
        let (result, reason) = match did {
            Ok(true) => (outcome::DONE, None),
            Ok(false) => (outcome::SKIPPED, Some("Nothing to change: already imported.".to_string())),
            Err(Error::Conflict(why) | Error::RateLimited(why)) => (outcome::SKIPPED, Some(why)),
            Err(Error::NotFound) => (outcome::SKIPPED, Some("The client was deleted.".to_string())),
            Err(Error::Validation { message, .. }) => (outcome::FAILED, Some(message)),
            // Anything else is not about this client: the chunk is undone whole and retried.
            Err(e) => return Err(e),
        };
        match result {
            outcome::DONE => done += 1,
            outcome::SKIPPED => skipped += 1,
            _ => failed += 1,
        }
        recorded.entry((result, reason)).or_default().push(subject);
    }
    for ((result, reason), subjects) in recorded {
        job_item::Entity::update_many()
            .col_expr(job_item::Column::Outcome, Expr::value(result))
            .col_expr(job_item::Column::Reason, Expr::value(reason))
            .filter(job_item::Column::JobId.eq(id))
            .filter(job_item::Column::SubjectId.is_in(subjects))
            .exec(&*txn)
            .await?;
    }
    if !record_progress(&*txn, id, lease, [done, skipped, failed]).await? {
        // Cancelled while this chunk ran (PostgreSQL): none of it happens.
        return Ok(false);
    }
    txn.commit().await?;
    portico.outbox_wakeup.ring();
    Ok(true)
}

/// The update of job `id` by the worker holding `lease`, only while it holds it and the job
/// runs (not cancelled): every write of a worker is fenced this way.
fn held(id: i64, lease: &str) -> sea_orm::UpdateMany<job::Entity> {
    job::Entity::update_many()
        .filter(job::Column::Id.eq(id))
        .filter(job::Column::LeaseOwner.eq(lease))
        .filter(job::Column::Status.eq(status::RUNNING))
}

/// Adds `[done, skipped, failed]` to the job's counts and renews the lease. `false`: the job is
/// no longer this worker's to work on (cancelled, or its lease went to another).
pub(crate) async fn record_progress<C: ConnectionTrait>(
    db: &C,
    id: i64,
    lease: &str,
    [done, skipped, failed]: [i64; 3],
) -> Result<bool> {
    let counted = held(id, lease)
        .col_expr(job::Column::Done, Expr::col(job::Column::Done).add(done))
        .col_expr(job::Column::Skipped, Expr::col(job::Column::Skipped).add(skipped))
        .col_expr(job::Column::Failed, Expr::col(job::Column::Failed).add(failed))
        .col_expr(job::Column::LeaseUntil, Expr::value(now() + LEASE))
        .exec(db)
        .await?;
    Ok(counted.rows_affected == 1)
}

/// Marks the job done, with the file it made (its name, and until when it is kept). `false` as
/// for `record_progress`.
pub(crate) async fn finish<C: ConnectionTrait>(
    db: &C,
    id: i64,
    lease: &str,
    file: Option<(String, chrono::DateTime<chrono::Utc>)>,
) -> Result<bool> {
    let mut update = held(id, lease)
        .col_expr(job::Column::Status, Expr::value(status::DONE))
        .col_expr(job::Column::FinishedAt, Expr::value(now()))
        .col_expr(job::Column::LeaseUntil, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None));
    if let Some((name, until)) = file {
        update = update
            .col_expr(job::Column::FileName, Expr::value(name))
            .col_expr(job::Column::FileExpiresAt, Expr::value(until));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

fn job_status(s: &str) -> JobStatus {
    match s {
        status::QUEUED => JobStatus::Queued,
        status::RUNNING => JobStatus::Running,
        status::DONE => JobStatus::Done,
        status::CANCELLED => JobStatus::Cancelled,
        _ => JobStatus::Failed,
    }
}

fn summary(job: &job::Model, started_by: Option<String>) -> JobSummary {
    let title = if job.kind == crate::exports::KIND {
        crate::exports::title(&job.params)
    } else if job.kind == crate::imports::KIND {
        match job.total {
            1 => format!("{}: 1 row", crate::imports::title(&job.params)),
            n => format!("{}: {} rows", crate::imports::title(&job.params), crate::model::thousands(n as u64)),
        }
    } else if job.kind == crate::updates::KIND {
        match job.total {
            1 => format!("{}: 1 client", crate::updates::title(&job.params)),
            n => format!("{}: {} clients", crate::updates::title(&job.params), crate::model::thousands(n as u64)),
        }
    } else {
        let action = serde_json::from_str::<Bulk>(&job.params).map(|p| p.action.label()).unwrap_or("Bulk action");
        match job.total {
            1 => format!("{action}: 1 client"),
            n => format!("{action}: {n} clients"),
        }
    };
    JobSummary {
        id: job.id,
        title,
        status: job_status(&job.status),
        total: job.total,
        done: job.done,
        skipped: job.skipped,
        failed: job.failed,
        started_by,
        created_at: job.created_at,
        finished_at: job.finished_at,
        unit: if job.kind == crate::imports::KIND { "rows" } else { "clients" }.to_string(),
    }
}

/// The Jobs page: the organization's latest jobs for owners and admins, a member's own
/// otherwise, newest first.
pub async fn list(portico: &Portico, staff: &Staff) -> Result<Vec<JobSummary>> {
    let mut select =
        job::Entity::find().filter(job::Column::OrgId.eq(staff.org_id.0)).filter(job::Column::Status.ne(status::DRAFT));
    if !staff.role.manages_organization() {
        select = select.filter(job::Column::CreatedBy.eq(staff.user_id.0));
    }
    let jobs = select.order_by_desc(job::Column::Id).limit(LISTED).all(&portico.db).await?;
    let names =
        crate::clients::staff_names(&portico.db, staff.org_id.0, jobs.iter().filter_map(|j| j.created_by)).await?;
    Ok(jobs.iter().map(|j| summary(j, j.created_by.and_then(|id| names.get(&id).cloned()))).collect())
}

/// Jobs the Jobs page shows (the latest).
const LISTED: u64 = 100;

/// A job's page: progress, and the clients skipped or failed with the reason.
pub async fn page(portico: &Portico, staff: &Staff, id: i64) -> Result<JobPage> {
    let job = find(portico, staff, id).await?;
    if job.status == status::DRAFT {
        // An upload not yet imported is shown by its import page.
        return Err(Error::NotFound);
    }
    let import = job.kind == crate::imports::KIND;
    let names = crate::clients::staff_names(&portico.db, staff.org_id.0, job.created_by).await?;
    let problems: Vec<(i64, Option<String>, Option<String>)> = job_item::Entity::find()
        .select_only()
        .columns([job_item::Column::SubjectId, job_item::Column::Outcome, job_item::Column::Reason])
        .filter(job_item::Column::JobId.eq(job.id))
        .filter(job_item::Column::Outcome.is_in([outcome::SKIPPED, outcome::FAILED]))
        .order_by_asc(job_item::Column::SubjectId)
        .limit(JobPage::PROBLEMS_SHOWN)
        .into_tuple()
        .all(&portico.db)
        .await?;
    let clients: std::collections::HashMap<i64, String> = client::Entity::find()
        .select_only()
        .columns([client::Column::Id, client::Column::Name])
        .filter(client::Column::OrgId.eq(staff.org_id.0))
        .filter(client::Column::Id.is_in(problems.iter().filter(|_| !import).map(|p| p.0)))
        .into_tuple()
        .all(&portico.db)
        .await?
        .into_iter()
        .collect();
    let summary = summary(&job, job.created_by.and_then(|id| names.get(&id).cloned()));
    let download = job.file_expires_at.filter(|_| job.kind == crate::exports::KIND).map(|until| JobDownload {
        href: format!("/exports/{}", job.id),
        until,
        expired: job.file_name.is_none() || until <= now(),
    });
    Ok(JobPage {
        download,
        can_cancel: !summary.status.is_finished(),
        job: summary,
        error: job.error,
        problems: problems
            .into_iter()
            .map(|(subject, outcome, reason)| JobProblem {
                subject: match (import, clients.get(&subject)) {
                    (true, _) => format!("Row {subject}"),
                    (false, Some(name)) => name.clone(),
                    (false, None) => "A deleted client".into(),
                },
                href: (!import).then(|| format!("/clients/{subject}")),
                skipped: outcome.as_deref() == Some(outcome::SKIPPED),
                reason: reason.unwrap_or_default(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn statistics_are_refreshed_each_time_the_chunks_quadruple() {
        let at: Vec<u64> = (1..=300).filter(|n| super::is_power_of_four(*n)).collect();
        assert_eq!(at, vec![1, 4, 16, 64, 256]);
    }
}
