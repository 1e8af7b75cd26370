//! What `call` prints: `--json` (the answer, or the whole error model on any failure, with the
//! exit code unchanged), `-i` (status line and headers first), the trailing newline of text
//! bodies, `--raw`, and bodies that are not UTF-8.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use common::*;
use fiks_integrasjon_mock::{Fault, FaultTarget};
use serde_json::Value;

/// Runs `call` with `args`, once with `--json` and once without: the exit codes must match,
/// and the JSON run's stdout must be exactly one JSON document and a newline.
fn both(base: impl Fn() -> assert_cmd::Command, args: &[&str]) -> (Value, Ran, Ran) {
    let plain = run(base().arg("call").args(args));
    let json = run(base().args(["call", "--json"]).args(args));
    assert_eq!(json.code, plain.code, "--json keeps the exit code\nplain: {}\njson: {}", plain.stderr, json.stdout);
    assert!(json.stdout.ends_with('\n') && json.stdout.matches('\n').count() == 1, "one line: {:?}", json.stdout);
    let v: Value = serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", json.stdout));
    assert!(json.stderr.contains("error:") || json.code == 0, "stderr keeps the readable message: {}", json.stderr);
    (v, plain, json)
}

#[test]
fn json_success_has_status_headers_and_the_parsed_body() {
    let (v, _, ran) =
        both(configured, &["POST", "/innsyn-sok/api/v1/sok", "--data", r#"{"sok": "byggesak"}"#, "-H", "X-Sporing: t"]);
    assert_code(&ran, 0);
    assert_eq!(v["status"], 200);
    assert_eq!(v["body"]["sok"], "byggesak", "the body is parsed JSON, not a string: {v}");
    assert_eq!(v["headers"]["content-type"], "application/json");
    assert!(v["headers"].as_object().unwrap().keys().all(|k| k == &k.to_ascii_lowercase()), "{v}");
    assert!(v.get("body_base64").is_none(), "only for bodies that are not UTF-8");
    assert!(ran.stderr.is_empty(), "{}", ran.stderr);
    assert_no_secrets("call --json", &ran.all());

    let pretty = run(configured().args(["call", "--json", "--pretty", "GET", "/echo"]));
    assert_code(&pretty, 0);
    assert!(pretty.stdout.contains("\n  \"status\": 200"), "{}", pretty.stdout);
    assert!(serde_json::from_str::<Value>(&pretty.stdout).is_ok());
}

#[test]
fn json_failure_is_the_whole_fiks_error() {
    let (v, plain, json) = both(configured, &["GET", "/status/404"]);
    assert_code(&json, 1);
    assert!(plain.stdout.is_empty(), "without --json stdout stays empty: {}", plain.stdout);
    let e = &v["error"];
    assert_eq!(e["kind"], "api");
    assert_eq!(e["exit_code"], 1);
    assert_eq!(e["http_status"], 404);
    assert_eq!(e["transient"], false);
    assert_eq!(e["problem"], Value::Null);
    assert!(e["message"].as_str().unwrap().contains("Mock-feil med status 404"), "{e}");
    assert!(e["hint"].as_str().unwrap().starts_with("check the path"), "{e}");
    assert_eq!(e["oauth"], Value::Null);
    let fiks = &e["fiks"];
    assert_eq!(fiks["error_id"].as_str().map(str::len), Some(36), "{fiks}");
    assert_eq!(fiks["error_code"], "MOCK_FEIL");
    assert_eq!(fiks["message"], "Mock-feil med status 404 (requested error)");
    assert_eq!(fiks["path"], "/status/404");
    assert_eq!(fiks["error_json"]["antall"], 13);
    assert_eq!(e["body"]["errorId"], fiks["error_id"], "the raw answer too");
    // The errorId a script reads is the one stderr shows.
    assert!(json.stderr.contains(fiks["error_id"].as_str().unwrap()), "{}", json.stderr);

    // An answer that is not a Fiks error body: no `fiks`, the body as text.
    let (v, _, ran) = both(configured, &["GET", "/status/418?body=html"]);
    assert_code(&ran, 1);
    assert_eq!(v["error"]["problem"], "not_a_fiks_error");
    assert_eq!(v["error"]["fiks"], Value::Null);
    assert!(v["error"]["body"].as_str().is_some_and(|b| b.contains("<html>")), "{v}");
}

#[test]
fn json_failure_keeps_retry_after_and_transience() {
    let private = private_mock();
    private.mock.push_fault(FaultTarget::Fiks, Fault::TooManyRequests { retry_after_secs: 7 }, 2);
    let config = private.config_path().to_path_buf();
    let base = || {
        let mut c = cli();
        c.arg("--config").arg(&config).args(["--set", "max_retries=0"]);
        c
    };
    let (v, _, ran) = both(base, &["GET", "/echo"]);
    assert_code(&ran, 1);
    let e = &v["error"];
    assert_eq!(e["http_status"], 429);
    assert_eq!(e["transient"], true);
    assert_eq!(e["retry_after"], 7);
    assert_eq!(e["response_headers"]["retry-after"], "7");
}

#[test]
fn json_failure_for_token_certificate_config_and_usage_errors() {
    // Maskinporten refuses an unknown client: the OAuth fields and the MP code.
    let (v, _, ran) = both(configured, &["--set", "issuer=ukjent-klient", "GET", "/echo"]);
    assert_code(&ran, 4);
    let e = &v["error"];
    assert_eq!(e["kind"], "token");
    assert_eq!(e["problem"], "maskinporten_refused");
    assert_eq!(e["exit_code"], 4);
    assert_eq!(e["oauth"]["error"], "invalid_client", "{e}");
    assert_eq!(e["oauth"]["mp_code"], "MP-100", "{e}");
    assert_eq!(e["http_status"], 400);
    assert!(e["oauth"]["error_description"].is_string(), "{e}");
    assert_eq!(e["fiks"], Value::Null);

    let (v, _, ran) = both(configured, &["--set", "certificate_password=feil-passord", "GET", "/echo"]);
    assert_code(&ran, 3);
    assert_eq!(v["error"]["kind"], "certificate");
    assert_eq!(v["error"]["problem"], "wrong_password");
    assert_eq!(v["error"]["config_key"], "certificate_password");
    assert!(!ran.all().contains("feil-passord"));

    let (v, _, ran) = both(configured, &["--set", "timeout_seconds=-1", "GET", "/echo"]);
    assert_code(&ran, 2);
    assert_eq!(v["error"]["kind"], "config");
    assert_eq!(v["error"]["config_key"], "timeout_seconds");

    // Found by the CLI itself, before anything is sent.
    let (v, _, ran) = both(configured, &["POST", "/innsyn-sok/api/v1/sok", "--data", "{not json"]);
    assert_code(&ran, 2);
    assert_eq!(v["error"]["kind"], "usage");
    assert!(v["error"]["message"].as_str().unwrap().contains("not JSON"), "{v}");
    assert!(v["error"]["hint"].is_string());
}

#[test]
fn json_failure_for_a_timeout() {
    let private = private_mock();
    private.mock.push_fault(FaultTarget::Fiks, Fault::Delay(Duration::from_secs(30)), 2);
    let ran = run(cli().arg("--config").arg(private.config_path()).args([
        "--set",
        "max_retries=0",
        "--set",
        "timeout_seconds=1",
        "call",
        "--json",
        "GET",
        "/echo",
    ]));
    assert_code(&ran, 5);
    let v: Value = serde_json::from_str(&ran.stdout).expect("one JSON document");
    assert_eq!(v["error"]["kind"], "transport");
    assert_eq!(v["error"]["problem"], "timeout");
    assert_eq!(v["error"]["transient"], true);
}

#[test]
fn include_prints_the_status_line_and_headers_first() {
    let ran = run(configured().args(["call", "-i", "POST", "/innsyn-sok/api/v1/sok", "-d", r#"{"sok":"x"}"#]));
    assert_code(&ran, 0);
    let (head, body) = ran.stdout.split_once("\n\n").expect("an empty line after the headers");
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("HTTP 200 OK"));
    let headers: Vec<&str> = lines.collect();
    assert!(headers.contains(&"content-type: application/json"), "{head}");
    assert!(headers.iter().all(|h| h.contains(": ")), "{head}");
    let v: Value = serde_json::from_str(body).expect("the body after the headers");
    assert_eq!(v["sok"], "x");

    // A Fiks error answer: its status line and the kept headers, then the body; exit 1.
    let private = private_mock();
    private.mock.push_fault(FaultTarget::Fiks, Fault::TooManyRequests { retry_after_secs: 3 }, 1);
    let ran = run(cli().arg("--config").arg(private.config_path()).args([
        "--set",
        "max_retries=0",
        "call",
        "--include",
        "GET",
        "/echo",
    ]));
    assert_code(&ran, 1);
    assert!(ran.stdout.starts_with("HTTP 429 Too Many Requests\nretry-after: 3\n\n"), "{}", ran.stdout);
    assert!(ran.stderr.contains("error: the Fiks API answered HTTP 429"), "{}", ran.stderr);

    let conflict = run(configured().args(["call", "-i", "--json", "GET", "/echo"]));
    assert_code(&conflict, 2);
}

#[test]
fn text_bodies_end_with_a_newline_unless_raw() {
    // The mock's JSON answers have no trailing newline; stdout here is a pipe.
    let ran = run(configured().args(["call", "GET", "/echo"]));
    assert_code(&ran, 0);
    assert!(ran.stdout.ends_with("}\n") && !ran.stdout.ends_with("\n\n"), "{:?}", ran.stdout);
    let raw = run(configured().args(["call", "--raw", "GET", "/echo"]));
    assert_code(&raw, 0);
    assert!(raw.stdout.ends_with('}'), "--raw adds nothing: {:?}", raw.stdout);
    assert_eq!(raw.stdout.len() + 1, ran.stdout.len());
    let conflict = run(configured().args(["call", "--raw", "--pretty", "GET", "/echo"]));
    assert_code(&conflict, 2);
}

/// A one-route-per-path HTTP server on 127.0.0.1 for answers the mock never gives (a body that
/// is not UTF-8, repeated headers). Serves until the test process ends.
fn odd_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(match stream.try_clone() {
                Ok(s) => s,
                Err(_) => continue,
            });
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/");
            let (headers, body): (&str, &[u8]) = match path {
                "/bin" => {
                    ("content-type: application/octet-stream\r\nx-rep: a\r\nx-rep: b\r\n", b"%PDF\xe2\xe3\x00\xff")
                }
                _ => ("content-type: text/plain; charset=utf-8\r\n", "blåbær".as_bytes()),
            };
            let head =
                format!("HTTP/1.1 200 OK\r\n{headers}content-length: {}\r\nconnection: close\r\n\r\n", body.len());
            let mut stream = stream;
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body));
        }
    });
    format!("http://127.0.0.1:{port}/")
}

