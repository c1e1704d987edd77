//! The ledger: one SQLCipher database per profile, opened with the raw key the vault derives
//! (so SQLCipher's own PBKDF2 is not paid on top of Argon2id), schema by refinery migrations from
//! `migrations/`, WAL with full sync so a killed process reopens consistent. Every change is one
//! transaction together with its audit row (`audit`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use ring::hmac;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use zeroize::Zeroizing;

use crate::keys::keychain::DeviceSecretStore;
use crate::keys::vault::VaultKeys;
use crate::store::audit::{self, AuditError, AuditEvent, AuditRow, Outcome};

mod embedded {
    refinery::embed_migrations!("../migrations");
}

/// Why the ledger could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("the ledger does not open with this key: wrong vault or a damaged file")]
    WrongKey,
    #[error("the ledger's schema could not be brought up to date: {0}")]
    Migration(String),
    #[error("the ledger failed its integrity check: {0}")]
    Integrity(String),
    #[error("{0} was not found")]
    NotFound(String),
    #[error("{0} is already in the wallet")]
    Duplicate(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("could not make the wallet's files private: {0}")]
    Permissions(std::io::Error),
    #[error("the wallet's ledger ({0}) is missing or empty while its vault header is there: restore it from a backup; Cairn will not start an empty wallet in its place")]
    Missing(PathBuf),
    #[error("{0} is here without the vault header (vault.json) it belongs to: restore the header from a backup; Cairn will not create a wallet over it")]
    WithoutVault(PathBuf),
}

/// Set (in the same transaction as the row) once this ledger's audit heads carry a seal: from
/// then on a head without one is refused.
const HEADS_SEALED_KEY: &str = "audit_heads_sealed";

fn mark_heads_sealed(tx: &Transaction<'_>) -> Result<(), LedgerError> {
    tx.execute(
        "INSERT OR IGNORE INTO settings (key, value) VALUES (?1, '1')",
        [HEADS_SEALED_KEY],
    )?;
    Ok(())
}

/// A row of `accounts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: i64,
    pub key_source_id: i64,
    pub derivation_index: Option<u32>,
    pub address: String,
    pub name: String,
    pub hidden: bool,
    /// For an ERC-4337 smart account: its owner account, kind and EntryPoint version.
    pub smart: Option<SmartOf>,
}

/// What makes an account a smart account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmartOf {
    pub owner: SmartOwner,
    pub kind: crate::primitives::aa::SmartKind,
    pub version: crate::primitives::aa::EntryPointVersion,
}

/// Who signs for a smart account it was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmartOwner {
    /// An account of this wallet (its `accounts` id), whose key signs.
    Key(i64),
    /// A passkey (its `passkeys` id) configured in a Safe's setup; no key of the wallet signs.
    Passkey(i64),
}

impl SmartOf {
    /// The owner account whose key signs, `None` for a passkey's Safe.
    pub fn owner_key(&self) -> Option<i64> {
        match self.owner {
            SmartOwner::Key(id) => Some(id),
            SmartOwner::Passkey(_) => None,
        }
    }

    /// The passkey a Safe was made for, `None` for a key's account.
    pub fn passkey(&self) -> Option<i64> {
        match self.owner {
            SmartOwner::Key(_) => None,
            SmartOwner::Passkey(id) => Some(id),
        }
    }
}

/// A row of `key_sources`, its secret still sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySourceRow {
    pub id: i64,
    pub kind: String,
    pub label: String,
    pub sealed: Vec<u8>,
}

/// An account to insert.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub derivation_index: Option<u32>,
    pub address: &'a str,
    pub name: &'a str,
}

pub struct Ledger {
    pub(crate) conn: Connection,
    dir: PathBuf,
    audit_key: hmac::Key,
    device_id: String,
    /// Where the audit head is anchored beyond the files (the OS keychain), and under which
    /// name; `None` where the vault has no keychain.
    anchor: Option<(Arc<dyn DeviceSecretStore>, String)>,
    /// The audit row the chain was last verified up to on this connection: the next
    /// verification walks only what was added since.
    audit_verified: std::cell::RefCell<Option<audit::Verified>>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

pub fn ledger_path(dir: &Path) -> PathBuf {
    dir.join("ledger.db")
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE)
}

