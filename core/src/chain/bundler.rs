//! The ERC-4337 peers of a network: its bundler (`eth_supportedEntryPoints`,
//! `eth_estimateUserOperationGas`, `eth_sendUserOperation`, `eth_getUserOperationReceipt`,
//! `eth_getUserOperationByHash`) and its ERC-7677 paymaster (`pm_getPaymasterStubData`,
//! `pm_getPaymasterData`). Both ride on [`crate::chain::rpc::Rpc`], so they get the same timeouts,
//! typed errors and chain-id check as the node: a bundler for another chain is refused.

use alloy::primitives::{Address, Bytes, B256, U256};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::chain::network::Network;
use crate::chain::rpc::{ChainError, Rpc};
use crate::primitives::aa::UserOp;

/// An ERC-4337 endpoint (bundler or paymaster) of one network.
#[derive(Debug)]
pub struct AaEndpoint {
    rpc: Rpc,
    /// The EntryPoints the bundler said it serves: asked once per endpoint, not per send.
    entry_points: std::sync::Mutex<Option<Vec<Address>>>,
}

/// What the bundler estimated.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GasEstimate {
    pub pre_verification_gas: U256,
    pub verification_gas_limit: U256,
    pub call_gas_limit: U256,
    #[serde(default)]
    pub paymaster_verification_gas_limit: Option<U256>,
    #[serde(default)]
    pub paymaster_post_op_gas_limit: Option<U256>,
}

/// A user operation's outcome as the bundler reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserOpReceipt {
    pub success: bool,
    pub actual_gas_cost: U256,
    /// Why it reverted, when it did (decoded when it is an `Error(string)`).
    pub reason: Option<String>,
    /// The bundle transaction that carried it.
    pub transaction_hash: B256,
    pub block_number: u64,
    pub block_hash: B256,
    pub paymaster: Option<Address>,
}

/// What a paymaster puts into an operation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymasterFields {
    pub paymaster: Address,
    #[serde(default)]
    pub paymaster_data: Bytes,
    #[serde(default)]
    pub paymaster_verification_gas_limit: Option<U256>,
    #[serde(default)]
    pub paymaster_post_op_gas_limit: Option<U256>,
    /// ERC-7677's `sponsor.name`, for the review screen.
    #[serde(skip)]
    pub sponsor_name: Option<String>,
}

fn malformed(rpc: &Rpc) -> ChainError {
    ChainError::Malformed {
        url: rpc.active_url().to_string(),
    }
}

impl AaEndpoint {
    /// An endpoint of `network` at `url` (its name says what it is in errors).
    pub fn new(network: &Network, url: &str, what: &str) -> Result<AaEndpoint, ChainError> {
        let mut n = network.clone();
        n.name = format!("{} {what}", network.name);
        n.rpc_urls = vec![url.to_string()];
        Ok(AaEndpoint {
            rpc: Rpc::new(n)?,
            entry_points: std::sync::Mutex::new(None),
        })
    }

    pub fn url(&self) -> &str {
        self.rpc.active_url()
    }

