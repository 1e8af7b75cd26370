//! `fiks_client`: tokens, headers and Fiks calls through the core's blocking client.

use std::ffi::{CString, c_char};

use fiks::TokenRequest;
use fiks::blocking::Client;

use crate::args;
use crate::boundary::{status_boundary, value_boundary};
use crate::castable::{Castable, into_ptr, take_box, try_out, try_ref};
use crate::config::fiks_config;
use crate::error::{ErrorData, fiks_error};
use crate::headers::{HeadersData, fiks_headers};
use crate::response::{ResponseData, fiks_response};
use crate::status::fiks_status;

/// A client: keeps Maskinporten tokens cached and fresh, builds the Fiks headers and calls
/// Fiks APIs. It owns one background thread.
///
/// Ownership: created by `fiks_client_new`, owned by the caller, freed with `fiks_client_free`.
/// Thread safety: safe to share between threads; every `fiks_client_*` call may run on many
/// threads at once (a token is fetched once for all of them). It may be freed from any thread
/// (a finalizer thread too, or a completion callback) once no blocking call on it is running;
/// calls started with the `_async` functions may still be pending (see `fiks_client_free`).
/// After `fork()` the child must not use the parent's client beyond cached reads: calls that
/// need the network return `FIKS_ERROR_USAGE` (never hang); create a new client in the child.
pub struct fiks_client {
    _private: [u8; 0],
}

impl Castable for fiks_client {
    type RustType = ClientData;
}

/// The Rust value behind a `fiks_client *`.
pub(crate) struct ClientData {
    pub(crate) client: Client,
}

/// Builds a client from `config`: validates every key and loads the certificate, so
/// configuration and certificate problems are reported here, before any network call
/// (`FIKS_ERROR_CONFIG`, `FIKS_ERROR_CERTIFICATE`). No token is fetched yet.
///
/// Ownership: `config` is only read (free it when you like); on success `*client_out`
/// receives a client owned by the caller, freed with `fiks_client_free`.
/// Thread safety: callable from any thread; `config` must not be changed meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_new(
    config: *const fiks_config,
    client_out: *mut *mut fiks_client,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_new", error_out, || {
        let builder = try_ref!(config);
        let out = try_out!(client_out);
        let client = Client::new(builder.build()?)?;
        *out = into_ptr::<fiks_client>(ClientData { client });
        Ok(())
    })
}

/// Frees a client and stops its background thread, waiting for it at most 2 seconds (so a
/// program that frees its client leaves no thread behind). NULL is a no-op. Calls started with
/// the `_async` functions and still pending end with `FIKS_ERROR_CANCELLED` (problem
/// "client_closed"): their callbacks have run when this returns (on the library thread or this
/// one), unless a callback blocks the library thread past the 2 seconds. Called from a
/// callback, it returns at once and the other pending callbacks run after it. In a forked child
/// the parent's client is only forgotten (its thread and sockets belong to the parent), never
/// torn down — the core's one fork rule.
///
/// Ownership: takes ownership of `client`; objects obtained from it (tokens, headers,
/// responses, errors) stay valid and are freed separately.
/// Thread safety: any thread (e.g. a .NET finalizer), once, when no call on it is running.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_free(client: *mut fiks_client) {
    value_boundary(|| {
        // SAFETY: a non-NULL client comes from `fiks_client_new` and is freed once (contract).
        drop(unsafe { take_box(client) });
    })
}

/// An owned C string holding a secret token.
pub(crate) fn owned_token(token: &str) -> Result<*mut c_char, ErrorData> {
    let c = CString::new(token).map_err(|_| {
        ErrorData::from(fiks::Error::Transport {
            problem: fiks::TransportProblem::InvalidResponse,
            message: "the access token contains a NUL byte".into(),
            status: None,
        })
    })?;
    Ok(c.into_raw())
}

/// The access token for the configured scopes: from the cache when fresh (no I/O, no lock),
/// otherwise fetched from Maskinporten (one request for all threads asking at once).
///
/// Ownership: on success `*token_out` is an owned secret string: free it with
/// `fiks_string_free` (which wipes it). Thread safety: safe to call from many threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_access_token(
    client: *mut fiks_client,
    token_out: *mut *mut c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_access_token", error_out, || {
        let data = try_ref!(client);
        let out = try_out!(token_out);
        let token = data.client.token()?;
        *out = owned_token(token.access_token())?;
        Ok(())
    })
}

