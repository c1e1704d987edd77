//! History: every value movement of the wallet's accounts found on chain — ETH in and out (with
//! fees) from the node's Otterscan API (`ots_searchTransactionsBefore`) or, where the node has
//! none, from the network's Etherscan-compatible API (`txlist`); ERC-20 transfers of the known
//! tokens from `Transfer` logs — merged into the ledger's `entries` without duplicates (one row
//! per transaction, asset, direction and account) and linked to the wallet's own operations by
//! hash. A wallet restored from its phrase rebuilds its history this way.
//!
//! May use: `session`, `ops` (list filters), `store`, `chain`, `primitives`.

use alloy::primitives::{Address, U256};
use cairn_api::{HistoryEntry, HistoryPage, HistoryQuery, Notice};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

use crate::chain::rpc::{read_capped, ChainError, ReadError, MAX_ANSWER_BYTES};
use crate::primitives::erc20::{address_of_topic, topic_of, TRANSFER_TOPIC};
use crate::primitives::page::{self, HistoryCursor, PageError};
use crate::primitives::units::{format_address, format_units, AddressError};
use crate::session::{Ctx, SessionError};
use crate::store::ledger::{now, AccountRow, Ledger, LedgerError};
use crate::store::operations::AssetRow;

/// Why history could not be read or recorded.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error(transparent)]
    Page(#[from] PageError),
}

type Result<T, E = HistoryError> = std::result::Result<T, E>;

/// Transactions per Otterscan page, and Otterscan pages per sync round across all accounts: a
/// deep history is read oldest first over several rounds, so no round (and no send waiting
/// behind it) is held up by a backfill.
const PAGE: u64 = 25;
const PAGES_PER_ROUND: usize = 20;
/// `eth_getLogs` ranges per round across accounts, each at most the network's
/// `log_span_blocks`: a token history from genesis is read in steps, not in one refused request.
const LOG_SPANS_PER_ROUND: usize = 10;
/// Arrivals told per account and round: a wallet back online after a month finds many at once,
/// and a wall of notifications helps nobody (the activity list holds them all).
const NOTICES_PER_ACCOUNT_ROUND: usize = 3;
/// Rows per explorer request, one request per account per round (Etherscan serves at most
/// 10 000 rows for one query: a longer past is read over rounds, never cut off).
const EXPLORER_PAGE: usize = 1000;

/// One movement to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub account_id: i64,
    pub asset_id: i64,
    pub direction: &'static str,
    pub amount: U256,
    pub counterparty: Option<String>,
    pub tx_hash: String,
    pub block_number: u64,
    pub at: i64,
}

fn u256(v: Option<&Value>) -> Option<U256> {
    v?.as_str()?.parse().ok()
}

fn u64_of(v: Option<&Value>) -> Option<u64> {
    u256(v).and_then(|n| u64::try_from(n).ok())
}

/// Inserts entries once each (a movement seen twice, from two sources, stays one row), linked
/// to the wallet's operation that made the transaction: by its hash, or by the bundle
fn epoch_key(chain_id: u64) -> String {
    format!("history_epoch:{chain_id}")
}

fn history_epoch(conn: &rusqlite::Connection, chain_id: u64) -> Result<u64, LedgerError> {
    Ok(conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [epoch_key(chain_id)],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

/// The operation a transaction belongs to: its own hash, or the bundle that carried a user
/// operation; the first recorded. Two index seeks (the unique index on the hash,
/// `operations_by_bundle`), whatever the size of the ledger.
const OPERATION_OF_TX: &str = "SELECT min(id) FROM (
        SELECT id FROM operations WHERE chain_id = ?1 AND hash = ?2
        UNION ALL
        SELECT id FROM operations WHERE chain_id = ?1 AND bundle_tx = ?2)";

/// Stores entries (repeats ignored), each linked to its operation: the one whose hash is the
/// entry's transaction, or whose bundle is the transaction a user operation landed in.
fn insert_entries(
    tx: &rusqlite::Transaction<'_>,
    chain_id: u64,
    entries: &[Entry],
) -> Result<Vec<usize>, LedgerError> {
    let mut added = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let op: Option<i64> = tx
            .query_row(OPERATION_OF_TX, params![chain_id as i64, e.tx_hash], |r| {
                r.get(0)
            })
            .optional()?
            .flatten();
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO entries (account_id, chain_id, asset_id, direction, amount,
                 counterparty, tx_hash, block_number, operation_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                e.account_id,
                chain_id as i64,
                e.asset_id,
                e.direction,
                e.amount.to_string(),
                e.counterparty,
                e.tx_hash,
                e.block_number as i64,
                op,
                e.at
            ],
        )?;
        if inserted > 0 {
            added.push(i);
        }
    }
    Ok(added)
}

