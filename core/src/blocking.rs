//! The blocking facade: what C, Python and .NET call.
//!
//! Like `reqwest::blocking`, a [`Client`] owns a small tokio runtime (one worker thread named
//! `fiks-integrasjon`). Cached reads never touch it: they are an atomic load and a clock read
//! on the caller's thread. Only a cache miss or a Fiks call goes through the runtime.
//!
//! Misuse is an error, never a panic or a hang: calling from inside an async runtime, or from
//! a child process after `fork()`, returns [`Error::Usage`]. Dropping the client never blocks
//! (safe from a .NET finalizer thread or Python's garbage collector).
//!
//! ```no_run
//! use fiks_integrasjon::{blocking, Config, FiksRequest};
//! let client = blocking::Client::new(Config::from_file("fiks.toml")?)?;
//! let token = client.token()?;
//! println!("token valid for {:?}", token.remaining());
//! for (name, value) in client.headers()?.iter() {
//!     println!("{name}: {}", if name == "IntegrasjonId" { value } else { "***" });
//! }
//! let answer = client.request(FiksRequest::post("/innsyn-sok/api/v1/sok").json(&serde_json::json!({"sok": "byggesak"}))?)?;
//! println!("{}", answer.text());
//! # Ok::<(), fiks_integrasjon::Error>(())
//! ```

use std::future::Future;
use std::sync::Arc;

use crate::client::ClientStats;
use crate::config::Config;
use crate::credentials::CertificateInfo;
use crate::error::{Error, Result};
use crate::grant::{Grant, TokenRequest};
use crate::headers::FiksHeaders;
use crate::request::{FiksRequest, FiksResponse};
use crate::token::Token;

/// A blocking client. `Send + Sync`: share one between threads (it is designed for that).
pub struct Client {
    inner: crate::Client,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("blocking::Client").field("config", self.inner.config()).finish_non_exhaustive()
    }
}

impl Client {
    /// Builds the client and its runtime; certificate problems are raised here.
    pub fn new(config: Config) -> Result<Client> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(2)
            .thread_name("fiks-integrasjon")
            .enable_all()
            .build()
            .map_err(|e| Error::usage(format!("cannot start the runtime thread: {e}")))?;
        let inner = {
            let _enter = runtime.enter();
            crate::Client::with_handle(config, Some(runtime.handle().clone()))
        };
        match inner {
            Ok(inner) => Ok(Client { inner, runtime: Some(runtime) }),
            Err(e) => {
                runtime.shutdown_background();
                Err(e)
            }
        }
    }

    fn block_on<F: Future>(&self, fut: F) -> Result<F::Output> {
        self.inner.inner.check_fork()?;
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::usage(
                "the blocking client was called from inside an async runtime: use fiks_integrasjon::Client (async) there",
            ));
        }
        let rt = self.runtime.as_ref().ok_or_else(|| Error::usage("the client is shut down"))?;
        Ok(rt.handle().block_on(fut))
    }

    /// The access token for the configured scopes.
    #[inline]
    pub fn token(&self) -> Result<Arc<Token>> {
        if let Some(t) = self.inner.cached_token() {
            return Ok(t);
        }
        self.block_on(self.inner.token())?
    }

    /// The access token string for the configured scopes.
    pub fn access_token(&self) -> Result<String> {
        self.token().map(|t| t.access_token().to_string())
    }

    /// The access token for another request (scopes, resource, …).
    pub fn token_for(&self, request: &TokenRequest) -> Result<Arc<Token>> {
        self.block_on(self.inner.token_for(request))?
    }

    /// The three Fiks headers.
    #[inline]
    pub fn headers(&self) -> Result<Arc<FiksHeaders>> {
        if let Some(h) = self.inner.cached_headers() {
            return Ok(h);
        }
        self.block_on(self.inner.headers())?
    }

    /// Sends a request to the Fiks API.
    pub fn request(&self, request: FiksRequest) -> Result<FiksResponse> {
        self.block_on(self.inner.request(request))?
    }

    /// Builds a grant without sending it (diagnostics).
    pub fn grant(&self) -> Result<Grant> {
        self.inner.grant()
    }

    /// The certificate in use.
    pub fn certificate(&self) -> Option<&CertificateInfo> {
        self.inner.certificate()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        self.inner.config()
    }

    /// Counters of token traffic.
    pub fn stats(&self) -> ClientStats {
        self.inner.stats()
    }

    /// The URL a request path resolves to (see [`crate::Client::url`]).
    pub fn url(&self, path: &str) -> Result<url::Url> {
        self.inner.url(path)
    }

    /// Forgets `token` if it is still the cached one (see [`crate::Client::evict`]).
    pub fn evict(&self, token: &Arc<Token>) {
        self.inner.evict(token)
    }

    /// Forgets cached tokens.
    pub fn clear_cache(&self) {
        self.inner.clear_cache()
    }

    /// The async client inside (shares the cache).
    pub fn async_client(&self) -> &crate::Client {
        &self.inner
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            // Never blocks: safe on finalizer threads, inside runtimes and after fork().
            rt.shutdown_background();
        }
    }
}
