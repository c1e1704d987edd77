//! `CliError`: everything a command can fail with, its `code` in the `--json` error envelope,
//! and its exit status.

use std::process::ExitCode;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Core(#[from] cairn_core::Error),
    #[error(
        "no {0} given: set it in the environment, pass a file descriptor, or run in a terminal"
    )]
    NoSecret(&'static str),
    #[error("could not read the {0}: {1}")]
    Read(&'static str, std::io::Error),
    #[error("cannot find a data directory: set CAIRN_DATA_DIR or HOME")]
    NoDataDir,
    #[error("could not start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("{0}")]
    Usage(String),
    #[error("operation {id} ended {state}{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    NotConfirmed {
        id: i64,
        state: String,
        detail: Option<String>,
    },
}

impl CliError {
    /// The core's error code; the CLI's own failures all count as bad input.
    pub fn code(&self) -> String {
        match self {
            CliError::Core(e) => format!("{:?}", e.code()),
            CliError::NotConfirmed { .. } => "NotConfirmed".into(),
            _ => "InvalidInput".into(),
        }
    }

    /// One status for every failure: scripts tell failures apart by `code` in the `--json`
    /// envelope. (clap's own usage errors exit before any of this, with 2.)
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::FAILURE
    }
}
