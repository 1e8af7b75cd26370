//! `fiks_integrasjon.Client`: the core's blocking client, shared safely between threads and
//! across `os.fork()`.
//!
//! - Cached reads (`headers()`, `access_token()`) are served under the GIL without touching the
//!   runtime: an atomic load, a clock read and (for `headers()`) a copy of a cached dict.
//! - Anything that may wait (a token fetch, a Fiks call) runs with the GIL released. On the
//!   main thread it is started on the client's runtime ([`blocking::Client::spawn`]) and waited
//!   for in slices of [`SIGNAL_POLL`], checking for signals in between, so Ctrl-C interrupts it
//!   (`KeyboardInterrupt`; dropping the pending call cancels it). Other threads, which Python
//!   never delivers signals to, call the blocking facade directly.
//! - Every rule is the core's: where the Fiks headers may go ([`blocking::Client::may_send_headers`]),
//!   request headers and the body's type ([`FiksRequest::try_header`]), the per-call deadline
//!   ([`FiksRequest::timeout`]), retries, and renewal after a 401
//!   ([`blocking::Client::evict_access_token`]).
//! - Fork: the core's one mechanism. The client is built with
//!   [`blocking::Client::rebuild_after_fork`], so in a forked child (gunicorn, multiprocessing)
//!   its first waiting call builds a new runtime and HTTP pool from the same configuration;
//!   the parent's runtime is never touched there, and dropping or closing the client in a child
//!   only parks it.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwapOption;
use fiks_integrasjon::blocking::{Call, Pending};
use fiks_integrasjon::config::{KEYS, KeyKind};
use fiks_integrasjon::{
    CertificateInfo, Config, ConfigBuilder, Error, FiksHeaders, FiksIoCredentials, FiksRequest, Token, TokenRequest,
    blocking,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyCFunction, PyDict, PyString, PyTuple, PyType};

use crate::aio::{self, Completions, PyCall};
use crate::config::{Failures, apply_kwargs};
use crate::errors::{to_py, to_py_with};
use crate::logging;
use crate::multipart;
use crate::response::PyResponse;

/// How long a waiting call on the main thread sleeps between two checks for signals.
const SIGNAL_POLL: Duration = Duration::from_millis(50);

/// The Python dict last returned by `headers()`, for the headers it was built from.
struct HeadersDict {
    headers: Arc<FiksHeaders>,
    dict: Py<PyDict>,
}

/// A Fiks integration client: Maskinporten tokens, the Fiks headers and Fiks calls.
///
/// Client(**config) takes every configuration key as a keyword argument (None = not given);
/// fiks_integrasjon.CONFIG_KEYS lists them with their kinds: environment ("test"/"prod"),
/// issuer, scopes (str or list), certificate (path, PEM text, or the PKCS#12 file's bytes),
/// certificate_password, private_key, key_id, audience, token_endpoint, resource,
/// consumer_org, on_behalf_of, pid, authorization_details (JSON str, a mapping, a list of
/// mappings or an AuthorizationDetails), discovery (bool: read audience and token_endpoint from
/// Maskinporten's metadata), token_cache ("memory"/"disk"), token_cache_dir, integrasjon_id,
/// integrasjon_passord, fiks_base_url, allowed_origins, person_token (str, or a callable
/// returning the citizen's token), ca_file, timeout_seconds, connect_timeout_seconds,
/// refresh_ahead_seconds, max_retries, retry_deadline_seconds, max_response_bytes (default
/// 64 MiB). Also: Client.from_file(path, **overrides), Client.from_env().
///
/// signer= signs the grants with a key kept elsewhere (HSM, smart card, KMS): a cryptography
/// RSAPrivateKey (called as key.sign(data, PKCS1v15(), SHA256())) or a callable (bytes) ->
/// bytes returning the RS256 signature. certificate is then the chain without its key (PEM
/// file or text), or leave it out and give key_id. It runs on a library thread, bounded by
/// timeout_seconds; what it raises becomes CertificateError(problem="signer").
///
/// Two tables: integrasjoner={"bergen": (integrasjon_id, integrasjon_passord)} (or a mapping with
/// those keys) for for_integrasjon_named(), and services={"svarut": "https://..."} for
/// request(..., service=...); a TOML file's [integrasjoner.NAME] and [services] are the same.
/// for_integrasjon(), for_integrasjon_named() and as_person() derive clients that share this
/// one's certificate, token cache, HTTP pool and runtime thread.
///
/// Thread-safe (share one), releases the GIL while waiting, Ctrl-C interrupts a waiting call
/// on the main thread, survives os.fork().
#[pyclass(module = "fiks_integrasjon", name = "Client", frozen)]
pub(crate) struct PyClient {
    /// The configuration, shared with the clients derived from this one.
    config: Arc<Config>,
    /// `None` once closed.
    client: ArcSwapOption<blocking::Client>,
    headers_dict: ArcSwapOption<HeadersDict>,
    /// What its `person_token` callable and `signer` raised last (shared with derived clients).
    failures: Failures,
    /// Who this client speaks as (fixed when it is made; readable after `close()`).
    speaker: SpeakerInfo,
}

/// What a client says about its speaker: its integrasjon id, whether a citizen's token is its
/// `Authorization`, and whether it was derived (`for_integrasjon`, `as_person`).
#[derive(Clone)]
struct SpeakerInfo {
    integrasjon_id: Option<String>,
    is_person: bool,
    derived: bool,
}

