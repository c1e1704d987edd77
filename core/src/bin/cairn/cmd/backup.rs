//! The recovery-phrase backup check: which phrases still wait for it, and the check itself.

use std::io::IsTerminal;

use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// The recovery-phrase backup: status, or the word check.
    #[command(subcommand, display_order = 85)]
    Backup(BackupCmd),
}

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// Phrases made here whose backup is not checked yet.
    Status,
    /// Type back the words asked for from your written copy (CAIRN_BACKUP_WORDS, the words
    /// separated by spaces, or a hidden prompt per word).
    Check {
        #[arg(long)]
        source: i64,
    },
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let Cmd::Backup(cmd) = cmd;
    let wallet = &ctx.wallet;
    ctx.unlock().await?;
    match cmd {
        BackupCmd::Status => {
            let pending = wallet.pending_backups().await?;
            ctx.out.print(&pending, |p| {
                if p.is_empty() {
                    "every recovery phrase is backed up".to_string()
                } else {
                    p.iter()
                        .map(|b| {
                            format!(
                                "key source {} ({}): not backed up — run `cairn backup check --source {}`",
                                b.key_source_id, b.label, b.key_source_id
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                }
            });
        }
        BackupCmd::Check { source } => {
            let challenge = wallet.backup_challenge(*source).await?;
            let words = match std::env::var("CAIRN_BACKUP_WORDS") {
                Ok(all) => {
                    zeroize::Zeroizing::new(all.split_whitespace().map(str::to_string).collect())
                }
                Err(_) if std::io::stdin().is_terminal() => {
                    let mut typed = zeroize::Zeroizing::new(Vec::new());
                    for p in &challenge.positions {
                        let word = rpassword::prompt_password(format!("Word {p}: "))
                            .map_err(|e| CliError::Read("a word of the recovery phrase", e))?;
                        typed.push(word);
                    }
                    typed
                }
                Err(_) => {
                    return Err(CliError::NoSecret(
                        "the words asked for (CAIRN_BACKUP_WORDS)",
                    ))
                }
            };
            wallet.confirm_backup(*source, &words).await?;
            ctx.out.print(
                &serde_json::json!({ "key_source_id": source, "backed_up": true }),
                |_| "the recovery phrase is backed up".to_string(),
            );
        }
    }
    Ok(Done::Lock)
}
