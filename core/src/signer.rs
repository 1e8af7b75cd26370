//! External signers: keys that never leave their store.
//!
//! Enterprise certificates often sit where their private key cannot be read: the Windows
//! certificate store (non-exportable), a smart card or HSM, Azure Key Vault or AWS KMS. With a
//! [`Signer`] the library builds the grant and the caller's signer produces its RS256 signature
//! (RSASSA-PKCS1-v1_5 with SHA-256) over the JWS signing input. The certificate chain (for
//! `x5c`) is given without its key as `certificate`, or the registered key's `key_id` is sent.
//!
//! The signer is called on a blocking-capable thread of the library's runtime, never on an
//! async worker, and each call is bounded by `timeout_seconds`: a signer that hangs fails the
//! token request with [`crate::CertificateProblem::Signer`] instead of hanging it. Until one of
//! its signatures has verified with the certificate's public key, each is checked: one that does
//! not is refused with the same problem (the signer holds another key). After that Maskinporten
//! checks them (`MP-124`).
//!
//! ```
//! use std::sync::Arc;
//! use fiks_integrasjon::{Config, Environment, signer::{Signer, SignerError}};
//!
//! /// A signer that asks a key store (here it only refuses).
//! struct Hsm;
//! impl Signer for Hsm {
//!     fn sign(&self, _signing_input: &[u8]) -> Result<Vec<u8>, SignerError> {
//!         Err("the HSM is offline".into())
//!     }
//! }
//! let config = Config::builder()
//!     .environment(Environment::Test)
//!     .issuer("klient")
//!     .key_id("min-nokkel")
//!     .signer(Arc::new(Hsm))
//!     .build()
//!     .unwrap();
//! assert!(config.signer().is_some());
//! ```

use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

/// What a signer's failure carries: any error (its `Display` becomes the message).
pub type SignerError = Box<dyn std::error::Error + Send + Sync>;

/// Signs a grant's JWS signing input with a key the library never sees.
pub trait Signer: Send + Sync {
    /// The JWS `alg`. Maskinporten grants from this library are `RS256`; other values are
    /// refused when the client is built.
    fn algorithm(&self) -> &str {
        "RS256"
    }

    /// The RSASSA-PKCS1-v1_5 SHA-256 signature of `signing_input` (the ASCII bytes
    /// `base64url(header) "." base64url(claims)`), as raw bytes (as long as the key's modulus).
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignerError>;
}

/// A [`Signer`] over an RSA key held in memory: what the built-in path does, as a signer (for
/// tests and benchmarks, or a key the program decrypts itself). `Debug` hides the key.
pub struct RsaKeySigner {
    key: RsaKeyPair,
    rng: SystemRandom,
}

impl RsaKeySigner {
    /// From a PKCS#8 DER private key.
    pub fn from_pkcs8(der: &[u8]) -> crate::Result<RsaKeySigner> {
        RsaKeyPair::from_pkcs8(der)
            .map(|key| RsaKeySigner { key, rng: SystemRandom::new() })
            .map_err(|_| crate::Error::cert(crate::CertificateProblem::UnsupportedKey, "not a usable RSA PKCS#8 key"))
    }

    /// From PEM text holding a private key (PKCS#8 or PKCS#1).
    pub fn from_pem(pem: &[u8]) -> crate::Result<RsaKeySigner> {
        let pkcs8 = crate::credentials::pem_private_key_pkcs8(pem)?;
        Self::from_pkcs8(&pkcs8)
    }
}

impl fmt::Debug for RsaKeySigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaKeySigner").field("key", &"<redacted>").finish()
    }
}

impl Signer for RsaKeySigner {
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignerError> {
        let mut signature = vec![0u8; self.key.public_modulus_len()];
        self.key.sign(&RSA_PKCS1_SHA256, &self.rng, signing_input, &mut signature).map_err(|e| e.to_string())?;
        Ok(signature)
    }
}
