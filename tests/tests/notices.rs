//! What the wallet tells the user while it is open, against a real anvil node: funds that
//! arrive are told once each, with amount, symbol and sender; an account's past (found by its
//! first history reading) is not news; a transfer between the wallet's own accounts is told by
//! the send's notice only; a send that ends is told once, confirmed or failed.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use cairn_api::Notice;
use cairn_core::keychain::NoKeychain;
use cairn_core::{KeySpec, Wallet, WalletConfig, WalletEvent};
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::wallet::*;
use secrecy::SecretString;
use serde_json::json;

/// BIP-39's test phrase: its first account is known before the wallet exists.
const PHRASE: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
use tokio::sync::broadcast::error::TryRecvError;

/// Every notice the wallet has told since the last call.
fn drain(events: &mut tokio::sync::broadcast::Receiver<WalletEvent>) -> Vec<Notice> {
    let mut out = Vec::new();
    loop {
        match events.try_recv() {
            Ok(WalletEvent::Notice(n)) => out.push(n),
            Ok(_) | Err(TryRecvError::Lagged(_)) => {}
            Err(_) => return out,
        }
    }
}

/// Syncs until the account's history holds `entries` rows.
async fn history_holds(w: &cairn_core::Wallet, account: &str, entries: usize) {
    let deadline = std::time::Instant::now() + WAIT;
    while w.history(account, 100).await.unwrap().len() < entries {
        assert!(
            std::time::Instant::now() < deadline,
            "history of {account} never reached {entries} entries"
        );
        let _ = w.sync_once().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn arrivals_and_ended_sends_are_told_once_and_the_past_is_not() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let sender = rpc(&url, "eth_accounts", json!([])).await[0]
        .as_str()
        .unwrap()
        .to_string();
    // The past: 2 ETH that arrived before the wallet existed, at the first account of the
    // phrase it is then restored from.
    let me = reference_address(PHRASE, "", 0).to_checksum(None);
    dev_send(&url, json!({"to": me, "value": "0x1bc16d674ec80000"})).await;
    let dir = tempfile::tempdir().unwrap();
    let w = Wallet::new(WalletConfig {
        data_dir: dir.path().to_path_buf(),
        network: network(std::slice::from_ref(&url)),
        kdf: FAST_KDF,
        keychain: Arc::new(NoKeychain),
    })
    .unwrap();
    let mut events = w.subscribe();
    w.create(
        SecretString::from("notices password"),
        KeySpec::Mnemonic {
            phrase: SecretString::from(PHRASE),
            passphrase: None,
        },
    )
    .await
    .unwrap();
    history_holds(&w, &me, 1).await;
    let told = drain(&mut events);
    assert!(
        told.iter().all(|n| !matches!(n, Notice::Received { .. })),
        "the first reading found the past, which is not news: {told:?}"
    );

    // News: 0.25 ETH arrives while the wallet is open.
    let arrival = dev_send(&url, json!({"to": me, "value": "0x3782dace9d90000"})).await;
    history_holds(&w, &me, 2).await;
    // Another round over the same blocks tells nothing again.
    let _ = w.sync_once().await;
    let received: Vec<Notice> = drain(&mut events)
        .into_iter()
        .filter(|n| matches!(n, Notice::Received { .. }))
        .collect();
    assert_eq!(
        received,
        vec![Notice::Received {
            account: me.clone(),
            amount: "0.25".into(),
            symbol: "ETH".into(),
            from: Some(
                sender
                    .parse::<alloy::primitives::Address>()
                    .unwrap()
                    .to_checksum(None)
            ),
            tx_hash: arrival["transactionHash"].as_str().unwrap().to_string(),
        }],
        "one notice for the arrival, with its amount, symbol, sender and transaction"
    );

    // A send to one of the wallet's own accounts: told once, by the send's own notice, when it
    // is confirmed; the arrival on the other account is not told a second time.
    let source = w.accounts(false).await.unwrap()[0].key_source_id;
    let other = w.add_account(source).await.unwrap().address;
    // Its first reading (nothing yet) done, so what arrives next would count as news.
    for _ in 0..2 {
        let _ = w.sync_once().await;
    }
    drain(&mut events);
    let sent = w.send(&eth(&other, &me, "0.5")).await.unwrap();
    wait_state(&w, sent.id, "confirmed").await;
    history_holds(&w, &other, 1).await;
    let _ = w.sync_once().await;
    let told = drain(&mut events);
    let settled: Vec<&Notice> = told
        .iter()
        .filter(|n| matches!(n, Notice::Settled { .. }))
        .collect();
    assert_eq!(settled.len(), 1, "the send is told once: {told:?}");
    let Notice::Settled { operation } = settled[0] else {
        unreachable!()
    };
    assert_eq!(
        (
            operation.id,
            operation.state.as_str(),
            operation.amount.as_str()
        ),
        (sent.id, "confirmed", "0.5")
    );
    assert!(
        told.iter().all(|n| !matches!(n, Notice::Received { .. })),
        "a transfer between own accounts is not an arrival: {told:?}"
    );
}
