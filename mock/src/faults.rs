//! Injected faults: what the next requests to Maskinporten (its token endpoint or its metadata)
//! or the Fiks API get instead of a normal answer, and the `--fault` syntax that names them.

use std::collections::VecDeque;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Which side of the mock a fault applies to.
///
/// ```
/// use fiks_integrasjon_mock::FaultTarget;
/// assert_eq!(FaultTarget::parse("token"), Ok(FaultTarget::Token));
/// assert_eq!(FaultTarget::parse("FIKS"), Ok(FaultTarget::Fiks));
/// assert_eq!(FaultTarget::parse("metadata"), Ok(FaultTarget::Metadata));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultTarget {
    /// Maskinporten's `POST /token`.
    Token,
    /// Every Fiks API request: under `/fiks`, and under `/svarut` on the SvarUt host (one queue
    /// and cycle for both).
    Fiks,
    /// The authorization server metadata, `GET /.well-known/oauth-authorization-server`. Its
    /// faults answer in Maskinporten's OAuth error format, as the token endpoint's do.
    Metadata,
}

impl FaultTarget {
    /// Parses `token` (also `maskinporten`), `fiks` (also `api`) or `metadata` (also
    /// `discovery`), any case.
    pub fn parse(s: &str) -> Result<FaultTarget, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "token" | "maskinporten" => Ok(FaultTarget::Token),
            "fiks" | "api" => Ok(FaultTarget::Fiks),
            "metadata" | "discovery" => Ok(FaultTarget::Metadata),
            other => Err(format!("unknown fault target '{other}': use 'token', 'fiks' or 'metadata'")),
        }
    }

    /// The name [`FaultTarget::parse`] reads back.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultTarget::Token => "token",
            FaultTarget::Fiks => "fiks",
            FaultTarget::Metadata => "metadata",
        }
    }
}

impl fmt::Display for FaultTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FaultTarget {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FaultTarget::parse(s)
    }
}

/// What a faulted request gets.
///
/// ```
/// use std::time::Duration;
/// use fiks_integrasjon_mock::Fault;
/// assert_eq!(Fault::parse("503"), Ok(Fault::Status(503)));
/// assert_eq!(Fault::parse("429:5"), Ok(Fault::TooManyRequests { retry_after_secs: 5 }));
/// assert_eq!(Fault::parse("delay:500ms"), Ok(Fault::Delay(Duration::from_millis(500))));
/// assert_eq!(Fault::parse("drop"), Ok(Fault::Drop));
/// assert_eq!(Fault::Status(503).to_string(), "503");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// No fault: the normal answer (useful in a cycle).
    None,
    /// That status (5xx) answered in the service's own error format.
    Status(u16),
    /// 429 Too Many Requests with `Retry-After: <retry_after_secs>`.
    TooManyRequests {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// 200 OK with a body that is not JSON.
    Garbage,
    /// 502 with a proxy's HTML error page (`text/html`).
    Html502,
    /// Close the TCP connection without any response.
    Drop,
    /// 200 with a JSON-looking body that never ends (chunked, no length).
    Endless,
    /// 400 with a JSON error body that never ends (chunked, no length).
    EndlessError,
    /// 200 with a body of exactly this many bytes, announced in `Content-Length`.
    Big(u64),
    /// The normal answer's body sent one byte a second.
    Trickle,
    /// The normal answer with its full `Content-Length`, but only half its body before the
    /// connection closes.
    Cut,
    /// The status line and one header line, then nothing: the head never finishes.
    PartialHead,
    /// A well-formed token answer sent as `Content-Type: text/html` (a login page's type).
    WrongContentType,
    /// A token answer whose `expires_in` is this raw JSON (`0`, `-5`, `1e12`, `"600"`).
    ExpiresIn(String),
    /// 503 with `Retry-After` as an HTTP date this many seconds from now (negative: the past).
    RetryAfterDate(i64),
    /// 302 to another origin (`Location: https://elsewhere.invalid/…`).
    Redirect,
}