impl SpeakerInfo {
    fn of(client: &blocking::Client, derived: bool) -> SpeakerInfo {
        SpeakerInfo {
            integrasjon_id: client.integrasjon_id().map(str::to_string),
            is_person: client.is_person(),
            derived,
        }
    }
}

impl Drop for PyClient {
    fn drop(&mut self) {
        if let Some(client) = self.client.swap(None) {
            release(client);
        }
    }
}

/// Drops a blocking client with the GIL released: its drop waits (within a bound) for the
/// runtime thread, which may itself be waiting for the GIL to log.
fn release(client: Arc<blocking::Client>) {
    Python::try_attach(|py| py.detach(|| drop(client))).unwrap_or_default();
}

/// The headers as a new dict (on the loop's thread, for an awaitable).
fn headers_dict(py: Python<'_>, headers: &FiksHeaders) -> PyResult<Py<PyAny>> {
    let d = PyDict::new(py);
    for (name, value) in headers.iter() {
        d.set_item(PyString::intern(py, name), value)?;
    }
    Ok(d.into_any().unbind())
}

/// `fiks_integrasjon._aio.wait(starter)`: the awaitable of a call that `starter(completions,
/// id)` starts on the library thread (see [`crate::aio`]). The awaitable holds the Python
/// `Client` (as a bound method would: `await Client(...).headers_async()` works) and starts the
/// call when first awaited, failing with `UsageError` if the client was closed by then.
fn awaitable<'py, T, F>(
    slf: &Bound<'py, PyClient>,
    start: impl Fn(&blocking::Client, Box<dyn FnOnce(fiks_integrasjon::Result<T>) + Send>) -> fiks_integrasjon::Result<Call>
    + Send
    + Sync
    + 'static,
    convert: F,
) -> PyResult<Bound<'py, PyAny>>
where
    T: Send + 'static,
    F: Fn(Python<'_>, T) -> PyResult<Py<PyAny>> + Send + Sync + Copy + 'static,
{
    static WAIT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let py = slf.py();
    let me: Py<PyClient> = slf.clone().unbind();
    let starter = PyCFunction::new_closure(py, None, None, move |args, _kwargs| -> PyResult<PyCall> {
        let (completions, id): (Py<Completions>, u64) = args.extract()?;
        let this = me.get();
        let client = this.client()?;
        let failure = this.failures.clone();
        let started = start(
            &client,
            Box::new(move |result| {
                completions.get().push(
                    id,
                    Box::new(move |py| {
                        aio::settle(py, result.map_err(|e| to_py_with(e, &failure)).and_then(|v| convert(py, v)))
                    }),
                );
            }),
        );
        release(client);
        Ok(PyCall { call: started.map_err(|e| this.error(e))? })
    })?;
    WAIT.import(py, "fiks_integrasjon._aio", "wait")?.call1((starter,))
}

/// An awaitable that is already done (a cached read: no thread hop).
fn ready<'py>(py: Python<'py>, value: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    static READY: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    READY.import(py, "fiks_integrasjon._aio", "ready")?.call1((value,))
}

/// Runs a call that may wait: `$c` is the blocking client (`&blocking::Client`) or, on the main
/// thread, the async client the spawned future gets; `$call` is the same method call on either.
macro_rules! wait {
    ($self:ident, $py:ident, |$c:ident| $call:expr) => {{
        let client = $self.client()?;
        logging::refresh($py);
        let result = if is_main_thread($py)? {
            let result = match client.spawn(move |$c| async move { $call.await }) {
                Ok(pending) => wait_interruptibly($py, pending),
                Err(e) => Ok(Err(e)),
            };
            release(client);
            result
        } else {
            Ok($py.detach(move || {
                let $c = &*client;
                $call
            }))
        };
        result?.map_err(|e| $self.error(e))
    }};
}

/// Whether this is Python's main thread (the one signal handlers run on).
fn is_main_thread(py: Python<'_>) -> PyResult<bool> {
    static MAIN_THREAD: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static GET_IDENT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let main = MAIN_THREAD.import(py, "threading", "main_thread")?.call0()?.getattr("ident")?;
    let current = GET_IDENT.import(py, "threading", "get_ident")?.call0()?;
    main.eq(current)
}

/// Waits for `pending` with the GIL released, in slices, running Python's signal handlers in
/// between: a `KeyboardInterrupt` they raise ends the wait and drops (cancels) the call.
fn wait_interruptibly<T: Send>(py: Python<'_>, mut pending: Pending<T>) -> PyResult<fiks_integrasjon::Result<T>> {
    loop {
        let (back, done) = py.detach(move || {
            let done = pending.wait_timeout(SIGNAL_POLL);
            (pending, done)
        });
        if let Some(result) = done {
            return Ok(result);
        }
        pending = back;
        py.check_signals()?;
    }
}

impl PyClient {
    fn start(py: Python<'_>, builder: ConfigBuilder, failures: Failures) -> PyResult<PyClient> {
        logging::refresh(py);
        let error = |e| to_py_with(e, &failures);
        let config = builder.build().map_err(error)?;
        let for_runtime = config.clone();
        let client =
            py.detach(move || blocking::Client::new(for_runtime).map(|c| c.rebuild_after_fork(true))).map_err(error)?;
        Ok(PyClient {
            config: Arc::new(config),
            speaker: SpeakerInfo::of(&client, false),
            client: ArcSwapOption::from_pointee(client),
            headers_dict: ArcSwapOption::empty(),
            failures,
        })
    }

