//! Test harness: the real axum app on port 0 against a fresh database (SQLite, or PostgreSQL
//! when `PORTICO_TEST_POSTGRES_URL` names a server), driven over HTTP like a browser would.
#![allow(dead_code)]

use std::{path::PathBuf, time::Duration};

use leptos::server_fn::ServerFn;
use portico_app::server::AppState;
use portico_core::entities::outbox_message;
use portico_server::{Config, StatementObserver, prepare_with, router, serve, spawn_workers};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    /// For a second connection of a test's own (one that counts statements, say).
    pub database_url: String,
    pub backend: Backend,
    _database: DatabaseGuard,
    _server: tokio::task::JoinHandle<()>,
}

/// Drops the per-test PostgreSQL database / SQLite folder when the test ends.
pub struct DatabaseGuard {
    sqlite_dir: Option<PathBuf>,
    postgres: Option<(String, String)>,
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        if let Some(dir) = &self.sqlite_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((server, name)) = self.postgres.take() {
            // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(db) = sea_orm::Database::connect(format!("{server}/postgres")).await {
                        let _ =
                            db.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn postgres_server() -> Option<String> {
    required_in_ci("PORTICO_TEST_POSTGRES_URL").map(|s| s.trim_end_matches('/').to_string())
}

/// An optional test service's address. Under CI (`CI=true`) it must be there: the test
/// command provides it, so its absence is a broken set-up, not a reason to skip.
pub fn required_in_ci(var: &str) -> Option<String> {
    let value = std::env::var(var).ok().filter(|s| !s.is_empty());
    if value.is_none() && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{var} must be set under CI (scripts/test.sh sets it)");
    }
    value
}

fn unique(prefix: &str) -> String {
    format!("{prefix}_{}_{}", std::process::id(), portico_core::secrets::random_hex16())
}

/// A fresh database URL for one test, with its guard. `None` when PostgreSQL is not configured.
pub async fn fresh_database(backend: Backend) -> Option<(String, DatabaseGuard)> {
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(unique("portico_test"));
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}/portico.db", dir.display());
            Some((url, DatabaseGuard { sqlite_dir: Some(dir), postgres: None }))
        }
        Backend::Postgres => {
            let server = postgres_server()?;
            let name = unique("portico_test");
            let admin = sea_orm::Database::connect(format!("{server}/postgres")).await.expect("PostgreSQL reachable");
            admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
            admin.close().await.ok();
            let url = format!("{server}/{name}");
            Some((url, DatabaseGuard { sqlite_dir: None, postgres: Some((server, name)) }))
        }
    }
}

pub fn test_config(database_url: &str, smtp_url: Option<String>) -> Config {
    // A data folder per app: files are named by ids, which every fresh database starts again.
    Config {
        database_url: Some(database_url.to_string()),
        public_url: "http://portal.test".into(),
        data_dir: std::env::temp_dir().join(unique("portico_files")),
        smtp_url,
        mail_from: "portal@portico.test".into(),
        open_signup: true,
        secret_key: Some("11".repeat(32)),
        site_addr: "127.0.0.1:0".parse().unwrap(),
        site_root: "target/site".into(),
        retention_days: 30,
        import_max_bytes: portico_core::imports::DEFAULT_MAX_BYTES,
        document_max_bytes: portico_core::documents::DEFAULT_MAX_BYTES,
        mail_senders: portico_core::outbox::SENDERS,
        trusted_proxies: Vec::new(),
    }
}

/// Starts the app on port 0 with its outbox worker. `None` if the backend is unavailable.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, None).await
}

pub async fn spawn_app_with(backend: Backend, smtp_url: Option<String>) -> Option<TestApp> {
    let (url, guard) = fresh_database(backend).await?;
    let config = test_config(&url, smtp_url);
    Some(start(guard, backend, config, None).await)
}

/// The app with some of its configuration changed.
pub async fn spawn_app_configured(backend: Backend, change: impl FnOnce(&mut Config)) -> Option<TestApp> {
    let (url, guard) = fresh_database(backend).await?;
    let mut config = test_config(&url, None);
    change(&mut config);
    Some(start(guard, backend, config, None).await)
}

