//! The async client: tokens, headers and Fiks calls.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime};

use secrecy::ExposeSecret;
use tokio::runtime::Handle;
use url::Url;

use crate::ErrorKind;
use crate::cache::{Entry, Lookup, Slot};
use crate::config::{AuthMode, Config};
use crate::credentials::{CertificateInfo, Credentials};
use crate::error::{Error, Result, TokenError, TransportProblem};
use crate::fiks_error::parse_fiks_error;
use crate::grant::{Grant, GrantSigner, TokenRequest};
use crate::headers::FiksHeaders;
use crate::request::{FiksRequest, FiksResponse};
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::token::{GRANT_TYPE, Token, excerpt, parse_oauth_error, parse_token_response};

/// Counters a client keeps about its own work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// HTTP requests sent to the token endpoint (retries included).
    pub token_requests: u64,
    /// Tokens received.
    pub tokens_received: u64,
}

/// The async client. Cheap to clone (an `Arc` inside); safe to share between tasks and threads.
///
/// ```no_run
/// # async fn run() -> fiks_integrasjon::Result<()> {
/// use fiks_integrasjon::{Client, Config, FiksRequest};
/// let client = Client::new(Config::from_file("fiks.toml")?)?;
/// let headers = client.headers().await?;
/// let answer = client
///     .request(FiksRequest::post("/innsyn-sok/api/v1/sok").json(&serde_json::json!({"sok": "byggesak"}))?)
///     .await?;
/// println!("{} {}", answer.status, answer.text());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    config: Config,
    signer: Option<GrantSigner>,
    cert_info: Option<CertificateInfo>,
    http: reqwest::Client,
    default_request: TokenRequest,
    default_slot: Arc<Slot>,
    slots: RwLock<HashMap<TokenRequest, Arc<Slot>>>,
    person_headers: Option<Arc<FiksHeaders>>,
    person_token: Option<Arc<Token>>,
    handle: Option<Handle>,
    pid: u32,
    token_requests: AtomicU64,
    tokens_received: AtomicU64,
}

impl Client {
    /// Builds a client: loads and checks the certificate (every certificate problem is raised
    /// here, before any network call) and prepares the HTTP client. Background renewals run on
    /// the tokio runtime current at call time, if any.
    pub fn new(config: Config) -> Result<Client> {
        Self::with_handle(config, Handle::try_current().ok())
    }

