//! Risk checks against a real anvil node (which has `eth_simulateV1`): a plain transfer to a
//! contact raises nothing; a transfer to a poisoned look-alike of the contact, an unlimited
//! approval and a reverting call each raise their warning with the simulated changes; a
//! denylisted recipient is blocked unless overridden; a risky send needs the second factor's
//! code when the policy says so.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use alloy::primitives::{Address, U256};
use cairn_api::{ErrorCode, Policy, SendRequest};
use cairn_core::risk::Call;
use cairn_core::{erc20, totp};
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::proxy::{Fault, RpcProxy};
use cairn_tests::wallet::*;
use secrecy::SecretString;

/// anvil's dev account #1: the contact.
const ALICE: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
/// Same first and last four hex digits as Alice, another address.
const LOOK_ALIKE: &str = "0x70990000000000000000000000000000000079c8";

fn rules(r: &cairn_api::RiskReport) -> Vec<String> {
    r.warnings.iter().map(|w| w.rule.clone()).collect()
}

#[tokio::test]
async fn warnings_simulated_changes_blocking_and_the_code() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(std::slice::from_ref(&url))).await;
    w.devnet_fund(&me, "10").await.unwrap();
    let token = deploy_token(&url).await;
    give_tokens(&url, &token, &me, 100).await;
    w.add_token(&token).await.unwrap();
    w.sync_once().await.unwrap();
    w.add_contact("Alice", ALICE).await.unwrap();
    let look_alike = LOOK_ALIKE.to_string();

    // A plain transfer to a known contact: simulated, nothing to warn about.
    let quote = w.quote_send(&eth(ALICE, &me, "1")).await.unwrap();
    let risk = quote.risk.unwrap();
    assert_eq!(risk.simulation.method, "eth_simulateV1");
    assert!(risk.simulation.success);
    assert!(risk.warnings.is_empty(), "{:?}", risk.warnings);
    assert_eq!(risk.score, 0);
    assert_eq!(risk.simulation.changes.len(), 1);
    assert_eq!(risk.simulation.changes[0].amount, "-1.0");
    assert_eq!(risk.simulation.changes[0].symbol, "ETH");

    // A poisoned look-alike of the contact.
    let quote = w.quote_send(&eth(&look_alike, &me, "1")).await.unwrap();
    let risk = quote.risk.unwrap();
    assert_eq!(rules(&risk), ["look_alike"], "{:?}", risk.warnings);
    assert_eq!(risk.warnings[0].severity, "high");
    assert!(risk.warnings[0].message.contains("Alice"));
    assert_eq!(risk.simulation.changes[0].amount, "-1.0");

    // An unlimited approval, simulated: the approval shows, and the warning.
    let me_addr: Address = me.parse().unwrap();
    let token_addr: Address = token.parse().unwrap();
    let spender: Address = look_alike.parse().unwrap();
    let approve = Call {
        from: me_addr,
        to: token_addr,
        value: U256::ZERO,
        data: erc20::approve(spender, U256::MAX),
    };
    let risk = w.assess(&approve, Some(token_addr), None).await.unwrap();
    assert!(
        rules(&risk).contains(&"unlimited_approval".to_string()),
        "{:?}",
        risk.warnings
    );
    assert_eq!(risk.simulation.approvals.len(), 1);
    assert!(risk.simulation.approvals[0].unlimited);
    assert_eq!(
        risk.simulation.approvals[0].symbol.as_deref(),
        Some("UNI-V2")
    );
    assert!(risk.simulation.changes.is_empty());

    // A call that reverts: more tokens than the account holds.
    let too_much = Call {
        from: me_addr,
        to: token_addr,
        value: U256::ZERO,
        data: erc20::transfer(ALICE.parse().unwrap(), wei("1000")),
    };
    let risk = w
        .assess(&too_much, Some(ALICE.parse().unwrap()), Some(token_addr))
        .await
        .unwrap();
    assert!(!risk.simulation.success);
    assert!(
        rules(&risk).contains(&"reverts".to_string()),
        "{:?}",
        risk.warnings
    );
    assert!(risk.simulation.revert_reason.is_some());

    // ETH to a contract deployed moments ago (which cannot take it): young, and it reverts.
    let to_contract = Call {
        from: me_addr,
        to: token_addr,
        value: wei("1"),
        data: Vec::new(),
    };
    let risk = w
        .assess(&to_contract, Some(token_addr), None)
        .await
        .unwrap();
    let got = rules(&risk);
    assert!(got.contains(&"fresh_contract".to_string()), "{got:?}");
    assert!(got.contains(&"reverts".to_string()), "{got:?}");

    // A token send simulated: the token leaves, ETH does not move.
    let token_send = SendRequest {
        token: Some(token.clone()),
        ..eth(ALICE, &me, "60")
    };
    let risk = w.quote_send(&token_send).await.unwrap().risk.unwrap();
    assert_eq!(risk.simulation.changes.len(), 1);
    assert_eq!(risk.simulation.changes[0].amount, "-60.0");
    assert_eq!(risk.simulation.changes[0].symbol, "UNI-V2");
    assert_eq!(rules(&risk), ["large_share"], "60 of 100 tokens");

    // A denylisted recipient: blocked (nothing recorded), unless overridden explicitly.
    let added = w
        .import_denylist(&format!("sanctioned: {look_alike}\n"), "test list")
        .await
        .unwrap();
    assert_eq!(added, 1);
    let before = w.operations(100).await.unwrap().len();
    let err = w.send(&eth(&look_alike, &me, "0.1")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::RiskBlocked, "{err}");
    assert!(err.to_string().contains("denylist"), "{err}");
    assert_eq!(w.operations(100).await.unwrap().len(), before);
    let forced = w
        .send(&SendRequest {
            override_risk: true,
            ..eth(&look_alike, &me, "0.1")
        })
        .await
        .unwrap();
    wait_state(&w, forced.id, "confirmed").await;
    let decisions: Vec<String> = w
        .audit_log(50)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "risk_decision")
        .map(|e| e.outcome)
        .collect();
    assert_eq!(decisions, ["ok", "denied"], "newest first");

    // With the second factor on and a policy asking for it at score 50: the look-alike send
    // (60) needs a code; the contact's (0) does not.
    let enrolled = w
        .mfa_enroll(SecretString::from("send sync password"))
        .await
        .unwrap();
    let secret = totp::from_base32(&enrolled.secret_base32).unwrap();
    w.mfa_confirm(&totp_now(&secret)).await.unwrap();
    w.set_policy(
        &Policy {
            mfa_above_score: Some(50),
            ..Policy::default()
        },
        Some(&enrolled.recovery_codes[0]),
    )
    .await
    .unwrap();
    let other_alike = "0x70991111111111111111111111111111111179c8";
    assert_eq!(
        w.send(&eth(other_alike, &me, "0.1"))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::MfaRequired
    );
    let coded = w
        .send(&SendRequest {
            mfa_code: Some(enrolled.recovery_codes[1].clone()),
            ..eth(other_alike, &me, "0.1")
        })
        .await
        .unwrap();
    wait_state(&w, coded.id, "confirmed").await;
    let plain = w.send(&eth(ALICE, &me, "0.1")).await.unwrap();
    wait_state(&w, plain.id, "confirmed").await;
}

