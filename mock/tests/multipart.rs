//! `POST <prefix>/echo/multipart`: parts, sizes and SHA-256s, the limits and refusals, and a
//! 200 MB upload streamed through without the mock's memory growing.

mod common;

use std::io::{Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use common::*;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, SizeHint};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

const BOUNDARY: &str = "----fiks-mock-test-7d1f0c2a";

/// One part of a multipart body: `(name, filename, content type, content)`.
type Part<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a [u8]);

/// The head of a part (delimiter line and headers).
fn part_head(name: &str, filename: Option<&str>, content_type: Option<&str>) -> String {
    let mut head = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"");
    if let Some(f) = filename {
        head.push_str(&format!("; filename=\"{f}\""));
    }
    head.push_str("\r\n");
    if let Some(t) = content_type {
        head.push_str(&format!("Content-Type: {t}\r\n"));
    }
    head.push_str("\r\n");
    head
}

fn multipart_body(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, filename, content_type, content) in parts {
        body.extend_from_slice(part_head(name, *filename, *content_type).as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

fn content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

async fn post(url: &str, headers: &[(String, String)], content_type: &str, body: &[u8]) -> Answer {
    let mut h = refs(headers);
    h.push(("content-type", content_type));
    request("POST", url, &h, body).await.expect("multipart request")
}

#[tokio::test]
async fn three_parts_with_their_sizes_and_hashes() {
    let mock = mock().await;
    let tok = token(&mock).await;
    let h = headers_for(&tok, &fiks_integrasjon_mock::mock_integrasjon(2));
    let metadata = br#"{"tittel": "Vedtak i byggesak", "mottaker": {"orgnr": "910000001"}}"#;
    let pdf: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let binary: Vec<u8> = (0..70_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    // The boundary's text inside a part's data (not after CRLF) is data, not a boundary.
    let mut tricky = b"--".to_vec();
    tricky.extend_from_slice(BOUNDARY.as_bytes());
    tricky.extend_from_slice(b" and\r\n-- more");
    let parts: [Part<'_>; 4] = [
        ("forsendelse", None, Some("application/json"), metadata.as_slice()),
        ("dokument", Some("vedtak.pdf"), Some("application/pdf"), pdf.as_slice()),
        ("vedlegg", Some("kart.bin"), None, binary.as_slice()),
        ("tom", Some("tom.txt"), Some("text/plain"), tricky.as_slice()),
    ];
    let body = multipart_body(&parts[..3]);
    let url = format!("{}/echo/multipart", mock.svarut_base_url());
    let a = post(&url, &h, &content_type(), &body).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let v = a.json();
    assert_eq!(
        v["parts"],
        json!([
            {"name": "forsendelse", "filename": null, "content_type": "application/json",
             "size": metadata.len(), "sha256": sha256_hex(metadata)},
            {"name": "dokument", "filename": "vedtak.pdf", "content_type": "application/pdf",
             "size": pdf.len(), "sha256": sha256_hex(&pdf)},
            {"name": "vedlegg", "filename": "kart.bin", "content_type": null,
             "size": binary.len(), "sha256": sha256_hex(&binary)},
        ])
    );
    assert_eq!(v["total_bytes"], metadata.len() + pdf.len() + binary.len());
    assert_eq!(v["body_bytes"], body.len());
    assert_eq!(v["service"], "svarut");
    assert_eq!(v["path"], "/svarut/echo/multipart");
    assert_eq!(v["integrasjon_id"], fiks_integrasjon_mock::mock_integrasjon(2).0);
    assert_eq!(v["token_sha256"], sha256_hex(tok.as_bytes()));
    assert!(!a.text().contains(&tok));

    let body = multipart_body(&parts[3..]);
    let a =
        post(&format!("{}/echo/multipart", mock.fiks_base_url()), &fiks_headers(&mock, &tok), &content_type(), &body)
            .await;
    assert_eq!(a.status, 200, "{}", a.text());
    let v = a.json();
    assert_eq!(v["service"], "fiks");
    assert_eq!(v["parts"][0]["size"], tricky.len());
    assert_eq!(v["parts"][0]["sha256"], sha256_hex(&tricky));
    // No parts at all is a well-formed body.
    let a = post(&url, &h, &content_type(), format!("--{BOUNDARY}--\r\n").as_bytes()).await;
    assert_eq!((a.status, a.json()["parts"].clone(), a.json()["total_bytes"].clone()), (200, json!([]), json!(0)));
}

#[tokio::test]
async fn refusals_in_the_fiks_format() {
    let mock = mock().await;
    let tok = token(&mock).await;
    let h = fiks_headers(&mock, &tok);
    let url = format!("{}/echo/multipart", mock.fiks_base_url());
    let good = multipart_body(&[("a", None, None, b"x")]);
    // The header checks come first.
    let a = post(&url, &[], &content_type(), &good).await;
    assert_fiks_error(&a, 401, "/echo/multipart");
    // Not multipart/form-data: 415.
    for ct in ["application/json", "multipart/mixed; boundary=x", "text/plain"] {
        let a = post(&url, &h, ct, &good).await;
        let v = assert_fiks_error(&a, 415, "/echo/multipart");
        assert!(v["message"].as_str().unwrap().contains("multipart/form-data"), "{v}");
    }
    let a = request("POST", &url, &refs(&h), &good).await.unwrap();
    assert_fiks_error(&a, 415, "/echo/multipart");
    let a = request("GET", &url, &refs(&h), b"").await.unwrap();
    assert_fiks_error(&a, 405, "/echo/multipart");
    assert_eq!(a.header("allow"), Some("POST"));
    // Malformed: 400.
    let no_name = format!("--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--\r\n");
    let unterminated = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx and no end");
    let other_boundary = multipart_body(&[("a", None, None, b"x")]).to_vec();
    for (ct, body, says) in [
        ("multipart/form-data".to_string(), good.clone(), "boundary"),
        (content_type(), no_name.into_bytes(), "no name"),
        (content_type(), unterminated.into_bytes(), ""),
        ("multipart/form-data; boundary=something-else".to_string(), other_boundary, ""),
        (content_type(), Vec::new(), ""),
    ] {
        let a = post(&url, &h, &ct, &body).await;
        let v = assert_fiks_error(&a, 400, "/echo/multipart");
        assert!(v["message"].as_str().unwrap().contains(says), "{v}");
    }
    // Other endpoints keep their 1 MiB limit.
    let big = vec![b'a'; 1024 * 1024 + 1];
    let a = post(&format!("{}/echo", mock.fiks_base_url()), &h, "text/plain", &big).await;
    assert_fiks_error(&a, 413, "/echo");
}

#[tokio::test]
async fn parts_and_header_sizes_are_capped() {
    let mock = mock().await;
    let tok = token(&mock).await;
    let h = fiks_headers(&mock, &tok);
    let url = format!("{}/echo/multipart", mock.fiks_base_url());
    let names: Vec<String> = (0..1001).map(|i| format!("p{i}")).collect();
    let parts: Vec<Part<'_>> = names.iter().map(|n| (n.as_str(), None, None, b"x".as_slice())).collect();
    let a = post(&url, &h, &content_type(), &multipart_body(&parts[..1000])).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["parts"].as_array().map(Vec::len), Some(1000));
    let a = post(&url, &h, &content_type(), &multipart_body(&parts)).await;
    let v = assert_fiks_error(&a, 400, "/echo/multipart");
    assert!(v["message"].as_str().unwrap().contains("more than 1000 parts"), "{v}");

    // Headers of 8 KiB pass; more is refused, whether they end or not.
    let header_part = |value_len: usize, end: bool| {
        let mut body = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Pad: ").into_bytes();
        body.extend(std::iter::repeat_n(b'p', value_len));
        if end {
            body.extend_from_slice(format!("\r\n\r\nx\r\n--{BOUNDARY}--\r\n").as_bytes());
        }
        body
    };
    let a = post(&url, &h, &content_type(), &header_part(7 * 1024, true)).await;
    assert_eq!(a.status, 200, "{}", a.text());
    let a = post(&url, &h, &content_type(), &header_part(9 * 1024, true)).await;
    let v = assert_fiks_error(&a, 400, "/echo/multipart");
    assert!(v["message"].as_str().unwrap().contains("8192 bytes of headers"), "{v}");
    let a = post(&url, &h, &content_type(), &header_part(512 * 1024, false)).await;
    let v = assert_fiks_error(&a, 400, "/echo/multipart");
    assert!(v["message"].as_str().unwrap().contains("did not end"), "{v}");
}

#[test]
fn a_body_announced_over_the_limit_is_413_before_it_is_read() {
    let mock = fiks_integrasjon_mock::MockServer::start_blocking(options()).unwrap();
    let mut s = std::net::TcpStream::connect(mock.addr()).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let (id, pw) = (&mock.options().integrasjon_id, &mock.options().integrasjon_passord);
    write!(
        s,
        "POST /fiks/echo/multipart HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nIntegrasjonId: {id}\r\n\
         IntegrasjonPassord: {pw}\r\nContent-Type: {}\r\nContent-Length: 3000000000\r\nConnection: close\r\n\r\n",
        mock.person_token(),
        content_type()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert!(answer.contains("\"status\":413") && answer.contains("/echo/multipart"), "{answer}");
}

/// A multipart body made as it is sent: one part of `size` bytes, from a 64 KiB block repeated.
struct Generated {
    head: Option<Bytes>,
    block: Bytes,
    remaining: u64,
    tail: Option<Bytes>,
    len: u64,
}

impl Generated {
    fn new(size: u64, block: Bytes) -> Generated {
        Generated::with_head(part_head("dokument", Some("stor.pdf"), Some("application/pdf")), size, block)
    }

    fn with_head(head: String, size: u64, block: Bytes) -> Generated {
        let head = Bytes::from(head);
        let tail = Bytes::from(format!("\r\n--{BOUNDARY}--\r\n"));
        let len = head.len() as u64 + size + tail.len() as u64;
        Generated { head: Some(head), block, remaining: size, tail: Some(tail), len }
    }
}

impl Body for Generated {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let me = &mut *self;
        if let Some(h) = me.head.take() {
            return Poll::Ready(Some(Ok(Frame::data(h))));
        }
        if me.remaining > 0 {
            let n = me.remaining.min(me.block.len() as u64) as usize;
            me.remaining -= n as u64;
            return Poll::Ready(Some(Ok(Frame::data(me.block.slice(..n)))));
        }
        Poll::Ready(me.tail.take().map(|t| Ok(Frame::data(t))))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
}

/// A `/proc/self/status` value in KiB (`VmRSS`, `VmHWM`).
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mb_upload_streams_through_without_the_memory_growing() {
    const SIZE: u64 = 200 * 1000 * 1000;
    let mock = mock().await;
    let tok = token(&mock).await;
    let h = fiks_headers(&mock, &tok);
    let url = format!("{}/echo/multipart", mock.svarut_base_url());
    let block = Bytes::from((0..64 * 1024u32).map(|i| (i % 253) as u8).collect::<Vec<u8>>());
    let mut expected = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    let mut left = SIZE;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        expected.update(&block[..n]);
        left -= n as u64;
    }
    let expected: String = expected.finish().as_ref().iter().map(|b| format!("{b:02x}")).collect();
    // Warm up the connection machinery, then measure from here: the peak resident size during
    // the upload may not exceed the size now by 50 MiB (the body is 4 times that). A mock that
    // kept the body or a part would grow by 200 MB; one that streams grows by a few chunks.
    let small = post(&url, &h, &content_type(), &multipart_body(&[("a", None, None, b"x")])).await;
    assert_eq!(small.status, 200, "{}", small.text());
    // Resets VmHWM to the current size where the kernel allows it (Linux 4.0+).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_kib("VmRSS");

    let stream = tokio::net::TcpStream::connect(mock.svarut_addr()).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(conn);
    let mut req = hyper::Request::builder().method("POST").uri(url.as_str()).header("host", "127.0.0.1");
    for (k, v) in &h {
        req = req.header(k.as_str(), v.as_str());
    }
    let req = req.header("content-type", content_type()).body(Generated::new(SIZE, block)).unwrap();
    let resp = sender.send_request(req).await.unwrap();
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    let peak = status_kib("VmHWM");

    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["parts"][0]["size"], SIZE);
    assert_eq!(v["parts"][0]["sha256"], expected);
    assert_eq!(v["parts"][0]["filename"], "stor.pdf");
    assert_eq!(v["total_bytes"], SIZE);
    let grew_kib = peak.saturating_sub(before);
    assert!(grew_kib < 50 * 1024, "resident size grew by {grew_kib} KiB during a {SIZE}-byte upload");
}

#[test]
fn a_body_refused_part_way_is_drained_so_a_client_that_sends_it_all_reads_the_answer() {
    let mock = fiks_integrasjon_mock::MockServer::start_blocking(options()).unwrap();
    let mut s = std::net::TcpStream::connect(mock.svarut_addr()).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    s.set_write_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    // The first part has no name: refused after its headers, with 20 MB still to come. A client
    // that writes the whole body before it reads (as many do) must not meet a reset connection.
    let head = format!("--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\n");
    let tail = format!("\r\n--{BOUNDARY}--\r\n");
    let size = 20 * 1000 * 1000;
    let (id, pw) = (&mock.options().integrasjon_id, &mock.options().integrasjon_passord);
    write!(
        s,
        "POST /svarut/echo/multipart HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nIntegrasjonId: {id}\r\n\
         IntegrasjonPassord: {pw}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{head}",
        mock.person_token(),
        content_type(),
        head.len() + size + tail.len(),
    )
    .unwrap();
    let block = vec![b'x'; 64 * 1024];
    let mut left = size;
    while left > 0 {
        let n = left.min(block.len());
        s.write_all(&block[..n]).expect("the mock reads the rest of the refused body");
        left -= n;
    }
    s.write_all(tail.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
    assert!(answer.contains("no name"), "{answer}");
}

#[test]
fn a_client_waiting_for_100_continue_gets_the_refusal_at_once() {
    let mock = fiks_integrasjon_mock::MockServer::start_blocking(options()).unwrap();
    let mut s = std::net::TcpStream::connect(mock.svarut_addr()).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let (id, pw) = (&mock.options().integrasjon_id, &mock.options().integrasjon_passord);
    write!(
        s,
        "POST /svarut/echo/multipart HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nIntegrasjonId: {id}\r\n\
         IntegrasjonPassord: {pw}\r\nContent-Type: application/pdf\r\nContent-Length: 10000000\r\n\
         Expect: 100-continue\r\n\r\n",
        mock.person_token(),
    )
    .unwrap();
    // No 100 Continue, the 415 instead, and the connection closes (the body is never sent).
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 415 "), "{answer}");
}
