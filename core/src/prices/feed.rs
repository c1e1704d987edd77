//! The pure half of prices: which Chainlink feeds each network has, what an aggregator's answer
//! must look like before it is believed, and the integer arithmetic from a balance to a value
//! in a fiat currency. No I/O here, so every rule is tested on its own.

use alloy::primitives::{address, Address, U256, U512};

use crate::chain::network::DEVNET_CHAIN_ID;

/// The fiat currencies a value can be shown in. Feeds quote in USD; another currency is the
/// USD value divided by that currency's own USD feed.
pub const CURRENCIES: &[&str] = &["USD", "EUR", "GBP", "CHF"];

/// Values are kept in a currency's minor unit (cents): two decimals.
pub const FIAT_DECIMALS: u8 = 2;

/// What a feed prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priced {
    /// The network's own currency.
    Native,
    /// An ERC-20 by contract.
    Token(Address),
    /// A fiat currency's price in USD (`EUR` → EUR/USD).
    Fiat(&'static str),
}

impl Priced {
    /// The key under which the price is stored.
    pub fn key(&self) -> String {
        match self {
            Priced::Native => "native".into(),
            Priced::Token(a) => crate::primitives::units::format_address(a),
            Priced::Fiat(c) => format!("fiat:{c}"),
        }
    }
}

/// One Chainlink aggregator: its address and how often it must update (its heartbeat). An
/// answer older than the heartbeat, plus a margin for the update's own way to the chain, is
/// stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feed {
    pub priced: Priced,
    /// What the feed prices, as people name it (shown where the wallet has no such asset).
    pub symbol: &'static str,
    pub address: Address,
    pub heartbeat_secs: u64,
}

/// Past the heartbeat, how late an update may still be before the answer counts as stale.
pub const STALE_MARGIN_SECS: u64 = 600;

// Ethereum mainnet, from Chainlink's published feed addresses (data.chain.link). The devnet
// runs the same table: its script places a test aggregator at these addresses, so what ships
// is what the tests read.
const ETH_USD: Address = address!("5f4eC3Df9cbd43714FE2740f5E3616155c5b8419");
const EUR_USD: Address = address!("b49f677943BC038e9857d61E7d053CaA2C1734C1");
const GBP_USD: Address = address!("5c0Ab2d9b5a7ed9f470386e82BB36A3613cDd4b5");
const CHF_USD: Address = address!("449d117117838fFA61263B61dA6301AA2a88B13A");
const USDC_USD: Address = address!("8fFfFfd4AfB6115b954Bd326cbe7B4BA576818f6");
const USDT_USD: Address = address!("3E7d1eAB13ad0104d2750B8863b489D65364e32D");
// The rollups' own ETH/USD feeds, and the sequencer-uptime feed each must be read with.
const OPTIMISM_ETH_USD: Address = address!("13e3Ee699D1909E989722E753853AE30b17e08c5");
const OPTIMISM_SEQUENCER: Address = address!("371EAD81c9102C9BF4874A9075FFFf170F2Ee389");
const BASE_ETH_USD: Address = address!("71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70");
const BASE_SEQUENCER: Address = address!("BCF85224fc0756B9Fa45aA7892530B47e10b6433");
const ARBITRUM_ETH_USD: Address = address!("639Fe6ab55C921f74e7fac1ee960C0B6293ba612");
const ARBITRUM_SEQUENCER: Address = address!("FdB631F5EE196F0ed6FAa767959853A9F217697D");
const USDC: Address = address!("A0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48");
const USDT: Address = address!("dAC17F958D2ee523a2206206994597C13D831ec7");

/// After a rollup's sequencer comes back, how long its feeds are still not believed: updates
/// queued while it was down land in a burst, and the first answers may be hours old or
/// manipulated in the gap (Chainlink's guidance: one hour).
pub const SEQUENCER_GRACE_SECS: u64 = 3_600;

/// A rollup's sequencer-uptime feed. While the sequencer is down its price feeds cannot update
/// and their last answers look fresher than they are, so a rollup's feeds are read only
/// together with it (one more call in the same batch) and believed only when it says "up" for
/// at least [`SEQUENCER_GRACE_SECS`].
pub fn sequencer(chain_id: u64) -> Option<Address> {
    match chain_id {
        10 => Some(OPTIMISM_SEQUENCER),
        8453 => Some(BASE_SEQUENCER),
        42161 => Some(ARBITRUM_SEQUENCER),
        _ => None,
    }
}

/// Why a rollup's feeds are not believed now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SequencerError {
    #[error("the sequencer-uptime feed's answer is malformed")]
    Malformed,
    #[error("the rollup's sequencer is down")]
    Down,
    #[error("the rollup's sequencer came back less than an hour ago")]
    InGrace,
}

