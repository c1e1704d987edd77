//! The second factor (TOTP) and the spending policy that decides when a send needs its code.

use clap::Subcommand;
use secrecy::SecretString;

use crate::ctx::{read_secret, Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Two-factor authentication (TOTP): status, enrol, confirm, disable.
    #[command(subcommand, display_order = 200)]
    Mfa(MfaCmd),
    /// The spending policy: amounts above which a send needs the second factor's code.
    #[command(subcommand, display_order = 210)]
    Policy(PolicyCmd),
}

#[derive(Debug, Subcommand)]
pub enum MfaCmd {
    Status,
    /// Starts enrolment (asks for the password again): prints the otpauth:// URI for an
    /// authenticator app and ten recovery codes, once.
    Enroll,
    /// Turns it on with the first code the app shows (asked for, or CAIRN_MFA_CODE).
    Confirm,
    /// Turns it off: the password again and a code.
    Disable,
    /// Ten new recovery codes (the password again and a code); the old ones stop working.
    RecoveryCodes,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCmd {
    Show,
    /// Sets the limits (in the native currency; "none" removes one). Needs a code.
    Set {
        #[arg(long)]
        per_send: Option<String>,
        #[arg(long)]
        per_day: Option<String>,
        /// The same in your fiat currency ("500", "500 EUR"); without a fresh price a send
        /// counts as over it.
        #[arg(long)]
        per_send_fiat: Option<String>,
        #[arg(long)]
        per_day_fiat: Option<String>,
        /// A risk score (0-100) from which a send needs the code.
        #[arg(long)]
        mfa_above_score: Option<u32>,
        /// A risk score from which a send is refused unless --override-risk.
        #[arg(long)]
        block_above_score: Option<u32>,
    },
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    ctx.unlock().await?;
    match cmd {
        Cmd::Mfa(cmd) => mfa(ctx, cmd).await?,
        Cmd::Policy(cmd) => policy(ctx, cmd).await?,
    }
    Ok(Done::Lock)
}

async fn mfa(ctx: &Ctx<'_>, cmd: &MfaCmd) -> Result<(), CliError> {
    let wallet = &ctx.wallet;
    match cmd {
        MfaCmd::Status => {
            let status = wallet.mfa_status().await?;
            ctx.out.print(&status, |s| {
                format!(
                    "two-factor {}{}; {} recovery code(s) left; per send: {}, per day: {}",
                    if s.enabled { "on" } else { "off" },
                    if s.pending {
                        " (waiting for its first code)"
                    } else {
                        ""
                    },
                    s.recovery_codes_left,
                    s.policy.per_send.as_deref().unwrap_or("no limit"),
                    s.policy.per_day.as_deref().unwrap_or("no limit"),
                )
            });
        }
        MfaCmd::Enroll => {
            let enrollment = wallet.mfa_enroll(password_again()?).await?;
            ctx.out.print(&enrollment, |e| {
                format!(
                    "Add this to your authenticator app:\n  {}\nRecovery codes (each works once; write them down):\n  {}\nThen: cairn mfa confirm (it asks for the app's code)",
                    e.otpauth_uri,
                    e.recovery_codes.join("\n  ")
                )
            });
        }
        MfaCmd::Confirm => {
            wallet.mfa_confirm(&code(ctx)?).await?;
            ctx.out.ok("two-factor authentication is on");
        }
        MfaCmd::RecoveryCodes => {
            let codes = wallet
                .mfa_new_recovery_codes(password_again()?, &code(ctx)?)
                .await?;
            let codes = cairn_api::RecoveryCodes { codes };
            ctx.out.print(&codes, |c| {
                format!(
                    "New recovery codes (each works once; the old ones no longer do):\n  {}",
                    c.codes.join("\n  ")
                )
            });
        }
        MfaCmd::Disable => {
            wallet.mfa_disable(password_again()?, &code(ctx)?).await?;
            ctx.out.ok("two-factor authentication is off");
        }
    }
    Ok(())
}

async fn policy(ctx: &Ctx<'_>, cmd: &PolicyCmd) -> Result<(), CliError> {
    let wallet = &ctx.wallet;
    match cmd {
        PolicyCmd::Show => {
            let status = wallet.mfa_status().await?;
            ctx.out.print(&status.policy, policy_text);
        }
        PolicyCmd::Set {
            per_send,
            per_day,
            per_send_fiat,
            per_day_fiat,
            mfa_above_score,
            block_above_score,
        } => {
            let current = wallet.mfa_status().await?.policy;
            let pick = |given: &Option<String>, now: Option<String>| match given.as_deref() {
                Some("none") => None,
                Some(v) => Some(v.to_string()),
                None => now,
            };
            let policy = cairn_api::Policy {
                per_send: pick(per_send, current.per_send),
                per_day: pick(per_day, current.per_day),
                per_send_fiat: pick(per_send_fiat, current.per_send_fiat),
                per_day_fiat: pick(per_day_fiat, current.per_day_fiat),
                mfa_above_score: mfa_above_score.or(current.mfa_above_score),
                block_above_score: block_above_score.or(current.block_above_score),
            };
            wallet.set_policy(&policy, ctx.code()?.as_deref()).await?;
            ctx.out.print(&policy, policy_text);
        }
    }
    Ok(())
}

fn policy_text(p: &cairn_api::Policy) -> String {
    let mut text = format!(
        "per send: {}, per day: {}",
        p.per_send.as_deref().unwrap_or("no limit"),
        p.per_day.as_deref().unwrap_or("no limit")
    );
    if p.per_send_fiat.is_some() || p.per_day_fiat.is_some() {
        text.push_str(&format!(
            "; in fiat per send: {}, per day: {}",
            p.per_send_fiat.as_deref().unwrap_or("no limit"),
            p.per_day_fiat.as_deref().unwrap_or("no limit")
        ));
    }
    text
}

/// Confirming and disabling always need a code: asked for even without `--code`.
fn code(ctx: &Ctx<'_>) -> Result<String, CliError> {
    ctx.code_needed()
}

/// Enrolling and disabling ask for the password again, even right after an unlock.
fn password_again() -> Result<SecretString, CliError> {
    read_secret(
        "password (again)",
        None,
        "CAIRN_EXPORT_PASSWORD",
        "Password again: ",
    )
}