impl Fault {
    /// Parses a fault mode: `none`, a 5xx status (`503`), `429` or `429:<secs>`,
    /// `delay:<n>s` / `delay:<n>ms`, `garbage`, `html502`, `drop`, or one of the hostile modes:
    /// `endless`, `endless_error`, `big:<bytes>`, `trickle`, `cut`, `partial_head`,
    /// `wrong_content_type`, `expires_in:<json>`, `retry_after_date:<secs>`, `redirect`.
    pub fn parse(s: &str) -> Result<Fault, String> {
        let s = s.trim().to_ascii_lowercase();
        let bad = |why: &str| format!("invalid fault '{s}': {why}");
        match s.as_str() {
            "none" | "ok" => return Ok(Fault::None),
            "garbage" => return Ok(Fault::Garbage),
            "html502" | "html" => return Ok(Fault::Html502),
            "drop" => return Ok(Fault::Drop),
            "endless" => return Ok(Fault::Endless),
            "endless_error" => return Ok(Fault::EndlessError),
            "trickle" => return Ok(Fault::Trickle),
            "cut" => return Ok(Fault::Cut),
            "partial_head" => return Ok(Fault::PartialHead),
            "wrong_content_type" => return Ok(Fault::WrongContentType),
            "redirect" => return Ok(Fault::Redirect),
            "429" => return Ok(Fault::TooManyRequests { retry_after_secs: 1 }),
            _ => {}
        }
        if let Some(secs) = s.strip_prefix("429:") {
            let retry_after_secs = secs.parse().map_err(|_| bad("Retry-After must be whole seconds, e.g. 429:5"))?;
            return Ok(Fault::TooManyRequests { retry_after_secs });
        }
        if let Some(n) = s.strip_prefix("big:") {
            return n.parse().map(Fault::Big).map_err(|_| bad("big:<bytes> needs a whole number"));
        }
        if let Some(v) = s.strip_prefix("expires_in:") {
            return serde_json::from_str::<serde_json::Value>(v)
                .map(|_| Fault::ExpiresIn(v.to_string()))
                .map_err(|_| bad("expires_in:<json> needs a JSON value, e.g. expires_in:0 or expires_in:\"600\""));
        }
        if let Some(n) = s.strip_prefix("retry_after_date:") {
            return n
                .parse()
                .map(Fault::RetryAfterDate)
                .map_err(|_| bad("retry_after_date:<seconds from now> needs a whole number"));
        }
        if let Some(d) = s.strip_prefix("delay:") {
            return parse_duration(d).map(Fault::Delay).map_err(|e| bad(&e));
        }
        match s.parse::<u16>() {
            Ok(code) if (500..=599).contains(&code) => Ok(Fault::Status(code)),
            Ok(_) => Err(bad("a status fault must be 5xx (or 429)")),
            Err(_) => Err(bad(
                "use 5xx, 429, 429:<secs>, delay:<n>s, delay:<n>ms, garbage, html502, drop, endless, endless_error, \
                 big:<bytes>, trickle, cut, partial_head, wrong_content_type, expires_in:<json>, \
                 retry_after_date:<secs>, redirect or none",
            )),
        }
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let (digits, scale) = if let Some(ms) = s.strip_suffix("ms") {
        (ms, 1)
    } else if let Some(secs) = s.strip_suffix('s') {
        (secs, 1000)
    } else {
        return Err("a delay needs a unit: delay:2s or delay:500ms".to_string());
    };
    let n: u64 = digits.parse().map_err(|_| "a delay must be a whole number, e.g. delay:2s".to_string())?;
    Ok(Duration::from_millis(n.saturating_mul(scale)))
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::None => f.write_str("none"),
            Fault::Status(code) => write!(f, "{code}"),
            Fault::TooManyRequests { retry_after_secs } => write!(f, "429:{retry_after_secs}"),
            Fault::Delay(d) => write!(f, "delay:{}ms", d.as_millis()),
            Fault::Garbage => f.write_str("garbage"),
            Fault::Html502 => f.write_str("html502"),
            Fault::Drop => f.write_str("drop"),
            Fault::Endless => f.write_str("endless"),
            Fault::EndlessError => f.write_str("endless_error"),
            Fault::Big(n) => write!(f, "big:{n}"),
            Fault::Trickle => f.write_str("trickle"),
            Fault::Cut => f.write_str("cut"),
            Fault::PartialHead => f.write_str("partial_head"),
            Fault::WrongContentType => f.write_str("wrong_content_type"),
            Fault::ExpiresIn(v) => write!(f, "expires_in:{v}"),
            Fault::RetryAfterDate(n) => write!(f, "retry_after_date:{n}"),
            Fault::Redirect => f.write_str("redirect"),
        }
    }
}

impl FromStr for Fault {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::parse(s)
    }
}

