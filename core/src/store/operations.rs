//! Operations in the ledger: the user's sends and their lifecycle
//! (`draft → authorized → signed → queued → submitted → included → confirmed`, or `failed`,
//! `replaced`, `dropped`, `needs_resign`), each transition one SQLite transaction with its row in
//! `operation_transitions`; plus what sending needs to remember between sessions: assets, last
//! seen balances, chain nonces and fee quotes.

use std::str::FromStr;

use alloy::primitives::U256;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, OptionalExtension, Transaction};

use crate::chain::network::Network;
use crate::store::audit::AuditEvent;
use crate::store::ledger::{now, Ledger, LedgerError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpState {
    Draft,
    Authorized,
    Signed,
    Queued,
    Submitted,
    Included,
    Confirmed,
    Failed,
    Replaced,
    Dropped,
    NeedsResign,
}

impl OpState {
    pub const ALL: [OpState; 11] = [
        OpState::Draft,
        OpState::Authorized,
        OpState::Signed,
        OpState::Queued,
        OpState::Submitted,
        OpState::Included,
        OpState::Confirmed,
        OpState::Failed,
        OpState::Replaced,
        OpState::Dropped,
        OpState::NeedsResign,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OpState::Draft => "draft",
            OpState::Authorized => "authorized",
            OpState::Signed => "signed",
            OpState::Queued => "queued",
            OpState::Submitted => "submitted",
            OpState::Included => "included",
            OpState::Confirmed => "confirmed",
            OpState::Failed => "failed",
            OpState::Replaced => "replaced",
            OpState::Dropped => "dropped",
            OpState::NeedsResign => "needs_resign",
        }
    }

    /// Promised but not yet on chain: counts against the available balance.
    pub fn is_pending_outgoing(self) -> bool {
        matches!(
            self,
            OpState::Authorized
                | OpState::Signed
                | OpState::Queued
                | OpState::Submitted
                | OpState::NeedsResign
        )
    }

    /// Nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OpState::Confirmed | OpState::Failed | OpState::Replaced | OpState::Dropped
        )
    }
}

impl FromStr for OpState {
    type Err = LedgerError;
    fn from_str(s: &str) -> Result<OpState, LedgerError> {
        OpState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| LedgerError::Integrity(format!("unknown operation state {s:?}")))
    }
}

/// Operations in states other than `confirmed` are few whatever the ledger's size.
fn few_states(f: &ActivityFilter) -> bool {
    f.states
        .as_ref()
        .is_some_and(|s| !s.is_empty() && !s.contains(&OpState::Confirmed))
}

/// The index a page walks, named rather than left to SQLite: without statistics it cannot know
/// that a recipient narrows more than an account, or an account more than an asset, and a wrong
/// guess skips through most of the ledger to fill a page. Most selective first: states that
/// are not final or failed (few), a recipient, an account, an asset, `confirmed` alone, the
/// chain. Each index ends in `id`, so the page comes out in order without a sort.
pub(crate) fn activity_index(f: &ActivityFilter) -> &'static str {
    let confirmed_only = f.states.as_deref() == Some(&[OpState::Confirmed][..]);
    if few_states(f) {
        "operations_by_state_id"
    } else if f.counterparty.is_some() {
        "operations_by_recipient"
    } else if f.account_id.is_some() {
        "operations_by_account_id"
    } else if f.asset_id.is_some() {
        "operations_by_asset"
    } else if confirmed_only {
        "operations_by_state_id"
    } else {
        "operations_by_chain_id"
    }
}

/// The activity page's query: only the filters that are set, on the index `activity_index`
/// picks.
pub(crate) fn activity_sql(chain_id: u64, f: &ActivityFilter) -> (String, Vec<SqlValue>) {
    let from = OP_FROM.replacen(
        "operations o",
        &format!("operations o INDEXED BY {}", activity_index(f)),
        1,
    );
    let mut sql = format!("SELECT {OP_COLUMNS} {from} WHERE o.chain_id = ?");
    let mut args = vec![SqlValue::Integer(chain_id as i64)];
    match f.account_id {
        Some(id) => {
            sql.push_str(" AND o.account_id = ?");
            args.push(SqlValue::Integer(id));
        }
        None => sql.push_str(" AND a.hidden = 0"),
    }
    match &f.states {
        Some(states) => {
            // Confirmed operations are most of a ledger. A set with them and others (`ended`)
            // is written as the few states it leaves out, so the walk in id order serves and
            // nothing is sorted; any other set seeks its states' ranges (one state: in order;
            // several, e.g. `pending`: a sort of the few not yet final). From the enum, never
            // from input: safe to inline.
            let wanted: Vec<OpState> = OpState::ALL
                .into_iter()
                .filter(|s| *s != OpState::Draft && states.contains(s))
                .collect();
            let others: Vec<OpState> = OpState::ALL
                .into_iter()
                .filter(|s| !wanted.contains(s))
                .collect();
            let list = |states: &[OpState]| {
                states
                    .iter()
                    .map(|s| format!("'{}'", s.as_str()))
                    .collect::<Vec<_>>()
                    .join(",")
            };
            if few_states(f) || wanted.len() == 1 {
                sql.push_str(&format!(" AND o.state IN ({})", list(&wanted)));
            } else {
                sql.push_str(&format!(" AND o.state NOT IN ({})", list(&others)));
            }
        }
        None => sql.push_str(" AND o.state != 'draft'"),
    }
    if let Some(asset) = f.asset_id {
        sql.push_str(" AND o.asset_id = ?");
        args.push(SqlValue::Integer(asset));
    }
    if let Some(to) = &f.counterparty {
        sql.push_str(" AND o.to_address = ?");
        args.push(SqlValue::Text(to.clone()));
    }
    if let Some(before) = f.before {
        sql.push_str(" AND o.id < ?");
        args.push(SqlValue::Integer(before));
    }
    sql.push_str(" ORDER BY o.id DESC LIMIT ?");
    args.push(SqlValue::Integer(i64::from(f.limit)));
    (sql, args)
}

