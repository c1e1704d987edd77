//! Guardian recovery of Safe accounts: putting guardians on a Safe (one user operation that
//! creates the guardian Safe and the timelock and enables it as a module), reading them back
//! from the chain, and the recovery itself — a request made on the new device, reviewed and
//! signed by each guardian's wallet, submitted to schedule the owner change, executed by anyone
//! after the delay, cancelled by the owner — and taking the recovered account in. Every step
//! that costs gas is a user operation from one of this wallet's smart accounts (sponsored where
//! the network has a paymaster), through the same checks as any other.
//!
//! May use: `smart`, `accounts`, `session`, `store`, `chain`, `primitives`.

use alloy::primitives::{Address, Signature, B256, U256};
use alloy::signers::SignerSync;
use cairn_api::{
    ApprovalKind, GuardianRequest, Guardians, Notice, Operation, RecoveryApproval, RecoveryReview,
    RecoveryStatus, ScheduledChange, SendSpeed, UserOpRequest,
};

use crate::accounts::signer_for;
use crate::chain::network::DEVNET_CHAIN_ID;
use crate::chain::ChainError;
use crate::primitives::aa::guardians::{
    self, GuardianConfig, GuardianSig, RecoveryKit, RecoveryRequest, Replacing, Scheduled,
    DEFAULT_DELAY_SECS, MIN_PUBLIC_DELAY_SECS,
};
use crate::primitives::aa::safe::{self, SafeDeployment};
use crate::primitives::aa::{Call, EntryPointVersion, SmartKind};
use crate::primitives::units::{format_address, parse_address};
use crate::session::{Ctx, WalletEvent, WatchMemo};
use crate::smart::{RawCalls, SmartAccounts, SmartError};
use crate::store::ledger::AccountRow;

