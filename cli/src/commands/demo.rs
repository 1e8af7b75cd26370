//! `demo`: the whole flow against a mock started in this process, step by step. Needs no
//! network and no files (the certificate goes to the client as PKCS#12 bytes), and checks every
//! step, so it doubles as a smoke test: it exits non-zero when something does not behave.

use std::io::Write;
use std::time::{Duration, Instant};

use fiks_integrasjon::credentials::format_time;
use fiks_integrasjon::{Config, Error, FiksRequest, Grant, blocking};
use fiks_integrasjon_mock::{MockOptions, MockServer};
use serde_json::Value;

use crate::failure::{EXIT_API, Failure};
use crate::output::{self, ACCENT, BAD, GOOD, HEADING, KEY};

const STEPS: usize = 8;
/// The `[n/8]` of a step heading.
const STEP: anstyle::Style = ACCENT.bold();
const KEY_WIDTH: usize = 18;
const SEARCH: &str = "/innsyn-sok/api/v1/sok";
const FAILING: &str = "/status/400";

/// Prints the steps and tallies the checks.
struct Demo {
    out: anstream::Stdout,
    step: usize,
    title: &'static str,
    step_failures: usize,
    failures: Vec<String>,
}

impl Demo {
    fn new() -> Demo {
        Demo { out: anstream::stdout(), step: 0, title: "", step_failures: 0, failures: Vec::new() }
    }

    fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
    }

    fn step(&mut self, title: &'static str) {
        self.step += 1;
        self.title = title;
        self.step_failures = 0;
        let n = self.step;
        self.line("");
        self.line(&format!("{STEP}[{n}/{STEPS}]{STEP:#} {HEADING}{title}{HEADING:#}"));
    }

    fn kv(&mut self, key: &str, value: &str) {
        self.line(&output::row("  ", key, KEY_WIDTH, value));
    }

    /// A continuation line under the previous value.
    fn more(&mut self, value: &str) {
        self.line(&format!("  {:KEY_WIDTH$}  {value}", ""));
    }

    /// Records a check; a failed one is printed at once.
    fn check(&mut self, ok: bool, what: &str) {
        if !ok {
            self.step_failures += 1;
            self.failures.push(format!("step {} ({}): {what}", self.step, self.title));
            self.line(&format!("  {BAD}✗ not as expected: {what}{BAD:#}"));
        }
    }

    /// Closes a step with its ✓ line when every check passed.
    fn done(&mut self, summary: &str) {
        if self.step_failures == 0 {
            self.line(&format!("  {GOOD}✓{GOOD:#} {summary}"));
        }
    }

    /// Turns an error in a step into the failure the command exits with.
    fn failed(&mut self, e: Error) -> Failure {
        self.line(&format!("  {BAD}✗ failed{BAD:#}"));
        let f = Failure::from(e);
        Failure { message: format!("step {} ({}): {}", self.step, self.title, f.message), ..f }
    }
}

