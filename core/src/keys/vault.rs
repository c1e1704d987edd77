//! The vault: how a password becomes the keys that open everything else.
//!
//! password ─Argon2id(params in the header)→ key-encryption key ─AES-256-GCM unwrap→ vault key
//! vault key ─HKDF-SHA256→ SQLCipher raw key (the ledger) and a sealing key (mnemonics, keys).
//!
//! The header (`vault.json`) holds only public parameters and the wrapped vault key; the AEAD's
//! associated data binds the vault id and format version, so a header spliced from another vault
//! or edited to another version does not open. Changing the password rewraps the vault key only.
//! Where the OS keychain answers, a random device secret kept there is mixed into the
//! key-encryption key (HMAC-SHA256 keyed by it over the Argon2id output); the header says so.
//!
//! Wrong passwords are counted in `unlock-attempts.json` (plain: it must be readable while
//! locked, and holds only counts and times); from the first failure on, each try must wait
//! 2^(failures−1) s, at most 5 minutes, before the KDF is even run.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{hkdf, hmac};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keys::keychain::{DeviceSecretStore, KeychainError};

/// The header format this build writes.
pub const FORMAT_VERSION: u32 = 1;
/// Passwords shorter than this are refused at creation.
pub const MIN_PASSWORD_CHARS: usize = cairn_api::password::MIN_CHARS;

/// Refuses a password that a guessing list would find early (`cairn_api::password`, the same
/// rules the window shows while it is typed).
pub fn check_strength(password: &SecretString) -> Result<(), VaultError> {
    match cairn_api::password::weakness(password.expose_secret()) {
        Some(w) => Err(VaultError::WeakPassword(w.reason())),
        None => Ok(()),
    }
}

/// Why the vault did not open or could not be written. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the password is wrong")]
    WrongPassword,
    #[error("too many wrong passwords: try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    #[error("the password is too weak: {0}")]
    WeakPassword(&'static str),
    #[error("a wallet already exists in {0}")]
    Exists(PathBuf),
    #[error("no wallet exists yet in {0}")]
    Missing(PathBuf),
    #[error("the vault header is damaged or not a Cairn vault: {0}")]
    Corrupt(String),
    #[error("the vault header has format {0}, which this version of Cairn does not understand")]
    UnsupportedFormat(u32),
    #[error("the vault header asks for key derivation Cairn refuses ({0}): the file was changed")]
    KdfOutOfBounds(String),
    #[error("the key derivation parameters are out of range: {0}")]
    BadKdfParams(String),
    #[error("the system's random number generator failed")]
    Rng,
    #[error("encryption failed")]
    Crypto,
    #[error("could not read or write the vault header: {0}")]
    Io(#[from] std::io::Error),
}

/// Argon2id cost, stored in the header so it can be raised later while old vaults still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl KdfParams {
    /// What every release vault uses: 64 MiB, 3 passes, 4 lanes (~150 ms on a laptop core).
    pub const RELEASE: KdfParams = KdfParams {
        memory_kib: 64 * 1024,
        iterations: 3,
        parallelism: 4,
    };

    fn argon2(&self) -> Result<argon2::Argon2<'static>, VaultError> {
        let params =
            argon2::Params::new(self.memory_kib, self.iterations, self.parallelism, Some(32))
                .map_err(|e| VaultError::BadKdfParams(e.to_string()))?;
        Ok(argon2::Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            params,
        ))
    }
}

impl KdfParams {
    /// The most a header may ask for: beyond this, unlocking would exhaust the machine (8 GiB,
    /// or 100 000 passes) — a header that asks is hostile, not a slow vault.
    pub const CEILING: KdfParams = KdfParams {
        memory_kib: 1024 * 1024,
        iterations: 16,
        parallelism: 16,
    };

    /// Whether a header's parameters are at least `floor` (the wallet's own setting: the release
    /// parameters in the app and the CLI) and at most [`KdfParams::CEILING`]. Someone who can
    /// write the files must not make the password cheaper to guess, nor the unlock a hang.
    fn within(&self, floor: &KdfParams) -> Result<(), VaultError> {
        let out = |what: &str| Err(VaultError::KdfOutOfBounds(what.to_string()));
        if self.memory_kib < floor.memory_kib || self.iterations < floor.iterations {
            return out(&format!(
                "{} KiB × {} passes is below this wallet's {} KiB × {}",
                self.memory_kib, self.iterations, floor.memory_kib, floor.iterations
            ));
        }
        if self.memory_kib > Self::CEILING.memory_kib
            || self.iterations > Self::CEILING.iterations
            || self.parallelism > Self::CEILING.parallelism
            || self.parallelism == 0
        {
            return out(&format!(
                "{} KiB × {} passes × {} lanes is beyond the most Cairn will run",
                self.memory_kib, self.iterations, self.parallelism
            ));
        }
        Ok(())
    }
}

