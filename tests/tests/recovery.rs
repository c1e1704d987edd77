//! Guardian recovery across independent wallets, each in its own data directory, against anvil,
//! alto and the paymaster with Safe 1.4.1 and its 4337 module: an owner puts three guardians
//! (two must sign) and a delay on a Safe; a new device asks for the account; one approval is
//! refused by the guardian Safe (GS020), two schedule the change; it cannot run before the
//! delay; after it, a third party runs it; the new device owns and sends from the account and
//! the old key's operation is refused. The owner's cancel voids a pending recovery, and
//! replaced guardians can no longer schedule one.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cairn_api::{CallSpec, ErrorCode, GuardianRequest, Notice, SendSpeed, UserOpRequest};
use cairn_core::Wallet;
use cairn_tests::devnet::{Devnet, Endpoints, Peers};
use cairn_tests::wallet::*;
use serde_json::json;

/// A wallet in its own directory with its own Safe (made, not yet deployed): its first
/// account and that Safe's address.
async fn wallet(dir: &std::path::Path, e: &Endpoints) -> (Wallet, String, String) {
    let (w, owner) = new_wallet(dir, stack_network(e)).await;
    let safe = w.smart_account(&owner, None).await.unwrap().address;
    (w, owner, safe)
}

fn pay(from: &str, to: &str, amount: &str) -> UserOpRequest {
    UserOpRequest {
        from: from.into(),
        calls: vec![CallSpec::Transfer {
            to: to.into(),
            token: None,
            amount: amount.into(),
        }],
        sponsored: true,
        speed: SendSpeed::Normal,
        mfa_code: None,
        override_risk: false,
        signer: None,
    }
}

async fn time_passes(url: &str, secs: u64) {
    rpc(url, "evm_increaseTime", json!([secs])).await;
    rpc(url, "evm_mine", json!([])).await;
}