/// Runs the demo.
pub fn run() -> Result<(), Failure> {
    let started = Instant::now();
    let mut d = Demo::new();
    d.line(&format!("{HEADING}fiks-integrasjon demo{HEADING:#}"));
    d.line("The whole integrasjon flow against a strict local mock of Maskinporten and a Fiks API.");
    d.line(&format!(
        "{KEY}No network and no files: the mock runs in this process on 127.0.0.1 with a test PKI made in memory.{KEY:#}"
    ));

    // 1. The mock.
    d.step("Start the local mock");
    let t = Instant::now();
    let mock = MockServer::start_blocking(MockOptions::default()).map_err(|e| {
        Failure::with_code(
            crate::failure::EXIT_TRANSPORT,
            format!("step 1: the local mock did not start: {e}"),
            "the demo needs a free port on 127.0.0.1; run again with -v for details",
        )
    })?;
    let pki = mock.pki().clone();
    let opts = mock.options().clone();
    d.kv("Maskinporten", &format!("{ACCENT}{}{ACCENT:#}", mock.token_endpoint()));
    d.kv("audience", &mock.audience());
    d.kv("Fiks API", &format!("{ACCENT}{}{ACCENT:#}", mock.fiks_base_url()));
    d.kv("test PKI", &format!("root CA → intermediate CA → virksomhetssertifikat (orgnr {})", pki.orgnr()));
    d.kv("ready in", &output::duration(t.elapsed()));

    // 2. The certificate.
    d.step("Load the virksomhetssertifikat (PKCS#12, held in memory)");
    let p12 = pki.p12_modern();
    d.check(!p12.is_empty(), "the mock made a PKCS#12 file");
    let mut b = Config::builder();
    for (key, value) in [
        ("audience", mock.audience()),
        ("token_endpoint", mock.token_endpoint()),
        ("fiks_base_url", mock.fiks_base_url()),
        ("issuer", opts.issuer.clone()),
        ("scopes", "ks:fiks".to_string()),
        ("integrasjon_id", opts.integrasjon_id.clone()),
        ("integrasjon_passord", opts.integrasjon_passord.clone()),
    ] {
        b.set(key, &value).map_err(|e| d.failed(e))?;
    }
    b.set_certificate_pkcs12(p12, pki.password().to_string());
    let config = b.build().map_err(|e| d.failed(e))?;
    let t = Instant::now();
    let client = blocking::Client::new(config).map_err(|e| d.failed(e))?;
    let loaded_in = t.elapsed();
    match client.certificate() {
        Some(info) => {
            let info = info.clone();
            d.kv("subject", &info.subject);
            d.kv("orgnr", info.orgnr.as_deref().unwrap_or("(none)"));
            d.kv("issuer", &info.issuer);
            d.kv(
                "valid",
                &format!(
                    "{} → {} ({} days left)",
                    format_time(info.not_before),
                    format_time(info.not_after),
                    info.days_left()
                ),
            );
            d.kv(
                "chain",
                &format!(
                    "{} certificates; key matches: {}; self-signed: {}",
                    info.chain_len,
                    yes_no(info.key_matches),
                    yes_no(info.self_signed)
                ),
            );
            d.kv("loaded in", &output::duration(loaded_in));
            d.check(info.orgnr.as_deref() == Some(pki.orgnr()), "the orgnr is read from the certificate");
            d.check(info.key_matches && !info.self_signed && info.is_valid_now(), "the certificate is usable");
        }
        None => d.check(false, "the client describes its certificate"),
    }
    d.done("password, key match and validity checked before any network call");

    // 3. The grant.
    d.step("Build the grant: an RS256 JWT (RFC 7523) signed with the certificate's key");
    let grant = client.grant().map_err(|e| d.failed(e))?;
    show_grant(&mut d, &grant);
    let claims = &grant.claims;
    let num = |k: &str| claims.get(k).and_then(Value::as_u64).unwrap_or(0);
    d.check(claims.get("aud").and_then(Value::as_str) == Some(mock.audience().as_str()), "aud is the audience");
    d.check(claims.get("iss").and_then(Value::as_str) == Some(opts.issuer.as_str()), "iss is the issuer");
    d.check(claims.get("scope").and_then(Value::as_str) == Some("ks:fiks"), "scope is ks:fiks");
    d.check(num("exp") > num("iat") && num("exp") - num("iat") <= 120, "exp is at most 120 s after iat");
    d.check(claims.get("jti").and_then(Value::as_str).is_some_and(|j| !j.is_empty()), "the grant has a jti");
    d.check(
        grant.header.get("x5c").and_then(Value::as_array).is_some_and(|a| a.len() == 2),
        "x5c carries the leaf and the intermediate",
    );
    d.done("aud is Maskinporten's issuer exactly (trailing slash included); a fresh jti for every grant");

    // 4. The token.
    d.step("Get an access token from Maskinporten (POST /token)");
    let t = Instant::now();
    let token = client.token().map_err(|e| d.failed(e))?;
    let cold = t.elapsed();
    d.kv("access_token", &token.abbreviated());
    d.kv("token_type", &token.token_type);
    d.kv(
        "expires_in",
        &format!(
            "{} s, until {} (renewed {} s ahead)",
            token.expires_in,
            format_time(token.expires_at()),
            client.config().refresh_ahead().as_secs()
        ),
    );
    d.kv("scope", token.scope.as_deref().unwrap_or("(not stated)"));
    d.kv("took", &format!("{}  (cold: sign a grant, POST it, the mock verifies it)", output::duration(cold)));
    let counters = mock.counters();
    d.check(!token.access_token().is_empty() && token.expires_in > 0, "a usable token");
    d.check(counters.tokens_issued == 1, "the mock issued exactly one token");
    d.check(counters.token_rejections.is_empty(), "the mock rejected no grant");
    d.done("the mock checked the signature, the x5c chain to its CA, aud, iss, orgnr, lifetime and jti");

    // 5. The headers.
    d.step("The three Fiks headers");
    let headers = client.headers().map_err(|e| d.failed(e))?;
    d.kv("Authorization", &format!("Bearer {}", token.abbreviated()));
    d.kv("IntegrasjonId", headers.integrasjon_id());
    d.kv("IntegrasjonPassord", "******** (masked)");
    d.check(headers.authorization() == format!("Bearer {}", token.access_token()), "Authorization carries the token");
    d.check(headers.integrasjon_id() == opts.integrasjon_id, "IntegrasjonId is the configured id");
    d.check(headers.integrasjon_passord() == opts.integrasjon_passord, "IntegrasjonPassord is the configured one");
    d.done("`fiks-integrasjon headers` prints these (unmasked) for curl -H @-");

    // 6. A search.
    d.step("Call a Fiks API: POST /innsyn-sok/api/v1/sok {\"sok\": \"byggesak\"}");
    let body = serde_json::json!({"sok": "byggesak"});
    let request = FiksRequest::post(SEARCH).json(&body).map_err(|e| d.failed(e))?;
    let t = Instant::now();
    let answer = client.request(request).map_err(|e| d.failed(e))?;
    d.kv("status", &format!("{}  ({})", answer.status, output::duration(t.elapsed())));
    let json: Value = answer.json().unwrap_or(Value::Null);
    let results = json.get("resultater").and_then(Value::as_array).cloned().unwrap_or_default();
    let total = json.get("totaltAntall").and_then(Value::as_u64).unwrap_or(0);
    d.kv("totaltAntall", &total.to_string());
    for (i, r) in results.iter().take(3).enumerate() {
        let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let text = format!("{}  {KEY}{}, {}, {}{KEY:#}", s("tittel"), s("type"), s("kommune"), s("dato"));
        if i == 0 {
            d.kv("resultater", &text);
        } else {
            d.more(&text);
        }
    }
    if results.len() > 3 {
        d.more(&format!("{KEY}… and {} more in this page{KEY:#}", results.len() - 3));
    }
    d.check(answer.status == 200, "HTTP 200");
    d.check(!results.is_empty() && total > 0, "the answer has results");
    d.done("the Fiks headers were accepted; the path was joined to fiks_base_url (which has a /fiks prefix)");

    // 7. A failing call.
    d.step("A call that fails on purpose: GET /status/400");
    match client.request(FiksRequest::get(FAILING)) {
        Err(Error::Api(api)) => {
            for line in output::api_error_lines(&api, "  ", KEY_WIDTH) {
                d.line(&line);
            }
            let hint = Error::Api(api.clone()).hint().unwrap_or("").to_string();
            d.kv("hint", &hint);
            let b = api.body.clone().unwrap_or_default();
            d.check(api.status == 400, "HTTP 400");
            d.check(api.error_id().is_some_and(|id| !id.is_empty()), "an errorId");
            d.check(b.error_code.as_deref() == Some("MOCK_FEIL"), "errorCode MOCK_FEIL");
            d.check(b.error_json.as_ref().and_then(|j| j.get("antall")) == Some(&Value::from(13)), "errorJson");
            d.done("parsed into a typed Fiks error; `fiks-integrasjon call` shows it like this and exits 1");
        }
        Err(e) => {
            let text = e.to_string();
            d.check(false, &format!("a Fiks API error, not: {text}"));
        }
        Ok(a) => d.check(false, &format!("an error, not HTTP {}", a.status)),
    }

    // 8. The cache.
    d.step("The token again: served from the cache");
    let t = Instant::now();
    let again = client.token().map_err(|e| d.failed(e))?;
    let warm = t.elapsed();
    let reads = 10_000u32;
    let t = Instant::now();
    for _ in 0..reads {
        std::hint::black_box(client.token().map_err(|e| d.failed(e))?);
    }
    let average = t.elapsed() / reads;
    let faster = cold.as_nanos() / warm.as_nanos().max(1);
    d.kv("took", &format!("{}  (cold: {}, about {}× faster)", output::duration(warm), output::duration(cold), faster));
    d.kv("10 000 reads", &format!("{} each on average", output::duration(average)));
    d.kv("same token", yes_no(again.access_token() == token.access_token()));
    let asked = mock.counters().token_requests;
    d.kv("Maskinporten", &format!("asked {asked} time{} in all", if asked == 1 { "" } else { "s" }));
    d.check(again.access_token() == token.access_token(), "the same token");
    d.check(warm < cold, "a cached read is faster than the cold fetch");
    d.check(asked == 1 && client.stats().token_requests == 1, "Maskinporten was asked once");
    d.done("renewed in the background before it expires; concurrent callers share one request");

    drop(client);
    drop(mock);
    finish(d, started.elapsed())
}