    /// A derived client (see `for_integrasjon`): its own speaker and headers dict, the same
    /// configuration, runtime, token cache and HTTP pool. Deriving never waits.
    fn derive(
        &self,
        make: impl FnOnce(&blocking::Client) -> fiks_integrasjon::Result<blocking::Client>,
    ) -> PyResult<PyClient> {
        let parent = self.client()?;
        let made = make(&parent);
        release(parent);
        let client = made.map_err(|e| self.error(e))?;
        Ok(PyClient {
            config: self.config.clone(),
            speaker: SpeakerInfo::of(&client, true),
            client: ArcSwapOption::from_pointee(client),
            headers_dict: ArcSwapOption::empty(),
            failures: self.failures.clone(),
        })
    }

    /// The core error as a Python exception.
    fn error(&self, e: Error) -> PyErr {
        to_py_with(e, &self.failures)
    }

    /// The blocking client, unless closed.
    fn client(&self) -> PyResult<Arc<blocking::Client>> {
        self.client.load_full().ok_or_else(|| self.error(Error::Usage { message: "the client is closed".into() }))
    }

    /// The cached headers, when fresh (never blocks).
    #[inline]
    fn cached_headers(&self) -> Option<Arc<FiksHeaders>> {
        self.client.load().as_ref().and_then(|c| c.cached_headers())
    }

    /// The headers: cached, or fetched (waiting, with the GIL released).
    fn fresh_headers(&self, py: Python<'_>) -> PyResult<Arc<FiksHeaders>> {
        match self.cached_headers() {
            Some(h) => Ok(h),
            None => wait!(self, py, |c| c.headers()),
        }
    }

    /// The headers as a new Python dict (a copy of the one cached for these headers).
    fn to_dict<'py>(&self, py: Python<'py>, headers: Arc<FiksHeaders>) -> PyResult<Bound<'py, PyDict>> {
        if let Some(c) = self.headers_dict.load().as_ref()
            && Arc::ptr_eq(&c.headers, &headers)
        {
            return c.dict.bind(py).copy();
        }
        let d = PyDict::new(py);
        for (name, value) in headers.iter() {
            d.set_item(PyString::intern(py, name), value)?;
        }
        self.headers_dict.store(Some(Arc::new(HeadersDict { headers, dict: d.copy()?.unbind() })));
        Ok(d)
    }

    /// The token request of `options`: `None` when none is given (the client's default
    /// request), else the default request with each given option set by the core.
    fn token_request(&self, options: &TokenOptions<'_, '_>) -> PyResult<Option<TokenRequest>> {
        let given = options.texts()?;
        if given.is_empty() {
            return Ok(None);
        }
        let mut request = TokenRequest::from_config(&self.config);
        for (name, text) in given {
            request.set(name, &text).map_err(|e| self.error(e))?;
        }
        Ok(Some(request))
    }

    fn token_for(&self, py: Python<'_>, options: &TokenOptions<'_, '_>) -> PyResult<Arc<Token>> {
        match self.token_request(options)? {
            None => match self.client.load().as_ref().and_then(|c| c.cached_token()) {
                Some(t) => Ok(t),
                None => wait!(self, py, |c| c.token()),
            },
            Some(request) => wait!(self, py, |c| c.token_for(&request)),
        }
    }

    /// `access_token_async` and `token_async`: a cached default token at once, else an
    /// awaitable of the fetch on the library thread.
    fn start_token<'py>(
        slf: &Bound<'py, Self>,
        options: &TokenOptions<'_, '_>,
        convert: fn(Python<'_>, Arc<Token>) -> PyResult<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (py, this) = (slf.py(), slf.get());
        let request = this.token_request(options)?;
        if request.is_none()
            && let Some(t) = this.client.load().as_ref().and_then(|c| c.cached_token())
        {
            return ready(py, convert(py, t)?.into_bound(py));
        }
        this.client()?;
        match request {
            None => awaitable(slf, |c, done| c.start(|c| async move { c.token().await }, done), convert),
            Some(r) => awaitable(
                slf,
                move |c, done| {
                    let r = r.clone();
                    c.start(|c| async move { c.token_for(&r).await }, done)
                },
                convert,
            ),
        }
    }

    /// The configuration as `config` and `repr` show it: the core's entries, and `signer` as
    /// `<signer>` (never the object) where `private_key` would be.
    fn shown_config(&self) -> Vec<(&'static str, String)> {
        let mut entries = self.config.entries();
        if self.config.signer().is_some() {
            let order = |name: &str| KEYS.iter().position(|k| k.name == name).unwrap_or(usize::MAX);
            let at = entries.iter().position(|(k, _)| order(k) > order("private_key")).unwrap_or(entries.len());
            entries.insert(at, ("signer", "<signer>".to_string()));
        }
        entries
    }
}

/// The per-request token options of `access_token()`, `token()` and their `_async` twins, as
/// given (`None`: not given). The core checks each value ([`TokenRequest::set`]).
struct TokenOptions<'a, 'py> {
    scopes: Option<&'a Bound<'py, PyAny>>,
    resource: Option<&'a Bound<'py, PyAny>>,
    consumer_org: Option<String>,
    pid: Option<String>,
    on_behalf_of: Option<String>,
    authorization_details: Option<&'a Bound<'py, PyAny>>,
}

