//! Every command against the mock: token, headers, call, cert-info, mock, demo, and --help.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::*;
use fiks_integrasjon_mock::LeafOptions;
use serde_json::Value;

#[test]
fn help_shows_every_command_with_examples_and_exit_codes() {
    let top = run(bare().arg("--help"));
    assert_code(&top, 0);
    for command in ["token", "headers", "call", "cert-info", "mock", "demo"] {
        assert!(top.stdout.contains(command), "top-level help lacks {command}");
        let help = run(bare().args([command, "--help"]));
        assert_code(&help, 0);
        assert!(help.stdout.contains("Examples:"), "{command} --help has no examples:\n{}", help.stdout);
        assert!(help.stdout.contains("Exit codes"), "{command} --help has no exit codes:\n{}", help.stdout);
    }
    for line in [
        "0  success",
        "1  the Fiks API answered an error",
        "2  usage or configuration error",
        "3  certificate error",
        "4  Maskinporten refused",
        "5  network, TLS or timeout",
    ] {
        assert!(top.stdout.contains(line), "top-level help lacks `{line}`");
    }
    assert!(top.stdout.contains("FIKS_CONFIG") && top.stdout.contains("--set"));
    let version = run(bare().arg("--version"));
    assert_code(&version, 0);
    assert!(version.stdout.starts_with("fiks-integrasjon "));
}

#[test]
fn token_prints_the_token_alone_or_as_json() {
    let plain = run(configured().arg("token"));
    assert_code(&plain, 0);
    let token = plain.stdout.trim_end_matches('\n');
    assert!(token.starts_with(TOKEN_PREFIX) && !token.contains(char::is_whitespace), "{token:?}");
    assert_eq!(plain.stdout.lines().count(), 1);
    assert_no_secrets("token's stderr", &plain.stderr);

    let json = run(configured().args(["token", "--json", "--scope", "ks:fiks", "--scope", "difitest:test2"]));
    assert_code(&json, 0);
    let v: Value = serde_json::from_str(&json.stdout).expect("token --json is JSON");
    assert!(v["access_token"].as_str().is_some_and(|t| t.starts_with(TOKEN_PREFIX)));
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 120);
    assert_eq!(v["scope"], "ks:fiks difitest:test2");
    let private = private_mock();
    let (mock, config) = (&private.mock, private.config_path().to_path_buf());
    let scoped = run(cli().arg("--config").arg(&config).args(["token", "-s", "difitest:test2"]));
    assert_code(&scoped, 0);
    let claims = mock.counters().last_grant_claims.expect("the mock saw a grant");
    assert_eq!(claims["scope"], "difitest:test2", "--scope went into the grant");
}

#[test]
fn headers_prints_three_lines_for_curl_or_json() {
    let plain = run(configured().arg("headers"));
    assert_code(&plain, 0);
    let lines: Vec<&str> = plain.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", plain.stdout);
    assert!(lines[0].starts_with("Authorization: Bearer mock-at-"));
    assert_eq!(lines[1], format!("IntegrasjonId: {}", fiks_integrasjon_mock::DEFAULT_INTEGRASJON_ID));
    assert_eq!(lines[2], format!("IntegrasjonPassord: {INTEGRASJON_PASSORD}"));

    let json = run(configured().args(["headers", "--json"]));
    assert_code(&json, 0);
    let v: Value = serde_json::from_str(&json.stdout).expect("headers --json is JSON");
    assert!(v["Authorization"].as_str().is_some_and(|a| a.starts_with("Bearer mock-at-")));
    assert_eq!(v["IntegrasjonId"], fiks_integrasjon_mock::DEFAULT_INTEGRASJON_ID);
    assert_eq!(v["IntegrasjonPassord"], INTEGRASJON_PASSORD);
    assert_eq!(v.as_object().map(|o| o.len()), Some(3));

    // Without the integration the headers cannot be made: a configuration error.
    let text = std::fs::read_to_string(&env().config).unwrap();
    let without: String = text.lines().filter(|l| !l.starts_with("integrasjon_")).map(|l| format!("{l}\n")).collect();
    let cfg = scratch_file("uten-integrasjon.toml", &without);
    let missing = run(cli().arg("--config").arg(&cfg).arg("headers"));
    assert_code(&missing, 2);
    assert!(missing.stderr.contains("integrasjon_id") && missing.stderr.contains("hint:"), "{}", missing.stderr);
}

