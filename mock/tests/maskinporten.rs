//! The Maskinporten side: a correct grant is accepted, and each way of breaking one gets
//! Maskinporten's error.

mod common;

use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::*;
use fiks_integrasjon_mock::{LeafOptions, MockOptions, Pki, PkiOptions};
use serde_json::json;

async fn refused(grant: Grant, status: u16, error: &str, has: &str) {
    let mock = mock().await;
    let a = post_grant(&mock, &grant_for(&mock, grant)).await;
    assert_mp_error(&a, status, error, has);
    let c = mock.counters();
    assert_eq!(c.token_rejections.len(), 1);
    assert_eq!(c.token_rejections[0].error, error);
    assert_eq!(c.token_rejections[0].status, status);
    assert_eq!(c.tokens_issued, 0);
}

/// Grants are built against a template mock, then re-aimed at the real one.
fn grant_for(mock: &fiks_integrasjon_mock::MockServer, mut g: Grant) -> String {
    if g.claims.get("aud") == Some(&json!("AUD")) {
        g.claims.insert("aud".into(), json!(mock.audience()));
    }
    g.sign()
}

/// A correct grant whose `aud` is filled in for whichever mock it is sent to.
async fn base() -> Grant {
    let mock = mock().await;
    Grant::new(&mock).claim("aud", json!("AUD"))
}

#[tokio::test]
async fn correct_grant_gets_an_opaque_token() {
    let mock = mock().await;
    let a = post_grant(&mock, &Grant::new(&mock).sign()).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.content_type(), "application/json");
    assert_eq!(a.header("cache-control"), Some("no-store"));
    let v = a.json();
    let t = v["access_token"].as_str().unwrap();
    assert!(t.len() >= 32 && !t.contains('.'), "{t}");
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 120);
    assert_eq!(v["scope"], "ks:fiks");
    let c = mock.counters();
    assert_eq!((c.token_requests, c.tokens_issued), (1, 1));
    assert!(c.token_rejections.is_empty());
    assert_eq!(c.last_grant_claims.unwrap()["iss"], "fiks-mock-client");
    assert!(c.last_grant_header.unwrap()["x5c"].is_array());
}

#[tokio::test]
async fn leaf_only_x5c_kid_and_every_rsa_alg_are_accepted() {
    let mock = mock().await;
    let leaf_only = Grant::new(&mock).header("x5c", json!([STANDARD.encode(mock.pki().leaf_der())]));
    let kid = Grant::new(&mock).kid("mock-kid-1");
    let typ = Grant::new(&mock).header("typ", json!("JWT"));
    for g in [leaf_only, kid, typ, Grant::new(&mock).alg("RS384"), Grant::new(&mock).alg("RS512")] {
        let a = post_grant(&mock, &g.sign()).await;
        assert_eq!(a.status, 200, "{}", a.text());
    }
    assert_eq!(mock.counters().tokens_issued, 5);
}

#[tokio::test]
async fn http_shape_of_the_request() {
    let mock = mock().await;
    let jwt = Grant::new(&mock).sign();
    let body = form(&[("grant_type", JWT_BEARER), ("assertion", &jwt)]);
    let a = request("GET", &mock.token_endpoint(), &[], b"").await.unwrap();
    assert_mp_error(&a, 405, "invalid_request", "Method not allowed");
    assert_eq!(a.header("allow"), Some("POST"));
    let a = request("POST", &mock.token_endpoint(), &[("content-type", "application/json")], body.as_bytes())
        .await
        .unwrap();
    assert_mp_error(&a, 400, "invalid_request", "application/x-www-form-urlencoded");
    let a = request("POST", &mock.token_endpoint(), &[], body.as_bytes()).await.unwrap();
    assert_mp_error(&a, 400, "invalid_request", "Content-Type");
    // charset parameter is fine
    let a = request(
        "POST",
        &mock.token_endpoint(),
        &[("content-type", "application/x-www-form-urlencoded; charset=utf-8")],
        body.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 200, "{}", a.text());

    let cases: Vec<(String, &str, &str)> = vec![
        (form(&[("assertion", &jwt)]), "invalid_request", "grant_type"),
        (
            form(&[("grant_type", "client_credentials"), ("assertion", &jwt)]),
            "unsupported_grant_type",
            "client_credentials",
        ),
        (
            form(&[("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer "), ("assertion", &jwt)]),
            "unsupported_grant_type",
            "Unsupported grant type",
        ),
        (form(&[("grant_type", JWT_BEARER)]), "invalid_request", "assertion"),
        (form(&[("grant_type", JWT_BEARER), ("assertion", "")]), "invalid_request", "assertion"),
        (form(&[("grant_type", JWT_BEARER), ("assertion", &jwt), ("assertion", &jwt)]), "invalid_request", "repeated"),
    ];
    for (body, error, has) in cases {
        let a = request("POST", &mock.token_endpoint(), &[("content-type", FORM)], body.as_bytes()).await.unwrap();
        assert_mp_error(&a, 400, error, has);
    }
    let c = mock.counters();
    assert_eq!(c.token_rejections.len(), 9);
    assert_eq!(c.token_rejections[0].status, 405);
    assert_eq!(c.tokens_issued, 1);
}

