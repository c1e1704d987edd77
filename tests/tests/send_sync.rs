//! Sending, syncing and working offline against a real anvil node: ETH and ERC-20 sends seen on
//! both sides, the offline queue, endpoint faults (injected by a proxy in front of the node),
//! failover, batched balances, a nonce taken by another client, and a reorg.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use alloy::primitives::U256;
use cairn_api::{ErrorCode, SendRequest};
use cairn_core::keychain::NoKeychain;
use cairn_core::{KeySpec, Wallet, WalletConfig, WalletEvent};
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::proxy::{Fault, RpcProxy};
use secrecy::SecretString;
use serde_json::{json, Value};

use cairn_tests::wallet::*;

#[tokio::test]
async fn send_eth_and_a_token_and_see_both_sides() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(std::slice::from_ref(&url))).await;
    w.devnet_fund(&me, "10").await.unwrap();
    let token = deploy_token(&url).await;
    give_tokens(&url, &token, &me, 500).await;

    let added = w.add_token(&token).await.unwrap();
    assert_eq!((added.symbol.as_str(), added.decimals), ("UNI-V2", 18));
    assert_eq!(
        w.add_token(&token).await.unwrap_err().code(),
        ErrorCode::Duplicate
    );
    assert_eq!(
        w.add_token(BOB).await.unwrap_err().code(),
        ErrorCode::Rejected,
        "an address without a token contract is refused"
    );
    w.sync_once().await.unwrap();
    let balances = w.balances(&me).await.unwrap();
    assert_eq!(balances[0].symbol, "ETH");
    assert_eq!(balances[0].confirmed, "10.0");
    assert_eq!(
        balances[1].confirmed, "500.0",
        "the incoming token transfer"
    );

    let quote = w.quote_send(&eth(BOB, &me, "1.5")).await.unwrap();
    assert!(quote.online);
    assert_eq!(quote.gas_limit, 21_000);
    assert_eq!(quote.available, "10.0");

    let sent = w.send(&eth(BOB, &me, "1.5")).await.unwrap();
    assert_eq!(sent.state, "queued");
    assert!(sent.hash.is_some(), "the hash is stored before broadcast");
    let eth_op = wait_state(&w, sent.id, "confirmed").await;

    let token_send = SendRequest {
        token: Some(token.clone()),
        ..eth(BOB, &me, "123.45")
    };
    let quote = w.quote_send(&token_send).await.unwrap();
    assert!(quote.gas_limit > 21_000);
    let sent = w.send(&token_send).await.unwrap();
    let token_op = wait_state(&w, sent.id, "confirmed").await;
    assert_eq!(token_op.symbol, "UNI-V2");

    // Both sides, as an independent client reads the chain.
    assert_eq!(eth_balance(&url, BOB).await, wei("1.5"));
    assert_eq!(token_balance(&url, &token, BOB).await, wei("123.45"));
    assert_eq!(token_balance(&url, &token, &me).await, wei("376.55"));
    let fees =
        wei(eth_op.fee_paid.as_deref().unwrap()) + wei(token_op.fee_paid.as_deref().unwrap());
    assert!(fees > U256::ZERO);
    assert_eq!(eth_balance(&url, &me).await, wei("10") - wei("1.5") - fees);

    // And as the wallet shows it after a sync.
    w.sync_once().await.unwrap();
    let balances = w.balances(&me).await.unwrap();
    assert_eq!(wei(&balances[0].confirmed), wei("10") - wei("1.5") - fees);
    assert_eq!(balances[0].pending_out, "0.0");
    assert_eq!(balances[1].confirmed, "376.55");

    // Bad input is typed and leaves nothing behind.
    let before = w.operations(100).await.unwrap().len();
    for (req, code) in [
        (eth("0x1234", &me, "1"), ErrorCode::InvalidInput),
        (eth(BOB, &me, "1.2.3"), ErrorCode::InvalidInput),
        (eth(BOB, &me, "0"), ErrorCode::InvalidInput),
        (eth(BOB, &me, "1000"), ErrorCode::InsufficientFunds),
        (
            SendRequest {
                token: Some(token.clone()),
                ..eth(BOB, &me, "1000")
            },
            ErrorCode::InsufficientFunds,
        ),
    ] {
        let err = w.send(&req).await.unwrap_err();
        assert_eq!(err.code(), code, "{err}");
    }
    assert_eq!(w.operations(100).await.unwrap().len(), before);
}