impl TokenOptions<'_, '_> {
    /// The given options as `(name, text)` for [`TokenRequest::set`]: a list of strings is
    /// joined by spaces, `authorization_details` turned into JSON text.
    fn texts(&self) -> PyResult<Vec<(&'static str, String)>> {
        let mut out = Vec::new();
        for (name, v) in [("scopes", self.scopes), ("resource", self.resource)] {
            if let Some(v) = v {
                out.push((name, words(name, v)?));
            }
        }
        for (name, v) in
            [("consumer_org", &self.consumer_org), ("pid", &self.pid), ("on_behalf_of", &self.on_behalf_of)]
        {
            if let Some(v) = v {
                out.push((name, v.clone()));
            }
        }
        if let Some(v) = self.authorization_details {
            out.push(("authorization_details", crate::authorization_details::option_text(v)?));
        }
        Ok(out)
    }
}

/// `scopes=`/`resource=`: a space-separated `str`, or a sequence of `str` (joined by spaces).
fn words(name: &str, v: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_cow()?.to_string());
    }
    let list: Vec<String> =
        v.extract().map_err(|_| PyTypeError::new_err(format!("{name} must be a str or a list of str")))?;
    Ok(list.join(" "))
}

fn token_str(py: Python<'_>, t: Arc<Token>) -> PyResult<Py<PyAny>> {
    Ok(PyString::new(py, t.access_token()).into_any().unbind())
}

fn token_object(py: Python<'_>, t: Arc<Token>) -> PyResult<Py<PyAny>> {
    Ok(Py::new(py, PyToken { inner: t })?.into_any())
}

/// Builds the core request from `Client.request`'s arguments (one parameter per keyword). The
/// body gets the type of its Python value (`json=`: `application/json`; `data=` bytes:
/// `application/octet-stream`, str: `text/plain; charset=utf-8`); `content_type=` and the
/// `headers=` are handed to the core's header rule, which checks them and lets a
/// `Content-Type` header replace the body's type (one `Content-Type` is sent).
#[allow(clippy::too_many_arguments)]
fn fiks_request(
    py: Python<'_>,
    method: &str,
    path: &str,
    json: Option<&Bound<'_, PyAny>>,
    data: Option<&Bound<'_, PyAny>>,
    content_type: Option<String>,
    headers: Option<&Bound<'_, PyAny>>,
    params: Option<&Bound<'_, PyAny>>,
    timeout: Option<f64>,
    service: Option<String>,
    files: Option<&Bound<'_, PyAny>>,
) -> PyResult<FiksRequest> {
    let method = FiksRequest::parse_method(method).map_err(to_py)?;
    let mut path = path.to_string();
    if let Some(params) = params {
        static URLENCODE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        let kw = PyDict::new(py);
        kw.set_item("doseq", true)?;
        let query = URLENCODE.import(py, "urllib.parse", "urlencode")?.call((params,), Some(&kw))?;
        let query = query.cast::<PyString>()?.to_cow()?;
        if !query.is_empty() {
            path.push(if path.contains('?') { '&' } else { '?' });
            path.push_str(&query);
        }
    }
    let mut request = FiksRequest::new(method, path);
    if let Some(service) = service {
        request = request.service(service);
    }
    if let Some(files) = files {
        if json.is_some() {
            return Err(PyTypeError::new_err(
                "give json= or files=, not both: put a JSON part in files= as (None, json.dumps(value), \"application/json\")",
            ));
        }
        request = request.multipart(multipart::parts(data, files)?).map_err(to_py)?;
    } else {
        request = with_body(py, request, json, data)?;
    }
    if let Some(content_type) = content_type {
        request = request.try_header("Content-Type", &content_type).map_err(to_py)?;
    }
    if let Some(headers) = headers {
        let items = headers.call_method0("items")?;
        for item in items.try_iter()? {
            let (name, value): (String, String) = item?.extract()?;
            request = request.try_header(&name, &value).map_err(to_py)?;
        }
    }
    if let Some(t) = timeout {
        request = request.timeout(call_timeout(t)?);
    }
    Ok(request)
}

/// The body of `json=` or `data=` (not multipart).
fn with_body(
    py: Python<'_>,
    mut request: FiksRequest,
    json: Option<&Bound<'_, PyAny>>,
    data: Option<&Bound<'_, PyAny>>,
) -> PyResult<FiksRequest> {
    match (json, data) {
        (Some(_), Some(_)) => return Err(PyTypeError::new_err("give json= or data=, not both")),
        (Some(value), None) => {
            static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
            let kw = PyDict::new(py);
            kw.set_item("ensure_ascii", false)?;
            kw.set_item("allow_nan", false)?;
            kw.set_item("separators", (",", ":"))?;
            let text = DUMPS.import(py, "json", "dumps")?.call((value,), Some(&kw))?;
            let body = text.cast::<PyString>()?.to_cow()?.as_bytes().to_vec();
            request = request.body(body, "application/json");
        }
        (None, Some(value)) => {
            request = if let Ok(s) = value.cast::<PyString>() {
                request.body(s.to_cow()?.as_bytes().to_vec(), "text/plain; charset=utf-8")
            } else if value.is_instance_of::<PyBytes>() || value.is_instance_of::<PyByteArray>() {
                request.body(value.extract::<Vec<u8>>()?, "application/octet-stream")
            } else {
                return Err(PyTypeError::new_err("data= must be bytes or str (use json= for objects)"));
            };
        }
        (None, None) => {}
    }
    Ok(request)
}

