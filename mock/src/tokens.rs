//! The access tokens the mock has issued, the grant ids (`jti`) it has seen, and the ID-porten
//! person tokens its Fiks side accepts.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

/// How long an expired token is remembered, so the Fiks side can say "expired", not "unknown".
const REMEMBER_EXPIRED: Duration = Duration::from_secs(3600);

/// What an issued access token carries, for the Fiks side to check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct IssuedToken {
    #[serde(skip)]
    pub expires_at: Instant,
    pub scopes: Vec<String>,
    pub resource: Option<Vec<String>>,
    pub pid: Option<String>,
    pub consumer_org: Option<String>,
    pub iss_onbehalfof: Option<String>,
    /// The grant's `authorization_details` (RFC 9396) as accepted, when it had them.
    pub authorization_details: Option<serde_json::Value>,
}

/// Issued access tokens by value.
#[derive(Debug, Default)]
pub(crate) struct TokenStore {
    tokens: HashMap<String, IssuedToken>,
}

impl TokenStore {
    /// A fresh opaque access token (not a JWT): `mock-at-` and 43 random base64url characters.
    pub(crate) fn new_token_value() -> String {
        let mut bytes = [0u8; 32];
        if aws_lc_rs::rand::fill(&mut bytes).is_err() {
            // The system RNG does not fail on supported platforms; fall back to a uuid.
            return format!("mock-at-{}", uuid::Uuid::new_v4().simple());
        }
        format!("mock-at-{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    pub(crate) fn insert(&mut self, value: String, token: IssuedToken) {
        if self.tokens.len() % 256 == 255 {
            let now = Instant::now();
            self.tokens.retain(|_, t| t.expires_at + REMEMBER_EXPIRED > now);
        }
        self.tokens.insert(value, token);
    }

    pub(crate) fn get(&self, value: &str) -> Option<&IssuedToken> {
        self.tokens.get(value)
    }

    pub(crate) fn clear(&mut self) {
        self.tokens.clear();
    }
}

/// The ID-porten person tokens the Fiks side accepts instead of a Maskinporten token.
#[derive(Debug, Default)]
pub(crate) struct PersonTokens {
    tokens: HashSet<String>,
}

impl PersonTokens {
    /// The tokens of the options: `person_token` and `person_tokens`.
    pub(crate) fn new<'a>(tokens: impl IntoIterator<Item = &'a String>) -> PersonTokens {
        PersonTokens { tokens: tokens.into_iter().cloned().collect() }
    }

    pub(crate) fn insert(&mut self, token: &str) {
        self.tokens.insert(token.to_string());
    }

    pub(crate) fn contains(&self, token: &str) -> bool {
        self.tokens.contains(token)
    }

    /// Every accepted person token, sorted.
    pub(crate) fn all(&self) -> Vec<String> {
        let mut all: Vec<String> = self.tokens.iter().cloned().collect();
        all.sort();
        all
    }
}

/// Checks a person token before it is registered: one a client can send as
/// `Authorization: Bearer <token>` (printable ASCII without spaces, not empty).
pub(crate) fn check_person_token(token: &str) -> Result<(), String> {
    if token.is_empty() {
        return Err("a person token is empty".to_string());
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("a person token must be printable ASCII without spaces (it is sent as 'Bearer <token>')".into());
    }
    Ok(())
}

/// Grant ids seen, each remembered until its grant would have expired anyway.
#[derive(Debug, Default)]
pub(crate) struct JtiLedger {
    seen: HashMap<String, i64>,
}

impl JtiLedger {
    /// Records `jti` (valid until `exp`, epoch seconds); false when it was seen before.
    pub(crate) fn first_use(&mut self, jti: &str, exp: i64, now: i64) -> bool {
        if self.seen.len() % 256 == 255 {
            self.seen.retain(|_, until| *until + 60 > now);
        }
        match self.seen.get(jti) {
            Some(_) => false,
            None => {
                self.seen.insert(jti.to_string(), exp);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_opaque_and_long() {
        let t = TokenStore::new_token_value();
        assert!(t.len() >= 40 && !t.contains('.'), "{t}");
        assert_ne!(t, TokenStore::new_token_value());
    }

    #[test]
    fn person_tokens() {
        let mut p = PersonTokens::new(&["a".to_string()]);
        p.insert("b");
        assert!(p.contains("a") && p.contains("b") && !p.contains("c"));
        assert_eq!(p.all(), ["a", "b"]);
        assert!(check_person_token("").is_err());
        assert!(check_person_token("two words").is_err());
        assert_eq!(check_person_token("eyJ.abc-_~+/="), Ok(()));
    }

    #[test]
    fn jti_once() {
        let mut l = JtiLedger::default();
        assert!(l.first_use("a", 100, 0));
        assert!(!l.first_use("a", 100, 0));
        assert!(l.first_use("b", 100, 0));
    }
}
