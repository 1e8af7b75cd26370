//! The one retry rule and the one deadline, for token requests and Fiks calls alike.
//!
//! - [`retryable`]: a failure is retried when it is transient — a connection that could not be
//!   made (nothing was sent), HTTP 429, 500, 502, 503 or 504 — and, for a timeout or a
//!   transient status, only when the request is idempotent (a token request always is).
//! - Backoff: exponential with full jitter (200 ms, doubling, capped at 10 s), or the server's
//!   `Retry-After` when it gives one; at most `max_retries` retries.
//! - [`Deadline`]: one call — retries, backoff, `Retry-After` waits and a token fetch included —
//!   ends by its deadline (`retry_deadline_seconds`, or a per-call timeout). A wait that would
//!   end past the deadline is not started: the call fails at once with the last error.

use std::time::{Duration, Instant, SystemTime};

use rand::Rng;

use crate::error::{Error, TransportProblem};

/// The first backoff; each retry doubles the cap (full jitter picks a delay in `[0, cap]`).
const BASE_DELAY: Duration = Duration::from_millis(200);
/// The largest backoff cap.
const MAX_DELAY: Duration = Duration::from_secs(10);
/// The longest `Retry-After` taken into account.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// HTTP statuses that say "try again later".
pub fn is_transient_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Whether `err` may be retried: a connect failure always (nothing reached the server); a
/// timeout or a transient HTTP status (429, 500, 502, 503, 504) only when the request is
/// `idempotent`. Maskinporten refusals (OAuth 4xx), configuration, certificate and usage
/// errors never.
///
/// ```
/// use fiks_integrasjon::{Error, TransportProblem, retry};
/// let timeout = Error::Transport { problem: TransportProblem::Timeout, message: "slow".into(), status: None };
/// assert!(retry::retryable(&timeout, true));
/// assert!(!retry::retryable(&timeout, false));
/// ```
pub fn retryable(err: &Error, idempotent: bool) -> bool {
    match err {
        Error::Transport { problem: TransportProblem::Connect, .. } => true,
        Error::Transport { problem: TransportProblem::Timeout, .. } => idempotent,
        Error::Transport { status: Some(s), .. } => idempotent && is_transient_status(*s),
        Error::Api(a) => idempotent && is_transient_status(a.status),
        Error::Token(t) => idempotent && is_transient_status(t.status),
        _ => false,
    }
}

/// When one call must be over.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    at: Instant,
    total: Duration,
}

impl Deadline {
    /// A deadline `total` from now.
    pub(crate) fn after(total: Duration) -> Deadline {
        let now = Instant::now();
        // A year is as good as "never" and cannot overflow an `Instant`.
        let total = total.min(Duration::from_secs(365 * 86_400));
        Deadline { at: now + total, total }
    }
    /// Time left (zero when passed).
    pub(crate) fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }
    /// The timeout for one HTTP exchange: `per_attempt`, cut to what is left.
    pub(crate) fn attempt_timeout(&self, per_attempt: Duration) -> Duration {
        per_attempt.min(self.remaining()).max(Duration::from_millis(1))
    }
    /// The error for a call whose deadline passed while `what` was under way.
    pub(crate) fn passed(&self, what: &str) -> Error {
        Error::Transport {
            problem: TransportProblem::Timeout,
            message: format!("the call's deadline ({:.1} s) passed while {what}", self.total.as_secs_f64()),
            status: None,
        }
    }
}

/// Retry settings for one operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub(crate) max_retries: u32,
}

impl RetryPolicy {
    /// How long to wait before retry number `attempt` (1-based), or `None` when the retries are
    /// used up or the wait would end past `deadline`. `retry_after` (from the server) replaces
    /// the backoff.
    pub(crate) fn delay(&self, attempt: u32, deadline: &Deadline, retry_after: Option<Duration>) -> Option<Duration> {
        if attempt > self.max_retries {
            return None;
        }
        let delay = retry_after.unwrap_or_else(|| {
            let cap = BASE_DELAY.saturating_mul(1u32 << (attempt - 1).min(16)).min(MAX_DELAY);
            Duration::from_secs_f64(rand::rng().random_range(0.0..=cap.as_secs_f64()))
        });
        (delay < deadline.remaining()).then_some(delay)
    }
}

/// Parses `Retry-After`: delta-seconds or an HTTP-date (capped at an hour).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(fiks_integrasjon::retry::parse_retry_after("5"), Some(Duration::from_secs(5)));
/// assert_eq!(fiks_integrasjon::retry::parse_retry_after("snart"), None);
/// ```
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    parse_retry_after_at(value, SystemTime::now())
}

fn parse_retry_after_at(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO).min(MAX_RETRY_AFTER))
}

/// The `Retry-After` of an answer, if it has a usable one.
pub(crate) fn retry_after_of(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers.get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, TokenError};

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after_at("5", now), Some(Duration::from_secs(5)));
        assert_eq!(parse_retry_after_at("99999", now), Some(MAX_RETRY_AFTER));
        let future = now + Duration::from_secs(30);
        assert_eq!(parse_retry_after_at(&httpdate::fmt_http_date(future), now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after_at("Wed, 21 Oct 2015 07:28:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after_at("snart", now), None);
        assert_eq!(parse_retry_after_at("-1", now), None);
    }

    #[test]
    fn backoff_is_capped_and_bounded_by_the_deadline() {
        let p = RetryPolicy { max_retries: 3 };
        let d = Deadline::after(Duration::from_secs(60));
        for attempt in 1..=3 {
            let delay = p.delay(attempt, &d, None).unwrap();
            assert!(delay <= BASE_DELAY * (1 << (attempt - 1)), "{delay:?}");
        }
        assert_eq!(p.delay(4, &d, None), None);
        assert_eq!(
            p.delay(1, &d, Some(Duration::from_secs(61))),
            None,
            "a Retry-After past the deadline fails at once"
        );
        assert_eq!(p.delay(1, &d, Some(Duration::from_secs(2))), Some(Duration::from_secs(2)));
        assert!(Deadline::after(Duration::MAX).remaining() > Duration::from_secs(86_400), "no overflow");
        let passed = Deadline::after(Duration::ZERO);
        assert_eq!(p.delay(1, &passed, Some(Duration::ZERO)), None);
        assert_eq!(passed.attempt_timeout(Duration::from_secs(30)), Duration::from_millis(1));
    }

    #[test]
    fn one_rule_for_every_failure() {
        let transport = |problem, status| Error::Transport { problem, message: String::new(), status };
        let api = |status| Error::Api(Box::new(ApiError { status, ..Default::default() }));
        let token = |status| Error::Token(Box::new(TokenError { status, error: "e".into(), ..Default::default() }));
        assert!(retryable(&transport(TransportProblem::Connect, None), false));
        assert!(!retryable(&transport(TransportProblem::Timeout, None), false));
        assert!(retryable(&transport(TransportProblem::InvalidResponse, Some(503)), true));
        assert!(!retryable(&transport(TransportProblem::Tls, None), true));
        for s in [429, 500, 502, 503, 504] {
            assert!(retryable(&api(s), true) && !retryable(&api(s), false) && retryable(&token(s), true), "{s}");
        }
        for s in [400, 401, 403, 404, 501] {
            assert!(!retryable(&api(s), true) && !retryable(&token(s), true), "{s}");
        }
        assert!(!retryable(&Error::usage("x"), true));
        assert!(!retryable(&Error::PersonToken { message: "x".into() }, true));
    }
}
