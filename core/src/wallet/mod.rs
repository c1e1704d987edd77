//! Wallet: the façade — the `Wallet` handle, the one entry point of the core, shared by the
//! app shell, the `cairn` CLI and the tests. It opens and closes the session (create, unlock,
//! lock, idle lock, password change) and hands every other call to the room that owns it, in
//! one line; it routes a payment from a smart account to `smart`, any other to `send`.
//! `profiles` (several wallets on one device) and `error` (what the UI sees) live here too.
//!
//! May use: every room.

pub mod error;
pub mod profiles;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

use alloy::primitives::{Address, U256};
use cairn_api::{
    Account, ActivityPage, ActivityQuery, AuditEntry, Balance, Funded, HistoryEntry, HistoryPage,
    HistoryQuery, MfaEnrollment, MfaStatus, NetworkEntry, NetworkSpec, Operation, Policy,
    ReceiveInfo, ReplacementQuote, RiskReport, SendQuote, SendRequest, Settings, SignedMessage,
    SmartAccount, SyncStatus, TypedDataReview, UserOpQuote, UserOpRequest, WalletStatus,
};
use secrecy::SecretString;
use serde::Serialize;
use tokio::sync::broadcast;

use self::error::{Error, Result};
use crate::accounts::backup::Backups;
pub use crate::accounts::KeySpec;
use crate::accounts::{accounts_with_owners, prepare, store_key_source, to_account, Accounts};
use crate::chain::network::Network;
use crate::guard::exports::Exports;
use crate::guard::messages::Messages;
use crate::guard::mfa::TwoFactor;
use crate::guard::risk::{Call, Risk};
use crate::history::History;
use crate::keys::vault;
use crate::networks::Networks;
use crate::prices::Prices;
use crate::primitives::units::{format_address, format_units, parse_address, parse_units};
use crate::recovery::Recovery;
use crate::send::Payments;
use crate::session::{blocking, Ctx, Session, SessionError};
pub use crate::session::{LockReason, WalletConfig, WalletEvent};
use crate::smart::SmartAccounts;
use crate::store::audit::{AuditEvent, Outcome};
use crate::store::ledger::{self, AccountRow, Ledger};
use crate::sync::Syncer;
use alloy_dyn_abi::TypedData;

/// Idle auto-lock: default and allowed range.
pub const AUTO_LOCK_DEFAULT: Duration = Duration::from_secs(5 * 60);
pub const AUTO_LOCK_MIN: Duration = Duration::from_secs(60);
pub const AUTO_LOCK_MAX: Duration = Duration::from_secs(15 * 60);
const AUTO_LOCK_KEY: &str = "auto_lock_secs";
const QUIET_KEY: &str = "quiet";

/// A new wallet: its first account and, for a new phrase, the words for the user to write down.
#[derive(Debug)]
pub struct NewWallet {
    pub account: Account,
    pub mnemonic: Option<SecretString>,
}

/// What `doctor` reports.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub integrity: String,
    pub audit_rows: i64,
}

/// The wallet. Cheap to clone: clones share one state.
#[derive(Debug, Clone)]
pub struct Wallet {
    ctx: Arc<Ctx>,
    /// The dapp bridge's listener and waiting requests (off until started), and the device's
    /// passkey authenticator, which the bridge's calls need as much as the window's.
    bridge: Arc<crate::bridge::Shared>,
}

impl Drop for Wallet {
    fn drop(&mut self) {
        // Handles are clones of one wallet; when the last goes (a profile switched, the app
        // closing), nothing should listen for it — the bridge's tasks hold it only weakly.
        if Arc::strong_count(&self.ctx) == 1 {
            self.bridge.shutdown();
        }
    }
}

impl Wallet {
    crate::session::gate_methods!(Error);

    /// Opens the wallet handle for a profile. Touches neither the network nor the vault: the
    /// wallet starts locked (or without a vault) and works offline.
    pub fn new(config: WalletConfig) -> Result<Wallet> {
        Ok(Wallet {
            ctx: Arc::new(Ctx::new(config)?),
            bridge: Arc::default(),
        })
    }

    /// The active network.
    pub fn network(&self) -> Network {
        self.ctx.network()
    }

    pub fn data_dir(&self) -> &Path {
        self.ctx.data_dir()
    }

    /// Lock, sync and operation events for front ends to follow.
    pub fn subscribe(&self) -> broadcast::Receiver<WalletEvent> {
        self.ctx.subscribe()
    }

    pub async fn status(&self) -> Result<WalletStatus> {
        let network = self.network().info();
        let session = self.ctx.gate().await;
        Ok(match &*session {
            Some(s) => WalletStatus::Unlocked {
                network,
                accounts: accounts_with_owners(&s.ledger, false)?,
            },
            None if vault::exists(self.data_dir()) => WalletStatus::Locked {
                network,
                retry_after_secs: vault::retry_after(self.data_dir()),
            },
            None => WalletStatus::NoVault { network },
        })
    }

    /// Creates the vault, the ledger and the first key source with its first account, and
    /// leaves the wallet unlocked. If any step fails, nothing of the new wallet stays on disk.
    pub async fn create(&self, password: SecretString, spec: KeySpec) -> Result<NewWallet> {
        let mut session = self.ctx.gate().await;
        let dir = self.data_dir().to_path_buf();
        if vault::exists(&dir) {
            return Err(vault::VaultError::Exists(dir).into());
        }
        // A ledger without its vault header is someone's wallet with a file lost, not room for
        // a new one: creating here would make the old ledger unreadable for good.
        if let Some(found) = wallet_files(&dir).into_iter().find(|p| p.exists()) {
            return Err(ledger::LedgerError::WithoutVault(found).into());
        }
        // Everything that can be refused (a typo in a phrase, a weak password) is refused
        // before a file is written.
        vault::check_strength(&password)?;
        let prepared = prepare(spec)?;
        let (kdf, keychain) = (self.ctx.config().kdf, self.ctx.config().keychain.clone());
        let keys = blocking({
            let dir = dir.clone();
            move || Ok::<_, Error>(vault::create(&dir, &password, kdf, keychain.as_ref())?)
        })
        .await?;
        let result = (|| -> Result<(Ledger, AccountRow)> {
            let mut ledger = Ledger::open(&dir, &keys)?;
            if keys.device_secret {
                ledger.anchor_in(self.ctx.config().keychain.clone(), &keys.vault_id)?;
            }
            let row = store_key_source(&mut ledger, &keys, &prepared, AuditEvent::WalletCreated)?;
            ledger.integrity_check()?;
            Ok((ledger, row))
        })();
        match result {
            Ok((ledger, row)) => {
                tracing::info!(address = %row.address, kind = prepared.kind, "wallet created");
                self.start_session(&mut session, ledger, keys, AUTO_LOCK_DEFAULT);
                Ok(NewWallet {
                    account: to_account(&row),
                    mnemonic: prepared.generated,
                })
            }
            Err(e) => {
                tracing::warn!(error = %e, "wallet creation failed; removing its partial files");
                remove_wallet_files(&dir);
                Err(e)
            }
        }
    }

    fn start_session(
        &self,
        slot: &mut Option<Session>,
        ledger: Ledger,
        keys: vault::VaultKeys,
        auto_lock: Duration,
    ) {
        let generation = self.ctx.open(slot, ledger, keys, auto_lock);
        tokio::spawn(idle_watch(Arc::downgrade(&self.ctx), generation));
        tokio::spawn(crate::sync::worker(Arc::downgrade(&self.ctx), generation));
    }

