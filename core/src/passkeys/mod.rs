//! Passkeys: the authenticator that holds them, behind one interface (a platform authenticator
//! through the app's plugin, a security key, or — in tests only — a software one), and the
//! credentials the wallet knows, kept in the ledger. Adding a passkey asks the authenticator
//! for a new credential; checking one asks it to sign a fresh challenge and verifies the answer
//! as Safe's contracts will (`primitives::aa::webauthn`) before anything depends on it.
//! Signing for a Safe: the passkey's signer proxy on the network (asked of the factory once,
//! then kept for offline use) and an assertion over the SafeOp hash, verified here before it
//! becomes the operation's contract signature.
//!
//! May use: `session`, `store`, `chain`, `primitives`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use alloy::primitives::{Address, B256, U256};
use cairn_api::PasskeyInfo;

use crate::chain::rpc::ChainError;
use crate::primitives::aa::safe::PasskeyDeployment;
use crate::primitives::aa::webauthn::{self, base64url, PasskeyKey, WebAuthnError};
use crate::primitives::units::format_address;
use crate::session::{Ctx, SessionError};
use crate::store::ledger::LedgerError;
use crate::store::passkeys::PasskeyRow;

#[cfg(feature = "test-support")]
pub mod soft;

/// The software authenticator, when this build carries one (`test-support`) and the
/// environment asks for it (`CAIRN_SOFT_PASSKEYS=1`: the GUI test's app, the CLI tests, which
/// keep its credentials in `CAIRN_SOFT_PASSKEYS_FILE`). Never otherwise.
pub fn soft_authenticator_from_env() -> Option<Arc<dyn Authenticator>> {
    #[cfg(feature = "test-support")]
    if std::env::var("CAIRN_SOFT_PASSKEYS").as_deref() == Ok("1") {
        return match std::env::var_os("CAIRN_SOFT_PASSKEYS_FILE") {
            Some(file) => match soft::SoftAuthenticator::kept_in(file.into()) {
                Ok(a) => Some(Arc::new(a)),
                Err(e) => {
                    tracing::warn!(error = %e, "the software authenticator's file cannot be read");
                    None
                }
            },
            None => Some(Arc::new(soft::SoftAuthenticator::default())),
        };
    }
    None
}

/// The challenge type of [`Authenticator::assert`], for front ends that implement one.
pub use alloy::primitives::B256 as Challenge;

/// 32 random bytes (a challenge, a user handle), from the system's generator.
pub fn random_bytes() -> Result<[u8; 32]> {
    let mut bytes = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes)
        .map_err(|_| PasskeyError::Random)?;
    Ok(bytes)
}

/// The relying party Cairn's passkeys are made for (its domain serves the association files
/// platform authenticators ask for; see docs/SECURITY.md).
pub const RP_ID: &str = "cairn.app";

/// Why a passkey step failed.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("no passkey authenticator Cairn can use on this device: it uses Windows Hello, Android's Credential Manager or a USB security key")]
    NoAuthenticator,
    #[error("the authenticator refused: {0}")]
    Authenticator(String),
    #[error("no passkey {0}")]
    NotFound(i64),
    #[error("a passkey's name is 1 to 64 characters")]
    BadLabel,
    #[error("the authenticator's answer does not hold: {0}")]
    Assertion(#[from] WebAuthnError),
    #[error("the authenticator's signature does not verify with this passkey's public key")]
    BadSignature,
    #[error("no randomness for a challenge")]
    Random,
    #[error("passkeys cannot own accounts on this network (chain {0}): Safe's passkey contracts are not known here")]
    NotOnNetwork(u64),
    #[error("where this passkey signs on this network is not known yet: connect once, then it can sign offline too")]
    SignerUnknown,
    #[error("the passkey factory gave no signer address for this passkey")]
    BadFactoryAnswer,
    #[error("passkey \"{label}\" still owns {account}: remove it from the account first, or it could no longer sign there")]
    StillOwns { label: String, account: String },
    #[error("passkey \"{label}\" is the one {account} was made with: the wallet keeps it as long as it keeps that account")]
    MadeAccount { label: String, account: String },
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

pub type Result<T, E = PasskeyError> = std::result::Result<T, E>;

/// A new credential, as the authenticator made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredential {
    pub credential_id: Vec<u8>,
    pub x: U256,
    pub y: U256,
}

/// An authenticator's answer to a `get` (WebAuthn's assertion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    pub authenticator_data: Vec<u8>,
    pub client_data_json: Vec<u8>,
    /// DER ECDSA P-256.
    pub signature: Vec<u8>,
}

