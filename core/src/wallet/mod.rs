//! The `Wallet` handle: the one entry point of the core, shared by the app shell, the `cairn`
//! CLI and the tests. Holds the profile's directory, the network client and, while unlocked,
//! the open ledger and the vault's keys — dropped and zeroized on lock, by the user or after
//! the idle timeout. Every secret leaves only through its own call with the password re-entered.

pub mod profiles;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use alloy::primitives::U256;
use alloy::signers::local::PrivateKeySigner;
use cairn_api::{Account, AuditEntry, Balance, Funded, Settings, WalletStatus};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, Mutex};
use zeroize::Zeroizing;

use crate::store::audit::{AuditEvent, Outcome};
use crate::chain::client::Chain;
use crate::error::{Error, Result};
use crate::keys::keychain::DeviceSecretStore;
use crate::keys;
use crate::store::ledger::{self, AccountRow, Ledger, NewAccount};
use crate::chain::network::Network;
use crate::primitives::units::{format_address, format_units, parse_address, parse_units};
use crate::keys::vault::{self, KdfParams, VaultKeys};

/// Idle auto-lock: default and allowed range.
pub const AUTO_LOCK_DEFAULT: Duration = Duration::from_secs(5 * 60);
pub const AUTO_LOCK_MIN: Duration = Duration::from_secs(60);
pub const AUTO_LOCK_MAX: Duration = Duration::from_secs(15 * 60);
const AUTO_LOCK_KEY: &str = "auto_lock_secs";

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

/// What a wallet's keys come from.
#[derive(Debug)]
pub enum KeySpec {
    /// A new BIP-39 phrase of 12 or 24 words.
    NewMnemonic { words: usize },
    /// An existing phrase, with an optional BIP-39 passphrase.
    Mnemonic {
        phrase: SecretString,
        passphrase: Option<SecretString>,
    },
    /// A raw secp256k1 private key, 0x-prefixed hex.
    PrivateKey(SecretString),
}

impl KeySpec {
    /// A phrase or a private key, told apart by their form (a key is 0x + 64 hex digits).
    pub fn from_secret(secret: SecretString, passphrase: Option<SecretString>) -> KeySpec {
        let text = secret.expose_secret().trim();
        if text.starts_with("0x") && text.len() == 66 {
            KeySpec::PrivateKey(secret)
        } else {
            KeySpec::Mnemonic {
                phrase: secret,
                passphrase,
            }
        }
    }
}

/// A new wallet: its first account and, for a new phrase, the words for the user to write down.
#[derive(Debug)]
pub struct NewWallet {
    pub account: Account,
    pub mnemonic: Option<SecretString>,
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
}

/// What `doctor` reports.
#[derive(Debug, Clone, Serialize)]
pub struct DoctorReport {
    pub integrity: String,
    pub audit_rows: i64,
}

/// The secret a key source holds, as sealed in the ledger.
#[derive(Serialize, Deserialize)]
struct SealedSecret {
    phrase: Option<String>,
    passphrase: Option<String>,
    private_key: Option<String>,
}

impl Drop for SealedSecret {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.phrase.zeroize();
        self.passphrase.zeroize();
        self.private_key.zeroize();
    }
}

pub(crate) struct Session {
    pub(crate) ledger: Ledger,
    pub(crate) keys: VaultKeys,
    auto_lock: Duration,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session(<unlocked>)")
    }
}

#[derive(Debug)]
pub(crate) struct Inner {
    config: WalletConfig,
    /// The active network's client; swapped whole when the user picks another network.
    chain: std::sync::RwLock<Arc<Chain>>,
    pub(crate) session: Mutex<Option<Session>>,
    /// Bumped on every unlock, so an old idle watchdog knows its session is gone.
    pub(crate) generation: AtomicU64,
    last_activity: std::sync::Mutex<Instant>,
    pub(crate) events: broadcast::Sender<WalletEvent>,
    /// Wakes the sync worker (after a send, an unlock, a user's "sync now").
    pub(crate) sync_wake: tokio::sync::Notify,
    /// One sync round at a time: the worker and an explicit "sync now" must not both
    /// broadcast the same queue.
    pub(crate) sync_round: Mutex<()>,
    pub(crate) sync_state: std::sync::Mutex<crate::sync::SyncState>,
}

/// The wallet. Cheap to clone: clones share one state.
#[derive(Debug, Clone)]
pub struct Wallet {
    pub(crate) inner: Arc<Inner>,
}

