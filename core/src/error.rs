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
    /// A started call was cancelled by its caller, or by closing the client it runs on.
    Cancelled,
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
            ErrorKind::Cancelled => "cancelled",
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
    /// The external signer failed, timed out, or gave a signature that does not verify with
    /// the certificate's key.
    Signer,
}

impl CertificateProblem {
    /// A stable `snake_case` name (`"wrong_password"`, `"expired"`, …) that bindings expose and
    /// programs compare with; never changes for an existing problem.
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateProblem::Unreadable => "unreadable",
            CertificateProblem::NotACertificate => "not_a_certificate",
            CertificateProblem::WrongPassword => "wrong_password",
            CertificateProblem::KeyMismatch => "key_mismatch",
            CertificateProblem::Expired => "expired",
            CertificateProblem::NotYetValid => "not_yet_valid",
            CertificateProblem::SelfSigned => "self_signed",
            CertificateProblem::UnsupportedKey => "unsupported_key",
            CertificateProblem::Missing => "missing",
            CertificateProblem::Signer => "signer",
        }
    }

    /// The configuration key a problem of this kind is most likely about.
    fn key(self) -> &'static str {
        match self {
            CertificateProblem::WrongPassword => "certificate_password",
            CertificateProblem::KeyMismatch | CertificateProblem::UnsupportedKey => "private_key",
            CertificateProblem::Signer => "signer",
            _ => "certificate",
        }
    }
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
    /// A successful Fiks answer was larger than `max_response_bytes`; the connection was dropped
    /// without reading the rest. (A token answer over 64 KiB is [`TransportProblem::InvalidResponse`]:
    /// it is not Maskinporten's.)
    TooLarge,
    /// Anything else the HTTP stack reported.
    Other,
}

impl TransportProblem {
    /// A stable `snake_case` name (`"timeout"`, `"connect"`, `"tls"`, `"invalid_response"`,
    /// `"too_large"`, `"other"`) that bindings expose and programs compare with.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportProblem::Timeout => "timeout",
            TransportProblem::Connect => "connect",
            TransportProblem::Tls => "tls",
            TransportProblem::InvalidResponse => "invalid_response",
            TransportProblem::TooLarge => "too_large",
            TransportProblem::Other => "other",
        }
    }
}

/// The response headers that matter to whoever handles an error: when to try again, where a
/// redirect pointed, and what an authentication challenge said. Only these are kept (an error
/// must stay small and never carry a cookie).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseHeaders {
    /// `Retry-After`, as sent (seconds or an HTTP date).
    pub retry_after: Option<String>,
    /// `Location` (a redirect's target; redirects are never followed).
    pub location: Option<String>,
    /// `WWW-Authenticate` (the challenge of a 401).
    pub www_authenticate: Option<String>,
}

impl ResponseHeaders {
    /// The names of the headers kept, lower case, in the order [`ResponseHeaders::get`] knows them.
    pub const NAMES: [&'static str; 3] = ["retry-after", "location", "www-authenticate"];

    /// Keeps the headers that matter from an answer's header map (values that are not visible
    /// ASCII are dropped, each value is cut at 1,000 bytes).
    pub(crate) fn of(map: &reqwest::header::HeaderMap) -> ResponseHeaders {
        let get = |name: &str| {
            map.get(name).and_then(|v| v.to_str().ok()).map(|v| {
                let mut end = v.len().min(1000);
                while !v.is_char_boundary(end) {
                    end -= 1;
                }
                v[..end].to_string()
            })
        };
        ResponseHeaders {
            retry_after: get("retry-after"),
            location: get("location"),
            www_authenticate: get("www-authenticate"),
        }
    }

    /// One of the kept headers by name (case-insensitive); `None` when it was absent or is not
    /// one of [`ResponseHeaders::NAMES`].
    pub fn get(&self, name: &str) -> Option<&str> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("retry-after") {
            self.retry_after.as_deref()
        } else if name.eq_ignore_ascii_case("location") {
            self.location.as_deref()
        } else if name.eq_ignore_ascii_case("www-authenticate") {
            self.www_authenticate.as_deref()
        } else {
            None
        }
    }