/// `timeout=` as the call's deadline: a number of seconds above 0, at most what the core
/// allows for `retry_deadline_seconds` (the deadline it replaces).
fn call_timeout(t: f64) -> PyResult<Duration> {
    let max = match fiks_integrasjon::config::key("retry_deadline_seconds").map(|k| k.kind) {
        Some(KeyKind::Seconds { max, .. }) => f64::from(max),
        _ => f64::from(u32::MAX),
    };
    if !(t.is_finite() && t > 0.0 && t <= max) {
        return Err(PyValueError::new_err(format!("timeout must be a number of seconds above 0 (at most {max})")));
    }
    Ok(Duration::from_secs_f64(t))
}

/// Python's repr of a string.
fn py_repr(py: Python<'_>, s: &str) -> PyResult<String> {
    Ok(PyString::new(py, s).repr()?.to_cow()?.to_string())
}

/// A `SystemTime` as an aware UTC `datetime.datetime`.
fn datetime(py: Python<'_>, t: SystemTime) -> PyResult<Bound<'_, PyAny>> {
    static FROM_TS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let secs = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    };
    let from_ts = FROM_TS.get_or_try_init(py, || {
        py.import("datetime")?.getattr("datetime")?.getattr("fromtimestamp").map(Bound::unbind)
    })?;
    let utc = UTC.import(py, "datetime", "timezone")?.getattr("utc")?;
    from_ts.bind(py).call1((secs, utc))
}

#[pymethods]
impl PyClient {
    #[new]
    #[pyo3(signature = (**kwargs))]
    fn new(py: Python<'_>, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<PyClient> {
        let mut b = ConfigBuilder::default();
        let failure = apply_kwargs(&mut b, kwargs)?;
        PyClient::start(py, b, failure)
    }

    /// A client configured by a TOML file, then `FIKS_<KEY>` variables, then keyword arguments.
    #[staticmethod]
    #[pyo3(signature = (path, **overrides))]
    fn from_file(
        py: Python<'_>,
        path: std::path::PathBuf,
        overrides: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyClient> {
        let mut b = ConfigBuilder::default();
        b.load_file(&path).map_err(to_py)?;
        b.load_env().map_err(to_py)?;
        let failure = apply_kwargs(&mut b, overrides)?;
        PyClient::start(py, b, failure)
    }

    /// A client configured by `FIKS_<KEY>` variables (over the TOML file `FIKS_CONFIG` names,
    /// when set), then keyword arguments.
    #[staticmethod]
    #[pyo3(signature = (**overrides))]
    fn from_env(py: Python<'_>, overrides: Option<&Bound<'_, PyDict>>) -> PyResult<PyClient> {
        let mut b = ConfigBuilder::default();
        b.load_env_with_file().map_err(to_py)?;
        let failure = apply_kwargs(&mut b, overrides)?;
        PyClient::start(py, b, failure)
    }

    /// This client speaking as another integrasjon (`IntegrasjonId`/`IntegrasjonPassord`), e.g.
    /// one per municipality: a new `Client` sharing this one's certificate, token cache, HTTP
    /// pool and runtime thread, so 100 of them make one token request per expiry. Never waits.
    /// `ConfigError` for an id that is not a UUID or an empty password.
    fn for_integrasjon(&self, integrasjon_id: &str, integrasjon_passord: &str) -> PyResult<PyClient> {
        self.derive(|c| c.for_integrasjon(integrasjon_id, integrasjon_passord))
    }

    /// `for_integrasjon` with an integrasjon of the configuration (`integrasjoner=` or a TOML
    /// `[integrasjoner.NAME]` table); `ConfigError` listing the names for an unknown one.
    fn for_integrasjon_named(&self, name: &str) -> PyResult<PyClient> {
        self.derive(|c| c.for_integrasjon_named(name))
    }

    /// This client (the same integrasjon) speaking for a citizen: `Authorization` carries this
    /// ID-porten token and no Maskinporten token is asked for. Cheap: make one per request
    /// (e.g. in a web handler); clients for different citizens may be used at the same time
    /// from any thread or task, each sending only its own token.
    fn as_person(&self, person_token: &str) -> PyResult<PyClient> {
        self.derive(|c| c.as_person(person_token))
    }

    /// The `IntegrasjonId` this client sends (`None` when none is configured).
    #[getter]
    fn integrasjon_id(&self) -> Option<&str> {
        self.speaker.integrasjon_id.as_deref()
    }

    /// Whether this client speaks for a citizen (integrasjon-person: `as_person` or
    /// `person_token`).
    #[getter]
    fn is_person(&self) -> bool {
        self.speaker.is_person
    }

    /// Every service and its base URL (ending in `/`): `fiks` (`fiks_base_url`), the
    /// environment's `svarut`, and those of `services=` / `[services]`.
    #[getter]
    fn services<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (name, url) in self.config.services() {
            d.set_item(name, url.as_str())?;
        }
        Ok(d)
    }

    /// The login of Fiks IO's AMQP broker for this client's integrasjon (from the cached
    /// Maskinporten token, fetched when there is none). `UsageError` for a citizen's client.
    fn fiks_io_credentials(&self, py: Python<'_>) -> PyResult<PyFiksIoCredentials> {
        let inner = wait!(self, py, |c| c.fiks_io_credentials())?;
        Ok(PyFiksIoCredentials { inner })
    }

