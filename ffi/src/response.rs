//! `fiks_response`: a 2xx answer from a Fiks API.

use std::ffi::{CString, c_char};
use std::ptr;

use crate::boundary::value_boundary;
use crate::castable::{Castable, free_box, ref_from_ptr};
use crate::error::{c_string, nul_terminated};

/// A successful (2xx) answer: status, headers (names lowercase, in order) and body.
///
/// Ownership: from `fiks_client_request`, owned by the caller, freed with `fiks_response_free`;
/// the body and every `const char *` read from it live until then.
/// Thread safety: immutable; may be read from any thread, and freed once.
pub struct fiks_response {
    _private: [u8; 0],
}

impl Castable for fiks_response {
    type RustType = ResponseData;
}

/// The Rust value behind a `fiks_response *`.
pub(crate) struct ResponseData {
    status: u16,
    /// The body followed by one NUL byte that is not part of it.
    body: Vec<u8>,
    headers: Vec<(CString, CString)>,
}

impl From<fiks::FiksResponse> for ResponseData {
    fn from(r: fiks::FiksResponse) -> ResponseData {
        ResponseData {
            status: r.status,
            body: nul_terminated(&r.body),
            headers: r.headers.into_iter().map(|(n, v)| (c_string(n), c_string(v))).collect(),
        }
    }
}

fn with_response<T: crate::boundary::PanicOrDefault>(
    response: *const fiks_response,
    f: impl FnOnce(&ResponseData) -> T,
) -> T {
    value_boundary(|| {
        // SAFETY: a non-NULL response comes from this library and is not freed yet (contract).
        match unsafe { ref_from_ptr(response) } {
            Some(r) => f(r),
            None => T::value(),
        }
    })
}

/// The HTTP status (200-299); 0 for NULL.
///
/// Ownership: a plain value. Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_response_status(response: *const fiks_response) -> u16 {
    with_response(response, |r| r.status)
}

/// The body, with its length in `*len_out` (`len_out` may be NULL). Never NULL for a non-NULL
/// response: an empty body is a valid pointer with length 0. The body may hold any bytes; one
/// NUL byte, not counted in the length, follows it, so a text body can also be read as a C
/// string. NULL for a NULL response.
///
/// Ownership: borrowed from `response`; valid until `fiks_response_free(response)`.
/// Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_response_body(response: *const fiks_response, len_out: *mut usize) -> *const u8 {
    with_response(response, |r| {
        // SAFETY: a non-NULL out-parameter points at writable storage for one size_t.
        if let Some(out) = unsafe { len_out.as_mut() } {
            *out = r.body.len() - 1;
        }
        r.body.as_ptr()
    })
}

/// The number of response headers; 0 for NULL.
///
/// Ownership: a plain value. Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_response_headers_count(response: *const fiks_response) -> usize {
    with_response(response, |r| r.headers.len())
}

/// The name (lowercase) of response header `index`; NULL when out of range or for NULL.
///
/// Ownership: borrowed from `response`; valid until `fiks_response_free(response)`.
/// Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_response_header_name(response: *const fiks_response, index: usize) -> *const c_char {
    with_response(response, |r| r.headers.get(index).map_or(ptr::null(), |(n, _)| n.as_ptr()))
}

/// The value of response header `index`; NULL when out of range or for NULL.
///
/// Ownership: borrowed from `response`; valid until `fiks_response_free(response)`.
/// Thread safety: any thread may read it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_response_header_value(response: *const fiks_response, index: usize) -> *const c_char {
    with_response(response, |r| r.headers.get(index).map_or(ptr::null(), |(_, v)| v.as_ptr()))
}

/// Frees a response. NULL is a no-op.
///
/// Ownership: takes ownership of `response`. Thread safety: any thread, once, when no other
/// thread reads it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_response_free(response: *mut fiks_response) {
    // SAFETY: a non-NULL response comes from this library and is freed once (contract).
    value_boundary(|| unsafe { free_box(response) })
}
