//! The client a command speaks through: the configured integrasjon, or with `--integrasjon
//! NAME` the one of the configuration's `[integrasjoner.NAME]` table (the core's
//! `for_integrasjon_named`; the same token, certificate and pool).

use fiks_integrasjon::{Config, blocking};

use crate::failure::Failure;

/// The hint of an unknown `--integrasjon` name (the core's message lists the names).
pub const INTEGRASJON_HINT: &str = "give a NAME of a `[integrasjoner.NAME]` table of the configuration, or add one with \
     `integrasjon_id` and `integrasjon_passord` (from Fiks-konfigurasjon)";

/// Builds the client and, for `Some(name)`, derives the named integrasjon's client from it.
///
/// ```text
/// speaker(config, None)            → the client of integrasjon_id/integrasjon_passord
/// speaker(config, Some("bergen"))  → the client of [integrasjoner.bergen]; unknown: exit 2
/// ```
pub fn speaker(config: Config, integrasjon: Option<&str>) -> Result<blocking::Client, Failure> {
    let client = blocking::Client::new(config)?;
    match integrasjon {
        None => Ok(client),
        Some(name) => client.for_integrasjon_named(name).map_err(|e| Failure::from(e).hinted(INTEGRASJON_HINT)),
    }
}