#[tokio::test]
async fn guardians_recover_a_safe_for_a_new_device_after_the_delay() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let url = e.rpc_url.clone();
    let dirs: Vec<_> = (0..5).map(|_| tempfile::tempdir().unwrap()).collect();
    let (owner_w, owner_key, account) = wallet(dirs[0].path(), &e).await;
    let (g1, g1_key, _) = wallet(dirs[1].path(), &e).await;
    let (g2, g2_key, _) = wallet(dirs[2].path(), &e).await;
    let (g3, g3_key, g3_safe) = wallet(dirs[3].path(), &e).await;
    let (new_w, new_key, new_safe) = wallet(dirs[4].path(), &e).await;
    let bob = "0x000000000000000000000000000000000000b0b0";

    // The owner: three guardians, two must sign, an hour's delay; one sponsored operation
    // that also deploys the Safe.
    let guardians = vec![g1_key.clone(), g2_key.clone(), g3_key.clone()];
    let set = owner_w
        .set_guardians(&GuardianRequest {
            account: account.clone(),
            guardians: guardians.clone(),
            threshold: 2,
            delay_secs: Some(3600),
            sponsored: true,
            mfa_code: None,
        })
        .await
        .unwrap();
    assert_eq!(set.kind, "guardian_setup");
    let set = wait_state(&owner_w, set.id, "confirmed").await;
    gas("guardian set-up (deploying the Safe too)", &url, &set).await;
    let seen = owner_w.guardians(&account).await.unwrap();
    assert_eq!(seen.guardians, guardians);
    assert_eq!((seen.threshold, seen.delay_secs), (2, 3600));
    assert!(seen.scheduled.is_empty());
    // Its own key cannot be a guardian, nor can a threshold exceed the guardians.
    for (list, threshold) in [(vec![owner_key.clone()], 1), (guardians.clone(), 4)] {
        let err = owner_w
            .set_guardians(&GuardianRequest {
                account: account.clone(),
                guardians: list,
                threshold,
                delay_secs: None,
                sponsored: true,
                mfa_code: None,
            })
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    }
    w_fund(&owner_w, &account, "2").await;

    // The new device asks; each guardian's wallet sees what it approves.
    let request = new_w.recovery_request(&account, None, None).await.unwrap();
    // Kept: the approvals come back days later, to a wallet that may have restarted.
    assert_eq!(
        new_w.recovery_requests().await.unwrap(),
        vec![request.clone()]
    );
    let review = g1.recovery_review(&request).await.unwrap();
    assert!(review.checked);
    assert_eq!(
        (review.account.as_str(), review.old_owner.as_str()),
        (account.as_str(), owner_key.as_str())
    );
    assert_eq!(review.new_owner, new_key);
    assert_eq!(review.mine, vec![g1_key.clone()]);
    assert_eq!(review.threshold, Some(2));
    let a1 = g1.recovery_approve(&request, None).await.unwrap();
    let a2 = g2.recovery_approve(&request, None).await.unwrap();
    // Someone who is not a guardian cannot approve.
    let err = new_w.recovery_approve(&request, None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");

    // One signature is not enough.
    let err = new_w
        .recovery_submit(&request, std::slice::from_ref(&a1), &new_safe, true)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("GS020"), "{err}");
    // A tampered approval is refused before anything is sent.
    let mut forged = a2.clone();
    forged.guardian = g3_key.clone();
    let err = new_w
        .recovery_submit(&request, &[a1.clone(), forged], &new_safe, true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    // Two schedule it.
    let scheduled = new_w
        .recovery_submit(&request, &[a2.clone(), a1.clone()], &new_safe, true)
        .await
        .unwrap();
    let scheduled = wait_state(&new_w, scheduled.id, "confirmed").await;
    gas(
        "recovery scheduled (2 signatures; deploying the sender's Safe too)",
        &url,
        &scheduled,
    )
    .await;
    let status = new_w.recovery_status(&request).await.unwrap();
    assert_eq!(status.state, "pending");
    assert!(!status.adopted);
    let held = owner_w.guardians(&account).await.unwrap().scheduled;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].kind, "owner_change");
    assert_eq!(held[0].new_owner.as_deref(), Some(new_key.as_str()));

    // Not before the delay.
    let err = new_w
        .recovery_execute(&request, &new_safe, true)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("TimelockUnexpectedOperationState"),
        "{err}"
    );

    // After it, anyone: here the third guardian, from its own Safe.
    time_passes(&url, 3601).await;
    let run = g3.recovery_execute(&request, &g3_safe, true).await.unwrap();
    let run = wait_state(&g3, run.id, "confirmed").await;
    gas(
        "recovery executed (deploying the sender's Safe too)",
        &url,
        &run,
    )
    .await;
    let status = new_w.recovery_status(&request).await.unwrap();
    assert_eq!(status.state, "done");
    assert_eq!(status.owners, vec![new_key.clone()]);
    assert!(status.adopted, "the new device now holds the account");
    assert!(
        new_w.recovery_requests().await.unwrap().is_empty(),
        "done: no longer kept"
    );

    // The new device sends from the account; the old key can no longer.
    let sent = new_w
        .send_user_op(&pay(&account, bob, "0.5"))
        .await
        .unwrap();
    wait_state(&new_w, sent.id, "confirmed").await;
    assert_eq!(eth_balance(&url, bob).await, wei("0.5"));
    let err = owner_w
        .send_user_op(&pay(&account, bob, "0.1"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Rejected, "{err}");
    assert!(err.to_string().contains("no longer owns"), "{err}");
}

/// The gas the bundle transaction that carried `op` used, printed for docs/BENCHMARKS.md
/// (`cargo test -p cairn-tests --test recovery -- --nocapture`).
async fn gas(what: &str, url: &str, op: &cairn_api::Operation) {
    let receipt = rpc(
        url,
        "eth_getTransactionReceipt",
        json!([op.bundle_tx.clone().unwrap()]),
    )
    .await;
    assert_eq!(receipt["status"], "0x1");
    eprintln!("gas: {what}: {}", u256(&receipt["gasUsed"]));
}

async fn w_fund(w: &Wallet, who: &str, eth: &str) {
    w.devnet_fund(who, eth).await.unwrap();
    w.sync_once().await.unwrap();
}

