//! Injected faults on both sides, the control endpoints, token lifetime and delay.

mod common;

use std::time::{Duration, Instant};

use common::*;
use fiks_integrasjon_mock::testing::POLL_LIMIT;
use fiks_integrasjon_mock::{Fault, FaultTarget, MockServer};
use serde_json::json;

async fn echo(mock: &MockServer, tok: &str) -> std::io::Result<Answer> {
    request("GET", &format!("{}/echo", mock.fiks_base_url()), &refs(&fiks_headers(mock, tok)), b"").await
}

async fn grant_answer(mock: &MockServer) -> std::io::Result<Answer> {
    let body = form(&[("grant_type", JWT_BEARER), ("assertion", &Grant::new(mock).sign())]);
    request("POST", &mock.token_endpoint(), &[("content-type", FORM)], body.as_bytes()).await
}

#[tokio::test]
async fn token_faults() {
    let mock = mock().await;
    mock.push_fault(FaultTarget::Token, Fault::Status(503), 1);
    let a = grant_answer(&mock).await.unwrap();
    assert_mp_error(&a, 503, "server_error", "");
    mock.push_fault(FaultTarget::Token, Fault::Status(500), 1);
    assert_mp_error(&grant_answer(&mock).await.unwrap(), 500, "server_error", "");
    mock.push_fault(FaultTarget::Token, Fault::TooManyRequests { retry_after_secs: 7 }, 1);
    let a = grant_answer(&mock).await.unwrap();
    assert_eq!(a.status, 429);
    assert_eq!(a.header("retry-after"), Some("7"));
    assert!(a.json()["error"].is_string());
    mock.push_fault(FaultTarget::Token, Fault::Garbage, 1);
    let a = grant_answer(&mock).await.unwrap();
    assert_eq!(a.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&a.body).is_err());
    assert_eq!(a.body, b"<<<garbage \x00 not json>>>");
    mock.push_fault(FaultTarget::Token, Fault::Html502, 1);
    let a = grant_answer(&mock).await.unwrap();
    assert_eq!(a.status, 502);
    assert!(a.content_type().starts_with("text/html"));
    assert!(a.text().contains("<html>"));
    mock.push_fault(FaultTarget::Token, Fault::Drop, 1);
    assert!(grant_answer(&mock).await.is_err(), "no answer on a dropped connection");
    mock.push_fault(FaultTarget::Token, Fault::Delay(Duration::from_millis(300)), 1);
    let t0 = Instant::now();
    assert_eq!(grant_answer(&mock).await.unwrap().status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(300));
    // Then back to normal.
    assert_eq!(grant_answer(&mock).await.unwrap().status, 200);
    let c = mock.counters();
    assert_eq!((c.token_requests, c.token_faults, c.tokens_issued), (8, 7, 2));
    assert!(c.token_rejections.is_empty(), "faults are not rejections");
}

#[tokio::test]
async fn fiks_faults() {
    let mock = mock().await;
    let tok = token(&mock).await;
    mock.push_fault(FaultTarget::Fiks, Fault::Status(503), 2);
    for _ in 0..2 {
        let a = echo(&mock, &tok).await.unwrap();
        let v = assert_fiks_error(&a, 503, "/echo");
        assert!(v.get("errorCode").is_none());
    }
    mock.push_fault(FaultTarget::Fiks, Fault::TooManyRequests { retry_after_secs: 2 }, 1);
    let a = echo(&mock, &tok).await.unwrap();
    assert_fiks_error(&a, 429, "/echo");
    assert_eq!(a.header("retry-after"), Some("2"));
    mock.push_fault(FaultTarget::Fiks, Fault::Html502, 1);
    let a = echo(&mock, &tok).await.unwrap();
    assert_eq!((a.status, a.content_type()), (502, "text/html"));
    mock.push_fault(FaultTarget::Fiks, Fault::Garbage, 1);
    assert_eq!(echo(&mock, &tok).await.unwrap().status, 200);
    mock.push_fault(FaultTarget::Fiks, Fault::Drop, 1);
    assert!(echo(&mock, &tok).await.is_err());
    // Faults come before authentication: no headers needed to see one.
    mock.push_fault(FaultTarget::Fiks, Fault::Status(500), 1);
    let a = request("GET", &format!("{}/echo", mock.fiks_base_url()), &[], b"").await.unwrap();
    assert_fiks_error(&a, 500, "/echo");
    assert_eq!(echo(&mock, &tok).await.unwrap().status, 200);
    let c = mock.counters();
    assert_eq!((c.fiks_requests, c.fiks_faults), (8, 7));
    assert!(c.fiks_rejections.is_empty(), "faults are not rejections: {:?}", c.fiks_rejections);
    // Token faults leave the Fiks side alone.
    mock.push_fault(FaultTarget::Token, Fault::Status(503), 1);
    assert_eq!(echo(&mock, &tok).await.unwrap().status, 200);
}