#[test]
fn call_sends_json_from_text_file_or_stdin() {
    let literal =
        run(configured().args(["call", "POST", "/innsyn-sok/api/v1/sok", "--data", r#"{"sok": "byggesak"}"#]));
    assert_code(&literal, 0);
    let v: Value = serde_json::from_str(&literal.stdout).expect("the answer is JSON");
    assert_eq!(v["sok"], "byggesak");
    assert!(!literal.stdout.contains("\n  "), "not pretty-printed when stdout is not a terminal");

    let file = scratch_file("sok.json", r#"{"sok": "dispensasjon", "antall": 2}"#);
    let from_file =
        run(configured().args(["call", "post", "/innsyn-sok/api/v1/sok", "--data"]).arg(format!("@{}", path(&file))));
    assert_code(&from_file, 0);
    let v: Value = serde_json::from_str(&from_file.stdout).unwrap();
    assert_eq!(v["sok"], "dispensasjon");
    assert_eq!(v["antall"], 2);

    let stdin = run(configured()
        .args(["call", "POST", "/innsyn-sok/api/v1/sok", "--data", "@-", "--pretty"])
        .write_stdin(r#"{"sok": "oppmåling"}"#));
    assert_code(&stdin, 0);
    assert!(stdin.stdout.contains("\n  \""), "--pretty indents:\n{}", stdin.stdout);
    let v: Value = serde_json::from_str(&stdin.stdout).unwrap();
    assert_eq!(v["sok"], "oppmåling");
}

#[test]
fn call_sends_extra_headers_and_full_urls_on_the_same_host() {
    let url = format!("{}/echo?x=1", env().fiks_base_url);
    let echo = run(configured().args([
        "call",
        "PUT",
        &url,
        "--data",
        "<a>b</a>",
        "--header",
        "Content-Type: application/xml",
        "-H",
        "X-Sporing: demo-42",
    ]));
    assert_code(&echo, 0);
    let v: Value = serde_json::from_str(&echo.stdout).unwrap();
    assert_eq!(v["method"], "PUT");
    assert_eq!(v["query"], "x=1");
    assert_eq!(v["body"], "<a>b</a>");
    assert_eq!(v["content_type"], "application/xml");
    assert_eq!(v["headers"]["x-sporing"], "demo-42");
    assert_eq!(v["integrasjon_id_present"], true);
    assert_eq!(v["authorization_present"], true);

    // The Fiks headers go only to fiks_base_url's host.
    let elsewhere = run(configured().args(["call", "GET", "http://localhost:9/fiks/echo"]));
    assert_code(&elsewhere, 2);
    assert!(elsewhere.stderr.contains("refusing to send the Fiks headers"), "{}", elsewhere.stderr);
}

#[test]
fn call_shows_a_fiks_error_readably_and_exits_1() {
    let ran = run(configured().args(["call", "GET", "/status/404"]));
    assert_code(&ran, 1);
    assert!(ran.stdout.is_empty(), "nothing on stdout: {}", ran.stdout);
    let err = &ran.stderr;
    assert!(err.starts_with("error: the Fiks API answered HTTP 404 Not Found"), "{err}");
    for needle in ["message", "Mock-feil med status 404", "errorCode", "MOCK_FEIL", "errorJson", r#"{"antall":13}"#] {
        assert!(err.contains(needle), "stderr lacks {needle}:\n{err}");
    }
    let id_line = err.lines().find(|l| l.trim_start().starts_with("errorId")).expect("an errorId line");
    assert!(id_line.contains("KS support"), "{id_line}");
    let id = id_line.split_whitespace().nth(1).unwrap();
    assert_eq!(id.len(), 36, "the errorId is the uuid from the body: {id_line}");
    assert!(err.trim_end().lines().last().unwrap().starts_with("hint: check the path"), "{err}");

    // An answer that is not a Fiks error is shown as a short excerpt.
    let html = run(configured().args(["call", "GET", "/status/418?body=html"]));
    assert_code(&html, 1);
    assert!(html.stderr.contains("body") && html.stderr.contains("418"), "{}", html.stderr);
}

#[test]
fn call_rejects_bad_input_before_sending() {
    let cases: &[&[&str]] = &[
        &["call", "G3T", "/status/200"],
        &["call", "POST", "/innsyn-sok/api/v1/sok", "--data", "{not json"],
        &["call", "POST", "/innsyn-sok/api/v1/sok", "--data", "@/no/such/file.json"],
        &["call", "GET", "/echo", "--header", "no colon here"],
        &["call", "GET", "/../etc/passwd"],
        &["call", "GET"],
    ];
    let private = private_mock();
    let (mock, config) = (&private.mock, private.config_path().to_path_buf());
    for args in cases {
        let ran = run(cli().arg("--config").arg(&config).args(*args));
        assert_code(&ran, 2);
        assert!(ran.stderr.contains("error"), "{args:?}: {}", ran.stderr);
    }
    assert_eq!(mock.counters().fiks_requests, 0, "nothing reached the Fiks API");
}

#[test]
fn cert_info_describes_a_good_certificate() {
    let ran = run(configured().arg("cert-info"));
    assert_code(&ran, 0);
    for needle in [
        "subject",
        "orgnr",
        "910000001",
        "issuer",
        "Fiks Mock Intermediate CA",
        "serial",
        "valid from",
        "valid to",
        "days left",
        "chain",
        "2 certificate(s)",
        "key matches   yes",
        "self-signed   no",
        "status        ok",
    ] {
        assert!(ran.stdout.contains(needle), "cert-info lacks {needle}:\n{}", ran.stdout);
    }
    assert!(ran.stderr.is_empty(), "no warning: {}", ran.stderr);

    let json = run(configured().args(["cert-info", "--json"]));
    assert_code(&json, 0);
    let v: Value = serde_json::from_str(&json.stdout).expect("cert-info --json is JSON");
    assert_eq!(v["orgnr"], "910000001");
    assert_eq!(v["chain_len"], 2);
    assert_eq!(v["key_matches"], true);
    assert_eq!(v["self_signed"], false);
    assert_eq!(v["ok"], true);
    assert!(v["days_left"].as_i64().is_some_and(|d| d >= 364));
    assert_eq!(v["serial"].as_str().map(str::len), Some(32));
}

#[test]
fn cert_info_needs_only_the_certificate() {
    // No issuer, no URLs, no integration: only the certificate and its password.
    let ran = run(cli()
        .env("FIKS_CERTIFICATE", &env().files.chain_pem)
        .env("FIKS_PRIVATE_KEY", &env().files.key_pem)
        .arg("cert-info"));
    assert_code(&ran, 0);
    assert!(ran.stdout.contains("910000001"), "{}", ran.stdout);
    let p12 = run(cli()
        .env("FIKS_CERTIFICATE", &env().files.p12_legacy)
        .env("FIKS_CERTIFICATE_PASSWORD", CERT_PASSWORD)
        .env("FIKS_INTEGRASJON_ID", fiks_integrasjon_mock::DEFAULT_INTEGRASJON_ID)
        .arg("cert-info"));
    assert_code(&p12, 0);
    assert!(p12.stdout.contains("status        ok"), "{}", p12.stdout);
}

#[test]
fn cert_info_reports_then_fails_on_bad_certificates() {
    let expired = variant(
        "expired",
        LeafOptions { not_before: Some(days_from_now(-40)), not_after: Some(days_from_now(-3)), ..Default::default() },
    );
    let ran = run(configured().arg("cert-info").args(cert_args(&expired)));
    assert_code(&ran, 3);
    assert!(ran.stdout.contains("expired 3 days ago"), "{}", ran.stdout);
    assert!(ran.stdout.contains("not usable"), "{}", ran.stdout);
    assert!(ran.stderr.contains("error: certificate error") && ran.stderr.contains("hint: renew"), "{}", ran.stderr);
    let json = run(configured().args(["cert-info", "--json"]).args(cert_args(&expired)));
    assert_code(&json, 3);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["valid_now"], false);
    assert!(v["days_left"].as_i64().is_some_and(|d| d < 0));

    let mismatch = variant("mismatch", LeafOptions { other_key: true, ..Default::default() });
    let ran = run(configured().arg("cert-info").args(cert_args(&mismatch)));
    assert_code(&ran, 3);
    assert!(ran.stdout.contains("key matches   no"), "{}", ran.stdout);
    assert!(ran.stderr.contains("does not belong"), "{}", ran.stderr);

    let soon = variant("soon", LeafOptions { not_after: Some(days_from_now(10)), ..Default::default() });
    let ran = run(configured().arg("cert-info").args(cert_args(&soon)));
    assert_code(&ran, 0);
    // 10 days minus the seconds since the variant was made: 9 days, or 10 within the same second.
    let warned =
        ["9", "10"].iter().any(|n| ran.stderr.contains(&format!("warning: the certificate expires in {n} days")));
    assert!(warned, "{}", ran.stderr);
    assert!(ran.stdout.contains("expires soon"), "{}", ran.stdout);

    let own = variant("self-signed", LeafOptions { self_signed: true, ..Default::default() });
    let ran = run(configured().arg("cert-info").args(cert_args(&own)));
    assert_code(&ran, 0);
    assert!(ran.stdout.contains("self-signed   yes"), "{}", ran.stdout);
    assert!(ran.stderr.contains("warning: the certificate is self-signed"), "{}", ran.stderr);
    let under_preset = run(configured().args(["cert-info", "--set", "environment=test"]).args(cert_args(&own)));
    assert_code(&under_preset, 3);
    assert!(under_preset.stderr.contains("self-signed"), "{}", under_preset.stderr);

    let wrong_password = run(configured().args(["cert-info", "--set", "certificate_password=feil"]));
    assert_code(&wrong_password, 3);
    assert!(wrong_password.stderr.contains("hint: check `certificate_password`"), "{}", wrong_password.stderr);

    let missing = run(configured().args(["cert-info", "--set", "certificate=/no/such/virksomhet.p12"]));
    assert_code(&missing, 3);
    assert!(missing.stderr.contains("cannot read"), "{}", missing.stderr);
}

/// `cert-info --json` for a certificate: its JSON, the text run's stdout and stderr.
fn cert_info_both(files: &fiks_integrasjon_mock::PkiFiles, extra: &[&str]) -> (Value, Ran) {
    let json = run(configured().args(["cert-info", "--json"]).args(extra).args(cert_args(files)));
    let text = run(configured().arg("cert-info").args(extra).args(cert_args(files)));
    assert_eq!(json.code, text.code, "--json keeps the exit code");
    (serde_json::from_str(&json.stdout).expect("cert-info --json is JSON"), text)
}

#[test]
fn cert_info_counts_whole_days_and_hours_down() {
    let hours = |h: u64| Duration::from_secs(h * 3_600);
    let now = std::time::SystemTime::now;
    let cases: Vec<(&str, LeafOptions, i32, &str, &str)> = vec![
        // About 24 hours ago is one day ago, not two.
        (
            "one-day-ago",
            LeafOptions { not_after: Some(days_from_now(-1)), ..Default::default() },
            3,
            "expired 1 day ago",
            "expired",
        ),
        (
            "hours-ago",
            LeafOptions { not_after: Some(now() - hours(5)), ..Default::default() },
            3,
            "expired 5 hours ago",
            "expired",
        ),
        (
            "in-hours",
            LeafOptions { not_after: Some(now() + hours(5) + Duration::from_secs(1_800)), ..Default::default() },
            0,
            "0 (expires in 5 hours)",
            "expires_soon",
        ),
        (
            "in-ten-days",
            LeafOptions { not_after: Some(days_from_now(10) + hours(12)), ..Default::default() },
            0,
            "10 (expires in 10 days)",
            "expires_soon",
        ),
        (
            "not-yet",
            LeafOptions { not_before: Some(days_from_now(3) + hours(12)), ..Default::default() },
            3,
            "not valid yet (in 3 days)",
            "not_yet_valid",
        ),
    ];
    for (name, options, code, shown, warning) in cases {
        let (v, text) = cert_info_both(&variant(name, options), &[]);
        assert_code(&text, code);
        assert!(text.stdout.contains(shown), "{name}: lacks {shown:?}:\n{}", text.stdout);
        assert_eq!(v["warning_codes"], serde_json::json!([warning]), "{name}: {v}");
        assert_eq!(v["warnings"].as_array().map(Vec::len), Some(1), "{name}: {v}");
    }
    let (v, _) = cert_info_both(
        &variant("one-day-ago-json", LeafOptions { not_after: Some(days_from_now(-1)), ..Default::default() }),
        &[],
    );
    assert_eq!(v["days_left"], -1, "whole days toward zero: {v}");
    assert!(v["seconds_left"].as_i64().is_some_and(|s| (-86_400 - 600..=-86_400).contains(&s)), "{v}");
}

#[test]
fn cert_info_json_lists_the_warnings_the_text_shows() {
    let (v, text) = cert_info_both(&env().files, &[]);
    assert_code(&text, 0);
    assert_eq!(v["warnings"], serde_json::json!([]), "a good certificate has none: {v}");

    // Self-signed without a preset: usable here, and both outputs warn.
    let own = variant("self-signed-json", LeafOptions { self_signed: true, ..Default::default() });
    let (v, text) = cert_info_both(&own, &[]);
    assert_code(&text, 0);
    assert_eq!(v["warning_codes"], serde_json::json!(["self_signed"]), "{v}");
    let warning = v["warnings"][0].as_str().unwrap();
    assert!(text.stderr.contains(&format!("warning: {warning}")), "the same sentence: {}", text.stderr);
    assert!(warning.contains("self-signed"), "{warning}");

    // Under a preset it is refused: still listed, said once on stderr (as the error).
    let (v, text) = cert_info_both(&own, &["--set", "environment=test"]);
    assert_code(&text, 3);
    assert_eq!(v["ok"], false);
    assert_eq!(v["problem_code"], "self_signed");
    assert_eq!(v["warning_codes"], serde_json::json!(["self_signed"]), "{v}");
    assert!(!text.stderr.contains("warning:"), "{}", text.stderr);

    let expired = variant("expired-json", LeafOptions { not_after: Some(days_from_now(-3)), ..Default::default() });
    let (v, _) = cert_info_both(&expired, &[]);
    assert_eq!(v["warning_codes"], serde_json::json!(["expired"]), "{v}");
    assert!(v["warnings"][0].as_str().unwrap().contains("expired 3 days ago"), "{v}");
}

#[test]
fn demo_walks_the_whole_flow_and_checks_it() {
    let ran = run(bare().arg("demo").env("NO_COLOR", "1"));
    assert_code(&ran, 0);
    let out = &ran.stdout;
    for n in 1..=8 {
        assert!(out.contains(&format!("[{n}/8]")), "step {n} missing:\n{out}");
    }
    for needle in [
        "orgnr",
        "910000001",
        "days left",
        "\"alg\":\"RS256\"",
        "x5c",
        "aud",
        "jti",
        "<elided",
        "access_token",
        "mock-a…",
        "IntegrasjonPassord  ******** (masked)",
        "POST /innsyn-sok/api/v1/sok",
        "totaltAntall",
        "GET /status/400",
        "400 Bad Request",
        "MOCK_FEIL",
        "errorId",
        "served from the cache",
        "same token          yes",
        "asked 1 time in all",
        "every step behaved as expected",
    ] {
        assert!(out.contains(needle), "demo output lacks {needle:?}:\n{out}");
    }
    assert_no_secrets("demo", &ran.all());
    assert!(!out.contains('\u{1b}'), "no colour without a terminal");
}

/// A `mock` child process and what it printed.
struct MockChild {
    child: Child,
    base_url: String,
    dir: std::path::PathBuf,
    printed: String,
}

impl MockChild {
    fn config(&self) -> std::path::PathBuf {
        self.dir.join("fiks.toml")
    }

    /// SIGTERM, then the exit code and the rest of the output.
    fn stop(mut self) -> i32 {
        let pid = self.child.id().to_string();
        let killed = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code().unwrap_or(-1);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the mock did not stop on SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for MockChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_mock(args: &[&str]) -> MockChild {
    start_mock_with(&[], args)
}

/// [`start_mock`] with global flags (`--set …`) before `mock`.
fn start_mock_with(global: &[&str], args: &[&str]) -> MockChild {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("fiks-integrasjon"));
    cmd.args(global).arg("mock").args(args).current_dir(&env().cwd).env_remove("FIKS_CONFIG").env("NO_COLOR", "1");
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("mock starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut printed = String::new();
    let mut base_url = None;
    let mut dir = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read") == 0 {
            let mut err = String::new();
            let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err);
            panic!("the mock ended early:\n{printed}\n{err}");
        }
        printed.push_str(&line);
        if let Some(url) = line.trim().strip_prefix("fiks-integrasjon mock listening on ") {
            base_url = Some(url.to_string());
        }
        if let Some(rest) = line.trim().strip_prefix("export FIKS_CONFIG=") {
            dir = Some(std::path::PathBuf::from(rest.trim_matches('\'')).parent().unwrap().to_path_buf());
        }
        if line.starts_with("Stop with Ctrl-C") {
            break;
        }
    }
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    MockChild { child, base_url: base_url.expect("a URL"), dir: dir.expect("a dir"), printed }
}

#[test]
fn mock_command_serves_writes_files_and_stops_cleanly() {
    let m = start_mock(&["--port", "0", "--fault", "fiks:503*"]);
    assert!(m.base_url.starts_with("http://127.0.0.1:"), "{}", m.base_url);
    for needle in ["Maskinporten", "/token", "Fiks API", "/fiks", "910000001", "fiks.toml", "fiks:503*", "call POST"] {
        assert!(m.printed.contains(needle), "mock output lacks {needle}:\n{}", m.printed);
    }
    assert_no_secrets("mock output", &m.printed);
    for file in ["fiks.toml", "virksomhet.p12", "virksomhet-legacy.p12", "chain.pem", "key.pem", "ca.pem"] {
        assert!(m.dir.join(file).is_file(), "{file} is written");
    }
    let token = run(cli().env("FIKS_CONFIG", m.config()).arg("token"));
    assert_code(&token, 0);
    let info = run(cli().env("FIKS_CONFIG", m.config()).arg("cert-info"));
    assert_code(&info, 0);
    // Every Fiks request answers the injected 503.
    let faulty = run(cli().env("FIKS_CONFIG", m.config()).args([
        "--set",
        "max_retries=0",
        "call",
        "POST",
        "/innsyn-sok/api/v1/sok",
        "--data",
        r#"{"sok":"x"}"#,
    ]));
    assert_code(&faulty, 1);
    assert!(faulty.stderr.contains("HTTP 503"), "{}", faulty.stderr);

    let dir = m.dir.clone();
    assert_eq!(m.stop(), 0, "SIGTERM stops the mock cleanly");
    assert!(!dir.exists(), "the temporary directory is removed at exit");
}

#[test]
fn mock_command_keeps_dir_and_serves_tls() {
    let dir = env().scratch.join("mock-tls");
    let m = start_mock(&["--dir", &path(&dir), "--tls"]);
    assert!(m.base_url.starts_with("https://localhost:"), "{}", m.base_url);
    assert_eq!(m.dir, dir);
    let toml = std::fs::read_to_string(m.config()).unwrap();
    assert!(toml.contains("ca_file"), "{toml}");
    let call = run(cli().env("FIKS_CONFIG", m.config()).args([
        "call",
        "POST",
        "/innsyn-sok/api/v1/sok",
        "-d",
        r#"{"sok":"tls"}"#,
    ]));
    assert_code(&call, 0);
    assert!(call.stdout.contains("\"sok\":\"tls\""), "{}", call.stdout);
    // The same port cannot be taken twice.
    let port = m.base_url.rsplit(':').next().unwrap().to_string();
    let taken = run(cli().args(["mock", "--port", &port, "--dir"]).arg(env().scratch.join("mock-2")));
    assert_code(&taken, 2);
    assert!(taken.stderr.contains("hint: choose another --port"), "{}", taken.stderr);
    assert_eq!(m.stop(), 0);
    assert!(dir.join("fiks.toml").is_file(), "--dir is kept");
}

#[test]
fn mock_command_takes_the_mock_options_as_flags() {
    let pki = env().scratch.join("kept-pki.json");
    let id = "0b9f6f2e-5f0e-4c55-9d35-0c5a4f1d7e21";
    let m = start_mock(&[
        "--issuer",
        "min-klient",
        "--integrasjon-id",
        id,
        "--token-lifetime",
        "300",
        "--pki",
        &path(&pki),
    ]);
    for needle in ["min-klient", id, "300 s", "PKI kept in"] {
        assert!(m.printed.contains(needle), "mock output lacks {needle}:\n{}", m.printed);
    }
    let toml = std::fs::read_to_string(m.config()).unwrap();
    assert!(toml.contains("issuer = \"min-klient\"") && toml.contains(id), "{toml}");
    let token = run(cli().env("FIKS_CONFIG", m.config()).args(["token", "--json"]));
    assert_code(&token, 0);
    let v: Value = serde_json::from_str(&token.stdout).unwrap();
    assert_eq!(v["expires_in"], 300, "--token-lifetime reached the mock");
    let call = run(cli().env("FIKS_CONFIG", m.config()).args(["call", "GET", "/echo"]));
    assert_code(&call, 0);
    let serial = |config: &std::path::Path| {
        let info = run(cli().env("FIKS_CONFIG", config).args(["cert-info", "--json"]));
        serde_json::from_str::<Value>(&info.stdout).unwrap()["serial"].clone()
    };
    let first = serial(&m.config());
    assert_eq!(m.stop(), 0);
    assert!(pki.is_file(), "--pki saved the PKI");

    // Again with the kept PKI: the same certificate; `--set issuer=…` is honoured like --issuer.
    let m = start_mock_with(&["--set", "issuer=annen-klient"], &["--pki", &path(&pki)]);
    assert!(m.printed.contains("annen-klient"), "{}", m.printed);
    let toml = std::fs::read_to_string(m.config()).unwrap();
    assert!(toml.contains("issuer = \"annen-klient\""), "{toml}");
    assert_eq!(serial(&m.config()), first, "the kept PKI was loaded, not a new one made");
    let token = run(cli().env("FIKS_CONFIG", m.config()).arg("token"));
    assert_code(&token, 0);
    assert_eq!(m.stop(), 0);
}

#[test]
fn mock_command_refuses_what_it_cannot_honour() {
    let cases: &[(&[&str], &str, &str)] = &[
        (&["--set", "certificate=/x.p12", "mock"], "cannot honour `--set certificate=…`", "--pki FILE"),
        (&["--set", "scopes=ks:fiks", "mock"], "cannot honour `--set scopes=…`", "ks:fiks"),
        (&["--set", "fiks_base_url=http://127.0.0.1:1/", "mock"], "cannot honour", "--port"),
        (&["--set", "issuer", "mock"], "is not KEY=VALUE", "--set issuer="),
        (&["--config", "/tmp/fiks.toml", "mock"], "does not read a configuration file", "--issuer"),
        (&["mock", "--token-lifetime", "0"], "invalid value", ""),
    ];
    for (args, message, hint) in cases {
        let ran = run(cli().args(*args));
        assert_code(&ran, 2);
        assert!(ran.stderr.contains(message), "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(hint), "{args:?}: {}", ran.stderr);
        assert!(ran.stdout.is_empty(), "{args:?}: nothing started: {}", ran.stdout);
    }
    // FIKS_* variables are ignored, and it says so (here before failing on a bad --pki file).
    let bad = scratch_file("not-a-pki.json", "{}");
    let ran = run(cli().env("FIKS_ISSUER", "x").env("FIKS_CONFIG", "/tmp/x.toml").args(["mock", "--pki"]).arg(&bad));
    assert_code(&ran, 2);
    assert!(ran.stderr.contains("note: the mock ignores FIKS_CONFIG, FIKS_ISSUER"), "{}", ran.stderr);
    assert!(ran.stderr.contains("cannot load the mock PKI"), "{}", ran.stderr);
}
