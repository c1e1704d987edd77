//! Smart accounts against the real ERC-4337 stack (anvil + EntryPoint v0.7/v0.8 + SimpleAccount
//! factories + the alto bundler + an ERC-7677 paymaster): userOpHash and account addresses
//! against the contracts, a first operation that deploys the account, an approve + transfer
//! batch, a sponsored operation, operations queued while the bundler is down, and the typed
//! errors of a bundler that is down, a bundler that rejects, a paymaster that refuses.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use alloy::primitives::{Address, Bytes, U256};
use cairn_api::{CallSpec, ErrorCode, SendSpeed, UserOpRequest};
use cairn_core::aa::{self, EntryPointVersion};
use cairn_core::Network;
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::proxy::{Fault, RpcProxy};
use cairn_tests::wallet::*;
use serde_json::json;

#[tokio::test]
async fn user_op_hashes_and_account_addresses_match_the_contracts() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    for version in EntryPointVersion::ALL {
        for round in 0..6 {
            let op = random_user_op(round, version.factory());
            let onchain = eth_call(&url, version.entry_point(), op.get_user_op_hash_call()).await;
            assert_eq!(
                onchain,
                op.hash(version, devnet.endpoints.chain_id).to_vec(),
                "{} round {round}",
                version.as_str()
            );
        }
        for _ in 0..4 {
            let owner = Address::from_slice(&random_bytes(20));
            let onchain = eth_call(&url, version.factory(), aa::get_address_call(owner)).await;
            assert_eq!(
                Address::from_slice(&onchain[12..]),
                aa::account_address(version, owner),
                "{}",
                version.as_str()
            );
        }
    }
}

/// `EntryPoint.balanceOf(account)`: its gas deposit at the EntryPoint.
async fn entry_point_deposit(url: &str, version: EntryPointVersion, who: &str) -> U256 {
    let data = [
        vec![0x70, 0xa0, 0x82, 0x31],
        vec![0u8; 12],
        hex::decode(&who[2..]).unwrap(),
    ]
    .concat();
    U256::from_be_slice(&eth_call(url, version.entry_point(), data).await)
}

fn stack_network(rpc: &str, bundler: &str, paymaster: &str) -> Network {
    let mut n = network(&[rpc.to_string()]);
    n.bundler_url = Some(bundler.to_string());
    n.paymaster_url = Some(paymaster.to_string());
    n
}

fn pay(from: &str, to: &str, amount: &str, sponsored: bool) -> UserOpRequest {
    UserOpRequest {
        from: from.into(),
        calls: vec![CallSpec::Transfer {
            to: to.into(),
            token: None,
            amount: amount.into(),
        }],
        sponsored,
        speed: SendSpeed::Normal,
        mfa_code: None,
        override_risk: false,
        signer: None,
    }
}

