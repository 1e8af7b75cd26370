//! The library's log events, and the one forwarder every binding hands them on with.
//!
//! The core emits `tracing` events under targets starting with `fiks_integrasjon`:
//!
//! | level | when | fields |
//! |---|---|---|
//! | INFO | a Maskinporten token was fetched | `lifetime_s`, `key` (scopes and claims asked for, no secret, `pid` masked), `elapsed_ms` |
//! | INFO | a token request or a Fiks request is retried | `attempt`, `delay_ms`, `error` (why) |
//! | INFO | a token request or a Fiks request failed for good | `error`, `attempts`, and for Fiks `method`, `path`, `status`, `error_id` |
//! | WARN | Fiks refused the integrasjon (401 to a fresh token); a background renewal failed; an ignored setting | … |
//! | DEBUG | each token request and Fiks exchange, a 401 that evicts the token, fork handling | … |
//!
//! No event ever carries a secret (password, key, access token, integrasjon password, person
//! token) or a URL's query. Paths are logged without their query.
//!
//! Applications in Rust install any `tracing` subscriber. The bindings install a [`Forwarder`]
//! as the process's global subscriber and give it a sink that hands each [`LogRecord`] to the
//! host: Python's `logging`, a C callback, a .NET event.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use fiks_integrasjon::log::{Forwarder, LogLevel};
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let sink = seen.clone();
//! let forwarder = Forwarder::new(LogLevel::Info, move |r| sink.lock().unwrap().push(r.line()));
//! tracing::subscriber::with_default(forwarder, || {
//!     tracing::info!(target: "fiks_integrasjon::token", attempt = 1, "retrying the token request");
//!     tracing::debug!(target: "fiks_integrasjon::token", "below the level: dropped");
//!     tracing::info!(target: "hyper::client", "not the library's: dropped");
//! });
//! assert_eq!(*seen.lock().unwrap(), ["retrying the token request attempt=1"]);
//! ```

use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::{Interest, Subscriber};
use tracing::{Event, Level, Metadata};

/// A log level as the bindings number it (C `fiks_log_level`, .NET `FiksLogLevel`): lower is
/// more severe; `Off` lets nothing through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum LogLevel {
    /// Nothing is logged.
    Off = 0,
    /// Failures the library could not handle.
    Error = 1,
    /// Something the user should fix or know (an ignored setting, a refused integrasjon).
    Warn = 2,
    /// Token fetches, retries, final failures.
    Info = 3,
    /// Each exchange and decision.
    Debug = 4,
    /// Everything (the library emits nothing at this level today).
    Trace = 5,
}

impl LogLevel {
    /// The level of a `tracing` level.
    pub fn of(level: &Level) -> LogLevel {
        match *level {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            Level::DEBUG => LogLevel::Debug,
            _ => LogLevel::Trace,
        }
    }

    /// The level for a number (0–5); larger numbers mean `Trace`.
    pub fn from_u8(n: u8) -> LogLevel {
        match n {
            0 => LogLevel::Off,
            1 => LogLevel::Error,
            2 => LogLevel::Warn,
            3 => LogLevel::Info,
            4 => LogLevel::Debug,
            _ => LogLevel::Trace,
        }
    }

    /// A lowercase name: `"off"`, `"error"`, `"warn"`, `"info"`, `"debug"`, `"trace"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Off => "off",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// One event of the library, formatted for a host's logger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// How severe.
    pub level: LogLevel,
    /// The module that emitted it (`fiks_integrasjon::token`, …).
    pub target: String,
    /// The event's message, without the fields.
    pub message: String,
    /// The structured fields, in the order the event gave them.
    pub fields: Vec<(&'static str, String)>,
    /// The source file, when known.
    pub file: Option<&'static str>,
    /// The source line, when known.
    pub line: Option<u32>,
}

impl LogRecord {
    /// The message followed by ` name=value` for each field: the text a plain logger prints.
    pub fn line(&self) -> String {
        let mut s = self.message.clone();
        for (k, v) in &self.fields {
            let _ = write!(s, " {k}={v}");
        }
        s
    }

