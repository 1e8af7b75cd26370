//! The one mapping from the core's [`Error`] to Python exceptions.
//!
//! The classes are defined in Python (`fiks_integrasjon/_errors.py`, so they are ordinary,
//! picklable, documented exception classes); this module imports them once and constructs them
//! with keyword arguments carrying every field of the core's error model. Every class gets
//! `kind`, `hint`, `problem`, `config_key`, `status`, `transient`, `retry_after` and
//! `response_headers` (each from the core's accessor of the same meaning, so the rule behind
//! each is written once, in core); besides those:
//!
//! | core kind | Python class | own fields |
//! |---|---|---|
//! | `Config` | `ConfigError` | `key` |
//! | `Certificate` | `CertificateError` | |
//! | `Token` | `TokenError` | `error`, `description`, `error_uri`, `mp_code`, `is_authorization_details`, `is_time_refusal` |
//! | `Api` | `ApiError` | `error_id`, `error_code`, `error_json`, `message`, `path`, `original_path`, `timestamp`, `error`, `extra`, `body`, `body_truncated`, `integrasjon_refused`, `person_token` |
//! | `Transport` | `TransportError` | |
//! | `Usage` | `UsageError` | |
//! | `Cancelled` | `CancelledError` | |

use fiks_integrasjon::{ApiError, CertificateProblem, Error, ErrorKind};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyDict, PyList, PyModule, PyString};

use crate::config::Failures;

/// The Python module holding the exception classes.
const ERRORS_MODULE: &str = "fiks_integrasjon._errors";

/// Turns a core error into the matching `fiks_integrasjon` exception.
pub(crate) fn to_py(e: Error) -> PyErr {
    Python::attach(|py| match exception(py, &e) {
        Ok(value) => PyErr::from_value(value),
        // Only when the Python half of the package is broken: still say what went wrong.
        Err(import_problem) => {
            let err = PyRuntimeError::new_err(e.to_string());
            err.set_cause(py, Some(import_problem));
            err
        }
    })
}

/// Like [`to_py`], chaining what the client's `person_token` callable raised as the cause of
/// the `TokenError` the core reports for it, and what its `signer` raised as the cause of the
/// `CertificateError` (problem `signer`).
pub(crate) fn to_py_with(e: Error, failure: &Failures) -> PyErr {
    let cause = match &e {
        Error::PersonToken { .. } => failure.take_person_token(),
        Error::Certificate { problem: CertificateProblem::Signer, .. } => failure.take_signer(),
        _ => None,
    };
    let err = to_py(e);
    if let Some(cause) = cause {
        Python::attach(|py| err.set_cause(py, Some(cause)));
    }
    err
}

/// The Python class name for a kind.
pub(crate) fn class_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Config => "ConfigError",
        ErrorKind::Certificate => "CertificateError",
        ErrorKind::Token => "TokenError",
        ErrorKind::Api => "ApiError",
        ErrorKind::Transport => "TransportError",
        ErrorKind::Usage => "UsageError",
        ErrorKind::Cancelled => "CancelledError",
        _ => "FiksError",
    }
}

/// Builds (without raising) the exception instance for `e`.
pub(crate) fn exception<'py>(py: Python<'py>, e: &Error) -> PyResult<Bound<'py, PyAny>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module = MODULE.get_or_try_init(py, || py.import(ERRORS_MODULE).map(Bound::unbind))?.bind(py);
    let class = module.getattr(class_name(e.kind()))?;
    let kw = PyDict::new(py);
    // The fields every error has, from the core's one error model.
    kw.set_item("kind", e.kind().as_str())?;
    kw.set_item("hint", e.hint())?;
    kw.set_item("problem", e.problem())?;
    kw.set_item("config_key", e.config_key())?;
    kw.set_item("status", e.http_status())?;
    kw.set_item("transient", e.is_transient())?;
    kw.set_item("retry_after", e.retry_after().map(|d| d.as_secs_f64()))?;
    if let Some(h) = e.response_headers() {
        kw.set_item("response_headers", PyList::new(py, h.iter())?)?;
    }
    match e {
        Error::Config { key, .. } => kw.set_item("key", key)?,
        Error::Token(t) => {
            kw.set_item("error", &t.error)?;
            kw.set_item("description", &t.description)?;
            kw.set_item("error_uri", &t.error_uri)?;
            kw.set_item("mp_code", &t.mp_code)?;
            kw.set_item("is_authorization_details", t.is_authorization_details())?;
            kw.set_item("is_time_refusal", t.is_time_refusal())?;
        }
        Error::Api(a) => api_fields(py, &kw, a)?,
        // Maskinporten was not asked: no HTTP status; `error` names the source that failed.
        Error::PersonToken { message } => {
            kw.set_item("status", 0)?;
            kw.set_item("error", "person_token_provider")?;
            kw.set_item("description", message)?;
        }
        _ => {}
    }
    class.call((e.to_string(),), Some(&kw))
}

