//! Every exit code, the configuration sources and their precedence, and bad configurations.

mod common;

use common::*;
use fiks_integrasjon_mock::LeafOptions;

#[test]
fn exit_1_when_the_fiks_api_answers_an_error() {
    for (status, hint) in [("401", "integrasjon_id"), ("403", "Fiks-konfigurasjon"), ("500", "errorId")] {
        let ran = run(configured().args(["--set", "max_retries=0", "call", "GET", &format!("/status/{status}")]));
        assert_code(&ran, 1);
        assert!(ran.stderr.contains(&format!("HTTP {status}")), "{}", ran.stderr);
        assert!(
            ran.stderr.lines().last().is_some_and(|l| l.starts_with("hint:") && l.contains(hint)),
            "{}",
            ran.stderr
        );
    }
    // Wrong integration password: the Fiks side refuses the headers.
    let ran = run(configured().args(["--set", "integrasjon_passord=feil", "call", "GET", "/echo"]));
    assert_code(&ran, 1);
    assert!(ran.stderr.contains("HTTP 401"), "{}", ran.stderr);
    assert_no_secrets("a refused call", &ran.all());
}

#[test]
fn exit_2_for_usage_and_configuration_errors() {
    let toml = std::fs::read_to_string(&env().config).unwrap();
    let no_issuer: String = toml.lines().filter(|l| !l.starts_with("issuer")).map(|l| format!("{l}\n")).collect();
    let no_issuer = scratch_file("no-issuer.toml", &no_issuer);
    let unknown_key = scratch_file("unknown-key.toml", &format!("{toml}isuer = \"x\"\n"));
    let bad_toml = scratch_file("bad.toml", &format!("{toml}certificate_password = \"{CERT_PASSWORD}\" oops\n"));
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--set".into(), "isuer=x".into(), "token".into()], "did you mean `issuer`"),
        (vec!["--set".into(), "issuer".into(), "token".into()], "is not KEY=VALUE"),
        (vec!["--set".into(), "environment=dev".into(), "token".into()], "`test` or `prod`"),
        (vec!["--set".into(), "fiks_base_url=http://fiks.example.no".into(), "token".into()], "not loopback"),
        (vec!["--set".into(), "timeout_seconds=-1".into(), "token".into()], "timeout_seconds"),
        (vec!["--config".into(), path(&no_issuer), "token".into()], "`issuer` is not set"),
        (vec!["--config".into(), path(&unknown_key), "token".into()], "unknown configuration key `isuer`"),
        (vec!["--config".into(), path(&bad_toml), "token".into()], "not valid TOML"),
        (vec!["--config".into(), "/no/such/fiks.toml".into(), "token".into()], "cannot read config file"),
        (vec!["token".into(), "--no-such-flag".into()], "unexpected argument"),
        (vec!["no-such-command".into()], "unrecognized subcommand"),
    ];
    for (args, needle) in cases {
        let mut cmd = if args.contains(&"--config".to_string()) { cli() } else { configured() };
        let ran = run(cmd.args(&args));
        assert_code(&ran, 2);
        assert!(ran.stderr.contains(needle), "{args:?}: stderr lacks {needle:?}:\n{}", ran.stderr);
        if !args[0].starts_with("no-such") && !args.contains(&"--no-such-flag".to_string()) {
            assert!(ran.stderr.contains("\nhint: "), "{args:?}: no hint:\n{}", ran.stderr);
        }
        assert_no_secrets("a configuration error", &ran.all());
    }
}

#[test]
fn exit_2_without_any_configuration_says_how_to_give_one() {
    let ran = run(cli().arg("token"));
    assert_code(&ran, 2);
    assert!(ran.stderr.contains("hint: no configuration file was found: give --config FILE"), "{}", ran.stderr);
}

#[test]
fn exit_3_for_certificate_errors() {
    let wrong_password = run(configured().args(["--set", "certificate_password=feil", "token"]));
    assert_code(&wrong_password, 3);
    assert!(wrong_password.stderr.contains("hint: check `certificate_password`"), "{}", wrong_password.stderr);

    let expired = variant(
        "expired-token",
        LeafOptions { not_before: Some(days_from_now(-40)), not_after: Some(days_from_now(-1)), ..Default::default() },
    );
    let ran = run(configured().arg("token").args(cert_args(&expired)));
    assert_code(&ran, 3);
    assert!(ran.stderr.contains("expired") && ran.stderr.contains("hint: renew"), "{}", ran.stderr);

    let not_a_cert = scratch_file("not-a-cert.p12", "this is not a certificate");
    let ran = run(configured().args(["--set", &format!("certificate={}", path(&not_a_cert)), "headers"]));
    assert_code(&ran, 3);
    let private = private_mock();
    let (mock, config) = (&private.mock, private.config_path().to_path_buf());
    let mismatch = variant("mismatch-call", LeafOptions { other_key: true, ..Default::default() });
    let ran = run(cli().arg("--config").arg(&config).args(["call", "GET", "/echo"]).args(cert_args(&mismatch)));
    assert_code(&ran, 3);
    assert_eq!(mock.counters().token_requests, 0, "found before any network call");
}

