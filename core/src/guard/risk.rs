//! Guarded sending: every outgoing call is simulated against the network's node before it is
//! signed — `eth_simulateV1` with transfer tracing where the node has it (ETH and token movements
//! and approvals read from the simulated logs), else `eth_call` + `eth_estimateGas` with the
//! calldata decoded and the report saying what could not be traced — and checked by small rules,
//! each with a severity: first payment, address poisoning, unlimited approvals, tokens sent to
//! their own contract or to a contract, a large share of the balance, a denylisted address, a
//! simulation that reverts. A score combines them; the policy (`mfa`) decides what needs a code
//! and what is blocked unless overridden. No third party sees the transaction.

use alloy::primitives::{Address, Bytes, U256};
use cairn_api::{ApprovalChange, AssetChange, RiskReport, RiskWarning, SimulationReport};
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use crate::chain::client::Chain;
use crate::chain::rpc::ChainError;
use crate::ops;
use crate::primitives::erc20;
use crate::primitives::units::{
    format_address, format_units, parse_address, AddressError, AmountError,
};
use crate::session::{Ctx, SessionError};
use crate::store::ledger::{now, Ledger, LedgerError};

/// keccak256("Transfer(address,address,uint256)")
const TRANSFER_TOPIC: &str = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";
/// keccak256("Approval(address,address,uint256)")
const APPROVAL_TOPIC: &str = "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925";
/// keccak256("ApprovalForAll(address,address,bool)")
const APPROVAL_FOR_ALL_TOPIC: &str =
    "0x17307eab39ab6107e8899845ad3d59bd9653f200f220920489ca2b5937696c31";
/// The pseudo-token `eth_simulateV1` reports ETH movements under.
const ETH_PSEUDO: &str = "0xeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
/// `setApprovalForAll(address,bool)`
const SET_APPROVAL_FOR_ALL: [u8; 4] = [0xa2, 0x2c, 0xb4, 0x65];

/// Why a send was refused for its risk.
#[derive(Debug, thiserror::Error)]
pub enum RiskError {
    #[error("blocked: risk score {score} ({worst}); send it anyway only if you are sure, with the override")]
    Blocked { score: u32, worst: String },
    #[error("an account name is 1 to 64 characters")]
    InvalidName,
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error(transparent)]
    Amount(#[from] AmountError),
}

type Result<T, E = RiskError> = std::result::Result<T, E>;

/// How bad a warning is, and what it adds to the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    fn weight(self) -> u32 {
        match self {
            Severity::Low => 10,
            Severity::Medium => 30,
            Severity::High => 60,
            Severity::Critical => 100,
        }
    }
}

/// One call to assess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub from: Address,
    pub to: Address,
    pub value: U256,
    pub data: Vec<u8>,
}

/// A log the simulation produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimLog {
    pub address: Address,
    pub topics: Vec<String>,
    pub data: Vec<u8>,
}

/// What the node said the call would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Simulated {
    pub method: &'static str,
    pub success: bool,
    pub revert_reason: Option<String>,
    pub gas_used: Option<u64>,
    /// Empty when the node could not trace them (`eth_call` fallback).
    pub logs: Vec<SimLog>,
    pub traced: bool,
}

/// A log as nodes write it (simulateV1 and the call tracer alike).
fn sim_log(l: &Value) -> Option<SimLog> {
    Some(SimLog {
        address: l.get("address")?.as_str()?.parse().ok()?,
        topics: l
            .get("topics")?
            .as_array()?
            .iter()
            .filter_map(|t| t.as_str().map(str::to_lowercase))
            .collect(),
        data: hex::decode(l.get("data")?.as_str()?.trim_start_matches("0x")).ok()?,
    })
}

fn address_of_topic(t: &str) -> Option<Address> {
    let bytes = hex::decode(t.trim_start_matches("0x")).ok()?;
    (bytes.len() == 32).then(|| Address::from_slice(&bytes[12..]))
}

fn revert_text(data: Option<&str>, message: &str) -> String {
    data.and_then(|d| hex::decode(d.trim_start_matches("0x")).ok())
        .and_then(|b| erc20::decode_revert(&b))
        .unwrap_or_else(|| message.to_string())
}

