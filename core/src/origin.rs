//! Where the Fiks headers may go: the one rule every path uses.
//!
//! The Fiks headers (the organisation's Maskinporten token and the integrasjon password) go
//! only to a URL with the same scheme, host and port as a configured service's base URL
//! (`fiks_base_url` is the service `fiks`; `svarut` and the `[services]` table add others)
//! whose path lies under that base's path prefix, or to an origin listed in `allowed_origins`. Nothing else receives them:
//! not `Client::request`, not the Python `requests`/`httpx` adapters, not the .NET handler,
//! not the C `fiks_client_headers_for_url`. A redirect keeps them only when it stays on the
//! same origin and its target is allowed.
//!
//! ```
//! use fiks_integrasjon::{Config, FiksOrigins};
//! let config = Config::builder()
//!     .person_token("t")
//!     .integrasjon("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "p")
//!     .fiks_base_url("https://api.fiks.test.ks.no/fiks")
//!     .allowed_origins("https://svarut.test.ks.no")
//!     .build()?;
//! let origins = FiksOrigins::new(&config);
//! assert!(origins.allows_str("https://api.fiks.test.ks.no/fiks/innsyn-sok/api/v1/sok"));
//! assert!(!origins.allows_str("https://api.fiks.test.ks.no/annet"));
//! assert!(!origins.allows_str("https://api.fiks.test.ks.no:8443/fiks/x"));
//! assert!(!origins.allows_str("http://api.fiks.test.ks.no/fiks/x"));
//! assert!(origins.allows_str("https://svarut.test.ks.no/tjenester/forsendelse"));
//! assert!(!origins.allows_str("https://evil.example/fiks/x"));
//! # Ok::<(), fiks_integrasjon::Error>(())
//! ```

use url::{Origin, Url};

use crate::config::Config;
use crate::error::{Error, Result};

/// The origins of one configuration that may receive the Fiks headers.
#[derive(Debug, Clone)]
pub struct FiksOrigins {
    base: Url,
    /// Every service's base (`fiks` included), by name.
    services: Vec<(String, Url)>,
    extra: Vec<Origin>,
}

impl FiksOrigins {
    /// The origins `config` allows: each service's base URL (under its path; `fiks_base_url`
    /// is the service `fiks`) and `allowed_origins`.
    pub fn new(config: &Config) -> FiksOrigins {
        FiksOrigins {
            base: config.fiks_base_url().clone(),
            services: config.services().map(|(n, u)| (n.to_string(), u.clone())).collect(),
            extra: config.allowed_origins().iter().map(Url::origin).collect(),
        }
    }

    /// Whether the Fiks headers may be sent to `url`.
    pub fn allows(&self, url: &Url) -> bool {
        if !matches!(url.scheme(), "https" | "http") || !url.username().is_empty() || url.password().is_some() {
            return false;
        }
        let origin = url.origin();
        if self.extra.contains(&origin) {
            return true;
        }
        !has_dot_segment(url.path())
            && self.bases().any(|base| origin == base.origin() && url.path().starts_with(base.path()))
    }

    /// The base URLs of the services (`fiks_base_url` first).
    fn bases(&self) -> impl Iterator<Item = &Url> {
        std::iter::once(&self.base).chain(self.services.iter().map(|(_, u)| u))
    }

    /// The base URL of the service `name`, or the [`Error::Usage`] naming the services there are.
    pub fn service(&self, name: &str) -> Result<&Url> {
        if name == crate::config::FIKS_SERVICE {
            return Ok(&self.base);
        }
        self.services.iter().find(|(n, _)| n == name).map(|(_, u)| u).ok_or_else(|| {
            let names: Vec<&str> = self.services.iter().map(|(n, _)| n.as_str()).collect();
            Error::usage(format!(
                "there is no Fiks service `{name}`: the services are {} (add others under `[services]`)",
                names.join(", ")
            ))
        })
    }

    /// The service names, sorted (`fiks` included).
    pub fn service_names(&self) -> impl Iterator<Item = &str> {
        self.services.iter().map(|(n, _)| n.as_str())
    }

