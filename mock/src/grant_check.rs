//! Verifies a Maskinporten JWT grant the way Maskinporten does, with the mock's own code
//! (nothing shared with the client): syntax, header, certificate chain or registered key,
//! signature, then every claim. Each failure is the OAuth error Maskinporten answers.

use std::collections::BTreeSet;
use std::time::Duration;

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rustls_pki_types::{CertificateDer, UnixTime};
use serde_json::{Map, Value};

use crate::authorization_details;

/// The claims Maskinporten accepts in a grant; anything else is refused.
pub(crate) const ALLOWED_CLAIMS: &[&str] = &[
    "aud",
    "iss",
    "scope",
    "iat",
    "exp",
    "jti",
    "resource",
    "pid",
    "consumer_org",
    "iss_onbehalfof",
    "authorization_details",
];
/// The JOSE header parameters the mock accepts.
const ALLOWED_HEADER: &[&str] = &["alg", "x5c", "kid", "typ"];
/// How far `iat` may be from the mock's clock.
pub(crate) const MAX_SKEW_SECS: i64 = 10;
/// The longest grant Maskinporten accepts (`exp - iat`).
pub(crate) const MAX_GRANT_LIFETIME_SECS: i64 = 120;

/// A refusal in Maskinporten's words: HTTP status, OAuth `error`, `error_description`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MpError {
    pub status: u16,
    pub error: &'static str,
    pub description: String,
}

impl MpError {
    pub(crate) fn new(error: &'static str, description: impl Into<String>) -> Self {
        Self { status: 400, error, description: description.into() }
    }
}

fn invalid_request(d: impl Into<String>) -> MpError {
    MpError::new("invalid_request", d)
}
fn invalid_grant(d: impl Into<String>) -> MpError {
    MpError::new("invalid_grant", d)
}
fn invalid_client(d: impl Into<String>) -> MpError {
    MpError::new("invalid_client", d)
}

const MP_011: &str = "MP-011 Invalid assertion. Invalid parameter value";
const MP_100: &str = "MP-100 Invalid assertion. Client authentication failed.";
const MP_120: &str =
    "MP-120 Invalid assertion. Client authentication failed. The JWT is signed with an invalid certificate.";
const MP_123: &str = "MP-123 Invalid JWT header x5c";
const MP_124: &str = "MP-124 Invalid JWT signature";

/// What the mock trusts: its CA and intermediate, the one registered key, and the
/// certificates registered for the client.
#[derive(Clone, Debug)]
pub(crate) struct Trust {
    pub ca_der: Vec<u8>,
    pub intermediate_der: Vec<u8>,
    pub kid: String,
    /// The registered key: an RSAPublicKey (PKCS#1) DER.
    pub kid_public_key: Vec<u8>,
    /// Certificates (DER) registered for the client: a leaf without a Norwegian orgnr (an EU
    /// eSeal) is accepted only when it is one of these, since there is no orgnr to compare.
    pub registered_certs: Vec<Vec<u8>>,
}

/// What a grant is checked against.
pub(crate) struct Policy<'a> {
    pub audience: &'a str,
    pub issuer: &'a str,
    pub client_orgnr: &'a str,
    pub allowed_scopes: &'a [String],
    pub trust: &'a Trust,
    /// The mock's clock, seconds since the epoch.
    pub now: i64,
}

/// A grant that passed every check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Accepted {
    pub scopes: Vec<String>,
    pub resource: Option<Vec<String>>,
    pub pid: Option<String>,
    pub consumer_org: Option<String>,
    pub iss_onbehalfof: Option<String>,
    /// The `authorization_details` claim as sent (RFC 9396), when it was.
    pub authorization_details: Option<Value>,
    pub jti: Option<String>,
    pub exp: i64,
}

/// The decoded parts of a grant, kept for the counters even when it is refused later.
#[derive(Clone, Debug, Default)]
pub(crate) struct Decoded {
    pub header: Option<Value>,
    pub claims: Option<Value>,
}

