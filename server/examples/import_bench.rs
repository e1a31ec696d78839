//! The import benchmark: a 10,000-row CSV (1,000 new projects of 10 new clients each)
//! uploaded, dry-run, and imported with "Send invitations now" on every project, while one
//! process's jobs worker and outbox worker hand the invitations to an SMTP server. A sign-in
//! code is queued a third of the way into the send and its delay measured. Prints the figures.
//!
//! The goal is relative to two figures of the machine it runs on: 10,000 invitation and
//! outbox rows inserted in bulk, and lettre with TCP_NODELAY handing 10,000 messages to the SMTP
//! server with 8 senders — the whole import and send within 1.5× of the two added together. This
//! machine's speed changes by a third within an hour (2026-12-07), so both are measured here,
//! just before the import, against the same database server and SMTP server, and the ratio is
//! printed beside the seconds.
//!
//!     bash scripts/import_bench.sh           (starts the local SMTP sink; SQLite, then PostgreSQL)
//!     cargo run --release -p portico-server --example import_bench -- --smtp 127.0.0.1:8025 [--pg URL] [--rows N]

use std::time::{Duration, Instant};

// The server's allocator (`portico_server`'s `#[global_allocator]`, mimalloc): the import and
// the sends run in this process as they do in a server's, with the allocator they run with.
extern crate portico_server;

