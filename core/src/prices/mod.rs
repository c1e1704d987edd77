//! Fiat prices: Chainlink feeds read on chain through the user's own node (in the sync round's
//! one request per block, every few minutes), an opt-in keyless REST service where no feed
//! answers freshly, one cached row per priced thing in the encrypted ledger with its source and
//! age, and the value of a balance in the user's currency. A price is believed only after the
//! checks in [`feed`]; a stale one is still shown, marked, but never relied on: a fiat spending
//! limit without a fresh price asks for the code.
//!
//! May use: `chain`, `session`, `store`, `primitives`.

pub(crate) mod feed;
pub(crate) mod rest;

use std::collections::HashMap;

use alloy::primitives::{Address, Bytes, U256};
use cairn_api::{FiatValue, Portfolio, PriceRow, PriceSettings, PriceTable};
use rusqlite::params;

use self::feed::{Feed, Priced, Quote, CURRENCIES};
use self::rest::RestError;
use crate::chain::network::Network;
use crate::chain::rpc::ChainError;
use crate::primitives::units::{format_units, parse_address, AmountError};
use crate::session::{gate_methods, Ctx, SessionError};
use crate::store::ledger::{now, Ledger, LedgerError};

/// How often the sync round reads the feeds (they update hourly at most on mainnet).
pub(crate) const READ_EVERY_SECS: u64 = 300;

const CURRENCY_KEY: &str = "prices.currency";
const OFF_KEY: &str = "prices.off";
const REST_KEY: &str = "prices.rest";
const REST_URL_KEY: &str = "prices.rest_url";

/// Why prices could not be read or set.
#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    #[error("{0:?} is not a currency Cairn can show values in (USD, EUR, GBP or CHF)")]
    Currency(String),
    #[error("{0:?} is not an https:// URL (http:// only on this machine)")]
    RestUrl(String),
    #[error("prices are turned off in Settings")]
    Off,
    #[error(transparent)]
    Rest(#[from] RestError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

type Result<T, E = PriceError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Chainlink,
    Rest,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Chainlink => "chainlink",
            Source::Rest => "rest",
        }
    }
}

/// A stored price.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stored {
    quote: Quote,
    heartbeat: u64,
    source: String,
}

impl Stored {
    fn stale(&self, now: u64) -> bool {
        feed::is_stale(self.quote.updated_at, self.heartbeat, now)
    }
}

impl Ledger {
    fn prices_on(&self, chain_id: u64) -> Result<HashMap<String, Stored>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT asset, answer, decimals, updated_at, heartbeat, source FROM prices
             WHERE chain_id = ?1",
        )?;
        let rows = stmt.query_map(params![chain_id as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u8>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut out = HashMap::new();
        for row in rows {
            let (asset, answer, decimals, updated_at, heartbeat, source) = row?;
            // A row that does not parse is as good as none (the file is the user's, but a
            // price is never worth failing a balance over).
            if let Ok(answer) = answer.parse::<U256>() {
                out.insert(
                    asset,
                    Stored {
                        quote: Quote {
                            answer,
                            decimals: decimals.min(36),
                            updated_at: updated_at.max(0) as u64,
                        },
                        heartbeat: heartbeat.max(0) as u64,
                        source,
                    },
                );
            }
        }
        Ok(out)
    }

    /// Keeps the newer of the stored and the given price: an answer older than what is known
    /// (a lagging node, a replayed service answer) never replaces it.
    fn put_price(
        &mut self,
        chain_id: u64,
        asset: &str,
        quote: &Quote,
        heartbeat: u64,
        source: Source,
    ) -> Result<(), LedgerError> {
        self.conn.execute(
            "INSERT INTO prices (chain_id, asset, answer, decimals, updated_at, fetched_at,
                                 heartbeat, source)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (chain_id, asset) DO UPDATE SET
                answer = excluded.answer, decimals = excluded.decimals,
                updated_at = excluded.updated_at, fetched_at = excluded.fetched_at,
                heartbeat = excluded.heartbeat, source = excluded.source
             WHERE excluded.updated_at >= prices.updated_at",
            params![
                chain_id as i64,
                asset,
                quote.answer.to_string(),
                quote.decimals,
                quote.updated_at as i64,
                now(),
                heartbeat as i64,
                source.as_str()
            ],
        )?;
        Ok(())
    }
}

