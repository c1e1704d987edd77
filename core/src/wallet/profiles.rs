//! Profiles: several independent wallets on one device, each a directory of its own
//! (`<root>/profiles/<name>/`: vault header, ledger, audit head, attempt record). Chosen at start.

use std::path::{Path, PathBuf};
use std::sync::RwLock;

use crate::wallet::{Wallet, WalletConfig};

pub const DEFAULT_PROFILE: &str = "default";

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("a profile name is 1 to 32 characters of a-z, 0-9, '-' and '_'; {0:?} is not")]
    BadName(String),
    #[error("could not list profiles in {path}: {reason}")]
    Io { path: PathBuf, reason: String },
}

pub fn validate_name(name: &str) -> Result<(), ProfileError> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(ProfileError::BadName(name.to_string()))
    }
}

/// The directory of profile `name` under `root`.
pub fn dir(root: &Path, name: &str) -> Result<PathBuf, ProfileError> {
    validate_name(name)?;
    Ok(root.join("profiles").join(name))
}

/// The profiles that hold a wallet, sorted by name.
pub fn list(root: &Path) -> Result<Vec<String>, ProfileError> {
    let base = root.join("profiles");
    let entries = match std::fs::read_dir(&base) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(ProfileError::Io {
                path: base,
                reason: e.to_string(),
            })
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| crate::keys::vault::exists(&e.path()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| validate_name(n).is_ok())
        .collect();
    names.sort();
    Ok(names)
}

/// The wallet profiles of one device and the one in use: what a front end holds. Switching locks
/// the wallet in use (dropping its secrets) before the other one is opened.
#[derive(Debug)]
pub struct Device {
    root: PathBuf,
    /// The configuration every profile is opened with; only `data_dir` differs.
    template: WalletConfig,
    current: RwLock<(String, Wallet)>,
    /// The sealed channel to the page, shared by every profile: it carries their passwords.
    channel: crate::keys::channel::ChannelDesk,
    /// The device's passkey authenticator, given to every profile's wallet.
    authenticator: RwLock<Option<std::sync::Arc<dyn crate::passkeys::Authenticator>>>,
}

impl Device {
    /// Opens profile `name` under `root` (its directory is created, its vault is not).
    pub fn open(root: &Path, name: &str, template: WalletConfig) -> crate::Result<Device> {
        let wallet = Self::wallet_for(root, name, &template)?;
        Ok(Device {
            root: root.to_path_buf(),
            template,
            current: RwLock::new((name.to_string(), wallet)),
            channel: crate::keys::channel::ChannelDesk::new(),
            authenticator: RwLock::new(None),
        })
    }

    fn wallet_for(root: &Path, name: &str, template: &WalletConfig) -> crate::Result<Wallet> {
        let data_dir = dir(root, name)?;
        crate::keys::files::private_dir(&data_dir).map_err(|e| ProfileError::Io {
            path: data_dir.clone(),
            reason: e.to_string(),
        })?;
        Wallet::new(WalletConfig {
            data_dir,
            ..template.clone()
        })
    }

    /// The wallet of the profile in use (a cheap handle on shared state).
    /// The sealed channel for secrets between the page and the core.
    pub fn channel(&self) -> &crate::keys::channel::ChannelDesk {
        &self.channel
    }

    pub fn wallet(&self) -> Wallet {
        // A poisoned lock only means a panic elsewhere mid-switch; the pair is still whole.
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .1
            .clone()
    }

    /// The passkey authenticator of this device (the app's plugin; a software one only in a
    /// test build): the profile in use gets it now, the others when they are opened.
    pub fn set_authenticator(
        &self,
        authenticator: std::sync::Arc<dyn crate::passkeys::Authenticator>,
    ) {
        self.wallet().set_authenticator(authenticator.clone());
        *self
            .authenticator
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(authenticator);
    }

    /// The name of the profile in use.
    pub fn current(&self) -> String {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .clone()
    }

