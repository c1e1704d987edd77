//! The wallet as a whole: whether it exists, the profiles, creating or importing one, its
//! password and auto-lock, the integrity check, and funding on a devnet.

use std::time::Duration;

use cairn_core::{profiles, KeySpec};
use clap::Subcommand;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::ctx::{read_secret, Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Whether a wallet exists, whether a wrong-password delay runs, which network.
    #[command(display_order = 10)]
    Status,
    /// The profiles on this device that hold a wallet.
    #[command(display_order = 20)]
    Profiles,
    /// Create a new wallet with a new recovery phrase; prints the phrase once.
    #[command(display_order = 30)]
    Create {
        /// 12 or 24 words.
        #[arg(long, default_value_t = 12)]
        words: usize,
    },
    /// Import a recovery phrase or a 0x private key (from CAIRN_SECRET, --secret-fd or a
    /// prompt; BIP-39 passphrase from CAIRN_BIP39_PASSPHRASE). Creates the wallet if there is none.
    #[command(display_order = 40)]
    Import {
        #[arg(long)]
        secret_fd: Option<u32>,
    },
    /// Change the password (new one from CAIRN_NEW_PASSWORD or a prompt).
    #[command(display_order = 70)]
    ChangePassword,
    /// Set the idle time before the wallet locks itself, in seconds (60–900).
    #[command(display_order = 100)]
    AutoLock { secs: u64 },
    /// Devnet only: fund an address (or the first account) from the node's dev account.
    #[command(display_order = 120)]
    DevnetFund {
        address: Option<String>,
        #[arg(long, default_value = "10")]
        eth: String,
    },
    /// Check the ledger's integrity and the audit chain.
    #[command(display_order = 130)]
    Doctor,
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let wallet = &ctx.wallet;
    match cmd {
        Cmd::Status => {
            let status = wallet.status().await?;
            ctx.out.print(&status, status_text);
        }
        Cmd::Profiles => {
            let names = profiles::list(&ctx.root).map_err(cairn_core::Error::from)?;
            ctx.out.print(&names, |n| n.join("\n"));
        }
        Cmd::Create { words } => {
            let created = wallet
                .create(ctx.password()?, KeySpec::NewMnemonic { words: *words })
                .await?;
            #[derive(Serialize)]
            struct Out<'a> {
                account: &'a cairn_api::Account,
                mnemonic: &'a str,
            }
            let phrase = created
                .mnemonic
                .as_ref()
                .map(|m| m.expose_secret())
                .unwrap_or_default();
            let out = Out {
                account: &created.account,
                mnemonic: phrase,
            };
            ctx.out.print(&out, |o| {
                format!(
                    "Created {} ({})\nRecovery phrase, shown once: write it down and keep it offline:\n{}",
                    o.account.address, o.account.path, o.mnemonic
                )
            });
        }
        Cmd::Import { secret_fd } => {
            let secret = read_secret(
                "recovery phrase or key",
                *secret_fd,
                "CAIRN_SECRET",
                "Recovery phrase or 0x key: ",
            )?;
            let passphrase = std::env::var("CAIRN_BIP39_PASSPHRASE")
                .ok()
                .map(SecretString::from);
            let spec = KeySpec::from_secret(secret, passphrase);
            let account = if cairn_core::vault::exists(wallet.data_dir()) {
                ctx.unlock().await?;
                wallet.import(spec).await?
            } else {
                wallet.create(ctx.password()?, spec).await?.account
            };
            ctx.out
                .print(&account, |a| format!("Imported {} {}", a.address, a.path));
        }
        Cmd::ChangePassword => {
            let old = ctx.password()?;
            wallet
                .unlock(SecretString::from(old.expose_secret().to_string()))
                .await?;
            let new = read_secret("new password", None, "CAIRN_NEW_PASSWORD", "New password: ")?;
            wallet.change_password(old, new).await?;
            ctx.out.ok("password changed");
        }
        Cmd::AutoLock { secs } => {
            ctx.unlock().await?;
            wallet.set_auto_lock(Duration::from_secs(*secs)).await?;
            ctx.out.ok("auto-lock set");
        }
        Cmd::DevnetFund { address, eth } => {
            let address = ctx.address_or_first(address).await?;
            let funded = wallet.devnet_fund(&address, eth).await?;
            ctx.out.print(&funded, |f| {
                format!(
                    "sent {eth} ETH in {}; balance now {} {}",
                    f.tx_hash, f.balance.formatted, f.balance.symbol
                )
            });
        }
        Cmd::Doctor => {
            ctx.unlock().await?;
            let report = wallet.doctor().await?;
            ctx.out.print(&report, |r| {
                format!(
                    "ledger integrity: {}\naudit log: intact, {} rows",
                    r.integrity, r.audit_rows
                )
            });
        }
    }
    Ok(Done::Lock)
}

/// `cairn status` in words: where the wallet stands, on which network.
fn status_text(status: &cairn_api::WalletStatus) -> String {
    use cairn_api::WalletStatus;
    let on =
        |n: &cairn_api::NetworkInfo| format!("{} (chain {}, {})", n.name, n.chain_id, n.rpc_url);
    match status {
        WalletStatus::NoVault { network } => {
            format!(
                "no wallet yet on {}: `cairn create` or `cairn import` makes one",
                on(network)
            )
        }
        WalletStatus::Locked {
            network,
            retry_after_secs,
        } => {
            let wait = match retry_after_secs {
                0 => String::new(),
                s => format!("; after wrong passwords, the next try in {s} s"),
            };
            format!("locked, on {}{wait}", on(network))
        }
        WalletStatus::Unlocked { network, accounts } => {
            let mut lines = vec![format!(
                "unlocked, on {}, {} account(s):",
                on(network),
                accounts.len()
            )];
            lines.extend(
                accounts
                    .iter()
                    .map(|a| format!("  {}  {}", a.address, a.name)),
            );
            lines.join("\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_said_in_words() {
        let network = cairn_api::NetworkInfo {
            chain_id: 31337,
            name: "Local devnet".into(),
            currency_symbol: "ETH".into(),
            rpc_url: "http://127.0.0.1:8545".into(),
            is_devnet: true,
            explorer_url: None,
            has_paymaster: false,
        };
        let locked = cairn_api::WalletStatus::Locked {
            network,
            retry_after_secs: 4,
        };
        assert_eq!(
            status_text(&locked),
            "locked, on Local devnet (chain 31337, http://127.0.0.1:8545); after wrong passwords, the next try in 4 s"
        );
    }
}