/// A targeted fault as the `--fault` flag writes it: `TARGET:MODE[*N]`, e.g. `token:503`,
/// `fiks:429:5*3`, `token:delay:2s`, `metadata:garbage`. `*N` repeats it for the next N requests (default 1);
/// `*` alone makes it answer every request (a cycle of one).
///
/// ```
/// use fiks_integrasjon_mock::{Fault, FaultSpec, FaultTarget};
/// let spec = FaultSpec::parse("fiks:429:5*3").unwrap();
/// assert_eq!(spec.target, FaultTarget::Fiks);
/// assert_eq!(spec.fault, Fault::TooManyRequests { retry_after_secs: 5 });
/// assert_eq!(spec.times, Some(3));
/// assert_eq!(FaultSpec::parse("token:drop*").unwrap().times, None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    /// The side it applies to.
    pub target: FaultTarget,
    /// The fault.
    pub fault: Fault,
    /// How many of the next requests get it; `None` means every request from now on.
    pub times: Option<usize>,
}

impl FaultSpec {
    /// Parses `TARGET:MODE[*N]` (see the type's documentation).
    pub fn parse(s: &str) -> Result<FaultSpec, String> {
        let s = s.trim();
        let (target, rest) =
            s.split_once(':').ok_or_else(|| format!("invalid fault '{s}': write TARGET:MODE, e.g. token:503"))?;
        let target = FaultTarget::parse(target)?;
        let (mode, times) = match rest.rsplit_once('*') {
            Some((mode, "")) => (mode, None),
            Some((mode, n)) => {
                let n: usize = n.parse().map_err(|_| format!("invalid fault '{s}': *N needs a whole number"))?;
                (mode, Some(n))
            }
            None => (rest, Some(1)),
        };
        Ok(FaultSpec { target, fault: Fault::parse(mode)?, times })
    }
}

impl FromStr for FaultSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FaultSpec::parse(s)
    }
}

/// The queued and cycling faults of one target.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    queue: VecDeque<Fault>,
    cycle: Vec<Fault>,
    next_in_cycle: usize,
}

impl FaultBook {
    /// Queues `fault` for the next `times` requests (after what is already queued).
    pub(crate) fn push(&mut self, fault: Fault, times: usize) {
        self.queue.extend(std::iter::repeat_n(fault, times));
    }

    /// Replaces the cycle; an empty one clears it.
    pub(crate) fn set_cycle(&mut self, cycle: Vec<Fault>) {
        self.cycle = cycle;
        self.next_in_cycle = 0;
    }

    /// Forgets queue and cycle.
    pub(crate) fn clear(&mut self) {
        self.queue.clear();
        self.set_cycle(Vec::new());
    }

    /// The fault for the request that just arrived: queued faults first, then the cycle.
    pub(crate) fn take(&mut self) -> Fault {
        if let Some(f) = self.queue.pop_front() {
            return f;
        }
        if self.cycle.is_empty() {
            return Fault::None;
        }
        let f = self.cycle[self.next_in_cycle % self.cycle.len()].clone();
        self.next_in_cycle = (self.next_in_cycle + 1) % self.cycle.len();
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_before_cycle() {
        let mut b = FaultBook::default();
        b.set_cycle(vec![Fault::None, Fault::Status(500)]);
        b.push(Fault::Drop, 2);
        let got: Vec<_> = (0..5).map(|_| b.take()).collect();
        assert_eq!(got, [Fault::Drop, Fault::Drop, Fault::None, Fault::Status(500), Fault::None]);
        b.clear();
        assert_eq!(b.take(), Fault::None);
    }

    #[test]
    fn parse_round_trips() {
        for s in ["none", "503", "500", "429:5", "delay:2000ms", "garbage", "html502", "drop"] {
            assert_eq!(Fault::parse(s).map(|f| f.to_string()), Ok(s.to_string()));
        }
        assert_eq!(Fault::parse("delay:2s"), Ok(Fault::Delay(Duration::from_secs(2))));
        for bad in ["404", "200", "delay:2", "delay:xs", "429:x", "boom", ""] {
            assert!(Fault::parse(bad).is_err(), "{bad}");
        }
        assert!(FaultSpec::parse("503").is_err());
        assert!(FaultSpec::parse("nowhere:503").is_err());
        assert!(FaultSpec::parse("token:503*x").is_err());
        assert_eq!(
            FaultSpec::parse("token:503"),
            Ok(FaultSpec { target: FaultTarget::Token, fault: Fault::Status(503), times: Some(1) })
        );
    }
}
