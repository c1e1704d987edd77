//! `cairn`: the core's command line, for testers and scripts. Same `Wallet` API as the app.
//! Passwords and secrets come from environment variables, a file descriptor or a prompt —
//! never from an argument, where `ps` and shell history would see them.
//! Errors at this edge are printed (as JSON with `--json`) and turned into a non-zero exit.
//!
//! This file only wires the parts together: `args` (the top of the command line), `ctx` (a
//! ready wallet), `cmd` (the commands, one file per group), `output` (everything printed,
//! errors included) and `error`.

mod args;
mod cmd;
mod ctx;
mod error;
mod output;

use std::process::ExitCode;

use cairn_core::logging;
use clap::Parser;

use crate::args::Cli;
use crate::ctx::Ctx;
use crate::error::CliError;
use crate::output::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Console logging only when asked (CAIRN_LOG), so stdout stays clean for scripts.
    let _log = if std::env::var_os("CAIRN_LOG").is_some() {
        logging::init(None, true).ok()
    } else {
        None
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        // Reported as text even with --json, as it always has been.
        Err(e) => return Output::new(false).exit(Err(CliError::Runtime(e))),
    };
    let out = Output::new(cli.global.json);
    out.exit(runtime.block_on(async {
        let ctx = Ctx::open(&cli.global)?;
        cmd::run(&ctx, &cli.command).await
    }))
}
