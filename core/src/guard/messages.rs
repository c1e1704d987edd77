//! Signing messages for dapps: EIP-191 `personal_sign` and EIP-712 typed data, the latter laid
//! out for review field by field with its domain (name, version, chain id, verifying contract)
//! and refused when its chain id is not the active network's; token approvals by signature
//! (EIP-2612 `Permit`, Uniswap's Permit2) are recognised and warned about. Raw `eth_sign` of a
//! 32-byte hash is refused outright: it can be a transaction in disguise.

use alloy::primitives::{Address, U256};
use alloy::signers::SignerSync;
use alloy_dyn_abi::TypedData;
use cairn_api::{SignedMessage, TypedDataField, TypedDataReview};
use serde_json::Value;

use crate::accounts::{signer_for, AccountsError};
use crate::keys::vault::VaultKeys;
use crate::primitives::units::{format_address, parse_address, AddressError};
use crate::session::{Ctx, SessionError};
use crate::store::ledger::Ledger;

/// Why a message is not signed.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("eth_sign of a raw hash is refused: it can sign a transaction without showing it")]
    RawHashRefused,
    #[error("the typed data does not parse: {0}")]
    BadTypedData(String),
    #[error("the typed data is {0} bytes: more than the {MAX_TYPED_DATA_BYTES} Cairn reviews")]
    TooLarge(usize),
    #[error("the message starts with 0x but is not whole hex bytes: give bytes as 0x-hex, or text that does not start with 0x")]
    BadHex,
    #[error(
        "the typed data is for chain {requested}, but the wallet is on chain {active}: refused"
    )]
    WrongChain { requested: String, active: u64 },
    #[error("{0} is a smart account: it signs through its owner account, not on its own")]
    SmartAccount(String),
    #[error("the signing method {0:?} is not supported")]
    UnknownMethod(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error(transparent)]
    Ledger(#[from] crate::store::ledger::LedgerError),
}

type Result<T, E = MessageError> = std::result::Result<T, E>;

/// Permit2's canonical address (the same on every chain).
/// The largest typed data reviewed: real EIP-712 requests are a few KiB; a bigger one is a
/// request to hash and echo something nobody can read.
pub const MAX_TYPED_DATA_BYTES: usize = 256 * 1024;

const PERMIT2: &str = "0x000000000022D473030F116dDEE9F6B43aC78BA3";

fn render(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    }
}

/// The fields of `kind` in `value`, depth first, each with its path and Solidity type.
fn flatten(types: &Value, kind: &str, value: &Value, path: &str, out: &mut Vec<TypedDataField>) {
    let base = kind.split('[').next().unwrap_or(kind);
    if kind.ends_with(']') {
        if let Value::Array(items) = value {
            let inner = &kind[..kind.rfind('[').unwrap_or(kind.len())];
            for (i, item) in items.iter().enumerate() {
                flatten(types, inner, item, &format!("{path}[{i}]"), out);
            }
            return;
        }
    }
    match types.get(base).and_then(Value::as_array) {
        Some(members) => {
            for m in members {
                let (Some(name), Some(t)) = (
                    m.get("name").and_then(Value::as_str),
                    m.get("type").and_then(Value::as_str),
                ) else {
                    continue;
                };
                let child = if path.is_empty() {
                    name.to_string()
                } else {
                    format!("{path}.{name}")
                };
                flatten(
                    types,
                    t,
                    value.get(name).unwrap_or(&Value::Null),
                    &child,
                    out,
                );
            }
        }
        None => out.push(TypedDataField {
            name: path.to_string(),
            kind: kind.to_string(),
            value: render(value),
        }),
    }
}

fn is_unlimited(text: &str) -> bool {
    let parsed = if let Some(hex) = text.strip_prefix("0x") {
        U256::from_str_radix(hex, 16).ok()
    } else {
        U256::from_str_radix(text, 10).ok()
    };
    // uint256 max, or Permit2's uint160 max: both mean "everything, forever".
    parsed.is_some_and(|v| v >= (U256::from(1u8) << 160) - U256::from(1u8))
}

