//! One client for many integrasjoner, services and citizens: derived clients share the
//! Maskinporten identity (one token request for all), carry only their own headers, and the
//! Fiks headers go to the configured services only.

mod common;

use std::sync::Arc;

use fiks_integrasjon::{Error, ErrorKind, FiksRequest, blocking};

const BERGEN: &str = "8f1c2d3e-4b5a-4c6d-8e7f-901a2b3c4d5e";

fn uuid(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012}")
}

#[test]
fn a_thousand_integrasjoner_share_one_token() {
    let env = common::env();
    let root = blocking::Client::new(env.config()).unwrap();
    let derived: Vec<_> = (1..=1000).map(|i| root.for_integrasjon(&uuid(i), &format!("pw-{i}")).unwrap()).collect();
    assert_eq!(env.mock.counters().token_requests, 0, "deriving asks nothing");
    let parent = root.headers().unwrap();
    for (i, c) in derived.iter().enumerate() {
        let h = c.headers().unwrap();
        assert_eq!(h.integrasjon_id(), uuid(i + 1));
        assert_eq!(h.integrasjon_passord(), format!("pw-{}", i + 1));
        assert_eq!(h.authorization(), parent.authorization(), "the vendor's one Maskinporten token");
        assert!(Arc::ptr_eq(&h, &c.cached_headers().unwrap()), "built once per token");
        assert_eq!(c.integrasjon_id(), Some(uuid(i + 1).as_str()));
    }
    assert_eq!(env.mock.counters().token_requests, 1);
    assert_eq!(parent.integrasjon_id(), env.mock.options().integrasjon_id, "the parent keeps its own");
    // A renewal is shared too: one request, and every derived client sees the new token.
    root.clear_cache();
    let renewed = derived[7].headers().unwrap();
    assert_ne!(renewed.authorization(), parent.authorization());
    assert_eq!(derived[500].headers().unwrap().authorization(), renewed.authorization());
    assert_eq!(env.mock.counters().token_requests, 2);
}

#[test]
fn past_the_slots_of_a_token_entry_a_derived_client_keeps_its_own_headers() {
    let env = common::env();
    let root = blocking::Client::new(env.config()).unwrap();
    root.headers().unwrap();
    // A token entry keeps the headers of the first 65,536 derived integrasjoner; later ones
    // cache their own (a program that derives a client per call gets there).
    for _ in 0..65_536 {
        drop(root.for_integrasjon(BERGEN, "pw").unwrap());
    }
    let late = root.for_integrasjon(&uuid(7), "late-pw").unwrap();
    let h = late.headers().unwrap();
    assert_eq!((h.integrasjon_id(), h.integrasjon_passord()), (uuid(7).as_str(), "late-pw"));
    assert!(Arc::ptr_eq(&h, &late.cached_headers().unwrap()), "built once per token");
    assert_eq!(h.authorization(), root.headers().unwrap().authorization());
    root.clear_cache();
    let renewed = late.headers().unwrap();
    assert_ne!(renewed.authorization(), h.authorization(), "rebuilt for the new token");
    assert_eq!(renewed.integrasjon_passord(), "late-pw");
}

#[test]
fn derived_clients_check_their_input_and_hide_secrets() {
    let env = common::env();
    let root = blocking::Client::new(env.config()).unwrap();
    let e = root.for_integrasjon("ikke-en-uuid", "pw").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("must be a UUID"), "{e}");
    assert!(root.for_integrasjon(BERGEN, "").is_err());
    assert!(root.for_integrasjon(BERGEN, "a\r\nX: y").is_err());
    assert!(root.as_person("").is_err());
    assert!(root.as_person("to ord").is_err());
    let c = root.for_integrasjon(BERGEN, "hemmelig-passord").unwrap().as_person("borger-token-hemmelig").unwrap();
    let shown = format!("{c:?} {:?}", c.async_client());
    assert!(shown.contains(BERGEN), "{shown}");
    for secret in ["hemmelig-passord", "borger-token-hemmelig"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    let h = c.headers().unwrap();
    assert_eq!(h.authorization(), "Bearer borger-token-hemmelig");
    assert_eq!((h.integrasjon_id(), h.integrasjon_passord()), (BERGEN, "hemmelig-passord"));
    assert!(c.is_person());
    assert!(
        c.token_for(&fiks_integrasjon::TokenRequest::scopes(["ks:fiks:test"]))
            .is_err_and(|e| e.kind() == ErrorKind::Usage)
    );
}

