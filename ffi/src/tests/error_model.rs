//! The whole error model through the C ABI: hint apart from the message, problem names,
//! config keys, kept response headers, `Retry-After`, transience, `fiks_status_name`,
//! `fiks_parse_error` with a status, and the log callback.

use std::ffi::{CStr, CString, c_char, c_void};
use std::ptr;
use std::sync::Mutex;

use fiks_integrasjon_mock::testing::TestMock;
use fiks_integrasjon_mock::{Fault, FaultTarget};

use super::*;
use crate::fiks_status::*;

fn client_from(toml: &str) -> (*mut fiks_client, ErrorOut, fiks_status) {
    let toml = CString::new(toml).unwrap();
    let mut e = ErrorOut::new();
    let mut client = ptr::null_mut();
    let status = unsafe {
        let config = fiks_config_new();
        assert_eq!(fiks_config_load_toml(config, toml.as_ptr(), e.out()), FIKS_OK, "{}", e.message());
        let s = fiks_client_new(config, &mut client, e.out());
        fiks_config_free(config);
        s
    };
    (client, e, status)
}

fn get(client: *mut fiks_client, path: &CStr, e: &mut ErrorOut) -> fiks_status {
    unsafe {
        let mut r = ptr::null_mut();
        assert_eq!(fiks_request_new(c"GET".as_ptr(), path.as_ptr(), &mut r, e.out()), FIKS_OK);
        let mut resp = ptr::null_mut();
        let s = fiks_client_send(client, r, &mut resp, e.out());
        fiks_response_free(resp);
        fiks_request_free(r);
        s
    }
}

#[test]
fn status_names_are_the_kinds() {
    let name = |s: fiks_status| text(fiks_status_name(s as i32)).unwrap();
    assert_eq!(name(FIKS_OK), "ok");
    assert_eq!(name(FIKS_ERROR_INVALID_ARGUMENT), "invalid_argument");
    assert_eq!(name(FIKS_ERROR_CONFIG), "config");
    assert_eq!(name(FIKS_ERROR_CERTIFICATE), "certificate");
    assert_eq!(name(FIKS_ERROR_TOKEN), "token");
    assert_eq!(name(FIKS_ERROR_API), "api");
    assert_eq!(name(FIKS_ERROR_TRANSPORT), "transport");
    assert_eq!(name(FIKS_ERROR_INTERNAL), "internal");
    assert_eq!(name(FIKS_ERROR_USAGE), "usage");
    assert_eq!(text(fiks_status_name(999)).unwrap(), "unknown");
    assert_eq!(text(fiks_status_name(-1)).unwrap(), "unknown");
}

#[test]
fn a_certificate_error_has_problem_key_and_a_separate_hint() {
    let mock = TestMock::start();
    let toml = mock
        .config_toml()
        .replace(&format!("certificate_password = \"{}\"", mock.pki().password()), "certificate_password = \"feil\"");
    assert!(toml.contains("certificate_password = \"feil\""), "the fixture's TOML names the password");
    let (client, e, status) = client_from(&toml);
    assert!(client.is_null());
    assert_eq!(status, FIKS_ERROR_CERTIFICATE);
    assert_eq!(e.get(fiks_error_problem).as_deref(), Some("wrong_password"));
    assert_eq!(e.get(fiks_error_config_key).as_deref(), Some("certificate_password"));
    assert_eq!(e.get(fiks_error_hint).as_deref(), Some("check `certificate_password`"));
    assert!(!e.message().contains("hint"), "the hint is not baked into the message: {}", e.message());
    assert!(!unsafe { fiks_error_is_transient(e.0) });
    assert!(unsafe { fiks_error_header(e.0, c"retry-after".as_ptr()) }.is_null());
    assert!(!unsafe { fiks_error_retry_after_ms(e.0, ptr::null_mut()) });
}

#[test]
fn an_api_error_keeps_retry_after_and_says_it_is_transient() {
    let mock = TestMock::start();
    let (client, _, status) = client_from(&format!("{}\nmax_retries = 0\n", mock.config_toml()));
    assert_eq!(status, FIKS_OK);
    mock.mock.push_fault(FaultTarget::Fiks, Fault::TooManyRequests { retry_after_secs: 7 }, 1);
    let mut e = ErrorOut::new();
    assert_eq!(get(client, c"/echo", &mut e), FIKS_ERROR_API);
    unsafe {
        assert_eq!(fiks_error_http_status(e.0), 429);
        assert!(fiks_error_is_transient(e.0));
        assert_eq!(text(fiks_error_header(e.0, c"Retry-After".as_ptr())).as_deref(), Some("7"));
        assert!(fiks_error_header(e.0, c"Set-Cookie".as_ptr()).is_null(), "only the kept headers");
        assert!(fiks_error_header(e.0, ptr::null()).is_null());
        let mut ms = 0u64;
        assert!(fiks_error_retry_after_ms(e.0, &mut ms));
        assert_eq!(ms, 7000);
        assert!(e.get(fiks_error_hint).unwrap().contains("try again later"));
        fiks_client_free(client);
    }
}

#[test]
fn a_person_mode_401_hints_at_the_citizens_token() {
    let mock = TestMock::start();
    let maskinporten_only = ["certificate", "certificate_password", "private_key", "issuer", "scopes"];
    let mut toml: String = mock
        .config_toml()
        .lines()
        .filter(|l| !maskinporten_only.iter().any(|k| l.starts_with(&format!("{k} "))))
        .map(|l| format!("{l}\n"))
        .collect();
    toml.push_str("person_token = \"ikke.en.gyldig.token\"\n");
    let (client, e, status) = client_from(&toml);
    assert_eq!(status, FIKS_OK, "{}", e.message());
    let mut e = ErrorOut::new();
    assert_eq!(get(client, c"/echo", &mut e), FIKS_ERROR_API);
    unsafe {
        assert_eq!(fiks_error_http_status(e.0), 401);
        let hint = e.get(fiks_error_hint).unwrap();
        assert!(hint.contains("citizen") && !hint.contains("ks:fiks"), "{hint}");
        fiks_client_free(client);
    }
}

