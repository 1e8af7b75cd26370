//! `authorization_details` (RFC 9396, Rich Authorization Requests) as Maskinporten supports
//! it: Altinn *systembruker* (`urn:altinn:systemuser`) and *samtykke* (`urn:altinn:consent`).
//!
//! The rules are checked here, before anything is signed, so a bad value never reaches
//! Maskinporten; Maskinporten's own refusals (`MP-301` unknown type, `MP-302` unknown field,
//! `MP-303` bad value) become [`crate::TokenError`]s with [`crate::TokenError::is_authorization_details`].
//!
//! ```
//! use fiks_integrasjon::AuthorizationDetails;
//! let d = AuthorizationDetails::systembruker("910000001", Some("kunde-42")).unwrap();
//! assert_eq!(
//!     d.as_json(),
//!     r#"[{"externalRef":"kunde-42","systemuser_org":{"ID":"0192:910000001","authority":"iso6523-actorid-upis"},"type":"urn:altinn:systemuser"}]"#
//! );
//! let same = AuthorizationDetails::parse(d.as_json()).unwrap();
//! assert_eq!(same, d);
//! let e = AuthorizationDetails::parse(r#"[{"type":"urn:altinn:systemuser","systemuser_org":{"authority":"iso6523-actorid-upis","ID":"0192:12"}}]"#).unwrap_err();
//! assert!(e.to_string().contains("9 digits"), "{e}");
//! ```

use std::fmt;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::error::{Error, Result};

/// The `type` of a systembruker request.
pub const SYSTEMUSER_TYPE: &str = "urn:altinn:systemuser";
/// The `type` of a samtykke (consent) request.
pub const CONSENT_TYPE: &str = "urn:altinn:consent";
/// The `authority` of an organisation number in Maskinporten's claims.
pub const ORGNR_AUTHORITY: &str = "iso6523-actorid-upis";
/// The most entries one request may carry.
pub const MAX_ENTRIES: usize = 10;
const PERSON_PREFIX: &str = "urn:altinn:person:identifier-no:";
const ORG_PREFIX: &str = "urn:altinn:organization:identifier-no:";

/// A validated `authorization_details` array, kept as its canonical JSON (members sorted by
/// name; part of a token's cache key: two requests with the same details share a token).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AuthorizationDetails {
    json: Arc<str>,
}

impl fmt::Debug for AuthorizationDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AuthorizationDetails({})", self.log_form())
    }
}

fn bad(message: impl Into<String>) -> Error {
    Error::config(Some("authorization_details".into()), message)
}

impl AuthorizationDetails {
    /// A systembruker request for the customer organisation `orgnr` (9 digits), with an
    /// optional `externalRef` (when the vendor has several system users for one customer).
    pub fn systembruker(orgnr: &str, external_ref: Option<&str>) -> Result<AuthorizationDetails> {
        let mut entry = json!({
            "type": SYSTEMUSER_TYPE,
            "systemuser_org": {"authority": ORGNR_AUTHORITY, "ID": format!("0192:{}", orgnr.trim())},
        });
        if let (Some(r), Some(m)) = (external_ref, entry.as_object_mut()) {
            m.insert("externalRef".into(), Value::String(r.to_string()));
        }
        Self::from_value(Value::Array(vec![entry]))
    }

    /// A samtykke request: the consent `id` (a UUID) given `from` a person (11-digit
    /// fødselsnummer) or an organisation (9-digit orgnr); a bare number is turned into the
    /// Altinn URN (`urn:altinn:person:identifier-no:…` / `urn:altinn:organization:identifier-no:…`).
    pub fn samtykke(id: &str, from: &str) -> Result<AuthorizationDetails> {
        let from = from.trim();
        let from = match from.len() {
            11 if all_digits(from) => format!("{PERSON_PREFIX}{from}"),
            9 if all_digits(from) => format!("{ORG_PREFIX}{from}"),
            _ => from.to_string(),
        };
        Self::from_value(Value::Array(vec![json!({"type": CONSENT_TYPE, "id": id.trim(), "from": from})]))
    }

    /// Parses and checks JSON: an array of entries (a single object is taken as an array of
    /// one). Every rule Maskinporten enforces is checked: known `type`, only its fields, and
    /// well-formed values.
    pub fn parse(json: &str) -> Result<AuthorizationDetails> {
        let value: Value = serde_json::from_str(json)
            .map_err(|e| bad(format!("`authorization_details` is not JSON ({e}): give an array of objects")))?;
        Self::from_value(value)
    }