/// Why a guardian or recovery step cannot go ahead.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error("{0} is not a Safe of this wallet: guardians protect Safe accounts")]
    NotSafe(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the recovery request does not parse: {0}")]
    BadRequest(String),
    #[error("the request is for chain {request}, but the wallet is on chain {wallet}")]
    WrongChain { request: u64, wallet: u64 },
    #[error("{0} has no guardians")]
    NoGuardians(String),
    #[error("the chain does not bear the request out: {0}")]
    Mismatch(String),
    #[error("none of this wallet's accounts is a guardian of {0}")]
    NotAGuardian(String),
    #[error("the approval from {0} is not a signature of this request")]
    BadApproval(String),
    #[error("reading the guardians needs a node: connect and try again")]
    Offline,
    #[error(transparent)]
    Smart(#[from] SmartError),
    #[error(transparent)]
    Session(#[from] crate::session::SessionError),
    #[error(transparent)]
    Ledger(#[from] crate::store::ledger::LedgerError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Address(#[from] crate::primitives::units::AddressError),
    #[error(transparent)]
    Accounts(#[from] crate::accounts::AccountsError),
}

pub type Result<T, E = RecoveryError> = std::result::Result<T, E>;

/// How often the watchtower looks again for the Safes' timelocks (the module lists) and reads
/// their logs on its own; in between, the rounds' batched requests carry the new blocks' logs.
pub(crate) const WATCH_EVERY_SECS: u64 = 600;

/// What the chain says guards a Safe.
struct Guarded {
    timelock: Address,
    guardian_safe: Address,
    guardians: Vec<Address>,
    threshold: u64,
    delay_secs: u64,
    /// The block the timelock was created in: its log starts there.
    since: u64,
}

pub(crate) struct Recovery<'a> {
    pub(crate) ctx: &'a Ctx,
}

fn word(bytes: &[u8]) -> Result<U256> {
    guardians::decode_word(bytes)
        .ok_or_else(|| RecoveryError::Mismatch("an answer that is not one ABI word".into()))
}

/// A timelock operation's state from its `getTimestamp` (0 unset, 1 done, else when it can
/// run) at chain time `now`; `unset` names the 0 case, which the caller knows better.
fn timelock_state(ts: u64, now: u64, unset: &'static str) -> (&'static str, Option<u64>) {
    match ts {
        0 => (unset, None),
        1 => ("done", None),
        t if t <= now => ("ready", Some(t)),
        t => ("pending", Some(t)),
    }
}

/// Where the requests this wallet made are kept (a JSON list of their texts).
const KEPT_KEY: &str = "recovery.requests";
/// How many of them are kept.
const KEPT_REQUESTS: usize = 8;

/// The kept requests that still parse (the ledger is read as untrusted as any file).
fn kept_requests(value: Option<&str>) -> Vec<(RecoveryRequest, String)> {
    value
        .and_then(|v| serde_json::from_str::<Vec<String>>(v).ok())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| Some((serde_json::from_str(&t).ok()?, t)))
        .collect()
}

/// A fresh salt: every request is its own timelock operation.
/// Writes the kept requests' texts back, in order.
fn write_kept<'a>(
    ledger: &mut crate::store::ledger::Ledger,
    texts: impl Iterator<Item = &'a String>,
) -> Result<()> {
    let texts: Vec<&String> = texts.collect();
    let value =
        serde_json::to_string(&texts).map_err(|e| RecoveryError::BadRequest(e.to_string()))?;
    ledger.remember(KEPT_KEY, &value)?;
    Ok(())
}

fn random_salt() -> Result<B256> {
    let mut salt = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
        .map_err(|_| RecoveryError::Invalid("no randomness for the request".into()))?;
    Ok(B256::from(salt))
}

fn offline(e: ChainError) -> RecoveryError {
    if e.is_offline() {
        RecoveryError::Offline
    } else {
        e.into()
    }
}

impl Recovery<'_> {
    crate::session::gate_methods!(RecoveryError);

    fn deployment(&self) -> SafeDeployment {
        SafeDeployment::for_chain(self.ctx.network().chain_id)
    }

    /// The Safe row of this wallet at `address`.
    async fn safe_row(&self, address: &str) -> Result<AccountRow> {
        let address = format_address(&parse_address(address)?);
        let row = self
            .with_session(|s| Ok(s.ledger.account(&address)?))
            .await?;
        match row.smart {
            Some(m) if m.kind == SmartKind::Safe => Ok(row),
            _ => Err(RecoveryError::NotSafe(address)),
        }
    }

    /// The Safe's modules other than the 4337 module (newest first), `[]` when not deployed.
    async fn timelocks(&self, account: Address) -> Result<Vec<Address>> {
        let module = self.deployment().module;
        Ok(self
            .modules(account)
            .await?
            .into_iter()
            .filter(|m| *m != module)
            .collect())
    }

    /// The Safe's whole module list in its order (newest first), `[]` when not deployed.
    async fn modules(&self, account: Address) -> Result<Vec<Address>> {
        let chain = self.ctx.chain();
        if !chain.has_code(account).await.map_err(offline)? {
            return Ok(Vec::new());
        }
        let bytes = chain
            .call(account, &guardians::modules_call())
            .await
            .map_err(offline)?;
        guardians::decode_modules(&bytes)
            .ok_or_else(|| RecoveryError::Mismatch("the Safe's module list".into()))
    }

    /// The block `timelock` was created in (searched once a session).
    async fn since(&self, timelock: Address) -> Result<u64> {
        if let Some(block) = self.ctx.creation_block(timelock) {
            return Ok(block);
        }
        let block = self
            .ctx
            .chain()
            .creation_block(timelock)
            .await
            .map_err(offline)?
            .ok_or_else(|| RecoveryError::Mismatch("the timelock has no code".into()))?;
        self.ctx.remember_creation_block(timelock, block);
        Ok(block)
    }

    /// One ABI word a view call answers (a delay, a nonce, a timestamp).
    async fn read_word(&self, to: Address, data: &[u8]) -> Result<U256> {
        word(&self.ctx.chain().call(to, data).await.map_err(offline)?)
    }

    /// A Safe's owners as its chain says; `None` when the answer is not an owner list.
    async fn owners_of(&self, safe_address: Address) -> Result<Option<Vec<Address>>> {
        let bytes = self
            .ctx
            .chain()
            .call(safe_address, &safe::get_owners_call())
            .await
            .map_err(offline)?;
        Ok(safe::decode_owners(&bytes))
    }

    /// The owner a recovery replaces, and the one before it in the Safe's list: a Safe's one
    /// owner (its key, or a passkey's shared signer when the passkey is what was lost); beside
    /// passkeys (contracts: signer proxies, the shared signer), the one key, and the passkeys
    /// stay. A Safe with several keys is refused: which one was lost is not the wallet's guess.
    async fn owner_to_replace(&self, owners: &[Address]) -> Result<(Address, Address)> {
        if let [owner] = owners {
            return Ok((guardians::SENTINEL, *owner));
        }
        let mut keys = Vec::new();
        for owner in owners {
            if !self.ctx.chain().has_code(*owner).await.map_err(offline)? {
                keys.push(*owner);
            }
        }
        match keys[..] {
            [key] => Ok((
                guardians::previous_in(owners, key).unwrap_or(guardians::SENTINEL),
                key,
            )),
            _ => Err(RecoveryError::Invalid(format!(
                "the account has {} owners, {} of them keys: recovery replaces the one key beside \
                 its passkeys",
                owners.len(),
                keys.len()
            ))),
        }
    }

    /// Reads what guards `account` from the chain; `None` when nothing does.
    async fn guarded(&self, account: Address) -> Result<Option<Guarded>> {
        match self.timelocks(account).await?.first() {
            Some(timelock) => Ok(Some(self.guarded_by(*timelock).await?)),
            None => Ok(None),
        }
    }

    /// What `timelock` (a Safe's module) says of its guardians.
    async fn guarded_by(&self, timelock: Address) -> Result<Guarded> {
        let chain = self.ctx.chain();
        let delay_secs = self
            .read_word(timelock, &guardians::get_min_delay_call())
            .await?
            .saturating_to::<u64>();
        // The guardian Safe is the proposer the timelock was made with: granted in the block
        // that created it, found without a log search from genesis.
        let since = self.since(timelock).await?;
        let grants = chain
            .logs(
                timelock,
                &[
                    Some(guardians::role_granted_topic()),
                    Some(guardians::proposer_role()),
                ],
                since,
                since,
            )
            .await
            .map_err(offline)?;
        let guardian_safe = grants
            .iter()
            .find_map(|l| l.topics.get(2).map(|t| Address::from_slice(&t[12..])))
            .ok_or_else(|| RecoveryError::Mismatch("the timelock names no proposer".into()))?;
        let guardians = self
            .owners_of(guardian_safe)
            .await?
            .ok_or_else(|| RecoveryError::Mismatch("the guardian Safe's owners".into()))?;
        let threshold = chain
            .call(guardian_safe, &safe::get_threshold_call())
            .await
            .map_err(offline)
            .map(|b| safe::decode_threshold(&b))?
            .ok_or_else(|| RecoveryError::Mismatch("the guardian Safe's threshold".into()))?;
        Ok(Guarded {
            timelock,
            guardian_safe,
            guardians,
            threshold,
            delay_secs,
            since,
        })
    }

    /// A user operation of core-made calls from one of this wallet's smart accounts. Changing
    /// who can take the account over (guardians) needs the second factor when it is on.
    async fn send(
        &self,
        from: &str,
        calls: Vec<Call>,
        kind: &'static str,
        sponsored: bool,
        mfa_code: Option<String>,
    ) -> Result<Operation> {
        let needs_code = (kind == "guardian_setup").then_some("change the guardians");
        let req = UserOpRequest {
            from: from.to_string(),
            calls: Vec::new(),
            sponsored,
            speed: SendSpeed::Normal,
            mfa_code,
            override_risk: false,
            signer: None,
        };
        Ok(SmartAccounts::new(self.ctx)
            .send_raw_calls(
                &req,
                &RawCalls {
                    calls,
                    kind,
                    needs_code,
                },
            )
            .await?)
    }

    /// Puts guardians on the Safe (replacing any it had) in one user operation from it.
    pub(crate) async fn set_guardians(&self, req: &GuardianRequest) -> Result<Operation> {
        let row = self.safe_row(&req.account).await?;
        let account = parse_address(&row.address)?;
        // The key that owns it (none for a passkey's Safe, whose passkey is no address).
        let owner = self
            .with_session(|s| {
                let smart = row
                    .smart
                    .ok_or_else(|| RecoveryError::NotSafe(row.address.clone()))?;
                match smart.owner_key() {
                    Some(id) => Ok(Some(s.ledger.account_by_id(id)?.address)),
                    None => Ok(None),
                }
            })
            .await?;
        let mut list = Vec::new();
        for g in &req.guardians {
            let g = parse_address(g)?;
            if g == account || owner.as_deref() == Some(format_address(&g).as_str()) {
                return Err(RecoveryError::Invalid(
                    "the account and its own key cannot be its guardians: a lost key could not \
                     help recover itself"
                        .into(),
                ));
            }
            if !list.contains(&g) {
                list.push(g);
            }
        }
        if list.is_empty() || list.len() > 20 {
            return Err(RecoveryError::Invalid(
                "name between 1 and 20 guardians".into(),
            ));
        }
        if req.threshold == 0 || req.threshold > list.len() as u64 {
            return Err(RecoveryError::Invalid(format!(
                "the threshold must be between 1 and the number of guardians ({})",
                list.len()
            )));
        }
        let delay_secs = req.delay_secs.unwrap_or(DEFAULT_DELAY_SECS);
        if self.ctx.network().chain_id != DEVNET_CHAIN_ID && delay_secs < MIN_PUBLIC_DELAY_SECS {
            return Err(RecoveryError::Invalid(
                "on a public network the recovery delay is at least one day (86400 seconds): \
                 the time you have to notice and cancel"
                    .into(),
            ));
        }
        let module = self.deployment().module;
        let existing = self.modules(account).await;
        let replacing =
            match existing {
                Ok(all) => match all.iter().filter(|m| **m != module).collect::<Vec<_>>()[..] {
                    [] => None,
                    [one] => {
                        let old = self.guarded_by(*one).await?;
                        guardians::previous_in(&all, *one).map(|prev_module| Replacing {
                            prev_module,
                            timelock: *one,
                            guardian_safe: old.guardian_safe,
                        })
                    }
                    _ => return Err(RecoveryError::Invalid(
                        "the Safe has modules Cairn did not install: change its guardians with \
                         the tool that added them"
                            .into(),
                    )),
                },
                // Offline, a Safe that is not deployed yet has no guardians to replace; one that
                // is deployed might: its list must be read first.
                Err(RecoveryError::Offline) => {
                    let known = self
                        .with_session(|s| {
                            Ok(s.ledger.is_deployed(row.id, self.ctx.network().chain_id)?)
                        })
                        .await?;
                    if known {
                        return Err(RecoveryError::Offline);
                    }
                    None
                }
                Err(e) => return Err(e),
            };
        let mut salt = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
            .map_err(|_| RecoveryError::Invalid("no randomness for the set-up's salt".into()))?;
        let setup = guardians::setup(
            &self.deployment(),
            account,
            &GuardianConfig {
                guardians: list.clone(),
                threshold: req.threshold,
                delay_secs,
            },
            B256::from(salt),
            replacing,
        );
        let op = self
            .send(
                &row.address,
                setup.calls,
                "guardian_setup",
                req.sponsored,
                req.mfa_code.clone(),
            )
            .await?;
        let detail =
            format!(
            "guardians of {}: {} of {} ({}), delay {delay_secs} s, timelock {}, guardian Safe {}",
            row.address,
            req.threshold,
            list.len(),
            list.iter().map(format_address).collect::<Vec<_>>().join(", "),
            format_address(&setup.timelock),
            format_address(&setup.guardian_safe),
        );
        self.with_session(|s| {
            Ok(s.ledger.audit(
                crate::store::audit::AuditEvent::GuardiansChanged,
                crate::store::audit::Outcome::Ok,
                &detail,
            )?)
        })
        .await?;
        Ok(op)
    }

    /// The Safe's guardians and what its timelock holds, as the chain says.
    pub(crate) async fn guardians(&self, address: &str) -> Result<Guardians> {
        let account = parse_address(address)?;
        let Some(g) = self.guarded(account).await? else {
            return Ok(Guardians {
                account: format_address(&account),
                timelock: None,
                guardian_safe: None,
                guardians: Vec::new(),
                threshold: 0,
                delay_secs: 0,
                scheduled: Vec::new(),
            });
        };
        let scheduled = self.scheduled(account, &g).await?;
        Ok(Guardians {
            account: format_address(&account),
            timelock: Some(format_address(&g.timelock)),
            guardian_safe: Some(format_address(&g.guardian_safe)),
            guardians: g.guardians.iter().map(format_address).collect(),
            threshold: g.threshold,
            delay_secs: g.delay_secs,
            scheduled: scheduled.into_iter().map(|(_, c)| c).collect(),
        })
    }

    /// Every call the timelock scheduled, read in spans the network's providers accept, with
    /// its state now.
    async fn scheduled(
        &self,
        account: Address,
        g: &Guarded,
    ) -> Result<Vec<(Scheduled, ScheduledChange)>> {
        let chain = self.ctx.chain();
        let head = chain.block_number().await.map_err(offline)?;
        let span = self.ctx.network().log_span_blocks.max(1);
        let mut found = Vec::new();
        let mut from = g.since;
        while from <= head {
            let to = from.saturating_add(span - 1).min(head);
            for l in chain
                .logs(
                    g.timelock,
                    &[Some(guardians::call_scheduled_topic())],
                    from,
                    to,
                )
                .await
                .map_err(offline)?
            {
                if let Some(s) = guardians::read_scheduled(account, &l.topics, &l.data) {
                    found.push(s);
                }
            }
            from = to.saturating_add(1);
        }
        let time = chain.latest_timestamp().await.map_err(offline)?;
        let mut out = Vec::new();
        for s in found {
            let ts = self
                .read_word(g.timelock, &guardians::get_timestamp_call(s.id()))
                .await?
                .saturating_to::<u64>();
            // Read from its log, it was scheduled: unset now means cancelled.
            let (state, ready_at) = timelock_state(ts, time, "cancelled");
            let change = match &s {
                Scheduled::OwnerChange {
                    id,
                    old_owner,
                    new_owner,
                } => ScheduledChange {
                    id: id.to_string(),
                    kind: "owner_change".into(),
                    old_owner: Some(format_address(old_owner)),
                    new_owner: Some(format_address(new_owner)),
                    state: state.into(),
                    ready_at,
                },
                Scheduled::Other { id, .. } => ScheduledChange {
                    id: id.to_string(),
                    kind: "other".into(),
                    old_owner: None,
                    new_owner: None,
                    state: state.into(),
                    ready_at,
                },
            };
            out.push((s, change));
        }
        Ok(out)
    }

    /// The recovery kit of a Safe of this wallet (see [`RecoveryKit`]), read from the chain.
    pub(crate) async fn kit(&self, address: &str) -> Result<String> {
        let row = self.safe_row(address).await?;
        let account = parse_address(&row.address)?;
        let g = self
            .guarded(account)
            .await?
            .ok_or_else(|| RecoveryError::NoGuardians(row.address.clone()))?;
        let owners = self
            .owners_of(account)
            .await?
            .ok_or_else(|| RecoveryError::Mismatch("the account's owners".into()))?;
        let (prev_owner, owner) = self.owner_to_replace(&owners).await?;
        let guardian_nonce = self
            .read_word(g.guardian_safe, &guardians::nonce_call())
            .await?;
        serde_json::to_string(&RecoveryKit {
            chain_id: self.ctx.network().chain_id,
            account,
            timelock: g.timelock,
            guardian_safe: g.guardian_safe,
            guardian_nonce,
            owner,
            prev_owner,
            delay_secs: g.delay_secs,
        })
        .map_err(|e| RecoveryError::BadRequest(e.to_string()))
    }

    /// A request, made on the new device, to make `new_owner` (this wallet's first account when
    /// absent) the owner of `account` in place of its current one: from the chain, or from the
    /// account's recovery kit (`kit`, JSON) when no node answers — the guardians' wallets check
    /// it against the chain before they sign, if they can.
    pub(crate) async fn request(
        &self,
        address: &str,
        new_owner: Option<&str>,
        kit: Option<&str>,
    ) -> Result<String> {
        let account = parse_address(address)?;
        let from_kit = |new_owner: Address| -> Result<Option<String>> {
            let Some(text) = kit else {
                return Ok(None);
            };
            let kit: RecoveryKit = serde_json::from_str(text.trim())
                .map_err(|e| RecoveryError::BadRequest(e.to_string()))?;
            let wallet = self.ctx.network().chain_id;
            if kit.chain_id != wallet {
                return Err(RecoveryError::WrongChain {
                    request: kit.chain_id,
                    wallet,
                });
            }
            if kit.account != account {
                return Err(RecoveryError::Invalid(
                    "the recovery kit is for another account".into(),
                ));
            }
            if kit.owner == new_owner {
                return Err(RecoveryError::Invalid(format!(
                    "{} already owns {}",
                    format_address(&new_owner),
                    format_address(&account)
                )));
            }
            let request = RecoveryRequest {
                chain_id: kit.chain_id,
                account,
                timelock: kit.timelock,
                guardian_safe: kit.guardian_safe,
                guardian_nonce: kit.guardian_nonce,
                prev_owner: kit.prev_owner,
                old_owner: kit.owner,
                new_owner,
                salt: random_salt()?,
                delay_secs: kit.delay_secs,
            };
            serde_json::to_string(&request)
                .map(Some)
                .map_err(|e| RecoveryError::BadRequest(e.to_string()))
        };
        let new_owner = match new_owner {
            Some(a) => parse_address(a)?,
            None => {
                let first = self
                    .with_session(|s| {
                        s.ledger
                            .accounts(false)?
                            .into_iter()
                            .find(|a| a.smart.is_none())
                            .ok_or_else(|| {
                                RecoveryError::Invalid("this wallet has no account".into())
                            })
                    })
                    .await?;
                parse_address(&first.address)?
            }
        };
        let g = match self.guarded(account).await {
            Ok(g) => g.ok_or_else(|| RecoveryError::NoGuardians(format_address(&account)))?,
            Err(RecoveryError::Offline) => {
                let text = from_kit(new_owner)?.ok_or(RecoveryError::Offline)?;
                self.keep(&text).await?;
                return Ok(text);
            }
            Err(e) => return Err(e),
        };
        let owners = self
            .owners_of(account)
            .await?
            .ok_or_else(|| RecoveryError::Mismatch("the account's owners".into()))?;
        if owners.contains(&new_owner) {
            return Err(RecoveryError::Invalid(format!(
                "{} already owns {}",
                format_address(&new_owner),
                format_address(&account)
            )));
        }
        let (prev_owner, old_owner) = self.owner_to_replace(&owners).await?;
        let nonce = self
            .read_word(g.guardian_safe, &guardians::nonce_call())
            .await?;
        let request = RecoveryRequest {
            chain_id: self.ctx.network().chain_id,
            account,
            timelock: g.timelock,
            guardian_safe: g.guardian_safe,
            guardian_nonce: nonce,
            prev_owner,
            old_owner,
            new_owner,
            salt: random_salt()?,
            delay_secs: g.delay_secs,
        };
        let text = serde_json::to_string(&request)
            .map_err(|e| RecoveryError::BadRequest(e.to_string()))?;
        self.keep(&text).await?;
        Ok(text)
    }

    /// Keeps a request this wallet made (newest last, one per account, at most
    /// [`KEPT_REQUESTS`]): approvals take days to come back, and a new request would void them.
    async fn keep(&self, text: &str) -> Result<()> {
        let request: RecoveryRequest =
            serde_json::from_str(text).map_err(|e| RecoveryError::BadRequest(e.to_string()))?;
        self.with_session(|s| {
            let mut kept = kept_requests(s.ledger.setting(KEPT_KEY)?.as_deref());
            kept.retain(|(r, _)| r.account != request.account);
            kept.push((request.clone(), text.to_string()));
            let start = kept.len().saturating_sub(KEPT_REQUESTS);
            write_kept(&mut s.ledger, kept[start..].iter().map(|(_, t)| t))
        })
        .await
    }

    /// The recovery requests this wallet made and has not seen completed, oldest first.
    pub(crate) async fn requests(&self) -> Result<Vec<String>> {
        self.with_session(|s| {
            Ok(kept_requests(s.ledger.setting(KEPT_KEY)?.as_deref())
                .into_iter()
                .map(|(_, t)| t)
                .collect())
        })
        .await
    }

    /// Forgets a kept request (it completed here, or it can no longer be used).
    async fn forget(&self, request: &RecoveryRequest) -> Result<()> {
        self.with_session(|s| {
            let kept = kept_requests(s.ledger.setting(KEPT_KEY)?.as_deref());
            if kept.iter().all(|(r, _)| r != request) {
                return Ok(());
            }
            write_kept(
                &mut s.ledger,
                kept.iter().filter(|(r, _)| r != request).map(|(_, t)| t),
            )
        })
        .await
    }

    fn parse(&self, text: &str) -> Result<RecoveryRequest> {
        let request: RecoveryRequest = serde_json::from_str(text.trim())
            .map_err(|e| RecoveryError::BadRequest(e.to_string()))?;
        let wallet = self.ctx.network().chain_id;
        if request.chain_id != wallet {
            return Err(RecoveryError::WrongChain {
                request: request.chain_id,
                wallet,
            });
        }
        Ok(request)
    }

    /// What approving `text` means, checked against the chain when a node answers.
    pub(crate) async fn review(&self, text: &str) -> Result<RecoveryReview> {
        let request = self.parse(text)?;
        let hash = request.safe_tx_hash();
        let checked = match self.guarded(request.account).await {
            Ok(Some(g)) => Some(self.bear_out(&request, &g, hash).await?),
            Ok(None) => return Err(RecoveryError::NoGuardians(format_address(&request.account))),
            Err(RecoveryError::Offline) => None,
            Err(e) => return Err(e),
        };
        let mine = self
            .with_session(|s| {
                Ok(s.ledger
                    .accounts(true)?
                    .into_iter()
                    // Any account can be a guardian: a key, a Safe (ERC-1271) or a
                    // SimpleAccount (on chain, so only where a node answers).
                    .filter(|a| {
                        checked.is_some() || a.smart.is_none_or(|m| m.kind == SmartKind::Safe)
                    })
                    .map(|a| a.address)
                    .collect::<Vec<_>>())
            })
            .await?;
        let (guardians, threshold) = match &checked {
            Some(g) => (
                g.guardians.iter().map(format_address).collect(),
                Some(g.threshold),
            ),
            None => (Vec::new(), None),
        };
        let mine = match &checked {
            Some(_) => mine.into_iter().filter(|a| guardians.contains(a)).collect(),
            None => mine,
        };
        Ok(RecoveryReview {
            request: serde_json::to_string(&request)
                .map_err(|e| RecoveryError::BadRequest(e.to_string()))?,
            chain_id: request.chain_id,
            account: format_address(&request.account),
            old_owner: format_address(&request.old_owner),
            new_owner: format_address(&request.new_owner),
            guardian_safe: format_address(&request.guardian_safe),
            delay_secs: request.delay_secs,
            hash: hash.to_string(),
            checked: checked.is_some(),
            guardians,
            threshold,
            mine,
        })
    }

    /// Every fact the request states, against the chain.
    async fn bear_out(&self, r: &RecoveryRequest, g: &Guarded, hash: B256) -> Result<Guarded> {
        let fail = |what: &str| Err(RecoveryError::Mismatch(what.to_string()));
        if g.timelock != r.timelock {
            return fail("the account's timelock is another");
        }
        if g.guardian_safe != r.guardian_safe {
            return fail("the account's guardians are another Safe");
        }
        if g.delay_secs != r.delay_secs {
            return fail("the delay is another");
        }
        let chain = self.ctx.chain();
        let onchain = chain
            .call(r.guardian_safe, &r.get_transaction_hash_call())
            .await
            .map_err(offline)?;
        if onchain != hash.to_vec() {
            return fail("the guardian Safe computes another hash");
        }
        let nonce = self
            .read_word(r.guardian_safe, &guardians::nonce_call())
            .await?;
        if nonce != r.guardian_nonce {
            return fail("the guardians have signed something else since (their nonce moved)");
        }
        let owners = self.owners_of(r.account).await?.unwrap_or_default();
        if guardians::previous_in(&owners, r.old_owner) != Some(r.prev_owner) {
            return fail("the owner to replace does not own the account");
        }
        Ok(Guarded {
            timelock: g.timelock,
            guardian_safe: g.guardian_safe,
            guardians: g.guardians.clone(),
            threshold: g.threshold,
            delay_secs: g.delay_secs,
            since: g.since,
        })
    }

    /// A guardian's signature of the request, by `guardian` (one of this wallet's accounts;
    /// when absent, the one the chain names among the guardians). Checked against the chain
    /// first when a node answers; signed on the request's word when none does.
    pub(crate) async fn approve(
        &self,
        text: &str,
        guardian: Option<&str>,
    ) -> Result<RecoveryApproval> {
        let review = self.review(text).await?;
        let request = self.parse(text)?;
        let chosen = match guardian {
            Some(g) => {
                let g = format_address(&parse_address(g)?);
                if review.checked && !review.guardians.contains(&g) {
                    return Err(RecoveryError::NotAGuardian(review.account));
                }
                g
            }
            None if review.checked => review
                .mine
                .first()
                .cloned()
                .ok_or_else(|| RecoveryError::NotAGuardian(review.account.clone()))?,
            None => {
                return Err(RecoveryError::Invalid(
                    "offline, name the guardian account that signs".into(),
                ))
            }
        };
        let hash = request.safe_tx_hash();
        let row = self
            .with_session(|s| Ok(s.ledger.account(&chosen)?))
            .await?;
        let guardian_address = parse_address(&chosen)?;
        let (kind, signed_hash) = match row.smart.map(|m| m.kind) {
            None => (ApprovalKind::Key, hash),
            // A Safe guardian vouches through ERC-1271: its owner signs the SafeMessage of the
            // SafeTx bytes the guardian Safe will hand it. It needs code by then.
            Some(SmartKind::Safe) => {
                if review.checked
                    && !self
                        .ctx
                        .chain()
                        .has_code(guardian_address)
                        .await
                        .map_err(offline)?
                {
                    return Err(RecoveryError::Invalid(format!(
                        "the guardian Safe {chosen} is not deployed yet: its first operation \
                         deploys it (send anything from it), then approve"
                    )));
                }
                let message = guardians::safe_message_hash(
                    request.chain_id,
                    guardian_address,
                    &request.safe_tx_preimage(),
                );
                (ApprovalKind::Contract, message)
            }
            // A SimpleAccount cannot sign for a contract: it approves the hash on chain.
            Some(SmartKind::Simple) => (ApprovalKind::Approved, hash),
        };
        if kind == ApprovalKind::Approved {
            let call = Call {
                to: request.guardian_safe,
                value: U256::ZERO,
                data: guardians::approve_hash_call(hash).into(),
            };
            let sponsored = self.ctx.network().paymaster_url.is_some();
            self.send(&chosen, vec![call], "recovery_approve", sponsored, None)
                .await?;
        }
        let signature = self
            .with_session(|s| {
                let signature = match kind {
                    ApprovalKind::Approved => String::new(),
                    _ => {
                        let signer = signer_for(&s.keys, &s.ledger, &row)?;
                        let sig = signer
                            .sign_hash_sync(&signed_hash)
                            .map_err(|e| RecoveryError::Invalid(format!("could not sign: {e}")))?;
                        format!("0x{}", hex::encode(sig.as_bytes()))
                    }
                };
                s.ledger.audit(
                    crate::store::audit::AuditEvent::RecoveryApproved,
                    crate::store::audit::Outcome::Ok,
                    &format!(
                        "approved replacing {} with {} on {} as guardian {chosen}",
                        format_address(&request.old_owner),
                        format_address(&request.new_owner),
                        format_address(&request.account)
                    ),
                )?;
                Ok(signature)
            })
            .await?;
        Ok(RecoveryApproval {
            hash: hash.to_string(),
            guardian: chosen,
            signature,
            kind,
        })
    }

    /// Schedules the owner change with the guardians' approvals: the guardian Safe's
    /// transaction, in a user operation from `from` (a smart account of this wallet). Each
    /// approval is checked to be its guardian's signature of this request; whether there are
    /// enough is the guardian Safe's to say (`GS020`).
    pub(crate) async fn submit(
        &self,
        text: &str,
        approvals: &[RecoveryApproval],
        from: &str,
        sponsored: bool,
    ) -> Result<Operation> {
        let request = self.parse(text)?;
        let hash = request.safe_tx_hash();
        let mut signed = Vec::new();
        for a in approvals {
            let guardian = parse_address(&a.guardian)?;
            signed.push((guardian, self.vouched(&request, hash, guardian, a).await?));
        }
        let call = Call {
            to: request.guardian_safe,
            value: U256::ZERO,
            data: request.exec_transaction_call(&signed).into(),
        };
        self.send(from, vec![call], "recovery_schedule", sponsored, None)
            .await
    }

    /// Checks one approval is its guardian's of this request: a key's by recovering the
    /// signer; a contract's or an on-chain approval by asking the guardian Safe's chain, as the
    /// guardian Safe itself will.
    async fn vouched(
        &self,
        request: &RecoveryRequest,
        hash: B256,
        guardian: Address,
        a: &RecoveryApproval,
    ) -> Result<GuardianSig> {
        let bad = || RecoveryError::BadApproval(format_address(&guardian));
        if a.hash.parse::<B256>().ok() != Some(hash) {
            return Err(bad());
        }
        let bytes = || hex::decode(a.signature.trim().trim_start_matches("0x")).map_err(|_| bad());
        match a.kind {
            ApprovalKind::Key => {
                let bytes = bytes()?;
                let sig = Signature::try_from(bytes.as_slice()).map_err(|_| bad())?;
                if sig.recover_address_from_prehash(&hash).ok() != Some(guardian) {
                    return Err(bad());
                }
                Ok(GuardianSig::Key(sig.as_bytes().to_vec()))
            }
            ApprovalKind::Contract => {
                let bytes = bytes()?;
                let call = guardians::is_valid_signature_call(&request.safe_tx_preimage(), &bytes);
                // A Safe reverts on a signature that is not its owners' (GS026): that is a
                // bad approval, not a node's failure.
                let answer = match self.ctx.chain().call(guardian, &call).await {
                    Ok(answer) => answer,
                    Err(e) if e.is_offline() => return Err(RecoveryError::Offline),
                    Err(_) => return Err(bad()),
                };
                if answer.get(..4) != Some(&guardians::LEGACY_EIP1271_MAGIC[..]) {
                    return Err(bad());
                }
                Ok(GuardianSig::Contract(bytes))
            }
            ApprovalKind::Approved => {
                let approved = self
                    .read_word(
                        request.guardian_safe,
                        &guardians::approved_hashes_call(guardian, hash),
                    )
                    .await?;
                if approved.is_zero() {
                    return Err(RecoveryError::Invalid(format!(
                        "{} has not approved this request on chain yet",
                        format_address(&guardian)
                    )));
                }
                Ok(GuardianSig::Approved)
            }
        }
    }

    /// Runs the scheduled change once its delay has passed (anyone may).
    pub(crate) async fn execute(
        &self,
        text: &str,
        from: &str,
        sponsored: bool,
    ) -> Result<Operation> {
        let request = self.parse(text)?;
        let call = Call {
            to: request.timelock,
            value: U256::ZERO,
            data: request.execute_call().into(),
        };
        self.send(from, vec![call], "recovery_execute", sponsored, None)
            .await
    }

    /// The owner's veto: cancels a call the account's timelock holds (`id`), in a user
    /// operation from the account itself.
    pub(crate) async fn cancel(
        &self,
        address: &str,
        id: &str,
        sponsored: bool,
        mfa_code: Option<String>,
    ) -> Result<Operation> {
        let row = self.safe_row(address).await?;
        let account = parse_address(&row.address)?;
        let id: B256 = id
            .trim()
            .parse()
            .map_err(|_| RecoveryError::Invalid(format!("{id:?} is not an operation id")))?;
        let timelock = *self
            .timelocks(account)
            .await?
            .first()
            .ok_or_else(|| RecoveryError::NoGuardians(row.address.clone()))?;
        let call = Call {
            to: timelock,
            value: U256::ZERO,
            data: guardians::cancel_call(id).into(),
        };
        self.send(
            &row.address,
            vec![call],
            "recovery_cancel",
            sponsored,
            mfa_code,
        )
        .await
    }

    /// Where the request stands; once done, and its new owner is one of this wallet's
    /// accounts, the recovered Safe becomes an account of this wallet.
    pub(crate) async fn status(&self, text: &str) -> Result<RecoveryStatus> {
        let request = self.parse(text)?;
        let chain = self.ctx.chain();
        let id = request.operation_id();
        let ts = self
            .read_word(request.timelock, &guardians::get_timestamp_call(id))
            .await?
            .saturating_to::<u64>();
        let owners = self.owners_of(request.account).await?.unwrap_or_default();
        let time = chain.latest_timestamp().await.map_err(offline)?;
        // Never scheduled and cancelled look alike to the timelock; the owner list tells the
        // done case apart from both.
        let (mut state, ready_at) = timelock_state(ts, time, "not_scheduled");
        // Not in the timelock while the guardians' Safe moved past the request's nonce: it was
        // scheduled and cancelled, or they signed something else. Their approvals are spent.
        if state == "not_scheduled" {
            let nonce = self
                .read_word(request.guardian_safe, &guardians::nonce_call())
                .await?;
            if nonce > request.guardian_nonce {
                state = "void";
                self.forget(&request).await?;
            }
        }
        let adopted = if state == "done" && owners.contains(&request.new_owner) {
            self.adopt(request.account, request.new_owner).await?
        } else {
            false
        };
        if adopted {
            self.forget(&request).await?;
        }
        Ok(RecoveryStatus {
            account: format_address(&request.account),
            id: id.to_string(),
            state: state.into(),
            ready_at,
            owners: owners.iter().map(format_address).collect(),
            adopted,
        })
    }

    /// The watchtower's slow part, run from the sync rounds every [`WATCH_EVERY_SECS`] (and at
    /// the first round of a session, and on every refresh the user asks for): finds each
    /// deployed Safe's timelock (its module list), and reads its log from where the watch
    /// stopped (from the timelock's creation at a session's start). Between these, each round's
    /// one batched request carries the timelocks' `CallScheduled` logs of the new blocks
    /// ([`Recovery::watch_query`], [`Recovery::absorb`]), so the watch costs no request of its
    /// own per block. Nothing at all without Safes.
    pub(crate) async fn watch(&self, memo: &mut WatchMemo) -> Result<()> {
        let chain_id = self.ctx.network().chain_id;
        let asked = self.ctx.take_watch_due();
        if !asked
            && memo.last.is_some_and(|(c, t)| {
                c == chain_id && t.elapsed() < std::time::Duration::from_secs(WATCH_EVERY_SECS)
            })
        {
            return Ok(());
        }
        let safes = self.deployed_safes().await?;
        memo.last = Some((chain_id, std::time::Instant::now()));
        memo.cursors.retain(|account, _| safes.contains(account));
        if safes.is_empty() {
            return Ok(());
        }
        let chain = self.ctx.chain();
        let head = chain.block_number().await?;
        for account in safes {
            let Some(timelock) = self.timelocks(account).await?.first().copied() else {
                memo.cursors.remove(&account);
                continue;
            };
            let from = match memo.cursors.get(&account) {
                Some((t, next)) if *t == timelock => *next,
                _ => self.since(timelock).await?,
            };
            if from > head {
                memo.cursors.insert(account, (timelock, from));
                continue;
            }
            let span = self.ctx.network().log_span_blocks.max(1);
            let to = from.saturating_add(span - 1).min(head);
            let logs = chain
                .logs(
                    timelock,
                    &[Some(guardians::call_scheduled_topic())],
                    from,
                    to,
                )
                .await?;
            memo.cursors.insert(account, (timelock, from));
            self.absorb(memo, logs, to, Some(account)).await?;
        }
        Ok(())
    }

    /// The timelocks' logs a round's request should carry, from the earliest block not yet
    /// read (`None`: no timelock to watch).
    pub(crate) fn watch_query(memo: &WatchMemo) -> Option<(Vec<Address>, B256, u64)> {
        let from = memo.cursors.values().map(|(_, next)| *next).min()?;
        let timelocks = memo.cursors.values().map(|(t, _)| *t).collect();
        Some((timelocks, guardians::call_scheduled_topic(), from))
    }

    async fn deployed_safes(&self) -> Result<Vec<Address>> {
        let chain_id = self.ctx.network().chain_id;
        self.with_session_quiet(|s| {
            let mut safes = Vec::new();
            for r in s.ledger.accounts(true)? {
                if r.smart.is_some_and(|m| m.kind == SmartKind::Safe)
                    && s.ledger.is_deployed(r.id, chain_id)?
                {
                    safes.push(parse_address(&r.address)?);
                }
            }
            Ok(safes)
        })
        .await
    }

    /// Deals with the timelocks' `CallScheduled` logs read up to block `to`: an owner change
    /// this wallet did not ask for (its new owner is not one of this wallet's accounts) is told
    /// to the window with the id to cancel; any other scheduled call is cancelled at once, the
    /// owner key being here. Each is dealt with once a session; the cursors (`only`'s, or all
    /// when the logs cover every timelock) then move past `to`.
    pub(crate) async fn absorb(
        &self,
        memo: &mut WatchMemo,
        logs: Vec<crate::chain::client::Log>,
        to: u64,
        only: Option<Address>,
    ) -> Result<()> {
        let mine: Vec<Address> = if logs.is_empty() {
            Vec::new()
        } else {
            self.with_session_quiet(|s| {
                Ok(s.ledger
                    .accounts(true)?
                    .into_iter()
                    .filter(|r| r.smart.is_none())
                    .filter_map(|r| parse_address(&r.address).ok())
                    .collect())
            })
            .await?
        };
        for l in logs {
            let Some((account, timelock)) = memo
                .cursors
                .iter()
                .find(|(_, (t, next))| *t == l.address && l.block_number >= *next)
                .map(|(a, (t, _))| (*a, *t))
            else {
                continue;
            };
            let Some(found) = guardians::read_scheduled(account, &l.topics, &l.data) else {
                continue;
            };
            if memo.handled.contains(&found.id()) {
                continue;
            }
            let ts = self
                .read_word(timelock, &guardians::get_timestamp_call(found.id()))
                .await?
                .saturating_to::<u64>();
            memo.handled.insert(found.id());
            // Cancelled (0) or done (1): nothing left to do about it.
            if ts <= 1 {
                continue;
            }
            let address = format_address(&account);
            match found {
                Scheduled::OwnerChange { new_owner, .. } if mine.contains(&new_owner) => {}
                Scheduled::OwnerChange { id, new_owner, .. } => {
                    tracing::warn!(account = %address, %id, "an owner change is scheduled");
                    self.ctx
                        .emit(WalletEvent::Notice(Notice::RecoveryScheduled {
                            account: address.clone(),
                            id: id.to_string(),
                            new_owner: format_address(&new_owner),
                            ready_at: Some(ts),
                        }));
                }
                Scheduled::Other { id, .. } => {
                    tracing::warn!(account = %address, %id, "a foreign call is scheduled");
                    let sponsored = self.ctx.chain().paymaster().is_some();
                    let outcome = self
                        .cancel(&address, &id.to_string(), sponsored, None)
                        .await;
                    self.ctx.emit(WalletEvent::Notice(Notice::ScheduledCall {
                        account: address.clone(),
                        id: id.to_string(),
                        cancelled: outcome.is_ok(),
                        error: outcome.err().map(|e| e.to_string()),
                    }));
                }
            }
        }
        // Read to here only once every call in the range was dealt with.
        for (account, (_, next)) in memo.cursors.iter_mut() {
            if only.is_none_or(|o| o == *account) {
                *next = (*next).max(to.saturating_add(1));
            }
        }
        Ok(())
    }

    /// Adds the recovered Safe as an account of this wallet, owned by its account `owner`;
    /// `false` when `owner` is not one of this wallet's accounts.
    async fn adopt(&self, account: Address, owner: Address) -> Result<bool> {
        let chain_id = self.ctx.network().chain_id;
        let added = self
            .with_session(|s| {
                let Ok(owner_row) = s.ledger.account(&format_address(&owner)) else {
                    return Ok(false);
                };
                if owner_row.smart.is_some() {
                    return Ok(false);
                }
                let address = format_address(&account);
                let row = match s.ledger.account(&address) {
                    Ok(row) => row,
                    Err(_) => s.ledger.add_smart_account(
                        &owner_row,
                        SmartKind::Safe,
                        EntryPointVersion::V07,
                        &address,
                        &format!("{} (recovered Safe)", owner_row.name),
                    )?,
                };
                s.ledger.set_deployed(row.id, chain_id)?;
                Ok(true)
            })
            .await?;
        if added {
            self.ctx.watch_again();
            self.ctx.wake_sync();
        }
        Ok(added)
    }
}
