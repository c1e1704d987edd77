//! Smart accounts: a Safe (1.4.1 with its ERC-4337 module) or a SimpleAccount per owner
//! account, kind and EntryPoint version (its address computed locally and checked against the
//! factory), user operations built from the user's
//! calls (one call or a batch), estimated by the bundler, optionally sponsored by the network's
//! ERC-7677 paymaster, signed by the owner key and queued through the same lifecycle as plain
//! transactions (the userOpHash stored before anything is sent), then sent and followed to
//! finality by the sync worker. Offline, an operation is signed with conservative gas limits
//! and the last fees seen, and waits for the bundler. A Safe operation can be signed by a
//! passkey that owns the Safe instead of the owner key (the user's choice per send): it is
//! estimated with a signature of the passkey's shape and signed by the authenticator outside
//! the session lock, before anything enters the ledger.
//!
//! May use: `send` (recipients, amounts, fees), `guard`, `history`, `ops`, `accounts`,
//! `passkeys`, `session`, `store`, `chain`, `primitives`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::{Address, Bytes, B256, U256};
use cairn_api::{CallSpec, Operation, SmartAccount, UserOpQuote, UserOpRequest};

use crate::accounts::signer_for;
use crate::chain::bundler::PaymasterFields;
use crate::chain::rpc::ChainError;
use crate::guard::mfa::TwoFactor;
use crate::guard::risk::Risk;
use crate::keys::vault::VaultKeys;
use crate::ops::{self, to_api, Lifecycle};
use crate::passkeys::{Authenticator, PasskeyError, PasskeySigner, Passkeys};
use crate::primitives::aa::{
    self, AaError, AccountCode, Call, EntryPointVersion, SmartKind, UserOp,
};
use crate::primitives::erc20;
use crate::primitives::units::{format_address, format_units, parse_address, parse_units};
use crate::send::{fees_for, payment, recipient, SendError};
use crate::session::{Ctx, WalletEvent};
use crate::store::ledger::{now, AccountRow, Ledger, SmartOwner};
use crate::store::operations::{AssetRow, FeeQuote, NewOperation, OpChange, OpState, OperationRow};

