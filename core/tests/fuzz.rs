//! Property tests: arbitrary bytes into every parser give an error or a value, never a panic.

use fiks_integrasjon::token::{parse_oauth_error, parse_token_response};
use fiks_integrasjon::{Config, Credentials, parse_fiks_error};
use proptest::prelude::*;

fn json_like() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        "\\{(\"[a-zA-Z_]{1,12}\": ?(\"[^\"]{0,20}\"|-?[0-9]{1,20}(\\.[0-9]+)?|true|null|\\[\\]|\\{\\}),? ?){0,8}\\}?"
            .prop_map(String::into_bytes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn fiks_error_parser_never_panics(body in json_like()) {
        if let Some(e) = parse_fiks_error(&body) {
            let _ = e.to_json();
            let _ = e.error_json_text();
        }
    }

    #[test]
    fn token_parsers_never_panic(status in 100u16..600, body in json_like()) {
        if let Ok(t) = parse_token_response(status, &body) {
            prop_assert!(!t.access_token().is_empty() && t.expires_in > 0);
        }
        if let Some(e) = parse_oauth_error(status, &body) {
            prop_assert_eq!(e.status, status);
        }
    }

    #[test]
    fn config_parser_never_panics(text in "[ -~\\n]{0,200}") {
        let mut b = Config::builder();
        if b.load_toml_str(&text).is_ok() {
            let _ = b.build();
        }
    }

    #[test]
    fn config_values_never_panic(key in "[a-z_]{1,24}", value in "\\PC{0,40}") {
        let mut b = Config::builder();
        if b.set(&key, &value).is_ok() {
            b.set("environment", "test").unwrap();
            let _ = b.build();
        }
    }
}

fn load_bytes(bytes: &[u8], name: &str) -> fiks_integrasjon::Result<Credentials> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let cfg = Config::builder()
        .environment(fiks_integrasjon::Environment::Test)
        .issuer("x")
        .certificate(&path)
        .certificate_password("mock-passord")
        .build()
        .unwrap();
    Credentials::load(&cfg)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn certificate_loaders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        prop_assert!(load_bytes(&bytes, "x.p12").is_err());
        let mut pem = b"-----BEGIN CERTIFICATE-----\n".to_vec();
        pem.extend_from_slice(&bytes);
        pem.extend_from_slice(b"\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n");
        prop_assert!(load_bytes(&pem, "x.pem").is_err());
    }
}

/// Mutating a real PKCS#12 file anywhere gives an error (or, rarely, a valid load), never a panic.
#[test]
fn mutated_pkcs12_never_panics() {
    let pki = fiks_integrasjon_mock::testing::pki();
    for original in [pki.p12_modern(), pki.p12_legacy()] {
        let mut rng = proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha);
        for _ in 0..300 {
            let mut m = original.clone();
            let i = rand_index(&mut rng) % m.len();
            m[i] ^= 1 << (rand_index(&mut rng) % 8);
            let _ = load_bytes(&m, "m.p12");
        }
        let _ = load_bytes(&original[..original.len() / 2], "half.p12");
    }
}

fn rand_index(rng: &mut proptest::test_runner::TestRng) -> usize {
    rng.random::<u64>() as usize
}
