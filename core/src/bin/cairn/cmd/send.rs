//! Moving value from an account and following it: balances, sending, the operations' queue
//! (activity, sync) and what can be done to a pending one (speed up, cancel, sign again).
//! `after_send` is shared with smart-account sends.

use std::time::Duration;

use cairn_api::SendRequest;
use cairn_core::Wallet;
use clap::Subcommand;

use crate::args::parse_speed;
use crate::ctx::{Ctx, Done};
use crate::error::CliError;
use crate::output::{operation_line, risk_text};

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Native balance of an address, or of the first account.
    #[command(display_order = 110)]
    Balance { address: Option<String> },
    /// Send ETH or a token: shows the quote, signs, queues; sent at once when a node answers,
    /// otherwise by the next `cairn sync`.
    #[command(display_order = 140)]
    Send {
        #[arg(long)]
        to: String,
        /// In the asset's units, e.g. 1.5
        #[arg(long)]
        amount: String,
        /// ERC-20 contract (added with `cairn token add`); ETH when absent.
        #[arg(long)]
        token: Option<String>,
        /// The sending account; the first one when absent.
        #[arg(long)]
        from: Option<String>,
        /// slow, normal or fast (ignored with --max-fee-gwei).
        #[arg(long, default_value = "normal")]
        speed: String,
        #[arg(long, requires = "priority_fee_gwei")]
        max_fee_gwei: Option<String>,
        #[arg(long, requires = "max_fee_gwei")]
        priority_fee_gwei: Option<String>,
        /// Only show what it would cost.
        #[arg(long)]
        quote: bool,
        /// Wait until it is confirmed, failed or needs a new signature.
        #[arg(long)]
        wait: bool,
        /// Send even though the risk checks block it.
        #[arg(long)]
        override_risk: bool,
    },
    /// The wallet's operations on this network, newest first, one page at a time.
    #[command(display_order = 220)]
    Activity {
        /// Only this account's (the sender).
        #[arg(long)]
        account: Option<String>,
        /// A state (confirmed, failed, …), or `pending` (not final yet) or `ended`.
        #[arg(long)]
        state: Option<String>,
        /// Only this asset: `native` or a token's contract address.
        #[arg(long)]
        asset: Option<String>,
        /// Only operations to this address.
        #[arg(long)]
        to: Option<String>,
        /// Rows per page (1 to 500).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// The next (older) page: the cursor the previous page printed.
        #[arg(long, value_name = "CURSOR")]
        before: Option<String>,
    },
    /// Broadcast what is queued and follow what is in flight.
    #[command(display_order = 230)]
    Sync {
        /// Keep going until nothing is queued or in flight (at most --timeout seconds).
        #[arg(long)]
        wait: bool,
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
    /// Replace a pending transaction with higher fees.
    #[command(display_order = 240)]
    SpeedUp { id: i64 },
    /// Replace a pending transaction with a zero-value transfer to oneself.
    #[command(display_order = 250)]
    Cancel { id: i64 },
    /// Sign again an operation marked needs_resign (fresh nonce and fees).
    #[command(display_order = 260)]
    Resign { id: i64 },
    /// Balances of every asset (confirmed, pending out, available), as last synced.
    #[command(display_order = 270)]
    Balances { address: Option<String> },
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let wallet = &ctx.wallet;
    match cmd {
        Cmd::Balance { address } => {
            let address = ctx.address_or_first(address).await?;
            let balance = wallet.balance(&address).await?;
            ctx.out.print(&balance, |b| {
                format!(
                    "{} {} ({} at block {})",
                    b.formatted, b.symbol, b.address, b.block_number
                )
            });
        }
        Cmd::Send {
            to,
            amount,
            token,
            from,
            speed,
            max_fee_gwei,
            priority_fee_gwei,
            quote,
            wait,
            override_risk,
        } => {
            ctx.unlock().await?;
            let from = ctx.address_or_first(from).await?;
            let speed = parse_speed(speed, max_fee_gwei.as_ref(), priority_fee_gwei.as_ref())?;
            let request = SendRequest {
                from,
                to: to.clone(),
                token: token.clone(),
                amount: amount.clone(),
                speed,
                mfa_code: ctx.code()?,
                override_risk: *override_risk,
            };
            let q = wallet.quote_send(&request).await?;
            if *quote {
                ctx.out.print(&q, |q| {
                    format!(
                        "{} {} to {}: network fee at most {} {} (gas {}), nonce {}{}",
                        q.amount,
                        q.symbol,
                        q.to,
                        q.max_network_fee,
                        q.native_symbol,
                        q.gas_limit,
                        q.nonce,
                        if q.online {
                            ""
                        } else {
                            " (offline: from the last state seen)"
                        }
                    ) + &q.risk.as_ref().map(risk_text).unwrap_or_default()
                });
                return Ok(Done::Leave);
            }
            let op = wallet.send(&request).await?;
            report_sent(ctx, op, *wait).await?;
        }
        Cmd::Activity {
            account,
            state,
            asset,
            to,
            limit,
            before,
        } => {
            ctx.unlock().await?;
            let query = cairn_api::ActivityQuery {
                account: account.clone(),
                state: state.clone(),
                counterparty: to.clone(),
                asset: asset.clone(),
                before: before.clone(),
                limit: Some(*limit),
            };
            let page = wallet.activity(&query).await?;
            ctx.out.print(&page, |page| {
                let mut lines: Vec<String> = page.operations.iter().map(operation_line).collect();
                if let Some(next) = &page.next {
                    lines.push(format!("older: --before {next}"));
                }
                lines.join("\n")
            });
        }
        Cmd::Sync { wait, timeout } => {
            ctx.unlock().await?;
            let deadline = std::time::Instant::now() + Duration::from_secs(*timeout);
            let mut status = wallet.sync_once().await?;
            while *wait && (status.queued > 0 || status.in_flight > 0) {
                if std::time::Instant::now() > deadline {
                    return Err(CliError::Usage(format!(
                        "still {} queued and {} in flight after {timeout} s",
                        status.queued, status.in_flight
                    )));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
                status = wallet.sync_once().await?;
            }
            ctx.out.print(&status, |s| {
                format!(
                    "{} via {} at block {}; {} queued, {} in flight{}",
                    if s.online { "online" } else { "offline" },
                    s.endpoint.as_deref().unwrap_or("-"),
                    s.last_block.map(|b| b.to_string()).unwrap_or("-".into()),
                    s.queued,
                    s.in_flight,
                    s.last_error
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                )
            });
        }
        Cmd::SpeedUp { id } | Cmd::Cancel { id } | Cmd::Resign { id } => {
            ctx.unlock().await?;
            let op = match cmd {
                Cmd::SpeedUp { .. } => wallet.speed_up(*id).await?,
                Cmd::Cancel { .. } => wallet.cancel(*id).await?,
                _ => wallet.resign(*id).await?,
            };
            wallet.sync_once().await?;
            ctx.out.print(&op, operation_line);
        }
        Cmd::Balances { address } => {
            ctx.unlock().await?;
            let address = ctx.address_or_first(address).await?;
            wallet.sync_once().await?;
            let balances = wallet.balances(&address).await?;
            ctx.out.print(&balances, |bs| {
                bs.iter()
                    .map(|b| {
                        let fiat = b.fiat.as_ref().map_or(String::new(), |f| {
                            let stale = if f.stale { " (stale price)" } else { "" };
                            format!("  ≈ {} {}{stale}", f.amount, f.currency)
                        });
                        format!(
                            "{:<10} {:>24} confirmed  {:>24} pending out  {:>24} available{fiat}",
                            b.symbol, b.confirmed, b.pending_out, b.available
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(Done::Lock)
}

/// What every command that queues an operation does next: sends it (offline it stays queued
/// for the next sync), with `wait` follows it to its end, prints it as it stands then, and
/// with `wait` fails unless it was confirmed.
pub async fn report_sent(
    ctx: &Ctx<'_>,
    op: cairn_api::Operation,
    wait: bool,
) -> Result<(), CliError> {
    let op = after_send(&ctx.wallet, op, wait).await?;
    ctx.out.print(&op, operation_line);
    ended(&op, wait)
}

/// Sends what was just queued (offline it stays queued for the next sync); with `wait`, follows
/// it to its end. The operation as it stands then.
async fn after_send(
    wallet: &Wallet,
    op: cairn_api::Operation,
    wait: bool,
) -> Result<cairn_api::Operation, CliError> {
    wallet.sync_once().await?;
    if wait {
        return wait_final(wallet, op.id, Duration::from_secs(120)).await;
    }
    Ok(wallet.operation(op.id).await?)
}

/// With `--wait`, anything but confirmed is a failure the exit status must show: a script that
/// saw success would move on, one that saw a plain error might pay again.
fn ended(op: &cairn_api::Operation, wait: bool) -> Result<(), CliError> {
    if !wait || op.state == "confirmed" {
        return Ok(());
    }
    Err(CliError::NotConfirmed {
        id: op.id,
        state: op.state.clone(),
        detail: op.error.clone(),
    })
}

/// Syncs until operation `id` is confirmed, failed, or needs a new signature.
async fn wait_final(
    wallet: &Wallet,
    id: i64,
    timeout: Duration,
) -> Result<cairn_api::Operation, CliError> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        wallet.sync_once().await?;
        let op = wallet.operation(id).await?;
        if matches!(
            op.state.as_str(),
            "confirmed" | "failed" | "needs_resign" | "replaced" | "dropped"
        ) {
            return Ok(op);
        }
        if std::time::Instant::now() > deadline {
            return Err(CliError::Usage(format!(
                "operation {id} is still {} after {} s",
                op.state,
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(state: &str, error: Option<&str>) -> cairn_api::Operation {
        let mut op: cairn_api::Operation = serde_json::from_value(serde_json::json!({
            "id": 7, "kind": "transfer", "state": state, "from": "0xa", "to": "0xb",
            "symbol": "ETH", "amount": "1.0", "hash": null, "nonce": 3, "block_number": null,
            "fee_paid": null, "error": null, "replaces": null, "created_at": 0, "updated_at": 0,
            "replaceable": false, "user_operation": false, "paymaster": null, "bundle_tx": null
        }))
        .unwrap();
        op.error = error.map(str::to_string);
        op
    }

    #[test]
    fn waiting_succeeds_only_on_confirmed() {
        assert!(ended(&op("confirmed", None), true).is_ok());
        // Without --wait the command only queued it: not an outcome to judge.
        assert!(ended(&op("queued", None), false).is_ok());
        for state in ["needs_resign", "failed", "dropped", "replaced"] {
            let err = ended(&op(state, Some("nonce used elsewhere")), true).unwrap_err();
            assert_eq!(err.code(), "NotConfirmed");
            assert_eq!(
                err.to_string(),
                format!("operation 7 ended {state}: nonce used elsewhere")
            );
        }
    }
}
