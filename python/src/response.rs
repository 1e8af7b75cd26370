//! `fiks_integrasjon.Response`: a successful (2xx) answer from a Fiks API. Non-2xx answers are
//! raised as `ApiError` instead.

use fiks_integrasjon::FiksResponse;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyList};

/// A 2xx answer: `status`, `headers`, `content`, `text`, `json()`.
#[pyclass(module = "fiks_integrasjon", name = "Response", frozen)]
pub(crate) struct PyResponse {
    inner: FiksResponse,
    /// The `Headers` mapping, built on first use.
    headers: PyOnceLock<Py<PyAny>>,
}

impl PyResponse {
    pub(crate) fn new(inner: FiksResponse) -> PyResponse {
        PyResponse { inner, headers: PyOnceLock::new() }
    }
}

/// `fiks_integrasjon.Headers` built from `(name, value)` pairs.
pub(crate) fn headers_mapping<'py, 'a>(
    py: Python<'py>,
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> PyResult<Bound<'py, PyAny>> {
    static HEADERS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let class = HEADERS.import(py, "fiks_integrasjon._headers", "Headers")?;
    class.call1((PyList::new(py, pairs)?,))
}

#[pymethods]
impl PyResponse {
    /// The HTTP status (2xx).
    #[getter]
    fn status(&self) -> u16 {
        self.inner.status
    }

    /// Always `True`: answers that are not 2xx are raised as `ApiError`.
    #[getter]
    fn ok(&self) -> bool {
        (200..300).contains(&self.inner.status)
    }

    /// The response headers as a read-only, case-insensitive `Headers` mapping (like those of
    /// `requests` and `httpx`): `r.headers["Content-Type"]`; a repeated header reads as its
    /// values joined with `", "`, `r.headers.get_list(name)` gives them apart.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let h = self.headers.get_or_try_init(py, || {
            headers_mapping(py, self.inner.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))).map(Bound::unbind)
        })?;
        Ok(h.bind(py).clone())
    }

    /// One header's value (case-insensitive name), or `default`.
    #[pyo3(signature = (name, default = None))]
    fn header(&self, name: &str, default: Option<String>) -> Option<String> {
        self.inner.header(name).map(str::to_string).or(default)
    }

    /// The body as bytes.
    #[getter]
    fn content<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.body)
    }

    /// The body decoded as UTF-8 (invalid sequences replaced).
    #[getter]
    fn text(&self) -> String {
        self.inner.text().into_owned()
    }

    /// The body parsed as JSON (`json.loads`); raises `ValueError` when it is not JSON.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        LOADS.import(py, "json", "loads")?.call1((PyBytes::new(py, &self.inner.body),))
    }

    fn __repr__(&self) -> String {
        format!("<Response [{}]>", self.inner.status)
    }
}
