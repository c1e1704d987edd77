//! The accounts: listing them, deriving another, naming, hiding and ordering them.

use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// List the accounts.
    #[command(display_order = 50)]
    Accounts {
        /// Include hidden accounts.
        #[arg(long)]
        all: bool,
    },
    /// Manage accounts.
    #[command(subcommand, display_order = 60)]
    Account(AccountCmd),
}

#[derive(Debug, Subcommand)]
pub enum AccountCmd {
    /// Derive the next account of a recovery phrase.
    Add {
        #[arg(long)]
        source: i64,
    },
    Rename {
        address: String,
        name: String,
    },
    Hide {
        address: String,
    },
    Show {
        address: String,
    },
    /// Put these accounts first, in this order.
    Reorder {
        addresses: Vec<String>,
    },
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let wallet = &ctx.wallet;
    ctx.unlock().await?;
    match cmd {
        Cmd::Accounts { all } => {
            let accounts = wallet.accounts(*all).await?;
            ctx.out.print(&accounts, |a| {
                a.iter()
                    .map(|a| {
                        let hidden = if a.hidden { "  (hidden)" } else { "" };
                        format!(
                            "{}  {:<18}  source {}  {}{hidden}",
                            a.address, a.path, a.key_source_id, a.name
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::Account(AccountCmd::Add { source }) => {
            let account = wallet.add_account(*source).await?;
            ctx.out
                .print(&account, |a| format!("Added {} {}", a.address, a.path));
        }
        Cmd::Account(AccountCmd::Rename { address, name }) => {
            wallet.rename_account(address, name).await?;
            ctx.out.ok("renamed");
        }
        Cmd::Account(AccountCmd::Hide { address }) => {
            wallet.set_account_hidden(address, true).await?;
            ctx.out.ok("hidden");
        }
        Cmd::Account(AccountCmd::Show { address }) => {
            wallet.set_account_hidden(address, false).await?;
            ctx.out.ok("shown");
        }
        Cmd::Account(AccountCmd::Reorder { addresses }) => {
            wallet.reorder_accounts(addresses).await?;
            ctx.out.ok("reordered");
        }
    }
    Ok(Done::Lock)
}
