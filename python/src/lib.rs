//! The native module `fiks_integrasjon._native`: the Python face of the `fiks-integrasjon` core.
//!
//! Everything real lives in the core crate; this crate only converts between Python and Rust:
//! keyword arguments into a [`fiks_integrasjon::ConfigBuilder`] ([`config`]; a Python key or
//! callable as the core's external signer, [`signer`]; `AuthorizationDetails`,
//! [`authorization_details`]), core errors into
//! the exception classes of `fiks_integrasjon._errors` ([`errors`]), core `tracing` events into
//! Python `logging` records ([`logging`]), and the blocking client into a Python class that
//! releases the GIL whenever it may wait, lets Ctrl-C interrupt a wait, and survives
//! `os.fork()` the core's way ([`client`]). `CONFIG_KEYS` is the core's key table ([`config`]).
//!
//! The pure-Python package `fiks_integrasjon` re-exports what is public; import that, not this.

use pyo3::prelude::*;

mod aio;
mod authorization_details;
mod client;
mod config;
mod errors;
mod logging;
mod multipart;
mod response;
mod signer;

/// The module initialiser (`import fiks_integrasjon._native`).
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", fiks_integrasjon::VERSION)?;
    m.add("CONFIG_KEYS", config::config_keys(m.py())?)?;
    m.add_class::<config::PyConfigKey>()?;
    m.add_class::<client::PyClient>()?;
    m.add_class::<client::PyToken>()?;
    m.add_class::<client::PyFiksIoCredentials>()?;
    m.add_class::<client::PyCertificateInfo>()?;
    m.add_class::<authorization_details::PyAuthorizationDetails>()?;
    m.add_class::<response::PyResponse>()?;
    m.add_class::<aio::Completions>()?;
    m.add_class::<aio::PyCall>()?;
    m.add_function(wrap_pyfunction!(errors::parse_error, m)?)?;
    m.add_function(wrap_pyfunction!(logging::_refresh_logging, m)?)?;
    logging::install(m.py());
    Ok(())
}
