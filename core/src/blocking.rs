//! The blocking facade: what C, Python and .NET call.
//!
//! Like `reqwest::blocking`, a [`Client`] owns a small tokio runtime (one worker thread named
//! `fiks-integrasjon`). Cached reads never touch it: they are an atomic load and a clock read
//! on the caller's thread. Only a cache miss or a Fiks call goes through the runtime.
//!
//! Misuse is an error, never a panic or a hang: calling a waiting method from inside an async
//! runtime returns [`Error::Usage`].
//!
//! **Fork** — the one rule of the library: the client records the process that built it. In a
//! forked child (gunicorn, multiprocessing) the parent's runtime thread does not exist, so the
//! runtime is never touched there: calls that would wait return [`Error::Usage`], or, when the
//! client was made with [`Client::rebuild_after_fork`], build a new runtime and HTTP pool from
//! the same configuration on first use (what the Python binding does). Dropping a client in a
//! child only forgets the parent's runtime and sockets (dropping them would deregister the
//! parent's connections from an epoll instance the two processes share).
//!
//! **Drop** waits, at most [`SHUTDOWN_WAIT`], for the runtime thread to stop, so a program that
//! frees its client leaves no thread behind (valgrind-clean); inside a runtime (where waiting is
//! not allowed) it stops the runtime in the background instead.
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
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::client::ClientStats;
use crate::config::Config;
use crate::credentials::CertificateInfo;
use crate::error::{Error, Result};
use crate::grant::{Grant, TokenRequest};
use crate::headers::FiksHeaders;
use crate::request::{FiksRequest, FiksResponse};
use crate::token::Token;

/// The longest a dropped client waits for its runtime thread to stop.
pub const SHUTDOWN_WAIT: Duration = Duration::from_secs(2);

/// A runtime and the async client whose I/O runs on it.
struct Live {
    client: Option<crate::Client>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Live {
    fn build(config: Config) -> Result<Live> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(2)
            .thread_name("fiks-integrasjon")
            // No SIGPIPE from a closed connection ever reaches the host (crate::signals).
            .on_thread_start(crate::signals::block_sigpipe_for_this_thread)
            .enable_all()
            .build()
            .map_err(|e| Error::usage(format!("cannot start the runtime thread: {e}")))?;
        let client = {
            let _enter = runtime.enter();
            crate::Client::with_handle(config, Some(runtime.handle().clone()))
        };
        match client {
            Ok(client) => Ok(Live { client: Some(client), runtime: Some(runtime) }),
            Err(e) => {
                runtime.shutdown_background();
                Err(e)
            }
        }
    }

    fn client(&self) -> &crate::Client {
        // Both are `Some` until `drop`.
        self.client.as_ref().unwrap_or_else(|| unreachable!("a live client has its async client"))
    }

    fn same_process(&self) -> bool {
        self.client.as_ref().is_some_and(|c| c.inner.same_process())
    }

    fn runtime(&self) -> Result<&tokio::runtime::Runtime> {
        self.runtime.as_ref().ok_or_else(|| Error::usage("the client is shut down"))
    }
}

/// Runtimes and clients of a parent process, dropped in a forked child: kept reachable, never
/// torn down (their threads do not exist here and their sockets are shared with the parent).
static PARKED_AFTER_FORK: std::sync::Mutex<Vec<(Option<tokio::runtime::Runtime>, Option<crate::Client>)>> =
    std::sync::Mutex::new(Vec::new());

impl Drop for Live {
    fn drop(&mut self) {
        if !self.same_process() {
            let parked = (self.runtime.take(), self.client.take());
            match PARKED_AFTER_FORK.try_lock() {
                Ok(mut list) => list.push(parked),
                // Held by a thread that did not survive the fork, or poisoned: never drop.
                Err(_) => std::mem::forget(parked),
            }
            return;
        }
        if let Some(rt) = self.runtime.take() {
            if tokio::runtime::Handle::try_current().is_ok() {
                rt.shutdown_background();
            } else {
                rt.shutdown_timeout(SHUTDOWN_WAIT);
            }
        }
    }
}

/// A blocking client. `Send + Sync`: share one between threads (it is designed for that).
///
/// [`Client::for_integrasjon`], [`Client::for_integrasjon_named`] and [`Client::as_person`]
/// derive clients that share this one's runtime thread, certificate, token cache and HTTP
/// pool; each keeps them alive, so a derived client stays usable after its parent is dropped.
pub struct Client {
    shared: Arc<Shared>,
    speaker: Arc<crate::speaker::Speaker>,
}

/// What a client and the clients derived from it share.
struct Shared {
    live: ArcSwap<Live>,
    config: Config,
    rebuild_after_fork: AtomicBool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("blocking::Client");
        if !self.speaker.root {
            d.field("integrasjon_id", &self.integrasjon_id()).field("person", &self.speaker.is_person());
        }
        d.field("config", &self.shared.config).finish_non_exhaustive()
    }
}

