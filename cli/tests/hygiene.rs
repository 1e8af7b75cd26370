//! Secrets stay out of output, colour follows the terminal rules, logs follow -v and RUST_LOG.

mod common;

use common::*;

#[test]
fn secrets_are_printed_only_by_token_and_headers() {
    let runs: Vec<(&str, Ran)> = vec![
        ("call", run(configured().args(["-vv", "call", "POST", "/innsyn-sok/api/v1/sok", "-d", r#"{"sok":"x"}"#]))),
        ("call error", run(configured().args(["-vv", "call", "GET", "/status/400"]))),
        ("cert-info", run(configured().args(["-vv", "cert-info"]))),
        ("cert-info --json", run(configured().args(["cert-info", "--json"]))),
        ("wrong password", run(configured().args(["-vv", "--set", "certificate_password=feil-passord", "token"]))),
        ("refused", run(configured().args(["-vv", "--set", "issuer=ukjent", "token"]))),
    ];
    for (what, ran) in &runs {
        assert_no_secrets(what, &ran.all());
        assert!(!ran.all().contains("feil-passord"), "{what} shows a wrong password");
    }
    // token prints the token (and nothing else secret), headers print the headers.
    let token = run(configured().args(["-vv", "token"]));
    assert_code(&token, 0);
    assert!(token.stdout.starts_with(TOKEN_PREFIX));
    assert!(!token.all().contains(INTEGRASJON_PASSORD) && !token.all().contains(CERT_PASSWORD));
    assert!(!token.stderr.contains(TOKEN_PREFIX), "the token is not logged:\n{}", token.stderr);
    let headers = run(configured().args(["-vv", "headers"]));
    assert_code(&headers, 0);
    assert!(headers.stdout.contains(INTEGRASJON_PASSORD));
    assert!(!headers.stderr.contains(INTEGRASJON_PASSORD) && !headers.stderr.contains(TOKEN_PREFIX));
    assert!(!headers.all().contains(CERT_PASSWORD));
}

#[test]
fn colour_only_when_wanted() {
    // Not a terminal: no colour.
    let plain = run(configured().args(["call", "GET", "/status/404"]));
    assert!(!plain.stderr.contains('\u{1b}'), "{:?}", plain.stderr);
    // Forced colour (as on a terminal) ...
    let forced = run(configured().env("CLICOLOR_FORCE", "1").args(["call", "GET", "/status/404"]));
    assert!(forced.stderr.contains("\u{1b}["), "CLICOLOR_FORCE colours: {:?}", forced.stderr);
    // ... but never with NO_COLOR.
    let no_color =
        run(configured().env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1").args(["call", "GET", "/status/404"]));
    assert!(!no_color.stderr.contains('\u{1b}'), "NO_COLOR wins: {:?}", no_color.stderr);
    let demo = run(bare().env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1").arg("demo"));
    assert_code(&demo, 0);
    assert!(!demo.stdout.contains('\u{1b}'));
    // Machine output is never coloured.
    let json = run(configured().env("CLICOLOR_FORCE", "1").args(["cert-info", "--json"]));
    assert!(serde_json::from_str::<serde_json::Value>(&json.stdout).is_ok(), "{}", json.stdout);
}

#[test]
fn logs_go_to_stderr_at_the_chosen_level() {
    let quiet = run(configured().args(["call", "POST", "/innsyn-sok/api/v1/sok", "-d", r#"{"sok":"x"}"#]));
    assert_code(&quiet, 0);
    assert!(quiet.stderr.is_empty(), "no logs by default: {}", quiet.stderr);
    let info = run(configured().args(["-v", "call", "POST", "/innsyn-sok/api/v1/sok", "-d", r#"{"sok":"x"}"#]));
    assert_code(&info, 0);
    assert!(info.stderr.contains("INFO") && info.stderr.contains("status=200"), "{}", info.stderr);
    assert!(serde_json::from_str::<serde_json::Value>(&info.stdout).is_ok(), "stdout stays clean");
    let debug = run(configured().env("RUST_LOG", "debug").arg("token"));
    assert_code(&debug, 0);
    assert!(debug.stderr.contains("DEBUG"), "RUST_LOG=debug: {}", debug.stderr);
    let verbose_wins = run(configured().env("RUST_LOG", "off").args([
        "-v",
        "call",
        "POST",
        "/innsyn-sok/api/v1/sok",
        "-d",
        "{\"sok\":\"x\"}",
    ]));
    assert!(verbose_wins.stderr.contains("INFO"), "-v is not silenced by RUST_LOG=off: {}", verbose_wins.stderr);
}

/// Lines of a log on stderr that come from the HTTP stack rather than the library.
fn http_stack_lines(stderr: &str) -> Vec<&str> {
    stderr.lines().filter(|l| ["hyper", "reqwest", "rustls", "h2::"].iter().any(|t| l.contains(t))).collect()
}

#[test]
fn verbosity_shows_the_library_then_the_http_stack() {
    let private = private_mock();
    let config = private.config_path().to_path_buf();
    let call = |flags: &[&str]| {
        let mut c = cli();
        c.arg("--config").arg(&config).args(flags).args(["call", "GET", "/echo"]);
        run(&mut c)
    };
    // -v: the token fetch, a retry and the call, at INFO; nothing at DEBUG.
    private.mock.push_fault(fiks_integrasjon_mock::FaultTarget::Fiks, fiks_integrasjon_mock::Fault::Status(503), 1);
    let v = call(&["-v"]);
    assert_code(&v, 0);
    assert!(v.stderr.contains("INFO fetched a Maskinporten token"), "{}", v.stderr);
    assert!(v.stderr.contains("INFO retrying the Fiks request") && v.stderr.contains("503"), "{}", v.stderr);
    assert!(!v.stderr.contains("DEBUG") && http_stack_lines(&v.stderr).is_empty(), "{}", v.stderr);
    assert_no_secrets("-v", &v.stderr);

    // A final failure is at INFO too.
    private.mock.push_fault(fiks_integrasjon_mock::FaultTarget::Fiks, fiks_integrasjon_mock::Fault::Status(503), 1);
    let failed = call(&["-v", "--set", "max_retries=0"]);
    assert_code(&failed, 1);
    assert!(failed.stderr.contains("INFO the Fiks request failed"), "{}", failed.stderr);

    // -vv: the library's DEBUG events, still none of the HTTP stack's.
    let vv = call(&["-vv"]);
    assert_code(&vv, 0);
    assert!(vv.stderr.contains("DEBUG fiks_integrasjon::"), "{}", vv.stderr);
    assert!(
        http_stack_lines(&vv.stderr).is_empty(),
        "-vv keeps the HTTP stack out: {:?}",
        http_stack_lines(&vv.stderr)
    );
    assert_no_secrets("-vv", &vv.stderr);

    // -vvv: everything (a new connection is always made, so the pool's lines are there).
    let vvv = call(&["-vvv"]);
    assert_code(&vvv, 0);
    assert!(vvv.stderr.contains("hyper_util::client"), "{}", vvv.stderr);
    assert!(vvv.stderr.contains("TRACE"), "{}", vvv.stderr);

    // RUST_LOG adds to the flags: the pool's lines at -vv when asked.
    let mut c = cli();
    c.env("RUST_LOG", "hyper_util=debug").arg("--config").arg(&config).args(["-vv", "call", "GET", "/echo"]);
    let asked = run(&mut c);
    assert_code(&asked, 0);
    assert!(asked.stderr.contains("DEBUG hyper_util::client"), "{}", asked.stderr);
    assert!(asked.stderr.contains("DEBUG fiks_integrasjon::"), "{}", asked.stderr);
    assert!(!asked.stderr.contains("TRACE"), "{}", asked.stderr);
}
