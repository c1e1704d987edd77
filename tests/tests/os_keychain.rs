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
}
