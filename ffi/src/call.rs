//! Completion-based calls: `fiks_client_*_async` return at once and hand their result to a
//! callback, so no caller thread is blocked while a token is on its way. Built on the core's
//! [`fiks::blocking::Client::start`]: the callback runs exactly once — with the result, an
//! error, or `FIKS_ERROR_CANCELLED`.
//!
//! The rules every `_async` function shares are on [`fiks_call`] (they reach the header).

use std::ffi::{c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::sync::Arc;

use fiks::blocking::Call;
use fiks::{FiksHeaders, TokenRequest};

use crate::args;
use crate::boundary::{status_boundary, value_boundary};
use crate::castable::{Castable, free_box, into_ptr, ref_from_ptr, try_ref};
use crate::client::{ClientData, fiks_client, owned_token};
use crate::error::{ErrorData, fiks_error};
use crate::headers::{HeadersData, fiks_headers};
use crate::request::fiks_request;
use crate::response::{ResponseData, fiks_response};
use crate::status::fiks_status;
use crate::token_request::fiks_token_request;

/// Receives the result of `fiks_client_access_token_async` and
/// `fiks_client_access_token_for_async`: on `FIKS_OK` an owned secret
/// string (free it with `fiks_string_free`, which wipes it) and `error` NULL; otherwise `token`
/// NULL and an owned `error` (free it with `fiks_error_free`).
///
/// Ownership: the callback owns `token` and `error` (free them); `user_data` stays the caller's.
/// Thread safety: called once, on the library thread (see `fiks_call`); it must not block.
pub type fiks_token_callback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, status: fiks_status, token: *mut c_char, error: *mut fiks_error),
>;

/// Receives the result of `fiks_client_headers_async`: on `FIKS_OK` owned headers (free them
/// with `fiks_headers_free`) and `error` NULL; otherwise `headers` NULL and an owned `error`.
///
/// Ownership: the callback owns `headers` and `error` (free them); `user_data` stays the caller's.
/// Thread safety: called once, on the library thread (see `fiks_call`); it must not block.
pub type fiks_headers_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        status: fiks_status,
        headers: *mut fiks_headers,
        error: *mut fiks_error,
    ),
>;

/// Receives the result of `fiks_client_send_async`: on `FIKS_OK` an owned response (free it
/// with `fiks_response_free`) and `error` NULL; otherwise `response` NULL and an owned `error`
/// (`FIKS_ERROR_API` for a non-2xx answer, with its fields).
///
/// Ownership: the callback owns `response` and `error` (free them); `user_data` stays the caller's.
/// Thread safety: called once, on the library thread (see `fiks_call`); it must not block.
pub type fiks_response_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        status: fiks_status,
        response: *mut fiks_response,
        error: *mut fiks_error,
    ),
>;

/// A pending call started by a `fiks_client_*_async` function: cancel it with
/// `fiks_call_cancel`. The rules every `_async` function shares:
/// - **Starting**: argument and policy errors (NULL, bad UTF-8, a URL the Fiks headers may not
///   go to, a client used after `fork()`) are returned by the function itself, with
///   `*error_out` set, and then the callback never runs. On `FIKS_OK` the callback runs exactly
///   once, never on the thread that started the call — but possibly before the starting
///   function has returned, so a callback must not count on `*call_out` being written yet.
/// - **Which thread**: the client's own library thread (named `fiks-integrasjon`), or — for
///   calls still pending when the client is freed — the thread calling `fiks_client_free`,
///   before it returns (unless a callback there blocks the library thread for more than 2 s).
/// - **What the callback may do**: free or keep its result and error (it owns them), free the
///   call, start other `_async` calls, even free the client (the calls still pending then end
///   with `FIKS_ERROR_CANCELLED` on the library thread). It must not block: it runs on the one
///   thread that does this client's I/O. Waiting functions (`fiks_client_headers`, ...) called
///   from it return `FIKS_ERROR_USAGE` instead of blocking.
/// - **Ownership**: on `FIKS_OK` the callback receives the owned result and `error` is NULL;
///   otherwise the result is NULL and `error` is an owned `fiks_error *`. `user_data` is passed
///   through untouched: it must stay valid until the callback has run, and be usable from the
///   library thread.
///
/// Ownership: written to `*call_out` by the starting function (pass NULL there if you never
/// cancel), owned by the caller, freed with `fiks_call_free` — before or after the callback has
/// run; freeing does not cancel. Thread safety: `fiks_call_cancel` may be called from any
/// thread, also while the callback runs (it then does nothing).
pub struct fiks_call {
    _private: [u8; 0],
}

