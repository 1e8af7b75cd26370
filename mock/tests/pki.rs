//! The test PKI: files that OpenSSL and p12-keystore open, a chain that verifies, and leaf
//! variants with the intended defects.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use common::pki;
use fiks_integrasjon_mock::{LeafOptions, Pki};
use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
use rustls_pki_types::{CertificateDer, UnixTime};
use x509_parser::prelude::*;

const DAY: Duration = Duration::from_secs(86_400);

fn openssl_available() -> bool {
    Command::new("openssl").arg("version").output().is_ok_and(|o| o.status.success())
}

fn openssl(args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl").args(args).output().expect("openssl runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn verify(p: &Pki, at: SystemTime) -> Result<(), webpki::Error> {
    let ca = CertificateDer::from(p.ca_der());
    let anchor = webpki::anchor_from_trusted_cert(&ca)?;
    let chain = p.chain_der();
    let leaf = CertificateDer::from(chain[0]);
    let ee = webpki::EndEntityCert::try_from(&leaf)?;
    let inter: Vec<CertificateDer<'_>> = chain[1..].iter().map(|d| CertificateDer::from(*d)).collect();
    let secs = at.duration_since(SystemTime::UNIX_EPOCH).unwrap();
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &[anchor],
        &inter,
        UnixTime::since_unix_epoch(secs),
        webpki::KeyUsage::client_auth(),
        None,
        None,
    )
    .map(|_| ())
}

fn attr(cert: &X509Certificate<'_>, oid: &str) -> Option<String> {
    cert.subject()
        .iter_attributes()
        .find(|a| a.attr_type().to_id_string() == oid)
        .and_then(|a| a.as_str().ok().map(str::to_string))
}

fn pem_der(pem: &str) -> (String, Vec<u8>) {
    let (label, der) = pkcs8::der::pem::decode_vec(pem.as_bytes()).expect("PEM");
    (label.to_string(), der)
}

#[test]
fn leaf_subject_validity_and_usage() {
    let p = Pki::generate().unwrap();
    assert_eq!((p.orgnr(), p.password(), p.kid()), ("910000001", "mock-passord", "mock-kid-1"));
    let (_, leaf) = parse_x509_certificate(p.leaf_der()).unwrap();
    assert_eq!(attr(&leaf, "2.5.4.3").as_deref(), Some("Fiks Mock Kommune"));
    assert_eq!(attr(&leaf, "2.5.4.10").as_deref(), Some("FIKS MOCK KOMMUNE"));
    assert_eq!(attr(&leaf, "2.5.4.6").as_deref(), Some("NO"));
    assert_eq!(attr(&leaf, "2.5.4.5").as_deref(), Some("910000001"));
    assert_eq!(attr(&leaf, "2.5.4.97"), None);
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    let nb = leaf.validity().not_before.timestamp();
    let na = leaf.validity().not_after.timestamp();
    assert!((nb - (now - 86_400)).abs() < 120, "not_before {nb}");
    assert!((na - (now + 365 * 86_400)).abs() < 120, "not_after {na}");
    let ku = leaf.key_usage().unwrap().unwrap().value;
    assert!(ku.digital_signature() && !ku.key_cert_sign());
    let eku = leaf.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.client_auth && !eku.server_auth);
    assert!(!leaf.is_ca());
    let (_, inter) = parse_x509_certificate(p.intermediate_der()).unwrap();
    assert_eq!(attr(&inter, "2.5.4.3").as_deref(), Some("Fiks Mock Intermediate CA"));
    assert!(inter.is_ca());
    assert_eq!(leaf.issuer(), inter.subject());
    let (_, ca) = parse_x509_certificate(p.ca_der()).unwrap();
    assert_eq!(attr(&ca, "2.5.4.3").as_deref(), Some("Fiks Mock Root CA"));
    assert_eq!(ca.issuer(), ca.subject());
    assert_eq!(inter.issuer(), ca.subject());
    verify(&p, SystemTime::now()).expect("chain verifies");
    let dbg = format!("{p:?}");
    assert!(!dbg.contains("mock-passord") && !dbg.contains("PRIVATE"), "{dbg}");
}

