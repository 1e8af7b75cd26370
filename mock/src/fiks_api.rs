//! The Fiks API of every service (under `/fiks`, and `/svarut` on the SvarUt host): after the
//! header checks ([`crate::fiks_auth`]), a search endpoint, a status endpoint that answers any
//! error, the echoes ([`crate::echo`], [`crate::multipart_echo`]), and Fiks' JSON error format.

use std::time::{SystemTime, UNIX_EPOCH};

use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::{Method, Request, StatusCode};
use serde_json::{Map, Value, json};

use crate::fiks_auth::{authenticate, check_expected_token};
use crate::respond::{Resp, header, json, media_type, read_body, with_body};
use crate::service::Service;
use crate::state::{Shared, lock};
use crate::{echo, multipart_echo};

/// A Fiks error answer: `timestamp`, `status`, `error`, `errorId`, `path`, `message`, and
/// `errorCode` / `errorJson` when given.
pub(crate) fn fiks_error(
    status: u16,
    path: &str,
    message: &str,
    error_code: Option<&str>,
    error_json: Option<Value>,
) -> Resp {
    let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let reason = StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Unknown");
    let mut body = Map::new();
    body.insert("timestamp".into(), json!(timestamp));
    body.insert("status".into(), json!(status));
    body.insert("error".into(), json!(reason));
    body.insert("errorId".into(), json!(uuid::Uuid::new_v4().hyphenated().to_string()));
    body.insert("path".into(), json!(path));
    body.insert("message".into(), json!(message));
    if let Some(code) = error_code {
        body.insert("errorCode".into(), json!(code));
    }
    if let Some(ej) = error_json {
        body.insert("errorJson".into(), ej);
    }
    json(status, &Value::Object(body))
}

/// Answers a request to `service` (faults were applied before).
pub(crate) async fn handle(shared: &Shared, service: Service, req: Request<Incoming>) -> Resp {
    let resp = route(shared, service, req).await;
    let status = resp.status().as_u16();
    if status >= 400 {
        *lock(&shared.counters).fiks_rejections.entry(status).or_insert(0) += 1;
    }
    resp
}

async fn route(shared: &Shared, service: Service, req: Request<Incoming>) -> Resp {
    let full_path = req.uri().path().to_string();
    let path = service.sub_path(&full_path).to_string();
    let token_matches = check_expected_token(shared, req.headers());
    let caller = match authenticate(shared, service, req.headers(), &path, token_matches) {
        Ok(c) => c,
        Err(r) => return *r,
    };
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().clone();
    if path == "/echo/multipart" {
        return multipart_echo::handle(req, &full_path, &path, &caller).await;
    }
    if path == "/echo" {
        return echo::echo(req, &full_path, &path, &query, &caller).await;
    }
    if path == "/innsyn-sok/api/v1/sok" {
        if method != Method::POST {
            return method_not_allowed(&path, "POST");
        }
        return sok(req, &path).await;
    }
    if let Some(code) = path.strip_prefix("/status/") {
        if method != Method::GET && method != Method::POST {
            return method_not_allowed(&path, "GET, POST");
        }
        return status(code, &path, &query);
    }
    fiks_error(404, &path, "Fant ikke ressursen (no such resource)", None, None)
}

/// A 405 in the Fiks format, with `Allow`.
pub(crate) fn method_not_allowed(path: &str, allow: &str) -> Resp {
    header(
        fiks_error(405, path, &format!("Metoden er ikke tillatt her (method not allowed; use {allow})"), None, None),
        "allow",
        allow,
    )
}

