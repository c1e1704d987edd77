//! Fixtures for Cairn's end-to-end tests: the devnet peers (anvil, alto, paymaster) started by
//! the project's own script on free loopback ports, a virtual display, tauri-driver, and a small
//! W3C WebDriver client. Every fixture stops what it started when dropped — and the devnet also
//! stops when the test process dies, because it watches its stdin.

#![allow(clippy::missing_panics_doc)]

pub mod axe;
pub mod devnet;
pub mod gui;
pub mod passkey;
pub mod process;
pub mod proxy;
pub mod qr;
pub mod wallet;
pub mod webdriver;

use std::path::PathBuf;

/// The workspace root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where tests put what a person should look at (screenshots): `CAIRN_TEST_OUTPUT` or
/// `test-output/` at the workspace root.
pub fn output_dir() -> PathBuf {
    std::env::var_os("CAIRN_TEST_OUTPUT")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("test-output"))
}

/// A free TCP port on 127.0.0.1 (released before returning; the caller binds it next).
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Installs rustls's crypto provider once for the test process's own HTTP clients.
pub fn init_tls() {
    cairn_core::chain::install_tls_provider();
}
