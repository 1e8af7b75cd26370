//! The `authorization_details` claim (RFC 9396) as Maskinporten takes it: Altinn system users
//! and consents accepted and recorded on the token, every other shape refused with MP-301,
//! MP-302 or MP-303.

mod common;

use common::*;
use fiks_integrasjon_mock::MockServer;
use serde_json::{Value, json};

const SYSTEMUSER: &str = "urn:altinn:systemuser";
const CONSENT: &str = "urn:altinn:consent";

fn systemuser() -> Value {
    json!({"type": SYSTEMUSER, "systemuser_org": {"authority": "iso6523-actorid-upis", "ID": "0192:910000001"}})
}

fn consent() -> Value {
    json!({
        "type": CONSENT,
        "id": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
        "from": "urn:altinn:person:identifier-no:12345678901",
    })
}

/// `base` with `field` set to `value` (`null` removes it).
fn with(mut base: Value, field: &str, value: Value) -> Value {
    if let Some(m) = base.as_object_mut() {
        if value.is_null() {
            m.remove(field);
        } else {
            m.insert(field.into(), value);
        }
    }
    base
}

async fn send(mock: &MockServer, details: Value) -> Answer {
    post_grant(mock, &Grant::new(mock).claim("authorization_details", details).sign()).await
}

/// Asserts a refusal whose description is `code` + " Invalid authorization_details: …".
fn assert_rar_refusal(a: &Answer, code: &str, details: &Value) {
    assert_mp_error(a, 400, "invalid_request", code);
    let d = a.json()["error_description"].as_str().unwrap_or("").to_string();
    assert!(d.starts_with(&format!("{code} Invalid authorization_details: ")), "{details}: '{d}'");
}

#[tokio::test]
async fn system_users_and_consents_are_accepted_and_recorded_on_the_token() {
    let mock = mock().await;
    let with_ref = with(systemuser(), "externalRef", json!("ref-1"));
    let org_consent = with(consent(), "from", json!("urn:altinn:organization:identifier-no:987654321"));
    let upper_uuid = with(consent(), "id", json!("0B1C2D3E-4F5A-4B6C-8D7E-9F0A1B2C3D4E"));
    let longest_ref = with(systemuser(), "externalRef", json!("r".repeat(255)));
    let ten: Vec<Value> = (0..10).map(|_| systemuser()).collect();
    let accepted = [
        json!([systemuser()]),
        json!([with_ref]),
        json!([consent()]),
        json!([org_consent, upper_uuid]),
        json!([systemuser(), consent()]),
        json!([longest_ref]),
        json!(ten),
    ];
    for details in &accepted {
        let a = send(&mock, details.clone()).await;
        assert_eq!(a.status, 200, "{details}: {}", a.text());
        assert_eq!(mock.counters().last_grant_claims.unwrap()["authorization_details"], *details);
    }
    assert_eq!(mock.counters().tokens_issued, accepted.len() as u64);

    // The token carries them: the echo says what the mock knows of the token.
    let details = json!([systemuser(), consent()]);
    let with_details = token_for(&mock, Grant::new(&mock).claim("authorization_details", details.clone())).await;
    let echo =
        request("GET", &format!("{}/echo", mock.fiks_base_url()), &refs(&fiks_headers(&mock, &with_details)), b"")
            .await
            .unwrap();
    assert_eq!(echo.status, 200, "{}", echo.text());
    assert_eq!(echo.json()["token"]["authorization_details"], details);
    // A token without them says so.
    let plain = token(&mock).await;
    let echo = request("GET", &format!("{}/echo", mock.fiks_base_url()), &refs(&fiks_headers(&mock, &plain)), b"")
        .await
        .unwrap();
    assert_eq!(echo.json()["token"]["authorization_details"], Value::Null);
}

#[tokio::test]
async fn a_missing_or_unknown_type_is_mp_301() {
    let mock = mock().await;
    let a = send(&mock, json!([{"type": "x"}])).await;
    assert_mp_error(&a, 400, "invalid_request", "");
    assert_eq!(a.json()["error_description"], "MP-301 Invalid authorization_details: unknown type 'x'");
    let a = send(&mock, json!([with(systemuser(), "type", Value::Null)])).await;
    assert_eq!(a.json()["error_description"], "MP-301 Invalid authorization_details: missing type");
    for details in [
        json!([{"type": "urn:altinn:systemuser:v2", "systemuser_org": systemuser()["systemuser_org"]}]),
        json!([{"type": "urn:altinn:Consent"}]),
        json!([{"type": 7}]),
        json!([{"type": null}]),
        json!([systemuser(), {"type": ""}]),
    ] {
        assert_rar_refusal(&send(&mock, details.clone()).await, "MP-301", &details);
    }
    let c = mock.counters();
    assert_eq!((c.tokens_issued, c.token_rejections.len()), (0, 7));
    assert!(c.token_rejections.iter().all(|r| r.description.starts_with("MP-301 ") && r.status == 400));
}

