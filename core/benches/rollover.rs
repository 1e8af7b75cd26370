//! Figure 5: N threads reading headers while the token expires every second.
//!
//! For N = 1, 8, 64, 512 it runs twice against the in-process mock: a steady state (a token
//! that lives an hour) and a rollover run (tokens that live one second, renewed ahead of
//! expiry). It prints one JSON line per run: reads, token requests, tokens issued, distinct
//! tokens the readers saw, and p50/p99/max read latency in nanoseconds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use fiks_integrasjon::{Config, blocking};
use fiks_integrasjon_mock::{MockOptions, MockServer};
use hdrhistogram::Histogram;

fn run(threads: usize, lifetime: u64, secs: f64) -> serde_json::Value {
    let mock = MockServer::start_blocking(MockOptions::default()).expect("mock");
    mock.set_token_lifetime(lifetime);
    let dir = tempfile::tempdir().expect("tempdir");
    let files = mock.pki().write_to(dir.path()).expect("pki");
    let mut b = Config::builder();
    b.load_toml_str(&mock.config_toml(&files)).expect("config");
    let client = Arc::new(blocking::Client::new(b.build().expect("valid")).expect("client"));
    client.headers().expect("first token");
    let start_requests = mock.counters().token_requests;
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let barrier = Arc::new(std::sync::Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (client, barrier) = (client.clone(), barrier.clone());
            std::thread::spawn(move || {
                let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("histogram");
                let mut seen = std::collections::HashSet::new();
                let mut last = 0usize;
                let mut errors = 0u64;
                barrier.wait();
                while Instant::now() < deadline {
                    for _ in 0..64 {
                        let t0 = Instant::now();
                        let h = client.headers();
                        let ns = t0.elapsed().as_nanos() as u64;
                        let _ = hist.record(ns.max(1));
                        match h {
                            Ok(h) => {
                                let ptr = Arc::as_ptr(&h) as usize;
                                if ptr != last {
                                    last = ptr;
                                    seen.insert(h.authorization().to_string());
                                }
                            }
                            Err(_) => errors += 1,
                        }
                    }
                }
                (hist, seen, errors)
            })
        })
        .collect();
    let mut hist = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).expect("histogram");
    let mut seen = std::collections::HashSet::new();
    let mut errors = 0;
    for h in handles {
        let (h, s, e) = h.join().expect("reader thread");
        hist.add(&h).expect("merge");
        seen.extend(s);
        errors += e;
    }
    let c = mock.counters();
    serde_json::json!({
        "threads": threads,
        "token_lifetime_s": lifetime,
        "seconds": secs,
        "reads": hist.len(),
        "errors": errors,
        "token_requests": c.token_requests - start_requests,
        "tokens_issued": c.tokens_issued - 1,
        "distinct_tokens_seen": seen.len(),
        "p50_ns": hist.value_at_quantile(0.50),
        "p99_ns": hist.value_at_quantile(0.99),
        "max_ns": hist.max(),
    })
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let quick = std::env::var_os("FIKS_BENCH_QUICK").is_some();
    let secs = if quick { 1.5 } else { 10.0 };
    let ns: &[usize] = if quick { &[1, 8, 64] } else { &[1, 8, 64, 512] };
    for &n in ns {
        println!("ROLLOVER {}", run(n, 3600, secs));
        println!("ROLLOVER {}", run(n, 1, secs));
    }
}
