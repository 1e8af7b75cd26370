//! The async client: one Maskinporten identity, its token cache and HTTP pool.
//!
//! What lives where: the token exchange with Maskinporten is in [`crate::token`], single
//! flight and renewal in [`crate::cache`], Fiks calls in [`crate::fiks_call`], and the rule of
//! where the Fiks headers may go in [`crate::origin`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use secrecy::ExposeSecret;
use tokio::runtime::Handle;
use url::Url;

use crate::cache::{Entry, Eviction, Lookup, Slot};
use crate::config::{AuthMode, Config};
use crate::credentials::{CertificateInfo, Credentials};
use crate::error::{Error, Result};
use crate::grant::{Grant, GrantSigner, TokenRequest};
use crate::headers::FiksHeaders;
use crate::origin::FiksOrigins;
use crate::retry::RetryPolicy;
use crate::speaker::{Auth, Speaker};
use crate::token::Token;

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
///
/// One client holds one Maskinporten identity; [`Client::for_integrasjon`],
/// [`Client::for_integrasjon_named`] and [`Client::as_person`] derive clients that share it
/// (certificate, token cache, HTTP pool, runtime) and differ only in the integrasjon or the
/// citizen they speak for.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
    pub(crate) speaker: Arc<Speaker>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Client");
        if !self.speaker.root {
            d.field("integrasjon_id", &self.integrasjon_id()).field("person", &self.speaker.is_person());
        }
        d.field("config", &self.inner.config).finish_non_exhaustive()
    }
}

/// The login of Fiks IO's AMQP broker: username `IntegrasjonId`, password
/// `IntegrasjonPassord + " " + <Maskinporten token>`. Log in again (or update the secret)
/// before [`FiksIoCredentials::renew_at`]; asking again then gives the renewed token.
/// `Debug` hides the password.
#[derive(Clone)]
pub struct FiksIoCredentials {
    /// The AMQP username: the integrasjon id.
    pub username: String,
    password: secrecy::SecretString,
    /// When the token inside the password expires.
    pub expires_at: SystemTime,
    /// When to log in again with fresh credentials (the cache's renewal time).
    pub renew_at: SystemTime,
}

impl FiksIoCredentials {
    /// The AMQP password: `IntegrasjonPassord`, a space, and the Maskinporten token.
    pub fn password(&self) -> &str {
        self.password.expose_secret()
    }
}

impl std::fmt::Debug for FiksIoCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FiksIoCredentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("renew_at", &self.renew_at)
            .finish()
    }
}

pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) origins: FiksOrigins,
    signer: Option<GrantSigner>,
    cert_info: Option<CertificateInfo>,
    pub(crate) http: reqwest::Client,
    pub(crate) default_request: TokenRequest,
    pub(crate) default_slot: Arc<Slot>,
    slots: RwLock<HashMap<TokenRequest, Arc<Slot>>>,
    pub(crate) handle: Option<Handle>,
    /// The process that built the client: another one (a forked child) must not use its
    /// runtime. The one fork record of the library; [`crate::blocking::Client`] reads it too.
    pub(crate) pid: u32,
    pub(crate) token_requests: AtomicU64,
    pub(crate) tokens_received: AtomicU64,
    /// The next slot number of a derived integrasjon (see [`crate::cache::DerivedHeaders`]).
    pub(crate) derived_slots: AtomicU64,
    /// Discovery of Maskinporten's endpoints (`discovery = true`).
    pub(crate) discovery: Option<Arc<crate::discovery::Discovery>>,
    /// The clock correction applied to grants (see [`crate::skew`]).
    pub(crate) skew: crate::skew::Skew,
    /// The on-disk token cache shared with other processes (`token_cache = "disk"`).
    pub(crate) disk: Option<crate::disk_cache::DiskCache>,
    /// What identifies the signing key in the disk cache's keys: the leaf certificate's
    /// SHA-256, or the `kid`.
    key_identity: String,
}

impl Client {
    /// Builds a client: loads and checks the certificate (every certificate problem is raised
    /// here, before any network call) and prepares the HTTP client. Background renewals run on
    /// the tokio runtime current at call time, if any.
    pub fn new(config: Config) -> Result<Client> {
        Self::with_handle(config, Handle::try_current().ok())
    }