/// A call running on the client's runtime (see [`Client::spawn`]): wait for it, poll it, or
/// drop it to cancel it. Cancelling never cancels a token fetch that other callers share.
pub struct Pending<T> {
    rx: mpsc::Receiver<Result<T>>,
    abort: tokio::task::AbortHandle,
}

impl<T> Pending<T> {
    /// Waits for the result. From inside an async runtime (where waiting could block the very
    /// thread the call runs on) it returns [`Error::Usage`] instead of waiting.
    pub fn wait(self) -> Result<T> {
        refuse_inside_runtime()?;
        self.rx.recv().unwrap_or_else(|_| Err(cancelled()))
    }

    /// Waits at most `timeout`: `None` when the call is still running. From inside an async
    /// runtime it returns `Some(Err(Error::Usage))` at once instead of waiting.
    pub fn wait_timeout(&self, timeout: Duration) -> Option<Result<T>> {
        if let Err(e) = refuse_inside_runtime() {
            return Some(Err(e));
        }
        match self.rx.recv_timeout(timeout) {
            Ok(r) => Some(r),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => Some(Err(cancelled())),
        }
    }

    /// Cancels the call (a later `wait` returns a usage error saying so).
    pub fn cancel(&self) {
        self.abort.abort();
    }
}

impl<T> Drop for Pending<T> {
    fn drop(&mut self) {
        self.abort.abort();
    }
}

fn cancelled() -> Error {
    Error::Cancelled { client_closed: false }
}

/// A call started with [`Client::start`]. Cancel it with [`Call::cancel`]; dropping the handle
/// does not cancel the call. Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct Call {
    abort: tokio::task::AbortHandle,
    by_caller: Arc<AtomicBool>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call").field("finished", &self.abort.is_finished()).finish()
    }
}

impl Call {
    /// Cancels the call: unless its result is already being delivered, its completion then
    /// runs (once, on the runtime thread) with [`Error::Cancelled`]. A token fetch that other
    /// callers wait for goes on. Calling it again, or after the call ended, does nothing.
    pub fn cancel(&self) {
        self.by_caller.store(true, Ordering::Release);
        self.abort.abort();
    }

    /// Whether the call has ended: its completion has returned (while it runs, not yet).
    pub fn is_finished(&self) -> bool {
        self.abort.is_finished()
    }
}

/// Runs a call's completion exactly once: with the result, or — when the task is dropped
/// unfinished (cancelled, or the runtime shut down with the client) — with [`Error::Cancelled`].
struct Completion<T, D: FnOnce(Result<T>)> {
    done: Option<D>,
    by_caller: Arc<AtomicBool>,
    _result: std::marker::PhantomData<fn(T)>,
}

impl<T, D: FnOnce(Result<T>)> Completion<T, D> {
    fn finish(mut self, result: Result<T>) {
        if let Some(done) = self.done.take() {
            done(result);
        }
    }
}

impl<T, D: FnOnce(Result<T>)> Drop for Completion<T, D> {
    fn drop(&mut self) {
        if let Some(done) = self.done.take() {
            if std::thread::panicking() {
                done(Err(Error::usage("the call panicked inside the library (a bug: please report it)")));
            } else {
                done(Err(Error::Cancelled { client_closed: !self.by_caller.load(Ordering::Acquire) }));
            }
        }
    }
}

/// Waiting is refused inside an async runtime (the library's own thread included).
fn refuse_inside_runtime() -> Result<()> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::usage(
            "the blocking client was called from inside an async runtime: use fiks_integrasjon::Client (async) there",
        ));
    }
    Ok(())
}

impl Client {
    /// Builds the client and its runtime; certificate problems are raised here.
    pub fn new(config: Config) -> Result<Client> {
        let live = Live::build(config.clone())?;
        let speaker = live.client().speaker.clone();
        let shared = Shared { live: ArcSwap::from_pointee(live), config, rebuild_after_fork: AtomicBool::new(false) };
        Ok(Client { shared: Arc::new(shared), speaker })
    }

    fn derived(&self, client: crate::Client) -> Client {
        Client { shared: self.shared.clone(), speaker: client.speaker }
    }

    /// This client speaking as another integrasjon (see [`crate::Client::for_integrasjon`]):
    /// no certificate load, no thread, no token request of its own.
    pub fn for_integrasjon(&self, integrasjon_id: &str, integrasjon_passord: &str) -> Result<Client> {
        Ok(self.derived(self.bound().for_integrasjon(integrasjon_id, integrasjon_passord)?))
    }

    /// Like [`Client::for_integrasjon`] with a `[integrasjoner.NAME]` of the configuration.
    pub fn for_integrasjon_named(&self, name: &str) -> Result<Client> {
        Ok(self.derived(self.bound().for_integrasjon_named(name)?))
    }

