//! Per-request token options through the extern functions, against the mock: the options are
//! the core's, tokens are cached per request (two consumer_org values, two tokens; the same
//! request twice, one), bad options and values fail with the core's errors and leave the request
//! unchanged, the `_async` variant, and the core's `authorization_details` JSON into the grant.

use std::ffi::{CString, c_char, c_void};
use std::ptr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use fiks::{AuthorizationDetails, TokenRequest};
use fiks_integrasjon_mock::testing::TestMock;

use super::*;
use crate::fiks_status::*;

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn client(mock: &TestMock) -> *mut fiks_client {
    let config = fiks_config_new();
    let path = c(mock.config_path().to_str().unwrap());
    let mut client = ptr::null_mut();
    let mut e = ErrorOut::new();
    unsafe {
        assert_eq!(fiks_config_load_file(config, path.as_ptr(), e.out()), FIKS_OK, "{}", e.message());
        assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_OK, "{}", e.message());
        fiks_config_free(config);
    }
    client
}

fn new_request(client: *const fiks_client) -> *mut fiks_token_request {
    let mut r = ptr::null_mut();
    let mut e = ErrorOut::new();
    assert_eq!(unsafe { fiks_token_request_new(client, &mut r, e.out()) }, FIKS_OK, "{}", e.message());
    assert!(!r.is_null());
    r
}

fn set(request: *mut fiks_token_request, option: &str, value: &str, e: &mut ErrorOut) -> fiks_status {
    let (o, v) = (c(option), c(value));
    unsafe { fiks_token_request_set(request, o.as_ptr(), v.as_ptr(), e.out()) }
}

fn token_for(
    client: *mut fiks_client,
    request: *const fiks_token_request,
    e: &mut ErrorOut,
) -> Result<String, fiks_status> {
    let mut t = ptr::null_mut();
    let s = unsafe { fiks_client_access_token_for(client, request, &mut t, e.out()) };
    if s != FIKS_OK {
        assert!(t.is_null());
        return Err(s);
    }
    let value = text(t).unwrap();
    unsafe { fiks_string_free(t) };
    Ok(value)
}

fn default_token(client: *mut fiks_client) -> String {
    let mut t = ptr::null_mut();
    let mut e = ErrorOut::new();
    assert_eq!(unsafe { fiks_client_access_token(client, &mut t, e.out()) }, FIKS_OK, "{}", e.message());
    let value = text(t).unwrap();
    unsafe { fiks_string_free(t) };
    value
}

/// Takes an owned JSON string from an `fiks_authorization_details_*` function.
fn take(p: *mut c_char) -> String {
    let s = text(p).expect("JSON");
    unsafe { fiks_string_free(p) };
    s
}

#[test]
fn the_options_are_the_cores() {
    let names: Vec<String> = (0..).map_while(|i| text(fiks_token_option_name(i))).collect();
    assert_eq!(names, TokenRequest::OPTIONS);
    assert!(fiks_token_option_name(names.len()).is_null());
    assert!(fiks_token_option_name(usize::MAX).is_null());
    // Static: the same pointer every time.
    assert_eq!(fiks_token_option_name(0), fiks_token_option_name(0));
}