#[tokio::test]
async fn jwt_syntax_is_mp_011() {
    let mock = mock().await;
    let jwt = Grant::new(&mock).sign();
    let parts: Vec<&str> = jwt.split('.').collect();
    let h = parts[0];
    let c = parts[1];
    let s = parts[2];
    let not_object = b64url(b"[1,2]");
    let not_json = b64url(b"{nope");
    let bad = [
        format!("{h}.{c}"),
        format!("{h}.{c}.{s}.x"),
        format!("{h}.{c}."),
        format!("{h}=.{c}.{s}"),
        format!("{h}.{c}\n.{s}"),
        format!("{h}.{c}.{s}=="),
        format!("{not_object}.{c}.{s}"),
        format!("{h}.{not_json}.{s}"),
        format!("{h}.{c}.{}", s.replace(['-', '_'], "+")),
        "not a jwt".to_string(),
    ];
    for assertion in bad {
        let a = post_grant(&mock, &assertion).await;
        assert_mp_error(&a, 400, "invalid_request", "MP-011 Invalid assertion. Invalid parameter value");
    }
}

#[tokio::test]
async fn header_alg() {
    for alg in [json!("HS256"), json!("none"), json!("ES256"), json!("PS256"), json!(256)] {
        refused(base().await.header("alg", alg), 400, "invalid_request", "algorithm").await;
    }
    refused(base().await.no_header("alg"), 400, "invalid_request", "algorithm").await;
}

#[tokio::test]
async fn header_x5c_shape_is_mp_123() {
    let leaf = STANDARD.encode(pki().leaf_der());
    for x5c in [json!(leaf), json!([1, 2]), json!([]), json!(["%%%not base64"]), json!({"0": leaf})] {
        refused(base().await.header("x5c", x5c), 400, "invalid_request", "MP-123 Invalid JWT header x5c").await;
    }
}

#[tokio::test]
async fn header_needs_x5c_or_a_registered_kid() {
    refused(
        base().await.no_header("x5c"),
        400,
        "invalid_client",
        "MP-100 Invalid assertion. Client authentication failed.",
    )
    .await;
    refused(base().await.kid("some-other-kid"), 400, "invalid_client", "MP-100").await;
    refused(
        base().await.kid("mock-kid-1").header("x5c", json!([STANDARD.encode(pki().leaf_der())])),
        400,
        "invalid_request",
        "not both",
    )
    .await;
    refused(base().await.header("kid", json!(1)).no_header("x5c"), 400, "invalid_request", "kid").await;
    refused(base().await.header("x5t", json!("abc")), 400, "invalid_request", "'x5t'").await;
    refused(base().await.header("typ", json!("at+jwt")), 400, "invalid_request", "typ").await;
}

