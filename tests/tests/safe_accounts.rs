//! Safe smart accounts against the real contracts (Safe 1.4.1 at its canonical addresses, the
//! Safe4337Module 0.3.0, EntryPoint v0.7, the alto bundler and an ERC-7677 paymaster): the
//! counterfactual address against the proxy factory's own computation, the SafeOp hash against
//! the module's, and a Safe that deploys with its first operation, pays ETH, batches token
//! calls through MultiSend and is sponsored, every balance read back from the chain.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use alloy::primitives::{Address, U256};
use alloy::signers::local::PrivateKeySigner;
use cairn_api::{CallSpec, SendSpeed, UserOpRequest};
use cairn_core::aa::safe::{self, SafeDeployment};
use cairn_core::aa::{self, AccountCode, SmartKind};
use cairn_core::units::format_address;
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::wallet::*;
use serde_json::json;

#[tokio::test]
async fn safe_addresses_and_operation_hashes_match_the_contracts() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let e = &devnet.endpoints;
    let url = e.rpc_url.clone();
    // The core's table names what the devnet deployed.
    let d = SafeDeployment::for_chain(e.chain_id);
    let c = &e.contracts;
    for (core, devnet) in [
        (d.singleton, &c.safe_l2),
        (d.proxy_factory, &c.safe_proxy_factory),
        (d.multi_send_call_only, &c.multi_send_call_only),
        (d.module, &c.safe4337_module),
        (d.module_setup, &c.safe_module_setup),
    ] {
        assert_eq!(core, devnet.parse::<Address>().unwrap());
    }
    let code = AccountCode::new(SmartKind::Safe, aa::EntryPointVersion::V07, e.chain_id);
    for _ in 0..4 {
        let owner = Address::from_slice(&random_bytes(20));
        let onchain = eth_call(&url, d.proxy_factory, code.address_check_call(owner)).await;
        assert_eq!(Address::from_slice(&onchain[12..]), code.address(owner));
    }
    for round in 0..8 {
        let mut op = random_user_op(round, d.proxy_factory);
        let signer = PrivateKeySigner::random();
        let signed = safe::sign(&d, &mut op, &signer, e.chain_id).unwrap();
        let onchain = eth_call(&url, d.module, safe::get_operation_hash_call(&op)).await;
        assert_eq!(onchain, signed.to_vec(), "round {round}");
    }
}

fn request(from: &str, calls: Vec<CallSpec>, sponsored: bool) -> UserOpRequest {
    UserOpRequest {
        from: from.into(),
        calls,
        sponsored,
        speed: SendSpeed::Normal,
        mfa_code: None,
        override_risk: false,
        signer: None,
    }
}

fn eth_to(to: &str, amount: &str) -> CallSpec {
    CallSpec::Transfer {
        to: to.into(),
        token: None,
        amount: amount.into(),
    }
}

