//! `--integrasjon NAME` (`headers`, `call`), `call --service NAME` and `call --form`/`--form-json`
//! against the mock: the named integrasjon's headers, the service's base URL, the multipart
//! body as the mock received it, and the failures (exit 2, nothing sent) for unknown names and
//! missing files.

mod common;

use std::path::PathBuf;

use common::*;
use fiks_integrasjon_mock::mock_integrasjon;
use serde_json::Value;

/// The mock's extra integrasjon the tests name `kommune-x` (the mock's fiks.toml already names
/// 1 … 3; the mock accepts many more).
fn kommune_x() -> (String, String) {
    mock_integrasjon(7)
}

/// The mock's fiks.toml plus `kommune-x` and the service `egen` at the mock's own Fiks base URL,
/// written once per test process.
fn config() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| with_tables(&env().config, &env().fiks_base_url, "named-tables.toml")).clone()
}

/// `base`'s text with `[integrasjoner.kommune-x]` and `services.egen = fiks_base_url` added
/// (as dotted keys, the way the mock writes its tables), in scratch as `name`.
fn with_tables(base: &std::path::Path, fiks_base_url: &str, name: &str) -> PathBuf {
    let (id, passord) = kommune_x();
    let mut text = std::fs::read_to_string(base).expect("the mock's fiks.toml");
    text.push_str(&format!(
        "integrasjoner.kommune-x.integrasjon_id = \"{id}\"\n\
         integrasjoner.kommune-x.integrasjon_passord = \"{passord}\"\n\
         services.egen = \"{fiks_base_url}\"\n"
    ));
    scratch_file(name, &text)
}

fn named() -> assert_cmd::Command {
    let mut cmd = cli();
    cmd.arg("--config").arg(config());
    cmd
}

