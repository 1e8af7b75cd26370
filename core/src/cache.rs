//! The token cache: one slot per [`TokenRequest`](crate::TokenRequest), renewed ahead of expiry,
//! single flight on a miss, and lock-free reads.
//!
//! A read is an atomic pointer load plus a clock read; it never waits for a refresh while the
//! current token is still valid. When the token is due for renewal, the first reader starts one
//! background refresh; when it has expired (or none exists), callers queue on the slot's async
//! mutex and exactly one of them asks Maskinporten.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;

use crate::error::Error;
use crate::headers::FiksHeaders;
use crate::token::Token;

/// A cached token and the headers built from it.
pub(crate) struct Entry {
    pub(crate) token: Arc<Token>,
    pub(crate) headers: Option<Arc<FiksHeaders>>,
    /// From here on a background refresh is started.
    pub(crate) refresh_at: Instant,
    /// From here on the token is not handed out.
    pub(crate) expires_at: Instant,
}

impl Entry {
    /// Builds an entry: renewal `refresh_ahead` before expiry (at most half the lifetime), and a
    /// small safety margin so a token never expires in flight.
    pub(crate) fn new(token: Arc<Token>, headers: Option<Arc<FiksHeaders>>, refresh_ahead: Duration) -> Entry {
        let life = Duration::from_secs(token.expires_in);
        let margin = (life / 10).min(Duration::from_secs(2));
        let usable = life - margin;
        let lead = refresh_ahead.min(usable / 2);
        let start = token.received;
        Entry { refresh_at: start + (usable - lead), expires_at: start + usable, token, headers }
    }
}

/// What a read found.
pub(crate) enum Lookup<'a> {
    /// Valid; `renew` says a background refresh is due.
    Valid { entry: &'a Arc<Entry>, renew: bool },
    /// Nothing usable.
    Missing,
}

/// One cache slot.
pub(crate) struct Slot {
    current: ArcSwapOption<Entry>,
    /// Held by whoever is fetching; waiters queue here (single flight).
    pub(crate) lock: tokio::sync::Mutex<()>,
    /// A background refresh is running.
    refreshing: AtomicBool,
    /// No background refresh before this many ms after `epoch` (after a failure).
    quiet_until_ms: AtomicU64,
    epoch: Instant,
    /// The last failed fetch, shared with the callers that waited for it.
    last_failure: Mutex<Option<(Instant, Error)>>,
}

impl Slot {
    pub(crate) fn new() -> Slot {
        Slot {
            current: ArcSwapOption::empty(),
            lock: tokio::sync::Mutex::new(()),
            refreshing: AtomicBool::new(false),
            quiet_until_ms: AtomicU64::new(0),
            epoch: Instant::now(),
            last_failure: Mutex::new(None),
        }
    }

