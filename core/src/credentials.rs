//! The virksomhetssertifikat: loading PKCS#12 and PEM, checking it, and describing it.
//!
//! Every problem is found here, before any network call: an unreadable file, a wrong password,
//! a key that does not belong to the certificate, a certificate outside its validity window.

use std::fmt;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
use p12_keystore::{KeyStore, Pkcs12ImportPolicy};
use pkcs8::der::Decode;
use rustls_pki_types::pem::{PemObject, SectionKind};
use x509_parser::prelude::{FromDer, X509Certificate};
use zeroize::Zeroizing;

use crate::config::{CertificateSource, Config};
use crate::error::{CertificateProblem as P, Error, Result};

const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// A description of the loaded certificate, safe to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Subject distinguished name (RFC 4514 style).
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// The organisation number from `serialNumber` or `organizationIdentifier` (`NTRNO-…`).
    pub orgnr: Option<String>,
    /// Start of validity.
    pub not_before: SystemTime,
    /// End of validity.
    pub not_after: SystemTime,
    /// Certificates in the chain the file carries (leaf included).
    pub chain_len: usize,
    /// Whether the private key belongs to the certificate.
    pub key_matches: bool,
    /// Whether the certificate is self-signed (Maskinporten rejects those).
    pub self_signed: bool,
}

impl CertificateInfo {
    /// Whole days of validity left (negative when expired).
    pub fn days_left(&self) -> i64 {
        let now = unix(SystemTime::now());
        (unix(self.not_after) - now).div_euclid(86_400)
    }
    /// Whether `now` is inside the validity window.
    pub fn is_valid_now(&self) -> bool {
        let now = SystemTime::now();
        now >= self.not_before && now <= self.not_after
    }
}

/// Seconds since the epoch (negative before it).
pub(crate) fn unix(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// Formats a time as RFC 3339 UTC (`2026-11-25T09:28:54Z`).
pub fn format_time(t: SystemTime) -> String {
    let secs = unix(t);
    match time::OffsetDateTime::from_unix_timestamp(secs) {
        Ok(dt) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        ),
        Err(_) => format!("@{secs}"),
    }
}

/// What a key file said about the key itself: a JWK's `kid` and end of life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key's format: `jwk`.
    pub format: &'static str,
    /// The JWK's `kid`: sent as the grant's `kid` unless `key_id` is set.
    pub kid: Option<String>,
    /// When the key stops being accepted: the JWK's `exp` (keys registered at Maskinporten live
    /// one year). `None` when the file does not say.
    pub expires_at: Option<SystemTime>,
}

impl KeyInfo {
    /// Whole days left before `expires_at` (negative when passed), when known.
    pub fn days_left(&self) -> Option<i64> {
        self.expires_at.map(|t| (unix(t) - unix(SystemTime::now())).div_euclid(86_400))
    }
}

/// A loaded certificate chain and RSA key, ready to sign grants.
pub struct Credentials {
    /// DER certificates, leaf first, then intermediates (self-signed roots left out).
    pub(crate) chain: Vec<Vec<u8>>,
    /// PKCS#1 DER of the RSA private key (zeroized on drop); empty with an external signer.
    pub(crate) pkcs1: Zeroizing<Vec<u8>>,
    pub(crate) info: Option<CertificateInfo>,
    pub(crate) key_info: Option<KeyInfo>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("chain_len", &self.chain.len())
            .field("private_key", &"<redacted>")
            .field("info", &self.info)
            .field("key_info", &self.key_info)
            .finish()
    }
}

impl Credentials {
    /// Loads the credentials named by `config` and checks them strictly (key match, validity,
    /// self-signed under a `test`/`prod` preset). Logs a warning when fewer than 30 days remain.
    pub fn from_config(config: &Config) -> Result<Credentials> {
        let creds = Self::load(config)?;
        creds.check(config.environment().is_some())?;
        Ok(creds)
    }

    /// Loads without judging validity or key match, for `cert-info`-style inspection.
    /// Unreadable files, wrong passwords and non-certificates are still errors.
    pub fn load(config: &Config) -> Result<Credentials> {
        Self::load_parts(
            config.certificate(),
            config.private_key_source(),
            config.certificate_password.as_ref(),
            config.signer().is_some(),
        )
    }

