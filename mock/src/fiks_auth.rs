//! Who calls the Fiks side: the checks of `Authorization`, `IntegrasjonId` and
//! `IntegrasjonPassord` (in that order, as Fiks answers them), and the test hook
//! `X-Mock-Expect-Token-Sha256` that tells whether a request carried the token its sender meant.

use std::time::Instant;

use hyper::header::HeaderMap;
use serde_json::{Map, Value, json};

use crate::fiks_api::fiks_error;
use crate::respond::{Resp, header};
use crate::service::Service;
use crate::state::{Shared, lock};
use crate::tokens::IssuedToken;

/// The scope a Maskinporten token needs for Fiks.
pub(crate) const FIKS_SCOPE: &str = "ks:fiks";
const AUTHORIZATION: &str = "Authorization";
pub(crate) const INTEGRASJON_ID: &str = "IntegrasjonId";
pub(crate) const INTEGRASJON_PASSORD: &str = "IntegrasjonPassord";
/// The request header in which a test states which bearer token a request should carry, as the
/// hex SHA-256 of the token: the Fiks side counts a request whose token differs in
/// [`crate::Counters::token_mismatches`] (and one that matches in
/// [`crate::Counters::token_matches_checked`]), and its echoes answer `"token_matches"`.
///
/// ```
/// assert_eq!(fiks_integrasjon_mock::EXPECT_TOKEN_SHA256_HEADER, "X-Mock-Expect-Token-Sha256");
/// ```
pub const EXPECT_TOKEN_SHA256_HEADER: &str = "X-Mock-Expect-Token-Sha256";

/// Lowercase hex of the SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref())
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// How the caller authenticated.
pub(crate) enum Credential {
    /// A Maskinporten access token the mock issued.
    Organisation(IssuedToken),
    /// A registered ID-porten person token.
    Person,
}

/// Who the caller is after the headers were checked, and what the echoes tell about it.
pub(crate) struct Caller {
    pub credential: Credential,
    /// The `IntegrasjonId` received (a known one).
    pub integrasjon_id: String,
    /// The SHA-256 of the bearer token received, lowercase hex.
    pub token_sha256: String,
    /// What the `X-Mock-Expect-Token-Sha256` check found; `None` without that header.
    pub token_matches: Option<bool>,
    /// The service that was called.
    pub service: Service,
}

impl Caller {
    /// The fields every echo carries about the caller: `integrasjon_id`, `token_sha256` (never
    /// the token), `token_matches`, `service` and `token` (what the mock knows of the token).
    pub(crate) fn fields(&self) -> Map<String, Value> {
        let token = match &self.credential {
            Credential::Person => json!({"kind": "person"}),
            Credential::Organisation(t) => {
                let mut v = json!(t);
                if let Value::Object(m) = &mut v {
                    m.insert("kind".into(), json!("maskinporten"));
                }
                v
            }
        };
        let mut m = Map::new();
        m.insert("integrasjon_id".into(), json!(self.integrasjon_id));
        m.insert("token_sha256".into(), json!(self.token_sha256));
        m.insert("token_matches".into(), json!(self.token_matches));
        m.insert("service".into(), json!(self.service.name));
        m.insert("token".into(), token);
        m
    }
}

/// A refusal in the Fiks format, without `errorCode`/`errorJson`.
fn refuse(status: u16, path: &str, message: &str) -> Box<Resp> {
    Box::new(fiks_error(status, path, message, None, None))
}

/// The one value of header `name` (any case); two or more are refused.
fn single<'h>(headers: &'h HeaderMap, name: &str, path: &str) -> Result<Option<&'h str>, Box<Resp>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(refuse(
            400,
            path,
            &format!("Headeren {name} er satt flere ganger (header {name} was sent more than once)"),
        ));
    }
    match first.map(|v| v.to_str()) {
        None => Ok(None),
        Some(Ok(v)) => Ok(Some(v)),
        Some(Err(_)) => {
            Err(refuse(400, path, &format!("Headeren {name} har ugyldige tegn (header {name} is not visible ASCII)")))
        }
    }
}

/// A 401 for a bearer-token problem, with its `WWW-Authenticate` challenge.
fn unauthorized(path: &str, message: &str, bearer_error: Option<&str>) -> Box<Resp> {
    let challenge = match bearer_error {
        Some(e) => format!("Bearer realm=\"fiks\", error=\"{e}\""),
        None => "Bearer realm=\"fiks\"".to_string(),
    };
    Box::new(header(fiks_error(401, path, message, None, None), "www-authenticate", &challenge))
}

