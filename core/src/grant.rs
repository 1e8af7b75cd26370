//! The JWT grant (RFC 7523) Maskinporten exchanges for an access token.
//!
//! Header: `alg` RS256 and either `x5c` (leaf first, then the intermediates the certificate
//! file carries) or `kid`. Claims: `aud` (exactly Maskinporten's issuer), `iss`, `scope`,
//! `iat`, `exp` (≤ 120 s after `iat`), a fresh `jti`, and `resource`, `pid`, `consumer_org`
//! or `iss_onbehalfof` only when set. Nothing else: Maskinporten rejects unknown claims.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::config::Config;
use crate::credentials::Credentials;
use crate::error::{Error, Result};

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

/// Signs grants for one client identity.
///
/// The RSA key is parsed and checked once, here. (A JWT crate's `encode` re-parses and
/// re-validates the key on every signature, which costs more than the signature itself; the
/// compact JWS form is just `b64(header).b64(claims).b64(RS256 signature)`, signed with the same
/// aws-lc backend rustls uses.)
pub(crate) struct GrantSigner {
    key: RsaKeyPair,
    rng: SystemRandom,
    x5c: Option<Vec<String>>,
    kid: Option<String>,
    issuer: String,
    audience: String,
}

impl GrantSigner {
    pub(crate) fn new(config: &Config, creds: &Credentials) -> Result<GrantSigner> {
        let kid = config.key_id().map(str::to_string);
        let x5c = if kid.is_some() { None } else { Some(creds.chain.iter().map(|c| STANDARD.encode(c)).collect()) };
        if kid.is_none() && creds.chain.is_empty() {
            return Err(Error::config(Some("key_id".into()), "without a certificate the grant needs `key_id`"));
        }
        let key = RsaKeyPair::from_der(&creds.pkcs1).map_err(|_| {
            Error::cert(crate::error::CertificateProblem::UnsupportedKey, "the private key is not a usable RSA key")
        })?;
        Ok(GrantSigner {
            key,
            rng: SystemRandom::new(),
            x5c,
            kid,
            issuer: config.issuer().unwrap_or_default().to_string(),
            audience: config.audience().to_string(),
        })
    }

    /// Builds and signs a grant for `request`, issued at `now`, with a fresh `jti`.
    pub(crate) fn sign(&self, request: &TokenRequest, now: SystemTime) -> Result<Grant> {
        request.validate()?;
        let iat = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let claims = Claims {
            aud: &self.audience,
            iss: &self.issuer,
            scope: request.scope_string(),
            iat,
            exp: iat + GRANT_LIFETIME_SECS,
            jti: uuid::Uuid::new_v4().to_string(),
            resource: &request.resource,
            pid: request.pid.as_deref(),
            consumer_org: request.consumer_org.as_deref(),
            iss_onbehalfof: request.on_behalf_of.as_deref(),
        };
        let header = JoseHeader { alg: "RS256", x5c: self.x5c.as_deref(), kid: self.kid.as_deref() };
        let header_json = serde_json::to_vec(&header).map_err(sign_error)?;
        let claims_json = serde_json::to_vec(&claims).map_err(sign_error)?;
        let mut assertion = String::with_capacity(4 * (header_json.len() + claims_json.len()) / 3 + 400);
        URL_SAFE_NO_PAD.encode_string(&header_json, &mut assertion);
        assertion.push('.');
        URL_SAFE_NO_PAD.encode_string(&claims_json, &mut assertion);
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        self.key.sign(&RSA_PKCS1_SHA256, &self.rng, assertion.as_bytes(), &mut signature).map_err(sign_error)?;
        assertion.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut assertion);
        let header_json = serde_json::from_slice(&header_json).unwrap_or_default();
        let claims_json = serde_json::from_slice(&claims_json).unwrap_or_default();
        Ok(Grant { header: header_json, claims: claims_json, assertion: Zeroizing::new(assertion) })
    }
}

fn sign_error(e: impl std::fmt::Display) -> Error {
    Error::cert(crate::error::CertificateProblem::UnsupportedKey, format!("signing the grant failed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

    #[test]
    fn compact_jws_verifies_with_the_public_key() {
        let kp = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
        let pkcs8 = aws_lc_rs::encoding::AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&kp).unwrap();
        let key = RsaKeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let public = key.public_key().as_ref().to_vec();
        let signer = GrantSigner {
            key,
            rng: SystemRandom::new(),
            x5c: Some(vec!["AAAA".into()]),
            kid: None,
            issuer: "klient".into(),
            audience: "https://test.maskinporten.no/".into(),
        };
        let g = signer
            .sign(&TokenRequest::scopes(["ks:fiks"]), UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000))
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