#[tokio::test]
async fn offline_sends_queue_in_order_and_overspending_is_refused() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let proxy = RpcProxy::start(&url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(&[proxy.url()])).await;
    w.devnet_fund(&me, "3").await.unwrap();
    w.sync_once().await.unwrap();

    // The node goes away.
    proxy.set_fault(Fault::Down);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let status = w.sync_once().await.unwrap();
    assert!(!status.online, "{status:?}");
    let quote = w.quote_send(&eth(BOB, &me, "0.5")).await.unwrap();
    assert!(!quote.online);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let op = w.send(&eth(BOB, &me, "0.5")).await.unwrap();
        assert_eq!(op.state, "queued");
        ids.push(op.id);
    }
    let nonces: Vec<u64> = {
        let ops = w.operations(10).await.unwrap();
        ids.iter()
            .map(|id| ops.iter().find(|o| o.id == *id).unwrap().nonce.unwrap())
            .collect()
    };
    assert_eq!(nonces, vec![0, 1, 2]);
    // 1.5 ETH and three fee caps are promised: 2 more do not fit in 3.
    let err = w.send(&eth(BOB, &me, "2")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InsufficientFunds, "{err}");
    let balances = w.balances(&me).await.unwrap();
    assert!(wei(&balances[0].pending_out) > wei("1.5"));
    assert_eq!(w.sync_status().queued, 3);

    // The node is back: all three land, in nonce order.
    proxy.set_fault(Fault::None);
    w.wake_sync();
    for id in &ids {
        wait_state(&w, *id, "confirmed").await;
    }
    assert_eq!(eth_balance(&url, BOB).await, wei("1.5"));
    // Any chain mines one sender's nonces in order; what the wallet controls is the order it
    // sends them in: the first broadcast of each nonce comes in nonce order.
    let mut first_sent: Vec<u64> = Vec::new();
    for raw in proxy.raw_transactions() {
        use alloy::consensus::Transaction as _;
        use alloy::eips::eip2718::Decodable2718 as _;
        let bytes = alloy::hex::decode(&raw).unwrap();
        let tx = alloy::consensus::TxEnvelope::decode_2718(&mut bytes.as_slice()).unwrap();
        if !first_sent.contains(&tx.nonce()) {
            first_sent.push(tx.nonce());
        }
    }
    assert_eq!(first_sent, vec![0, 1, 2], "broadcast order");
    let chain_nonce = rpc(&url, "eth_getTransactionCount", json!([me, "latest"])).await;
    assert_eq!(chain_nonce, "0x3");
}

#[tokio::test]
async fn endpoint_faults_are_typed_and_a_send_survives_them() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let proxy = RpcProxy::start(&url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), impatient_network(&[proxy.url()])).await;
    w.devnet_fund(&me, "1").await.unwrap();
    w.sync_once().await.unwrap();

    for (fault, says) in [
        (Fault::Status500, "HTTP 500"),
        (Fault::Hang, "did not answer within"),
        (Fault::Malformed, "not JSON-RPC"),
        (Fault::WrongChain(1), "is on chain 1, not chain 31337"),
    ] {
        proxy.set_fault(fault);
        let err = w.balance(&me).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Offline, "{fault:?}: {err}");
        assert!(err.to_string().contains(says), "{fault:?}: {err}");
        // A send made meanwhile is queued, not lost.
        let op = w.send(&eth(BOB, &me, "0.01")).await.unwrap();
        assert_eq!(op.state, "queued", "{fault:?}");
        let status = w.sync_once().await.unwrap();
        assert!(!status.online, "{fault:?}: {status:?}");
        proxy.set_fault(Fault::None);
        wait_state(&w, op.id, "confirmed").await;
        assert!(w.balance(&me).await.is_ok(), "{fault:?}: recovers");
    }
    assert_eq!(eth_balance(&url, BOB).await, wei("0.04"));
}

#[tokio::test]
async fn a_dead_first_endpoint_fails_over_to_the_second() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let dead = format!("http://127.0.0.1:{}", cairn_tests::free_port().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(&[dead.clone(), url.clone()])).await;
    w.devnet_fund(&me, "1").await.unwrap();
    let status = w.sync_once().await.unwrap();
    assert!(status.online);
    assert_eq!(
        status.endpoint.as_deref(),
        Some(url.as_str()),
        "says which it uses"
    );
    let op = w.send(&eth(BOB, &me, "0.25")).await.unwrap();
    wait_state(&w, op.id, "confirmed").await;
    assert_eq!(eth_balance(&url, BOB).await, wei("0.25"));
}

#[tokio::test]
async fn twenty_token_balances_cost_a_constant_number_of_requests() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let proxy = RpcProxy::start(&url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(&[proxy.url()])).await;
    // Only the rounds the test runs: the worker stays out of the count.
    w.set_quiet(true).await.unwrap();
    let mut tokens = Vec::new();
    for k in 0..20u64 {
        let token = deploy_token(&url).await;
        give_tokens(&url, &token, &me, k + 1).await;
        w.add_token(&token).await.unwrap();
        tokens.push(token);
    }
    // New tokens: the round reads every balance, in a constant number of requests (the head,
    // the block's batch; the account's history: Otterscan's level once, its search, the token
    // logs).
    proxy.reset_counts();
    w.sync_once().await.unwrap();
    let (requests, calls) = (proxy.requests(), proxy.calls());
    assert!(calls >= 21, "every balance was read: {calls} calls");
    assert!(
        requests <= 5,
        "a sync round with 20 new tokens sent {requests} HTTP requests: {:?}",
        proxy.methods()
    );
    // Read, and no block since: the next round is one request.
    proxy.reset_counts();
    w.sync_once().await.unwrap();
    assert_eq!(proxy.requests(), 1, "{:?}", proxy.methods());
    let balances = w.balances(&me).await.unwrap();
    assert_eq!(balances.len(), 21);
    for k in 1..=20u64 {
        assert!(
            balances.iter().any(|b| b.confirmed == format!("{k}.0")),
            "token with {k} missing"
        );
    }
}