/// The token of an `Authorization: Bearer <token>` value; `None` when it is not one.
fn bearer_token(auth: &str) -> Option<&str> {
    match auth.split_once(' ') {
        Some((scheme, t))
            if scheme.eq_ignore_ascii_case("bearer") && !t.is_empty() && !t.contains(char::is_whitespace) =>
        {
            Some(t)
        }
        _ => None,
    }
}

/// The `X-Mock-Expect-Token-Sha256` check, counted: `Some(true)` when the header names the
/// SHA-256 of the bearer token received, `Some(false)` when it names another (or no bearer token
/// came), `None` without the header. Runs before authentication, so refused requests count too.
pub(crate) fn check_expected_token(shared: &Shared, headers: &HeaderMap) -> Option<bool> {
    let expected = headers.get(EXPECT_TOKEN_SHA256_HEADER)?;
    let received = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .map(|t| sha256_hex(t.as_bytes()));
    let expected = String::from_utf8_lossy(expected.as_bytes()).trim().to_ascii_lowercase();
    let matches = received.is_some_and(|r| r == expected);
    let mut c = lock(&shared.counters);
    if matches {
        c.token_matches_checked += 1;
    } else {
        c.token_mismatches += 1;
    }
    Some(matches)
}

/// Checks `Authorization`, `IntegrasjonId` and `IntegrasjonPassord`, in that order; counts an
/// accepted request by its integrasjon.
pub(crate) fn authenticate(
    shared: &Shared,
    service: Service,
    headers: &HeaderMap,
    path: &str,
    token_matches: Option<bool>,
) -> Result<Caller, Box<Resp>> {
    let Some(auth) = single(headers, AUTHORIZATION, path)? else {
        return Err(unauthorized(
            path,
            "Mangler Authorization-header (missing bearer token). Send 'Authorization: Bearer <access token>'",
            None,
        ));
    };
    let Some(token) = bearer_token(auth) else {
        return Err(unauthorized(
            path,
            "Authorization-headeren må være 'Bearer <access token>' (malformed Authorization header)",
            Some("invalid_request"),
        ));
    };
    let person = lock(&shared.person_tokens).contains(token);
    let credential = if person {
        Credential::Person
    } else {
        let found = lock(&shared.tokens).get(token).cloned();
        match found {
            None => {
                return Err(unauthorized(
                    path,
                    "Ukjent access token (unknown or revoked token): hent et nytt fra Maskinporten",
                    Some("invalid_token"),
                ));
            }
            Some(t) if t.expires_at <= Instant::now() => {
                return Err(unauthorized(
                    path,
                    "Access token er utløpt (token expired): hent et nytt fra Maskinporten",
                    Some("invalid_token"),
                ));
            }
            Some(t) if !t.scopes.iter().any(|s| s == FIKS_SCOPE) => {
                let message =
                    format!("Access token mangler scope {FIKS_SCOPE} (insufficient scope: {})", t.scopes.join(" "));
                let challenge = format!("Bearer realm=\"fiks\", error=\"insufficient_scope\", scope=\"{FIKS_SCOPE}\"");
                return Err(Box::new(header(*refuse(403, path, &message), "www-authenticate", &challenge)));
            }
            Some(t) => Credential::Organisation(t),
        }
    };
    let Some(id) = single(headers, INTEGRASJON_ID, path)? else {
        return Err(refuse(401, path, "Mangler IntegrasjonId-header (missing IntegrasjonId)"));
    };
    let known = lock(&shared.integrasjoner).passord(id).map(str::to_string);
    let Some(passord) = known else {
        return Err(refuse(
            403,
            path,
            "Ukjent IntegrasjonId, eller organisasjonen er ikke autorisert for integrasjonen (unknown integration)",
        ));
    };
    match single(headers, INTEGRASJON_PASSORD, path)? {
        None => return Err(refuse(401, path, "Mangler IntegrasjonPassord-header (missing IntegrasjonPassord)")),
        Some(p) if p != passord => {
            return Err(refuse(401, path, "Feil IntegrasjonPassord for integrasjonen (wrong integration password)"));
        }
        Some(_) => {}
    }
    *lock(&shared.counters).requests_by_integrasjon.entry(id.to_string()).or_insert(0) += 1;
    Ok(Caller {
        credential,
        integrasjon_id: id.to_string(),
        token_sha256: sha256_hex(token.as_bytes()),
        token_matches,
        service,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn bearer_tokens() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        for bad in ["Bearer", "Bearer ", "Bearer  two", "Basic abc", "abc"] {
            assert_eq!(bearer_token(bad), None, "{bad}");
        }
    }
}
