//! The sync worker: while the wallet is unlocked, it broadcasts queued transactions in nonce
//! order, follows submitted ones to inclusion and confirmation (and back, when a reorg drops
//! them), reconciles nonces with the chain (a nonce used elsewhere or a gap → `needs_resign`),
//! and keeps balances and history current.
//!
//! It follows blocks, not a timer. Where the endpoint offers a WebSocket, a `newHeads`
//! subscription says when a block is made; otherwise it polls (below). Either way each round
//! reads one block in one batched request (the
//! head, the block, balances, nonces and receipts of what is in flight, fees, the wallet's
//! token transfers), asking for the next block before it exists, so a round that finds nothing
//! new costs that one request; a block that moved one of the wallet's tokens costs a second
//! (its balances), and history is read only for the accounts something happened to. The next
//! round is timed by the chain's own pace (its blocks' timestamps), later after each round that
//! found nothing; with a live subscription a poll is only a rare safety net. Quiet mode (the user's, `CAIRN_QUIET=1`, or no window showing) sends nothing
//! on its own. Offline it backs off with jitter and tries again; a send wakes it at once.
//!
//! Operations on another network than the active one (a dapp's, on the network it chose) are
//! followed by rounds of their own on that network while any is on its way — its balances and
//! nonces, not its history, prices or timelocks.
//!
//! May use: `smart` (its operations' part of a round), `history`, `ops`, `networks`, `session`,
//! `store`, `chain`, `primitives`.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Weak;
use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256, U256};
use cairn_api::SyncStatus;

use crate::chain::client::{BlockQuery, BlockTxs, Receipt};
use crate::chain::heads::{ws_url_beside, FeedError, HeadFeed};
use crate::chain::rpc::ChainError;
use crate::history::History;
use crate::networks::Networks;
use crate::ops::{Lifecycle, OpsError};
use crate::prices::{self, Prices};
use crate::primitives::units::{parse_address, AddressError};
use crate::recovery::Recovery;
use crate::session::{Ctx, SessionError};
use crate::session::{ReadMark, SyncMemo};
use crate::smart::SmartAccounts;
use crate::store::ledger::{now, LedgerError};
use crate::store::operations::{FeeQuote, OpChange, OpState, OperationRow};

/// Why a sync round stopped short.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error(transparent)]
    Ops(#[from] OpsError),
}

impl SyncError {
    /// The session ended under the round: the worker stops.
    pub(crate) fn is_locked(&self) -> bool {
        matches!(
            self,
            SyncError::Session(SessionError::Locked)
                | SyncError::Ops(OpsError::Session(SessionError::Locked))
        )
    }

    /// No endpoint answered: the status says offline, and nothing is logged as a failure.
    fn is_offline(&self) -> bool {
        matches!(self, SyncError::Chain(c) if c.is_offline())
    }
}

type Result<T, E = SyncError> = std::result::Result<T, E>;

const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The longest wait while something is queued or in flight: a user watching a payment.
fn busy_interval(ctx: &Ctx) -> Duration {
    // anvil mines on demand: look again fast there; public chains make a block every 2–12 s.
    if ctx.network().is_devnet() {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(4)
    }
}

/// When to look again while idle: just after the next block is due, by the chain's own clock
/// and pace (its blocks' timestamps), so a round finds a new block about once per block; when
/// a round found none, a little later each time (a quiet chain, an on-demand devnet); at once
/// when behind. Never longer than `cap` (2 s on a devnet, whose blocks come when asked for;
/// 30 s elsewhere), never longer than `busy_interval` while a payment is on its way.
fn next_wait(ctx: &Ctx, read: Option<&ReadMark>, busy: bool) -> Duration {
    let devnet = ctx.network().is_devnet();
    let cap = if busy {
        busy_interval(ctx)
    } else if devnet {
        Duration::from_secs(2)
    } else {
        Duration::from_secs(30)
    };
    let Some(r) = read else {
        return cap.min(busy_interval(ctx));
    };
    if r.head > r.block {
        return Duration::from_millis(50);
    }
    let pace = if r.block_secs >= 0.25 {
        r.block_secs
    } else if devnet {
        1.0
    } else {
        12.0
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    let secs = if r.misses == 0 {
        // A block's time is whole seconds, rounded down: a second after it is due, the block
        // is there (and the one after is not yet).
        r.time as f64 + pace - now + 1.0
    } else {
        pace / 4.0 * f64::from(1u32 << r.misses.min(6))
    };
    Duration::from_secs_f64(secs.clamp(0.25, cap.as_secs_f64()))
}

/// Up to ±25 % of `d`, so many wallets (or endpoints) do not retry in step.
fn jitter(d: Duration) -> Duration {
    let mut byte = [0u8; 1];
    let r = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut byte)
        .map(|_| byte[0])
        .unwrap_or(128);
    let quarter = d / 4;
    d - quarter + quarter * 2 * u32::from(r) / 255
}

/// How long a subscribed worker waits without a new head before it looks itself (a feed can
/// stall without closing).
const FEED_SAFETY_POLL: Duration = Duration::from_secs(60);
/// After a WebSocket endpoint failed (unreachable, closed), when to try it again.
const FEED_RETRY: Duration = Duration::from_secs(60);
/// Each step of opening a subscription (connect, handshake, answer) within this.
const FEED_TIMEOUT: Duration = Duration::from_secs(5);
/// Wakes from a feed closer together than this wait for the gap: a flooding or lying feed
/// costs at most a read per gap, never more than polling would.
const FEED_MIN_GAP: Duration = Duration::from_millis(250);

/// The worker's new-block subscription, when the network's endpoint gives one.
#[derive(Debug, Default)]
struct Heads {
    /// The live feed and the URL it came from.
    live: Option<(String, HeadFeed)>,
    /// URLs that answered without a WebSocket or subscriptions: asked once per session.
    not_offered: std::collections::HashSet<String>,
    retry_at: Option<Instant>,
    last_wake: Option<Instant>,
}

impl Heads {
    /// The WebSocket endpoint for the network in use: the one configured, else the one beside
    /// the RPC endpoint answering now.
    fn url(ctx: &Ctx) -> Option<String> {
        ctx.network()
            .ws_url
            .or_else(|| ws_url_beside(ctx.chain().rpc().active_url()))
    }

    /// Keeps (or opens) the feed for the endpoint in use; `false` when there is none now.
    async fn ensure(&mut self, ctx: &Ctx) -> bool {
        let Some(url) = Self::url(ctx) else {
            self.live = None;
            return false;
        };
        if self.live.as_ref().is_some_and(|(u, _)| *u == url) {
            return true;
        }
        self.live = None;
        if self.not_offered.contains(&url) || self.retry_at.is_some_and(|t| Instant::now() < t) {
            return false;
        }
        match HeadFeed::open(&url, FEED_TIMEOUT).await {
            Ok(feed) => {
                tracing::debug!("following new blocks over WebSocket");
                self.live = Some((url, feed));
                self.retry_at = None;
                true
            }
            Err(FeedError::NotOffered) => {
                self.not_offered.insert(url);
                false
            }
            Err(FeedError::Chain(e)) => {
                tracing::debug!(error = %e, "no new-block subscription; polling");
                self.retry_at = Some(Instant::now() + FEED_RETRY);
                false
            }
        }
    }

