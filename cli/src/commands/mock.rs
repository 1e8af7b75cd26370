//! `mock`: runs the strict local Maskinporten + Fiks API (and its SvarUt stand-in) until Ctrl-C
//! or SIGTERM, with its test PKI and a ready `fiks.toml` written to a directory.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use fiks_integrasjon_mock::{FaultTarget, MockOptions, MockServer, Pki, PkiFiles};

use crate::args::{Global, MockArgs};
use crate::failure::Failure;
use crate::output::{ACCENT, HEADING, KEY};

/// The configuration keys `mock --set` honours, and what each sets in the mock.
pub const HONOURED_KEYS: [&str; 4] = ["issuer", "integrasjon_id", "integrasjon_passord", "person_token"];

/// The mock's options from its flags and the `--set` keys it can honour (a flag wins over
/// `--set`). Any other `--set` key, and `--config`, are refused: the mock is a server and
/// cannot act on client configuration, and saying nothing would look as if it did.
pub fn options(global: &Global, args: &MockArgs) -> Result<MockOptions, Failure> {
    if let Some(file) = &global.config {
        return Err(Failure::usage(
            format!("`mock` does not read a configuration file (--config {})", file.display()),
            "drop --config: the mock writes the fiks.toml clients use; set what it accepts with --issuer, \
             --integrasjon-id, --integrasjon-passord and --person-token",
        ));
    }
    let mut o = MockOptions {
        port: args.port,
        svarut_port: args.svarut_port,
        extra_integrasjoner: args.extra_integrasjoner,
        tls: args.tls,
        ..MockOptions::default()
    };
    for pair in &global.set {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(Failure::usage(
                format!("`--set {pair}` is not KEY=VALUE"),
                "write it as --set issuer=min-klient (mock honours issuer, integrasjon_id, integrasjon_passord, person_token)",
            ));
        };
        match key.trim() {
            "issuer" => o.issuer = value.to_string(),
            "integrasjon_id" => o.integrasjon_id = value.to_string(),
            "integrasjon_passord" => o.integrasjon_passord = value.to_string(),
            "person_token" => o.person_token = value.to_string(),
            other => {
                return Err(Failure::usage(
                    format!("`mock` cannot honour `--set {other}=…`: it takes only {}", HONOURED_KEYS.join(", ")),
                    refused_hint(other),
                ));
            }
        }
    }
    let flags = [(&args.issuer, &mut o.issuer), (&args.integrasjon_id, &mut o.integrasjon_id)];
    for (flag, field) in flags {
        if let Some(v) = flag {
            *field = v.clone();
        }
    }
    for (flag, field) in
        [(&args.integrasjon_passord, &mut o.integrasjon_passord), (&args.person_token, &mut o.person_token)]
    {
        if let Some(v) = flag {
            *field = v.clone();
        }
    }
    if let Some(secs) = args.token_lifetime {
        o.token_lifetime_secs = secs;
    }
    Ok(o)
}

/// What to do instead of `--set KEY=…` for a key the mock cannot honour.
fn refused_hint(key: &str) -> String {
    match key {
        "certificate" | "certificate_password" | "private_key" | "key_id" | "ca_file" => {
            "the mock makes its own test PKI: keep one across restarts with --pki FILE".to_string()
        }
        "audience" | "token_endpoint" | "fiks_base_url" | "environment" => {
            "the mock's URLs follow from --port and --tls; it writes them into DIR/fiks.toml".to_string()
        }
        "scopes" => "the mock accepts ks:fiks, ks:fiks:test and difitest:test2".to_string(),
        _ => {
            format!("use the flags in `fiks-integrasjon mock --help`; `--set` takes only {}", HONOURED_KEYS.join(", "))
        }
    }
}

/// The `FIKS_*` variables in the environment, which the mock ignores (names only).
fn ignored_variables() -> Vec<String> {
    let mut names: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|n| n.starts_with("FIKS_"))
        .collect();
    names.sort();
    names
}

/// Loads the PKI kept in `path`, or generates one and keeps it there.
fn load_or_keep_pki(path: &Path) -> Result<Pki, Failure> {
    if path.exists() {
        return Pki::load(path).map_err(|e| {
            Failure::usage(
                format!("cannot load the mock PKI from {}: {e}", path.display()),
                "give a file an earlier `mock --pki FILE` wrote, or a path that does not exist yet",
            )
        });
    }
    let pki = generate_pki()?;
    pki.save(path).map_err(|e| {
        Failure::usage(
            format!("cannot save the mock PKI to {}: {e}", path.display()),
            "give a writable path with --pki FILE",
        )
    })?;
    Ok(pki)
}

