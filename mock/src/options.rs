//! How a mock is set up: [`MockOptions`] and the default client identity it registers.

use std::fmt;

use crate::pki::Pki;

/// The default registered Maskinporten client id.
pub const DEFAULT_ISSUER: &str = "fiks-mock-client";
/// The default Fiks integration id.
pub const DEFAULT_INTEGRASJON_ID: &str = "1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01";
/// The default Fiks integration password.
pub const DEFAULT_INTEGRASJON_PASSORD: &str = "mock-integrasjon-passord";
/// The default ID-porten "person" token the Fiks side accepts.
pub const DEFAULT_PERSON_TOKEN: &str = "mock-person-token-7f3c9a2e5b8d4e1fa6c0b9d2e4f81a37";

/// How the mock is set up.
///
/// ```
/// let opts = fiks_integrasjon_mock::MockOptions { token_lifetime_secs: 5, ..Default::default() };
/// assert_eq!(opts.issuer, "fiks-mock-client");
/// assert_eq!(opts.allowed_scopes, ["ks:fiks", "ks:fiks:test", "difitest:test2"]);
/// assert_eq!(opts.extra_integrasjoner, 100);
/// assert_eq!(opts.clock_offset_secs, 0);
/// ```
#[derive(Clone)]
pub struct MockOptions {
    /// The registered Maskinporten client id grants must carry in `iss`.
    pub issuer: String,
    /// The orgnr registered for the client; `None` means the PKI's orgnr.
    pub client_orgnr: Option<String>,
    /// Scopes the client may ask for.
    pub allowed_scopes: Vec<String>,
    /// `expires_in` of issued tokens (change it later with [`crate::MockServer::set_token_lifetime`]).
    pub token_lifetime_secs: u64,
    /// The Fiks integration id (`IntegrasjonId`).
    pub integrasjon_id: String,
    /// The Fiks integration password (`IntegrasjonPassord`).
    pub integrasjon_passord: String,
    /// How many more integrasjoner the Fiks side accepts besides the default one:
    /// [`crate::mock_integrasjon`]`(1)` … `(extra_integrasjoner)`, the first three of them named
    /// `kommune-1` … `kommune-3` in the mock's `fiks.toml`. More can be registered at run time
    /// ([`crate::MockServer::register_integrasjon`], `POST /_mock/integrasjoner`).
    pub extra_integrasjoner: usize,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Port on 127.0.0.1 of the SvarUt stand-in (the Fiks API under `/svarut`, nothing else);
    /// 0 picks a free one.
    pub svarut_port: u16,
    /// Serve HTTPS (certificate for `localhost` and 127.0.0.1 from the mock CA).
    pub tls: bool,
    /// The ID-porten person token the Fiks side accepts instead of a Maskinporten token.
    pub person_token: String,
    /// More ID-porten person tokens the Fiks side accepts (one per citizen, say). More can be
    /// registered at run time ([`crate::MockServer::register_person_token`],
    /// `POST /_mock/person-tokens`).
    pub person_tokens: Vec<String>,
    /// Seconds the mock's clock is ahead of the wall clock (negative: behind); default 0. Grants
    /// are checked against the mock's clock (`iat`, `exp`, the certificate's validity) and every
    /// answer's `Date` header shows it, as a Maskinporten whose clock differs from the client's
    /// would. Change it later with [`crate::MockServer::set_clock_offset`] or
    /// `POST /_mock/clock`.
    pub clock_offset_secs: i64,
    /// The PKI to trust; `None` generates one.
    pub pki: Option<Pki>,
}

impl Default for MockOptions {
    fn default() -> Self {
        Self {
            issuer: DEFAULT_ISSUER.to_string(),
            client_orgnr: None,
            allowed_scopes: ["ks:fiks", "ks:fiks:test", "difitest:test2"].map(String::from).to_vec(),
            token_lifetime_secs: 120,
            integrasjon_id: DEFAULT_INTEGRASJON_ID.to_string(),
            integrasjon_passord: DEFAULT_INTEGRASJON_PASSORD.to_string(),
            extra_integrasjoner: 100,
            port: 0,
            svarut_port: 0,
            tls: false,
            person_token: DEFAULT_PERSON_TOKEN.to_string(),
            person_tokens: Vec::new(),
            clock_offset_secs: 0,
            pki: None,
        }
    }
}

impl fmt::Debug for MockOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockOptions")
            .field("issuer", &self.issuer)
            .field("client_orgnr", &self.client_orgnr)
            .field("allowed_scopes", &self.allowed_scopes)
            .field("token_lifetime_secs", &self.token_lifetime_secs)
            .field("integrasjon_id", &self.integrasjon_id)
            .field("integrasjon_passord", &"<redacted>")
            .field("extra_integrasjoner", &self.extra_integrasjoner)
            .field("port", &self.port)
            .field("svarut_port", &self.svarut_port)
            .field("tls", &self.tls)
            .field("person_token", &"<redacted>")
            .field("person_tokens", &format_args!("<{} redacted>", self.person_tokens.len()))
            .field("clock_offset_secs", &self.clock_offset_secs)
            .field("pki", &self.pki)
            .finish()
    }
}
