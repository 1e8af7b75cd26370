//! Keys that never leave their store: the library builds the grant, and a `Signer` — here a
//! stand-in for an HSM, a smart card or a cloud KMS — signs it. The certificate is given as its
//! chain alone; the library never sees the private key.
//!
//! Run against the local mock: `cargo run -p fiks-integrasjon-examples --bin signer -- fiks.toml
//! chain.pem key.pem` (`fiks-integrasjon mock --dir DIR` writes them: `DIR/fiks.toml`,
//! `DIR/chain.pem`, `DIR/key.pem`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use fiks_integrasjon::signer::{RsaKeySigner, Signer, SignerError};
use fiks_integrasjon::{Config, Error, TokenRequest, blocking};

/// The key store: it signs, and counts what it was asked to sign.
struct KeyStore {
    key: RsaKeySigner,
    signatures: AtomicUsize,
}

impl Signer for KeyStore {
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, SignerError> {
        self.signatures.fetch_add(1, Ordering::Relaxed);
        // A real store is called here: PKCS#11 C_Sign, CNG NCryptSignHash, KMS Sign (RSASSA_PKCS1_V1_5_SHA_256).
        self.key.sign(signing_input)
    }
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let (config, chain, key) = (args.next(), args.next(), args.next());
    let (Some(config), Some(chain), Some(key)) = (config, chain, key) else {
        eprintln!("usage: signer fiks.toml chain.pem key.pem");
        std::process::exit(2);
    };
    let pem = std::fs::read(&key).unwrap_or_else(|e| {
        eprintln!("{key}: {e}");
        std::process::exit(2);
    });
    let store = Arc::new(KeyStore { key: RsaKeySigner::from_pem(&pem)?, signatures: AtomicUsize::new(0) });

    let mut builder = Config::builder();
    builder.load_file(&config)?;
    builder.unset("certificate_password")?;
    builder.set("certificate", &chain)?; // the chain alone: no key
    builder.set_signer(store.clone());
    let client = blocking::Client::new(builder.build()?)?;

    let token = client.token()?;
    println!("token: {} (signed by the key store)", token.abbreviated());

    // A token for another organisation (delegation): its own grant, its own cache entry.
    let mut delegated = TokenRequest::from_config(client.config());
    delegated.set("consumer_org", "910000002")?;
    println!("delegated token: {}", client.token_for(&delegated)?.abbreviated());
    assert_eq!(store.signatures.load(Ordering::Relaxed), 2, "one signature per token");
    println!("the key store signed {} grants", store.signatures.load(Ordering::Relaxed));
    Ok(())
}
