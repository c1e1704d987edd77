//! The per-device secret kept in the OS keychain and mixed into the key-encryption key, so that a
//! copied vault header and ledger alone cannot be attacked offline. Reached through a small
//! trait: the OS keychain where one answers, an in-memory store in tests, none on headless
//! machines (the vault header records which, so a vault always knows what it needs to open).

#[cfg(any(test, feature = "test-support"))]
use std::collections::HashMap;
#[cfg(any(test, feature = "test-support"))]
use std::sync::Mutex;

use zeroize::Zeroizing;

#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    #[error("no OS keychain is available on this device")]
    Unavailable,
    #[error("the OS keychain refused the request: {0}")]
    Refused(String),
    #[error("this vault was created with a device secret in the OS keychain, and the keychain no longer has it")]
    SecretMissing,
}

/// Where a vault's device secret lives.
pub trait DeviceSecretStore: Send + Sync + std::fmt::Debug {
    /// The secret stored under `vault_id` (the device secret) or under a name derived from it
    /// (`<vault_id>/audit-head`, the audit log's anchor), if any.
    fn get(&self, vault_id: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeychainError>;
    /// Stores `secret` under that name, replacing what was there.
    fn set(&self, vault_id: &str, secret: &[u8]) -> Result<(), KeychainError>;
}

/// No keychain (headless machines, CI): vaults open on the password alone.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoKeychain;

impl DeviceSecretStore for NoKeychain {
    fn get(&self, _vault_id: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeychainError> {
        Err(KeychainError::Unavailable)
    }
    fn set(&self, _vault_id: &str, _secret: &[u8]) -> Result<(), KeychainError> {
        Err(KeychainError::Unavailable)
    }
}

/// A keychain in memory, shared by every handle to it: for tests.
#[cfg(any(test, feature = "test-support"))]
#[derive(Debug, Default)]
pub struct MemoryKeychain {
    secrets: Mutex<HashMap<String, Zeroizing<Vec<u8>>>>,
}

#[cfg(any(test, feature = "test-support"))]
impl MemoryKeychain {
    /// Forgets every secret, as a wiped or replaced device would.
    pub fn clear(&self) {
        if let Ok(mut map) = self.secrets.lock() {
            map.clear();
        }
    }
}

#[cfg(any(test, feature = "test-support"))]
impl DeviceSecretStore for MemoryKeychain {
    fn get(&self, vault_id: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeychainError> {
        let map = self
            .secrets
            .lock()
            .map_err(|_| KeychainError::Refused("poisoned".into()))?;
        Ok(map.get(vault_id).cloned())
    }
    fn set(&self, vault_id: &str, secret: &[u8]) -> Result<(), KeychainError> {
        let mut map = self
            .secrets
            .lock()
            .map_err(|_| KeychainError::Refused("poisoned".into()))?;
        map.insert(vault_id.to_string(), Zeroizing::new(secret.to_vec()));
        Ok(())
    }
}

/// The keychain this platform offers, or `NoKeychain` where there is none to rely on.
pub fn system_keychain() -> std::sync::Arc<dyn DeviceSecretStore> {
    match os::OsKeychain::detect() {
        Some(k) => std::sync::Arc::new(k),
        None => std::sync::Arc::new(NoKeychain),
    }
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
mod os {
    use zeroize::Zeroizing;

    use super::{DeviceSecretStore, KeychainError};

    /// The OS keychain: Secret Service on Linux (GNOME Keyring, KWallet), Keychain on macOS,
    /// Credential Manager on Windows. Entries are `org.cairn.wallet` / `<vault id>`.
    #[derive(Debug)]
    pub struct OsKeychain;

    const SERVICE: &str = "org.cairn.wallet";

    impl OsKeychain {
        pub fn detect() -> Option<OsKeychain> {
            // Without a session bus there is no Secret Service, and trying would autolaunch a
            // bus daemon on some systems: headless machines go without a keychain.
            if cfg!(target_os = "linux") && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
                return None;
            }
            Some(OsKeychain)
        }
    }

    fn refused(e: keyring::Error) -> KeychainError {
        match e {
            keyring::Error::NoStorageAccess(_) | keyring::Error::PlatformFailure(_) => {
                KeychainError::Unavailable
            }
            other => KeychainError::Refused(other.to_string()),
        }
    }

    impl DeviceSecretStore for OsKeychain {
        fn get(&self, vault_id: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeychainError> {
            let entry = keyring::Entry::new(SERVICE, vault_id).map_err(refused)?;
            match entry.get_secret() {
                Ok(secret) => Ok(Some(Zeroizing::new(secret))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(refused(e)),
            }
        }

        fn set(&self, vault_id: &str, secret: &[u8]) -> Result<(), KeychainError> {
            let entry = keyring::Entry::new(SERVICE, vault_id).map_err(refused)?;
            entry.set_secret(secret).map_err(refused)?;
            // Read it back: a store that accepts but does not keep would lock the user out.
            match entry.get_secret() {
                Ok(stored) if stored == secret => Ok(()),
                Ok(_) | Err(_) => Err(KeychainError::Refused(
                    "the keychain did not keep the secret".into(),
                )),
            }
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
mod os {
    /// No keychain backend that persists on this platform yet.
    #[derive(Debug)]
    pub struct OsKeychain;

    impl OsKeychain {
        pub fn detect() -> Option<super::NoKeychain> {
            None
        }
    }
}