    pub(crate) fn with_handle(config: Config, handle: Option<Handle>) -> Result<Client> {
        let (signer, cert_info) = match config.auth_mode() {
            AuthMode::Maskinporten => {
                let creds = Credentials::from_config(&config)?;
                (Some(GrantSigner::new(&config, &creds)?), creds.info().cloned())
            }
            _ => (None, None),
        };
        let (person_headers, person_token) =
            match (config.auth_mode(), &config.integrasjon_id, &config.integrasjon_passord) {
                (AuthMode::PersonToken(t), Some(id), Some(pw)) => (
                    Some(Arc::new(FiksHeaders::new(t.expose_secret(), id, pw.expose_secret()))),
                    Some(Arc::new(Token::new(t.expose_secret().to_string(), "Bearer".into(), 0, None))),
                ),
                _ => (None, None),
            };
        let http = crate::transport::http_client(&config)?;
        let default_request = TokenRequest::from_config(&config);
        Ok(Client {
            inner: Arc::new(Inner {
                default_request,
                default_slot: Arc::new(Slot::new()),
                slots: RwLock::new(HashMap::new()),
                signer,
                cert_info,
                http,
                person_headers,
                person_token,
                handle,
                pid: std::process::id(),
                token_requests: AtomicU64::new(0),
                tokens_received: AtomicU64::new(0),
                config,
            }),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The certificate in use (None in person mode or with a bare key).
    pub fn certificate(&self) -> Option<&CertificateInfo> {
        self.inner.cert_info.as_ref()
    }

    /// Counters of this client's token traffic.
    pub fn stats(&self) -> ClientStats {
        ClientStats {
            token_requests: self.inner.token_requests.load(Ordering::Relaxed),
            tokens_received: self.inner.tokens_received.load(Ordering::Relaxed),
        }
    }

    /// Builds and signs a grant for the configured request, without sending it (for display
    /// and diagnostics; each call has a fresh `jti`).
    pub fn grant(&self) -> Result<Grant> {
        self.inner.signer()?.sign(&self.inner.default_request, SystemTime::now())
    }

    /// The access token for the configured scopes, from the cache when it is fresh.
    pub async fn token(&self) -> Result<Arc<Token>> {
        if let Some(t) = self.cached_token() {
            return Ok(t);
        }
        match self.inner.config.auth_mode() {
            AuthMode::Maskinporten => {
                let slot = self.inner.default_slot.clone();
                Ok(self.inner.entry(&slot, &self.inner.default_request).await?.token.clone())
            }
            AuthMode::PersonTokenProvider(p) => Ok(Arc::new(Token::new(call_provider(p)?, "Bearer".into(), 0, None))),
            AuthMode::PersonToken(_) => self.inner.person_token.clone().ok_or_else(missing_integrasjon),
        }
    }

    /// The access token for another set of scopes / claims, cached separately per request.
    pub async fn token_for(&self, request: &TokenRequest) -> Result<Arc<Token>> {
        request.validate()?;
        if *request == self.inner.default_request {
            return self.token().await;
        }
        if !matches!(self.inner.config.auth_mode(), AuthMode::Maskinporten) {
            return Err(Error::usage("tokens for other scopes need Maskinporten mode, not integrasjon-person mode"));
        }
        let slot = self.inner.slot_for(request);
        if let Some(e) = self.inner.read(&slot, request) {
            return Ok(e.token.clone());
        }
        Ok(self.inner.entry(&slot, request).await?.token.clone())
    }

    /// The three Fiks headers, from the cache when the token is fresh.
    pub async fn headers(&self) -> Result<Arc<FiksHeaders>> {
        if let Some(h) = self.cached_headers() {
            return Ok(h);
        }
        self.inner.headers_slow().await.map(|(h, _)| h)
    }

    /// The cached token, if fresh; never waits and never does I/O (it may start a background
    /// renewal when the token is due).
    #[inline]
    pub fn cached_token(&self) -> Option<Arc<Token>> {
        if let Some(t) = &self.inner.person_token {
            return Some(t.clone());
        }
        self.inner.read(&self.inner.default_slot, &self.inner.default_request).map(|e| e.token.clone())
    }

    /// The cached headers, if the token is fresh; never waits and never does I/O.
    #[inline]
    pub fn cached_headers(&self) -> Option<Arc<FiksHeaders>> {
        if let Some(h) = &self.inner.person_headers {
            return Some(h.clone());
        }
        let inner = &self.inner;
        inner.default_slot.with_valid(|l| match l {
            Lookup::Valid { entry, renew } => {
                if renew {
                    inner.renew_in_background(&inner.default_slot, &inner.default_request);
                }
                entry.headers.clone()
            }
            Lookup::Missing => None,
        })
    }

    /// The URL a request path resolves to: joined onto `fiks_base_url` (keeping its path
    /// prefix), or a full URL checked to be on the same origin.
    pub fn url(&self, path: &str) -> Result<Url> {
        self.inner.resolve(path)
    }

    /// Forgets `token` if it is still the cached one for the configured scopes (for example
    /// after an API answered 401 to it); a newer token is kept.
    pub fn evict(&self, token: &Arc<Token>) {
        self.inner.default_slot.evict(token);
    }

    /// Forgets every cached token (the next call fetches new ones).
    pub fn clear_cache(&self) {
        self.inner.default_slot.clear();
        if let Ok(m) = self.inner.slots.read() {
            m.values().for_each(|s| s.clear());
        }
    }

    /// Sends a request to the Fiks API with the Fiks headers. A non-2xx answer is an
    /// [`Error::Api`] carrying the parsed Fiks error and the raw body. A 401 on a cached token
    /// evicts it and retries once with a fresh one; idempotent methods are retried on connect
    /// errors, 429, 502, 503 and 504.
    pub async fn request(&self, request: FiksRequest) -> Result<FiksResponse> {
        let url = self.inner.resolve(&request.path)?;
        let policy = self.inner.retry_policy();
        let started = Instant::now();
        let mut attempt = 0u32;
        let mut renewed_after_401 = false;
        loop {
            let (headers, token) = match self.cached_headers() {
                Some(h) => (h, self.cached_token()),
                None => self.inner.headers_slow().await?,
            };
            let outcome = self.inner.send_once(&url, &request, &headers, policy.remaining(started)).await;
            let (err, retry_after) = match outcome {
                Ok(resp) => return Ok(resp),
                Err((err, retry_after)) => (err, retry_after),
            };
            if err.http_status() == Some(401)
                && !renewed_after_401
                && let (Some(tok), AuthMode::Maskinporten) = (&token, self.inner.config.auth_mode())
            {
                tracing::debug!("Fiks answered 401: evicting the cached token and retrying once with a fresh one");
                self.inner.default_slot.evict(tok);
                renewed_after_401 = true;
                continue;
            }
            let retryable = request.is_idempotent()
                && match &err {
                    Error::Api(a) => matches!(a.status, 429 | 502 | 503 | 504),
                    Error::Transport { problem, .. } => {
                        matches!(problem, TransportProblem::Connect | TransportProblem::Timeout)
                    }
                    _ => false,
                };
            attempt += 1;
            match policy.delay(attempt, started, retry_after).filter(|_| retryable) {
                Some(delay) => {
                    tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, error = %err, "retrying Fiks request");
                    tokio::time::sleep(delay).await;
                }
                None => return Err(err),
            }
        }
    }
}

fn missing_integrasjon() -> Error {
    Error::config(
        Some("integrasjon_id".into()),
        "`integrasjon_id` and `integrasjon_passord` are not set: Fiks calls need them (from Fiks-konfigurasjon)",
    )
}

fn call_provider(p: &crate::config::PersonTokenProvider) -> Result<String> {
    let token = p().map_err(|m| {
        Error::Token(Box::new(TokenError {
            status: 0,
            error: "person_token_provider".into(),
            description: Some(format!("the person token callback failed: {m}")),
            error_uri: None,
            mp_code: None,
        }))
    })?;
    if token.is_empty() || token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Error::config(
            Some("person_token".into()),
            "the person token callback returned an empty or malformed token",
        ));
    }
    Ok(token)
}

