//! The authorization server metadata (RFC 8414): counted, its `token_endpoint` movable to
//! another path that is then served as a token endpoint too, and faulted like the token
//! endpoint.

mod common;

use common::*;
use fiks_integrasjon_mock::{Fault, FaultSpec, FaultTarget, MockServer};
use serde_json::json;

async fn metadata(mock: &MockServer) -> Answer {
    request("GET", &mock.metadata_url(), &[], b"").await.expect("metadata request")
}

async fn grant_to(mock: &MockServer, url: &str) -> Answer {
    let body = form(&[("grant_type", JWT_BEARER), ("assertion", &Grant::new(mock).sign())]);
    request("POST", url, &[("content-type", FORM)], body.as_bytes()).await.expect("token request")
}

#[tokio::test]
async fn metadata_requests_are_counted_and_name_token() {
    let mock = mock().await;
    assert_eq!(mock.counters().metadata_requests, 0);
    for _ in 0..3 {
        let a = metadata(&mock).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.json()["token_endpoint"], mock.token_endpoint());
    }
    assert_eq!(request("POST", &mock.metadata_url(), &[], b"").await.unwrap().status, 405);
    let c = mock.counters();
    assert_eq!((c.metadata_requests, c.metadata_faults, c.token_requests), (4, 0, 0));
    assert_eq!(mock.metadata_token_path(), "/token");
    mock.reset_counters();
    assert_eq!(mock.counters().metadata_requests, 0);
}

#[tokio::test]
async fn a_discovered_token_path_is_served_as_the_token_endpoint() {
    let mock = mock().await;
    let discovered = format!("{}/discovered/token", mock.base_url());
    assert_eq!(request("POST", &discovered, &[], b"").await.unwrap().status, 404, "not served before");
    mock.set_metadata_token_path("/discovered/token");
    assert_eq!(mock.metadata_token_path(), "/discovered/token");
    let v = metadata(&mock).await.json();
    assert_eq!(v["token_endpoint"], discovered);
    assert_eq!(v["issuer"], mock.audience(), "the audience stays the issuer");
    // The same endpoint: accepted grants, refusals, counts and token faults.
    let a = grant_to(&mock, &discovered).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let tok = a.json()["access_token"].as_str().unwrap().to_string();
    let echo = request("GET", &format!("{}/echo", mock.fiks_base_url()), &refs(&fiks_headers(&mock, &tok)), b"")
        .await
        .unwrap();
    assert_eq!(echo.status, 200);
    assert_mp_error(&request("GET", &discovered, &[], b"").await.unwrap(), 405, "invalid_request", "Use POST");
    mock.push_fault(FaultTarget::Token, Fault::Status(503), 1);
    assert_mp_error(&grant_to(&mock, &discovered).await, 503, "server_error", "");
    // /token stays.
    assert_eq!(grant_to(&mock, &mock.token_endpoint()).await.status, 200);
    let c = mock.counters();
    assert_eq!((c.token_requests, c.tokens_issued, c.token_faults, c.token_rejections.len()), (4, 2, 1, 1));
    // Another path replaces it; a reset brings back /token.
    mock.set_metadata_token_path("/mp/v2/token");
    assert_eq!(request("POST", &discovered, &[], b"").await.unwrap().status, 404);
    assert_eq!(grant_to(&mock, &format!("{}/mp/v2/token", mock.base_url())).await.status, 200);
    mock.reset();
    assert_eq!(mock.metadata_token_path(), "/token");
    assert_eq!(metadata(&mock).await.json()["token_endpoint"], mock.token_endpoint());
    assert_eq!(request("POST", &format!("{}/mp/v2/token", mock.base_url()), &[], b"").await.unwrap().status, 404);
    mock.set_metadata_token_path("/discovered/token");
    mock.set_metadata_token_path("/token");
    assert_eq!(metadata(&mock).await.json()["token_endpoint"], mock.token_endpoint());
}

#[tokio::test]
async fn paths_that_cannot_be_a_token_endpoint_are_refused() {
    let mock = mock().await;
    for bad in [
        "",
        "token",
        "/",
        "https://elsewhere.test/token",
        "/fiks",
        "/fiks/token",
        "/_mock",
        "/_mock/token",
        "/.well-known/oauth-authorization-server",
        "/a b",
        "/a?b=c",
        "/a#b",
        "/tøken",
        "/a\nb",
    ] {
        let e = mock.try_set_metadata_token_path(bad).expect_err(bad);
        assert!(!e.is_empty());
    }
    assert_eq!(mock.metadata_token_path(), "/token", "a refused path changes nothing");
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mock.set_metadata_token_path("/a?b")));
    assert!(panicked.is_err(), "the panicking form panics on a bad path");
    assert_eq!(mock.metadata_token_path(), "/token");
    for good in ["/fiksx/token", "/svarut/token", "/a/b-c_d.e~f/%20/token", "/oauth2:token"] {
        mock.try_set_metadata_token_path(good).unwrap_or_else(|e| panic!("{good}: {e}"));
    }
}

