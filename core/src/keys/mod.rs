//! Keys: what protects and derives secrets — the vault (password → Argon2id → vault key →
//! ledger and sealing keys; sealing and unsealing), BIP-39 phrases and BIP-32/44 derivation,
//! and the OS keychain's per-device secret.
//!
//! May use: `primitives`. Knows nothing of the ledger, the chain or the wallet's session.

pub mod channel;
mod derive;
pub mod files;
pub mod keychain;
pub mod vault;

pub use derive::{
    account_path, bip39_seed, derive_address, derive_from_seed, derive_signer, generate_mnemonic,
    looks_like_private_key, nfkd, parse_private_key, validate_mnemonic, KeyError,
};
