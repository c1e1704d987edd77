//! The dapp bridge from the terminal: serve it (answering its requests at prompts here), see
//! whether it listens, make and revoke tokens for local programs, list and revoke grants.

use std::io::Write;

use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// The dapp bridge: a provider on 127.0.0.1 for pages and local programs.
    #[command(subcommand, display_order = 300)]
    Bridge(BridgeCmd),
}

#[derive(Debug, Subcommand)]
pub enum BridgeCmd {
    /// Serve until Ctrl-C; each request that needs you is asked here (y/N).
    Start {
        /// 0 picks a free port.
        #[arg(long, default_value_t = 8787)]
        port: u16,
    },
    /// Whether a bridge answers on the port it last used.
    Status,
    /// Tokens local programs call the bridge with.
    #[command(subcommand)]
    Tokens(TokensCmd),
    /// Who was granted which accounts; `--revoke CALLER` takes a grant back.
    Grants {
        #[arg(long)]
        revoke: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokensCmd {
    /// Make a token (printed once; Cairn keeps only its hash).
    Add {
        name: String,
    },
    /// Revoke a token: its next call is refused.
    Revoke {
        id: i64,
    },
    List,
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let Cmd::Bridge(cmd) = cmd;
    ctx.unlock().await?;
    let wallet = &ctx.wallet;
    match cmd {
        BridgeCmd::Start { port } => {
            let status = wallet.bridge_start(*port).await?;
            let url = status.url.clone().unwrap_or_default();
            ctx.out.print(&status, |_| {
                format!("bridge listening on {url} (Ctrl-C stops it)")
            });
            serve(wallet).await;
            wallet.bridge_stop().await;
        }
        BridgeCmd::Status => {
            let port = wallet.bridge_last_port().await?;
            let listening = match port {
                Some(p) => tokio::net::TcpStream::connect(("127.0.0.1", p))
                    .await
                    .is_ok(),
                None => false,
            };
            let status = cairn_api::BridgeStatus {
                running: listening,
                url: port
                    .filter(|_| listening)
                    .map(|p| format!("http://127.0.0.1:{p}")),
                port,
            };
            ctx.out.print(&status, |s| match (s.running, s.port) {
                (true, Some(p)) => format!("a bridge answers on http://127.0.0.1:{p}"),
                (false, Some(p)) => format!("nothing listens on port {p} (the last one used)"),
                _ => "the bridge was never started".into(),
            });
        }
        BridgeCmd::Tokens(TokensCmd::Add { name }) => {
            let token = wallet.bridge_token_add(name).await?;
            ctx.out.print(&token, |t| {
                format!(
                    "token {} for {:?}: {}\n(shown once: Cairn keeps only its hash)",
                    t.id,
                    t.name,
                    t.token.as_deref().unwrap_or_default()
                )
            });
        }
        BridgeCmd::Tokens(TokensCmd::Revoke { id }) => {
            wallet.bridge_token_revoke(*id).await?;
            ctx.out.print(&serde_json::json!({"revoked": id}), |_| {
                format!("token {id} revoked")
            });
        }
        BridgeCmd::Tokens(TokensCmd::List) => {
            let tokens = wallet.bridge_tokens().await?;
            ctx.out.print(&tokens, |list| {
                list.iter()
                    .map(|t| {
                        format!(
                            "{}  {}{}",
                            t.id,
                            t.name,
                            if t.revoked_at.is_some() {
                                "  (revoked)"
                            } else {
                                ""
                            }
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        BridgeCmd::Grants { revoke } => {
            if let Some(caller) = revoke {
                wallet.bridge_grant_revoke(caller).await?;
            }
            let grants = wallet.bridge_grants().await?;
            ctx.out.print(&grants, |list| {
                list.iter()
                    .map(|g| {
                        format!(
                            "{}  chain {}  {}",
                            g.label,
                            g.chain_id,
                            g.accounts.join(", ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(Done::Lock)
}

/// Asks at the terminal for each request that waits, until Ctrl-C.
async fn serve(wallet: &cairn_core::Wallet) {
    let mut events = wallet.subscribe();
    // The terminal's lines, read on a thread of their own (a blocking read).
    let (tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut asked = std::collections::HashSet::new();
    loop {
        for a in wallet.bridge_approvals() {
            if !asked.insert(a.id) {
                continue;
            }
            let warnings = a
                .warnings
                .iter()
                .map(|w| format!("\n  ! {w}"))
                .collect::<String>();
            eprint!(
                "\n{} asks {} on chain {}{}{}\n  {}\napprove? [y/N] ",
                a.label,
                a.method,
                a.chain_id,
                a.account
                    .as_deref()
                    .map(|x| format!(" for {x}"))
                    .unwrap_or_default(),
                warnings,
                a.payload,
            );
            let _ = std::io::stderr().flush();
            let answer = tokio::select! {
                line = lines.recv() => line.unwrap_or_default(),
                _ = tokio::signal::ctrl_c() => return,
            };
            let approve = answer.trim().eq_ignore_ascii_case("y");
            if let Err(e) = wallet
                .bridge_decide(cairn_api::BridgeDecision {
                    id: a.id,
                    approve,
                    accounts: Vec::new(),
                    mfa_code: None,
                })
                .await
            {
                eprintln!("cairn: {e}");
            }
        }
        tokio::select! {
            _ = events.recv() => {}
            _ = tokio::time::sleep(std::time::Duration::from_millis(500)) => {}
            _ = tokio::signal::ctrl_c() => return,
        }
    }
}
