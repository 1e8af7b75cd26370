//! Checking arguments that come from C: strings, byte buffers and string arrays.

use std::ffi::{CStr, c_char};

use crate::error_data::ErrorData;

/// A `const char *` argument as `&str`: NULL and invalid UTF-8 are argument errors naming `name`.
/// The message never quotes the value (it may be a secret).
pub(crate) fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, ErrorData> {
    if ptr.is_null() {
        return Err(ErrorData::null_argument(name));
    }
    // SAFETY: a non-NULL string argument is NUL-terminated and outlives the call (contract).
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str().map_err(|e| {
        ErrorData::invalid_argument(format!(
            "`{name}` is not valid UTF-8 (invalid byte at offset {}); pass UTF-8 text",
            e.valid_up_to()
        ))
    })
}

/// An optional `const char *` argument: NULL gives `None`.
pub(crate) fn opt_str_arg<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, ErrorData> {
    if ptr.is_null() { Ok(None) } else { str_arg(ptr, name).map(Some) }
}

/// A `(const uint8_t *, size_t)` argument: NULL is allowed only with length 0.
pub(crate) fn bytes_arg<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], ErrorData> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(ErrorData::invalid_argument(format!("`{name}` is NULL but its length is {len}")));
    }
    if len > isize::MAX as usize {
        return Err(ErrorData::invalid_argument(format!("the length of `{name}` ({len}) is out of range")));
    }
    // SAFETY: the caller passes `len` readable bytes at `ptr` that outlive the call (contract).
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A `const char *const *` array of `count` strings; NULL is allowed only when `count` is 0.
/// Each element is checked like [`str_arg`] and named `name[i]`.
pub(crate) fn str_array_arg<'a>(
    ptr: *const *const c_char,
    count: usize,
    name: &str,
) -> Result<Vec<&'a str>, ErrorData> {
    if count == 0 {
        return Ok(Vec::new());
    }
    if ptr.is_null() {
        return Err(ErrorData::invalid_argument(format!("`{name}` is NULL but the count is {count}")));
    }
    if count > isize::MAX as usize / std::mem::size_of::<*const c_char>() {
        return Err(ErrorData::invalid_argument(format!("the count of `{name}` ({count}) is out of range")));
    }
    // SAFETY: the caller passes `count` readable pointers at `ptr` (contract).
    let items = unsafe { std::slice::from_raw_parts(ptr, count) };
    items.iter().enumerate().map(|(i, p)| str_arg(*p, &format!("{name}[{i}]"))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_checked() {
        assert_eq!(str_arg(c"abc".as_ptr(), "key").unwrap(), "abc");
        let e = str_arg(std::ptr::null(), "key").unwrap_err();
        assert_eq!(e.message().to_str().unwrap(), "`key` is NULL");
        let bad = b"ab\xffc\0";
        let e = str_arg(bad.as_ptr().cast(), "value").unwrap_err();
        assert!(e.message().to_str().unwrap().contains("`value` is not valid UTF-8 (invalid byte at offset 2)"));
        assert_eq!(opt_str_arg(std::ptr::null(), "password").unwrap(), None);
    }

    #[test]
    fn bytes_and_arrays_are_checked() {
        assert_eq!(bytes_arg(std::ptr::null(), 0, "body").unwrap(), b"");
        assert!(bytes_arg(std::ptr::null(), 3, "body").is_err());
        assert_eq!(bytes_arg(b"xyz".as_ptr(), 2, "body").unwrap(), b"xy");
        assert!(str_array_arg(std::ptr::null(), 0, "header_names").unwrap().is_empty());
        assert!(str_array_arg(std::ptr::null(), 1, "header_names").is_err());
        let arr = [c"a".as_ptr(), std::ptr::null()];
        let e = str_array_arg(arr.as_ptr(), 2, "header_names").unwrap_err();
        assert_eq!(e.message().to_str().unwrap(), "`header_names[1]` is NULL");
    }
}
