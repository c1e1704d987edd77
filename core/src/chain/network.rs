//! Networks the wallet talks to: chain id, currency, RPC endpoints in failover order, optional
//! bundler / paymaster / explorer, and how many blocks make a transaction final. Presets for the
//! main chains and the local devnet; the active one is given at start-up.

use std::time::Duration;

pub use crate::primitives::DEVNET_CHAIN_ID;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub chain_id: u64,
    pub name: String,
    pub currency_symbol: String,
    pub currency_decimals: u8,
    /// JSON-RPC endpoints, tried in this order.
    pub rpc_urls: Vec<String>,
    pub bundler_url: Option<String>,
    pub paymaster_url: Option<String>,
    /// An Etherscan-compatible API, for history the node cannot give.
    pub explorer_api_url: Option<String>,
    /// Blocks on top of the one that included a transaction before it counts as confirmed.
    pub confirmations: u64,
    /// How long one JSON-RPC request may take before the endpoint counts as unreachable.
    pub request_timeout: Duration,
    /// The most per gas (gwei) Cairn offers from a node's fee data; above it only a fee the
    /// user set by hand is signed. A node reporting more is more likely lying than right.
    pub fee_ceiling_gwei: u64,
    /// The most blocks one `eth_getLogs` range may span (public providers refuse more).
    pub log_span_blocks: u64,
    /// Where to follow new blocks (`eth_subscribe`). `None`: the WebSocket beside the RPC
    /// endpoint in use, if it has one.
    pub ws_url: Option<String>,
}

/// What providers accept for one `eth_getLogs` range, where the network does not say.
pub const DEFAULT_LOG_SPAN_BLOCKS: u64 = 10_000;

/// The ceiling on Ethereum and on any network without its own: its worst congestion stayed
/// below this.
pub const DEFAULT_FEE_CEILING_GWEI: u64 = 1_000;
/// The ceiling on the rollups among the presets, whose fees sit a thousand times lower.
pub const ROLLUP_FEE_CEILING_GWEI: u64 = 100;

/// The public block explorer of a known chain (the devnet and user chains have none here).
pub fn explorer_web(chain_id: u64) -> Option<&'static str> {
    match chain_id {
        1 => Some("https://etherscan.io"),
        11155111 => Some("https://sepolia.etherscan.io"),
        8453 => Some("https://basescan.org"),
        10 => Some("https://optimistic.etherscan.io"),
        42161 => Some("https://arbiscan.io"),
        _ => None,
    }
}

impl Network {
    fn preset(chain_id: u64, name: &str, rpc: &str, confirmations: u64) -> Network {
        Network {
            chain_id,
            name: name.into(),
            currency_symbol: "ETH".into(),
            currency_decimals: 18,
            rpc_urls: vec![rpc.into()],
            bundler_url: None,
            paymaster_url: None,
            explorer_api_url: None,
            confirmations,
            request_timeout: Duration::from_secs(10),
            fee_ceiling_gwei: DEFAULT_FEE_CEILING_GWEI,
            log_span_blocks: DEFAULT_LOG_SPAN_BLOCKS,
            ws_url: None,
        }
    }

    fn rollup(mut self) -> Network {
        self.fee_ceiling_gwei = ROLLUP_FEE_CEILING_GWEI;
        self
    }

    /// The local devnet (`make devnet`, or the test fixture) at `rpc_url`.
    pub fn devnet(rpc_url: impl Into<String>) -> Network {
        Network::preset(DEVNET_CHAIN_ID, "Local devnet", &rpc_url.into(), 1)
    }

    /// The networks Cairn knows out of the box (public endpoints; users add their own).
    pub fn presets() -> Vec<Network> {
        vec![
            Network::preset(1, "Ethereum", "https://ethereum-rpc.publicnode.com", 12),
            Network::preset(
                11155111,
                "Sepolia",
                "https://ethereum-sepolia-rpc.publicnode.com",
                6,
            ),
            Network::preset(8453, "Base", "https://mainnet.base.org", 10).rollup(),
            Network::preset(10, "Optimism", "https://mainnet.optimism.io", 10).rollup(),
            Network::preset(42161, "Arbitrum One", "https://arb1.arbitrum.io/rpc", 10).rollup(),
            Network::devnet(DEFAULT_RPC_URL),
        ]
    }

