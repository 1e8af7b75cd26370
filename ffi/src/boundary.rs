//! The panic boundary: no panic ever unwinds into C.
//!
//! Every extern body runs inside [`status_boundary`] (functions returning `fiks_status`) or
//! [`value_boundary`] (accessors and `_free` functions). A panic becomes
//! `FIKS_ERROR_INTERNAL` with an error object, or the "empty" value of the return type
//! (NULL, 0, false) through [`PanicOrDefault`].

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;

use crate::error_data::{ErrorData, fiks_error};
use crate::status::fiks_status;

/// What a non-status function returns when its body panicked (or, for accessors, when an
/// argument is NULL): NULL, 0 or false.
pub(crate) trait PanicOrDefault {
    /// The empty value.
    fn value() -> Self;
}

impl<T> PanicOrDefault for *const T {
    fn value() -> Self {
        ptr::null()
    }
}

impl<T> PanicOrDefault for *mut T {
    fn value() -> Self {
        ptr::null_mut()
    }
}

macro_rules! default_is_empty {
    ($($t:ty),*) => { $(impl PanicOrDefault for $t { fn value() -> Self { <$t>::default() } })* };
}
default_is_empty!((), bool, u16, usize);

impl PanicOrDefault for fiks_status {
    fn value() -> Self {
        fiks_status::FIKS_ERROR_INTERNAL
    }
}

/// Runs the body of a status-returning function `function`. `Ok` gives `FIKS_OK`; an error
/// gives its status and, when `error_out` is not NULL, an owned `fiks_error *` in
/// `*error_out`; a panic gives `FIKS_ERROR_INTERNAL`. Argument errors get the function name in
/// front of their message.
pub(crate) fn status_boundary(
    function: &'static str,
    error_out: *mut *mut fiks_error,
    body: impl FnOnce() -> Result<(), ErrorData>,
) -> fiks_status {
    let outcome = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| Err(ErrorData::panicked(function)));
    match outcome {
        Ok(()) => fiks_status::FIKS_OK,
        Err(error) => {
            let error = error.in_function(function);
            let status = error.status();
            // Writing the error must not unwind either (it only allocates).
            let _ = catch_unwind(AssertUnwindSafe(|| {
                // SAFETY: a non-NULL `error_out` points at storage for one pointer (contract).
                if let Some(slot) = unsafe { error_out.as_mut() } {
                    *slot = crate::castable::into_ptr::<fiks_error>(error);
                }
            }));
            status
        }
    }
}

/// Runs the body of a function that does not return a status; a panic gives the empty value.
pub(crate) fn value_boundary<T: PanicOrDefault>(body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| T::value())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_internal_errors() {
        let mut err: *mut fiks_error = ptr::null_mut();
        let status = status_boundary("fiks_test", &mut err, || panic!("boom"));
        assert_eq!(status, fiks_status::FIKS_ERROR_INTERNAL);
        assert!(!err.is_null());
        // SAFETY: err was just produced by the boundary.
        let data = unsafe { crate::castable::take_box::<fiks_error>(err) }.unwrap();
        assert_eq!(data.status(), fiks_status::FIKS_ERROR_INTERNAL);
        assert!(data.message().to_str().unwrap().contains("fiks_test"));
        assert_eq!(status_boundary("fiks_test", ptr::null_mut(), || panic!("boom")), fiks_status::FIKS_ERROR_INTERNAL);
        assert!(value_boundary::<*const u8>(|| panic!("boom")).is_null());
        assert_eq!(value_boundary::<usize>(|| panic!("boom")), 0);
        assert!(!value_boundary::<bool>(|| panic!("boom")));
    }
}
