//! Rate limits per caller IP and per target address, in memory (governor's keyed GCRA).
//! The database-backed limits in `portico-core` (codes, sign-in links and login emails per
//! client, resends per invitation) hold across server processes; these catch one address
//! hammering an endpoint, which only needs to hold per process.

use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::error::AppError;

/// What is being limited; each has its own budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Staff sign-in attempts per IP (loose: an office shares one) and per address-and-IP.
    StaffSignIn,
    /// Staff sign-in attempts on one address from browsers that never signed in to it: slows
    /// password spraying from many IPs, while the owner's own browser is never held back by it
    /// (a stranger's wrong guesses cannot lock the owner out).
    StaffSignInNewDevice,
    /// Client sign-in: codes entered, links continued, passwords tried.
    ClientSignIn,
    /// Codes, sign-in links and new-link requests sent to one address.
    CodeRequest,
    /// Staff sending mail to clients: resends and login emails.
    StaffMail,
}

impl Scope {
    fn quota(self) -> Quota {
        let per_minute = |n: u32| Quota::per_minute(NonZeroU32::new(n).expect("non-zero quota"));
        match self {
            Scope::StaffSignIn => per_minute(10),
            // Ten at once, then one a minute: a slowdown that a test (and an attacker) can
            // count on, not a budget that refills every six seconds.
            Scope::StaffSignInNewDevice => Quota::with_period(std::time::Duration::from_secs(60))
                .expect("non-zero period")
                .allow_burst(NonZeroU32::new(10).expect("non-zero burst")),
            Scope::ClientSignIn => per_minute(30),
            Scope::CodeRequest => per_minute(10),
            Scope::StaffMail => per_minute(60),
        }
    }
}

/// One keyed limiter per scope; keys are `ip:…` or `to:…`.
pub struct RateLimits {
    limiters: Vec<(Scope, DefaultKeyedRateLimiter<String>)>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RateLimits")
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        let limiters = [
            Scope::StaffSignIn,
            Scope::StaffSignInNewDevice,
            Scope::ClientSignIn,
            Scope::CodeRequest,
            Scope::StaffMail,
        ]
        .into_iter()
        .map(|s| (s, RateLimiter::keyed(s.quota())))
        .collect();
        Self { limiters }
    }
}

impl RateLimits {
    /// Counts one request for each key; refuses with 429 as soon as one is over its budget.
    pub fn check(&self, scope: Scope, keys: &[String]) -> Result<(), AppError> {
        let Some((_, limiter)) = self.limiters.iter().find(|(s, _)| *s == scope) else {
            return Ok(());
        };
        // Forget keys whose budget has refilled, so the map cannot grow without bound.
        if limiter.len() > 10_000 {
            limiter.retain_recent();
        }
        for key in keys {
            if limiter.check_key(key).is_err() {
                tracing::warn!(?scope, "rate limit reached");
                return Err(portico_core::Error::RateLimited(
                    "Too many attempts. Wait a minute, then try again.".into(),
                )
                .into());
            }
        }
        Ok(())
    }
}