    pub(crate) fn with_handle(config: Config, handle: Option<Handle>) -> Result<Client> {
        let (signer, cert_info, key_identity) = match config.auth_mode() {
            AuthMode::Maskinporten => {
                let creds = Credentials::from_config(&config)?;
                let signer = GrantSigner::new(&config, &creds)?;
                // Only the disk cache's keys need it: the kid the grants carry, or the leaf's hash.
                let identity = match (config.token_cache_disk(), signer.kid(), creds.chain_der().first()) {
                    (false, _, _) => String::new(),
                    (true, Some(kid), _) => format!("kid:{kid}"),
                    (true, None, Some(leaf)) => format!("x5c:{}", crate::disk_cache::hex_sha256(leaf)),
                    (true, None, None) => String::new(),
                };
                (Some(signer), creds.info().cloned(), identity)
            }
            _ => (None, None, String::new()),
        };
        let disk = match config.token_cache_disk() && matches!(config.auth_mode(), AuthMode::Maskinporten) {
            true => {
                let d = crate::disk_cache::DiskCache::open(config.token_cache_dir())?;
                tracing::debug!(dir = %d.dir().display(), "tokens are shared through the disk cache");
                Some(d)
            }
            false => None,
        };
        let speaker = Arc::new(Speaker::root(&config));
        let http = crate::transport::http_client(&config)?;
        let default_request = TokenRequest::from_config(&config);
        Ok(Client {
            inner: Arc::new(Inner {
                origins: FiksOrigins::new(&config),
                default_request,
                default_slot: Arc::new(Slot::new()),
                slots: RwLock::new(HashMap::new()),
                signer,
                cert_info,
                http,
                handle,
                pid: std::process::id(),
                token_requests: AtomicU64::new(0),
                tokens_received: AtomicU64::new(0),
                derived_slots: AtomicU64::new(0),
                discovery: crate::discovery::Discovery::new(&config)?,
                skew: crate::skew::Skew::default(),
                disk,
                key_identity,
                config,
            }),
            speaker,
        })
    }

    fn derived(&self, speaker: Speaker) -> Client {
        Client { inner: self.inner.clone(), speaker: Arc::new(speaker) }
    }

    /// This client speaking as another integrasjon: the same certificate, token cache, HTTP
    /// pool and runtime, other `IntegrasjonId`/`IntegrasjonPassord`. No certificate load, no
    /// thread, no token request of its own; a citizen's token (after [`Client::as_person`]) is
    /// kept. Fails with [`Error::Config`] for an id that is not a UUID or an empty password.
    pub fn for_integrasjon(&self, integrasjon_id: &str, integrasjon_passord: &str) -> Result<Client> {
        let slot = usize::try_from(self.inner.derived_slots.fetch_add(1, Ordering::Relaxed)).unwrap_or(usize::MAX);
        Ok(self.derived(self.speaker.with_integrasjon(integrasjon_id.trim(), integrasjon_passord, slot)?))
    }

    /// Like [`Client::for_integrasjon`] with an integrasjon of the configuration's
    /// `[integrasjoner.NAME]` table; an unknown name is an [`Error::Config`] listing the names.
    pub fn for_integrasjon_named(&self, name: &str) -> Result<Client> {
        match self.inner.config.integrasjon(name) {
            Some(i) => self.for_integrasjon(&i.id, i.passord.expose_secret()),
            None => {
                let names: Vec<&str> = self.inner.config.integrasjon_names().collect();
                Err(Error::config(
                    Some(format!("integrasjoner.{name}")),
                    if names.is_empty() {
                        format!(
                            "there is no integrasjon `{name}`: the configuration has no `[integrasjoner.NAME]` tables"
                        )
                    } else {
                        format!("there is no integrasjon `{name}`: the configured ones are {}", names.join(", "))
                    },
                ))
            }
        }
    }

