//! The outbox: every email is written in the same transaction as the change that causes it,
//! then a worker claims due messages with a lease, sends them outside any transaction and
//! records the result. Retries reuse the stored content and Message-ID, so a retry can
//! never send a different link.

use std::{sync::Arc, time::Duration};

use chrono::Duration as Span;
use lettre::{
    Message,
    message::{Mailbox, MultiPart},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Set,
    sea_query::{Condition, Expr, ExprTrait},
};
use tokio_util::sync::CancellationToken;

mod journal;
pub use journal::{Held, InstanceLock, Journal};

use crate::{
    Portico, Result, audit, batch::Batch, entities::outbox_message, mail::Rendered, now, secrets::random_hex16, smtp,
};

/// Delivery states shown in the Mailbox.
pub mod status {
    pub const QUEUED: &str = "queued";
    pub const SENT: &str = "sent";
    pub const CAPTURED: &str = "captured";
    pub const FAILED: &str = "failed";
}

/// How long a claim holds a message: longer than the slowest send can take (lettre gives
/// each SMTP command 20 s, and a message is about ten of them: connect, EHLO, STARTTLS, AUTH,
/// MAIL, RCPT, DATA, the body, QUIT), so a message still being sent is never claimed again.
/// A process that dies mid-send leaves its messages to be claimed after this.
const LEASE: Span = Span::minutes(5);
/// Tries before a message that keeps failing for now is given up as failed.
pub const MAX_ATTEMPTS: i32 = 8;
/// Bulk messages sent at once by one worker unless configured (`PORTICO_MAIL_SENDERS`).
pub const SENDERS: usize = 8;
/// Urgent messages sent at once by one worker, on connections of their own.
pub const URGENT_SENDERS: usize = 2;
/// Messages claimed at once by one lane.
const BATCH: u64 = 50;

/// Which sender claims a message. Someone is waiting for an urgent one (a code, a sign-in
/// link, a staff notice), so it has its own sender and connections and never queues behind a
/// bulk send of invitations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lane {
    Urgent,
    Bulk,
}

impl Lane {
    pub const ALL: [Lane; 2] = [Lane::Urgent, Lane::Bulk];
    pub fn key(self) -> &'static str {
        match self {
            Lane::Urgent => "urgent",
            Lane::Bulk => "bulk",
        }
    }
}

/// What a message is about; stored as its key in `outbox_messages.topic`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    Invitation,
    Code,
    LoginEmail,
    SignInLink,
    PasswordReset,
    StaffPasswordReset,
    StaffInvitation,
    Notification,
    DetailsChanged,
    Removed,
    Update,
    Tasks,
    Form,
}

impl Topic {
    pub const ALL: [Topic; 13] = [
        Topic::Invitation,
        Topic::Code,
        Topic::LoginEmail,
        Topic::SignInLink,
        Topic::PasswordReset,
        Topic::StaffPasswordReset,
        Topic::StaffInvitation,
        Topic::Notification,
        Topic::DetailsChanged,
        Topic::Removed,
        Topic::Update,
        Topic::Tasks,
        Topic::Form,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Topic::Invitation => "invitation",
            Topic::Code => "code",
            Topic::LoginEmail => "login_email",
            Topic::SignInLink => "sign_in_link",
            Topic::PasswordReset => "password_reset",
            Topic::StaffPasswordReset => "staff_password_reset",
            Topic::StaffInvitation => "staff_invitation",
            Topic::Notification => "notification",
            Topic::DetailsChanged => "details_changed",
            Topic::Removed => "removed",
            Topic::Update => "update",
            Topic::Tasks => "tasks",
            Topic::Form => "form",
        }
    }

    pub fn from_key(key: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.key() == key)
    }

    /// Invitations, login emails, notices of edits or removal and project updates go to many
    /// clients at once (bulk actions, imports, jobs); everything else answers someone who is
    /// waiting.
    pub fn lane(self) -> Lane {
        match self {
            Topic::Invitation
            | Topic::LoginEmail
            | Topic::DetailsChanged
            | Topic::Removed
            | Topic::Update
            | Topic::Tasks
            | Topic::Form => Lane::Bulk,
            Topic::Code
            | Topic::SignInLink
            | Topic::PasswordReset
            | Topic::StaffPasswordReset
            | Topic::StaffInvitation
            | Topic::Notification => Lane::Urgent,
        }
    }

    /// How the invitation's timeline names the email.
    fn label(self) -> &'static str {
        match self {
            Topic::Invitation => "Invitation",
            Topic::Code => "Code",
            Topic::LoginEmail => "Login",
            Topic::SignInLink => "Sign-in link",
            Topic::PasswordReset => "Password reset",
            Topic::DetailsChanged => "Details changed",
            Topic::Removed => "Removal",
            Topic::Update => "Project update",
            Topic::Tasks => "Tasks",
            Topic::Form => "Form",
            Topic::StaffPasswordReset | Topic::StaffInvitation | Topic::Notification => "Notification",
        }
    }

    /// Days a delivered body that carried a live link or code is kept (sealed) before it is
    /// blanked: a little past the longest life of what it carries, so the Mailbox can still
    /// show a recent message. None: the body carries no secret.
    fn secret_for_days(self) -> Option<i64> {
        match self {
            _ if self.is_short_lived() => Some(1),
            Topic::StaffInvitation => Some(8),
            Topic::Invitation => Some(31),
            _ => None,
        }
    }

    /// It carries a code or link that stops working within minutes (or an hour): sending it
    /// again later would not help, a new one must be asked for.
    pub fn is_short_lived(self) -> bool {
        matches!(
            self,
            Topic::Code | Topic::StaffPasswordReset | Topic::SignInLink | Topic::LoginEmail | Topic::PasswordReset
        )
    }
}

