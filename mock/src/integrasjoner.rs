//! The integrasjoner the Fiks side accepts: the default one, the numbered extras
//! ([`mock_integrasjon`]) and those registered at run time, each an `IntegrasjonId` with its
//! `IntegrasjonPassord`. An `IntegrasjonId` header is compared with the registered ids exactly,
//! as sent.

use std::collections::HashMap;

/// How many of the extra integrasjoner the mock's `fiks.toml` names (`[integrasjoner.kommune-1]`
/// … `[integrasjoner.kommune-3]`).
pub const CONFIG_INTEGRASJONER: usize = 3;

/// The `i`-th extra integrasjon of a mock, `(IntegrasjonId, IntegrasjonPassord)`: the id
/// `00000000-0000-4000-8000-` followed by `i` in 12 digits, the password `mock-passord-{i}`.
/// The same in every run, so a test in any language can name one without asking the mock.
/// A mock accepts `mock_integrasjon(1)` … `mock_integrasjon(n)` for
/// [`crate::MockOptions::extra_integrasjoner`] `= n`. Ids repeat after `i` = 10¹² − 1.
///
/// ```
/// let (id, passord) = fiks_integrasjon_mock::mock_integrasjon(7);
/// assert_eq!(id, "00000000-0000-4000-8000-000000000007");
/// assert_eq!(passord, "mock-passord-7");
/// ```
pub fn mock_integrasjon(i: usize) -> (String, String) {
    let digits = (i as u64) % 1_000_000_000_000;
    (format!("00000000-0000-4000-8000-{digits:012}"), format!("mock-passord-{i}"))
}

/// Checks an integrasjon before it is registered: the id a UUID (as Fiks-konfigurasjon gives
/// them), the password non-empty and one that can arrive in an HTTP header unchanged (printable
/// ASCII, no space at either end). The error says which rule failed.
pub(crate) fn check(id: &str, passord: &str) -> Result<(), String> {
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(format!("'id' must be a UUID like 1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01, got '{id}'"));
    }
    if passord.is_empty() {
        return Err(format!("the password of integrasjon {id} is empty"));
    }
    if !passord.bytes().all(|b| (0x20..=0x7e).contains(&b)) || passord.starts_with(' ') || passord.ends_with(' ') {
        return Err(format!(
            "the password of integrasjon {id} must be printable ASCII without a space at either end \
             (it could not arrive in the IntegrasjonPassord header as it is)"
        ));
    }
    Ok(())
}

/// The accepted integrasjoner, in the order they were registered.
#[derive(Debug, Default)]
pub(crate) struct Integrasjoner {
    list: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

impl Integrasjoner {
    /// The default integrasjon and the extras `mock_integrasjon(1..=extra)`.
    pub(crate) fn new(default_id: &str, default_passord: &str, extra: usize) -> Integrasjoner {
        let mut all = Integrasjoner::default();
        all.set(default_id, default_passord);
        for i in 1..=extra {
            let (id, passord) = mock_integrasjon(i);
            all.set(&id, &passord);
        }
        all
    }

    /// Registers `id`, or gives a known `id` this password.
    pub(crate) fn set(&mut self, id: &str, passord: &str) {
        match self.index.get(id) {
            Some(&i) => self.list[i].1 = passord.to_string(),
            None => {
                self.index.insert(id.to_string(), self.list.len());
                self.list.push((id.to_string(), passord.to_string()));
            }
        }
    }

    /// The password of `id`, or `None` for an unknown id.
    pub(crate) fn passord(&self, id: &str) -> Option<&str> {
        self.index.get(id).map(|&i| self.list[i].1.as_str())
    }

    /// Every accepted `(id, password)`, in registration order.
    pub(crate) fn all(&self) -> &[(String, String)] {
        &self.list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extras_are_uuids_and_distinct() {
        let (a, pa) = mock_integrasjon(1);
        let (b, _) = mock_integrasjon(100);
        assert_eq!(a, "00000000-0000-4000-8000-000000000001");
        assert_eq!(b, "00000000-0000-4000-8000-000000000100");
        assert_eq!(pa, "mock-passord-1");
        for (id, pw) in [mock_integrasjon(0), mock_integrasjon(999_999_999_999), mock_integrasjon(usize::MAX)] {
            assert_eq!(check(&id, &pw), Ok(()), "{id}");
        }
    }

    #[test]
    fn registry_keeps_order_and_replaces_passwords() {
        let mut r = Integrasjoner::new("1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01", "p", 2);
        assert_eq!(r.all().len(), 3);
        assert_eq!(r.passord(&mock_integrasjon(2).0), Some("mock-passord-2"));
        assert_eq!(r.passord(&mock_integrasjon(3).0), None);
        r.set(&mock_integrasjon(2).0, "ny");
        assert_eq!(r.passord(&mock_integrasjon(2).0), Some("ny"));
        assert_eq!(r.all().len(), 3);
        assert_eq!(r.all()[0].0, "1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01");
    }

    #[test]
    fn check_explains_each_rule() {
        let id = "1e6a3a5b-3c7a-4c57-9a8e-6f2f4c6a0a01";
        assert!(check("kommune-1", "p").unwrap_err().contains("UUID"));
        assert!(check(id, "").unwrap_err().contains("empty"));
        assert!(check(id, "p\n").unwrap_err().contains("printable"));
        assert!(check(id, " p").unwrap_err().contains("either end"));
        assert!(check(id, "pæ").is_err());
        assert_eq!(check(id, "p q"), Ok(()));
    }
}
