//! The `fiks-integrasjon-mock` binary as other languages' test suites run it.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use common::{FORM, JWT_BEARER, form, request};
use serde_json::{Value, json};

const KEYS: &[&str] = &[
    "audience",
    "base_url",
    "ca_pem",
    "chain_pem",
    "config",
    "dir",
    "eseal_chain_pem",
    "eseal_key_pem",
    "eseal_p12",
    "extra_integrasjoner",
    "fiks_base_url",
    "integrasjon_id",
    "integrasjon_passord",
    "integrasjoner",
    "issuer",
    "key_encrypted_pem",
    "key_jwk",
    "key_jwk_expiring",
    "key_pem",
    "key_pkcs1_pem",
    "kid",
    "orgnr",
    "p12",
    "p12_expired",
    "p12_legacy",
    "password",
    "person_token",
    "svarut_base_url",
    "token_endpoint",
];

fn spawn(args: &[&str]) -> (Child, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fiks-integrasjon-mock"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx.recv_timeout(Duration::from_secs(20)).expect("one line of JSON in time");
    let info: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    (child, info)
}

/// The test PKI saved for `--pki`, so the binary skips key generation.
fn cached_pki_bundle(dir: &tempfile::TempDir) -> String {
    let path = dir.path().join("pki.json");
    common::pki().save(&path).unwrap();
    path.to_str().unwrap().to_string()
}

fn wait_exit(child: &mut Child, within: Duration) -> std::process::ExitStatus {
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if t0.elapsed() > within {
            let _ = child.kill();
            panic!("did not exit within {within:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn s<'v>(info: &'v Value, key: &str) -> &'v str {
    info[key].as_str().unwrap_or_else(|| panic!("{key} missing"))
}

/// A grant built from the files the binary wrote.
fn grant_from_files(info: &Value) -> String {
    let chain = std::fs::read_to_string(s(info, "chain_pem")).unwrap();
    let x5c: Vec<String> = chain
        .split_inclusive("-----END CERTIFICATE-----")
        .filter(|b| b.contains("BEGIN"))
        .map(|b| {
            let (_, der) = pkcs8::der::pem::decode_vec(b.trim().as_bytes()).unwrap();
            base64::engine::general_purpose::STANDARD.encode(der)
        })
        .collect();
    assert_eq!(x5c.len(), 2);
    let (_, key) =
        pkcs8::der::pem::decode_vec(std::fs::read_to_string(s(info, "key_pem")).unwrap().as_bytes()).unwrap();
    let now = common::now();
    let g = common::Grant {
        header: json!({"alg": "RS256", "x5c": x5c}).as_object().cloned().unwrap(),
        claims: json!({"aud": s(info, "audience"), "iss": s(info, "issuer"), "scope": "ks:fiks", "iat": now, "exp": now + 60, "jti": uuid::Uuid::new_v4().to_string()})
            .as_object()
            .cloned()
            .unwrap(),
        key,
        alg: "RS256",
    };
    g.sign()
}

#[tokio::test]
async fn prints_where_everything_is_and_exits_when_stdin_closes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let bundle = cached_pki_bundle(&dir);
    let (mut child, info) = spawn(&[
        "--pki",
        &bundle,
        "--dir",
        d,
        "--exit-on-stdin-close",
        "--token-lifetime",
        "7",
        "--fault",
        "token:503",
        "--fault",
        "fiks:html502*2",
    ]);
    let mut keys: Vec<&str> = info.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, KEYS);
    assert_eq!(s(&info, "dir"), d);
    assert_eq!(s(&info, "config"), dir.path().join("fiks.toml").to_str().unwrap());
    for k in [
        "config",
        "p12",
        "p12_expired",
        "p12_legacy",
        "chain_pem",
        "key_pem",
        "key_pkcs1_pem",
        "key_encrypted_pem",
        "ca_pem",
        "key_jwk",
        "key_jwk_expiring",
        "eseal_p12",
        "eseal_chain_pem",
        "eseal_key_pem",
    ] {
        assert!(std::path::Path::new(s(&info, k)).is_file(), "{k}");
    }
    let jwk: Value = serde_json::from_str(&std::fs::read_to_string(s(&info, "key_jwk")).unwrap()).unwrap();
    assert_eq!(jwk["kid"], "mock-kid-1");
    assert_eq!((s(&info, "password"), s(&info, "orgnr"), s(&info, "kid")), ("mock-passord", "910000001", "mock-kid-1"));
    let base = s(&info, "base_url");
    assert!(base.starts_with("http://127.0.0.1:"));
    assert_eq!(s(&info, "audience"), format!("{base}/"));
    let toml = std::fs::read_to_string(s(&info, "config")).unwrap();
    assert!(toml.contains(&format!("certificate = \"{}\"", s(&info, "p12"))), "{toml}");

    // The queued fault, then a real token with the lifetime asked for.
    let body = form(&[("grant_type", JWT_BEARER), ("assertion", &grant_from_files(&info))]);
    let a = request("POST", s(&info, "token_endpoint"), &[("content-type", FORM)], body.as_bytes()).await.unwrap();
    assert_eq!(a.status, 503);
    let body = form(&[("grant_type", JWT_BEARER), ("assertion", &grant_from_files(&info))]);
    let a = request("POST", s(&info, "token_endpoint"), &[("content-type", FORM)], body.as_bytes()).await.unwrap();
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["expires_in"], 7);
    let echo = format!("{}/echo", s(&info, "fiks_base_url"));
    assert_eq!(request("GET", &echo, &[], b"").await.unwrap().status, 502);
    assert_eq!(request("GET", &echo, &[], b"").await.unwrap().status, 502);
    assert_eq!(request("GET", &echo, &[], b"").await.unwrap().status, 401);

    // Control endpoints.
    let ctl = format!("{base}/_mock/faults");
    let a = request("POST", &ctl, &[], br#"{"target":"fiks","faults":["503"],"times":1}"#).await.unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(request("GET", &echo, &[], b"").await.unwrap().status, 503);
    let counters = request("GET", &format!("{base}/_mock/counters"), &[], b"").await.unwrap().json();
    assert_eq!(counters["tokens_issued"], 1);
    assert_eq!(counters["fiks_faults"], 3);

    // The SvarUt stand-in, the named integrasjoner, and both in the fiks.toml.
    let svarut = s(&info, "svarut_base_url");
    assert!(svarut.starts_with("http://127.0.0.1:") && svarut.ends_with("/svarut") && !svarut.starts_with(base));
    assert_eq!(request("GET", &format!("{svarut}/echo"), &[], b"").await.unwrap().status, 401);
    assert_eq!(info["extra_integrasjoner"], 100);
    let (id, passord) = fiks_integrasjon_mock::mock_integrasjon(1);
    assert_eq!(
        info["integrasjoner"][0],
        json!({"name": "kommune-1", "integrasjon_id": id, "integrasjon_passord": passord})
    );
    assert_eq!(info["integrasjoner"].as_array().map(Vec::len), Some(3));
    let cfg: toml::Table = toml.parse().unwrap();
    assert_eq!(cfg["services"]["svarut"].as_str(), Some(svarut));
    assert_eq!(
        cfg["integrasjoner"]["kommune-3"]["integrasjon_id"].as_str(),
        info["integrasjoner"][2]["integrasjon_id"].as_str()
    );

    drop(child.stdin.take());
    assert!(wait_exit(&mut child, Duration::from_secs(5)).success());
    assert!(request("GET", &echo, &[], b"").await.is_err());
}

