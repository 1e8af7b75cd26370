//! Hostile and broken servers: every way the mock can misbehave ends in a clear error, with
//! memory bounded by the caps (never by the timeout) and no thread stuck.
//!
//! The timeouts here are generous (60 s) where the cap must end the exchange: on code without
//! the caps these tests would run into the timeout and fail on the error they get.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::sync::Arc;

use fiks_integrasjon::{
    Error, ErrorKind, FiksRequest, MAX_ERROR_BODY_BYTES, MAX_TOKEN_ANSWER_BYTES, TransportProblem, blocking,
};
use fiks_integrasjon_mock::{Fault, FaultTarget};

const MIB: u64 = 1024 * 1024;

fn client(env: &common::Env, pairs: &[(&str, &str)]) -> blocking::Client {
    let mut all = vec![("timeout_seconds", "60"), ("retry_deadline_seconds", "60"), ("max_retries", "0")];
    all.extend_from_slice(pairs);
    blocking::Client::new(env.with(&all).build().unwrap()).unwrap()
}

fn transport_problem(e: &Error) -> Option<TransportProblem> {
    match e {
        Error::Transport { problem, .. } => Some(*problem),
        _ => None,
    }
}

#[test]
fn an_endless_token_answer_stops_at_the_token_cap() {
    let env = common::env();
    let c = client(&env, &[]);
    for fault in [Fault::Endless, Fault::EndlessError] {
        env.mock.push_fault(FaultTarget::Token, fault.clone(), 1);
        let e = c.token().unwrap_err();
        assert_eq!(transport_problem(&e), Some(TransportProblem::InvalidResponse), "{fault}: {e}");
        assert!(e.to_string().contains(&MAX_TOKEN_ANSWER_BYTES.to_string()), "{e}");
        assert!(!e.is_transient());
    }
    // The client is fine afterwards: the dropped connections are not reused.
    assert!(c.token().is_ok());
}

#[test]
fn an_endless_fiks_answer_stops_at_max_response_bytes() {
    let env = common::env();
    let c = client(&env, &[("max_response_bytes", &MIB.to_string())]);
    c.token().unwrap();
    env.mock.push_fault(FaultTarget::Fiks, Fault::Endless, 1);
    let e = c.request(FiksRequest::get("/echo")).unwrap_err();
    assert_eq!(transport_problem(&e), Some(TransportProblem::TooLarge), "{e}");
    assert_eq!(e.problem(), Some("too_large"));
    assert_eq!(e.config_key(), Some("max_response_bytes"));
    assert!(e.to_string().contains("`max_response_bytes` (1048576 bytes)"), "{e}");
    assert!(e.hint().unwrap().contains("max_response_bytes"));
    assert!(c.request(FiksRequest::get("/echo")).is_ok());
}

#[test]
fn a_content_length_over_the_cap_fails_before_reading() {
    let env = common::env();
    let c = client(&env, &[("max_response_bytes", &MIB.to_string())]);
    c.token().unwrap();
    env.mock.push_fault(FaultTarget::Fiks, Fault::Big(2 * MIB), 1);
    let e = c.request(FiksRequest::get("/echo")).unwrap_err();
    assert_eq!(transport_problem(&e), Some(TransportProblem::TooLarge), "{e}");
    assert!(e.to_string().contains("(2097152 bytes)"), "the announced length is named: {e}");
    // Under the cap it is read whole.
    env.mock.push_fault(FaultTarget::Fiks, Fault::Big(MIB), 1);
    assert_eq!(c.request(FiksRequest::get("/echo")).unwrap().body.len() as u64, MIB);
}

#[test]
fn the_default_cap_is_64_mib() {
    let env = common::env();
    let c = client(&env, &[]);
    assert_eq!(env.config().max_response_bytes(), 64 * 1024 * 1024);
    c.token().unwrap();
    env.mock.push_fault(FaultTarget::Fiks, Fault::Big(64 * MIB + 1), 1);
    let e = c.request(FiksRequest::get("/echo")).unwrap_err();
    assert_eq!(transport_problem(&e), Some(TransportProblem::TooLarge), "{e}");
}

