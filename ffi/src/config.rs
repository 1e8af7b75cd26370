//! `fiks_config`: the configuration keys, set one by one, from a TOML file or the environment.

use std::ffi::c_char;

use fiks::ConfigBuilder;

use crate::args;
use crate::boundary::{status_boundary, value_boundary};
use crate::castable::{Castable, free_box, into_ptr, try_mut};
use crate::error::fiks_error;
use crate::status::fiks_status;

/// A configuration being built: the keys of the README (`environment`, `issuer`,
/// `certificate`, `integrasjon_id`, ...). Precedence: `fiks_config_set` > `FIKS_<KEY>`
/// environment variables > config file > environment preset, whatever the call order.
///
/// Ownership: created by `fiks_config_new`, owned by the caller, freed with `fiks_config_free`;
/// `fiks_client_new` copies what it needs, so the config may be freed right after.
/// Thread safety: not thread safe; build it on one thread (it may then be moved to another).
pub struct fiks_config {
    _private: [u8; 0],
}

impl Castable for fiks_config {
    type RustType = ConfigBuilder;
}

/// A new, empty configuration.
///
/// Ownership: the caller owns the result and frees it with `fiks_config_free`. Returns NULL
/// only if memory runs out. Thread safety: callable from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn fiks_config_new() -> *mut fiks_config {
    value_boundary(|| into_ptr::<fiks_config>(fiks::Config::builder()))
}

/// Sets configuration `key` to `value` (both UTF-8). An unknown key fails at once with
/// `FIKS_ERROR_CONFIG` (the message suggests the closest key); values are checked by
/// `fiks_client_new`. Messages never quote the value.
///
/// Ownership: both strings are copied. Thread safety: not thread safe (see `fiks_config`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_config_set(
    config: *mut fiks_config,
    key: *const c_char,
    value: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_config_set", error_out, || {
        let builder = try_mut!(config);
        let key = args::str_arg(key, "key")?;
        let value = args::str_arg(value, "value")?;
        builder.set(key, value)?;
        Ok(())
    })
}

/// Names an integrasjon besides the default one, as a `[integrasjoner.NAME]` table of the TOML
/// file does (this wins over the file for the same `name`): `fiks_client_for_integrasjon_named`
/// then derives a client for it. The name, the id (a UUID) and the password are checked by
/// `fiks_client_new` (`FIKS_ERROR_CONFIG`); messages never quote the password.
///
/// Ownership: the strings are copied (the password's copy is wiped when freed).
/// Thread safety: not thread safe (see `fiks_config`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_config_set_integrasjon(
    config: *mut fiks_config,
    name: *const c_char,
    integrasjon_id: *const c_char,
    integrasjon_passord: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_config_set_integrasjon", error_out, || {
        let builder = try_mut!(config);
        let name = args::str_arg(name, "name")?;
        let id = args::str_arg(integrasjon_id, "integrasjon_id")?;
        let passord = args::str_arg(integrasjon_passord, "integrasjon_passord")?;
        builder.set_integrasjon_named(name, id, passord);
        Ok(())
    })
}

/// Names a service by its base URL (which may carry a path prefix), as a `[services]` entry of
/// the TOML file does (this wins over the file for the same `name`): a request with
/// `fiks_request_set_service(request, name)` has its relative path joined onto `base_url`, and
/// the Fiks headers may go there. `fiks` (= `fiks_base_url`) and `svarut` (with an
/// `environment`) are preset. Checked by `fiks_client_new` (`FIKS_ERROR_CONFIG`).
///
/// Ownership: the strings are copied. Thread safety: not thread safe (see `fiks_config`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_config_set_service(
    config: *mut fiks_config,
    name: *const c_char,
    base_url: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_config_set_service", error_out, || {
        let builder = try_mut!(config);
        let name = args::str_arg(name, "name")?;
        let base_url = args::str_arg(base_url, "base_url")?;
        builder.set_service(name, base_url);
        Ok(())
    })
}

/// Reads a TOML file of `key = "value"` lines (the file layer: explicit values and
/// `FIKS_<KEY>` variables still win). Fails with `FIKS_ERROR_CONFIG` when the file cannot be
/// read, is not TOML, or names an unknown key.
///
/// Ownership: `path` is only read. Thread safety: not thread safe (see `fiks_config`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_config_load_file(
    config: *mut fiks_config,
    path: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_config_load_file", error_out, || {
        let builder = try_mut!(config);
        let path = args::str_arg(path, "path")?;
        builder.load_file(path)?;
        Ok(())
    })
}

