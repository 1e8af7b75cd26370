//! The Rust value behind a `fiks_error *` and how a core error becomes one. Depends on nothing
//! else of this crate but `castable` and `status`, so `args` and `boundary` can build errors
//! and `error` can expose them without an import cycle.

use std::ffi::CString;

use crate::castable::Castable;
use crate::status::fiks_status;

/// An error: its kind, a message, and the structured fields of a Fiks or Maskinporten error.
///
/// Ownership: handed out through `error_out` parameters and owned by the caller, who frees it
/// with `fiks_error_free`. Every `const char *` read from it lives until that free.
/// Thread safety: immutable; may be read from any thread, and freed once.
pub struct fiks_error {
    _private: [u8; 0],
}

impl Castable for fiks_error {
    type RustType = ErrorData;
}

/// The Rust value behind a `fiks_error *`; every string is kept as a `CString` so that the
/// `const char *` accessors can lend it.
#[derive(Debug)]
pub(crate) struct ErrorData {
    pub(crate) status: fiks_status,
    pub(crate) message: CString,
    pub(crate) http_status: u16,
    /// The Fiks error body's fields (API errors).
    pub(crate) fiks: Option<Box<FiksFields>>,
    /// Maskinporten's refusal (token errors).
    pub(crate) oauth: Option<Box<OAuthFields>>,
    /// The raw body, followed by one NUL byte that is not part of it.
    pub(crate) body: Option<Vec<u8>>,
    /// The rest of the core's error model (boxed: errors travel in `Result`s).
    pub(crate) details: Box<Details>,
}

/// The core error model's fields beyond kind, message and status.
#[derive(Debug, Default)]
pub(crate) struct Details {
    /// What to do about it (core `Error::hint`), kept apart from the message.
    pub(crate) hint: Option<CString>,
    /// The stable problem name (core `Error::problem`).
    pub(crate) problem: Option<CString>,
    /// The configuration key concerned (core `Error::config_key`).
    pub(crate) config_key: Option<CString>,
    /// Whether trying again later may succeed (core `Error::is_transient`).
    pub(crate) transient: bool,
    /// The kept response headers (`Retry-After`, `Location`, `WWW-Authenticate`), lower-case names.
    pub(crate) headers: Vec<(&'static str, CString)>,
    /// `Retry-After` as a wait, in milliseconds.
    pub(crate) retry_after_ms: Option<u64>,
    /// The API error's body was longer than the 1 MiB kept (core `ApiError::body_truncated`).
    pub(crate) body_truncated: bool,
}

/// The fields of a Maskinporten OAuth error.
#[derive(Debug, Default)]
pub(crate) struct OAuthFields {
    pub(crate) error: Option<CString>,
    pub(crate) description: Option<CString>,
    pub(crate) mp_code: Option<CString>,
}

/// The fields of a Fiks error body.
#[derive(Debug, Default)]
pub(crate) struct FiksFields {
    pub(crate) error_id: Option<CString>,
    pub(crate) error_code: Option<CString>,
    pub(crate) error_json: Option<CString>,
    pub(crate) message: Option<CString>,
    pub(crate) path: Option<CString>,
    pub(crate) original_path: Option<CString>,
    pub(crate) error: Option<CString>,
    pub(crate) timestamp: Option<i64>,
}

/// A `CString` from text that could hold NUL characters (they become U+FFFD).
pub(crate) fn c_string(text: impl Into<String>) -> CString {
    let text = text.into();
    let text = if text.contains('\0') { text.replace('\0', "\u{FFFD}") } else { text };
    CString::new(text).unwrap_or_default()
}

fn opt_c_string(text: Option<impl Into<String>>) -> Option<CString> {
    text.map(c_string)
}

/// Bytes followed by one NUL, so that a text body can also be read as a C string.
pub(crate) fn nul_terminated(bytes: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(bytes.len() + 1);
    v.extend_from_slice(bytes);
    v.push(0);
    v
}

impl ErrorData {
    fn plain(status: fiks_status, message: String) -> ErrorData {
        ErrorData {
            status,
            message: c_string(message),
            http_status: 0,
            fiks: None,
            oauth: None,
            body: None,
            details: Box::default(),
        }
    }

    /// An `FIKS_ERROR_INVALID_ARGUMENT` error with this message.
    pub(crate) fn invalid_argument(message: impl Into<String>) -> ErrorData {
        Self::plain(fiks_status::FIKS_ERROR_INVALID_ARGUMENT, message.into())
    }

    /// An `FIKS_ERROR_USAGE` error with this message.
    pub(crate) fn usage(message: impl Into<String>) -> ErrorData {
        Self::plain(fiks_status::FIKS_ERROR_USAGE, message.into())
    }

    /// `` `name` is NULL``.
    pub(crate) fn null_argument(name: &str) -> ErrorData {
        Self::invalid_argument(format!("`{name}` is NULL"))
    }

    /// The error for a panic caught in `function`.
    pub(crate) fn panicked(function: &str) -> ErrorData {
        Self::plain(
            fiks_status::FIKS_ERROR_INTERNAL,
            format!("internal error: {function} panicked; this is a bug in libfiks_integrasjon, please report it"),
        )
    }

    /// Puts the function name in front of an argument error's message.
    pub(crate) fn in_function(mut self, function: &str) -> ErrorData {
        if self.status == fiks_status::FIKS_ERROR_INVALID_ARGUMENT {
            let msg = format!("{function}: {}", self.message.to_string_lossy());
            self.message = c_string(msg);
        }
        self
    }

    /// The status of this error.
    pub(crate) fn status(&self) -> fiks_status {
        self.status
    }

    /// The message.
    #[cfg(test)]
    pub(crate) fn message(&self) -> &CString {
        &self.message
    }
}

impl From<fiks::Error> for ErrorData {
    fn from(e: fiks::Error) -> ErrorData {
        let mut data = Self::plain(fiks_status::from_kind(e.kind()), e.message());
        data.http_status = e.http_status().unwrap_or(0);
        data.details = Box::new(Details {
            hint: opt_c_string(e.hint()),
            problem: opt_c_string(e.problem()),
            config_key: opt_c_string(e.config_key()),
            transient: e.is_transient(),
            headers: e
                .response_headers()
                .map(|h| h.iter().map(|(n, v)| (n, c_string(v))).collect())
                .unwrap_or_default(),
            retry_after_ms: e.retry_after().map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            body_truncated: e.as_api().is_some_and(|a| a.body_truncated),
        });
        if let Some(t) = e.as_token() {
            data.oauth = Some(Box::new(OAuthFields {
                error: Some(c_string(t.error.clone())),
                description: opt_c_string(t.description.clone()),
                mp_code: opt_c_string(t.mp_code.clone()),
            }));
        }
        if let fiks::Error::Api(api) = e {
            if let Some(b) = &api.body {
                data.fiks = Some(Box::new(FiksFields {
                    error_id: opt_c_string(b.error_id.clone()),
                    error_code: opt_c_string(b.error_code.clone()),
                    error_json: opt_c_string(b.error_json_text()),
                    message: opt_c_string(b.message.clone()),
                    path: opt_c_string(b.path.clone()),
                    original_path: opt_c_string(b.original_path.clone()),
                    error: opt_c_string(b.error.clone()),
                    timestamp: b.timestamp,
                }));
            }
            data.body = Some(nul_terminated(&api.raw));
        }
        data
    }
}
