//! The networks a wallet can use — presets plus the ones the user added (stored in the
//! encrypted ledger: RPC URLs can carry API keys) — and switching the active one. A network is
//! only added after every one of its endpoints said it is on the chain the user named.
//!
//! May use: `session`, `store`, `chain`, `primitives`.

use std::time::Duration;

use cairn_api::{NetworkEntry, NetworkSpec};
use rusqlite::params;

use crate::chain::client::Chain;
use crate::chain::heads::{FeedError, HeadFeed};
use crate::chain::network::Network;
use crate::chain::rpc::{ChainError, Rpc};
use crate::session::{Ctx, SessionError};
use crate::store::ledger::{Ledger, LedgerError};

const ACTIVE_KEY: &str = "active_chain_id";

/// Why a network was not added.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    #[error("a network needs a name (1 to 64 characters)")]
    Name,
    #[error("a currency symbol is 1 to 12 printable characters")]
    Symbol,
    #[error("a network needs at least one RPC URL, at most 8")]
    Urls,
    #[error("confirmations must be between 1 and 1000")]
    Confirmations,
    #[error("a fee ceiling is between 1 and 100000 gwei")]
    FeeCeiling,
    #[error("a log span is between 1 and 1000000 blocks")]
    LogSpan,
    #[error("{0:?} is not a ws:// or wss:// URL")]
    WsUrl(String),
    #[error("the WebSocket endpoint {0} gives no new-block subscription")]
    WsNotOffered(String),
    #[error("{0} is not a network this wallet knows")]
    Unknown(u64),
    #[error("{0} has no block explorer Cairn knows")]
    NoExplorer(String),
    #[error("{0:?} is not an address or a transaction hash")]
    NotLinkable(String),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Chain(#[from] ChainError),
}

fn to_spec(n: &Network) -> NetworkSpec {
    NetworkSpec {
        chain_id: n.chain_id,
        name: n.name.clone(),
        currency_symbol: n.currency_symbol.clone(),
        currency_decimals: n.currency_decimals,
        rpc_urls: n.rpc_urls.clone(),
        bundler_url: n.bundler_url.clone(),
        paymaster_url: n.paymaster_url.clone(),
        explorer_api_url: n.explorer_api_url.clone(),
        confirmations: n.confirmations,
        fee_ceiling_gwei: Some(n.fee_ceiling_gwei),
        ws_url: n.ws_url.clone(),
        log_span_blocks: Some(n.log_span_blocks),
    }
}

/// A preset's ceiling for its chain, else the default.
fn default_ceiling(chain_id: u64) -> u64 {
    Network::presets()
        .iter()
        .find(|p| p.chain_id == chain_id)
        .map_or(crate::chain::network::DEFAULT_FEE_CEILING_GWEI, |p| {
            p.fee_ceiling_gwei
        })
}

fn from_spec(s: &NetworkSpec) -> Network {
    Network {
        chain_id: s.chain_id,
        name: s.name.trim().to_string(),
        currency_symbol: s.currency_symbol.trim().to_string(),
        currency_decimals: s.currency_decimals,
        rpc_urls: s.rpc_urls.iter().map(|u| u.trim().to_string()).collect(),
        bundler_url: s.bundler_url.clone().filter(|u| !u.trim().is_empty()),
        paymaster_url: s.paymaster_url.clone().filter(|u| !u.trim().is_empty()),
        explorer_api_url: s.explorer_api_url.clone().filter(|u| !u.trim().is_empty()),
        confirmations: s.confirmations,
        request_timeout: Duration::from_secs(10),
        fee_ceiling_gwei: s
            .fee_ceiling_gwei
            .unwrap_or_else(|| default_ceiling(s.chain_id)),
        log_span_blocks: s
            .log_span_blocks
            .unwrap_or(crate::chain::network::DEFAULT_LOG_SPAN_BLOCKS),
        ws_url: s
            .ws_url
            .clone()
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty()),
    }
}

type Result<T, E = NetworkError> = std::result::Result<T, E>;

fn validate(n: &Network) -> Result<(), NetworkError> {
    if n.name.is_empty() || n.name.chars().count() > 64 {
        return Err(NetworkError::Name);
    }
    let sym = &n.currency_symbol;
    if sym.is_empty() || sym.chars().count() > 12 || sym.chars().any(char::is_control) {
        return Err(NetworkError::Symbol);
    }
    if n.rpc_urls.is_empty() || n.rpc_urls.len() > 8 {
        return Err(NetworkError::Urls);
    }
    if !(1..=1000).contains(&n.confirmations) {
        return Err(NetworkError::Confirmations);
    }
    if !(1..=100_000).contains(&n.fee_ceiling_gwei) {
        return Err(NetworkError::FeeCeiling);
    }
    if !(1..=1_000_000).contains(&n.log_span_blocks) {
        return Err(NetworkError::LogSpan);
    }
    if let Some(ws) = &n.ws_url {
        if !(ws.starts_with("ws://") || ws.starts_with("wss://")) {
            return Err(NetworkError::WsUrl(ws.clone()));
        }
    }
    Ok(())
}

