//! Two processes on one wallet at once, as a user gets with the app open and the CLI in a
//! terminal: parallel sends must all land, once each, with no "database is locked" and no
//! draft taken by the other process's sync for a crash's leftover.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use alloy::primitives::U256;
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::wallet::*;
use serde_json::{json, Value};

const SENDS: usize = 20;

#[tokio::test]
async fn parallel_cli_sends_all_land_once() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let root = tempfile::tempdir().unwrap();
    let created = cli_json(root.path(), &url, &["create"]);
    let me = created["account"]["address"].as_str().unwrap().to_string();
    cli_json(root.path(), &url, &["devnet-fund", "--eth", "5"]);
    cli_json(root.path(), &url, &["sync"]);

    let children: Vec<_> = (0..SENDS)
        .map(|_| {
            cli(root.path(), &url)
                .args(["send", "--to", BOB, "--amount", "0.01", "--json"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "a parallel send failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let op: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_ne!(op["state"], "dropped", "{op}");
    }

    cli_json(root.path(), &url, &["sync", "--wait", "--timeout", "60"]);
    let ops = cli_json(root.path(), &url, &["activity", "--limit", "100"]);
    let ops = ops["operations"].as_array().unwrap();
    assert_eq!(ops.len(), SENDS, "{ops:#?}");
    let mut nonces: Vec<u64> = ops.iter().map(|o| o["nonce"].as_u64().unwrap()).collect();
    nonces.sort();
    assert_eq!(nonces, (0..SENDS as u64).collect::<Vec<_>>());
    for o in ops {
        assert_eq!(o["state"], "confirmed", "{o}");
    }
    let nonce = rpc(&url, "eth_getTransactionCount", json!([me, "latest"])).await;
    assert_eq!(u256(&nonce), U256::from(SENDS));
    assert_eq!(
        eth_balance(&url, BOB).await,
        wei("0.01") * U256::from(SENDS)
    );

    // Paged by cursor, three at a time, the activity holds every send exactly once, newest
    // first; the history, which the chain fills, holds each payment and its fee once.
    let mut ids = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut args = vec!["activity", "--limit", "3"];
        if let Some(cursor) = &before {
            args.extend(["--before", cursor.as_str()]);
        }
        let page = cli_json(root.path(), &url, &args);
        let rows = page["operations"].as_array().unwrap();
        assert!(rows.len() <= 3, "{page}");
        ids.extend(rows.iter().map(|o| o["id"].as_i64().unwrap()));
        match page["next"].as_str() {
            Some(next) => before = Some(next.to_string()),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    newest_first.dedup();
    assert_eq!(ids, newest_first, "each operation once, newest first");
    assert_eq!(ids.len(), SENDS);

    let mut rows = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let mut args = vec!["history", "--all", "--direction", "out", "--limit", "4"];
        if let Some(cursor) = &before {
            args.extend(["--before", cursor.as_str()]);
        }
        let page = cli_json(root.path(), &url, &args);
        rows.extend(page["entries"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => before = Some(next.to_string()),
            None => break,
        }
    }
    let mut hashes: Vec<&str> = rows
        .iter()
        .map(|e| e["tx_hash"].as_str().unwrap())
        .collect();
    assert!(rows
        .iter()
        .all(|e| e["direction"] == "out" && e["account"] == me.as_str()));
    hashes.sort();
    hashes.dedup();
    assert_eq!(hashes.len(), SENDS, "{rows:#?}");
    assert_eq!(rows.len(), SENDS);
    // A cursor from elsewhere is refused with a clear error, not taken as the first page.
    let out = cli(root.path(), &url)
        .args(["activity", "--before", "h1.2"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a page cursor"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
