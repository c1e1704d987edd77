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
