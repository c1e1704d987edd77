//! Second factor and spending policy, enforced in the core (not the UI): TOTP enrolment (an
//! `otpauth://` URI and its QR code, confirmed by a first code), ten single-use recovery codes
//! stored hashed, disabling and re-enrolling only with the password and a code; a policy of
//! per-send and per-day amounts above which a send needs a code; a code always for exporting
//! secrets and for changing the policy. Every decision is written to the audit log.

use alloy::primitives::U256;
use cairn_api::{MfaEnrollment, MfaStatus, Policy};
use rusqlite::{params, OptionalExtension};
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::accounts::{Accounts, AccountsError};
use crate::keys::vault;
use crate::prices::feed::{format_cents, CURRENCIES, FIAT_DECIMALS};
use crate::prices::{self, Valuer};
use crate::primitives::totp::{self, TotpError};
use crate::primitives::units::{format_units, parse_units, AddressError, AmountError};
use crate::session::{Ctx, SessionError};
use crate::store::audit::{AuditEvent, Outcome};
use crate::store::ledger::{now, Ledger, LedgerError};

const SEAL_LABEL: &str = "totp";
const RECOVERY_CODES: usize = 10;
const PER_SEND_KEY: &str = "policy.per_send_wei";
const PER_DAY_KEY: &str = "policy.per_day_wei";
/// Fiat limits, stored as `<cents> <currency>`: a limit keeps the currency it was set in.
const PER_SEND_FIAT_KEY: &str = "policy.per_send_fiat";
const PER_DAY_FIAT_KEY: &str = "policy.per_day_fiat";
const MFA_SCORE_KEY: &str = "policy.mfa_above_score";
const BLOCK_SCORE_KEY: &str = "policy.block_above_score";
/// Without a policy of the user's, a send whose risk reaches the top of the scale (a
/// denylisted address, or several high risks together) is blocked unless overridden.
pub const DEFAULT_BLOCK_SCORE: u32 = 100;

/// Why an action that needs the second factor did not go ahead.
#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error("{0}: enter the code from your authenticator app")]
    Required(String),
    #[error("the code was not accepted: {0}")]
    Rejected(#[from] TotpError),
    #[error("that recovery code is not valid or was used already")]
    BadRecoveryCode,
    #[error("too many wrong codes: try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: u64 },
    #[error("two-factor authentication is not set up: enrol first")]
    NotEnrolled,
    #[error(
        "two-factor authentication is already on: disable it with your password and a code first"
    )]
    AlreadyEnrolled,
    #[error("no enrolment is waiting for its first code: start again")]
    NothingToConfirm,
    #[error("internal error: {0}")]
    Internal(String),
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error(transparent)]
    Vault(#[from] vault::VaultError),
    #[error(transparent)]
    Risk(#[from] crate::guard::risk::RiskError),
}

type Result<T, E = MfaError> = std::result::Result<T, E>;

/// What the ledger holds about the second factor.
struct MfaRow {
    sealed: Vec<u8>,
    enabled: bool,
    last_step: Option<u64>,
}

impl Ledger {
    fn mfa_row(&self) -> Result<Option<MfaRow>, LedgerError> {
        Ok(self
            .conn
            .query_row(
                "SELECT sealed_secret, enabled, last_step FROM mfa WHERE id = 1",
                [],
                |r| {
                    Ok(MfaRow {
                        sealed: r.get(0)?,
                        enabled: r.get(1)?,
                        last_step: r.get::<_, Option<i64>>(2)?.map(|s| s as u64),
                    })
                },
            )
            .optional()?)
    }

    fn recovery_left(&self) -> Result<u32, LedgerError> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM recovery_codes WHERE used_at IS NULL",
            [],
            |r| r.get(0),
        )?)
    }

    /// Sum of the native value of sends made since `since` (unix secs) that still count: not
    /// failed, dropped or replaced.
    fn sent_since(&self, chain_id: u64, since: i64) -> Result<U256, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT tx_value FROM operations WHERE chain_id = ?1 AND created_at >= ?2
             AND state NOT IN ('draft', 'failed', 'dropped', 'replaced')",
        )?;
        let rows = stmt.query_map(params![chain_id as i64, since], |r| {
            r.get::<_, Option<String>>(0)
        })?;
        let mut sum = U256::ZERO;
        for v in rows {
            let v = v?.and_then(|s| s.parse::<U256>().ok()).unwrap_or_default();
            sum = sum.saturating_add(v);
        }
        Ok(sum)
    }
}

