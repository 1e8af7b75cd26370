//! One client for many integrasjoner, services and citizens: the extra integrasjoner, those
//! registered at run time, person tokens, the SvarUt host, and echoes that say who called.

mod common;

use common::*;
use fiks_integrasjon_mock::{EXPECT_TOKEN_SHA256_HEADER, MockOptions, MockServer, mock_integrasjon};
use serde_json::{Value, json};

/// `GET <base>/echo` with `headers`.
async fn echo_at(base: &str, headers: &[(String, String)]) -> Answer {
    request("GET", &format!("{base}/echo"), &refs(headers), b"").await.expect("echo")
}

fn default_integrasjon(mock: &MockServer) -> (String, String) {
    (mock.options().integrasjon_id.clone(), mock.options().integrasjon_passord.clone())
}

#[tokio::test]
async fn extra_integrasjoner_are_accepted_on_both_hosts_and_counted() {
    let mock = mock().await;
    let tok = token(&mock).await;
    let hosts = [(mock.fiks_base_url(), "fiks"), (mock.svarut_base_url(), "svarut")];
    for (base, service) in &hosts {
        for i in [1, 2, 100] {
            let a = echo_at(base, &headers_for(&tok, &mock_integrasjon(i))).await;
            assert_eq!(a.status, 200, "{i} at {base}: {}", a.text());
            let v = a.json();
            assert_eq!(v["integrasjon_id"], mock_integrasjon(i).0);
            assert_eq!(v["service"], *service);
            assert_eq!(v["path"], format!("/{service}/echo"));
        }
        // Unknown id: 403. Known id, another's password: 401. Exactly as for the default one.
        let a = echo_at(base, &headers_for(&tok, &mock_integrasjon(101))).await;
        let v = assert_fiks_error(&a, 403, "/echo");
        assert!(v["message"].as_str().unwrap().contains("unknown integration"), "{v}");
        let wrong = (mock_integrasjon(1).0, mock_integrasjon(2).1);
        let v = assert_fiks_error(&echo_at(base, &headers_for(&tok, &wrong)).await, 401, "/echo");
        assert!(v["message"].as_str().unwrap().contains("wrong integration password"), "{v}");
        let default_wrong = (mock.options().integrasjon_id.clone(), "feil".to_string());
        assert_fiks_error(&echo_at(base, &headers_for(&tok, &default_wrong)).await, 401, "/echo");
    }
    let c = mock.counters();
    assert_eq!(c.fiks_requests, 12);
    assert_eq!(c.requests_by_service.get("fiks"), Some(&6));
    assert_eq!(c.requests_by_service.get("svarut"), Some(&6));
    assert_eq!(c.requests_by_integrasjon.len(), 3, "only accepted requests: {:?}", c.requests_by_integrasjon);
    for i in [1, 2, 100] {
        assert_eq!(c.requests_by_integrasjon.get(&mock_integrasjon(i).0), Some(&2), "{i}");
    }
    assert_eq!(c.fiks_rejections.get(&403), Some(&2));
    assert_eq!(c.fiks_rejections.get(&401), Some(&4));
    // The same numbers over HTTP.
    let json = request("GET", &format!("{}/counters", mock.control_url()), &[], b"").await.unwrap().json();
    assert_eq!(json["requests_by_service"], json!({"fiks": 6, "svarut": 6}));
    assert_eq!(json["requests_by_integrasjon"][mock_integrasjon(100).0.as_str()], 2);
    assert_eq!(mock.extra_integrasjoner().len(), 100);
    assert_eq!(mock.extra_integrasjoner()[99], mock_integrasjon(100));
    assert_eq!(mock.integrasjoner().len(), 101);
    assert_eq!(mock.integrasjoner()[0], default_integrasjon(&mock));
}

