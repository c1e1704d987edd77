//! The commands, one file per group. A group declares its part of the command line as a `Cmd`
//! enum, flattened into `Command` here, and runs it with its `run`; this file dispatches and
//! locks the wallet afterwards.
//!
//! Two clap details shape every group:
//! - Each command sets `display_order`, keeping `cairn --help` in its order from before the
//!   split; flattening alone would list the commands group by group. The numbers are that
//!   order, in tens.
//! - The derived enums carry `//` comments, not `///`: clap makes a doc comment on a derived
//!   type the about text of the command it is added to.

mod account;
mod audit;
mod backup;
mod bridge;
mod export;
mod guard;
mod history;
mod mfa;
mod network;
mod passkey;
mod prices;
mod recovery;
mod send;
mod sign;
mod smart;
mod token;
mod wallet;

use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(flatten)]
    Wallet(wallet::Cmd),
    #[command(flatten)]
    Account(account::Cmd),
    #[command(flatten)]
    Export(export::Cmd),
    #[command(flatten)]
    Backup(backup::Cmd),
    #[command(flatten)]
    Audit(audit::Cmd),
    #[command(flatten)]
    Send(send::Cmd),
    #[command(flatten)]
    Smart(smart::Cmd),
    #[command(flatten)]
    Recovery(recovery::Cmd),
    #[command(flatten)]
    Passkey(passkey::Cmd),
    #[command(flatten)]
    Guard(guard::Cmd),
    #[command(flatten)]
    Sign(sign::Cmd),
    #[command(flatten)]
    Mfa(mfa::Cmd),
    #[command(flatten)]
    Token(token::Cmd),
    #[command(flatten)]
    Prices(prices::Cmd),
    #[command(flatten)]
    Network(network::Cmd),
    #[command(flatten)]
    History(history::Cmd),
    #[command(flatten)]
    Bridge(bridge::Cmd),
}

pub async fn run(ctx: &Ctx<'_>, command: &Command) -> Result<(), CliError> {
    let done = match command {
        Command::Wallet(cmd) => wallet::run(ctx, cmd).await?,
        Command::Account(cmd) => account::run(ctx, cmd).await?,
        Command::Export(cmd) => export::run(ctx, cmd).await?,
        Command::Backup(cmd) => backup::run(ctx, cmd).await?,
        Command::Audit(cmd) => audit::run(ctx, cmd).await?,
        Command::Send(cmd) => send::run(ctx, cmd).await?,
        Command::Smart(cmd) => smart::run(ctx, cmd).await?,
        Command::Recovery(cmd) => recovery::run(ctx, cmd).await?,
        Command::Passkey(cmd) => passkey::run(ctx, cmd).await?,
        Command::Guard(cmd) => guard::run(ctx, cmd).await?,
        Command::Sign(cmd) => sign::run(ctx, cmd).await?,
        Command::Mfa(cmd) => mfa::run(ctx, cmd).await?,
        Command::Token(cmd) => token::run(ctx, cmd).await?,
        Command::Prices(cmd) => prices::run(ctx, cmd).await?,
        Command::Network(cmd) => network::run(ctx, cmd).await?,
        Command::History(cmd) => history::run(ctx, cmd).await?,
        Command::Bridge(cmd) => bridge::run(ctx, cmd).await?,
    };
    match done {
        Done::Lock => ctx.wallet.lock().await,
        Done::Leave => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use crate::args::Cli;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// `cairn --help` lists the commands in the order they had in the single-file CLI.
    #[test]
    fn help_keeps_the_command_order() {
        let cli = Cli::command();
        let mut commands: Vec<_> = cli.get_subcommands().collect();
        commands.sort_by_key(|c| c.get_display_order());
        let names: Vec<_> = commands.iter().map(|c| c.get_name()).collect();
        assert_eq!(
            names,
            [
                "status",
                "profiles",
                "create",
                "import",
                "accounts",
                "account",
                "change-password",
                "export",
                "backup",
                "audit",
                "auto-lock",
                "balance",
                "devnet-fund",
                "doctor",
                "send",
                "smart",
                "safe",
                "guardians",
                "recovery",
                "passkey",
                "contact",
                "denylist",
                "assess",
                "sign",
                "mfa",
                "policy",
                "activity",
                "sync",
                "speed-up",
                "cancel",
                "resign",
                "balances",
                "token",
                "prices",
                "network",
                "history",
                "bridge",
            ]
        );
    }
}
