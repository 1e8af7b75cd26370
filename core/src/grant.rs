//! The JWT grant (RFC 7523) Maskinporten exchanges for an access token.
//!
//! Header: `alg` RS256 and either `x5c` (leaf first, then the intermediates the certificate
//! file carries) or `kid`. Claims: `aud` (exactly Maskinporten's issuer), `iss`, `scope`,
//! `iat`, `exp` (≤ 120 s after `iat`), a fresh `jti`, and `resource`, `pid`, `consumer_org`
//! or `iss_onbehalfof` only when set. Nothing else: Maskinporten rejects unknown claims.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256, RsaKeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::authorization_details::AuthorizationDetails;
use crate::config::Config;
use crate::credentials::Credentials;
use crate::error::{CertificateProblem, Error, Result};
use crate::signer::Signer;

/// Lifetime of a grant: `exp - iat`. Maskinporten allows at most 120 s.
pub const GRANT_LIFETIME_SECS: u64 = 100;

/// What shapes a token: everything that goes into the grant besides the client's identity.
/// Tokens are cached per `TokenRequest`.
///
/// ```
/// use fiks_integrasjon::TokenRequest;
/// let r = TokenRequest::scopes(["ks:fiks"]).with_consumer_org("910000001");
/// assert_eq!(r.scope_string(), "ks:fiks");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct TokenRequest {
    /// Scopes (sent space-separated).
    pub scopes: Vec<String>,
    /// Audience restriction (`resource` claim, a JSON array).
    pub resource: Vec<String>,
    /// End-user restriction (`pid`).
    pub pid: Option<String>,
    /// Delegation (`consumer_org`).
    pub consumer_org: Option<String>,
    /// Supplier sub-client (`iss_onbehalfof`).
    pub on_behalf_of: Option<String>,
    /// Rich authorization request (`authorization_details`): Altinn systembruker or samtykke.
    pub authorization_details: Option<AuthorizationDetails>,
}

