//! The audit log: append-only and hash-chained. Each row carries HMAC-SHA256 (keyed by the
//! vault's audit key) over the previous row's hash and its own fields, so an edited, inserted or
//! deleted row breaks the chain at a row `verify` can name. Triggers refuse UPDATE and DELETE;
//! the chain catches whoever removes the triggers. The newest (seq, hash) is also kept in
//! `audit-head.json` beside the ledger, so cutting rows off the end is caught too.
//! Rows say what happened, when, with what outcome, on which device — never a secret.

use std::path::{Path, PathBuf};

use ring::hmac;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

/// What the log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditEvent {
    WalletCreated,
    Unlock,
    UnlockFailed,
    Lock,
    AutoLock,
    KeySourceImported,
    Export,
    PasswordChanged,
    AccountAdded,
    AccountRenamed,
    AccountHidden,
    AccountShown,
    AccountsReordered,
    SettingChanged,
    OperationRecorded,
    MfaEnrolled,
    MfaDisabled,
    MfaCheck,
    PolicyChanged,
    RiskDecision,
    BackupChecked,
    RecoveryCodesReplaced,
    GuardiansChanged,
    RecoveryApproved,
    BridgeTokenAdded,
    BridgeTokenRevoked,
    BridgeGranted,
    BridgeRevoked,
    PasskeyAdded,
    PasskeyRemoved,
}

impl AuditEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditEvent::WalletCreated => "wallet_created",
            AuditEvent::Unlock => "unlock",
            AuditEvent::UnlockFailed => "unlock_failed",
            AuditEvent::Lock => "lock",
            AuditEvent::AutoLock => "auto_lock",
            AuditEvent::KeySourceImported => "key_source_imported",
            AuditEvent::Export => "export",
            AuditEvent::PasswordChanged => "password_changed",
            AuditEvent::AccountAdded => "account_added",
            AuditEvent::AccountRenamed => "account_renamed",
            AuditEvent::AccountHidden => "account_hidden",
            AuditEvent::AccountShown => "account_shown",
            AuditEvent::AccountsReordered => "accounts_reordered",
            AuditEvent::GuardiansChanged => "guardians_changed",
            AuditEvent::RecoveryApproved => "recovery_approved",
            AuditEvent::BridgeTokenAdded => "bridge_token_added",
            AuditEvent::BridgeTokenRevoked => "bridge_token_revoked",
            AuditEvent::PasskeyAdded => "passkey_added",
            AuditEvent::PasskeyRemoved => "passkey_removed",
            AuditEvent::BridgeGranted => "bridge_granted",
            AuditEvent::BridgeRevoked => "bridge_revoked",
            AuditEvent::SettingChanged => "setting_changed",
            AuditEvent::OperationRecorded => "operation_recorded",
            AuditEvent::MfaEnrolled => "mfa_enrolled",
            AuditEvent::MfaDisabled => "mfa_disabled",
            AuditEvent::MfaCheck => "mfa_check",
            AuditEvent::PolicyChanged => "policy_changed",
            AuditEvent::RiskDecision => "risk_decision",
            AuditEvent::BackupChecked => "backup_checked",
            AuditEvent::RecoveryCodesReplaced => "recovery_codes_replaced",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
    Denied,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Denied => "denied",
        }
    }
}

/// One row, as read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub event: String,
    pub outcome: String,
    pub device_id: String,
    pub detail: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("audit row {seq} was edited: its hash does not match its contents")]
    Edited { seq: i64 },
    #[error("audit row {seq} is missing: rows were deleted before row {next}")]
    Deleted { seq: i64, next: i64 },
    #[error("audit row {seq} does not follow row {prev}: the chain was spliced")]
    Spliced { seq: i64, prev: i64 },
    #[error(
        "the audit log ends at row {last}, but row {head} was written: rows were cut off the end"
    )]
    Truncated { last: i64, head: i64 },
    #[error("the audit head (audit-head.json) is missing while the log has {last} rows: the wallet's files were changed or restored in part; restore the whole profile from one backup")]
    HeadMissing { last: i64 },
    #[error("the audit head does not carry this wallet's seal: it was edited or comes from another wallet")]
    HeadForged,
    #[error("the audit head does not parse: {0}")]
    HeadDamaged(String),
    #[error("this device's keychain saw audit row {anchored}, but the ledger ends at row {last}: it was put back from an older copy; restore the newest backup")]
    RolledBack { anchored: i64, last: i64 },
    #[error("audit database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("could not write the audit head: {0}")]
    Io(#[from] std::io::Error),
}

