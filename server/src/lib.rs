#![recursion_limit = "256"]
//! The Portico server: wiring configuration, database, router and the outbox worker.
//! `main.rs` is the CLI around it; the integration tests start the same app on port 0.

pub mod config;
pub mod security;

use std::sync::Arc;

use anyhow::Context;
use axum::{Router, extract::State, http::StatusCode, middleware, routing::get};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use portico_app::{App, server::AppState, shell};
use portico_core::{Portico, db, outbox, secrets::ServerKey};
use tower_http::trace::TraceLayer;

pub use config::Config;

/// Everything a running server needs, built from the configuration.
pub struct Prepared {
    pub state: AppState,
    pub transport: outbox::Transport,
}

/// Connects, migrates, loads (or creates) the server key.
pub async fn prepare(config: &Config) -> anyhow::Result<Prepared> {
    let url = config.database_url();
    if url.starts_with("sqlite://") {
        std::fs::create_dir_all(&config.data_dir).with_context(|| format!("creating {}", config.data_dir.display()))?;
    }
    let conn = db::connect(&url).await.context("connecting to the database")?;
    db::migrate(&conn).await.context("running migrations")?;
    let key = server_key(config)?;
    let transport =
        outbox::Transport::from_config(config.smtp_url.as_deref(), &config.mail_from).map_err(anyhow::Error::msg)?;
    let leptos_options = LeptosOptions::builder()
        .output_name("portico")
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(config.site_addr)
        .build();
    let state = AppState {
        portico: Portico::new(conn, key, &config.public_url),
        leptos_options,
        open_signup: config.open_signup,
        secure_cookies: config.serves_https(),
        limits: Default::default(),
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

/// The HTTP application: pages, server functions, health, static files, protections.
pub fn router(state: AppState, public_url: &str) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let https = state.secure_cookies;
    let context_state = state.clone();
    Router::new()
        .route("/health", get(health))
        .route("/mailbox/{id}/html", get(mail_html))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(context_state.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
        .layer(middleware::from_fn_with_state(
            security::AllowedOrigin::from_public_url(public_url),
            security::same_origin_only,
        ))
        .layer(middleware::from_fn_with_state(https, security::security_headers))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            tracing::info_span!("request", method = %req.method(), path = %redact_path(req.uri().path()))
        }))
}

/// Request paths as logged: link tokens are secrets, so only their route shows.
fn redact_path(path: &str) -> String {
    for prefix in ["/invite/", "/sign-in-link/"] {
        if path.starts_with(prefix) {
            return format!("{prefix}<token>");
        }
    }
    path.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn link_tokens_never_reach_the_log() {
        assert_eq!(super::redact_path("/invite/abcdef"), "/invite/<token>");
        assert_eq!(super::redact_path("/sign-in-link/abc"), "/sign-in-link/<token>");
        assert_eq!(super::redact_path("/projects/4"), "/projects/4");
    }
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
    use portico_core::sessions::{self, Principal};
    let token = portico_app::server::cookie_in(&headers, portico_app::server::SESSION_COOKIE, state.secure_cookies);
    let staff = match token {
        Some(t) => match sessions::resolve(&state.portico, &t).await {
            Ok(Some(Principal::Staff(staff))) => staff,
            _ => return StatusCode::UNAUTHORIZED.into_response(),
        },
        None => return StatusCode::UNAUTHORIZED.into_response(),
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

async fn health(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match db::ping(&state.portico.db).await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Starts the outbox sender in the background.
pub fn spawn_outbox_worker(state: &AppState, transport: outbox::Transport) -> tokio::task::JoinHandle<()> {
    let worker_id = format!("{}-{}", std::process::id(), portico_core::secrets::random_hex16());
    tokio::spawn(outbox::run_worker(state.portico.clone(), transport, Arc::<str>::from(worker_id).to_string()))
}

/// Serves until the future `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
