//! The ledger: one SQLCipher database per profile, opened with the raw key the vault derives
//! (so SQLCipher's own PBKDF2 is not paid on top of Argon2id), schema by refinery migrations from
//! `migrations/`, WAL with full sync so a killed process reopens consistent.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{params, Connection, OptionalExtension};
use zeroize::Zeroizing;

mod embedded {
    refinery::embed_migrations!("../migrations");
}

/// Why the ledger could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("the ledger does not open with this key: wrong vault or a damaged file")]
    WrongKey,
    #[error("the ledger's schema could not be brought up to date: {0}")]
    Migration(String),
    #[error("the ledger failed its integrity check: {0}")]
    Integrity(String),
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// A row of `accounts`, as the core uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub id: i64,
    pub key_source_id: i64,
    pub derivation_index: Option<u32>,
    pub address: String,
    pub name: String,
}

#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
}

pub fn ledger_path(dir: &Path) -> PathBuf {
    dir.join("ledger.db")
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Ledger {
    /// Opens (creating if absent) the ledger in `dir` with its raw key and migrates it.
    pub fn open(dir: &Path, key: &[u8; 32]) -> Result<Ledger, LedgerError> {
        let mut conn = Connection::open(ledger_path(dir))?;
        // Silences SQLCipher's "hmac check failed" lines on a wrong key; the error is ours to say.
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        let pragma = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", hex::encode(key)));
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
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA cache_size = -65536;",
        )?;
        embedded::migrations::runner()
            .run(&mut conn)
            .map_err(|e| LedgerError::Migration(e.to_string()))?;
        Ok(Ledger { conn })
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
    pub fn insert_key_source_with_account<E>(
        &mut self,
        kind: &str,
        label: &str,
        seal: impl FnOnce(i64) -> Result<Vec<u8>, E>,
        derivation_index: Option<u32>,
        address: &str,
        name: &str,
    ) -> Result<Result<AccountRow, E>, LedgerError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO key_sources (kind, label, sealed, created_at) VALUES (?1, ?2, x'', ?3)",
            params![kind, label, now()],
        )?;
        let source_id = tx.last_insert_rowid();
        let sealed = match seal(source_id) {
            Ok(s) => s,
            // Dropping the transaction rolls the half-written source back.
            Err(e) => return Ok(Err(e)),
        };
        tx.execute(
            "UPDATE key_sources SET sealed = ?1 WHERE id = ?2",
            params![sealed, source_id],
        )?;
        let position: i64 = tx.query_row(
            "SELECT coalesce(max(position) + 1, 0) FROM accounts",
            [],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO accounts (key_source_id, derivation_index, address, name, position, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![source_id, derivation_index, address, name, position, now()],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(Ok(AccountRow {
            id,
            key_source_id: source_id,
            derivation_index,
            address: address.to_string(),
            name: name.to_string(),
        }))
    }

    /// Visible accounts in the user's order.
    pub fn accounts(&self) -> Result<Vec<AccountRow>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, key_source_id, derivation_index, address, name FROM accounts
             WHERE hidden = 0 ORDER BY position, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(AccountRow {
                id: r.get(0)?,
                key_source_id: r.get(1)?,
                derivation_index: r.get(2)?,
                address: r.get(3)?,
                name: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The sealed secret of a key source.
    pub fn sealed_key_source(&self, id: i64) -> Result<Option<Vec<u8>>, LedgerError> {
        Ok(self
            .conn
            .query_row("SELECT sealed FROM key_sources WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_migrates_and_reopens_with_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = [42u8; 32];
        {
            let mut ledger = Ledger::open(dir.path(), &key).unwrap();
            ledger
                .insert_key_source_with_account::<()>(
                    "mnemonic",
                    "Main",
                    |_| Ok(vec![1, 2, 3]),
                    Some(0),
                    "0xabc",
                    "Account 1",
                )
                .unwrap()
                .unwrap();
        }
        let ledger = Ledger::open(dir.path(), &key).unwrap();
        ledger.integrity_check().unwrap();
        let accounts = ledger.accounts().unwrap();
        assert_eq!(accounts.len(), 1);
        assert_eq!(accounts[0].name, "Account 1");
        assert_eq!(
            ledger.sealed_key_source(accounts[0].key_source_id).unwrap(),
            Some(vec![1, 2, 3])
        );
    }

    #[test]
    fn a_wrong_key_is_a_typed_error_and_leaves_the_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        drop(Ledger::open(dir.path(), &[1u8; 32]).unwrap());
        let before = std::fs::read(ledger_path(dir.path())).unwrap();
        assert!(matches!(
            Ledger::open(dir.path(), &[2u8; 32]),
            Err(LedgerError::WrongKey)
        ));
        assert_eq!(before, std::fs::read(ledger_path(dir.path())).unwrap());
    }

    #[test]
    fn a_failed_seal_leaves_no_half_written_key_source() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path(), &[3u8; 32]).unwrap();
        let result = ledger
            .insert_key_source_with_account(
                "mnemonic",
                "Main",
                |_| Err("no"),
                Some(0),
                "0xabc",
                "A",
            )
            .unwrap();
        assert_eq!(result, Err("no"));
        assert!(ledger.accounts().unwrap().is_empty());
        assert_eq!(ledger.sealed_key_source(1).unwrap(), None);
    }

    #[test]
    fn the_file_holds_no_plaintext() {
        let dir = tempfile::tempdir().unwrap();
        {
            let mut ledger = Ledger::open(dir.path(), &[4u8; 32]).unwrap();
            ledger
                .insert_key_source_with_account::<()>(
                    "mnemonic",
                    "Savings",
                    |_| Ok(vec![0; 8]),
                    Some(0),
                    "0xfeedface",
                    "Rainy day",
                )
                .unwrap()
                .unwrap();
        }
        for file in std::fs::read_dir(dir.path()).unwrap() {
            let bytes = std::fs::read(file.unwrap().path()).unwrap();
            for needle in [
                &b"Rainy day"[..],
                b"0xfeedface",
                b"Savings",
                b"CREATE TABLE",
                b"SQLite format",
            ] {
                assert!(!bytes.windows(needle.len()).any(|w| w == needle));
            }
        }
    }
}
