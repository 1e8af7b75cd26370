//! Everything Maskinporten offers, against the strict mock: external signers (keys that never
//! leave their store), JWK keys, `authorization_details`, per-request token options, clock
//! skew, discovery and certificates without a Norwegian orgnr.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fiks_integrasjon::signer::{RsaKeySigner, Signer, SignerError};
use fiks_integrasjon::{
    AuthorizationDetails, CertificateProblem, ConfigBuilder, Error, ErrorKind, TokenRequest, blocking,
};
use fiks_integrasjon_mock::{Fault, FaultTarget};

/// The mock's config with the certificate given as the PEM chain alone and `signer` signing.
fn with_signer(env: &common::Env, signer: Arc<dyn Signer>) -> ConfigBuilder {
    let mut b = env.builder();
    b.unset("certificate_password").unwrap();
    b.unset("private_key").unwrap();
    b.set("certificate", env.files.chain_pem.to_str().unwrap()).unwrap();
    b.set_signer(signer);
    b
}

fn key_signer(env: &common::Env) -> Arc<RsaKeySigner> {
    Arc::new(RsaKeySigner::from_pem(&std::fs::read(&env.files.key_pem).unwrap()).unwrap())
}

/// A signer that counts its calls and delegates, or fails, or hangs.
struct Counting {
    inner: Option<Arc<RsaKeySigner>>,
    calls: AtomicUsize,
    hang: Option<Duration>,
}

impl Signer for Counting {
    fn sign(&self, input: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Some(d) = self.hang {
            std::thread::sleep(d);
        }
        match &self.inner {
            Some(k) => k.sign(input),
            None => Err("the smart card was removed".into()),
        }
    }
}

fn problem(e: &Error) -> Option<CertificateProblem> {
    match e {
        Error::Certificate { problem, .. } => Some(*problem),
        _ => None,
    }
}

#[test]
fn an_external_signer_signs_the_grant_and_the_key_is_never_read() {
    let env = common::env();
    let signer = Arc::new(Counting { inner: Some(key_signer(&env)), calls: AtomicUsize::new(0), hang: None });
    let client = blocking::Client::new(with_signer(&env, signer.clone()).build().unwrap()).unwrap();
    let info = client.certificate().expect("the chain is described");
    assert_eq!(info.orgnr.as_deref(), Some(env.mock.pki().orgnr()));
    let h = client.headers().unwrap();
    assert!(h.authorization().starts_with("Bearer "));
    assert_eq!(signer.calls.load(Ordering::SeqCst), 1);
    let c = env.mock.counters();
    assert_eq!((c.token_requests, c.tokens_issued), (1, 1));
    let header = c.last_grant_header.unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["x5c"].as_array().unwrap().len(), 2, "leaf and intermediate: {header}");
    // The grant() diagnostic signs through the signer as well.
    assert_eq!(client.grant().unwrap().header["x5c"], header["x5c"]);
    assert_eq!(signer.calls.load(Ordering::SeqCst), 2);
}

#[test]
fn an_external_signer_with_a_registered_key_sends_kid() {
    let env = common::env();
    let mut b = env.builder();
    for k in ["certificate", "certificate_password", "private_key"] {
        b.unset(k).unwrap();
    }
    b.set("key_id", env.mock.pki().kid()).unwrap();
    b.set_signer(key_signer(&env));
    let client = blocking::Client::new(b.build().unwrap()).unwrap();
    assert!(client.certificate().is_none());
    client.headers().unwrap();
    assert_eq!(
        env.mock.counters().last_grant_header.unwrap(),
        serde_json::json!({"alg": "RS256", "kid": env.mock.pki().kid()})
    );
}