#[test]
fn named_integrasjoner_come_from_the_configuration() {
    let env = common::env();
    let mut b = env.builder();
    b.load_toml_str(&format!(
        "[integrasjoner.bergen]\nintegrasjon_id = \"{BERGEN}\"\nintegrasjon_passord = \"bergen-pw\"\n\
         [integrasjoner.voss]\nintegrasjon_id = \"{}\"\nintegrasjon_passord = \"voss-pw\"\n",
        uuid(2)
    ))
    .unwrap();
    let root = blocking::Client::new(b.build().unwrap()).unwrap();
    let bergen = root.for_integrasjon_named("bergen").unwrap();
    let h = bergen.headers().unwrap();
    assert_eq!((h.integrasjon_id(), h.integrasjon_passord()), (BERGEN, "bergen-pw"));
    let e = root.for_integrasjon_named("oslo").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(e.to_string().contains("configured ones are bergen, ") && e.to_string().contains(", voss"), "{e}");
    assert!(!format!("{:?}", root.config()).contains("bergen-pw"));
}

#[test]
fn a_citizen_asks_maskinporten_nothing_and_reaches_fiks() {
    let env = common::env();
    let root = blocking::Client::new(env.config()).unwrap();
    let citizen = root.as_person(env.mock.person_token()).unwrap();
    let echo: serde_json::Value = citizen.request(FiksRequest::get("/echo")).unwrap().json().unwrap();
    assert_eq!(echo["token"]["kind"], "person");
    assert_eq!(env.mock.counters().token_requests, 0, "a citizen's call needs no Maskinporten token");
    let echo: serde_json::Value = root.request(FiksRequest::get("/echo")).unwrap().json().unwrap();
    assert_eq!(echo["token"]["kind"], "maskinporten", "the parent still speaks as the organisation");
    // A citizen's 401 is about the citizen: no token is evicted or fetched for it.
    let stranger = root.as_person("ukjent-borger-token").unwrap();
    let e = stranger.request(FiksRequest::get("/echo")).unwrap_err();
    assert_eq!(e.http_status(), Some(401));
    assert!(matches!(&e, Error::Api(a) if a.person_token), "{e:?}");
    assert_eq!(env.mock.counters().token_requests, 1);
}

#[test]
fn derived_clients_outlive_their_parent() {
    let env = common::env();
    let root = blocking::Client::new(env.config()).unwrap();
    let same =
        root.for_integrasjon(&env.mock.options().integrasjon_id, &env.mock.options().integrasjon_passord).unwrap();
    drop(root);
    assert_eq!(same.request(FiksRequest::get("/echo")).unwrap().status, 200);
    let citizen = same.as_person(env.mock.person_token()).unwrap();
    drop(same);
    assert_eq!(citizen.request(FiksRequest::get("/echo")).unwrap().status, 200);
}

