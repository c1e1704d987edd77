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

/// Why the network configuration from the environment was refused.
#[derive(Debug, thiserror::Error)]
pub enum NetworkConfigError {
    #[error("CAIRN_CHAIN_ID must be a positive integer, not {0:?}")]
    BadChainId(String),
}

/// The default endpoint: the local devnet that `make run` starts.
pub const DEFAULT_RPC_URL: &str = "http://127.0.0.1:8545";

impl Network {
    /// The network given by `CAIRN_RPC_URL` and `CAIRN_CHAIN_ID`, by default the local devnet.
    pub fn from_env() -> Result<Network, NetworkConfigError> {
        let rpc_url = std::env::var("CAIRN_RPC_URL").unwrap_or_else(|_| DEFAULT_RPC_URL.into());
        let mut network = Network::devnet(rpc_url);
        if let Ok(text) = std::env::var("CAIRN_CHAIN_ID") {
            let id: u64 = text
                .trim()
                .parse()
                .ok()
                .filter(|id| *id > 0)
                .ok_or(NetworkConfigError::BadChainId(text.clone()))?;
            if id != DEVNET_CHAIN_ID {
                network.chain_id = id;
                network.name = format!("Chain {id}");
            }
        }
        Ok(network)
    }
}
