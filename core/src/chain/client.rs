//! Typed chain access over [`crate::chain::rpc`]: balances (native and ERC-20, batched), nonces, fee
//! history, gas estimates, raw transaction broadcast, receipts, and the devnet faucet.

use alloy::primitives::{Address, Bytes, B256, U256};
use serde_json::{json, Value};

use crate::chain::bundler::AaEndpoint;
use crate::chain::network::Network;
pub use crate::chain::rpc::{install_tls_provider, ChainError};
use crate::chain::rpc::{quantity, Rpc};
use crate::primitives::erc20;

/// A JSON-RPC client bound to one network.
#[derive(Debug)]
pub struct Chain {
    rpc: Rpc,
    /// The network's ERC-4337 bundler and ERC-7677 paymaster, where it has them.
    bundler: Option<AaEndpoint>,
    paymaster: Option<AaEndpoint>,
}

/// A balance at a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalanceAt {
    pub wei: U256,
    pub block_number: u64,
}

/// What a receipt says about an included transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The transaction the receipt says it is for (checked against the one asked about).
    pub tx_hash: B256,
    pub success: bool,
    pub block_number: u64,
    pub block_hash: B256,
    pub gas_used: U256,
    pub effective_gas_price: U256,
}

/// A block as far as inclusion is concerned: its hash and its transactions' hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockTxs {
    pub hash: B256,
    pub transactions: Vec<B256>,
}

/// The base fee of the next block and the priority fees recent blocks paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeHistory {
    pub next_base_fee: U256,
    /// Median tips at the 10th, 50th and 90th percentile of recent blocks.
    pub tips: [U256; 3],
}

/// One balance to read: native (`token == None`) or an ERC-20's `balanceOf`.
/// One event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Log {
    /// The contract that emitted it.
    pub address: Address,
    pub topics: Vec<B256>,
    pub data: Vec<u8>,
    pub block_number: u64,
    pub tx_hash: B256,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalanceQuery {
    pub owner: Address,
    pub token: Option<Address>,
}

/// What one sync round reads of the chain, all at one block and in one HTTP request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockQuery {
    /// The block to read at. Past the head (the next block, asked for before it exists), the
    /// answer says only where the head is.
    pub at: u64,
    /// Native balances of these accounts.
    pub owners: Vec<Address>,
    /// Nonces (at the block, and pending) of these accounts.
    pub nonces_of: Vec<Address>,
    pub receipts: Vec<B256>,
    /// `balanceOf` of these (owner, token) pairs.
    pub token_balances: Vec<(Address, Address)>,
    /// Transfer logs of these tokens to or from `owners`, from this block to `at`.
    pub transfers_from: Option<u64>,
    pub tokens: Vec<Address>,
    /// Other `eth_call`s at the block (price feeds, when due).
    pub calls: Vec<(Address, Bytes)>,
    /// Logs of these contracts with this first topic, from this block to the one read (the
    /// Safes' timelocks: what was scheduled).
    pub watch: Option<(Vec<Address>, B256, u64)>,
}

/// The answer to a [`BlockQuery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRead {
    /// The node's head when it answered.
    pub head: u64,
    /// The block read at, with its hash and time (unix seconds); `None` when the node does not
    /// have it (yet): then nothing else in the answer is about it.
    pub block: Option<(B256, u64)>,
    pub balances: Vec<Result<U256, ChainError>>,
    /// (at the block, pending) per account.
    pub nonces: Vec<Result<(u64, u64), ChainError>>,
    pub receipts: Vec<Result<Option<Receipt>, ChainError>>,
    pub token_balances: Vec<Result<U256, ChainError>>,
    /// (token, owner) pairs a Transfer log touched in the range.
    pub touched: Vec<(Address, Address)>,
    pub fees: Option<FeeHistory>,
    /// The outcome of each of the query's `calls`, in order.
    pub calls: Vec<Result<Vec<u8>, ChainError>>,
    /// The logs `watch` asked for (empty when it asked for none).
    pub watched: Vec<Log>,
}