fn json(ran: &Ran) -> Value {
    serde_json::from_str(&ran.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", ran.stdout))
}

#[test]
fn headers_speak_as_the_named_integrasjon() {
    let (id, passord) = kommune_x();
    let plain = run(named().args(["headers", "--integrasjon", "kommune-x"]));
    assert_code(&plain, 0);
    let lines: Vec<&str> = plain.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", plain.stdout);
    assert!(lines[0].starts_with("Authorization: Bearer mock-at-"), "the organisation's token: {}", lines[0]);
    assert_eq!(lines[1], format!("IntegrasjonId: {id}"));
    assert_eq!(lines[2], format!("IntegrasjonPassord: {passord}"));
    assert!(!plain.all().contains(INTEGRASJON_PASSORD), "not the default integrasjon's password");

    let as_json = run(named().args(["headers", "--json", "--integrasjon", "kommune-x"]));
    assert_code(&as_json, 0);
    let v = json(&as_json);
    assert_eq!(v["IntegrasjonId"], id.as_str());
    assert_eq!(v["IntegrasjonPassord"], passord.as_str());
    assert_eq!(v.as_object().map(|o| o.len()), Some(3), "the headers alone: {v}");

    // --service: the same headers for a service that exists; exit 2 listing them for one that does not.
    let svarut = run(named().args(["headers", "--integrasjon", "kommune-x", "--service", "svarut"]));
    assert_code(&svarut, 0);
    assert_eq!(svarut.stdout.lines().nth(1), Some(format!("IntegrasjonId: {id}").as_str()));
    let unknown = run(named().args(["headers", "--service", "arkiv"]));
    assert_code(&unknown, 2);
    assert!(unknown.all().contains("no Fiks service `arkiv`") && unknown.all().contains("svarut"), "{}", unknown.all());
    assert!(!unknown.stdout.contains("Authorization"), "no headers for an unknown service");

    // Without --integrasjon: the default one, as before.
    let default = run(named().args(["headers", "--json"]));
    assert_code(&default, 0);
    assert_eq!(json(&default)["IntegrasjonId"], fiks_integrasjon_mock::DEFAULT_INTEGRASJON_ID);
}

#[test]
fn an_unknown_integrasjon_exits_2_and_lists_the_names() {
    let ran = run(named().args(["headers", "--integrasjon", "kommune-y"]));
    assert_code(&ran, 2);
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
    let err = &ran.stderr;
    assert!(err.contains("kommune-y"), "{err}");
    for name in ["kommune-1", "kommune-2", "kommune-3", "kommune-x"] {
        assert!(err.contains(name), "the names are listed ({name}): {err}");
    }
    assert!(err.contains("hint:") && err.contains("[integrasjoner.NAME]"), "{err}");

    let call = run(named().args(["call", "--json", "--integrasjon", "kommune-y", "GET", "/echo"]));
    assert_code(&call, 2);
    let v = json(&call);
    assert_eq!(v["error"]["exit_code"], 2);
    assert_eq!(v["error"]["config_key"], "integrasjoner.kommune-y");
    assert!(v["error"]["message"].as_str().unwrap().contains("kommune-x"), "{v}");
    assert_eq!(v["request"]["integrasjon"], "kommune-y");
    assert_eq!(v["request"]["url"], Value::Null, "it failed before the URL: {v}");
}

#[test]
fn call_speaks_as_the_named_integrasjon() {
    let (id, _) = kommune_x();
    let ran = run(named().args(["call", "--json", "--integrasjon", "kommune-x", "GET", "/echo"]));
    assert_code(&ran, 0);
    let v = json(&ran);
    assert_eq!(v["body"]["integrasjon_id"], id.as_str(), "the mock saw kommune-x: {v}");
    assert_eq!(v["request"]["integrasjon"], "kommune-x");
    assert_eq!(v["request"]["integrasjon_id"], id.as_str());
    assert_eq!(v["request"]["service"], "fiks");
    assert_no_secrets("call --integrasjon", &ran.all());
    assert!(!ran.all().contains(&kommune_x().1), "nor kommune-x's password");
}

#[test]
fn call_joins_the_path_onto_the_services_base_url() {
    let ran = run(named().args(["call", "--json", "--service", "egen", "GET", "/echo?x=1"]));
    assert_code(&ran, 0);
    let v = json(&ran);
    assert_eq!(v["body"]["path"], "/fiks/echo", "egen is the mock's Fiks base URL: {v}");
    assert_eq!(v["body"]["query"], "x=1");
    assert_eq!(v["request"]["service"], "egen");
    assert_eq!(v["request"]["url"], format!("{}/echo?x=1", env().fiks_base_url));
    assert_eq!(v["request"]["integrasjon"], Value::Null);
    assert_eq!(v["request"]["integrasjon_id"], fiks_integrasjon_mock::DEFAULT_INTEGRASJON_ID);

    // The mock's fiks.toml names `svarut` on its second port: the same API under /svarut.
    let svarut = run(named().args(["call", "--service", "svarut", "GET", "/echo"]));
    assert_code(&svarut, 0);
    let v = json(&svarut);
    assert_eq!(v["path"], "/svarut/echo", "{v}");
    assert_eq!(v["service"], "svarut", "{v}");

    // An unknown service: exit 2, the services listed, and how to add one.
    let unknown = run(named().args(["call", "--service", "arkiv", "GET", "/echo"]));
    assert_code(&unknown, 2);
    assert!(unknown.stderr.contains("no Fiks service `arkiv`"), "{}", unknown.stderr);
    assert!(
        unknown.stderr.contains("hint: give `fiks`, `svarut`") && unknown.stderr.contains("`[services]`"),
        "{}",
        unknown.stderr
    );

    // The default is `fiks`.
    let fiks = run(named().args(["call", "--json", "--service", "fiks", "GET", "/echo"]));
    assert_code(&fiks, 0);
    assert_eq!(json(&fiks)["request"]["service"], "fiks");
}

#[test]
fn bad_services_forms_and_integrasjoner_fail_before_sending() {
    let private = private_mock();
    let config = with_tables(private.config_path(), &private.mock.fiks_base_url(), "private-named-tables.toml");
    let pdf = scratch_file("finnes.pdf", "%PDF-1.7");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--service".into(), "ukjent".into(), "GET".into(), "/echo".into()], "egen, fiks, svarut"),
        (vec!["--integrasjon".into(), "ukjent".into(), "GET".into(), "/echo".into()], "kommune-x"),
        (vec!["-F".into(), "fil=@/finnes/ikke.pdf".into(), "POST".into(), "/echo".into()], "/finnes/ikke.pdf"),
        (vec!["-F".into(), "fil=</finnes/ikke.json".into(), "POST".into(), "/echo".into()], "/finnes/ikke.json"),
        (vec!["--form-json".into(), "meta={ikke json".into(), "POST".into(), "/echo".into()], "not JSON"),
        (vec!["-F".into(), "uten-likhetstegn".into(), "POST".into(), "/echo".into()], "NAME=VALUE"),
        (vec!["-F".into(), format!("fil=@{};size=3", path(&pdf)), "POST".into(), "/echo".into()], "unknown parameter"),
        (
            vec!["-F".into(), format!("fil=@{};type=ikke en type", path(&pdf)), "POST".into(), "/echo".into()],
            "content type",
        ),
        (
            vec![
                "-F".into(),
                "a=b".into(),
                "-H".into(),
                "Content-Type: text/plain".into(),
                "POST".into(),
                "/echo".into(),
            ],
            "Content-Type",
        ),
        (
            vec!["-F".into(), "a=b".into(), "--data".into(), "{}".into(), "POST".into(), "/echo".into()],
            "cannot be used with",
        ),
        (
            vec!["--service".into(), "egen".into(), "GET".into(), format!("{}/echo", private.mock.fiks_base_url())],
            "full URL",
        ),
    ];
    for (args, needle) in &cases {
        let ran = run(cli().arg("--config").arg(&config).arg("call").args(args));
        assert_code(&ran, 2);
        assert!(ran.stderr.contains(needle), "{args:?}: lacks {needle:?}:\n{}", ran.stderr);
    }
    assert_eq!(private.mock.counters().fiks_requests, 0, "nothing reached the Fiks API");
}

