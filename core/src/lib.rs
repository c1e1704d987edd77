//! Cairn's core: the engine behind the app, the `cairn` CLI and the tests. One entry type,
//! [`Wallet`], with an async API; nothing outside this crate touches keys, SQL or HTTP.
//!
//! Modules, each owning one concern:
//! - [`aa`]: ERC-4337 user operations, hashes, smart account addresses (no I/O).
//! - [`bundler`]: the bundler and ERC-7677 paymaster clients.
//! - [`smart`]: smart accounts: create, send user operations, follow them to finality.
//! - [`vault`]: password → Argon2id → vault key → ledger and sealing keys.
//! - [`keys`]: BIP-39 mnemonics and BIP-32/44 account derivation.
//! - [`ledger`]: the SQLCipher database and its migrations.
//! - [`audit`]: the append-only, hash-chained audit log inside the ledger.
//! - [`keychain`]: the OS keychain's per-device secret, behind a trait.
//! - [`risk`]: simulation, risk rules and score for every outgoing call; contacts, denylist.
//! - [`rpc`]: JSON-RPC transport: endpoint failover, health, chain-id checks, batches.
//! - [`chain`]: typed chain calls (balances, nonces, fees, broadcast, receipts).
//! - [`erc20`]: ERC-20 calldata and return values.
//! - [`history`]: value movements found on chain (Otterscan API, Transfer logs), merged.
//! - [`messages`]: EIP-191 / EIP-712 signing for dapps, reviewed, Permit warnings.
//! - [`mfa`]: TOTP enrolment, recovery codes, the spending policy, enforced here.
//! - [`network`]: which chain and endpoints (presets, failover order).
//! - [`networks`]: presets and user-added networks; switching the active one.
//! - [`operations`]: sends and their lifecycle in the ledger; assets, balances, nonces, fees.
//! - [`receive`]: the receive screen's address and QR code.
//! - [`profiles`]: several independent wallets on one device.
//! - [`send`]: planning, signing and queueing payments; speed-up, cancel, re-sign.
//! - [`sync`]: the worker that broadcasts the queue and follows transactions to finality.
//! - [`totp`]: RFC 6238 codes, base32, otpauth URIs, recovery codes.
//! - [`units`]: amounts and addresses, text ⇄ value.
//! - [`logging`]: file + console tracing with correlation ids.

pub mod aa;
pub mod audit;
pub mod bundler;
pub mod chain;
pub mod erc20;
pub mod error;
pub mod history;
pub mod keychain;
pub mod keys;
pub mod ledger;
pub mod logging;
pub mod messages;
pub mod mfa;
pub mod network;
pub mod networks;
pub mod operations;
pub mod profiles;
pub mod receive;
pub mod risk;
pub mod rpc;
pub mod send;
pub mod smart;
pub mod sync;
pub mod totp;
pub mod units;
pub mod vault;
pub mod wallet;

pub use error::{Error, Result};
pub use network::Network;
pub use vault::KdfParams;
pub use wallet::{DoctorReport, KeySpec, LockReason, NewWallet, Wallet, WalletConfig, WalletEvent};