impl TokenRequest {
    /// A request for these scopes and nothing else.
    pub fn scopes<I, S>(scopes: I) -> TokenRequest
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        TokenRequest { scopes: scopes.into_iter().map(Into::into).collect(), ..Default::default() }
    }

    /// The request a config describes (its scopes, resource, pid, consumer_org, on_behalf_of).
    pub fn from_config(config: &Config) -> TokenRequest {
        TokenRequest {
            scopes: config.scopes.clone(),
            resource: config.resource.clone(),
            pid: config.pid.clone(),
            consumer_org: config.consumer_org.clone(),
            on_behalf_of: config.on_behalf_of.clone(),
            authorization_details: config.authorization_details.clone(),
        }
    }

    /// With a `resource` claim.
    pub fn with_resource(mut self, resource: impl Into<String>) -> Self {
        self.resource.push(resource.into());
        self
    }
    /// With a `pid` claim.
    pub fn with_pid(mut self, pid: impl Into<String>) -> Self {
        self.pid = Some(pid.into());
        self
    }
    /// With a `consumer_org` claim.
    pub fn with_consumer_org(mut self, orgnr: impl Into<String>) -> Self {
        self.consumer_org = Some(orgnr.into());
        self
    }
    /// With an `iss_onbehalfof` claim.
    pub fn with_on_behalf_of(mut self, value: impl Into<String>) -> Self {
        self.on_behalf_of = Some(value.into());
        self
    }

    /// With `authorization_details` (systembruker or samtykke).
    pub fn with_authorization_details(mut self, details: AuthorizationDetails) -> Self {
        self.authorization_details = Some(details);
        self
    }

    /// The names [`TokenRequest::set`] takes: what a binding's per-call token options are.
    pub const OPTIONS: &'static [&'static str] =
        &["scopes", "resource", "consumer_org", "pid", "on_behalf_of", "authorization_details"];

    /// Sets one option from text, checked as the configuration key of the same name is
    /// (`scopes`/`resource` space-separated, `consumer_org` 9 digits, `pid` 11 digits,
    /// `authorization_details` JSON); an empty value clears it. The one place bindings turn
    /// their per-call token arguments into a request.
    ///
    /// ```
    /// let mut r = fiks_integrasjon::TokenRequest::scopes(["ks:fiks"]);
    /// r.set("consumer_org", "910000001").unwrap();
    /// assert_eq!(r.consumer_org.as_deref(), Some("910000001"));
    /// assert!(r.set("pid", "123").is_err());
    /// assert!(r.set("scope", "x").unwrap_err().to_string().contains("scopes"));
    /// ```
    pub fn set(&mut self, option: &str, value: &str) -> Result<()> {
        let v = value.trim();
        let opt = |v: &str| (!v.is_empty()).then(|| v.to_string());
        match option {
            "scopes" => self.scopes = v.split_whitespace().map(str::to_string).collect(),
            "resource" => self.resource = v.split_whitespace().map(str::to_string).collect(),
            "consumer_org" => {
                crate::config::check_value("consumer_org", v)?;
                self.consumer_org = opt(v);
            }
            "pid" => {
                crate::config::check_value("pid", v)?;
                self.pid = opt(v);
            }
            "on_behalf_of" => self.on_behalf_of = opt(v),
            "authorization_details" => {
                self.authorization_details = if v.is_empty() { None } else { Some(AuthorizationDetails::parse(v)?) }
            }
            other => {
                return Err(Error::usage(format!(
                    "`{other}` is not a token option: the options are {}",
                    Self::OPTIONS.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The scopes as the grant's space-separated `scope`.
    pub fn scope_string(&self) -> String {
        self.scopes.join(" ")
    }

    /// The request as logs show it: scopes and claims, with `pid` masked to its last two
    /// digits (a fødselsnummer is personal data). Holds no secret.
    ///
    /// ```
    /// let mut r = fiks_integrasjon::TokenRequest::scopes(["ks:fiks"]);
    /// r.pid = Some("01017012345".into());
    /// assert_eq!(r.log_key(), "scope=ks:fiks pid=*********45");
    /// ```
    pub fn log_key(&self) -> String {
        let mut s = format!("scope={}", self.scopes.join(" "));
        if !self.resource.is_empty() {
            s.push_str(&format!(" resource={}", self.resource.join(",")));
        }
        if let Some(o) = &self.consumer_org {
            s.push_str(&format!(" consumer_org={o}"));
        }
        if let Some(o) = &self.on_behalf_of {
            s.push_str(&format!(" on_behalf_of={o}"));
        }
        if let Some(d) = &self.authorization_details {
            s.push_str(&format!(" authorization_details={}", d.log_form()));
        }
        if let Some(p) = &self.pid {
            let n = p.chars().count();
            let tail: String = p.chars().skip(n.saturating_sub(2)).collect();
            s.push_str(&format!(" pid={}{tail}", "*".repeat(n.saturating_sub(2))));
        }
        s
    }

    /// Checks the request the way config validation does.
    pub fn validate(&self) -> Result<()> {
        if self.scopes.is_empty()
            || self.scopes.iter().any(|s| s.trim().is_empty() || s.chars().any(char::is_whitespace))
        {
            return Err(Error::config(Some("scopes".into()), "give at least one scope, each without spaces"));
        }
        if self.consumer_org.is_some() && self.on_behalf_of.is_some() {
            return Err(Error::config(
                Some("consumer_org".into()),
                "`consumer_org` and `on_behalf_of` cannot be used together",
            ));
        }
        Ok(())
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iss: &'a str,
    scope: String,
    iat: u64,
    exp: u64,
    jti: String,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    resource: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    consumer_org: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss_onbehalfof: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authorization_details: Option<serde_json::Value>,
}

/// A signed grant, with its header and claims for display. The assertion itself is only
/// reachable through [`Grant::assertion`] and is not shown by `Debug`.
pub struct Grant {
    /// The JOSE header as JSON.
    pub header: serde_json::Value,
    /// The claims as JSON.
    pub claims: serde_json::Value,
    assertion: Zeroizing<String>,
}

impl Grant {
    /// The compact JWS to send as `assertion`.
    pub fn assertion(&self) -> &str {
        &self.assertion
    }
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .field("assertion", &"<signed, redacted>")
            .finish()
    }
}

/// The JOSE header of a grant: RS256 with `x5c` or `kid`, nothing else.
#[derive(Serialize)]
struct JoseHeader<'a> {
    alg: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    x5c: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
}

/// Who produces the signature: the library with a key it holds, or the caller's [`Signer`].
enum KeyHolder {
    Local {
        key: RsaKeyPair,
        rng: SystemRandom,
    },
    /// An external signer, and the leaf certificate's RSA public key (PKCS#1) its signatures
    /// are verified with until one verifies, when a certificate was given.
    External {
        signer: Arc<dyn Signer>,
        verify_with: Option<Arc<Check>>,
    },
}

/// A grant built and ready to be signed: the JSON parts and the signing input.
struct Unsigned {
    header: Vec<u8>,
    claims: Vec<u8>,
    assertion: String,
}

/// Signs grants for one client identity.
///
/// The RSA key is parsed and checked once, here. (A JWT crate's `encode` re-parses and
/// re-validates the key on every signature, which costs more than the signature itself; the
/// compact JWS form is just `b64(header).b64(claims).b64(RS256 signature)`, signed with the same
/// aws-lc backend rustls uses.)
pub(crate) struct GrantSigner {
    holder: KeyHolder,
    x5c: Option<Vec<String>>,
    kid: Option<String>,
    issuer: String,
}

impl GrantSigner {
    pub(crate) fn new(config: &Config, creds: &Credentials) -> Result<GrantSigner> {
        let kid = config.key_id().or(creds.key_info().and_then(|k| k.kid.as_deref())).map(str::to_string);
        let x5c = if kid.is_some() { None } else { Some(creds.chain.iter().map(|c| STANDARD.encode(c)).collect()) };
        if kid.is_none() && creds.chain.is_empty() {
            return Err(Error::config(
                Some("key_id".into()),
                "without a certificate the grant needs `key_id` (or a JWK key with `kid`): Maskinporten must know the key",
            ));
        }
        let holder = match config.signer() {
            Some(signer) => {
                if signer.algorithm() != "RS256" {
                    return Err(Error::cert(
                        CertificateProblem::Signer,
                        format!(
                            "the signer's algorithm is `{}`: Maskinporten grants are signed RS256",
                            signer.algorithm()
                        ),
                    ));
                }
                KeyHolder::External {
                    signer: signer.clone(),
                    verify_with: creds
                        .leaf_public_key()
                        .map(|public| Arc::new(Check { public, passed: AtomicBool::new(false) })),
                }
            }
            None => {
                let key = RsaKeyPair::from_der(&creds.pkcs1).map_err(|_| {
                    Error::cert(CertificateProblem::UnsupportedKey, "the private key is not a usable RSA key")
                })?;
                KeyHolder::Local { key, rng: SystemRandom::new() }
            }
        };
        Ok(GrantSigner { holder, x5c, kid, issuer: config.issuer().unwrap_or_default().to_string() })
    }

    /// The `kid` the grants carry (`key_id`, else a JWK's), when they carry one instead of `x5c`.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Builds the header and claims of a grant for `request` with `aud` = `audience`, issued
    /// at `now`, with a fresh `jti`.
    fn prepare(&self, request: &TokenRequest, now: SystemTime, audience: &str) -> Result<Unsigned> {
        request.validate()?;
        let iat = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let claims = Claims {
            aud: audience,
            iss: &self.issuer,
            scope: request.scope_string(),
            iat,
            exp: iat + GRANT_LIFETIME_SECS,
            jti: uuid::Uuid::new_v4().to_string(),
            resource: &request.resource,
            pid: request.pid.as_deref(),
            consumer_org: request.consumer_org.as_deref(),
            iss_onbehalfof: request.on_behalf_of.as_deref(),
            authorization_details: request.authorization_details.as_ref().map(AuthorizationDetails::to_value),
        };
        let header = JoseHeader { alg: "RS256", x5c: self.x5c.as_deref(), kid: self.kid.as_deref() };
        let header = serde_json::to_vec(&header).map_err(sign_error)?;
        let claims = serde_json::to_vec(&claims).map_err(sign_error)?;
        let mut assertion = String::with_capacity(4 * (header.len() + claims.len()) / 3 + 400);
        URL_SAFE_NO_PAD.encode_string(&header, &mut assertion);
        assertion.push('.');
        URL_SAFE_NO_PAD.encode_string(&claims, &mut assertion);
        Ok(Unsigned { header, claims, assertion })
    }

    /// Builds and signs a grant for `request`, issued at `now`, with a fresh `jti`. An external
    /// signer is called on this thread.
    pub(crate) fn sign(&self, request: &TokenRequest, now: SystemTime, audience: &str) -> Result<Grant> {
        let unsigned = self.prepare(request, now, audience)?;
        let signature = match &self.holder {
            KeyHolder::Local { key, rng } => {
                let mut signature = vec![0u8; key.public_modulus_len()];
                key.sign(&RSA_PKCS1_SHA256, rng, unsigned.assertion.as_bytes(), &mut signature).map_err(sign_error)?;
                signature
            }
            KeyHolder::External { signer, verify_with } => {
                external_signature(signer.as_ref(), verify_with.as_deref(), unsigned.assertion.as_bytes())?
            }
        };
        Ok(finish(unsigned, &signature))
    }

    /// Like [`GrantSigner::sign`], but an external signer runs on a blocking thread of the
    /// current runtime and may take at most `timeout`.
    pub(crate) async fn sign_async(
        &self,
        request: &TokenRequest,
        now: SystemTime,
        audience: &str,
        timeout: Duration,
    ) -> Result<Grant> {
        let KeyHolder::External { signer, verify_with } = &self.holder else {
            return self.sign(request, now, audience);
        };
        let unsigned = self.prepare(request, now, audience)?;
        let (signer, verify_with, input) = (signer.clone(), verify_with.clone(), unsigned.assertion.clone());
        let job = tokio::task::spawn_blocking(move || {
            external_signature(signer.as_ref(), verify_with.as_deref(), input.as_bytes())
        });
        let signature = match tokio::time::timeout(timeout, job).await {
            Ok(Ok(result)) => result?,
            Ok(Err(_)) => return Err(Error::cert(CertificateProblem::Signer, "the external signer panicked")),
            Err(_) => {
                return Err(Error::cert(
                    CertificateProblem::Signer,
                    format!(
                        "the external signer gave no signature within {} s (`timeout_seconds`)",
                        timeout.as_secs_f64()
                    ),
                ));
            }
        };
        Ok(finish(unsigned, &signature))
    }
}

/// Calls an external signer and checks its signature with the certificate's public key.
/// The certificate's public key an external signer's signatures are checked with, until one
/// verifies: that proves the signer holds the certificate's key (Maskinporten checks every
/// signature itself, MP-124), and spares later grants the ~30 µs of a verification.
pub(crate) struct Check {
    public: Vec<u8>,
    passed: AtomicBool,
}

fn external_signature(signer: &dyn Signer, verify_with: Option<&Check>, input: &[u8]) -> Result<Vec<u8>> {
    let signature = signer
        .sign(input)
        .map_err(|e| Error::cert(CertificateProblem::Signer, format!("the external signer failed: {e}")))?;
    if signature.is_empty() {
        return Err(Error::cert(CertificateProblem::Signer, "the external signer returned an empty signature"));
    }
    if let Some(check) = verify_with.filter(|c| !c.passed.load(Ordering::Relaxed)) {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &check.public).verify(input, &signature).map_err(|_| {
            Error::cert(
                CertificateProblem::Signer,
                "the external signer's signature does not verify with the certificate's public key: the signer holds another key, or does not sign RSASSA-PKCS1-v1_5 SHA-256",
            )
        })?;
        check.passed.store(true, Ordering::Relaxed);
    }
    Ok(signature)
}

/// The compact JWS of a signed grant.
fn finish(unsigned: Unsigned, signature: &[u8]) -> Grant {
    let Unsigned { header, claims, mut assertion } = unsigned;
    assertion.push('.');
    URL_SAFE_NO_PAD.encode_string(signature, &mut assertion);
    Grant {
        header: serde_json::from_slice(&header).unwrap_or_default(),
        claims: serde_json::from_slice(&claims).unwrap_or_default(),
        assertion: Zeroizing::new(assertion),
    }
}

fn sign_error(e: impl std::fmt::Display) -> Error {
    Error::cert(CertificateProblem::UnsupportedKey, format!("signing the grant failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::KeyPair;

    #[test]
    fn compact_jws_verifies_with_the_public_key() {
        let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let pkcs8 = aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&kp).unwrap();
        let key = RsaKeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let public = key.public_key().as_ref().to_vec();
        let signer = GrantSigner {
            holder: KeyHolder::Local { key, rng: SystemRandom::new() },
            x5c: Some(vec!["AAAA".into()]),
            kid: None,
            issuer: "klient".into(),
        };
        let g = signer
            .sign(
                &TokenRequest::scopes(["ks:fiks"]),
                UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000),
                "https://test.maskinporten.no/",
            )
            .unwrap();
        let parts: Vec<&str> = g.assertion().split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header, serde_json::json!({"alg": "RS256", "x5c": ["AAAA"]}));
        let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), GRANT_LIFETIME_SECS);
        assert_eq!(claims, g.claims);
        let signed = format!("{}.{}", parts[0], parts[1]);
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &public)
            .verify(signed.as_bytes(), &URL_SAFE_NO_PAD.decode(parts[2]).unwrap())
            .unwrap();
    }
}