    /// Unlocks with the password; returns the visible accounts. Wrong passwords are throttled
    /// (`VaultError::Throttled`) and written to the audit log at the next successful unlock.
    pub async fn unlock(&self, password: SecretString) -> Result<Vec<Account>> {
        let mut session = self.ctx.gate().await;
        let dir = self.data_dir().to_path_buf();
        let (kdf, keychain) = (self.ctx.config().kdf, self.ctx.config().keychain.clone());
        let unlocked = match blocking(move || {
            Ok::<_, Error>(vault::unlock(&dir, &password, keychain.as_ref(), kdf)?)
        })
        .await
        {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(error = %e, "unlock failed");
                return Err(e);
            }
        };
        let mut ledger = Ledger::open_existing(self.data_dir(), &unlocked.keys)?;
        // Before anything is written (the unlock's own audit row would move the head): a
        // ledger put back from an older copy, or a head deleted or edited, is refused here.
        ledger.check_audit_head()?;
        if unlocked.keys.device_secret {
            ledger.anchor_in(self.ctx.config().keychain.clone(), &unlocked.keys.vault_id)?;
        }
        if !unlocked.failed_attempts.is_empty() {
            let times: Vec<i64> = unlocked.failed_attempts.iter().map(|t| *t as i64).collect();
            ledger.audit_at(
                &times,
                AuditEvent::UnlockFailed,
                Outcome::Denied,
                "wrong password",
            )?;
        }
        ledger.audit(AuditEvent::Unlock, Outcome::Ok, "")?;
        let auto_lock = ledger
            .setting(AUTO_LOCK_KEY)?
            .and_then(|v| v.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(AUTO_LOCK_DEFAULT);
        self.ctx
            .set_quiet(ledger.setting(QUIET_KEY)?.is_some_and(|v| v == "1"));
        let accounts = accounts_with_owners(&ledger, false)?;
        self.start_session(&mut session, ledger, unlocked.keys, auto_lock);
        tracing::info!("wallet unlocked");
        Ok(accounts)
    }

    /// Drops the ledger connection and every key; they are zeroized on drop.
    pub async fn lock(&self) {
        self.ctx.close(LockReason::User).await;
    }

    /// Rewraps the vault key under a new password. Needs the wallet unlocked and the old password.
    pub async fn change_password(&self, old: SecretString, new: SecretString) -> Result<()> {
        let mut guard = self.ctx.gate().await;
        let s = guard.as_mut().ok_or(SessionError::Locked)?;
        self.ctx.touch();
        let dir = self.data_dir().to_path_buf();
        let (kdf, keychain) = (self.ctx.config().kdf, self.ctx.config().keychain.clone());
        let result = blocking(move || {
            Ok::<_, Error>(vault::change_password(
                &dir,
                &old,
                &new,
                kdf,
                keychain.as_ref(),
            )?)
        })
        .await;
        match result {
            Ok(failed) => {
                if !failed.is_empty() {
                    let times: Vec<i64> = failed.iter().map(|t| *t as i64).collect();
                    s.ledger.audit_at(
                        &times,
                        AuditEvent::UnlockFailed,
                        Outcome::Denied,
                        "wrong password",
                    )?;
                }
                s.ledger
                    .audit(AuditEvent::PasswordChanged, Outcome::Ok, "")?;
                Ok(())
            }
            Err(e) => {
                s.ledger
                    .audit(AuditEvent::PasswordChanged, Outcome::Denied, &e.to_string())?;
                Err(e)
            }
        }
    }

    pub async fn settings(&self) -> Result<Settings> {
        self.with_session(|s| {
            Ok(Settings {
                auto_lock_secs: s.auto_lock.as_secs(),
                device_secret: s.keys.device_secret,
                quiet: self.ctx.quiet_setting(),
            })
        })
        .await
    }

    /// Quiet mode: the wallet reads nothing in the background (payments it sent are still
    /// followed); balances and activity are read when asked (`sync_once`). Remembered for the
    /// next unlock; `CAIRN_QUIET=1` keeps it on.
    pub async fn set_quiet(&self, quiet: bool) -> Result<()> {
        self.with_session(|s| {
            s.ledger
                .set_setting(QUIET_KEY, if quiet { "1" } else { "0" })?;
            Ok(())
        })
        .await?;
        self.ctx.set_quiet(quiet);
        if !quiet {
            self.ctx.wake_sync();
        }
        Ok(())
    }

    /// A front end says whether anyone is looking at the wallet (a window shown, or hidden or
    /// minimised): unwatched, it is quiet.
    pub fn set_watched(&self, watched: bool) {
        self.ctx.set_watched(watched);
        if watched {
            self.ctx.wake_sync();
        }
    }

    /// Sets the idle time before the wallet locks itself (1–15 minutes).
    pub async fn set_auto_lock(&self, timeout: Duration) -> Result<()> {
        if timeout < AUTO_LOCK_MIN || timeout > AUTO_LOCK_MAX {
            return Err(Error::AutoLockRange);
        }
        self.with_session(|s| {
            s.ledger
                .set_setting(AUTO_LOCK_KEY, &timeout.as_secs().to_string())?;
            s.auto_lock = timeout;
            Ok(())
        })
        .await?;
        self.ctx.idle_rules.notify_waiters();
        Ok(())
    }

    /// The user is at the window (typing, clicking) without calling the wallet: the idle
    /// clock starts again. Nothing happens while locked.
    pub async fn user_active(&self) {
        if self.ctx.gate().await.is_some() {
            self.ctx.touch();
        }
    }

    /// Test hook: the same as `set_auto_lock` without the range check, so a test can watch the
    /// wallet lock itself in a second rather than a minute.
    #[cfg(test)]
    pub(crate) async fn set_auto_lock_unchecked(&self, timeout: Duration) -> Result<()> {
        self.with_session(|s| {
            s.auto_lock = timeout;
            Ok(())
        })
        .await?;
        self.ctx.idle_rules.notify_waiters();
        Ok(())
    }

    /// The newest `limit` audit rows.
    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>> {
        self.with_session(|s| {
            Ok(s.ledger
                .audit_log(limit)?
                .into_iter()
                .map(|r| AuditEntry {
                    seq: r.seq,
                    at: r.at,
                    event: r.event,
                    outcome: r.outcome,
                    device_id: r.device_id,
                    detail: r.detail,
                })
                .collect())
        })
        .await
    }

    /// Verifies the audit chain; `Ok(n)`: n rows, intact.
    pub async fn verify_audit(&self) -> Result<i64> {
        self.with_session(|s| Ok(s.ledger.verify_audit()?)).await
    }

    /// Health of the unlocked ledger: `PRAGMA integrity_check` and the audit chain.
    pub async fn doctor(&self) -> Result<DoctorReport> {
        self.with_session(|s| {
            s.ledger.integrity_check()?;
            let audit_rows = s.ledger.verify_audit()?;
            Ok(DoctorReport {
                integrity: "ok".into(),
                audit_rows,
            })
        })
        .await
    }

    /// Records a bare payment intent (`draft`) from one of the accounts: a ledger write for
    /// tests of the store (crash, plaintext); sends go through [`Wallet::send`].
    #[cfg(any(test, feature = "test-support"))]
    pub async fn record_transfer_intent(
        &self,
        from: &str,
        to: &str,
        amount_wei: U256,
    ) -> Result<i64> {
        let from = format_address(&parse_address(from)?);
        let to = format_address(&parse_address(to)?);
        let chain_id = self.network().chain_id;
        self.with_session(|s| {
            let account = s.ledger.account(&from)?;
            Ok(s.ledger.record_operation(
                account.id,
                chain_id,
                "transfer",
                &to,
                &amount_wei.to_string(),
            )?)
        })
        .await
    }

    /// Operations and transitions recorded (for consistency checks in tests).
    #[cfg(any(test, feature = "test-support"))]
    pub async fn operation_counts(&self) -> Result<(i64, i64)> {
        self.with_session(|s| Ok(s.ledger.operation_counts()?))
            .await
    }

    /// The native balance of any address, read from the chain; needs no unlock.
    pub async fn balance(&self, address: &str) -> Result<Balance> {
        let parsed = parse_address(address)?;
        let at = self.ctx.chain().balance(parsed).await?;
        let network = self.network();
        Ok(Balance {
            address: format_address(&parsed),
            wei: at.wei.to_string(),
            formatted: format_units(at.wei, network.currency_decimals)?,
            symbol: network.currency_symbol.clone(),
            block_number: at.block_number,
        })
    }

    /// Devnet only: funds `address` with `amount` (in ETH, e.g. `10`) from the node's dev account.
    pub async fn devnet_fund(&self, address: &str, amount: &str) -> Result<Funded> {
        let to = parse_address(address)?;
        let wei: U256 = parse_units(amount, self.network().currency_decimals)?;
        let hash = self.ctx.chain().devnet_fund(to, wei).await?;
        tracing::info!(to = %format_address(&to), %amount, tx = %hash, "devnet faucet sent");
        Ok(Funded {
            tx_hash: hash.to_string(),
            balance: self.balance(address).await?,
        })
    }

    /// Adds another phrase or private key to an unlocked wallet, with its first account.
    pub async fn import(&self, spec: KeySpec) -> Result<Account> {
        Ok(Accounts { ctx: &self.ctx }.import(spec).await?)
    }