/// The ways of reading an activity page the scale bench measures beside the real one.
#[cfg(feature = "test-support")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityBaseline {
    /// The same query and index, paged by `OFFSET` instead of a cursor: page N walks N pages.
    Offset,
}

/// `states` as an SQL list of literals (the names are ours, never input).
fn sql_states(states: &[OpState]) -> String {
    states
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(feature = "test-support")]
impl Ledger {
    /// Reads page `page` (0-based) of every visible account's activity the `how` way; returns
    /// the rows read. For the scale bench's same-run baselines only.
    pub fn activity_baseline(
        &self,
        chain_id: u64,
        how: ActivityBaseline,
        page: u32,
        limit: u32,
    ) -> Result<usize, LedgerError> {
        let filter = ActivityFilter {
            limit,
            ..ActivityFilter::default()
        };
        let (mut sql, args) = activity_sql(chain_id, &filter);
        match how {
            ActivityBaseline::Offset => sql.push_str(&format!(" OFFSET {}", page * limit)),
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |_| Ok(()))?;
        Ok(rows.count())
    }
}

/// Which operations an activity page holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    /// One account (the sender); every visible account when `None`.
    pub account_id: Option<i64>,
    /// Any of these states; every state but `draft` when `None`.
    pub states: Option<Vec<OpState>>,
    pub asset_id: Option<i64>,
    /// The recipient, EIP-55.
    pub counterparty: Option<String>,
    /// Only operations older than this id.
    pub before: Option<i64>,
    pub limit: u32,
}

/// A row of `assets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetRow {
    pub id: i64,
    pub chain_id: u64,
    /// `None` for the native currency.
    pub contract: Option<String>,
    pub symbol: String,
    pub decimals: u8,
}

/// An operation as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRow {
    pub id: i64,
    pub account_id: i64,
    pub from: String,
    pub chain_id: u64,
    pub kind: String,
    pub state: OpState,
    pub to: Option<String>,
    pub asset: Option<AssetRow>,
    pub amount: U256,
    pub nonce: Option<u64>,
    pub hash: Option<String>,
    pub signed_payload: Option<Vec<u8>>,
    pub tx_to: Option<String>,
    pub tx_value: U256,
    pub tx_data: Vec<u8>,
    pub gas_limit: u64,
    pub max_fee_per_gas: U256,
    pub max_priority_fee_per_gas: U256,
    pub block_number: Option<u64>,
    pub block_hash: Option<String>,
    pub fee_paid: Option<U256>,
    pub error: Option<String>,
    pub replaces: Option<i64>,
    pub attempts: u32,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// For a user operation: the signed operation (bundler JSON), its EntryPoint, the paymaster
    /// paying its gas (if any) and the bundle transaction it landed in.
    pub user_op: Option<String>,
    pub entry_point: Option<String>,
    pub paymaster: Option<String>,
    pub bundle_tx: Option<String>,
}

/// What a new operation is, before anything is signed.
#[derive(Debug, Clone)]
pub struct NewOperation {
    pub account_id: i64,
    pub chain_id: u64,
    pub kind: String,
    pub to: String,
    pub asset_id: i64,
    pub amount: U256,
    pub replaces: Option<i64>,
}

/// Columns a transition sets besides the state (unset fields stay as they are).
#[derive(Debug, Default, Clone)]
pub struct OpChange {
    pub nonce: Option<u64>,
    pub hash: Option<String>,
    pub signed_payload: Option<Vec<u8>>,
    pub tx_to: Option<String>,
    pub tx_value: Option<U256>,
    pub tx_data: Option<Vec<u8>>,
    pub gas_limit: Option<u64>,
    pub max_fee_per_gas: Option<U256>,
    pub max_priority_fee_per_gas: Option<U256>,
    pub block: Option<(u64, String)>,
    /// Clears the inclusion block (a reorg dropped it).
    pub clear_block: bool,
    pub fee_paid: Option<U256>,
    pub error: Option<String>,
    pub attempts: Option<(u32, i64)>,
    pub user_op: Option<String>,
    pub entry_point: Option<String>,
    pub paymaster: Option<String>,
    pub bundle_tx: Option<String>,
}

/// The last fee market seen on a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeQuote {
    pub base_fee: U256,
    pub tips: [U256; 3],
    pub block_number: u64,
    pub updated_at: i64,
}

fn text_u256(s: Option<String>) -> U256 {
    s.and_then(|s| U256::from_str(&s).ok()).unwrap_or_default()
}

const OP_COLUMNS: &str = "o.id, o.account_id, a.address, o.chain_id, o.kind, o.state, o.to_address,
    o.asset_id, o.amount, o.nonce, o.hash, o.signed_payload, o.tx_to, o.tx_value, o.tx_data,
    o.gas_limit, o.max_fee_per_gas, o.max_priority_fee_per_gas, o.block_number, o.block_hash,
    o.fee_paid, o.error, o.replaces, o.attempts, o.next_attempt_at, o.created_at, o.updated_at,
    s.id, s.chain_id, s.contract, s.symbol, s.decimals,
    o.user_op, o.entry_point, o.paymaster, o.bundle_tx";
