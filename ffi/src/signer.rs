//! `fiks_config_set_signer`: grants signed by a C callback, for keys that never leave their
//! store (HSM, smart card, the OS certificate store). The callback becomes a core
//! [`fiks::signer::Signer`]; every rule — when it is called, on which thread, its timeout, the
//! check of its signature against the certificate, which keys go with a signer — is the core's.
//! This module only checks what the callback wrote.

use std::ffi::{c_char, c_void};

use crate::boundary::status_boundary;
use crate::castable::try_mut;
use crate::config::fiks_config;
use crate::error::{ErrorData, fiks_error};
use crate::status::fiks_status;

/// The room the library gives a signature: 1024 bytes, an RSA-8192 signature.
const SIGNATURE_CAPACITY: usize = 1024;
/// The room the library gives a failure message, its terminating NUL included.
const MESSAGE_CAPACITY: usize = 512;

/// Signs a grant: writes the RS256 signature (RSASSA-PKCS1-v1_5 with SHA-256) of
/// `input[0..input_len]` (the JWS signing input, ASCII) into `signature_out`, at most
/// `signature_capacity` bytes (the library passes 1024), and its length into
/// `*signature_len_out`, and returns 0. On failure it returns any other value and may write a
/// NUL-terminated UTF-8 message of at most `message_capacity` bytes, the NUL included (the
/// library passes 512), into `message_out`; the library reads no further than
/// `message_capacity` bytes even without a NUL, and replaces invalid UTF-8. A length of 0 or
/// over `signature_capacity` fails the token request, as does a signature that does not verify
/// with the certificate's public key.
///
/// Ownership: `input` and the buffers belong to the library and are valid only during the
/// call; `user_data` is the pointer given to `fiks_config_set_signer`, untouched.
/// Thread safety: called on a library thread (the runtime's blocking pool), never on the thread
/// that asked for the token, and possibly on several threads at once (for different token
/// requests): it must be thread safe. See `fiks_config_set_signer`.
pub type fiks_sign_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        input: *const u8,
        input_len: usize,
        signature_out: *mut u8,
        signature_capacity: usize,
        signature_len_out: *mut usize,
        message_out: *mut c_char,
        message_capacity: usize,
    ) -> i32,
>;

/// What `free_user_data` is: called once with `user_data` when the signer is dropped.
type FreeUserData = unsafe extern "C" fn(user_data: *mut c_void);

/// A C callback as a core signer; drops with `free_user_data(user_data)`.
struct CallbackSigner {
    sign: unsafe extern "C" fn(*mut c_void, *const u8, usize, *mut u8, usize, *mut usize, *mut c_char, usize) -> i32,
    user_data: *mut c_void,
    free_user_data: Option<FreeUserData>,
}

// SAFETY: the contract of `fiks_config_set_signer`: the callback is thread safe, and
// `user_data` may be used (and freed by `free_user_data`) from any thread.
unsafe impl Send for CallbackSigner {}
// SAFETY: as above; the signer itself is immutable.
unsafe impl Sync for CallbackSigner {}

/// The message a failing callback left: up to its first NUL, never past the buffer; lossy
/// UTF-8, trimmed.
fn message_of(buffer: &[u8]) -> String {
    let end = buffer.iter().position(|b| *b == 0).unwrap_or(buffer.len());
    String::from_utf8_lossy(&buffer[..end]).trim().to_string()
}

