//! Chain: everything that talks to remote endpoints — the JSON-RPC transport (failover, health,
//! chain-id checks, batches, bounded answers), typed calls (balances, nonces, fees, broadcast,
//! receipts), new-block subscriptions over WebSocket, the ERC-4337 bundler and ERC-7677 paymaster clients, and the networks the wallet
//! knows (presets, the active network from the environment).
//!
//! May use: `primitives`. Knows nothing of the ledger or the session: callers pass what they
//! read from it.

pub mod bundler;
pub mod client;
pub mod heads;
pub mod network;
pub mod rpc;

pub use client::Chain;
pub use rpc::{install_tls_provider, ChainError};
