//! `/_mock/...`: the control endpoints for test suites in other languages (faults, token
//! lifetime and delay, the clock offset, the metadata's token path, integrasjoner and person
//! tokens, counters, reset). Never faulted, never
//! authenticated: the mock only listens on loopback. Only on the main port.
//!
//! - `POST /_mock/integrasjoner` with `{"id": "<uuid>", "passord": "…"}` or a list of such:
//!   the Fiks side accepts them (a known id gets the new password), until a reset.
//! - `POST /_mock/person-tokens` with `{"tokens": ["…", …]}`: accepted person tokens, until a
//!   reset.
//! - `POST /_mock/clock` with `{"offset_seconds": N}` (a whole number, negative for behind):
//!   the mock's clock is the wall clock + N seconds, for the grant checks and every `Date`
//!   header; answers `{"ok": true, "offset_seconds": N}`. `GET /_mock/clock` answers
//!   `{"offset_seconds": N, "now": <the mock's clock, seconds since the epoch>}`.
//! - `POST /_mock/metadata` with `{"token_path": "/discovered/token"}`: the metadata names
//!   `base_url + token_path` as its `token_endpoint`, and that path is served as a token
//!   endpoint too (`/token` stays); answers `{"ok": true, "token_path": …, "token_endpoint": …}`,
//!   as `GET /_mock/metadata` does without `ok`.
//! - `POST /_mock/reset`: counters to zero, faults cleared, token lifetime and delay and the
//!   clock offset back to the options, the metadata's token path back to `/token`, integrasjoner
//!   and person tokens back to the options' (issued access tokens stay valid).
//! - `POST /_mock/faults` takes the targets `token`, `fiks` and `metadata`.
//!
//! Each registration is all or nothing: when one entry is invalid, none is registered (400).

use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Method, Request};
use serde_json::{Value, json};

use crate::faults::{Fault, FaultTarget};
use crate::respond::{Resp, json, read_body};
use crate::state::{Shared, lock};

/// The path prefix of the control endpoints.
pub(crate) const PREFIX: &str = "/_mock/";

fn bad(message: impl Into<String>) -> Resp {
    json(400, &json!({"error": message.into()}))
}

fn ok() -> Resp {
    json(200, &json!({"ok": true}))
}

fn faults_of(v: &Value, field: &str) -> Result<Vec<Fault>, String> {
    let Some(items) = v.get(field).and_then(Value::as_array) else {
        return Err(format!("'{field}' must be an array of fault strings"));
    };
    items
        .iter()
        .map(|f| {
            f.as_str()
                .ok_or_else(|| format!("every entry of '{field}' must be a string like \"503\""))
                .and_then(Fault::parse)
        })
        .collect()
}

/// Answers a request under `/_mock/`.
pub(crate) async fn handle(shared: &Shared, req: Request<Incoming>) -> Resp {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let Some(action) = path.strip_prefix(PREFIX) else {
        return json(404, &json!({"error": "unknown control endpoint"}));
    };
    if action == "counters" {
        if method != Method::GET {
            return json(405, &json!({"error": "use GET"}));
        }
        let c = lock(&shared.counters).clone();
        return json(200, &json!(c));
    }
    if method == Method::GET {
        match action {
            "clock" => return json(200, &clock(shared)),
            "metadata" => return json(200, &metadata(shared)),
            _ => {}
        }
    }
    if method != Method::POST {
        let allowed = if matches!(action, "clock" | "metadata") { "use GET or POST" } else { "use POST" };
        return json(405, &json!({"error": allowed}));
    }
    let Some(body) = read_body(req.into_body()).await else {
        return bad("the body could not be read");
    };
    let v: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => return bad(format!("the body is not JSON: {e}")),
        }
    };
    match action {
        "faults" => set_faults(shared, &v),
        "token-lifetime" => match v.get("secs").and_then(Value::as_u64) {
            Some(secs) => {
                shared.set_token_lifetime(secs);
                ok()
            }
            None => bad("send {\"secs\": N}"),
        },
        "token-delay" => match v.get("ms").and_then(Value::as_u64) {
            Some(ms) => {
                shared.set_token_delay(Duration::from_millis(ms));
                ok()
            }
            None => bad("send {\"ms\": N}"),
        },
        "reset" => {
            shared.reset_all();
            ok()
        }
        "revoke-tokens" => {
            lock(&shared.tokens).clear();
            ok()
        }
        "integrasjoner" => register_integrasjoner(shared, &v),
        "person-tokens" => register_person_tokens(shared, &v),
        "clock" => set_clock(shared, &v),
        "metadata" => set_metadata(shared, &v),
        _ => json(404, &json!({"error": "unknown control endpoint"})),
    }
}

