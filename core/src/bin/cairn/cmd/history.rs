//! History as found on chain: value movements (ETH, tokens, fees) of one account or all of
//! them, newest first, a page at a time.

use cairn_api::HistoryQuery;
use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Value movements found on chain (ETH, tokens, fees), newest first, one page at a time.
    #[command(display_order = 300)]
    History {
        /// The account (default: the first); see --all.
        address: Option<String>,
        /// Every visible account, each row naming its own.
        #[arg(long, conflicts_with = "address")]
        all: bool,
        /// Rows per page (1 to 500).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// The next (older) page: the cursor the previous page printed.
        #[arg(long, value_name = "CURSOR")]
        before: Option<String>,
        /// Only this asset: `native` or a token's contract address.
        #[arg(long)]
        asset: Option<String>,
        /// Only `in`, `out` or `fee`.
        #[arg(long)]
        direction: Option<String>,
        /// Only movements to or from this address.
        #[arg(long)]
        counterparty: Option<String>,
    },
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let Cmd::History {
        address,
        all,
        limit,
        before,
        asset,
        direction,
        counterparty,
    } = cmd;
    ctx.unlock().await?;
    let account = if *all {
        None
    } else {
        Some(ctx.address_or_first(address).await?)
    };
    // The newest page reads what arrived since the last run; an older page is already known.
    if before.is_none() {
        ctx.wallet.sync_once().await?;
    }
    let query = HistoryQuery {
        account,
        asset: asset.clone(),
        direction: direction.clone(),
        counterparty: counterparty.clone(),
        before: before.clone(),
        limit: Some(*limit),
    };
    let page = ctx.wallet.history_page(&query).await?;
    ctx.out.print(&page, |page| {
        let mut lines: Vec<String> = page
            .entries
            .iter()
            .map(|e| {
                let who = if *all {
                    format!("{}  ", e.account)
                } else {
                    String::new()
                };
                format!(
                    "{who}block {:>6}  {:<4} {:>24} {:<8} {}  {}",
                    e.block_number,
                    e.direction,
                    e.amount,
                    e.symbol,
                    e.counterparty.as_deref().unwrap_or("-"),
                    e.tx_hash
                )
            })
            .collect();
        if let Some(next) = &page.next {
            lines.push(format!("older: --before {next}"));
        }
        lines.join("\n")
    });
    Ok(Done::Lock)
}