#[tokio::test]
async fn a_field_the_type_does_not_allow_is_mp_302() {
    let mock = mock().await;
    let a = send(&mock, json!([with(systemuser(), "x", json!("y"))])).await;
    assert_mp_error(&a, 400, "invalid_request", "");
    assert_eq!(
        a.json()["error_description"],
        "MP-302 Invalid authorization_details: unknown field 'x' for type 'urn:altinn:systemuser'"
    );
    let a = send(&mock, json!([with(consent(), "externalRef", json!("ref"))])).await;
    assert_eq!(
        a.json()["error_description"],
        "MP-302 Invalid authorization_details: unknown field 'externalRef' for type 'urn:altinn:consent'"
    );
    for details in [
        json!([with(systemuser(), "id", consent()["id"].clone())]),
        json!([with(consent(), "systemuser_org", systemuser()["systemuser_org"].clone())]),
        json!([consent(), with(systemuser(), "locations", json!(["https://example.test"]))]),
        // Checked before the required fields: an unknown field in an entry that also lacks one.
        json!([{"type": SYSTEMUSER, "orgnr": "910000001"}]),
    ] {
        assert_rar_refusal(&send(&mock, details.clone()).await, "MP-302", &details);
    }
    assert_eq!(mock.counters().tokens_issued, 0);
}

#[tokio::test]
async fn a_missing_field_or_a_bad_value_is_mp_303() {
    let mock = mock().await;
    let org = |authority: Value, id: Value| json!({"authority": authority, "ID": id});
    let su_org = |v: Value| json!([with(systemuser(), "systemuser_org", v)]);
    let eleven: Vec<Value> = (0..11).map(|_| systemuser()).collect();
    let cases = [
        // The claim's shape.
        systemuser(),
        json!("urn:altinn:systemuser"),
        json!(null),
        json!([]),
        json!(eleven),
        json!(["x"]),
        json!([systemuser(), [systemuser()]]),
        // System users.
        json!([with(systemuser(), "systemuser_org", Value::Null)]),
        su_org(org(json!("iso6523-actorid-upis-x"), json!("0192:910000001"))),
        su_org(org(json!("ISO6523-ACTORID-UPIS"), json!("0192:910000001"))),
        su_org(org(json!("iso6523-actorid-upis"), json!("910000001"))),
        su_org(org(json!("iso6523-actorid-upis"), json!("0193:910000001"))),
        su_org(org(json!("iso6523-actorid-upis"), json!("0192:91000000"))),
        su_org(org(json!("iso6523-actorid-upis"), json!("0192:9100000011"))),
        su_org(org(json!("iso6523-actorid-upis"), json!("0192:91000000x"))),
        su_org(org(json!("iso6523-actorid-upis"), json!(910000001))),
        su_org(json!({"authority": "iso6523-actorid-upis"})),
        su_org(json!({"ID": "0192:910000001"})),
        su_org(json!({"authority": "iso6523-actorid-upis", "ID": "0192:910000001", "extra": 1})),
        su_org(json!({"authority": "iso6523-actorid-upis", "id": "0192:910000001"})),
        su_org(json!("0192:910000001")),
        json!([with(systemuser(), "externalRef", json!(""))]),
        json!([with(systemuser(), "externalRef", json!("r".repeat(256)))]),
        json!([with(systemuser(), "externalRef", json!(5))]),
        // Consents.
        json!([with(consent(), "id", Value::Null)]),
        json!([with(consent(), "from", Value::Null)]),
        json!([with(consent(), "id", json!("0b1c2d3e4f5a4b6c8d7e9f0a1b2c3d4e"))]),
        json!([with(consent(), "id", json!("{0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e}"))]),
        json!([with(consent(), "id", json!("urn:uuid:0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"))]),
        json!([with(consent(), "id", json!("0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4"))]),
        json!([with(consent(), "id", json!("0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4g"))]),
        json!([with(consent(), "id", json!(42))]),
        json!([with(consent(), "from", json!("urn:altinn:person:identifier-no:1234567890"))]),
        json!([with(consent(), "from", json!("urn:altinn:organization:identifier-no:12345678901"))]),
        json!([with(consent(), "from", json!("urn:altinn:person:identifier-se:12345678901"))]),
        json!([with(consent(), "from", json!("12345678901"))]),
        json!([consent(), with(consent(), "from", json!(["urn:altinn:person:identifier-no:12345678901"]))]),
    ];
    for details in &cases {
        assert_rar_refusal(&send(&mock, details.clone()).await, "MP-303", details);
    }
    let c = mock.counters();
    assert_eq!((c.tokens_issued, c.token_rejections.len()), (0, cases.len()));
    let a = send(&mock, json!([systemuser(), with(consent(), "id", Value::Null)])).await;
    assert_eq!(
        a.json()["error_description"],
        "MP-303 Invalid authorization_details: missing field 'id' for type 'urn:altinn:consent'"
    );
}