// The architecture's floor for release vaults, enforced when compiling rather than in a test.
const _: () =
    assert!(KdfParams::RELEASE.memory_kib >= 64 * 1024 && KdfParams::RELEASE.iterations >= 3);

/// The on-disk header. Public data only.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    format: u32,
    /// Random, hex; bound into the AEAD's associated data and the HKDF salt.
    vault_id: String,
    /// Random, hex; names this device in the audit log.
    device_id: String,
    kdf: KdfParams,
    /// Argon2 salt, hex.
    salt: String,
    /// Whether an OS-keychain device secret is mixed into the key-encryption key.
    device_secret: bool,
    /// nonce ‖ AES-256-GCM(vault key) ‖ tag, hex.
    wrapped_key: String,
}

/// The keys an unlocked vault yields; zeroized when dropped.
pub struct VaultKeys {
    /// SQLCipher raw key for the ledger.
    pub ledger_key: Zeroizing<[u8; 32]>,
    /// AEAD key for secrets sealed inside the ledger.
    pub sealing_key: Zeroizing<[u8; 32]>,
    /// HMAC key of the audit log's hash chain.
    pub audit_key: Zeroizing<[u8; 32]>,
    /// This device's id (public).
    pub device_id: String,
    /// Whether the OS keychain's device secret protects this vault.
    pub device_secret: bool,
    /// The vault's id (public), hex: names its entries in the keychain.
    pub vault_id: String,
    /// Signing keys derived while unlocked, so a signature costs an ECDSA signature and not a
    /// BIP-39 seed (PBKDF2, 2 048 rounds) each time; wiped with these keys on lock.
    pub(crate) signers: SignerCache,
}

/// Derived signing keys by account id. Holds nothing the vault keys above could not derive
/// again while unlocked; each key zeroizes itself when dropped.
#[derive(Default)]
pub(crate) struct SignerCache(
    std::sync::Mutex<std::collections::HashMap<i64, alloy::signers::local::PrivateKeySigner>>,
);

impl SignerCache {
    pub(crate) fn get(&self, account_id: i64) -> Option<alloy::signers::local::PrivateKeySigner> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&account_id).cloned()
    }

    pub(crate) fn put(&self, account_id: i64, signer: &alloy::signers::local::PrivateKeySigner) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(account_id, signer.clone());
    }
}

impl std::fmt::Debug for VaultKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKeys(<redacted>)")
    }
}

/// Path of the header inside a profile directory.
pub fn header_path(dir: &Path) -> PathBuf {
    dir.join("vault.json")
}

pub fn exists(dir: &Path) -> bool {
    header_path(dir).exists()
}

fn aad(vault_id: &[u8]) -> Vec<u8> {
    let mut aad = b"cairn-vault-key".to_vec();
    aad.extend_from_slice(&FORMAT_VERSION.to_be_bytes());
    aad.extend_from_slice(vault_id);
    aad
}

fn random<const N: usize>() -> Result<Zeroizing<[u8; N]>, VaultError> {
    let mut out = Zeroizing::new([0u8; N]);
    SystemRandom::new()
        .fill(&mut out[..])
        .map_err(|_| VaultError::Rng)?;
    Ok(out)
}

fn derive_kek(
    password: &SecretString,
    salt: &[u8],
    kdf: &KdfParams,
    device_secret: Option<&[u8]>,
) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let mut kek = Zeroizing::new([0u8; 32]);
    kdf.argon2()?
        .hash_password_into(password.expose_secret().as_bytes(), salt, &mut kek[..])
        .map_err(|e| VaultError::BadKdfParams(e.to_string()))?;
    if let Some(secret) = device_secret {
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret), &kek[..]);
        kek.copy_from_slice(tag.as_ref());
    }
    Ok(kek)
}

fn wrap(kek: &[u8; 32], vault_id: &[u8], vault_key: &[u8; 32]) -> Result<String, VaultError> {
    let nonce = random::<NONCE_LEN>()?;
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, kek).map_err(|_| VaultError::Crypto)?);
    let mut sealed = Zeroizing::new(vault_key.to_vec());
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(*nonce),
        Aad::from(aad(vault_id)),
        &mut *sealed,
    )
    .map_err(|_| VaultError::Crypto)?;
    let mut wrapped = nonce.to_vec();
    wrapped.extend_from_slice(&sealed);
    Ok(hex::encode(wrapped))
}