/// The access token for other scopes (`scopes` space-separated, e.g. "ks:fiks ks:other"),
/// cached separately from the configured ones.
///
/// Ownership: on success `*token_out` is an owned secret string: free it with
/// `fiks_string_free`. Thread safety: safe to call from many threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_access_token_for_scopes(
    client: *mut fiks_client,
    scopes: *const c_char,
    token_out: *mut *mut c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_access_token_for_scopes", error_out, || {
        let data = try_ref!(client);
        let scopes = args::str_arg(scopes, "scopes")?;
        let out = try_out!(token_out);
        if scopes.trim().is_empty() {
            return Err(ErrorData::invalid_argument("`scopes` is empty: give at least one scope"));
        }
        let token = data.client.token_for(&TokenRequest::scopes(scopes.split_whitespace()))?;
        *out = owned_token(token.access_token())?;
        Ok(())
    })
}

/// The three Fiks headers (`Authorization: Bearer <token>`, `IntegrasjonId`,
/// `IntegrasjonPassord`) for a request made with your own HTTP client (e.g. libcurl). The
/// token comes from the cache when fresh.
///
/// Ownership: on success `*headers_out` is owned by the caller; free it with
/// `fiks_headers_free`. Thread safety: safe to call from many threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_headers(
    client: *mut fiks_client,
    headers_out: *mut *mut fiks_headers,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_headers", error_out, || {
        let data = try_ref!(client);
        let out = try_out!(headers_out);
        let headers = data.client.headers()?;
        *out = into_ptr::<fiks_headers>(HeadersData::new(&headers));
        Ok(())
    })
}

/// Shared by both request functions: builds the request and sends it.
struct RequestArgs<'a> {
    method: *const c_char,
    path: *const c_char,
    header_names: *const *const c_char,
    header_values: *const *const c_char,
    header_count: usize,
    body: *const u8,
    body_len: usize,
    response_out: *mut *mut fiks_response,
    client: &'a ClientData,
}

fn send(a: RequestArgs<'_>) -> Result<(), ErrorData> {
    let method = args::str_arg(a.method, "method")?;
    let path = args::str_arg(a.path, "path")?;
    let names = args::str_array_arg(a.header_names, a.header_count, "header_names")?;
    let values = args::str_array_arg(a.header_values, a.header_count, "header_values")?;
    let body = args::bytes_arg(a.body, a.body_len, "body")?;
    let response_out = a.response_out;
    let out = try_out!(response_out);
    let mut request = crate::request::new_request(method, path)?;
    if !body.is_empty() {
        request = request.body(body.to_vec(), "application/json");
    }
    for (i, (name, value)) in names.iter().zip(&values).enumerate() {
        request = request
            .try_header(name, value)
            .map_err(|e| crate::request::header_error(&format!("`header_names[{i}]`/`header_values[{i}]`"), e))?;
    }
    let response = a.client.client.request(request)?;
    *out = into_ptr::<fiks_response>(ResponseData::from(response));
    Ok(())
}

/// Sends `method` (e.g. "GET", "post") to `path` (joined to `fiks_base_url`, e.g.
/// "/innsyn-sok/api/v1/sok", or a full URL on the same origin) with the Fiks headers.
/// `body` (`body_len` bytes; NULL only with length 0) is sent as `application/json` when not
/// empty. Transient failures are retried by the core's rule (connection failures always;
/// timeouts and 429/500/502/503/504 for idempotent methods), within `retry_deadline_seconds`.
/// A non-2xx answer returns `FIKS_ERROR_API`: read its fields from `*error_out`.
///
/// Ownership: arguments are copied; on success `*response_out` is owned by the caller and
/// freed with `fiks_response_free`. Thread safety: safe to call from many threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_request(
    client: *mut fiks_client,
    method: *const c_char,
    path: *const c_char,
    body: *const u8,
    body_len: usize,
    response_out: *mut *mut fiks_response,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_request", error_out, || {
        let client = try_ref!(client);
        send(RequestArgs {
            method,
            path,
            header_names: std::ptr::null(),
            header_values: std::ptr::null(),
            header_count: 0,
            body,
            body_len,
            response_out,
            client,
        })
    })
}

/// Like `fiks_client_request`, with `header_count` extra headers: `header_names[i]:
/// header_values[i]` (both arrays NULL only when the count is 0). A `Content-Type` header
/// replaces `application/json` as the body's type (one is sent); headers named like the Fiks
/// headers are ignored (the client's own are sent); a name that is not an RFC 9110 token or a
/// value with CR/LF is `FIKS_ERROR_INVALID_ARGUMENT`. For a per-call timeout, use
/// `fiks_request_new` and `fiks_client_send`.
///
/// Ownership: arguments are copied; on success `*response_out` is owned by the caller and
/// freed with `fiks_response_free`. Thread safety: safe to call from many threads at once.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn fiks_client_request_with_headers(
    client: *mut fiks_client,
    method: *const c_char,
    path: *const c_char,
    header_names: *const *const c_char,
    header_values: *const *const c_char,
    header_count: usize,
    body: *const u8,
    body_len: usize,
    response_out: *mut *mut fiks_response,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_request_with_headers", error_out, || {
        let client = try_ref!(client);
        send(RequestArgs {
            method,
            path,
            header_names,
            header_values,
            header_count,
            body,
            body_len,
            response_out,
            client,
        })
    })
}

