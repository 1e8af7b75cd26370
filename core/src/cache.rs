//! The token cache: one slot per [`TokenRequest`](crate::TokenRequest), renewed ahead of expiry,
//! single flight on a miss, and lock-free reads.
//!
//! A read is an atomic pointer load plus a clock read; it never waits for a refresh while the
//! current token is still valid. When the token is due for renewal, the first reader starts one
//! background refresh; when it has expired (or none exists), callers queue on the slot's async
//! mutex and exactly one of them asks Maskinporten.
//!
//! A 401 from Fiks evicts a token at most once per token lifetime ([`Slot::evict_after_401`]):
//! the token fetched after such an eviction is marked, and a 401 to it is about the integrasjon
//! (its id or password), so it is not evicted and no new token is asked for.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use tokio::runtime::Handle;

use crate::client::Inner;
use crate::error::{Error, Result};
use crate::grant::TokenRequest;
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
    /// Fetched because a 401 evicted the token before it: a 401 to this one is not evicted.
    pub(crate) after_401: bool,
    /// The headers of derived integrasjoner for this token, by their slot number.
    pub(crate) derived: DerivedHeaders,
}

/// The headers of derived integrasjoner (`Client::for_integrasjon`) for one token, built on
/// first use and read without a lock or a fence: the entry they live in is already held by
/// the reader, so a cached read of a derived client costs what the parent's does. Slot numbers
/// are handed out once per derived client; past [`DerivedHeaders::CAPACITY`] clients the
/// speaker's own cache takes over.
pub(crate) struct DerivedHeaders {
    /// Allocated when a derived client first reads from this entry (a client with none never
    /// pays for it).
    chunks: OnceLock<Box<[OnceLock<Chunk>]>>,
}

/// [`DerivedHeaders::CHUNK`] slots, allocated when the first of them is used.
type Chunk = Box<[OnceLock<Arc<FiksHeaders>>]>;

impl DerivedHeaders {
    const CHUNK: usize = 64;
    const CHUNKS: usize = 1024;
    /// The derived clients one token entry keeps headers for.
    pub(crate) const CAPACITY: usize = Self::CHUNK * Self::CHUNKS;

    fn new() -> DerivedHeaders {
        DerivedHeaders { chunks: OnceLock::new() }
    }

    /// The headers in slot `slot`, built by `build` the first time; `None` past the capacity
    /// (or when `build` gives none).
    #[inline]
    pub(crate) fn get_or_build(
        &self,
        slot: usize,
        build: impl FnOnce() -> Option<Arc<FiksHeaders>>,
    ) -> Option<Arc<FiksHeaders>> {
        let chunk = self
            .chunks
            .get_or_init(|| (0..Self::CHUNKS).map(|_| OnceLock::new()).collect())
            .get(slot / Self::CHUNK)?
            .get_or_init(|| (0..Self::CHUNK).map(|_| OnceLock::new()).collect());
        let cell = chunk.get(slot % Self::CHUNK)?;
        if let Some(h) = cell.get() {
            return Some(h.clone());
        }
        let built = build()?;
        Some(cell.get_or_init(|| built).clone())
    }
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
        Entry {
            refresh_at: start + (usable - lead),
            expires_at: start + usable,
            token,
            headers,
            after_401: false,
            derived: DerivedHeaders::new(),
        }
    }
}

/// What a read found.
pub(crate) enum Lookup<'a> {
    /// Valid; `renew` says a background refresh is due.
    Valid { entry: &'a Arc<Entry>, renew: bool },
    /// Nothing usable.
    Missing,
}

/// What [`Slot::evict_after_401`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Eviction {
    /// The token was the cached one and is gone: the next call fetches a new one.
    Evicted,
    /// Another token is cached already (or none): retry with it.
    Newer,
    /// The token was itself fetched after a 401: kept, and no new token is fetched.
    Refused,
}

/// One cache slot.
pub(crate) struct Slot {
    current: ArcSwapOption<Entry>,
    /// Held by whoever is fetching; waiters queue here (single flight).
    /// `Arc`, so the fetch can own its guard as a task of its own (see [`Inner::entry`]).
    pub(crate) lock: Arc<tokio::sync::Mutex<()>>,
    /// A background refresh is running.
    refreshing: AtomicBool,
    /// No background refresh before this many ms after `epoch` (after a failure).
    quiet_until_ms: AtomicU64,
    epoch: Instant,
    /// The last failed fetch, shared with the callers that waited for it.
    last_failure: Mutex<Option<(Instant, Error)>>,
    /// A 401 evicted the last token: the next one stored is marked `after_401`.
    evicted_after_401: AtomicBool,
}

