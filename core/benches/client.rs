//! Criterion benchmarks of the Rust core against the in-process mock over loopback:
//! cached reads, grant signing, cold token fetches, and the physical limits measured in the
//! same run (one RSA-2048 PKCS#1 v1.5 SHA-256 signature with aws-lc, and one loopback HTTP
//! round trip to a minimal server). `scripts/bench` turns the results into BENCHMARKS.md.

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, criterion_group, criterion_main};
use fiks_integrasjon::{Config, blocking};
use fiks_integrasjon_mock::testing::TestMock;

/// The shared test fixture (a mock on its own runtime thread with the cached test PKI) and the
/// client config for it.
struct Setup {
    fixture: TestMock,
    config: Config,
}

fn setup() -> Setup {
    let fixture = TestMock::start();
    let mut b = Config::builder();
    b.load_toml_str(&fixture.config_toml()).expect("config");
    let config = b.build().expect("valid");
    Setup { fixture, config }
}

/// The fixture's config with the certificate chain alone and the key behind a [`Signer`].
///
/// [`Signer`]: fiks_integrasjon::Signer
fn external_signer_config(s: &Setup) -> Config {
    let mut b = Config::builder();
    b.load_toml_str(&s.fixture.config_toml()).expect("config");
    b.unset("certificate_password").expect("known key");
    b.set("certificate", s.fixture.files.chain_pem.to_str().expect("utf-8 path")).expect("known key");
    let key = std::fs::read(&s.fixture.files.key_pem).expect("key.pem");
    b.set_signer(std::sync::Arc::new(fiks_integrasjon::signer::RsaKeySigner::from_pem(&key).expect("key")));
    b.build().expect("valid")
}

