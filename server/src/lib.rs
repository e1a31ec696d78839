#![recursion_limit = "256"]
//! The Portico server: wiring configuration, database, router and the outbox worker.
//! `main.rs` is the CLI around it; the integration tests start the same app on port 0.

pub mod assets;
pub mod config;
mod documents;
mod forms;
mod invoices;
pub mod security;
mod tasks;
mod typed_forms;

use anyhow::Context;
use axum::{Router, extract::State, http::StatusCode, middleware, routing::get};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use portico_app::{App, server::AppState, shell};
use portico_core::{
    Portico, db, outbox,
    secrets::{ServerKey, redact_path},
};
use tower_http::trace::TraceLayer;

pub use config::Config;

/// mimalloc instead of glibc's malloc: glibc gives each of the server's threads (tokio's
/// workers and one per SQLite connection) an arena of its own and returns little of it, and
/// spent about a tenth of the server's CPU in the scale bench (`perf`: `_int_malloc`,
/// `malloc_consolidate`, `_int_free`). Declared here, not in `main.rs`, so the benchmarks and
/// tests that run this server in their own process measure the allocator it runs with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Everything a running server needs, built from the configuration.
pub struct Prepared {
    pub state: AppState,
    pub transport: outbox::Transport,
}

/// Connects, migrates, loads (or creates) the server key.
pub async fn prepare(config: &Config) -> anyhow::Result<Prepared> {
    prepare_with(config, None).await
}

/// Every SQL statement the app runs, with its values in place (tests count and explain them).
pub type StatementObserver = Box<dyn Fn(&str) + Send + Sync>;

/// `prepare`, with each statement of the app's connection reported to `observe`.
pub async fn prepare_with(config: &Config, observe: Option<StatementObserver>) -> anyhow::Result<Prepared> {
    let url = config.database_url();
    if url.starts_with("sqlite://") {
        std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    }
    let mut conn = db::connect(&url).await.context("connecting to the database")?;
    if let Some(observe) = observe {
        conn.set_metric_callback(move |info| observe(&info.statement.to_string()));
    }
    db::migrate(&conn).await.context("running migrations")?;
    let key = server_key(config)?;
    let transport =
        outbox::Transport::from_config(config.smtp_url.as_deref(), &config.mail_from).map_err(anyhow::Error::msg)?;
    let bundle = assets::BundleNames::of_this_build("hash.txt");
    let leptos_options = LeptosOptions::builder()
        .output_name("portico")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.site_addr)
        .hash_files(bundle.hashed)
        .build();
    let mut portico = Portico::new(conn, key, &config.public_url);
    portico.retention = portico_core::retention::Retention::days(config.retention_days).map_err(anyhow::Error::msg)?;
    portico.files = config.data_dir.clone();
    portico.import_max_bytes = config.import_max_bytes;
    portico.document_max_bytes = config.document_max_bytes;
    portico_core::documents::sweep_incoming(&portico).await;
    let sealed = outbox::seal_legacy_bodies(&portico).await.context("sealing stored message bodies")?;
    if sealed > 0 {
        tracing::info!(sealed, "sealed message bodies stored before sealing existed");
    }
    let filled = portico_core::access::fill_in_unset(&portico).await.context("filling in access state")?;
    if filled > 0 {
        tracing::info!(filled, "computed the access state of rows stored before it was kept");
    }
    let state = AppState {
        area_bundles: assets::area_bundles(&leptos_options),
        portico,
        leptos_options,
        open_signup: config.open_signup,
        secure_cookies: config.serves_https(),
        limits: Default::default(),
        stylesheet: bundle.stylesheet("portico"),
    };
    Ok(Prepared { state, transport })
}

fn server_key(config: &Config) -> anyhow::Result<ServerKey> {
    if let Some(hex) = &config.secret_key {
        return ServerKey::from_hex(hex).context("PORTICO_SECRET_KEY must be 64 hex characters");
    }
    std::fs::create_dir_all(&config.data_dir)?;
    let path = config.data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return ServerKey::from_hex(&existing).with_context(|| format!("{} is not a valid key", path.display()));
    }
    let key = ServerKey::generate();
    write_private(&path, &key.to_hex())?;
    tracing::info!(path = %path.display(), "generated a new server key");
    Ok(key)
}

fn write_private(path: &std::path::Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())?;
    Ok(())
}

/// The page routes, listed once per process. Listing them runs the app with resource loading
/// switched off by a process-wide flag (leptos_server's `SuppressResourceLoad`), and a resource
/// that starts loading in that moment, on a page being served by another router of the same
/// process, waits for ever (leptos-rs/leptos#4773): the integration tests, which start an app
/// per test while others serve pages, saw one page in a few thousand hang for 30 s.
static ROUTES: std::sync::LazyLock<Vec<leptos_axum::AxumRouteListing>> =
    std::sync::LazyLock::new(|| generate_route_list(App));

