//! RSA private keys as JWK (RFC 7517/7518): the format Maskinporten's self-service gives for
//! keys registered on a client. The `kid` is taken from the JWK (unless `key_id` is set), and
//! its `exp` tells when Maskinporten stops accepting the key (a year after registration).

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use serde_json::Value;
use zeroize::Zeroizing;

use crate::credentials::KeyInfo;
use crate::der::{push_integer, push_len};
use crate::error::{CertificateProblem as P, Error, Result};

/// The members of an RSA private JWK, in PKCS#1 `RSAPrivateKey` order after the version.
const MEMBERS: [&str; 8] = ["n", "e", "d", "p", "q", "dp", "dq", "qi"];

fn bad(what: &str, message: impl std::fmt::Display) -> Error {
    Error::cert_for("private_key", P::NotACertificate, format!("{what} is not a usable RSA JWK: {message}"))
}

/// The PKCS#8 DER and the key's `kid`/`exp` of the JWK in `data` (one key, or a JWK Set with
/// exactly one private key). `what` names the source in messages.
pub(crate) fn private_key(data: &[u8], what: &str) -> Result<(Zeroizing<Vec<u8>>, KeyInfo)> {
    let value = Wiped(serde_json::from_slice(data).map_err(|e| bad(what, format!("not JSON ({e})")))?);
    let key = match value.0.get("keys") {
        Some(Value::Array(keys)) => {
            let private: Vec<&Value> = keys.iter().filter(|k| k.get("d").is_some()).collect();
            match private.as_slice() {
                [one] => *one,
                [] => return Err(bad(what, "the JWK Set holds no private key (no `d`): download the private key")),
                _ => return Err(bad(what, "the JWK Set holds several private keys: keep the one to use")),
            }
        }
        _ => &value.0,
    };
    match key.get("kty").and_then(Value::as_str) {
        Some("RSA") => {}
        Some(other) => {
            return Err(Error::cert_for(
                "private_key",
                P::UnsupportedKey,
                format!(
                    "{what} is a `{other}` JWK: Maskinporten grants from this library are signed RS256 with an RSA key"
                ),
            ));
        }
        None => return Err(bad(what, "it has no `kty`")),
    }
    if let Some(alg) = key.get("alg").and_then(Value::as_str)
        && alg != "RS256"
    {
        return Err(Error::cert_for(
            "private_key",
            P::UnsupportedKey,
            format!("{what} is for `{alg}`; the grant is signed RS256"),
        ));
    }
    if key.get("d").is_none() {
        return Err(bad(what, "it is a public key (no `d`): give the private key"));
    }
    let mut body = Zeroizing::new(Vec::with_capacity(2400));
    push_integer(&mut body, &[0]);
    for m in MEMBERS {
        let text = key.get(m).and_then(Value::as_str).ok_or_else(|| {
            bad(what, format!("the member `{m}` is missing (the CRT members p, q, dp, dq, qi are needed too)"))
        })?;
        let bytes = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(text.trim_end_matches('='))
                .or_else(|_| URL_SAFE.decode(text))
                .map_err(|_| bad(what, format!("`{m}` is not base64url")))?,
        );
        if bytes.is_empty() {
            return Err(bad(what, format!("`{m}` is empty")));
        }
        push_integer(&mut body, &bytes);
    }
    let mut pkcs1 = Zeroizing::new(Vec::with_capacity(body.len() + 4));
    pkcs1.push(0x30);
    push_len(&mut pkcs1, body.len());
    pkcs1.extend_from_slice(&body);
    let pkcs8 = Zeroizing::new(crate::credentials::pkcs1_to_pkcs8(&pkcs1));
    if pkcs8.is_empty() {
        return Err(bad(what, "its numbers do not form an RSA key"));
    }
    let kid = key.get("kid").and_then(Value::as_str).map(str::to_string);
    let expires_at = key.get("exp").and_then(Value::as_u64).map(|s| UNIX_EPOCH + Duration::from_secs(s));
    Ok((pkcs8, KeyInfo { format: "jwk", kid, expires_at }))
}

/// A parsed JWK whose strings (the private numbers among them) are zeroized on drop.
struct Wiped(Value);

impl Drop for Wiped {
    fn drop(&mut self) {
        fn wipe(v: &mut Value) {
            match v {
                Value::String(s) => zeroize::Zeroize::zeroize(s),
                Value::Array(a) => a.iter_mut().for_each(wipe),
                Value::Object(o) => o.values_mut().for_each(wipe),
                _ => {}
            }
        }
        wipe(&mut self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_an_rsa_private_jwk() {
        for (json, expect) in [
            (r#"{"kty":"EC","crv":"P-256"}"#, "`EC` JWK"),
            (r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#, "public key"),
            (r#"{"kty":"RSA","n":"AQAB","e":"AQAB","d":"AQAB"}"#, "`p` is missing"),
            (r#"{"keys":[]}"#, "no private key"),
            (r#"{"kty":"RSA","alg":"RS512","d":"x"}"#, "RS512"),
            ("{", "not JSON"),
        ] {
            let e = private_key(json.as_bytes(), "`private_key`").unwrap_err();
            assert!(e.to_string().contains(expect), "{json}: {e}");
        }
    }
}
