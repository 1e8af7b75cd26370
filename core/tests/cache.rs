//! The token cache: single flight, refresh ahead, per-request separation.

mod common;

use std::sync::Arc;
use std::time::Duration;

use fiks_integrasjon::{Client, TokenRequest, blocking};

#[test]
fn two_hundred_threads_cause_one_token_request() {
    let env = common::env();
    env.mock.set_token_delay(Duration::from_millis(300));
    let client = Arc::new(blocking::Client::new(env.config()).unwrap());
    let barrier = Arc::new(std::sync::Barrier::new(200));
    let handles: Vec<_> = (0..200)
        .map(|_| {
            let (c, b) = (client.clone(), barrier.clone());
            std::thread::spawn(move || {
                b.wait();
                c.headers().map(|h| h.authorization().to_string())
            })
        })
        .collect();
    let tokens: Vec<String> = handles.into_iter().map(|h| h.join().unwrap().unwrap()).collect();
    assert!(tokens.windows(2).all(|w| w[0] == w[1]));
    assert_eq!(env.mock.counters().token_requests, 1);
    assert_eq!(client.stats().token_requests, 1);
}

#[test]
fn two_hundred_tasks_cause_one_token_request() {
    let env = common::env();
    env.mock.set_token_delay(Duration::from_millis(300));
    let config = env.config();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let client = Client::new(config).unwrap();
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let c = client.clone();
                tokio::spawn(async move { c.token().await.map(|t| t.access_token().to_string()) })
            })
            .collect();
        let mut first = None;
        for t in tasks {
            let tok = t.await.unwrap().unwrap();
            assert_eq!(first.get_or_insert_with(|| tok.clone()), &tok);
        }
        assert_eq!(client.stats().token_requests, 1);
    });
    assert_eq!(env.mock.counters().token_requests, 1);
}

#[test]
fn refresh_ahead_renews_in_background_without_blocking_readers() {
    let env = common::env();
    let cfg = env.with(&[("refresh_ahead_seconds", "30")]).build().unwrap();
    let client = blocking::Client::new(cfg).unwrap();
    let first = client.token().unwrap();
    // The mock's tokens live 120 s: usable 118 s, renewal due 30 s before that, at 88 s.
    fiks_integrasjon::clock::advance(Duration::from_secs(87));
    assert!(Arc::ptr_eq(&first, &client.token().unwrap()), "not due yet: cached");
    assert_eq!(env.mock.counters().token_requests, 1);
    // Due: the next read starts one background renewal, whose answer the mock holds back.
    env.mock.hold_tokens();
    fiks_integrasjon::clock::advance(Duration::from_secs(2));
    common::wait_until("a read started the background renewal", || {
        assert_eq!(client.token().unwrap().access_token(), first.access_token());
        env.mock.counters().token_requests == 2
    });
    // While the renewal is on its way every read gets the cached token at once: the mock has
    // not answered, so a read that waited for the renewal could not have returned.
    for _ in 0..1000 {
        assert_eq!(client.token().unwrap().access_token(), first.access_token());
    }
    assert_eq!(env.mock.counters().tokens_issued, 1);
    env.mock.release_tokens();
    common::wait_until("the renewed token is served", || {
        client.token().unwrap().access_token() != first.access_token()
    });
    assert_eq!(env.mock.counters().token_requests, 2, "one renewal for all the reads");
}

#[test]
fn separate_requests_are_cached_separately() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let a = client.token().unwrap();
    let b = client.token_for(&TokenRequest::scopes(["ks:fiks:test"])).unwrap();
    let b2 = client.token_for(&TokenRequest::scopes(["ks:fiks:test"])).unwrap();
    let c = client.token_for(&TokenRequest::scopes(["ks:fiks"]).with_resource("https://r.example.no")).unwrap();
    assert_ne!(a.access_token(), b.access_token());
    assert_ne!(b.access_token(), c.access_token());
    assert!(Arc::ptr_eq(&b, &b2));
    assert_eq!(b.scope.as_deref(), Some("ks:fiks:test"));
    assert_eq!(env.mock.counters().token_requests, 3);
}

#[test]
fn blocking_client_inside_a_runtime_is_an_error_not_a_panic() {
    let env = common::env();
    let client = blocking::Client::new(env.config()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let err = rt.block_on(async { client.token().unwrap_err() });
    assert_eq!(err.kind(), fiks_integrasjon::ErrorKind::Usage);
    assert!(err.to_string().contains("async"), "{err}");
    drop(client); // dropping never blocks, not even here
}
