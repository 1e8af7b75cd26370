//! The new C surface of the core's rules: `fiks_request` with a per-call deadline and one
//! `Content-Type`, headers only for the Fiks origins, evicting after your own 401, TOML text,
//! and the key table.

use std::ffi::CString;
use std::ptr;

use fiks_integrasjon_mock::testing::TestMock;
use fiks_integrasjon_mock::{Fault, FaultTarget};

use super::*;
use crate::fiks_status::*;

fn client(mock: &TestMock, extra_toml: &str) -> *mut fiks_client {
    let toml = CString::new(format!("{}\n{extra_toml}", mock.config_toml())).unwrap();
    let mut e = ErrorOut::new();
    let mut client = ptr::null_mut();
    unsafe {
        let config = fiks_config_new();
        assert_eq!(fiks_config_load_toml(config, toml.as_ptr(), e.out()), FIKS_OK, "{}", e.message());
        assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_OK, "{}", e.message());
        fiks_config_free(config);
    }
    client
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

#[test]
fn a_request_object_sends_one_content_type() {
    let mock = TestMock::start();
    let client = client(&mock, "");
    let mut e = ErrorOut::new();
    unsafe {
        let mut r = ptr::null_mut();
        assert_eq!(fiks_request_new(c"post".as_ptr(), c"/echo".as_ptr(), &mut r, e.out()), FIKS_OK);
        assert_eq!(
            fiks_request_set_body(r, b"<a/>".as_ptr(), 4, c"application/octet-stream".as_ptr(), e.out()),
            FIKS_OK
        );
        assert_eq!(fiks_request_set_header(r, c"content-type".as_ptr(), c"application/xml".as_ptr(), e.out()), FIKS_OK);
        let s = fiks_request_set_header(r, c"X-Evil".as_ptr(), c"a\r\nInjected: 1".as_ptr(), e.out());
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("control character") && !e.message().contains("Injected"), "{}", e.message());
        assert_eq!(fiks_request_set_timeout_ms(r, 0, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        let mut resp = ptr::null_mut();
        assert_eq!(fiks_client_send(client, r, &mut resp, e.out()), FIKS_OK, "{}", e.message());
        let mut len = 0usize;
        let data = fiks_response_body(resp, &mut len);
        let echo: serde_json::Value = serde_json::from_slice(std::slice::from_raw_parts(data, len)).unwrap();
        assert_eq!(echo["headers"]["content-type"], "application/xml", "exactly one Content-Type");
        fiks_response_free(resp);
        fiks_request_free(r);
        fiks_request_free(ptr::null_mut());
        fiks_client_free(client);
    }
}

#[test]
fn the_per_call_timeout_bounds_retries() {
    let mock = TestMock::start();
    let client = client(&mock, "");
    mock.mock.push_fault(FaultTarget::Fiks, Fault::TooManyRequests { retry_after_secs: 5 }, 10);
    let mut e = ErrorOut::new();
    unsafe {
        let mut r = ptr::null_mut();
        assert_eq!(fiks_request_new(c"GET".as_ptr(), c"/echo".as_ptr(), &mut r, e.out()), FIKS_OK);
        assert_eq!(fiks_request_set_timeout_ms(r, 2000, e.out()), FIKS_OK);
        let mut resp = ptr::null_mut();
        assert_eq!(fiks_client_send(client, r, &mut resp, e.out()), FIKS_ERROR_API);
        assert!(resp.is_null());
        assert_eq!(mock.mock.counters().fiks_requests, 1, "a Retry-After past the deadline is not waited for");
        fiks_request_free(r);
        fiks_client_free(client);
    }
}

#[test]
fn headers_only_for_allowed_urls() {
    let mock = TestMock::start();
    let client = client(&mock, "allowed_origins = [\"https://svarut.test.ks.no\"]");
    let base = mock.mock.fiks_base_url();
    let mut e = ErrorOut::new();
    unsafe {
        let mut h = ptr::null_mut();
        let ok = c(&format!("{base}/echo"));
        assert_eq!(fiks_client_headers_for_url(client, ok.as_ptr(), &mut h, e.out()), FIKS_OK, "{}", e.message());
        assert_eq!(fiks_headers_count(h), 3);
        fiks_headers_free(h);
        assert!(fiks_client_may_send_headers(client, c"https://svarut.test.ks.no/tjenester".as_ptr()));
        let other = c(&format!("http://127.0.0.1:{}/fiks/echo", mock.mock.addr().port().wrapping_add(1)));
        let mut h = ptr::null_mut();
        assert_eq!(fiks_client_headers_for_url(client, other.as_ptr(), &mut h, e.out()), FIKS_ERROR_USAGE);
        assert!(h.is_null());
        assert!(e.message().contains("refusing to send the Fiks headers"), "{}", e.message());
        assert!(!fiks_client_may_send_headers(client, other.as_ptr()));
        assert!(!fiks_client_may_send_headers(client, ptr::null()));
        assert!(!fiks_client_may_send_headers(ptr::null(), ok.as_ptr()));
        assert!(fiks_client_redirect_keeps_headers(client, ok.as_ptr(), c"echo?x=1".as_ptr()));
        assert!(!fiks_client_redirect_keeps_headers(client, ok.as_ptr(), other.as_ptr()));
        assert!(!fiks_client_redirect_keeps_headers(client, ok.as_ptr(), c"https://svarut.test.ks.no/x".as_ptr()));
        assert!(!fiks_client_redirect_keeps_headers(client, ok.as_ptr(), ptr::null()));
        fiks_client_free(client);
    }
}

#[test]
fn evict_after_your_own_401() {
    let mock = TestMock::start();
    let client = client(&mock, "");
    let mut e = ErrorOut::new();
    unsafe {
        let mut t = ptr::null_mut();
        assert_eq!(fiks_client_access_token(client, &mut t, e.out()), FIKS_OK);
        let first = CString::from_raw(t);
        let mut retry = false;
        assert_eq!(fiks_client_evict_token(client, first.as_ptr(), &mut retry, e.out()), FIKS_OK);
        assert!(retry);
        let mut t = ptr::null_mut();
        assert_eq!(fiks_client_access_token(client, &mut t, e.out()), FIKS_OK);
        let second = CString::from_raw(t);
        assert_ne!(first, second, "a new token after the eviction");
        let bearer = c(&format!("Bearer {}", second.to_str().unwrap()));
        assert_eq!(fiks_client_evict_token(client, bearer.as_ptr(), &mut retry, e.out()), FIKS_OK);
        assert!(!retry, "a token fetched after a 401 is not evicted again");
        assert_eq!(mock.mock.counters().token_requests, 2);
        fiks_client_free(client);
    }
}

#[test]
fn the_key_table_is_the_cores() {
    let n = fiks_config_key_count();
    assert_eq!(n, fiks::config::KEYS.len());
    for (i, k) in fiks::config::KEYS.iter().enumerate() {
        assert_eq!(text(fiks_config_key_name(i)).as_deref(), Some(k.name));
        assert_eq!(text(fiks_config_key_kind(i)).as_deref(), Some(k.kind.as_str()));
        assert_eq!(fiks_config_key_is_secret(i), k.is_secret());
    }
    assert!(fiks_config_key_name(n).is_null() && fiks_config_key_kind(n).is_null() && !fiks_config_key_is_secret(n));
}

#[test]
fn toml_text_errors_never_quote_it() {
    let mut e = ErrorOut::new();
    unsafe {
        let config = fiks_config_new();
        let s = fiks_config_load_toml(config, c"integrasjon_passord = \"HEMMELIG\" oops".as_ptr(), e.out());
        assert_eq!(s, FIKS_ERROR_CONFIG);
        assert!(!e.message().contains("HEMMELIG"), "{}", e.message());
        let s = fiks_config_load_toml(config, c"timeout = 5".as_ptr(), e.out());
        assert_eq!(s, FIKS_ERROR_CONFIG);
        assert!(e.message().contains("did you mean `timeout_seconds`"), "{}", e.message());
        let pem = c("-----BEGIN PRIVATE KEY-----\nMIIEvQ-SECRET\n-----END PRIVATE KEY-----\n");
        assert_eq!(fiks_config_set(config, c"private_key".as_ptr(), pem.as_ptr(), e.out()), FIKS_OK);
        fiks_config_free(config);
    }
}
