//! Maskinporten's token endpoint: the form POST, the answer, and its OAuth errors.
//!
//! The access token is opaque: its lifetime comes from `expires_in`, never from decoding it.
//! Every attempt carries a new grant (new `jti`); failures are retried by the one rule in
//! [`crate::retry`].

use std::fmt;
use std::time::{Duration, Instant, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::client::Inner;
use crate::error::{Error, ResponseHeaders, Result, TokenError, TransportProblem};
use crate::grant::TokenRequest;
use crate::retry::{Deadline, retryable};

/// The `grant_type` of a JWT bearer grant (RFC 7523).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An access token from Maskinporten (or a person token), with what the answer said about it.
/// `Debug` never shows the token.
#[derive(Clone)]
pub struct Token {
    access_token: SecretString,
    /// `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds, as Maskinporten stated it.
    pub expires_in: u64,
    /// The granted scopes, as Maskinporten stated them ("for convenience", not for access control).
    pub scope: Option<String>,
    /// When the answer arrived.
    pub received_at: SystemTime,
    pub(crate) received: Instant,
}

impl Token {
    pub(crate) fn new(access_token: String, token_type: String, expires_in: u64, scope: Option<String>) -> Token {
        Token {
            access_token: SecretString::from(access_token),
            token_type,
            expires_in,
            scope,
            received_at: SystemTime::now(),
            received: crate::clock::now(),
        }
    }

    /// The access token itself.
    pub fn access_token(&self) -> &str {
        self.access_token.expose_secret()
    }

    /// When the token expires.
    pub fn expires_at(&self) -> SystemTime {
        self.received_at + Duration::from_secs(self.expires_in)
    }

    /// Time until expiry (zero when expired).
    pub fn remaining(&self) -> Duration {
        Duration::from_secs(self.expires_in).saturating_sub(crate::clock::since(self.received))
    }

    /// A shortened form safe to print: the first 6 and last 4 characters.
    pub fn abbreviated(&self) -> String {
        let t = self.access_token();
        let n = t.chars().count();
        if n <= 16 {
            return "…".to_string();
        }
        let head: String = t.chars().take(6).collect();
        let tail: String = t.chars().skip(n - 4).collect();
        format!("{head}…{tail} ({n} chars)")
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .finish()
    }
}

#[derive(Deserialize)]
struct RawToken {
    access_token: Option<serde_json::Value>,
    token_type: Option<serde_json::Value>,
    expires_in: Option<serde_json::Value>,
    scope: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawOAuthError {
    error: Option<serde_json::Value>,
    error_description: Option<serde_json::Value>,
    error_uri: Option<serde_json::Value>,
}

fn invalid(status: u16, what: &str) -> Error {
    Error::Transport {
        problem: TransportProblem::InvalidResponse,
        message: format!("Maskinporten's answer (HTTP {status}) {what}"),
        status: Some(status),
    }
}

/// Parses a 2xx answer of the token endpoint. Public so it can be fuzzed.
pub fn parse_token_response(status: u16, body: &[u8]) -> Result<Token> {
    let raw: RawToken = serde_json::from_slice(body).map_err(|_| invalid(status, "is not a JSON token response"))?;
    let access_token = match raw.access_token {
        Some(serde_json::Value::String(s)) if !s.is_empty() && !s.chars().any(|c| c.is_control() || c == ' ') => s,
        _ => return Err(invalid(status, "has no usable `access_token`")),
    };
    let token_type = match raw.token_type {
        Some(serde_json::Value::String(s)) => s,
        None => "Bearer".to_string(),
        _ => return Err(invalid(status, "has a `token_type` that is not a string")),
    };
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(invalid(status, &format!("has token_type `{token_type}`, expected `Bearer`")));
    }
    let expires_in = match raw.expires_in {
        Some(serde_json::Value::Number(n)) => {
            n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0 && f.is_finite()).map(|f| f as u64))
        }
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|n| *n > 0 && *n < 10 * 365 * 86_400)
    .ok_or_else(|| invalid(status, "has no usable `expires_in`"))?;
    let scope = match raw.scope {
        Some(serde_json::Value::String(s)) => Some(s),
        _ => None,
    };
    Ok(Token::new(access_token, token_type, expires_in, scope))
}