#[tokio::test]
async fn certificate_must_chain_to_the_mock_ca_and_be_valid_now() {
    const MP_120: &str =
        "MP-120 Invalid assertion. Client authentication failed. The JWT is signed with an invalid certificate.";
    let day = Duration::from_secs(86_400);
    let now = SystemTime::now();
    let mock = mock().await;
    let variants = [
        LeafOptions { self_signed: true, ..Default::default() },
        LeafOptions { not_before: Some(now - 30 * day), not_after: Some(now - day), ..Default::default() },
        LeafOptions { not_before: Some(now + day), not_after: Some(now + 30 * day), ..Default::default() },
    ];
    for v in variants {
        let p = pki().leaf_variant(v.clone());
        let a = post_grant(&mock, &Grant::for_pki(&mock, &p).sign()).await;
        assert_mp_error(&a, 400, "invalid_grant", MP_120);
    }
    // A certificate from another CA.
    let stranger = Pki::generate().unwrap();
    let a = post_grant(&mock, &Grant::for_pki(&mock, &stranger).sign()).await;
    assert_mp_error(&a, 400, "invalid_grant", MP_120);
    // Chain in the wrong order (intermediate first) and leaf + root without the intermediate.
    let p = pki();
    let reversed = json!([STANDARD.encode(p.intermediate_der()), STANDARD.encode(p.leaf_der())]);
    let a = post_grant(&mock, &Grant::new(&mock).header("x5c", reversed).sign()).await;
    assert_mp_error(&a, 400, "invalid_grant", MP_120);
    let no_intermediate = json!([STANDARD.encode(p.leaf_der()), STANDARD.encode(p.ca_der())]);
    let a = post_grant(&mock, &Grant::new(&mock).header("x5c", no_intermediate).sign()).await;
    assert_mp_error(&a, 400, "invalid_grant", MP_120);
    // Not a certificate at all.
    let a = post_grant(&mock, &Grant::new(&mock).header("x5c", json!([STANDARD.encode(b"hello")])).sign()).await;
    assert_mp_error(&a, 400, "invalid_grant", MP_120);
    assert_eq!(mock.counters().token_rejections.len(), 7);
}

#[tokio::test]
async fn signature_is_mp_124() {
    let mock = mock().await;
    // The certificate is for another key than the one that signs.
    let mismatched = pki().leaf_variant(LeafOptions { other_key: true, ..Default::default() });
    let a = post_grant(&mock, &Grant::for_pki(&mock, &mismatched).sign()).await;
    assert_mp_error(&a, 400, "invalid_grant", "MP-124 Invalid JWT signature");
    // Claims changed after signing.
    let g = Grant::new(&mock);
    let sig = g.signature(&g.signing_input());
    let tampered = g.claim("scope", json!("ks:fiks:test"));
    let a = post_grant(&mock, &format!("{}.{}", tampered.signing_input(), b64url(&sig))).await;
    assert_mp_error(&a, 400, "invalid_grant", "MP-124");
    // Header says RS512, signed RS256.
    let g = Grant::new(&mock).alg("RS512");
    let mut g256 = g.clone();
    g256.alg = "RS256";
    let input = g.signing_input();
    let a = post_grant(&mock, &format!("{input}.{}", b64url(&g256.signature(&input)))).await;
    assert_mp_error(&a, 400, "invalid_grant", "MP-124");
    // A kid grant signed with another key.
    let g = Grant::new(&mock).kid("mock-kid-1");
    let mut other = g.clone();
    other.key = Pki::generate().unwrap().key_pkcs8_der().to_vec();
    let a = post_grant(&mock, &other.sign()).await;
    assert_mp_error(&a, 400, "invalid_grant", "MP-124");
}

#[tokio::test]
async fn unknown_claims_are_refused() {
    for name in ["sub", "nbf", "client_id", "authorization_detail", "scopes", "consumer"] {
        let has = format!("Invalid assertion. Claim '{name}' is not supported");
        refused(base().await.claim(name, json!("x")), 400, "invalid_request", &has).await;
    }
}

#[tokio::test]
async fn aud_must_be_the_issuer_with_its_trailing_slash() {
    const MP_110: &str = "MP-110 Invalid assertion. Client authentication failed. Invalid JWT claim aud";
    let mock = mock().await;
    let audience = mock.audience();
    let cases = [
        json!(mock.token_endpoint()),
        json!(audience.trim_end_matches('/')),
        json!([audience]),
        json!("https://maskinporten.no/"),
        json!(null),
    ];
    for aud in cases {
        let a = post_grant(&mock, &Grant::new(&mock).claim("aud", aud).sign()).await;
        assert_mp_error(&a, 400, "invalid_grant", MP_110);
    }
    let a = post_grant(&mock, &Grant::new(&mock).no_claim("aud").sign()).await;
    assert_mp_error(&a, 400, "invalid_grant", MP_110);
}

