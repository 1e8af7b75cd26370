//! Against the strict mock: the full flow, every error kind with its fields, double use and
//! one client shared by many threads.

use std::ffi::{CString, c_char};
use std::ptr;
use std::sync::Arc;

use fiks_integrasjon_mock::testing::TestMock;

use super::*;
use crate::fiks_status::*;

/// The shared test fixture (`env.mock`, `env.files`, ...) and its fiks.toml's path for C.
struct Env {
    fixture: TestMock,
    config_path: CString,
}

impl std::ops::Deref for Env {
    type Target = TestMock;
    fn deref(&self) -> &TestMock {
        &self.fixture
    }
}

fn env() -> Env {
    let fixture = TestMock::start();
    let config_path = CString::new(fixture.config_path().to_str().expect("utf-8 path")).expect("no NUL");
    Env { fixture, config_path }
}

impl Env {
    /// A config loaded from fiks.toml with extra `fiks_config_set` pairs.
    fn config(&self, pairs: &[(&str, &str)]) -> *mut fiks_config {
        let config = fiks_config_new();
        let mut e = ErrorOut::new();
        unsafe {
            assert_eq!(fiks_config_load_file(config, self.config_path.as_ptr(), e.out()), FIKS_OK, "{}", e.message());
            for (k, v) in pairs {
                let (k, v) = (CString::new(*k).unwrap(), CString::new(*v).unwrap());
                assert_eq!(fiks_config_set(config, k.as_ptr(), v.as_ptr(), e.out()), FIKS_OK, "{}", e.message());
            }
        }
        config
    }

    fn client(&self, pairs: &[(&str, &str)]) -> *mut fiks_client {
        let config = self.config(pairs);
        let mut client = ptr::null_mut();
        let mut e = ErrorOut::new();
        unsafe {
            assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_OK, "{}", e.message());
            fiks_config_free(config);
        }
        assert!(!client.is_null());
        client
    }
}

/// Takes an owned token string, freeing it.
fn take_token(p: *mut c_char) -> String {
    let s = text(p).expect("a token");
    // SAFETY: p came from fiks_client_access_token*.
    unsafe { fiks_string_free(p) };
    s
}

fn request(
    client: *mut fiks_client,
    method: &str,
    path: &str,
    body: &[u8],
    e: &mut ErrorOut,
) -> (fiks_status, *mut fiks_response) {
    let (m, p) = (CString::new(method).unwrap(), CString::new(path).unwrap());
    let mut resp = ptr::null_mut();
    let body_ptr = if body.is_empty() { ptr::null() } else { body.as_ptr() };
    // SAFETY: valid arguments.
    let s = unsafe { fiks_client_request(client, m.as_ptr(), p.as_ptr(), body_ptr, body.len(), &mut resp, e.out()) };
    (s, resp)
}

fn body_of(resp: *const fiks_response) -> String {
    let mut len = 0usize;
    // SAFETY: resp is a live response.
    unsafe {
        let p = fiks_response_body(resp, &mut len);
        assert!(!p.is_null());
        String::from_utf8_lossy(std::slice::from_raw_parts(p, len)).into_owned()
    }
}

