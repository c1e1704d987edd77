//! Fiat prices: the table with sources and ages, a refresh, the settings, and the value of
//! everything the wallet holds.

use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Fiat prices: the currency values are shown in, where prices come from, how old they are.
    #[command(subcommand, display_order = 285)]
    Prices(PricesCmd),
}

#[derive(Debug, Subcommand)]
pub enum PricesCmd {
    /// The prices held for the active network, with source and age.
    Show,
    /// Read the network's price feeds now (and the REST service, when turned on).
    Refresh,
    /// Change how prices are found and shown.
    Set {
        /// USD, EUR, GBP or CHF.
        #[arg(long)]
        currency: Option<String>,
        /// on: read prices; off: never read or show any.
        #[arg(long, value_parser = ["on", "off"])]
        prices: Option<String>,
        /// on: ask a keyless REST price service (assets by name, never your addresses) where
        /// no on-chain feed answers freshly.
        #[arg(long, value_parser = ["on", "off"])]
        rest: Option<String>,
        #[arg(long)]
        rest_url: Option<String>,
    },
    /// The value of every visible account's holdings on the active network.
    Portfolio,
}

fn age(now: u64, at: u64) -> String {
    let secs = now.saturating_sub(at);
    match secs {
        0..=119 => format!("{secs} s ago"),
        120..=7_199 => format!("{} min ago", secs / 60),
        7_200..=172_799 => format!("{} h ago", secs / 3_600),
        _ => format!("{} days ago", secs / 86_400),
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn table_text(t: &cairn_api::PriceTable) -> String {
    let s = &t.settings;
    let mut lines = vec![format!(
        "currency {}; prices {}; REST fallback {} ({})",
        s.currency,
        if s.enabled { "on" } else { "off" },
        if s.rest_fallback { "on" } else { "off" },
        s.rest_url
    )];
    if t.rows.is_empty() {
        lines.push("no prices held yet".into());
    }
    let now = now();
    for r in &t.rows {
        lines.push(format!(
            "{:<8} {:>20} USD  {:<9} {}{}",
            r.label,
            r.usd,
            r.source,
            age(now, r.priced_at),
            if r.stale { "  STALE" } else { "" }
        ));
    }
    lines.join("\n")
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let Cmd::Prices(cmd) = cmd;
    ctx.unlock().await?;
    let wallet = &ctx.wallet;
    match cmd {
        PricesCmd::Show => ctx.out.print(&wallet.prices().await?, table_text),
        PricesCmd::Refresh => ctx.out.print(&wallet.refresh_prices().await?, table_text),
        PricesCmd::Set {
            currency,
            prices,
            rest,
            rest_url,
        } => {
            let mut s = wallet.prices().await?.settings;
            if let Some(c) = currency {
                s.currency = c.clone();
            }
            if let Some(p) = prices {
                s.enabled = p == "on";
            }
            if let Some(r) = rest {
                s.rest_fallback = r == "on";
            }
            if let Some(u) = rest_url {
                s.rest_url = u.clone();
            }
            wallet.set_price_settings(&s).await?;
            ctx.out.print(&wallet.prices().await?, table_text);
        }
        PricesCmd::Portfolio => {
            wallet.sync_once().await?;
            let p = wallet.portfolio().await?;
            ctx.out.print(&p, |p| {
                let value = match &p.total {
                    Some(v) => format!(
                        "{} {}{}",
                        v.amount,
                        v.currency,
                        if v.stale { " (stale price)" } else { "" }
                    ),
                    None => format!("no {} value: no price known", p.currency),
                };
                let native = p.native_total.as_deref().unwrap_or("— (not read yet)");
                let mut text = format!("{value}\n{native} {}", p.native_symbol);
                if !p.unpriced.is_empty() {
                    text.push_str(&format!("\nnot valued: {}", p.unpriced.join(", ")));
                }
                text
            });
        }
    }
    Ok(Done::Lock)
}