/// The accounts as the UI shows them, each smart account naming its owner's address.
fn accounts_with_owners(ledger: &Ledger, include_hidden: bool) -> Result<Vec<Account>> {
    let all = ledger.accounts(true)?;
    Ok(all
        .iter()
        .filter(|row| include_hidden || !row.hidden)
        .map(|row| {
            let mut account = to_account(row);
            account.owner = row.smart.and_then(|m| {
                all.iter()
                    .find(|o| o.id == m.owner_account_id)
                    .map(|o| o.address.clone())
            });
            account
        })
        .collect())
}

pub(crate) fn to_account(row: &AccountRow) -> Account {
    Account {
        address: row.address.clone(),
        name: row.name.clone(),
        path: row
            .derivation_index
            .map(keys::account_path)
            .unwrap_or_default(),
        key_source_id: row.key_source_id,
        hidden: row.hidden,
        smart: row.smart.map(|s| s.version.as_str().to_string()),
        owner: None,
    }
}

/// Runs a CPU-heavy step (Argon2id) off the async executor.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a background task failed: {e}")))?
}

fn seal_label(key_source_id: i64) -> String {
    format!("key_source:{key_source_id}")
}

/// The key source's first account and what to seal, checked before anything is written.
struct Prepared {
    kind: &'static str,
    label: &'static str,
    secret: SealedSecret,
    index: Option<u32>,
    address: String,
    generated: Option<SecretString>,
}

fn prepare(spec: KeySpec) -> Result<Prepared> {
    match spec {
        KeySpec::NewMnemonic { words } => {
            let phrase = keys::generate_mnemonic(words)?;
            let address = format_address(&keys::derive_address(&phrase, 0)?);
            Ok(Prepared {
                kind: "mnemonic",
                label: "Recovery phrase",
                secret: SealedSecret {
                    phrase: Some(phrase.expose_secret().to_string()),
                    passphrase: None,
                    private_key: None,
                },
                index: Some(0),
                address,
                generated: Some(phrase),
            })
        }
        KeySpec::Mnemonic { phrase, passphrase } => {
            let phrase = keys::validate_mnemonic(&phrase)?;
            let passphrase = passphrase.filter(|p| !p.expose_secret().is_empty());
            let address =
                format_address(&keys::derive_signer(&phrase, passphrase.as_ref(), 0)?.address());
            Ok(Prepared {
                kind: "mnemonic",
                label: "Imported phrase",
                secret: SealedSecret {
                    phrase: Some(phrase.expose_secret().to_string()),
                    passphrase: passphrase.map(|p| p.expose_secret().to_string()),
                    private_key: None,
                },
                index: Some(0),
                address,
                generated: None,
            })
        }
        KeySpec::PrivateKey(key) => {
            let signer = keys::parse_private_key(&key)?;
            Ok(Prepared {
                kind: "private_key",
                label: "Imported key",
                secret: SealedSecret {
                    phrase: None,
                    passphrase: None,
                    private_key: Some(key.expose_secret().trim().to_lowercase()),
                },
                index: None,
                address: format_address(&signer.address()),
                generated: None,
            })
        }
    }
}

impl Wallet {
    /// Opens the wallet handle for a profile. Touches neither the network nor the vault: the
    /// wallet starts locked (or without a vault) and works offline.
    pub fn new(config: WalletConfig) -> Result<Wallet> {
        let chain = Chain::new(config.network.clone())?;
        let (events, _) = broadcast::channel(16);
        Ok(Wallet {
            inner: Arc::new(Inner {
                config,
                chain: std::sync::RwLock::new(Arc::new(chain)),
                session: Mutex::new(None),
                generation: AtomicU64::new(0),
                last_activity: std::sync::Mutex::new(Instant::now()),
                events,
                sync_wake: tokio::sync::Notify::new(),
                sync_round: Mutex::new(()),
                sync_state: std::sync::Mutex::new(Default::default()),
            }),
        })
    }