const GENESIS: [u8; 32] = [0u8; 32];

fn field(buf: &mut Vec<u8>, text: &str) {
    buf.extend_from_slice(&(text.len() as u64).to_be_bytes());
    buf.extend_from_slice(text.as_bytes());
}

fn row_hash(key: &hmac::Key, prev: &[u8], row: &AuditRow) -> Vec<u8> {
    let mut msg = Vec::with_capacity(128);
    msg.extend_from_slice(prev);
    msg.extend_from_slice(&row.seq.to_be_bytes());
    msg.extend_from_slice(&row.at.to_be_bytes());
    for text in [&row.event, &row.outcome, &row.device_id, &row.detail] {
        field(&mut msg, text);
    }
    hmac::sign(key, &msg).as_ref().to_vec()
}

/// The chain's key, from the vault's audit key.
pub fn chain_key(audit_key: &[u8; 32]) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, audit_key)
}

/// Appends a row inside the caller's transaction; returns its (seq, hash) for the head file.
pub fn append(
    conn: &Connection,
    key: &hmac::Key,
    at: i64,
    device_id: &str,
    event: AuditEvent,
    outcome: Outcome,
    detail: &str,
) -> Result<(i64, Vec<u8>), AuditError> {
    let last: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (prev_seq, prev_hash) = last.unwrap_or((0, GENESIS.to_vec()));
    let row = AuditRow {
        seq: prev_seq + 1,
        at,
        event: event.as_str().to_string(),
        outcome: outcome.as_str().to_string(),
        device_id: device_id.to_string(),
        detail: detail.to_string(),
    };
    let hash = row_hash(key, &prev_hash, &row);
    conn.execute(
        "INSERT INTO audit_log (seq, at, event, outcome, device_id, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            row.seq,
            row.at,
            row.event,
            row.outcome,
            row.device_id,
            row.detail,
            prev_hash,
            hash
        ],
    )?;
    Ok((row.seq, hash))
}

/// A row's columns as the queries below select them, its chain links after them.
const ROW_COLUMNS: &str = "seq, at, event, outcome, device_id, detail";
const CHAINED_COLUMNS: &str = "seq, at, event, outcome, device_id, detail, prev_hash, hash";

fn audit_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditRow> {
    Ok(AuditRow {
        seq: r.get(0)?,
        at: r.get(1)?,
        event: r.get(2)?,
        outcome: r.get(3)?,
        device_id: r.get(4)?,
        detail: r.get(5)?,
    })
}

/// A row with the hash it links to and its own.
fn chained_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(AuditRow, Vec<u8>, Vec<u8>)> {
    Ok((audit_row(r)?, r.get(6)?, r.get(7)?))
}

/// The newest rows first.
pub fn list(conn: &Connection, limit: u32) -> Result<Vec<AuditRow>, AuditError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW_COLUMNS} FROM audit_log ORDER BY seq DESC LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit], audit_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The last row known to have been written, kept outside the database and sealed with the
/// chain's key, so it can be neither edited nor taken from another wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
    /// HMAC of (seq, hash) under the chain's key. Absent in heads written before it existed:
    /// accepted only until the ledger records that its heads are sealed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

fn head_message(seq: i64, hash: &str) -> Vec<u8> {
    let mut msg = b"audit-head".to_vec();
    msg.extend_from_slice(&seq.to_be_bytes());
    msg.extend_from_slice(hash.as_bytes());
    msg
}