const OP_FROM: &str = "FROM operations o JOIN accounts a ON a.id = o.account_id
    LEFT JOIN assets s ON s.id = o.asset_id";

fn op_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(OperationRow, String)> {
    let state: String = r.get(5)?;
    let asset = match r.get::<_, Option<i64>>(27)? {
        Some(id) => Some(AssetRow {
            id,
            chain_id: r.get::<_, i64>(28)? as u64,
            contract: r.get(29)?,
            symbol: r.get(30)?,
            decimals: r.get::<_, i64>(31)? as u8,
        }),
        None => None,
    };
    Ok((
        OperationRow {
            id: r.get(0)?,
            account_id: r.get(1)?,
            from: r.get(2)?,
            chain_id: r.get::<_, i64>(3)? as u64,
            kind: r.get(4)?,
            state: OpState::Draft,
            to: r.get(6)?,
            asset,
            amount: text_u256(r.get(8)?),
            nonce: r.get::<_, Option<i64>>(9)?.map(|n| n as u64),
            hash: r.get(10)?,
            signed_payload: r.get(11)?,
            tx_to: r.get(12)?,
            tx_value: text_u256(r.get(13)?),
            tx_data: r.get::<_, Option<Vec<u8>>>(14)?.unwrap_or_default(),
            gas_limit: text_u256(r.get(15)?).try_into().unwrap_or(0),
            max_fee_per_gas: text_u256(r.get(16)?),
            max_priority_fee_per_gas: text_u256(r.get(17)?),
            block_number: r.get::<_, Option<i64>>(18)?.map(|n| n as u64),
            block_hash: r.get(19)?,
            fee_paid: r.get::<_, Option<String>>(20)?.map(|s| text_u256(Some(s))),
            error: r.get(21)?,
            replaces: r.get(22)?,
            attempts: r.get::<_, i64>(23)? as u32,
            next_attempt_at: r.get(24)?,
            created_at: r.get(25)?,
            updated_at: r.get(26)?,
            user_op: r.get(32)?,
            entry_point: r.get(33)?,
            paymaster: r.get(34)?,
            bundle_tx: r.get(35)?,
        },
        state,
    ))
}

fn with_state((mut row, state): (OperationRow, String)) -> Result<OperationRow, LedgerError> {
    row.state = state.parse()?;
    Ok(row)
}

fn asset_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AssetRow> {
    Ok(AssetRow {
        id: r.get(0)?,
        chain_id: r.get::<_, i64>(1)? as u64,
        contract: r.get(2)?,
        symbol: r.get(3)?,
        decimals: r.get::<_, i64>(4)? as u8,
    })
}

