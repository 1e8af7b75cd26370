//! Configuration: one set of keys for every face of the library.
//!
//! Values come from code ([`ConfigBuilder`] setters or [`ConfigBuilder::set`]), from
//! `FIKS_<KEY>` environment variables, from a TOML file, and from the `environment` preset.
//! Precedence: explicit value > environment variable > config file > preset.
//!
//! ```
//! use fiks_integrasjon::{Config, Environment};
//! let config = Config::builder()
//!     .environment(Environment::Test)
//!     .issuer("my-maskinporten-client-id")
//!     .certificate("virksomhet.p12")
//!     .certificate_password("hemmelig")
//!     .integrasjon("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "integrasjon-passord")
//!     .build()
//!     .unwrap();
//! assert_eq!(config.audience(), "https://test.maskinporten.no/");
//! assert_eq!(config.fiks_base_url().as_str(), "https://api.fiks.test.ks.no/");
//! assert!(!format!("{config:?}").contains("hemmelig"));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Every configuration key, as used in TOML files, `FIKS_<KEY>` variables, Python keyword
/// arguments, the C `fiks_config_set` and .NET options.
pub const KEYS: &[&str] = &[
    "environment",
    "issuer",
    "scopes",
    "certificate",
    "certificate_password",
    "private_key",
    "key_id",
    "audience",
    "token_endpoint",
    "resource",
    "consumer_org",
    "on_behalf_of",
    "pid",
    "integrasjon_id",
    "integrasjon_passord",
    "fiks_base_url",
    "person_token",
    "ca_file",
    "timeout_seconds",
    "connect_timeout_seconds",
    "refresh_ahead_seconds",
    "max_retries",
    "retry_deadline_seconds",
];

/// Keys whose values are secrets: never shown, zeroized on drop.
pub const SECRET_KEYS: &[&str] = &["certificate_password", "integrasjon_passord", "person_token"];

/// Default request timeout. Maskinporten sometimes needs ~15 s to answer.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time before expiry at which a token is renewed.
pub const DEFAULT_REFRESH_AHEAD: Duration = Duration::from_secs(30);
/// Default number of retries of a retryable failure.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Default total time allowed for one operation including its retries.
pub const DEFAULT_RETRY_DEADLINE: Duration = Duration::from_secs(60);
/// The scope Fiks APIs require.
pub const DEFAULT_SCOPE: &str = "ks:fiks";

/// The Maskinporten + Fiks environment presets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Environment {
    /// Maskinporten test (`https://test.maskinporten.no/`) and Fiks test (`https://api.fiks.test.ks.no`).
    Test,
    /// Maskinporten production (`https://maskinporten.no/`) and Fiks production (`https://api.fiks.ks.no`).
    Prod,
}

impl Environment {
    /// Maskinporten's issuer identifier: the exact `aud` of a grant (trailing slash included).
    pub fn audience(self) -> &'static str {
        match self {
            Environment::Test => "https://test.maskinporten.no/",
            Environment::Prod => "https://maskinporten.no/",
        }
    }
    /// Maskinporten's token endpoint.
    pub fn token_endpoint(self) -> &'static str {
        match self {
            Environment::Test => "https://test.maskinporten.no/token",
            Environment::Prod => "https://maskinporten.no/token",
        }
    }
    /// The Fiks API base URL.
    pub fn fiks_base_url(self) -> &'static str {
        match self {
            Environment::Test => "https://api.fiks.test.ks.no",
            Environment::Prod => "https://api.fiks.ks.no",
        }
    }
    /// `"test"` or `"prod"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Test => "test",
            Environment::Prod => "prod",
        }
    }
}

impl std::str::FromStr for Environment {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "test" => Ok(Environment::Test),
            "prod" | "production" => Ok(Environment::Prod),
            other => Err(Error::config(
                Some("environment".into()),
                format!(
                    "`{other}` is not an environment: use `test` or `prod`, or leave it out and set `audience`, `token_endpoint` and `fiks_base_url`"
                ),
            )),
        }
    }
}

/// Where the certificate and key come from.
#[derive(Clone)]
pub enum CertificateSource {
    /// A file: PKCS#12 (`.p12`/`.pfx`) or a PEM chain (leaf first).
    File(PathBuf),
    /// PKCS#12 bytes held in memory (e.g. exported from a .NET `X509Certificate2`).
    Pkcs12Bytes(Arc<Zeroizing<Vec<u8>>>),
}

impl fmt::Debug for CertificateSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateSource::File(p) => write!(f, "{}", p.display()),
            CertificateSource::Pkcs12Bytes(b) => {
                write!(f, "<PKCS#12 in memory, {} bytes>", b.len())
            }
        }
    }
}

/// Supplies a citizen's ID-porten access token in `integrasjon-person` mode; called for every
/// header read, so it should return a cached token.
pub type PersonTokenProvider = Arc<dyn Fn() -> std::result::Result<String, String> + Send + Sync>;