#[tokio::test]
async fn integrasjoner_registered_at_run_time_until_a_reset() {
    let mock = mock().await;
    let tok = token(&mock).await;
    let bergen = ("8f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e".to_string(), "bergen-passord".to_string());
    let oslo = ("0b6e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b".to_string(), "oslo passord".to_string());
    let h = |i: &(String, String)| headers_for(&tok, i);
    assert_eq!(echo_at(&mock.fiks_base_url(), &h(&bergen)).await.status, 403);

    let a = control(&mock, "integrasjoner", &json!({"id": bergen.0, "passord": bergen.1})).await;
    assert_eq!((a.status, a.json()), (200, json!({"ok": true, "registered": 1})));
    for base in [mock.fiks_base_url(), mock.svarut_base_url()] {
        let a = echo_at(&base, &h(&bergen)).await;
        assert_eq!(a.status, 200, "{}", a.text());
        assert_eq!(a.json()["integrasjon_id"], bergen.0);
    }
    // All or nothing: one bad entry registers none of the list.
    for (body, says) in [
        (json!([{"id": oslo.0, "passord": oslo.1}, {"id": "kommune-9", "passord": "x"}]), "UUID"),
        (json!([{"id": oslo.0, "passord": oslo.1}, {"id": mock_integrasjon(500).0, "passord": ""}]), "empty"),
        (json!({"id": oslo.0, "passord": "to\nlinjer"}), "printable"),
        (json!({"id": oslo.0, "passord": " kant"}), "either end"),
        (json!({"id": oslo.0}), "passord"),
        (json!({"id": oslo.0, "passord": "p", "navn": "Oslo"}), "unknown field 'navn'"),
        (json!([]), "non-empty array"),
        (json!("x"), "id"),
    ] {
        let a = control(&mock, "integrasjoner", &body).await;
        assert_eq!(a.status, 400, "{body}");
        let e = a.json()["error"].as_str().unwrap().to_string();
        assert!(e.contains(says), "{body}: {e}");
    }
    assert_eq!(echo_at(&mock.fiks_base_url(), &h(&oslo)).await.status, 403);
    let a = control(&mock, "integrasjoner", &json!([{"id": oslo.0, "passord": oslo.1}])).await;
    assert_eq!(a.json()["registered"], 1);
    assert_eq!(echo_at(&mock.fiks_base_url(), &h(&oslo)).await.status, 200);
    // A known id given a new password: the old one is wrong from now on.
    let rotated = (bergen.0.clone(), "nytt-passord".to_string());
    mock.register_integrasjon(&rotated.0, &rotated.1).unwrap();
    assert_eq!(echo_at(&mock.fiks_base_url(), &h(&bergen)).await.status, 401);
    assert_eq!(echo_at(&mock.fiks_base_url(), &h(&rotated)).await.status, 200);
    assert!(mock.register_integrasjon("bergen", "p").unwrap_err().contains("UUID"));
    assert_eq!(mock.integrasjoner().len(), 103);

    // A reset forgets what was registered; the options' integrasjoner stay.
    assert_eq!(control(&mock, "reset", &Value::Null).await.status, 200);
    for i in [&rotated, &oslo] {
        assert_eq!(echo_at(&mock.fiks_base_url(), &h(i)).await.status, 403);
    }
    assert_eq!(echo_at(&mock.fiks_base_url(), &h(&mock_integrasjon(1))).await.status, 200);
    assert_eq!(echo_at(&mock.fiks_base_url(), &h(&default_integrasjon(&mock))).await.status, 200);
    assert_eq!(mock.integrasjoner().len(), 101);
}

#[tokio::test]
async fn person_tokens_from_the_options_and_registered() {
    let mock = mock_with(MockOptions { person_tokens: vec!["innbygger-a".into()], ..MockOptions::default() }).await;
    let id = default_integrasjon(&mock);
    for (tok, status) in [(mock.person_token(), 200), ("innbygger-a", 200), ("innbygger-b", 401)] {
        for base in [mock.fiks_base_url(), mock.svarut_base_url()] {
            let a = echo_at(&base, &headers_for(tok, &id)).await;
            assert_eq!(a.status, status, "{tok} at {base}: {}", a.text());
            if status == 200 {
                assert_eq!(a.json()["token"], json!({"kind": "person"}));
            } else {
                let v = assert_fiks_error(&a, 401, "/echo");
                assert!(v["message"].as_str().unwrap().contains("unknown"), "{v}");
                assert_eq!(a.header("www-authenticate"), Some("Bearer realm=\"fiks\", error=\"invalid_token\""));
            }
        }
    }
    let a = control(&mock, "person-tokens", &json!({"tokens": ["innbygger-b", "innbygger-c"]})).await;
    assert_eq!((a.status, a.json()), (200, json!({"ok": true, "registered": 2})));
    for tok in ["innbygger-b", "innbygger-c"] {
        let a = echo_at(&mock.svarut_base_url(), &headers_for(tok, &mock_integrasjon(3))).await;
        assert_eq!(a.status, 200, "{}", a.text());
    }
    mock.register_person_token("innbygger-d").unwrap();
    assert!(mock.register_person_token("to ord").is_err());
    assert_eq!(mock.person_tokens().len(), 5);
    for body in [json!({"tokens": []}), json!({"tokens": ["ok", ""]}), json!({"tokens": [1]}), json!({"token": "x"})] {
        assert_eq!(control(&mock, "person-tokens", &body).await.status, 400, "{body}");
    }
    assert_eq!(echo_at(&mock.fiks_base_url(), &headers_for("ok", &id)).await.status, 401, "all or nothing");
    mock.reset();
    assert_eq!(echo_at(&mock.fiks_base_url(), &headers_for("innbygger-b", &id)).await.status, 401);
    assert_eq!(echo_at(&mock.fiks_base_url(), &headers_for("innbygger-a", &id)).await.status, 200);
    assert_eq!(mock.person_tokens(), ["innbygger-a", mock.person_token()]);
    assert_eq!(mock.counters().token_requests, 0);
}

