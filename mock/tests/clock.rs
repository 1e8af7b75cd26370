//! The mock's clock: the wall clock moved by an offset. Grants are checked against it, and every
//! answer's `Date` header (the mock's own, not hyper's) shows it.

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use fiks_integrasjon_mock::{Fault, FaultTarget, LeafOptions, MockOptions, MockServer};
use serde_json::json;

const DAY: i64 = 86_400;

/// The wall clock moved by `secs`.
fn shifted(secs: i64) -> SystemTime {
    let by = Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 { SystemTime::now() + by } else { SystemTime::now() - by }
}

/// Asserts that an HTTP date is `expected` within 2 seconds.
fn assert_about(date: &str, expected: SystemTime, what: &str) {
    let got = httpdate::parse_http_date(date).unwrap_or_else(|e| panic!("{what}: '{date}' is no HTTP date: {e}"));
    let diff = match got.duration_since(expected) {
        Ok(d) => d,
        Err(e) => e.duration(),
    };
    assert!(diff <= Duration::from_secs(2), "{what}: Date '{date}' is {diff:?} from the expected time");
}

/// The one `Date` header of a raw answer.
fn only_date(answer: &str, what: &str) -> String {
    let dates = raw_header_values(answer, "date");
    assert_eq!(dates.len(), 1, "{what}: one Date header, got {dates:?}\n{answer}");
    dates[0].clone()
}

