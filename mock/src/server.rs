//! The HTTP(S) server on 127.0.0.1: binding its two ports (the main one and the SvarUt
//! stand-in's), serving connections, start/stop, and the methods tests use to read and steer a
//! running mock.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::body::{HeadStall, StallingIo};
use crate::client_settings::{ClientSettings, NamedIntegrasjon};
use crate::counters::Counters;
use crate::faults::{Fault, FaultTarget};
use crate::fiks_auth::FIKS_SCOPE;
use crate::grant_check::Trust;
use crate::integrasjoner::{CONFIG_INTEGRASJONER, mock_integrasjon};
use crate::options::MockOptions;
use crate::pki::{Pki, PkiFiles};
use crate::router::{self, Site};
use crate::state::{Shared, lock};
use crate::{maskinporten, service};

/// A running mock. Dropping it stops the server.
///
/// It listens on two ports of 127.0.0.1: the main one (Maskinporten, the Fiks API under
/// `/fiks`, the control endpoints) and one standing in for SvarUt's host (only the Fiks API,
/// under `/svarut`). Both take the same tokens and integrasjoner.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use fiks_integrasjon_mock::{MockOptions, MockServer};
/// let mock = MockServer::start(MockOptions::default()).await?;
/// assert!(mock.audience().ends_with('/'));
/// assert_eq!(mock.token_endpoint(), format!("{}/token", mock.base_url()));
/// assert!(mock.svarut_base_url().ends_with("/svarut"));
/// # Ok(()) }
/// ```
pub struct MockServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    svarut_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    /// For [`MockServer::start_blocking`]: the runtime thread and its "stopped" signal (in a
    /// `Mutex` only so that a `MockServer` is `Sync` and can live in a `static`).
    runtime: Mutex<Option<(std::thread::JoinHandle<()>, std::sync::mpsc::Receiver<()>)>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.shared.base_url)
            .field("svarut_base_url", &self.shared.svarut_base_url)
            .finish_non_exhaustive()
    }
}

/// A server that is bound and ready to accept, on both ports.
struct Bound {
    listener: TcpListener,
    svarut_listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
}

impl Bound {
    /// The main port's and the SvarUt port's addresses.
    fn addrs(&self) -> io::Result<(SocketAddr, SocketAddr)> {
        Ok((self.listener.local_addr()?, self.svarut_listener.local_addr()?))
    }
}

fn tls_acceptor(pki: &Pki) -> io::Result<TlsAcceptor> {
    let (cert, key) = pki.server_identity()?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert)], PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)))
        .map_err(io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn registered_key(pki: &Pki) -> io::Result<Vec<u8>> {
    let (_, cert) = x509_parser::parse_x509_certificate(pki.leaf_der())
        .map_err(|e| io::Error::other(format!("mock PKI leaf: {e}")))?;
    Ok(cert.public_key().subject_public_key.data.to_vec())
}

async fn bind(mut options: MockOptions) -> io::Result<Bound> {
    let pki = match options.pki.clone() {
        Some(p) => p,
        None => tokio::task::spawn_blocking(Pki::generate).await.map_err(io::Error::other)??,
    };
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.port))).await?;
    let port = listener.local_addr()?.port();
    let svarut_listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, options.svarut_port))).await?;
    let svarut_port = svarut_listener.local_addr()?.port();
    let (tls, host) = if options.tls {
        let pki = pki.clone();
        let acceptor = tokio::task::spawn_blocking(move || tls_acceptor(&pki)).await.map_err(io::Error::other)??;
        (Some(acceptor), "https://localhost")
    } else {
        (None, "http://127.0.0.1")
    };
    let base_url = format!("{host}:{port}");
    let svarut_base_url = format!("{host}:{svarut_port}{}", service::SVARUT.prefix);
    let trust = Trust {
        ca_der: pki.ca_der().to_vec(),
        intermediate_der: pki.intermediate_der().to_vec(),
        kid: pki.kid().to_string(),
        kid_public_key: registered_key(&pki)?,
        registered_certs: vec![pki.eseal_der().to_vec()],
    };
    let client_orgnr = options.client_orgnr.clone().unwrap_or_else(|| pki.orgnr().to_string());
    options.client_orgnr = Some(client_orgnr.clone());
    options.pki = Some(pki.clone());
    options.port = port;
    options.svarut_port = svarut_port;
    let shared = Arc::new(Shared::new(options, pki, client_orgnr, trust, base_url, svarut_base_url));
    Ok(Bound { listener, svarut_listener, tls, shared })
}

