//! Session: the state every service of the wallet shares, and nothing else — the profile's
//! configuration, the active network's client (swapped whole on a network switch), the gate
//! over the unlocked ledger and vault keys (`None` while locked), the idle clock, and the
//! signals out (events for the front ends) and in (waking the sync worker).
//!
//! The rooms above take a `&Ctx` when they interleave node calls with ledger transactions under
//! the gate; pure steps take a `&Ledger`, a `&Chain` or plain values instead.
//!
//! May use: `store`, `keys`, `chain`, `primitives`. Holds no business rule.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cairn_api::SyncStatus;
use secrecy::SecretString;
use tokio::sync::{broadcast, Mutex, MutexGuard};

use crate::chain::network::Network;
use crate::chain::{Chain, ChainError};
use crate::keys::keychain::DeviceSecretStore;
use crate::keys::vault::{self, KdfParams, VaultError, VaultKeys};
use crate::store::audit::{AuditEvent, Outcome};
use crate::store::ledger::Ledger;

tokio::task_local! {
    // A dapp keeps its own network (the bridge's grants): everything its request does — reads,
    // simulation, risk, signing, the ledger's chain id — runs on that network's client, while
    // the window and the sync worker stay on the wallet's. A task-local, so the whole send path
    // follows without a network parameter threaded through every service; it does not cross a
    // `tokio::spawn`, which only the sync worker uses, and the worker must stay on the active
    // network.
    static SCOPED_CHAIN: Arc<Chain>;
}

/// Runs `work` with `chain` as the network of every `Ctx::chain()`/`network()` inside it.
pub(crate) async fn on_chain<F: std::future::Future>(chain: Arc<Chain>, work: F) -> F::Output {
    SCOPED_CHAIN.scope(chain, work).await
}

/// Why the shared state refused: the wallet is locked, or the password given again is wrong.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the wallet is locked: unlock it first")]
    Locked,
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("could not take the ledger's step lock: {0}")]
    Lock(std::io::Error),
}

impl SessionError {
    /// Why a re-authentication failed, as the audit log records it: the same words as the UI's
    /// error codes (`wallet::error` checks that they agree).
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            SessionError::Locked => "locked",
            SessionError::Vault(VaultError::WrongPassword) => "wrong_password",
            SessionError::Vault(VaultError::WeakPassword(_)) => "weak_password",
            SessionError::Vault(VaultError::Exists(_)) => "vault_exists",
            SessionError::Vault(VaultError::Missing(_)) => "no_vault",
            SessionError::Vault(VaultError::Throttled { .. }) => "throttled",
            SessionError::Vault(VaultError::Keychain(_)) => "keychain_missing",
            SessionError::Vault(_) => "storage",
            SessionError::Internal(_) => "internal",
            SessionError::Lock(_) => "storage",
        }
    }
}

/// How a wallet is opened.
#[derive(Debug, Clone)]
pub struct WalletConfig {
    /// The profile's directory: vault header, ledger, logs.
    pub data_dir: PathBuf,
    pub network: Network,
    /// Argon2id cost for a *new* vault (and a changed password); an existing vault uses the cost
    /// in its header.
    pub kdf: KdfParams,
    /// Where the device secret lives (`keychain::NoKeychain` where there is no keychain).
    pub keychain: Arc<dyn DeviceSecretStore>,
}

/// Why the wallet locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockReason {
    User,
    Idle,
}

/// What the wallet tells its front ends without being asked.
// An operation is the common event and is sent as it is; boxing it would only add a hop.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum WalletEvent {
    Locked(LockReason),
    /// The sync state changed (online/offline, new block, queue length).
    Sync(cairn_api::SyncStatus),
    /// An operation moved in its lifecycle.
    Operation(cairn_api::Operation),
    /// Worth telling the user (funds arrived, a send ended).
    Notice(cairn_api::Notice),
    /// What dapps ask that waits for the user (the whole list, after each change).
    BridgeApprovals(Vec<cairn_api::BridgeApproval>),
    /// An app asked while the wallet is locked (who, in words): the window asks for the unlock.
    BridgeLocked(String),
    /// The active network changed under the window (a switch the user approved for an app).
    Network(cairn_api::NetworkInfo),
}

