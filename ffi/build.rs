//! Gives the shared library its SONAME on Linux, `libfiks_integrasjon.so.<ABI>`, with the ABI
//! version of src/abi.rs (the one definition, also the header's `FIKS_INTEGRASJON_ABI_VERSION`).
//! Programs linked with `-lfiks_integrasjon` then record the SONAME and load
//! `libfiks_integrasjon.so.0`: installations provide it as a symlink (scripts/install-c, the
//! release tarball of scripts/package).

include!("src/abi.rs");

fn main() {
    println!("cargo:rerun-if-changed=src/abi.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libfiks_integrasjon.so.{FIKS_INTEGRASJON_ABI_VERSION}");
    }
}