/// The user's price settings (defaults: USD, on, no REST fallback).
pub(crate) fn settings(ledger: &Ledger) -> Result<PriceSettings, LedgerError> {
    let currency = ledger
        .setting(CURRENCY_KEY)?
        .filter(|c| CURRENCIES.contains(&c.as_str()))
        .unwrap_or_else(|| "USD".into());
    Ok(PriceSettings {
        currency,
        enabled: ledger.setting(OFF_KEY)?.as_deref() != Some("1"),
        rest_fallback: ledger.setting(REST_KEY)?.as_deref() == Some("1"),
        rest_url: ledger
            .setting(REST_URL_KEY)?
            .unwrap_or_else(|| rest::DEFAULT_URL.into()),
    })
}

/// Values amounts on one network in the user's currency, from the prices stored when it was
/// made (one read of the table, then pure arithmetic).
pub(crate) struct Valuer {
    currency: String,
    enabled: bool,
    rows: HashMap<String, Stored>,
    now: u64,
}

/// A value in cents, and whether any price under it is stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cents {
    pub cents: U256,
    pub stale: bool,
    source: Source,
    priced_at: u64,
}

impl Valuer {
    pub(crate) fn load(ledger: &Ledger, chain_id: u64) -> Result<Valuer, LedgerError> {
        let currency = settings(ledger)?.currency;
        Valuer::load_in(ledger, chain_id, &currency)
    }

    /// In a given currency (a fiat limit keeps the one it was set in).
    pub(crate) fn load_in(
        ledger: &Ledger,
        chain_id: u64,
        currency: &str,
    ) -> Result<Valuer, LedgerError> {
        let s = settings(ledger)?;
        Ok(Valuer {
            currency: currency.to_string(),
            enabled: s.enabled,
            rows: ledger.prices_on(chain_id)?,
            now: now().max(0) as u64,
        })
    }

    pub(crate) fn currency(&self) -> &str {
        &self.currency
    }

    /// `amount` base units of the asset (`None`: the native currency) in the user's currency.
    pub(crate) fn cents(&self, token: Option<&str>, amount: U256, decimals: u8) -> Option<Cents> {
        if !self.enabled {
            return None;
        }
        let key = match token {
            None => Priced::Native.key(),
            Some(t) => Priced::Token(parse_address(t).ok()?).key(),
        };
        let price = self.rows.get(&key)?;
        let usd = feed::usd_cents(amount, decimals, price.quote.answer, price.quote.decimals);
        let mut stale = price.stale(self.now);
        let mut priced_at = price.quote.updated_at;
        let cents = if self.currency == "USD" {
            usd
        } else {
            let rate = self.rows.get(&Priced::Fiat(self.fiat_code()?).key())?;
            stale |= rate.stale(self.now);
            priced_at = priced_at.min(rate.quote.updated_at);
            feed::convert_cents(usd, rate.quote.answer, rate.quote.decimals)?
        };
        let source = if price.source == "rest" {
            Source::Rest
        } else {
            Source::Chainlink
        };
        Some(Cents {
            cents,
            stale,
            source,
            priced_at,
        })
    }

    /// The code as the `'static` the feed table names it by.
    fn fiat_code(&self) -> Option<&'static str> {
        CURRENCIES.iter().copied().find(|c| *c == self.currency)
    }

    pub(crate) fn value(
        &self,
        token: Option<&str>,
        amount: U256,
        decimals: u8,
    ) -> Option<FiatValue> {
        self.cents(token, amount, decimals).map(|c| self.show(c))
    }

    pub(crate) fn show(&self, c: Cents) -> FiatValue {
        FiatValue {
            amount: feed::format_cents(c.cents),
            currency: self.currency.clone(),
            stale: c.stale,
            source: c.source.as_str().into(),
            priced_at: c.priced_at,
        }
    }
}

