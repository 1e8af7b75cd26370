//! Starting and stopping: async and blocking starts, TLS, the ready-made fiks.toml.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;
use fiks_integrasjon_mock::testing::{wait_until, wait_until_async};
use fiks_integrasjon_mock::{MockOptions, MockServer};

/// A synchronous HTTP/1.1 request, as a harness in another language would send it.
fn raw_get(base_url: &str, path: &str) -> std::io::Result<(u16, String)> {
    let addr = base_url.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n")?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    let status = out.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

#[test]
fn blocking_start_serves_sync_callers_and_stops_quickly() {
    let mock = MockServer::start_blocking(options()).unwrap();
    let base = mock.base_url();
    assert!(base.starts_with("http://127.0.0.1:"));
    assert_eq!(mock.audience(), format!("{base}/"));
    assert_eq!(mock.token_endpoint(), format!("{base}/token"));
    assert_eq!(mock.fiks_base_url(), format!("{base}/fiks"));
    assert_eq!(mock.addr().port(), mock.options().port);
    let (status, body) = raw_get(&base, "/.well-known/oauth-authorization-server").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains(&mock.audience()), "{body}");
    let (status, body) = raw_get(&base, "/_mock/counters").unwrap();
    assert_eq!(status, 200);
    assert!(body.contains("\"token_requests\":0"), "{body}");
    // A slow answer in flight does not hold up the stop: the stop cuts its connection.
    mock.push_fault(
        fiks_integrasjon_mock::FaultTarget::Fiks,
        fiks_integrasjon_mock::Fault::Delay(Duration::from_secs(30)),
        1,
    );
    let b2 = base.clone();
    let in_flight = std::thread::spawn(move || raw_get(&b2, "/fiks/echo"));
    wait_until("the slow request is held by the mock", || mock.counters().fiks_faults == 1);
    drop(mock);
    assert!(raw_get(&base, "/_mock/counters").is_err(), "stopped");
    // Closed without an answer: an empty read or a reset, not the 5 s read timeout that waiting
    // for the 30 s answer would end in.
    match in_flight.join().expect("no panic") {
        Ok((status, body)) => assert_eq!((status, body.as_str()), (0, ""), "answered after the stop"),
        Err(e) => assert!(!matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut), "still open: {e}"),
    }
}

#[test]
fn fixed_port_and_pki_generated_when_not_given() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let mock = MockServer::start_blocking(MockOptions { port, ..MockOptions::default() }).unwrap();
    assert_eq!(mock.base_url(), format!("http://127.0.0.1:{port}"));
    assert_eq!(mock.pki().orgnr(), "910000001");
    assert_eq!(mock.options().client_orgnr.as_deref(), Some("910000001"));
    // The port is taken now.
    let again = MockServer::start_blocking(MockOptions { port, pki: Some(pki()), ..MockOptions::default() });
    assert!(again.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_start_works_inside_a_runtime_too() {
    let mock = MockServer::start_blocking(options()).unwrap();
    assert_eq!(post_grant(&mock, &Grant::new(&mock).sign()).await.status, 200);
    let counters = mock.counters();
    assert_eq!(counters.tokens_issued, 1);
    drop(mock);
}

#[tokio::test]
async fn async_start_stops_on_drop() {
    let mock = mock().await;
    let url = mock.metadata_url();
    assert_eq!(request("GET", &url, &[], b"").await.unwrap().status, 200);
    drop(mock);
    wait_until_async("the dropped mock stops answering", || async { request("GET", &url, &[], b"").await.is_err() })
        .await;
}

#[tokio::test]
async fn tls_with_a_certificate_from_the_mock_ca() {
    let mock = mock_with(MockOptions { tls: true, ..MockOptions::default() }).await;
    let base = mock.base_url();
    assert!(base.starts_with("https://localhost:"), "{base}");
    assert!(mock.audience().starts_with("https://localhost:"));
    let a = request("GET", &mock.metadata_url(), &[], b"").await.unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["issuer"], mock.audience());
    let a = post_grant(&mock, &Grant::new(&mock).sign()).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let tok = a.json()["access_token"].as_str().unwrap().to_string();
    let a = request("GET", &format!("{}/echo", mock.fiks_base_url()), &refs(&fiks_headers(&mock, &tok)), b"")
        .await
        .unwrap();
    assert_eq!(a.status, 200);
    // Plain HTTP to the TLS port gets no answer.
    let plain = base.replace("https://localhost", "http://127.0.0.1");
    assert!(request("GET", &format!("{plain}/_mock/counters"), &[], b"").await.is_err());

    let dir = tempfile::tempdir().unwrap();
    let files = mock.pki().write_to(dir.path()).unwrap();
    let cfg: toml::Table = mock.config_toml(&files).parse().unwrap();
    assert_eq!(cfg["ca_file"].as_str(), files.ca_pem.to_str());
}

