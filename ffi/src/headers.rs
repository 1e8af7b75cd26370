//! `fiks_headers`: the three Fiks headers, ready to add to a request of your own HTTP client.

use std::ffi::{CString, c_char};
use std::ptr;

use zeroize::Zeroize;

use crate::boundary::value_boundary;
use crate::castable::{Castable, free_box, ref_from_ptr};
use crate::error::c_string;

/// The Fiks headers in a fixed order: `Authorization` ("Bearer <token>"), `IntegrasjonId`,
/// `IntegrasjonPassord`. They hold secrets: do not log the values.
///
/// Ownership: from `fiks_client_headers`, owned by the caller, freed with `fiks_headers_free`
/// (which wipes the values); every `const char *` read from it lives until then.
/// Thread safety: immutable; may be read from any thread, and freed once.
pub struct fiks_headers {
    _private: [u8; 0],
}

impl Castable for fiks_headers {
    type RustType = HeadersData;
}

/// The Rust value behind a `fiks_headers *`.
pub(crate) struct HeadersData {
    names: Vec<CString>,
    values: Vec<CString>,
}

impl HeadersData {
    /// Copies the core's headers.
    pub(crate) fn new(headers: &fiks::FiksHeaders) -> HeadersData {
        let (names, values) = headers.iter().map(|(n, v)| (c_string(n), c_string(v))).unzip();
        HeadersData { names, values }
    }
}

impl Drop for HeadersData {
    fn drop(&mut self) {
        for value in std::mem::take(&mut self.values) {
            value.into_bytes_with_nul().zeroize();
        }
    }
}

fn at(list: &[CString], index: usize) -> *const c_char {
    list.get(index).map_or(ptr::null(), |c| c.as_ptr())
}

/// The number of headers (3); 0 for NULL.
///
/// Ownership: a plain value. Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_headers_count(headers: *const fiks_headers) -> usize {
    value_boundary(|| {
        // SAFETY: a non-NULL headers object comes from this library and is not freed yet.
        unsafe { ref_from_ptr(headers) }.map_or(0, |h| h.names.len())
    })
}

/// The name of header `index`; NULL when `index` is out of range or `headers` is NULL.
///
/// Ownership: borrowed from `headers`; valid until `fiks_headers_free(headers)`.
/// Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_headers_name(headers: *const fiks_headers, index: usize) -> *const c_char {
    value_boundary(|| {
        // SAFETY: as in `fiks_headers_count`.
        unsafe { ref_from_ptr(headers) }.map_or(ptr::null(), |h| at(&h.names, index))
    })
}

/// The value of header `index` (a secret for `Authorization` and `IntegrasjonPassord`); NULL
/// when `index` is out of range or `headers` is NULL.
///
/// Ownership: borrowed from `headers`; valid until `fiks_headers_free(headers)`.
/// Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_headers_value(headers: *const fiks_headers, index: usize) -> *const c_char {
    value_boundary(|| {
        // SAFETY: as in `fiks_headers_count`.
        unsafe { ref_from_ptr(headers) }.map_or(ptr::null(), |h| at(&h.values, index))
    })
}

/// Frees headers, wiping the values. NULL is a no-op.
///
/// Ownership: takes ownership of `headers`. Thread safety: any thread, once, when no other
/// thread reads it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_headers_free(headers: *mut fiks_headers) {
    // SAFETY: a non-NULL headers object comes from this library and is freed once (contract).
    value_boundary(|| unsafe { free_box(headers) })
}