    /// The headers present, as `(lower-case name, value)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        Self::NAMES.into_iter().filter_map(|n| self.get(n).map(|v| (n, v)))
    }
}

/// A refusal from Maskinporten's token endpoint, as its OAuth error body describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
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
    /// The answer's `Retry-After`, `Location` and `WWW-Authenticate`.
    pub headers: ResponseHeaders,
}

impl TokenError {
    /// Maskinporten refused the request's `authorization_details` (`MP-301` unknown type,
    /// `MP-302` unknown field, `MP-303` bad value or no such systembruker/consent).
    pub fn is_authorization_details(&self) -> bool {
        matches!(self.mp_code.as_deref(), Some("MP-301" | "MP-302" | "MP-303"))
    }

    /// Maskinporten refused the grant for its time claims (`iat` ahead of or too far behind its
    /// clock, or `exp` passed): what a wrong clock on this machine causes.
    pub fn is_time_refusal(&self) -> bool {
        if self.error != "invalid_grant" {
            return false;
        }
        if self.mp_code.as_deref() == Some("MP-130") {
            return true;
        }
        let d = self.description.as_deref().unwrap_or("").to_ascii_lowercase();
        ["issue time", "iat", "expired", "exp ", "not yet valid", "nbf"].iter().any(|w| d.contains(w))
    }
}

/// A non-2xx answer from a Fiks API, with its parsed error body when it had one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The Fiks error body, when the answer was one (see [`FiksErrorBody`]).
    pub body: Option<FiksErrorBody>,
    /// The raw answer body, as received: at most 1 MiB ([`crate::MAX_ERROR_BODY_BYTES`]).
    pub raw: Vec<u8>,
    /// The answer's body was longer than the 1 MiB kept in `raw`: the rest was not read (and
    /// the connection was dropped), so `raw` is its beginning and `body` may be missing.
    pub body_truncated: bool,
    /// Fiks answered 401 to a token fetched after an earlier 401: the token is fine, so Fiks
    /// refuses the integrasjon itself (`integrasjon_id`/`integrasjon_passord`, or its access).
    /// No further token is fetched for it until the token is renewed at expiry.
    pub integrasjon_refused: bool,
    /// The request carried a citizen's ID-porten token (integrasjon-person mode), not ours.
    pub person_token: bool,
    /// The answer's `Retry-After`, `Location` and `WWW-Authenticate`.
    pub headers: ResponseHeaders,
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
        /// The configuration key concerned (`certificate`, `private_key`, `certificate_password`).
        key: &'static str,
        /// What is wrong.
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
    /// The caller's person-token source (integrasjon-person mode: a callback or callable that
    /// gives the current citizen's ID-porten token) failed. Maskinporten was not asked.
    #[error("the person token callback failed: {message}")]
    PersonToken {
        /// What the callback reported.
        message: String,
    },
    /// Misuse that the library refuses instead of hanging or panicking.
    #[error("usage error: {message}")]
    Usage {
        /// What was wrong.
        message: String,
    },
    /// A call started without waiting ([`crate::blocking::Client::start`]) ended without its
    /// result: its caller cancelled it, or the client was closed while it was pending. A token
    /// fetch that other callers share is never cancelled with it.
    #[error("{}", if *.client_closed { "the call was cancelled: the client was closed while it was pending" } else { "the call was cancelled" })]
    Cancelled {
        /// The client was closed (freed, disposed) with the call pending, rather than the caller
        /// cancelling it.
        client_closed: bool,
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

fn token_hint(t: &TokenError) -> &'static str {
    if crate::retry::is_transient_status(t.status) {
        return "Maskinporten is unavailable or busy; try again later";
    }
    let description = t.description.as_deref().unwrap_or("").to_ascii_lowercase();
    match t.mp_code.as_deref() {
        Some("MP-100") if description.contains("kid") => {
            "check `key_id`: Maskinporten knows no key with this kid for the client (register the key, or leave `key_id` unset to send the certificate)"
        }
        Some("MP-110") => "check `environment`/`audience`: aud must be Maskinporten's issuer, trailing slash included",
        Some("MP-100") => "check `issuer` (the Maskinporten client id) and that you use the right environment",
        Some("MP-120") | Some("MP-121") => {
            "the certificate is not accepted: test certificates only work in test, production ones only in prod"
        }
        Some("MP-122") => "the certificate's organisation number does not match the client registered at Maskinporten",
        Some("MP-123") | Some("MP-124") => {
            "the grant's signature or x5c was refused: check `certificate` and `private_key`"
        }
        Some("MP-200") | Some("MP-201") => "check `scopes`: the client must be granted every scope it asks for",
        Some("MP-012") => "a grant was reused; this is a bug if it happens more than once",
        Some("MP-130") => "check the clock of this machine (grants are only valid for 120 s)",
        Some("MP-301") => {
            "check `authorization_details`: Maskinporten does not know its `type` (use urn:altinn:systemuser or urn:altinn:consent)"
        }
        Some("MP-302") => "check `authorization_details`: an entry has a field Maskinporten does not know for its type",
        Some("MP-303") => {
            "check `authorization_details`: a value is refused (the systembruker's orgnr, the consent id or `from`), or the client has no such systembruker or consent"
        }
        _ if t.error == "invalid_scope" => "check `scopes`",
        _ => "check `issuer`, `environment`/`audience` and the certificate",
    }
}