#[tokio::test]
async fn the_owner_cancels_a_recovery_and_replaced_guardians_cannot_schedule() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let url = e.rpc_url.clone();
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let (owner_w, _, account) = wallet(dirs[0].path(), &e).await;
    let (g1, g1_key, _) = wallet(dirs[1].path(), &e).await;
    let (g2, g2_key, _) = wallet(dirs[2].path(), &e).await;
    let (new_w, _, new_safe) = wallet(dirs[3].path(), &e).await;
    let set = owner_w
        .set_guardians(&GuardianRequest {
            account: account.clone(),
            guardians: vec![g1_key.clone(), g2_key.clone()],
            threshold: 1,
            delay_secs: Some(600),
            sponsored: true,
            mfa_code: None,
        })
        .await
        .unwrap();
    wait_state(&owner_w, set.id, "confirmed").await;

    // A recovery the owner did not start: scheduled by one guardian, vetoed by the owner.
    let request = new_w.recovery_request(&account, None, None).await.unwrap();
    let a1 = g1.recovery_approve(&request, None).await.unwrap();
    let op = new_w
        .recovery_submit(&request, &[a1], &new_safe, true)
        .await
        .unwrap();
    wait_state(&new_w, op.id, "confirmed").await;
    let held = owner_w.guardians(&account).await.unwrap().scheduled;
    assert_eq!(held[0].state, "pending");
    let cancel = owner_w
        .recovery_cancel(&account, &held[0].id, true, None)
        .await
        .unwrap();
    let cancel = wait_state(&owner_w, cancel.id, "confirmed").await;
    gas("the owner's cancel", &url, &cancel).await;
    assert_eq!(
        owner_w.guardians(&account).await.unwrap().scheduled[0].state,
        "cancelled"
    );
    time_passes(&url, 601).await;
    let err = new_w
        .recovery_execute(&request, &new_safe, true)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("TimelockUnexpectedOperationState"),
        "{err}"
    );

    // Guardians replaced: g2 alone now. An approval g1 gave while still a guardian can no
    // longer schedule anything: its guardian Safe lost the proposer role. With the second
    // factor on, a change of guardians needs a code, whatever the send policy says.
    let before = new_w.recovery_request(&account, None, None).await.unwrap();
    let stale = g1.recovery_approve(&before, None).await.unwrap();
    let enrolled = owner_w
        .mfa_enroll(secrecy::SecretString::from("send sync password"))
        .await
        .unwrap();
    let secret = cairn_core::totp::from_base32(&enrolled.secret_base32).unwrap();
    owner_w.mfa_confirm(&totp_now(&secret)).await.unwrap();
    let replace = |mfa_code: Option<String>| GuardianRequest {
        account: account.clone(),
        guardians: vec![g2_key.clone()],
        threshold: 1,
        delay_secs: Some(600),
        sponsored: true,
        mfa_code,
    };
    let err = owner_w.set_guardians(&replace(None)).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::MfaRequired, "{err}");
    let set = owner_w
        .set_guardians(&replace(Some(enrolled.recovery_codes[0].clone())))
        .await
        .unwrap();
    let set = wait_state(&owner_w, set.id, "confirmed").await;
    gas(
        "guardians replaced (revoke, disable, new set-up)",
        &url,
        &set,
    )
    .await;
    let now = owner_w.guardians(&account).await.unwrap();
    assert_eq!(now.guardians, vec![g2_key.clone()]);
    let err = new_w
        .recovery_submit(&before, &[stale], &new_safe, true)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("GS013"), "{err}");
    assert_eq!(
        new_w.recovery_status(&before).await.unwrap().state,
        "not_scheduled"
    );
    // The old request names the old timelock and guardian Safe: the chain no longer bears it.
    let err = g1.recovery_review(&request).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Rejected, "{err}");
    let fresh = new_w.recovery_request(&account, None, None).await.unwrap();
    let err = g1.recovery_approve(&fresh, None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    // Signed anyway with the old guardian's key (its wallet names itself): GS026.
    let forced = g1.recovery_approve(&fresh, Some(&g1_key)).await;
    assert!(
        forced.is_err(),
        "a non-guardian signature is refused by the wallet"
    );
    let ok = g2.recovery_approve(&fresh, None).await.unwrap();
    assert_eq!(ok.guardian, g2_key);
}

