//! What a client needs to talk to a running mock, as plain values: the keys and tables of its
//! `fiks.toml`.

use std::fmt;
use std::path::PathBuf;

/// The client side of a running mock as plain values, named like the client's config keys:
/// exactly what [`crate::MockServer::config_toml`] writes (from [`ClientSettings::to_toml`]).
///
/// ```no_run
/// use fiks_integrasjon_mock::{MockOptions, MockServer};
/// let mock = MockServer::start_blocking(MockOptions::default())?;
/// let files = mock.pki().write_to(&std::env::temp_dir().join("fiks-mock-doc"))?;
/// let settings = mock.client_settings(&files);
/// assert_eq!(settings.issuer, "fiks-mock-client");
/// assert_eq!(settings.certificate, files.p12);
/// assert_eq!(settings.to_toml(), mock.config_toml(&files));
/// assert!(settings.pairs().contains(&("scopes", "ks:fiks".to_string())));
/// assert_eq!(settings.integrasjoner[0].name, "kommune-1");
/// assert_eq!(settings.services, [("svarut".to_string(), mock.svarut_base_url())]);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ClientSettings {
    /// `audience`: the mock's Maskinporten issuer id, with the trailing slash.
    pub audience: String,
    /// `token_endpoint`: `base_url + "/token"`.
    pub token_endpoint: String,
    /// `fiks_base_url`: `base_url + "/fiks"`.
    pub fiks_base_url: String,
    /// `issuer`: the registered Maskinporten client id.
    pub issuer: String,
    /// `scopes`: `ks:fiks`.
    pub scopes: String,
    /// `certificate`: the modern PKCS#12 file of the PKI.
    pub certificate: PathBuf,
    /// `certificate_password`: the password of the PKCS#12 file.
    pub certificate_password: String,
    /// `integrasjon_id`: the Fiks integration id.
    pub integrasjon_id: String,
    /// `integrasjon_passord`: the Fiks integration password.
    pub integrasjon_passord: String,
    /// `ca_file`: the mock CA, set only when the mock serves HTTPS.
    pub ca_file: Option<PathBuf>,
    /// `[integrasjoner.NAME]`: named integrasjoner besides the default one (the mock's first
    /// three extras, `kommune-1` … `kommune-3`).
    pub integrasjoner: Vec<NamedIntegrasjon>,
    /// `[services]`: service name → base URL (the mock's `svarut`).
    pub services: Vec<(String, String)>,
}

/// One `[integrasjoner.NAME]` table of a `fiks.toml`. `Debug` hides the password.
///
/// ```
/// let (integrasjon_id, integrasjon_passord) = fiks_integrasjon_mock::mock_integrasjon(1);
/// let i = fiks_integrasjon_mock::NamedIntegrasjon { name: "kommune-1".into(), integrasjon_id, integrasjon_passord };
/// assert!(!format!("{i:?}").contains("mock-passord-1"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct NamedIntegrasjon {
    /// The table's name, `NAME` in `[integrasjoner.NAME]`.
    pub name: String,
    /// `integrasjon_id`.
    pub integrasjon_id: String,
    /// `integrasjon_passord`.
    pub integrasjon_passord: String,
}

impl fmt::Debug for NamedIntegrasjon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamedIntegrasjon")
            .field("name", &self.name)
            .field("integrasjon_id", &self.integrasjon_id)
            .field("integrasjon_passord", &"<redacted>")
            .finish()
    }
}

impl ClientSettings {
    /// `(key, value)` for every top-level setting, in the order of the TOML; `ca_file` only
    /// when set. The tables are [`ClientSettings::integrasjoner`] and [`ClientSettings::services`].
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let path = |p: &PathBuf| p.to_string_lossy().into_owned();
        let mut pairs = vec![
            ("audience", self.audience.clone()),
            ("token_endpoint", self.token_endpoint.clone()),
            ("fiks_base_url", self.fiks_base_url.clone()),
            ("issuer", self.issuer.clone()),
            ("scopes", self.scopes.clone()),
            ("certificate", path(&self.certificate)),
            ("certificate_password", self.certificate_password.clone()),
            ("integrasjon_id", self.integrasjon_id.clone()),
            ("integrasjon_passord", self.integrasjon_passord.clone()),
        ];
        if let Some(ca) = &self.ca_file {
            pairs.push(("ca_file", path(ca)));
        }
        pairs
    }

    /// The `fiks.toml` text: one `key = "value"` line per pair, after a comment line, then the
    /// tables `[integrasjoner.NAME]` and `[services]`, written as dotted keys
    /// (`integrasjoner.kommune-1.integrasjon_id = "…"`, `services.svarut = "…"`: the same tables
    /// to a TOML parser) so that `key = value` lines appended to the text stay top-level keys.
    /// To add a service to the text, append `services.NAME = "…"`, not a `[services]` header.
    pub fn to_toml(&self) -> String {
        let mut text = String::from("# fiks.toml for the local fiks-integrasjon-mock\n");
        for (key, value) in self.pairs() {
            text.push_str(&format!("{key} = {}\n", toml_string(&value)));
        }
        if !self.integrasjoner.is_empty() || !self.services.is_empty() {
            text.push_str("# [integrasjoner.NAME] and [services], as dotted keys\n");
        }
        for i in &self.integrasjoner {
            let table = format!("integrasjoner.{}", toml_key(&i.name));
            text.push_str(&format!("{table}.integrasjon_id = {}\n", toml_string(&i.integrasjon_id)));
            text.push_str(&format!("{table}.integrasjon_passord = {}\n", toml_string(&i.integrasjon_passord)));
        }
        for (name, url) in &self.services {
            text.push_str(&format!("services.{} = {}\n", toml_key(name), toml_string(url)));
        }
        text
    }
}

impl fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSettings")
            .field("audience", &self.audience)
            .field("token_endpoint", &self.token_endpoint)
            .field("fiks_base_url", &self.fiks_base_url)
            .field("issuer", &self.issuer)
            .field("scopes", &self.scopes)
            .field("certificate", &self.certificate)
            .field("certificate_password", &"<redacted>")
            .field("integrasjon_id", &self.integrasjon_id)
            .field("integrasjon_passord", &"<redacted>")
            .field("ca_file", &self.ca_file)
            .field("integrasjoner", &self.integrasjoner)
            .field("services", &self.services)
            .finish()
    }
}

/// A TOML key: bare when it may be (`A-Za-z0-9_-`), else a basic string.
fn toml_key(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        s.to_string()
    } else {
        toml_string(s)
    }
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
