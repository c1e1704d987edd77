//! The methods a dapp may call (EIP-1193 and the wallet_ extensions), for a caller already
//! recognised: what it may see before it is connected (the chain id), the grant (EIP-2255),
//! reads passed to the network, and the requests that wait for the user — connecting,
//! signing, sending — each answered by the user's decision, through the same checks as the
//! window's own (review, simulation, risk, policy, two-factor).

use std::time::Duration;

use alloy::primitives::U256;
use cairn_api::{BridgeApproval, BridgeDecision, SendRequest, SendSpeed};
use serde_json::{json, Value};

use super::approvals::{Full, TIMEOUT};
use super::caller::{domain_and_warnings, Caller};
use super::{Bridge, BridgeError};
use crate::accounts::Accounts;
use crate::chain::ChainError;
use crate::guard::messages::Messages;
use crate::primitives::units::{format_address, format_units, parse_address};
use crate::send::Payments;
use crate::session::WalletEvent;
use crate::smart::SmartAccounts;
use crate::store::ledger::now;

/// A JSON-RPC error as the caller receives it (EIP-1193 / EIP-1474 codes).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RpcFail {
    pub code: i64,
    pub message: String,
    pub data: Option<Value>,
}

fn fail(code: i64, message: impl Into<String>) -> RpcFail {
    RpcFail {
        code,
        message: message.into(),
        data: None,
    }
}

const REJECTED: i64 = 4001;
const UNAUTHORIZED: i64 = 4100;
const UNSUPPORTED: i64 = 4200;
const DISCONNECTED: i64 = 4900;
const UNKNOWN_CHAIN: i64 = 4902;
const INVALID_PARAMS: i64 = -32602;
const NOT_FOUND: i64 = -32601;
const INTERNAL: i64 = -32603;
const LIMIT: i64 = -32005;
/// The suffix of an ERC-6492 signature (a counterfactual account's, with its deployment).
const ERC6492_MAGIC: &str = "6492649264926492649264926492649264926492649264926492649264926492";
/// EIP-5792's codes.
const UNSUPPORTED_CHAIN: i64 = 5710;
const UNKNOWN_BUNDLE: i64 = 5730;
const ATOMIC_UNSUPPORTED: i64 = 5760;

/// Reads passed to the caller's network as they are.
const READS: &[&str] = &[
    "eth_blockNumber",
    "eth_call",
    "eth_estimateGas",
    "eth_feeHistory",
    "eth_gasPrice",
    "eth_maxPriorityFeePerGas",
    "eth_blobBaseFee",
    "eth_getBalance",
    "eth_getCode",
    "eth_getStorageAt",
    "eth_getProof",
    "eth_getTransactionCount",
    "eth_getTransactionByHash",
    "eth_getTransactionReceipt",
    "eth_getTransactionByBlockHashAndIndex",
    "eth_getTransactionByBlockNumberAndIndex",
    "eth_getBlockByHash",
    "eth_getBlockByNumber",
    "eth_getBlockTransactionCountByHash",
    "eth_getBlockTransactionCountByNumber",
    "eth_getLogs",
    "eth_syncing",
    "web3_clientVersion",
];

/// Asked for by some dapps and never done by Cairn, with the reason.
fn refused(method: &str) -> Option<&'static str> {
    Some(match method {
        "eth_sign" => "eth_sign signs a raw hash the user cannot read: use personal_sign or eth_signTypedData_v4",
        "eth_signTypedData" | "eth_signTypedData_v1" | "eth_signTypedData_v3" => {
            "only eth_signTypedData_v4 is supported"
        }
        "eth_signTransaction" => "Cairn signs only what it sends itself: use eth_sendTransaction",
        "eth_decrypt" | "eth_getEncryptionPublicKey" => "Cairn does not decrypt for dapps",
        "wallet_sendTransaction" => "use eth_sendTransaction",
        _ => return None,
    })
}

fn chain_hex(id: u64) -> Value {
    json!(format!("0x{id:x}"))
}

impl From<BridgeError> for RpcFail {
    fn from(e: BridgeError) -> Self {
        match e {
            BridgeError::Session(crate::session::SessionError::Locked) => fail(
                UNAUTHORIZED,
                "Cairn is locked: unlock it in the app, then try again",
            ),
            other => internal(other),
        }
    }
}

fn chain_fail(e: ChainError) -> RpcFail {
    match e {
        ChainError::Rpc {
            code,
            message,
            data,
            ..
        } => RpcFail {
            code,
            message,
            data: data.map(Value::String),
        },
        e if e.is_offline() => fail(DISCONNECTED, "the network does not answer"),
        e => fail(INTERNAL, redact(&e.to_string())),
    }
}