/// Warnings for approvals granted by signature.
fn permit_warnings(review: &TypedDataReview) -> Vec<String> {
    let field = |name: &str| {
        review
            .fields
            .iter()
            .find(|f| f.name == name || f.name.ends_with(&format!(".{name}")))
            .map(|f| f.value.clone())
    };
    let contract = review
        .domain
        .iter()
        .find(|f| f.name == "verifyingContract")
        .map(|f| f.value.clone())
        .unwrap_or_default();
    let mut out = Vec::new();
    let spender = field("spender").unwrap_or_else(|| "an unnamed spender".into());
    match review.primary_type.as_str() {
        "Permit" => {
            let value = field("value").unwrap_or_default();
            out.push(format!(
                "this signature is a token approval (EIP-2612 permit): it lets {spender} spend {} of the token at {contract} without another confirmation",
                if is_unlimited(&value) { "ALL".to_string() } else { value.clone() }
            ));
        }
        "PermitSingle"
        | "PermitBatch"
        | "PermitTransferFrom"
        | "PermitBatchTransferFrom"
        | "PermitWitnessTransferFrom" => {
            let amount = field("amount").unwrap_or_default();
            out.push(format!(
                "this signature is a Permit2 approval{}: it lets {spender} move {} of your tokens",
                if contract.eq_ignore_ascii_case(PERMIT2) {
                    ""
                } else {
                    " (at a contract that is not Permit2's)"
                },
                if is_unlimited(&amount) {
                    "ALL".to_string()
                } else {
                    format!("up to {amount}")
                }
            ));
        }
        _ => {}
    }
    out
}

/// Messages's service over the shared session state.
pub(crate) struct Messages<'a> {
    pub(crate) ctx: &'a Ctx,
}

