//! The leaf's RSA private key as a JWK (RFC 7517 / RFC 7518 §6.3), as Maskinporten's
//! self-service API registers keys: read from the PKCS#1 `RSAPrivateKey` DER with a small DER
//! reader of the mock's own.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

/// The members of an `RSAPrivateKey` (RFC 8017 A.1.2) after `version`, in order, under their
/// JWK names.
const RSA_MEMBERS: [&str; 8] = ["n", "e", "d", "p", "q", "dp", "dq", "qi"];

/// Reads one DER element at the start of `input`: `(tag, content, rest)`.
fn element(input: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    let (&tag, rest) = input.split_first().ok_or("DER: unexpected end")?;
    let (&first, mut rest) = rest.split_first().ok_or("DER: no length")?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return Err("DER: unsupported length".to_string());
        }
        let (bytes, after) = rest.split_at(count);
        rest = after;
        bytes.iter().fold(0usize, |n, &b| (n << 8) | usize::from(b))
    };
    if rest.len() < len {
        return Err("DER: element longer than its input".to_string());
    }
    let (content, rest) = rest.split_at(len);
    Ok((tag, content, rest))
}

/// The unsigned big-endian magnitude of a non-negative DER INTEGER, without leading zero bytes
/// (RFC 7518 §6.3.1: "the minimum number of octets").
fn unsigned(content: &[u8]) -> Result<&[u8], String> {
    if content.first().is_some_and(|b| b & 0x80 != 0) {
        return Err("DER: negative INTEGER in an RSA key".to_string());
    }
    let start = content.iter().position(|&b| b != 0).unwrap_or(content.len().saturating_sub(1));
    Ok(&content[start..])
}

/// The eight integers of a two-prime PKCS#1 `RSAPrivateKey` DER, as `(JWK name, bytes)`.
pub(crate) fn rsa_private_members(pkcs1: &[u8]) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    let (tag, body, rest) = element(pkcs1)?;
    if tag != 0x30 || !rest.is_empty() {
        return Err("DER: an RSAPrivateKey is one SEQUENCE".to_string());
    }
    let (tag, version, mut body) = element(body)?;
    if tag != 0x02 || version != [0] {
        return Err("DER: only two-prime RSAPrivateKey (version 0) is supported".to_string());
    }
    let mut members = Vec::with_capacity(RSA_MEMBERS.len());
    for name in RSA_MEMBERS {
        let (tag, content, rest) = element(body)?;
        if tag != 0x02 || content.is_empty() {
            return Err(format!("DER: RSAPrivateKey member '{name}' is not an INTEGER"));
        }
        members.push((name, unsigned(content)?.to_vec()));
        body = rest;
    }
    if !body.is_empty() {
        return Err("DER: RSAPrivateKey has more than the two-prime members".to_string());
    }
    Ok(members)
}

/// The private JWK of a PKCS#1 `RSAPrivateKey`: `kty`, `kid`, `alg` (`RS256`), `use` (`sig`),
/// `n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi` (base64url without padding) and `exp` (seconds
/// since the epoch).
pub(crate) fn rsa_private_jwk(pkcs1: &[u8], kid: &str, exp: i64) -> Result<Value, String> {
    let mut jwk = Map::new();
    jwk.insert("kty".into(), Value::from("RSA"));
    jwk.insert("kid".into(), Value::from(kid));
    jwk.insert("alg".into(), Value::from("RS256"));
    jwk.insert("use".into(), Value::from("sig"));
    for (name, bytes) in rsa_private_members(pkcs1)? {
        jwk.insert(name.into(), Value::from(URL_SAFE_NO_PAD.encode(bytes)));
    }
    jwk.insert("exp".into(), Value::from(exp));
    Ok(Value::Object(jwk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_integers() {
        assert_eq!(element(&[0x02, 0x01, 0x05]), Ok((0x02, &[5u8][..], &[][..])));
        let long = [&[0x04, 0x81, 0x80][..], &[7u8; 128]].concat();
        assert_eq!(element(&long).map(|(_, c, _)| c.len()), Ok(128));
        assert!(element(&[0x02, 0x05, 1]).is_err());
        assert!(element(&[0x02, 0x80]).is_err());
        assert_eq!(unsigned(&[0, 0x80, 1]), Ok(&[0x80u8, 1][..]));
        assert_eq!(unsigned(&[0]), Ok(&[0u8][..]));
        assert!(unsigned(&[0xff]).is_err());
        assert!(rsa_private_members(&[0x30, 0x03, 0x02, 0x01, 0x01]).is_err());
    }
}