    pub async fn supported_entry_points(&self) -> Result<Vec<Address>, ChainError> {
        if let Some(known) = self
            .entry_points
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            return Ok(known);
        }
        let list: Vec<Address> = self.rpc.call("eth_supportedEntryPoints", json!([])).await?;
        *self.entry_points.lock().unwrap_or_else(|e| e.into_inner()) = Some(list.clone());
        Ok(list)
    }

    pub async fn estimate(
        &self,
        op: &UserOp,
        entry_point: Address,
    ) -> Result<GasEstimate, ChainError> {
        self.rpc
            .call("eth_estimateUserOperationGas", json!([op, entry_point]))
            .await
    }

    /// Hands the signed operation to the bundler; its userOpHash comes back.
    pub async fn send(&self, op: &UserOp, entry_point: Address) -> Result<B256, ChainError> {
        self.rpc
            .call("eth_sendUserOperation", json!([op, entry_point]))
            .await
    }

    /// The bundler's gas price for user operations, where it has one (Pimlico's alto does);
    /// `None` from bundlers without the method.
    pub async fn gas_price(&self) -> Result<Option<(U256, U256)>, ChainError> {
        match self
            .rpc
            .call::<Value>("pimlico_getUserOperationGasPrice", json!([]))
            .await
        {
            Ok(v) => {
                let field = |k: &str| {
                    v.get("standard")
                        .and_then(|s| s.get(k))
                        .and_then(Value::as_str)
                        .and_then(|s| s.parse::<U256>().ok())
                };
                match (field("maxFeePerGas"), field("maxPriorityFeePerGas")) {
                    (Some(max), Some(tip)) => Ok(Some((max, tip))),
                    _ => Ok(None),
                }
            }
            Err(ChainError::Rpc { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn receipt(&self, hash: B256) -> Result<Option<UserOpReceipt>, ChainError> {
        let v: Value = self
            .rpc
            .call("eth_getUserOperationReceipt", json!([hash]))
            .await?;
        if v.is_null() {
            return Ok(None);
        }
        let u = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .and_then(|s| s.parse::<U256>().ok())
        };
        let b = |v: Option<&Value>| {
            v.and_then(Value::as_str)
                .and_then(|s| s.parse::<B256>().ok())
        };
        let receipt = v.get("receipt");
        let success = v.get("success").and_then(Value::as_bool);
        let block_number =
            u(receipt.and_then(|r| r.get("blockNumber"))).and_then(|n| u64::try_from(n).ok());
        let block_hash = b(receipt.and_then(|r| r.get("blockHash")));
        let transaction_hash = b(receipt.and_then(|r| r.get("transactionHash")));
        let (Some(success), Some(block_number), Some(block_hash), Some(transaction_hash)) =
            (success, block_number, block_hash, transaction_hash)
        else {
            return Err(malformed(&self.rpc));
        };
        let reason = v
            .get("reason")
            .and_then(Value::as_str)
            .filter(|r| !r.is_empty() && *r != "0x")
            .map(|r| {
                hex::decode(r.trim_start_matches("0x"))
                    .ok()
                    .and_then(|b| crate::primitives::erc20::decode_revert(&b))
                    .unwrap_or_else(|| crate::primitives::aa::explain(r).1)
            });
        Ok(Some(UserOpReceipt {
            success,
            actual_gas_cost: u(v.get("actualGasCost")).unwrap_or_default(),
            reason,
            transaction_hash,
            block_number,
            block_hash,
            paymaster: v
                .get("paymaster")
                .and_then(Value::as_str)
                .and_then(|p| p.parse::<Address>().ok())
                .filter(|p| *p != Address::ZERO),
        }))
    }

    /// Whether the bundler still knows the operation (in its mempool or mined).
    pub async fn knows(&self, hash: B256) -> Result<bool, ChainError> {
        let v: Value = self
            .rpc
            .call("eth_getUserOperationByHash", json!([hash]))
            .await?;
        Ok(!v.is_null())
    }

    /// An ERC-7677 call: `[userOp, entryPoint, chainId, context]`.
    async fn pm_call(
        &self,
        method: &str,
        op: &UserOp,
        entry_point: Address,
        chain_id: u64,
    ) -> Result<Value, ChainError> {
        self.rpc
            .call(
                method,
                json!([op, entry_point, format!("0x{chain_id:x}"), {}]),
            )
            .await
    }

    /// ERC-7677 stub data: paymaster fields good enough for gas estimation.
    pub async fn paymaster_stub(
        &self,
        op: &UserOp,
        entry_point: Address,
        chain_id: u64,
    ) -> Result<PaymasterFields, ChainError> {
        let v = self
            .pm_call("pm_getPaymasterStubData", op, entry_point, chain_id)
            .await?;
        let mut fields: PaymasterFields =
            serde_json::from_value(v.clone()).map_err(|_| malformed(&self.rpc))?;
        fields.sponsor_name = v
            .get("sponsor")
            .and_then(|s| s.get("name"))
            .and_then(Value::as_str)
            .map(|s| s.chars().take(64).collect());
        Ok(fields)
    }

    /// ERC-7677 final data for the operation with its gas limits set.
    pub async fn paymaster_data(
        &self,
        op: &UserOp,
        entry_point: Address,
        chain_id: u64,
    ) -> Result<PaymasterFields, ChainError> {
        let v = self
            .pm_call("pm_getPaymasterData", op, entry_point, chain_id)
            .await?;
        serde_json::from_value(v).map_err(|_| malformed(&self.rpc))
    }
}
