//! Exports: a recovery phrase or a private key leaves the wallet only after the password is
//! entered again and, once two-factor is on, a code; every attempt is audited, success or not.

use secrecy::SecretString;

use crate::accounts::{open_secret, signer_for};
use crate::guard::mfa::{MfaError, TwoFactor};
use crate::primitives::units::{format_address, parse_address};
use crate::session::Ctx;
use crate::store::audit::{AuditEvent, Outcome};

type Result<T, E = MfaError> = std::result::Result<T, E>;

/// The export service over the shared session state.
pub(crate) struct Exports<'a> {
    pub(crate) ctx: &'a Ctx,
}

impl Exports<'_> {
    crate::session::gate_methods!(MfaError);

    /// The recovery phrase of a key source (or the private key of an imported-key source),
    /// after the password is entered again. Audited, success or not.
    pub(crate) async fn export_secret(
        &self,
        password: SecretString,
        key_source_id: i64,
        mfa_code: Option<&str>,
    ) -> Result<SecretString> {
        if let Err(e) = self.ctx.reauthenticate(password).await {
            let detail = format!("key_source:{key_source_id}: {}", e.reason());
            self.with_session(|s| {
                Ok(s.ledger
                    .audit(AuditEvent::Export, Outcome::Denied, &detail)?)
            })
            .await?;
            return Err(e.into());
        }
        TwoFactor { ctx: self.ctx }
            .require_mfa(mfa_code, "exporting a recovery phrase or key")
            .await?;
        self.with_session(|s| {
            let source = s.ledger.key_source(key_source_id)?;
            let secret = open_secret(&s.keys, &source.sealed, key_source_id)?;
            let out = secret
                .phrase
                .clone()
                .or_else(|| secret.private_key.clone())
                .unwrap_or_default();
            s.ledger.audit(
                AuditEvent::Export,
                Outcome::Ok,
                &format!("{} key_source:{key_source_id}", source.kind),
            )?;
            Ok(SecretString::from(out))
        })
        .await
    }

    /// The private key of one account, after the password is entered again. Audited.
    pub(crate) async fn export_private_key(
        &self,
        password: SecretString,
        address: &str,
        mfa_code: Option<&str>,
    ) -> Result<SecretString> {
        let address = format_address(&parse_address(address)?);
        if let Err(e) = self.ctx.reauthenticate(password).await {
            let detail = format!("{address}: {}", e.reason());
            self.with_session(|s| {
                Ok(s.ledger
                    .audit(AuditEvent::Export, Outcome::Denied, &detail)?)
            })
            .await?;
            return Err(e.into());
        }
        TwoFactor { ctx: self.ctx }
            .require_mfa(mfa_code, "exporting a private key")
            .await?;
        self.with_session(|s| {
            let account = s.ledger.account(&address)?;
            let signer = signer_for(&s.keys, &s.ledger, &account)?;
            s.ledger.audit(
                AuditEvent::Export,
                Outcome::Ok,
                &format!("private_key {address}"),
            )?;
            Ok(SecretString::from(format!(
                "0x{}",
                hex::encode(signer.to_bytes())
            )))
        })
        .await
    }
}