#[test]
fn signer_failures_are_certificate_errors_and_nothing_is_sent() {
    let env = common::env();
    // A failing signer: its message, the Signer problem, no request.
    let failing = Arc::new(Counting { inner: None, calls: AtomicUsize::new(0), hang: None });
    let client = blocking::Client::new(with_signer(&env, failing).build().unwrap()).unwrap();
    let e = client.headers().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Certificate);
    assert_eq!(problem(&e), Some(CertificateProblem::Signer));
    assert!(e.to_string().contains("the smart card was removed"), "{e}");
    assert!(e.hint().unwrap().contains("external signer"));
    assert_eq!(env.mock.counters().token_requests, 0);

    // A signer holding another key: refused before Maskinporten sees it.
    let other = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let der = aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&other).unwrap();
    let wrong = Arc::new(RsaKeySigner::from_pkcs8(der.as_ref()).unwrap());
    let client = blocking::Client::new(with_signer(&env, wrong).build().unwrap()).unwrap();
    let e = client.headers().unwrap_err();
    assert_eq!(problem(&e), Some(CertificateProblem::Signer));
    assert!(e.to_string().contains("does not verify with the certificate's public key"), "{e}");
    assert_eq!(env.mock.counters().token_requests, 0);

    // A signer that hangs is bounded by the token timeout.
    let hanging = Arc::new(Counting {
        inner: Some(key_signer(&env)),
        calls: AtomicUsize::new(0),
        hang: Some(Duration::from_secs(5)),
    });
    let mut b = with_signer(&env, hanging);
    b.set("timeout_seconds", "0.3").unwrap();
    b.set("retry_deadline_seconds", "0.3").unwrap();
    let client = blocking::Client::new(b.build().unwrap()).unwrap();
    let started = Instant::now();
    let e = client.headers().unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(4), "bounded, not the signer's 5 s");
    assert_eq!(problem(&e), Some(CertificateProblem::Signer));
    assert!(e.to_string().contains("no signature within"), "{e}");
    assert_eq!(env.mock.counters().token_requests, 0);
}

#[test]
fn a_signer_config_is_checked() {
    let env = common::env();
    // The key itself and a signer: choose one.
    let mut b = env.builder();
    b.set("private_key", env.files.key_pem.to_str().unwrap()).unwrap();
    b.set_signer(key_signer(&env));
    let e = b.build().unwrap_err();
    assert_eq!(e.config_key(), Some("private_key"), "{e}");
    // A signer and neither certificate nor key_id.
    let mut b = env.builder();
    for k in ["certificate", "certificate_password", "private_key"] {
        b.unset(k).unwrap();
    }
    b.set_signer(key_signer(&env));
    assert_eq!(b.build().unwrap_err().config_key(), Some("key_id"));
    // One DER certificate (the leaf; the mock knows the intermediate) and a PEM chain as text work too.
    let der = env.dir().join("leaf.der");
    std::fs::write(&der, env.mock.pki().leaf_der()).unwrap();
    for certificate in [der.to_str().unwrap().to_string(), env.mock.pki().chain_pem()] {
        let mut b = with_signer(&env, key_signer(&env));
        b.set("certificate", &certificate).unwrap();
        let client = blocking::Client::new(b.build().unwrap()).unwrap();
        assert!(client.certificate().unwrap().key_matches);
        client.access_token().unwrap();
    }
    // A PKCS#12 file is not a chain without a key.
    let mut b = env.builder();
    b.unset("private_key").unwrap();
    b.set("certificate", env.files.p12.to_str().unwrap()).unwrap();
    b.set_signer(key_signer(&env));
    let e = blocking::Client::new(b.build().unwrap()).unwrap_err();
    assert_eq!(problem(&e), Some(CertificateProblem::NotACertificate), "{e}");
}