    /// [`Network::fee_ceiling_gwei`] in wei per gas.
    pub fn fee_ceiling_wei(&self) -> alloy::primitives::U256 {
        alloy::primitives::U256::from(self.fee_ceiling_gwei)
            * alloy::primitives::U256::from(1_000_000_000u64)
    }

    pub fn is_devnet(&self) -> bool {
        self.chain_id == DEVNET_CHAIN_ID
    }

    /// The first endpoint (what the user configured first).
    pub fn primary_url(&self) -> &str {
        self.rpc_urls
            .first()
            .map(String::as_str)
            .unwrap_or_default()
    }

    pub fn info(&self) -> cairn_api::NetworkInfo {
        cairn_api::NetworkInfo {
            chain_id: self.chain_id,
            name: self.name.clone(),
            currency_symbol: self.currency_symbol.clone(),
            rpc_url: self.primary_url().to_string(),
            is_devnet: self.is_devnet(),
            explorer_url: explorer_web(self.chain_id).map(str::to_string),
            has_paymaster: self.paymaster_url.is_some(),
        }
    }
}

/// Why the network configuration from the environment was refused.
#[derive(Debug, thiserror::Error)]
pub enum NetworkConfigError {
    #[error("CAIRN_CHAIN_ID must be a positive integer, not {0:?}")]
    BadChainId(String),
    #[error("CAIRN_RPC_URL holds no URL")]
    NoUrl,
}

/// The default endpoint: the local devnet that `make run` starts.
pub const DEFAULT_RPC_URL: &str = "http://127.0.0.1:8545";

/// Whether the environment names the network (`CAIRN_RPC_URL` or `CAIRN_CHAIN_ID`): then it
/// wins over the one the user picked last time.
pub fn pinned_by_env() -> bool {
    std::env::var_os("CAIRN_RPC_URL").is_some() || std::env::var_os("CAIRN_CHAIN_ID").is_some()
}

impl Network {
    /// The network given by `CAIRN_CHAIN_ID` (a preset's id, or any other) and `CAIRN_RPC_URL`
    /// (comma-separated endpoints in failover order); by default the local devnet. `CAIRN_WS_URL`
    /// names a WebSocket endpoint for new blocks where it is not beside the RPC one.
    pub fn from_env() -> Result<Network, NetworkConfigError> {
        let chain_id = match std::env::var("CAIRN_CHAIN_ID") {
            Ok(text) => text
                .trim()
                .parse()
                .ok()
                .filter(|id| *id > 0)
                .ok_or(NetworkConfigError::BadChainId(text.clone()))?,
            Err(_) => DEVNET_CHAIN_ID,
        };
        let mut network = Network::presets()
            .into_iter()
            .find(|n| n.chain_id == chain_id)
            .unwrap_or_else(|| {
                let mut n = Network::devnet(DEFAULT_RPC_URL);
                n.chain_id = chain_id;
                n.name = format!("Chain {chain_id}");
                n.confirmations = 12;
                n
            });
        if let Ok(urls) = std::env::var("CAIRN_RPC_URL") {
            let urls: Vec<String> = urls
                .split(',')
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .map(str::to_string)
                .collect();
            if urls.is_empty() {
                return Err(NetworkConfigError::NoUrl);
            }
            network.rpc_urls = urls;
        }
        // The ERC-4337 peers: a URL each, or nothing (smart accounts then wait for one).
        let optional_url = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|u| u.trim().to_string())
                .filter(|u| !u.is_empty())
        };
        if let Some(url) = optional_url("CAIRN_BUNDLER_URL") {
            network.bundler_url = Some(url);
        }
        if let Some(url) = optional_url("CAIRN_PAYMASTER_URL") {
            network.paymaster_url = Some(url);
        }
        if let Some(url) = optional_url("CAIRN_WS_URL") {
            network.ws_url = Some(url);
        }
        Ok(network)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_have_distinct_chains_and_an_endpoint_each() {
        let presets = Network::presets();
        let mut ids: Vec<u64> = presets.iter().map(|n| n.chain_id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), presets.len());
        assert!(presets.iter().all(|n| !n.rpc_urls.is_empty()));
        for id in [1, 11155111, 8453, 10, 42161, DEVNET_CHAIN_ID] {
            assert!(ids.contains(&id), "{id}");
        }
    }
}