    /// Runs `f` on the current entry, if it is still valid.
    #[inline]
    pub(crate) fn with_valid<R>(&self, f: impl FnOnce(Lookup<'_>) -> R) -> R {
        let guard = self.current.load();
        match guard.as_ref() {
            Some(entry) => {
                let now = Instant::now();
                if now < entry.expires_at {
                    f(Lookup::Valid { entry, renew: now >= entry.refresh_at })
                } else {
                    f(Lookup::Missing)
                }
            }
            None => f(Lookup::Missing),
        }
    }

    /// The current entry if it is valid.
    pub(crate) fn valid(&self) -> Option<Arc<Entry>> {
        self.with_valid(|l| match l {
            Lookup::Valid { entry, .. } => Some(entry.clone()),
            Lookup::Missing => None,
        })
    }

    /// Whether the current entry still needs renewal (it may have been renewed meanwhile).
    pub(crate) fn needs_renewal(&self) -> bool {
        self.with_valid(|l| match l {
            Lookup::Valid { renew, .. } => renew,
            Lookup::Missing => true,
        })
    }

    pub(crate) fn store(&self, entry: Arc<Entry>) {
        self.current.store(Some(entry));
        if let Ok(mut f) = self.last_failure.lock() {
            *f = None;
        }
    }

    /// Drops the entry if it still holds `token` (after the API rejected it).
    pub(crate) fn evict(&self, token: &Arc<Token>) {
        let cur = self.current.load();
        if let Some(e) = cur.as_ref()
            && Arc::ptr_eq(&e.token, token)
        {
            self.current.compare_and_swap(&*cur, None);
        }
    }

    /// Drops whatever is cached.
    pub(crate) fn clear(&self) {
        self.current.store(None);
    }

    pub(crate) fn record_failure(&self, err: &Error) {
        if let Ok(mut f) = self.last_failure.lock() {
            *f = Some((Instant::now(), err.clone()));
        }
    }

    /// The failure of a fetch that finished after `since`, for callers that waited for it.
    pub(crate) fn failure_since(&self, since: Instant) -> Option<Error> {
        let f = self.last_failure.lock().ok()?;
        match &*f {
            Some((at, err)) if *at >= since => Some(err.clone()),
            _ => None,
        }
    }

    /// Whether a background refresh is running: one shared load, so that the reads made while
    /// a renewal is in flight stay as cheap as the others (no clock read, no syscall, no
    /// contended write).
    #[inline]
    pub(crate) fn background_running(&self) -> bool {
        self.refreshing.load(Ordering::Relaxed)
    }

    /// Claims the right to start a background refresh (false if one runs or we are backing off).
    pub(crate) fn begin_background(&self) -> bool {
        // Test before test-and-set: many readers reach this at once when a token becomes due.
        if self.refreshing.load(Ordering::Relaxed) {
            return false;
        }
        let quiet_until = self.quiet_until_ms.load(Ordering::Relaxed);
        if quiet_until != 0 && (self.epoch.elapsed().as_millis() as u64) < quiet_until {
            return false;
        }
        !self.refreshing.swap(true, Ordering::AcqRel)
    }

    /// Ends a background refresh; after a failure, stays quiet for `backoff`.
    pub(crate) fn end_background(&self, failed_backoff: Option<Duration>) {
        match failed_backoff {
            Some(b) => {
                let until = self.epoch.elapsed() + b;
                self.quiet_until_ms.store((until.as_millis() as u64).max(1), Ordering::Relaxed);
            }
            // A claim only succeeds once any quiet period is over, so there is none left to keep.
            None => self.quiet_until_ms.store(0, Ordering::Relaxed),
        }
        self.refreshing.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(secs: u64) -> Arc<Token> {
        Arc::new(Token::new("t".repeat(40), "Bearer".into(), secs, None))
    }

    #[test]
    fn entry_timing() {
        let e = Entry::new(token(120), None, Duration::from_secs(30));
        let t0 = e.token.received;
        assert_eq!(e.expires_at - t0, Duration::from_secs(118));
        assert_eq!(e.refresh_at - t0, Duration::from_secs(88));
        // A refresh-ahead longer than the lifetime renews at half the usable life.
        let e = Entry::new(token(1), None, Duration::from_secs(30));
        assert_eq!(e.expires_at - e.token.received, Duration::from_millis(900));
        assert_eq!(e.refresh_at - e.token.received, Duration::from_millis(450));
    }

    #[test]
    fn evict_only_the_rejected_token() {
        let s = Slot::new();
        let a = token(100);
        s.store(Arc::new(Entry::new(a.clone(), None, Duration::ZERO)));
        s.evict(&token(100));
        assert!(s.valid().is_some());
        s.evict(&a);
        assert!(s.valid().is_none());
    }

    #[test]
    fn background_claim_is_exclusive_and_backs_off() {
        let s = Slot::new();
        assert!(s.begin_background());
        assert!(!s.begin_background());
        s.end_background(Some(Duration::from_secs(60)));
        assert!(!s.begin_background());
        assert!(!s.background_running());
    }

    #[test]
    fn background_running_is_seen_until_the_refresh_ends() {
        let s = Slot::new();
        assert!(!s.background_running());
        assert!(s.begin_background());
        assert!(s.background_running());
        s.end_background(None);
        assert!(!s.background_running());
        assert!(s.begin_background(), "a success leaves no quiet period");
    }
}
