//! Terminal output: styles, aligned key/value rows, durations, and writing secrets raw.
//!
//! Styled text goes through `anstream`, which drops the colours when the stream is not a
//! terminal, when `NO_COLOR` is set, or when `TERM=dumb` (and keeps them with `CLICOLOR_FORCE`).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use fiks_integrasjon::ApiError;

use crate::failure::{Failure, api_rows};

/// Section headings.
pub const HEADING: Style = Style::new().bold();
/// Keys of key/value rows.
pub const KEY: Style = Style::new().dimmed();
/// Things that went as they should.
pub const GOOD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green))).bold();
/// Warnings.
pub const WARN: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow))).bold();
/// Errors.
pub const BAD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red))).bold();
/// The `hint:` label.
pub const HINT: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan))).bold();
/// Values worth noticing (the errorId, URLs).
pub const ACCENT: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));

/// `key  value` with the key padded to `width`, after `indent`.
pub fn row(indent: &str, key: &str, width: usize, value: &str) -> String {
    format!("{indent}{KEY}{key:<width$}{KEY:#}  {value}")
}

/// The lines that show a Fiks error answer: aligned fields (keys at least `min_width` wide),
/// `errorId` last and highlighted.
pub fn api_error_lines(api: &ApiError, indent: &str, min_width: usize) -> Vec<String> {
    let rows = api_rows(api);
    let width = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0).max(min_width);
    rows.iter()
        .map(|(k, v)| {
            if *k == "errorId" {
                format!(
                    "{indent}{ACCENT}{k:<width$}{ACCENT:#}  {ACCENT}{v}{ACCENT:#}  {WARN}← quote this errorId to KS support{WARN:#}"
                )
            } else {
                row(indent, k, width, v)
            }
        })
        .collect()
}

/// Prints `error: …`, the Fiks error's fields when there are any, and `hint: …` on stderr.
pub fn report(f: &Failure) {
    let (err, hint) = (BAD, HINT);
    let mut e = anstream::stderr().lock();
    let _ = writeln!(e, "{err}error:{err:#} {}", f.message);
    if let Some(api) = f.api() {
        for line in api_error_lines(api, "  ", 0) {
            let _ = writeln!(e, "{line}");
        }
    }
    let _ = writeln!(e, "{hint}hint:{hint:#} {}", f.hint);
}

/// A duration for people: `850 ns`, `3.2 µs`, `41.7 ms`, `1.25 s`.
pub fn duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns < 1_000 {
        format!("{ns} ns")
    } else if ns < 1_000_000 {
        format!("{:.1} µs", ns as f64 / 1e3)
    } else if ns < 1_000_000_000 {
        format!("{:.1} ms", ns as f64 / 1e6)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// Whether stdout is a terminal.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// Writes bytes to stdout unstyled (tokens, headers, answer bodies). A closed pipe
/// (`| head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::usage(format!("cannot write to stdout: {e}"), "check where stdout is redirected")),
    }
}

/// Writes styled lines to stdout through `anstream` (colours dropped where they do not belong).
pub fn print_lines(lines: &[String]) -> Result<(), Failure> {
    let mut out = anstream::stdout().lock();
    for line in lines {
        if let Err(e) = writeln!(out, "{line}") {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(Failure::usage(format!("cannot write to stdout: {e}"), "check where stdout is redirected"));
        }
    }
    Ok(())
}

/// Prints `note: …` on stderr.
pub fn note(message: &str) {
    let mut e = anstream::stderr().lock();
    let _ = writeln!(e, "{HINT}note:{HINT:#} {message}");
}

/// Prints `warning: …` on stderr.
pub fn warn(message: &str) {
    let mut e = anstream::stderr().lock();
    let _ = writeln!(e, "{WARN}warning:{WARN:#} {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(Duration::from_nanos(850)), "850 ns");
        assert_eq!(duration(Duration::from_nanos(3_240)), "3.2 µs");
        assert_eq!(duration(Duration::from_micros(41_700)), "41.7 ms");
        assert_eq!(duration(Duration::from_millis(1_250)), "1.25 s");
    }

    #[test]
    fn rows_align() {
        let plain = |s: String| anstream::adapter::strip_str(&s).to_string();
        assert_eq!(plain(row("  ", "orgnr", 8, "910000001")), "  orgnr     910000001");
    }
}
