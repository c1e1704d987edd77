//! The audit log: reading it and verifying its hash chain.

use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// The audit log.
    #[command(subcommand, display_order = 90)]
    Audit(AuditCmd),
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Verify the hash chain; fails naming the first tampered row.
    Verify,
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let Cmd::Audit(cmd) = cmd;
    ctx.unlock().await?;
    match cmd {
        AuditCmd::List { limit } => {
            let log = ctx.wallet.audit_log(*limit).await?;
            ctx.out.print(&log, |rows| {
                rows.iter()
                    .map(|r| {
                        format!(
                            "{:>5}  {}  {:<20} {:<7} {}  {}",
                            r.seq, r.at, r.event, r.outcome, r.device_id, r.detail
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        AuditCmd::Verify => {
            let rows = ctx.wallet.verify_audit().await?;
            ctx.out
                .print(&serde_json::json!({ "intact": true, "rows": rows }), |_| {
                    format!("audit log intact: {rows} rows")
                });
        }
    }
    Ok(Done::Lock)
}