#[test]
fn a_jwk_key_sends_its_kid() {
    let env = common::env();
    let mut b = env.builder();
    for k in ["certificate", "certificate_password", "private_key", "key_id"] {
        b.unset(k).unwrap();
    }
    b.set("private_key", env.files.key_jwk.to_str().unwrap()).unwrap();
    let config = b.build().unwrap();
    let creds = fiks_integrasjon::Credentials::from_config(&config).unwrap();
    let info = creds.key_info().unwrap();
    assert_eq!((info.format, info.kid.as_deref()), ("jwk", Some(env.mock.pki().kid())));
    assert!((360..=366).contains(&info.days_left().unwrap()), "{:?}", info.days_left());
    let client = blocking::Client::new(config).unwrap();
    client.headers().unwrap();
    assert_eq!(env.mock.counters().last_grant_header.unwrap()["kid"], env.mock.pki().kid());

    // The JWK's text itself works as well (a container secret, a vault).
    let mut text = b.clone();
    text.set("private_key", &std::fs::read_to_string(&env.files.key_jwk).unwrap()).unwrap();
    blocking::Client::new(text.build().unwrap()).unwrap().access_token().unwrap();
    assert!(!format!("{:?}", text.build().unwrap()).contains("\"d\""), "the key's text is never shown");

    // `key_id` wins over the JWK's kid (and the mock knows no such key).
    let mut b2 = b.clone();
    b2.set("key_id", "annen-nokkel").unwrap();
    let e = blocking::Client::new(b2.build().unwrap()).unwrap().headers().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Token, "{e}");

    // A key near its one-year end loads (with a warning); one past it is refused.
    let mut near = b.clone();
    near.set("private_key", env.files.key_jwk_expiring.to_str().unwrap()).unwrap();
    let creds = fiks_integrasjon::Credentials::from_config(&near.build().unwrap()).unwrap();
    assert!(creds.key_info().unwrap().days_left().unwrap() < 30);
    let mut jwk: serde_json::Value = serde_json::from_slice(&std::fs::read(&env.files.key_jwk).unwrap()).unwrap();
    jwk["exp"] = serde_json::json!(1_600_000_000u64);
    let expired = env.dir().join("expired.jwk.json");
    std::fs::write(&expired, jwk.to_string()).unwrap();
    let mut gone = b.clone();
    gone.set("private_key", expired.to_str().unwrap()).unwrap();
    let e = blocking::Client::new(gone.build().unwrap()).unwrap_err();
    assert_eq!(problem(&e), Some(CertificateProblem::Expired));
    assert!(e.to_string().contains("register a new key"), "{e}");
}