    /// Loads from the three keys that name the credentials (see [`crate::ConfigBuilder::load_credentials`]).
    /// With `external_signer` only the certificate chain is read (PEM or DER, no key needed).
    pub(crate) fn load_parts(
        certificate: Option<&CertificateSource>,
        private_key: Option<&CertificateSource>,
        password: Option<&secrecy::SecretString>,
        external_signer: bool,
    ) -> Result<Credentials> {
        let password =
            Zeroizing::new(password.map(|p| secrecy::ExposeSecret::expose_secret(p).to_string()).unwrap_or_default());
        if external_signer {
            return Self::load_chain_only(certificate);
        }
        let mut key_info = None;
        let mut read_key = |source: &CertificateSource| -> Result<Zeroizing<Vec<u8>>> {
            let data = read_source(source, "private_key")?;
            if looks_like_json(&data) {
                let (pkcs8, info) = crate::jwk::private_key(&data, &describe_source(source, "private_key"))?;
                key_info = Some(info);
                return Ok(pkcs8);
            }
            parse_pem_key(&data, &password, &describe_source(source, "private_key"))
        };
        let (chain, key_pkcs8) = match certificate {
            Some(CertificateSource::Pkcs12Bytes(bytes)) => load_pkcs12(bytes, &password)?,
            Some(source) => {
                let data = read_source(source, "certificate")?;
                if looks_like_pem(&data) {
                    let (chain, embedded_key) = parse_pem_certs(&data, &password)?;
                    let key = match private_key {
                        Some(kp) => read_key(kp)?,
                        None => embedded_key.ok_or_else(|| {
                            Error::cert(
                                P::Missing,
                                format!(
                                    "{} holds certificates but no private key: set `private_key` to the PEM key (a file or its text)",
                                    describe_source(source, "certificate")
                                ),
                            )
                        })?,
                    };
                    (chain, key)
                } else {
                    if private_key.is_some() {
                        tracing::warn!("`private_key` is ignored: the PKCS#12 certificate file carries its own key");
                    }
                    load_pkcs12(&data, &password)?
                }
            }
            None => {
                let kp =
                    private_key.ok_or_else(|| Error::cert(P::Missing, "no certificate or private key configured"))?;
                (Vec::new(), read_key(kp)?)
            }
        };
        let mut pkcs1 = pkcs8_to_pkcs1(&key_pkcs8)?;
        let key_pair = match RsaKeyPair::from_der(&pkcs1) {
            Ok(k) => k,
            Err(_) => {
                // Some exporters (Mono's X509Certificate2.Export among them) write integers with
                // a redundant leading zero; aws-lc wants strict DER. Re-encode and try again.
                pkcs1 = minimal_pkcs1(&pkcs1)
                    .ok_or_else(|| Error::cert(P::UnsupportedKey, "the private key is not a usable RSA key"))?;
                RsaKeyPair::from_der(&pkcs1)
                    .map_err(|_| Error::cert(P::UnsupportedKey, "the private key is not a usable RSA key"))?
            }
        };
        let info = match chain.first() {
            Some(leaf) => Some(describe(leaf, chain.len(), Some(key_pair.public_key().as_ref()))?),
            None => None,
        };
        Ok(Credentials { chain: without_roots(chain), pkcs1, info, key_info })
    }

    /// The certificate chain alone (PEM or DER), for an external signer; no chain with `kid`.
    fn load_chain_only(certificate: Option<&CertificateSource>) -> Result<Credentials> {
        let chain = match certificate {
            None => Vec::new(),
            Some(CertificateSource::Pkcs12Bytes(_)) => {
                return Err(Error::cert(
                    P::NotACertificate,
                    "an external signer needs the certificate chain as PEM or DER, not a PKCS#12 file",
                ));
            }
            Some(source) => {
                let data = read_source(source, "certificate")?;
                if looks_like_pem(&data) {
                    if has_key_block(&data) {
                        tracing::warn!(
                            "the certificate file also holds a private key; it is not used: the external signer signs"
                        );
                    }
                    pem_certificates(&data)?
                } else if X509Certificate::from_der(&data).is_ok() {
                    vec![data.to_vec()]
                } else {
                    return Err(Error::cert(
                        P::NotACertificate,
                        format!(
                            "{} is neither a PEM certificate chain nor a DER certificate (an external signer needs the chain without its key)",
                            describe_source(source, "certificate")
                        ),
                    ));
                }
            }
        };
        let info = match chain.first() {
            Some(leaf) => Some(describe(leaf, chain.len(), None)?),
            None => None,
        };
        Ok(Credentials { chain: without_roots(chain), pkcs1: Zeroizing::new(Vec::new()), info, key_info: None })
    }