/// Why a smart-account action cannot go ahead.
#[derive(Debug, thiserror::Error)]
pub enum SmartError {
    #[error("{0} is not a smart account of this wallet")]
    NotSmart(String),
    #[error("{0} is a smart account: the owner of a smart account is a plain account")]
    OwnerIsSmart(String),
    #[error("this network has no bundler configured: smart accounts cannot send here")]
    NoBundler,
    #[error("this network has no paymaster configured")]
    NoPaymaster,
    #[error("the account factory {0} is not deployed on this network")]
    NoFactory(String),
    #[error("Safe's ERC-4337 contracts are not deployed on this network ({0} has no code): a Safe here could not send")]
    NoSafe(String),
    #[error("{owner} no longer owns {account}: its owners changed (recovered to another key?), so its signature would be refused")]
    NotOwner { account: String, owner: String },
    #[error("passkey \"{label}\" does not own {account}: add it to the account first")]
    PasskeyNotOwner { account: String, label: String },
    #[error("passkey \"{label}\" already owns {account}")]
    PasskeyAlreadyOwns { account: String, label: String },
    #[error("passkey \"{label}\" is the only owner of {account}: taking it off would leave no one to sign")]
    LastOwner { account: String, label: String },
    #[error("only a Safe can be signed for by a passkey; {0} is a SimpleAccount")]
    PasskeyNeedsSafe(String),
    #[error(transparent)]
    Passkey(#[from] PasskeyError),
    #[error("{0:?} is not a kind of smart account: use safe, simple, v0.7 or v0.8")]
    UnknownKind(String),
    #[error("the EntryPoint {0} is not deployed on this network")]
    NoEntryPoint(String),
    #[error("the factory gives {onchain} for this owner, but Cairn computed {local}: refusing to use it")]
    AddressMismatch { local: String, onchain: String },
    #[error("the bundler does not accept the {0} EntryPoint")]
    EntryPointNotSupported(String),
    #[error("the bundler rejected the operation: {message}")]
    Rejected {
        code: Option<&'static str>,
        message: String,
    },
    #[error("the paymaster will not pay for this operation ({0}); you can pay the gas from the account instead")]
    PaymasterRefused(String),
    #[error("a sponsored operation needs the paymaster to answer: connect, or pay the gas from the account")]
    SponsorOffline,
    #[error("a user operation moves at most one token; split the batch")]
    SeveralTokens,
    #[error(transparent)]
    Aa(#[from] AaError),
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
    Send(#[from] crate::send::SendError),
    #[error(transparent)]
    Ops(#[from] crate::ops::OpsError),
    #[error(transparent)]
    History(#[from] crate::history::HistoryError),
}

type Result<T, E = SmartError> = std::result::Result<T, E>;

/// Gas limits for an operation signed without the bundler's estimate: above what a
/// SimpleAccount needs (deployment ~300k of validation, ~45k per call), so it still lands
/// when the bundler returns. The prefund the account must hold grows with them.
const OFFLINE_VERIFICATION_GAS: u64 = 150_000;
const OFFLINE_DEPLOY_VERIFICATION_GAS: u64 = 500_000;
const OFFLINE_CALL_GAS_PER_CALL: u64 = 100_000;
const OFFLINE_PRE_VERIFICATION_GAS: u64 = 100_000;
/// A passkey's check where the P-256 precompile is missing runs the Solidity verifier
/// (~250k gas measured, docs/BENCHMARKS.md): its offline limit leaves room for that.
const OFFLINE_PASSKEY_VERIFICATION_GAS: u64 = 450_000;

/// Calls the core composed (not the user's transfers), and what to call the operation.
pub(crate) struct RawCalls {
    pub(crate) calls: Vec<Call>,
    pub(crate) kind: &'static str,
    /// Needs the second factor whatever the send policy says (when it is on): what for.
    pub(crate) needs_code: Option<&'static str>,
}

/// The user's calls, checked and encoded.
struct Resolved {
    calls: Vec<Call>,
    /// ETH the calls send.
    value: U256,
    /// The token the calls move, and how much.
    token: Option<(AssetRow, U256)>,
    /// Whom the operation pays first (the activity list's "to").
    first_to: Address,
    kind: &'static str,
}

/// Who an account was made with: the owner account whose key signs, or (a passkey's Safe)
/// the passkey, as the shared signer its setup configured.
#[derive(Debug, Clone)]
enum OwnerOf {
    Key(AccountRow),
    Passkey(PasskeySigner),
}

impl OwnerOf {
    /// The address among the owners: the key's, or the shared signer.
    fn address(&self) -> Result<Address> {
        match self {
            OwnerOf::Key(row) => Ok(parse_address(&row.address)?),
            OwnerOf::Passkey(p) => Ok(p.address),
        }
    }

    /// Whether `p` is this Safe's own passkey, signing as its setup configured it.
    fn is_own(&self, p: &PasskeySigner) -> bool {
        matches!(self, OwnerOf::Passkey(o) if o.id == p.id && o.address == p.address)
    }
}

/// An operation before the chain, the bundler and the paymaster have had their say.
struct Draft {
    account: AccountRow,
    owner: OwnerOf,
    native: AssetRow,
    code: AccountCode,
    call_data: Bytes,
    n_calls: usize,
    value: U256,
    token: Option<(AssetRow, U256)>,
    first_to: Address,
    kind: &'static str,
    sponsored: bool,
    speed: cairn_api::SendSpeed,
    /// Signing again: the operation as it was signed before.
    previous: Option<UserOp>,
    /// A passkey signs instead of the owner key.
    passkey: Option<PasskeySigner>,
}

/// An operation worked out, ready to sign.
struct Built {
    account: AccountRow,
    owner: OwnerOf,
    code: AccountCode,
    op: UserOp,
    /// ETH the calls send.
    value: U256,
    /// The token the calls move, and how much.
    token: Option<(AssetRow, U256)>,
    native: AssetRow,
    first_to: Address,
    kind: &'static str,
    deploys: bool,
    online: bool,
    sponsor_name: Option<String>,
    /// The calls, for the risk checks (empty when signing an operation again).
    calls: Vec<Call>,
    /// The base fee the node reports now and the one this wallet saw before, for the fee
    /// findings of the review.
    base_fee_now: U256,
    base_fee_before: Option<U256>,
    passkey: Option<PasskeySigner>,
}

fn rejected(e: ChainError) -> SmartError {
    match e {
        ChainError::Rpc { message, .. } => {
            let (code, message) = aa::explain(&message);
            SmartError::Rejected { code, message }
        }
        other => other.into(),
    }
}

fn paymaster_refused(e: ChainError) -> SmartError {
    match e {
        ChainError::Rpc { message, .. } => SmartError::PaymasterRefused(aa::explain(&message).1),
        e if e.is_offline() => SmartError::SponsorOffline,
        other => other.into(),
    }
}

fn apply_paymaster(op: &mut UserOp, p: &PaymasterFields) {
    op.paymaster = Some(p.paymaster);
    op.paymaster_data = Some(p.paymaster_data.clone());
    if let Some(g) = p.paymaster_verification_gas_limit {
        op.paymaster_verification_gas_limit = Some(g);
    }
    if let Some(g) = p.paymaster_post_op_gas_limit {
        op.paymaster_post_op_gas_limit = Some(g);
    }
}

/// What a user operation moved, as history entries of its account: the ETH its calls sent and
/// the token it transferred (internal calls no transaction list shows), and the gas the account
/// paid, all under the bundle transaction that carried it.
fn own_entries(
    row: &OperationRow,
    native_id: i64,
    r: &crate::chain::bundler::UserOpReceipt,
    fee: U256,
) -> Vec<crate::history::Entry> {
    if !r.success {
        // A reverted operation moved nothing but the gas.
        return own_fee(row, native_id, r, fee).into_iter().collect();
    }
    let entry = |asset_id, direction, amount| crate::history::Entry {
        account_id: row.account_id,
        asset_id,
        direction,
        amount,
        counterparty: row.to.clone(),
        tx_hash: r.transaction_hash.to_string(),
        block_number: r.block_number,
        at: now(),
    };
    let mut out = Vec::new();
    if !row.tx_value.is_zero() {
        out.push(entry(native_id, "out", row.tx_value));
    }
    if let Some(asset) = row.asset.as_ref().filter(|a| a.contract.is_some()) {
        if !row.amount.is_zero() {
            out.push(entry(asset.id, "out", row.amount));
        }
    }
    out.extend(own_fee(row, native_id, r, fee));
    out
}

fn own_fee(
    row: &OperationRow,
    native_id: i64,
    r: &crate::chain::bundler::UserOpReceipt,
    fee: U256,
) -> Option<crate::history::Entry> {
    (!fee.is_zero()).then(|| crate::history::Entry {
        account_id: row.account_id,
        asset_id: native_id,
        direction: "fee",
        amount: fee,
        counterparty: None,
        tx_hash: r.transaction_hash.to_string(),
        block_number: r.block_number,
        at: now(),
    })
}

/// Signs the operation (the owner's key) and takes it from `from` through `signed` (its
/// userOpHash and the operation stored before anything is sent) to `queued`: one ledger
/// transaction per step.
fn sign_and_queue(
    ledger: &mut Ledger,
    keys: &VaultKeys,
    id: i64,
    built: &mut Built,
    from: OpState,
    chain_id: u64,
) -> Result<OperationRow> {
    // A passkey's signature is already in the operation (made outside the session lock).
    let hash = if built.passkey.is_some() {
        built.op.hash(built.code.version(), chain_id).to_string()
    } else {
        let signer = signer_for(keys, ledger, &built.account)?;
        built
            .code
            .sign(&mut built.op, &signer, chain_id)
            .map_err(SmartError::from)?
            .to_string()
    };
    let change = OpChange {
        hash: Some(hash.clone()),
        user_op: Some(built.op.to_json().map_err(SmartError::from)?),
        entry_point: Some(format_address(&built.code.version().entry_point())),
        paymaster: built.op.paymaster.map(|p| format_address(&p)),
        tx_to: Some(built.account.address.clone()),
        tx_value: Some(built.value),
        tx_data: Some(built.op.call_data.to_vec()),
        // The gas the account itself may pay for (none when sponsored): what the
        // available-balance rule holds back.
        gas_limit: Some(if built.op.paymaster.is_some() {
            0
        } else {
            u64::try_from(built.op.total_gas()).unwrap_or(u64::MAX)
        }),
        max_fee_per_gas: Some(built.op.max_fee_per_gas),
        max_priority_fee_per_gas: Some(built.op.max_priority_fee_per_gas),
        attempts: Some((0, 0)),
        ..OpChange::default()
    };
    Ok(ledger.sign_then_queue(id, from, &change, &hash)?)
}

/// Why an included user operation failed, if it did.
fn failure_of(r: &crate::chain::bundler::UserOpReceipt) -> Option<String> {
    (!r.success).then(|| match &r.reason {
        Some(reason) => format!("reverted: {reason}"),
        None => "reverted".into(),
    })
}

fn fmt(v: U256, decimals: u8) -> String {
    format_units(v, decimals).unwrap_or_else(|_| v.to_string())
}

/// A payment from a smart account, as the user operation that makes it (gas paid by the
/// account).
pub(crate) fn payment_as_user_op(from: String, req: &cairn_api::SendRequest) -> UserOpRequest {
    UserOpRequest {
        from,
        calls: vec![cairn_api::CallSpec::Transfer {
            to: req.to.clone(),
            token: req.token.clone(),
            amount: req.amount.clone(),
        }],
        sponsored: false,
        speed: req.speed.clone(),
        mfa_code: req.mfa_code.clone(),
        override_risk: req.override_risk,
        signer: None,
    }
}

/// `safe` (the default), `simple` (v0.7) or a SimpleAccount's EntryPoint version.
fn parse_kind(kind: Option<&str>) -> Result<(SmartKind, EntryPointVersion)> {
    let Some(text) = kind.map(str::trim) else {
        return Ok((SmartKind::Safe, EntryPointVersion::V07));
    };
    if let Some(kind) = SmartKind::parse(&text.to_ascii_lowercase()) {
        return Ok((kind, EntryPointVersion::V07));
    }
    EntryPointVersion::parse(text)
        .map(|v| (SmartKind::Simple, v))
        .map_err(|_| SmartError::UnknownKind(text.to_string()))
}

/// SmartAccounts's service over the shared session state.
pub(crate) struct SmartAccounts<'a> {
    pub(crate) ctx: &'a Ctx,
    /// The device's passkey authenticator, for operations a passkey signs.
    authenticator: Option<Arc<dyn Authenticator>>,
}

impl<'a> SmartAccounts<'a> {
    pub(crate) fn new(ctx: &'a Ctx) -> SmartAccounts<'a> {
        SmartAccounts {
            ctx,
            authenticator: None,
        }
    }

    pub(crate) fn with_authenticator(
        mut self,
        authenticator: Option<Arc<dyn Authenticator>>,
    ) -> SmartAccounts<'a> {
        self.authenticator = authenticator;
        self
    }

    fn passkeys(&self) -> Passkeys<'_> {
        Passkeys {
            ctx: self.ctx,
            authenticator: self.authenticator.clone(),
        }
    }

    /// Who `account` (a smart account) was made with, its passkey read as a signer.
    async fn owner_of(&self, account: &AccountRow) -> Result<OwnerOf> {
        let smart = account
            .smart
            .ok_or_else(|| SmartError::NotSmart(account.address.clone()))?;
        match smart.owner {
            // A read (the account list asks it too): not activity.
            SmartOwner::Key(id) => Ok(OwnerOf::Key(
                self.with_session_quiet(|s| Ok(s.ledger.account_by_id(id)?))
                    .await?,
            )),
            SmartOwner::Passkey(id) => {
                Ok(OwnerOf::Passkey(self.passkeys().shared_signer(id).await?))
            }
        }
    }
}

impl SmartAccounts<'_> {
    crate::session::gate_methods!(SmartError);

    fn lifecycle(&self) -> Lifecycle<'_> {
        Lifecycle { ctx: self.ctx }
    }

    /// The smart account of `owner` of a kind — `safe` (the default), `simple` or a
    /// SimpleAccount's EntryPoint version (`v0.7`, `v0.8`) — added to the wallet the first time.
    /// Its address is computed locally and, when a node answers, checked against the factory:
    /// a mismatch is refused, never used.
    pub(crate) async fn smart_account(
        &self,
        owner: &str,
        kind: Option<&str>,
    ) -> Result<SmartAccount> {
        let (kind, version) = parse_kind(kind)?;
        let chain_id = self.ctx.network().chain_id;
        let code = AccountCode::new(kind, version, chain_id);
        let owner_address = parse_address(owner)?;
        let local = code.address(owner_address);
        let chain = self.ctx.chain();
        let factory = code.factory();
        let deployed_live = chain.has_code(local).await.ok();
        if let AccountCode::Safe(d) = &code {
            self.code_present(&[
                ("Safe4337Module", d.module),
                ("SafeModuleSetup", d.module_setup),
            ])
            .await?;
        }
        self.factory_agrees(
            factory,
            &code.address_check_call(owner_address),
            local,
            code.kind() == SmartKind::Safe && deployed_live == Some(true),
        )
        .await?;
        let version = code.version();
        let row = self
            .with_session(|s| {
                let owner = s.ledger.account(&format_address(&owner_address))?;
                if owner.smart.is_some() {
                    return Err(SmartError::OwnerIsSmart(owner.address));
                }
                // The account is its address: the one this owner's key makes (a recovered Safe
                // the same key owns is another account).
                let existing = s
                    .ledger
                    .accounts(true)?
                    .into_iter()
                    .find(|a| a.smart.is_some() && a.address == format_address(&local));
                let row = match existing {
                    Some(row) => row,
                    None => s.ledger.add_smart_account(
                        &owner,
                        kind,
                        version,
                        &format_address(&local),
                        &match kind {
                            SmartKind::Safe => format!("{} (Safe)", owner.name),
                            SmartKind::Simple => format!("{} (smart)", owner.name),
                        },
                    )?,
                };
                if deployed_live == Some(true) {
                    s.ledger.set_deployed(row.id, chain_id)?;
                }
                Ok(row)
            })
            .await?;
        tracing::info!(
            account = %row.address,
            kind = kind.as_str(),
            version = version.as_str(),
            "smart account ready"
        );
        self.ctx.wake_sync();
        self.smart_info(&row, deployed_live).await
    }

    /// Refuses a network where a contract the account needs has no code (a Safe whose module
    /// is missing could never validate an operation). Offline, nothing is refused.
    async fn code_present(&self, needed: &[(&str, Address)]) -> Result<()> {
        for (what, at) in needed {
            match self.ctx.chain().has_code(*at).await {
                Ok(false) => {
                    return Err(SmartError::NoSafe(format!("{what} {}", format_address(at))))
                }
                Ok(true) => {}
                Err(e) if e.is_offline() => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// Asks the factory (an `eth_call`, nothing deployed) for the account's address and refuses
    /// one that differs from `local`. Safe's factory cannot deploy twice: once the Safe is
    /// there (`deployed_safe`), its code stands in. Offline the local computation stands: it
    /// is what the factory computes.
    async fn factory_agrees(
        &self,
        factory: Address,
        call: &[u8],
        local: Address,
        deployed_safe: bool,
    ) -> Result<()> {
        match self.ctx.chain().call(factory, call).await {
            Ok(bytes) if bytes.len() == 32 => {
                let onchain = Address::from_slice(&bytes[12..]);
                if onchain != local {
                    return Err(SmartError::AddressMismatch {
                        local: format_address(&local),
                        onchain: format_address(&onchain),
                    });
                }
                Ok(())
            }
            Err(ChainError::Rpc { .. }) if deployed_safe => Ok(()),
            Ok(_) | Err(ChainError::Rpc { .. }) => {
                Err(SmartError::NoFactory(format_address(&factory)))
            }
            Err(e) if e.is_offline() => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// The Safe whose one owner is passkey `passkey_id` (configured in its setup through the
    /// shared signer), added to the wallet the first time. No key of this wallet can sign for
    /// it: whoever holds the passkey — on a synced passkey, whoever controls the account that
    /// syncs it — holds the Safe (the window and the CLI say so before making one). Its
    /// address is computed locally and checked against the factory, as for any Safe.
    pub(crate) async fn passkey_safe(&self, passkey_id: i64) -> Result<SmartAccount> {
        let chain_id = self.ctx.network().chain_id;
        let p = self.passkeys().shared_signer(passkey_id).await?;
        let d = aa::safe::SafeDeployment::for_chain(chain_id);
        let pd = aa::safe::PasskeyDeployment::for_chain(chain_id)
            .ok_or(PasskeyError::NotOnNetwork(chain_id))?;
        let local = aa::safe::passkey_account_address(&d, &pd, &p.key);
        let deployed_live = self.ctx.chain().has_code(local).await.ok();
        self.code_present(&[
            ("Safe4337Module", d.module),
            ("SafeModuleSetup", d.module_setup),
            ("MultiSend", d.multi_send),
            ("SafeWebAuthnSharedSigner", pd.shared_signer),
        ])
        .await?;
        self.factory_agrees(
            d.proxy_factory,
            &aa::safe::passkey_create_proxy_call(&d, &pd, &p.key),
            local,
            deployed_live == Some(true),
        )
        .await?;
        let address = format_address(&local);
        let name = format!("{} (Safe)", p.label);
        let row = self
            .with_session(|s| {
                let existing = s
                    .ledger
                    .accounts(true)?
                    .into_iter()
                    .find(|a| a.address == address);
                let row = match existing {
                    Some(row) if row.smart.and_then(|m| m.passkey()) == Some(passkey_id) => row,
                    // Another account at this address could only be a collision of hashes.
                    Some(row) => {
                        return Err(SmartError::Internal(format!(
                            "{} is already an account of this wallet",
                            row.address
                        )))
                    }
                    None => s.ledger.add_passkey_safe(passkey_id, &address, &name)?,
                };
                if deployed_live == Some(true) {
                    s.ledger.set_deployed(row.id, chain_id)?;
                }
                Ok(row)
            })
            .await?;
        tracing::info!(account = %row.address, passkey = passkey_id, "passkey Safe ready");
        self.ctx.wake_sync();
        self.smart_info(&row, deployed_live).await
    }

    async fn smart_info(&self, row: &AccountRow, live: Option<bool>) -> Result<SmartAccount> {
        let chain_id = self.ctx.network().chain_id;
        let smart = row
            .smart
            .ok_or_else(|| SmartError::NotSmart(row.address.clone()))?;
        let known = self
            .with_session_quiet(|s| Ok(s.ledger.is_deployed(row.id, chain_id)?))
            .await?;
        // Who it was made with, as shown: a passkey's Safe on a network without the passkey
        // contracts still lists (its shared signer unknown there), it just cannot send.
        let (owner_address, passkey) = match smart.owner {
            SmartOwner::Key(_) => (format_address(&self.owner_of(row).await?.address()?), None),
            SmartOwner::Passkey(id) => {
                let label = self
                    .with_session_quiet(|s| Ok(s.ledger.passkey(id)?))
                    .await?
                    .map(|p| p.label)
                    .unwrap_or_default();
                let shared = aa::safe::PasskeyDeployment::for_chain(chain_id)
                    .map(|d| format_address(&d.shared_signer))
                    .unwrap_or_default();
                (shared, Some(label))
            }
        };
        let network = self.ctx.network();
        let chain = self.ctx.chain();
        let address = parse_address(&row.address)?;
        let deposit = chain
            .call(smart.version.entry_point(), &aa::deposit_of_call(address))
            .await
            .ok()
            .filter(|b| b.len() == 32)
            .map(|b| fmt(U256::from_be_slice(&b), network.currency_decimals));
        let deployed = live.unwrap_or(known) || known;
        // Who signs: a deployed Safe says (its owners can change); otherwise the one owner it
        // is made with. `None` when a deployed Safe's node does not answer.
        let (owners, threshold) = match smart.kind {
            SmartKind::Safe if deployed => {
                let (owners, threshold) = self.safe_owners(address).await.unwrap_or((None, None));
                (
                    owners.map(|o| o.iter().map(format_address).collect()),
                    threshold,
                )
            }
            _ if owner_address.is_empty() => (None, None),
            _ => (Some(vec![owner_address.clone()]), Some(1)),
        };
        Ok(SmartAccount {
            address: row.address.clone(),
            name: row.name.clone(),
            owner: owner_address,
            passkey,
            kind: smart.kind.as_str().to_string(),
            owners,
            threshold,
            entry_point_version: smart.version.as_str().to_string(),
            entry_point: format_address(&smart.version.entry_point()),
            deployed,
            deposit,
        })
    }

    /// The wallet's smart accounts, with whether each is deployed on the active network (asked
    /// of the node where the ledger does not know yet).
    pub(crate) async fn smart_accounts(&self) -> Result<Vec<SmartAccount>> {
        let chain_id = self.ctx.network().chain_id;
        let rows = self
            .with_session(|s| {
                let mut out = Vec::new();
                for row in s.ledger.accounts(true)? {
                    if row.smart.is_some() {
                        let known = s.ledger.is_deployed(row.id, chain_id)?;
                        out.push((row, known));
                    }
                }
                Ok(out)
            })
            .await?;
        let mut out = Vec::new();
        for (row, known) in rows {
            let live = if known {
                Some(true)
            } else {
                let address = parse_address(&row.address)?;
                let live = self.ctx.chain().has_code(address).await.ok();
                if live == Some(true) {
                    self.with_session_quiet(|s| Ok(s.ledger.set_deployed(row.id, chain_id)?))
                        .await?;
                }
                live
            };
            out.push(self.smart_info(&row, live).await?);
        }
        Ok(out)
    }

    /// The calls of a request, checked: addresses, amounts in each asset's decimals, tokens the
    /// wallet knows.
    fn resolve_calls(ledger: &mut Ledger, chain_id: u64, specs: &[CallSpec]) -> Result<Resolved> {
        if specs.is_empty() {
            return Err(SmartError::Aa(AaError::NoCalls));
        }
        let native_decimals = ledger.asset(chain_id, None)?.decimals;
        let mut calls = Vec::new();
        let mut value = U256::ZERO;
        let mut token: Option<(AssetRow, U256)> = None;
        let mut first_to = None;
        let mut kind = "transfer";
        let known_token = |ledger: &mut Ledger, t: &str| -> Result<(Address, AssetRow)> {
            let address = parse_address(t)?;
            let asset = ledger
                .asset(chain_id, Some(&format_address(&address)))
                .map_err(|_| SendError::UnknownToken(format_address(&address)))?;
            Ok((address, asset))
        };
        for spec in specs {
            match spec {
                CallSpec::Transfer {
                    to,
                    token: None,
                    amount,
                } => {
                    let to = recipient(to)?;
                    let amount = payment(amount, native_decimals)?;
                    value = value.saturating_add(amount);
                    first_to.get_or_insert(to);
                    calls.push(Call {
                        to,
                        value: amount,
                        data: Bytes::new(),
                    });
                }
                CallSpec::Transfer {
                    to,
                    token: Some(t),
                    amount,
                } => {
                    let (contract, asset) = known_token(ledger, t)?;
                    let to = recipient(to)?;
                    let amount = payment(amount, asset.decimals)?;
                    token = match token {
                        None => Some((asset, amount)),
                        Some((a, sum)) if a.id == asset.id => Some((a, sum.saturating_add(amount))),
                        Some(_) => return Err(SmartError::SeveralTokens),
                    };
                    first_to.get_or_insert(to);
                    kind = "erc20_transfer";
                    calls.push(Call {
                        to: contract,
                        value: U256::ZERO,
                        data: erc20::transfer(to, amount).into(),
                    });
                }
                CallSpec::Approve {
                    token: t,
                    spender,
                    amount,
                } => {
                    let (contract, asset) = known_token(ledger, t)?;
                    let spender = recipient(spender)?;
                    // Zero is allowed: it revokes an approval.
                    let amount = parse_units(amount, asset.decimals)?;
                    calls.push(Call {
                        to: contract,
                        value: U256::ZERO,
                        data: erc20::approve(spender, amount).into(),
                    });
                }
            }
        }
        if calls.len() > 1 {
            kind = "batch";
        }
        let first_to = first_to.unwrap_or(calls[0].to);
        Ok(Resolved {
            calls,
            value,
            token,
            first_to,
            kind,
        })
    }

    /// Works a request out against the chain, the bundler and the paymaster — or, offline, from
    /// what the wallet last saw.
    async fn build_user_op(&self, req: &UserOpRequest, raw: Option<&RawCalls>) -> Result<Built> {
        let chain_id = self.ctx.network().chain_id;
        let from = parse_address(&req.from)?;
        let (account, native, resolved) = self
            .with_session(|s| {
                let native = ops::native_asset(&mut s.ledger, &self.ctx.network())?;
                let account = s.ledger.account(&format_address(&from))?;
                let resolved = match raw {
                    Some(raw) => Resolved {
                        calls: raw.calls.clone(),
                        value: raw
                            .calls
                            .iter()
                            .fold(U256::ZERO, |sum, c| sum.saturating_add(c.value)),
                        token: None,
                        first_to: raw.calls.first().map(|c| c.to).ok_or(AaError::NoCalls)?,
                        kind: raw.kind,
                    },
                    None => Self::resolve_calls(&mut s.ledger, chain_id, &req.calls)?,
                };
                Ok((account, native, resolved))
            })
            .await?;
        let code = account
            .smart
            .map(|m| AccountCode::new(m.kind, m.version, chain_id))
            .ok_or_else(|| SmartError::NotSmart(account.address.clone()))?;
        let owner = self.owner_of(&account).await?;
        // A passkey's Safe is signed by its passkey unless another is named; that passkey
        // signs as its setup configured it (the shared signer), any other through its proxy.
        let passkey = match (req.signer, &owner) {
            (Some(_), _) if code.kind() != SmartKind::Safe => {
                return Err(SmartError::PasskeyNeedsSafe(account.address.clone()))
            }
            (None, OwnerOf::Passkey(own)) => Some(own.clone()),
            (Some(id), OwnerOf::Passkey(own)) if id == own.id => Some(own.clone()),
            (Some(id), _) => Some(self.passkeys().signer(id).await?),
            (None, OwnerOf::Key(_)) => None,
        };
        let call_data = code.call_data(&resolved.calls).map_err(SmartError::from)?;
        let calls = resolved.calls.clone();
        let mut built = self
            .complete(Draft {
                account,
                owner,
                native,
                code,
                call_data,
                n_calls: resolved.calls.len(),
                value: resolved.value,
                token: resolved.token,
                first_to: resolved.first_to,
                kind: resolved.kind,
                sponsored: req.sponsored,
                speed: req.speed.clone(),
                previous: None,
                passkey,
            })
            .await?;
        built.calls = calls;
        Ok(built)
    }

    /// Fills in what the chain, the bundler and the paymaster decide: deployment, nonce, fees,
    /// gas, paymaster data. Offline: the ledger's view and conservative gas (or, for a re-signed
    /// operation, its previous gas).
    async fn complete(&self, d: Draft) -> Result<Built> {
        let chain_id = self.ctx.network().chain_id;
        let Draft {
            account,
            owner,
            native,
            code,
            call_data,
            n_calls,
            value,
            token,
            first_to,
            kind,
            sponsored,
            speed,
            previous,
            passkey,
        } = d;
        let from = parse_address(&account.address)?;
        let version = code.version();
        let entry_point = version.entry_point();
        let chain = self.ctx.chain();
        let bundler = chain.bundler().ok_or(SmartError::NoBundler)?;

        // What the node says now: deployed or not, fees, balances. Offline: the ledger's view.
        let live = async {
            let deployed = chain.has_code(from).await?;
            let fees = chain.fee_history().await?;
            let mut queries = vec![crate::chain::client::BalanceQuery {
                owner: from,
                token: None,
            }];
            if let Some((asset, _)) = &token {
                if let Some(c) = &asset.contract {
                    queries.push(crate::chain::client::BalanceQuery {
                        owner: from,
                        token: Some(parse_address(c)?),
                    });
                }
            }
            let (block, balances) = chain.balances(&queries).await?;
            Ok::<_, SmartError>((deployed, fees, block, balances))
        }
        .await;
        let live = match live {
            Ok(l) => Some(l),
            Err(SmartError::Chain(e)) if e.is_offline() => None,
            Err(e) => return Err(e),
        };
        let (deploys, quote, base_fee_before) = self
            .with_session(|s| {
                let base_fee_before = crate::guard::risk::recent_base_fee(&s.ledger, chain_id)?;
                if let Some((deployed, fees, block, balances)) = &live {
                    crate::guard::risk::remember_fee_quote(
                        &mut s.ledger,
                        &self.ctx.network(),
                        &FeeQuote {
                            base_fee: fees.next_base_fee,
                            tips: fees.tips,
                            block_number: *block,
                            updated_at: now(),
                        },
                    )?;
                    let mut values = balances.iter();
                    if let Some(Ok(b)) = values.next() {
                        s.ledger.set_balance(account.id, native.id, *b, *block)?;
                    }
                    if let (Some((asset, _)), Some(Ok(b))) = (&token, values.next()) {
                        s.ledger.set_balance(account.id, asset.id, *b, *block)?;
                    }
                    if *deployed {
                        s.ledger.set_deployed(account.id, chain_id)?;
                    }
                }
                let deployed = s.ledger.is_deployed(account.id, chain_id)?;
                // Offline, an earlier operation still on its way may deploy it: only the first
                // one carries the factory.
                let deploying = s
                    .ledger
                    .operations_in(
                        chain_id,
                        &[OpState::Queued, OpState::Submitted, OpState::Included],
                    )?
                    .iter()
                    .any(|o| {
                        o.account_id == account.id
                            && o.user_op
                                .as_deref()
                                .and_then(|j| UserOp::from_json(j).ok())
                                .is_some_and(|u| u.factory.is_some())
                    });
                let quote = s.ledger.fee_quote(chain_id)?.ok_or(SendError::NoFeeData)?;
                // What the calls move must be there before the bundler is asked (gas is
                // checked with the full cost when signing).
                let asset = token
                    .as_ref()
                    .map(|(a, _)| a.clone())
                    .unwrap_or_else(|| native.clone());
                let (avail_native, avail_asset) =
                    ops::available(&s.ledger, chain_id, &account, &native, &asset)?;
                // (An operation signed again is already counted in what is promised.)
                let fresh = previous.is_none();
                if let Some((asset, amount)) = token.as_ref().filter(|_| fresh) {
                    if *amount > avail_asset {
                        return Err(SendError::InsufficientFunds {
                            symbol: asset.symbol.clone(),
                            needed: fmt(*amount, asset.decimals),
                            available: fmt(avail_asset, asset.decimals),
                        }
                        .into());
                    }
                }
                if fresh && value > avail_native {
                    return Err(SendError::InsufficientFunds {
                        symbol: native.symbol.clone(),
                        needed: fmt(value, native.decimals),
                        available: fmt(avail_native, native.decimals),
                    }
                    .into());
                }
                Ok((!deployed && !deploying, quote, base_fee_before))
            })
            .await?;
        let base_fee_now = live
            .as_ref()
            .map_or(quote.base_fee, |(_, fees, ..)| fees.next_base_fee);
        let (mut max_fee, mut tip) = fees_for(&quote, &speed)?;
        let online_chain = live.is_some();
        if online_chain {
            match bundler.supported_entry_points().await {
                Ok(list) if !list.contains(&entry_point) => {
                    return Err(SmartError::EntryPointNotSupported(version.as_str().into()))
                }
                Ok(_) => {}
                Err(e) if e.is_offline() => {}
                Err(e) => return Err(rejected(e)),
            }
        }
        // A bundler with its own gas price (alto) refuses less than that.
        if online_chain && !matches!(speed, cairn_api::SendSpeed::Custom { .. }) {
            match bundler.gas_price().await {
                Ok(Some((b_max, b_tip))) => {
                    max_fee = max_fee.max(b_max);
                    tip = tip.max(b_tip).min(max_fee);
                }
                Ok(None) => {}
                Err(e) if e.is_offline() => {}
                Err(e) => return Err(e.into()),
            }
        }
        // The node's fee, or the bundler's, over the network's ceiling is not offered on their
        // word alone: the user sets the fee by hand to mean it. (A sponsored operation's gas is
        // the paymaster's to pay.)
        if !sponsored {
            crate::send::within_fee_ceiling(&self.ctx.network(), max_fee, &speed)?;
        }
        let owner_address = owner.address()?;
        let signing = passkey.as_ref().map_or(owner_address, |p| p.address);
        // A Safe not yet deployed is owned by what it is made for alone (a key, or a passkey
        // through the shared signer): another passkey joins it by an operation of that owner.
        if let Some(p) = &passkey {
            let deployed_now = live.as_ref().map(|(d, ..)| *d);
            if (deploys || deployed_now == Some(false)) && !owner.is_own(p) {
                return Err(SmartError::PasskeyNotOwner {
                    account: account.address.clone(),
                    label: p.label.clone(),
                });
            }
        }
        // A deployed Safe's owners can change (a recovery): a key that no longer owns it is
        // told so now, not by a bundler rejection after the user confirmed.
        if let (AccountCode::Safe(_), true, Some((true, ..))) = (&code, online_chain, live.as_ref())
        {
            match chain.call(from, &aa::safe::get_owners_call()).await {
                Ok(bytes) => {
                    if let Some(owners) = aa::safe::decode_owners(&bytes) {
                        if !owners.contains(&signing) {
                            return Err(match &passkey {
                                Some(p) => SmartError::PasskeyNotOwner {
                                    account: account.address.clone(),
                                    label: p.label.clone(),
                                },
                                None => SmartError::NotOwner {
                                    account: account.address.clone(),
                                    owner: format_address(&owner_address),
                                },
                            });
                        }
                    }
                }
                Err(e) if e.is_offline() => {}
                Err(e) => return Err(e.into()),
            }
        }
        // A fresh key per operation; its sequence is 0 unless the EntryPoint says otherwise
        // (asked when a node answers; offline, a never-used random key is at 0).
        let mut nonce = aa::fresh_nonce().map_err(SmartError::from)?;
        if online_chain {
            match chain
                .call(entry_point, &aa::get_nonce_call(from, nonce >> 64))
                .await
            {
                Ok(bytes) if bytes.len() == 32 => nonce = U256::from_be_slice(&bytes),
                Ok(_) => return Err(SmartError::NoEntryPoint(format_address(&entry_point))),
                Err(e) if e.is_offline() => {}
                Err(e) => return Err(e.into()),
            }
        }
        let mut op = UserOp {
            sender: from,
            nonce,
            factory: deploys.then_some(code.factory()),
            factory_data: match (&owner, &code) {
                (OwnerOf::Passkey(p), AccountCode::Safe(d)) if deploys => {
                    let pd = aa::safe::PasskeyDeployment::for_chain(chain_id)
                        .ok_or(PasskeyError::NotOnNetwork(chain_id))?;
                    Some(aa::safe::passkey_create_proxy_call(d, &pd, &p.key).into())
                }
                _ => deploys.then(|| code.factory_data(owner_address)),
            },
            call_data,
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip,
            signature: match &passkey {
                Some(p) => aa::safe::passkey_dummy_signature(p.address),
                None => code.dummy_signature(),
            },
            ..UserOp::default()
        };
        let mut sponsor_name = None;
        let paymaster = if sponsored {
            let pm = chain.paymaster().ok_or(SmartError::NoPaymaster)?;
            if !online_chain {
                return Err(SmartError::SponsorOffline);
            }
            let stub = pm
                .paymaster_stub(&op, entry_point, chain_id)
                .await
                .map_err(paymaster_refused)?;
            apply_paymaster(&mut op, &stub);
            sponsor_name = stub.sponsor_name.clone();
            Some(pm)
        } else {
            None
        };
        let estimate = if online_chain {
            match bundler.estimate(&op, entry_point).await {
                Ok(g) => Some(g),
                Err(e) if e.is_offline() => None,
                Err(e) => return Err(rejected(e)),
            }
        } else {
            None
        };
        let online = estimate.is_some();
        match estimate {
            Some(g) => {
                op.pre_verification_gas = g.pre_verification_gas;
                op.verification_gas_limit = g.verification_gas_limit;
                // State can move between estimate and inclusion: 20 % on the call.
                op.call_gas_limit = g.call_gas_limit.saturating_mul(U256::from(6)) / U256::from(5);
                if op.paymaster.is_some() {
                    if let Some(v) = g.paymaster_verification_gas_limit {
                        op.paymaster_verification_gas_limit = Some(v);
                    }
                    if let Some(v) = g.paymaster_post_op_gas_limit {
                        op.paymaster_post_op_gas_limit = Some(v);
                    }
                }
            }
            None => {
                if paymaster.is_some() {
                    return Err(SmartError::SponsorOffline);
                }
                match &previous {
                    Some(p) => {
                        op.pre_verification_gas = p.pre_verification_gas;
                        op.verification_gas_limit = p.verification_gas_limit;
                        op.call_gas_limit = p.call_gas_limit;
                    }
                    None => {
                        op.pre_verification_gas = U256::from(OFFLINE_PRE_VERIFICATION_GAS);
                        op.verification_gas_limit = U256::from(if deploys {
                            OFFLINE_DEPLOY_VERIFICATION_GAS
                        } else if passkey.is_some() {
                            OFFLINE_PASSKEY_VERIFICATION_GAS
                        } else {
                            OFFLINE_VERIFICATION_GAS
                        });
                        op.call_gas_limit = U256::from(OFFLINE_CALL_GAS_PER_CALL)
                            .saturating_mul(U256::from(n_calls));
                    }
                }
            }
        }
        if let Some(pm) = paymaster {
            let data = pm
                .paymaster_data(&op, entry_point, chain_id)
                .await
                .map_err(paymaster_refused)?;
            apply_paymaster(&mut op, &data);
        }
        Ok(Built {
            account,
            owner,
            code,
            op,
            value,
            token,
            native,
            first_to,
            kind,
            deploys,
            online,
            sponsor_name,
            calls: Vec::new(),
            base_fee_now,
            base_fee_before,
            passkey,
        })
    }

    fn user_op_quote(b: &Built, available_native: U256) -> UserOpQuote {
        let sponsored = b.op.paymaster.is_some();
        UserOpQuote {
            from: b.account.address.clone(),
            owner: b
                .owner
                .address()
                .map(|a| format_address(&a))
                .unwrap_or_default(),
            passkey: b.passkey.as_ref().map(|p| p.label.clone()),
            calls: 1,
            deploys: b.deploys,
            gas_paid_by: match (&b.op.paymaster, &b.sponsor_name) {
                (Some(_), Some(name)) => format!("the paymaster ({name})"),
                (Some(p), None) => format!("the paymaster {}", format_address(p)),
                (None, _) => "the account".into(),
            },
            sponsored,
            total_gas: b.op.total_gas().to_string(),
            max_fee_per_gas_wei: b.op.max_fee_per_gas.to_string(),
            max_network_fee: fmt(b.op.max_cost_to_account(), b.native.decimals),
            native_symbol: b.native.symbol.clone(),
            available_native: fmt(available_native, b.native.decimals),
            online: b.online,
            risk: None,
        }
    }

    /// The simulation and risk checks of every call the account would make, as one report.
    async fn user_op_risk(&self, built: &Built) -> Result<cairn_api::RiskReport> {
        let from = parse_address(&built.account.address)?;
        let mut merged: Option<cairn_api::RiskReport> = None;
        for c in &built.calls {
            let (recipient, token) = match erc20::parse_transfer(&c.data) {
                Some((to, _)) => (to, Some(c.to)),
                None => (c.to, None),
            };
            let call = crate::guard::risk::Call {
                from,
                to: c.to,
                value: c.value,
                data: c.data.to_vec(),
            };
            let report = Risk { ctx: self.ctx }
                .assess(&call, Some(recipient), token)
                .await?;
            merged = Some(match merged {
                None => report,
                Some(mut m) => {
                    for w in report.warnings {
                        if !m.warnings.contains(&w) {
                            m.warnings.push(w);
                        }
                    }
                    let sim = &mut m.simulation;
                    sim.success &= report.simulation.success;
                    sim.revert_reason =
                        sim.revert_reason.take().or(report.simulation.revert_reason);
                    sim.changes.extend(report.simulation.changes);
                    sim.approvals.extend(report.simulation.approvals);
                    m.score = crate::guard::risk::score(&m.warnings);
                    m
                }
            });
        }
        let mut report = merged.unwrap_or(cairn_api::RiskReport {
            score: 0,
            warnings: Vec::new(),
            simulation: cairn_api::SimulationReport {
                method: "none".into(),
                success: true,
                revert_reason: None,
                gas_used: None,
                changes: Vec::new(),
                approvals: Vec::new(),
                unchecked: Some("nothing to simulate".into()),
            },
        });
        // The same fee findings as a transaction's, on what the account itself may pay.
        if built.op.paymaster.is_none() {
            report.warnings.extend(crate::guard::risk::fee_rules(
                &crate::guard::risk::FeeFacts {
                    max_total: built.op.max_cost_to_account(),
                    value: built.value,
                    base_fee_now: built.base_fee_now,
                    base_fee_before: built.base_fee_before,
                    max_fee_per_gas: built.op.max_fee_per_gas,
                    symbol: built.native.symbol.clone(),
                    decimals: built.native.decimals,
                },
            ));
            report.score = crate::guard::risk::score(&report.warnings);
        }
        Ok(report)
    }

    /// What a user operation would do and cost, without signing it.
    pub(crate) async fn quote_user_op(&self, req: &UserOpRequest) -> Result<UserOpQuote> {
        let built = self.build_user_op(req, None).await?;
        let chain_id = self.ctx.network().chain_id;
        let available = self
            .with_session(|s| {
                Ok(ops::available(
                    &s.ledger,
                    chain_id,
                    &built.account,
                    &built.native,
                    &built.native,
                )?
                .0)
            })
            .await?;
        let mut quote = Self::user_op_quote(&built, available);
        quote.calls = req.calls.len();
        quote.risk = Some(self.user_op_risk(&built).await?);
        Ok(quote)
    }

    /// A deployed Safe's owners and threshold, asked of the node in one batched request (each
    /// `None` when its answer does not decode).
    async fn safe_owners(
        &self,
        address: Address,
    ) -> Result<(Option<Vec<Address>>, Option<u64>), ChainError> {
        let answers = self
            .ctx
            .chain()
            .calls(&[
                (address, aa::safe::get_owners_call().into()),
                (address, aa::safe::get_threshold_call().into()),
            ])
            .await?;
        let mut answers = answers.into_iter().map(Result::ok);
        let owners = answers
            .next()
            .flatten()
            .and_then(|b| aa::safe::decode_owners(&b));
        let threshold = answers
            .next()
            .flatten()
            .and_then(|b| aa::safe::decode_threshold(&b));
        Ok((owners, threshold))
    }

    /// A Safe's owners and threshold as the chain has them; before its deployment, `owner`
    /// (what it is made for, [`Self::owner_of`]) alone.
    async fn owners_of(&self, row: &AccountRow, owner: &OwnerOf) -> Result<(Vec<Address>, u64)> {
        let address = parse_address(&row.address)?;
        let chain = self.ctx.chain();
        if !chain.has_code(address).await? {
            return Ok((vec![owner.address()?], 1));
        }
        match self.safe_owners(address).await? {
            (Some(o), Some(t)) => Ok((o, t)),
            _ => Err(SmartError::NoSafe(row.address.clone())),
        }
    }

    async fn safe_row(&self, account: &str) -> Result<AccountRow> {
        let address = format_address(&parse_address(account)?);
        let row = self
            .with_session(|s| Ok(s.ledger.account(&address)?))
            .await?;
        match row.smart {
            Some(m) if m.kind == SmartKind::Safe => Ok(row),
            Some(_) => Err(SmartError::PasskeyNeedsSafe(row.address)),
            None => Err(SmartError::NotSmart(row.address)),
        }
    }

    /// Makes passkey `passkey_id` an owner of the Safe `account` (its signer proxy created and
    /// added, the threshold kept) in one user operation signed by its owner (the key, or the
    /// passkey a passkey's Safe was made with); an owner change, so behind two-factor when it
    /// is enrolled.
    pub(crate) async fn add_passkey_owner(
        &self,
        account: &str,
        passkey_id: i64,
        sponsored: bool,
        mfa_code: Option<String>,
    ) -> Result<Operation> {
        let row = self.safe_row(account).await?;
        let owner = self.owner_of(&row).await?;
        // The passkey a Safe was made with owns it already, through the shared signer.
        if let OwnerOf::Passkey(own) = &owner {
            if own.id == passkey_id {
                return Err(SmartError::PasskeyAlreadyOwns {
                    account: row.address.clone(),
                    label: own.label.clone(),
                });
            }
        }
        let signer = self.passkeys().signer(passkey_id).await?;
        let (owners, threshold) = self.owners_of(&row, &owner).await?;
        if owners.contains(&signer.address) {
            return Err(SmartError::PasskeyAlreadyOwns {
                account: row.address.clone(),
                label: signer.label.clone(),
            });
        }
        let d =
            crate::primitives::aa::safe::PasskeyDeployment::for_chain(self.ctx.network().chain_id)
                .ok_or(PasskeyError::NotOnNetwork(self.ctx.network().chain_id))?;
        let safe = parse_address(&row.address)?;
        let calls = vec![
            // Anyone may create a signer proxy; a second creation of the same one is a no-op.
            Call {
                to: d.signer_factory,
                value: U256::ZERO,
                data: signer.key.create_signer_call().into(),
            },
            Call {
                to: safe,
                value: U256::ZERO,
                data: aa::safe::add_owner_call(signer.address, threshold).into(),
            },
        ];
        self.owner_change(
            &row.address,
            calls,
            sponsored,
            mfa_code,
            "add a passkey to an account",
        )
        .await
    }

    /// Takes passkey `passkey_id` off the Safe `account`'s owners (the threshold lowered when
    /// it would exceed the owners left), signed by its owner (as for adding). The last owner
    /// stays.
    pub(crate) async fn remove_passkey_owner(
        &self,
        account: &str,
        passkey_id: i64,
        sponsored: bool,
        mfa_code: Option<String>,
    ) -> Result<Operation> {
        let row = self.safe_row(account).await?;
        // The passkey a Safe was made with owns it as the shared signer; any other through
        // its proxy.
        let owner = self.owner_of(&row).await?;
        let signer = match &owner {
            OwnerOf::Passkey(own) if own.id == passkey_id => own.clone(),
            _ => self.passkeys().signer(passkey_id).await?,
        };
        let (owners, threshold) = self.owners_of(&row, &owner).await?;
        let prev = aa::guardians::previous_in(&owners, signer.address).ok_or_else(|| {
            SmartError::PasskeyNotOwner {
                account: row.address.clone(),
                label: signer.label.clone(),
            }
        })?;
        let left = owners.len().saturating_sub(1) as u64;
        if left == 0 {
            return Err(SmartError::LastOwner {
                account: row.address.clone(),
                label: signer.label.clone(),
            });
        }
        let safe = parse_address(&row.address)?;
        let calls = vec![Call {
            to: safe,
            value: U256::ZERO,
            data: aa::safe::remove_owner_call(prev, signer.address, threshold.min(left)).into(),
        }];
        self.owner_change(
            &row.address,
            calls,
            sponsored,
            mfa_code,
            "remove a passkey from an account",
        )
        .await
    }

    async fn owner_change(
        &self,
        from: &str,
        calls: Vec<Call>,
        sponsored: bool,
        mfa_code: Option<String>,
        purpose: &'static str,
    ) -> Result<Operation> {
        let req = UserOpRequest {
            from: from.to_string(),
            calls: Vec::new(),
            sponsored,
            speed: cairn_api::SendSpeed::Normal,
            mfa_code,
            override_risk: false,
            signer: None,
        };
        self.send_raw_calls(
            &req,
            &RawCalls {
                calls,
                kind: "owner_change",
                needs_code: Some(purpose),
            },
        )
        .await
    }

    /// A passkey's signature over the operation's SafeOp hash, put in the operation (nothing
    /// when the owner key signs: that happens inside the ledger step).
    async fn sign_with_passkey(&self, built: &mut Built, chain_id: u64) -> Result<()> {
        let (Some(p), AccountCode::Safe(d)) = (&built.passkey, &built.code) else {
            return Ok(());
        };
        let hash = aa::safe::operation_hash(d, &built.op, chain_id);
        let webauthn = self.passkeys().sign(p, hash).await?;
        built.op.signature = aa::safe::passkey_signature(p.address, webauthn);
        Ok(())
    }

    /// Builds, checks against the available balance, signs (the owner's key, or the passkey
    /// `req.signer` names) and queues a user operation; the sync worker hands it to the
    /// bundler. Its userOpHash is stored first.
    pub(crate) async fn send_user_op(&self, req: &UserOpRequest) -> Result<Operation> {
        self.send_built(req, None).await
    }

    /// A user operation of calls the core composed itself (guardian set-up, recovery steps),
    /// through the same checks, two-factor, signing and queue as the user's own.
    pub(crate) async fn send_raw_calls(
        &self,
        req: &UserOpRequest,
        raw: &RawCalls,
    ) -> Result<Operation> {
        self.send_built(req, Some(raw)).await
    }

    async fn send_built(&self, req: &UserOpRequest, raw: Option<&RawCalls>) -> Result<Operation> {
        let mut built = self.build_user_op(req, raw).await?;
        let risk = self.user_op_risk(&built).await?;
        let two_factor = TwoFactor { ctx: self.ctx };
        // An action that always needs the second factor (a change of guardians) checks the code
        // once here; the send policy's own demand for one is then met by it.
        let purpose = raw.and_then(|r| r.needs_code);
        if let Some(purpose) = purpose {
            two_factor
                .require_mfa(req.mfa_code.as_deref(), purpose)
                .await?;
        }
        let authorized = two_factor
            .authorize_send(
                built.value,
                built.token.as_ref().and_then(|(asset, amount)| {
                    asset
                        .contract
                        .as_deref()
                        .map(|c| (c, *amount, asset.decimals))
                }),
                if purpose.is_some() {
                    None
                } else {
                    req.mfa_code.as_deref()
                },
                Some(&risk),
                req.override_risk,
            )
            .await;
        match authorized {
            Err(crate::guard::mfa::MfaError::Required(_)) if purpose.is_some() => {}
            other => other?,
        }
        let chain_id = self.ctx.network().chain_id;
        self.sign_with_passkey(&mut built, chain_id).await?;
        let op = self
            .with_session(|s| {
                let native = built.native.clone();
                let asset = built
                    .token
                    .as_ref()
                    .map(|(a, _)| a.clone())
                    .unwrap_or_else(|| native.clone());
                let (avail_native, avail_asset) =
                    ops::available(&s.ledger, chain_id, &built.account, &native, &asset)?;
                if let Some((asset, amount)) = &built.token {
                    if *amount > avail_asset {
                        return Err(SendError::InsufficientFunds {
                            symbol: asset.symbol.clone(),
                            needed: fmt(*amount, asset.decimals),
                            available: fmt(avail_asset, asset.decimals),
                        }
                        .into());
                    }
                }
                let need = built.value.saturating_add(built.op.max_cost_to_account());
                if need > avail_native {
                    return Err(SendError::InsufficientFunds {
                        symbol: native.symbol.clone(),
                        needed: fmt(need, native.decimals),
                        available: fmt(avail_native, native.decimals),
                    }
                    .into());
                }
                let (asset_id, amount) = match &built.token {
                    Some((a, amount)) => (a.id, *amount),
                    None => (native.id, built.value),
                };
                let id = s.ledger.insert_operation(&NewOperation {
                    account_id: built.account.id,
                    chain_id,
                    kind: built.kind.into(),
                    to: format_address(&built.first_to),
                    asset_id,
                    amount,
                    replaces: None,
                })?;
                s.ledger.transition(
                    id,
                    &[OpState::Draft],
                    OpState::Authorized,
                    &OpChange::default(),
                    "confirmed by the user",
                )?;
                let row = sign_and_queue(
                    &mut s.ledger,
                    &s.keys,
                    id,
                    &mut built,
                    OpState::Authorized,
                    chain_id,
                )?;
                Ok(to_api(&row, &native))
            })
            .await?;
        tracing::info!(
            op = op.id,
            sponsored = req.sponsored,
            online = built.online,
            "user operation queued"
        );
        self.ctx.emit(WalletEvent::Operation(op.clone()));
        self.ctx.wake_sync();
        Ok(op)
    }

    /// One sync round for user operations: queued ones go to the bundler; submitted ones are
    /// followed through the bundler's receipts to inclusion and confirmation (and back when a
    /// reorg takes the bundle transaction away). Without a bundler they wait.
    pub(crate) async fn sync_user_ops(
        &self,
        ops: &[OperationRow],
        head: u64,
        confirmations: u64,
    ) -> Result<()> {
        let chain = self.ctx.chain();
        let Some(bundler) = chain.bundler() else {
            return Ok(());
        };
        let chain_id = self.ctx.network().chain_id;
        let now = now();
        for row in ops {
            let Some(json) = &row.user_op else { continue };
            let op = UserOp::from_json(json).map_err(SmartError::from)?;
            let Some(entry_point) = row
                .entry_point
                .as_deref()
                .and_then(|e| Address::from_str(e).ok())
            else {
                continue;
            };
            let Some(hash) = row.hash.as_deref().and_then(|h| B256::from_str(h).ok()) else {
                continue;
            };
            match row.state {
                OpState::Queued => {
                    if row.next_attempt_at > now {
                        continue;
                    }
                    if op.factory.is_none()
                        && !self
                            .with_session_quiet(|s| {
                                Ok(s.ledger.is_deployed(row.account_id, chain_id)?)
                            })
                            .await?
                        && !chain.has_code(op.sender).await?
                    {
                        // Waits for the operation that deploys the account.
                        continue;
                    }
                    // Where the operation goes: (state, error for the user, or the detail).
                    let (to, outcome) = match bundler.send(&op, entry_point).await {
                        Ok(returned) => {
                            if returned != hash {
                                tracing::warn!(op = row.id, %returned, "the bundler computed another userOpHash");
                            }
                            (OpState::Submitted, Ok("sent to the bundler"))
                        }
                        Err(ChainError::Rpc { message, code, .. }) => {
                            let lower = message.to_lowercase();
                            let (aa_code, explained) = aa::explain(&message);
                            if lower.contains("already known")
                                || lower.contains("already in mempool")
                            {
                                (OpState::Submitted, Ok("already known to the bundler"))
                            } else if aa_code == Some("AA25") || aa_code == Some("AA10") {
                                // Its nonce or the deployment was used: by this very operation
                                // (sent by a run that died before recording it), or it must be
                                // signed again.
                                match bundler.receipt(hash).await?.is_some() {
                                    true => (OpState::Submitted, Ok("found at the bundler")),
                                    false => (OpState::NeedsResign, Err(explained)),
                                }
                            } else if crate::chain::rpc::transient(code, &lower) {
                                self.retry_later(
                                    row,
                                    format!("the bundler said: {explained}; retrying"),
                                )
                                .await?;
                                continue;
                            } else {
                                let why = format!("the bundler rejected it: {explained}");
                                (OpState::Failed, Err(why))
                            }
                        }
                        Err(e) if e.is_offline() => {
                            self.retry_later(row, format!("waiting for the bundler: {e}"))
                                .await?;
                            // The bundler is down for the rest of the queue too.
                            return Ok(());
                        }
                        Err(e) => return Err(e.into()),
                    };
                    match outcome {
                        Ok(detail) => {
                            self.lifecycle()
                                .step(row.id, &[OpState::Queued], to, OpChange::default(), detail)
                                .await?
                        }
                        Err(why) => {
                            self.lifecycle()
                                .step_with_error(row.id, &[OpState::Queued], to, why)
                                .await?
                        }
                    }
                }
                OpState::Submitted | OpState::Included => {
                    let receipt = match bundler.receipt(hash).await {
                        Ok(r) => r,
                        Err(e) if e.is_offline() => return Ok(()),
                        Err(e) => return Err(e.into()),
                    };
                    // The bundler's word checked against the node: a reorg may have taken the
                    // bundle transaction away.
                    let receipt = match receipt {
                        Some(r) => {
                            match chain.receipts(&[r.transaction_hash]).await?.pop().flatten() {
                                Some(tx) if tx.block_hash == r.block_hash => Some(r),
                                _ => None,
                            }
                        }
                        None => None,
                    };
                    match (row.state, receipt) {
                        (OpState::Submitted, Some(r)) => {
                            let fee = if row.paymaster.is_some() {
                                U256::ZERO
                            } else {
                                r.actual_gas_cost
                            };
                            self.lifecycle()
                                .step(
                                    row.id,
                                    &[OpState::Submitted],
                                    OpState::Included,
                                    OpChange {
                                        block: Some((r.block_number, r.block_hash.to_string())),
                                        fee_paid: Some(fee),
                                        bundle_tx: Some(r.transaction_hash.to_string()),
                                        ..OpChange::default()
                                    },
                                    &format!(
                                        "bundle {} in block {}",
                                        r.transaction_hash, r.block_number
                                    ),
                                )
                                .await?;
                            // After the transition, so the entries link to the operation by its
                            // bundle transaction.
                            self.with_session_quiet(|s| {
                                s.ledger.set_deployed(row.account_id, chain_id)?;
                                let entries =
                                    own_entries(row, s.ledger.asset(chain_id, None)?.id, &r, fee);
                                s.ledger.record_own_entries(chain_id, &entries)?;
                                Ok(())
                            })
                            .await?;
                            self.lifecycle()
                                .conclude(
                                    row.id,
                                    failure_of(&r),
                                    r.block_number,
                                    head,
                                    confirmations,
                                )
                                .await?;
                        }
                        (OpState::Included, Some(r)) => {
                            self.lifecycle()
                                .conclude(
                                    row.id,
                                    failure_of(&r),
                                    r.block_number,
                                    head,
                                    confirmations,
                                )
                                .await?;
                        }
                        (OpState::Included, None) => {
                            self.lifecycle()
                                .step(
                                    row.id,
                                    &[OpState::Included],
                                    OpState::Submitted,
                                    OpChange {
                                        clear_block: true,
                                        ..OpChange::default()
                                    },
                                    "its bundle was reorganised away",
                                )
                                .await?;
                            let _ = bundler.send(&op, entry_point).await;
                        }
                        (OpState::Submitted, None) => {
                            // The bundler forgot it (restart, eviction): hand it over again.
                            let forgotten = !bundler.knows(hash).await.unwrap_or(true);
                            let resent = match forgotten {
                                true => Some(bundler.send(&op, entry_point).await),
                                false => None,
                            };
                            if let Some(Err(e)) = resent {
                                tracing::debug!(op = row.id, error = %e, "resend refused");
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Signs a user operation the bundler refused for its nonce or its deployment
    /// (`needs_resign`) again, after the user said so: a fresh nonce key, no factory once the
    /// account exists, fees and gas (and paymaster data) asked anew. The old signature can never
    /// land, so this cannot pay twice.
    pub(crate) async fn resign_user_op(&self, row: OperationRow) -> Result<Operation> {
        let json = row
            .user_op
            .as_deref()
            .ok_or_else(|| SmartError::NotSmart(row.from.clone()))?;
        let previous = UserOp::from_json(json).map_err(SmartError::from)?;
        let (account, native) = self
            .with_session(|s| {
                let native = ops::native_asset(&mut s.ledger, &self.ctx.network())?;
                let account = s.ledger.account_by_id(row.account_id)?;
                Ok((account, native))
            })
            .await?;
        let owner = self.owner_of(&account).await?;
        let code = account
            .smart
            .map(|m| AccountCode::new(m.kind, m.version, self.ctx.network().chain_id))
            .ok_or_else(|| SmartError::NotSmart(account.address.clone()))?;
        // Signed by a passkey before: that passkey signs again.
        let passkey = match (aa::safe::contract_signer(&previous.signature), &owner) {
            (Some(address), OwnerOf::Passkey(own)) if own.address == address => Some(own.clone()),
            (Some(address), _) if code.kind() == SmartKind::Safe => {
                Some(self.passkeys().signer_at(address).await?.ok_or_else(|| {
                    SmartError::Internal(format!(
                        "the operation was signed by {}, a passkey this wallet no longer has",
                        format_address(&address)
                    ))
                })?)
            }
            _ => None,
        };
        let token = row
            .asset
            .clone()
            .filter(|a| a.contract.is_some())
            .map(|a| (a, row.amount));
        let mut built = self
            .complete(Draft {
                account,
                owner,
                native: native.clone(),
                code,
                call_data: previous.call_data.clone(),
                n_calls: 1,
                value: row.tx_value,
                token,
                first_to: row
                    .to
                    .as_deref()
                    .and_then(|t| Address::from_str(t).ok())
                    .unwrap_or_default(),
                kind: "transfer",
                sponsored: previous.paymaster.is_some(),
                speed: cairn_api::SendSpeed::Normal,
                previous: Some(previous),
                passkey,
            })
            .await?;
        let chain_id = self.ctx.network().chain_id;
        self.sign_with_passkey(&mut built, chain_id).await?;
        let op = self
            .with_session(|s| {
                let row = sign_and_queue(
                    &mut s.ledger,
                    &s.keys,
                    row.id,
                    &mut built,
                    OpState::NeedsResign,
                    chain_id,
                )?;
                Ok(to_api(&row, &native))
            })
            .await?;
        tracing::info!(op = op.id, "user operation signed again");
        self.ctx.emit(WalletEvent::Operation(op.clone()));
        self.ctx.wake_sync();
        Ok(op)
    }

    /// A queued operation the bundler could not take now: tried again after a growing wait,
    /// keeping its signature.
    async fn retry_later(&self, row: &OperationRow, why: String) -> Result<()> {
        let attempts = row.attempts.saturating_add(1);
        let wait = Duration::from_secs(1u64 << attempts.min(5));
        let change = OpChange {
            attempts: Some((attempts, now().saturating_add(wait.as_secs() as i64))),
            error: Some(why),
            ..OpChange::default()
        };
        Ok(self
            .lifecycle()
            .step(row.id, &[OpState::Queued], OpState::Queued, change, "")
            .await?)
    }

    /// Whether the bundler serves this version's EntryPoint (`eth_supportedEntryPoints`).
    pub(crate) async fn bundler_supports(&self, version: &str) -> Result<bool> {
        let version = EntryPointVersion::parse(version).map_err(SmartError::from)?;
        let chain = self.ctx.chain();
        let bundler = chain.bundler().ok_or(SmartError::NoBundler)?;
        let supported = bundler.supported_entry_points().await?;
        Ok(supported.contains(&version.entry_point()))
    }
}
