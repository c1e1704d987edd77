//! A heavy user's wallet: 50 accounts, 100 000 history entries, 100 000 operations. Measures
//! what the app waits for at that size, through the `Wallet` façade the shell calls (session
//! lock and conversion included):
//! - unlock → account list (release Argon2id);
//! - history and activity pages of 50: the newest and the 100th, one account and all of them;
//! - recording one history entry through the history writer, as a sync round does.
//!
//! Run: `cargo bench -p cairn-core --features test-support --bench scale` (`make bench`).
//! Prints p50 and p99 of each figure in milliseconds, as a Markdown table.

// Benchmarks set up with unwrap: a failure here is a broken benchmark, not a user path.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use cairn_api::{ActivityQuery, HistoryQuery};
use cairn_core::keychain::NoKeychain;
use cairn_core::ledger::Ledger;
use cairn_core::store::operations::ActivityBaseline;
use cairn_core::{vault, KdfParams, KeySpec, Network, Wallet, WalletConfig};
use secrecy::SecretString;

const ACCOUNTS: usize = 50;
const ROWS: usize = 100_000;
const PAGE: u32 = 50;

fn password() -> SecretString {
    SecretString::from("a reasonably long password")
}

/// p50 and p99 of `runs` timings, in milliseconds.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let at = |q: f64| {
        let k = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[k].as_secs_f64() * 1000.0
    };
    (at(0.50), at(0.99))
}

async fn time<F, Fut, T>(runs: usize, mut f: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(f().await);
        samples.push(started.elapsed());
    }
    percentiles(samples)
}

fn row(what: &str, (p50, p99): (f64, f64)) {
    println!("| {what} | {p50:.3} | {p99:.3} |");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // No node here and no background traffic: the figures are the ledger's and the façade's.
    std::env::set_var("CAIRN_QUIET", "1");
    let dir = tempfile::tempdir().unwrap();
    let network = Network::devnet("http://127.0.0.1:9");
    let chain_id = network.chain_id;
    let wallet = Wallet::new(WalletConfig {
        data_dir: dir.path().to_path_buf(),
        network: network.clone(),
        kdf: KdfParams::RELEASE,
        keychain: Arc::new(NoKeychain),
    })
    .unwrap();
    let created = wallet
        .create(password(), KeySpec::NewMnemonic { words: 12 })
        .await
        .unwrap();
    let source = created.account.key_source_id;
    for _ in 1..ACCOUNTS {
        wallet.add_account(source).await.unwrap();
    }
    let accounts = wallet.accounts(false).await.unwrap();
    let address = accounts[7].address.clone();
    wallet.lock().await;

    let filled = Instant::now();
    {
        let unlocked =
            vault::unlock(dir.path(), &password(), &NoKeychain, KdfParams::RELEASE).unwrap();
        let mut ledger = Ledger::open(dir.path(), &unlocked.keys).unwrap();
        let native = ledger.ensure_network(&network).unwrap();
        let ids: Vec<i64> = ledger
            .accounts(false)
            .unwrap()
            .iter()
            .map(|a| a.id)
            .collect();
        ledger
            .fill_for_scale(chain_id, &ids, native.id, ROWS, ROWS)
            .unwrap();
    }
    eprintln!(
        "filled {ACCOUNTS} accounts, {ROWS} operations, {ROWS} entries in {:.1} s",
        filled.elapsed().as_secs_f64()
    );

    println!(
        "| figure ({ACCOUNTS} accounts, {ROWS} operations, {ROWS} entries) | p50 ms | p99 ms |"
    );
    println!("|---|---|---|");
    let unlock = time(5, || async {
        let list = wallet.unlock(password()).await.unwrap();
        assert_eq!(list.len(), ACCOUNTS);
        wallet.lock().await;
    })
    .await;
    row("unlock → account list (release Argon2id), 5 runs", unlock);
    wallet.unlock(password()).await.unwrap();

    // The cursor of the 100th page, found by paging there once.
    async fn cursor_100th<F, Fut>(mut page: F) -> String
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: std::future::Future<Output = Option<String>>,
    {
        let mut next = None;
        for _ in 0..99 {
            next = page(next).await;
        }
        next.expect("fewer than 100 pages")
    }

    let history = |account: Option<String>, before: Option<String>| HistoryQuery {
        account,
        before,
        limit: Some(PAGE),
        ..HistoryQuery::default()
    };
    let activity = |account: Option<String>, before: Option<String>| ActivityQuery {
        account,
        before,
        limit: Some(PAGE),
        ..ActivityQuery::default()
    };
    for (label, account) in [
        ("one account", Some(address.clone())),
        ("all accounts", None),
    ] {
        let first = time(300, || async {
            wallet
                .history_page(&history(account.clone(), None))
                .await
                .unwrap()
        })
        .await;
        row(&format!("history, newest page, {label}"), first);
        // One account holds 2 000 entries: its 40th page is its last full one.
        let pages = if account.is_some() { 39 } else { 99 };
        let mut next = None;
        for _ in 0..pages {
            next = wallet
                .history_page(&history(account.clone(), next))
                .await
                .unwrap()
                .next;
        }
        let deep = time(300, || async {
            wallet
                .history_page(&history(account.clone(), next.clone()))
                .await
                .unwrap()
        })
        .await;
        row(&format!("history, page {}, {label}", pages + 1), deep);

        let first = time(300, || async {
            wallet
                .activity(&activity(account.clone(), None))
                .await
                .unwrap()
        })
        .await;
        row(&format!("activity, newest page, {label}"), first);
        let next = if account.is_some() {
            let mut next = None;
            for _ in 0..39 {
                next = wallet
                    .activity(&activity(account.clone(), next))
                    .await
                    .unwrap()
                    .next;
            }
            next.unwrap()
        } else {
            cursor_100th(|before| {
                let q = activity(None, before);
                let w = &wallet;
                async move { w.activity(&q).await.unwrap().next }
            })
            .await
        };
        let deep = time(300, || async {
            wallet
                .activity(&activity(account.clone(), Some(next.clone())))
                .await
                .unwrap()
        })
        .await;
        let page = if account.is_some() { 40 } else { 100 };
        row(&format!("activity, page {page}, {label}"), deep);
    }

    // The same run's baseline, through a second connection: page 100 of all activity read as
    // OFFSET paging would (same query, same index), against the cursor's page 100 above.
    let unlocked = vault::unlock(dir.path(), &password(), &NoKeychain, KdfParams::RELEASE).unwrap();
    let reader = Ledger::open(dir.path(), &unlocked.keys).unwrap();
    let read = time(300, || {
        let n = reader
            .activity_baseline(chain_id, ActivityBaseline::Offset, 99, PAGE)
            .unwrap();
        assert_eq!(n, PAGE as usize);
        async move { n }
    })
    .await;
    row(
        "baseline: activity, page 100, all accounts, OFFSET paging (no cursor)",
        read,
    );
    drop(reader);

    // A second connection, as the history writer of a sync round would write.
    let unlocked = vault::unlock(dir.path(), &password(), &NoKeychain, KdfParams::RELEASE).unwrap();
    let mut ledger = Ledger::open(dir.path(), &unlocked.keys).unwrap();
    let native = ledger.ensure_network(&network).unwrap();
    let account_id = ledger.accounts(false).unwrap()[7].id;
    let mut n = 0u64;
    let record = time(300, || {
        n += 1;
        let written = ledger
            .record_one_for_scale(chain_id, account_id, native.id, n)
            .unwrap();
        async move { written }
    })
    .await;
    row(
        "record one history entry (history writer, own transaction)",
        record,
    );
}
