//! The configuration key table: every key's name, kind, meaning and default, in one place.
//!
//! This table drives everything that depends on a key: redaction (`Debug`, [`Config::entries`]),
//! the coercion of TOML, `FIKS_<KEY>` variables, Python keyword arguments, C and .NET values,
//! the checks in [`ConfigBuilder::build`], and the suggestions for misspelt keys. The bindings
//! export it (Python `CONFIG_KEYS`, C `fiks_config_key_*`, a .NET test) instead of copying it.
//!
//! ```
//! use fiks_integrasjon::config::{self, KeyKind};
//! let k = config::key("timeout_seconds").unwrap();
//! assert!(matches!(k.kind, KeyKind::Seconds { .. }));
//! assert_eq!(k.default, Some("30"));
//! assert!(config::key("integrasjon_passord").unwrap().is_secret());
//! let e = config::check_key("timeout").unwrap_err();
//! assert!(e.to_string().contains("did you mean `timeout_seconds`"));
//! ```
//!
//! [`Config::entries`]: crate::Config::entries
//! [`ConfigBuilder::build`]: crate::ConfigBuilder::build

use crate::error::{Error, Result};

/// What kind of value a key holds; decides how values are coerced, checked and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// Free text.
    Text,
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// A secret (password, token): never shown, zeroized on drop, not trimmed.
    Secret,
    /// A file path; relative paths are relative to the config file that names them.
    Path,
    /// A certificate or key: a file path, or the content itself (PEM text; for `certificate`
    /// also base64 of a PKCS#12 file). A secret either way: the value is never shown.
    Credential,
    /// An `https://` URL (plain `http://` only to loopback).
    Url,
    /// A number of seconds (fractions allowed) from `min` to `max`.
    Seconds {
        /// Whether zero is allowed.
        zero_ok: bool,
        /// The largest value.
        max: u32,
    },
    /// A whole number from 0 to `max`.
    Count {
        /// The largest value.
        max: u32,
    },
    /// Words separated by spaces (TOML: a string or an array of strings).
    List,
    /// Exactly this many ASCII digits (organisation number, fødselsnummer).
    Digits(u8),
    /// A UUID.
    Uuid,
    /// On or off: `true`/`false` (also `yes`/`no`, `on`/`off`, `1`/`0`; TOML: a boolean).
    Flag,
}

impl KeyKind {
    /// A short lowercase name for bindings and docs: `text`, `choice`, `secret`, `path`,
    /// `credential`, `url`, `seconds`, `count`, `list`, `digits`, `uuid`, `flag`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Text => "text",
            KeyKind::Choice(_) => "choice",
            KeyKind::Secret => "secret",
            KeyKind::Path => "path",
            KeyKind::Credential => "credential",
            KeyKind::Url => "url",
            KeyKind::Seconds { .. } => "seconds",
            KeyKind::Count { .. } => "count",
            KeyKind::List => "list",
            KeyKind::Digits(_) => "digits",
            KeyKind::Uuid => "uuid",
            KeyKind::Flag => "flag",
        }
    }

    /// Whether TOML and the bindings may give this key as a number.
    pub fn is_number(self) -> bool {
        matches!(self, KeyKind::Seconds { .. } | KeyKind::Count { .. })
    }
}

/// One configuration key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySpec {
    /// The name, as in TOML files, `FIKS_<NAME>` (upper case), keyword arguments and C.
    pub name: &'static str,
    /// The kind of value.
    pub kind: KeyKind,
    /// One line saying what it is.
    pub doc: &'static str,
    /// The default when not set (`None`: no default, or taken from the `environment` preset).
    pub default: Option<&'static str>,
}

impl KeySpec {
    /// Whether the value is a secret (never shown in `Debug`, logs or errors; zeroized).
    pub fn is_secret(&self) -> bool {
        matches!(self.kind, KeyKind::Secret | KeyKind::Credential)
    }

    /// The environment variable for this key: `FIKS_` and the name in upper case.
    pub fn env_var(&self) -> String {
        format!("FIKS_{}", self.name.to_ascii_uppercase())
    }
}

const fn k(name: &'static str, kind: KeyKind, doc: &'static str, default: Option<&'static str>) -> KeySpec {
    KeySpec { name, kind, doc, default }
}