fn generate_pki() -> Result<Pki, Failure> {
    Pki::generate()
        .map_err(|e| Failure::usage(format!("cannot generate the test PKI: {e}"), "run again with -v for details"))
}

/// Starts the mock, prints how to use it, and serves until stopped.
pub fn run(global: &Global, args: &MockArgs) -> Result<(), Failure> {
    let mut options = options(global, args)?;
    let ignored = ignored_variables();
    if !ignored.is_empty() {
        crate::output::note(&format!(
            "the mock ignores {} (client configuration; the mock's settings are its flags)",
            ignored.join(", ")
        ));
    }
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
    let pki = match &args.pki {
        Some(path) => load_or_keep_pki(path)?,
        None => generate_pki()?,
    };
    let files = pki.write_to(&dir).map_err(|e| {
        Failure::usage(
            format!("cannot write the test PKI to {}: {e}", dir.display()),
            "give a writable directory with --dir DIR",
        )
    })?;
    options.pki = Some(pki);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("fiks-integrasjon-mock")
        .enable_all()
        .build()
        .map_err(|e| Failure::usage(format!("cannot start the runtime: {e}"), "run again with -v for details"))?;
    let result = runtime.block_on(async {
        let mock = MockServer::start(options).await.map_err(|e| {
            Failure::usage(
                format!("cannot listen on 127.0.0.1:{} and :{}: {e}", args.port, args.svarut_port),
                "choose another --port or --svarut-port (0 picks a free one)",
            )
        })?;
        let config = dir.join("fiks.toml");
        std::fs::write(&config, mock.config_toml(&files)).map_err(|e| {
            Failure::usage(
                format!("cannot write {}: {e}", config.display()),
                "give a writable directory with --dir DIR",
            )
        })?;
        // The file must work for a client: the core's own rules judge the values given
        // (an `integrasjon_id` that is not a UUID, an empty issuer).
        fiks_integrasjon::Config::from_file(&config).map_err(|e| {
            let f = Failure::from(e);
            Failure::usage(
                format!("the mock's settings would not work for a client: {}", f.message),
                "fix the value given to --issuer, --integrasjon-id or --integrasjon-passord (or --set)",
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
        if let Some(ms) = args.token_delay_ms {
            mock.set_token_delay(std::time::Duration::from_millis(ms));
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
        row("SvarUt", format!("{}  (services.svarut)", mock.svarut_base_url())),
        row("issuer", mock.options().issuer.clone()),
        row("integrasjon", format!("{}  (password in fiks.toml)", mock.options().integrasjon_id)),
        row("integrasjoner", named_integrasjoner(mock, files)),
        row("token life", format!("{} s", mock.options().token_lifetime_secs)),
        row("orgnr", mock.pki().orgnr().to_string()),
        row(
            "files",
            format!("{}{}", files.dir.display(), if temporary { "  (removed when the mock stops)" } else { "" }),
        ),
        row("", "virksomhet.p12, virksomhet-legacy.p12, chain.pem, key.pem, ca.pem, fiks.toml".to_string()),
    ];
    if let Some(pki) = &args.pki {
        lines.push(row("PKI kept in", pki.display().to_string()));
    }
    if let Some(ms) = args.token_delay_ms {
        lines.push(row("token delay", format!("{ms} ms")));
    }
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
    lines.push("  fiks-integrasjon call --service svarut --integrasjon kommune-1 GET /echo".to_string());
    lines.push("  fiks-integrasjon cert-info".to_string());
    lines.push(format!("{KEY}Stop with Ctrl-C.{KEY:#}"));
    let mut out = anstream::stdout().lock();
    for l in lines {
        let _ = writeln!(out, "{l}");
    }
    let _ = out.flush();
}

/// The named integrasjoner of the fiks.toml and how many more the mock accepts, for the usage.
fn named_integrasjoner(mock: &MockServer, files: &PkiFiles) -> String {
    let names: Vec<String> = mock.client_settings(files).integrasjoner.into_iter().map(|i| i.name).collect();
    let extra = mock.options().extra_integrasjoner;
    match names.as_slice() {
        [] => format!("{extra} more accepted (none named in fiks.toml)"),
        _ => format!("{} in fiks.toml; {extra} accepted besides the default", names.join(", ")),
    }
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
