//! The three Fiks headers: `Authorization: Bearer`, `IntegrasjonId`, `IntegrasjonPassord`.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// Header name of the integration id.
pub const INTEGRASJON_ID: &str = "IntegrasjonId";
/// Header name of the integration password.
pub const INTEGRASJON_PASSORD: &str = "IntegrasjonPassord";
/// Header name of the bearer token.
pub const AUTHORIZATION: &str = "Authorization";

/// The headers every Fiks call needs. Cheap to share (`Arc`); `Debug` masks the secrets.
///
/// ```
/// use fiks_integrasjon::FiksHeaders;
/// let h = FiksHeaders::new("tok", "1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "pass");
/// assert_eq!(h.authorization(), "Bearer tok");
/// let names: Vec<_> = h.iter().map(|(n, _)| n).collect();
/// assert_eq!(names, ["Authorization", "IntegrasjonId", "IntegrasjonPassord"]);
/// assert!(!format!("{h:?}").contains("pass\""));
/// ```
#[derive(Clone)]
pub struct FiksHeaders {
    authorization: SecretString,
    integrasjon_id: String,
    integrasjon_passord: SecretString,
}

impl FiksHeaders {
    /// Builds the headers from a bearer token and the integration's id and password.
    pub fn new(token: &str, integrasjon_id: &str, integrasjon_passord: &str) -> FiksHeaders {
        FiksHeaders {
            authorization: SecretString::from(format!("Bearer {token}")),
            integrasjon_id: integrasjon_id.to_string(),
            integrasjon_passord: SecretString::from(integrasjon_passord.to_string()),
        }
    }
    /// `Bearer <token>`.
    pub fn authorization(&self) -> &str {
        self.authorization.expose_secret()
    }
    /// The integration id.
    pub fn integrasjon_id(&self) -> &str {
        &self.integrasjon_id
    }
    /// The integration password.
    pub fn integrasjon_passord(&self) -> &str {
        self.integrasjon_passord.expose_secret()
    }
    /// `(name, value)` pairs in a fixed order: Authorization, IntegrasjonId, IntegrasjonPassord.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            (AUTHORIZATION, self.authorization()),
            (INTEGRASJON_ID, self.integrasjon_id()),
            (INTEGRASJON_PASSORD, self.integrasjon_passord()),
        ]
        .into_iter()
    }
    /// The headers as a reqwest/http header map, with the secrets marked sensitive.
    pub fn to_header_map(&self) -> reqwest::header::HeaderMap {
        use reqwest::header::{HeaderName, HeaderValue};
        let mut map = reqwest::header::HeaderMap::with_capacity(3);
        for (name, value) in self.iter() {
            if let Ok(mut v) = HeaderValue::from_str(value) {
                v.set_sensitive(name != INTEGRASJON_ID);
                map.insert(HeaderName::from_static(lower(name)), v);
            }
        }
        map
    }
}

fn lower(name: &'static str) -> &'static str {
    match name {
        AUTHORIZATION => "authorization",
        INTEGRASJON_ID => "integrasjonid",
        _ => "integrasjonpassord",
    }
}

impl fmt::Debug for FiksHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FiksHeaders")
            .field("Authorization", &"Bearer <redacted>")
            .field("IntegrasjonId", &self.integrasjon_id)
            .field("IntegrasjonPassord", &"<redacted>")
            .finish()
    }
}