impl Ledger {
    /// The value of sends made since `since` that still count, in cents of the valuer's
    /// currency: native value plus token amounts. `None` when a part of it has no fresh price.
    fn sent_since_cents(
        &self,
        chain_id: u64,
        since: i64,
        native_decimals: u8,
        valuer: &Valuer,
    ) -> Result<Option<U256>, LedgerError> {
        let mut stmt = self.conn.prepare(
            "SELECT o.tx_value, o.amount, a.contract, a.decimals FROM operations o
             LEFT JOIN assets a ON a.id = o.asset_id
             WHERE o.chain_id = ?1 AND o.created_at >= ?2
             AND o.state NOT IN ('draft', 'failed', 'dropped', 'replaced')",
        )?;
        let rows = stmt.query_map(params![chain_id as i64, since], |r| {
            Ok((
                r.get::<_, Option<String>>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<u8>>(3)?,
            ))
        })?;
        let mut sum = U256::ZERO;
        for row in rows {
            let (value, amount, contract, decimals) = row?;
            let value = value
                .and_then(|s| s.parse::<U256>().ok())
                .unwrap_or_default();
            let token = contract
                .zip(decimals)
                .zip(amount.and_then(|s| s.parse::<U256>().ok()));
            let token = token.as_ref().map(|((c, d), a)| (c.as_str(), *a, *d));
            match fresh_cents(valuer, value, native_decimals, token) {
                Some(c) => sum = sum.saturating_add(c),
                None => return Ok(None),
            }
        }
        Ok(Some(sum))
    }
}

/// The value of a send (native value plus a token amount) in cents; `None` when a non-zero
/// part has no price or only a stale one.
fn fresh_cents(
    valuer: &Valuer,
    native: U256,
    native_decimals: u8,
    token: Option<(&str, U256, u8)>,
) -> Option<U256> {
    let part = |token: Option<&str>, amount: U256, decimals: u8| -> Option<U256> {
        if amount.is_zero() {
            return Some(U256::ZERO);
        }
        valuer
            .cents(token, amount, decimals)
            .filter(|c| !c.stale)
            .map(|c| c.cents)
    };
    let native = part(None, native, native_decimals)?;
    let token = match token {
        Some((contract, amount, decimals)) => part(Some(contract), amount, decimals)?,
        None => U256::ZERO,
    };
    Some(native.saturating_add(token))
}

/// A fiat limit: its cents and the currency it was set in.
fn fiat_limit(ledger: &Ledger, key: &str) -> Result<Option<(U256, String)>, LedgerError> {
    Ok(ledger.setting(key)?.and_then(|v| {
        let (cents, currency) = v.split_once(' ')?;
        Some((cents.parse().ok()?, currency.to_string()))
    }))
}

fn show_fiat(limit: &(U256, String)) -> String {
    format!("{} {}", format_cents(limit.0), limit.1)
}

/// Ten single-use recovery codes from the system's randomness.
fn fresh_recovery_codes() -> Result<Vec<String>> {
    let mut random = Zeroizing::new([0u8; 7 * RECOVERY_CODES]);
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), random.as_mut())
        .map_err(|_| MfaError::Internal("no randomness for recovery codes".into()))?;
    Ok(random
        .chunks(7)
        .filter_map(|c| <[u8; 7]>::try_from(c).ok())
        .map(|c| totp::recovery_code(&c))
        .collect())
}

fn score_setting(ledger: &Ledger, key: &str) -> Result<Option<u32>, LedgerError> {
    Ok(ledger.setting(key)?.and_then(|v| v.parse::<u32>().ok()))
}

fn limit(ledger: &Ledger, key: &str) -> Result<Option<U256>, LedgerError> {
    Ok(ledger.setting(key)?.and_then(|v| v.parse::<U256>().ok()))
}

