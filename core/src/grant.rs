//! The JWT grant (RFC 7523) Maskinporten exchanges for an access token.
//!
//! Header: `alg` RS256 and either `x5c` (leaf first, then the intermediates the certificate
//! file carries) or `kid`. Claims: `aud` (exactly Maskinporten's issuer), `iss`, `scope`,
//! `iat`, `exp` (≤ 120 s after `iat`), a fresh `jti`, and `resource`, `pid`, `consumer_org`
//! or `iss_onbehalfof` only when set. Nothing else: Maskinporten rejects unknown claims.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
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

/// Signs grants for one client identity; the key is parsed once.
pub(crate) struct GrantSigner {
    key: EncodingKey,
    x5c: Option<Vec<String>>,
    kid: Option<String>,
    issuer: String,
    audience: String,
}

impl GrantSigner {
    pub(crate) fn new(config: &Config, creds: &Credentials) -> Result<GrantSigner> {
        let b64 = base64::engine::general_purpose::STANDARD;
        let kid = config.key_id().map(str::to_string);
        let x5c =
            if kid.is_some() { None } else { Some(creds.chain.iter().map(|c| b64.encode(c)).collect::<Vec<_>>()) };
        if kid.is_none() && creds.chain.is_empty() {
            return Err(Error::config(Some("key_id".into()), "without a certificate the grant needs `key_id`"));
        }
        Ok(GrantSigner {
            key: EncodingKey::from_rsa_der(&creds.pkcs1),
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
        let mut header = Header::new(Algorithm::RS256);
        header.typ = None;
        header.x5c.clone_from(&self.x5c);
        header.kid.clone_from(&self.kid);
        let assertion = jsonwebtoken::encode(&header, &claims, &self.key).map_err(|e| {
            Error::cert(crate::error::CertificateProblem::UnsupportedKey, format!("signing the grant failed: {e}"))
        })?;
        let header_json = serde_json::to_value(&header).unwrap_or_default();
        let claims_json = serde_json::to_value(&claims).unwrap_or_default();
        Ok(Grant { header: header_json, claims: claims_json, assertion: Zeroizing::new(assertion) })
    }
}