fn malformed(chain: &Chain) -> ChainError {
    ChainError::Malformed {
        url: chain.rpc.active_url().to_string(),
    }
}

fn u256(v: &Value) -> Option<U256> {
    v.as_str().and_then(|s| s.parse::<U256>().ok())
}

impl Chain {
    pub fn new(network: Network) -> Result<Chain, ChainError> {
        let endpoint = |url: &Option<String>, what: &str| {
            url.as_deref()
                .map(|u| AaEndpoint::new(&network, u, what))
                .transpose()
        };
        Ok(Chain {
            bundler: endpoint(&network.bundler_url, "bundler")?,
            paymaster: endpoint(&network.paymaster_url, "paymaster")?,
            rpc: Rpc::new(network)?,
        })
    }

    /// A client on this network's other endpoints (every one but the one in use, in the
    /// configured order), for a second opinion on what one node says moved money; `None` when
    /// the network has a single endpoint.
    pub fn another(&self) -> Option<Result<Chain, ChainError>> {
        let network = self.network();
        let active = self.rpc.active_url();
        let others: Vec<String> = network
            .rpc_urls
            .iter()
            .filter(|u| u.as_str() != active)
            .cloned()
            .collect();
        if others.is_empty() || others.len() == network.rpc_urls.len() {
            return None;
        }
        let mut second = network.clone();
        second.rpc_urls = others;
        second.bundler_url = None;
        second.paymaster_url = None;
        Some(Rpc::new(second).map(|rpc| Chain {
            rpc,
            bundler: None,
            paymaster: None,
        }))
    }

    pub fn bundler(&self) -> Option<&AaEndpoint> {
        self.bundler.as_ref()
    }

    pub fn paymaster(&self) -> Option<&AaEndpoint> {
        self.paymaster.as_ref()
    }

    /// `eth_call` at the latest block; the returned bytes.
    pub async fn call(&self, to: Address, data: &[u8]) -> Result<Vec<u8>, ChainError> {
        let v: Value = self
            .rpc
            .call(
                "eth_call",
                json!([{"to": to, "data": Bytes::copy_from_slice(data)}, "latest"]),
            )
            .await?;
        v.as_str()
            .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
            .ok_or_else(|| malformed(self))
    }

    /// Many `eth_call`s at the latest block in one request; each call's own outcome.
    pub async fn calls(
        &self,
        calls: &[(Address, Bytes)],
    ) -> Result<Vec<Result<Vec<u8>, ChainError>>, ChainError> {
        let requests: Vec<(&str, Value)> = calls
            .iter()
            .map(|(to, data)| ("eth_call", json!([{"to": to, "data": data}, "latest"])))
            .collect();
        let replies = self.rpc.batch(&requests).await?;
        Ok(replies
            .into_iter()
            .map(|r| r.and_then(|v| self.bytes_of(&v)))
            .collect())
    }

    fn bytes_of(&self, v: &Value) -> Result<Vec<u8>, ChainError> {
        v.as_str()
            .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
            .ok_or_else(|| malformed(self))
    }

    /// Whether `address` holds code (a deployed contract) at the latest block.
    pub async fn has_code(&self, address: Address) -> Result<bool, ChainError> {
        self.code_at(address, json!("latest")).await
    }

    /// Whether `address` holds code at block `tag`.
    async fn code_at(&self, address: Address, tag: Value) -> Result<bool, ChainError> {
        let v: Value = self.rpc.call("eth_getCode", json!([address, tag])).await?;
        let code = v.as_str().ok_or_else(|| malformed(self))?;
        Ok(!code
            .trim_start_matches("0x")
            .trim_start_matches('0')
            .is_empty())
    }

