//! The configuration keys as the core's table has them, and keyword arguments into a
//! [`ConfigBuilder`].
//!
//! `CONFIG_KEYS` is built from [`fiks_integrasjon::config::KEYS`]: a read-only mapping from
//! each name to a [`PyConfigKey`] (its kind, whether it is a secret, its doc line, default and
//! choices). Keyword arguments are coerced by their key's kind, never by a list kept here:
//!
//! - `None` means "not given" (so `from_file(path, issuer=None)` keeps the file's issuer);
//! - a `str` is passed to the core as it is, for every key;
//! - a number kind (`seconds`, `count`) also takes an `int` or a `float` (not a `bool`);
//! - a `flag` kind (`discovery`) also takes a `bool` (`True` → `"true"`); no other kind does;
//! - a `list` kind also takes a list or tuple of strings (joined by spaces);
//! - a `path` or `credential` kind also takes an `os.PathLike`;
//! - `certificate` also takes `bytes`: the PKCS#12 file's content, opened with the
//!   `certificate_password` from wherever it is set (keyword, `FIKS_CERTIFICATE_PASSWORD`, file);
//! - `person_token` also takes a callable returning the citizen's token;
//! - `authorization_details` also takes an `AuthorizationDetails`, a mapping or a list of
//!   mappings (`json.dumps`'ed; checked by the core, see [`crate::authorization_details`]).
//!
//! Besides the keys, `signer=` (not a key: it has no text form) takes a private key object or a
//! callable that signs the grants ([`crate::signer`]), and `integrasjoner=` and `services=` take
//! the two tables. The values are then checked by the core ([`ConfigBuilder::build`]), as for
//! every source.

use std::sync::{Arc, Mutex};

use fiks_integrasjon::config::{KEYS, KeyKind, KeySpec, check_key, key};
use fiks_integrasjon::{ConfigBuilder, Error, PersonTokenProvider};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyMappingProxy, PyString, PyTuple,
};

use crate::errors::to_py;

/// One configuration key of the core's table (`fiks_integrasjon.CONFIG_KEYS[name]`).
#[pyclass(module = "fiks_integrasjon", name = "ConfigKey", frozen)]
pub(crate) struct PyConfigKey {
    spec: &'static KeySpec,
}

#[pymethods]
impl PyConfigKey {
    /// The name: the keyword argument, the TOML key, `FIKS_<NAME>` in upper case.
    #[getter]
    fn name(&self) -> &'static str {
        self.spec.name
    }
    /// The kind of value: `text`, `choice`, `secret`, `path`, `credential`, `url`, `seconds`,
    /// `count`, `list`, `digits`, `uuid` or `flag` (the core's names, [`KeyKind::as_str`]).
    #[getter]
    fn kind(&self) -> &'static str {
        self.spec.kind.as_str()
    }
    /// Whether the value is a secret (never shown; `<redacted>` in `Client.config`).
    #[getter]
    fn secret(&self) -> bool {
        self.spec.is_secret()
    }
    /// Whether the value may be given as a number (`seconds` and `count` kinds).
    #[getter]
    fn number(&self) -> bool {
        self.spec.kind.is_number()
    }
    /// One line saying what the key is.
    #[getter]
    fn doc(&self) -> &'static str {
        self.spec.doc
    }
    /// The default when not set (`None`: no default, or from the `environment` preset).
    #[getter]
    fn default(&self) -> Option<&'static str> {
        self.spec.default
    }
    /// The values a `choice` key takes (empty for other kinds).
    #[getter]
    fn choices<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        match self.spec.kind {
            KeyKind::Choice(words) => PyTuple::new(py, words),
            _ => Ok(PyTuple::empty(py)),
        }
    }
    /// The environment variable: `FIKS_` and the name in upper case.
    #[getter]
    fn env_var(&self) -> String {
        self.spec.env_var()
    }
    fn __repr__(&self) -> String {
        // Names and kinds are ASCII identifiers: quoted as Python's repr quotes them.
        format!(
            "ConfigKey(name='{}', kind='{}', secret={})",
            self.spec.name,
            self.spec.kind.as_str(),
            if self.spec.is_secret() { "True" } else { "False" }
        )
    }
}