/// Wrong codes allowed before the first wait: six digits are easy to mistype.
const FREE_CODE_FAILURES: u32 = 3;
/// The longest wait between code attempts.
const MAX_CODE_DELAY_SECS: u64 = 300;
/// Where the run of wrong codes is kept: `failures:last_failure_ms`, in the encrypted ledger.
const CODE_FAILURES_KEY: &str = "mfa_failures";

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The run of wrong codes so far and when the last one came.
fn code_failures(ledger: &Ledger) -> Result<(u32, u64)> {
    let stored = ledger.setting(CODE_FAILURES_KEY)?;
    let parsed = stored.as_deref().and_then(|v| {
        let (n, at) = v.split_once(':')?;
        Some((n.parse().ok()?, at.parse().ok()?))
    });
    // A damaged record fails closed: as many failures as the longest wait needs.
    Ok(match (stored.is_some(), parsed) {
        (_, Some(p)) => p,
        (false, None) => (0, 0),
        (true, None) => (FREE_CODE_FAILURES + 10, now_ms()),
    })
}

fn set_code_failures(ledger: &mut Ledger, failures: u32, at_ms: u64) -> Result<()> {
    ledger
        .conn
        .execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![CODE_FAILURES_KEY, format!("{failures}:{at_ms}")],
        )
        .map_err(LedgerError::from)?;
    Ok(())
}

/// Seconds to wait before the next code may be tried (0: now). Doubles from 1 s after the free
/// failures, up to five minutes: guessing a 6-digit code becomes hopeless, a typo costs nothing.
fn code_wait_secs(failures: u32, last_ms: u64, now_ms: u64) -> u64 {
    if failures < FREE_CODE_FAILURES {
        return 0;
    }
    let delay = 1u64
        .checked_shl(failures - FREE_CODE_FAILURES)
        .unwrap_or(u64::MAX)
        .min(MAX_CODE_DELAY_SECS);
    last_ms
        .saturating_add(delay.saturating_mul(1000))
        .saturating_sub(now_ms)
        .div_ceil(1000)
}

