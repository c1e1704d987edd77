//! What the wallet costs the network while idle (issue 13), counted by a proxy in front of a
//! real anvil: a round with no new block is one HTTP request whatever the number of accounts
//! and tokens; a new block that touched none of the wallet's accounts is one request too; a
//! block that moved one of its tokens is read (its balance, its history) and shown; quiet mode
//! sends nothing at all while blocks keep coming, and "sync now" still reads.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use alloy::primitives::U256;
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::proxy::RpcProxy;
use cairn_tests::wallet::*;
use serde_json::json;

#[tokio::test]
async fn idle_rounds_cost_one_request_and_quiet_mode_none() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).unwrap();
    let upstream = devnet.endpoints.rpc_url.clone();
    let proxy = RpcProxy::start(&upstream).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, first) = new_wallet(dir.path(), network(&[proxy.url()])).await;
    // The background worker out of the way: each round below is one the test asks for.
    w.set_quiet(true).await.unwrap();
    let source = w.accounts(false).await.unwrap()[0].key_source_id;
    for _ in 0..4 {
        w.add_account(source).await.unwrap();
    }
    let token = deploy_token(&upstream).await;
    w.add_token(&token).await.unwrap();
    let accounts = w.accounts(false).await.unwrap();
    assert_eq!(accounts.len(), 5);

    // The first round reads everything: every balance and every account's history.
    w.sync_once().await.unwrap();

    // No new block: one request per round, five accounts and a token notwithstanding.
    for _ in 0..3 {
        proxy.reset_counts();
        let status = w.sync_once().await.unwrap();
        assert!(status.online, "{status:?}");
        assert_eq!(proxy.requests(), 1, "{:?}", proxy.methods());
    }

    // A block that touched nobody here (anvil mines one for this payment to Bob): one request.
    dev_send(&upstream, json!({"to": BOB, "value": "0x1"})).await;
    proxy.reset_counts();
    let head = w.sync_once().await.unwrap().last_block.unwrap();
    assert_eq!(proxy.requests(), 1, "{:?}", proxy.methods());
    let chain_head = u256(&rpc(&upstream, "eth_blockNumber", json!([])).await);
    assert_eq!(U256::from(head), chain_head, "the round read the new block");

    // A block that paid the third account in the token: its balance and history follow, at
    // the cost of reading that account (not the others).
    let third = accounts[2].address.clone();
    let amount = U256::from(7u64) * U256::from(ETHER);
    let data = format!(
        "0xa9059cbb{:0>64}{}",
        third.trim_start_matches("0x").to_lowercase(),
        hex::encode(amount.to_be_bytes::<32>())
    );
    dev_send(&upstream, json!({"to": token, "data": data})).await;
    proxy.reset_counts();
    w.sync_once().await.unwrap();
    let spent = proxy.requests();
    assert!((2..=6).contains(&spent), "{spent}: {:?}", proxy.methods());
    let balances = w.balances(&third).await.unwrap();
    let held = balances
        .iter()
        .find(|b| b.token.as_deref().map(str::to_lowercase) == Some(token.to_lowercase()))
        .unwrap();
    assert_eq!(held.confirmed, "7.0", "{balances:?}");
    let history = w.history(&third, 10).await.unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.direction == "in" && e.amount == "7.0"),
        "{history:?}"
    );
    assert!(w.history(&first, 10).await.unwrap().is_empty());

    // Quiet mode: blocks keep coming, and the worker sends nothing at all.
    proxy.reset_counts();
    for _ in 0..3 {
        dev_send(&upstream, json!({"to": BOB, "value": "0x1"})).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(proxy.requests(), 0, "quiet: {:?}", proxy.methods());
    assert!(w.sync_status().quiet);

    // Quiet off: the worker follows the chain again without being asked.
    w.set_quiet(false).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let seen = w.sync_status().last_block.unwrap_or_default();
        let chain_head = u256(&rpc(&upstream, "eth_blockNumber", json!([])).await);
        if U256::from(seen) == chain_head {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not catch up"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(!w.sync_status().quiet);
}

/// A deep history (600 payments in) is read oldest first, a bounded number of pages per round:
/// no round waits on the whole backfill, each one makes progress, and the history ends complete
/// and without repeats.
#[tokio::test]
async fn a_deep_history_is_read_in_bounded_rounds() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).unwrap();
    let upstream = devnet.endpoints.rpc_url.clone();
    // anvil's dev account #5: a key whose past the test makes before the wallet knows it.
    let key = "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba";
    let owner = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";
    let dev = rpc(&upstream, "eth_accounts", json!([])).await[0].clone();
    const PAYMENTS: usize = 600;
    // One by one: anvil mines each as it comes (a batch of them leaves most in its pool).
    for _ in 0..PAYMENTS {
        rpc(
            &upstream,
            "eth_sendTransaction",
            json!([{"from": dev, "to": owner, "value": "0x1"}]),
        )
        .await;
    }
    let paid = u256(&rpc(&upstream, "eth_getBalance", json!([owner, "latest"])).await);
    assert_eq!(
        paid % U256::from(1_000_000u64),
        U256::from(PAYMENTS),
        "all mined"
    );

    let proxy = RpcProxy::start(&upstream).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, _) = new_wallet(dir.path(), network(&[proxy.url()])).await;
    w.set_quiet(true).await.unwrap();
    w.import(cairn_core::KeySpec::PrivateKey(
        secrecy::SecretString::from(key),
    ))
    .await
    .unwrap();
    let count = || async {
        let mut n = 0;
        let mut before = None;
        loop {
            let page = w
                .history_page(&cairn_api::HistoryQuery {
                    account: Some(owner.to_string()),
                    before,
                    limit: Some(500),
                    ..Default::default()
                })
                .await
                .unwrap();
            n += page.entries.len();
            match page.next {
                Some(next) => before = Some(next),
                None => return n,
            }
        }
    };
    let mut seen = Vec::new();
    for _ in 0..6 {
        proxy.reset_counts();
        w.sync_once().await.unwrap();
        // A round's history is a bounded number of pages (20 of 25), whatever is left to read.
        assert!(proxy.requests() <= 26, "{} requests", proxy.requests());
        seen.push(count().await);
        if seen.last() == Some(&PAYMENTS) {
            break;
        }
    }
    assert!(
        seen[0] < PAYMENTS,
        "the first round read everything: {seen:?}"
    );
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "a round made no progress: {seen:?}"
    );
    assert_eq!(seen.last(), Some(&PAYMENTS), "{seen:?}");
    let history = w.history(owner, 500).await.unwrap();
    assert!(history
        .iter()
        .all(|e| e.direction == "in" && e.amount == "0.000000000000000001"));
}

