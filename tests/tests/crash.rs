//! A writer killed with SIGKILL at random moments, over and over: every reopen must pass
//! SQLite's integrity check, the audit chain must verify, and every operation must have come
//! with exactly its transition and its audit row — all or nothing, never half.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cairn_core::keychain::NoKeychain;
use cairn_core::ledger::Ledger;
use cairn_core::{profiles, vault, KeySpec, Network, Wallet, WalletConfig};
use secrecy::SecretString;

const KILLS: usize = 100;
const PASSWORD: &str = "crash test password";

/// xorshift64*: reproducible from the printed seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[tokio::test]
async fn killed_writers_never_leave_a_torn_ledger() {
    let root = tempfile::tempdir().unwrap();
    let dir = profiles::dir(root.path(), "default").unwrap();
    // A cheap KDF: this test is about the ledger, and unlocks 200 times (the writer uses the
    // same).
    let kdf = cairn_tests::wallet::FAST_KDF;
    let wallet = Wallet::new(WalletConfig {
        data_dir: dir.clone(),
        network: Network::devnet("http://127.0.0.1:9"),
        kdf,
        keychain: Arc::new(NoKeychain),
    })
    .unwrap();
    wallet
        .create(
            SecretString::from(PASSWORD),
            KeySpec::NewMnemonic { words: 12 },
        )
        .await
        .unwrap();
    wallet.lock().await;
    drop(wallet);

    let seed = std::env::var("CAIRN_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    println!("crash test seed {seed} (rerun with CAIRN_CRASH_SEED={seed})");
    let mut rng = Rng(seed);
    let writer = cairn_tests::gui::sibling_binary("ledger-writer");
    assert!(
        writer.exists(),
        "{} missing: build the workspace first",
        writer.display()
    );

    let mut last_ops = 0;
    for round in 0..KILLS {
        let mut child = Command::new(&writer)
            .arg(&dir)
            .env("CAIRN_PASSWORD", PASSWORD)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(
            line.trim(),
            "ready",
            "round {round}: the writer did not start"
        );
        std::thread::sleep(Duration::from_micros(rng.next() % 60_000));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let keys = vault::unlock(&dir, &SecretString::from(PASSWORD), &NoKeychain, kdf)
            .unwrap()
            .keys;
        let ledger = Ledger::open(&dir, &keys)
            .unwrap_or_else(|e| panic!("round {round}: reopen failed: {e}"));
        ledger
            .integrity_check()
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let rows = ledger
            .verify_audit()
            .unwrap_or_else(|e| panic!("round {round}: audit chain broken: {e}"));
        let (ops, transitions) = ledger.operation_counts().unwrap();
        assert_eq!(
            ops, transitions,
            "round {round}: an operation without its transition"
        );
        let audited = ledger
            .audit_log(u32::MAX)
            .unwrap()
            .iter()
            .filter(|r| r.event == "operation_recorded")
            .count() as i64;
        assert_eq!(
            audited, ops,
            "round {round}: operations and their audit rows disagree"
        );
        assert!(
            rows >= ops && ops >= last_ops,
            "round {round}: rows went missing"
        );
        last_ops = ops;
    }
    println!("{KILLS} kills, {last_ops} operations recorded, ledger consistent after each");
    assert!(
        last_ops > 0,
        "the writer never got to write: the test proved nothing"
    );
}
