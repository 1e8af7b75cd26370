//! `token`: prints the access token (or its JSON description).

use fiks_integrasjon::{TokenRequest, blocking};

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
    // Per-request options: checked by the core as the configuration keys of the same names.
    let mut request = TokenRequest::from_config(client.config());
    let resource = args.resource.join(" ");
    let options = [
        ("consumer_org", args.consumer_org.as_deref()),
        ("pid", args.pid.as_deref()),
        ("resource", (!args.resource.is_empty()).then_some(resource.as_str())),
        ("authorization_details", args.authorization_details.as_deref()),
    ];
    for (option, value) in options {
        if let Some(v) = value {
            request.set(option, v)?;
        }
    }
    let token = client.token_for(&request)?;
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
