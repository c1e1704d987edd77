//! What an idle, unlocked wallet costs the network, per block: HTTP requests and JSON-RPC calls
//! counted by a proxy in front of a real anvil that makes a block every 2 s (an L2's pace) or
//! every 12 s (Ethereum's), for a wallet with 1 account and one with 10 accounts and 5 tokens.
//! Each polled (the proxy speaks HTTP only, as many endpoints do) and, for the larger wallet,
//! following new heads over a WebSocket straight to anvil (HTTP still through the proxy). All
//! run side by side, for the same wall-clock time. Nothing is sent: this is the background cost
//! of a wallet left open.
//!
//! Run: `cargo bench -p cairn-tests --bench idle_traffic` (`make bench`); `IDLE_SECS=N` sets the
//! time watched (default 96 s: 48 blocks at 2 s, 8 at 12 s).

// Benchmarks set up with unwrap: a failure here is a broken benchmark, not a user path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use cairn_core::Network;
use cairn_tests::devnet::BareAnvil;
use cairn_tests::proxy::RpcProxy;
use cairn_tests::wallet::*;
use serde_json::json;

/// Not the devnet's id: the wallet paces itself as on a public chain.
const CHAIN_ID: u64 = 424_242;

async fn head(url: &str) -> u64 {
    let v = rpc(url, "eth_blockNumber", json!([])).await;
    u64::from_str_radix(v.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// One wallet watched for `secs`: (blocks, HTTP requests, JSON-RPC calls).
async fn watch(
    block_secs: u64,
    accounts: usize,
    tokens: usize,
    ws: bool,
    secs: u64,
) -> (u64, u64, u64) {
    let chain = BareAnvil::start(CHAIN_ID).await.unwrap();
    // Set up on an automining chain, then switch to blocks on a timer.
    let dir = tempfile::tempdir().unwrap();
    let proxy = RpcProxy::start(&chain.url).await.unwrap();
    let mut net = Network::devnet(proxy.url());
    net.chain_id = CHAIN_ID;
    net.name = "Idle bench".into();
    if ws {
        net.ws_url = Some(chain.url.replace("http://", "ws://"));
    }
    let (w, _) = new_wallet(dir.path(), net).await;
    let source = w.accounts(false).await.unwrap()[0].key_source_id;
    for _ in 1..accounts {
        w.add_account(source).await.unwrap();
    }
    for _ in 0..tokens {
        let token = deploy_token(&chain.url).await;
        w.add_token(&token).await.unwrap();
    }
    rpc(&chain.url, "evm_setAutomine", json!([false])).await;
    rpc(&chain.url, "evm_setIntervalMining", json!([block_secs])).await;
    // Let the wallet read everything once and find the chain's pace.
    w.sync_once().await.unwrap();
    tokio::time::sleep(Duration::from_secs(block_secs * 3)).await;
    proxy.reset_counts();
    let from = head(&chain.url).await;
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let (requests, calls) = (proxy.requests(), proxy.calls());
    if std::env::var_os("IDLE_METHODS").is_some() {
        let mut counts = std::collections::BTreeMap::new();
        for m in proxy.methods() {
            *counts.entry(m).or_insert(0) += 1;
        }
        eprintln!("{block_secs} s, {accounts} + {tokens}, ws {ws}: {counts:?}");
    }
    let blocks = head(&chain.url).await - from;
    w.lock().await;
    (blocks, requests, calls)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    cairn_tests::init_tls();
    let secs: u64 = std::env::var("IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(96);
    let runs = [
        (2, 1, 0, false),
        (2, 10, 5, false),
        (12, 1, 0, false),
        (12, 10, 5, false),
        (2, 10, 5, true),
        (12, 10, 5, true),
    ];
    let results = futures_join(runs.map(|(b, a, t, ws)| watch(b, a, t, ws, secs))).await;
    println!("| blocks every | accounts + tokens | new blocks by | blocks seen | HTTP requests | per block | JSON-RPC calls | per block |");
    println!("|---|---|---|---|---|---|---|---|");
    for ((b, a, t, ws), (blocks, requests, calls)) in runs.iter().zip(results) {
        let per = |n: u64| n as f64 / blocks.max(1) as f64;
        let by = if *ws { "WebSocket" } else { "polling" };
        println!(
            "| {b} s | {a} + {t} | {by} | {blocks} | {requests} | {:.2} | {calls} | {:.1} |",
            per(requests),
            per(calls)
        );
    }
}

/// Runs the watches side by side.
async fn futures_join<F: std::future::Future<Output = (u64, u64, u64)> + Send + 'static>(
    futures: [F; 6],
) -> Vec<(u64, u64, u64)> {
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}
