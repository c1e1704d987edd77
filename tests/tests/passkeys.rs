//! Passkey signatures as Safe's passkey contracts check them, on a real chain: an assertion
//! from a software authenticator, turned into the Safe signature by the core, is accepted by
//! `SafeWebAuthnSignerFactory.isValidSignatureForSigner` and a tampered one is not — with the
//! P-256 precompile, and on a chain without it (`--hardfork prague`) through the Solidity
//! fallback. The gas each costs is printed for docs/BENCHMARKS.md.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use alloy::primitives::{keccak256, Address, B256};
use cairn_core::primitives::aa::webauthn::{self, PasskeyKey, MAGIC_VALUE, P256_PRECOMPILE};
use cairn_tests::devnet::{Devnet, Peers};
use cairn_tests::passkey::SoftPasskey;
use cairn_tests::wallet::eth_call;
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
            let reply: serde_json::Value = reqwest::Client::new()
                .post(url)
                .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "eth_call",
                    "params": [{"to": factory, "data": data, "gas": format!("0x{gas:x}")}, "latest"]}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
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
        let mut passkey = SoftPasskey::new();
        let key = PasskeyKey {
            x: passkey.x,
            y: passkey.y,
            precompile: Some(P256_PRECOMPILE),
            fallback: c.fcl_p256_verifier.parse().unwrap(),
        };
        let hash = keccak256(label.as_bytes());
        let a = passkey.assert(hash);
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
            x: SoftPasskey::new().x,
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
