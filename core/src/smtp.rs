//! SMTP delivery over a small pool of reused connections whose sockets have TCP_NODELAY.
//!
//! Why not lettre's `AsyncSmtpTransport`: its pool never sets TCP_NODELAY and lettre writes
//! a message's body and its closing `.` line separately, so every message waits for the peer's
//! delayed ACK (about 44 ms: 23 messages a second per connection, TOOLCHAIN.md). lettre's own
//! connection type (`AsyncSmtpConnection::connect_with_transport`) accepts a socket we open,
//! so the SMTP protocol, STARTTLS, authentication and the TLS configuration stay lettre's; this
//! module only opens the sockets and keeps the idle connections.

use std::{
    io,
    net::SocketAddr,
    pin::Pin,
    sync::Mutex,
    task::{Context, Poll},
    time::{Duration, Instant},
};

use lettre::{
    address::Envelope,
    transport::smtp::{
        Error,
        authentication::{Credentials, Mechanism},
        client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters},
        extension::ClientId,
        response::Response,
    },
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};
use tokio_rustls::rustls;

/// How the connection is secured, from the URL (`smtp://`, `smtp://…?tls=required`,
/// `smtp://…?tls=opportunistic`, `smtps://`), as lettre reads the same URL.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Security {
    Plain,
    StartTls { required: bool },
    Implicit,
}

/// Where to connect and how; cheap to clone (a pool per delivery lane shares it).
#[derive(Clone, Debug)]
struct Server {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
}

/// The longest a whole message may take on a connection (connect, TLS, AUTH, MAIL, RCPT,
/// DATA, body): past it the connection is dropped and the message retried later.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);
/// An idle connection older than this is checked with NOOP before it is reused (servers close
/// idle connections after a while; a message should not fail because one did).
const CHECK_AFTER_IDLE: Duration = Duration::from_secs(5);
/// Idle connections older than this are closed rather than reused.
const MAX_IDLE: Duration = Duration::from_secs(60);

struct Idle {
    connection: AsyncSmtpConnection,
    since: Instant,
}

/// A pool of SMTP connections for one sender: at most `size` idle connections are kept.
pub struct Pool {
    server: Server,
    size: usize,
    idle: Mutex<Vec<Idle>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("server", &self.server.host).field("size", &self.size).finish()
    }
}

impl Pool {
    /// Reads an SMTP URL in lettre's form: `smtp://[user:pass@]host[:port][?tls=required|opportunistic]`
    /// or `smtps://[user:pass@]host[:port]`.
    pub fn from_url(url: &str, size: usize) -> Result<Self, String> {
        let parsed = url::Url::parse(url).map_err(|e| format!("SMTP_URL is not a valid URL: {e}"))?;
        let host = parsed.host_str().filter(|h| !h.is_empty()).ok_or("SMTP_URL has no host")?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let tls = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.to_string());
        let (security, default_port) = match (parsed.scheme(), tls.as_deref()) {
            ("smtp", None) => (Security::Plain, 25),
            ("smtp", Some("required")) => (Security::StartTls { required: true }, 587),
            ("smtp", Some("opportunistic")) => (Security::StartTls { required: false }, 587),
            ("smtps", None) => (Security::Implicit, 465),
            (scheme, tls) => {
                return Err(format!(
                    "SMTP_URL: unknown scheme {scheme:?} or tls={tls:?} (use smtp://, smtp://…?tls=required, smtp://…?tls=opportunistic or smtps://)"
                ));
            }
        };
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let credentials =
            parsed.password().map(|password| Credentials::new(decode(parsed.username()), decode(password))).or_else(
                || (!parsed.username().is_empty()).then(|| Credentials::new(decode(parsed.username()), String::new())),
            );
        let hello = match parsed.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_string()),
        };
        let server = Server { host, port: parsed.port().unwrap_or(default_port), security, credentials, hello };
        Ok(Pool { server, size: size.max(1), idle: Mutex::new(Vec::new()) })
    }

    /// Another pool to the same server (each delivery lane has its own connections, so urgent
    /// mail never waits for a connection that bulk mail holds).
    pub fn sibling(&self, size: usize) -> Pool {
        Pool { server: self.server.clone(), size: size.max(1), idle: Mutex::new(Vec::new()) }
    }

    /// Sends one message on an idle connection, or a new one. A connection goes back to the
    /// pool only after a message it carried was accepted: after any error lettre has already
    /// given it up (QUIT), so the next message starts on a fresh one.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<Response, Refused> {
        let attempt = async {
            let mut connection = match self.reusable().await {
                Some(connection) => connection,
                None => self.connect().await?,
            };
            let response = connection.send(envelope, message).await?;
            Ok::<_, Refused>((connection, response))
        };
        match tokio::time::timeout(SEND_TIMEOUT, attempt).await {
            Ok(Ok((connection, response))) => {
                self.put_back(connection);
                Ok(response)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Refused::transient(format!("the SMTP server took longer than {} s", SEND_TIMEOUT.as_secs()))),
        }
    }

    /// An idle connection that still answers, if there is one.
    async fn reusable(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop()?;
            let age = idle.since.elapsed();
            let mut connection = idle.connection;
            if age > MAX_IDLE {
                connection.abort().await;
                continue;
            }
            if age < CHECK_AFTER_IDLE || connection.test_connected().await {
                return Some(connection);
            }
            connection.abort().await;
        }
    }

    fn put_back(&self, connection: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < self.size && !connection.has_broken() {
            idle.push(Idle { connection, since: Instant::now() });
        }
        // Otherwise dropped: the socket closes without QUIT, which servers accept.
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, Refused> {
        let s = &self.server;
        let unreachable = |e: io::Error| Refused::transient(format!("connecting to {}:{}: {e}", s.host, s.port));
        let tcp = tokio::net::TcpStream::connect((s.host.as_str(), s.port)).await.map_err(unreachable)?;
        // The point of this module: without it every message waits for a delayed ACK.
        tcp.set_nodelay(true).map_err(unreachable)?;
        let stream: Box<dyn AsyncTokioStream> = if s.security == Security::Implicit {
            Box::new(Encrypted::over(tcp, &s.host).await?)
        } else {
            Box::new(tcp)
        };
        let mut connection = AsyncSmtpConnection::connect_with_transport(stream, &s.hello).await?;
        if let Security::StartTls { required } = s.security
            && (required || connection.can_starttls())
        {
            connection.starttls(TlsParameters::new(s.host.clone())?, &s.hello).await?;
        }
        if let Some(credentials) = &s.credentials {
            connection.auth(&[Mechanism::Plain, Mechanism::Login], credentials).await?;
        }
        Ok(connection)
    }
}