fn api_hint(a: &ApiError) -> &'static str {
    let has_id = a.error_id().is_some();
    if a.integrasjon_refused {
        return "Fiks refused the integrasjon: check `integrasjon_id`/`integrasjon_passord` and that the integrasjon is set up (Fiks-konfigurasjon)";
    }
    match a.status {
        300..=399 => {
            "Fiks answered a redirect, which is never followed (it could carry the Fiks headers elsewhere): check `fiks_base_url` and the path"
        }
        401 if a.person_token => {
            "Fiks refused the citizen's ID-porten token (expired, or not issued to this integrasjon) or the integrasjon: check `person_token` and `integrasjon_id`/`integrasjon_passord`"
        }
        401 => "check `integrasjon_id`/`integrasjon_passord` and that the token has scope ks:fiks",
        403 => "the integrasjon lacks access: authorise it in Fiks-konfigurasjon for this service and organisation",
        404 => "check the path and `fiks_base_url`",
        429 | 500..=599 if has_id => "Fiks is unavailable or busy; try again later, and quote the errorId if it lasts",
        429 | 500..=599 if a.body.is_none() => {
            "the service or a proxy in front of it is unavailable (the answer is not a Fiks error body); try again later"
        }
        429 | 500..=599 => "Fiks is unavailable or busy; try again later",
        _ if has_id => "quote the errorId when contacting KS support",
        _ if a.body.is_none() => "the answer is not a Fiks error body (a proxy in between?): see the body",
        _ => "the request was refused: see the message and the body",
    }
}

