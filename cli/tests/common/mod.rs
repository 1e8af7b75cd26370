//! Shared test setup: the workspace's test fixture as one mock per test process (started
//! in-process), an empty directory to run in, and a `fiks-integrasjon` command with a clean
//! environment.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use fiks_integrasjon_mock::testing::TestMock;
use fiks_integrasjon_mock::{LeafOptions, Pki, PkiFiles};

/// The integration password of the mock (must never be printed except by `headers`).
pub const INTEGRASJON_PASSORD: &str = fiks_integrasjon_mock::DEFAULT_INTEGRASJON_PASSORD;
/// The certificate password of the mock PKI (must never be printed).
pub const CERT_PASSWORD: &str = fiks_integrasjon_mock::DEFAULT_PASSWORD;
/// Every access token the mock issues starts with this.
pub const TOKEN_PREFIX: &str = "mock-at-";

/// The running mock and the files a client needs.
pub struct Env {
    /// Kept running for the whole test process.
    fixture: TestMock,
    /// The mock's PKI (for leaf variants).
    pub pki: Pki,
    /// The PKI files.
    pub files: PkiFiles,
    /// A ready fiks.toml.
    pub config: PathBuf,
    /// An empty directory to run commands in (so no ./fiks.toml is picked up by accident).
    pub cwd: PathBuf,
    /// Where variants and other test files go.
    pub scratch: PathBuf,
    /// The mock's base URL.
    pub base_url: String,
    /// The audience the mock expects.
    pub audience: String,
    /// The mock's Fiks API base.
    pub fiks_base_url: String,
}

/// The mock of this test process, started on first use.
pub fn env() -> &'static Env {
    static ENV: OnceLock<Env> = OnceLock::new();
    ENV.get_or_init(|| {
        let fixture = TestMock::start();
        let cwd = fixture.dir().join("cwd");
        let scratch = fixture.dir().join("scratch");
        std::fs::create_dir_all(&cwd).expect("cwd");
        std::fs::create_dir_all(&scratch).expect("scratch");
        Env {
            pki: fixture.pki().clone(),
            files: fixture.files.clone(),
            config: fixture.config_path().to_path_buf(),
            base_url: fixture.mock.base_url(),
            audience: fixture.mock.audience(),
            fiks_base_url: fixture.mock.fiks_base_url(),
            cwd,
            scratch,
            fixture,
        }
    })
}

/// `fiks-integrasjon` with no FIKS_*, RUST_LOG or colour variables, run in an empty directory.
pub fn bare() -> Command {
    let mut cmd = Command::cargo_bin("fiks-integrasjon").expect("the binary is built");
    for (name, _) in std::env::vars_os() {
        let n = name.to_string_lossy();
        if n.starts_with("FIKS_")
            || ["RUST_LOG", "NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM"].contains(&n.as_ref())
        {
            cmd.env_remove(&name);
        }
    }
    cmd.timeout(Duration::from_secs(30));
    cmd
}

/// [`bare`] in the mock env's empty directory.
pub fn cli() -> Command {
    let mut cmd = bare();
    cmd.current_dir(&env().cwd);
    cmd
}

/// [`cli`] with `--config <the mock's fiks.toml>`.
pub fn configured() -> Command {
    let mut cmd = cli();
    cmd.arg("--config").arg(&env().config);
    cmd
}

/// The output of a finished command, as text.
pub struct Ran {
    /// Exit code.
    pub code: i32,
    /// Stdout.
    pub stdout: String,
    /// Stderr.
    pub stderr: String,
}

impl Ran {
    /// Stdout and stderr together.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// Runs a command to its end.
pub fn run(cmd: &mut Command) -> Ran {
    let out = cmd.output().expect("the command runs");
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Asserts an exit code, showing the output when it differs.
#[track_caller]
pub fn assert_code(ran: &Ran, code: i32) {
    assert_eq!(ran.code, code, "stdout:\n{}\nstderr:\n{}", ran.stdout, ran.stderr);
}

/// Writes a leaf variant of the mock PKI and returns its files.
pub fn variant(name: &str, options: LeafOptions) -> PkiFiles {
    env().fixture.leaf_variant(name, options)
}

/// `now ± days`.
pub fn days_from_now(days: i64) -> SystemTime {
    let d = Duration::from_secs(days.unsigned_abs() * 86_400);
    if days >= 0 { SystemTime::now() + d } else { SystemTime::now() - d }
}

/// Writes a file under scratch and returns its path.
pub fn scratch_file(name: &str, text: &str) -> PathBuf {
    let p = env().scratch.join(name);
    std::fs::write(&p, text).expect("scratch file");
    p
}

/// `--set certificate=<p12 of files>` arguments.
pub fn cert_args(files: &PkiFiles) -> Vec<String> {
    vec!["--set".into(), format!("certificate={}", path(&files.p12))]
}

/// A path as a string.
pub fn path(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Asserts that no secret of the mock setup appears in `text`.
#[track_caller]
pub fn assert_no_secrets(what: &str, text: &str) {
    assert!(!text.contains(INTEGRASJON_PASSORD), "{what} shows the integrasjon password:\n{text}");
    assert!(!text.contains(CERT_PASSWORD), "{what} shows the certificate password:\n{text}");
    assert!(!text.contains(TOKEN_PREFIX), "{what} shows an access token:\n{text}");
    assert!(!text.contains("PRIVATE KEY"), "{what} shows a private key:\n{text}");
}

/// A mock of this test's own (same cached PKI, so no key generation) with its own fiks.toml: for
/// tests that read counters or inject faults, so they cannot disturb tests running beside them.
pub fn private_mock() -> TestMock {
    TestMock::start()
}
