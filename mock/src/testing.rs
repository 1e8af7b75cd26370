//! One fixture for every Rust test suite (feature `testing`): a running mock, its cached test
//! PKI, and a ready client configuration as TOML text, as a file and as plain values.
//!
//! ```toml
//! [dev-dependencies]
//! fiks-integrasjon-mock = { workspace = true, features = ["testing"] }
//! ```
//!
//! The fixture hands out plain values and files; the suite feeds them to the client itself, so
//! the mock keeps sharing no code with the client.
//!
//! ```no_run
//! use fiks_integrasjon_mock::testing::{TestMock, wait_until};
//! use fiks_integrasjon_mock::{Fault, FaultTarget};
//!
//! let t = TestMock::start();
//! let toml = t.config_toml(); // or t.config_path(), or t.settings.pairs()
//! assert!(toml.contains(&t.settings.token_endpoint));
//! t.mock.push_fault(FaultTarget::Token, Fault::Status(503), 1);
//! // ... run the client against t.config_path() ...
//! wait_until("the client asked for a token", || t.mock.counters().token_requests > 0);
//! ```

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::{ClientSettings, LeafOptions, MockOptions, MockServer, NamedIntegrasjon, Pki, PkiFiles};

/// How long [`wait_until`] and [`wait_until_async`] wait before they fail the test: long enough
/// that only a real fault reaches it, even on a loaded machine.
pub const POLL_LIMIT: Duration = Duration::from_secs(30);

/// How often [`wait_until`] and [`wait_until_async`] look again.
const POLL_EVERY: Duration = Duration::from_millis(10);

/// How long the cached PKI is reused.
const PKI_MAX_AGE: Duration = Duration::from_secs(86_400);

/// Where [`pki`] keeps the test PKI between processes: `<target>/tmp/` when the running program
/// is a test or bench binary in `<target>/<profile>/deps/` (where `CARGO_TARGET_TMPDIR` points),
/// else the system temp directory.
///
/// ```
/// let path = fiks_integrasjon_mock::testing::pki_cache_path();
/// assert!(path.ends_with("fiks-integrasjon-mock-test-pki.json"));
/// ```
pub fn pki_cache_path() -> PathBuf {
    let exe = std::env::current_exe().ok();
    let target = exe
        .as_deref()
        .and_then(Path::parent)
        .filter(|deps| deps.file_name().is_some_and(|n| n == "deps"))
        .and_then(Path::parent)
        .and_then(Path::parent);
    let dir = match target {
        Some(target) => target.join("tmp"),
        None => std::env::temp_dir(),
    };
    dir.join("fiks-integrasjon-mock-test-pki.json")
}

/// The test PKI shared by every test process: RSA key generation is the slow part, and nextest
/// runs each test in a process of its own, so it is generated once, saved at
/// [`pki_cache_path`] for a day (see [`Pki::load_or_generate`]) and kept for the process.
///
/// # Panics
/// When no PKI can be generated.
///
/// ```no_run
/// let pki = fiks_integrasjon_mock::testing::pki();
/// assert_eq!(pki.orgnr(), fiks_integrasjon_mock::DEFAULT_ORGNR);
/// ```
pub fn pki() -> Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let path = pki_cache_path();
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        Pki::load_or_generate(&path, PKI_MAX_AGE).unwrap_or_else(|e| panic!("the test PKI: {e}"))
    })
    .clone()
}

/// [`MockOptions::default`] with the cached [`pki`].
///
/// ```no_run
/// let o = fiks_integrasjon_mock::testing::options();
/// assert!(o.pki.is_some());
/// ```
pub fn options() -> MockOptions {
    MockOptions { pki: Some(pki()), ..MockOptions::default() }
}

/// A running mock (on a runtime thread of its own, so sync and async tests can use it), its
/// PKI files and a ready `fiks.toml`, in a temporary directory removed on drop.
///
/// ```no_run
/// use fiks_integrasjon_mock::MockOptions;
/// use fiks_integrasjon_mock::testing::TestMock;
///
/// let t = TestMock::start_with(MockOptions { tls: true, ..MockOptions::default() });
/// assert_eq!(t.settings.ca_file.as_ref(), Some(&t.files.ca_pem));
/// assert_eq!(std::fs::read_to_string(t.config_path())?, t.config_toml());
/// assert_eq!(t.mock.counters().token_requests, 0);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct TestMock {
    /// The running mock: URLs, counters, faults, token lifetime and delay, revocation.
    pub mock: MockServer,
    /// The PKI files (under `dir()/pki`).
    pub files: PkiFiles,
    /// The client settings of the `fiks.toml`, as plain values.
    pub settings: ClientSettings,
    config_path: PathBuf,
    dir: tempfile::TempDir,
}

impl TestMock {
    /// A mock with the default options and the cached [`pki`].
    ///
    /// # Panics
    /// When the mock cannot start or its files cannot be written.
    #[track_caller]
    pub fn start() -> TestMock {
        TestMock::start_with(MockOptions::default())
    }

