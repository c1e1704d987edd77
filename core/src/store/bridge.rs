//! The dapp bridge's memory in the ledger: the tokens local programs call it with (their hashes
//! only) and the grants callers hold (accounts shown, chain chosen). Every change is audited.

use rusqlite::{params, OptionalExtension};

use crate::store::audit::AuditEvent;
use crate::store::ledger::{now, Ledger, LedgerError};

/// A token row (never the token: its SHA-256, hex).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub hash: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// What one caller was granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    /// A site's origin (`https://app.example`) or `token:<id>`.
    pub caller: String,
    pub accounts: Vec<String>,
    pub chain_id: u64,
    pub granted_at: i64,
    pub last_used_at: Option<i64>,
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        name: r.get(1)?,
        hash: r.get(2)?,
        created_at: r.get(3)?,
        last_used_at: r.get(4)?,
        revoked_at: r.get(5)?,
    })
}

fn grant_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GrantRow> {
    let accounts: String = r.get(1)?;
    let chain_id: i64 = r.get(2)?;
    Ok(GrantRow {
        caller: r.get(0)?,
        // A list the ledger cannot read grants nothing.
        accounts: serde_json::from_str(&accounts).unwrap_or_default(),
        chain_id: u64::try_from(chain_id).unwrap_or_default(),
        granted_at: r.get(3)?,
        last_used_at: r.get(4)?,
    })
}

const TOKEN_COLUMNS: &str = "id, name, hash, created_at, last_used_at, revoked_at";
const GRANT_COLUMNS: &str = "caller, accounts, chain_id, granted_at, last_used_at";

impl Ledger {
    pub fn add_bridge_token(&mut self, name: &str, hash: &str) -> Result<TokenRow, LedgerError> {
        let at = now();
        let id = self.audited(
            AuditEvent::BridgeTokenAdded,
            &format!("token {name:?} for a local program"),
            |tx| {
                tx.execute(
                    "INSERT INTO bridge_tokens (name, hash, created_at) VALUES (?1, ?2, ?3)",
                    params![name, hash, at],
                )?;
                Ok(tx.last_insert_rowid())
            },
        )?;
        Ok(TokenRow {
            id,
            name: name.to_string(),
            hash: hash.to_string(),
            created_at: at,
            last_used_at: None,
            revoked_at: None,
        })
    }

    /// Every token, revoked ones too (the list shows when they stopped).
    pub fn bridge_tokens(&self) -> Result<Vec<TokenRow>, LedgerError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {TOKEN_COLUMNS} FROM bridge_tokens ORDER BY id"
        ))?;
        let rows = stmt.query_map([], token_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The live token with this hash, if any.
    pub fn bridge_token_by_hash(&self, hash: &str) -> Result<Option<TokenRow>, LedgerError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {TOKEN_COLUMNS} FROM bridge_tokens
                     WHERE hash = ?1 AND revoked_at IS NULL"
                ),
                [hash],
                token_row,
            )
            .optional()?)
    }

    pub fn touch_bridge_token(&mut self, id: i64) -> Result<(), LedgerError> {
        self.conn.execute(
            "UPDATE bridge_tokens SET last_used_at = ?2 WHERE id = ?1",
            params![id, now()],
        )?;
        Ok(())
    }

    /// Revokes a token and drops what it was granted; false when there was no live token.
    pub fn revoke_bridge_token(&mut self, id: i64) -> Result<bool, LedgerError> {
        self.audited(
            AuditEvent::BridgeTokenRevoked,
            &format!("token {id}"),
            |tx| {
                let n = tx.execute(
                    "UPDATE bridge_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                    params![id, now()],
                )?;
                tx.execute(
                    "DELETE FROM bridge_grants WHERE caller = ?1",
                    [format!("token:{id}")],
                )?;
                Ok(n == 1)
            },
        )
    }

    pub fn bridge_grant(&self, caller: &str) -> Result<Option<GrantRow>, LedgerError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {GRANT_COLUMNS} FROM bridge_grants WHERE caller = ?1"),
                [caller],
                grant_row,
            )
            .optional()?)
    }

    pub fn bridge_grants(&self) -> Result<Vec<GrantRow>, LedgerError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {GRANT_COLUMNS} FROM bridge_grants ORDER BY granted_at, caller"
        ))?;
        let rows = stmt.query_map([], grant_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Grants `caller` these accounts on `chain_id` (replacing what it had).
    pub fn set_bridge_grant(
        &mut self,
        caller: &str,
        accounts: &[String],
        chain_id: u64,
    ) -> Result<(), LedgerError> {
        let list = serde_json::to_string(accounts)
            .map_err(|e| LedgerError::Conflict(format!("grant list: {e}")))?;
        let chain = i64::try_from(chain_id)
            .map_err(|_| LedgerError::Conflict("chain id out of range".into()))?;
        self.audited(
            AuditEvent::BridgeGranted,
            &format!("{caller} sees {} on chain {chain_id}", accounts.join(", ")),
            |tx| {
                tx.execute(
                    "INSERT INTO bridge_grants (caller, accounts, chain_id, granted_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (caller) DO UPDATE
                     SET accounts = excluded.accounts, chain_id = excluded.chain_id",
                    params![caller, list, chain, now()],
                )?;
                Ok(())
            },
        )
    }

    /// The chain a caller chose (`wallet_switchEthereumChain`): not a new grant, so not audited.
    pub fn set_bridge_chain(&mut self, caller: &str, chain_id: u64) -> Result<(), LedgerError> {
        let chain = i64::try_from(chain_id)
            .map_err(|_| LedgerError::Conflict("chain id out of range".into()))?;
        self.conn.execute(
            "UPDATE bridge_grants SET chain_id = ?2, last_used_at = ?3 WHERE caller = ?1",
            params![caller, chain, now()],
        )?;
        Ok(())
    }

    /// Drops a caller's grant; false when it had none.
    pub fn revoke_bridge_grant(&mut self, caller: &str) -> Result<bool, LedgerError> {
        self.audited(AuditEvent::BridgeRevoked, caller, |tx| {
            Ok(tx.execute("DELETE FROM bridge_grants WHERE caller = ?1", [caller])? == 1)
        })
    }
}