/// The calls a sync round adds to its batch to read a network's feeds: per feed,
/// `latestRoundData()` then `decimals()`.
pub(crate) fn feed_calls(chain_id: u64) -> (Vec<Feed>, Vec<(Address, Bytes)>) {
    let feeds = feed::feeds(chain_id);
    let mut calls: Vec<(Address, Bytes)> = feeds
        .iter()
        .flat_map(|f| {
            [
                (f.address, Bytes::from(feed::LATEST_ROUND_DATA.to_vec())),
                (f.address, Bytes::from(feed::DECIMALS.to_vec())),
            ]
        })
        .collect();
    // A rollup's feeds come with its sequencer's status, read at the same block.
    if let (Some(sequencer), false) = (feed::sequencer(chain_id), feeds.is_empty()) {
        calls.push((sequencer, Bytes::from(feed::LATEST_ROUND_DATA.to_vec())));
    }
    (feeds, calls)
}

/// Stores what the feeds answered (two answers per feed, as [`feed_calls`] asked). An answer
/// that fails the checks is logged and dropped: the previous price stays and ages into stale.
pub(crate) fn absorb(
    ledger: &mut Ledger,
    chain_id: u64,
    feeds: &[Feed],
    answers: &[Result<Vec<u8>, ChainError>],
) -> Result<usize, LedgerError> {
    let now = now().max(0) as u64;
    if let Some(sequencer) = feed::sequencer(chain_id).filter(|_| !feeds.is_empty()) {
        // The last answer is the sequencer's (see `feed_calls`); without a believable "up",
        // nothing is stored and the prices age into stale where the user sees them so.
        let status = match answers.get(feeds.len() * 2) {
            Some(Ok(round)) => feed::sequencer_up(round, now),
            Some(Err(_)) | None => Err(feed::SequencerError::Malformed),
        };
        if let Err(e) = status {
            tracing::warn!(%sequencer, error = %e, "rollup price feeds not believed");
            return Ok(0);
        }
    }
    let mut stored = 0;
    for (feed, pair) in feeds.iter().zip(answers.chunks(2)) {
        let [round, decimals] = pair else { continue };
        let quote = match (round, decimals) {
            (Ok(round), Ok(decimals)) => {
                feed::decode_decimals(decimals).and_then(|d| feed::decode_round(round, d, now))
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::debug!(feed = %feed.address, error = %e, "price feed unreadable");
                continue;
            }
        };
        match quote {
            Ok(q) => {
                ledger.put_price(
                    chain_id,
                    &feed.priced.key(),
                    &q,
                    feed.heartbeat_secs,
                    Source::Chainlink,
                )?;
                stored += 1;
            }
            Err(e) => tracing::warn!(feed = %feed.address, error = %e, "price feed answer refused"),
        }
    }
    Ok(stored)
}

/// The room's door: reading, refreshing and configuring prices.
pub(crate) struct Prices<'a> {
    pub(crate) ctx: &'a Ctx,
}

