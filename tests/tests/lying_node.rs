//! A node that lies to move the wallet's money. One sets the fee: the wallet must refuse a fee
//! above its ceiling unless the user set it by hand, and say out loud, in the review, a fee
//! that eats the payment or leaps above what it saw before. One never broadcasts a payment and
//! answers "status 1" for it: the payment must not become included, let alone confirmed, and
//! must land once an honest node has it.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cairn_api::{ErrorCode, SendSpeed};
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::proxy::{Fault, RpcProxy};
use cairn_tests::wallet::*;

#[tokio::test]
async fn a_node_that_sets_an_absurd_fee_is_refused_or_flagged() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let proxy = RpcProxy::start(&devnet.endpoints.rpc_url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(&[proxy.url()])).await;
    w.devnet_fund(&me, "1").await.unwrap();
    w.sync_once().await.unwrap();
    // An honest look first: the wallet remembers the network's fee (about 1 gwei on anvil).
    let honest = w.quote_send(&eth(BOB, &me, "0.01")).await.unwrap();
    assert!(honest
        .risk
        .unwrap()
        .warnings
        .iter()
        .all(|w| !w.rule.starts_with("fee_")));
    let before = w.operations(100).await.unwrap().len();

    // 100 000 gwei: the reported attack (2.1 ETH of fee on 0.01 ETH). Refused, nothing recorded.
    proxy.set_fault(Fault::FeeHistory {
        base_fee_gwei: 100_000,
    });
    let err = w.send(&eth(BOB, &me, "0.01")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Rejected, "{err}");
    assert!(err.to_string().contains("set the fee by hand"), "{err}");
    assert_eq!(w.operations(100).await.unwrap().len(), before);

    // Under the ceiling but 50× what it saw and a fifth of the payment: the review says so,
    // high, and the score blocks it by default.
    proxy.set_fault(Fault::FeeHistory { base_fee_gwei: 50 });
    let quote = w.quote_send(&eth(BOB, &me, "0.01")).await.unwrap();
    let risk = quote.risk.unwrap();
    let rules: Vec<_> = risk
        .warnings
        .iter()
        .filter(|w| w.rule.starts_with("fee_"))
        .map(|w| (w.rule.as_str(), w.severity.as_str()))
        .collect();
    assert_eq!(
        rules,
        [("fee_share", "high"), ("fee_spike", "high")],
        "{risk:?}"
    );
    assert!(risk.score >= 100, "{risk:?}");
    let err = w.send(&eth(BOB, &me, "0.01")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::RiskBlocked, "{err}");

    // A fee the user sets by hand is theirs to pay, ceiling or not.
    let mut custom = eth(BOB, &me, "0.01");
    custom.speed = SendSpeed::Custom {
        max_fee_gwei: "2".into(),
        priority_fee_gwei: "1".into(),
    };
    proxy.set_fault(Fault::FeeHistory {
        base_fee_gwei: 100_000,
    });
    let quote = w.quote_send(&custom).await.unwrap();
    assert_eq!(quote.max_fee_per_gas_wei, "2000000000");
    // …and the review says it sits below the base fee the node reports (`--quote` prints it).
    let risk = quote.risk.unwrap();
    assert!(
        risk.warnings.iter().any(|w| w.rule == "fee_below_base"),
        "{risk:?}"
    );
    proxy.set_fault(Fault::None);
}

#[tokio::test]
async fn a_receipt_the_chain_does_not_bear_out_is_not_believed() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let proxy = RpcProxy::start(&url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(&[proxy.url()])).await;
    w.devnet_fund(&me, "1").await.unwrap();
    w.sync_once().await.unwrap();

    proxy.set_fault(Fault::NeverBroadcast { cover_up: false });
    let op = w.send(&eth(BOB, &me, "0.1")).await.unwrap();
    for _ in 0..4 {
        w.sync_once().await.unwrap();
        // Blocks go on being made (by someone else), as on a real chain.
        rpc(&url, "evm_mine", serde_json::json!([])).await;
    }
    let now = w
        .operations(10)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.id == op.id)
        .unwrap();
    assert_eq!(now.state, "submitted", "a lie was believed: {now:?}");
    assert_eq!(eth_balance(&url, BOB).await, alloy::primitives::U256::ZERO);

    // Back on an honest node, the same signed bytes go out and land, once.
    proxy.set_fault(Fault::None);
    wait_state(&w, op.id, "confirmed").await;
    assert_eq!(eth_balance(&url, BOB).await, wei("0.1"));
}

