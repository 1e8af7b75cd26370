//! `fiks_set_log_callback`: the library's log events (core `fiks_integrasjon::log`) handed to
//! a C function. Off until a callback is set.

use std::cell::Cell;
use std::ffi::{c_char, c_void};
use std::sync::{OnceLock, RwLock};

use fiks::log::{Forwarder, LevelHandle, LogLevel, LogRecord};

use crate::boundary::status_boundary;
use crate::error::{ErrorData, c_string};
use crate::status::fiks_status;

/// How much the library logs; lower is more severe. A callback set with `max_level` receives
/// the events of that level and every more severe one.
///
/// - `FIKS_LOG_ERROR`: failures the library could not handle.
/// - `FIKS_LOG_WARN`: something to fix or know (an ignored setting, a refused integrasjon).
/// - `FIKS_LOG_INFO`: each token fetch (lifetime, what was asked for), each retry (why, delay,
///   attempt) and each final failure.
/// - `FIKS_LOG_DEBUG`: each exchange and decision.
///
/// No event ever carries a secret or a URL's query.
///
/// Ownership: a plain value. Thread safety: a plain value.
///
/// cbindgen:prefix-with-name=false
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum fiks_log_level {
    /// Nothing.
    FIKS_LOG_OFF = 0,
    /// Errors only.
    FIKS_LOG_ERROR = 1,
    /// Warnings and errors.
    FIKS_LOG_WARN = 2,
    /// Token fetches, retries, final failures, and the above.
    FIKS_LOG_INFO = 3,
    /// Every exchange, and the above.
    FIKS_LOG_DEBUG = 4,
    /// Everything.
    FIKS_LOG_TRACE = 5,
}

impl fiks_log_level {
    fn of(level: LogLevel) -> fiks_log_level {
        match level {
            LogLevel::Off => fiks_log_level::FIKS_LOG_OFF,
            LogLevel::Error => fiks_log_level::FIKS_LOG_ERROR,
            LogLevel::Warn => fiks_log_level::FIKS_LOG_WARN,
            LogLevel::Info => fiks_log_level::FIKS_LOG_INFO,
            LogLevel::Debug => fiks_log_level::FIKS_LOG_DEBUG,
            LogLevel::Trace => fiks_log_level::FIKS_LOG_TRACE,
        }
    }
}

/// A log callback: `level`, the module that emitted the event (`target`, e.g.
/// `fiks_integrasjon::token`), the message with its fields as ` name=value` pairs, and the
/// `user_data` given to `fiks_set_log_callback`.
///
/// Ownership: `target` and `message` are borrowed for the call only; copy them to keep them.
/// Thread safety: called on the thread that emitted the event — a caller's thread inside a
/// `fiks_*` call, or a library thread (token renewal in the background) — possibly on several
/// threads at once. It must not call `fiks_set_log_callback`, and should return quickly (the
/// emitting call waits for it). Events emitted while the callback runs on the same thread (it
/// called into the library) are dropped.
pub type fiks_log_callback = Option<
    unsafe extern "C" fn(level: fiks_log_level, target: *const c_char, message: *const c_char, user_data: *mut c_void),
>;

#[derive(Clone, Copy)]
struct Callback {
    function: unsafe extern "C" fn(fiks_log_level, *const c_char, *const c_char, *mut c_void),
    user_data: *mut c_void,
}

// SAFETY: the caller promises (see `fiks_set_log_callback`) that the callback and its
// `user_data` may be used from any thread.
unsafe impl Send for Callback {}
// SAFETY: as above; the pair is only read.
unsafe impl Sync for Callback {}

/// The current callback. Read-locked while a callback runs, so that setting a new one waits
/// for running calls of the old one.
static CALLBACK: RwLock<Option<Callback>> = RwLock::new(None);
/// The installed forwarder's level.
static LEVEL: OnceLock<Result<LevelHandle, ()>> = OnceLock::new();

thread_local! {
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

fn deliver(record: &LogRecord) {
    if IN_CALLBACK.with(|c| c.replace(true)) {
        return;
    }
    if let Ok(guard) = CALLBACK.read()
        && let Some(cb) = *guard
    {
        let target = c_string(record.target.clone());
        let message = c_string(record.line());
        // SAFETY: the callback was given by the caller with this signature; the strings live
        // until after the call.
        unsafe { (cb.function)(fiks_log_level::of(record.level), target.as_ptr(), message.as_ptr(), cb.user_data) };
    }
    IN_CALLBACK.with(|c| c.set(false));
}

/// Sets the process-wide log callback: from now on the library's events up to `max_level`
/// are given to `callback` with `user_data` (see `fiks_log_callback`). A NULL `callback` or
/// `FIKS_LOG_OFF` turns logging off (the default). Replaces any earlier callback; when this
/// returns, the earlier callback is not running and is never called again.
///
/// Fails with `FIKS_ERROR_USAGE` only when something else in the process already installed
/// the global `tracing` subscriber this needs (another Rust library).
///
/// Ownership: `user_data` stays the caller's; it must stay valid until a later
/// `fiks_set_log_callback` call has returned. `*error_out` (on failure) is owned by the caller.
/// Thread safety: callable from any thread, but not from inside the callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_set_log_callback(
    callback: fiks_log_callback,
    user_data: *mut c_void,
    max_level: fiks_log_level,
    error_out: *mut *mut crate::error::fiks_error,
) -> fiks_status {
    status_boundary("fiks_set_log_callback", error_out, || {
        let level = match callback {
            Some(_) => LogLevel::from_u8(max_level as u8),
            None => LogLevel::Off,
        };
        let mut slot = CALLBACK.write().unwrap_or_else(|p| p.into_inner());
        *slot = callback.map(|function| Callback { function, user_data });
        drop(slot);
        if level == LogLevel::Off && LEVEL.get().is_none() {
            // Nothing installed yet, and nothing to install to log nothing.
            return Ok(());
        }
        let handle = LEVEL.get_or_init(|| {
            let forwarder = Forwarder::new(LogLevel::Off, deliver);
            let handle = forwarder.level_handle();
            tracing::subscriber::set_global_default(forwarder).map(|_| handle).map_err(|_| ())
        });
        match handle {
            Ok(h) => {
                h.set(level);
                Ok(())
            }
            Err(()) if level == LogLevel::Off => Ok(()),
            Err(()) => Err(ErrorData::usage(
                "another tracing subscriber is already installed in this process; the library's events go to it",
            )),
        }
    })
}