    /// Checks a JSON value as [`AuthorizationDetails::parse`] does.
    pub fn from_value(value: Value) -> Result<AuthorizationDetails> {
        let entries = match value {
            Value::Array(a) => a,
            Value::Object(o) => vec![Value::Object(o)],
            _ => return Err(bad("`authorization_details` must be a JSON array of objects")),
        };
        if entries.is_empty() {
            return Err(bad("`authorization_details` is an empty array: give at least one entry or leave it out"));
        }
        if entries.len() > MAX_ENTRIES {
            return Err(bad(format!("`authorization_details` has {} entries; at most {MAX_ENTRIES}", entries.len())));
        }
        let mut canonical = Vec::with_capacity(entries.len());
        for (i, entry) in entries.into_iter().enumerate() {
            let Value::Object(m) = entry else {
                return Err(bad(format!("entry {i} of `authorization_details` is not an object")));
            };
            canonical.push(check_entry(i, m)?);
        }
        let json = serde_json::to_string(&Value::Array(canonical))
            .map_err(|e| bad(format!("`authorization_details` cannot be serialised: {e}")))?;
        Ok(AuthorizationDetails { json: json.into() })
    }

    /// The canonical JSON (an array), as it goes into the grant.
    pub fn as_json(&self) -> &str {
        &self.json
    }

    /// The JSON value, as it goes into the grant.
    pub fn to_value(&self) -> Value {
        serde_json::from_str(&self.json).unwrap_or(Value::Null)
    }