    /// The access token, from the cache when fresh: for the configured request, or with the
    /// given per-request options on top of it (`scopes` and `resource`: a space-separated str
    /// or a list; `consumer_org`, `pid`, `on_behalf_of`: str; `authorization_details`: an
    /// `AuthorizationDetails`, a JSON str, a mapping or a list of mappings; an empty str clears
    /// a configured value). Each combination is its own cached token. A bad option raises
    /// `ConfigError` before any request.
    #[pyo3(signature = (scopes = None, *, resource = None, consumer_org = None, pid = None, on_behalf_of = None, authorization_details = None))]
    #[allow(clippy::too_many_arguments)]
    fn access_token(
        &self,
        py: Python<'_>,
        scopes: Option<&Bound<'_, PyAny>>,
        resource: Option<&Bound<'_, PyAny>>,
        consumer_org: Option<String>,
        pid: Option<String>,
        on_behalf_of: Option<String>,
        authorization_details: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let options = TokenOptions { scopes, resource, consumer_org, pid, on_behalf_of, authorization_details };
        Ok(self.token_for(py, &options)?.access_token().to_string())
    }

    /// The access token with its metadata (the same options as `access_token`).
    #[pyo3(signature = (scopes = None, *, resource = None, consumer_org = None, pid = None, on_behalf_of = None, authorization_details = None))]
    #[allow(clippy::too_many_arguments)]
    fn token(
        &self,
        py: Python<'_>,
        scopes: Option<&Bound<'_, PyAny>>,
        resource: Option<&Bound<'_, PyAny>>,
        consumer_org: Option<String>,
        pid: Option<String>,
        on_behalf_of: Option<String>,
        authorization_details: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyToken> {
        let options = TokenOptions { scopes, resource, consumer_org, pid, on_behalf_of, authorization_details };
        Ok(PyToken { inner: self.token_for(py, &options)? })
    }

    /// The three Fiks headers: `Authorization`, `IntegrasjonId`, `IntegrasjonPassord`.
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let headers = self.fresh_headers(py)?;
        self.to_dict(py, headers)
    }

