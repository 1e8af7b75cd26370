//! `cert-info`: describes the configured certificate and judges it, even when it is expired or
//! its key does not match (it reports first, then exits 3).

use std::time::SystemTime;

use fiks_integrasjon::credentials::format_time;
use fiks_integrasjon::{CertificateInfo, Error, KeyInfo};

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
        return key_only(creds.key_info(), &verdict, args.json);
    };
    let now = SystemTime::now();
    let warnings = warnings(info, &verdict, now);
    if args.json {
        let value = json(info, &verdict, &warnings, preset, now);
        output::write_stdout(format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()).as_bytes())?;
    } else {
        output::print_lines(&lines(info, &verdict, now))?;
    }
    // The problem that makes the certificate unusable is said once, as the error.
    let cause = verdict.as_ref().err().and_then(Error::problem);
    for w in warnings.iter().filter(|w| Some(w.code) != cause) {
        output::warn(&w.message);
    }
    match verdict {
        Ok(()) => Ok(()),
        Err(e) => {
            let f = Failure::from(e);
            Err(Failure::with_code(EXIT_CERTIFICATE, f.message, f.hint))
        }
    }
}

/// No certificate, only a key: what its file says about it (a JWK's `kid` and one-year end).
fn key_only(key: Option<&KeyInfo>, verdict: &Result<(), Error>, json: bool) -> Result<(), Failure> {
    let now = SystemTime::now();
    let Some(k) = key else {
        let text = "no certificate: only `private_key` (with `key_id`) is configured, so there is nothing to describe";
        if json {
            return output::write_stdout(format!("{}\n", serde_json::json!({"certificate": null})).as_bytes());
        }
        return output::print_lines(&[text.to_string()]);
    };
    let left = k.expires_at.map(|t| seconds_between(now, t));
    let warning = match left {
        Some(l) if l < 0 => {
            Some(("key_expired", format!("the key expired {}: register a new key at Maskinporten", ago(-l))))
        }
        Some(l) if l < WARN_DAYS * DAY => Some((
            "key_expires_soon",
            format!("the key registered at Maskinporten expires in {}: register a new one now", span(l)),
        )),
        _ => None,
    };
    if json {
        let value = serde_json::json!({
            "certificate": null,
            "key": {
                "format": k.format,
                "kid": k.kid,
                "expires_at": k.expires_at.map(format_time),
                "days_left": left.map(whole_days),
            },
            "ok": verdict.is_ok(),
            "problem": verdict.as_ref().err().map(ToString::to_string),
            "warning_codes": warning.iter().map(|w| w.0).collect::<Vec<_>>(),
        });
        output::write_stdout(format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default()).as_bytes())?;
    } else {
        let w = 12;
        let expiry = match (k.expires_at, left) {
            (Some(t), Some(l)) if l < WARN_DAYS * DAY => {
                format!("{WARN}{}{WARN:#} ({})", format_time(t), span(l.max(0)))
            }
            (Some(t), Some(l)) => format!("{} ({} days left)", format_time(t), whole_days(l)),
            _ => "not stated in the file (keys registered at Maskinporten live one year)".to_string(),
        };
        output::print_lines(&[
            format!("{HEADING}Key{HEADING:#} (no certificate: the grant carries `kid`)"),
            output::row("  ", "format", w, k.format),
            output::row("  ", "kid", w, k.kid.as_deref().unwrap_or("(none: set `key_id`)")),
            output::row("  ", "expires", w, &expiry),
        ])?;
    }
    if let Some((_, message)) = &warning
        && verdict.is_ok()
    {
        output::warn(message);
    }
    match verdict {
        Ok(()) => Ok(()),
        Err(e) => {
            let f = Failure::from(e.clone());
            Err(Failure::with_code(EXIT_CERTIFICATE, f.message, f.hint))
        }
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// Something about a certificate worth a warning: a stable code for programs, and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// `expired`, `not_yet_valid`, `expires_soon`, `key_mismatch` or `self_signed`.
    pub code: &'static str,
    /// The sentence shown after `warning:` (text output) or in `warnings` (JSON).
    pub message: String,
}

/// Every warning the text output shows, the same list for the JSON. A problem that makes the
/// certificate unusable is a warning too (the JSON has no other place for it besides `problem`);
/// the text output then says it once, as the error, rather than also as a warning.
fn warnings(info: &CertificateInfo, verdict: &Result<(), Error>, now: SystemTime) -> Vec<Warning> {
    let left = seconds_between(now, info.not_after);
    let mut out = Vec::new();
    let mut put = |code, message: String| out.push(Warning { code, message });
    if !info.key_matches {
        put("key_mismatch", "the private key does not belong to the certificate".to_string());
    }
    if left < 0 {
        put("expired", format!("the certificate expired {}: order a new virksomhetssertifikat", ago(-left)));
    } else if now < info.not_before {
        let until = seconds_between(now, info.not_before);
        put("not_yet_valid", format!("the certificate is not valid yet: it becomes valid in {}", span(until)));
    } else if left < WARN_DAYS * DAY {
        put(
            "expires_soon",
            format!("the certificate expires in {}: order a new virksomhetssertifikat now", span(left)),
        );
    }
    if info.self_signed {
        let why = if verdict.is_ok() {
            " (accepted here only because no `environment` preset is set, as for a local mock)"
        } else {
            ""
        };
        put("self_signed", format!("the certificate is self-signed: Maskinporten rejects it{why}"));
    }
    out
}