#[tokio::test]
async fn config_toml_has_exactly_the_client_keys() {
    let mock = mock().await;
    let dir = tempfile::tempdir().unwrap();
    let files = mock.pki().write_to(&dir.path().join("with \"quotes\" and \\")).unwrap();
    let text = mock.config_toml(&files);
    let cfg: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut keys: Vec<&str> = cfg.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "audience",
            "certificate",
            "certificate_password",
            "fiks_base_url",
            "integrasjon_id",
            "integrasjon_passord",
            "integrasjoner",
            "issuer",
            "scopes",
            "services",
            "token_endpoint"
        ]
    );
    // The tables the client's parser reads: [services] and [integrasjoner.NAME].
    let services = cfg["services"].as_table().unwrap();
    assert_eq!(services.len(), 1);
    assert_eq!(services["svarut"].as_str(), Some(mock.svarut_base_url().as_str()));
    let integrasjoner = cfg["integrasjoner"].as_table().unwrap();
    assert_eq!(integrasjoner.keys().map(String::as_str).collect::<Vec<_>>(), ["kommune-1", "kommune-2", "kommune-3"]);
    for (i, name) in (1..=3).zip(integrasjoner.keys()) {
        let t = integrasjoner[name].as_table().unwrap();
        let (id, passord) = fiks_integrasjon_mock::mock_integrasjon(i);
        assert_eq!(t.len(), 2, "{name}");
        assert_eq!(t["integrasjon_id"].as_str(), Some(id.as_str()));
        assert_eq!(t["integrasjon_passord"].as_str(), Some(passord.as_str()));
    }
    // Lines appended to the text are still top-level keys, and a named integrasjon can be added.
    let more: toml::Table = format!("{text}max_retries = 0\n[integrasjoner.bergen]\nintegrasjon_id = \"x\"\n")
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(more["max_retries"].as_integer(), Some(0));
    assert_eq!(more["integrasjoner"].as_table().map(|t| t.len()), Some(4));
    assert_eq!(cfg["audience"].as_str(), Some(mock.audience().as_str()));
    assert_eq!(cfg["token_endpoint"].as_str(), Some(mock.token_endpoint().as_str()));
    assert_eq!(cfg["fiks_base_url"].as_str(), Some(mock.fiks_base_url().as_str()));
    assert_eq!(cfg["issuer"].as_str(), Some("fiks-mock-client"));
    assert_eq!(cfg["scopes"].as_str(), Some("ks:fiks"));
    assert_eq!(cfg["certificate"].as_str(), files.p12.to_str());
    assert_eq!(cfg["certificate_password"].as_str(), Some("mock-passord"));
    assert_eq!(cfg["integrasjon_id"].as_str(), Some("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01"));
    assert_eq!(cfg["integrasjon_passord"].as_str(), Some("mock-integrasjon-passord"));
    let dbg = format!("{:?}", mock.options());
    assert!(!dbg.contains("mock-integrasjon-passord") && !dbg.contains(mock.person_token()), "{dbg}");
}
