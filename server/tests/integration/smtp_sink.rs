//! A small SMTP server for the outbox tests: speaks real SMTP over TCP (greeting, EHLO, MAIL,
//! RCPT, DATA with dot-stuffing, NOOP, RSET, QUIT), records each accepted message and counts
//! the connections, and can answer slowly or refuse, to test what the outbox does
//! with a busy or failing server. (MailDev, in the test command, covers a real third-party server.)

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// What the sink answers to a message's DATA, by recipient.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Accept,
    /// 451: try again later.
    Busy,
    /// 550: never.
    Reject,
    /// Closes the connection after reading the body, before answering.
    Drop,
}

#[derive(Clone, Debug)]
pub struct Received {
    pub to: String,
    pub message_id: String,
}

type Policy = Arc<dyn Fn(&str) -> Answer + Send + Sync>;

pub struct Sink {
    pub address: String,
    received: Arc<Mutex<Vec<Received>>>,
    connections: Arc<Mutex<usize>>,
}

impl Sink {
    /// Accepts everything, answering each message after `delay`.
    pub async fn start(delay: Duration) -> Sink {
        Sink::with_policy(delay, Arc::new(|_| Answer::Accept)).await
    }

    pub async fn with_policy(delay: Duration, policy: Policy) -> Sink {
        Sink::bind("127.0.0.1:0", delay, policy).await.unwrap()
    }

    /// Accepts everything on `address` (the `smtp_sink` example, for benchmarks).
    #[allow(dead_code)] // used by the example, which includes this file
    pub async fn listen(address: &str, delay: Duration) -> std::io::Result<Sink> {
        Sink::bind(address, delay, Arc::new(|_| Answer::Accept)).await
    }

    async fn bind(address: &str, delay: Duration, policy: Policy) -> std::io::Result<Sink> {
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?.to_string();
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let (r, c) = (received.clone(), connections.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                *c.lock().unwrap() += 1;
                tokio::spawn(session(socket, delay, policy.clone(), r.clone()));
            }
        });
        Ok(Sink { address, received, connections })
    }

    #[allow(dead_code)] // used by the example, which includes this file
    pub fn received_count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }

    /// Waits until `done` holds for what was received (at most 30 s).
    pub async fn wait_until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..3000 {
            let received = self.received();
            if done(&received) {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the SMTP sink never received {what}: {} messages", self.received().len());
    }
}

async fn session(socket: tokio::net::TcpStream, delay: Duration, policy: Policy, received: Arc<Mutex<Vec<Received>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    let _ = write.write_all(b"220 sink.test ESMTP\r\n").await;
    let mut to = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if command.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if command.starts_with("RCPT TO:") {
            to = line.trim_end()[8..].trim_matches(['<', '>', ' ']).to_string();
            b"250 OK\r\n"
        } else if command.starts_with("DATA") {
            let _ = write.write_all(b"354 go ahead\r\n").await;
            let mut body = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                if line == ".\r\n" {
                    break;
                }
                body.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            // Even a zero sleep waits for the timer's next tick (about a millisecond).
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            match policy(&to) {
                Answer::Accept => {
                    let header = |name: &str| {
                        body.lines()
                            .find_map(|l| l.strip_prefix(name))
                            .map(|v| v.trim().to_string())
                            .unwrap_or_default()
                    };
                    received.lock().unwrap().push(Received { to: to.clone(), message_id: header("Message-ID:") });
                    b"250 2.0.0 queued\r\n"
                }
                Answer::Busy => b"451 4.3.0 try again later\r\n",
                Answer::Reject => b"550 5.1.1 no such mailbox\r\n",
                Answer::Drop => return,
            }
        } else if command.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            // MAIL, NOOP, RSET and anything else.
            b"250 OK\r\n"
        };
        if write.write_all(reply).await.is_err() {
            return;
        }
    }
}