#[test]
fn full_flow_token_headers_sok() {
    let env = env();
    let client = env.client(&[]);
    let mut e = ErrorOut::new();
    unsafe {
        let mut t1 = ptr::null_mut();
        let mut t2 = ptr::null_mut();
        assert_eq!(fiks_client_access_token(client, &mut t1, e.out()), FIKS_OK, "{}", e.message());
        assert_eq!(fiks_client_access_token(client, &mut t2, e.out()), FIKS_OK, "{}", e.message());
        let (t1, t2) = (take_token(t1), take_token(t2));
        assert_eq!(t1, t2, "the second token comes from the cache");
        assert_eq!(env.mock.counters().tokens_issued, 1);

        let mut h = ptr::null_mut();
        assert_eq!(fiks_client_headers(client, &mut h, e.out()), FIKS_OK);
        assert_eq!(fiks_headers_count(h), 3);
        let pairs: Vec<_> =
            (0..3).map(|i| (text(fiks_headers_name(h, i)).unwrap(), text(fiks_headers_value(h, i)).unwrap())).collect();
        assert_eq!(pairs[0], ("Authorization".to_string(), format!("Bearer {t1}")));
        assert_eq!(pairs[1].0, "IntegrasjonId");
        assert_eq!(pairs[2].0, "IntegrasjonPassord");
        assert!(fiks_headers_name(h, 3).is_null());
        fiks_headers_free(h);

        let (s, resp) = request(client, "POST", "/innsyn-sok/api/v1/sok", br#"{"sok": "byggesak"}"#, &mut e);
        assert_eq!(s, FIKS_OK, "{}", e.message());
        assert_eq!(fiks_response_status(resp), 200);
        assert!(body_of(resp).contains("byggesak"), "{}", body_of(resp));
        let n = fiks_response_headers_count(resp);
        let names: Vec<_> = (0..n).map(|i| text(fiks_response_header_name(resp, i)).unwrap()).collect();
        assert!(names.iter().any(|h| h == "content-type"), "{names:?}");
        assert!(fiks_response_header_value(resp, n).is_null());
        fiks_response_free(resp);

        let mut scoped = ptr::null_mut();
        assert_eq!(fiks_client_access_token_for_scopes(client, c"ks:fiks".as_ptr(), &mut scoped, e.out()), FIKS_OK);
        assert!(!take_token(scoped).is_empty());
        assert_eq!(
            fiks_client_access_token_for_scopes(client, c"  ".as_ptr(), &mut scoped, e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("`scopes` is empty"));
        fiks_client_free(client);
    }
}

#[test]
fn request_with_headers_and_content_type() {
    let env = env();
    let client = env.client(&[]);
    let mut e = ErrorOut::new();
    let names = [c"X-Fiks-Test".as_ptr(), c"Content-Type".as_ptr()];
    let values = [c"hei".as_ptr(), c"text/plain".as_ptr()];
    let mut resp = ptr::null_mut();
    unsafe {
        let s = fiks_client_request_with_headers(
            client,
            c"PUT".as_ptr(),
            c"/echo".as_ptr(),
            names.as_ptr(),
            values.as_ptr(),
            2,
            b"tekst".as_ptr(),
            5,
            &mut resp,
            e.out(),
        );
        assert_eq!(s, FIKS_OK, "{}", e.message());
        let echo = body_of(resp);
        assert!(echo.contains("hei") && echo.contains("text/plain") && echo.contains("PUT"), "{echo}");
        fiks_response_free(resp);

        let bad_names = [c"bad name".as_ptr()];
        let s = fiks_client_request_with_headers(
            client,
            c"GET".as_ptr(),
            c"/echo".as_ptr(),
            bad_names.as_ptr(),
            values.as_ptr(),
            1,
            ptr::null(),
            0,
            &mut resp,
            e.out(),
        );
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        assert!(
            e.message().contains("`header_names[0]`") && e.message().contains("is not an HTTP header name"),
            "{}",
            e.message()
        );
        let s = fiks_client_request_with_headers(
            client,
            c"GET".as_ptr(),
            c"/echo".as_ptr(),
            ptr::null(),
            ptr::null(),
            2,
            ptr::null(),
            0,
            &mut resp,
            e.out(),
        );
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("`header_names` is NULL but the count is 2"), "{}", e.message());
        let (s, _) = request(client, "GE T", "/echo", b"", &mut e);
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("`method`"), "{}", e.message());
        fiks_client_free(client);
    }
}