/// A lease token for one claim: the worker's id (at most 31 characters, so the token fits the
/// 64 of `lease_owner` columns) and a random part. Only its holder may record a result.
/// The worker id of a process's sender in `lane`: the lane's letter, then the process's id.
pub fn lane_worker(lane: Lane, worker_id: &str) -> String {
    let letter = match lane {
        Lane::Urgent => 'u',
        Lane::Bulk => 'b',
    };
    format!("{letter}{worker_id}")
}

pub(crate) fn lease_token(worker_id: &str) -> String {
    format!("{}/{}", worker_id.chars().take(31).collect::<String>(), random_hex16())
}

/// Whether `token` has the whole form `lease_token` makes (a line of the handover journal cut
/// short does not).
pub(crate) fn is_lease_token(token: &str) -> bool {
    token.split_once('/').is_some_and(|(worker, random)| {
        !worker.is_empty()
            && !worker.contains(' ')
            && random.len() == 32
            && random.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Rung after a transaction that queued messages commits: each lane's sender has its own bell,
/// so both start at once and neither takes the other's wake-up.
#[derive(Debug, Default)]
pub struct Wakeup {
    lanes: [tokio::sync::Notify; 2],
}

impl Wakeup {
    pub fn ring(&self) {
        for lane in &self.lanes {
            lane.notify_one();
        }
    }
    async fn heard(&self, lane: Lane) {
        self.lanes[lane as usize].notified().await
    }
}

/// What the outbox should send, and what it is about.
pub struct Outgoing<'a> {
    pub org_id: i64,
    pub topic: Topic,
    pub to: &'a str,
    pub from_name: &'a str,
    pub mail: Rendered,
    pub invitation_id: Option<i64>,
}

/// Queues an email inside the caller's transaction.
pub async fn enqueue<C: ConnectionTrait>(db: &C, portico: &Portico, m: Outgoing<'_>) -> Result<i64> {
    Ok(row(portico, &message_host(portico), m).insert(db).await?.id)
}

/// Queues many emails in one statement inside the caller's transaction (an import chunk's).
pub async fn enqueue_many<C: ConnectionTrait>(db: &C, portico: &Portico, messages: Vec<Outgoing<'_>>) -> Result<()> {
    Batch::write(db, |batch| enqueue_later(batch, portico, messages)).await
}

/// `enqueue_many` as part of the caller's batch.
pub fn enqueue_later(batch: &mut Batch, portico: &Portico, messages: Vec<Outgoing<'_>>) {
    if messages.is_empty() {
        return;
    }
    let host = message_host(portico);
    batch.add(&outbox_message::Entity::insert_many(messages.into_iter().map(|m| row(portico, &host, m))));
}

/// The right-hand side of the Message-IDs this instance makes: its public host.
fn message_host(portico: &Portico) -> String {
    url::Url::parse(&portico.public_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "portico.localhost".into())
}

fn row(portico: &Portico, host: &str, m: Outgoing<'_>) -> outbox_message::ActiveModel {
    outbox_message::ActiveModel {
        org_id: Set(m.org_id),
        channel: Set("email".into()),
        topic: Set(m.topic.key().into()),
        lane: Set(m.topic.lane().key().into()),
        recipient: Set(m.to.into()),
        from_name: Set(m.from_name.into()),
        subject: Set(m.mail.subject),
        body_text: Set(portico.key.seal(&m.mail.text)),
        body_html: Set(portico.key.seal(&m.mail.html)),
        message_id: Set(format!("<{}@{}>", random_hex16(), host)),
        status: Set(status::QUEUED.into()),
        attempts: Set(0),
        next_attempt_at: Set(now()),
        lease_until: Set(None),
        lease_owner: Set(None),
        last_error: Set(None),
        invitation_id: Set(m.invitation_id),
        created_at: Set(now()),
        sent_at: Set(None),
        purged_at: Set(None),
        ..Default::default()
    }
}

/// Where messages go: an SMTP server, or nowhere (captured: readable in the Mailbox only).
#[derive(Clone, Debug)]
pub enum Transport {
    Captured,
    /// `journal`: where a process of an instance writes down what the server accepted, so a
    /// kill before the result is recorded does not send it twice (`Journal`).
    Smtp {
        pool: Arc<smtp::Pool>,
        from_address: String,
        journal: Option<Arc<Journal>>,
    },
}

impl Transport {
    /// `smtp://host:port`, `smtps://user:pass@host` (lettre's URL form), or captured when unset.
    pub fn from_config(smtp_url: Option<&str>, from_address: &str) -> Result<Self, String> {
        match smtp_url.filter(|u| !u.trim().is_empty()) {
            None => Ok(Transport::Captured),
            Some(url) => {
                let pool = smtp::Pool::from_url(url, SENDERS)?;
                from_address
                    .parse::<lettre::Address>()
                    .map_err(|e| format!("PORTICO_MAIL_FROM is not an email address: {e}"))?;
                Ok(Transport::Smtp { pool: Arc::new(pool), from_address: from_address.into(), journal: None })
            }
        }
    }

    /// The same destination over `senders` connections of its own (one set per lane).
    pub fn with_connections(&self, senders: usize) -> Transport {
        match self {
            Transport::Captured => Transport::Captured,
            Transport::Smtp { pool, from_address, journal } => Transport::Smtp {
                pool: Arc::new(pool.sibling(senders)),
                from_address: from_address.clone(),
                journal: journal.clone(),
            },
        }
    }

    /// Whether what the server accepts is being written to a journal (one that failed to write
    /// has stopped).
    pub(crate) fn is_journaled(&self) -> bool {
        matches!(self, Transport::Smtp { journal: Some(j), .. } if j.is_writing())
    }

    /// The same destination, writing what the server accepts to `journal` (a server process
    /// of an instance; see `record_handed`).
    pub fn journaled(self, journal: Journal) -> Transport {
        match self {
            Transport::Captured => Transport::Captured,
            Transport::Smtp { pool, from_address, .. } => {
                Transport::Smtp { pool, from_address, journal: Some(Arc::new(journal)) }
            }
        }
    }
}

enum Outcome {
    /// The new status and the server's reply.
    Delivered(&'static str, String),
    Retry(String),
    Failed(String),
}

/// Results recorded in one transaction at most: whatever sends have finished while the last
/// write ran (on the bulk lane with a journal, during `RECORD_GATHER`), so a quick server gets
/// a write per batch instead of one per message.
const RECORD_AT_ONCE: usize = 128;

/// On the bulk lane with a handover journal, how long the recorder gathers results after the
/// first before it writes them. A write on PostgreSQL takes about a millisecond, so taking only
/// what had finished meanwhile wrote 10,000 invitations in 2,234 transactions of 4.5 results
/// (four statements each, their audit rows included): 0.3–0.4 of a core of the database's
/// time and the process's while aiosmtpd, a single-threaded server, wanted a core of its own.
/// What a kill catches sent but unrecorded meanwhile is in the journal, so waiting costs no
/// duplicate. Without a journal the channel holds only `senders` results, and the urgent
/// lane's few messages are better recorded at once: there the recorder takes whatever has
/// finished, without waiting.
const RECORD_GATHER: Duration = Duration::from_millis(20);

/// How long a failing write of results is tried again before the lane stops: long enough for a
/// database to restart (four tries in 1.2 s, the rule before, dropped the results of mail the
/// server had accepted, and that mail went again once its lease ran out), bounded so a write
/// that can never land pauses the lane for at most this long. A write that lands after a
/// message's lease ran out still records it, unless another process has claimed it meanwhile
/// (the fence is the claim's token): that copy may then be sent twice, the same Message-ID.
const RECORD_FOR: Duration = Duration::from_secs(150);

/// The longest wait between two tries of a failing write of results.
const RECORD_BACKOFF_AT_MOST: Duration = Duration::from_secs(2);

/// Claimed batches a lane keeps ahead of its senders. On SQLite a claim waits for the one
/// writer, which an import chunk holds for about a tenth of a second: with one batch ahead the
/// senders ran dry during every chunk of an import that sends (10,000 invitations sent seconds
/// after the import ended instead of with it).
const CLAIMED_AHEAD: u64 = 4;

/// Sent messages a lane's senders may run ahead of the recorder, whose write waits for the
/// writer like a claim. Each is accepted by the server and not yet recorded: without a
/// journal a kill sends it again (same Message-ID, so one copy shows), so that number stays at
/// about two per sender; with one, the process that restarts on the instance records it from
/// the journal, and the senders keep going through a long wait for the writer.
fn unrecorded_at_most(transport: &Transport, senders: usize) -> usize {
    if transport.is_journaled() { RECORD_AT_ONCE * 2 } else { senders }
}

/// Claims and sends what is due in `lane`, `senders` messages at a time, until nothing is due.
/// Returns how many it claimed. Once `stop` is cancelled, a claimed message that has not started
/// is released (claimable at once by another process) instead of sent; one being sent is finished.
///
/// Claiming, sending and recording run side by side as a pipeline: the next batch is claimed
/// while the last one is being sent, and results are written while the senders go on, so the
/// senders never stand idle between batches (a batch at a time cost a claim, a record and the
/// slowest send of each batch, 200 times for 10,000 invitations).
pub async fn deliver_due(
    portico: &Portico,
    transport: &Transport,
    lane: Lane,
    worker_id: &str,
    batch: u64,
    senders: usize,
    stop: &CancellationToken,
) -> Result<usize> {
    use futures::StreamExt;
    use std::sync::atomic::Ordering::Relaxed;
    let senders = senders.max(1);
    let started = std::time::Instant::now();
    // Cancelled on `stop`, or when the recorder fails: then nothing more is claimed or sent.
    let halt = stop.child_token();
    let halt = &halt;
    // Set while a write of results is failing and being tried again: nothing more is claimed
    // or sent until one lands, so what a write that never lands drops is only what had been
    // sent before it began failing.
    let stalled = std::sync::atomic::AtomicBool::new(false);
    let stalled = &stalled;
    // Claimed messages not yet started: on the bulk lane up to `CLAIMED_AHEAD` batches queued
    // ahead of the senders, so the next claim (which may wait for SQLite's one writer) is made
    // while they still have work; with a queue only as deep as the senders they stood idle at
    // each claim. The urgent lane queues one batch: its few messages are better left to
    // another process's idle senders than held here. A message that waits too long for its
    // lease is given back (`late`), and one claimed again meanwhile is fenced by its new
    // claim's token.
    let ahead = if lane == Lane::Bulk { CLAIMED_AHEAD } else { 1 };
    let (queue, mut queued) =
        tokio::sync::mpsc::channel::<outbox_message::Model>((std::cmp::max(batch, 1) * ahead) as usize);
    let claiming = async move {
        let mut claimed = 0;
        // After a full batch more is nearly always due: the claim goes straight to its update.
        let mut look_first = true;
        // A pass ends after `PASS` so the lane's other duties (the sign-in links clients asked
        // for) come round; the next pass starts at once.
        'claiming: while !halt.is_cancelled() && !stalled.load(Relaxed) && started.elapsed() < PASS {
            // Each claim has a token of its own, which its messages carry: a message whose
            // lease ran out while it waited and that is claimed again is fenced by its new
            // token, so the older copy can neither record nor release it.
            let (_, messages) = claim_due(portico, lane, worker_id, batch, look_first).await?;
            if messages.is_empty() {
                break;
            }
            look_first = (messages.len() as u64) < batch;
            claimed += messages.len();
            for message in messages {
                // The senders stop only when the queue closes; a message they would not take
                // waits for its lease to run out.
                if queue.send(message).await.is_err() {
                    break 'claiming;
                }
            }
        }
        Ok::<usize, crate::Error>(claimed)
    };
    // Bounded: a sender waits for the recorder rather than running far ahead of it.
    let (done, mut results) =
        tokio::sync::mpsc::channel::<std::result::Result<Recorded, Unsent>>(unrecorded_at_most(transport, senders));
    let sending = async move {
        futures::stream::poll_fn(move |cx| queued.poll_recv(cx))
            .for_each_concurrent(senders, |message| {
                let done = done.clone();
                async move {
                    // A message whose lease would run out during its send is given back
                    // unsent (a slow server and a long queue): sending it could overlap with
                    // the process that claims it next.
                    let late = message
                        .lease_until
                        .is_none_or(|until| until - now() < Span::from_std(crate::smtp::SEND_TIMEOUT).unwrap_or(LEASE));
                    // Stopping, or the recorder stopped or is failing to write: what is sent
                    // now might not be recorded and would go again, so it is given back.
                    let result = if halt.is_cancelled() || late || done.is_closed() || stalled.load(Relaxed) {
                        Err(Unsent { id: message.id, lease: message.lease_owner.clone().unwrap_or_default() })
                    } else {
                        let outcome = attempt(portico, transport, &message).await;
                        Ok(Recorded::of(message, outcome))
                    };
                    let _ = done.send(result).await;
                }
            })
            .await;
    };
    let gather = if lane == Lane::Bulk && transport.is_journaled() { RECORD_GATHER } else { Duration::ZERO };
    let recording = async move {
        while let Some(first) = results.recv().await {
            let finished = gathered(first, &mut results, gather).await;
            let (sent, unsent): (Vec<_>, Vec<_>) = finished.into_iter().partition(std::result::Result::is_ok);
            let sent: Vec<Recorded> = sent.into_iter().flatten().collect();
            let unsent: Vec<Unsent> = unsent.into_iter().filter_map(std::result::Result::err).collect();
            // A failed write (the database restarting, a busy timeout) is tried again before
            // the lane stops, the senders paused meanwhile (`stalled`): dropped, these results
            // would be sent again once their lease ran out. Writing twice is harmless: each
            // write is fenced on the claim's token, which the first one that lands clears;
            // a write that landed is not made again (it would find its rows no longer held
            // and warn of each as taken by another worker).
            let mut tries = 0;
            let failing_since = std::time::Instant::now();
            let mut sent = Some(sent);
            while let Err(e) = async {
                if let Some(results) = &sent {
                    record(portico, results.clone()).await?;
                    sent = None;
                }
                release(portico, unsent.clone()).await
            }
            .await
            {
                stalled.store(true, Relaxed);
                tries += 1;
                // Stopping: one more try at once (the wait below ends on `halt`), then a server
                // process's journal has these results for the next one.
                if (halt.is_cancelled() && tries > 1) || failing_since.elapsed() > RECORD_FOR {
                    halt.cancel();
                    return Err(e);
                }
                tracing::warn!(error = %e, tries, "recording sent mail failed; trying again");
                let wait = std::cmp::min(Duration::from_millis(200) * tries, RECORD_BACKOFF_AT_MOST);
                tokio::select! {
                    () = halt.cancelled() => {}
                    () = tokio::time::sleep(wait) => {}
                }
            }
            stalled.store(false, Relaxed);
        }
        Ok::<(), crate::Error>(())
    };
    let (claimed, (), recorded) = tokio::join!(claiming, sending, recording);
    recorded?;
    claimed
}

/// How long one pass of a lane claims before it returns (and the next begins).
const PASS: Duration = Duration::from_secs(10);

/// The results to write next: `first` and those that arrive within `gather` of it, at most
/// `RECORD_AT_ONCE`. With no gathering time, only those that have arrived already (a timer of
/// zero would still wait for the timer's next millisecond).
async fn gathered<T>(first: T, results: &mut tokio::sync::mpsc::Receiver<T>, gather: Duration) -> Vec<T> {
    let mut finished = vec![first];
    let until = tokio::time::Instant::now() + gather;
    while finished.len() < RECORD_AT_ONCE {
        let next = if gather.is_zero() {
            results.try_recv().ok()
        } else {
            tokio::time::timeout_at(until, results.recv()).await.ok().flatten()
        };
        match next {
            Some(next) => finished.push(next),
            None => break,
        }
    }
    finished
}

/// A claimed message given back unsent, with the token of the claim that holds it.
#[derive(Clone)]
struct Unsent {
    id: i64,
    lease: String,
}

/// Gives back claimed messages that were not sent: no lease, and the claim's attempt uncounted;
/// one statement per claim they came from, each fenced on that claim's token.
async fn release(portico: &Portico, unsent: Vec<Unsent>) -> Result<()> {
    use outbox_message::Column as C;
    let mut by_lease: std::collections::BTreeMap<String, Vec<i64>> = std::collections::BTreeMap::new();
    for u in unsent {
        by_lease.entry(u.lease).or_default().push(u.id);
    }
    for (lease, ids) in by_lease {
        let _turn = portico.write_turn().await;
        outbox_message::Entity::update_many()
            .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
            .col_expr(C::LeaseUntil, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
            .col_expr(C::Attempts, Expr::col(C::Attempts).sub(1))
            .filter(C::Id.is_in(ids))
            .filter(C::LeaseOwner.eq(lease))
            .exec(&portico.db)
            .await?;
    }
    Ok(())
}

/// Claims up to `batch` due messages in one statement, under a lease token of this pass (the
/// worker's id and a random part): only the holder of that token may record a result.
/// On PostgreSQL the due rows are chosen `FOR UPDATE SKIP LOCKED`, so workers of several
/// processes claiming at once take different messages instead of queueing on the same rows;
/// SQLite has one writer, so the statement is atomic by itself (taken in the writer turn).
pub async fn claim(
    portico: &Portico,
    lane: Lane,
    worker_id: &str,
    batch: u64,
) -> Result<(String, Vec<outbox_message::Model>)> {
    claim_due(portico, lane, worker_id, batch, true).await
}

/// `claim`, with the read that finds whether anything is due first made only when `look_first`.
/// That read costs about as much as the claim's own search (both walk the lane's index past
/// the entries of messages already sent, until vacuum clears them), so a sender that has just
/// claimed a full batch skips it: during a bulk send it was 200 of the claims' 400 statements.
async fn claim_due(
    portico: &Portico,
    lane: Lane,
    worker_id: &str,
    batch: u64,
    look_first: bool,
) -> Result<(String, Vec<outbox_message::Model>)> {
    use outbox_message::Column as C;
    use sea_orm::sea_query::{LockBehavior, LockType, Query};
    // At most 31 + 1 + 32 characters: `lease_owner` holds 64 (PostgreSQL refuses more).
    let lease = lease_token(worker_id);
    let t = now();
    let mut due = Query::select();
    due.column(C::Id)
        .from(outbox_message::Entity)
        .cond_where(due_in(lane, t))
        // The order of `ix_outbox_lane_due`, so the first `batch` due rows are read and no more.
        .order_by(C::NextAttemptAt, sea_orm::Order::Asc)
        .order_by(C::Id, sea_orm::Order::Asc)
        .limit(batch);
    // Most passes find nothing: a read first (the lane's partial index), so an idle sender
    // never takes SQLite's one writer or a row lock.
    if look_first && !anything_due(portico, lane, t).await? {
        return Ok((lease, Vec::new()));
    }
    if crate::db::is_postgres(&portico.db) {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let turn = portico.write_turn().await;
    let claimed = outbox_message::Entity::update_many()
        .col_expr(C::LeaseOwner, Expr::value(lease.clone()))
        .col_expr(C::LeaseUntil, Expr::value(t + LEASE))
        .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
        .filter(C::Id.in_subquery(due))
        .exec_with_returning(&portico.db)
        .await?;
    drop(turn);
    Ok((lease, claimed))
}

/// A message of `lane` that is due at `t` and that no live lease holds: what a claim takes,
/// read through the lane's partial index of queued messages (`ix_outbox_lane_due`).
fn due_in(lane: Lane, t: chrono::DateTime<chrono::Utc>) -> Condition {
    use outbox_message::Column as C;
    Condition::all()
        .add(C::Status.eq(status::QUEUED))
        .add(C::Lane.eq(lane.key()))
        .add(C::NextAttemptAt.lte(t))
        .add(Condition::any().add(C::LeaseUntil.is_null()).add(C::LeaseUntil.lt(t)))
}

/// Whether `lane` has a message due at `t` that no live lease holds.
async fn anything_due(portico: &Portico, lane: Lane, t: chrono::DateTime<chrono::Utc>) -> Result<bool> {
    use outbox_message::Column as C;
    let first: Option<i64> = outbox_message::Entity::find()
        .select_only()
        .column(C::Id)
        .filter(due_in(lane, t))
        .limit(1)
        .into_tuple()
        .one(&portico.db)
        .await?;
    Ok(first.is_some())
}

/// Sends one message claimed under `lease` and records the result, if the lease still holds it.
pub async fn deliver(
    portico: &Portico,
    transport: &Transport,
    lease: &str,
    message: outbox_message::Model,
) -> Result<()> {
    let outcome = attempt(portico, transport, &message).await;
    let mut result = Recorded::of(message, outcome);
    result.lease = lease.to_string();
    record(portico, vec![result]).await
}

async fn attempt(portico: &Portico, transport: &Transport, message: &outbox_message::Model) -> Outcome {
    match (portico.key.unseal(&message.body_text), portico.key.unseal(&message.body_html)) {
        (Some(text), Some(html)) => send(transport, message, text, html).await,
        _ => Outcome::Failed("the message could not be unsealed: was the server key changed?".into()),
    }
}

async fn send(transport: &Transport, m: &outbox_message::Model, text: String, html: String) -> Outcome {
    let (smtp, from_address, journal) = match transport {
        Transport::Captured => {
            return Outcome::Delivered(status::CAPTURED, "captured: no SMTP server is configured".into());
        }
        Transport::Smtp { pool, from_address, journal } => (pool, from_address, journal),
    };
    let Ok(to) = m.recipient.parse::<Mailbox>() else {
        return Outcome::Failed(format!("invalid recipient address {:?}", m.recipient));
    };
    let Ok(from) = from_address.parse::<lettre::Address>().map(|a| Mailbox::new(Some(m.from_name.clone()), a)) else {
        return Outcome::Failed("invalid sender address".into());
    };
    let email = Message::builder()
        .from(from)
        .to(to)
        .subject(&m.subject)
        .message_id(Some(m.message_id.clone()))
        .multipart(MultiPart::alternative_plain_html(text, html));
    let email = match email {
        Ok(e) => e,
        Err(e) => return Outcome::Failed(format!("could not build the message: {e}")),
    };
    match smtp.send(email.envelope(), &email.formatted()).await {
        Ok(response) => {
            if let Some(journal) = journal {
                journal.handed(m.id, m.lease_owner.as_deref().unwrap_or_default());
            }
            tracing::info!(message = m.id, code = %response.code(), "email sent");
            let reply = std::iter::once(response.code().to_string())
                .chain(response.message().map(str::to_string))
                .collect::<Vec<_>>();
            Outcome::Delivered(status::SENT, reply.join(" "))
        }
        Err(e) if e.permanent => Outcome::Failed(e.reason),
        Err(e) => Outcome::Retry(e.reason),
    }
}

/// The result of one send, ready to be written.
#[derive(Clone)]
struct Recorded {
    id: i64,
    /// The token of the claim that holds it: its result is written only under that claim.
    lease: String,
    /// A delivery's new status (sent or captured): written for the whole batch at once.
    delivered: Option<&'static str>,
    /// Any other result: the row as it is to be written.
    row: outbox_message::ActiveModel,
    /// The invitation it was about, for its timeline: (org, invitation, topic, recipient).
    about: Option<(i64, i64, String, String)>,
    event: &'static str,
    detail: String,
}

impl Recorded {
    fn of(m: outbox_message::Model, outcome: Outcome) -> Recorded {
        let attempts = m.attempts;
        let id = m.id;
        let lease = m.lease_owner.clone().unwrap_or_default();
        let about = m.invitation_id.map(|inv| (m.org_id, inv, m.topic.clone(), m.recipient.clone()));
        let mut row: outbox_message::ActiveModel = m.into();
        row.lease_until = Set(None);
        row.lease_owner = Set(None);
        let mut delivered = None;
        let (event, detail) = match outcome {
            Outcome::Delivered(state, reply) => {
                delivered = Some(state);
                // Without a mail server nothing left the building: the timeline must not say
                // "delivered" of a message only kept in the Mailbox.
                (if state == status::CAPTURED { "email.captured" } else { "email.delivered" }, reply)
            }
            Outcome::Retry(error) if attempts < MAX_ATTEMPTS => {
                tracing::warn!(message = id, attempts, %error, "email delivery failed, will retry");
                let next = now() + backoff(attempts);
                row.next_attempt_at = Set(next);
                row.last_error = Set(Some(error.clone()));
                // The timeline says when the next try is and how many are left.
                let horizon =
                    format!("attempt {attempts} of {MAX_ATTEMPTS}; next at {}", next.format("%Y-%m-%d %H:%M UTC"));
                ("email.retrying", format!("{error} ({horizon})"))
            }
            Outcome::Retry(error) => {
                tracing::warn!(message = id, attempts, %error, "email delivery failed for good");
                row.status = Set(status::FAILED.into());
                row.last_error = Set(Some(error.clone()));
                ("email.failed", format!("{error} (gave up after {attempts} attempts; Retry it from the Mailbox)"))
            }
            Outcome::Failed(error) => {
                tracing::warn!(message = id, attempts, %error, "email delivery failed for good");
                row.status = Set(status::FAILED.into());
                row.last_error = Set(Some(error.clone()));
                ("email.failed", error)
            }
        };
        Recorded { id, lease, delivered, row, about, event, detail }
    }
}

/// Writes the results of sends in one transaction, each fenced on the lease: when the lease ran
/// out and another worker claimed the message meanwhile, that worker's result is the one kept
/// (this one is logged and dropped), so a slow send can never overwrite a later attempt's outcome.
/// Deliveries, nearly all results, take one statement per batch (plus one for their timeline
/// rows): the shorter this transaction, the fewer messages a kill can catch accepted by the
/// mail server but not yet recorded (each of those is sent again).
async fn record(portico: &Portico, results: Vec<Recorded>) -> Result<()> {
    use outbox_message::Column as C;
    if results.is_empty() {
        return Ok(());
    }
    let txn = portico.begin().await?;
    let mut written = std::collections::HashSet::new();
    // Deliveries by new status and by the claim that holds them (nearly always one or two).
    let mut deliveries: std::collections::BTreeMap<(&'static str, &str), Vec<i64>> = std::collections::BTreeMap::new();
    for r in &results {
        if let Some(state) = r.delivered {
            deliveries.entry((state, r.lease.as_str())).or_default().push(r.id);
        }
    }
    for ((state, lease), ids) in deliveries {
        let mut update = outbox_message::Entity::update_many()
            .col_expr(C::Status, Expr::value(state))
            .col_expr(C::SentAt, Expr::value(Some(now())))
            .col_expr(C::LastError, Expr::value(Option::<String>::None))
            .col_expr(C::LeaseUntil, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
            .col_expr(C::LeaseOwner, Expr::value(Option::<String>::None))
            .filter(C::Id.is_in(ids))
            .filter(C::LeaseOwner.eq(lease))
            .into_query();
        update.returning_col(C::Id);
        for row in txn.query_all(&update).await? {
            written.insert(row.try_get_by_index::<i64>(0)?);
        }
    }
    let mut events = Vec::new();
    for r in results {
        if r.delivered.is_none()
            && outbox_message::Entity::update_many()
                .set(r.row)
                .filter(C::Id.eq(r.id))
                .filter(C::LeaseOwner.eq(r.lease.as_str()))
                .exec(&*txn)
                .await?
                .rows_affected
                == 1
        {
            written.insert(r.id);
        }
        if !written.contains(&r.id) {
            tracing::warn!(
                message = r.id,
                event = r.event,
                "the lease ran out before the result was recorded: another worker holds it"
            );
            continue;
        }
        // The delivery result goes on the invitation's timeline, in the same transaction.
        if let Some((org_id, invitation_id, topic, recipient)) = r.about {
            events.push(audit::Event {
                org_id,
                actor: audit::Actor::System,
                subject_kind: "invitation",
                subject_id: invitation_id,
                event: r.event,
                detail: format!(
                    "{} email to {recipient}: {}",
                    Topic::from_key(&topic).map_or("Notification", Topic::label),
                    r.detail
                ),
                ip: None,
            });
        }
    }
    audit::record_many(&*txn, events).await?;
    txn.commit().await?;
    Ok(())
}

/// Records as sent what the previous process of `instance` handed to the SMTP server but was
/// killed before recording (its `Journal`), so it is not sent a second time, then clears the
/// journal for the process starting now. Runs before that process's claims are given back
/// (`jobs::recover`); a line whose message is no longer queued under the same claim is ignored.
pub async fn record_handed(portico: &Portico, instance: &str) -> Result<u64> {
    use outbox_message::Column as C;
    let mut by_lease: std::collections::BTreeMap<String, Vec<i64>> = std::collections::BTreeMap::new();
    for (id, lease) in journal::read(&portico.files, instance) {
        by_lease.entry(lease).or_default().push(id);
    }
    let mut recorded = 0;
    for (lease, ids) in by_lease {
        for ids in ids.chunks(500) {
            let unrecorded = outbox_message::Entity::find()
                .filter(C::Id.is_in(ids.iter().copied()))
                .filter(C::LeaseOwner.eq(lease.as_str()))
                .filter(C::Status.eq(status::QUEUED))
                .all(&portico.db)
                .await?;
            recorded += unrecorded.len() as u64;
            let reply = "accepted by the SMTP server; recorded when the process that sent it was restarted";
            record(
                portico,
                unrecorded
                    .into_iter()
                    .map(|m| Recorded::of(m, Outcome::Delivered(status::SENT, reply.into())))
                    .collect(),
            )
            .await?;
        }
    }
    if let Err(e) = journal::remove(&portico.files, instance) {
        // Harmless if it stays: its lines no longer match a queued message's claim.
        tracing::warn!(error = %e, "could not remove the handover journal");
    }
    Ok(recorded)
}

/// Exponential backoff with jitter: about 5 s, 10 s, 20 s … capped at 30 minutes.
fn backoff(attempts: i32) -> Span {
    use rand::Rng;
    let base = 5i64 * 2i64.pow(attempts.clamp(1, 10) as u32 - 1);
    let capped = std::cmp::min(base, 1800);
    let jitter = rand::thread_rng().gen_range(0..=capped / 2);
    Span::seconds(capped + jitter)
}

/// Blanks the bodies of delivered mail that carried a link or code once its retention period
/// has passed, at most `batch` per topic per call (small transactions; the worker calls it
/// now and then). Returns how many it blanked.
pub async fn purge_secret_bodies(portico: &Portico, batch: u64) -> Result<u64> {
    let mut purged = 0;
    for (topic, days) in Topic::ALL.into_iter().filter_map(|t| t.secret_for_days().map(|d| (t.key(), d))) {
        let due: Vec<i64> = outbox_message::Entity::find()
            .select_only()
            .column(outbox_message::Column::Id)
            .filter(outbox_message::Column::Topic.eq(topic))
            .filter(outbox_message::Column::Status.is_in([status::SENT, status::CAPTURED, status::FAILED]))
            .filter(outbox_message::Column::PurgedAt.is_null())
            .filter(outbox_message::Column::CreatedAt.lt(now() - Span::days(days)))
            .limit(batch)
            .into_tuple()
            .all(&portico.db)
            .await?;
        if due.is_empty() {
            continue;
        }
        let _turn = portico.write_turn().await;
        purged += outbox_message::Entity::update_many()
            .col_expr(outbox_message::Column::BodyText, Expr::value(""))
            .col_expr(outbox_message::Column::BodyHtml, Expr::value(""))
            .col_expr(outbox_message::Column::PurgedAt, Expr::value(now()))
            .filter(outbox_message::Column::Id.is_in(due))
            .exec(&portico.db)
            .await?
            .rows_affected;
    }
    Ok(purged)
}

/// Seals bodies written before sealing existed (once, at start; a no-op afterwards).
pub async fn seal_legacy_bodies(portico: &Portico) -> Result<u64> {
    let mut sealed = 0;
    loop {
        let legacy = outbox_message::Entity::find()
            .filter(outbox_message::Column::PurgedAt.is_null())
            .filter(outbox_message::Column::BodyText.not_like("sealed:%"))
            .limit(200)
            .all(&portico.db)
            .await?;
        if legacy.is_empty() {
            return Ok(sealed);
        }
        for m in legacy {
            let _turn = portico.write_turn().await;
            outbox_message::Entity::update_many()
                .col_expr(outbox_message::Column::BodyText, Expr::value(portico.key.seal(&m.body_text)))
                .col_expr(outbox_message::Column::BodyHtml, Expr::value(portico.key.seal(&m.body_html)))
                .filter(outbox_message::Column::Id.eq(m.id))
                .exec(&portico.db)
                .await?;
            sealed += 1;
        }
    }
}

/// The outbox worker of one process: a sender per lane and the housekeeping, until `stop` is
/// cancelled. Each sender claims its lane's due messages when a transaction queued mail, or
/// every second to pick up retries and messages left by a process that died; on `stop` it
/// claims nothing more, finishes the messages being sent and releases the rest of its claim.
pub async fn run_worker(
    portico: Portico,
    transport: Transport,
    worker_id: String,
    senders: usize,
    stop: CancellationToken,
) {
    let urgent = transport.with_connections(URGENT_SENDERS);
    let bulk = transport.with_connections(senders);
    let (urgent_id, bulk_id) = (lane_worker(Lane::Urgent, &worker_id), lane_worker(Lane::Bulk, &worker_id));
    tokio::join!(
        run_lane(&portico, &urgent, Lane::Urgent, &urgent_id, URGENT_SENDERS, &stop),
        run_lane(&portico, &bulk, Lane::Bulk, &bulk_id, senders, &stop),
        housekeeping(&portico, &stop),
    );
}

async fn run_lane(
    portico: &Portico,
    transport: &Transport,
    lane: Lane,
    worker_id: &str,
    senders: usize,
    stop: &CancellationToken,
) {
    while !stop.is_cancelled() {
        if lane == Lane::Urgent {
            // Links clients asked for by email become (urgent) outbox messages first.
            if let Err(e) = crate::magic_links::send_requested_links(portico, 50).await {
                tracing::error!(error = %e, "sending requested links failed");
            }
        }
        match deliver_due(portico, transport, lane, worker_id, BATCH, senders, stop).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, lane = lane.key(), "outbox pass failed"),
        }
        tokio::select! {
            () = stop.cancelled() => {}
            _ = tokio::time::timeout(Duration::from_secs(1), portico.outbox_wakeup.heard(lane)) => {}
        }
    }
}

/// Every half minute moves invitations that ran out to Expired in the maintained counts
/// (`access::expire_due`); every ten minutes blanks old bodies that carried links or codes and
/// removes what ended before the retention period (`retention`).
async fn housekeeping(portico: &Portico, stop: &CancellationToken) {
    let mut last_purge: Option<std::time::Instant> = None;
    while !stop.is_cancelled() {
        if let Err(e) = crate::access::expire_due(portico, 500).await {
            tracing::error!(error = %e, "moving expired invitations failed");
        }
        if last_purge.is_none_or(|at| at.elapsed() > Duration::from_secs(600)) {
            last_purge = Some(std::time::Instant::now());
            if let Err(e) = purge_secret_bodies(portico, 500).await {
                tracing::error!(error = %e, "purging old message bodies failed");
            }
            match crate::retention::purge(portico, portico.retention, 500).await {
                Ok(purged) if purged.total() > 0 => {
                    tracing::info!(?purged, "removed ended codes, links, sessions and mail bodies")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "removing ended records failed"),
            }
        }
        tokio::select! {
            () = stop.cancelled() => {}
            () = tokio::time::sleep(Duration::from_secs(30)) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Results that arrive within the gathering time of the first are written with it; one that
    /// comes later starts the next write. Without gathering, only what has arrived is taken.
    #[tokio::test(start_paused = true)]
    async fn results_are_gathered_for_a_while_before_they_are_written() {
        async fn writes(gather: Duration) -> Vec<Vec<u32>> {
            let (done, mut results) = tokio::sync::mpsc::channel(16);
            tokio::spawn(async move {
                for (after_ms, result) in [(0, 1), (5, 2), (10, 3), (30, 4), (1, 5)] {
                    tokio::time::sleep(Duration::from_millis(after_ms)).await;
                    done.send(result).await.unwrap();
                }
            });
            let mut writes = Vec::new();
            while let Some(first) = results.recv().await {
                writes.push(gathered(first, &mut results, gather).await);
            }
            writes
        }
        assert_eq!(writes(Duration::from_millis(20)).await, [vec![1, 2, 3], vec![4, 5]]);
        assert_eq!(writes(Duration::ZERO).await, [vec![1], vec![2], vec![3], vec![4], vec![5]]);
    }

    /// However many arrive at once, a write takes `RECORD_AT_ONCE` at most.
    #[tokio::test(start_paused = true)]
    async fn a_write_takes_at_most_record_at_once() {
        let (done, mut results) = tokio::sync::mpsc::channel(RECORD_AT_ONCE * 2);
        for n in 0..RECORD_AT_ONCE + 3 {
            done.send(n).await.unwrap();
        }
        drop(done);
        let first = results.recv().await.unwrap();
        assert_eq!(gathered(first, &mut results, RECORD_GATHER).await.len(), RECORD_AT_ONCE);
        let first = results.recv().await.unwrap();
        assert_eq!(
            gathered(first, &mut results, RECORD_GATHER).await,
            [RECORD_AT_ONCE, RECORD_AT_ONCE + 1, RECORD_AT_ONCE + 2]
        );
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(1) >= Span::seconds(5) && backoff(1) <= Span::seconds(8));
        assert!(backoff(3) >= Span::seconds(20));
        assert!(backoff(30) <= Span::seconds(2700));
    }
}
