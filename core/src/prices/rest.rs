//! The opt-in REST fallback: a keyless price service in DefiLlama's coins format
//! (`GET {base}/prices/current/{coin,coin}` → `{"coins": {coin: {"price", "timestamp"}}}`).
//! Assets are named by coin id (`coingecko:ethereum`, `ethereum:0xA0b8…`), never by the
//! user's addresses. The answer is bounded in size and time and checked like a feed's.

use std::time::Duration;

use alloy::primitives::{Address, U256};
use serde_json::Value;

use super::feed::{Quote, STALE_MARGIN_SECS};
use crate::chain::rpc::{read_capped, ReadError};
use crate::primitives::units::format_address;

/// The service's own default; the user can point it elsewhere.
pub const DEFAULT_URL: &str = "https://coins.llama.fi";
/// A price answer for a handful of coins is a few hundred bytes.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
const TIMEOUT: Duration = Duration::from_secs(8);
/// Prices from the service are scaled to this many decimals.
pub const REST_DECIMALS: u8 = 8;
/// How long a price from the service counts as fresh.
pub const REST_HEARTBEAT_SECS: u64 = 3_600;

#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error("the price service at {url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("the price service at {url} answered HTTP {status}")]
    Http { url: String, status: u16 },
    #[error("the price service at {url} sent more than {limit} bytes: refused")]
    TooLarge { url: String, limit: usize },
    #[error("the price service at {url} answered with something that is not a price list")]
    Malformed { url: String },
}

/// The service's name for a chain, where it has one.
fn chain_name(chain_id: u64) -> Option<&'static str> {
    match chain_id {
        1 => Some("ethereum"),
        10 => Some("optimism"),
        8453 => Some("base"),
        42161 => Some("arbitrum"),
        _ => None,
    }
}

/// The coin id of a network's currency (every preset's is ether) or of a token.
pub fn coin_id(chain_id: u64, currency_symbol: &str, token: Option<&Address>) -> Option<String> {
    match token {
        None if currency_symbol.eq_ignore_ascii_case("ETH") => Some("coingecko:ethereum".into()),
        None => None,
        Some(t) => chain_name(chain_id).map(|c| format!("{c}:{}", format_address(t))),
    }
}

/// A JSON number's text (as serde_json prints it: the shortest form that reads back the same,
/// perhaps with an exponent) as an integer scaled by `10^decimals`, digits beyond dropped. No
/// float arithmetic: the digits are moved, not multiplied.
pub fn scaled(text: &str, decimals: u8) -> Option<U256> {
    let (mantissa, exp) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().ok()?),
        None => (text, 0),
    };
    if mantissa.starts_with('-') {
        return None;
    }
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{whole}{frac}");
    // The value is digits × 10^(exp − len(frac)); scaled, × 10^decimals.
    let shift = exp - frac.len() as i32 + i32::from(decimals);
    if !(-80..=80).contains(&shift) || digits.len() > 70 {
        return None;
    }
    let n = U256::from_str_radix(&digits, 10).ok()?;
    let ten = U256::from(10u8);
    if shift >= 0 {
        n.checked_mul(ten.checked_pow(U256::from(shift as u32))?)
    } else {
        ten.checked_pow(U256::from((-shift) as u32)).map(|d| n / d)
    }
}

/// Scheme, host and port of a URL: what may be shown of it.
fn origin(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port()) {
            (Some(host), Some(port)) => format!("{}://{host}:{port}", u.scheme()),
            (Some(host), None) => format!("{}://{host}", u.scheme()),
            (None, _) => u.scheme().to_string(),
        },
        Err(_) => "(an unreadable URL)".into(),
    }
}

/// Reads the prices of `coins`; coins the service does not know are simply absent. Each price
/// is checked as a feed's would be: positive, dated, not in the future.
pub async fn fetch(
    base: &str,
    coins: &[String],
    now: u64,
) -> Result<Vec<(String, Quote)>, RestError> {
    if coins.is_empty() {
        return Ok(Vec::new());
    }
    let base = base.trim_end_matches('/');
    let url = format!("{base}/prices/current/{}", coins.join(","));
    // Errors reach the screen and the log: the user's URL may carry a key in its path or query.
    let shown = origin(base);
    let fail = |reason: String| RestError::Unreachable {
        url: shown.clone(),
        reason,
    };
    let reply = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| fail(e.to_string()))?
        .get(&url)
        .send()
        .await
        .map_err(|e| fail(e.without_url().to_string()))?;
    let status = reply.status();
    if !status.is_success() {
        return Err(RestError::Http {
            url: shown.clone(),
            status: status.as_u16(),
        });
    }
    let body = read_capped(reply, MAX_ANSWER_BYTES)
        .await
        .map_err(|e| match e {
            ReadError::TooLarge => RestError::TooLarge {
                url: shown.clone(),
                limit: MAX_ANSWER_BYTES,
            },
            ReadError::Transport(e) => fail(e.without_url().to_string()),
        })?;
    parse(&body, coins, now).ok_or_else(|| RestError::Malformed { url: shown.clone() })
}