#[test]
fn api_error_has_every_field() {
    let env = env();
    let client = env.client(&[]);
    let mut e = ErrorOut::new();
    let (s, resp) = request(client, "POST", "/status/404", b"", &mut e);
    assert_eq!(s, FIKS_ERROR_API, "{}", e.message());
    assert!(resp.is_null());
    unsafe {
        assert_eq!(e.kind(), FIKS_ERROR_API);
        assert_eq!(fiks_error_http_status(e.0), 404);
        let id = e.get(fiks_error_id).expect("errorId");
        assert_eq!(id.len(), 36);
        assert_eq!(e.get(fiks_error_code).as_deref(), Some("MOCK_FEIL"));
        assert_eq!(e.get(fiks_error_json).as_deref(), Some(r#"{"antall":13}"#));
        assert!(e.get(fiks_error_fiks_message).is_some());
        assert!(e.get(fiks_error_path).unwrap().ends_with("/status/404"));
        // The mock sends no originalPath (KS: "in rare cases"); the KS example in
        // arguments.rs covers it.
        assert!(e.get(fiks_error_original_path).is_none_or(|p| p.starts_with('/')));
        assert!(e.get(fiks_error_error).is_some());
        let mut ts = 0;
        assert!(fiks_error_timestamp(e.0, &mut ts) && ts > 1_600_000_000_000);
        let mut len = 0;
        let body = fiks_error_body(e.0, &mut len);
        assert!(String::from_utf8_lossy(std::slice::from_raw_parts(body.cast::<u8>(), len)).contains(&id));
        assert!(e.message().contains(&id) && !e.message().contains("hint:"), "{}", e.message());
        assert!(e.get(fiks_error_hint).is_some_and(|h| h.contains("path")), "a 404's hint");
        fiks_client_free(client);
    }
}

#[test]
fn token_certificate_and_transport_errors() {
    let env = env();
    let mut e = ErrorOut::new();
    unsafe {
        // Token: an issuer Maskinporten does not know.
        let client = env.client(&[("issuer", "ukjent-klient")]);
        let mut token = ptr::null_mut();
        assert_eq!(fiks_client_access_token(client, &mut token, e.out()), FIKS_ERROR_TOKEN, "{}", e.message());
        assert!(token.is_null());
        assert!((400..500).contains(&fiks_error_http_status(e.0)));
        assert!(e.get(fiks_error_oauth_error).is_some());
        assert!(e.get(fiks_error_oauth_description).is_some());
        assert!(e.get(fiks_error_mp_code).unwrap().starts_with("MP-"));
        assert!(fiks_error_body(e.0, ptr::null_mut()).is_null());
        fiks_client_free(client);

        // Certificate: a wrong password, never quoted.
        let config = env.config(&[("certificate_password", "feil-passord")]);
        let mut client = ptr::null_mut();
        assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_ERROR_CERTIFICATE, "{}", e.message());
        assert!(client.is_null());
        assert!(!e.message().contains("feil-passord"));
        // The in-memory PKCS#12 with a NULL (empty) password: also the wrong password.
        let p12 = std::fs::read(&env.files.p12).unwrap();
        assert_eq!(fiks_config_set_certificate_pkcs12(config, p12.as_ptr(), p12.len(), ptr::null(), e.out()), FIKS_OK);
        assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_ERROR_CERTIFICATE, "{}", e.message());
        // With the right one it works.
        let pw = CString::new(env.mock.pki().password()).unwrap();
        assert_eq!(fiks_config_set_certificate_pkcs12(config, p12.as_ptr(), p12.len(), pw.as_ptr(), e.out()), FIKS_OK);
        assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_OK, "{}", e.message());
        let mut token = ptr::null_mut();
        assert_eq!(fiks_client_access_token(client, &mut token, e.out()), FIKS_OK, "{}", e.message());
        take_token(token);
        fiks_client_free(client);
        fiks_config_free(config);

        // Transport: nothing listens there; no retries.
        let client = env.client(&[("fiks_base_url", "http://127.0.0.1:9/fiks"), ("max_retries", "0")]);
        let (s, _) = request(client, "GET", "/echo", b"", &mut e);
        assert_eq!(s, FIKS_ERROR_TRANSPORT, "{}", e.message());
        assert!(e.message().contains("127.0.0.1:9"), "{}", e.message());
        fiks_client_free(client);
    }
}