#[tokio::test]
async fn the_svarut_host_serves_only_the_fiks_api() {
    let mock = mock().await;
    let tok = token(&mock).await;
    let h = fiks_headers(&mock, &tok);
    let svarut = mock.svarut_base_url();
    let origin = svarut.strip_suffix("/svarut").expect("a /svarut base");
    assert_eq!(origin, format!("http://127.0.0.1:{}", mock.svarut_addr().port()));
    assert_ne!(mock.svarut_addr(), mock.addr());
    assert_eq!(mock.options().svarut_port, mock.svarut_addr().port());
    let body = form(&[("grant_type", JWT_BEARER), ("assertion", &Grant::new(&mock).sign())]);
    let a = request("POST", &format!("{origin}/token"), &[("content-type", FORM)], body.as_bytes()).await.unwrap();
    assert_eq!(a.status, 404);
    for path in ["/.well-known/oauth-authorization-server", "/_mock/counters", "/fiks/echo", "/", "/svarutx/echo"] {
        let a = request("GET", &format!("{origin}{path}"), &refs(&h), b"").await.unwrap();
        assert_eq!(a.status, 404, "{path}");
        assert!(a.content_type().starts_with("text/plain"), "{path}");
    }
    let a = request("POST", &format!("{origin}/_mock/reset"), &[], b"").await.unwrap();
    assert_eq!(a.status, 404);
    // On the main port, /svarut is nothing either.
    let a = request("GET", &format!("{}/svarut/echo", mock.base_url()), &refs(&h), b"").await.unwrap();
    assert_eq!(a.status, 404);
    // The Fiks API itself: the same endpoints and errors under /svarut.
    let a = request("GET", &format!("{svarut}/status/409"), &refs(&h), b"").await.unwrap();
    assert_eq!(assert_fiks_error(&a, 409, "/status/409")["errorCode"], "MOCK_FEIL");
    let sok = request(
        "POST",
        &format!("{svarut}/innsyn-sok/api/v1/sok"),
        &[refs(&h), vec![("content-type", "application/json")]].concat(),
        br#"{"sok": "byggesak"}"#,
    )
    .await
    .unwrap();
    assert_eq!(sok.status, 200, "{}", sok.text());
    let c = mock.counters();
    assert_eq!((c.fiks_requests, c.requests_by_service.get("svarut")), (2, Some(&2)));
    assert_eq!(c.requests_by_service.get("fiks"), None);
    // Fiks faults apply to both hosts.
    mock.push_fault(fiks_integrasjon_mock::FaultTarget::Fiks, fiks_integrasjon_mock::Fault::Status(503), 1);
    assert_fiks_error(&echo_at(&svarut, &h).await, 503, "/echo");
}

#[tokio::test]
async fn echoes_tell_who_called_without_the_token() {
    let mock = mock().await;
    let tok = token(&mock).await;
    for (base, service) in [(mock.fiks_base_url(), "fiks"), (mock.svarut_base_url(), "svarut")] {
        let a = echo_at(&base, &headers_for(&tok, &mock_integrasjon(7))).await;
        assert_eq!(a.status, 200, "{}", a.text());
        let v = a.json();
        assert_eq!(v["integrasjon_id"], mock_integrasjon(7).0);
        assert_eq!(v["token_sha256"], sha256_hex(tok.as_bytes()));
        assert_eq!(v["service"], service);
        assert_eq!(v["token_matches"], Value::Null, "no expectation sent");
        assert_eq!(v["token"]["kind"], "maskinporten");
        let text = a.text();
        assert!(!text.contains(&tok), "the token itself never appears: {text}");
        assert!(!text.contains(&mock_integrasjon(7).1), "nor the password: {text}");
    }
    let person = mock.person_token().to_string();
    let a = echo_at(&mock.svarut_base_url(), &headers_for(&person, &default_integrasjon(&mock))).await;
    let v = a.json();
    assert_eq!(v["token_sha256"], sha256_hex(person.as_bytes()));
    assert!(!a.text().contains(&person));
}