#[tokio::test]
async fn deploy_then_batch_then_sponsored_with_receipts_matching_the_chain() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let url = e.rpc_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let net = stack_network(
        &url,
        e.bundler_url.as_deref().unwrap(),
        e.paymaster_url.as_deref().unwrap(),
    );
    let (w, owner) = new_wallet(dir.path(), net).await;
    let bob = "0x000000000000000000000000000000000000b0b0";

    let smart = w.smart_account(&owner, Some("simple")).await.unwrap();
    assert_eq!(smart.entry_point_version, "v0.7");
    assert!(!smart.deployed);
    assert_eq!(
        smart.address,
        cairn_core::units::format_address(&aa::account_address(
            EntryPointVersion::V07,
            owner.parse().unwrap()
        ))
    );
    // The same owner and version give the same account, not a second one.
    assert_eq!(w.smart_account(&owner, Some("0.7")).await.unwrap(), smart);
    let listed = w.accounts(false).await.unwrap();
    let row = listed.iter().find(|a| a.address == smart.address).unwrap();
    assert_eq!(row.smart.as_deref(), Some("v0.7"));
    assert_eq!(row.owner.as_deref(), Some(owner.as_str()));
    assert!(w.bundler_supports("v0.7").await.unwrap());

    // Usable before it exists: it receives ETH at its counterfactual address.
    w.devnet_fund(&smart.address, "10").await.unwrap();
    assert!(!has_code(&url, &smart.address).await);
    w.sync_once().await.unwrap();

    // 1: deploys the account and pays Bob, gas paid by the account.
    let quote = w
        .quote_user_op(&pay(&smart.address, bob, "1", false))
        .await
        .unwrap();
    assert!(
        quote.deploys && quote.online && !quote.sponsored,
        "{quote:?}"
    );
    assert_eq!(quote.gas_paid_by, "the account");
    let sent = w
        .send_user_op(&pay(&smart.address, bob, "1", false))
        .await
        .unwrap();
    assert_eq!(sent.state, "queued");
    assert!(sent.user_operation && sent.hash.is_some());
    let first = wait_state(&w, sent.id, "confirmed").await;
    assert!(
        has_code(&url, &smart.address).await,
        "deployed by its first operation"
    );
    assert_eq!(eth_balance(&url, bob).await, wei("1"));
    let fee1 = wei(first.fee_paid.as_deref().unwrap());
    assert!(fee1 > U256::ZERO);
    // The EntryPoint takes the most the gas can cost up front and keeps what is left over as
    // the account's deposit there (spent first by the next operation).
    let deposit = entry_point_deposit(&url, EntryPointVersion::V07, &smart.address).await;
    assert!(deposit > U256::ZERO);
    assert_eq!(
        eth_balance(&url, &smart.address).await + deposit,
        wei("10") - wei("1") - fee1,
        "the account paid exactly the value and the gas the EntryPoint charged"
    );
    let bundle = first.bundle_tx.clone().unwrap();
    let receipt = rpc(&url, "eth_getTransactionReceipt", json!([bundle])).await;
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(
        u256(&receipt["blockNumber"]),
        U256::from(first.block_number.unwrap())
    );
    let listed = w.smart_accounts().await.unwrap();
    assert!(listed[0].deployed);
    assert_eq!(
        listed[0].deposit.as_deref().map(wei),
        Some(deposit),
        "the wallet shows the deposit the EntryPoint holds for it"
    );

    // 2: a token batch, approve + transfer in one operation.
    let token = deploy_token(&url).await;
    give_tokens(&url, &token, &smart.address, 100).await;
    w.add_token(&token).await.unwrap();
    w.sync_once().await.unwrap();
    let batch = UserOpRequest {
        from: smart.address.clone(),
        calls: vec![
            CallSpec::Approve {
                token: token.clone(),
                spender: bob.into(),
                amount: "5".into(),
            },
            CallSpec::Transfer {
                to: bob.into(),
                token: Some(token.clone()),
                amount: "10".into(),
            },
        ],
        sponsored: false,
        speed: SendSpeed::Normal,
        mfa_code: None,
        override_risk: false,
        signer: None,
    };
    let quote = w.quote_user_op(&batch).await.unwrap();
    assert!(!quote.deploys);
    assert_eq!(quote.calls, 2);
    let sent = w.send_user_op(&batch).await.unwrap();
    assert_eq!(sent.kind, "batch");
    wait_state(&w, sent.id, "confirmed").await;
    assert_eq!(token_balance(&url, &token, bob).await, wei("10"));
    assert_eq!(token_balance(&url, &token, &smart.address).await, wei("90"));
    let allowance = eth_call(
        &url,
        token.parse().unwrap(),
        [
            vec![0xdd, 0x62, 0xed, 0x3e],
            [vec![0u8; 12], hex::decode(&smart.address[2..]).unwrap()].concat(),
            [vec![0u8; 12], hex::decode(&bob[2..]).unwrap()].concat(),
        ]
        .concat(),
    )
    .await;
    assert_eq!(U256::from_be_slice(&allowance), wei("5"));

    // 3: sponsored: the paymaster pays the gas, the account only the value.
    let before = eth_balance(&url, &smart.address).await;
    let quote = w
        .quote_user_op(&pay(&smart.address, bob, "0.5", true))
        .await
        .unwrap();
    assert!(quote.sponsored && quote.gas_paid_by.starts_with("the paymaster"));
    assert_eq!(quote.max_network_fee, "0.0");
    let sent = w
        .send_user_op(&pay(&smart.address, bob, "0.5", true))
        .await
        .unwrap();
    let third = wait_state(&w, sent.id, "confirmed").await;
    assert!(third.paymaster.is_some());
    assert_eq!(third.fee_paid.as_deref(), Some("0.0"));
    assert_eq!(eth_balance(&url, &smart.address).await, before - wei("0.5"));
    assert_eq!(eth_balance(&url, bob).await, wei("1.5"));

    // History: each operation's movements under the bundle transaction that carried it, linked
    // to the operation; the sponsored one has no fee entry, the token batch one token entry
    // (its Transfer log and the operation's own record merged into one).
    w.sync_once().await.unwrap();
    let history = w.history(&smart.address, 100).await.unwrap();
    let of = |bundle: &str| -> Vec<(String, String, String, Option<i64>)> {
        let mut v: Vec<_> = history
            .iter()
            .filter(|h| h.tx_hash == bundle)
            .map(|h| {
                (
                    h.direction.clone(),
                    h.amount.clone(),
                    h.symbol.clone(),
                    h.operation_id,
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        of(&bundle),
        vec![
            (
                "fee".into(),
                cairn_core::units::format_units(fee1, 18).unwrap(),
                "ETH".into(),
                Some(first.id)
            ),
            ("out".into(), "1.0".into(), "ETH".into(), Some(first.id)),
        ]
    );
    let third_bundle = third.bundle_tx.clone().unwrap();
    assert_eq!(
        of(&third_bundle),
        vec![("out".into(), "0.5".into(), "ETH".into(), Some(third.id))]
    );
    let token_out: Vec<_> = history
        .iter()
        .filter(|h| h.symbol == "UNI-V2" && h.direction == "out")
        .collect();
    assert_eq!(token_out.len(), 1, "{history:?}");
    assert_eq!(token_out[0].amount, "10.0");
    assert!(token_out[0].operation_id.is_some());

    // The wallet's balances agree with the chain after a sync.
    w.sync_once().await.unwrap();
    let balances = w.balances(&smart.address).await.unwrap();
    assert_eq!(wei(&balances[0].confirmed), before - wei("0.5"));
    assert_eq!(balances[0].pending_out, "0.0");

    // Plain sends from the smart account are user operations too.
    let plain = w.send(&eth(bob, &smart.address, "0.25")).await.unwrap();
    assert!(plain.user_operation);
    wait_state(&w, plain.id, "confirmed").await;
    assert_eq!(eth_balance(&url, bob).await, wei("1.75"));

    // v0.8: a second smart account of the same owner, deployed and used the same way.
    let v08 = w.smart_account(&owner, Some("v0.8")).await.unwrap();
    assert_ne!(v08.address, smart.address);
    w.devnet_fund(&v08.address, "2").await.unwrap();
    w.sync_once().await.unwrap();
    let sent = w
        .send_user_op(&pay(&v08.address, bob, "0.5", true))
        .await
        .unwrap();
    wait_state(&w, sent.id, "confirmed").await;
    assert!(has_code(&url, &v08.address).await);
    assert_eq!(eth_balance(&url, &v08.address).await, wei("1.5"));
}

#[tokio::test]
async fn queued_while_the_bundler_is_down_then_rejected_and_refused_all_typed() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let url = e.rpc_url.clone();
    let bundler = RpcProxy::start(e.bundler_url.as_deref().unwrap())
        .await
        .unwrap();
    // The paymaster a sponsor runs: the devnet's, behind its sponsorship policy.
    let policy = e.paymaster_policy_url.clone().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (w, owner) = new_wallet(dir.path(), stack_network(&url, &bundler.url(), &policy)).await;
    let bob = "0x000000000000000000000000000000000000b0b0";
    let smart = w.smart_account(&owner, None).await.unwrap();
    w.devnet_fund(&smart.address, "5").await.unwrap();
    w.sync_once().await.unwrap();
    let first = w
        .send_user_op(&pay(&smart.address, bob, "0.1", false))
        .await
        .unwrap();
    wait_state(&w, first.id, "confirmed").await;

    // The bundler goes away: a sponsored operation cannot be had, plain ones queue.
    bundler.set_fault(Fault::Down);
    let err = w
        .send_user_op(&pay(&smart.address, bob, "0.1", true))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Offline, "{err}");
    let quote = w
        .quote_user_op(&pay(&smart.address, bob, "0.2", false))
        .await
        .unwrap();
    assert!(!quote.online, "estimated offline");
    let a = w
        .send_user_op(&pay(&smart.address, bob, "0.2", false))
        .await
        .unwrap();
    let b = w
        .send_user_op(&pay(&smart.address, bob, "0.3", false))
        .await
        .unwrap();
    w.sync_once().await.unwrap();
    for id in [a.id, b.id] {
        let op = w
            .operations(10)
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.id == id)
            .unwrap();
        assert_eq!(op.state, "queued", "waits for the bundler: {:?}", op.error);
    }
    bundler.set_fault(Fault::None);
    wait_state(&w, a.id, "confirmed").await;
    wait_state(&w, b.id, "confirmed").await;
    assert_eq!(eth_balance(&url, bob).await, wei("0.6"));

    // A bundler rejection: a fresh account (no deposit at the EntryPoint yet) signs while the
    // bundler is down, then is emptied before it returns; the bundler refuses with AA21 and the
    // operation fails, saying so in words.
    let fresh = w.smart_account(&owner, Some("v0.8")).await.unwrap();
    w.devnet_fund(&fresh.address, "1").await.unwrap();
    w.sync_once().await.unwrap();
    bundler.set_fault(Fault::Down);
    let doomed = w
        .send_user_op(&pay(&fresh.address, bob, "0.1", false))
        .await
        .unwrap();
    rpc(&url, "anvil_setBalance", json!([fresh.address, "0x0"])).await;
    bundler.set_fault(Fault::None);
    let failed = wait_state(&w, doomed.id, "failed").await;
    let why = failed.error.unwrap();
    assert!(
        why.contains("AA21") && why.contains("no funds for gas"),
        "{why}"
    );
    assert!(!why.contains("0x"), "no raw hex for the user: {why}");
    w.sync_once().await.unwrap();
    let balances = w.balances(&fresh.address).await.unwrap();
    assert_eq!(
        balances[0].pending_out, "0.0",
        "a failed operation holds nothing back"
    );

    // The sponsor's policy stops sponsoring this account: the paymaster's own refusal is a
    // typed error, nothing recorded; paying from the account works.
    let set = reqwest::Client::new()
        .post(format!("{policy}/policy"))
        .json(&json!({"deny": [smart.address.clone()]}))
        .send()
        .await
        .unwrap();
    assert!(set.status().is_success());
    let count = w.operations(100).await.unwrap().len();
    let err = w
        .send_user_op(&pay(&smart.address, bob, "0.1", true))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Rejected, "{err}");
    // The sponsor's own words reach the user, with what to do instead.
    assert!(err.to_string().contains("is not sponsored"), "{err}");
    assert!(
        err.to_string().contains("pay the gas from the account"),
        "{err}"
    );
    assert_eq!(w.operations(100).await.unwrap().len(), count);
    let own = w
        .send_user_op(&pay(&smart.address, bob, "0.1", false))
        .await
        .unwrap();
    wait_state(&w, own.id, "confirmed").await;

    // Deployed behind its back: an operation signed (with the factory) while the bundler was
    // down meets an account someone else deployed meanwhile; the bundler says AA10, the
    // operation asks to be signed again, and once signed again it pays exactly once.
    let source = w.accounts(false).await.unwrap()[0].key_source_id;
    let owner2 = w.add_account(source).await.unwrap().address;
    let second = w.smart_account(&owner2, Some("simple")).await.unwrap();
    w.devnet_fund(&second.address, "1").await.unwrap();
    w.sync_once().await.unwrap();
    bundler.set_fault(Fault::Down);
    let stale = w
        .send_user_op(&pay(&second.address, bob, "0.1", false))
        .await
        .unwrap();
    let factory = EntryPointVersion::V07.factory();
    dev_send(
        &url,
        json!({"to": factory, "data": Bytes::from(aa::create_account_call(owner2.parse().unwrap()))}),
    )
    .await;
    assert!(has_code(&url, &second.address).await);
    bundler.set_fault(Fault::None);
    let stuck = wait_state(&w, stale.id, "needs_resign").await;
    assert!(
        stuck.error.as_deref().unwrap_or_default().contains("AA10"),
        "{stuck:?}"
    );
    assert_eq!(
        w.speed_up(stale.id).await.unwrap_err().code(),
        ErrorCode::InvalidInput,
        "user operations are not replaced by transactions"
    );
    let bob_before = eth_balance(&url, bob).await;
    let again = w.resign(stale.id).await.unwrap();
    assert_eq!(again.state, "queued");
    assert_ne!(again.hash, stuck.hash, "a new signature");
    wait_state(&w, stale.id, "confirmed").await;
    assert_eq!(eth_balance(&url, bob).await, bob_before + wei("0.1"));

    // Bad input is typed.
    for (req, code) in [
        (
            pay(&smart.address, "0x12", "1", false),
            ErrorCode::InvalidInput,
        ),
        (
            pay(&smart.address, bob, "0", false),
            ErrorCode::InvalidInput,
        ),
        (
            pay(&smart.address, bob, "100", false),
            ErrorCode::InsufficientFunds,
        ),
        (pay(&owner, bob, "1", false), ErrorCode::InvalidInput),
    ] {
        let err = w.send_user_op(&req).await.unwrap_err();
        assert_eq!(err.code(), code, "{err}");
    }
}

