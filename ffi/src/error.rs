//! `fiks_error`: an owned, immutable description of a failure with every structured field.

use std::ffi::{CString, c_char};
use std::ptr;

use crate::args;
use crate::boundary::{status_boundary, value_boundary};
use crate::castable::free_box;
pub use crate::error_data::fiks_error;
pub(crate) use crate::error_data::{ErrorData, FiksFields, OAuthFields, c_string, nul_terminated};
use crate::status::fiks_status;

/// Reads a field of a non-NULL error; NULL error gives the empty value.
fn with_error<T: crate::boundary::PanicOrDefault>(error: *const fiks_error, f: impl FnOnce(&ErrorData) -> T) -> T {
    value_boundary(|| {
        // SAFETY: a non-NULL error comes from this library and is not freed yet (contract).
        match unsafe { crate::castable::ref_from_ptr(error) } {
            Some(e) => f(e),
            None => T::value(),
        }
    })
}

fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(ptr::null(), |c| c.as_ptr())
}

fn fiks_ptr(e: &ErrorData, field: impl FnOnce(&FiksFields) -> &Option<CString>) -> *const c_char {
    e.fiks.as_deref().map_or(ptr::null(), |f| opt_ptr(field(f)))
}

fn oauth_ptr(e: &ErrorData, field: impl FnOnce(&OAuthFields) -> &Option<CString>) -> *const c_char {
    e.oauth.as_deref().map_or(ptr::null(), |o| opt_ptr(field(o)))
}

/// The kind of the error: the status the failing call returned.
/// `FIKS_ERROR_INVALID_ARGUMENT` for NULL.
///
/// Ownership: a plain value; `error` stays owned by the caller. Thread safety: `fiks_error` is
/// immutable; any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_kind(error: *const fiks_error) -> fiks_status {
    value_boundary(|| {
        // SAFETY: as in `with_error`.
        match unsafe { crate::castable::ref_from_ptr(error) } {
            Some(e) => e.status,
            None => fiks_status::FIKS_ERROR_INVALID_ARGUMENT,
        }
    })
}

/// What went wrong (without the hint: see `fiks_error_hint`). Never contains a secret.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Never NULL for a
/// non-NULL error; NULL for NULL. Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_message(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| e.message.as_ptr())
}

/// The HTTP status of the answer that failed (Fiks API, Maskinporten or an unreadable answer),
/// or 0 when there was none (and for NULL).
///
/// Ownership: a plain value. Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_http_status(error: *const fiks_error) -> u16 {
    with_error(error, |e| e.http_status)
}

/// The Fiks `errorId` (quote it to KS support), or NULL.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_id(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| fiks_ptr(e, |f| &f.error_id))
}

/// The Fiks `errorCode`, or NULL.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_code(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| fiks_ptr(e, |f| &f.error_code))
}

/// The Fiks `errorJson` as compact JSON text (a string holding JSON is decoded first), or NULL.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_json(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| fiks_ptr(e, |f| &f.error_json))
}

/// The Fiks `message` (the service's own description), or NULL.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_fiks_message(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| fiks_ptr(e, |f| &f.message))
}

/// The Fiks `path`, or NULL.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_path(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| fiks_ptr(e, |f| &f.path))
}

/// The Fiks `originalPath`, or NULL.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_original_path(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| fiks_ptr(e, |f| &f.original_path))
}

/// The Fiks `error` (the reason phrase, e.g. "Bad Request"), or NULL.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_error(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| fiks_ptr(e, |f| &f.error))
}

/// The Fiks `timestamp` in milliseconds since the epoch: writes it to `*timestamp_ms_out` and
/// returns true; returns false (and writes nothing) when there is none or an argument is NULL.
///
/// Ownership: the value is copied to `*timestamp_ms_out`. Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_timestamp(error: *const fiks_error, timestamp_ms_out: *mut i64) -> bool {
    with_error(error, |e| {
        // SAFETY: a non-NULL out-parameter points at writable storage for one int64_t.
        match (e.fiks.as_ref().and_then(|f| f.timestamp), unsafe { timestamp_ms_out.as_mut() }) {
            (Some(t), Some(out)) => {
                *out = t;
                true
            }
            _ => false,
        }
    })
}

/// Maskinporten's OAuth `error` (e.g. "invalid_grant"), or NULL.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_oauth_error(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| oauth_ptr(e, |o| &o.error))
}

/// Maskinporten's `error_description`, or NULL.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_oauth_description(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| oauth_ptr(e, |o| &o.description))
}

/// The Maskinporten code from the description (e.g. "MP-110"), or NULL.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_mp_code(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| oauth_ptr(e, |o| &o.mp_code))
}

/// What to do about the error (a short hint naming the keys to check), or NULL when there is
/// none. Kept apart from `fiks_error_message`, which never contains it.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_hint(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| opt_ptr(&e.details.hint))
}

/// A stable `snake_case` name for what went wrong within the kind, or NULL: for certificate
/// errors `unreadable`, `not_a_certificate`, `wrong_password`, `key_mismatch`, `expired`,
/// `not_yet_valid`, `self_signed`, `unsupported_key`, `missing`, `signer` (the external signer of
/// `fiks_config_set_signer` failed, timed out or gave a signature that does not verify; config
/// key "signer"); for transport errors `timeout`, `connect`, `tls`, `invalid_response`,
/// `too_large`, `other`; for token errors `maskinporten_refused`,
/// `maskinporten_unavailable`, `person_token_provider`; for API errors `integrasjon_refused`,
/// `redirect`, `not_a_fiks_error` (or NULL). Compare with `strcmp`; names are never reused.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_problem(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| opt_ptr(&e.details.problem))
}

