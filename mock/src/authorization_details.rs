//! The `authorization_details` claim of a grant (RFC 9396, Rich Authorization Requests), checked
//! the way Maskinporten checks it for the two types it knows: Altinn system users and Altinn
//! consents.
//!
//! The claim must be a JSON array of 1 to 10 objects. Each object's `type` picks the fields it
//! may and must carry:
//!
//! - `urn:altinn:systemuser`: `systemuser_org` (required: exactly `authority` =
//!   `iso6523-actorid-upis` and `ID` = `0192:` followed by 9 digits) and `externalRef`
//!   (optional: a non-empty string of at most 255 characters).
//! - `urn:altinn:consent`: `id` (required: a UUID in its 8-4-4-4-12 hex form) and `from`
//!   (required: `urn:altinn:person:identifier-no:` + 11 digits or
//!   `urn:altinn:organization:identifier-no:` + 9 digits).
//!
//! Every refusal is HTTP 400 `invalid_request`, its description starting with the code:
//! [`MP_301`] for a missing or unknown `type`, [`MP_302`] for a field the type does not allow,
//! [`MP_303`] for a missing required field or a bad value (the claim not an array, empty, longer
//! than 10, an entry not an object, a wrong `authority`, a bad orgnr or UUID, …).

use serde_json::{Map, Value};

use crate::grant_check::MpError;

/// The code of a missing or unknown `type`.
pub(crate) const MP_301: &str = "MP-301";
/// The code of a field the `type` does not allow.
pub(crate) const MP_302: &str = "MP-302";
/// The code of a missing required field or a bad value.
pub(crate) const MP_303: &str = "MP-303";

/// The most entries Maskinporten takes in one `authorization_details`.
pub(crate) const MAX_DETAILS: usize = 10;
/// The longest `externalRef` of a system user.
const MAX_EXTERNAL_REF: usize = 255;

/// The Altinn system user type.
const SYSTEMUSER: &str = "urn:altinn:systemuser";
/// The Altinn consent type.
const CONSENT: &str = "urn:altinn:consent";
/// The fields a system user entry may carry.
const SYSTEMUSER_FIELDS: &[&str] = &["type", "systemuser_org", "externalRef"];
/// The fields a consent entry may carry.
const CONSENT_FIELDS: &[&str] = &["type", "id", "from"];
/// The only `systemuser_org.authority`.
const ISO6523_AUTHORITY: &str = "iso6523-actorid-upis";
/// The prefix of a Norwegian orgnr as an ISO 6523 id (`0192:` + 9 digits).
const ISO6523_NO_PREFIX: &str = "0192:";
/// A person as a consent's `from` (+ 11 digits).
const FROM_PERSON: &str = "urn:altinn:person:identifier-no:";
/// An organisation as a consent's `from` (+ 9 digits).
const FROM_ORGANIZATION: &str = "urn:altinn:organization:identifier-no:";

fn refusal(code: &str, why: impl std::fmt::Display) -> MpError {
    MpError::new("invalid_request", format!("{code} Invalid authorization_details: {why}"))
}

fn is_digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `s` is a UUID in its hyphenated 8-4-4-4-12 form (hex digits of either case).
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks the claim; `Ok` gives it back unchanged for the issued token.
pub(crate) fn check(value: &Value) -> Result<Value, MpError> {
    let Value::Array(entries) = value else {
        return Err(refusal(MP_303, format!("must be a JSON array of 1 to {MAX_DETAILS} objects")));
    };
    if entries.is_empty() {
        return Err(refusal(MP_303, "the array is empty"));
    }
    if entries.len() > MAX_DETAILS {
        return Err(refusal(MP_303, format!("more than {MAX_DETAILS} entries ({})", entries.len())));
    }
    for (i, entry) in entries.iter().enumerate() {
        let Value::Object(entry) = entry else {
            return Err(refusal(MP_303, format!("entry {i} is not a JSON object")));
        };
        check_entry(entry)?;
    }
    Ok(value.clone())
}