fn read_header(dir: &Path) -> Result<Header, VaultError> {
    let bytes = match fs::read(header_path(dir)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(VaultError::Missing(dir.to_path_buf()))
        }
        Err(e) => return Err(e.into()),
    };
    let header: Header =
        serde_json::from_slice(&bytes).map_err(|e| VaultError::Corrupt(e.to_string()))?;
    // Only formats this build wrote: `0` or a future one is not a vault Cairn can vouch for.
    if header.format != FORMAT_VERSION {
        return Err(VaultError::UnsupportedFormat(header.format));
    }
    Ok(header)
}

fn write_header(dir: &Path, header: &Header) -> Result<(), VaultError> {
    let json = serde_json::to_vec_pretty(header).map_err(|e| VaultError::Corrupt(e.to_string()))?;
    write_atomically(&header_path(dir), &json)
}

fn device_secret_for(
    header: &Header,
    keychain: &dyn DeviceSecretStore,
) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
    if !header.device_secret {
        return Ok(None);
    }
    match keychain.get(&header.vault_id)? {
        Some(secret) => Ok(Some(secret)),
        None => Err(KeychainError::SecretMissing.into()),
    }
}

/// An unwrapped vault key and its vault id.
type Opened = (Zeroizing<[u8; 32]>, Vec<u8>);

/// Unwraps the vault key with `password`. No throttling here: callers go through [`guarded`].
fn open_vault_key(
    header: &Header,
    password: &SecretString,
    keychain: &dyn DeviceSecretStore,
) -> Result<Opened, VaultError> {
    let decode = |field: &str, v: &str| {
        hex::decode(v).map_err(|_| VaultError::Corrupt(format!("{field} is not hex")))
    };
    let vault_id = decode("vault_id", &header.vault_id)?;
    let salt = decode("salt", &header.salt)?;
    let wrapped = decode("wrapped_key", &header.wrapped_key)?;
    if wrapped.len() != NONCE_LEN + 32 + AES_256_GCM.tag_len() {
        return Err(VaultError::Corrupt(
            "wrapped_key has the wrong length".into(),
        ));
    }
    let device_secret = device_secret_for(header, keychain)?;
    let kek = derive_kek(
        password,
        &salt,
        &header.kdf,
        device_secret.as_deref().map(|v| &v[..]),
    )?;
    let (nonce, sealed) = wrapped.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| VaultError::Crypto)?;
    let key =
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &kek[..]).map_err(|_| VaultError::Crypto)?);
    let mut buf = Zeroizing::new(sealed.to_vec());
    let plain = key
        .open_in_place(nonce, Aad::from(aad(&vault_id)), &mut buf)
        .map_err(|_| VaultError::WrongPassword)?;
    let mut vault_key = Zeroizing::new([0u8; 32]);
    vault_key.copy_from_slice(plain);
    Ok((vault_key, vault_id))
}

struct Okm32;
impl hkdf::KeyType for Okm32 {
    fn len(&self) -> usize {
        32
    }
}

fn expand(
    vault_key: &[u8; 32],
    vault_id: &[u8],
    label: &[u8],
) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, vault_id).extract(vault_key);
    let info = [label];
    let okm = prk.expand(&info, Okm32).map_err(|_| VaultError::Crypto)?;
    let mut out = Zeroizing::new([0u8; 32]);
    okm.fill(&mut out[..]).map_err(|_| VaultError::Crypto)?;
    Ok(out)
}

fn keys_from(
    vault_key: &[u8; 32],
    vault_id: &[u8],
    header: &Header,
) -> Result<VaultKeys, VaultError> {
    Ok(VaultKeys {
        ledger_key: expand(vault_key, vault_id, b"cairn/v1/ledger-sqlcipher")?,
        sealing_key: expand(vault_key, vault_id, b"cairn/v1/sealing")?,
        audit_key: expand(vault_key, vault_id, b"cairn/v1/audit")?,
        device_id: header.device_id.clone(),
        device_secret: header.device_secret,
        vault_id: header.vault_id.clone(),
        signers: SignerCache::default(),
    })
}