#[test]
fn tokens_are_per_request_and_cached() {
    let mock = TestMock::start();
    let client = client(&mock);
    let mut e = ErrorOut::new();
    let unchanged = new_request(client);
    let default = default_token(client);
    assert_eq!(token_for(client, unchanged, &mut e).unwrap(), default, "the unchanged request is the configured one");
    assert_eq!(mock.mock.counters().token_requests, 1);

    let (a, b) = (new_request(client), new_request(client));
    assert_eq!(set(a, "consumer_org", "910000010", &mut e), FIKS_OK, "{}", e.message());
    assert_eq!(set(b, "consumer_org", "910000020", &mut e), FIKS_OK, "{}", e.message());
    let token_a = token_for(client, a, &mut e).unwrap();
    assert_eq!(mock.mock.counters().last_grant_claims.unwrap()["consumer_org"], "910000010");
    let token_b = token_for(client, b, &mut e).unwrap();
    assert_eq!(mock.mock.counters().last_grant_claims.unwrap()["consumer_org"], "910000020");
    assert_ne!(token_a, token_b);
    assert_ne!(token_a, default);
    assert_eq!(mock.mock.counters().token_requests, 3);
    // The same options again, from another request object: the cached token.
    let again = new_request(client);
    assert_eq!(set(again, "consumer_org", " 910000010 ", &mut e), FIKS_OK);
    assert_eq!(token_for(client, again, &mut e).unwrap(), token_a);
    assert_eq!(token_for(client, a, &mut e).unwrap(), token_a);
    assert_eq!(mock.mock.counters().token_requests, 3);
    // "" clears: back to the configured request.
    assert_eq!(set(again, "consumer_org", "", &mut e), FIKS_OK);
    assert_eq!(token_for(client, again, &mut e).unwrap(), default);
    // Other scopes and a resource.
    assert_eq!(set(again, "scopes", "ks:fiks ks:fiks:test", &mut e), FIKS_OK);
    assert_eq!(set(again, "resource", "https://fiks.example/api", &mut e), FIKS_OK);
    assert!(token_for(client, again, &mut e).is_ok(), "{}", e.message());
    let claims = mock.mock.counters().last_grant_claims.unwrap();
    assert_eq!(claims["scope"], "ks:fiks ks:fiks:test");
    assert_eq!(claims["resource"], serde_json::json!(["https://fiks.example/api"]));
    unsafe {
        // A request outlives its client.
        fiks_client_free(client);
        for r in [unchanged, a, b, again] {
            fiks_token_request_free(r);
        }
        fiks_token_request_free(ptr::null_mut());
    }
}