#[tokio::test]
async fn a_safe_deploys_pays_batches_and_is_sponsored() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let url = e.rpc_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, owner) = new_wallet(dir.path(), stack_network(&e)).await;
    let bob = "0x000000000000000000000000000000000000b0b0";
    let carol = "0x000000000000000000000000000000000000C0C0";

    // A new smart account is a Safe unless asked otherwise.
    let safe = w.smart_account(&owner, None).await.unwrap();
    assert_eq!((safe.kind.as_str(), safe.deployed), ("safe", false));
    let d = SafeDeployment::for_chain(e.chain_id);
    assert_eq!(
        safe.address,
        format_address(&safe::account_address(&d, owner.parse().unwrap()))
    );
    assert_eq!(safe.owners, Some(vec![owner.clone()]));
    assert_eq!(safe.threshold, Some(1));
    assert_eq!(w.smart_account(&owner, Some("safe")).await.unwrap(), safe);
    // Its SimpleAccount is another account of the same owner.
    let simple = w.smart_account(&owner, Some("simple")).await.unwrap();
    assert_ne!(simple.address, safe.address);
    let listed = w.accounts(false).await.unwrap();
    let row = listed.iter().find(|a| a.address == safe.address).unwrap();
    assert_eq!(row.smart.as_deref(), Some("safe"));

    // 1: ETH to Bob, gas paid by the Safe, deploying it.
    w.devnet_fund(&safe.address, "5").await.unwrap();
    w.sync_once().await.unwrap();
    let pay = request(&safe.address, vec![eth_to(bob, "1")], false);
    let quote = w.quote_user_op(&pay).await.unwrap();
    assert!(
        quote.deploys && quote.online && !quote.sponsored,
        "{quote:?}"
    );
    let sent = w.send_user_op(&pay).await.unwrap();
    let first = wait_state(&w, sent.id, "confirmed").await;
    assert!(
        has_code(&url, &safe.address).await,
        "deployed by its first operation"
    );
    assert_eq!(eth_balance(&url, bob).await, wei("1"));
    let bundle = rpc(
        &url,
        "eth_getTransactionReceipt",
        json!([first.bundle_tx.clone().unwrap()]),
    )
    .await;
    assert_eq!(bundle["status"], "0x1");
    // For docs/BENCHMARKS.md (`cargo test -p cairn-tests --test safe_accounts -- --nocapture`).
    eprintln!(
        "gas: Safe deployed + 1 ETH sent: {}",
        u256(&bundle["gasUsed"])
    );
    // The chain now says who owns it: the owner key, 1 of 1, and the module is enabled.
    let listed = w.smart_accounts().await.unwrap();
    let now = listed.iter().find(|a| a.address == safe.address).unwrap();
    assert!(now.deployed);
    assert_eq!(now.owners, Some(vec![owner.clone()]));
    assert_eq!(now.threshold, Some(1));

    // 2: a token batch through MultiSend: approve Carol, pay Bob and Carol, ETH to Carol.
    let token = deploy_token(&url).await;
    give_tokens(&url, &token, &safe.address, 100).await;
    w.add_token(&token).await.unwrap();
    w.sync_once().await.unwrap();
    let batch = request(
        &safe.address,
        vec![
            CallSpec::Approve {
                token: token.clone(),
                spender: carol.into(),
                amount: "5".into(),
            },
            CallSpec::Transfer {
                to: bob.into(),
                token: Some(token.clone()),
                amount: "10".into(),
            },
            CallSpec::Transfer {
                to: carol.into(),
                token: Some(token.clone()),
                amount: "2.5".into(),
            },
            eth_to(carol, "0.25"),
        ],
        false,
    );
    let quote = w.quote_user_op(&batch).await.unwrap();
    assert!(!quote.deploys);
    assert_eq!(quote.calls, 4);
    let sent = w.send_user_op(&batch).await.unwrap();
    assert_eq!(sent.kind, "batch");
    wait_state(&w, sent.id, "confirmed").await;
    assert_eq!(token_balance(&url, &token, bob).await, wei("10"));
    assert_eq!(token_balance(&url, &token, carol).await, wei("2.5"));
    assert_eq!(
        token_balance(&url, &token, &safe.address).await,
        wei("87.5")
    );
    assert_eq!(eth_balance(&url, carol).await, wei("0.25"));
    let allowance = eth_call(
        &url,
        token.parse().unwrap(),
        [
            vec![0xdd, 0x62, 0xed, 0x3e],
            [vec![0u8; 12], hex::decode(&safe.address[2..]).unwrap()].concat(),
            [vec![0u8; 12], hex::decode(&carol[2..]).unwrap()].concat(),
        ]
        .concat(),
    )
    .await;
    assert_eq!(U256::from_be_slice(&allowance), wei("5"));

    // 3: sponsored: the paymaster pays the gas, the Safe pays exactly the value.
    let before = eth_balance(&url, &safe.address).await;
    let sponsored = request(&safe.address, vec![eth_to(bob, "0.5")], true);
    let quote = w.quote_user_op(&sponsored).await.unwrap();
    assert!(quote.sponsored, "{quote:?}");
    let sent = w.send_user_op(&sponsored).await.unwrap();
    let done = wait_state(&w, sent.id, "confirmed").await;
    assert_eq!(eth_balance(&url, bob).await, wei("1.5"));
    assert_eq!(eth_balance(&url, &safe.address).await, before - wei("0.5"));
    assert!(done.paymaster.is_some(), "{done:?}");
    let bundle = rpc(
        &url,
        "eth_getTransactionReceipt",
        json!([done.bundle_tx.clone().unwrap()]),
    )
    .await;
    eprintln!(
        "gas: sponsored ETH send from a deployed Safe: {}",
        u256(&bundle["gasUsed"])
    );

    // A failing call reverts the whole batch: nothing moves, the reason is told.
    let bob_tokens = token_balance(&url, &token, bob).await;
    let failing = request(
        &safe.address,
        vec![
            CallSpec::Transfer {
                to: bob.into(),
                token: Some(token.clone()),
                amount: "1".into(),
            },
            eth_to(carol, "1000"),
        ],
        false,
    );
    let err = w.send_user_op(&failing).await.unwrap_err();
    assert_eq!(err.code(), cairn_api::ErrorCode::InsufficientFunds, "{err}");
    assert_eq!(token_balance(&url, &token, bob).await, bob_tokens);
}
