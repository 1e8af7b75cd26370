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
    let (ok, out) = openssl(&["pkcs12", "-info", "-noout", "-passin", "pass:mock-passord", "-in", &path(&f.eseal_p12)]);
    assert!(ok && out.contains("AES-256-CBC"), "{out}");
    let (ok, out) = openssl(&["x509", "-noout", "-subject", "-in", &path(&f.eseal_chain_pem)]);
    assert!(ok && out.contains("C = SE") && out.contains("VATSE-556677889901"), "{out}");
    assert!(!out.contains("serialNumber"), "{out}");
    let chain = path(&f.eseal_chain_pem);
    let (ok, out) =
        openssl(&["verify", "-CAfile", &path(&f.ca_pem), "-untrusted", &chain, "-purpose", "sslclient", &chain]);
    assert!(ok, "{out}");
    let (ok, out) = openssl(&["pkey", "-noout", "-in", &path(&f.eseal_key_pem)]);
    assert!(ok, "{out}");
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
        (&f.p12_expired, "virksomhet-expired.p12"),
        (&f.key_jwk, "key.jwk.json"),
        (&f.key_jwk_expiring, "key-expiring.jwk.json"),
        (&f.eseal_p12, "eseal.p12"),
        (&f.eseal_chain_pem, "eseal-chain.pem"),
        (&f.eseal_key_pem, "eseal-key.pem"),
    ];
    for (path, name) in names {
        assert_eq!(path.file_name().unwrap(), name);
        assert!(std::fs::metadata(path).unwrap().len() > 100, "{name}");
    }
    assert_eq!(std::fs::read_to_string(&f.chain_pem).unwrap(), pki().chain_pem());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for secret in [
            &f.p12,
            &f.p12_legacy,
            &f.key_pem,
            &f.key_pkcs1_pem,
            &f.key_encrypted_pem,
            &f.p12_expired,
            &f.key_jwk,
            &f.key_jwk_expiring,
            &f.eseal_p12,
            &f.eseal_key_pem,
        ] {
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
    assert_eq!((q.eseal_der(), q.eseal_key_pkcs8_der()), (p.eseal_der(), p.eseal_key_pkcs8_der()));
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

/// The leaf's RSA public key from its certificate: `(n, e)`, big-endian without leading zeros.
fn leaf_n_e(leaf_der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let (_, cert) = parse_x509_certificate(leaf_der).unwrap();
    let Ok(x509_parser::public_key::PublicKey::RSA(rsa)) = cert.public_key().parsed() else {
        panic!("not an RSA key");
    };
    let strip = |b: &[u8]| b[b.iter().position(|&x| x != 0).unwrap_or(0)..].to_vec();
    (strip(rsa.modulus), strip(rsa.exponent))
}

/// A DER INTEGER of an unsigned big-endian magnitude (a zero byte first when the top bit is set).
fn der_integer(magnitude: &[u8]) -> Vec<u8> {
    let mut content = magnitude.to_vec();
    if content.first().is_none_or(|b| b & 0x80 != 0) {
        content.insert(0, 0);
    }
    der(0x02, &content)
}

/// A DER element: tag, length (short or long form), content.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|&b| b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn b64url(v: &serde_json::Value, name: &str) -> Vec<u8> {
    use base64::Engine;
    let s = v[name].as_str().unwrap_or_else(|| panic!("'{name}' missing"));
    assert!(!s.contains(['=', '+', '/']), "'{name}' is base64url without padding: {s}");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap();
    assert_ne!(bytes.first(), Some(&0), "'{name}' has a leading zero byte");
    bytes
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
fn the_jwk_files_hold_the_leaf_key_with_a_year_or_ten_days_to_live() {
    let p = pki();
    let dir = tempfile::tempdir().unwrap();
    let f = p.write_to(dir.path()).unwrap();
    let written = now_secs();
    let read = |path: &Path| -> serde_json::Value { serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap() };
    let (jwk, expiring) = (read(&f.key_jwk), read(&f.key_jwk_expiring));
    for (v, days) in [(&jwk, 365), (&expiring, 10)] {
        let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["alg", "d", "dp", "dq", "e", "exp", "kid", "kty", "n", "p", "q", "qi", "use"]);
        assert_eq!(
            (v["kty"].as_str(), v["alg"].as_str(), v["use"].as_str()),
            (Some("RSA"), Some("RS256"), Some("sig"))
        );
        assert_eq!(v["kid"].as_str(), Some(p.kid()));
        let exp = v["exp"].as_i64().expect("exp in seconds");
        assert!((exp - (written + days * 86_400)).abs() <= 120, "exp {exp} is not {days} days from now");
    }
    for name in ["n", "e", "d", "p", "q", "dp", "dq", "qi"] {
        assert_eq!(b64url(&jwk, name), b64url(&expiring, name), "the same key: {name}");
    }
    // n and e are the certificate's (and so the registered kid's) public key.
    let (n, e) = leaf_n_e(p.leaf_der());
    assert_eq!((b64url(&jwk, "n"), b64url(&jwk, "e")), (n.clone(), e.clone()));
    assert_eq!(n.len(), 256, "RSA-2048");
    assert_eq!(jwk, p.key_jwk(jwk["exp"].as_i64().unwrap()).unwrap());

    // The private members make the same key again: re-encoded as PKCS#1 it loads, has the
    // certificate's public key, and its signature verifies under the certificate's key.
    let members: Vec<u8> =
        ["n", "e", "d", "p", "q", "dp", "dq", "qi"].iter().flat_map(|name| der_integer(&b64url(&jwk, name))).collect();
    let pkcs1 = der(0x30, &[der_integer(&[0]), members].concat());
    let (_, original) = pem_der(&p.key_pkcs1_pem());
    assert_eq!(pkcs1, original, "the JWK is the key, member for member");
    let key = aws_lc_rs::signature::RsaKeyPair::from_der(&pkcs1).expect("a valid RSA key");
    use aws_lc_rs::signature::KeyPair;
    let (_, leaf) = parse_x509_certificate(p.leaf_der()).unwrap();
    assert_eq!(key.public_key().as_ref(), leaf.public_key().subject_public_key.data.as_ref());
    let mut sig = vec![0u8; key.public_modulus_len()];
    let rng = aws_lc_rs::rand::SystemRandom::new();
    key.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &rng, b"grant", &mut sig).unwrap();
    let spki = aws_lc_rs::signature::UnparsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        leaf.public_key().subject_public_key.data.as_ref(),
    );
    spki.verify(b"grant", &sig).expect("verifies under the certificate's key");
}