impl Chain {
    /// Simulates `call` at the latest block.
    pub async fn simulate(&self, call: &Call) -> std::result::Result<Simulated, ChainError> {
        let tx = json!({
            "from": call.from, "to": call.to, "value": call.value,
            "data": Bytes::copy_from_slice(&call.data)
        });
        let params = json!([{
            "blockStateCalls": [{"calls": [tx.clone()]}],
            "traceTransfers": true,
            "validation": false
        }, "latest"]);
        let asked = match self.rpc().capability("eth_simulateV1") {
            // Known not to have it: straight to the fallbacks, one request fewer per review.
            Some(false) => Err(ChainError::Rpc {
                url: self.rpc().active_url().to_string(),
                code: -32601,
                message: "eth_simulateV1 not offered (asked before)".into(),
                data: None,
            }),
            _ => {
                let answer = self.rpc().call::<Value>("eth_simulateV1", params).await;
                match &answer {
                    Ok(_) => self.rpc().learn("eth_simulateV1", true),
                    // Only "no such method" says the node lacks it; another error may be about
                    // this one call.
                    Err(ChainError::Rpc { code, message, .. })
                        if *code == -32601 || message.to_lowercase().contains("method") =>
                    {
                        self.rpc().learn("eth_simulateV1", false)
                    }
                    Err(_) => {}
                }
                answer
            }
        };
        match asked {
            Ok(v) => {
                let result = v
                    .get(0)
                    .and_then(|b| b.get("calls"))
                    .and_then(|c| c.get(0))
                    .cloned()
                    .unwrap_or(Value::Null);
                let success = result.get("status").and_then(Value::as_str) == Some("0x1");
                let error = result.get("error");
                let logs = result
                    .get("logs")
                    .and_then(Value::as_array)
                    .map(|logs| logs.iter().filter_map(sim_log).collect())
                    .unwrap_or_default();
                Ok(Simulated {
                    method: "eth_simulateV1",
                    success,
                    revert_reason: (!success).then(|| {
                        revert_text(
                            error
                                .and_then(|e| e.get("data"))
                                .and_then(Value::as_str)
                                .or_else(|| result.get("returnData").and_then(Value::as_str)),
                            error
                                .and_then(|e| e.get("message"))
                                .and_then(Value::as_str)
                                .unwrap_or("reverted"),
                        )
                    }),
                    gas_used: result
                        .get("gasUsed")
                        .and_then(Value::as_str)
                        .and_then(|g| u64::from_str_radix(g.trim_start_matches("0x"), 16).ok()),
                    logs,
                    traced: true,
                })
            }
            // A node without eth_simulateV1: its call tracer, if it has one.
            Err(ChainError::Rpc { .. }) => match self.trace(&tx).await? {
                Some(traced) => Ok(traced),
                None => self.call_only(call, &tx).await,
            },
            Err(e) => Err(e),
        }
    }