#[tokio::test]
async fn iss_must_be_the_registered_client() {
    for iss in [json!("ukjent-klient"), json!(""), json!(42)] {
        refused(
            base().await.claim("iss", iss),
            400,
            "invalid_client",
            "MP-100 Invalid assertion. Client authentication failed. Client not found",
        )
        .await;
    }
    refused(base().await.no_claim("iss"), 400, "invalid_client", "Client not found").await;
}

#[tokio::test]
async fn certificate_orgnr_must_match_the_client() {
    const MP_122: &str = "MP-122 Invalid organization number for client. Does not match certificate orgno";
    let mock = mock().await;
    let other = pki().leaf_variant(LeafOptions { orgnr: Some("999999999".into()), ..Default::default() });
    let a = post_grant(&mock, &Grant::for_pki(&mock, &other).sign()).await;
    assert_mp_error(&a, 400, "invalid_client", MP_122);
    // organizationIdentifier NTRNO-<orgnr> counts like serialNumber.
    let oi = pki().leaf_variant(LeafOptions { use_organization_identifier: true, ..Default::default() });
    let a = post_grant(&mock, &Grant::for_pki(&mock, &oi).sign()).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let oi_other = pki().leaf_variant(LeafOptions {
        use_organization_identifier: true,
        orgnr: Some("999999999".into()),
        ..Default::default()
    });
    let a = post_grant(&mock, &Grant::for_pki(&mock, &oi_other).sign()).await;
    assert_mp_error(&a, 400, "invalid_client", MP_122);
    // A client registered for another orgnr refuses our certificate.
    let strict = mock_with(MockOptions { client_orgnr: Some("921234567".into()), ..MockOptions::default() }).await;
    let a = post_grant(&strict, &Grant::new(&strict).sign()).await;
    assert_mp_error(&a, 400, "invalid_client", MP_122);
}

#[tokio::test]
async fn a_registered_certificate_without_orgnr_is_accepted_and_no_other() {
    const MP_122: &str = "MP-122 Invalid organization number for client. Does not match certificate orgno";
    let mock = mock().await;
    // The PKI's eSeal (a Swedish VAT number, no orgnr) is registered for the client.
    let a = post_grant(&mock, &Grant::eseal(&mock).sign()).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let leaf_only = Grant::eseal(&mock).header("x5c", json!([STANDARD.encode(mock.pki().eseal_der())]));
    assert_eq!(post_grant(&mock, &leaf_only.sign()).await.status, 200);
    assert_eq!(mock.counters().tokens_issued, 2);
    // Its token works on the Fiks side like any other.
    let tok = token_for(&mock, Grant::eseal(&mock)).await;
    let echo = request("GET", &format!("{}/echo", mock.fiks_base_url()), &refs(&fiks_headers(&mock, &tok)), b"")
        .await
        .unwrap();
    assert_eq!(echo.status, 200, "{}", echo.text());
    // Registered means this certificate: one without orgnr that is not registered is refused.
    let unregistered = pki().leaf_variant(LeafOptions { without_orgnr: true, ..Default::default() });
    let a = post_grant(&mock, &Grant::for_pki(&mock, &unregistered).sign()).await;
    assert_mp_error(&a, 400, "invalid_client", MP_122);
    assert_eq!(a.json()["error_description"], MP_122);
    // Another PKI's eSeal does not chain to the mock CA.
    let stranger = Pki::generate().unwrap();
    let x5c: Vec<_> = stranger.eseal_chain_der().into_iter().map(|d| json!(STANDARD.encode(d))).collect();
    let mut g = Grant::new(&mock).header("x5c", json!(x5c));
    g.key = stranger.eseal_key_pkcs8_der().to_vec();
    assert_mp_error(&post_grant(&mock, &g.sign()).await, 400, "invalid_grant", "MP-120");
    // The registered eSeal signed with another key (the virksomhet key) is a bad signature.
    let mut g = Grant::eseal(&mock);
    g.key = mock.pki().key_pkcs8_der().to_vec();
    assert_mp_error(&post_grant(&mock, &g.sign()).await, 400, "invalid_grant", "MP-124 Invalid JWT signature");
    // The eSeal is registered whatever orgnr the client has; the rest of the grant still counts.
    let other_org = mock_with(MockOptions { client_orgnr: Some("921234567".into()), ..MockOptions::default() }).await;
    assert_eq!(post_grant(&other_org, &Grant::eseal(&other_org).sign()).await.status, 200);
    let a = post_grant(&other_org, &Grant::eseal(&other_org).claim("iss", json!("ukjent-klient")).sign()).await;
    assert_mp_error(&a, 400, "invalid_client", "MP-100");
    let a = post_grant(&other_org, &Grant::eseal(&other_org).claim("scope", json!("ks:fiks:admin")).sign()).await;
    assert_mp_error(&a, 400, "invalid_scope", "MP-200");
}