/// Checks a code under the throttle: refused unseen while a wait runs; a wrong code lengthens
/// the wait, a right one ends the run. The caller audits every outcome.
fn check_code(ledger: &mut Ledger, keys: &vault::VaultKeys, code: &str) -> Result<()> {
    let (failures, last_ms) = code_failures(ledger)?;
    let now = now_ms();
    let wait = code_wait_secs(failures, last_ms, now);
    if wait > 0 {
        return Err(MfaError::Throttled {
            retry_after_secs: wait,
        });
    }
    match verify_code(ledger, keys, code) {
        Ok(()) => {
            if failures > 0 {
                set_code_failures(ledger, 0, 0)?;
            }
            Ok(())
        }
        Err(e @ (MfaError::Rejected(_) | MfaError::BadRecoveryCode)) => {
            set_code_failures(ledger, failures.saturating_add(1), now)?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

/// Checks a code (TOTP, or a recovery code `XXXXX-XXXXX`) against the enrolled secret inside
/// one session, recording the step or using up the recovery code.
fn verify_code(ledger: &mut Ledger, keys: &vault::VaultKeys, code: &str) -> Result<()> {
    let row = ledger.mfa_row()?.ok_or(MfaError::NotEnrolled)?;
    if !row.enabled {
        return Err(MfaError::NotEnrolled);
    }
    let trimmed = code.trim();
    if trimmed.contains('-') || trimmed.chars().any(|c| c.is_ascii_alphabetic()) {
        let hash = totp::recovery_hash(trimmed);
        let used = ledger
            .conn
            .execute(
                "UPDATE recovery_codes SET used_at = ?2 WHERE hash = ?1 AND used_at IS NULL",
                params![hash, now()],
            )
            .map_err(LedgerError::from)?;
        return match used {
            1 => Ok(()),
            _ => Err(MfaError::BadRecoveryCode),
        };
    }
    let secret = vault::unseal(&keys.sealing_key, SEAL_LABEL, &row.sealed)?;
    let step = totp::verify(&secret, trimmed, now().max(0) as u64, row.last_step)
        .map_err(MfaError::from)?;
    ledger
        .conn
        .execute(
            "UPDATE mfa SET last_step = ?1 WHERE id = 1",
            params![step as i64],
        )
        .map_err(LedgerError::from)?;
    Ok(())
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "critical" => 3,
        "high" => 2,
        "medium" => 1,
        _ => 0,
    }
}

/// TwoFactor's service over the shared session state.
pub(crate) struct TwoFactor<'a> {
    pub(crate) ctx: &'a Ctx,
}

impl TwoFactor<'_> {
    crate::session::gate_methods!(MfaError);

    /// Whether the second factor is on, how many recovery codes are left, and the policy.
    pub(crate) async fn mfa_status(&self) -> Result<MfaStatus> {
        let decimals = self.ctx.network().currency_decimals;
        self.with_session(|s| {
            let row = s.ledger.mfa_row()?;
            let fmt = |v: Option<U256>| v.map(|v| format_units(v, decimals)).transpose();
            Ok(MfaStatus {
                enabled: row.as_ref().is_some_and(|r| r.enabled),
                pending: row.as_ref().is_some_and(|r| !r.enabled),
                recovery_codes_left: s.ledger.recovery_left()?,
                policy: Policy {
                    per_send: fmt(limit(&s.ledger, PER_SEND_KEY)?)?,
                    per_day: fmt(limit(&s.ledger, PER_DAY_KEY)?)?,
                    per_send_fiat: fiat_limit(&s.ledger, PER_SEND_FIAT_KEY)?.map(|l| show_fiat(&l)),
                    per_day_fiat: fiat_limit(&s.ledger, PER_DAY_FIAT_KEY)?.map(|l| show_fiat(&l)),
                    mfa_above_score: score_setting(&s.ledger, MFA_SCORE_KEY)?,
                    block_above_score: score_setting(&s.ledger, BLOCK_SCORE_KEY)?,
                },
            })
        })
        .await
    }

    /// Ten new recovery codes, shown this once, for the password and a current code (or one of
    /// the old recovery codes): every old one stops working in the same step.
    pub(crate) async fn new_recovery_codes(
        &self,
        password: SecretString,
        code: &str,
    ) -> Result<Vec<String>> {
        self.ctx.reauthenticate(password).await?;
        if !self.mfa_status().await?.enabled {
            return Err(MfaError::NotEnrolled);
        }
        self.require_mfa(Some(code), "new recovery codes").await?;
        let codes = fresh_recovery_codes()?;
        let hashes: Vec<Vec<u8>> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
        self.with_session(|s| {
            Ok(s.ledger
                .audited(AuditEvent::RecoveryCodesReplaced, "", |tx| {
                    tx.execute("DELETE FROM recovery_codes", [])?;
                    for h in &hashes {
                        tx.execute("INSERT INTO recovery_codes (hash) VALUES (?1)", params![h])?;
                    }
                    Ok(())
                })?)
        })
        .await?;
        Ok(codes)
    }

    /// Starts enrolment (password first): a new secret, its `otpauth://` URI and QR code for
    /// an authenticator app, and ten recovery codes shown this once. Nothing is enforced until
    /// [`Wallet::mfa_confirm`] sees a first code. Refused while a confirmed enrolment exists.
    pub(crate) async fn mfa_enroll(&self, password: SecretString) -> Result<MfaEnrollment> {
        self.ctx.reauthenticate(password).await?;
        let mut secret = Zeroizing::new([0u8; totp::SECRET_BYTES]);
        let rng = ring::rand::SystemRandom::new();
        ring::rand::SecureRandom::fill(&rng, secret.as_mut())
            .map_err(|_| MfaError::Internal("no randomness for a TOTP secret".into()))?;
        let codes = fresh_recovery_codes()?;
        let label = Accounts { ctx: self.ctx }
            .accounts(false)
            .await?
            .first()
            .map(|a| a.name.clone())
            .unwrap_or_else(|| "wallet".into());
        let uri = totp::otpauth_uri(secret.as_ref(), &label);
        let qr_svg =
            crate::primitives::qr::svg(&uri).map_err(|e| MfaError::Internal(e.to_string()))?;
        self.with_session(|s| {
            if s.ledger.mfa_row()?.is_some_and(|r| r.enabled) {
                return Err(MfaError::AlreadyEnrolled);
            }
            let sealed = vault::seal(&s.keys.sealing_key, SEAL_LABEL, secret.as_ref())?;
            let hashes: Vec<Vec<u8>> = codes.iter().map(|c| totp::recovery_hash(c)).collect();
            Ok(s.ledger.audited(AuditEvent::MfaEnrolled, "started", |tx| {
                tx.execute("DELETE FROM mfa", [])?;
                tx.execute("DELETE FROM recovery_codes", [])?;
                tx.execute(
                    "INSERT INTO mfa (id, sealed_secret, enabled, last_step, created_at)
                     VALUES (1, ?1, 0, NULL, ?2)",
                    params![sealed, now()],
                )?;
                for h in &hashes {
                    tx.execute("INSERT INTO recovery_codes (hash) VALUES (?1)", params![h])?;
                }
                Ok(())
            })?)
        })
        .await?;
        Ok(MfaEnrollment {
            otpauth_uri: uri.to_string(),
            secret_base32: totp::base32(secret.as_ref()).to_string(),
            qr_svg,
            recovery_codes: codes,
        })
    }

    /// Turns the second factor on once the authenticator app shows a code for the new secret.
    pub(crate) async fn mfa_confirm(&self, code: &str) -> Result<()> {
        self.with_session(|s| {
            let row = s.ledger.mfa_row()?.ok_or(MfaError::NothingToConfirm)?;
            if row.enabled {
                return Err(MfaError::AlreadyEnrolled);
            }
            let secret = vault::unseal(&s.keys.sealing_key, SEAL_LABEL, &row.sealed)?;
            let step = match totp::verify(&secret, code, now().max(0) as u64, None) {
                Ok(step) => step,
                Err(e) => {
                    s.ledger
                        .audit(AuditEvent::MfaEnrolled, Outcome::Denied, "first code wrong")?;
                    return Err(MfaError::from(e));
                }
            };
            s.ledger
                .audited(AuditEvent::MfaEnrolled, "confirmed", |tx| {
                    tx.execute(
                        "UPDATE mfa SET enabled = 1, last_step = ?1 WHERE id = 1",
                        params![step as i64],
                    )?;
                    Ok(())
                })?;
            Ok(())
        })
        .await
    }

    /// Turns the second factor off: the password and a code (or a recovery code). The policy
    /// goes with it, since nothing could enforce it.
    pub(crate) async fn mfa_disable(&self, password: SecretString, code: &str) -> Result<()> {
        self.ctx.reauthenticate(password).await?;
        self.require_mfa(Some(code), "disable two-factor authentication")
            .await?;
        self.with_session(|s| {
            Ok(s.ledger.audited(AuditEvent::MfaDisabled, "", |tx| {
                tx.execute("DELETE FROM mfa", [])?;
                tx.execute("DELETE FROM recovery_codes", [])?;
                tx.execute(
                    "DELETE FROM settings WHERE key IN (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        PER_SEND_KEY,
                        PER_DAY_KEY,
                        MFA_SCORE_KEY,
                        BLOCK_SCORE_KEY,
                        PER_SEND_FIAT_KEY,
                        PER_DAY_FIAT_KEY
                    ],
                )?;
                Ok(())
            })?)
        })
        .await
    }

    /// Sets the spending policy (amounts in the native currency, `None` for no limit). Always
    /// needs a code, so it needs an enrolled second factor.
    pub(crate) async fn set_policy(&self, policy: &Policy, code: Option<&str>) -> Result<()> {
        let decimals = self.ctx.network().currency_decimals;
        let parse = |v: &Option<String>| -> Result<Option<U256>> {
            Ok(v.as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(|t| parse_units(t, decimals))
                .transpose()?)
        };
        let (per_send, per_day) = (parse(&policy.per_send)?, parse(&policy.per_day)?);
        // Fiat limits in the currency the user shows values in, kept with it.
        let currency = self
            .with_session_quiet(|s| Ok(prices::settings(&s.ledger)?.currency))
            .await?;
        // `500`, `499.99` or `500 EUR` (a limit shown back keeps its own currency).
        let fiat = |v: &Option<String>| -> Result<Option<String>> {
            let Some(text) = v.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
                return Ok(None);
            };
            let (amount, code) = match text.split_once(char::is_whitespace) {
                Some((a, c)) => (a, c.trim().to_ascii_uppercase()),
                None => (text, currency.clone()),
            };
            if !CURRENCIES.contains(&code.as_str()) {
                return Err(AmountError::InvalidCharacter.into());
            }
            Ok(Some(format!(
                "{} {code}",
                parse_units(amount, FIAT_DECIMALS)?
            )))
        };
        let (per_send_fiat, per_day_fiat) =
            (fiat(&policy.per_send_fiat)?, fiat(&policy.per_day_fiat)?);
        // A policy nothing could enforce is no policy: it needs the second factor first.
        if !self.mfa_status().await?.enabled {
            return Err(MfaError::NotEnrolled);
        }
        self.require_mfa(code, "changing the policy").await?;
        let detail = format!(
            "per_send={} per_day={} per_send_fiat={} per_day_fiat={} mfa_above_score={:?} block_above_score={:?}",
            per_send.map(|v| v.to_string()).unwrap_or("-".into()),
            per_day.map(|v| v.to_string()).unwrap_or("-".into()),
            per_send_fiat.as_deref().unwrap_or("-"),
            per_day_fiat.as_deref().unwrap_or("-"),
            policy.mfa_above_score,
            policy.block_above_score
        );
        let scores = [
            (MFA_SCORE_KEY, policy.mfa_above_score.map(|v| v.min(100))),
            (
                BLOCK_SCORE_KEY,
                policy.block_above_score.map(|v| v.min(100)),
            ),
        ];
        self.with_session(|s| {
            Ok(s.ledger.audited(AuditEvent::PolicyChanged, &detail, |tx| {
                let amounts = [(PER_SEND_KEY, per_send), (PER_DAY_KEY, per_day)];
                let fiats = [
                    (PER_SEND_FIAT_KEY, per_send_fiat.clone()),
                    (PER_DAY_FIAT_KEY, per_day_fiat.clone()),
                ];
                let values = amounts
                    .iter()
                    .map(|(k, v)| (*k, v.map(|v| v.to_string())))
                    .chain(fiats)
                    .chain(scores.iter().map(|(k, v)| (*k, v.map(|v| v.to_string()))));
                for (key, value) in values {
                    match value {
                        Some(v) => tx.execute(
                            "INSERT INTO settings (key, value) VALUES (?1, ?2)
                             ON CONFLICT (key) DO UPDATE SET value = ?2",
                            params![key, v.to_string()],
                        )?,
                        None => tx.execute("DELETE FROM settings WHERE key = ?1", params![key])?,
                    };
                }
                Ok(())
            })?)
        })
        .await
    }

    /// Demands a valid code for `purpose` when the second factor is on (or, when it is not,
    /// lets the action through: there is nothing to check against). The decision is audited.
    pub(crate) async fn require_mfa(&self, code: Option<&str>, purpose: &str) -> Result<()> {
        self.with_session(|s| {
            let enabled = s.ledger.mfa_row()?.is_some_and(|r| r.enabled);
            if !enabled {
                return Ok(());
            }
            let outcome = match code {
                None => Err(MfaError::Required(purpose.to_string())),
                Some(c) => check_code(&mut s.ledger, &s.keys, c),
            };
            let (result, detail) = match &outcome {
                Ok(()) => (Outcome::Ok, purpose.to_string()),
                Err(e) => (Outcome::Denied, format!("{purpose}: {e}")),
            };
            s.ledger.audit(AuditEvent::MfaCheck, result, &detail)?;
            outcome
        })
        .await
    }

    /// The policy's word on a send of `value` (native base units) with its risk report: blocked
    /// at or above the block score unless overridden (an override is audited and, with the
    /// second factor on, needs a code); a code needed above the per-send amount, when today's
    /// sends with it pass the per-day amount, or at or above the risk score for a code.
    pub(crate) async fn authorize_send(
        &self,
        value: U256,
        token: Option<(&str, U256, u8)>,
        code: Option<&str>,
        risk: Option<&cairn_api::RiskReport>,
        override_risk: bool,
    ) -> Result<()> {
        let score = risk.map(|r| r.score).unwrap_or(0);
        let chain_id = self.ctx.network().chain_id;
        let decimals = self.ctx.network().currency_decimals;
        let reason = self
            .with_session(|s| {
                let per_send = limit(&s.ledger, PER_SEND_KEY)?;
                let per_day = limit(&s.ledger, PER_DAY_KEY)?;
                let block =
                    score_setting(&s.ledger, BLOCK_SCORE_KEY)?.unwrap_or(DEFAULT_BLOCK_SCORE);
                let mfa_score = score_setting(&s.ledger, MFA_SCORE_KEY)?;
                if score >= block {
                    let worst = risk
                        .and_then(|r| r.warnings.iter().max_by_key(|w| severity_rank(&w.severity)))
                        .map(|w| w.message.clone())
                        .unwrap_or_default();
                    if !override_risk {
                        s.ledger.audit(
                            AuditEvent::RiskDecision,
                            Outcome::Denied,
                            &format!("blocked at score {score}"),
                        )?;
                        return Err(crate::guard::risk::RiskError::Blocked { score, worst }.into());
                    }
                    s.ledger.audit(
                        AuditEvent::RiskDecision,
                        Outcome::Ok,
                        &format!("overridden at score {score}"),
                    )?;
                    return Ok(Some(format!("overriding a risk score of {score}")));
                }
                if let Some(threshold) = mfa_score.filter(|t| score >= *t) {
                    return Ok(Some(format!(
                        "this send's risk score {score} reaches your limit of {threshold}"
                    )));
                }
                if let Some(max) = per_send.filter(|max| value > *max) {
                    return Ok(Some(format!(
                        "this send is above your per-send limit of {}",
                        format_units(max, decimals)?
                    )));
                }
                if let Some(max) = per_day {
                    let today = s.ledger.sent_since(chain_id, now() - 24 * 3600)?;
                    if today.saturating_add(value) > max {
                        return Ok(Some(format!(
                            "this send takes the last 24 hours past your daily limit of {}",
                            format_units(max, decimals)?
                        )));
                    }
                }
                // Fiat limits fail closed: a send whose value cannot be known from a fresh
                // price counts as over the limit.
                for (key, per_day) in [(PER_SEND_FIAT_KEY, false), (PER_DAY_FIAT_KEY, true)] {
                    let Some(max) = fiat_limit(&s.ledger, key)? else {
                        continue;
                    };
                    let valuer = Valuer::load_in(&s.ledger, chain_id, &max.1)?;
                    let mut cents = fresh_cents(&valuer, value, decimals, token);
                    if per_day {
                        let before = s.ledger.sent_since_cents(
                            chain_id,
                            now() - 24 * 3600,
                            decimals,
                            &valuer,
                        )?;
                        cents = cents.zip(before).map(|(a, b)| a.saturating_add(b));
                    }
                    let what = if per_day {
                        "daily limit"
                    } else {
                        "per-send limit"
                    };
                    match cents {
                        None => {
                            return Ok(Some(format!(
                                "no fresh price to check this send against your {what} of {}",
                                show_fiat(&max)
                            )))
                        }
                        Some(c) if c > max.0 => {
                            return Ok(Some(if per_day {
                                format!(
                                    "this send takes the last 24 hours past your daily limit of {}",
                                    show_fiat(&max)
                                )
                            } else {
                                format!(
                                    "this send ({} {}) is above your per-send limit of {}",
                                    format_cents(c),
                                    max.1,
                                    show_fiat(&max)
                                )
                            }))
                        }
                        Some(_) => {}
                    }
                }
                Ok(None)
            })
            .await?;
        match reason {
            Some(why) => self.require_mfa(code, &why).await,
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chain::network::Network;
    use crate::keys::keychain::NoKeychain;
    use crate::keys::vault::TEST_KDF;
    use crate::{KeySpec, Wallet, WalletConfig};
    use cairn_api::ErrorCode;

    #[test]
    fn the_wait_starts_after_the_free_failures_and_doubles_to_a_ceiling() {
        assert_eq!(code_wait_secs(0, 0, 5_000), 0);
        assert_eq!(code_wait_secs(FREE_CODE_FAILURES - 1, 5_000, 5_000), 0);
        assert_eq!(code_wait_secs(FREE_CODE_FAILURES, 5_000, 5_000), 1);
        assert_eq!(code_wait_secs(FREE_CODE_FAILURES + 3, 5_000, 5_000), 8);
        assert_eq!(code_wait_secs(FREE_CODE_FAILURES + 3, 5_000, 12_500), 1);
        assert_eq!(code_wait_secs(FREE_CODE_FAILURES + 3, 5_000, 13_000), 0);
        assert_eq!(code_wait_secs(u32::MAX, 0, 0), MAX_CODE_DELAY_SECS);
    }

    fn password() -> SecretString {
        SecretString::from("correct horse")
    }

    /// A new wallet on a devnet URL nobody answers at (the second factor needs no node).
    async fn offline_wallet(dir: &std::path::Path) -> (Wallet, crate::wallet::NewWallet) {
        let w = Wallet::new(WalletConfig {
            data_dir: dir.into(),
            network: Network::devnet("http://127.0.0.1:9"),
            kdf: TEST_KDF,
            keychain: std::sync::Arc::new(NoKeychain),
        })
        .unwrap();
        let created = w
            .create(password(), KeySpec::NewMnemonic { words: 12 })
            .await
            .unwrap();
        (w, created)
    }

    #[tokio::test]
    async fn wrong_codes_are_throttled_and_audited_then_the_right_one_works() {
        let dir = tempfile::tempdir().unwrap();
        let (w, created) = offline_wallet(dir.path()).await;
        let enrolled = w.mfa_enroll(password()).await.unwrap();
        let secret = totp::from_base32(&enrolled.secret_base32).unwrap();
        let code_now = || totp::code_at(&secret, now().max(0) as u64);
        w.mfa_confirm(&code_now()).await.unwrap();
        let source = created.account.key_source_id;

        // An attacker trying codes for an export: the free failures, then a wait that even
        // the right code cannot skip.
        for _ in 0..FREE_CODE_FAILURES {
            let err = w
                .export_secret(password(), source, Some("000000"))
                .await
                .unwrap_err();
            assert_eq!(err.code(), ErrorCode::MfaRejected, "{err}");
        }
        for code in ["111111".to_string(), code_now()] {
            let err = w
                .export_secret(password(), source, Some(&code))
                .await
                .unwrap_err();
            assert_eq!(err.code(), ErrorCode::Throttled, "{err}");
        }
        let denied = w
            .audit_log(50)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event == "mfa_check" && e.outcome == "denied")
            .count();
        assert_eq!(denied, FREE_CODE_FAILURES as usize + 2);
        // Once the wait is over, a right code (here a recovery code: this step's TOTP code was
        // used to confirm) works and ends the run.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        w.export_secret(password(), source, Some(&enrolled.recovery_codes[0]))
            .await
            .unwrap();
        // The run is over: a typo is a plain rejection again, not a wait.
        let err = w
            .export_secret(password(), source, Some("000000"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::MfaRejected, "{err}");
    }

    #[tokio::test]
    async fn new_recovery_codes_replace_the_old_ones() {
        let dir = tempfile::tempdir().unwrap();
        let (w, created) = offline_wallet(dir.path()).await;
        let source = created.account.key_source_id;
        // Not enrolled: nothing to replace.
        let err = w
            .mfa_new_recovery_codes(password(), "000000")
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
        let enrolled = w.mfa_enroll(password()).await.unwrap();
        let secret = totp::from_base32(&enrolled.secret_base32).unwrap();
        w.mfa_confirm(&totp::code_at(&secret, now().max(0) as u64))
            .await
            .unwrap();
        // The wrong password is refused before any code is looked at.
        let err = w
            .mfa_new_recovery_codes(SecretString::from("wrong"), &enrolled.recovery_codes[0])
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WrongPassword, "{err}");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let fresh = w
            .mfa_new_recovery_codes(password(), &enrolled.recovery_codes[0])
            .await
            .unwrap();
        assert_eq!(fresh.len(), RECOVERY_CODES);
        assert!(fresh.iter().all(|c| !enrolled.recovery_codes.contains(c)));
        assert_eq!(w.mfa_status().await.unwrap().recovery_codes_left, 10);
        // An old code is dead; a new one works, once.
        let err = w
            .export_secret(password(), source, Some(&enrolled.recovery_codes[1]))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::MfaRejected, "{err}");
        w.export_secret(password(), source, Some(&fresh[0]))
            .await
            .unwrap();
        let audit = w.audit_log(50).await.unwrap();
        assert!(audit.iter().any(|e| e.event == "recovery_codes_replaced"));
    }
}
