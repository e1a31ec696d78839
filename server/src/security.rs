//! Request-level protections: the Origin / Sec-Fetch-Site check on every state-changing
//! request (server functions have no CSRF check of their own) and the security headers.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The origin (`scheme://host[:port]`) that forms may be posted from.
#[derive(Clone, Debug)]
pub struct AllowedOrigin(pub String);

impl AllowedOrigin {
    pub fn from_public_url(public_url: &str) -> Self {
        let origin = url::Url::parse(public_url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|_| public_url.trim_end_matches('/').to_string());
        Self(origin)
    }
}

/// Rejects cross-site POST/PUT/PATCH/DELETE with 403. Browsers send `Sec-Fetch-Site` (and
/// `Origin`) on such requests; a request with neither comes from a non-browser client, which
/// carries no ambient cookies to abuse.
pub async fn same_origin_only(State(allowed): State<AllowedOrigin>, req: Request, next: Next) -> Response {
    let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes_state && !is_same_origin(&req, &allowed) {
        let path = portico_core::secrets::redact_path(req.uri().path());
        tracing::warn!(method = %req.method(), %path, "cross-origin request refused");
        return (StatusCode::FORBIDDEN, "Cross-origin requests are not allowed.").into_response();
    }
    next.run(req).await
}

/// A form on a link page posted without JavaScript comes back to its page. server_fn sends a
/// plain form post back to its Referer (with the error in the URL, for the page to show under
/// its field); link pages send none (their URLs hold tokens), so their forms carry the page in
/// a hidden field and this layer turns it into the Referer. Only a link page's path is taken,
/// and only on this origin: nothing here can redirect anywhere else.
pub async fn link_page_forms(State(allowed): State<AllowedOrigin>, req: Request, next: Next) -> Response {
    if !crate::typed_forms::is_plain_form_post(&req) || req.headers().contains_key(header::REFERER) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let bytes = match crate::typed_forms::read_plain_form(body).await {
        Ok(bytes) => bytes,
        Err(refused) => return refused,
    };
    let page = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == portico_core::model::FORM_PAGE_FIELD)
        .map(|(_, v)| v.into_owned())
        .filter(|p| portico_core::secrets::is_token_page(p) && !p.contains(['?', '#', '\\']));
    if let Some(referer) = page.and_then(|p| HeaderValue::from_str(&format!("{}{p}", allowed.0)).ok()) {
        parts.headers.insert(header::REFERER, referer);
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn is_same_origin(req: &Request<Body>, allowed: &AllowedOrigin) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host_origin = headers.get(header::HOST).and_then(|h| h.to_str().ok()).map(|h| format!("http://{h}"));
            origin == allowed.0 || Some(origin) == host_origin.as_deref()
        }
    }
}

/// Headers on every response. Link pages carry tokens in their URLs: no referrer leaves them at
/// all. Other pages send theirs to this origin only, where a form posted without JavaScript is
/// sent back to the page it came from (server_fn redirects to the Referer, with any error).
pub async fn security_headers(State(https): State<bool>, req: Request, next: Next) -> Response {
    let token_page = portico_core::secrets::is_token_page(req.uri().path());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    let referrer = if token_page { "no-referrer" } else { "same-origin" };
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static(referrer));
    // A handler may set a stricter policy of its own (the sandboxed mail preview does).
    h.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
    ));
    if https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    // Pages and server-function answers hold one person's data: no cache keeps them. (The
    // bundle under /pkg sets its own, long, Cache-Control.)
    let personal = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html") || t.starts_with("application/"));
    if personal && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Behind reverse proxies (`PORTICO_TRUSTED_PROXIES`), the person's address instead of the
/// proxy's: every layer and handler inside reads `ConnectInfo`, so it is replaced once here.
/// Without trusted proxies (the default) `X-Forwarded-For` is ignored: anyone can send it.
pub async fn forwarded_client(
    State(proxies): State<std::sync::Arc<Vec<ipnet::IpNet>>>,
    mut req: Request,
    next: Next,
) -> Response {
    if !proxies.is_empty()
        && let Some(axum::extract::ConnectInfo(peer)) =
            req.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().copied()
    {
        let hops: Vec<String> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_string)
            .collect();
        let client = client_behind(peer.ip(), &hops.join(","), &proxies);
        req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(client, peer.port())));
    }
    next.run(req).await
}

/// Whom a request came from: the peer, unless it is a trusted proxy; then, reading
/// `X-Forwarded-For` from the right (each proxy appends the address it saw), the first address
/// that is not a trusted proxy. Entries to its left were written by the sender and prove
/// nothing. A malformed entry stops the walk at the last proxy known.
fn client_behind(peer: std::net::IpAddr, forwarded_for: &str, proxies: &[ipnet::IpNet]) -> std::net::IpAddr {
    let trusted = |ip: &std::net::IpAddr| proxies.iter().any(|net| net.contains(ip));
    if !trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.rsplit(',').map(str::trim).filter(|h| !h.is_empty()) {
        let Ok(ip) = hop.parse::<std::net::IpAddr>() else { break };
        client = ip;
        if !trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod proxy_tests {
    use super::client_behind;

    #[test]
    fn the_person_behind_trusted_proxies_and_nobody_else() {
        let nets: Vec<ipnet::IpNet> = vec!["127.0.0.1/32".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        // Straight from the internet: the header is the sender's word, ignored.
        assert_eq!(client_behind(ip("198.51.100.9"), "203.0.113.5", &nets), ip("198.51.100.9"));
        // One proxy: the address it appended.
        assert_eq!(client_behind(ip("127.0.0.1"), "203.0.113.5", &nets), ip("203.0.113.5"));
        // A forged entry on the left does not move it; two proxies are walked through.
        assert_eq!(client_behind(ip("127.0.0.1"), "1.2.3.4, 203.0.113.5, 10.1.2.3", &nets), ip("203.0.113.5"));
        // No header, garbage, or only proxies: the last proxy known.
        assert_eq!(client_behind(ip("127.0.0.1"), "", &nets), ip("127.0.0.1"));
        assert_eq!(client_behind(ip("127.0.0.1"), "203.0.113.5, nonsense", &nets), ip("127.0.0.1"));
        assert_eq!(client_behind(ip("127.0.0.1"), "10.0.0.7", &nets), ip("10.0.0.7"));
        assert_eq!(client_behind(ip("127.0.0.1"), "2001:db8::1", &nets), ip("2001:db8::1"));
        assert_eq!(client_behind(ip("127.0.0.1"), "203.0.113.5", &[]), ip("127.0.0.1"));
    }
}