#[tokio::test]
async fn iat_and_exp() {
    let now = now();
    let bad_types =
        [("iat", json!("now")), ("iat", json!(1.5)), ("exp", json!(null)), ("exp", json!(format!("{}", now + 60)))];
    for (name, v) in bad_types {
        refused(base().await.claim(name, v), 400, "invalid_request", &format!("Claim '{name}'")).await;
    }
    refused(base().await.no_claim("exp"), 400, "invalid_request", "Claim 'exp'").await;
    refused(base().await.no_claim("iat"), 400, "invalid_request", "Claim 'iat'").await;
    refused(
        base().await.claim("iat", json!(now + 60)).claim("exp", json!(now + 120)),
        400,
        "invalid_grant",
        "Issue time is after now",
    )
    .await;
    refused(
        base().await.claim("iat", json!(now - 60)).claim("exp", json!(now + 30)),
        400,
        "invalid_grant",
        "Issue time is too old",
    )
    .await;
    refused(
        base().await.claim("iat", json!(now)).claim("exp", json!(now + 121)),
        400,
        "invalid_grant",
        "Invalid assertion. exp - iat exceeds 120 seconds",
    )
    .await;
    refused(
        base().await.claim("iat", json!(now - 5)).claim("exp", json!(now - 1)),
        400,
        "invalid_grant",
        "MP-130 JWT is expired",
    )
    .await;
    refused(
        base().await.claim("iat", json!(now)).claim("exp", json!(now)),
        400,
        "invalid_grant",
        "MP-130 JWT is expired",
    )
    .await;
    // The edges are accepted: exactly 120 s, iat a few seconds off.
    let mock = mock().await;
    for (iat, exp) in [(now, now + 120), (now - 5, now + 115), (now + 5, now + 60)] {
        let a = post_grant(&mock, &Grant::new(&mock).claim("iat", json!(iat)).claim("exp", json!(exp)).sign()).await;
        assert_eq!(a.status, 200, "{}", a.text());
    }
}

#[tokio::test]
async fn jti_is_single_use_and_recommended() {
    let mock = mock().await;
    let jwt = Grant::new(&mock).sign();
    assert_eq!(post_grant(&mock, &jwt).await.status, 200);
    assert_mp_error(&post_grant(&mock, &jwt).await, 400, "invalid_grant", "MP-012 Grant is used before");
    // Same jti in a freshly signed grant.
    let jti = jwt_claim(&jwt, "jti");
    let again = Grant::new(&mock).claim("jti", json!(jti)).sign();
    assert_mp_error(&post_grant(&mock, &again).await, 400, "invalid_grant", "MP-012");
    // Without jti: accepted, counted.
    let a = post_grant(&mock, &Grant::new(&mock).no_claim("jti").sign()).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let c = mock.counters();
    assert_eq!((c.tokens_issued, c.grants_without_jti), (2, 1));
    for v in [json!(5), json!(""), json!(["a"])] {
        let a = post_grant(&mock, &Grant::new(&mock).claim("jti", v).sign()).await;
        assert_mp_error(&a, 400, "invalid_request", "jti");
    }
}

