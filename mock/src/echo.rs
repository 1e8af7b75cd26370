//! `<prefix>/echo`: the request as the Fiks side received it (method, path, query, body,
//! headers without secrets) and who sent it ([`Caller::fields`]: the integrasjon, the SHA-256 of
//! the token, the service), for tests of what a client really sends.

use hyper::Request;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE};
use serde_json::{Map, Value, json};

use crate::fiks_api::fiks_error;
use crate::fiks_auth::{Caller, INTEGRASJON_ID, INTEGRASJON_PASSORD};
use crate::respond::{Resp, json, read_body};

/// The request's headers, repeated ones joined with `, `; never `Authorization` or
/// `IntegrasjonPassord`.
fn headers_without_secrets(req: &Request<Incoming>) -> Map<String, Value> {
    let mut headers = Map::new();
    for name in req.headers().keys() {
        if name == AUTHORIZATION || name.as_str().eq_ignore_ascii_case(INTEGRASJON_PASSORD) {
            continue;
        }
        let joined = req
            .headers()
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect::<Vec<_>>()
            .join(", ");
        headers.insert(name.as_str().to_string(), Value::String(joined));
    }
    headers
}

/// Answers `<prefix>/echo` (any method) for a caller that passed the header checks.
pub(crate) async fn echo(req: Request<Incoming>, full_path: &str, path: &str, query: &str, caller: &Caller) -> Resp {
    let method = req.method().as_str().to_string();
    let content_type = req.headers().get(CONTENT_TYPE).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let integrasjon_id_present = req.headers().contains_key(INTEGRASJON_ID);
    let authorization_present = req.headers().contains_key(AUTHORIZATION);
    let headers = headers_without_secrets(&req);
    let Some(body) = read_body(req.into_body()).await else {
        return fiks_error(413, path, "Forespørselen er for stor (body too large)", None, None);
    };
    let mut answer = caller.fields();
    for (k, v) in [
        ("method", json!(method)),
        ("path", json!(full_path)),
        ("query", json!(query)),
        ("body", json!(String::from_utf8_lossy(&body))),
        ("content_type", json!(content_type)),
        ("integrasjon_id_present", json!(integrasjon_id_present)),
        ("authorization_present", json!(authorization_present)),
        ("headers", Value::Object(headers)),
    ] {
        answer.insert(k.to_string(), v);
    }
    json(200, &Value::Object(answer))
}
