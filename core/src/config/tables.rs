//! The two tables of a configuration: named integrasjoner and Fiks services.
//!
//! ```toml
//! integrasjon_id = "…"            # the default integrasjon
//! integrasjon_passord = "…"
//! [integrasjoner.bergen]          # one per municipality that made the vendor autorisert organisasjon
//! integrasjon_id = "…"
//! integrasjon_passord = "…"
//! [services]                      # base URLs that may receive the Fiks headers
//! svarut = "https://test.svarut.ks.no"
//! ```
//!
//! The service `fiks` is always `fiks_base_url`; with an `environment` preset, `svarut` is
//! KS's SvarUt host of that environment unless the table names another. Names are lower case
//! ASCII letters, digits, `-` and `_`. Passwords here are secrets like `integrasjon_passord`.
//!
//! ```
//! use fiks_integrasjon::Config;
//! let config = Config::builder()
//!     .environment(fiks_integrasjon::Environment::Test)
//!     .person_token("t")
//!     .integrasjon("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "p")
//!     .integrasjon_named("bergen", "8f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e", "hemmelig")
//!     .service("matrikkel", "https://matrikkel.example.no/api")
//!     .build()?;
//! assert_eq!(config.integrasjon_names().collect::<Vec<_>>(), ["bergen"]);
//! assert_eq!(config.service("svarut").unwrap().as_str(), "https://test.svarut.ks.no/");
//! assert_eq!(config.service("matrikkel").unwrap().as_str(), "https://matrikkel.example.no/api/");
//! assert!(!format!("{config:?}").contains("hemmelig"));
//! # Ok::<(), fiks_integrasjon::Error>(())
//! ```

use secrecy::SecretString;
use std::collections::BTreeMap;
use std::fmt;
use url::Url;

use super::Environment;
use super::load::ConfigBuilder;
use super::validate::{parse_url, with_trailing_slash};
use crate::error::{Error, Result};

/// The name of the service at `fiks_base_url`, the default of every request.
pub const FIKS_SERVICE: &str = "fiks";
/// The name of KS SvarUt's service preset.
pub const SVARUT_SERVICE: &str = "svarut";

/// SvarUt's host per environment (KS's published SvarUt API: `/tjenester/api/forsendelse/…`).
pub(crate) fn svarut_base_url(env: Environment) -> &'static str {
    match env {
        Environment::Test => "https://test.svarut.ks.no",
        Environment::Prod => "https://svarut.ks.no",
    }
}

/// A named integrasjon: the `IntegrasjonId`/`IntegrasjonPassord` a municipality created for
/// the vendor. `Debug` hides the password.
#[derive(Clone)]
pub struct NamedIntegrasjon {
    pub(crate) id: String,
    pub(crate) passord: SecretString,
}

impl NamedIntegrasjon {
    /// The integrasjon id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Debug for NamedIntegrasjon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NamedIntegrasjon").field("id", &self.id).field("passord", &"<redacted>").finish()
    }
}

/// A service or integrasjon name: 1–64 of `a-z`, `0-9`, `-`, `_`, starting with a letter.
pub fn check_name(what: &str, name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Error::config(
            Some(what.to_string()),
            format!("`{name}` is not a valid {what} name: use 1–64 of a-z, 0-9, `-` and `_`, starting with a letter"),
        ))
    }
}

/// Checks an integrasjon id (a UUID) and its password; the one rule for the default and the
/// named integrasjoner, and for those a binding derives at run time.
pub fn check_integrasjon(key: &str, id: &str, passord: &str) -> Result<()> {
    check_integrasjon_id(key, id)?;
    if passord.is_empty() || passord.chars().any(char::is_control) {
        return Err(Error::config(
            Some(key.replace("_id", "_passord")),
            "the integrasjon password is empty or holds control characters",
        ));
    }
    Ok(())
}

/// Checks an integrasjon id: a UUID.
pub(crate) fn check_integrasjon_id(key: &str, id: &str) -> Result<()> {
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(Error::config(
            Some(key.to_string()),
            format!("`{key}` must be a UUID (from Fiks-konfigurasjon), got `{id}`"),
        ));
    }
    Ok(())
}

