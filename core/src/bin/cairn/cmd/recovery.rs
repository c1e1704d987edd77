//! Guardians of a Safe and recovery: setting and listing guardians, and the recovery steps —
//! a request made on the new device, reviewed and approved by each guardian, submitted with the
//! approvals, executed after the delay, cancelled by the owner, and its status (which takes a
//! recovered Safe into this wallet). Requests and approvals travel as JSON files.

use clap::Subcommand;

use crate::cmd::send::report_sent;
use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Guardians of a Safe: who can recover it, how many must agree, after what delay.
    #[command(subcommand, display_order = 152)]
    Guardians(GuardiansCmd),
    /// Recover a Safe whose key is lost, with its guardians' help.
    #[command(subcommand, display_order = 153)]
    Recovery(RecoveryCmd),
}

#[derive(Debug, Subcommand)]
pub enum GuardiansCmd {
    /// Put guardians on a Safe, replacing any it had (one user operation from the Safe).
    Set {
        /// The Safe; the wallet's first Safe when absent.
        #[arg(long)]
        account: Option<String>,
        /// A guardian's address (repeat for each).
        #[arg(long = "guardian", required = true)]
        guardians: Vec<String>,
        /// How many guardians must approve a recovery.
        #[arg(long)]
        threshold: u64,
        /// Seconds a recovery waits before it can run (the time to notice and cancel it);
        /// 3 days when absent, at least 1 day on public networks.
        #[arg(long)]
        delay: Option<u64>,
        #[arg(long)]
        sponsored: bool,
        #[arg(long)]
        wait: bool,
    },
    /// A Safe's guardians and what its timelock holds.
    List {
        #[arg(long)]
        account: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RecoveryCmd {
    /// On the new device: ask for a Safe (this wallet's first account becomes its owner).
    Request {
        /// The Safe to recover.
        #[arg(long)]
        account: String,
        #[arg(long)]
        new_owner: Option<String>,
        /// The account's recovery kit (file or JSON): used when no node answers.
        #[arg(long)]
        kit: Option<String>,
        /// Write the request here (it is printed otherwise).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// As the owner: the Safe's recovery kit, what a new device needs to ask for it offline.
    Kit {
        #[arg(long)]
        account: Option<String>,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// As a guardian: what a request asks, checked against the chain.
    Review { request: String },
    /// As a guardian: sign a request.
    Approve {
        request: String,
        /// The guardian account that signs; found among this wallet's when absent.
        #[arg(long = "as")]
        guardian: Option<String>,
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Schedule the recovery with the guardians' approvals (files or JSON).
    Submit {
        request: String,
        #[arg(long = "approval", required = true)]
        approvals: Vec<String>,
        /// The smart account of this wallet that sends it.
        #[arg(long)]
        from: String,
        #[arg(long)]
        sponsored: bool,
        #[arg(long)]
        wait: bool,
    },
    /// Run a scheduled recovery once its delay has passed (anyone may).
    Execute {
        request: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        sponsored: bool,
        #[arg(long)]
        wait: bool,
    },
    /// As the owner: cancel what the Safe's timelock holds (a recovery you did not start).
    Cancel {
        #[arg(long)]
        account: String,
        /// The timelock's operation id (`cairn guardians list` shows it).
        #[arg(long)]
        id: String,
        #[arg(long)]
        sponsored: bool,
        #[arg(long)]
        wait: bool,
    },
    /// Where a recovery stands; once done, this wallet takes the Safe in if it is the new owner.
    Status { request: String },
    /// The requests this wallet made that have not completed here, one JSON line each.
    Requests,
}

/// A request or approval given as a file path or as the JSON itself.
fn text_of(arg: &str, what: &'static str) -> Result<String, CliError> {
    if arg.trim_start().starts_with('{') {
        return Ok(arg.to_string());
    }
    std::fs::read_to_string(arg).map_err(|e| CliError::Read(what, e))
}

fn write_or_print(
    ctx: &Ctx<'_>,
    out: &Option<std::path::PathBuf>,
    json: &str,
) -> Result<(), CliError> {
    match out {
        Some(path) => {
            std::fs::write(path, format!("{json}\n"))
                .map_err(|e| CliError::Usage(format!("could not write {}: {e}", path.display())))?;
            let written = serde_json::json!({ "written": path.display().to_string() });
            ctx.out
                .print(&written, |_| format!("written to {}", path.display()));
            Ok(())
        }
        None => {
            let value: serde_json::Value = serde_json::from_str(json)
                .map_err(|e| CliError::Usage(format!("an unreadable answer: {e}")))?;
            ctx.out.print(&value, |v| v.to_string());
            Ok(())
        }
    }
}

async fn first_safe(ctx: &Ctx<'_>, given: &Option<String>) -> Result<String, CliError> {
    if let Some(a) = given {
        return Ok(a.clone());
    }
    ctx.wallet
        .smart_accounts()
        .await?
        .into_iter()
        .find(|a| a.kind == "safe")
        .map(|a| a.address)
        .ok_or_else(|| CliError::Usage("this wallet has no Safe: cairn safe create".into()))
}

fn guardians_text(g: &cairn_api::Guardians) -> String {
    if g.guardians.is_empty() {
        return format!("{}: no guardians", g.account);
    }
    let mut lines = vec![format!(
        "{}: {} of {} guardian(s), delay {} s (timelock {}, guardian Safe {})",
        g.account,
        g.threshold,
        g.guardians.len(),
        g.delay_secs,
        g.timelock.as_deref().unwrap_or("?"),
        g.guardian_safe.as_deref().unwrap_or("?"),
    )];
    lines.extend(g.guardians.iter().map(|a| format!("  guardian {a}")));
    for s in &g.scheduled {
        lines.push(match s.kind.as_str() {
            "owner_change" => format!(
                "  scheduled {}: owner {} → {} ({}{})",
                s.id,
                s.old_owner.as_deref().unwrap_or("?"),
                s.new_owner.as_deref().unwrap_or("?"),
                s.state,
                s.ready_at
                    .map(|t| format!(", from {t}"))
                    .unwrap_or_default()
            ),
            _ => format!("  scheduled {}: NOT an owner change ({})", s.id, s.state),
        });
    }
    lines.join("\n")
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let wallet = &ctx.wallet;
    ctx.unlock().await?;
    match cmd {
        Cmd::Guardians(GuardiansCmd::Set {
            account,
            guardians,
            threshold,
            delay,
            sponsored,
            wait,
        }) => {
            let account = first_safe(ctx, account).await?;
            let op = wallet
                .set_guardians(&cairn_api::GuardianRequest {
                    account,
                    guardians: guardians.clone(),
                    threshold: *threshold,
                    delay_secs: *delay,
                    sponsored: *sponsored,
                    mfa_code: ctx.code()?,
                })
                .await?;
            report_sent(ctx, op, *wait).await?;
        }
        Cmd::Guardians(GuardiansCmd::List { account }) => {
            let account = first_safe(ctx, account).await?;
            let g = wallet.guardians(&account).await?;
            ctx.out.print(&g, guardians_text);
        }
        Cmd::Recovery(RecoveryCmd::Request {
            account,
            new_owner,
            kit,
            out,
        }) => {
            let kit = kit.as_deref().map(|k| text_of(k, "kit")).transpose()?;
            let request = wallet
                .recovery_request(account, new_owner.as_deref(), kit.as_deref())
                .await?;
            write_or_print(ctx, out, &request)?;
        }
        Cmd::Recovery(RecoveryCmd::Kit { account, out }) => {
            let account = first_safe(ctx, account).await?;
            let kit = wallet.recovery_kit(&account).await?;
            write_or_print(ctx, out, &kit)?;
        }
        Cmd::Recovery(RecoveryCmd::Review { request }) => {
            let review = wallet
                .recovery_review(&text_of(request, "request")?)
                .await?;
            ctx.out.print(&review, |r| {
                format!(
                    "replace owner {} with {} on {} (chain {}), after {} s\n\
                     guardian Safe {}{}\nyour guardian account(s): {}\nhash {}",
                    r.old_owner,
                    r.new_owner,
                    r.account,
                    r.chain_id,
                    r.delay_secs,
                    r.guardian_safe,
                    match (r.checked, r.threshold) {
                        (true, Some(t)) => format!(", {t} of {} must sign", r.guardians.len()),
                        _ => " (NOT checked: no node answered)".into(),
                    },
                    if r.mine.is_empty() {
                        "none".into()
                    } else {
                        r.mine.join(", ")
                    },
                    r.hash
                )
            });
            return Ok(Done::Leave);
        }
        Cmd::Recovery(RecoveryCmd::Approve {
            request,
            guardian,
            out,
        }) => {
            let approval = wallet
                .recovery_approve(&text_of(request, "request")?, guardian.as_deref())
                .await?;
            let json = serde_json::to_string(&approval)
                .map_err(|e| CliError::Usage(format!("could not encode the approval: {e}")))?;
            write_or_print(ctx, out, &json)?;
        }
        Cmd::Recovery(RecoveryCmd::Submit {
            request,
            approvals,
            from,
            sponsored,
            wait,
        }) => {
            let mut list = Vec::new();
            for a in approvals {
                let text = text_of(a, "approval")?;
                list.push(
                    serde_json::from_str::<cairn_api::RecoveryApproval>(&text)
                        .map_err(|e| CliError::Usage(format!("{a} is not an approval: {e}")))?,
                );
            }
            let op = wallet
                .recovery_submit(&text_of(request, "request")?, &list, from, *sponsored)
                .await?;
            report_sent(ctx, op, *wait).await?;
        }
        Cmd::Recovery(RecoveryCmd::Execute {
            request,
            from,
            sponsored,
            wait,
        }) => {
            let op = wallet
                .recovery_execute(&text_of(request, "request")?, from, *sponsored)
                .await?;
            report_sent(ctx, op, *wait).await?;
        }
        Cmd::Recovery(RecoveryCmd::Cancel {
            account,
            id,
            sponsored,
            wait,
        }) => {
            let op = wallet
                .recovery_cancel(account, id, *sponsored, ctx.code()?)
                .await?;
            report_sent(ctx, op, *wait).await?;
        }
        Cmd::Recovery(RecoveryCmd::Requests) => {
            let kept = wallet.recovery_requests().await?;
            ctx.out.print(&kept, |k| k.join("\n"));
        }
        Cmd::Recovery(RecoveryCmd::Status { request }) => {
            let status = wallet
                .recovery_status(&text_of(request, "request")?)
                .await?;
            ctx.out.print(&status, |s| {
                format!(
                    "{}: {}{}; owners {}{}",
                    s.account,
                    s.state,
                    s.ready_at
                        .map(|t| format!(" (from {t})"))
                        .unwrap_or_default(),
                    s.owners.join(", "),
                    if s.adopted {
                        "; this wallet now holds it"
                    } else {
                        ""
                    }
                )
            });
        }
    }
    Ok(Done::Lock)
}
