//! Collecting configuration values: code, `FIKS_<KEY>` variables and TOML files, each a layer.
//!
//! One rule for every source: values are coerced by their key's [`KeyKind`]; relative paths in
//! a file are relative to that file; `certificate`/`private_key` take a path or the content; an
//! empty `FIKS_<KEY>` is ignored (with a warning), never an override; an unknown key is refused
//! with the nearest one suggested, and an unknown `FIKS_*` variable is warned about.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::keys::{self, KeyKind, check_key};
use super::{CertificateSource, Environment, PersonTokenProvider};
use crate::error::{Error, Result};

/// `FIKS_*` variables that are not configuration keys but belong to this library.
const OWN_VARIABLES: &[&str] = &["FIKS_CONFIG", "FIKS_LOG"];

/// One layer of raw values (explicit, environment or file).
#[derive(Default, Clone)]
pub(super) struct Layer {
    pub(super) values: BTreeMap<&'static str, SecretString>,
}

impl Layer {
    pub(super) fn get(&self, key: &str) -> Option<&str> {
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
    pub(super) explicit: Layer,
    pub(super) env: Layer,
    pub(super) file: Layer,
    pub(super) certificate_pkcs12: Option<Arc<Zeroizing<Vec<u8>>>>,
    pub(super) person_token_provider: Option<PersonTokenProvider>,
    pub(super) signer: Option<Arc<dyn crate::Signer>>,
    pub(super) tables: super::tables::RawTables,
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

/// Whether a credential value is the content itself rather than a path.
pub(super) enum Inline {
    Pem(Vec<u8>),
    Pkcs12(Vec<u8>),
}

/// Sorts a `certificate`/`private_key` value: PEM text (it holds `-----BEGIN`), a JWK (JSON
/// text, starting with `{`), base64 of a PKCS#12 file (long, base64 only, decoding to a DER
/// sequence), or else a path.
pub(super) fn inline_credential(value: &str) -> Option<Inline> {
    // PEM text, or a JWK (JSON): content either way, read by the key loader.
    if value.contains("-----BEGIN ") || value.trim_start().starts_with('{') {
        return Some(Inline::Pem(value.as_bytes().to_vec()));
    }
    let compact: Zeroizing<String> = Zeroizing::new(value.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    if compact.len() >= 256 && compact.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)) {
        use base64::Engine;
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(compact.as_bytes())
            && der.first() == Some(&0x30)
        {
            return Some(Inline::Pkcs12(der));
        }
    }
    None
}

/// How a credential value may be quoted in a message: only when it is plausibly a path (short,
/// one line, no PEM marker). Content is never echoed.
pub(crate) fn quotable_path(value: &str) -> bool {
    value.len() <= 260 && !value.contains("-----") && !value.chars().any(char::is_control)
}

impl ConfigBuilder {
    /// Signs grants with `signer` (a key in an HSM, a smart card, the OS certificate store or a
    /// cloud KMS) instead of a private key the library reads: give `certificate` as the
    /// certificate chain without its key (for `x5c`), or `key_id`.
    pub fn signer(mut self, signer: Arc<dyn crate::Signer>) -> Self {
        self.signer = Some(signer);
        self
    }

    /// Like [`ConfigBuilder::signer`], in place.
    pub fn set_signer(&mut self, signer: Arc<dyn crate::Signer>) -> &mut Self {
        self.signer = Some(signer);
        self
    }

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