impl Error {
    /// The broad class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Config { .. } => ErrorKind::Config,
            Error::Certificate { .. } => ErrorKind::Certificate,
            Error::Token(_) | Error::PersonToken { .. } => ErrorKind::Token,
            Error::Api(_) => ErrorKind::Api,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Usage { .. } => ErrorKind::Usage,
            Error::Cancelled { .. } => ErrorKind::Cancelled,
        }
    }

    /// What went wrong, without the hint: the same text as `Display`.
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// A stable `snake_case` name for what went wrong within the kind, for programs to compare:
    /// - certificate errors: [`CertificateProblem::as_str`] (`"wrong_password"`, `"expired"`, …);
    /// - transport errors: [`TransportProblem::as_str`] (`"timeout"`, `"connect"`, …);
    /// - token errors: `"person_token_provider"` when the caller's person-token callback failed,
    ///   `"maskinporten_unavailable"` for a transient refusal (429, 5xx), `"maskinporten_refused"`
    ///   otherwise;
    /// - API errors: `"integrasjon_refused"` when a fresh token got 401 as well, `"redirect"` for
    ///   a 3xx (never followed), `"not_a_fiks_error"` when the body is not a Fiks error body
    ///   (a proxy's page), otherwise `None`;
    /// - cancelled calls: `"cancelled"` (by the caller) or `"client_closed"`;
    /// - config and usage errors: `None`.
    pub fn problem(&self) -> Option<&'static str> {
        match self {
            Error::Certificate { problem, .. } => Some(problem.as_str()),
            Error::Transport { problem, .. } => Some(problem.as_str()),
            Error::PersonToken { .. } => Some("person_token_provider"),
            Error::Token(t) if crate::retry::is_transient_status(t.status) => Some("maskinporten_unavailable"),
            Error::Token(_) => Some("maskinporten_refused"),
            Error::Api(a) if a.integrasjon_refused => Some("integrasjon_refused"),
            Error::Api(a) if (300..400).contains(&a.status) => Some("redirect"),
            Error::Api(a) if a.body.is_none() => Some("not_a_fiks_error"),
            Error::Cancelled { client_closed: false } => Some("cancelled"),
            Error::Cancelled { client_closed: true } => Some("client_closed"),
            _ => None,
        }
    }

    /// The configuration key the error is about, when there is one: a config error's key, the
    /// certificate key (`certificate`, `private_key`, `certificate_password`) of a certificate
    /// error, or `max_response_bytes` for an answer over that cap.
    pub fn config_key(&self) -> Option<&str> {
        match self {
            Error::Config { key, .. } => key.as_deref(),
            Error::Certificate { key, .. } => Some(key),
            Error::Transport { problem: TransportProblem::TooLarge, .. } => Some("max_response_bytes"),
            _ => None,
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

    /// The kept response headers (`Retry-After`, `Location`, `WWW-Authenticate`) of a Fiks or
    /// Maskinporten answer, when the error came from one.
    pub fn response_headers(&self) -> Option<&ResponseHeaders> {
        match self {
            Error::Token(t) => Some(&t.headers),
            Error::Api(a) => Some(&a.headers),
            _ => None,
        }
    }

    /// One kept response header by name (case-insensitive), see [`Error::response_headers`].
    pub fn response_header(&self, name: &str) -> Option<&str> {
        self.response_headers().and_then(|h| h.get(name))
    }

    /// The server's `Retry-After` as a wait (seconds or an HTTP date; capped as the retry rule
    /// caps it), when it sent one.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.response_header("retry-after").and_then(crate::retry::parse_retry_after)
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

    /// A short hint of what to do about this error, for command lines and logs; never part of
    /// the message. Chosen for the error and the mode (a citizen's token is not ours).
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Token(t) => Some(token_hint(t)),
            Error::PersonToken { .. } => Some(
                "the callback that gives the citizen's ID-porten token (`person_token`) failed; see its error (Maskinporten was not asked)",
            ),
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
                CertificateProblem::UnsupportedKey => "Maskinporten grants are signed RS256: use an RSA key",
                CertificateProblem::Signer => {
                    "the external signer (HSM, smart card, certificate store, KMS) failed or is not the certificate's key: see its error"
                }
                _ => "check `certificate` (a .p12/.pfx or a PEM chain) and `private_key`",
            }),
            Error::Api(a) => Some(api_hint(a)),
            Error::Transport { problem, .. } => Some(match problem {
                TransportProblem::Timeout => "the service was slow; raise `timeout_seconds` or try again",
                TransportProblem::Tls => "check `ca_file` and the system trust store",
                TransportProblem::InvalidResponse => {
                    "the answer was not what the protocol expects: check the URLs (a proxy or a login page in between?)"
                }
                TransportProblem::TooLarge => {
                    "raise `max_response_bytes` for larger Fiks answers, or download them with your own HTTP client and the Fiks headers (`headers_for`)"
                }
                _ => "check the network, proxy settings (HTTPS_PROXY/NO_PROXY) and the URLs",
            }),
            Error::Usage { .. } | Error::Cancelled { .. } => None,
        }
    }

    pub(crate) fn config(key: impl Into<Option<String>>, message: impl Into<String>) -> Error {
        Error::Config { key: key.into(), message: message.into() }
    }

    pub(crate) fn cert(problem: CertificateProblem, message: impl Into<String>) -> Error {
        Error::Certificate { problem, key: problem.key(), message: message.into() }
    }

    /// A certificate error about a named key (when the problem alone does not say which).
    pub(crate) fn cert_for(key: &'static str, problem: CertificateProblem, message: impl Into<String>) -> Error {
        Error::Certificate { problem, key, message: message.into() }
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
            TransportProblem::TooLarge => "the answer is too large",
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
