//! `headers [--integrasjon NAME] [--service NAME]`: prints the three Fiks headers, ready for curl (`-H @-`) or
//! httpie.

use crate::args::{Global, HeadersArgs};
use crate::failure::Failure;
use crate::{client, output, settings};

/// Gets a token and prints `Authorization`, `IntegrasjonId` and `IntegrasjonPassord` (of the
/// `[integrasjoner.NAME]` table with `--integrasjon NAME`).
pub fn run(global: &Global, args: &HeadersArgs) -> Result<(), Failure> {
    let loaded = settings::load(global)?;
    let config = loaded.build()?;
    if args.integrasjon.is_none() && config.integrasjon_id().is_none() {
        return Err(Failure::usage(
            "`integrasjon_id` and `integrasjon_passord` are not set: the Fiks headers need them",
            "set both (from Fiks-konfigurasjon) in the config file or as FIKS_INTEGRASJON_ID / FIKS_INTEGRASJON_PASSORD",
        ));
    }
    let client = client::speaker(config, args.integrasjon.as_deref())?;
    if let Some(service) = &args.service {
        client.async_client().origins().service(service)?;
    }
    let headers = client.headers()?;
    let text = if args.json {
        let map: serde_json::Map<String, serde_json::Value> =
            headers.iter().map(|(name, value)| (name.to_string(), serde_json::Value::from(value))).collect();
        format!("{}\n", serde_json::Value::Object(map))
    } else {
        headers.iter().map(|(name, value)| format!("{name}: {value}\n")).collect()
    };
    output::write_stdout(text.as_bytes())
}
