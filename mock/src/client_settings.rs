//! What a client needs to talk to a running mock, as plain values: the keys of its `fiks.toml`.

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
}

impl ClientSettings {
    /// `(key, value)` for every setting, in the order of the TOML; `ca_file` only when set.
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

    /// The `fiks.toml` text: one `key = "value"` line per pair, after a comment line.
    pub fn to_toml(&self) -> String {
        let mut text = String::from("# fiks.toml for the local fiks-integrasjon-mock\n");
        for (key, value) in self.pairs() {
            text.push_str(&format!("{key} = {}\n", toml_string(&value)));
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
            .finish()
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