#[test]
fn authorization_details_go_into_the_grant_and_the_cache_key() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let plain = client.access_token().unwrap();
    let systembruker = TokenRequest::scopes(["ks:fiks"])
        .with_authorization_details(AuthorizationDetails::systembruker("910000001", Some("kunde-1")).unwrap());
    let a = client.token_for(&systembruker).unwrap();
    assert_ne!(a.access_token(), plain);
    let claims = env.mock.counters().last_grant_claims.unwrap();
    assert_eq!(
        claims["authorization_details"],
        serde_json::json!([{"type": "urn:altinn:systemuser", "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": "0192:910000001"}, "externalRef": "kunde-1"}])
    );
    // Cached per details: the same details again cost nothing; other details are another token.
    assert_eq!(client.token_for(&systembruker).unwrap().access_token(), a.access_token());
    let consent = TokenRequest::scopes(["ks:fiks"]).with_authorization_details(
        AuthorizationDetails::samtykke("93413201-b7e8-4ec3-a899-580fc02c6aeb", "25922947409").unwrap(),
    );
    assert_ne!(client.token_for(&consent).unwrap().access_token(), a.access_token());
    assert_eq!(env.mock.counters().token_requests, 3);

    // From the configuration, as JSON: the default request carries it.
    let json = r#"[{"type":"urn:altinn:systemuser","systemuser_org":{"authority":"iso6523-actorid-upis","ID":"0192:910000002"}}]"#;
    let configured = blocking::Client::new(env.with(&[("authorization_details", json)]).build().unwrap()).unwrap();
    configured.headers().unwrap();
    assert_eq!(
        env.mock.counters().last_grant_claims.unwrap()["authorization_details"][0]["systemuser_org"]["ID"],
        "0192:910000002"
    );
    let e = env.with(&[("authorization_details", r#"[{"type":"urn:altinn:x"}]"#)]).build().unwrap_err();
    assert_eq!(e.config_key(), Some("authorization_details"));
}

#[test]
fn maskinportens_rar_refusals_are_typed() {
    for (code, hint) in [("MP-301", "type"), ("MP-302", "field"), ("MP-303", "value")] {
        let body =
            format!(r#"{{"error":"invalid_request","error_description":"{code} Invalid authorization_details"}}"#);
        let t = fiks_integrasjon::token::parse_oauth_error(400, body.as_bytes()).unwrap();
        assert!(t.is_authorization_details());
        assert!(!t.is_time_refusal());
        let e = Error::Token(Box::new(t));
        assert!(e.hint().unwrap().contains("authorization_details") && e.hint().unwrap().contains(hint), "{code}");
    }
}

#[test]
fn per_request_options_are_separate_cache_entries() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut base = TokenRequest::from_config(client.config());
    seen.insert(client.token_for(&base).unwrap().access_token().to_string());
    for (option, value) in [
        ("consumer_org", "910000002"),
        ("pid", "25922947409"),
        ("resource", "https://api.example/ressurs"),
        ("scopes", "ks:fiks difitest:test2"),
    ] {
        let mut r = TokenRequest::from_config(client.config());
        r.set(option, value).unwrap();
        assert!(seen.insert(client.token_for(&r).unwrap().access_token().to_string()), "{option}");
        let claims = env.mock.counters().last_grant_claims.unwrap();
        let key = if option == "scopes" { "scope" } else { option };
        assert!(claims[key].to_string().contains(value.split(' ').next_back().unwrap()), "{claims}");
        // Asking again is a cache hit.
        client.token_for(&r).unwrap();
    }
    assert_eq!(env.mock.counters().token_requests, 5);
    for (option, value) in [("consumer_org", "123"), ("pid", "x"), ("authorization_details", "[]")] {
        assert!(base.set(option, value).is_err(), "{option}={value}");
    }
    let e = base.set("audience", "x").unwrap_err();
    assert!(e.to_string().contains("consumer_org, pid"), "{e}");
}

#[test]
fn clock_skew_is_corrected_once_and_kept() {
    for offset in [30i64, -30, 200, -200] {
        let env = common::env();
        env.mock.set_clock_offset(offset);
        let client = blocking::Client::new(env.config()).unwrap();
        client.headers().unwrap_or_else(|e| panic!("server clock {offset:+} s: {e}"));
        let c = env.mock.counters();
        assert_eq!(c.token_requests, 2, "refused once, then accepted (offset {offset:+})");
        assert!((client.async_client().clock_offset_seconds() - offset).abs() <= 2, "offset {offset:+}");
        // From then on the corrected time is used: one request per token.
        client.clear_cache();
        client.headers().unwrap();
        assert_eq!(env.mock.counters().token_requests, 3, "offset {offset:+}");
    }
}

#[test]
fn a_small_difference_is_no_skew_and_a_time_refusal_without_skew_is_returned() {
    let env = common::env();
    env.mock.set_clock_offset(2);
    let client = blocking::Client::new(env.config()).unwrap();
    client.headers().unwrap();
    assert_eq!(env.mock.counters().token_requests, 1);
    assert_eq!(client.async_client().clock_offset_seconds(), 0);
}

#[test]
fn discovery_reads_the_endpoints_once_and_falls_back() {
    let env = common::env();
    env.mock.set_metadata_token_path("/discovered/token");
    // A configured endpoint where nothing listens: only the discovered one can work.
    let config = || {
        env.with(&[("discovery", "true"), ("token_endpoint", "http://127.0.0.1:9/token"), ("max_retries", "0")])
            .build()
            .unwrap()
    };
    let client = blocking::Client::new(config()).unwrap();
    client.headers().unwrap();
    let discovered = client.async_client().discovered_endpoints().unwrap();
    assert!(discovered.token_endpoint.as_str().ends_with("/discovered/token"));
    assert_eq!(discovered.audience, env.mock.audience());
    assert_eq!(env.mock.counters().metadata_requests, 1);
    client.clear_cache();
    client.headers().unwrap();
    assert_eq!(env.mock.counters().metadata_requests, 1, "cached for 12 h");

    // Unreadable metadata: the configured endpoints are used (here they fail, which shows it).
    env.mock.push_fault(FaultTarget::Metadata, Fault::Status(500), 1);
    let fresh = blocking::Client::new(config()).unwrap();
    let e = fresh.headers().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e}");
    assert_eq!(env.mock.counters().metadata_requests, 2);
    assert!(fresh.async_client().discovered_endpoints().is_none());
}

#[test]
fn discovery_refreshes_in_the_background_after_12_hours_and_keeps_the_last_good_values() {
    let env = common::env();
    env.mock.set_metadata_token_path("/discovered/token");
    let config = env
        .with(&[("discovery", "true"), ("token_endpoint", "http://127.0.0.1:9/token"), ("max_retries", "0")])
        .build()
        .unwrap();
    let client = blocking::Client::new(config).unwrap();
    client.headers().unwrap();
    assert_eq!(env.mock.counters().metadata_requests, 1);
    // Twelve hours on, the metadata is broken: the token fetch goes on with the last good
    // values while a refresh runs (and fails) in the background.
    env.mock.push_fault(FaultTarget::Metadata, Fault::Garbage, 1);
    fiks_integrasjon::clock::advance(Duration::from_secs(12 * 3600 + 1));
    client.clear_cache();
    client.headers().unwrap();
    common::wait_until("the background refresh asked", || env.mock.counters().metadata_requests == 2);
    assert!(client.async_client().discovered_endpoints().is_some(), "the last good values stay");
    client.clear_cache();
    client.headers().unwrap();
}

#[test]
fn a_certificate_without_a_norwegian_orgnr_loads_and_works() {
    let env = common::env();
    let config = env.with(&[("certificate", env.files.eseal_p12.to_str().unwrap())]).build().unwrap();
    let client = blocking::Client::new(config).unwrap();
    let info = client.certificate().unwrap();
    assert_eq!(info.orgnr, None);
    assert!(info.subject.contains("Sigill"), "{}", info.subject);
    client.headers().unwrap();
    assert_eq!(env.mock.counters().tokens_issued, 1);
}

#[test]
fn clients_sharing_the_disk_cache_make_one_token_request_and_a_401_forgets_the_file() {
    let env = common::env();
    let dir = env.dir().join("token-cache");
    let config = || env.with(&[("token_cache", "disk"), ("token_cache_dir", dir.to_str().unwrap())]).build().unwrap();
    // Separate clients stand for separate processes: nothing is shared in memory.
    let first = blocking::Client::new(config()).unwrap();
    let a = first.access_token().unwrap();
    let second = blocking::Client::new(config()).unwrap();
    assert_eq!(second.access_token().unwrap(), a);
    assert_eq!(env.mock.counters().token_requests, 1);
    // Other options are other files.
    let mut delegated = TokenRequest::from_config(second.config());
    delegated.set("consumer_org", "910000002").unwrap();
    assert_ne!(second.token_for(&delegated).unwrap().access_token(), a);
    assert_eq!(env.mock.counters().token_requests, 2);
    // A token Fiks refuses is forgotten on disk too, so the next process asks again.
    env.mock.revoke_tokens();
    let answer = second.request(fiks_integrasjon::FiksRequest::get("/echo")).unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(env.mock.counters().token_requests, 3, "one fresh token after the 401");
    let third = blocking::Client::new(config()).unwrap();
    assert_ne!(third.access_token().unwrap(), a, "the refused token is not read back");
    assert_eq!(env.mock.counters().token_requests, 3);
    // Without the option nothing is read from disk.
    let plain = blocking::Client::new(env.config()).unwrap();
    plain.access_token().unwrap();
    assert_eq!(env.mock.counters().token_requests, 4);
    let e = env.with(&[("token_cache", "sometimes")]).build().unwrap_err();
    assert_eq!(e.config_key(), Some("token_cache"));
    let e = env.with(&[("token_cache_dir", "/tmp/x")]).build().unwrap_err();
    assert_eq!(e.config_key(), Some("token_cache_dir"));
}

#[test]
fn the_skew_is_logged_once_at_warn_level_and_a_key_near_its_end_is_warned_about() {
    let capture = common::Capture::default();
    let sink = capture.clone();
    // Global: the token fetch logs from the client's runtime thread.
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .with_max_level(tracing::Level::WARN)
            .finish(),
    )
    .unwrap();
    let env = common::env();
    env.mock.set_clock_offset(-200);
    let client = blocking::Client::new(env.config()).unwrap();
    for _ in 0..3 {
        client.clear_cache();
        client.headers().unwrap();
    }
    let text = capture.text();
    assert_eq!(text.matches("differs from Maskinporten's").count(), 1, "{text}");
    assert!(text.contains("WARN"), "{text}");

    let mut b = env.builder();
    for k in ["certificate", "certificate_password", "private_key"] {
        b.unset(k).unwrap();
    }
    b.set("private_key", env.files.key_jwk_expiring.to_str().unwrap()).unwrap();
    fiks_integrasjon::Credentials::from_config(&b.build().unwrap()).unwrap();
    let text = capture.text();
    assert!(text.contains("expires in less than 30 days: register a new one"), "{text}");
    assert!(text.contains("mock-kid-1"), "{text}");
}
