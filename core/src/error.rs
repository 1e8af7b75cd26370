//! The one error type of the crate and its kinds.
//!
//! Every message is safe to log: no password, key, access token or integrasjon password is
//! ever part of an [`Error`] (they are never formatted into one).

use crate::fiks_error::FiksErrorBody;

/// A `Result` whose error is this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The broad class of an [`Error`]; every binding maps these to its own idiom
/// (C `fiks_status`, Python exception classes, .NET exception types).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A configuration key is unknown, missing, malformed or combined wrongly.
    Config,
    /// The certificate or key could not be read, is expired, or does not match.
    Certificate,
    /// Maskinporten refused the grant (an OAuth error) or answered something unusable.
    Token,
    /// The Fiks API answered with a non-2xx status.
    Api,
    /// Connecting, TLS, a timeout or an unreadable answer.
    Transport,
    /// The library was used in a way it cannot serve (after `fork()`, inside an async runtime).
    Usage,
}

impl ErrorKind {
    /// A short lowercase name (`"config"`, `"certificate"`, …) for logs and bindings.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Config => "config",
            ErrorKind::Certificate => "certificate",
            ErrorKind::Token => "token",
            ErrorKind::Api => "api",
            ErrorKind::Transport => "transport",
            ErrorKind::Usage => "usage",
        }
    }
}

/// What went wrong with a certificate or key; each is raised before any network call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// The file could not be read.
    Unreadable,
    /// The file is not a certificate (or key) in a format we read.
    NotACertificate,
    /// The password does not open the PKCS#12 file or the encrypted key.
    WrongPassword,
    /// The private key does not belong to the certificate.
    KeyMismatch,
    /// The certificate's validity ended.
    Expired,
    /// The certificate's validity has not started yet.
    NotYetValid,
    /// The certificate is self-signed; Maskinporten only accepts certificates from a trusted CA.
    SelfSigned,
    /// The key is not an RSA key (Maskinporten grants are signed RS256).
    UnsupportedKey,
    /// The file holds no private key, or no certificate.
    Missing,
}

/// How a request failed below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportProblem {
    /// The request or connection timed out.
    Timeout,
    /// The connection could not be made (refused, DNS, proxy).
    Connect,
    /// TLS failed (untrusted certificate, handshake).
    Tls,
    /// The answer could not be read or understood (not JSON where JSON was required, cut off).
    InvalidResponse,
    /// Anything else the HTTP stack reported.
    Other,
}

/// A refusal from Maskinporten's token endpoint, as its OAuth error body describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    /// The HTTP status of the answer.
    pub status: u16,
    /// The OAuth `error` code (`invalid_grant`, `invalid_scope`, …).
    pub error: String,
    /// The `error_description`, usually with an `MP-nnn` code.
    pub description: Option<String>,
    /// The `error_uri`, when given.
    pub error_uri: Option<String>,
    /// The Maskinporten code (`MP-110`, …) pulled out of the description.
    pub mp_code: Option<String>,
}

/// A non-2xx answer from a Fiks API, with its parsed error body when it had one.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The Fiks error body, when the answer was one (see [`FiksErrorBody`]).
    pub body: Option<FiksErrorBody>,
    /// The raw answer body, as received.
    pub raw: Vec<u8>,
    /// Fiks answered 401 to a token fetched after an earlier 401: the token is fine, so Fiks
    /// refuses the integrasjon itself (`integrasjon_id`/`integrasjon_passord`, or its access).
    /// No further token is fetched for it until the token is renewed at expiry.
    pub integrasjon_refused: bool,
}

impl ApiError {
    /// The Fiks `errorId` KS support asks for, when the body had one.
    pub fn error_id(&self) -> Option<&str> {
        self.body.as_ref().and_then(|b| b.error_id.as_deref())
    }
}

