//! Forwards the core's `tracing` events to the Python logger `fiks_integrasjon`.
//!
//! A minimal global [`Subscriber`] (installed at import; left alone when the process already
//! has one) that only listens to events whose target is the core crate. The Python logger's
//! threshold is mirrored in an atomic, refreshed whenever Python calls a slow path of the
//! client (with the GIL already held), so an event for a level the logger ignores costs no
//! GIL at all. Events emitted on the runtime thread take the GIL with `Python::try_attach`:
//! no thread ever waits on the runtime while holding the GIL (every blocking call releases
//! it first), so this cannot deadlock, and during interpreter shutdown it gives up instead.
//!
//! The core never puts a secret in an event; this module adds nothing but the event's fields.

use std::fmt::{self, Write as _};
use std::sync::atomic::{AtomicU8, Ordering};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::{Interest, Subscriber};
use tracing::{Event, Level, Metadata};

/// The Python logger's name.
pub(crate) const LOGGER: &str = "fiks_integrasjon";

/// The lowest Python level (10 DEBUG … 50 CRITICAL) the logger is enabled for; `u8::MAX`: none.
static THRESHOLD: AtomicU8 = AtomicU8::new(30);

/// Installs the forwarding subscriber as the process's global default, unless one is set.
pub(crate) fn install(py: Python<'_>) {
    let _ = tracing::subscriber::set_global_default(PyLogging);
    refresh(py);
}

/// Re-reads the Python logger's threshold (call with the GIL held, before releasing it).
pub(crate) fn refresh(py: Python<'_>) {
    let lowest = logger(py)
        .and_then(|l| {
            for level in [10u8, 20, 30, 40, 50] {
                if l.call_method1("isEnabledFor", (level,))?.is_truthy()? {
                    return Ok(level);
                }
            }
            Ok(u8::MAX)
        })
        .unwrap_or(u8::MAX);
    THRESHOLD.store(lowest, Ordering::Relaxed);
}

/// `fiks_integrasjon._native._refresh_logging()`: re-reads the logger's level now (the client
/// does it on every slow path; call this after changing levels to catch background events).
#[pyfunction]
pub(crate) fn _refresh_logging(py: Python<'_>) {
    refresh(py);
}

fn logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    static CELL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    CELL.get_or_try_init(py, || py.import("logging")?.call_method1("getLogger", (LOGGER,)).map(Bound::unbind))
        .map(|l| l.bind(py))
}

fn python_level(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        _ => 5,
    }
}

fn is_core_event(m: &Metadata<'_>) -> bool {
    m.is_event() && m.target().starts_with("fiks_integrasjon") && *m.level() <= Level::DEBUG
}

struct PyLogging;

impl Subscriber for PyLogging {
    fn register_callsite(&self, m: &'static Metadata<'static>) -> Interest {
        // `sometimes`, not `always`: the answer depends on the Python logger's current level.
        if is_core_event(m) { Interest::sometimes() } else { Interest::never() }
    }

    fn enabled(&self, m: &Metadata<'_>) -> bool {
        is_core_event(m) && python_level(m.level()) >= THRESHOLD.load(Ordering::Relaxed)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::DEBUG)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        // Spans are never enabled (see `register_callsite`); tracing still wants an id.
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let _ = Python::try_attach(|py| emit(py, meta, fields));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// An event's message and other fields, formatted.
#[derive(Default)]
struct Fields {
    message: String,
    rest: Vec<(&'static str, String)>,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.rest.push((field.name(), value.to_string()));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.rest.push((field.name(), format!("{value:?}")));
        }
    }
}

fn emit(py: Python<'_>, meta: &Metadata<'_>, fields: Fields) -> PyResult<()> {
    let level = python_level(meta.level());
    let logger = logger(py)?;
    if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        return Ok(());
    }
    let mut msg = fields.message;
    for (k, v) in &fields.rest {
        let _ = write!(msg, " {k}={v}");
    }
    let extra = PyDict::new(py);
    extra.set_item("fiks_target", meta.target())?;
    extra.set_item("fiks_fields", PyDict::from_sequence(&fields.rest.into_pyobject(py)?)?)?;
    let kw = PyDict::new(py);
    kw.set_item("extra", extra)?;
    let record = logger.call_method(
        "makeRecord",
        (LOGGER, level, meta.file().unwrap_or("<rust>"), meta.line().unwrap_or(0), msg, PyTuple::empty(py), py.None()),
        Some(&kw),
    )?;
    logger.call_method1("handle", (record,))?;
    Ok(())
}