    /// This client speaking for a citizen with this ID-porten token (see
    /// [`crate::Client::as_person`]).
    pub fn as_person(&self, person_token: &str) -> Result<Client> {
        Ok(self.derived(self.bound().as_person(person_token)?))
    }

    /// The integrasjon id this client sends.
    pub fn integrasjon_id(&self) -> Option<&str> {
        self.speaker.integrasjon.as_ref().map(|i| i.id.as_str())
    }

    /// Whether this client speaks for a citizen.
    pub fn is_person(&self) -> bool {
        self.speaker.is_person()
    }

    /// The Fiks IO AMQP login (see [`crate::Client::fiks_io_credentials`]).
    pub fn fiks_io_credentials(&self) -> Result<crate::FiksIoCredentials> {
        self.block_on(|c| async move { c.fiks_io_credentials().await })?
    }

    /// The async client of this process with this client's speaker.
    fn bound(&self) -> crate::Client {
        self.bind(self.shared.live.load().client())
    }

    fn bind(&self, c: &crate::Client) -> crate::Client {
        crate::Client { inner: c.inner.clone(), speaker: self.speaker.clone() }
    }

    /// Opts in to rebuilding the runtime and HTTP pool (and reloading the certificate) on the
    /// first waiting call in a forked child, instead of returning [`Error::Usage`] there.
    /// The setting is shared with the clients derived from this one.
    pub fn rebuild_after_fork(self, rebuild: bool) -> Client {
        self.shared.rebuild_after_fork.store(rebuild, Ordering::Relaxed);
        self
    }

    /// The runtime of this process: the current one, or (after a fork, when opted in) a new one.
    fn live(&self) -> Result<Arc<Live>> {
        let live = self.shared.live.load_full();
        if live.same_process() {
            return Ok(live);
        }
        if !self.shared.rebuild_after_fork.load(Ordering::Relaxed) {
            return Err(Error::usage(
                "this client was created in another process (before fork()); create a new client in this process",
            ));
        }
        tracing::debug!("rebuilding the client's runtime in a forked child");
        let fresh = Arc::new(Live::build(self.shared.config.clone())?);
        let before = self.shared.live.compare_and_swap(&live, fresh.clone());
        if Arc::ptr_eq(&before, &live) {
            Ok(fresh)
        } else {
            // Another thread rebuilt it first: use theirs (ours is dropped in this process).
            Ok(self.shared.live.load_full())
        }
    }

    fn block_on<F: Future>(&self, f: impl FnOnce(crate::Client) -> F) -> Result<F::Output> {
        let live = self.live()?;
        refuse_inside_runtime()?;
        let fut = f(self.bind(live.client()));
        // The future runs on this (the caller's) thread, where a TLS handshake may write.
        let _no_sigpipe = crate::signals::SigpipeGuard::new();
        Ok(live.runtime()?.block_on(fut))
    }

    /// Runs `f`'s future on the client's runtime and returns at once; never blocks. The
    /// future gets a handle to the async client (it shares the cache and the pool).
    pub fn spawn<T, F>(&self, f: impl FnOnce(crate::Client) -> F) -> Result<Pending<T>>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
    {
        let live = self.live()?;
        let (tx, rx) = mpsc::sync_channel(1);
        let fut = f(self.bind(live.client()));
        let task = live.runtime()?.spawn(async move {
            let _ = tx.send(fut.await);
        });
        Ok(Pending { rx, abort: task.abort_handle() })
    }

    /// Starts `f`'s future on the client's runtime and returns at once; never blocks, never
    /// runs `done` on the caller's thread. `done` runs exactly once, on the runtime thread:
    /// with the future's result, or with [`Error::Cancelled`] when [`Call::cancel`] stopped it
    /// (`client_closed: false`) or the client was dropped with it pending (`client_closed:
    /// true`, possibly on the thread dropping the client, before the drop returns unless the
    /// runtime thread is stuck past [`SHUTDOWN_WAIT`]). What the bindings' completion-based
    /// calls are built on (C callbacks, .NET tasks, Python awaitables).
    ///
    /// `done` runs on the runtime's only worker thread: it must return quickly and must not
    /// wait on this client (waiting calls return [`Error::Usage`] there).
    ///
    /// An error is returned, and `done` never runs, when the call cannot start (after `fork()`).
    pub fn start<T, F, D>(&self, f: impl FnOnce(crate::Client) -> F, done: D) -> Result<Call>
    where
        T: Send + 'static,
        F: Future<Output = Result<T>> + Send + 'static,
        D: FnOnce(Result<T>) + Send + 'static,
    {
        let live = self.live()?;
        let runtime = live.runtime()?;
        let by_caller = Arc::new(AtomicBool::new(false));
        let completion =
            Completion { done: Some(done), by_caller: by_caller.clone(), _result: std::marker::PhantomData };
        let fut = f(self.bind(live.client()));
        let task = runtime.spawn(async move {
            let completion = completion;
            let result = fut.await;
            completion.finish(result);
        });
        Ok(Call { abort: task.abort_handle(), by_caller })
    }