/// Reads the `FIKS_<KEY>` environment variables (e.g. `FIKS_ISSUER`) into the environment layer.
///
/// Ownership: nothing is transferred; the values are copied into `config`.
/// Thread safety: not thread safe (see `fiks_config`); it reads the process environment, so do
/// not call `setenv` on another thread meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_config_load_env(
    config: *mut fiks_config,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_config_load_env", error_out, || {
        let builder = try_mut!(config);
        builder.load_env()?;
        Ok(())
    })
}

/// Uses a PKCS#12 (`.p12`/`.pfx`) certificate held in memory instead of the `certificate` key:
/// `len` bytes at `data`, opened with `password` (NULL means the empty password). The bytes
/// are checked by `fiks_client_new`.
///
/// Ownership: `data` and `password` are copied (and the copies wiped when freed); the caller
/// may wipe its own buffers right after. Thread safety: not thread safe (see `fiks_config`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_config_set_certificate_pkcs12(
    config: *mut fiks_config,
    data: *const u8,
    len: usize,
    password: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_config_set_certificate_pkcs12", error_out, || {
        let builder = try_mut!(config);
        if data.is_null() {
            return Err(crate::error::ErrorData::null_argument("data"));
        }
        if len == 0 {
            return Err(crate::error::ErrorData::invalid_argument("`len` is 0: `data` must hold a PKCS#12 file"));
        }
        let bytes = args::bytes_arg(data, len, "data")?;
        let password = args::opt_str_arg(password, "password")?.unwrap_or("");
        builder.set_certificate_pkcs12(bytes.to_vec(), password.to_string());
        Ok(())
    })
}

/// Reads TOML text of `key = "value"` lines into the file layer, as `fiks_config_load_file`
/// does for a file (for configuration held in a vault or a database). Relative paths stay
/// relative to the working directory. Messages never quote the text (it may hold secrets).
///
/// Ownership: `toml` is only read. Thread safety: not thread safe (see `fiks_config`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_config_load_toml(
    config: *mut fiks_config,
    toml: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_config_load_toml", error_out, || {
        let builder = try_mut!(config);
        let text = zeroize::Zeroizing::new(args::str_arg(toml, "toml")?.to_string());
        builder.load_toml_str(&text)?;
        Ok(())
    })
}

/// Reads the TOML file that `FIKS_CONFIG` names (when it is set and not empty), then the
/// `FIKS_<KEY>` variables: the one way every binding and the CLI honour `FIKS_CONFIG`.
///
/// Ownership: nothing is transferred; the values are copied into `config`.
/// Thread safety: not thread safe (see `fiks_config`); reads the process environment.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_config_load_env_with_file(
    config: *mut fiks_config,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_config_load_env_with_file", error_out, || {
        let builder = try_mut!(config);
        builder.load_env_with_file()?;
        Ok(())
    })
}

/// The key names as static C strings, built once from the core's key table.
fn key_names() -> &'static [(std::ffi::CString, std::ffi::CString)] {
    static NAMES: std::sync::OnceLock<Vec<(std::ffi::CString, std::ffi::CString)>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        fiks::config::KEYS
            .iter()
            .map(|k| (crate::error::c_string(k.name), crate::error::c_string(k.kind.as_str())))
            .collect()
    })
}

/// The number of configuration keys (the core's key table, the same for every binding).
///
/// Ownership: a plain value. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn fiks_config_key_count() -> usize {
    value_boundary(|| fiks::config::KEYS.len())
}

/// The name of key `index` (0 to `fiks_config_key_count() - 1`), e.g. "issuer"; NULL when out
/// of range.
///
/// Ownership: a static string; never free it. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn fiks_config_key_name(index: usize) -> *const c_char {
    value_boundary(|| key_names().get(index).map_or(std::ptr::null(), |(n, _)| n.as_ptr()))
}

/// The kind of key `index`: "text", "choice", "secret", "path", "credential", "url",
/// "seconds", "count", "list", "digits", "uuid" or "flag" (true/false, yes/no, on/off, 1/0);
/// NULL when out of range.
///
/// Ownership: a static string; never free it. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn fiks_config_key_kind(index: usize) -> *const c_char {
    value_boundary(|| key_names().get(index).map_or(std::ptr::null(), |(_, k)| k.as_ptr()))
}

/// Whether key `index` holds a secret (never log or show its value); false when out of range.
///
/// Ownership: a plain value. Thread safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn fiks_config_key_is_secret(index: usize) -> bool {
    value_boundary(|| fiks::config::KEYS.get(index).is_some_and(|k| k.is_secret()))
}

/// Frees a configuration. NULL is a no-op.
///
/// Ownership: takes ownership of `config`. Thread safety: any thread, once, when no other
/// thread uses it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_config_free(config: *mut fiks_config) {
    // SAFETY: a non-NULL config comes from `fiks_config_new` and is freed once (contract).
    value_boundary(|| unsafe { free_box(config) })
}