const ACCOUNT_COLUMNS: &str =
    "id, key_source_id, derivation_index, address, name, hidden, owner_account_id, entry_point_version, \
     smart_kind, passkey_id";

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        id: r.get(0)?,
        key_source_id: r.get(1)?,
        derivation_index: r.get(2)?,
        address: r.get(3)?,
        name: r.get(4)?,
        hidden: r.get(5)?,
        smart: {
            let owner = match (r.get::<_, Option<i64>>(6)?, r.get::<_, Option<i64>>(9)?) {
                (Some(id), _) => Some(SmartOwner::Key(id)),
                (None, Some(id)) => Some(SmartOwner::Passkey(id)),
                (None, None) => None,
            };
            match (
                owner,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<String>>(8)?,
            ) {
                (Some(owner), Some(v), Some(k)) => {
                    use crate::primitives::aa::{EntryPointVersion, SmartKind};
                    match (EntryPointVersion::parse(&v), SmartKind::parse(&k)) {
                        (Ok(version), Some(kind)) => Some(SmartOf {
                            owner,
                            kind,
                            version,
                        }),
                        _ => None,
                    }
                }
                _ => None,
            }
        },
    })
}

impl Ledger {
    /// Opens (creating if absent) the ledger in `dir` with the vault's keys and migrates it.
    /// Holds the profile's step lock until the returned file is dropped. Every session-gated
    /// step takes it, so a step of another process (a draft on its way to `queued`, say) is
    /// never seen half done: the gate alone only keeps this process's steps apart.
    pub fn step_lock(&self) -> std::io::Result<std::fs::File> {
        let file = crate::keys::files::create_private(&self.dir.join("ledger.lock"))?;
        file.lock()?;
        Ok(file)
    }

    /// Opens the ledger of an existing wallet: a missing or empty file is an error, not a new
    /// wallet (SQLite would happily start an empty one).
    pub fn open_existing(dir: &Path, keys: &VaultKeys) -> Result<Ledger, LedgerError> {
        let path = ledger_path(dir);
        match std::fs::metadata(&path) {
            Ok(m) if m.len() > 0 => Ledger::open(dir, keys),
            _ => Err(LedgerError::Missing(path)),
        }
    }

