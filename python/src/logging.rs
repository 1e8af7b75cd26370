//! Hands the core's log events to the Python logger `fiks_integrasjon`.
//!
//! The core's [`Forwarder`] (the one every binding uses) is installed at import as the
//! process's global subscriber (left alone when the process already has one); its sink makes
//! a `logging.LogRecord` of each [`LogRecord`]. Which events the core emits, at which level and
//! with which fields, is decided in core (`fiks_integrasjon::log`); this module only
//! translates.
//!
//! The Python logger's threshold is mirrored in the forwarder's level, refreshed whenever
//! Python calls a slow path of the client (with the GIL already held), so an event for a level
//! the logger ignores costs one atomic load and no GIL. Events emitted on the runtime thread
//! take the GIL with `Python::try_attach`: no thread ever waits on the runtime while holding
//! the GIL (every blocking call releases it first), so this cannot deadlock, and during
//! interpreter shutdown it gives up instead.
//!
//! Each record carries `fiks_target` (the core module) and `fiks_fields` (a `dict` of the
//! event's fields: `attempt`, `delay_ms`, `error`, `lifetime_s`, `key`, …); its message is the
//! event's message followed by ` name=value` for each field.

use std::sync::OnceLock;

use fiks_integrasjon::log::{Forwarder, LevelHandle, LogLevel, LogRecord};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};

/// The Python logger's name.
pub(crate) const LOGGER: &str = "fiks_integrasjon";

/// The level of the installed forwarder, when it is ours.
static LEVEL: OnceLock<LevelHandle> = OnceLock::new();

/// Installs the forwarder as the process's global default, unless one is set.
pub(crate) fn install(py: Python<'_>) {
    let forwarder = Forwarder::new(LogLevel::Warn, |record| {
        let _ = Python::try_attach(|py| emit(py, record));
    });
    let level = forwarder.level_handle();
    if tracing::subscriber::set_global_default(forwarder).is_ok() {
        let _ = LEVEL.set(level);
    }
    refresh(py);
}

/// Re-reads the Python logger's threshold (call with the GIL held, before releasing it).
pub(crate) fn refresh(py: Python<'_>) {
    let Some(handle) = LEVEL.get() else { return };
    let most_verbose = logger(py)
        .and_then(|l| {
            for level in [LogLevel::Trace, LogLevel::Debug, LogLevel::Info, LogLevel::Warn, LogLevel::Error] {
                if l.call_method1("isEnabledFor", (python_level(level),))?.is_truthy()? {
                    return Ok(level);
                }
            }
            Ok(LogLevel::Off)
        })
        .unwrap_or(LogLevel::Off);
    handle.set(most_verbose);
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

/// The `logging` level number of a core level (`Trace` is 5, below `DEBUG`).
fn python_level(level: LogLevel) -> u8 {
    match level {
        LogLevel::Off | LogLevel::Error => 40,
        LogLevel::Warn => 30,
        LogLevel::Info => 20,
        LogLevel::Debug => 10,
        LogLevel::Trace => 5,
    }
}

fn emit(py: Python<'_>, record: &LogRecord) -> PyResult<()> {
    let level = python_level(record.level);
    let logger = logger(py)?;
    if !logger.call_method1("isEnabledFor", (level,))?.is_truthy()? {
        return Ok(());
    }
    let extra = PyDict::new(py);
    extra.set_item("fiks_target", &record.target)?;
    let fields = PyDict::new(py);
    for (k, v) in &record.fields {
        fields.set_item(*k, v)?;
    }
    extra.set_item("fiks_fields", fields)?;
    let kw = PyDict::new(py);
    kw.set_item("extra", extra)?;
    let made = logger.call_method(
        "makeRecord",
        (
            LOGGER,
            level,
            record.file.unwrap_or("<rust>"),
            record.line.unwrap_or(0),
            record.line(),
            PyTuple::empty(py),
            py.None(),
        ),
        Some(&kw),
    )?;
    logger.call_method1("handle", (made,))?;
    Ok(())
}
