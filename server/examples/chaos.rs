//! Nothing lost (SECURITY.md "Nothing lost"), tried the hard way: runs the release `portico`
//! binary (one or more processes on one database), adds N clients to a project through the
//! server functions, sends every one an invitation with one bulk **Send invite** (a job), and
//! kills a process with SIGKILL every second or two (restarting it at once) while a faulty
//! SMTP server answers one message in ten "451 busy", drops the connection after one body in
//! twenty and refuses one in fifty for good (550). When every message is sent or failed, prints
//! what was created, delivered, failed, lost and duplicated:
//!
//! - lost: a client with no invitation, an invitation with no message, or a message recorded as
//!   sent that the SMTP server never accepted — must be 0;
//! - duplicates: a Message-ID the SMTP server accepted twice — a kill between the server's
//!   "250 OK" and the process recording it; the retry carries the same Message-ID, so mail
//!   clients show one message.
//!
//!     bash scripts/chaos.sh [--clients 10000] [--kills 6] [--processes 2] [--keep-logs]
//!
//! The servers' logs are kept (and their folder named) when the run fails or with `--keep-logs`.

#[path = "../tests/integration/smtp_sink.rs"]
#[allow(dead_code)]
mod smtp_sink;

use std::{
    collections::{HashMap, HashSet},
    process::{Child, Command},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use futures::StreamExt;
use leptos::server_fn::ServerFn;
use portico_core::entities::{client, invitation, job, outbox_message};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use smtp_sink::{Answer, Sink};

struct Args {
    clients: usize,
    kills: usize,
    processes: usize,
    pg: Option<String>,
    keep_logs: bool,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args { clients: 10_000, kills: 6, processes: 2, pg: None, keep_logs: false };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| anyhow::anyhow!("{flag} needs a value"));
        match flag.as_str() {
            "--clients" => a.clients = value()?.parse()?,
            "--kills" => a.kills = value()?.parse()?,
            "--processes" => a.processes = value()?.parse::<usize>()?.max(1),
            "--pg" => a.pg = Some(value()?),
            "--keep-logs" => a.keep_logs = true,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

/// One `portico serve` process and how to start it again.
struct Server {
    command: Vec<(String, String)>,
    child: Child,
    port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn spawn(env: &[(String, String)], log: &std::path::Path) -> anyhow::Result<Child> {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(log)?;
    Ok(Command::new("target/release/portico")
        .arg("serve")
        .envs(env.iter().map(|(k, v)| (k, v)))
        // The server logs to stdout, filtered by PORTICO_LOG.
        .env("PORTICO_LOG", "warn,portico_core=info")
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?)
}

async fn healthy(http: &reqwest::Client, port: u16) -> anyhow::Result<()> {
    for _ in 0..600 {
        if let Ok(res) = http.get(format!("http://127.0.0.1:{port}/health")).send().await
            && res.status().is_success()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("the server on port {port} did not start")
}

/// Calls a server function as the browser does; decodes its postcard answer.
async fn call<F: ServerFn, T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    base: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<T> {
    let res = http.post(format!("{base}{}", F::PATH)).header("Origin", base).form(form).send().await?;
    let status = res.status();
    let body = res.bytes().await?;
    anyhow::ensure!(status.is_success(), "{} answered {status}: {}", F::PATH, String::from_utf8_lossy(&body));
    Ok(postcard::from_bytes(&body)?)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    anyhow::ensure!(
        std::path::Path::new("target/release/portico").exists(),
        "build it first: cargo leptos build --release"
    );
    let dir = std::env::temp_dir().join(format!("portico_chaos_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (url, pg_database) = match &args.pg {
        Some(server) => {
            let name = format!("portico_chaos_{}", std::process::id());
            let admin = sea_orm::Database::connect(format!("{server}/postgres")).await?;
            sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("CREATE DATABASE {name}")).await?;
            (format!("{server}/{name}"), Some((admin, name)))
        }
        None => (format!("sqlite://{}/portico.db", dir.display()), None),
    };
    let result = run(&args, &url, &dir).await;
    if let Some((admin, name)) = pg_database {
        let _ =
            sea_orm::ConnectionTrait::execute_unprepared(&admin, &format!("DROP DATABASE {name} WITH (FORCE)")).await;
    }
    if result.is_ok() && !args.keep_logs {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("server logs kept in {}", dir.display());
    }
    result
}

async fn run(args: &Args, url: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    // The faulty mail server: one answer in ten is "451 busy", one in twenty drops the
    // connection after the body, one in fifty is "550 refused" (final: the message fails).
    let answers = Arc::new(AtomicUsize::new(0));
    let sink = Sink::with_policy(
        Duration::ZERO,
        Arc::new(move |_: &str| match answers.fetch_add(1, Ordering::Relaxed) {
            n if n % 10 == 9 => Answer::Busy,
            n if n % 20 == 3 => Answer::Drop,
            n if n % 50 == 17 => Answer::Reject,
            _ => Answer::Accept,
        }),
    )
    .await;

    let ports: Vec<u16> = (0..args.processes).map(|_| free_port()).collect();
    let base = format!("http://127.0.0.1:{}", ports[0]);
    let key = portico_core::secrets::random_hex16().repeat(2);
    let mut servers = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let env = vec![
            ("DATABASE_URL".to_string(), url.to_string()),
            ("PORTICO_DATA_DIR".to_string(), dir.display().to_string()),
            ("PUBLIC_URL".to_string(), base.clone()),
            ("LEPTOS_SITE_ADDR".to_string(), format!("127.0.0.1:{port}")),
            ("LEPTOS_SITE_ROOT".to_string(), "target/site".to_string()),
            ("SMTP_URL".to_string(), sink.url()),
            ("PORTICO_SECRET_KEY".to_string(), key.clone()),
        ];
        let child = spawn(&env, &dir.join(format!("server-{i}.log")))?;
        servers.push(Server { command: env, child, port: *port });
    }
    let http = reqwest::Client::builder().cookie_store(true).build()?;
    for s in &servers {
        healthy(&http, s.port).await?;
    }

    // An organization, a project and the clients, through the server functions.
    let started = Instant::now();
    call::<portico_app::accounts::CreateOrganization, ()>(
        &http,
        &base,
        &[
            ("organization_name", "Chaos Co"),
            ("name", "Olivia Owner"),
            ("email", "owner@chaos.test"),
            ("password", "correct horse battery"),
        ],
    )
    .await?;
    let project: i64 =
        call::<portico_app::projects::CreateProject, _>(&http, &base, &[("name", "Roof"), ("customer", "")]).await?;
    let project = project.to_string();
    let added = futures::stream::iter(0..args.clients)
        .map(|i| {
            let (http, base, project) = (&http, &base, &project);
            async move {
                let (name, email) = (format!("Client {i:05}"), format!("client-{i:05}@chaos.test"));
                call::<portico_app::clients::AddClient, i64>(
                    http,
                    base,
                    &[("name", &name), ("email", &email), ("projects[0]", project), ("intent", "save")],
                )
                .await
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    anyhow::ensure!(added.iter().all(Result::is_ok), "adding clients failed: {:?}", added.iter().find(|r| r.is_err()));
    println!("{} clients added in {:.1} s", args.clients, started.elapsed().as_secs_f64());

    // One bulk Send invite over everyone; then the kills.
    let sending = Instant::now();
    let job: i64 = call::<portico_app::jobs::StartBulkAction, _>(
        &http,
        &base,
        &[("action", "send_invite"), ("request_key", "chaos-run-0001"), ("matching_clients", "true")],
    )
    .await?;
    for k in 0..args.kills {
        tokio::time::sleep(Duration::from_millis(700 + (k as u64 * 389) % 1500)).await;
        let s = &mut servers[k % args.processes];
        s.child.kill()?; // SIGKILL: no shutdown, no cleanup
        s.child.wait()?;
        println!(
            "killed process {} at {:.1} s ({} messages accepted by the SMTP server so far)",
            k % args.processes,
            sending.elapsed().as_secs_f64(),
            sink.received_count()
        );
        s.child = spawn(&s.command, &dir.join(format!("server-{}.log", k % args.processes)))?;
        healthy(&http, s.port).await?;
    }

    // Until the job is done and no message is waiting (leases of killed processes run out).
    let db = portico_core::db::connect(url).await?;
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        let job = job::Entity::find_by_id(job).one(&db).await?.expect("the job");
        let waiting =
            outbox_message::Entity::find().filter(outbox_message::Column::Status.eq("queued")).count(&db).await?;
        if job.status == "done" && waiting == 0 {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "not finished after 15 minutes: job {}, {waiting} waiting",
            job.status
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let took = sending.elapsed();
    for s in &mut servers {
        let _ = s.child.kill();
        let _ = s.child.wait();
    }

    let clients = client::Entity::find().count(&db).await?;
    let invitations = invitation::Entity::find().all(&db).await?;
    let messages =
        outbox_message::Entity::find().filter(outbox_message::Column::Topic.eq("invitation")).all(&db).await?;
    let mut by_status: HashMap<&str, usize> = HashMap::new();
    for m in &messages {
        *by_status.entry(m.status.as_str()).or_default() += 1;
    }
    let received = sink.received();
    let mut seen = HashSet::new();
    let duplicates = received.iter().filter(|r| !seen.insert(r.message_id.clone())).count();
    let invited: HashSet<i64> = invitations.iter().map(|i| i.client_id).collect();
    let with_message: HashSet<i64> = messages.iter().filter_map(|m| m.invitation_id).collect();
    let uninvited = clients as usize - invited.len();
    let unsent = invitations.iter().filter(|i| !with_message.contains(&i.id)).count();
    let vanished = messages.iter().filter(|m| m.status == "sent" && !seen.contains(&m.message_id)).count();
    let lost = uninvited + unsent + vanished;
    println!(
        "--- {} process(es), {} kills, {} ---",
        args.processes,
        args.kills,
        if args.pg.is_some() { "PostgreSQL" } else { "SQLite" }
    );
    println!("clients:               {clients}");
    println!("invitations created:   {}", invitations.len());
    println!("messages queued:       {}", messages.len());
    println!("delivered (distinct):  {} (sent: {})", seen.len(), by_status.get("sent").unwrap_or(&0));
    println!("failed (final):        {}", by_status.get("failed").unwrap_or(&0));
    println!(
        "lost:                  {lost} (no invitation {uninvited}, no message {unsent}, sent but never accepted {vanished})"
    );
    println!("duplicates:            {duplicates}");
    println!("time to the last message: {:.1} s", took.as_secs_f64());
    anyhow::ensure!(lost == 0, "{lost} lost");
    Ok(())
}
