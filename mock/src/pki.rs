//! The mock's own test PKI: a root CA, an intermediate CA, a leaf "virksomhetssertifikat"
//! with an organisation number and a second leaf without one (a Swedish EU eSeal, registered
//! at the mock), written as PKCS#12 (modern and legacy), PEM and JWK files.
//!
//! Everything is generated on the fly with RSA-2048 keys; nothing here is a real certificate.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use p12_keystore::{
    Certificate as P12Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm,
    PrivateKey as P12PrivateKey, PrivateKeyChain,
};
use pkcs8::der::pem::{LineEnding, encode_string};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256, RsaKeySize, SanType, SerialNumber,
    string::PrintableString,
};
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;

/// The organisation number of the default leaf certificate.
pub const DEFAULT_ORGNR: &str = "910000001";
/// The password of every PKCS#12 file and of the encrypted PEM key.
pub const DEFAULT_PASSWORD: &str = "mock-passord";
/// The key id under which the leaf's public key is registered at the mock.
pub const DEFAULT_KID: &str = "mock-kid-1";
/// The `organizationIdentifier` of the PKI's eSeal certificate (see [`Pki::eseal_der`]): a
/// Swedish VAT number, no Norwegian orgnr.
///
/// ```
/// assert!(fiks_integrasjon_mock::ESEAL_ORGANIZATION_IDENTIFIER.starts_with("VATSE-"));
/// ```
pub const ESEAL_ORGANIZATION_IDENTIFIER: &str = "VATSE-556677889901";
/// How long from its writing the key in `key.jwk.json` is valid (its `exp`): a year, as a key
/// registered at Maskinporten's self-service API.
const JWK_LIFETIME: Duration = Duration::from_secs(365 * 86_400);
/// How long from its writing the key in `key-expiring.jwk.json` is valid: 10 days.
const JWK_EXPIRING_LIFETIME: Duration = Duration::from_secs(10 * 86_400);

/// OID 2.5.4.5, the X.520 `serialNumber` attribute where Buypass puts the orgnr.
const OID_SERIAL_NUMBER: &[u64] = &[2, 5, 4, 5];
/// OID 2.5.4.97, the X.520 `organizationIdentifier` attribute (`NTRNO-<orgnr>`).
const OID_ORGANIZATION_IDENTIFIER: &[u64] = &[2, 5, 4, 97];
/// Key derivation iterations for the PKCS#12 files and the encrypted key (OpenSSL's default).
const KDF_ITERATIONS: u32 = 2048;
const DAY: Duration = Duration::from_secs(86_400);
/// The `format` field of a saved PKI bundle (`/2` added the eSeal certificate and its key).
const BUNDLE_FORMAT: &str = "fiks-integrasjon-mock-pki/2";
/// The bundle format before the eSeal; [`Pki::load`] still reads it (and makes a new eSeal).
const BUNDLE_FORMAT_V1: &str = "fiks-integrasjon-mock-pki/1";

/// Something went wrong while generating or encoding the test PKI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkiError(String);

impl PkiError {
    fn new(what: &str, e: impl fmt::Display) -> Self {
        Self(format!("{what}: {e}"))
    }
}

impl fmt::Display for PkiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "mock PKI: {}", self.0)
    }
}

impl std::error::Error for PkiError {}

impl From<PkiError> for io::Error {
    fn from(e: PkiError) -> Self {
        io::Error::other(e)
    }
}

/// Choices for [`Pki::generate_with`].
///
/// ```
/// let opts = fiks_integrasjon_mock::PkiOptions { orgnr: "921234567".into(), ..Default::default() };
/// assert_eq!(opts.password, "mock-passord");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkiOptions {
    /// Organisation number in the leaf's subject (9 digits). Default `910000001`.
    pub orgnr: String,
    /// Password of the PKCS#12 files and of the encrypted key. Default `mock-passord`.
    pub password: String,
    /// Key id of the registered key (for grants with `kid`). Default `mock-kid-1`.
    pub kid: String,
}

impl Default for PkiOptions {
    fn default() -> Self {
        Self { orgnr: DEFAULT_ORGNR.to_string(), password: DEFAULT_PASSWORD.to_string(), kid: DEFAULT_KID.to_string() }
    }
}

