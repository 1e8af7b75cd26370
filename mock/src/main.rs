//! `fiks-integrasjon-mock`: starts the strict local Maskinporten + Fiks API for test suites in
//! any language, writes the test PKI and a ready `fiks.toml`, prints one line of JSON that
//! says where everything is, then serves until killed (or until stdin closes, with
//! `--exit-on-stdin-close`).

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use fiks_integrasjon_mock::{FaultSpec, FaultTarget, MockOptions, MockServer, Pki};

/// A strict local Maskinporten and KS Fiks API with its own test PKI.
///
/// Prints one line of JSON (URLs, ids, secrets, file paths) on stdout once it is ready.
/// A second port stands in for SvarUt (the Fiks API under /svarut, `svarut_base_url`).
/// Control endpoints for tests: POST /_mock/faults, /_mock/token-lifetime, /_mock/token-delay,
/// /_mock/clock, /_mock/metadata, /_mock/integrasjoner, /_mock/person-tokens, /_mock/reset,
/// /_mock/revoke-tokens; GET /_mock/counters, /_mock/clock, /_mock/metadata.
#[derive(Debug, Parser)]
#[command(name = "fiks-integrasjon-mock", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Port on 127.0.0.1 of the SvarUt stand-in (0 picks a free one).
    #[arg(long, default_value_t = 0, value_name = "PORT")]
    svarut_port: u16,
    /// How many extra integrasjoner to accept (ids 00000000-0000-4000-8000-000000000001 …,
    /// passwords mock-passord-1 …); the first three are named kommune-1 … kommune-3 in fiks.toml.
    #[arg(long, default_value_t = 100, value_name = "N")]
    extra_integrasjoner: usize,
    /// Where to write the PKI files and fiks.toml (default: a new temporary directory, kept).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Serve HTTPS with a certificate for localhost from the mock CA (ca.pem).
    #[arg(long)]
    tls: bool,
    /// `expires_in` of issued access tokens.
    #[arg(long, value_name = "SECS")]
    token_lifetime: Option<u64>,
    /// Delay every token answer (injected faults excepted).
    #[arg(long, value_name = "MS")]
    token_delay_ms: Option<u64>,
    /// Inject a fault: TARGET:MODE[*N] with TARGET token|fiks|metadata and MODE 5xx, 429, 429:SECS,
    /// delay:Ns, delay:Nms, garbage, html502, drop or none. *N repeats it for the next N
    /// requests (default 1); a bare * applies it to every request. Repeatable.
    #[arg(long = "fault", value_name = "TARGET:MODE")]
    faults: Vec<FaultSpec>,
    /// Run the mock's clock SECS seconds ahead of the wall clock (negative: behind): grants are
    /// checked against it and every answer's Date header shows it.
    #[arg(long, value_name = "SECS", default_value_t = 0, allow_negative_numbers = true)]
    clock_offset: i64,
    /// Keep the PKI in FILE: load it when the file exists, else generate one and save it there
    /// (restarts keep the same certificates, and test suites skip the key generation).
    #[arg(long, value_name = "FILE")]
    pki: Option<PathBuf>,
    /// Log every request and refusal to stderr (`RUST_LOG` refines it).
    #[arg(long, short)]
    verbose: bool,
    /// Exit when stdin reaches end of file (so a harness that dies does not leave it running).
    #[arg(long)]
    exit_on_stdin_close: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fiks-integrasjon-mock: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    if args.verbose {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("fiks_integrasjon_mock=debug"));
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .init();
    }
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => tempfile::Builder::new().prefix("fiks-integrasjon-mock-").tempdir()?.keep(),
    };
    let pki = match &args.pki {
        Some(path) if path.exists() => Pki::load(path)?,
        Some(path) => {
            let pki = Pki::generate()?;
            pki.save(path)?;
            pki
        }
        None => Pki::generate()?,
    };
    let files = pki.write_to(&dir)?;
    let mut options = MockOptions {
        port: args.port,
        svarut_port: args.svarut_port,
        extra_integrasjoner: args.extra_integrasjoner,
        tls: args.tls,
        clock_offset_secs: args.clock_offset,
        pki: Some(pki),
        ..MockOptions::default()
    };
    if let Some(secs) = args.token_lifetime {
        options.token_lifetime_secs = secs;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let mock = MockServer::start(options).await?;
        let config = dir.join("fiks.toml");
        std::fs::write(&config, mock.config_toml(&files))?;
        let mut cycles: HashMap<FaultTarget, Vec<_>> = HashMap::new();
        for spec in args.faults {
            match spec.times {
                Some(n) => mock.push_fault(spec.target, spec.fault, n),
                None => cycles.entry(spec.target).or_default().push(spec.fault),
            }
        }
        for (target, cycle) in cycles {
            mock.set_fault_cycle(target, cycle);
        }
        if let Some(ms) = args.token_delay_ms {
            mock.set_token_delay(Duration::from_millis(ms));
        }
        let stop = Stop::install(args.exit_on_stdin_close)?;
        let line = mock.describe(&files, &config).to_string();
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{line}")?;
            out.flush()?;
        }
        stop.wait().await;
        drop(mock);
        Ok::<(), Box<dyn std::error::Error>>(())
    })?;
    // Do not wait for blocking threads (a stdin reader may still be parked in read()).
    runtime.shutdown_background();
    Ok(())
}

/// What ends the mock: Ctrl-C, SIGTERM, or (when asked) the end of stdin. Signal handlers are
/// installed when this is created, before the ready line is printed, so a harness that signals
/// right after reading it gets a clean exit.
struct Stop {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    stdin_closed: Option<tokio::sync::oneshot::Receiver<()>>,
}

impl Stop {
    fn install(exit_on_stdin_close: bool) -> std::io::Result<Stop> {
        let stdin_closed = if exit_on_stdin_close {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            std::thread::Builder::new().name("stdin-watch".into()).spawn(move || {
                let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
                let _ = tx.send(());
            })?;
            Some(rx)
        } else {
            None
        };
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Stop {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
                stdin_closed,
            })
        }
        #[cfg(not(unix))]
        Ok(Stop { stdin_closed })
    }

    async fn wait(mut self) {
        let stdin_closed = async {
            match self.stdin_closed.take() {
                Some(rx) => {
                    let _ = rx.await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
            _ = stdin_closed => {}
        }
        #[cfg(not(unix))]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = stdin_closed => {}
        }
    }
}