impl Ledger {
    /// The networks the user added, by chain id.
    pub fn user_networks(&self) -> Result<Vec<Network>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT chain_id, name, currency_symbol, currency_decimals, rpc_urls, bundler_url,
                    paymaster_url, explorer_api_url, confirmations, fee_ceiling_gwei, ws_url,
                    log_span_blocks
             FROM networks WHERE user_added = 1 ORDER BY chain_id",
        )?;
        let rows = stmt.query_map([], |r| {
            let urls: String = r.get(4)?;
            let chain_id = r.get::<_, i64>(0)? as u64;
            Ok(Network {
                chain_id,
                name: r.get(1)?,
                currency_symbol: r.get(2)?,
                currency_decimals: r.get::<_, i64>(3)? as u8,
                rpc_urls: serde_json::from_str(&urls).unwrap_or_default(),
                bundler_url: r.get(5)?,
                paymaster_url: r.get(6)?,
                explorer_api_url: r.get(7)?,
                confirmations: r.get::<_, i64>(8)? as u64,
                request_timeout: Duration::from_secs(10),
                fee_ceiling_gwei: r
                    .get::<_, Option<i64>>(9)?
                    .and_then(|g| u64::try_from(g).ok())
                    .unwrap_or_else(|| default_ceiling(chain_id)),
                log_span_blocks: r
                    .get::<_, Option<i64>>(11)?
                    .and_then(|g| u64::try_from(g).ok())
                    .filter(|g| *g > 0)
                    .unwrap_or(crate::chain::network::DEFAULT_LOG_SPAN_BLOCKS),
                ws_url: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Stores a user network (replacing an earlier one with that chain id).
    pub fn save_user_network(&mut self, n: &Network) -> Result<(), LedgerError> {
        self.ensure_network(n)?;
        self.conn.execute(
            "UPDATE networks SET user_added = 1 WHERE chain_id = ?1",
            params![n.chain_id as i64],
        )?;
        Ok(())
    }
}

/// Networks's service over the shared session state.
pub(crate) struct Networks<'a> {
    pub(crate) ctx: &'a Ctx,
}

/// The explorer page of an address or a transaction on `network`: built here from a value that
/// parses (a checksummed address, a 32-byte hash), never from text the page hands over, so the
/// shell opens nothing but the explorer's own pages.
pub(crate) fn explorer_link(network: &Network, value: &str) -> Result<String> {
    let base = crate::chain::network::explorer_web(network.chain_id)
        .ok_or_else(|| NetworkError::NoExplorer(network.name.clone()))?;
    let value = value.trim();
    if let Ok(address) = crate::primitives::units::parse_address(value) {
        return Ok(format!(
            "{base}/address/{}",
            crate::primitives::units::format_address(&address)
        ));
    }
    match value.parse::<alloy::primitives::B256>() {
        Ok(hash) if value.len() == 66 => Ok(format!("{base}/tx/{hash}")),
        _ => Err(NetworkError::NotLinkable(value.chars().take(80).collect())),
    }
}

impl Networks<'_> {
    crate::session::gate_methods!(NetworkError);

    fn known_networks(&self, user: Vec<Network>) -> Vec<(Network, bool)> {
        let mut all: Vec<(Network, bool)> = Network::presets()
            .into_iter()
            .filter(|p| !user.iter().any(|u| u.chain_id == p.chain_id))
            .map(|p| (p, false))
            .collect();
        // The network the wallet was started with (e.g. the devnet the environment named) keeps
        // its endpoints when the user switches away and back; the one in use is listed as used.
        for known in [
            self.ctx.config().network.clone(),
            self.ctx.active_chain().network().clone(),
        ] {
            if let Some(slot) = all.iter_mut().find(|(n, _)| n.chain_id == known.chain_id) {
                slot.0 = known;
            } else if !user.iter().any(|u| u.chain_id == known.chain_id) {
                // Not a preset (a network named by the environment): still one the wallet knows
                // when another is active — its operations and the apps on it depend on that.
                all.push((known, false));
            }
        }
        all.extend(user.into_iter().map(|u| (u, true)));
        all
    }

    /// Presets and the user's networks, the active one marked.
    pub(crate) async fn networks(&self) -> Result<Vec<NetworkEntry>> {
        let user = self.with_session(|s| Ok(s.ledger.user_networks()?)).await?;
        let active = self.ctx.active_chain().network().chain_id;
        Ok(self
            .known_networks(user)
            .iter()
            .map(|(n, user_added)| NetworkEntry {
                spec: to_spec(n),
                user_added: *user_added,
                active: n.chain_id == active,
            })
            .collect())
    }

    /// Adds (or replaces) a network after asking every endpoint for its chain id: one that is
    /// unreachable or on another chain refuses the whole network.
    pub(crate) async fn add_network(&self, spec: &NetworkSpec) -> Result<NetworkEntry> {
        let network = from_spec(spec);
        validate(&network)?;
        for url in &network.rpc_urls {
            let single = Network {
                rpc_urls: vec![url.clone()],
                request_timeout: Duration::from_secs(5),
                ..network.clone()
            };
            let rpc = Rpc::new(single)?;
            match rpc
                .call::<serde_json::Value>("eth_chainId", serde_json::json!([]))
                .await
            {
                Ok(_) => {}
                // Name the endpoint's own failure (wrong chain, unreachable), not "offline".
                Err(ChainError::Offline { last, .. }) => return Err(NetworkError::Chain(*last)),
                Err(e) => return Err(e.into()),
            }
        }
        // A WebSocket endpoint the user named must give what it is named for.
        if let Some(ws) = &network.ws_url {
            match HeadFeed::open(ws, Duration::from_secs(5)).await {
                Ok(_) => {}
                Err(FeedError::NotOffered) => return Err(NetworkError::WsNotOffered(ws.clone())),
                Err(FeedError::Chain(e)) => return Err(e.into()),
            }
        }
        self.with_session(|s| Ok(s.ledger.save_user_network(&network)?))
            .await?;
        tracing::info!(chain_id = network.chain_id, name = %network.name, "network added");
        Ok(NetworkEntry {
            spec: to_spec(&network),
            user_added: true,
            active: network.chain_id == self.ctx.active_chain().network().chain_id,
        })
    }

    /// The network this wallet knows as `chain_id` (a preset or the user's), without making it
    /// the active one.
    pub(crate) async fn known(&self, chain_id: u64) -> Result<Network> {
        let user = self
            .with_session_quiet(|s| Ok(s.ledger.user_networks()?))
            .await?;
        self.known_networks(user)
            .into_iter()
            .find(|(n, _)| n.chain_id == chain_id)
            .map(|(n, _)| n)
            .ok_or(NetworkError::Unknown(chain_id))
    }

    /// Makes `chain_id` the active network for this wallet, remembered for the next unlock.
    pub(crate) async fn use_network(&self, chain_id: u64) -> Result<NetworkEntry> {
        let user = self.with_session(|s| Ok(s.ledger.user_networks()?)).await?;
        let (network, user_added) = self
            .known_networks(user)
            .into_iter()
            .find(|(n, _)| n.chain_id == chain_id)
            .ok_or(NetworkError::Unknown(chain_id))?;
        if network != *self.ctx.active_chain().network() {
            self.ctx.set_chain(Chain::new(network.clone())?);
        }
        self.with_session(|s| {
            s.ledger.ensure_network(&network)?;
            s.ledger.set_setting(ACTIVE_KEY, &chain_id.to_string())?;
            Ok(())
        })
        .await?;
        self.ctx.reset_sync();
        tracing::info!(chain_id, name = %network.name, "network switched");
        self.ctx.wake_sync();
        Ok(NetworkEntry {
            spec: to_spec(&network),
            user_added,
            active: true,
        })
    }

    /// After an unlock: back to the network the user picked last time, if any. Front ends skip
    /// this when the network was given explicitly (environment, command line).
    pub(crate) async fn restore_network(&self) -> Result<()> {
        let saved = self
            .with_session(|s| Ok(s.ledger.setting(ACTIVE_KEY)?))
            .await?
            .and_then(|v| v.parse::<u64>().ok());
        match saved {
            Some(id) if id != self.ctx.active_chain().network().chain_id => {
                self.use_network(id).await.map(|_| ())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explorer_links_are_built_from_parsed_values_only() {
        let mainnet = Network::presets().remove(0);
        assert_eq!(
            explorer_link(&mainnet, "0x000000000000000000000000000000000000beef").unwrap(),
            "https://etherscan.io/address/0x000000000000000000000000000000000000bEEF"
        );
        let hash = format!("0x{}", "ab".repeat(32));
        assert_eq!(
            explorer_link(&mainnet, &hash).unwrap(),
            format!("https://etherscan.io/tx/{hash}")
        );
        for bad in ["javascript:alert(1)", "0x12", "https://evil.example/x", ""] {
            assert!(matches!(
                explorer_link(&mainnet, bad),
                Err(NetworkError::NotLinkable(_))
            ));
        }
        assert!(matches!(
            explorer_link(&Network::devnet("http://127.0.0.1:8545"), &hash),
            Err(NetworkError::NoExplorer(_))
        ));
    }
}