/// How a leaf variant differs from the normal leaf (see [`Pki::leaf_variant`]).
///
/// ```
/// use std::time::{Duration, SystemTime};
/// let expired = fiks_integrasjon_mock::LeafOptions {
///     not_after: Some(SystemTime::now() - Duration::from_secs(86_400)),
///     ..Default::default()
/// };
/// assert!(!expired.self_signed);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LeafOptions {
    /// Organisation number in the subject; `None` keeps the PKI's own.
    pub orgnr: Option<String>,
    /// Start of validity; `None` means one day ago.
    pub not_before: Option<SystemTime>,
    /// End of validity; `None` means in 365 days.
    pub not_after: Option<SystemTime>,
    /// Sign the leaf with its own key instead of the intermediate CA.
    pub self_signed: bool,
    /// Put `organizationIdentifier = NTRNO-<orgnr>` in the subject instead of `serialNumber`.
    pub use_organization_identifier: bool,
    /// Issue the certificate for a different key than the one written to the key files
    /// (a key/certificate mismatch).
    pub other_key: bool,
    /// Put no orgnr in the subject at all (neither `serialNumber` nor `organizationIdentifier`):
    /// a certificate the mock has not registered, so its grants are refused (MP-122).
    pub without_orgnr: bool,
}

/// Paths of the files written by [`Pki::write_to`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkiFiles {
    /// The directory the files were written to.
    pub dir: PathBuf,
    /// `virksomhet.p12`: PKCS#12, PBES2 (PBKDF2-SHA256 + AES-256-CBC), HMAC-SHA256, chain included.
    pub p12: PathBuf,
    /// `virksomhet-legacy.p12`: PKCS#12, pbeWithSHAAnd3-KeyTripleDES-CBC, HMAC-SHA1, chain included.
    pub p12_legacy: PathBuf,
    /// `chain.pem`: the leaf then the intermediate.
    pub chain_pem: PathBuf,
    /// `leaf.pem`: the leaf certificate alone.
    pub leaf_pem: PathBuf,
    /// `intermediate.pem`: the intermediate CA certificate.
    pub intermediate_pem: PathBuf,
    /// `key.pem`: the private key, PKCS#8 (`PRIVATE KEY`).
    pub key_pem: PathBuf,
    /// `key-pkcs1.pem`: the private key, PKCS#1 (`RSA PRIVATE KEY`).
    pub key_pkcs1_pem: PathBuf,
    /// `key-encrypted.pem`: the private key, encrypted PKCS#8 (PBES2, AES-256) with the password.
    pub key_encrypted_pem: PathBuf,
    /// `ca.pem`: the root CA certificate (the trust anchor, also for the mock's TLS).
    pub ca_pem: PathBuf,
    /// `virksomhet-expired.p12`: like `virksomhet.p12` (same key and password), but the
    /// certificate's validity ended a day ago — for testing how a client reports it.
    pub p12_expired: PathBuf,
    /// `key.jwk.json`: the private key as a JWK (RFC 7517/7518: `kty`, `kid` = [`Pki::kid`],
    /// `alg` `RS256`, `use` `sig`, `n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi`) with `exp` one year
    /// after the file was written, as Maskinporten's self-service keys have.
    pub key_jwk: PathBuf,
    /// `key-expiring.jwk.json`: the same JWK with `exp` 10 days after the file was written (a
    /// key near its end).
    pub key_jwk_expiring: PathBuf,
    /// `eseal.p12`: the eSeal certificate without an orgnr (see [`Pki::eseal_der`]), its own key
    /// and the intermediate, as PKCS#12 in the format of `virksomhet.p12`, same password.
    pub eseal_p12: PathBuf,
    /// `eseal-chain.pem`: the eSeal certificate then the intermediate.
    pub eseal_chain_pem: PathBuf,
    /// `eseal-key.pem`: the eSeal's private key, PKCS#8 (`PRIVATE KEY`).
    pub eseal_key_pem: PathBuf,
}

/// A generated test PKI: root CA → intermediate CA → leaf with an orgnr, plus its private key;
/// and a second leaf under the same intermediate, an EU eSeal without a Norwegian orgnr
/// (`C=SE, O=Mock Sigill AB, CN=Mock Sigill AB, organizationIdentifier=VATSE-556677889901`)
/// with a key of its own, which the mock registers for its client.
///
/// Cloning is cheap (the material is shared).
///
/// ```no_run
/// let pki = fiks_integrasjon_mock::Pki::generate().unwrap();
/// assert_eq!(pki.orgnr(), "910000001");
/// assert!(pki.chain_pem().matches("BEGIN CERTIFICATE").count() == 2);
/// ```
#[derive(Clone)]
pub struct Pki {
    inner: Arc<Inner>,
}

/// A CA: its certificate and its key (PKCS#8), both DER.
struct Authority {
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
}

/// The eSeal leaf: its certificate and key (PKCS#8), both DER, and its PKCS#12 once encoded.
struct Eseal {
    cert_der: Vec<u8>,
    key_der: Vec<u8>,
    p12: OnceLock<Result<Vec<u8>, PkiError>>,
}

