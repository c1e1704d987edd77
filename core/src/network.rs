//! Networks the wallet talks to. This slice knows one active network, given at start-up; the
//! preset list, failover and user-added networks come with send/sync.

use std::time::Duration;

/// Chain id of the local development chain (anvil's default).
pub const DEVNET_CHAIN_ID: u64 = 31337;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub chain_id: u64,
    pub name: String,
    pub currency_symbol: String,
    pub currency_decimals: u8,
    pub rpc_url: String,
    /// How long one JSON-RPC request may take before the endpoint counts as unreachable.
    pub request_timeout: Duration,
}

impl Network {
    /// The local devnet (`make devnet`, or the test fixture) at `rpc_url`.
    pub fn devnet(rpc_url: impl Into<String>) -> Network {
        Network {
            chain_id: DEVNET_CHAIN_ID,
            name: "Local devnet".into(),
            currency_symbol: "ETH".into(),
            currency_decimals: 18,
            rpc_url: rpc_url.into(),
            request_timeout: Duration::from_secs(10),
        }
    }

    pub fn is_devnet(&self) -> bool {
        self.chain_id == DEVNET_CHAIN_ID
    }

    pub fn info(&self) -> cairn_api::NetworkInfo {
        cairn_api::NetworkInfo {
            chain_id: self.chain_id,
            name: self.name.clone(),
            currency_symbol: self.currency_symbol.clone(),
            rpc_url: self.rpc_url.clone(),
            is_devnet: self.is_devnet(),
        }
    }
}