    /// This client (the same integrasjon) speaking for a citizen: `Authorization` carries this
    /// ID-porten token, and no Maskinporten token is asked for. Derived clients for different
    /// citizens may be used concurrently from any thread or task; each request carries the
    /// token of the client it is sent through and no other.
    pub fn as_person(&self, person_token: &str) -> Result<Client> {
        Ok(self.derived(self.speaker.as_person(person_token)?))
    }

    /// The integrasjon id this client sends (None when none is configured).
    pub fn integrasjon_id(&self) -> Option<&str> {
        self.speaker.integrasjon.as_ref().map(|i| i.id.as_str())
    }

    /// Whether this client speaks for a citizen (integrasjon-person).
    pub fn is_person(&self) -> bool {
        self.speaker.is_person()
    }

    /// The login of Fiks IO's AMQP broker for this client's integrasjon, from the cached
    /// Maskinporten token (fetched when there is none). See [`FiksIoCredentials`].
    pub async fn fiks_io_credentials(&self) -> Result<FiksIoCredentials> {
        let Some(i) = self.speaker.integrasjon.clone() else {
            return Err(missing_integrasjon());
        };
        if self.speaker.is_person() {
            return Err(Error::usage("Fiks IO logs in with the organisation's Maskinporten token, not a citizen's"));
        }
        let slot = self.inner.default_slot.clone();
        let entry = match slot.valid() {
            Some(e) => e,
            None => self.inner.entry(&slot, &self.inner.default_request).await?,
        };
        Ok(fiks_io_credentials(&i, &entry))
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
        let audience = match self.inner.discovery.as_ref().and_then(|d| d.discovered()) {
            Some(e) => e.audience,
            None => self.inner.config.audience().to_string(),
        };
        self.inner.signer()?.sign(&self.inner.default_request, self.inner.skew.now(), &audience)
    }

    /// Maskinporten's endpoints as discovered (`discovery = true`), once a metadata document
    /// has been read; `None` before, or without discovery.
    pub fn discovered_endpoints(&self) -> Option<crate::discovery::Endpoints> {
        self.inner.discovery.as_ref().and_then(|d| d.discovered())
    }

    /// The correction (seconds, server minus local) applied to grant times after Maskinporten
    /// refused a grant for its time claims; 0 when none is applied.
    pub fn clock_offset_seconds(&self) -> i64 {
        self.inner.skew.applied()
    }

    /// The access token for the configured scopes, from the cache when it is fresh.
    pub async fn token(&self) -> Result<Arc<Token>> {
        if let Some(t) = self.cached_token() {
            return Ok(t);
        }
        match &self.speaker.auth {
            Auth::Maskinporten => {
                let slot = self.inner.default_slot.clone();
                Ok(self.inner.entry(&slot, &self.inner.default_request).await?.token.clone())
            }
            Auth::Provider(p) => Ok(Arc::new(Token::new(call_provider(p)?, "Bearer".into(), 0, None))),
            Auth::Person { token, .. } => Ok(token.clone()),
        }
    }