/// `{"id": "<uuid>", "passord": "…"}`, or an array of such objects.
fn register_integrasjoner(shared: &Shared, v: &Value) -> Resp {
    const SHAPE: &str = "send {\"id\": \"<uuid>\", \"passord\": \"...\"} or a non-empty array of such objects";
    let items: Vec<&Value> = match v {
        Value::Array(items) if !items.is_empty() => items.iter().collect(),
        Value::Object(_) => vec![v],
        _ => return bad(SHAPE),
    };
    let mut list = Vec::with_capacity(items.len());
    for item in items {
        let field = |name: &str| item.get(name).and_then(Value::as_str).map(str::to_string);
        let (Some(id), Some(passord)) = (field("id"), field("passord")) else {
            return bad(SHAPE);
        };
        if let Some(extra) = item.as_object().and_then(|m| m.keys().find(|k| *k != "id" && *k != "passord")) {
            return bad(format!("unknown field '{extra}': {SHAPE}"));
        }
        list.push((id, passord));
    }
    match shared.register_integrasjoner(&list) {
        Ok(()) => json(200, &json!({"ok": true, "registered": list.len()})),
        Err(e) => bad(e),
    }
}

/// `{"tokens": ["…", …]}`.
fn register_person_tokens(shared: &Shared, v: &Value) -> Resp {
    const SHAPE: &str = "send {\"tokens\": [\"<person token>\", ...]} with at least one token";
    let Some(items) = v.get("tokens").and_then(Value::as_array).filter(|a| !a.is_empty()) else {
        return bad(SHAPE);
    };
    let Some(tokens) = items.iter().map(|t| t.as_str().map(str::to_string)).collect::<Option<Vec<_>>>() else {
        return bad(format!("every token must be a string: {SHAPE}"));
    };
    match shared.register_person_tokens(&tokens) {
        Ok(()) => json(200, &json!({"ok": true, "registered": tokens.len()})),
        Err(e) => bad(e),
    }
}

/// `{"offset_seconds": N, "now": <the mock's clock>}`.
fn clock(shared: &Shared) -> Value {
    json!({"offset_seconds": shared.clock_offset(), "now": shared.now()})
}

/// `{"offset_seconds": N}`, a whole number of seconds (negative: the mock is behind).
fn set_clock(shared: &Shared, v: &Value) -> Resp {
    const SHAPE: &str = "send {\"offset_seconds\": N} with N a whole number of seconds (negative: behind)";
    let Some(obj) = v.as_object() else {
        return bad(SHAPE);
    };
    if let Some(extra) = obj.keys().find(|k| *k != "offset_seconds") {
        return bad(format!("unknown field '{extra}': {SHAPE}"));
    }
    match obj.get("offset_seconds").and_then(Value::as_i64) {
        Some(secs) => {
            shared.set_clock_offset(secs);
            json(200, &json!({"ok": true, "offset_seconds": secs}))
        }
        None => bad(SHAPE),
    }
}

/// `{"token_path": …, "token_endpoint": …}` of the metadata.
fn metadata(shared: &Shared) -> Value {
    let path = shared.metadata_token_path();
    json!({"token_endpoint": format!("{}{path}", shared.base_url), "token_path": path})
}

/// `{"token_path": "/discovered/token"}`.
fn set_metadata(shared: &Shared, v: &Value) -> Resp {
    const SHAPE: &str = "send {\"token_path\": \"/some/path\"}";
    let Some(obj) = v.as_object() else {
        return bad(SHAPE);
    };
    if let Some(extra) = obj.keys().find(|k| *k != "token_path") {
        return bad(format!("unknown field '{extra}': {SHAPE}"));
    }
    let Some(path) = obj.get("token_path").and_then(Value::as_str) else {
        return bad(SHAPE);
    };
    match shared.set_metadata_token_path(path) {
        Ok(()) => {
            let mut answer = metadata(shared);
            answer["ok"] = json!(true);
            json(200, &answer)
        }
        Err(e) => bad(e),
    }
}

/// `{"target": "token", "faults": ["503", "429:1"], "times": 1}` queues;
/// `{"target": "token", "cycle": [...]}` sets the cycle; `{"target": "token", "clear": true}`
/// forgets both.
fn set_faults(shared: &Shared, v: &Value) -> Resp {
    let target = match v.get("target").and_then(Value::as_str).map(FaultTarget::parse) {
        Some(Ok(t)) => t,
        Some(Err(e)) => return bad(e),
        None => return bad("'target' must be \"token\", \"fiks\" or \"metadata\""),
    };
    if v.get("clear").and_then(Value::as_bool) == Some(true) {
        lock(&shared.faults).book(target).clear();
        return ok();
    }
    if v.get("cycle").is_some() {
        return match faults_of(v, "cycle") {
            Ok(cycle) => {
                lock(&shared.faults).book(target).set_cycle(cycle);
                ok()
            }
            Err(e) => bad(e),
        };
    }
    let times = match v.get("times") {
        None => 1,
        Some(t) => match t.as_u64().and_then(|n| usize::try_from(n).ok()) {
            Some(n) => n,
            None => return bad("'times' must be a whole number"),
        },
    };
    match faults_of(v, "faults") {
        Ok(faults) => {
            let mut all = lock(&shared.faults);
            let book = all.book(target);
            for f in faults {
                book.push(f, times);
            }
            ok()
        }
        Err(e) => bad(e),
    }
}
