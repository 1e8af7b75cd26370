//! The Maskinporten side: `POST /token` (JWT bearer grant → opaque access token; also at the
//! token path the metadata names, when changed) and the authorization server metadata. Errors
//! are Maskinporten's OAuth JSON.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::header::CONTENT_TYPE;
use hyper::{Method, Request};
use serde_json::json;

use crate::counters::Rejection;
use crate::grant_check::{self, Accepted, Decoded, MpError, Policy};
use crate::respond::{Resp, header, json, media_type, read_body};
use crate::state::{Shared, lock};
use crate::tokens::{IssuedToken, TokenStore};

/// The only grant type Maskinporten's token endpoint takes.
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// An OAuth error answer in Maskinporten's shape.
pub(crate) fn oauth_error(status: u16, error: &str, description: &str) -> Resp {
    let r = json(status, &json!({"error": error, "error_description": description}));
    header(header(r, "cache-control", "no-store"), "pragma", "no-cache")
}

fn reject(shared: &Shared, e: MpError) -> Resp {
    lock(&shared.counters).token_rejections.push(Rejection {
        error: e.error.to_string(),
        description: e.description.clone(),
        status: e.status,
    });
    tracing::debug!(error = e.error, description = %e.description, "token request refused");
    oauth_error(e.status, e.error, &e.description)
}

/// The path of the authorization server metadata (RFC 8414).
pub(crate) const METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
/// The token endpoint's path; always served, whatever the metadata names.
pub(crate) const TOKEN_PATH: &str = "/token";

/// `GET /.well-known/oauth-authorization-server` (RFC 8414): issuer = the audience, and
/// `token_endpoint` = the base URL + the metadata's token path (`/token` unless changed with
/// [`crate::MockServer::set_metadata_token_path`]).
pub(crate) fn metadata(shared: &Shared, method: &Method) -> Resp {
    if method != Method::GET && method != Method::HEAD {
        return header(oauth_error(405, "invalid_request", "Method not allowed. Use GET"), "allow", "GET");
    }
    json(
        200,
        &json!({
            "issuer": shared.audience(),
            "token_endpoint": format!("{}{}", shared.base_url, shared.metadata_token_path()),
            "grant_types_supported": [JWT_BEARER],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS384", "RS512"],
            "response_types_supported": ["token"],
        }),
    )
}

/// `POST /token`, every answer held back by the configured token delay.
pub(crate) async fn token(shared: &Shared, req: Request<Incoming>) -> Resp {
    let arrived = Instant::now();
    let checked = check_request(shared, req).await;
    let delay = shared.token_delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay.saturating_sub(arrived.elapsed())).await;
    }
    shared.token_hold_released().await;
    // The token is minted after the delay, so its lifetime starts when the answer leaves.
    match checked {
        Ok(accepted) => issue(shared, accepted),
        Err(refusal) => *refusal,
    }
}

/// Checks the HTTP request and the grant in it; `Err` is the refusal to send.
async fn check_request(shared: &Shared, req: Request<Incoming>) -> Result<Accepted, Box<Resp>> {
    let refuse = |e: MpError| Err(Box::new(reject(shared, e)));
    let now = shared.now();
    if req.method() != Method::POST {
        let mut e = MpError::new("invalid_request", "Method not allowed. Use POST");
        e.status = 405;
        return Err(Box::new(header(reject(shared, e), "allow", "POST")));
    }
    if media_type(req.headers().get(CONTENT_TYPE)).as_deref() != Some("application/x-www-form-urlencoded") {
        return refuse(MpError::new(
            "invalid_request",
            "Invalid request. Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    let Some(body) = read_body(req.into_body()).await else {
        return refuse(MpError::new("invalid_request", "Invalid request. The body could not be read"));
    };
    let mut seen = HashSet::new();
    let mut grant_type = None;
    let mut assertion = None;
    for (k, v) in form_urlencoded::parse(&body) {
        if !seen.insert(k.to_string()) {
            return refuse(MpError::new("invalid_request", format!("Invalid request. Parameter '{k}' is repeated")));
        }
        match k.as_ref() {
            "grant_type" => grant_type = Some(v.into_owned()),
            "assertion" => assertion = Some(v.into_owned()),
            _ => {}
        }
    }
    match grant_type.as_deref() {
        None | Some("") => {
            return refuse(MpError::new("invalid_request", "Invalid request. Missing grant_type"));
        }
        Some(JWT_BEARER) => {}
        Some(other) => {
            return refuse(MpError::new(
                "unsupported_grant_type",
                format!("Unsupported grant type '{other}'. Use {JWT_BEARER}"),
            ));
        }
    }
    let Some(assertion) = assertion.filter(|a| !a.is_empty()) else {
        return refuse(MpError::new("invalid_request", "Invalid request. Missing assertion"));
    };

    let mut decoded = Decoded::default();
    let policy = Policy {
        audience: shared.audience(),
        issuer: &shared.options.issuer,
        client_orgnr: &shared.client_orgnr,
        allowed_scopes: &shared.options.allowed_scopes,
        trust: &shared.trust,
        now,
    };
    let result = grant_check::check(&assertion, &policy, &mut decoded);
    {
        let mut c = lock(&shared.counters);
        if decoded.header.is_some() {
            c.last_grant_header = decoded.header;
            c.last_grant_claims = decoded.claims;
        }
    }
    let accepted = match result {
        Ok(a) => a,
        Err(e) => return refuse(e),
    };
    match &accepted.jti {
        Some(jti) => {
            if !lock(&shared.jtis).first_use(jti, accepted.exp, now) {
                return refuse(MpError::new("invalid_grant", "MP-012 Grant is used before"));
            }
        }
        None => lock(&shared.counters).grants_without_jti += 1,
    }

    Ok(accepted)
}

/// Mints an access token for an accepted grant and answers it.
fn issue(shared: &Shared, accepted: Accepted) -> Resp {
    let lifetime = shared.token_lifetime();
    let value = TokenStore::new_token_value();
    let scope = accepted.scopes.join(" ");
    lock(&shared.tokens).insert(
        value.clone(),
        IssuedToken {
            expires_at: Instant::now() + Duration::from_secs(lifetime),
            scopes: accepted.scopes,
            resource: accepted.resource,
            pid: accepted.pid,
            consumer_org: accepted.consumer_org,
            iss_onbehalfof: accepted.iss_onbehalfof,
            authorization_details: accepted.authorization_details,
        },
    );
    lock(&shared.counters).tokens_issued += 1;
    let r = json(
        200,
        &json!({
            "access_token": value,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "scope": scope,
        }),
    );
    header(header(r, "cache-control", "no-store"), "pragma", "no-cache")
}
