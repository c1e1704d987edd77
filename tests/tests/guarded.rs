//! The second factor and the spending policy, enforced by the core against a real anvil node:
//! enrolment confirmed by a real TOTP code, a send above the per-send limit refused without a
//! valid code (and a used code refused again), accepted with one, the daily limit, recovery
//! codes used once, exports and policy changes behind a code — through the core API and the
//! `cairn` CLI. Nothing refused is recorded.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cairn_api::{ErrorCode, Policy};
use cairn_core::totp;
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::wallet::*;
use secrecy::SecretString;

const BOB: &str = "0x000000000000000000000000000000000000bEEF";

/// The code an authenticator app shows `offset` steps after `t0`.
fn code_from(secret: &[u8], t0: u64, offset: u64) -> String {
    totp::code_at(secret, t0 + offset * totp::PERIOD)
}

#[tokio::test]
async fn sends_above_the_policy_need_a_valid_code_in_the_core() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), network(std::slice::from_ref(&url))).await;
    w.devnet_fund(&me, "10").await.unwrap();
    w.sync_once().await.unwrap();
    let password = || SecretString::from("send sync password");

    // No second factor yet: a policy cannot be set (it would need a code).
    let err = w
        .set_policy(
            &Policy {
                per_send: Some("1".into()),
                ..Policy::default()
            },
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");

    // Enrolment: the password first, then the app's first code turns it on.
    assert_eq!(
        w.mfa_enroll(SecretString::from("wrong password"))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::WrongPassword
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let enrolled = w.mfa_enroll(password()).await.unwrap();
    assert!(enrolled.otpauth_uri.starts_with("otpauth://totp/Cairn:"));
    // The QR code the authenticator app scans holds exactly that URI.
    assert_eq!(
        cairn_tests::qr::decode_svg(&enrolled.qr_svg),
        enrolled.otpauth_uri
    );
    assert_eq!(enrolled.recovery_codes.len(), 10);
    let secret = totp::from_base32(&enrolled.secret_base32).unwrap();
    assert!(
        !w.mfa_status().await.unwrap().enabled,
        "not before the first code"
    );
    assert_eq!(
        w.mfa_confirm("000000").await.unwrap_err().code(),
        ErrorCode::MfaRejected
    );
    // Codes are taken relative to one instant, so a step boundary passing during the test
    // changes nothing: the first code is step N, the next N+1 (both inside the ±1 window).
    let t0 = unix_now();
    let code = |offset| code_from(&secret, t0, offset);
    w.mfa_confirm(&code(0)).await.unwrap();
    let status = w.mfa_status().await.unwrap();
    assert!(status.enabled && !status.pending);
    assert_eq!(status.recovery_codes_left, 10);

    // The policy: changing it needs a code; a used code is refused the second time.
    let policy = Policy {
        per_send: Some("1".into()),
        per_day: Some("3".into()),
        ..Policy::default()
    };
    assert_eq!(
        w.set_policy(&policy, None).await.unwrap_err().code(),
        ErrorCode::MfaRequired
    );
    assert_eq!(
        w.set_policy(&policy, Some(&code(0)))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::MfaRejected,
        "the confirmation's code cannot be used again"
    );
    w.set_policy(&policy, Some(&code(1))).await.unwrap();
    assert_eq!(
        w.mfa_status().await.unwrap().policy.per_send.as_deref(),
        Some("1.0")
    );

    // Above the per-send limit: refused without a code, with a wrong one, with a used one;
    // nothing is recorded. Below it: no code asked.
    let before = w.operations(100).await.unwrap().len();
    let big = eth(BOB, &me, "2");
    assert_eq!(
        w.send(&big).await.unwrap_err().code(),
        ErrorCode::MfaRequired
    );
    let with = |c: &str| cairn_api::SendRequest {
        mfa_code: Some(c.to_string()),
        ..big.clone()
    };
    assert_eq!(
        w.send(&with("123456")).await.unwrap_err().code(),
        ErrorCode::MfaRejected
    );
    assert_eq!(
        w.send(&with(&code(1))).await.unwrap_err().code(),
        ErrorCode::MfaRejected,
        "replayed"
    );
    assert_eq!(w.operations(100).await.unwrap().len(), before);
    let small = w.send(&eth(BOB, &me, "0.5")).await.unwrap();
    wait_state(&w, small.id, "confirmed").await;

    // A recovery code works, once.
    let recovery = enrolled.recovery_codes[0].clone();
    let sent = w.send(&with(&recovery)).await.unwrap();
    wait_state(&w, sent.id, "confirmed").await;
    assert_eq!(eth_balance(&url, BOB).await, wei("2.5"));
    assert_eq!(
        w.send(&with(&recovery)).await.unwrap_err().code(),
        ErrorCode::MfaRejected
    );
    assert_eq!(w.mfa_status().await.unwrap().recovery_codes_left, 9);

    // The daily limit: 2.5 sent today, 3 allowed: 0.75 more needs a code though under 1.
    assert_eq!(
        w.send(&eth(BOB, &me, "0.75")).await.unwrap_err().code(),
        ErrorCode::MfaRequired
    );
    let daily = w
        .send(&cairn_api::SendRequest {
            mfa_code: Some(enrolled.recovery_codes[1].clone()),
            ..eth(BOB, &me, "0.75")
        })
        .await
        .unwrap();
    wait_state(&w, daily.id, "confirmed").await;

    // Exports always need a code once it is on.
    let source = w.accounts(false).await.unwrap()[0].key_source_id;
    assert_eq!(
        w.export_secret(password(), source, None)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::MfaRequired
    );
    let phrase = w
        .export_secret(password(), source, Some(&enrolled.recovery_codes[2]))
        .await
        .unwrap();
    assert_eq!(
        secrecy::ExposeSecret::expose_secret(&phrase)
            .split(' ')
            .count(),
        12
    );

    // Every decision is in the audit log, never a code or the secret.
    let log = w.audit_log(100).await.unwrap();
    let checks: Vec<&str> = log
        .iter()
        .filter(|e| e.event == "mfa_check")
        .map(|e| e.outcome.as_str())
        .collect();
    assert!(
        checks.contains(&"ok") && checks.contains(&"denied"),
        "{checks:?}"
    );
    assert!(log.iter().any(|e| e.event == "policy_changed"));
    for e in &log {
        assert!(!e.detail.contains(&enrolled.secret_base32));
        assert!(!e.detail.contains(&recovery));
    }
    assert!(w.verify_audit().await.is_ok());

    // Turning it off needs the password and a code; the policy goes with it.
    assert_eq!(
        w.mfa_disable(password(), "000000")
            .await
            .unwrap_err()
            .code(),
        ErrorCode::MfaRejected
    );
    w.mfa_disable(password(), &enrolled.recovery_codes[3])
        .await
        .unwrap();
    let status = w.mfa_status().await.unwrap();
    assert!(!status.enabled);
    assert_eq!(status.policy, Policy::default());
    let free = w.send(&eth(BOB, &me, "2")).await.unwrap();
    wait_state(&w, free.id, "confirmed").await;
}

#[tokio::test]
async fn the_cli_refuses_a_send_above_the_policy_without_a_code() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let url = devnet.endpoints.rpc_url.clone();
    let root = tempfile::tempdir().unwrap();
    let cairn = || {
        let mut cmd = cli(root.path(), &url);
        cmd.env("CAIRN_EXPORT_PASSWORD", "crash test password");
        cmd
    };
    run_json(cairn(), &["create"]);
    run_json(cairn(), &["devnet-fund", "--eth", "5"]);
    run_json(cairn(), &["sync"]);
    let enrolled = run_json(cairn(), &["mfa", "enroll"]);
    let secret = totp::from_base32(enrolled["secret_base32"].as_str().unwrap()).unwrap();
    let recovery: Vec<String> = enrolled["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    // A code is never an argument (`ps` shows arguments to every user of the machine).
    let out = cairn()
        .args([
            "mfa",
            "confirm",
            "--code",
            &code_from(&secret, unix_now(), 0),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a code as an argument is a usage error"
    );
    let mut confirm = cairn();
    confirm.env("CAIRN_MFA_CODE", code_from(&secret, unix_now(), 0));
    run_json(confirm, &["mfa", "confirm"]);
    // From a file descriptor, as the password: here fd 3, a pipe from the shell.
    let template = cairn();
    let mut by_fd = std::process::Command::new("bash");
    by_fd
        .arg("-c")
        .arg(r#""$0" policy set --per-send 1 --code-fd 3 --json 3<<<"$CODE""#)
        .arg(template.get_program())
        .env("CODE", &recovery[0]);
    for (k, v) in template.get_envs() {
        match v {
            Some(v) => by_fd.env(k, v),
            None => by_fd.env_remove(k),
        };
    }
    let by_fd = by_fd.output().unwrap();
    assert!(
        by_fd.status.success(),
        "{}",
        String::from_utf8_lossy(&by_fd.stderr)
    );
    let status = run_json(cairn(), &["mfa", "status"]);
    assert_eq!(status["enabled"], true);
    assert_eq!(status["policy"]["per_send"], "1.0");

    // Without a code: a typed error and a non-zero exit; nothing sent.
    let out = cairn()
        .args(["send", "--to", BOB, "--amount", "2", "--json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "MfaRequired", "{err}");
    assert_eq!(eth_balance(&url, BOB).await, wei("0"));

    // With a code from the environment (not an argument others can see in `ps`).
    let mut with_code = cairn();
    with_code.env("CAIRN_MFA_CODE", &recovery[1]);
    let op = run_json(with_code, &["send", "--to", BOB, "--amount", "2", "--wait"]);
    assert_eq!(op["state"], "confirmed", "{op}");
    assert_eq!(eth_balance(&url, BOB).await, wei("2"));

    // Typed data: reviewed field by field; another chain's refused; this chain's signed.
    let mail = |chain: u64| {
        serde_json::json!({
            "types": {
                "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"}],
                "Mail": [{"name": "to", "type": "address"}, {"name": "contents", "type": "string"}]
            },
            "primaryType": "Mail",
            "domain": {"name": "Ether Mail", "chainId": chain},
            "message": {"to": BOB, "contents": "Hello, Bob!"}
        })
        .to_string()
    };
    let file = root.path().join("mail.json");
    std::fs::write(&file, mail(1)).unwrap();
    let out = cairn()
        .args(["sign", "typed-data", file.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "Rejected", "{err}");
    assert!(err["error"]["message"]
        .as_str()
        .unwrap()
        .contains("chain 1"));
    std::fs::write(&file, mail(31337)).unwrap();
    let review = run_json(
        cairn(),
        &["sign", "typed-data", "--review", file.to_str().unwrap()],
    );
    assert_eq!(review["fields"][1]["value"], "Hello, Bob!");
    // The signatures recover, by alloy's own EIP-712 and EIP-191 hashing, to the account that
    // signed: a signature of the right length by another key, or over other bytes, fails here.
    let me: alloy::primitives::Address = run_json(cairn(), &["accounts"])[0]["address"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let signature = |v: &serde_json::Value| {
        let hex = v["signature"].as_str().unwrap();
        alloy::primitives::Signature::from_raw(&alloy::hex::decode(hex).unwrap()).unwrap()
    };
    let signed = run_json(cairn(), &["sign", "typed-data", file.to_str().unwrap()]);
    let typed: alloy_dyn_abi::TypedData = serde_json::from_str(&mail(31337)).unwrap();
    let hash = typed.eip712_signing_hash().unwrap();
    assert_eq!(
        signature(&signed)
            .recover_address_from_prehash(&hash)
            .unwrap(),
        me
    );
    let message = run_json(cairn(), &["sign", "message", "hello"]);
    assert_eq!(
        signature(&message)
            .recover_address_from_msg("hello")
            .unwrap(),
        me
    );
}
