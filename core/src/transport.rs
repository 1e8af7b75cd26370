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
