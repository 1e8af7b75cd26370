//! Configuration: one set of keys for every face of the library.
//!
//! Values come from code ([`ConfigBuilder`] setters or [`ConfigBuilder::set`]), from
//! `FIKS_<KEY>` environment variables, from a TOML file, and from the `environment` preset.
//! Precedence: explicit value > environment variable > config file > preset.
//!
//! The keys, their kinds and defaults are one table ([`KEYS`], in [`keys`]); loading the layers
//! is [`load`]'s job, and [`ConfigBuilder::build`] (in `validate`) checks them into a [`Config`].
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

pub mod keys;
pub mod load;
pub mod tables;
mod validate;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

pub use keys::{KEYS, KeyKind, KeySpec, check_key, key, names, nearest};
pub use load::ConfigBuilder;
pub use tables::{FIKS_SERVICE, NamedIntegrasjon, SVARUT_SERVICE, check_integrasjon, check_name};
pub(crate) use validate::{check_value, parse_url};

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

/// Where a certificate or key comes from: a file, or the content itself (from a vault, a
/// container secret, a .NET `X509Certificate2`). `Debug` shows a path, never content.
#[derive(Clone)]
pub enum CertificateSource {
    /// A file: PKCS#12 (`.p12`/`.pfx`) or PEM.
    File(PathBuf),
    /// PKCS#12 bytes held in memory (e.g. exported from a .NET `X509Certificate2`).
    Pkcs12Bytes(Arc<Zeroizing<Vec<u8>>>),
    /// PEM text held in memory (certificates and/or a private key).
    Pem(Arc<Zeroizing<Vec<u8>>>),
}

impl CertificateSource {
    /// The path, when the source is a file.
    pub fn path(&self) -> Option<&Path> {
        match self {
            CertificateSource::File(p) => Some(p),
            _ => None,
        }
    }
}

impl fmt::Debug for CertificateSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertificateSource::File(p) => write!(f, "{}", p.display()),
            CertificateSource::Pkcs12Bytes(b) => write!(f, "<PKCS#12 in memory, {} bytes>", b.len()),
            CertificateSource::Pem(b) => write!(f, "<PEM in memory, {} bytes>", b.len()),
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
    pub(crate) private_key: Option<CertificateSource>,
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
    pub(crate) allowed_origins: Vec<Url>,
    pub(crate) auth_mode: AuthMode,
    pub(crate) ca_file: Option<PathBuf>,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) refresh_ahead: Duration,
    pub(crate) max_retries: u32,
    pub(crate) retry_deadline: Duration,
    pub(crate) max_response_bytes: u32,
    pub(crate) authorization_details: Option<crate::AuthorizationDetails>,
    pub(crate) discovery: bool,
    pub(crate) token_cache_disk: bool,
    pub(crate) token_cache_dir: Option<PathBuf>,
    pub(crate) signer: Option<Arc<dyn crate::Signer>>,
    pub(crate) tables: tables::Tables,
}

