//! Server-side plumbing shared by all server functions: state, session cookies, the caller.

use axum::extract::FromRef;
use http::{HeaderValue, header, request::Parts};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use portico_core::{
    Portico,
    accounts::Staff,
    sessions::{self, PortalClient, Principal},
};

use crate::error::{AppError, AppResult};

/// Shared by the router, every server function and the axum handlers.
#[derive(Clone, Debug)]
pub struct AppState {
    pub portico: Portico,
    pub leptos_options: LeptosOptions,
    /// Anyone may create another organization (otherwise only the first visit may).
    pub open_signup: bool,
    /// Served over https: cookies get `Secure` and the `__Host-` prefix.
    pub secure_cookies: bool,
    pub limits: std::sync::Arc<crate::rate_limits::RateLimits>,
    /// The stylesheet's address (its name carries a content hash in release builds).
    pub stylesheet: String,
    /// How to load the areas' own bundles, where the build made them.
    pub area_bundles: AreaBundles,
}

/// How to load each area's own bundle (`crate::Area`), when the build made one; without it the
/// area's pages get the staff bundle, which holds every page.
#[derive(Clone, Debug, Default)]
pub struct AreaBundles {
    pub client: Option<LeptosOptions>,
    pub front_desk: Option<LeptosOptions>,
}