/// Cold tokens of the built-in and the external signer, interleaved call by call (their order
/// alternating), so that the machine's drift — this one's neighbours come and go — falls on
/// both alike: medians of each and the median of the per-pair ratios, written to
/// `$CRITERION_HOME/signer_pair.json` for the report.
fn paired_cold_tokens(builtin: &blocking::Client, external: &blocking::Client) {
    let pairs = if quick() { 20 } else { 400 };
    let cold = |c: &blocking::Client| {
        c.clear_cache();
        let started = std::time::Instant::now();
        black_box(c.token().expect("token"));
        started.elapsed().as_nanos() as f64
    };
    let (mut a, mut b, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..pairs {
        let (x, y) = if i % 2 == 0 {
            let x = cold(builtin);
            (x, cold(external))
        } else {
            let y = cold(external);
            (cold(builtin), y)
        };
        a.push(x);
        b.push(y);
        ratios.push(y / x);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let json = serde_json::json!({
        "pairs": pairs,
        "builtin_median_ns": median(&mut a),
        "external_median_ns": median(&mut b),
        "ratio_median": median(&mut ratios),
    });
    let dir =
        std::env::var_os("CRITERION_HOME").map(std::path::PathBuf::from).unwrap_or_else(|| "target/criterion".into());
    let _ = std::fs::create_dir_all(&dir);
    std::fs::write(dir.join("signer_pair.json"), json.to_string()).expect("write signer_pair.json");
}

fn quick() -> bool {
    std::env::var_os("FIKS_BENCH_QUICK").is_some()
}

fn cached(c: &mut Criterion) {
    let s = setup();
    let client = blocking::Client::new(s.config.clone()).expect("client");
    client.headers().expect("first token");
    let mut g = c.benchmark_group("cached");
    g.bench_function("rust_token", |b| b.iter(|| black_box(client.token().expect("token"))));
    g.bench_function("rust_headers", |b| b.iter(|| black_box(client.headers().expect("headers"))));
    let derived = client.for_integrasjon("00000000-0000-4000-8000-000000000001", "mock-passord-1").expect("derived");
    derived.headers().expect("derived headers");
    g.bench_function("rust_headers_derived", |b| b.iter(|| black_box(derived.headers().expect("headers"))));
    g.finish();
    assert_eq!(s.fixture.mock.counters().token_requests, 1, "cached reads made no requests");
}

/// Deriving clients: another integrasjon, a citizen.
fn tenancy(c: &mut Criterion) {
    let s = setup();
    let client = blocking::Client::new(s.config.clone()).expect("client");
    let mut g = c.benchmark_group("tenancy");
    g.bench_function("rust_for_integrasjon", |b| {
        b.iter(|| black_box(client.for_integrasjon("00000000-0000-4000-8000-000000000001", "mock-passord-1")))
    });
    g.bench_function("rust_as_person", |b| b.iter(|| black_box(client.as_person("borger-token-1"))));
    g.finish();
}

fn cold(c: &mut Criterion) {
    let s = setup();
    let client = blocking::Client::new(s.config.clone()).expect("client");
    let mut g = c.benchmark_group("cold");
    per_call(&mut g);
    g.bench_function("grant_sign", |b| b.iter(|| black_box(client.grant().expect("grant"))));
    g.bench_function("rust_token", |b| {
        b.iter(|| {
            client.clear_cache();
            black_box(client.token().expect("token"))
        })
    });
    // The same key through the external-signer path (issue 16): the grant is signed by a
    // `Signer` on a blocking-pool thread and its signature verified with the certificate.
    let external = blocking::Client::new(external_signer_config(&s)).expect("client with a signer");
    g.bench_function("grant_sign_external_signer", |b| b.iter(|| black_box(external.grant().expect("grant"))));
    g.bench_function("rust_token_external_signer", |b| {
        b.iter(|| {
            external.clear_cache();
            black_box(external.token().expect("token"))
        })
    });
    paired_cold_tokens(&client, &external);
    // The server's share of a cold token: a grant signed beforehand (outside the timing) POSTed
    // to the mock's token endpoint by a minimal HTTP/1.1 client over a kept-alive socket. The
    // mock verifies the grant like Maskinporten (signature, x5c chain to its CA, claims, jti)
    // and mints a token; cold token − grant signing − this = our HTTP client's overhead.
    let url = url::Url::parse(&s.fixture.mock.token_endpoint()).expect("token endpoint");
    let mut conn = TcpStream::connect(s.fixture.mock.addr()).expect("connect to the mock");
    conn.set_nodelay(true).expect("nodelay");
    let mut buf = Vec::with_capacity(4096);
    g.bench_function("mock_presigned_post", |b| {
        b.iter_batched(
            || client.grant().expect("grant").assertion().to_string(),
            |assertion| {
                let body = format!("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion={assertion}");
                let req = format!(
                    "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
                    url.path(),
                    s.fixture.mock.addr(),
                    body.len()
                );
                conn.write_all(req.as_bytes()).expect("write");
                let status = read_response(&mut conn, &mut buf);
                assert_eq!(status, 200, "the mock refused the grant: {}", String::from_utf8_lossy(&buf));
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

/// Reads one HTTP/1.1 response with a Content-Length body into `buf`; returns the status.
fn read_response(conn: &mut TcpStream, buf: &mut Vec<u8>) -> u16 {
    buf.clear();
    let mut chunk = [0u8; 4096];
    loop {
        let n = conn.read(&mut chunk).expect("read");
        assert!(n > 0, "the mock closed the connection");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map(|v| v.trim().parse().expect("content-length"))
                .expect("a content-length");
            while buf.len() < end + 4 + len {
                let n = conn.read(&mut chunk).expect("read");
                assert!(n > 0, "the mock closed the connection");
                buf.extend_from_slice(&chunk[..n]);
            }
            return head[9..12].parse().expect("status");
        }
    }
}

fn limits(c: &mut Criterion) {
    use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
    let s = setup();
    use rustls_pki_types::{PrivatePkcs8KeyDer, pem::PemObject};
    let key_der = PrivatePkcs8KeyDer::from_pem_slice(s.fixture.pki().key_pkcs8_pem().as_bytes()).expect("pem");
    let key = RsaKeyPair::from_pkcs8(key_der.secret_pkcs8_der()).expect("key");
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let msg = [7u8; 700];
    let mut sig = vec![0u8; key.public_modulus_len()];
    let mut g = c.benchmark_group("limit");
    per_call(&mut g);
    g.bench_function("rsa2048_sign_aws_lc", |b| {
        b.iter(|| key.sign(&RSA_PKCS1_SHA256, &rng, black_box(&msg), &mut sig).expect("sign"))
    });
    let addr = minimal_http_server();
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let mut buf = [0u8; 256];
    g.bench_function("loopback_http_roundtrip", |b| {
        b.iter(|| {
            stream.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
            let mut got = 0;
            while !buf[..got].ends_with(b"ok") {
                got += stream.read(&mut buf[got..]).expect("read");
            }
        })
    });
    g.finish();
}

/// A keep-alive HTTP/1.1 server that answers every request with a fixed 2-byte body.
fn minimal_http_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let _ = conn.set_nodelay(true);
            std::thread::spawn(move || {
                let mut buf = [0u8; 1024];
                let mut pending = Vec::new();
                loop {
                    let n = match conn.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    pending.extend_from_slice(&buf[..n]);
                    while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
                        pending.drain(..end + 4);
                        if conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
    addr
}

/// Operations of 50 µs and more are timed one call per sample (flat sampling with a target time
/// too short for more), so the median and p99 are those of single calls, as in the Python and
/// thread figures, not of means over many calls (which a few slow calls pull up).
fn per_call(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(if quick() { 10 } else { 300 })
        .measurement_time(Duration::from_micros(1));
}

fn config() -> Criterion {
    let c = Criterion::default();
    if quick() {
        c.warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_millis(300)).sample_size(10)
    } else {
        c.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3))
    }
}

criterion_group! { name = benches; config = config(); targets = cached, tenancy, cold, limits }
criterion_main!(benches);