#[test]
fn many_citizens_on_many_threads_never_mix_their_tokens() {
    let env = common::env();
    let root = Arc::new(blocking::Client::new(env.config()).unwrap());
    let handles: Vec<_> = (0..32)
        .map(|t| {
            let root = root.clone();
            std::thread::spawn(move || {
                for n in 0..200 {
                    let token = format!("borger-{t}-{}", n % 7);
                    let c = root.as_person(&token).unwrap();
                    let h = c.headers().unwrap();
                    assert_eq!(h.authorization(), format!("Bearer {token}"));
                    assert_eq!(c.cached_token().unwrap().access_token(), token);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn services_receive_the_headers_and_nothing_else_does() {
    let env = common::env();
    // The mock serves the Fiks API on one port; a service under another path prefix of it stands
    // in for a second host here (the policy test of origins covers other hosts).
    let mut b = env.builder();
    b.load_toml_str(&format!("[services]\narkiv = \"{}/fiks\"\n", env.mock.base_url())).unwrap();
    let root = blocking::Client::new(b.build().unwrap()).unwrap();
    let answer = root.request(FiksRequest::get("/echo").service("arkiv")).unwrap();
    let echo: serde_json::Value = answer.json().unwrap();
    assert_eq!(echo["path"], "/fiks/echo");
    let e = root.request(FiksRequest::get("/echo").service("ukjent")).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert!(e.to_string().contains("no Fiks service `ukjent`"), "{e}");
    assert!(root.check_url("https://svarut.ks.no/tjenester").is_err(), "no preset without an environment");
    assert_eq!(env.mock.counters().token_requests, 1);
}

#[test]
fn fiks_io_credentials_follow_the_token() {
    let env = common::env();
    env.mock.set_token_lifetime(4);
    let root =
        blocking::Client::new(env.builder().refresh_ahead(std::time::Duration::from_secs(1)).build().unwrap()).unwrap();
    let bergen = root.for_integrasjon(BERGEN, "bergen-pw").unwrap();
    let first = bergen.fiks_io_credentials().unwrap();
    let token = root.access_token().unwrap();
    assert_eq!(first.username, BERGEN);
    assert_eq!(first.password(), format!("bergen-pw {token}"));
    assert!(first.renew_at < first.expires_at);
    assert!(first.expires_at <= std::time::SystemTime::now() + std::time::Duration::from_secs(4));
    assert!(!format!("{first:?}").contains(&token));
    assert!(root.as_person("x").unwrap().fiks_io_credentials().is_err_and(|e| e.kind() == ErrorKind::Usage));
    // After the renewal time the next login carries the renewed token.
    common::wait_until("the Fiks IO password carries a renewed token", || {
        bergen.fiks_io_credentials().unwrap().password() != first.password()
    });
    let second = bergen.fiks_io_credentials().unwrap();
    assert!(second.expires_at > first.expires_at);
    assert_eq!(second.password(), format!("bergen-pw {}", root.access_token().unwrap()));
}

#[test]
fn a_vendor_reaches_fiks_and_svarut_as_each_municipality() {
    let env = common::env();
    let root = blocking::Client::new(env.config()).unwrap();
    for i in 1..=20 {
        let (id, pw) = env.integrasjon(i);
        let kommune = root.for_integrasjon(&id, &pw).unwrap();
        for service in ["fiks", "svarut"] {
            let echo: serde_json::Value =
                kommune.request(FiksRequest::get("/echo").service(service)).unwrap().json().unwrap();
            assert_eq!((echo["integrasjon_id"].as_str(), echo["service"].as_str()), (Some(id.as_str()), Some(service)));
        }
    }
    let counters = env.mock.counters();
    assert_eq!(counters.token_requests, 1, "one token for every municipality and both hosts");
    assert_eq!(counters.requests_by_service.get("svarut"), Some(&20));
    // The mock's own refusals hold on the second host too: an unknown integrasjon is 403.
    let stranger = root.for_integrasjon(BERGEN, "pw").unwrap();
    let e = stranger.request(FiksRequest::get("/echo").service("svarut")).unwrap_err();
    assert_eq!(e.http_status(), Some(403));
}

#[test]
fn multipart_bodies_stream_files_and_reach_the_echo() {
    use digest::hex_sha256;
    use fiks_integrasjon::Part;
    let env = common::env();
    let root = blocking::Client::new(env.config()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("vedtak.pdf");
    let content: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&doc, &content).unwrap();
    let request = FiksRequest::post("/echo/multipart")
        .service("svarut")
        .multipart(vec![
            Part::json("forsendelse", &serde_json::json!({"tittel": "Vedtak"})).unwrap(),
            Part::file("filer", &doc).content_type("application/pdf"),
            Part::bytes("filer", b"vedlegg".to_vec()).filename("vedlegg.txt"),
        ])
        .unwrap();
    let echo: serde_json::Value = root.request(request.clone()).unwrap().json().unwrap();
    let parts = echo["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 3);
    assert_eq!(
        (parts[0]["name"].as_str(), parts[0]["content_type"].as_str()),
        (Some("forsendelse"), Some("application/json"))
    );
    assert_eq!(parts[1]["filename"], "vedtak.pdf");
    assert_eq!(parts[1]["size"], 3_000_000);
    assert_eq!(parts[1]["sha256"].as_str().unwrap(), hex_sha256(&content));
    assert_eq!(parts[2]["filename"], "vedlegg.txt");
    // The same request again: the file is reopened, not consumed.
    let again: serde_json::Value = root.request(request).unwrap().json().unwrap();
    assert_eq!(again["parts"][1]["size"], 3_000_000);
    // A missing file fails before anything is sent; bad parts fail when built.
    let gone =
        FiksRequest::post("/echo/multipart").multipart(vec![Part::file("f", dir.path().join("borte.pdf"))]).unwrap();
    let e = root.request(gone).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Usage);
    assert!(e.to_string().contains("borte.pdf"), "{e}");
    assert!(FiksRequest::post("/x").multipart(vec![]).is_err());
    assert!(FiksRequest::post("/x").multipart(vec![Part::text("a\"b", "x")]).is_err());
    assert!(FiksRequest::post("/x").multipart(vec![Part::text("a", "x").content_type("ikke en type")]).is_err());
}

/// SHA-256 through aws-lc (a dependency already), as the mock reports it.
mod digest {
    pub fn hex_sha256(data: &[u8]) -> String {
        let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
        d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }
}