impl Messages<'_> {
    crate::session::gate_methods!(MessageError);

    /// Parses typed data and lays it out for review; refuses another chain's.
    pub(crate) fn review_typed_data(&self, json: &str) -> Result<(TypedData, TypedDataReview)> {
        if json.len() > MAX_TYPED_DATA_BYTES {
            return Err(MessageError::TooLarge(json.len()));
        }
        let raw: Value =
            serde_json::from_str(json).map_err(|e| MessageError::BadTypedData(e.to_string()))?;
        // What EIP-712 requires, said plainly before the library's own words.
        for key in ["types", "primaryType", "domain", "message"] {
            if raw.get(key).is_none() {
                return Err(MessageError::BadTypedData(format!("it has no \"{key}\"")));
            }
        }
        let typed: TypedData =
            serde_json::from_str(json).map_err(|e| MessageError::BadTypedData(e.to_string()))?;
        let active = self.ctx.network().chain_id;
        if let Some(chain) = typed.domain.chain_id {
            if chain != U256::from(active) {
                return Err(MessageError::WrongChain {
                    requested: chain.to_string(),
                    active,
                });
            }
        }
        let hash = typed
            .eip712_signing_hash()
            .map_err(|e| MessageError::BadTypedData(e.to_string()))?;
        let d = &typed.domain;
        let mut domain = Vec::new();
        let mut push = |name: &str, kind: &str, value: Option<String>| {
            if let Some(value) = value {
                domain.push(TypedDataField {
                    name: name.into(),
                    kind: kind.into(),
                    value,
                });
            }
        };
        push("name", "string", d.name.as_ref().map(|n| n.to_string()));
        push(
            "version",
            "string",
            d.version.as_ref().map(|v| v.to_string()),
        );
        push("chainId", "uint256", d.chain_id.map(|c| c.to_string()));
        push(
            "verifyingContract",
            "address",
            d.verifying_contract.map(|a| format_address(&a)),
        );
        push("salt", "bytes32", d.salt.map(|s| s.to_string()));
        let mut fields = Vec::new();
        flatten(
            raw.get("types").unwrap_or(&Value::Null),
            &typed.primary_type,
            &typed.message,
            "",
            &mut fields,
        );
        let mut review = TypedDataReview {
            primary_type: typed.primary_type.clone(),
            domain,
            fields,
            warnings: Vec::new(),
            hash: hash.to_string(),
        };
        review.warnings = permit_warnings(&review);
        Ok((typed, review))
    }

    fn message_signer(
        &self,
        ledger: &Ledger,
        keys: &VaultKeys,
        address: Address,
    ) -> Result<alloy::signers::local::PrivateKeySigner> {
        let account = ledger.account(&format_address(&address))?;
        if account.smart.is_some() {
            return Err(MessageError::SmartAccount(account.address));
        }
        Ok(signer_for(keys, ledger, &account)?)
    }

    /// EIP-191 `personal_sign`: `message` is text, or `0x`-hex bytes.
    pub(crate) async fn sign_message(&self, address: &str, message: &str) -> Result<SignedMessage> {
        let address = parse_address(address)?;
        // `0x…` is bytes, as every wallet and `cast` read it; `0x` followed by anything but
        // whole hex bytes is refused rather than quietly signed as text.
        let bytes = match message.strip_prefix("0x").map(hex::decode) {
            Some(Ok(b)) => b,
            Some(Err(_)) => return Err(MessageError::BadHex),
            None => message.as_bytes().to_vec(),
        };
        let signature = self
            .with_session(|s| {
                let signer = self.message_signer(&s.ledger, &s.keys, address)?;
                signer
                    .sign_message_sync(&bytes)
                    .map_err(|e| MessageError::Internal(format!("could not sign: {e}")))
            })
            .await?;
        tracing::info!(address = %format_address(&address), "message signed (EIP-191)");
        Ok(SignedMessage {
            signature: format!("0x{}", hex::encode(signature.as_bytes())),
            review: None,
        })
    }

    /// EIP-712 `eth_signTypedData_v4`, after the same review [`Wallet::review_typed_data`]
    /// shows (the caller has shown it).
    pub(crate) async fn sign_typed_data(&self, address: &str, json: &str) -> Result<SignedMessage> {
        let address = parse_address(address)?;
        let (typed, review) = self.review_typed_data(json)?;
        let hash = typed
            .eip712_signing_hash()
            .map_err(|e| MessageError::BadTypedData(e.to_string()))?;
        let signature = self
            .with_session(|s| {
                let signer = self.message_signer(&s.ledger, &s.keys, address)?;
                signer
                    .sign_hash_sync(&hash)
                    .map_err(|e| MessageError::Internal(format!("could not sign: {e}")))
            })
            .await?;
        tracing::info!(
            address = %format_address(&address),
            primary_type = %review.primary_type,
            warnings = review.warnings.len(),
            "typed data signed (EIP-712)"
        );
        Ok(SignedMessage {
            signature: format!("0x{}", hex::encode(signature.as_bytes())),
            review: Some(review),
        })
    }

    /// A dapp's signing request by its JSON-RPC method name.
    pub(crate) async fn sign_request(
        &self,
        method: &str,
        address: &str,
        payload: &str,
    ) -> Result<SignedMessage> {
        match method {
            "personal_sign" => self.sign_message(address, payload).await,
            "eth_signTypedData_v4" | "eth_signTypedData" => {
                self.sign_typed_data(address, payload).await
            }
            "eth_sign" => Err(MessageError::RawHashRefused),
            other => Err(MessageError::UnknownMethod(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::network::Network;
    use crate::keys::keychain::NoKeychain;
    use crate::keys::vault::TEST_KDF;
    use crate::{Error, Wallet};
    use crate::{KeySpec, WalletConfig};
    use secrecy::SecretString;
    use std::sync::Arc;

    /// The EIP-712 specification's example.
    const MAIL: &str = r#"{
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}
            ],
            "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
            "Mail": [
                {"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                {"name": "contents", "type": "string"}
            ]
        },
        "primaryType": "Mail",
        "domain": {
            "name": "Ether Mail", "version": "1", "chainId": 1,
            "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
        },
        "message": {
            "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
            "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
            "contents": "Hello, Bob!"
        }
    }"#;
    /// keccak256("cow"), the spec's signer; its address is the `from` wallet above.
    const COW: &str = "0xc85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4";

    async fn wallet_on(dir: &std::path::Path, chain_id: u64) -> (Wallet, String) {
        let mut network = Network::devnet("http://127.0.0.1:9");
        network.chain_id = chain_id;
        let w = Wallet::new(WalletConfig {
            data_dir: dir.to_path_buf(),
            network,
            kdf: TEST_KDF,
            keychain: Arc::new(NoKeychain),
        })
        .unwrap();
        let created = w
            .create(
                SecretString::from("correct horse"),
                KeySpec::PrivateKey(SecretString::from(COW)),
            )
            .await
            .unwrap();
        (w, created.account.address)
    }

    #[tokio::test]
    async fn the_mail_example_hashes_and_signs_to_the_published_values() {
        let dir = tempfile::tempdir().unwrap();
        let (w, cow) = wallet_on(dir.path(), 1).await;
        assert_eq!(cow, "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");
        let signed = w.sign_typed_data(&cow, MAIL).await.unwrap();
        let review = signed.review.unwrap();
        assert_eq!(
            review.hash,
            "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
        );
        // r, s and v = 28 from the specification.
        assert_eq!(
            signed.signature,
            "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d\
             07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562\
             1c"
        );
        // Laid out field by field, with the domain.
        let names: Vec<&str> = review.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "from.name",
                "from.wallet",
                "to.name",
                "to.wallet",
                "contents"
            ]
        );
        assert_eq!(review.fields[4].value, "Hello, Bob!");
        assert!(review
            .domain
            .iter()
            .any(|f| f.name == "chainId" && f.value == "1"));
        assert!(review.warnings.is_empty());
    }

    #[tokio::test]
    async fn another_chains_typed_data_and_raw_hashes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (w, cow) = wallet_on(dir.path(), 31337).await;
        let err = w.sign_typed_data(&cow, MAIL).await.unwrap_err();
        assert!(
            matches!(err, Error::Message(MessageError::WrongChain { .. })),
            "{err}"
        );
        let hash = format!("0x{}", "ab".repeat(32));
        let err = w.sign_request("eth_sign", &cow, &hash).await.unwrap_err();
        assert!(
            matches!(err, Error::Message(MessageError::RawHashRefused)),
            "{err}"
        );
        let err = w.sign_typed_data(&cow, "{not json").await.unwrap_err();
        assert_eq!(err.code(), cairn_api::ErrorCode::InvalidInput);
    }

    #[tokio::test]
    async fn personal_sign_recovers_to_the_account() {
        let dir = tempfile::tempdir().unwrap();
        let (w, cow) = wallet_on(dir.path(), 31337).await;
        let signed = w
            .sign_request("personal_sign", &cow, "Hello, Cairn")
            .await
            .unwrap();
        let raw = hex::decode(signed.signature.trim_start_matches("0x")).unwrap();
        let sig = alloy::primitives::Signature::from_raw(&raw).unwrap();
        let recovered = sig.recover_address_from_msg("Hello, Cairn").unwrap();
        assert_eq!(format_address(&recovered), cow);
        // Hex input is signed as bytes.
        let hex_signed = w.sign_message(&cow, "0x48656c6c6f").await.unwrap();
        let sig = alloy::primitives::Signature::from_raw(
            &hex::decode(hex_signed.signature.trim_start_matches("0x")).unwrap(),
        )
        .unwrap();
        assert_eq!(
            format_address(&sig.recover_address_from_msg("Hello").unwrap()),
            cow
        );
    }

    #[tokio::test]
    async fn permits_are_recognised_and_unlimited_ones_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let (w, _) = wallet_on(dir.path(), 31337).await;
        let permit = r#"{
            "types": {
                "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                                 {"name": "verifyingContract", "type": "address"}],
                "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                           {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                           {"name": "deadline", "type": "uint256"}]
            },
            "primaryType": "Permit",
            "domain": {"name": "USD Coin", "chainId": 31337, "verifyingContract": "0x1111111111111111111111111111111111111111"},
            "message": {"owner": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826",
                        "spender": "0x2222222222222222222222222222222222222222",
                        "value": "115792089237316195423570985008687907853269984665640564039457584007913129639935",
                        "nonce": 0, "deadline": 1999999999}
        }"#;
        let (_, review) = w.review_typed_data(permit).unwrap();
        assert_eq!(review.warnings.len(), 1);
        assert!(
            review.warnings[0].contains("spend ALL"),
            "{:?}",
            review.warnings
        );
        assert!(review.warnings[0].contains("0x2222222222222222222222222222222222222222"));
        let limited = permit.replace(
            "115792089237316195423570985008687907853269984665640564039457584007913129639935",
            "1000",
        );
        let (_, review) = w.review_typed_data(&limited).unwrap();
        assert!(
            review.warnings[0].contains("spend 1000"),
            "{:?}",
            review.warnings
        );
    }

    #[tokio::test]
    async fn odd_hex_huge_and_empty_requests_get_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let (w, cow) = wallet_on(dir.path(), 31337).await;
        let err = w.sign_message(&cow, "0xabc").await.unwrap_err();
        assert!(matches!(err, Error::Message(MessageError::BadHex)), "{err}");
        assert!(w.sign_message(&cow, "0xabcd").await.is_ok());
        assert!(w.sign_message(&cow, "hello").await.is_ok());
        let err = w.sign_typed_data(&cow, "{}").await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "the typed data does not parse: it has no \"types\""
        );
        let huge = format!("{{\"x\": \"{}\"}}", "a".repeat(MAX_TYPED_DATA_BYTES));
        let err = w.sign_typed_data(&cow, &huge).await.unwrap_err();
        assert!(
            matches!(err, Error::Message(MessageError::TooLarge(_))),
            "{err}"
        );
    }
}