    /// The record of a `tracing` event.
    pub fn of(event: &Event<'_>) -> LogRecord {
        let meta = event.metadata();
        let mut visitor = FieldVisitor::default();
        event.record(&mut visitor);
        LogRecord {
            level: LogLevel::of(meta.level()),
            target: meta.target().to_string(),
            message: visitor.message,
            fields: visitor.fields,
            file: meta.file(),
            line: meta.line(),
        }
    }
}

#[derive(Default)]
struct FieldVisitor {
    message: String,
    fields: Vec<(&'static str, String)>,
}

impl Visit for FieldVisitor {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.fields.push((field.name(), value.to_string()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.fields.push((field.name(), format!("{value:?}")));
        }
    }
}

/// Whether an event comes from this library (its targets start with `fiks_integrasjon`).
pub fn is_library_target(target: &str) -> bool {
    target == "fiks_integrasjon" || target.starts_with("fiks_integrasjon::")
}

/// The level a [`Forwarder`] lets through, changeable while it is installed (cheap to clone).
#[derive(Debug, Clone)]
pub struct LevelHandle(Arc<AtomicU8>);

impl LevelHandle {
    /// The current level.
    pub fn get(&self) -> LogLevel {
        LogLevel::from_u8(self.0.load(Ordering::Relaxed))
    }

    /// Lets events up to `level` through from now on.
    pub fn set(&self, level: LogLevel) {
        self.0.store(level as u8, Ordering::Relaxed);
    }
}

type Sink = dyn Fn(&LogRecord) + Send + Sync;

/// A `tracing` subscriber that hands the library's events, up to a level, to a sink; every
/// other event (the HTTP stack's, the host's) and every span is dropped. An event below the
/// level costs one atomic load.
pub struct Forwarder {
    level: LevelHandle,
    sink: Box<Sink>,
}

impl fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Forwarder").field("level", &self.level.get()).finish_non_exhaustive()
    }
}

impl Forwarder {
    /// A forwarder letting events up to `level` through to `sink`. The sink runs on the thread
    /// that emitted the event (a caller's thread or the library's runtime thread).
    pub fn new(level: LogLevel, sink: impl Fn(&LogRecord) + Send + Sync + 'static) -> Forwarder {
        Forwarder { level: LevelHandle(Arc::new(AtomicU8::new(level as u8))), sink: Box::new(sink) }
    }

    /// The handle that changes the level later.
    pub fn level_handle(&self) -> LevelHandle {
        self.level.clone()
    }
}

impl Subscriber for Forwarder {
    fn register_callsite(&self, m: &'static Metadata<'static>) -> Interest {
        // `sometimes`: the answer depends on the level, which may change.
        if m.is_event() && is_library_target(m.target()) { Interest::sometimes() } else { Interest::never() }
    }

    fn enabled(&self, m: &Metadata<'_>) -> bool {
        m.is_event() && is_library_target(m.target()) && LogLevel::of(m.level()) <= self.level.get()
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        // Spans are never enabled (see `register_callsite`); tracing still wants an id.
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        (self.sink)(&LogRecord::of(event));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// A path for logs: without query or fragment (they could carry data).
pub(crate) fn path_of(url: &url::Url) -> &str {
    url.path()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn level_changes_take_effect_and_fields_are_kept() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let f = Forwarder::new(LogLevel::Warn, move |r| sink.lock().unwrap().push(r.clone()));
        let level = f.level_handle();
        tracing::subscriber::with_default(f, || {
            tracing::info!(target: "fiks_integrasjon::x", "dropped");
            level.set(LogLevel::Debug);
            tracing::debug!(target: "fiks_integrasjon::x", status = 503u16, path = "/a", "kept");
            tracing::warn!(target: "fiks_integrasjon_mock::x", "another crate: dropped");
        });
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].level, LogLevel::Debug);
        assert_eq!(seen[0].message, "kept");
        assert_eq!(seen[0].fields, vec![("status", "503".to_string()), ("path", "/a".to_string())]);
    }

    #[test]
    fn levels_round_trip() {
        for n in 0..=5u8 {
            assert_eq!(LogLevel::from_u8(n) as u8, n);
        }
        assert_eq!(LogLevel::of(&Level::INFO).as_str(), "info");
    }
}
