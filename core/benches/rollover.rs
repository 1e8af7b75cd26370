//! Figure 5: N threads reading headers while the token expires every second.
//!
//! For N = 1, 8, 64, 512, two clients run side by side, each against its own in-process mock:
//! a steady one (a token that lives an hour) and a rollover one (tokens that live one second,
//! renewed ahead of expiry). The same N reader threads alternate between them in phases of
//! 100 ms, so both are measured under the same machine conditions — on a small shared VM the
//! speed of the machine drifts by 2× from one ten-second window to the next, which would
//! otherwise decide the "rollover p99 within 2× of steady p99" comparison. The rollover client
//! is read at least every 100 ms, well inside its renewal lead (450 ms of a 1 s token), so its
//! renewals still happen ahead of expiry. Every read is timed into an HDR histogram.
//!
//! One JSON line per client and N: reads, token requests, tokens issued, distinct tokens the
//! readers saw, and p50/p99/max read latency in nanoseconds.
//! `FIKS_BENCH_QUICK`: 1.5 s per N and N = 1, 8, 64. `FIKS_ROLLOVER_THREADS="64,512"`: only these N.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fiks_integrasjon::{Config, blocking};
use fiks_integrasjon_mock::testing::TestMock;
use hdrhistogram::Histogram;

const PHASE_MS: u128 = 100;

struct Side {
    fixture: TestMock,
    client: Arc<blocking::Client>,
    lifetime: u64,
    start_requests: u64,
    start_issued: u64,
}

fn side(lifetime: u64) -> Side {
    let fixture = TestMock::start();
    fixture.mock.set_token_lifetime(lifetime);
    let mut b = Config::builder();
    b.load_toml_str(&fixture.config_toml()).expect("config");
    let client = Arc::new(blocking::Client::new(b.build().expect("valid")).expect("client"));
    client.headers().expect("first token");
    let c = fixture.mock.counters();
    Side { start_requests: c.token_requests, start_issued: c.tokens_issued, fixture, client, lifetime }
}

#[derive(Default)]
struct Tally {
    hist: Option<Histogram<u64>>,
    seen: HashSet<String>,
    errors: u64,
}

impl Tally {
    fn new() -> Tally {
        Tally { hist: Some(Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("histogram")), ..Default::default() }
    }
    fn merge(&mut self, other: Tally) {
        if let (Some(a), Some(b)) = (self.hist.as_mut(), other.hist.as_ref()) {
            a.add(b).expect("merge");
        }
        self.seen.extend(other.seen);
        self.errors += other.errors;
    }
}

/// 64 timed reads of `client`.
fn read_batch(client: &blocking::Client, tally: &mut Tally, last: &mut usize) {
    let hist = tally.hist.as_mut().expect("histogram");
    for _ in 0..64 {
        let t0 = Instant::now();
        let h = client.headers();
        let ns = t0.elapsed().as_nanos() as u64;
        let _ = hist.record(ns.max(1));
        match h {
            Ok(h) => {
                let ptr = Arc::as_ptr(&h) as usize;
                if ptr != *last {
                    *last = ptr;
                    tally.seen.insert(h.authorization().to_string());
                }
            }
            Err(_) => tally.errors += 1,
        }
    }
}

fn run(threads: usize, secs: f64) -> Vec<serde_json::Value> {
    let sides = [side(3600), side(1)];
    let clients = Arc::new([sides[0].client.clone(), sides[1].client.clone()]);
    let barrier = Arc::new(std::sync::Barrier::new(threads + 1));
    let start = Arc::new(std::sync::OnceLock::<Instant>::new());
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (clients, barrier, start) = (clients.clone(), barrier.clone(), start.clone());
            std::thread::spawn(move || {
                let mut tallies = [Tally::new(), Tally::new()];
                let mut last = [0usize; 2];
                barrier.wait();
                let t0 = *start.get().expect("start");
                let end = Duration::from_secs_f64(secs);
                loop {
                    let elapsed = t0.elapsed();
                    if elapsed >= end {
                        break;
                    }
                    let i = ((elapsed.as_millis() / PHASE_MS) % 2) as usize;
                    read_batch(&clients[i], &mut tallies[i], &mut last[i]);
                }
                tallies
            })
        })
        .collect();
    start.set(Instant::now()).expect("once");
    barrier.wait();
    let mut totals = [Tally::new(), Tally::new()];
    for h in handles {
        let [a, b] = h.join().expect("reader thread");
        totals[0].merge(a);
        totals[1].merge(b);
    }
    sides
        .iter()
        .zip(totals)
        .map(|(s, t)| {
            let c = s.fixture.mock.counters();
            let hist = t.hist.expect("histogram");
            serde_json::json!({
                "threads": threads,
                "token_lifetime_s": s.lifetime,
                "seconds": secs,
                "interleaved_phase_ms": PHASE_MS as u64,
                "reads": hist.len(),
                "errors": t.errors,
                "token_requests": c.token_requests - s.start_requests,
                "tokens_issued": c.tokens_issued - s.start_issued,
                "distinct_tokens_seen": t.seen.len(),
                "p50_ns": hist.value_at_quantile(0.50),
                "p99_ns": hist.value_at_quantile(0.99),
                "max_ns": hist.max(),
            })
        })
        .collect()
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let quick = std::env::var_os("FIKS_BENCH_QUICK").is_some();
    let secs = if quick { 1.5 } else { 20.0 };
    let mut ns: Vec<usize> = if quick { vec![1, 8, 64] } else { vec![1, 8, 64, 512] };
    if let Ok(only) = std::env::var("FIKS_ROLLOVER_THREADS") {
        ns = only.split(',').map(|n| n.trim().parse().expect("FIKS_ROLLOVER_THREADS: numbers")).collect();
    }
    for n in ns {
        for line in run(n, secs) {
            println!("ROLLOVER {line}");
        }
    }
}
