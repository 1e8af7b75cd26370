//! `fiks_integrasjon.Client`: the core's blocking client, shared safely between threads and
//! across `os.fork()`.
//!
//! - Cached reads (`headers()`, `access_token()`) are served under the GIL without touching the
//!   runtime: an atomic load, a clock read and (for `headers()`) a copy of a cached dict.
//! - Anything that may wait (a token fetch, a Fiks call, loading the certificate) runs inside
//!   `py.detach`, so other Python threads run meanwhile.
//! - Fork: the Python package registers `os.register_at_fork(after_in_child=…)`, which bumps
//!   [`FORK_GENERATION`]. A client whose runtime belongs to an older generation rebuilds it
//!   from its config on first use in the child; the parent's runtime copy is leaked, never
//!   dropped (its threads do not exist in the child, and its locks may be held forever).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwapOption;
use fiks_integrasjon::config::AuthMode;
use fiks_integrasjon::{
    CertificateInfo, Config, ConfigBuilder, Error, FiksHeaders, FiksRequest, Token, TokenRequest, blocking,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyString, PyTuple, PyType};

use crate::config::apply_kwargs;
use crate::errors::to_py;
use crate::logging;
use crate::response::PyResponse;

/// Bumped in every child process by the `os.register_at_fork` hook.
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);

/// `fiks_integrasjon._native._after_fork_in_child()`: registered with `os.register_at_fork`.
#[pyfunction]
pub(crate) fn _after_fork_in_child() {
    FORK_GENERATION.fetch_add(1, Ordering::SeqCst);
}

fn generation() -> u64 {
    FORK_GENERATION.load(Ordering::Relaxed)
}

/// A blocking client and the process generation it was built in.
struct Live {
    generation: u64,
    client: Arc<blocking::Client>,
}

/// Drops a client built in this process; leaks one inherited through `fork()`.
fn retire(live: Arc<Live>) {
    if live.generation != generation() {
        std::mem::forget(live);
    }
}

/// The Python dict last returned by `headers()`, for the headers it was built from.
struct HeadersDict {
    headers: Arc<FiksHeaders>,
    dict: Py<PyDict>,
}

/// A Fiks integration client: Maskinporten tokens, the Fiks headers and Fiks calls.
///
/// Client(**config) takes every configuration key as a keyword argument (None = not given):
/// environment ("test"/"prod"), issuer, scopes (str or list), certificate (path, or the
/// PKCS#12 file's bytes), certificate_password, private_key, key_id, audience, token_endpoint,
/// resource, consumer_org, on_behalf_of, pid, integrasjon_id, integrasjon_passord,
/// fiks_base_url, person_token (str, or a callable returning the citizen's token), ca_file,
/// timeout_seconds, connect_timeout_seconds, refresh_ahead_seconds, max_retries,
/// retry_deadline_seconds. Also: Client.from_file(path, **overrides), Client.from_env().
///
/// Thread-safe (share one), releases the GIL while waiting, survives os.fork().
#[pyclass(module = "fiks_integrasjon", name = "Client", frozen)]
pub(crate) struct PyClient {
    config: Config,
    live: ArcSwapOption<Live>,
    closed: AtomicBool,
    headers_dict: ArcSwapOption<HeadersDict>,
}

impl Drop for PyClient {
    fn drop(&mut self) {
        if let Some(live) = self.live.swap(None) {
            retire(live);
        }
    }
}

impl PyClient {
    fn start(py: Python<'_>, builder: ConfigBuilder) -> PyResult<PyClient> {
        logging::refresh(py);
        let config = builder.build().map_err(to_py)?;
        let for_runtime = config.clone();
        let client = py.detach(move || blocking::Client::new(for_runtime)).map_err(to_py)?;
        Ok(PyClient {
            config,
            live: ArcSwapOption::from_pointee(Live { generation: generation(), client: Arc::new(client) }),
            closed: AtomicBool::new(false),
            headers_dict: ArcSwapOption::empty(),
        })
    }

    /// Runs `f` on this process's client, when it has one (never blocks, never rebuilds).
    #[inline]
    fn with_live<R>(&self, f: impl FnOnce(&Arc<blocking::Client>) -> Option<R>) -> Option<R> {
        match self.live.load().as_ref() {
            Some(live) if live.generation == generation() => f(&live.client),
            _ => None,
        }
    }

    /// The blocking client of this process, rebuilt after `fork()`.
    fn client(&self) -> PyResult<Arc<blocking::Client>> {
        match self.with_live(|c| Some(c.clone())) {
            Some(c) => Ok(c),
            None => self.revive(generation()),
        }
    }

    /// Rebuilds the runtime in a forked child. Runs with the GIL held, which serialises it
    /// (the certificate is read again, once per child).
    #[cold]
    fn revive(&self, now: u64) -> PyResult<Arc<blocking::Client>> {
        if self.closed.load(Ordering::Acquire) {
            return Err(to_py(Error::Usage { message: "the client is closed".into() }));
        }
        let client = Arc::new(blocking::Client::new(self.config.clone()).map_err(to_py)?);
        if let Some(old) = self.live.swap(Some(Arc::new(Live { generation: now, client: client.clone() }))) {
            retire(old);
        }
        self.headers_dict.store(None);
        Ok(client)
    }

    /// The cached headers, when this process's client has fresh ones (never blocks).
    #[inline]
    fn cached_headers(&self) -> Option<Arc<FiksHeaders>> {
        self.with_live(|c| c.async_client().cached_headers())
    }

