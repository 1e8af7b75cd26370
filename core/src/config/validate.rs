//! Checking collected values into a [`Config`]: one clear error per problem.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::keys::{self, KeyKind};
use super::load::ConfigBuilder;
use super::{AuthMode, Config, DEFAULT_SCOPE, Environment};
use crate::error::{Error, Result};

impl ConfigBuilder {
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
        let allowed_origins = self.origins("allowed_origins")?;
        let tables = self.tables.check(&fiks_base_url, environment)?;

        let issuer = self.get("issuer").map(str::to_string);
        let certificate = self.credential_source("certificate");
        let private_key = self.credential_source("private_key");
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
            match &self.signer {
                None if certificate.is_none() && private_key.is_none() => {
                    return Err(Error::config(
                        Some("certificate".into()),
                        "`certificate` is not set: give the virksomhetssertifikat as a .p12/.pfx file or a PEM chain (or `private_key` with `key_id`, or a JWK key file)",
                    ));
                }
                Some(_) if private_key.is_some() => {
                    return Err(Error::config(
                        Some("private_key".into()),
                        "`private_key` is set together with an external signer: the signer holds the key, so leave `private_key` out",
                    ));
                }
                Some(_) if certificate.is_none() && key_id.is_none() => {
                    return Err(Error::config(
                        Some("key_id".into()),
                        "an external signer needs `certificate` (the certificate chain, without its key, for `x5c`) or `key_id` (the kid of the key registered at Maskinporten)",
                    ));
                }
                _ => {}
            }
        } else if certificate.is_some() || private_key.is_some() || self.signer.is_some() {
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
        let authorization_details =
            self.get("authorization_details").map(crate::AuthorizationDetails::parse).transpose()?;
        let discovery = self.flag("discovery")?;
        let token_cache_disk = self.choice("token_cache")? == "disk";
        let token_cache_dir = self.get("token_cache_dir").map(PathBuf::from);
        if token_cache_dir.is_some() && !token_cache_disk {
            return Err(Error::config(
                Some("token_cache_dir".into()),
                "`token_cache_dir` is set but `token_cache` is not `disk`: set `token_cache = \"disk\"` to share tokens between processes",
            ));
        }
        let pid = self.get("pid").map(str::to_string);
        if let Some(p) = &pid {
            check_digits("pid", p, 11, "a national identity number (fødselsnummer)")?;
        }
        let integrasjon_id = self.get("integrasjon_id").map(str::to_string);
        if let Some(id) = &integrasjon_id {
            super::tables::check_integrasjon_id("integrasjon_id", id)?;
        }
        let integrasjon_passord = self.get_secret("integrasjon_passord");
        if let (Some(id), Some(pw)) = (&integrasjon_id, &integrasjon_passord) {
            super::check_integrasjon("integrasjon_id", id, secrecy::ExposeSecret::expose_secret(pw))?;
        }
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
            allowed_origins,
            auth_mode,
            ca_file: self.get("ca_file").map(PathBuf::from),
            timeout: self.seconds("timeout_seconds")?,
            connect_timeout: self.seconds("connect_timeout_seconds")?,
            refresh_ahead: self.seconds("refresh_ahead_seconds")?,
            max_retries: self.count("max_retries")?,
            retry_deadline: self.seconds("retry_deadline_seconds")?,
            max_response_bytes: self.count("max_response_bytes")?,
            authorization_details,
            discovery,
            token_cache_disk,
            token_cache_dir,
            signer: self.signer.clone(),
            tables,
        })
    }

    /// A list of origins (`scheme://host[:port]`, no path), each an https URL (http only to loopback).
    fn origins(&self, key: &'static str) -> Result<Vec<Url>> {
        let mut out = Vec::new();
        for item in self.get(key).unwrap_or_default().split_whitespace() {
            let u = parse_url(key, item)?;
            if u.path() != "/" || u.query().is_some() || u.fragment().is_some() {
                return Err(Error::config(
                    Some(key.into()),
                    format!("`{key}` holds origins (scheme://host:port), not URLs with a path: `{item}`"),
                ));
            }
            out.push(u);
        }
        Ok(out)
    }

    /// A `Flag` key: `true`/`yes`/`on`/`1` or `false`/`no`/`off`/`0`, any case.
    fn flag(&self, key: &'static str) -> Result<bool> {
        let spec = keys::key(key).ok_or_else(|| Error::usage(format!("`{key}` is not in the key table")))?;
        match self.get(key).or(spec.default).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("false" | "no" | "off" | "0") => Ok(false),
            Some("true" | "yes" | "on" | "1") => Ok(true),
            Some(other) => {
                Err(Error::config(Some(key.into()), format!("`{key}` must be true or false, got `{other}`")))
            }
        }
    }

    /// A `Choice` key: one of its words (any case), or its default.
    fn choice(&self, key: &'static str) -> Result<&'static str> {
        let spec = keys::key(key).ok_or_else(|| Error::usage(format!("`{key}` is not in the key table")))?;
        let KeyKind::Choice(words) = spec.kind else {
            return Err(Error::usage(format!("`{key}` is not a choice key")));
        };
        let given = self.get(key).or(spec.default).unwrap_or("").trim().to_ascii_lowercase();
        words.iter().copied().find(|w| *w == given).ok_or_else(|| {
            Error::config(Some(key.into()), format!("`{key}` must be one of {}, got `{given}`", words.join(", ")))
        })
    }

    /// A `Seconds` key, checked against its range in the key table.
    fn seconds(&self, key: &'static str) -> Result<Duration> {
        let spec = keys::key(key).ok_or_else(|| Error::usage(format!("`{key}` is not in the key table")))?;
        let KeyKind::Seconds { zero_ok, max } = spec.kind else {
            return Err(Error::usage(format!("`{key}` is not a seconds key")));
        };
        let Some(s) = self.get(key).or(spec.default) else {
            return Err(Error::usage(format!("`{key}` has no default")));
        };
        let v: f64 = s
            .parse()
            .map_err(|_| Error::config(Some(key.into()), format!("`{key}` must be a number of seconds, got `{s}`")))?;
        if !v.is_finite() || v < 0.0 || (!zero_ok && v == 0.0) || v > f64::from(max) {
            return Err(Error::config(
                Some(key.into()),
                format!(
                    "`{key}` must be {} and at most {max}, got `{s}`",
                    if zero_ok { "zero or more" } else { "more than zero" }
                ),
            ));
        }
        Ok(Duration::from_secs_f64(v))
    }

    /// A `Count` key, checked against its range in the key table.
    fn count(&self, key: &'static str) -> Result<u32> {
        let spec = keys::key(key).ok_or_else(|| Error::usage(format!("`{key}` is not in the key table")))?;
        let KeyKind::Count { max } = spec.kind else {
            return Err(Error::usage(format!("`{key}` is not a count key")));
        };
        let Some(s) = self.get(key).or(spec.default) else {
            return Err(Error::usage(format!("`{key}` has no default")));
        };
        s.parse::<u32>().ok().filter(|n| *n <= max).ok_or_else(|| {
            Error::config(Some(key.into()), format!("`{key}` must be a whole number from 0 to {max}, got `{s}`"))
        })
    }
}

/// Checks a value of a `Digits` key (`consumer_org`, `pid`) as [`ConfigBuilder::build`] does;
/// other keys pass. An empty value passes (it clears an option).
pub(crate) fn check_value(key: &str, value: &str) -> Result<()> {
    match (key, value) {
        (_, "") => Ok(()),
        ("consumer_org", v) => check_digits("consumer_org", v, 9, "an organisation number"),
        ("pid", v) => check_digits("pid", v, 11, "a national identity number (fødselsnummer)"),
        _ => Ok(()),
    }
}

fn check_digits(key: &str, value: &str, n: usize, what: &str) -> Result<()> {
    if value.len() != n || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::config(Some(key.into()), format!("`{key}` must be {what}: {n} digits")));
    }
    Ok(())
}

pub(super) fn with_trailing_slash(mut u: Url) -> Url {
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
    use crate::config::load::ConfigBuilder;
    use crate::config::{AuthMode, Config, Environment};

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