/// Sends `request` (built with `fiks_request_new`) with the Fiks headers. The whole call — a
/// token fetch, retries and waits included — ends by the request's timeout
/// (`fiks_request_set_timeout_ms`, default `retry_deadline_seconds`). A 401 renews the token
/// once; a 401 to that fresh token is `FIKS_ERROR_API` with status 401, and Fiks refuses the
/// integrasjon (check `integrasjon_id`/`integrasjon_passord`).
///
/// Ownership: `request` is only read (reuse or free it after); on success `*response_out` is
/// owned by the caller, freed with `fiks_response_free`.
/// Thread safety: safe to call from many threads at once, also with the same `request`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_send(
    client: *mut fiks_client,
    request: *const crate::request::fiks_request,
    response_out: *mut *mut fiks_response,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_send", error_out, || {
        let data = try_ref!(client);
        let request = try_ref!(request);
        let out = try_out!(response_out);
        let response = data.client.request(request.clone())?;
        *out = into_ptr::<fiks_response>(ResponseData::from(response));
        Ok(())
    })
}

/// The Fiks headers for a request to `url` made with your own HTTP client (e.g. libcurl):
/// like `fiks_client_headers`, but only when the headers may go to `url` — the same origin as
/// a service's base URL (`fiks_base_url`, `svarut`, `[services]`) under its path, or an origin
/// in `allowed_origins`. Any other URL is
/// `FIKS_ERROR_USAGE` and nothing is written: the token and the integrasjon password never
/// leave the Fiks origins. Call it again for each redirect target.
///
/// Ownership: `url` is only read; on success `*headers_out` is owned by the caller, freed
/// with `fiks_headers_free`. Thread safety: safe to call from many threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_headers_for_url(
    client: *mut fiks_client,
    url: *const c_char,
    headers_out: *mut *mut fiks_headers,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_headers_for_url", error_out, || {
        let data = try_ref!(client);
        let url = args::str_arg(url, "url")?;
        let out = try_out!(headers_out);
        let headers = data.client.headers_for(url)?;
        *out = into_ptr::<fiks_headers>(HeadersData::new(&headers));
        Ok(())
    })
}

/// Whether the Fiks headers may be sent to `url` (see `fiks_client_headers_for_url`); false
/// for NULL, invalid UTF-8 or a URL that does not parse.
///
/// Ownership: `url` is only read. Thread safety: any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_may_send_headers(client: *const fiks_client, url: *const c_char) -> bool {
    value_boundary(|| {
        // SAFETY: a non-NULL client comes from `fiks_client_new` and is not freed yet.
        let Some(data) = (unsafe { crate::castable::ref_from_ptr(client) }) else {
            return false;
        };
        args::str_arg(url, "url").is_ok_and(|u| data.client.may_send_headers(u))
    })
}

/// After your own request got HTTP 401 with `token` (the access token, or the whole
/// `Authorization` value "Bearer ..."): forgets it, so the next `fiks_client_headers` fetches a
/// new one — at most once per token lifetime. `*retry_out` is true when retrying may help (the
/// token was evicted, or a newer one is cached) and false when `token` was itself fetched after
/// a 401: then Fiks refuses the integrasjon (its id or password), and no new token is fetched.
///
/// Ownership: `token` is only read. Thread safety: safe to call from many threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_evict_token(
    client: *mut fiks_client,
    token: *const c_char,
    retry_out: *mut bool,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_evict_token", error_out, || {
        let data = try_ref!(client);
        let token = args::str_arg(token, "token")?;
        let out = try_out!(retry_out);
        *out = data.client.evict_access_token(token);
        Ok(())
    })
}

/// Whether a redirect from `from` to `to` (a `Location` value, maybe relative to `from`) may
/// keep the Fiks headers: the core's rule — the same origin, and `to` allowed (see
/// `fiks_client_headers_for_url`). A redirect to another origin never keeps them, even one in
/// `allowed_origins`. False for NULL, invalid UTF-8 or URLs that do not parse.
///
/// Ownership: both strings are only read. Thread safety: any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_redirect_keeps_headers(
    client: *const fiks_client,
    from: *const c_char,
    to: *const c_char,
) -> bool {
    value_boundary(|| {
        // SAFETY: a non-NULL client comes from `fiks_client_new` and is not freed yet.
        let Some(data) = (unsafe { crate::castable::ref_from_ptr(client) }) else {
            return false;
        };
        match (args::str_arg(from, "from"), args::str_arg(to, "to")) {
            (Ok(from), Ok(to)) => data.client.redirect_keeps_headers(from, to),
            _ => false,
        }
    })
}