impl ConfigBuilder {
    /// Adds (or replaces) a named integrasjon, used by `Client::for_integrasjon_named`.
    pub fn integrasjon_named(mut self, name: &str, id: &str, passord: &str) -> Self {
        self.tables.integrasjoner.insert(name.to_string(), (id.to_string(), SecretString::from(passord.to_string())));
        self
    }
    /// Like [`ConfigBuilder::integrasjon_named`], on a `&mut` builder.
    pub fn set_integrasjon_named(&mut self, name: &str, id: &str, passord: &str) -> &mut Self {
        self.tables.integrasjoner.insert(name.to_string(), (id.to_string(), SecretString::from(passord.to_string())));
        self
    }
    /// Adds (or replaces) a Fiks service by base URL (may carry a path prefix).
    pub fn service(mut self, name: &str, base_url: &str) -> Self {
        self.tables.services.insert(name.to_string(), base_url.to_string());
        self
    }
    /// Like [`ConfigBuilder::service`], on a `&mut` builder.
    pub fn set_service(&mut self, name: &str, base_url: &str) -> &mut Self {
        self.tables.services.insert(name.to_string(), base_url.to_string());
        self
    }
}

/// The raw tables as collected (code and files; code wins per name).
#[derive(Default, Clone)]
pub(super) struct RawTables {
    pub(super) integrasjoner: BTreeMap<String, (String, SecretString)>,
    pub(super) services: BTreeMap<String, String>,
}

/// The checked tables of a [`crate::Config`].
#[derive(Clone, Default)]
pub(crate) struct Tables {
    pub(crate) integrasjoner: BTreeMap<String, NamedIntegrasjon>,
    /// Every service, `fiks` included, each base ending in `/`.
    pub(crate) services: BTreeMap<String, Url>,
}

impl RawTables {
    /// Reads `[integrasjoner.NAME]` and `[services]` from a TOML file's table. File values
    /// never replace ones set in code.
    pub(super) fn load_toml(&mut self, name: &str, value: toml::Value) -> Result<()> {
        let toml::Value::Table(table) = value else {
            return Err(Error::config(Some(name.to_string()), format!("`{name}` must be a table (`[{name}]`)")));
        };
        match name {
            "integrasjoner" => {
                for (iname, v) in table {
                    let toml::Value::Table(t) = v else {
                        return Err(Error::config(
                            Some(format!("integrasjoner.{iname}")),
                            format!(
                                "`integrasjoner.{iname}` must be a table with `integrasjon_id` and `integrasjon_passord`"
                            ),
                        ));
                    };
                    let mut id = None;
                    let mut passord = None;
                    for (k, v) in t {
                        let key = format!("integrasjoner.{iname}.{k}");
                        let toml::Value::String(s) = v else {
                            return Err(Error::config(Some(key.clone()), format!("`{key}` must be a string")));
                        };
                        match k.as_str() {
                            "integrasjon_id" => id = Some(s),
                            "integrasjon_passord" => passord = Some(SecretString::from(s)),
                            _ => {
                                return Err(Error::config(
                                    Some(key.clone()),
                                    format!(
                                        "unknown key `{key}`: a named integrasjon has `integrasjon_id` and `integrasjon_passord`"
                                    ),
                                ));
                            }
                        }
                    }
                    let (Some(id), Some(passord)) = (id, passord) else {
                        return Err(Error::config(
                            Some(format!("integrasjoner.{iname}")),
                            format!("`integrasjoner.{iname}` needs both `integrasjon_id` and `integrasjon_passord`"),
                        ));
                    };
                    self.integrasjoner.entry(iname).or_insert((id, passord));
                }
            }
            _ => {
                for (sname, v) in table {
                    let toml::Value::String(s) = v else {
                        return Err(Error::config(
                            Some(format!("services.{sname}")),
                            format!("`services.{sname}` must be a base URL string"),
                        ));
                    };
                    self.services.entry(sname).or_insert(s);
                }
            }
        }
        Ok(())
    }

    /// Checks the tables: names, ids, passwords and URLs; adds `fiks` and the presets.
    pub(super) fn check(&self, fiks_base_url: &Url, environment: Option<Environment>) -> Result<Tables> {
        use secrecy::ExposeSecret;
        let mut integrasjoner = BTreeMap::new();
        for (name, (id, passord)) in &self.integrasjoner {
            check_name("integrasjon", name)?;
            check_integrasjon(&format!("integrasjoner.{name}.integrasjon_id"), id.trim(), passord.expose_secret())?;
            integrasjoner
                .insert(name.clone(), NamedIntegrasjon { id: id.trim().to_string(), passord: passord.clone() });
        }
        let mut services = BTreeMap::new();
        if let Some(env) = environment {
            services.insert(
                SVARUT_SERVICE.to_string(),
                with_trailing_slash(parse_url("services.svarut", svarut_base_url(env))?),
            );
        }
        for (name, url) in &self.services {
            check_name("service", name)?;
            if name == FIKS_SERVICE {
                return Err(Error::config(
                    Some("services.fiks".into()),
                    "the service `fiks` is `fiks_base_url`: set that key instead",
                ));
            }
            let key = format!("services.{name}");
            let u = parse_url(&key, url.trim())?;
            if u.query().is_some() || u.fragment().is_some() || !u.username().is_empty() || u.password().is_some() {
                return Err(Error::config(
                    Some(key.clone()),
                    format!("`{key}` must be a base URL without query, fragment or credentials"),
                ));
            }
            services.insert(name.clone(), with_trailing_slash(u));
        }
        services.insert(FIKS_SERVICE.to_string(), fiks_base_url.clone());
        Ok(Tables { integrasjoner, services })
    }
}

