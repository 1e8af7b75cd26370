//! Retries, timeouts and stale tokens against the mock's fault modes.

mod common;

use std::time::{Duration, Instant};

use fiks_integrasjon::{ErrorKind, FiksRequest, TransportProblem, blocking};
use fiks_integrasjon_mock::{Fault, FaultTarget};

#[test]
fn token_requests_retry_5xx_and_dropped_connections() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    env.mock.push_fault(FaultTarget::Token, Fault::Status(503), 1);
    env.mock.push_fault(FaultTarget::Token, Fault::Drop, 1);
    client.token().unwrap();
    assert_eq!(client.stats().token_requests, 3);
    assert_eq!(env.mock.counters().tokens_issued, 1);
}

#[test]
fn retry_after_is_honoured() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    env.mock.push_fault(FaultTarget::Token, Fault::TooManyRequests { retry_after_secs: 1 }, 1);
    let t0 = Instant::now();
    client.token().unwrap();
    assert!(t0.elapsed() >= Duration::from_millis(950), "{:?}", t0.elapsed());
    assert_eq!(client.stats().token_requests, 2);
}

#[test]
fn oauth_errors_are_never_retried() {
    let env = common::env();
    let client = blocking::Client::new(env.with(&[("issuer", "ukjent")]).build().unwrap()).unwrap();
    let e = client.token().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Token);
    assert_eq!(client.stats().token_requests, 1);
}

#[test]
fn retries_stop_at_max_retries_with_a_clear_error() {
    let env = common::env();
    let client = blocking::Client::new(env.with(&[("max_retries", "2")]).build().unwrap()).unwrap();
    env.mock.push_fault(FaultTarget::Token, Fault::Status(503), 10);
    let e = client.token().unwrap_err();
    assert_eq!(client.stats().token_requests, 3);
    assert_eq!(e.http_status(), Some(503), "{e}");
}

#[test]
fn garbage_and_html_answers_are_transport_errors() {
    let env = common::env();
    let client = blocking::Client::new(env.with(&[("max_retries", "0")]).build().unwrap()).unwrap();
    env.mock.push_fault(FaultTarget::Token, Fault::Garbage, 1);
    let e = client.token().unwrap_err();
    assert!(
        matches!(e, fiks_integrasjon::Error::Transport { problem: TransportProblem::InvalidResponse, .. }),
        "{e:?}"
    );
    env.mock.push_fault(FaultTarget::Token, Fault::Html502, 1);
    let e = client.token().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert_eq!(e.http_status(), Some(502));
}

#[test]
fn slow_maskinporten_times_out_instead_of_hanging() {
    let env = common::env();
    let client =
        blocking::Client::new(env.with(&[("timeout_seconds", "0.5"), ("max_retries", "0")]).build().unwrap()).unwrap();
    env.mock.set_token_delay(Duration::from_secs(20));
    let e = client.token().unwrap_err();
    assert!(matches!(e, fiks_integrasjon::Error::Transport { problem: TransportProblem::Timeout, .. }), "{e:?}");
    // It gave up on its own: the mock was still holding the answer back.
    assert_eq!(env.mock.counters().tokens_issued, 0);
    assert_eq!((env.mock.counters().token_requests, client.stats().token_requests), (1, 1));
}

#[test]
fn unreachable_endpoint_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let env = common::env();
    let url = format!("http://127.0.0.1:{port}/token");
    let client =
        blocking::Client::new(env.with(&[("token_endpoint", &url), ("max_retries", "1")]).build().unwrap()).unwrap();
    let e = client.token().unwrap_err();
    assert!(matches!(e, fiks_integrasjon::Error::Transport { problem: TransportProblem::Connect, .. }), "{e:?}");
    assert_eq!(client.stats().token_requests, 2, "connect errors are retried");
}

#[test]
fn a_401_on_a_cached_token_renews_it_once() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let old = client.token().unwrap();
    env.mock.revoke_tokens();
    let answer = client.request(FiksRequest::get("/echo")).unwrap();
    assert_eq!(answer.status, 200);
    assert_ne!(client.token().unwrap().access_token(), old.access_token());
    assert_eq!(client.stats().token_requests, 2);
}

#[test]
fn a_failed_background_refresh_keeps_serving_the_valid_token() {
    let env = common::env();
    let client =
        blocking::Client::new(env.with(&[("refresh_ahead_seconds", "30"), ("max_retries", "0")]).build().unwrap())
            .unwrap();
    let first = client.token().unwrap();
    env.mock.set_fault_cycle(FaultTarget::Token, vec![Fault::Status(503)]);
    // 120 s tokens: renewal due at 88 s, expiry at 118 s. The renewal fails in the background;
    // readers keep getting the valid token, before that failure and after it.
    fiks_integrasjon::clock::advance(Duration::from_secs(90));
    common::wait_until("a background renewal was refused", || {
        assert_eq!(client.token().unwrap().access_token(), first.access_token());
        env.mock.counters().token_faults >= 1
    });
    for _ in 0..20 {
        assert_eq!(client.token().unwrap().access_token(), first.access_token());
    }
    // Once it expires, callers get the refresh error, not a hang.
    fiks_integrasjon::clock::advance(Duration::from_secs(30));
    let failed: Option<fiks_integrasjon::Error> = client.token().err();
    let e = failed.unwrap();
    assert_eq!(e.http_status(), Some(503), "{e}");
    assert_eq!(env.mock.counters().tokens_issued, 1, "no token but the first");
    env.mock.set_fault_cycle(FaultTarget::Token, vec![]);
    assert_ne!(client.token().unwrap().access_token(), first.access_token());
}