/// Every configuration key, in the order the README lists them.
pub const KEYS: &[KeySpec] = &[
    k(
        "environment",
        KeyKind::Choice(&["test", "prod"]),
        "`test` or `prod`: presets for Maskinporten and Fiks URLs",
        None,
    ),
    k("issuer", KeyKind::Text, "the Maskinporten client id (KS calls it issuer)", None),
    k("scopes", KeyKind::List, "the scopes asked for, separated by spaces", Some(super::DEFAULT_SCOPE)),
    k(
        "certificate",
        KeyKind::Credential,
        "the virksomhetssertifikat: a PKCS#12 or PEM chain file, or its content",
        None,
    ),
    k("certificate_password", KeyKind::Secret, "the password of the PKCS#12 file or the encrypted PEM key", None),
    k("private_key", KeyKind::Credential, "the PEM private key (file or content) when `certificate` is PEM", None),
    k("key_id", KeyKind::Text, "`kid` of a key registered at Maskinporten (sent instead of `x5c`)", None),
    k("audience", KeyKind::Url, "the grant's `aud`: Maskinporten's issuer, trailing slash included", None),
    k("token_endpoint", KeyKind::Url, "Maskinporten's token endpoint", None),
    k("resource", KeyKind::List, "audience-restricted token (`resource` claim), separated by spaces", None),
    k("consumer_org", KeyKind::Digits(9), "delegation: act for this organisation (`consumer_org` claim)", None),
    k("on_behalf_of", KeyKind::Text, "supplier sub-client (`iss_onbehalfof` claim)", None),
    k("pid", KeyKind::Digits(11), "end-user-restricted token (`pid` claim)", None),
    k(
        "authorization_details",
        KeyKind::Text,
        "rich authorization request (JSON): Altinn systembruker (`urn:altinn:systemuser`) or samtykke (`urn:altinn:consent`)",
        None,
    ),
    k(
        "discovery",
        KeyKind::Flag,
        "`true`: read `issuer` (the audience) and `token_endpoint` from Maskinporten's metadata, cached 12 h",
        Some("false"),
    ),
    k(
        "token_cache",
        KeyKind::Choice(&["memory", "disk"]),
        "`disk`: share tokens between processes through files (mode 0600) in the user's runtime or cache directory",
        Some("memory"),
    ),
    k(
        "token_cache_dir",
        KeyKind::Path,
        "the directory of the disk token cache (default: the user's runtime or cache directory)",
        None,
    ),
    k("integrasjon_id", KeyKind::Uuid, "the Fiks integrasjon id (from Fiks-konfigurasjon)", None),
    k("integrasjon_passord", KeyKind::Secret, "the Fiks integrasjon password", None),
    k("fiks_base_url", KeyKind::Url, "base URL of the Fiks API (may carry a path prefix)", None),
    k("allowed_origins", KeyKind::List, "more origins (scheme://host:port) that may receive the Fiks headers", None),
    k("person_token", KeyKind::Secret, "integrasjon-person mode: a citizen's ID-porten access token", None),
    k("ca_file", KeyKind::Path, "extra PEM trust roots", None),
    k("timeout_seconds", KeyKind::Seconds { zero_ok: false, max: 86_400 }, "timeout of one HTTP exchange", Some("30")),
    k("connect_timeout_seconds", KeyKind::Seconds { zero_ok: false, max: 86_400 }, "timeout of connecting", Some("10")),
    k(
        "refresh_ahead_seconds",
        KeyKind::Seconds { zero_ok: true, max: 86_400 },
        "how long before expiry a token is renewed",
        Some("30"),
    ),
    k("max_retries", KeyKind::Count { max: 20 }, "how often a transient failure is retried", Some("3")),
    k(
        "retry_deadline_seconds",
        KeyKind::Seconds { zero_ok: true, max: 86_400 },
        "the time one call may take, retries and waits included",
        Some("60"),
    ),
    k(
        "max_response_bytes",
        // Up to 2 GiB - 1: what every binding's integer holds (.NET `int`).
        KeyKind::Count { max: 2_147_483_647 },
        "the largest Fiks answer read into memory; a larger one fails and its connection is dropped",
        Some("67108864"),
    ),
];

/// The spec of `name` (exact, lower case), if it is a key.
pub fn key(name: &str) -> Option<&'static KeySpec> {
    KEYS.iter().find(|k| k.name == name)
}

/// Returns the known key, or an error naming the closest one (`isuer` → `issuer`,
/// `timeout` → `timeout_seconds`). Accepts upper case and `-` for `_`.
pub fn check_key(key: &str) -> Result<&'static str> {
    let given = key.trim();
    let norm = given.to_ascii_lowercase().replace('-', "_");
    if let Some(spec) = self::key(&norm) {
        return Ok(spec.name);
    }
    let hint = match nearest(&norm) {
        Some(c) => format!(": did you mean `{c}`?"),
        None => format!("; the keys are: {}", names().collect::<Vec<_>>().join(", ")),
    };
    Err(Error::config(Some(given.to_string()), format!("unknown configuration key `{given}`{hint}")))
}

/// Every key name, in table order.
pub fn names() -> impl Iterator<Item = &'static str> {
    KEYS.iter().map(|k| k.name)
}

/// The key a misspelt name most likely means: a key it is the start of (`timeout`), or one
/// within three edits (`isuer`).
pub fn nearest(name: &str) -> Option<&'static str> {
    let norm = name.trim().to_ascii_lowercase().replace('-', "_");
    if norm.len() >= 3
        && let Some(k) = KEYS.iter().find(|k| k.name.starts_with(&norm))
    {
        return Some(k.name);
    }
    KEYS.iter().map(|k| (edit_distance(&norm, k.name), k.name)).filter(|(d, _)| *d <= 3).min().map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_lowercase_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for k in KEYS {
            assert!(seen.insert(k.name), "{} twice", k.name);
            assert_eq!(k.name, k.name.to_ascii_lowercase());
            assert!(!k.doc.is_empty());
        }
    }

    #[test]
    fn suggestions() {
        assert_eq!(nearest("timeout"), Some("timeout_seconds"));
        assert_eq!(nearest("isuer"), Some("issuer"));
        assert_eq!(nearest("scope"), Some("scopes"));
        assert_eq!(nearest("zzzzzzzzzzzz"), None);
        assert_eq!(check_key("Integrasjon-Id").unwrap(), "integrasjon_id");
        let e = check_key("ukjent_nokkel_her").unwrap_err().to_string();
        assert!(e.contains("the keys are: environment, issuer"), "{e}");
    }

    #[test]
    fn secrets() {
        let secret: Vec<_> = KEYS.iter().filter(|k| k.is_secret()).map(|k| k.name).collect();
        assert_eq!(
            secret,
            ["certificate", "certificate_password", "private_key", "integrasjon_passord", "person_token"]
        );
    }
}