    /// Runs a call that may wait, with the GIL released.
    fn wait<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&blocking::Client) -> fiks_integrasjon::Result<T> + Send,
    ) -> PyResult<T> {
        let client = self.client()?;
        logging::refresh(py);
        py.detach(move || f(&client)).map_err(to_py)
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

    fn token_request(&self, scopes: &Bound<'_, PyAny>) -> PyResult<TokenRequest> {
        let scopes: Vec<String> = if let Ok(s) = scopes.cast::<PyString>() {
            s.to_cow()?.split_whitespace().map(str::to_string).collect()
        } else {
            scopes.extract().map_err(|_| PyTypeError::new_err("scopes must be a str or a list of str"))?
        };
        Ok(TokenRequest { scopes, ..TokenRequest::from_config(&self.config) })
    }

    fn token_for(&self, py: Python<'_>, scopes: Option<&Bound<'_, PyAny>>) -> PyResult<Arc<Token>> {
        match scopes {
            None => match self.with_live(|c| c.async_client().cached_token()) {
                Some(t) => Ok(t),
                None => self.wait(py, |c| c.token()),
            },
            Some(s) => {
                let request = self.token_request(s)?;
                self.wait(py, move |c| c.token_for(&request))
            }
        }
    }
}

/// Builds the core request from `Client.request`'s arguments (one parameter per keyword).
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
            request = request.body(body, content_type.unwrap_or_else(|| "application/json".into()));
        }
        (None, Some(value)) => {
            let (body, default_type) = if let Ok(s) = value.cast::<PyString>() {
                (s.to_cow()?.as_bytes().to_vec(), "text/plain; charset=utf-8")
            } else if value.is_instance_of::<PyBytes>() || value.is_instance_of::<PyByteArray>() {
                (value.extract::<Vec<u8>>()?, "application/octet-stream")
            } else {
                return Err(PyTypeError::new_err("data= must be bytes or str (use json= for objects)"));
            };
            request = request.body(body, content_type.unwrap_or_else(|| default_type.into()));
        }
        (None, None) => {}
    }
    if let Some(headers) = headers {
        let items = headers.call_method0("items")?;
        for item in items.try_iter()? {
            let (name, value): (String, String) = item?.extract()?;
            request = request.header(name, value);
        }
    }
    if let Some(t) = timeout {
        if !(t.is_finite() && t > 0.0 && t <= 86_400.0) {
            return Err(PyValueError::new_err("timeout must be a number of seconds above 0 (at most 86400)"));
        }
        request = request.timeout(Duration::from_secs_f64(t));
    }
    Ok(request)
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
        apply_kwargs(&mut b, kwargs)?;
        PyClient::start(py, b)
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
        apply_kwargs(&mut b, overrides)?;
        PyClient::start(py, b)
    }

    /// A client configured by `FIKS_<KEY>` variables (over the TOML file `FIKS_CONFIG` names,
    /// when set), then keyword arguments.
    #[staticmethod]
    #[pyo3(signature = (**overrides))]
    fn from_env(py: Python<'_>, overrides: Option<&Bound<'_, PyDict>>) -> PyResult<PyClient> {
        let mut b = ConfigBuilder::default();
        if let Some(path) = std::env::var_os("FIKS_CONFIG").filter(|p| !p.is_empty()) {
            b.load_file(path).map_err(to_py)?;
        }
        b.load_env().map_err(to_py)?;
        apply_kwargs(&mut b, overrides)?;
        PyClient::start(py, b)
    }

    /// The access token (for the configured scopes, or for `scopes`), from the cache when fresh.
    #[pyo3(signature = (scopes = None))]
    fn access_token(&self, py: Python<'_>, scopes: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
        Ok(self.token_for(py, scopes)?.access_token().to_string())
    }

    /// The access token with its metadata.
    #[pyo3(signature = (scopes = None))]
    fn token(&self, py: Python<'_>, scopes: Option<&Bound<'_, PyAny>>) -> PyResult<PyToken> {
        Ok(PyToken { inner: self.token_for(py, scopes)? })
    }

    /// The three Fiks headers: `Authorization`, `IntegrasjonId`, `IntegrasjonPassord`.
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let headers = match self.cached_headers() {
            Some(h) => h,
            None => self.wait(py, |c| c.headers())?,
        };
        self.to_dict(py, headers)
    }

    /// The headers when they are cached and fresh, else `None`; never blocks (for async code).
    fn _cached_headers<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.cached_headers().map(|h| self.to_dict(py, h)).transpose()
    }

    /// Sends a request to the Fiks API; `path` is joined to `fiks_base_url`.
    #[pyo3(signature = (method, path, *, json = None, data = None, content_type = None, headers = None, params = None, timeout = None))]
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
    ) -> PyResult<PyResponse> {
        let request = fiks_request(py, method, path, json, data, content_type, headers, params, timeout)?;
        self.wait(py, move |c| c.request(request)).map(PyResponse::new)
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
        Ok(self.client()?.certificate().cloned().map(|inner| PyCertificateInfo { inner }))
    }

    /// The configuration, every key with a printable value (secrets shown as `<redacted>`).
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in self.config.entries() {
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
        match self.config.auth_mode() {
            AuthMode::Maskinporten => "maskinporten",
            _ => "person",
        }
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

    /// Stops the runtime thread; later calls raise `UsageError`. Also done by garbage collection.
    fn close(&self) {
        self.closed.store(true, Ordering::Release);
        if let Some(live) = self.live.swap(None) {
            retire(live);
        }
        self.headers_dict.store(None);
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
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
        for (k, v) in self.config.entries().into_iter().filter(|(_, v)| !v.is_empty()) {
            let shown = if v.starts_with('<') && v.ends_with('>') { v } else { py_repr(py, &v)? };
            parts.push(format!("{k}={shown}"));
        }
        Ok(format!("fiks_integrasjon.Client({})", parts.join(", ")))
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