struct Inner {
    options: PkiOptions,
    orgnr: String,
    ca: Arc<Authority>,
    intermediate: Arc<Authority>,
    /// The eSeal leaf (shared by every leaf variant).
    eseal: Arc<Eseal>,
    /// DER of the leaf certificate.
    leaf_der: Vec<u8>,
    /// Whether the leaf is self-signed (then the chain is the leaf alone).
    self_signed: bool,
    /// PKCS#8 DER of the key written to the key files.
    key_der: Vec<u8>,
    /// Encoded on first use: key derivation is slow in debug builds.
    p12_modern: OnceLock<Result<Vec<u8>, PkiError>>,
    p12_legacy: OnceLock<Result<Vec<u8>, PkiError>>,
    key_encrypted_pem: OnceLock<Result<String, PkiError>>,
}

impl fmt::Debug for Pki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pki")
            .field("orgnr", &self.inner.orgnr)
            .field("kid", &self.inner.options.kid)
            .field("self_signed", &self.inner.self_signed)
            .finish_non_exhaustive()
    }
}

fn rsa_key() -> Result<KeyPair, PkiError> {
    KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).map_err(|e| PkiError::new("RSA key generation", e))
}

fn key_from_der(der: &[u8]) -> Result<KeyPair, PkiError> {
    KeyPair::from_pkcs8_der_and_sign_algo(&PrivatePkcs8KeyDer::from(der), &PKCS_RSA_SHA256)
        .map_err(|e| PkiError::new("reading a generated key", e))
}

fn random_serial() -> Result<SerialNumber, PkiError> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|e| PkiError::new("random serial", e))?;
    bytes[0] &= 0x7f; // positive
    bytes[0] |= 0x01; // no leading zero byte
    Ok(SerialNumber::from_slice(&bytes))
}

fn to_time(t: SystemTime) -> OffsetDateTime {
    OffsetDateTime::from(t)
}

fn pem(label: &str, der: &[u8]) -> String {
    // Encoding into a String only fails for labels that are not ASCII; ours are fixed ASCII.
    encode_string(label, LineEnding::LF, der).unwrap_or_default()
}

fn cert_pem(der: &[u8]) -> String {
    pem("CERTIFICATE", der)
}

fn authority_params(cn: &str, path_len: Option<u8>) -> Result<CertificateParams, PkiError> {
    let now = SystemTime::now();
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, printable("NO")?);
    dn.push(DnType::OrganizationName, "Fiks Mock");
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(match path_len {
        Some(n) => BasicConstraints::Constrained(n),
        None => BasicConstraints::Unconstrained,
    });
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    p.not_before = to_time(now - DAY);
    p.not_after = to_time(now + 10 * 365 * DAY);
    p.serial_number = Some(random_serial()?);
    p.use_authority_key_identifier_extension = path_len.is_some();
    Ok(p)
}

fn printable(s: &str) -> Result<DnValue, PkiError> {
    PrintableString::try_from(s).map(DnValue::PrintableString).map_err(|e| PkiError::new("subject attribute", e))
}

fn issuer_of(a: &Authority) -> Result<Issuer<'static, KeyPair>, PkiError> {
    Issuer::from_ca_cert_der(&CertificateDer::from(a.cert_der.as_slice()), key_from_der(&a.key_der)?)
        .map_err(|e| PkiError::new("reading a CA certificate", e))
}

/// A new eSeal leaf issued by `intermediate`: `C=SE, O=Mock Sigill AB, CN=Mock Sigill AB,
/// organizationIdentifier=VATSE-556677889901` (no orgnr), client authentication, its own key.
fn eseal(intermediate: &Authority) -> Result<Eseal, PkiError> {
    let now = SystemTime::now();
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, printable("SE")?);
    dn.push(DnType::OrganizationName, "Mock Sigill AB");
    dn.push(DnType::CommonName, "Mock Sigill AB");
    dn.push(DnType::CustomDnType(OID_ORGANIZATION_IDENTIFIER.to_vec()), printable(ESEAL_ORGANIZATION_IDENTIFIER)?);
    p.distinguished_name = dn;
    p.is_ca = IsCa::NoCa;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    p.not_before = to_time(now - DAY);
    p.not_after = to_time(now + 365 * DAY);
    p.serial_number = Some(random_serial()?);
    p.use_authority_key_identifier_extension = true;
    let key = rsa_key()?;
    let cert = p.signed_by(&key, &issuer_of(intermediate)?).map_err(|e| PkiError::new("eSeal certificate", e))?;
    Ok(Eseal { cert_der: cert.der().to_vec(), key_der: key.serialize_der(), p12: OnceLock::new() })
}

/// Seconds since the epoch of `t` (0 before the epoch).
fn unix_secs(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)).unwrap_or(0)
}

impl Pki {
    /// Generates a PKI with the default orgnr `910000001` and password `mock-passord`.
    ///
    /// Takes three RSA-2048 key generations; keep one per test binary where you can.
    pub fn generate() -> Result<Pki, PkiError> {
        Self::generate_with(PkiOptions::default())
    }

