//! Discovery of Maskinporten's `issuer` (the grant's audience) and `token_endpoint` from its
//! authorization server metadata (RFC 8414), `<issuer>/.well-known/oauth-authorization-server`.
//!
//! Opt-in (`discovery = true`); the presets stay the default. The document is read before the
//! first token request, kept for [`MAX_AGE`] and then refreshed in the background while the
//! last good values stay in use. Until a document has been read (Maskinporten unreachable, a
//! bad answer) the configured values are used, and discovery is tried again after
//! [`RETRY_AFTER`]. The document's `issuer` must be the configured audience (RFC 8414 §3.3;
//! a trailing slash aside): it is taken only for its exact spelling, so a metadata answer can
//! never send grants to another audience.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use serde::Deserialize;
use url::Url;

use crate::config::Config;
use crate::error::{Error, Result, TransportProblem};

/// How long a discovered document is used before it is refreshed.
pub const MAX_AGE: Duration = Duration::from_secs(12 * 3600);
/// How long after a failed discovery the configured values are used before trying again.
pub const RETRY_AFTER: Duration = Duration::from_secs(60);
/// The metadata path under the issuer.
pub const METADATA_PATH: &str = ".well-known/oauth-authorization-server";

/// The values discovery yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The grant's `aud`: Maskinporten's `issuer`, spelt exactly as it says.
    pub audience: String,
    /// Where grants are posted.
    pub token_endpoint: Url,
}

struct Found {
    endpoints: Endpoints,
    at: Instant,
}

/// Discovery state of one client.
pub(crate) struct Discovery {
    metadata_url: Url,
    configured: Endpoints,
    found: ArcSwapOption<Found>,
    failed_at: ArcSwapOption<Instant>,
    refreshing: AtomicBool,
}

#[derive(Deserialize)]
struct Metadata {
    issuer: Option<serde_json::Value>,
    token_endpoint: Option<serde_json::Value>,
}

/// The metadata URL of an issuer.
pub fn metadata_url(issuer: &str) -> Result<Url> {
    let base = if issuer.ends_with('/') { issuer.to_string() } else { format!("{issuer}/") };
    crate::config::parse_url("audience", &base)?
        .join(METADATA_PATH)
        .map_err(|e| Error::config(Some("audience".into()), format!("no metadata URL under `{issuer}`: {e}")))
}

fn invalid(message: String) -> Error {
    Error::Transport { problem: TransportProblem::InvalidResponse, message, status: None }
}

/// Checks a metadata document against the configured issuer. Public so it can be fuzzed.
pub fn parse_metadata(configured_issuer: &str, body: &[u8]) -> Result<Endpoints> {
    let m: Metadata = serde_json::from_slice(body)
        .map_err(|_| invalid("Maskinporten's metadata is not a JSON object".to_string()))?;
    let text = |v: Option<serde_json::Value>, what: &str| match v {
        Some(serde_json::Value::String(s)) if !s.is_empty() && s.len() <= 2048 => Ok(s),
        _ => Err(invalid(format!("Maskinporten's metadata has no usable `{what}`"))),
    };
    let issuer = text(m.issuer, "issuer")?;
    let trim = |s: &str| s.trim_end_matches('/').to_string();
    if trim(&issuer) != trim(configured_issuer) {
        return Err(invalid(format!(
            "Maskinporten's metadata names the issuer `{issuer}`, not the configured `{configured_issuer}`: refused (RFC 8414 §3.3)"
        )));
    }
    let endpoint = text(m.token_endpoint, "token_endpoint")?;
    let token_endpoint = crate::config::parse_url("token_endpoint", &endpoint)
        .map_err(|e| invalid(format!("Maskinporten's metadata has an unusable `token_endpoint`: {e}")))?;
    Ok(Endpoints { audience: issuer, token_endpoint })
}

impl Discovery {
    /// The discovery of a configuration, `None` when `discovery` is off.
    pub(crate) fn new(config: &Config) -> Result<Option<Arc<Discovery>>> {
        if !config.discovery() {
            return Ok(None);
        }
        Ok(Some(Arc::new(Discovery {
            metadata_url: metadata_url(config.audience())?,
            configured: Endpoints {
                audience: config.audience().to_string(),
                token_endpoint: config.token_endpoint().clone(),
            },
            found: ArcSwapOption::empty(),
            failed_at: ArcSwapOption::empty(),
            refreshing: AtomicBool::new(false),
        })))
    }

