//! `fiks_token_request`: per-call token options (scopes, resource, consumer_org, pid,
//! on_behalf_of, authorization_details) for one client — e.g. an archive system serving many
//! municipalities through delegation with one client. The options, their checks and the cache
//! per request are the core's [`fiks::TokenRequest`]; this module only checks arguments.
//! `fiks_client_access_token_for_async` is in `call.rs` with the other completion-based calls.

use std::ffi::{CString, c_char};
use std::sync::OnceLock;

use fiks::TokenRequest;

use crate::args;
use crate::boundary::{status_boundary, value_boundary};
use crate::castable::{Castable, free_box, into_ptr, try_mut, try_out, try_ref};
use crate::client::{fiks_client, owned_token};
use crate::error::{c_string, fiks_error};
use crate::status::fiks_status;

/// The options of one token request: scopes and claims (see `fiks_token_option_name`). Tokens
/// are cached per request, so the same options give the same token until it is renewed.
///
/// Ownership: created by `fiks_token_request_new`, owned by the caller, freed with
/// `fiks_token_request_free`; the calls that take it copy it, so it may be changed or freed
/// right after. Thread safety: change it on one thread; while nobody changes it, many threads
/// may use it at once (the calls only read it).
pub struct fiks_token_request {
    _private: [u8; 0],
}

impl Castable for fiks_token_request {
    type RustType = TokenRequest;
}

/// A new token request, starting as the client's configured one: its `scopes`, `resource`,
/// `consumer_org`, `pid`, `on_behalf_of` and `authorization_details`. Change it with
/// `fiks_token_request_set`; unchanged, `fiks_client_access_token_for` gives the token of
/// `fiks_client_access_token`.
///
/// Ownership: `client` is only read (the request does not refer to it and may outlive it); on
/// success `*request_out` is owned by the caller, freed with `fiks_token_request_free`.
/// Thread safety: callable from many threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_token_request_new(
    client: *const fiks_client,
    request_out: *mut *mut fiks_token_request,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_token_request_new", error_out, || {
        let data = try_ref!(client);
        let out = try_out!(request_out);
        *out = into_ptr::<fiks_token_request>(TokenRequest::from_config(data.client.config()));
        Ok(())
    })
}

/// Sets `option` (one of the names of `fiks_token_option_name`) to `value`, checked as the
/// configuration key of the same name is: `scopes` and `resource` space-separated,
/// `consumer_org` 9 digits, `pid` 11 digits, `authorization_details` JSON (e.g. from
/// `fiks_authorization_details_systembruker`); "" clears the option. A bad value is
/// `FIKS_ERROR_CONFIG` naming the key (`fiks_error_config_key`); an unknown option is
/// `FIKS_ERROR_USAGE`, and the message lists the options. On failure the request is unchanged.
/// Combinations (`consumer_org` with `on_behalf_of`, no scopes) are checked when a token is
/// asked for.
///
/// Ownership: the strings are copied. Thread safety: not while another thread uses the request.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_token_request_set(
    request: *mut fiks_token_request,
    option: *const c_char,
    value: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_token_request_set", error_out, || {
        let r = try_mut!(request);
        let option = args::str_arg(option, "option")?;
        let value = args::str_arg(value, "value")?;
        let mut changed = r.clone();
        changed.set(option, value)?;
        *r = changed;
        Ok(())
    })
}

/// Frees a token request. NULL is a no-op.
///
/// Ownership: takes ownership of `request`. Thread safety: any thread, once, when no other
/// thread uses it (calls started with it have copied it).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_token_request_free(request: *mut fiks_token_request) {
    // SAFETY: a non-NULL request comes from `fiks_token_request_new` and is freed once (contract).
    value_boundary(|| unsafe { free_box(request) })
}

/// The option names as static C strings, built once from the core's list.
fn option_names() -> &'static [CString] {
    static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
    NAMES.get_or_init(|| TokenRequest::OPTIONS.iter().map(|n| c_string(*n)).collect())
}

/// The name of token option `index`, from 0 until it returns NULL: "scopes", "resource",
/// "consumer_org", "pid", "on_behalf_of", "authorization_details" (the core's list, the same
/// for every binding; new options are added at the end).
///
/// Ownership: a static string; never free it. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn fiks_token_option_name(index: usize) -> *const c_char {
    value_boundary(|| option_names().get(index).map_or(std::ptr::null(), |n| n.as_ptr()))
}

/// The access token for `request`: from the cache when a fresh one is there for exactly these
/// options, otherwise fetched from Maskinporten (one request for all threads asking at once for
/// the same options). Bad combinations are `FIKS_ERROR_CONFIG`; for a citizen's client
/// (`fiks_client_as_person`) any request but the unchanged one is `FIKS_ERROR_USAGE`.
///
/// Ownership: `request` is only read (copied for the call); on success `*token_out` is an owned
/// secret string: free it with `fiks_string_free` (which wipes it).
/// Thread safety: safe to call from many threads at once, also with the same `request`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_access_token_for(
    client: *mut fiks_client,
    request: *const fiks_token_request,
    token_out: *mut *mut c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_access_token_for", error_out, || {
        let data = try_ref!(client);
        let request = try_ref!(request);
        let out = try_out!(token_out);
        let token = data.client.token_for(request)?;
        *out = owned_token(token.access_token())?;
        Ok(())
    })
}