#[tokio::test]
async fn the_cli_makes_and_uses_a_sponsored_smart_account() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let root = tempfile::tempdir().unwrap();
    let cairn = || {
        let mut cmd = cli(root.path(), &e.rpc_url);
        cmd.env("CAIRN_BUNDLER_URL", e.bundler_url.as_deref().unwrap())
            .env("CAIRN_PAYMASTER_URL", e.paymaster_url.as_deref().unwrap());
        cmd
    };
    let bob = "0x000000000000000000000000000000000000b0b0";
    let owner = run_json(cairn(), &["create"])["account"]["address"]
        .as_str()
        .unwrap()
        .to_string();
    let smart = run_json(cairn(), &["smart", "create"]);
    assert_eq!(smart["deployed"], false);
    assert_eq!(smart["owner"], owner.as_str());
    let address = smart["address"].as_str().unwrap().to_string();
    run_json(cairn(), &["devnet-fund", &address, "--eth", "2"]);
    run_json(cairn(), &["sync"]);

    let quote = run_json(
        cairn(),
        &[
            "smart",
            "send",
            "--from",
            &address,
            "--to",
            bob,
            "--amount",
            "1",
            "--sponsored",
            "--quote",
        ],
    );
    assert_eq!(quote["sponsored"], true);
    assert_eq!(quote["deploys"], true);
    let op = run_json(
        cairn(),
        &[
            "smart",
            "send",
            "--from",
            &address,
            "--to",
            bob,
            "--amount",
            "1",
            "--sponsored",
            "--wait",
        ],
    );
    assert_eq!(op["state"], "confirmed", "{op}");
    assert_eq!(op["user_operation"], true);
    assert!(op["paymaster"].is_string());
    assert_eq!(
        eth_balance(&e.rpc_url, &address).await,
        wei("1"),
        "no gas paid by the account"
    );
    let list = run_json(cairn(), &["smart", "list"]);
    assert_eq!(list[0]["deployed"], true);

    // An owner account is not a smart account: a typed error on stderr, non-zero exit.
    let out = cairn()
        .args([
            "smart", "send", "--from", &owner, "--to", bob, "--amount", "1", "--json",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "InvalidInput", "{err}");
}
