//! The Fiks side: the three headers, the search, the status and echo endpoints, and the
//! Fiks error format.

mod common;

use common::*;
use fiks_integrasjon_mock::MockServer;
use fiks_integrasjon_mock::testing::wait_until_async;
use serde_json::json;

async fn call(mock: &MockServer, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    request(method, &format!("{}{path}", mock.fiks_base_url()), headers, body).await.expect("fiks request")
}

async fn sok(mock: &MockServer, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut h = headers.to_vec();
    h.push(("content-type", "application/json"));
    call(mock, "POST", "/innsyn-sok/api/v1/sok", &h, body.as_bytes()).await
}

#[tokio::test]
async fn sok_with_a_maskinporten_token() {
    let mock = mock().await;
    let h = fiks_headers(&mock, &token(&mock).await);
    let a = sok(&mock, &refs(&h), r#"{"sok": "byggesak"}"#).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.content_type(), "application/json");
    let v = a.json();
    assert_eq!(v["sok"], "byggesak");
    let total = v["totaltAntall"].as_u64().unwrap();
    let rs = v["resultater"].as_array().unwrap();
    assert_eq!(rs.len() as u64, total.min(10));
    for r in rs {
        assert!(uuid::Uuid::parse_str(r["id"].as_str().unwrap()).is_ok());
        assert!(r["tittel"].as_str().unwrap().contains("byggesak"));
        assert!(r["dato"].as_str().unwrap().starts_with("2026-"));
        assert!(r["kommune"].is_string() && r["type"].is_string());
    }
    // The same search gives the same answer; paging works.
    let again = sok(&mock, &refs(&h), r#"{"sok": "byggesak", "fraDato": "2026-01-01", "tilDato": "2026-12-31"}"#).await;
    assert_eq!(again.json()["resultater"], v["resultater"]);
    let page = sok(&mock, &refs(&h), r#"{"sok": "byggesak", "start": 1, "antall": 1}"#).await.json();
    if total > 1 {
        assert_eq!(page["resultater"][0], v["resultater"][1]);
    }
    let c = mock.counters();
    assert_eq!(c.fiks_requests, 3);
    assert!(c.fiks_rejections.is_empty());
}

#[tokio::test]
async fn sok_validation_is_ugyldig_sok() {
    let mock = mock().await;
    let h = fiks_headers(&mock, &token(&mock).await);
    let cases = [
        ("{not json", "sok"),
        ("[1]", "sok"),
        (r#"{"x": 1}"#, "sok"),
        (r#"{"sok": 5}"#, "sok"),
        (r#"{"sok": "  "}"#, "sok"),
        (r#"{"sok": "a", "fraDato": "1. januar"}"#, "fraDato"),
        (r#"{"sok": "a", "tilDato": 20260101}"#, "tilDato"),
        (r#"{"sok": "a", "start": -1}"#, "start"),
        (r#"{"sok": "a", "antall": 0}"#, "antall"),
        (r#"{"sok": "a", "antall": 1000}"#, "antall"),
    ];
    for (body, felt) in cases {
        let a = sok(&mock, &refs(&h), body).await;
        let v = assert_fiks_error(&a, 400, "/innsyn-sok/api/v1/sok");
        assert_eq!(v["errorCode"], "UGYLDIG_SOK", "{body}");
        assert_eq!(v["errorJson"], json!({"felt": felt}), "{body}");
    }
    let a = call(&mock, "POST", "/innsyn-sok/api/v1/sok", &refs(&h), br#"{"sok": "a"}"#).await;
    assert_fiks_error(&a, 415, "/innsyn-sok/api/v1/sok");
    let a = call(&mock, "GET", "/innsyn-sok/api/v1/sok", &refs(&h), b"").await;
    assert_fiks_error(&a, 405, "/innsyn-sok/api/v1/sok");
    assert_eq!(a.header("allow"), Some("POST"));
    let c = mock.counters();
    assert_eq!(c.fiks_rejections.get(&400), Some(&10));
    assert_eq!(c.fiks_rejections_total(), 12);
}

#[tokio::test]
async fn authorization_rules() {
    let mock = mock().await;
    let good = token(&mock).await;
    let id = mock.options().integrasjon_id.clone();
    let pw = mock.options().integrasjon_passord.clone();
    let bearer = format!("Bearer {good}");
    let path = "/echo";
    // (headers, status, message fragment)
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (vec![("IntegrasjonId", &id), ("IntegrasjonPassord", &pw)], 401, "Authorization"),
        (
            vec![("Authorization", "Basic dXNlcjpwdw=="), ("IntegrasjonId", &id), ("IntegrasjonPassord", &pw)],
            401,
            "Bearer",
        ),
        (vec![("Authorization", "Bearer"), ("IntegrasjonId", &id), ("IntegrasjonPassord", &pw)], 401, "Bearer"),
        (
            vec![("Authorization", "Bearer  two spaces"), ("IntegrasjonId", &id), ("IntegrasjonPassord", &pw)],
            401,
            "Bearer",
        ),
        (
            vec![("Authorization", "Bearer mock-at-unknown"), ("IntegrasjonId", &id), ("IntegrasjonPassord", &pw)],
            401,
            "unknown",
        ),
        (vec![("Authorization", &bearer), ("IntegrasjonPassord", &pw)], 401, "IntegrasjonId"),
        (
            vec![
                ("Authorization", &bearer),
                ("IntegrasjonId", "2e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01"),
                ("IntegrasjonPassord", &pw),
            ],
            403,
            "IntegrasjonId",
        ),
        (vec![("Authorization", &bearer), ("IntegrasjonId", &id)], 401, "IntegrasjonPassord"),
        (
            vec![("Authorization", &bearer), ("IntegrasjonId", &id), ("IntegrasjonPassord", "feil")],
            401,
            "IntegrasjonPassord",
        ),
        (
            vec![
                ("Authorization", &bearer),
                ("IntegrasjonId", &id),
                ("IntegrasjonId", &id),
                ("IntegrasjonPassord", &pw),
            ],
            400,
            "IntegrasjonId",
        ),
        (
            vec![
                ("Authorization", &bearer),
                ("Authorization", &bearer),
                ("IntegrasjonId", &id),
                ("IntegrasjonPassord", &pw),
            ],
            400,
            "Authorization",
        ),
    ];
    for (i, (headers, status, has)) in cases.iter().enumerate() {
        let a = call(&mock, "GET", path, headers, b"").await;
        let v = assert_fiks_error(&a, *status, path);
        assert!(v["message"].as_str().unwrap().contains(has), "{v}");
        assert!(v.get("errorCode").is_none() && v.get("errorJson").is_none(), "{v}");
        // The bearer-token refusals carry a challenge.
        if i < 5 {
            assert!(a.header("www-authenticate").is_some_and(|c| c.starts_with("Bearer")), "{a:?}");
        }
    }
    // Header names are case-insensitive; the scheme too.
    let lower_bearer = format!("bearer {good}");
    let lower = [("authorization", lower_bearer.as_str()), ("integrasjonid", &id), ("integrasjonpassord", &pw)];
    let a = call(&mock, "GET", path, &lower, b"").await;
    assert_eq!(a.status, 200, "{}", a.text());
    let c = mock.counters();
    assert_eq!(c.fiks_rejections.get(&401), Some(&8));
    assert_eq!(c.fiks_rejections.get(&403), Some(&1));
    assert_eq!(c.fiks_rejections.get(&400), Some(&2));
}

#[tokio::test]
async fn wrong_scope_expired_and_revoked_tokens() {
    let mock = mock().await;
    let other_scope = token_for(&mock, Grant::new(&mock).claim("scope", json!("difitest:test2"))).await;
    let a = call(&mock, "GET", "/echo", &refs(&fiks_headers(&mock, &other_scope)), b"").await;
    let v = assert_fiks_error(&a, 403, "/echo");
    assert!(v["message"].as_str().unwrap().contains("ks:fiks"), "{v}");
    assert!(a.header("www-authenticate").unwrap().contains("insufficient_scope"));

    mock.set_token_lifetime(1);
    let short = token(&mock).await;
    assert_eq!(call(&mock, "GET", "/echo", &refs(&fiks_headers(&mock, &short)), b"").await.status, 200);
    wait_until_async("the 1 s token expired", || async {
        call(&mock, "GET", "/echo", &refs(&fiks_headers(&mock, &short)), b"").await.status != 200
    })
    .await;
    let a = call(&mock, "GET", "/echo", &refs(&fiks_headers(&mock, &short)), b"").await;
    let v = assert_fiks_error(&a, 401, "/echo");
    assert!(v["message"].as_str().unwrap().contains("expired"), "{v}");

    mock.set_token_lifetime(120);
    let t = token(&mock).await;
    mock.revoke_tokens();
    let a = call(&mock, "GET", "/echo", &refs(&fiks_headers(&mock, &t)), b"").await;
    let v = assert_fiks_error(&a, 401, "/echo");
    assert!(v["message"].as_str().unwrap().contains("unknown"), "{v}");
}

#[tokio::test]
async fn person_token_is_accepted() {
    let mock = mock().await;
    let h = fiks_headers(&mock, mock.person_token());
    let a = sok(&mock, &refs(&h), r#"{"sok": "x"}"#).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let echo = call(&mock, "GET", "/echo", &refs(&h), b"").await.json();
    assert_eq!(echo["token"]["kind"], "person");
    assert_eq!(mock.counters().token_requests, 0);
}

#[tokio::test]
async fn status_endpoint_answers_any_fiks_error() {
    let mock = mock().await;
    let h = fiks_headers(&mock, &token(&mock).await);
    for code in [400u16, 401, 403, 404, 409, 422, 429, 500, 502, 503] {
        for method in ["GET", "POST"] {
            let a = call(&mock, method, &format!("/status/{code}"), &refs(&h), b"").await;
            let v = assert_fiks_error(&a, code, &format!("/status/{code}"));
            assert_eq!(v["errorCode"], "MOCK_FEIL");
            assert_eq!(v["errorJson"], json!({"antall": 13}));
        }
    }
    let a = call(&mock, "GET", "/status/409?errorJson=string", &refs(&h), b"").await;
    let v = assert_fiks_error(&a, 409, "/status/409");
    assert_eq!(v["errorJson"], json!("{\"antall\":13}"));
    let a = call(&mock, "GET", "/status/502?body=html", &refs(&h), b"").await;
    assert_eq!(a.status, 502);
    assert!(a.content_type().starts_with("text/html"));
    assert!(a.text().contains("<html"));
    for code in ["204", "304", "100", "99", "600"] {
        let a = call(&mock, "GET", &format!("/status/{code}"), &refs(&h), b"").await;
        assert_fiks_error(&a, 400, &format!("/status/{code}"));
    }
    let a = call(&mock, "GET", "/status/abc", &refs(&h), b"").await;
    assert_fiks_error(&a, 404, "/status/abc");
    let a = call(&mock, "DELETE", "/status/500", &refs(&h), b"").await;
    assert_fiks_error(&a, 405, "/status/500");
    // Authentication still comes first.
    let a = call(&mock, "GET", "/status/500", &[], b"").await;
    assert_fiks_error(&a, 401, "/status/500");
}

#[tokio::test]
async fn echo_reports_the_request_without_secrets() {
    let mock = mock().await;
    let tok = token_for(
        &mock,
        Grant::new(&mock).claim("resource", json!(["https://fiks/"])).claim("pid", json!("12345678901")),
    )
    .await;
    let mut h = fiks_headers(&mock, &tok);
    h.push(("Content-Type".into(), "text/plain".into()));
    h.push(("X-Request-ID".into(), "abc-123".into()));
    let a = call(&mock, "PUT", "/echo?x=1&y=%C3%A6", &refs(&h), "hei på deg".as_bytes()).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let v = a.json();
    assert_eq!(v["method"], "PUT");
    assert_eq!(v["path"], "/fiks/echo");
    assert_eq!(v["query"], "x=1&y=%C3%A6");
    assert_eq!(v["body"], "hei på deg");
    assert_eq!(v["content_type"], "text/plain");
    assert_eq!(v["integrasjon_id_present"], true);
    assert_eq!(v["authorization_present"], true);
    assert_eq!(v["headers"]["x-request-id"], "abc-123");
    assert_eq!(v["headers"]["integrasjonid"], mock.options().integrasjon_id);
    assert!(v["headers"].get("authorization").is_none());
    assert!(v["headers"].get("integrasjonpassord").is_none());
    let text = a.text();
    assert!(!text.contains(&tok) && !text.contains(&mock.options().integrasjon_passord));
    assert_eq!(v["token"]["kind"], "maskinporten");
    assert_eq!(v["token"]["scopes"], json!(["ks:fiks"]));
    assert_eq!(v["token"]["resource"], json!(["https://fiks/"]));
    assert_eq!(v["token"]["pid"], "12345678901");
    let a = call(&mock, "GET", "", &refs(&h), b"").await;
    assert_fiks_error(&a, 404, "/");
}

#[tokio::test]
async fn unknown_paths() {
    let mock = mock().await;
    let h = fiks_headers(&mock, &token(&mock).await);
    let a = call(&mock, "GET", "/innsyn-sok/api/v2/sok", &refs(&h), b"").await;
    assert_fiks_error(&a, 404, "/innsyn-sok/api/v2/sok");
    // A client that drops the /fiks prefix gets a plain 404, not a Fiks answer.
    let a = request("GET", &format!("{}/echo", mock.base_url()), &refs(&h), b"").await.unwrap();
    assert_eq!(a.status, 404);
    assert!(a.content_type().starts_with("text/plain"));
    assert_eq!(mock.counters().fiks_requests, 1);
}