impl Prices<'_> {
    gate_methods!(PriceError);

    /// The settings and every stored price on the active network.
    pub(crate) async fn table(&self) -> Result<PriceTable> {
        let network = self.ctx.network();
        self.with_session_quiet(|s| {
            let settings = settings(&s.ledger)?;
            let rows = s.ledger.prices_on(network.chain_id)?;
            let assets = s.ledger.assets(network.chain_id)?;
            let now = now().max(0) as u64;
            let mut out: Vec<PriceRow> = rows
                .iter()
                .map(|(key, p)| {
                    let label = if key == "native" {
                        network.currency_symbol.clone()
                    } else if let Some(a) = assets
                        .iter()
                        .find(|a| a.contract.as_deref() == Some(key.as_str()))
                    {
                        a.symbol.clone()
                    } else {
                        feed::feeds(network.chain_id)
                            .iter()
                            .find(|f| f.priced.key() == *key)
                            .map_or_else(|| key.clone(), |f| f.symbol.to_string())
                    };
                    Ok(PriceRow {
                        label,
                        usd: format_units(p.quote.answer, p.quote.decimals)?,
                        source: p.source.clone(),
                        priced_at: p.quote.updated_at,
                        stale: p.stale(now),
                    })
                })
                .collect::<Result<_>>()?;
            out.sort_by(|a, b| a.label.cmp(&b.label));
            Ok(PriceTable {
                settings,
                rows: out,
                currencies: CURRENCIES.iter().map(|c| c.to_string()).collect(),
            })
        })
        .await
    }

    /// Changes the settings (each change audited by the ledger).
    pub(crate) async fn set(&self, new: &PriceSettings) -> Result<()> {
        let currency = new.currency.trim().to_ascii_uppercase();
        if !CURRENCIES.contains(&currency.as_str()) {
            return Err(PriceError::Currency(new.currency.clone()));
        }
        let url = new.rest_url.trim().trim_end_matches('/').to_string();
        let loopback = url.starts_with("http://127.0.0.1") || url.starts_with("http://localhost");
        if !(url.starts_with("https://") || loopback) || url.len() > 200 {
            return Err(PriceError::RestUrl(new.rest_url.clone()));
        }
        self.with_session(|s| {
            let old = settings(&s.ledger)?;
            let flag = |b: bool| if b { "1" } else { "0" };
            if old.currency != currency {
                s.ledger.set_setting(CURRENCY_KEY, &currency)?;
            }
            if old.enabled != new.enabled {
                s.ledger.set_setting(OFF_KEY, flag(!new.enabled))?;
            }
            if old.rest_fallback != new.rest_fallback {
                s.ledger.set_setting(REST_KEY, flag(new.rest_fallback))?;
            }
            if old.rest_url != url {
                s.ledger.set_setting(REST_URL_KEY, &url)?;
            }
            Ok(())
        })
        .await
    }

    /// Reads every feed of the active network now (one request), then asks the REST service
    /// for what is still without a fresh price when the user turned it on.
    pub(crate) async fn refresh(&self) -> Result<PriceTable> {
        let enabled = self
            .with_session_quiet(|s| Ok(settings(&s.ledger)?.enabled))
            .await?;
        if !enabled {
            return Err(PriceError::Off);
        }
        let chain_id = self.ctx.network().chain_id;
        let (feeds, calls) = feed_calls(chain_id);
        if !calls.is_empty() {
            let answers = self.ctx.chain().calls(&calls).await?;
            self.with_session_quiet(|s| Ok(absorb(&mut s.ledger, chain_id, &feeds, &answers)?))
                .await?;
        }
        self.fallback().await?;
        self.table().await
    }

    /// The REST service, for held assets (and the chosen currency's rate) whose price is
    /// missing or stale; nothing when the user has not turned it on.
    pub(crate) async fn fallback(&self) -> Result<usize> {
        let network = self.ctx.network();
        let wanted = self
            .with_session_quiet(|s| {
                let settings = settings(&s.ledger)?;
                if !settings.enabled || !settings.rest_fallback {
                    return Ok(None);
                }
                let rows = s.ledger.prices_on(network.chain_id)?;
                let now = now().max(0) as u64;
                let fresh = |key: &str| rows.get(key).is_some_and(|p| !p.stale(now));
                let mut coins = Vec::new();
                for asset in s.ledger.assets(network.chain_id)? {
                    let token = asset
                        .contract
                        .as_deref()
                        .and_then(|c| parse_address(c).ok());
                    let key = match &token {
                        None => Priced::Native.key(),
                        Some(t) => Priced::Token(*t).key(),
                    };
                    if fresh(&key) {
                        continue;
                    }
                    if let Some(coin) =
                        rest::coin_id(network.chain_id, &network.currency_symbol, token.as_ref())
                    {
                        coins.push((coin, key));
                    }
                }
                Ok(Some((settings.rest_url, coins)))
            })
            .await?;
        let Some((url, coins)) = wanted else {
            return Ok(0);
        };
        if coins.is_empty() {
            return Ok(0);
        }
        let ids: Vec<String> = coins.iter().map(|(c, _)| c.clone()).collect();
        let quotes = rest::fetch(&url, &ids, now().max(0) as u64).await?;
        let chain_id = network.chain_id;
        self.with_session_quiet(|s| {
            let mut n = 0;
            for (coin, quote) in &quotes {
                if let Some((_, key)) = coins.iter().find(|(c, _)| c == coin) {
                    s.ledger.put_price(
                        chain_id,
                        key,
                        quote,
                        rest::REST_HEARTBEAT_SECS,
                        Source::Rest,
                    )?;
                    n += 1;
                }
            }
            Ok(n)
        })
        .await
    }
}

