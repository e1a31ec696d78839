//! The peers' scenarios against Portico, over HTTP as a browser calls it (server functions,
//! `Origin`, cookies), against the release server in a process of its own so its memory and
//! CPU are its own. Prints one table per database.
//!
//!     cargo leptos build --release          # the server binary it starts
//!     RUSTFLAGS="--cfg erase_components" cargo run --release -p portico-server --example scale_bench \
//!         [-- --runs 3] [--pg postgres://postgres@127.0.0.1:5432 [--pg-only]] [--quick]
//!         [--invitations-only | --clients-only]
//!
//! - S1: 2,000 "Send invite" (new contacts) in a fresh organization, 8 at a time.
//! - S2: a project holding 10,000 pending invitations (seeded through the same call, 8 at a
//!   time: its rate is printed too), then 20 s of its Portal access list's first page of 100,
//!   8 at a time; then the server-rendered Portal access page and dashboard at that size.
//! - S3: 500 accepts (the code submitted, a session back), 8 at a time. Continue and the code
//!   mail happen first, untimed, as in the peers' harness; each invitee uses its own loopback
//!   address (127.0.x.y) because codes are rate-limited per IP, as a real crowd's would be.
//! - Clients: 100,000 clients across 1,000 projects and 5,000 customers, one in twenty
//!   deactivated (written straight to the tables, then counted by `portico check --repair`):
//!   the dashboard's client list on its first page and deep in the list, a project's list with
//!   a search and with a status filter, the Clients page (first page, search, one customer's
//!   clients, Deactivated users, the last page by name) and the Customers page, each next to
//!   the same query run as raw SQL on the database.
//!
//! Each figure is the median of `--runs` (3 by default) runs, each on a fresh database.
//! Server CPU per operation is the server process's user + system time over the phase divided
//! by its requests; peak RSS is the server's high-water mark (VmHWM) at the end of the run.

use std::{
    net::IpAddr,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use leptos::server_fn::ServerFn;
use portico_app::{
    accounts::CreateOrganization,
    client_access::{ContinueLink, VerifyCode},
    clients::LoadClients,
    customers::LoadCustomers,
    dashboard::LoadDashboard,
    exports::StartExport,
    invitations::{InviteClient, LoadPortalAccess},
    jobs::LoadJob,
    projects::CreateProject,
};
use portico_core::{
    entities::{client, customer, invitation, outbox_message, project, project_client},
    paging::Cursor,
    secrets::ServerKey,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, Statement};

/// The server key the bench gives its server, so it can read the mail the server captured.
fn key_hex() -> String {
    "44".repeat(32)
}
const CONCURRENCY: usize = 8;

struct Args {
    runs: usize,
    pg: Option<String>,
    quick: bool,
    pg_only: bool,
    parts: Parts,
}

/// Which phases a run takes.
#[derive(Clone, Copy, PartialEq)]
enum Parts {
    All,
    /// S1–S3 and the two pages at 10,000 invitations (`--invitations-only`): the writer's figures
    /// in a few minutes.
    Invitations,
    /// Only the 100,000-client phases (the Clients and Customers pages among them).
    Clients,
}

fn args() -> Args {
    let mut a = Args { runs: 3, pg: None, quick: false, pg_only: false, parts: Parts::All };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--runs" => a.runs = it.next().and_then(|n| n.parse().ok()).unwrap_or(3),
            "--pg" => a.pg = it.next(),
            "--quick" => a.quick = true,
            "--pg-only" => a.pg_only = true,
            "--clients-only" => a.parts = Parts::Clients,
            "--invitations-only" => a.parts = Parts::Invitations,
            _ => {}
        }
    }
    a
}

/// The release server on a free port with a fresh database.
struct Server {
    child: Child,
    base: String,
    database_url: String,
    dir: std::path::PathBuf,
    pg_drop: Option<(String, String)>,
}