    /// The leaf certificate's RSA public key (PKCS#1 DER), when there is a certificate.
    pub(crate) fn leaf_public_key(&self) -> Option<Vec<u8>> {
        let (_, cert) = X509Certificate::from_der(self.chain.first()?).ok()?;
        Some(cert.public_key().subject_public_key.data.to_vec())
    }

    /// What the key file said about the key (a JWK's `kid` and `exp`), when it said anything.
    pub fn key_info(&self) -> Option<&KeyInfo> {
        self.key_info.as_ref()
    }

    /// The description of the leaf certificate (None when only a key was given).
    pub fn info(&self) -> Option<&CertificateInfo> {
        self.info.as_ref()
    }

    /// DER certificates sent in `x5c` (leaf first).
    pub fn chain_der(&self) -> &[Vec<u8>] {
        &self.chain
    }

    /// Checks key match, the validity window, and (under a preset) self-signedness; and a
    /// JWK key's end of life.
    pub fn check(&self, preset: bool) -> Result<()> {
        if let Some(k) = &self.key_info {
            check_key_life(k)?;
        }
        let Some(info) = &self.info else {
            return Ok(());
        };
        if !info.key_matches {
            return Err(Error::cert(
                P::KeyMismatch,
                format!("the private key does not belong to the certificate `{}`", info.subject),
            ));
        }
        let now = SystemTime::now();
        if now > info.not_after {
            return Err(Error::cert(
                P::Expired,
                format!("the certificate `{}` expired {}", info.subject, format_time(info.not_after)),
            ));
        }
        if now < info.not_before {
            return Err(Error::cert(
                P::NotYetValid,
                format!("the certificate `{}` is not valid before {}", info.subject, format_time(info.not_before)),
            ));
        }
        if preset && info.self_signed {
            return Err(Error::cert(
                P::SelfSigned,
                format!(
                    "the certificate `{}` is self-signed: Maskinporten rejects self-signed certificates; use a virksomhetssertifikat from Buypass or Commfides",
                    info.subject
                ),
            ));
        }
        if info.not_after.duration_since(now).unwrap_or_default() < Duration::from_secs(30 * 86_400) {
            tracing::warn!(
                subject = %info.subject,
                not_after = %format_time(info.not_after),
                days_left = info.days_left(),
                "the virksomhetssertifikat expires in less than 30 days: order a new one"
            );
        }
        Ok(())
    }
}

/// The bytes of a certificate or key source. The message names a file only by a path that is
/// plausibly one: a value that is content (PEM text) is never echoed.
fn read_source(source: &CertificateSource, key: &'static str) -> Result<Zeroizing<Vec<u8>>> {
    match source {
        CertificateSource::File(path) => std::fs::read(path).map(Zeroizing::new).map_err(|e| {
            Error::cert_for(key, P::Unreadable, format!("cannot read {}: {e}", describe_source(source, key)))
        }),
        CertificateSource::Pkcs12Bytes(b) | CertificateSource::Pem(b) => Ok(Zeroizing::new(b.to_vec())),
    }
}

/// How a message names a source: "`key` file PATH", or "`key` (given as content)".
fn describe_source(source: &CertificateSource, key: &str) -> String {
    match source {
        CertificateSource::File(path) => {
            let shown = path.to_string_lossy();
            if crate::config::load::quotable_path(&shown) {
                format!("`{key}` file {shown}")
            } else {
                format!("`{key}` (a file name that looks like key material; it is not shown)")
            }
        }
        _ => format!("`{key}` (given as content)"),
    }
}

/// A key registered at Maskinporten lives one year: refuse a key past its `exp`, warn 30 days
/// before.
fn check_key_life(k: &KeyInfo) -> Result<()> {
    let Some(expires_at) = k.expires_at else { return Ok(()) };
    let kid = k.kid.as_deref().unwrap_or("?");
    if SystemTime::now() > expires_at {
        return Err(Error::cert_for(
            "private_key",
            P::Expired,
            format!(
                "the key `{kid}` expired {} (its JWK `exp`): register a new key at Maskinporten",
                format_time(expires_at)
            ),
        ));
    }
    if k.days_left().unwrap_or(i64::MAX) < 30 {
        tracing::warn!(
            kid,
            expires_at = %format_time(expires_at),
            days_left = k.days_left(),
            "the key registered at Maskinporten expires in less than 30 days: register a new one"
        );
    }
    Ok(())
}

