//! Measures whether the portal's "Email me a sign-in link" and "Forgot password" answer known
//! and unknown addresses in the same time (they must not reveal who is a client). Prints the
//! median and 90th percentile of each, over interleaved requests, and their difference.
//!
//!     cargo run --release -p portico-server --example enumeration_timing [requests per kind]
//!
//! Each request comes from its own loopback address (127.0.x.y) and each address is asked for
//! once per scenario, so the per-IP and per-address rate limits (which answer both kinds
//! alike) never trip and the figures are the work itself. The outbox worker runs, as in
//! production: the links for known addresses are made and sent in the background.

use std::{
    net::IpAddr,
    time::{Duration, Instant},
};

use leptos::server_fn::ServerFn;
use portico_app::{
    accounts::CreateOrganization,
    client_access::{RequestPasswordReset, RequestSignInLink},
    invitations::InviteClient,
    projects::CreateProject,
    settings::SaveSettings,
};
use portico_server::{Config, prepare, router, serve, spawn_workers};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let per_kind: usize = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(60);
    let dir = std::env::temp_dir().join(format!("portico_enumeration_{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let config = Config {
        database_url: Some(format!("sqlite://{}/portico.db", dir.display())),
        public_url: "http://127.0.0.1:3000".into(),
        data_dir: dir.clone(),
        smtp_url: None,
        mail_from: "portal@portico.localhost".into(),
        open_signup: true,
        secret_key: Some("33".repeat(32)),
        site_addr: "127.0.0.1:0".parse()?,
        site_root: "target/site".into(),
        retention_days: portico_core::retention::Retention::DEFAULT_DAYS,
        import_max_bytes: portico_core::imports::DEFAULT_MAX_BYTES,
        document_max_bytes: portico_core::documents::DEFAULT_MAX_BYTES,
        mail_senders: portico_core::outbox::SENDERS,
        trusted_proxies: Vec::new(),
    };
    let prepared = prepare(&config).await?;
    spawn_workers(&prepared.state, prepared.transport, config.mail_senders);
    let app = router(prepared.state, &config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(serve(listener, app, std::future::pending()));

    let staff = reqwest::Client::builder().cookie_store(true).build()?;
    let post = |client: reqwest::Client, path: &'static str, form: Vec<(&'static str, String)>| {
        let url = format!("{base}{path}");
        async move { client.post(url).form(&form).send().await?.error_for_status() }
    };
    post(
        staff.clone(),
        CreateOrganization::PATH,
        vec![
            ("organization_name", "Timing Co".into()),
            ("name", "Tim Timing".into()),
            ("email", "tim@timing.test".into()),
            ("password", "correct horse battery".into()),
        ],
    )
    .await?;
    let answer = post(staff.clone(), CreateProject::PATH, vec![("name", "Work".into()), ("customer", String::new())])
        .await?
        .bytes()
        .await?;
    let project: i64 = postcard::from_bytes(&answer)?;
    for i in 0..per_kind {
        post(
            staff.clone(),
            InviteClient::PATH,
            vec![
                ("project_id", project.to_string()),
                ("existing", String::new()),
                ("name", format!("Known {i}")),
                ("email", format!("known{i}@client.test")),
                ("phone", String::new()),
            ],
        )
        .await?;
    }

    // A fresh browser on its own loopback address for every request.
    let mut next_ip = 0u32;
    let mut browser = move || {
        next_ip += 1;
        let ip = IpAddr::from([127, 0, (next_ip / 250 + 1) as u8, (next_ip % 250 + 1) as u8]);
        reqwest::Client::builder().local_address(ip).build()
    };
    let mut measure = async |path: &'static str, form: &dyn Fn(&str) -> Vec<(&'static str, String)>| {
        let (mut known, mut unknown) = (Vec::new(), Vec::new());
        // Warm-up, not counted.
        for i in 0..10 {
            post(browser()?, path, form(&format!("warmup{i}@nowhere.test"))).await?;
        }
        for i in 0..per_kind {
            let mut pair =
                [(format!("known{i}@client.test"), &mut known), (format!("unknown{i}@nowhere.test"), &mut unknown)];
            // Alternate which goes first, so neither kind always follows the other.
            if i % 2 == 1 {
                pair.reverse();
            }
            for (email, samples) in pair {
                let client = browser()?;
                let started = Instant::now();
                post(client, path, form(&email)).await?;
                samples.push(started.elapsed());
            }
        }
        anyhow::Ok((known, unknown))
    };
    let report = |name: &str, (mut known, mut unknown): (Vec<Duration>, Vec<Duration>)| {
        known.sort();
        unknown.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let (mk, mu) = (ms(known[known.len() / 2]), ms(unknown[unknown.len() / 2]));
        let (pk, pu) = (ms(known[known.len() * 9 / 10]), ms(unknown[unknown.len() * 9 / 10]));
        let diff = (mk - mu).abs() / mk.min(mu) * 100.0;
        println!("{name}, {} requests each, interleaved, release build, SQLite:", known.len());
        println!("  known address    median {mk:.3} ms   p90 {pk:.3} ms");
        println!("  unknown address  median {mu:.3} ms   p90 {pu:.3} ms");
        println!("  medians differ by {diff:.1} % ({})", if diff <= 10.0 { "within 10 %" } else { "OVER 10 %" });
    };

    let sign_in = measure(RequestSignInLink::PATH, &|email: &str| {
        vec![("slug", "timing-co".to_string()), ("email", email.to_string())]
    })
    .await?;
    report("Email me a sign-in link", sign_in);

    post(
        staff.clone(),
        SaveSettings::PATH,
        vec![
            ("invitation_expiry_days", "7".into()),
            ("magic_link_minutes", "15".into()),
            ("reinvite_cooldown", "none".into()),
            ("client_sign_in", "password".into()),
        ],
    )
    .await?;
    let reset = measure(RequestPasswordReset::PATH, &|email: &str| {
        vec![("slug", "timing-co".to_string()), ("email", email.to_string())]
    })
    .await?;
    report("Forgot password", reset);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