impl Server {
    async fn start(pg: Option<&str>) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "portico_bench_{}_{}",
            std::process::id(),
            portico_core::secrets::random_hex16()
        ));
        std::fs::create_dir_all(&dir)?;
        let (database_url, pg_drop) = match pg {
            None => (format!("sqlite://{}/portico.db", dir.display()), None),
            Some(server) => {
                let server = server.trim_end_matches('/').to_string();
                let name = format!("portico_bench_{}", portico_core::secrets::random_hex16());
                let admin = sea_orm::Database::connect(format!("{server}/postgres")).await?;
                admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await?;
                (format!("{server}/{name}"), Some((server, name)))
            }
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let base = format!("http://127.0.0.1:{port}");
        let child = Command::new("target/release/portico")
            .arg("serve")
            .env("DATABASE_URL", &database_url)
            .env("PORTICO_DATA_DIR", &dir)
            .env("PORTICO_SECRET_KEY", key_hex())
            .env("PUBLIC_URL", &base)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("PORTICO_OPEN_SIGNUP", "true")
            .env("PORTICO_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .context("starting target/release/portico (build it first: cargo leptos build --release)")?;
        let http = reqwest::Client::new();
        for _ in 0..200 {
            if http.get(format!("{base}/health")).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(Self { child, base, database_url, dir, pg_drop });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("the server did not answer /health")
    }

    /// User + system CPU seconds so far, and the peak resident memory in MB.
    fn usage(&self) -> (f64, f64) {
        let pid = self.child.id();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let fields: Vec<&str> =
            stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
        // After the command name: state is field 3; utime and stime are fields 14 and 15.
        let ticks: f64 = [11, 12].iter().filter_map(|i| fields.get(*i)?.parse::<f64>().ok()).sum();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let hwm = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
            .unwrap_or(0.0);
        (ticks / 100.0, hwm / 1024.0)
    }

    async fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((server, name)) = self.pg_drop.take()
            && let Ok(admin) = sea_orm::Database::connect(format!("{server}/postgres")).await
        {
            let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
        }
    }
}

/// A browser: its own cookies, and (for S3) its own loopback address.
fn browser(ip: Option<IpAddr>) -> reqwest::Client {
    let mut b = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none());
    if let Some(ip) = ip {
        b = b.local_address(ip);
    }
    b.build().expect("an HTTP client")
}

async fn call(who: &reqwest::Client, base: &str, path: &str, form: &[(&str, String)]) -> anyhow::Result<Vec<u8>> {
    let res = who.post(format!("{base}{path}")).header("origin", base).form(form).send().await?;
    let status = res.status();
    let body = res.bytes().await?.to_vec();
    if !status.is_success() {
        bail!("{path}: {status}");
    }
    Ok(body)
}

/// Latencies of one phase and what it cost the server.
#[derive(Clone, Default)]
struct Phase {
    latencies: Vec<Duration>,
    wall: Duration,
    cpu: f64,
    errors: usize,
    bytes: usize,
    /// The server's peak resident memory so far, at the end of the phase.
    rss_mb: f64,
}

impl Phase {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }
    fn pct(&self, p: f64) -> f64 {
        let mut l = self.latencies.clone();
        l.sort();
        l.get(((l.len() as f64 * p) as usize).min(l.len().saturating_sub(1))).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
    fn cpu_ms_per_op(&self) -> f64 {
        self.cpu * 1000.0 / self.latencies.len().max(1) as f64
    }
}

/// Runs `jobs` (each a future-producing closure argument) `CONCURRENCY` at a time, or for a
/// duration when `until` is set, measuring each.
async fn drive<F, Fut>(server: &Server, total: Option<usize>, until: Option<Duration>, job: F) -> Phase
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<usize>> + Send,
{
    let job = Arc::new(job);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (cpu0, _) = server.usage();
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..CONCURRENCY {
        let (job, next) = (job.clone(), next.clone());
        tasks.spawn(async move {
            let mut mine = Phase::default();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if total.is_some_and(|t| i >= t) || until.is_some_and(|u| started.elapsed() >= u) {
                    break;
                }
                let t = Instant::now();
                match job(i).await {
                    Ok(bytes) => {
                        mine.latencies.push(t.elapsed());
                        mine.bytes += bytes;
                    }
                    Err(e) => {
                        if mine.errors == 0 {
                            eprintln!("  error: {e:#}");
                        }
                        mine.errors += 1;
                    }
                }
            }
            mine
        });
    }
    let mut phase = Phase::default();
    while let Some(done) = tasks.join_next().await {
        let done = done.expect("a load task");
        phase.latencies.extend(done.latencies);
        phase.errors += done.errors;
        phase.bytes += done.bytes;
    }
    phase.wall = started.elapsed();
    let (cpu1, rss) = server.usage();
    phase.cpu = cpu1 - cpu0;
    phase.rss_mb = rss;
    phase
}