#[test]
fn an_endless_fiks_error_body_is_kept_truncated() {
    let env = common::env();
    let c = client(&env, &[]);
    c.token().unwrap();
    env.mock.push_fault(FaultTarget::Fiks, Fault::EndlessError, 1);
    let e = c.request(FiksRequest::get("/echo")).unwrap_err();
    let api = e.as_api().unwrap_or_else(|| panic!("an API error, not {e}"));
    assert_eq!(api.status, 400);
    assert!(api.body_truncated);
    assert_eq!(api.raw.len(), MAX_ERROR_BODY_BYTES);
    assert!(api.body.is_none(), "a cut JSON body is not a Fiks error body");
    assert_eq!(e.problem(), Some("not_a_fiks_error"));
    // An ordinary error body is whole and not marked.
    let e = c.request(FiksRequest::get("/status/404")).unwrap_err();
    assert!(!e.as_api().unwrap().body_truncated);
}

#[test]
fn a_trickling_body_ends_at_the_timeout() {
    let env = common::env();
    let c = client(&env, &[("timeout_seconds", "1"), ("retry_deadline_seconds", "1")]);
    env.mock.push_fault(FaultTarget::Token, Fault::Trickle, 1);
    let e = c.token().unwrap_err();
    assert_eq!(transport_problem(&e), Some(TransportProblem::Timeout), "{e}");
    c.token().unwrap();
    env.mock.push_fault(FaultTarget::Fiks, Fault::Trickle, 1);
    let e = c.request(FiksRequest::get("/echo")).unwrap_err();
    assert_eq!(transport_problem(&e), Some(TransportProblem::Timeout), "{e}");
}

#[test]
fn headers_that_never_finish_end_at_the_timeout() {
    let env = common::env();
    let c = client(&env, &[("timeout_seconds", "1"), ("retry_deadline_seconds", "1")]);
    env.mock.push_fault(FaultTarget::Token, Fault::PartialHead, 1);
    let e = c.token().unwrap_err();
    assert_eq!(transport_problem(&e), Some(TransportProblem::Timeout), "{e}");
    assert!(c.token().is_ok(), "the stalled connection is not reused");
}

