//! `fiks_status`: the return value of every fallible function.

use fiks::ErrorKind;

/// The outcome of a call. Values are explicit and never reused; new kinds get new numbers.
///
/// On anything but `FIKS_OK`, `*error_out` (when `error_out` is not NULL) receives an owned
/// `fiks_error *` describing the failure; free it with `fiks_error_free`.
///
/// Ownership: a plain value. Thread safety: a plain value, the same on every thread.
///
/// cbindgen:prefix-with-name=false
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(clippy::upper_case_acronyms)]
pub enum fiks_status {
    /// Success.
    FIKS_OK = 0,
    /// An argument is NULL, not valid UTF-8 or out of range; the message names it.
    FIKS_ERROR_INVALID_ARGUMENT = 1,
    /// A configuration key is unknown, a value is bad or missing, or keys are combined wrongly.
    FIKS_ERROR_CONFIG = 2,
    /// The certificate or key is unreadable, expired or mismatched, or the password is wrong.
    FIKS_ERROR_CERTIFICATE = 3,
    /// Maskinporten refused the grant (an OAuth error: see `fiks_error_oauth_error`).
    FIKS_ERROR_TOKEN = 4,
    /// The Fiks API answered non-2xx (see `fiks_error_id`, `fiks_error_code`, ...).
    FIKS_ERROR_API = 5,
    /// Connecting, TLS, a timeout, or an answer that could not be read.
    FIKS_ERROR_TRANSPORT = 6,
    /// A caught panic or a bug in the library; please report it.
    FIKS_ERROR_INTERNAL = 7,
    /// Misuse: a client used after `fork()` in the child, or called from inside an async runtime.
    FIKS_ERROR_USAGE = 8,
    /// A call started with a `..._async` function was cancelled (`fiks_call_cancel`), or the
    /// client was freed while it was pending (`fiks_error_problem`: "cancelled" or
    /// "client_closed"). Only ever passed to a callback.
    FIKS_ERROR_CANCELLED = 9,
}

/// A short lowercase name of a status: `"ok"`, `"invalid_argument"`, `"config"`,
/// `"certificate"`, `"token"`, `"api"`, `"transport"`, `"internal"`, `"usage"`, `"cancelled"`; the error kinds'
/// names are those of the core (Python's `kind`, .NET's `KindName`). `"unknown"` for any other
/// value (the parameter is a plain integer so that any value is safe to pass).
///
/// Ownership: a static string; never free it. Thread safety: callable from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn fiks_status_name(status: i32) -> *const std::ffi::c_char {
    use fiks_status::*;
    let known = [
        FIKS_OK,
        FIKS_ERROR_INVALID_ARGUMENT,
        FIKS_ERROR_CONFIG,
        FIKS_ERROR_CERTIFICATE,
        FIKS_ERROR_TOKEN,
        FIKS_ERROR_API,
        FIKS_ERROR_TRANSPORT,
        FIKS_ERROR_INTERNAL,
        FIKS_ERROR_USAGE,
        FIKS_ERROR_CANCELLED,
    ];
    known.into_iter().find(|s| *s as i32 == status).map_or(c"unknown", fiks_status::name).as_ptr()
}

impl fiks_status {
    /// The name `fiks_status_name` returns.
    pub(crate) fn name(self) -> &'static std::ffi::CStr {
        match self {
            fiks_status::FIKS_OK => c"ok",
            fiks_status::FIKS_ERROR_INVALID_ARGUMENT => c"invalid_argument",
            fiks_status::FIKS_ERROR_CONFIG => c"config",
            fiks_status::FIKS_ERROR_CERTIFICATE => c"certificate",
            fiks_status::FIKS_ERROR_TOKEN => c"token",
            fiks_status::FIKS_ERROR_API => c"api",
            fiks_status::FIKS_ERROR_TRANSPORT => c"transport",
            fiks_status::FIKS_ERROR_INTERNAL => c"internal",
            fiks_status::FIKS_ERROR_USAGE => c"usage",
            fiks_status::FIKS_ERROR_CANCELLED => c"cancelled",
        }
    }

    /// The status for a core error kind.
    pub fn from_kind(kind: ErrorKind) -> fiks_status {
        match kind {
            ErrorKind::Config => fiks_status::FIKS_ERROR_CONFIG,
            ErrorKind::Certificate => fiks_status::FIKS_ERROR_CERTIFICATE,
            ErrorKind::Token => fiks_status::FIKS_ERROR_TOKEN,
            ErrorKind::Api => fiks_status::FIKS_ERROR_API,
            ErrorKind::Transport => fiks_status::FIKS_ERROR_TRANSPORT,
            ErrorKind::Usage => fiks_status::FIKS_ERROR_USAGE,
            ErrorKind::Cancelled => fiks_status::FIKS_ERROR_CANCELLED,
            // ErrorKind is non_exhaustive: a kind added to core before this mapping is updated.
            _ => fiks_status::FIKS_ERROR_INTERNAL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_the_contract() {
        use fiks_status::*;
        let all = [
            (FIKS_OK, 0),
            (FIKS_ERROR_INVALID_ARGUMENT, 1),
            (FIKS_ERROR_CONFIG, 2),
            (FIKS_ERROR_CERTIFICATE, 3),
            (FIKS_ERROR_TOKEN, 4),
            (FIKS_ERROR_API, 5),
            (FIKS_ERROR_TRANSPORT, 6),
            (FIKS_ERROR_INTERNAL, 7),
            (FIKS_ERROR_USAGE, 8),
            (FIKS_ERROR_CANCELLED, 9),
        ];
        for (s, v) in all {
            assert_eq!(s as u32, v, "{s:?}");
        }
        assert_eq!(std::mem::size_of::<fiks_status>(), 4);
    }

    #[test]
    fn error_kind_names_are_the_cores() {
        for kind in [
            ErrorKind::Config,
            ErrorKind::Certificate,
            ErrorKind::Token,
            ErrorKind::Api,
            ErrorKind::Transport,
            ErrorKind::Usage,
            ErrorKind::Cancelled,
        ] {
            assert_eq!(fiks_status::from_kind(kind).name().to_str().unwrap(), kind.as_str());
        }
    }

    #[test]
    fn kinds_map_one_to_one() {
        assert_eq!(fiks_status::from_kind(ErrorKind::Config), fiks_status::FIKS_ERROR_CONFIG);
        assert_eq!(fiks_status::from_kind(ErrorKind::Certificate), fiks_status::FIKS_ERROR_CERTIFICATE);
        assert_eq!(fiks_status::from_kind(ErrorKind::Token), fiks_status::FIKS_ERROR_TOKEN);
        assert_eq!(fiks_status::from_kind(ErrorKind::Api), fiks_status::FIKS_ERROR_API);
        assert_eq!(fiks_status::from_kind(ErrorKind::Transport), fiks_status::FIKS_ERROR_TRANSPORT);
        assert_eq!(fiks_status::from_kind(ErrorKind::Usage), fiks_status::FIKS_ERROR_USAGE);
        assert_eq!(fiks_status::from_kind(ErrorKind::Cancelled), fiks_status::FIKS_ERROR_CANCELLED);
    }
}