    /// Opens the ledger in `dir`, creating it when there is none (a new wallet).
    pub fn open(dir: &Path, keys: &VaultKeys) -> Result<Ledger, LedgerError> {
        let mut conn = Connection::open(ledger_path(dir))?;
        // Silences SQLCipher's "hmac check failed" lines on a wrong key; the error is ours to say.
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        let pragma = Zeroizing::new(format!(
            "PRAGMA key = \"x'{}'\";",
            hex::encode(*keys.ledger_key)
        ));
        conn.execute_batch(&pragma)?;
        // The first read is where a wrong key shows.
        match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::NotADatabase =>
            {
                return Err(LedgerError::WrongKey)
            }
            Err(e) => return Err(e.into()),
        }
        // Another process (the CLI beside the app) may be writing: wait for it, up to a point,
        // rather than fail with "database is locked".
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        // Every transaction here writes. Taking the write lock at BEGIN makes a second process
        // wait (the busy timeout) instead of failing: a transaction that read first and then
        // tries to write after another process committed gets SQLITE_BUSY at once, which no
        // timeout helps (two parallel CLI sends hit "database is locked" in the audit append).
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -65536;",
        )?;
        embedded::migrations::runner()
            .run(&mut conn)
            .map_err(|e| LedgerError::Migration(e.to_string()))?;
        // The WAL now exists too; everything in the profile, whoever created it, is the
        // owner's alone from here on.
        crate::keys::files::harden(dir).map_err(LedgerError::Permissions)?;
        Ok(Ledger {
            conn,
            dir: dir.to_path_buf(),
            audit_key: audit::chain_key(&keys.audit_key),
            device_id: keys.device_id.clone(),
            anchor: None,
            audit_verified: std::cell::RefCell::new(None),
        })
    }

    /// Runs `change` and appends its audit row in one transaction, then moves the audit head.
    pub(crate) fn audited<T>(
        &mut self,
        event: AuditEvent,
        detail: &str,
        change: impl FnOnce(&Transaction<'_>) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let tx = self.conn.transaction()?;
        let value = change(&tx)?;
        let (seq, hash) = audit::append(
            &tx,
            &self.audit_key,
            now(),
            &self.device_id,
            event,
            Outcome::Ok,
            detail,
        )?;
        mark_heads_sealed(&tx)?;
        tx.commit()?;
        audit::write_head(&self.dir, &self.audit_key, seq, &hash)?;
        self.write_anchor(seq, &hash);
        Ok(value)
    }

    /// Records an event that changes nothing else (unlock, lock, export, …).
    pub fn audit(
        &mut self,
        event: AuditEvent,
        outcome: Outcome,
        detail: &str,
    ) -> Result<(), LedgerError> {
        self.audit_at(&[now()], event, outcome, detail)
    }

    /// Records the same event at several past times, in one transaction (failed unlocks, which
    /// happen while the ledger cannot be opened and are written at the next unlock).
    pub fn audit_at(
        &mut self,
        times: &[i64],
        event: AuditEvent,
        outcome: Outcome,
        detail: &str,
    ) -> Result<(), LedgerError> {
        let tx = self.conn.transaction()?;
        let mut last = None;
        for at in times {
            last = Some(audit::append(
                &tx,
                &self.audit_key,
                *at,
                &self.device_id,
                event,
                outcome,
                detail,
            )?);
        }
        mark_heads_sealed(&tx)?;
        tx.commit()?;
        if let Some((seq, hash)) = last {
            audit::write_head(&self.dir, &self.audit_key, seq, &hash)?;
            self.write_anchor(seq, &hash);
        }
        Ok(())
    }

    pub fn audit_log(&self, limit: u32) -> Result<Vec<AuditRow>, LedgerError> {
        Ok(audit::list(&self.conn, limit)?)
    }

    /// Checks the whole audit chain; `Ok(n)`: n rows, intact.
    /// Verifies the audit chain: the whole of it the first time on this connection, then the
    /// rows added since (the last verified row must still be the same). An edit of older rows
    /// made while the wallet is open is found by the next unlock's first verification.
    pub fn verify_audit(&self) -> Result<i64, LedgerError> {
        let from = self.audit_verified.borrow().clone();
        let (rows, last) = audit::verify_from(
            &self.conn,
            &self.audit_key,
            audit::read_head(&self.dir)?.as_ref(),
            self.heads_sealed()?,
            from.as_ref(),
        )?;
        *self.audit_verified.borrow_mut() = last;
        Ok(rows)
    }

    /// The check every unlock makes before it writes anything: see [`audit::check_head`].
    pub fn check_audit_head(&self) -> Result<i64, LedgerError> {
        Ok(audit::check_head(
            &self.conn,
            &self.audit_key,
            audit::read_head(&self.dir)?.as_ref(),
            self.heads_sealed()?,
        )?)
    }

    /// Anchors the audit head in `keychain` from now on, after checking the log against the
    /// anchor already there (none yet is fine: a first unlock on this device, or an older
    /// version). A ledger put back together with its older head fails here.
    pub fn anchor_in(
        &mut self,
        keychain: Arc<dyn DeviceSecretStore>,
        vault_id: &str,
    ) -> Result<(), LedgerError> {
        let name = audit::anchor_name(vault_id);
        match keychain.get(&name) {
            Ok(Some(anchor)) => audit::check_anchor(&self.conn, &anchor)?,
            Ok(None) => {}
            // A keychain that does not answer now is not a rollback: the sealed head still
            // stands, and the anchor is written again with the next row.
            Err(e) => tracing::warn!(error = %e, "the audit anchor could not be read"),
        }
        self.anchor = Some((keychain, name));
        Ok(())
    }

    fn write_anchor(&self, seq: i64, hash: &[u8]) {
        if let Some((keychain, name)) = &self.anchor {
            if let Err(e) = keychain.set(name, &audit::anchor_bytes(seq, hash)) {
                tracing::warn!(error = %e, "the audit anchor could not be written");
            }
        }
    }

    fn heads_sealed(&self) -> Result<bool, LedgerError> {
        Ok(self.setting(HEADS_SEALED_KEY)?.is_some())
    }

    /// `PRAGMA integrity_check`: `Ok` when SQLite finds nothing wrong.
    pub fn integrity_check(&self) -> Result<(), LedgerError> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        if result == "ok" {
            Ok(())
        } else {
            Err(LedgerError::Integrity(result))
        }
    }

    /// Stores a new key source with its first account, in one transaction. `seal` turns the
    /// secret into its sealed form once the row id (part of the AEAD label) is known.
    pub fn insert_key_source(
        &mut self,
        kind: &str,
        label: &str,
        backed_up: bool,
        seal: impl FnOnce(i64) -> Result<Vec<u8>, LedgerError>,
        account: NewAccount<'_>,
        event: AuditEvent,
    ) -> Result<AccountRow, LedgerError> {
        let detail = format!("{kind} {}", account.address);
        self.audited(event, &detail, |tx| {
            tx.execute(
                "INSERT INTO key_sources (kind, label, sealed, created_at, backed_up)
                 VALUES (?1, ?2, x'', ?3, ?4)",
                params![kind, label, now(), backed_up],
            )?;
            let source_id = tx.last_insert_rowid();
            let sealed = seal(source_id)?;
            tx.execute(
                "UPDATE key_sources SET sealed = ?1 WHERE id = ?2",
                params![sealed, source_id],
            )?;
            insert_account(tx, source_id, &account)
        })
    }

    /// Adds an account to an existing key source.
    pub fn add_account(
        &mut self,
        key_source_id: i64,
        account: NewAccount<'_>,
    ) -> Result<AccountRow, LedgerError> {
        let detail = account.address.to_string();
        self.audited(AuditEvent::AccountAdded, &detail, |tx| {
            insert_account(tx, key_source_id, &account)
        })
    }

    /// The next unused BIP-44 index of a key source.
    pub fn next_derivation_index(&self, key_source_id: i64) -> Result<u32, LedgerError> {
        let max: Option<u32> = self.conn.query_row(
            "SELECT max(derivation_index) FROM accounts WHERE key_source_id = ?1",
            [key_source_id],
            |r| r.get(0),
        )?;
        Ok(max.map_or(0, |m| m + 1))
    }

    /// Accounts in the user's order; hidden ones only if asked for.
    pub fn accounts(&self, include_hidden: bool) -> Result<Vec<AccountRow>, LedgerError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE hidden = 0 OR ?1 ORDER BY position, id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([include_hidden], account_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn account(&self, address: &str) -> Result<AccountRow, LedgerError> {
        self.conn
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE address = ?1"),
                [address],
                account_row,
            )
            .optional()?
            .ok_or_else(|| LedgerError::NotFound(format!("account {address}")))
    }

    pub fn rename_account(&mut self, address: &str, name: &str) -> Result<(), LedgerError> {
        let detail = address.to_string();
        self.audited(AuditEvent::AccountRenamed, &detail, |tx| {
            match tx.execute(
                "UPDATE accounts SET name = ?1 WHERE address = ?2",
                params![name, address],
            )? {
                0 => Err(LedgerError::NotFound(format!("account {address}"))),
                _ => Ok(()),
            }
        })
    }

    pub fn set_hidden(&mut self, address: &str, hidden: bool) -> Result<(), LedgerError> {
        let event = if hidden {
            AuditEvent::AccountHidden
        } else {
            AuditEvent::AccountShown
        };
        let detail = address.to_string();
        self.audited(event, &detail, |tx| {
            match tx.execute(
                "UPDATE accounts SET hidden = ?1 WHERE address = ?2",
                params![hidden, address],
            )? {
                0 => Err(LedgerError::NotFound(format!("account {address}"))),
                _ => Ok(()),
            }
        })
    }

    /// Puts the given accounts first, in this order; the others keep their order after them.
    pub fn reorder(&mut self, addresses: &[String]) -> Result<(), LedgerError> {
        let current: Vec<String> = self
            .accounts(true)?
            .into_iter()
            .map(|a| a.address)
            .collect();
        for address in addresses {
            if !current.contains(address) {
                return Err(LedgerError::NotFound(format!("account {address}")));
            }
        }
        let order: Vec<&String> = addresses
            .iter()
            .chain(current.iter().filter(|a| !addresses.contains(a)))
            .collect();
        self.audited(AuditEvent::AccountsReordered, "", |tx| {
            for (position, address) in order.iter().enumerate() {
                tx.execute(
                    "UPDATE accounts SET position = ?1 WHERE address = ?2",
                    params![position as i64, address],
                )?;
            }
            Ok(())
        })
    }

    pub fn key_source(&self, id: i64) -> Result<KeySourceRow, LedgerError> {
        self.conn
            .query_row(
                "SELECT id, kind, label, sealed FROM key_sources WHERE id = ?1",
                [id],
                |r| {
                    Ok(KeySourceRow {
                        id: r.get(0)?,
                        kind: r.get(1)?,
                        label: r.get(2)?,
                        sealed: r.get(3)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| LedgerError::NotFound(format!("key source {id}")))
    }

    /// Key sources whose phrase was made here and not yet shown to be written down:
    /// `(id, label, words)`.
    pub fn unbacked_key_sources(&self) -> Result<Vec<(i64, String)>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, label FROM key_sources WHERE backed_up = 0 ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records that the phrase of key source `id` was checked against the user's copy.
    pub fn mark_backed_up(&mut self, id: i64) -> Result<(), LedgerError> {
        let detail = format!("key_source:{id}");
        self.audited(AuditEvent::BackupChecked, &detail, |tx| {
            tx.execute(
                "UPDATE key_sources SET backed_up = 1 WHERE id = ?1",
                params![id],
            )?;
            Ok(())
        })
    }

    pub fn key_source_count(&self) -> Result<i64, LedgerError> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM key_sources", [], |r| r.get(0))?)
    }

    pub fn setting(&self, key: &str) -> Result<Option<String>, LedgerError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), LedgerError> {
        let detail = format!("{key}={value}");
        self.audited(AuditEvent::SettingChanged, &detail, |tx| {
            tx.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )?;
            Ok(())
        })
    }

    /// Keeps a piece of the wallet's own working state (not a user's setting, so not audited
    /// as one): what it made and must find again after a restart, such as a recovery request.
    pub fn remember(&mut self, key: &str, value: &str) -> Result<(), LedgerError> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Records a new operation (state `draft`) with its first transition (tests of the store).
    #[cfg(any(test, feature = "test-support"))]
    pub fn record_operation(
        &mut self,
        account_id: i64,
        chain_id: u64,
        kind: &str,
        to: &str,
        amount: &str,
    ) -> Result<i64, LedgerError> {
        let detail = format!("{kind} to {to}");
        self.audited(AuditEvent::OperationRecorded, &detail, |tx| {
            let at = now();
            tx.execute(
                "INSERT INTO operations (account_id, chain_id, kind, state, to_address, amount, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?6, ?6)",
                params![account_id, chain_id as i64, kind, to, amount, at],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO operation_transitions (operation_id, from_state, to_state, at) VALUES (?1, NULL, 'draft', ?2)",
                params![id, at],
            )?;
            Ok(id)
        })
    }

    /// Number of operations and of transitions (for consistency checks in tests).
    #[cfg(any(test, feature = "test-support"))]
    pub fn operation_counts(&self) -> Result<(i64, i64), LedgerError> {
        Ok((
            self.conn
                .query_row("SELECT count(*) FROM operations", [], |r| r.get(0))?,
            self.conn
                .query_row("SELECT count(*) FROM operation_transitions", [], |r| {
                    r.get(0)
                })?,
        ))
    }
}

