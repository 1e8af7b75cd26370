//! The core's rules as the CLI shows them: transient Maskinporten failures exit 5 with a retry
//! hint, paths in a config file are relative to it, a private key given as text is never
//! echoed, and `--header` follows the core's header rule (one `Content-Type`).

mod common;

use common::*;
use fiks_integrasjon_mock::{Fault, FaultTarget};

#[test]
fn a_busy_maskinporten_exits_5_with_a_retry_hint() {
    let mock = private_mock();
    mock.mock.push_fault(FaultTarget::Token, Fault::Status(503), 100);
    let ran = run(cli().arg("--config").arg(mock.config_path()).args(["--set", "max_retries=0", "token"]));
    assert_code(&ran, 5);
    assert!(ran.stderr.contains("try again"), "{}", ran.stderr);
    assert!(!ran.stderr.contains("check `issuer`"), "{}", ran.stderr);
}

#[test]
fn paths_in_the_config_file_are_relative_to_it() {
    let e = env();
    let dir = e.scratch.join("relative");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&e.files.p12, dir.join("virksomhet.p12")).unwrap();
    let toml = std::fs::read_to_string(&e.config).unwrap();
    let mut text: String = toml.lines().filter(|l| !l.starts_with("certificate =")).map(|l| format!("{l}\n")).collect();
    text.push_str("certificate = \"virksomhet.p12\"\n");
    std::fs::write(dir.join("fiks.toml"), text).unwrap();
    // Run from another directory, as a service manager would.
    let ran = run(cli().arg("--config").arg(dir.join("fiks.toml")).arg("token"));
    assert_code(&ran, 0);
}

#[test]
fn a_private_key_given_as_text_is_never_printed() {
    let secret = "-----BEGIN PRIVATE KEY-----\nMIIEvQ-SECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n";
    let chain = std::fs::read_to_string(&env().files.chain_pem).unwrap();
    let ran = run(configured().env("FIKS_CERTIFICATE", &chain).env("FIKS_PRIVATE_KEY", secret).arg("token"));
    assert_code(&ran, 3);
    assert!(!ran.all().contains("SECRET-KEY-MATERIAL"), "{}", ran.all());
}

#[test]
fn a_header_with_a_line_break_is_refused_and_content_type_is_one() {
    let ran = run(configured().args(["call", "GET", "/echo", "--header", "X-Evil: a\rInjected: 1"]));
    assert_code(&ran, 2);
    let ran = run(configured().args([
        "call",
        "POST",
        "/echo",
        "--header",
        "Content-Type: application/xml",
        "--data",
        "<a/>",
    ]));
    assert_code(&ran, 0);
    let echo: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(echo["headers"]["content-type"], "application/xml", "{}", ran.stdout);
}
