//! The top of the command line: `Cli`, the flags every command takes, and the parsing of
//! values more than one command shares. The commands themselves are declared by their groups
//! in `cmd/`.

use std::path::PathBuf;

use cairn_api::SendSpeed;
use cairn_core::profiles;
use clap::{Args, Parser};

use crate::cmd::Command;
use crate::error::CliError;

#[derive(Debug, Parser)]
#[command(
    name = "cairn",
    version,
    about = "Cairn wallet core, from the command line"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

// `global = true`: accepted before or after the subcommand. A `//` comment, not `///`: clap
// would make a doc comment here the about text of `cairn` itself.
#[derive(Debug, Args)]
pub struct Global {
    // The help as an attribute: rustdoc would read `<root>` in a doc comment as HTML.
    #[arg(
        long,
        env = "CAIRN_DATA_DIR",
        global = true,
        help = "Root data directory; profiles live in <root>/profiles/<name>"
    )]
    pub data_dir: Option<PathBuf>,
    /// Which wallet profile.
    #[arg(long, env = "CAIRN_PROFILE", global = true, default_value = profiles::DEFAULT_PROFILE)]
    pub profile: String,
    /// Read the password from this file descriptor instead of CAIRN_PASSWORD or a prompt.
    #[arg(long, global = true)]
    pub password_fd: Option<u32>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Ask for the second factor's code (from the authenticator app, or a recovery code) for
    /// actions the policy guards: sends above its limits, exports, policy changes. The code is
    /// read from --code-fd, else CAIRN_MFA_CODE, else a hidden prompt; never from the command
    /// line, where `ps` shows it.
    #[arg(long, global = true)]
    pub code: bool,
    /// Read the second factor's code from this file descriptor.
    #[arg(long, global = true)]
    pub code_fd: Option<u32>,
}

/// `--speed` (slow, normal, fast), unless both custom fees are given, which win.
pub fn parse_speed(
    speed: &str,
    max_fee_gwei: Option<&String>,
    priority_fee_gwei: Option<&String>,
) -> Result<SendSpeed, CliError> {
    Ok(match (max_fee_gwei, priority_fee_gwei, speed) {
        (Some(max), Some(tip), _) => SendSpeed::Custom {
            max_fee_gwei: max.clone(),
            priority_fee_gwei: tip.clone(),
        },
        (_, _, "slow") => SendSpeed::Slow,
        (_, _, "normal") => SendSpeed::Normal,
        (_, _, "fast") => SendSpeed::Fast,
        (_, _, other) => return Err(CliError::Usage(format!("unknown speed {other:?}"))),
    })
}