    /// Waits for a head past `known` (or the feed's end, which drops it); never returns sooner
    /// than `FEED_MIN_GAP` after the previous wake.
    async fn next_past(&mut self, known: u64) {
        loop {
            let Some((_, feed)) = self.live.as_mut() else {
                return std::future::pending().await;
            };
            match feed.next().await {
                None => {
                    self.live = None;
                    self.retry_at = Some(Instant::now() + FEED_RETRY);
                    return;
                }
                Some(n) if n > known => break,
                Some(_) => {}
            }
        }
        if let Some(last) = self.last_wake {
            tokio::time::sleep_until((last + FEED_MIN_GAP).into()).await;
        }
        self.last_wake = Some(Instant::now());
    }
}

/// Runs until the session it was started for ends (lock, or a newer unlock) or the wallet is
/// dropped. Holds the wallet only while it works or waits one interval.
pub(crate) async fn worker(ctx: Weak<Ctx>, generation: u64) {
    let mut backoff: Option<Duration> = None;
    let mut heads = Heads::default();
    // A payment of the user's is still followed in quiet mode: that traffic is the user's own.
    let mut busy = false;
    loop {
        let Some(ctx) = ctx.upgrade() else {
            return;
        };
        if !ctx.is_current(generation) {
            return;
        }
        if ctx.is_quiet() {
            // Quiet means no traffic of our own, a held-open subscription included.
            heads.live = None;
        }
        if ctx.is_quiet() && !busy {
            // Quiet: no round until a payment of the user's waits to go out (a send, a
            // speed-up). The second's timeout only re-checks the session, without a request;
            // "sync now" runs its own round.
            let woken = tokio::select! {
                _ = ctx.woken() => true,
                _ = tokio::time::sleep(Duration::from_secs(1)) => false,
            };
            let outgoing = woken
                && (Syncer { ctx: &ctx })
                    .with_session_quiet(|s| {
                        let chain_id = ctx.network().chain_id;
                        Ok(!s
                            .ledger
                            .operations_in(chain_id, &[OpState::Queued])?
                            .is_empty()
                            || !s
                                .ledger
                                .chains_with(chain_id, &[OpState::Queued])?
                                .is_empty())
                    })
                    .await
                    .unwrap_or(false);
            if !outgoing {
                continue;
            }
        }
        let mut known = None;
        let round = (Syncer { ctx: &ctx }).sync_once().await;
        // Other networks' operations move on whatever the active network's node says.
        let elsewhere = match (Syncer { ctx: &ctx }).sync_elsewhere().await {
            Err(e) if e.is_locked() => return,
            Ok(pending) => pending,
            Err(e) => {
                tracing::warn!(error = %e, "other networks not synced this round");
                false
            }
        };
        let wait = match round {
            Err(e) if e.is_locked() => return,
            Ok(status) if status.online => {
                backoff = None;
                busy = status.queued > 0 || status.in_flight > 0 || elsewhere;
                let memo = ctx.sync_round.lock().await;
                known = memo.read.as_ref().map(|r| r.block.max(r.head));
                let polled = next_wait(&ctx, memo.read.as_ref(), busy);
                drop(memo);
                let behind = polled <= Duration::from_millis(50);
                if !behind && !ctx.is_quiet() && heads.ensure(&ctx).await {
                    // Subscribed: the feed says when; a payment on its way is still looked
                    // after at its own pace (a receipt can come without a block we were told of).
                    if busy {
                        polled
                    } else {
                        FEED_SAFETY_POLL
                    }
                } else {
                    polled
                }
            }
            Ok(_) | Err(_) => {
                let next = backoff
                    .map(|b| (b * 2).min(MAX_BACKOFF))
                    .unwrap_or(Duration::from_secs(1));
                backoff = Some(next);
                jitter(next)
            }
        };
        let known = known.unwrap_or(u64::MAX);
        tokio::select! {
            _ = ctx.woken() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = heads.next_past(known), if known != u64::MAX => {}
        }
    }
}

/// Whether a receipt agrees with the chain as the node serves it; the reason when not.
fn receipt_agrees(
    nonce: Option<u64>,
    asked: B256,
    r: &Receipt,
    block: Option<&BlockTxs>,
    latest_nonce: Option<u64>,
) -> std::result::Result<(), String> {
    if r.tx_hash != asked {
        return Err(format!("the receipt is for {}, not {asked}", r.tx_hash));
    }
    let Some(block) = block else {
        return Err(format!("the node has no block {}", r.block_number));
    };
    if block.hash != r.block_hash {
        return Err(format!(
            "block {} is {} on the node, not {}",
            r.block_number, block.hash, r.block_hash
        ));
    }
    if !block.transactions.contains(&asked) {
        return Err(format!("block {} does not hold {asked}", r.block_number));
    }
    if let (Some(nonce), Some(latest)) = (nonce, latest_nonce) {
        if latest <= nonce {
            return Err(format!(
                "the account's nonce on chain is {latest}: nonce {nonce} is not used yet"
            ));
        }
    }
    Ok(())
}

/// The blocks at these heights as the node serves them (`None` where it has none), each asked
/// once, in one batch.
async fn blocks_at(
    chain: &crate::chain::Chain,
    heights: impl Iterator<Item = u64>,
) -> std::result::Result<HashMap<u64, Option<BlockTxs>>, ChainError> {
    let mut numbers: Vec<u64> = heights.collect();
    numbers.sort_unstable();
    numbers.dedup();
    let blocks = chain.blocks(&numbers).await?;
    Ok(numbers.into_iter().zip(blocks).collect())
}

/// What the chain said in one round.
struct Round {
    head: u64,
    /// Per account: nonce of the next transaction to be mined (`latest`) and with the pool
    /// (`pending`).
    nonces: HashMap<i64, (u64, u64)>,
    receipts: HashMap<i64, Option<Receipt>>,
}

/// Syncer's service over the shared session state.
pub(crate) struct Syncer<'a> {
    pub(crate) ctx: &'a Ctx,
}

