//! The grant our client sends is accepted by the strict mock, and has exactly the shape
//! Maskinporten requires; grants built from wrong settings are refused with Maskinporten's codes.

mod common;

use fiks_integrasjon::{ErrorKind, blocking};

#[test]
fn our_grant_is_accepted_and_exactly_shaped() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let token = client.token().unwrap();
    assert!(!token.access_token().is_empty());
    let c = env.mock.counters();
    assert_eq!(c.tokens_issued, 1, "{c:?}");
    let header = c.last_grant_header.expect("header seen");
    let claims = c.last_grant_claims.expect("claims seen");
    assert_eq!(header["alg"], "RS256");
    let x5c = header["x5c"].as_array().expect("x5c is an array");
    assert_eq!(x5c.len(), 2, "leaf and intermediate, no root");
    assert!(header.get("kid").is_none());
    let keys: Vec<&str> = claims.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(sorted, ["aud", "exp", "iat", "iss", "jti", "scope"], "no optional claims unless set");
    assert_eq!(claims["aud"], env.mock.audience());
    assert!(claims["aud"].as_str().unwrap().ends_with('/'));
    assert_eq!(claims["iss"], env.mock.options().issuer.as_str());
    assert_eq!(claims["scope"], "ks:fiks");
    let life = claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap();
    assert!(life > 0 && life <= 120, "{life}");
}

#[test]
fn every_grant_has_a_fresh_jti() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..3 {
        client.clear_cache();
        client.token().unwrap();
        let jti = env.mock.counters().last_grant_claims.unwrap()["jti"].as_str().unwrap().to_string();
        assert!(seen.insert(jti));
        let g = client.grant().unwrap();
        assert!(seen.insert(g.claims["jti"].as_str().unwrap().to_string()));
    }
    assert_eq!(env.mock.counters().token_rejections.len(), 0);
}

#[test]
fn optional_claims_are_sent_only_when_set() {
    let env = common::env();
    let cfg = env.with(&[("resource", "https://api.example.no/a"), ("pid", "01017012345")]).build().unwrap();
    let client = blocking::Client::new(cfg).unwrap();
    client.token().unwrap();
    let claims = env.mock.counters().last_grant_claims.unwrap();
    assert_eq!(claims["resource"], serde_json::json!(["https://api.example.no/a"]), "resource is a JSON array");
    assert_eq!(claims["pid"], "01017012345");
    assert!(claims.get("consumer_org").is_none() && claims.get("iss_onbehalfof").is_none());
}

#[test]
fn kid_replaces_x5c() {
    let env = common::env();
    let cfg = env.with(&[("key_id", env.mock.pki().kid())]).build().unwrap();
    blocking::Client::new(cfg).unwrap().token().unwrap();
    let header = env.mock.counters().last_grant_header.unwrap();
    assert_eq!(header["kid"], env.mock.pki().kid());
    assert!(header.get("x5c").is_none());
}

fn refused(env: &common::Env, pairs: &[(&str, &str)]) -> fiks_integrasjon::TokenError {
    let client = blocking::Client::new(env.with(pairs).build().unwrap()).unwrap();
    let err = client.token().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Token, "{err}");
    assert!(err.hint().is_some());
    *err.as_token().cloned().map(Box::new).unwrap()
}

#[test]
fn wrong_audience_is_refused_with_mp_110() {
    let env = common::env();
    let without_slash = env.mock.audience().trim_end_matches('/').to_string();
    let t = refused(&env, &[("audience", &without_slash)]);
    assert_eq!((t.status, t.error.as_str(), t.mp_code.as_deref()), (400, "invalid_grant", Some("MP-110")));
    let t = refused(&env, &[("audience", &env.mock.token_endpoint())]);
    assert_eq!(t.mp_code.as_deref(), Some("MP-110"), "the token URL is not a valid audience");
}

#[test]
fn unknown_client_and_scope_are_refused() {
    let env = common::env();
    let t = refused(&env, &[("issuer", "ukjent-klient")]);
    assert_eq!((t.error.as_str(), t.mp_code.as_deref()), ("invalid_client", Some("MP-100")));
    let t = refused(&env, &[("scopes", "ks:fiks nav:hemmelig")]);
    assert_eq!((t.error.as_str(), t.mp_code.as_deref()), ("invalid_scope", Some("MP-200")));
    let own = env.mock.pki().orgnr().to_string();
    let t = refused(&env, &[("consumer_org", &own)]);
    assert_eq!(t.error, "invalid_request");
    assert!(t.description.unwrap().contains("consumer_org"));
    // Refusals are not retried: one request each.
    assert_eq!(env.mock.counters().token_requests, 3);
}
