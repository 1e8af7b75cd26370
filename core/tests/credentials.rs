//! Every supported certificate encoding loads, and every certificate problem is a distinct,
//! clear error raised before any network call.

mod common;

use std::time::{Duration, SystemTime};

use fiks_integrasjon::{CertificateProblem, Config, Credentials, Error, ErrorKind, blocking};
use fiks_integrasjon_mock::LeafOptions;

fn problem(e: &Error) -> CertificateProblem {
    match e {
        Error::Certificate { problem, .. } => *problem,
        other => panic!("expected a certificate error, got {other:?}"),
    }
}

#[test]
fn modern_and_legacy_pkcs12_and_pem_all_get_tokens() {
    let env = common::env();
    let f = &env.files;
    let pw = env.mock.pki().password().to_string();
    let variants: Vec<Vec<(&str, String)>> = vec![
        vec![("certificate", f.p12.display().to_string())],
        vec![("certificate", f.p12_legacy.display().to_string())],
        vec![("certificate", f.chain_pem.display().to_string()), ("private_key", f.key_pem.display().to_string())],
        vec![
            ("certificate", f.chain_pem.display().to_string()),
            ("private_key", f.key_pkcs1_pem.display().to_string()),
        ],
        vec![
            ("certificate", f.chain_pem.display().to_string()),
            ("private_key", f.key_encrypted_pem.display().to_string()),
            ("certificate_password", pw.clone()),
        ],
    ];
    for v in variants {
        let pairs: Vec<(&str, &str)> = v.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let client =
            blocking::Client::new(env.with(&pairs).build().unwrap()).unwrap_or_else(|e| panic!("{pairs:?}: {e}"));
        let info = client.certificate().unwrap();
        assert_eq!(info.orgnr.as_deref(), Some(env.mock.pki().orgnr()));
        assert!(info.key_matches && !info.self_signed && info.chain_len >= 2, "{info:?}");
        client.token().unwrap_or_else(|e| panic!("{pairs:?}: {e}"));
    }
    assert_eq!(env.mock.counters().tokens_issued, 5);
}

#[test]
fn in_memory_pkcs12() {
    let env = common::env();
    let mut b = env.builder();
    b.unset("certificate").unwrap();
    b.set_certificate_pkcs12(env.mock.pki().p12_modern(), env.mock.pki().password().to_string());
    blocking::Client::new(b.build().unwrap()).unwrap().token().unwrap();
}

#[test]
fn orgnr_from_organization_identifier() {
    let env = common::env();
    let v = env.mock.pki().leaf_variant(LeafOptions { use_organization_identifier: true, ..LeafOptions::default() });
    let dir = tempfile::tempdir().unwrap();
    let files = v.write_to(dir.path()).unwrap();
    let cfg = env.with(&[("certificate", &files.p12.display().to_string())]).build().unwrap();
    let creds = Credentials::from_config(&cfg).unwrap();
    assert_eq!(creds.info().unwrap().orgnr.as_deref(), Some(v.orgnr()));
    assert!(creds.info().unwrap().subject.contains("NTRNO-"), "{}", creds.info().unwrap().subject);
}

fn load_variant(env: &common::Env, opts: LeafOptions, pairs: &[(&str, &str)]) -> Error {
    let v = env.mock.pki().leaf_variant(opts);
    let dir = tempfile::tempdir().unwrap();
    let files = v.write_to(dir.path()).unwrap();
    let p12 = files.p12.display().to_string();
    let mut all = vec![("certificate", p12.as_str())];
    all.extend_from_slice(pairs);
    let before = env.mock.counters().token_requests;
    let err = blocking::Client::new(env.with(&all).build().unwrap()).unwrap_err();
    assert_eq!(env.mock.counters().token_requests, before, "no network call before the certificate is accepted");
    err
}

#[test]
fn expired_and_not_yet_valid() {
    let env = common::env();
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    let e = load_variant(
        &env,
        LeafOptions { not_before: Some(now - 30 * day), not_after: Some(now - day), ..LeafOptions::default() },
        &[],
    );
    assert_eq!(problem(&e), CertificateProblem::Expired);
    assert!(e.to_string().contains("expired"), "{e}");
    let e = load_variant(
        &env,
        LeafOptions { not_before: Some(now + day), not_after: Some(now + 30 * day), ..LeafOptions::default() },
        &[],
    );
    assert_eq!(problem(&e), CertificateProblem::NotYetValid);
}

#[test]
fn self_signed_refused_under_a_preset() {
    let env = common::env();
    let e = load_variant(
        &env,
        LeafOptions { self_signed: true, ..LeafOptions::default() },
        &[("environment", "test"), ("audience", "http://127.0.0.1:1/"), ("token_endpoint", "http://127.0.0.1:1/token")],
    );
    assert_eq!(problem(&e), CertificateProblem::SelfSigned);
    assert!(e.to_string().contains("Maskinporten rejects self-signed"), "{e}");
}