/// A message for a dapp without the wallet's endpoints in it (node URLs may carry API keys).
fn redact(message: &str) -> String {
    message
        .split(' ')
        .map(|w| {
            if w.contains("://") {
                "(an endpoint)"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A core error for a dapp: its words, without endpoints.
fn internal(e: impl std::fmt::Display) -> RpcFail {
    fail(INTERNAL, redact(&e.to_string()))
}

impl Bridge<'_> {
    /// Answers one JSON-RPC request object (never fails: errors are answers).
    pub(crate) async fn answer(&self, caller: &Caller, request: &Value) -> Value {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let Some(method) = request.get("method").and_then(Value::as_str) else {
            return json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32600, "message": "not a JSON-RPC request"}});
        };
        let params = request.get("params").cloned().unwrap_or(json!([]));
        match self.dispatch(caller, method, &params).await {
            Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
            Err(e) => {
                let mut error = json!({"code": e.code, "message": e.message});
                if let Some(data) = e.data {
                    error["data"] = data;
                }
                json!({"jsonrpc": "2.0", "id": id, "error": error})
            }
        }
    }

    async fn dispatch(
        &self,
        caller: &Caller,
        method: &str,
        params: &Value,
    ) -> Result<Value, RpcFail> {
        let key = caller.key();
        let grant = match self
            .with_session_quiet(|s| Ok(s.ledger.bridge_grant(&key)?))
            .await
        {
            Ok(g) => g,
            Err(e) => {
                let active = self.ctx.active_chain().network().chain_id;
                match method {
                    // What anyone may learn while the wallet is locked: its network.
                    "eth_chainId" => return Ok(chain_hex(active)),
                    "net_version" => return Ok(json!(active.to_string())),
                    _ => {}
                }
                if let Some(why) = refused(method) {
                    return Err(fail(UNSUPPORTED, why));
                }
                // Locked: the user is asked to unlock (at most every half minute per caller).
                if matches!(
                    e,
                    BridgeError::Session(crate::session::SessionError::Locked)
                ) && self.shared.may_tell_locked(&key)
                {
                    self.ctx.emit(WalletEvent::BridgeLocked(caller.label()));
                }
                return Err(e.into());
            }
        };
        // A connected caller works on the network it chose; anyone else sees the wallet's.
        let mut grant = grant;
        let chain = match grant.as_mut() {
            Some(g) => {
                let chain = self.chain_for(g.chain_id).await;
                let on = chain.network().chain_id;
                if on != g.chain_id {
                    // Its network is gone from the wallet: the app moves to the wallet's (and
                    // hears `chainChanged`) rather than being stuck between the two.
                    self.with_session_quiet(|s| Ok(s.ledger.set_bridge_chain(&key, on)?))
                        .await?;
                    g.chain_id = on;
                }
                chain
            }
            None => self.ctx.active_chain(),
        };
        crate::session::on_chain(chain, self.serve(caller, method, params, grant)).await
    }

    /// The client of the network `chain_id`; the active one's when the wallet no longer knows
    /// that network (the caller hears `chainChanged`).
    pub(super) async fn chain_for(&self, chain_id: u64) -> std::sync::Arc<crate::chain::Chain> {
        let active = self.ctx.active_chain();
        if active.network().chain_id == chain_id {
            return active;
        }
        let Ok(network) = (crate::networks::Networks { ctx: self.ctx })
            .known(chain_id)
            .await
        else {
            return active;
        };
        match self.ctx.chain_on(&network) {
            Ok(chain) => chain,
            Err(_) => active,
        }
    }

    /// The request on the caller's network (see `dispatch`).
    async fn serve(
        &self,
        caller: &Caller,
        method: &str,
        params: &Value,
        grant: Option<crate::store::bridge::GrantRow>,
    ) -> Result<Value, RpcFail> {
        let current = self.ctx.network().chain_id;
        match method {
            "eth_chainId" => return Ok(chain_hex(current)),
            "net_version" => return Ok(json!(current.to_string())),
            _ => {}
        }
        if let Some(why) = refused(method) {
            return Err(fail(UNSUPPORTED, why));
        }
        let key = caller.key();
        match method {
            "eth_accounts" => {
                return Ok(json!(lower(&grant.map(|g| g.accounts).unwrap_or_default())));
            }
            "eth_requestAccounts" => return Ok(json!(lower(&self.connect(caller, grant).await?))),
            "wallet_requestPermissions" => {
                let wanted = params
                    .get(0)
                    .and_then(Value::as_object)
                    .is_some_and(|o| o.contains_key("eth_accounts"));
                if !wanted {
                    return Err(fail(
                        INVALID_PARAMS,
                        "only the eth_accounts permission exists",
                    ));
                }
                let accounts = self.connect(caller, grant).await?;
                return Ok(json!([permission(caller, &accounts)]));
            }
            "wallet_getPermissions" => {
                return Ok(match grant {
                    Some(g) => json!([permission(caller, &g.accounts)]),
                    None => json!([]),
                });
            }
            "wallet_revokePermissions" => {
                self.with_session(|s| Ok(s.ledger.revoke_bridge_grant(&key)?))
                    .await?;
                return Ok(Value::Null);
            }
            _ => {}
        }
        let Some(grant) = grant else {
            return Err(fail(
                UNAUTHORIZED,
                "not connected: ask for the accounts first (eth_requestAccounts)",
            ));
        };
        if READS.contains(&method) {
            return self
                .ctx
                .chain()
                .rpc()
                .call::<Value>(method, params.clone())
                .await
                .map_err(chain_fail);
        }
        let owned = |address: &str| -> Result<String, RpcFail> {
            let address = parse_address(address)
                .map(|a| format_address(&a))
                .map_err(|e| fail(INVALID_PARAMS, e.to_string()))?;
            if grant.accounts.contains(&address) {
                Ok(address)
            } else {
                Err(fail(
                    UNAUTHORIZED,
                    format!("{address} is not an account this caller was shown"),
                ))
            }
        };
        match method {
            "personal_sign" => {
                let (data, address) = (str_param(params, 0)?, str_param(params, 1)?);
                let account = owned(address)?;
                let text = readable(data);
                self.ask(
                    caller,
                    "personal_sign",
                    Some(&account),
                    json!({"message": text, "raw": data}),
                )
                .await?;
                let bytes = match data.strip_prefix("0x").map(hex::decode) {
                    Some(Ok(b)) => b,
                    Some(Err(_)) => return Err(fail(INVALID_PARAMS, "the message is not hex")),
                    None => data.as_bytes().to_vec(),
                };
                let hash = alloy::primitives::eip191_hash_message(&bytes);
                if let Some(signature) = self.as_account(&account, hash).await? {
                    return Ok(json!(signature));
                }
                let signed = Messages { ctx: self.ctx }
                    .sign_request("personal_sign", &account, data)
                    .await
                    .map_err(internal)?;
                Ok(json!(signed.signature))
            }
            // Pure arithmetic on what the caller sent: who signed this message.
            "personal_ecRecover" => {
                let (data, signature) = (str_param(params, 0)?, str_param(params, 1)?);
                let message = match data.strip_prefix("0x").map(hex::decode) {
                    Some(Ok(bytes)) => bytes,
                    Some(Err(_)) => return Err(fail(INVALID_PARAMS, "the message is not hex")),
                    None => data.as_bytes().to_vec(),
                };
                let signature: alloy::primitives::Signature = signature
                    .parse()
                    .map_err(|_| fail(INVALID_PARAMS, "not a 65-byte signature"))?;
                let signer = signature
                    .recover_address_from_msg(&message)
                    .map_err(|_| fail(INVALID_PARAMS, "no signer recovers from this signature"))?;
                Ok(json!(format_address(&signer).to_lowercase()))
            }
            "eth_signTypedData_v4" => {
                let (address, typed) = (str_param(params, 0)?, params.get(1));
                let typed = match typed {
                    Some(Value::String(s)) => s.clone(),
                    Some(v @ Value::Object(_)) => v.to_string(),
                    _ => return Err(fail(INVALID_PARAMS, "the typed data is missing")),
                };
                let account = owned(address)?;
                // Refused before the user sees it when it is for another chain or malformed.
                let (_, review) = Messages { ctx: self.ctx }
                    .review_typed_data(&typed)
                    .map_err(|e| fail(INVALID_PARAMS, e.to_string()))?;
                self.ask(
                    caller,
                    "eth_signTypedData_v4",
                    Some(&account),
                    json!({"typed_data": serde_json::from_str::<Value>(&typed).unwrap_or(Value::Null), "review": review}),
                )
                .await?;
                let (parsed, _) = Messages { ctx: self.ctx }
                    .review_typed_data(&typed)
                    .map_err(|e| fail(INVALID_PARAMS, e.to_string()))?;
                let hash = parsed
                    .eip712_signing_hash()
                    .map_err(|e| fail(INVALID_PARAMS, e.to_string()))?;
                if let Some(signature) = self.as_account(&account, hash).await? {
                    return Ok(json!(signature));
                }
                let signed = Messages { ctx: self.ctx }
                    .sign_request("eth_signTypedData_v4", &account, &typed)
                    .await
                    .map_err(internal)?;
                Ok(json!(signed.signature))
            }
            "eth_sendTransaction" => {
                let tx = object_param(params, "the transaction is missing")?;
                // Built for another chain than the app's (a switch in another tab meanwhile):
                // refused, never signed for the chain it was not meant for.
                if let Some(asked) = tx.get("chainId") {
                    if hex_chain(asked) != Some(current) {
                        return Err(fail(
                            INVALID_PARAMS,
                            format!("the transaction names chain {asked}, but this app is on chain {current}"),
                        ));
                    }
                }
                let from = owned(tx.get("from").and_then(Value::as_str).unwrap_or_default())?;
                self.send_transaction(caller, &from, tx).await
            }
            "wallet_switchEthereumChain" => {
                let wanted = params
                    .get(0)
                    .and_then(|p| p.get("chainId"))
                    .and_then(hex_chain)
                    .ok_or_else(|| fail(INVALID_PARAMS, "chainId must be a hex number"))?;
                if wanted == current {
                    return Ok(Value::Null);
                }
                let network = crate::networks::Networks { ctx: self.ctx }
                    .known(wanted)
                    .await
                    .map_err(|_| {
                        fail(
                            UNKNOWN_CHAIN,
                            format!("chain {wanted} is not a network of this wallet"),
                        )
                    })?;
                // The app's own network: the wallet's and other apps' stay as they are. Still
                // the user's call — what the app asks next is signed for that chain.
                self.ask(
                    caller,
                    "wallet_switchEthereumChain",
                    None,
                    json!({"chainId": wanted, "name": network.name}),
                )
                .await?;
                self.with_session_quiet(|s| Ok(s.ledger.set_bridge_chain(&key, wanted)?))
                    .await?;
                Ok(Value::Null)
            }
            "wallet_getCapabilities" => self.capabilities(&grant.accounts, params).await,
            "wallet_sendCalls" => {
                let spec = object_param(params, "the calls are missing")?;
                let from = owned(spec.get("from").and_then(Value::as_str).unwrap_or_default())?;
                self.send_calls(caller, &from, spec).await
            }
            "wallet_getCallsStatus" => {
                let id = str_param(params, 0)?;
                self.calls_status(&grant.accounts, id).await
            }
            "wallet_showCallsStatus" => {
                str_param(params, 0)?;
                // The window's activity list shows it; nothing to open from here.
                Ok(Value::Null)
            }
            "wallet_addEthereumChain" => self.add_chain(caller, params).await,
            _ => Err(fail(
                NOT_FOUND,
                format!("{method} is not a method Cairn's bridge answers"),
            )),
        }
    }

    /// The caller's accounts: its grant's, or the user's choice after asking.
    async fn connect(
        &self,
        caller: &Caller,
        grant: Option<crate::store::bridge::GrantRow>,
    ) -> Result<Vec<String>, RpcFail> {
        if let Some(g) = grant {
            return Ok(g.accounts);
        }
        let decision = self.ask(caller, "connect", None, Value::Null).await?;
        let all: Vec<String> = self
            .with_session(|s| {
                Ok(s.ledger
                    .accounts(false)?
                    .into_iter()
                    .map(|a| a.address)
                    .collect())
            })
            .await?;
        let accounts: Vec<String> = if decision.accounts.is_empty() {
            all
        } else {
            decision
                .accounts
                .iter()
                .filter_map(|a| parse_address(a).ok().map(|a| format_address(&a)))
                .filter(|a| all.contains(a))
                .collect()
        };
        if accounts.is_empty() {
            return Err(fail(REJECTED, "no account was shared"));
        }
        let chain = self.ctx.network().chain_id;
        let key = caller.key();
        self.with_session(|s| Ok(s.ledger.set_bridge_grant(&key, &accounts, chain)?))
            .await?;
        Ok(accounts)
    }

    /// Puts a request before the user and waits for the answer: approved (with the answer's
    /// extras), or 4001.
    async fn ask(
        &self,
        caller: &Caller,
        method: &str,
        account: Option<&str>,
        payload: Value,
    ) -> Result<BridgeDecision, RpcFail> {
        let (domain, mut warnings) = match caller {
            Caller::Site { origin } => domain_and_warnings(origin),
            Caller::Program { .. } => (None, Vec::new()),
        };
        // The app's own network may not be the one the window shows: said on the card, with
        // the currency its amounts are in.
        let network = self.ctx.network();
        let shown = self.ctx.active_chain().network().clone();
        if network.chain_id != shown.chain_id && method != "connect" {
            warnings.push(format!(
                "This app uses {} (chain {}), not {}, the network Cairn shows: amounts are in {}.",
                network.name, network.chain_id, shown.name, network.currency_symbol
            ));
        }
        let mut payload = payload;
        if let (Some(o), true) = (
            payload.as_object_mut(),
            matches!(method, "eth_sendTransaction" | "wallet_sendCalls"),
        ) {
            o.insert("symbol".into(), json!(network.currency_symbol));
        }
        let approval = BridgeApproval {
            id: 0,
            caller: caller.key(),
            label: caller.label(),
            domain,
            warnings,
            method: method.into(),
            account: account.map(str::to_string),
            chain_id: self.ctx.network().chain_id,
            payload,
            created_at: now(),
        };
        let chain_id = approval.chain_id;
        let (id, rx) = self.shared.approvals.ask(approval).map_err(|f| match f {
            Full::Caller => fail(
                LIMIT,
                "this caller already has requests waiting for the user",
            ),
            Full::All => fail(LIMIT, "too many requests wait for the user"),
        })?;
        self.told();
        // Answered, timed out, or the caller hung up (its connection's future is dropped here):
        // the card goes either way, and the window hears of it at once.
        let card = Withdraw { bridge: self, id };
        let decision = tokio::time::timeout(TIMEOUT, rx).await;
        drop(card);
        match decision {
            Ok(Ok(d)) if d.approve => {
                // The answer came later: the caller must still be allowed (a revoke meanwhile
                // voids it) and still on the chain the card showed.
                if method != "connect" {
                    let key = caller.key();
                    let still = self
                        .with_session_quiet(|s| Ok(s.ledger.bridge_grant(&key)?))
                        .await?;
                    match still {
                        None => {
                            return Err(fail(
                                UNAUTHORIZED,
                                "the app's access was revoked meanwhile",
                            ))
                        }
                        Some(g) if g.chain_id != chain_id => {
                            return Err(fail(REJECTED, "the app changed networks meanwhile"))
                        }
                        Some(_) => {}
                    }
                }
                Ok(d)
            }
            Ok(Ok(_)) => Err(fail(REJECTED, "the user rejected the request")),
            Ok(Err(_)) => Err(fail(REJECTED, "the request was withdrawn")),
            Err(_) => Err(fail(REJECTED, "nobody answered the request in time")),
        }
    }

    /// `wallet_addEthereumChain` (EIP-3085): a chain the wallet knows is never changed from a
    /// page (its endpoints stay the user's); a new one is shown to the user, and once approved
    /// added after every endpoint answers with that chain id. It does not switch to it.
    async fn add_chain(&self, caller: &Caller, params: &Value) -> Result<Value, RpcFail> {
        let spec = object_param(params, "the chain is missing")?;
        let chain_id = spec
            .get("chainId")
            .and_then(Value::as_str)
            .and_then(|c| c.strip_prefix("0x"))
            .and_then(|c| u64::from_str_radix(c, 16).ok())
            .ok_or_else(|| fail(INVALID_PARAMS, "chainId must be a hex number"))?;
        let known = crate::networks::Networks { ctx: self.ctx }
            .networks()
            .await
            .map_err(internal)?
            .iter()
            .any(|n| n.spec.chain_id == chain_id);
        if known {
            // Already there: nothing to add, and nothing a page may replace.
            return Ok(Value::Null);
        }
        let text = |key: &str| spec.get(key).and_then(Value::as_str).map(str::to_string);
        let list = |key: &str| -> Vec<String> {
            spec.get(key)
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default()
        };
        let rpc_urls: Vec<String> = list("rpcUrls")
            .into_iter()
            .filter(|u| u.starts_with("https://"))
            .take(4)
            .collect();
        if rpc_urls.is_empty() {
            return Err(fail(INVALID_PARAMS, "at least one https:// RPC URL"));
        }
        let name: String = text("chainName")
            .unwrap_or_else(|| format!("Chain {chain_id}"))
            .chars()
            .take(64)
            .collect();
        let currency = spec.get("nativeCurrency");
        let symbol: String = currency
            .and_then(|c| c.get("symbol"))
            .and_then(Value::as_str)
            .unwrap_or("ETH")
            .chars()
            .take(8)
            .collect();
        let decimals = currency
            .and_then(|c| c.get("decimals"))
            .and_then(Value::as_u64)
            .unwrap_or(18);
        if decimals != 18 {
            return Err(fail(
                INVALID_PARAMS,
                "only a native currency of 18 decimals",
            ));
        }
        self.ask(
            caller,
            "wallet_addEthereumChain",
            None,
            json!({"chainId": chain_id, "name": name, "symbol": symbol, "rpcUrls": rpc_urls}),
        )
        .await?;
        let spec = cairn_api::NetworkSpec {
            chain_id,
            name,
            currency_symbol: symbol,
            currency_decimals: 18,
            rpc_urls,
            bundler_url: None,
            paymaster_url: None,
            explorer_api_url: None,
            confirmations: 12,
            fee_ceiling_gwei: None,
            ws_url: None,
            log_span_blocks: None,
        };
        crate::networks::Networks { ctx: self.ctx }
            .add_network(&spec)
            .await
            .map_err(|e| fail(INVALID_PARAMS, redact(&e.to_string())))?;
        Ok(Value::Null)
    }

    /// A smart account's signature of `hash` that verifiers can check against the account: a
    /// Safe's owner signs the Safe's `SafeMessage` of it (ERC-1271 through its fallback
    /// handler), wrapped per ERC-6492 with the deployment while the Safe has no code yet.
    /// `None` for a key's account (signed as a key); refused for a SimpleAccount, which has no
    /// ERC-1271.
    async fn as_account(
        &self,
        account: &str,
        hash: alloy::primitives::B256,
    ) -> Result<Option<String>, RpcFail> {
        let address = account.to_string();
        let row = self
            .with_session_quiet(|s| Ok(s.ledger.account(&address)?))
            .await?;
        let Some(smart) = row.smart else {
            return Ok(None);
        };
        if smart.kind != crate::primitives::aa::SmartKind::Safe {
            return Err(fail(
                UNSUPPORTED,
                "a SimpleAccount cannot sign messages others can check (it has no ERC-1271): sign with a Safe or with its owner's key",
            ));
        }
        let chain_id = self.ctx.network().chain_id;
        let safe = parse_address(account).map_err(|e| fail(INVALID_PARAMS, e.to_string()))?;
        let message =
            crate::primitives::aa::guardians::safe_message_hash(chain_id, safe, hash.as_slice());
        let Some(owner_id) = smart.owner_key() else {
            return self.as_passkey_safe(&row, safe, message).await.map(Some);
        };
        let (signature, owner) = self
            .with_session(|s| {
                let owner = s.ledger.account_by_id(owner_id)?;
                let signer = crate::accounts::signer_for(&s.keys, &s.ledger, &row)
                    .map_err(|e| BridgeError::Sign(e.to_string()))?;
                let sig = alloy::signers::SignerSync::sign_hash_sync(&signer, &message)
                    .map_err(|e| BridgeError::Sign(e.to_string()))?;
                Ok((sig.as_bytes().to_vec(), owner.address))
            })
            .await?;
        let deployed = self.ctx.chain().has_code(safe).await.unwrap_or(false);
        if deployed {
            return Ok(Some(format!("0x{}", hex::encode(signature))));
        }
        let owner = parse_address(&owner).map_err(|e| fail(INTERNAL, e.to_string()))?;
        let code = crate::primitives::aa::AccountCode::new(smart.kind, smart.version, chain_id);
        let wrapped = alloy::sol_types::SolValue::abi_encode_params(&(
            code.factory(),
            code.factory_data(owner),
            alloy::primitives::Bytes::from(signature),
        ));
        Ok(Some(format!("0x{}{}", hex::encode(wrapped), ERC6492_MAGIC)))
    }

    /// A passkey's Safe's signature of its `SafeMessage` hash: the passkey's assertion over it,
    /// as the contract signature of the shared signer its setup configured (the Safe's
    /// ERC-1271 asks that signer, which checks it against the key in the Safe's storage);
    /// wrapped per ERC-6492 with the passkey Safe's deployment while it has no code.
    async fn as_passkey_safe(
        &self,
        row: &crate::store::ledger::AccountRow,
        safe: alloy::primitives::Address,
        message: alloy::primitives::B256,
    ) -> Result<String, RpcFail> {
        use crate::primitives::aa::{guardians, safe as safe_kind};
        let id = row
            .smart
            .and_then(|m| m.passkey())
            .ok_or_else(|| fail(INTERNAL, "not a passkey's Safe"))?;
        let passkeys = crate::passkeys::Passkeys {
            ctx: self.ctx,
            authenticator: self.shared.authenticator(),
        };
        let signer = passkeys
            .shared_signer(id)
            .await
            .map_err(|e| fail(UNSUPPORTED, e.to_string()))?;
        // No authenticator here: the app is told the method cannot be served; one that
        // refused or timed out: as the user declining.
        let webauthn = passkeys.sign(&signer, message).await.map_err(|e| match e {
            crate::passkeys::PasskeyError::NoAuthenticator => fail(UNSUPPORTED, e.to_string()),
            e => fail(REJECTED, e.to_string()),
        })?;
        let signature = guardians::signature_blob(&[(
            signer.address,
            guardians::GuardianSig::Contract(webauthn),
        )]);
        if self.ctx.chain().has_code(safe).await.unwrap_or(false) {
            return Ok(format!("0x{}", hex::encode(signature)));
        }
        let chain_id = self.ctx.network().chain_id;
        let d = safe_kind::SafeDeployment::for_chain(chain_id);
        let p = safe_kind::PasskeyDeployment::for_chain(chain_id)
            .ok_or_else(|| fail(UNSUPPORTED, "no passkey contracts on this network"))?;
        let wrapped = alloy::sol_types::SolValue::abi_encode_params(&(
            d.proxy_factory,
            alloy::primitives::Bytes::from(safe_kind::passkey_create_proxy_call(
                &d,
                &p,
                &signer.key,
            )),
            alloy::primitives::Bytes::from(signature),
        ));
        Ok(format!("0x{}{}", hex::encode(wrapped), ERC6492_MAGIC))
    }

    /// What the calls would do, for the card the user approves from: the simulation and the
    /// risk checks of each (the send path runs them again, and blocks, after the yes).
    async fn review(
        &self,
        from: &str,
        calls: &[(alloy::primitives::Address, U256, Vec<u8>)],
    ) -> Value {
        let Ok(from) = parse_address(from) else {
            return Value::Null;
        };
        let mut merged: Option<cairn_api::RiskReport> = None;
        for (to, value, data) in calls {
            let call = crate::guard::risk::Call {
                from,
                to: *to,
                value: *value,
                data: data.clone(),
            };
            let report = match (crate::guard::risk::Risk { ctx: self.ctx })
                .assess(&call, Some(*to), None)
                .await
            {
                Ok(r) => r,
                // No node to simulate against: the card says nothing it does not know.
                Err(_) => return Value::Null,
            };
            merged = Some(match merged {
                None => report,
                Some(mut m) => {
                    m.score = m.score.max(report.score);
                    m.warnings.extend(report.warnings);
                    m
                }
            });
        }
        serde_json::to_value(merged).unwrap_or(Value::Null)
    }

    /// What a call does, for the card: its function and arguments where this wallet decodes it
    /// (amounts in the token's units when the wallet knows the token on this chain), else only
    /// its selector, which the card says it cannot read. `Null` for a plain payment.
    async fn decoded(&self, to: alloy::primitives::Address, data: &[u8]) -> Value {
        use crate::primitives::calldata::{self, Arg};
        if data.is_empty() {
            return Value::Null;
        }
        let selector = calldata::selector(data);
        let Some(call) = calldata::decode(data) else {
            return json!({"selector": selector});
        };
        let chain_id = self.ctx.network().chain_id;
        let contract = format_address(&to);
        let token = self
            .with_session_quiet(|s| Ok(s.ledger.asset(chain_id, Some(&contract)).ok()))
            .await
            .ok()
            .flatten();
        let args: Vec<Value> = call
            .args
            .iter()
            .map(|(name, arg)| match arg {
                Arg::Address(a) => json!({"name": name, "value": format_address(a)}),
                Arg::Bool(b) => json!({"name": name, "value": b.to_string()}),
                Arg::Id(id) => json!({"name": name, "value": id.to_string()}),
                Arg::Amount(v) if crate::guard::risk::is_unlimited(*v) => {
                    json!({"name": name, "value": v.to_string(), "unlimited": true,
                           "symbol": token.as_ref().map(|t| t.symbol.clone())})
                }
                Arg::Amount(v) => match token
                    .as_ref()
                    .and_then(|t| format_units(*v, t.decimals).ok().map(|f| (f, t)))
                {
                    Some((amount, t)) => {
                        json!({"name": name, "value": amount, "symbol": t.symbol})
                    }
                    // A token the wallet does not know: its base units, said as such.
                    None => json!({"name": name, "value": v.to_string(), "base_units": true}),
                },
            })
            .collect();
        json!({"function": call.function, "args": args, "selector": selector})
    }

    /// Tells the front end what waits now.
    pub(crate) fn told(&self) {
        self.ctx
            .emit(WalletEvent::BridgeApprovals(self.shared.approvals.list()));
    }

    /// `eth_sendTransaction`: a payment of the native currency through the window's own send
    /// path (simulation, risk, policy, two-factor); the caller gets the transaction's hash — a
    /// smart account's once its bundle is mined.
    async fn send_transaction(
        &self,
        caller: &Caller,
        from: &str,
        tx: &serde_json::Map<String, Value>,
    ) -> Result<Value, RpcFail> {
        let to = tx.get("to").and_then(Value::as_str).ok_or_else(|| {
            fail(
                INVALID_PARAMS,
                "a transaction without `to` (a contract creation) is not supported",
            )
        })?;
        let to = parse_address(to)
            .map(|a| format_address(&a))
            .map_err(|e| fail(INVALID_PARAMS, e.to_string()))?;
        let data = tx
            .get("data")
            .or_else(|| tx.get("input"))
            .and_then(Value::as_str)
            .unwrap_or("0x");
        let bytes = hex::decode(data.trim_start_matches("0x"))
            .map_err(|_| fail(INVALID_PARAMS, "data must be hex"))?;
        let value = quantity(tx.get("value"))?;
        let amount = format_units(value, 18).map_err(|e| fail(INVALID_PARAMS, e.to_string()))?;
        let to_address = parse_address(&to).map_err(|e| fail(INVALID_PARAMS, e.to_string()))?;
        let risk = self
            .review(from, &[(to_address, value, bytes.clone())])
            .await;
        let decision = self
            .ask(
                caller,
                "eth_sendTransaction",
                Some(from),
                json!({"to": to, "value": amount, "data": data, "risk": risk,
                       "call": self.decoded(to_address, &bytes).await}),
            )
            .await?;
        // Calls, and a transfer of nothing (dapps send those to test), go as calls: a payment
        // must move something.
        if !bytes.is_empty() || value.is_zero() {
            let call = crate::primitives::aa::Call {
                to: parse_address(&to).map_err(|e| fail(INVALID_PARAMS, e.to_string()))?,
                value,
                data: bytes.clone().into(),
            };
            let op = self
                .submit(from, vec![call], bytes, &to, &amount, decision.mfa_code)
                .await?;
            return self.transaction_hash(op).await;
        }
        let req = SendRequest {
            from: from.to_string(),
            to,
            token: None,
            amount,
            speed: SendSpeed::Normal,
            mfa_code: decision.mfa_code,
            override_risk: false,
        };
        let op = self.pay(from, &req).await?;
        self.transaction_hash(op).await
    }

    /// Calls with data from `from`: one transaction from a key, one user operation (atomic)
    /// from a smart account, sponsored where the network has a paymaster.
    async fn submit(
        &self,
        from: &str,
        calls: Vec<crate::primitives::aa::Call>,
        data: Vec<u8>,
        to: &str,
        amount: &str,
        mfa_code: Option<String>,
    ) -> Result<cairn_api::Operation, RpcFail> {
        let smart = Accounts { ctx: self.ctx }
            .is_smart(from)
            .await
            .map_err(internal)?;
        if smart {
            let req = cairn_api::UserOpRequest {
                from: from.to_string(),
                calls: Vec::new(),
                sponsored: self.ctx.network().paymaster_url.is_some(),
                speed: SendSpeed::Normal,
                mfa_code,
                override_risk: false,
                signer: None,
            };
            // What the calls move (tokens, approvals) the limits cannot value: with the second
            // factor on, they always need the code.
            let raw = crate::smart::RawCalls {
                calls,
                kind: "contract_call",
                needs_code: Some("contract calls a dapp asked for"),
            };
            return SmartAccounts::new(self.ctx)
                .with_authenticator(self.shared.authenticator())
                .send_raw_calls(&req, &raw)
                .await
                .map_err(internal);
        }
        if calls.len() != 1 {
            return Err(fail(
                ATOMIC_UNSUPPORTED,
                "several calls at once need a smart account (they run atomically there)",
            ));
        }
        let req = SendRequest {
            from: from.to_string(),
            to: to.to_string(),
            token: None,
            amount: amount.to_string(),
            speed: SendSpeed::Normal,
            mfa_code,
            override_risk: false,
        };
        Payments { ctx: self.ctx }
            .send_call(&req, data)
            .await
            .map_err(internal)
    }

    /// The chain transaction that carries `op`: a key's at once, a user operation's once a
    /// bundler put it on chain.
    async fn transaction_hash(&self, op: cairn_api::Operation) -> Result<Value, RpcFail> {
        if !op.user_operation {
            if let Some(hash) = op.hash {
                return Ok(json!(hash));
            }
        }
        let mut events = self.ctx.subscribe();
        self.ctx.wake_sync();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
        // Read from the ledger on every event and every second: an event missed (or sent
        // before this listened) does not leave the caller waiting.
        loop {
            let o = Payments { ctx: self.ctx }
                .operation(op.id)
                .await
                .map_err(internal)?;
            if let Some(tx) = o.bundle_tx.clone() {
                return Ok(json!(tx));
            }
            if o.state == "failed" || o.state == "dropped" {
                return Err(internal(
                    o.error.unwrap_or_else(|| "the operation failed".into()),
                ));
            }
            if tokio::time::Instant::now() >= deadline {
                // Queued is not failed: the caller must not send it again.
                return Err(fail(
                    LIMIT,
                    "queued, not yet on chain: see it in Cairn's activity before asking again",
                ));
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), events.recv()).await;
        }
    }
}

