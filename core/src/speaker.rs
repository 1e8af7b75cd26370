//! Who a client speaks as: its integrasjon and where its `Authorization` comes from.
//!
//! One [`crate::Client`] holds one Maskinporten identity (signer, token cache, HTTP pool,
//! runtime). A *derived* client shares all of that and differs only in its [`Speaker`]: another
//! integrasjon (`for_integrasjon`), or a citizen's ID-porten token (`as_person`). A speaker is
//! immutable once built, so derived clients for different citizens used from many threads can
//! never mix their tokens: each request reads the headers of the client it was sent through.

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use secrecy::{ExposeSecret, SecretString};

use crate::cache::{DerivedHeaders, Entry};
use crate::config::{AuthMode, Config, PersonTokenProvider};
use crate::error::{Error, Result};
use crate::headers::FiksHeaders;
use crate::token::Token;

/// An integrasjon's id and password. `Debug` hides the password.
#[derive(Clone)]
pub(crate) struct Integrasjon {
    pub(crate) id: String,
    pub(crate) passord: SecretString,
}

/// Where the `Authorization` of a speaker comes from.
#[derive(Clone)]
pub(crate) enum Auth {
    /// The client's Maskinporten token (shared by every integrasjon of the client).
    Maskinporten,
    /// A citizen's token, fixed: the headers are built once.
    Person { token: Arc<Token>, headers: Option<Arc<FiksHeaders>> },
    /// A citizen's token from a callback, each time.
    Provider(PersonTokenProvider),
}

/// Who a client speaks as.
pub(crate) struct Speaker {
    pub(crate) integrasjon: Option<Integrasjon>,
    pub(crate) auth: Auth,
    /// The client built from the configuration: its headers live in the cache entry itself.
    pub(crate) root: bool,
    /// A derived Maskinporten speaker's slot in each entry's [`crate::cache::DerivedHeaders`].
    slot: Option<usize>,
    /// A derived Maskinporten speaker's headers for the token they were built from.
    built: ArcSwapOption<(Arc<Token>, Arc<FiksHeaders>)>,
}

impl Speaker {
    /// The speaker of a client built from `config`.
    pub(crate) fn root(config: &Config) -> Speaker {
        let integrasjon = match (&config.integrasjon_id, &config.integrasjon_passord) {
            (Some(id), Some(pw)) => Some(Integrasjon { id: id.clone(), passord: pw.clone() }),
            _ => None,
        };
        let auth = match config.auth_mode() {
            AuthMode::Maskinporten => Auth::Maskinporten,
            AuthMode::PersonToken(t) => person(t.expose_secret(), integrasjon.as_ref()),
            AuthMode::PersonTokenProvider(p) => Auth::Provider(p.clone()),
        };
        Speaker { integrasjon, auth, root: true, slot: None, built: ArcSwapOption::empty() }
    }

    /// The same speaker with another integrasjon (a citizen's token is kept).
    pub(crate) fn with_integrasjon(&self, id: &str, passord: &str, slot: usize) -> Result<Speaker> {
        crate::config::check_integrasjon("integrasjon_id", id, passord)?;
        let integrasjon = Integrasjon { id: id.to_string(), passord: SecretString::from(passord.to_string()) };
        let auth = match &self.auth {
            Auth::Person { token, .. } => person(token.access_token(), Some(&integrasjon)),
            other => other.clone(),
        };
        Ok(Speaker {
            integrasjon: Some(integrasjon),
            auth,
            root: false,
            slot: Some(slot),
            built: ArcSwapOption::empty(),
        })
    }

    /// The same integrasjon speaking for a citizen with this ID-porten token.
    pub(crate) fn as_person(&self, token: &str) -> Result<Speaker> {
        check_person_token(token)?;
        if self.integrasjon.is_none() {
            return Err(crate::client::missing_integrasjon());
        }
        Ok(Speaker {
            integrasjon: self.integrasjon.clone(),
            auth: person(token, self.integrasjon.as_ref()),
            root: false,
            slot: None,
            built: ArcSwapOption::empty(),
        })
    }

    /// Whether the `Authorization` is a citizen's token (fixed or from a callback).
    pub(crate) fn is_person(&self) -> bool {
        !matches!(self.auth, Auth::Maskinporten)
    }

    /// The headers of this speaker for the token of `entry`: the root's from the entry, a
    /// derived speaker's from its slot there (built once per token), else its own cache.
    #[inline]
    pub(crate) fn headers_in(&self, entry: &Entry) -> Option<Arc<FiksHeaders>> {
        if self.root {
            return entry.headers.clone();
        }
        if let Some(slot) = self.slot
            && slot < DerivedHeaders::CAPACITY
        {
            return entry.derived.get_or_build(slot, || self.build(&entry.token));
        }
        self.headers_for_token(&entry.token)
    }

    fn build(&self, token: &Token) -> Option<Arc<FiksHeaders>> {
        let i = self.integrasjon.as_ref()?;
        Some(Arc::new(FiksHeaders::new(token.access_token(), &i.id, i.passord.expose_secret())))
    }

    /// The headers for the Maskinporten token `token`: built once per token and speaker.
    fn headers_for_token(&self, token: &Arc<Token>) -> Option<Arc<FiksHeaders>> {
        if let Some(b) = self.built.load().as_ref()
            && Arc::ptr_eq(&b.0, token)
        {
            return Some(b.1.clone());
        }
        let h = self.build(token)?;
        self.built.store(Some(Arc::new((token.clone(), h.clone()))));
        Some(h)
    }

    /// The headers for a citizen token from a callback.
    pub(crate) fn headers_with(&self, token: &str) -> Option<Arc<FiksHeaders>> {
        let i = self.integrasjon.as_ref()?;
        Some(Arc::new(FiksHeaders::new(token, &i.id, i.passord.expose_secret())))
    }
}

fn person(token: &str, integrasjon: Option<&Integrasjon>) -> Auth {
    Auth::Person {
        token: Arc::new(Token::new(token.to_string(), "Bearer".into(), 0, None)),
        headers: integrasjon.map(|i| Arc::new(FiksHeaders::new(token, &i.id, i.passord.expose_secret()))),
    }
}

/// The rule for a citizen's token, from configuration, a callback or `as_person`: not empty,
/// no spaces or control characters (it goes into one header value).
pub(crate) fn check_person_token(token: &str) -> Result<()> {
    if token.is_empty() || token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Error::config(Some("person_token".into()), "the person token is empty or malformed"));
    }
    Ok(())
}