/// What exists only while the wallet is unlocked; dropped (and its keys zeroized) on lock.
pub(crate) struct Session {
    pub(crate) ledger: Ledger,
    pub(crate) keys: VaultKeys,
    pub(crate) auto_lock: Duration,
    /// The backup word check in progress: the key source and the word positions asked for.
    pub(crate) backup_check: Option<(i64, Vec<usize>)>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session(<unlocked>)")
    }
}

/// The shared state behind a `Wallet` handle and every service it calls.
#[derive(Debug)]
pub(crate) struct Ctx {
    config: WalletConfig,
    /// The active network's client; swapped whole when the user picks another network.
    chain: std::sync::RwLock<Arc<Chain>>,
    gate: Mutex<Option<Session>>,
    /// Bumped on every unlock, so an old idle watchdog or sync worker knows its session is gone.
    generation: AtomicU64,
    last_activity: std::sync::Mutex<Instant>,
    /// Tests set the idle clock by hand instead of sleeping against the real one.
    #[cfg(test)]
    pub(crate) manual_clock: std::sync::Mutex<Option<Instant>>,
    events: broadcast::Sender<WalletEvent>,
    /// Wakes the sync worker (after a send, an unlock, a user's "sync now").
    sync_wake: tokio::sync::Notify,
    /// Rung when the auto-lock time changes, so the idle watch applies it now, not after the
    /// wait it started under the old one.
    pub(crate) idle_rules: Arc<tokio::sync::Notify>,
    /// One sync round at a time: the worker and an explicit "sync now" must not both
    /// broadcast the same queue. Holds what rounds remember between them.
    pub(crate) sync_round: Mutex<SyncMemo>,
    /// What the worker last saw, as the UI shows it.
    sync_state: std::sync::Mutex<SyncStatus>,
    /// Quiet mode, as the user set it (or `CAIRN_QUIET=1`): no background traffic.
    quiet: std::sync::atomic::AtomicBool,
    /// No front end is showing the wallet (a hidden or minimised window): quiet too.
    unwatched: std::sync::atomic::AtomicBool,
    /// Accounts whose stored balance moved outside a sync round (a send reads it live): the
    /// next round reads their history, which the moved balance would otherwise hide from it.
    history_owed: std::sync::Mutex<std::collections::HashSet<i64>>,
    /// The Safes' guardians may have changed (a set-up of ours confirmed, a Safe recovered):
    /// the watch looks for their timelocks again at the next round, whatever its period.
    watch_due: std::sync::atomic::AtomicBool,
    /// The block each timelock was created in, once found (it does not move): reading a Safe's
    /// guardians costs its binary search once a session.
    creation_blocks: std::sync::Mutex<std::collections::HashMap<alloy::primitives::Address, u64>>,
    /// Clients of networks other than the active one (a dapp's chosen network), kept while the
    /// network is unchanged.
    other_chains: std::sync::Mutex<std::collections::HashMap<u64, Arc<Chain>>>,
    /// What sync rounds on those networks remember, while operations there are on their way.
    pub(crate) elsewhere: Mutex<std::collections::HashMap<u64, SyncMemo>>,
}

/// `CAIRN_QUIET=1`: no background traffic, whatever the settings say.
fn quiet_from_env() -> bool {
    std::env::var("CAIRN_QUIET").is_ok_and(|v| v == "1")
}

/// What one sync round leaves for the next.
#[derive(Debug, Default)]
pub(crate) struct SyncMemo {
    /// The chain and endpoint on which recent confirmations were last re-checked: each
    /// endpoint the wallet moves to gets to contradict what an earlier one said.
    pub(crate) rechecked_on: Option<(u64, String)>,
    /// The last block whose state was read, and what was learned of the chain's pace.
    pub(crate) read: Option<ReadMark>,
    /// (account, asset) pairs whose balance the node could not give (a token whose
    /// `balanceOf` reverts): not a reason to read every balance again at every block.
    pub(crate) unreadable: std::collections::HashSet<(i64, i64)>,
    /// Accounts whose history backfill ran out of its per-round budget: read on next round.
    pub(crate) backfilling: std::collections::HashSet<i64>,
    /// When the price feeds were last read, on which chain: they ride in a round's request
    /// every few minutes, not every block.
    pub(crate) prices_read: Option<(u64, std::time::Instant)>,
    /// The watch over the Safes' timelocks (see `recovery::Recovery::watch`).
    pub(crate) watch: WatchMemo,
}