/// The app, with every SQL statement it runs recorded (in order) in the returned list.
pub async fn spawn_app_recording(backend: Backend) -> Option<(TestApp, std::sync::Arc<std::sync::Mutex<Vec<String>>>)> {
    let (url, guard) = fresh_database(backend).await?;
    let statements = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = statements.clone();
    let observe: StatementObserver = Box::new(move |sql: &str| record.lock().unwrap().push(sql.to_string()));
    Some((start(guard, backend, test_config(&url, None), Some(observe)).await, statements))
}

/// The services alone on a fresh, migrated database: no server and no outbox worker, for
/// tests that drive the outbox's steps themselves. Keep the guard while the database is used.
pub async fn services_alone(backend: Backend) -> Option<(portico_core::Portico, impl Drop)> {
    let (url, guard) = fresh_database(backend).await?;
    let prepared = prepare_with(&test_config(&url, None), None).await.expect("app prepares");
    Some((prepared.state.portico, guard))
}

/// The app serving its static files from `site_root`.
pub async fn spawn_app_serving(site_root: &std::path::Path) -> TestApp {
    let (url, guard) = fresh_database(Backend::Sqlite).await.unwrap();
    let mut config = test_config(&url, None);
    config.site_root = site_root.display().to_string();
    start(guard, Backend::Sqlite, config, None).await
}

async fn start(guard: DatabaseGuard, backend: Backend, config: Config, observe: Option<StatementObserver>) -> TestApp {
    let database_url = config.database_url();
    let prepared = prepare_with(&config, observe).await.expect("app prepares");
    spawn_workers(&prepared.state, prepared.transport, portico_core::outbox::SENDERS);
    let state = prepared.state.clone();
    let app = router(prepared.state, &config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        serve(listener, app, std::future::pending()).await.unwrap();
    });
    TestApp { base, state, database_url, backend, _database: guard, _server: server }
}

/// Every test ends with the consistency check: whatever the test did through the app, the
/// maintained access state and counters must equal a recount from the invitations.
impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state.portico.files);
        if std::thread::panicking() {
            return;
        }
        let url = self.database_url.clone();
        let drift = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let conn = portico_core::db::connect(&url).await.expect("the test database");
                let key = portico_core::secrets::ServerKey::from_hex(&"11".repeat(32)).unwrap();
                let portico = portico_core::Portico::new(conn, key, "http://portal.test");
                portico_core::access::check(&portico, false).await.expect("the check runs")
            })
        })
        .join()
        .expect("the check finishes");
        assert!(drift.is_empty(), "the stored access state drifted from the invitations: {drift:#?}");
    }
}