fn decode_json_part(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    match serde_json::from_slice::<Value>(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

/// A compact JWS taken apart.
struct Parts<'a> {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    signing_input: &'a str,
    signature: Vec<u8>,
}

/// Splits and decodes a compact JWS: header, claims, signing input, signature.
fn split(assertion: &str) -> Result<Parts<'_>, MpError> {
    let mut parts = assertion.split('.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(invalid_request(MP_011));
    };
    if h.is_empty() || c.is_empty() || s.is_empty() {
        return Err(invalid_request(MP_011));
    }
    let header = decode_json_part(h).ok_or_else(|| invalid_request(MP_011))?;
    let claims = decode_json_part(c).ok_or_else(|| invalid_request(MP_011))?;
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| invalid_request(MP_011))?;
    let signing_input = &assertion[..h.len() + 1 + c.len()];
    Ok(Parts { header, claims, signing_input, signature })
}

fn rsa_algorithm(alg: &str) -> Option<&'static dyn VerificationAlgorithm> {
    match alg {
        "RS256" => Some(&signature::RSA_PKCS1_2048_8192_SHA256),
        "RS384" => Some(&signature::RSA_PKCS1_2048_8192_SHA384),
        "RS512" => Some(&signature::RSA_PKCS1_2048_8192_SHA512),
        _ => None,
    }
}

/// Checks a grant. `decoded` receives the header and claims as soon as they parse.
pub(crate) fn check(assertion: &str, policy: &Policy<'_>, decoded: &mut Decoded) -> Result<Accepted, MpError> {
    let Parts { header, claims, signing_input, signature: sig } = split(assertion)?;
    decoded.header = Some(Value::Object(header.clone()));
    decoded.claims = Some(Value::Object(claims.clone()));

    // --- header ---
    if let Some(name) = header.keys().find(|k| !ALLOWED_HEADER.contains(&k.as_str())) {
        return Err(invalid_request(format!("Invalid assertion. Unsupported JWT header parameter '{name}'")));
    }
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    let algorithm = rsa_algorithm(alg).ok_or_else(|| {
        invalid_request(format!("Invalid assertion. Unsupported JWT algorithm '{alg}' (use RS256, RS384 or RS512)"))
    })?;
    if let Some(typ) = header.get("typ")
        && !typ.as_str().is_some_and(|t| t.eq_ignore_ascii_case("JWT"))
    {
        return Err(invalid_request("Invalid assertion. JWT header 'typ' must be \"JWT\""));
    }
    let x5c = match header.get("x5c") {
        None => None,
        Some(v) => Some(parse_x5c(v)?),
    };
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(k)) => Some(k.as_str()),
        Some(_) => return Err(invalid_request("Invalid assertion. JWT header 'kid' must be a string")),
    };

    // --- key: certificate chain or registered key ---
    let (public_key, cert_orgnr) = match (x5c, kid) {
        (Some(_), Some(_)) => {
            return Err(invalid_request("Invalid assertion. Use either 'x5c' or 'kid' in the JWT header, not both"));
        }
        (None, None) => return Err(invalid_client(MP_100)),
        (None, Some(kid)) => {
            if kid != policy.trust.kid {
                return Err(invalid_client(format!("{MP_100} Unknown key id (kid)")));
            }
            (policy.trust.kid_public_key.clone(), None)
        }
        (Some((leaf, rest)), None) => {
            verify_chain(&leaf, &rest, policy.trust, policy.now)?;
            let (key, orgnr) = leaf_key_and_orgnr(&leaf).ok_or_else(|| invalid_grant(MP_120))?;
            // A certificate without an orgnr (an EU eSeal) is the client's only when it is
            // registered for it; then, as with a registered key, there is nothing to compare.
            let registered = orgnr.is_none() && policy.trust.registered_certs.contains(&leaf);
            (key, if registered { None } else { Some(orgnr) })
        }
    };

    // --- signature ---
    UnparsedPublicKey::new(algorithm, &public_key)
        .verify(signing_input.as_bytes(), &sig)
        .map_err(|_| invalid_grant(MP_124))?;

    // --- claims ---
    check_claims(&claims, policy, cert_orgnr.as_ref().map(Option::as_deref))
}

