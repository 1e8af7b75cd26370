//! The Fiks error body: parsing it leniently from whatever a Fiks API (or a proxy) answered.
//!
//! ```
//! use fiks_integrasjon::parse_fiks_error;
//! let body = br#"{"status": 400, "errorId": "3389ad1b-afa4-42e1-b6f8-76f63e560ad5",
//!                "message": "Beskrivelse av feilen", "errorJson": "{\"antall\":13}", "nytt": 1}"#;
//! let e = parse_fiks_error(body).unwrap();
//! assert_eq!(e.status, Some(400));
//! assert_eq!(e.error_json.unwrap()["antall"], 13);
//! assert_eq!(e.extra["nytt"], 1);
//! assert!(parse_fiks_error(b"<html>502 Bad Gateway</html>").is_none());
//! ```

use serde_json::{Map, Value};

use crate::error::{ApiError, Error};

/// A Fiks error body. Every field is optional; unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FiksErrorBody {
    /// When the error happened, milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// The HTTP status the service reported.
    pub status: Option<u16>,
    /// The reason phrase (`Bad Request`).
    pub error: Option<String>,
    /// KS's id for the error: quote it to KS support.
    pub error_id: Option<String>,
    /// The path of the request.
    pub path: Option<String>,
    /// The original path, in rare cases different from `path`.
    pub original_path: Option<String>,
    /// A human-readable description.
    pub message: Option<String>,
    /// A service-specific code for machines.
    pub error_code: Option<String>,
    /// Details for `error_code`, as JSON (a string holding JSON is decoded).
    pub error_json: Option<Value>,
    /// Fields this version does not know, kept as they came.
    pub extra: Map<String, Value>,
}

const KNOWN: &[&str] =
    &["timestamp", "status", "error", "errorId", "path", "originalPath", "message", "errorCode", "errorJson"];

/// Parses a Fiks error body; `None` when the body is not a JSON object with any Fiks error field
/// (an HTML page from a proxy, an empty body, some other JSON).
pub fn parse_fiks_error(body: &[u8]) -> Option<FiksErrorBody> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) else {
        return None;
    };
    if !KNOWN.iter().any(|k| map.contains_key(*k)) {
        return None;
    }
    let mut out = FiksErrorBody::default();
    for (k, v) in map {
        match k.as_str() {
            "timestamp" => match as_i64(&v) {
                Some(t) => out.timestamp = Some(t),
                None => keep(&mut out.extra, k, v),
            },
            "status" => match as_i64(&v).and_then(|s| u16::try_from(s).ok()) {
                Some(s) => out.status = Some(s),
                None => keep(&mut out.extra, k, v),
            },
            "error" => out.error = as_text(v),
            "errorId" => out.error_id = as_text(v),
            "path" => out.path = as_text(v),
            "originalPath" => out.original_path = as_text(v),
            "message" => out.message = as_text(v),
            "errorCode" => out.error_code = as_text(v),
            "errorJson" => {
                out.error_json = match v {
                    Value::Null => None,
                    Value::String(s) => Some(serde_json::from_str(&s).unwrap_or(Value::String(s))),
                    other => Some(other),
                }
            }
            _ => keep(&mut out.extra, k, v),
        }
    }
    Some(out)
}

/// Turns a body obtained elsewhere (with another HTTP client) into an [`Error::Api`] only when
/// it is a real Fiks error: the status — `status` when given (the answer's HTTP status), else
/// the body's own `status` field — is 400 to 599, and the body has the Fiks shape (a JSON object
/// with `errorId`, `message` or `error`). A 2xx body is never an error, whatever it holds.
///
/// ```
/// use fiks_integrasjon::error_from_body;
/// let e = error_from_body(br#"{"status":404,"errorId":"abc","message":"Fant ikke"}"#, None).unwrap();
/// assert_eq!(e.http_status(), Some(404));
/// assert_eq!(e.as_api().unwrap().error_id(), Some("abc"));
/// assert!(error_from_body(br#"{"message":"hei"}"#, None).is_none(), "no status: not an error");
/// assert!(error_from_body(br#"{"message":"hei"}"#, Some(200)).is_none(), "2xx: never an error");
/// assert_eq!(error_from_body(br#"{"message":"hei"}"#, Some(409)).unwrap().http_status(), Some(409));
/// ```
pub fn error_from_body(body: &[u8], status: Option<u16>) -> Option<Error> {
    if status.is_some_and(|s| !(400..=599).contains(&s)) {
        return None;
    }
    let parsed = parse_fiks_error(body)?;
    let status = status.or(parsed.status).filter(|s| (400..=599).contains(s))?;
    if parsed.error_id.is_none() && parsed.message.is_none() && parsed.error.is_none() {
        return None;
    }
    Some(Error::Api(Box::new(ApiError { status, body: Some(parsed), raw: body.to_vec(), ..Default::default() })))
}