/// What the timelock watch has read this session: when it last ran, each Safe's timelock and
/// the next block of its log to read, and the scheduled calls already dealt with (a new
/// session deals with them again: "at every unlock").
#[derive(Debug, Default)]
pub(crate) struct WatchMemo {
    pub(crate) last: Option<(u64, std::time::Instant)>,
    pub(crate) cursors:
        std::collections::HashMap<alloy::primitives::Address, (alloy::primitives::Address, u64)>,
    pub(crate) handled: std::collections::HashSet<alloy::primitives::B256>,
}

/// The last block a round read, on which chain, and when the next one is due.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReadMark {
    pub(crate) chain_id: u64,
    pub(crate) block: u64,
    /// The block's own time (unix seconds).
    pub(crate) time: u64,
    /// The highest head a node reported.
    pub(crate) head: u64,
    /// Rounds since that found no new block.
    pub(crate) misses: u32,
    /// Seconds per block, as the chain's timestamps tell (0: not known yet).
    pub(crate) block_secs: f64,
}

impl Ctx {
    /// Touches neither the network nor the vault.
    pub(crate) fn new(config: WalletConfig) -> Result<Ctx, ChainError> {
        let chain = Chain::new(config.network.clone())?;
        let (events, _) = broadcast::channel(16);
        Ok(Ctx {
            config,
            chain: std::sync::RwLock::new(Arc::new(chain)),
            gate: Mutex::new(None),
            generation: AtomicU64::new(0),
            last_activity: std::sync::Mutex::new(Instant::now()),
            #[cfg(test)]
            manual_clock: std::sync::Mutex::new(None),
            events,
            sync_wake: tokio::sync::Notify::new(),
            history_owed: std::sync::Mutex::default(),
            watch_due: std::sync::atomic::AtomicBool::new(false),
            creation_blocks: std::sync::Mutex::default(),
            other_chains: std::sync::Mutex::default(),
            elsewhere: Mutex::default(),
            idle_rules: Arc::new(tokio::sync::Notify::new()),
            sync_round: Mutex::new(SyncMemo::default()),
            sync_state: std::sync::Mutex::new(Default::default()),
            quiet: std::sync::atomic::AtomicBool::new(quiet_from_env()),
            unwatched: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Whether the worker may talk to the network on its own now.
    pub(crate) fn is_quiet(&self) -> bool {
        self.quiet.load(Ordering::Relaxed) || self.unwatched.load(Ordering::Relaxed)
    }

    /// The user's quiet mode (the environment's `CAIRN_QUIET=1` keeps it on). Front ends hear
    /// of it at once, as a sync status.
    pub(crate) fn set_quiet(&self, on: bool) {
        self.quiet.store(on || quiet_from_env(), Ordering::Relaxed);
        self.publish_sync(&self.sync_status());
    }

    pub(crate) fn quiet_setting(&self) -> bool {
        self.quiet.load(Ordering::Relaxed)
    }

    /// A front end says whether anyone is looking at the wallet.
    pub(crate) fn set_watched(&self, watched: bool) {
        self.unwatched.store(!watched, Ordering::Relaxed);
        self.publish_sync(&self.sync_status());
    }

    pub(crate) fn config(&self) -> &WalletConfig {
        &self.config
    }

    pub(crate) fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    /// The network's client for this task: the one a dapp's request was scoped to (see
    /// `on_chain`), else the active network's (a handle: a network switch does not disturb a
    /// call that already holds one).
    pub(crate) fn chain(&self) -> Arc<Chain> {
        if let Ok(scoped) = SCOPED_CHAIN.try_with(Arc::clone) {
            return scoped;
        }
        self.active_chain()
    }

    /// The wallet's active network's client, whatever the task is scoped to.
    pub(crate) fn active_chain(&self) -> Arc<Chain> {
        self.chain
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    /// A client for `network`: the active one's when it is that network, else one kept for it
    /// (made again when the user has edited the network since).
    pub(crate) fn chain_on(&self, network: &Network) -> Result<Arc<Chain>, ChainError> {
        let active = self.active_chain();
        if active.network() == network {
            return Ok(active);
        }
        let mut kept = self.other_chains.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = kept
            .get(&network.chain_id)
            .filter(|c| c.network() == network)
        {
            return Ok(c.clone());
        }
        let chain = Arc::new(Chain::new(network.clone())?);
        // A handful of networks in use at once; a page cycling through many does not grow it.
        if kept.len() >= 16 {
            kept.clear();
        }
        kept.insert(network.chain_id, chain.clone());
        Ok(chain)
    }

    pub(crate) fn set_chain(&self, chain: Chain) {
        match self.chain.write() {
            Ok(mut c) => *c = Arc::new(chain),
            Err(e) => *e.into_inner() = Arc::new(chain),
        }
    }

    /// The network this task works on (see `chain`).
    pub(crate) fn network(&self) -> Network {
        self.chain().network().clone()
    }

    /// The idle clock: the system's, or in tests one set by hand.
    fn now(&self) -> Instant {
        #[cfg(test)]
        if let Some(t) = self.manual_clock.lock().ok().and_then(|c| *c) {
            return t;
        }
        Instant::now()
    }

    pub(crate) fn touch(&self) {
        let now = self.now();
        if let Ok(mut t) = self.last_activity.lock() {
            *t = now;
        }
    }

    pub(crate) fn idle_for(&self) -> Duration {
        let now = self.now();
        self.last_activity
            .lock()
            .map(|t| now.saturating_duration_since(*t))
            .unwrap_or_default()
    }

    /// The gate itself, for the façade's steps that open or close the session.
    pub(crate) async fn gate(&self) -> MutexGuard<'_, Option<Session>> {
        self.gate.lock().await
    }

    /// Runs `f` on the unlocked session, counting as activity.
    pub(crate) async fn with_session<T, E: From<SessionError>>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut guard = self.gate.lock().await;
        let s = guard.as_mut().ok_or(SessionError::Locked)?;
        self.touch();
        let _step = s.ledger.step_lock().map_err(SessionError::Lock)?;
        f(s)
    }

    /// Like `with_session`, for background work that must not keep the wallet from locking.
    pub(crate) async fn with_session_quiet<T, E: From<SessionError>>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut guard = self.gate.lock().await;
        let s = guard.as_mut().ok_or(SessionError::Locked)?;
        let _step = s.ledger.step_lock().map_err(SessionError::Lock)?;
        f(s)
    }

    /// Opens a session in `slot` (the caller holds the gate); returns its generation.
    pub(crate) fn open(
        &self,
        slot: &mut Option<Session>,
        ledger: Ledger,
        keys: VaultKeys,
        auto_lock: Duration,
    ) -> u64 {
        *slot = Some(Session {
            ledger,
            keys,
            auto_lock,
            backup_check: None,
        });
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.touch();
        generation
    }

    /// Whether the session opened as `generation` is still the current one.
    pub(crate) fn is_current(&self, generation: u64) -> bool {
        self.generation.load(Ordering::SeqCst) == generation
    }

    /// Closes the session, if one is open: audited, keys dropped, front ends told.
    pub(crate) async fn close(&self, reason: LockReason) {
        let mut session = self.gate.lock().await;
        if let Some(mut s) = session.take() {
            let event = if reason == LockReason::Idle {
                AuditEvent::AutoLock
            } else {
                AuditEvent::Lock
            };
            if let Err(e) = s.ledger.audit(event, Outcome::Ok, "") {
                tracing::warn!(error = %e, "could not record the lock in the audit log");
            }
            drop(s);
            tracing::info!(?reason, "wallet locked");
            self.emit(WalletEvent::Locked(reason));
        }
    }

    /// Checks `password` against the vault (throttled, like an unlock) and that it is this
    /// session's vault. Every export and every change to the second factor goes through here.
    pub(crate) async fn reauthenticate(&self, password: SecretString) -> Result<(), SessionError> {
        let dir = self.data_dir().to_path_buf();
        let (kdf, keychain) = (self.config.kdf, self.config.keychain.clone());
        let unlocked = blocking(move || {
            Ok::<_, SessionError>(vault::unlock(&dir, &password, keychain.as_ref(), kdf)?)
        })
        .await?;
        self.with_session(|s| {
            if *unlocked.keys.sealing_key != *s.keys.sealing_key {
                return Err(SessionError::Internal(
                    "the vault changed under the open session".into(),
                ));
            }
            Ok(())
        })
        .await
    }

    pub(crate) fn subscribe(&self) -> broadcast::Receiver<WalletEvent> {
        self.events.subscribe()
    }

    /// Tells the front ends; nobody listening is fine.
    pub(crate) fn emit(&self, event: WalletEvent) {
        let _ = self.events.send(event);
    }

    /// Asks the sync worker to run now.
    pub(crate) fn wake_sync(&self) {
        self.sync_wake.notify_one();
    }

    /// The block `contract` was created in, if found before.
    pub(crate) fn creation_block(&self, contract: alloy::primitives::Address) -> Option<u64> {
        self.creation_blocks
            .lock()
            .ok()
            .and_then(|m| m.get(&contract).copied())
    }

    pub(crate) fn remember_creation_block(&self, contract: alloy::primitives::Address, block: u64) {
        // A poisoned map only costs the search again.
        if let Ok(mut m) = self.creation_blocks.lock() {
            m.insert(contract, block);
        }
    }

    /// Asks the watch to look for the Safes' timelocks again at the next round.
    pub(crate) fn watch_again(&self) {
        self.watch_due
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the watch was asked to look again (and clears the request).
    pub(crate) fn take_watch_due(&self) -> bool {
        self.watch_due
            .swap(false, std::sync::atomic::Ordering::Relaxed)
    }

    /// Owes `account_id` a history read (see `history_owed`) and wakes the worker for it.
    pub(crate) fn owe_history(&self, account_id: i64) {
        // A poisoned set only loses this hint; the next balance change reads the history.
        if let Ok(mut owed) = self.history_owed.lock() {
            owed.insert(account_id);
        }
        self.wake_sync();
    }

    /// The accounts owed a history read, handed to a sync round.
    pub(crate) fn take_owed_history(&self) -> Vec<i64> {
        self.history_owed
            .lock()
            .map(|mut owed| owed.drain().collect())
            .unwrap_or_default()
    }

    /// Resolves on the next `wake_sync`.
    pub(crate) async fn woken(&self) {
        self.sync_wake.notified().await
    }

    /// The worker's last view of the network.
    pub(crate) fn sync_status(&self) -> SyncStatus {
        let mut status = self
            .sync_state
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        // Quiet now, whatever it was at the last round (there may have been none since).
        status.quiet = self.is_quiet();
        status
    }

    /// Stores the worker's view; front ends hear of it only when it changed.
    pub(crate) fn publish_sync(&self, status: &SyncStatus) {
        let changed = match self.sync_state.lock() {
            Ok(mut s) => {
                let changed = *s != *status;
                *s = status.clone();
                changed
            }
            Err(_) => true,
        };
        if changed {
            self.emit(WalletEvent::Sync(status.clone()));
        }
    }

    /// Forgets the worker's view (another network is active now).
    pub(crate) fn reset_sync(&self) {
        if let Ok(mut state) = self.sync_state.lock() {
            *state = Default::default();
        }
    }
}

/// A room's doors to the gate with the room's own error fixed, so the closures inside need no
/// type annotations: `gate_methods!(SendError);` inside `impl Payments<'_>`.
macro_rules! gate_methods {
    ($err:ty) => {
        /// Runs `f` on the unlocked session, counting as activity.
        #[allow(dead_code)]
        async fn with_session<T>(
            &self,
            f: impl FnOnce(&mut $crate::session::Session) -> std::result::Result<T, $err>,
        ) -> std::result::Result<T, $err> {
            self.ctx.with_session(f).await
        }

        /// Runs `f` on the unlocked session without counting as activity.
        #[allow(dead_code)]
        async fn with_session_quiet<T>(
            &self,
            f: impl FnOnce(&mut $crate::session::Session) -> std::result::Result<T, $err>,
        ) -> std::result::Result<T, $err> {
            self.ctx.with_session_quiet(f).await
        }
    };
}
pub(crate) use gate_methods;

/// Runs a CPU-heavy step (Argon2id) off the async executor.
pub(crate) async fn blocking<T: Send + 'static, E: From<SessionError> + Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, E> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        E::from(SessionError::Internal(format!(
            "a background task failed: {e}"
        )))
    })?
}
