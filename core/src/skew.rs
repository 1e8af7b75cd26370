//! Clock skew, corrected: Maskinporten accepts `iat` at most ~10 s from its clock and a grant
//! lifetime of at most 120 s, so a machine whose clock is off by 30 s has every grant refused.
//!
//! Every answer of the token endpoint carries a `Date` header; the difference to this machine's
//! clock is remembered. When Maskinporten refuses a grant for its time claims
//! ([`crate::TokenError::is_time_refusal`]) and the remembered difference is larger than the
//! `Date` header's resolution allows for, the grant is signed again once with the corrected
//! time, and that correction is used from then on. The skew is logged once, at warn level.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

/// The smallest difference treated as skew: the `Date` header has whole seconds, and the
/// answer took some time to arrive.
pub const MIN_SKEW_SECS: i64 = 3;

/// What one client knows about the difference between its clock and Maskinporten's.
#[derive(Debug, Default)]
pub(crate) struct Skew {
    /// The last difference seen (server minus local, seconds).
    observed: AtomicI64,
    /// Whether a `Date` header was seen at all.
    seen: AtomicBool,
    /// The correction applied to grant times.
    applied: AtomicI64,
    warned: AtomicBool,
}

impl Skew {
    /// Records the `Date` of an answer that arrived just now.
    pub(crate) fn observe(&self, headers: &reqwest::header::HeaderMap) {
        let Some(date) = headers.get(reqwest::header::DATE).and_then(|v| v.to_str().ok()) else { return };
        let Ok(server) = httpdate::parse_http_date(date) else { return };
        let local = SystemTime::now();
        let diff = match server.duration_since(local) {
            Ok(ahead) => i64::try_from(ahead.as_secs()).unwrap_or(i64::MAX),
            Err(behind) => -i64::try_from(behind.duration().as_secs()).unwrap_or(i64::MAX),
        };
        self.observed.store(diff, Ordering::Relaxed);
        self.seen.store(true, Ordering::Relaxed);
    }

    /// Now, as Maskinporten's clock has it (this machine's clock plus the applied correction).
    pub(crate) fn now(&self) -> SystemTime {
        shifted(SystemTime::now(), self.applied())
    }

    /// The correction applied, seconds.
    pub(crate) fn applied(&self) -> i64 {
        self.applied.load(Ordering::Relaxed)
    }

    /// After a refusal for time claims: takes the observed difference as the correction when it
    /// is real skew and not already applied. `true` when the grant should be signed again.
    pub(crate) fn correct(&self) -> bool {
        if !self.seen.load(Ordering::Relaxed) {
            return false;
        }
        let observed = self.observed.load(Ordering::Relaxed);
        let applied = self.applied();
        if (observed - applied).abs() < MIN_SKEW_SECS {
            return false;
        }
        self.applied.store(observed, Ordering::Relaxed);
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                skew_seconds = observed,
                "this machine's clock differs from Maskinporten's (its Date header) by {observed} s: grants are signed with the corrected time; fix the clock (NTP)"
            );
        }
        true
    }
}

/// `t` moved by `secs` seconds.
fn shifted(t: SystemTime, secs: i64) -> SystemTime {
    let d = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 { t + d } else { t.checked_sub(d).unwrap_or(t) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(offset: i64) -> reqwest::header::HeaderMap {
        let mut h = reqwest::header::HeaderMap::new();
        let t = shifted(SystemTime::now(), offset);
        h.insert(reqwest::header::DATE, httpdate::fmt_http_date(t).parse().unwrap());
        h
    }

    #[test]
    fn corrects_real_skew_once() {
        let s = Skew::default();
        assert!(!s.correct(), "no Date seen");
        s.observe(&date(1));
        assert!(!s.correct(), "a second is not skew");
        s.observe(&date(-200));
        assert!(s.correct());
        assert!((s.applied() + 200).abs() <= 1);
        s.observe(&date(-200));
        assert!(!s.correct(), "already applied");
        let lag = SystemTime::now().duration_since(s.now()).unwrap().as_secs();
        assert!((199..=201).contains(&lag), "{lag}");
    }
}
