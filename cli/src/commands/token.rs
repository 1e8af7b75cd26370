//! `token`: prints the access token (or its JSON description).

use fiks_integrasjon::blocking;

use crate::args::{Global, TokenArgs};
use crate::failure::Failure;
use crate::{output, settings};

/// Gets a token for the configured scopes (or `--scope`s) and prints it.
pub fn run(global: &Global, args: &TokenArgs) -> Result<(), Failure> {
    let mut loaded = settings::load(global)?;
    if !args.scopes.is_empty() {
        loaded.builder.set("scopes", &args.scopes.join(" "))?;
    }
    let client = blocking::Client::new(loaded.build()?)?;
    let token = client.token()?;
    let text = if args.json {
        let value = serde_json::json!({
            "access_token": token.access_token(),
            "token_type": token.token_type,
            "expires_in": token.expires_in,
            "scope": token.scope,
        });
        value.to_string()
    } else {
        token.access_token().to_string()
    };
    output::write_stdout(format!("{text}\n").as_bytes())
}