/// Reads a sequencer-uptime round (`latestRoundData`: answer 0 = up, 1 = down; `startedAt` =
/// when that status began): fine only when up since at least the grace period.
pub fn sequencer_up(round: &[u8], now: u64) -> Result<(), SequencerError> {
    if round.len() != 5 * 32 {
        return Err(SequencerError::Malformed);
    }
    let answer = word(round, 1)
        .map(U256::from_be_slice)
        .ok_or(SequencerError::Malformed)?;
    if answer == U256::from(1u8) {
        return Err(SequencerError::Down);
    }
    if !answer.is_zero() {
        return Err(SequencerError::Malformed);
    }
    let since = word(round, 2)
        .and_then(small)
        .ok_or(SequencerError::Malformed)?;
    // A status with no start, or one starting in the future, says nothing to rely on.
    if since == 0 || since > now {
        return Err(SequencerError::Malformed);
    }
    if now - since < SEQUENCER_GRACE_SECS {
        return Err(SequencerError::InGrace);
    }
    Ok(())
}

/// The feeds of a network: Ethereum's (which the devnet mirrors) and the ETH/USD feeds of the
/// rollups Cairn has presets for (read with their sequencer check, priced in USD; other
/// currencies there come from the REST fallback). Testnets' currencies have no price to show.
/// Networks without feeds are priced by the REST fallback when the user turns it on.
pub fn feeds(chain_id: u64) -> Vec<Feed> {
    let eth = |address, heartbeat_secs| Feed {
        priced: Priced::Native,
        symbol: "ETH",
        address,
        heartbeat_secs,
    };
    match chain_id {
        // Heartbeats as Chainlink publishes them: 20 min on OP Mainnet and Base, a day on
        // Arbitrum (where the feed updates on a 0.05 % move).
        10 => vec![eth(OPTIMISM_ETH_USD, 1_200)],
        8453 => vec![eth(BASE_ETH_USD, 1_200)],
        42161 => vec![eth(ARBITRUM_ETH_USD, 86_400)],
        1 | DEVNET_CHAIN_ID => vec![
            Feed {
                priced: Priced::Native,
                symbol: "ETH",
                address: ETH_USD,
                heartbeat_secs: 3_600,
            },
            Feed {
                priced: Priced::Fiat("EUR"),
                symbol: "EUR",
                address: EUR_USD,
                heartbeat_secs: 86_400,
            },
            Feed {
                priced: Priced::Fiat("GBP"),
                symbol: "GBP",
                address: GBP_USD,
                heartbeat_secs: 86_400,
            },
            Feed {
                priced: Priced::Fiat("CHF"),
                symbol: "CHF",
                address: CHF_USD,
                heartbeat_secs: 86_400,
            },
            Feed {
                priced: Priced::Token(USDC),
                symbol: "USDC",
                address: USDC_USD,
                heartbeat_secs: 86_400,
            },
            Feed {
                priced: Priced::Token(USDT),
                symbol: "USDT",
                address: USDT_USD,
                heartbeat_secs: 86_400,
            },
        ],
        _ => Vec::new(),
    }
}

/// `latestRoundData()`.
pub const LATEST_ROUND_DATA: [u8; 4] = [0xfe, 0xaf, 0x96, 0x8c];
/// `decimals()`.
pub const DECIMALS: [u8; 4] = [0x31, 0x3c, 0xe5, 0x67];

/// A price in USD for one whole unit of what it prices, scaled by `10^decimals`, as of
/// `updated_at` (unix seconds, the source's own time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    pub answer: U256,
    pub decimals: u8,
    pub updated_at: u64,
}

/// Why an aggregator's answer was not believed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundError {
    #[error("the feed's answer is not a latestRoundData reply")]
    Malformed,
    #[error("the feed's answer is zero or negative")]
    NotPositive,
    #[error("the feed has no completed round")]
    NoRound,
    #[error("the feed's round is dated in the future")]
    Future,
    #[error("the feed's decimals ({0}) are out of range")]
    Decimals(u64),
}

fn word(bytes: &[u8], i: usize) -> Option<&[u8]> {
    bytes.get(i * 32..(i + 1) * 32)
}

fn small(w: &[u8]) -> Option<u64> {
    let v = U256::from_be_slice(w);
    u64::try_from(v).ok()
}

/// The decimals an aggregator reports: at most 36, so every product below fits.
pub fn decode_decimals(bytes: &[u8]) -> Result<u8, RoundError> {
    if bytes.len() != 32 {
        return Err(RoundError::Malformed);
    }
    let d = small(bytes).ok_or(RoundError::Malformed)?;
    u8::try_from(d)
        .ok()
        .filter(|d| *d <= 36)
        .ok_or(RoundError::Decimals(d))
}