impl Ledger {
    /// Entries the wallet knows from its own operations (what a user operation moved by
    /// internal calls, which transaction lists do not show), without touching the cursor.
    pub fn record_own_entries(
        &mut self,
        chain_id: u64,
        entries: &[Entry],
    ) -> Result<usize, LedgerError> {
        let tx = self.conn.transaction()?;
        let added = insert_entries(&tx, chain_id, entries)?.len();
        // Movements of the same transaction read from the chain before the operation knew its
        // bundle (a Transfer log) get their link now.
        for e in entries {
            tx.execute(
                "UPDATE entries SET operation_id =
                     (SELECT id FROM operations WHERE chain_id = ?1 AND bundle_tx = ?2
                      ORDER BY id LIMIT 1)
                 WHERE chain_id = ?1 AND tx_hash = ?2 AND operation_id IS NULL",
                params![chain_id as i64, e.tx_hash],
            )?;
        }
        tx.commit()?;
        Ok(added)
    }

    #[cfg(test)]
    pub fn history_cursor(
        &self,
        chain_id: u64,
        account_id: i64,
    ) -> Result<Option<u64>, LedgerError> {
        Ok(self
            .conn
            .query_row(
                "SELECT block FROM history_cursors WHERE chain_id = ?1 AND account_id = ?2",
                params![chain_id as i64, account_id],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .map(|b| b as u64))
    }

    /// How far history was read, for every account on a chain that was read at all.
    pub fn history_cursors(
        &self,
        chain_id: u64,
    ) -> Result<std::collections::HashMap<i64, u64>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare("SELECT account_id, block FROM history_cursors WHERE chain_id = ?1")?;
        let rows = stmt.query_map(params![chain_id as i64], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Forgets how far history was read on a chain, so the next round reads it all again (a
    /// token added now may have moved long ago); entries already recorded stay once.
    ///
    /// It also moves the chain's history epoch on: a round that read the cursors before the
    /// reset (and so never saw the new token) must not write its cursor over the reset.
    pub fn reset_history_cursors(&mut self, chain_id: u64) -> Result<(), LedgerError> {
        let tx = self.conn.transaction()?;
        tx.execute(
            "DELETE FROM history_cursors WHERE chain_id = ?1",
            params![chain_id as i64],
        )?;
        let epoch = history_epoch(&tx, chain_id)?.saturating_add(1);
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![epoch_key(chain_id), epoch.to_string()],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// How many times the chain's history cursors were reset; read with the cursors.
    pub fn history_epoch(&self, chain_id: u64) -> Result<u64, LedgerError> {
        history_epoch(&self.conn, chain_id)
    }

    /// Records entries and moves the cursor, in one transaction: a crash leaves either both or
    /// neither, and entries already there are kept once.
    /// The cursor stays put when the history was reset since `epoch` was read: the entries
    /// found are real and kept, but the next round must read again from the start.
    pub fn record_history(
        &mut self,
        chain_id: u64,
        account_id: i64,
        entries: &[Entry],
        cursor: u64,
        epoch: u64,
    ) -> Result<Vec<usize>, LedgerError> {
        let tx = self.conn.transaction()?;
        let added = insert_entries(&tx, chain_id, entries)?;
        if history_epoch(&tx, chain_id)? != epoch {
            tx.commit()?;
            return Ok(added);
        }
        tx.execute(
            "INSERT INTO history_cursors (chain_id, account_id, block, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (chain_id, account_id) DO UPDATE SET block = max(block, ?3), updated_at = ?4",
            params![chain_id as i64, account_id, cursor as i64, now()],
        )?;
        tx.commit()?;
        Ok(added)
    }

    /// One page of entries, newest first (block, then row), with their asset, account and
    /// operation. Every filter narrows an index range (V11), so page 100 costs what page 1 does.
    pub fn history_page(
        &self,
        chain_id: u64,
        f: &HistoryFilter,
    ) -> Result<Vec<HistoryRow>, LedgerError> {
        let (sql, args) = history_sql(chain_id, f);
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            let direction: String = r.get(4)?;
            let amount: String = r.get(5)?;
            Ok(HistoryRow {
                id: r.get(0)?,
                account: r.get(1)?,
                entry: Entry {
                    account_id: r.get(2)?,
                    asset_id: r.get(3)?,
                    direction: match direction.as_str() {
                        "in" => "in",
                        "out" => "out",
                        _ => "fee",
                    },
                    amount: amount.parse().unwrap_or_default(),
                    counterparty: r.get(6)?,
                    tx_hash: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
                    block_number: r.get::<_, Option<i64>>(8)?.unwrap_or(0) as u64,
                    at: r.get(9)?,
                },
                asset: AssetRow {
                    id: r.get(10)?,
                    chain_id: r.get::<_, i64>(11)? as u64,
                    contract: r.get(12)?,
                    symbol: r.get(13)?,
                    decimals: r.get::<_, i64>(14)? as u8,
                },
                operation_id: r.get(15)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// Filling a ledger to the size of a heavy user's, for the scale benchmark
/// (`core/benches/scale.rs`): entries through the history writer (batched in transactions),
/// operations in the shape a confirmed send leaves.
#[cfg(feature = "test-support")]
impl Ledger {
    /// `operations` confirmed transfers and `entries` movements (an in, an out, a fee, …),
    /// spread round-robin over `accounts`, one block per three rows. The fee entries link to
    /// the operations whose hash they carry.
    pub fn fill_for_scale(
        &mut self,
        chain_id: u64,
        accounts: &[i64],
        asset_id: i64,
        operations: usize,
        entries: usize,
    ) -> Result<(), LedgerError> {
        let tx = self.conn.transaction()?;
        {
            let mut insert = tx.prepare(
                "INSERT INTO operations (account_id, chain_id, kind, state, to_address, asset_id,
                     amount, nonce, hash, block_number, block_hash, fee_paid, created_at,
                     updated_at)
                 VALUES (?1, ?2, 'transfer', 'confirmed', ?3, ?4, '1000000000000000', ?5, ?6,
                     ?7, ?8, '21000000000000', ?9, ?9)",
            )?;
            for n in 0..operations {
                let account = accounts[n % accounts.len()];
                insert.execute(params![
                    account,
                    chain_id as i64,
                    format!("0x{:040x}", n % 977),
                    asset_id,
                    (n / accounts.len()) as i64,
                    format!("0x{n:064x}"),
                    (n / 3) as i64,
                    format!("0x{:064x}", n / 3),
                    1_700_000_000 + n as i64,
                ])?;
            }
        }
        tx.commit()?;
        let all: Vec<Entry> = (0..entries)
            .map(|n| Entry {
                account_id: accounts[n % accounts.len()],
                asset_id,
                direction: ["in", "out", "fee"][n % 3],
                amount: U256::from(n as u64 + 1),
                counterparty: Some(format_address(&Address::from_word(
                    alloy::primitives::B256::with_last_byte((n % 251) as u8),
                ))),
                tx_hash: format!("0x{n:064x}"),
                block_number: (n / 3) as u64,
                at: 1_700_000_000 + n as i64,
            })
            .collect();
        for chunk in all.chunks(10_000) {
            self.record_own_entries(chain_id, chunk)?;
        }
        Ok(())
    }

    /// Records one more movement through the history writer, as a sync round does.
    pub fn record_one_for_scale(
        &mut self,
        chain_id: u64,
        account_id: i64,
        asset_id: i64,
        n: u64,
    ) -> Result<usize, LedgerError> {
        self.record_own_entries(
            chain_id,
            &[Entry {
                account_id,
                asset_id,
                direction: "in",
                amount: U256::from(n),
                counterparty: None,
                tx_hash: format!("0x{:064x}", u64::MAX - n),
                block_number: 1_000_000 + n,
                at: 0,
            }],
        )
    }
}

/// Which entries a history page holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// One account; every visible account when `None`.
    pub account_id: Option<i64>,
    pub asset_id: Option<i64>,
    pub direction: Option<&'static str>,
    /// EIP-55, as entries store it.
    pub counterparty: Option<String>,
    pub before: Option<HistoryCursor>,
    pub limit: u32,
}

/// One entry as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub id: i64,
    /// The account's address.
    pub account: String,
    pub entry: Entry,
    pub asset: AssetRow,
    pub operation_id: Option<i64>,
}

/// The index a page walks, named rather than left to SQLite (which without statistics cannot
/// know that a counterparty narrows more than an account, or an account more than an asset).
/// Each index ends in (block, id), so the page comes out in order without a sort.
fn history_index(f: &HistoryFilter) -> &'static str {
    if f.counterparty.is_some() {
        "entries_by_counterparty"
    } else if f.account_id.is_some() {
        "entries_by_account"
    } else if f.asset_id.is_some() {
        "entries_by_asset"
    } else {
        "entries_by_chain"
    }
}

/// The page's query: only the filters that are set, on the index `history_index` picks.
fn history_sql(chain_id: u64, f: &HistoryFilter) -> (String, Vec<SqlValue>) {
    let mut sql = format!(
        "SELECT e.id, a.address, e.account_id, e.asset_id, e.direction, e.amount, e.counterparty,
                e.tx_hash, e.block_number, e.created_at, s.id, s.chain_id, s.contract, s.symbol,
                s.decimals, e.operation_id
         FROM entries e INDEXED BY {} JOIN assets s ON s.id = e.asset_id
              JOIN accounts a ON a.id = e.account_id
         WHERE e.chain_id = ?",
        history_index(f)
    );
    let mut args = vec![SqlValue::Integer(chain_id as i64)];
    match f.account_id {
        Some(id) => {
            sql.push_str(" AND e.account_id = ?");
            args.push(SqlValue::Integer(id));
        }
        None => sql.push_str(" AND a.hidden = 0"),
    }
    if let Some(asset) = f.asset_id {
        sql.push_str(" AND e.asset_id = ?");
        args.push(SqlValue::Integer(asset));
    }
    if let Some(direction) = f.direction {
        sql.push_str(" AND e.direction = ?");
        args.push(SqlValue::Text(direction.to_string()));
    }
    if let Some(counterparty) = &f.counterparty {
        sql.push_str(" AND e.counterparty = ?");
        args.push(SqlValue::Text(counterparty.clone()));
    }
    if let Some(c) = f.before {
        sql.push_str(" AND (e.block_number, e.id) < (?, ?)");
        args.push(SqlValue::Integer(c.block as i64));
        args.push(SqlValue::Integer(c.id));
    }
    sql.push_str(" ORDER BY e.block_number DESC, e.id DESC LIMIT ?");
    args.push(SqlValue::Integer(i64::from(f.limit)));
    (sql, args)
}

/// History's service over the shared session state.
pub(crate) struct History<'a> {
    pub(crate) ctx: &'a Ctx,
}

impl History<'_> {
    crate::session::gate_methods!(HistoryError);

    /// ETH movements of `owner` in blocks after `after`, newest pages first, from the node's
    /// Otterscan API. `None` when the node does not have it.
    async fn ots_entries(
        &self,
        account: &AccountRow,
        owner: Address,
        native: &AssetRow,
        after: u64,
        head: u64,
        budget: &mut usize,
    ) -> Result<Option<(Vec<Entry>, Option<u64>)>, ChainError> {
        let chain = self.ctx.chain();
        let rpc = chain.rpc();
        match rpc.capability("ots") {
            Some(true) => {}
            Some(false) => return Ok(None),
            None => match rpc.call::<Value>("ots_getApiLevel", json!([])).await {
                Ok(_) => rpc.learn("ots", true),
                Err(ChainError::Rpc { .. }) => {
                    rpc.learn("ots", false);
                    return Ok(None);
                }
                Err(e) => return Err(e),
            },
        }
        // Oldest first from the cursor: each page moves the point up to which the history is
        // complete, so a round that runs out of pages still makes progress.
        let mut out = Vec::new();
        let mut after = after;
        loop {
            if *budget == 0 {
                return Ok(Some((out, Some(after))));
            }
            *budget -= 1;
            let page: Value = rpc
                .call("ots_searchTransactionsAfter", json!([owner, after, PAGE]))
                .await?;
            let txs = page["txs"].as_array().cloned().unwrap_or_default();
            let receipts = page["receipts"].as_array().cloned().unwrap_or_default();
            let mut newest = after;
            for (tx, receipt) in txs.iter().zip(receipts.iter()) {
                let block = u64_of(tx.get("blockNumber")).unwrap_or(0);
                if block <= after || block > head {
                    continue;
                }
                newest = newest.max(block);
                let hash = tx["hash"].as_str().unwrap_or_default().to_string();
                let from = tx["from"].as_str().and_then(|s| s.parse::<Address>().ok());
                let to = tx["to"].as_str().and_then(|s| s.parse::<Address>().ok());
                let value = u256(tx.get("value")).unwrap_or_default();
                let at = u64_of(receipt.get("timestamp")).unwrap_or(0) as i64;
                let ok = receipt["status"].as_str() != Some("0x0");
                let base = |direction, amount, counterparty: Option<Address>| Entry {
                    account_id: account.id,
                    asset_id: native.id,
                    direction,
                    amount,
                    counterparty: counterparty.map(|a| format_address(&a)),
                    tx_hash: hash.clone(),
                    block_number: block,
                    at,
                };
                if from == Some(owner) {
                    let fee = u256(receipt.get("gasUsed"))
                        .unwrap_or_default()
                        .saturating_mul(u256(receipt.get("effectiveGasPrice")).unwrap_or_default());
                    out.push(base("fee", fee, None));
                    if ok && !value.is_zero() && to != Some(owner) {
                        out.push(base("out", value, to));
                    }
                }
                if ok && to == Some(owner) && from != Some(owner) && !value.is_zero() {
                    out.push(base("in", value, from));
                }
            }
            // The newest page says so; a short page is the last one too.
            let newest_page = page["firstPage"].as_bool().unwrap_or(true);
            if newest_page || (txs.len() as u64) < PAGE || newest >= head {
                return Ok(Some((out, None)));
            }
            // A full page may end inside a block: the next one starts at that block again
            // (repeats are stored once), unless one block alone fills a page.
            after = if newest.saturating_sub(1) > after {
                newest - 1
            } else {
                newest
            };
        }
    }

    /// ETH movements of `owner` in blocks `after + 1..=head` from an Etherscan-compatible API
    /// (`module=account&action=txlist`), oldest first, one page of `EXPLORER_PAGE` rows per
    /// round. The URL may carry its own query (API key, chain id). Returns the entries and,
    /// when the page was full, the last block read completely (the next round starts after
    /// it), so a long past arrives over several rounds instead of being cut at the explorer's
    /// own limit.
    async fn explorer_entries(
        &self,
        api: &str,
        account: &AccountRow,
        owner: Address,
        native: &AssetRow,
        after: u64,
        head: u64,
    ) -> Result<(Vec<Entry>, Option<u64>), ChainError> {
        let fail = |reason: String| ChainError::Unreachable {
            url: api.to_string(),
            reason,
        };
        let sep = if api.contains('?') { '&' } else { '?' };
        let url = format!(
            "{api}{sep}module=account&action=txlist&address={owner}&startblock={}&endblock={head}&page=1&offset={EXPLORER_PAGE}&sort=asc",
            after.saturating_add(1)
        );
        let reply = reqwest::Client::builder()
            .timeout(self.ctx.network().request_timeout)
            .build()
            .map_err(|e| fail(e.to_string()))?
            .get(&url)
            .send()
            .await
            .map_err(|e| fail(e.to_string()))?;
        let body = read_capped(reply, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| match e {
                ReadError::TooLarge => ChainError::TooLarge {
                    url: api.to_string(),
                    limit: MAX_ANSWER_BYTES,
                },
                ReadError::Transport(e) => fail(e.to_string()),
            })?;
        let reply: Value = serde_json::from_slice(&body).map_err(|_| ChainError::Malformed {
            url: api.to_string(),
        })?;
        let rows = match &reply["result"] {
            Value::Array(rows) => rows.clone(),
            // "No transactions found" comes with status 0 and an empty list; any other text
            // (rate limit, bad key) is the explorer refusing.
            other => {
                return Err(ChainError::Rpc {
                    url: api.to_string(),
                    code: 0,
                    message: other
                        .as_str()
                        .unwrap_or("unexpected answer")
                        .chars()
                        .take(200)
                        .collect(),
                    data: None,
                })
            }
        };
        // Etherscan sends numbers as decimal strings.
        let dec = |v: &Value| v.as_str().and_then(|s| U256::from_str_radix(s, 10).ok());
        let block_of = |tx: &Value| {
            dec(&tx["blockNumber"])
                .and_then(|b| u64::try_from(b).ok())
                .unwrap_or(0)
        };
        // A full page may end inside a block: that block is read again next round, whole.
        // (One block holding a full page of the account's transactions is taken as it is.)
        let stop = if rows.len() >= EXPLORER_PAGE {
            let blocks = rows
                .iter()
                .map(block_of)
                .filter(|b| *b > after && *b <= head);
            let (low, high) = blocks.fold((u64::MAX, 0), |(l, h), b| (l.min(b), h.max(b)));
            Some(if low < high {
                high - 1
            } else {
                high.max(after)
            })
        } else {
            None
        };
        let last = stop.unwrap_or(head);
        let mut out = Vec::new();
        for tx in rows {
            let block = block_of(&tx);
            if block <= after || block > last {
                continue;
            }
            let from = tx["from"].as_str().and_then(|s| s.parse::<Address>().ok());
            let to = tx["to"].as_str().and_then(|s| s.parse::<Address>().ok());
            let value = dec(&tx["value"]).unwrap_or_default();
            let ok = tx["isError"].as_str() != Some("1");
            let at = dec(&tx["timeStamp"])
                .and_then(|t| i64::try_from(t).ok())
                .unwrap_or(0);
            let hash = tx["hash"].as_str().unwrap_or_default().to_lowercase();
            let base = |direction, amount, counterparty: Option<Address>| Entry {
                account_id: account.id,
                asset_id: native.id,
                direction,
                amount,
                counterparty: counterparty.map(|a| format_address(&a)),
                tx_hash: hash.clone(),
                block_number: block,
                at,
            };
            if from == Some(owner) {
                let fee = dec(&tx["gasUsed"])
                    .unwrap_or_default()
                    .saturating_mul(dec(&tx["gasPrice"]).unwrap_or_default());
                out.push(base("fee", fee, None));
                if ok && !value.is_zero() && to != Some(owner) {
                    out.push(base("out", value, to));
                }
            }
            if ok && to == Some(owner) && from != Some(owner) && !value.is_zero() {
                out.push(base("in", value, from));
            }
        }
        Ok((out, stop))
    }

    /// ERC-20 transfers of the known tokens to and from `owner` in blocks `from..=to`: two log
    /// queries in one request, whatever the number of tokens.
    async fn token_entries(
        &self,
        account: &AccountRow,
        owner: Address,
        tokens: &[AssetRow],
        from: u64,
        to: u64,
    ) -> Result<Vec<Entry>, ChainError> {
        let contracts: Vec<&str> = tokens
            .iter()
            .filter_map(|t| t.contract.as_deref())
            .collect();
        if contracts.is_empty() || from > to {
            return Ok(Vec::new());
        }
        let range = |topics: Value| {
            json!([{"fromBlock": format!("0x{from:x}"), "toBlock": format!("0x{to:x}"),
                    "address": contracts, "topics": topics}])
        };
        let me = topic_of(owner);
        let calls = [
            ("eth_getLogs", range(json!([TRANSFER_TOPIC, me]))),
            ("eth_getLogs", range(json!([TRANSFER_TOPIC, null, me]))),
        ];
        let mut out = Vec::new();
        for reply in self.ctx.chain().rpc().batch(&calls).await? {
            for log in reply?.as_array().cloned().unwrap_or_default() {
                let topics = log["topics"].as_array().cloned().unwrap_or_default();
                let (Some(src), Some(dst)) = (
                    topics.get(1).and_then(address_of_topic),
                    topics.get(2).and_then(address_of_topic),
                ) else {
                    continue;
                };
                let contract = log["address"]
                    .as_str()
                    .and_then(|s| s.parse::<Address>().ok());
                let Some(asset) = tokens.iter().find(|t| {
                    t.contract
                        .as_deref()
                        .and_then(|c| c.parse::<Address>().ok())
                        == contract
                }) else {
                    continue;
                };
                let data = log["data"]
                    .as_str()
                    .unwrap_or("0x")
                    .trim_start_matches("0x");
                let amount = U256::from_str_radix(if data.is_empty() { "0" } else { data }, 16)
                    .unwrap_or_default();
                let (direction, counterparty) = if src == owner {
                    ("out", dst)
                } else {
                    ("in", src)
                };
                if src == owner && dst == owner {
                    continue;
                }
                out.push(Entry {
                    account_id: account.id,
                    asset_id: asset.id,
                    direction,
                    amount,
                    counterparty: Some(format_address(&counterparty)),
                    tx_hash: log["transactionHash"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                    block_number: u64_of(log.get("blockNumber")).unwrap_or(0),
                    at: 0,
                });
            }
        }
        Ok(out)
    }

    /// Reads new history for every account up to `head`. Called by the sync worker.
    /// Reads the history of the accounts in `only` (and of those never read) up to `head`,
    /// within a budget of Otterscan pages per round. Returns the accounts whose history is not
    /// complete yet: the next round goes on with them.
    pub(crate) async fn sync_history(&self, head: u64, only: &[i64]) -> Result<Vec<i64>> {
        let chain_id = self.ctx.network().chain_id;
        let (accounts, assets, cursors, epoch) = self
            .with_session_quiet(|s| {
                let accounts = s.ledger.accounts(true)?;
                let read = s.ledger.history_cursors(chain_id)?;
                let cursors: Vec<Option<u64>> =
                    accounts.iter().map(|a| read.get(&a.id).copied()).collect();
                let epoch = s.ledger.history_epoch(chain_id)?;
                Ok((accounts, s.ledger.assets(chain_id)?, cursors, epoch))
            })
            .await?;
        let Some(native) = assets.iter().find(|a| a.contract.is_none()).cloned() else {
            return Ok(Vec::new());
        };
        let mut budget = PAGES_PER_ROUND;
        let mut log_budget = LOG_SPANS_PER_ROUND;
        let mut unfinished = Vec::new();
        let tokens: Vec<AssetRow> = assets
            .iter()
            .filter(|a| a.contract.is_some())
            .cloned()
            .collect();
        for (account, cursor) in accounts.iter().zip(cursors) {
            // Nothing happened to it since its cursor: its next change reads from there.
            if cursor.is_some() && !only.contains(&account.id) {
                continue;
            }
            // `None`: never read; everything from genesis.
            let after = cursor.unwrap_or(0);
            if cursor.is_some() && after >= head {
                continue;
            }
            let owner: Address = account
                .address
                .parse()
                .map_err(|_| HistoryError::Internal("a stored address does not parse".into()))?;
            let found = self
                .ots_entries(account, owner, &native, after, head, &mut budget)
                .await?;
            // How far this round's reading is complete: the head, or where the pages ran out.
            let (mut entries, reached) = match found {
                Some((e, stop)) => (e, stop.unwrap_or(head)),
                None => match self.ctx.network().explorer_api_url {
                    Some(api) => {
                        let (e, stop) = self
                            .explorer_entries(&api, account, owner, &native, after, head)
                            .await?;
                        (e, stop.unwrap_or(head))
                    }
                    None => {
                        tracing::debug!(
                            "no Otterscan API and no explorer: ETH history from own operations only"
                        );
                        (Vec::new(), head)
                    }
                },
            };
            let from = if cursor.is_some() { after + 1 } else { 0 };
            // Token transfers in spans a public provider serves, a bounded number per round;
            // the cursor goes no further than both readings got.
            let mut reached = reached;
            if !tokens.is_empty() {
                let span = self.ctx.network().log_span_blocks.max(1);
                let mut next = from;
                while next <= reached && log_budget > 0 {
                    let to = reached.min(next.saturating_add(span - 1));
                    entries.extend(
                        self.token_entries(account, owner, &tokens, next, to)
                            .await?,
                    );
                    log_budget -= 1;
                    next = to.saturating_add(1);
                }
                reached = reached.min(next.saturating_sub(1)).max(after);
            }
            let added = self
                .with_session_quiet(|s| {
                    Ok(s.ledger
                        .record_history(chain_id, account.id, &entries, reached, epoch)?)
                })
                .await?;
            if !added.is_empty() {
                tracing::info!(account = %account.address, added = added.len(), "history entries recorded");
            }
            // Funds that arrived since the account was last read are news; an account's first
            // reading finds its whole past, which is not. Transfers between the wallet's own
            // accounts are told by the sending operation's notice.
            if cursor.is_some() {
                let incoming = added
                    .iter()
                    .filter_map(|i| entries.get(*i))
                    .filter(|e| e.direction == "in")
                    .filter(|e| {
                        !e.counterparty.as_deref().is_some_and(|c| {
                            accounts.iter().any(|a| a.address.eq_ignore_ascii_case(c))
                        })
                    });
                for e in incoming.take(NOTICES_PER_ACCOUNT_ROUND) {
                    // A token whose decimals cannot format is told of nowhere else either.
                    let Some((asset, amount)) = assets
                        .iter()
                        .find(|a| a.id == e.asset_id)
                        .and_then(|a| Some((a, format_units(e.amount, a.decimals).ok()?)))
                    else {
                        continue;
                    };
                    self.ctx
                        .emit(crate::session::WalletEvent::Notice(Notice::Received {
                            account: account.address.clone(),
                            amount,
                            symbol: asset.symbol.clone(),
                            from: e.counterparty.clone(),
                            tx_hash: e.tx_hash.clone(),
                        }));
                }
            }
            if reached < head {
                unfinished.push(account.id);
            }
        }
        Ok(unfinished)
    }

    /// One page of history on the active network: one account or all, newest first.
    pub(crate) async fn history_page(&self, q: &HistoryQuery) -> Result<HistoryPage> {
        let limit = page::limit(q.limit)?;
        let before = q.before.as_deref().map(HistoryCursor::parse).transpose()?;
        let direction = match q.direction.as_deref() {
            None => None,
            Some("in") => Some("in"),
            Some("out") => Some("out"),
            Some("fee") => Some("fee"),
            Some(other) => return Err(PageError::BadDirection(page::quote(other)).into()),
        };
        let account = q
            .account
            .as_deref()
            .map(|a| crate::primitives::units::parse_address(a).map(|a| format_address(&a)))
            .transpose()?;
        let counterparty = q
            .counterparty
            .as_deref()
            .map(|a| crate::primitives::units::parse_address(a).map(|a| format_address(&a)))
            .transpose()?;
        let chain_id = self.ctx.network().chain_id;
        self.with_session(|s| {
            let (account_id, asset_id) = crate::ops::list_scope::<HistoryError>(
                &s.ledger,
                chain_id,
                account.as_deref(),
                q.asset.as_deref(),
            )?;
            // One row more than the page tells whether an older page exists.
            let mut rows = s.ledger.history_page(
                chain_id,
                &HistoryFilter {
                    account_id,
                    asset_id,
                    direction,
                    counterparty: counterparty.clone(),
                    before,
                    limit: limit + 1,
                },
            )?;
            let next = page::finish(&mut rows, limit, |r| {
                HistoryCursor {
                    block: r.entry.block_number,
                    id: r.id,
                }
                .encode()
            });
            let entries = rows
                .into_iter()
                .map(|r| HistoryEntry {
                    account: r.account,
                    tx_hash: r.entry.tx_hash,
                    block_number: r.entry.block_number,
                    direction: r.entry.direction.to_string(),
                    symbol: r.asset.symbol.clone(),
                    token: r.asset.contract.clone(),
                    amount: format_units(r.entry.amount, r.asset.decimals)
                        .unwrap_or_else(|_| r.entry.amount.to_string()),
                    counterparty: r.entry.counterparty,
                    operation_id: r.operation_id,
                    at: r.entry.at,
                })
                .collect();
            Ok(HistoryPage { entries, next })
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ledger::test_keys;
    use crate::store::ledger::NewAccount;

    #[test]
    fn every_history_page_reads_an_index_range_in_order() {
        // Page 100 must cost what page 1 costs at 100 000 entries (issue 13): every filter,
        // with or without a cursor, walks the range of its index in (block, id) order.
        let dir = tempfile::tempdir().unwrap();
        let l = Ledger::open(dir.path(), &test_keys(3)).unwrap();
        for account_id in [None, Some(1)] {
            for asset_id in [None, Some(1)] {
                for direction in [None, Some("in")] {
                    for counterparty in [None, Some("0xabc".to_string())] {
                        for before in [None, Some(HistoryCursor { block: 9, id: 9 })] {
                            let f = HistoryFilter {
                                account_id,
                                asset_id,
                                direction,
                                counterparty: counterparty.clone(),
                                before,
                                limit: 51,
                            };
                            let (sql, _) = history_sql(1, &f);
                            let plan = crate::store::operations::tests::plan(&l, &sql);
                            let index = history_index(&f);
                            let range = match index {
                                "entries_by_counterparty" => "(chain_id=? AND counterparty=?",
                                "entries_by_account" => "(account_id=? AND chain_id=?",
                                "entries_by_asset" => "(chain_id=? AND asset_id=?",
                                _ => "(chain_id=?",
                            };
                            let step = plan
                                .lines()
                                .find(|step| step.starts_with("SEARCH e "))
                                .unwrap_or_default();
                            assert!(
                                step.starts_with(&format!("SEARCH e USING INDEX {index} {range}")),
                                "{f:?}\n{plan}"
                            );
                            assert_eq!(
                                step.contains("block_number"),
                                before.is_some(),
                                "{f:?}\n{plan}"
                            );
                            assert!(!plan.contains("TEMP B-TREE"), "{f:?}\n{plan}");
                            assert!(!plan.contains("SCAN e"), "{f:?}\n{plan}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn an_entry_finds_its_operation_through_two_index_seeks() {
        // At 100 000 operations a scan made recording one entry ~30 ms under the session lock
        // (issue 13): the lookup must seek both indexes and scan nothing.
        let dir = tempfile::tempdir().unwrap();
        let l = Ledger::open(dir.path(), &test_keys(3)).unwrap();
        let plan = crate::store::operations::tests::plan(&l, OPERATION_OF_TX);
        assert!(!plan.contains("SCAN operations"), "{plan}");
        assert_eq!(plan.matches("SEARCH operations USING").count(), 2, "{plan}");
        assert!(plan.contains("INDEX operations_by_bundle"), "{plan}");
    }

    /// An imported key's account, the only one.
    fn key_account(ledger: &mut Ledger) -> AccountRow {
        ledger
            .insert_key_source(
                "private_key",
                "Imported key",
                true,
                |_| Ok(vec![1, 2, 3]),
                NewAccount {
                    derivation_index: None,
                    address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
                    name: "Account 1",
                },
                crate::store::audit::AuditEvent::WalletCreated,
            )
            .unwrap()
    }

    #[test]
    fn pages_hold_every_entry_once_while_new_ones_arrive() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path(), &test_keys(7)).unwrap();
        let network = crate::chain::network::Network::devnet("http://127.0.0.1:1");
        let native = ledger.ensure_network(&network).unwrap();
        let chain_id = network.chain_id;
        let account = key_account(&mut ledger);
        // Three movements in most blocks, so pages end mid-block and the id breaks ties.
        let entry = |n: u64, block: u64| Entry {
            account_id: account.id,
            asset_id: native.id,
            direction: "in",
            amount: U256::from(n),
            counterparty: None,
            tx_hash: format!("0x{n:064x}"),
            block_number: block,
            at: 0,
        };
        let first: Vec<Entry> = (0..100).map(|n| entry(n, 10 + n / 3)).collect();
        ledger.record_own_entries(chain_id, &first).unwrap();
        let mut seen = Vec::new();
        let mut before = None;
        let mut arriving = 1000;
        loop {
            let rows = ledger
                .history_page(
                    chain_id,
                    &HistoryFilter {
                        account_id: Some(account.id),
                        before,
                        limit: 7,
                        ..HistoryFilter::default()
                    },
                )
                .unwrap();
            let Some(last) = rows.last() else { break };
            before = Some(HistoryCursor {
                block: last.entry.block_number,
                id: last.id,
            });
            seen.extend(rows.iter().map(|r| r.entry.amount.to::<u64>()));
            // Newer blocks arrive between pages, in the middle of the user's paging.
            ledger
                .record_own_entries(chain_id, &[entry(arriving, 500 + arriving)])
                .unwrap();
            arriving += 1;
        }
        let expected: Vec<u64> = (0..100).rev().collect();
        assert_eq!(seen, expected, "every entry once, newest first");
    }

    #[test]
    fn a_round_that_read_before_a_reset_does_not_move_the_cursor_over_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path(), &test_keys(7)).unwrap();
        let account = key_account(&mut ledger);
        // A round reads the cursor and the epoch; a token is added meanwhile (reset); the round
        // finishes at block 50.
        let epoch = ledger.history_epoch(1).unwrap();
        assert_eq!(ledger.history_cursor(1, account.id).unwrap(), None);
        ledger.reset_history_cursors(1).unwrap();
        ledger
            .record_history(1, account.id, &[], 50, epoch)
            .unwrap();
        assert_eq!(
            ledger.history_cursor(1, account.id).unwrap(),
            None,
            "the stale round moved the cursor: the new token's past would never be read"
        );
        // The next round, with the epoch it read, moves it.
        let epoch = ledger.history_epoch(1).unwrap();
        ledger
            .record_history(1, account.id, &[], 60, epoch)
            .unwrap();
        assert_eq!(ledger.history_cursor(1, account.id).unwrap(), Some(60));
        // Another chain's reset leaves this one alone.
        ledger.reset_history_cursors(5).unwrap();
        assert_eq!(ledger.history_epoch(1).unwrap(), epoch);
    }
}