impl Castable for fiks_call {
    type RustType = Call;
}

/// The caller's `user_data`, carried to the library thread. The caller promises (contract of
/// every `_async` function) that it may be used there.
struct UserData(*mut c_void);

// SAFETY: `user_data` is only passed back to the caller's callback; the caller guarantees it is
// usable from the library thread (documented on every `_async` function).
unsafe impl Send for UserData {}

/// Turns a core result into what a callback receives: the status, an owned result (or NULL)
/// and an owned error (or NULL). A panic while converting becomes `FIKS_ERROR_INTERNAL`.
fn outcome<T, C>(
    result: fiks::Result<T>,
    convert: impl FnOnce(T) -> Result<*mut C, ErrorData>,
    function: &'static str,
) -> (fiks_status, *mut C, *mut fiks_error) {
    let converted = catch_unwind(AssertUnwindSafe(|| result.map_err(ErrorData::from).and_then(convert)))
        .unwrap_or_else(|_| Err(ErrorData::panicked(function)));
    match converted {
        Ok(value) => (fiks_status::FIKS_OK, value, ptr::null_mut()),
        Err(error) => (error.status(), ptr::null_mut(), into_ptr::<fiks_error>(error)),
    }
}

/// Writes the call handle when the caller asked for one.
fn hand_out(call: Call, call_out: *mut *mut fiks_call) {
    // SAFETY: a non-NULL `call_out` points at storage for one pointer (contract).
    if let Some(slot) = unsafe { call_out.as_mut() } {
        *slot = into_ptr::<fiks_call>(call);
    }
}

/// Starts fetching a token — `request`, or the configured one when `None` — and hands its
/// result to `callback` on the library thread: what both async token calls do once their
/// arguments are checked.
fn start_token(
    data: &ClientData,
    request: Option<TokenRequest>,
    callback: fiks_token_callback,
    user_data: *mut c_void,
    call_out: *mut *mut fiks_call,
    name: &'static str,
) -> Result<(), ErrorData> {
    let callback = callback_arg(callback)?;
    let user_data = UserData(user_data);
    let call = data.client.start(
        move |c| async move {
            match request {
                Some(r) => c.token_for(&r).await,
                None => c.token().await,
            }
        },
        move |result| {
            let user_data = user_data;
            let (status, token, error) = outcome(result, |t| owned_token(t.access_token()), name);
            // SAFETY: the caller's callback, with the arguments its contract describes.
            unsafe { callback(user_data.0, status, token, error) }
        },
    )?;
    hand_out(call, call_out);
    Ok(())
}

/// Checks the callback argument.
fn callback_arg<F>(callback: Option<F>) -> Result<F, ErrorData> {
    callback.ok_or_else(|| ErrorData::null_argument("callback"))
}

/// Starts fetching the access token — for the configured scopes when `scopes` is NULL, or for
/// `scopes` (space-separated, cached separately) — and returns at once. A fresh cached token
/// is still delivered through the callback on the library thread; read
/// `fiks_client_cached_access_token` first when you want it without a thread hop. Many calls
/// waiting at once cause one Maskinporten request; cancelling one of them never cancels that
/// request for the others.
///
/// The rules of `fiks_call` apply: the callback runs exactly once when this returns `FIKS_OK`
/// (on the library thread), and never otherwise.
/// Ownership: `scopes` is copied; `*call_out` (when `call_out` is not NULL) is an owned
/// `fiks_call *`; `user_data` is the caller's, passed to `callback` untouched.
/// Thread safety: callable from many threads at once; `callback` runs on the library thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_access_token_async(
    client: *mut fiks_client,
    scopes: *const c_char,
    callback: fiks_token_callback,
    user_data: *mut c_void,
    call_out: *mut *mut fiks_call,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    const NAME: &str = "fiks_client_access_token_async";
    status_boundary(NAME, error_out, || {
        let data = try_ref!(client);
        let request = match args::opt_str_arg(scopes, "scopes")? {
            Some(s) if s.trim().is_empty() => {
                return Err(ErrorData::invalid_argument("`scopes` is empty: give at least one scope, or NULL"));
            }
            Some(s) => Some(TokenRequest::scopes(s.split_whitespace())),
            None => None,
        };
        start_token(data, request, callback, user_data, call_out, NAME)
    })
}