/// A new organization with its owner signed in, and a project.
async fn tenant(base: &str, name: &str) -> anyhow::Result<(reqwest::Client, i64)> {
    let owner = browser(None);
    let email = format!("owner@{}.test", name.to_lowercase());
    call(
        &owner,
        base,
        CreateOrganization::PATH,
        &[
            ("organization_name", name.into()),
            ("name", "Olivia Owner".into()),
            ("email", email),
            ("password", "correct horse battery".into()),
        ],
    )
    .await?;
    let project =
        call(&owner, base, CreateProject::PATH, &[("name", format!("{name} project")), ("customer", String::new())])
            .await?;
    Ok((owner, postcard::from_bytes(&project)?))
}

fn invite_form(project: i64, email: &str) -> Vec<(&'static str, String)> {
    vec![
        ("project_id", project.to_string()),
        ("existing", String::new()),
        ("name", email.split('@').next().unwrap_or("Client").to_string()),
        ("email", email.to_string()),
        ("phone", String::new()),
    ]
}

async fn invites(server: &Server, owner: &reqwest::Client, project: i64, n: usize, prefix: &'static str) -> Phase {
    let (owner, base) = (owner.clone(), server.base.clone());
    drive(server, Some(n), None, move |i| {
        let (owner, base) = (owner.clone(), base.clone());
        async move {
            call(&owner, &base, InviteClient::PATH, &invite_form(project, &format!("{prefix}{i}@bench.test")))
                .await
                .map(|b| b.len())
        }
    })
    .await
}