    /// Sends a request without waiting for it (see [`Client::spawn`]).
    pub fn start_request(&self, request: FiksRequest) -> Result<Pending<FiksResponse>> {
        self.spawn(move |c| async move { c.request(request).await })
    }

    /// The access token for the configured scopes.
    #[inline]
    pub fn token(&self) -> Result<Arc<Token>> {
        if let Some(t) = self.shared.live.load().client().inner.cached_token(&self.speaker) {
            return Ok(t);
        }
        self.block_on(|c| async move { c.token().await })?
    }

    /// The access token string for the configured scopes.
    pub fn access_token(&self) -> Result<String> {
        self.token().map(|t| t.access_token().to_string())
    }

    /// The access token for another request (scopes, resource, …).
    pub fn token_for(&self, request: &TokenRequest) -> Result<Arc<Token>> {
        let request = request.clone();
        self.block_on(|c| async move { c.token_for(&request).await })?
    }

    /// The three Fiks headers.
    #[inline]
    pub fn headers(&self) -> Result<Arc<FiksHeaders>> {
        if let Some(h) = self.shared.live.load().client().inner.cached_headers(&self.speaker) {
            return Ok(h);
        }
        self.block_on(|c| async move { c.headers().await })?
    }

    /// The cached headers when the token is fresh; never waits, never does I/O, clones only the
    /// `Arc` of the headers (what bindings call before deciding to wait).
    #[inline]
    pub fn cached_headers(&self) -> Option<Arc<FiksHeaders>> {
        self.shared.live.load().client().inner.cached_headers(&self.speaker)
    }

    /// The cached token when it is fresh; never waits, never does I/O.
    #[inline]
    pub fn cached_token(&self) -> Option<Arc<Token>> {
        self.shared.live.load().client().inner.cached_token(&self.speaker)
    }

    /// Whether a redirect from `from` to `to` may keep the Fiks headers (the core's rule: the
    /// same origin, and `to` allowed); `false` when either does not parse.
    pub fn redirect_keeps_headers(&self, from: &str, to: &str) -> bool {
        self.shared.live.load().client().origins().redirect_keeps_headers_str(from, to)
    }

    /// The Fiks headers for a request to `url`, or [`Error::Usage`] when they may not go there
    /// (see [`crate::FiksOrigins`]).
    pub fn headers_for(&self, url: &str) -> Result<Arc<FiksHeaders>> {
        self.shared.live.load().client().check_url(url)?;
        self.headers()
    }

    /// `Ok` when the Fiks headers may be sent to `url`, otherwise [`Error::Usage`] saying why.
    pub fn check_url(&self, url: &str) -> Result<()> {
        self.shared.live.load().client().check_url(url).map(drop)
    }

    /// Whether the Fiks headers may be sent to `url`.
    pub fn may_send_headers(&self, url: &str) -> bool {
        self.shared.live.load().client().may_send_headers(url)
    }

    /// Sends a request to the Fiks API (see [`crate::Client::request`]).
    pub fn request(&self, request: FiksRequest) -> Result<FiksResponse> {
        self.block_on(|c| async move { c.request(request).await })?
    }

    /// Builds a grant without sending it (diagnostics).
    pub fn grant(&self) -> Result<Grant> {
        self.shared.live.load().client().grant()
    }

    /// The certificate in use.
    pub fn certificate(&self) -> Option<CertificateInfo> {
        self.shared.live.load().client().certificate().cloned()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Counters of token traffic.
    pub fn stats(&self) -> ClientStats {
        self.shared.live.load().client().stats()
    }

    /// The URL a request path resolves to (see [`crate::Client::url`]).
    pub fn url(&self, path: &str) -> Result<url::Url> {
        self.shared.live.load().client().url(path)
    }

    /// After a 401 to `token`: evicts it at most once per token lifetime (see
    /// [`crate::Client::evict`]); `true` when a retry may get a different token.
    pub fn evict(&self, token: &Arc<Token>) -> bool {
        self.bound().evict(token)
    }

    /// Like [`Client::evict`] for a token held as text (see [`crate::Client::evict_access_token`]).
    pub fn evict_access_token(&self, token: &str) -> bool {
        self.bound().evict_access_token(token)
    }

    /// Forgets cached tokens.
    pub fn clear_cache(&self) {
        self.shared.live.load().client().clear_cache()
    }

    /// The async client inside (shares the cache and the pool).
    pub fn async_client(&self) -> crate::Client {
        self.bound()
    }
}