/// Takes an approval card away when its request ends, however it ends.
struct Withdraw<'b, 'a> {
    bridge: &'b Bridge<'a>,
    id: u64,
}

impl Drop for Withdraw<'_, '_> {
    fn drop(&mut self) {
        self.bridge.shared.approvals.withdraw(self.id);
        self.bridge.told();
    }
}

/// A chain id as EIP-1193 callers send it: a hex quantity string (`None` when it is not one).
fn hex_chain(v: &Value) -> Option<u64> {
    v.as_str()
        .and_then(|c| c.strip_prefix("0x"))
        .and_then(|c| u64::from_str_radix(c, 16).ok())
}

/// A hex quantity (absent: zero).
fn quantity(v: Option<&Value>) -> Result<U256, RpcFail> {
    match v {
        None | Some(Value::Null) => Ok(U256::ZERO),
        Some(Value::String(v)) if v.starts_with("0x") => U256::from_str_radix(&v[2..], 16)
            .map_err(|_| fail(INVALID_PARAMS, "a value must be a hex quantity")),
        // Never read as zero: a value the wallet cannot read is refused.
        Some(_) => Err(fail(INVALID_PARAMS, "a value must be a hex quantity (0x…)")),
    }
}

/// An EIP-5792 batch id for an operation of this wallet, and back.
fn batch_id(op: i64) -> String {
    format!("0x{op:064x}")
}