    /// `debug_traceCall` with the call tracer and its logs: the same movements as
    /// `eth_simulateV1` reports (ETH in value-carrying call frames, tokens in Transfer logs).
    /// `None` when the node has no such tracer.
    async fn trace(&self, tx: &Value) -> std::result::Result<Option<Simulated>, ChainError> {
        let params =
            json!([tx, "latest", {"tracer": "callTracer", "tracerConfig": {"withLog": true}}]);
        let top = match self.rpc().call::<Value>("debug_traceCall", params).await {
            Ok(v) => v,
            Err(ChainError::Rpc { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        fn walk(frame: &Value, logs: &mut Vec<SimLog>) {
            if frame.get("error").is_some() {
                // A reverted frame moved nothing.
                return;
            }
            let kind = frame.get("type").and_then(Value::as_str).unwrap_or("CALL");
            let value = frame
                .get("value")
                .and_then(Value::as_str)
                .and_then(|v| v.parse::<U256>().ok())
                .unwrap_or_default();
            let addr = |k: &str| {
                frame
                    .get(k)
                    .and_then(Value::as_str)
                    .and_then(|a| a.parse::<Address>().ok())
            };
            if matches!(kind, "CALL" | "CREATE" | "CREATE2") && !value.is_zero() {
                if let (Some(from), Some(to)) = (addr("from"), addr("to")) {
                    let topic = |a: Address| format!("0x{:0>64}", hex::encode(a.as_slice()));
                    logs.push(SimLog {
                        address: ETH_PSEUDO.parse().unwrap_or_default(),
                        topics: vec![TRANSFER_TOPIC.into(), topic(from), topic(to)],
                        data: value.to_be_bytes::<32>().to_vec(),
                    });
                }
            }
            for l in frame
                .get("logs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                logs.extend(sim_log(l));
            }
            for child in frame
                .get("calls")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                walk(child, logs);
            }
        }
        let mut logs = Vec::new();
        walk(&top, &mut logs);
        let failed = top.get("error").and_then(Value::as_str);
        Ok(Some(Simulated {
            method: "debug_traceCall",
            success: failed.is_none(),
            revert_reason: failed.map(|e| {
                top.get("revertReason")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| revert_text(top.get("output").and_then(Value::as_str), e))
            }),
            gas_used: top
                .get("gasUsed")
                .and_then(Value::as_str)
                .and_then(|g| u64::from_str_radix(g.trim_start_matches("0x"), 16).ok()),
            logs,
            traced: true,
        }))
    }

    /// The last resort: `eth_call` says whether it reverts, `eth_estimateGas` what it costs; the
    /// movements are decoded from the calldata.
    async fn call_only(
        &self,
        call: &Call,
        tx: &Value,
    ) -> std::result::Result<Simulated, ChainError> {
        let outcome = self
            .rpc()
            .call::<Value>("eth_call", json!([tx, "latest"]))
            .await;
        let (success, revert_reason) = match outcome {
            Ok(_) => (true, None),
            Err(ChainError::Rpc { message, data, .. }) => {
                (false, Some(revert_text(data.as_deref(), &message)))
            }
            Err(e) => return Err(e),
        };
        let gas_used = match success {
            true => self
                .estimate_gas(call.from, call.to, call.value, &call.data)
                .await
                .ok(),
            false => None,
        };
        Ok(Simulated {
            method: "eth_call",
            success,
            revert_reason,
            gas_used,
            logs: Vec::new(),
            traced: false,
        })
    }

    /// How many blocks ago `contract` was created, where the node's Otterscan API can say
    /// (`ots_getContractCreator`); `None` when it cannot (or for genesis contracts).
    pub async fn contract_age(
        &self,
        contract: Address,
    ) -> std::result::Result<Option<u64>, ChainError> {
        let creator = match self
            .rpc()
            .call::<Value>("ots_getContractCreator", json!([contract]))
            .await
        {
            Ok(v) => v,
            Err(ChainError::Rpc { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(hash) = creator
            .get("hash")
            .and_then(Value::as_str)
            .and_then(|h| h.parse().ok())
        else {
            return Ok(None);
        };
        let Some(Some(receipt)) = self.receipts(&[hash]).await?.pop() else {
            return Ok(None);
        };
        let head = self.block_number().await?;
        Ok(Some(head.saturating_sub(receipt.block_number)))
    }
}

/// A movement of one of the user's assets: (token, `None` for the native currency; -1 out or
/// +1 in; amount).
pub type Movement = (Option<Address>, i128, U256);
/// An approval the user grants: (token, spender, amount, for every token of a collection).
pub type Grant = (Address, Address, U256, bool);

/// Movements and approvals of `me` in a simulation: from its logs, or (untraced) from the
/// calldata.
pub fn effects(call: &Call, sim: &Simulated) -> (Vec<Movement>, Vec<Grant>) {
    let me = call.from;
    let mut moves: Vec<Movement> = Vec::new();
    let mut approvals: Vec<Grant> = Vec::new();
    if sim.traced {
        for log in &sim.logs {
            let topic = log.topics.first().map(String::as_str);
            let token = (format!("{:#x}", log.address) != ETH_PSEUDO).then_some(log.address);
            match topic {
                Some(TRANSFER_TOPIC) if log.topics.len() == 3 => {
                    let from = log.topics.get(1).and_then(|t| address_of_topic(t));
                    let to = log.topics.get(2).and_then(|t| address_of_topic(t));
                    let amount = erc20::decode_uint(&log.data).unwrap_or_default();
                    if from == Some(me) && to != Some(me) {
                        moves.push((token, -1, amount));
                    } else if to == Some(me) && from != Some(me) {
                        moves.push((token, 1, amount));
                    }
                }
                Some(APPROVAL_TOPIC) if log.topics.len() == 3 => {
                    let owner = log.topics.get(1).and_then(|t| address_of_topic(t));
                    let spender = log.topics.get(2).and_then(|t| address_of_topic(t));
                    if let (Some(owner), Some(spender)) = (owner, spender) {
                        if owner == me {
                            let amount = erc20::decode_uint(&log.data).unwrap_or_default();
                            approvals.push((log.address, spender, amount, false));
                        }
                    }
                }
                Some(APPROVAL_FOR_ALL_TOPIC) => {
                    let owner = log.topics.get(1).and_then(|t| address_of_topic(t));
                    let operator = log.topics.get(2).and_then(|t| address_of_topic(t));
                    let approved = erc20::decode_uint(&log.data).unwrap_or_default();
                    if let (Some(owner), Some(operator)) = (owner, operator) {
                        if owner == me && !approved.is_zero() {
                            approvals.push((log.address, operator, U256::MAX, true));
                        }
                    }
                }
                _ => {}
            }
        }
    } else {
        if !call.value.is_zero() {
            moves.push((None, -1, call.value));
        }
        if let Some((_, amount)) = erc20::parse_transfer(&call.data) {
            moves.push((Some(call.to), -1, amount));
        }
        if let Some((spender, amount)) = parse_approve(&call.data) {
            approvals.push((call.to, spender, amount, false));
        }
        if call.data.len() == 68 && call.data[..4] == SET_APPROVAL_FOR_ALL {
            let operator = Address::from_slice(&call.data[16..36]);
            if call.data[67] != 0 {
                approvals.push((call.to, operator, U256::MAX, true));
            }
        }
    }
    (moves, approvals)
}

/// `approve(spender, amount)` arguments, if `data` is such a call.
pub fn parse_approve(data: &[u8]) -> Option<(Address, U256)> {
    if data.len() != 68 || data[..4] != erc20::APPROVE {
        return None;
    }
    Some((
        Address::from_slice(&data[16..36]),
        U256::from_be_slice(&data[36..68]),
    ))
}

/// An amount no one means literally: uint256 max or close to it, or Permit2's uint160 max.
pub fn is_unlimited(amount: U256) -> bool {
    amount >= (U256::from(1u8) << 160) - U256::from(1u8)
}

/// What the rules look at, gathered once.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The address that receives the payment (a transfer's recipient, else the call target).
    pub recipient: Option<Address>,
    /// Contacts and past recipients, with a name for contacts.
    pub known: Vec<(Address, Option<String>)>,
    pub paid_before: bool,
    pub recipient_is_contract: Option<bool>,
    /// The token the call moves (its contract), if any.
    pub token: Option<Address>,
    /// Share of the available balance the call sends, in percent (the largest asset's).
    pub share_percent: Option<u64>,
    pub denylisted: Vec<Address>,
    pub simulation_failed: Option<String>,
    pub unlimited_approvals: Vec<(Address, Address, bool)>,
    /// Value goes to a contract created this many blocks ago (when young enough to matter).
    pub fresh_contract: Option<u64>,
}

/// What a send's fee looks like next to what it moves and to what the wallet saw before.
#[derive(Debug, Clone)]
pub struct FeeFacts {
    /// The most the transaction can cost in fees: gas limit × max fee per gas.
    pub max_total: U256,
    /// The native value the transaction moves (zero for a token transfer).
    pub value: U256,
    /// The base fee the node reports now, and the one the wallet saw on its last look (within
    /// a day), if any.
    pub base_fee_now: U256,
    pub base_fee_before: Option<U256>,
    /// The most offered per gas: below the base fee, nothing is mined until the base fee falls.
    pub max_fee_per_gas: U256,
    pub symbol: String,
    pub decimals: u8,
}

/// How old the remembered fee may be to stand for "what this wallet saw before".
pub const FEE_MEMORY_SECS: i64 = 24 * 3600;

/// The fee this wallet saw lately on `chain_id`, if within [`FEE_MEMORY_SECS`].
pub fn recent_base_fee(ledger: &Ledger, chain_id: u64) -> Result<Option<U256>, LedgerError> {
    Ok(ledger
        .fee_quote(chain_id)?
        .filter(|q| now() - q.updated_at <= FEE_MEMORY_SECS)
        .map(|q| q.base_fee))
}

/// Stores a node's fee quote as the wallet's memory (for offline sends and as the baseline of
/// the next check) unless it is absurd (base fee above the network's ceiling) or a spike over the recent
/// memory: a lying node must not poison either, nor make its next lie look ordinary. `false`
/// when it was not stored.
pub fn remember_fee_quote(
    ledger: &mut Ledger,
    network: &crate::chain::network::Network,
    quote: &crate::store::operations::FeeQuote,
) -> Result<bool, LedgerError> {
    let chain_id = network.chain_id;
    let ceiling = network.fee_ceiling_wei();
    let spike = recent_base_fee(ledger, chain_id)?
        .filter(|b| !b.is_zero())
        .is_some_and(|b| quote.base_fee >= b.saturating_mul(U256::from(FEE_SPIKE_FACTOR)));
    if quote.base_fee > ceiling || spike {
        return Ok(false);
    }
    ledger.set_fee_quote(chain_id, quote)?;
    Ok(true)
}

/// A fee at least this share of the value sent (percent) is a high-severity finding.
pub const FEE_SHARE_HIGH_PERCENT: u64 = 20;
/// A base fee at least this many times the one seen before is a high-severity finding.
pub const FEE_SPIKE_FACTOR: u64 = 5;

/// The fee rules: a node sets the fee the wallet offers, so a fee that eats the payment or
/// leaps above what this wallet saw before is said out loud in the review.
pub fn fee_rules(f: &FeeFacts) -> Vec<RiskWarning> {
    let mut out = Vec::new();
    let fee = format_units(f.max_total, f.decimals).unwrap_or_else(|_| f.max_total.to_string());
    if !f.value.is_zero()
        && f.max_total.saturating_mul(U256::from(100))
            >= f.value.saturating_mul(U256::from(FEE_SHARE_HIGH_PERCENT))
    {
        let percent = f.max_total.saturating_mul(U256::from(100)) / f.value;
        let percent = if percent > U256::from(999) {
            "more than 999".to_string()
        } else {
            percent.to_string()
        };
        out.push(RiskWarning {
            rule: "fee_share".into(),
            severity: Severity::High.as_str().into(),
            message: format!(
                "the network fee can reach {fee} {}: {percent} % of what you send",
                f.symbol
            ),
        });
    }
    if f.max_fee_per_gas < f.base_fee_now {
        let gwei = |v: U256| format_units(v, 9).unwrap_or_else(|_| v.to_string());
        out.push(RiskWarning {
            rule: "fee_below_base".into(),
            severity: Severity::Medium.as_str().into(),
            message: format!(
                "the most this offers per gas, {} gwei, is below the network's base fee of {} gwei: it waits, unmined, until the base fee falls that low",
                gwei(f.max_fee_per_gas),
                gwei(f.base_fee_now)
            ),
        });
    }
    if let Some(before) = f.base_fee_before.filter(|b| !b.is_zero()) {
        if f.base_fee_now >= before.saturating_mul(U256::from(FEE_SPIKE_FACTOR)) {
            let gwei = |v: U256| format_units(v, 9).unwrap_or_else(|_| v.to_string());
            out.push(RiskWarning {
                rule: "fee_spike".into(),
                severity: Severity::High.as_str().into(),
                message: format!(
                    "the node reports a base fee of {} gwei, {}× the {} gwei this wallet saw last: the node may be lying, or the network is congested",
                    gwei(f.base_fee_now),
                    f.base_fee_now / before,
                    gwei(before)
                ),
            });
        }
    }
    out
}

/// About a day of blocks at 12 s: a contract younger than this that is paid gets a warning.
pub const FRESH_CONTRACT_BLOCKS: u64 = 7_200;

fn hex_of(a: &Address) -> String {
    hex::encode(a.as_slice())
}

/// The rules. Each looks at the facts and may add one warning.
pub fn rules(f: &Facts) -> Vec<RiskWarning> {
    let mut out = Vec::new();
    let mut warn = |rule: &str, severity: Severity, message: String| {
        out.push(RiskWarning {
            rule: rule.into(),
            severity: severity.as_str().into(),
            message,
        })
    };
    for a in &f.denylisted {
        warn(
            "denylisted",
            Severity::Critical,
            format!("{} is on your denylist", format_address(a)),
        );
    }
    if let Some(reason) = &f.simulation_failed {
        warn(
            "reverts",
            Severity::High,
            format!("the simulation says this would fail: {reason}"),
        );
    }
    for (token, spender, for_all) in &f.unlimited_approvals {
        let what = if *for_all {
            "every token of the collection".to_string()
        } else {
            "an unlimited amount".to_string()
        };
        warn(
            "unlimited_approval",
            Severity::High,
            format!(
                "this lets {} take {what} of {} from you, at any time",
                format_address(spender),
                format_address(token)
            ),
        );
    }
    if let Some(to) = f.recipient {
        let known = f.known.iter().any(|(a, _)| *a == to);
        if !known {
            // Address poisoning: same first and last characters as someone known.
            let h = hex_of(&to);
            if let Some((a, name)) = f.known.iter().find(|(a, _)| {
                let k = hex_of(a);
                k[..4] == h[..4] && k[36..] == h[36..]
            }) {
                warn(
                    "look_alike",
                    Severity::High,
                    format!(
                        "{} looks like {}{} but is a different address: a poisoning trick?",
                        format_address(&to),
                        name.as_deref()
                            .map(|n| format!("{n} ("))
                            .unwrap_or_default(),
                        format_address(a) + if name.is_some() { ")" } else { "" }
                    ),
                );
            } else if !f.paid_before {
                warn(
                    "first_payment",
                    Severity::Low,
                    format!("you have not paid {} before", format_address(&to)),
                );
            }
        }
        if let Some(token) = f.token {
            if token == to {
                warn(
                    "token_to_its_contract",
                    Severity::High,
                    "the tokens would go to the token's own contract, where they are lost".into(),
                );
            } else if f.recipient_is_contract == Some(true) {
                warn(
                    "token_to_contract",
                    Severity::Medium,
                    format!(
                        "{} is a contract: tokens sent there are stuck unless it expects them",
                        format_address(&to)
                    ),
                );
            }
        }
    }
    if let (Some(age), Some(to)) = (f.fresh_contract, f.recipient) {
        warn(
            "fresh_contract",
            Severity::Medium,
            format!(
                "{} is a contract created only {age} block(s) ago",
                format_address(&to)
            ),
        );
    }
    if let Some(p) = f.share_percent.filter(|p| *p >= 50) {
        let what = if p > 100 {
            "more than is available".to_string()
        } else {
            format!("{p} % of what is available")
        };
        warn(
            "large_share",
            Severity::Medium,
            format!("this sends {what}"),
        );
    }
    out
}

/// Combines warnings: their weights added, at most 100.
pub fn score(warnings: &[RiskWarning]) -> u32 {
    warnings
        .iter()
        .map(|w| match w.severity.as_str() {
            "low" => Severity::Low.weight(),
            "medium" => Severity::Medium.weight(),
            "high" => Severity::High.weight(),
            _ => Severity::Critical.weight(),
        })
        .sum::<u32>()
        .min(100)
}

impl Ledger {
    pub fn add_contact(&mut self, name: &str, address: &str) -> Result<(), LedgerError> {
        let detail = format!("contact {address}");
        self.audited(
            crate::store::audit::AuditEvent::SettingChanged,
            &detail,
            |tx| {
                // One contact per address: saving a known address renames it.
                let renamed = tx.execute(
                    "UPDATE contacts SET name = ?1 WHERE address = ?2 AND chain_id IS NULL",
                    params![name, address],
                )?;
                if renamed == 0 {
                    tx.execute(
                        "INSERT INTO contacts (name, address, chain_id, created_at)
                     VALUES (?1, ?2, NULL, ?3)",
                        params![name, address, now()],
                    )?;
                }
                Ok(())
            },
        )
    }

    /// Forgets a contact (its address on every network). Audited; false when there was none.
    pub fn remove_contact(&mut self, address: &str) -> Result<bool, LedgerError> {
        let detail = format!("contact {address} removed");
        self.audited(
            crate::store::audit::AuditEvent::SettingChanged,
            &detail,
            |tx| Ok(tx.execute("DELETE FROM contacts WHERE address = ?1", params![address])? > 0),
        )
    }

    pub fn contacts(&self) -> Result<Vec<(String, String)>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, address FROM contacts ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Everyone the wallet has sent to on a chain (operations and history).
    pub fn past_recipients(&self, chain_id: u64) -> Result<Vec<String>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT to_address FROM operations WHERE chain_id = ?1 AND to_address IS NOT NULL
                 AND state IN ('submitted', 'included', 'confirmed')
             UNION SELECT counterparty FROM entries WHERE chain_id = ?1 AND direction = 'out'
                 AND counterparty IS NOT NULL",
        )?;
        let rows = stmt.query_map(params![chain_id as i64], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Adds addresses to the denylist; returns how many were new.
    pub fn deny(&mut self, addresses: &[String], source: &str) -> Result<usize, LedgerError> {
        let detail = format!("denylist +{} from {source}", addresses.len());
        self.audited(crate::store::audit::AuditEvent::SettingChanged, &detail, |tx| {
            let mut added = 0;
            for a in addresses {
                added += tx.execute(
                    "INSERT OR IGNORE INTO denylist (address, source, added_at) VALUES (?1, ?2, ?3)",
                    params![a, source, now()],
                )?;
            }
            Ok(added)
        })
    }

    pub fn is_denied(&self, address: &str) -> Result<bool, LedgerError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM denylist WHERE address = ?1",
                params![address],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}

/// Every 0x-address in a text (a sanctions list export, CSV, one per line…), checksummed.
pub fn addresses_in(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 42 <= bytes.len() {
        if bytes[i] == b'0'
            && (bytes[i + 1] == b'x' || bytes[i + 1] == b'X')
            && bytes[i + 2..i + 42].iter().all(u8::is_ascii_hexdigit)
            && bytes.get(i + 42).is_none_or(|b| !b.is_ascii_hexdigit())
        {
            if let Ok(a) = parse_address(&text[i..i + 42].to_lowercase()) {
                out.push(format_address(&a));
            }
            i += 42;
        } else {
            i += 1;
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Risk's service over the shared session state.
pub(crate) struct Risk<'a> {
    pub(crate) ctx: &'a Ctx,
}

impl Risk<'_> {
    crate::session::gate_methods!(RiskError);

    /// Simulates and checks one outgoing call from one of the wallet's accounts.
    pub(crate) async fn assess(
        &self,
        call: &Call,
        recipient: Option<Address>,
        token: Option<Address>,
    ) -> Result<RiskReport> {
        let chain_id = self.ctx.network().chain_id;
        let chain = self.ctx.chain();
        let sim = match chain.simulate(call).await {
            Ok(s) => Some(s),
            Err(e) if e.is_offline() => None,
            Err(e) => return Err(e.into()),
        };
        let to_is_contract = match recipient {
            Some(r) => chain.has_code(r).await.ok(),
            None => None,
        };
        // Value to a young contract: ask the node how old it is (where it can say).
        let fresh_contract = match (recipient, to_is_contract) {
            (Some(r), Some(true)) if !call.value.is_zero() => chain
                .contract_age(r)
                .await
                .ok()
                .flatten()
                .filter(|age| *age < FRESH_CONTRACT_BLOCKS),
            _ => None,
        };
        let (moves, approvals) = match &sim {
            Some(s) => effects(call, s),
            None => effects(
                call,
                &Simulated {
                    method: "none",
                    success: true,
                    revert_reason: None,
                    gas_used: None,
                    logs: Vec::new(),
                    traced: false,
                },
            ),
        };
        let report = self
            .with_session(|s| {
                let native = ops::native_asset(&mut s.ledger, &self.ctx.network())?;
                let account = s.ledger.account(&format_address(&call.from))?;
                let mut known: Vec<(Address, Option<String>)> = s
                    .ledger
                    .contacts()?
                    .into_iter()
                    .filter_map(|(n, a)| parse_address(&a).ok().map(|a| (a, Some(n))))
                    .collect();
                let past: Vec<Address> = s
                    .ledger
                    .past_recipients(chain_id)?
                    .iter()
                    .filter_map(|a| parse_address(a).ok())
                    .collect();
                let paid_before = recipient.is_some_and(|r| past.contains(&r));
                known.extend(past.into_iter().map(|a| (a, None)));
                // The wallet's own accounts are known too.
                known.extend(
                    s.ledger
                        .accounts(true)?
                        .iter()
                        .filter_map(|a| parse_address(&a.address).ok())
                        .map(|a| (a, None)),
                );
                let mut denylisted = Vec::new();
                for a in [Some(call.to), recipient].into_iter().flatten() {
                    if s.ledger.is_denied(&format_address(&a))? && !denylisted.contains(&a) {
                        denylisted.push(a);
                    }
                }
                // The largest share of an available balance the call spends.
                let mut share = None::<u64>;
                let mut changes = Vec::new();
                for (tok, sign, amount) in &moves {
                    let asset = match tok {
                        None => Some(native.clone()),
                        Some(t) => s.ledger.asset(chain_id, Some(&format_address(t))).ok(),
                    };
                    let (sym, dec) = asset
                        .as_ref()
                        .map(|a| (a.symbol.clone(), a.decimals))
                        .unwrap_or_else(|| ("tokens".into(), 0));
                    changes.push(AssetChange {
                        symbol: sym,
                        token: tok.map(|t| format_address(&t)),
                        amount: format!(
                            "{}{}",
                            if *sign < 0 { "-" } else { "+" },
                            format_units(*amount, dec).unwrap_or_else(|_| amount.to_string())
                        ),
                    });
                    if *sign < 0 {
                        if let Some(asset) = &asset {
                            let (_, avail) = ops::available(&s.ledger, chain_id, &account, &native, asset)?;
                            if !avail.is_zero() {
                                let p = amount.saturating_mul(U256::from(100)) / avail;
                                let p = u64::try_from(p).unwrap_or(u64::MAX);
                                share = Some(share.map_or(p, |q| q.max(p)));
                            }
                        }
                    }
                }
                let approvals_out: Vec<ApprovalChange> = approvals
                    .iter()
                    .map(|(token, spender, amount, for_all)| {
                        let asset = s.ledger.asset(chain_id, Some(&format_address(token))).ok();
                        ApprovalChange {
                            token: format_address(token),
                            symbol: asset.as_ref().map(|a| a.symbol.clone()),
                            spender: format_address(spender),
                            amount: if *for_all || is_unlimited(*amount) {
                                "unlimited".into()
                            } else {
                                asset
                                    .as_ref()
                                    .and_then(|a| format_units(*amount, a.decimals).ok())
                                    .unwrap_or_else(|| amount.to_string())
                            },
                            unlimited: *for_all || is_unlimited(*amount),
                        }
                    })
                    .collect();
                let facts = Facts {
                    recipient,
                    known,
                    paid_before,
                    recipient_is_contract: to_is_contract,
                    token,
                    share_percent: share,
                    denylisted,
                    simulation_failed: sim
                        .as_ref()
                        .filter(|s| !s.success)
                        .map(|s| s.revert_reason.clone().unwrap_or_else(|| "reverted".into())),
                    unlimited_approvals: approvals
                        .iter()
                        .filter(|(_, _, amount, for_all)| *for_all || is_unlimited(*amount))
                        .map(|(t, s, _, f)| (*t, *s, *f))
                        .collect(),
                    fresh_contract,
                };
                let warnings = rules(&facts);
                Ok(RiskReport {
                    score: score(&warnings),
                    warnings,
                    simulation: SimulationReport {
                        method: sim.as_ref().map(|s| s.method).unwrap_or("none").into(),
                        success: sim.as_ref().is_none_or(|s| s.success),
                        revert_reason: sim.as_ref().and_then(|s| s.revert_reason.clone()),
                        gas_used: sim.as_ref().and_then(|s| s.gas_used),
                        changes,
                        approvals: approvals_out,
                        unchecked: match &sim {
                            None => Some("offline: nothing was simulated; only the local checks ran".into()),
                            Some(s) if !s.traced => Some(
                                "the node cannot trace calls: the changes shown come from the calldata; what contract code would do to other assets was not checked".into(),
                            ),
                            _ => None,
                        },
                    },
                })
            })
            .await?;
        tracing::info!(
            score = report.score,
            warnings = report.warnings.len(),
            "risk assessed"
        );
        Ok(report)
    }

    /// Forgets the contact at `address`; `NotFound` when there is none.
    pub(crate) async fn remove_contact(&self, address: &str) -> Result<()> {
        let address = format_address(&parse_address(address)?);
        let removed = self
            .with_session(|s| Ok(s.ledger.remove_contact(&address)?))
            .await?;
        if removed {
            Ok(())
        } else {
            Err(RiskError::Ledger(LedgerError::NotFound(format!(
                "contact {address}"
            ))))
        }
    }

    pub(crate) async fn add_contact(&self, name: &str, address: &str) -> Result<()> {
        let address = format_address(&parse_address(address)?);
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(RiskError::InvalidName);
        }
        self.with_session(|s| Ok(s.ledger.add_contact(name, &address)?))
            .await
    }

    pub(crate) async fn contacts(&self) -> Result<Vec<cairn_api::Contact>> {
        self.with_session(|s| {
            Ok(s.ledger
                .contacts()?
                .into_iter()
                .map(|(name, address)| cairn_api::Contact { name, address })
                .collect())
        })
        .await
    }

    /// Adds every address in `text` (a list or a sanctions export) to the denylist.
    pub(crate) async fn import_denylist(&self, text: &str, source: &str) -> Result<usize> {
        let addresses = addresses_in(text);
        self.with_session(|s| Ok(s.ledger.deny(&addresses, source)?))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(last: u8) -> Address {
        let mut b = [0x11u8; 20];
        b[19] = last;
        Address::from(b)
    }

    fn rules_of(f: &Facts) -> Vec<String> {
        rules(f).into_iter().map(|w| w.rule).collect()
    }

    #[test]
    fn a_known_recipient_raises_nothing_and_a_new_one_a_low_note() {
        let mut f = Facts {
            recipient: Some(a(1)),
            known: vec![(a(1), Some("Alice".into()))],
            ..Facts::default()
        };
        assert!(rules(&f).is_empty());
        f.known.clear();
        assert_eq!(rules_of(&f), ["first_payment"]);
        assert_eq!(score(&rules(&f)), 10);
    }

    #[test]
    fn saving_a_known_address_renames_the_contact() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Ledger::open(dir.path(), &crate::store::ledger::test_keys(5)).unwrap();
        let bob = "0x000000000000000000000000000000000000bEEF";
        l.add_contact("Bob", bob).unwrap();
        l.add_contact("Bobby", bob).unwrap();
        assert_eq!(
            l.contacts().unwrap(),
            [("Bobby".to_string(), bob.to_string())]
        );
        // The rule holds in the file too: a second row for the address is refused.
        let dup = l.conn.execute(
            "INSERT INTO contacts (name, address, chain_id, created_at) VALUES ('B', ?1, NULL, 0)",
            [bob],
        );
        assert!(dup.is_err());
    }

    #[test]
    fn a_look_alike_of_a_contact_is_high() {
        let alice: Address = "0x1234567890abcdef1234567890abcdef12345678"
            .parse()
            .unwrap();
        let fake: Address = "0x1234000000000000000000000000000000005678"
            .parse()
            .unwrap();
        let f = Facts {
            recipient: Some(fake),
            known: vec![(alice, Some("Alice".into()))],
            ..Facts::default()
        };
        let w = rules(&f);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].rule, "look_alike");
        assert_eq!(w[0].severity, "high");
        assert!(w[0].message.contains("Alice"));
        // Different ends: not a look-alike, just new.
        let other: Address = "0x9999000000000000000000000000000000005678"
            .parse()
            .unwrap();
        assert_eq!(
            rules_of(&Facts {
                recipient: Some(other),
                ..f
            }),
            ["first_payment"]
        );
    }

    #[test]
    fn approvals_reverts_denylist_tokens_and_shares() {
        let f = Facts {
            unlimited_approvals: vec![(a(2), a(3), false)],
            simulation_failed: Some("ds-math-sub-underflow".into()),
            denylisted: vec![a(4)],
            recipient: Some(a(5)),
            known: vec![(a(5), None)],
            token: Some(a(5)),
            share_percent: Some(80),
            ..Facts::default()
        };
        let mut got = rules_of(&f);
        got.sort();
        assert_eq!(
            got,
            [
                "denylisted",
                "large_share",
                "reverts",
                "token_to_its_contract",
                "unlimited_approval"
            ]
        );
        assert_eq!(score(&rules(&f)), 100, "capped");
        let over = rules(&Facts {
            share_percent: Some(250),
            ..Facts::default()
        });
        assert_eq!(over[0].message, "this sends more than is available");
        let to_contract = Facts {
            recipient: Some(a(6)),
            known: vec![(a(6), None)],
            token: Some(a(7)),
            recipient_is_contract: Some(true),
            share_percent: Some(10),
            ..Facts::default()
        };
        assert_eq!(rules_of(&to_contract), ["token_to_contract"]);
    }

    #[test]
    fn paying_a_young_contract_is_medium() {
        let f = Facts {
            recipient: Some(a(8)),
            known: vec![(a(8), None)],
            fresh_contract: Some(12),
            ..Facts::default()
        };
        let w = rules(&f);
        assert_eq!(w.len(), 1);
        assert_eq!(
            (w[0].rule.as_str(), w[0].severity.as_str()),
            ("fresh_contract", "medium")
        );
        assert!(w[0].message.contains("12 block"));
    }

    #[test]
    fn calldata_is_decoded_when_the_node_cannot_trace() {
        let me = a(1);
        let token = a(2);
        let untraced = Simulated {
            method: "eth_call",
            success: true,
            revert_reason: None,
            gas_used: None,
            logs: vec![],
            traced: false,
        };
        let approve = Call {
            from: me,
            to: token,
            value: U256::ZERO,
            data: erc20::approve(a(3), U256::MAX),
        };
        let (moves, approvals) = effects(&approve, &untraced);
        assert!(moves.is_empty());
        assert_eq!(approvals, vec![(token, a(3), U256::MAX, false)]);
        assert!(is_unlimited(U256::MAX) && !is_unlimited(U256::from(10u8)));
        let pay = Call {
            from: me,
            to: token,
            value: U256::ZERO,
            data: erc20::transfer(a(4), U256::from(5u8)),
        };
        assert_eq!(
            effects(&pay, &untraced).0,
            vec![(Some(token), -1, U256::from(5u8))]
        );
    }

    #[test]
    fn addresses_are_found_in_any_list() {
        let text = "name,address\nBad Actor,0x8589427373D6D84E98730D7795D8f6f8731FDA16\n\
                    also 0x8589427373d6d84e98730d7795d8f6f8731fda16 and 0x12 and \
                    0x722122dF12D4e14e13Ac3b6895a86e84145b6967; 0x722122df12d4e14e13ac3b6895a86e84145b6967aa";
        assert_eq!(
            addresses_in(text),
            [
                "0x722122dF12D4e14e13Ac3b6895a86e84145b6967",
                "0x8589427373D6D84E98730D7795D8f6f8731FDA16"
            ]
        );
    }

    #[test]
    fn a_fee_that_eats_the_payment_or_leaps_is_said_out_loud() {
        let gwei = |n: u64| U256::from(n) * U256::from(1_000_000_000u64);
        let eth = |milli: u64| U256::from(milli) * U256::from(1_000_000_000_000_000u64);
        let facts = |max_total, value, now, before| FeeFacts {
            max_total,
            value,
            base_fee_now: now,
            base_fee_before: before,
            max_fee_per_gas: U256::MAX,
            symbol: "ETH".into(),
            decimals: 18,
        };
        // The reported case: 2.1 ETH of fee on a 0.01 ETH send, the base fee 1000× yesterday's.
        let w = fee_rules(&facts(eth(2100), eth(10), gwei(100_000), Some(gwei(100))));
        let rules: Vec<_> = w
            .iter()
            .map(|w| (w.rule.as_str(), w.severity.as_str()))
            .collect();
        assert_eq!(rules, [("fee_share", "high"), ("fee_spike", "high")]);
        assert!(w[0].message.contains("more than 999 %"), "{}", w[0].message);
        assert!(score(&w) >= 100);
        // An ordinary send: a fee well under a fifth of the value, the base fee as before.
        assert!(fee_rules(&facts(eth(1), eth(100), gwei(20), Some(gwei(15)))).is_empty());
        // Exactly at the thresholds.
        assert_eq!(fee_rules(&facts(eth(20), eth(100), gwei(1), None)).len(), 1);
        assert!(fee_rules(&facts(eth(19), eth(100), gwei(1), None)).is_empty());
        assert_eq!(
            fee_rules(&facts(U256::ZERO, U256::ZERO, gwei(50), Some(gwei(10)))).len(),
            1
        );
        assert!(fee_rules(&facts(U256::ZERO, U256::ZERO, gwei(49), Some(gwei(10)))).is_empty());
        // A token transfer moves no ETH: no share to judge, the spike still counts.
        assert!(fee_rules(&facts(eth(5), U256::ZERO, gwei(10), None)).is_empty());
        // A fee set by hand below the base fee: said, not refused.
        let mut low = facts(eth(1), eth(100), gwei(20), None);
        low.max_fee_per_gas = gwei(19);
        let w = fee_rules(&low);
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(
            (w[0].rule.as_str(), w[0].severity.as_str()),
            ("fee_below_base", "medium")
        );
        assert!(w[0].message.contains("19.0 gwei"), "{}", w[0].message);
        low.max_fee_per_gas = gwei(20);
        assert!(fee_rules(&low).is_empty());
    }
}