#[tokio::test]
async fn a_nonce_used_by_another_client_asks_to_sign_again() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let proxy = RpcProxy::start(&url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(&[proxy.url()])).await;
    w.devnet_fund(&me, "2").await.unwrap();
    w.sync_once().await.unwrap();

    proxy.set_fault(Fault::Down);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let op = w.send(&eth(BOB, &me, "0.5")).await.unwrap();
    assert_eq!(op.nonce, Some(0));
    // Meanwhile the same key sends from another client (here: anvil impersonating it).
    rpc(&url, "anvil_impersonateAccount", json!([me])).await;
    let other = rpc(
        &url,
        "eth_sendTransaction",
        json!([{"from": me, "to": BOB, "value": "0x1"}]),
    )
    .await;
    assert!(other.is_string());

    proxy.set_fault(Fault::None);
    let stuck = wait_state(&w, op.id, "needs_resign").await;
    assert!(
        stuck.error.as_deref().unwrap_or("").contains("nonce 0"),
        "{stuck:?}"
    );
    // Never silently dropped: the user signs it again and it goes through with nonce 1.
    let again = w.resign(op.id).await.unwrap();
    assert_eq!(again.nonce, Some(1));
    wait_state(&w, op.id, "confirmed").await;
    assert_eq!(eth_balance(&url, BOB).await, wei("0.5") + U256::from(1));
}

#[tokio::test]
async fn a_reorg_that_drops_an_included_transaction_puts_it_back() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    // The wallet talks through a counting proxy: its own broadcasts are seen.
    let proxy = RpcProxy::start(&url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut net = network(&[proxy.url()]);
    net.confirmations = 3;
    let (w, me) = new_wallet(dir.path(), net).await;
    w.devnet_fund(&me, "1").await.unwrap();
    w.sync_once().await.unwrap();

    let op = w.send(&eth(BOB, &me, "0.1")).await.unwrap();
    let included = wait_state(&w, op.id, "included").await;
    let hash = included.hash.clone().unwrap();
    let receipt = |url: String, hash: String| async move {
        rpc(&url, "eth_getTransactionReceipt", json!([hash])).await
    };
    let mined = receipt(url.clone(), hash.clone()).await;
    assert!(mined["blockHash"].is_string(), "mined before the reorg");
    let at = |v: &Value| {
        u64::from_str_radix(v.as_str().unwrap_or("0x0").trim_start_matches("0x"), 16).unwrap()
    };
    let mined_at = at(&mined["blockNumber"]);

    // Only what happens from here on counts.
    let mut events = w.subscribe();
    proxy.reset_counts();
    // Take its block away (anvil re-mines the same heights without it). The depth is read
    // from the chain: the devnet mines on a timer too, so its block need not be the head
    // (one CI run reorged only the empty block above it).
    let head = at(&rpc(&url, "eth_blockNumber", json!([])).await);
    rpc(&url, "anvil_reorg", json!([head - mined_at + 1, []])).await;
    // The wallet's loop may already have sent it again (same hash, mined at once): what
    // matters is that the block it was in is gone.
    let after = receipt(url.clone(), hash.clone()).await;
    assert!(
        after.is_null() || after["blockHash"] != mined["blockHash"],
        "the reorg left the transaction in its block"
    );
    // Back to submitted, sent again by the wallet, mined again, then confirmed after 3 blocks.
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + WAIT;
    while !seen.ends_with(&["confirmed".to_string()]) {
        assert!(
            std::time::Instant::now() < deadline,
            "states seen: {seen:?}"
        );
        w.wake_sync();
        match tokio::time::timeout(Duration::from_millis(300), events.recv()).await {
            Ok(Ok(WalletEvent::Operation(o))) if o.id == op.id && seen.last() != Some(&o.state) => {
                seen.push(o.state.clone());
            }
            Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(n))) => {
                panic!("{n} events lost: the states seen cannot be trusted ({seen:?})")
            }
            _ => {}
        }
        if seen.last().map(String::as_str) == Some("included") {
            rpc(&url, "anvil_mine", json!(["0x3"])).await;
        }
    }
    assert_eq!(
        seen.first().map(String::as_str),
        Some("submitted"),
        "the first move after the reorg: {seen:?}"
    );
    assert!(seen.contains(&"included".to_string()), "{seen:?}");
    assert!(
        proxy
            .methods()
            .iter()
            .any(|m| m == "eth_sendRawTransaction"),
        "the wallet did not send the transaction again"
    );
    // Mined again, in another block than the one the reorg took away.
    let second_block = receipt(url.clone(), hash).await["blockHash"].clone();
    assert!(second_block.is_string());
    assert_ne!(second_block, mined["blockHash"]);
    let done = wait_state(&w, op.id, "confirmed").await;
    assert!(done.block_number.is_some());
    assert_eq!(
        eth_balance(&url, BOB).await,
        wei("0.1"),
        "paid exactly once"
    );
}

