//! One client for many integrasjoner, services and citizens, through the C ABI, against the
//! mock: derived clients send their own `IntegrasjonId`, share one token, outlive their parent;
//! citizens' clients send the person token; named lookups, services, Fiks IO and multipart.

use std::ffi::{CString, c_char};
use std::ptr;

use fiks_integrasjon_mock::mock_integrasjon;
use fiks_integrasjon_mock::testing::TestMock;

use super::*;
use crate::fiks_status::*;

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn client_from(mock: &TestMock, extra: impl FnOnce(*mut fiks_config)) -> *mut fiks_client {
    let config = fiks_config_new();
    let mut e = ErrorOut::new();
    let path = c(mock.config_path().to_str().unwrap());
    let mut client = ptr::null_mut();
    unsafe {
        assert_eq!(fiks_config_load_file(config, path.as_ptr(), e.out()), FIKS_OK, "{}", e.message());
        extra(config);
        assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_OK, "{}", e.message());
        fiks_config_free(config);
    }
    client
}

fn derive(parent: *const fiks_client, id: &str, passord: &str) -> *mut fiks_client {
    let (id, passord) = (c(id), c(passord));
    let mut out = ptr::null_mut();
    let mut e = ErrorOut::new();
    let s = unsafe { fiks_client_for_integrasjon(parent, id.as_ptr(), passord.as_ptr(), &mut out, e.out()) };
    assert_eq!(s, FIKS_OK, "{}", e.message());
    out
}

/// The headers of a client as (name, value) pairs.
fn headers(client: *mut fiks_client) -> Vec<(String, String)> {
    let mut h = ptr::null_mut();
    let mut e = ErrorOut::new();
    unsafe {
        assert_eq!(fiks_client_headers(client, &mut h, e.out()), FIKS_OK, "{}", e.message());
        let pairs = (0..fiks_headers_count(h))
            .map(|i| (text(fiks_headers_name(h, i)).unwrap(), text(fiks_headers_value(h, i)).unwrap()))
            .collect();
        fiks_headers_free(h);
        pairs
    }
}

/// Sends `request` and returns the echo's JSON answer.
fn send_json(client: *mut fiks_client, request: *const fiks_request) -> serde_json::Value {
    let mut resp = ptr::null_mut();
    let mut e = ErrorOut::new();
    unsafe {
        assert_eq!(fiks_client_send(client, request, &mut resp, e.out()), FIKS_OK, "{}", e.message());
        let mut len = 0usize;
        let body = fiks_response_body(resp, &mut len);
        let v = serde_json::from_slice(std::slice::from_raw_parts(body, len)).expect("JSON");
        fiks_response_free(resp);
        v
    }
}

fn new_request(method: &str, path: &str) -> *mut fiks_request {
    let (m, p) = (c(method), c(path));
    let mut r = ptr::null_mut();
    let mut e = ErrorOut::new();
    assert_eq!(unsafe { fiks_request_new(m.as_ptr(), p.as_ptr(), &mut r, e.out()) }, FIKS_OK, "{}", e.message());
    r
}

fn echo(client: *mut fiks_client) -> serde_json::Value {
    let r = new_request("GET", "/echo");
    let v = send_json(client, r);
    unsafe { fiks_request_free(r) };
    v
}

#[test]
fn derived_clients_send_their_own_integrasjon_and_share_one_token() {
    let mock = TestMock::start();
    let parent = client_from(&mock, |_| {});
    let children: Vec<_> = (1..=5)
        .map(|i| {
            let (id, passord) = mock_integrasjon(i);
            (id.clone(), derive(parent, &id, &passord))
        })
        .collect();
    for (id, child) in &children {
        let h = headers(*child);
        assert_eq!(h[1], ("IntegrasjonId".to_string(), id.clone()));
        assert_eq!(echo(*child)["integrasjon_id"], serde_json::json!(id));
    }
    assert_eq!(mock.mock.counters().token_requests, 1, "one token request for every derived client");
    // The parent still sends its own.
    assert_eq!(echo(parent)["integrasjon_id"], serde_json::json!(mock.settings.integrasjon_id));
    // Freeing the parent first: the children go on.
    unsafe { fiks_client_free(parent) };
    for (id, child) in children {
        assert_eq!(echo(child)["integrasjon_id"], serde_json::json!(id));
        unsafe { fiks_client_free(child) };
    }
    assert_eq!(mock.mock.counters().token_requests, 1);
}