    /// Like [`FiksOrigins::allows`] for a URL given as text; `false` when it does not parse.
    pub fn allows_str(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|u| self.allows(&u))
    }

    /// Whether a redirect from `from` to `to` may carry the Fiks headers: only when it stays on
    /// the same origin and `to` is allowed.
    pub fn redirect_keeps_headers(&self, from: &Url, to: &Url) -> bool {
        from.origin() == to.origin() && self.allows(to)
    }

    /// Like [`FiksOrigins::redirect_keeps_headers`] for URLs given as text (`to` may be
    /// relative to `from`, as a `Location` header is); `false` when they do not parse.
    pub fn redirect_keeps_headers_str(&self, from: &str, to: &str) -> bool {
        let Ok(from) = Url::parse(from) else {
            return false;
        };
        from.join(to).is_ok_and(|to| self.redirect_keeps_headers(&from, &to))
    }

    /// `url` when it is allowed, else the error every binding reports.
    pub fn check(&self, url: &Url) -> Result<()> {
        if self.allows(url) {
            return Ok(());
        }
        let others = self.services.iter().filter(|(n, _)| n != crate::config::FIKS_SERVICE).count();
        Err(Error::usage(format!(
            "refusing to send the Fiks headers to {}: it is not under `fiks_base_url` ({}){}{}",
            redact(url),
            self.base,
            if others > 0 { " nor another configured service's base URL" } else { "" },
            if self.extra.is_empty() {
                "; add the service under `[services]` or its origin to `allowed_origins`"
            } else {
                " nor in `allowed_origins`"
            }
        )))
    }

    /// The base URL (`fiks_base_url`, ending in `/`).
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// Resolves a request path: a relative path is joined onto `fiks_base_url` (keeping its
    /// path prefix; `.`/`..` segments refused); a full URL must be allowed.
    pub fn resolve(&self, path: &str) -> Result<Url> {
        self.resolve_in(crate::config::FIKS_SERVICE, path)
    }

    /// Resolves a request path in the service `service` (joined onto its base URL, as
    /// [`FiksOrigins::resolve`] does onto `fiks_base_url`); a full URL must be allowed.
    pub fn resolve_in(&self, service: &str, path: &str) -> Result<Url> {
        let base = self.service(service)?;
        if path.starts_with("http://") || path.starts_with("https://") {
            let u = crate::config::parse_url("url", path).map_err(|e| Error::usage(e.to_string()))?;
            self.check(&u)?;
            return Ok(u);
        }
        let rel = path.trim_start_matches('/');
        if has_dot_segment(rel.split(['?', '#']).next().unwrap_or_default()) {
            return Err(Error::usage(format!("the path `{path}` must not contain `.` or `..` segments")));
        }
        let u = base
            .join(rel)
            .map_err(|e| Error::usage(format!("`{path}` cannot be joined to the base URL of `{service}`: {e}")))?;
        self.check(&u)?;
        Ok(u)
    }
}

/// A `.` or `..` segment, also percent-encoded (servers may decode `%2e%2e`).
fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|seg| {
        let s = seg.to_ascii_lowercase().replace("%2e", ".");
        s == "." || s == ".."
    })
}

