//! Logs on stderr through `tracing`.
//!
//! | flags | what is shown |
//! |---|---|
//! | none | warnings and errors (or `RUST_LOG` alone, when set) |
//! | `-v` | also the library's INFO events: each token fetched, each retry, each final failure |
//! | `-vv` | also the library's DEBUG events (each exchange); not the HTTP stack's (hyper, reqwest, rustls, h2) |
//! | `-vvv` | everything, at TRACE, the HTTP stack included |
//!
//! "The library" is every target starting with `fiks_integrasjon` (the core, this command and
//! the mock; [`fiks_integrasjon::log::is_library_target`] plus the mock's own). With `-v`,
//! `RUST_LOG` (EnvFilter syntax) is added to what the flags show, and wins where both name the
//! same target: `RUST_LOG=hyper_util=debug fiks-integrasjon -vv call …` adds the pool's lines.

use tracing_subscriber::EnvFilter;

/// The EnvFilter directives a verbosity count stands for.
pub fn directives(verbose: u8) -> &'static str {
    match verbose {
        0 => "warn",
        1 => "warn,fiks_integrasjon=info",
        2 => "warn,fiks_integrasjon=debug",
        _ => "trace",
    }
}

/// The filter for a verbosity count and an optional `RUST_LOG` value: without `-v`,
/// `RUST_LOG` when set, else warnings; with `-v`, the verbosity's directives then `RUST_LOG`'s
/// (a later directive for the same target replaces an earlier one).
pub fn filter(verbose: u8, rust_log: Option<&str>) -> EnvFilter {
    let rust_log = rust_log.map(str::trim).filter(|s| !s.is_empty());
    match (verbose, rust_log) {
        (0, Some(spec)) => EnvFilter::builder().parse_lossy(spec),
        (n, Some(spec)) => EnvFilter::builder().parse_lossy(format!("{},{spec}", directives(n))),
        (n, None) => EnvFilter::new(directives(n)),
    }
}

/// Installs the stderr subscriber; colours follow the same rules as the rest of the output.
/// Events of the `log` crate (reqwest's) come in through `tracing-log` and are filtered alike.
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
    use tracing::Level;
    use tracing::subscriber::with_default;
    use tracing_subscriber::layer::SubscriberExt;

    /// Which of a few representative events pass the filter.
    fn passes(verbose: u8, rust_log: Option<&str>) -> Vec<&'static str> {
        use std::sync::{Arc, Mutex};
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let layer = tracing_subscriber::fmt::layer()
            .with_writer(move || Recorder(sink.clone()))
            .with_ansi(false)
            .with_target(true)
            .without_time();
        let subscriber = tracing_subscriber::registry().with(filter(verbose, rust_log)).with(layer);
        with_default(subscriber, || {
            tracing::event!(target: "fiks_integrasjon::token", Level::INFO, "core-info");
            tracing::event!(target: "fiks_integrasjon::fiks_call", Level::DEBUG, "core-debug");
            tracing::event!(target: "fiks_integrasjon_mock::server", Level::DEBUG, "mock-debug");
            tracing::event!(target: "hyper_util::client::legacy::pool", Level::DEBUG, "pool-debug");
            tracing::event!(target: "rustls::client", Level::TRACE, "rustls-trace");
            tracing::event!(target: "reqwest::connect", Level::WARN, "reqwest-warn");
        });
        let text = seen.lock().map(|s| String::from_utf8_lossy(&s).into_owned()).unwrap_or_default();
        ["core-info", "core-debug", "mock-debug", "pool-debug", "rustls-trace", "reqwest-warn"]
            .into_iter()
            .filter(|m| text.contains(m))
            .collect()
    }

    struct Recorder(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Recorder {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if let Ok(mut v) = self.0.lock() {
                v.extend_from_slice(buf);
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn verbosity_shows_the_library_first_and_the_http_stack_last() {
        assert_eq!(passes(0, None), ["reqwest-warn"]);
        assert_eq!(passes(1, None), ["core-info", "reqwest-warn"]);
        assert_eq!(passes(2, None), ["core-info", "core-debug", "mock-debug", "reqwest-warn"]);
        assert_eq!(
            passes(3, None),
            ["core-info", "core-debug", "mock-debug", "pool-debug", "rustls-trace", "reqwest-warn"]
        );
    }

    #[test]
    fn rust_log_alone_or_added_to_the_flags() {
        assert_eq!(passes(0, Some("fiks_integrasjon::fiks_call=debug")), ["core-debug"]);
        assert_eq!(passes(0, Some("  ")), ["reqwest-warn"]);
        assert_eq!(
            passes(2, Some("hyper_util=debug")),
            ["core-info", "core-debug", "mock-debug", "pool-debug", "reqwest-warn"]
        );
        // RUST_LOG wins where both name the same target.
        assert_eq!(passes(1, Some("fiks_integrasjon=warn")), ["reqwest-warn"]);
    }
}
