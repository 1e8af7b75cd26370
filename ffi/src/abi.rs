// The ABI version of the C library: one definition, read by ffi/build.rs (the SONAME
// `libfiks_integrasjon.so.<FIKS_INTEGRASJON_ABI_VERSION>`), by cbindgen (the header's macro of
// the same name) and by `fiks_abi_version()`. Raise it with any change that breaks a program
// built against an older header (a removed or changed function, struct or enum value); adding
// functions keeps it.

/// The major ABI version of this header and of the library's SONAME
/// (`libfiks_integrasjon.so.0`). A program may compare it with `fiks_abi_version()` at start-up.
///
/// Ownership: a constant, nothing to free. Thread safety: a constant, usable anywhere.
pub const FIKS_INTEGRASJON_ABI_VERSION: u32 = 0;