/// Serves both ports until `shutdown` turns true.
async fn serve(bound: Bound, shutdown: watch::Receiver<bool>) {
    let Bound { listener, svarut_listener, tls, shared } = bound;
    let svarut = accept(svarut_listener, Site::Svarut, tls.clone(), shared.clone(), shutdown.clone());
    tokio::join!(accept(listener, Site::Main, tls, shared, shutdown), svarut);
}

/// Accepts connections on one port until `shutdown` turns true.
async fn accept(
    listener: TcpListener,
    site: Site,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::debug!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let shutdown = shutdown.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(stream, site, shared, shutdown).await,
                Some(acceptor) => {
                    let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
                    match handshake.await {
                        Ok(Ok(tls_stream)) => serve_connection(tls_stream, site, shared, shutdown).await,
                        Ok(Err(e)) => tracing::debug!("TLS handshake failed: {e}"),
                        Err(_) => tracing::debug!("TLS handshake timed out"),
                    }
                }
            }
        });
    }
}

async fn serve_connection<I>(io: I, site: Site, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let stall = HeadStall::default();
    let io = StallingIo::new(io, stall.clone());
    let service = service_fn(move |req| {
        let shared = shared.clone();
        let stall = stall.clone();
        async move { router::dispatch(&shared, site, req, &stall).await }
    });
    let conn = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(io), service);
    tokio::select! {
        r = conn => if let Err(e) = r { tracing::trace!("connection ended: {e}") },
        _ = shutdown.wait_for(|stop| *stop) => {}
    }
}

impl MockServer {
    /// Generates the PKI (unless given), binds 127.0.0.1 and serves on the current tokio
    /// runtime until dropped.
    pub async fn start(options: MockOptions) -> io::Result<MockServer> {
        let bound = bind(options).await?;
        let (shutdown, rx) = watch::channel(false);
        let shared = bound.shared.clone();
        let (addr, svarut_addr) = bound.addrs()?;
        tokio::spawn(serve(bound, rx));
        Ok(MockServer { shared, addr, svarut_addr, shutdown, runtime: Mutex::new(None) })
    }

