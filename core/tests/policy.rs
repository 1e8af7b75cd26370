//! The rules decided once in core, against the strict mock: where the Fiks headers may go,
//! one `Content-Type`, one deadline per call, 401 renewal at most once per token, credentials
//! given as content, and paths relative to the config file.

mod common;

use std::time::Duration;

use fiks_integrasjon::{ErrorKind, FiksRequest, TransportProblem, blocking};
use fiks_integrasjon_mock::{Fault, FaultTarget};

#[test]
fn a_wrong_integrasjon_passord_costs_one_renewal_not_one_per_call() {
    let env = common::env();
    let client = blocking::Client::new(env.with(&[("integrasjon_passord", "feil-passord")]).build().unwrap()).unwrap();
    for _ in 0..10 {
        let e = client.request(FiksRequest::get("/echo")).unwrap_err();
        let api = e.as_api().expect("an API error");
        assert_eq!(api.status, 401);
        assert!(api.integrasjon_refused, "{e}");
        assert!(e.to_string().contains("refused the integrasjon"), "{e}");
        assert!(e.hint().unwrap().contains("integrasjon_passord"));
    }
    // One token, and one renewal after the first 401; never one per call.
    assert_eq!(env.mock.counters().token_requests, 2);
    assert_eq!(client.stats().token_requests, 2);
}

#[test]
fn a_revoked_token_is_renewed_once_and_the_call_succeeds() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    client.request(FiksRequest::get("/echo")).unwrap();
    env.mock.revoke_tokens();
    assert_eq!(client.request(FiksRequest::get("/echo")).unwrap().status, 200);
    assert_eq!(env.mock.counters().token_requests, 2);
}

#[test]
fn evict_by_text_renews_after_a_callers_own_401() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let first = client.headers().unwrap();
    assert!(client.evict_access_token(first.authorization()), "evicted");
    let second = client.headers().unwrap();
    assert_ne!(first.authorization(), second.authorization());
    // The token fetched after a 401 is not evicted again: Fiks refuses the integrasjon then.
    assert!(!client.evict_access_token(second.authorization()));
    assert_eq!(client.headers().unwrap().authorization(), second.authorization());
    assert_eq!(env.mock.counters().token_requests, 2);
}

#[test]
fn headers_only_for_the_fiks_origins() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let base = env.mock.fiks_base_url();
    assert!(client.headers_for(&format!("{base}/echo")).is_ok());
    let other = format!("http://127.0.0.1:{}/fiks/echo", env.mock.addr().port().wrapping_add(1));
    let e = client.headers_for(&other).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert!(!client.may_send_headers(&other));
    assert_eq!(client.request(FiksRequest::get(other)).unwrap_err().kind(), ErrorKind::Usage);
    assert_eq!(env.mock.counters().token_requests, 1, "a refused URL asks for no token");
}

#[test]
fn exactly_one_content_type() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let r = FiksRequest::post("/echo")
        .body(b"<a/>".to_vec(), "application/octet-stream")
        .header("Content-Type", "application/xml");
    let echo: serde_json::Value = client.request(r).unwrap().json().unwrap();
    assert_eq!(echo["content_type"], "application/xml");
    assert_eq!(echo["headers"]["content-type"], "application/xml", "one header, not two");
    let r = FiksRequest::post("/echo")
        .json(&serde_json::json!({"a": 1}))
        .unwrap()
        .header("content-type", "application/vnd.ks+json");
    let echo: serde_json::Value = client.request(r).unwrap().json().unwrap();
    assert_eq!(echo["headers"]["content-type"], "application/vnd.ks+json");
}

#[test]
fn an_invalid_header_is_refused_before_anything_is_sent() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let e = client.request(FiksRequest::get("/echo").header("X-Evil", "a\r\nInjected: 1")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert_eq!(env.mock.counters().fiks_requests, 0);
}

#[test]
fn the_per_call_timeout_bounds_the_whole_call() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    client.token().unwrap();
    env.mock.push_fault(FaultTarget::Fiks, Fault::Delay(Duration::from_secs(3)), 10);
    let e = client.request(FiksRequest::get("/echo").timeout(Duration::from_millis(500))).unwrap_err();
    assert!(matches!(e, fiks_integrasjon::Error::Transport { problem: TransportProblem::Timeout, .. }), "{e}");
    // The deadline left no room for a retry.
    assert_eq!(env.mock.counters().fiks_requests, 1);
}

