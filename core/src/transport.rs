//! The HTTP client: rustls with the system trust store plus `ca_file`, timeouts, no redirects
//! (a redirect could carry `IntegrasjonPassord` to another host), proxies from the environment.

use crate::config::Config;
use crate::error::{Error, Result, TransportProblem};

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("fiks-integrasjon/", env!("CARGO_PKG_VERSION"));

pub(crate) fn http_client(config: &Config) -> Result<reqwest::Client> {
    let mut b = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .timeout(config.timeout())
        .connect_timeout(config.connect_timeout())
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(60))
        .tcp_nodelay(true);
    if let Some(path) = config.ca_file() {
        let pem = std::fs::read(path).map_err(|e| {
            Error::config(Some("ca_file".into()), format!("cannot read `ca_file` {}: {e}", path.display()))
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            Error::config(
                Some("ca_file".into()),
                format!("`ca_file` {} is not a PEM certificate bundle: {e}", path.display()),
            )
        })?;
        if certs.is_empty() {
            return Err(Error::config(
                Some("ca_file".into()),
                format!("`ca_file` {} holds no certificate", path.display()),
            ));
        }
        b = b.tls_certs_merge(certs);
    }
    b.build().map_err(|e| Error::config(None, format!("the HTTP client cannot be built: {e}")))
}

/// The most of a Maskinporten answer that is read: a token answer is a few KiB.
pub const MAX_TOKEN_ANSWER_BYTES: usize = 64 * 1024;

/// The most of a Fiks error body that is kept: enough for any Fiks error and for a proxy's
/// page; the rest is not read ([`crate::ApiError::body_truncated`]).
pub const MAX_ERROR_BODY_BYTES: usize = 1024 * 1024;

/// How much of an answer is read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum BodyCap {
    /// The token endpoint: any answer over [`MAX_TOKEN_ANSWER_BYTES`] is not Maskinporten's.
    Token,
    /// A Fiks API: a 2xx body up to `max_response_bytes` (over it: an error), an error body
    /// up to [`MAX_ERROR_BODY_BYTES`] (over it: the beginning, marked truncated).
    Fiks {
        /// The `max_response_bytes` setting.
        max_response_bytes: usize,
    },
}

/// A received answer: status, `Retry-After`, headers and the body (`truncated` when an error
/// body was longer than what is kept).
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<std::time::Duration>,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Vec<u8>,
    pub(crate) truncated: bool,
}

type Failure = (Error, Option<std::time::Duration>);

/// Sends `request` with `timeout` and reads the answer up to its cap: the one place every
/// exchange (token endpoint and Fiks APIs) goes through. `what` names the exchange in errors
/// ("the token request"); a failure comes with no `Retry-After`, as the retry loops expect.
///
/// Memory stays bounded whatever the server sends: a `Content-Length` over the cap fails (or
/// truncates) before anything is read, and a body is read chunk by chunk only up to the cap;
/// past it the answer is dropped, which closes its connection (it is never reused). The
/// request's `timeout` bounds the whole exchange, body included, so a body that trickles ends
/// there too. Compression is off (no `Accept-Encoding` is sent), so no body expands.
pub(crate) async fn exchange(
    request: reqwest::RequestBuilder,
    timeout: std::time::Duration,
    what: &str,
    cap: BodyCap,
) -> std::result::Result<Answer, Failure> {
    let mut resp = request.timeout(timeout).send().await.map_err(|e| (Error::from_reqwest(what, &e), None))?;
    let status = resp.status().as_u16();
    let retry_after = crate::retry::retry_after_of(resp.headers());
    let headers = resp.headers().clone();
    let success = (200..300).contains(&status);
    // What may be read, and whether going past it truncates (error bodies) or fails.
    let (limit, truncate) = match cap {
        BodyCap::Token => (MAX_TOKEN_ANSWER_BYTES, false),
        BodyCap::Fiks { max_response_bytes } if success => (max_response_bytes, false),
        BodyCap::Fiks { .. } => (MAX_ERROR_BODY_BYTES, true),
    };
    let too_large = |len: Option<u64>| -> Failure {
        let size = len.map(|n| format!(" ({n} bytes)")).unwrap_or_default();
        let err = match cap {
            BodyCap::Token => Error::Transport {
                problem: TransportProblem::InvalidResponse,
                message: format!(
                    "the answer to {what} is over {MAX_TOKEN_ANSWER_BYTES} bytes{size}, so it is not Maskinporten's: the connection was dropped"
                ),
                status: Some(status),
            },
            BodyCap::Fiks { max_response_bytes } => Error::Transport {
                problem: TransportProblem::TooLarge,
                message: format!(
                    "the answer to {what} is over `max_response_bytes` ({max_response_bytes} bytes){size}: the connection was dropped"
                ),
                status: Some(status),
            },
        };
        (err, None)
    };
    let announced = resp.content_length();
    if !truncate && announced.is_some_and(|n| n > limit as u64) {
        return Err(too_large(announced));
    }
    let mut body = Vec::with_capacity(announced.map_or(0, |n| n.min(limit as u64) as usize).min(64 * 1024));
    let mut truncated = false;
    while let Some(chunk) =
        resp.chunk().await.map_err(|e| (Error::from_reqwest(&format!("reading the answer to {what}"), &e), None))?
    {
        let room = limit - body.len();
        if chunk.len() > room {
            if !truncate {
                return Err(too_large(announced));
            }
            body.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        body.extend_from_slice(&chunk);
    }
    // Dropping `resp` here with the body unread closes the connection.
    drop(resp);
    Ok(Answer { status, retry_after, headers, body, truncated })
}
