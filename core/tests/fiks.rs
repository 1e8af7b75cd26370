//! Fiks calls: headers in both modes, the sok endpoint, Fiks errors, stale tokens, secrets.

mod common;

use fiks_integrasjon::{Error, ErrorKind, FiksRequest, blocking};
use fiks_integrasjon_mock::{Fault, FaultTarget};
use serde_json::json;

fn sok() -> FiksRequest {
    FiksRequest::post("/innsyn-sok/api/v1/sok").json(&json!({"sok": "byggesak"})).unwrap()
}

#[test]
fn headers_and_sok_in_integrasjon_mode() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let h = client.headers().unwrap();
    let names: Vec<_> = h.iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["Authorization", "IntegrasjonId", "IntegrasjonPassord"]);
    assert!(h.authorization().starts_with("Bearer "));
    assert_eq!(h.integrasjon_id(), env.mock.options().integrasjon_id);
    assert_eq!(h.integrasjon_passord(), env.mock.options().integrasjon_passord);
    let answer = client.request(sok()).unwrap();
    assert_eq!(answer.status, 200);
    assert!(answer.is_json());
    let v: serde_json::Value = answer.json().unwrap();
    assert!(v["resultater"].is_array(), "{v}");
    // The base URL carries the /fiks prefix: the path was joined under it.
    let echo: serde_json::Value = client.request(FiksRequest::get("echo?x=1")).unwrap().json().unwrap();
    assert_eq!(echo["path"], "/fiks/echo");
    assert_eq!(echo["integrasjon_id_present"], true);
}

#[test]
fn person_mode_keeps_integrasjon_headers() {
    let env = common::env();
    let mut b = env.builder();
    for k in ["certificate", "certificate_password", "issuer", "audience", "token_endpoint"] {
        b.unset(k).unwrap();
    }
    b.set("person_token", env.mock.person_token()).unwrap();
    let client = blocking::Client::new(b.build().unwrap()).unwrap();
    let h = client.headers().unwrap();
    assert_eq!(h.authorization(), format!("Bearer {}", env.mock.person_token()));
    assert_eq!(h.integrasjon_id(), env.mock.options().integrasjon_id);
    assert_eq!(client.request(sok()).unwrap().status, 200);
    assert_eq!(env.mock.counters().token_requests, 0, "person mode never asks Maskinporten");

    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (c2, tok) = (calls.clone(), env.mock.person_token().to_string());
    let mut b = env.builder();
    for k in ["certificate", "certificate_password", "issuer"] {
        b.unset(k).unwrap();
    }
    b.set_person_token_provider(std::sync::Arc::new(move || {
        c2.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(tok.clone())
    }));
    let client = blocking::Client::new(b.build().unwrap()).unwrap();
    assert_eq!(client.request(sok()).unwrap().status, 200);
    assert!(calls.load(std::sync::atomic::Ordering::SeqCst) >= 1);
}

fn api_error(e: Error) -> Box<fiks_integrasjon::ApiError> {
    match e {
        Error::Api(a) => a,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[test]
fn fiks_errors_are_parsed() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let a = api_error(client.request(FiksRequest::get("/status/404")).unwrap_err());
    assert_eq!(a.status, 404);
    let body = a.body.as_ref().unwrap();
    assert_eq!(body.status, Some(404));
    assert!(uuid::Uuid::parse_str(body.error_id.as_deref().unwrap()).is_ok());
    assert_eq!(body.error_code.as_deref(), Some("MOCK_FEIL"));
    assert_eq!(body.error_json, Some(json!({"antall": 13})));
    assert!(body.message.is_some() && body.timestamp.is_some());
    let a = api_error(client.request(FiksRequest::get("/status/409?errorJson=string")).unwrap_err());
    assert_eq!(a.body.unwrap().error_json, Some(json!({"antall": 13})), "errorJson given as a string holding JSON");
    let bad = api_error(
        client.request(FiksRequest::post("/innsyn-sok/api/v1/sok").json(&json!({"x": 1})).unwrap()).unwrap_err(),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body.unwrap().error_code.as_deref(), Some("UGYLDIG_SOK"));
}

#[test]
fn html_from_a_proxy_is_kept_raw() {
    let env = common::env();
    let client = blocking::Client::new(env.with(&[("max_retries", "0")]).build().unwrap()).unwrap();
    client.headers().unwrap();
    env.mock.push_fault(FaultTarget::Fiks, Fault::Html502, 1);
    let a = api_error(client.request(FiksRequest::get("/echo")).unwrap_err());
    assert_eq!(a.status, 502);
    assert!(a.body.is_none());
    assert!(String::from_utf8_lossy(&a.raw).contains("<html"));
}

#[test]
fn idempotent_calls_are_retried_and_posts_are_not() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    client.headers().unwrap();
    env.mock.push_fault(FaultTarget::Fiks, Fault::Status(503), 2);
    assert_eq!(client.request(FiksRequest::get("/echo")).unwrap().status, 200);
    env.mock.push_fault(FaultTarget::Fiks, Fault::Status(503), 1);
    assert_eq!(api_error(client.request(sok()).unwrap_err()).status, 503);
}

#[test]
fn wrong_integrasjon_password_is_a_401_with_a_hint() {
    let env = common::env();
    let id = env.mock.options().integrasjon_id.clone();
    let client = blocking::Client::new(
        env.with(&[("integrasjon_id", &id), ("integrasjon_passord", "feil-PASSORD-123")]).build().unwrap(),
    )
    .unwrap();
    let e = client.request(sok()).unwrap_err();
    assert_eq!(e.http_status(), Some(401));
    assert!(e.hint().unwrap().contains("integrasjon_passord"));
    assert!(!e.to_string().contains("feil-PASSORD-123"));
    assert!(!format!("{e:?}").contains("feil-PASSORD-123"));
}

#[test]
fn other_hosts_never_get_the_headers() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let e = client.request(FiksRequest::get("https://evil.example.no/steal")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
    let e = client.request(FiksRequest::get("/a/../../token")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
    let full = format!("{}/echo", env.mock.fiks_base_url());
    assert_eq!(client.request(FiksRequest::get(full)).unwrap().status, 200);
}

#[test]
fn secrets_never_in_debug_or_errors() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let token = client.token().unwrap();
    let headers = client.headers().unwrap();
    let secrets = [
        token.access_token().to_string(),
        env.mock.options().integrasjon_passord.clone(),
        env.mock.pki().password().to_string(),
    ];
    let err = client.request(FiksRequest::get("/status/500")).unwrap_err();
    let texts = [
        format!("{client:?}"),
        format!("{:?}", client.config()),
        format!("{token:?}"),
        format!("{headers:?}"),
        format!("{err:?}"),
        err.to_string(),
        format!("{:?}", client.grant().unwrap()),
    ];
    for t in &texts {
        for s in &secrets {
            assert!(!t.contains(s.as_str()), "secret found in {t}");
        }
    }
}
