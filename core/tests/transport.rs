//! Transport security: TLS to the mock with its own CA via `ca_file`, refusal without it,
//! and `HTTPS_PROXY`/`NO_PROXY` honoured through a small local CONNECT proxy.
//! (Each test runs in its own process under nextest, so setting proxy variables is safe.)

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use fiks_integrasjon::{ErrorKind, FiksRequest, TransportProblem, blocking};
use fiks_integrasjon_mock::MockOptions;

fn tls_env() -> common::Env {
    common::env_with(MockOptions { tls: true, ..MockOptions::default() })
}

#[test]
fn tls_with_ca_file_works_end_to_end() {
    let env = tls_env();
    assert!(env.mock.base_url().starts_with("https://"));
    let client = blocking::Client::new(env.config()).unwrap();
    assert_eq!(client.request(FiksRequest::get("/echo")).unwrap().status, 200);
}

#[test]
fn tls_without_the_ca_is_refused() {
    let env = tls_env();
    let mut b = env.builder();
    b.unset("ca_file").unwrap();
    b.set("max_retries", "0").unwrap();
    let client = blocking::Client::new(b.build().unwrap()).unwrap();
    let e = client.token().unwrap_err();
    assert!(matches!(e, fiks_integrasjon::Error::Transport { problem: TransportProblem::Tls, .. }), "{e:?}");
    assert!(e.hint().unwrap().contains("ca_file"));
    let bad = env.with(&[("ca_file", "/finnes/ikke.pem")]).build().unwrap();
    assert_eq!(blocking::Client::new(bad).unwrap_err().kind(), ErrorKind::Config);
}

/// A CONNECT proxy on loopback that counts the tunnels it opened.
fn connect_proxy() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let tunnels = Arc::new(AtomicUsize::new(0));
    let count = tunnels.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let count = count.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let target = line.split_whitespace().nth(1).unwrap_or_default().to_string();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap() <= 2 {
                        break;
                    }
                }
                let mut client = conn;
                if !line.starts_with("CONNECT ") {
                    let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n");
                    return;
                }
                let Ok(upstream) = TcpStream::connect(target.replace("localhost", "127.0.0.1")) else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                    return;
                };
                count.fetch_add(1, Ordering::SeqCst);
                client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").unwrap();
                let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                let mut from_client = reader;
                let mut up = upstream;
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut u2, &mut c2);
                });
                let _ = std::io::copy(&mut from_client, &mut up);
            });
        }
    });
    (url, tunnels)
}

#[test]
fn https_proxy_is_used_and_no_proxy_bypasses_it() {
    let env = tls_env();
    let (proxy, tunnels) = connect_proxy();
    // SAFETY: this test runs alone in its own process (nextest); no other thread reads the env yet.
    unsafe {
        std::env::set_var("HTTPS_PROXY", &proxy);
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }
    let client = blocking::Client::new(env.config()).unwrap();
    assert_eq!(client.request(FiksRequest::get("/echo")).unwrap().status, 200);
    assert!(tunnels.load(Ordering::SeqCst) >= 1, "the proxy carried the requests");

    let before = tunnels.load(Ordering::SeqCst);
    // SAFETY: as above.
    unsafe { std::env::set_var("NO_PROXY", "localhost,127.0.0.1") };
    let direct = blocking::Client::new(env.config()).unwrap();
    assert_eq!(direct.request(FiksRequest::get("/echo")).unwrap().status, 200);
    assert_eq!(tunnels.load(Ordering::SeqCst), before, "NO_PROXY hosts bypass the proxy");
}