#[test]
fn parse_error_takes_the_status_and_never_makes_2xx_an_error() {
    let hei = br#"{"message":"hei"}"#;
    let mut e = ErrorOut::new();
    unsafe {
        assert_eq!(fiks_parse_error(hei.as_ptr(), hei.len(), 0, e.out()), FIKS_ERROR_INVALID_ARGUMENT, "no status");
        assert_eq!(fiks_parse_error(hei.as_ptr(), hei.len(), 200, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(fiks_parse_error(hei.as_ptr(), hei.len(), 409, e.out()), FIKS_OK);
        assert_eq!(fiks_error_http_status(e.0), 409);
        assert_eq!(e.get(fiks_error_fiks_message).as_deref(), Some("hei"));
        let ks = br#"{"status":400,"errorId":"x","message":"m"}"#;
        assert_eq!(fiks_parse_error(ks.as_ptr(), ks.len(), 0, e.out()), FIKS_OK);
        assert_eq!(fiks_parse_error(ks.as_ptr(), ks.len(), 201, e.out()), FIKS_ERROR_INVALID_ARGUMENT, "2xx wins");
        let echo = br#"{"method":"GET","path":"/echo","headers":{}}"#;
        assert_eq!(fiks_parse_error(echo.as_ptr(), echo.len(), 400, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        let mut len = 0usize;
        assert!(fiks_error_body(ptr::null(), &mut len).is_null());
    }
}

static LOG: Mutex<Vec<(fiks_log_level, String, String)>> = Mutex::new(Vec::new());

unsafe extern "C" fn collect(
    level: fiks_log_level,
    target: *const c_char,
    message: *const c_char,
    user_data: *mut c_void,
) {
    assert_eq!(user_data as usize, 42, "user_data is passed through");
    LOG.lock().unwrap().push((level, text(target).unwrap(), text(message).unwrap()));
}

#[test]
fn the_log_callback_gets_token_fetches_retries_and_final_failures_without_secrets() {
    let mock = TestMock::start();
    let mut e = ErrorOut::new();
    unsafe {
        assert_eq!(
            fiks_set_log_callback(Some(collect), 42usize as *mut c_void, fiks_log_level::FIKS_LOG_DEBUG, e.out()),
            FIKS_OK
        );
    }
    let (client, _, status) = client_from(&format!("{}\nmax_retries = 1\n", mock.config_toml()));
    assert_eq!(status, FIKS_OK);
    mock.mock.push_fault(FaultTarget::Fiks, Fault::Status(503), 2);
    let mut e = ErrorOut::new();
    assert_eq!(get(client, c"/echo", &mut e), FIKS_ERROR_API);
    let log = LOG.lock().unwrap().clone();
    let has = |level, text: &str| log.iter().any(|(l, _, m)| *l == level && m.contains(text));
    assert!(has(fiks_log_level::FIKS_LOG_INFO, "fetched a Maskinporten token"), "{log:#?}");
    assert!(has(fiks_log_level::FIKS_LOG_INFO, "retrying the Fiks request"), "{log:#?}");
    assert!(has(fiks_log_level::FIKS_LOG_INFO, "the Fiks request failed"), "{log:#?}");
    assert!(has(fiks_log_level::FIKS_LOG_DEBUG, "requesting a Maskinporten token"), "{log:#?}");
    assert!(log.iter().all(|(_, t, _)| t.starts_with("fiks_integrasjon")), "only the library's events");
    let secrets = [mock.pki().password().to_string(), passord(&mock.config_toml())];
    for (_, _, m) in &log {
        for s in &secrets {
            assert!(!m.contains(s.as_str()), "a secret in the log: {m}");
        }
        assert!(!m.contains("eyJ"), "no token in the log: {m}");
    }
    // Turned off: nothing more arrives, and an INFO-only callback gets no DEBUG.
    unsafe {
        assert_eq!(fiks_set_log_callback(None, ptr::null_mut(), fiks_log_level::FIKS_LOG_DEBUG, e.out()), FIKS_OK);
    }
    let before = LOG.lock().unwrap().len();
    mock.mock.push_fault(FaultTarget::Fiks, Fault::Status(503), 2);
    assert_eq!(get(client, c"/echo", &mut e), FIKS_ERROR_API);
    assert_eq!(LOG.lock().unwrap().len(), before, "off means off");
    unsafe {
        assert_eq!(
            fiks_set_log_callback(Some(collect), 42usize as *mut c_void, fiks_log_level::FIKS_LOG_INFO, e.out()),
            FIKS_OK
        );
    }
    assert_eq!(get(client, c"/echo", &mut e), FIKS_OK);
    assert!(LOG.lock().unwrap()[before..].iter().all(|(l, _, _)| *l <= fiks_log_level::FIKS_LOG_INFO));
    unsafe { fiks_client_free(client) };
}

fn passord(toml: &str) -> String {
    toml.lines()
        .find_map(|l| l.strip_prefix("integrasjon_passord = \""))
        .map(|v| v.trim_end_matches('"').to_string())
        .expect("the fixture's TOML has the integrasjon password")
}