/// `x5c` as the leaf and the certificates after it, each DER; it must be a non-empty array of
/// base64 strings.
fn parse_x5c(v: &Value) -> Result<(Vec<u8>, Vec<Vec<u8>>), MpError> {
    let Value::Array(items) = v else {
        return Err(invalid_request(MP_123));
    };
    let mut ders = items
        .iter()
        .map(|item| item.as_str().and_then(|s| STANDARD.decode(s).ok()).ok_or_else(|| invalid_request(MP_123)))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter();
    let leaf = ders.next().ok_or_else(|| invalid_request(MP_123))?;
    Ok((leaf, ders.collect()))
}

/// The leaf (first) must chain to the mock CA through `x5c[1..]`, or through the mock's own
/// intermediate when only the leaf is sent, be valid at `now` (the mock's clock, seconds since
/// the epoch) and allow client authentication.
fn verify_chain(leaf: &[u8], rest: &[Vec<u8>], trust: &Trust, now: i64) -> Result<(), MpError> {
    let ca = CertificateDer::from(trust.ca_der.as_slice());
    let anchor = webpki::anchor_from_trusted_cert(&ca).map_err(|_| invalid_grant(MP_120))?;
    let leaf = CertificateDer::from(leaf);
    let ee = webpki::EndEntityCert::try_from(&leaf).map_err(|_| invalid_grant(MP_120))?;
    let intermediates: Vec<CertificateDer<'_>> = if rest.is_empty() {
        vec![CertificateDer::from(trust.intermediate_der.as_slice())]
    } else {
        rest.iter().map(|d| CertificateDer::from(d.as_slice())).collect()
    };
    let algs = &[
        webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
        webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA384,
        webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA512,
        webpki::aws_lc_rs::ECDSA_P256_SHA256,
        webpki::aws_lc_rs::ECDSA_P384_SHA384,
    ];
    let at = UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(now).unwrap_or(0)));
    ee.verify_for_usage(algs, &[anchor], &intermediates, at, webpki::KeyUsage::client_auth(), None, None)
        .map(|_| ())
        .map_err(|e| invalid_grant(format!("{MP_120} ({e:?})")))
}

/// The leaf's RSA public key (PKCS#1 DER) and its orgnr, from `serialNumber` (2.5.4.5) or
/// `organizationIdentifier` (2.5.4.97, `NTRNO-<orgnr>`).
fn leaf_key_and_orgnr(der: &[u8]) -> Option<(Vec<u8>, Option<String>)> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let key = cert.public_key().subject_public_key.data.to_vec();
    Some((key, orgnr_of(&cert)))
}

/// The orgnr in a certificate's subject, if it carries one.
pub(crate) fn orgnr_of(cert: &x509_parser::certificate::X509Certificate<'_>) -> Option<String> {
    let mut serial = None;
    let mut org_id = None;
    for attr in cert.subject().iter_attributes() {
        let oid = attr.attr_type().to_id_string();
        let Ok(value) = attr.as_str() else { continue };
        match oid.as_str() {
            "2.5.4.5" => serial = Some(value.to_string()),
            "2.5.4.97" => {
                org_id = value.strip_prefix("NTRNO-").map(str::to_string);
            }
            _ => {}
        }
    }
    serial.filter(|s| is_digits(s, 9)).or(org_id.filter(|s| is_digits(s, 9)))
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn int_claim(claims: &Map<String, Value>, name: &str) -> Result<i64, MpError> {
    claims.get(name).and_then(Value::as_i64).ok_or_else(|| {
        invalid_request(format!(
            "Invalid assertion. Claim '{name}' is missing or not an integer (seconds since the epoch)"
        ))
    })
}

fn opt_string<'c>(claims: &'c Map<String, Value>, name: &str) -> Result<Option<&'c str>, MpError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
        Some(_) => Err(invalid_request(format!("Invalid assertion. Claim '{name}' must be a non-empty string"))),
    }
}

