//! Arguments: NULL, invalid UTF-8, unknown keys, NULL accessors and frees; parsing errors.
//! None of these needs the network.

use std::ffi::c_char;
use std::ptr;

use super::*;
use crate::fiks_status::*;

const BAD_UTF8: &[u8] = b"hemmelig\xff\0";

fn bad() -> *const c_char {
    BAD_UTF8.as_ptr().cast()
}

#[test]
fn version_is_the_crate_version() {
    assert_eq!(text(fiks_version()).unwrap(), env!("CARGO_PKG_VERSION"));
    assert_eq!(fiks_abi_version(), crate::FIKS_INTEGRASJON_ABI_VERSION);
}

#[test]
fn null_arguments_are_named() {
    let mut e = ErrorOut::new();
    let config = fiks_config_new();
    unsafe {
        assert_eq!(
            fiks_config_set(ptr::null_mut(), c"issuer".as_ptr(), c"x".as_ptr(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert_eq!(e.kind(), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(e.message(), "fiks_config_set: `config` is NULL");
        assert_eq!(fiks_config_set(config, ptr::null(), c"x".as_ptr(), e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(e.message(), "fiks_config_set: `key` is NULL");
        assert_eq!(fiks_config_set(config, c"issuer".as_ptr(), ptr::null(), e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(e.message(), "fiks_config_set: `value` is NULL");
        assert_eq!(fiks_config_load_file(config, ptr::null(), e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(e.message(), "fiks_config_load_file: `path` is NULL");
        assert_eq!(fiks_config_load_env(ptr::null_mut(), e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(
            fiks_config_set_certificate_pkcs12(config, ptr::null(), 3, ptr::null(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("`data` is NULL"), "{}", e.message());
        assert_eq!(
            fiks_config_set_certificate_pkcs12(config, b"x".as_ptr(), 0, ptr::null(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("`len` is 0"), "{}", e.message());

        let mut client: *mut fiks_client = ptr::null_mut();
        assert_eq!(fiks_client_new(ptr::null(), &mut client, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(e.message(), "fiks_client_new: `config` is NULL");
        assert!(client.is_null(), "out-params are written only on success");
        assert_eq!(fiks_client_new(config, ptr::null_mut(), e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(e.message(), "fiks_client_new: `client_out` is NULL");

        let mut token: *mut c_char = ptr::null_mut();
        assert_eq!(fiks_client_access_token(ptr::null_mut(), &mut token, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(e.message(), "fiks_client_access_token: `client` is NULL");
        assert!(token.is_null());
        assert_eq!(
            fiks_client_access_token_for_scopes(ptr::null_mut(), c"ks:fiks".as_ptr(), &mut token, e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        let mut headers: *mut fiks_headers = ptr::null_mut();
        assert_eq!(fiks_client_headers(ptr::null_mut(), &mut headers, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert!(headers.is_null());
        let mut resp: *mut fiks_response = ptr::null_mut();
        assert_eq!(
            fiks_client_request(ptr::null_mut(), c"GET".as_ptr(), c"/".as_ptr(), ptr::null(), 0, &mut resp, e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert_eq!(e.message(), "fiks_client_request: `client` is NULL");
        assert!(resp.is_null());
        fiks_config_free(config);
    }
}

#[test]
fn invalid_utf8_is_named_and_never_quoted() {
    let mut e = ErrorOut::new();
    let config = fiks_config_new();
    unsafe {
        assert_eq!(
            fiks_config_set(config, c"certificate_password".as_ptr(), bad(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        let m = e.message();
        assert!(m.contains("`value` is not valid UTF-8 (invalid byte at offset 8)"), "{m}");
        assert!(!m.contains("hemmelig"), "{m}");
        assert_eq!(fiks_config_set(config, bad(), c"x".as_ptr(), e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("`key` is not valid UTF-8"));
        assert_eq!(fiks_config_load_file(config, bad(), e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("`path` is not valid UTF-8"));
        assert_eq!(
            fiks_config_set_certificate_pkcs12(config, b"abc".as_ptr(), 3, bad(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("`password` is not valid UTF-8"));
        fiks_config_free(config);
    }
}

#[test]
fn unknown_keys_suggest_the_closest() {
    let mut e = ErrorOut::new();
    let config = fiks_config_new();
    unsafe {
        assert_eq!(fiks_config_set(config, c"isuer".as_ptr(), c"x".as_ptr(), e.out()), FIKS_ERROR_CONFIG);
        assert_eq!(e.kind(), FIKS_ERROR_CONFIG);
        assert!(e.message().contains("did you mean `issuer`"), "{}", e.message());
        assert_eq!(
            fiks_config_set(config, c"nonsense_key_entirely".as_ptr(), c"x".as_ptr(), e.out()),
            FIKS_ERROR_CONFIG
        );
        assert!(e.message().contains("the keys are"), "{}", e.message());
        // Known keys in another case are accepted.
        assert_eq!(fiks_config_set(config, c"Issuer".as_ptr(), c"x".as_ptr(), e.out()), FIKS_OK);
        assert!(e.0.is_null(), "error_out is written only on failure");
        // Missing everything: fiks_client_new reports a config problem, writes no client.
        let mut client: *mut fiks_client = ptr::null_mut();
        assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_ERROR_CONFIG);
        assert!(client.is_null());
        fiks_config_free(config);
    }
}

#[test]
fn error_out_may_be_null() {
    unsafe {
        assert_eq!(
            fiks_config_set(ptr::null_mut(), ptr::null(), ptr::null(), ptr::null_mut()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        let config = fiks_config_new();
        assert_eq!(fiks_config_set(config, c"isuer".as_ptr(), c"x".as_ptr(), ptr::null_mut()), FIKS_ERROR_CONFIG);
        assert_eq!(fiks_config_set(config, c"issuer".as_ptr(), c"x".as_ptr(), ptr::null_mut()), FIKS_OK);
        assert_eq!(
            fiks_config_load_file(config, c"/nonexistent/fiks.toml".as_ptr(), ptr::null_mut()),
            FIKS_ERROR_CONFIG
        );
        fiks_config_free(config);
    }
}

#[test]
fn nulls_give_empty_values_and_frees_are_no_ops() {
    unsafe {
        assert_eq!(fiks_error_kind(ptr::null()), FIKS_ERROR_INVALID_ARGUMENT);
        assert!(fiks_error_message(ptr::null()).is_null());
        assert_eq!(fiks_error_http_status(ptr::null()), 0);
        for f in [
            fiks_error_id,
            fiks_error_code,
            fiks_error_json,
            fiks_error_fiks_message,
            fiks_error_path,
            fiks_error_original_path,
            fiks_error_error,
            fiks_error_oauth_error,
            fiks_error_oauth_description,
            fiks_error_mp_code,
        ] {
            assert!(f(ptr::null()).is_null());
        }
        let mut ts = 7i64;
        assert!(!fiks_error_timestamp(ptr::null(), &mut ts));
        assert_eq!(ts, 7);
        let mut len = 9usize;
        assert!(fiks_error_body(ptr::null(), &mut len).is_null());
        assert_eq!(len, 9);
        assert_eq!(fiks_headers_count(ptr::null()), 0);
        assert!(fiks_headers_name(ptr::null(), 0).is_null());
        assert!(fiks_headers_value(ptr::null(), 0).is_null());
        assert_eq!(fiks_response_status(ptr::null()), 0);
        assert!(fiks_response_body(ptr::null(), &mut len).is_null());
        assert_eq!(fiks_response_headers_count(ptr::null()), 0);
        assert!(fiks_response_header_name(ptr::null(), 0).is_null());
        assert!(fiks_response_header_value(ptr::null(), 0).is_null());
        fiks_config_free(ptr::null_mut());
        fiks_client_free(ptr::null_mut());
        fiks_headers_free(ptr::null_mut());
        fiks_response_free(ptr::null_mut());
        fiks_error_free(ptr::null_mut());
        fiks_string_free(ptr::null_mut());
    }
}

/// The example from KS's page, with errorJson as a string holding JSON.
const KS_EXAMPLE: &str = r#"{"timestamp": 1637218198035, "status": 400, "error": "Bad Request",
 "errorId": "3389ad1b-afa4-42e1-b6f8-76f63e560ad5", "path": "/tjeneste/api/v1/ressurs/123456",
 "originalPath": "/tjeneste/api/v1/ressurs", "message": "Beskrivelse av feilen",
 "errorCode": "FEILKODE", "errorJson": "{\"antall\":13}", "nytt": true}"#;

#[test]
fn parse_error_reads_every_field() {
    let mut e = ErrorOut::new();
    unsafe {
        assert_eq!(fiks_parse_error(KS_EXAMPLE.as_ptr(), KS_EXAMPLE.len(), 0, e.out()), FIKS_OK);
        assert_eq!(e.kind(), FIKS_ERROR_API);
        assert_eq!(fiks_error_http_status(e.0), 400);
        assert_eq!(e.get(fiks_error_error).as_deref(), Some("Bad Request"));
        assert_eq!(e.get(fiks_error_id).as_deref(), Some("3389ad1b-afa4-42e1-b6f8-76f63e560ad5"));
        assert_eq!(e.get(fiks_error_path).as_deref(), Some("/tjeneste/api/v1/ressurs/123456"));
        assert_eq!(e.get(fiks_error_original_path).as_deref(), Some("/tjeneste/api/v1/ressurs"));
        assert_eq!(e.get(fiks_error_fiks_message).as_deref(), Some("Beskrivelse av feilen"));
        assert_eq!(e.get(fiks_error_code).as_deref(), Some("FEILKODE"));
        assert_eq!(e.get(fiks_error_json).as_deref(), Some(r#"{"antall":13}"#));
        assert_eq!(e.get(fiks_error_oauth_error), None);
        assert_eq!(e.get(fiks_error_mp_code), None);
        let mut ts = 0i64;
        assert!(fiks_error_timestamp(e.0, &mut ts));
        assert_eq!(ts, 1637218198035);
        assert!(!fiks_error_timestamp(e.0, ptr::null_mut()));
        let mut len = 0usize;
        let body = fiks_error_body(e.0, &mut len);
        assert_eq!(std::slice::from_raw_parts(body.cast::<u8>(), len), KS_EXAMPLE.as_bytes());
        assert_eq!(*body.add(len), 0, "a NUL follows the body");
        let m = e.message();
        assert!(m.contains("HTTP 400") && m.contains("3389ad1b-afa4-42e1-b6f8-76f63e560ad5"), "{m}");

        let html = b"<html>502 Bad Gateway</html>";
        assert_eq!(fiks_parse_error(html.as_ptr(), html.len(), 0, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().starts_with("fiks_parse_error: `body` is not a Fiks error"), "{}", e.message());
        assert_eq!(fiks_parse_error(ptr::null(), 0, 0, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(fiks_parse_error(ptr::null(), 4, 0, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("`body` is NULL but its length is 4"), "{}", e.message());
        assert_eq!(fiks_parse_error(KS_EXAMPLE.as_ptr(), KS_EXAMPLE.len(), 0, ptr::null_mut()), FIKS_OK);
        assert_eq!(fiks_parse_error(html.as_ptr(), html.len(), 0, ptr::null_mut()), FIKS_ERROR_INVALID_ARGUMENT);
    }
}

#[test]
fn nul_bytes_in_error_text_do_not_cut_or_crash() {
    let body = br#"{"status": 500, "message": "f\u0000r"}"#;
    let mut e = ErrorOut::new();
    unsafe {
        assert_eq!(fiks_parse_error(body.as_ptr(), body.len(), 0, e.out()), FIKS_OK);
    }
    assert_eq!(e.get(fiks_error_fiks_message).as_deref(), Some("f\u{FFFD}r"));
}