    /// The access token for another set of scopes / claims, cached separately per request.
    pub async fn token_for(&self, request: &TokenRequest) -> Result<Arc<Token>> {
        request.validate()?;
        if *request == self.inner.default_request {
            return self.token().await;
        }
        if self.speaker.is_person() {
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
        self.headers_slow().await.map(|(h, _)| h)
    }

    /// The Fiks headers for a request to `url`, or an [`Error::Usage`] when the headers may not
    /// go there (see [`FiksOrigins`]). What adapters for other HTTP clients call.
    pub async fn headers_for(&self, url: &str) -> Result<Arc<FiksHeaders>> {
        self.check_url(url)?;
        self.headers().await
    }

    /// Whether the Fiks headers may be sent to `url` (the rule of [`FiksOrigins::allows`]).
    pub fn may_send_headers(&self, url: &str) -> bool {
        self.inner.origins.allows_str(url)
    }

    /// The origins this client sends the Fiks headers to.
    pub fn origins(&self) -> &FiksOrigins {
        &self.inner.origins
    }

    pub(crate) fn check_url(&self, url: &str) -> Result<()> {
        let u = Url::parse(url).map_err(|e| Error::usage(format!("`{url}` is not a URL: {e}")))?;
        self.inner.origins.check(&u)
    }

    /// The cached token, if fresh; never waits and never does I/O (it may start a background
    /// renewal when the token is due).
    #[inline]
    pub fn cached_token(&self) -> Option<Arc<Token>> {
        self.inner.cached_token(&self.speaker)
    }

    /// The cached headers, if the token is fresh; never waits and never does I/O.
    #[inline]
    pub fn cached_headers(&self) -> Option<Arc<FiksHeaders>> {
        self.inner.cached_headers(&self.speaker)
    }

    /// The URL a request path resolves to: joined onto `fiks_base_url` (keeping its path
    /// prefix), or a full URL that may receive the Fiks headers.
    pub fn url(&self, path: &str) -> Result<Url> {
        self.inner.origins.resolve(path)
    }

    /// After a Fiks API answered 401 to `token`: forgets it, so the next call fetches a new
    /// one — at most once per token lifetime. Returns `true` when the caller should retry (the
    /// token was evicted, or a newer one is already cached) and `false` when the token was
    /// itself fetched after a 401: then Fiks refuses the integrasjon, not the token, and no
    /// further token is fetched until this one is renewed at expiry.
    /// In integrasjon-person mode the token is the citizen's, not ours to renew: `false`.
    pub fn evict(&self, token: &Arc<Token>) -> bool {
        self.maskinporten() && !matches!(self.inner.evict_default(|t| Arc::ptr_eq(t, token)), Eviction::Refused)
    }

    /// Like [`Client::evict`], for callers that hold the token as text (an `Authorization`
    /// value `Bearer …` or the bare token): C, Python and .NET adapters after their own 401.
    pub fn evict_access_token(&self, token: &str) -> bool {
        let bare = token.strip_prefix("Bearer ").unwrap_or(token);
        self.maskinporten() && !matches!(self.inner.evict_default(|t| t.access_token() == bare), Eviction::Refused)
    }

    fn maskinporten(&self) -> bool {
        !self.speaker.is_person()
    }

    /// The headers and the token they carry (None when it is not ours to evict).
    pub(crate) async fn headers_slow(&self) -> Result<(Arc<FiksHeaders>, Option<Arc<Token>>)> {
        let speaker = &self.speaker;
        match &speaker.auth {
            Auth::Maskinporten => {
                if speaker.integrasjon.is_none() {
                    return Err(missing_integrasjon());
                }
                let e = self.inner.entry(&self.inner.default_slot, &self.inner.default_request).await?;
                let h = speaker.headers_in(&e);
                Ok((h.ok_or_else(missing_integrasjon)?, Some(e.token.clone())))
            }
            Auth::Provider(p) => {
                speaker.headers_with(&call_provider(p)?).map(|h| (h, None)).ok_or_else(missing_integrasjon)
            }
            Auth::Person { headers, .. } => headers.clone().map(|h| (h, None)).ok_or_else(missing_integrasjon),
        }
    }

    /// Forgets every cached token (the next call fetches new ones).
    pub fn clear_cache(&self) {
        self.inner.default_slot.clear();
        self.inner.forget_on_disk(&self.inner.default_request);
        if let Ok(m) = self.inner.slots.read() {
            for (request, slot) in m.iter() {
                slot.clear();
                self.inner.forget_on_disk(request);
            }
        }
    }
}

pub(crate) fn missing_integrasjon() -> Error {
    Error::config(
        Some("integrasjon_id".into()),
        "`integrasjon_id` and `integrasjon_passord` are not set: Fiks calls need them (from Fiks-konfigurasjon)",
    )
}

fn call_provider(p: &crate::config::PersonTokenProvider) -> Result<String> {
    let token = p().map_err(|message| Error::PersonToken { message })?;
    if token.is_empty() || token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Error::config(
            Some("person_token".into()),
            "the person token callback returned an empty or malformed token",
        ));
    }
    Ok(token)
}