/// A token's history from genesis is read in `eth_getLogs` ranges no longer than the network
/// allows (100 blocks here, as a strict provider would), ten per round: a transfer 2 500 blocks
/// up is found after a few rounds, each of which asked for at most ten ranges.
#[tokio::test]
async fn token_history_is_read_in_ranges_a_provider_accepts() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).unwrap();
    let upstream = devnet.endpoints.rpc_url.clone();
    let proxy = RpcProxy::start(&upstream).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut net = network(&[proxy.url()]);
    net.log_span_blocks = 100;
    let (w, me) = new_wallet(dir.path(), net).await;
    w.set_quiet(true).await.unwrap();
    let token = deploy_token(&upstream).await;
    rpc(&upstream, "anvil_mine", json!(["0x9c4"])).await; // 2 500 blocks
    let amount = U256::from(3u64) * U256::from(ETHER);
    let data = format!(
        "0xa9059cbb{:0>64}{}",
        me.trim_start_matches("0x").to_lowercase(),
        hex::encode(amount.to_be_bytes::<32>())
    );
    dev_send(&upstream, json!({"to": token, "data": data})).await;
    w.add_token(&token).await.unwrap();

    let found = || async {
        w.history(&me, 50)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.token.is_some() && e.direction == "in" && e.amount == "3.0")
            .count()
    };
    let mut rounds = Vec::new();
    for _ in 0..6 {
        proxy.reset_counts();
        w.sync_once().await.unwrap();
        let ranges = proxy
            .methods()
            .iter()
            .filter(|m| *m == "eth_getLogs")
            .count();
        // Two per range (to and from the account), ten ranges, and the block's own two.
        assert!(ranges <= 2 * 10 + 2, "{ranges} eth_getLogs in one round");
        rounds.push(found().await);
        if rounds.last() == Some(&1) {
            break;
        }
    }
    assert_eq!(rounds.first(), Some(&0), "read in one round: {rounds:?}");
    assert_eq!(rounds.last(), Some(&1), "never found: {rounds:?}");
    // The balance did not wait for the history.
    let held = w.balances(&me).await.unwrap();
    assert!(
        held.iter()
            .any(|b| b.token.is_some() && b.confirmed == "3.0"),
        "{held:?}"
    );
}

/// Where the endpoint offers a WebSocket, the worker follows `newHeads` instead of polling: an
/// idle wallet sends no request at all while no block comes (polling would ask every second or
/// two), and a new block is read at once, in one request. An endpoint without a WebSocket is
/// asked once, and the worker polls it.
#[tokio::test]
async fn new_blocks_come_over_websocket_and_idle_costs_nothing() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).unwrap();
    let upstream = devnet.endpoints.rpc_url.clone();
    let proxy = RpcProxy::start(&upstream).await.unwrap();
    let head = || async { u256(&rpc(&upstream, "eth_blockNumber", json!([])).await) };
    let caught_up = |w: &cairn_core::Wallet, want: U256| {
        U256::from(w.sync_status().last_block.unwrap_or_default()) == want
    };

    // HTTP through the counting proxy; the subscription straight to anvil.
    let mut net = network(&[proxy.url()]);
    net.ws_url = Some(upstream.replace("http://", "ws://"));
    let dir = tempfile::tempdir().unwrap();
    let (w, _) = new_wallet(dir.path(), net).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !caught_up(&w, head().await) {
        assert!(std::time::Instant::now() < deadline, "no first round");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Let the first rounds' history reads finish.
    tokio::time::sleep(Duration::from_secs(2)).await;

    proxy.reset_counts();
    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(proxy.requests(), 0, "idle: {:?}", proxy.methods());

    dev_send(&upstream, json!({"to": BOB, "value": "0x1"})).await;
    let mined = head().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while !caught_up(&w, mined) {
        assert!(
            std::time::Instant::now() < deadline,
            "the new block was not read: {:?}",
            proxy.methods()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(proxy.requests(), 1, "{:?}", proxy.methods());
    assert_eq!(proxy.upgrades(), 0);

    // No WebSocket beside the endpoint (the proxy speaks HTTP only): asked once, then polled.
    proxy.reset_counts();
    let dir = tempfile::tempdir().unwrap();
    let (polling, _) = new_wallet(dir.path(), network(&[proxy.url()])).await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(proxy.upgrades(), 1);
    proxy.reset_counts();
    dev_send(&upstream, json!({"to": BOB, "value": "0x1"})).await;
    let mined = head().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !caught_up(&polling, mined) {
        assert!(std::time::Instant::now() < deadline, "polling stopped");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(proxy.upgrades(), 0, "the WebSocket was asked for again");
    drop(polling);
    drop(w);
}
