//! Passkeys: the ones this device's authenticator holds for the wallet (made, listed, checked,
//! forgotten), which of the wallet's Safes each owns, and a Safe of a passkey's own (made only
//! when the user says they accept what a passkey-only account risks). Adding a passkey to a
//! Safe, or taking it off, is `cairn safe add-passkey` / `remove-passkey`; choosing it to sign
//! a send is `cairn smart send --passkey`.

use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Passkeys: make, list, check, forget; a Safe only a passkey signs for.
    #[command(subcommand, display_order = 154)]
    Passkey(PasskeyCmd),
}

#[derive(Debug, Subcommand)]
pub enum PasskeyCmd {
    /// The wallet's passkeys and the Safes each owns on the active network.
    List,
    /// Make a passkey on this device's authenticator (user verification required) and keep it
    /// under a name.
    Add {
        /// What to call it ("Laptop", "YubiKey").
        #[arg(long)]
        label: String,
    },
    /// Ask the authenticator to sign a fresh challenge with the passkey and verify it.
    Check { id: i64 },
    /// Forget a passkey (refused while it owns one of the wallet's Safes).
    Remove { id: i64 },
    /// The Safe whose one owner is this passkey: no key of the wallet and no recovery phrase
    /// can sign for it. Needs --accept-passkey-only.
    Safe {
        id: i64,
        /// Say that you accept it: a synced passkey is as safe as the account that syncs it,
        /// and a lost passkey loses the Safe unless another owner or guardians were added.
        #[arg(long)]
        accept_passkey_only: bool,
    },
}

/// What the user must accept before a passkey-only Safe is made (the window says the same).
const PASSKEY_ONLY_WARNING: &str = "a Safe made for a passkey is signed for by that passkey \
alone: no key of this wallet and no recovery phrase can sign for it. If the passkey is synced \
(iCloud Keychain, Google Password Manager, a password manager), whoever takes over that account \
can take the money; if the passkey is lost, so is the Safe, unless another owner or guardians \
were added first. Run again with --accept-passkey-only to make it";

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let Cmd::Passkey(cmd) = cmd;
    let wallet = &ctx.wallet;
    // Refused before the password is asked: nothing would be made.
    if let PasskeyCmd::Safe {
        accept_passkey_only: false,
        ..
    } = cmd
    {
        return Err(CliError::Usage(PASSKEY_ONLY_WARNING.into()));
    }
    ctx.unlock().await?;
    match cmd {
        PasskeyCmd::List => {
            let list = wallet.passkey_list().await?;
            let mut rows = Vec::new();
            for passkey in list {
                let owns = wallet.passkey_accounts(passkey.id).await?;
                rows.push(Listed { passkey, owns });
            }
            let available = wallet.has_authenticator();
            ctx.out.print(&rows, |rows| {
                let mut text: Vec<String> = rows.iter().map(list_line).collect();
                if text.is_empty() {
                    text.push("no passkeys yet: cairn passkey add --label NAME".into());
                }
                if !available {
                    text.push(
                        "(no passkey authenticator on this device: these passkeys cannot sign here)"
                            .into(),
                    );
                }
                text.join("\n")
            });
        }
        PasskeyCmd::Add { label } => {
            let p = wallet.passkey_add(label).await?;
            ctx.out.print(&p, |p| {
                format!("passkey {} \"{}\" made for {}", p.id, p.label, p.rp_id)
            });
        }
        PasskeyCmd::Check { id } => {
            let p = wallet.passkey_check(*id).await?;
            ctx.out.print(&p, |p| {
                format!("passkey {} \"{}\" signed as its key says", p.id, p.label)
            });
        }
        PasskeyCmd::Remove { id } => {
            wallet.passkey_remove(*id).await?;
            ctx.out.print(&serde_json::json!({ "removed": id }), |_| {
                format!("passkey {id} forgotten")
            });
        }
        PasskeyCmd::Safe { id, .. } => {
            let safe = wallet.passkey_safe(*id).await?;
            ctx.out.print(&safe, |s| {
                format!(
                    "{}  Safe of passkey \"{}\", {}",
                    s.address,
                    s.passkey.as_deref().unwrap_or_default(),
                    if s.deployed {
                        "deployed"
                    } else {
                        "not deployed yet: its first operation deploys it"
                    }
                )
            });
        }
    }
    Ok(Done::Lock)
}

/// A passkey and the Safes it owns: one line of `cairn passkey list`.
#[derive(serde::Serialize)]
struct Listed {
    #[serde(flatten)]
    passkey: cairn_api::PasskeyInfo,
    owns: Vec<String>,
}

fn list_line(row: &Listed) -> String {
    let p = &row.passkey;
    format!(
        "{}  \"{}\"  {}  owns: {}",
        p.id,
        p.label,
        match p.last_used_at {
            Some(at) => format!("last used at {at} (unix)"),
            None => "never used".into(),
        },
        if row.owns.is_empty() {
            "none of your Safes here".to_string()
        } else {
            row.owns.join(", ")
        }
    )
}
