//! Exporting a secret: the recovery phrase of a key source, or one account's private key.

use clap::Subcommand;
use secrecy::{ExposeSecret, SecretString};

use crate::ctx::{read_secret, Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Show a secret after entering the password again.
    #[command(subcommand, display_order = 80)]
    Export(ExportCmd),
}

#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// The recovery phrase (or imported key) of a key source.
    Phrase {
        #[arg(long)]
        source: i64,
    },
    /// The private key of one account.
    Key { address: String },
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let Cmd::Export(cmd) = cmd;
    let wallet = &ctx.wallet;
    let pw = ctx.password()?;
    wallet
        .unlock(SecretString::from(pw.expose_secret().to_string()))
        .await?;
    // The export flow asks for the password again even right after an unlock.
    let again = read_secret(
        "password (again, to export)",
        None,
        "CAIRN_EXPORT_PASSWORD",
        "Password again to export: ",
    )?;
    let secret = match cmd {
        ExportCmd::Phrase { source } => {
            wallet
                .export_secret(again, *source, ctx.code()?.as_deref())
                .await?
        }
        ExportCmd::Key { address } => {
            wallet
                .export_private_key(again, address, ctx.code()?.as_deref())
                .await?
        }
    };
    ctx.out.print(
        &serde_json::json!({ "secret": secret.expose_secret() }),
        |v| v["secret"].as_str().unwrap_or_default().to_string(),
    );
    Ok(Done::Lock)
}
