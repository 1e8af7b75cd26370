//! Small HTTP helpers: building answers and reading bodies.

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::Value;

pub(crate) use crate::body::MockBody;

/// Every answer the mock gives.
pub(crate) type Resp = Response<MockBody>;

/// The largest request body the mock reads.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// An answer with a body and content type.
pub(crate) fn with_body(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Resp {
    with_shaped_body(status, content_type, MockBody::whole(body))
}

/// An answer with a body of any shape (see [`MockBody`]).
pub(crate) fn with_shaped_body(status: u16, content_type: &'static str, body: MockBody) -> Resp {
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A JSON answer.
pub(crate) fn json(status: u16, value: &Value) -> Resp {
    with_body(status, "application/json", value.to_string())
}

/// Adds a header whose value is known to be valid.
pub(crate) fn header(mut r: Resp, name: &'static str, value: &str) -> Resp {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
    r
}

/// Reads the whole body, at most [`MAX_BODY`] bytes; `None` when it is too large or broken.
pub(crate) async fn read_body(body: Incoming) -> Option<Bytes> {
    Limited::new(body, MAX_BODY).collect().await.ok().map(|c| c.to_bytes())
}

/// The media type of a `Content-Type` value, lower-cased, without parameters.
pub(crate) fn media_type(value: Option<&HeaderValue>) -> Option<String> {
    let v = value?.to_str().ok()?;
    let essence = v.split(';').next()?.trim().to_ascii_lowercase();
    (!essence.is_empty()).then_some(essence)
}

/// The body of a proxy's 502 page.
pub(crate) const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// The body of a "garbage" fault: 200 OK but not JSON.
pub(crate) const GARBAGE: &[u8] = b"<<<garbage \x00 not json>>>";
