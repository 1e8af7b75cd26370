//! Secret hygiene: a whole flow logged at TRACE level (every crate, reqwest/hyper/rustls
//! included) never shows a password, key, access token or integrasjon password.

mod common;

use fiks_integrasjon::{FiksRequest, blocking};
use fiks_integrasjon_mock::{Fault, FaultTarget};

#[test]
fn no_secret_in_trace_logs_debug_or_errors() {
    let capture = common::Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let env = common::env();
    let key_pem = std::fs::read_to_string(&env.files.key_pem).unwrap();
    let key_body: String = key_pem.lines().filter(|l| !l.starts_with("-----")).take(3).collect();
    let client = blocking::Client::new(env.config()).unwrap();
    let token = client.token().unwrap().access_token().to_string();
    client
        .request(FiksRequest::post("/innsyn-sok/api/v1/sok").json(&serde_json::json!({"sok": "x"})).unwrap())
        .unwrap();
    let mut errors = Vec::new();
    errors.push(client.request(FiksRequest::get("/status/403")).unwrap_err());
    env.mock.push_fault(FaultTarget::Token, Fault::Status(503), 1);
    client.clear_cache();
    client.token().unwrap();
    let bad =
        blocking::Client::new(env.with(&[("certificate_password", "GALT-passord-1")]).build().unwrap()).unwrap_err();
    errors.push(bad);
    let grant = client.grant().unwrap();
    drop(client);

    let mut text = capture.text();
    assert!(text.contains("requesting a Maskinporten token"), "debug events are captured");
    for e in &errors {
        text.push_str(&format!("{e}\n{e:?}\n"));
    }
    text.push_str(&format!("{grant:?}"));
    let secrets = [
        token.as_str(),
        env.mock.options().integrasjon_passord.as_str(),
        env.mock.pki().password(),
        "GALT-passord-1",
        key_body.as_str(),
        grant.assertion(),
    ];
    for s in secrets {
        assert!(!s.is_empty());
        assert!(!text.contains(s), "a secret appears in the captured output: {}…", &s[..s.len().min(6)]);
    }
}