/// Decodes and checks `latestRoundData()`: (roundId, answer int256, startedAt, updatedAt,
/// answeredInRound). Refused: a non-positive answer, a round never completed (updatedAt 0), a
/// round dated more than a few minutes after `now`. An old round is returned as is: staleness
/// is a property of its age when shown, see [`is_stale`].
pub fn decode_round(bytes: &[u8], decimals: u8, now: u64) -> Result<Quote, RoundError> {
    if bytes.len() != 5 * 32 {
        return Err(RoundError::Malformed);
    }
    let answer = word(bytes, 1).ok_or(RoundError::Malformed)?;
    // int256: the top bit set is a negative answer.
    if answer[0] & 0x80 != 0 {
        return Err(RoundError::NotPositive);
    }
    let answer = U256::from_be_slice(answer);
    if answer.is_zero() {
        return Err(RoundError::NotPositive);
    }
    let updated_at = word(bytes, 3)
        .and_then(small)
        .ok_or(RoundError::Malformed)?;
    if updated_at == 0 {
        return Err(RoundError::NoRound);
    }
    if updated_at > now.saturating_add(STALE_MARGIN_SECS) {
        return Err(RoundError::Future);
    }
    Ok(Quote {
        answer,
        decimals,
        updated_at,
    })
}

/// A quote older than its heartbeat plus the margin.
pub fn is_stale(updated_at: u64, heartbeat_secs: u64, now: u64) -> bool {
    now.saturating_sub(updated_at) > heartbeat_secs.saturating_add(STALE_MARGIN_SECS)
}

/// Down to 256 bits, saturating (no balance is worth 10^75 cents, but a hostile token may say so).
fn narrow(v: U512) -> U256 {
    let limbs = v.as_limbs();
    if limbs[4..].iter().any(|l| *l != 0) {
        U256::MAX
    } else {
        U256::from_limbs([limbs[0], limbs[1], limbs[2], limbs[3]])
    }
}

fn pow10(n: u32) -> U512 {
    U512::from(10u8).pow(U512::from(n))
}

/// The value of `amount` base units of an asset with `asset_decimals`, at `price` (USD per
/// whole unit, scaled by `10^price_decimals`), in cents, rounded down. Exact in 512 bits.
pub fn usd_cents(amount: U256, asset_decimals: u8, price: U256, price_decimals: u8) -> U256 {
    let product = U512::from(amount) * U512::from(price) * U512::from(100u8);
    let scale = pow10(u32::from(asset_decimals) + u32::from(price_decimals));
    narrow(product / scale)
}

/// USD cents in another currency, given that currency's USD price (scaled by
/// `10^rate_decimals`): cents × 10^d / rate. A zero rate (refused earlier) gives `None`.
pub fn convert_cents(usd_cents: U256, rate: U256, rate_decimals: u8) -> Option<U256> {
    if rate.is_zero() {
        return None;
    }
    let v = U512::from(usd_cents) * pow10(u32::from(rate_decimals)) / U512::from(rate);
    Some(narrow(v))
}