impl Prices<'_> {
    /// Every visible account's holdings on the active network, valued together.
    pub(crate) async fn portfolio(&self) -> Result<Portfolio> {
        let network = self.ctx.network();
        self.with_session_quiet(|s| {
            let valuer = Valuer::load(&s.ledger, network.chain_id)?;
            let accounts = s.ledger.accounts(false)?;
            let assets = s.ledger.assets(network.chain_id)?;
            let held = s.ledger.balances_on(network.chain_id)?;
            let mut total: Option<Cents> = None;
            let mut native = None;
            let mut unpriced = Vec::new();
            for asset in &assets {
                let amount = accounts
                    .iter()
                    .filter_map(|a| held.get(&(a.id, asset.id)))
                    .fold(U256::ZERO, |sum, v| sum.saturating_add(*v));
                let read = accounts
                    .iter()
                    .any(|a| held.contains_key(&(a.id, asset.id)));
                if asset.contract.is_none() && read {
                    native = Some(amount);
                }
                if amount.is_zero() {
                    continue;
                }
                match valuer.cents(asset.contract.as_deref(), amount, asset.decimals) {
                    Some(c) => {
                        total = Some(match total {
                            None => c,
                            Some(t) => Cents {
                                cents: t.cents.saturating_add(c.cents),
                                stale: t.stale || c.stale,
                                source: t.source,
                                priced_at: t.priced_at.min(c.priced_at),
                            },
                        });
                    }
                    None => unpriced.push(asset.symbol.clone()),
                }
            }
            Ok(Portfolio {
                currency: valuer.currency().to_string(),
                total: total.map(|c| valuer.show(c)),
                native_total: native
                    .map(|n| format_units(n, network.currency_decimals))
                    .transpose()?,
                native_symbol: network.currency_symbol.clone(),
                unpriced,
            })
        })
        .await
    }
}

/// Whether prices are read in the background on this network at all.
pub(crate) fn has_feeds(network: &Network) -> bool {
    !feed::feeds(network.chain_id).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ledger::test_keys;

    /// `latestRoundData` words: round 1, `answer`, started and updated at `at`, round 1.
    fn round(answer: u64, at: u64) -> Vec<u8> {
        [1, answer, at, at, 1]
            .iter()
            .flat_map(|w| U256::from(*w).to_be_bytes::<32>())
            .collect()
    }

    fn decimals(d: u8) -> Vec<u8> {
        U256::from(d).to_be_bytes::<32>().to_vec()
    }

    #[test]
    fn a_rollups_prices_are_stored_only_while_its_sequencer_is_up() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path(), &test_keys(5)).unwrap();
        let now = now().max(0) as u64;
        let (feeds, calls) = feed_calls(8453);
        assert_eq!(
            (feeds.len(), calls.len()),
            (1, 3),
            "the ETH/USD feed's two calls and the sequencer's one, in the same batch"
        );
        assert_eq!(Some(calls[2].0), feed::sequencer(8453));
        let eth = |price| Ok(round(price, now - 60));
        for (status, stored) in [
            (round(1, now - 86_400), 0), // down
            (round(0, now - 600), 0),    // back for ten minutes only
            (round(0, now - 7_200), 1),  // up for two hours
        ] {
            let answers = vec![eth(300_000_000_000), Ok(decimals(8)), Ok(status)];
            assert_eq!(absorb(&mut ledger, 8453, &feeds, &answers).unwrap(), stored);
        }
        // An unreadable status is no "up".
        let answers = vec![eth(310_000_000_000), Ok(decimals(8))];
        assert_eq!(absorb(&mut ledger, 8453, &feeds, &answers).unwrap(), 0);
        assert_eq!(
            ledger.prices_on(8453).unwrap()["native"].quote.answer,
            U256::from(300_000_000_000u64),
            "the price of the round the sequencer vouched for"
        );
        // Ethereum has no sequencer: its feeds are read alone.
        let (feeds, calls) = feed_calls(1);
        assert_eq!(calls.len(), feeds.len() * 2);
    }
}