#[test]
fn bad_arguments_and_bad_integrasjoner() {
    let mock = TestMock::start();
    let parent = client_from(&mock, |_| {});
    let mut e = ErrorOut::new();
    let mut out = ptr::null_mut();
    unsafe {
        let (bad_id, pw) = (c("not-a-uuid"), c("hemmelig-passord"));
        assert_eq!(
            fiks_client_for_integrasjon(parent, bad_id.as_ptr(), pw.as_ptr(), &mut out, e.out()),
            FIKS_ERROR_CONFIG
        );
        assert!(out.is_null());
        assert!(!e.message().contains("hemmelig-passord"), "{}", e.message());
        let (id, empty) = (c(&mock_integrasjon(1).0), c(""));
        assert_eq!(
            fiks_client_for_integrasjon(parent, id.as_ptr(), empty.as_ptr(), &mut out, e.out()),
            FIKS_ERROR_CONFIG
        );
        assert_eq!(
            fiks_client_for_integrasjon(ptr::null(), id.as_ptr(), pw.as_ptr(), &mut out, e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert!(e.message().contains("`parent` is NULL"), "{}", e.message());
        assert_eq!(
            fiks_client_for_integrasjon(parent, id.as_ptr(), ptr::null(), &mut out, e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert_eq!(
            fiks_client_for_integrasjon(parent, id.as_ptr(), pw.as_ptr(), ptr::null_mut(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        let token = c("");
        assert_eq!(fiks_client_as_person(parent, token.as_ptr(), &mut out, e.out()), FIKS_ERROR_CONFIG);
        assert!(out.is_null());
        fiks_client_free(parent);
    }
}

#[test]
fn named_integrasjoner_from_the_file_and_from_code() {
    let mock = TestMock::start();
    let (id7, pw7) = mock_integrasjon(7);
    let parent = client_from(&mock, |config| {
        let (name, id, pw) = (c("kommune-7"), c(&id7), c(&pw7));
        let mut e = ErrorOut::new();
        let s = unsafe { fiks_config_set_integrasjon(config, name.as_ptr(), id.as_ptr(), pw.as_ptr(), e.out()) };
        assert_eq!(s, FIKS_OK, "{}", e.message());
    });
    let mut e = ErrorOut::new();
    unsafe {
        for (name, id) in [("kommune-1", mock_integrasjon(1).0), ("kommune-7", id7.clone())] {
            let n = c(name);
            let mut child = ptr::null_mut();
            assert_eq!(
                fiks_client_for_integrasjon_named(parent, n.as_ptr(), &mut child, e.out()),
                FIKS_OK,
                "{}",
                e.message()
            );
            assert_eq!(echo(child)["integrasjon_id"], serde_json::json!(id));
            fiks_client_free(child);
        }
        let n = c("oslo");
        let mut child = ptr::null_mut();
        assert_eq!(fiks_client_for_integrasjon_named(parent, n.as_ptr(), &mut child, e.out()), FIKS_ERROR_CONFIG);
        assert!(child.is_null());
        let m = e.message();
        assert!(m.contains("oslo") && m.contains("kommune-1") && m.contains("kommune-7"), "{m}");
        fiks_client_free(parent);
    }
}

#[test]
fn a_bad_named_integrasjon_fails_at_client_new() {
    let mock = TestMock::start();
    let config = fiks_config_new();
    let mut e = ErrorOut::new();
    let path = c(mock.config_path().to_str().unwrap());
    let (name, id, pw) = (c("kommune-x"), c("not-a-uuid"), c("pw"));
    let mut client = ptr::null_mut();
    unsafe {
        assert_eq!(fiks_config_load_file(config, path.as_ptr(), e.out()), FIKS_OK);
        assert_eq!(fiks_config_set_integrasjon(config, name.as_ptr(), id.as_ptr(), pw.as_ptr(), e.out()), FIKS_OK);
        assert_eq!(
            fiks_config_set_integrasjon(config, name.as_ptr(), ptr::null(), pw.as_ptr(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_ERROR_CONFIG);
        assert!(client.is_null());
        fiks_config_free(config);
    }
}

#[test]
fn a_citizen_sends_the_person_token_and_never_asks_maskinporten() {
    let mock = TestMock::start();
    let parent = client_from(&mock, |_| {});
    let token = c(mock.mock.person_token());
    let mut person = ptr::null_mut();
    let mut e = ErrorOut::new();
    unsafe {
        assert_eq!(fiks_client_as_person(parent, token.as_ptr(), &mut person, e.out()), FIKS_OK, "{}", e.message());
        fiks_client_free(parent);
        let h = headers(person);
        assert_eq!(h[0], ("Authorization".to_string(), format!("Bearer {}", mock.mock.person_token())));
        assert_eq!(h[1].1, mock.settings.integrasjon_id);
        let v = echo(person);
        assert_eq!(v["token"]["kind"], "person", "{v}");
        assert_eq!(mock.mock.counters().token_requests, 0);
        let (mut user, mut pass, mut exp, mut renew) = (ptr::null_mut(), ptr::null_mut(), 0i64, 0i64);
        let s = fiks_client_fiks_io_credentials(person, &mut user, &mut pass, &mut exp, &mut renew, e.out());
        assert_eq!(s, FIKS_ERROR_USAGE);
        assert!(user.is_null() && pass.is_null());
        fiks_client_free(person);
    }
}

#[test]
fn fiks_io_credentials() {
    let mock = TestMock::start();
    let parent = client_from(&mock, |_| {});
    let (id, pw) = mock_integrasjon(2);
    let child = derive(parent, &id, &pw);
    let mut e = ErrorOut::new();
    unsafe {
        let (mut user, mut pass, mut exp, mut renew) = (ptr::null_mut(), ptr::null_mut(), 0i64, 0i64);
        let s = fiks_client_fiks_io_credentials(child, &mut user, &mut pass, &mut exp, &mut renew, e.out());
        assert_eq!(s, FIKS_OK, "{}", e.message());
        let (user, pass) = (take(user), take(pass));
        assert_eq!(user, id);
        let mut token = ptr::null_mut();
        assert_eq!(fiks_client_access_token(child, &mut token, e.out()), FIKS_OK);
        assert_eq!(pass, format!("{pw} {}", take(token)));
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        assert!(exp > now - 5 && renew <= exp && renew > now - 120, "exp {exp} renew {renew} now {now}");
        let s = fiks_client_fiks_io_credentials(child, ptr::null_mut(), &mut pass_ptr(), &mut exp, &mut renew, e.out());
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        fiks_client_free(child);
        fiks_client_free(parent);
    }
}

fn pass_ptr() -> *mut c_char {
    ptr::null_mut()
}

fn take(p: *mut c_char) -> String {
    let s = text(p).expect("a string");
    unsafe { fiks_string_free(p) };
    s
}

#[test]
fn services_route_requests_sync_and_async() {
    let mock = TestMock::start();
    let parent = client_from(&mock, |config| {
        let (name, url) = (c("arkiv"), c(&mock.mock.fiks_base_url()));
        let mut e = ErrorOut::new();
        assert_eq!(unsafe { fiks_config_set_service(config, name.as_ptr(), url.as_ptr(), e.out()) }, FIKS_OK);
    });
    let mut e = ErrorOut::new();
    unsafe {
        let r = new_request("GET", "/echo");
        let svarut = c("svarut");
        assert_eq!(fiks_request_set_service(r, svarut.as_ptr(), e.out()), FIKS_OK);
        let v = send_json(parent, r);
        assert_eq!(v["service"], "svarut", "{v}");
        assert!(v["path"].as_str().unwrap().starts_with("/svarut"), "{v}");

        // The async variant takes the same request.
        let (tx, rx) = std::sync::mpsc::channel::<(fiks_status, String)>();
        unsafe extern "C" fn done(
            ud: *mut std::ffi::c_void,
            s: fiks_status,
            resp: *mut fiks_response,
            err: *mut fiks_error,
        ) {
            let tx = unsafe { Box::from_raw(ud.cast::<std::sync::mpsc::Sender<(fiks_status, String)>>()) };
            let mut len = 0usize;
            let body = if resp.is_null() {
                String::new()
            } else {
                let p = unsafe { fiks_response_body(resp, &mut len) };
                String::from_utf8_lossy(unsafe { std::slice::from_raw_parts(p, len) }).into_owned()
            };
            unsafe {
                fiks_response_free(resp);
                fiks_error_free(err)
            };
            tx.send((s, body)).unwrap();
        }
        let ud = Box::into_raw(Box::new(tx)).cast();
        assert_eq!(fiks_client_send_async(parent, r, Some(done), ud, ptr::null_mut(), e.out()), FIKS_OK);
        let (s, body) = rx.recv().unwrap();
        assert_eq!(s, FIKS_OK);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["service"], "svarut", "{v}");

        let arkiv = c("arkiv");
        assert_eq!(fiks_request_set_service(r, arkiv.as_ptr(), e.out()), FIKS_OK);
        assert_eq!(send_json(parent, r)["service"], "fiks");

        let unknown = c("ukjent");
        assert_eq!(fiks_request_set_service(r, unknown.as_ptr(), e.out()), FIKS_OK);
        let mut resp = ptr::null_mut();
        assert_eq!(fiks_client_send(parent, r, &mut resp, e.out()), FIKS_ERROR_USAGE);
        assert!(e.message().contains("ukjent"), "{}", e.message());
        assert_eq!(fiks_request_set_service(r, ptr::null(), e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        // The Fiks headers may go to every configured service.
        let url = c(&format!("{}/echo", mock.mock.svarut_base_url()));
        assert!(fiks_client_may_send_headers(parent, url.as_ptr()));
        fiks_request_free(r);
        fiks_client_free(parent);
    }
}

#[test]
fn multipart_bytes_text_json_and_file() {
    let mock = TestMock::start();
    let parent = client_from(&mock, |_| {});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("brev.pdf");
    std::fs::write(&file, vec![7u8; 100_000]).unwrap();
    let mut e = ErrorOut::new();
    unsafe {
        let parts = fiks_parts_new();
        let (meta, json, doc, text_name, hei) =
            (c("forsendelse"), c(r#"{"tittel": "Vedtak"}"#), c("dokument"), c("merknad"), c("hei"));
        assert_eq!(fiks_parts_add_json(parts, meta.as_ptr(), json.as_ptr(), e.out()), FIKS_OK, "{}", e.message());
        let not_json = c("{tittel");
        assert_eq!(fiks_parts_add_json(parts, meta.as_ptr(), not_json.as_ptr(), e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(fiks_parts_add_text(parts, text_name.as_ptr(), hei.as_ptr(), e.out()), FIKS_OK);
        let (bin, fname, ct) = (c("vedlegg"), c("a.bin"), c("application/octet-stream"));
        assert_eq!(
            fiks_parts_add_bytes(parts, bin.as_ptr(), b"abc".as_ptr(), 3, fname.as_ptr(), ct.as_ptr(), e.out()),
            FIKS_OK
        );
        let path = c(file.to_str().unwrap());
        let pdf = c("application/pdf");
        assert_eq!(
            fiks_parts_add_file(parts, doc.as_ptr(), path.as_ptr(), ptr::null(), pdf.as_ptr(), e.out()),
            FIKS_OK
        );
        assert_eq!(
            fiks_parts_add_bytes(parts, bin.as_ptr(), ptr::null(), 3, ptr::null(), ptr::null(), e.out()),
            FIKS_ERROR_INVALID_ARGUMENT
        );
        assert_eq!(fiks_parts_count(parts), 4);

        let r = new_request("POST", "/echo/multipart");
        assert_eq!(fiks_request_set_multipart(r, parts, e.out()), FIKS_OK, "{}", e.message());
        fiks_parts_free(parts);
        let v = send_json(parent, r);
        let got = v["parts"].as_array().unwrap_or_else(|| panic!("{v}"));
        assert_eq!(got.len(), 4, "{v}");
        assert_eq!(got[0]["name"], "forsendelse");
        assert_eq!(got[0]["content_type"], "application/json");
        assert_eq!(got[3]["filename"], "brev.pdf");
        assert_eq!(got[3]["size"], 100_000, "{v}");
        fiks_request_free(r);

        // The plain echo sees a well-formed multipart content type.
        let r = new_request("POST", "/echo");
        let parts = fiks_parts_new();
        assert_eq!(fiks_parts_add_text(parts, text_name.as_ptr(), hei.as_ptr(), e.out()), FIKS_OK);
        assert_eq!(fiks_request_set_multipart(r, parts, e.out()), FIKS_OK);
        let v = send_json(parent, r);
        assert!(v["content_type"].as_str().unwrap().starts_with("multipart/form-data; boundary="), "{v}");
        fiks_request_free(r);

        // The core's checks: no parts, a bad name.
        let r = new_request("POST", "/echo");
        let empty = fiks_parts_new();
        assert_eq!(fiks_request_set_multipart(r, empty, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("1 to 1000 parts"), "{}", e.message());
        let quoted = c("a\"b");
        assert_eq!(fiks_parts_add_text(parts, quoted.as_ptr(), hei.as_ptr(), e.out()), FIKS_OK);
        assert_eq!(fiks_request_set_multipart(r, parts, e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(fiks_request_set_multipart(r, ptr::null(), e.out()), FIKS_ERROR_INVALID_ARGUMENT);
        fiks_parts_free(empty);
        fiks_parts_free(parts);
        fiks_parts_free(ptr::null_mut());
        fiks_request_free(r);
        fiks_client_free(parent);
    }
}