#[test]
fn key_mismatch() {
    let env = common::env();
    let v = env.mock.pki().leaf_variant(LeafOptions { other_key: true, ..LeafOptions::default() });
    let dir = tempfile::tempdir().unwrap();
    let files = v.write_to(dir.path()).unwrap();
    let cfg = env
        .with(&[
            ("certificate", &files.chain_pem.display().to_string()),
            ("private_key", &files.key_pem.display().to_string()),
        ])
        .build()
        .unwrap();
    let e = blocking::Client::new(cfg.clone()).unwrap_err();
    assert_eq!(problem(&e), CertificateProblem::KeyMismatch);
    // Inspection still works and reports the mismatch.
    assert!(!Credentials::load(&cfg).unwrap().info().unwrap().key_matches);
}

#[test]
fn wrong_password_for_pkcs12_and_encrypted_pem() {
    let env = common::env();
    for p12 in [&env.files.p12, &env.files.p12_legacy] {
        let cfg = env
            .with(&[("certificate", &p12.display().to_string()), ("certificate_password", "feil-passord-XYZ")])
            .build()
            .unwrap();
        let e = blocking::Client::new(cfg).unwrap_err();
        assert_eq!(problem(&e), CertificateProblem::WrongPassword, "{e}");
        assert!(!e.to_string().contains("feil-passord-XYZ"));
    }
    let cfg = env
        .with(&[
            ("certificate", &env.files.chain_pem.display().to_string()),
            ("private_key", &env.files.key_encrypted_pem.display().to_string()),
            ("certificate_password", "feil-passord-XYZ"),
        ])
        .build()
        .unwrap();
    assert_eq!(problem(&blocking::Client::new(cfg).unwrap_err()), CertificateProblem::WrongPassword);
}

#[test]
fn not_a_certificate_and_missing_file() {
    let env = common::env();
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.p12");
    std::fs::write(&junk, b"dette er ikke et sertifikat\n").unwrap();
    let e =
        blocking::Client::new(env.with(&[("certificate", &junk.display().to_string())]).build().unwrap()).unwrap_err();
    assert_eq!(problem(&e), CertificateProblem::NotACertificate, "{e}");
    let pem_without_cert = dir.path().join("key-only.pem");
    std::fs::copy(&env.files.key_pem, &pem_without_cert).unwrap();
    let e =
        blocking::Client::new(env.with(&[("certificate", &pem_without_cert.display().to_string())]).build().unwrap())
            .unwrap_err();
    assert_eq!(problem(&e), CertificateProblem::NotACertificate, "{e}");
    let e = blocking::Client::new(env.with(&[("certificate", "/finnes/ikke.p12")]).build().unwrap()).unwrap_err();
    assert_eq!(problem(&e), CertificateProblem::Unreadable);
    assert!(e.to_string().contains("/finnes/ikke.p12"));
    let e = blocking::Client::new(
        env.with(&[("certificate", &env.files.chain_pem.display().to_string())]).build().unwrap(),
    )
    .unwrap_err();
    assert_eq!(problem(&e), CertificateProblem::Missing, "a chain without a key: {e}");
    assert_eq!(e.kind(), ErrorKind::Certificate);
    assert_eq!(env.mock.counters().token_requests, 0);
}

#[test]
fn debug_of_credentials_hides_the_key() {
    let env = common::env();
    let creds = Credentials::from_config(&env.config()).unwrap();
    let d = format!("{creds:?}");
    assert!(d.contains("<redacted>") && !d.contains("MII"), "{d}");
    let _: &Config = &env.config();
}

#[test]
fn fewer_than_30_days_left_logs_a_warning() {
    let env = common::env();
    let now = SystemTime::now();
    let day = Duration::from_secs(86_400);
    let v = env.mock.pki().leaf_variant(LeafOptions {
        not_before: Some(now - day),
        not_after: Some(now + 10 * day),
        ..LeafOptions::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let files = v.write_to(dir.path()).unwrap();
    let cfg = env.with(&[("certificate", &files.p12.display().to_string())]).build().unwrap();
    let capture = common::Capture::default();
    let sink = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .with_max_level(tracing::Level::WARN)
        .finish();
    let client = tracing::subscriber::with_default(subscriber, || blocking::Client::new(cfg)).unwrap();
    let text = capture.text();
    assert!(text.contains("expires in less than 30 days"), "{text}");
    assert!(text.contains("days_left=9") || text.contains("days_left=10"), "{text}");
    assert!(client.certificate().unwrap().days_left() < 30);
    client.token().unwrap();
}