impl fiks::signer::Signer for CallbackSigner {
    fn sign(&self, signing_input: &[u8]) -> Result<Vec<u8>, fiks::signer::SignerError> {
        let mut signature = vec![0u8; SIGNATURE_CAPACITY];
        let mut len = 0usize;
        let mut message = [0u8; MESSAGE_CAPACITY];
        // SAFETY: the caller's callback (contract of `fiks_config_set_signer`), given the input
        // and buffers of the sizes passed.
        let status = unsafe {
            (self.sign)(
                self.user_data,
                signing_input.as_ptr(),
                signing_input.len(),
                signature.as_mut_ptr(),
                SIGNATURE_CAPACITY,
                &mut len,
                message.as_mut_ptr().cast(),
                MESSAGE_CAPACITY,
            )
        };
        if status != 0 {
            let message = message_of(&message);
            return Err(if message.is_empty() {
                format!("the sign callback returned {status} without a message")
            } else {
                format!("{message} (the sign callback returned {status})")
            }
            .into());
        }
        if len == 0 || len > SIGNATURE_CAPACITY {
            return Err(format!(
                "the sign callback returned 0 with `*signature_len_out` = {len}: the length must be 1 to {SIGNATURE_CAPACITY} (`signature_capacity`)"
            )
            .into());
        }
        signature.truncate(len);
        Ok(signature)
    }
}

impl Drop for CallbackSigner {
    fn drop(&mut self) {
        if let Some(free) = self.free_user_data {
            // SAFETY: the caller's destructor for its own `user_data`, called exactly once: this
            // signer is dropped once, when the last config or client holding it goes.
            unsafe { free(self.user_data) };
        }
    }
}

/// Signs grants with `sign` instead of a private key the library reads: for a key that never
/// leaves its store (HSM, smart card, the OS certificate store, a cloud KMS). With a signer,
/// `certificate` is the certificate chain without its key, leaf first (a PEM file, or PEM text
/// given with `fiks_config_set`), for the grant's `x5c` — or leave it out and set `key_id` (the
/// kid of the key registered at Maskinporten). `fiks_client_new` then fails with
/// `FIKS_ERROR_CONFIG` when `private_key` is also set (config key "private_key") or when
/// neither `certificate` nor `key_id` is (config key "key_id"); a PKCS#12 `certificate` is
/// `FIKS_ERROR_CERTIFICATE`.
///
/// `sign` is called for each grant, on a library thread (the runtime's blocking pool) — never
/// on the thread asking for the token — and possibly on several threads at once for different
/// token requests. Each call is bounded by `timeout_seconds`: a callback that has not returned
/// by then fails the token request with `FIKS_ERROR_CERTIFICATE`, problem "signer" (so do a
/// non-zero return, with its message, a bad length, and a signature that does not verify with
/// the certificate's public key), but its thread stays blocked until it returns. The callback
/// must not call the blocking `fiks_client_*` functions of the client it signs for (they would
/// wait for the token it is signing; on the library's thread they return `FIKS_ERROR_USAGE`
/// instead). Setting a signer again replaces the earlier one.
///
/// Ownership: on `FIKS_OK` the configuration holds `user_data` for the signer: every client
/// built from it shares the signer, and `free_user_data(user_data)` (when not NULL) is called
/// exactly once, when the last configuration or client holding the signer is freed (a
/// configuration lets go of it when another signer replaces it) — possibly on another thread,
/// and, while a timed-out callback is still running, only after it returns. `user_data` must
/// stay valid until then. On failure nothing is taken: `free_user_data` is never called for
/// this `user_data`.
/// Thread safety: not thread safe (see `fiks_config`); `sign` must be thread safe, and
/// `user_data` usable from any thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fiks_config_set_signer(
    config: *mut fiks_config,
    sign: fiks_sign_callback,
    user_data: *mut c_void,
    free_user_data: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
    error_out: *mut *mut fiks_error,
) -> fiks_status {
    status_boundary("fiks_config_set_signer", error_out, || {
        let builder = try_mut!(config);
        let sign = sign.ok_or_else(|| ErrorData::null_argument("sign"))?;
        builder.set_signer(std::sync::Arc::new(CallbackSigner { sign, user_data, free_user_data }));
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_read_within_the_buffer() {
        assert_eq!(message_of(b"HSM offline\0garbage"), "HSM offline");
        assert_eq!(message_of(&[b'x'; 8]), "xxxxxxxx");
        assert_eq!(message_of(b"bad \xff byte\0"), "bad \u{FFFD} byte");
        assert_eq!(message_of(b"\0"), "");
        assert_eq!(message_of(b"  spaced \n\0"), "spaced");
    }
}