#[cfg(unix)]
#[test]
fn sigterm_is_a_clean_exit_and_tls_is_described() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, info) = spawn(&["--tls", "--pki", &cached_pki_bundle(&dir)]);
    assert!(s(&info, "base_url").starts_with("https://localhost:"));
    let toml = std::fs::read_to_string(s(&info, "config")).unwrap();
    assert!(toml.contains(&format!("ca_file = \"{}\"", s(&info, "ca_pem"))), "{toml}");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = wait_exit(&mut child, Duration::from_secs(5));
    assert_eq!(status.code(), Some(0));
    let _ = std::fs::remove_dir_all(s(&info, "dir"));
}

#[test]
fn a_saved_pki_is_reused() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("pki.json");
    let b = bundle.to_str().unwrap();
    let mut leaves = Vec::new();
    for run in ["one", "two"] {
        let out = dir.path().join(run);
        let (mut child, info) = spawn(&["--pki", b, "--dir", out.to_str().unwrap(), "--exit-on-stdin-close"]);
        leaves.push(std::fs::read_to_string(s(&info, "chain_pem")).unwrap());
        leaves.push(std::fs::read_to_string(s(&info, "eseal_chain_pem")).unwrap());
        drop(child.stdin.take());
        assert!(wait_exit(&mut child, Duration::from_secs(5)).success());
    }
    assert!(bundle.is_file());
    assert_eq!(leaves[0], leaves[2]);
    assert_eq!(leaves[1], leaves[3], "the eSeal too");
}

#[tokio::test]
async fn clock_offset_and_metadata_faults_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = cached_pki_bundle(&dir);
    let out = dir.path().join("out");
    let (mut child, info) = spawn(&[
        "--pki",
        &bundle,
        "--dir",
        out.to_str().unwrap(),
        "--exit-on-stdin-close",
        "--clock-offset",
        "-300",
        "--fault",
        "metadata:503",
    ]);
    let base = s(&info, "base_url");
    let clock = request("GET", &format!("{base}/_mock/clock"), &[], b"").await.unwrap();
    assert_eq!(clock.json()["offset_seconds"], -300);
    let date = httpdate::parse_http_date(clock.header("date").unwrap()).unwrap();
    let expected = std::time::SystemTime::now() - Duration::from_secs(300);
    let diff = date.duration_since(expected).unwrap_or_else(|e| e.duration());
    assert!(diff <= Duration::from_secs(2), "Date is {diff:?} off");
    let metadata = format!("{base}/.well-known/oauth-authorization-server");
    assert_eq!(request("GET", &metadata, &[], b"").await.unwrap().status, 503);
    assert_eq!(request("GET", &metadata, &[], b"").await.unwrap().status, 200);
    let counters = request("GET", &format!("{base}/_mock/counters"), &[], b"").await.unwrap().json();
    assert_eq!((counters["metadata_requests"].as_u64(), counters["metadata_faults"].as_u64()), (Some(2), Some(1)));
    drop(child.stdin.take());
    assert!(wait_exit(&mut child, Duration::from_secs(5)).success());
}

#[test]
fn bad_arguments_are_refused() {
    let junk = tempfile::NamedTempFile::new().unwrap();
    let junk = junk.path().to_str().unwrap();
    for args in [
        &["--fault", "nowhere:503"][..],
        &["--fault", "token:404"],
        &["--port", "x"],
        &["--pki", junk],
        &["--clock-offset", "soon"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_fiks-integrasjon-mock")).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(!out.stderr.is_empty());
    }
}