    /// `await client.headers_async()`: the three Fiks headers without blocking the event loop
    /// and without a worker thread (asyncio, or trio through anyio). A fresh cached token is
    /// returned at once; otherwise the fetch runs on the library thread, one for every caller.
    fn headers_async<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let (py, this) = (slf.py(), slf.get());
        if let Some(h) = this.cached_headers() {
            return ready(py, this.to_dict(py, h)?.into_any());
        }
        this.client()?;
        awaitable(
            slf,
            |c, done| c.start(|c| async move { c.headers().await }, done),
            |py, h: Arc<FiksHeaders>| headers_dict(py, &h),
        )
    }

    /// `await client.access_token_async(...)`: the access token without blocking the event
    /// loop (see `headers_async`); the same options as `access_token`.
    #[pyo3(signature = (scopes = None, *, resource = None, consumer_org = None, pid = None, on_behalf_of = None, authorization_details = None))]
    #[allow(clippy::too_many_arguments)]
    fn access_token_async<'py>(
        slf: &Bound<'py, Self>,
        scopes: Option<&Bound<'_, PyAny>>,
        resource: Option<&Bound<'_, PyAny>>,
        consumer_org: Option<String>,
        pid: Option<String>,
        on_behalf_of: Option<String>,
        authorization_details: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = TokenOptions { scopes, resource, consumer_org, pid, on_behalf_of, authorization_details };
        PyClient::start_token(slf, &options, token_str)
    }

    /// `await client.token_async(...)`: `token()` without blocking the event loop.
    #[pyo3(signature = (scopes = None, *, resource = None, consumer_org = None, pid = None, on_behalf_of = None, authorization_details = None))]
    #[allow(clippy::too_many_arguments)]
    fn token_async<'py>(
        slf: &Bound<'py, Self>,
        scopes: Option<&Bound<'_, PyAny>>,
        resource: Option<&Bound<'_, PyAny>>,
        consumer_org: Option<String>,
        pid: Option<String>,
        on_behalf_of: Option<String>,
        authorization_details: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = TokenOptions { scopes, resource, consumer_org, pid, on_behalf_of, authorization_details };
        PyClient::start_token(slf, &options, token_object)
    }

    /// `await client.request_async(method, path, ...)`: `request()` without blocking the event
    /// loop; the same arguments, rules and `Response`.
    #[pyo3(signature = (method, path, *, json = None, data = None, content_type = None, headers = None, params = None, timeout = None, service = None, files = None))]
    #[allow(clippy::too_many_arguments)]
    fn request_async<'py>(
        slf: &Bound<'py, Self>,
        method: &str,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        data: Option<&Bound<'_, PyAny>>,
        content_type: Option<String>,
        headers: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
        service: Option<String>,
        files: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request =
            fiks_request(slf.py(), method, path, json, data, content_type, headers, params, timeout, service, files)?;
        slf.get().client()?;
        awaitable(
            slf,
            move |c, done| {
                let r = request.clone();
                c.start(|c| async move { c.request(r).await }, done)
            },
            |py, r: fiks_integrasjon::FiksResponse| Ok(Py::new(py, PyResponse::new(r))?.into_any()),
        )
    }

    /// The Fiks headers for a request to `url`; `UsageError` when they may not go there.
    fn headers_for<'py>(&self, py: Python<'py>, url: &str) -> PyResult<Bound<'py, PyDict>> {
        let headers = match self.cached_headers() {
            Some(h) if self.client()?.may_send_headers(url) => h,
            _ => {
                let url = url.to_string();
                wait!(self, py, |c| c.headers_for(&url))?
            }
        };
        self.to_dict(py, headers)
    }

    /// Whether the Fiks headers may be sent to `url` (the core's rule: under `fiks_base_url`,
    /// or an origin listed in `allowed_origins`).
    fn may_send_headers(&self, url: &str) -> PyResult<bool> {
        Ok(self.client()?.may_send_headers(url))
    }

    /// Whether a redirect from `url` to `location` (as the `Location` header gives it, maybe
    /// relative) may keep the Fiks headers: the core's rule (same origin, allowed target).
    fn _redirect_keeps_headers(&self, url: &str, location: &str) -> PyResult<bool> {
        Ok(self.client()?.redirect_keeps_headers(url, location))
    }

    /// After a `401` to a request that carried `token` (the `Authorization` value or the bare
    /// token): the core's renewal rule. Returns `True` when a retry may get a fresh token, and
    /// `False` when the token was itself fetched after a `401` (Fiks refuses the integrasjon:
    /// do not retry; no further token is fetched until this one expires).
    fn evict_access_token(&self, token: &str) -> PyResult<bool> {
        let evicted = self.client()?.evict_access_token(token);
        self.headers_dict.store(None);
        Ok(evicted)
    }

    /// The headers when they are cached and fresh, else `None`; never blocks (for async code).
    fn _cached_headers<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.cached_headers().map(|h| self.to_dict(py, h)).transpose()
    }

    /// Sends a request to the Fiks API; `path` is joined to the base URL of `service` (default
    /// `fiks`: `fiks_base_url`). `files=` sends a `multipart/form-data` body (see [`multipart`]).
    #[pyo3(signature = (method, path, *, json = None, data = None, content_type = None, headers = None, params = None, timeout = None, service = None, files = None))]
    #[allow(clippy::too_many_arguments)]
    fn request(
        &self,
        py: Python<'_>,
        method: &str,
        path: &str,
        json: Option<&Bound<'_, PyAny>>,
        data: Option<&Bound<'_, PyAny>>,
        content_type: Option<String>,
        headers: Option<&Bound<'_, PyAny>>,
        params: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
        service: Option<String>,
        files: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyResponse> {
        let request =
            fiks_request(py, method, path, json, data, content_type, headers, params, timeout, service, files)?;
        wait!(self, py, |c| c.request(request)).map(PyResponse::new)
    }

    /// `request("GET", path, **kwargs)`.
    #[pyo3(signature = (path, **kwargs))]
    fn get<'py>(
        slf: &Bound<'py, Self>,
        path: &str,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        slf.call_method("request", ("GET", path), kwargs)
    }

    /// `request("POST", path, **kwargs)`.
    #[pyo3(signature = (path, **kwargs))]
    fn post<'py>(
        slf: &Bound<'py, Self>,
        path: &str,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        slf.call_method("request", ("POST", path), kwargs)
    }

    /// `request("PUT", path, **kwargs)`.
    #[pyo3(signature = (path, **kwargs))]
    fn put<'py>(
        slf: &Bound<'py, Self>,
        path: &str,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        slf.call_method("request", ("PUT", path), kwargs)
    }

    /// `request("DELETE", path, **kwargs)`.
    #[pyo3(signature = (path, **kwargs))]
    fn delete<'py>(
        slf: &Bound<'py, Self>,
        path: &str,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        slf.call_method("request", ("DELETE", path), kwargs)
    }

    /// An auth object for `requests`: `requests.get(url, auth=client.requests_auth())`.
    fn requests_auth<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        CLASS.import(slf.py(), "fiks_integrasjon._auth", "RequestsAuth")?.call1((slf,))
    }

    /// An `httpx.Auth` for `httpx.Client` and `httpx.AsyncClient`.
    fn httpx_auth<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
        CLASS.import(slf.py(), "fiks_integrasjon._httpx", "HttpxAuth")?.call1((slf,))
    }

    /// The loaded certificate (`None` in integrasjon-person mode).
    #[getter]
    fn certificate(&self) -> PyResult<Option<PyCertificateInfo>> {
        Ok(self.client()?.certificate().map(|inner| PyCertificateInfo { inner }))
    }

    /// The configuration, every key with a printable value (secrets shown as `<redacted>`, an
    /// external signer as `signer: "<signer>"`).
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self.shown_config() {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// The Fiks API base URL (ending in `/`): join paths to it for `requests`/`httpx` calls.
    #[getter]
    fn fiks_base_url(&self) -> &str {
        self.config.fiks_base_url().as_str()
    }

    /// `"maskinporten"` or `"person"` (integrasjon-person mode).
    #[getter]
    fn mode(&self) -> &'static str {
        if self.speaker.is_person { "person" } else { "maskinporten" }
    }

    /// Counters of token traffic in this process: `token_requests`, `tokens_received`.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = self.client()?.stats();
        let d = PyDict::new(py);
        d.set_item("token_requests", s.token_requests)?;
        d.set_item("tokens_received", s.tokens_received)?;
        Ok(d)
    }

    /// Forgets cached tokens; the next call fetches a new one.
    fn clear_cache(&self) -> PyResult<()> {
        self.client()?.clear_cache();
        self.headers_dict.store(None);
        Ok(())
    }

    /// Ends this client's use: later calls on it raise `UsageError`. The runtime thread, token
    /// cache and HTTP pool it shares with the clients derived from it (or with the client it was
    /// derived from) stop when the last of them is closed or collected; closing one never
    /// closes another. Also done by garbage collection.
    fn close(&self) {
        if let Some(client) = self.client.swap(None) {
            release(client);
        }
        self.headers_dict.store(None);
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.client.load().is_none()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, PyTuple>) {
        self.close();
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let mut parts = Vec::new();
        if self.speaker.derived {
            // A derived client: who it speaks as first; the shared configuration without the
            // parent's integrasjon (the password is never shown, a citizen's token neither).
            let id = match &self.speaker.integrasjon_id {
                Some(id) => py_repr(py, id)?,
                None => "None".into(),
            };
            parts.push(format!("integrasjon_id={id}"));
            parts.push(format!("is_person={}", if self.speaker.is_person { "True" } else { "False" }));
        }
        for (k, v) in self.shown_config().into_iter().filter(|(k, v)| {
            !v.is_empty() && !(self.speaker.derived && (*k == "integrasjon_id" || *k == "integrasjon_passord"))
        }) {
            let shown = if v.starts_with('<') && v.ends_with('>') { v } else { py_repr(py, &v)? };
            parts.push(format!("{k}={shown}"));
        }
        Ok(format!("fiks_integrasjon.Client({})", parts.join(", ")))
    }
}

