//! Passkey signatures as Safe's passkey contracts check them, on a real chain: an assertion
//! from a software authenticator (1Password's passkey-rs, standing in for a platform one), turned into the Safe signature by the core, is accepted by
//! `SafeWebAuthnSignerFactory.isValidSignatureForSigner` and a tampered one is not — with the
//! P-256 precompile, and on a chain without it (`--hardfork prague`) through the Solidity
//! fallback. The gas each costs is printed for docs/BENCHMARKS.md.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use alloy::primitives::U256;
use alloy::primitives::{keccak256, Address, B256};
use alloy::sol_types::SolValue;
use cairn_core::primitives::aa::safe::{self, PasskeyDeployment, SafeDeployment};
use cairn_core::primitives::aa::webauthn::{
    self, PasskeyKey, WebAuthnError, MAGIC_VALUE, P256_N, P256_PRECOMPILE,
};
use cairn_core::primitives::aa::{Call, EntryPointVersion, UserOp};
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::passkey::SoftPasskey;
use cairn_tests::wallet::{eth_call, rpc};
use serde_json::json;

async fn answer(url: &str, factory: Address, key: &PasskeyKey, hash: B256, sig: &[u8]) -> Vec<u8> {
    eth_call(
        url,
        factory,
        key.is_valid_signature_for_signer_call(hash, sig),
    )
    .await
}

/// The least gas with which the check still answers "valid" (an estimate would not do: with
/// too little gas the inner verification fails quietly and the call still succeeds, answering
/// "invalid").
async fn gas(url: &str, factory: Address, key: &PasskeyKey, hash: B256, sig: &[u8]) -> u64 {
    let data = alloy::primitives::Bytes::from(key.is_valid_signature_for_signer_call(hash, sig));
    let valid = |gas: u64| {
        let data = data.clone();
        async move {
            // Below the intrinsic (calldata floor) gas the node refuses the call: not valid.
            let reply = cairn_tests::wallet::rpc_reply(
                url,
                "eth_call",
                json!([{"to": factory, "data": data, "gas": format!("0x{gas:x}")}, "latest"]),
            )
            .await;
            reply["result"]
                .as_str()
                .is_some_and(|h| h.starts_with(&format!("0x{}", hex::encode(MAGIC_VALUE))))
        }
    };
    let (mut low, mut high) = (21_000u64, 3_000_000u64);
    assert!(valid(high).await, "not valid even with {high} gas");
    while high - low > 100 {
        let mid = (low + high) / 2;
        if valid(mid).await {
            high = mid;
        } else {
            low = mid;
        }
    }
    high
}

#[tokio::test]
async fn the_contracts_accept_an_authentic_assertion_and_refuse_a_tampered_one() {
    cairn_tests::init_tls();
    for (options, label) in [
        (&[][..], "with the precompile"),
        (
            &["--hardfork", "prague"][..],
            "through the fallback (prague)",
        ),
    ] {
        let devnet = Devnet::start_with(Peers::ChainOnly, options).expect("devnet");
        let url = devnet.endpoints.rpc_url.clone();
        let c = &devnet.endpoints.contracts;
        let factory: Address = c.web_authn_signer_factory.parse().unwrap();
        let mut passkey = SoftPasskey::new().await;
        let key = PasskeyKey {
            x: passkey.x,
            y: passkey.y,
            precompile: Some(P256_PRECOMPILE),
            fallback: c.fcl_p256_verifier.parse().unwrap(),
        };
        let hash = keccak256(label.as_bytes());
        let a = passkey.assert(hash).await;
        let signature = webauthn::safe_signature(
            hash,
            &a.authenticator_data,
            &a.client_data_json,
            &a.signature,
        )
        .unwrap();
        assert_eq!(
            answer(&url, factory, &key, hash, &signature).await[..4],
            MAGIC_VALUE,
            "{label}: an authentic assertion"
        );
        let fallback_only = PasskeyKey {
            precompile: None,
            ..key
        };
        eprintln!(
            "passkey check {label}: {} gas; the Solidity verifier alone: {} gas",
            gas(&url, factory, &key, hash, &signature).await,
            gas(&url, factory, &fallback_only, hash, &signature).await
        );
        // Another operation's hash, another key, a flipped byte of the authenticator data (its
        // counter): each refused.
        let other = keccak256(b"another operation");
        assert_ne!(
            answer(&url, factory, &key, other, &signature).await[..4],
            MAGIC_VALUE
        );
        let stranger = PasskeyKey {
            x: SoftPasskey::new().await.x,
            ..key
        };
        assert_ne!(
            answer(&url, factory, &stranger, hash, &signature).await[..4],
            MAGIC_VALUE
        );
        let mut tampered = a.authenticator_data.clone();
        tampered[36] ^= 1;
        let forged =
            webauthn::safe_signature(hash, &tampered, &a.client_data_json, &a.signature).unwrap();
        assert_ne!(
            answer(&url, factory, &key, hash, &forged).await[..4],
            MAGIC_VALUE
        );
        // Without the fallback, a chain without the precompile cannot check at all: proof the
        // fallback is what verified there.
        if !options.is_empty() {
            let precompile_only = PasskeyKey {
                fallback: Address::ZERO,
                ..key
            };
            assert_ne!(
                answer(&url, factory, &precompile_only, hash, &signature).await[..4],
                MAGIC_VALUE,
                "prague has no P-256 precompile"
            );
        }
    }
}

