//! Fiat prices against the devnet's feeds, which answer as Chainlink's do at its mainnet feed
//! addresses: a balance's value is balance × the feed's answer (both read from the chain by
//! the test itself), in USD, and in EUR, GBP and CHF through their USD feeds; a stale feed is
//! marked stale and, with the REST fallback turned on, replaced by the service's price (asked
//! by asset, never by address); a fiat spending limit asks for the code above it and, failing
//! closed, whenever no fresh price can value the send.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use alloy::primitives::U256;
use cairn_api::{ErrorCode, Policy};
use cairn_core::totp;
use cairn_tests::devnet::{Devnet, Endpoints, Peers};
use cairn_tests::wallet::*;
use secrecy::SecretString;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn word(v: U256) -> String {
    hex::encode(v.to_be_bytes::<32>())
}

/// Sets a feed's latest round as the devnet's aggregator allows: any answer, any time.
async fn set_round(e: &Endpoints, feed: &str, round: u64, answer: U256, updated_at: u64) {
    let selector = &e.price_feed_methods["updateRoundData(uint80,int256,uint256,uint256)"];
    let data = format!(
        "0x{selector}{}{}{}{}",
        word(U256::from(round)),
        word(answer),
        word(U256::from(updated_at)),
        word(U256::from(updated_at))
    );
    dev_send(&e.rpc_url, json!({"to": e.price_feeds[feed], "data": data})).await;
}

/// The feed's answer, read by the test through plain JSON-RPC.
async fn feed_answer(e: &Endpoints, feed: &str) -> U256 {
    let v = rpc(
        &e.rpc_url,
        "eth_call",
        json!([{"to": e.price_feeds[feed], "data": "0xfeaf968c"}, "latest"]),
    )
    .await;
    let bytes = hex::decode(v.as_str().unwrap().trim_start_matches("0x")).unwrap();
    U256::from_be_slice(&bytes[32..64])
}

/// A price service in DefiLlama's coins format on loopback; remembers the paths it was asked.
async fn price_service(eth_price: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = asked.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = vec![0u8; 8192];
            let n = sock.read(&mut buf).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = request.split_whitespace().nth(1).unwrap_or("").to_string();
            log.lock().unwrap().push(path);
            let body = format!(
                r#"{{"coins":{{"coingecko:ethereum":{{"price":{eth_price},"symbol":"ETH","timestamp":{},"confidence":0.99}}}}}}"#,
                unix_now()
            );
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = sock.write_all(reply.as_bytes()).await;
        }
    });
    (url, asked)
}

