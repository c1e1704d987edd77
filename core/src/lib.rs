//! Cairn's core: the engine behind the app, the `cairn` CLI and the tests. One entry type,
//! [`Wallet`], with an async API; nothing outside this crate touches keys, SQL or HTTP.
//!
//! Modules, each owning one concern:
//! - [`vault`]: password → Argon2id → vault key → ledger and sealing keys.
//! - [`keys`]: BIP-39 mnemonics and BIP-32/44 account derivation.
//! - [`ledger`]: the SQLCipher database and its migrations.
//! - [`chain`]: JSON-RPC access to a node.
//! - [`network`]: which chain and endpoint.
//! - [`units`]: amounts and addresses, text ⇄ value.
//! - [`logging`]: file + console tracing with correlation ids.

pub mod chain;
pub mod error;
pub mod keys;
pub mod ledger;
pub mod logging;
pub mod network;
pub mod units;
pub mod vault;
pub mod wallet;

pub use error::{Error, Result};
pub use network::Network;
pub use vault::KdfParams;
pub use wallet::{DoctorReport, NewWallet, Wallet, WalletConfig};