    /// Generates a PKI with the given orgnr, password and key id.
    pub fn generate_with(options: PkiOptions) -> Result<Pki, PkiError> {
        let ca_key = rsa_key()?;
        let ca_params = authority_params("Fiks Mock Root CA", None)?;
        let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| PkiError::new("root CA", e))?;
        let ca = Authority { cert_der: ca_cert.der().to_vec(), key_der: ca_key.serialize_der() };
        let int_key = rsa_key()?;
        let int_params = authority_params("Fiks Mock Intermediate CA", Some(0))?;
        let int_cert =
            int_params.signed_by(&int_key, &issuer_of(&ca)?).map_err(|e| PkiError::new("intermediate CA", e))?;
        let intermediate = Authority { cert_der: int_cert.der().to_vec(), key_der: int_key.serialize_der() };
        let leaf_key = rsa_key()?;
        let eseal = eseal(&intermediate)?;
        let orgnr = options.orgnr.clone();
        Self::assemble(
            options,
            orgnr,
            Arc::new(ca),
            Arc::new(intermediate),
            Arc::new(eseal),
            leaf_key.serialize_der(),
            &LeafOptions::default(),
        )
    }

    fn assemble(
        options: PkiOptions,
        orgnr: String,
        ca: Arc<Authority>,
        intermediate: Arc<Authority>,
        eseal: Arc<Eseal>,
        key_der: Vec<u8>,
        leaf: &LeafOptions,
    ) -> Result<Pki, PkiError> {
        let now = SystemTime::now();
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, printable("NO")?);
        dn.push(DnType::OrganizationName, "FIKS MOCK KOMMUNE");
        dn.push(DnType::CommonName, "Fiks Mock Kommune");
        if leaf.without_orgnr {
            // Neither attribute: no orgnr to compare.
        } else if leaf.use_organization_identifier {
            dn.push(DnType::CustomDnType(OID_ORGANIZATION_IDENTIFIER.to_vec()), printable(&format!("NTRNO-{orgnr}"))?);
        } else {
            dn.push(DnType::CustomDnType(OID_SERIAL_NUMBER.to_vec()), printable(&orgnr)?);
        }
        p.distinguished_name = dn;
        p.is_ca = IsCa::NoCa;
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        p.not_before = to_time(leaf.not_before.unwrap_or(now - DAY));
        p.not_after = to_time(leaf.not_after.unwrap_or(now + 365 * DAY));
        p.serial_number = Some(random_serial()?);
        p.use_authority_key_identifier_extension = !leaf.self_signed;

        let key = key_from_der(&key_der)?;
        let cert_key = if leaf.other_key { rsa_key()? } else { key };
        let cert = if leaf.self_signed {
            p.self_signed(&cert_key)
        } else {
            p.signed_by(&cert_key, &issuer_of(&intermediate)?)
        }
        .map_err(|e| PkiError::new("leaf certificate", e))?;
        let leaf_der = cert.der().to_vec();

        Ok(Pki {
            inner: Arc::new(Inner {
                options,
                orgnr,
                ca,
                intermediate,
                eseal,
                leaf_der,
                self_signed: leaf.self_signed,
                key_der,
                p12_modern: OnceLock::new(),
                p12_legacy: OnceLock::new(),
                key_encrypted_pem: OnceLock::new(),
            }),
        })
    }

    /// A bundle that shares this PKI's CAs, password and key id but has a different leaf:
    /// expired, not yet valid, self-signed, with `organizationIdentifier`, another orgnr, or a
    /// certificate that does not match the key files. All accessors and [`Pki::write_to`] work
    /// on it as on the original.
    ///
    /// # Panics
    /// Only if key generation or certificate encoding fails, which does not happen with the
    /// mock's own inputs; use [`Pki::try_leaf_variant`] to get the error instead.
    pub fn leaf_variant(&self, options: LeafOptions) -> Pki {
        match self.try_leaf_variant(options) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    /// Like [`Pki::leaf_variant`], returning errors instead of panicking.
    pub fn try_leaf_variant(&self, options: LeafOptions) -> Result<Pki, PkiError> {
        let orgnr = options.orgnr.clone().unwrap_or_else(|| self.inner.orgnr.clone());
        Self::assemble(
            self.inner.options.clone(),
            orgnr,
            self.inner.ca.clone(),
            self.inner.intermediate.clone(),
            self.inner.eseal.clone(),
            self.inner.key_der.clone(),
            &options,
        )
    }

    /// Saves the whole PKI (CA and intermediate keys included) to one JSON file with mode
    /// 0600, so [`Pki::load`] can bring back the same certificates later: a mock restarted
    /// with the same PKI keeps working with files clients already have.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        let b64 = |d: &[u8]| STANDARD.encode(d);
        let i = &self.inner;
        let bundle = serde_json::json!({
            "format": BUNDLE_FORMAT,
            "orgnr": i.orgnr,
            "password": i.options.password,
            "kid": i.options.kid,
            "pki_orgnr": i.options.orgnr,
            "self_signed": i.self_signed,
            "ca_cert": b64(&i.ca.cert_der),
            "ca_key": b64(&i.ca.key_der),
            "intermediate_cert": b64(&i.intermediate.cert_der),
            "intermediate_key": b64(&i.intermediate.key_der),
            "leaf_cert": b64(&i.leaf_der),
            "key": b64(&i.key_der),
            "eseal_cert": b64(&i.eseal.cert_der),
            "eseal_key": b64(&i.eseal.key_der),
        });
        write_secret(path, bundle.to_string().as_bytes())
    }

    /// The PKI saved at `path` if it is younger than `max_age` (and in the current bundle
    /// format), else a new one saved there (under a temporary name, then renamed, so parallel
    /// processes never read half a file). Test suites use it to pay for RSA key generation once
    /// rather than once per process.
    pub fn load_or_generate(path: &Path, max_age: Duration) -> Result<Pki, PkiError> {
        let fresh = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age < max_age));
        if fresh && let Ok(p) = Pki::load_bundle(path, false) {
            return Ok(p);
        }
        let p = Pki::generate()?;
        let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
        if p.save(&tmp).is_ok() {
            let _ = std::fs::rename(&tmp, path);
        }
        Ok(p)
    }

    /// Loads a PKI written by [`Pki::save`]. A bundle saved before the eSeal existed
    /// (`fiks-integrasjon-mock-pki/1`) still loads, with a newly generated eSeal.
    pub fn load(path: &Path) -> io::Result<Pki> {
        Pki::load_bundle(path, true)
    }

    /// [`Pki::load`]; `accept_v1` lets a bundle without the eSeal load (making a new one).
    fn load_bundle(path: &Path, accept_v1: bool) -> io::Result<Pki> {
        let text = std::fs::read_to_string(path)?;
        let bad = |what: &str| {
            io::Error::new(io::ErrorKind::InvalidData, format!("mock PKI bundle {}: {what}", path.display()))
        };
        let v: serde_json::Value = serde_json::from_str(&text).map_err(|_| bad("not JSON"))?;
        let v1 = v["format"] == BUNDLE_FORMAT_V1;
        if v["format"] != BUNDLE_FORMAT && !(accept_v1 && v1) {
            return Err(bad("unknown format"));
        }
        let text_of = |k: &str| v[k].as_str().map(str::to_string).ok_or_else(|| bad(&format!("'{k}' missing")));
        let der_of = |k: &str| {
            v[k].as_str()
                .and_then(|s| STANDARD.decode(s).ok())
                .ok_or_else(|| bad(&format!("'{k}' missing or not base64")))
        };
        let ca = Authority { cert_der: der_of("ca_cert")?, key_der: der_of("ca_key")? };
        let intermediate = Authority { cert_der: der_of("intermediate_cert")?, key_der: der_of("intermediate_key")? };
        let key_der = der_of("key")?;
        key_from_der(&key_der)?;
        key_from_der(&ca.key_der)?;
        key_from_der(&intermediate.key_der)?;
        let eseal = if v1 {
            eseal(&intermediate)?
        } else {
            let e = Eseal { cert_der: der_of("eseal_cert")?, key_der: der_of("eseal_key")?, p12: OnceLock::new() };
            key_from_der(&e.key_der)?;
            e
        };
        Ok(Pki {
            inner: Arc::new(Inner {
                options: PkiOptions {
                    orgnr: text_of("pki_orgnr")?,
                    password: text_of("password")?,
                    kid: text_of("kid")?,
                },
                orgnr: text_of("orgnr")?,
                ca: Arc::new(ca),
                intermediate: Arc::new(intermediate),
                eseal: Arc::new(eseal),
                leaf_der: der_of("leaf_cert")?,
                self_signed: v["self_signed"].as_bool().unwrap_or(false),
                key_der,
                p12_modern: OnceLock::new(),
                p12_legacy: OnceLock::new(),
                key_encrypted_pem: OnceLock::new(),
            }),
        })
    }

    /// The organisation number in the leaf's subject.
    pub fn orgnr(&self) -> &str {
        &self.inner.orgnr
    }

    /// The password of the PKCS#12 files and the encrypted PEM key.
    pub fn password(&self) -> &str {
        &self.inner.options.password
    }

    /// The key id under which the leaf's public key is registered at the mock (`kid` grants).
    pub fn kid(&self) -> &str {
        &self.inner.options.kid
    }

    /// The options this PKI was generated with.
    pub fn options(&self) -> &PkiOptions {
        &self.inner.options
    }

    /// Whether the leaf is self-signed (a [`LeafOptions::self_signed`] variant).
    pub fn is_self_signed(&self) -> bool {
        self.inner.self_signed
    }

    /// The root CA certificate, DER.
    pub fn ca_der(&self) -> &[u8] {
        &self.inner.ca.cert_der
    }

    /// The intermediate CA certificate, DER.
    pub fn intermediate_der(&self) -> &[u8] {
        &self.inner.intermediate.cert_der
    }

    /// The leaf certificate, DER.
    pub fn leaf_der(&self) -> &[u8] {
        &self.inner.leaf_der
    }

    /// The private key of the key files, PKCS#8 DER (for signing grants in tests).
    pub fn key_pkcs8_der(&self) -> &[u8] {
        &self.inner.key_der
    }

    /// The certificates a client would send in `x5c`: the leaf, then the intermediate
    /// (the leaf alone when self-signed), each DER.
    pub fn chain_der(&self) -> Vec<&[u8]> {
        let mut chain = vec![self.leaf_der()];
        if !self.inner.self_signed {
            chain.push(self.intermediate_der());
        }
        chain
    }

    /// The root CA certificate, PEM.
    pub fn ca_pem(&self) -> String {
        cert_pem(self.ca_der())
    }

    /// The intermediate CA certificate, PEM.
    pub fn intermediate_pem(&self) -> String {
        cert_pem(self.intermediate_der())
    }

    /// The leaf certificate, PEM.
    pub fn leaf_cert_pem(&self) -> String {
        cert_pem(self.leaf_der())
    }

    /// The leaf then the intermediate, PEM (the leaf alone when self-signed).
    pub fn chain_pem(&self) -> String {
        self.chain_der().into_iter().map(cert_pem).collect()
    }

    /// The private key, unencrypted PKCS#8 PEM (`PRIVATE KEY`).
    pub fn key_pkcs8_pem(&self) -> String {
        pem("PRIVATE KEY", &self.inner.key_der)
    }

    /// The private key, PKCS#1 PEM (`RSA PRIVATE KEY`).
    pub fn key_pkcs1_pem(&self) -> String {
        match pkcs8::PrivateKeyInfoRef::try_from(self.inner.key_der.as_slice()) {
            Ok(info) => pem("RSA PRIVATE KEY", info.private_key.as_bytes()),
            Err(_) => String::new(),
        }
    }

    /// The private key, encrypted PKCS#8 PEM (`ENCRYPTED PRIVATE KEY`; PBES2 with
    /// PBKDF2-HMAC-SHA256 and AES-256-CBC) under [`Pki::password`].
    ///
    /// Encoded on first use. Empty only if encoding fails, which [`Pki::write_to`] reports as
    /// an error instead.
    pub fn key_pkcs8_encrypted_pem(&self) -> String {
        self.try_key_pkcs8_encrypted_pem().unwrap_or_default()
    }

    fn try_key_pkcs8_encrypted_pem(&self) -> Result<String, PkiError> {
        self.inner.key_encrypted_pem.get_or_init(|| encrypt_key(&self.inner.key_der, self.password())).clone()
    }

    fn try_p12(&self, legacy: bool) -> Result<Vec<u8>, PkiError> {
        let chain: Vec<Vec<u8>> = self.chain_der().into_iter().map(<[u8]>::to_vec).collect();
        let (cell, encryption, mac) = if legacy {
            (&self.inner.p12_legacy, EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc, MacAlgorithm::HmacSha1)
        } else {
            (&self.inner.p12_modern, EncryptionAlgorithm::PbeWithHmacSha256AndAes256, MacAlgorithm::HmacSha256)
        };
        cell.get_or_init(|| p12(&self.inner.key_der, &chain, self.password(), encryption, mac)).clone()
    }

    /// PKCS#12 as modern tools write it (PBES2/PBKDF2-SHA256/AES-256-CBC, HMAC-SHA256),
    /// key plus leaf and intermediate.
    ///
    /// Encoded on first use. Empty only if encoding fails, which [`Pki::write_to`] reports as
    /// an error instead.
    pub fn p12_modern(&self) -> Vec<u8> {
        self.try_p12(false).unwrap_or_default()
    }

    /// PKCS#12 as older tools write it (pbeWithSHAAnd3-KeyTripleDES-CBC, HMAC-SHA1; what
    /// `openssl pkcs12 -legacy` reads), key plus leaf and intermediate.
    ///
    /// Encoded on first use. Empty only if encoding fails, which [`Pki::write_to`] reports as
    /// an error instead.
    pub fn p12_legacy(&self) -> Vec<u8> {
        self.try_p12(true).unwrap_or_default()
    }

    /// The private key as a JWK (RFC 7517/7518) with `exp` = `exp_unix_secs`: `kty` `RSA`,
    /// `kid` = [`Pki::kid`], `alg` `RS256`, `use` `sig`, and `n`, `e`, `d`, `p`, `q`, `dp`, `dq`,
    /// `qi` as base64url without padding (big-endian, no leading zero bytes). What
    /// `key.jwk.json` holds.
    ///
    /// ```no_run
    /// let pki = fiks_integrasjon_mock::Pki::generate()?;
    /// let jwk = pki.key_jwk(1_900_000_000)?;
    /// assert_eq!((jwk["kty"].as_str(), jwk["kid"].as_str()), (Some("RSA"), Some(pki.kid())));
    /// assert_eq!(jwk["exp"], 1_900_000_000);
    /// # Ok::<(), fiks_integrasjon_mock::PkiError>(())
    /// ```
    pub fn key_jwk(&self, exp_unix_secs: i64) -> Result<serde_json::Value, PkiError> {
        let info = pkcs8::PrivateKeyInfoRef::try_from(self.inner.key_der.as_slice())
            .map_err(|e| PkiError::new("PKCS#8 key", e))?;
        crate::jwk::rsa_private_jwk(info.private_key.as_bytes(), self.kid(), exp_unix_secs)
            .map_err(|e| PkiError::new("JWK", e))
    }

    /// The eSeal certificate, DER: a leaf from the same intermediate without a Norwegian orgnr
    /// (`C=SE, O=Mock Sigill AB, CN=Mock Sigill AB`,
    /// `organizationIdentifier=`[`ESEAL_ORGANIZATION_IDENTIFIER`]), for client authentication,
    /// with its own RSA-2048 key. The mock registers it for its client, so grants with it in
    /// `x5c` are accepted although there is no orgnr to compare. Leaf variants share it.
    pub fn eseal_der(&self) -> &[u8] {
        &self.inner.eseal.cert_der
    }

    /// The eSeal's private key, PKCS#8 DER.
    pub fn eseal_key_pkcs8_der(&self) -> &[u8] {
        &self.inner.eseal.key_der
    }

    /// The eSeal's `x5c`: the eSeal certificate, then the intermediate, each DER.
    pub fn eseal_chain_der(&self) -> Vec<&[u8]> {
        vec![self.eseal_der(), self.intermediate_der()]
    }

    /// The eSeal certificate then the intermediate, PEM.
    pub fn eseal_chain_pem(&self) -> String {
        self.eseal_chain_der().into_iter().map(cert_pem).collect()
    }

    /// The eSeal's private key, unencrypted PKCS#8 PEM (`PRIVATE KEY`).
    pub fn eseal_key_pem(&self) -> String {
        pem("PRIVATE KEY", self.eseal_key_pkcs8_der())
    }

    fn try_eseal_p12(&self) -> Result<Vec<u8>, PkiError> {
        let e = &self.inner.eseal;
        let chain: Vec<Vec<u8>> = self.eseal_chain_der().into_iter().map(<[u8]>::to_vec).collect();
        let (encryption, mac) = (EncryptionAlgorithm::PbeWithHmacSha256AndAes256, MacAlgorithm::HmacSha256);
        e.p12.get_or_init(|| p12(&e.key_der, &chain, self.password(), encryption, mac)).clone()
    }

    /// The eSeal as PKCS#12 in the format of [`Pki::p12_modern`] (same password): its key, the
    /// eSeal certificate and the intermediate.
    ///
    /// Encoded on first use. Empty only if encoding fails, which [`Pki::write_to`] reports as
    /// an error instead.
    pub fn eseal_p12(&self) -> Vec<u8> {
        self.try_eseal_p12().unwrap_or_default()
    }

    /// Writes every file of the bundle into `dir` (created if missing); private keys get mode
    /// 0600 on Unix.
    pub fn write_to(&self, dir: &Path) -> io::Result<PkiFiles> {
        std::fs::create_dir_all(dir)?;
        // Absolute paths, so a fiks.toml naming them works from any working directory.
        let dir = &std::path::absolute(dir)?;
        let files = PkiFiles {
            dir: dir.to_path_buf(),
            p12: dir.join("virksomhet.p12"),
            p12_legacy: dir.join("virksomhet-legacy.p12"),
            chain_pem: dir.join("chain.pem"),
            leaf_pem: dir.join("leaf.pem"),
            intermediate_pem: dir.join("intermediate.pem"),
            key_pem: dir.join("key.pem"),
            key_pkcs1_pem: dir.join("key-pkcs1.pem"),
            key_encrypted_pem: dir.join("key-encrypted.pem"),
            ca_pem: dir.join("ca.pem"),
            p12_expired: dir.join("virksomhet-expired.p12"),
            key_jwk: dir.join("key.jwk.json"),
            key_jwk_expiring: dir.join("key-expiring.jwk.json"),
            eseal_p12: dir.join("eseal.p12"),
            eseal_chain_pem: dir.join("eseal-chain.pem"),
            eseal_key_pem: dir.join("eseal-key.pem"),
        };
        write_secret(&files.p12, &self.try_p12(false)?)?;
        write_secret(&files.p12_legacy, &self.try_p12(true)?)?;
        std::fs::write(&files.chain_pem, self.chain_pem())?;
        std::fs::write(&files.leaf_pem, self.leaf_cert_pem())?;
        std::fs::write(&files.intermediate_pem, self.intermediate_pem())?;
        write_secret(&files.key_pem, self.key_pkcs8_pem().as_bytes())?;
        write_secret(&files.key_pkcs1_pem, self.key_pkcs1_pem().as_bytes())?;
        write_secret(&files.key_encrypted_pem, self.try_key_pkcs8_encrypted_pem()?.as_bytes())?;
        std::fs::write(&files.ca_pem, self.ca_pem())?;
        let now = SystemTime::now();
        let expired = self
            .try_leaf_variant(LeafOptions {
                not_before: Some(now - 30 * DAY),
                not_after: Some(now - DAY),
                ..Default::default()
            })
            .map_err(io::Error::other)?;
        write_secret(&files.p12_expired, &expired.try_p12(false)?)?;
        for (path, lifetime) in [(&files.key_jwk, JWK_LIFETIME), (&files.key_jwk_expiring, JWK_EXPIRING_LIFETIME)] {
            let jwk = self.key_jwk(unix_secs(now + lifetime))?;
            let text = serde_json::to_string_pretty(&jwk).map_err(io::Error::other)?;
            write_secret(path, format!("{text}\n").as_bytes())?;
        }
        write_secret(&files.eseal_p12, &self.try_eseal_p12()?)?;
        std::fs::write(&files.eseal_chain_pem, self.eseal_chain_pem())?;
        write_secret(&files.eseal_key_pem, self.eseal_key_pem().as_bytes())?;
        Ok(files)
    }

    /// A TLS server certificate for `localhost` and `127.0.0.1`, issued by the root CA, with a
    /// fresh ECDSA P-256 key: `(certificate DER, PKCS#8 key DER)`.
    pub fn server_identity(&self) -> Result<(Vec<u8>, Vec<u8>), PkiError> {
        let now = SystemTime::now();
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| PkiError::new("server key", e))?;
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "localhost");
        p.distinguished_name = dn;
        p.subject_alt_names = vec![
            SanType::DnsName("localhost".try_into().map_err(|e| PkiError::new("server name", e))?),
            SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])),
        ];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.not_before = to_time(now - DAY);
        p.not_after = to_time(now + 365 * DAY);
        p.serial_number = Some(random_serial()?);
        p.use_authority_key_identifier_extension = true;
        let cert =
            p.signed_by(&key, &issuer_of(&self.inner.ca)?).map_err(|e| PkiError::new("server certificate", e))?;
        Ok((cert.der().to_vec(), key.serialize_der()))
    }
}

