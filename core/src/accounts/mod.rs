//! Accounts: the wallet's own accounts — key sources (phrases and imported keys, sealed in the
//! ledger), HD derivation of further accounts, names, order and visibility, the signer for an
//! account (a smart account signs with its owner's key), and the receive view.
//!
//! May use: `session`, `store`, `keys`, `chain` (network facts), `primitives`.

pub mod backup;
pub mod receive;

use alloy::signers::local::PrivateKeySigner;
use cairn_api::Account;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::keys::vault::{self, VaultError, VaultKeys};
use crate::keys::{self, KeyError};
use crate::primitives::qr::QrError;
use crate::primitives::units::{format_address, parse_address, AddressError};
use crate::session::{Ctx, SessionError};
use crate::store::audit::AuditEvent;
use crate::store::ledger::{self, AccountRow, Ledger, LedgerError, NewAccount};

/// Why an account could not be made, changed or used.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("an account name is 1 to 64 characters")]
    InvalidName,
    #[error("{0}")]
    Unsupported(String),
    #[error("internal error: {0}")]
    Internal(String),
    #[error("{0}")]
    BackupCheck(String),
    #[error("{0} is a passkey's Safe: its passkey signs for it, and no key of this wallet can")]
    SignedByPasskey(String),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Address(#[from] AddressError),
}

impl From<QrError> for AccountsError {
    fn from(e: QrError) -> Self {
        AccountsError::Internal(e.to_string())
    }
}

type Result<T, E = AccountsError> = std::result::Result<T, E>;

/// What a wallet's keys come from.
#[derive(Debug)]
pub enum KeySpec {
    /// A new BIP-39 phrase of 12 or 24 words.
    NewMnemonic { words: usize },
    /// An existing phrase, with an optional BIP-39 passphrase.
    Mnemonic {
        phrase: SecretString,
        passphrase: Option<SecretString>,
    },
    /// A raw secp256k1 private key, 0x-prefixed hex.
    PrivateKey(SecretString),
}

impl KeySpec {
    /// A phrase or a private key, told apart by their form (a key is 64 hex digits, `0x`
    /// optional).
    pub fn from_secret(secret: SecretString, passphrase: Option<SecretString>) -> KeySpec {
        let text = secret.expose_secret().trim();
        if keys::looks_like_private_key(text) {
            KeySpec::PrivateKey(secret)
        } else {
            KeySpec::Mnemonic {
                phrase: secret,
                passphrase,
            }
        }
    }
}

/// The secret a key source holds, as sealed in the ledger.
#[derive(Serialize, Deserialize)]
pub(crate) struct SealedSecret {
    pub(crate) phrase: Option<String>,
    pub(crate) passphrase: Option<String>,
    pub(crate) private_key: Option<String>,
}

impl Drop for SealedSecret {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.phrase.zeroize();
        self.passphrase.zeroize();
        self.private_key.zeroize();
    }
}

/// The accounts as the UI shows them, each smart account naming its owner's address.
pub(crate) fn accounts_with_owners(ledger: &Ledger, include_hidden: bool) -> Result<Vec<Account>> {
    let all = ledger.accounts(true)?;
    Ok(all
        .iter()
        .filter(|row| include_hidden || !row.hidden)
        .map(|row| {
            let mut account = to_account(row);
            account.owner = row
                .smart
                .and_then(|m| m.owner_key())
                .and_then(|id| all.iter().find(|o| o.id == id).map(|o| o.address.clone()));
            account
        })
        .collect())
}

pub(crate) fn to_account(row: &AccountRow) -> Account {
    Account {
        address: row.address.clone(),
        name: row.name.clone(),
        path: row
            .derivation_index
            .map(keys::account_path)
            .unwrap_or_default(),
        key_source_id: row.key_source_id,
        hidden: row.hidden,
        smart: row.smart.map(|s| match s.kind {
            crate::primitives::aa::SmartKind::Safe => "safe".to_string(),
            crate::primitives::aa::SmartKind::Simple => s.version.as_str().to_string(),
        }),
        owner: None,
    }
}

fn seal_label(key_source_id: i64) -> String {
    format!("key_source:{key_source_id}")
}