/// The page routes (listed once per process: `ROUTES`), for the tests that go through them all.
pub fn page_routes() -> &'static [leptos_axum::AxumRouteListing] {
    &ROUTES
}

/// The HTTP application: pages, server functions, health, static files, protections.
pub fn router(state: AppState, config: &Config) -> Router {
    let public_url = config.public_url.as_str();
    let proxies = std::sync::Arc::new(config.trusted_proxies.clone());
    let routes = ROUTES.clone();
    let options = state.leptos_options.clone();
    let https = state.secure_cookies;
    let context_state = state.clone();
    let site_root = std::path::PathBuf::from(options.site_root.as_ref());
    let hashed = options.hash_files;
    Router::new()
        .route("/health", get(health))
        .merge(assets::bundle_routes(&site_root, hashed))
        .route("/mailbox/{id}/html", get(mail_html))
        .route("/exports/{id}", get(export_file))
        .merge(documents::routes(state.portico.document_max_bytes))
        .merge(invoices::routes(state.portico.document_max_bytes))
        .merge(tasks::routes(state.portico.document_max_bytes))
        .merge(forms::routes())
        .route("/imports/template.csv", get(import_template))
        .route("/imports/{id}/problems.csv", get(import_problems))
        .route(
            "/imports",
            axum::routing::post(upload_import)
                // The file, and room for the form around it.
                .layer(axum::extract::DefaultBodyLimit::max(state.portico.import_max_bytes + 64 * 1024)),
        )
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(context_state.clone());
                provide_context(portico_app::server::RequestSession::default());
            },
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
        .layer(middleware::from_fn_with_state(
            security::AllowedOrigin::from_public_url(public_url),
            security::link_page_forms,
        ))
        .layer(middleware::from_fn_with_state(typed_forms::SecureCookies(https), typed_forms::keep_typed))
        .layer(middleware::from_fn_with_state(
            security::AllowedOrigin::from_public_url(public_url),
            security::same_origin_only,
        ))
        .layer(middleware::from_fn_with_state(https, security::security_headers))
        .layer(assets::compression())
        .layer(middleware::from_fn(request_timeout))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(BODY_TIMEOUT))
        // Outermost: everything inside sees the person's address, not a proxy's.
        .layer(middleware::from_fn_with_state(proxies, security::forwarded_client))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %req.method(), path = %redact_path(req.uri().path()))
        }))
}

/// A message's HTML version on a page of its own, sandboxed by CSP: no scripts, no forms, no
/// same-origin access. (An inline sandboxed iframe would do the same, but accessibility
/// scanners cannot enter script-less frames, so the Mailbox links here instead.)
async fn mail_html(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::{http::header, response::IntoResponse};
    let Some(staff) = staff_of(&state, &headers).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    match portico_core::mailbox::message(&state.portico, &staff, id).await {
        Ok(m) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "sandbox; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'",
                ),
            ],
            m.body_html,
        )
            .into_response(),
        Err(portico_core::Error::Forbidden) => StatusCode::FORBIDDEN.into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Whose session a request to a route outside the server functions carries.
async fn principal_of(state: &AppState, headers: &axum::http::HeaderMap) -> Option<portico_core::sessions::Principal> {
    let token = portico_app::server::cookie_in(headers, portico_app::server::SESSION_COOKIE, state.secure_cookies)?;
    portico_core::sessions::resolve(&state.portico, &token).await.ok().flatten()
}

/// The signed-in staff member of a request to a route outside the server functions.
async fn staff_of(state: &AppState, headers: &axum::http::HeaderMap) -> Option<portico_core::accounts::Staff> {
    match principal_of(state, headers).await {
        Some(portico_core::sessions::Principal::Staff(staff)) => Some(staff),
        _ => None,
    }
}

/// "Download" on an export job's page: the prepared file, streamed from the data folder, as an
/// attachment. Owners and admins of its organization only, while it is kept; otherwise a page
/// that says why.
async fn export_file(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::{http::header, response::IntoResponse};
    use portico_core::Error;
    let Some(staff) = staff_of(&state, &headers).await else {
        return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response();
    };
    let refused = |status: StatusCode, why: String| (status, why).into_response();
    match portico_core::exports::download(&state.portico, &staff, id).await {
        Ok(file) => match tokio::fs::File::open(&file.path).await {
            Ok(f) => (
                [
                    (header::CONTENT_TYPE, file.content_type.to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file.file_name)),
                    (header::CACHE_CONTROL, "no-store".to_string()),
                ],
                axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(f)),
            )
                .into_response(),
            Err(e) => {
                tracing::error!(job = id, error = %e, "an export file is missing");
                refused(StatusCode::GONE, "This download has expired. Export again.".into())
            }
        },
        Err(Error::Forbidden) => refused(StatusCode::FORBIDDEN, "Only owners and admins can export clients.".into()),
        Err(Error::Conflict(why)) => refused(StatusCode::GONE, why),
        Err(_) => refused(StatusCode::NOT_FOUND, "We could not find that.".into()),
    }
}