impl AreaBundles {
    pub fn for_page(&self, area: crate::Area) -> Option<&LeptosOptions> {
        match area {
            crate::Area::Client => self.client.as_ref(),
            crate::Area::FrontDesk => self.front_desk.as_ref(),
            crate::Area::Staff => None,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

pub fn state() -> AppResult<AppState> {
    use_context::<AppState>().ok_or(AppError::Internal)
}

pub fn portico() -> AppResult<Portico> {
    Ok(state()?.portico)
}

pub const SESSION_COOKIE: &str = "portico_session";
pub const VERIFICATION_COOKIE: &str = "portico_verification";

fn cookie_name(base: &str, secure: bool) -> String {
    if secure { format!("__Host-{base}") } else { base.to_string() }
}

/// A cookie of this request, by its base name.
pub fn read_cookie(base: &str) -> Option<String> {
    let secure = state().ok()?.secure_cookies;
    cookie_in(&use_context::<Parts>()?.headers, base, secure)
}

/// A cookie by its base name from request headers (for plain axum handlers too).
pub fn cookie_in(headers: &http::HeaderMap, base: &str, secure: bool) -> Option<String> {
    let name = cookie_name(base, secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// Sets (or, with `None`, deletes) an HttpOnly, SameSite=Lax cookie on the response.
pub fn write_cookie(base: &str, value: Option<&str>) {
    let Ok(state) = state() else { return };
    if let (Some(res), Some(v)) =
        (use_context::<ResponseOptions>(), cookie_header(base, value, state.secure_cookies, None))
    {
        res.append_header(header::SET_COOKIE, v);
    }
}

/// The `Set-Cookie` value of an HttpOnly, SameSite=Lax cookie for the whole site (`None`
/// deletes it; no `max_age` ends it with the browser session); with `secure`, a `__Host-`
/// cookie. Every cookie Portico sets is made here (the server's plain layers too).
pub fn cookie_header(
    base: &str,
    value: Option<&str>,
    secure: bool,
    max_age_seconds: Option<i64>,
) -> Option<HeaderValue> {
    let mut c = cookie::Cookie::build((cookie_name(base, secure), value.unwrap_or("").to_string()))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(cookie::SameSite::Lax)
        .build();
    if let Some(age) = max_age_seconds {
        c.set_max_age(cookie::time::Duration::seconds(age));
    }
    if value.is_none() {
        c.make_removal();
    }
    HeaderValue::from_str(&c.to_string()).ok()
}

/// The caller's address as seen by the server (for the audit trail).
pub fn client_ip() -> Option<String> {
    peer_ip().map(|ip| ip.to_string())
}

/// The caller's address (behind trusted proxies, the person's: `security::forwarded_client`).
fn peer_ip() -> Option<std::net::IpAddr> {
    let parts = use_context::<Parts>()?;
    parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())
}

/// Who this request's session belongs to, looked up once per request: a server-rendered page
/// asks from its frame, its page and its bell, and each would otherwise read the session.
pub async fn principal() -> AppResult<Option<Principal>> {
    let lookup = || async {
        let Some(token) = read_cookie(SESSION_COOKIE) else {
            return Ok(None);
        };
        Ok::<_, AppError>(sessions::resolve(&portico()?, &token).await?)
    };
    match use_context::<RequestSession>() {
        Some(cached) => cached.0.get_or_try_init(lookup).await.cloned(),
        None => lookup().await,
    }
}

/// The session's principal, resolved at most once per request (provided with every request's
/// context by the server). Signing in or out ends the request, so it cannot go stale.
#[derive(Clone, Default)]
pub struct RequestSession(std::sync::Arc<tokio::sync::OnceCell<Option<Principal>>>);

/// The signed-in staff user, or `Unauthorized`.
pub async fn staff() -> AppResult<Staff> {
    match principal().await? {
        Some(Principal::Staff(s)) => Ok(s),
        _ => Err(unauthorized()),
    }
}

/// The signed-in portal client, or `Unauthorized`.
pub async fn portal_client() -> AppResult<PortalClient> {
    match principal().await? {
        Some(Principal::Client(c)) => Ok(c),
        // Said once, where the open portal tab asks next; then they are simply signed out.
        Some(Principal::SwitchedOff(notice)) => Err(AppError::from(portico_core::Error::Conflict(notice))),
        _ => Err(unauthorized()),
    }
}

fn unauthorized() -> AppError {
    AppError::from(portico_core::Error::Unauthorized)
}

/// Remembers, in a long-lived cookie, that this browser signed in as this staff address: a
/// keyed MAC of the address, so it cannot be made without the server key and says nothing.
pub const DEVICE_COOKIE: &str = "portico_device";

fn device_mark(email: &str) -> AppResult<String> {
    Ok(portico()?.key.derive_token("staff-device", &email.trim().to_lowercase()).expose().to_string())
}

pub fn remember_device(email: &str) {
    if let Ok(mark) = device_mark(email) {
        write_lasting_cookie(DEVICE_COOKIE, &mark);
    }
}

/// Which portal this browser's client uses: a signed-out visit to `/portal` goes to its
/// sign-in page. Not a credential (the slug is in every invitation's portal link).
pub const PORTAL_COOKIE: &str = "portico_portal";

/// Signs a client in on this response.
pub fn start_client_session(session: &str, org_slug: &str) {
    write_cookie(SESSION_COOKIE, Some(session));
    write_lasting_cookie(PORTAL_COOKIE, org_slug);
}

/// The remembered portal's slug, if it looks like one.
pub fn remembered_portal() -> Option<String> {
    read_cookie(PORTAL_COOKIE)
        .filter(|s| !s.is_empty() && s.len() <= 80 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// An HttpOnly, SameSite=Lax cookie that outlives the browser session (a year).
fn write_lasting_cookie(base: &str, value: &str) {
    let Ok(state) = state() else { return };
    let year = Some(365 * 24 * 60 * 60);
    if let (Some(res), Some(v)) =
        (use_context::<ResponseOptions>(), cookie_header(base, Some(value), state.secure_cookies, year))
    {
        res.append_header(header::SET_COOKIE, v);
    }
}

/// Has this browser signed in as this staff address before?
pub fn known_device(email: &str) -> bool {
    match (read_cookie(DEVICE_COOKIE), device_mark(email)) {
        (Some(presented), Ok(expected)) => portico_core::secrets::digests_match(&presented, &expected),
        _ => false,
    }
}

/// Counts this request against a rate limit, keyed by the caller's network and any target
/// addresses given (email addresses are compared lower-cased).
///
/// An IPv6 caller is keyed by its /64: one host is usually given a whole /64 and could take a
/// fresh address for every request. A target is cut to the longest email address there is
/// (254 characters) before it becomes a key: the limit is checked before anything is parsed,
/// and a 2 MB "address" kept as a key for each request would fill the server's memory.
pub fn limit(scope: crate::rate_limits::Scope, targets: &[&str]) -> AppResult<()> {
    state()?.limits.check(scope, &limit_keys(peer_ip(), targets))
}

/// `limit`'s keys: `ip:` the caller's network, `to:` each target.
fn limit_keys(ip: Option<std::net::IpAddr>, targets: &[&str]) -> Vec<String> {
    let network = ip.map(|ip| match ip {
        std::net::IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        other => format!("ip:{}", other.to_canonical()),
    });
    let mut keys: Vec<String> = network.into_iter().collect();
    keys.extend(targets.iter().map(|t| {
        let t = t.trim();
        let cut = t.char_indices().nth(254).map_or(t.len(), |(i, _)| i);
        format!("to:{}", t[..cut].to_lowercase())
    }));
    keys
}

#[cfg(test)]
mod tests {
    use super::limit_keys;

    #[test]
    fn limits_key_a_v6_caller_by_its_64_and_cut_long_targets() {
        let v6 = |s: &str| Some(s.parse().unwrap());
        assert_eq!(limit_keys(v6("2001:db8:1:2:aaaa::1"), &[]), ["ip:2001:db8:1:2::/64"]);
        assert_eq!(limit_keys(v6("2001:db8:1:2:bbbb::9"), &[]), limit_keys(v6("2001:db8:1:2:aaaa::1"), &[]));
        assert_ne!(limit_keys(v6("2001:db8:1:3::1"), &[]), limit_keys(v6("2001:db8:1:2::1"), &[]));
        assert_eq!(limit_keys(v6("::ffff:192.0.2.7"), &[]), ["ip:192.0.2.7"]);
        assert_eq!(limit_keys(v6("192.0.2.7"), &[" Ann@X.test "]), ["ip:192.0.2.7", "to:ann@x.test"]);
        let huge = "é".repeat(1_000_000);
        let keys = limit_keys(None, &[&huge]);
        assert_eq!(keys[0].chars().count(), "to:".len() + 254);
    }
}
