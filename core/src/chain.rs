//! Chain access over JSON-RPC (alloy over our own reqwest client, rustls with ring).
//! Every call checks the endpoint is on the chain the wallet expects before trusting an answer.

use std::sync::Once;

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, TxHash, U256};
use alloy::providers::{Provider, ProviderBuilder, RootProvider};
use alloy::rpc::types::TransactionRequest;
use alloy::transports::{RpcError, TransportError};
use tokio::sync::OnceCell;

use crate::network::Network;

/// Why a chain request failed. Says which endpoint, never what was signed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error("the RPC URL {0:?} is not a valid http(s) URL")]
    BadUrl(String),
    #[error("the node at {url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the node at {url} is on chain {actual}, not chain {expected}: refusing to use it")]
    WrongChain {
        url: String,
        expected: u64,
        actual: u64,
    },
    #[error("the node at {url} answered with an error: {reason}")]
    Rpc { url: String, reason: String },
    #[error("the devnet faucet is only available on the local devnet (chain 31337)")]
    NotDevnet,
    #[error("the transaction {0} was not mined in time")]
    NotMined(String),
}

static TLS: Once = Once::new();

/// reqwest is built without a TLS crypto provider (one crypto library, ring, in the binary);
/// rustls needs the process-wide default set before any client exists.
pub fn install_tls_provider() {
    TLS.call_once(|| {
        // Err means another part of the process already installed one, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A JSON-RPC client bound to one network.
#[derive(Debug)]
pub struct Chain {
    network: Network,
    provider: RootProvider,
    verified: OnceCell<()>,
}

/// A balance at a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalanceAt {
    pub wei: U256,
    pub block_number: u64,
}

impl Chain {
    pub fn new(network: Network) -> Result<Chain, ChainError> {
        install_tls_provider();
        let url: reqwest::Url = network
            .rpc_url
            .parse()
            .map_err(|_| ChainError::BadUrl(network.rpc_url.clone()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ChainError::BadUrl(network.rpc_url.clone()));
        }
        let client = reqwest::Client::builder()
            .timeout(network.request_timeout)
            .connect_timeout(network.request_timeout)
            .build()
            .map_err(|e| ChainError::Unreachable {
                url: network.rpc_url.clone(),
                reason: e.to_string(),
            })?;
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_reqwest(client, url);
        Ok(Chain {
            network,
            provider,
            verified: OnceCell::new(),
        })
    }

    pub fn network(&self) -> &Network {
        &self.network
    }

    fn rpc_error(&self, e: TransportError) -> ChainError {
        let url = self.network.rpc_url.clone();
        match e {
            // Refused, timed out, HTTP 5xx: the endpoint is not usable right now.
            RpcError::Transport(kind) => ChainError::Unreachable {
                url,
                reason: kind.to_string(),
            },
            RpcError::ErrorResp(payload) => ChainError::Rpc {
                url,
                reason: payload.message.to_string(),
            },
            RpcError::DeserError { .. } => ChainError::Rpc {
                url,
                reason: "the answer was not valid JSON-RPC".into(),
            },
            other => ChainError::Rpc {
                url,
                reason: other.to_string(),
            },
        }
    }

    /// Asks the node for its chain id once per session and refuses a mismatch.
    pub async fn verify_chain(&self) -> Result<(), ChainError> {
        self.verified
            .get_or_try_init(|| async {
                let actual = self
                    .provider
                    .get_chain_id()
                    .await
                    .map_err(|e| self.rpc_error(e))?;
                if actual != self.network.chain_id {
                    return Err(ChainError::WrongChain {
                        url: self.network.rpc_url.clone(),
                        expected: self.network.chain_id,
                        actual,
                    });
                }
                Ok(())
            })
            .await
            .map(|_| ())
    }

    /// The native balance of `address` at the latest block, with that block's number, both read
    /// at the same block so they agree.
    pub async fn balance(&self, address: Address) -> Result<BalanceAt, ChainError> {
        self.verify_chain().await?;
        let block_number = self
            .provider
            .get_block_number()
            .await
            .map_err(|e| self.rpc_error(e))?;
        let wei = self
            .provider
            .get_balance(address)
            .number(block_number)
            .await
            .map_err(|e| self.rpc_error(e))?;
        Ok(BalanceAt { wei, block_number })
    }

    /// Devnet only: sends `amount` from the node's first unlocked dev account to `to` and waits
    /// for it to be mined. A real transfer on the devnet chain, so it shows in history like any
    /// incoming payment; refused on every other chain.
    pub async fn devnet_fund(&self, to: Address, amount: U256) -> Result<TxHash, ChainError> {
        if !self.network.is_devnet() {
            return Err(ChainError::NotDevnet);
        }
        self.verify_chain().await?;
        let accounts = self
            .provider
            .get_accounts()
            .await
            .map_err(|e| self.rpc_error(e))?;
        let from = accounts.first().copied().ok_or_else(|| ChainError::Rpc {
            url: self.network.rpc_url.clone(),
            reason: "the devnet node has no unlocked dev account".into(),
        })?;
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_to(to)
            .with_value(amount);
        let hash: TxHash = self
            .provider
            .raw_request("eth_sendTransaction".into(), (tx,))
            .await
            .map_err(|e| self.rpc_error(e))?;
        for _ in 0..100 {
            if self
                .provider
                .get_transaction_receipt(hash)
                .await
                .map_err(|e| self.rpc_error(e))?
                .is_some()
            {
                return Ok(hash);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Err(ChainError::NotMined(hash.to_string()))
    }
}