    /// A short form for logs: the types and organisations, with a consent's `from` masked to
    /// its last two digits (a fødselsnummer is personal data).
    pub fn log_form(&self) -> String {
        let Value::Array(entries) = self.to_value() else { return String::new() };
        entries
            .iter()
            .map(|e| match e.get("type").and_then(Value::as_str) {
                Some(SYSTEMUSER_TYPE) => {
                    format!("systemuser:{}", e.pointer("/systemuser_org/ID").and_then(Value::as_str).unwrap_or("?"))
                }
                Some(CONSENT_TYPE) => {
                    let from = e.get("from").and_then(Value::as_str).unwrap_or("");
                    let n = from.chars().count();
                    let tail: String = from.chars().skip(n.saturating_sub(2)).collect();
                    format!("consent:…{tail}")
                }
                _ => "?".to_string(),
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Checks one entry and returns it with only the fields it may have.
fn check_entry(i: usize, mut m: Map<String, Value>) -> Result<Value> {
    let ty = match m.get("type") {
        Some(Value::String(t)) => t.clone(),
        _ => {
            return Err(bad(format!(
                "entry {i} of `authorization_details` has no `type`: use `{SYSTEMUSER_TYPE}` or `{CONSENT_TYPE}`"
            )));
        }
    };
    let allowed: &[&str] = match ty.as_str() {
        SYSTEMUSER_TYPE => &["type", "systemuser_org", "externalRef"],
        CONSENT_TYPE => &["type", "id", "from"],
        other => {
            return Err(bad(format!(
                "entry {i} of `authorization_details` has type `{other}`, which Maskinporten does not know: use `{SYSTEMUSER_TYPE}` or `{CONSENT_TYPE}`"
            )));
        }
    };
    if let Some(extra) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(bad(format!(
            "entry {i} of `authorization_details` ({ty}) has the field `{extra}`, which Maskinporten refuses; the fields are {}",
            allowed.join(", ")
        )));
    }
    let mut out = Map::new();
    out.insert("type".into(), Value::String(ty.clone()));
    if ty == SYSTEMUSER_TYPE {
        let org = match m.remove("systemuser_org") {
            Some(Value::Object(o)) => o,
            _ => {
                return Err(bad(format!(
                    "entry {i} of `authorization_details` needs `systemuser_org`: {{\"authority\": \"{ORGNR_AUTHORITY}\", \"ID\": \"0192:<orgnr>\"}}"
                )));
            }
        };
        if let Some(extra) = org.keys().find(|k| *k != "authority" && *k != "ID") {
            return Err(bad(format!("`systemuser_org` has the field `{extra}`; it takes `authority` and `ID`")));
        }
        if org.get("authority").and_then(Value::as_str) != Some(ORGNR_AUTHORITY) {
            return Err(bad(format!("`systemuser_org.authority` must be `{ORGNR_AUTHORITY}`")));
        }
        let id = org.get("ID").and_then(Value::as_str).unwrap_or("");
        match id.strip_prefix("0192:") {
            Some(n) if n.len() == 9 && all_digits(n) => {}
            _ => {
                return Err(bad(format!(
                    "`systemuser_org.ID` is `{id}`: it must be `0192:` and the customer's organisation number (9 digits)"
                )));
            }
        }
        out.insert("systemuser_org".into(), json!({"authority": ORGNR_AUTHORITY, "ID": id}));
        match m.remove("externalRef") {
            None => {}
            Some(Value::String(r)) if !r.trim().is_empty() && r.len() <= 255 && !r.chars().any(char::is_control) => {
                out.insert("externalRef".into(), Value::String(r));
            }
            Some(_) => return Err(bad("`externalRef` must be a non-empty string of at most 255 characters")),
        }
    } else {
        let id = m.get("id").and_then(Value::as_str).unwrap_or("");
        if !is_uuid(id) {
            return Err(bad(format!("the consent `id` is `{id}`: it must be the consent's UUID")));
        }
        let from = m.get("from").and_then(Value::as_str).unwrap_or("");
        let ok = from.strip_prefix(PERSON_PREFIX).is_some_and(|n| n.len() == 11 && all_digits(n))
            || from.strip_prefix(ORG_PREFIX).is_some_and(|n| n.len() == 9 && all_digits(n));
        if !ok {
            return Err(bad(format!(
                "the consent `from` must be `{PERSON_PREFIX}<11 digits>` or `{ORG_PREFIX}<9 digits>` (or the bare number)"
            )));
        }
        out.insert("id".into(), Value::String(id.to_ascii_lowercase()));
        out.insert("from".into(), Value::String(from.to_string()));
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builders_and_parse_agree() {
        let s = AuthorizationDetails::samtykke("93413201-B7E8-4ec3-a899-580fc02c6aeb", "25922947409").unwrap();
        assert_eq!(
            s.as_json(),
            r#"[{"from":"urn:altinn:person:identifier-no:25922947409","id":"93413201-b7e8-4ec3-a899-580fc02c6aeb","type":"urn:altinn:consent"}]"#
        );
        assert_eq!(AuthorizationDetails::parse(s.as_json()).unwrap(), s);
        let o = AuthorizationDetails::samtykke("93413201-b7e8-4ec3-a899-580fc02c6aeb", "910000001").unwrap();
        assert!(o.as_json().contains("urn:altinn:organization:identifier-no:910000001"));
        assert_eq!(s.log_form(), "consent:…09");
        let b = AuthorizationDetails::systembruker("910000001", None).unwrap();
        assert_eq!(b.log_form(), "systemuser:0192:910000001");
        // Field order and a single object do not matter.
        let reordered = r#"{"systemuser_org":{"ID":"0192:910000001","authority":"iso6523-actorid-upis"},"type":"urn:altinn:systemuser"}"#;
        assert_eq!(AuthorizationDetails::parse(reordered).unwrap(), b);
    }

    #[test]
    fn every_rule_is_checked() {
        let cases = [
            ("nope", "not JSON"),
            ("5", "array of objects"),
            ("[]", "empty array"),
            ("[1]", "not an object"),
            (r#"[{"id":"x"}]"#, "no `type`"),
            (r#"[{"type":"urn:altinn:other"}]"#, "does not know"),
            (
                r#"[{"type":"urn:altinn:systemuser","systemuser_org":{"authority":"iso6523-actorid-upis","ID":"0192:910000001"},"extra":1}]"#,
                "field `extra`",
            ),
            (r#"[{"type":"urn:altinn:systemuser"}]"#, "needs `systemuser_org`"),
            (
                r#"[{"type":"urn:altinn:systemuser","systemuser_org":{"authority":"x","ID":"0192:910000001"}}]"#,
                "authority",
            ),
            (
                r#"[{"type":"urn:altinn:systemuser","systemuser_org":{"authority":"iso6523-actorid-upis","ID":"910000001"}}]"#,
                "9 digits",
            ),
            (
                r#"[{"type":"urn:altinn:systemuser","systemuser_org":{"authority":"iso6523-actorid-upis","ID":"0192:910000001"},"externalRef":""}]"#,
                "externalRef",
            ),
            (
                r#"[{"type":"urn:altinn:consent","id":"abc","from":"urn:altinn:person:identifier-no:25922947409"}]"#,
                "UUID",
            ),
            (r#"[{"type":"urn:altinn:consent","id":"93413201-b7e8-4ec3-a899-580fc02c6aeb","from":"x"}]"#, "`from`"),
        ];
        for (json, expect) in cases {
            let e = AuthorizationDetails::parse(json).unwrap_err();
            assert_eq!(e.kind(), crate::ErrorKind::Config);
            assert!(e.to_string().contains(expect), "{json}: {e}");
        }
        let many = format!(
            "[{}]",
            vec![AuthorizationDetails::systembruker("910000001", None).unwrap().to_value()[0].to_string(); 11]
                .join(",")
        );
        assert!(AuthorizationDetails::parse(&many).unwrap_err().to_string().contains("at most 10"));
    }
}
