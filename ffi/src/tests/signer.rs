//! `fiks_config_set_signer` through the extern functions, against the mock: a callback that
//! signs (x5c from a key-less chain, or kid), one that fails with a message (terminated or not,
//! invalid UTF-8, none), bad lengths, another key, one that hangs past `timeout_seconds`; NULL
//! arguments; the core's rules on keys that go with a signer; `free_user_data` exactly once,
//! after the last config and client holding the signer are gone.

use std::ffi::{CString, c_char, c_void};
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use fiks::signer::{RsaKeySigner, Signer};
use fiks_integrasjon_mock::testing::{TestMock, wait_until};

use super::*;
use crate::fiks_status::*;

/// What the test callback does.
enum Behaviour {
    /// Signs with this key.
    Sign(RsaKeySigner),
    /// Returns `status` after writing `message` (exactly these bytes, no NUL added).
    Fail { status: i32, message: Vec<u8> },
    /// Returns 0 with this length (the buffer left as it is).
    Length(usize),
    /// Waits until [`Probe::release`], then fails.
    Block,
    /// Calls `fiks_client_access_token` of [`Probe::client`] (recording its status), then signs.
    Reenter(RsaKeySigner),
}

/// The test callback's `user_data`: its behaviour and what happened to it.
struct Probe {
    behaviour: Behaviour,
    calls: AtomicUsize,
    frees: AtomicUsize,
    capacities: Mutex<Option<(usize, usize)>>,
    released: Mutex<bool>,
    gate: Condvar,
    client: AtomicPtr<fiks_client>,
    reentered: Mutex<Option<fiks_status>>,
}

impl Probe {
    fn new(behaviour: Behaviour) -> Arc<Probe> {
        Arc::new(Probe {
            behaviour,
            calls: AtomicUsize::new(0),
            frees: AtomicUsize::new(0),
            capacities: Mutex::new(None),
            released: Mutex::new(false),
            gate: Condvar::new(),
            client: AtomicPtr::new(ptr::null_mut()),
            reentered: Mutex::new(None),
        })
    }

    fn signing(pkcs8: &[u8]) -> Arc<Probe> {
        Probe::new(Behaviour::Sign(RsaKeySigner::from_pkcs8(pkcs8).expect("an RSA key")))
    }

    fn release(&self) {
        *self.released.lock().unwrap() = true;
        self.gate.notify_all();
    }

    fn frees(&self) -> usize {
        self.frees.load(Ordering::SeqCst)
    }

    /// A strong count for the library (taken back by `free_probe`).
    fn user_data(self: &Arc<Probe>) -> *mut c_void {
        Arc::into_raw(self.clone()).cast_mut().cast()
    }
}

unsafe extern "C" fn sign_with_probe(
    user_data: *mut c_void,
    input: *const u8,
    input_len: usize,
    signature_out: *mut u8,
    signature_capacity: usize,
    signature_len_out: *mut usize,
    message_out: *mut c_char,
    message_capacity: usize,
) -> i32 {
    // SAFETY: `user_data` is a `Probe` kept alive by the count `free_probe` gives back.
    let probe = unsafe { &*user_data.cast::<Probe>() };
    probe.calls.fetch_add(1, Ordering::SeqCst);
    *probe.capacities.lock().unwrap() = Some((signature_capacity, message_capacity));
    // SAFETY: the library passes `input_len` readable bytes and buffers of the given capacities.
    let (input, signature, message) = unsafe {
        (
            std::slice::from_raw_parts(input, input_len),
            std::slice::from_raw_parts_mut(signature_out, signature_capacity),
            std::slice::from_raw_parts_mut(message_out.cast::<u8>(), message_capacity),
        )
    };
    if let Behaviour::Reenter(_) = probe.behaviour {
        let mut t = ptr::null_mut();
        // SAFETY: the client the test stored; it outlives the token request.
        let status = unsafe { fiks_client_access_token(probe.client.load(Ordering::SeqCst), &mut t, ptr::null_mut()) };
        // SAFETY: NULL, or a token handed out by that call.
        unsafe { fiks_string_free(t) };
        *probe.reentered.lock().unwrap() = Some(status);
    }
    match &probe.behaviour {
        Behaviour::Sign(key) | Behaviour::Reenter(key) => match key.sign(input) {
            Ok(s) if s.len() <= signature.len() => {
                signature[..s.len()].copy_from_slice(&s);
                // SAFETY: a valid out-parameter.
                unsafe { *signature_len_out = s.len() };
                0
            }
            _ => 1,
        },
        Behaviour::Fail { status, message: text } => {
            let n = text.len().min(message.len());
            message[..n].copy_from_slice(&text[..n]);
            *status
        }
        Behaviour::Length(len) => {
            // SAFETY: a valid out-parameter.
            unsafe { *signature_len_out = *len };
            0
        }
        Behaviour::Block => {
            let released = probe.released.lock().unwrap();
            drop(probe.gate.wait_while(released, |r| !*r).unwrap());
            -1
        }
    }
}