    /// The active network's client (a handle: a network switch does not disturb a call that
    /// already holds one).
    pub(crate) fn chain(&self) -> Arc<Chain> {
        self.inner
            .chain
            .read()
            .map(|c| c.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    pub(crate) fn set_chain(&self, chain: Chain) {
        match self.inner.chain.write() {
            Ok(mut c) => *c = Arc::new(chain),
            Err(e) => *e.into_inner() = Arc::new(chain),
        }
    }

    /// The active network.
    pub fn network(&self) -> Network {
        self.chain().network().clone()
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.config.data_dir
    }

    /// Lock events (user or idle) for front ends to follow.
    pub fn subscribe(&self) -> broadcast::Receiver<WalletEvent> {
        self.inner.events.subscribe()
    }

    fn touch(&self) {
        if let Ok(mut t) = self.inner.last_activity.lock() {
            *t = Instant::now();
        }
    }

    pub async fn status(&self) -> Result<WalletStatus> {
        let network = self.network().info();
        let session = self.inner.session.lock().await;
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
        let mut session = self.inner.session.lock().await;
        let dir = self.data_dir().to_path_buf();
        if vault::exists(&dir) {
            return Err(vault::VaultError::Exists(dir).into());
        }
        // Everything that can be refused (a typo in a phrase, a weak password) is refused
        // before a file is written.
        if password.expose_secret().chars().count() < vault::MIN_PASSWORD_CHARS {
            return Err(vault::VaultError::WeakPassword.into());
        }
        let prepared = prepare(spec)?;
        let (kdf, keychain) = (self.inner.config.kdf, self.inner.config.keychain.clone());
        let keys = blocking({
            let dir = dir.clone();
            move || Ok(vault::create(&dir, &password, kdf, keychain.as_ref())?)
        })
        .await?;
        let result = (|| -> Result<(Ledger, AccountRow)> {
            let mut ledger = Ledger::open(&dir, &keys)?;
            let row =
                Self::store_key_source(&mut ledger, &keys, &prepared, AuditEvent::WalletCreated)?;
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

    fn store_key_source(
        ledger: &mut Ledger,
        keys: &VaultKeys,
        prepared: &Prepared,
        event: AuditEvent,
    ) -> Result<AccountRow> {
        let plaintext = Zeroizing::new(
            serde_json::to_vec(&prepared.secret).map_err(|e| Error::Internal(e.to_string()))?,
        );
        let name = format!("Account {}", ledger.accounts(true)?.len() + 1);
        Ok(ledger.insert_key_source(
            prepared.kind,
            prepared.label,
            |id| {
                vault::seal(&keys.sealing_key, &seal_label(id), &plaintext)
                    .map_err(|e| ledger::LedgerError::Integrity(e.to_string()))
            },
            NewAccount {
                derivation_index: prepared.index,
                address: &prepared.address,
                name: &name,
            },
            event,
        )?)
    }

    /// Adds another phrase or private key to an unlocked wallet, with its first account.
    pub async fn import(&self, spec: KeySpec) -> Result<Account> {
        let prepared = prepare(spec)?;
        let mut guard = self.inner.session.lock().await;
        let s = guard.as_mut().ok_or(Error::Locked)?;
        self.touch();
        let row = Self::store_key_source(
            &mut s.ledger,
            &s.keys,
            &prepared,
            AuditEvent::KeySourceImported,
        )?;
        Ok(to_account(&row))
    }

    fn start_session(
        &self,
        slot: &mut Option<Session>,
        ledger: Ledger,
        keys: VaultKeys,
        auto_lock: Duration,
    ) {
        *slot = Some(Session {
            ledger,
            keys,
            auto_lock,
        });
        let generation = self.inner.generation.fetch_add(1, Ordering::SeqCst) + 1;
        self.touch();
        tokio::spawn(idle_watch(Arc::downgrade(&self.inner), generation));
        tokio::spawn(crate::sync::worker(Arc::downgrade(&self.inner), generation));
    }

    /// Unlocks with the password; returns the visible accounts. Wrong passwords are throttled
    /// (`VaultError::Throttled`) and written to the audit log at the next successful unlock.
    pub async fn unlock(&self, password: SecretString) -> Result<Vec<Account>> {
        let mut session = self.inner.session.lock().await;
        let dir = self.data_dir().to_path_buf();
        let keychain = self.inner.config.keychain.clone();
        let unlocked =
            match blocking(move || Ok(vault::unlock(&dir, &password, keychain.as_ref())?)).await {
                Ok(u) => u,
                Err(e) => {
                    tracing::warn!(error = %e, "unlock failed");
                    return Err(e);
                }
            };
        let mut ledger = Ledger::open(self.data_dir(), &unlocked.keys)?;
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
        let accounts = accounts_with_owners(&ledger, false)?;
        self.start_session(&mut session, ledger, unlocked.keys, auto_lock);
        tracing::info!("wallet unlocked");
        Ok(accounts)
    }

    /// Drops the ledger connection and every key; they are zeroized on drop.
    pub async fn lock(&self) {
        self.lock_because(LockReason::User).await;
    }

    async fn lock_because(&self, reason: LockReason) {
        let mut session = self.inner.session.lock().await;
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
            // No receiver is fine: nobody is listening.
            let _ = self.inner.events.send(WalletEvent::Locked(reason));
        }
    }

    /// Runs `f` on the unlocked session, counting as activity.
    pub(crate) async fn with_session<T>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T>,
    ) -> Result<T> {
        let mut guard = self.inner.session.lock().await;
        let s = guard.as_mut().ok_or(Error::Locked)?;
        self.touch();
        f(s)
    }

    /// Like `with_session`, for background work that must not keep the wallet from locking.
    pub(crate) async fn with_session_quiet<T>(
        &self,
        f: impl FnOnce(&mut Session) -> Result<T>,
    ) -> Result<T> {
        let mut guard = self.inner.session.lock().await;
        let s = guard.as_mut().ok_or(Error::Locked)?;
        f(s)
    }

    pub async fn accounts(&self, include_hidden: bool) -> Result<Vec<Account>> {
        self.with_session(|s| accounts_with_owners(&s.ledger, include_hidden))
            .await
    }

    /// Derives and stores the next account of an HD key source.
    pub async fn add_account(&self, key_source_id: i64) -> Result<Account> {
        self.with_session(|s| {
            let source = s.ledger.key_source(key_source_id)?;
            if source.kind != "mnemonic" {
                return Err(Error::Unsupported(
                    "an imported private key has exactly one account".into(),
                ));
            }
            let secret = open_secret(&s.keys, &source.sealed, key_source_id)?;
            let phrase = SecretString::from(secret.phrase.clone().unwrap_or_default());
            let passphrase = secret.passphrase.clone().map(SecretString::from);
            let index = s.ledger.next_derivation_index(key_source_id)?;
            let address = format_address(
                &keys::derive_signer(&phrase, passphrase.as_ref(), index)?.address(),
            );
            let name = format!("Account {}", s.ledger.accounts(true)?.len() + 1);
            let row = s.ledger.add_account(
                key_source_id,
                NewAccount {
                    derivation_index: Some(index),
                    address: &address,
                    name: &name,
                },
            )?;
            Ok(to_account(&row))
        })
        .await
    }

    pub async fn rename_account(&self, address: &str, name: &str) -> Result<()> {
        let address = format_address(&parse_address(address)?);
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(Error::InvalidName);
        }
        self.with_session(|s| Ok(s.ledger.rename_account(&address, name)?))
            .await
    }

    pub async fn set_account_hidden(&self, address: &str, hidden: bool) -> Result<()> {
        let address = format_address(&parse_address(address)?);
        self.with_session(|s| Ok(s.ledger.set_hidden(&address, hidden)?))
            .await
    }

    pub async fn reorder_accounts(&self, addresses: &[String]) -> Result<()> {
        let addresses = addresses
            .iter()
            .map(|a| Ok(format_address(&parse_address(a)?)))
            .collect::<Result<Vec<_>>>()?;
        self.with_session(|s| Ok(s.ledger.reorder(&addresses)?))
            .await
    }

    /// Rewraps the vault key under a new password. Needs the wallet unlocked and the old password.
    pub async fn change_password(&self, old: SecretString, new: SecretString) -> Result<()> {
        let mut guard = self.inner.session.lock().await;
        let s = guard.as_mut().ok_or(Error::Locked)?;
        self.touch();
        let dir = self.data_dir().to_path_buf();
        let (kdf, keychain) = (self.inner.config.kdf, self.inner.config.keychain.clone());
        let result = blocking(move || {
            Ok(vault::change_password(
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

    /// Checks `password` against the vault (throttled, like an unlock) and that it is this
    /// session's vault. Every export goes through here.
    pub(crate) async fn reauthenticate(&self, password: SecretString) -> Result<()> {
        let dir = self.data_dir().to_path_buf();
        let keychain = self.inner.config.keychain.clone();
        let unlocked =
            blocking(move || Ok(vault::unlock(&dir, &password, keychain.as_ref())?)).await?;
        self.with_session(|s| {
            if *unlocked.keys.sealing_key != *s.keys.sealing_key {
                return Err(Error::Internal(
                    "the vault changed under the open session".into(),
                ));
            }
            Ok(())
        })
        .await
    }

    /// The recovery phrase of a key source (or the private key of an imported-key source),
    /// after the password is entered again. Audited, success or not.
    pub async fn export_secret(
        &self,
        password: SecretString,
        key_source_id: i64,
        mfa_code: Option<&str>,
    ) -> Result<SecretString> {
        if let Err(e) = self.reauthenticate(password).await {
            let detail = format!("key_source:{key_source_id}: {}", e.code_str());
            self.with_session(|s| {
                Ok(s.ledger
                    .audit(AuditEvent::Export, Outcome::Denied, &detail)?)
            })
            .await?;
            return Err(e);
        }
        self.require_mfa(mfa_code, "exporting a recovery phrase or key")
            .await?;
        self.with_session(|s| {
            let source = s.ledger.key_source(key_source_id)?;
            let secret = open_secret(&s.keys, &source.sealed, key_source_id)?;
            let out = secret
                .phrase
                .clone()
                .or_else(|| secret.private_key.clone())
                .unwrap_or_default();
            s.ledger.audit(
                AuditEvent::Export,
                Outcome::Ok,
                &format!("{} key_source:{key_source_id}", source.kind),
            )?;
            Ok(SecretString::from(out))
        })
        .await
    }

    /// The private key of one account, after the password is entered again. Audited.
    pub async fn export_private_key(
        &self,
        password: SecretString,
        address: &str,
        mfa_code: Option<&str>,
    ) -> Result<SecretString> {
        let address = format_address(&parse_address(address)?);
        if let Err(e) = self.reauthenticate(password).await {
            let detail = format!("{address}: {}", e.code_str());
            self.with_session(|s| {
                Ok(s.ledger
                    .audit(AuditEvent::Export, Outcome::Denied, &detail)?)
            })
            .await?;
            return Err(e);
        }
        self.require_mfa(mfa_code, "exporting a private key")
            .await?;
        self.with_session(|s| {
            let account = s.ledger.account(&address)?;
            let signer = signer_for(&s.keys, &s.ledger, &account)?;
            s.ledger.audit(
                AuditEvent::Export,
                Outcome::Ok,
                &format!("private_key {address}"),
            )?;
            Ok(SecretString::from(format!(
                "0x{}",
                hex::encode(signer.to_bytes())
            )))
        })
        .await
    }

    pub async fn settings(&self) -> Result<Settings> {
        self.with_session(|s| {
            Ok(Settings {
                auto_lock_secs: s.auto_lock.as_secs(),
                device_secret: s.keys.device_secret,
            })
        })
        .await
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
        .await
    }

    /// Test hook: the same as `set_auto_lock` without the range check, so a test can watch the
    /// wallet lock itself in a second rather than a minute.
    #[doc(hidden)]
    pub async fn set_auto_lock_unchecked(&self, timeout: Duration) -> Result<()> {
        self.with_session(|s| {
            s.auto_lock = timeout;
            Ok(())
        })
        .await
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

    /// Records a payment intent (`draft`) from one of the accounts. The send flow builds on it.
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

    /// Operations and transitions recorded (for consistency checks).
    pub async fn operation_counts(&self) -> Result<(i64, i64)> {
        self.with_session(|s| Ok(s.ledger.operation_counts()?))
            .await
    }

    /// The native balance of any address, read from the chain; needs no unlock.
    pub async fn balance(&self, address: &str) -> Result<Balance> {
        let parsed = parse_address(address)?;
        let at = self.chain().balance(parsed).await?;
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
        let hash = self.chain().devnet_fund(to, wei).await?;
        tracing::info!(to = %format_address(&to), %amount, tx = %hash, "devnet faucet sent");
        Ok(Funded {
            tx_hash: hash.to_string(),
            balance: self.balance(address).await?,
        })
    }
}

/// The signing key of one account, unsealed for the moment of its use.
pub(crate) fn signer_for(
    keys: &VaultKeys,
    ledger: &Ledger,
    account: &AccountRow,
) -> Result<PrivateKeySigner> {
    if let Some(smart) = account.smart {
        // A smart account has no key of its own: its owner signs its user operations.
        let owner = ledger.account_by_id(smart.owner_account_id)?;
        if owner.smart.is_some() {
            return Err(Error::Internal(
                "a smart account owned by a smart account".into(),
            ));
        }
        return signer_for(keys, ledger, &owner);
    }
    let source = ledger.key_source(account.key_source_id)?;
    let secret = open_secret(keys, &source.sealed, source.id)?;
    match (
        &secret.phrase,
        &secret.private_key,
        account.derivation_index,
    ) {
        (Some(phrase), _, Some(index)) => {
            let passphrase = secret.passphrase.clone().map(SecretString::from);
            Ok(keys::derive_signer(
                &SecretString::from(phrase.clone()),
                passphrase.as_ref(),
                index,
            )?)
        }
        (_, Some(key), _) => Ok(keys::parse_private_key(&SecretString::from(key.clone()))?),
        _ => Err(Error::Internal(
            "the account's key source is incomplete".into(),
        )),
    }
}

fn open_secret(keys: &VaultKeys, sealed: &[u8], key_source_id: i64) -> Result<SealedSecret> {
    let plain = vault::unseal(&keys.sealing_key, &seal_label(key_source_id), sealed)?;
    serde_json::from_slice(&plain)
        .map_err(|_| Error::Internal("a sealed key source does not parse".into()))
}

fn remove_wallet_files(dir: &Path) {
    let mut paths = vec![
        vault::header_path(dir),
        ledger::ledger_path(dir),
        crate::store::audit::head_path(dir),
    ];
    for suffix in ["-wal", "-shm"] {
        let mut p = ledger::ledger_path(dir).into_os_string();
        p.push(suffix);
        paths.push(PathBuf::from(p));
    }
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
}

/// Locks the wallet once it has been idle for its auto-lock time. Holds only a weak reference,
/// and ends when the wallet is dropped or a newer session replaces the one it watches.
async fn idle_watch(inner: Weak<Inner>, generation: u64) {
    loop {
        let wait = {
            let Some(inner) = inner.upgrade() else { return };
            if inner.generation.load(Ordering::SeqCst) != generation {
                return;
            }
            let timeout = match &*inner.session.lock().await {
                Some(s) => s.auto_lock,
                None => return,
            };
            let idle = inner
                .last_activity
                .lock()
                .map(|t| t.elapsed())
                .unwrap_or_default();
            if idle >= timeout {
                let wallet = Wallet { inner };
                wallet.lock_because(LockReason::Idle).await;
                return;
            }
            timeout - idle
        };
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::keychain::NoKeychain;
    use crate::keys::vault::TEST_KDF;

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
        assert!(matches!(w.accounts(false).await, Err(Error::Locked)));
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
            Err(Error::Vault(vault::VaultError::WeakPassword))
        ));
        let typo = KeySpec::Mnemonic {
            phrase: pw("test test test test test test test test test test tset junk"),
            passphrase: None,
        };
        assert!(matches!(
            w.create(pw("correct horse"), typo).await,
            Err(Error::Keys(keys::KeyError::UnknownWord {
                position: 11,
                ..
            }))
        ));
        assert!(matches!(
            w.create(pw("correct horse"), KeySpec::PrivateKey(pw("0x1234")))
                .await,
            Err(Error::Keys(keys::KeyError::BadPrivateKey))
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
            Err(Error::Ledger(ledger::LedgerError::Duplicate(_)))
        ));

        // HD accounts: the next index of the first phrase is anvil's #1... already imported.
        assert!(matches!(
            w.add_account(created.account.key_source_id).await,
            Err(Error::Ledger(ledger::LedgerError::Duplicate(_)))
        ));
        assert!(matches!(
            w.add_account(imported.key_source_id).await,
            Err(Error::Unsupported(_))
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
            Err(Error::InvalidName)
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
        assert!(matches!(
            w.export_secret(pw("not it at all"), source, None).await,
            Err(Error::Vault(vault::VaultError::WrongPassword))
        ));
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
        for entry in &log {
            assert!(
                !entry.detail.contains("test test"),
                "a secret reached the audit log"
            );
        }
        w.lock().await;
        assert!(matches!(
            w.export_secret(pw("correct horse"), source, None).await,
            Err(Error::Locked)
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
        w.set_auto_lock_unchecked(Duration::from_millis(300))
            .await
            .unwrap();
        // Activity keeps it open…
        for _ in 0..4 {
            tokio::time::sleep(Duration::from_millis(150)).await;
            w.accounts(false).await.unwrap();
        }
        // …idleness locks it.
        // The sync worker reports too (offline here); the lock is what this test waits for.
        let event = tokio::time::timeout(Duration::from_secs(5), async {
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
        assert!(matches!(w.accounts(false).await, Err(Error::Locked)));
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
        let err = w.balance("0xnot-an-address").await.unwrap_err();
        assert_eq!(err.code(), cairn_api::ErrorCode::InvalidInput);
    }
}