/// What an authenticator's future returns; errors are its own words.
pub type AuthFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// Where passkeys live. Front ends give the wallet theirs (`Wallet::set_authenticator`);
/// without one, every passkey step says there is none.
pub trait Authenticator: Send + Sync + std::fmt::Debug {
    /// `navigator.credentials.create`: an ES256 credential for `rp_id`, user verification
    /// required.
    fn create<'a>(&'a self, rp_id: &'a str, user: &'a str) -> AuthFuture<'a, NewCredential>;
    /// `navigator.credentials.get` for `credential_id`, over `challenge`, user verification
    /// required.
    fn assert<'a>(
        &'a self,
        rp_id: &'a str,
        credential_id: &'a [u8],
        challenge: B256,
    ) -> AuthFuture<'a, Assertion>;
}

fn info(r: PasskeyRow) -> PasskeyInfo {
    PasskeyInfo {
        id: r.id,
        credential_id: r.credential_id,
        rp_id: r.rp_id,
        x: r.x,
        y: r.y,
        label: r.label,
        created_at: r.created_at,
        last_used_at: r.last_used_at,
    }
}

fn word(v: U256) -> String {
    format!("0x{}", hex::encode(v.to_be_bytes::<32>()))
}

/// A passkey as a Safe's signer on one network: its credential, its key and the signer proxy
/// a Safe lists among its owners.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PasskeySigner {
    pub(crate) id: i64,
    pub(crate) label: String,
    pub(crate) credential: Vec<u8>,
    pub(crate) key: PasskeyKey,
    pub(crate) address: Address,
}

/// The key as the contracts on `chain_id` verify it: the P-256 precompile, the FCL verifier
/// behind it.
pub(crate) fn key_on(row: &PasskeyRow, chain_id: u64) -> Result<PasskeyKey> {
    let d = PasskeyDeployment::for_chain(chain_id).ok_or(PasskeyError::NotOnNetwork(chain_id))?;
    let parse = |v: &str| {
        v.parse::<U256>()
            .map_err(|_| PasskeyError::NotFound(row.id))
    };
    Ok(PasskeyKey {
        x: parse(&row.x)?,
        y: parse(&row.y)?,
        precompile: Some(webauthn::P256_PRECOMPILE),
        fallback: d.fcl_verifier,
    })
}

pub(crate) struct Passkeys<'a> {
    pub(crate) ctx: &'a Ctx,
    pub(crate) authenticator: Option<Arc<dyn Authenticator>>,
}