/// A browser-like HTTP client: its own cookie jar, no automatic redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Calls a server function the way the hydrated UI does (form-encoded POST).
    pub async fn call<F: ServerFn>(&self, client: &reqwest::Client, args: &[(&str, &str)]) -> reqwest::Response {
        client.post(self.url(F::PATH)).form(args).send().await.expect("request sent")
    }

    /// Creates an organization and returns a client signed in as its owner.
    pub async fn owner(&self, org: &str, email: &str) -> reqwest::Client {
        let c = browser();
        let res = self
            .call::<portico_app::accounts::CreateOrganization>(
                &c,
                &[
                    ("organization_name", org),
                    ("name", "Olivia Owner"),
                    ("email", email),
                    ("password", "correct horse battery"),
                ],
            )
            .await;
        assert!(res.status().is_success(), "sign-up failed: {} {}", res.status(), res.text().await.unwrap_or_default());
        c
    }

    /// A staff member of `owner`'s organization with the `member` role, joined and signed in.
    pub async fn member(&self, owner: &reqwest::Client, name: &str, email: &str) -> reqwest::Client {
        use portico_app::team::{InviteStaff, JoinTeam};
        let res = self.call::<InviteStaff>(owner, &[("name", name), ("email", email), ("role", "member")]).await;
        assert!(res.status().is_success(), "{}", res.status());
        let mail = self.wait_for_mail(email, 1).await;
        let token = link_in(&mail[0].body_text, "/join/").trim_start_matches("/join/").to_string();
        let staff = browser();
        let res = self
            .call::<JoinTeam>(&staff, &[("token", &token), ("name", name), ("password", "correct horse battery")])
            .await;
        assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
        staff
    }

    pub async fn create_project(&self, staff: &reqwest::Client, name: &str) -> i64 {
        let res = self
            .call::<portico_app::projects::CreateProject>(
                staff,
                &[("name", name), ("customer", "new"), ("new_customer", "Acme Ltd")],
            )
            .await;
        assert!(res.status().is_success(), "create project: {}", res.status());
        res.decoded().await
    }

    pub async fn invite(&self, staff: &reqwest::Client, project: i64, name: &str, email: &str) -> reqwest::Response {
        let project = project.to_string();
        self.call::<portico_app::invitations::InviteClient>(
            staff,
            &[("project_id", &project), ("existing", ""), ("name", name), ("email", email), ("phone", "")],
        )
        .await
    }

    /// Messages queued for an address, oldest first (the outbox is the source of truth), with
    /// their bodies unsealed as the sender and the Mailbox read them.
    pub async fn mail_to(&self, to: &str) -> Vec<outbox_message::Model> {
        let key = &self.state.portico.key;
        outbox_message::Entity::find()
            .filter(outbox_message::Column::Recipient.eq(to))
            .order_by_asc(outbox_message::Column::Id)
            .all(&self.state.portico.db)
            .await
            .unwrap()
            .into_iter()
            .map(|mut m| {
                m.body_text = key.unseal(&m.body_text).expect("a body sealed with this server's key");
                m.body_html = key.unseal(&m.body_html).expect("a body sealed with this server's key");
                m
            })
            .collect()
    }

    /// Waits until `n` messages for `to` exist and the worker has handled them.
    pub async fn wait_for_mail(&self, to: &str, n: usize) -> Vec<outbox_message::Model> {
        // Up to 30 s: generous for a loaded CI machine, instant when the worker is idle.
        for _ in 0..600 {
            let mail = self.mail_to(to).await;
            if mail.len() >= n && mail.iter().all(|m| m.status != "queued") {
                return mail;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "expected {n} delivered messages to {to}, found {:?}",
            self.mail_to(to).await.iter().map(|m| (&m.subject, &m.status)).collect::<Vec<_>>()
        );
    }

    pub async fn invitation_link(&self, to: &str) -> String {
        let mail = self.wait_for_mail(to, 1).await;
        let invitation = mail.iter().rev().find(|m| m.topic == "invitation").expect("an invitation email");
        link_in(&invitation.body_text, "/invite/")
    }

    /// Starts a bulk action over the clients `ids` as the browser does and waits (up to 30 s)
    /// until the job has finished; its page.
    pub async fn bulk_job(&self, staff: &reqwest::Client, action: &str, ids: &[i64]) -> portico_core::model::JobPage {
        let ids = client_ids(ids);
        let mut form: Vec<(&str, &str)> = vec![("action", action)];
        form.extend(ids.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        self.bulk_job_with(staff, &form).await
    }

    /// Starts a bulk action (`form`: the arguments of `StartBulkAction` but the request key) and
    /// waits until its job has finished; its page.
    pub async fn bulk_job_with(&self, staff: &reqwest::Client, form: &[(&str, &str)]) -> portico_core::model::JobPage {
        use portico_app::jobs::StartBulkAction;
        let key = format!("test-{}", portico_core::secrets::random_hex16());
        let mut form = form.to_vec();
        form.push(("request_key", &key));
        let res = self.call::<StartBulkAction>(staff, &form).await;
        assert!(res.status().is_success(), "start {form:?}: {}", res.status());
        let job: i64 = res.decoded().await;
        self.wait_for_job(staff, job).await
    }

    /// Waits (up to 30 s) until the job has finished; its page.
    pub async fn wait_for_job(&self, staff: &reqwest::Client, job: i64) -> portico_core::model::JobPage {
        use portico_app::jobs::LoadJob;
        for _ in 0..600 {
            let page: portico_core::model::JobPage =
                self.call::<LoadJob>(staff, &[("id", &job.to_string())]).await.decoded().await;
            if page.job.status.is_finished() {
                return page;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("job {job} did not finish");
    }

    pub async fn latest_code(&self, to: &str) -> String {
        let mail = self.mail_to(to).await;
        let code_mail = mail.iter().rev().find(|m| m.topic == "code").expect("a code email");
        let after = code_mail.body_text.split_once("portal: ").expect("the code line").1;
        after[..6].to_string()
    }
}

/// The first URL in `text` containing `marker`, as a path on the test server.
pub fn link_in(text: &str, marker: &str) -> String {
    let url =
        text.split_whitespace().find(|w| w.contains(marker)).unwrap_or_else(|| panic!("no {marker} link in {text}"));
    url.trim_start_matches("http://portal.test").to_string()
}

/// A server function's error: its status and the `AppError` in the body.
pub async fn error_of(res: reqwest::Response) -> (u16, portico_app::error::AppError) {
    let status = res.status().as_u16();
    (status, res.decoded().await)
}

/// Server functions answer in postcard (app/src/loading.rs says why); tests decode the answer
/// as the browser does.
#[allow(async_fn_in_trait)]
pub trait Answer {
    async fn decoded<T: serde::de::DeserializeOwned>(self) -> T;
}

impl Answer for reqwest::Response {
    async fn decoded<T: serde::de::DeserializeOwned>(self) -> T {
        let status = self.status();
        let body = self.bytes().await.unwrap();
        postcard::from_bytes(&body).unwrap_or_else(|e| {
            let name = std::any::type_name::<T>();
            panic!("not a {name} ({e}), status {status}: {}", String::from_utf8_lossy(&body))
        })
    }
}

impl TestApp {
    /// The client opens their invitation link, continues and enters the code: signed in.
    pub async fn accept(&self, link: &str, email: &str) -> reqwest::Client {
        use portico_app::client_access::{ContinueLink, VerifyCode};
        let client = browser();
        let before = self.mail_to(email).await.len();
        let token = link.trim_start_matches("/invite/");
        let res = self.call::<ContinueLink>(&client, &[("kind", "Invitation"), ("token", token)]).await;
        assert!(res.status().is_success(), "continue: {}", res.status());
        self.wait_for_mail(email, before + 1).await;
        let code = self.latest_code(email).await;
        let res = self.call::<VerifyCode>(&client, &[("code", &code)]).await;
        assert!(res.status().is_success(), "verify: {}", res.status());
        client
    }

    /// The single invitation of a client, straight from the database.
    pub async fn invitation_of(&self, email: &str) -> portico_core::entities::invitation::Model {
        use portico_core::entities::invitation;
        invitation::Entity::find()
            .filter(invitation::Column::Email.eq(email))
            .order_by_desc(invitation::Column::Id)
            .one(&self.state.portico.db)
            .await
            .unwrap()
            .expect("an invitation")
    }

    /// Time passes until this invitation has run out: its expiry moves into the past, and so
    /// does what the app keeps of it (as the expiry sweep would find it).
    pub async fn expire(&self, inv: portico_core::entities::invitation::Model) {
        use sea_orm::{ActiveModelTrait, Set};
        let (client_id, project_id) = (inv.client_id, inv.project_id);
        let mut active: portico_core::entities::invitation::ActiveModel = inv.into();
        active.expires_at = Set(chrono::Utc::now() - chrono::Duration::minutes(1));
        active.update(&self.state.portico.db).await.unwrap();
        portico_core::access::refresh(&self.state.portico.db, client_id, project_id).await.unwrap();
    }

    pub async fn audit_events(&self, event: &str) -> Vec<portico_core::entities::audit_event::Model> {
        use portico_core::entities::audit_event;
        audit_event::Entity::find()
            .filter(audit_event::Column::Event.eq(event))
            .all(&self.state.portico.db)
            .await
            .unwrap()
    }
}

/// `client_ids[i]` fields of a server function call, as the browser sends a list.
pub fn client_ids(ids: &[i64]) -> Vec<(String, String)> {
    ids.iter().enumerate().map(|(i, id)| (format!("client_ids[{i}]"), id.to_string())).collect()
}

/// Does this response set a cookie at all?
pub fn sets_cookie(res: &reqwest::Response) -> bool {
    res.headers().contains_key(reqwest::header::SET_COOKIE)
}

/// Everything the app logs from now on, as the production format writes it (shared by all
/// tests in this process: a global subscriber can be installed only once).
pub struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

struct LogWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub fn capture_logs() -> Logs {
    static BUFFER: std::sync::OnceLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();
    let buffer = BUFFER.get_or_init(|| {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = buffer.clone();
        // The production default filter, plus request spans and the app's debug lines.
        let filter =
            "info,sqlx=warn,tower_http=debug,portico=debug,portico_server=debug,portico_core=debug,portico_app=debug";
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_ansi(false)
            .with_writer(move || LogWriter(writer.clone()))
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        buffer
    });
    Logs(buffer.clone())
}