/// Where the network has a second endpoint, a liar that keeps its story straight (its blocks
/// list the swallowed payment, its nonces count it) still cannot confirm it: the second
/// endpoint has no receipt, so the payment waits, and the second endpoint gets the signed bytes,
/// so the payment goes out after all, once.
#[tokio::test]
async fn a_confirmation_needs_a_second_endpoint_to_bear_it_out() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let liar = RpcProxy::start(&url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(&[liar.url(), url.clone()])).await;
    w.devnet_fund(&me, "1").await.unwrap();
    w.sync_once().await.unwrap();

    liar.set_fault(Fault::NeverBroadcast { cover_up: true });
    let op = w.send(&eth(BOB, &me, "0.1")).await.unwrap();
    for _ in 0..6 {
        w.sync_once().await.unwrap();
        rpc(&url, "evm_mine", serde_json::json!([])).await;
    }
    // Confirmed only as the honest chain has it: the payment in the block the wallet names
    // (the second endpoint got the signed bytes and mined them; the liar's receipt can only
    // agree with that by naming the same block).
    let now = state_of(&w, op.id).await;
    if now.state == "confirmed" {
        let real = rpc(
            &url,
            "eth_getTransactionReceipt",
            serde_json::json!([now.hash.clone().unwrap()]),
        )
        .await;
        assert!(!real.is_null(), "one node's word was enough: {now:?}");
        assert_eq!(
            real["blockNumber"]
                .as_str()
                .map(|b| u64::from_str_radix(&b[2..], 16).unwrap()),
            now.block_number,
            "confirmed in a block the chain does not have it in: {now:?}"
        );
    }
    assert_eq!(
        eth_balance(&url, BOB).await,
        wei("0.1"),
        "the second endpoint was not given the payment"
    );

    // With the liar gone quiet, both endpoints agree, and it is confirmed; paid once.
    liar.set_fault(Fault::None);
    wait_state(&w, op.id, "confirmed").await;
    assert_eq!(eth_balance(&url, BOB).await, wei("0.1"));
}

/// With a single endpoint a consistent liar can confirm a payment it never sent; the wallet
/// takes the confirmation back on the first honest endpoint it talks to, and the payment goes
/// out.
#[tokio::test]
async fn a_confirmation_is_rechecked_on_the_next_endpoint() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let liar = RpcProxy::start(&url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(&[liar.url()])).await;
    w.devnet_fund(&me, "1").await.unwrap();
    w.sync_once().await.unwrap();

    liar.set_fault(Fault::NeverBroadcast { cover_up: true });
    let op = w.send(&eth(BOB, &me, "0.1")).await.unwrap();
    rpc(&url, "evm_mine", serde_json::json!([])).await;
    wait_state(&w, op.id, "confirmed").await;
    assert_eq!(eth_balance(&url, BOB).await, alloy::primitives::U256::ZERO);
    w.lock().await;
    drop(w);

    // The same wallet, now on an honest node.
    let w = cairn_core::Wallet::new(cairn_core::WalletConfig {
        data_dir: dir.path().to_path_buf(),
        network: network(std::slice::from_ref(&url)),
        kdf: FAST_KDF,
        keychain: std::sync::Arc::new(cairn_core::keychain::NoKeychain),
    })
    .unwrap();
    w.unlock(secrecy::SecretString::from("send sync password"))
        .await
        .unwrap();
    // The worker re-checks on its first round: the payment goes out (anvil mines it at once).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while eth_balance(&url, BOB).await != wei("0.1") {
        assert!(
            std::time::Instant::now() < deadline,
            "the lie stood: {:?}",
            state_of(&w, op.id).await
        );
        w.sync_once().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let done = wait_state(&w, op.id, "confirmed").await;
    assert!(done.block_number.is_some(), "{done:?}");
    assert_eq!(eth_balance(&url, BOB).await, wei("0.1"));
}

async fn state_of(w: &cairn_core::Wallet, id: i64) -> cairn_api::Operation {
    w.operations(10)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.id == id)
        .unwrap()
}

