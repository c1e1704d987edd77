//! Networks: the list, adding one (every endpoint checked for the chain id), switching.

use clap::Subcommand;

use crate::ctx::{Ctx, Done};
use crate::error::CliError;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Networks: list, add (every endpoint checked for the chain id), use.
    #[command(subcommand, display_order = 290)]
    Network(NetworkCmd),
}

// Parsed once per process: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum NetworkCmd {
    List,
    Add {
        #[arg(long)]
        chain_id: u64,
        #[arg(long)]
        name: String,
        /// Comma-separated, in failover order.
        #[arg(long)]
        rpc: String,
        #[arg(long, default_value = "ETH")]
        symbol: String,
        #[arg(long, default_value_t = 18)]
        decimals: u8,
        #[arg(long, default_value_t = 12)]
        confirmations: u64,
        #[arg(long)]
        explorer_api: Option<String>,
        #[arg(long)]
        bundler: Option<String>,
        #[arg(long)]
        paymaster: Option<String>,
        /// The most per gas (gwei) to offer from the node's fee data without a fee set by hand
        /// (default: 1000, or the preset's for its chain).
        #[arg(long)]
        fee_ceiling_gwei: Option<u64>,
        /// A WebSocket endpoint to follow new blocks on (default: the one beside the RPC
        /// endpoint, when it has one).
        #[arg(long)]
        ws: Option<String>,
        /// The most blocks one eth_getLogs request may span (default 10000).
        #[arg(long)]
        log_span: Option<u64>,
    },
    Use {
        chain_id: u64,
    },
}

pub async fn run(ctx: &Ctx<'_>, cmd: &Cmd) -> Result<Done, CliError> {
    let Cmd::Network(cmd) = cmd;
    let wallet = &ctx.wallet;
    ctx.unlock().await?;
    match cmd {
        NetworkCmd::List => {
            let list = wallet.networks().await?;
            ctx.out
                .print(&list, |l| l.iter().map(line).collect::<Vec<_>>().join("\n"));
        }
        NetworkCmd::Add {
            chain_id,
            name,
            rpc,
            symbol,
            decimals,
            confirmations,
            explorer_api,
            bundler,
            paymaster,
            fee_ceiling_gwei,
            ws,
            log_span,
        } => {
            let spec = cairn_api::NetworkSpec {
                chain_id: *chain_id,
                name: name.clone(),
                currency_symbol: symbol.clone(),
                currency_decimals: *decimals,
                rpc_urls: rpc.split(',').map(|u| u.trim().to_string()).collect(),
                bundler_url: bundler.clone(),
                paymaster_url: paymaster.clone(),
                explorer_api_url: explorer_api.clone(),
                confirmations: *confirmations,
                fee_ceiling_gwei: *fee_ceiling_gwei,
                ws_url: ws.clone(),
                log_span_blocks: *log_span,
            };
            let added = wallet.add_network(&spec).await?;
            ctx.out.print(&added, line);
        }
        NetworkCmd::Use { chain_id } => {
            let used = wallet.use_network(*chain_id).await?;
            ctx.out.print(&used, line);
        }
    }
    Ok(Done::Lock)
}

/// `*` marks the network in use.
fn line(n: &cairn_api::NetworkEntry) -> String {
    format!(
        "{} {:>9}  {:<16} {}{}",
        if n.active { "*" } else { " " },
        n.spec.chain_id,
        n.spec.name,
        n.spec.rpc_urls.join(", "),
        if n.user_added { "  (added)" } else { "" }
    )
}