/// Creates a new vault header in `dir` and returns the keys it yields. Refuses to overwrite.
/// A device secret is put in `keychain` when it accepts one; otherwise the vault relies on the
/// password alone and its header says so.
pub fn create(
    dir: &Path,
    password: &SecretString,
    kdf: KdfParams,
    keychain: &dyn DeviceSecretStore,
) -> Result<VaultKeys, VaultError> {
    check_strength(password)?;
    if header_path(dir).exists() {
        return Err(VaultError::Exists(dir.to_path_buf()));
    }
    let vault_id = random::<16>()?;
    let device_id = random::<8>()?;
    let salt = random::<32>()?;
    let vault_key = random::<32>()?;
    let vault_id_hex = hex::encode(&vault_id[..]);
    let secret = random::<32>()?;
    let device_secret = match keychain.set(&vault_id_hex, &secret[..]) {
        Ok(()) => true,
        Err(e) => {
            tracing::info!(reason = %e, "no device secret: the vault relies on the password alone");
            false
        }
    };
    let kek = derive_kek(
        password,
        &salt[..],
        &kdf,
        device_secret.then_some(&secret[..]),
    )?;
    let header = Header {
        format: FORMAT_VERSION,
        vault_id: vault_id_hex,
        device_id: hex::encode(&device_id[..]),
        kdf,
        salt: hex::encode(&salt[..]),
        device_secret,
        wrapped_key: wrap(&kek, &vault_id[..], &vault_key)?,
    };
    crate::keys::files::private_dir(dir)?;
    write_header(dir, &header)?;
    keys_from(&vault_key, &vault_id[..], &header)
}

/// What a successful unlock yields: the keys, and the times (unix seconds) of wrong passwords
/// tried since the last success, for the audit log.
#[derive(Debug)]
pub struct Unlocked {
    pub keys: VaultKeys,
    pub failed_attempts: Vec<u64>,
}

/// Opens the vault in `dir` with `password`, subject to the attempt throttle. A header whose
/// key-derivation parameters are below `floor` (or absurdly high) is refused before any attempt
/// is made or counted.
pub fn unlock(
    dir: &Path,
    password: &SecretString,
    keychain: &dyn DeviceSecretStore,
    floor: KdfParams,
) -> Result<Unlocked, VaultError> {
    let header = read_header(dir)?;
    header.kdf.within(&floor)?;
    let ((vault_key, vault_id), failed_attempts) =
        guarded(dir, attempts_anchor(&header, keychain), || {
            open_vault_key(&header, password, keychain)
        })?;
    Ok(Unlocked {
        keys: keys_from(&vault_key, &vault_id, &header)?,
        failed_attempts,
    })
}

/// Rewraps the vault key under `new` (fresh salt, current KDF parameters); the ledger and every
/// sealed secret stay as they are. Counts as an attempt for the throttle.
pub fn change_password(
    dir: &Path,
    old: &SecretString,
    new: &SecretString,
    kdf: KdfParams,
    keychain: &dyn DeviceSecretStore,
) -> Result<Vec<u64>, VaultError> {
    check_strength(new)?;
    let mut header = read_header(dir)?;
    header.kdf.within(&kdf)?;
    let ((vault_key, vault_id), failed) = guarded(dir, attempts_anchor(&header, keychain), || {
        open_vault_key(&header, old, keychain)
    })?;
    let salt = random::<32>()?;
    let device_secret = device_secret_for(&header, keychain)?;
    let kek = derive_kek(
        new,
        &salt[..],
        &kdf,
        device_secret.as_deref().map(|v| &v[..]),
    )?;
    header.salt = hex::encode(&salt[..]);
    header.kdf = kdf;
    header.wrapped_key = wrap(&kek, &vault_id, &vault_key)?;
    write_header(dir, &header)?;
    Ok(failed)
}

/// Seconds until the next password attempt is allowed (0: now).
pub fn retry_after(dir: &Path) -> u64 {
    Attempts::load(dir).wait_secs(now_ms())
}

/// Milliseconds: a one-second delay measured in whole seconds could end at once.
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The persisted wrong-password record.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Attempts {
    failures: u32,
    last_failure_ms: u64,
    /// Failure times (Unix seconds) not yet written to the (encrypted) audit log.
    unaudited: Vec<u64>,
}

/// Longest wait between attempts.
const MAX_DELAY_SECS: u64 = 300;
/// At most this many unaudited failure times are kept; beyond it the count still grows.
const MAX_UNAUDITED: usize = 1000;

impl Attempts {
    fn path(dir: &Path) -> PathBuf {
        dir.join("unlock-attempts.json")
    }

    fn load(dir: &Path) -> Attempts {
        let bytes = match fs::read(Self::path(dir)) {
            Ok(b) => b,
            // No record: no failures since the last success.
            Err(_) => return Attempts::default(),
        };
        let now = now_ms();
        match serde_json::from_slice::<Attempts>(&bytes) {
            Ok(mut a) => {
                // A failure "in the future" would lock the owner out until then: it counts as
                // now, so no wait is ever longer than the longest.
                a.last_failure_ms = a.last_failure_ms.min(now);
                a
            }
            // A damaged record fails closed, to the longest wait and no longer.
            Err(_) => Attempts {
                failures: u32::BITS,
                last_failure_ms: now,
                unaudited: vec![now / 1000],
            },
        }
    }