fn check_claims(
    claims: &Map<String, Value>,
    policy: &Policy<'_>,
    cert_orgnr: Option<Option<&str>>,
) -> Result<Accepted, MpError> {
    if let Some(name) = claims.keys().find(|k| !ALLOWED_CLAIMS.contains(&k.as_str())) {
        return Err(invalid_request(format!("Invalid assertion. Claim '{name}' is not supported")));
    }
    if claims.get("aud").and_then(Value::as_str) != Some(policy.audience) {
        return Err(invalid_grant("MP-110 Invalid assertion. Client authentication failed. Invalid JWT claim aud"));
    }
    if claims.get("iss").and_then(Value::as_str) != Some(policy.issuer) {
        return Err(invalid_client(format!("{MP_100} Client not found")));
    }
    // With x5c the certificate's orgnr must be the client's; a registered key or a registered
    // certificate (an eSeal without orgnr) is the client's own.
    if let Some(found) = cert_orgnr
        && found != Some(policy.client_orgnr)
    {
        return Err(invalid_client("MP-122 Invalid organization number for client. Does not match certificate orgno"));
    }

    let iat = int_claim(claims, "iat")?;
    let exp = int_claim(claims, "exp")?;
    let now = policy.now;
    if exp <= now {
        return Err(invalid_grant("MP-130 JWT is expired"));
    }
    if iat > now + MAX_SKEW_SECS {
        return Err(invalid_grant("Invalid assertion. Issue time is after now"));
    }
    if iat < now - MAX_SKEW_SECS {
        return Err(invalid_grant(format!(
            "Invalid assertion. Issue time is too old (iat is more than {MAX_SKEW_SECS} seconds before now)"
        )));
    }
    if exp - iat > MAX_GRANT_LIFETIME_SECS {
        return Err(invalid_grant(format!("Invalid assertion. exp - iat exceeds {MAX_GRANT_LIFETIME_SECS} seconds")));
    }

    let jti = opt_string(claims, "jti")?.map(str::to_string);
    let scopes = check_scope(claims.get("scope"), policy.allowed_scopes)?;

    let resource = match claims.get("resource") {
        None => None,
        Some(Value::Array(items)) if !items.is_empty() => Some(
            items
                .iter()
                .map(|v| v.as_str().filter(|s| !s.is_empty()).map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(resource_error)?,
        ),
        Some(_) => return Err(resource_error()),
    };
    let pid = opt_string(claims, "pid")?;
    if let Some(pid) = pid
        && !is_digits(pid, 11)
    {
        return Err(invalid_request(
            "Invalid assertion. Claim 'pid' must be an 11-digit personal identification number",
        ));
    }
    let consumer_org = opt_string(claims, "consumer_org")?;
    if let Some(org) = consumer_org {
        if !is_digits(org, 9) {
            return Err(invalid_request(
                "Invalid assertion. Claim 'consumer_org' must be a 9-digit organization number",
            ));
        }
        if org == policy.client_orgnr {
            return Err(invalid_request(
                "Validation of JWT claim failed: The combination consumer_org in claim and delegation scope on client is invalid",
            ));
        }
    }
    let iss_onbehalfof = opt_string(claims, "iss_onbehalfof")?;
    if consumer_org.is_some() && iss_onbehalfof.is_some() {
        return Err(invalid_request(
            "Invalid assertion. Claims 'consumer_org' and 'iss_onbehalfof' cannot be used together",
        ));
    }
    let authorization_details = claims.get("authorization_details").map(authorization_details::check).transpose()?;
    Ok(Accepted {
        scopes,
        resource,
        pid: pid.map(str::to_string),
        consumer_org: consumer_org.map(str::to_string),
        iss_onbehalfof: iss_onbehalfof.map(str::to_string),
        authorization_details,
        jti,
        exp,
    })
}

fn resource_error() -> MpError {
    invalid_request(
        "Invalid assertion. Claim 'resource' must be a JSON array of strings (currently only array supported)",
    )
}

fn check_scope(scope: Option<&Value>, allowed: &[String]) -> Result<Vec<String>, MpError> {
    let Some(Value::String(scope)) = scope else {
        return Err(invalid_request("Invalid assertion. Claim 'scope' is missing or not a string"));
    };
    let scopes: Vec<&str> = scope.split(' ').collect();
    let mp_200 = || MpError::new("invalid_scope", "MP-200 Token request contains invalid scopes for client");
    if scope.is_empty() || scopes.iter().any(|s| s.is_empty()) {
        return Err(mp_200());
    }
    if scopes.iter().any(|s| !allowed.iter().any(|a| a == s)) {
        return Err(mp_200());
    }
    // Keep the order, drop repeats.
    let mut seen = BTreeSet::new();
    Ok(scopes.into_iter().filter(|s| seen.insert(*s)).map(str::to_string).collect())
}
