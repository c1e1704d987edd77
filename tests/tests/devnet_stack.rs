//! The devnet fixture itself: every peer answers, the ERC-4337 contracts sit at their canonical
//! addresses, everything listens on loopback only, and nothing is left listening after it stops.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpStream;
use std::time::Duration;

use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::wallet::rpc;
use serde_json::json;

fn port_of(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

#[tokio::test]
async fn full_stack_answers_and_leaves_nothing_behind() {
    cairn_tests::init_tls();
    let mut devnet = Devnet::start(Peers::Full).expect("devnet starts");
    let e = devnet.endpoints.clone();
    assert_eq!(e.chain_id, 31337);
    assert!(e.rpc_url.starts_with("http://127.0.0.1:"));

    assert_eq!(
        rpc(&e.rpc_url, "eth_chainId", json!([])).await,
        json!("0x7a69")
    );
    for address in [
        &e.contracts.entry_point_v06,
        &e.contracts.entry_point_v07,
        &e.contracts.entry_point_v08,
        &e.contracts.simple_account_factory_v07,
        &e.contracts.simple_account_factory_v08,
    ] {
        let code = rpc(&e.rpc_url, "eth_getCode", json!([address, "latest"])).await;
        assert!(
            code.as_str().unwrap().len() > 1000,
            "no contract at {address}"
        );
    }
    assert_eq!(
        e.contracts.entry_point_v07,
        "0x0000000071727De22E5E9d8BAf0edAc6f37da032"
    );

    let bundler = e.bundler_url.clone().expect("bundler");
    let supported = rpc(&bundler, "eth_supportedEntryPoints", json!([])).await;
    let supported: Vec<String> = supported
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_lowercase())
        .collect();
    assert!(
        supported.contains(&e.contracts.entry_point_v07.to_lowercase()),
        "{supported:?}"
    );
    assert!(
        supported.contains(&e.contracts.entry_point_v08.to_lowercase()),
        "{supported:?}"
    );

    let paymaster = e.paymaster_url.clone().expect("paymaster");
    let ping = reqwest::get(format!("{paymaster}/ping")).await.unwrap();
    assert!(ping.status().is_success());
    let policy = e.paymaster_policy_url.clone().expect("sponsorship policy");
    let ping = reqwest::get(format!("{policy}/ping")).await.unwrap();
    assert!(ping.status().is_success());

    // Loopback only: the same ports are not reachable on another local address.
    let ports = [
        port_of(&e.rpc_url),
        port_of(&bundler),
        port_of(&paymaster),
        port_of(&policy),
    ];
    for port in ports {
        let ss = std::process::Command::new("ss")
            .args(["-ltnH", &format!("sport = :{port}")])
            .output()
            .unwrap();
        let listing = String::from_utf8_lossy(&ss.stdout).to_string();
        assert!(
            listing.contains(&format!("127.0.0.1:{port}")),
            "port {port}: {listing}"
        );
        assert!(
            !listing.contains(&format!("0.0.0.0:{port}"))
                && !listing.contains(&format!("*:{port}")),
            "port {port} is not loopback-only: {listing}"
        );
    }

    devnet.stop();
    for port in ports {
        assert!(
            TcpStream::connect_timeout(
                &format!("127.0.0.1:{port}").parse().unwrap(),
                Duration::from_millis(300)
            )
            .is_err(),
            "port {port} still listening after stop"
        );
    }
}

#[tokio::test]
async fn two_devnets_run_side_by_side() {
    cairn_tests::init_tls();
    let a = Devnet::start(Peers::ChainOnly).expect("first devnet");
    let b = Devnet::start(Peers::ChainOnly).expect("second devnet");
    assert_ne!(a.endpoints.rpc_url, b.endpoints.rpc_url);
    // Each is a chain of its own: a block mined on one does not appear on the other.
    let height = |url: String| async move {
        let n = rpc(&url, "eth_blockNumber", json!([])).await;
        u64::from_str_radix(n.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
    };
    let (a0, b0) = (
        height(a.endpoints.rpc_url.clone()).await,
        height(b.endpoints.rpc_url.clone()).await,
    );
    rpc(&a.endpoints.rpc_url, "evm_mine", json!([])).await;
    assert_eq!(height(a.endpoints.rpc_url.clone()).await, a0 + 1);
    assert_eq!(height(b.endpoints.rpc_url.clone()).await, b0);
}