    fn save(&self, dir: &Path) -> Result<(), VaultError> {
        let json = serde_json::to_vec(self).map_err(|e| VaultError::Corrupt(e.to_string()))?;
        write_atomically(&Self::path(dir), &json)
    }

    fn delay_secs(failures: u32) -> u64 {
        if failures == 0 {
            return 0;
        }
        1u64.checked_shl(failures - 1)
            .unwrap_or(u64::MAX)
            .min(MAX_DELAY_SECS)
    }

    /// Whole seconds left to wait, rounded up: "1 s" until the wait is really over.
    fn wait_secs(&self, now_ms: u64) -> u64 {
        let until = self
            .last_failure_ms
            .saturating_add(Self::delay_secs(self.failures).saturating_mul(1000));
        until.saturating_sub(now_ms).div_ceil(1000)
    }
}

/// Runs a password check under the throttle: refuses early while a delay runs, records a wrong
/// password, and on success clears the record and hands back the failures to audit.
fn guarded(
    dir: &Path,
    anchor: Option<(&dyn DeviceSecretStore, String)>,
    check: impl FnOnce() -> Result<Opened, VaultError>,
) -> Result<(Opened, Vec<u64>), VaultError> {
    // One attempt at a time across every process and thread: parallel guesses would otherwise
    // all read the same record and be tried together, with one failure recorded.
    let lock = crate::keys::files::create_private(&dir.join("unlock.lock"))?;
    lock.lock()?;
    let mut attempts = Attempts::load(dir);
    // Where the vault has a keychain, the run of failures is kept there too: deleting the file
    // does not reset the wait. The worse of the two records counts.
    if let Some((keychain, name)) = &anchor {
        if let Ok(Some(bytes)) = keychain.get(name) {
            if let Some((failures, last)) = anchored_attempts(&bytes) {
                if failures > attempts.failures {
                    attempts.failures = failures;
                    attempts.last_failure_ms = last.min(now_ms());
                }
            }
        }
    }
    let remember = |a: &Attempts| {
        if let Some((keychain, name)) = &anchor {
            let mut bytes = a.failures.to_be_bytes().to_vec();
            bytes.extend_from_slice(&a.last_failure_ms.to_be_bytes());
            if let Err(e) = keychain.set(name, &bytes) {
                tracing::warn!(error = %e, "the unlock attempts could not be anchored");
            }
        }
    };
    let now = now_ms();
    let wait = attempts.wait_secs(now);
    if wait > 0 {
        return Err(VaultError::Throttled {
            retry_after_secs: wait,
        });
    }
    match check() {
        Ok((key, id)) => {
            if attempts.failures > 0 {
                remember(&Attempts::default());
            }
            if attempts.failures > 0 || !attempts.unaudited.is_empty() {
                fs::remove_file(Attempts::path(dir)).or_else(|e| {
                    if e.kind() == std::io::ErrorKind::NotFound {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })?;
            }
            Ok(((key, id), attempts.unaudited))
        }
        Err(VaultError::WrongPassword) => {
            // The wait runs from when the failure is known, not from before the key derivation
            // (which can take longer than the first wait on a slow machine).
            let failed_at = now_ms();
            attempts.failures = attempts.failures.saturating_add(1);
            attempts.last_failure_ms = failed_at;
            if attempts.unaudited.len() < MAX_UNAUDITED {
                attempts.unaudited.push(failed_at / 1000);
            }
            attempts.save(dir)?;
            remember(&attempts);
            Err(VaultError::WrongPassword)
        }
        Err(e) => Err(e),
    }
}

/// The keychain's copy of the run of failures: (failures, last failure in ms).
fn anchored_attempts(bytes: &[u8]) -> Option<(u32, u64)> {
    let failures = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?);
    let last = u64::from_be_bytes(bytes.get(4..12)?.try_into().ok()?);
    Some((failures, last))
}

/// The keychain name of a vault's anchored unlock attempts, where it has a keychain.
fn attempts_anchor<'a>(
    header: &Header,
    keychain: &'a dyn DeviceSecretStore,
) -> Option<(&'a dyn DeviceSecretStore, String)> {
    header
        .device_secret
        .then(|| (keychain, format!("{}/unlock-attempts", header.vault_id)))
}

/// Seals a secret with the vault's sealing key: nonce ‖ ciphertext ‖ tag. `label` names what it
/// is (e.g. `key_source:1`) and is bound as associated data, so sealed blobs cannot be swapped.
pub fn seal(sealing_key: &[u8; 32], label: &str, plaintext: &[u8]) -> Result<Vec<u8>, VaultError> {
    let nonce = random::<NONCE_LEN>()?;
    let key = LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, sealing_key).map_err(|_| VaultError::Crypto)?,
    );
    let mut buf = Zeroizing::new(plaintext.to_vec());
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(*nonce),
        Aad::from(label.as_bytes()),
        &mut *buf,
    )
    .map_err(|_| VaultError::Crypto)?;
    let mut out = nonce.to_vec();
    out.extend_from_slice(&buf);
    Ok(out)
}

