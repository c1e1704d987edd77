//! Primitives: the wallet's vocabulary, as pure functions and values — amounts and addresses
//! (text ⇄ value, EIP-55), ERC-20 calldata, ERC-4337 user operations and hashes, TOTP codes,
//! QR codes. No I/O, no clock but the one passed in, no state.
//!
//! May use: nothing else in the crate. Everything else may use it.

pub mod aa;
pub mod calldata;
pub mod erc20;

/// Chain id of the local development chain (anvil's default), where contracts whose published
/// bytes differ from the deployed ones sit at addresses of their own.
pub const DEVNET_CHAIN_ID: u64 = 31337;
pub mod page;
pub mod qr;
pub mod totp;
pub mod units;