#[tokio::test]
async fn the_metadata_control_endpoint() {
    let mock = mock().await;
    let url = format!("{}/metadata", mock.control_url());
    let v = request("GET", &url, &[], b"").await.unwrap().json();
    assert_eq!(v, json!({"token_path": "/token", "token_endpoint": mock.token_endpoint()}));
    let a = control(&mock, "metadata", &json!({"token_path": "/discovered/token"})).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let discovered = format!("{}/discovered/token", mock.base_url());
    assert_eq!(a.json(), json!({"ok": true, "token_path": "/discovered/token", "token_endpoint": discovered}));
    assert_eq!(metadata(&mock).await.json()["token_endpoint"], discovered);
    assert_eq!(grant_to(&mock, &discovered).await.status, 200);
    for bad in [
        json!({"token_path": "/fiks/token"}),
        json!({"token_path": 5}),
        json!({}),
        json!({"token_path": "/x", "extra": true}),
        json!("/x"),
    ] {
        let a = control(&mock, "metadata", &bad).await;
        assert_eq!(a.status, 400, "{bad}: {}", a.text());
        assert!(a.json()["error"].is_string());
    }
    assert_eq!(mock.metadata_token_path(), "/discovered/token");
    assert_eq!(request("PUT", &url, &[], b"").await.unwrap().status, 405);
    assert_eq!(control(&mock, "reset", &json!({})).await.status, 200);
    assert_eq!(request("GET", &url, &[], b"").await.unwrap().json()["token_path"], "/token");
}

#[tokio::test]
async fn metadata_faults() {
    let mock = mock().await;
    mock.push_fault(FaultTarget::Metadata, Fault::Status(503), 1);
    assert_mp_error(&metadata(&mock).await, 503, "server_error", "injected fault 503");
    mock.push_fault(FaultTarget::Metadata, Fault::TooManyRequests { retry_after_secs: 4 }, 1);
    let a = metadata(&mock).await;
    assert_mp_error(&a, 429, "temporarily_unavailable", "");
    assert_eq!(a.header("retry-after"), Some("4"));
    mock.push_fault(FaultTarget::Metadata, Fault::Garbage, 1);
    let a = metadata(&mock).await;
    assert_eq!(a.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&a.body).is_err());
    mock.push_fault(FaultTarget::Metadata, Fault::Html502, 1);
    let a = metadata(&mock).await;
    assert_eq!(a.status, 502);
    assert!(a.content_type().starts_with("text/html"));
    mock.push_fault(FaultTarget::Metadata, Fault::Drop, 1);
    assert!(request("GET", &mock.metadata_url(), &[], b"").await.is_err(), "dropped");
    mock.push_fault(FaultTarget::Metadata, Fault::Cut, 1);
    assert!(request("GET", &mock.metadata_url(), &[], b"").await.is_err(), "cut short");
    // Then normal again; the token endpoint never saw a metadata fault, nor the reverse.
    assert_eq!(metadata(&mock).await.status, 200);
    assert_eq!(grant_to(&mock, &mock.token_endpoint()).await.status, 200);
    mock.push_fault(FaultTarget::Token, Fault::Status(500), 1);
    assert_eq!(metadata(&mock).await.status, 200);
    assert_eq!(grant_to(&mock, &mock.token_endpoint()).await.status, 500);
    let c = mock.counters();
    assert_eq!((c.metadata_requests, c.metadata_faults), (8, 6));
    assert_eq!((c.token_requests, c.token_faults), (2, 1));

    // A cycle, cleared; and through the control endpoint with the target "metadata".
    mock.set_fault_cycle(FaultTarget::Metadata, vec![Fault::None, Fault::Status(500)]);
    assert_eq!(metadata(&mock).await.status, 200);
    assert_eq!(metadata(&mock).await.status, 500);
    mock.clear_faults(FaultTarget::Metadata);
    assert_eq!(metadata(&mock).await.status, 200);
    let a = control(&mock, "faults", &json!({"target": "metadata", "faults": ["504"], "times": 2})).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(metadata(&mock).await.status, 504);
    assert_eq!(metadata(&mock).await.status, 504);
    assert_eq!(metadata(&mock).await.status, 200);
    let spec = FaultSpec::parse("metadata:garbage*2").unwrap();
    assert_eq!((spec.target, spec.fault, spec.times), (FaultTarget::Metadata, Fault::Garbage, Some(2)));
    assert_eq!(FaultTarget::Metadata.to_string(), "metadata");
    assert_eq!(FaultTarget::parse("Discovery"), Ok(FaultTarget::Metadata));
}