/// The `cairn` CLI on `root` against `rpc`, never the developer's own keyring.
#[tokio::test]
async fn sends_killed_at_any_point_are_paid_exactly_once() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let root = tempfile::tempdir().unwrap();
    let created = cli_json(root.path(), &url, &["create"]);
    let me = created["account"]["address"].as_str().unwrap().to_string();
    cli_json(root.path(), &url, &["devnet-fund", "--eth", "5"]);
    cli_json(root.path(), &url, &["sync"]);

    // `cairn send --wait` on the real send path, ended (abort, as a kill would) at each phase
    // in turn; stderr says the phase was reached, so each kill is known to land where it says.
    // Then a restart (`sync --wait`) must settle it: never signed → dropped and unpaid; signed
    // → paid exactly once.
    let phases = [
        ("send:authorized", false),
        ("send:signed", true),
        ("send:queued", true),
        ("broadcast:sent", true),
    ];
    let mut paid = 0u64;
    for (phase, signed) in phases {
        let before = cli_json(root.path(), &url, &["activity", "--limit", "100"]);
        let before = before["operations"].as_array().unwrap().len();
        let out = cli(root.path(), &url)
            .args(["send", "--to", BOB, "--amount", "0.01", "--wait"])
            .env("CAIRN_FAILPOINT", phase)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("failpoint {phase}")),
            "{phase} was not reached: {stderr}"
        );
        assert_eq!(out.status.code(), None, "{phase}: not ended by a signal");

        cli_json(root.path(), &url, &["sync", "--wait", "--timeout", "60"]);
        let ops = cli_json(root.path(), &url, &["activity", "--limit", "100"]);
        let ops = ops["operations"].as_array().unwrap();
        assert_eq!(ops.len(), before + 1, "{phase}: one operation per send");
        // Newest first: the one this send made.
        let op = &ops[0];
        if signed {
            paid += 1;
            assert_eq!(op["state"], "confirmed", "{phase}: {op}");
        } else {
            assert_eq!(op["state"], "dropped", "{phase}: {op}");
            assert_eq!(op["hash"], Value::Null, "{phase}: signed after all: {op}");
        }
        for o in ops {
            assert!(
                matches!(o["state"].as_str(), Some("confirmed" | "dropped")),
                "{phase}: left unsettled: {o}"
            );
        }
        // Every signed send is on chain once, nothing else is.
        let nonce = rpc(&url, "eth_getTransactionCount", json!([me, "latest"])).await;
        assert_eq!(u256(&nonce), U256::from(paid), "{phase}");
        assert_eq!(
            eth_balance(&url, BOB).await,
            wei("0.01") * U256::from(paid),
            "{phase}"
        );
    }
}

/// A wallet in `dir` created from `spec` (fast KDF), unlocked.
async fn wallet_from(
    dir: &std::path::Path,
    url: &str,
    spec: KeySpec,
) -> (Wallet, String, Option<String>) {
    let w = Wallet::new(WalletConfig {
        data_dir: dir.to_path_buf(),
        network: network(&[url.to_string()]),
        kdf: FAST_KDF,
        keychain: Arc::new(NoKeychain),
    })
    .unwrap();
    let created = w
        .create(SecretString::from("history password"), spec)
        .await
        .unwrap();
    use secrecy::ExposeSecret;
    let phrase = created.mnemonic.map(|m| m.expose_secret().to_string());
    (w, created.account.address, phrase)
}

/// (direction, symbol, amount, counterparty) of an account's history, sorted.
async fn movements(w: &Wallet, who: &str) -> Vec<(String, String, String, Option<String>)> {
    w.sync_once().await.unwrap();
    let mut m: Vec<_> = w
        .history(who, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.direction != "fee")
        .map(|e| (e.direction, e.symbol, e.amount, e.counterparty))
        .collect();
    m.sort();
    m
}

#[tokio::test]
async fn history_shows_both_sides_and_a_restored_wallet_rebuilds_it() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let dev = rpc(&url, "eth_accounts", json!([])).await[0]
        .as_str()
        .unwrap()
        .to_string();
    let dev = cairn_core::units::format_address(&dev.parse().unwrap());
    let (da, db, dc) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (a, alice, phrase) = wallet_from(da.path(), &url, KeySpec::NewMnemonic { words: 12 }).await;
    let (b, bob, _) = wallet_from(db.path(), &url, KeySpec::NewMnemonic { words: 12 }).await;
    a.devnet_fund(&alice, "10").await.unwrap();
    let token = deploy_token(&url).await;
    give_tokens(&url, &token, &alice, 500).await;
    a.add_token(&token).await.unwrap();
    b.add_token(&token).await.unwrap();
    a.sync_once().await.unwrap();

    let op = a.send(&eth(&bob, &alice, "1")).await.unwrap();
    wait_state(&a, op.id, "confirmed").await;
    let op = a
        .send(&SendRequest {
            token: Some(token.clone()),
            ..eth(&bob, &alice, "10")
        })
        .await
        .unwrap();
    wait_state(&a, op.id, "confirmed").await;

    let s = |v: &str| v.to_string();
    assert_eq!(
        movements(&a, &alice).await,
        vec![
            (s("in"), s("ETH"), s("10.0"), Some(dev.clone())),
            (s("in"), s("UNI-V2"), s("500.0"), Some(dev.clone())),
            (s("out"), s("ETH"), s("1.0"), Some(bob.clone())),
            (s("out"), s("UNI-V2"), s("10.0"), Some(bob.clone())),
        ]
    );
    // The fees are there too, one per outgoing transaction, linked to the operations.
    let history = a.history(&alice, 500).await.unwrap();
    let fees: Vec<_> = history.iter().filter(|e| e.direction == "fee").collect();
    assert_eq!(fees.len(), 2);
    assert!(fees.iter().all(|f| f.operation_id.is_some()));
    // The other side.
    assert_eq!(
        movements(&b, &bob).await,
        vec![
            (s("in"), s("ETH"), s("1.0"), Some(alice.clone())),
            (s("in"), s("UNI-V2"), s("10.0"), Some(alice.clone())),
        ]
    );
    // Syncing again adds nothing twice.
    assert_eq!(a.history(&alice, 500).await.unwrap().len(), history.len());

    // Restored from its phrase on another device: the same history, from the chain alone.
    let (c, restored, _) = wallet_from(
        dc.path(),
        &url,
        KeySpec::Mnemonic {
            phrase: SecretString::from(phrase.unwrap()),
            passphrase: None,
        },
    )
    .await;
    assert_eq!(restored, alice);
    c.add_token(&token).await.unwrap();
    assert_eq!(movements(&c, &alice).await, movements(&a, &alice).await);
}

