//! The machine-readable forms `call --json` prints: an answer (`status`, `headers`, `body`) or
//! a failure (`{"error": {…}}`, the whole error model of the core).
//!
//! ```text
//! {"status":200,"headers":{"content-type":"application/json"},"body":{"sok":"byggesak"}}
//! {"error":{"kind":"api","problem":null,"message":"Fiks API answered HTTP 404: …","hint":"…",
//!   "exit_code":1,"http_status":404,"transient":false,"fiks":{"error_id":"…",…},…}}
//! ```

use fiks_integrasjon::{ApiError, Error, FiksResponse, TokenError};
use serde_json::{Map, Value, json};

use crate::failure::Failure;

/// An answer body as JSON fields: `body` is the parsed JSON when the answer says it is JSON
/// (`Content-Type` with `json`) and parses; else the text (invalid UTF-8 replaced by U+FFFD),
/// and then, only when the bytes are not valid UTF-8, `body_base64` holds them exactly
/// (standard alphabet, padded).
pub fn body_fields(says_json: bool, body: &[u8]) -> Map<String, Value> {
    let mut out = Map::new();
    if says_json && let Ok(value) = serde_json::from_slice::<Value>(body) {
        out.insert("body".into(), value);
        return out;
    }
    match std::str::from_utf8(body) {
        Ok(text) => {
            out.insert("body".into(), Value::String(text.to_string()));
        }
        Err(_) => {
            out.insert("body".into(), Value::String(String::from_utf8_lossy(body).into_owned()));
            out.insert("body_base64".into(), Value::String(base64(body)));
        }
    }
    out
}

/// Response headers as one object: names lower case, a repeated header's values joined with
/// `", "` in the order received.
pub fn headers_object<N: AsRef<str>, V: AsRef<str>>(headers: impl IntoIterator<Item = (N, V)>) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in headers {
        let (name, value) = (name.as_ref().to_ascii_lowercase(), value.as_ref());
        match out.get_mut(&name) {
            Some(Value::String(joined)) => {
                joined.push_str(", ");
                joined.push_str(value);
            }
            _ => {
                out.insert(name, Value::String(value.to_string()));
            }
        }
    }
    out
}

/// A successful answer: `{"status", "headers", "body"[, "body_base64"]}`.
pub fn answer(response: &FiksResponse) -> Value {
    let mut out = Map::new();
    out.insert("status".into(), json!(response.status));
    let headers = headers_object(response.headers.iter().map(|(n, v)| (n, v)));
    out.insert("headers".into(), Value::Object(headers));
    out.extend(body_fields(response.is_json(), &response.body));
    Value::Object(out)
}

/// A failure: `{"error": {…}}` with every field of the core's error model. Fields that do not
/// apply are `null` (`oauth` for anything but a Maskinporten refusal, `fiks` for anything but
/// a Fiks error answer), so every failure has the same keys.
pub fn failure(f: &Failure) -> Value {
    let e = f.error.as_deref();
    let mut out = Map::new();
    out.insert("kind".into(), json!(f.kind()));
    out.insert("problem".into(), json!(e.and_then(Error::problem)));
    out.insert("message".into(), json!(e.map(Error::message).unwrap_or_else(|| f.message.clone())));
    out.insert("hint".into(), json!(f.hint));
    out.insert("exit_code".into(), json!(f.code));
    out.insert("config_key".into(), json!(e.and_then(Error::config_key)));
    out.insert("http_status".into(), json!(e.and_then(Error::http_status)));
    out.insert("transient".into(), json!(e.is_some_and(Error::is_transient)));
    out.insert("retry_after".into(), json!(e.and_then(Error::retry_after).map(|d| d.as_secs_f64().ceil() as u64)));
    let headers = e.and_then(Error::response_headers).map(|h| headers_object(h.iter())).unwrap_or_default();
    out.insert("response_headers".into(), Value::Object(headers));
    out.insert("oauth".into(), e.and_then(Error::as_token).map_or(Value::Null, oauth));
    match e.and_then(Error::as_api) {
        Some(api) => {
            out.insert("fiks".into(), fiks(api));
            out.insert("integrasjon_refused".into(), json!(api.integrasjon_refused));
            out.insert("person_token".into(), json!(api.person_token));
            let says_json = api.body.is_some() || serde_json::from_slice::<Value>(&api.raw).is_ok();
            out.extend(body_fields(says_json, &api.raw));
        }
        None => {
            out.insert("fiks".into(), Value::Null);
        }
    }
    json!({ "error": Value::Object(out) })
}

/// A Maskinporten refusal's OAuth fields.
fn oauth(t: &TokenError) -> Value {
    json!({
        "error": t.error,
        "error_description": t.description,
        "error_uri": t.error_uri,
        "mp_code": t.mp_code,
    })
}

/// The Fiks error body's fields (`null` when the answer was not a Fiks error body; the raw
/// answer is then in `body`).
fn fiks(api: &ApiError) -> Value {
    let Some(b) = &api.body else {
        return Value::Null;
    };
    json!({
        "error_id": b.error_id,
        "error_code": b.error_code,
        "message": b.message,
        "error": b.error,
        "status": b.status,
        "path": b.path,
        "original_path": b.original_path,
        "timestamp": b.timestamp,
        "error_json": b.error_json,
        "extra": b.extra,
    })
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }

    #[test]
    fn bodies_are_json_text_or_base64() {
        assert_eq!(body_fields(true, br#"{"a":1}"#)["body"], json!({"a": 1}));
        assert_eq!(body_fields(false, br#"{"a":1}"#)["body"], json!(r#"{"a":1}"#), "only when the answer says JSON");
        assert_eq!(body_fields(true, b"not json")["body"], json!("not json"));
        let binary = body_fields(false, &[b'a', 0xff, b'b']);
        assert_eq!(binary["body"], json!("a\u{fffd}b"));
        assert_eq!(binary["body_base64"], json!("Yf9i"));
        assert!(!body_fields(false, "blåbær".as_bytes()).contains_key("body_base64"));
    }

    #[test]
    fn repeated_headers_are_joined() {
        let h = headers_object([("Vary", "accept"), ("x-a", "1"), ("vary", "origin")]);
        assert_eq!(Value::Object(h), json!({"vary": "accept, origin", "x-a": "1"}));
    }

    #[test]
    fn every_failure_has_the_same_keys() {
        let usage = failure(&Failure::usage("bad", "do better"));
        let api = failure(&Failure::from(
            fiks_integrasjon::error_from_body(br#"{"status":404,"errorId":"abc","message":"m"}"#, None).unwrap(),
        ));
        let keys = |v: &Value| {
            let mut k: Vec<String> = v["error"].as_object().unwrap().keys().cloned().collect();
            k.retain(|k| !["integrasjon_refused", "person_token", "body", "body_base64"].contains(&k.as_str()));
            k
        };
        assert_eq!(keys(&usage), keys(&api));
        assert_eq!(usage["error"]["kind"], "usage");
        assert_eq!(usage["error"]["exit_code"], 2);
        assert_eq!(api["error"]["fiks"]["error_id"], "abc");
        assert_eq!(api["error"]["http_status"], 404);
    }
}
