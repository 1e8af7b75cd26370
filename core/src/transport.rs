//! The HTTP client: rustls with the system trust store plus `ca_file`, timeouts, no redirects
//! (a redirect could carry `IntegrasjonPassord` to another host), proxies from the environment.

use crate::config::Config;
use crate::error::{Error, Result};

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

/// A received answer: status, `Retry-After`, headers and the body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<std::time::Duration>,
    pub(crate) headers: reqwest::header::HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// Sends `request` with `timeout` and reads the whole answer: the one place every exchange
/// (token endpoint and Fiks APIs) goes through. `what` names the exchange in errors ("the token
/// request"); a failure comes with no `Retry-After`, as the retry loops expect.
pub(crate) async fn exchange(
    request: reqwest::RequestBuilder,
    timeout: std::time::Duration,
    what: &str,
) -> std::result::Result<Answer, (Error, Option<std::time::Duration>)> {
    let resp = request.timeout(timeout).send().await.map_err(|e| (Error::from_reqwest(what, &e), None))?;
    let status = resp.status().as_u16();
    let retry_after = crate::retry::retry_after_of(resp.headers());
    let headers = resp.headers().clone();
    let body = resp
        .bytes()
        .await
        .map_err(|e| (Error::from_reqwest(&format!("reading the answer to {what}"), &e), None))?
        .to_vec();
    Ok(Answer { status, retry_after, headers, body })
}