/// Starts fetching the access token for `request` (see `fiks_client_access_token_for`; copied
/// now, so it may be changed or freed at once) and returns at once. Many calls waiting at once
/// for the same options cause one Maskinporten request; cancelling one of them never cancels
/// that request for the others. Arguments are checked now; the options' combination (and a
/// citizen's client) is checked by the call, and its error comes through the callback.
///
/// The rules of `fiks_call` apply: the callback runs exactly once when this returns `FIKS_OK`
/// (on the library thread), and never otherwise.
/// Ownership: `request` is copied; `*call_out` (when `call_out` is not NULL) is an owned
/// `fiks_call *`; `user_data` is the caller's, passed to `callback` untouched.
/// Thread safety: callable from many threads at once, also with the same `request`; `callback`
/// runs on the library thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_access_token_for_async(
    client: *mut fiks_client,
    request: *const fiks_token_request,
    callback: fiks_token_callback,
    user_data: *mut c_void,
    call_out: *mut *mut fiks_call,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    const NAME: &str = "fiks_client_access_token_for_async";
    status_boundary(NAME, error_out, || {
        let data = try_ref!(client);
        let request = try_ref!(request).clone();
        start_token(data, Some(request), callback, user_data, call_out, NAME)
    })
}

/// Starts getting the three Fiks headers — for a request to `url` when it is not NULL (checked
/// now, like `fiks_client_headers_for_url`: a URL they may not go to is `FIKS_ERROR_USAGE`
/// from this function) — and returns at once. Read `fiks_client_cached_headers` first when you
/// want fresh cached headers without a thread hop.
///
/// The rules of `fiks_call` apply: the callback runs exactly once when this returns `FIKS_OK`
/// (on the library thread), and never otherwise.
/// Ownership: `url` is only read; `*call_out` (when `call_out` is not NULL) is an owned
/// `fiks_call *`; `user_data` is passed to `callback` untouched.
/// Thread safety: callable from many threads at once; `callback` runs on the library thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_headers_async(
    client: *mut fiks_client,
    url: *const c_char,
    callback: fiks_headers_callback,
    user_data: *mut c_void,
    call_out: *mut *mut fiks_call,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    const NAME: &str = "fiks_client_headers_async";
    status_boundary(NAME, error_out, || {
        let data = try_ref!(client);
        if let Some(url) = args::opt_str_arg(url, "url")? {
            data.client.check_url(url)?;
        }
        let callback = callback_arg(callback)?;
        let user_data = UserData(user_data);
        let call = data.client.start(
            move |c| async move { c.headers().await },
            move |result: fiks::Result<Arc<FiksHeaders>>| {
                let user_data = user_data;
                let (status, headers, error) =
                    outcome(result, |h| Ok(into_ptr::<fiks_headers>(HeadersData::new(&h))), NAME);
                // SAFETY: the caller's callback, with the arguments its contract describes.
                unsafe { callback(user_data.0, status, headers, error) }
            },
        )?;
        hand_out(call, call_out);
        Ok(())
    })
}

/// Starts sending `request` (built with `fiks_request_new`; copied now, so it may be changed
/// or freed at once) with the Fiks headers and returns at once; the same call as
/// `fiks_client_send` — retries, its deadline, one token renewal after a 401 — with the
/// answer delivered to `callback`. Cancelling stops it where it is (a request already on the
/// wire may still reach the server).
///
/// The rules of `fiks_call` apply: the callback runs exactly once when this returns `FIKS_OK`
/// (on the library thread), and never otherwise.
/// Ownership: `request` is copied; `*call_out` (when `call_out` is not NULL) is an owned
/// `fiks_call *`; `user_data` is passed to `callback` untouched.
/// Thread safety: callable from many threads at once; `callback` runs on the library thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_send_async(
    client: *mut fiks_client,
    request: *const fiks_request,
    callback: fiks_response_callback,
    user_data: *mut c_void,
    call_out: *mut *mut fiks_call,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    const NAME: &str = "fiks_client_send_async";
    status_boundary(NAME, error_out, || {
        let data = try_ref!(client);
        let request = try_ref!(request).clone();
        let callback = callback_arg(callback)?;
        let user_data = UserData(user_data);
        let call = data.client.start(
            move |c| async move { c.request(request).await },
            move |result| {
                let user_data = user_data;
                let (status, response, error) =
                    outcome(result, |r| Ok(into_ptr::<fiks_response>(ResponseData::from(r))), NAME);
                // SAFETY: the caller's callback, with the arguments its contract describes.
                unsafe { callback(user_data.0, status, response, error) }
            },
        )?;
        hand_out(call, call_out);
        Ok(())
    })
}

