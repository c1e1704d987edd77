//! The first vertical slice, headless: a wallet created through the core API (and through the
//! `cairn` CLI) has an address derived from its BIP-39 phrase, and reads its balance from a
//! real devnet node — the same balance an independent client reads.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use alloy::primitives::{Address, U256};
use alloy::providers::{Provider, ProviderBuilder};
use std::sync::Arc;

use cairn_core::keychain::NoKeychain;
use cairn_core::{units, KdfParams, KeySpec, Network, Wallet, WalletConfig};
use cairn_tests::devnet::{Devnet, Peers};
use secrecy::SecretString;

fn wallet(dir: &std::path::Path, rpc_url: &str) -> Wallet {
    Wallet::new(WalletConfig {
        data_dir: dir.to_path_buf(),
        network: Network::devnet(rpc_url),
        kdf: KdfParams::RELEASE,
        keychain: Arc::new(NoKeychain),
    })
    .unwrap()
}

async fn chain_balance(rpc_url: &str, address: &str) -> U256 {
    let provider = ProviderBuilder::new().connect_http(rpc_url.parse().unwrap());
    provider
        .get_balance(address.parse::<Address>().unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn create_derive_fund_and_read_balance() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let rpc = devnet.endpoints.rpc_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let w = wallet(dir.path(), &rpc);

    let created = w
        .create(
            SecretString::from("a long passphrase"),
            KeySpec::NewMnemonic { words: 24 },
        )
        .await
        .unwrap();
    let from_phrase = cairn_tests::wallet::reference_address(
        secrecy::ExposeSecret::expose_secret(created.mnemonic.as_ref().unwrap()),
        "",
        0,
    );
    assert_eq!(created.account.address, units::format_address(&from_phrase));
    assert_eq!(
        units::parse_address(&created.account.address).unwrap(),
        from_phrase,
        "EIP-55 form"
    );

    let before = w.balance(&created.account.address).await.unwrap();
    assert_eq!(before.wei, "0");
    assert_eq!(before.formatted, "0.0");

    let funded = w.devnet_fund(&created.account.address, "10").await.unwrap();
    assert_eq!(funded.balance.wei, "10000000000000000000");
    assert_eq!(funded.balance.formatted, "10.0");
    assert_eq!(funded.balance.symbol, "ETH");
    assert!(funded.balance.block_number > before.block_number);
    assert_eq!(
        chain_balance(&rpc, &created.account.address).await,
        U256::from(10u64) * U256::from(10u64).pow(U256::from(18u64))
    );

    // After a restart the same account comes back from the encrypted ledger.
    drop(w);
    let w = wallet(dir.path(), &rpc);
    let accounts = w
        .unlock(SecretString::from("a long passphrase"))
        .await
        .unwrap();
    assert_eq!(accounts, vec![created.account.clone()]);
    assert_eq!(
        w.balance(&accounts[0].address).await.unwrap().formatted,
        "10.0"
    );
}

#[tokio::test]
async fn a_node_on_another_chain_is_refused() {
    cairn_tests::init_tls();
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let mut network = Network::devnet(devnet.endpoints.rpc_url.clone());
    network.chain_id = 1;
    let dir = tempfile::tempdir().unwrap();
    let w = Wallet::new(WalletConfig {
        data_dir: dir.path().into(),
        network,
        kdf: KdfParams::RELEASE,
        keychain: Arc::new(NoKeychain),
    })
    .unwrap();
    let err = w
        .balance("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
        .await
        .unwrap_err();
    // Its only endpoint is unusable, so the wallet is offline for chain 1 and says why.
    let cairn_core::Error::Chain(cairn_core::chain::ChainError::Offline { last, .. }) = &err else {
        panic!("{err}")
    };
    assert!(
        matches!(
            **last,
            cairn_core::chain::ChainError::WrongChain {
                expected: 1,
                actual: 31337,
                ..
            }
        ),
        "{err}"
    );
    // And the faucet refuses to run off the devnet.
    assert_eq!(
        w.devnet_fund("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "1")
            .await
            .unwrap_err()
            .code(),
        cairn_api::ErrorCode::NotDevnet
    );
}

fn cairn(dir: &std::path::Path, rpc: &str, args: &[&str]) -> std::process::Output {
    let bin = cairn_tests::gui::sibling_binary("cairn");
    assert!(
        bin.exists(),
        "{} missing: build the workspace first (make test does)",
        bin.display()
    );
    Command::new(bin)
        .args(args)
        .env("CAIRN_DATA_DIR", dir)
        .env("CAIRN_RPC_URL", rpc)
        .env("CAIRN_PASSWORD", "cli passphrase")
        .env_remove("CAIRN_LOG")
        // Never the developer's own keyring.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .unwrap()
}

#[test]
fn the_cli_creates_funds_and_reports_as_json() {
    let devnet = Devnet::start(Peers::ChainOnly).expect("devnet");
    let rpc = devnet.endpoints.rpc_url.clone();
    let dir = tempfile::tempdir().unwrap();

    let out = cairn(dir.path(), &rpc, &["create", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let address = created["account"]["address"].as_str().unwrap().to_string();
    let phrase = SecretString::from(created["mnemonic"].as_str().unwrap().to_string());
    assert_eq!(
        address,
        units::format_address(&cairn_tests::wallet::reference_address(
            secrecy::ExposeSecret::expose_secret(&phrase),
            "",
            0
        ))
    );

    let out = cairn(dir.path(), &rpc, &["devnet-fund", "--eth", "2.5", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cairn(dir.path(), &rpc, &["balance", "--json"]);
    let balance: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(balance["address"], address.as_str());
    assert_eq!(balance["formatted"], "2.5");

    let out = cairn(dir.path(), &rpc, &["doctor", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A second create must not touch the first wallet, and says why in a typed error.
    let out = cairn(dir.path(), &rpc, &["create", "--json"]);
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "VaultExists");

    // A malformed address is refused before any network call.
    let out = cairn(dir.path(), &rpc, &["balance", "0x1234", "--json"]);
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "InvalidInput");

    // A wrong password: typed error, the wallet still opens with the right one.
    let bin = cairn_tests::gui::sibling_binary("cairn");
    let out = Command::new(&bin)
        .args(["accounts", "--json"])
        .env("CAIRN_DATA_DIR", dir.path())
        .env("CAIRN_RPC_URL", &rpc)
        .env("CAIRN_PASSWORD", "not the password")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .unwrap();
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "WrongPassword");
    // Straight after, even the right password waits: the delay is persisted, not per process.
    let out = cairn(dir.path(), &rpc, &["accounts", "--json"]);
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "Throttled", "{err}");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = cairn(dir.path(), &rpc, &["accounts", "--json"]);
    let accounts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(accounts[0]["address"], address.as_str());
}

/// A phrase made here is not backed up until the user types back the words the wallet asks
/// for; the reminder survives a lock; a wrong word names its position, never the right word;
/// the check is audited. An imported phrase was written down already.
#[tokio::test]
async fn a_new_phrase_is_backed_up_only_by_the_word_check() {
    let dir = tempfile::tempdir().unwrap();
    let (w, _) = cairn_tests::wallet::new_wallet(
        dir.path(),
        cairn_tests::wallet::network(&["http://127.0.0.1:9".to_string()]),
    )
    .await;
    let pending = w.pending_backups().await.unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    let source = pending[0].key_source_id;
    let phrase = w
        .export_secret(SecretString::from("send sync password"), source, None)
        .await
        .unwrap();
    let words: Vec<String> = secrecy::ExposeSecret::expose_secret(&phrase)
        .split(' ')
        .map(str::to_string)
        .collect();

    // Nothing to confirm before the words are asked for.
    let err = w.confirm_backup(source, &[]).await.unwrap_err();
    assert!(err.to_string().contains("ask for the words"), "{err}");

    let challenge = w.backup_challenge(source).await.unwrap();
    let p = &challenge.positions;
    assert_eq!(p.len(), 3);
    assert!(
        p.windows(2).all(|w| w[0] < w[1]) && p[0] >= 1 && p[2] <= 12,
        "{p:?}"
    );
    let answer = |wrong_at: Option<usize>| -> Vec<String> {
        p.iter()
            .enumerate()
            .map(|(i, pos)| {
                let word = words[*pos as usize - 1].clone();
                if Some(i) == wrong_at {
                    // Another word of the list, so only the position can tell.
                    words[*pos as usize % 12].clone() + "x"
                } else {
                    // Typed as people type: capitals and spaces are forgiven.
                    format!("  {}  ", word.to_uppercase())
                }
            })
            .collect()
    };
    let err = w
        .confirm_backup(source, &answer(Some(1)))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains(&format!("word {}", p[1])), "{message}");
    assert!(
        words.iter().all(|w| !message.contains(w.as_str())),
        "the error gives a word away: {message}"
    );
    let err = w
        .confirm_backup(source, &answer(None)[..2])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("3 words"), "{err}");

    // Still pending after a lock; the same words are asked for again.
    w.lock().await;
    w.unlock(SecretString::from("send sync password"))
        .await
        .unwrap();
    assert_eq!(w.pending_backups().await.unwrap().len(), 1);
    let again = w.backup_challenge(source).await.unwrap();
    // A new session picks anew; within one, a retry keeps the positions.
    assert_eq!(w.backup_challenge(source).await.unwrap(), again);
    let p = &again.positions;
    let right: Vec<String> = p
        .iter()
        .map(|pos| words[*pos as usize - 1].clone())
        .collect();
    w.confirm_backup(source, &right).await.unwrap();
    assert!(w.pending_backups().await.unwrap().is_empty());
    let log = w.audit_log(20).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.event == "backup_checked" && e.detail == format!("key_source:{source}")),
        "{log:?}"
    );

    // An imported phrase and an imported key: nothing to remind of.
    w.import(KeySpec::Mnemonic {
        phrase: SecretString::from("test test test test test test test test test test test junk"),
        passphrase: None,
    })
    .await
    .unwrap();
    w.import(KeySpec::PrivateKey(SecretString::from(
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    )))
    .await
    .unwrap();
    assert!(w.pending_backups().await.unwrap().is_empty());
}