impl Passkeys<'_> {
    crate::session::gate_methods!(PasskeyError);

    fn authenticator(&self) -> Result<&Arc<dyn Authenticator>> {
        self.authenticator
            .as_ref()
            .ok_or(PasskeyError::NoAuthenticator)
    }

    /// Asks the authenticator for a new passkey, checks it signs as its public key says (a
    /// fresh challenge), and keeps it under `label`.
    pub(crate) async fn add(&self, label: &str) -> Result<PasskeyInfo> {
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 64 {
            return Err(PasskeyError::BadLabel);
        }
        let auth = self.authenticator()?;
        let made = auth
            .create(RP_ID, label)
            .await
            .map_err(PasskeyError::Authenticator)?;
        self.prove(&made.credential_id, made.x, made.y).await?;
        let id = base64url(&made.credential_id);
        let (x, y) = (word(made.x), word(made.y));
        let row = self
            .with_session(|s| Ok(s.ledger.add_passkey(&id, RP_ID, &x, &y, label)?))
            .await?;
        Ok(info(row))
    }

    /// A read the window repeats with each block: not activity (it must not keep the wallet
    /// from locking itself).
    pub(crate) async fn list(&self) -> Result<Vec<PasskeyInfo>> {
        let rows = self
            .with_session_quiet(|s| Ok(s.ledger.passkeys()?))
            .await?;
        Ok(rows.into_iter().map(info).collect())
    }

    /// Forgets passkey `id`; refused while it owns one of this wallet's Safes on the active
    /// network (as the node says), since the wallet could then no longer sign with it there.
    pub(crate) async fn remove(&self, id: i64, owned: &[String]) -> Result<()> {
        let (row, made) = self
            .with_session(|s| Ok((s.ledger.passkey(id)?, s.ledger.passkey_safe(id)?)))
            .await?;
        let row = row.ok_or(PasskeyError::NotFound(id))?;
        if let Some(account) = made {
            return Err(PasskeyError::MadeAccount {
                label: row.label,
                account: account.address,
            });
        }
        if let Some(account) = owned.first() {
            return Err(PasskeyError::StillOwns {
                label: row.label,
                account: account.clone(),
            });
        }
        if self
            .with_session(|s| Ok(s.ledger.remove_passkey(id)?))
            .await?
        {
            Ok(())
        } else {
            Err(PasskeyError::NotFound(id))
        }
    }

    /// Asks the authenticator to sign a fresh challenge with passkey `id` and verifies the
    /// answer: the passkey is still there and still the key the wallet knows.
    pub(crate) async fn check(&self, id: i64) -> Result<PasskeyInfo> {
        let row = self
            .with_session(|s| Ok(s.ledger.passkey(id)?))
            .await?
            .ok_or(PasskeyError::NotFound(id))?;
        let credential =
            webauthn::from_base64url(&row.credential_id).ok_or(PasskeyError::NotFound(id))?;
        let parse = |v: &str| v.parse::<U256>().map_err(|_| PasskeyError::NotFound(id));
        self.prove(&credential, parse(&row.x)?, parse(&row.y)?)
            .await?;
        let row = self
            .with_session(|s| {
                s.ledger.touch_passkey(id)?;
                Ok(s.ledger.passkey(id)?)
            })
            .await?
            .ok_or(PasskeyError::NotFound(id))?;
        Ok(info(row))
    }

    /// One assertion over a random challenge, checked as the contracts check it.
    async fn prove(&self, credential: &[u8], x: U256, y: U256) -> Result<()> {
        let challenge = B256::from(random_bytes()?);
        let a = self
            .authenticator()?
            .assert(RP_ID, credential, challenge)
            .await
            .map_err(PasskeyError::Authenticator)?;
        webauthn::client_data_fields(&a.client_data_json, challenge)?;
        webauthn::check_flags(&a.authenticator_data)?;
        let (r, s) = webauthn::der_to_rs(&a.signature)?;
        if !webauthn::verify(x, y, &a.authenticator_data, &a.client_data_json, r, s) {
            return Err(PasskeyError::BadSignature);
        }
        Ok(())
    }

    /// Passkey `id` as a Safe signer on the active network: its signer proxy's address, from
    /// the ledger or (once) from the factory.
    pub(crate) async fn signer(&self, id: i64) -> Result<PasskeySigner> {
        let chain_id = self.ctx.network().chain_id;
        let (row, known) = self
            .with_session(|s| {
                let row = s.ledger.passkey(id)?.ok_or(PasskeyError::NotFound(id))?;
                let known = s.ledger.passkey_signer(id, chain_id)?;
                Ok((row, known))
            })
            .await?;
        let key = key_on(&row, chain_id)?;
        let credential =
            webauthn::from_base64url(&row.credential_id).ok_or(PasskeyError::NotFound(id))?;
        let address = match known.and_then(|a| a.parse::<Address>().ok()) {
            Some(a) => a,
            None => {
                let d = PasskeyDeployment::for_chain(chain_id)
                    .ok_or(PasskeyError::NotOnNetwork(chain_id))?;
                let answer = match self
                    .ctx
                    .chain()
                    .call(d.signer_factory, &key.get_signer_call())
                    .await
                {
                    Ok(a) => a,
                    Err(e) if e.is_offline() => return Err(PasskeyError::SignerUnknown),
                    Err(e) => return Err(e.into()),
                };
                // One ABI word holding an address: twelve zero bytes, then twenty not all zero.
                let address = (answer.len() == 32 && answer[..12].iter().all(|b| *b == 0))
                    .then(|| Address::from_slice(&answer[12..]))
                    .filter(|a| !a.is_zero())
                    .ok_or(PasskeyError::BadFactoryAnswer)?;
                let text = format_address(&address);
                self.with_session(|s| Ok(s.ledger.set_passkey_signer(id, chain_id, &text)?))
                    .await?;
                address
            }
        };
        Ok(PasskeySigner {
            id,
            label: row.label,
            credential,
            key,
            address,
        })
    }

    /// The passkey whose signer on the active network is `address`, when the wallet has it.
    pub(crate) async fn signer_at(&self, address: Address) -> Result<Option<PasskeySigner>> {
        let chain_id = self.ctx.network().chain_id;
        let text = format_address(&address);
        let row = self
            .with_session(|s| Ok(s.ledger.passkey_by_signer(chain_id, &text)?))
            .await?;
        match row {
            Some(row) => Ok(Some(self.signer(row.id).await?)),
            None => Ok(None),
        }
    }

    /// The passkey's signature over `hash` (a SafeOp hash) as Safe's passkey signers take it,
    /// checked against the key first: a wrong answer from the authenticator fails here, not
    /// as a rejected operation.
    pub(crate) async fn sign(&self, signer: &PasskeySigner, hash: B256) -> Result<Vec<u8>> {
        let a = self
            .authenticator()?
            .assert(RP_ID, &signer.credential, hash)
            .await
            .map_err(PasskeyError::Authenticator)?;
        let encoded = webauthn::safe_signature(
            hash,
            &a.authenticator_data,
            &a.client_data_json,
            &a.signature,
        )?;
        let (r, s) = webauthn::der_to_rs(&a.signature)?;
        if !webauthn::verify(
            signer.key.x,
            signer.key.y,
            &a.authenticator_data,
            &a.client_data_json,
            r,
            s,
        ) {
            return Err(PasskeyError::BadSignature);
        }
        let id = signer.id;
        self.with_session(|s| Ok(s.ledger.touch_passkey(id)?))
            .await?;
        Ok(encoded)
    }

    /// Passkey `id` as the signer its own Safe was set up with: the shared signer, which reads
    /// the key from that Safe's storage (no proxy, no node needed).
    pub(crate) async fn shared_signer(&self, id: i64) -> Result<PasskeySigner> {
        let chain_id = self.ctx.network().chain_id;
        let d =
            PasskeyDeployment::for_chain(chain_id).ok_or(PasskeyError::NotOnNetwork(chain_id))?;
        // A read (the account list asks it too): not activity.
        let row = self
            .with_session_quiet(|s| Ok(s.ledger.passkey(id)?))
            .await?
            .ok_or(PasskeyError::NotFound(id))?;
        let key = key_on(&row, chain_id)?;
        let credential =
            webauthn::from_base64url(&row.credential_id).ok_or(PasskeyError::NotFound(id))?;
        Ok(PasskeySigner {
            id,
            label: row.label,
            credential,
            key,
            address: d.shared_signer,
        })
    }

    /// This wallet's Safes that passkey `id` owns on the active network, as the node says: its
    /// signer proxy among a Safe's owners, or the shared signer among the owners of the Safe
    /// made for it (which owns that Safe before it is deployed, too). Offline, the ones it
    /// might own are named, so nothing is forgotten on a guess.
    pub(crate) async fn owned_accounts(&self, id: i64) -> Result<Vec<String>> {
        let chain_id = self.ctx.network().chain_id;
        let shared = PasskeyDeployment::for_chain(chain_id).map(|d| d.shared_signer);
        let (signer, safes) = self
            .with_session_quiet(|s| {
                let signer = s.ledger.passkey_signer(id, chain_id)?;
                let safes: Vec<(String, bool)> = s
                    .ledger
                    .accounts(true)?
                    .into_iter()
                    .filter_map(|a| {
                        let m = a.smart?;
                        (m.kind == crate::primitives::aa::SmartKind::Safe)
                            .then(|| (a.address, m.passkey() == Some(id)))
                    })
                    .collect();
                Ok((signer, safes))
            })
            .await?;
        let signer = signer.and_then(|a| a.parse::<Address>().ok());
        // Per Safe, the owner that would be this passkey there.
        let targets: Vec<(String, Address, Address)> = safes
            .into_iter()
            .filter_map(|(safe, own)| {
                let owner = if own { shared } else { signer }?;
                safe.parse::<Address>().ok().map(|a| (safe, a, owner))
            })
            .collect();
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        let calls: Vec<(Address, alloy::primitives::Bytes)> = targets
            .iter()
            .map(|(_, a, _)| (*a, crate::primitives::aa::safe::get_owners_call().into()))
            .collect();
        // One batched request for every Safe.
        let answers = match self.ctx.chain().calls(&calls).await {
            Ok(answers) => answers,
            Err(e) if e.is_offline() => {
                return Ok(targets.into_iter().map(|(safe, ..)| safe).collect())
            }
            Err(e) => return Err(e.into()),
        };
        let mut owned = Vec::new();
        for ((safe, _, owner), answer) in targets.into_iter().zip(answers) {
            // A Safe not deployed answers nothing: the one made for this passkey is still its
            // own (its setup names the passkey), any other is not.
            let owners = answer
                .ok()
                .and_then(|bytes| crate::primitives::aa::safe::decode_owners(&bytes));
            let owns = match owners {
                Some(o) => o.contains(&owner),
                None => Some(owner) == shared,
            };
            if owns {
                owned.push(safe);
            }
        }
        Ok(owned)
    }
}
