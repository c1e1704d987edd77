//! `cairn`: the core's command line, for testers and scripts. Same `Wallet` API as the app.
//! Passwords come from `CAIRN_PASSWORD`, a file descriptor (`--password-fd`) or a prompt;
//! never from an argument, where `ps` and shell history would see them.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use cairn_core::logging;
use cairn_core::{KdfParams, Network, Wallet, WalletConfig};
use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

#[derive(Debug, Parser)]
#[command(
    name = "cairn",
    version,
    about = "Cairn wallet core, from the command line"
)]
struct Cli {
    /// Profile directory (vault header + ledger).
    #[arg(long, env = "CAIRN_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Read the password from this file descriptor instead of CAIRN_PASSWORD or a prompt.
    #[arg(long, global = true)]
    password_fd: Option<u32>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Whether a wallet exists and which network is configured.
    Status,
    /// Create a new wallet; prints its recovery phrase once.
    Create {
        /// 12 or 24 words.
        #[arg(long, default_value_t = 12)]
        words: usize,
    },
    /// List the accounts (needs the password).
    Accounts,
    /// Native balance of an address, or of the first account.
    Balance { address: Option<String> },
    /// Devnet only: fund an address (or the first account) from the node's dev account.
    DevnetFund {
        address: Option<String>,
        #[arg(long, default_value = "10")]
        eth: String,
    },
    /// Check the ledger's integrity (needs the password).
    Doctor,
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Core(#[from] cairn_core::Error),
    #[error("no password given: set CAIRN_PASSWORD, pass --password-fd, or run in a terminal")]
    NoPassword,
    #[error("could not read the password: {0}")]
    PasswordRead(std::io::Error),
    #[error("cannot find a data directory: set CAIRN_DATA_DIR or HOME")]
    NoDataDir,
    #[error("could not start the async runtime: {0}")]
    Runtime(std::io::Error),
}

impl CliError {
    fn code(&self) -> String {
        match self {
            CliError::Core(e) => format!("{:?}", e.code()),
            _ => "InvalidInput".into(),
        }
    }
}

fn default_data_dir() -> Result<PathBuf, CliError> {
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("org.cairn.wallet"));
    }
    let home = std::env::var_os("HOME").ok_or(CliError::NoDataDir)?;
    Ok(PathBuf::from(home).join(".local/share/org.cairn.wallet"))
}

fn read_password(cli: &Cli, prompt: &str) -> Result<SecretString, CliError> {
    if let Some(fd) = cli.password_fd {
        let mut text = String::new();
        std::fs::File::open(format!("/dev/fd/{fd}"))
            .and_then(|mut f| f.read_to_string(&mut text))
            .map_err(CliError::PasswordRead)?;
        let trimmed = text.trim_end_matches(['\n', '\r']).to_string();
        zeroize::Zeroize::zeroize(&mut text);
        return Ok(SecretString::from(trimmed));
    }
    if let Ok(pw) = std::env::var("CAIRN_PASSWORD") {
        return Ok(SecretString::from(pw));
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt)
            .map(SecretString::from)
            .map_err(CliError::PasswordRead);
    }
    Err(CliError::NoPassword)
}

fn print<T: Serialize>(json: bool, value: &T, text: impl FnOnce(&T) -> String) {
    if json {
        match serde_json::to_string_pretty(value) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("cairn: could not encode the output: {e}"),
        }
    } else {
        println!("{}", text(value));
    }
}

async fn first_account(cli: &Cli, wallet: &Wallet) -> Result<String, CliError> {
    wallet.unlock(read_password(cli, "Password: ")?).await?;
    let accounts = wallet.accounts().await?;
    Ok(accounts
        .first()
        .ok_or(cairn_core::Error::NoAccount)?
        .address
        .clone())
}

async fn run(cli: &Cli) -> Result<(), CliError> {
    let data_dir = match &cli.data_dir {
        Some(d) => d.clone(),
        None => default_data_dir()?,
    };
    let network = Network::from_env().map_err(cairn_core::Error::from)?;
    let wallet = Wallet::new(WalletConfig {
        data_dir,
        network,
        kdf: KdfParams::RELEASE,
    })?;
    match &cli.command {
        Command::Status => {
            let status = wallet.status().await?;
            print(cli.json, &status, |s| format!("{s:?}"));
        }
        Command::Create { words } => {
            let password = read_password(cli, "New password: ")?;
            let created = wallet.create(password, *words).await?;
            #[derive(Serialize)]
            struct Out<'a> {
                account: &'a cairn_api::Account,
                mnemonic: &'a str,
            }
            let out = Out {
                account: &created.account,
                mnemonic: created.mnemonic.expose_secret(),
            };
            print(cli.json, &out, |o| {
                format!(
                    "Created {} ({})\nRecovery phrase, shown once: write it down and keep it offline:\n{}",
                    o.account.address, o.account.path, o.mnemonic
                )
            });
        }
        Command::Accounts => {
            let accounts = wallet.unlock(read_password(cli, "Password: ")?).await?;
            print(cli.json, &accounts, |a| {
                a.iter()
                    .map(|a| format!("{}  {}  {}", a.address, a.path, a.name))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Balance { address } => {
            let address = match address {
                Some(a) => a.clone(),
                None => first_account(cli, &wallet).await?,
            };
            let balance = wallet.balance(&address).await?;
            print(cli.json, &balance, |b| {
                format!(
                    "{} {} ({} at block {})",
                    b.formatted, b.symbol, b.address, b.block_number
                )
            });
        }
        Command::DevnetFund { address, eth } => {
            let address = match address {
                Some(a) => a.clone(),
                None => first_account(cli, &wallet).await?,
            };
            let funded = wallet.devnet_fund(&address, eth).await?;
            print(cli.json, &funded, |f| {
                format!(
                    "sent {eth} ETH in {}; balance now {} {}",
                    f.tx_hash, f.balance.formatted, f.balance.symbol
                )
            });
        }
        Command::Doctor => {
            wallet.unlock(read_password(cli, "Password: ")?).await?;
            let report = wallet.doctor().await?;
            print(cli.json, &report, |r| {
                format!("ledger integrity: {}", r.integrity)
            });
        }
    }
    Ok(())
}

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
        Err(e) => {
            eprintln!("cairn: {}", CliError::Runtime(e));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if cli.json {
                let err =
                    serde_json::json!({ "error": { "code": e.code(), "message": e.to_string() } });
                eprintln!("{err}");
            } else {
                eprintln!("cairn: {e}");
            }
            ExitCode::FAILURE
        }
    }
}
