//! # libfiks_integrasjon: the C ABI of fiks-integrasjon
//!
//! A thin layer over [`fiks::blocking::Client`]: every function here checks its arguments,
//! calls the core once and hands the answer to C. No Fiks or Maskinporten logic lives here.
//! The contract is `ffi/ABI.md`; the header `bindings/c/fiks_integrasjon.h` is generated from
//! this crate by `scripts/gen-header` (a pinned cbindgen).
//!
//! Patterns (after rustls-ffi):
//! - every C type is an opaque struct tied to its Rust type by [`castable::Castable`];
//! - every extern body runs inside [`boundary::status_boundary`] or
//!   [`boundary::value_boundary`], so no panic crosses into C;
//! - failures hand back an owned `fiks_error*` with the message and every structured field.
//!
//! ```c
//! fiks_config *cfg = fiks_config_new();
//! fiks_error *err = NULL;
//! fiks_client *client = NULL;
//! if (fiks_config_load_file(cfg, "fiks.toml", &err) != FIKS_OK ||
//!     fiks_client_new(cfg, &client, &err) != FIKS_OK) {
//!     fprintf(stderr, "%s\n", fiks_error_message(err));
//!     fiks_error_free(err);
//! }
//! fiks_config_free(cfg);
//! ```
#![warn(missing_docs)]
#![allow(non_camel_case_types)]
// The extern functions take raw pointers from C by design; each documents what it requires.
#![allow(clippy::missing_safety_doc)]

mod abi;
mod args;
pub mod authorization_details;
pub mod boundary;
pub mod call;
pub mod castable;
pub mod client;
pub mod config;
pub mod derive;
pub mod error;
mod error_data;
pub mod headers;
pub mod log;
pub mod parts;
pub mod request;
pub mod response;
pub mod signer;
pub mod status;
pub mod token_request;

use std::ffi::{CString, c_char};

use zeroize::Zeroize;

pub use authorization_details::*;
pub use call::*;
pub use client::*;
pub use config::*;
pub use derive::*;
pub use error::*;
pub use headers::*;
pub use log::*;
pub use parts::*;
pub use request::*;
pub use response::*;
pub use signer::*;
pub use status::{fiks_status, fiks_status_name};
pub use token_request::*;

pub use abi::FIKS_INTEGRASJON_ABI_VERSION;

static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The major ABI version of the library actually loaded (`FIKS_INTEGRASJON_ABI_VERSION` of the
/// header it was built with; the number in its SONAME). A program built against a header whose
/// `FIKS_INTEGRASJON_ABI_VERSION` differs must not use it.
///
/// Ownership: a number, nothing to free. Thread safety: callable from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn fiks_abi_version() -> u32 {
    FIKS_INTEGRASJON_ABI_VERSION
}

/// The library version, e.g. `"0.1.0"`.
///
/// Ownership: a static string; never free it. Thread safety: callable from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn fiks_version() -> *const c_char {
    VERSION.as_ptr().cast()
}

/// Frees a string returned as `char *` by this library (an access token, a Fiks IO password,
/// `authorization_details` JSON). The bytes are overwritten with zeros before the memory is
/// released, since such strings are secrets or personal data.
///
/// Ownership: takes ownership of `string`; passing NULL is a no-op; never free a string twice
/// and never pass a `const char *` obtained from an object. Thread safety: callable from any
/// thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_string_free(string: *mut c_char) {
    boundary::value_boundary(|| {
        if string.is_null() {
            return;
        }
        // SAFETY: the caller passes a pointer obtained from `CString::into_raw` in this library.
        let owned = unsafe { CString::from_raw(string) };
        owned.into_bytes_with_nul().zeroize();
    })
}

#[cfg(test)]
mod tests;