/// Leaves self-signed roots out of `x5c`: Maskinporten needs leaf + intermediates.
fn without_roots(chain: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    if chain.len() <= 1 {
        return chain;
    }
    chain.into_iter().enumerate().filter(|(i, c)| *i == 0 || !is_self_signed(c)).map(|(_, c)| c).collect()
}

/// Whether key material is JSON (a JWK) rather than PEM.
fn looks_like_json(data: &[u8]) -> bool {
    data.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// The certificates of a PEM file, ignoring any key block.
fn pem_certificates(data: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut certs = Vec::new();
    for section in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(data) {
        let Ok((kind, der)) = section else { continue };
        if kind == SectionKind::Certificate {
            certs.push(der);
        }
    }
    if certs.is_empty() {
        return Err(Error::cert(P::NotACertificate, "the PEM file holds no CERTIFICATE block"));
    }
    Ok(certs)
}

/// The PKCS#8 DER of the private key in PEM text (PKCS#8 or PKCS#1, not encrypted).
pub(crate) fn pem_private_key_pkcs8(data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    parse_pem_key(data, "", "the PEM text")
}

fn looks_like_pem(data: &[u8]) -> bool {
    let head = &data[..data.len().min(4096)];
    head.windows(11).any(|w| w == b"-----BEGIN ")
}

/// DER certificates (leaf first) and the PKCS#8 DER key.
type ChainAndKey = (Vec<Vec<u8>>, Zeroizing<Vec<u8>>);

fn load_pkcs12(data: &[u8], password: &str) -> Result<ChainAndKey> {
    let store = KeyStore::from_pkcs12(data, password, Pkcs12ImportPolicy::Strict).map_err(|e| {
        use p12_keystore::error::Error as E;
        match e {
            E::MacError(_) | E::UnpadError | E::Pkcs5Error(_) => Error::cert(
                P::WrongPassword,
                "the PKCS#12 file cannot be opened with this password (`certificate_password`)",
            ),
            _ => {
                Error::cert(P::NotACertificate, format!("the file is neither a PKCS#12 (.p12/.pfx) file nor PEM ({e})"))
            }
        }
    })?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| Error::cert(P::Missing, "the PKCS#12 file holds no private key with its certificate"))?;
    let certs: Vec<Vec<u8>> = chain.certs().iter().map(|c| c.as_der().to_vec()).collect();
    if certs.is_empty() {
        return Err(Error::cert(P::Missing, "the PKCS#12 file holds no certificate for its key"));
    }
    Ok((certs, Zeroizing::new(chain.key().as_der().to_vec())))
}

/// Certificates of a PEM file, and the private key if the file carries one too.
#[allow(clippy::type_complexity)]
fn parse_pem_certs(data: &[u8], password: &str) -> Result<(Vec<Vec<u8>>, Option<Zeroizing<Vec<u8>>>)> {
    // (a PEM file may carry the key too)
    let mut certs = Vec::new();
    for section in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(data) {
        let (kind, der) =
            section.map_err(|e| Error::cert(P::NotACertificate, format!("the PEM file is malformed: {e}")))?;
        if kind == SectionKind::Certificate {
            certs.push(der);
        }
    }
    if certs.is_empty() {
        return Err(Error::cert(P::NotACertificate, "the PEM file holds no CERTIFICATE block"));
    }
    let key = if has_key_block(data) { Some(pem_key_to_pkcs8(data, password)?) } else { None };
    Ok((certs, key))
}

fn has_key_block(data: &[u8]) -> bool {
    let marker = b"PRIVATE KEY-----";
    data.windows(marker.len()).any(|w| w == marker)
}

fn parse_pem_key(data: &[u8], password: &str, what: &str) -> Result<Zeroizing<Vec<u8>>> {
    if !looks_like_pem(data) || !has_key_block(data) {
        return Err(Error::cert(P::NotACertificate, format!("{what} holds no PEM private key")));
    }
    pem_key_to_pkcs8(data, password)
}

