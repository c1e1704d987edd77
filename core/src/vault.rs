//! The vault: how a password becomes the keys that open everything else.
//!
//! password ─Argon2id(params in the header)→ key-encryption key ─AES-256-GCM unwrap→ vault key
//! vault key ─HKDF-SHA256→ SQLCipher raw key (the ledger) and a sealing key (mnemonics, keys).
//!
//! The header (`vault.json`) holds only public parameters and the wrapped vault key; the AEAD's
//! associated data binds the vault id and format version, so a header spliced from another vault
//! or edited to another version does not open. Changing the password rewraps the vault key only.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The header format this build writes.
pub const FORMAT_VERSION: u32 = 1;
/// Passwords shorter than this are refused at creation.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Why the vault did not open or could not be written. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the password is wrong")]
    WrongPassword,
    #[error("the password must have at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    #[error("a wallet already exists in {0}")]
    Exists(PathBuf),
    #[error("no wallet exists yet in {0}")]
    Missing(PathBuf),
    #[error("the vault header is damaged or not a Cairn vault: {0}")]
    Corrupt(String),
    #[error("the vault header has format {0}, newer than this version of Cairn understands")]
    UnsupportedFormat(u32),
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

// The architecture's floor for release vaults, enforced when compiling rather than in a test.
const _: () =
    assert!(KdfParams::RELEASE.memory_kib >= 64 * 1024 && KdfParams::RELEASE.iterations >= 3);

/// The on-disk header. Public data only.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    format: u32,
    /// Random, hex; bound into the AEAD's associated data and the HKDF salt.
    vault_id: String,
    kdf: KdfParams,
    /// Argon2 salt, hex.
    salt: String,
    /// Whether an OS-keychain device secret is mixed into the key-encryption key. Not yet used:
    /// the keychain arrives with the full vault; recorded now so old headers say what they need.
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
) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let mut kek = Zeroizing::new([0u8; 32]);
    kdf.argon2()?
        .hash_password_into(password.expose_secret().as_bytes(), salt, &mut kek[..])
        .map_err(|e| VaultError::BadKdfParams(e.to_string()))?;
    Ok(kek)
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

fn keys_from(vault_key: &[u8; 32], vault_id: &[u8]) -> Result<VaultKeys, VaultError> {
    Ok(VaultKeys {
        ledger_key: expand(vault_key, vault_id, b"cairn/v1/ledger-sqlcipher")?,
        sealing_key: expand(vault_key, vault_id, b"cairn/v1/sealing")?,
    })
}

/// Creates a new vault header in `dir` and returns the keys it yields. Refuses to overwrite.
pub fn create(
    dir: &Path,
    password: &SecretString,
    kdf: KdfParams,
) -> Result<VaultKeys, VaultError> {
    if password.expose_secret().chars().count() < MIN_PASSWORD_CHARS {
        return Err(VaultError::WeakPassword);
    }
    let path = header_path(dir);
    if path.exists() {
        return Err(VaultError::Exists(dir.to_path_buf()));
    }
    let vault_id = random::<16>()?;
    let salt = random::<32>()?;
    let vault_key = random::<32>()?;
    let kek = derive_kek(password, &salt[..], &kdf)?;

    let nonce = random::<NONCE_LEN>()?;
    let key =
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &kek[..]).map_err(|_| VaultError::Crypto)?);
    let mut sealed = Zeroizing::new(vault_key.to_vec());
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(*nonce),
        Aad::from(aad(&vault_id[..])),
        &mut *sealed,
    )
    .map_err(|_| VaultError::Crypto)?;
    let mut wrapped = nonce.to_vec();
    wrapped.extend_from_slice(&sealed);

    let header = Header {
        format: FORMAT_VERSION,
        vault_id: hex::encode(&vault_id[..]),
        kdf,
        salt: hex::encode(&salt[..]),
        device_secret: false,
        wrapped_key: hex::encode(wrapped),
    };
    fs::create_dir_all(dir)?;
    let json =
        serde_json::to_vec_pretty(&header).map_err(|e| VaultError::Corrupt(e.to_string()))?;
    write_atomically(&path, &json)?;
    keys_from(&vault_key, &vault_id[..])
}

/// Opens the vault in `dir` with `password`.
pub fn unlock(dir: &Path, password: &SecretString) -> Result<VaultKeys, VaultError> {
    let path = header_path(dir);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(VaultError::Missing(dir.to_path_buf()))
        }
        Err(e) => return Err(e.into()),
    };
    let header: Header =
        serde_json::from_slice(&bytes).map_err(|e| VaultError::Corrupt(e.to_string()))?;
    if header.format > FORMAT_VERSION {
        return Err(VaultError::UnsupportedFormat(header.format));
    }
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
    let kek = derive_kek(password, &salt, &header.kdf)?;
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
    keys_from(&vault_key, &vault_id)
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
        let mut file = fs::File::create(&tmp)?;
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

    fn pw(s: &str) -> SecretString {
        SecretString::from(s)
    }

    #[test]
    fn the_right_password_yields_the_same_keys() {
        let dir = tempfile::tempdir().unwrap();
        let created = create(dir.path(), &pw("correct horse"), TEST_KDF).unwrap();
        let opened = unlock(dir.path(), &pw("correct horse")).unwrap();
        assert_eq!(*created.ledger_key, *opened.ledger_key);
        assert_eq!(*created.sealing_key, *opened.sealing_key);
        assert_ne!(*opened.ledger_key, *opened.sealing_key);
    }

    #[test]
    fn a_wrong_password_is_a_typed_error_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), &pw("correct horse"), TEST_KDF).unwrap();
        let before = fs::read(header_path(dir.path())).unwrap();
        assert!(matches!(
            unlock(dir.path(), &pw("correct horsE")),
            Err(VaultError::WrongPassword)
        ));
        assert_eq!(before, fs::read(header_path(dir.path())).unwrap());
    }

    #[test]
    fn refuses_weak_passwords_and_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            create(dir.path(), &pw("short"), TEST_KDF),
            Err(VaultError::WeakPassword)
        ));
        create(dir.path(), &pw("long enough"), TEST_KDF).unwrap();
        assert!(matches!(
            create(dir.path(), &pw("long enough"), TEST_KDF),
            Err(VaultError::Exists(_))
        ));
        let empty = tempfile::tempdir().unwrap();
        assert!(matches!(
            unlock(empty.path(), &pw("long enough")),
            Err(VaultError::Missing(_))
        ));
    }

    #[test]
    fn a_header_with_another_vault_id_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        create(dir.path(), &pw("correct horse"), TEST_KDF).unwrap();
        let path = header_path(dir.path());
        let mut header: Header = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        header.vault_id = "00".repeat(16);
        fs::write(&path, serde_json::to_vec(&header).unwrap()).unwrap();
        assert!(matches!(
            unlock(dir.path(), &pw("correct horse")),
            Err(VaultError::WrongPassword)
        ));
        fs::write(&path, b"{not json").unwrap();
        assert!(matches!(
            unlock(dir.path(), &pw("correct horse")),
            Err(VaultError::Corrupt(_))
        ));
    }

    #[test]
    fn the_header_holds_no_key_material_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let keys = create(dir.path(), &pw("correct horse"), TEST_KDF).unwrap();
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
}