    /// A mock with `options`; the cached [`pki`] unless `options.pki` is set.
    ///
    /// # Panics
    /// When the mock cannot start or its files cannot be written.
    #[track_caller]
    pub fn start_with(options: MockOptions) -> TestMock {
        match TestMock::try_start_with(options) {
            Ok(t) => t,
            Err(e) => panic!("the test mock: {e}"),
        }
    }

    /// Like [`TestMock::start_with`], returning the error instead of panicking.
    pub fn try_start_with(mut options: MockOptions) -> io::Result<TestMock> {
        if options.pki.is_none() {
            options.pki = Some(pki());
        }
        let mock = MockServer::start_blocking(options)?;
        let dir = tempfile::Builder::new().prefix("fiks-integrasjon-test-").tempdir()?;
        let files = mock.pki().write_to(&dir.path().join("pki"))?;
        let settings = mock.client_settings(&files);
        let config_path = dir.path().join("fiks.toml");
        std::fs::write(&config_path, settings.to_toml())?;
        Ok(TestMock { mock, files, settings, config_path, dir })
    }

    /// The PKI the mock trusts (the one the files were written from).
    pub fn pki(&self) -> &Pki {
        self.mock.pki()
    }

    /// The temporary directory holding `pki/`, `fiks.toml` and the leaf variants.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The ready `fiks.toml`.
    pub fn config_path(&self) -> &Path {
        &self.config_path
    }

    /// The text of the ready `fiks.toml` (what [`TestMock::config_path`] holds).
    pub fn config_toml(&self) -> String {
        self.settings.to_toml()
    }

    /// The SvarUt stand-in's base URL (`services.svarut` of the `fiks.toml`).
    ///
    /// ```no_run
    /// let t = fiks_integrasjon_mock::testing::TestMock::start();
    /// assert!(t.config_toml().contains(&format!("services.svarut = \"{}\"", t.svarut_base_url())));
    /// ```
    pub fn svarut_base_url(&self) -> String {
        self.mock.svarut_base_url()
    }

    /// The named integrasjoner of the `fiks.toml` (`kommune-1` … `kommune-3`, the mock's first
    /// extras).
    ///
    /// ```no_run
    /// let t = fiks_integrasjon_mock::testing::TestMock::start();
    /// let k1 = &t.integrasjoner()[0];
    /// assert_eq!((k1.name.as_str(), k1.integrasjon_id.clone()), ("kommune-1", t.integrasjon(1).0));
    /// ```
    pub fn integrasjoner(&self) -> &[NamedIntegrasjon] {
        &self.settings.integrasjoner
    }

    /// The mock's `i`-th extra integrasjon, `(IntegrasjonId, IntegrasjonPassord)`
    /// ([`crate::mock_integrasjon`]); accepted for `i` in `1..=options.extra_integrasjoner`.
    pub fn integrasjon(&self, i: usize) -> (String, String) {
        crate::mock_integrasjon(i)
    }

    /// Writes a leaf variant of the PKI (see [`Pki::leaf_variant`]) to `dir()/variants/<name>`.
    ///
    /// # Panics
    /// When the variant cannot be made or written.
    #[track_caller]
    pub fn leaf_variant(&self, name: &str, options: LeafOptions) -> PkiFiles {
        let dir = self.dir().join("variants").join(name);
        match self.pki().leaf_variant(options).write_to(&dir) {
            Ok(files) => files,
            Err(e) => panic!("the leaf variant {name}: {e}"),
        }
    }
}

/// Polls `condition` every 10 ms until it holds; fails the test after [`POLL_LIMIT`]. For
/// waiting until something has happened, instead of sleeping a fixed time.
///
/// ```
/// let mut n = 0;
/// fiks_integrasjon_mock::testing::wait_until("n reached 3", || {
///     n += 1;
///     n == 3
/// });
/// ```
#[track_caller]
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + POLL_LIMIT;
    while !condition() {
        assert!(Instant::now() < deadline, "waited {POLL_LIMIT:?} in vain until {what}");
        std::thread::sleep(POLL_EVERY);
    }
}

/// [`wait_until`] for async tests: the condition is awaited, and the pauses between polls do
/// not block the runtime (a mock started with [`MockServer::start`] may run on it).
///
/// ```no_run
/// # async fn demo(mock: fiks_integrasjon_mock::MockServer) {
/// fiks_integrasjon_mock::testing::wait_until_async("a token was issued", || async {
///     mock.counters().tokens_issued > 0
/// })
/// .await;
/// # }
/// ```
pub async fn wait_until_async<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + POLL_LIMIT;
    while !condition().await {
        assert!(Instant::now() < deadline, "waited {POLL_LIMIT:?} in vain until {what}");
        tokio::time::sleep(POLL_EVERY).await;
    }
}
