//! Fetches a token, searches Fiks Innsyn, and shows a Fiks error — the Rust quickstart.
//!
//! Run against the local mock: `cargo run -p fiks-integrasjon-examples --bin sok -- fiks.toml`
//! (`fiks-integrasjon mock --dir DIR` writes a ready `DIR/fiks.toml`).

use fiks_integrasjon::{Config, Error, FiksRequest, blocking};
use serde_json::json;

fn main() -> Result<(), Error> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "fiks.toml".into());
    let client = blocking::Client::new(Config::from_file(&path)?)?;

    let token = client.token()?;
    println!("token: {} (valid {} s)", token.abbreviated(), token.expires_in);

    let sok = FiksRequest::post("/innsyn-sok/api/v1/sok").json(&json!({"sok": "byggesak"}))?;
    let answer: serde_json::Value = client.request(sok)?.json()?;
    println!("sok: {} treff", answer["resultater"].as_array().map_or(0, Vec::len));

    match client.request(FiksRequest::get("/status/404")) {
        Err(Error::Api(e)) => println!("Fiks error {}: errorId {}", e.status, e.error_id().unwrap_or("-")),
        other => panic!("expected a Fiks error, got {other:?}"),
    }
    Ok(())
}
