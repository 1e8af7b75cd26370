//! The shared test fixture (`fiks_integrasjon_mock::testing`) that every Rust test suite uses.

mod common;

use common::*;
use fiks_integrasjon_mock::testing::{TestMock, pki_cache_path};
use fiks_integrasjon_mock::{LeafOptions, MockOptions, Pki};

#[test]
fn the_config_file_text_and_values_agree_with_the_mock() {
    let t = TestMock::start();
    let text = std::fs::read_to_string(t.config_path()).unwrap();
    assert_eq!(text, t.config_toml());
    assert_eq!(text, t.mock.config_toml(&t.files));
    assert_eq!(t.config_path(), t.dir().join("fiks.toml"));
    let cfg: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    let pairs = t.settings.pairs();
    assert_eq!(cfg.len(), pairs.len() + 2, "the pairs and the two tables: {text}");
    for (key, value) in &pairs {
        assert_eq!(cfg[*key].as_str(), Some(value.as_str()), "{key}");
    }
    assert_eq!(cfg["services"]["svarut"].as_str(), Some(t.svarut_base_url().as_str()));
    assert_eq!(t.settings.services, [("svarut".to_string(), t.mock.svarut_base_url())]);
    let named = t.integrasjoner();
    assert_eq!(named.len(), 3);
    for (i, n) in (1..).zip(named) {
        assert_eq!(n.name, format!("kommune-{i}"));
        assert_eq!((n.integrasjon_id.clone(), n.integrasjon_passord.clone()), t.integrasjon(i));
        let table = &cfg["integrasjoner"][&n.name];
        assert_eq!(table["integrasjon_id"].as_str(), Some(n.integrasjon_id.as_str()));
        assert_eq!(table["integrasjon_passord"].as_str(), Some(n.integrasjon_passord.as_str()));
    }
    let s = &t.settings;
    assert_eq!(s.audience, t.mock.audience());
    assert_eq!(s.token_endpoint, t.mock.token_endpoint());
    assert_eq!(s.fiks_base_url, t.mock.fiks_base_url());
    assert_eq!(s.issuer, t.mock.options().issuer);
    assert_eq!(s.integrasjon_id, t.mock.options().integrasjon_id);
    assert_eq!(s.integrasjon_passord, t.mock.options().integrasjon_passord);
    assert_eq!(s.certificate, t.files.p12);
    assert_eq!(s.certificate_password, t.pki().password());
    assert_eq!(s.ca_file, None);
    assert!(t.files.p12.starts_with(t.dir().join("pki")) && t.files.p12.is_file());
    let dbg = format!("{s:?}");
    assert!(!dbg.contains(&s.integrasjon_passord) && !dbg.contains(&s.certificate_password), "{dbg}");
    assert!(dbg.contains("kommune-1") && !dbg.contains("mock-passord-1"), "{dbg}");
}

#[test]
fn the_pki_is_the_cached_one_unless_given() {
    let t = TestMock::start();
    assert_eq!(t.pki().leaf_der(), fiks_integrasjon_mock::testing::pki().leaf_der());
    assert_eq!(t.pki().leaf_der(), pki().leaf_der(), "common::pki is the fixture's");
    assert!(Pki::load(&pki_cache_path()).is_ok(), "kept for other processes at {}", pki_cache_path().display());
    let own = t.pki().leaf_variant(LeafOptions { orgnr: Some("921234567".into()), ..LeafOptions::default() });
    let t2 = TestMock::start_with(MockOptions { pki: Some(own), ..MockOptions::default() });
    assert_eq!(t2.pki().orgnr(), "921234567");
    assert_ne!(t2.mock.base_url(), t.mock.base_url());
}

#[tokio::test]
async fn with_tls_the_config_names_the_ca() {
    let t = TestMock::start_with(MockOptions { tls: true, ..MockOptions::default() });
    assert_eq!(t.settings.ca_file.as_ref(), Some(&t.files.ca_pem));
    let cfg: toml::Table = t.config_toml().parse().unwrap();
    assert_eq!(cfg["ca_file"].as_str(), t.files.ca_pem.to_str());
    // A mock on a runtime thread of its own also serves async tests.
    let a = post_grant(&t.mock, &Grant::new(&t.mock).sign()).await;
    assert_eq!(a.status, 200, "{}", a.text());
}

#[test]
fn leaf_variants_are_written_inside_the_fixture_dir() {
    let t = TestMock::start();
    let v = t.leaf_variant("self-signed", LeafOptions { self_signed: true, ..LeafOptions::default() });
    assert_eq!(v.dir, t.dir().join("variants").join("self-signed"));
    assert!(v.p12.is_file() && v.chain_pem.is_file());
    let dir = t.dir().to_path_buf();
    drop(t);
    assert!(!dir.exists(), "the fixture's files go with it");
}