/// The timelock Cairn deploys is OpenZeppelin's published `TimelockController`, byte for byte.
#[test]
fn the_timelock_code_is_openzeppelins_artifact() {
    let path = cairn_tests::repo_root().join(
        "scripts/devnet/node_modules/@openzeppelin/contracts/build/contracts/TimelockController.json",
    );
    let artifact: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let published = hex::decode(
        artifact["bytecode"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap();
    assert_eq!(
        cairn_core::aa::guardians::timelock_creation_code(),
        published
    );
}

/// The same recovery through the `cairn` command line, requests and approvals as files.
#[tokio::test]
async fn the_cli_recovers_a_safe_with_files() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let roots: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let cairn = |i: usize| {
        let mut cmd = cli(roots[i].path(), &e.rpc_url);
        cmd.env("CAIRN_BUNDLER_URL", e.bundler_url.as_deref().unwrap())
            .env("CAIRN_PAYMASTER_URL", e.paymaster_url.as_deref().unwrap());
        cmd
    };
    let address = |v: serde_json::Value| v["account"]["address"].as_str().unwrap().to_string();
    let _owner = address(run_json(cairn(0), &["create"]));
    let guardian = address(run_json(cairn(1), &["create"]));
    let new_owner = address(run_json(cairn(2), &["create"]));
    let account = run_json(cairn(0), &["safe", "create"])["address"]
        .as_str()
        .unwrap()
        .to_string();
    let new_safe = run_json(cairn(2), &["safe", "create"])["address"]
        .as_str()
        .unwrap()
        .to_string();
    let set = run_json(
        cairn(0),
        &[
            "guardians",
            "set",
            "--guardian",
            &guardian,
            "--threshold",
            "1",
            "--delay",
            "60",
            "--sponsored",
            "--wait",
        ],
    );
    assert_eq!(set["state"], "confirmed", "{set}");
    let listed = run_json(cairn(0), &["guardians", "list"]);
    assert_eq!(listed["guardians"], json!([guardian]));

    let dir = roots[2].path();
    let request = dir.join("request.json");
    let approval = dir.join("approval.json");
    let (request_s, approval_s) = (
        request.to_str().unwrap().to_string(),
        approval.to_str().unwrap().to_string(),
    );
    run_json(
        cairn(2),
        &[
            "recovery",
            "request",
            "--account",
            &account,
            "--out",
            &request_s,
        ],
    );
    // The request is kept by the wallet that made it, and listed.
    let kept = run_json(cairn(2), &["recovery", "requests"]);
    assert_eq!(
        kept,
        json!([std::fs::read_to_string(&request).unwrap().trim()]),
        "{kept}"
    );
    let review = run_json(cairn(1), &["recovery", "review", &request_s]);
    assert_eq!(review["new_owner"], json!(new_owner));
    run_json(
        cairn(1),
        &["recovery", "approve", &request_s, "--out", &approval_s],
    );
    let scheduled = run_json(
        cairn(2),
        &[
            "recovery",
            "submit",
            &request_s,
            "--approval",
            &approval_s,
            "--from",
            &new_safe,
            "--sponsored",
            "--wait",
        ],
    );
    assert_eq!(scheduled["state"], "confirmed", "{scheduled}");
    time_passes(&e.rpc_url, 61).await;
    let run = run_json(
        cairn(2),
        &[
            "recovery",
            "execute",
            &request_s,
            "--from",
            &new_safe,
            "--sponsored",
            "--wait",
        ],
    );
    assert_eq!(run["state"], "confirmed", "{run}");
    let status = run_json(cairn(2), &["recovery", "status", &request_s]);
    assert_eq!(status["state"], "done");
    assert_eq!(status["adopted"], true);
    assert_eq!(status["owners"], json!([new_owner]));
}

fn notices(events: &mut tokio::sync::broadcast::Receiver<cairn_core::WalletEvent>) -> Vec<Notice> {
    let mut out = Vec::new();
    while let Ok(e) = events.try_recv() {
        if let cairn_core::WalletEvent::Notice(n) = e {
            out.push(n);
        }
    }
    out
}

/// The owner's wallet watches its Safe's timelock: an owner change it did not start is told
/// (with the id its cancel needs), and any other scheduled call is cancelled on sight.
#[tokio::test]
async fn the_watchtower_tells_of_a_recovery_and_cancels_anything_else() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let url = e.rpc_url.clone();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let (owner_w, _, account) = wallet(dirs[0].path(), &e).await;
    let (g1, g1_key, _) = wallet(dirs[1].path(), &e).await;
    let (new_w, new_key, new_safe) = wallet(dirs[2].path(), &e).await;
    let set = owner_w
        .set_guardians(&GuardianRequest {
            account: account.clone(),
            guardians: vec![g1_key.clone()],
            threshold: 1,
            delay_secs: Some(600),
            sponsored: true,
            mfa_code: None,
        })
        .await
        .unwrap();
    wait_state(&owner_w, set.id, "confirmed").await;
    let mut events = owner_w.subscribe();
    owner_w.sync_once().await.unwrap();
    assert!(
        !notices(&mut events).iter().any(|n| matches!(
            n,
            Notice::RecoveryScheduled { .. } | Notice::ScheduledCall { .. }
        )),
        "nothing scheduled, nothing told"
    );

    // A recovery the owner did not start.
    let request = new_w.recovery_request(&account, None, None).await.unwrap();
    let a1 = g1.recovery_approve(&request, None).await.unwrap();
    let op = new_w
        .recovery_submit(&request, &[a1], &new_safe, true)
        .await
        .unwrap();
    wait_state(&new_w, op.id, "confirmed").await;
    owner_w.sync_once().await.unwrap();
    let told = notices(&mut events);
    let id = match told.as_slice() {
        [Notice::RecoveryScheduled {
            account: a,
            new_owner,
            id,
            ready_at: Some(_),
        }] if *a == account && *new_owner == new_key => id.clone(),
        other => panic!("one recovery told: {other:?}"),
    };
    // Told once a session, not at every round.
    owner_w.sync_once().await.unwrap();
    assert!(notices(&mut events).is_empty());
    let cancel = owner_w
        .recovery_cancel(&account, &id, true, None)
        .await
        .unwrap();
    wait_state(&owner_w, cancel.id, "confirmed").await;

    // A guardian (or whoever holds its key) schedules a call that is not an owner change: a
    // payment out of the account, signed as the guardian Safe's transaction.
    let g = owner_w.guardians(&account).await.unwrap();
    let guardian_safe = g.guardian_safe.clone().unwrap();
    let timelock = g.timelock.clone().unwrap();
    w_fund(&owner_w, &account, "1").await;
    let drain = exec_from_module_payload(&account, "0x000000000000000000000000000000000000dEaD");
    let schedule = schedule_call(&account, &drain);
    let typed = json!({
        "types": {
            "EIP712Domain": [
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"}
            ],
            "SafeTx": [
                {"name": "to", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "data", "type": "bytes"},
                {"name": "operation", "type": "uint8"},
                {"name": "safeTxGas", "type": "uint256"},
                {"name": "baseGas", "type": "uint256"},
                {"name": "gasPrice", "type": "uint256"},
                {"name": "gasToken", "type": "address"},
                {"name": "refundReceiver", "type": "address"},
                {"name": "nonce", "type": "uint256"}
            ]
        },
        "primaryType": "SafeTx",
        "domain": {"chainId": e.chain_id, "verifyingContract": guardian_safe},
        "message": {
            "to": timelock, "value": "0", "data": schedule, "operation": 0,
            "safeTxGas": "0", "baseGas": "0", "gasPrice": "0",
            "gasToken": "0x0000000000000000000000000000000000000000",
            "refundReceiver": "0x0000000000000000000000000000000000000000",
            "nonce": "1"
        }
    });
    let signed = g1
        .sign_typed_data(&g1_key, &typed.to_string())
        .await
        .unwrap();
    dev_send(
        &url,
        json!({"to": guardian_safe, "data": exec_transaction(&timelock, &schedule, &signed.signature)}),
    )
    .await;
    let held = owner_w.guardians(&account).await.unwrap().scheduled;
    let other = held.iter().find(|s| s.kind == "other").unwrap();
    assert_eq!(other.state, "pending");
    owner_w.sync_once().await.unwrap();
    let told = notices(&mut events);
    assert!(
        told.iter().any(|n| matches!(
            n,
            Notice::ScheduledCall { cancelled: true, id, .. } if *id == other.id
        )),
        "{told:?}"
    );
    for _ in 0..20 {
        owner_w.sync_once().await.unwrap();
        let now = owner_w.guardians(&account).await.unwrap().scheduled;
        if now
            .iter()
            .any(|s| s.id == other.id && s.state == "cancelled")
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("the foreign call was not cancelled on chain");
}

/// `execTransactionFromModule(to, 1 ETH, "", 0)` on the account: a payment out of it.
fn exec_from_module_payload(_account: &str, to: &str) -> Vec<u8> {
    use alloy::sol_types::SolCall;
    alloy::sol! { function execTransactionFromModule(address to, uint256 value, bytes data, uint8 operation); }
    execTransactionFromModuleCall {
        to: to.parse().unwrap(),
        value: alloy::primitives::U256::from(10u128.pow(18)),
        data: Default::default(),
        operation: 0,
    }
    .abi_encode()
}

fn schedule_call(account: &str, payload: &[u8]) -> String {
    use alloy::sol_types::SolCall;
    alloy::sol! { function schedule(address target, uint256 value, bytes data, bytes32 predecessor, bytes32 salt, uint256 delay); }
    let data = scheduleCall {
        target: account.parse().unwrap(),
        value: Default::default(),
        data: payload.to_vec().into(),
        predecessor: Default::default(),
        salt: alloy::primitives::B256::repeat_byte(7),
        delay: alloy::primitives::U256::from(600),
    }
    .abi_encode();
    format!("0x{}", hex::encode(data))
}

fn exec_transaction(timelock: &str, data: &str, signature: &str) -> String {
    use alloy::sol_types::SolCall;
    alloy::sol! { function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures); }
    let call = execTransactionCall {
        to: timelock.parse().unwrap(),
        value: Default::default(),
        data: hex::decode(data.trim_start_matches("0x")).unwrap().into(),
        operation: 0,
        safeTxGas: Default::default(),
        baseGas: Default::default(),
        gasPrice: Default::default(),
        gasToken: Default::default(),
        refundReceiver: Default::default(),
        signatures: hex::decode(signature.trim_start_matches("0x"))
            .unwrap()
            .into(),
    }
    .abi_encode();
    format!("0x{}", hex::encode(call))
}

