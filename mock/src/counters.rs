//! What the mock has seen: request counts, rejections and the last grant, for assertions.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One refused token request, as Maskinporten answered it.
///
/// ```
/// let r = fiks_integrasjon_mock::Rejection {
///     error: "invalid_grant".into(),
///     description: "MP-124 Invalid JWT signature".into(),
///     status: 400,
/// };
/// assert!(r.description.starts_with("MP-124"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The OAuth error code (`invalid_grant`, `invalid_request`, ...).
    pub error: String,
    /// The `error_description` text, usually with an MP code.
    pub description: String,
    /// The HTTP status of the answer.
    pub status: u16,
}

/// A snapshot of the mock's counters (see [`crate::MockServer::counters`]).
///
/// ```
/// let c = fiks_integrasjon_mock::Counters::default();
/// assert_eq!(c.tokens_issued, 0);
/// assert_eq!(c.token_mismatches, 0);
/// assert!(c.requests_by_service.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Counters {
    /// Every request that reached the token endpoint, `/token` or the token path the metadata
    /// names (faulted ones included).
    pub token_requests: u64,
    /// Access tokens handed out.
    pub tokens_issued: u64,
    /// Every refused token request, in order.
    pub token_rejections: Vec<Rejection>,
    /// Accepted grants that carried no `jti` (Maskinporten only recommends it).
    pub grants_without_jti: u64,
    /// Token requests answered by an injected fault instead of normally.
    pub token_faults: u64,
    /// Every request that reached the authorization server metadata,
    /// `/.well-known/oauth-authorization-server` (faulted ones included).
    pub metadata_requests: u64,
    /// Metadata requests answered by an injected fault instead of normally.
    pub metadata_faults: u64,
    /// Every Fiks API request, under `/fiks` and on the SvarUt host under `/svarut` (faulted
    /// ones included).
    pub fiks_requests: u64,
    /// [`Counters::fiks_requests`] by service: `fiks` (the main port) and `svarut`.
    pub requests_by_service: BTreeMap<String, u64>,
    /// Fiks API requests that passed authentication, by the `IntegrasjonId` they carried.
    pub requests_by_integrasjon: BTreeMap<String, u64>,
    /// Fiks API requests whose `X-Mock-Expect-Token-Sha256` header named the SHA-256 of the
    /// bearer token they carried (checked before authentication; requests answered by an
    /// injected fault are not checked).
    pub token_matches_checked: u64,
    /// Fiks API requests whose `X-Mock-Expect-Token-Sha256` header named another SHA-256 than
    /// that of the bearer token they carried (or that carried no bearer token): a client that
    /// sent one caller's token with another caller's request.
    pub token_mismatches: u64,
    /// Error answers from the Fiks side (authentication, validation, `/status/{code}`,
    /// unknown paths), counted by HTTP status.
    pub fiks_rejections: BTreeMap<u16, u64>,
    /// Fiks requests answered by an injected fault instead of normally.
    pub fiks_faults: u64,
    /// The JOSE header of the last grant that could be decoded.
    pub last_grant_header: Option<Value>,
    /// The claims of the last grant that could be decoded.
    pub last_grant_claims: Option<Value>,
}

impl Counters {
    /// The number of Fiks error answers, all statuses together.
    pub fn fiks_rejections_total(&self) -> u64 {
        self.fiks_rejections.values().sum()
    }
}