fn head_mac(key: &hmac::Key, seq: i64, hash: &str) -> String {
    hex::encode(hmac::sign(key, &head_message(seq, hash)).as_ref())
}

/// The head's seal is this chain's (or, where `sealed` is not yet required, absent).
fn check_seal(key: &hmac::Key, head: &Head, sealed: bool) -> Result<(), AuditError> {
    match &head.mac {
        Some(mac) => {
            let tag = hex::decode(mac).map_err(|_| AuditError::HeadForged)?;
            hmac::verify(key, &head_message(head.seq, &head.hash), &tag)
                .map_err(|_| AuditError::HeadForged)
        }
        None if sealed => Err(AuditError::HeadForged),
        None => Ok(()),
    }
}

pub fn head_path(dir: &Path) -> PathBuf {
    dir.join("audit-head.json")
}

/// The head file: `None` when there is none, an error when it does not parse.
pub fn read_head(dir: &Path) -> Result<Option<Head>, AuditError> {
    match std::fs::read(head_path(dir)) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| AuditError::HeadDamaged(e.to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The keychain entry that anchors a vault's audit head: out of reach of whoever can only
/// write the files, so an older ledger put back *with* its older head is still caught.
pub fn anchor_name(vault_id: &str) -> String {
    format!("{vault_id}/audit-head")
}

/// The anchor's bytes: the row's number, then its hash.
pub fn anchor_bytes(seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut out = seq.to_be_bytes().to_vec();
    out.extend_from_slice(hash);
    out
}

/// Checks the log against a keychain anchor: it must reach the anchored row, and that row must
/// be the one anchored.
pub fn check_anchor(conn: &Connection, anchor: &[u8]) -> Result<(), AuditError> {
    if anchor.len() < 8 {
        return Err(AuditError::HeadForged);
    }
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&anchor[..8]);
    let anchored = i64::from_be_bytes(seq);
    let last: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM audit_log", [], |r| {
        r.get(0)
    })?;
    if anchored > last {
        return Err(AuditError::RolledBack { anchored, last });
    }
    let at: Option<Vec<u8>> = conn
        .query_row(
            "SELECT hash FROM audit_log WHERE seq = ?1",
            [anchored],
            |r| r.get(0),
        )
        .optional()?;
    if at.as_deref() != Some(&anchor[8..]) {
        return Err(AuditError::Edited { seq: anchored });
    }
    Ok(())
}

/// The cheap check made at every unlock, before anything is written: the head is sealed by
/// this chain, the log reaches it, and the row there is the one the head names. A ledger put
/// back from an older copy ends before the head; a deleted or edited head is refused too.
/// `Ok(n)`: the log's last row.
pub fn check_head(
    conn: &Connection,
    key: &hmac::Key,
    head: Option<&Head>,
    sealed: bool,
) -> Result<i64, AuditError> {
    let last: i64 = conn.query_row("SELECT coalesce(max(seq), 0) FROM audit_log", [], |r| {
        r.get(0)
    })?;
    let Some(head) = head else {
        return if last == 0 {
            Ok(0)
        } else {
            Err(AuditError::HeadMissing { last })
        };
    };
    check_seal(key, head, sealed)?;
    if head.seq > last {
        return Err(AuditError::Truncated {
            last,
            head: head.seq,
        });
    }
    let at_head: Option<Vec<u8>> = conn
        .query_row(
            "SELECT hash FROM audit_log WHERE seq = ?1",
            [head.seq],
            |r| r.get(0),
        )
        .optional()?;
    if at_head.map(hex::encode).as_deref() != Some(head.hash.as_str()) {
        return Err(AuditError::Edited { seq: head.seq });
    }
    Ok(last)
}