fn api_fields(py: Python<'_>, kw: &Bound<'_, PyDict>, a: &ApiError) -> PyResult<()> {
    kw.set_item("body", PyBytes::new(py, &a.raw))?;
    kw.set_item("body_truncated", a.body_truncated)?;
    kw.set_item("integrasjon_refused", a.integrasjon_refused)?;
    kw.set_item("person_token", a.person_token)?;
    let Some(b) = &a.body else {
        return Ok(());
    };
    kw.set_item("error_id", &b.error_id)?;
    kw.set_item("error_code", &b.error_code)?;
    kw.set_item("message", &b.message)?;
    kw.set_item("path", &b.path)?;
    kw.set_item("original_path", &b.original_path)?;
    kw.set_item("timestamp", b.timestamp)?;
    kw.set_item("error", &b.error)?;
    if let Some(j) = &b.error_json {
        kw.set_item("error_json", json_to_py(py, j)?)?;
    }
    if !b.extra.is_empty() {
        kw.set_item("extra", json_to_py(py, &serde_json::Value::Object(b.extra.clone()))?)?;
    }
    Ok(())
}

/// A JSON value as Python objects (through `json.loads`, so numbers keep their exact value).
pub(crate) fn json_to_py<'py>(py: Python<'py>, v: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    static LOADS: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let loads = LOADS.import(py, "json", "loads")?;
    loads.call1((PyString::new(py, &v.to_string()),))
}