use portico_core::{
    Portico,
    accounts::{self, NewOrganization},
    entities::{job, outbox_message},
    mail::Rendered,
    outbox::{self, Outgoing, Topic},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

struct Args {
    smtp: String,
    pg: Option<String>,
    rows: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args { smtp: String::new(), pg: None, rows: 10_000 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| anyhow::anyhow!("{flag} needs a value"));
        match flag.as_str() {
            "--smtp" => a.smtp = value()?,
            "--pg" => a.pg = Some(value()?),
            "--rows" => a.rows = value()?.parse()?,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    anyhow::ensure!(!a.smtp.is_empty(), "--smtp host:port is required");
    Ok(a)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let dir = std::env::temp_dir().join(format!("portico_import_bench_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (url, pg_database) = match &args.pg {
        Some(server) => {
            let name = format!("portico_import_bench_{}", std::process::id());
            let admin = sea_orm::Database::connect(format!("{server}/postgres")).await?;
            sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("CREATE DATABASE {name}")).await?;
            (format!("{server}/{name}"), Some((admin, name)))
        }
        None => (format!("sqlite://{}/portico.db", dir.display()), None),
    };
    let result = async {
        // The baselines in a database of their own, so the import's tables start empty; dropped
        // before the import, so its rows and their writes are not about while it runs.
        let baseline = match &pg_database {
            Some((admin, name)) => {
                let db = format!("{name}_baseline");
                sea_orm::ConnectionTrait::execute_unprepared(admin, &format!("CREATE DATABASE {db}")).await?;
                let server = args.pg.as_deref().unwrap_or_default();
                let measured = baselines(&args, &format!("{server}/{db}")).await;
                sea_orm::ConnectionTrait::execute_unprepared(admin, &format!("DROP DATABASE {db} WITH (FORCE)"))
                    .await?;
                measured?
            }
            None => {
                let file = dir.join("baseline.db");
                let measured = baselines(&args, &format!("sqlite://{}", file.display())).await;
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
                }
                measured?
            }
        };
        run(&args, &url, &dir, baseline).await
    }
    .await;
    if let Some((admin, name)) = pg_database {
        for db in [name.clone(), format!("{name}_baseline")] {
            let _ = sea_orm::ConnectionTrait::execute_unprepared(
                &admin,
                &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"),
            )
            .await;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn file(rows: usize) -> Vec<u8> {
    let mut out = String::from("Project,Name,Email,Phone,Customer\n");
    for i in 0..rows {
        out.push_str(&format!("Project {:04},Client {i},client{i}@bench.test,,Customer {:03}\n", i / 10, i / 100));
    }
    out.into_bytes()
}

/// A migrated database at `url` with one organization, "Bench & Co", and its owner (files kept
/// under `files` when given).
async fn organization(url: &str, files: Option<&std::path::Path>) -> anyhow::Result<(Portico, accounts::Staff)> {
    let db = portico_core::db::connect(url).await?;
    portico_core::db::migrate(&db).await?;
    let mut portico = Portico::new(
        db,
        portico_core::secrets::ServerKey::from_hex(&"33".repeat(32)).unwrap(),
        "http://127.0.0.1:3000",
    );
    if let Some(files) = files {
        portico.files = files.to_path_buf();
    }
    let owner = accounts::create_organization(
        &portico,
        NewOrganization::parse("Bench & Co", "Olivia Owner", "owner@bench.test", "correct horse battery")?,
    )
    .await?;
    let staff = accounts::load_staff(&portico, owner).await?;
    Ok((portico, staff))
}

/// The invitation email as the import renders it, for the baselines' rows and messages.
fn invitation_mail(i: usize) -> anyhow::Result<Rendered> {
    let link = format!("http://127.0.0.1:3000/i/{}", "ab".repeat(32));
    Ok(portico_core::mail::invitation(&portico_core::mail::Invitation {
        org_name: "Bench & Co",
        inviter_name: "Olivia Owner",
        client_name: &format!("Client {i}"),
        project_name: &format!("Project {:04}", i / 10),
        link: &link,
        expires_on: "14 December 2026".into(),
        tasks: &[],
        form: None,
    })?)
}

/// The two figures the goal is relative to, measured now: (1) 10,000 invitation and
/// outbox rows (the import's count) inserted in one transaction, 100 rows a statement, into the
/// tables as migrated, their indexes included; (2) 10,000 invitation emails, built by lettre
/// beforehand, handed to the SMTP server over 8 lettre connections with TCP_NODELAY by 8
/// senders. The connections are the outbox's own (`smtp::Pool`: lettre's connection type on
/// sockets it opens with TCP_NODELAY, kept for the next message), as lettre's pooled transport
/// cannot set TCP_NODELAY (TOOLCHAIN.md).
async fn baselines(args: &Args, url: &str) -> anyhow::Result<Duration> {
    use portico_core::entities::{client, invitation, project};
    use sea_orm::{ActiveValue::NotSet, IntoActiveModel, TransactionTrait};
    let (portico, staff) = organization(url, None).await?;
    let org = staff.org_id.0;
    let at = portico_core::now();
    let project = project::ActiveModel {
        org_id: sea_orm::Set(org),
        name: sea_orm::Set("Baseline".into()),
        billing: sea_orm::Set(portico_core::model::Billing::default().key().to_string()),
        created_by: sea_orm::Set(staff.user_id.0),
        created_at: sea_orm::Set(at),
        ..Default::default()
    }
    .insert(&portico.db)
    .await?;
    // The clients the invitations are for (not timed).
    let mut clients = Vec::with_capacity(args.rows);
    for start in (0..args.rows).step_by(100) {
        let rows = (start..(start + 100).min(args.rows))
            .map(|i| {
                let name = portico_core::domain::Line::parse("name", "Name", &format!("Client {i}"), 200)?;
                let email = portico_core::domain::EmailAddress::parse(&format!("client{i}@bench.test"))?;
                Ok(client::Model::new(org, None, &name, &email, None, at).into_insert())
            })
            .collect::<portico_core::Result<Vec<_>>>()?;
        clients.extend(client::Entity::insert_many(rows).exec_with_returning(&portico.db).await?);
    }
    let mail = invitation_mail(0)?;

    let started = Instant::now();
    let txn = portico.db.begin().await?;
    for chunk in clients.chunks(100) {
        let invitations = chunk.iter().map(|c| invitation::ActiveModel {
            id: NotSet,
            ..invitation::Model {
                id: 0,
                org_id: org,
                client_id: c.id,
                project_id: Some(project.id),
                invited_by: staff.user_id.0,
                token_hash: portico_core::secrets::random_hex16().repeat(2),
                link_salt: portico_core::secrets::random_hex16(),
                email: c.email.clone(),
                status: "pending".into(),
                expires_at: at + chrono::Duration::days(7),
                created_at: at,
                last_sent_at: at,
                send_count: 1,
                accepted_at: None,
                cancelled_at: None,
                failed_attempts: 0,
                locked_at: None,
            }
            .into_active_model()
            .reset_all()
        });
        let made = invitation::Entity::insert_many(invitations).exec_with_returning(&txn).await?;
        let messages = made.iter().map(|inv| outbox_message::ActiveModel {
            id: NotSet,
            ..outbox_message::Model {
                id: 0,
                org_id: org,
                channel: "email".into(),
                topic: "invitation".into(),
                lane: "bulk".into(),
                recipient: inv.email.clone(),
                from_name: "Bench & Co".into(),
                subject: mail.subject.clone(),
                body_text: mail.text.clone(),
                body_html: mail.html.clone(),
                message_id: format!("<{}.baseline@bench.test>", inv.id),
                status: "queued".into(),
                attempts: 0,
                next_attempt_at: at,
                lease_until: None,
                lease_owner: None,
                last_error: None,
                invitation_id: Some(inv.id),
                created_at: at,
                sent_at: None,
                purged_at: None,
            }
            .into_active_model()
            .reset_all()
        });
        outbox_message::Entity::insert_many(messages).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    let inserted_in = started.elapsed();
    portico.db.close().await?;

    // The messages are built first: what is timed is handing them over, 8 senders at once,
    // each on a task of its own (the runtime's threads, as the outbox's senders run).
    let messages = (0..args.rows)
        .map(|i| {
            let mail = invitation_mail(i)?;
            Ok(lettre::Message::builder()
                .from("Bench & Co <portal@bench.test>".parse()?)
                .to(format!("Client {i} <client{i}@bench.test>").parse()?)
                .subject(mail.subject)
                .multipart(lettre::message::MultiPart::alternative_plain_html(mail.text, mail.html))?
                .formatted())
        })
        .collect::<anyhow::Result<Vec<Vec<u8>>>>()?;
    let messages = std::sync::Arc::new(messages);
    let url = format!("smtp://{}", args.smtp);
    let pool =
        std::sync::Arc::new(portico_core::smtp::Pool::from_url(&url, outbox::SENDERS).map_err(anyhow::Error::msg)?);
    let envelope = std::sync::Arc::new(lettre::address::Envelope::new(
        Some("portal@bench.test".parse()?),
        vec!["client@bench.test".parse()?],
    )?);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let senders = (0..outbox::SENDERS).map(|_| {
        let (messages, pool, envelope, next) = (messages.clone(), pool.clone(), envelope.clone(), next.clone());
        tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(message) = messages.get(i) else { return anyhow::Ok(()) };
                pool.send(&envelope, message).await.map_err(|e| anyhow::anyhow!("{}", e.reason))?;
            }
        })
    });
    for sent in futures::future::join_all(senders).await {
        sent??;
    }
    let sent_in = started.elapsed();
    println!(
        "  baselines, measured now: {:.2} s to insert {} invitation and outbox rows in bulk, {:.2} s for lettre to hand {} messages to the SMTP server ({} senders, TCP_NODELAY)",
        inserted_in.as_secs_f64(),
        args.rows,
        sent_in.as_secs_f64(),
        args.rows,
        outbox::SENDERS
    );
    Ok(inserted_in + sent_in)
}

async fn run(args: &Args, url: &str, dir: &std::path::Path, baseline: Duration) -> anyhow::Result<()> {
    let (portico, staff) = organization(url, Some(dir)).await?;
    let backend = if args.pg.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("== import of {} rows ({} projects), {backend}, SMTP {}", args.rows, args.rows.div_ceil(10), args.smtp);

    let bytes = file(args.rows);
    let started = Instant::now();
    let id = match portico_core::imports::upload(&portico, &staff, "bench.csv", &bytes).await {
        Ok(id) => id,
        Err(_) => anyhow::bail!("the upload was refused"),
    };
    let uploaded_in = started.elapsed();
    let started = Instant::now();
    let preview = portico_core::imports::preview(&portico, &staff, id).await?;
    let dry_run_in = started.elapsed();
    anyhow::ensure!(preview.create as usize == args.rows, "the dry run: {} new of {}", preview.create, args.rows);
    println!("  upload:   {:>8.2} s ({} KB)", uploaded_in.as_secs_f64(), bytes.len() / 1024);
    println!("  dry run:  {:>8.2} s", dry_run_in.as_secs_f64());

    let transport = outbox::Transport::from_config(Some(&format!("smtp://{}", args.smtp)), "portal@bench.test")
        .map_err(anyhow::Error::msg)?
        // As a server process sends (`spawn_workers_as`): what the SMTP server accepts is
        // written to the instance's handover journal.
        .journaled(outbox::Journal::new(&portico.files, "bench"));
    let stop = tokio_util::sync::CancellationToken::new();
    let outbox_worker =
        tokio::spawn(outbox::run_worker(portico.clone(), transport, "bench".into(), outbox::SENDERS, stop.clone()));
    let jobs_worker = tokio::spawn(portico_core::jobs::run_worker(portico.clone(), "bench-jobs".into(), stop.clone()));

    let send: Vec<String> = preview.projects.iter().map(|p| p.name.clone()).collect();
    let started = Instant::now();
    portico_core::imports::start(&portico, &staff, id, false, send).await?;
    let mut imported_in = None;
    // The code's message, and how many invitations had been sent when it was queued.
    let mut code: Option<(i64, usize)> = None;
    let mut code_took = None;
    // The benchmark's own reads take the database's time from the import it measures: counting
    // 10,000 rows every 50 ms cost PostgreSQL 0.8–1.4 s of a run, and a full row of the queue
    // every 50 ms, read from the front of its index (past the entries of messages already
    // sent), 0.13 s. So the count is read every fifth look and only until the code is queued;
    // then whether any invitation is still unsent is read from the back of the queue's index,
    // where the last ones wait.
    for look in 0usize.. {
        if imported_in.is_none() {
            let j = job::Entity::find_by_id(id).one(&portico.db).await?.expect("the job");
            if j.status == portico_core::jobs::status::DONE {
                imported_in = Some(started.elapsed());
                anyhow::ensure!(j.done as usize == args.rows, "imported {} of {}", j.done, args.rows);
            }
        }
        if code.is_none() && look % 5 == 0 {
            let sent = bulk_sent(&portico).await?;
            if sent >= args.rows / 3 {
                let mail = Rendered {
                    subject: "Your sign-in code".into(),
                    text: "123456".into(),
                    html: "<p>123456</p>".into(),
                };
                let m = Outgoing {
                    org_id: staff.org_id.0,
                    topic: Topic::Code,
                    to: "waiting@bench.test",
                    from_name: "Bench & Co",
                    mail,
                    invitation_id: None,
                };
                let txn = portico.begin().await?;
                let queued = outbox::enqueue(&*txn, &portico, m).await?;
                txn.commit().await?;
                portico.outbox_wakeup.ring();
                code = Some((queued, sent));
            }
        }
        // From the row's own times, queued to recorded as sent: this loop's 50 ms between looks
        // would otherwise be the floor of what it reports.
        if let (Some((queued, sent)), None) = (code, code_took) {
            let row = outbox_message::Entity::find_by_id(queued).one(&portico.db).await?;
            if let Some(m) = row.filter(|m| m.status == "sent") {
                let took = m.sent_at.unwrap_or(m.created_at) - m.created_at;
                code_took = Some((took.to_std().unwrap_or_default(), sent));
            }
        }
        // The import's chunks queue invitations until it is done, which is read first.
        if imported_in.is_some() && code_took.is_some() && !bulk_unsent(&portico).await? {
            break;
        }
        if started.elapsed() > Duration::from_secs(1800) {
            anyhow::bail!("not done after 30 minutes: {} sent", bulk_sent(&portico).await?);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let all_sent_in = started.elapsed();
    let sent = bulk_sent(&portico).await?;
    anyhow::ensure!(sent == args.rows, "{sent} of {} invitations sent", args.rows);
    stop.cancel();
    let _ = outbox_worker.await;
    let _ = jobs_worker.await;
    let imported_in = imported_in.unwrap_or_default();
    println!(
        "  import:   {:>8.2} s ({:.0} rows/s: projects, customers, clients, invitations and their mail queued)",
        imported_in.as_secs_f64(),
        args.rows as f64 / imported_in.as_secs_f64()
    );
    println!(
        "  all sent: {:>8.2} s after Import (every invitation accepted by the SMTP server)",
        all_sent_in.as_secs_f64()
    );
    println!(
        "  against the baselines: {:.2}× their sum of {:.2} s (the goal: at most 1.5×, {:.2} s)",
        all_sent_in.as_secs_f64() / baseline.as_secs_f64(),
        baseline.as_secs_f64(),
        baseline.as_secs_f64() * 1.5
    );
    if let Some((took, bulk_sent)) = code_took {
        println!(
            "  a sign-in code queued during the send: recorded as sent {:.0} ms after it was queued ({bulk_sent} of {} invitations sent when it was)",
            took.as_secs_f64() * 1000.0,
            args.rows
        );
    }
    Ok(())
}

/// Whether a bulk message (an invitation) is still queued: the newest entry of the queue's index.
async fn bulk_unsent(portico: &Portico) -> anyhow::Result<bool> {
    use outbox_message::Column as C;
    let newest: Option<i64> = outbox_message::Entity::find()
        .select_only()
        .column(C::Id)
        .filter(C::Status.eq("queued"))
        .filter(C::Lane.eq("bulk"))
        .order_by_desc(C::NextAttemptAt)
        .order_by_desc(C::Id)
        .into_tuple()
        .one(&portico.db)
        .await?;
    Ok(newest.is_some())
}

/// How many bulk messages (the invitations) the SMTP server has accepted.
async fn bulk_sent(portico: &Portico) -> anyhow::Result<usize> {
    Ok(outbox_message::Entity::find()
        .filter(outbox_message::Column::Status.eq("sent"))
        .filter(outbox_message::Column::Lane.eq("bulk"))
        .count(&portico.db)
        .await? as usize)
}