/// A DER `SEQUENCE { INTEGER r, INTEGER s }`, minimal, as authenticators write it.
fn der(r: U256, s: U256) -> Vec<u8> {
    let int = |v: U256| {
        let bytes = v.to_be_bytes::<32>();
        let mut digits: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        if digits.first().is_some_and(|b| b & 0x80 != 0) {
            digits.insert(0, 0);
        }
        let mut out = vec![0x02, digits.len() as u8];
        out.extend(digits);
        out
    };
    let body = [int(r), int(s)].concat();
    [vec![0x30, body.len() as u8], body].concat()
}

fn decoded(signature: &[u8]) -> (Vec<u8>, String, U256, U256) {
    let (data, fields, r, s) =
        <(alloy::primitives::Bytes, String, U256, U256)>::abi_decode_params(signature).unwrap();
    (data.to_vec(), fields, r, s)
}

/// Vectors from the software authenticator (1Password's passkey-rs): each assertion becomes the
/// signature the contracts take and verifies off chain; its high-s twin is made low; short DER
/// integers are read; a registration's client data and another challenge are refused.
#[tokio::test]
async fn assertions_from_a_software_authenticator_encode_as_the_contracts_expect() {
    let mut passkey = SoftPasskey::new().await;
    // Its `create` answer, read as the app reads a platform authenticator's: the credential
    // and its key, for cairn.app only.
    let made = webauthn::registration(&passkey.attestation_object, "cairn.app").unwrap();
    assert_eq!(made.credential_id, passkey.credential_id);
    assert_eq!((made.x, made.y), (passkey.x, passkey.y));
    assert_eq!(
        webauthn::registration(&passkey.attestation_object, "evil.example"),
        Err(WebAuthnError::WrongRelyingParty)
    );
    let mut short_seen = false;
    for i in 0..2000u32 {
        let hash = keccak256(i.to_be_bytes());
        let a = passkey.assert(hash).await;
        let (der_r, der_s) = webauthn::der_to_rs(&a.signature).unwrap();
        let encoded = webauthn::safe_signature(
            hash,
            &a.authenticator_data,
            &a.client_data_json,
            &a.signature,
        )
        .unwrap();
        let (data, fields, r, s) = decoded(&encoded);
        assert_eq!(data, a.authenticator_data);
        assert!(
            fields.starts_with(r#""origin":"https://cairn.app""#),
            "{fields}"
        );
        assert_eq!((r, s), (der_r, webauthn::low_s(der_s)));
        assert!(webauthn::verify(
            passkey.x,
            passkey.y,
            &a.authenticator_data,
            &a.client_data_json,
            r,
            s
        ));
        // The high-s twin of the same signature encodes to the same low s.
        let twin = der(der_r, P256_N - der_s);
        let again =
            webauthn::safe_signature(hash, &a.authenticator_data, &a.client_data_json, &twin)
                .unwrap();
        assert_eq!(again, encoded, "high s made low");
        let short = a.signature[3] < 32 || a.signature[5 + usize::from(a.signature[3])] < 32;
        short_seen |= short;
        if i >= 3 && short_seen {
            break;
        }
    }
    assert!(short_seen, "no short DER integer in 2000 assertions");
    let hash = keccak256(b"one operation");
    let a = passkey.assert(hash).await;
    let registration = String::from_utf8(a.client_data_json.clone())
        .unwrap()
        .replace("webauthn.get", "webauthn.create");
    assert_eq!(
        webauthn::safe_signature(
            hash,
            &a.authenticator_data,
            registration.as_bytes(),
            &a.signature
        ),
        Err(WebAuthnError::NotAnAssertion)
    );
    assert_eq!(
        webauthn::safe_signature(
            keccak256(b"another"),
            &a.authenticator_data,
            &a.client_data_json,
            &a.signature
        ),
        Err(WebAuthnError::WrongChallenge)
    );
    let mut unverified = a.authenticator_data.clone();
    unverified[32] &= !0x04;
    assert!(matches!(
        webauthn::safe_signature(hash, &unverified, &a.client_data_json, &a.signature),
        Err(WebAuthnError::NotVerified(_))
    ));
}

/// The devnet's bundler and paymaster, and the user operations a test builds by hand: each
/// sponsored, estimated with a dummy of the real signature's shape, then signed by a passkey.
struct Stack {
    node: String,
    bundler: cairn_core::chain::bundler::AaEndpoint,
    paymaster: cairn_core::chain::bundler::AaEndpoint,
    d: SafeDeployment,
    p: PasskeyDeployment,
}

impl Stack {
    fn new(e: &cairn_tests::devnet::Endpoints) -> Stack {
        use cairn_core::chain::bundler::AaEndpoint;
        let net = cairn_tests::wallet::stack_network(e);
        Stack {
            node: e.rpc_url.clone(),
            bundler: AaEndpoint::new(&net, e.bundler_url.as_deref().unwrap(), "bundler").unwrap(),
            paymaster: AaEndpoint::new(&net, e.paymaster_url.as_deref().unwrap(), "paymaster")
                .unwrap(),
            d: SafeDeployment::for_chain(31337),
            p: PasskeyDeployment::for_chain(31337).unwrap(),
        }
    }

    /// An operation of `account` making `calls` (deploying it with `factory_data` when given),
    /// sponsored and estimated for a signature through `signer`; not signed yet.
    async fn prepare(
        &self,
        account: Address,
        nonce: u64,
        factory_data: Option<Vec<u8>>,
        calls: &[Call],
        signer: Address,
    ) -> UserOp {
        let entry_point = EntryPointVersion::V07.entry_point();
        let (max_fee, tip) = self.bundler.gas_price().await.unwrap().unwrap();
        let mut op = UserOp {
            sender: account,
            nonce: U256::from(nonce),
            factory: factory_data.as_ref().map(|_| self.d.proxy_factory),
            factory_data: factory_data.map(Into::into),
            call_data: safe::call_data(&self.d, calls).unwrap(),
            call_gas_limit: U256::ZERO,
            verification_gas_limit: U256::ZERO,
            pre_verification_gas: U256::ZERO,
            max_fee_per_gas: max_fee,
            max_priority_fee_per_gas: tip,
            paymaster: None,
            paymaster_verification_gas_limit: None,
            paymaster_post_op_gas_limit: None,
            paymaster_data: None,
            signature: safe::passkey_dummy_signature(signer),
        };
        let stub = self
            .paymaster
            .paymaster_stub(&op, entry_point, 31337)
            .await
            .unwrap();
        op.paymaster = Some(stub.paymaster);
        op.paymaster_data = Some(stub.paymaster_data);
        op.paymaster_verification_gas_limit = stub.paymaster_verification_gas_limit;
        op.paymaster_post_op_gas_limit = stub.paymaster_post_op_gas_limit;
        let gas = self.bundler.estimate(&op, entry_point).await.unwrap();
        op.call_gas_limit = gas.call_gas_limit;
        op.verification_gas_limit = gas.verification_gas_limit;
        op.pre_verification_gas = gas.pre_verification_gas;
        if let Some(v) = gas.paymaster_verification_gas_limit {
            op.paymaster_verification_gas_limit = Some(v);
        }
        let fields = self
            .paymaster
            .paymaster_data(&op, entry_point, 31337)
            .await
            .unwrap();
        op.paymaster = Some(fields.paymaster);
        op.paymaster_data = Some(fields.paymaster_data);
        op
    }

    /// `op` signed by `passkey` through `signer`.
    async fn sign(&self, mut op: UserOp, passkey: &mut SoftPasskey, signer: Address) -> UserOp {
        let hash = safe::operation_hash(&self.d, &op, 31337);
        let a = passkey.assert(hash).await;
        let signature = webauthn::safe_signature(
            hash,
            &a.authenticator_data,
            &a.client_data_json,
            &a.signature,
        )
        .unwrap();
        op.signature = safe::passkey_signature(signer, signature);
        op
    }

    /// Sends a signed operation and waits for its bundle: the receipt and the gas it used.
    async fn submit(&self, op: &UserOp) -> (cairn_core::chain::bundler::UserOpReceipt, u64) {
        let hash = self
            .bundler
            .send(op, EntryPointVersion::V07.entry_point())
            .await
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let receipt = loop {
            if let Some(r) = self.bundler.receipt(hash).await.unwrap() {
                break r;
            }
            assert!(std::time::Instant::now() < deadline, "never bundled");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        };
        assert!(receipt.success, "{receipt:?}");
        let tx = rpc(
            &self.node,
            "eth_getTransactionReceipt",
            json!([receipt.transaction_hash]),
        )
        .await;
        let gas = u64::from_str_radix(tx["gasUsed"].as_str().unwrap().trim_start_matches("0x"), 16)
            .unwrap();
        (receipt, gas)
    }

    async fn refused(&self, op: &UserOp) -> String {
        self.bundler
            .send(op, EntryPointVersion::V07.entry_point())
            .await
            .unwrap_err()
            .to_string()
    }

    async fn owners(&self, account: Address) -> Vec<Address> {
        safe::decode_owners(&eth_call(&self.node, account, safe::get_owners_call()).await).unwrap()
    }
}

/// A Safe whose only owner is a passkey (Safe's shared WebAuthn signer, configured in the
/// Safe's setup), end to end through alto and the paymaster: its address is the proxy
/// factory's, its first user operation deploys it and sends ETH, signed by the software
/// authenticator over the SafeOp hash (equal to the module's own); a signature by another
/// passkey is refused. Then a second passkey is added (a signer proxy from the factory, made an
/// owner in the same operation), the first removed by the second, and an operation the removed
/// one signs is refused while the second's goes through.
#[tokio::test]
async fn a_passkey_safe_is_created_sends_and_rotates_its_passkeys() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let stack = Stack::new(&e);
    let (d, p, node) = (stack.d, stack.p, stack.node.clone());
    assert_eq!(
        (p.shared_signer, p.signer_factory, p.fcl_verifier),
        (
            e.contracts.web_authn_shared_signer.parse().unwrap(),
            e.contracts.web_authn_signer_factory.parse().unwrap(),
            e.contracts.fcl_p256_verifier.parse().unwrap()
        ),
        "the core knows the devnet's passkey contracts"
    );
    let mut first = SoftPasskey::new().await;
    let key = PasskeyKey {
        x: first.x,
        y: first.y,
        precompile: Some(P256_PRECOMPILE),
        fallback: p.fcl_verifier,
    };
    let account = safe::passkey_account_address(&d, &p, &key);
    let factory_data = safe::passkey_create_proxy_call(&d, &p, &key);
    let predicted = eth_call(&node, d.proxy_factory, factory_data.clone()).await;
    assert_eq!(&predicted[12..32], account.as_slice(), "the factory agrees");
    rpc(
        &node,
        "anvil_setBalance",
        json!([account, "0xde0b6b3a7640000"]),
    )
    .await;
    let payee: Address = "0x000000000000000000000000000000000000bEEF"
        .parse()
        .unwrap();
    let pay = |wei: u64| Call {
        to: payee,
        value: U256::from(wei),
        data: Default::default(),
    };

    let op = stack
        .prepare(
            account,
            0,
            Some(factory_data),
            &[pay(500_000_000_000_000_000)],
            p.shared_signer,
        )
        .await;
    eprintln!(
        "passkey Safe deployment + send: verification gas limit {}, call gas limit {}",
        op.verification_gas_limit, op.call_gas_limit
    );
    let hash = safe::operation_hash(&d, &op, 31337);
    let on_chain = eth_call(&node, d.module, safe::get_operation_hash_call(&op)).await;
    assert_eq!(
        &on_chain[..32],
        hash.as_slice(),
        "the module's own SafeOp hash"
    );
    let mut stranger = SoftPasskey::new().await;
    let forged = stack.sign(op.clone(), &mut stranger, p.shared_signer).await;
    let refused = stack.refused(&forged).await;
    assert!(refused.contains("AA24"), "another passkey: {refused}");
    let signed = stack.sign(op, &mut first, p.shared_signer).await;
    let (receipt, gas) = stack.submit(&signed).await;
    eprintln!("gas: passkey Safe deployed by its first operation + 0.5 ETH sent, sponsored: {gas}");
    assert_eq!(
        cairn_tests::wallet::eth_balance(&node, &payee.to_string()).await,
        U256::from(500_000_000_000_000_000u64)
    );
    assert!(cairn_tests::wallet::has_code(&node, &account.to_string()).await);
    assert!(receipt.paymaster.is_some(), "the paymaster paid");
    assert_eq!(stack.owners(account).await, vec![p.shared_signer]);

    // A second passkey: its signer proxy (counterfactual until created) becomes an owner, in
    // one operation the first passkey signs.
    let mut second = SoftPasskey::new().await;
    let key2 = PasskeyKey {
        x: second.x,
        y: second.y,
        ..key
    };
    let proxy = Address::from_slice(
        &eth_call(&node, p.signer_factory, key2.get_signer_call()).await[12..32],
    );
    let add = [
        Call {
            to: p.signer_factory,
            value: U256::ZERO,
            data: key2.create_signer_call().into(),
        },
        Call {
            to: account,
            value: U256::ZERO,
            data: safe::add_owner_call(proxy, 1).into(),
        },
    ];
    let op = stack.prepare(account, 1, None, &add, p.shared_signer).await;
    let (_, gas) = stack
        .submit(&stack.sign(op, &mut first, p.shared_signer).await)
        .await;
    eprintln!("gas: a second passkey added (signer proxy created + owner added): {gas}");
    assert_eq!(stack.owners(account).await, vec![proxy, p.shared_signer]);

    // The second removes the first.
    let remove = [Call {
        to: account,
        value: U256::ZERO,
        data: safe::remove_owner_call(proxy, p.shared_signer, 1).into(),
    }];
    let op = stack.prepare(account, 2, None, &remove, proxy).await;
    let (_, gas) = stack
        .submit(&stack.sign(op, &mut second, proxy).await)
        .await;
    eprintln!("gas: the first passkey removed, signed by the second: {gas}");
    assert_eq!(stack.owners(account).await, vec![proxy]);

    // The removed passkey can no longer act; the second pays.
    let op = stack
        .prepare(account, 3, None, &[pay(1_000)], p.shared_signer)
        .await;
    let refused = stack
        .refused(&stack.sign(op, &mut first, p.shared_signer).await)
        .await;
    assert!(refused.contains("AA24"), "the removed passkey: {refused}");
    let op = stack.prepare(account, 3, None, &[pay(1_000)], proxy).await;
    let (_, gas) = stack
        .submit(&stack.sign(op, &mut second, proxy).await)
        .await;
    eprintln!("gas: a send signed by a signer-proxy passkey: {gas}");
    assert_eq!(
        cairn_tests::wallet::eth_balance(&node, &payee.to_string()).await,
        U256::from(500_000_000_000_001_000u64)
    );
}

