//! Passkeys: the authenticator that holds them, behind one interface (a platform authenticator
//! through the app's plugin, a security key, or — in tests only — a software one), and the
//! credentials the wallet knows, kept in the ledger. Adding a passkey asks the authenticator
//! for a new credential; checking one asks it to sign a fresh challenge and verifies the answer
//! as Safe's contracts will (`primitives::aa::webauthn`) before anything depends on it.
//!
//! May use: `session`, `store`, `primitives`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use alloy::primitives::{B256, U256};
use cairn_api::PasskeyInfo;

use crate::primitives::aa::webauthn::{self, base64url, WebAuthnError};
use crate::session::{Ctx, SessionError};
use crate::store::ledger::LedgerError;
use crate::store::passkeys::PasskeyRow;

/// The relying party Cairn's passkeys are made for (its domain serves the association files
/// platform authenticators ask for; see docs/SECURITY.md).
pub const RP_ID: &str = "cairn.app";

/// Why a passkey step failed.
#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("no passkey authenticator on this device: passkeys need a platform authenticator (Touch ID, Windows Hello, Android) or a security key")]
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

    pub(crate) async fn list(&self) -> Result<Vec<PasskeyInfo>> {
        let rows = self.with_session(|s| Ok(s.ledger.passkeys()?)).await?;
        Ok(rows.into_iter().map(info).collect())
    }

    pub(crate) async fn remove(&self, id: i64) -> Result<()> {
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
        let mut challenge = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut challenge)
            .map_err(|_| PasskeyError::Random)?;
        let challenge = B256::from(challenge);
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
}