/// The key source's first account and what to seal, checked before anything is written.
pub(crate) struct Prepared {
    pub(crate) kind: &'static str,
    pub(crate) label: &'static str,
    pub(crate) secret: SealedSecret,
    pub(crate) index: Option<u32>,
    pub(crate) address: String,
    pub(crate) generated: Option<SecretString>,
}

pub(crate) fn prepare(spec: KeySpec) -> Result<Prepared> {
    match spec {
        KeySpec::NewMnemonic { words } => {
            let phrase = keys::generate_mnemonic(words)?;
            let address = format_address(&keys::derive_address(&phrase, 0)?);
            Ok(Prepared {
                kind: "mnemonic",
                label: "Recovery phrase",
                secret: SealedSecret {
                    phrase: Some(phrase.expose_secret().to_string()),
                    passphrase: None,
                    private_key: None,
                },
                index: Some(0),
                address,
                generated: Some(phrase),
            })
        }
        KeySpec::Mnemonic { phrase, passphrase } => {
            let phrase = keys::validate_mnemonic(&phrase)?;
            let passphrase = passphrase.filter(|p| !p.expose_secret().is_empty());
            let address =
                format_address(&keys::derive_signer(&phrase, passphrase.as_ref(), 0)?.address());
            Ok(Prepared {
                kind: "mnemonic",
                label: "Imported phrase",
                secret: SealedSecret {
                    phrase: Some(phrase.expose_secret().to_string()),
                    passphrase: passphrase.map(|p| p.expose_secret().to_string()),
                    private_key: None,
                },
                index: Some(0),
                address,
                generated: None,
            })
        }
        KeySpec::PrivateKey(key) => {
            let signer = keys::parse_private_key(&key)?;
            Ok(Prepared {
                kind: "private_key",
                label: "Imported key",
                secret: SealedSecret {
                    phrase: None,
                    passphrase: None,
                    // One form on disk and in exports, however it was typed.
                    private_key: Some(format!(
                        "0x{}",
                        *Zeroizing::new(hex::encode(signer.to_bytes()))
                    )),
                },
                index: None,
                address: format_address(&signer.address()),
                generated: None,
            })
        }
    }
}

pub(crate) fn store_key_source(
    ledger: &mut Ledger,
    keys: &VaultKeys,
    prepared: &Prepared,
    event: AuditEvent,
) -> Result<AccountRow> {
    let plaintext = Zeroizing::new(
        serde_json::to_vec(&prepared.secret).map_err(|e| AccountsError::Internal(e.to_string()))?,
    );
    let name = format!("Account {}", ledger.accounts(true)?.len() + 1);
    Ok(ledger.insert_key_source(
        prepared.kind,
        prepared.label,
        // A phrase made here is on paper only once the user shows it is; one typed in was
        // already written down.
        prepared.generated.is_none(),
        |id| {
            vault::seal(&keys.sealing_key, &seal_label(id), &plaintext)
                .map_err(|e| ledger::LedgerError::Integrity(e.to_string()))
        },
        NewAccount {
            derivation_index: prepared.index,
            address: &prepared.address,
            name: &name,
        },
        event,
    )?)
}

/// The signing key of one account, unsealed for the moment of its use.
pub(crate) fn signer_for(
    keys: &VaultKeys,
    ledger: &Ledger,
    account: &AccountRow,
) -> Result<PrivateKeySigner> {
    if let Some(smart) = account.smart {
        // A smart account has no key of its own: its owner signs its user operations (a
        // passkey's Safe has no key of this wallet at all).
        let owner_id = smart
            .owner_key()
            .ok_or_else(|| AccountsError::SignedByPasskey(account.address.clone()))?;
        let owner = ledger.account_by_id(owner_id)?;
        if owner.smart.is_some() {
            return Err(AccountsError::Internal(
                "a smart account owned by a smart account".into(),
            ));
        }
        return signer_for(keys, ledger, &owner);
    }
    if let Some(signer) = keys.signers.get(account.id) {
        return Ok(signer);
    }
    let source = ledger.key_source(account.key_source_id)?;
    let secret = open_secret(keys, &source.sealed, source.id)?;
    let signer = match (
        &secret.phrase,
        &secret.private_key,
        account.derivation_index,
    ) {
        (Some(phrase), _, Some(index)) => {
            let passphrase = secret.passphrase.clone().map(SecretString::from);
            Ok(keys::derive_signer(
                &SecretString::from(phrase.clone()),
                passphrase.as_ref(),
                index,
            )?)
        }
        (_, Some(key), _) => Ok(keys::parse_private_key(&SecretString::from(key.clone()))?),
        _ => Err(AccountsError::Internal(
            "the account's key source is incomplete".into(),
        )),
    }?;
    keys.signers.put(account.id, &signer);
    Ok(signer)
}