    /// The values discovered, when a document has been read.
    pub(crate) fn discovered(&self) -> Option<Endpoints> {
        self.found.load().as_ref().map(|f| f.endpoints.clone())
    }

    /// The endpoints to use now: the discovered ones (refreshed in the background when older
    /// than [`MAX_AGE`]), else a fresh discovery, else the configured ones.
    pub(crate) async fn endpoints(self: &Arc<Self>, http: &reqwest::Client, timeout: Duration) -> Endpoints {
        if let Some(found) = self.found.load_full() {
            if crate::clock::since(found.at) >= MAX_AGE && !self.refreshing.swap(true, Ordering::AcqRel) {
                let (this, http) = (self.clone(), http.clone());
                tokio::spawn(async move {
                    let _ = this.refresh(&http, timeout).await;
                    this.refreshing.store(false, Ordering::Release);
                });
            }
            return found.endpoints.clone();
        }
        let recently_failed = self.failed_at.load().as_ref().is_some_and(|t| crate::clock::since(**t) < RETRY_AFTER);
        if !recently_failed && let Ok(e) = self.refresh(http, timeout).await {
            return e;
        }
        self.configured.clone()
    }

    /// Reads the document once; on success it replaces the last good values.
    async fn refresh(&self, http: &reqwest::Client, timeout: Duration) -> Result<Endpoints> {
        let result = self.fetch(http, timeout).await;
        match &result {
            Ok(e) => {
                if self.discovered().as_ref() != Some(e) {
                    tracing::info!(audience = %e.audience, token_endpoint = %e.token_endpoint, "discovered Maskinporten's endpoints");
                }
                self.found.store(Some(Arc::new(Found { endpoints: e.clone(), at: crate::clock::now() })));
                self.failed_at.store(None);
            }
            Err(err) => {
                tracing::warn!(url = %self.metadata_url, error = %err, "Maskinporten's metadata could not be read; using the last good or configured endpoints");
                self.failed_at.store(Some(Arc::new(crate::clock::now())));
            }
        }
        result
    }

    async fn fetch(&self, http: &reqwest::Client, timeout: Duration) -> Result<Endpoints> {
        let request = http.get(self.metadata_url.clone()).header(reqwest::header::ACCEPT, "application/json");
        let answer =
            crate::transport::exchange(request, timeout, "the metadata request", crate::transport::BodyCap::Token)
                .await
                .map_err(|(e, _)| e)?;
        if answer.status != 200 {
            return Err(Error::Transport {
                problem: TransportProblem::InvalidResponse,
                message: format!("Maskinporten's metadata answered HTTP {}", answer.status),
                status: Some(answer.status),
            });
        }
        parse_metadata(&self.configured.audience, &answer.body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_rules() {
        let ok = parse_metadata(
            "https://test.maskinporten.no/",
            br#"{"issuer":"https://test.maskinporten.no/","token_endpoint":"https://test.maskinporten.no/token"}"#,
        )
        .unwrap();
        assert_eq!(ok.audience, "https://test.maskinporten.no/");
        assert_eq!(ok.token_endpoint.as_str(), "https://test.maskinporten.no/token");
        // The exact spelling comes from the document.
        let slash = parse_metadata(
            "https://test.maskinporten.no",
            br#"{"issuer":"https://test.maskinporten.no/","token_endpoint":"https://test.maskinporten.no/token"}"#,
        )
        .unwrap();
        assert_eq!(slash.audience, "https://test.maskinporten.no/");
        for (body, expect) in [
            (
                &br#"{"issuer":"https://evil.example/","token_endpoint":"https://evil.example/token"}"#[..],
                "not the configured",
            ),
            (
                br#"{"issuer":"https://test.maskinporten.no/","token_endpoint":"http://test.maskinporten.no/token"}"#,
                "token_endpoint",
            ),
            (br#"{"issuer":"https://test.maskinporten.no/"}"#, "token_endpoint"),
            (br#"{"token_endpoint":"https://test.maskinporten.no/token"}"#, "issuer"),
            (b"<html>", "not a JSON"),
        ] {
            let e = parse_metadata("https://test.maskinporten.no/", body).unwrap_err();
            assert!(e.to_string().contains(expect), "{e}");
        }
        assert_eq!(
            metadata_url("https://test.maskinporten.no/").unwrap().as_str(),
            "https://test.maskinporten.no/.well-known/oauth-authorization-server"
        );
    }
}
