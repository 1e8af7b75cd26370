//! Routes a request to the Maskinporten side, a Fiks service or the control endpoints, and
//! applies injected faults on the way. The main port serves them all (the Fiks API under
//! `/fiks`); the SvarUt port serves only the Fiks API under `/svarut`, and 404 for the rest.

use std::fmt;

use hyper::Request;
use hyper::body::Incoming;

use crate::faults::{Fault, FaultTarget};
use std::time::Duration;

use http_body_util::BodyExt;

use crate::body::HeadStall;
use crate::respond::{GARBAGE, HTML_502, MockBody, Resp, header, with_body, with_shaped_body};
use crate::service::{self, Service};
use crate::state::{Shared, lock};
use crate::{control, fiks_api, maskinporten};

/// Which listening port a request came in on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Site {
    /// The main port: Maskinporten, the Fiks API under `/fiks`, the control endpoints.
    Main,
    /// The SvarUt stand-in's port: the Fiks API under `/svarut`, nothing else.
    Svarut,
}

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
pub(crate) async fn dispatch(
    shared: &Shared,
    site: Site,
    req: Request<Incoming>,
    stall: &HeadStall,
) -> Result<Resp, DroppedOnPurpose> {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let answer = match site {
        Site::Main => route(shared, req, stall).await,
        Site::Svarut if service::SVARUT.serves(&path) => fiks(shared, service::SVARUT, req, stall).await,
        Site::Svarut => Ok(not_found()),
    };
    // The mock's clock, not hyper's: hyper leaves a `Date` the answer already has alone.
    let answer = answer.map(|r| header(r, "date", &httpdate::fmt_http_date(shared.system_now())));
    match &answer {
        Ok(r) => tracing::debug!(%method, %path, status = r.status().as_u16(), "answered"),
        Err(e) => tracing::debug!(%method, %path, "{e}"),
    }
    answer
}

async fn route(shared: &Shared, req: Request<Incoming>, stall: &HeadStall) -> Result<Resp, DroppedOnPurpose> {
    let path = req.uri().path();
    if shared.is_token_path(path) {
        lock(&shared.counters).token_requests += 1;
        return match apply_fault(shared, FaultTarget::Token, path, stall).await? {
            Applied::Answer(r) => Ok(r),
            Applied::Normal => Ok(maskinporten::token(shared, req).await),
            Applied::Reshape(how) => Ok(reshape(maskinporten::token(shared, req).await, how).await),
        };
    }
    if service::FIKS.serves(path) {
        return fiks(shared, service::FIKS, req, stall).await;
    }
    if path == maskinporten::METADATA_PATH {
        lock(&shared.counters).metadata_requests += 1;
        return match apply_fault(shared, FaultTarget::Metadata, path, stall).await? {
            Applied::Answer(r) => Ok(r),
            Applied::Normal => Ok(maskinporten::metadata(shared, req.method())),
            Applied::Reshape(how) => Ok(reshape(maskinporten::metadata(shared, req.method()), how).await),
        };
    }
    if path.starts_with(control::PREFIX) {
        return Ok(control::handle(shared, req).await);
    }
    Ok(not_found())
}

/// The plain 404 of a path no side serves.
fn not_found() -> Resp {
    with_body(404, "text/plain; charset=utf-8", "404 Not Found\n")
}

/// A request to a Fiks service, counted, with the Fiks faults applied.
async fn fiks(
    shared: &Shared,
    service: Service,
    req: Request<Incoming>,
    stall: &HeadStall,
) -> Result<Resp, DroppedOnPurpose> {
    {
        let mut c = lock(&shared.counters);
        c.fiks_requests += 1;
        *c.requests_by_service.entry(service.name.to_string()).or_insert(0) += 1;
    }
    let sub_path = service.sub_path(req.uri().path()).to_string();
    match apply_fault(shared, FaultTarget::Fiks, &sub_path, stall).await? {
        Applied::Answer(r) => Ok(r),
        Applied::Normal => Ok(fiks_api::handle(shared, service, req).await),
        Applied::Reshape(how) => Ok(reshape(fiks_api::handle(shared, service, req).await, how).await),
    }
}

/// What a fault does to a request.
enum Applied {
    /// Answer this instead.
    Answer(Resp),
    /// Answer normally.
    Normal,
    /// Answer normally, with the body sent in another shape.
    Reshape(Reshape),
}

/// How a normal answer's body is sent instead.
enum Reshape {
    Trickle,
    Cut,
}