const DAY: i64 = 86_400;

/// `b - a` in whole seconds (negative when `b` is earlier).
fn seconds_between(a: SystemTime, b: SystemTime) -> i64 {
    match b.duration_since(a) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// Whole days in a signed span, toward zero: a certificate that expired 25 hours ago has -1.
fn whole_days(seconds: i64) -> i64 {
    seconds / DAY
}

/// A span for people, in whole units counted down (never rounded up): `3 days`, `1 day`,
/// `5 hours` under a day, `12 minutes` under an hour, `less than a minute`.
fn span(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if s >= DAY as u64 {
        plural(s / DAY as u64, "day")
    } else if s >= 3_600 {
        plural(s / 3_600, "hour")
    } else if s >= 60 {
        plural(s / 60, "minute")
    } else {
        "less than a minute".to_string()
    }
}

/// `3 days ago`, `1 day ago`, `5 hours ago`, or `less than a minute ago`.
fn ago(seconds: i64) -> String {
    format!("{} ago", span(seconds))
}

fn lines(info: &CertificateInfo, verdict: &Result<(), Error>, now: SystemTime) -> Vec<String> {
    let left = seconds_between(now, info.not_after);
    let w = 12;
    let days_text = if left < 0 {
        format!("{BAD}expired {}{BAD:#}", ago(-left))
    } else if now < info.not_before {
        format!("{BAD}not valid yet (in {}){BAD:#}", span(seconds_between(now, info.not_before)))
    } else if left < WARN_DAYS * DAY {
        format!("{WARN}{}{WARN:#}", expires_in(left))
    } else {
        expires_in(left)
    };
    let key = if info.key_matches { yes_no(true).to_string() } else { format!("{BAD}no{BAD:#}") };
    let self_signed = if info.self_signed {
        format!("{WARN}yes{WARN:#} (Maskinporten rejects self-signed certificates)")
    } else {
        "no".to_string()
    };
    let status = match verdict {
        Ok(()) if left < WARN_DAYS * DAY => format!("{WARN}usable, but expires soon{WARN:#}"),
        Ok(()) => format!("{GOOD}ok{GOOD:#}"),
        Err(_) => format!("{BAD}not usable{BAD:#}"),
    };
    vec![
        format!("{HEADING}Certificate{HEADING:#}"),
        output::row("  ", "subject", w, &info.subject),
        output::row(
            "  ",
            "orgnr",
            w,
            info.orgnr.as_deref().unwrap_or("(none: no Norwegian orgnr in the subject, as in an EU eSeal or another issuer's certificate; Maskinporten must have it registered)"),
        ),
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

/// `412 (expires in 412 days)`, `9 (expires in 9 days)`, `0 (expires in 5 hours)`: the whole
/// days first, as before, then the span in words.
fn expires_in(left: i64) -> String {
    format!("{} (expires in {})", whole_days(left), span(left))
}

fn json(
    info: &CertificateInfo,
    verdict: &Result<(), Error>,
    warnings: &[Warning],
    preset: bool,
    now: SystemTime,
) -> serde_json::Value {
    let left = seconds_between(now, info.not_after);
    serde_json::json!({
        "subject": info.subject,
        "orgnr": info.orgnr,
        "norwegian_orgnr": info.orgnr.is_some(),
        "issuer": info.issuer,
        "serial": info.serial,
        "not_before": format_time(info.not_before),
        "not_after": format_time(info.not_after),
        "days_left": whole_days(left),
        "seconds_left": left,
        "valid_now": now >= info.not_before && now <= info.not_after,
        "chain_len": info.chain_len,
        "key_matches": info.key_matches,
        "self_signed": info.self_signed,
        "environment_preset": preset,
        "ok": verdict.is_ok(),
        "problem": verdict.as_ref().err().map(ToString::to_string),
        "problem_code": verdict.as_ref().err().and_then(Error::problem),
        "warnings": warnings.iter().map(|w| w.message.clone()).collect::<Vec<_>>(),
        "warning_codes": warnings.iter().map(|w| w.code).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_count_whole_units_down() {
        assert_eq!(ago(DAY + 30), "1 day ago", "about 24 hours ago is one day, not two");
        assert_eq!(ago(2 * DAY - 1), "1 day ago");
        assert_eq!(ago(3 * DAY + 5), "3 days ago");
        assert_eq!(ago(DAY - 1), "23 hours ago");
        assert_eq!(ago(3_600), "1 hour ago");
        assert_eq!(ago(125), "2 minutes ago");
        assert_eq!(ago(5), "less than a minute ago");
        assert_eq!(span(10 * DAY - 3), "9 days");
        assert_eq!(whole_days(-(DAY + 30)), -1);
        assert_eq!(whole_days(-(DAY - 1)), 0);
        assert_eq!(whole_days(10 * DAY - 3), 9);
    }
}
