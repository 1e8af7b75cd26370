//! `fiks_parts`: the parts of a `multipart/form-data` body (a SvarUt forsendelse, a document
//! upload), built by the caller and attached to a request with `fiks_request_set_multipart`.
//! Each part is the core's `fiks::Part`; the rules (names, file names, content types, 1 to
//! 1000 parts) are checked by the core when the parts are attached.

use std::ffi::c_char;

use fiks::Part;

use crate::args;
use crate::boundary::{status_boundary, value_boundary};
use crate::castable::{Castable, free_box, into_ptr, ref_from_ptr, try_mut};
use crate::error::{ErrorData, fiks_error};
use crate::status::fiks_status;

/// A list of multipart parts, in the order they are sent.
///
/// Ownership: created by `fiks_parts_new`, owned by the caller, freed with `fiks_parts_free`;
/// `fiks_request_set_multipart` copies it (byte contents are shared, not duplicated), so it
/// may be freed or reused right after. Thread safety: not thread safe while being built; build
/// it on one thread (it may then be moved, or read by `fiks_request_set_multipart` from any).
pub struct fiks_parts {
    _private: [u8; 0],
}

impl Castable for fiks_parts {
    type RustType = Vec<Part>;
}

/// A new, empty list of parts.
///
/// Ownership: the caller owns the result and frees it with `fiks_parts_free`. Returns NULL
/// only if memory runs out. Thread safety: callable from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn fiks_parts_new() -> *mut fiks_parts {
    value_boundary(|| into_ptr::<fiks_parts>(Vec::new()))
}

/// Applies the optional file name and content type of a part.
fn with_options(mut part: Part, filename: *const c_char, content_type: *const c_char) -> Result<Part, ErrorData> {
    if let Some(f) = args::opt_str_arg(filename, "filename")? {
        part = part.filename(f);
    }
    if let Some(ct) = args::opt_str_arg(content_type, "content_type")? {
        part = part.content_type(ct);
    }
    Ok(part)
}

/// Adds a part named `name` holding `len` bytes at `data` (NULL only with length 0), with a
/// file name (`filename`, NULL for none: a form field) and a type (`content_type`, NULL for
/// none). Names and types are checked by `fiks_request_set_multipart`.
///
/// Ownership: the strings and the bytes are copied; the caller may free its buffer right
/// after. Thread safety: not thread safe (see `fiks_parts`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_parts_add_bytes(
    parts: *mut fiks_parts,
    name: *const c_char,
    data: *const u8,
    len: usize,
    filename: *const c_char,
    content_type: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_parts_add_bytes", error_out, || {
        let list = try_mut!(parts);
        let name = args::str_arg(name, "name")?;
        let bytes = args::bytes_arg(data, len, "data")?;
        let part = with_options(Part::bytes(name, bytes.to_vec()), filename, content_type)?;
        list.push(part);
        Ok(())
    })
}

/// Adds a text field `name` (`text/plain; charset=utf-8`) holding `text` (UTF-8).
///
/// Ownership: the strings are copied. Thread safety: not thread safe (see `fiks_parts`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_parts_add_text(
    parts: *mut fiks_parts,
    name: *const c_char,
    text: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_parts_add_text", error_out, || {
        let list = try_mut!(parts);
        let name = args::str_arg(name, "name")?;
        let text = args::str_arg(text, "text")?;
        list.push(Part::text(name, text));
        Ok(())
    })
}

/// Adds a part `name` holding the JSON text `json` (`application/json`, e.g. a SvarUt
/// forsendelse's metadata). Text that is not JSON is `FIKS_ERROR_INVALID_ARGUMENT` (the
/// message says where it broke, never quoting the text).
///
/// Ownership: the strings are copied. Thread safety: not thread safe (see `fiks_parts`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_parts_add_json(
    parts: *mut fiks_parts,
    name: *const c_char,
    json: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_parts_add_json", error_out, || {
        let list = try_mut!(parts);
        let name = args::str_arg(name, "name")?;
        let text = args::str_arg(json, "json")?;
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            ErrorData::invalid_argument(format!(
                "`json` is not JSON (line {}, column {}); pass JSON text",
                e.line(),
                e.column()
            ))
        })?;
        list.push(Part::json(name, &value)?);
        Ok(())
    })
}

/// Adds a part `name` whose content is the file at `path`, read from disk while the request is
/// sent (streamed, never read whole into memory; opened anew for each attempt, so the file
/// must stay until the call ends). The file name sent is the path's last component unless
/// `filename` is given; the type is `application/octet-stream` unless `content_type` is
/// given. A file that cannot be read fails the send with `FIKS_ERROR_USAGE`.
///
/// Ownership: the strings are copied; the file is only read. Thread safety: not thread safe
/// (see `fiks_parts`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_parts_add_file(
    parts: *mut fiks_parts,
    name: *const c_char,
    path: *const c_char,
    filename: *const c_char,
    content_type: *const c_char,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_parts_add_file", error_out, || {
        let list = try_mut!(parts);
        let name = args::str_arg(name, "name")?;
        let path = args::str_arg(path, "path")?;
        let part = with_options(Part::file(name, path), filename, content_type)?;
        list.push(part);
        Ok(())
    })
}

/// The number of parts added; 0 for NULL.
///
/// Ownership: a plain value. Thread safety: not while another thread adds parts.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_parts_count(parts: *const fiks_parts) -> usize {
    value_boundary(|| {
        // SAFETY: a non-NULL parts list comes from `fiks_parts_new` and is not freed yet.
        unsafe { ref_from_ptr(parts) }.map_or(0, Vec::len)
    })
}

/// Frees a list of parts. NULL is a no-op. Requests it was attached to keep their own copy.
///
/// Ownership: takes ownership of `parts`. Thread safety: any thread, once, when no other
/// thread uses it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_parts_free(parts: *mut fiks_parts) {
    // SAFETY: a non-NULL parts list comes from `fiks_parts_new` and is freed once (contract).
    value_boundary(|| unsafe { free_box(parts) })
}