/// The normal answer `r` with its body sent as `how` says.
async fn reshape(r: Resp, how: Reshape) -> Resp {
    let (parts, body) = r.into_parts();
    let bytes = match body.collect().await {
        Ok(c) => c.to_bytes(),
        Err(_) => bytes::Bytes::new(),
    };
    let body = match how {
        Reshape::Trickle => MockBody::trickle(bytes, Duration::from_secs(1)),
        Reshape::Cut => MockBody::cut(bytes),
    };
    hyper::Response::from_parts(parts, body)
}

/// A token answer that is well-formed but for `expires_in` (raw JSON) and the content type.
fn odd_token_answer(expires_in: &str, content_type: &'static str) -> Resp {
    let body = format!(
        r#"{{"access_token":"mock-odd-token","token_type":"Bearer","expires_in":{expires_in},"scope":"ks:fiks"}}"#
    );
    with_body(200, content_type, body)
}

/// The fault for this request, if any (see [`Applied`]); `Err` drops the connection.
async fn apply_fault(
    shared: &Shared,
    target: FaultTarget,
    path: &str,
    stall: &HeadStall,
) -> Result<Applied, DroppedOnPurpose> {
    let fault = shared.take_fault(target);
    if fault == Fault::None {
        return Ok(Applied::Normal);
    }
    {
        let mut c = lock(&shared.counters);
        match target {
            FaultTarget::Token => c.token_faults += 1,
            FaultTarget::Fiks => c.fiks_faults += 1,
            FaultTarget::Metadata => c.metadata_faults += 1,
        }
    }
    let answer = match fault {
        Fault::None => return Ok(Applied::Normal),
        Fault::Delay(d) => {
            tokio::time::sleep(d).await;
            return Ok(Applied::Normal);
        }
        Fault::Drop => return Err(DroppedOnPurpose),
        Fault::Trickle => return Ok(Applied::Reshape(Reshape::Trickle)),
        Fault::Cut => return Ok(Applied::Reshape(Reshape::Cut)),
        Fault::PartialHead => {
            stall.arm();
            with_body(200, "application/json", "{}")
        }
        Fault::Endless => {
            let prefix: &'static [u8] = match target {
                FaultTarget::Token => br#"{"access_token":""#,
                FaultTarget::Fiks => br#"{"data":""#,
                FaultTarget::Metadata => br#"{"issuer":""#,
            };
            with_shaped_body(200, "application/json", MockBody::endless(prefix, b'a'))
        }
        Fault::EndlessError => {
            let prefix: &'static [u8] = match target {
                FaultTarget::Token | FaultTarget::Metadata => br#"{"error":"invalid_grant","error_description":""#,
                FaultTarget::Fiks => br#"{"status":400,"errorId":"00000000-0000-0000-0000-000000000000","message":""#,
            };
            with_shaped_body(400, "application/json", MockBody::endless(prefix, b'a'))
        }
        Fault::Big(n) => with_shaped_body(200, "application/octet-stream", MockBody::sized(n, b'a')),
        Fault::WrongContentType => odd_token_answer("120", "text/html; charset=utf-8"),
        Fault::ExpiresIn(v) => odd_token_answer(&v, "application/json"),
        Fault::RetryAfterDate(secs) => {
            // From the mock's clock, as the `Date` header of the same answer.
            let at = crate::state::shifted(shared.system_now(), secs);
            let r = match target {
                FaultTarget::Token | FaultTarget::Metadata => {
                    maskinporten::oauth_error(503, "server_error", "Maskinporten is busy (injected fault)")
                }
                FaultTarget::Fiks => {
                    fiks_api::fiks_error(503, path, "Tjenesten er opptatt (injected fault)", None, None)
                }
            };
            header(r, "retry-after", &httpdate::fmt_http_date(at))
        }
        Fault::Redirect => header(
            with_body(302, "text/plain; charset=utf-8", "moved\n"),
            "location",
            "https://elsewhere.invalid/moved",
        ),
        Fault::Garbage => with_body(200, "application/json", GARBAGE),
        Fault::Html502 => with_body(502, "text/html", HTML_502),
        Fault::Status(code) => match target {
            FaultTarget::Token | FaultTarget::Metadata => maskinporten::oauth_error(
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
                FaultTarget::Token | FaultTarget::Metadata => maskinporten::oauth_error(
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
    Ok(Applied::Answer(answer))
}