#[test]
fn bodies_that_are_not_utf8_stay_exact_and_get_base64_in_json() {
    let base_url = odd_server();
    let with_server = || {
        let mut c = configured();
        c.args(["--set", &format!("fiks_base_url={base_url}")]);
        c
    };
    let (v, _, ran) = both(with_server, &["GET", "/bin"]);
    assert_code(&ran, 0);
    assert_eq!(v["body_base64"], "JVBERuLjAP8=", "{v}");
    assert_eq!(v["body"], "%PDF\u{fffd}\u{fffd}\u{0}\u{fffd}");
    assert_eq!(v["headers"]["x-rep"], "a, b", "repeated headers joined: {v}");

    let out = with_server().args(["call", "GET", "/bin"]).output().expect("runs");
    assert_eq!(out.stdout, b"%PDF\xe2\xe3\x00\xff", "a binary body gets no newline");

    let (v, _, _) = both(with_server, &["GET", "/text"]);
    assert_eq!(v["body"], "blåbær", "text that is not JSON stays a string");
    assert!(v.get("body_base64").is_none());
    let text = run(with_server().args(["call", "GET", "/text"]));
    assert_eq!(text.stdout, "blåbær\n");
    let included = run(with_server().args(["call", "-i", "GET", "/bin"]));
    assert!(included.stdout.starts_with("HTTP 200 OK\n"), "{}", included.stdout);
    assert!(included.stdout.contains("x-rep: a\nx-rep: b\n"), "each header line as received: {}", included.stdout);
}
