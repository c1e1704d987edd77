//! Sending: a payment (ETH or an ERC-20) planned against what the chain says — or, offline,
//! against what the wallet last saw — checked against the available balance, signed as an
//! EIP-1559 transaction and queued in the ledger through the operation lifecycle. Speed-up and
//! cancel replace a pending transaction with the same nonce and higher fees; `resign` renews
//! one the sync found unusable (`needs_resign`).
//!
//! May use: `guard`, `ops`, `accounts`, `session`, `store`, `chain`, `keys`, `primitives`.

use std::str::FromStr;

use alloy::consensus::{SignableTransaction, TxEip1559, TxEnvelope};
use alloy::eips::eip2718::Encodable2718;
use alloy::network::TxSignerSync;
use alloy::primitives::{Address, Bytes, TxKind, U256};
use cairn_api::{
    ActivityPage, ActivityQuery, Operation, ReplacementQuote, SendDraft, SendPreview, SendQuote,
    SendRequest, SendSpeed,
};

use crate::accounts::signer_for;
use crate::chain::client::FeeHistory;
use crate::chain::rpc::ChainError;
use crate::guard::mfa::TwoFactor;
use crate::guard::risk::{fee_rules, recent_base_fee, remember_fee_quote, score, FeeFacts, Risk};
use crate::keys::vault::VaultKeys;
use crate::ops::{self, fmt, to_api};
use crate::prices::Valuer;
use crate::primitives::erc20;
use crate::primitives::page::{self, ActivityCursor, PageError};
use crate::primitives::units::{format_address, parse_address, parse_units};
use crate::session::{Ctx, WalletEvent};
use crate::store::ledger::{now, AccountRow, Ledger};
use crate::store::operations::{
    ActivityFilter, AssetRow, FeeQuote, NewOperation, OpChange, OpState, OperationRow,
};

const GWEI: u64 = 1_000_000_000;

/// Gas of a plain ETH transfer to an account without code.
const TRANSFER_GAS: u64 = 21_000;
/// An ERC-20 transfer when the node cannot be asked (typical ones use 35–65k).
const TOKEN_TRANSFER_GAS_OFFLINE: u64 = 100_000;