/// Cancels a pending call: its callback then runs once with `FIKS_ERROR_CANCELLED` (problem
/// "cancelled"), soon, on the library thread — unless its result is already being delivered,
/// and then nothing changes. A token fetch that other calls wait for goes on. NULL, a second
/// cancel, or a cancel after the callback ran, does nothing.
///
/// Ownership: `call` is only read. Thread safety: any thread, also from inside a callback.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_call_cancel(call: *const fiks_call) {
    value_boundary(|| {
        // SAFETY: a non-NULL call comes from an `_async` function and is not freed yet (contract).
        if let Some(call) = unsafe { ref_from_ptr(call) } {
            call.cancel();
        }
    })
}

/// Whether the call has ended: its callback has returned (while it runs, not yet). False for NULL.
///
/// Ownership: `call` is only read. Thread safety: any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_call_is_finished(call: *const fiks_call) -> bool {
    value_boundary(|| {
        // SAFETY: a non-NULL call comes from an `_async` function and is not freed yet (contract).
        unsafe { ref_from_ptr(call) }.is_some_and(Call::is_finished)
    })
}

/// Frees a call handle; the call itself goes on (cancel it first to stop it). NULL is a no-op.
///
/// Ownership: takes ownership of `call`. Thread safety: any thread, once, when no other
/// thread uses the handle (a callback may free its own call's handle).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_call_free(call: *mut fiks_call) {
    // SAFETY: a non-NULL call comes from an `_async` function and is freed once (contract).
    value_boundary(|| unsafe { free_box(call) })
}

/// The access token when a fresh one is cached: returns true and writes an owned secret string
/// to `*token_out` (free it with `fiks_string_free`). Returns false, writing nothing, when none
/// is cached or it is due for renewal (then start `fiks_client_access_token_async`), or for a
/// NULL argument. Never waits, never does I/O: what bindings read before starting a call.
///
/// Ownership: `*token_out` on true. Thread safety: any thread, many at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_cached_access_token(
    client: *const fiks_client,
    token_out: *mut *mut c_char,
) -> bool {
    value_boundary(|| {
        // SAFETY: a non-NULL client comes from `fiks_client_new` and is not freed yet (contract).
        let (Some(data), Some(out)) = (unsafe { ref_from_ptr(client) }, unsafe { token_out.as_mut() }) else {
            return false;
        };
        let Some(token) = data.client.cached_token() else {
            return false;
        };
        match owned_token(token.access_token()) {
            Ok(t) => {
                *out = t;
                true
            }
            Err(_) => false,
        }
    })
}

/// The Fiks headers when a fresh token is cached: returns true and writes owned headers to
/// `*headers_out` (free them with `fiks_headers_free`). Returns false, writing nothing, when no
/// fresh token is cached (then start `fiks_client_headers_async`), when `url` is not NULL and
/// the headers may not go there, or for a NULL argument. Never waits, never does I/O.
///
/// Ownership: `url` is only read; `*headers_out` on true. Thread safety: any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_cached_headers(
    client: *const fiks_client,
    url: *const c_char,
    headers_out: *mut *mut fiks_headers,
) -> bool {
    value_boundary(|| {
        // SAFETY: a non-NULL client comes from `fiks_client_new` and is not freed yet (contract).
        let (Some(data), Some(out)) = (unsafe { ref_from_ptr(client) }, unsafe { headers_out.as_mut() }) else {
            return false;
        };
        match args::opt_str_arg(url, "url") {
            Ok(Some(url)) if !data.client.may_send_headers(url) => return false,
            Ok(_) => {}
            Err(_) => return false,
        }
        let Some(headers) = data.client.cached_headers() else {
            return false;
        };
        *out = into_ptr::<fiks_headers>(HeadersData::new(&headers));
        true
    })
}