#[test]
fn pems_and_keys() {
    let p = pki();
    let chain = p.chain_pem();
    assert_eq!(chain.matches("-----BEGIN CERTIFICATE-----").count(), 2);
    assert!(chain.starts_with(&p.leaf_cert_pem()));
    assert!(chain.ends_with(&p.intermediate_pem()));
    assert_eq!(pem_der(&p.ca_pem()), ("CERTIFICATE".to_string(), p.ca_der().to_vec()));
    let (label, der) = pem_der(&p.key_pkcs8_pem());
    assert_eq!((label.as_str(), der.as_slice()), ("PRIVATE KEY", p.key_pkcs8_der()));
    let k8 = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let (label, der) = pem_der(&p.key_pkcs1_pem());
    assert_eq!(label, "RSA PRIVATE KEY");
    let k1 = aws_lc_rs::signature::RsaKeyPair::from_der(&der).unwrap();
    use aws_lc_rs::signature::KeyPair;
    assert_eq!(k1.public_key().as_ref(), k8.public_key().as_ref());
    // The leaf is for this key.
    let (_, leaf) = parse_x509_certificate(p.leaf_der()).unwrap();
    assert_eq!(leaf.public_key().subject_public_key.data.as_ref(), k8.public_key().as_ref());
    let (label, der) = pem_der(&p.key_pkcs8_encrypted_pem());
    assert_eq!(label, "ENCRYPTED PRIVATE KEY");
    let enc = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_slice()).unwrap();
    assert_eq!(enc.decrypt("mock-passord").unwrap().as_bytes(), p.key_pkcs8_der());
    assert!(enc.decrypt("feil").is_err());
}

#[test]
fn pkcs12_files_open_with_p12_keystore() {
    let p = pki();
    for (name, bytes) in [("modern", p.p12_modern()), ("legacy", p.p12_legacy())] {
        let ks = KeyStore::from_pkcs12(&bytes, "mock-passord", Pkcs12ImportPolicy::Strict)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (_, chain) = ks.private_key_chain().expect("key chain");
        assert_eq!(chain.key().as_der(), p.key_pkcs8_der(), "{name}");
        let certs: Vec<&[u8]> = chain.certs().iter().map(|c| c.as_der()).collect();
        assert_eq!(certs, [p.leaf_der(), p.intermediate_der()], "{name}");
        assert!(KeyStore::from_pkcs12(&bytes, "feil", Pkcs12ImportPolicy::Strict).is_err());
    }
}