fn keep(extra: &mut Map<String, Value>, k: String, v: Value) {
    extra.insert(k, v);
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_text(v: Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

impl FiksErrorBody {
    /// `errorJson` as compact JSON text.
    pub fn error_json_text(&self) -> Option<String> {
        self.error_json.as_ref().map(Value::to_string)
    }

    /// The body as JSON again, with the Fiks field names (unknown fields included).
    pub fn to_json(&self) -> Value {
        let mut m = self.extra.clone();
        let mut put = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.to_string(), v);
            }
        };
        put("timestamp", self.timestamp.map(Value::from));
        put("status", self.status.map(Value::from));
        put("error", self.error.clone().map(Value::from));
        put("errorId", self.error_id.clone().map(Value::from));
        put("path", self.path.clone().map(Value::from));
        put("originalPath", self.original_path.clone().map(Value::from));
        put("message", self.message.clone().map(Value::from));
        put("errorCode", self.error_code.clone().map(Value::from));
        put("errorJson", self.error_json.clone());
        Value::Object(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example from KS's own page, verbatim.
    const KS_EXAMPLE: &str = r#"{
  "timestamp": 1637218198035,
  "status": 400,
  "error": "Bad Request",
  "errorId": "3389ad1b-afa4-42e1-b6f8-76f63e560ad5",
  "path": "/tjeneste/api/v1/ressurs/123456",
  "originalPath": "/tjeneste/api/v1/ressurs",
  "message": "Beskrivelse av feilen",
  "errorCode": "FEILKODE",
  "errorJson": {"antall":13}
}"#;

    #[test]
    fn parses_ks_example_verbatim() {
        let e = parse_fiks_error(KS_EXAMPLE.as_bytes()).unwrap();
        assert_eq!(e.timestamp, Some(1637218198035));
        assert_eq!(e.status, Some(400));
        assert_eq!(e.error.as_deref(), Some("Bad Request"));
        assert_eq!(e.error_id.as_deref(), Some("3389ad1b-afa4-42e1-b6f8-76f63e560ad5"));
        assert_eq!(e.path.as_deref(), Some("/tjeneste/api/v1/ressurs/123456"));
        assert_eq!(e.original_path.as_deref(), Some("/tjeneste/api/v1/ressurs"));
        assert_eq!(e.message.as_deref(), Some("Beskrivelse av feilen"));
        assert_eq!(e.error_code.as_deref(), Some("FEILKODE"));
        assert_eq!(e.error_json, Some(serde_json::json!({"antall": 13})));
        assert!(e.extra.is_empty());
        assert_eq!(e.to_json(), serde_json::from_str::<Value>(KS_EXAMPLE).unwrap());
    }

    #[test]
    fn fields_missing_extra_and_string_error_json() {
        let e = parse_fiks_error(br#"{"errorId":"x"}"#).unwrap();
        assert_eq!(e.error_id.as_deref(), Some("x"));
        assert_eq!(e.status, None);
        assert_eq!(e.message, None);
        let e = parse_fiks_error(br#"{"status":"404","message":"m","ny":{"a":[1]},"errorJson":"{\"antall\":13}"}"#)
            .unwrap();
        assert_eq!(e.status, Some(404));
        assert_eq!(e.extra["ny"], serde_json::json!({"a":[1]}));
        assert_eq!(e.error_json_text().as_deref(), Some(r#"{"antall":13}"#));
        let e = parse_fiks_error(br#"{"status":500,"errorJson":"ikke json"}"#).unwrap();
        assert_eq!(e.error_json, Some(Value::String("ikke json".into())));
        let e = parse_fiks_error(br#"{"status":70000,"timestamp":"i gaar"}"#).unwrap();
        assert_eq!(e.status, None);
        assert_eq!(e.extra["status"], 70000);
        assert_eq!(e.extra["timestamp"], "i gaar");
    }

    #[test]
    fn non_fiks_bodies_are_none() {
        let html = b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";
        assert!(parse_fiks_error(html).is_none());
        assert!(parse_fiks_error(b"").is_none());
        assert!(parse_fiks_error(b"[1,2]").is_none());
        assert!(parse_fiks_error(br#"{"foo":1}"#).is_none());
        assert!(parse_fiks_error(b"\xff\xfe").is_none());
    }
}
