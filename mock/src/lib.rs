//! A strict local Maskinporten and KS Fiks REST API, with its own test PKI, for testing
//! `fiks-integrasjon` and its bindings.
//!
//! The mock is a real HTTP(S) server on 127.0.0.1. Its Maskinporten side (`POST /token`)
//! verifies JWT grants the way Maskinporten does — signature, `x5c` chain against the mock CA
//! or a registered `kid`, `aud` (trailing slash included), `iss`, orgnr, lifetime, `jti`
//! replay, scopes, unknown claims, `authorization_details` — and answers Maskinporten's OAuth
//! errors, on a clock that can run ahead of or behind the wall clock
//! ([`MockServer::set_clock_offset`]; every answer's `Date` header shows it). Its Fiks side
//! (under `/fiks`) checks the bearer token and the `IntegrasjonId`/`IntegrasjonPassord`
//! headers and answers errors in Fiks' JSON format. A second port stands in for SvarUt's host:
//! the same Fiks API under `/svarut` and nothing else. Both accept many integrasjoner (the
//! default one, [`mock_integrasjon`]`(1..=n)` and any registered at run time) and many citizens'
//! person tokens, and their echoes say who called (integrasjon, SHA-256 of the token, service).
//! Faults (5xx, 429 with `Retry-After`, delays, garbage, HTML from a proxy, dropped connections)
//! can be injected per side.
//!
//! It shares no protocol code with the client, so it cannot quietly accept the client's
//! mistakes.
//!
//! Rust test suites use the `testing` module (feature `testing`): a running mock with the
//! cached test PKI, its files and a ready `fiks.toml`, as one fixture.
//!
//! ```no_run
//! use fiks_integrasjon_mock::{Fault, FaultTarget, MockOptions, MockServer};
//!
//! let mock = MockServer::start_blocking(MockOptions::default())?;
//! let dir = std::env::temp_dir().join("fiks-mock-doc");
//! let files = mock.pki().write_to(&dir)?;
//! std::fs::write(dir.join("fiks.toml"), mock.config_toml(&files))?;
//! mock.push_fault(FaultTarget::Token, Fault::Status(503), 1);
//! // ... run the client against dir/fiks.toml ...
//! assert_eq!(mock.counters().tokens_issued, 0);
//! # Ok::<(), std::io::Error>(())
//! ```

#![warn(missing_docs)]

mod authorization_details;
mod body;
mod client_settings;
mod control;
mod counters;
mod echo;
mod faults;
mod fiks_api;
mod fiks_auth;
mod grant_check;
mod integrasjoner;
mod jwk;
mod maskinporten;
mod multipart_echo;
mod options;
mod pki;
mod respond;
mod router;
mod server;
mod service;
mod state;
#[cfg(feature = "testing")]
pub mod testing;
mod tokens;

pub use client_settings::{ClientSettings, NamedIntegrasjon};
pub use counters::{Counters, Rejection};
pub use faults::{Fault, FaultSpec, FaultTarget};
pub use fiks_auth::EXPECT_TOKEN_SHA256_HEADER;
pub use integrasjoner::{CONFIG_INTEGRASJONER, mock_integrasjon};
pub use options::{
    DEFAULT_INTEGRASJON_ID, DEFAULT_INTEGRASJON_PASSORD, DEFAULT_ISSUER, DEFAULT_PERSON_TOKEN, MockOptions,
};
pub use pki::{
    DEFAULT_KID, DEFAULT_ORGNR, DEFAULT_PASSWORD, ESEAL_ORGANIZATION_IDENTIFIER, LeafOptions, Pki, PkiError, PkiFiles,
    PkiOptions,
};
pub use server::MockServer;