/// Opens what [`seal`] sealed under the same label.
pub fn unseal(
    sealing_key: &[u8; 32],
    label: &str,
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
        return Err(VaultError::Corrupt("sealed secret is truncated".into()));
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| VaultError::Crypto)?;
    let key = LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, sealing_key).map_err(|_| VaultError::Crypto)?,
    );
    let mut buf = Zeroizing::new(body.to_vec());
    let len = key
        .open_in_place(nonce, Aad::from(label.as_bytes()), &mut buf)
        .map_err(|_| {
            VaultError::Corrupt(
                "a sealed secret does not open: the ledger was tampered with".into(),
            )
        })?
        .len();
    buf.truncate(len);
    Ok(buf)
}

/// Writes `bytes` to `path` so that a crash leaves either the old file or the new one whole.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), VaultError> {
    let tmp = path.with_extension("json.tmp");
    {
        let mut file = crate::keys::files::create_private(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent() {
        // Persist the rename itself; a directory fsync is a no-op where unsupported.
        if let Ok(dir) = fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

/// Cheap parameters for unit tests of everything *around* the KDF. Never used by the app.
#[cfg(test)]
pub(crate) const TEST_KDF: KdfParams = KdfParams {
    memory_kib: 1024,
    iterations: 1,
    parallelism: 1,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::keychain::{MemoryKeychain, NoKeychain};

    fn pw(s: &str) -> SecretString {
        SecretString::from(s)
    }

    #[test]
    fn the_right_password_yields_the_same_keys() {
        let dir = tempfile::tempdir().unwrap();
        let created = create(dir.path(), &pw("correct horse"), TEST_KDF, &NoKeychain).unwrap();
        let opened = unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF)
            .unwrap()
            .keys;
        assert_eq!(*created.ledger_key, *opened.ledger_key);
        assert_eq!(*created.sealing_key, *opened.sealing_key);
        assert_ne!(*opened.ledger_key, *opened.sealing_key);
    }

    #[test]
    fn a_wrong_password_is_a_typed_error_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), &pw("correct horse"), TEST_KDF, &NoKeychain).unwrap();
        let before = fs::read(header_path(dir.path())).unwrap();
        assert!(matches!(
            unlock(dir.path(), &pw("correct horsE"), &NoKeychain, TEST_KDF),
            Err(VaultError::WrongPassword)
        ));
        assert_eq!(before, fs::read(header_path(dir.path())).unwrap());
    }

    #[test]
    fn refuses_weak_passwords_and_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            create(dir.path(), &pw("short"), TEST_KDF, &NoKeychain),
            Err(VaultError::WeakPassword(_))
        ));
        create(dir.path(), &pw("long enough"), TEST_KDF, &NoKeychain).unwrap();
        assert!(matches!(
            create(dir.path(), &pw("long enough"), TEST_KDF, &NoKeychain),
            Err(VaultError::Exists(_))
        ));
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            unlock(empty.path(), &pw("long enough"), &NoKeychain, TEST_KDF),
            Err(VaultError::Missing(_))
        ));
    }

    #[test]
    fn a_header_with_another_vault_id_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), &pw("correct horse"), TEST_KDF, &NoKeychain).unwrap();
        let path = header_path(dir.path());
        let mut header: Header = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        header.vault_id = "00".repeat(16);
        fs::write(&path, serde_json::to_vec(&header).unwrap()).unwrap();
        assert!(matches!(
            unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF),
            Err(VaultError::WrongPassword)
        ));
        fs::write(&path, b"{not json").unwrap();
        assert!(matches!(
            unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF),
            Err(VaultError::Corrupt(_))
        ));
    }

    #[test]
    fn the_header_holds_no_key_material_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let keys = create(dir.path(), &pw("correct horse"), TEST_KDF, &NoKeychain).unwrap();
        let text = fs::read_to_string(header_path(dir.path())).unwrap();
        assert!(!text.contains(&hex::encode(*keys.ledger_key)));
        assert!(!text.contains(&hex::encode(*keys.sealing_key)));
        assert!(!text.contains("correct horse"));
    }

    #[test]
    fn sealed_secrets_are_bound_to_their_label() {
        let key = [7u8; 32];
        let sealed = seal(&key, "key_source:1", b"abandon abandon").unwrap();
        assert_eq!(
            &unseal(&key, "key_source:1", &sealed).unwrap()[..],
            b"abandon abandon"
        );
        assert!(unseal(&key, "key_source:2", &sealed).is_err());
        assert!(unseal(&[8u8; 32], "key_source:1", &sealed).is_err());
        assert!(unseal(&key, "key_source:1", &sealed[..10]).is_err());
    }

    #[test]
    fn wrong_passwords_make_the_next_try_wait_and_persist() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), &pw("correct horse"), TEST_KDF, &NoKeychain).unwrap();
        assert_eq!(retry_after(dir.path()), 0);
        assert!(matches!(
            unlock(dir.path(), &pw("nope nope"), &NoKeychain, TEST_KDF),
            Err(VaultError::WrongPassword)
        ));
        // Even the right password waits while the delay runs: the KDF is not run at all.
        assert!(matches!(
            unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF),
            Err(VaultError::Throttled {
                retry_after_secs: 1
            })
        ));
        // The record survives a restart (it is a file), and the delay doubles.
        let mut attempts = Attempts::load(dir.path());
        assert_eq!(attempts.failures, 1);
        attempts.last_failure_ms -= 1000;
        attempts.save(dir.path()).unwrap();
        assert!(matches!(
            unlock(dir.path(), &pw("nope again"), &NoKeychain, TEST_KDF),
            Err(VaultError::WrongPassword)
        ));
        assert_eq!(retry_after(dir.path()), 2);
        let mut attempts = Attempts::load(dir.path());
        attempts.last_failure_ms -= 2000;
        attempts.save(dir.path()).unwrap();
        let opened = unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF).unwrap();
        assert_eq!(opened.failed_attempts.len(), 2);
        assert_eq!(retry_after(dir.path()), 0);
        assert!(
            unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF)
                .unwrap()
                .failed_attempts
                .is_empty()
        );
    }

    #[test]
    fn delays_grow_and_are_capped() {
        let delays: Vec<u64> = (0..12).map(Attempts::delay_secs).collect();
        assert_eq!(&delays[..6], &[0, 1, 2, 4, 8, 16]);
        assert_eq!(Attempts::delay_secs(10), 300);
        assert_eq!(Attempts::delay_secs(u32::MAX), 300);
    }

    #[test]
    fn a_device_secret_is_needed_when_the_header_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let keychain = MemoryKeychain::default();
        let created = create(dir.path(), &pw("correct horse"), TEST_KDF, &keychain).unwrap();
        assert!(created.device_secret);
        let opened = unlock(dir.path(), &pw("correct horse"), &keychain, TEST_KDF)
            .unwrap()
            .keys;
        assert_eq!(*created.ledger_key, *opened.ledger_key);
        // The header and ledger copied to a machine without that keychain entry do not open.
        assert!(matches!(
            unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF),
            Err(VaultError::Keychain(KeychainError::Unavailable))
        ));
        keychain.clear();
        assert!(matches!(
            unlock(dir.path(), &pw("correct horse"), &keychain, TEST_KDF),
            Err(VaultError::Keychain(KeychainError::SecretMissing))
        ));
    }

    #[test]
    fn changing_the_password_keeps_every_key() {
        let dir = tempfile::tempdir().unwrap();
        let before = create(dir.path(), &pw("correct horse"), TEST_KDF, &NoKeychain).unwrap();
        assert!(matches!(
            change_password(
                dir.path(),
                &pw("correct horse"),
                &pw("short"),
                TEST_KDF,
                &NoKeychain
            ),
            Err(VaultError::WeakPassword(_))
        ));
        change_password(
            dir.path(),
            &pw("correct horse"),
            &pw("battery staple"),
            TEST_KDF,
            &NoKeychain,
        )
        .unwrap();
        let after = unlock(dir.path(), &pw("battery staple"), &NoKeychain, TEST_KDF)
            .unwrap()
            .keys;
        assert_eq!(*before.ledger_key, *after.ledger_key);
        assert_eq!(*before.sealing_key, *after.sealing_key);
        assert_eq!(*before.audit_key, *after.audit_key);
        assert!(matches!(
            unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF),
            Err(VaultError::WrongPassword)
        ));
    }

    #[test]
    fn a_header_outside_the_bounds_is_refused_before_any_attempt() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), &pw("correct horse"), TEST_KDF, &NoKeychain).unwrap();
        let original = fs::read(header_path(dir.path())).unwrap();
        let tamper = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut h: serde_json::Value = serde_json::from_slice(&original).unwrap();
            edit(&mut h);
            fs::write(header_path(dir.path()), serde_json::to_vec(&h).unwrap()).unwrap();
        };
        // Cheaper to guess than this wallet allows: memory, then passes, lowered.
        tamper(&|h| h["kdf"]["memory_kib"] = 8.into());
        let err = unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF).unwrap_err();
        assert!(matches!(err, VaultError::KdfOutOfBounds(_)), "{err}");
        // A release wallet refuses a header below the release parameters, right password or not.
        tamper(&|_| {});
        let err = unlock(
            dir.path(),
            &pw("correct horse"),
            &NoKeychain,
            KdfParams::RELEASE,
        )
        .unwrap_err();
        assert!(matches!(err, VaultError::KdfOutOfBounds(_)), "{err}");
        // A hang in disguise: 100 000 passes, or 8 GiB.
        tamper(&|h| h["kdf"]["iterations"] = 100_000.into());
        let err = unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF).unwrap_err();
        assert!(matches!(err, VaultError::KdfOutOfBounds(_)), "{err}");
        tamper(&|h| h["kdf"]["memory_kib"] = (8u64 * 1024 * 1024).into());
        let err = unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF).unwrap_err();
        assert!(matches!(err, VaultError::KdfOutOfBounds(_)), "{err}");
        // A format this build never wrote.
        tamper(&|h| h["format"] = 0.into());
        let err = unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF).unwrap_err();
        assert!(matches!(err, VaultError::UnsupportedFormat(0)), "{err}");
        // None of it counted as a wrong password.
        assert_eq!(retry_after(dir.path()), 0);
        tamper(&|_| {});
        unlock(dir.path(), &pw("correct horse"), &NoKeychain, TEST_KDF).unwrap();
    }

    #[test]
    fn parallel_guesses_are_tried_one_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), &pw("correct horse"), TEST_KDF, &NoKeychain).unwrap();
        let results: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let dir = dir.path();
                    scope.spawn(move || {
                        unlock(
                            dir,
                            &pw(&format!("guess number {i}")),
                            &NoKeychain,
                            TEST_KDF,
                        )
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let wrong = results
            .iter()
            .filter(|r| matches!(r, Err(VaultError::WrongPassword)))
            .count();
        let throttled = results
            .iter()
            .filter(|r| matches!(r, Err(VaultError::Throttled { .. })))
            .count();
        // The first guess is tried; the others find its wait running.
        assert_eq!((wrong, throttled), (1, 7), "{results:?}");
    }

    #[test]
    fn a_damaged_or_future_record_waits_at_most_the_longest_wait() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), &pw("correct horse"), TEST_KDF, &NoKeychain).unwrap();
        fs::write(Attempts::path(dir.path()), b"{damaged").unwrap();
        let wait = retry_after(dir.path());
        assert!(wait > 0 && wait <= MAX_DELAY_SECS, "{wait}");
        let far = Attempts {
            failures: 1,
            last_failure_ms: now_ms() + 10 * 365 * 24 * 3600 * 1000,
            unaudited: vec![],
        };
        fs::write(
            Attempts::path(dir.path()),
            serde_json::to_vec(&far).unwrap(),
        )
        .unwrap();
        assert!(
            retry_after(dir.path()) <= 1,
            "a future failure locked the owner out"
        );
    }

    #[test]
    fn the_wait_runs_from_when_the_failure_is_known() {
        // A check slower than the first wait (Argon2 on a loaded machine): the next attempt,
        // made at once, still waits.
        let dir = tempfile::tempdir().unwrap();
        let slow_failure = || {
            std::thread::sleep(std::time::Duration::from_millis(1200));
            Err(VaultError::WrongPassword)
        };
        assert!(matches!(
            guarded(dir.path(), None, slow_failure),
            Err(VaultError::WrongPassword)
        ));
        assert!(matches!(
            guarded(dir.path(), None, || Err(VaultError::WrongPassword)),
            Err(VaultError::Throttled {
                retry_after_secs: 1
            })
        ));
    }

    #[test]
    fn deleting_the_attempts_file_does_not_reset_the_wait_where_a_keychain_is() {
        let dir = tempfile::tempdir().unwrap();
        let keychain = MemoryKeychain::default();
        create(dir.path(), &pw("correct horse"), TEST_KDF, &keychain).unwrap();
        assert!(matches!(
            unlock(dir.path(), &pw("wrong guess"), &keychain, TEST_KDF),
            Err(VaultError::WrongPassword)
        ));
        fs::remove_file(Attempts::path(dir.path())).unwrap();
        assert!(matches!(
            unlock(dir.path(), &pw("next guess"), &keychain, TEST_KDF),
            Err(VaultError::Throttled { .. })
        ));
        // The wait over, the right password clears both records.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        unlock(dir.path(), &pw("correct horse"), &keychain, TEST_KDF).unwrap();
        unlock(dir.path(), &pw("correct horse"), &keychain, TEST_KDF).unwrap();
    }
}