#[test]
fn bad_arguments_options_and_values() {
    let mock = TestMock::start();
    let client = client(&mock);
    let mut e = ErrorOut::new();
    let request = new_request(client);
    let mut out = ptr::null_mut();
    unsafe {
        assert_eq!(fiks_token_request_new(ptr::null(), &mut out, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("fiks_token_request_new: `client` is NULL"), "{}", e.message());
        assert_eq!(fiks_token_request_new(client, ptr::null_mut(), e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("`request_out` is NULL"), "{}", e.message());
        let v = c("910000010");
        assert_eq!(
            fiks_token_request_set(ptr::null_mut(), c"consumer_org".as_ptr(), v.as_ptr(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert_eq!(fiks_token_request_set(request, ptr::null(), v.as_ptr(), e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("`option` is NULL"), "{}", e.message());
        assert_eq!(
            fiks_token_request_set(request, c"consumer_org".as_ptr(), ptr::null(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("`value` is NULL"), "{}", e.message());
        let bad_utf8 = b"91000\xff010\0";
        assert_eq!(
            fiks_token_request_set(request, c"consumer_org".as_ptr(), bad_utf8.as_ptr().cast(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("`value` is not valid UTF-8"), "{}", e.message());
    }
    // Unknown option: the core's usage error, listing the options.
    assert_eq!(set(request, "scope", "ks:fiks", &mut e), FIKS_ERROR_USAGE);
    assert!(e.message().contains("`scope` is not a token option"), "{}", e.message());
    assert!(e.message().contains("consumer_org") && e.message().contains("authorization_details"), "{}", e.message());
    // Bad values: the config key's check, naming it; the request is unchanged.
    assert_eq!(set(request, "consumer_org", "910000010", &mut e), FIKS_OK);
    for (option, value) in [
        ("consumer_org", "12345"),
        ("consumer_org", "91000001x"),
        ("pid", "123"),
        ("authorization_details", "{not json"),
        ("authorization_details", "[]"),
        (
            "authorization_details",
            r#"[{"type":"urn:altinn:systemuser","systemuser_org":{"authority":"iso6523-actorid-upis","ID":"0192:1"}}]"#,
        ),
    ] {
        assert_eq!(set(request, option, value, &mut e), FIKS_ERROR_CONFIG, "{option}={value}");
        assert_eq!(e.get(fiks_error_config_key).as_deref(), Some(option), "{}", e.message());
    }
    let token = token_for(client, request, &mut e).unwrap();
    assert_eq!(
        mock.mock.counters().last_grant_claims.unwrap()["consumer_org"],
        "910000010",
        "unchanged by the failures"
    );
    assert_ne!(token, default_token(client));
    // Combinations are checked when a token is asked for.
    assert_eq!(set(request, "on_behalf_of", "leverandor-1", &mut e), FIKS_OK);
    assert_eq!(token_for(client, request, &mut e), Err(FIKS_ERROR_CONFIG));
    assert_eq!(e.get(fiks_error_config_key).as_deref(), Some("consumer_org"), "{}", e.message());
    assert_eq!(set(request, "on_behalf_of", "", &mut e), FIKS_OK);
    assert_eq!(set(request, "scopes", " ", &mut e), FIKS_OK);
    assert_eq!(token_for(client, request, &mut e), Err(FIKS_ERROR_CONFIG));
    assert_eq!(e.get(fiks_error_config_key).as_deref(), Some("scopes"), "{}", e.message());
    unsafe {
        let mut t = ptr::null_mut();
        assert_eq!(
            fiks_client_access_token_for(ptr::null_mut(), request, &mut t, e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert_eq!(fiks_client_access_token_for(client, ptr::null(), &mut t, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("fiks_client_access_token_for: `request` is NULL"), "{}", e.message());
        assert_eq!(
            fiks_client_access_token_for(client, request, ptr::null_mut(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("`token_out` is NULL"), "{}", e.message());
        assert_eq!(fiks_client_access_token_for(client, request, &mut t, ptr::null_mut()), FIKS_ERROR_CONFIG);
        assert!(t.is_null());
        fiks_token_request_free(request);
        fiks_client_free(client);
    }
}

#[test]
fn authorization_details_are_the_cores_json_and_reach_the_grant() {
    let mut e = ErrorOut::new();
    let mut json = ptr::null_mut();
    unsafe {
        let orgnr = c("910000010");
        assert_eq!(
            fiks_authorization_details_systembruker(orgnr.as_ptr(), ptr::null(), &mut json, e.out()),
            FIKS_OK,
            "{}",
            e.message()
        );
        let systembruker = take(json);
        assert_eq!(systembruker, AuthorizationDetails::systembruker("910000010", None).unwrap().as_json());
        let reference = c("kunde-42");
        assert_eq!(
            fiks_authorization_details_systembruker(orgnr.as_ptr(), reference.as_ptr(), &mut json, e.out()),
            FIKS_OK
        );
        assert_eq!(take(json), AuthorizationDetails::systembruker("910000010", Some("kunde-42")).unwrap().as_json());
        let (id, from) = (c("5f1c1c5e-9c1a-4c7e-8a57-2a1f4b8a9d10"), c("01017012345"));
        assert_eq!(fiks_authorization_details_samtykke(id.as_ptr(), from.as_ptr(), &mut json, e.out()), FIKS_OK);
        let samtykke = take(json);
        assert_eq!(
            samtykke,
            AuthorizationDetails::samtykke("5f1c1c5e-9c1a-4c7e-8a57-2a1f4b8a9d10", "01017012345").unwrap().as_json()
        );
        assert!(samtykke.contains("urn:altinn:person:identifier-no:01017012345"), "{samtykke}");

        // Bad values: the core's config error; NULL and out-parameters.
        let bad = c("1234");
        json = ptr::null_mut();
        assert_eq!(
            fiks_authorization_details_systembruker(bad.as_ptr(), ptr::null(), &mut json, e.out()),
            FIKS_ERROR_CONFIG
        );
        assert_eq!(e.get(fiks_error_config_key).as_deref(), Some("authorization_details"));
        assert!(json.is_null());
        assert_eq!(
            fiks_authorization_details_samtykke(bad.as_ptr(), from.as_ptr(), &mut json, e.out()),
            FIKS_ERROR_CONFIG
        );
        assert_eq!(e.get(fiks_error_config_key).as_deref(), Some("authorization_details"));
        assert_eq!(
            fiks_authorization_details_samtykke(id.as_ptr(), bad.as_ptr(), &mut json, e.out()),
            FIKS_ERROR_CONFIG
        );
        assert!(json.is_null());
        assert_eq!(
            fiks_authorization_details_systembruker(ptr::null(), ptr::null(), &mut json, e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("`orgnr` is NULL"), "{}", e.message());
        assert_eq!(
            fiks_authorization_details_systembruker(orgnr.as_ptr(), ptr::null(), ptr::null_mut(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("`json_out` is NULL"), "{}", e.message());
        assert_eq!(
            fiks_authorization_details_samtykke(ptr::null(), from.as_ptr(), &mut json, e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert_eq!(
            fiks_authorization_details_samtykke(id.as_ptr(), ptr::null(), &mut json, e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("`from` is NULL"), "{}", e.message());

        // Into a request, then into the grant.
        let mock = TestMock::start();
        let client = client(&mock);
        let request = new_request(client);
        assert_eq!(set(request, "authorization_details", &systembruker, &mut e), FIKS_OK, "{}", e.message());
        assert!(token_for(client, request, &mut e).is_ok(), "{}", e.message());
        let claims = mock.mock.counters().last_grant_claims.unwrap();
        assert_eq!(claims["authorization_details"], serde_json::from_str::<serde_json::Value>(&systembruker).unwrap());
        fiks_token_request_free(request);
        fiks_client_free(client);
    }
}

/// What the async callback received: the status, the token and the error's config key.
type Delivered = (fiks_status, Option<String>, Option<String>);

/// Where the async callback leaves what it received.
#[derive(Default)]
struct Slot {
    result: Mutex<Option<Delivered>>,
    ran: Condvar,
}

impl Slot {
    fn wait(&self) -> Delivered {
        let guard = self.result.lock().unwrap();
        let (guard, t) = self.ran.wait_timeout_while(guard, Duration::from_secs(30), |r| r.is_none()).unwrap();
        assert!(!t.timed_out(), "the callback did not run");
        guard.clone().unwrap()
    }
}

unsafe extern "C" fn on_token(user_data: *mut c_void, status: fiks_status, token: *mut c_char, error: *mut fiks_error) {
    // SAFETY: `user_data` is a `Slot` the test keeps alive until the callback has run.
    let slot = unsafe { &*user_data.cast::<Slot>() };
    let value = text(token);
    // SAFETY: the callback owns the token and the error.
    let key = unsafe {
        fiks_string_free(token);
        let key = text(fiks_error_config_key(error));
        fiks_error_free(error);
        key
    };
    *slot.result.lock().unwrap() = Some((status, value, key));
    slot.ran.notify_all();
}

#[test]
fn the_async_variant_shares_the_cache_and_reports_through_the_callback() {
    let mock = TestMock::start();
    let client = client(&mock);
    let mut e = ErrorOut::new();
    let request = new_request(client);
    assert_eq!(set(request, "consumer_org", "910000030", &mut e), FIKS_OK);
    let slot = Arc::new(Slot::default());
    let mut call = ptr::null_mut();
    unsafe {
        let s = fiks_client_access_token_for_async(
            client,
            request,
            Some(on_token),
            Arc::as_ptr(&slot).cast_mut().cast(),
            &mut call,
            e.out(),
        );
        assert_eq!(s, FIKS_OK, "{}", e.message());
        // Copied at the start: changing it now does not change the call.
        assert_eq!(set(request, "consumer_org", "910000040", &mut e), FIKS_OK);
    }
    let (status, token, _) = slot.wait();
    assert_eq!(status, FIKS_OK);
    assert_eq!(mock.mock.counters().last_grant_claims.unwrap()["consumer_org"], "910000030");
    assert_eq!(set(request, "consumer_org", "910000030", &mut e), FIKS_OK);
    assert_eq!(token_for(client, request, &mut e).ok(), token, "the blocking call reads the same cache");
    assert_eq!(mock.mock.counters().token_requests, 1);
    unsafe {
        fiks_call_free(call);

        // The combination is checked by the call: its error comes through the callback.
        assert_eq!(set(request, "on_behalf_of", "leverandor-1", &mut e), FIKS_OK);
        let failing = Arc::new(Slot::default());
        let s = fiks_client_access_token_for_async(
            client,
            request,
            Some(on_token),
            Arc::as_ptr(&failing).cast_mut().cast(),
            ptr::null_mut(),
            e.out(),
        );
        assert_eq!(s, FIKS_OK, "{}", e.message());
        assert_eq!(failing.wait(), (FIKS_ERROR_CONFIG, None, Some("consumer_org".to_string())));

        // Argument errors come back at once and the callback never runs.
        let never = Arc::new(Slot::default());
        let user_data: *mut c_void = Arc::as_ptr(&never).cast_mut().cast();
        let mut call = ptr::null_mut();
        assert_eq!(
            fiks_client_access_token_for_async(client, ptr::null(), Some(on_token), user_data, &mut call, e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("fiks_client_access_token_for_async: `request` is NULL"), "{}", e.message());
        assert_eq!(
            fiks_client_access_token_for_async(client, request, None, user_data, &mut call, e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("`callback` is NULL"), "{}", e.message());
        assert_eq!(
            fiks_client_access_token_for_async(ptr::null_mut(), request, Some(on_token), user_data, &mut call, e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(call.is_null());
        fiks_token_request_free(request);
        fiks_client_free(client);
        assert!(never.result.lock().unwrap().is_none());
    }
}