#[test]
fn a_retry_after_longer_than_the_deadline_fails_at_once() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    env.mock.push_fault(FaultTarget::Fiks, Fault::TooManyRequests { retry_after_secs: 5 }, 10);
    let e = client.request(FiksRequest::get("/echo").timeout(Duration::from_secs(2))).unwrap_err();
    assert_eq!(e.http_status(), Some(429));
    assert!(e.is_transient());
    assert_eq!(env.mock.counters().fiks_requests, 1);
}

#[test]
fn transient_maskinporten_failures_are_transient() {
    let env = common::env();
    let client = blocking::Client::new(env.with(&[("max_retries", "1")]).build().unwrap()).unwrap();
    env.mock.push_fault(FaultTarget::Token, Fault::Status(503), 10);
    let e = client.token().unwrap_err();
    assert!(e.is_transient(), "{e}");
    assert!(e.hint().unwrap().contains("try again"), "{:?}", e.hint());
    assert_eq!(env.mock.counters().token_requests, 2, "one retry");
}

#[test]
fn certificate_and_key_as_content_work_and_are_never_echoed() {
    let env = common::env();
    let chain = std::fs::read_to_string(&env.files.chain_pem).unwrap();
    let key = std::fs::read_to_string(&env.files.key_pem).unwrap();
    let mut b = env.builder();
    b.unset("certificate_password").unwrap();
    b.set("certificate", &chain).unwrap();
    b.set("private_key", &key).unwrap();
    let config = b.build().unwrap();
    assert!(!format!("{config:?}").contains("BEGIN"), "{config:?}");
    let client = blocking::Client::new(config).unwrap();
    client.token().unwrap();

    let secret = "-----BEGIN PRIVATE KEY-----\nMIIEvQ-SECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n";
    b.set("private_key", secret).unwrap();
    let e = blocking::Client::new(b.build().unwrap()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Certificate);
    assert!(!e.to_string().contains("SECRET"), "{e}");
    // A value that is content but not recognised as such is not quoted either.
    b.set("private_key", "MIIEvQ-SECRET\nMORE-SECRET").unwrap();
    let e = blocking::Client::new(b.build().unwrap()).unwrap_err();
    assert!(!e.to_string().contains("SECRET"), "{e}");
}

#[test]
fn paths_in_a_config_file_are_relative_to_it() {
    let env = common::env();
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&env.files.p12, dir.path().join("virksomhet.p12")).unwrap();
    let toml = env.mock.config_toml(&env.files);
    let mut lines: Vec<String> = toml.lines().filter(|l| !l.starts_with("certificate =")).map(str::to_string).collect();
    lines.push("certificate = \"virksomhet.p12\"".into());
    let file = dir.path().join("fiks.toml");
    std::fs::write(&file, lines.join("\n")).unwrap();
    // The working directory is the crate's, not the file's.
    let client = blocking::Client::new(fiks_integrasjon::Config::from_file(&file).unwrap()).unwrap();
    client.token().unwrap();
}

#[test]
fn the_client_is_dropped_without_leaving_its_thread() {
    let env = common::env();
    let threads = || std::fs::read_dir("/proc/self/task").map(|d| d.count()).unwrap_or(0);
    let before = threads();
    let client = blocking::Client::new(env.config()).unwrap();
    client.token().unwrap();
    assert!(threads() > before);
    drop(client);
    assert_eq!(threads(), before, "drop waits for the runtime thread");
}

#[test]
fn a_citizens_token_is_never_evicted() {
    let env = common::env();
    let mut b = fiks_integrasjon::Config::builder();
    b.set("person_token", env.mock.person_token()).unwrap();
    b.set("fiks_base_url", &env.mock.fiks_base_url()).unwrap();
    b.set("integrasjon_id", fiks_integrasjon_mock::DEFAULT_INTEGRASJON_ID).unwrap();
    b.set("integrasjon_passord", fiks_integrasjon_mock::DEFAULT_INTEGRASJON_PASSORD).unwrap();
    let client = blocking::Client::new(b.build().unwrap()).unwrap();
    let h = client.headers().unwrap();
    assert!(!client.evict_access_token(h.authorization()), "not ours to renew: no retry");
}

#[test]
fn waiting_on_a_pending_call_inside_a_runtime_is_refused() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let pending = client.start_request(FiksRequest::get("/echo")).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let refused = rt.block_on(async { pending.wait_timeout(Duration::from_secs(5)) });
    assert_eq!(refused.unwrap().unwrap_err().kind(), ErrorKind::Usage);
    // Outside a runtime the same call completes.
    assert_eq!(pending.wait().unwrap().status, 200);
}