pub(crate) fn open_secret(
    keys: &VaultKeys,
    sealed: &[u8],
    key_source_id: i64,
) -> Result<SealedSecret> {
    let plain = vault::unseal(&keys.sealing_key, &seal_label(key_source_id), sealed)?;
    serde_json::from_slice(&plain)
        .map_err(|_| AccountsError::Internal("a sealed key source does not parse".into()))
}

/// The accounts service over the shared session state.
pub(crate) struct Accounts<'a> {
    pub(crate) ctx: &'a Ctx,
}

impl Accounts<'_> {
    crate::session::gate_methods!(AccountsError);

    /// Whether `address` (EIP-55) is one of the wallet's smart accounts.
    pub(crate) async fn is_smart(&self, address: &str) -> Result<bool> {
        self.with_session(|s| Ok(s.ledger.account(address)?.smart.is_some()))
            .await
    }

    /// Adds another phrase or private key to an unlocked wallet, with its first account.
    pub(crate) async fn import(&self, spec: KeySpec) -> Result<Account> {
        let prepared = prepare(spec)?;
        self.with_session(|s| {
            let row = store_key_source(
                &mut s.ledger,
                &s.keys,
                &prepared,
                AuditEvent::KeySourceImported,
            )?;
            Ok(to_account(&row))
        })
        .await
    }

    pub(crate) async fn accounts(&self, include_hidden: bool) -> Result<Vec<Account>> {
        self.with_session(|s| accounts_with_owners(&s.ledger, include_hidden))
            .await
    }

    /// Derives and stores the next account of an HD key source.
    pub(crate) async fn add_account(&self, key_source_id: i64) -> Result<Account> {
        self.with_session(|s| {
            let source = s.ledger.key_source(key_source_id)?;
            if source.kind != "mnemonic" {
                return Err(AccountsError::Unsupported(
                    "an imported private key has exactly one account".into(),
                ));
            }
            let secret = open_secret(&s.keys, &source.sealed, key_source_id)?;
            let phrase = SecretString::from(secret.phrase.clone().unwrap_or_default());
            let passphrase = secret.passphrase.clone().map(SecretString::from);
            let index = s.ledger.next_derivation_index(key_source_id)?;
            let address = format_address(
                &keys::derive_signer(&phrase, passphrase.as_ref(), index)?.address(),
            );
            let name = format!("Account {}", s.ledger.accounts(true)?.len() + 1);
            let row = s.ledger.add_account(
                key_source_id,
                NewAccount {
                    derivation_index: Some(index),
                    address: &address,
                    name: &name,
                },
            )?;
            Ok(to_account(&row))
        })
        .await
    }

    pub(crate) async fn rename_account(&self, address: &str, name: &str) -> Result<()> {
        let address = format_address(&parse_address(address)?);
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 64 {
            return Err(AccountsError::InvalidName);
        }
        self.with_session(|s| Ok(s.ledger.rename_account(&address, name)?))
            .await
    }

    pub(crate) async fn set_account_hidden(&self, address: &str, hidden: bool) -> Result<()> {
        let address = format_address(&parse_address(address)?);
        self.with_session(|s| Ok(s.ledger.set_hidden(&address, hidden)?))
            .await
    }

    pub(crate) async fn reorder_accounts(&self, addresses: &[String]) -> Result<()> {
        let addresses = addresses
            .iter()
            .map(|a| Ok(format_address(&parse_address(a)?)))
            .collect::<Result<Vec<_>>>()?;
        self.with_session(|s| Ok(s.ledger.reorder(&addresses)?))
            .await
    }
}
