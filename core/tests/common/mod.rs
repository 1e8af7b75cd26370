//! Shared setup: the workspace's test fixture (a strict mock with the cached test PKI, its files
//! and a ready fiks.toml, from `fiks_integrasjon_mock::testing`), fed to the client here.
#![allow(dead_code, unused_imports)]

use std::ops::Deref;

use fiks_integrasjon::{Config, ConfigBuilder};
use fiks_integrasjon_mock::MockOptions;
use fiks_integrasjon_mock::testing::TestMock;
pub use fiks_integrasjon_mock::testing::wait_until;

/// A running mock with its files (`env.mock`, `env.files`, ...), and the client config for it.
pub struct Env(TestMock);

impl Deref for Env {
    type Target = TestMock;
    fn deref(&self) -> &TestMock {
        &self.0
    }
}

pub fn env() -> Env {
    Env(TestMock::start())
}

pub fn env_with(options: MockOptions) -> Env {
    Env(TestMock::start_with(options))
}

impl Env {
    /// A builder loaded with the mock's ready fiks.toml.
    pub fn builder(&self) -> ConfigBuilder {
        let mut b = Config::builder();
        b.load_toml_str(&self.config_toml()).expect("mock config parses");
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