impl Config {
    /// A builder with nothing set.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Loads a TOML file, then `FIKS_<KEY>` variables over it. Relative paths in the file are
    /// relative to the file's directory.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Config> {
        let mut b = ConfigBuilder::default();
        b.load_file(path)?;
        b.load_env()?;
        b.build()
    }

    /// Loads the TOML file that `FIKS_CONFIG` names (when set), then `FIKS_<KEY>` variables.
    pub fn from_env() -> Result<Config> {
        let mut b = ConfigBuilder::default();
        b.load_env_with_file()?;
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
    /// Origins besides `fiks_base_url`'s that may receive the Fiks headers (`allowed_origins`).
    pub fn allowed_origins(&self) -> &[Url] {
        &self.allowed_origins
    }
    /// The certificate source.
    pub fn certificate(&self) -> Option<&CertificateSource> {
        self.certificate.as_ref()
    }
    /// The PEM private key path (None when the key was given as content, or not at all).
    pub fn private_key(&self) -> Option<&Path> {
        self.private_key.as_ref().and_then(CertificateSource::path)
    }
    /// The PEM private key source (a file or the content).
    pub fn private_key_source(&self) -> Option<&CertificateSource> {
        self.private_key.as_ref()
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
    /// Timeout of one HTTP exchange.
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
    /// Total time allowed for one call including retries and waits (at least `timeout`).
    pub fn retry_deadline(&self) -> Duration {
        self.retry_deadline
    }
    /// The largest successful Fiks answer read into memory, in bytes (`max_response_bytes`,
    /// default 64 MiB). A larger one fails with [`crate::TransportProblem::TooLarge`] and its
    /// connection is dropped; error answers are kept up to 1 MiB and marked truncated
    /// ([`crate::ApiError::body_truncated`]), token answers are read up to 64 KiB.
    pub fn max_response_bytes(&self) -> u32 {
        self.max_response_bytes
    }
    /// Extra trust roots.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }
    /// The default `authorization_details` of token requests.
    pub fn authorization_details(&self) -> Option<&crate::AuthorizationDetails> {
        self.authorization_details.as_ref()
    }
    /// Whether `issuer` and `token_endpoint` are read from Maskinporten's metadata (`discovery`).
    pub fn discovery(&self) -> bool {
        self.discovery
    }
    /// Whether tokens are shared between processes through files (`token_cache = "disk"`).
    pub fn token_cache_disk(&self) -> bool {
        self.token_cache_disk
    }
    /// The directory of the disk token cache, when set (`token_cache_dir`).
    pub fn token_cache_dir(&self) -> Option<&Path> {
        self.token_cache_dir.as_deref()
    }
    /// The external signer, when grants are signed by a key kept elsewhere.
    pub fn signer(&self) -> Option<&Arc<dyn crate::Signer>> {
        self.signer.as_ref()
    }

    /// Every set key with a printable value, in [`KEYS`] order; secrets are shown as
    /// `<redacted>`, certificates and keys as their path or `<PEM in memory, N bytes>`.
    pub fn entries(&self) -> Vec<(&'static str, String)> {
        KEYS.iter()
            .filter_map(|spec| {
                let shown = self.shown(spec.name)?;
                Some((spec.name, if spec.kind == KeyKind::Secret { "<redacted>".to_string() } else { shown }))
            })
            .collect()
    }

    /// The value of a key as text (secrets included: [`Config::entries`] redacts them).
    fn shown(&self, key: &str) -> Option<String> {
        let opt = |v: &Option<String>| v.clone();
        let list = |v: &[String]| (!v.is_empty()).then(|| v.join(" "));
        let secret = |v: &Option<SecretString>| v.as_ref().map(|_| String::new());
        match key {
            "environment" => self.environment.map(|e| e.as_str().to_string()),
            "issuer" => opt(&self.issuer),
            "scopes" => list(&self.scopes),
            "certificate" => self.certificate.as_ref().map(|c| format!("{c:?}")),
            "certificate_password" => secret(&self.certificate_password),
            "private_key" => self.private_key.as_ref().map(|c| format!("{c:?}")),
            "key_id" => opt(&self.key_id),
            "audience" => (!self.audience.is_empty()).then(|| self.audience.clone()),
            "token_endpoint" => Some(self.token_endpoint.to_string()),
            "resource" => list(&self.resource),
            "consumer_org" => opt(&self.consumer_org),
            "on_behalf_of" => opt(&self.on_behalf_of),
            "pid" => opt(&self.pid),
            "authorization_details" => self.authorization_details.as_ref().map(|d| d.as_json().to_string()),
            "discovery" => self.discovery.then(|| "true".to_string()),
            "token_cache" => self.token_cache_disk.then(|| "disk".to_string()),
            "token_cache_dir" => self.token_cache_dir.as_ref().map(|c| c.display().to_string()),
            "integrasjon_id" => opt(&self.integrasjon_id),
            "integrasjon_passord" => secret(&self.integrasjon_passord),
            "fiks_base_url" => Some(self.fiks_base_url.to_string()),
            "allowed_origins" => {
                let v: Vec<String> = self.allowed_origins.iter().map(|u| u.origin().ascii_serialization()).collect();
                list(&v)
            }
            "person_token" => match &self.auth_mode {
                AuthMode::Maskinporten => None,
                AuthMode::PersonToken(_) | AuthMode::PersonTokenProvider(_) => Some(String::new()),
            },
            "ca_file" => self.ca_file.as_ref().map(|c| c.display().to_string()),
            "timeout_seconds" => Some(fmt_secs(self.timeout)),
            "connect_timeout_seconds" => Some(fmt_secs(self.connect_timeout)),
            "refresh_ahead_seconds" => Some(fmt_secs(self.refresh_ahead)),
            "max_retries" => Some(self.max_retries.to_string()),
            "retry_deadline_seconds" => Some(fmt_secs(self.retry_deadline)),
            "max_response_bytes" => Some(self.max_response_bytes.to_string()),
            _ => None,
        }
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
        if self.signer.is_some() {
            m.entry(&"signer", &"<external signer>");
        }
        for (name, i) in &self.tables.integrasjoner {
            m.entry(&format!("integrasjoner.{name}"), &format!("{} <redacted>", i.id));
        }
        for (name, u) in &self.tables.services {
            m.entry(&format!("services.{name}"), &u.as_str());
        }
        m.finish()
    }
}