#[test]
fn exit_4_when_maskinporten_refuses() {
    let issuer = run(configured().args(["--set", "issuer=ukjent-klient", "token"]));
    assert_code(&issuer, 4);
    assert!(issuer.stderr.contains("MP-100"), "{}", issuer.stderr);
    assert!(issuer.stderr.contains("hint: check `issuer`"), "{}", issuer.stderr);

    let audience = run(configured().args(["--set", &format!("audience={}", env().base_url), "token"]));
    assert_code(&audience, 4);
    assert!(audience.stderr.contains("MP-110"), "{}", audience.stderr);
    assert!(audience.stderr.contains("hint: check `environment`/`audience`"), "{}", audience.stderr);

    let scope = run(configured().args(["token", "--scope", "ks:ikke-tildelt"]));
    assert_code(&scope, 4);
    assert!(scope.stderr.contains("hint: check `scopes`"), "{}", scope.stderr);

    let other_org = variant("other-org", LeafOptions { orgnr: Some("987654321".into()), ..Default::default() });
    let ran = run(configured().arg("call").args(["GET", "/echo"]).args(cert_args(&other_org)));
    assert_code(&ran, 4);
    assert!(ran.stderr.contains("MP-122"), "{}", ran.stderr);
}

#[test]
fn exit_5_for_network_errors() {
    // A port nothing listens on: bind one, note it, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let closed = format!("http://127.0.0.1:{port}");
    let token =
        run(configured().args(["--set", &format!("token_endpoint={closed}/token"), "--set", "max_retries=0", "token"]));
    assert_code(&token, 5);
    assert!(token.stderr.contains("hint: check the network"), "{}", token.stderr);

    let call = run(configured().args([
        "--set",
        &format!("fiks_base_url={closed}/fiks"),
        "--set",
        "max_retries=0",
        "call",
        "GET",
        "/echo",
    ]));
    assert_code(&call, 5);

    // A timeout: the token endpoint answers after the request timed out.
    let private = private_mock();
    let (mock, config) = (&private.mock, private.config_path().to_path_buf());
    mock.push_fault(fiks_integrasjon_mock::FaultTarget::Token, "delay:20s".parse().unwrap(), 1);
    let slow = run(cli().arg("--config").arg(&config).args([
        "--set",
        "timeout_seconds=0.5",
        "--set",
        "max_retries=0",
        "token",
    ]));
    assert_code(&slow, 5);
    assert!(slow.stderr.contains("timed out") && slow.stderr.contains("timeout_seconds"), "{}", slow.stderr);
}

#[test]
fn configuration_comes_from_fiks_config_then_local_file() {
    // FIKS_CONFIG names the file.
    let ran = run(cli().env("FIKS_CONFIG", &env().config).arg("token"));
    assert_code(&ran, 0);
    // ./fiks.toml is read when present.
    let here = env().scratch.join("here");
    std::fs::create_dir_all(&here).unwrap();
    std::fs::copy(&env().config, here.join("fiks.toml")).unwrap();
    let ran = run(bare().current_dir(&here).arg("token"));
    assert_code(&ran, 0);
    // --config wins over FIKS_CONFIG.
    let ran = run(cli().env("FIKS_CONFIG", "/no/such/file.toml").arg("--config").arg(&env().config).arg("token"));
    assert_code(&ran, 0);
}

#[test]
fn environment_overrides_the_file_and_set_overrides_both() {
    let env_wins = run(configured().env("FIKS_ISSUER", "fra-miljoet").arg("token"));
    assert_code(&env_wins, 4);
    let set_wins =
        run(configured().env("FIKS_ISSUER", "fra-miljoet").args(["--set", "issuer=fiks-mock-client", "token"]));
    assert_code(&set_wins, 0);
    // Secrets by environment variable (the way --help recommends).
    let toml = std::fs::read_to_string(&env().config).unwrap();
    let without: String =
        toml.lines().filter(|l| !l.starts_with("certificate_password")).map(|l| format!("{l}\n")).collect();
    let cfg = scratch_file("no-password.toml", &without);
    let missing = run(cli().arg("--config").arg(&cfg).arg("token"));
    assert_code(&missing, 3);
    let from_env = run(cli().arg("--config").arg(&cfg).env("FIKS_CERTIFICATE_PASSWORD", CERT_PASSWORD).arg("token"));
    assert_code(&from_env, 0);
}