/// The service's answer, keeping only the coins asked for and prices that pass the checks.
pub fn parse(body: &[u8], coins: &[String], now: u64) -> Option<Vec<(String, Quote)>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let listed = v.get("coins")?.as_object()?;
    let mut out = Vec::new();
    for coin in coins {
        let Some(entry) = listed.get(coin) else {
            continue;
        };
        let price = entry
            .get("price")
            .filter(|p| p.is_number())
            .and_then(|p| scaled(&p.to_string(), REST_DECIMALS));
        let at = entry.get("timestamp").and_then(Value::as_u64);
        match (price, at) {
            (Some(answer), Some(updated_at))
                if !answer.is_zero()
                    && updated_at > 0
                    && updated_at <= now.saturating_add(STALE_MARGIN_SECS) =>
            {
                out.push((
                    coin.clone(),
                    Quote {
                        answer,
                        decimals: REST_DECIMALS,
                        updated_at,
                    },
                ));
            }
            _ => continue,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn errors_show_no_path_query_or_credentials_of_the_users_url() {
        assert_eq!(
            origin("https://user:pw@coins.example:8443/v1/KEY123?apikey=KEY456"),
            "https://coins.example:8443"
        );
        assert_eq!(origin("http://127.0.0.1/prices"), "http://127.0.0.1");
        assert_eq!(origin("not a url KEY"), "(an unreadable URL)");
    }

    #[test]
    fn number_text_is_scaled_without_floats() {
        assert_eq!(scaled("3000.12", 8), Some(U256::from(300_012_000_000u64)));
        assert_eq!(scaled("1e-7", 8), Some(U256::from(10u8)));
        assert_eq!(scaled("1.5E3", 2), Some(U256::from(150_000u64)));
        assert_eq!(scaled("0.123456789", 8), Some(U256::from(12_345_678u64)));
        assert_eq!(scaled("-1", 8), None);
        assert_eq!(scaled("1e400", 8), None);
        assert_eq!(scaled("abc", 8), None);
        assert_eq!(scaled(".", 8), None);
    }

    #[test]
    fn only_asked_coins_with_sound_prices_are_kept() {
        let now = 1_700_000_000u64;
        let body = format!(
            r#"{{"coins": {{
                "coingecko:ethereum": {{"price": 3012.5, "timestamp": {now}, "symbol": "ETH"}},
                "ethereum:0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48": {{"price": 0, "timestamp": {now}}},
                "ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7": {{"price": 1.0, "timestamp": {}}},
                "coingecko:bitcoin": {{"price": 90000, "timestamp": {now}}}
            }}}}"#,
            now + 86_400
        );
        let coins = vec![
            "coingecko:ethereum".to_string(),
            "ethereum:0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48".to_string(),
            "ethereum:0xdAC17F958D2ee523a2206206994597C13D831ec7".to_string(),
        ];
        let got = parse(body.as_bytes(), &coins, now).unwrap();
        assert_eq!(
            got.len(),
            1,
            "zero and future prices refused, unasked coins ignored"
        );
        assert_eq!(got[0].0, "coingecko:ethereum");
        assert_eq!(got[0].1.answer, U256::from(301_250_000_000u64));
        assert!(parse(b"[1,2]", &coins, now).is_none());
        assert!(parse(b"not json", &coins, now).is_none());
    }

    proptest! {
        #[test]
        fn scaling_agrees_with_integer_parsing(whole in 0u64..1_000_000_000, frac in 0u32..100_000_000) {
            let text = format!("{whole}.{frac:08}");
            prop_assert_eq!(
                scaled(&text, 8),
                Some(U256::from(whole) * U256::from(100_000_000u64) + U256::from(frac))
            );
        }
    }
}