/// `fiks_integrasjon.parse_error(body, status=None)`: the `ApiError` a Fiks error body
/// describes, for bodies obtained elsewhere, or `None` when it is not one. `status` is the
/// answer's HTTP status (else the body's own `status` is used); only 400-599 with the Fiks
/// shape is an error, so a 2xx body never is.
#[pyfunction]
#[pyo3(signature = (body, status=None))]
pub(crate) fn parse_error<'py>(
    py: Python<'py>,
    body: &Bound<'py, PyAny>,
    status: Option<u16>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let bytes: Vec<u8> = if let Ok(s) = body.cast::<PyString>() {
        s.to_cow()?.as_bytes().to_vec()
    } else {
        body.extract()
            .map_err(|_| pyo3::exceptions::PyTypeError::new_err("parse_error() takes the body as bytes or str"))?
    };
    fiks_integrasjon::error_from_body(&bytes, status).map(|e| exception(py, &e)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use fiks_integrasjon::{TokenError, TransportProblem};

    /// Starts an embedded interpreter with the package's Python half importable; the native
    /// half is this crate's own module, put in place under its package name.
    fn with_python<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> R {
        static SETUP: PyOnceLock<()> = PyOnceLock::new();
        Python::initialize();
        Python::attach(|py| {
            SETUP.get_or_init(py, || {
                let sys = py.import("sys").unwrap();
                let src = concat!(env!("CARGO_MANIFEST_DIR"), "/python");
                sys.getattr("path").unwrap().call_method1("insert", (0, src)).unwrap();
                let native = pyo3::wrap_pymodule!(super::super::_native)(py);
                sys.getattr("modules").unwrap().set_item("fiks_integrasjon._native", native).unwrap();
            });
            f(py)
        })
    }

    fn attr<'py, T: for<'a> FromPyObject<'a, 'py>>(v: &Bound<'py, PyAny>, name: &str) -> T {
        v.getattr(name).unwrap().extract().map_err(Into::into).unwrap()
    }

    fn is_instance(v: &Bound<'_, PyAny>, class: &str) -> bool {
        let cls = v.py().import(ERRORS_MODULE).unwrap().getattr(class).unwrap();
        v.is_instance(&cls).unwrap()
    }

    #[test]
    fn cancelled_maps_to_cancelled_error_with_its_problem() {
        with_python(|py| {
            for (closed, problem) in [(false, "cancelled"), (true, "client_closed")] {
                let e = exception(py, &Error::Cancelled { client_closed: closed }).unwrap();
                assert!(is_instance(&e, "CancelledError") && is_instance(&e, "FiksError"));
                assert_eq!(attr::<String>(&e, "kind"), "cancelled");
                assert_eq!(attr::<String>(&e, "problem"), problem);
            }
        });
    }

    #[test]
    fn every_kind_maps_to_its_class_with_its_fields() {
        with_python(|py| {
            let e = exception(py, &Error::Config { key: Some("issuer".into()), message: "mangler".into() }).unwrap();
            assert!(is_instance(&e, "ConfigError") && is_instance(&e, "FiksError"));
            assert_eq!(attr::<String>(&e, "key"), "issuer");
            assert_eq!(attr::<String>(&e, "kind"), "config");
            assert!(e.str().unwrap().to_cow().unwrap().contains("mangler"));

            let e = exception(
                py,
                &Error::Certificate {
                    problem: CertificateProblem::WrongPassword,
                    key: "certificate_password",
                    message: "feil passord".into(),
                },
            )
            .unwrap();
            assert!(is_instance(&e, "CertificateError"));
            assert_eq!(attr::<String>(&e, "problem"), "wrong_password");
            assert_eq!(attr::<String>(&e, "hint"), "check `certificate_password`");

            let e = exception(
                py,
                &Error::Token(Box::new(TokenError {
                    status: 400,
                    error: "invalid_grant".into(),
                    description: Some("MP-110 aud".into()),
                    mp_code: Some("MP-110".into()),
                    ..Default::default()
                })),
            )
            .unwrap();
            assert!(is_instance(&e, "TokenError"));
            assert_eq!(attr::<u16>(&e, "status"), 400);
            assert_eq!(attr::<String>(&e, "error"), "invalid_grant");
            assert_eq!(attr::<String>(&e, "description"), "MP-110 aud");
            assert_eq!(attr::<String>(&e, "mp_code"), "MP-110");
            assert!(attr::<Option<String>>(&e, "error_uri").is_none());
            assert!(!attr::<bool>(&e, "is_authorization_details"));

            let e = exception(
                py,
                &Error::Transport {
                    problem: TransportProblem::InvalidResponse,
                    message: "rot".into(),
                    status: Some(502),
                },
            )
            .unwrap();
            assert!(is_instance(&e, "TransportError"));
            assert_eq!(attr::<String>(&e, "problem"), "invalid_response");
            assert_eq!(attr::<u16>(&e, "status"), 502);

            let e = exception(py, &Error::Usage { message: "etter fork".into() }).unwrap();
            assert!(is_instance(&e, "UsageError"));
        })
    }

    #[test]
    fn api_errors_carry_the_fiks_body() {
        with_python(|py| {
            let body = br#"{"timestamp":1637218198035,"status":400,"error":"Bad Request","errorId":"3389ad1b","path":"/a/1","originalPath":"/a","message":"Beskrivelse","errorCode":"FEILKODE","errorJson":"{\"antall\":13}","ny":[1]}"#;
            let e = exception(py, &fiks_integrasjon::error_from_body(body, None).unwrap()).unwrap();
            assert!(is_instance(&e, "ApiError"));
            assert_eq!(attr::<u16>(&e, "status"), 400);
            assert_eq!(attr::<String>(&e, "error_id"), "3389ad1b");
            assert_eq!(attr::<String>(&e, "error_code"), "FEILKODE");
            assert_eq!(attr::<String>(&e, "message"), "Beskrivelse");
            assert_eq!(attr::<String>(&e, "path"), "/a/1");
            assert_eq!(attr::<String>(&e, "original_path"), "/a");
            assert_eq!(attr::<i64>(&e, "timestamp"), 1637218198035);
            assert_eq!(attr::<String>(&e, "error"), "Bad Request");
            assert_eq!(attr::<Vec<u8>>(&e, "body"), body.to_vec());
            let antall: i64 = e.getattr("error_json").unwrap().get_item("antall").unwrap().extract().unwrap();
            assert_eq!(antall, 13);
            let ny: Vec<i64> = e.getattr("extra").unwrap().get_item("ny").unwrap().extract().unwrap();
            assert_eq!(ny, [1]);

            // A body that is not a Fiks error keeps only status and raw body.
            let raw = Error::Api(Box::new(ApiError {
                status: 502,
                body: None,
                raw: b"<html>".to_vec(),
                ..Default::default()
            }));
            let e = exception(py, &raw).unwrap();
            assert_eq!(attr::<u16>(&e, "status"), 502);
            assert!(attr::<Option<String>>(&e, "error_id").is_none());
            assert_eq!(attr::<Vec<u8>>(&e, "body"), b"<html>".to_vec());
        })
    }

    #[test]
    fn the_common_fields_come_from_the_core_model() {
        with_python(|py| {
            let e = exception(
                py,
                &Error::Certificate {
                    problem: CertificateProblem::Expired,
                    key: "certificate",
                    message: "utløpt".into(),
                },
            )
            .unwrap();
            assert_eq!(attr::<String>(&e, "problem"), "expired");
            assert_eq!(attr::<String>(&e, "config_key"), "certificate");
            assert!(!attr::<bool>(&e, "transient"));
            assert!(attr::<Option<u16>>(&e, "status").is_none());
            assert!(attr::<Option<f64>>(&e, "retry_after").is_none());
            assert_eq!(e.getattr("response_headers").unwrap().len().unwrap(), 0);

            let busy = Error::Api(Box::new(ApiError {
                status: 503,
                raw: b"<html>".to_vec(),
                headers: fiks_integrasjon::ResponseHeaders { retry_after: Some("7".into()), ..Default::default() },
                ..Default::default()
            }));
            let e = exception(py, &busy).unwrap();
            assert!(attr::<bool>(&e, "transient"));
            assert_eq!(attr::<String>(&e, "problem"), "not_a_fiks_error");
            assert_eq!(attr::<f64>(&e, "retry_after"), 7.0);
            let headers = e.getattr("response_headers").unwrap();
            assert_eq!(headers.get_item("Retry-After").unwrap().extract::<String>().unwrap(), "7");
            assert_eq!(attr::<String>(&e, "hint"), busy.hint().unwrap());

            let e = exception(py, &Error::PersonToken { message: "borte".into() }).unwrap();
            assert!(is_instance(&e, "TokenError"));
            assert_eq!(attr::<u16>(&e, "status"), 0);
            assert_eq!(attr::<String>(&e, "problem"), "person_token_provider");
            assert_eq!(attr::<String>(&e, "error"), "person_token_provider");
        })
    }

    #[test]
    fn token_refusals_carry_the_core_verdicts() {
        with_python(|py| {
            for (code, rar) in [("MP-301", true), ("MP-302", true), ("MP-303", true), ("MP-110", false)] {
                let t = TokenError {
                    status: 400,
                    error: "invalid_request".into(),
                    mp_code: Some(code.into()),
                    ..Default::default()
                };
                let expected = (t.is_authorization_details(), t.is_time_refusal());
                assert_eq!(expected.0, rar);
                let e = exception(py, &Error::Token(Box::new(t))).unwrap();
                assert_eq!(attr::<bool>(&e, "is_authorization_details"), expected.0, "{code}");
                assert_eq!(attr::<bool>(&e, "is_time_refusal"), expected.1, "{code}");
            }
        })
    }

    #[test]
    fn signer_failures_are_certificate_errors_with_the_signers_exception_as_cause() {
        with_python(|py| {
            let failures = crate::config::Failures::default();
            failures.set_signer(Some(pyo3::exceptions::PyConnectionError::new_err("offline")));
            let e = Error::Certificate {
                problem: CertificateProblem::Signer,
                key: "signer",
                message: "the external signer failed: ConnectionError: offline".into(),
            };
            let err = to_py_with(e, &failures);
            let value = err.value(py);
            assert!(is_instance(value.as_any(), "CertificateError"));
            assert_eq!(attr::<String>(value.as_any(), "problem"), "signer");
            assert_eq!(attr::<String>(value.as_any(), "config_key"), "signer");
            let cause = err.cause(py).expect("the signer's exception as __cause__");
            assert!(cause.is_instance_of::<pyo3::exceptions::PyConnectionError>(py));
            assert!(failures.take_signer().is_none(), "taken once");
        })
    }

    #[test]
    fn to_py_raises_the_instance() {
        with_python(|py| {
            let err = to_py(Error::Usage { message: "x".into() });
            assert!(is_instance(err.value(py).as_any(), "UsageError"));
        })
    }
}