/// Passkeys in the wallet: none can be made without an authenticator (said in words); with the
/// software one, a passkey is made, proven (it signs a fresh challenge as its public key says),
/// kept in the encrypted ledger, checked again, and forgotten — each change audited. An
/// authenticator that reports a key its credential does not sign with is refused and nothing is
/// kept.
#[tokio::test]
async fn passkeys_are_made_proven_kept_and_forgotten_through_the_authenticator() {
    use cairn_tests::passkey::{LyingAuthenticator, SoftAuthenticator};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let (w, _) = cairn_tests::wallet::new_wallet(
        dir.path(),
        cairn_tests::wallet::network(&["http://127.0.0.1:9".to_string()]),
    )
    .await;
    assert!(!w.has_authenticator());
    let err = w.passkey_add("Laptop").await.unwrap_err();
    assert_eq!(err.code(), cairn_api::ErrorCode::NotFound, "{err}");
    assert!(
        err.to_string().contains("no passkey authenticator"),
        "{err}"
    );

    w.set_authenticator(Arc::new(LyingAuthenticator::default()));
    let err = w.passkey_add("Laptop").await.unwrap_err();
    assert_eq!(err.code(), cairn_api::ErrorCode::Rejected, "{err}");
    assert!(w.passkey_list().await.unwrap().is_empty(), "nothing kept");

    w.set_authenticator(Arc::new(SoftAuthenticator::default()));
    assert_eq!(
        w.passkey_add("  ").await.unwrap_err().code(),
        cairn_api::ErrorCode::InvalidInput
    );
    let made = w.passkey_add("Laptop").await.unwrap();
    assert_eq!(
        (made.label.as_str(), made.rp_id.as_str()),
        ("Laptop", "cairn.app")
    );
    assert!(made.x.starts_with("0x") && made.x.len() == 66);
    assert_eq!(w.passkey_list().await.unwrap(), vec![made.clone()]);
    let checked = w.passkey_check(made.id).await.unwrap();
    assert!(checked.last_used_at.is_some());
    // Another authenticator (this device's was replaced) does not hold it: refused in words.
    w.set_authenticator(Arc::new(SoftAuthenticator::default()));
    let err = w.passkey_check(made.id).await.unwrap_err();
    assert_eq!(err.code(), cairn_api::ErrorCode::Rejected, "{err}");
    w.passkey_remove(made.id).await.unwrap();
    assert!(w.passkey_list().await.unwrap().is_empty());
    assert_eq!(
        w.passkey_remove(made.id).await.unwrap_err().code(),
        cairn_api::ErrorCode::NotFound
    );
    let audit: Vec<String> = w
        .audit_log(50)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.event)
        .collect();
    assert!(
        audit.contains(&"passkey_added".to_string())
            && audit.contains(&"passkey_removed".to_string()),
        "{audit:?}"
    );
}

