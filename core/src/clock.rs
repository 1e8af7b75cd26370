//! The library's monotonic clock: when tokens are due for renewal and when they expire.
//!
//! It is `Instant::now()`. With the `test-clock` feature (for tests only) it is
//! `Instant::now()` plus an offset that tests move forward with [`advance`], so refresh,
//! expiry and back-off tests step time instead of sleeping. Deadlines of calls (real waiting)
//! and the grant's `iat`/`exp` (wall-clock time Maskinporten checks) do not use it.

use std::time::{Duration, Instant};

#[cfg(feature = "test-clock")]
static OFFSET_NANOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Now, on the library's clock.
#[inline]
pub(crate) fn now() -> Instant {
    #[cfg(feature = "test-clock")]
    {
        Instant::now() + Duration::from_nanos(OFFSET_NANOS.load(std::sync::atomic::Ordering::Relaxed))
    }
    #[cfg(not(feature = "test-clock"))]
    {
        Instant::now()
    }
}

/// Time since `earlier` on the library's clock (zero if `earlier` is later).
#[inline]
pub(crate) fn since(earlier: Instant) -> Duration {
    now().saturating_duration_since(earlier)
}

/// Moves the library's clock forward by `by` for every client of this process (test builds
/// with the `test-clock` feature only).
#[cfg(feature = "test-clock")]
pub fn advance(by: Duration) {
    let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
    OFFSET_NANOS.fetch_add(nanos, std::sync::atomic::Ordering::Relaxed);
}