#[test]
fn double_use_of_config_client_and_objects() {
    let env = env();
    let mut e = ErrorOut::new();
    let config = env.config(&[]);
    unsafe {
        let (mut a, mut b) = (ptr::null_mut(), ptr::null_mut());
        assert_eq!(fiks_client_new(config, &mut a, e.out()), FIKS_OK);
        // Changing the config afterwards does not change a client already made from it.
        assert_eq!(fiks_config_set(config, c"issuer".as_ptr(), c"ukjent-klient".as_ptr(), e.out()), FIKS_OK);
        assert_eq!(fiks_client_new(config, &mut b, e.out()), FIKS_OK);
        fiks_config_free(config);
        let mut t = ptr::null_mut();
        assert_eq!(fiks_client_access_token(a, &mut t, e.out()), FIKS_OK, "{}", e.message());
        take_token(t);
        assert_eq!(fiks_client_access_token(b, &mut t, e.out()), FIKS_ERROR_TOKEN);
        // Two headers objects from one client are independent; both outlive the client.
        let (mut h1, mut h2) = (ptr::null_mut(), ptr::null_mut());
        assert_eq!(fiks_client_headers(a, &mut h1, e.out()), FIKS_OK);
        assert_eq!(fiks_client_headers(a, &mut h2, e.out()), FIKS_OK);
        assert_ne!(h1, h2);
        fiks_client_free(a);
        fiks_client_free(b);
        assert_eq!(text(fiks_headers_value(h1, 0)), text(fiks_headers_value(h2, 0)));
        fiks_headers_free(h1);
        fiks_headers_free(h2);
        // Reusing one error out-param across calls (each error freed before the next).
        for _ in 0..3 {
            assert_eq!(
                fiks_config_set(ptr::null_mut(), ptr::null(), ptr::null(), e.out()),
                FIKS_ERROR_INVALID_ARGUMENT
            );
        }
    }
}

/// A client pointer shared between threads, as C does.
#[derive(Clone, Copy)]
struct Shared(*mut fiks_client);
// SAFETY: fiks_client is documented thread safe.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

#[test]
fn sixteen_threads_share_one_client_and_one_token() {
    let env = env();
    let client = Shared(env.client(&[]));
    let barrier = Arc::new(std::sync::Barrier::new(16));
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let client = client;
                barrier.wait();
                let mut e = ErrorOut::new();
                let mut seen = Vec::new();
                for i in 0..20 {
                    let mut t = ptr::null_mut();
                    // SAFETY: the client is live until every thread has joined.
                    let s = unsafe { fiks_client_access_token(client.0, &mut t, e.out()) };
                    assert_eq!(s, FIKS_OK, "{}", e.message());
                    seen.push(take_token(t));
                    if i % 10 == 0 {
                        let (s, resp) = request(client.0, "POST", "/innsyn-sok/api/v1/sok", br#"{"sok":"x"}"#, &mut e);
                        assert_eq!(s, FIKS_OK, "{}", e.message());
                        // SAFETY: a live response.
                        unsafe { fiks_response_free(resp) };
                    }
                }
                seen
            })
        })
        .collect();
    let tokens: std::collections::HashSet<String> =
        handles.into_iter().flat_map(|h| h.join().expect("no panic")).collect();
    assert_eq!(tokens.len(), 1, "every thread saw the same token");
    assert_eq!(env.mock.counters().tokens_issued, 1, "one fetch for all");
    // Freed from a thread that never used it.
    std::thread::spawn(move || {
        let client = client;
        // SAFETY: no call on it is running.
        unsafe { fiks_client_free(client.0) }
    })
    .join()
    .unwrap();
}