#[tokio::test]
async fn speed_up_and_cancel_replace_a_pending_transaction() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(std::slice::from_ref(&url))).await;
    w.devnet_fund(&me, "2").await.unwrap();
    w.sync_once().await.unwrap();
    // Transactions wait in the pool until the test mines a block.
    rpc(&url, "evm_setAutomine", json!([false])).await;

    let slow = w.send(&eth(BOB, &me, "0.3")).await.unwrap();
    let slow_row = wait_state(&w, slow.id, "submitted").await;
    // The node's own record of each transaction's fees (an oracle outside the wallet).
    let fees = |hash: Option<String>| {
        let url = url.clone();
        async move {
            let tx = rpc(&url, "eth_getTransactionByHash", json!([hash.unwrap()])).await;
            let field = |k: &str| {
                u128::from_str_radix(tx[k].as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
            };
            (field("maxFeePerGas"), field("maxPriorityFeePerGas"))
        }
    };
    let (old_fee, old_tip) = fees(slow_row.hash).await;
    let faster = w.speed_up(slow.id).await.unwrap();
    assert_eq!(faster.replaces, Some(slow.id));
    assert_eq!(faster.nonce, slow.nonce, "same nonce");
    let faster = wait_state(&w, faster.id, "submitted").await;
    // The replacement offers at least 12.5 % more per gas, fee and tip both (what pools ask of
    // a replacement).
    let (new_fee, new_tip) = fees(faster.hash.clone()).await;
    assert!(new_fee * 8 >= old_fee * 9, "max fee {old_fee} → {new_fee}");
    assert!(new_tip * 8 >= old_tip * 9, "tip {old_tip} → {new_tip}");
    rpc(&url, "evm_mine", json!([])).await;
    wait_state(&w, faster.id, "confirmed").await;
    let replaced = wait_state(&w, slow.id, "replaced").await;
    assert!(replaced.block_number.is_none());

    let doomed = w.send(&eth(BOB, &me, "0.5")).await.unwrap();
    let doomed_row = wait_state(&w, doomed.id, "submitted").await;
    let (old_fee, old_tip) = fees(doomed_row.hash).await;
    let void = w.cancel(doomed.id).await.unwrap();
    assert_eq!(void.kind, "cancel");
    assert_eq!(void.amount, "0.0");
    let void_row = wait_state(&w, void.id, "submitted").await;
    // The cancel, too, outbids what it replaces by 12.5 % or more.
    let (new_fee, new_tip) = fees(void_row.hash).await;
    assert!(
        new_fee * 8 >= old_fee * 9,
        "cancel max fee {old_fee} → {new_fee}"
    );
    assert!(
        new_tip * 8 >= old_tip * 9,
        "cancel tip {old_tip} → {new_tip}"
    );
    rpc(&url, "evm_mine", json!([])).await;
    wait_state(&w, void.id, "confirmed").await;
    wait_state(&w, doomed.id, "replaced").await;
    rpc(&url, "evm_setAutomine", json!([true])).await;

    // Paid once for the first, never for the cancelled one.
    assert_eq!(eth_balance(&url, BOB).await, wei("0.3"));
    let err = w.speed_up(doomed.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
}

#[tokio::test]
async fn networks_are_checked_before_they_are_added_and_the_choice_is_kept() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let other = cairn_tests::devnet::BareAnvil::start(424242).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(std::slice::from_ref(&url))).await;
    let spec = |chain_id: u64, urls: Vec<String>| cairn_api::NetworkSpec {
        chain_id,
        name: "My chain".into(),
        currency_symbol: "MYC".into(),
        currency_decimals: 18,
        rpc_urls: urls,
        bundler_url: None,
        paymaster_url: None,
        explorer_api_url: None,
        confirmations: 2,
        fee_ceiling_gwei: None,
        ws_url: None,
        log_span_blocks: None,
    };

    // An endpoint on another chain than the one named is refused, and so is a dead one.
    let err = w
        .add_network(&spec(424242, vec![url.clone()]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(
        err.to_string()
            .contains("is on chain 31337, not chain 424242"),
        "{err}"
    );
    let dead = format!("http://127.0.0.1:{}", cairn_tests::free_port().unwrap());
    let err = w
        .add_network(&spec(424242, vec![other.url.clone(), dead]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Offline, "{err}");
    let err = w.add_network(&spec(424242, vec![])).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    // A WebSocket endpoint for new blocks: a ws(s) URL that answers, or the network is refused.
    let with = |ws: &str, span: Option<u64>| cairn_api::NetworkSpec {
        ws_url: Some(ws.to_string()),
        log_span_blocks: span,
        ..spec(424242, vec![other.url.clone()])
    };
    let err = w.add_network(&with(&other.url, None)).await.unwrap_err();
    assert!(
        err.to_string().contains("is not a ws:// or wss:// URL"),
        "{err}"
    );
    let dead_ws = format!("ws://127.0.0.1:{}", cairn_tests::free_port().unwrap());
    let err = w.add_network(&with(&dead_ws, None)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Offline, "{err}");
    let ws = other.url.replace("http://", "ws://");
    let err = w.add_network(&with(&ws, Some(0))).await.unwrap_err();
    assert!(err.to_string().contains("log span"), "{err}");
    assert!(!w.networks().await.unwrap().iter().any(|n| n.user_added));

    // A good one is added, listed, and used.
    let added = w.add_network(&with(&ws, Some(500))).await.unwrap();
    assert!(added.user_added && !added.active);
    assert_eq!(added.spec.ws_url.as_deref(), Some(ws.as_str()));
    assert_eq!(added.spec.log_span_blocks, Some(500));
    let list = w.networks().await.unwrap();
    assert!(list
        .iter()
        .any(|n| n.spec.chain_id == 424242 && n.user_added));
    assert!(
        list.iter().any(|n| n.spec.chain_id == 1 && !n.user_added),
        "presets listed"
    );
    w.use_network(424242).await.unwrap();
    assert_eq!(w.network().chain_id, 424242);
    rpc(
        &other.url,
        "anvil_setBalance",
        json!([me, "0xde0b6b3a7640000"]),
    )
    .await;
    let status = w.sync_once().await.unwrap();
    assert!(status.online, "{status:?}");
    assert_eq!(status.endpoint.as_deref(), Some(other.url.as_str()));
    let balances = w.balances(&me).await.unwrap();
    assert_eq!(
        (balances[0].symbol.as_str(), balances[0].confirmed.as_str()),
        ("MYC", "1.0")
    );

    // The choice survives a lock.
    w.lock().await;
    w.unlock(SecretString::from("send sync password"))
        .await
        .unwrap();
    w.restore_network().await.unwrap();
    assert_eq!(w.network().chain_id, 424242);
    assert_eq!(w.network().ws_url.as_deref(), Some(ws.as_str()));
    assert_eq!(w.network().log_span_blocks, 500);
    assert!(matches!(
        w.use_network(99).await.unwrap_err().code(),
        ErrorCode::NotFound
    ));

    // Back to the devnet the wallet was started on: its own endpoint, not the preset's.
    let back = w.use_network(31337).await.unwrap();
    assert_eq!(back.spec.rpc_urls, vec![url.clone()]);
    assert_eq!(w.network().rpc_urls, vec![url.clone()]);
    assert!(w.sync_once().await.unwrap().online);
}

/// A stand-in for an Etherscan-compatible API (none can run offline): answers
/// `module=account&action=txlist` in Etherscan's documented format with the rows it is given,
/// and records the query strings it was asked.
struct Explorer {
    url: String,
    rows: Arc<std::sync::Mutex<Vec<Value>>>,
    asked: Arc<std::sync::Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Explorer {
    async fn start() -> Explorer {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "http://{}/api?apikey=TESTKEY",
            listener.local_addr().unwrap()
        );
        let rows: Arc<std::sync::Mutex<Vec<Value>>> = Arc::default();
        let asked: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
        let (r, a) = (rows.clone(), asked.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    return;
                };
                let mut buf = vec![0u8; 8192];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let query = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                a.lock().unwrap().push(query.clone());
                let param = |name: &str| {
                    query
                        .split(['?', '&'])
                        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                        .unwrap_or_default()
                        .to_string()
                };
                let address = param("address").to_lowercase();
                let number = |name: &str, default: u64| param(name).parse().unwrap_or(default);
                let (start, end) = (number("startblock", 0), number("endblock", u64::MAX));
                // Etherscan's paging: `offset` rows of page 1, oldest first.
                let take = number("offset", 10_000).min(10_000) as usize;
                let block =
                    |row: &Value| -> u64 { row["blockNumber"].as_str().unwrap().parse().unwrap() };
                let mut result: Vec<Value> = r
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|row| {
                        row["from"].as_str() == Some(address.as_str())
                            || row["to"].as_str() == Some(address.as_str())
                    })
                    .filter(|row| (start..=end).contains(&block(row)))
                    .cloned()
                    .collect();
                result.sort_by_key(block);
                result.truncate(take);
                let body = if result.is_empty() {
                    json!({"status": "0", "message": "No transactions found", "result": []})
                } else {
                    json!({"status": "1", "message": "OK", "result": result})
                }
                .to_string();
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(reply.as_bytes()).await;
            }
        });
        Explorer {
            url,
            rows,
            asked,
            task,
        }
    }

    /// Adds a mined transaction as Etherscan lists it (decimal strings, lowercase addresses).
    async fn index(&self, node: &str, hash: &str) {
        let tx = rpc(node, "eth_getTransactionByHash", json!([hash])).await;
        let receipt = rpc(node, "eth_getTransactionReceipt", json!([hash])).await;
        let block = rpc(
            node,
            "eth_getBlockByHash",
            json!([receipt["blockHash"], false]),
        )
        .await;
        let dec = |v: &Value| u256(v).to_string();
        self.rows.lock().unwrap().push(json!({
            "blockNumber": dec(&receipt["blockNumber"]),
            "timeStamp": dec(&block["timestamp"]),
            "hash": hash,
            "from": tx["from"].as_str().unwrap().to_lowercase(),
            "to": tx["to"].as_str().unwrap().to_lowercase(),
            "value": dec(&tx["value"]),
            "gas": dec(&tx["gas"]),
            "gasPrice": dec(&receipt["effectiveGasPrice"]),
            "gasUsed": dec(&receipt["gasUsed"]),
            "isError": if receipt["status"] == "0x1" { "0" } else { "1" },
        }));
    }
}