    pub(super) fn with(mut self, key: &'static str, value: impl Into<String>) -> Self {
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
    /// Path to a PKCS#12 file or a PEM chain (or the PEM text itself).
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
        self.set_certificate_bytes(data);
        self.explicit.values.insert("certificate_password", SecretString::from(password));
        self
    }
    /// PKCS#12 bytes in memory without a password of their own: `certificate_password` comes
    /// from wherever it is set (code, `FIKS_CERTIFICATE_PASSWORD`, the file).
    pub fn set_certificate_bytes(&mut self, data: Vec<u8>) -> &mut Self {
        self.certificate_pkcs12 = Some(Arc::new(Zeroizing::new(data)));
        self
    }
    /// Password of the PKCS#12 file or the encrypted PEM key.
    pub fn certificate_password(self, password: impl Into<String>) -> Self {
        self.with("certificate_password", password)
    }
    /// Path to a PEM private key (or the PEM text itself), when `certificate` is PEM.
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
    /// More origins that may receive the Fiks headers (space-separated `scheme://host:port`).
    pub fn allowed_origins(self, origins: impl Into<String>) -> Self {
        self.with("allowed_origins", origins)
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
    /// Timeout of one HTTP exchange.
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

    /// Sets `max_response_bytes`: the largest successful Fiks answer read into memory.
    pub fn max_response_bytes(self, n: u32) -> Self {
        self.with("max_response_bytes", n.to_string())
    }

    /// Reads a TOML file of `key = value` lines (file layer). Strings, numbers (for seconds and
    /// counts) and, for lists (`scopes`, `resource`, `allowed_origins`), arrays of strings are
    /// accepted. Relative paths are taken relative to the file's directory.
    pub fn load_file(&mut self, path: impl AsRef<Path>) -> Result<&mut Self> {
        let path = path.as_ref();
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| Error::config(None, format!("cannot read config file {}: {e}", path.display())))?,
        );
        let dir = path.parent().map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p });
        self.load_toml(&text, dir).map_err(|e| match e {
            Error::Config { key, message } => {
                Error::Config { key, message: format!("{message} (in {})", path.display()) }
            }
            other => other,
        })
    }

    /// Reads TOML text (file layer); relative paths stay relative to the working directory.
    pub fn load_toml_str(&mut self, text: &str) -> Result<&mut Self> {
        self.load_toml(text, None)
    }

    fn load_toml(&mut self, text: &str, dir: Option<&Path>) -> Result<&mut Self> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            // The TOML error quotes the offending line, which could hold a secret.
            let span = e.span().map(|s| format!(" at byte {}", s.start)).unwrap_or_default();
            Error::config(None, format!("the config file is not valid TOML{span}: {}", e.message()))
        })?;
        let mut values = BTreeMap::new();
        for (name, value) in table {
            if matches!(name.as_str(), "integrasjoner" | "services") {
                self.tables.load_toml(&name, value)?;
                continue;
            }
            let k = check_key(&name)?;
            let kind = keys::key(k).map(|s| s.kind).unwrap_or(KeyKind::Text);
            let text = toml_text(k, kind, value)?;
            let text = match dir {
                Some(d) => relative_to(kind, text, d),
                None => text,
            };
            values.insert(k, SecretString::from(text));
        }
        self.file.values.extend(values);
        Ok(self)
    }

    /// Reads `FIKS_<KEY>` variables from the process environment (environment layer).
    pub fn load_env(&mut self) -> Result<&mut Self> {
        self.load_env_from(
            std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )
    }

    /// Reads the TOML file that `FIKS_CONFIG` names (when set and not empty) into the file
    /// layer, then the `FIKS_<KEY>` variables. The one way every binding honours `FIKS_CONFIG`.
    pub fn load_env_with_file(&mut self) -> Result<&mut Self> {
        if let Some(path) = Self::config_file_from_env() {
            self.load_file(path)?;
        }
        self.load_env()
    }

    /// The file `FIKS_CONFIG` names, when it is set and not empty (the one place that reads it).
    pub fn config_file_from_env() -> Option<PathBuf> {
        std::env::var_os("FIKS_CONFIG").filter(|p| !p.is_empty()).map(PathBuf::from)
    }

    /// Reads `FIKS_<KEY>` pairs from an iterator (environment layer); other names are ignored.
    /// An empty value is ignored (it never hides the file's value); an unknown `FIKS_*` name
    /// is warned about with the nearest key.
    pub fn load_env_from<I>(&mut self, vars: I) -> Result<&mut Self>
    where
        I: IntoIterator<Item = (String, String)>,
    {
        for (name, value) in vars {
            let Some(rest) = name.strip_prefix("FIKS_") else {
                continue;
            };
            let lower = rest.to_ascii_lowercase();
            if let Some(spec) = keys::key(&lower) {
                if value.is_empty() {
                    tracing::warn!(variable = %name, "ignoring the empty environment variable; unset it, or give `{}` a value", spec.name);
                    continue;
                }
                self.env.values.insert(spec.name, SecretString::from(value));
            } else if !OWN_VARIABLES.contains(&name.as_str()) && !name.starts_with("FIKS_INTEGRASJON_") {
                match keys::nearest(&lower) {
                    Some(near) => {
                        tracing::warn!(variable = %name, "ignoring an environment variable that is not a configuration key: did you mean FIKS_{}?", near.to_ascii_uppercase())
                    }
                    None => {
                        tracing::warn!(variable = %name, "ignoring an environment variable that is not a configuration key")
                    }
                }
            }
        }
        Ok(self)
    }

    /// The value of `key` in the highest layer that has it, trimmed; `None` when empty.
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.explicit
            .get(key)
            .or_else(|| self.env.get(key))
            .or_else(|| self.file.get(key))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// A secret's value, untrimmed (a password may end in a space).
    pub(super) fn get_secret(&self, key: &str) -> Option<SecretString> {
        [&self.explicit, &self.env, &self.file]
            .into_iter()
            .find_map(|l| l.values.get(key))
            .filter(|s| !s.expose_secret().is_empty())
            .cloned()
    }

    /// Where `key` (`certificate` or `private_key`) comes from.
    pub(super) fn credential_source(&self, key: &str) -> Option<CertificateSource> {
        if key == "certificate"
            && let Some(b) = &self.certificate_pkcs12
        {
            return Some(CertificateSource::Pkcs12Bytes(b.clone()));
        }
        let value = self.get(key)?;
        Some(match inline_credential(value) {
            Some(Inline::Pem(pem)) => CertificateSource::Pem(Arc::new(Zeroizing::new(pem))),
            Some(Inline::Pkcs12(der)) => CertificateSource::Pkcs12Bytes(Arc::new(Zeroizing::new(der))),
            None => CertificateSource::File(PathBuf::from(value)),
        })
    }

    /// The `environment` preset as given so far (any layer), checked.
    pub fn environment_preset(&self) -> Result<Option<Environment>> {
        self.get("environment").map(str::parse::<Environment>).transpose()
    }

    /// Loads the certificate and key named by `certificate`, `private_key` and
    /// `certificate_password` without needing the rest of a configuration (to inspect a
    /// certificate). Nothing is judged yet: see [`Credentials::check`](crate::Credentials::check).
    pub fn load_credentials(&self) -> Result<crate::Credentials> {
        let certificate = self.credential_source("certificate");
        let private_key = self.credential_source("private_key");
        if certificate.is_none() && private_key.is_none() {
            return Err(Error::config(
                Some("certificate".into()),
                "`certificate` is not set: give the virksomhetssertifikat as a .p12/.pfx file or a PEM chain",
            ));
        }
        crate::Credentials::load_parts(
            certificate.as_ref(),
            private_key.as_ref(),
            self.get_secret("certificate_password").as_ref(),
            self.signer.is_some(),
        )
    }
}

