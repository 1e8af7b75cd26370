//! The CLI's forms of issue 16's features: the on-disk token cache shared by short-lived
//! invocations, per-request token options and `authorization_details` on `token`, and
//! `cert-info` for JWK keys and certificates without a Norwegian orgnr.

mod common;

use std::process::Stdio;

use common::*;
use serde_json::Value;

/// The `fiks-integrasjon` binary, as a plain `std::process::Command` (to run many at once).
fn binary() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("fiks-integrasjon"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("FIKS_") || name == "RUST_LOG" {
            cmd.env_remove(&name);
        }
    }
    cmd
}

#[test]
fn twenty_concurrent_invocations_with_the_disk_cache_make_one_token_request() {
    let private = private_mock();
    let cache = private.dir().join("token-cache");
    let spawn = || {
        binary()
            .arg("--config")
            .arg(private.config_path())
            .arg("headers")
            .env("FIKS_TOKEN_CACHE", "disk")
            .env("FIKS_TOKEN_CACHE_DIR", &cache)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts")
    };
    let children: Vec<_> = (0..20).map(|_| spawn()).collect();
    let mut authorizations = std::collections::HashSet::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
        let auth = stdout.lines().find(|l| l.starts_with("Authorization: ")).expect("an Authorization line");
        authorizations.insert(auth.to_string());
    }
    assert_eq!(authorizations.len(), 1, "every invocation sent the same token");
    let c = private.mock.counters();
    assert_eq!((c.token_requests, c.tokens_issued), (1, 1), "20 processes, 1 token request");
    // Later invocations read it too; the files are the user's only.
    for _ in 0..5 {
        assert!(spawn().wait_with_output().unwrap().status.success());
    }
    assert_eq!(private.mock.counters().token_requests, 1);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&cache).unwrap().permissions().mode() & 0o777, 0o700);
    for f in std::fs::read_dir(&cache).unwrap() {
        let f = f.unwrap();
        assert_eq!(f.metadata().unwrap().permissions().mode() & 0o077, 0, "{:?}", f.path());
        let text = std::fs::read_to_string(f.path()).unwrap_or_default();
        assert!(!text.contains("PRIVATE KEY"), "never a private key");
    }
    // Without the disk cache, each invocation asks again.
    let plain = binary().arg("--config").arg(private.config_path()).arg("headers").output().unwrap();
    assert!(plain.status.success());
    assert_eq!(private.mock.counters().token_requests, 2);
}

#[test]
fn token_takes_per_request_options_and_authorization_details() {
    let private = private_mock();
    let json = r#"[{"type":"urn:altinn:systemuser","systemuser_org":{"authority":"iso6523-actorid-upis","ID":"0192:910000002"},"externalRef":"kunde-7"}]"#;
    let ran = run(cli().arg("--config").arg(private.config_path()).args([
        "token",
        "--json",
        "--authorization-details",
        json,
        "--consumer-org",
        "910000003",
    ]));
    assert_code(&ran, 0);
    let claims = private.mock.counters().last_grant_claims.expect("a grant");
    assert_eq!(claims["authorization_details"][0]["systemuser_org"]["ID"], "0192:910000002");
    assert_eq!(claims["authorization_details"][0]["externalRef"], "kunde-7");
    assert_eq!(claims["consumer_org"], "910000003");

    // A bad value is refused before anything is sent, with the key named.
    let bad = run(cli().arg("--config").arg(private.config_path()).args([
        "token",
        "--authorization-details",
        r#"[{"type":"urn:altinn:ukjent"}]"#,
    ]));
    assert_code(&bad, 2);
    assert!(bad.stderr.contains("authorization_details"), "{}", bad.stderr);
    let bad = run(cli().arg("--config").arg(private.config_path()).args(["token", "--pid", "123"]));
    assert_code(&bad, 2);
    assert!(bad.stderr.contains("11 digits"), "{}", bad.stderr);
    assert_eq!(private.mock.counters().token_requests, 1);
}

#[test]
fn cert_info_describes_a_jwk_key_and_its_one_year_end() {
    let files = &env().files;
    let ran = run(cli().env("FIKS_PRIVATE_KEY", &files.key_jwk).arg("cert-info"));
    assert_code(&ran, 0);
    for needle in ["Key", "jwk", "mock-kid-1", "days left"] {
        assert!(ran.stdout.contains(needle), "cert-info lacks {needle}:\n{}", ran.stdout);
    }
    assert!(ran.stderr.is_empty(), "{}", ran.stderr);
    let near = run(cli().env("FIKS_PRIVATE_KEY", &files.key_jwk_expiring).args(["cert-info", "--json"]));
    assert_code(&near, 0);
    let v: Value = serde_json::from_str(&near.stdout).unwrap();
    assert_eq!(v["key"]["kid"], "mock-kid-1");
    assert!(v["key"]["days_left"].as_i64().is_some_and(|d| d < 30), "{v}");
    assert_eq!(v["warning_codes"], serde_json::json!(["key_expires_soon"]));
    assert!(near.stderr.contains("expires in"), "{}", near.stderr);
}

#[test]
fn cert_info_says_when_a_certificate_has_no_norwegian_orgnr() {
    let files = &env().files;
    let ran = run(cli()
        .env("FIKS_CERTIFICATE", &files.eseal_p12)
        .env("FIKS_CERTIFICATE_PASSWORD", CERT_PASSWORD)
        .arg("cert-info"));
    assert_code(&ran, 0);
    assert!(ran.stdout.contains("no Norwegian orgnr"), "{}", ran.stdout);
    let json = run(cli()
        .env("FIKS_CERTIFICATE", &files.eseal_p12)
        .env("FIKS_CERTIFICATE_PASSWORD", CERT_PASSWORD)
        .args(["cert-info", "--json"]));
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!((v["orgnr"].clone(), v["norwegian_orgnr"].clone()), (Value::Null, Value::Bool(false)));
    assert_eq!(v["ok"], true);
}