/// Each network has its own ceiling (rollups a tenth of Ethereum's; the user's choice for a
/// network they add): a fee above it is refused there, though it would pass on Ethereum.
#[tokio::test]
async fn each_network_has_its_own_fee_ceiling() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let proxy = RpcProxy::start(&devnet.endpoints.rpc_url).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut net = network(&[proxy.url()]);
    net.fee_ceiling_gwei = 20;
    let (w, me) = new_wallet(dir.path(), net).await;
    w.devnet_fund(&me, "1").await.unwrap();
    w.sync_once().await.unwrap();

    // 15 gwei of base fee: offered at twice that plus the tip, above this network's 20.
    proxy.set_fault(Fault::FeeHistory { base_fee_gwei: 15 });
    let err = w.send(&eth(BOB, &me, "0.5")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Rejected, "{err}");
    assert!(err.to_string().contains("above the 20 gwei"), "{err}");

    // The presets: rollups get a ceiling of their own, lower than Ethereum's.
    let presets = cairn_core::Network::presets();
    let ceiling = |id: u64| {
        presets
            .iter()
            .find(|n| n.chain_id == id)
            .unwrap()
            .fee_ceiling_gwei
    };
    assert_eq!(ceiling(1), 1_000);
    for rollup in [10, 8453, 42161] {
        assert!(ceiling(rollup) < ceiling(1), "{rollup}");
    }
}

/// A smart account's user operation gets the same fee checks as a transaction: a node's absurd
/// fee is not used (and said), a bundler's gas price over the ceiling is refused unless the
/// fee is set by hand, and a fee that eats the payment is a high finding in the review.
#[tokio::test]
async fn a_user_operation_gets_the_same_fee_checks() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let node = RpcProxy::start(&e.rpc_url).await.unwrap();
    let bundler = RpcProxy::start(e.bundler_url.as_deref().unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut net = network(&[node.url()]);
    net.bundler_url = Some(bundler.url());
    net.paymaster_url = e.paymaster_url.clone();
    let (w, owner) = new_wallet(dir.path(), net).await;
    let smart = w.smart_account(&owner, None).await.unwrap();
    w.devnet_fund(&smart.address, "1").await.unwrap();
    w.sync_once().await.unwrap();
    let pay = |amount: &str, speed: SendSpeed| cairn_api::UserOpRequest {
        from: smart.address.clone(),
        calls: vec![cairn_api::CallSpec::Transfer {
            to: BOB.into(),
            token: None,
            amount: amount.into(),
        }],
        sponsored: false,
        speed,
        mfa_code: None,
        override_risk: false,
        signer: None,
    };
    let fee_rules = |q: &cairn_api::UserOpQuote| -> Vec<String> {
        q.risk
            .as_ref()
            .unwrap()
            .warnings
            .iter()
            .filter(|w| w.rule.starts_with("fee_"))
            .map(|w| format!("{} {}", w.rule, w.severity))
            .collect()
    };
    let honest = w
        .quote_user_op(&pay("0.5", SendSpeed::Normal))
        .await
        .unwrap();
    assert!(fee_rules(&honest).is_empty(), "{honest:?}");
    let gwei =
        |q: &cairn_api::UserOpQuote| q.max_fee_per_gas_wei.parse::<u128>().unwrap() / 1_000_000_000;

    // The node claims 100 000 gwei: not offered (the fee the wallet saw stands), and said.
    node.set_fault(Fault::FeeHistory {
        base_fee_gwei: 100_000,
    });
    let quote = w
        .quote_user_op(&pay("0.5", SendSpeed::Normal))
        .await
        .unwrap();
    assert!(gwei(&quote) < 10, "{quote:?}");
    assert_eq!(
        fee_rules(&quote),
        ["fee_below_base medium", "fee_spike high"],
        "{quote:?}"
    );
    node.set_fault(Fault::None);

    // The bundler names 5 000 gwei as its price: over the ceiling, refused; by hand, allowed.
    bundler.set_fault(Fault::Answer {
        prefix: "pimlico_getUserOperationGasPrice",
        result: r#"{"slow":{"maxFeePerGas":"0x48c27395000","maxPriorityFeePerGas":"0x3b9aca00"},"standard":{"maxFeePerGas":"0x48c27395000","maxPriorityFeePerGas":"0x3b9aca00"},"fast":{"maxFeePerGas":"0x48c27395000","maxPriorityFeePerGas":"0x3b9aca00"}}"#,
    });
    let err = w
        .quote_user_op(&pay("0.5", SendSpeed::Normal))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Rejected, "{err}");
    assert!(err.to_string().contains("set the fee by hand"), "{err}");
    let custom = SendSpeed::Custom {
        max_fee_gwei: "3".into(),
        priority_fee_gwei: "1".into(),
    };
    let quote = w.quote_user_op(&pay("0.5", custom)).await.unwrap();
    assert_eq!(gwei(&quote), 3, "{quote:?}");
    bundler.set_fault(Fault::None);

    // A fee that is most of a tiny payment.
    let quote = w
        .quote_user_op(&pay("0.00001", SendSpeed::Normal))
        .await
        .unwrap();
    assert_eq!(fee_rules(&quote), ["fee_share high"], "{quote:?}");
}
