//! Fiks API requests and responses.

use std::borrow::Cow;
use std::sync::Arc;
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
    /// A `Content-Type` given as a header: replaces the body's type.
    pub(crate) content_type_header: Option<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Option<Duration>,
    /// A `multipart/form-data` body (instead of `body`).
    pub(crate) parts: Option<Arc<Vec<crate::multipart::Part>>>,
    /// The service the path is relative to (`None`: `fiks`).
    pub(crate) service: Option<String>,
    /// The first invalid header, reported when the request is sent.
    pub(crate) invalid: Option<String>,
}

/// The Fiks headers, in lower case: set by the client, never by a request.
pub(crate) const FIKS_HEADER_NAMES: [&str; 3] = ["authorization", "integrasjonid", "integrasjonpassord"];

/// Checks a request header: the name an RFC 9110 token, the value free of control characters
/// (CR, LF, NUL…; tab allowed). The message names the header, never the value.
///
/// ```
/// use fiks_integrasjon::request::check_header;
/// assert!(check_header("X-Request-Id", "abc").is_ok());
/// assert!(check_header("Bad Name", "x").is_err());
/// assert!(check_header("X-Evil", "a\r\nInjected: 1").is_err());
/// ```
pub fn check_header(name: &str, value: &str) -> Result<()> {
    let token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if name.is_empty() || !name.bytes().all(token) {
        return Err(Error::usage(format!(
            "`{}` is not an HTTP header name (RFC 9110 token characters only)",
            name.escape_debug()
        )));
    }
    if value.bytes().any(|b| b != b'\t' && (b.is_ascii_control())) {
        return Err(Error::usage(format!("the value of header `{name}` holds a control character (CR, LF, ...)")));
    }
    Ok(())
}

impl FiksRequest {
    /// A request with this method and path (relative to `fiks_base_url`, or a full URL on the
    /// same host).
    pub fn new(method: Method, path: impl Into<String>) -> FiksRequest {
        FiksRequest {
            method,
            path: path.into(),
            body: None,
            content_type: None,
            content_type_header: None,
            headers: Vec::new(),
            timeout: None,
            service: None,
            parts: None,
            invalid: None,
        }
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
        self.parts = None;
        self
    }
    /// Sends a `multipart/form-data` body of these parts (see [`crate::multipart`]): file parts
    /// stream from disk. Fails for no parts, more than [`crate::multipart::MAX_PARTS`], or a
    /// name, file name or type that would break the part headers. The `Content-Type` (with
    /// its boundary) is set when sending; a `Content-Type` header is ignored for it.
    pub fn multipart(mut self, parts: Vec<crate::multipart::Part>) -> Result<FiksRequest> {
        crate::multipart::check_parts(&parts)?;
        self.body = None;
        self.content_type = None;
        self.parts = Some(Arc::new(parts));
        Ok(self)
    }
    /// The parts of a multipart body (empty for another body).
    pub fn parts(&self) -> &[crate::multipart::Part] {
        self.parts.as_deref().map_or(&[], Vec::as_slice)
    }
    /// Adds a header. A `Content-Type` replaces the body's type (only one is sent); the Fiks
    /// headers cannot be overridden (they are ignored, with a warning); an invalid name or a
    /// value with CR/LF is an error when the request is sent (see [`check_header`]).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> FiksRequest {
        let (name, value) = (name.into(), value.into());
        if let Err(e) = check_header(&name, &value) {
            self.invalid.get_or_insert_with(|| e.to_string());
            return self;
        }
        let lower = name.to_ascii_lowercase();
        if lower == "content-type" {
            self.content_type_header = Some(value);
        } else if FIKS_HEADER_NAMES.contains(&lower.as_str()) {
            tracing::warn!(header = %name, "ignoring an extra header that would override a Fiks header");
        } else {
            self.headers.push((name, value));
        }
        self
    }
    /// Like [`FiksRequest::header`], failing at once on an invalid header.
    pub fn try_header(self, name: &str, value: &str) -> Result<FiksRequest> {
        check_header(name, value)?;
        Ok(self.header(name, value))
    }
    /// The `Content-Type` sent: a `Content-Type` header, else the body's type.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type_header.as_deref().or(self.content_type.as_deref())
    }
    /// The extra headers, in order (without `Content-Type` and the Fiks headers).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }
    /// The body, if any.
    pub fn body_bytes(&self) -> Option<&[u8]> {
        self.body.as_deref()
    }
    /// The first invalid header given, as an error.
    pub(crate) fn check(&self) -> Result<()> {
        match &self.invalid {
            Some(m) => Err(Error::usage(m.clone())),
            None => Ok(()),
        }
    }
    /// The deadline of the whole call — retries, backoff, `Retry-After` waits and a token
    /// fetch included — instead of `retry_deadline_seconds`.
    pub fn timeout(mut self, timeout: Duration) -> FiksRequest {
        self.timeout = Some(timeout);
        self
    }
    /// Sends the request to the service `name` (`fiks`, `svarut`, or one from `[services]`): a
    /// relative path is joined onto that service's base URL. The default is `fiks`.
    pub fn service(mut self, name: impl Into<String>) -> FiksRequest {
        self.service = Some(name.into());
        self
    }
    /// The service named, or `fiks`.
    pub fn service_name(&self) -> &str {
        self.service.as_deref().unwrap_or(crate::config::FIKS_SERVICE)
    }
    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }
    /// The path or URL as given.
    pub fn path(&self) -> &str {
        &self.path
    }
    /// The per-call deadline, if one was set.
    pub fn timeout_value(&self) -> Option<Duration> {
        self.timeout
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_content_type_and_no_fiks_overrides() {
        let r = FiksRequest::post("/x")
            .header("Content-Type", "application/xml")
            .json(&serde_json::json!({}))
            .unwrap()
            .header("authorization", "Bearer stjålet")
            .header("X-A", "1");
        assert_eq!(r.content_type(), Some("application/xml"));
        assert_eq!(r.headers(), [("X-A".to_string(), "1".to_string())]);
        assert!(r.check().is_ok());
    }

    #[test]
    fn invalid_headers_fail_when_sent() {
        let r = FiksRequest::get("/x").header("X-Evil", "a\nB: c").header("ok", "1");
        let e = r.check().unwrap_err();
        assert_eq!(e.kind(), crate::ErrorKind::Usage);
        assert!(e.to_string().contains("X-Evil") && !e.to_string().contains("B: c"), "{e}");
        assert!(FiksRequest::get("/x").try_header("a b", "1").is_err());
        assert!(check_header("X", "tab\tok").is_ok());
        assert!(check_header("X", "nul\0").is_err());
    }
}
