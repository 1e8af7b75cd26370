//! Fiks API requests and responses.

use std::borrow::Cow;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result, TransportProblem};

pub use reqwest::Method;

/// A request to a Fiks API: a method, a path joined to `fiks_base_url`, an optional body and
/// extra headers. The Fiks headers are added by the client.
///
/// ```
/// use fiks_integrasjon::FiksRequest;
/// let r = FiksRequest::post("/innsyn-sok/api/v1/sok").json(&serde_json::json!({"sok": "byggesak"})).unwrap();
/// assert_eq!(r.path(), "/innsyn-sok/api/v1/sok");
/// ```
#[derive(Debug, Clone)]
pub struct FiksRequest {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) content_type: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Option<Duration>,
}

impl FiksRequest {
    /// A request with this method and path (relative to `fiks_base_url`, or a full URL on the
    /// same host).
    pub fn new(method: Method, path: impl Into<String>) -> FiksRequest {
        FiksRequest { method, path: path.into(), body: None, content_type: None, headers: Vec::new(), timeout: None }
    }
    /// A `GET`.
    pub fn get(path: impl Into<String>) -> FiksRequest {
        Self::new(Method::GET, path)
    }
    /// A `POST`.
    pub fn post(path: impl Into<String>) -> FiksRequest {
        Self::new(Method::POST, path)
    }
    /// Parses a method name (`get`, `POST`, …).
    pub fn parse_method(name: &str) -> Result<Method> {
        let upper = name.trim().to_ascii_uppercase();
        if upper.is_empty() || !upper.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(Error::config(None, format!("`{name}` is not an HTTP method")));
        }
        Method::from_bytes(upper.as_bytes()).map_err(|_| Error::config(None, format!("`{name}` is not an HTTP method")))
    }
    /// Sends `value` as JSON.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Result<FiksRequest> {
        let body = serde_json::to_vec(value)
            .map_err(|e| Error::config(None, format!("the request body cannot be serialised as JSON: {e}")))?;
        self.body = Some(body);
        self.content_type = Some("application/json".into());
        Ok(self)
    }
    /// Sends raw bytes with this content type.
    pub fn body(mut self, body: impl Into<Vec<u8>>, content_type: impl Into<String>) -> FiksRequest {
        self.body = Some(body.into());
        self.content_type = Some(content_type.into());
        self
    }
    /// Adds a header (the Fiks headers themselves cannot be overridden).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> FiksRequest {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// A timeout for this request instead of `timeout_seconds`.
    pub fn timeout(mut self, timeout: Duration) -> FiksRequest {
        self.timeout = Some(timeout);
        self
    }
    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }
    /// The path or URL as given.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// Whether retrying the request is safe (RFC 9110 idempotent methods).
    pub fn is_idempotent(&self) -> bool {
        matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
        )
    }
}

/// A 2xx answer from a Fiks API.
#[derive(Debug, Clone)]
pub struct FiksResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers in order (names lowercase).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl FiksResponse {
    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Transport {
            problem: TransportProblem::InvalidResponse,
            message: format!("the Fiks answer is not the expected JSON: {e}"),
            status: Some(self.status),
        })
    }
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// Whether the answer says it is JSON.
    pub fn is_json(&self) -> bool {
        self.header("content-type").is_some_and(|c| c.contains("json"))
    }
}