fn jwt_claim(jwt: &str, name: &str) -> String {
    let claims = jwt.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(claims).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v[name].as_str().unwrap().to_string()
}

#[tokio::test]
async fn scope_must_be_registered() {
    const MP_200: &str = "MP-200 Token request contains invalid scopes for client";
    for scope in ["ks:fiks:admin", "ks:fiks other:scope", "", "ks:fiks  difitest:test2", " ks:fiks"] {
        refused(base().await.claim("scope", json!(scope)), 400, "invalid_scope", MP_200).await;
    }
    refused(base().await.claim("scope", json!(["ks:fiks"])), 400, "invalid_request", "scope").await;
    refused(base().await.no_claim("scope"), 400, "invalid_request", "scope").await;
    let mock = mock().await;
    let a = post_grant(&mock, &Grant::new(&mock).claim("scope", json!("ks:fiks difitest:test2")).sign()).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["scope"], "ks:fiks difitest:test2");
}

#[tokio::test]
async fn resource_pid_consumer_org_and_on_behalf_of() {
    let mock = mock().await;
    let ok = [
        Grant::new(&mock).claim("resource", json!(["https://api.fiks.test.ks.no/"])),
        Grant::new(&mock).claim("pid", json!("12345678901")),
        Grant::new(&mock).claim("consumer_org", json!("987654321")),
        Grant::new(&mock).claim("iss_onbehalfof", json!("leverandor-1")),
    ];
    for g in ok {
        let a = post_grant(&mock, &g.sign()).await;
        assert_eq!(a.status, 200, "{}", a.text());
    }
    let bad = [
        (base().await.claim("resource", json!("https://api.fiks.test.ks.no/")), "resource"),
        (base().await.claim("resource", json!([1])), "resource"),
        (base().await.claim("resource", json!([])), "resource"),
        (base().await.claim("pid", json!("123")), "pid"),
        (base().await.claim("pid", json!(12345678901u64)), "pid"),
        (base().await.claim("consumer_org", json!("12")), "consumer_org"),
        (
            base().await.claim("consumer_org", json!("910000001")),
            "Validation of JWT claim failed: The combination consumer_org in claim and delegation scope on client is invalid",
        ),
        (base().await.claim("consumer_org", json!("987654321")).claim("iss_onbehalfof", json!("x")), "iss_onbehalfof"),
        (base().await.claim("iss_onbehalfof", json!(7)), "iss_onbehalfof"),
    ];
    for (g, has) in bad {
        refused(g, 400, "invalid_request", has).await;
    }
}

#[tokio::test]
async fn metadata_names_the_audience_and_token_endpoint() {
    let mock = mock().await;
    let a = request("GET", &mock.metadata_url(), &[], b"").await.unwrap();
    assert_eq!(a.status, 200);
    let v = a.json();
    assert_eq!(v["issuer"], mock.audience());
    assert_eq!(v["token_endpoint"], mock.token_endpoint());
    assert!(mock.audience().ends_with('/'));
    let a = request("POST", &mock.metadata_url(), &[], b"").await.unwrap();
    assert_eq!(a.status, 405);
    let a = request("GET", &format!("{}/nowhere", mock.base_url()), &[], b"").await.unwrap();
    assert_eq!(a.status, 404);
}

#[tokio::test]
async fn other_pki_options_are_honoured() {
    let p =
        Pki::generate_with(PkiOptions { orgnr: "921234567".into(), kid: "k2".into(), password: "pw".into() }).unwrap();
    assert_eq!((p.orgnr(), p.kid(), p.password()), ("921234567", "k2", "pw"));
    let mock = fiks_integrasjon_mock::MockServer::start(MockOptions { pki: Some(p.clone()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(mock.options().client_orgnr.as_deref(), Some("921234567"));
    assert_eq!(post_grant(&mock, &Grant::new(&mock).sign()).await.status, 200);
    assert_eq!(post_grant(&mock, &Grant::new(&mock).kid("k2").sign()).await.status, 200);
    assert_eq!(post_grant(&mock, &Grant::new(&mock).kid("mock-kid-1").sign()).await.status, 400);
}
