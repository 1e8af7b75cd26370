//! The state one running mock shares between its connections.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::counters::Counters;
use crate::faults::{Fault, FaultBook, FaultTarget};
use crate::grant_check::Trust;
use crate::integrasjoner::{self, Integrasjoner};
use crate::maskinporten::{METADATA_PATH, TOKEN_PATH};
use crate::options::MockOptions;
use crate::pki::Pki;
use crate::tokens::{self, JtiLedger, PersonTokens, TokenStore};

/// Locks a mutex, carrying on with the data if another thread panicked while holding it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Seconds since the epoch.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// `now` moved by `offset_secs` (either way), saturating at the epoch and far in the future.
pub(crate) fn shifted(now: SystemTime, offset_secs: i64) -> SystemTime {
    let by = Duration::from_secs(offset_secs.unsigned_abs());
    let shifted = if offset_secs >= 0 { now.checked_add(by) } else { now.checked_sub(by) };
    shifted.unwrap_or(if offset_secs >= 0 { now } else { UNIX_EPOCH })
}

/// Checks a path for [`crate::MockServer::set_metadata_token_path`]: absolute, only characters a
/// URI path carries as they are (no query, no fragment), and none that another part of the mock
/// serves.
pub(crate) fn check_token_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') || path.len() < 2 || path.len() > 512 {
        return Err(format!("a token path starts with '/' and has 1 to 511 more characters, not '{path}'"));
    }
    let pchar = |b: u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b);
    if !path.bytes().all(pchar) {
        return Err(format!("'{path}' has characters a URI path cannot carry as they are (or a query)"));
    }
    let taken = path == METADATA_PATH
        || path.starts_with(crate::control::PREFIX)
        || path == "/_mock"
        || crate::service::FIKS.serves(path);
    if taken {
        return Err(format!("'{path}' is served by another part of the mock"));
    }
    Ok(())
}

/// Queued and cycling faults of every target.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub token: FaultBook,
    pub fiks: FaultBook,
    pub metadata: FaultBook,
}

impl Faults {
    pub(crate) fn book(&mut self, target: FaultTarget) -> &mut FaultBook {
        match target {
            FaultTarget::Token => &mut self.token,
            FaultTarget::Fiks => &mut self.fiks,
            FaultTarget::Metadata => &mut self.metadata,
        }
    }
}

/// Everything a running mock knows.
pub(crate) struct Shared {
    /// The options, with `pki` and `client_orgnr` filled in.
    pub options: MockOptions,
    pub pki: Pki,
    pub client_orgnr: String,
    pub trust: Trust,
    /// `http://127.0.0.1:PORT` or `https://localhost:PORT`.
    pub base_url: String,
    /// The SvarUt stand-in's base, `http://127.0.0.1:PORT2/svarut` (or `https://localhost:…`).
    pub svarut_base_url: String,
    audience: String,
    token_lifetime: AtomicU64,
    token_delay_ms: AtomicU64,
    /// `true` while token answers are held (see [`crate::MockServer::hold_tokens`]).
    token_hold: tokio::sync::watch::Sender<bool>,
    /// Seconds the mock's clock is ahead of the wall clock (negative: behind).
    clock_offset: AtomicI64,
    /// The path the metadata names as `token_endpoint` (also served as the token endpoint).
    metadata_token_path: Mutex<String>,
    pub counters: Mutex<Counters>,
    pub faults: Mutex<Faults>,
    pub tokens: Mutex<TokenStore>,
    pub jtis: Mutex<JtiLedger>,
    /// The integrasjoner the Fiks side accepts (the options' and those registered since).
    pub integrasjoner: Mutex<Integrasjoner>,
    /// The person tokens the Fiks side accepts (the options' and those registered since).
    pub person_tokens: Mutex<PersonTokens>,
}

impl Shared {
    pub(crate) fn new(
        options: MockOptions,
        pki: Pki,
        client_orgnr: String,
        trust: Trust,
        base_url: String,
        svarut_base_url: String,
    ) -> Self {
        Self {
            integrasjoner: Mutex::new(Shared::initial_integrasjoner(&options)),
            person_tokens: Mutex::new(Shared::initial_person_tokens(&options)),
            audience: format!("{base_url}/"),
            token_lifetime: AtomicU64::new(options.token_lifetime_secs),
            token_delay_ms: AtomicU64::new(0),
            token_hold: tokio::sync::watch::Sender::new(false),
            clock_offset: AtomicI64::new(options.clock_offset_secs),
            metadata_token_path: Mutex::new(TOKEN_PATH.to_string()),
            options,
            pki,
            client_orgnr,
            trust,
            base_url,
            svarut_base_url,
            counters: Mutex::default(),
            faults: Mutex::default(),
            tokens: Mutex::default(),
            jtis: Mutex::default(),
        }
    }