unsafe extern "C" fn free_probe(user_data: *mut c_void) {
    // SAFETY: the count `Probe::user_data` handed out, given back once.
    let probe = unsafe { Arc::from_raw(user_data.cast_const().cast::<Probe>()) };
    probe.frees.fetch_add(1, Ordering::SeqCst);
}

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn set(config: *mut fiks_config, key: &str, value: &str) {
    let (k, v) = (c(key), c(value));
    let mut e = ErrorOut::new();
    // SAFETY: valid arguments.
    assert_eq!(unsafe { fiks_config_set(config, k.as_ptr(), v.as_ptr(), e.out()) }, FIKS_OK, "{}", e.message());
}

/// A config for the mock without a certificate or key: every other key of its fiks.toml.
fn keyless_config(mock: &TestMock) -> *mut fiks_config {
    let config = fiks_config_new();
    for (key, value) in mock.settings.pairs() {
        if key != "certificate" && key != "certificate_password" {
            set(config, key, &value);
        }
    }
    config
}

/// A keyless config with `certificate` = the mock's chain.pem and `probe` as its signer.
fn signer_config(mock: &TestMock, probe: &Arc<Probe>) -> *mut fiks_config {
    let config = keyless_config(mock);
    set(config, "certificate", mock.files.chain_pem.to_str().unwrap());
    attach(config, probe);
    config
}

fn attach(config: *mut fiks_config, probe: &Arc<Probe>) {
    let mut e = ErrorOut::new();
    let user_data = probe.user_data();
    // SAFETY: valid arguments; on success the library owns the count behind `user_data`.
    let s = unsafe { fiks_config_set_signer(config, Some(sign_with_probe), user_data, Some(free_probe), e.out()) };
    assert_eq!(s, FIKS_OK, "{}", e.message());
}

fn new_client(config: *const fiks_config) -> *mut fiks_client {
    let mut client = ptr::null_mut();
    let mut e = ErrorOut::new();
    // SAFETY: valid arguments.
    assert_eq!(unsafe { fiks_client_new(config, &mut client, e.out()) }, FIKS_OK, "{}", e.message());
    client
}

/// The token, or the error's kind, problem, config key and message.
fn token(client: *mut fiks_client) -> Result<String, (fiks_status, Option<String>, Option<String>, String)> {
    let mut t = ptr::null_mut();
    let mut e = ErrorOut::new();
    // SAFETY: valid arguments.
    let s = unsafe { fiks_client_access_token(client, &mut t, e.out()) };
    if s == FIKS_OK {
        let value = text(t).unwrap();
        // SAFETY: an owned token.
        unsafe { fiks_string_free(t) };
        return Ok(value);
    }
    assert!(t.is_null());
    Err((s, e.get(fiks_error_problem), e.get(fiks_error_config_key), e.message()))
}

#[test]
fn a_callback_signs_for_a_keyless_chain_and_is_freed_once_after_the_last_holder() {
    let mock = TestMock::start();
    let probe = Probe::signing(mock.pki().key_pkcs8_der());
    let config = signer_config(&mock, &probe);
    let client = new_client(config);
    let second = new_client(config);
    unsafe { fiks_config_free(config) };
    let t = token(client).expect("a token");
    assert!(!t.is_empty());
    assert_eq!(probe.calls.load(Ordering::SeqCst), 1);
    assert_eq!(*probe.capacities.lock().unwrap(), Some((1024, 512)), "the capacities the header documents");
    let counters = mock.mock.counters();
    assert_eq!(counters.tokens_issued, 1);
    let header = counters.last_grant_header.expect("a grant header");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["x5c"].as_array().map(Vec::len), Some(2), "leaf and intermediate from chain.pem: {header}");
    // The cache: no second signature for the same request.
    assert_eq!(token(client).unwrap(), t);
    assert_eq!(probe.calls.load(Ordering::SeqCst), 1);
    // Held by two clients: freed when the last goes, once.
    unsafe { fiks_client_free(client) };
    assert_eq!(probe.frees(), 0);
    assert!(token(second).is_ok());
    unsafe { fiks_client_free(second) };
    assert_eq!(probe.frees(), 1);
    assert_eq!(Arc::strong_count(&probe), 1, "the library's count was given back");
}

