//! Property tests of the C ABI's inputs: arbitrary bytes as every string and buffer argument,
//! invalid UTF-8 in every string position. Every call returns a status (never
//! `FIKS_ERROR_INTERNAL`, which would mean a caught panic) and writes out-params only on success.

use std::ffi::{CString, c_char};
use std::ptr;

use fiks_integrasjon_mock::testing::TestMock;
use proptest::prelude::*;

use super::*;
use crate::fiks_status::*;

/// Bytes turned into a NUL-terminated C string (interior NULs dropped).
fn c(bytes: &[u8]) -> Vec<u8> {
    let mut v: Vec<u8> = bytes.iter().copied().filter(|b| *b != 0).collect();
    v.push(0);
    v
}

fn ptr_of(v: &[u8]) -> *const c_char {
    v.as_ptr().cast()
}

fn not_internal(status: fiks_status, e: &ErrorOut) {
    assert_ne!(status, FIKS_ERROR_INTERNAL, "a panic was caught: {}", e.message());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn config_inputs_never_panic(key in proptest::collection::vec(any::<u8>(), 0..40),
                                 value in proptest::collection::vec(any::<u8>(), 0..80),
                                 data in proptest::collection::vec(any::<u8>(), 1..300)) {
        let mut e = ErrorOut::new();
        let config = fiks_config_new();
        let (k, v) = (c(&key), c(&value));
        unsafe {
            not_internal(fiks_config_set(config, ptr_of(&k), ptr_of(&v), e.out()), &e);
            not_internal(fiks_config_set(config, c"issuer".as_ptr(), ptr_of(&v), e.out()), &e);
            not_internal(fiks_config_load_file(config, ptr_of(&v), e.out()), &e);
            not_internal(fiks_config_set_certificate_pkcs12(config, data.as_ptr(), data.len(), ptr_of(&v), e.out()), &e);
            let mut client = ptr::null_mut();
            let s = fiks_client_new(config, &mut client, e.out());
            not_internal(s, &e);
            prop_assert_eq!(s == FIKS_OK, !client.is_null());
            fiks_client_free(client);
            fiks_config_free(config);
        }
    }

    #[test]
    fn parse_error_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut e = ErrorOut::new();
        unsafe {
            let s = fiks_parse_error(body.as_ptr(), body.len(), 0, e.out());
            not_internal(s, &e);
            prop_assert!(s == FIKS_OK || s == FIKS_ERROR_INVALID_ARGUMENT);
        }
    }
}

/// A client of the mock, shared by the request fuzzing below.
struct Live {
    _fixture: TestMock,
    client: *mut fiks_client,
}

fn live() -> Live {
    let fixture = TestMock::start();
    let path = CString::new(fixture.config_path().to_str().expect("utf-8")).expect("no NUL");
    let mut e = ErrorOut::new();
    let config = fiks_config_new();
    let mut client = ptr::null_mut();
    unsafe {
        assert_eq!(fiks_config_load_file(config, path.as_ptr(), e.out()), FIKS_OK, "{}", e.message());
        assert_eq!(fiks_config_set(config, c"max_retries".as_ptr(), c"0".as_ptr(), e.out()), FIKS_OK);
        assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_OK, "{}", e.message());
        fiks_config_free(config);
    }
    Live { _fixture: fixture, client }
}

#[test]
fn request_inputs_never_panic() {
    let l = live();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 200, ..ProptestConfig::default() });
    let strategy = (
        proptest::collection::vec(any::<u8>(), 0..12),
        proptest::collection::vec(any::<u8>(), 0..60),
        proptest::collection::vec(any::<u8>(), 0..30),
        proptest::collection::vec(any::<u8>(), 0..30),
        proptest::collection::vec(any::<u8>(), 0..100),
    );
    runner
        .run(&strategy, |(method, path, hname, hvalue, body)| {
            let (m, p, hn, hv) = (c(&method), c(&path), c(&hname), c(&hvalue));
            let names = [ptr_of(&hn)];
            let values = [ptr_of(&hv)];
            let mut e = ErrorOut::new();
            let mut resp = ptr::null_mut();
            unsafe {
                let s = fiks_client_request_with_headers(
                    l.client,
                    ptr_of(&m),
                    ptr_of(&p),
                    names.as_ptr(),
                    values.as_ptr(),
                    1,
                    body.as_ptr(),
                    body.len(),
                    &mut resp,
                    e.out(),
                );
                not_internal(s, &e);
                prop_assert_eq!(s == FIKS_OK, !resp.is_null());
                fiks_response_free(resp);
                let mut token = ptr::null_mut();
                let s = fiks_client_access_token_for_scopes(l.client, ptr_of(&p), &mut token, e.out());
                not_internal(s, &e);
                fiks_string_free(token);
            }
            Ok(())
        })
        .expect("no input panics");
    unsafe { fiks_client_free(l.client) };
}

#[test]
fn invalid_utf8_in_every_string_position_of_requests() {
    let l = live();
    let bad: &[u8] = b"GET\xff\0";
    let ok_m = c"GET".as_ptr();
    let ok_p = c"/echo".as_ptr();
    let ok_h = c"X-Test".as_ptr();
    let mut e = ErrorOut::new();
    let mut resp = ptr::null_mut();
    unsafe {
        let cases: [(*const c_char, *const c_char, *const c_char, *const c_char, &str); 4] = [
            (ptr_of(bad), ok_p, ok_h, ok_h, "`method`"),
            (ok_m, ptr_of(bad), ok_h, ok_h, "`path`"),
            (ok_m, ok_p, ptr_of(bad), ok_h, "header_names"),
            (ok_m, ok_p, ok_h, ptr_of(bad), "header_values"),
        ];
        for (m, p, hn, hv, named) in cases {
            let names = [hn];
            let values = [hv];
            let s = fiks_client_request_with_headers(
                l.client,
                m,
                p,
                names.as_ptr(),
                values.as_ptr(),
                1,
                ptr::null(),
                0,
                &mut resp,
                e.out(),
            );
            assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT, "{named}");
            assert!(e.message().contains(named), "{named}: {}", e.message());
            assert!(resp.is_null());
        }
        let s = fiks_client_request(l.client, ptr_of(bad), ok_p, ptr::null(), 0, &mut resp, e.out());
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        let mut token = ptr::null_mut();
        let s = fiks_client_access_token_for_scopes(l.client, ptr_of(bad), &mut token, e.out());
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("`scopes`"), "{}", e.message());
        assert!(token.is_null());
        // A NULL header array with a count is caught too.
        let s = fiks_client_request_with_headers(
            l.client,
            ok_m,
            ok_p,
            ptr::null(),
            ptr::null(),
            2,
            ptr::null(),
            0,
            &mut resp,
            e.out(),
        );
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        fiks_client_free(l.client);
    }
}