impl crate::Config {
    /// The names of the configured integrasjoner (`[integrasjoner.NAME]`), sorted.
    pub fn integrasjon_names(&self) -> impl Iterator<Item = &str> {
        self.tables.integrasjoner.keys().map(String::as_str)
    }
    /// The named integrasjon, if configured.
    pub fn integrasjon(&self, name: &str) -> Option<&NamedIntegrasjon> {
        self.tables.integrasjoner.get(name)
    }
    /// The base URL of a service (`fiks`, `svarut`, or one from `[services]`), ending in `/`.
    pub fn service(&self, name: &str) -> Option<&Url> {
        self.tables.services.get(name)
    }
    /// Every service and its base URL, sorted by name (`fiks` included).
    pub fn services(&self) -> impl Iterator<Item = (&str, &Url)> {
        self.tables.services.iter().map(|(n, u)| (n.as_str(), u))
    }
}

#[cfg(test)]
mod tests {
    use crate::Config;

    fn base() -> crate::ConfigBuilder {
        Config::builder().person_token("t").integrasjon("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "p")
    }

    #[test]
    fn toml_tables() {
        let mut b = base();
        b.load_toml_str(
            "fiks_base_url = \"http://127.0.0.1:1/fiks\"\n\
             [integrasjoner.bergen]\nintegrasjon_id = \"8f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e\"\nintegrasjon_passord = \"pw \"\n\
             [services]\nsvarut = \"http://127.0.0.1:2\"\n",
        )
        .unwrap();
        let c = b.build().unwrap();
        let i = c.integrasjon("bergen").unwrap();
        assert_eq!(i.id(), "8f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e");
        assert_eq!(secrecy::ExposeSecret::expose_secret(&i.passord), "pw ", "a password is not trimmed");
        assert_eq!(c.service("svarut").unwrap().as_str(), "http://127.0.0.1:2/");
        assert_eq!(c.service("fiks").unwrap().as_str(), "http://127.0.0.1:1/fiks/");
        assert!(c.service("svarut2").is_none());
        assert!(!format!("{c:?} {i:?}").contains("pw "));
    }

    #[test]
    fn presets_and_code_over_file() {
        let c = base().environment(crate::Environment::Prod).build().unwrap();
        assert_eq!(c.service("svarut").unwrap().as_str(), "https://svarut.ks.no/");
        let mut b = base().fiks_base_url("http://127.0.0.1:1").service("svarut", "http://127.0.0.1:3");
        b.load_toml_str("[services]\nsvarut = \"http://127.0.0.1:2\"").unwrap();
        assert_eq!(b.build().unwrap().service("svarut").unwrap().as_str(), "http://127.0.0.1:3/");
    }

    #[test]
    fn bad_tables() {
        let err = |toml: &str| {
            let mut b = base().fiks_base_url("http://127.0.0.1:1");
            match b.load_toml_str(toml) {
                Err(e) => e.to_string(),
                Ok(_) => b.build().unwrap_err().to_string(),
            }
        };
        assert!(err("integrasjoner = 5").contains("must be a table"));
        assert!(err("[integrasjoner.b]\nintegrasjon_id = \"x\"").contains("needs both"));
        assert!(
            err("[integrasjoner.b]\nintegrasjon_id = \"x\"\nintegrasjon_passord = \"p\"").contains("must be a UUID")
        );
        assert!(err("[integrasjoner.b]\nid = \"x\"").contains("unknown key `integrasjoner.b.id`"));
        assert!(err("[integrasjoner.Bergen]\nintegrasjon_id = \"8f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e\"\nintegrasjon_passord = \"p\"").contains("not a valid integrasjon name"));
        assert!(err("[services]\nsvarut = \"http://svarut.example.no\"").contains("not loopback"));
        assert!(err("[services]\nfiks = \"https://a.no\"").contains("`fiks_base_url`"));
        assert!(err("[services]\nx = \"https://a.no/?q=1\"").contains("without query"));
        let e = err(
            "[integrasjoner.b]\nintegrasjon_id = \"8f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e\"\nintegrasjon_passord = \"\"",
        );
        assert!(e.contains("empty"), "{e}");
    }
}
