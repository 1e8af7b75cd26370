//! The Fiks services the mock stands in for, and where each one lives: the Fiks API under
//! `/fiks` on the main port, SvarUt under `/svarut` on a port of its own (as `svarut.ks.no` is a
//! host of its own). Both are the same Fiks API with the same rules.

/// One Fiks service: its name (in echoes and counters) and the path prefix it is served under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Service {
    /// `fiks` or `svarut`: the name the client's `[services]` table uses.
    pub name: &'static str,
    /// The path prefix, without a trailing slash.
    pub prefix: &'static str,
}

/// The Fiks API on the main port (`fiks_base_url`).
pub(crate) const FIKS: Service = Service { name: "fiks", prefix: "/fiks" };
/// SvarUt, on the second port (`svarut_base_url`).
pub(crate) const SVARUT: Service = Service { name: "svarut", prefix: "/svarut" };

impl Service {
    /// Whether `path` is the prefix itself or below it (`/fiks`, `/fiks/…`, not `/fiksx`).
    pub(crate) fn serves(self, path: &str) -> bool {
        match path.strip_prefix(self.prefix) {
            Some(rest) => rest.is_empty() || rest.starts_with('/'),
            None => false,
        }
    }

    /// The path as the service sees it: without the prefix (`/` for the prefix itself).
    pub(crate) fn sub_path(self, full_path: &str) -> &str {
        match full_path.strip_prefix(self.prefix) {
            Some("") => "/",
            Some(p) => p,
            None => full_path,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_whole_segments() {
        assert!(FIKS.serves("/fiks") && FIKS.serves("/fiks/") && FIKS.serves("/fiks/echo"));
        assert!(!FIKS.serves("/fiksx") && !FIKS.serves("/svarut/echo") && !FIKS.serves("/"));
        assert!(SVARUT.serves("/svarut/echo") && !SVARUT.serves("/fiks/echo"));
        assert_eq!(FIKS.sub_path("/fiks"), "/");
        assert_eq!(FIKS.sub_path("/fiks/echo"), "/echo");
        assert_eq!(SVARUT.sub_path("/svarut/echo/multipart"), "/echo/multipart");
    }
}