#[test]
fn a_signer_with_key_id_and_no_certificate_sends_kid() {
    let mock = TestMock::start();
    let probe = Probe::signing(mock.pki().key_pkcs8_der());
    let config = keyless_config(&mock);
    set(config, "key_id", mock.pki().kid());
    attach(config, &probe);
    let client = new_client(config);
    unsafe { fiks_config_free(config) };
    assert_eq!(probe.frees(), 0, "the client still holds the signer");
    assert!(token(client).is_ok());
    let header = mock.mock.counters().last_grant_header.unwrap();
    assert_eq!(header["kid"], mock.pki().kid());
    assert!(header.get("x5c").is_none(), "{header}");
    unsafe { fiks_client_free(client) };
    assert_eq!(probe.frees(), 1);
}

#[test]
fn a_failing_callback_gives_its_message_as_a_signer_error() {
    let mock = TestMock::start();
    let cases: Vec<(Vec<u8>, i32, Vec<String>)> = vec![
        (
            b"HSM offline: slot 3 not found\0".to_vec(),
            7,
            vec!["HSM offline: slot 3 not found".into(), "returned 7".into()],
        ),
        // Not terminated: read within the 512 bytes and no further.
        (vec![b'x'; 600], -2, vec!["x".repeat(512), "returned -2".into()]),
        (b"bad \xff byte\0".to_vec(), 1, vec!["bad \u{FFFD} byte".into()]),
        (Vec::new(), 3, vec!["returned 3 without a message".into()]),
    ];
    for (message, status, expected) in cases {
        let probe = Probe::new(Behaviour::Fail { status, message });
        let config = signer_config(&mock, &probe);
        let client = new_client(config);
        unsafe { fiks_config_free(config) };
        let (kind, problem, key, text) = token(client).unwrap_err();
        assert_eq!(kind, FIKS_ERROR_CERTIFICATE, "{text}");
        assert_eq!(problem.as_deref(), Some("signer"));
        assert_eq!(key.as_deref(), Some("signer"));
        assert!(text.contains("the external signer failed"), "{text}");
        for part in expected {
            assert!(text.contains(&part), "{text:?} lacks {part:?}");
        }
        assert!(!text.contains(&"x".repeat(513)), "read past the message buffer");
        unsafe { fiks_client_free(client) };
        assert_eq!(probe.frees(), 1);
    }
    assert_eq!(mock.mock.counters().token_requests, 0, "no grant went out unsigned");
}

#[test]
fn bad_lengths_and_another_key_are_refused() {
    let mock = TestMock::start();
    for (behaviour, expected) in [
        (Behaviour::Length(1025), "`*signature_len_out` = 1025"),
        (Behaviour::Length(usize::MAX), "must be 1 to 1024"),
        (Behaviour::Length(0), "`*signature_len_out` = 0"),
        // 256 bytes of zeros: the right length, not a signature.
        (Behaviour::Length(256), "does not verify with the certificate's public key"),
        (
            Behaviour::Sign(RsaKeySigner::from_pkcs8(mock.pki().eseal_key_pkcs8_der()).unwrap()),
            "does not verify with the certificate's public key",
        ),
    ] {
        let probe = Probe::new(behaviour);
        let config = signer_config(&mock, &probe);
        let client = new_client(config);
        unsafe { fiks_config_free(config) };
        let (kind, problem, _, text) = token(client).unwrap_err();
        assert_eq!((kind, problem.as_deref()), (FIKS_ERROR_CERTIFICATE, Some("signer")), "{text}");
        assert!(text.contains(expected), "{text:?} lacks {expected:?}");
        unsafe { fiks_client_free(client) };
        assert_eq!(probe.frees(), 1);
    }
    assert_eq!(mock.mock.counters().token_requests, 0);
}

#[test]
fn a_callback_that_hangs_past_timeout_seconds_fails_the_request_and_is_freed_when_it_returns() {
    let mock = TestMock::start();
    let probe = Probe::new(Behaviour::Block);
    let config = signer_config(&mock, &probe);
    set(config, "timeout_seconds", "0.2");
    let client = new_client(config);
    unsafe { fiks_config_free(config) };
    let (kind, problem, _, text) = token(client).unwrap_err();
    assert_eq!((kind, problem.as_deref()), (FIKS_ERROR_CERTIFICATE, Some("signer")), "{text}");
    assert!(text.contains("gave no signature within 0.2 s (`timeout_seconds`)"), "{text}");
    assert_eq!(probe.calls.load(Ordering::SeqCst), 1);
    // The client goes; the hung callback still holds the signer, so user_data stays.
    unsafe { fiks_client_free(client) };
    assert_eq!(probe.frees(), 0, "freed while its callback still runs");
    probe.release();
    wait_until("free_user_data ran after the callback returned", || probe.frees() == 1);
    wait_until("the library gave its count back", || Arc::strong_count(&probe) == 1);
    assert_eq!(probe.frees(), 1);
}