    /// The Maskinporten issuer id the grants must name in `aud` (with the trailing slash).
    pub(crate) fn audience(&self) -> &str {
        &self.audience
    }

    /// The mock's clock: the wall clock moved by the clock offset.
    pub(crate) fn system_now(&self) -> SystemTime {
        shifted(SystemTime::now(), self.clock_offset())
    }

    /// The mock's clock in seconds since the epoch (what grants are checked against).
    pub(crate) fn now(&self) -> i64 {
        unix_now().saturating_add(self.clock_offset())
    }

    pub(crate) fn clock_offset(&self) -> i64 {
        self.clock_offset.load(Ordering::Relaxed)
    }

    pub(crate) fn set_clock_offset(&self, secs: i64) {
        self.clock_offset.store(secs, Ordering::Relaxed);
    }

    /// The path the metadata names as its `token_endpoint`.
    pub(crate) fn metadata_token_path(&self) -> String {
        lock(&self.metadata_token_path).clone()
    }

    /// Changes the metadata's token path (checked by [`check_token_path`]).
    pub(crate) fn set_metadata_token_path(&self, path: &str) -> Result<(), String> {
        if path != TOKEN_PATH {
            check_token_path(path)?;
        }
        *lock(&self.metadata_token_path) = path.to_string();
        Ok(())
    }

    /// Whether `path` is a token endpoint: `/token`, or the path the metadata names.
    pub(crate) fn is_token_path(&self, path: &str) -> bool {
        path == TOKEN_PATH || *lock(&self.metadata_token_path) == path
    }

    pub(crate) fn token_lifetime(&self) -> u64 {
        self.token_lifetime.load(Ordering::Relaxed)
    }

    pub(crate) fn set_token_lifetime(&self, secs: u64) {
        self.token_lifetime.store(secs, Ordering::Relaxed);
    }

    pub(crate) fn token_delay(&self) -> Duration {
        Duration::from_millis(self.token_delay_ms.load(Ordering::Relaxed))
    }

    pub(crate) fn set_token_delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.token_delay_ms.store(ms, Ordering::Relaxed);
    }

    /// Holds (`true`) or releases (`false`) every token answer.
    pub(crate) fn set_token_hold(&self, hold: bool) {
        self.token_hold.send_replace(hold);
    }

    /// Waits while token answers are held.
    pub(crate) async fn token_hold_released(&self) {
        let mut rx = self.token_hold.subscribe();
        let _ = rx.wait_for(|held| !*held).await;
    }

    /// The fault for a request to `target` that just arrived (usually [`Fault::None`]).
    pub(crate) fn take_fault(&self, target: FaultTarget) -> Fault {
        lock(&self.faults).book(target).take()
    }

    fn initial_integrasjoner(options: &MockOptions) -> Integrasjoner {
        Integrasjoner::new(&options.integrasjon_id, &options.integrasjon_passord, options.extra_integrasjoner)
    }

    fn initial_person_tokens(options: &MockOptions) -> PersonTokens {
        PersonTokens::new(std::iter::once(&options.person_token).chain(&options.person_tokens))
    }

    /// Registers integrasjoner (or gives known ids new passwords): all of them, or, when one is
    /// invalid, none.
    pub(crate) fn register_integrasjoner(&self, list: &[(String, String)]) -> Result<(), String> {
        for (id, passord) in list {
            integrasjoner::check(id, passord)?;
        }
        let mut all = lock(&self.integrasjoner);
        for (id, passord) in list {
            all.set(id, passord);
        }
        Ok(())
    }

    /// Registers person tokens: all of them, or, when one is invalid, none.
    pub(crate) fn register_person_tokens(&self, list: &[String]) -> Result<(), String> {
        for token in list {
            tokens::check_person_token(token)?;
        }
        let mut all = lock(&self.person_tokens);
        for token in list {
            all.insert(token);
        }
        Ok(())
    }

    /// Counters back to zero, faults cleared, token lifetime and delay and the clock offset back
    /// to the options, the metadata's token path back to `/token`, and the integrasjoner and
    /// person tokens back to the options' (those registered at run time are forgotten). Issued
    /// access tokens stay valid.
    pub(crate) fn reset_all(&self) {
        *lock(&self.counters) = Counters::default();
        *lock(&self.faults) = Faults::default();
        self.set_token_lifetime(self.options.token_lifetime_secs);
        self.set_token_delay(Duration::ZERO);
        self.set_clock_offset(self.options.clock_offset_secs);
        *lock(&self.metadata_token_path) = TOKEN_PATH.to_string();
        *lock(&self.integrasjoner) = Shared::initial_integrasjoner(&self.options);
        *lock(&self.person_tokens) = Shared::initial_person_tokens(&self.options);
    }
}
