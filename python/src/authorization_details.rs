//! `fiks_integrasjon.AuthorizationDetails`: the core's checked `authorization_details` (Altinn
//! systembruker and samtykke, RFC 9396), and the one conversion of a Python value into the
//! JSON text the core parses.
//!
//! Every rule (the types, their fields, orgnr and UUID shapes, at most 10 entries) is the
//! core's ([`AuthorizationDetails`]); nothing is checked here. A `Mapping` or a sequence of them
//! is `json.dumps`'ed and handed to the core as it is.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use fiks_integrasjon::AuthorizationDetails;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyMapping, PySequence, PyString, PyTuple};

use crate::errors::to_py;

/// A checked `authorization_details` value (Maskinporten's Rich Authorization Requests):
/// ``AuthorizationDetails.systembruker(orgnr, external_ref=None)``,
/// ``AuthorizationDetails.samtykke(id, from_)`` or ``AuthorizationDetails.parse(json_text)``;
/// ``.json`` is its canonical JSON. Equal values are equal (and hash alike) and share a token.
/// Bad values raise ``ConfigError`` (``key == "authorization_details"``).
#[pyclass(module = "fiks_integrasjon", name = "AuthorizationDetails", frozen)]
pub(crate) struct PyAuthorizationDetails {
    pub(crate) inner: AuthorizationDetails,
}

#[pymethods]
impl PyAuthorizationDetails {
    /// An Altinn systembruker request for the customer organisation `orgnr` (9 digits), with
    /// an optional `external_ref` (when the vendor has several system users for the customer).
    #[staticmethod]
    #[pyo3(signature = (orgnr, external_ref = None))]
    fn systembruker(orgnr: &str, external_ref: Option<&str>) -> PyResult<PyAuthorizationDetails> {
        AuthorizationDetails::systembruker(orgnr, external_ref)
            .map(|inner| PyAuthorizationDetails { inner })
            .map_err(to_py)
    }

    /// An Altinn samtykke (consent) request: the consent's `id` (a UUID) given `from_` a person
    /// (11-digit fødselsnummer), an organisation (9-digit orgnr), or the Altinn URN of either.
    #[staticmethod]
    fn samtykke(id: &str, from_: &str) -> PyResult<PyAuthorizationDetails> {
        AuthorizationDetails::samtykke(id, from_).map(|inner| PyAuthorizationDetails { inner }).map_err(to_py)
    }

    /// Parses and checks JSON text: an array of entries (one object is taken as an array of one).
    #[staticmethod]
    fn parse(json_text: &str) -> PyResult<PyAuthorizationDetails> {
        AuthorizationDetails::parse(json_text).map(|inner| PyAuthorizationDetails { inner }).map_err(to_py)
    }

    /// The canonical JSON (an array), as it goes into the grant.
    #[getter]
    fn json(&self) -> &str {
        self.inner.as_json()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> Py<PyAny> {
        let py = other.py();
        match other.cast::<PyAuthorizationDetails>() {
            Ok(o) => PyBool::new(py, self.inner == o.get().inner).to_owned().into_any().unbind(),
            Err(_) => py.NotImplemented(),
        }
    }

    fn __hash__(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.inner.hash(&mut h);
        h.finish()
    }

    /// The types and organisations, a consent's `from` masked (a fødselsnummer is personal
    /// data): the core's log form. `.json` has the whole value.
    fn __repr__(&self) -> String {
        format!("{:?}", self.inner)
    }

    /// Pickles as `AuthorizationDetails.parse(json)`.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((slf.get_type().getattr("parse")?, (slf.get().inner.as_json().to_string(),)))
    }
}

/// A Python `authorization_details` value as the JSON text the core parses: a `str` as it is,
/// an `AuthorizationDetails` as its JSON, a `Mapping` or a sequence of them through
/// `json.dumps` (whose own errors propagate). `None` for a value of any other type.
pub(crate) fn as_json_text(v: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(Some(s.to_cow()?.to_string()));
    }
    if let Ok(d) = v.cast::<PyAuthorizationDetails>() {
        return Ok(Some(d.get().inner.as_json().to_string()));
    }
    let is_bytes = v.is_instance_of::<PyBytes>() || v.is_instance_of::<PyByteArray>();
    if is_bytes || (v.cast::<PyMapping>().is_err() && v.cast::<PySequence>().is_err()) {
        return Ok(None);
    }
    static DUMPS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let text = DUMPS.import(v.py(), "json", "dumps")?.call1(PyTuple::new(v.py(), [v])?)?;
    Ok(Some(text.cast::<PyString>()?.to_cow()?.to_string()))
}

/// `authorization_details=` of a token call: [`as_json_text`], `TypeError` for another type.
pub(crate) fn option_text(v: &Bound<'_, PyAny>) -> PyResult<String> {
    as_json_text(v)?.ok_or_else(|| {
        let type_name = v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        PyTypeError::new_err(format!(
            "authorization_details must be an AuthorizationDetails, a JSON str, a mapping or a list of mappings, got {type_name}"
        ))
    })
}
