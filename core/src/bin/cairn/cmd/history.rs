//! An account's history as found on chain: its value movements, fees included.

use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Value movements of an account found on chain (ETH, tokens, fees), newest first.
    #[command(display_order = 300)]
    History {
        address: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let Cmd::History { address, limit } = cmd;
    ctx.unlock().await?;
    let address = ctx.address_or_first(address).await?;
    ctx.wallet.sync_once().await?;
    let entries = ctx.wallet.history(&address, *limit).await?;
    ctx.out.print(&entries, |es| {
        es.iter()
            .map(|e| {
                format!(
                    "block {:>6}  {:<4} {:>24} {:<8} {}  {}",
                    e.block_number,
                    e.direction,
                    e.amount,
                    e.symbol,
                    e.counterparty.as_deref().unwrap_or("-"),
                    e.tx_hash
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(Done::Lock)
}
