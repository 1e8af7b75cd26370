//! Keyword arguments into a [`ConfigBuilder`]: the same keys as everywhere else (TOML files,
//! `FIKS_<KEY>` variables, the C ABI), with Python conveniences.
//!
//! - `None` means "not given" (so `from_file(path, issuer=None)` keeps the file's issuer);
//! - paths may be `str` or `os.PathLike`; numbers may be `int`/`float`;
//! - `scopes` and `resource` may be a string (space-separated) or a list of strings;
//! - `certificate` may also be `bytes`: the PKCS#12 file's content, opened with `certificate_password`;
//! - `person_token` may also be a callable returning the citizen's token.

use std::sync::Arc;

use fiks_integrasjon::config::check_key;
use fiks_integrasjon::{ConfigBuilder, Error, PersonTokenProvider};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::errors::{remember_provider_failure, to_py};

fn config_error(key: &str, message: String) -> PyErr {
    to_py(Error::Config { key: Some(key.to_string()), message })
}

/// Applies keyword arguments as explicit values (the highest precedence).
pub(crate) fn apply_kwargs(b: &mut ConfigBuilder, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<()> {
    let Some(kwargs) = kwargs else {
        return Ok(());
    };
    let mut pkcs12: Option<Vec<u8>> = None;
    let mut password: Option<String> = None;
    for (k, v) in kwargs.iter() {
        let name: String = k.extract()?;
        let key = check_key(&name).map_err(to_py)?;
        if v.is_none() {
            continue;
        }
        match key {
            "person_token" if !v.is_instance_of::<PyString>() && v.is_callable() => {
                b.set_person_token_provider(provider(v.unbind()));
            }
            "certificate" if v.is_instance_of::<PyBytes>() || v.is_instance_of::<PyByteArray>() => {
                pkcs12 = Some(v.extract()?);
            }
            _ => {
                let value = text(key, &v)?;
                if key == "certificate_password" {
                    password = Some(value.clone());
                }
                b.set(key, &value).map_err(to_py)?;
            }
        }
    }
    if let Some(data) = pkcs12 {
        b.set_certificate_pkcs12(data, password.unwrap_or_default());
    }
    Ok(())
}

/// A keyword argument's value as the text the core parses.
fn text(key: &'static str, v: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_cow()?.to_string());
    }
    let number_key = key.ends_with("_seconds") || key == "max_retries";
    if number_key && !v.is_instance_of::<PyBool>() && (v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>()) {
        return Ok(v.str()?.to_cow()?.to_string());
    }
    if matches!(key, "scopes" | "resource") && (v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>()) {
        let mut parts = Vec::new();
        for item in v.try_iter()? {
            let item = item?;
            let s = item
                .cast::<PyString>()
                .map_err(|_| config_error(key, format!("`{key}` must be a string or a list of strings")))?;
            parts.push(s.to_cow()?.to_string());
        }
        return Ok(parts.join(" "));
    }
    if v.hasattr("__fspath__")? {
        let path: std::path::PathBuf = v.extract()?;
        return Ok(path.to_string_lossy().into_owned());
    }
    let what = match key {
        "scopes" | "resource" => "a string or a list of strings",
        "person_token" => "a string or a callable returning one",
        "certificate" => "a path, or the PKCS#12 file's content as bytes",
        _ if number_key => "a number",
        _ => "a string",
    };
    let type_name = v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    Err(config_error(key, format!("`{key}` must be {what}, got {type_name}")))
}

/// Wraps a Python callable as the core's person token provider. It is called with the GIL
/// taken (from a thread that released it); what it raises becomes the `TokenError`'s cause.
fn provider(callable: Py<PyAny>) -> PersonTokenProvider {
    Arc::new(move || {
        Python::try_attach(|py| match callable.bind(py).call0().and_then(|r| r.extract::<String>()) {
            Ok(token) => Ok(token),
            Err(e) => {
                let what = e.get_type(py).name().map(|n| n.to_string()).unwrap_or_else(|_| "an exception".into());
                remember_provider_failure(e);
                Err(format!("it raised {what}"))
            }
        })
        .unwrap_or_else(|| Err("the Python interpreter is shutting down".into()))
    })
}