#[test]
fn the_eseal_has_no_orgnr_and_chains_to_the_mock_ca() {
    let p = pki();
    let (_, eseal) = parse_x509_certificate(p.eseal_der()).unwrap();
    assert_eq!(attr(&eseal, "2.5.4.6").as_deref(), Some("SE"));
    assert_eq!(attr(&eseal, "2.5.4.10").as_deref(), Some("Mock Sigill AB"));
    assert_eq!(attr(&eseal, "2.5.4.3").as_deref(), Some("Mock Sigill AB"));
    assert_eq!(attr(&eseal, "2.5.4.97").as_deref(), Some("VATSE-556677889901"));
    assert_eq!(attr(&eseal, "2.5.4.97").as_deref(), Some(fiks_integrasjon_mock::ESEAL_ORGANIZATION_IDENTIFIER));
    assert_eq!(attr(&eseal, "2.5.4.5"), None, "no serialNumber");
    assert_eq!(eseal.subject().iter_attributes().count(), 4, "{}", eseal.subject());
    let order: Vec<String> = eseal.subject().iter_attributes().map(|a| a.attr_type().to_id_string()).collect();
    assert_eq!(order, ["2.5.4.6", "2.5.4.10", "2.5.4.3", "2.5.4.97"]);
    let eku = eseal.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.client_auth && !eku.server_auth);
    assert!(!eseal.is_ca());
    let (_, inter) = parse_x509_certificate(p.intermediate_der()).unwrap();
    assert_eq!(eseal.issuer(), inter.subject());
    // Its own key.
    let key = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(p.eseal_key_pkcs8_der()).unwrap();
    use aws_lc_rs::signature::KeyPair;
    assert_eq!(eseal.public_key().subject_public_key.data.as_ref(), key.public_key().as_ref());
    assert_eq!(key.public_modulus_len(), 256);
    assert_ne!(p.eseal_key_pkcs8_der(), p.key_pkcs8_der());
    // It verifies for client authentication.
    let ca = CertificateDer::from(p.ca_der());
    let anchor = webpki::anchor_from_trusted_cert(&ca).unwrap();
    let leaf = CertificateDer::from(p.eseal_der());
    let ee = webpki::EndEntityCert::try_from(&leaf).unwrap();
    let secs = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap();
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &[anchor],
        &[CertificateDer::from(p.intermediate_der())],
        UnixTime::since_unix_epoch(secs),
        webpki::KeyUsage::client_auth(),
        None,
        None,
    )
    .expect("the eSeal chain verifies");
    // Its files: PKCS#12 (chain included) and PEM.
    let ks = KeyStore::from_pkcs12(&p.eseal_p12(), "mock-passord", Pkcs12ImportPolicy::Strict).unwrap();
    let (_, chain) = ks.private_key_chain().expect("key chain");
    assert_eq!(chain.key().as_der(), p.eseal_key_pkcs8_der());
    let certs: Vec<&[u8]> = chain.certs().iter().map(|c| c.as_der()).collect();
    assert_eq!(certs, [p.eseal_der(), p.intermediate_der()]);
    assert_eq!(p.eseal_chain_der(), [p.eseal_der(), p.intermediate_der()]);
    let dir = tempfile::tempdir().unwrap();
    let f = p.write_to(dir.path()).unwrap();
    assert_eq!(std::fs::read(&f.eseal_p12).unwrap().len(), p.eseal_p12().len());
    let chain_pem = std::fs::read_to_string(&f.eseal_chain_pem).unwrap();
    assert_eq!(chain_pem, p.eseal_chain_pem());
    assert_eq!(chain_pem.matches("BEGIN CERTIFICATE").count(), 2);
    assert_eq!(pem_der(chain_pem.split_inclusive("-----END CERTIFICATE-----\n").next().unwrap()).1, p.eseal_der());
    let (label, der) = pem_der(&std::fs::read_to_string(&f.eseal_key_pem).unwrap());
    assert_eq!((label.as_str(), der.as_slice()), ("PRIVATE KEY", p.eseal_key_pkcs8_der()));
    // Leaf variants keep it.
    let v = p.leaf_variant(LeafOptions { orgnr: Some("987654321".into()), ..Default::default() });
    assert_eq!(v.eseal_der(), p.eseal_der());
}

