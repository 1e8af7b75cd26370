//! `mock`: runs the strict local Maskinporten + Fiks API until Ctrl-C or SIGTERM, with its
//! test PKI and a ready `fiks.toml` written to a directory.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use fiks_integrasjon_mock::{FaultTarget, MockOptions, MockServer, Pki, PkiFiles};

use crate::args::MockArgs;
use crate::failure::Failure;
use crate::output::{ACCENT, HEADING, KEY};

/// Starts the mock, prints how to use it, and serves until stopped.
pub fn run(args: &MockArgs) -> Result<(), Failure> {
    // Kept alive until the end of `run`; dropping it removes the directory.
    let mut temp = None;
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => {
            let t = tempfile::Builder::new().prefix("fiks-integrasjon-mock-").tempdir().map_err(|e| {
                Failure::usage(format!("cannot create a temporary directory: {e}"), "give a directory with --dir DIR")
            })?;
            let path = t.path().to_path_buf();
            temp = Some(t);
            path
        }
    };
    let pki = Pki::generate()
        .map_err(|e| Failure::usage(format!("cannot generate the test PKI: {e}"), "run again with -v for details"))?;
    let files = pki.write_to(&dir).map_err(|e| {
        Failure::usage(
            format!("cannot write the test PKI to {}: {e}", dir.display()),
            "give a writable directory with --dir DIR",
        )
    })?;
    let options = MockOptions { port: args.port, tls: args.tls, pki: Some(pki), ..MockOptions::default() };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("fiks-integrasjon-mock")
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the runtime: {e}"), "run again with -v for details"))?;
    let result = runtime.block_on(async {
        let mock = MockServer::start(options).await.map_err(|e| {
            Failure::usage(
                format!("cannot listen on 127.0.0.1:{}: {e}", args.port),
                "choose another --port (0 picks a free one)",
            )
        })?;
        let config = dir.join("fiks.toml");
        std::fs::write(&config, mock.config_toml(&files)).map_err(|e| {
            Failure::usage(
                format!("cannot write {}: {e}", config.display()),
                "give a writable directory with --dir DIR",
            )
        })?;
        let mut cycles: HashMap<FaultTarget, Vec<_>> = HashMap::new();
        for spec in &args.faults {
            match spec.times {
                Some(n) => mock.push_fault(spec.target, spec.fault.clone(), n),
                None => cycles.entry(spec.target).or_default().push(spec.fault.clone()),
            }
        }
        for (target, cycle) in cycles {
            mock.set_fault_cycle(target, cycle);
        }
        print_usage(&mock, &files, &config, temp.is_some(), args);
        wait_for_stop().await;
        drop(mock);
        Ok::<(), Failure>(())
    });
    runtime.shutdown_background();
    if result.is_ok() {
        let mut e = anstream::stderr().lock();
        let _ = writeln!(e, "mock stopped{}", if temp.is_some() { "; its temporary files are removed" } else { "" });
    }
    drop(temp);
    result
}

fn print_usage(mock: &MockServer, files: &PkiFiles, config: &Path, temporary: bool, args: &MockArgs) {
    let config_arg = shell_quote(config);
    let w = 14;
    let row = |k: &str, v: String| crate::output::row("  ", k, w, &v);
    let mut lines = vec![
        format!("{HEADING}fiks-integrasjon mock listening on {ACCENT}{}{ACCENT:#}{HEADING:#}", mock.base_url()),
        row("Maskinporten", format!("{}  (audience {})", mock.token_endpoint(), mock.audience())),
        row("Fiks API", mock.fiks_base_url()),
        row("issuer", mock.options().issuer.clone()),
        row("orgnr", mock.pki().orgnr().to_string()),
        row(
            "files",
            format!("{}{}", files.dir.display(), if temporary { "  (removed when the mock stops)" } else { "" }),
        ),
        row("", "virksomhet.p12, virksomhet-legacy.p12, chain.pem, key.pem, ca.pem, fiks.toml".to_string()),
    ];
    if !args.faults.is_empty() {
        let faults: Vec<String> = args
            .faults
            .iter()
            .map(|f| {
                let times = f.times.map(|n| format!("*{n}")).unwrap_or_else(|| "*".to_string());
                format!("{}:{}{times}", f.target.as_str(), f.fault)
            })
            .collect();
        lines.push(row("faults", faults.join(", ")));
    }
    lines.push(String::new());
    lines.push(format!("{HEADING}Try, in another shell:{HEADING:#}"));
    lines.push(format!("  export FIKS_CONFIG={config_arg}"));
    lines.push("  fiks-integrasjon token".to_string());
    lines.push("  fiks-integrasjon headers".to_string());
    lines.push("  fiks-integrasjon call POST /innsyn-sok/api/v1/sok --data '{\"sok\": \"byggesak\"}'".to_string());
    lines.push("  fiks-integrasjon call GET /status/404        # a Fiks error".to_string());
    lines.push("  fiks-integrasjon cert-info".to_string());
    lines.push(format!("{KEY}Stop with Ctrl-C.{KEY:#}"));
    let mut out = anstream::stdout().lock();
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
    let _ = out.flush();
}

/// Quotes a path for a POSIX shell when it needs it.
fn shell_quote(p: &Path) -> String {
    let s = p.to_string_lossy();
    if s.bytes().all(|b| b.is_ascii_alphanumeric() || b"/._-+,:@".contains(&b)) {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Waits for Ctrl-C or SIGTERM.
async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(shell_quote(Path::new("/tmp/mock/fiks.toml")), "/tmp/mock/fiks.toml");
        assert_eq!(shell_quote(Path::new("/tmp/my mock/it's.toml")), r"'/tmp/my mock/it'\''s.toml'");
    }
}
