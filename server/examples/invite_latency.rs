//! Measures the time from "Send invite" (the server function call) to the invitation email
//! being in the outbox, over 100 invites, on a fresh SQLite database. Prints the figures.
//!
//!     cargo run --release -p portico-server --example invite_latency

use std::time::{Duration, Instant};

use leptos::server_fn::ServerFn;
use portico_app::{accounts::CreateOrganization, invitations::InviteClient, projects::CreateProject};
use portico_core::entities::outbox_message;
use portico_server::{Config, prepare, router, serve};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

const INVITES: usize = 100;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("portico_measure_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let config = Config {
        database_url: Some(format!("sqlite://{}/portico.db", dir.display())),
        public_url: "http://127.0.0.1:3000".into(),
        data_dir: dir.clone(),
        smtp_url: None,
        mail_from: "portal@portico.localhost".into(),
        open_signup: true,
        secret_key: Some("22".repeat(32)),
        site_addr: "127.0.0.1:0".parse()?,
        site_root: "target/site".into(),
        retention_days: portico_core::retention::Retention::DEFAULT_DAYS,
        import_max_bytes: portico_core::imports::DEFAULT_MAX_BYTES,
        document_max_bytes: portico_core::documents::DEFAULT_MAX_BYTES,
        mail_senders: portico_core::outbox::SENDERS,
        trusted_proxies: Vec::new(),
    };
    let prepared = prepare(&config).await?;
    let db = prepared.state.portico.db.clone();
    let app = router(prepared.state, &config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(serve(listener, app, std::future::pending()));

    let http = reqwest::Client::builder().cookie_store(true).build()?;
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let http = http.clone();
        let url = format!("{base}{path}");
        async move { http.post(url).form(&form).send().await?.error_for_status() }
    };
    post(
        CreateOrganization::PATH,
        vec![
            ("organization_name", "Measure Co".into()),
            ("name", "Mia Measure".into()),
            ("email", "mia@measure.test".into()),
            ("password", "correct horse battery".into()),
        ],
    )
    .await?;
    // Server functions answer in postcard (app/src/loading.rs).
    let answer =
        post(CreateProject::PATH, vec![("name", "Latency".into()), ("customer", String::new())]).await?.bytes().await?;
    let project: i64 = postcard::from_bytes(&answer)?;

    let mut samples = Vec::with_capacity(INVITES);
    for i in 0..INVITES {
        let email = format!("client{i}@measure.test");
        let started = Instant::now();
        post(
            InviteClient::PATH,
            vec![
                ("project_id", project.to_string()),
                ("existing", String::new()),
                ("name", format!("Client {i}")),
                ("email", email.clone()),
                ("phone", String::new()),
            ],
        )
        .await?;
        // The response comes after the transaction commits; confirm the message is there.
        let queued =
            outbox_message::Entity::find().filter(outbox_message::Column::Recipient.eq(&email)).count(&db).await?;
        samples.push(started.elapsed());
        anyhow::ensure!(queued == 1, "no outbox message for {email}");
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!("send invite → message in outbox, {INVITES} invites, SQLite, release build:");
    println!(
        "  median {:.2} ms   p95 {:.2} ms   max {:.2} ms",
        ms(samples[INVITES / 2]),
        ms(samples[INVITES * 95 / 100]),
        ms(samples[INVITES - 1])
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