/// PKCS#8 DER of the first private key in PEM text: PKCS#8, encrypted PKCS#8 or PKCS#1.
fn pem_key_to_pkcs8(data: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>> {
    let legacy = b"Proc-Type: 4,ENCRYPTED";
    if data.windows(legacy.len()).any(|w| w == legacy) {
        return Err(Error::cert(
            P::UnsupportedKey,
            "the key uses legacy OpenSSL PEM encryption: convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc -in old.pem -out key.pem`",
        ));
    }
    if let Some(block) = find_block(data, "ENCRYPTED PRIVATE KEY") {
        let (_, der) = pkcs8::der::pem::decode_vec(block)
            .map_err(|_| Error::cert(P::NotACertificate, "the ENCRYPTED PRIVATE KEY block is malformed"))?;
        let der = Zeroizing::new(der);
        let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&der)
            .map_err(|_| Error::cert(P::NotACertificate, "the ENCRYPTED PRIVATE KEY block is not PKCS#8"))?;
        if password.is_empty() {
            return Err(Error::cert(P::WrongPassword, "the private key is encrypted: set `certificate_password`"));
        }
        let doc = info.decrypt(password).map_err(|_| {
            Error::cert(
                P::WrongPassword,
                "the encrypted private key cannot be opened with this password (`certificate_password`)",
            )
        })?;
        return Ok(Zeroizing::new(doc.as_bytes().to_vec()));
    }
    for section in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(data) {
        let Ok((kind, der)) = section else { continue };
        let der = Zeroizing::new(der);
        match kind {
            SectionKind::PrivateKey => return Ok(der),
            SectionKind::RsaPrivateKey => return Ok(Zeroizing::new(pkcs1_to_pkcs8(&der))),
            SectionKind::EcPrivateKey => {
                return Err(Error::cert(
                    P::UnsupportedKey,
                    "the key is an EC key: Maskinporten grants need an RSA key (RS256)",
                ));
            }
            _ => {}
        }
    }
    Err(Error::cert(
        P::NotACertificate,
        "no readable private key block (PRIVATE KEY, RSA PRIVATE KEY or ENCRYPTED PRIVATE KEY)",
    ))
}

fn find_block<'a>(data: &'a [u8], label: &str) -> Option<&'a [u8]> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = data.windows(begin.len()).position(|w| w == begin.as_bytes())?;
    let rest = &data[start..];
    let stop = rest.windows(end.len()).position(|w| w == end.as_bytes())?;
    Some(&rest[..stop + end.len()])
}

/// Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo.
pub(crate) fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Vec<u8> {
    use pkcs8::der::Encode;
    let alg = pkcs8::spki::AlgorithmIdentifierRef {
        oid: pkcs8::ObjectIdentifier::new_unwrap(OID_RSA_ENCRYPTION),
        parameters: Some(pkcs8::der::asn1::AnyRef::NULL),
    };
    match pkcs8::der::asn1::OctetStringRef::new(pkcs1) {
        Ok(key) => pkcs8::PrivateKeyInfoRef::new(alg, key).to_der().unwrap_or_default(),
        Err(_) => Vec::new(),
    }
}

/// Extracts the PKCS#1 RSAPrivateKey from PKCS#8, refusing non-RSA keys.
fn pkcs8_to_pkcs1(pkcs8_der: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(pkcs8_der)
        .map_err(|_| Error::cert(P::NotACertificate, "the private key is not valid PKCS#8/PKCS#1"))?;
    if info.algorithm.oid.to_string() != OID_RSA_ENCRYPTION {
        return Err(Error::cert(
            P::UnsupportedKey,
            format!(
                "the private key is not RSA (algorithm {}): Maskinporten grants are signed RS256",
                info.algorithm.oid
            ),
        ));
    }
    Ok(Zeroizing::new(info.private_key.as_bytes().to_vec()))
}

