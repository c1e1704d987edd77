//! The `Wallet` handle: the one entry point of the core, shared by the app shell, the `cairn`
//! CLI and the tests. Holds the profile's directory, the network client and, while unlocked,
//! the open ledger and the vault's keys (dropped and zeroized on lock).

use std::path::{Path, PathBuf};

use alloy::primitives::U256;
use cairn_api::{Account, Balance, Funded, WalletStatus};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;

use crate::chain::Chain;
use crate::error::{Error, Result};
use crate::keys;
use crate::ledger::{self, AccountRow, Ledger};
use crate::network::Network;
use crate::units::{format_address, format_units, parse_address, parse_units};
use crate::vault::{self, KdfParams, VaultKeys};

/// How a wallet is opened.
#[derive(Debug, Clone)]
pub struct WalletConfig {
    /// The profile's directory: vault header, ledger, nothing else.
    pub data_dir: PathBuf,
    pub network: Network,
    /// Argon2id cost for a *new* vault; an existing vault uses the cost in its header.
    pub kdf: KdfParams,
}

/// A new wallet: its first account and the recovery phrase, for the user to write down.
#[derive(Debug)]
pub struct NewWallet {
    pub account: Account,
    pub mnemonic: SecretString,
}

/// What `cairn doctor` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DoctorReport {
    pub integrity: String,
}

struct Session {
    ledger: Ledger,
    // Held for signing and export, which arrive with the next issues.
    #[allow(dead_code)]
    keys: VaultKeys,
}

#[derive(Debug)]
pub struct Wallet {
    config: WalletConfig,
    chain: Chain,
    session: Mutex<Option<Session>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session(<unlocked>)")
    }
}

fn to_account(row: &AccountRow) -> Account {
    Account {
        address: row.address.clone(),
        name: row.name.clone(),
        path: row
            .derivation_index
            .map(keys::account_path)
            .unwrap_or_default(),
    }
}

/// Runs a CPU-heavy step (Argon2id) off the async executor.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Internal(format!("a background task failed: {e}")))?
}

impl Wallet {
    /// Opens the wallet handle for a profile. Touches neither the network nor the vault: the
    /// wallet starts locked (or without a vault) and works offline.
    pub fn new(config: WalletConfig) -> Result<Wallet> {
        let chain = Chain::new(config.network.clone())?;
        Ok(Wallet {
            config,
            chain,
            session: Mutex::new(None),
        })
    }

    pub fn network(&self) -> &Network {
        self.chain.network()
    }

    pub fn data_dir(&self) -> &Path {
        &self.config.data_dir
    }

    pub async fn status(&self) -> Result<WalletStatus> {
        let network = self.network().info();
        let session = self.session.lock().await;
        Ok(match &*session {
            Some(s) => WalletStatus::Unlocked {
                network,
                accounts: s.ledger.accounts()?.iter().map(to_account).collect(),
            },
            None if vault::exists(&self.config.data_dir) => WalletStatus::Locked { network },
            None => WalletStatus::NoVault { network },
        })
    }