/// A CSV file to download, never shown inside the site nor kept in a cache (the import
/// template, an import's error report, a form's answers). `name` is made by the services from
/// letters, digits, dashes and underscores only, so it is safe inside the quoted header value.
pub(crate) fn csv_attachment(name: &str, bytes: impl Into<axum::body::Body>) -> axum::response::Response {
    use axum::{http::header, response::IntoResponse};
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes.into(),
    )
        .into_response()
}

/// "Download the template" on the import page.
async fn import_template() -> axum::response::Response {
    csv_attachment("portico-import-template.csv", portico_core::imports::TEMPLATE)
}

/// "Upload CSV": a plain form post (it works before and without the page's script). The file
/// is kept as a draft import and the browser goes to its dry run; a refused file sends it
/// back to the form with the reason as a key (`UploadProblem`).
async fn upload_import(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    mut form: axum::extract::Multipart,
) -> axum::response::Response {
    use axum::response::{IntoResponse, Redirect};
    use portico_core::{
        imports::{self, UploadRefusal},
        model::UploadProblem,
    };
    let Some(staff) = staff_of(&state, &headers).await else {
        return Redirect::to("/sign-in?next=/imports/new").into_response();
    };
    let back = |p: UploadProblem| {
        let line = p.line().map(|l| format!("&line={l}")).unwrap_or_default();
        Redirect::to(&format!("/imports/new?problem={}{line}", p.key())).into_response()
    };
    let mut file: Option<(String, axum::body::Bytes)> = None;
    loop {
        match form.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or_default().to_string();
                match field.bytes().await {
                    Ok(bytes) => file = Some((name, bytes)),
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return back(UploadProblem::TooLarge),
                    Err(_) => return back(UploadProblem::NoFile),
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return back(UploadProblem::TooLarge),
            Err(_) => return back(UploadProblem::NoFile),
        }
    }
    let Some((name, bytes)) = file else { return back(UploadProblem::NoFile) };
    match imports::upload(&state.portico, &staff, &name, &bytes).await {
        Ok(id) => Redirect::to(&format!("/imports/{id}")).into_response(),
        Err(UploadRefusal::File(refused)) => back(refused.problem),
        Err(UploadRefusal::Other(e)) => {
            tracing::error!(error = %e, "keeping an upload failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "The file could not be kept. Try again.").into_response()
        }
    }
}

/// "Download the error report (CSV)" on an import's dry run.
async fn import_problems(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    headers: axum::http::HeaderMap,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(staff) = staff_of(&state, &headers).await else {
        return (StatusCode::UNAUTHORIZED, "Please sign in.").into_response();
    };
    match portico_core::imports::error_report(&state.portico, &staff, id).await {
        Ok((name, bytes)) => csv_attachment(&name, bytes),
        Err(portico_core::Error::Conflict(why)) => (StatusCode::GONE, why).into_response(),
        Err(portico_core::Error::Validation { message, .. }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, message).into_response()
        }
        Err(_) => (StatusCode::NOT_FOUND, "We could not find that.").into_response(),
    }
}

async fn health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match db::ping(&state.portico.db).await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// The background workers of this process (`spawn_workers`): the outbox's senders and the
/// jobs worker.
pub struct Workers {
    stop: tokio_util::sync::CancellationToken,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Workers {
    /// Stops taking work, lets the messages being sent and the job chunks under way finish,
    /// and gives back the rest of what was claimed, waiting at most `within` (past it, what is
    /// still running is left to its lease).
    pub async fn shut_down(self, within: std::time::Duration) {
        self.stop.cancel();
        let all = async {
            for task in self.tasks {
                let _ = task.await;
            }
        };
        if tokio::time::timeout(within, all).await.is_err() {
            tracing::warn!("work still running after {} s; stopping anyway", within.as_secs());
        }
    }
}

/// Starts the outbox's senders and the jobs worker in the background, as a process of no
/// particular instance (tests, tools).
pub fn spawn_workers(state: &AppState, transport: outbox::Transport, senders: usize) -> Workers {
    spawn_workers_as(state, transport, senders, &format!("r{}", &portico_core::secrets::random_hex16()[..10]))
}

/// This server as an instance: one address on one host, which no two live processes can
/// hold at once. Its leases carry it, so a restarted process knows which were its
/// predecessor's (`recover_instance`).
pub fn instance_of(state: &AppState, listening: std::net::SocketAddr) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::env::var("HOSTNAME"))
        .unwrap_or_else(|_| "localhost".into());
    let tag = state.portico.key.short_mac(&format!("instance|{}|{listening}", host.trim()));
    format!("i{}", &tag[..10])
}