#[test]
fn a_body_cut_off_midway_is_a_transport_error() {
    let env = common::env();
    let c = client(&env, &[]);
    env.mock.push_fault(FaultTarget::Token, Fault::Cut, 1);
    let e = c.token().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    c.token().unwrap();
    env.mock.push_fault(FaultTarget::Fiks, Fault::Cut, 1);
    let e = c.request(FiksRequest::get("/echo")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert!(e.to_string().contains("reading the answer"), "{e}");
}

#[test]
fn a_token_answer_that_is_not_json_is_refused() {
    let env = common::env();
    let c = client(&env, &[]);
    env.mock.push_fault(FaultTarget::Token, Fault::WrongContentType, 1);
    let e = c.token().unwrap_err();
    assert_eq!(transport_problem(&e), Some(TransportProblem::InvalidResponse), "{e}");
    assert!(e.to_string().contains("text/html"), "{e}");
}

#[test]
fn unusable_expires_in_values_are_refused() {
    let env = common::env();
    let c = client(&env, &[]);
    for raw in ["0", "-5", "1e12", "\"abc\"", "null", "[600]"] {
        env.mock.push_fault(FaultTarget::Token, Fault::ExpiresIn(raw.into()), 1);
        let e = c.token().unwrap_err();
        assert_eq!(transport_problem(&e), Some(TransportProblem::InvalidResponse), "expires_in {raw}: {e}");
        assert!(e.to_string().contains("expires_in"), "{e}");
    }
    // A number sent as a string is read (some servers do).
    env.mock.push_fault(FaultTarget::Token, Fault::ExpiresIn("\"90\"".into()), 1);
    assert_eq!(c.token().unwrap().expires_in, 90);
}

#[test]
fn retry_after_dates_in_the_past_and_far_future() {
    let env = common::env();
    // In the past: retried at once, and the retry gets a token.
    let c = client(&env, &[("max_retries", "1")]);
    env.mock.push_fault(FaultTarget::Token, Fault::RetryAfterDate(-3600), 1);
    c.token().unwrap();
    assert_eq!(env.mock.counters().token_requests, 2);
    // A day ahead, with 5 s left for the call: fails at once with the server's answer.
    let c = client(&env, &[("max_retries", "3"), ("retry_deadline_seconds", "5")]);
    env.mock.push_fault(FaultTarget::Token, Fault::RetryAfterDate(86_400), 1);
    let before = env.mock.counters().token_requests;
    let e = c.token().unwrap_err();
    assert_eq!(e.http_status(), Some(503), "{e}");
    assert!(e.is_transient());
    assert!(e.response_header("retry-after").unwrap().ends_with("GMT"));
    assert_eq!(env.mock.counters().token_requests - before, 1, "not retried past the deadline");
}

#[test]
fn a_redirect_from_the_token_endpoint_is_not_followed() {
    let env = common::env();
    let c = client(&env, &[]);
    env.mock.push_fault(FaultTarget::Token, Fault::Redirect, 1);
    let e = c.token().unwrap_err();
    assert_eq!(e.http_status(), Some(302), "{e}");
    assert_eq!(transport_problem(&e), Some(TransportProblem::InvalidResponse), "{e}");
}

#[test]
fn no_compression_is_asked_for() {
    let env = common::env();
    let c = client(&env, &[]);
    let echo = c.request(FiksRequest::get("/echo")).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&echo.body).unwrap();
    assert!(v["headers"].get("accept-encoding").is_none(), "no Accept-Encoding, so no body can expand: {v}");
}

#[test]
fn cached_headers_are_served_while_a_call_is_stuck() {
    let env = common::env();
    let c = Arc::new(client(&env, &[("timeout_seconds", "30"), ("retry_deadline_seconds", "30")]));
    c.headers().unwrap();
    env.mock.push_fault(FaultTarget::Fiks, Fault::Trickle, 1);
    let stuck = {
        let c = c.clone();
        std::thread::spawn(move || c.request(FiksRequest::get("/echo")))
    };
    common::wait_until("the stuck call reaches the mock", || env.mock.counters().fiks_requests == 1);
    let readers: Vec<_> = (0..4)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || (0..10_000).all(|_| c.headers().is_ok()))
        })
        .collect();
    for r in readers {
        assert!(r.join().unwrap(), "every cached read succeeds while the call is stuck");
    }
    assert!(!stuck.is_finished(), "the trickling call is still on its way");
    // Closing the client ends the stuck call rather than waiting out its timeout.
    drop(stuck);
}

#[test]
fn a_tls_handshake_that_stalls_ends_at_the_connect_timeout() {
    let env = common::env();
    // A server that accepts and never says a word: the ClientHello goes unanswered.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let mut sink = Vec::new();
        let _ = s.read_to_end(&mut sink); // until the client gives up and closes
    });
    let endpoint = format!("https://127.0.0.1:{port}/token");
    let c = client(&env, &[("token_endpoint", &endpoint), ("connect_timeout_seconds", "1"), ("timeout_seconds", "2")]);
    let e = c.token().unwrap_err();
    assert!(
        matches!(transport_problem(&e), Some(TransportProblem::Timeout | TransportProblem::Connect)),
        "a timeout, not a hang: {e}"
    );
    drop(c);
    held.join().unwrap();
}

#[test]
fn the_cap_key_is_in_the_table() {
    let k = fiks_integrasjon::config::key("max_response_bytes").unwrap();
    assert_eq!(k.default, Some("67108864"));
    let env = common::env();
    let e = env.with(&[("max_response_bytes", "-1")]).build().unwrap_err();
    assert_eq!(e.config_key(), Some("max_response_bytes"), "{e}");
}