/// The configuration key the error is about (`certificate_password`, `issuer`, `signer`, …), or
/// NULL.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_config_key(error: *const fiks_error) -> *const c_char {
    with_error(error, |e| opt_ptr(&e.details.config_key))
}

/// Whether trying again later may succeed (a connect failure, a timeout, HTTP 429/500/502/503/504
/// from Maskinporten or Fiks): the rule the library retries by. `false` for NULL.
///
/// Ownership: a plain value. Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_is_transient(error: *const fiks_error) -> bool {
    with_error(error, |e| e.details.transient)
}

/// Whether the raw body of an API error (`fiks_error_body`) is only the first 1 MiB of a longer
/// answer: the rest was not read, and the connection was dropped. `false` for NULL and for
/// every other kind of error.
///
/// Ownership: a plain value. Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_body_truncated(error: *const fiks_error) -> bool {
    with_error(error, |e| e.details.body_truncated)
}

/// A response header of the answer that failed, by name (case-insensitive), or NULL when it
/// was absent. Only `Retry-After`, `Location` and `WWW-Authenticate` are kept; any other name
/// gives NULL.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`; `name` is only read
/// during the call. Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_header(error: *const fiks_error, name: *const c_char) -> *const c_char {
    with_error(error, |e| {
        // SAFETY: a non-NULL `name` is a NUL-terminated string (contract).
        let Some(name) = (!name.is_null()).then(|| unsafe { std::ffi::CStr::from_ptr(name) }) else {
            return ptr::null();
        };
        let Ok(name) = name.to_str() else {
            return ptr::null();
        };
        e.details
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
            .map_or(ptr::null(), |(_, v)| v.as_ptr())
    })
}

/// The server's `Retry-After` as a wait in milliseconds (seconds or an HTTP date, capped as
/// the retry rule caps it): writes it to `*ms_out` (when not NULL) and returns `true`; `false`
/// when the answer had none.
///
/// Ownership: a plain value. Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_retry_after_ms(error: *const fiks_error, ms_out: *mut u64) -> bool {
    with_error(error, |e| match e.details.retry_after_ms {
        Some(ms) => {
            // SAFETY: a non-NULL out-parameter points at writable storage for one uint64_t.
            if let Some(out) = unsafe { ms_out.as_mut() } {
                *out = ms;
            }
            true
        }
        None => false,
    })
}

/// The raw body of the Fiks answer (API errors only), its length in `*len_out` (`len_out` may
/// be NULL); NULL when there is none. The body may hold any bytes: use the length. One NUL
/// byte, not counted in the length, follows it.
///
/// Ownership: borrowed from `error`; valid until `fiks_error_free(error)`. Thread safety: any
/// thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_body(error: *const fiks_error, len_out: *mut usize) -> *const u8 {
    with_error(error, |e| match &e.body {
        Some(b) => {
            // SAFETY: a non-NULL out-parameter points at writable storage for one size_t.
            if let Some(out) = unsafe { len_out.as_mut() } {
                *out = b.len() - 1;
            }
            b.as_ptr()
        }
        None => ptr::null(),
    })
}

/// Frees an error. NULL is a no-op.
///
/// Ownership: takes ownership of `error`; every string read from it becomes invalid. Thread
/// safety: any thread may free it, once, when no other thread is reading it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_error_free(error: *mut fiks_error) {
    // SAFETY: a non-NULL error comes from this library and is freed once (contract).
    value_boundary(|| unsafe { free_box(error) })
}

/// Parses a Fiks error body obtained elsewhere (e.g. from your own HTTP client).
/// `http_status` is the answer's HTTP status, or 0 to take it from the body's `status` field.
/// When the status is 400–599 and `body` (`len` bytes; NULL only with `len` 0) has the Fiks
/// error shape (a JSON object with `errorId`, `message` or `error`), returns `FIKS_OK` and
/// writes a `FIKS_ERROR_API` error carrying its fields to `*error_out`. Otherwise (a 2xx body
/// is never an error) returns `FIKS_ERROR_INVALID_ARGUMENT` and `*error_out` says why. With
/// `error_out` NULL only the status is returned.
///
/// Ownership: `*error_out` is owned by the caller either way; free it with `fiks_error_free`.
/// `body` is copied. Thread safety: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_parse_error(
    body: *const u8,
    len: usize,
    http_status: u16,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    let mut parsed: Option<ErrorData> = None;
    // On failure the boundary writes the reason to `*error_out`; on success the API error is
    // written below.
    let status = status_boundary("fiks_parse_error", error_out, || {
        let bytes = args::bytes_arg(body, len, "body")?;
        let status = (http_status != 0).then_some(http_status);
        let e = fiks::error_from_body(bytes, status).ok_or_else(|| {
            ErrorData::invalid_argument(
                "`body` is not a Fiks error: it needs a status of 400-599 (given, or the body's `status`) and the Fiks shape (a JSON object with errorId, message or error)",
            )
        })?;
        parsed = Some(ErrorData::from(e));
        Ok(())
    });
    if status == fiks_status::FIKS_OK {
        value_boundary(|| {
            // SAFETY: a non-NULL `error_out` points at storage for one pointer (contract).
            if let (Some(slot), Some(data)) = (unsafe { error_out.as_mut() }, parsed.take()) {
                *slot = crate::castable::into_ptr::<fiks_error>(data);
            }
        });
    }
    status
}