#[cfg(unix)]
fn write_secret(path: &Path, data: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.write_all(data)
}

#[cfg(not(unix))]
fn write_secret(path: &Path, data: &[u8]) -> io::Result<()> {
    std::fs::write(path, data)
}

fn p12(
    key_der: &[u8],
    chain: &[Vec<u8>],
    password: &str,
    encryption: EncryptionAlgorithm,
    mac: MacAlgorithm,
) -> Result<Vec<u8>, PkiError> {
    let key = P12PrivateKey::from_der(key_der).map_err(|e| PkiError::new("PKCS#12 key", e))?;
    let certs = chain
        .iter()
        .map(|der| P12Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PkiError::new("PKCS#12 certificate", e))?;
    let mut local_key_id = [0u8; 20];
    aws_lc_rs::rand::fill(&mut local_key_id).map_err(|e| PkiError::new("random key id", e))?;
    let mut store = KeyStore::new();
    store.add_entry("virksomhet", KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(&local_key_id[..], key, certs)));
    store
        .writer(password)
        .encryption_algorithm(encryption)
        .encryption_iterations(KDF_ITERATIONS)
        .mac_algorithm(mac)
        .mac_iterations(KDF_ITERATIONS)
        .write()
        .map_err(|e| PkiError::new("writing PKCS#12", e))
}

fn encrypt_key(key_der: &[u8], password: &str) -> Result<String, PkiError> {
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).map_err(|e| PkiError::new("random salt", e))?;
    aws_lc_rs::rand::fill(&mut iv).map_err(|e| PkiError::new("random iv", e))?;
    let params = pkcs8::pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(KDF_ITERATIONS, &salt, iv)
        .map_err(|e| PkiError::new("PBES2 parameters", e))?;
    let info = pkcs8::PrivateKeyInfoRef::try_from(key_der).map_err(|e| PkiError::new("PKCS#8 key", e))?;
    let doc = info.encrypt_with_params(params, password).map_err(|e| PkiError::new("encrypting the key", e))?;
    doc.to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
        .map(|s| s.to_string())
        .map_err(|e| PkiError::new("encrypted key PEM", e))
}
