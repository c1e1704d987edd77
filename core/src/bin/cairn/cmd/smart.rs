//! ERC-4337 smart accounts: making one for an owner (a Safe by default, or a SimpleAccount),
//! listing them, a Safe's owners and threshold, and user operations from them (a transfer,
//! optionally batched after an approval, optionally sponsored).

use clap::Subcommand;

use crate::args::parse_speed;
use crate::cmd::send::report_sent;
use crate::ctx::{Ctx, Done};
use crate::error::CliError;
use crate::output::risk_text;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// ERC-4337 smart accounts: create, list, send user operations.
    #[command(subcommand, display_order = 150)]
    Smart(SmartCmd),
    /// Safe smart accounts: create one, see who signs for it.
    #[command(subcommand, display_order = 151)]
    Safe(SafeCmd),
}

#[derive(Debug, Subcommand)]
pub enum SafeCmd {
    /// The Safe of an account (Safe 1.4.1 with its ERC-4337 module; the account's key is its
    /// one owner): its address, deployed or not. Deployed by its first user operation.
    Create {
        /// The owner; the first account when absent.
        #[arg(long)]
        owner: Option<String>,
    },
    /// A Safe's owners and threshold, as the chain says once it is deployed.
    Owners {
        /// The Safe; the first one when absent.
        address: Option<String>,
    },
    /// Make a passkey an owner of a Safe (one user operation signed by its owner; the
    /// threshold stays). Afterwards `cairn smart send --passkey ID` signs with it.
    AddPasskey {
        /// The Safe.
        #[arg(long)]
        account: String,
        /// The passkey's id (`cairn passkey list`).
        #[arg(long)]
        passkey: i64,
        /// Ask the paymaster to pay the gas.
        #[arg(long)]
        sponsored: bool,
        #[arg(long)]
        wait: bool,
    },
    /// Take a passkey off a Safe's owners (the last owner stays).
    RemovePasskey {
        #[arg(long)]
        account: String,
        #[arg(long)]
        passkey: i64,
        #[arg(long)]
        sponsored: bool,
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SmartCmd {
    /// The smart account of an account: its address, deployed or not. Made on first use;
    /// deployed by its first user operation.
    Create {
        /// The owner; the first account when absent.
        #[arg(long)]
        owner: Option<String>,
        /// safe (Safe 1.4.1), simple (SimpleAccount, EntryPoint v0.7), or a SimpleAccount's
        /// EntryPoint version: v0.7 or v0.8.
        #[arg(long, visible_alias = "version", default_value = "safe")]
        kind: String,
    },
    List,
    /// A user operation from a smart account: a transfer, optionally preceded by an approval
    /// (a batch), its gas paid by the account or by the network's paymaster.
    Send {
        /// The smart account.
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        token: Option<String>,
        /// Also approve SPENDER=AMOUNT of --token, in the same operation.
        #[arg(long, requires = "token")]
        approve: Option<String>,
        /// Ask the paymaster to pay the gas.
        #[arg(long)]
        sponsored: bool,
        #[arg(long, default_value = "normal")]
        speed: String,
        #[arg(long)]
        quote: bool,
        #[arg(long)]
        wait: bool,
        /// Send even though the risk checks block it.
        #[arg(long)]
        override_risk: bool,
        /// A Safe's operation signed by this passkey (its id, `cairn passkey list`) instead of
        /// the owner key; a passkey's own Safe is signed by its passkey without it.
        #[arg(long)]
        passkey: Option<i64>,
    },
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let wallet = &ctx.wallet;
    ctx.unlock().await?;
    let cmd = match cmd {
        Cmd::Smart(cmd) => cmd,
        Cmd::Safe(SafeCmd::Create { owner }) => {
            let owner = ctx.address_or_first(owner).await?;
            let account = wallet.smart_account(&owner, Some("safe")).await?;
            ctx.out.print(&account, line);
            return Ok(Done::Lock);
        }
        Cmd::Safe(SafeCmd::Owners { address }) => {
            let list = wallet.smart_accounts().await?;
            let safe = list
                .into_iter()
                .filter(|a| a.kind == "safe")
                .find(|a| {
                    address
                        .as_deref()
                        .is_none_or(|x| x.trim().eq_ignore_ascii_case(&a.address))
                })
                .ok_or_else(|| {
                    CliError::Usage(match address {
                        Some(a) => format!("{a} is not a Safe of this wallet"),
                        None => "this wallet has no Safe: cairn safe create".into(),
                    })
                })?;
            ctx.out.print(&safe, owners_text);
            return Ok(Done::Lock);
        }
        Cmd::Safe(SafeCmd::AddPasskey {
            account,
            passkey,
            sponsored,
            wait,
        }) => {
            let op = wallet
                .safe_passkey_add(account, *passkey, *sponsored, ctx.code()?)
                .await?;
            report_sent(ctx, op, *wait).await?;
            return Ok(Done::Lock);
        }
        Cmd::Safe(SafeCmd::RemovePasskey {
            account,
            passkey,
            sponsored,
            wait,
        }) => {
            let op = wallet
                .safe_passkey_remove(account, *passkey, *sponsored, ctx.code()?)
                .await?;
            report_sent(ctx, op, *wait).await?;
            return Ok(Done::Lock);
        }
    };
    match cmd {
        SmartCmd::Create { owner, kind } => {
            let owner = ctx.address_or_first(owner).await?;
            let account = wallet.smart_account(&owner, Some(kind)).await?;
            ctx.out.print(&account, line);
        }
        SmartCmd::List => {
            let list = wallet.smart_accounts().await?;
            ctx.out
                .print(&list, |l| l.iter().map(line).collect::<Vec<_>>().join("\n"));
        }
        SmartCmd::Send {
            from,
            to,
            amount,
            token,
            approve,
            sponsored,
            speed,
            quote,
            wait,
            override_risk,
            passkey,
        } => {
            let mut calls = Vec::new();
            if let (Some(spec), Some(token)) = (approve, token) {
                let (spender, allowance) = spec
                    .split_once('=')
                    .ok_or_else(|| CliError::Usage("--approve takes SPENDER=AMOUNT".into()))?;
                calls.push(cairn_api::CallSpec::Approve {
                    token: token.clone(),
                    spender: spender.trim().to_string(),
                    amount: allowance.trim().to_string(),
                });
            }
            calls.push(cairn_api::CallSpec::Transfer {
                to: to.clone(),
                token: token.clone(),
                amount: amount.clone(),
            });
            let request = cairn_api::UserOpRequest {
                from: from.clone(),
                calls,
                sponsored: *sponsored,
                speed: parse_speed(speed, None, None)?,
                mfa_code: ctx.code()?,
                override_risk: *override_risk,
                signer: *passkey,
            };
            if *quote {
                let q = wallet.quote_user_op(&request).await?;
                ctx.out.print(&q, |q| {
                    format!(
                        "{} call(s) from {}{}: gas paid by {}, at most {} {} (gas {}){}",
                        q.calls,
                        q.from,
                        if q.deploys { ", deploying it" } else { "" },
                        q.gas_paid_by,
                        q.max_network_fee,
                        q.native_symbol,
                        q.total_gas,
                        if q.online {
                            ""
                        } else {
                            " (bundler unreachable: default gas limits)"
                        }
                    ) + &q.risk.as_ref().map(risk_text).unwrap_or_default()
                });
                return Ok(Done::Leave);
            }
            let op = wallet.send_user_op(&request).await?;
            report_sent(ctx, op, *wait).await?;
        }
    }
    Ok(Done::Lock)
}

fn line(a: &cairn_api::SmartAccount) -> String {
    format!(
        "{}  {} of {}, {}",
        a.address,
        match a.kind.as_str() {
            "safe" => "Safe".to_string(),
            _ => format!("{} SimpleAccount", a.entry_point_version),
        },
        match &a.passkey {
            Some(label) => format!("passkey \"{label}\""),
            None => a.owner.clone(),
        },
        if a.deployed {
            "deployed"
        } else {
            "not deployed yet"
        }
    )
}

fn owners_text(a: &cairn_api::SmartAccount) -> String {
    match (&a.owners, a.threshold) {
        (Some(owners), Some(t)) => format!(
            "{}: {t} of {} owner(s){}\n{}",
            a.address,
            owners.len(),
            if a.deployed {
                ""
            } else {
                " (not deployed yet)"
            },
            owners.join("\n")
        ),
        _ => format!("{}: the node did not say who owns it", a.address),
    }
}