#[test]
fn files_open_with_openssl() {
    if !openssl_available() {
        eprintln!("openssl not installed: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let f = pki().write_to(dir.path()).unwrap();
    let path = |p: &Path| p.to_str().unwrap().to_string();
    let (ok, out) = openssl(&["pkcs12", "-info", "-noout", "-passin", "pass:mock-passord", "-in", &path(&f.p12)]);
    assert!(ok, "{out}");
    assert!(out.contains("AES-256-CBC") && out.contains("sha256"), "{out}");
    let (ok, out) =
        openssl(&["pkcs12", "-info", "-legacy", "-noout", "-passin", "pass:mock-passord", "-in", &path(&f.p12_legacy)]);
    assert!(ok, "{out}");
    assert!(out.contains("TripleDES") && out.contains("MAC: sha1"), "{out}");
    for p12 in [&f.p12, &f.p12_legacy] {
        let (ok, out) = openssl(&["pkcs12", "-legacy", "-nokeys", "-passin", "pass:mock-passord", "-in", &path(p12)]);
        assert!(ok, "{out}");
        assert_eq!(out.matches("BEGIN CERTIFICATE").count(), 2, "{out}");
    }
    let (ok, out) = openssl(&[
        "verify",
        "-CAfile",
        &path(&f.ca_pem),
        "-untrusted",
        &path(&f.intermediate_pem),
        "-purpose",
        "sslclient",
        &path(&f.leaf_pem),
    ]);
    assert!(ok, "{out}");
    let (ok, out) = openssl(&["pkey", "-noout", "-passin", "pass:mock-passord", "-in", &path(&f.key_encrypted_pem)]);
    assert!(ok, "{out}");
    let (ok, out) = openssl(&["rsa", "-check", "-noout", "-in", &path(&f.key_pkcs1_pem)]);
    assert!(ok, "{out}");
    let (ok, out) = openssl(&["x509", "-noout", "-subject", "-in", &path(&f.chain_pem)]);
    assert!(ok && out.contains("serialNumber = 910000001"), "{out}");
}

#[test]
fn write_to_writes_every_file_with_private_keys_private() {
    let dir = tempfile::tempdir().unwrap();
    let f = pki().write_to(&dir.path().join("nested")).unwrap();
    let names = [
        (&f.p12, "virksomhet.p12"),
        (&f.p12_legacy, "virksomhet-legacy.p12"),
        (&f.chain_pem, "chain.pem"),
        (&f.leaf_pem, "leaf.pem"),
        (&f.intermediate_pem, "intermediate.pem"),
        (&f.key_pem, "key.pem"),
        (&f.key_pkcs1_pem, "key-pkcs1.pem"),
        (&f.key_encrypted_pem, "key-encrypted.pem"),
        (&f.ca_pem, "ca.pem"),
    ];
    for (path, name) in names {
        assert_eq!(path.file_name().unwrap(), name);
        assert!(std::fs::metadata(path).unwrap().len() > 100, "{name}");
    }
    assert_eq!(std::fs::read_to_string(&f.chain_pem).unwrap(), pki().chain_pem());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for secret in [&f.p12, &f.p12_legacy, &f.key_pem, &f.key_pkcs1_pem, &f.key_encrypted_pem] {
            assert_eq!(std::fs::metadata(secret).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}

#[test]
fn save_and_load_keep_the_same_pki() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pki.json");
    let p = pki().leaf_variant(LeafOptions { use_organization_identifier: true, ..Default::default() });
    p.save(&path).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let q = Pki::load(&path).unwrap();
    assert_eq!((q.ca_der(), q.intermediate_der(), q.leaf_der()), (p.ca_der(), p.intermediate_der(), p.leaf_der()));
    assert_eq!(
        (q.key_pkcs8_der(), q.orgnr(), q.password(), q.kid()),
        (p.key_pkcs8_der(), p.orgnr(), p.password(), p.kid())
    );
    // A loaded PKI still issues: its CAs sign new leaves that verify.
    let v = q.leaf_variant(LeafOptions { orgnr: Some("987654321".into()), ..Default::default() });
    verify(&v, SystemTime::now()).expect("issued by the loaded intermediate");
    std::fs::write(&path, "{}").unwrap();
    assert!(Pki::load(&path).is_err());
    assert!(Pki::load(&dir.path().join("missing.json")).is_err());
}

#[test]
fn variants_have_the_intended_defects() {
    let p = pki();
    let now = SystemTime::now();

    let expired = p.leaf_variant(LeafOptions {
        not_before: Some(now - 30 * DAY),
        not_after: Some(now - DAY),
        ..Default::default()
    });
    match verify(&expired, now) {
        Err(webpki::Error::CertExpired { not_after, .. }) => {
            let want = now.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() - 86_400;
            assert!(not_after.as_secs().abs_diff(want) < 120);
        }
        other => panic!("{other:?}"),
    }

    let future = p.leaf_variant(LeafOptions {
        not_before: Some(now + DAY),
        not_after: Some(now + 30 * DAY),
        ..Default::default()
    });
    assert!(matches!(verify(&future, now), Err(webpki::Error::CertNotValidYet { .. })));

    let selfie = p.leaf_variant(LeafOptions { self_signed: true, ..Default::default() });
    assert!(selfie.is_self_signed());
    let (_, c) = parse_x509_certificate(selfie.leaf_der()).unwrap();
    assert_eq!(c.issuer(), c.subject());
    assert_eq!(selfie.chain_der().len(), 1);
    assert!(verify(&selfie, now).is_err());
    let ks = KeyStore::from_pkcs12(&selfie.p12_modern(), "mock-passord", Pkcs12ImportPolicy::Strict).unwrap();
    assert_eq!(ks.private_key_chain().unwrap().1.certs().len(), 1);

    let oi = p.leaf_variant(LeafOptions { use_organization_identifier: true, ..Default::default() });
    let (_, c) = parse_x509_certificate(oi.leaf_der()).unwrap();
    assert_eq!(attr(&c, "2.5.4.97").as_deref(), Some("NTRNO-910000001"));
    assert_eq!(attr(&c, "2.5.4.5"), None);
    verify(&oi, now).expect("otherwise a good certificate");

    let other = p.leaf_variant(LeafOptions { orgnr: Some("987654321".into()), ..Default::default() });
    assert_eq!(other.orgnr(), "987654321");
    let (_, c) = parse_x509_certificate(other.leaf_der()).unwrap();
    assert_eq!(attr(&c, "2.5.4.5").as_deref(), Some("987654321"));

    let mismatch = p.leaf_variant(LeafOptions { other_key: true, ..Default::default() });
    verify(&mismatch, now).expect("the certificate itself is fine");
    let (_, c) = parse_x509_certificate(mismatch.leaf_der()).unwrap();
    let key = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(mismatch.key_pkcs8_der()).unwrap();
    use aws_lc_rs::signature::KeyPair;
    assert_ne!(c.public_key().subject_public_key.data.as_ref(), key.public_key().as_ref());
    assert_eq!(mismatch.key_pkcs8_der(), p.key_pkcs8_der(), "the key files keep the PKI's key");

    // Variants share the CAs, password and kid.
    for v in [&expired, &selfie, &oi, &mismatch] {
        assert_eq!(
            (v.ca_der(), v.intermediate_der(), v.password(), v.kid()),
            (p.ca_der(), p.intermediate_der(), p.password(), p.kid())
        );
    }
}