    /// Like [`MockServer::start`], on a runtime thread of its own: for synchronous tests and
    /// for harnesses in other languages. May be called inside or outside a tokio runtime.
    pub fn start_blocking(options: MockOptions) -> io::Result<MockServer> {
        let (shutdown, rx) = watch::channel(false);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<io::Result<(Arc<Shared>, SocketAddr, SocketAddr)>>();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new().name("fiks-integrasjon-mock".into()).spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("fiks-integrasjon-mock-worker")
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            runtime.block_on(async move {
                let bound = match bind(options).await {
                    Ok(b) => b,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let (addr, svarut_addr) = match bound.addrs() {
                    Ok(a) => a,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok((bound.shared.clone(), addr, svarut_addr)));
                serve(bound, rx).await;
            });
            runtime.shutdown_timeout(Duration::from_millis(200));
            let _ = done_tx.send(());
        })?;
        let (shared, addr, svarut_addr) = ready_rx
            .recv()
            .map_err(|_| io::Error::other("the mock's runtime thread stopped before it was ready"))??;
        Ok(MockServer { shared, addr, svarut_addr, shutdown, runtime: Mutex::new(Some((thread, done_rx))) })
    }

    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` with TLS.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The socket address the mock listens on (the main port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The socket address of the SvarUt stand-in (the second port).
    pub fn svarut_addr(&self) -> SocketAddr {
        self.svarut_addr
    }

    /// The Maskinporten issuer id grants must carry in `aud`: the base URL with a trailing
    /// slash, like `https://maskinporten.no/`.
    pub fn audience(&self) -> String {
        self.shared.audience().to_string()
    }

    /// The token endpoint, `base_url + "/token"`.
    pub fn token_endpoint(&self) -> String {
        format!("{}/token", self.shared.base_url)
    }

    /// The Fiks API base URL, `base_url + "/fiks"` (a base with a path prefix, on purpose).
    pub fn fiks_base_url(&self) -> String {
        format!("{}{}", self.shared.base_url, service::FIKS.prefix)
    }

    /// The SvarUt stand-in's base URL, `http://127.0.0.1:PORT2/svarut` (`https://localhost:PORT2/svarut`
    /// with TLS): the same Fiks API on a host of its own, as `svarut.ks.no` is. It serves nothing
    /// else (no `/token`, no `/_mock`).
    pub fn svarut_base_url(&self) -> String {
        self.shared.svarut_base_url.clone()
    }

    /// The authorization server metadata URL (`/.well-known/oauth-authorization-server`).
    pub fn metadata_url(&self) -> String {
        format!("{}{}", self.shared.base_url, maskinporten::METADATA_PATH)
    }

    /// The path the metadata names as its `token_endpoint`: `/token` unless changed with
    /// [`MockServer::set_metadata_token_path`].
    pub fn metadata_token_path(&self) -> String {
        self.shared.metadata_token_path()
    }

    /// Makes the metadata name `base_url + path` as its `token_endpoint` (what
    /// `POST /_mock/metadata` with `{"token_path": "…"}` does), and serves that path as a token
    /// endpoint too (the same checks, counted in [`Counters::token_requests`], faulted with
    /// [`FaultTarget::Token`]); `/token` stays served. Until [`MockServer::reset`] (or `/token`
    /// again).
    ///
    /// # Panics
    /// When `path` cannot be a token path (see [`MockServer::try_set_metadata_token_path`],
    /// which returns the reason instead).
    ///
    /// ```no_run
    /// # let mock = fiks_integrasjon_mock::MockServer::start_blocking(Default::default()).unwrap();
    /// mock.set_metadata_token_path("/discovered/token");
    /// assert_eq!(mock.metadata_token_path(), "/discovered/token");
    /// ```
    #[track_caller]
    pub fn set_metadata_token_path(&self, path: &str) {
        if let Err(e) = self.try_set_metadata_token_path(path) {
            panic!("set_metadata_token_path: {e}");
        }
    }

    /// Like [`MockServer::set_metadata_token_path`], returning why `path` cannot be a token
    /// path instead of panicking: not absolute, characters a URI path does not carry as they are
    /// (a query, a fragment, spaces, non-ASCII), or a path another part of the mock serves (the
    /// metadata, `/fiks…`, `/_mock/…`). A refused path changes nothing.
    ///
    /// ```no_run
    /// # let mock = fiks_integrasjon_mock::MockServer::start_blocking(Default::default()).unwrap();
    /// assert!(mock.try_set_metadata_token_path("/fiks/token").is_err());
    /// assert_eq!(mock.try_set_metadata_token_path("/discovered/token"), Ok(()));
    /// ```
    pub fn try_set_metadata_token_path(&self, path: &str) -> Result<(), String> {
        self.shared.set_metadata_token_path(path)
    }

    /// Seconds the mock's clock is ahead of the wall clock (negative: behind).
    pub fn clock_offset(&self) -> i64 {
        self.shared.clock_offset()
    }

    /// Moves the mock's clock to the wall clock + `secs` (what `POST /_mock/clock` with
    /// `{"offset_seconds": N}` does), until [`MockServer::reset`]: grants are checked against it
    /// (`iat`, `exp`, the certificate's validity), and every answer's `Date` header and
    /// `Retry-After` date come from it. A client whose clock is off by `-secs` sees the same.
    ///
    /// ```no_run
    /// # let mock = fiks_integrasjon_mock::MockServer::start_blocking(Default::default()).unwrap();
    /// mock.set_clock_offset(-200); // the mock is 200 s behind: fresh grants are "after now"
    /// assert_eq!(mock.clock_offset(), -200);
    /// ```
    pub fn set_clock_offset(&self, secs: i64) {
        self.shared.set_clock_offset(secs);
    }

    /// The control endpoints' base, `base_url + "/_mock"`.
    pub fn control_url(&self) -> String {
        format!("{}/_mock", self.shared.base_url)
    }

    /// The PKI the mock trusts (and whose files a client should use).
    pub fn pki(&self) -> &Pki {
        &self.shared.pki
    }

    /// The options in force, with `pki`, `client_orgnr` and `port` filled in.
    pub fn options(&self) -> &MockOptions {
        &self.shared.options
    }

    /// The ID-porten person token the Fiks side accepts (the default one; see
    /// [`MockServer::person_tokens`] for all).
    pub fn person_token(&self) -> &str {
        &self.shared.options.person_token
    }

    /// Every person token the Fiks side accepts now, sorted: the options' and those registered.
    pub fn person_tokens(&self) -> Vec<String> {
        lock(&self.shared.person_tokens).all()
    }

    /// Makes the Fiks side accept `token` as an ID-porten person token (what
    /// `POST /_mock/person-tokens` does), until [`MockServer::reset`]. The error says why a token
    /// cannot be one (empty, or not printable ASCII without spaces).
    ///
    /// ```no_run
    /// # let mock = fiks_integrasjon_mock::MockServer::start_blocking(Default::default()).unwrap();
    /// mock.register_person_token("innbygger-2-token")?;
    /// assert!(mock.person_tokens().contains(&"innbygger-2-token".to_string()));
    /// # Ok::<(), String>(())
    /// ```
    pub fn register_person_token(&self, token: &str) -> Result<(), String> {
        self.shared.register_person_tokens(&[token.to_string()])
    }

    /// The extra integrasjoner of the options, `(IntegrasjonId, IntegrasjonPassord)` for
    /// [`crate::mock_integrasjon`]`(1)` … `(extra_integrasjoner)`.
    pub fn extra_integrasjoner(&self) -> Vec<(String, String)> {
        (1..=self.shared.options.extra_integrasjoner).map(mock_integrasjon).collect()
    }

    /// Every integrasjon the Fiks side accepts now, `(IntegrasjonId, IntegrasjonPassord)`: the
    /// default one, the extras, then those registered at run time.
    pub fn integrasjoner(&self) -> Vec<(String, String)> {
        lock(&self.shared.integrasjoner).all().to_vec()
    }

    /// Makes the Fiks side accept the integrasjon `id` with `passord` (or gives a known `id`
    /// this password), on both hosts, until [`MockServer::reset`]: what
    /// `POST /_mock/integrasjoner` does. The error says why it cannot be one (`id` not a UUID,
    /// the password empty or not one an HTTP header carries unchanged).
    ///
    /// ```no_run
    /// # let mock = fiks_integrasjon_mock::MockServer::start_blocking(Default::default()).unwrap();
    /// mock.register_integrasjon("8f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e", "bergen-passord")?;
    /// assert!(mock.register_integrasjon("bergen", "x").is_err());
    /// # Ok::<(), String>(())
    /// ```
    pub fn register_integrasjon(&self, id: &str, passord: &str) -> Result<(), String> {
        self.shared.register_integrasjoner(&[(id.to_string(), passord.to_string())])
    }

    /// What a client needs to use this mock, with `files.p12` as its certificate (plus
    /// `files.ca_pem` as `ca_file` with TLS).
    ///
    /// Besides the default integrasjon it names the first three extra ones (as
    /// `kommune-1` … `kommune-3`) and the service `svarut` at [`MockServer::svarut_base_url`].
    pub fn client_settings(&self, files: &PkiFiles) -> ClientSettings {
        let o = &self.shared.options;
        let integrasjoner = (1..=o.extra_integrasjoner.min(CONFIG_INTEGRASJONER))
            .map(|i| {
                let (integrasjon_id, integrasjon_passord) = mock_integrasjon(i);
                NamedIntegrasjon { name: format!("kommune-{i}"), integrasjon_id, integrasjon_passord }
            })
            .collect();
        ClientSettings {
            audience: self.audience(),
            token_endpoint: self.token_endpoint(),
            fiks_base_url: self.fiks_base_url(),
            issuer: o.issuer.clone(),
            scopes: FIKS_SCOPE.to_string(),
            certificate: files.p12.clone(),
            certificate_password: self.shared.pki.password().to_string(),
            integrasjon_id: o.integrasjon_id.clone(),
            integrasjon_passord: o.integrasjon_passord.clone(),
            ca_file: o.tls.then(|| files.ca_pem.clone()),
            integrasjoner,
            services: vec![(service::SVARUT.name.to_string(), self.svarut_base_url())],
        }
    }

    /// A ready `fiks.toml` for the client, pointing at this mock and at `files.p12`
    /// (plus `ca_file` with TLS): [`MockServer::client_settings`] as TOML.
    pub fn config_toml(&self, files: &PkiFiles) -> String {
        self.client_settings(files).to_toml()
    }

    /// Everything a test harness needs to know, as the binary prints it: URLs, ids, secrets
    /// and file paths (`config` is where the `fiks.toml` was written; the [`PkiFiles`] under
    /// their field names: `p12`, …, `key_jwk`, `key_jwk_expiring`, `eseal_p12`,
    /// `eseal_chain_pem`, `eseal_key_pem`). `integrasjoner` lists
    /// the named integrasjoner of the `fiks.toml` (`name`, `integrasjon_id`,
    /// `integrasjon_passord`); `extra_integrasjoner` says how many of
    /// [`crate::mock_integrasjon`] are accepted.
    pub fn describe(&self, files: &PkiFiles, config: &Path) -> Value {
        let o = &self.shared.options;
        let p = |path: &Path| path.to_string_lossy().into_owned();
        let integrasjoner: Vec<Value> = self
            .client_settings(files)
            .integrasjoner
            .into_iter()
            .map(|i| {
                json!({"name": i.name, "integrasjon_id": i.integrasjon_id, "integrasjon_passord": i.integrasjon_passord})
            })
            .collect();
        json!({
            "base_url": self.base_url(),
            "audience": self.audience(),
            "token_endpoint": self.token_endpoint(),
            "fiks_base_url": self.fiks_base_url(),
            "svarut_base_url": self.svarut_base_url(),
            "integrasjoner": integrasjoner,
            "extra_integrasjoner": o.extra_integrasjoner,
            "issuer": o.issuer,
            "integrasjon_id": o.integrasjon_id,
            "integrasjon_passord": o.integrasjon_passord,
            "person_token": o.person_token,
            "dir": p(&files.dir),
            "config": p(config),
            "p12": p(&files.p12),
            "p12_legacy": p(&files.p12_legacy),
            "chain_pem": p(&files.chain_pem),
            "key_pem": p(&files.key_pem),
            "key_pkcs1_pem": p(&files.key_pkcs1_pem),
            "key_encrypted_pem": p(&files.key_encrypted_pem),
            "ca_pem": p(&files.ca_pem),
            "p12_expired": p(&files.p12_expired),
            "key_jwk": p(&files.key_jwk),
            "key_jwk_expiring": p(&files.key_jwk_expiring),
            "eseal_p12": p(&files.eseal_p12),
            "eseal_chain_pem": p(&files.eseal_chain_pem),
            "eseal_key_pem": p(&files.eseal_key_pem),
            "password": self.shared.pki.password(),
            "orgnr": self.shared.pki.orgnr(),
            "kid": self.shared.pki.kid(),
        })
    }

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        lock(&self.shared.counters).clone()
    }

    /// Sets every counter back to zero.
    pub fn reset_counters(&self) {
        *lock(&self.shared.counters) = Counters::default();
    }

    /// Counters to zero, faults cleared, token lifetime and delay and the clock offset back to
    /// the options, the metadata's token path back to `/token`, and the integrasjoner and person
    /// tokens back to the options' (those registered at run time are forgotten): what
    /// `POST /_mock/reset` does. Issued access tokens stay valid.
    pub fn reset(&self) {
        self.shared.reset_all();
    }

    /// Changes `expires_in` of tokens issued from now on.
    pub fn set_token_lifetime(&self, secs: u64) {
        self.shared.set_token_lifetime(secs);
    }

    /// Holds back every answer of the token endpoint (injected faults excepted) until this long
    /// after the request arrived; zero turns it off.
    pub fn set_token_delay(&self, delay: Duration) {
        self.shared.set_token_delay(delay);
    }

    /// Holds every answer of the token endpoint (requests are counted as they arrive) until
    /// [`MockServer::release_tokens`]: lets a test observe a client while a token is on its way,
    /// without racing a delay.
    pub fn hold_tokens(&self) {
        self.shared.set_token_hold(true);
    }

    /// Releases the token answers held by [`MockServer::hold_tokens`].
    pub fn release_tokens(&self) {
        self.shared.set_token_hold(false);
    }

    /// Queues `fault` for the next `times` requests to `target`.
    pub fn push_fault(&self, target: FaultTarget, fault: Fault, times: usize) {
        lock(&self.shared.faults).book(target).push(fault, times);
    }

    /// Every request to `target` takes the next fault of the cycle ([`Fault::None`] answers
    /// normally); queued faults come first. An empty cycle clears it.
    pub fn set_fault_cycle(&self, target: FaultTarget, cycle: Vec<Fault>) {
        lock(&self.shared.faults).book(target).set_cycle(cycle);
    }

    /// Forgets the queued faults and the cycle of `target`.
    pub fn clear_faults(&self, target: FaultTarget) {
        lock(&self.shared.faults).book(target).clear();
    }

    /// Forgets every issued access token: the Fiks side answers 401 for them from now on.
    pub fn revoke_tokens(&self) {
        lock(&self.shared.tokens).clear();
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        let runtime = self.runtime.get_mut().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        if let Some((thread, done)) = runtime
            && done.recv_timeout(Duration::from_secs(2)).is_ok()
        {
            let _ = thread.join();
        }
    }
}