    /// The profiles holding a wallet, plus the one in use even before it has one.
    pub fn list(&self) -> Result<Vec<String>, ProfileError> {
        let mut names = list(&self.root)?;
        let current = self.current();
        if !names.contains(&current) {
            names.push(current);
            names.sort();
        }
        Ok(names)
    }

    /// Locks the wallet in use and makes profile `name` (existing or new) the one in use.
    pub async fn switch(&self, name: &str) -> crate::Result<Wallet> {
        validate_name(name)?;
        let old = self.wallet();
        if self.current() == name {
            return Ok(old);
        }
        old.lock().await;
        // Nothing listens for a profile that is not in use.
        old.bridge_shutdown();
        let wallet = Self::wallet_for(&self.root, name, &self.template)?;
        if let Some(a) = self
            .authenticator
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            wallet.set_authenticator(a);
        }
        *self.current.write().unwrap_or_else(|e| e.into_inner()) =
            (name.to_string(), wallet.clone());
        tracing::info!(profile = name, "profile switched");
        Ok(wallet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_path_components() {
        for good in ["default", "work-2", "a_b"] {
            validate_name(good).unwrap();
        }
        for bad in ["", "..", "a/b", "Work", "x".repeat(33).as_str(), "a b"] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_profiles_with_a_vault_are_listed() {
        let root = tempfile::tempdir().unwrap();
        assert!(list(root.path()).unwrap().is_empty());
        let work = dir(root.path(), "work").unwrap();
        std::fs::create_dir_all(&work).unwrap();
        assert!(list(root.path()).unwrap().is_empty());
        std::fs::write(crate::keys::vault::header_path(&work), "{}").unwrap();
        std::fs::create_dir_all(dir(root.path(), "empty").unwrap()).unwrap();
        assert_eq!(list(root.path()).unwrap(), vec!["work"]);
    }

    async fn unlocked(device: &Device) -> bool {
        matches!(
            device.wallet().status().await.unwrap(),
            cairn_api::WalletStatus::Unlocked { .. }
        )
    }

    #[tokio::test]
    async fn switching_locks_the_profile_in_use_and_keeps_each_wallet_apart() {
        use secrecy::SecretString;
        let root = tempfile::tempdir().unwrap();
        let template = WalletConfig {
            data_dir: PathBuf::new(),
            network: crate::Network::devnet("http://127.0.0.1:9"),
            kdf: crate::keys::vault::TEST_KDF,
            keychain: std::sync::Arc::new(crate::keys::keychain::NoKeychain),
        };
        let device = Device::open(root.path(), DEFAULT_PROFILE, template).unwrap();
        assert_eq!(device.list().unwrap(), vec!["default"]);
        let home = device
            .wallet()
            .create(
                SecretString::from("home password"),
                crate::KeySpec::NewMnemonic { words: 12 },
            )
            .await
            .unwrap();
        assert!(unlocked(&device).await);

        let work = device.switch("work").await.unwrap();
        assert!(!unlocked(&device).await);
        assert_eq!(device.current(), "work");
        let work_account = work
            .create(
                SecretString::from("work password"),
                crate::KeySpec::NewMnemonic { words: 12 },
            )
            .await
            .unwrap()
            .account;
        assert_ne!(work_account.address, home.account.address);
        assert_eq!(device.list().unwrap(), vec!["default", "work"]);

        // Back to the first: locked, its own password, its own account.
        device.switch("default").await.unwrap();
        assert!(!unlocked(&device).await);
        let accounts = device
            .wallet()
            .unlock(SecretString::from("home password"))
            .await
            .unwrap();
        assert_eq!(accounts[0].address, home.account.address);
        device.wallet().lock().await;
        assert!(matches!(
            device
                .wallet()
                .unlock(SecretString::from("work password"))
                .await,
            Err(crate::Error::Vault(
                crate::keys::vault::VaultError::WrongPassword
            ))
        ));
        assert!(matches!(
            device.switch("../escape").await,
            Err(crate::Error::Profile(ProfileError::BadName(_)))
        ));
        assert_eq!(device.current(), "default");
    }
}
