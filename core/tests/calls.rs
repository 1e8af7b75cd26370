//! Calls started without waiting (`blocking::Client::start`): what the bindings' callbacks,
//! .NET tasks and Python awaitables are built on. Each completion runs exactly once; cancelling
//! one caller never cancels the token fetch others share; dropping the client ends every pending
//! call before the drop returns.

mod common;

use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use fiks_integrasjon::{Error, ErrorKind, FiksRequest, blocking};

/// A generous bound for a result that must come (never a timing assertion).
const FAIL_AFTER: Duration = Duration::from_secs(30);

fn thread_name() -> String {
    std::thread::current().name().unwrap_or("").to_string()
}

#[test]
fn the_completion_runs_once_on_the_library_thread() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let (tx, rx) = mpsc::channel();
    let call = client
        .start(
            |c| async move { c.headers().await },
            move |r| tx.send((thread_name(), r.map(|h| h.integrasjon_id().to_string()))).unwrap(),
        )
        .unwrap();
    let (thread, result) = rx.recv_timeout(FAIL_AFTER).unwrap();
    assert_eq!(thread, "fiks-integrasjon");
    assert!(!result.unwrap().is_empty());
    assert!(rx.recv_timeout(Duration::from_millis(200)).is_err(), "exactly once");
    common::wait_until("the call is finished", || call.is_finished());
    // Cancelling after the end changes nothing.
    call.cancel();
    assert!(rx.try_recv().is_err());
}

#[test]
fn errors_arrive_through_the_completion() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let (tx, rx) = mpsc::channel();
    client
        .start(|c| async move { c.request(FiksRequest::get("/status/404")).await }, move |r| tx.send(r).unwrap())
        .unwrap();
    let e = rx.recv_timeout(FAIL_AFTER).unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Api);
    assert_eq!(e.http_status(), Some(404));
}

#[test]
fn cancelling_the_caller_that_fetches_keeps_the_fetch_for_the_others() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    env.mock.hold_tokens();
    let (tx_a, rx_a) = mpsc::channel();
    let a = client
        .start(|c| async move { c.token().await }, move |r| tx_a.send(r.map(|t| t.access_token().to_string())).unwrap())
        .unwrap();
    // A holds the slot and its fetch is at the mock.
    common::wait_until("the first caller's token request reached the mock", || env.mock.counters().token_requests == 1);
    let (tx_b, rx_b) = mpsc::channel();
    client
        .start(|c| async move { c.token().await }, move |r| tx_b.send(r.map(|t| t.access_token().to_string())).unwrap())
        .unwrap();
    a.cancel();
    let cancelled = rx_a.recv_timeout(FAIL_AFTER).unwrap().unwrap_err();
    assert!(matches!(cancelled, Error::Cancelled { client_closed: false }), "{cancelled:?}");
    assert_eq!(cancelled.kind(), ErrorKind::Cancelled);
    assert_eq!(cancelled.problem(), Some("cancelled"));
    env.mock.release_tokens();
    let token = rx_b.recv_timeout(FAIL_AFTER).unwrap().unwrap();
    assert_eq!(client.access_token().unwrap(), token, "B got the fetch A started");
    assert_eq!(env.mock.counters().token_requests, 1);
    assert_eq!(env.mock.counters().tokens_issued, 1);
}

#[test]
fn a_request_deadline_of_the_fetching_caller_does_not_restart_the_fetch() {
    let env = common::env();
    let client = Arc::new(blocking::Client::new(env.config()).unwrap());
    env.mock.hold_tokens();
    let first = {
        let c = client.clone();
        std::thread::spawn(move || c.request(FiksRequest::get("/x").timeout(Duration::from_millis(50))))
    };
    common::wait_until("the token request reached the mock", || env.mock.counters().token_requests == 1);
    let e = first.join().unwrap().unwrap_err();
    assert_eq!(e.problem(), Some("timeout"), "{e}");
    let second = {
        let c = client.clone();
        std::thread::spawn(move || c.access_token())
    };
    env.mock.release_tokens();
    second.join().unwrap().unwrap();
    assert_eq!(env.mock.counters().token_requests, 1);
}

#[test]
fn dropping_the_client_ends_every_pending_call_before_it_returns() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    env.mock.hold_tokens();
    let (tx, rx) = mpsc::channel();
    for i in 0..8 {
        let tx = tx.clone();
        client.start(|c| async move { c.headers().await }, move |r| tx.send((i, r.map(drop))).unwrap()).unwrap();
    }
    drop(tx);
    common::wait_until("the token request reached the mock", || env.mock.counters().token_requests == 1);
    drop(client);
    // Every completion has run by now: the channel is complete and closed.
    let mut seen: Vec<usize> = Vec::new();
    while let Ok((i, r)) = rx.try_recv() {
        let e = r.unwrap_err();
        assert!(matches!(e, Error::Cancelled { client_closed: true }), "{e:?}");
        assert_eq!(e.problem(), Some("client_closed"));
        seen.push(i);
    }
    seen.sort_unstable();
    assert_eq!(seen, (0..8).collect::<Vec<_>>());
    assert!(matches!(rx.try_recv(), Err(mpsc::TryRecvError::Disconnected)));
    env.mock.release_tokens();
}

#[test]
fn every_completion_runs_exactly_once_whenever_it_is_cancelled() {
    let env = common::env();
    let client = Arc::new(blocking::Client::new(env.config()).unwrap());
    client.headers().unwrap();
    let (tx, rx) = mpsc::channel();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (client, tx) = (client.clone(), tx.clone());
            std::thread::spawn(move || {
                for i in 0..250 {
                    let tx = tx.clone();
                    let id = t * 1000 + i;
                    let call = client
                        .start(
                            |c| async move { c.request(FiksRequest::get("/echo")).await.map(drop) },
                            move |r| tx.send((id, r.is_ok())).unwrap(),
                        )
                        .unwrap();
                    // Cancel at once, after a moment, or never.
                    match i % 3 {
                        0 => call.cancel(),
                        1 => {
                            std::thread::yield_now();
                            call.cancel()
                        }
                        _ => {}
                    }
                }
            })
        })
        .collect();
    drop(tx);
    for t in threads {
        t.join().unwrap();
    }
    let mut ids: Vec<usize> = Vec::new();
    while let Ok((id, _)) = rx.recv_timeout(FAIL_AFTER) {
        ids.push(id);
    }
    ids.sort_unstable();
    let expected: Vec<usize> = (0..4).flat_map(|t| (0..250).map(move |i| t * 1000 + i)).collect();
    assert_eq!(ids, expected);
}

#[test]
fn waiting_from_inside_a_completion_is_refused() {
    let env = common::env();
    let client = Arc::new(blocking::Client::new(env.config()).unwrap());
    let (tx, rx) = mpsc::channel();
    let inner = client.clone();
    client
        .start(
            |c| async move { c.token().await },
            move |_| tx.send(inner.request(FiksRequest::get("/x")).map(drop)).unwrap(),
        )
        .unwrap();
    let e = rx.recv_timeout(FAIL_AFTER).unwrap().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage, "{e}");
}
