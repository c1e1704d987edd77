//! Known secrets and labels go in through every path that handles them (create from a phrase
//! with a passphrase, import a raw key, rename, export, change password, unlock, lock) with
//! logging at its most verbose; then every byte the wallet wrote — vault header, ledger, WAL,
//! audit head, attempt record, log files — is scanned for them as text and as hex. None may show.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cairn_core::keychain::NoKeychain;
use cairn_core::{logging, profiles, vault, KdfParams, KeySpec, Network, Wallet, WalletConfig};
use secrecy::{ExposeSecret, SecretString};

const PHRASE: &str = "legal winner thank year wave sausage worth useful legal winner thank yellow";
const PASSPHRASE: &str = "mellow-passphrase-9931";
const PASSWORD: &str = "first password 4471";
const NEW_PASSWORD: &str = "second password 8813";
const RAW_KEY: &str = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const LABEL: &str = "Rainy day fund 7731";

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn needles(text: &str) -> Vec<Vec<u8>> {
    let t = text.trim_start_matches("0x");
    let mut v = vec![
        text.as_bytes().to_vec(),
        hex::encode(text).into_bytes(),
        hex::encode(text).to_uppercase().into_bytes(),
    ];
    if let Ok(raw) = hex::decode(t) {
        v.push(t.as_bytes().to_vec());
        v.push(t.to_uppercase().into_bytes());
        v.push(raw);
    }
    v
}

#[tokio::test]
async fn no_secret_or_label_reaches_disk_or_logs_in_the_clear() {
    let root = tempfile::tempdir().unwrap();
    // SAFETY of intent: this test binary runs this one test; the filter is read once at init.
    std::env::set_var("CAIRN_LOG", "trace");
    let guard = logging::init(Some(&root.path().join("logs")), false).unwrap();
    let dir = profiles::dir(root.path(), "default").unwrap();
    let w = Wallet::new(WalletConfig {
        data_dir: dir.clone(),
        network: Network::devnet("http://127.0.0.1:9"),
        kdf: KdfParams::RELEASE,
        keychain: Arc::new(NoKeychain),
    })
    .unwrap();

    let spec = KeySpec::Mnemonic {
        phrase: SecretString::from(PHRASE),
        passphrase: Some(SecretString::from(PASSPHRASE)),
    };
    let created = w.create(SecretString::from(PASSWORD), spec).await.unwrap();
    let imported = w
        .import(KeySpec::PrivateKey(SecretString::from(RAW_KEY)))
        .await
        .unwrap();
    w.rename_account(&created.account.address, LABEL)
        .await
        .unwrap();
    let exported = w
        .export_secret(
            SecretString::from(PASSWORD),
            created.account.key_source_id,
            None,
        )
        .await
        .unwrap();
    assert_eq!(exported.expose_secret(), PHRASE);
    let account_key = w
        .export_private_key(SecretString::from(PASSWORD), &created.account.address, None)
        .await
        .unwrap();
    let imported_key = w
        .export_private_key(SecretString::from(PASSWORD), &imported.address, None)
        .await
        .unwrap();
    assert_eq!(imported_key.expose_secret(), RAW_KEY);
    // The second factor: its secret and recovery codes must not reach disk or logs either.
    let enrolled = w.mfa_enroll(SecretString::from(PASSWORD)).await.unwrap();
    let totp_secret = cairn_core::totp::from_base32(&enrolled.secret_base32).unwrap();
    w.mfa_confirm(&cairn_tests::wallet::totp_now(&totp_secret))
        .await
        .unwrap();
    let mut mfa_secrets = vec![
        (
            "TOTP secret (base32)".to_string(),
            enrolled.secret_base32.clone(),
        ),
        (
            "TOTP secret".to_string(),
            hex::encode(totp_secret.as_slice()),
        ),
        ("otpauth URI".to_string(), enrolled.otpauth_uri.clone()),
    ];
    for code in &enrolled.recovery_codes {
        mfa_secrets.push(("a recovery code".to_string(), code.clone()));
        mfa_secrets.push(("a recovery code".to_string(), code.replace('-', "")));
    }
    w.change_password(
        SecretString::from(PASSWORD),
        SecretString::from(NEW_PASSWORD),
    )
    .await
    .unwrap();
    w.lock().await;
    assert!(w.unlock(SecretString::from(PASSWORD)).await.is_err());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    w.unlock(SecretString::from(NEW_PASSWORD)).await.unwrap();
    w.lock().await;
    let keys = vault::unlock(
        &dir,
        &SecretString::from(NEW_PASSWORD),
        &NoKeychain,
        KdfParams::RELEASE,
    )
    .unwrap()
    .keys;
    let mut secrets = secrets(&keys, account_key.expose_secret());
    for (name, value) in &mfa_secrets {
        for needle in needles(value) {
            secrets.push((name.clone(), needle));
        }
    }

    // Once while the wallet is open (the WAL holds the newest pages)…
    w.unlock(SecretString::from(NEW_PASSWORD)).await.unwrap();
    w.record_transfer_intent(
        &created.account.address,
        &imported.address,
        alloy::primitives::U256::from(7u8),
    )
    .await
    .unwrap();
    w.rename_account(&imported.address, LABEL).await.unwrap();
    let open_files = scan(root.path(), &secrets);
    assert!(
        open_files.iter().any(|n| n.ends_with("-wal")),
        "no WAL to scan: {open_files:?}"
    );
    w.lock().await;
    drop(w);
    drop(guard); // flushes the log writer

    // …and once after everything is closed and flushed.
    let all = scan(root.path(), &secrets);
    assert!(all.iter().any(|n| n == "vault.json"), "{all:?}");
    assert!(all.iter().any(|n| n == "ledger.db"), "{all:?}");
    assert!(
        all.iter()
            .any(|n| n.starts_with("cairn.") && n.ends_with(".log")),
        "{all:?}"
    );
    // The log must have had something to say, or the scan proved little.
    let mut paths = Vec::new();
    files(root.path(), &mut paths);
    let log_text: String = paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    assert!(
        log_text.contains("wallet created") && log_text.contains("unlock failed"),
        "{log_text}"
    );
}

fn secrets(keys: &vault::VaultKeys, account_key: &str) -> Vec<(String, Vec<u8>)> {
    let mut secrets: Vec<(String, Vec<u8>)> = Vec::new();
    let words: Vec<&str> = PHRASE.split(' ').collect();
    for run in words.windows(3) {
        secrets.push((
            "three words of the phrase".into(),
            run.join(" ").into_bytes(),
        ));
    }
    for (name, value) in [
        ("phrase", PHRASE.to_string()),
        ("passphrase", PASSPHRASE.to_string()),
        ("password", PASSWORD.to_string()),
        ("new password", NEW_PASSWORD.to_string()),
        ("imported key", RAW_KEY.to_string()),
        ("derived account key", account_key.to_string()),
        ("account label", LABEL.to_string()),
        ("ledger key", hex::encode(*keys.ledger_key)),
        ("sealing key", hex::encode(*keys.sealing_key)),
        ("audit key", hex::encode(*keys.audit_key)),
    ] {
        for needle in needles(&value) {
            secrets.push((name.to_string(), needle));
        }
    }

    secrets
}

/// Scans every file under `root`; returns the file names scanned.
fn scan(root: &Path, secrets: &[(String, Vec<u8>)]) -> Vec<String> {
    let mut all = Vec::new();
    files(root, &mut all);
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        for (name, needle) in secrets {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "the {name} appears in {}",
                path.display()
            );
        }
    }
    all.iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect()
}
