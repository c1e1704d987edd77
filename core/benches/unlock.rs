//! What one unlock costs, and what one password guess costs an attacker, against MetaMask's
//! vault KDF measured in the same run:
//! - `unlock/full`: Argon2id (release parameters), unwrap, HKDF, SQLCipher open with the raw
//!   key and refinery's migration check: what the user waits for.
//! - `per_guess/argon2id_64MiB_t3_p4`: the KDF alone, an offline attacker's cost per guess.
//! - `per_guess/pbkdf2_sha256_600k`: PBKDF2-HMAC-SHA256 at 600,000 iterations (MetaMask).
//!
//! Run: `cargo bench -p cairn-core --bench unlock`.

// Benchmarks set up with unwrap: a failure here is a broken benchmark, not a user path.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::num::NonZeroU32;
use std::time::Duration;

use cairn_core::keychain::NoKeychain;
use cairn_core::ledger::Ledger;
use cairn_core::{vault, KdfParams};
use criterion::{criterion_group, criterion_main, Criterion};
use secrecy::SecretString;

fn unlock(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let password = SecretString::from("a reasonably long password");
    let keys = vault::create(dir.path(), &password, KdfParams::RELEASE, &NoKeychain).unwrap();
    drop(Ledger::open(dir.path(), &keys).unwrap());

    let mut group = c.benchmark_group("unlock");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("full", |b| {
        b.iter(|| {
            let unlocked =
                vault::unlock(dir.path(), &password, &NoKeychain, KdfParams::RELEASE).unwrap();
            black_box(Ledger::open(dir.path(), &unlocked.keys).unwrap());
        })
    });
    group.finish();

    let mut group = c.benchmark_group("per_guess");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    let salt = [7u8; 32];
    group.bench_function("argon2id_64MiB_t3_p4", |b| {
        let p = KdfParams::RELEASE;
        let params =
            argon2::Params::new(p.memory_kib, p.iterations, p.parallelism, Some(32)).unwrap();
        let argon =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = [0u8; 32];
        b.iter(|| {
            argon
                .hash_password_into(black_box(b"guess"), &salt, &mut out)
                .unwrap()
        })
    });
    group.bench_function("pbkdf2_sha256_600k", |b| {
        let iterations = NonZeroU32::new(600_000).unwrap();
        let mut out = [0u8; 32];
        b.iter(|| {
            ring::pbkdf2::derive(
                ring::pbkdf2::PBKDF2_HMAC_SHA256,
                iterations,
                &salt,
                black_box(b"guess"),
                &mut out,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, unlock);
criterion_main!(benches);
