//! `fiks_integrasjon.Response`: a successful (2xx) answer from a Fiks API. Non-2xx answers are
//! raised as `ApiError` instead.

use fiks_integrasjon::FiksResponse;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyString};

/// A 2xx answer: `status`, `headers`, `content`, `text`, `json()`.
#[pyclass(module = "fiks_integrasjon", name = "Response", frozen)]
pub(crate) struct PyResponse {
    inner: FiksResponse,
}

impl PyResponse {
    pub(crate) fn new(inner: FiksResponse) -> PyResponse {
        PyResponse { inner }
    }
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

    /// The response headers, names in lower case; repeated headers are joined with `", "`.
    #[getter]
    fn headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (name, value) in &self.inner.headers {
            match d.get_item(name)? {
                Some(prev) => d.set_item(name, format!("{}, {value}", prev.cast::<PyString>()?.to_cow()?))?,
                None => d.set_item(name, value)?,
            }
        }
        Ok(d)
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