    /// Recovery phrases made here whose backup is not yet checked: the UI reminds until none.
    pub async fn pending_backups(&self) -> Result<Vec<cairn_api::PendingBackup>> {
        Ok(Backups { ctx: &self.ctx }.pending().await?)
    }

    /// Which words of a phrase the user is asked to type back (1-based positions).
    pub async fn backup_challenge(&self, key_source_id: i64) -> Result<cairn_api::BackupChallenge> {
        Ok(Backups { ctx: &self.ctx }.challenge(key_source_id).await?)
    }

    /// Checks the typed words; on a match the phrase counts as written down (audited).
    pub async fn confirm_backup(&self, key_source_id: i64, words: &[String]) -> Result<()> {
        Ok(Backups { ctx: &self.ctx }
            .confirm(key_source_id, words)
            .await?)
    }

    pub async fn accounts(&self, include_hidden: bool) -> Result<Vec<Account>> {
        Ok(Accounts { ctx: &self.ctx }.accounts(include_hidden).await?)
    }

    /// Derives and stores the next account of an HD key source.
    pub async fn add_account(&self, key_source_id: i64) -> Result<Account> {
        Ok(Accounts { ctx: &self.ctx }
            .add_account(key_source_id)
            .await?)
    }

    pub async fn rename_account(&self, address: &str, name: &str) -> Result<()> {
        Ok(Accounts { ctx: &self.ctx }
            .rename_account(address, name)
            .await?)
    }

    pub async fn set_account_hidden(&self, address: &str, hidden: bool) -> Result<()> {
        Ok(Accounts { ctx: &self.ctx }
            .set_account_hidden(address, hidden)
            .await?)
    }

    pub async fn reorder_accounts(&self, addresses: &[String]) -> Result<()> {
        Ok(Accounts { ctx: &self.ctx }
            .reorder_accounts(addresses)
            .await?)
    }

    /// The recovery phrase of a key source (or the private key of an imported-key source),
    /// after the password is entered again. Audited, success or not.
    pub async fn export_secret(
        &self,
        password: SecretString,
        key_source_id: i64,
        mfa_code: Option<&str>,
    ) -> Result<SecretString> {
        Ok(Exports { ctx: &self.ctx }
            .export_secret(password, key_source_id, mfa_code)
            .await?)
    }

    /// The private key of one account, after the password is entered again. Audited.
    pub async fn export_private_key(
        &self,
        password: SecretString,
        address: &str,
        mfa_code: Option<&str>,
    ) -> Result<SecretString> {
        Ok(Exports { ctx: &self.ctx }
            .export_private_key(password, address, mfa_code)
            .await?)
    }

    /// What the receive screen shows for one of the wallet's accounts.
    pub async fn receive(&self, address: &str) -> Result<ReceiveInfo> {
        Ok(Accounts { ctx: &self.ctx }.receive(address).await?)
    }

    /// Parses typed data and lays it out for review; refuses another chain's.
    pub fn review_typed_data(&self, json: &str) -> Result<(TypedData, TypedDataReview)> {
        Ok(Messages { ctx: &self.ctx }.review_typed_data(json)?)
    }

    /// EIP-191 `personal_sign`: `message` is text, or `0x`-hex bytes.
    pub async fn sign_message(&self, address: &str, message: &str) -> Result<SignedMessage> {
        Ok(Messages { ctx: &self.ctx }
            .sign_message(address, message)
            .await?)
    }

    /// EIP-712 `eth_signTypedData_v4`, after the same review [`Wallet::review_typed_data`]
    /// shows (the caller has shown it).
    pub async fn sign_typed_data(&self, address: &str, json: &str) -> Result<SignedMessage> {
        Ok(Messages { ctx: &self.ctx }
            .sign_typed_data(address, json)
            .await?)
    }

    /// A dapp's signing request by its JSON-RPC method name.
    pub async fn sign_request(
        &self,
        method: &str,
        address: &str,
        payload: &str,
    ) -> Result<SignedMessage> {
        Ok(Messages { ctx: &self.ctx }
            .sign_request(method, address, payload)
            .await?)
    }

    /// Whether the second factor is on, how many recovery codes are left, and the policy.
    pub async fn mfa_status(&self) -> Result<MfaStatus> {
        Ok(TwoFactor { ctx: &self.ctx }.mfa_status().await?)
    }

    /// Starts enrolment (password first): a new secret, its `otpauth://` URI and QR code for
    /// an authenticator app, and ten recovery codes shown this once. Nothing is enforced until
    /// [`Wallet::mfa_confirm`] sees a first code. Refused while a confirmed enrolment exists.
    pub async fn mfa_enroll(&self, password: SecretString) -> Result<MfaEnrollment> {
        Ok(TwoFactor { ctx: &self.ctx }.mfa_enroll(password).await?)
    }

    /// Turns the second factor on once the authenticator app shows a code for the new secret.
    pub async fn mfa_confirm(&self, code: &str) -> Result<()> {
        Ok(TwoFactor { ctx: &self.ctx }.mfa_confirm(code).await?)
    }

    /// Ten new recovery codes (shown once) for the password and a current code; the old ones
    /// stop working.
    pub async fn mfa_new_recovery_codes(
        &self,
        password: SecretString,
        code: &str,
    ) -> Result<Vec<String>> {
        Ok(TwoFactor { ctx: &self.ctx }
            .new_recovery_codes(password, code)
            .await?)
    }

    /// Turns the second factor off: the password and a code (or a recovery code). The policy
    /// goes with it, since nothing could enforce it.
    pub async fn mfa_disable(&self, password: SecretString, code: &str) -> Result<()> {
        Ok(TwoFactor { ctx: &self.ctx }
            .mfa_disable(password, code)
            .await?)
    }

    /// Sets the spending policy (amounts in the native currency, `None` for no limit). Always
    /// needs a code, so it needs an enrolled second factor.
    pub async fn set_policy(&self, policy: &Policy, code: Option<&str>) -> Result<()> {
        Ok(TwoFactor { ctx: &self.ctx }
            .set_policy(policy, code)
            .await?)
    }

    /// Simulates and checks one outgoing call from one of the wallet's accounts.
    pub async fn assess(
        &self,
        call: &Call,
        recipient: Option<Address>,
        token: Option<Address>,
    ) -> Result<RiskReport> {
        Ok(Risk { ctx: &self.ctx }
            .assess(call, recipient, token)
            .await?)
    }

    pub async fn add_contact(&self, name: &str, address: &str) -> Result<()> {
        Ok(Risk { ctx: &self.ctx }.add_contact(name, address).await?)
    }

    /// Forgets a contact.
    pub async fn remove_contact(&self, address: &str) -> Result<()> {
        Ok(Risk { ctx: &self.ctx }.remove_contact(address).await?)
    }

    pub async fn contacts(&self) -> Result<Vec<cairn_api::Contact>> {
        Ok(Risk { ctx: &self.ctx }.contacts().await?)
    }

    /// Adds every address in `text` (a list or a sanctions export) to the denylist.
    pub async fn import_denylist(&self, text: &str, source: &str) -> Result<usize> {
        Ok(Risk { ctx: &self.ctx }
            .import_denylist(text, source)
            .await?)
    }

    /// One page of history on the active network, newest first: one account or all, filtered
    /// by asset, direction and counterparty, paged by cursor.
    pub async fn history_page(&self, query: &HistoryQuery) -> Result<HistoryPage> {
        Ok(History { ctx: &self.ctx }.history_page(query).await?)
    }

    /// The newest `limit` history entries of one account on the active network.
    pub async fn history(&self, address: &str, limit: u32) -> Result<Vec<HistoryEntry>> {
        let query = HistoryQuery {
            account: Some(address.to_string()),
            limit: Some(limit),
            ..HistoryQuery::default()
        };
        Ok(self.history_page(&query).await?.entries)
    }

    /// Presets and the user's networks, the active one marked.
    pub async fn networks(&self) -> Result<Vec<NetworkEntry>> {
        Ok(Networks { ctx: &self.ctx }.networks().await?)
    }

    /// Adds (or replaces) a network after asking every endpoint for its chain id: one that is
    /// unreachable or on another chain refuses the whole network.
    pub async fn add_network(&self, spec: &NetworkSpec) -> Result<NetworkEntry> {
        Ok(Networks { ctx: &self.ctx }.add_network(spec).await?)
    }