fn pay_from(from: &str, to: &str, amount: &str, signer: Option<i64>) -> cairn_api::UserOpRequest {
    cairn_api::UserOpRequest {
        from: from.into(),
        calls: vec![cairn_api::CallSpec::Transfer {
            to: to.into(),
            token: None,
            amount: amount.into(),
        }],
        sponsored: false,
        speed: cairn_api::SendSpeed::Normal,
        mfa_code: None,
        override_risk: false,
        signer,
    }
}

/// The wallet's own Safe takes a passkey as an owner and lets it sign: before it joins, a send
/// signed by it is refused in words with nothing queued; one user operation of the owner key
/// (deploying the Safe too) adds its signer; the passkey then signs a payment that lands (the
/// payee paid on chain); an authenticator without the credential is refused before the
/// ledger; the passkey cannot be forgotten while it owns the Safe; removed from the owners, it
/// can no longer sign there, and can then be forgotten.
#[tokio::test]
async fn a_passkey_joins_the_wallets_safe_signs_its_payments_and_leaves() {
    use cairn_api::ErrorCode;
    use cairn_tests::passkey::SoftAuthenticator;
    use cairn_tests::wallet::{eth_balance, new_wallet, stack_network, wait_state, wei};
    use std::sync::Arc;

    const PAYEE: &str = "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf";
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), stack_network(&e)).await;
    w.devnet_fund(&me, "5").await.unwrap();
    let safe = w.smart_account(&me, None).await.unwrap().address;
    w.devnet_fund(&safe, "1").await.unwrap();
    w.sync_once().await.unwrap();
    w.set_authenticator(Arc::new(SoftAuthenticator::default()));
    let laptop = w.passkey_add("Laptop").await.unwrap();
    assert_eq!(laptop.last_used_at, None);

    let before = w.operations(100).await.unwrap().len();
    let err = w
        .send_user_op(&pay_from(&safe, PAYEE, "0.1", Some(laptop.id)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Rejected, "{err}");
    assert!(
        err.to_string().contains("add it to the account first"),
        "{err}"
    );
    assert_eq!(
        w.operations(100).await.unwrap().len(),
        before,
        "nothing queued"
    );

    // The owner key adds it (the same operation deploys the Safe).
    let joined = w
        .safe_passkey_add(&safe, laptop.id, true, None)
        .await
        .unwrap();
    wait_state(&w, joined.id, "confirmed").await;
    assert_eq!(
        w.passkey_accounts(laptop.id).await.unwrap(),
        vec![safe.clone()]
    );
    let again = w
        .safe_passkey_add(&safe, laptop.id, true, None)
        .await
        .unwrap_err();
    assert_eq!(again.code(), ErrorCode::Duplicate, "{again}");
    let info = w
        .smart_accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.address == safe)
        .unwrap();
    let owners = info.owners.clone().unwrap();
    assert_eq!(owners.len(), 2, "{owners:?}");
    assert!(
        owners.iter().any(|o| o.eq_ignore_ascii_case(&me)),
        "{owners:?}"
    );
    assert_eq!(info.threshold, Some(1));

    // The passkey signs a payment the Safe pays its own gas for.
    let paid_before = eth_balance(&e.rpc_url, PAYEE).await;
    let quote = w
        .quote_user_op(&pay_from(&safe, PAYEE, "0.1", Some(laptop.id)))
        .await
        .unwrap();
    assert_eq!(quote.passkey.as_deref(), Some("Laptop"));
    let sent = w
        .send_user_op(&pay_from(&safe, PAYEE, "0.1", Some(laptop.id)))
        .await
        .unwrap();
    let done = wait_state(&w, sent.id, "confirmed").await;
    assert!(done.error.is_none(), "{done:?}");
    assert_eq!(
        eth_balance(&e.rpc_url, PAYEE).await,
        paid_before + wei("0.1"),
        "the payee was paid on chain"
    );
    // The authenticator signed it (only a passkey's signature touches it; the owner key never
    // signs an operation that names a passkey).
    let used = w.passkey_list().await.unwrap();
    assert!(used[0].last_used_at.is_some());

    // Another device's authenticator does not hold the credential: refused before the ledger.
    w.set_authenticator(Arc::new(SoftAuthenticator::default()));
    let before = w.operations(100).await.unwrap().len();
    let err = w
        .send_user_op(&pay_from(&safe, PAYEE, "0.1", Some(laptop.id)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Rejected, "{err}");
    assert_eq!(
        w.operations(100).await.unwrap().len(),
        before,
        "nothing queued"
    );

    let err = w.passkey_remove(laptop.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
    assert!(
        err.to_string().contains("remove it from the account first"),
        "{err}"
    );

    // The owner key takes it off; it can no longer sign there, and can be forgotten.
    let left = w
        .safe_passkey_remove(&safe, laptop.id, true, None)
        .await
        .unwrap();
    wait_state(&w, left.id, "confirmed").await;
    assert!(w.passkey_accounts(laptop.id).await.unwrap().is_empty());
    let err = w
        .send_user_op(&pay_from(&safe, PAYEE, "0.1", Some(laptop.id)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Rejected, "{err}");
    assert!(err.to_string().contains("does not own"), "{err}");
    w.passkey_remove(laptop.id).await.unwrap();
    // The owner key still sends.
    let sent = w
        .send_user_op(&pay_from(&safe, PAYEE, "0.01", None))
        .await
        .unwrap();
    wait_state(&w, sent.id, "confirmed").await;
}

/// A Safe only a passkey signs for, as a wallet account: made for the passkey (its address
/// the same whenever asked, its one owner the shared signer, no key of the wallet behind it),
/// it pays out through alto and the paymaster with the passkey's signature (the first
/// operation deploying it); the passkey it was made for cannot be forgotten; a second passkey
/// joins by an operation the first signs, the first is taken off by one it signs itself, and
/// from then on the first is refused in words with nothing queued while the second pays.
#[tokio::test]
async fn a_passkey_only_safe_is_made_pays_and_hands_over_to_a_second_passkey() {
    use cairn_api::ErrorCode;
    use cairn_tests::passkey::SoftAuthenticator;
    use cairn_tests::wallet::{eth_balance, new_wallet, stack_network, wait_state, wei};
    use std::sync::Arc;

    const PAYEE: &str = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF";
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let dir = tempfile::tempdir().unwrap();
    let (w, me) = new_wallet(dir.path(), stack_network(&e)).await;
    w.set_authenticator(Arc::new(SoftAuthenticator::default()));
    let phone = w.passkey_add("Phone").await.unwrap();

    let made = w.passkey_safe(phone.id).await.unwrap();
    let d = PasskeyDeployment::for_chain(cairn_core::primitives::DEVNET_CHAIN_ID).unwrap();
    assert_eq!(made.passkey.as_deref(), Some("Phone"));
    assert!(!made.deployed);
    assert_eq!(made.kind, "safe");
    assert_eq!(made.owner, d.shared_signer.to_checksum(None));
    assert_eq!(made.owners, Some(vec![d.shared_signer.to_checksum(None)]));
    let safe = made.address.clone();
    assert_ne!(safe.to_lowercase(), me.to_lowercase());
    assert_eq!(w.passkey_safe(phone.id).await.unwrap().address, safe);
    let listed = w
        .accounts(true)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.address == safe)
        .expect("the Safe is one of the wallet's accounts");
    assert_eq!(listed.smart.as_deref(), Some("safe"));
    assert_eq!(listed.owner, None, "no account of the wallet owns it");
    assert_eq!(
        w.passkey_accounts(phone.id).await.unwrap(),
        vec![safe.clone()]
    );
    let err = w.passkey_remove(phone.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");

    // Its first payment, sponsored, deploys it; the passkey signs it.
    w.devnet_fund(&safe, "1").await.unwrap();
    w.sync_once().await.unwrap();
    let mut first = pay_from(&safe, PAYEE, "0.2", None);
    first.sponsored = true;
    let quote = w.quote_user_op(&first).await.unwrap();
    assert!(quote.deploys);
    assert!(quote.sponsored);
    assert_eq!(quote.passkey.as_deref(), Some("Phone"));
    let paid_before = eth_balance(&e.rpc_url, PAYEE).await;
    let sent = w.send_user_op(&first).await.unwrap();
    let done = wait_state(&w, sent.id, "confirmed").await;
    assert!(done.error.is_none(), "{done:?}");
    assert_eq!(
        eth_balance(&e.rpc_url, PAYEE).await,
        paid_before + wei("0.2"),
        "the payee was paid on chain"
    );
    let info = w
        .smart_accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.address == safe)
        .unwrap();
    assert!(info.deployed);
    assert_eq!(info.owners, Some(vec![d.shared_signer.to_checksum(None)]));

    // A second passkey joins, signed by the first; the first is not added twice.
    let key = w.passkey_add("Security key").await.unwrap();
    let again = w
        .safe_passkey_add(&safe, phone.id, true, None)
        .await
        .unwrap_err();
    assert_eq!(again.code(), ErrorCode::Duplicate, "{again}");
    let joined = w.safe_passkey_add(&safe, key.id, true, None).await.unwrap();
    wait_state(&w, joined.id, "confirmed").await;
    assert_eq!(
        w.passkey_accounts(key.id).await.unwrap(),
        vec![safe.clone()]
    );

    // The first takes itself off; it can no longer sign there.
    let left = w
        .safe_passkey_remove(&safe, phone.id, true, None)
        .await
        .unwrap();
    wait_state(&w, left.id, "confirmed").await;
    assert!(w.passkey_accounts(phone.id).await.unwrap().is_empty());
    let owners = w
        .smart_accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.address == safe)
        .unwrap()
        .owners
        .unwrap();
    assert_eq!(owners.len(), 1, "{owners:?}");
    assert_ne!(owners[0], d.shared_signer.to_checksum(None));
    let before = w.operations(100).await.unwrap().len();
    let err = w
        .send_user_op(&pay_from(&safe, PAYEE, "0.1", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Rejected, "{err}");
    assert!(err.to_string().contains("does not own"), "{err}");
    assert_eq!(w.operations(100).await.unwrap().len(), before);

    // The second pays, its gas from the Safe.
    let paid_before = eth_balance(&e.rpc_url, PAYEE).await;
    let sent = w
        .send_user_op(&pay_from(&safe, PAYEE, "0.1", Some(key.id)))
        .await
        .unwrap();
    let done = wait_state(&w, sent.id, "confirmed").await;
    assert!(done.error.is_none(), "{done:?}");
    assert_eq!(
        eth_balance(&e.rpc_url, PAYEE).await,
        paid_before + wei("0.1")
    );

    // On a network without Safe's passkey contracts the Safe is still listed (its passkey
    // named, its owners unknown there) and refuses to send, in words.
    let away = cairn_tests::devnet::BareAnvil::start(424242).await.unwrap();
    w.add_network(&cairn_api::NetworkSpec {
        chain_id: 424242,
        name: "Away".into(),
        currency_symbol: "AWY".into(),
        currency_decimals: 18,
        rpc_urls: vec![away.url.clone()],
        bundler_url: None,
        paymaster_url: None,
        explorer_api_url: None,
        confirmations: 1,
        fee_ceiling_gwei: None,
        ws_url: None,
        log_span_blocks: None,
    })
    .await
    .unwrap();
    w.use_network(424242).await.unwrap();
    let there = w
        .smart_accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.address == safe)
        .expect("listed on every network");
    assert_eq!(there.passkey.as_deref(), Some("Phone"));
    assert!(!there.deployed);
    let err = w
        .send_user_op(&pay_from(&safe, PAYEE, "0.1", None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Network, "{err}");
    assert!(err.to_string().contains("not known here"), "{err}");
}

/// The same through the `cairn` command line, each command a process of its own (the software
/// authenticator keeps its credentials in a file between them): a passkey is made and listed;
/// a passkey-only Safe is refused until the user accepts the risk in so many words, then made;
/// its first payment (sponsored) deploys it, signed by the passkey; the passkey cannot be
/// forgotten; a second passkey joins by `safe add-passkey` and signs a payment chosen with
/// `--passkey`.
#[tokio::test]
async fn the_cli_makes_a_passkey_only_safe_and_pays_from_it() {
    use cairn_tests::wallet::{cli, eth_balance, run_json, wei};

    const PAYEE: &str = "0x6813Eb9362372EEF6200f3b1dbC3f819671cBA69";
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::Full).expect("devnet");
    let e = devnet.endpoints.clone();
    let root = tempfile::tempdir().unwrap();
    let store = root.path().join("authenticator.json");
    let cairn = || {
        let mut cmd = cli(root.path(), &e.rpc_url);
        cmd.env("CAIRN_BUNDLER_URL", e.bundler_url.as_deref().unwrap())
            .env("CAIRN_PAYMASTER_URL", e.paymaster_url.as_deref().unwrap())
            .env("CAIRN_SOFT_PASSKEYS", "1")
            .env("CAIRN_SOFT_PASSKEYS_FILE", &store);
        cmd
    };
    let failed = |args: &[&str]| -> serde_json::Value {
        let out = cairn().args(args).arg("--json").output().unwrap();
        assert!(!out.status.success(), "cairn {args:?} succeeded");
        serde_json::from_slice(&out.stderr)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)))
    };
    run_json(cairn(), &["create"]);
    let phone = run_json(cairn(), &["passkey", "add", "--label", "Phone"]);
    assert_eq!(phone["label"], "Phone");
    let phone_id = phone["id"].as_i64().unwrap().to_string();
    let checked = run_json(cairn(), &["passkey", "check", &phone_id]);
    assert!(checked["last_used_at"].is_i64(), "{checked}");

    let refused = failed(&["passkey", "safe", &phone_id]);
    assert!(
        refused.to_string().contains("--accept-passkey-only"),
        "{refused}"
    );
    let safe = run_json(
        cairn(),
        &["passkey", "safe", &phone_id, "--accept-passkey-only"],
    );
    assert_eq!(safe["passkey"], "Phone");
    let safe = safe["address"].as_str().unwrap().to_string();
    let listed = run_json(cairn(), &["passkey", "list"]);
    assert_eq!(listed[0]["owns"], serde_json::json!([safe]), "{listed}");

    run_json(cairn(), &["devnet-fund", &safe, "--eth", "1"]);
    let paid_before = eth_balance(&e.rpc_url, PAYEE).await;
    let sent = run_json(
        cairn(),
        &[
            "smart",
            "send",
            "--from",
            &safe,
            "--to",
            PAYEE,
            "--amount",
            "0.1",
            "--sponsored",
            "--wait",
        ],
    );
    assert_eq!(sent["state"], "confirmed", "{sent}");
    assert_eq!(
        eth_balance(&e.rpc_url, PAYEE).await,
        paid_before + wei("0.1")
    );
    let forget = failed(&["passkey", "remove", &phone_id]);
    assert_eq!(forget["error"]["code"], "Conflict", "{forget}");

    let key = run_json(cairn(), &["passkey", "add", "--label", "Key"]);
    let key_id = key["id"].as_i64().unwrap().to_string();
    let joined = run_json(
        cairn(),
        &[
            "safe",
            "add-passkey",
            "--account",
            &safe,
            "--passkey",
            &key_id,
            "--sponsored",
            "--wait",
        ],
    );
    assert_eq!(joined["state"], "confirmed", "{joined}");
    let owners = run_json(cairn(), &["safe", "owners", &safe]);
    assert_eq!(owners["owners"].as_array().unwrap().len(), 2, "{owners}");
    let paid_before = eth_balance(&e.rpc_url, PAYEE).await;
    let sent = run_json(
        cairn(),
        &[
            "smart",
            "send",
            "--from",
            &safe,
            "--to",
            PAYEE,
            "--amount",
            "0.05",
            "--passkey",
            &key_id,
            "--wait",
        ],
    );
    assert_eq!(sent["state"], "confirmed", "{sent}");
    assert_eq!(
        eth_balance(&e.rpc_url, PAYEE).await,
        paid_before + wei("0.05")
    );
}
