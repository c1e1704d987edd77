//! Logging for every front end: JSON lines to a daily-rotated file in the app's data dir (kept a
//! week) plus readable lines on stderr, and one correlation id per command so a UI action can be
//! followed through the core. Filter with `CAIRN_LOG` (e.g. `CAIRN_LOG=debug`).
//!
//! A room of its own (a file): may use nothing else in the crate; every room may use it.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use ring::rand::{SecureRandom, SystemRandom};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{Builder, Rotation};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{fmt, EnvFilter, Layer};

#[derive(Debug, thiserror::Error)]
pub enum LoggingError {
    #[error("cannot open the log directory {path}: {reason}")]
    Dir { path: PathBuf, reason: String },
    #[error("logging was already set up in this process")]
    AlreadySet,
}

/// Keeps the background log writer alive; logs written after it drops may be lost.
#[derive(Debug)]
pub struct LogGuard {
    _file: Option<WorkerGuard>,
}

const DEFAULT_FILTER: &str = "info";
const KEEP_FILES: usize = 7;

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("CAIRN_LOG").unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
}

/// Sets up the process's logging: JSON to `log_dir` if given, readable text on stderr if
/// `console`. Call once, at start-up.
pub fn init(log_dir: Option<&Path>, console: bool) -> Result<LogGuard, LoggingError> {
    let (file_layer, guard) = match log_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| LoggingError::Dir {
                path: dir.to_path_buf(),
                reason: e.to_string(),
            })?;
            let appender = Builder::new()
                .rotation(Rotation::DAILY)
                .filename_prefix("cairn")
                .filename_suffix("log")
                .max_log_files(KEEP_FILES)
                .build(dir)
                .map_err(|e| LoggingError::Dir {
                    path: dir.to_path_buf(),
                    reason: e.to_string(),
                })?;
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = fmt::layer()
                .json()
                .with_current_span(true)
                .with_span_list(true)
                .with_writer(writer)
                .with_filter(filter());
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    let console_layer = console.then(|| {
        fmt::layer()
            .compact()
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .with_filter(filter())
    });
    tracing_subscriber::registry()
        .with(file_layer)
        .with(console_layer)
        .try_init()
        .map_err(|_| LoggingError::AlreadySet)?;
    Ok(LogGuard { _file: guard })
}

/// A fresh id to tie together every log line of one command.
pub fn correlation_id() -> String {
    let mut bytes = [0u8; 8];
    // A failed RNG only costs uniqueness of a log id; fall back to the clock.
    if SystemRandom::new().fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        bytes = nanos.to_be_bytes();
    }
    hex::encode(bytes)
}

/// A named point in a write path where a test may end the process, as a kill at that instant
/// would: with the `test-support` feature, and `CAIRN_FAILPOINT` naming this point, the process
/// says so on stderr and aborts on the spot (no destructors, nothing flushed). Without the
/// feature (the app, release builds) it does nothing.
#[inline]
pub fn failpoint(name: &str) {
    #[cfg(feature = "test-support")]
    if std::env::var("CAIRN_FAILPOINT").is_ok_and(|v| v == name) {
        eprintln!("failpoint {name}");
        std::process::abort();
    }
    #[cfg(not(feature = "test-support"))]
    let _ = name;
}

#[cfg(test)]
mod tests {
    #[test]
    fn correlation_ids_differ() {
        let a = super::correlation_id();
        assert_eq!(a.len(), 16);
        assert_ne!(a, super::correlation_id());
    }
}