/// Cents as decimal text with two decimals, e.g. `123456` → `1234.56`.
pub fn format_cents(cents: U256) -> String {
    let hundred = U256::from(100u8);
    format!("{}.{:02}", cents / hundred, (cents % hundred).to::<u64>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round(answer: i128, updated_at: u64) -> Vec<u8> {
        let mut out = vec![0u8; 160];
        out[31] = 7;
        let a = if answer < 0 {
            // two's complement over 256 bits
            (U256::ZERO.wrapping_sub(U256::from(answer.unsigned_abs()))).to_be_bytes::<32>()
        } else {
            U256::from(answer as u128).to_be_bytes::<32>()
        };
        out[32..64].copy_from_slice(&a);
        out[64 + 24..96].copy_from_slice(&updated_at.to_be_bytes());
        out[96 + 24..128].copy_from_slice(&updated_at.to_be_bytes());
        out[159] = 7;
        out
    }

    #[test]
    fn the_table_holds_the_published_mainnet_feeds() {
        let f = feeds(1);
        assert_eq!(
            f[0].address.to_string(),
            "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419"
        );
        assert_eq!(f[0].priced, Priced::Native);
        assert_eq!(feeds(DEVNET_CHAIN_ID), f);
        assert!(
            feeds(11155111).is_empty(),
            "a testnet's currency has no price"
        );
        assert_eq!(sequencer(1), None);
        // Each rollup: its own ETH/USD feed, and a sequencer feed to read it with.
        for (chain, feed, uptime) in [
            (
                10,
                "0x13e3Ee699D1909E989722E753853AE30b17e08c5",
                "0x371EAD81c9102C9BF4874A9075FFFf170F2Ee389",
            ),
            (
                8453,
                "0x71041dddad3595F9CEd3DcCFBe3D1F4b0a16Bb70",
                "0xBCF85224fc0756B9Fa45aA7892530B47e10b6433",
            ),
            (
                42161,
                "0x639Fe6ab55C921f74e7fac1ee960C0B6293ba612",
                "0xFdB631F5EE196F0ed6FAa767959853A9F217697D",
            ),
        ] {
            let f = feeds(chain);
            assert_eq!((f.len(), f[0].priced), (1, Priced::Native), "{chain}");
            assert_eq!(f[0].address.to_string(), feed);
            assert_eq!(
                sequencer(chain).map(|a| a.to_string()).as_deref(),
                Some(uptime)
            );
        }
    }

    #[test]
    fn a_rollups_feeds_wait_for_an_hour_of_sequencer_uptime() {
        let now = 1_700_000_000;
        // `round(answer, t)`: the status `answer` since `t`.
        assert_eq!(sequencer_up(&round(0, now - 3_600), now), Ok(()));
        assert_eq!(
            sequencer_up(&round(0, now - 3_599), now),
            Err(SequencerError::InGrace)
        );
        assert_eq!(
            sequencer_up(&round(1, now - 86_400), now),
            Err(SequencerError::Down)
        );
        for bad in [round(2, now - 86_400), round(0, 0), round(0, now + 60)] {
            assert_eq!(sequencer_up(&bad, now), Err(SequencerError::Malformed));
        }
        assert_eq!(
            sequencer_up(&round(0, now - 86_400)[..96], now),
            Err(SequencerError::Malformed)
        );
    }

    #[test]
    fn a_good_round_is_believed_and_bad_ones_are_refused() {
        let now = 1_700_000_000;
        let q = decode_round(&round(300_000_000_000, now - 60), 8, now).unwrap();
        assert_eq!(q.answer, U256::from(300_000_000_000_u64));
        assert_eq!(q.updated_at, now - 60);
        assert_eq!(
            decode_round(&round(0, now), 8, now),
            Err(RoundError::NotPositive)
        );
        assert_eq!(
            decode_round(&round(-5, now), 8, now),
            Err(RoundError::NotPositive)
        );
        assert_eq!(decode_round(&round(5, 0), 8, now), Err(RoundError::NoRound));
        assert_eq!(
            decode_round(&round(5, now + 3_600), 8, now),
            Err(RoundError::Future)
        );
        assert_eq!(
            decode_round(&round(5, now)[..128], 8, now),
            Err(RoundError::Malformed)
        );
        assert_eq!(
            decode_decimals(&U256::from(99u8).to_be_bytes::<32>()),
            Err(RoundError::Decimals(99))
        );
        assert_eq!(decode_decimals(&U256::from(8u8).to_be_bytes::<32>()), Ok(8));
    }

    #[test]
    fn staleness_counts_the_heartbeat_and_the_margin() {
        assert!(!is_stale(1_000, 3_600, 1_000 + 3_600 + STALE_MARGIN_SECS));
        assert!(is_stale(
            1_000,
            3_600,
            1_000 + 3_600 + STALE_MARGIN_SECS + 1
        ));
    }

    #[test]
    fn values_are_balance_times_price_in_cents() {
        // 1.5 ETH at $3,000.12345678 = $4,500.18 (rounded down)
        let cents = usd_cents(
            U256::from(15u8) * U256::from(10u8).pow(U256::from(17u8)),
            18,
            U256::from(300_012_345_678u64),
            8,
        );
        assert_eq!(format_cents(cents), "4500.18");
        // 2.5 USDC (6 decimals) at $0.99990000
        assert_eq!(
            format_cents(usd_cents(
                U256::from(2_500_000u64),
                6,
                U256::from(99_990_000u64),
                8
            )),
            "2.49"
        );
        // $1,080.00 at EUR/USD 1.08 = €1,000.00
        assert_eq!(
            convert_cents(U256::from(108_000u64), U256::from(108_000_000u64), 8)
                .map(format_cents)
                .as_deref(),
            Some("1000.00")
        );
        assert_eq!(convert_cents(U256::from(1u8), U256::ZERO, 8), None);
    }

    proptest! {
        #[test]
        fn the_value_never_overflows_and_is_monotonic(a in any::<u128>(), b in any::<u128>(),
                                                       p in 1u64..u64::MAX, d in 0u8..=36) {
            let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
            let v_lo = usd_cents(U256::from(lo), 18, U256::from(p), d);
            let v_hi = usd_cents(U256::from(hi), 18, U256::from(p), d);
            prop_assert!(v_lo <= v_hi);
            let max = usd_cents(U256::MAX, 0, U256::from(u64::MAX), 0);
            prop_assert_eq!(max, U256::MAX);
        }
    }
}