fn get(addr: std::net::SocketAddr, path: &str) -> String {
    raw_exchange(addr, &format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"))
}

fn post_form(addr: std::net::SocketAddr, path: &str, body: &str) -> String {
    raw_exchange(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: {FORM}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// One raw request to every part of the mock: `(what, raw answer)`.
fn every_part(mock: &MockServer) -> Vec<(&'static str, String)> {
    let (main, svarut) = (mock.addr(), mock.svarut_addr());
    vec![
        ("metadata", get(main, "/.well-known/oauth-authorization-server")),
        ("token refusal", post_form(main, "/token", "grant_type=x")),
        ("token method", get(main, "/token")),
        ("fiks", get(main, "/fiks/echo")),
        ("svarut", get(svarut, "/svarut/echo")),
        ("svarut 404", get(svarut, "/token")),
        ("control", get(main, "/_mock/counters")),
        ("clock", get(main, "/_mock/clock")),
        ("404", get(main, "/nowhere")),
    ]
}

#[test]
fn every_answer_carries_the_mocks_date_and_only_that() {
    let mock = MockServer::start_blocking(options()).unwrap();
    assert_eq!(mock.clock_offset(), 0);
    for offset in [0, 3600, -2 * DAY, 7] {
        mock.set_clock_offset(offset);
        assert_eq!(mock.clock_offset(), offset);
        for (what, answer) in every_part(&mock) {
            assert!(answer.starts_with("HTTP/1.1 "), "{what}: {answer}");
            assert_about(&only_date(&answer, what), shifted(offset), &format!("{what} at offset {offset}"));
        }
    }
    // Faulted answers too.
    mock.set_clock_offset(-600);
    mock.push_fault(FaultTarget::Token, Fault::Status(503), 1);
    mock.push_fault(FaultTarget::Fiks, Fault::Html502, 1);
    mock.push_fault(FaultTarget::Metadata, Fault::Garbage, 1);
    let token = post_form(mock.addr(), "/token", "grant_type=x");
    assert!(token.starts_with("HTTP/1.1 503"), "{token}");
    let fiks = get(mock.addr(), "/fiks/echo");
    assert!(fiks.starts_with("HTTP/1.1 502"), "{fiks}");
    let metadata = get(mock.addr(), "/.well-known/oauth-authorization-server");
    assert!(metadata.starts_with("HTTP/1.1 200"), "{metadata}");
    for (what, answer) in [("token fault", token), ("fiks fault", fiks), ("metadata fault", metadata)] {
        assert_about(&only_date(&answer, what), shifted(-600), what);
    }
}

#[test]
fn the_offset_of_the_options_holds_from_the_start_and_after_a_reset() {
    let mock = MockServer::start_blocking(MockOptions { clock_offset_secs: -120, ..options() }).unwrap();
    assert_eq!((mock.clock_offset(), mock.options().clock_offset_secs), (-120, -120));
    assert_about(&only_date(&get(mock.addr(), "/_mock/counters"), "start"), shifted(-120), "start");
    mock.set_clock_offset(50);
    mock.reset();
    assert_eq!(mock.clock_offset(), -120);
    assert_about(&only_date(&get(mock.addr(), "/_mock/counters"), "reset"), shifted(-120), "after reset");
}

#[tokio::test]
async fn grant_times_are_checked_against_the_mocks_clock() {
    let mock = mock().await;
    // Grants made from the wall clock: iat = now, exp = now + 100.
    let refusals = [
        (200, "invalid_grant", "MP-130 JWT is expired"),
        (-30, "invalid_grant", "Invalid assertion. Issue time is after now"),
        (-200, "invalid_grant", "Invalid assertion. Issue time is after now"),
        (30, "invalid_grant", "Invalid assertion. Issue time is too old (iat is more than 10 seconds before now)"),
    ];
    for (offset, error, description) in refusals {
        mock.set_clock_offset(offset);
        let a = post_grant(&mock, &Grant::new(&mock).sign()).await;
        assert_mp_error(&a, 400, error, description);
        assert_eq!(a.json()["error_description"], description, "offset {offset}");
        assert_about(a.header("date").unwrap_or(""), shifted(offset), "refusal");
    }
    // A few seconds either way is within Maskinporten's skew.
    for offset in [5, -5, 0] {
        mock.set_clock_offset(offset);
        let a = post_grant(&mock, &Grant::new(&mock).sign()).await;
        assert_eq!(a.status, 200, "offset {offset}: {}", a.text());
    }
    // A client whose clock agrees with the mock's is fine at any offset.
    for offset in [200, -200, 3 * DAY] {
        mock.set_clock_offset(offset);
        let now = common::now() + offset;
        let g = Grant::new(&mock).claim("iat", json!(now)).claim("exp", json!(now + 100));
        let a = post_grant(&mock, &g.sign()).await;
        assert_eq!(a.status, 200, "offset {offset}: {}", a.text());
    }
    let c = mock.counters();
    assert_eq!((c.tokens_issued, c.token_rejections.len()), (6, 4));
}

#[tokio::test]
async fn certificate_validity_is_checked_against_the_mocks_clock_too() {
    const MP_120: &str =
        "MP-120 Invalid assertion. Client authentication failed. The JWT is signed with an invalid certificate.";
    let mock = mock().await;
    // Grants made from the mock's clock, so only the certificate's validity is in question.
    let grant_at = |g: Grant, offset: i64| {
        let now = common::now() + offset;
        g.claim("iat", json!(now)).claim("exp", json!(now + 60)).sign()
    };
    // The leaf is valid for 365 days: 400 days on, it has expired.
    mock.set_clock_offset(400 * DAY);
    let a = post_grant(&mock, &grant_at(Grant::new(&mock), 400 * DAY)).await;
    assert_mp_error(&a, 400, "invalid_grant", MP_120);
    // A certificate that ended an hour ago was valid two hours ago (when the mock's CAs were
    // already valid: from a day before they were made).
    let now = SystemTime::now();
    let ended = LeafOptions {
        not_before: Some(now - Duration::from_secs(30 * DAY as u64)),
        not_after: Some(now - Duration::from_secs(3600)),
        ..Default::default()
    };
    let expired = pki().leaf_variant(ended);
    mock.set_clock_offset(0);
    let a = post_grant(&mock, &grant_at(Grant::for_pki(&mock, &expired), 0)).await;
    assert_mp_error(&a, 400, "invalid_grant", MP_120);
    mock.set_clock_offset(-7200);
    let a = post_grant(&mock, &grant_at(Grant::for_pki(&mock, &expired), -7200)).await;
    assert_eq!(a.status, 200, "{}", a.text());
}

#[tokio::test]
async fn a_retry_after_date_is_from_the_mocks_clock() {
    let mock = mock().await;
    mock.set_clock_offset(3600);
    mock.push_fault(FaultTarget::Token, Fault::RetryAfterDate(60), 1);
    let a = post_grant(&mock, &Grant::new(&mock).sign()).await;
    assert_eq!(a.status, 503);
    let date = httpdate::parse_http_date(a.header("date").unwrap()).unwrap();
    let retry = httpdate::parse_http_date(a.header("retry-after").unwrap()).unwrap();
    let gap = retry.duration_since(date).unwrap().as_secs();
    assert!((59..=61).contains(&gap), "Retry-After is {gap} s after Date");
}

#[tokio::test]
async fn the_clock_control_endpoint() {
    let mock = mock_with(MockOptions { clock_offset_secs: 15, ..MockOptions::default() }).await;
    let url = format!("{}/clock", mock.control_url());
    let v = request("GET", &url, &[], b"").await.unwrap().json();
    assert_eq!(v["offset_seconds"], 15);
    assert!((v["now"].as_i64().unwrap() - (common::now() + 15)).abs() <= 2, "{v}");
    let a = control(&mock, "clock", &json!({"offset_seconds": -45})).await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json(), json!({"ok": true, "offset_seconds": -45}));
    assert_eq!(mock.clock_offset(), -45);
    let v = request("GET", &url, &[], b"").await.unwrap().json();
    assert_eq!(v["offset_seconds"], -45);
    assert!((v["now"].as_i64().unwrap() - (common::now() - 45)).abs() <= 2, "{v}");
    assert_about(request("GET", &url, &[], b"").await.unwrap().header("date").unwrap(), shifted(-45), "control");
    for bad in [
        json!({"offset_seconds": "10"}),
        json!({"offset_seconds": 1.5}),
        json!({"offset_seconds": null}),
        json!({}),
        json!({"offset_seconds": 1, "x": 2}),
        json!([1]),
        json!(5),
    ] {
        let a = control(&mock, "clock", &bad).await;
        assert_eq!(a.status, 400, "{bad}: {}", a.text());
        assert!(a.json()["error"].is_string());
    }
    assert_eq!(mock.clock_offset(), -45, "a refused change changes nothing");
    assert_eq!(request("DELETE", &url, &[], b"").await.unwrap().status, 405);
    assert_eq!(control(&mock, "reset", &json!({})).await.status, 200);
    assert_eq!(mock.clock_offset(), 15, "back to the options");
}