#[tokio::test]
async fn cycles_repeat_and_queues_go_first() {
    let mock = mock().await;
    let tok = token(&mock).await;
    mock.set_fault_cycle(FaultTarget::Fiks, vec![Fault::None, Fault::Status(502)]);
    mock.push_fault(FaultTarget::Fiks, Fault::Status(504), 1);
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(echo(&mock, &tok).await.unwrap().status);
    }
    assert_eq!(got, [504, 200, 502, 200, 502]);
    mock.set_fault_cycle(FaultTarget::Fiks, vec![]);
    assert_eq!(echo(&mock, &tok).await.unwrap().status, 200);
    mock.push_fault(FaultTarget::Fiks, Fault::Status(500), 3);
    mock.clear_faults(FaultTarget::Fiks);
    assert_eq!(echo(&mock, &tok).await.unwrap().status, 200);
}

#[tokio::test]
async fn token_lifetime_and_delay() {
    let mock = mock().await;
    mock.set_token_lifetime(5);
    assert_eq!(grant_answer(&mock).await.unwrap().json()["expires_in"], 5);
    mock.set_token_delay(Duration::from_millis(400));
    let t0 = Instant::now();
    let a = grant_answer(&mock).await.unwrap();
    assert_eq!(a.status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(400), "{:?}", t0.elapsed());
    // Refusals are delayed too; faults are not.
    let t0 = Instant::now();
    let a = post_grant(&mock, "x.y.z").await;
    assert_eq!(a.status, 400);
    assert!(t0.elapsed() >= Duration::from_millis(400), "{:?}", t0.elapsed());
    // With every answer held back a minute, a fault still answers: faults are not delayed.
    mock.set_token_delay(Duration::from_secs(60));
    mock.push_fault(FaultTarget::Token, Fault::Status(503), 1);
    let faulted = tokio::time::timeout(POLL_LIMIT, grant_answer(&mock)).await.expect("the fault was held back");
    assert_eq!(faulted.unwrap().status, 503);
    assert_eq!(mock.counters().token_faults, 1);
    mock.set_token_delay(Duration::ZERO);
    mock.reset_counters();
    assert_eq!(mock.counters().token_requests, 0);
}

#[tokio::test]
async fn control_endpoints() {
    let mock = mock().await;
    let ctl = |p: &str| format!("{}/{p}", mock.control_url());
    let post = |p: String, body: serde_json::Value| async move {
        request("POST", &p, &[("content-type", "application/json")], body.to_string().as_bytes()).await.unwrap()
    };
    let a = post(ctl("faults"), json!({"target": "token", "faults": ["503", "429:1"], "times": 1})).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(grant_answer(&mock).await.unwrap().status, 503);
    let a = grant_answer(&mock).await.unwrap();
    assert_eq!((a.status, a.header("retry-after")), (429, Some("1")));
    assert_eq!(grant_answer(&mock).await.unwrap().status, 200);

    assert_eq!(post(ctl("faults"), json!({"target": "token", "cycle": ["none", "500"]})).await.status, 200);
    assert_eq!(grant_answer(&mock).await.unwrap().status, 200);
    assert_eq!(grant_answer(&mock).await.unwrap().status, 500);
    assert_eq!(post(ctl("faults"), json!({"target": "token", "clear": true})).await.status, 200);
    assert_eq!(grant_answer(&mock).await.unwrap().status, 200);

    assert_eq!(post(ctl("token-lifetime"), json!({"secs": 9})).await.status, 200);
    assert_eq!(grant_answer(&mock).await.unwrap().json()["expires_in"], 9);
    assert_eq!(post(ctl("token-delay"), json!({"ms": 250})).await.status, 200);
    let t0 = Instant::now();
    assert_eq!(grant_answer(&mock).await.unwrap().status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(250));

    let c = request("GET", &ctl("counters"), &[], b"").await.unwrap().json();
    assert_eq!(c["tokens_issued"], 5);
    assert_eq!(c["token_faults"], 3);
    assert!(c["last_grant_claims"]["jti"].is_string());

    let tok = token(&mock).await;
    assert_eq!(post(ctl("revoke-tokens"), json!(null)).await.status, 200);
    assert_eq!(echo(&mock, &tok).await.unwrap().status, 401);

    assert_eq!(post(ctl("reset"), json!({})).await.status, 200);
    let c = request("GET", &ctl("counters"), &[], b"").await.unwrap().json();
    assert_eq!(c["token_requests"], 0);
    assert_eq!(grant_answer(&mock).await.unwrap().json()["expires_in"], 120, "lifetime back to the option");

    for (path, body) in [
        ("faults", json!({"target": "nowhere", "faults": ["503"]})),
        ("faults", json!({"target": "fiks", "faults": ["404"]})),
        ("faults", json!({"target": "fiks", "faults": "503"})),
        ("faults", json!({"target": "fiks", "faults": ["503"], "times": -1})),
        ("token-lifetime", json!({"secs": "x"})),
        ("token-delay", json!({})),
    ] {
        let a = post(ctl(path), body.clone()).await;
        assert_eq!(a.status, 400, "{path} {body}: {}", a.text());
        assert!(a.json()["error"].is_string());
    }
    assert_eq!(request("POST", &ctl("faults"), &[], b"{oops").await.unwrap().status, 400);
    assert_eq!(request("GET", &ctl("reset"), &[], b"").await.unwrap().status, 405);
    assert_eq!(request("POST", &ctl("counters"), &[], b"").await.unwrap().status, 405);
    assert_eq!(post(ctl("nothing"), json!({})).await.status, 404);
}