/// The error type of every fallible operation in this crate.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration problem; `key` names the offending key when there is one.
    #[error("configuration error{}: {message}", key.as_ref().map(|k| format!(" in `{k}`")).unwrap_or_default())]
    Config {
        /// The config key concerned.
        key: Option<String>,
        /// What is wrong and what to do.
        message: String,
    },
    /// A certificate or key problem.
    #[error("certificate error: {message}")]
    Certificate {
        /// Which problem.
        problem: CertificateProblem,
        /// What is wrong and what to do.
        message: String,
    },
    /// Maskinporten refused the grant.
    #[error("Maskinporten refused the token request (HTTP {}): {}{}", .0.status, .0.error, .0.description.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    Token(Box<TokenError>),
    /// The Fiks API answered non-2xx.
    #[error("Fiks API answered HTTP {}{}", .0.status, api_detail(.0))]
    Api(Box<ApiError>),
    /// Transport failure.
    #[error("{message}")]
    Transport {
        /// Which failure.
        problem: TransportProblem,
        /// What happened (URL without query, the cause).
        message: String,
        /// HTTP status when the failure was an unusable answer.
        status: Option<u16>,
    },
    /// Misuse that the library refuses instead of hanging or panicking.
    #[error("usage error: {message}")]
    Usage {
        /// What was wrong.
        message: String,
    },
}

fn api_detail(e: &ApiError) -> String {
    let refused =
        if e.integrasjon_refused { " (Fiks refused the integrasjon: a fresh token got 401 as well)" } else { "" };
    let Some(b) = &e.body else {
        return refused.to_string();
    };
    let mut s = String::new();
    if let Some(m) = &b.message {
        s.push_str(": ");
        s.push_str(m);
    } else if let Some(m) = &b.error {
        s.push_str(": ");
        s.push_str(m);
    }
    if let Some(c) = &b.error_code {
        s.push_str(&format!(" [errorCode {c}]"));
    }
    if let Some(id) = &b.error_id {
        s.push_str(&format!(" (errorId {id})"));
    }
    s.push_str(refused);
    s
}