#[tokio::test]
async fn a_token_mismatch_is_counted_only_when_the_token_differs() {
    let mock = mock().await;
    let tok = token(&mock).await;
    let other = token(&mock).await;
    let with_expectation = |hash: String| {
        let mut h = fiks_headers(&mock, &tok);
        h.push((EXPECT_TOKEN_SHA256_HEADER.to_string(), hash));
        h
    };
    let counts = |m: &MockServer| {
        let c = m.counters();
        (c.token_matches_checked, c.token_mismatches)
    };

    // No expectation: nothing is checked.
    assert_eq!(echo_at(&mock.fiks_base_url(), &fiks_headers(&mock, &tok)).await.status, 200);
    assert_eq!(counts(&mock), (0, 0));
    // The right token (in either case of hex): a match.
    let v = echo_at(&mock.fiks_base_url(), &with_expectation(sha256_hex(tok.as_bytes()))).await.json();
    assert_eq!(v["token_matches"], true);
    let v = echo_at(&mock.svarut_base_url(), &with_expectation(sha256_hex(tok.as_bytes()).to_uppercase())).await.json();
    assert_eq!(v["token_matches"], true);
    assert_eq!(counts(&mock), (2, 0));
    // Another caller's token: a mismatch, though the request itself is valid.
    let a = echo_at(&mock.fiks_base_url(), &with_expectation(sha256_hex(other.as_bytes()))).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["token_matches"], false);
    assert_eq!(counts(&mock), (2, 1));
    // Checked before authentication: a request without a token mismatches too, and is refused.
    let no_token = [(EXPECT_TOKEN_SHA256_HEADER.to_string(), sha256_hex(tok.as_bytes()))];
    let a = request("GET", &format!("{}/echo", mock.fiks_base_url()), &refs(&no_token), b"").await.unwrap();
    assert_eq!(a.status, 401);
    assert_eq!(counts(&mock), (2, 2));
    let json = request("GET", &format!("{}/counters", mock.control_url()), &[], b"").await.unwrap().json();
    assert_eq!((json["token_matches_checked"].clone(), json["token_mismatches"].clone()), (json!(2), json!(2)));
    mock.reset();
    assert_eq!(counts(&mock), (0, 0));
}

#[tokio::test]
async fn with_tls_the_svarut_host_is_https_too() {
    let mock = mock_with(MockOptions { tls: true, ..MockOptions::default() }).await;
    let svarut = mock.svarut_base_url();
    assert!(svarut.starts_with("https://localhost:") && svarut.ends_with("/svarut"), "{svarut}");
    let tok = token(&mock).await;
    let a = echo_at(&svarut, &headers_for(&tok, &mock_integrasjon(1))).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["service"], "svarut");
    let plain = svarut.replace("https://localhost", "http://127.0.0.1");
    assert!(request("GET", &format!("{plain}/echo"), &[], b"").await.is_err(), "no plain HTTP on the TLS port");
}

#[tokio::test]
async fn without_extras_only_the_default_integrasjon() {
    let mock = mock_with(MockOptions { extra_integrasjoner: 0, ..MockOptions::default() }).await;
    let tok = token(&mock).await;
    assert_eq!(echo_at(&mock.fiks_base_url(), &headers_for(&tok, &mock_integrasjon(1))).await.status, 403);
    assert_eq!(echo_at(&mock.svarut_base_url(), &headers_for(&tok, &default_integrasjon(&mock))).await.status, 200);
    let dir = tempfile::tempdir().unwrap();
    let files = mock.pki().write_to(dir.path()).unwrap();
    let cfg: toml::Table = mock.config_toml(&files).parse().unwrap();
    assert!(cfg.get("integrasjoner").is_none());
    assert_eq!(cfg["services"]["svarut"].as_str(), Some(mock.svarut_base_url().as_str()));
    assert!(mock.extra_integrasjoner().is_empty());
}
