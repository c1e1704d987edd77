//! What a signature costs the core, beside viem's in the same run (`bench/viem-sign.mjs`, node):
//! - an EIP-1559 transaction, with the session's derived key (what a send pays now) and with
//!   the key derived from the phrase first (what every send paid before the session kept it);
//! - a v0.7 userOpHash and its signature (EIP-191, as SimpleAccount checks it).
//!
//! Run: `cargo bench -p cairn-core --bench signing` (`make bench`). Prints microseconds per
//! operation (median of 7 rounds) as a Markdown table, viem's in the same table when node runs.

// Benchmarks set up with unwrap: a failure here is a broken benchmark, not a user path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Instant;

use alloy::consensus::TxEip1559;
use alloy::network::TxSignerSync;
use alloy::primitives::{Address, Bytes, TxKind, U256};
use cairn_core::aa::{EntryPointVersion, UserOp};
use cairn_core::keys::derive_signer;
use secrecy::SecretString;

const N: usize = 2000;
// BIP-39's test vector phrase: public, a fixture.
const PHRASE: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

/// Median over 7 rounds of microseconds per call of `work`.
fn per_op(n: usize, mut work: impl FnMut(usize)) -> f64 {
    let mut rounds: Vec<f64> = (0..7)
        .map(|_| {
            let started = Instant::now();
            for i in 0..n {
                work(i);
            }
            started.elapsed().as_secs_f64() * 1e6 / n as f64
        })
        .collect();
    rounds.sort_by(f64::total_cmp);
    rounds[3]
}

fn tx(nonce: u64) -> TxEip1559 {
    TxEip1559 {
        chain_id: 31337,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::with_last_byte(0xef)),
        value: U256::from(10u64).pow(U256::from(16u64)),
        ..TxEip1559::default()
    }
}

fn main() {
    let phrase = SecretString::from(PHRASE);
    let signer = derive_signer(&phrase, None, 0).unwrap();
    let cached = per_op(N, |i| {
        let mut t = tx(i as u64);
        black_box(signer.sign_transaction_sync(&mut t).unwrap());
    });
    let derived = per_op(N / 20, |i| {
        let signer = derive_signer(&phrase, None, 0).unwrap();
        let mut t = tx(i as u64);
        black_box(signer.sign_transaction_sync(&mut t).unwrap());
    });
    let mut op = UserOp {
        sender: Address::with_last_byte(0x42),
        call_data: Bytes::from(vec![0xab; 196]),
        call_gas_limit: U256::from(100_000u64),
        verification_gas_limit: U256::from(150_000u64),
        pre_verification_gas: U256::from(50_000u64),
        max_fee_per_gas: U256::from(2_000_000_000u64),
        max_priority_fee_per_gas: U256::from(1_000_000_000u64),
        ..UserOp::default()
    };
    let user_op = per_op(N, |i| {
        op.nonce = U256::from(i);
        black_box(op.sign(&signer, EntryPointVersion::V07, 31337).unwrap());
    });

    let viem = std::process::Command::new("node")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../bench/viem-sign.mjs"
        ))
        .arg(N.to_string())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok());
    let viem_of = |k: &str| viem.as_ref().and_then(|v| v[k].as_f64());
    let ratio = |viem: Option<f64>, ours: f64| {
        viem.map(|v| format!("{:.0}×", v / ours))
            .unwrap_or_else(|| "viem did not run".into())
    };
    println!("| signature | Cairn µs | viem µs (same run) | Cairn faster by |");
    println!("|---|---|---|---|");
    println!(
        "| EIP-1559 transaction, session key | {cached:.1} | {} | {} |",
        viem_of("viem_eip1559_us").map_or("-".into(), |v| format!("{v:.1}")),
        ratio(viem_of("viem_eip1559_us"), cached)
    );
    println!(
        "| EIP-1559 transaction, key derived from the phrase each time (before) | {derived:.1} | - | {} |",
        ratio(viem_of("viem_eip1559_us"), derived)
    );
    println!(
        "| v0.7 userOpHash + signature | {user_op:.1} | {} | {} |",
        viem_of("viem_userop_us").map_or("-".into(), |v| format!("{v:.1}")),
        ratio(viem_of("viem_userop_us"), user_op)
    );
}