impl Ledger {
    /// Records the network (so its assets can refer to it) and its native currency; returns the
    /// native asset.
    pub fn ensure_network(&mut self, network: &Network) -> Result<AssetRow, LedgerError> {
        let urls = serde_json::to_string(&network.rpc_urls)
            .map_err(|e| LedgerError::Integrity(e.to_string()))?;
        let tx = self.conn.transaction()?;
        tx.execute(
            "INSERT INTO networks (chain_id, name, currency_symbol, currency_decimals, rpc_urls,
                 bundler_url, paymaster_url, explorer_api_url, confirmations, fee_ceiling_gwei,
                 ws_url, log_span_blocks)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT (chain_id) DO UPDATE SET name = ?2, currency_symbol = ?3,
                 currency_decimals = ?4, rpc_urls = ?5, bundler_url = ?6, paymaster_url = ?7,
                 explorer_api_url = ?8, confirmations = ?9, fee_ceiling_gwei = ?10,
                 ws_url = ?11, log_span_blocks = ?12",
            params![
                network.chain_id as i64,
                network.name,
                network.currency_symbol,
                network.currency_decimals,
                urls,
                network.bundler_url,
                network.paymaster_url,
                network.explorer_api_url,
                network.confirmations as i64,
                network.fee_ceiling_gwei as i64,
                network.ws_url,
                network.log_span_blocks as i64
            ],
        )?;
        // The native asset has no contract; SQLite's UNIQUE lets NULLs repeat, so look first.
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM assets WHERE chain_id = ?1 AND contract IS NULL",
                params![network.chain_id as i64],
                |r| r.get(0),
            )
            .optional()?;
        if existing.is_none() {
            tx.execute(
                "INSERT INTO assets (chain_id, kind, contract, symbol, decimals)
                 VALUES (?1, 'native', NULL, ?2, ?3)",
                params![
                    network.chain_id as i64,
                    network.currency_symbol,
                    network.currency_decimals
                ],
            )?;
        }
        tx.commit()?;
        self.asset(network.chain_id, None)
    }

    /// The native asset (`contract == None`) or a token of a chain.
    pub fn asset(&self, chain_id: u64, contract: Option<&str>) -> Result<AssetRow, LedgerError> {
        let found = match contract {
            None => self.conn.query_row(
                "SELECT id, chain_id, contract, symbol, decimals FROM assets
                 WHERE chain_id = ?1 AND contract IS NULL",
                params![chain_id as i64],
                asset_row,
            ),
            Some(c) => self.conn.query_row(
                "SELECT id, chain_id, contract, symbol, decimals FROM assets
                 WHERE chain_id = ?1 AND contract = ?2",
                params![chain_id as i64, c],
                asset_row,
            ),
        }
        .optional()?;
        found.ok_or_else(|| LedgerError::NotFound(contract.unwrap_or("native currency").into()))
    }

    /// The asset a list filter names: `native`, or a token's contract address in any case.
    /// `None` when the chain has no such asset.
    pub fn asset_named(&self, chain_id: u64, name: &str) -> Result<Option<AssetRow>, LedgerError> {
        let contract = if name.eq_ignore_ascii_case("native") {
            None
        } else {
            match crate::primitives::units::parse_address(name) {
                Ok(a) => Some(crate::primitives::units::format_address(&a)),
                Err(_) => return Ok(None),
            }
        };
        match self.asset(chain_id, contract.as_deref()) {
            Ok(a) => Ok(Some(a)),
            Err(LedgerError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every asset of a chain, the native one first.
    pub fn assets(&self, chain_id: u64) -> Result<Vec<AssetRow>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, chain_id, contract, symbol, decimals FROM assets WHERE chain_id = ?1
             ORDER BY contract IS NOT NULL, symbol",
        )?;
        let rows = stmt.query_map(params![chain_id as i64], asset_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Adds an ERC-20 token (already checked on chain by the caller).
    pub fn add_token(
        &mut self,
        chain_id: u64,
        contract: &str,
        symbol: &str,
        decimals: u8,
    ) -> Result<AssetRow, LedgerError> {
        let detail = format!("token {symbol} {contract} on chain {chain_id}");
        self.audited(AuditEvent::SettingChanged, &detail, |tx| {
            let inserted = tx.execute(
                "INSERT INTO assets (chain_id, kind, contract, symbol, decimals)
                 VALUES (?1, 'erc20', ?2, ?3, ?4)",
                params![chain_id as i64, contract, symbol, decimals],
            );
            match inserted {
                Ok(_) => Ok(()),
                Err(rusqlite::Error::SqliteFailure(f, _))
                    if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
                {
                    Err(LedgerError::Duplicate(format!("token {contract}")))
                }
                Err(e) => Err(e.into()),
            }
        })?;
        self.asset(chain_id, Some(contract))
    }

    pub fn set_balance(
        &mut self,
        account_id: i64,
        asset_id: i64,
        confirmed: U256,
        block_number: u64,
    ) -> Result<(), LedgerError> {
        self.conn.execute(
            "INSERT INTO balances (account_id, asset_id, confirmed, block_number, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (account_id, asset_id) DO UPDATE SET confirmed = ?3, block_number = ?4,
                 updated_at = ?5
             WHERE ?4 >= balances.block_number",
            params![
                account_id,
                asset_id,
                confirmed.to_string(),
                block_number as i64,
                now()
            ],
        )?;
        Ok(())
    }

    /// The last confirmed balance seen and its block, if any.
    pub fn balance(
        &self,
        account_id: i64,
        asset_id: i64,
    ) -> Result<Option<(U256, u64)>, LedgerError> {
        Ok(self
            .conn
            .query_row(
                "SELECT confirmed, block_number FROM balances WHERE account_id = ?1 AND asset_id = ?2",
                params![account_id, asset_id],
                |r| Ok((text_u256(r.get(0)?), r.get::<_, i64>(1)? as u64)),
            )
            .optional()?)
    }

    /// Every last-seen balance on a chain, by (account, asset): one read for a sync round
    /// instead of one per pair.
    pub fn balances_on(
        &self,
        chain_id: u64,
    ) -> Result<std::collections::HashMap<(i64, i64), U256>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT b.account_id, b.asset_id, b.confirmed FROM balances b
             JOIN assets s ON s.id = b.asset_id WHERE s.chain_id = ?1",
        )?;
        let rows = stmt.query_map(params![chain_id as i64], |r| {
            Ok((
                (r.get::<_, i64>(0)?, r.get::<_, i64>(1)?),
                text_u256(r.get(2)?),
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn set_chain_nonce(
        &mut self,
        chain_id: u64,
        account_id: i64,
        nonce: u64,
    ) -> Result<(), LedgerError> {
        self.conn.execute(
            "INSERT INTO chain_nonces (chain_id, account_id, nonce, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (chain_id, account_id) DO UPDATE SET nonce = ?3, updated_at = ?4",
            params![chain_id as i64, account_id, nonce as i64, now()],
        )?;
        Ok(())
    }

    pub fn chain_nonce(&self, chain_id: u64, account_id: i64) -> Result<Option<u64>, LedgerError> {
        Ok(self
            .conn
            .query_row(
                "SELECT nonce FROM chain_nonces WHERE chain_id = ?1 AND account_id = ?2",
                params![chain_id as i64, account_id],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .map(|n| n as u64))
    }

    /// The highest nonce of this account's operations that still hold one (not dropped, not
    /// waiting for a new signature).
    pub fn highest_local_nonce(
        &self,
        chain_id: u64,
        account_id: i64,
    ) -> Result<Option<u64>, LedgerError> {
        Ok(self
            .conn
            .query_row(
                "SELECT max(nonce) FROM operations WHERE chain_id = ?1 AND account_id = ?2
                 AND nonce IS NOT NULL AND state NOT IN ('dropped', 'needs_resign', 'failed')",
                params![chain_id as i64, account_id],
                |r| r.get::<_, Option<i64>>(0),
            )?
            .map(|n| n as u64))
    }

    pub fn set_fee_quote(&mut self, chain_id: u64, q: &FeeQuote) -> Result<(), LedgerError> {
        self.conn.execute(
            "INSERT INTO fee_quotes (chain_id, base_fee, tip_slow, tip_normal, tip_fast, block_number, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (chain_id) DO UPDATE SET base_fee = ?2, tip_slow = ?3, tip_normal = ?4,
                 tip_fast = ?5, block_number = ?6, updated_at = ?7",
            params![
                chain_id as i64,
                q.base_fee.to_string(),
                q.tips[0].to_string(),
                q.tips[1].to_string(),
                q.tips[2].to_string(),
                q.block_number as i64,
                q.updated_at
            ],
        )?;
        Ok(())
    }

    pub fn fee_quote(&self, chain_id: u64) -> Result<Option<FeeQuote>, LedgerError> {
        Ok(self
            .conn
            .query_row(
                "SELECT base_fee, tip_slow, tip_normal, tip_fast, block_number, updated_at
                 FROM fee_quotes WHERE chain_id = ?1",
                params![chain_id as i64],
                |r| {
                    Ok(FeeQuote {
                        base_fee: text_u256(r.get(0)?),
                        tips: [
                            text_u256(r.get(1)?),
                            text_u256(r.get(2)?),
                            text_u256(r.get(3)?),
                        ],
                        block_number: r.get::<_, i64>(4)? as u64,
                        updated_at: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// A new operation in state `draft`, audited as a send intent.
    pub fn insert_operation(&mut self, op: &NewOperation) -> Result<i64, LedgerError> {
        let detail = format!(
            "{} {} to {} on chain {}",
            op.kind, op.amount, op.to, op.chain_id
        );
        self.audited(AuditEvent::OperationRecorded, &detail, |tx| {
            let at = now();
            tx.execute(
                "INSERT INTO operations (account_id, chain_id, kind, state, to_address, asset_id,
                     amount, replaces, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'draft', ?4, ?5, ?6, ?7, ?8, ?8)",
                params![
                    op.account_id,
                    op.chain_id as i64,
                    op.kind,
                    op.to,
                    op.asset_id,
                    op.amount.to_string(),
                    op.replaces,
                    at
                ],
            )?;
            let id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO operation_transitions (operation_id, from_state, to_state, at)
                 VALUES (?1, NULL, 'draft', ?2)",
                params![id, at],
            )?;
            Ok(id)
        })
    }

    /// Moves operation `id` from one of `from` to `to`, setting `change`'s columns, in one
    /// transaction. Refused (and nothing written) if it is no longer in one of `from` — e.g. the
    /// sync worker and the user raced.
    pub fn transition(
        &mut self,
        id: i64,
        from: &[OpState],
        to: OpState,
        change: &OpChange,
        detail: &str,
    ) -> Result<OperationRow, LedgerError> {
        let tx = self.conn.transaction()?;
        let current: String = tx
            .query_row(
                "SELECT state FROM operations WHERE id = ?1",
                params![id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| LedgerError::NotFound(format!("operation {id}")))?;
        let current: OpState = current.parse()?;
        if !from.contains(&current) {
            return Err(LedgerError::Conflict(format!(
                "operation {id} is {}, not {}",
                current.as_str(),
                from.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        apply_change(&tx, id, to, change)?;
        tx.execute(
            "INSERT INTO operation_transitions (operation_id, from_state, to_state, at, detail)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id,
                current.as_str(),
                to.as_str(),
                now(),
                (!detail.is_empty()).then_some(detail)
            ],
        )?;
        tx.commit()?;
        self.operation(id)
    }

    /// Records a signature (`change` holds its hash and payload; `hash` is the transition's
    /// detail) and queues the operation: `from → signed → queued`, a transaction each, so the
    /// signature is on disk before anything can send it.
    pub fn sign_then_queue(
        &mut self,
        id: i64,
        from: OpState,
        change: &OpChange,
        hash: &str,
    ) -> Result<OperationRow, LedgerError> {
        self.transition(id, &[from], OpState::Signed, change, hash)?;
        crate::logging::failpoint("send:signed");
        self.transition(
            id,
            &[OpState::Signed],
            OpState::Queued,
            &OpChange::default(),
            "",
        )
    }

    pub fn operation(&self, id: i64) -> Result<OperationRow, LedgerError> {
        let sql = format!("SELECT {OP_COLUMNS} {OP_FROM} WHERE o.id = ?1");
        let row = self
            .conn
            .query_row(&sql, params![id], op_row)
            .optional()?
            .ok_or_else(|| LedgerError::NotFound(format!("operation {id}")))?;
        with_state(row)
    }

    /// Every hash this operation was ever signed with, newest first (a re-signed operation has
    /// more than one, and an older one may still be mined).
    pub fn signed_hashes(&self, id: i64) -> Result<Vec<String>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT detail FROM operation_transitions
             WHERE operation_id = ?1 AND to_state = 'signed' AND detail IS NOT NULL
             ORDER BY id DESC",
        )?;
        let rows = stmt.query_map(params![id], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One page of a chain's operations (drafts aside), newest first. Every filter narrows an
    /// index range (V10, V11), so page 100 costs what page 1 does.
    pub fn operations_page(
        &self,
        chain_id: u64,
        f: &ActivityFilter,
    ) -> Result<Vec<OperationRow>, LedgerError> {
        let (sql, args) = activity_sql(chain_id, f);
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), op_row)?;
        rows.map(|r| with_state(r?)).collect()
    }

    /// Operations of a chain in any of `states`, by account and nonce.
    pub fn operations_in(
        &self,
        chain_id: u64,
        states: &[OpState],
    ) -> Result<Vec<OperationRow>, LedgerError> {
        let list = sql_states(states);
        let sql = format!(
            "SELECT {OP_COLUMNS} {OP_FROM} WHERE o.chain_id = ?1 AND o.state IN ({list})
             ORDER BY o.account_id, o.nonce, o.id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![chain_id as i64], op_row)?;
        rows.map(|r| with_state(r?)).collect()
    }

    /// The networks other than `except` with an operation in one of `states`: one indexed probe
    /// per known network, at any ledger size.
    pub fn chains_with(&self, except: u64, states: &[OpState]) -> Result<Vec<u64>, LedgerError> {
        let list = sql_states(states);
        let sql = format!(
            "SELECT n.chain_id FROM networks n WHERE n.chain_id != ?1 AND EXISTS
                 (SELECT 1 FROM operations o WHERE o.chain_id = n.chain_id AND o.state IN ({list}))
             ORDER BY n.chain_id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![except as i64], |r| r.get::<_, i64>(0))?;
        rows.map(|r| Ok(u64::try_from(r?).unwrap_or_default()))
            .collect()
    }

    /// The newest `limit` transactions (not user operations) in `state` whose block is at
    /// `min_block` or later, newest block first. Indexed: reads `limit` rows at any ledger size.
    pub fn recent_in_state(
        &self,
        chain_id: u64,
        state: OpState,
        min_block: u64,
        limit: u32,
    ) -> Result<Vec<OperationRow>, LedgerError> {
        let sql = format!(
            "SELECT {OP_COLUMNS}
             FROM operations o INDEXED BY operations_by_block
             JOIN accounts a ON a.id = o.account_id LEFT JOIN assets s ON s.id = o.asset_id
             WHERE o.chain_id = ?1 AND o.state = ?2 AND o.block_number >= ?3
               AND o.user_op IS NULL
             ORDER BY o.block_number DESC LIMIT ?4"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(
            params![chain_id as i64, state.as_str(), min_block as i64, limit],
            op_row,
        )?;
        rows.map(|r| with_state(r?)).collect()
    }

    /// What an account has promised and the last balance read may not show yet: (native wei
    /// including the most the fees can cost, amount of `asset_id` if it is a token). Counts
    /// operations not yet mined, and mined ones in blocks after `balance_block` (the balance
    /// was read before them). Operations sharing a nonce (an original and its replacements)
    /// can only be paid once: the dearest of them counts.
    pub fn pending_outgoing(
        &self,
        chain_id: u64,
        account_id: i64,
        asset_id: i64,
        balance_block: Option<u64>,
    ) -> Result<(U256, U256), LedgerError> {
        let mut states: Vec<OpState> = OpState::ALL
            .into_iter()
            .filter(|s| s.is_pending_outgoing())
            .collect();
        states.push(OpState::Included);
        let mut by_nonce: std::collections::HashMap<(Option<u64>, i64), (U256, U256)> =
            std::collections::HashMap::new();
        for op in self.operations_in(chain_id, &states)? {
            if op.account_id != account_id {
                continue;
            }
            if op.state == OpState::Included
                && op.block_number.unwrap_or(0) <= balance_block.unwrap_or(0)
            {
                continue;
            }
            let fee_cap = U256::from(op.gas_limit).saturating_mul(op.max_fee_per_gas);
            let native = op.tx_value.saturating_add(fee_cap);
            let token = if op
                .asset
                .as_ref()
                .is_some_and(|a| a.id == asset_id && a.contract.is_some())
            {
                op.amount
            } else {
                U256::ZERO
            };
            // Operations without a nonce yet are each their own group.
            let key = match op.nonce {
                Some(n) => (Some(n), 0),
                None => (None, op.id),
            };
            let slot = by_nonce.entry(key).or_default();
            slot.0 = slot.0.max(native);
            slot.1 = slot.1.max(token);
        }
        Ok(by_nonce.values().fold((U256::ZERO, U256::ZERO), |acc, v| {
            (acc.0.saturating_add(v.0), acc.1.saturating_add(v.1))
        }))
    }
}

fn apply_change(
    tx: &Transaction<'_>,
    id: i64,
    to: OpState,
    c: &OpChange,
) -> Result<(), LedgerError> {
    tx.execute(
        "UPDATE operations SET state = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, to.as_str(), now()],
    )?;
    let set = |col: &str, v: &dyn rusqlite::ToSql| -> Result<(), LedgerError> {
        tx.execute(
            &format!("UPDATE operations SET {col} = ?2 WHERE id = ?1"),
            params![id, v],
        )?;
        Ok(())
    };
    if let Some(n) = c.nonce {
        set("nonce", &(n as i64))?;
    }
    if let Some(h) = &c.hash {
        set("hash", h)?;
    }
    if let Some(p) = &c.signed_payload {
        set("signed_payload", p)?;
    }
    if let Some(v) = &c.tx_to {
        set("tx_to", v)?;
    }
    if let Some(v) = c.tx_value {
        set("tx_value", &v.to_string())?;
    }
    if let Some(v) = &c.tx_data {
        set("tx_data", v)?;
    }
    if let Some(v) = c.gas_limit {
        set("gas_limit", &v.to_string())?;
    }
    if let Some(v) = c.max_fee_per_gas {
        set("max_fee_per_gas", &v.to_string())?;
    }
    if let Some(v) = c.max_priority_fee_per_gas {
        set("max_priority_fee_per_gas", &v.to_string())?;
    }
    if let Some((n, h)) = &c.block {
        set("block_number", &(*n as i64))?;
        set("block_hash", h)?;
    }
    if c.clear_block {
        tx.execute(
            "UPDATE operations SET block_number = NULL, block_hash = NULL, fee_paid = NULL WHERE id = ?1",
            params![id],
        )?;
    }
    if let Some(v) = c.fee_paid {
        set("fee_paid", &v.to_string())?;
    }
    if let Some(e) = &c.error {
        set("error", e)?;
    }
    if let Some((n, at)) = c.attempts {
        set("attempts", &(n as i64))?;
        set("next_attempt_at", &at)?;
    }
    if let Some(v) = &c.user_op {
        set("user_op", v)?;
    }
    if let Some(v) = &c.entry_point {
        set("entry_point", v)?;
    }
    if let Some(v) = &c.paymaster {
        set("paymaster", v)?;
    }
    if let Some(v) = &c.bundle_tx {
        set("bundle_tx", v)?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::ledger::{test_keys, NewAccount};

    /// SQLite's plan for `sql`: one line per step.
    pub(crate) fn plan(l: &Ledger, sql: &str) -> String {
        let mut stmt = l
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let unbound = std::iter::repeat_n(rusqlite::types::Null, stmt.parameter_count());
        let rows = stmt
            .query_map(rusqlite::params_from_iter(unbound), |r| {
                r.get::<_, String>(3)
            })
            .unwrap()
            .map(|r| r.unwrap())
            .collect::<Vec<_>>();
        rows.join("\n")
    }

    /// Every combination of the activity page's filters, each with and without a cursor.
    fn activity_filters() -> Vec<ActivityFilter> {
        let state_sets: [Option<Vec<OpState>>; 5] = [
            None,
            Some(vec![OpState::Confirmed]),
            Some(vec![OpState::Failed]),
            // `ended`: most of a ledger.
            Some(OpState::ALL.into_iter().filter(|s| s.is_final()).collect()),
            // `pending`: the few not yet final.
            Some(
                OpState::ALL
                    .into_iter()
                    .filter(|s| !s.is_final() && *s != OpState::Draft)
                    .collect(),
            ),
        ];
        let mut out = Vec::new();
        for account_id in [None, Some(1)] {
            for states in &state_sets {
                for asset_id in [None, Some(1)] {
                    for counterparty in [None, Some("0xabc".to_string())] {
                        for before in [None, Some(1000)] {
                            out.push(ActivityFilter {
                                account_id,
                                states: states.clone(),
                                asset_id,
                                counterparty: counterparty.clone(),
                                before,
                                limit: 51,
                            });
                        }
                    }
                }
            }
        }
        out
    }

    #[test]
    fn every_activity_page_reads_through_an_index() {
        // Scanning or sorting every operation is what made the activity list 133 ms at 100 000
        // operations (issue 13): every filter, first page or later, must seek an index range
        // in id order. The one sort allowed is of the operations not yet final (`pending`).
        let dir = tempfile::tempdir().unwrap();
        let (l, _, _) = ledger_with_account(dir.path());
        for f in activity_filters() {
            let (sql, _) = activity_sql(1, &f);
            let plan = plan(&l, &sql);
            // The walk is narrowed to the filter's own range of its index, and to the cursor.
            let index = activity_index(&f);
            let range = match index {
                "operations_by_state_id" => "(chain_id=? AND state=?",
                "operations_by_recipient" => "(chain_id=? AND to_address=?",
                "operations_by_account_id" => "(chain_id=? AND account_id=?",
                "operations_by_asset" => "(chain_id=? AND asset_id=?",
                _ => "(chain_id=?",
            };
            let step = plan
                .lines()
                .find(|step| step.starts_with("SEARCH o "))
                .unwrap_or_default();
            assert!(
                step.starts_with(&format!("SEARCH o USING INDEX {index} {range}")),
                "{f:?}\n{plan}"
            );
            assert_eq!(step.contains("id<?"), f.before.is_some(), "{f:?}\n{plan}");
            assert!(!plan.contains("SCAN o"), "{f:?}\n{plan}");
            let pending = f
                .states
                .as_ref()
                .is_some_and(|s| s.len() > 1 && !s.contains(&OpState::Confirmed));
            if !pending {
                assert!(!plan.contains("TEMP B-TREE"), "{f:?}\n{plan}");
            }
        }
    }

    fn ledger_with_account(dir: &std::path::Path) -> (Ledger, i64, AssetRow) {
        let mut ledger = Ledger::open(dir, &test_keys(7)).unwrap();
        let account = ledger
            .insert_key_source(
                "mnemonic",
                "Main",
                true,
                |_| Ok(vec![1]),
                NewAccount {
                    derivation_index: Some(0),
                    address: "0xabc",
                    name: "Account 1",
                },
                AuditEvent::WalletCreated,
            )
            .unwrap();
        let native = ledger
            .ensure_network(&Network::devnet("http://127.0.0.1:9"))
            .unwrap();
        (ledger, account.id, native)
    }

    /// A signed transfer of `value` wei at `nonce`, `fee_cap` = gas × max fee.
    fn signed(
        ledger: &mut Ledger,
        account: i64,
        native: &AssetRow,
        nonce: u64,
        value: u64,
        replaces: Option<i64>,
    ) -> i64 {
        let id = ledger
            .insert_operation(&NewOperation {
                account_id: account,
                chain_id: 31337,
                kind: "transfer".into(),
                to: "0xdef".into(),
                asset_id: native.id,
                amount: U256::from(value),
                replaces,
            })
            .unwrap();
        ledger
            .transition(
                id,
                &[OpState::Draft],
                OpState::Authorized,
                &OpChange::default(),
                "",
            )
            .unwrap();
        let change = OpChange {
            nonce: Some(nonce),
            hash: Some(format!("0x{id:064x}")),
            tx_value: Some(U256::from(value)),
            gas_limit: Some(10),
            max_fee_per_gas: Some(U256::from(1)),
            ..OpChange::default()
        };
        ledger
            .transition(
                id,
                &[OpState::Authorized],
                OpState::Signed,
                &change,
                &format!("0x{id:064x}"),
            )
            .unwrap();
        id
    }

    #[test]
    fn activity_pages_hold_every_operation_once_while_new_ones_arrive() {
        let dir = tempfile::tempdir().unwrap();
        let (mut l, account, native) = ledger_with_account(dir.path());
        let first: Vec<i64> = (0..40)
            .map(|n| signed(&mut l, account, &native, n, 1, None))
            .collect();
        // A draft is not activity.
        l.insert_operation(&NewOperation {
            account_id: account,
            chain_id: 31337,
            kind: "transfer".into(),
            to: "0xdef".into(),
            asset_id: native.id,
            amount: U256::from(1u64),
            replaces: None,
        })
        .unwrap();
        let mut seen = Vec::new();
        let mut before = None;
        let mut nonce = 100;
        loop {
            let page = l
                .operations_page(
                    31337,
                    &ActivityFilter {
                        account_id: Some(account),
                        before,
                        limit: 6,
                        ..ActivityFilter::default()
                    },
                )
                .unwrap();
            let Some(last) = page.last() else { break };
            before = Some(last.id);
            seen.extend(page.iter().map(|op| op.id));
            signed(&mut l, account, &native, nonce, 1, None);
            nonce += 1;
        }
        let expected: Vec<i64> = first.into_iter().rev().collect();
        assert_eq!(seen, expected, "every operation once, newest first");
        // The state filters: every one signed, none confirmed.
        let count = |states: Vec<OpState>| {
            l.operations_page(
                31337,
                &ActivityFilter {
                    states: Some(states),
                    limit: 500,
                    ..ActivityFilter::default()
                },
            )
            .unwrap()
            .len()
        };
        let pending: Vec<OpState> = OpState::ALL
            .into_iter()
            .filter(|s| !s.is_final() && *s != OpState::Draft)
            .collect();
        let ended: Vec<OpState> = OpState::ALL.into_iter().filter(|s| s.is_final()).collect();
        assert_eq!(count(pending), 40 + (nonce - 100) as usize);
        assert_eq!(count(ended), 0);
        assert_eq!(count(vec![OpState::Signed]), 40 + (nonce - 100) as usize);
        assert_eq!(count(vec![OpState::Draft]), 0, "drafts are never shown");
    }

    #[test]
    fn pending_out_counts_each_nonce_once_and_mined_ops_the_balance_has_not_seen() {
        let dir = tempfile::tempdir().unwrap();
        let (mut l, account, native) = ledger_with_account(dir.path());
        let a = signed(&mut l, account, &native, 0, 100, None);
        assert_eq!(
            l.pending_outgoing(31337, account, native.id, None)
                .unwrap()
                .0,
            U256::from(110)
        );
        // A speed-up of the same payment: one of the two can be mined, the dearer counts.
        let b = signed(&mut l, account, &native, 0, 100, Some(a));
        l.transition(
            b,
            &[OpState::Signed],
            OpState::Signed,
            &OpChange {
                max_fee_per_gas: Some(U256::from(3)),
                ..OpChange::default()
            },
            "",
        )
        .unwrap();
        assert_eq!(
            l.pending_outgoing(31337, account, native.id, None)
                .unwrap()
                .0,
            U256::from(130)
        );
        // Another nonce adds up.
        signed(&mut l, account, &native, 1, 5, None);
        assert_eq!(
            l.pending_outgoing(31337, account, native.id, None)
                .unwrap()
                .0,
            U256::from(145)
        );
        // Mined in block 9: still pending for a balance read at block 8, not for one at 9.
        l.transition(
            b,
            &[OpState::Signed],
            OpState::Included,
            &OpChange {
                block: Some((9, "0x1".into())),
                ..OpChange::default()
            },
            "",
        )
        .unwrap();
        l.transition(
            a,
            &[OpState::Signed],
            OpState::Replaced,
            &OpChange::default(),
            "",
        )
        .unwrap();
        assert_eq!(
            l.pending_outgoing(31337, account, native.id, Some(8))
                .unwrap()
                .0,
            U256::from(145)
        );
        assert_eq!(
            l.pending_outgoing(31337, account, native.id, Some(9))
                .unwrap()
                .0,
            U256::from(15)
        );
        // Every signature of an operation is remembered, newest first.
        assert_eq!(l.signed_hashes(a).unwrap(), vec![format!("0x{a:064x}")]);
    }

    #[test]
    fn a_transition_from_the_wrong_state_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (mut l, account, native) = ledger_with_account(dir.path());
        let a = signed(&mut l, account, &native, 0, 1, None);
        let before = l.operation_counts().unwrap();
        let err = l
            .transition(
                a,
                &[OpState::Queued],
                OpState::Submitted,
                &OpChange::default(),
                "",
            )
            .unwrap_err();
        assert!(matches!(err, LedgerError::Conflict(_)), "{err}");
        assert_eq!(l.operation(a).unwrap().state, OpState::Signed);
        assert_eq!(l.operation_counts().unwrap(), before);
    }
}
