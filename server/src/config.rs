//! Configuration: every setting has a default that runs with no configuration at all, and an
//! environment variable to override it (listed in `portico --help` and the README).

use std::{net::SocketAddr, path::PathBuf};

#[derive(clap::Args, Clone, Debug)]
pub struct Config {
    /// Database URL: `sqlite://path/to/file.db` or `postgres://user@host/db`.
    /// Defaults to `sqlite://<data dir>/portico.db`.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Public base URL that links in emails point to (never taken from the Host header).
    #[arg(long, env = "PUBLIC_URL", default_value = "http://127.0.0.1:3000")]
    pub public_url: String,
    /// Folder for the SQLite database and the generated secret key.
    #[arg(long, env = "PORTICO_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// SMTP server, e.g. `smtp://127.0.0.1:1025` or `smtps://user:pass@mail.example.com`.
    /// Unset: messages are captured and readable in the Mailbox page only.
    #[arg(long, env = "SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Messages the outbox sends at once (each on its own SMTP connection).
    #[arg(long, env = "PORTICO_MAIL_SENDERS", default_value_t = portico_core::outbox::SENDERS, value_parser = clap::value_parser!(usize))]
    pub mail_senders: usize,
    /// Sender address of outgoing mail (the sender name is the organization's name).
    #[arg(long, env = "PORTICO_MAIL_FROM", default_value = "portal@portico.localhost")]
    pub mail_from: String,
    /// Allow anyone to create another organization (the first one can always be created).
    #[arg(long, env = "PORTICO_OPEN_SIGNUP", default_value_t = false)]
    pub open_signup: bool,
    /// 64 hex characters. Unset: generated on first run and kept in `<data dir>/secret.key`.
    #[arg(long, env = "PORTICO_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub site_addr: SocketAddr,
    /// Folder with the built site (wasm, JS, CSS, static files).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,
    /// The largest CSV file "Import CSV" accepts, in bytes.
    #[arg(long, env = "PORTICO_IMPORT_MAX_BYTES", default_value_t = portico_core::imports::DEFAULT_MAX_BYTES)]
    pub import_max_bytes: usize,
    /// The largest file "Upload" takes as a project's document, in bytes.
    #[arg(long, env = "PORTICO_DOCUMENT_MAX_BYTES", default_value_t = portico_core::documents::DEFAULT_MAX_BYTES)]
    pub document_max_bytes: u64,
    /// Days to keep ended one-time codes, sign-in links, sessions and the bodies of delivered
    /// mail before they are removed (the audit trail stays).
    #[arg(long, env = "PORTICO_RETENTION_DAYS", default_value_t = portico_core::retention::Retention::DEFAULT_DAYS)]
    pub retention_days: u16,
    /// Reverse proxies in front of Portico (comma-separated addresses or networks, e.g.
    /// `127.0.0.1,10.0.0.0/8`). A request from one of them is taken to come from the address it
    /// put in `X-Forwarded-For` (the right-most one that is not a proxy itself): rate limits,
    /// sessions and the audit trail see the person, not the proxy. Unset: the header is ignored.
    #[arg(long, env = "PORTICO_TRUSTED_PROXIES", value_delimiter = ',', value_parser = proxy_network)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// An address (`10.0.0.1`) or a network (`10.0.0.0/8`).
fn proxy_network(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{text:?} is neither an IP address nor a network like 10.0.0.0/8"))
}

impl Config {
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}/portico.db", self.data_dir.display()))
    }
    pub fn serves_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
