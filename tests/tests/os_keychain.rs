//! The device secret in a real OS keychain: the Secret Service of a gnome-keyring-daemon on its
//! own D-Bus session. Needs that session, so it is ignored in a plain `cargo test` and run by
//! `scripts/keychain-test.sh` (which `make test` calls) with `--ignored`.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use cairn_core::keychain::{self, DeviceSecretStore, KeychainError, NoKeychain};
use cairn_core::vault::{self, VaultError};
use cairn_core::{KdfParams, KeySpec, Network, Wallet, WalletConfig};
use secrecy::SecretString;

#[tokio::test]
#[ignore = "needs a Secret Service session: run scripts/keychain-test.sh"]
async fn the_device_secret_lives_in_the_secret_service() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "no D-Bus session: run this through scripts/keychain-test.sh"
    );
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("profiles/default");
    let config = |store: Arc<dyn DeviceSecretStore>| WalletConfig {
        data_dir: dir.clone(),
        network: Network::devnet("http://127.0.0.1:9"),
        kdf: KdfParams::RELEASE,
        keychain: store,
    };
    let w = Wallet::new(config(keychain::system_keychain())).unwrap();
    let created = w
        .create(
            SecretString::from("keychain password"),
            KeySpec::NewMnemonic { words: 12 },
        )
        .await
        .unwrap();
    assert!(
        w.settings().await.unwrap().device_secret,
        "the Secret Service was not used"
    );
    let header: serde_json::Value =
        serde_json::from_slice(&std::fs::read(vault::header_path(&dir)).unwrap()).unwrap();
    assert_eq!(header["device_secret"], true);
    let vault_id = header["vault_id"].as_str().unwrap().to_string();

    // The secret is really in the keychain, under the vault's id, and not in any file.
    let secret = keychain::system_keychain()
        .get(&vault_id)
        .unwrap()
        .expect("secret stored");
    assert_eq!(secret.len(), 32);
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(32).any(|w| w == secret.as_slice()));
        assert!(!String::from_utf8_lossy(&bytes).contains(&hex::encode(secret.as_slice())));
    }

    // A new process (new handle) on the same device opens it with the password.
    w.lock().await;
    drop(w);
    let w = Wallet::new(config(keychain::system_keychain())).unwrap();
    assert_eq!(
        w.unlock(SecretString::from("keychain password"))
            .await
            .unwrap()[0],
        created.account
    );
    w.lock().await;

    // The files copied to a machine without that keychain entry do not open, even with the
    // right password: the typed error says why.
    let elsewhere = Wallet::new(config(Arc::new(NoKeychain))).unwrap();
    let err = elsewhere
        .unlock(SecretString::from("keychain password"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            cairn_core::Error::Vault(VaultError::Keychain(KeychainError::Unavailable))
        ),
        "{err}"
    );
    // The CLI, as a person runs it on this desktop, uses the same Secret Service: its wallet
    // records the device secret, opens in a second run, and not without the keychain.
    let cli_root = tempfile::tempdir().unwrap();
    let cairn = || {
        let mut cmd = std::process::Command::new(cairn_tests::gui::sibling_binary("cairn"));
        cmd.env("CAIRN_DATA_DIR", cli_root.path())
            .env("CAIRN_RPC_URL", "http://127.0.0.1:9")
            .env("CAIRN_PASSWORD", "cli keychain password")
            .env_remove("CAIRN_LOG");
        cmd
    };
    let created = cairn().args(["create", "--json"]).output().unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let header: serde_json::Value = serde_json::from_slice(
        &std::fs::read(vault::header_path(
            &cli_root.path().join("profiles/default"),
        ))
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        header["device_secret"], true,
        "the CLI did not use the keychain"
    );
    let created: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    let listed = cairn().args(["accounts", "--json"]).output().unwrap();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed[0]["address"], created["account"]["address"]);
    let without = cairn()
        .args(["accounts", "--json"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .unwrap();
    assert!(!without.status.success(), "opened without the keychain");
    let err: serde_json::Value = serde_json::from_slice(&without.stderr).unwrap();
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("keychain"),
        "{err}"
    );
}