/// With no node: the new device makes its request from the account's recovery kit and the
/// guardians sign it (their wallets say it is not checked); once a node answers, it is
/// submitted and scheduled.
#[tokio::test]
async fn offline_the_request_and_approvals_are_made_and_submitting_waits_for_a_node() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let dead = impatient_network(&["http://127.0.0.1:9".to_string()]);
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let (owner_w, _, account) = wallet(dirs[0].path(), &e).await;
    let (g1, g1_key) = new_wallet(dirs[1].path(), dead.clone()).await;
    let (g2, g2_key) = new_wallet(dirs[2].path(), dead.clone()).await;
    let (new_off, new_key) = new_wallet(dirs[3].path(), dead.clone()).await;
    let set = owner_w
        .set_guardians(&GuardianRequest {
            account: account.clone(),
            guardians: vec![g1_key.clone(), g2_key.clone()],
            threshold: 2,
            delay_secs: Some(600),
            sponsored: true,
            mfa_code: None,
        })
        .await
        .unwrap();
    wait_state(&owner_w, set.id, "confirmed").await;
    let kit = owner_w.recovery_kit(&account).await.unwrap();

    let err = new_off
        .recovery_request(&account, None, None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Offline, "{err}");
    let request = new_off
        .recovery_request(&account, None, Some(&kit))
        .await
        .unwrap();
    let review = g1.recovery_review(&request).await.unwrap();
    assert!(!review.checked, "no node: not checked, and it says so");
    assert_eq!(review.new_owner, new_key);
    let err = g1.recovery_approve(&request, None).await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::InvalidInput,
        "offline, the guardian names itself: {err}"
    );
    let a1 = g1.recovery_approve(&request, Some(&g1_key)).await.unwrap();
    let a2 = g2.recovery_approve(&request, Some(&g2_key)).await.unwrap();

    // The same device once a node answers.
    drop(new_off);
    let online = Wallet::new(cairn_core::WalletConfig {
        data_dir: dirs[3].path().to_path_buf(),
        network: stack_network(&e),
        kdf: FAST_KDF,
        keychain: std::sync::Arc::new(cairn_core::keychain::NoKeychain),
    })
    .unwrap();
    online
        .unlock(secrecy::SecretString::from("send sync password"))
        .await
        .unwrap();
    let from = online.smart_account(&new_key, None).await.unwrap().address;
    let op = online
        .recovery_submit(&request, &[a1, a2], &from, true)
        .await
        .unwrap();
    wait_state(&online, op.id, "confirmed").await;
    assert_eq!(
        online.recovery_status(&request).await.unwrap().state,
        "pending"
    );
}

