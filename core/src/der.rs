//! The little DER writing the key loaders need: lengths and minimal unsigned INTEGERs, for
//! PKCS#1 `RSAPrivateKey` sequences (built from a JWK, or re-encoded strictly).

/// Appends a DER length.
pub(crate) fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().iter().copied().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
}

/// Appends a DER INTEGER of the unsigned big-endian `bytes`, minimal: leading zeros dropped,
/// one zero added when the high bit is set.
pub(crate) fn push_integer(out: &mut Vec<u8>, bytes: &[u8]) {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len().saturating_sub(1));
    let digits = &bytes[start.min(bytes.len().saturating_sub(1))..];
    let pad = digits.first().is_some_and(|b| *b >= 0x80);
    out.push(0x02);
    push_len(out, digits.len() + usize::from(pad));
    if pad {
        out.push(0);
    }
    out.extend_from_slice(digits);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_are_minimal() {
        let mut v = Vec::new();
        push_integer(&mut v, &[0, 0, 0x7f]);
        assert_eq!(v, [0x02, 0x01, 0x7f]);
        v.clear();
        push_integer(&mut v, &[0x80]);
        assert_eq!(v, [0x02, 0x02, 0x00, 0x80]);
        v.clear();
        push_integer(&mut v, &[0]);
        assert_eq!(v, [0x02, 0x01, 0x00]);
        v.clear();
        push_len(&mut v, 300);
        assert_eq!(v, [0x82, 0x01, 0x2c]);
    }
}