    /// Makes `chain_id` the active network for this wallet, remembered for the next unlock.
    pub async fn use_network(&self, chain_id: u64) -> Result<NetworkEntry> {
        Ok(Networks { ctx: &self.ctx }.use_network(chain_id).await?)
    }

    /// After an unlock: back to the network the user picked last time, if any. Front ends skip
    /// this when the network was given explicitly (environment, command line).
    pub async fn restore_network(&self) -> Result<()> {
        Ok(Networks { ctx: &self.ctx }.restore_network().await?)
    }

    /// The send form's figures while the user types (available, fee, Max, total, what is
    /// wrong), from what the wallet knows: no network request.
    pub async fn send_preview(
        &self,
        draft: &cairn_api::SendDraft,
    ) -> Result<cairn_api::SendPreview> {
        Ok(Payments { ctx: &self.ctx }.preview(draft).await?)
    }

    /// What a send would do and cost, without doing it.
    pub async fn quote_send(&self, req: &SendRequest) -> Result<SendQuote> {
        Ok(Payments { ctx: &self.ctx }.quote_send(req).await?)
    }

    /// Replaces a signed, unmined send with the same one at higher fees.
    pub async fn speed_up(&self, id: i64) -> Result<Operation> {
        Ok(Payments { ctx: &self.ctx }.speed_up(id, None).await?)
    }

    /// Replaces a signed, unmined send with a transfer of nothing to oneself.
    pub async fn cancel(&self, id: i64) -> Result<Operation> {
        Ok(Payments { ctx: &self.ctx }.cancel(id, None).await?)
    }

    /// What a speed-up (or cancel) of `id` would cost now.
    pub async fn quote_replacement(&self, id: i64, cancel: bool) -> Result<ReplacementQuote> {
        Ok(Payments { ctx: &self.ctx }
            .quote_replacement(id, cancel)
            .await?)
    }

    /// A speed-up or cancel the user confirmed at a quoted max fee per gas (wei, decimal):
    /// refused, to be quoted again, when it would now cost more.
    pub async fn replace_agreed(
        &self,
        id: i64,
        cancel: bool,
        agreed_max_fee_per_gas_wei: Option<&str>,
    ) -> Result<Operation> {
        let agreed = agreed_max_fee_per_gas_wei
            .map(|w| {
                alloy::primitives::U256::from_str_radix(w.trim(), 10).map_err(|_| {
                    crate::send::SendError::Unsupported("the agreed fee is not a number".into())
                })
            })
            .transpose()?;
        let payments = Payments { ctx: &self.ctx };
        Ok(if cancel {
            payments.cancel(id, agreed).await?
        } else {
            payments.speed_up(id, agreed).await?
        })
    }

    /// One page of the wallet's operations on the active network, newest first: one account
    /// or all, filtered by state, asset and recipient, paged by cursor.
    pub async fn activity(&self, query: &ActivityQuery) -> Result<ActivityPage> {
        Ok(Payments { ctx: &self.ctx }.activity(query).await?)
    }

    /// The passkey authenticator of this device (a platform one through the app's plugin, a
    /// security key; a software one in tests). Without one, passkey steps say there is none.
    /// It is kept with the bridge's shared state, whose calls (an app's send or signature from
    /// a passkey's Safe) need it as much as the window's.
    pub fn set_authenticator(&self, authenticator: Arc<dyn crate::passkeys::Authenticator>) {
        self.bridge.set_authenticator(authenticator);
    }

