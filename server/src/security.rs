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
