//! What guards a send: contacts (whose look-alikes are flagged), the denylist, and assessing
//! any call's risk without signing it.

use std::path::PathBuf;

use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;
use crate::output::risk_text;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// People you pay: a name for an address (look-alikes of them are flagged).
    #[command(subcommand, display_order = 160)]
    Contact(ContactCmd),
    /// Addresses never to pay: import a list (any text with 0x-addresses, e.g. a sanctions
    /// export) or add one.
    #[command(subcommand, display_order = 170)]
    Denylist(DenylistCmd),
    /// Simulate and risk-check any call from one of your accounts, without signing it.
    #[command(display_order = 180)]
    Assess {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: String,
        /// ETH sent with the call.
        #[arg(long, default_value = "0")]
        value: String,
        /// Calldata, 0x-hex.
        #[arg(long, default_value = "0x")]
        data: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ContactCmd {
    Add { name: String, address: String },
    List,
    Remove { address: String },
}

#[derive(Debug, Subcommand)]
pub enum DenylistCmd {
    Import { file: PathBuf },
    Add { address: String },
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let wallet = &ctx.wallet;
    ctx.unlock().await?;
    match cmd {
        Cmd::Contact(ContactCmd::Add { name, address }) => {
            wallet.add_contact(name, address).await?;
            ctx.out.ok("contact saved");
        }
        Cmd::Contact(ContactCmd::Remove { address }) => {
            wallet.remove_contact(address).await?;
            ctx.out.ok("contact removed");
        }
        Cmd::Contact(ContactCmd::List) => {
            let list = wallet.contacts().await?;
            ctx.out.print(&list, |l| {
                l.iter()
                    .map(|c| format!("{}  {}", c.address, c.name))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::Denylist(cmd) => {
            let (text, source) = match cmd {
                DenylistCmd::Import { file } => (
                    std::fs::read_to_string(file).map_err(|e| {
                        CliError::Usage(format!("could not read {}: {e}", file.display()))
                    })?,
                    file.display().to_string(),
                ),
                DenylistCmd::Add { address } => (address.clone(), "manual".to_string()),
            };
            let added = wallet.import_denylist(&text, &source).await?;
            ctx.out.print(&serde_json::json!({ "added": added }), |_| {
                format!("{added} address(es) added to the denylist")
            });
        }
        Cmd::Assess {
            from,
            to,
            value,
            data,
        } => {
            let from = ctx.address_or_first(from).await?;
            let call = cairn_core::risk::Call {
                from: cairn_core::units::parse_address(&from).map_err(cairn_core::Error::from)?,
                to: cairn_core::units::parse_address(to).map_err(cairn_core::Error::from)?,
                value: cairn_core::units::parse_units(value, wallet.network().currency_decimals)
                    .map_err(cairn_core::Error::from)?,
                data: hex::decode(data.trim_start_matches("0x"))
                    .map_err(|_| CliError::Usage("--data is 0x-hex".into()))?,
            };
            let recipient = cairn_core::erc20::parse_transfer(&call.data).map(|(r, _)| r);
            let token = recipient.map(|_| call.to);
            let report = wallet
                .assess(&call, Some(recipient.unwrap_or(call.to)), token)
                .await?;
            ctx.out.print(&report, risk_text);
        }
    }
    Ok(Done::Lock)
}