/// Why a send cannot go ahead, beyond bad input.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("not enough {symbol}: this needs {needed}, {available} is available")]
    InsufficientFunds {
        symbol: String,
        needed: String,
        available: String,
    },
    #[error(
        "the wallet has not seen this network's fees yet: connect once before sending offline"
    )]
    NoFeeData,
    #[error("the fee rose since it was shown ({agreed_gwei} → {now_gwei} gwei per gas): review it again")]
    FeeRose {
        agreed_gwei: String,
        now_gwei: String,
    },
    #[error("the amount must be more than zero")]
    ZeroAmount,
    #[error("sending to the zero address would burn the funds")]
    ZeroAddress,
    #[error("{0} is not a token this wallet knows on this network: add it first")]
    UnknownToken(String),
    #[error("operation {id} cannot be {action}: it is {state}")]
    NotReplaceable {
        id: i64,
        action: &'static str,
        state: &'static str,
    },
    #[error("the node would reject this transaction: {0}")]
    WouldFail(String),
    #[error("operation {id} belongs to chain {op_chain}; the wallet is on chain {current}")]
    OtherChain {
        id: i64,
        op_chain: u64,
        current: u64,
    },
    #[error("operation {0} was mined after all; the next sync records it")]
    AlreadyMined(i64),
    #[error("operation {0} replaces another one: act on the original instead")]
    IsReplacement(i64),
    #[error("re-signing needs the chain's current state: connect first")]
    NeedsNetwork,
    #[error("could not sign: {0}")]
    Signing(String),
    #[error("the network asks a fee of {fee_gwei} gwei per gas, above the {ceiling_gwei} gwei Cairn pays on its own: set the fee by hand (custom) if you mean it")]
    FeeAboveCeiling { fee_gwei: String, ceiling_gwei: u64 },
    #[error("{0}")]
    Unsupported(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Session(#[from] crate::session::SessionError),
    #[error(transparent)]
    Ledger(#[from] crate::store::ledger::LedgerError),
    #[error(transparent)]
    Chain(#[from] crate::chain::ChainError),
    #[error(transparent)]
    Address(#[from] crate::primitives::units::AddressError),
    #[error(transparent)]
    Amount(#[from] crate::primitives::units::AmountError),
    #[error(transparent)]
    Accounts(#[from] crate::accounts::AccountsError),
    #[error(transparent)]
    Risk(#[from] crate::guard::risk::RiskError),
    #[error(transparent)]
    Mfa(#[from] crate::guard::mfa::MfaError),
    #[error(transparent)]
    Page(#[from] crate::primitives::page::PageError),
}

type Result<T, E = SendError> = std::result::Result<T, E>;

/// A recipient: a valid address, and not the zero address (which would burn the funds).
pub(crate) fn recipient(text: &str) -> Result<Address> {
    let to = parse_address(text)?;
    if to == Address::ZERO {
        return Err(SendError::ZeroAddress);
    }
    Ok(to)
}

/// An amount to pay, in an asset's decimals: more than zero.
pub(crate) fn payment(text: &str, decimals: u8) -> Result<U256> {
    let amount = parse_units(text, decimals)?;
    if amount.is_zero() {
        return Err(SendError::ZeroAmount);
    }
    Ok(amount)
}

/// Fees for a speed from a fee quote: the tip at that speed's percentile (with a floor, since
/// quiet chains report zero tips) and a max fee that survives the base fee rising for a while.
pub fn fees_for(quote: &FeeQuote, speed: &SendSpeed) -> Result<(U256, U256)> {
    let gwei = U256::from(GWEI);
    let (tip, base_mult_num, base_mult_den) = match speed {
        SendSpeed::Slow => (quote.tips[0].max(gwei / U256::from(100)), 5u64, 4u64),
        SendSpeed::Normal => (quote.tips[1].max(gwei / U256::from(10)), 2, 1),
        SendSpeed::Fast => (quote.tips[2].max(gwei), 3, 1),
        SendSpeed::Custom {
            max_fee_gwei,
            priority_fee_gwei,
        } => {
            let max_fee = parse_units(max_fee_gwei, 9)?;
            let tip = parse_units(priority_fee_gwei, 9)?;
            if max_fee.is_zero() || tip > max_fee {
                return Err(SendError::Unsupported(
                    "the priority fee must be at most the max fee, and the max fee above zero"
                        .into(),
                ));
            }
            return Ok((max_fee, tip));
        }
    };
    let max_fee = (quote.base_fee.saturating_mul(U256::from(base_mult_num))
        / U256::from(base_mult_den))
    .saturating_add(tip);
    Ok((max_fee, tip))
}

/// What the chain said just now, when a node answers.
struct Live {
    fees: FeeHistory,
    pending_nonce: u64,
    gas: u64,
    block: u64,
    native_balance: U256,
    token_balance: Option<U256>,
}

/// A send worked out, ready to sign.
struct Plan {
    account: AccountRow,
    asset: AssetRow,
    to: Address,
    amount: U256,
    tx_to: Address,
    tx_value: U256,
    tx_data: Vec<u8>,
    gas_limit: u64,
    max_fee: U256,
    tip: U256,
    chain_nonce: Option<u64>,
    online: bool,
    base_fee_now: U256,
    base_fee_before: Option<U256>,
    native: AssetRow,
}

/// Signs an EIP-1559 transaction; returns (hash, raw encoded envelope).
fn sign(
    ledger: &Ledger,
    keys: &VaultKeys,
    account: &AccountRow,
    chain_id: u64,
    nonce: u64,
    plan: &TxFields,
) -> Result<(String, Vec<u8>)> {
    let signer = signer_for(keys, ledger, account)?;
    let mut tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: plan.gas_limit,
        max_fee_per_gas: u128::try_from(plan.max_fee)
            .map_err(|_| SendError::Signing("max fee out of range".into()))?,
        max_priority_fee_per_gas: u128::try_from(plan.tip)
            .map_err(|_| SendError::Signing("priority fee out of range".into()))?,
        to: TxKind::Call(plan.to),
        value: plan.value,
        access_list: Default::default(),
        input: Bytes::from(plan.data.clone()),
    };
    let signature = signer
        .sign_transaction_sync(&mut tx)
        .map_err(|e| SendError::Signing(e.to_string()))?;
    let envelope = TxEnvelope::Eip1559(tx.into_signed(signature));
    Ok((envelope.tx_hash().to_string(), envelope.encoded_2718()))
}

/// The fields of a transaction besides its nonce and chain.
#[derive(Debug, Clone)]
struct TxFields {
    to: Address,
    value: U256,
    data: Vec<u8>,
    gas_limit: u64,
    max_fee: U256,
    tip: U256,
}

/// A fee per gas from a node's (or a bundler's) word is offered only up to the network's
/// ceiling; above it, only a fee the user set by hand.
pub(crate) fn within_fee_ceiling(
    network: &crate::chain::network::Network,
    max_fee: U256,
    speed: &SendSpeed,
) -> std::result::Result<(), SendError> {
    if !matches!(speed, SendSpeed::Custom { .. }) && max_fee > network.fee_ceiling_wei() {
        return Err(SendError::FeeAboveCeiling {
            fee_gwei: fmt(max_fee, 9),
            ceiling_gwei: network.fee_ceiling_gwei,
        });
    }
    Ok(())
}

/// Takes a new operation from `draft` to `queued`: authorized (the caller checked the funds),
/// signed with its hash and payload stored (before any broadcast), queued. One ledger
/// transaction per step.
// Each argument is a separate fact of the step (where, with which key, which operation, whose,
// on which chain, at which nonce, what, from which state); a struct would only rename the list.
#[allow(clippy::too_many_arguments)]
fn sign_and_queue(
    ledger: &mut Ledger,
    keys: &VaultKeys,
    op_id: i64,
    account: &AccountRow,
    chain_id: u64,
    nonce: u64,
    fields: &TxFields,
    from_state: OpState,
) -> Result<OperationRow> {
    if from_state == OpState::Draft {
        ledger.transition(
            op_id,
            &[OpState::Draft],
            OpState::Authorized,
            &OpChange::default(),
            "confirmed by the user",
        )?;
    }
    crate::logging::failpoint("send:authorized");
    let (hash, raw) = sign(ledger, keys, account, chain_id, nonce, fields)?;
    let change = OpChange {
        nonce: Some(nonce),
        hash: Some(hash.clone()),
        signed_payload: Some(raw),
        tx_to: Some(format_address(&fields.to)),
        tx_value: Some(fields.value),
        tx_data: Some(fields.data.clone()),
        gas_limit: Some(fields.gas_limit),
        max_fee_per_gas: Some(fields.max_fee),
        max_priority_fee_per_gas: Some(fields.tip),
        attempts: Some((0, 0)),
        ..OpChange::default()
    };
    let from = if from_state == OpState::Draft {
        OpState::Authorized
    } else {
        from_state
    };
    Ok(ledger.sign_then_queue(op_id, from, &change, &hash)?)
}

/// The nonce for a new transaction: after the chain's and after every one still held locally.
fn next_nonce(ledger: &Ledger, chain_id: u64, account_id: i64, chain: Option<u64>) -> Result<u64> {
    let stored = ledger.chain_nonce(chain_id, account_id)?;
    let local = ledger
        .highest_local_nonce(chain_id, account_id)?
        .map(|n| n.saturating_add(1));
    Ok([chain, stored, local]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(0))
}

/// Whether operation `id` (`old`) can be sped up or cancelled here and now.
fn replaceable(old: &OperationRow, id: i64, cancel: bool, chain_id: u64) -> Result<()> {
    let action = if cancel { "cancelled" } else { "sped up" };
    if old.chain_id != chain_id {
        return Err(SendError::OtherChain {
            id,
            op_chain: old.chain_id,
            current: chain_id,
        });
    }
    if old.user_op.is_some() {
        return Err(SendError::Unsupported(format!(
            "operation {id} is a user operation: it has a nonce key of its own and \
             holds up no other operation, so there is nothing to replace"
        )));
    }
    if !matches!(old.state, OpState::Queued | OpState::Submitted) {
        return Err(SendError::NotReplaceable {
            id,
            action,
            state: old.state.as_str(),
        });
    }
    Ok(())
}

/// A replacement's fees: 12.5 % over the original's at least (what nodes ask before one
/// transaction may take another's place in their pool), and the market's fast fees now.
fn replacement_fees(old: &OperationRow, quote: &FeeQuote) -> Result<(U256, U256)> {
    let (market_max, market_tip) = fees_for(quote, &SendSpeed::Fast)?;
    let bump = |v: U256| v.saturating_mul(U256::from(9)) / U256::from(8) + U256::from(1);
    let max_fee = bump(old.max_fee_per_gas).max(market_max);
    let tip = bump(old.max_priority_fee_per_gas)
        .max(market_tip)
        .min(max_fee);
    Ok((max_fee, tip))
}

/// Payments's service over the shared session state.
pub(crate) struct Payments<'a> {
    pub(crate) ctx: &'a Ctx,
}

impl Payments<'_> {
    crate::session::gate_methods!(SendError);

    /// Asks the node for fees, nonce, gas and balances; `None` when no endpoint answers.
    async fn live(
        &self,
        from: Address,
        tx_to: Address,
        value: U256,
        data: &[u8],
        token: Option<Address>,
        amount: U256,
    ) -> Result<Option<Live>> {
        let chain = &self.ctx.chain();
        let attempt = async {
            let fees = chain.fee_history().await?;
            let pending_nonce = chain.nonce(from, "pending").await?;
            let mut queries = vec![crate::chain::client::BalanceQuery {
                owner: from,
                token: None,
            }];
            if let Some(t) = token {
                queries.push(crate::chain::client::BalanceQuery {
                    owner: from,
                    token: Some(t),
                });
            }
            let (block, balances) = chain.balances(&queries).await?;
            let mut balances = balances.into_iter();
            let native_balance = balances.next().transpose()?.unwrap_or_default();
            let token_balance = balances.next().transpose()?;
            // Asking the node to estimate a send the funds cannot cover only yields a revert;
            // the funds check after this says it better.
            let covered = match (token, token_balance) {
                (Some(_), Some(b)) => b >= amount,
                _ => native_balance >= value,
            };
            let gas = if !covered {
                if data.is_empty() {
                    TRANSFER_GAS
                } else {
                    TOKEN_TRANSFER_GAS_OFFLINE
                }
            } else if data.is_empty() {
                chain.estimate_gas(from, tx_to, value, data).await?
            } else {
                // Tokens can cost more than the estimate when state moves: a margin of 20 %.
                chain
                    .estimate_gas(from, tx_to, value, data)
                    .await?
                    .saturating_mul(6)
                    / 5
            };
            Ok::<_, ChainError>(Live {
                fees,
                pending_nonce,
                gas,
                block,
                native_balance,
                token_balance,
            })
        };
        match attempt.await {
            Ok(live) => Ok(Some(live)),
            Err(e) if e.is_offline() => Ok(None),
            Err(ChainError::Rpc { message, data, .. }) => {
                let reason = data
                    .as_deref()
                    .and_then(|d| hex::decode(d.trim_start_matches("0x")).ok())
                    .and_then(|b| erc20::decode_revert(&b))
                    .unwrap_or(message);
                Err(SendError::WouldFail(reason))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn plan(&self, req: &SendRequest) -> Result<(Plan, SendQuote)> {
        self.plan_with(req, None).await
    }

    /// A plan for `req`; with `data`, a call of the contract at `req.to` (native value only).
    async fn plan_with(
        &self,
        req: &SendRequest,
        data: Option<Vec<u8>>,
    ) -> Result<(Plan, SendQuote)> {
        let from = parse_address(&req.from)?;
        let to = recipient(&req.to)?;
        let chain_id = self.ctx.network().chain_id;
        let token = req.token.as_deref().map(parse_address).transpose()?;
        let (account, asset) = self
            .with_session(|s| {
                ops::native_asset(&mut s.ledger, &self.ctx.network())?;
                let account = s.ledger.account(&format_address(&from))?;
                if account.smart.is_some() {
                    return Err(SendError::Unsupported(format!(
                        "{} is a smart account: it sends with user operations",
                        account.address
                    )));
                }
                let asset = match token {
                    None => s.ledger.asset(chain_id, None)?,
                    Some(t) => s
                        .ledger
                        .asset(chain_id, Some(&format_address(&t)))
                        .map_err(|_| SendError::UnknownToken(format_address(&t)))?,
                };
                Ok((account, asset))
            })
            .await?;
        // A contract call may carry no value; a payment must carry some.
        let amount = if data.is_some() {
            parse_units(&req.amount, asset.decimals)?
        } else {
            payment(&req.amount, asset.decimals)?
        };
        let calling = data.is_some();
        let (tx_to, tx_value, tx_data) = match (token, data) {
            (None, data) => (to, amount, data.unwrap_or_default()),
            (Some(_), Some(_)) => {
                return Err(SendError::Unsupported(
                    "a contract call carries the native currency only".into(),
                ))
            }
            (Some(t), None) => (t, U256::ZERO, erc20::transfer(to, amount)),
        };
        let live = self
            .live(from, tx_to, tx_value, &tx_data, token, amount)
            .await?;
        let online = live.is_some();
        // Offline, a contract call's gas is anybody's guess: it waits for a node.
        if calling && !online {
            return Err(SendError::Unsupported(
                "a contract call needs a node to estimate its gas: connect and try again".into(),
            ));
        }
        let (plan, quote) = self
            .with_session(|s| {
                let native = ops::native_asset(&mut s.ledger, &self.ctx.network())?;
                let base_fee_before = recent_base_fee(&s.ledger, chain_id)?;
                let network = self.ctx.network();
                let quote = match &live {
                    Some(l) => {
                        let quote = FeeQuote {
                            base_fee: l.fees.next_base_fee,
                            tips: l.fees.tips,
                            block_number: l.block,
                            updated_at: now(),
                        };
                        remember_fee_quote(&mut s.ledger, &network, &quote)?;
                        // A balance that moved since the last sync round: what moved it is
                        // history the round would no longer see as a change.
                        let stored = |id| -> Result<Option<U256>, SendError> {
                            Ok(s.ledger.balance(account.id, id)?.map(|(v, _)| v))
                        };
                        let moved = stored(native.id)? != Some(l.native_balance)
                            || match l.token_balance {
                                Some(b) => stored(asset.id)? != Some(b),
                                None => false,
                            };
                        s.ledger
                            .set_balance(account.id, native.id, l.native_balance, l.block)?;
                        if let Some(b) = l.token_balance {
                            s.ledger.set_balance(account.id, asset.id, b, l.block)?;
                        }
                        if moved {
                            self.ctx.owe_history(account.id);
                        }
                        quote
                    }
                    None => s.ledger.fee_quote(chain_id)?.ok_or(SendError::NoFeeData)?,
                };
                let (max_fee, tip) = fees_for(&quote, &req.speed)?;
                within_fee_ceiling(&network, max_fee, &req.speed)?;
                let gas_limit = match &live {
                    Some(l) => l.gas,
                    None if token.is_some() => TOKEN_TRANSFER_GAS_OFFLINE,
                    None => TRANSFER_GAS,
                };
                let plan = Plan {
                    account: account.clone(),
                    asset: asset.clone(),
                    to,
                    amount,
                    tx_to,
                    tx_value,
                    tx_data: tx_data.clone(),
                    gas_limit,
                    max_fee,
                    tip,
                    chain_nonce: live.as_ref().map(|l| l.pending_nonce),
                    online,
                    base_fee_now: quote.base_fee,
                    base_fee_before,
                    native: native.clone(),
                };
                let (avail_native, avail_asset) =
                    ops::available(&s.ledger, chain_id, &account, &native, &asset)?;
                let nonce = next_nonce(&s.ledger, chain_id, account.id, plan.chain_nonce)?;
                let valuer = Valuer::load(&s.ledger, chain_id)?;
                let fee_cap = U256::from(gas_limit).saturating_mul(max_fee);
                let quote = SendQuote {
                    from: account.address.clone(),
                    to: format_address(&to),
                    symbol: asset.symbol.clone(),
                    amount: fmt(amount, asset.decimals),
                    amount_base: amount.to_string(),
                    gas_limit,
                    max_fee_per_gas_wei: max_fee.to_string(),
                    max_priority_fee_per_gas_wei: tip.to_string(),
                    max_network_fee: fmt(
                        U256::from(gas_limit).saturating_mul(max_fee),
                        native.decimals,
                    ),
                    native_symbol: native.symbol.clone(),
                    available: fmt(avail_asset, asset.decimals),
                    available_native: fmt(avail_native, native.decimals),
                    nonce,
                    online,
                    risk: None,
                    amount_fiat: valuer.value(asset.contract.as_deref(), amount, asset.decimals),
                    max_fee_fiat: valuer.value(None, fee_cap, native.decimals),
                };
                Ok((plan, quote))
            })
            .await?;
        Ok((plan, quote))
    }

    /// The send form's figures while the user types: from the ledger's balances and the last
    /// fees seen, no request to the network (a keystroke costs nothing but this read). The
    /// review (`quote_send`) prices the send live; Max leaves the fee at this speed aside.
    pub(crate) async fn preview(&self, draft: &SendDraft) -> Result<SendPreview> {
        let from = parse_address(&draft.from)?;
        let chain_id = self.ctx.network().chain_id;
        let token = draft.token.as_deref().map(parse_address).transpose()?;
        let network = self.ctx.network();
        self.with_session_quiet(|s| {
            let account = s.ledger.account(&format_address(&from))?;
            let native = ops::native_asset(&mut s.ledger, &network)?;
            let asset = match token {
                None => native.clone(),
                Some(t) => s
                    .ledger
                    .asset(chain_id, Some(&format_address(&t)))
                    .map_err(|_| SendError::UnknownToken(format_address(&t)))?,
            };
            let (avail_native, avail_asset) =
                ops::available(&s.ledger, chain_id, &account, &native, &asset)?;
            let smart = account.smart.is_some();
            let fee = if smart && draft.sponsored {
                Some(U256::ZERO)
            } else if smart {
                None
            } else {
                let gas = if token.is_some() {
                    TOKEN_TRANSFER_GAS_OFFLINE
                } else {
                    TRANSFER_GAS
                };
                match s.ledger.fee_quote(chain_id)? {
                    Some(q) => match fees_for(&q, &draft.speed) {
                        Ok((max_fee, _)) => Some(U256::from(gas).saturating_mul(max_fee)),
                        Err(_) => None,
                    },
                    None => None,
                }
            };
            let max = match (token, fee) {
                (Some(_), _) => Some(avail_asset),
                (None, Some(f)) => Some(avail_native.saturating_sub(f)),
                (None, None) => None,
            };
            let typed = draft.amount.trim();
            let amount = if typed.is_empty() {
                Ok(None)
            } else {
                parse_units(typed, asset.decimals).map(Some)
            };
            let total = match (&amount, token, fee) {
                (Ok(Some(a)), None, Some(f)) => Some(a.saturating_add(f)),
                _ => None,
            };
            let short = |needed: U256, have: U256, what: &str| {
                format!(
                    "not enough {}: {what} {} {}, {} {} is available",
                    native.symbol,
                    fmt(needed, native.decimals),
                    native.symbol,
                    fmt(have, native.decimals),
                    native.symbol
                )
            };
            let problem = match &amount {
                Err(e) => Some(e.to_string()),
                Ok(None) => None,
                Ok(Some(a)) if a.is_zero() => Some(SendError::ZeroAmount.to_string()),
                Ok(Some(a)) if *a > avail_asset => Some(format!(
                    "more than the {} {} available",
                    fmt(avail_asset, asset.decimals),
                    asset.symbol
                )),
                Ok(Some(_)) => match (token, fee, total) {
                    (None, _, Some(t)) if t > avail_native => {
                        Some(short(t, avail_native, "this and the network fee need"))
                    }
                    (Some(_), Some(f), _) if f > avail_native => {
                        Some(short(f, avail_native, "the network fee needs"))
                    }
                    _ => None,
                },
            };
            let valuer = Valuer::load(&s.ledger, chain_id)?;
            let amount_fiat = match &amount {
                Ok(Some(a)) => valuer.value(asset.contract.as_deref(), *a, asset.decimals),
                _ => None,
            };
            Ok(SendPreview {
                amount_fiat,
                max_fee_fiat: fee.and_then(|f| valuer.value(None, f, native.decimals)),
                symbol: asset.symbol.clone(),
                native_symbol: native.symbol.clone(),
                available: fmt(avail_asset, asset.decimals),
                available_native: fmt(avail_native, native.decimals),
                max_fee: fee.map(|f| fmt(f, native.decimals)),
                max: max.map(|m| fmt(m, asset.decimals)),
                total: total.map(|t| fmt(t, native.decimals)),
                problem,
            })
        })
        .await
    }

    /// What a send would do and cost, without doing it.
    pub(crate) async fn quote_send(&self, req: &SendRequest) -> Result<SendQuote> {
        let (plan, mut quote) = self.plan(req).await?;
        quote.risk = Some(self.plan_risk(&plan).await?);
        Ok(quote)
    }

    /// The simulation and risk checks of a planned send.
    async fn plan_risk(&self, plan: &Plan) -> Result<cairn_api::RiskReport> {
        let call = crate::guard::risk::Call {
            from: parse_address(&plan.account.address)?,
            to: plan.tx_to,
            value: plan.tx_value,
            data: plan.tx_data.clone(),
        };
        let token = plan
            .asset
            .contract
            .as_deref()
            .map(parse_address)
            .transpose()?;
        let mut report = Risk { ctx: self.ctx }
            .assess(&call, Some(plan.to), token)
            .await?;
        report.warnings.extend(fee_rules(&FeeFacts {
            max_total: U256::from(plan.gas_limit).saturating_mul(plan.max_fee),
            value: plan.tx_value,
            base_fee_now: plan.base_fee_now,
            base_fee_before: plan.base_fee_before,
            max_fee_per_gas: plan.max_fee,
            symbol: plan.native.symbol.clone(),
            decimals: plan.native.decimals,
        }));
        report.score = score(&report.warnings);
        Ok(report)
    }

    /// Plans, checks the available balance, signs and queues a payment; the sync worker
    /// broadcasts it as soon as a node answers. Works offline from the last state seen.
    pub(crate) async fn send(&self, req: &SendRequest) -> Result<Operation> {
        self.send_with(req, None).await
    }

    /// A dapp's transaction: `data` for the contract at `req.to`, with `req.amount` of the
    /// native currency, through the same simulation, risk, policy and two-factor as a payment.
    pub(crate) async fn send_call(&self, req: &SendRequest, data: Vec<u8>) -> Result<Operation> {
        self.send_with(req, Some(data)).await
    }

    async fn send_with(&self, req: &SendRequest, data: Option<Vec<u8>>) -> Result<Operation> {
        let calling = data.is_some();
        let (plan, _) = self.plan_with(req, data).await?;
        // The simulation, the risk checks and the policy's word before anything is signed
        // (amount limits count the native value).
        let risk = self.plan_risk(&plan).await?;
        let two_factor = TwoFactor { ctx: self.ctx };
        // What a contract call moves (a token transfer, an approval) the limits cannot value:
        // with the second factor on, it always needs the code.
        if calling {
            two_factor
                .require_mfa(req.mfa_code.as_deref(), "a contract call a dapp asked for")
                .await?;
        }
        let authorized = two_factor
            .authorize_send(
                plan.tx_value,
                plan.asset
                    .contract
                    .as_deref()
                    .map(|c| (c, plan.amount, plan.asset.decimals)),
                if calling {
                    None
                } else {
                    req.mfa_code.as_deref()
                },
                Some(&risk),
                req.override_risk,
            )
            .await;
        match authorized {
            // The code checked above meets the policy's demand for one.
            Err(crate::guard::mfa::MfaError::Required(_)) if calling => {}
            other => other?,
        }
        let chain_id = self.ctx.network().chain_id;
        let op = self
            .with_session(|s| {
                let native = ops::native_asset(&mut s.ledger, &self.ctx.network())?;
                // Checked again here, under the session lock, so two sends cannot both spend
                // the same funds.
                let (avail_native, avail_asset) =
                    ops::available(&s.ledger, chain_id, &plan.account, &native, &plan.asset)?;
                let fee_cap = U256::from(plan.gas_limit).saturating_mul(plan.max_fee);
                let need_native = plan.tx_value.saturating_add(fee_cap);
                if plan.asset.contract.is_some() && plan.amount > avail_asset {
                    return Err(SendError::InsufficientFunds {
                        symbol: plan.asset.symbol.clone(),
                        needed: fmt(plan.amount, plan.asset.decimals),
                        available: fmt(avail_asset, plan.asset.decimals),
                    });
                }
                if need_native > avail_native {
                    return Err(SendError::InsufficientFunds {
                        symbol: native.symbol.clone(),
                        needed: fmt(need_native, native.decimals),
                        available: fmt(avail_native, native.decimals),
                    });
                }
                let kind = if plan.asset.contract.is_some() {
                    "erc20_transfer"
                } else if !plan.tx_data.is_empty() {
                    "contract_call"
                } else {
                    "transfer"
                };
                let op_id = s.ledger.insert_operation(&NewOperation {
                    account_id: plan.account.id,
                    chain_id,
                    kind: kind.into(),
                    to: format_address(&plan.to),
                    asset_id: plan.asset.id,
                    amount: plan.amount,
                    replaces: None,
                })?;
                let nonce = next_nonce(&s.ledger, chain_id, plan.account.id, plan.chain_nonce)?;
                let fields = TxFields {
                    to: plan.tx_to,
                    value: plan.tx_value,
                    data: plan.tx_data.clone(),
                    gas_limit: plan.gas_limit,
                    max_fee: plan.max_fee,
                    tip: plan.tip,
                };
                let row = sign_and_queue(
                    &mut s.ledger,
                    &s.keys,
                    op_id,
                    &plan.account,
                    chain_id,
                    nonce,
                    &fields,
                    OpState::Draft,
                )?;
                Ok(to_api(&row, &native))
            })
            .await?;
        tracing::info!(op = op.id, nonce = ?op.nonce, online = plan.online, "send queued");
        crate::logging::failpoint("send:queued");
        self.ctx.emit(WalletEvent::Operation(op.clone()));
        self.ctx.wake_sync();
        Ok(op)
    }

    /// Replaces a queued or submitted transaction with the same nonce and fees at least 12.5 %
    /// higher (nodes want +10 %): the same payment faster (`cancel == false`), or a zero-value
    /// transfer to oneself that voids it.
    /// Asks a node for the fees now (when one answers) and keeps them as the stored quote.
    async fn refresh_fee_quote(&self) -> Result<()> {
        let fresh = self.ctx.chain().fee_history().await.ok();
        if let Some(f) = fresh {
            let network = self.ctx.network();
            self.with_session(|s| {
                Ok(remember_fee_quote(
                    &mut s.ledger,
                    &network,
                    &FeeQuote {
                        base_fee: f.next_base_fee,
                        tips: f.tips,
                        block_number: 0,
                        updated_at: now(),
                    },
                )?)
            })
            .await?;
        }
        Ok(())
    }

    /// What a speed-up or cancel of `id` would cost now, for the user to confirm.
    pub(crate) async fn quote_replacement(
        &self,
        id: i64,
        cancel: bool,
    ) -> Result<ReplacementQuote> {
        self.refresh_fee_quote().await?;
        let chain_id = self.ctx.network().chain_id;
        let network = self.ctx.network();
        self.with_session(|s| {
            let native = ops::native_asset(&mut s.ledger, &network)?;
            let old = s.ledger.operation(id)?;
            replaceable(&old, id, cancel, chain_id)?;
            let quote = s.ledger.fee_quote(chain_id)?.ok_or(SendError::NoFeeData)?;
            let (max_fee, _) = replacement_fees(&old, &quote)?;
            let gas = if cancel { TRANSFER_GAS } else { old.gas_limit };
            let asset = old.asset.clone().unwrap_or_else(|| native.clone());
            Ok(ReplacementQuote {
                id,
                action: if cancel { "cancel" } else { "speed_up" }.into(),
                old_max_network_fee: fmt(
                    U256::from(old.gas_limit).saturating_mul(old.max_fee_per_gas),
                    native.decimals,
                ),
                new_max_network_fee: fmt(U256::from(gas).saturating_mul(max_fee), native.decimals),
                native_symbol: native.symbol.clone(),
                max_fee_per_gas_wei: max_fee.to_string(),
                amount: fmt(old.amount, asset.decimals),
                symbol: asset.symbol.clone(),
                to: old.to.clone().unwrap_or_default(),
            })
        })
        .await
    }

    async fn replace(&self, id: i64, cancel: bool, agreed: Option<U256>) -> Result<Operation> {
        self.refresh_fee_quote().await?;
        let chain_id = self.ctx.network().chain_id;
        let op = self
            .with_session(|s| {
                let native = ops::native_asset(&mut s.ledger, &self.ctx.network())?;
                let old = s.ledger.operation(id)?;
                replaceable(&old, id, cancel, chain_id)?;
                let nonce = old.nonce.ok_or_else(|| {
                    SendError::Internal("a signed operation without a nonce".into())
                })?;
                let account = s.ledger.account(&old.from)?;
                let quote = s.ledger.fee_quote(chain_id)?.ok_or(SendError::NoFeeData)?;
                let (max_fee, tip) = replacement_fees(&old, &quote)?;
                if let Some(agreed) = agreed {
                    if max_fee > agreed {
                        return Err(SendError::FeeRose {
                            agreed_gwei: fmt(agreed, 9),
                            now_gwei: fmt(max_fee, 9),
                        });
                    }
                }
                let tx_to = old
                    .tx_to
                    .as_deref()
                    .map(Address::from_str)
                    .transpose()
                    .map_err(|_| SendError::Internal("a stored address does not parse".into()))?
                    .unwrap_or_default();
                let from = parse_address(&old.from)?;
                let (fields, new) = if cancel {
                    (
                        TxFields {
                            to: from,
                            value: U256::ZERO,
                            data: Vec::new(),
                            gas_limit: TRANSFER_GAS,
                            max_fee,
                            tip,
                        },
                        NewOperation {
                            account_id: account.id,
                            chain_id,
                            kind: "cancel".into(),
                            to: account.address.clone(),
                            asset_id: native.id,
                            amount: U256::ZERO,
                            replaces: Some(old.id),
                        },
                    )
                } else {
                    (
                        TxFields {
                            to: tx_to,
                            value: old.tx_value,
                            data: old.tx_data.clone(),
                            gas_limit: old.gas_limit,
                            max_fee,
                            tip,
                        },
                        NewOperation {
                            account_id: account.id,
                            chain_id,
                            kind: old.kind.clone(),
                            to: old.to.clone().unwrap_or_default(),
                            asset_id: old.asset.as_ref().map(|a| a.id).unwrap_or(native.id),
                            amount: old.amount,
                            replaces: Some(old.id),
                        },
                    )
                };
                let op_id = s.ledger.insert_operation(&new)?;
                let row = sign_and_queue(
                    &mut s.ledger,
                    &s.keys,
                    op_id,
                    &account,
                    chain_id,
                    nonce,
                    &fields,
                    OpState::Draft,
                )?;
                Ok(to_api(&row, &native))
            })
            .await?;
        tracing::info!(op = op.id, replaces = id, cancel, "replacement queued");
        self.ctx.emit(WalletEvent::Operation(op.clone()));
        self.ctx.wake_sync();
        Ok(op)
    }

    pub(crate) async fn speed_up(&self, id: i64, agreed: Option<U256>) -> Result<Operation> {
        self.replace(id, false, agreed).await
    }

    pub(crate) async fn cancel(&self, id: i64, agreed: Option<U256>) -> Result<Operation> {
        self.replace(id, true, agreed).await
    }

    /// Signs an operation the sync marked `needs_resign` again, after the user confirmed it:
    /// fresh fees, its own nonce while the chain has not used it (so at most one signature can
    /// be mined), the next free one when another transaction took it. Refused when an earlier
    /// signature was mined after all, and offline.
    /// Operation `id`, if it may be signed again here: waiting for it, on this network, not a
    /// replacement.
    pub(crate) async fn resignable(&self, id: i64) -> Result<OperationRow> {
        let chain_id = self.ctx.network().chain_id;
        let row = self.with_session(|s| Ok(s.ledger.operation(id)?)).await?;
        if row.state != OpState::NeedsResign {
            return Err(SendError::NotReplaceable {
                id,
                action: "signed again",
                state: row.state.as_str(),
            });
        }
        if row.chain_id != chain_id {
            return Err(SendError::OtherChain {
                id,
                op_chain: row.chain_id,
                current: chain_id,
            });
        }
        if row.replaces.is_some() {
            return Err(SendError::IsReplacement(id));
        }
        Ok(row)
    }

    /// Signs a transaction again (fresh nonce and fees), unless one of its signatures was mined.
    pub(crate) async fn resign(&self, row: OperationRow) -> Result<Operation> {
        let id = row.id;
        let fresh = self.ctx.chain().fee_history().await.ok();
        let chain_id = self.ctx.network().chain_id;
        // Before a new signature: was any signature of it mined after all? Then signing again
        // would pay twice. This needs the chain, so it is refused offline.
        let from = parse_address(&row.from)?;
        let hashes = self
            .with_session(|s| Ok(s.ledger.signed_hashes(id)?))
            .await?;
        let parsed: Vec<alloy::primitives::B256> =
            hashes.iter().filter_map(|h| h.parse().ok()).collect();
        let chain = &self.ctx.chain();
        let mined = chain.receipts(&parsed).await.map_err(|e| {
            if e.is_offline() {
                SendError::NeedsNetwork
            } else {
                SendError::from(e)
            }
        })?;
        if mined.iter().any(Option::is_some) {
            self.ctx.wake_sync();
            return Err(SendError::AlreadyMined(id));
        }
        let latest = chain.nonce(from, "latest").await?;
        let pending = chain.nonce(from, "pending").await?;
        // Its nonce still free on chain: keep it (a replacement, so only one can ever be mined);
        // taken by another transaction: the next one.
        let keep_nonce = row.nonce.filter(|n| *n >= latest);
        let op = self
            .with_session(|s| {
                let native = ops::native_asset(&mut s.ledger, &self.ctx.network())?;
                if let Some(f) = &fresh {
                    remember_fee_quote(
                        &mut s.ledger,
                        &self.ctx.network(),
                        &FeeQuote {
                            base_fee: f.next_base_fee,
                            tips: f.tips,
                            block_number: 0,
                            updated_at: now(),
                        },
                    )?;
                }
                let account = s.ledger.account(&row.from)?;
                let quote = s.ledger.fee_quote(chain_id)?.ok_or(SendError::NoFeeData)?;
                let (max_fee, tip) = fees_for(&quote, &SendSpeed::Normal)?;
                let tx_to = row
                    .tx_to
                    .as_deref()
                    .map(Address::from_str)
                    .transpose()
                    .map_err(|_| SendError::Internal("a stored address does not parse".into()))?
                    .unwrap_or_default();
                // At least 12.5 % over the last signature, so pools take it as a replacement.
                let bump =
                    |v: U256| v.saturating_mul(U256::from(9)) / U256::from(8) + U256::from(1);
                let fields = TxFields {
                    to: tx_to,
                    value: row.tx_value,
                    data: row.tx_data.clone(),
                    gas_limit: row.gas_limit,
                    max_fee: max_fee.max(bump(row.max_fee_per_gas)),
                    tip: tip.max(bump(row.max_priority_fee_per_gas)),
                };
                let nonce = match keep_nonce {
                    Some(n) => n,
                    None => next_nonce(&s.ledger, chain_id, account.id, Some(pending))?,
                };
                let row = sign_and_queue(
                    &mut s.ledger,
                    &s.keys,
                    id,
                    &account,
                    chain_id,
                    nonce,
                    &fields,
                    OpState::NeedsResign,
                )?;
                Ok(to_api(&row, &native))
            })
            .await?;
        self.ctx.emit(WalletEvent::Operation(op.clone()));
        self.ctx.wake_sync();
        Ok(op)
    }

    /// One operation, whatever its age.
    pub(crate) async fn operation(&self, id: i64) -> Result<Operation> {
        self.with_session(|s| {
            let native = ops::native_asset(&mut s.ledger, &self.ctx.network())?;
            Ok(to_api(&s.ledger.operation(id)?, &native))
        })
        .await
    }

    /// One page of the wallet's operations on the active network, newest first.
    pub(crate) async fn activity(&self, q: &ActivityQuery) -> Result<ActivityPage> {
        let limit = page::limit(q.limit)?;
        let before = q
            .before
            .as_deref()
            .map(ActivityCursor::parse)
            .transpose()?
            .map(|c| c.id);
        let states = match q.state.as_deref() {
            None => None,
            Some("pending") => Some(
                OpState::ALL
                    .into_iter()
                    .filter(|s| !s.is_final() && *s != OpState::Draft)
                    .collect(),
            ),
            Some("ended") => Some(OpState::ALL.into_iter().filter(|s| s.is_final()).collect()),
            Some(name) => Some(vec![OpState::from_str(name)
                .ok()
                .filter(|s| *s != OpState::Draft)
                .ok_or_else(|| PageError::BadState(page::quote(name)))?]),
        };
        let account = q.account.as_deref().map(parse_address).transpose()?;
        let counterparty = q.counterparty.as_deref().map(parse_address).transpose()?;
        let chain_id = self.ctx.network().chain_id;
        self.with_session(|s| {
            let native = ops::native_asset(&mut s.ledger, &self.ctx.network())?;
            let account = account.map(|a| format_address(&a));
            let (account_id, asset_id) = ops::list_scope::<SendError>(
                &s.ledger,
                chain_id,
                account.as_deref(),
                q.asset.as_deref(),
            )?;
            // One row more than the page tells whether an older page exists.
            let mut rows = s.ledger.operations_page(
                chain_id,
                &ActivityFilter {
                    account_id,
                    states,
                    asset_id,
                    counterparty: counterparty.map(|a| format_address(&a)),
                    before,
                    limit: limit + 1,
                },
            )?;
            let next = page::finish(&mut rows, limit, |r| ActivityCursor { id: r.id }.encode());
            Ok(ActivityPage {
                operations: rows.iter().map(|op| to_api(op, &native)).collect(),
                next,
            })
        })
        .await
    }

    /// Adds an ERC-20 after reading its symbol and decimals from the contract.
    pub(crate) async fn add_token(&self, contract: &str) -> Result<cairn_api::AssetBalance> {
        let address = parse_address(contract)?;
        let (symbol, decimals) = self.ctx.chain().token_metadata(address).await?;
        let chain_id = self.ctx.network().chain_id;
        let asset = self
            .with_session(|s| {
                ops::native_asset(&mut s.ledger, &self.ctx.network())?;
                let asset =
                    s.ledger
                        .add_token(chain_id, &format_address(&address), &symbol, decimals)?;
                s.ledger.reset_history_cursors(chain_id)?;
                Ok(asset)
            })
            .await?;
        self.ctx.wake_sync();
        Ok(cairn_api::AssetBalance {
            symbol: asset.symbol,
            token: asset.contract,
            decimals: asset.decimals,
            confirmed: "0".into(),
            pending_out: "0".into(),
            available: "0".into(),
            block_number: None,
            fiat: None,
        })
    }

    /// Every asset's balance for `address` as last synced: confirmed, pending out, available.
    pub(crate) async fn balances(&self, address: &str) -> Result<Vec<cairn_api::AssetBalance>> {
        let address = format_address(&parse_address(address)?);
        let chain_id = self.ctx.network().chain_id;
        self.with_session(|s| {
            ops::native_asset(&mut s.ledger, &self.ctx.network())?;
            let account = s.ledger.account(&address)?;
            let valuer = Valuer::load(&s.ledger, chain_id)?;
            let mut out = Vec::new();
            for asset in s.ledger.assets(chain_id)? {
                let stored = s.ledger.balance(account.id, asset.id)?;
                let confirmed = stored.map(|b| b.0).unwrap_or_default();
                let (pending_native, pending_token) = s.ledger.pending_outgoing(
                    chain_id,
                    account.id,
                    asset.id,
                    stored.map(|b| b.1),
                )?;
                let pending = if asset.contract.is_none() {
                    pending_native
                } else {
                    pending_token
                };
                out.push(cairn_api::AssetBalance {
                    symbol: asset.symbol.clone(),
                    token: asset.contract.clone(),
                    decimals: asset.decimals,
                    confirmed: fmt(confirmed, asset.decimals),
                    pending_out: fmt(pending, asset.decimals),
                    available: fmt(confirmed.saturating_sub(pending), asset.decimals),
                    block_number: stored.map(|b| b.1),
                    // Nothing read yet is not worth 0.
                    fiat: stored.and_then(|_| {
                        valuer.value(asset.contract.as_deref(), confirmed, asset.decimals)
                    }),
                });
            }
            Ok(out)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(base_gwei: u64, tips_gwei: [u64; 3]) -> FeeQuote {
        let g = |v: u64| U256::from(v) * U256::from(GWEI);
        FeeQuote {
            base_fee: g(base_gwei),
            tips: tips_gwei.map(g),
            block_number: 1,
            updated_at: 0,
        }
    }

    #[test]
    fn faster_costs_more_and_custom_is_taken_as_given() {
        let q = quote(10, [1, 2, 3]);
        let slow = fees_for(&q, &SendSpeed::Slow).unwrap();
        let normal = fees_for(&q, &SendSpeed::Normal).unwrap();
        let fast = fees_for(&q, &SendSpeed::Fast).unwrap();
        assert!(slow.0 < normal.0 && normal.0 < fast.0);
        assert!(slow.1 <= normal.1 && normal.1 <= fast.1);
        assert_eq!(normal.0, U256::from(22) * U256::from(GWEI));
        let custom = SendSpeed::Custom {
            max_fee_gwei: "30.5".into(),
            priority_fee_gwei: "1.25".into(),
        };
        assert_eq!(
            fees_for(&q, &custom).unwrap(),
            (U256::from(30_500_000_000u64), U256::from(1_250_000_000u64))
        );
        let upside_down = SendSpeed::Custom {
            max_fee_gwei: "1".into(),
            priority_fee_gwei: "2".into(),
        };
        assert!(fees_for(&q, &upside_down).is_err());
    }

    #[test]
    fn zero_tips_on_a_quiet_chain_still_pay_something() {
        let (_, tip) = fees_for(&quote(1, [0, 0, 0]), &SendSpeed::Normal).unwrap();
        assert!(tip > U256::ZERO);
    }
}