#[test]
fn form_sends_multipart_with_text_and_a_streamed_file() {
    let file = scratch_file("vedtak-kilde.pdf", "fil-innhold %PDF-1.7\n");
    let file_arg = format!("fil=@{};type=application/pdf;filename=vedtak.pdf", path(&file));
    let echo = run(named().args(["call", "-F", "tittel=Vedtak i sak 42", "-F", &file_arg, "POST", "/echo"]));
    assert_code(&echo, 0);
    let v = json(&echo);
    let content_type = v["content_type"].as_str().unwrap_or_default();
    assert!(content_type.starts_with("multipart/form-data; boundary="), "{v}");
    let body = v["body"].as_str().unwrap();
    for needle in [
        "name=\"tittel\"",
        "Vedtak i sak 42",
        "name=\"fil\"; filename=\"vedtak.pdf\"",
        "application/pdf",
        "fil-innhold %PDF-1.7",
    ] {
        assert!(body.contains(needle), "the body lacks {needle:?}:\n{body}");
    }

    // The mock's multipart reader: the parts as they arrived, in order, --form-json among them.
    let meta = scratch_file("forsendelse.json", r#"{"tittel": "Vedtak", "mottaker": {"orgnr": "910000001"}}"#);
    let ran = run(named().args([
        "call",
        "--json",
        "--form-json",
        &format!("forsendelse=@{}", path(&meta)),
        "-F",
        "tittel=Vedtak",
        "-F",
        &file_arg,
        "--form-json",
        r#"ekstra={"a": 1}"#,
        "POST",
        "/echo/multipart",
    ]));
    assert_code(&ran, 0);
    let v = json(&ran);
    assert_eq!(v["request"]["parts"], 4);
    let parts = v["body"]["parts"].as_array().unwrap_or_else(|| panic!("parts: {v}"));
    let names: Vec<&str> = parts.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["forsendelse", "tittel", "fil", "ekstra"], "in command-line order: {v}");
    assert_eq!(parts[0]["content_type"], "application/json");
    assert_eq!(parts[0]["filename"], Value::Null);
    assert_eq!(parts[0]["size"], std::fs::metadata(&meta).unwrap().len(), "sent as written");
    assert_eq!(parts[1]["content_type"], "text/plain; charset=utf-8");
    assert_eq!(parts[1]["size"], "Vedtak".len());
    assert_eq!(parts[2]["filename"], "vedtak.pdf");
    assert_eq!(parts[2]["content_type"], "application/pdf");
    assert_eq!(parts[2]["size"], "fil-innhold %PDF-1.7\n".len());
    assert_eq!(parts[2]["sha256"], "fbf9379c19aaac9a98139ff9fc71d651f579b080d99035cf1574f26e877ef07a");
    assert_eq!(parts[3]["content_type"], "application/json");

    // Without ;filename= the file's own name; without ;type= application/octet-stream.
    let ran = run(named().args(["call", "-F", &format!("fil=@{}", path(&file)), "POST", "/echo/multipart"]));
    assert_code(&ran, 0);
    let part = &json(&ran)["parts"][0];
    assert_eq!(part["filename"], "vedtak-kilde.pdf", "{part}");
    assert_eq!(part["content_type"], "application/octet-stream", "{part}");
}

#[test]
fn form_json_reads_stdin_and_curls_json_field_works() {
    let meta = scratch_file("forsendelse-felt.json", r#"{"tittel": "Fra fil"}"#);
    let ran = run(named()
        .args([
            "call",
            "--form-json",
            "forsendelse=@-",
            "-F",
            &format!("kopi=<{};type=application/json", path(&meta)),
            "POST",
            "/echo/multipart",
        ])
        .write_stdin(r#"{"tittel": "Fra stdin"}"#));
    assert_code(&ran, 0);
    let v = json(&ran);
    let parts = v["parts"].as_array().unwrap_or_else(|| panic!("{v}"));
    assert_eq!(parts[0]["size"], r#"{"tittel": "Fra stdin"}"#.len());
    assert_eq!(parts[1]["name"], "kopi");
    assert_eq!(parts[1]["filename"], Value::Null, "a <FILE field has no file name");
    assert_eq!(parts[1]["content_type"], "application/json");
    assert_eq!(parts[1]["size"], std::fs::metadata(&meta).unwrap().len());
}

#[test]
fn help_explains_the_new_flags() {
    let call = run(bare().args(["call", "--help"]));
    assert_code(&call, 0);
    for needle in ["--service", "--integrasjon", "--form", "--form-json", "[services]", "@FILE", "\"request\""] {
        assert!(call.stdout.contains(needle), "call --help lacks {needle}:\n{}", call.stdout);
    }
    let headers = run(bare().args(["headers", "--help"]));
    assert_code(&headers, 0);
    assert!(headers.stdout.contains("--integrasjon"), "{}", headers.stdout);
    assert!(headers.stdout.contains("--service NAME only checks"), "{}", headers.stdout);
}