#[tokio::test]
async fn balances_are_valued_by_the_feeds_and_fiat_limits_fail_closed() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).unwrap();
    let e = devnet.endpoints.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(std::slice::from_ref(&e.rpc_url))).await;
    w.set_quiet(true).await.unwrap();
    w.devnet_fund(&me, "2.5").await.unwrap();

    // Value = balance × price, both as the chain says them.
    w.sync_once().await.unwrap();
    let balance = eth_balance(&e.rpc_url, &me).await;
    let price = feed_answer(&e, "ethUsd").await;
    let expected_cents = balance * price * U256::from(100u8) / U256::from(10u128.pow(26));
    let native = w.balances(&me).await.unwrap().remove(0);
    let fiat = native.fiat.expect("the native balance has a value");
    assert_eq!(fiat.currency, "USD");
    assert_eq!(fiat.source, "chainlink");
    assert!(!fiat.stale);
    assert_eq!(
        fiat.amount,
        format!(
            "{}.{:02}",
            expected_cents / U256::from(100u8),
            (expected_cents % U256::from(100u8)).to::<u64>()
        )
    );
    assert_eq!(fiat.amount, "7500.00", "2.5 ETH at the devnet's $3,000");
    let portfolio = w.portfolio().await.unwrap();
    assert_eq!(portfolio.total.unwrap().amount, "7500.00");
    assert_eq!(portfolio.native_total.as_deref(), Some("2.5"));

    // In euros through the EUR/USD feed (1.08): 7500 / 1.08 = 6944.44.
    let mut settings = w.prices().await.unwrap().settings;
    settings.currency = "EUR".into();
    w.set_price_settings(&settings).await.unwrap();
    let fiat = w.balances(&me).await.unwrap().remove(0).fiat.unwrap();
    assert_eq!(
        (fiat.amount.as_str(), fiat.currency.as_str()),
        ("6944.44", "EUR")
    );
    // In pounds and francs through their feeds (1.25, 1.125): 6000.00 and 6666.66 (cents cut,
    // never rounded up).
    for (code, value) in [("GBP", "6000.00"), ("CHF", "6666.66")] {
        settings.currency = code.into();
        w.set_price_settings(&settings).await.unwrap();
        let fiat = w.balances(&me).await.unwrap().remove(0).fiat.unwrap();
        assert_eq!(
            (fiat.amount.as_str(), fiat.currency.as_str()),
            (value, code)
        );
    }
    settings.currency = "JPY".into();
    assert_eq!(
        w.set_price_settings(&settings).await.unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    settings.currency = "USD".into();
    w.set_price_settings(&settings).await.unwrap();

    // A new price is read at the next due round, or at once on demand.
    set_round(&e, "ethUsd", 2, U256::from(320_000_000_000_u64), unix_now()).await;
    let table = w.refresh_prices().await.unwrap();
    let eth_row = table.rows.iter().find(|r| r.label == "ETH").unwrap();
    assert_eq!((eth_row.usd.as_str(), eth_row.stale), ("3200.0", false));
    let fiat = w.balances(&me).await.unwrap().remove(0).fiat.unwrap();
    assert_eq!(fiat.amount, "8000.00");

    // A refused round (a negative answer) changes nothing: the last believed price stays.
    set_round(
        &e,
        "ethUsd",
        3,
        U256::ZERO.wrapping_sub(U256::from(5u8)),
        unix_now(),
    )
    .await;
    w.refresh_prices().await.unwrap();
    assert_eq!(
        w.balances(&me).await.unwrap()[0]
            .fiat
            .as_ref()
            .unwrap()
            .amount,
        "8000.00"
    );

    // The fiat policy: 1,000 USD per send, set with a code.
    let enrolled = w
        .mfa_enroll(SecretString::from("send sync password"))
        .await
        .unwrap();
    let secret = totp::from_base32(&enrolled.secret_base32).unwrap();
    let t0 = unix_now();
    let code = |offset: u64| totp::code_at(&secret, t0 + offset * totp::PERIOD);
    w.mfa_confirm(&code(0)).await.unwrap();
    let policy = Policy {
        per_send_fiat: Some("1000".into()),
        ..Policy::default()
    };
    w.set_policy(&policy, Some(&code(1))).await.unwrap();
    assert_eq!(
        w.mfa_status()
            .await
            .unwrap()
            .policy
            .per_send_fiat
            .as_deref(),
        Some("1000.00 USD")
    );
    // 0.1 ETH = $320: no code. 0.5 ETH = $1,600: the code, and the message says why.
    w.send(&eth(BOB, &me, "0.1")).await.unwrap();
    let err = w.send(&eth(BOB, &me, "0.5")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::MfaRequired, "{err}");
    assert!(err.to_string().contains("1600.00 USD"), "{err}");
    assert!(err.to_string().contains("1000.00 USD"), "{err}");

    // No fresh price (prices turned off): even a small send counts as over the limit.
    settings.enabled = false;
    w.set_price_settings(&settings).await.unwrap();
    assert!(
        w.balances(&me).await.unwrap()[0].fiat.is_none(),
        "nothing valued when off"
    );
    let err = w.send(&eth(BOB, &me, "0.01")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::MfaRequired, "{err}");
    assert!(err.to_string().contains("no fresh price"), "{err}");
    assert_eq!(
        w.refresh_prices().await.unwrap_err().code(),
        ErrorCode::Conflict
    );
}

#[tokio::test]
async fn a_stale_feed_is_marked_and_the_opt_in_service_replaces_it() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).unwrap();
    let e = devnet.endpoints.clone();
    // The feed stopped updating two hours ago (its heartbeat is one hour).
    set_round(
        &e,
        "ethUsd",
        2,
        U256::from(290_000_000_000_u64),
        unix_now() - 7_200,
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(std::slice::from_ref(&e.rpc_url))).await;
    w.set_quiet(true).await.unwrap();
    w.devnet_fund(&me, "1").await.unwrap();
    w.sync_once().await.unwrap();
    let fiat = w.balances(&me).await.unwrap().remove(0).fiat.unwrap();
    assert_eq!(fiat.amount, "2900.00");
    assert!(fiat.stale, "a price past its heartbeat is marked stale");
    assert!(w.portfolio().await.unwrap().total.unwrap().stale);

    // The REST fallback, off by default, turned on: the service's fresh price replaces it.
    let (url, asked) = price_service("3012.5").await;
    let mut settings = w.prices().await.unwrap().settings;
    assert!(!settings.rest_fallback, "off until the user turns it on");
    settings.rest_fallback = true;
    settings.rest_url = url;
    w.set_price_settings(&settings).await.unwrap();
    let table = w.refresh_prices().await.unwrap();
    let eth_row = table.rows.iter().find(|r| r.label == "ETH").unwrap();
    assert_eq!(
        (eth_row.source.as_str(), eth_row.stale),
        ("rest", false),
        "{table:?}"
    );
    let fiat = w.balances(&me).await.unwrap().remove(0).fiat.unwrap();
    assert_eq!(
        (fiat.amount.as_str(), fiat.source.as_str()),
        ("3012.50", "rest")
    );
    // It was asked for the asset, not for anything of the user's.
    let paths = asked.lock().unwrap().clone();
    assert_eq!(paths, ["/prices/current/coingecko:ethereum"]);
    assert!(paths
        .iter()
        .all(|p| !p.to_lowercase().contains(&me.to_lowercase()[2..])));

    // Not http:// to another machine.
    settings.rest_url = "http://prices.example.com".into();
    assert_eq!(
        w.set_price_settings(&settings).await.unwrap_err().code(),
        ErrorCode::InvalidInput
    );
}