/// Called once the listening address is bound. Waits until any earlier process of this
/// instance has ended (one stopping gracefully frees the address before it has finished
/// sending), holding the instance from then on (`outbox::Held`, kept for the life of the
/// process). Then mail that process handed to the SMTP server but had not recorded is recorded
/// as sent from its handover journal (`outbox::Journal`), and the mail and jobs it had claimed
/// are given back at once, instead of waiting for their leases (5 minutes for mail) to run out.
pub async fn recover_instance(state: &AppState, instance: &str) -> anyhow::Result<Option<outbox::Held>> {
    let held = hold_instance(state, instance).await;
    let handed = outbox::record_handed(&state.portico, instance).await?;
    let (mail, jobs) = portico_core::jobs::recover(&state.portico, &format!("{instance}.")).await?;
    if handed + mail + jobs > 0 {
        tracing::info!(
            handed,
            mail,
            jobs,
            "recorded what the previous process of this instance had handed to the SMTP server, and took back what it had claimed"
        );
    }
    Ok(held)
}

/// The instance's lock, once its previous process has let it go. Where the data folder cannot
/// be locked (a file system without locks), the process goes on without it, as before the lock.
async fn hold_instance(state: &AppState, instance: &str) -> Option<outbox::Held> {
    let mut waited = false;
    let mut lock = outbox::InstanceLock::open(&state.portico.files, instance);
    loop {
        match lock.and_then(outbox::InstanceLock::try_hold) {
            Ok(Ok(held)) => return Some(held),
            Ok(Err(unheld)) => {
                if !waited {
                    tracing::info!("waiting for the previous process on this address to finish sending");
                    waited = true;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                lock = Ok(unheld);
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot lock the instance in the data folder; a process stopping on this address may still be sending");
                return None;
            }
        }
    }
}

/// `spawn_workers` for a process of `instance` (`instance_of`).
pub fn spawn_workers_as(state: &AppState, transport: outbox::Transport, senders: usize, instance: &str) -> Workers {
    let worker_id = format!("{instance}.{}", std::process::id());
    let transport = transport.journaled(outbox::Journal::new(&state.portico.files, instance));
    let stop = tokio_util::sync::CancellationToken::new();
    let portico = &state.portico;
    let tasks = vec![
        tokio::spawn(outbox::run_worker(portico.clone(), transport, worker_id.clone(), senders, stop.clone())),
        tokio::spawn(portico_core::jobs::run_worker(portico.clone(), worker_id, stop.clone())),
    ];
    Workers { stop, tasks }
}

/// How long a client may take to send a request's headers, and how long a kept-alive
/// connection may sit idle before the next request, before it is closed.
pub const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// How long a request body may pause between chunks, and how long a whole request may take.
pub const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// How long an upload (a document, a CSV to import) may take as a whole: 25 MB on a slow line
/// takes minutes. A stalled one is still cut off by `BODY_TIMEOUT`.
pub const UPLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Answers 408 when a request takes longer than it may: `UPLOAD_TIMEOUT` for uploads,
/// `REQUEST_TIMEOUT` for everything else. (tower-http's `TimeoutLayer` has one duration for
/// every route; this picks one per request.)
async fn request_timeout(req: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = req.uri().path();
    let upload = req.method() == axum::http::Method::POST
        && (path == "/imports" || documents::is_upload(path) || tasks::is_upload(path));
    let limit = if upload { UPLOAD_TIMEOUT } else { REQUEST_TIMEOUT };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(res) => res,
        Err(_) => StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

/// Serves until the future `shutdown` completes, then lets open requests finish (up to 10 s).
///
/// Connections are served by hyper-util directly rather than `axum::serve`, which has no
/// timeouts: a client that trickles its headers or sits idle would hold a connection (and a
/// task) for ever. Here hyper closes a connection whose headers do not arrive within
/// `HEADER_READ_TIMEOUT`, including the wait for the next request on a kept-alive one; body
/// and whole-request limits are tower-http layers in `router`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    use hyper_util::{
        rt::{TokioExecutor, TokioIo, TokioTimer},
        server::{conn::auto::Builder, graceful::GracefulShutdown},
    };
    use tower::ServiceExt;
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(HEADER_READ_TIMEOUT));
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            // What `into_make_service_with_connect_info` would provide: the caller's address.
            req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
        let connection =
            graceful.watch(builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned());
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
    if tokio::time::timeout(std::time::Duration::from_secs(10), graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still open after 10 s; stopping anyway");
    }
    Ok(())
}