impl Drop for Explorer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn without_otterscan_eth_history_comes_from_the_explorer_api() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let proxy = RpcProxy::start(&url).await.unwrap();
    proxy.set_fault(Fault::NoOtterscan);
    let explorer = Explorer::start().await;
    let mut net = network(&[proxy.url()]);
    net.explorer_api_url = Some(explorer.url.clone());
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), net).await;
    let funded = w.devnet_fund(&me, "5").await.unwrap();
    let op = w.send(&eth(BOB, &me, "1")).await.unwrap();
    let sent = wait_state(&w, op.id, "confirmed").await;
    explorer.index(&url, &funded.tx_hash).await;
    explorer.index(&url, sent.hash.as_deref().unwrap()).await;
    // Forget what earlier rounds read (before the explorer had indexed anything).
    w.add_token(&deploy_token(&url).await).await.unwrap();

    let dev = rpc(&url, "eth_accounts", json!([])).await[0]
        .as_str()
        .unwrap()
        .to_string();
    let dev = cairn_core::units::format_address(&dev.parse().unwrap());
    let s = |v: &str| v.to_string();
    assert_eq!(
        movements(&w, &me).await,
        vec![
            (s("in"), s("ETH"), s("5.0"), Some(dev)),
            (s("out"), s("ETH"), s("1.0"), Some(BOB.to_string())),
        ]
    );
    let history = w.history(&me, 100).await.unwrap();
    let fee = history.iter().find(|e| e.direction == "fee").unwrap();
    assert_eq!(
        Some(fee.amount.clone()),
        sent.fee_paid,
        "the fee as the chain charged it"
    );
    assert_eq!(
        fee.operation_id,
        Some(op.id),
        "linked to the wallet's own send"
    );
    assert!(
        proxy.methods().iter().any(|m| m == "ots_getApiLevel"),
        "the node was asked first"
    );
    let asked = explorer.asked.lock().unwrap().clone();
    assert!(
        asked
            .iter()
            .all(|q| q.contains("apikey=TESTKEY") && q.contains("action=txlist")),
        "{asked:?}"
    );
    // A second round adds nothing twice.
    let n = history.len();
    w.sync_once().await.unwrap();
    assert_eq!(w.history(&me, 100).await.unwrap().len(), n);
}