/// A node without `eth_simulateV1` is traced with `debug_traceCall`; one without either gets
/// `eth_call` and the calldata, and the report says what it could not check.
#[tokio::test]
async fn each_simulation_tier_sees_the_approval() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let token = deploy_token(&url).await;
    let no_trace = RpcProxy::start(&url).await.unwrap();
    no_trace.set_fault(Fault::Refuse {
        prefix: "debug_",
        message: "the method debug_traceCall does not exist",
    });
    let no_simulate = RpcProxy::start(&url).await.unwrap();
    no_simulate.set_fault(Fault::Refuse {
        prefix: "eth_simulateV1",
        message: "the method eth_simulateV1 does not exist",
    });
    let neither = RpcProxy::start(&no_trace.url()).await.unwrap();
    neither.set_fault(Fault::Refuse {
        prefix: "eth_simulateV1",
        message: "the method eth_simulateV1 does not exist",
    });
    for (endpoint, method, traced) in [
        (no_simulate.url(), "debug_traceCall", true),
        (neither.url(), "eth_call", false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let (w, me) = new_wallet(dir.path(), network(std::slice::from_ref(&endpoint))).await;
        w.devnet_fund(&me, "2").await.unwrap();
        w.add_token(&token).await.unwrap();
        let me_addr: Address = me.parse().unwrap();
        let token_addr: Address = token.parse().unwrap();
        let approve = Call {
            from: me_addr,
            to: token_addr,
            value: U256::ZERO,
            data: erc20::approve(ALICE.parse().unwrap(), U256::MAX),
        };
        let risk = w.assess(&approve, Some(token_addr), None).await.unwrap();
        assert_eq!(risk.simulation.method, method);
        assert!(risk.simulation.success);
        assert_eq!(risk.simulation.approvals.len(), 1, "{method}");
        assert!(risk.simulation.approvals[0].unlimited);
        assert!(rules(&risk).contains(&"unlimited_approval".to_string()));
        assert_eq!(risk.simulation.unchecked.is_none(), traced, "{method}");
        // ETH out, seen in the trace's call frame or in the call's value.
        let pay = w
            .quote_send(&eth(ALICE, &me, "0.5"))
            .await
            .unwrap()
            .risk
            .unwrap();
        assert_eq!(pay.simulation.method, method);
        assert_eq!(pay.simulation.changes[0].amount, "-0.5");
    }
}