fn finish(mut d: Demo, took: Duration) -> Result<(), Failure> {
    d.line("");
    if d.failures.is_empty() {
        d.line(&format!("{GOOD}✓ Done in {}: every step behaved as expected.{GOOD:#}", output::duration(took)));
        d.line(&format!(
            "{KEY}Next: `fiks-integrasjon mock --dir ./mock` runs this mock for your own tools; see --help.{KEY:#}"
        ));
        let _ = d.out.flush();
        return Ok(());
    }
    d.line(&format!("{BAD}✗ {} check(s) failed:{BAD:#}", d.failures.len()));
    for f in d.failures.clone() {
        d.line(&format!("  - {f}"));
    }
    let _ = d.out.flush();
    Err(Failure::with_code(
        EXIT_API,
        format!("the demo did not behave as expected ({} failed check(s))", d.failures.len()),
        "this is a bug in fiks-integrasjon or its mock: please report it with the output above",
    ))
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The grant's header (x5c shortened), claims (one per line) and a note for the signature.
fn show_grant(d: &mut Demo, grant: &Grant) {
    let mut header = grant.header.clone();
    if let Some(Value::Array(certs)) = header.get_mut("x5c") {
        for c in certs.iter_mut() {
            if let Value::String(s) = c {
                *c = Value::String(format!("{}…({} chars)", s.chars().take(8).collect::<String>(), s.len()));
            }
        }
    }
    d.kv("header", &header.to_string());
    let order = ["aud", "iss", "scope", "iat", "exp", "jti"];
    let Some(claims) = grant.claims.as_object() else {
        return;
    };
    let iat = claims.get("iat").and_then(Value::as_u64).unwrap_or(0);
    let mut keys: Vec<&str> = order.iter().copied().filter(|k| claims.contains_key(*k)).collect();
    keys.extend(claims.keys().map(String::as_str).filter(|k| !order.contains(k)));
    let width = keys.iter().map(|k| k.len()).max().unwrap_or(0);
    for (i, k) in keys.iter().enumerate() {
        let v = &claims[*k];
        let text = match (*k, v) {
            (_, Value::String(s)) => s.clone(),
            ("exp", Value::Number(n)) => {
                format!("{n}  {KEY}(iat + {} s){KEY:#}", n.as_u64().unwrap_or(0).saturating_sub(iat))
            }
            ("jti", other) | (_, other) => other.to_string(),
        };
        let text = if *k == "jti" { format!("{text}  {KEY}(fresh for every grant){KEY:#}") } else { text };
        let line = format!("{KEY}{k:<width$}{KEY:#}  {text}");
        if i == 0 {
            d.kv("claims", &line);
        } else {
            d.more(&line);
        }
    }
    let sig_len = grant.assertion().rsplit('.').next().map_or(0, str::len);
    d.kv("signature", &format!("<elided: {sig_len} base64url characters, RS256>"));
}