/// Why a message was not accepted, and whether trying again later may help (a 4xx reply, a
/// dropped connection, a timeout) or not (a 5xx reply).
#[derive(Debug)]
pub struct Refused {
    pub permanent: bool,
    pub reason: String,
}

impl Refused {
    fn transient(reason: String) -> Self {
        Refused { permanent: false, reason }
    }
}

impl From<Error> for Refused {
    fn from(e: Error) -> Self {
        Refused { permanent: e.is_permanent(), reason: e.to_string() }
    }
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// Implicit TLS (`smtps://`) over our own socket, handed to lettre's connection as the stream
/// it reads and writes. lettre can only wrap a socket it opened itself (its stream type is
/// deprecated as public API), so the TLS client is made here, as lettre makes it: rustls with
/// the ring provider and the Mozilla roots (webpki-roots). STARTTLS stays lettre's.
#[derive(Debug)]
struct Encrypted(tokio_rustls::client::TlsStream<TcpStream>);

impl Encrypted {
    async fn over(tcp: TcpStream, host: &str) -> Result<Self, Refused> {
        let tls_failed = |e: &dyn std::fmt::Display| Refused::transient(format!("TLS with {host}: {e}"));
        let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
        let config =
            rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| tls_failed(&e))?
                .with_root_certificates(roots)
                .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|e| tls_failed(&e))?;
        let stream = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
            .connect(name, tcp)
            .await
            .map_err(|e| tls_failed(&e))?;
        Ok(Encrypted(stream))
    }
}

impl AsyncRead for Encrypted {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Encrypted {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for Encrypted {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_as_lettre_reads_them() {
        let p = Pool::from_url("smtp://127.0.0.1:1025", 8).unwrap();
        assert_eq!((p.server.port, &p.server.security, p.server.credentials.is_none()), (1025, &Security::Plain, true));
        let p = Pool::from_url("smtp://user%40x:p%2Fw@mail.example.com?tls=required", 8).unwrap();
        assert_eq!((p.server.port, &p.server.security), (587, &Security::StartTls { required: true }));
        assert_eq!(p.server.credentials, Some(Credentials::new("user@x".into(), "p/w".into())));
        let p = Pool::from_url("smtps://mail.example.com", 8).unwrap();
        assert_eq!((p.server.port, &p.server.security), (465, &Security::Implicit));
        assert!(Pool::from_url("http://mail.example.com", 8).unwrap_err().contains("unknown scheme"));
        assert!(Pool::from_url("smtp://mail.example.com?tls=sometimes", 8).is_err());
        assert!(Pool::from_url("not a url", 8).is_err());
    }
}