/// One run on a fresh database: every phase's figures.
struct Run {
    phases: Vec<(&'static str, Phase)>,
    peak_rss_mb: f64,
    sql: Vec<(&'static str, Duration)>,
    /// Each export of the clients run (`--clients-only` and the full run): how long until its
    /// file was ready, and the server's peak RSS before and after it.
    exports: Vec<(&'static str, Duration, f64, f64)>,
}

async fn one_run(pg: Option<&str>, quick: bool, parts: Parts) -> anyhow::Result<Run> {
    let server = Server::start(pg).await?;
    let base = server.base.clone();
    let key = ServerKey::from_hex(&key_hex()).context("the bench key")?;
    let db = portico_core::db::connect(&server.database_url).await?;
    let scale = |n: usize| if quick { n / 10 } else { n };
    let mut phases = Vec::new();

    if parts != Parts::Clients {
        // S1: creates in a fresh organization.
        let (owner, project) = tenant(&base, "Creates").await?;
        phases.push(("S1 create one invitation", invites(&server, &owner, project, scale(2_000), "s1-").await));

        // S2: a project with 10,000 pending invitations; its list's first page of 100.
        let (owner, project) = tenant(&base, "Lists").await?;
        phases.push(("S2 seed 10,000 into one project", invites(&server, &owner, project, scale(10_000), "s2-").await));
        settle(&db).await?;
        let (o, b) = (owner.clone(), base.clone());
        phases.push((
            "S2 list: first page of 100",
            drive(&server, None, Some(Duration::from_secs(if quick { 5 } else { 20 })), move |_| {
                let (o, b) = (o.clone(), b.clone());
                async move {
                    call(&o, &b, LoadPortalAccess::PATH, &[("project_id", project.to_string()), ("per", "100".into())])
                        .await
                        .map(|b| b.len())
                }
            })
            .await,
        ));
        for (name, path) in [
            ("Portal access page (HTML) at 10,000", format!("/projects/{project}/portal")),
            ("Dashboard page (HTML)", "/".to_string()),
        ] {
            let (o, b) = (owner.clone(), base.clone());
            phases.push((
                name,
                drive(&server, Some(if quick { 50 } else { 400 }), None, move |_| {
                    let (o, url) = (o.clone(), format!("{b}{path}"));
                    async move {
                        let res = o.get(url).header("accept", "text/html").send().await?;
                        if !res.status().is_success() {
                            bail!("{}", res.status());
                        }
                        Ok(res.bytes().await?.len())
                    }
                })
                .await,
            ));
        }

        // S3: accepts, each invitee from its own address.
        let (owner, project) = tenant(&base, "Accepts").await?;
        let n3 = scale(500);
        let seeded = invites(&server, &owner, project, n3, "s3-").await;
        if seeded.errors > 0 {
            bail!("S3 seeding failed");
        }
        let ip = |i: usize| IpAddr::from([127, 1 + (i / 250) as u8, 0, (i % 250 + 1) as u8]);
        let mut invitees = Vec::new();
        for i in 0..n3 {
            let email = format!("s3-{i}@bench.test");
            let token = wait_for_body(&db, &key, &email, "invitation")
                .await?
                .split_whitespace()
                .find_map(|w| w.split("/invite/").nth(1).map(str::to_string))
                .context("a link")?;
            let who = browser(Some(ip(i)));
            who.get(format!("{base}/invite/{token}")).header("accept", "text/html").send().await?;
            call(&who, &base, ContinueLink::PATH, &[("kind", "Invitation".into()), ("token", token)]).await?;
            invitees.push((who, email));
        }
        let mut codes = Vec::new();
        for (who, email) in invitees {
            let body = wait_for_body(&db, &key, &email, "code").await?;
            let code = body.split_once("portal: ").map(|(_, rest)| rest[..6].to_string()).context("a code")?;
            codes.push((who, code));
        }
        let codes = Arc::new(codes);
        let b = base.clone();
        phases.push((
            "S3 accept (submit the code)",
            drive(&server, Some(n3), None, move |i| {
                let (codes, b) = (codes.clone(), b.clone());
                async move {
                    let (who, code) = &codes[i];
                    call(who, &b, VerifyCode::PATH, &[("code", code.clone())]).await.map(|b| b.len())
                }
            })
            .await,
        ));
    }

    if parts == Parts::Invitations {
        let (_, peak_rss_mb) = server.usage();
        drop(db);
        server.stop().await;
        return Ok(Run { phases, peak_rss_mb, sql: Vec::new(), exports: Vec::new() });
    }

    // 100,000 clients across 1,000 projects and 5,000 customers.
    let (owner, _) = tenant(&base, "Many").await?;
    let org = organization_of(&db, "Many").await?;
    let staff_user = staff_user_of(&db, org).await?;
    let clients = scale(100_000);
    let projects = scale(1_000).max(1);
    let customers = scale(5_000).max(1);
    seed_clients(&db, org, staff_user, clients, projects, customers).await?;
    let status = Command::new("target/release/portico")
        .args(["check", "--repair"])
        .env("DATABASE_URL", &server.database_url)
        .env("PORTICO_DATA_DIR", &server.dir)
        .env("PORTICO_SECRET_KEY", key_hex())
        .env("PORTICO_LOG", "warn")
        .stdout(Stdio::null())
        .status()?;
    if !status.success() {
        bail!("portico check --repair failed");
    }
    settle(&db).await?;
    // The first of the seeded projects (the tenant's own "Many project" has no contacts).
    let first_project = project::Entity::find()
        .filter(project::Column::OrgId.eq(org))
        .filter(project::Column::Name.eq("Project 0000"))
        .one(&db)
        .await?
        .context("a project")?
        .id;
    let deep_client = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .order_by_desc(client::Column::Id)
        .one(&db)
        .await?
        .context("a client")?
        .id
        - 60;
    let deep = Cursor::After(deep_client).seal(&key, org, portico_core::dashboard::CLIENT_LIST);
    // The Clients page's last page by name: after the 50th name from the end.
    let last_name = format!("Client {:06}", clients.saturating_sub(50));
    let last_anchor = client::Entity::find()
        .filter(client::Column::OrgId.eq(org))
        .filter(client::Column::Name.eq(last_name.as_str()))
        .one(&db)
        .await?
        .context("the anchor of the last page")?
        .id;
    let last = Cursor::After(last_anchor).seal(
        &key,
        org,
        &portico_core::clients::client_list(portico_core::model::ClientSort::Name),
    );
    let a_customer = customer::Entity::find()
        .filter(customer::Column::OrgId.eq(org))
        .filter(customer::Column::Name.eq("Customer 0001"))
        .one(&db)
        .await?
        .context("a customer")?
        .id;
    let current = format!("SELECT * FROM clients WHERE org_id = {org} AND deactivated_at IS NULL");
    // The search as the Clients page issues it (core::clients::filter_clients): on SQLite the
    // rows come from the trigram index, `+org_id` keeping the planner off the name index.
    let like = "(lower(name) LIKE '%client 0999%' OR lower(email) LIKE '%client 0999%')";
    let search = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => format!(
            "SELECT * FROM clients WHERE +org_id = {org} AND deactivated_at IS NULL AND {like} \
             AND id IN (SELECT rowid FROM clients_search WHERE clients_search MATCH '\"client 0999\"') ORDER BY name, id LIMIT 51"
        ),
        _ => format!("{current} AND {like} ORDER BY name, id LIMIT 51"),
    };
    let mut sql = Vec::new();
    for (name, form, path, raw) in [
        (
            "Clients (dashboard), first page",
            vec![],
            LoadDashboard::PATH,
            format!("SELECT * FROM clients WHERE org_id = {org} ORDER BY id LIMIT 51"),
        ),
        (
            "Clients (dashboard), deep page",
            vec![("cursor", deep.clone())],
            LoadDashboard::PATH,
            format!("SELECT * FROM clients WHERE org_id = {org} AND id > {deep_client} ORDER BY id LIMIT 51"),
        ),
        (
            // A tenth of the project's 100 clients (every 1,000th client is on it).
            "A project's list, search",
            vec![("project_id", first_project.to_string()), ("q", "client 00".into())],
            LoadPortalAccess::PATH,
            format!(
                "SELECT * FROM project_clients pc JOIN clients c ON c.id = pc.client_id WHERE pc.org_id = {org} AND pc.project_id = {first_project} AND (lower(c.name) LIKE '%client 00%' OR lower(c.email) LIKE '%client 00%') ORDER BY pc.id LIMIT 51"
            ),
        ),
        (
            "A project's list, status filter",
            vec![("project_id", first_project.to_string()), ("status", "invited".into())],
            LoadPortalAccess::PATH,
            format!(
                "SELECT * FROM project_clients pc JOIN clients c ON c.id = pc.client_id WHERE pc.org_id = {org} AND pc.project_id = {first_project} AND pc.access = 'invited' ORDER BY pc.id LIMIT 51"
            ),
        ),
        ("Clients page, first page", vec![], LoadClients::PATH, format!("{current} ORDER BY name, id LIMIT 51")),
        ("Clients page, search", vec![("q", "client 0999".into())], LoadClients::PATH, search),
        (
            "Clients page, one customer",
            vec![("customer", a_customer.to_string())],
            LoadClients::PATH,
            format!("{current} AND customer_id = {a_customer} ORDER BY name, id LIMIT 51"),
        ),
        (
            "Clients page, one project",
            vec![("project", first_project.to_string())],
            LoadClients::PATH,
            format!(
                "{current} AND id IN (SELECT client_id FROM project_clients WHERE org_id = {org} AND project_id = {first_project}) ORDER BY name, id LIMIT 51"
            ),
        ),
        (
            "Clients page, Deactivated users",
            vec![("view", "deactivated".into())],
            LoadClients::PATH,
            format!(
                "SELECT * FROM clients WHERE org_id = {org} AND deactivated_at IS NOT NULL ORDER BY name, id LIMIT 51"
            ),
        ),
        (
            "Clients page, last page",
            vec![("cursor", last.clone())],
            LoadClients::PATH,
            format!("{current} AND (name, id) > ('{last_name}', {last_anchor}) ORDER BY name, id LIMIT 51"),
        ),
        (
            "Customers page, first page",
            vec![],
            LoadCustomers::PATH,
            format!("SELECT * FROM customers WHERE org_id = {org} ORDER BY name, id LIMIT 51"),
        ),
    ] {
        let (o, b) = (owner.clone(), base.clone());
        let phase = drive(&server, Some(if quick { 50 } else { 400 }), None, move |_| {
            let (o, b, form) = (o.clone(), b.clone(), form.clone());
            async move { call(&o, &b, path, &form).await.map(|b| b.len()) }
        })
        .await;
        phases.push((name, phase));
        let started = Instant::now();
        let reps = 200;
        for _ in 0..reps {
            db.query_all_raw(Statement::from_string(db.get_database_backend(), raw.clone())).await?;
        }
        sql.push((name, started.elapsed() / reps));
    }
    // Export CSV of every client, both kinds, as a job the release server's worker runs.
    let mut exports = Vec::new();
    for (name, kind) in [("Export, all clients (one CSV)", "portal"), ("Export, by project (ZIP)", "projects")] {
        let (_, before) = server.usage();
        let started = Instant::now();
        let body = call(&owner, &base, StartExport::PATH, &[("kind", kind.into())]).await?;
        let job: i64 = postcard::from_bytes(&body).context("the export's job id")?;
        loop {
            let body = call(&owner, &base, LoadJob::PATH, &[("id", job.to_string())]).await?;
            let page: portico_core::model::JobPage = postcard::from_bytes(&body).context("the job page")?;
            if page.job.status.is_finished() {
                anyhow::ensure!(page.download.is_some(), "{name}: {:?}", page.job.status);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let took = started.elapsed();
        let (_, after) = server.usage();
        exports.push((name, took, before, after));
    }
    let (_, peak_rss_mb) = server.usage();
    drop(db);
    server.stop().await;
    Ok(Run { phases, peak_rss_mb, sql, exports })
}

/// After a bulk load, PostgreSQL's statistics as autovacuum leaves them within a minute of it
/// (autoanalyze after 10 % of a table changes): measured right away, the planner still plans
/// for the empty tables it last saw. SQLite keeps no statistics and Portico runs no ANALYZE
/// there, so its plans must not depend on them (the plan test checks that).
async fn settle(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.execute_unprepared("ANALYZE").await?;
    }
    Ok(())
}

/// The body of the newest message of `topic` to `to`, once the outbox has it.
async fn wait_for_body(
    db: &sea_orm::DatabaseConnection,
    key: &ServerKey,
    to: &str,
    topic: &str,
) -> anyhow::Result<String> {
    for _ in 0..400 {
        if let Some(m) = outbox_message::Entity::find()
            .filter(outbox_message::Column::Recipient.eq(to))
            .filter(outbox_message::Column::Topic.eq(topic))
            .order_by_desc(outbox_message::Column::Id)
            .one(db)
            .await?
        {
            return key.unseal(&m.body_text).context("a body sealed with the bench key");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    bail!("no {topic} mail to {to}")
}

async fn organization_of(db: &sea_orm::DatabaseConnection, name: &str) -> anyhow::Result<i64> {
    use portico_core::entities::organization;
    Ok(organization::Entity::find()
        .filter(organization::Column::Name.eq(name))
        .one(db)
        .await?
        .context("the organization")?
        .id)
}

async fn staff_user_of(db: &sea_orm::DatabaseConnection, org: i64) -> anyhow::Result<i64> {
    use portico_core::entities::staff_user;
    Ok(staff_user::Entity::find().filter(staff_user::Column::OrgId.eq(org)).one(db).await?.context("the owner")?.id)
}

/// `clients` clients spread over `projects` projects, each with a pending invitation, written
/// in batches straight to the tables (through the invite call this would take minutes).
async fn seed_clients(
    db: &sea_orm::DatabaseConnection,
    org: i64,
    staff_user: i64,
    clients: usize,
    projects: usize,
    customers: usize,
) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    let mut customer_ids = Vec::with_capacity(customers);
    for chunk_start in (0..customers).step_by(1_000) {
        let range = chunk_start..(chunk_start + 1_000).min(customers);
        customer::Entity::insert_many(range.map(|i| customer::ActiveModel {
            org_id: Set(org),
            name: Set(format!("Customer {i:04}")),
            kind: Set("business".into()),
            created_at: Set(now),
            version: Set(1),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await?;
    }
    customer_ids.extend(
        customer::Entity::find()
            .filter(customer::Column::OrgId.eq(org))
            .order_by_asc(customer::Column::Id)
            .all(db)
            .await?
            .into_iter()
            .map(|c| c.id),
    );
    let mut project_ids = Vec::new();
    for p in 0..projects {
        let row = project::ActiveModel {
            org_id: Set(org),
            name: Set(format!("Project {p:04}")),
            customer_id: Set(None),
            created_by: Set(staff_user),
            created_at: Set(now),
            ..Default::default()
        };
        project_ids.push(project::Entity::insert(row).exec(db).await?.last_insert_id);
    }
    for chunk_start in (0..clients).step_by(1_000) {
        let range = chunk_start..(chunk_start + 1_000).min(clients);
        client::Entity::insert_many(range.clone().map(|i| client::ActiveModel {
            org_id: Set(org),
            customer_id: Set(Some(customer_ids[i % customer_ids.len()])),
            name: Set(format!("Client {i:06}")),
            email: Set(format!("client-{i:06}@many.test")),
            phone: Set(None),
            created_at: Set(now),
            first_accepted_at: Set(None),
            last_sign_in_at: Set(None),
            deactivated_at: Set((i % 20 == 0).then_some(now)),
            password_hash: Set(None),
            standing: Set(None),
            standing_until: Set(None),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await?;
        let rows = client::Entity::find()
            .filter(client::Column::OrgId.eq(org))
            .filter(client::Column::Email.is_in(range.clone().map(|i| format!("client-{i:06}@many.test"))))
            .all(db)
            .await?;
        project_client::Entity::insert_many(rows.iter().map(|c| project_client::ActiveModel {
            org_id: Set(org),
            project_id: Set(project_ids[c.id as usize % project_ids.len()]),
            client_id: Set(c.id),
            is_primary: Set(false),
            created_at: Set(now),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await?;
        invitation::Entity::insert_many(rows.iter().map(|c| invitation::ActiveModel {
            org_id: Set(org),
            client_id: Set(c.id),
            project_id: Set(Some(project_ids[c.id as usize % project_ids.len()])),
            invited_by: Set(staff_user),
            token_hash: Set(portico_core::secrets::random_hex16() + &portico_core::secrets::random_hex16()),
            link_salt: Set(portico_core::secrets::random_hex16()),
            email: Set(c.email.clone()),
            status: Set("pending".into()),
            expires_at: Set(now + chrono::Duration::days(7)),
            created_at: Set(now),
            last_sent_at: Set(now),
            send_count: Set(1),
            accepted_at: Set(None),
            cancelled_at: Set(None),
            failed_attempts: Set(0),
            locked_at: Set(None),
            ..Default::default()
        }))
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args();
    let mut backends = if a.pg_only { vec![] } else { vec![("SQLite", None)] };
    if let Some(pg) = &a.pg {
        backends.push(("PostgreSQL", Some(pg.clone())));
    }
    for (backend, pg) in backends {
        let mut runs = Vec::new();
        for r in 0..a.runs {
            eprintln!("{backend}: run {} of {}", r + 1, a.runs);
            runs.push(one_run(pg.as_deref(), a.quick, a.parts).await?);
        }
        println!(
            "\nPortico on {backend}, release build, concurrency {CONCURRENCY}, median of {} runs{}",
            a.runs,
            if a.quick { " (--quick: a tenth of the sizes)" } else { "" }
        );
        println!(
            "| phase | requests | errors | req/s | p50 ms | p95 ms | p99 ms | server CPU ms/op | KB/answer | peak RSS MB so far | raw SQL ms |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (i, (name, _)) in runs[0].phases.iter().enumerate() {
            let of = |f: &dyn Fn(&Phase) -> f64| median(runs.iter().map(|r| f(&r.phases[i].1)).collect());
            let sql =
                runs[0].sql.iter().position(|(n, _)| n == name).map(|j| {
                    format!("{:.3}", median(runs.iter().map(|r| r.sql[j].1.as_secs_f64() * 1000.0).collect()))
                });
            println!(
                "| {name} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} | {:.3} | {:.1} | {:.1} | {} |",
                of(&|p| p.latencies.len() as f64),
                of(&|p| p.errors as f64),
                of(&Phase::rate),
                of(&|p| p.pct(0.5)),
                of(&|p| p.pct(0.95)),
                of(&|p| p.pct(0.99)),
                of(&Phase::cpu_ms_per_op),
                of(&|p| p.bytes as f64 / p.latencies.len().max(1) as f64 / 1024.0),
                of(&|p| p.rss_mb),
                sql.unwrap_or_else(|| "".into()),
            );
        }
        println!("peak server RSS: {:.1} MB", median(runs.iter().map(|r| r.peak_rss_mb).collect()));
        for (i, (name, ..)) in runs[0].exports.iter().enumerate() {
            let of = |f: &dyn Fn(&(&str, Duration, f64, f64)) -> f64| {
                median(runs.iter().map(|r| f(&r.exports[i])).collect())
            };
            println!(
                "{name}: ready in {:.2} s; server peak RSS {:.1} MB before, {:.1} MB after",
                of(&|e| e.1.as_secs_f64()),
                of(&|e| e.2),
                of(&|e| e.3)
            );
        }
    }
    Ok(())
}
