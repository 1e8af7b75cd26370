//! Where the configuration comes from: `--config FILE`, else `FIKS_CONFIG`, else `./fiks.toml`
//! when present; then `FIKS_<KEY>` variables; then `--set key=value` flags (highest).
//! The library's precedence does the layering: explicit > environment > file > preset.

use std::path::{Path, PathBuf};

use fiks_integrasjon::{Config, ConfigBuilder, Credentials, Error};

use crate::args::Global;
use crate::failure::Failure;

/// The file looked for in the current directory when neither `--config` nor `FIKS_CONFIG` is given.
pub const DEFAULT_FILE: &str = "fiks.toml";

/// A configuration builder with every layer loaded, and where its file came from.
pub struct Loaded {
    /// The layered builder.
    pub builder: ConfigBuilder,
    /// The configuration file read, if any.
    pub file: Option<PathBuf>,
}

/// Which configuration file to read: `--config`, else `FIKS_CONFIG`, else `./fiks.toml` when
/// it exists.
pub fn config_file(global: &Global) -> Option<PathBuf> {
    if let Some(p) = &global.config {
        return Some(p.clone());
    }
    if let Some(p) = ConfigBuilder::config_file_from_env() {
        return Some(p);
    }
    let local = Path::new(DEFAULT_FILE);
    local.is_file().then(|| local.to_path_buf())
}

/// Loads the file, the `FIKS_<KEY>` variables and the `--set` flags.
pub fn load(global: &Global) -> Result<Loaded, Failure> {
    let mut builder = Config::builder();
    let file = config_file(global);
    if let Some(path) = &file {
        builder.load_file(path).map_err(|e| {
            let hint = if path.is_file() {
                "fix the file: `key = \"value\"` lines with the keys listed in --help"
            } else {
                "give an existing file with --config or FIKS_CONFIG (`fiks-integrasjon mock --dir DIR` writes a ready one)"
            };
            Failure::from(e).hinted(hint)
        })?;
    }
    builder.load_env()?;
    for pair in &global.set {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(Failure::usage(
                format!("`--set {pair}` is not KEY=VALUE"),
                "write it as --set key=value, e.g. --set environment=test",
            ));
        };
        builder.set(key.trim(), value)?;
    }
    Ok(Loaded { builder, file })
}

impl Loaded {
    /// Validates the configuration. When no file was found, the hint says how to give one.
    pub fn build(&self) -> Result<Config, Failure> {
        self.builder.build().map_err(|e| self.explain(e))
    }

    fn explain(&self, e: Error) -> Failure {
        let no_file = self.file.is_none();
        let f = Failure::from(e);
        if no_file && f.code == crate::failure::EXIT_USAGE {
            f.hinted(
                "no configuration file was found: give --config FILE, set FIKS_CONFIG, or create ./fiks.toml \
                 (`fiks-integrasjon mock --dir DIR` writes a ready one)",
            )
        } else {
            f
        }
    }

    /// The certificate and key alone, for `cert-info` (nothing else needs to be configured),
    /// and whether an `environment` preset is set (then a self-signed certificate is refused).
    pub fn credentials(&self) -> Result<(Credentials, bool), Failure> {
        let preset = self.builder.environment_preset().map_err(|e| self.explain(e))?.is_some();
        let creds = self.builder.load_credentials().map_err(|e| self.explain(e))?;
        Ok((creds, preset))
    }
}