/// A URL for a message: scheme, host, port and path, without query or credentials.
fn redact(url: &Url) -> String {
    format!("{}{}", url.origin().ascii_serialization(), url.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(base: &str, extra: &str) -> FiksOrigins {
        let c = Config::builder()
            .person_token("t")
            .integrasjon("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "p")
            .fiks_base_url(base)
            .allowed_origins(extra)
            .build()
            .unwrap();
        FiksOrigins::new(&c)
    }

    #[test]
    fn only_the_configured_origins() {
        let o = origins("http://127.0.0.1:8080/fiks", "");
        assert!(o.allows_str("http://127.0.0.1:8080/fiks/a?b=c"));
        assert!(o.allows_str("http://127.0.0.1:8080/fiks/"));
        assert!(!o.allows_str("http://127.0.0.1:8080/fiks"), "the prefix is a directory");
        assert!(!o.allows_str("http://127.0.0.1:8080/fiksx/a"));
        assert!(!o.allows_str("http://127.0.0.1:8081/fiks/a"), "another port is another origin");
        assert!(!o.allows_str("http://localhost:8080/fiks/a"), "another host name is another origin");
        assert!(!o.allows_str("http://127.0.0.1:8080/fiks/%2e%2e/admin"));
        assert!(!o.allows_str("http://u:p@127.0.0.1:8080/fiks/a"));
        assert!(!o.allows_str("ftp://127.0.0.1:8080/fiks/a"));
        assert!(!o.allows_str("not a url"));
        let from = Url::parse("http://127.0.0.1:8080/fiks/a").unwrap();
        assert!(o.redirect_keeps_headers(&from, &Url::parse("http://127.0.0.1:8080/fiks/b").unwrap()));
        assert!(!o.redirect_keeps_headers(&from, &Url::parse("http://127.0.0.1:9/fiks/b").unwrap()));
        assert!(o.redirect_keeps_headers_str("http://127.0.0.1:8080/fiks/a", "/fiks/c"));
        assert!(!o.redirect_keeps_headers_str("http://127.0.0.1:8080/fiks/a", "/login"));
        assert!(!o.redirect_keeps_headers_str("http://127.0.0.1:8080/fiks/a", "//evil.example/fiks/x"));
        assert!(!o.redirect_keeps_headers_str("ikke en url", "/fiks/c"));
    }

    #[test]
    fn extra_origins_take_any_path() {
        let o = origins("https://api.fiks.test.ks.no", "https://svarut.test.ks.no http://127.0.0.1:9000");
        assert!(o.allows_str("https://svarut.test.ks.no/tjenester/x"));
        assert!(o.allows_str("http://127.0.0.1:9000/x"));
        assert!(!o.allows_str("http://svarut.test.ks.no/x"));
        let from = Url::parse("https://api.fiks.test.ks.no/a").unwrap();
        let to = Url::parse("https://svarut.test.ks.no/b").unwrap();
        assert!(!o.redirect_keeps_headers(&from, &to), "a redirect never carries them to another origin");
    }

    #[test]
    fn resolve_joins_and_checks() {
        let o = origins("http://127.0.0.1:8080/fiks/", "");
        assert_eq!(o.resolve("/innsyn/x?q=1").unwrap().as_str(), "http://127.0.0.1:8080/fiks/innsyn/x?q=1");
        assert_eq!(o.resolve("http://127.0.0.1:8081/fiks/x").unwrap_err().kind(), crate::ErrorKind::Usage);
        assert!(o.resolve("../x").is_err());
        assert!(o.resolve("a/%2E%2E/x").is_err());
        assert!(o.resolve("a/b?next=../x").is_ok(), "dots in the query are not segments");
    }

    #[test]
    fn services_are_allowed_under_their_base() {
        let c = Config::builder()
            .person_token("t")
            .integrasjon("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "p")
            .environment(crate::Environment::Test)
            .service("arkiv", "https://arkiv.example.no/api")
            .build()
            .unwrap();
        let o = FiksOrigins::new(&c);
        assert!(o.allows_str("https://test.svarut.ks.no/tjenester/api/forsendelse/v1/sendForsendelse"));
        assert!(!o.allows_str("https://svarut.ks.no/tjenester/x"), "the other environment's host");
        assert!(o.allows_str("https://arkiv.example.no/api/x"));
        assert!(!o.allows_str("https://arkiv.example.no/annet"), "a service keeps its path prefix");
        assert!(!o.allows_str("https://arkiv.example.no/api/../x"));
        assert_eq!(
            o.resolve_in("svarut", "/tjenester/api/forsendelse/v1/startNyForsendelse").unwrap().as_str(),
            "https://test.svarut.ks.no/tjenester/api/forsendelse/v1/startNyForsendelse"
        );
        assert_eq!(o.resolve_in("arkiv", "sak/1").unwrap().as_str(), "https://arkiv.example.no/api/sak/1");
        assert_eq!(o.resolve_in("fiks", "x").unwrap().as_str(), "https://api.fiks.test.ks.no/x");
        let e = o.resolve_in("svarutt", "x").unwrap_err().to_string();
        assert!(e.contains("no Fiks service `svarutt`") && e.contains("arkiv, fiks, svarut"), "{e}");
        assert_eq!(o.service_names().collect::<Vec<_>>(), ["arkiv", "fiks", "svarut"]);
    }

    #[test]
    fn allowed_origins_must_be_origins() {
        let e = Config::builder()
            .person_token("t")
            .integrasjon("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "p")
            .fiks_base_url("https://a.no")
            .allowed_origins("https://b.no/path")
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("not URLs with a path"), "{e}");
    }
}
