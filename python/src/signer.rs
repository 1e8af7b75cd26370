//! `signer=`: a Python private key or callable as the core's external [`Signer`].
//!
//! Two shapes are taken (see [`signer`]):
//!
//! - a callable `(bytes) -> bytes`: called with the grant's JWS signing input, it returns the
//!   RS256 (RSASSA-PKCS1-v1_5, SHA-256) signature — an HSM's, a smart card's, a KMS's;
//! - an object with `.sign(data, padding, algorithm)` that is not itself callable: a
//!   `cryptography` `RSAPrivateKey`, called as `key.sign(data, padding.PKCS1v15(),
//!   hashes.SHA256())`. `cryptography` is not a dependency of this package: it is imported
//!   only then, and a clear `ConfigError` says so when it is missing.
//!
//! The core calls the signer on a thread of its own runtime (never on the caller's thread for
//! a token fetch; the caller waits with the GIL released), bounded by `timeout_seconds`, and
//! checks every signature with the certificate's public key. The signer takes the GIL there to
//! call into Python; an exception it raises becomes the signer's error message (the core raises
//! `CertificateError` with `problem == "signer"`), and the exception itself is kept in the
//! client's [`CallbackFailures`] to become that error's `__cause__`.

use std::sync::Arc;

use fiks_integrasjon::signer::{Signer, SignerError};
use fiks_integrasjon::{CertificateProblem, Error};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

use crate::config::{CallbackFailures, config_error};
use crate::errors::to_py;

/// How the Python object signs.
enum How {
    /// `callable(data) -> bytes`.
    Callable(Py<PyAny>),
    /// `key.sign(data, padding, algorithm)` with `PKCS1v15()` and `SHA256()` made once.
    Key { key: Py<PyAny>, padding: Py<PyAny>, algorithm: Py<PyAny> },
}

/// The core's [`Signer`] over a Python object.
struct PySigner {
    how: How,
    failures: Arc<CallbackFailures>,
}

impl Signer for PySigner {
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignerError> {
        Python::try_attach(|py| {
            let data = PyBytes::new(py, signing_input);
            let answer = match &self.how {
                How::Callable(f) => f.bind(py).call1((data,)),
                How::Key { key, padding, algorithm } => key.bind(py).call_method1("sign", (data, padding, algorithm)),
            };
            match answer.and_then(|a| signature_bytes(&a)) {
                Ok(signature) => {
                    self.failures.set_signer(None);
                    Ok(signature)
                }
                Err(e) => {
                    let message = describe(py, &e);
                    self.failures.set_signer(Some(e));
                    Err(message.into())
                }
            }
        })
        .unwrap_or_else(|| Err("the Python interpreter is shutting down".into()))
    }
}

/// The signature the signer returned: `bytes` (or `bytearray`), else `TypeError`.
fn signature_bytes(answer: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = answer.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = answer.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    let type_name = type_name(answer);
    Err(PyTypeError::new_err(format!("the signer returned {type_name}, not the signature as bytes")))
}

/// `"ExceptionType: message"` (or only the type when the message is empty).
fn describe(py: Python<'_>, e: &PyErr) -> String {
    let what = e.get_type(py).name().map(|n| n.to_string()).unwrap_or_else(|_| "an exception".into());
    match e.value(py).str().map(|s| s.to_string()) {
        Ok(m) if !m.is_empty() => format!("{what}: {m}"),
        _ => what,
    }
}

fn type_name(v: &Bound<'_, PyAny>) -> String {
    v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into())
}

/// `signer=`'s value as the core's [`Signer`]: a callable, or a key object with `.sign`
/// (`cryptography`'s `RSAPrivateKey`); `ConfigError` (key `signer`) for anything else, for a
/// key object when `cryptography` is not installed; `CertificateError` (`unsupported_key`) for
/// a `cryptography` key that is not RSA.
pub(crate) fn signer(v: &Bound<'_, PyAny>, failures: Arc<CallbackFailures>) -> PyResult<Arc<dyn Signer>> {
    let py = v.py();
    if v.is_callable() {
        return Ok(Arc::new(PySigner { how: How::Callable(v.clone().unbind()), failures }));
    }
    let has_sign = v.hasattr("sign")? && v.getattr("sign")?.is_callable();
    if !has_sign {
        return Err(config_error(
            "signer",
            format!(
                "`signer` must be a private key with .sign(data, padding, algorithm) (a `cryptography` RSAPrivateKey) or a callable (bytes) -> bytes, got {}",
                type_name(v)
            ),
        ));
    }
    let import = |module: &str| {
        py.import(module).map_err(|cause| {
            let err = config_error(
                "signer",
                "a key object as `signer` is called as key.sign(data, padding.PKCS1v15(), hashes.SHA256()), which needs the `cryptography` package: pip install cryptography (or give a callable (bytes) -> bytes)"
                    .into(),
            );
            err.set_cause(py, Some(cause));
            err
        })
    };
    let padding = import("cryptography.hazmat.primitives.asymmetric.padding")?.getattr("PKCS1v15")?.call0()?;
    let algorithm = import("cryptography.hazmat.primitives.hashes")?.getattr("SHA256")?.call0()?;
    let rsa = import("cryptography.hazmat.primitives.asymmetric.rsa")?.getattr("RSAPrivateKey")?;
    let module: String = v.get_type().getattr("__module__").and_then(|m| m.extract()).unwrap_or_default();
    if module.starts_with("cryptography.") && !v.is_instance(&rsa)? {
        return Err(to_py(Error::Certificate {
            problem: CertificateProblem::UnsupportedKey,
            key: "signer",
            message: format!("`signer` is a {}, not an RSA private key", type_name(v)),
        }));
    }
    Ok(Arc::new(PySigner {
        how: How::Key { key: v.clone().unbind(), padding: padding.unbind(), algorithm: algorithm.unbind() },
        failures,
    }))
}