fn check_entry(entry: &Map<String, Value>) -> Result<(), MpError> {
    let ty = match entry.get("type") {
        None => return Err(refusal(MP_301, "missing type")),
        Some(Value::String(t)) => t.as_str(),
        Some(other) => return Err(refusal(MP_301, format!("unknown type {other}"))),
    };
    let allowed = match ty {
        SYSTEMUSER => SYSTEMUSER_FIELDS,
        CONSENT => CONSENT_FIELDS,
        other => return Err(refusal(MP_301, format!("unknown type '{other}'"))),
    };
    if let Some(field) = entry.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(refusal(MP_302, format!("unknown field '{field}' for type '{ty}'")));
    }
    let required =
        |name: &str| entry.get(name).ok_or_else(|| refusal(MP_303, format!("missing field '{name}' for type '{ty}'")));
    if ty == SYSTEMUSER {
        check_systemuser_org(required("systemuser_org")?)?;
        if let Some(r) = entry.get("externalRef") {
            let ok = r.as_str().is_some_and(|s| !s.is_empty() && s.chars().count() <= MAX_EXTERNAL_REF);
            if !ok {
                return Err(refusal(
                    MP_303,
                    format!("externalRef must be a non-empty string of at most {MAX_EXTERNAL_REF} characters"),
                ));
            }
        }
    } else {
        let id = required("id")?;
        if !id.as_str().is_some_and(is_uuid) {
            return Err(refusal(MP_303, "id must be a UUID (8-4-4-4-12 hex digits)"));
        }
        let from = required("from")?;
        let ok = from.as_str().is_some_and(|f| {
            f.strip_prefix(FROM_PERSON).is_some_and(|n| is_digits(n, 11))
                || f.strip_prefix(FROM_ORGANIZATION).is_some_and(|n| is_digits(n, 9))
        });
        if !ok {
            return Err(refusal(
                MP_303,
                format!("from must be '{FROM_PERSON}' + 11 digits or '{FROM_ORGANIZATION}' + 9 digits"),
            ));
        }
    }
    Ok(())
}

/// `systemuser_org`: exactly `{"authority": "iso6523-actorid-upis", "ID": "0192:<9 digits>"}`.
fn check_systemuser_org(v: &Value) -> Result<(), MpError> {
    let shape = || {
        refusal(
            MP_303,
            format!(
                "systemuser_org must be {{\"authority\": \"{ISO6523_AUTHORITY}\", \"ID\": \"{ISO6523_NO_PREFIX}<orgnr>\"}}"
            ),
        )
    };
    let Value::Object(org) = v else {
        return Err(shape());
    };
    if org.len() != 2 {
        return Err(shape());
    }
    if org.get("authority").and_then(Value::as_str) != Some(ISO6523_AUTHORITY) {
        return Err(refusal(MP_303, format!("systemuser_org.authority must be '{ISO6523_AUTHORITY}'")));
    }
    let id = org.get("ID").and_then(Value::as_str).ok_or_else(shape)?;
    if !id.strip_prefix(ISO6523_NO_PREFIX).is_some_and(|n| is_digits(n, 9)) {
        return Err(refusal(
            MP_303,
            format!("systemuser_org.ID must be '{ISO6523_NO_PREFIX}' followed by a 9-digit organization number"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn code(v: Value) -> String {
        match check(&v) {
            Ok(_) => "ok".to_string(),
            Err(e) => {
                assert_eq!((e.status, e.error), (400, "invalid_request"));
                assert!(e.description.contains(" Invalid authorization_details: "), "{}", e.description);
                e.description[..6].to_string()
            }
        }
    }

    fn systemuser() -> Value {
        json!({"type": SYSTEMUSER, "systemuser_org": {"authority": ISO6523_AUTHORITY, "ID": "0192:910000001"}})
    }

    #[test]
    fn uuids() {
        assert!(is_uuid("0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"));
        assert!(is_uuid("0B1C2D3E-4F5A-4B6C-8D7E-9F0A1B2C3D4E"));
        for bad in
            ["0b1c2d3e4f5a4b6c8d7e9f0a1b2c3d4e", "{0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e}", "0b1c2d3e-4f5a-4b6c-8d7e"]
        {
            assert!(!is_uuid(bad), "{bad}");
        }
        assert!(!is_uuid("0b1c2d3g-4f5a-4b6c-8d7e-9f0a1b2c3d4e"));
    }

    #[test]
    fn codes() {
        assert_eq!(code(json!([systemuser()])), "ok");
        assert_eq!(
            code(json!([systemuser(), {"type": CONSENT, "id": "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
            "from": "urn:altinn:organization:identifier-no:987654321"}])),
            "ok"
        );
        assert_eq!(code(systemuser()), "MP-303");
        assert_eq!(code(json!([])), "MP-303");
        assert_eq!(code(json!(vec![systemuser(); 11])), "MP-303");
        assert_eq!(code(json!(vec![systemuser(); 10])), "ok");
        assert_eq!(code(json!(["x"])), "MP-303");
        assert_eq!(code(json!([{"systemuser_org": {}}])), "MP-301");
        assert_eq!(code(json!([{"type": 1}])), "MP-301");
        assert_eq!(code(json!([{"type": "urn:altinn:other"}])), "MP-301");
        let mut extra = systemuser();
        extra["id"] = json!("x");
        assert_eq!(code(json!([extra])), "MP-302");
        assert_eq!(code(json!([{"type": SYSTEMUSER}])), "MP-303");
        let mut long = systemuser();
        long["externalRef"] = json!("é".repeat(255));
        assert_eq!(code(json!([long.clone()])), "ok");
        long["externalRef"] = json!("é".repeat(256));
        assert_eq!(code(json!([long])), "MP-303");
    }
}