/// A TOML value as the text its key's kind parses.
fn toml_text(k: &'static str, kind: KeyKind, value: toml::Value) -> Result<String> {
    Ok(match value {
        toml::Value::String(s) => s,
        toml::Value::Integer(i) if kind.is_number() => i.to_string(),
        toml::Value::Float(f) if kind.is_number() => f.to_string(),
        toml::Value::Boolean(b) if kind == KeyKind::Flag => b.to_string(),
        toml::Value::Array(items) if kind == KeyKind::List => {
            let mut parts = Vec::with_capacity(items.len());
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
            let what = match kind {
                KeyKind::List => "a string or a list of strings",
                KeyKind::Flag => "true or false",
                _ if kind.is_number() => "a number",
                _ => "a string",
            };
            return Err(Error::config(Some(k.into()), format!("`{k}` must be {what}")));
        }
    })
}

/// A path value from a file in `dir`, made relative to that directory.
fn relative_to(kind: KeyKind, value: String, dir: &Path) -> String {
    let is_path = match kind {
        KeyKind::Path => true,
        KeyKind::Credential => inline_credential(&value).is_none(),
        _ => false,
    };
    let trimmed = value.trim();
    if !is_path || trimmed.is_empty() || Path::new(trimmed).is_absolute() {
        return value;
    }
    dir.join(trimmed).to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_paths_are_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("etc");
        std::fs::create_dir(&sub).unwrap();
        let file = sub.join("fiks.toml");
        std::fs::write(&file, "certificate = \"virksomhet.p12\"\nca_file = \"/abs/ca.pem\"\nissuer = \"./x\"\n")
            .unwrap();
        let mut b = ConfigBuilder::default();
        b.load_file(&file).unwrap();
        assert_eq!(b.get("certificate"), Some(sub.join("virksomhet.p12").to_str().unwrap()));
        assert_eq!(b.get("ca_file"), Some("/abs/ca.pem"));
        assert_eq!(b.get("issuer"), Some("./x"), "text keys are not paths");
        let mut b = ConfigBuilder::default();
        b.load_toml_str("certificate = \"virksomhet.p12\"").unwrap();
        assert_eq!(b.get("certificate"), Some("virksomhet.p12"));
    }

    #[test]
    fn empty_env_does_not_hide_the_file() {
        let mut b = ConfigBuilder::default();
        b.load_toml_str("issuer = \"fra-fil\"").unwrap();
        b.load_env_from([("FIKS_ISSUER".to_string(), String::new())]).unwrap();
        assert_eq!(b.get("issuer"), Some("fra-fil"));
        b.load_env_from([("FIKS_TIMEOUT".to_string(), "5".to_string())]).unwrap();
        assert!(b.env.values.is_empty());
    }

    #[test]
    fn credentials_are_paths_or_content() {
        assert!(matches!(inline_credential("-----BEGIN PRIVATE KEY-----\nMII\n"), Some(Inline::Pem(_))));
        assert!(inline_credential("./virksomhet.p12").is_none());
        use base64::Engine;
        let der = [&[0x30u8, 0x82][..], &[7u8; 300][..]].concat();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&der);
        assert!(matches!(inline_credential(&b64), Some(Inline::Pkcs12(d)) if d == der));
        assert!(!quotable_path("-----BEGIN PRIVATE KEY-----\nMII"));
        assert!(quotable_path("/etc/fiks/virksomhet.p12"));
    }

    #[test]
    fn toml_kinds() {
        let mut b = ConfigBuilder::default();
        b.load_toml_str("timeout_seconds = 2.5\nmax_retries = 1\nscopes = [\"a\", \"b\"]").unwrap();
        assert_eq!(b.get("timeout_seconds"), Some("2.5"));
        assert_eq!(b.get("scopes"), Some("a b"));
        assert!(b.load_toml_str("issuer = 5").unwrap_err().to_string().contains("must be a string"));
        assert!(b.load_toml_str("timeout = 5").unwrap_err().to_string().contains("did you mean `timeout_seconds`"));
    }
}