impl Inner {
    fn signer(&self) -> Result<&GrantSigner> {
        self.signer.as_ref().ok_or_else(|| Error::usage("integrasjon-person mode has no Maskinporten grant"))
    }

    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_retries: self.config.max_retries(),
            deadline: self.config.retry_deadline().max(self.config.timeout()),
        }
    }

    pub(crate) fn check_fork(&self) -> Result<()> {
        if std::process::id() != self.pid {
            return Err(Error::usage(
                "this client was created in another process (before fork()); create a new client in this process",
            ));
        }
        Ok(())
    }

    fn slot_for(&self, request: &TokenRequest) -> Arc<Slot> {
        if let Some(s) = self.slots.read().ok().and_then(|m| m.get(request).cloned()) {
            return s;
        }
        match self.slots.write() {
            Ok(mut m) => m.entry(request.clone()).or_insert_with(|| Arc::new(Slot::new())).clone(),
            Err(_) => Arc::new(Slot::new()),
        }
    }

    /// A valid cached entry, starting a background renewal when due.
    fn read(self: &Arc<Self>, slot: &Arc<Slot>, request: &TokenRequest) -> Option<Arc<Entry>> {
        slot.with_valid(|l| match l {
            Lookup::Valid { entry, renew } => {
                if renew {
                    self.renew_in_background(slot, request);
                }
                Some(entry.clone())
            }
            Lookup::Missing => None,
        })
    }

    fn renew_in_background(self: &Arc<Self>, slot: &Arc<Slot>, request: &TokenRequest) {
        // While a renewal is in flight every read lands here: leave with one shared load, before
        // the fork check (a getpid syscall) and the claim (a contended write). Under many threads
        // on few cores the renewal itself waits for CPU, so this window is not short
        // (benches/NOTES.md, figure 5).
        if slot.background_running() {
            return;
        }
        if self.check_fork().is_err() || !slot.begin_background() {
            return;
        }
        let Some(handle) = self.handle.clone().or_else(|| Handle::try_current().ok()) else {
            slot.end_background(None);
            return;
        };
        let inner = self.clone();
        let slot = slot.clone();
        let request = request.clone();
        handle.spawn(async move {
            let _guard = slot.lock.lock().await;
            if !slot.needs_renewal() {
                slot.end_background(None);
                return;
            }
            match inner.fetch_token(&request).await {
                Ok(token) => {
                    slot.store(inner.make_entry(token));
                    slot.end_background(None);
                }
                Err(e) => {
                    let left = slot.valid().map(|e| e.expires_at.saturating_duration_since(Instant::now())).unwrap_or_default();
                    tracing::warn!(error = %e, valid_for_ms = left.as_millis() as u64, "background token renewal failed; the current token is served until it expires");
                    slot.end_background(Some((left / 4).clamp(Duration::from_millis(100), Duration::from_secs(10))));
                }
            }
        });
    }

    fn make_entry(&self, token: Token) -> Arc<Entry> {
        let headers = match (&self.config.integrasjon_id, &self.config.integrasjon_passord) {
            (Some(id), Some(pw)) => Some(Arc::new(FiksHeaders::new(token.access_token(), id, pw.expose_secret()))),
            _ => None,
        };
        Arc::new(Entry::new(Arc::new(token), headers, self.config.refresh_ahead()))
    }

    /// Single flight: the first caller fetches, the rest wait on the slot and take its result.
    async fn entry(self: &Arc<Self>, slot: &Arc<Slot>, request: &TokenRequest) -> Result<Arc<Entry>> {
        let waited_since = Instant::now();
        if let Some(e) = slot.valid() {
            return Ok(e);
        }
        self.check_fork()?;
        let _guard = slot.lock.lock().await;
        if let Some(e) = slot.valid() {
            return Ok(e);
        }
        if let Some(err) = slot.failure_since(waited_since) {
            return Err(err);
        }
        match self.fetch_token(request).await {
            Ok(token) => {
                let e = self.make_entry(token);
                slot.store(e.clone());
                Ok(e)
            }
            Err(err) => {
                slot.record_failure(&err);
                Err(err)
            }
        }
    }

    async fn headers_slow(self: &Arc<Self>) -> Result<(Arc<FiksHeaders>, Option<Arc<Token>>)> {
        match self.config.auth_mode() {
            AuthMode::Maskinporten => {
                if self.config.integrasjon_id.is_none() {
                    return Err(missing_integrasjon());
                }
                let e = self.entry(&self.default_slot, &self.default_request).await?;
                let h = e.headers.clone().ok_or_else(missing_integrasjon)?;
                Ok((h, Some(e.token.clone())))
            }
            AuthMode::PersonTokenProvider(p) => match (&self.config.integrasjon_id, &self.config.integrasjon_passord) {
                (Some(id), Some(pw)) => {
                    Ok((Arc::new(FiksHeaders::new(&call_provider(p)?, id, pw.expose_secret())), None))
                }
                _ => Err(missing_integrasjon()),
            },
            AuthMode::PersonToken(_) => self.person_headers.clone().map(|h| (h, None)).ok_or_else(missing_integrasjon),
        }
    }

    /// Asks Maskinporten, retrying connect errors, timeouts, 429 and 5xx with backoff; a 4xx
    /// OAuth error is returned at once. Every attempt carries a new grant (new `jti`).
    async fn fetch_token(&self, request: &TokenRequest) -> Result<Token> {
        let signer = self.signer()?;
        let policy = self.retry_policy();
        let started = Instant::now();
        let endpoint = self.config.token_endpoint();
        let mut attempt = 0u32;
        loop {
            let grant = signer.sign(request, SystemTime::now())?;
            self.token_requests.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(endpoint = %endpoint, scope = %request.scope_string(), attempt, "requesting a Maskinporten token");
            let timeout = self.config.timeout().min(policy.remaining(started).max(Duration::from_millis(100)));
            let sent = self
                .http
                .post(endpoint.clone())
                .form(&[("grant_type", GRANT_TYPE), ("assertion", grant.assertion())])
                .header(reqwest::header::ACCEPT, "application/json")
                .timeout(timeout)
                .send()
                .await;
            let (err, retry_after, retryable) = match sent {
                Err(e) => {
                    let err = Error::from_reqwest("the token request", &e);
                    let retryable = matches!(
                        &err,
                        Error::Transport { problem: TransportProblem::Connect | TransportProblem::Timeout, .. }
                    );
                    (err, None, retryable)
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    let body = match resp.bytes().await {
                        Ok(b) => b,
                        Err(e) => {
                            let err = Error::from_reqwest("reading the token answer", &e);
                            let retryable = matches!(&err, Error::Transport { problem: TransportProblem::Timeout, .. });
                            attempt += 1;
                            match policy.delay(attempt, started, None).filter(|_| retryable) {
                                Some(d) => {
                                    tokio::time::sleep(d).await;
                                    continue;
                                }
                                None => return Err(err),
                            }
                        }
                    };
                    if (200..300).contains(&status) {
                        let token = parse_token_response(status, &body)?;
                        self.tokens_received.fetch_add(1, Ordering::Relaxed);
                        tracing::debug!(
                            expires_in = token.expires_in,
                            scope = token.scope.as_deref().unwrap_or(""),
                            "received a Maskinporten token"
                        );
                        return Ok(token);
                    }
                    let retryable = status == 429 || status >= 500;
                    let err = match parse_oauth_error(status, &body) {
                        Some(t) => Error::Token(Box::new(t)),
                        None => Error::Transport {
                            problem: TransportProblem::InvalidResponse,
                            message: format!(
                                "the token endpoint answered HTTP {status} without an OAuth error body: {}",
                                excerpt(&body)
                            ),
                            status: Some(status),
                        },
                    };
                    (err, retry_after, retryable)
                }
            };
            attempt += 1;
            match policy.delay(attempt, started, retry_after).filter(|_| retryable) {
                Some(delay) => {
                    tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, error = %err, "retrying the token request");
                    tokio::time::sleep(delay).await;
                }
                None => {
                    if err.kind() == ErrorKind::Token {
                        tracing::debug!(error = %err, "Maskinporten refused the grant");
                    }
                    return Err(err);
                }
            }
        }
    }

    /// Joins a path onto `fiks_base_url` (keeping its path prefix), or checks that a full URL
    /// is on the same origin: the Fiks password is never sent to another host.
    fn resolve(&self, path: &str) -> Result<Url> {
        let base = self.config.fiks_base_url();
        if path.starts_with("http://") || path.starts_with("https://") {
            let u = crate::config::parse_url("url", path)?;
            if u.origin() != base.origin() {
                return Err(Error::config(
                    Some("fiks_base_url".into()),
                    format!(
                        "refusing to send the Fiks headers to {}: it is not on `fiks_base_url` ({})",
                        u.origin().ascii_serialization(),
                        base.origin().ascii_serialization()
                    ),
                ));
            }
            return Ok(u);
        }
        let rel = path.trim_start_matches('/');
        if rel.split(['/', '?', '#']).any(|seg| seg == ".." || seg == ".") {
            return Err(Error::config(None, format!("the path `{path}` must not contain `.` or `..` segments")));
        }
        base.join(rel).map_err(|e| Error::config(None, format!("`{path}` cannot be joined to `fiks_base_url`: {e}")))
    }

    async fn send_once(
        &self,
        url: &Url,
        request: &FiksRequest,
        headers: &FiksHeaders,
        remaining: Duration,
    ) -> std::result::Result<FiksResponse, (Error, Option<Duration>)> {
        let mut b = self.http.request(request.method.clone(), url.clone());
        for (name, value) in &request.headers {
            if ["authorization", "integrasjonid", "integrasjonpassord"].contains(&name.to_ascii_lowercase().as_str()) {
                tracing::warn!(header = %name, "ignoring an extra header that would override a Fiks header");
                continue;
            }
            b = b.header(name.as_str(), value.as_str());
        }
        b = b.headers(headers.to_header_map());
        if let Some(body) = &request.body {
            b = b.body(body.clone());
            if let Some(ct) = &request.content_type {
                b = b.header(reqwest::header::CONTENT_TYPE, ct.as_str());
            }
        }
        let timeout = request.timeout.unwrap_or(self.config.timeout()).min(remaining.max(Duration::from_millis(100)));
        let resp = b.timeout(timeout).send().await.map_err(|e| (Error::from_reqwest("the Fiks request", &e), None))?;
        let status = resp.status().as_u16();
        let retry_after =
            resp.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let body = resp.bytes().await.map_err(|e| (Error::from_reqwest("reading the Fiks answer", &e), None))?.to_vec();
        if (200..300).contains(&status) {
            Ok(FiksResponse { status, headers, body })
        } else {
            Err((api_error_from(status, body), retry_after))
        }
    }
}

/// Builds the API error for a non-2xx answer, parsing the Fiks error body when there is one.
pub(crate) fn api_error_from(status: u16, body: Vec<u8>) -> Error {
    let parsed = parse_fiks_error(&body);
    Error::Api(Box::new(crate::error::ApiError { status, body: parsed, raw: body }))
}
