//! Why a command failed, its exit code, and how it is reported on stderr.

use fiks_integrasjon::{ApiError, Error, ErrorKind};

/// Exit code: the Fiks API answered an error.
pub const EXIT_API: u8 = 1;
/// Exit code: usage or configuration error.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: certificate error.
pub const EXIT_CERTIFICATE: u8 = 3;
/// Exit code: Maskinporten refused the token request.
pub const EXIT_TOKEN: u8 = 4;
/// Exit code: network, TLS or timeout.
pub const EXIT_TRANSPORT: u8 = 5;

/// The exit code of a library error: by its kind, except that a transient failure (the core's
/// [`Error::is_transient`]: Maskinporten or Fiks unavailable, 429, a timeout) is 5 — try again.
///
/// ```text
/// Api → 1, Config/Usage → 2, Certificate → 3, Token → 4, Transport or transient → 5
/// ```
pub fn exit_code_of(e: &Error) -> u8 {
    if e.kind() == ErrorKind::Token && e.is_transient() { EXIT_TRANSPORT } else { exit_code(e.kind()) }
}

/// The exit code of an error kind (see [`exit_code_of`]).
pub fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Api => EXIT_API,
        ErrorKind::Certificate => EXIT_CERTIFICATE,
        ErrorKind::Token => EXIT_TOKEN,
        ErrorKind::Transport => EXIT_TRANSPORT,
        _ => EXIT_USAGE,
    }
}

/// A failed command: what to print and how to exit. Messages never hold secrets (the
/// library's errors never do, and the CLI's own messages name keys, not values).
#[derive(Debug)]
pub struct Failure {
    /// The process exit code.
    pub code: u8,
    /// The one-line message after `error: `.
    pub message: String,
    /// What to do about it, after `hint: `.
    pub hint: String,
    /// The library error behind the failure, when there is one (a Fiks error answer is shown
    /// field by field, and `call --json` prints the whole error).
    pub error: Option<Box<Error>>,
}

impl Failure {
    /// A usage or configuration problem found by the CLI itself (exit 2).
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Failure {
        Failure { code: EXIT_USAGE, message: message.into(), hint: hint.into(), error: None }
    }

    /// A failure with an explicit exit code.
    pub fn with_code(code: u8, message: impl Into<String>, hint: impl Into<String>) -> Failure {
        Failure { code, message: message.into(), hint: hint.into(), error: None }
    }

    /// Replaces the hint.
    pub fn hinted(mut self, hint: impl Into<String>) -> Failure {
        self.hint = hint.into();
        self
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let code = exit_code_of(&e);
        let hint = match e.kind() {
            ErrorKind::Config => "the configuration keys are listed in `fiks-integrasjon --help` and in the README",
            _ => e.hint().unwrap_or("run again with -v for details, or see --help"),
        }
        .to_string();
        let message = match &e {
            Error::Api(api) => format!("the Fiks API answered HTTP {}", status_text(api.status, api)),
            other => other.to_string(),
        };
        Failure { code, message, hint, error: Some(Box::new(e)) }
    }
}

impl Failure {
    /// The Fiks error answer, when the failure is one.
    pub fn api(&self) -> Option<&ApiError> {
        self.error.as_deref().and_then(Error::as_api)
    }

    /// The kind of failure as a stable name: the library error's kind (`api`, `token`,
    /// `certificate`, `config`, `transport`, `usage`), else one named by the exit code.
    pub fn kind(&self) -> &'static str {
        match &self.error {
            Some(e) => e.kind().as_str(),
            None => match self.code {
                EXIT_API => ErrorKind::Api.as_str(),
                EXIT_CERTIFICATE => ErrorKind::Certificate.as_str(),
                EXIT_TOKEN => ErrorKind::Token.as_str(),
                EXIT_TRANSPORT => ErrorKind::Transport.as_str(),
                _ => ErrorKind::Usage.as_str(),
            },
        }
    }
}

/// `404 Not Found`: the status with the reason the body gave (`error`), when it gave one.
pub fn status_text(status: u16, api: &ApiError) -> String {
    match api.body.as_ref().and_then(|b| b.error.as_deref()) {
        Some(reason) if !reason.is_empty() => format!("{status} {reason}"),
        _ => status.to_string(),
    }
}

/// The fields of a Fiks error answer as `(name, value)` rows, `errorId` last; a body that is
/// not a Fiks error is shown as a short excerpt.
pub fn api_rows(api: &ApiError) -> Vec<(&'static str, String)> {
    let mut rows = vec![("status", status_text(api.status, api))];
    match &api.body {
        Some(b) => {
            let mut put = |k: &'static str, v: &Option<String>| {
                if let Some(v) = v {
                    rows.push((k, v.clone()));
                }
            };
            put("message", &b.message);
            put("errorCode", &b.error_code);
            put("errorJson", &b.error_json_text());
            put("path", &b.path);
            put("originalPath", &b.original_path);
            if let Some(ms) = b.timestamp {
                rows.push(("timestamp", timestamp_text(ms)));
            }
            for (k, v) in &b.extra {
                rows.push(("(other)", format!("{k}: {v}")));
            }
            rows.push(("errorId", b.error_id.clone().unwrap_or_else(|| "(none in the answer)".to_string())));
        }
        None => rows.push(("body", excerpt(&api.raw))),
    }
    rows
}

/// A Fiks `timestamp` (milliseconds since the epoch) as RFC 3339, with the raw value.
fn timestamp_text(ms: i64) -> String {
    match u64::try_from(ms) {
        Ok(ms) => {
            let t = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms);
            format!("{} ({ms})", fiks_integrasjon::credentials::format_time(t))
        }
        Err(_) => ms.to_string(),
    }
}

/// A printable excerpt of a body that is not a Fiks error: control characters removed, cut at
/// 300 characters.
pub fn excerpt(raw: &[u8]) -> String {
    if raw.is_empty() {
        return "(empty)".to_string();
    }
    let text = String::from_utf8_lossy(raw);
    let cleaned: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = cleaned.chars().take(300).collect();
    if cleaned.chars().count() > 300 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_documented_codes() {
        assert_eq!(exit_code(ErrorKind::Api), 1);
        assert_eq!(exit_code(ErrorKind::Config), 2);
        assert_eq!(exit_code(ErrorKind::Usage), 2);
        assert_eq!(exit_code(ErrorKind::Certificate), 3);
        assert_eq!(exit_code(ErrorKind::Token), 4);
        assert_eq!(exit_code(ErrorKind::Transport), 5);
    }

    #[test]
    fn api_rows_put_error_id_last_and_keep_raw_bodies_short() {
        let e = fiks_integrasjon::error_from_body(
            br#"{"status":400,"error":"Bad Request","errorId":"abc","message":"m","errorCode":"C","errorJson":{"antall":13}}"#,
            None,
        )
        .unwrap();
        let api = e.as_api().unwrap();
        let rows = api_rows(api);
        assert_eq!(rows.first().unwrap(), &("status", "400 Bad Request".to_string()));
        assert_eq!(rows.last().unwrap(), &("errorId", "abc".to_string()));
        assert!(rows.contains(&("errorJson", r#"{"antall":13}"#.to_string())));
        let raw = ApiError {
            status: 502,
            body: None,
            raw: format!("<html>\n{}</html>", "x".repeat(1000)).into(),
            ..Default::default()
        };
        let rows = api_rows(&raw);
        assert_eq!(rows[1].0, "body");
        assert!(rows[1].1.chars().count() <= 301);
        assert!(!rows[1].1.contains('\n'));
    }
}