/// `CONFIG_KEYS`: every key of the core's table, in its order, as a read-only mapping.
pub(crate) fn config_keys(py: Python<'_>) -> PyResult<Bound<'_, PyMappingProxy>> {
    let d = PyDict::new(py);
    for spec in KEYS {
        d.set_item(spec.name, Py::new(py, PyConfigKey { spec })?)?;
    }
    Ok(PyMappingProxy::new(py, d.cast::<PyMapping>()?))
}

/// The exceptions the client's Python callbacks raised last, kept to become the `__cause__` of
/// the error the core reports for them: the `person_token` callable's (a `TokenError`) and the
/// `signer`'s (a `CertificateError` with problem `signer`). The callbacks run on whichever
/// thread the core calls them from (the runtime thread, for a call that was spawned there), so
/// this is shared with the client rather than kept per thread.
#[derive(Default)]
pub(crate) struct CallbackFailures {
    person_token: Mutex<Option<PyErr>>,
    signer: Mutex<Option<PyErr>>,
}

impl CallbackFailures {
    fn put(slot: &Mutex<Option<PyErr>>, e: Option<PyErr>) {
        if let Ok(mut slot) = slot.lock() {
            *slot = e;
        }
    }
    fn take(slot: &Mutex<Option<PyErr>>) -> Option<PyErr> {
        slot.lock().ok().and_then(|mut s| s.take())
    }
    pub(crate) fn set_person_token(&self, e: Option<PyErr>) {
        Self::put(&self.person_token, e);
    }
    pub(crate) fn set_signer(&self, e: Option<PyErr>) {
        Self::put(&self.signer, e);
    }
    pub(crate) fn take_person_token(&self) -> Option<PyErr> {
        Self::take(&self.person_token)
    }
    pub(crate) fn take_signer(&self) -> Option<PyErr> {
        Self::take(&self.signer)
    }
}

/// What a client keeps of its callbacks' failures (shared with the clients derived from it).
pub(crate) type Failures = Arc<CallbackFailures>;

pub(crate) fn config_error(key: &str, message: String) -> PyErr {
    to_py(Error::Config { key: Some(key.to_string()), message })
}

/// Applies keyword arguments as explicit values (the highest precedence). Returns where the
/// `person_token` callable and the `signer`, when given, leave what they raised.
pub(crate) fn apply_kwargs(b: &mut ConfigBuilder, kwargs: Option<&Bound<'_, PyDict>>) -> PyResult<Failures> {
    let failure = Failures::default();
    let Some(kwargs) = kwargs else {
        return Ok(failure);
    };
    for (k, v) in kwargs.iter() {
        let name: String = k.extract()?;
        if name == "signer" {
            if !v.is_none() {
                b.set_signer(crate::signer::signer(&v, failure.clone())?);
            }
            continue;
        }
        if name == "integrasjoner" || name == "services" {
            if !v.is_none() {
                apply_table(b, &name, &v)?;
            }
            continue;
        }
        let name = check_key(&name).map_err(to_py)?;
        let spec = key(name).ok_or_else(|| config_error(name, format!("unknown configuration key `{name}`")))?;
        if v.is_none() {
            continue;
        }
        if spec.name == "person_token" && !v.is_instance_of::<PyString>() && v.is_callable() {
            b.set_person_token_provider(provider(v.unbind(), failure.clone()));
        } else if spec.name == "certificate" && (v.is_instance_of::<PyBytes>() || v.is_instance_of::<PyByteArray>()) {
            b.set_certificate_bytes(v.extract()?);
        } else if spec.name == "authorization_details" && !v.is_instance_of::<PyString>() {
            let json = crate::authorization_details::as_json_text(&v)?.ok_or_else(|| wrong_type(spec, &v))?;
            b.set(spec.name, &json).map_err(to_py)?;
        } else {
            b.set(spec.name, &text(spec, &v)?).map_err(to_py)?;
        }
    }
    Ok(failure)
}

/// The tables `integrasjoner={name: (id, passord)}` (or `{name: {"integrasjon_id": …,
/// "integrasjon_passord": …}}`) and `services={name: base_url}`, handed to the core's builder
/// as they are; the core checks names, ids, passwords and URLs when the client is built.
fn apply_table(b: &mut ConfigBuilder, table: &str, v: &Bound<'_, PyAny>) -> PyResult<()> {
    let shape = if table == "services" {
        "a mapping {name: base_url}"
    } else {
        "a mapping {name: (integrasjon_id, integrasjon_passord)}"
    };
    let wrong = || config_error(table, format!("`{table}` must be {shape}"));
    let mapping = v.cast::<PyMapping>().map_err(|_| wrong())?;
    for item in mapping.items()?.try_iter()? {
        let (name, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        let name: String = name.extract().map_err(|_| wrong())?;
        let key = format!("{table}.{name}");
        let string = |v: &Bound<'_, PyAny>, what: &str| -> PyResult<String> {
            Ok(v.cast::<PyString>()
                .map_err(|_| config_error(&key, format!("`{key}`: {what} must be a str")))?
                .to_cow()?
                .to_string())
        };
        if table == "services" {
            b.set_service(&name, &string(&value, "the base URL")?);
            continue;
        }
        let (id, passord) = if let Ok(m) = value.cast::<PyMapping>() {
            let mut id = None;
            let mut passord = None;
            for field in m.items()?.try_iter()? {
                let (k, fv): (String, Bound<'_, PyAny>) = field?.extract()?;
                match k.as_str() {
                    "integrasjon_id" => id = Some(string(&fv, "integrasjon_id")?),
                    "integrasjon_passord" => passord = Some(string(&fv, "integrasjon_passord")?),
                    _ => {
                        return Err(config_error(
                            &key,
                            format!(
                                "unknown key `{key}.{k}`: a named integrasjon has `integrasjon_id` and `integrasjon_passord`"
                            ),
                        ));
                    }
                }
            }
            match (id, passord) {
                (Some(id), Some(passord)) => (id, passord),
                _ => {
                    return Err(config_error(
                        &key,
                        format!("`{key}` needs both `integrasjon_id` and `integrasjon_passord`"),
                    ));
                }
            }
        } else if let Some(t) = value.cast::<PyTuple>().ok().filter(|t| t.len() == 2) {
            (string(&t.get_item(0)?, "integrasjon_id")?, string(&t.get_item(1)?, "integrasjon_passord")?)
        } else {
            return Err(config_error(
                &key,
                format!("`{key}` must be a pair (integrasjon_id, integrasjon_passord) or a mapping with those keys"),
            ));
        };
        b.set_integrasjon_named(&name, &id, &passord);
    }
    Ok(())
}

/// A keyword argument's value as the text the core parses, by the key's kind.
fn text(spec: &KeySpec, v: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_cow()?.to_string());
    }
    let kind = spec.kind;
    if kind.is_number()
        && !v.is_instance_of::<PyBool>()
        && (v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>())
    {
        return Ok(v.str()?.to_cow()?.to_string());
    }
    if kind == KeyKind::Flag && v.is_instance_of::<PyBool>() {
        return Ok(if v.is_truthy()? { "true" } else { "false" }.to_string());
    }
    if kind == KeyKind::List && (v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>()) {
        let mut parts = Vec::new();
        for item in v.try_iter()? {
            let item = item?;
            let s = item.cast::<PyString>().map_err(|_| wrong_type(spec, v))?;
            parts.push(s.to_cow()?.to_string());
        }
        return Ok(parts.join(" "));
    }
    if matches!(kind, KeyKind::Path | KeyKind::Credential) && v.hasattr("__fspath__")? {
        let path: std::path::PathBuf = v.extract()?;
        return Ok(path.to_string_lossy().into_owned());
    }
    Err(wrong_type(spec, v))
}