    /// Creates the vault, the ledger and a new mnemonic with its first account, and leaves the
    /// wallet unlocked. If any step fails, nothing of the new wallet stays on disk.
    pub async fn create(&self, password: SecretString, words: usize) -> Result<NewWallet> {
        let mut session = self.session.lock().await;
        let dir = self.config.data_dir.clone();
        if vault::exists(&dir) {
            return Err(vault::VaultError::Exists(dir).into());
        }
        let mnemonic = keys::generate_mnemonic(words)?;
        let address = format_address(&keys::derive_address(&mnemonic, 0)?);
        let kdf = self.config.kdf;
        let keys = blocking({
            let dir = dir.clone();
            move || Ok(vault::create(&dir, &password, kdf)?)
        })
        .await?;
        let result = (|| -> Result<(Ledger, AccountRow)> {
            let mut ledger = Ledger::open(&dir, &keys.ledger_key)?;
            let row = ledger.insert_key_source_with_account(
                "mnemonic",
                "Recovery phrase 1",
                |id| {
                    vault::seal(
                        &keys.sealing_key,
                        &format!("key_source:{id}"),
                        mnemonic.expose_secret().as_bytes(),
                    )
                },
                Some(0),
                &address,
                "Account 1",
            )??;
            ledger.integrity_check()?;
            Ok((ledger, row))
        })();
        match result {
            Ok((ledger, row)) => {
                tracing::info!(address = %row.address, "wallet created");
                *session = Some(Session { ledger, keys });
                Ok(NewWallet {
                    account: to_account(&row),
                    mnemonic,
                })
            }
            Err(e) => {
                tracing::warn!(error = %e, "wallet creation failed; removing its partial files");
                for path in [vault::header_path(&dir), ledger::ledger_path(&dir)] {
                    let _ = std::fs::remove_file(&path);
                }
                for suffix in ["-wal", "-shm"] {
                    let mut p = ledger::ledger_path(&dir).into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
                Err(e)
            }
        }
    }

    /// Unlocks with the password; returns the accounts.
    pub async fn unlock(&self, password: SecretString) -> Result<Vec<Account>> {
        let mut session = self.session.lock().await;
        let dir = self.config.data_dir.clone();
        let keys = blocking(move || Ok(vault::unlock(&dir, &password)?)).await;
        let keys = match keys {
            Ok(k) => k,
            Err(e) => {
                tracing::warn!(error = %e, "unlock failed");
                return Err(e);
            }
        };
        let ledger = Ledger::open(&self.config.data_dir, &keys.ledger_key)?;
        let accounts = ledger.accounts()?.iter().map(to_account).collect();
        *session = Some(Session { ledger, keys });
        tracing::info!("wallet unlocked");
        Ok(accounts)
    }

    /// Drops the ledger connection and every key; they are zeroized on drop.
    pub async fn lock(&self) {
        if self.session.lock().await.take().is_some() {
            tracing::info!("wallet locked");
        }
    }

    /// Health of the unlocked ledger (`PRAGMA integrity_check`).
    pub async fn doctor(&self) -> Result<DoctorReport> {
        let session = self.session.lock().await;
        let s = session.as_ref().ok_or(Error::Locked)?;
        s.ledger.integrity_check()?;
        Ok(DoctorReport {
            integrity: "ok".into(),
        })
    }

    pub async fn accounts(&self) -> Result<Vec<Account>> {
        let session = self.session.lock().await;
        let s = session.as_ref().ok_or(Error::Locked)?;
        Ok(s.ledger.accounts()?.iter().map(to_account).collect())
    }

    /// The native balance of any address, read from the chain; needs no unlock.
    pub async fn balance(&self, address: &str) -> Result<Balance> {
        let parsed = parse_address(address)?;
        let at = self.chain.balance(parsed).await?;
        let network = self.network();
        Ok(Balance {
            address: format_address(&parsed),
            wei: at.wei.to_string(),
            formatted: format_units(at.wei, network.currency_decimals)?,
            symbol: network.currency_symbol.clone(),
            block_number: at.block_number,
        })
    }

    /// Devnet only: funds `address` with `amount` (in ETH, e.g. `10`) from the node's dev account.
    pub async fn devnet_fund(&self, address: &str, amount: &str) -> Result<Funded> {
        let to = parse_address(address)?;
        let wei: U256 = parse_units(amount, self.network().currency_decimals)?;
        let hash = self.chain.devnet_fund(to, wei).await?;
        tracing::info!(to = %format_address(&to), %amount, tx = %hash, "devnet faucet sent");
        Ok(Funded {
            tx_hash: hash.to_string(),
            balance: self.balance(address).await?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::TEST_KDF;

    fn wallet(dir: &Path) -> Wallet {
        Wallet::new(WalletConfig {
            data_dir: dir.to_path_buf(),
            // Nothing listens on port 9: these tests are about the offline side.
            network: Network::devnet("http://127.0.0.1:9"),
            kdf: TEST_KDF,
        })
        .unwrap()
    }

    #[tokio::test]
    async fn create_lock_unlock_keeps_the_account() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        assert!(matches!(
            w.status().await.unwrap(),
            WalletStatus::NoVault { .. }
        ));
        let created = w
            .create(SecretString::from("correct horse"), 12)
            .await
            .unwrap();
        assert_eq!(created.mnemonic.expose_secret().split(' ').count(), 12);
        let expected = format_address(&keys::derive_address(&created.mnemonic, 0).unwrap());
        assert_eq!(created.account.address, expected);
        assert_eq!(created.account.path, "m/44'/60'/0'/0/0");

        w.lock().await;
        assert!(matches!(
            w.status().await.unwrap(),
            WalletStatus::Locked { .. }
        ));
        assert!(matches!(w.accounts().await, Err(Error::Locked)));
        assert!(matches!(
            w.unlock(SecretString::from("wrong horse")).await,
            Err(Error::Vault(vault::VaultError::WrongPassword))
        ));

        // A new handle, as after a restart.
        let w = wallet(dir.path());
        let accounts = w.unlock(SecretString::from("correct horse")).await.unwrap();
        assert_eq!(accounts, vec![created.account]);
    }

    #[tokio::test]
    async fn a_second_create_is_refused_and_keeps_the_first_wallet() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let first = w
            .create(SecretString::from("correct horse"), 12)
            .await
            .unwrap();
        assert!(matches!(
            w.create(SecretString::from("another pass"), 12).await,
            Err(Error::Vault(vault::VaultError::Exists(_)))
        ));
        w.lock().await;
        assert_eq!(
            w.unlock(SecretString::from("correct horse")).await.unwrap()[0],
            first.account
        );
    }

    #[tokio::test]
    async fn a_weak_password_leaves_nothing_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        assert!(matches!(
            w.create(SecretString::from("short"), 12).await,
            Err(Error::Vault(vault::VaultError::WeakPassword))
        ));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[tokio::test]
    async fn a_dead_node_is_a_network_error_not_a_hang() {
        let dir = tempfile::tempdir().unwrap();
        let w = wallet(dir.path());
        let err = w
            .balance("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
            .await
            .unwrap_err();
        assert_eq!(err.code(), cairn_api::ErrorCode::Network, "{err}");
        let err = w.balance("0xnot-an-address").await.unwrap_err();
        assert_eq!(err.code(), cairn_api::ErrorCode::InvalidInput);
    }
}