#[test]
fn a_leaf_variant_without_orgnr_has_neither_attribute() {
    let v = pki().leaf_variant(LeafOptions { without_orgnr: true, ..Default::default() });
    let (_, c) = parse_x509_certificate(v.leaf_der()).unwrap();
    assert_eq!((attr(&c, "2.5.4.5"), attr(&c, "2.5.4.97")), (None, None));
    assert_eq!(attr(&c, "2.5.4.3").as_deref(), Some("Fiks Mock Kommune"));
    verify(&v, SystemTime::now()).expect("otherwise a good certificate");
}

#[test]
fn a_bundle_saved_before_the_eseal_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pki.json");
    let p = pki();
    p.save(&path).unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(v["format"], "fiks-integrasjon-mock-pki/2");
    let m = v.as_object_mut().unwrap();
    m.remove("eseal_cert");
    m.remove("eseal_key");
    m.insert("format".into(), "fiks-integrasjon-mock-pki/1".into());
    std::fs::write(&path, v.to_string()).unwrap();
    // Pki::load takes it, with a new eSeal from the same intermediate.
    let q = Pki::load(&path).unwrap();
    assert_eq!((q.leaf_der(), q.key_pkcs8_der()), (p.leaf_der(), p.key_pkcs8_der()));
    assert_ne!(q.eseal_der(), p.eseal_der());
    let (_, eseal) = parse_x509_certificate(q.eseal_der()).unwrap();
    let (_, inter) = parse_x509_certificate(q.intermediate_der()).unwrap();
    assert_eq!(eseal.issuer(), inter.subject());
    // A /2 bundle without the eSeal is broken, not old.
    let mut v2 = v.clone();
    v2["format"] = "fiks-integrasjon-mock-pki/2".into();
    std::fs::write(&path, v2.to_string()).unwrap();
    assert!(Pki::load(&path).is_err());
    // The test suites' cache takes only the current format: an old one is made anew.
    std::fs::write(&path, v.to_string()).unwrap();
    let r = Pki::load_or_generate(&path, Duration::from_secs(3600)).unwrap();
    assert_ne!(r.leaf_der(), p.leaf_der());
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["format"], "fiks-integrasjon-mock-pki/2");
    assert_eq!(Pki::load(&path).unwrap().eseal_der(), r.eseal_der());
}