/// How the `Authorization` token is obtained.
#[derive(Clone)]
pub enum AuthMode {
    /// Organisation token from Maskinporten (the `integrasjon` mode).
    Maskinporten,
    /// A citizen's token supplied by the caller (the `integrasjon-person` mode).
    PersonToken(SecretString),
    /// A citizen's token supplied by a callback each time.
    PersonTokenProvider(PersonTokenProvider),
}

impl fmt::Debug for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthMode::Maskinporten => "Maskinporten",
            AuthMode::PersonToken(_) => "PersonToken(<redacted>)",
            AuthMode::PersonTokenProvider(_) => "PersonTokenProvider(<callback>)",
        })
    }
}

/// A validated configuration. Build it with [`Config::builder`], [`Config::from_file`] or
/// [`Config::from_env`]. `Debug` never shows secrets.
#[derive(Clone)]
pub struct Config {
    pub(crate) environment: Option<Environment>,
    pub(crate) issuer: Option<String>,
    pub(crate) scopes: Vec<String>,
    pub(crate) certificate: Option<CertificateSource>,
    pub(crate) certificate_password: Option<SecretString>,
    pub(crate) private_key: Option<PathBuf>,
    pub(crate) key_id: Option<String>,
    pub(crate) audience: String,
    pub(crate) token_endpoint: Url,
    pub(crate) resource: Vec<String>,
    pub(crate) consumer_org: Option<String>,
    pub(crate) on_behalf_of: Option<String>,
    pub(crate) pid: Option<String>,
    pub(crate) integrasjon_id: Option<String>,
    pub(crate) integrasjon_passord: Option<SecretString>,
    pub(crate) fiks_base_url: Url,
    pub(crate) auth_mode: AuthMode,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) refresh_ahead: Duration,
    pub(crate) max_retries: u32,
    pub(crate) retry_deadline: Duration,
}

impl Config {
    /// A builder with nothing set.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Loads a TOML file, then `FIKS_<KEY>` variables over it.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config> {
        let mut b = ConfigBuilder::default();
        b.load_file(path)?;
        b.load_env()?;
        b.build()
    }

    /// Loads `FIKS_<KEY>` environment variables only.
    pub fn from_env() -> Result<Config> {
        let mut b = ConfigBuilder::default();
        b.load_env()?;
        b.build()
    }

    /// The preset, when one was chosen.
    pub fn environment(&self) -> Option<Environment> {
        self.environment
    }
    /// The Maskinporten client id (`iss` of the grant).
    pub fn issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }
    /// The default scopes.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
    /// The grant's `aud`.
    pub fn audience(&self) -> &str {
        &self.audience
    }
    /// The token endpoint.
    pub fn token_endpoint(&self) -> &Url {
        &self.token_endpoint
    }
    /// The Fiks API base URL (always ending in `/`).
    pub fn fiks_base_url(&self) -> &Url {
        &self.fiks_base_url
    }
    /// The certificate source.
    pub fn certificate(&self) -> Option<&CertificateSource> {
        self.certificate.as_ref()
    }
    /// The PEM private key path.
    pub fn private_key(&self) -> Option<&Path> {
        self.private_key.as_deref()
    }
    /// The registered key id, when grants carry `kid` instead of `x5c`.
    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }
    /// The integration id.
    pub fn integrasjon_id(&self) -> Option<&str> {
        self.integrasjon_id.as_deref()
    }
    /// How tokens are obtained.
    pub fn auth_mode(&self) -> &AuthMode {
        &self.auth_mode
    }
    /// Request timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
    /// Connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// How long before expiry a token is renewed.
    pub fn refresh_ahead(&self) -> Duration {
        self.refresh_ahead
    }
    /// How many times a retryable failure is retried.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }
    /// Total time allowed for one operation including retries.
    pub fn retry_deadline(&self) -> Duration {
        self.retry_deadline
    }
    /// Extra trust roots.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// Every set key with a printable value; secrets are shown as `<redacted>`.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        let mut v: Vec<(&'static str, String)> = Vec::new();
        let red = || "<redacted>".to_string();
        if let Some(e) = self.environment {
            v.push(("environment", e.as_str().into()));
        }
        if let Some(i) = &self.issuer {
            v.push(("issuer", i.clone()));
        }
        v.push(("scopes", self.scopes.join(" ")));
        if let Some(c) = &self.certificate {
            v.push(("certificate", format!("{c:?}")));
        }
        if self.certificate_password.is_some() {
            v.push(("certificate_password", red()));
        }
        if let Some(p) = &self.private_key {
            v.push(("private_key", p.display().to_string()));
        }
        if let Some(k) = &self.key_id {
            v.push(("key_id", k.clone()));
        }
        v.push(("audience", self.audience.clone()));
        v.push(("token_endpoint", self.token_endpoint.to_string()));
        if !self.resource.is_empty() {
            v.push(("resource", self.resource.join(" ")));
        }
        for (k, val) in [
            ("consumer_org", &self.consumer_org),
            ("on_behalf_of", &self.on_behalf_of),
            ("pid", &self.pid),
            ("integrasjon_id", &self.integrasjon_id),
        ] {
            if let Some(x) = val {
                v.push((k, x.clone()));
            }
        }
        if self.integrasjon_passord.is_some() {
            v.push(("integrasjon_passord", red()));
        }
        v.push(("fiks_base_url", self.fiks_base_url.to_string()));
        match &self.auth_mode {
            AuthMode::Maskinporten => {}
            AuthMode::PersonToken(_) => v.push(("person_token", red())),
            AuthMode::PersonTokenProvider(_) => v.push(("person_token", "<callback>".into())),
        }
        if let Some(c) = &self.ca_file {
            v.push(("ca_file", c.display().to_string()));
        }
        v.push(("timeout_seconds", fmt_secs(self.timeout)));
        v.push(("connect_timeout_seconds", fmt_secs(self.connect_timeout)));
        v.push(("refresh_ahead_seconds", fmt_secs(self.refresh_ahead)));
        v.push(("max_retries", self.max_retries.to_string()));
        v.push(("retry_deadline_seconds", fmt_secs(self.retry_deadline)));
        v
    }
}