    /// The latest block's timestamp: the chain's time, which contracts see (it need not be
    /// the wall clock's, e.g. on a devnet whose time was moved on).
    pub async fn latest_timestamp(&self) -> Result<u64, ChainError> {
        let v: Value = self
            .rpc
            .call("eth_getBlockByNumber", json!(["latest", false]))
            .await?;
        quantity(self.rpc.active_url(), &v["timestamp"])
    }

    /// Whether `address` held code at the end of block `number`.
    pub async fn has_code_at(&self, address: Address, number: u64) -> Result<bool, ChainError> {
        self.code_at(address, json!(format!("0x{number:x}"))).await
    }

    /// The first block whose end state holds code at `address` (`None`: none has yet): a
    /// binary search of `eth_getCode`, about 25 requests on a chain of tens of millions of
    /// blocks, where a log search from genesis would be refused or cost far more.
    pub async fn creation_block(&self, address: Address) -> Result<Option<u64>, ChainError> {
        let head = self.block_number().await?;
        if !self.has_code_at(address, head).await? {
            return Ok(None);
        }
        let (mut low, mut high) = (0u64, head);
        while low < high {
            let mid = low + (high - low) / 2;
            if self.has_code_at(address, mid).await? {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        Ok(Some(high))
    }

    /// `eth_getLogs` of one contract over `from..=to`, `topics` as the filter gives them
    /// (`None`: any); each log's topics, data, block and transaction.
    pub async fn logs(
        &self,
        address: Address,
        topics: &[Option<B256>],
        from: u64,
        to: u64,
    ) -> Result<Vec<Log>, ChainError> {
        let v: Value = self
            .rpc
            .call(
                "eth_getLogs",
                json!([{
                    "address": address,
                    "topics": topics,
                    "fromBlock": format!("0x{from:x}"),
                    "toBlock": format!("0x{to:x}"),
                }]),
            )
            .await?;
        self.logs_of(&v)
    }

    /// An `eth_getLogs` answer, read.
    fn logs_of(&self, v: &Value) -> Result<Vec<Log>, ChainError> {
        let url = self.rpc.active_url();
        let list = v.as_array().ok_or_else(|| malformed(self))?;
        let mut out = Vec::with_capacity(list.len());
        for l in list {
            let topics = l["topics"]
                .as_array()
                .ok_or_else(|| malformed(self))?
                .iter()
                .map(|t| t.as_str().and_then(|t| t.parse::<B256>().ok()))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| malformed(self))?;
            out.push(Log {
                address: l["address"]
                    .as_str()
                    .and_then(|a| a.parse().ok())
                    .ok_or_else(|| malformed(self))?,
                topics,
                data: self.bytes_of(&l["data"])?,
                block_number: quantity(url, &l["blockNumber"])?,
                tx_hash: l["transactionHash"]
                    .as_str()
                    .and_then(|t| t.parse().ok())
                    .ok_or_else(|| malformed(self))?,
            });
        }
        Ok(out)
    }

    pub fn network(&self) -> &Network {
        self.rpc.network()
    }

    pub fn rpc(&self) -> &Rpc {
        &self.rpc
    }

    /// Checks that some endpoint answers and is on the right chain.
    pub async fn verify_chain(&self) -> Result<(), ChainError> {
        self.rpc
            .call::<Value>("eth_chainId", json!([]))
            .await
            .map(|_| ())
    }

    pub async fn block_number(&self) -> Result<u64, ChainError> {
        let v: Value = self.rpc.call("eth_blockNumber", json!([])).await?;
        quantity(self.rpc.active_url(), &v)
    }

    /// The native balance of `address` at the latest block, with that block's number.
    pub async fn balance(&self, address: Address) -> Result<BalanceAt, ChainError> {
        let (block_number, mut balances) = self
            .balances(&[BalanceQuery {
                owner: address,
                token: None,
            }])
            .await?;
        let wei = balances.pop().ok_or_else(|| malformed(self))??;
        Ok(BalanceAt { wei, block_number })
    }

    /// Many balances read at one block in one batch (after one call for the block number): the
    /// number of requests does not grow with the number of tokens. A token whose `balanceOf`
    /// fails gets its own error; the others still count.
    pub async fn balances(
        &self,
        queries: &[BalanceQuery],
    ) -> Result<(u64, Vec<Result<U256, ChainError>>), ChainError> {
        let block = self.block_number().await?;
        let tag = format!("0x{block:x}");
        let calls: Vec<(&str, Value)> = queries
            .iter()
            .map(|q| match q.token {
                None => ("eth_getBalance", json!([q.owner, tag])),
                Some(token) => (
                    "eth_call",
                    json!([{"to": token, "data": Bytes::from(erc20::balance_of(q.owner))}, tag]),
                ),
            })
            .collect();
        let replies = self.rpc.batch(&calls).await?;
        let url = self.rpc.active_url().to_string();
        let values = replies
            .into_iter()
            .zip(queries)
            .map(|(r, q)| {
                let v = r?;
                let parsed = match q.token {
                    None => u256(&v),
                    Some(_) => v
                        .as_str()
                        .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
                        .and_then(|b| erc20::decode_uint(&b)),
                };
                parsed.ok_or_else(|| ChainError::Malformed { url: url.clone() })
            })
            .collect();
        Ok((block, values))
    }

    /// An ERC-20's symbol and decimals, read from the contract (one batch).
    pub async fn token_metadata(&self, token: Address) -> Result<(String, u8), ChainError> {
        let calls = [
            (
                "eth_call",
                json!([{"to": token, "data": Bytes::from(erc20::SYMBOL.to_vec())}, "latest"]),
            ),
            (
                "eth_call",
                json!([{"to": token, "data": Bytes::from(erc20::DECIMALS.to_vec())}, "latest"]),
            ),
        ];
        let mut replies = self.rpc.batch(&calls).await?.into_iter();
        let bytes = |r: Option<Result<Value, ChainError>>| -> Result<Vec<u8>, ChainError> {
            let v = r.ok_or_else(|| malformed(self))??;
            v.as_str()
                .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
                .ok_or_else(|| malformed(self))
        };
        let symbol = erc20::decode_symbol(&bytes(replies.next())?);
        let decimals = erc20::decode_uint(&bytes(replies.next())?)
            .and_then(|d| u8::try_from(d).ok())
            .filter(|d| *d <= 77);
        match (symbol, decimals) {
            (Some(s), Some(d)) => Ok((s, d)),
            _ => Err(ChainError::Rpc {
                url: self.rpc.active_url().to_string(),
                code: 0,
                message: format!("{token} does not answer like an ERC-20 token"),
                data: None,
            }),
        }
    }

    /// The next nonce of `address`: `"latest"` counts mined transactions, `"pending"` also the
    /// node's pool.
    pub async fn nonce(&self, address: Address, tag: &str) -> Result<u64, ChainError> {
        let v: Value = self
            .rpc
            .call("eth_getTransactionCount", json!([address, tag]))
            .await?;
        quantity(self.rpc.active_url(), &v)
    }

    /// The `"latest"` nonces of many accounts, in one batch.
    pub async fn nonces(&self, addresses: &[Address]) -> Result<Vec<u64>, ChainError> {
        let calls: Vec<(&str, Value)> = addresses
            .iter()
            .map(|a| ("eth_getTransactionCount", json!([a, "latest"])))
            .collect();
        let url = self.rpc.active_url().to_string();
        self.rpc
            .batch(&calls)
            .await?
            .into_iter()
            .map(|r| quantity(&url, &r?))
            .collect()
    }

    /// The base fee of the next block and recent tips (last 10 blocks).
    pub async fn fee_history(&self) -> Result<FeeHistory, ChainError> {
        let v: Value = self
            .rpc
            .call("eth_feeHistory", json!(["0xa", "latest", [10, 50, 90]]))
            .await?;
        self.fee_history_of(&v)
    }

    fn fee_history_of(&self, v: &Value) -> Result<FeeHistory, ChainError> {
        let base = v
            .get("baseFeePerGas")
            .and_then(Value::as_array)
            .and_then(|a| a.last())
            .and_then(u256)
            .ok_or_else(|| malformed(self))?;
        let mut tips = [U256::ZERO; 3];
        if let Some(rewards) = v.get("reward").and_then(Value::as_array) {
            for (k, tip) in tips.iter_mut().enumerate() {
                let mut column: Vec<U256> = rewards
                    .iter()
                    .filter_map(|row| row.get(k).and_then(u256))
                    .collect();
                column.sort();
                *tip = column.get(column.len() / 2).copied().unwrap_or(U256::ZERO);
            }
        }
        Ok(FeeHistory {
            next_base_fee: base,
            tips,
        })
    }

    /// Gas for a call, as the node estimates it.
    pub async fn estimate_gas(
        &self,
        from: Address,
        to: Address,
        value: U256,
        data: &[u8],
    ) -> Result<u64, ChainError> {
        let v: Value = self
            .rpc
            .call(
                "eth_estimateGas",
                json!([{"from": from, "to": to, "value": value, "data": Bytes::copy_from_slice(data)}]),
            )
            .await?;
        quantity(self.rpc.active_url(), &v)
    }

    /// Broadcasts a signed transaction; its hash as the node computed it.
    pub async fn send_raw(&self, raw: &[u8]) -> Result<B256, ChainError> {
        let v: Value = self
            .rpc
            .call(
                "eth_sendRawTransaction",
                json!([Bytes::copy_from_slice(raw)]),
            )
            .await?;
        v.as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| malformed(self))
    }