/// Re-encodes a PKCS#1 RSAPrivateKey (a SEQUENCE of INTEGERs) with minimal integer
/// encodings, as strict DER requires. `None` when the input is not such a SEQUENCE.
fn minimal_pkcs1(der: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    use crate::der::push_len;
    /// Splits one DER TLV off `input`: (tag, content, rest).
    fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            (rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b)), &rest[n..])
        };
        (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
    }
    let (tag, mut body, rest) = tlv(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let mut content = Zeroizing::new(Vec::with_capacity(der.len()));
    while !body.is_empty() {
        let (tag, mut int, rest) = tlv(body)?;
        if tag != 0x02 || int.is_empty() {
            return None;
        }
        while int.len() > 1 && int[0] == 0 && int[1] < 0x80 {
            int = &int[1..];
        }
        content.push(0x02);
        push_len(&mut content, int.len());
        content.extend_from_slice(int);
        body = rest;
    }
    let mut out = Zeroizing::new(Vec::with_capacity(content.len() + 4));
    out.push(0x30);
    push_len(&mut out, content.len());
    out.extend_from_slice(&content);
    Some(out)
}

fn is_self_signed(der: &[u8]) -> bool {
    X509Certificate::from_der(der)
        .map(|(_, c)| c.subject().as_raw() == c.issuer().as_raw() && c.verify_signature(None).is_ok())
        .unwrap_or(false)
}

/// Describes the leaf. `public_key_pkcs1` is the private key's public half, to compare; `None`
/// with an external signer (its signatures are verified with the certificate's key instead).
fn describe(leaf: &[u8], chain_len: usize, public_key_pkcs1: Option<&[u8]>) -> Result<CertificateInfo> {
    let (_, cert) = X509Certificate::from_der(leaf)
        .map_err(|e| Error::cert(P::NotACertificate, format!("the certificate cannot be parsed: {e}")))?;
    let orgnr = orgnr_of(&cert);
    let key_matches = public_key_pkcs1.is_none_or(|k| cert.public_key().subject_public_key.data.as_ref() == k);
    let to_time = |t: i64| UNIX_EPOCH + Duration::from_secs(t.max(0) as u64);
    Ok(CertificateInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial: cert.raw_serial_as_string().replace(':', ""),
        orgnr,
        not_before: to_time(cert.validity().not_before.timestamp()),
        not_after: to_time(cert.validity().not_after.timestamp()),
        chain_len,
        key_matches,
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw() && cert.verify_signature(None).is_ok(),
    })
}

/// The organisation number: `serialNumber` (9 digits, Buypass/Commfides) or
/// `organizationIdentifier` `NTRNO-<orgnr>` (eIDAS style).
fn orgnr_of(cert: &X509Certificate<'_>) -> Option<String> {
    let nine = |s: &str| s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit());
    for attr in cert.subject().iter_attributes() {
        let oid = attr.attr_type().to_id_string();
        let Ok(value) = attr.as_str() else { continue };
        match oid.as_str() {
            "2.5.4.5" if nine(value) => return Some(value.to_string()),
            "2.5.4.97" => {
                if let Some(n) = value.strip_prefix("NTRNO-").filter(|n| nine(n)) {
                    return Some(n.to_string());
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkcs1_roundtrip_through_pkcs8() {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let _ = rng;
        let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let pkcs8 = aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&kp).unwrap();
        let pkcs1 = pkcs8_to_pkcs1(pkcs8.as_ref()).unwrap();
        let back = pkcs1_to_pkcs8(&pkcs1);
        assert_eq!(*pkcs8_to_pkcs1(&back).unwrap(), *pkcs1);
        RsaKeyPair::from_der(&pkcs1).unwrap();
    }

    #[test]
    fn non_minimal_integers_are_re_encoded() {
        let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let pkcs8 = aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&kp).unwrap();
        let strict = pkcs8_to_pkcs1(pkcs8.as_ref()).unwrap();
        // Pad the first INTEGER (version 0) to two bytes, as Mono does with small values.
        let mut sloppy = strict[..4].to_vec();
        sloppy.extend_from_slice(&[0x02, 0x02, 0x00, 0x00]);
        sloppy.extend_from_slice(&strict[7..]);
        let body_len = sloppy.len() - 4;
        sloppy[2..4].copy_from_slice(&(body_len as u16).to_be_bytes());
        assert!(RsaKeyPair::from_der(&sloppy).is_err());
        assert_eq!(*minimal_pkcs1(&sloppy).unwrap(), *strict);
        assert!(minimal_pkcs1(b"\x30\x03\x04\x01\x00").is_none());
    }

    #[test]
    fn format_time_is_rfc3339() {
        assert_eq!(format_time(UNIX_EPOCH + Duration::from_secs(1_764_063_000)), "2025-11-25T09:30:00Z");
    }
}
