//! Routes a request to the Maskinporten side, the Fiks side or the control endpoints, and
//! applies injected faults on the way.

use std::fmt;

use hyper::Request;
use hyper::body::Incoming;

use crate::faults::{Fault, FaultTarget};
use crate::respond::{GARBAGE, HTML_502, Resp, header, with_body};
use crate::state::{Shared, lock};
use crate::{control, fiks_api, maskinporten};

/// The error that makes hyper close the connection without an answer ([`Fault::Drop`]).
#[derive(Debug)]
pub(crate) struct DroppedOnPurpose;

impl fmt::Display for DroppedOnPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedOnPurpose {}

/// Answers one request; `Err` makes hyper close the connection without an answer.
pub(crate) async fn dispatch(shared: &Shared, req: Request<Incoming>) -> Result<Resp, DroppedOnPurpose> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let answer = route(shared, req).await;
    match &answer {
        Ok(r) => tracing::debug!(%method, %path, status = r.status().as_u16(), "answered"),
        Err(e) => tracing::debug!(%method, %path, "{e}"),
    }
    answer
}

async fn route(shared: &Shared, req: Request<Incoming>) -> Result<Resp, DroppedOnPurpose> {
    let path = req.uri().path();
    if path == "/token" {
        lock(&shared.counters).token_requests += 1;
        if let Some(r) = apply_fault(shared, FaultTarget::Token, path).await? {
            return Ok(r);
        }
        return Ok(maskinporten::token(shared, req).await);
    }
    if path == fiks_api::PREFIX || path.starts_with("/fiks/") {
        lock(&shared.counters).fiks_requests += 1;
        if let Some(r) = apply_fault(shared, FaultTarget::Fiks, fiks_api::sub_path(path)).await? {
            return Ok(r);
        }
        return Ok(fiks_api::handle(shared, req).await);
    }
    if path == "/.well-known/oauth-authorization-server" {
        return Ok(maskinporten::metadata(shared, req.method()));
    }
    if path.starts_with(control::PREFIX) {
        return Ok(control::handle(shared, req).await);
    }
    Ok(with_body(404, "text/plain; charset=utf-8", "404 Not Found\n"))
}

/// The fault for this request, if any: `Ok(Some(answer))` instead of the normal one,
/// `Ok(None)` to go on normally (after a delay), `Err` to drop the connection.
async fn apply_fault(shared: &Shared, target: FaultTarget, path: &str) -> Result<Option<Resp>, DroppedOnPurpose> {
    let fault = shared.take_fault(target);
    if fault == Fault::None {
        return Ok(None);
    }
    {
        let mut c = lock(&shared.counters);
        match target {
            FaultTarget::Token => c.token_faults += 1,
            FaultTarget::Fiks => c.fiks_faults += 1,
        }
    }
    let answer = match fault {
        Fault::None => return Ok(None),
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            return Ok(None);
        }
        Fault::Drop => return Err(DroppedOnPurpose),
        Fault::Garbage => with_body(200, "application/json", GARBAGE),
        Fault::Html502 => with_body(502, "text/html", HTML_502),
        Fault::Status(code) => match target {
            FaultTarget::Token => maskinporten::oauth_error(
                code,
                "server_error",
                &format!("Maskinporten could not handle the request (injected fault {code})"),
            ),
            FaultTarget::Fiks => fiks_api::fiks_error(
                code,
                path,
                &format!("Tjenesten er midlertidig utilgjengelig (injected fault {code})"),
                None,
                None,
            ),
        },
        Fault::TooManyRequests { retry_after_secs } => {
            let r = match target {
                FaultTarget::Token => maskinporten::oauth_error(
                    429,
                    "temporarily_unavailable",
                    &format!("Too many requests. Retry after {retry_after_secs} seconds"),
                ),
                FaultTarget::Fiks => fiks_api::fiks_error(
                    429,
                    path,
                    &format!("For mange forespørsler, prøv igjen om {retry_after_secs} sekunder (too many requests)"),
                    None,
                    None,
                ),
            };
            header(r, "retry-after", &retry_after_secs.to_string())
        }
    };
    Ok(Some(answer))
}
