//! ERC-20 tokens the wallet follows.

use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// ERC-20 tokens.
    #[command(subcommand, display_order = 280)]
    Token(TokenCmd),
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Add a token after reading its symbol and decimals from the contract.
    Add { contract: String },
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let Cmd::Token(TokenCmd::Add { contract }) = cmd;
    ctx.unlock().await?;
    let token = ctx.wallet.add_token(contract).await?;
    ctx.out.print(&token, |t| {
        format!(
            "Added {} ({} decimals) {}",
            t.symbol,
            t.decimals,
            t.token.as_deref().unwrap_or_default()
        )
    });
    Ok(Done::Lock)
}
