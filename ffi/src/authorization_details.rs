//! `fiks_authorization_details_*`: the core's canonical `authorization_details` JSON (Altinn
//! systembruker and samtykke, [`fiks::AuthorizationDetails`]), so that neither C nor .NET
//! builds that JSON itself. The result goes to `fiks_token_request_set(request,
//! "authorization_details", json)` or to the configuration key of the same name.

use std::ffi::c_char;

use fiks::AuthorizationDetails;

use crate::args;
use crate::boundary::status_boundary;
use crate::castable::try_out;
use crate::error::{c_string, fiks_error};
use crate::status::fiks_status;

/// Hands the canonical JSON to C as an owned string.
fn hand_out(details: AuthorizationDetails, out: &mut *mut c_char) {
    *out = c_string(details.as_json()).into_raw();
}

/// The `authorization_details` JSON of an Altinn systembruker request for the customer
/// organisation `orgnr` (9 digits), with `external_ref` (`externalRef`, when the vendor has
/// several system users for one customer; NULL for none), e.g.
/// `[{"type":"urn:altinn:systemuser","systemuser_org":{"authority":"iso6523-actorid-upis","ID":"0192:910000001"}}]`.
/// A bad value is `FIKS_ERROR_CONFIG` with config key "authorization_details".
///
/// Ownership: the strings are only read; on success `*json_out` is an owned string, freed with
/// `fiks_string_free`. Thread safety: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_authorization_details_systembruker(
    orgnr: *const c_char,
    external_ref: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_authorization_details_systembruker", error_out, || {
        let orgnr = args::str_arg(orgnr, "orgnr")?;
        let external_ref = args::opt_str_arg(external_ref, "external_ref")?;
        let out = try_out!(json_out);
        hand_out(AuthorizationDetails::systembruker(orgnr, external_ref)?, out);
        Ok(())
    })
}

/// The `authorization_details` JSON of an Altinn samtykke (consent) request: the consent `id`
/// (a UUID) given `from` a person (an 11-digit fødselsnummer), an organisation (a 9-digit
/// orgnr) or the Altinn URN of either. A bad value is `FIKS_ERROR_CONFIG` with config key
/// "authorization_details". The JSON holds `from` (personal data): do not log it.
///
/// Ownership: the strings are only read; on success `*json_out` is an owned string, freed with
/// `fiks_string_free` (which wipes it). Thread safety: callable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_authorization_details_samtykke(
    id: *const c_char,
    from: *const c_char,
    json_out: *mut *mut c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_authorization_details_samtykke", error_out, || {
        let id = args::str_arg(id, "id")?;
        let from = args::str_arg(from, "from")?;
        let out = try_out!(json_out);
        hand_out(AuthorizationDetails::samtykke(id, from)?, out);
        Ok(())
    })
}
