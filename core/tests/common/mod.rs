//! Shared setup: a fresh strict mock with its PKI written to a temp dir.
#![allow(dead_code)]

use fiks_integrasjon::{Config, ConfigBuilder};
use fiks_integrasjon_mock::{MockOptions, MockServer, Pki, PkiFiles};

pub struct Env {
    pub mock: MockServer,
    pub files: PkiFiles,
    pub dir: tempfile::TempDir,
}

/// One PKI for every test process (nextest runs each test in its own): RSA key generation is
/// the slow part, so the PKI is kept in the target directory for a day.
pub fn pki() -> Pki {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fiks-integrasjon-core-test-pki.json");
    Pki::load_or_generate(&path, std::time::Duration::from_secs(86_400)).expect("test PKI")
}

pub fn env() -> Env {
    env_with(MockOptions::default())
}

pub fn env_with(mut options: MockOptions) -> Env {
    if options.pki.is_none() {
        options.pki = Some(pki());
    }
    let mock = MockServer::start_blocking(options).expect("mock starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let files = mock.pki().write_to(dir.path()).expect("pki written");
    Env { mock, files, dir }
}

impl Env {
    /// A builder loaded with the mock's ready fiks.toml.
    pub fn builder(&self) -> ConfigBuilder {
        let mut b = Config::builder();
        b.load_toml_str(&self.mock.config_toml(&self.files)).expect("mock config parses");
        b
    }
    pub fn config(&self) -> Config {
        self.builder().build().expect("mock config is valid")
    }
    pub fn with(&self, pairs: &[(&str, &str)]) -> ConfigBuilder {
        let mut b = self.builder();
        for (k, v) in pairs {
            b.set(k, v).expect("known key");
        }
        b
    }
}

/// A `tracing` writer that keeps everything written to it, for searching logs in tests.
#[derive(Clone, Default)]
pub struct Capture(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
