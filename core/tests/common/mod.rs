//! Shared setup: a fresh strict mock with its PKI written to a temp dir.
#![allow(dead_code)]

use fiks_integrasjon::{Config, ConfigBuilder};
use fiks_integrasjon_mock::{MockOptions, MockServer, PkiFiles};

pub struct Env {
    pub mock: MockServer,
    pub files: PkiFiles,
    pub dir: tempfile::TempDir,
}

pub fn env() -> Env {
    env_with(MockOptions::default())
}

pub fn env_with(options: MockOptions) -> Env {
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