/// What a key takes, for the error about a value of the wrong type (never the value itself).
fn wrong_type(spec: &KeySpec, v: &Bound<'_, PyAny>) -> PyErr {
    let what = match (spec.name, spec.kind) {
        ("person_token", _) => "a string or a callable returning one",
        ("certificate", _) => "a path, PEM text, or the PKCS#12 file's content as bytes",
        ("authorization_details", _) => "an AuthorizationDetails, a JSON str, a mapping or a list of mappings",
        (_, KeyKind::Credential) => "a path or PEM text",
        (_, KeyKind::Path) => "a path",
        (_, KeyKind::List) => "a string or a list of strings",
        (_, KeyKind::Seconds { .. }) => "a number of seconds",
        (_, KeyKind::Count { .. }) => "a whole number",
        (_, KeyKind::Flag) => "a bool or a string",
        _ => "a string",
    };
    let type_name = v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    config_error(spec.name, format!("`{}` must be {what}, got {type_name}", spec.name))
}

/// Wraps a Python callable as the core's person token provider. It is called with the GIL
/// taken (from a thread that released it); what it raises is kept in `failure` for the client
/// to chain as the `TokenError`'s cause.
fn provider(callable: Py<PyAny>, failure: Failures) -> PersonTokenProvider {
    Arc::new(move || {
        Python::try_attach(|py| match callable.bind(py).call0().and_then(|r| r.extract::<String>()) {
            Ok(token) => Ok(token),
            Err(e) => {
                let what = e.get_type(py).name().map(|n| n.to_string()).unwrap_or_else(|_| "an exception".into());
                failure.set_person_token(Some(e));
                Err(format!("it raised {what}"))
            }
        })
        .unwrap_or_else(|| Err("the Python interpreter is shutting down".into()))
    })
}