fn fmt_secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{}", d.as_secs()) } else { format!("{s}") }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut m = f.debug_map();
        for (k, v) in self.entries() {
            m.entry(&k, &v);
        }
        m.finish()
    }
}

/// One layer of raw values (explicit, environment or file).
#[derive(Default, Clone)]
struct Layer {
    values: BTreeMap<&'static str, SecretString>,
}

impl Layer {
    fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|v| v.expose_secret())
    }
}

/// Collects configuration from code, environment and files; [`ConfigBuilder::build`] validates it.
///
/// ```
/// use fiks_integrasjon::Config;
/// let mut b = Config::builder();
/// b.set("environment", "test").unwrap();
/// b.set("issuer", "klient").unwrap();
/// b.set("certificate", "virksomhet.p12").unwrap();
/// let err = b.set("isuer", "x").unwrap_err();
/// assert!(err.to_string().contains("did you mean `issuer`"));
/// let config = b.build().unwrap();
/// assert_eq!(config.scopes(), ["ks:fiks"]);
/// ```
#[derive(Default, Clone)]
pub struct ConfigBuilder {
    explicit: Layer,
    env: Layer,
    file: Layer,
    certificate_pkcs12: Option<Arc<Zeroizing<Vec<u8>>>>,
    person_token_provider: Option<PersonTokenProvider>,
}

impl fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = |l: &Layer| l.values.keys().copied().collect::<Vec<_>>();
        f.debug_struct("ConfigBuilder")
            .field("explicit", &keys(&self.explicit))
            .field("env", &keys(&self.env))
            .field("file", &keys(&self.file))
            .finish_non_exhaustive()
    }
}

/// Returns the known key, or an error naming the closest one.
pub fn check_key(key: &str) -> Result<&'static str> {
    let k = key.trim();
    if let Some(known) = KEYS.iter().find(|c| **c == k) {
        return Ok(known);
    }
    let norm = k.to_ascii_lowercase().replace('-', "_");
    if let Some(known) = KEYS.iter().find(|c| **c == norm) {
        return Ok(known);
    }
    let best = KEYS.iter().map(|c| (edit_distance(&norm, c), *c)).min();
    let hint = match best {
        Some((d, c)) if d <= 3 => format!(": did you mean `{c}`?"),
        _ => format!("; the keys are: {}", KEYS.join(", ")),
    };
    Err(Error::config(Some(k.to_string()), format!("unknown configuration key `{k}`{hint}")))
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

impl ConfigBuilder {
    /// Sets `key` to `value` as an explicit value (highest precedence).
    /// Fails at once for an unknown key; values are checked by [`ConfigBuilder::build`].
    pub fn set(&mut self, key: &str, value: &str) -> Result<&mut Self> {
        let k = check_key(key)?;
        self.explicit.values.insert(k, SecretString::from(value.to_string()));
        Ok(self)
    }

    /// Forgets `key` in every layer (explicit, environment and file), as if never given.
    pub fn unset(&mut self, key: &str) -> Result<&mut Self> {
        let k = check_key(key)?;
        for layer in [&mut self.explicit, &mut self.env, &mut self.file] {
            layer.values.remove(k);
        }
        if k == "certificate" {
            self.certificate_pkcs12 = None;
        }
        Ok(self)
    }

    fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.explicit.values.insert(key, SecretString::from(value.into()));
        self
    }

    /// Chooses the `test` or `prod` preset.
    pub fn environment(self, env: Environment) -> Self {
        self.with("environment", env.as_str())
    }
    /// The Maskinporten client id.
    pub fn issuer(self, issuer: impl Into<String>) -> Self {
        self.with("issuer", issuer)
    }
    /// The default scopes (joined by spaces).
    pub fn scopes<I, S>(self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let joined = scopes.into_iter().map(|s| s.as_ref().to_string()).collect::<Vec<_>>().join(" ");
        self.with("scopes", joined)
    }
    /// Path to a PKCS#12 file or a PEM chain.
    pub fn certificate(self, path: impl AsRef<Path>) -> Self {
        let p = path.as_ref().to_string_lossy().into_owned();
        self.with("certificate", p)
    }
    /// PKCS#12 bytes in memory, with their password (used instead of `certificate`).
    pub fn certificate_pkcs12(mut self, data: Vec<u8>, password: impl Into<String>) -> Self {
        self.set_certificate_pkcs12(data, password.into());
        self
    }
    /// Like [`ConfigBuilder::certificate_pkcs12`], on a `&mut` builder.
    pub fn set_certificate_pkcs12(&mut self, data: Vec<u8>, password: String) -> &mut Self {
        self.certificate_pkcs12 = Some(Arc::new(Zeroizing::new(data)));
        self.explicit.values.insert("certificate_password", SecretString::from(password));
        self
    }
    /// Password of the PKCS#12 file or the encrypted PEM key.
    pub fn certificate_password(self, password: impl Into<String>) -> Self {
        self.with("certificate_password", password)
    }
    /// Path to a PEM private key, when `certificate` is PEM.
    pub fn private_key(self, path: impl AsRef<Path>) -> Self {
        let p = path.as_ref().to_string_lossy().into_owned();
        self.with("private_key", p)
    }
    /// Sends `kid` instead of `x5c` (a key registered at Maskinporten).
    pub fn key_id(self, kid: impl Into<String>) -> Self {
        self.with("key_id", kid)
    }
    /// Overrides the grant's `aud`.
    pub fn audience(self, aud: impl Into<String>) -> Self {
        self.with("audience", aud)
    }
    /// Overrides the token endpoint.
    pub fn token_endpoint(self, url: impl Into<String>) -> Self {
        self.with("token_endpoint", url)
    }
    /// Audience-restricted tokens (`resource` claim; several separated by spaces).
    pub fn resource(self, resource: impl Into<String>) -> Self {
        self.with("resource", resource)
    }
    /// Delegation: act for this organisation (9 digits).
    pub fn consumer_org(self, orgnr: impl Into<String>) -> Self {
        self.with("consumer_org", orgnr)
    }
    /// Supplier sub-client (`iss_onbehalfof`).
    pub fn on_behalf_of(self, value: impl Into<String>) -> Self {
        self.with("on_behalf_of", value)
    }
    /// End-user-restricted token (`pid`, 11 digits).
    pub fn pid(self, pid: impl Into<String>) -> Self {
        self.with("pid", pid)
    }
    /// The Fiks integration id and password.
    pub fn integrasjon(self, id: impl Into<String>, passord: impl Into<String>) -> Self {
        self.with("integrasjon_id", id).with("integrasjon_passord", passord)
    }
    /// The Fiks API base URL (may carry a path prefix).
    pub fn fiks_base_url(self, url: impl Into<String>) -> Self {
        self.with("fiks_base_url", url)
    }
    /// `integrasjon-person` mode with a fixed citizen token.
    pub fn person_token(self, token: impl Into<String>) -> Self {
        self.with("person_token", token)
    }
    /// `integrasjon-person` mode with a callback returning the citizen token.
    pub fn person_token_provider(mut self, provider: PersonTokenProvider) -> Self {
        self.person_token_provider = Some(provider);
        self
    }
    /// Like [`ConfigBuilder::person_token_provider`], on a `&mut` builder.
    pub fn set_person_token_provider(&mut self, provider: PersonTokenProvider) -> &mut Self {
        self.person_token_provider = Some(provider);
        self
    }
    /// Extra PEM trust roots.
    pub fn ca_file(self, path: impl AsRef<Path>) -> Self {
        let p = path.as_ref().to_string_lossy().into_owned();
        self.with("ca_file", p)
    }
    /// Request timeout.
    pub fn timeout(self, d: Duration) -> Self {
        self.with("timeout_seconds", d.as_secs_f64().to_string())
    }
    /// How long before expiry a token is renewed.
    pub fn refresh_ahead(self, d: Duration) -> Self {
        self.with("refresh_ahead_seconds", d.as_secs_f64().to_string())
    }
    /// Number of retries of retryable failures.
    pub fn max_retries(self, n: u32) -> Self {
        self.with("max_retries", n.to_string())
    }

    /// Reads a TOML file of `key = value` lines (file layer). Strings, numbers and, for
    /// `scopes` and `resource`, arrays of strings are accepted.
    pub fn load_file(&mut self, path: impl AsRef<Path>) -> Result<&mut Self> {
        let path = path.as_ref();
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| Error::config(None, format!("cannot read config file {}: {e}", path.display())))?,
        );
        self.load_toml_str(&text).map_err(|e| match e {
            Error::Config { key, message } => {
                Error::Config { key, message: format!("{message} (in {})", path.display()) }
            }
            other => other,
        })
    }

    /// Reads TOML text (file layer).
    pub fn load_toml_str(&mut self, text: &str) -> Result<&mut Self> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            // The TOML error quotes the offending line, which could hold a secret.
            let span = e.span().map(|s| format!(" at byte {}", s.start)).unwrap_or_default();
            Error::config(None, format!("the config file is not valid TOML{span}: {}", e.message()))
        })?;
        for (key, value) in table {
            let k = check_key(&key)?;
            let s = match value {
                toml::Value::String(s) => s,
                toml::Value::Integer(i) => i.to_string(),
                toml::Value::Float(f) => f.to_string(),
                toml::Value::Array(items) if matches!(k, "scopes" | "resource") => {
                    let mut parts = Vec::new();
                    for item in items {
                        match item {
                            toml::Value::String(s) => parts.push(s),
                            _ => {
                                return Err(Error::config(
                                    Some(k.into()),
                                    format!("`{k}` must be a string or a list of strings"),
                                ));
                            }
                        }
                    }
                    parts.join(" ")
                }
                _ => {
                    return Err(Error::config(
                        Some(k.into()),
                        format!("`{k}` must be a string{}", if is_number_key(k) { " or a number" } else { "" }),
                    ));
                }
            };
            self.file.values.insert(k, SecretString::from(s));
        }
        Ok(self)
    }

    /// Reads `FIKS_<KEY>` variables from the process environment (environment layer).
    pub fn load_env(&mut self) -> Result<&mut Self> {
        self.load_env_from(
            std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// Reads `FIKS_<KEY>` pairs from an iterator (environment layer); other names are ignored.
    pub fn load_env_from<I>(&mut self, vars: I) -> Result<&mut Self>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        for (name, value) in vars {
            let Some(rest) = name.strip_prefix("FIKS_") else {
                continue;
            };
            let lower = rest.to_ascii_lowercase();
            if let Some(k) = KEYS.iter().find(|k| **k == lower) {
                self.env.values.insert(k, SecretString::from(value));
            } else if lower != "config" {
                tracing::debug!(variable = %name, "ignoring environment variable that is not a configuration key");
            }
        }
        Ok(self)
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.explicit
            .get(key)
            .or_else(|| self.env.get(key))
            .or_else(|| self.file.get(key))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    fn get_secret(&self, key: &str) -> Option<SecretString> {
        // Secrets are not trimmed: a password may end in a space.
        [&self.explicit, &self.env, &self.file]
            .into_iter()
            .find_map(|l| l.values.get(key))
            .filter(|s| !s.expose_secret().is_empty())
            .cloned()
    }

    fn certificate_source(&self) -> Option<CertificateSource> {
        match (&self.certificate_pkcs12, self.get("certificate")) {
            (Some(b), _) => Some(CertificateSource::Pkcs12Bytes(b.clone())),
            (None, Some(p)) => Some(CertificateSource::File(PathBuf::from(p))),
            (None, None) => None,
        }
    }

    /// The `environment` preset as given so far (any layer), checked.
    pub fn environment_preset(&self) -> Result<Option<Environment>> {
        self.get("environment").map(str::parse::<Environment>).transpose()
    }

    /// Loads the certificate and key named by `certificate`, `private_key` and
    /// `certificate_password` without needing the rest of a configuration (to inspect a
    /// certificate). Nothing is judged yet: see [`Credentials::check`](crate::Credentials::check).
    pub fn load_credentials(&self) -> Result<crate::Credentials> {
        let certificate = self.certificate_source();
        let private_key = self.get("private_key").map(PathBuf::from);
        if certificate.is_none() && private_key.is_none() {
            return Err(Error::config(
                Some("certificate".into()),
                "`certificate` is not set: give the virksomhetssertifikat as a .p12/.pfx file or a PEM chain",
            ));
        }
        crate::Credentials::load_parts(
            certificate.as_ref(),
            private_key.as_deref(),
            self.get_secret("certificate_password").as_ref(),
        )
    }

    /// Validates everything and returns the [`Config`], or the first problem found.
    pub fn build(&self) -> Result<Config> {
        let environment = self.environment_preset()?;
        let person_token = self.get_secret("person_token");
        let auth_mode = match (&self.person_token_provider, person_token) {
            (Some(p), _) => AuthMode::PersonTokenProvider(p.clone()),
            (None, Some(t)) => AuthMode::PersonToken(t),
            (None, None) => AuthMode::Maskinporten,
        };
        let person = !matches!(auth_mode, AuthMode::Maskinporten);

        let audience = match (self.get("audience"), environment) {
            (Some(a), _) => {
                parse_url("audience", a)?;
                a.to_string()
            }
            (None, Some(e)) => e.audience().to_string(),
            (None, None) => String::new(),
        };
        let token_endpoint = match (self.get("token_endpoint"), environment) {
            (Some(t), _) => Some(parse_url("token_endpoint", t)?),
            (None, Some(e)) => Some(parse_url("token_endpoint", e.token_endpoint())?),
            (None, None) => None,
        };
        let fiks_base_url = match (self.get("fiks_base_url"), environment) {
            (Some(t), _) => Some(parse_url("fiks_base_url", t)?),
            (None, Some(e)) => Some(parse_url("fiks_base_url", e.fiks_base_url())?),
            (None, None) => None,
        };
        let missing_env = |key: &str| {
            Error::config(
                Some(key.to_string()),
                format!("`{key}` is not set: set `environment` to `test` or `prod`, or give `{key}` explicitly"),
            )
        };
        let fiks_base_url = fiks_base_url.ok_or_else(|| missing_env("fiks_base_url"))?;
        let fiks_base_url = with_trailing_slash(fiks_base_url);

        let issuer = self.get("issuer").map(str::to_string);
        let certificate = self.certificate_source();
        let private_key = self.get("private_key").map(PathBuf::from);
        let key_id = self.get("key_id").map(str::to_string);

        let token_endpoint = match token_endpoint {
            Some(t) => t,
            None if person => parse_url("token_endpoint", Environment::Test.token_endpoint())?,
            None => return Err(missing_env("token_endpoint")),
        };
        if !person {
            if audience.is_empty() {
                return Err(missing_env("audience"));
            }
            if issuer.is_none() {
                return Err(Error::config(
                    Some("issuer".into()),
                    "`issuer` is not set: it is the Maskinporten client id (integrasjonens identifikator in Digdir's self-service)",
                ));
            }
            if certificate.is_none() && private_key.is_none() {
                return Err(Error::config(
                    Some("certificate".into()),
                    "`certificate` is not set: give the virksomhetssertifikat as a .p12/.pfx file or a PEM chain (or `private_key` with `key_id`)",
                ));
            }
            if certificate.is_none() && key_id.is_none() {
                return Err(Error::config(
                    Some("key_id".into()),
                    "`private_key` without `certificate` needs `key_id`: Maskinporten must know the key",
                ));
            }
        } else if certificate.is_some() || private_key.is_some() {
            return Err(Error::config(
                Some("person_token".into()),
                "`person_token` (integrasjon-person mode) is set together with `certificate`/`private_key` (Maskinporten mode): choose one",
            ));
        }

        let scopes: Vec<String> =
            match self.explicit.get("scopes").or_else(|| self.env.get("scopes")).or_else(|| self.file.get("scopes")) {
                Some(s) => s.split_whitespace().map(str::to_string).collect(),
                None => vec![DEFAULT_SCOPE.to_string()],
            };
        if scopes.is_empty() {
            return Err(Error::config(
                Some("scopes".into()),
                "`scopes` is empty: give at least one scope, e.g. `ks:fiks`",
            ));
        }
        let resource: Vec<String> =
            self.get("resource").map(|s| s.split_whitespace().map(str::to_string).collect()).unwrap_or_default();

        let consumer_org = self.get("consumer_org").map(str::to_string);
        let on_behalf_of = self.get("on_behalf_of").map(str::to_string);
        if consumer_org.is_some() && on_behalf_of.is_some() {
            return Err(Error::config(
                Some("consumer_org".into()),
                "`consumer_org` and `on_behalf_of` cannot be used together: Maskinporten accepts only one of `consumer_org` and `iss_onbehalfof`",
            ));
        }
        if let Some(c) = &consumer_org {
            check_digits("consumer_org", c, 9, "an organisation number")?;
        }
        let pid = self.get("pid").map(str::to_string);
        if let Some(p) = &pid {
            check_digits("pid", p, 11, "a national identity number (fødselsnummer)")?;
        }
        let integrasjon_id = self.get("integrasjon_id").map(str::to_string);
        if let Some(id) = &integrasjon_id
            && uuid::Uuid::try_parse(id).is_err()
        {
            return Err(Error::config(
                Some("integrasjon_id".into()),
                format!("`integrasjon_id` must be a UUID (from Fiks-konfigurasjon), got `{id}`"),
            ));
        }
        let integrasjon_passord = self.get_secret("integrasjon_passord");
        if integrasjon_id.is_some() != integrasjon_passord.is_some() {
            return Err(Error::config(
                Some(if integrasjon_id.is_some() { "integrasjon_passord" } else { "integrasjon_id" }.into()),
                "`integrasjon_id` and `integrasjon_passord` go together: set both (from Fiks-konfigurasjon)",
            ));
        }
        if person && integrasjon_id.is_none() {
            return Err(Error::config(
                Some("integrasjon_id".into()),
                "integrasjon-person mode needs `integrasjon_id` and `integrasjon_passord`",
            ));
        }

        Ok(Config {
            environment,
            issuer,
            scopes,
            certificate,
            certificate_password: self.get_secret("certificate_password"),
            private_key,
            key_id,
            audience,
            token_endpoint,
            resource,
            consumer_org,
            on_behalf_of,
            pid,
            integrasjon_id,
            integrasjon_passord,
            fiks_base_url,
            auth_mode,
            ca_file: self.get("ca_file").map(PathBuf::from),
            timeout: self.seconds("timeout_seconds", DEFAULT_TIMEOUT, false)?,
            connect_timeout: self.seconds("connect_timeout_seconds", DEFAULT_CONNECT_TIMEOUT, false)?,
            refresh_ahead: self.seconds("refresh_ahead_seconds", DEFAULT_REFRESH_AHEAD, true)?,
            max_retries: match self.get("max_retries") {
                None => DEFAULT_MAX_RETRIES,
                Some(s) => s.parse::<u32>().ok().filter(|n| *n <= 20).ok_or_else(|| {
                    Error::config(
                        Some("max_retries".into()),
                        format!("`max_retries` must be a whole number from 0 to 20, got `{s}`"),
                    )
                })?,
            },
            retry_deadline: self.seconds("retry_deadline_seconds", DEFAULT_RETRY_DEADLINE, true)?,
        })
    }

    fn seconds(&self, key: &str, default: Duration, zero_ok: bool) -> Result<Duration> {
        let Some(s) = self.get(key) else {
            return Ok(default);
        };
        let v: f64 = s
            .parse()
            .map_err(|_| Error::config(Some(key.into()), format!("`{key}` must be a number of seconds, got `{s}`")))?;
        if !v.is_finite() || v < 0.0 || (!zero_ok && v == 0.0) || v > 86_400.0 {
            return Err(Error::config(
                Some(key.into()),
                format!(
                    "`{key}` must be {} and at most 86400, got `{s}`",
                    if zero_ok { "zero or more" } else { "more than zero" }
                ),
            ));
        }
        Ok(Duration::from_secs_f64(v))
    }
}

fn is_number_key(k: &str) -> bool {
    k.ends_with("_seconds") || k == "max_retries"
}

fn check_digits(key: &str, value: &str, n: usize, what: &str) -> Result<()> {
    if value.len() != n || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::config(Some(key.into()), format!("`{key}` must be {what}: {n} digits")));
    }
    Ok(())
}

