//! Logs on stderr through `tracing`: `-v` info, `-vv` debug, `-vvv` trace; without `-v`,
//! `RUST_LOG` (EnvFilter syntax) when set, else warnings only.

use tracing_subscriber::EnvFilter;

/// The filter for a verbosity count and an optional `RUST_LOG` value.
pub fn filter(verbose: u8, rust_log: Option<&str>) -> EnvFilter {
    let level = match verbose {
        0 => None,
        1 => Some("info"),
        2 => Some("debug"),
        _ => Some("trace"),
    };
    match (level, rust_log.map(str::trim).filter(|s| !s.is_empty())) {
        (Some(level), _) => EnvFilter::new(level),
        (None, Some(spec)) => EnvFilter::builder().parse_lossy(spec),
        (None, None) => EnvFilter::new("warn"),
    }
}

/// Installs the stderr subscriber; colours follow the same rules as the rest of the output.
pub fn init(verbose: u8) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let ansi = anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never;
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter(verbose, rust_log.as_deref()))
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .with_target(verbose >= 2)
        .without_time()
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_wins_over_rust_log() {
        assert_eq!(filter(0, None).to_string(), "warn");
        assert_eq!(filter(0, Some("fiks_integrasjon=debug")).to_string(), "fiks_integrasjon=debug");
        assert_eq!(filter(1, Some("error")).to_string(), "info");
        assert_eq!(filter(2, None).to_string(), "debug");
        assert_eq!(filter(5, None).to_string(), "trace");
    }
}
