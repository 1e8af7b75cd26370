//! `cert-info`: describes the configured certificate and judges it, even when it is expired or
//! its key does not match (it reports first, then exits 3).

use fiks_integrasjon::credentials::format_time;
use fiks_integrasjon::{CertificateInfo, Error};

use crate::args::{CertInfoArgs, Global};
use crate::failure::{EXIT_CERTIFICATE, Failure};
use crate::output::{self, BAD, GOOD, HEADING, WARN};
use crate::settings;

/// Days before expiry from which a warning is given.
pub const WARN_DAYS: i64 = 30;

/// Loads the certificate without judging it, prints what it is, then judges it.
pub fn run(global: &Global, args: &CertInfoArgs) -> Result<(), Failure> {
    let loaded = settings::load(global)?;
    let (creds, preset) = loaded.credentials()?;
    // The library logs its own 30-day warning; here the report says it once, itself.
    let verdict =
        tracing::subscriber::with_default(tracing::subscriber::NoSubscriber::default(), || creds.check(preset));
    let Some(info) = creds.info() else {
        let text = "no certificate: only `private_key` (with `key_id`) is configured, so there is nothing to describe";
        if args.json {
            return output::write_stdout(format!("{}\n", serde_json::json!({"certificate": null})).as_bytes());
        }
        return output::print_lines(&[text.to_string()]);
    };
    let mut warnings = Vec::new();
    let days = info.days_left();
    if verdict.is_ok() && days < WARN_DAYS {
        warnings.push(format!("the certificate expires in {days} days: order a new virksomhetssertifikat now"));
    }
    if verdict.is_ok() && info.self_signed {
        warnings.push(
            "the certificate is self-signed: Maskinporten rejects it (accepted here only because no `environment` \
             preset is set, as for a local mock)"
                .to_string(),
        );
    }
    if args.json {
        let value = json(info, &verdict, &warnings, preset);
        output::write_stdout(format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()).as_bytes())?;
    } else {
        output::print_lines(&lines(info, &verdict))?;
    }
    for w in &warnings {
        output::warn(w);
    }
    match verdict {
        Ok(()) => Ok(()),
        Err(e) => {
            let f = Failure::from(e);
            Err(Failure::with_code(EXIT_CERTIFICATE, f.message, f.hint))
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn lines(info: &CertificateInfo, verdict: &Result<(), Error>) -> Vec<String> {
    let days = info.days_left();
    let w = 12;
    let days_text = if days < 0 {
        format!("{BAD}expired {} days ago{BAD:#}", -days)
    } else if !info.is_valid_now() {
        format!("{BAD}not valid yet{BAD:#}")
    } else if days < WARN_DAYS {
        format!("{WARN}{days}{WARN:#}")
    } else {
        days.to_string()
    };
    let key = if info.key_matches { yes_no(true).to_string() } else { format!("{BAD}no{BAD:#}") };
    let self_signed = if info.self_signed {
        format!("{WARN}yes{WARN:#} (Maskinporten rejects self-signed certificates)")
    } else {
        "no".to_string()
    };
    let status = match verdict {
        Ok(()) if days < WARN_DAYS => format!("{WARN}usable, but expires soon{WARN:#}"),
        Ok(()) => format!("{GOOD}ok{GOOD:#}"),
        Err(_) => format!("{BAD}not usable{BAD:#}"),
    };
    vec![
        format!("{HEADING}Certificate{HEADING:#}"),
        output::row("  ", "subject", w, &info.subject),
        output::row("  ", "orgnr", w, info.orgnr.as_deref().unwrap_or("(none in the subject)")),
        output::row("  ", "issuer", w, &info.issuer),
        output::row("  ", "serial", w, &info.serial),
        output::row("  ", "valid from", w, &format_time(info.not_before)),
        output::row("  ", "valid to", w, &format_time(info.not_after)),
        output::row("  ", "days left", w, &days_text),
        output::row("  ", "chain", w, &format!("{} certificate(s) in the file", info.chain_len)),
        output::row("  ", "key matches", w, &key),
        output::row("  ", "self-signed", w, &self_signed),
        output::row("  ", "status", w, &status),
    ]
}

fn json(info: &CertificateInfo, verdict: &Result<(), Error>, warnings: &[String], preset: bool) -> serde_json::Value {
    serde_json::json!({
        "subject": info.subject,
        "orgnr": info.orgnr,
        "issuer": info.issuer,
        "serial": info.serial,
        "not_before": format_time(info.not_before),
        "not_after": format_time(info.not_after),
        "days_left": info.days_left(),
        "valid_now": info.is_valid_now(),
        "chain_len": info.chain_len,
        "key_matches": info.key_matches,
        "self_signed": info.self_signed,
        "environment_preset": preset,
        "ok": verdict.is_ok(),
        "problem": verdict.as_ref().err().map(ToString::to_string),
        "warnings": warnings,
    })
}
