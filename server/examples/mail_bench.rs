//! How fast the outbox hands mail to an SMTP server: queues 10,000 invitation emails in
//! one organization (through `outbox::enqueue`, in transactions of 1,000), starts the outbox
//! worker of one process against the SMTP server given, and measures the time until every
//! message is recorded as sent. A third of the way in it queues a sign-in code and measures how
//! long the code took to be sent while the bulk send was going on. Prints the figures.
//!
//!     bash scripts/mail_bench.sh            (starts a local aiosmtpd sink and runs this)
//!     cargo run --release -p portico-server --example mail_bench -- --smtp 127.0.0.1:8025 [--pg URL] [--messages N] [--senders N]
//!     (`--smtp captured`: no SMTP server, the database side alone)

use std::time::{Duration, Instant};

use portico_core::{
    Portico,
    entities::{organization, outbox_message},
    mail::Rendered,
    outbox::{self, Outgoing, Topic},
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

struct Args {
    smtp: String,
    pg: Option<String>,
    messages: usize,
    senders: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args { smtp: String::new(), pg: None, messages: 10_000, senders: outbox::SENDERS };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| anyhow::anyhow!("{flag} needs a value"));
        match flag.as_str() {
            "--smtp" => a.smtp = value()?,
            "--pg" => a.pg = Some(value()?),
            "--messages" => a.messages = value()?.parse()?,
            "--senders" => a.senders = value()?.parse()?,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    anyhow::ensure!(!a.smtp.is_empty(), "--smtp host:port is required");
    Ok(a)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let dir = std::env::temp_dir().join(format!("portico_mail_bench_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (url, pg_database) = match &args.pg {
        Some(server) => {
            let name = format!("portico_mail_bench_{}", std::process::id());
            let admin = sea_orm::Database::connect(format!("{server}/postgres")).await?;
            sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("CREATE DATABASE {name}")).await?;
            (format!("{server}/{name}"), Some((admin, name)))
        }
        None => (format!("sqlite://{}/portico.db", dir.display()), None),
    };
    let result = run(&args, &url).await;
    if let Some((admin, name)) = pg_database {
        let _ =
            sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(args: &Args, url: &str) -> anyhow::Result<()> {
    let db = portico_core::db::connect(url).await?;
    portico_core::db::migrate(&db).await?;
    let portico = Portico::new(
        db,
        portico_core::secrets::ServerKey::from_hex(&"33".repeat(32)).unwrap(),
        "http://127.0.0.1:3000",
    );
    let org = organization::ActiveModel {
        name: Set("Bench & Co".into()),
        slug: Set("bench".into()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&portico.db)
    .await?;
    let backend = if args.pg.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("== {} invitation emails, {backend}, {} bulk senders, SMTP {}", args.messages, args.senders, args.smtp);

    let started = Instant::now();
    for chunk in (0..args.messages).collect::<Vec<_>>().chunks(1000) {
        let txn = portico.begin().await?;
        for &i in chunk {
            queue(&*txn, &portico, org.id, Topic::Invitation, &format!("client{i}@bench.test")).await?;
        }
        txn.commit().await?;
    }
    let queued_in = started.elapsed();
    println!(
        "  queued: {:>8.2} s ({:.0} messages/s)",
        queued_in.as_secs_f64(),
        args.messages as f64 / queued_in.as_secs_f64()
    );

    // `--smtp captured`: no SMTP at all, to see what the database side alone allows.
    let smtp_url = (args.smtp != "captured").then(|| format!("smtp://{}", args.smtp));
    let transport =
        outbox::Transport::from_config(smtp_url.as_deref(), "portal@bench.test").map_err(anyhow::Error::msg)?;
    let sent_status = if smtp_url.is_some() { "sent" } else { "captured" };
    let stop = tokio_util::sync::CancellationToken::new();
    let started = Instant::now();
    let worker =
        tokio::spawn(outbox::run_worker(portico.clone(), transport, "bench".into(), args.senders, stop.clone()));
    portico.outbox_wakeup.ring();

    let mut code: Option<(i64, Instant)> = None;
    let mut code_took = None;
    loop {
        // Counted from what is left (the partial index of queued mail), not by reading every
        // delivered row: the polling must not be what is measured. Failures are counted at
        // the end.
        let left = outbox_message::Entity::find()
            .filter(outbox_message::Column::Status.eq("queued"))
            .filter(outbox_message::Column::Lane.eq("bulk"))
            .count(&portico.db)
            .await? as usize;
        let sent = args.messages - left;
        if code.is_none() && sent >= args.messages / 3 {
            let txn = portico.begin().await?;
            let id = queue(&*txn, &portico, org.id, Topic::Code, "waiting@bench.test").await?;
            txn.commit().await?;
            portico.outbox_wakeup.ring();
            code = Some((id, Instant::now()));
        }
        if let (Some((id, at)), None) = (code, code_took) {
            let row = outbox_message::Entity::find_by_id(id).one(&portico.db).await?;
            if row.is_some_and(|m| m.status == sent_status) {
                code_took = Some((at.elapsed(), sent));
            }
        }
        if sent == args.messages && code_took.is_some() {
            break;
        }
        anyhow::ensure!(started.elapsed() < Duration::from_secs(600), "not done after 10 minutes: {sent} sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sent_in = started.elapsed();
    stop.cancel();
    worker.await?;
    println!(
        "  sent:   {:>8.2} s ({:.0} messages/s handed to SMTP and recorded)",
        sent_in.as_secs_f64(),
        args.messages as f64 / sent_in.as_secs_f64()
    );
    if let Some((took, bulk_sent)) = code_took {
        println!(
            "  a sign-in code queued during the send: sent {:.0} ms after it was queued ({bulk_sent} of {} invitations sent by then)",
            took.as_secs_f64() * 1000.0,
            args.messages
        );
    }
    let rows = outbox_message::Entity::find().all(&portico.db).await?;
    let not_sent = rows.iter().filter(|m| m.status != sent_status).count();
    anyhow::ensure!(not_sent == 0, "{not_sent} messages were not sent: is the SMTP server at {} up?", args.smtp);
    println!("  attempts per message: max {}", rows.iter().map(|m| m.attempts).max().unwrap_or(0));
    Ok(())
}

async fn queue<C: sea_orm::ConnectionTrait>(
    db: &C,
    portico: &Portico,
    org: i64,
    topic: Topic,
    to: &str,
) -> anyhow::Result<i64> {
    let mail = Rendered {
        subject: "Olivia Owner invited you to Roof".into(),
        text: format!("Hello,\n\nOpen your invitation: http://127.0.0.1:3000/invite/{}\n", "x".repeat(43)),
        html: format!(
            "<p>Hello,</p><p><a href=\"http://127.0.0.1:3000/invite/{0}\">Open your invitation</a></p>",
            "x".repeat(43)
        ),
    };
    let m = Outgoing { org_id: org, topic, to, from_name: "Bench & Co", mail, invitation_id: None };
    Ok(outbox::enqueue(db, portico, m).await?)
}