/// Parses an OAuth error answer; `None` when the body is not one.
pub fn parse_oauth_error(status: u16, body: &[u8]) -> Option<TokenError> {
    let raw: RawOAuthError = serde_json::from_slice(body).ok()?;
    let text = |v: Option<serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    };
    let error = text(raw.error)?;
    let description = text(raw.error_description);
    let mp_code = description.as_deref().and_then(mp_code_of);
    Some(TokenError {
        status,
        error,
        description,
        error_uri: text(raw.error_uri),
        mp_code,
        headers: ResponseHeaders::default(),
    })
}

/// Finds `MP-<digits>` in a Maskinporten error description.
pub fn mp_code_of(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(pos) = text[i..].find("MP-") {
        let start = i + pos;
        let digits = bytes[start + 3..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits > 0 {
            return Some(text[start..start + 3 + digits].to_string());
        }
        i = start + 3;
    }
    None
}

/// A short, printable excerpt of a body that was not what we expected (control chars removed).
pub(crate) fn excerpt(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(&body[..body.len().min(160)]);
    let cleaned: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    if body.len() > 160 { format!("{cleaned}…") } else { cleaned }
}

impl Inner {
    /// Asks Maskinporten for a token, retrying transient failures (a token request is
    /// idempotent) within `retry_deadline_seconds`; a 4xx OAuth error is returned at once.
    pub(crate) async fn fetch_token(&self, request: &TokenRequest) -> Result<Token> {
        match &self.disk {
            // A token on disk must outlive the renewal margin, or every process would renew it.
            Some(disk) => {
                let min_remaining = self.config.refresh_ahead() + Duration::from_secs(10);
                let key = self.disk_key(request);
                disk.get_or_fetch(&key, min_remaining, self.config.timeout(), || self.fetch_from_maskinporten(request))
                    .await
            }
            None => self.fetch_from_maskinporten(request).await,
        }
    }

    /// Asks Maskinporten itself (see [`Inner::fetch_token`]).
    async fn fetch_from_maskinporten(&self, request: &TokenRequest) -> Result<Token> {
        let signer = self.signer()?;
        let policy = self.retry_policy();
        let deadline = Deadline::after(self.config.retry_deadline().max(self.config.timeout()));
        let (audience, endpoint) = match &self.discovery {
            Some(d) => {
                let e = d.endpoints(&self.http, deadline.attempt_timeout(self.config.timeout())).await;
                (e.audience, e.token_endpoint)
            }
            None => (self.config.audience().to_string(), self.config.token_endpoint().clone()),
        };
        let started = std::time::Instant::now();
        let mut attempt = 0u32;
        let mut skew_corrected = false;
        loop {
            let grant = signer.sign_async(request, self.skew.now(), &audience, self.config.timeout()).await?;
            self.token_requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::debug!(endpoint = %endpoint, key = %request.log_key(), attempt, "requesting a Maskinporten token");
            let (err, retry_after) = match self.exchange(&endpoint, grant.assertion(), &deadline).await {
                Ok(token) => {
                    self.tokens_received.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tracing::info!(
                        lifetime_s = token.expires_in,
                        key = %request.log_key(),
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "fetched a Maskinporten token"
                    );
                    return Ok(token);
                }
                Err(failure) => failure,
            };
            // A grant refused for its time claims, from a server whose clock differs: sign once
            // more with its time (see `crate::skew`), outside the retry budget.
            if !skew_corrected && matches!(&err, Error::Token(t) if t.is_time_refusal()) && self.skew.correct() {
                skew_corrected = true;
                continue;
            }
            attempt += 1;
            match policy.delay(attempt, &deadline, retry_after).filter(|_| retryable(&err, true)) {
                Some(delay) => {
                    tracing::info!(attempt, delay_ms = delay.as_millis() as u64, error = %err, "retrying the token request");
                    tokio::time::sleep(delay).await;
                }
                None => {
                    tracing::info!(attempts = attempt, key = %request.log_key(), error = %err, "the token request failed");
                    return Err(err);
                }
            }
        }
    }

    /// One POST to the token endpoint: the token, or the error and the server's `Retry-After`.
    async fn exchange(
        &self,
        endpoint: &url::Url,
        assertion: &str,
        deadline: &Deadline,
    ) -> std::result::Result<Token, (Error, Option<Duration>)> {
        let request = self
            .http
            .post(endpoint.clone())
            .form(&[("grant_type", GRANT_TYPE), ("assertion", assertion)])
            .header(reqwest::header::ACCEPT, "application/json");
        let answer = crate::transport::exchange(
            request,
            deadline.attempt_timeout(self.config.timeout()),
            "the token request",
            crate::transport::BodyCap::Token,
        )
        .await?;
        self.skew.observe(&answer.headers);
        let (status, retry_after, body) = (answer.status, answer.retry_after, answer.body);
        if (200..300).contains(&status) {
            if let Some(other) = not_json(&answer.headers) {
                return Err((
                    Error::Transport {
                        problem: TransportProblem::InvalidResponse,
                        message: format!(
                            "the token endpoint answered HTTP {status} with Content-Type `{other}`, not JSON: not Maskinporten's answer (a login page or a proxy in between?)"
                        ),
                        status: Some(status),
                    },
                    None,
                ));
            }
            return parse_token_response(status, &body).map_err(|e| (e, None));
        }
        let err = match parse_oauth_error(status, &body) {
            Some(mut t) => {
                t.headers = ResponseHeaders::of(&answer.headers);
                Error::Token(Box::new(t))
            }
            None => Error::Transport {
                problem: TransportProblem::InvalidResponse,
                message: format!(
                    "the token endpoint answered HTTP {status} without an OAuth error body: {}",
                    excerpt(&body)
                ),
                status: Some(status),
            },
        };
        Err((err, retry_after))
    }
}

/// The media type of a token answer when it is not JSON (`application/json` or `…+json`);
/// `None` when it is JSON or absent (a missing type is left to the body parser).
fn not_json(headers: &reqwest::header::HeaderMap) -> Option<String> {
    let value = headers.get(reqwest::header::CONTENT_TYPE)?;
    let essence = value.to_str().unwrap_or("?").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let json = essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"));
    (!json).then(|| essence.chars().take(100).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_success() {
        let t = parse_token_response(
            200,
            br#"{"access_token":"abc.def","token_type":"Bearer","expires_in":599,"scope":"ks:fiks"}"#,
        )
        .unwrap();
        assert_eq!(t.access_token(), "abc.def");
        assert_eq!(t.expires_in, 599);
        assert_eq!(t.scope.as_deref(), Some("ks:fiks"));
        assert!(!format!("{t:?}").contains("abc.def"));
    }

    #[test]
    fn rejects_unusable_success() {
        for body in [
            &b"<html>"[..],
            br#"{"token_type":"Bearer","expires_in":1}"#,
            br#"{"access_token":"a","expires_in":0}"#,
            br#"{"access_token":"a","token_type":"MAC","expires_in":5}"#,
            br#"{"access_token":"a b","expires_in":5}"#,
        ] {
            let e = parse_token_response(200, body).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Transport, "{e}");
        }
    }

    #[test]
    fn parses_oauth_errors_and_mp_codes() {
        let e = parse_oauth_error(400, br#"{"error":"invalid_grant","error_description":"MP-110 Invalid assertion. Client authentication failed. Invalid JWT claim aud"}"#).unwrap();
        assert_eq!(e.error, "invalid_grant");
        assert_eq!(e.mp_code.as_deref(), Some("MP-110"));
        assert_eq!(mp_code_of("Feil (MP-012): Grant is used before"), Some("MP-012".into()));
        assert_eq!(mp_code_of("MP-x MP-"), None);
        assert!(parse_oauth_error(400, b"<html>").is_none());
        assert!(parse_oauth_error(400, br#"{"message":"x"}"#).is_none());
    }
}
