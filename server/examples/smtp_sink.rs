//! A fast local SMTP sink for `mail_bench`: the integration tests' SMTP server (real SMTP over
//! TCP, accepts every message and keeps only its Message-ID and recipient), listening on the
//! address given until stopped. Prints the number received every second while it changes.
//!
//!     cargo run --release -p portico-server --example smtp_sink -- 127.0.0.1:2525

#[path = "../tests/integration/smtp_sink.rs"]
#[allow(dead_code)]
mod smtp_sink;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let address = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:2525".into());
    let sink = smtp_sink::Sink::listen(&address, std::time::Duration::ZERO).await?;
    println!("SMTP sink on {}", sink.address);
    let mut last = 0;
    loop {
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        let now = sink.received_count();
        if now != last {
            println!("{now} messages received");
            last = now;
        }
    }
}