/// The send form's figures as the user types, from what the wallet knows (no request): the
/// amount over the balance is refused at once, an amount that leaves nothing for the fee too;
/// Max is the balance less the fee at that speed, and a send of it goes through.
#[tokio::test]
async fn the_send_form_checks_the_amount_as_typed_and_max_goes_through() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).unwrap();
    let url = devnet.endpoints.rpc_url.clone();
    let proxy = RpcProxy::start(&url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(&[proxy.url()])).await;
    w.set_quiet(true).await.unwrap();
    w.devnet_fund(&me, "10").await.unwrap();
    w.sync_once().await.unwrap();
    let draft = |amount: &str, speed: cairn_api::SendSpeed| cairn_api::SendDraft {
        from: me.clone(),
        token: None,
        amount: amount.to_string(),
        speed,
        sponsored: false,
    };
    let normal = cairn_api::SendSpeed::Normal;

    proxy.reset_counts();
    let empty = w.send_preview(&draft("", normal.clone())).await.unwrap();
    assert_eq!(
        (empty.available.as_str(), empty.symbol.as_str()),
        ("10.0", "ETH")
    );
    assert_eq!(empty.problem, None);
    let fee = wei(empty.max_fee.as_deref().unwrap());
    assert!(fee > U256::ZERO);
    let max = empty.max.clone().unwrap();
    assert_eq!(wei(&max) + fee, wei("10"), "Max leaves exactly the fee");

    let over = w.send_preview(&draft("100", normal.clone())).await.unwrap();
    assert_eq!(
        over.problem.as_deref(),
        Some("more than the 10.0 ETH available")
    );
    let all = w.send_preview(&draft("10", normal.clone())).await.unwrap();
    let problem = all.problem.unwrap();
    assert!(
        problem.starts_with("not enough ETH: this and the network fee need 10."),
        "{problem}"
    );
    for (typed, says) in [
        ("abc", "amount"),
        ("0", "more than zero"),
        ("1.0000000000000000001", "decimal places"),
    ] {
        let p = w.send_preview(&draft(typed, normal.clone())).await.unwrap();
        let problem = p.problem.unwrap_or_default();
        assert!(problem.contains(says), "{typed}: {problem}");
    }
    // Fast costs more: its Max is smaller.
    let fast = w
        .send_preview(&draft("", cairn_api::SendSpeed::Fast))
        .await
        .unwrap();
    assert!(wei(fast.max.as_deref().unwrap()) < wei(&max));
    let at_max = w.send_preview(&draft(&max, normal.clone())).await.unwrap();
    assert_eq!(at_max.problem, None);
    assert_eq!(at_max.total.as_deref(), Some("10.0"));
    assert_eq!(
        proxy.requests(),
        0,
        "typing asked the network: {:?}",
        proxy.methods()
    );

    // Max goes through: reviewed, sent, mined; what is left is the unspent part of the fee.
    w.set_quiet(false).await.unwrap();
    let mut request = eth(BOB, &me, &max);
    request.override_risk = true;
    let quote = w.quote_send(&request).await.unwrap();
    assert_eq!(quote.amount, max);
    let op = w.send(&request).await.unwrap();
    wait_state(&w, op.id, "confirmed").await;
    let left = eth_balance(&url, &me).await;
    assert!(left < fee, "{left} left of a {fee} fee");
    assert_eq!(eth_balance(&url, BOB).await, wei(&max));
}