/// The login of Fiks IO's AMQP broker; `repr` never shows the password.
#[pyclass(module = "fiks_integrasjon", name = "FiksIoCredentials", frozen)]
pub(crate) struct PyFiksIoCredentials {
    inner: FiksIoCredentials,
}

#[pymethods]
impl PyFiksIoCredentials {
    /// The AMQP username: the integrasjon id.
    #[getter]
    fn username(&self) -> &str {
        &self.inner.username
    }
    /// The AMQP password: `IntegrasjonPassord`, a space and the Maskinporten token (a secret).
    #[getter]
    fn password(&self) -> &str {
        self.inner.password()
    }
    /// When the token inside the password expires (aware UTC `datetime`).
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.inner.expires_at)
    }
    /// When to log in again with fresh credentials (aware UTC `datetime`).
    #[getter]
    fn renew_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.inner.renew_at)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "FiksIoCredentials(username={}, password=<redacted>, expires_at={}, renew_at={})",
            py_repr(py, &self.inner.username)?,
            self.expires_at(py)?.repr()?,
            self.renew_at(py)?.repr()?
        ))
    }
}

/// An access token with its metadata; `repr` never shows the token itself.
#[pyclass(module = "fiks_integrasjon", name = "Token", frozen)]
pub(crate) struct PyToken {
    inner: Arc<Token>,
}

#[pymethods]
impl PyToken {
    /// The token string (a secret: do not log it).
    #[getter]
    fn access_token(&self) -> &str {
        self.inner.access_token()
    }
    /// `Bearer`.
    #[getter]
    fn token_type(&self) -> &str {
        &self.inner.token_type
    }
    /// Lifetime in seconds as Maskinporten gave it (0 for a person token).
    #[getter]
    fn expires_in(&self) -> u64 {
        self.inner.expires_in
    }
    /// The granted scopes, when Maskinporten said.
    #[getter]
    fn scope(&self) -> Option<&str> {
        self.inner.scope.as_deref()
    }
    /// When the token expires (aware UTC `datetime`).
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.inner.expires_at())
    }
    /// Seconds of validity left.
    #[getter]
    fn remaining(&self) -> f64 {
        self.inner.remaining().as_secs_f64()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let scope = match &self.inner.scope {
            Some(s) => py_repr(py, s)?,
            None => "None".into(),
        };
        Ok(format!(
            "Token(token_type={}, expires_in={}, scope={scope}, access_token=<redacted>)",
            py_repr(py, &self.inner.token_type)?,
            self.inner.expires_in
        ))
    }
}

/// The loaded virksomhetssertifikat, safe to print.
#[pyclass(module = "fiks_integrasjon", name = "CertificateInfo", frozen)]
pub(crate) struct PyCertificateInfo {
    inner: CertificateInfo,
}

#[pymethods]
impl PyCertificateInfo {
    /// Subject distinguished name.
    #[getter]
    fn subject(&self) -> &str {
        &self.inner.subject
    }
    /// Issuer distinguished name.
    #[getter]
    fn issuer(&self) -> &str {
        &self.inner.issuer
    }
    /// Serial number, hex.
    #[getter]
    fn serial(&self) -> &str {
        &self.inner.serial
    }
    /// The organisation number, when the certificate carries one.
    #[getter]
    fn orgnr(&self) -> Option<&str> {
        self.inner.orgnr.as_deref()
    }
    /// Start of validity (aware UTC `datetime`).
    #[getter]
    fn not_before<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.inner.not_before)
    }
    /// End of validity (aware UTC `datetime`).
    #[getter]
    fn not_after<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.inner.not_after)
    }
    /// Whole days of validity left (negative when expired).
    #[getter]
    fn days_left(&self) -> i64 {
        self.inner.days_left()
    }
    /// Certificates in the chain the file carries (leaf included).
    #[getter]
    fn chain_len(&self) -> usize {
        self.inner.chain_len
    }
    /// Whether the certificate is self-signed (Maskinporten rejects those).
    #[getter]
    fn self_signed(&self) -> bool {
        self.inner.self_signed
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "CertificateInfo(subject={}, orgnr={}, days_left={})",
            py_repr(py, &self.inner.subject)?,
            match &self.inner.orgnr {
                Some(o) => py_repr(py, o)?,
                None => "None".into(),
            },
            self.inner.days_left()
        ))
    }
}