fn op_of(id: &str) -> Option<i64> {
    let hex = id.strip_prefix("0x")?;
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    match hex.trim_start_matches('0') {
        "" => Some(0),
        digits => i64::from_str_radix(digits, 16).ok(),
    }
}

/// The first parameter, which must be an object (`missing` says so when it is not).
fn object_param<'a>(
    params: &'a Value,
    missing: &str,
) -> Result<&'a serde_json::Map<String, Value>, RpcFail> {
    params
        .get(0)
        .and_then(Value::as_object)
        .ok_or_else(|| fail(INVALID_PARAMS, missing))
}

fn str_param(params: &Value, i: usize) -> Result<&str, RpcFail> {
    params
        .get(i)
        .and_then(Value::as_str)
        .ok_or_else(|| fail(INVALID_PARAMS, format!("parameter {i} must be a string")))
}

/// A `personal_sign` payload as the user should read it: its UTF-8 text where it is text.
fn readable(data: &str) -> String {
    match data.strip_prefix("0x").and_then(|h| hex::decode(h).ok()) {
        Some(bytes) => match String::from_utf8(bytes) {
            Ok(text) if !text.chars().any(|c| c.is_control() && c != '\n') => text,
            _ => data.to_string(),
        },
        None => data.to_string(),
    }
}