/// A smart account's row: inserted, then marked smart with its owner (an owner account or a
/// passkey), kind and EntryPoint version. `key_source_id` is the owner's; for a passkey's Safe,
/// `None` files it under the wallet's first key source.
fn insert_smart_account(
    tx: &Transaction<'_>,
    key_source_id: Option<i64>,
    address: &str,
    name: &str,
    smart: SmartOf,
) -> Result<AccountRow, LedgerError> {
    let key_source_id = match key_source_id {
        Some(id) => id,
        None => tx
            .query_row("SELECT min(id) FROM key_sources", [], |r| {
                r.get::<_, Option<i64>>(0)
            })?
            .ok_or_else(|| LedgerError::NotFound("a key source".into()))?,
    };
    let row = insert_account(
        tx,
        key_source_id,
        &NewAccount {
            derivation_index: None,
            address,
            name,
        },
    )?;
    tx.execute(
        "UPDATE accounts SET kind = 'smart', owner_account_id = ?2, passkey_id = ?3,
         entry_point_version = ?4, smart_kind = ?5 WHERE id = ?1",
        params![
            row.id,
            smart.owner_key(),
            smart.passkey(),
            smart.version.as_str(),
            smart.kind.as_str()
        ],
    )?;
    Ok(AccountRow {
        smart: Some(smart),
        ..row
    })
}