impl Inner {
    /// After a 401: evicts the default request's token (see [`Slot::evict_after_401`]), and
    /// its file in the disk cache, so the next fetch asks Maskinporten.
    pub(crate) fn evict_default(&self, is_it: impl Fn(&Arc<Token>) -> bool) -> Eviction {
        let eviction = self.default_slot.evict_after_401(is_it);
        if eviction == Eviction::Evicted {
            self.forget_on_disk(&self.default_request);
        }
        eviction
    }

    /// Removes the disk cache's file of `request`, when the disk cache is on.
    pub(crate) fn forget_on_disk(&self, request: &TokenRequest) {
        if let Some(d) = &self.disk {
            d.remove(&self.disk_key(request));
        }
    }

    /// What a token on disk is for: the Maskinporten client, where its grants go, the signing
    /// key and every claim of the request. (Hashed into the file name; it never appears on disk.)
    pub(crate) fn disk_key(&self, request: &TokenRequest) -> String {
        serde_json::json!({
            "v": 1,
            "issuer": self.config.issuer(),
            "audience": self.config.audience(),
            "token_endpoint": self.config.token_endpoint().as_str(),
            "discovery": self.config.discovery(),
            "key": self.key_identity,
            "scopes": request.scopes,
            "resource": request.resource,
            "pid": request.pid,
            "consumer_org": request.consumer_org,
            "on_behalf_of": request.on_behalf_of,
            "authorization_details": request.authorization_details.as_ref().map(|d| d.as_json()),
        })
        .to_string()
    }

    pub(crate) fn signer(&self) -> Result<&GrantSigner> {
        self.signer.as_ref().ok_or_else(|| Error::usage("integrasjon-person mode has no Maskinporten grant"))
    }

    pub(crate) fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy { max_retries: self.config.max_retries() }
    }

    /// Whether this is the process that built the client.
    pub(crate) fn same_process(&self) -> bool {
        std::process::id() == self.pid
    }

    pub(crate) fn check_fork(&self) -> Result<()> {
        if !self.same_process() {
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

    pub(crate) fn make_entry(&self, token: Token) -> Entry {
        let headers = match (&self.config.integrasjon_id, &self.config.integrasjon_passord) {
            (Some(id), Some(pw)) => Some(Arc::new(FiksHeaders::new(token.access_token(), id, pw.expose_secret()))),
            _ => None,
        };
        Entry::new(Arc::new(token), headers, self.config.refresh_ahead())
    }

    /// The cached token of `speaker`, if fresh; never waits and never does I/O.
    #[inline]
    pub(crate) fn cached_token(self: &Arc<Self>, speaker: &Speaker) -> Option<Arc<Token>> {
        match &speaker.auth {
            Auth::Person { token, .. } => Some(token.clone()),
            Auth::Provider(_) => None,
            Auth::Maskinporten => self.read(&self.default_slot, &self.default_request).map(|e| e.token.clone()),
        }
    }

    /// The cached headers of `speaker`, if the token is fresh; never waits and never does I/O.
    #[inline]
    pub(crate) fn cached_headers(self: &Arc<Self>, speaker: &Speaker) -> Option<Arc<FiksHeaders>> {
        match &speaker.auth {
            Auth::Person { headers, .. } => headers.clone(),
            Auth::Provider(_) => None,
            Auth::Maskinporten => self.default_slot.with_valid(|l| match l {
                Lookup::Valid { entry, renew } => {
                    if renew {
                        self.renew_in_background(&self.default_slot, &self.default_request);
                    }
                    speaker.headers_in(entry)
                }
                Lookup::Missing => None,
            }),
        }
    }
}

/// The Fiks IO login from a cache entry.
fn fiks_io_credentials(i: &crate::speaker::Integrasjon, entry: &Entry) -> FiksIoCredentials {
    let now = crate::clock::now();
    let wall = SystemTime::now();
    let at = |t: std::time::Instant| wall + t.saturating_duration_since(now);
    FiksIoCredentials {
        username: i.id.clone(),
        password: secrecy::SecretString::from(format!("{} {}", i.passord.expose_secret(), entry.token.access_token())),
        expires_at: at(entry.expires_at),
        renew_at: at(entry.refresh_at),
    }
}
