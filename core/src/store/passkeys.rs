//! Passkeys in the ledger: each credential's id (base64url), relying party, public key and the
//! user's label, with when it was made and last used, and where its Safe signer is on each
//! network. Adding and removing are audited.

use rusqlite::{params, OptionalExtension};

use crate::store::audit::AuditEvent;
use crate::store::ledger::{now, Ledger, LedgerError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyRow {
    pub id: i64,
    pub credential_id: String,
    pub rp_id: String,
    /// The public key's coordinates, `0x` + 64 hex digits each.
    pub x: String,
    pub y: String,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

const COLUMNS: &str = "id, credential_id, rp_id, x, y, label, created_at, last_used_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PasskeyRow> {
    Ok(PasskeyRow {
        id: r.get(0)?,
        credential_id: r.get(1)?,
        rp_id: r.get(2)?,
        x: r.get(3)?,
        y: r.get(4)?,
        label: r.get(5)?,
        created_at: r.get(6)?,
        last_used_at: r.get(7)?,
    })
}

impl Ledger {
    pub fn add_passkey(
        &mut self,
        credential_id: &str,
        rp_id: &str,
        x: &str,
        y: &str,
        label: &str,
    ) -> Result<PasskeyRow, LedgerError> {
        let at = now();
        let id = self.audited(
            AuditEvent::PasskeyAdded,
            &format!("passkey {label:?} for {rp_id}"),
            |tx| {
                tx.execute(
                    "INSERT INTO passkeys (credential_id, rp_id, x, y, label, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![credential_id, rp_id, x, y, label, at],
                )?;
                Ok(tx.last_insert_rowid())
            },
        )?;
        self.passkey(id)?
            .ok_or_else(|| LedgerError::NotFound(format!("passkey {id}")))
    }

    /// Every passkey, oldest first (a handful per wallet).
    pub fn passkeys(&self) -> Result<Vec<PasskeyRow>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM passkeys ORDER BY id"))?;
        let rows = stmt.query_map([], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn passkey(&self, id: i64) -> Result<Option<PasskeyRow>, LedgerError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM passkeys WHERE id = ?1"),
                [id],
                row,
            )
            .optional()?)
    }

    pub fn touch_passkey(&mut self, id: i64) -> Result<(), LedgerError> {
        self.conn.execute(
            "UPDATE passkeys SET last_used_at = ?2 WHERE id = ?1",
            params![id, now()],
        )?;
        Ok(())
    }

    /// Forgets a passkey (the authenticator keeps its credential; the accounts it owns on chain
    /// are the chain's business). False when there was none.
    pub fn remove_passkey(&mut self, id: i64) -> Result<bool, LedgerError> {
        self.audited(AuditEvent::PasskeyRemoved, &format!("passkey {id}"), |tx| {
            Ok(tx.execute("DELETE FROM passkeys WHERE id = ?1", [id])? == 1)
        })
    }

    /// Where passkey `id`'s Safe signer is on `chain_id`, once the factory said.
    pub fn passkey_signer(&self, id: i64, chain_id: u64) -> Result<Option<String>, LedgerError> {
        Ok(self
            .conn
            .query_row(
                "SELECT signer FROM passkey_signers WHERE passkey_id = ?1 AND chain_id = ?2",
                params![id, chain_id as i64],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn set_passkey_signer(
        &mut self,
        id: i64,
        chain_id: u64,
        signer: &str,
    ) -> Result<(), LedgerError> {
        self.conn.execute(
            "INSERT INTO passkey_signers (passkey_id, chain_id, signer) VALUES (?1, ?2, ?3)
             ON CONFLICT (passkey_id, chain_id) DO UPDATE SET signer = excluded.signer",
            params![id, chain_id as i64, signer],
        )?;
        Ok(())
    }

    /// The passkey whose Safe signer on `chain_id` is `signer` (an operation's contract
    /// signature names its signer, not the passkey).
    pub fn passkey_by_signer(
        &self,
        chain_id: u64,
        signer: &str,
    ) -> Result<Option<PasskeyRow>, LedgerError> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {} FROM passkeys WHERE id = (SELECT passkey_id FROM passkey_signers
                     WHERE chain_id = ?1 AND signer = ?2)",
                    COLUMNS
                ),
                params![chain_id as i64, signer],
                row,
            )
            .optional()?)
    }
}