fn insert_account(
    tx: &Transaction<'_>,
    key_source_id: i64,
    account: &NewAccount<'_>,
) -> Result<AccountRow, LedgerError> {
    let position: i64 = tx.query_row(
        "SELECT coalesce(max(position) + 1, 0) FROM accounts",
        [],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO accounts (key_source_id, derivation_index, address, name, position, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![key_source_id, account.derivation_index, account.address, account.name, position, now()],
    )
    .map_err(|e| {
        if is_unique_violation(&e) {
            LedgerError::Duplicate(format!("account {}", account.address))
        } else {
            e.into()
        }
    })?;
    Ok(AccountRow {
        id: tx.last_insert_rowid(),
        key_source_id,
        derivation_index: account.derivation_index,
        address: account.address.to_string(),
        name: account.name.to_string(),
        hidden: false,
        smart: None,
    })
}

impl Ledger {
    /// Adds the smart account of `owner` of a kind and EntryPoint version (its address
    /// computed by the caller); it shares the owner's key source, whose key signs for it.
    pub fn add_smart_account(
        &mut self,
        owner: &AccountRow,
        kind: crate::primitives::aa::SmartKind,
        version: crate::primitives::aa::EntryPointVersion,
        address: &str,
        name: &str,
    ) -> Result<AccountRow, LedgerError> {
        let detail = format!(
            "smart account {address} ({} {}) of {}",
            kind.as_str(),
            version.as_str(),
            owner.address
        );
        let smart = SmartOf {
            owner: SmartOwner::Key(owner.id),
            kind,
            version,
        };
        let key_source_id = owner.key_source_id;
        self.audited(AuditEvent::AccountAdded, &detail, |tx| {
            insert_smart_account(tx, Some(key_source_id), address, name, smart)
        })
    }

    /// Adds the Safe of passkey `passkey_id` (its address computed by the caller), filed under
    /// the wallet's first key source (see V20: the column is NOT NULL; no key of it signs).
    pub fn add_passkey_safe(
        &mut self,
        passkey_id: i64,
        address: &str,
        name: &str,
    ) -> Result<AccountRow, LedgerError> {
        let detail = format!("passkey Safe {address} of passkey {passkey_id}");
        let smart = SmartOf {
            owner: SmartOwner::Passkey(passkey_id),
            kind: crate::primitives::aa::SmartKind::Safe,
            version: crate::primitives::aa::EntryPointVersion::V07,
        };
        self.audited(AuditEvent::AccountAdded, &detail, |tx| {
            insert_smart_account(tx, None, address, name, smart)
        })
    }

    /// The Safe made for passkey `passkey_id`, if the wallet has one (`accounts_by_passkey`).
    pub fn passkey_safe(&self, passkey_id: i64) -> Result<Option<AccountRow>, LedgerError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE passkey_id = ?1"),
                [passkey_id],
                account_row,
            )
            .optional()?)
    }

    pub fn account_by_id(&self, id: i64) -> Result<AccountRow, LedgerError> {
        self.conn
            .query_row(
                &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"),
                [id],
                account_row,
            )
            .optional()?
            .ok_or_else(|| LedgerError::NotFound(format!("account #{id}")))
    }

    pub fn set_deployed(&mut self, account_id: i64, chain_id: u64) -> Result<(), LedgerError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO smart_deployments (account_id, chain_id, seen_at) VALUES (?1, ?2, ?3)",
            params![account_id, chain_id as i64, now()],
        )?;
        Ok(())
    }

    pub fn is_deployed(&self, account_id: i64, chain_id: u64) -> Result<bool, LedgerError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM smart_deployments WHERE account_id = ?1 AND chain_id = ?2",
                params![account_id, chain_id as i64],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}