    /// Receipts of many transactions in one batch; `None` for those not (or no longer) mined.
    pub async fn receipts(&self, hashes: &[B256]) -> Result<Vec<Option<Receipt>>, ChainError> {
        let calls: Vec<(&str, Value)> = hashes
            .iter()
            .map(|h| ("eth_getTransactionReceipt", json!([h])))
            .collect();
        let replies = self.rpc.batch(&calls).await?;
        replies.into_iter().map(|r| self.receipt_of(r?)).collect()
    }

    /// A receipt as the node sent it; `None` for `null` (not mined).
    fn receipt_of(&self, v: Value) -> Result<Option<Receipt>, ChainError> {
        if v.is_null() {
            return Ok(None);
        }
        let get = |k: &str| v.get(k).and_then(u256);
        Ok(Some(Receipt {
            tx_hash: v
                .get("transactionHash")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| malformed(self))?,
            success: get("status") == Some(U256::from(1)),
            block_number: get("blockNumber")
                .and_then(|n| u64::try_from(n).ok())
                .ok_or_else(|| malformed(self))?,
            block_hash: v
                .get("blockHash")
                .and_then(Value::as_str)
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| malformed(self))?,
            gas_used: get("gasUsed").unwrap_or_default(),
            effective_gas_price: get("effectiveGasPrice").unwrap_or_default(),
        }))
    }

    /// The blocks at these heights as the node serves them: each block's hash and the hashes of
    /// its transactions (`None` where the node has no block there). One batch.
    pub async fn blocks(&self, numbers: &[u64]) -> Result<Vec<Option<BlockTxs>>, ChainError> {
        let calls: Vec<(&str, Value)> = numbers
            .iter()
            .map(|n| ("eth_getBlockByNumber", json!([format!("{n:#x}"), false])))
            .collect();
        let replies = self.rpc.batch(&calls).await?;
        replies
            .into_iter()
            .map(|r| {
                let v = r?;
                if v.is_null() {
                    return Ok(None);
                }
                let hash = v
                    .get("hash")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| malformed(self))?;
                let transactions = v
                    .get("transactions")
                    .and_then(Value::as_array)
                    .ok_or_else(|| malformed(self))?
                    .iter()
                    .filter_map(|t| t.as_str().and_then(|s| s.parse().ok()))
                    .collect();
                Ok(Some(BlockTxs { hash, transactions }))
            })
            .collect()
    }

    /// One block's reads in one batch: the head, the block itself, balances, nonces, receipts,
    /// fees and token movements. Everything is read at `q.at` (not "latest"), so the answer is
    /// one consistent state even when a block lands mid-batch.
    pub async fn read_block(&self, q: &BlockQuery) -> Result<BlockRead, ChainError> {
        let tag = format!("{:#x}", q.at);
        let mut calls: Vec<(&str, Value)> = vec![
            ("eth_blockNumber", json!([])),
            ("eth_getBlockByNumber", json!([tag, false])),
            ("eth_feeHistory", json!(["0xa", tag, [10, 50, 90]])),
        ];
        for owner in &q.owners {
            calls.push(("eth_getBalance", json!([owner, tag])));
        }
        for owner in &q.nonces_of {
            calls.push(("eth_getTransactionCount", json!([owner, tag])));
            calls.push(("eth_getTransactionCount", json!([owner, "pending"])));
        }
        for hash in &q.receipts {
            calls.push(("eth_getTransactionReceipt", json!([hash])));
        }
        for (owner, token) in &q.token_balances {
            calls.push((
                "eth_call",
                json!([{"to": token, "data": Bytes::from(erc20::balance_of(*owner))}, tag]),
            ));
        }
        let logs = match q.transfers_from {
            Some(from) if !q.tokens.is_empty() && !q.owners.is_empty() && from <= q.at => {
                let owners: Vec<String> = q.owners.iter().map(|o| erc20::topic_of(*o)).collect();
                let range = |topics: Value| {
                    json!([{"fromBlock": format!("{from:#x}"), "toBlock": tag,
                            "address": q.tokens, "topics": topics}])
                };
                calls.push(("eth_getLogs", range(json!([erc20::TRANSFER_TOPIC, owners]))));
                calls.push((
                    "eth_getLogs",
                    range(json!([erc20::TRANSFER_TOPIC, null, owners])),
                ));
                true
            }
            _ => false,
        };
        for (to, data) in &q.calls {
            calls.push(("eth_call", json!([{"to": to, "data": data}, tag])));
        }
        let watch = match &q.watch {
            Some((addresses, topic, from)) if !addresses.is_empty() && *from <= q.at => {
                calls.push((
                    "eth_getLogs",
                    json!([{"fromBlock": format!("{from:#x}"), "toBlock": tag,
                            "address": addresses, "topics": [topic]}]),
                ));
                true
            }
            _ => false,
        };
        let url = self.rpc.active_url().to_string();
        let mut replies = self.rpc.batch(&calls).await?.into_iter();
        let mut next = || replies.next().unwrap_or_else(|| Err(malformed(self)));
        let head = quantity(&url, &next()?)?;
        let block = match next()? {
            Value::Null => None,
            v => Some((
                v.get("hash")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| malformed(self))?,
                v.get("timestamp")
                    .and_then(|t| quantity(&url, t).ok())
                    .ok_or_else(|| malformed(self))?,
            )),
        };
        if block.is_none() {
            // Not mined yet: every other answer is about a block that does not exist (errors,
            // or worse, a node's idea of "latest").
            return Ok(BlockRead {
                head,
                block,
                balances: Vec::new(),
                nonces: Vec::new(),
                receipts: Vec::new(),
                token_balances: Vec::new(),
                touched: Vec::new(),
                fees: None,
                calls: Vec::new(),
                watched: Vec::new(),
            });
        }
        // Some nodes lack eth_feeHistory: the round goes on without it.
        let fees = next().ok().and_then(|v| self.fee_history_of(&v).ok());
        let balances = q
            .owners
            .iter()
            .map(|_| next().and_then(|v| u256(&v).ok_or_else(|| malformed(self))))
            .collect();
        let nonces = q
            .nonces_of
            .iter()
            .map(|_| {
                let at = next().and_then(|v| quantity(&url, &v));
                let pending = next().and_then(|v| quantity(&url, &v));
                Ok((at?, pending?))
            })
            .collect();
        let receipts = q
            .receipts
            .iter()
            .map(|_| next().and_then(|v| self.receipt_of(v)))
            .collect();
        let token_balances = q
            .token_balances
            .iter()
            .map(|_| {
                next().and_then(|v| {
                    v.as_str()
                        .and_then(|s| hex::decode(s.trim_start_matches("0x")).ok())
                        .and_then(|b| erc20::decode_uint(&b))
                        .ok_or_else(|| malformed(self))
                })
            })
            .collect();
        let mut touched = Vec::new();
        if logs {
            for _ in 0..2 {
                for log in next()?.as_array().cloned().unwrap_or_default() {
                    let Some(token) = log["address"]
                        .as_str()
                        .and_then(|s| s.parse::<Address>().ok())
                    else {
                        continue;
                    };
                    let topics = log["topics"].as_array().cloned().unwrap_or_default();
                    for owner in topics
                        .iter()
                        .skip(1)
                        .take(2)
                        .filter_map(erc20::address_of_topic)
                    {
                        if q.owners.contains(&owner) && !touched.contains(&(token, owner)) {
                            touched.push((token, owner));
                        }
                    }
                }
            }
        }
        let calls = q
            .calls
            .iter()
            .map(|_| next().and_then(|v| self.bytes_of(&v)))
            .collect();
        let watched = if watch {
            self.logs_of(&next()?)?
        } else {
            Vec::new()
        };
        Ok(BlockRead {
            head,
            block,
            balances,
            nonces,
            receipts,
            token_balances,
            touched,
            fees,
            calls,
            watched,
        })
    }

    /// Whether the node knows the transaction at all (in its pool or mined).
    pub async fn knows_transaction(&self, hash: B256) -> Result<bool, ChainError> {
        let v: Value = self
            .rpc
            .call("eth_getTransactionByHash", json!([hash]))
            .await?;
        Ok(!v.is_null())
    }

    /// Replays a call at `block` to learn why it reverted: the decoded reason, or the raw data.
    pub async fn revert_reason(
        &self,
        from: Address,
        to: Address,
        value: U256,
        data: &[u8],
        block: u64,
    ) -> Option<String> {
        let result: Result<Value, ChainError> = self
            .rpc
            .call(
                "eth_call",
                json!([{"from": from, "to": to, "value": value, "data": Bytes::copy_from_slice(data)}, format!("0x{block:x}")]),
            )
            .await;
        match result {
            Err(ChainError::Rpc { message, data, .. }) => Some(
                data.as_deref()
                    .and_then(|d| hex::decode(d.trim_start_matches("0x")).ok())
                    .and_then(|b| erc20::decode_revert(&b))
                    .unwrap_or(message),
            ),
            _ => None,
        }
    }

    /// Devnet only: sends `amount` from the node's first unlocked dev account to `to` and waits
    /// for it to be mined. A real transfer on the devnet chain, so it shows in history like any
    /// incoming payment; refused on every other chain.
    pub async fn devnet_fund(&self, to: Address, amount: U256) -> Result<B256, ChainError> {
        if !self.network().is_devnet() {
            return Err(ChainError::NotDevnet);
        }
        let accounts: Vec<Address> = self.rpc.call("eth_accounts", json!([])).await?;
        let from = accounts.first().copied().ok_or_else(|| ChainError::Rpc {
            url: self.rpc.active_url().to_string(),
            code: 0,
            message: "the devnet node has no unlocked dev account".into(),
            data: None,
        })?;
        let v: Value = self
            .rpc
            .call(
                "eth_sendTransaction",
                json!([{"from": from, "to": to, "value": amount}]),
            )
            .await?;
        let hash: B256 = v
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| malformed(self))?;
        for _ in 0..100 {
            if let Some(Some(_)) = self.receipts(&[hash]).await?.pop() {
                return Ok(hash);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Err(ChainError::NotMined(hash.to_string()))
    }
}