/// An explorer's long list (2 500 payments in, one per block) comes a page of 1 000 rows per
/// round, oldest first, each round going on where the last stopped (a block cut by the page's
/// end is read again whole), until all of it is there once: nothing cut off at the explorer's
/// limit, no round waiting on all of it.
#[tokio::test]
async fn a_long_explorer_history_arrives_a_page_per_round() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let proxy = RpcProxy::start(&url).await.unwrap();
    proxy.set_fault(Fault::NoOtterscan);
    let explorer = Explorer::start().await;
    let mut net = network(&[proxy.url()]);
    net.explorer_api_url = Some(explorer.url.clone());
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), net).await;
    w.set_quiet(true).await.unwrap();
    rpc(&url, "anvil_mine", json!(["0xa8c"])).await;
    const PAYMENTS: u64 = 2_500;
    {
        let mut rows = explorer.rows.lock().unwrap();
        for i in 1..=PAYMENTS {
            rows.push(json!({
                "blockNumber": (i + 10).to_string(),
                "timeStamp": (1_700_000_000 + i).to_string(),
                "hash": format!("0x{i:064x}"),
                "from": "0x0000000000000000000000000000000000001234",
                "to": me.to_lowercase(),
                "value": "1",
                "gas": "21000",
                "gasPrice": "1",
                "gasUsed": "21000",
                "isError": "0",
            }));
        }
    }
    let count = || async {
        let (mut n, mut before) = (0, None);
        loop {
            let page = w
                .history_page(&cairn_api::HistoryQuery {
                    account: Some(me.clone()),
                    direction: Some("in".into()),
                    before,
                    limit: Some(500),
                    ..Default::default()
                })
                .await
                .unwrap();
            n += page.entries.len() as u64;
            match page.next {
                Some(next) => before = Some(next),
                None => return n,
            }
        }
    };
    let mut seen = Vec::new();
    for _ in 0..5 {
        explorer.asked.lock().unwrap().clear();
        w.sync_once().await.unwrap();
        let asked = explorer.asked.lock().unwrap().clone();
        assert!(asked.len() <= 1, "one request per round: {asked:?}");
        assert!(asked.iter().all(|q| q.contains("offset=1000")), "{asked:?}");
        seen.push(count().await);
        if seen.last() == Some(&PAYMENTS) {
            break;
        }
    }
    assert_eq!(seen, vec![999, 1998, PAYMENTS], "rows per round");
}

/// A send's review reads the balance live and stores it; an arrival that moved it since the last
/// round must still reach the history, though the round no longer sees the balance change and
/// the user never sends.
#[tokio::test]
async fn an_arrival_a_review_saw_first_still_enters_the_history() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(std::slice::from_ref(&url))).await;
    // The background worker out of the way: each round below is one the test asks for.
    w.set_quiet(true).await.unwrap();
    w.devnet_fund(&me, "2").await.unwrap();
    w.sync_once().await.unwrap();
    w.sync_once().await.unwrap();
    let before = w.history(&me, 100).await.unwrap().len();

    // 1 ETH arrives; before any round sees it, a send's review reads the new balance live, and
    // the user walks away.
    let arrival = dev_send(&url, json!({"to": me, "value": "0xde0b6b3a7640000"})).await;
    let arrival = arrival["transactionHash"].as_str().unwrap().to_string();
    w.quote_send(&eth(BOB, &me, "0.5")).await.unwrap();
    for _ in 0..3 {
        w.sync_once().await.unwrap();
    }
    let history = w.history(&me, 100).await.unwrap();
    assert!(
        history
            .iter()
            .any(|e| e.tx_hash == arrival && e.direction == "in" && e.amount == "1.0"),
        "the arrival is in the history ({} entries before, now {history:?})",
        before
    );
}