impl Slot {
    pub(crate) fn new() -> Slot {
        Slot {
            current: ArcSwapOption::empty(),
            lock: Arc::new(tokio::sync::Mutex::new(())),
            refreshing: AtomicBool::new(false),
            quiet_until_ms: AtomicU64::new(0),
            epoch: crate::clock::now(),
            last_failure: Mutex::new(None),
            evicted_after_401: AtomicBool::new(false),
        }
    }

    /// Runs `f` on the current entry, if it is still valid.
    #[inline]
    pub(crate) fn with_valid<R>(&self, f: impl FnOnce(Lookup<'_>) -> R) -> R {
        let guard = self.current.load();
        match guard.as_ref() {
            Some(entry) => {
                let now = crate::clock::now();
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

    /// Stores a fresh entry (marked when a 401 caused its fetch) and returns it.
    pub(crate) fn store(&self, mut entry: Entry) -> Arc<Entry> {
        entry.after_401 = self.evicted_after_401.swap(false, Ordering::AcqRel);
        let entry = Arc::new(entry);
        self.current.store(Some(entry.clone()));
        if let Ok(mut f) = self.last_failure.lock() {
            *f = None;
        }
        entry
    }

    /// After a Fiks API answered 401 to the token `is_it` picks: drops the entry if it still
    /// holds that token, unless the token was itself fetched after a 401.
    pub(crate) fn evict_after_401(&self, is_it: impl Fn(&Arc<Token>) -> bool) -> Eviction {
        let cur = self.current.load();
        match cur.as_ref() {
            Some(e) if is_it(&e.token) => {
                if e.after_401 {
                    return Eviction::Refused;
                }
                self.evicted_after_401.store(true, Ordering::Release);
                self.current.compare_and_swap(&*cur, None);
                Eviction::Evicted
            }
            _ => Eviction::Newer,
        }
    }

    /// Drops whatever is cached.
    pub(crate) fn clear(&self) {
        self.evicted_after_401.store(false, Ordering::Release);
        self.current.store(None);
    }

    pub(crate) fn record_failure(&self, err: &Error) {
        if let Ok(mut f) = self.last_failure.lock() {
            *f = Some((crate::clock::now(), err.clone()));
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
        if quiet_until != 0 && (crate::clock::since(self.epoch).as_millis() as u64) < quiet_until {
            return false;
        }
        !self.refreshing.swap(true, Ordering::AcqRel)
    }

    /// Ends a background refresh; after a failure, stays quiet for `backoff`.
    pub(crate) fn end_background(&self, failed_backoff: Option<Duration>) {
        match failed_backoff {
            Some(b) => {
                let until = crate::clock::since(self.epoch) + b;
                self.quiet_until_ms.store((until.as_millis() as u64).max(1), Ordering::Relaxed);
            }
            // A claim only succeeds once any quiet period is over, so there is none left to keep.
            None => self.quiet_until_ms.store(0, Ordering::Relaxed),
        }
        self.refreshing.store(false, Ordering::Release);
    }
}

/// Reads, single flight and background renewal on the client's slots.
impl Inner {
    /// A valid cached entry, starting a background renewal when due.
    pub(crate) fn read(self: &Arc<Self>, slot: &Arc<Slot>, request: &TokenRequest) -> Option<Arc<Entry>> {
        slot.with_valid(|l| match l {
            Lookup::Valid { entry, renew } => {
                if renew {
                    self.renew_in_background(slot, request);
                }
                Some(entry.clone())
            }
            Lookup::Missing => None,
        })
    }

    pub(crate) fn renew_in_background(self: &Arc<Self>, slot: &Arc<Slot>, request: &TokenRequest) {
        // While a renewal is in flight every read lands here: leave with one shared load, before
        // the fork check (a getpid syscall) and the claim (a contended write). Under many threads
        // on few cores the renewal itself waits for CPU, so this window is not short
        // (benches/NOTES.md, figure 5).
        if slot.background_running() {
            return;
        }
        if self.check_fork().is_err() || !slot.begin_background() {
            return;
        }
        let Some(handle) = self.handle.clone().or_else(|| Handle::try_current().ok()) else {
            slot.end_background(None);
            return;
        };
        let inner = self.clone();
        let slot = slot.clone();
        let request = request.clone();
        handle.spawn(async move {
            let _guard = slot.lock.lock().await;
            if !slot.needs_renewal() {
                slot.end_background(None);
                return;
            }
            match inner.fetch_token(&request).await {
                Ok(token) => {
                    slot.store(inner.make_entry(token));
                    slot.end_background(None);
                }
                Err(e) => {
                    let left = slot.valid().map(|e| e.expires_at.saturating_duration_since(crate::clock::now())).unwrap_or_default();
                    tracing::warn!(error = %e, valid_for_ms = left.as_millis() as u64, "background token renewal failed; the current token is served until it expires");
                    slot.end_background(Some((left / 4).clamp(Duration::from_millis(100), Duration::from_secs(10))));
                }
            }
        });
    }

    /// Single flight: the first caller fetches, the rest wait on the slot and take its result.
    pub(crate) async fn entry(self: &Arc<Self>, slot: &Arc<Slot>, request: &TokenRequest) -> Result<Arc<Entry>> {
        let waited_since = crate::clock::now();
        if let Some(e) = slot.valid() {
            return Ok(e);
        }
        self.check_fork()?;
        let guard = slot.lock.clone().lock_owned().await;
        if let Some(e) = slot.valid() {
            return Ok(e);
        }
        if let Some(err) = slot.failure_since(waited_since) {
            return Err(err);
        }
        // The fetch is a task of its own that holds the slot's lock: a caller that stops
        // waiting (a cancelled call, its request deadline) never aborts the fetch that the
        // callers queued behind it share, and never makes them start a second one.
        let (inner, shared, request) = (self.clone(), slot.clone(), request.clone());
        let fetch = async move {
            let _guard = guard;
            match inner.fetch_token(&request).await {
                Ok(token) => Ok(shared.store(inner.make_entry(token))),
                Err(err) => {
                    shared.record_failure(&err);
                    Err(err)
                }
            }
        };
        match self.handle.clone().or_else(|| Handle::try_current().ok()) {
            Some(handle) => handle.spawn(fetch).await.unwrap_or_else(|_| Err(Error::Cancelled { client_closed: true })),
            None => fetch.await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(secs: u64) -> Arc<Token> {
        Arc::new(Token::new("t".repeat(40), "Bearer".into(), secs, None))
    }

    #[test]
    fn derived_headers_are_built_once_per_slot_and_bounded() {
        let e = Entry::new(token(120), None, Duration::from_secs(30));
        let built = std::sync::atomic::AtomicUsize::new(0);
        let make = |id: &str| {
            built.fetch_add(1, Ordering::SeqCst);
            Some(Arc::new(FiksHeaders::new("t", id, "p")))
        };
        let a = e.derived.get_or_build(0, || make("a")).unwrap();
        let again = e.derived.get_or_build(0, || make("x")).unwrap();
        assert!(Arc::ptr_eq(&a, &again), "built once");
        let last = DerivedHeaders::CAPACITY - 1;
        assert_eq!(e.derived.get_or_build(last, || make("z")).unwrap().integrasjon_id(), "z");
        assert_eq!(built.load(Ordering::SeqCst), 2);
        assert!(e.derived.get_or_build(DerivedHeaders::CAPACITY, || make("over")).is_none(), "past the capacity");
        assert_eq!(built.load(Ordering::SeqCst), 2, "nothing built past the capacity");
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
    fn evict_only_the_rejected_token_and_once_per_lifetime() {
        let s = Slot::new();
        let a = token(100);
        s.store(Entry::new(a.clone(), None, Duration::ZERO));
        let other = token(100);
        assert_eq!(s.evict_after_401(|t| Arc::ptr_eq(t, &other)), Eviction::Newer);
        assert!(s.valid().is_some());
        assert_eq!(s.evict_after_401(|t| Arc::ptr_eq(t, &a)), Eviction::Evicted);
        assert!(s.valid().is_none());
        // The token fetched after the 401 is kept when it gets a 401 too.
        let b = token(100);
        assert!(s.store(Entry::new(b.clone(), None, Duration::ZERO)).after_401);
        assert_eq!(s.evict_after_401(|t| Arc::ptr_eq(t, &b)), Eviction::Refused);
        assert!(s.valid().is_some());
        // A renewal at expiry is an ordinary token again.
        let c = token(100);
        assert!(!s.store(Entry::new(c.clone(), None, Duration::ZERO)).after_401);
        assert_eq!(s.evict_after_401(|t| Arc::ptr_eq(t, &c)), Eviction::Evicted);
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