fn with_trailing_slash(mut u: Url) -> Url {
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    u
}

/// Parses a URL and enforces https, except plain http to a loopback host.
pub(crate) fn parse_url(key: &str, value: &str) -> Result<Url> {
    let u = Url::parse(value)
        .map_err(|e| Error::config(Some(key.into()), format!("`{key}` is not a valid URL (`{value}`): {e}")))?;
    match u.scheme() {
        "https" => {}
        "http" if is_loopback(&u) => {}
        "http" => {
            return Err(Error::config(
                Some(key.into()),
                format!("`{key}` uses plain http to a host that is not loopback ({value}): use https"),
            ));
        }
        other => {
            return Err(Error::config(Some(key.into()), format!("`{key}` must be an https URL, not `{other}:`")));
        }
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(Error::config(Some(key.into()), format!("`{key}` has no host: `{value}`")));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(Error::config(Some(key.into()), format!("`{key}` must not carry credentials")));
    }
    Ok(u)
}

/// Whether a URL's host is a loopback address (`127.0.0.0/8`, `::1`, `localhost`).
pub(crate) fn is_loopback(u: &Url) -> bool {
    match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ConfigBuilder {
        Config::builder().environment(Environment::Test).issuer("klient").certificate("x.p12")
    }

    #[test]
    fn presets_have_exact_urls() {
        let c = base().build().unwrap();
        assert_eq!(c.audience(), "https://test.maskinporten.no/");
        assert_eq!(c.token_endpoint().as_str(), "https://test.maskinporten.no/token");
        assert_eq!(c.fiks_base_url().as_str(), "https://api.fiks.test.ks.no/");
        let p = base().environment(Environment::Prod).build().unwrap();
        assert_eq!(p.audience(), "https://maskinporten.no/");
        assert_eq!(p.token_endpoint().as_str(), "https://maskinporten.no/token");
        assert_eq!(p.fiks_base_url().as_str(), "https://api.fiks.ks.no/");
    }

    #[test]
    fn precedence_explicit_env_file_preset() {
        let mut b = Config::builder();
        b.load_toml_str("environment = \"test\"\nissuer = \"fra-fil\"\ncertificate = \"f.p12\"\nscopes = [\"a:b\", \"c:d\"]\ntimeout_seconds = 12\n").unwrap();
        assert_eq!(b.build().unwrap().issuer(), Some("fra-fil"));
        b.load_env_from([("FIKS_ISSUER".to_string(), "fra-env".to_string()), ("PATH".into(), "/bin".into())]).unwrap();
        assert_eq!(b.build().unwrap().issuer(), Some("fra-env"));
        b.set("issuer", "eksplisitt").unwrap();
        let c = b.build().unwrap();
        assert_eq!(c.issuer(), Some("eksplisitt"));
        assert_eq!(c.scopes(), ["a:b", "c:d"]);
        assert_eq!(c.timeout(), Duration::from_secs(12));
        b.set("audience", "https://proxy.example/").unwrap();
        assert_eq!(b.build().unwrap().audience(), "https://proxy.example/");
    }

    #[test]
    fn environment_optional_when_urls_given() {
        let c = Config::builder()
            .issuer("k")
            .certificate("x.p12")
            .audience("http://127.0.0.1:8080/")
            .token_endpoint("http://127.0.0.1:8080/token")
            .fiks_base_url("http://localhost:8080/fiks")
            .build()
            .unwrap();
        assert_eq!(c.fiks_base_url().as_str(), "http://localhost:8080/fiks/");
        let e = Config::builder().issuer("k").certificate("x.p12").build().unwrap_err();
        assert!(e.to_string().contains("environment"), "{e}");
    }

    #[test]
    fn one_clear_error_per_problem() {
        let msg = |b: ConfigBuilder| b.build().unwrap_err().to_string();
        assert!(Config::builder().set("scope", "x").is_err());
        assert!(msg(Config::builder().environment(Environment::Test).certificate("x")).contains("`issuer` is not set"));
        assert!(msg(base().consumer_org("123456789").on_behalf_of("x")).contains("cannot be used together"));
        assert!(msg(base().fiks_base_url("http://fiks.example.no")).contains("not loopback"));
        assert!(msg(base().token_endpoint("ftp://x/")).contains("https"));
        assert!(msg(base().with("scopes", "   ")).contains("scopes"));
        assert!(msg(base().consumer_org("12345")).contains("9 digits"));
        assert!(msg(base().pid("1")).contains("11 digits"));
        assert!(msg(base().integrasjon("ikke-uuid", "p")).contains("UUID"));
        assert!(msg(base().with("integrasjon_id", "1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01")).contains("go together"));
        assert!(msg(base().with("timeout_seconds", "-1")).contains("timeout_seconds"));
        assert!(msg(base().with("environment", "dev")).contains("`test` or `prod`"));
        assert!(msg(Config::builder().environment(Environment::Test).issuer("k")).contains("certificate"));
        assert!(
            msg(base().person_token("t").integrasjon("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "p"))
                .contains("choose one")
        );
        let mut b = Config::builder();
        assert!(b.load_toml_str("ukjent = 1").unwrap_err().to_string().contains("unknown configuration key"));
        assert!(b.load_toml_str("issuer = [1]").is_err());
        assert!(b.load_toml_str("issuer = ").is_err());
    }

    #[test]
    fn loopback_rules() {
        for ok in ["http://127.0.0.1:1/", "http://127.5.6.7/", "http://[::1]:80/", "http://LOCALHOST/", "https://x.no/"]
        {
            parse_url("k", ok).unwrap();
        }
        for bad in [
            "http://10.0.0.1/",
            "http://localhost.evil.no/",
            "http://[::2]/",
            "file:///etc/passwd",
            "https://u:p@x.no/",
        ] {
            assert!(parse_url("k", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_hides_secrets() {
        let c = base()
            .certificate_password("pw-SECRET-1")
            .integrasjon("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "pw-SECRET-2")
            .build()
            .unwrap();
        let d = format!("{c:?}");
        assert!(!d.contains("SECRET"), "{d}");
        assert!(d.contains("<redacted>"));
        let mut b = Config::builder();
        b.load_toml_str("issuer = \"x\"\ncertificate_password = \"pw-SECRET-3\" oops").unwrap_err();
        let e = Config::builder().load_toml_str("certificate_password = \"pw-SECRET-3\" oops").map(|_| ()).unwrap_err();
        assert!(!e.to_string().contains("SECRET"), "{e}");
        assert!(!format!("{:?}", base().certificate_password("pw-SECRET-4")).contains("SECRET"));
    }

    #[test]
    fn person_mode_needs_no_maskinporten_keys() {
        let c = Config::builder()
            .person_token("innbygger")
            .integrasjon("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "p")
            .fiks_base_url("https://api.fiks.test.ks.no")
            .build()
            .unwrap();
        assert!(matches!(c.auth_mode(), AuthMode::PersonToken(_)));
        assert!(Config::builder().person_token("x").fiks_base_url("https://a.no").build().is_err());
    }
}
