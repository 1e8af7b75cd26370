//! Opaque C types and their Rust types (the rustls-ffi `Castable` pattern).
//!
//! Every C type is `pub struct fiks_x { _private: [u8; 0] }`: C only ever sees a pointer to it.
//! [`Castable`] ties it to the Rust type the pointer really points at, which is always a
//! `Box`-allocated value; the helpers below are the only places that cast.

/// Ties an opaque C type to the Rust value behind its pointers (always `Box`-owned).
pub(crate) trait Castable {
    /// The Rust value a `*const Self` points at.
    type RustType;
}

/// Moves `value` to the heap and returns it as an owned C pointer (freed by [`free_box`]).
pub(crate) fn into_ptr<C: Castable>(value: C::RustType) -> *mut C {
    Box::into_raw(Box::new(value)).cast()
}

/// Borrows the value behind `ptr`; `None` for NULL.
///
/// # Safety
/// A non-NULL `ptr` must come from [`into_ptr`] for the same `C` and not have been freed; the
/// borrow must not outlive the object.
pub(crate) unsafe fn ref_from_ptr<'a, C: Castable>(ptr: *const C) -> Option<&'a C::RustType> {
    // SAFETY: guaranteed by the caller.
    unsafe { ptr.cast::<C::RustType>().as_ref() }
}

/// Borrows the value behind `ptr` mutably; `None` for NULL.
///
/// # Safety
/// As [`ref_from_ptr`], and no other reference to the object may be live (the C caller must not
/// use it from two threads at once).
pub(crate) unsafe fn mut_from_ptr<'a, C: Castable>(ptr: *mut C) -> Option<&'a mut C::RustType> {
    // SAFETY: guaranteed by the caller.
    unsafe { ptr.cast::<C::RustType>().as_mut() }
}

/// Takes the value behind `ptr` back; `None` for NULL.
///
/// # Safety
/// A non-NULL `ptr` must come from [`into_ptr`] for the same `C` and not have been freed; it
/// is dangling afterwards.
pub(crate) unsafe fn take_box<C: Castable>(ptr: *mut C) -> Option<Box<C::RustType>> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: guaranteed by the caller.
    Some(unsafe { Box::from_raw(ptr.cast::<C::RustType>()) })
}

/// Drops the value behind `ptr`; NULL is a no-op.
///
/// # Safety
/// As [`take_box`].
pub(crate) unsafe fn free_box<C: Castable>(ptr: *mut C) {
    // SAFETY: guaranteed by the caller.
    drop(unsafe { take_box(ptr) });
}

/// `let x = try_ref!(ptr);` — borrows an object argument, or returns an
/// `FIKS_ERROR_INVALID_ARGUMENT` error naming the argument when it is NULL.
macro_rules! try_ref {
    ($ptr:ident) => {
        // SAFETY: the caller of the extern function passes a pointer from this library.
        match unsafe { $crate::castable::ref_from_ptr($ptr) } {
            Some(r) => r,
            None => return Err($crate::error::ErrorData::null_argument(stringify!($ptr))),
        }
    };
}
pub(crate) use try_ref;

/// `let x = try_mut!(ptr);` — like [`try_ref!`], mutably.
macro_rules! try_mut {
    ($ptr:ident) => {
        // SAFETY: the caller of the extern function passes a pointer from this library, used
        // from one thread at a time.
        match unsafe { $crate::castable::mut_from_ptr($ptr) } {
            Some(r) => r,
            None => return Err($crate::error::ErrorData::null_argument(stringify!($ptr))),
        }
    };
}
pub(crate) use try_mut;

/// `let out = try_out!(x_out);` — checks an out-parameter (`T **`) is not NULL and borrows it,
/// so that it can be written once the call succeeds.
macro_rules! try_out {
    ($ptr:ident) => {
        // SAFETY: a non-NULL out-parameter points at writable storage for one pointer.
        match unsafe { $ptr.as_mut() } {
            Some(r) => r,
            None => return Err($crate::error::ErrorData::null_argument(stringify!($ptr))),
        }
    };
}
pub(crate) use try_out;