/// `/status/{code}`: any status in the Fiks error format (or an HTML page with `?body=html`).
fn status(code: &str, path: &str, query: &str) -> Resp {
    let Ok(mut code) = code.parse::<u16>() else {
        return fiks_error(
            404,
            path,
            "Fant ikke ressursen: /status/{kode} tar en HTTP-statuskode (no such resource)",
            None,
            None,
        );
    };
    // Codes that cannot carry a body, and codes outside HTTP, are answered as 400.
    if !(100..=599).contains(&code) || code < 200 || code == 204 || code == 304 {
        code = 400;
    }
    let mut error_json_string = false;
    let mut html = false;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match (k.as_ref(), v.as_ref()) {
            ("errorJson", "string") => error_json_string = true,
            ("body", "html") => html = true,
            _ => {}
        }
    }
    if html {
        let reason = StatusCode::from_u16(code).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error");
        return with_body(
            code,
            "text/html; charset=utf-8",
            format!(
                "<!DOCTYPE html>\n<html><head><title>{code} {reason}</title></head>\n<body><h1>{code} {reason}</h1><p>Fiks mock</p></body></html>\n"
            ),
        );
    }
    let ej = json!({"antall": 13});
    let error_json = if error_json_string { Value::String(ej.to_string()) } else { ej };
    fiks_error(
        code,
        path,
        &format!("Mock-feil med status {code} (requested error)"),
        Some("MOCK_FEIL"),
        Some(error_json),
    )
}

fn ugyldig_sok(path: &str, felt: &str, message: &str) -> Resp {
    fiks_error(400, path, message, Some("UGYLDIG_SOK"), Some(json!({"felt": felt})))
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// FNV-1a, so the same search gives the same answer in every run.
fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

async fn sok(req: Request<Incoming>, path: &str) -> Resp {
    if media_type(req.headers().get(CONTENT_TYPE)).as_deref() != Some("application/json") {
        return fiks_error(415, path, "Content-Type må være application/json (unsupported media type)", None, None);
    }
    let Some(body) = read_body(req.into_body()).await else {
        return fiks_error(413, path, "Forespørselen er for stor (body too large)", None, None);
    };
    let Ok(Value::Object(q)) = serde_json::from_slice::<Value>(&body) else {
        return ugyldig_sok(
            path,
            "sok",
            "Ugyldig søk: forventet et JSON-objekt med feltet 'sok' (invalid search body)",
        );
    };
    let Some(text) = q.get("sok").and_then(Value::as_str).filter(|s| !s.trim().is_empty()) else {
        return ugyldig_sok(path, "sok", "Ugyldig søk: feltet 'sok' mangler eller er tomt (missing 'sok')");
    };
    for felt in ["fraDato", "tilDato"] {
        if let Some(v) = q.get(felt)
            && !v.as_str().is_some_and(is_date)
        {
            return ugyldig_sok(path, felt, &format!("Ugyldig søk: '{felt}' må være en dato på formen ÅÅÅÅ-MM-DD"));
        }
    }
    let mut paging = [0u64, 10];
    for (i, felt) in ["start", "antall"].into_iter().enumerate() {
        if let Some(v) = q.get(felt) {
            match v.as_u64() {
                Some(n) if felt != "antall" || (1..=100).contains(&n) => paging[i] = n,
                _ => {
                    return ugyldig_sok(
                        path,
                        felt,
                        &format!("Ugyldig søk: '{felt}' må være et heltall (antall 1–100)"),
                    );
                }
            }
        }
    }
    let [start, antall] = paging;
    let h = fnv(text);
    let total = 1 + h % 37;
    const KOMMUNER: &[&str] = &["Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø", "Bodø"];
    const TYPER: &[&str] = &["byggesak", "byggesak", "dispensasjon", "oppmåling"];
    let resultater: Vec<Value> = (start..total.min(start.saturating_add(antall)))
        .map(|i| {
            let mix = h.rotate_left((i % 64) as u32) ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let mut bytes = [0u8; 16];
            bytes[..8].copy_from_slice(&mix.to_be_bytes());
            bytes[8..].copy_from_slice(&h.wrapping_add(i).to_be_bytes());
            let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
            json!({
                "id": id.hyphenated().to_string(),
                "tittel": format!("{text} – sak 2026/{}", 100 + i),
                "type": TYPER[(mix % TYPER.len() as u64) as usize],
                "dato": format!("2026-{:02}-{:02}", 1 + mix % 12, 1 + (mix >> 8) % 28),
                "kommune": KOMMUNER[((mix >> 16) % KOMMUNER.len() as u64) as usize],
            })
        })
        .collect();
    json(
        200,
        &json!({
            "sok": text,
            "start": start,
            "antall": resultater.len(),
            "totaltAntall": total,
            "resultater": resultater,
        }),
    )
}