/// Records the newest row. Written after the row's transaction commits: a crash in between
/// leaves the head one row behind, which `verify` accepts.
pub fn write_head(dir: &Path, key: &hmac::Key, seq: i64, hash: &[u8]) -> Result<(), AuditError> {
    let hash = hex::encode(hash);
    let head = Head {
        seq,
        mac: Some(head_mac(key, seq, &hash)),
        hash,
    };
    let json = serde_json::to_vec(&head).map_err(std::io::Error::other)?;
    let tmp = head_path(dir).with_extension("json.tmp");
    {
        use std::io::Write;
        let mut file = crate::keys::files::create_private(&tmp)?;
        file.write_all(&json)?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, head_path(dir))?;
    Ok(())
}

/// Walks the whole chain; `Ok(n)` is the number of rows, all intact.
pub fn verify(
    conn: &Connection,
    key: &hmac::Key,
    head: Option<&Head>,
    sealed: bool,
) -> Result<i64, AuditError> {
    verify_from(conn, key, head, sealed, None).map(|(n, _)| n)
}

/// A row the chain was verified up to: its seq and hash.
pub type Verified = (i64, Vec<u8>);

/// Walks the chain after `from` (a row already verified, which must still hold the same hash),
/// or all of it; `Ok((n, last))`: n rows in all, intact, the last one `last`. Verifying again
/// then costs the rows added since, not the whole log.
pub fn verify_from(
    conn: &Connection,
    key: &hmac::Key,
    head: Option<&Head>,
    sealed: bool,
    from: Option<&Verified>,
) -> Result<(i64, Option<Verified>), AuditError> {
    if let Some(head) = head {
        check_seal(key, head, sealed)?;
    }
    // The row verified last must be unchanged, its content as well as its hash; otherwise
    // everything is walked again (and the walk says what is wrong).
    let from = match from {
        Some((seq, hash)) => {
            let stored = conn
                .query_row(
                    &format!("SELECT {CHAINED_COLUMNS} FROM audit_log WHERE seq = ?1"),
                    rusqlite::params![seq],
                    chained_row,
                )
                .optional()?;
            stored
                .filter(|(row, prev, stored_hash)| {
                    stored_hash == hash && row_hash(key, prev, row) == *hash
                })
                .map(|_| (*seq, hash.clone()))
        }
        None => None,
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {CHAINED_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq"
    ))?;
    let mut rows = stmt.query(rusqlite::params![from.as_ref().map_or(0, |f| f.0)])?;
    let mut expected_seq = from.as_ref().map_or(1, |f| f.0 + 1);
    let mut prev_hash = from
        .as_ref()
        .map_or_else(|| GENESIS.to_vec(), |f| f.1.clone());
    // A head at or before the rows already verified: its row is read directly.
    let mut hashes_at_head = match (head, &from) {
        (Some(h), Some((seq, _))) if h.seq <= *seq => conn
            .query_row(
                "SELECT hash FROM audit_log WHERE seq = ?1",
                rusqlite::params![h.seq],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()?
            .map(hex::encode),
        _ => None,
    };
    while let Some(r) = rows.next()? {
        let (row, stored_prev, stored_hash) = chained_row(r)?;
        if row.seq != expected_seq {
            return Err(AuditError::Deleted {
                seq: expected_seq,
                next: row.seq,
            });
        }
        if stored_prev != prev_hash {
            return Err(AuditError::Spliced {
                seq: row.seq,
                prev: row.seq - 1,
            });
        }
        if row_hash(key, &prev_hash, &row) != stored_hash {
            return Err(AuditError::Edited { seq: row.seq });
        }
        if head.is_some_and(|h| h.seq == row.seq) {
            hashes_at_head = Some(hex::encode(&stored_hash));
        }
        prev_hash = stored_hash;
        expected_seq += 1;
    }
    let last = expected_seq - 1;
    if head.is_none() && last > 0 {
        return Err(AuditError::HeadMissing { last });
    }
    if let Some(head) = head {
        if head.seq > last {
            return Err(AuditError::Truncated {
                last,
                head: head.seq,
            });
        }
        if hashes_at_head.as_deref() != Some(head.hash.as_str()) {
            return Err(AuditError::Edited { seq: head.seq });
        }
    }
    Ok((last, (last > 0).then_some((last, prev_hash))))
}