/// The EIP-2255 permission a grant amounts to.
fn permission(caller: &Caller, accounts: &[String]) -> Value {
    json!({
        "parentCapability": "eth_accounts",
        "invoker": caller.key(),
        "caveats": [{"type": "restrictReturnedAccounts", "value": lower(accounts)}],
    })
}

/// Addresses as dapps get them: lower case, as MetaMask gives them (pages compare with `===`).
pub(super) fn lower(accounts: &[String]) -> Vec<String> {
    accounts.iter().map(|a| a.to_lowercase()).collect()
}

impl Bridge<'_> {
    /// EIP-5792 capabilities of the caller's account on the wallet's chain: a smart account
    /// runs a batch atomically (one user operation); a key sends one call at a time.
    async fn capabilities(&self, granted: &[String], params: &Value) -> Result<Value, RpcFail> {
        let address = parse_address(str_param(params, 0)?)
            .map(|a| format_address(&a))
            .map_err(|e| fail(INVALID_PARAMS, e.to_string()))?;
        if !granted.contains(&address) {
            return Err(fail(
                UNAUTHORIZED,
                format!("{address} is not an account this caller was shown"),
            ));
        }
        let smart = Accounts { ctx: self.ctx }
            .is_smart(&address)
            .await
            .map_err(internal)?;
        let chain = format!("0x{:x}", self.ctx.network().chain_id);
        let status = if smart { "supported" } else { "unsupported" };
        Ok(json!({ chain: {"atomic": {"status": status}} }))
    }

    /// `wallet_sendCalls` (EIP-5792 v2): the batch is one approval and, from a smart account,
    /// one user operation; its id names that operation.
    async fn send_calls(
        &self,
        caller: &Caller,
        from: &str,
        spec: &serde_json::Map<String, Value>,
    ) -> Result<Value, RpcFail> {
        let chain = self.ctx.network().chain_id;
        let asked = spec.get("chainId").map(hex_chain);
        if asked.is_some_and(|c| c != Some(chain)) {
            return Err(fail(
                UNSUPPORTED_CHAIN,
                format!("Cairn is on chain {chain}"),
            ));
        }
        let list = spec
            .get("calls")
            .and_then(Value::as_array)
            .filter(|l| !l.is_empty() && l.len() <= 32)
            .ok_or_else(|| fail(INVALID_PARAMS, "1 to 32 calls"))?;
        let mut calls = Vec::with_capacity(list.len());
        let mut shown = Vec::with_capacity(list.len());
        for c in list {
            let to = c
                .get("to")
                .and_then(Value::as_str)
                .ok_or_else(|| fail(INVALID_PARAMS, "each call needs `to`"))
                .and_then(|t| parse_address(t).map_err(|e| fail(INVALID_PARAMS, e.to_string())))?;
            let value = quantity(c.get("value"))?;
            let data = c.get("data").and_then(Value::as_str).unwrap_or("0x");
            let bytes = hex::decode(data.trim_start_matches("0x"))
                .map_err(|_| fail(INVALID_PARAMS, "data must be hex"))?;
            let amount =
                format_units(value, 18).map_err(|e| fail(INVALID_PARAMS, e.to_string()))?;
            shown.push(
                json!({"to": format_address(&to), "value": amount, "data": data,
                              "call": self.decoded(to, &bytes).await}),
            );
            calls.push(crate::primitives::aa::Call {
                to,
                value,
                data: bytes.into(),
            });
        }
        // Said before the user is asked: a key cannot run several calls as one.
        let smart = Accounts { ctx: self.ctx }
            .is_smart(from)
            .await
            .map_err(internal)?;
        if !smart && calls.len() > 1 {
            return Err(fail(
                ATOMIC_UNSUPPORTED,
                "several calls at once need a smart account (they run atomically there)",
            ));
        }
        let reviewed: Vec<_> = calls
            .iter()
            .map(|c| (c.to, c.value, c.data.to_vec()))
            .collect();
        let risk = self.review(from, &reviewed).await;
        let decision = self
            .ask(
                caller,
                "wallet_sendCalls",
                Some(from),
                json!({"calls": shown, "risk": risk}),
            )
            .await?;
        let Some((to, value, data)) = calls
            .first()
            .map(|c| (format_address(&c.to), c.value, c.data.to_vec()))
        else {
            return Err(fail(INVALID_PARAMS, "no calls"));
        };
        let amount = format_units(value, 18).map_err(|e| fail(INVALID_PARAMS, e.to_string()))?;
        let op = if calls.len() == 1 && data.is_empty() {
            // One plain payment: the payment path (a key's or a smart account's).
            let req = SendRequest {
                from: from.to_string(),
                to,
                token: None,
                amount,
                speed: SendSpeed::Normal,
                mfa_code: decision.mfa_code,
                override_risk: false,
            };
            self.pay(from, &req).await?
        } else {
            self.submit(from, calls, data, &to, &amount, decision.mfa_code)
                .await?
        };
        Ok(json!({"id": batch_id(op.id)}))
    }

    /// A payment of the native currency: a key's transaction, or a smart account's user
    /// operation — sponsored, as every user operation an app asks for, where the network has a
    /// paymaster.
    async fn pay(&self, from: &str, req: &SendRequest) -> Result<cairn_api::Operation, RpcFail> {
        let smart = Accounts { ctx: self.ctx }
            .is_smart(from)
            .await
            .map_err(internal)?;
        if smart {
            let mut op = crate::smart::payment_as_user_op(from.to_string(), req);
            op.sponsored = self.ctx.network().paymaster_url.is_some();
            return SmartAccounts::new(self.ctx)
                .with_authenticator(self.shared.authenticator())
                .send_user_op(&op)
                .await
                .map_err(internal);
        }
        Payments { ctx: self.ctx }.send(req).await.map_err(internal)
    }

    /// `wallet_getCallsStatus`: where the batch's operation stands, with its receipt once on
    /// chain (only for batches of the caller's own accounts).
    async fn calls_status(&self, granted: &[String], id: &str) -> Result<Value, RpcFail> {
        let unknown = || fail(UNKNOWN_BUNDLE, "no batch with this id");
        let op_id = op_of(id).ok_or_else(unknown)?;
        let op = Payments { ctx: self.ctx }
            .operation(op_id)
            .await
            .map_err(|_| unknown())?;
        if !granted.contains(&op.from) {
            return Err(unknown());
        }
        let tx = if op.user_operation {
            op.bundle_tx.clone()
        } else {
            op.hash.clone()
        };
        let status = match op.state.as_str() {
            "included" | "confirmed" => 200,
            "failed" if tx.is_some() => 500,
            "failed" | "dropped" | "replaced" => 400,
            _ => 100,
        };
        let mut receipts = Vec::new();
        if let (Some(hash), true) = (tx, status >= 200) {
            let r = self
                .ctx
                .chain()
                .rpc()
                .call::<Value>("eth_getTransactionReceipt", json!([hash]))
                .await
                .map_err(chain_fail)?;
            if !r.is_null() {
                receipts.push(json!({
                    "logs": r["logs"],
                    "status": if status == 500 { json!("0x0") } else { r["status"].clone() },
                    "blockHash": r["blockHash"],
                    "blockNumber": r["blockNumber"],
                    "gasUsed": r["gasUsed"],
                    "transactionHash": r["transactionHash"],
                }));
            }
        }
        Ok(json!({
            "version": "2.0.0",
            "id": id,
            "chainId": format!("0x{:x}", self.ctx.network().chain_id),
            "status": status,
            "atomic": true,
            "receipts": receipts,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_hex_quantities_or_refused() {
        assert_eq!(quantity(None).unwrap(), U256::ZERO);
        assert_eq!(quantity(Some(&json!("0x10"))).unwrap(), U256::from(16));
        for bad in [json!(16), json!("16"), json!("0xzz"), json!({"v": 1})] {
            assert_eq!(
                quantity(Some(&bad)).unwrap_err().code,
                INVALID_PARAMS,
                "{bad}"
            );
        }
    }

    #[test]
    fn endpoints_never_reach_a_dapp() {
        let m = redact("the node at https://mainnet.example/v3/SECRETKEY answered HTTP 500");
        assert!(
            !m.contains("SECRETKEY") && m.contains("(an endpoint)"),
            "{m}"
        );
    }

    #[test]
    fn batch_ids_name_operations_and_nothing_else() {
        assert_eq!(op_of(&batch_id(42)), Some(42));
        assert_eq!(op_of(&batch_id(0)), Some(0));
        assert_eq!(op_of("0x2a"), None);
        assert_eq!(op_of("42"), None);
        assert_eq!(op_of(&format!("0x{}", "g".repeat(64))), None);
    }

    #[test]
    fn messages_are_shown_as_text_where_they_are_text() {
        assert_eq!(readable("0x68656c6c6f"), "hello");
        assert_eq!(readable("0x00ff"), "0x00ff");
        assert_eq!(readable("plain"), "plain");
    }

    #[test]
    fn dangerous_methods_are_refused_with_a_reason() {
        for m in [
            "eth_sign",
            "eth_signTypedData",
            "eth_signTypedData_v3",
            "eth_signTransaction",
            "eth_decrypt",
        ] {
            assert!(refused(m).is_some(), "{m}");
        }
        assert!(refused("personal_sign").is_none());
    }
}