#[tokio::test]
async fn smart_account_guardians_approve_as_contracts() {
    // Guardians that are themselves smart accounts of other Cairn wallets: a Safe vouches
    // through ERC-1271 (signed offline-capably by its owner), a SimpleAccount, which cannot,
    // approves the hash on chain. The guardian Safe accepts both, and refuses a tampered one.
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let (owner_w, _, account) = wallet(dirs[0].path(), &e).await;
    let (g1, _, g1_safe) = wallet(dirs[1].path(), &e).await;
    let (g2, g2_key) = new_wallet(dirs[2].path(), stack_network(&e)).await;
    let g2_simple = g2
        .smart_account(&g2_key, Some("simple"))
        .await
        .unwrap()
        .address;
    let (new_w, _, new_safe) = wallet(dirs[3].path(), &e).await;

    let set = owner_w
        .set_guardians(&GuardianRequest {
            account: account.clone(),
            guardians: vec![g1_safe.clone(), g2_simple.clone()],
            threshold: 2,
            delay_secs: Some(3600),
            sponsored: true,
            mfa_code: None,
        })
        .await
        .unwrap();
    wait_state(&owner_w, set.id, "confirmed").await;
    let request = new_w.recovery_request(&account, None, None).await.unwrap();

    // A Safe guardian needs code to answer ERC-1271: said in words until it has some.
    let err = g1.recovery_approve(&request, None).await.unwrap_err();
    assert!(err.to_string().contains("not deployed"), "{err}");
    w_fund(&g1, &g1_safe, "1").await;
    let first = g1
        .send_user_op(&pay(
            &g1_safe,
            "0x000000000000000000000000000000000000b0b0",
            "0.1",
        ))
        .await
        .unwrap();
    wait_state(&g1, first.id, "confirmed").await;
    let a1 = g1.recovery_approve(&request, None).await.unwrap();
    assert_eq!(a1.kind, cairn_api::ApprovalKind::Contract);
    assert_eq!(a1.guardian, g1_safe);
    // The SimpleAccount's approval is an operation of its own; the JSON says so.
    let a2 = g2.recovery_approve(&request, None).await.unwrap();
    assert_eq!(a2.kind, cairn_api::ApprovalKind::Approved);
    assert!(serde_json::to_string(&a2).unwrap().contains("\"approved\""));
    let approving = g2.operations(50).await.unwrap();
    let approving = approving
        .iter()
        .find(|o| o.kind == "recovery_approve")
        .expect("the approval's operation");
    wait_state(&g2, approving.id, "confirmed").await;

    // A contract signature that is not the Safe's own is refused before anything is sent.
    let mut forged = a1.clone();
    forged.signature.replace_range(
        4..6,
        if &forged.signature[4..6] == "00" {
            "11"
        } else {
            "00"
        },
    );
    let err = new_w
        .recovery_submit(&request, &[forged, a2.clone()], &new_safe, true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    let scheduled = new_w
        .recovery_submit(&request, &[a1, a2], &new_safe, true)
        .await
        .unwrap();
    wait_state(&new_w, scheduled.id, "confirmed").await;
    assert_eq!(
        new_w.recovery_status(&request).await.unwrap().state,
        "pending"
    );
}

#[tokio::test]
async fn a_passkey_guardian_approves_a_recovery() {
    // A guardian that is a passkey: its signer proxy (Safe's WebAuthn signer factory) is an
    // owner of the guardian Safe, and its approval is a WebAuthn assertion over the guardian
    // Safe's transaction hash, which the Safe checks through the proxy's ERC-1271. Another
    // passkey's assertion is refused before anything is sent.
    use alloy::primitives::Address;
    use cairn_core::primitives::aa::safe::PasskeyDeployment;
    use cairn_core::primitives::aa::webauthn::{self, PasskeyKey, P256_PRECOMPILE};
    use cairn_tests::passkey::SoftPasskey;

    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let (owner_w, _, account) = wallet(dirs[0].path(), &e).await;
    let (new_w, _, new_safe) = wallet(dirs[1].path(), &e).await;
    let p = PasskeyDeployment::for_chain(31337).unwrap();
    let mut passkey = SoftPasskey::new().await;
    let key = PasskeyKey {
        x: passkey.x,
        y: passkey.y,
        precompile: Some(P256_PRECOMPILE),
        fallback: p.fcl_verifier,
    };
    // The proxy exists before it is asked: anyone may create it (here the dev account).
    let signer = Address::from_slice(
        &eth_call(&e.rpc_url, p.signer_factory, key.get_signer_call()).await[12..32],
    );
    dev_send(
        &e.rpc_url,
        json!({"to": p.signer_factory, "data": alloy::primitives::Bytes::from(key.create_signer_call())}),
    )
    .await;
    let guardian = cairn_core::units::format_address(&signer);
    let set = owner_w
        .set_guardians(&GuardianRequest {
            account: account.clone(),
            guardians: vec![guardian.clone()],
            threshold: 1,
            delay_secs: Some(3600),
            sponsored: true,
            mfa_code: None,
        })
        .await
        .unwrap();
    wait_state(&owner_w, set.id, "confirmed").await;

    let request = new_w.recovery_request(&account, None, None).await.unwrap();
    let review = new_w.recovery_review(&request).await.unwrap();
    assert!(
        review.checked && review.guardians.contains(&guardian),
        "{review:?}"
    );
    let hash: alloy::primitives::B256 = review.hash.parse().unwrap();
    let approval = |signature: Vec<u8>| cairn_api::RecoveryApproval {
        hash: review.hash.clone(),
        guardian: guardian.clone(),
        signature: format!("0x{}", hex::encode(signature)),
        kind: cairn_api::ApprovalKind::Contract,
    };
    let encoded = |a: cairn_tests::passkey::Assertion| {
        webauthn::safe_signature(
            hash,
            &a.authenticator_data,
            &a.client_data_json,
            &a.signature,
        )
        .unwrap()
    };
    let mut stranger = SoftPasskey::new().await;
    let forged = approval(encoded(stranger.assert(hash).await));
    let err = new_w
        .recovery_submit(&request, &[forged], &new_safe, true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    let approved = approval(encoded(passkey.assert(hash).await));
    let scheduled = new_w
        .recovery_submit(&request, &[approved], &new_safe, true)
        .await
        .unwrap();
    wait_state(&new_w, scheduled.id, "confirmed").await;
    assert_eq!(
        new_w.recovery_status(&request).await.unwrap().state,
        "pending"
    );
}

/// A Safe owned by its key and a passkey loses the key: the recovery replaces the key alone
/// (the request names it and the passkey before it in the Safe's list), the passkey stays an
/// owner and still pays from the account, and the new device holds it too.
#[tokio::test]
async fn a_recovery_replaces_the_lost_key_and_keeps_the_passkey() {
    use cairn_tests::passkey::SoftAuthenticator;
    use std::sync::Arc;

    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let url = e.rpc_url.clone();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let (owner_w, owner_key, account) = wallet(dirs[0].path(), &e).await;
    let (g1, g1_key, _) = wallet(dirs[1].path(), &e).await;
    let (new_w, new_key, new_safe) = wallet(dirs[2].path(), &e).await;

    owner_w.set_authenticator(Arc::new(SoftAuthenticator::default()));
    let phone = owner_w.passkey_add("Phone").await.unwrap();
    let joined = owner_w
        .safe_passkey_add(&account, phone.id, true, None)
        .await
        .unwrap();
    wait_state(&owner_w, joined.id, "confirmed").await;
    let set = owner_w
        .set_guardians(&GuardianRequest {
            account: account.clone(),
            guardians: vec![g1_key.clone()],
            threshold: 1,
            delay_secs: Some(3600),
            sponsored: true,
            mfa_code: None,
        })
        .await
        .unwrap();
    wait_state(&owner_w, set.id, "confirmed").await;
    w_fund(&owner_w, &account, "1").await;
    let owners_before = owner_w
        .smart_accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.address == account)
        .unwrap()
        .owners
        .unwrap();
    assert_eq!(owners_before.len(), 2, "{owners_before:?}");
    let passkey_signer = owners_before
        .iter()
        .find(|o| **o != owner_key)
        .unwrap()
        .clone();

    let request = new_w.recovery_request(&account, None, None).await.unwrap();
    let review = g1.recovery_review(&request).await.unwrap();
    assert!(review.checked, "{review:?}");
    assert_eq!(review.old_owner, owner_key, "the key is what is replaced");
    let approval = g1.recovery_approve(&request, None).await.unwrap();
    let scheduled = new_w
        .recovery_submit(&request, &[approval], &new_safe, true)
        .await
        .unwrap();
    wait_state(&new_w, scheduled.id, "confirmed").await;
    time_passes(&url, 3601).await;
    let run = new_w
        .recovery_execute(&request, &new_safe, true)
        .await
        .unwrap();
    wait_state(&new_w, run.id, "confirmed").await;
    let status = new_w.recovery_status(&request).await.unwrap();
    assert_eq!(status.state, "done");
    let mut owners = status.owners.clone();
    owners.sort();
    let mut expected = vec![passkey_signer.clone(), new_key.clone()];
    expected.sort();
    assert_eq!(owners, expected, "the key replaced, the passkey kept");
    assert!(status.adopted);

    // The passkey still pays from the account.
    let mut paid = pay(
        &account,
        "0x000000000000000000000000000000000000b0b0",
        "0.1",
    );
    paid.signer = Some(phone.id);
    let sent = owner_w.send_user_op(&paid).await.unwrap();
    let done = wait_state(&owner_w, sent.id, "confirmed").await;
    assert!(done.error.is_none(), "{done:?}");
}
