//! `fiks_request`: a Fiks call built step by step — method, path, headers, body, timeout —
//! and sent with `fiks_client_send`. Every rule (header syntax, one `Content-Type`, the Fiks
//! headers not overridable, the deadline) is the core's `FiksRequest`.

use std::ffi::c_char;
use std::time::Duration;

use fiks::FiksRequest;

use crate::args;
use crate::boundary::{status_boundary, value_boundary};
use crate::castable::{Castable, free_box, into_ptr, try_mut, try_out};
use crate::error::{ErrorData, fiks_error};
use crate::status::fiks_status;

/// A request to a Fiks API, to send with `fiks_client_send` (once or many times).
///
/// Ownership: created by `fiks_request_new`, owned by the caller, freed with
/// `fiks_request_free`. Thread safety: build it on one thread; once built it may be sent from
/// many threads at once (sending only reads it).
pub struct fiks_request {
    _private: [u8; 0],
}

impl Castable for fiks_request {
    type RustType = FiksRequest;
}

/// The core's header rule, as an argument error naming `which` argument broke it.
pub(crate) fn header_error(which: &str, e: fiks::Error) -> ErrorData {
    let message = match e {
        fiks::Error::Usage { message } => message,
        other => other.to_string(),
    };
    ErrorData::invalid_argument(format!("{which}: {message}"))
}

/// Parses the method and path of a request (shared by every request function).
pub(crate) fn new_request(method: &str, path: &str) -> Result<FiksRequest, ErrorData> {
    let m = FiksRequest::parse_method(method)
        .map_err(|_| ErrorData::invalid_argument(format!("`method` is not an HTTP method: `{method}`")))?;
    Ok(FiksRequest::new(m, path))
}

/// A new request: `method` ("GET", "post", ...) to `path` (joined to `fiks_base_url`, or a full
/// URL on an allowed Fiks origin; checked when sent).
///
/// Ownership: the strings are copied; on success `*request_out` is owned by the caller.
/// Thread safety: any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_request_new(
    method: *const c_char,
    path: *const c_char,
    request_out: *mut *mut fiks_request,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_request_new", error_out, || {
        let method = args::str_arg(method, "method")?;
        let path = args::str_arg(path, "path")?;
        let out = try_out!(request_out);
        *out = into_ptr::<fiks_request>(new_request(method, path)?);
        Ok(())
    })
}

/// Adds a header. `Content-Type` replaces the body's type (one is sent); the Fiks headers
/// cannot be set (they are ignored, with a warning in the log); a name that is not an RFC 9110
/// token, or a value with CR, LF or another control character, is
/// `FIKS_ERROR_INVALID_ARGUMENT` and the request is unchanged.
///
/// Ownership: the strings are copied. Thread safety: not while the request is being sent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_request_set_header(
    request: *mut fiks_request,
    name: *const c_char,
    value: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_request_set_header", error_out, || {
        let r = try_mut!(request);
        let name = args::str_arg(name, "name")?;
        let value = args::str_arg(value, "value")?;
        fiks::request::check_header(name, value).map_err(|e| header_error("`name`/`value`", e))?;
        *r = std::mem::replace(r, FiksRequest::get("")).header(name, value);
        Ok(())
    })
}

/// Sets the body: `len` bytes at `data` (NULL only with length 0) with `content_type` (NULL
/// means `application/json`).
///
/// Ownership: the bytes and the string are copied. Thread safety: not while it is being sent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_request_set_body(
    request: *mut fiks_request,
    data: *const u8,
    len: usize,
    content_type: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_request_set_body", error_out, || {
        let r = try_mut!(request);
        let body = args::bytes_arg(data, len, "data")?;
        let content_type = args::opt_str_arg(content_type, "content_type")?.unwrap_or("application/json");
        fiks::request::check_header("Content-Type", content_type).map_err(|e| header_error("`content_type`", e))?;
        *r = std::mem::replace(r, FiksRequest::get("")).body(body.to_vec(), content_type);
        Ok(())
    })
}

/// Sets the deadline of the whole call in milliseconds — a token fetch, retries, backoff and
/// `Retry-After` waits included (instead of `retry_deadline_seconds`). 0, or more than a day,
/// is `FIKS_ERROR_INVALID_ARGUMENT`.
///
/// Ownership: nothing is transferred. Thread safety: not while the request is being sent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_request_set_timeout_ms(
    request: *mut fiks_request,
    timeout_ms: u64,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_request_set_timeout_ms", error_out, || {
        let r = try_mut!(request);
        if timeout_ms == 0 || timeout_ms > 86_400_000 {
            return Err(ErrorData::invalid_argument(format!(
                "`timeout_ms` must be from 1 to 86400000, got {timeout_ms}"
            )));
        }
        *r = std::mem::replace(r, FiksRequest::get("")).timeout(Duration::from_millis(timeout_ms));
        Ok(())
    })
}

/// Sends the request to the service `name` instead of `fiks`: a relative path is joined onto
/// that service's base URL (`svarut`, or one configured with `fiks_config_set_service` or
/// `[services]`). Used by `fiks_client_send` and `fiks_client_send_async` alike. An unknown
/// name fails the send with `FIKS_ERROR_USAGE` (the client knows the configured names).
///
/// Ownership: `name` is copied. Thread safety: not while the request is being sent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_request_set_service(
    request: *mut fiks_request,
    name: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_request_set_service", error_out, || {
        let r = try_mut!(request);
        let name = args::str_arg(name, "name")?;
        *r = std::mem::replace(r, FiksRequest::get("")).service(name);
        Ok(())
    })
}

/// Sets a `multipart/form-data` body of `parts` (built with `fiks_parts_new`), replacing any
/// body set before; its `Content-Type` with the boundary is set when sending. The core checks
/// the parts now: no parts, more than 1000, or a name, file name or type that would break the
/// part headers is `FIKS_ERROR_INVALID_ARGUMENT`, and the request is unchanged. File parts are
/// streamed from disk on each attempt (retries read them again).
///
/// Ownership: `parts` is copied (byte contents shared), so it may be freed right after.
/// Thread safety: not while the request is being sent; `parts` must not change meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_request_set_multipart(
    request: *mut fiks_request,
    parts: *const crate::parts::fiks_parts,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_request_set_multipart", error_out, || {
        let r = try_mut!(request);
        let parts = crate::castable::try_ref!(parts);
        let with = r.clone().multipart(parts.clone()).map_err(|e| header_error("`parts`", e))?;
        *r = with;
        Ok(())
    })
}

/// Frees a request. NULL is a no-op.
///
/// Ownership: takes ownership of `request`. Thread safety: once, when no call uses it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_request_free(request: *mut fiks_request) {
    // SAFETY: a non-NULL request comes from `fiks_request_new` and is freed once (contract).
    value_boundary(|| unsafe { free_box(request) })
}