    fn passkeys(&self) -> crate::passkeys::Passkeys<'_> {
        crate::passkeys::Passkeys {
            ctx: &self.ctx,
            authenticator: self.bridge.authenticator(),
        }
    }

    /// Whether this device can make and use passkeys.
    pub fn has_authenticator(&self) -> bool {
        self.passkeys().authenticator.is_some()
    }

    /// Makes a new passkey on the authenticator (user verification required), checks that it
    /// signs as its public key says, and keeps it under `label`.
    pub async fn passkey_add(&self, label: &str) -> Result<cairn_api::PasskeyInfo> {
        Ok(self.passkeys().add(label).await?)
    }

    pub async fn passkey_list(&self) -> Result<Vec<cairn_api::PasskeyInfo>> {
        Ok(self.passkeys().list().await?)
    }

    /// Forgets a passkey (audited); refused while it owns one of this wallet's Safes on the
    /// active network (remove it from the account first).
    pub async fn passkey_remove(&self, id: i64) -> Result<()> {
        let passkeys = self.passkeys();
        let owned = passkeys.owned_accounts(id).await?;
        Ok(passkeys.remove(id, &owned).await?)
    }

    /// The Safes of this wallet that passkey `id` owns on the active network (as the node
    /// says).
    pub async fn passkey_accounts(&self, id: i64) -> Result<Vec<String>> {
        Ok(self.passkeys().owned_accounts(id).await?)
    }

    /// Makes passkey `passkey_id` an owner of the Safe `account` (one user operation signed by
    /// the owner key, two-factor when enrolled); afterwards it can sign the account's sends.
    pub async fn safe_passkey_add(
        &self,
        account: &str,
        passkey_id: i64,
        sponsored: bool,
        mfa_code: Option<String>,
    ) -> Result<Operation> {
        Ok(self
            .smart()
            .add_passkey_owner(account, passkey_id, sponsored, mfa_code)
            .await?)
    }

    /// The Safe whose one owner is passkey `passkey_id` (no key of this wallet signs for it;
    /// the caller has warned that a synced passkey is as safe as the account that syncs it).
    pub async fn passkey_safe(&self, passkey_id: i64) -> Result<SmartAccount> {
        Ok(self.smart().passkey_safe(passkey_id).await?)
    }

    /// Takes passkey `passkey_id` off the Safe `account`'s owners.
    pub async fn safe_passkey_remove(
        &self,
        account: &str,
        passkey_id: i64,
        sponsored: bool,
        mfa_code: Option<String>,
    ) -> Result<Operation> {
        Ok(self
            .smart()
            .remove_passkey_owner(account, passkey_id, sponsored, mfa_code)
            .await?)
    }

    /// Smart accounts with this device's passkey authenticator at hand.
    fn smart(&self) -> SmartAccounts<'_> {
        SmartAccounts::new(&self.ctx).with_authenticator(self.passkeys().authenticator)
    }

    /// Asks the authenticator to sign a fresh challenge with passkey `id` and verifies it.
    pub async fn passkey_check(&self, id: i64) -> Result<cairn_api::PasskeyInfo> {
        Ok(self.passkeys().check(id).await?)
    }

    /// One of the wallet's operations, by id.
    pub async fn operation(&self, id: i64) -> Result<Operation> {
        Ok(Payments { ctx: &self.ctx }.operation(id).await?)
    }

    /// The newest `limit` operations on the active network, every account.
    pub async fn operations(&self, limit: u32) -> Result<Vec<Operation>> {
        let query = ActivityQuery {
            limit: Some(limit),
            ..ActivityQuery::default()
        };
        Ok(self.activity(&query).await?.operations)
    }

    /// Adds an ERC-20 after reading its symbol and decimals from the contract.
    pub async fn add_token(&self, contract: &str) -> Result<cairn_api::AssetBalance> {
        Ok(Payments { ctx: &self.ctx }.add_token(contract).await?)
    }

    /// The explorer page of an address or transaction hash on the active network.
    pub fn explorer_link(&self, value: &str) -> Result<String> {
        Ok(crate::networks::explorer_link(&self.ctx.network(), value)?)
    }

    /// The price settings and every price held for the active network, with source and age.
    pub async fn prices(&self) -> Result<cairn_api::PriceTable> {
        Ok(Prices { ctx: &self.ctx }.table().await?)
    }

    /// Reads the network's price feeds now (and the REST service where the user allows it).
    pub async fn refresh_prices(&self) -> Result<cairn_api::PriceTable> {
        Ok(Prices { ctx: &self.ctx }.refresh().await?)
    }

    /// The currency values are shown in, whether prices are read, and the REST fallback.
    pub async fn set_price_settings(&self, settings: &cairn_api::PriceSettings) -> Result<()> {
        Ok(Prices { ctx: &self.ctx }.set(settings).await?)
    }

    /// What every visible account holds on the active network, valued in the user's currency.
    pub async fn portfolio(&self) -> Result<cairn_api::Portfolio> {
        Ok(Prices { ctx: &self.ctx }.portfolio().await?)
    }

    /// Every asset's balance for `address` as last synced: confirmed, pending out, available.
    pub async fn balances(&self, address: &str) -> Result<Vec<cairn_api::AssetBalance>> {
        Ok(Payments { ctx: &self.ctx }.balances(address).await?)
    }

    /// The smart account of `owner` of a kind — "safe" (the default), "simple", or a
    /// SimpleAccount's EntryPoint version "v0.7"/"v0.8" — added to the wallet the first time.
    /// Its address is computed locally and, when a node answers, checked against the factory:
    /// a mismatch is refused, never used.
    pub async fn smart_account(&self, owner: &str, kind: Option<&str>) -> Result<SmartAccount> {
        Ok(SmartAccounts::new(&self.ctx)
            .smart_account(owner, kind)
            .await?)
    }

    /// Puts guardians on a Safe of this wallet (replacing any it had), in one user operation.
    pub async fn set_guardians(&self, req: &cairn_api::GuardianRequest) -> Result<Operation> {
        Ok(Recovery { ctx: &self.ctx }.set_guardians(req).await?)
    }

    /// A Safe's guardians and what its timelock holds, as the chain says.
    pub async fn guardians(&self, account: &str) -> Result<cairn_api::Guardians> {
        Ok(Recovery { ctx: &self.ctx }.guardians(account).await?)
    }

    /// A recovery request (JSON, to send to the guardians): `new_owner` (this wallet's first
    /// account when absent) to replace the owner of `account`.
    /// Offline, `kit` (the account's recovery kit, JSON) stands in for the chain.
    pub async fn recovery_request(
        &self,
        account: &str,
        new_owner: Option<&str>,
        kit: Option<&str>,
    ) -> Result<String> {
        Ok(Recovery { ctx: &self.ctx }
            .request(account, new_owner, kit)
            .await?)
    }

    /// The recovery requests this wallet made that have not completed here (oldest first):
    /// the new device finds its request again after a restart, and the approvals still fit it.
    pub async fn recovery_requests(&self) -> Result<Vec<String>> {
        Ok(Recovery { ctx: &self.ctx }.requests().await?)
    }

    fn bridge(&self) -> crate::bridge::Bridge<'_> {
        crate::bridge::Bridge {
            ctx: &self.ctx,
            shared: &self.bridge,
        }
    }

    /// Starts the dapp bridge on loopback `port` (0: any free port); it serves until stopped
    /// or this handle is dropped. Callers are checked per request; a locked wallet answers
    /// them 4100.
    pub async fn bridge_start(&self, port: u16) -> Result<cairn_api::BridgeStatus> {
        Ok(self
            .bridge()
            .start(Arc::downgrade(&self.ctx), self.bridge.clone(), port)
            .await?)
    }

    /// After an unlock: starts the bridge again if the user left it on (front ends call it).
    pub async fn bridge_resume(&self) -> Result<cairn_api::BridgeStatus> {
        Ok(self
            .bridge()
            .resume(Arc::downgrade(&self.ctx), self.bridge.clone())
            .await?)
    }

    /// Stops the bridge now, leaving the user's choice as it is (a profile switched away).
    pub fn bridge_shutdown(&self) {
        self.bridge.shutdown();
    }

    /// Stops the bridge; what waited for the user is refused.
    pub async fn bridge_stop(&self) -> cairn_api::BridgeStatus {
        self.bridge().stop().await
    }

    pub async fn bridge_status(&self) -> cairn_api::BridgeStatus {
        self.bridge().status().await
    }

    /// The port a bridge of this profile last listened on (any process's).
    pub async fn bridge_last_port(&self) -> Result<Option<u16>> {
        Ok(self.bridge().last_port().await?)
    }

    /// A token for a local program to call the bridge with: shown this once, kept hashed.
    pub async fn bridge_token_add(&self, name: &str) -> Result<cairn_api::BridgeToken> {
        Ok(self.bridge().add_token(name).await?)
    }

    pub async fn bridge_tokens(&self) -> Result<Vec<cairn_api::BridgeToken>> {
        Ok(self.bridge().tokens().await?)
    }

    /// Revokes a token (and its grant): its next call is refused.
    pub async fn bridge_token_revoke(&self, id: i64) -> Result<()> {
        Ok(self.bridge().revoke_token(id).await?)
    }

    /// Who was granted what.
    pub async fn bridge_grants(&self) -> Result<Vec<cairn_api::BridgeGrant>> {
        Ok(self.bridge().grants().await?)
    }

    pub async fn bridge_grant_revoke(&self, caller: &str) -> Result<()> {
        Ok(self.bridge().revoke_grant(caller).await?)
    }

    /// What dapps ask that waits for the user, oldest first.
    pub fn bridge_approvals(&self) -> Vec<cairn_api::BridgeApproval> {
        self.bridge().approvals()
    }

    /// The user's answer to one waiting request.
    pub async fn bridge_decide(&self, decision: cairn_api::BridgeDecision) -> Result<()> {
        Ok(self.bridge().decide(decision).await?)
    }

    /// A Safe's recovery kit (JSON): what a new device needs to ask for it with no node.
    pub async fn recovery_kit(&self, account: &str) -> Result<String> {
        Ok(Recovery { ctx: &self.ctx }.kit(account).await?)
    }

    /// What approving a recovery request means, checked against the chain when a node answers.
    pub async fn recovery_review(&self, request: &str) -> Result<cairn_api::RecoveryReview> {
        Ok(Recovery { ctx: &self.ctx }.review(request).await?)
    }

    /// A guardian's signature of a recovery request.
    pub async fn recovery_approve(
        &self,
        request: &str,
        guardian: Option<&str>,
    ) -> Result<cairn_api::RecoveryApproval> {
        Ok(Recovery { ctx: &self.ctx }
            .approve(request, guardian)
            .await?)
    }

    /// Schedules the recovery with the guardians' approvals, in a user operation from `from`.
    pub async fn recovery_submit(
        &self,
        request: &str,
        approvals: &[cairn_api::RecoveryApproval],
        from: &str,
        sponsored: bool,
    ) -> Result<Operation> {
        Ok(Recovery { ctx: &self.ctx }
            .submit(request, approvals, from, sponsored)
            .await?)
    }

    /// Runs a scheduled recovery after its delay, in a user operation from `from`.
    pub async fn recovery_execute(
        &self,
        request: &str,
        from: &str,
        sponsored: bool,
    ) -> Result<Operation> {
        Ok(Recovery { ctx: &self.ctx }
            .execute(request, from, sponsored)
            .await?)
    }

    /// The owner's veto: cancels the timelock's operation `id` on `account`.
    pub async fn recovery_cancel(
        &self,
        account: &str,
        id: &str,
        sponsored: bool,
        mfa_code: Option<String>,
    ) -> Result<Operation> {
        Ok(Recovery { ctx: &self.ctx }
            .cancel(account, id, sponsored, mfa_code)
            .await?)
    }

    /// Where a recovery stands; a finished one whose new owner is this wallet's becomes one of
    /// its accounts.
    pub async fn recovery_status(&self, request: &str) -> Result<cairn_api::RecoveryStatus> {
        Ok(Recovery { ctx: &self.ctx }.status(request).await?)
    }

    /// The wallet's smart accounts, with whether each is deployed on the active network (asked
    /// of the node where the ledger does not know yet).
    pub async fn smart_accounts(&self) -> Result<Vec<SmartAccount>> {
        Ok(SmartAccounts::new(&self.ctx).smart_accounts().await?)
    }

    /// What a user operation would do and cost, without signing it.
    pub async fn quote_user_op(&self, req: &UserOpRequest) -> Result<UserOpQuote> {
        Ok(self.smart().quote_user_op(req).await?)
    }

    /// Builds, checks against the available balance, signs (the owner's key, or the passkey
    /// `req.signer` names) and queues a user operation; the sync worker hands it to the
    /// bundler. Its userOpHash is stored first.
    pub async fn send_user_op(&self, req: &UserOpRequest) -> Result<Operation> {
        Ok(self.smart().send_user_op(req).await?)
    }

    /// Whether the bundler serves this version's EntryPoint (`eth_supportedEntryPoints`).
    pub async fn bundler_supports(&self, version: &str) -> Result<bool> {
        Ok(SmartAccounts::new(&self.ctx)
            .bundler_supports(version)
            .await?)
    }

    /// One round of sync. Offline is not an error: the status says so and the queue waits.
    pub async fn sync_once(&self) -> Result<SyncStatus> {
        // Asked for by the user: the timelock watch runs too, whatever its period.
        self.ctx.sync_round.lock().await.watch.last = None;
        let status = Syncer { ctx: &self.ctx }.sync_once().await?;
        // What a dapp sent on its own network moves on too, whatever this network's node says
        // (a trouble there is that network's, not this round's).
        if let Err(e) = (Syncer { ctx: &self.ctx }).sync_elsewhere().await {
            if e.is_locked() {
                return Err(e.into());
            }
            tracing::warn!(error = %e, "other networks not synced");
        }
        Ok(status)
    }

    /// Plans, checks the available balance, signs and queues a payment; the sync worker
    /// broadcasts it as soon as a node answers. Works offline from the last state seen. From a
    /// smart account the same payment is a user operation, gas paid by the account.
    pub async fn send(&self, req: &SendRequest) -> Result<Operation> {
        let from = format_address(&parse_address(&req.from)?);
        let smart = Accounts { ctx: &self.ctx }.is_smart(&from).await?;
        if smart {
            let op = crate::smart::payment_as_user_op(from, req);
            return Ok(SmartAccounts::new(&self.ctx).send_user_op(&op).await?);
        }
        Ok(Payments { ctx: &self.ctx }.send(req).await?)
    }

    /// Signs again an operation the sync found unusable (`needs_resign`): a transaction with a
    /// fresh nonce and fees, a user operation rebuilt through the bundler.
    pub async fn resign(&self, id: i64) -> Result<Operation> {
        let row = Payments { ctx: &self.ctx }.resignable(id).await?;
        if row.user_op.is_some() {
            return Ok(self.smart().resign_user_op(row).await?);
        }
        Ok(Payments { ctx: &self.ctx }.resign(row).await?)
    }

    /// The worker's last view of the network.
    pub fn sync_status(&self) -> SyncStatus {
        self.ctx.sync_status()
    }

    /// Asks the worker to run now (e.g. "sync now" in the UI).
    pub fn wake_sync(&self) {
        self.ctx.wake_sync();
    }
}

