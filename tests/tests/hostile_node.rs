//! A node that attacks the wallet through its answers: one that streams a gigabyte to fill the
//! wallet's memory, one that drips a byte at a time to hold a request open. Each must end in a
//! typed error, bounded in memory and in time. One test in this binary, so the process's peak
//! memory is this test's alone.

// A failed expectation in a test is a panic, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use cairn_api::ErrorCode;
use cairn_core::chain::ChainError;
use cairn_core::keychain::NoKeychain;
use cairn_core::{Error, KdfParams, Wallet, WalletConfig};
use cairn_tests::proxy::{Fault, RpcProxy};
use cairn_tests::wallet::{impatient_network, BOB};

/// The process's peak resident memory so far (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap()
}

#[tokio::test]
async fn huge_and_endless_answers_end_in_typed_errors_within_bounds() {
    cairn_tests::init_tls();
    // Nothing is forwarded under these faults, so no node stands behind the proxy.
    let proxy = RpcProxy::start("http://127.0.0.1:9").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let w = Wallet::new(WalletConfig {
        data_dir: dir.path().into(),
        network: impatient_network(&[proxy.url()]),
        kdf: KdfParams::RELEASE,
        keychain: Arc::new(NoKeychain),
    })
    .unwrap();

    // 512 MiB of one JSON string: refused at the cap, long before it is all read.
    proxy.set_fault(Fault::Huge { mib: 512 });
    let before = peak_rss_kib();
    let err = w.balance(BOB).await.unwrap_err();
    let grew_mib = (peak_rss_kib() - before) / 1024;
    assert_eq!(err.code(), ErrorCode::Offline, "{err}");
    let Error::Chain(ChainError::Offline { last, .. }) = &err else {
        panic!("{err}")
    };
    assert!(matches!(**last, ChainError::TooLarge { .. }), "{err}");
    assert!(
        grew_mib < 64,
        "reading the answer grew peak memory by {grew_mib} MiB"
    );

    // Headers, then a byte every 100 ms: cut at the request's total deadline (2 s here).
    proxy.set_fault(Fault::Drip);
    let started = std::time::Instant::now();
    let err = w.balance(BOB).await.unwrap_err();
    let Error::Chain(ChainError::Offline { last, .. }) = &err else {
        panic!("{err}")
    };
    assert!(matches!(**last, ChainError::Timeout { .. }), "{err}");
    assert!(
        started.elapsed().as_secs() < 10,
        "took {:?}",
        started.elapsed()
    );
    proxy.set_fault(Fault::None);
}
