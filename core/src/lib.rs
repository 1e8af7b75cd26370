//! # fiks-integrasjon
//!
//! Act as an *integrasjon* on the KS Fiks-platform: get Maskinporten access tokens with a
//! virksomhetssertifikat, keep them cached and fresh, add the Fiks headers
//! (`Authorization: Bearer`, `IntegrasjonId`, `IntegrasjonPassord`), call Fiks REST APIs and
//! turn their error bodies into typed errors.
//!
//! The core is async ([`Client`]); [`blocking::Client`] is a facade that owns its runtime, for
//! synchronous programs and for the C, Python and .NET bindings.
//!
//! ```no_run
//! use fiks_integrasjon::{blocking, Config, Environment, FiksRequest};
//! let config = Config::builder()
//!     .environment(Environment::Test)
//!     .issuer("min-maskinporten-klient")
//!     .certificate("virksomhet.p12")
//!     .certificate_password("hemmelig")
//!     .integrasjon("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "integrasjon-passord")
//!     .build()?;
//! let client = blocking::Client::new(config)?;
//! let sok = FiksRequest::post("/innsyn-sok/api/v1/sok").json(&serde_json::json!({"sok": "byggesak"}))?;
//! match client.request(sok) {
//!     Ok(answer) => println!("{}", answer.text()),
//!     Err(fiks_integrasjon::Error::Api(e)) => eprintln!("Fiks said {} (errorId {:?})", e.status, e.error_id()),
//!     Err(e) => return Err(e),
//! }
//! # Ok::<(), fiks_integrasjon::Error>(())
//! ```
// No unsafe code, but for the few signal-mask calls of `signals` (allowed there alone).
#![deny(unsafe_code)]
#![warn(missing_docs)]

pub mod authorization_details;
pub mod blocking;
mod cache;
mod client;
#[cfg(feature = "test-clock")]
pub mod clock;
#[cfg(not(feature = "test-clock"))]
mod clock;
pub mod config;
pub mod credentials;
mod der;
pub mod discovery;
mod disk_cache;
mod error;
mod fiks_call;
mod fiks_error;
pub mod grant;
mod headers;
mod jwk;
pub mod log;
pub mod multipart;
mod origin;
pub mod request;
pub mod retry;
#[allow(unsafe_code)]
mod signals;
pub mod signer;
mod skew;
mod speaker;
pub mod token;
mod transport;

pub use authorization_details::AuthorizationDetails;
pub use client::{Client, ClientStats, FiksIoCredentials};
pub use config::{
    AuthMode, CertificateSource, Config, ConfigBuilder, Environment, NamedIntegrasjon, PersonTokenProvider,
};
pub use credentials::{CertificateInfo, Credentials, KeyInfo};
pub use error::{
    ApiError, CertificateProblem, Error, ErrorKind, ResponseHeaders, Result, TokenError, TransportProblem,
};
pub use fiks_error::{FiksErrorBody, error_from_body, parse_fiks_error};
pub use grant::{Grant, TokenRequest};
pub use headers::FiksHeaders;
pub use multipart::Part;
pub use origin::FiksOrigins;
pub use request::{FiksRequest, FiksResponse, Method};
pub use signer::Signer;
pub use token::Token;
pub use transport::{MAX_ERROR_BODY_BYTES, MAX_TOKEN_ANSWER_BYTES, USER_AGENT};

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
