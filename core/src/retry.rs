//! Retry policy: exponential backoff with full jitter, `Retry-After`, and a total deadline.

use std::time::{Duration, Instant, SystemTime};

use rand::Rng;

/// The first backoff; each retry doubles the cap (full jitter picks a delay in `[0, cap]`).
const BASE_DELAY: Duration = Duration::from_millis(200);
/// The largest backoff cap.
const MAX_DELAY: Duration = Duration::from_secs(10);

/// Retry settings for one operation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) deadline: Duration,
}

impl RetryPolicy {
    /// How long to wait before retry number `attempt` (1-based), or `None` when the retries or
    /// the deadline are used up. `retry_after` (from the server) wins over the backoff when it
    /// still fits the deadline.
    pub(crate) fn delay(&self, attempt: u32, started: Instant, retry_after: Option<Duration>) -> Option<Duration> {
        if attempt > self.max_retries {
            return None;
        }
        let cap = BASE_DELAY.saturating_mul(1u32 << (attempt - 1).min(16)).min(MAX_DELAY);
        let delay = match retry_after {
            Some(d) => d,
            None => Duration::from_secs_f64(rand::rng().random_range(0.0..=cap.as_secs_f64())),
        };
        let elapsed = started.elapsed();
        if elapsed + delay >= self.deadline {
            return None;
        }
        Some(delay)
    }

    /// Time left of the deadline.
    pub(crate) fn remaining(&self, started: Instant) -> Duration {
        self.deadline.saturating_sub(started.elapsed())
    }
}

/// Parses `Retry-After`: delta-seconds or an HTTP-date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(3600)));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO).min(Duration::from_secs(3600)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("5"), Some(Duration::from_secs(5)));
        let future = SystemTime::now() + Duration::from_secs(30);
        let d = parse_retry_after(&httpdate::fmt_http_date(future)).unwrap();
        assert!(d <= Duration::from_secs(30) && d >= Duration::from_secs(28), "{d:?}");
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("snart"), None);
    }

    #[test]
    fn backoff_is_capped_and_bounded() {
        let p = RetryPolicy { max_retries: 3, deadline: Duration::from_secs(60) };
        let t = Instant::now();
        for attempt in 1..=3 {
            let d = p.delay(attempt, t, None).unwrap();
            assert!(d <= BASE_DELAY * (1 << (attempt - 1)), "{d:?}");
        }
        assert_eq!(p.delay(4, t, None), None);
        assert_eq!(p.delay(1, t, Some(Duration::from_secs(61))), None);
        assert_eq!(p.delay(1, t, Some(Duration::from_secs(2))), Some(Duration::from_secs(2)));
    }
}
