//! Rust tests that call the extern functions directly, as C would: NULL and invalid UTF-8
//! arguments, unknown keys, double use, every error kind, and the full flow against the mock.
//! (Unit tests rather than `tests/`: the crate has no rlib, see Cargo.toml.)

mod arguments;
mod async_calls;
mod error_model;
mod fuzz;
mod policy;
mod signer;
mod tenancy;
mod token_requests;
mod with_mock;

use std::ffi::{CStr, c_char};
use std::ptr;

use crate::*;

/// The text behind a `const char *`, or None for NULL.
fn text(p: *const c_char) -> Option<String> {
    // SAFETY: the library returns NUL-terminated strings (or NULL).
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// An owned `fiks_error *` out-parameter that is freed at the end of the test.
struct ErrorOut(*mut fiks_error);

impl ErrorOut {
    fn new() -> ErrorOut {
        ErrorOut(ptr::null_mut())
    }
    fn out(&mut self) -> *mut *mut fiks_error {
        // A previous error is freed first, so that one ErrorOut can be reused.
        // SAFETY: self.0 is NULL or an error from this library.
        unsafe { fiks_error_free(self.0) };
        self.0 = ptr::null_mut();
        &mut self.0
    }
    fn message(&self) -> String {
        // SAFETY: self.0 is NULL or a live error.
        text(unsafe { fiks_error_message(self.0) }).unwrap_or_default()
    }
    fn kind(&self) -> fiks_status {
        // SAFETY: as above.
        unsafe { fiks_error_kind(self.0) }
    }
    fn get(&self, f: unsafe extern "C" fn(*const fiks_error) -> *const c_char) -> Option<String> {
        // SAFETY: as above.
        text(unsafe { f(self.0) })
    }
}

impl Drop for ErrorOut {
    fn drop(&mut self) {
        // SAFETY: self.0 is NULL or an error from this library, freed once.
        unsafe { fiks_error_free(self.0) };
    }
}