#[test]
fn null_arguments_and_the_cores_rules_on_keys() {
    let mock = TestMock::start();
    let probe = Probe::new(Behaviour::Length(0));
    let mut e = ErrorOut::new();
    unsafe {
        let user_data = probe.user_data();
        let s = fiks_config_set_signer(ptr::null_mut(), Some(sign_with_probe), user_data, Some(free_probe), e.out());
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("fiks_config_set_signer: `config` is NULL"), "{}", e.message());
        let config = keyless_config(&mock);
        let s = fiks_config_set_signer(config, None, user_data, Some(free_probe), e.out());
        assert_eq!(s, FIKS_ERROR_INVALID_ARGUMENT);
        assert!(e.message().contains("`sign` is NULL"), "{}", e.message());
        assert_eq!(fiks_config_set_signer(config, None, user_data, None, ptr::null_mut()), FIKS_ERROR_INVALID_ARGUMENT);
        assert_eq!(probe.frees(), 0, "nothing is taken on failure");
        // Given back by hand: the library never took it.
        free_probe(user_data);
        assert_eq!(probe.frees(), 1);

        // A signer without certificate or key_id, and one with private_key.
        let probe = Probe::new(Behaviour::Length(0));
        attach(config, &probe);
        let mut client = ptr::null_mut();
        assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_ERROR_CONFIG);
        assert!(client.is_null());
        assert_eq!(e.get(fiks_error_config_key).as_deref(), Some("key_id"));
        set(config, "certificate", mock.files.chain_pem.to_str().unwrap());
        set(config, "private_key", mock.files.key_pem.to_str().unwrap());
        assert_eq!(fiks_client_new(config, &mut client, e.out()), FIKS_ERROR_CONFIG);
        assert_eq!(e.get(fiks_error_config_key).as_deref(), Some("private_key"));
        assert_eq!(probe.frees(), 0);
        // Replacing the signer lets go of the first one.
        let other = Probe::new(Behaviour::Length(0));
        attach(config, &other);
        assert_eq!(probe.frees(), 1);
        // A NULL free_user_data is allowed (nothing to call).
        let plain = Probe::new(Behaviour::Length(0));
        let s =
            fiks_config_set_signer(config, Some(sign_with_probe), Arc::as_ptr(&plain).cast_mut().cast(), None, e.out());
        assert_eq!(s, FIKS_OK, "{}", e.message());
        assert_eq!(other.frees(), 1);
        fiks_config_free(config);
        assert_eq!(plain.frees(), 0);
        assert_eq!(Arc::strong_count(&plain), 1);
    }
}

#[test]
fn one_signer_serves_many_threads_and_requests() {
    let mock = TestMock::start();
    let probe = Probe::signing(mock.pki().key_pkcs8_der());
    let config = signer_config(&mock, &probe);
    let client = new_client(config);
    unsafe { fiks_config_free(config) };
    struct Shared(*mut fiks_client);
    // SAFETY: a fiks_client may be used from many threads at once (its contract).
    unsafe impl Sync for Shared {}
    let shared = Shared(client);
    std::thread::scope(|s| {
        for i in 0..8 {
            let shared = &shared;
            s.spawn(move || {
                let mut request = ptr::null_mut();
                let mut e = ErrorOut::new();
                let org = c(&format!("9100000{:02}", 10 + i % 4));
                let mut t = ptr::null_mut();
                unsafe {
                    assert_eq!(fiks_token_request_new(shared.0, &mut request, e.out()), FIKS_OK);
                    assert_eq!(
                        fiks_token_request_set(request, c"consumer_org".as_ptr(), org.as_ptr(), e.out()),
                        FIKS_OK,
                        "{}",
                        e.message()
                    );
                    assert_eq!(
                        fiks_client_access_token_for(shared.0, request, &mut t, e.out()),
                        FIKS_OK,
                        "{}",
                        e.message()
                    );
                    fiks_string_free(t);
                    fiks_token_request_free(request);
                }
            });
        }
    });
    assert_eq!(mock.mock.counters().tokens_issued, 4, "one token per consumer_org");
    assert_eq!(probe.calls.load(Ordering::SeqCst), 4);
    unsafe { fiks_client_free(client) };
    assert_eq!(probe.frees(), 1);
}

#[test]
fn a_callback_calling_the_blocking_functions_of_its_client_gets_a_usage_error() {
    let mock = TestMock::start();
    let probe = Probe::new(Behaviour::Reenter(RsaKeySigner::from_pkcs8(mock.pki().key_pkcs8_der()).unwrap()));
    let config = signer_config(&mock, &probe);
    let client = new_client(config);
    unsafe { fiks_config_free(config) };
    probe.client.store(client, Ordering::SeqCst);
    assert!(token(client).is_ok(), "the callback signed after its call returned");
    assert_eq!(*probe.reentered.lock().unwrap(), Some(FIKS_ERROR_USAGE), "never waits on the library's thread");
    unsafe { fiks_client_free(client) };
    assert_eq!(probe.frees(), 1);
}