#[cfg(test)]
pub(crate) fn test_keys(byte: u8) -> VaultKeys {
    VaultKeys {
        ledger_key: Zeroizing::new([byte; 32]),
        sealing_key: Zeroizing::new([byte ^ 1; 32]),
        audit_key: Zeroizing::new([byte ^ 2; 32]),
        device_id: "d1".into(),
        device_secret: false,
        vault_id: "00".into(),
        signers: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_account(address: &str) -> NewAccount<'_> {
        NewAccount {
            derivation_index: Some(0),
            address,
            name: "Account 1",
        }
    }

    fn with_one_account(dir: &Path, keys: &VaultKeys) -> Ledger {
        let mut ledger = Ledger::open(dir, keys).unwrap();
        ledger
            .insert_key_source(
                "mnemonic",
                "Main",
                true,
                |_| Ok(vec![1, 2, 3]),
                new_account("0xabc"),
                AuditEvent::WalletCreated,
            )
            .unwrap();
        ledger
    }

    #[test]
    fn opens_migrates_and_reopens_with_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let keys = test_keys(42);
        drop(with_one_account(dir.path(), &keys));
        let ledger = Ledger::open(dir.path(), &keys).unwrap();
        ledger.integrity_check().unwrap();
        let accounts = ledger.accounts(false).unwrap();
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].name, "Account 1");
        assert_eq!(
            ledger.key_source(accounts[0].key_source_id).unwrap().sealed,
            vec![1, 2, 3]
        );
        assert_eq!(ledger.verify_audit().unwrap(), 1);
    }

    #[test]
    fn a_wrong_key_is_a_typed_error_and_leaves_the_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        drop(Ledger::open(dir.path(), &test_keys(1)).unwrap());
        let before = std::fs::read(ledger_path(dir.path())).unwrap();
        assert!(matches!(
            Ledger::open(dir.path(), &test_keys(2)),
            Err(LedgerError::WrongKey)
        ));
        assert_eq!(before, std::fs::read(ledger_path(dir.path())).unwrap());
    }

    #[test]
    fn a_failed_seal_leaves_no_half_written_key_source_or_audit_row() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path(), &test_keys(3)).unwrap();
        let result = ledger.insert_key_source(
            "mnemonic",
            "Main",
            true,
            |_| Err(LedgerError::NotFound("x".into())),
            new_account("0xabc"),
            AuditEvent::WalletCreated,
        );
        assert!(result.is_err());
        assert!(ledger.accounts(true).unwrap().is_empty());
        assert_eq!(ledger.key_source_count().unwrap(), 0);
        assert_eq!(ledger.verify_audit().unwrap(), 0);
    }

    #[test]
    fn accounts_are_added_renamed_hidden_and_reordered() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = with_one_account(dir.path(), &test_keys(5));
        let source = ledger.accounts(false).unwrap()[0].key_source_id;
        assert_eq!(ledger.next_derivation_index(source).unwrap(), 1);
        ledger
            .add_account(
                source,
                NewAccount {
                    derivation_index: Some(1),
                    address: "0xdef",
                    name: "Account 2",
                },
            )
            .unwrap();
        assert!(matches!(
            ledger.add_account(
                source,
                NewAccount {
                    derivation_index: Some(2),
                    address: "0xdef",
                    name: "again"
                }
            ),
            Err(LedgerError::Duplicate(_))
        ));
        ledger.rename_account("0xdef", "Savings").unwrap();
        ledger.reorder(&["0xdef".to_string()]).unwrap();
        let names: Vec<String> = ledger
            .accounts(false)
            .unwrap()
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(names, vec!["Savings", "Account 1"]);
        ledger.set_hidden("0xabc", true).unwrap();
        assert_eq!(ledger.accounts(false).unwrap().len(), 1);
        assert_eq!(ledger.accounts(true).unwrap().len(), 2);
        assert!(matches!(
            ledger.rename_account("0x999", "x"),
            Err(LedgerError::NotFound(_))
        ));
        assert!(matches!(
            ledger.reorder(&["0x999".to_string()]),
            Err(LedgerError::NotFound(_))
        ));
        // created, added, renamed, reordered, hidden: five audit rows, chain intact.
        assert_eq!(ledger.verify_audit().unwrap(), 5);
    }

    #[test]
    fn the_file_holds_no_plaintext() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut ledger = Ledger::open(dir.path(), &test_keys(4)).unwrap();
            ledger
                .insert_key_source(
                    "mnemonic",
                    "Savings",
                    true,
                    |_| Ok(vec![0; 8]),
                    NewAccount {
                        derivation_index: Some(0),
                        address: "0xfeedface",
                        name: "Rainy day",
                    },
                    AuditEvent::WalletCreated,
                )
                .unwrap();
        }
        for file in std::fs::read_dir(dir.path()).unwrap() {
            let path = file.unwrap().path();
            if path == audit::head_path(dir.path()) {
                continue;
            }
            let bytes = std::fs::read(path).unwrap();
            for needle in [
                &b"Rainy day"[..],
                b"0xfeedface",
                b"Savings",
                b"CREATE TABLE",
                b"SQLite format",
                b"wallet_created",
            ] {
                assert!(!bytes.windows(needle.len()).any(|w| w == needle));
            }
        }
    }

    /// Opens the ledger file with the key but without the app: what a tamperer could do.
    fn raw(dir: &Path, keys: &VaultKeys) -> Connection {
        let conn = Connection::open(ledger_path(dir)).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA key = \"x'{}'\";",
            hex::encode(*keys.ledger_key)
        ))
        .unwrap();
        conn
    }

    #[test]
    fn the_audit_log_refuses_updates_and_names_the_tampered_row() {
        let dir = tempfile::tempdir().unwrap();
        let keys = test_keys(6);
        let mut ledger = with_one_account(dir.path(), &keys);
        for _ in 0..4 {
            ledger.audit(AuditEvent::Unlock, Outcome::Ok, "").unwrap();
        }
        assert_eq!(ledger.verify_audit().unwrap(), 5);
        drop(ledger);

        let conn = raw(dir.path(), &keys);
        assert!(conn
            .execute("UPDATE audit_log SET outcome = 'failed' WHERE seq = 3", [])
            .is_err());
        assert!(conn
            .execute("DELETE FROM audit_log WHERE seq = 3", [])
            .is_err());

        // A tamperer who drops the triggers is still caught, at the right row.
        conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
            .unwrap();
        conn.execute("UPDATE audit_log SET outcome = 'failed' WHERE seq = 3", [])
            .unwrap();
        let ledger = Ledger::open(dir.path(), &keys).unwrap();
        assert!(matches!(
            ledger.verify_audit(),
            Err(LedgerError::Audit(AuditError::Edited { seq: 3 }))
        ));
        drop(ledger);
        conn.execute("UPDATE audit_log SET outcome = 'ok' WHERE seq = 3", [])
            .unwrap();
        conn.execute("DELETE FROM audit_log WHERE seq = 2", [])
            .unwrap();
        let ledger = Ledger::open(dir.path(), &keys).unwrap();
        assert!(matches!(
            ledger.verify_audit(),
            Err(LedgerError::Audit(AuditError::Deleted { seq: 2, next: 3 }))
        ));
    }

    #[test]
    fn verifying_again_walks_the_new_rows_and_still_catches_an_edit() {
        let dir = tempfile::tempdir().unwrap();
        let keys = test_keys(8);
        let mut ledger = with_one_account(dir.path(), &keys);
        for _ in 0..3 {
            ledger.audit(AuditEvent::Unlock, Outcome::Ok, "").unwrap();
        }
        assert_eq!(ledger.verify_audit().unwrap(), 4);
        ledger.audit(AuditEvent::Lock, Outcome::Ok, "").unwrap();
        assert_eq!(ledger.verify_audit().unwrap(), 5, "the rows in all");
        ledger.audit(AuditEvent::Unlock, Outcome::Ok, "").unwrap();

        // A row added since the last verification, edited behind the ledger's back.
        let conn = raw(dir.path(), &keys);
        conn.execute_batch("DROP TRIGGER audit_log_no_update;")
            .unwrap();
        conn.execute("UPDATE audit_log SET outcome = 'failed' WHERE seq = 6", [])
            .unwrap();
        assert!(matches!(
            ledger.verify_audit(),
            Err(LedgerError::Audit(AuditError::Edited { seq: 6 }))
        ));
        // The row verified last, edited: the whole chain is walked again, and the edit named.
        conn.execute("UPDATE audit_log SET outcome = 'ok' WHERE seq = 6", [])
            .unwrap();
        conn.execute("UPDATE audit_log SET outcome = 'failed' WHERE seq = 5", [])
            .unwrap();
        assert!(matches!(
            ledger.verify_audit(),
            Err(LedgerError::Audit(AuditError::Edited { seq: 5 }))
        ));
    }

    #[test]
    fn cutting_rows_off_the_end_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let keys = test_keys(7);
        let mut ledger = with_one_account(dir.path(), &keys);
        ledger.audit(AuditEvent::Lock, Outcome::Ok, "").unwrap();
        drop(ledger);
        let conn = raw(dir.path(), &keys);
        conn.execute_batch(
            "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 2;",
        )
        .unwrap();
        let ledger = Ledger::open(dir.path(), &keys).unwrap();
        assert!(matches!(
            ledger.verify_audit(),
            Err(LedgerError::Audit(AuditError::Truncated {
                last: 1,
                head: 2
            }))
        ));
    }
}