impl Error {
    /// The broad class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config { .. } => ErrorKind::Config,
            Error::Certificate { .. } => ErrorKind::Certificate,
            Error::Token(_) => ErrorKind::Token,
            Error::Api(_) => ErrorKind::Api,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Usage { .. } => ErrorKind::Usage,
        }
    }

    /// The HTTP status involved, when there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Token(t) => Some(t.status),
            Error::Api(a) => Some(a.status),
            Error::Transport { status, .. } => *status,
            _ => None,
        }
    }

    /// Whether the failure is transient (a connect failure, a timeout, HTTP 429/500/502/503/504
    /// from Maskinporten or Fiks): trying again later may succeed. The same rule the library
    /// retries by ([`crate::retry::retryable`] for an idempotent request).
    pub fn is_transient(&self) -> bool {
        crate::retry::retryable(self, true)
    }

    /// The Fiks API error, when this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(a) => Some(a),
            _ => None,
        }
    }

    /// The Maskinporten refusal, when this is one.
    pub fn as_token(&self) -> Option<&TokenError> {
        match self {
            Error::Token(t) => Some(t),
            _ => None,
        }
    }

    /// A short hint of what to do about this error, for command lines and logs.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Token(t) if crate::retry::is_transient_status(t.status) => {
                Some("Maskinporten is unavailable or busy; try again later")
            }
            Error::Token(t) => Some(match t.mp_code.as_deref() {
                Some("MP-110") => {
                    "check `environment`/`audience`: aud must be Maskinporten's issuer, trailing slash included"
                }
                Some("MP-100") => "check `issuer` (the Maskinporten client id) and that you use the right environment",
                Some("MP-120") | Some("MP-121") => {
                    "the certificate is not accepted: test certificates only work in test, production ones only in prod"
                }
                Some("MP-122") => {
                    "the certificate's organisation number does not match the client registered at Maskinporten"
                }
                Some("MP-200") | Some("MP-201") => "check `scopes`: the client must be granted every scope it asks for",
                Some("MP-012") => "a grant was reused; this is a bug if it happens more than once",
                Some("MP-130") => "check the clock of this machine (grants are only valid for 120 s)",
                _ if t.error == "invalid_scope" => "check `scopes`",
                _ => "check `issuer`, `environment`/`audience` and the certificate",
            }),
            Error::Config { .. } => Some("see the configuration keys in the README"),
            Error::Certificate { problem, .. } => Some(match problem {
                CertificateProblem::WrongPassword => "check `certificate_password`",
                CertificateProblem::Expired | CertificateProblem::NotYetValid => {
                    "renew the virksomhetssertifikat (or check this machine's clock)"
                }
                CertificateProblem::KeyMismatch => "`private_key` must be the key of `certificate`",
                CertificateProblem::SelfSigned => {
                    "use a virksomhetssertifikat from Buypass or Commfides; Maskinporten rejects self-signed certificates"
                }
                _ => "check `certificate` (a .p12/.pfx or a PEM chain) and `private_key`",
            }),
            Error::Api(a) if a.integrasjon_refused => Some(
                "Fiks refused the integrasjon: check `integrasjon_id`/`integrasjon_passord` and that the integrasjon is set up (Fiks-konfigurasjon)",
            ),
            Error::Api(a) => Some(match a.status {
                401 => "check `integrasjon_id`/`integrasjon_passord` and that the token has scope ks:fiks",
                403 => {
                    "the integrasjon lacks access: authorise it in Fiks-konfigurasjon for this service and organisation"
                }
                404 => "check the path and `fiks_base_url`",
                _ => "quote the errorId when contacting KS support",
            }),
            Error::Transport { problem, .. } => Some(match problem {
                TransportProblem::Timeout => "the service was slow; raise `timeout_seconds` or try again",
                TransportProblem::Tls => "check `ca_file` and the system trust store",
                _ => "check the network, proxy settings (HTTPS_PROXY/NO_PROXY) and the URLs",
            }),
            Error::Usage { .. } => None,
        }
    }

    pub(crate) fn config(key: impl Into<Option<String>>, message: impl Into<String>) -> Error {
        Error::Config { key: key.into(), message: message.into() }
    }

    pub(crate) fn cert(problem: CertificateProblem, message: impl Into<String>) -> Error {
        Error::Certificate { problem, message: message.into() }
    }

    pub(crate) fn usage(message: impl Into<String>) -> Error {
        Error::Usage { message: message.into() }
    }

    /// Turns a reqwest error into a transport error, without the URL's query (it could carry data).
    pub(crate) fn from_reqwest(what: &str, e: &reqwest::Error) -> Error {
        let problem = if e.is_timeout() {
            TransportProblem::Timeout
        } else if e.is_connect() {
            if source_chain_mentions(e, &["certificate", "tls", "handshake"]) {
                TransportProblem::Tls
            } else {
                TransportProblem::Connect
            }
        } else if source_chain_mentions(e, &["connection closed", "connection reset", "broken pipe", "unexpected eof"])
        {
            TransportProblem::Connect
        } else if e.is_decode() || e.is_body() {
            TransportProblem::InvalidResponse
        } else {
            TransportProblem::Other
        };
        let url = e.url().map(|u| {
            let mut u = u.clone();
            u.set_query(None);
            u.to_string()
        });
        let mut message = format!("{what} failed");
        if let Some(u) = url {
            message.push_str(&format!(" ({u})"));
        }
        message.push_str(": ");
        message.push_str(match problem {
            TransportProblem::Timeout => "timed out",
            TransportProblem::Connect => "the connection failed",
            TransportProblem::Tls => "TLS failed",
            TransportProblem::InvalidResponse => "the answer could not be read",
            TransportProblem::Other => "request failed",
        });
        let mut src: Option<&dyn std::error::Error> = std::error::Error::source(e);
        while let Some(s) = src {
            message.push_str(&format!(": {s}"));
            src = s.source();
        }
        Error::Transport { problem, message, status: e.status().map(|s| s.as_u16()) }
    }
}

fn source_chain_mentions(e: &dyn std::error::Error, words: &[&str]) -> bool {
    let mut src = e.source();
    while let Some(s) = src {
        let text = s.to_string().to_ascii_lowercase();
        if words.iter().any(|w| text.contains(w)) {
            return true;
        }
        src = s.source();
    }
    false
}
