//! One client for many integrasjoner and citizens: `fiks_client_for_integrasjon`,
//! `fiks_client_for_integrasjon_named` and `fiks_client_as_person` derive a client from
//! another; `fiks_client_fiks_io_credentials` is the Fiks IO (AMQP) login. Every rule — what a
//! valid id or password is, which names exist, what a citizen's client may do — is the core's
//! (`fiks::blocking::Client`); this module only checks arguments and translates.

use std::ffi::{CString, c_char};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::args;
use crate::boundary::status_boundary;
use crate::castable::{into_ptr, try_out, try_ref};
use crate::client::{ClientData, fiks_client, owned_token};
use crate::error::{ErrorData, fiks_error};
use crate::status::fiks_status;

/// Hands a derived client to C.
fn hand_out(client: fiks::blocking::Client, out: &mut *mut fiks_client) {
    *out = into_ptr::<fiks_client>(ClientData { client });
}

/// A client that speaks as another integrasjon (`integrasjon_id`, a UUID, with its
/// `integrasjon_passord`) — the supplier case: one certificate, one Maskinporten token, many
/// customers' integrasjoner. It sends its own `IntegrasjonId`/`IntegrasjonPassord` and shares
/// everything else with `parent`: the library thread, the certificate, the token cache (many
/// derived clients cause one token request) and the connection pool. No I/O happens here. A
/// malformed id or an empty password (or one with control characters) is `FIKS_ERROR_CONFIG`;
/// the message never quotes the password.
///
/// Ownership: the strings are copied; on success `*client_out` is a new client owned by the
/// caller, freed with `fiks_client_free`. It stays valid after `parent` is freed (the shared
/// thread stops when the last client sharing it is freed).
/// Thread safety: callable from many threads at once; the new client is as thread safe as
/// any `fiks_client`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_for_integrasjon(
    parent: *const fiks_client,
    integrasjon_id: *const c_char,
    integrasjon_passord: *const c_char,
    client_out: *mut *mut fiks_client,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_for_integrasjon", error_out, || {
        let data = try_ref!(parent);
        let id = args::str_arg(integrasjon_id, "integrasjon_id")?;
        let passord = zeroize::Zeroizing::new(args::str_arg(integrasjon_passord, "integrasjon_passord")?.to_string());
        let out = try_out!(client_out);
        hand_out(data.client.for_integrasjon(id, &passord)?, out);
        Ok(())
    })
}

/// Like `fiks_client_for_integrasjon`, with the integrasjon configured as `[integrasjoner.NAME]`
/// in the TOML file or with `fiks_config_set_integrasjon`. An unknown name is
/// `FIKS_ERROR_CONFIG`, and the message lists the configured names.
///
/// Ownership: `name` is only read; on success `*client_out` is owned by the caller, freed with
/// `fiks_client_free`, and stays valid after `parent` is freed.
/// Thread safety: callable from many threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_for_integrasjon_named(
    parent: *const fiks_client,
    name: *const c_char,
    client_out: *mut *mut fiks_client,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_for_integrasjon_named", error_out, || {
        let data = try_ref!(parent);
        let name = args::str_arg(name, "name")?;
        let out = try_out!(client_out);
        hand_out(data.client.for_integrasjon_named(name)?, out);
        Ok(())
    })
}

/// A client that speaks for a citizen (integrasjon-person): the same integrasjon as `parent`,
/// with `Authorization: Bearer <person_token>` (the citizen's ID-porten access token) instead
/// of a Maskinporten token, so it never asks Maskinporten. It shares the library thread and
/// the connection pool with `parent`. An empty token is `FIKS_ERROR_CONFIG`;
/// `fiks_client_fiks_io_credentials` on it is `FIKS_ERROR_USAGE`.
///
/// Ownership: `person_token` (a secret) is copied and the copy wiped when the client is freed;
/// on success `*client_out` is owned by the caller, freed with `fiks_client_free`, and stays
/// valid after `parent` is freed. Thread safety: callable from many threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_as_person(
    parent: *const fiks_client,
    person_token: *const c_char,
    client_out: *mut *mut fiks_client,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_as_person", error_out, || {
        let data = try_ref!(parent);
        let token = zeroize::Zeroizing::new(args::str_arg(person_token, "person_token")?.to_string());
        let out = try_out!(client_out);
        hand_out(data.client.as_person(&token)?, out);
        Ok(())
    })
}

/// Seconds since the Unix epoch (negative before it).
fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// The login of the Fiks IO AMQP broker for this client's integrasjon: `*username_out` is the
/// integrasjon id, `*password_out` is `IntegrasjonPassord`, a space and the Maskinporten token
/// (fetched when none is fresh in the cache). `*expires_at_unix_out` is when that token
/// expires and `*renew_at_unix_out` when to log in again with fresh credentials (seconds since
/// the Unix epoch, UTC). A citizen's client (`fiks_client_as_person`) gets `FIKS_ERROR_USAGE`.
/// Every out-parameter must be non-NULL; nothing is written on failure.
///
/// Ownership: on success `*username_out` and `*password_out` are owned strings, freed with
/// `fiks_string_free` (which wipes them: the password is a secret, never log it).
/// Thread safety: safe to call from many threads at once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_client_fiks_io_credentials(
    client: *mut fiks_client,
    username_out: *mut *mut c_char,
    password_out: *mut *mut c_char,
    expires_at_unix_out: *mut i64,
    renew_at_unix_out: *mut i64,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_client_fiks_io_credentials", error_out, || {
        let data = try_ref!(client);
        let username = try_out!(username_out);
        let password = try_out!(password_out);
        let expires = try_out!(expires_at_unix_out);
        let renew = try_out!(renew_at_unix_out);
        let credentials = data.client.fiks_io_credentials()?;
        let user = CString::new(credentials.username.as_str())
            .map_err(|_| ErrorData::invalid_argument("the integrasjon id contains a NUL byte"))?;
        let secret = owned_token(credentials.password())?;
        *username = user.into_raw();
        *password = secret;
        *expires = unix_seconds(credentials.expires_at);
        *renew = unix_seconds(credentials.renew_at);
        Ok(())
    })
}