impl Syncer<'_> {
    crate::session::gate_methods!(SyncError);

    fn lifecycle(&self) -> Lifecycle<'_> {
        Lifecycle { ctx: self.ctx }
    }

    /// One round of sync. Offline is not an error: the status says so and the queue waits.
    pub(crate) async fn sync_once(&self) -> Result<SyncStatus> {
        let mut memo = self.ctx.sync_round.lock().await;
        let mut outcome = self.sync_round(&mut memo, true).await;
        // A round reads one block; behind the head (blocks came while it read), one more reads
        // the head itself, so a round asked for ends up to date.
        if outcome.is_ok() && memo.read.as_ref().is_some_and(|r| r.head > r.block) {
            outcome = self.sync_round(&mut memo, true).await;
        }
        let (queued, in_flight) = self
            .with_session_quiet(|s| {
                let chain_id = self.ctx.network().chain_id;
                Ok((
                    s.ledger.operations_in(chain_id, &[OpState::Queued])?.len() as u32,
                    s.ledger
                        .operations_in(chain_id, &[OpState::Submitted, OpState::Included])?
                        .len() as u32,
                ))
            })
            .await?;
        let previous = self.ctx.sync_status();
        let status = match outcome {
            Ok(head) => SyncStatus {
                quiet: self.ctx.is_quiet(),
                online: true,
                endpoint: Some(self.ctx.chain().rpc().active_url().to_string()),
                last_block: Some(head),
                queued,
                in_flight,
                last_error: None,
                synced_at: Some(now()),
            },
            Err(e) if e.is_locked() => return Err(e),
            Err(e) => {
                let offline = e.is_offline();
                if !offline {
                    tracing::warn!(error = %e, "sync round failed");
                }
                SyncStatus {
                    quiet: self.ctx.is_quiet(),
                    online: !offline,
                    endpoint: (!offline).then(|| self.ctx.chain().rpc().active_url().to_string()),
                    last_block: previous.last_block,
                    queued,
                    in_flight,
                    last_error: Some(e.to_string()),
                    synced_at: previous.synced_at,
                }
            }
        };
        self.ctx.publish_sync(&status);
        Ok(status)
    }

    /// Rounds on the other networks where operations are on their way, each with its own
    /// memo; whether any is. A network the user removed meanwhile is passed over (its
    /// operations wait until it is added again).
    pub(crate) async fn sync_elsewhere(&self) -> Result<bool> {
        let active = self.ctx.active_chain().network().chain_id;
        let chains = self
            .with_session_quiet(|s| {
                Ok(s.ledger.chains_with(
                    active,
                    &[
                        OpState::Signed,
                        OpState::Queued,
                        OpState::Submitted,
                        OpState::Included,
                        OpState::NeedsResign,
                    ],
                )?)
            })
            .await?;
        if chains.is_empty() {
            self.ctx.elsewhere.lock().await.clear();
            return Ok(false);
        }
        // One round at a time, whatever its network: the user may make one of these networks
        // the active one meanwhile, and two rounds must never broadcast the same queue.
        let _one_at_a_time = self.ctx.sync_round.lock().await;
        let mut memos = self.ctx.elsewhere.lock().await;
        memos.retain(|id, _| chains.contains(id));
        let mut synced = Vec::new();
        for chain_id in &chains {
            if *chain_id == self.ctx.active_chain().network().chain_id {
                // Made the active network since: its own rounds follow it now.
                continue;
            }
            let network = match (Networks { ctx: self.ctx }).known(*chain_id).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::debug!(chain_id, error = %e, "operations on a network not known now");
                    continue;
                }
            };
            let chain = self.ctx.chain_on(&network)?;
            synced.push(*chain_id);
            let memo = memos.entry(*chain_id).or_default();
            match crate::session::on_chain(chain, self.sync_round(memo, false)).await {
                Err(e) if e.is_locked() => return Err(e),
                Err(e) => tracing::warn!(chain_id, error = %e, "another network not synced"),
                Ok(_) => {}
            }
        }
        // Busy (rounds at the chain's pace) only for what moves without the user: queued,
        // submitted, included — on a network the wallet still knows.
        let moving = self
            .with_session_quiet(|s| {
                Ok(s.ledger.chains_with(
                    active,
                    &[OpState::Queued, OpState::Submitted, OpState::Included],
                )?)
            })
            .await?;
        Ok(moving.iter().any(|c| synced.contains(c)))
    }

    /// One round on the task's network: `full` on the active one; on another (see
    /// `sync_elsewhere`) only what its operations need.
    async fn sync_round(&self, memo: &mut SyncMemo, full: bool) -> Result<u64> {
        let chain = &self.ctx.chain();
        let network = self.ctx.network().clone();
        let chain_id = network.chain_id;
        let (accounts, assets, active, waiting, known, price_settings) = self
            .with_session_quiet(|s| {
                if s.ledger.asset(chain_id, None).is_err() {
                    s.ledger.ensure_network(&network)?;
                }
                // Signed but cut off before `queued`: the user confirmed it and the signature
                // exists, so it joins the queue.
                for op in s.ledger.operations_in(chain_id, &[OpState::Signed])? {
                    s.ledger.transition(
                        op.id,
                        &[OpState::Signed],
                        OpState::Queued,
                        &OpChange::default(),
                        "resumed after an interruption",
                    )?;
                }
                // A send runs from draft to queued in one session-gated step, which holds the
                // ledger's step lock across processes, so one seen here before `signed` was cut
                // off by a crash: it never had a signature to send.
                for op in s
                    .ledger
                    .operations_in(chain_id, &[OpState::Draft, OpState::Authorized])?
                {
                    s.ledger.transition(
                        op.id,
                        &[OpState::Draft, OpState::Authorized],
                        OpState::Dropped,
                        &OpChange {
                            error: Some("interrupted before it was signed".into()),
                            ..OpChange::default()
                        },
                        "interrupted",
                    )?;
                }
                let active = s.ledger.operations_in(
                    chain_id,
                    &[
                        OpState::Queued,
                        OpState::Submitted,
                        OpState::Included,
                        OpState::NeedsResign,
                    ],
                )?;
                // Every signature of a waiting operation: one of them may be mined after all.
                let mut waiting = Vec::new();
                for op in active.iter().filter(|o| o.state == OpState::NeedsResign) {
                    for h in s.ledger.signed_hashes(op.id)? {
                        waiting.push((op.id, h));
                    }
                }
                let accounts = s.ledger.accounts(true)?;
                let assets = s.ledger.assets(chain_id)?;
                // What the ledger holds of each account: its balances by asset and whether its
                // history was ever read. What is missing is read at once, block or no block.
                let stored = s.ledger.balances_on(chain_id)?;
                let cursors = s.ledger.history_cursors(chain_id)?;
                let known: Vec<(HashMap<i64, U256>, bool)> = accounts
                    .iter()
                    .map(|a| {
                        let balances = assets
                            .iter()
                            .filter_map(|asset| {
                                stored.get(&(a.id, asset.id)).map(|v| (asset.id, *v))
                            })
                            .collect();
                        (balances, cursors.contains_key(&a.id))
                    })
                    .collect();
                let price_settings = prices::settings(&s.ledger)?;
                Ok((accounts, assets, active, waiting, known, price_settings))
            })
            .await?;
        // User operations go through the bundler (`smart.rs`), not the transaction paths below.
        let (user_ops, active): (Vec<OperationRow>, Vec<OperationRow>) =
            active.into_iter().partition(|o| o.user_op.is_some());
        let waiting: Vec<(i64, String)> = waiting
            .into_iter()
            .filter(|(id, _)| active.iter().any(|o| o.id == *id))
            .collect();

        let owners: Vec<Address> = accounts
            .iter()
            .map(|a| parse_address(&a.address))
            .collect::<Result<_, _>>()?;
        let tokens: Vec<(i64, Address)> = assets
            .iter()
            .filter_map(|a| {
                a.contract
                    .as_deref()
                    .and_then(|c| parse_address(c).ok())
                    .map(|c| (a.id, c))
            })
            .collect();
        let native_id = assets.iter().find(|a| a.contract.is_none()).map(|a| a.id);
        let mut busy: Vec<i64> = active.iter().map(|o| o.account_id).collect();
        busy.sort_unstable();
        busy.dedup();
        let tracked: Vec<&OperationRow> = active
            .iter()
            .filter(|o| matches!(o.state, OpState::Submitted | OpState::Included))
            .collect();
        let with_hash: Vec<(i64, B256)> = tracked
            .iter()
            .filter_map(|o| {
                o.hash
                    .as_deref()
                    .and_then(|h| B256::from_str(h).ok())
                    .map(|h| (o.id, h))
            })
            .collect();
        let waiting: Vec<(i64, B256)> = waiting
            .iter()
            .filter_map(|(id, h)| B256::from_str(h).ok().map(|h| (*id, h)))
            .collect();

        // Which block to read. Idle and caught up: the next one, asked for before it exists,
        // so a block with nothing new costs this one request. Behind: the head already seen.
        // With work to do now (something to broadcast or follow, an account, token or history
        // never read, a new network): the head, asked for first.
        let fresh = memo.read.clone().filter(|r| r.chain_id == chain_id);
        let unread = accounts
            .iter()
            .zip(&known)
            .any(|(account, (balances, read))| {
                !read
                    || assets.iter().any(|asset| {
                        !balances.contains_key(&asset.id)
                            && !memo.unreadable.contains(&(account.id, asset.id))
                    })
            });
        let urgent =
            !active.is_empty() || !user_ops.is_empty() || unread || !memo.backfilling.is_empty();
        let at = match &fresh {
            Some(r) if !urgent && r.head > r.block => r.head,
            Some(r) if !urgent => r.block + 1,
            _ => chain.block_number().await?,
        };
        // Token balances: every pair when nothing was read on this chain yet or some are
        // missing; otherwise only the pairs a Transfer log since the last block touched.
        let all_tokens = fresh.is_none() || unread;
        // Prices ride along every few minutes: the feeds' calls join this block's request.
        let prices_due = full
            && price_settings.enabled
            && (prices::has_feeds(&network) || price_settings.rest_fallback)
            && memo.prices_read.is_none_or(|(c, t)| {
                c != chain_id || t.elapsed() >= Duration::from_secs(prices::READ_EVERY_SECS)
            });
        let (price_feeds, price_calls) = if prices_due {
            prices::feed_calls(chain_id)
        } else {
            (Vec::new(), Vec::new())
        };
        let query = BlockQuery {
            at,
            owners: owners.clone(),
            nonces_of: busy
                .iter()
                .filter_map(|id| accounts.iter().position(|a| a.id == *id))
                .map(|k| owners[k])
                .collect(),
            receipts: with_hash.iter().chain(&waiting).map(|(_, h)| *h).collect(),
            token_balances: if all_tokens {
                owners
                    .iter()
                    .flat_map(|o| tokens.iter().map(move |(_, t)| (*o, *t)))
                    .collect()
            } else {
                Vec::new()
            },
            transfers_from: fresh.as_ref().filter(|_| !all_tokens).map(|r| r.block + 1),
            tokens: tokens.iter().map(|(_, t)| *t).collect(),
            calls: price_calls,
            watch: if full {
                Recovery::watch_query(&memo.watch)
            } else {
                None
            },
        };
        let read = chain.read_block(&query).await?;
        let Some((_, block_time)) = read.block else {
            // Nothing new yet (or the node is behind the head it reported): the next round
            // asks again.
            if let Some(r) = memo.read.as_mut().filter(|r| r.chain_id == chain_id) {
                r.head = r.head.max(read.head);
                r.misses += 1;
            }
            return Ok(read.head.max(at.saturating_sub(1)));
        };
        let head = at;
        if query.watch.is_some() {
            if let Err(e) = (Recovery { ctx: self.ctx })
                .absorb(&mut memo.watch, read.watched.clone(), at, None)
                .await
            {
                tracing::warn!(error = %e, "timelock logs not dealt with this round");
            }
        }
        let previous = memo.read.take().filter(|r| r.chain_id == chain_id);
        memo.read = Some(ReadMark {
            chain_id,
            block: at,
            time: block_time,
            head: read.head.max(at),
            misses: 0,
            // Seconds per block, smoothed: block times are whole seconds, so one sample of a
            // 1.5 s chain says 1 or 2.
            block_secs: match previous.as_ref() {
                Some(p) if at > p.block && block_time >= p.time => {
                    let sample = (block_time - p.time) as f64 / (at - p.block) as f64;
                    if p.block_secs > 0.0 {
                        0.8 * p.block_secs + 0.2 * sample
                    } else {
                        sample
                    }
                }
                Some(p) => p.block_secs,
                None => 0.0,
            },
        });
        if prices_due {
            memo.prices_read = Some((chain_id, Instant::now()));
            self.with_session_quiet(|s| {
                Ok(prices::absorb(
                    &mut s.ledger,
                    chain_id,
                    &price_feeds,
                    &read.calls,
                )?)
            })
            .await?;
            // A price service is a third party: its failure costs the round nothing.
            if let Err(e) = (Prices { ctx: self.ctx }).fallback().await {
                tracing::warn!(error = %e, "price service not read");
            }
        }
        let fees = read.fees.clone();
        let mut round = Round {
            head,
            nonces: HashMap::new(),
            receipts: HashMap::new(),
        };
        for (account_id, nonce) in busy
            .iter()
            .filter(|id| accounts.iter().any(|a| a.id == **id))
            .zip(read.nonces)
        {
            round.nonces.insert(*account_id, nonce?);
        }
        let mut receipts_read = read.receipts.into_iter();
        let receipts: Vec<Option<Receipt>> = with_hash
            .iter()
            .map(|_| receipts_read.next().unwrap_or(Ok(None)))
            .collect::<Result<_, _>>()?;
        let waiting_receipts: Vec<Option<Receipt>> = waiting
            .iter()
            .map(|_| receipts_read.next().unwrap_or(Ok(None)))
            .collect::<Result<_, _>>()?;

        // Balances at this block. An account whose native balance moved, or that a token
        // transfer touched, is the one whose history is read this round.
        let mut balances: Vec<(i64, i64, U256)> = Vec::new();
        let mut changed: Vec<i64> = Vec::new();
        for ((account, (stored, history_read)), value) in
            accounts.iter().zip(&known).zip(read.balances)
        {
            let Some(native_id) = native_id else { break };
            match value {
                Ok(v) => {
                    if stored.get(&native_id) != Some(&v) || !history_read {
                        changed.push(account.id);
                    }
                    balances.push((account.id, native_id, v));
                }
                Err(e) => tracing::warn!(error = %e, "balance not read"),
            }
        }
        let mut token_reads: Vec<((Address, Address), Result<U256, ChainError>)> = query
            .token_balances
            .iter()
            .copied()
            .zip(read.token_balances)
            .collect();
        if !read.touched.is_empty() {
            // Only blocks that moved one of the wallet's tokens pay a second request.
            let pairs: Vec<(Address, Address)> = read
                .touched
                .iter()
                .map(|(token, owner)| (*owner, *token))
                .collect();
            let again = chain
                .read_block(&BlockQuery {
                    at,
                    token_balances: pairs.clone(),
                    ..BlockQuery::default()
                })
                .await?;
            token_reads.extend(pairs.into_iter().zip(again.token_balances));
        }
        for ((owner, token), value) in token_reads {
            let (Some(k), Some((asset_id, _))) = (
                owners.iter().position(|o| *o == owner),
                tokens.iter().find(|(_, t)| *t == token),
            ) else {
                continue;
            };
            match value {
                Ok(v) => {
                    if known[k].0.get(asset_id) != Some(&v) && !changed.contains(&accounts[k].id) {
                        changed.push(accounts[k].id);
                    }
                    balances.push((accounts[k].id, *asset_id, v));
                }
                Err(e) => {
                    // A token whose balanceOf fails is not asked for again at every block
                    // (only when a transfer touches it, or in the next session).
                    memo.unreadable.insert((accounts[k].id, *asset_id));
                    tracing::warn!(asset_id, error = %e, "balance not read");
                }
            }
        }
        if fresh.is_none() {
            // The first block read on this chain: every account's history catches up.
            changed = accounts.iter().map(|a| a.id).collect();
        }
        if full {
            for id in self.ctx.take_owed_history() {
                if !changed.contains(&id) {
                    changed.push(id);
                }
            }
        } else {
            changed.clear();
        }
        // The new balances are stored below, before the steps that can fail the round: from
        // then on nothing would show these accounts changed, so they are owed a history read
        // until one succeeds (the history step drains this set).
        memo.backfilling.extend(changed.iter().copied());

        // What a receipt would change (a first inclusion, a moved block, a confirmation) is
        // believed only when the node's blocks and the account's nonce agree with it.
        let to_check: Vec<(&OperationRow, B256, &Receipt)> = with_hash
            .iter()
            .zip(&receipts)
            .filter_map(|((id, hash), r)| {
                let op = tracked.iter().find(|o| o.id == *id)?;
                let r = r.as_ref()?;
                let changes = op.state == OpState::Submitted
                    || op.block_hash.as_deref() != Some(&r.block_hash.to_string())
                    || head.saturating_add(1)
                        >= r.block_number.saturating_add(network.confirmations);
                changes.then_some((*op, *hash, r))
            })
            .collect();
        let doubted = self.doubted(chain, &to_check, &round.nonces).await?;
        for ((id, _), receipt) in with_hash.iter().zip(receipts) {
            round
                .receipts
                .insert(*id, receipt.filter(|_| !doubted.contains(id)));
        }
        // A waiting operation whose signature (any of them) was mined is ours after all.
        let to_check: Vec<(&OperationRow, B256, &Receipt)> = waiting
            .iter()
            .zip(&waiting_receipts)
            .filter_map(|((id, hash), r)| {
                Some((active.iter().find(|o| o.id == *id)?, *hash, r.as_ref()?))
            })
            .collect();
        let doubted_waiting = self.doubted(chain, &to_check, &round.nonces).await?;
        for ((id, hash), receipt) in waiting.iter().zip(waiting_receipts) {
            let Some(r) = receipt.filter(|_| !doubted_waiting.contains(id)) else {
                continue;
            };
            let change = OpChange {
                hash: Some(hash.to_string()),
                block: Some((r.block_number, r.block_hash.to_string())),
                fee_paid: Some(r.gas_used.saturating_mul(r.effective_gas_price)),
                ..OpChange::default()
            };
            self.lifecycle()
                .step(
                    *id,
                    &[OpState::NeedsResign],
                    OpState::Included,
                    change,
                    "mined after all",
                )
                .await?;
        }
        self.with_session_quiet(|s| {
            if let Some(fees) = &fees {
                crate::guard::risk::remember_fee_quote(
                    &mut s.ledger,
                    &network,
                    &FeeQuote {
                        base_fee: fees.next_base_fee,
                        tips: fees.tips,
                        block_number: head,
                        updated_at: now(),
                    },
                )?;
            }
            for (account_id, (latest, _)) in &round.nonces {
                s.ledger.set_chain_nonce(chain_id, *account_id, *latest)?;
            }
            for (account_id, asset_id, value) in &balances {
                s.ledger.set_balance(*account_id, *asset_id, *value, head)?;
            }
            Ok(())
        })
        .await?;

        self.recheck_confirmed(memo, head).await?;
        self.follow(&active, &round, network.confirmations).await?;
        let base_fee = fees.map(|f| f.next_base_fee).unwrap_or_default();
        self.broadcast(&active, &round, base_fee).await?;
        if let Err(e) = (SmartAccounts::new(self.ctx))
            .sync_user_ops(&user_ops, head, network.confirmations)
            .await
        {
            // The bundler's trouble is not the node's: the round goes on.
            tracing::warn!(error = %e, "user operations not synced this round");
        }
        if !full {
            return Ok(head);
        }
        // History is catch-up work, for the accounts something happened to and those whose
        // backfill a round's budget cut short: a failure here is retried next round and does
        // not make the wallet look offline.
        for id in memo.backfilling.drain() {
            if !changed.contains(&id) {
                changed.push(id);
            }
        }
        match (History { ctx: self.ctx })
            .sync_history(head, &changed)
            .await
        {
            Ok(unfinished) => memo.backfilling.extend(unfinished),
            Err(e) => {
                memo.backfilling.extend(changed.iter().copied());
                tracing::warn!(error = %e, "history not read this round");
            }
        }
        // The Safes' timelocks: a failure is retried at the next period, the round stands.
        if let Err(e) = (Recovery { ctx: self.ctx }).watch(&mut memo.watch).await {
            tracing::warn!(error = %e, "timelocks not watched this round");
        }
        Ok(head)
    }

    /// Submitted and included operations: inclusion, failure, confirmation, reorgs, and nonces
    /// The operations whose receipt the facts do not bear out: the node's block at that height
    /// has another hash or lacks the transaction, the receipt names another transaction, or
    /// the sender's nonce on chain has not moved past it. A node that never broadcast a
    /// payment cannot make it `included` (and then `confirmed`) by answering "status 1".
    async fn doubted(
        &self,
        chain: &crate::chain::Chain,
        checks: &[(&OperationRow, B256, &Receipt)],
        nonces: &HashMap<i64, (u64, u64)>,
    ) -> Result<Vec<i64>> {
        if checks.is_empty() {
            return Ok(Vec::new());
        }
        let blocks = blocks_at(chain, checks.iter().map(|(_, _, r)| r.block_number)).await?;
        let mut doubted = Vec::new();
        for (op, hash, r) in checks {
            let block = blocks.get(&r.block_number).and_then(Option::as_ref);
            let latest = nonces.get(&op.account_id).map(|n| n.0);
            if let Err(why) = receipt_agrees(op.nonce, *hash, r, block, latest) {
                tracing::warn!(op = op.id, block = r.block_number, %why, "a receipt not believed");
                doubted.push(op.id);
            }
        }
        Ok(doubted)
    }

    /// taken by another transaction.
    async fn follow(
        &self,
        active: &[OperationRow],
        round: &Round,
        confirmations: u64,
    ) -> Result<()> {
        let chain = &self.ctx.chain();
        let mined_ids: Vec<i64> = round
            .receipts
            .iter()
            .filter(|(_, r)| r.is_some())
            .map(|(id, _)| *id)
            .collect();
        for op in active
            .iter()
            .filter(|o| matches!(o.state, OpState::Submitted | OpState::Included))
        {
            let Some(receipt) = round.receipts.get(&op.id) else {
                continue;
            };
            match (op.state, receipt) {
                (OpState::Submitted, Some(r)) => {
                    let change = OpChange {
                        block: Some((r.block_number, r.block_hash.to_string())),
                        fee_paid: Some(r.gas_used.saturating_mul(r.effective_gas_price)),
                        ..OpChange::default()
                    };
                    self.lifecycle()
                        .step(
                            op.id,
                            &[OpState::Submitted],
                            OpState::Included,
                            change,
                            &format!("block {}", r.block_number),
                        )
                        .await?;
                    self.settle(op, r, round.head, confirmations).await?;
                    // The transaction it replaced (or that replaced it) can no longer be mined.
                    for other in active.iter().filter(|o| {
                        o.id != op.id
                            && o.account_id == op.account_id
                            && o.nonce == op.nonce
                            && matches!(
                                o.state,
                                OpState::Queued | OpState::Submitted | OpState::NeedsResign
                            )
                            && !mined_ids.contains(&o.id)
                    }) {
                        let to = if other.replaces == Some(op.id) {
                            OpState::Dropped
                        } else {
                            OpState::Replaced
                        };
                        self.lifecycle()
                            .step(
                                other.id,
                                &[OpState::Queued, OpState::Submitted, OpState::NeedsResign],
                                to,
                                OpChange::default(),
                                &format!("operation {} was mined with the same nonce", op.id),
                            )
                            .await?;
                    }
                }
                (OpState::Included, Some(r)) => {
                    if op.block_hash.as_deref() != Some(&r.block_hash.to_string()) {
                        // Re-mined in another block after a reorg: follow the new one.
                        let change = OpChange {
                            block: Some((r.block_number, r.block_hash.to_string())),
                            ..OpChange::default()
                        };
                        self.lifecycle()
                            .step(
                                op.id,
                                &[OpState::Included],
                                OpState::Included,
                                change,
                                "moved by a reorg",
                            )
                            .await?;
                    }
                    self.settle(op, r, round.head, confirmations).await?;
                }
                (OpState::Included, None) => {
                    // A reorg took its block away: back to submitted, and back to the node.
                    let change = OpChange {
                        clear_block: true,
                        ..OpChange::default()
                    };
                    self.lifecycle()
                        .step(
                            op.id,
                            &[OpState::Included],
                            OpState::Submitted,
                            change,
                            "its block was reorganised away",
                        )
                        .await?;
                    self.rebroadcast(op).await?;
                }
                (OpState::Submitted, None) => {
                    let (latest, _) = round
                        .nonces
                        .get(&op.account_id)
                        .copied()
                        .unwrap_or_default();
                    let nonce = op.nonce.unwrap_or(u64::MAX);
                    if nonce < latest {
                        // Mined nonce, no receipt for us: another transaction took it, unless
                        // one of ours with that nonce is being mined right now.
                        let ours = active.iter().any(|o| {
                            o.id != op.id
                                && o.account_id == op.account_id
                                && o.nonce == op.nonce
                                && mined_ids.contains(&o.id)
                        });
                        if !ours {
                            self.lifecycle()
                                .step(
                                    op.id,
                                    &[OpState::Submitted],
                                    OpState::NeedsResign,
                                    OpChange {
                                        error: Some(format!(
                                            "nonce {nonce} was used by another transaction"
                                        )),
                                        ..OpChange::default()
                                    },
                                    "nonce used elsewhere",
                                )
                                .await?;
                        }
                    } else if let Some(hash) =
                        op.hash.as_deref().and_then(|h| B256::from_str(h).ok())
                    {
                        if !chain.knows_transaction(hash).await? {
                            // The node forgot it (restart, eviction): send the same bytes again.
                            self.rebroadcast(op).await?;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Included → confirmed after enough blocks, or → failed with the revert reason; either
    /// only when another endpoint of the network (where it has one) bears the receipt out.
    async fn settle(
        &self,
        op: &OperationRow,
        r: &Receipt,
        head: u64,
        confirmations: u64,
    ) -> Result<()> {
        let ends =
            !r.success || head.saturating_add(1) >= r.block_number.saturating_add(confirmations);
        if ends && !self.borne_out_elsewhere(op, r).await? {
            return Ok(());
        }
        let failure = match r.success {
            true => None,
            false => Some(self.revert_reason(op, r.block_number).await),
        };
        Ok(self
            .lifecycle()
            .conclude(op.id, failure, r.block_number, head, confirmations)
            .await?)
    }

    /// Whether another endpoint of the network tells the same story as the receipt: the
    /// same block and outcome, a block that holds the transaction, a nonce that moved. `true`
    /// where the network has a single endpoint. Where the other endpoint has never seen the
    /// transaction, it gets the signed bytes: the first node may be keeping them to itself.
    /// When no other endpoint answers at all, the receipt stands on the first node's checked
    /// word (a dead backup must not hold every payment at `included`).
    async fn borne_out_elsewhere(&self, op: &OperationRow, r: &Receipt) -> Result<bool> {
        let Some(other) = self.ctx.chain().another() else {
            return Ok(true);
        };
        let other = other?;
        let url = other.rpc().network().rpc_urls.join(", ");
        let Some(hash) = op.hash.as_deref().and_then(|h| B256::from_str(h).ok()) else {
            return Ok(false);
        };
        let account = parse_address(&op.from)?;
        let heard = async {
            let receipt = other.receipts(&[hash]).await?.pop().flatten();
            let block = other.blocks(&[r.block_number]).await?.pop().flatten();
            let nonce = other.nonces(&[account]).await?.pop();
            Ok::<_, ChainError>((receipt, block, nonce))
        }
        .await;
        let verdict = match heard {
            // A backup endpoint that is down must not hold every payment at `included`: the
            // receipt then stands on the checks against the first node's blocks and nonce.
            Err(e) if e.is_offline() => {
                tracing::warn!(op = op.id, error = %e, "no second endpoint answers: one node's checked word stands");
                Ok(())
            }
            Err(e) => Err(format!("no second opinion: {e}")),
            Ok((None, ..)) => {
                if let Some(raw) = &op.signed_payload {
                    if let Err(e) = other.send_raw(raw).await {
                        tracing::debug!(op = op.id, error = %e, "second endpoint refused the bytes");
                    }
                }
                Err(format!("{url} has no receipt for it"))
            }
            Ok((Some(theirs), block, nonce)) => {
                if theirs.block_hash != r.block_hash || theirs.success != r.success {
                    Err(format!(
                        "{url} has it in block {} ({}), not {}",
                        theirs.block_number, theirs.block_hash, r.block_hash
                    ))
                } else {
                    receipt_agrees(op.nonce, hash, &theirs, block.as_ref(), nonce)
                }
            }
        };
        match verdict {
            Ok(()) => Ok(true),
            Err(why) => {
                tracing::warn!(op = op.id, %why, "a receipt not borne out by a second endpoint");
                Ok(false)
            }
        }
    }

    /// Confirmations one endpoint gave, re-checked on each endpoint the wallet moves to (and
    /// once per process): a `confirmed` payment the chain as this node serves it does not hold
    /// (no receipt, another block, the nonce unused) goes back to `submitted` and its signed
    /// bytes go out again, as after a reorg. Bounded: the newest confirmations within about a
    /// week of blocks, one batch each of receipts, blocks and nonces.
    async fn recheck_confirmed(&self, memo: &mut SyncMemo, head: u64) -> Result<()> {
        const RECENT: u32 = 64;
        const WINDOW_BLOCKS: u64 = 50_400;
        let chain = self.ctx.chain();
        let chain_id = chain.network().chain_id;
        let here = (chain_id, chain.rpc().active_url().to_string());
        if memo.rechecked_on.as_ref() == Some(&here) {
            return Ok(());
        }
        let ops = self
            .with_session_quiet(|s| {
                Ok(s.ledger.recent_in_state(
                    chain_id,
                    OpState::Confirmed,
                    head.saturating_sub(WINDOW_BLOCKS),
                    RECENT,
                )?)
            })
            .await?;
        let ops: Vec<(&OperationRow, B256)> = ops
            .iter()
            .filter_map(|o| Some((o, B256::from_str(o.hash.as_deref()?).ok()?)))
            .collect();
        if !ops.is_empty() {
            let hashes: Vec<B256> = ops.iter().map(|(_, h)| *h).collect();
            let receipts = chain.receipts(&hashes).await?;
            let blocks =
                blocks_at(&chain, receipts.iter().flatten().map(|r| r.block_number)).await?;
            let mut senders: Vec<&str> = ops.iter().map(|(o, _)| o.from.as_str()).collect();
            senders.sort_unstable();
            senders.dedup();
            let addresses = senders
                .iter()
                .map(|a| parse_address(a))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            let nonces: HashMap<&str, u64> = senders
                .iter()
                .copied()
                .zip(chain.nonces(&addresses).await?)
                .collect();
            for ((op, hash), receipt) in ops.iter().zip(&receipts) {
                let verdict = match receipt {
                    None => Err(format!("{} has no receipt for it", here.1)),
                    Some(r) => receipt_agrees(
                        op.nonce,
                        *hash,
                        r,
                        blocks.get(&r.block_number).and_then(Option::as_ref),
                        nonces.get(op.from.as_str()).copied(),
                    )
                    .and_then(|()| match op.block_hash.as_deref() {
                        Some(b) if b != r.block_hash.to_string() => {
                            Err(format!("it is in block {}, not {b}", r.block_hash))
                        }
                        _ => Ok(()),
                    }),
                };
                let Err(why) = verdict else { continue };
                tracing::warn!(op = op.id, %why, "a confirmation not borne out");
                self.lifecycle()
                    .step(
                        op.id,
                        &[OpState::Confirmed],
                        OpState::Submitted,
                        OpChange {
                            clear_block: true,
                            error: Some(format!("its confirmation did not hold: {why}")),
                            ..OpChange::default()
                        },
                        "confirmation not borne out",
                    )
                    .await?;
                self.rebroadcast(op).await?;
            }
        }
        memo.rechecked_on = Some(here);
        Ok(())
    }

    async fn revert_reason(&self, op: &OperationRow, block: u64) -> String {
        let parse = |s: Option<&str>| s.and_then(|a| Address::from_str(a).ok());
        let (Some(from), Some(to)) = (parse(Some(&op.from)), parse(op.tx_to.as_deref())) else {
            return "reverted".into();
        };
        self.ctx
            .chain()
            .revert_reason(from, to, op.tx_value, &op.tx_data, block.saturating_sub(1))
            .await
            .map(|r| format!("reverted: {r}"))
            .unwrap_or_else(|| "reverted".into())
    }

    async fn rebroadcast(&self, op: &OperationRow) -> Result<()> {
        let Some(raw) = &op.signed_payload else {
            return Ok(());
        };
        match self.ctx.chain().send_raw(raw).await {
            Ok(_) => Ok(()),
            // "already known", "nonce too low": the next round sorts it out from the chain.
            Err(ChainError::Rpc { message, .. }) => {
                tracing::debug!(op = op.id, %message, "rebroadcast refused");
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Queued operations go to the node in nonce order per account.
    async fn broadcast(
        &self,
        active: &[OperationRow],
        round: &Round,
        base_fee: U256,
    ) -> Result<()> {
        let chain = &self.ctx.chain();
        let now = now();
        let mut by_account: HashMap<i64, Vec<&OperationRow>> = HashMap::new();
        for op in active.iter().filter(|o| o.state == OpState::Queued) {
            by_account.entry(op.account_id).or_default().push(op);
        }
        for (account_id, mut ops) in by_account {
            ops.sort_by_key(|o| (o.nonce, o.id));
            let (latest, pending) = round.nonces.get(&account_id).copied().unwrap_or_default();
            // The next nonce the chain can take: after what is mined and what the pool holds.
            let own_in_flight = active
                .iter()
                .filter(|o| o.account_id == account_id && o.state == OpState::Submitted)
                .filter_map(|o| o.nonce)
                .max()
                .map(|n| n.saturating_add(1))
                .unwrap_or(0);
            let mut expected = pending.max(latest).max(own_in_flight);
            for op in ops {
                if op.next_attempt_at > now {
                    break;
                }
                // Replaced before it ever left (a cancel or speed-up while queued): sending it
                // now could only let the original win the race.
                if active.iter().any(|o| {
                    o.replaces == Some(op.id)
                        && matches!(o.state, OpState::Queued | OpState::Submitted)
                }) && op.state == OpState::Queued
                {
                    continue;
                }
                let nonce = op.nonce.unwrap_or(u64::MAX);
                let hash = op.hash.as_deref().and_then(|h| B256::from_str(h).ok());
                if nonce < latest {
                    // Taken on chain: by this very transaction (sent before a crash) or not.
                    let known = match hash {
                        Some(h) => chain.knows_transaction(h).await?,
                        None => false,
                    };
                    if known {
                        self.lifecycle()
                            .step(
                                op.id,
                                &[OpState::Queued],
                                OpState::Submitted,
                                OpChange::default(),
                                "found on chain",
                            )
                            .await?;
                    } else if op.replaces.is_none()
                        && !active.iter().any(|o| o.replaces == Some(op.id))
                    {
                        self.needs_resign(
                            op,
                            format!("nonce {nonce} was used by another transaction"),
                        )
                        .await?;
                    }
                    continue;
                }
                if nonce > expected && op.replaces.is_none() {
                    self.needs_resign(
                        op,
                        format!("nonce gap: the chain expects {expected}, this one has {nonce}"),
                    )
                    .await?;
                    continue;
                }
                if op.max_fee_per_gas < base_fee {
                    self.needs_resign(op, "its max fee is below the current base fee".into())
                        .await?;
                    continue;
                }
                let Some(raw) = &op.signed_payload else {
                    continue;
                };
                match chain.send_raw(raw).await {
                    Ok(_) => {
                        crate::logging::failpoint("broadcast:sent");
                        self.lifecycle()
                            .step(
                                op.id,
                                &[OpState::Queued],
                                OpState::Submitted,
                                OpChange::default(),
                                "broadcast",
                            )
                            .await?;
                        expected = expected.max(nonce.saturating_add(1));
                    }
                    Err(ChainError::Rpc { code, message, .. }) => {
                        let lower = message.to_lowercase();
                        if lower.contains("already known") || lower.contains("already imported") {
                            self.lifecycle()
                                .step(
                                    op.id,
                                    &[OpState::Queued],
                                    OpState::Submitted,
                                    OpChange::default(),
                                    "already known to the node",
                                )
                                .await?;
                            expected = expected.max(nonce.saturating_add(1));
                        } else if lower.contains("nonce too low")
                            || lower.contains("nonce too high")
                        {
                            // Sent by an earlier run that died before recording it? Then it
                            // is ours and on its way; otherwise the nonce went elsewhere.
                            let ours = match hash {
                                Some(h) => chain.knows_transaction(h).await?,
                                None => false,
                            };
                            if ours {
                                self.lifecycle()
                                    .step(
                                        op.id,
                                        &[OpState::Queued],
                                        OpState::Submitted,
                                        OpChange::default(),
                                        "found at the node",
                                    )
                                    .await?;
                                expected = expected.max(nonce.saturating_add(1));
                            } else {
                                self.needs_resign(op, message).await?;
                            }
                        } else if crate::chain::rpc::transient(code, &lower) {
                            // Rate limits and node hiccups answered as JSON-RPC errors: try again
                            // later, keeping the nonce and the signature.
                            let attempts = op.attempts.saturating_add(1);
                            let wait = jitter(Duration::from_secs(1u64 << attempts.min(5)));
                            let change = OpChange {
                                attempts: Some((attempts, now + wait.as_secs() as i64)),
                                error: Some(format!("the node said: {message}; retrying")),
                                ..OpChange::default()
                            };
                            self.with_session_quiet(|s| {
                                Ok(s.ledger.transition(
                                    op.id,
                                    &[OpState::Queued],
                                    OpState::Queued,
                                    &change,
                                    "",
                                )?)
                            })
                            .await
                            .ok();
                            break;
                        } else {
                            self.lifecycle()
                                .step(
                                    op.id,
                                    &[OpState::Queued],
                                    OpState::Failed,
                                    OpChange {
                                        error: Some(format!("the node refused it: {message}")),
                                        ..OpChange::default()
                                    },
                                    "refused by the node",
                                )
                                .await?;
                        }
                    }
                    Err(e) => {
                        // Offline again: count the attempt and wait, with the rest of the queue.
                        let attempts = op.attempts + 1;
                        let wait = jitter(Duration::from_secs(1u64 << attempts.min(5)));
                        let change = OpChange {
                            attempts: Some((attempts, now + wait.as_secs() as i64)),
                            ..OpChange::default()
                        };
                        self.with_session_quiet(|s| {
                            Ok(s.ledger.transition(
                                op.id,
                                &[OpState::Queued],
                                OpState::Queued,
                                &change,
                                "",
                            )?)
                        })
                        .await
                        .ok();
                        return Err(e.into());
                    }
                }
            }
        }
        Ok(())
    }

    /// Marks a queued operation that cannot be sent as it is (only from `queued`: if another
    /// round moved it on meanwhile, that round's view wins).
    async fn needs_resign(&self, op: &OperationRow, why: String) -> Result<()> {
        Ok(self
            .lifecycle()
            .step_with_error(op.id, &[OpState::Queued], OpState::NeedsResign, why)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_is_believed_only_when_block_and_nonce_agree() {
        let tx = B256::repeat_byte(1);
        let block_hash = B256::repeat_byte(2);
        let r = Receipt {
            tx_hash: tx,
            success: true,
            block_number: 7,
            block_hash,
            gas_used: U256::from(21_000),
            effective_gas_price: U256::from(1),
        };
        let block = BlockTxs {
            hash: block_hash,
            transactions: vec![B256::repeat_byte(9), tx],
        };
        assert_eq!(
            receipt_agrees(Some(3), tx, &r, Some(&block), Some(4)),
            Ok(())
        );
        // Each lie on its own is caught.
        let other = B256::repeat_byte(5);
        assert!(receipt_agrees(Some(3), other, &r, Some(&block), Some(4)).is_err());
        assert!(receipt_agrees(Some(3), tx, &r, None, Some(4)).is_err());
        let moved = BlockTxs {
            hash: other,
            ..block.clone()
        };
        assert!(receipt_agrees(Some(3), tx, &r, Some(&moved), Some(4)).is_err());
        let without = BlockTxs {
            transactions: vec![B256::repeat_byte(9)],
            ..block.clone()
        };
        assert!(receipt_agrees(Some(3), tx, &r, Some(&without), Some(4)).is_err());
        let unused = receipt_agrees(Some(3), tx, &r, Some(&block), Some(3)).unwrap_err();
        assert!(unused.contains("nonce 3 is not used yet"), "{unused}");
    }
}