/// The files a wallet is made of, besides its vault header.
fn wallet_files(dir: &Path) -> Vec<PathBuf> {
    let mut paths = vec![
        ledger::ledger_path(dir),
        crate::store::audit::head_path(dir),
    ];
    for suffix in ["-wal", "-shm"] {
        let mut p = ledger::ledger_path(dir).into_os_string();
        p.push(suffix);
        paths.push(PathBuf::from(p));
    }
    paths
}

/// Removes what a failed `create` wrote. `create` refuses to start where any of these files
/// exists, so each one here is its own: nothing else is ever deleted.
fn remove_wallet_files(dir: &Path) {
    let mut paths = wallet_files(dir);
    paths.push(vault::header_path(dir));
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
}

/// Locks the wallet once it has been idle for its auto-lock time. Holds only a weak reference,
/// and ends when the wallet is dropped or a newer session replaces the one it watches.
async fn idle_watch(ctx: Weak<Ctx>, generation: u64) {
    loop {
        // The notifier alone is held while waiting, not the wallet. Listening starts before the
        // timeout is read, so a change made in between is not missed.
        let Some(rules) = ctx.upgrade().map(|c| c.idle_rules.clone()) else {
            return;
        };
        let changed = rules.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let wait = {
            let Some(ctx) = ctx.upgrade() else { return };
            if !ctx.is_current(generation) {
                return;
            }
            let timeout = match &*ctx.gate().await {
                Some(s) => s.auto_lock,
                None => return,
            };
            let idle = ctx.idle_for();
            if idle >= timeout {
                ctx.close(LockReason::Idle).await;
                return;
            }
            timeout - idle
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = changed => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::AccountsError;
    use crate::keys;
    use crate::keys::keychain::NoKeychain;
    use crate::keys::vault::TEST_KDF;
    use secrecy::ExposeSecret;

    fn wallet(dir: &Path) -> Wallet {
        Wallet::new(WalletConfig {
            data_dir: dir.to_path_buf(),
            // Nothing listens on port 9: these tests are about the offline side.
            network: Network::devnet("http://127.0.0.1:9"),
            kdf: TEST_KDF,
            keychain: Arc::new(NoKeychain),
        })
        .unwrap()
    }

    fn pw(s: &str) -> SecretString {
        SecretString::from(s)
    }

    const ANVIL: &str = "test test test test test test test test test test test junk";

    #[tokio::test]
    async fn create_lock_unlock_keeps_the_account() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        assert!(matches!(
            w.status().await.unwrap(),
            WalletStatus::NoVault { .. }
        ));
        let created = w
            .create(pw("correct horse"), KeySpec::NewMnemonic { words: 12 })
            .await
            .unwrap();
        let mnemonic = created.mnemonic.unwrap();
        assert_eq!(mnemonic.expose_secret().split(' ').count(), 12);
        let expected = format_address(&keys::derive_address(&mnemonic, 0).unwrap());
        assert_eq!(created.account.address, expected);
        assert_eq!(created.account.path, "m/44'/60'/0'/0/0");

        w.lock().await;
        assert!(matches!(
            w.status().await.unwrap(),
            WalletStatus::Locked {
                retry_after_secs: 0,
                ..
            }
        ));
        assert!(matches!(w.accounts(false).await, Err(ref e) if e.is_locked()));
        assert!(matches!(
            w.unlock(pw("wrong horse")).await,
            Err(Error::Vault(vault::VaultError::WrongPassword))
        ));
        assert!(matches!(
            w.status().await.unwrap(),
            WalletStatus::Locked {
                retry_after_secs: 1,
                ..
            }
        ));
        tokio::time::sleep(Duration::from_millis(1100)).await;

        // A new handle, as after a restart.
        let w = wallet(dir.path());
        let accounts = w.unlock(pw("correct horse")).await.unwrap();
        assert_eq!(accounts, vec![created.account]);
        let events: Vec<String> = w
            .audit_log(10)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect();
        assert_eq!(
            events,
            vec!["unlock", "unlock_failed", "lock", "wallet_created"]
        );
        assert_eq!(w.verify_audit().await.unwrap(), 4);
    }

    #[tokio::test]
    async fn a_second_create_is_refused_and_keeps_the_first_wallet() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let first = w
            .create(pw("correct horse"), KeySpec::NewMnemonic { words: 12 })
            .await
            .unwrap();
        assert!(matches!(
            w.create(pw("another pass"), KeySpec::NewMnemonic { words: 12 })
                .await,
            Err(Error::Vault(vault::VaultError::Exists(_)))
        ));
        w.lock().await;
        assert_eq!(
            w.unlock(pw("correct horse")).await.unwrap()[0],
            first.account
        );
    }

    #[tokio::test]
    async fn bad_input_at_creation_leaves_nothing_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        assert!(matches!(
            w.create(pw("short"), KeySpec::NewMnemonic { words: 12 })
                .await,
            Err(Error::Vault(vault::VaultError::WeakPassword(_)))
        ));
        let typo = KeySpec::Mnemonic {
            phrase: pw("test test test test test test test test test test tset junk"),
            passphrase: None,
        };
        assert!(matches!(
            w.create(pw("correct horse"), typo).await,
            Err(Error::Accounts(AccountsError::Keys(
                keys::KeyError::UnknownWord { position: 11, .. }
            )))
        ));
        assert!(matches!(
            w.create(pw("correct horse"), KeySpec::PrivateKey(pw("0x1234")))
                .await,
            Err(Error::Accounts(AccountsError::Keys(
                keys::KeyError::BadPrivateKey
            )))
        ));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn imports_phrases_with_passphrase_and_keys_side_by_side() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let spec = KeySpec::Mnemonic {
            phrase: pw(ANVIL),
            passphrase: None,
        };
        let created = w.create(pw("correct horse"), spec).await.unwrap();
        assert_eq!(
            created.account.address,
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        assert!(created.mnemonic.is_none());

        // The same phrase with a passphrase is a different wallet.
        let with_pass = w
            .import(KeySpec::Mnemonic {
                phrase: pw(ANVIL),
                passphrase: Some(pw("TREZOR")),
            })
            .await
            .unwrap();
        assert_ne!(with_pass.address, created.account.address);
        // Anvil's account #1, imported by its raw key.
        let key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
        let imported = w.import(KeySpec::PrivateKey(pw(key))).await.unwrap();
        assert_eq!(
            imported.address,
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
        );
        assert_eq!(imported.path, "");
        // The same key twice is refused.
        assert!(matches!(
            w.import(KeySpec::PrivateKey(pw(key))).await,
            Err(Error::Accounts(AccountsError::Ledger(
                ledger::LedgerError::Duplicate(_)
            )))
        ));

        // HD accounts: the next index of the first phrase is anvil's #1... already imported.
        assert!(matches!(
            w.add_account(created.account.key_source_id).await,
            Err(Error::Accounts(AccountsError::Ledger(
                ledger::LedgerError::Duplicate(_)
            )))
        ));
        assert!(matches!(
            w.add_account(imported.key_source_id).await,
            Err(Error::Accounts(AccountsError::Unsupported(_)))
        ));
        let second = w.add_account(with_pass.key_source_id).await.unwrap();
        assert_eq!(second.path, "m/44'/60'/0'/0/1");

        w.rename_account(&second.address, "Savings").await.unwrap();
        w.set_account_hidden(&imported.address, true).await.unwrap();
        w.reorder_accounts(std::slice::from_ref(&second.address))
            .await
            .unwrap();
        let visible: Vec<String> = w
            .accounts(false)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(visible, vec!["Savings", "Account 1", "Account 2"]);
        assert_eq!(w.accounts(true).await.unwrap().len(), 4);
        assert!(matches!(
            w.rename_account(&second.address, "  ").await,
            Err(Error::Accounts(AccountsError::InvalidName))
        ));
    }

    #[tokio::test]
    async fn export_needs_the_password_again_and_is_audited() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let spec = KeySpec::Mnemonic {
            phrase: pw(ANVIL),
            passphrase: None,
        };
        let created = w.create(pw("correct horse"), spec).await.unwrap();
        let source = created.account.key_source_id;
        let err = w
            .export_secret(pw("not it at all"), source, None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), cairn_api::ErrorCode::WrongPassword, "{err}");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let phrase = w
            .export_secret(pw("correct horse"), source, None)
            .await
            .unwrap();
        assert_eq!(phrase.expose_secret(), ANVIL);
        let key = w
            .export_private_key(pw("correct horse"), &created.account.address, None)
            .await
            .unwrap();
        assert_eq!(
            key.expose_secret(),
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
        );
        let log = w.audit_log(10).await.unwrap();
        let outcomes: Vec<(String, String)> = log
            .iter()
            .map(|e| (e.event.clone(), e.outcome.clone()))
            .collect();
        assert_eq!(outcomes[0], ("export".into(), "ok".into()));
        assert_eq!(outcomes[1], ("export".into(), "ok".into()));
        assert!(outcomes.contains(&("export".into(), "denied".into())));
        assert!(
            log.iter()
                .any(|e| e.outcome == "denied" && e.detail.ends_with(": wrong_password")),
            "the denied export's audit row says why"
        );
        for entry in &log {
            assert!(
                !entry.detail.contains("test test"),
                "a secret reached the audit log"
            );
        }
        w.lock().await;
        assert!(matches!(
            w.export_secret(pw("correct horse"), source, None).await,
            Err(ref e) if e.is_locked()
        ));
    }

    #[tokio::test]
    async fn password_change_rewraps_and_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let created = w
            .create(pw("correct horse"), KeySpec::NewMnemonic { words: 24 })
            .await
            .unwrap();
        w.change_password(pw("correct horse"), pw("battery staple"))
            .await
            .unwrap();
        w.lock().await;
        assert_eq!(
            w.unlock(pw("battery staple")).await.unwrap()[0],
            created.account
        );
        let events: Vec<String> = w
            .audit_log(3)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect();
        assert_eq!(events, vec!["unlock", "lock", "password_changed"]);
    }

    /// Typing in the window (no wallet call) keeps the wallet open; a shorter auto-lock time
    /// applies at once, not after the wait the watch began under the old one.
    #[tokio::test]
    async fn activity_in_the_window_counts_and_a_new_auto_lock_applies_now() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        w.create(pw("correct horse"), KeySpec::NewMnemonic { words: 12 })
            .await
            .unwrap();
        let mut events = w.subscribe();
        *w.ctx.manual_clock.lock().unwrap() = Some(std::time::Instant::now());
        let advance = |by: Duration| {
            let mut clock = w.ctx.manual_clock.lock().unwrap();
            *clock = clock.map(|t| t + by);
        };
        w.set_auto_lock_unchecked(Duration::from_millis(300))
            .await
            .unwrap();
        for _ in 0..10 {
            advance(Duration::from_millis(200));
            w.user_active().await;
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(w.ctx.gate().await.is_some(), "locked while the user typed");

        // Ten minutes, then one second: the watch is asleep for ten minutes when the change
        // comes, and locks within the second anyway.
        w.set_auto_lock_unchecked(Duration::from_secs(600))
            .await
            .unwrap();
        // Past the 300 ms wait begun before: the watch now sleeps for the ten minutes.
        tokio::time::sleep(Duration::from_secs(1)).await;
        w.set_auto_lock_unchecked(Duration::from_secs(1))
            .await
            .unwrap();
        advance(Duration::from_secs(2));
        let event = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match events.recv().await.unwrap() {
                    WalletEvent::Sync(_) => continue,
                    other => return other,
                }
            }
        })
        .await
        .expect("the new auto-lock time did not apply");
        assert_eq!(event, WalletEvent::Locked(LockReason::Idle));
        // Locked: activity in the window changes nothing.
        w.user_active().await;
        assert!(w.ctx.gate().await.is_none());
    }

    #[tokio::test]
    async fn an_idle_wallet_locks_itself_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        w.create(pw("correct horse"), KeySpec::NewMnemonic { words: 12 })
            .await
            .unwrap();
        assert!(matches!(
            w.set_auto_lock(Duration::from_secs(30)).await,
            Err(Error::AutoLockRange)
        ));
        assert!(matches!(
            w.set_auto_lock(Duration::from_secs(16 * 60)).await,
            Err(Error::AutoLockRange)
        ));
        w.set_auto_lock(Duration::from_secs(120)).await.unwrap();
        assert_eq!(w.settings().await.unwrap().auto_lock_secs, 120);
        let mut events = w.subscribe();
        // The idle clock is set by hand: a loaded machine's stalls cannot lock it early.
        *w.ctx.manual_clock.lock().unwrap() = Some(std::time::Instant::now());
        let advance = |by: Duration| {
            let mut clock = w.ctx.manual_clock.lock().unwrap();
            *clock = clock.map(|t| t + by);
        };
        w.set_auto_lock_unchecked(Duration::from_millis(300))
            .await
            .unwrap();
        // Activity keeps it open: 200 ms of idleness at a time, ten times, against 300 ms…
        for _ in 0..10 {
            advance(Duration::from_millis(200));
            w.accounts(false).await.unwrap();
        }
        // …and real time passing does not count, only the idle clock: the watch, waking on its
        // own timer meanwhile, finds no idleness to act on.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(w.accounts(false).await.is_ok(), "locked while in use");
        advance(Duration::from_millis(400));
        // …idleness locks it.
        // The sync worker reports too (offline here); the lock is what this test waits for.
        let event = tokio::time::timeout(Duration::from_secs(15), async {
            loop {
                match events.recv().await.unwrap() {
                    WalletEvent::Sync(_) => continue,
                    other => return other,
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(event, WalletEvent::Locked(LockReason::Idle));
        assert!(matches!(w.accounts(false).await, Err(ref e) if e.is_locked()));
        // The stored setting survives the lock.
        w.unlock(pw("correct horse")).await.unwrap();
        assert_eq!(w.settings().await.unwrap().auto_lock_secs, 120);
        let events: Vec<String> = w
            .audit_log(2)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.event)
            .collect();
        assert_eq!(events, vec!["unlock", "auto_lock"]);
    }

    #[tokio::test]
    async fn a_dead_node_is_a_network_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let err = w
            .balance("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
            .await
            .unwrap_err();
        assert_eq!(err.code(), cairn_api::ErrorCode::Offline, "{err}");
        // A node that takes the connection and never answers: the request's deadline ends it.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let mut network = Network::devnet(format!("http://{}", silent.local_addr().unwrap()));
        network.request_timeout = std::time::Duration::from_millis(500);
        let hung = Wallet::new(WalletConfig {
            data_dir: dir.path().join("hung"),
            network,
            kdf: TEST_KDF,
            keychain: Arc::new(NoKeychain),
        })
        .unwrap();
        let started = std::time::Instant::now();
        let outcome = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            hung.balance("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
        )
        .await
        .expect("a silent node hung the call");
        let err = outcome.unwrap_err();
        assert_eq!(err.code(), cairn_api::ErrorCode::Offline, "{err}");
        assert!(err.to_string().contains("did not answer within"), "{err}");
        println!("a silent node gave up after {:?}", started.elapsed());
        let err = w.balance("0xnot-an-address").await.unwrap_err();
        assert_eq!(err.code(), cairn_api::ErrorCode::InvalidInput);
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn every_file_of_a_wallet_is_its_owners_alone() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("profile");
        std::fs::create_dir_all(&dir).unwrap();
        // As a umask of 002 would leave them.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o775)).unwrap();
        let w = wallet(&dir);
        w.create(pw("correct horse"), KeySpec::NewMnemonic { words: 12 })
            .await
            .unwrap();
        w.rename_account(&w.accounts(false).await.unwrap()[0].address, "Main")
            .await
            .unwrap();
        w.lock().await;
        w.unlock(pw("correct horse")).await.unwrap();
        let mut seen = 0;
        let mut stack = vec![dir.clone()];
        while let Some(path) = stack.pop() {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            if path.is_dir() {
                assert_eq!(mode, 0o700, "{}", path.display());
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else {
                assert_eq!(mode, 0o600, "{}", path.display());
                seen += 1;
            }
        }
        // The vault header, the ledger (+ WAL, shared memory) and the audit head at least.
        assert!(seen >= 4, "{seen} files");
    }

    #[tokio::test]
    async fn a_wallet_missing_a_file_is_refused_and_nothing_of_it_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        w.create(pw("correct horse"), KeySpec::NewMnemonic { words: 12 })
            .await
            .unwrap();
        w.lock().await;
        let ledger_file = ledger::ledger_path(dir.path());

        // The ledger gone (or emptied): no empty wallet in its place.
        std::fs::rename(&ledger_file, dir.path().join("aside.db")).unwrap();
        let err = w.unlock(pw("correct horse")).await.unwrap_err();
        assert!(
            matches!(err, Error::Ledger(ledger::LedgerError::Missing(_))),
            "{err}"
        );
        assert!(!ledger_file.exists(), "an empty ledger was created");
        std::fs::write(&ledger_file, b"").unwrap();
        let err = w.unlock(pw("correct horse")).await.unwrap_err();
        assert!(
            matches!(err, Error::Ledger(ledger::LedgerError::Missing(_))),
            "{err}"
        );
        std::fs::rename(dir.path().join("aside.db"), &ledger_file).unwrap();
        w.unlock(pw("correct horse")).await.unwrap();
        w.lock().await;

        // The vault header gone: `create` refuses, and the ledger and audit head stay.
        let ledger_bytes = std::fs::read(&ledger_file).unwrap();
        std::fs::rename(
            vault::header_path(dir.path()),
            dir.path().join("aside.json"),
        )
        .unwrap();
        let err = w
            .create(pw("another pass"), KeySpec::NewMnemonic { words: 12 })
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Ledger(ledger::LedgerError::WithoutVault(_))),
            "{err}"
        );
        assert!(
            std::fs::read(&ledger_file).unwrap() == ledger_bytes,
            "the ledger changed"
        );
        assert!(crate::store::audit::head_path(dir.path()).exists());
        assert!(!vault::header_path(dir.path()).exists());
        std::fs::rename(
            dir.path().join("aside.json"),
            vault::header_path(dir.path()),
        )
        .unwrap();
        w.unlock(pw("correct horse")).await.unwrap();
    }

    #[tokio::test]
    async fn a_rolled_back_ledger_or_a_tampered_audit_head_is_refused_at_unlock() {
        use crate::store::audit::{self, AuditError};
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let created = w
            .create(pw("correct horse"), KeySpec::NewMnemonic { words: 12 })
            .await
            .unwrap();
        w.lock().await;
        let ledger_file = ledger::ledger_path(dir.path());
        let head_file = audit::head_path(dir.path());
        let old_ledger = std::fs::read(&ledger_file).unwrap();
        // Later: an account renamed (audited), the wallet locked again.
        w.unlock(pw("correct horse")).await.unwrap();
        w.rename_account(&created.account.address, "Savings")
            .await
            .unwrap();
        w.lock().await;
        let new_ledger = std::fs::read(&ledger_file).unwrap();
        let head = std::fs::read(&head_file).unwrap();
        let refused = |e: Error| match e {
            Error::Ledger(ledger::LedgerError::Audit(a)) => a,
            other => panic!("expected an audit refusal, got {other}"),
        };

        // The older ledger put back (the head is newer): refused before anything is written.
        std::fs::write(&ledger_file, &old_ledger).unwrap();
        let err = refused(w.unlock(pw("correct horse")).await.unwrap_err());
        assert!(matches!(err, AuditError::Truncated { .. }), "{err}");
        assert!(
            std::fs::read(&ledger_file).unwrap() == old_ledger,
            "the unlock wrote"
        );
        std::fs::write(&ledger_file, &new_ledger).unwrap();

        // The head deleted.
        std::fs::remove_file(&head_file).unwrap();
        let err = refused(w.unlock(pw("correct horse")).await.unwrap_err());
        assert!(matches!(err, AuditError::HeadMissing { .. }), "{err}");
        // Edited to point one row back, or stripped of its seal.
        let mut h: serde_json::Value = serde_json::from_slice(&head).unwrap();
        h["seq"] = (h["seq"].as_i64().unwrap() - 1).into();
        std::fs::write(&head_file, serde_json::to_vec(&h).unwrap()).unwrap();
        let err = refused(w.unlock(pw("correct horse")).await.unwrap_err());
        assert!(matches!(err, AuditError::HeadForged), "{err}");
        let mut h: serde_json::Value = serde_json::from_slice(&head).unwrap();
        h.as_object_mut().unwrap().remove("mac");
        std::fs::write(&head_file, serde_json::to_vec(&h).unwrap()).unwrap();
        let err = refused(w.unlock(pw("correct horse")).await.unwrap_err());
        assert!(matches!(err, AuditError::HeadForged), "{err}");
        assert_eq!(
            Error::Ledger(ledger::LedgerError::Audit(err)).code(),
            cairn_api::ErrorCode::Storage
        );

        // The files as they were: it opens, and the log is intact.
        std::fs::write(&head_file, &head).unwrap();
        w.unlock(pw("correct horse")).await.unwrap();
        assert!(w.verify_audit().await.unwrap() > 0);
    }

    #[tokio::test]
    async fn a_ledger_put_back_with_its_own_older_head_is_caught_by_the_keychain() {
        use crate::keys::keychain::MemoryKeychain;
        use crate::store::audit::{self, AuditError};
        let dir = tempfile::tempdir().unwrap();
        let keychain = Arc::new(MemoryKeychain::default());
        let w = Wallet::new(WalletConfig {
            data_dir: dir.path().to_path_buf(),
            network: Network::devnet("http://127.0.0.1:9"),
            kdf: TEST_KDF,
            keychain: keychain.clone(),
        })
        .unwrap();
        let created = w
            .create(pw("correct horse"), KeySpec::NewMnemonic { words: 12 })
            .await
            .unwrap();
        w.lock().await;
        // A backup of the whole profile (ledger and head together)…
        let ledger_file = ledger::ledger_path(dir.path());
        let head_file = audit::head_path(dir.path());
        let (old_ledger, old_head) = (
            std::fs::read(&ledger_file).unwrap(),
            std::fs::read(&head_file).unwrap(),
        );
        // …then life goes on…
        w.unlock(pw("correct horse")).await.unwrap();
        w.rename_account(&created.account.address, "Savings")
            .await
            .unwrap();
        w.lock().await;
        // …and the backup is put back: consistent in itself, older than the device's anchor.
        std::fs::write(&ledger_file, &old_ledger).unwrap();
        std::fs::write(&head_file, &old_head).unwrap();
        match w.unlock(pw("correct horse")).await.unwrap_err() {
            Error::Ledger(ledger::LedgerError::Audit(AuditError::RolledBack {
                anchored,
                last,
            })) => {
                assert!(anchored > last)
            }
            other => panic!("expected a rollback, got {other}"),
        }
    }
}
