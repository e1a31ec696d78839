#![recursion_limit = "256"]
//! `portico`: serve the portal, run migrations, or create an owner account.

use anyhow::Context;
use clap::{Parser, Subcommand};
use portico_server::{Config, instance_of, prepare, recover_instance, router, serve, spawn_workers_as};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "portico", version, about = "Portico: the client portal that gets clients in.")]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations, then serve the portal and send mail (the default).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Recompute every client's access state and every count from the invitations and report
    /// any difference from what is stored (exit status 1 when there is one).
    Check {
        /// Also write the recomputed values.
        #[arg(long)]
        repair: bool,
    },
    /// Create an organization and its owner without the web form (for operators).
    CreateOwner {
        #[arg(long)]
        organization: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// Read from the environment so it never shows in the process list or shell history.
        #[arg(long, env = "PORTICO_OWNER_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

/// mimalloc keeps freed memory for a second before returning it, and commits a new arena's
/// memory up front. Returned at once and committed as used, the scale bench's peak on SQLite was
/// 120 MB instead of 130 MB (glibc's: 145 MB) at the same throughput. Set here, after the first
/// arena was made; set from the start (`MIMALLOC_PURGE_DELAY=0 MIMALLOC_ARENA_EAGER_COMMIT=0` in
/// the environment) the peak was 97 MB. The numbers are `mi_option_e` in the vendored
/// `mimalloc.h` (v3; `MIMALLOC_VERBOSE=1` lists the options in that order), which the crate
/// names only for v2.
fn return_freed_memory_at_once() {
    const ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    // SAFETY: called once from `main`, before any other thread exists; mimalloc reads its
    // options on later allocations and allows them to be set at any time.
    unsafe {
        libmimalloc_sys::mi_option_set(ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
    }
}

fn main() -> anyhow::Result<()> {
    // Before any other thread exists (`mi_option_set` is not thread safe).
    return_freed_memory_at_once();
    run()
}

#[tokio::main]
async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("PORTICO_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    let cli = Cli::parse();
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            prepare(&config).await?;
            println!("Database is up to date.");
        }
        Command::Check { repair } => {
            let prepared = prepare(&config).await?;
            let drift = portico_core::access::check(&prepared.state.portico, repair)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for d in &drift {
                println!("organization {}: {}", d.org_id, d.what);
            }
            match (drift.len(), repair) {
                (0, _) => println!("Access state and counts match the invitations."),
                (n, true) => println!("Repaired {n} differences."),
                (n, false) => {
                    println!("{n} differences. Run `portico check --repair` to fix them.");
                    std::process::exit(1);
                }
            }
        }
        Command::CreateOwner { organization, name, email, password } => {
            let prepared = prepare(&config).await?;
            let new = portico_core::accounts::NewOrganization::parse(&organization, &name, &email, &password)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            portico_core::accounts::create_organization(&prepared.state.portico, new)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Created {organization} with owner {email}.");
        }
        Command::Serve => {
            let prepared = prepare(&config).await?;
            let listener = tokio::net::TcpListener::bind(config.site_addr)
                .await
                .with_context(|| format!("listening on {}", config.site_addr))?;
            let instance = instance_of(&prepared.state, listener.local_addr()?);
            let app = router(prepared.state.clone(), &config);
            tracing::info!("Portico is running on http://{} (public URL {})", config.site_addr, config.public_url);
            // Mail stops being claimed at the signal, while open requests finish; a failed
            // recovery stops the server too.
            let stop = tokio_util::sync::CancellationToken::new();
            let workers =
                tokio::spawn(work(prepared.state, prepared.transport, config.mail_senders, instance, stop.clone()));
            let stopping = stop.clone();
            serve(listener, app, async move {
                tokio::select! {
                    () = stop_requested() => {}
                    () = stopping.cancelled() => {}
                }
                stopping.cancel();
            })
            .await?;
            workers.await??;
        }
    }
    Ok(())
}

/// The background workers of this server process, from when it holds its instance until `stop`.
/// Requests are served meanwhile: the instance is free at once, unless the previous process on
/// this address is still finishing its sends after freeing the address (up to 30 s).
async fn work(
    state: portico_app::server::AppState,
    transport: portico_core::outbox::Transport,
    senders: usize,
    instance: String,
    stop: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let held = tokio::select! {
        held = recover_instance(&state, &instance) => match held {
            Ok(held) => held,
            Err(e) => {
                stop.cancel();
                return Err(e);
            }
        },
        () = stop.cancelled() => return Ok(()),
    };
    let worker = spawn_workers_as(&state, transport, senders, &instance);
    stop.cancelled().await;
    tracing::info!("stopping: finishing the mail being sent");
    worker.shut_down(std::time::Duration::from_secs(30)).await;
    // The instance is let go only now, once nothing of it is being sent.
    drop(held);
    Ok(())
}

/// Ctrl-C, or SIGTERM (what service managers and `docker stop` send).
async fn stop_requested() {
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; only Ctrl-C stops the server gracefully");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
