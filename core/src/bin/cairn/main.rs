//! `cairn`: the core's command line, for testers and scripts. Same `Wallet` API as the app.
//! Passwords and secrets come from environment variables, a file descriptor or a prompt —
//! never from an argument, where `ps` and shell history would see them.
//! Errors at this edge are printed (as JSON with `--json`) and turned into a non-zero exit.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cairn_api::{SendRequest, SendSpeed};
use cairn_core::keychain;
use cairn_core::{logging, profiles};
use cairn_core::{KdfParams, KeySpec, Network, Wallet, WalletConfig};
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
    /// Root data directory; profiles live in <root>/profiles/<name>.
    #[arg(long, env = "CAIRN_DATA_DIR", global = true)]
    data_dir: Option<PathBuf>,
    /// Which wallet profile.
    #[arg(long, env = "CAIRN_PROFILE", global = true, default_value = profiles::DEFAULT_PROFILE)]
    profile: String,
    /// Read the password from this file descriptor instead of CAIRN_PASSWORD or a prompt.
    #[arg(long, global = true)]
    password_fd: Option<u32>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// The second factor's code (from the authenticator app, or a recovery code) for actions
    /// the policy guards: sends above its limits, exports, policy changes.
    #[arg(long, global = true, env = "CAIRN_MFA_CODE", hide_env_values = true)]
    code: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Whether a wallet exists, whether a wrong-password delay runs, which network.
    Status,
    /// The profiles on this device that hold a wallet.
    Profiles,
    /// Create a new wallet with a new recovery phrase; prints the phrase once.
    Create {
        /// 12 or 24 words.
        #[arg(long, default_value_t = 12)]
        words: usize,
    },
    /// Import a recovery phrase or a 0x private key (from CAIRN_SECRET, --secret-fd or a
    /// prompt; BIP-39 passphrase from CAIRN_BIP39_PASSPHRASE). Creates the wallet if there is none.
    Import {
        #[arg(long)]
        secret_fd: Option<u32>,
    },
    /// List the accounts.
    Accounts {
        /// Include hidden accounts.
        #[arg(long)]
        all: bool,
    },
    /// Manage accounts.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Change the password (new one from CAIRN_NEW_PASSWORD or a prompt).
    ChangePassword,
    /// Show a secret after entering the password again.
    #[command(subcommand)]
    Export(ExportCmd),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCmd),
    /// Set the idle time before the wallet locks itself, in seconds (60–900).
    AutoLock { secs: u64 },
    /// Native balance of an address, or of the first account.
    Balance { address: Option<String> },
    /// Devnet only: fund an address (or the first account) from the node's dev account.
    DevnetFund {
        address: Option<String>,
        #[arg(long, default_value = "10")]
        eth: String,
    },
    /// Check the ledger's integrity and the audit chain.
    Doctor,
    /// Send ETH or a token: shows the quote, signs, queues; sent at once when a node answers,
    /// otherwise by the next `cairn sync`.
    Send {
        #[arg(long)]
        to: String,
        /// In the asset's units, e.g. 1.5
        #[arg(long)]
        amount: String,
        /// ERC-20 contract (added with `cairn token add`); ETH when absent.
        #[arg(long)]
        token: Option<String>,
        /// The sending account; the first one when absent.
        #[arg(long)]
        from: Option<String>,
        /// slow, normal or fast (ignored with --max-fee-gwei).
        #[arg(long, default_value = "normal")]
        speed: String,
        #[arg(long, requires = "priority_fee_gwei")]
        max_fee_gwei: Option<String>,
        #[arg(long, requires = "max_fee_gwei")]
        priority_fee_gwei: Option<String>,
        /// Only show what it would cost.
        #[arg(long)]
        quote: bool,
        /// Wait until it is confirmed, failed or needs a new signature.
        #[arg(long)]
        wait: bool,
        /// Send even though the risk checks block it.
        #[arg(long)]
        override_risk: bool,
    },
    /// ERC-4337 smart accounts: create, list, send user operations.
    #[command(subcommand)]
    Smart(SmartCmd),
    /// People you pay: a name for an address (look-alikes of them are flagged).
    #[command(subcommand)]
    Contact(ContactCmd),
    /// Addresses never to pay: import a list (any text with 0x-addresses, e.g. a sanctions
    /// export) or add one.
    #[command(subcommand)]
    Denylist(DenylistCmd),
    /// Simulate and risk-check any call from one of your accounts, without signing it.
    Assess {
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: String,
        /// ETH sent with the call.
        #[arg(long, default_value = "0")]
        value: String,
        /// Calldata, 0x-hex.
        #[arg(long, default_value = "0x")]
        data: String,
    },
    /// Sign a message (EIP-191) or typed data (EIP-712, shown field by field first).
    #[command(subcommand)]
    Sign(SignCmd),
    /// Two-factor authentication (TOTP): status, enrol, confirm, disable.
    #[command(subcommand)]
    Mfa(MfaCmd),
    /// The spending policy: amounts above which a send needs the second factor's code.
    #[command(subcommand)]
    Policy(PolicyCmd),
    /// The operations on this network, newest first.
    Activity {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Broadcast what is queued and follow what is in flight.
    Sync {
        /// Keep going until nothing is queued or in flight (at most --timeout seconds).
        #[arg(long)]
        wait: bool,
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
    /// Replace a pending transaction with higher fees.
    SpeedUp { id: i64 },
    /// Replace a pending transaction with a zero-value transfer to oneself.
    Cancel { id: i64 },
    /// Sign again an operation marked needs_resign (fresh nonce and fees).
    Resign { id: i64 },
    /// Balances of every asset (confirmed, pending out, available), as last synced.
    Balances { address: Option<String> },
    /// ERC-20 tokens.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Networks: list, add (every endpoint checked for the chain id), use.
    #[command(subcommand)]
    Network(NetworkCmd),
    /// Value movements of an account found on chain (ETH, tokens, fees), newest first.
    History {
        address: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
enum SmartCmd {
    /// The smart account (SimpleAccount) of an account: its address, deployed or not. Made on
    /// first use; deployed by its first user operation.
    Create {
        /// The owner; the first account when absent.
        #[arg(long)]
        owner: Option<String>,
        /// EntryPoint version: v0.7 or v0.8.
        #[arg(long, default_value = "v0.7")]
        version: String,
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
    },
}

#[derive(Debug, Subcommand)]
enum NetworkCmd {
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
    },
    Use {
        chain_id: u64,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCmd {
    /// Add a token after reading its symbol and decimals from the contract.
    Add { contract: String },
}

#[derive(Debug, Subcommand)]
enum AccountCmd {
    /// Derive the next account of a recovery phrase.
    Add {
        #[arg(long)]
        source: i64,
    },
    Rename {
        address: String,
        name: String,
    },
    Hide {
        address: String,
    },
    Show {
        address: String,
    },
    /// Put these accounts first, in this order.
    Reorder {
        addresses: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ContactCmd {
    Add { name: String, address: String },
    List,
}

#[derive(Debug, Subcommand)]
enum DenylistCmd {
    Import { file: PathBuf },
    Add { address: String },
}

#[derive(Debug, Subcommand)]
enum SignCmd {
    /// personal_sign: text, or 0x-hex bytes.
    Message {
        #[arg(long)]
        address: Option<String>,
        message: String,
    },
    /// eth_signTypedData_v4 from a JSON file ("-" for stdin). Refused for another chain.
    TypedData {
        #[arg(long)]
        address: Option<String>,
        file: PathBuf,
        /// Only show what would be signed.
        #[arg(long)]
        review: bool,
    },
}

#[derive(Debug, Subcommand)]
enum MfaCmd {
    Status,
    /// Starts enrolment (asks for the password again): prints the otpauth:// URI for an
    /// authenticator app and ten recovery codes, once.
    Enroll,
    /// Turns it on with the first code the app shows (--code or CAIRN_MFA_CODE).
    Confirm,
    /// Turns it off: the password again and a code.
    Disable,
}

#[derive(Debug, Subcommand)]
enum PolicyCmd {
    Show,
    /// Sets the limits (in the native currency; "none" removes one). Needs a code.
    Set {
        #[arg(long)]
        per_send: Option<String>,
        #[arg(long)]
        per_day: Option<String>,
        /// A risk score (0-100) from which a send needs the code.
        #[arg(long)]
        mfa_above_score: Option<u32>,
        /// A risk score from which a send is refused unless --override-risk.
        #[arg(long)]
        block_above_score: Option<u32>,
    },
}

#[derive(Debug, Subcommand)]
enum ExportCmd {
    /// The recovery phrase (or imported key) of a key source.
    Phrase {
        #[arg(long)]
        source: i64,
    },
    /// The private key of one account.
    Key { address: String },
}

#[derive(Debug, Subcommand)]
enum AuditCmd {
    List {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Verify the hash chain; fails naming the first tampered row.
    Verify,
}

#[derive(Debug, thiserror::Error)]
enum CliError {
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
}

impl CliError {
    fn code(&self) -> String {
        match self {
            CliError::Core(e) => format!("{:?}", e.code()),
            _ => "InvalidInput".into(),
        }
    }
}

fn default_root() -> Result<PathBuf, CliError> {
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("org.cairn.wallet"));
    }
    let home = std::env::var_os("HOME").ok_or(CliError::NoDataDir)?;
    Ok(PathBuf::from(home).join(".local/share/org.cairn.wallet"))
}

/// A secret from a file descriptor, else an environment variable, else a hidden prompt.
fn read_secret(
    what: &'static str,
    fd: Option<u32>,
    env: &str,
    prompt: &str,
) -> Result<SecretString, CliError> {
    if let Some(fd) = fd {
        let mut text = zeroize::Zeroizing::new(String::new());
        std::fs::File::open(format!("/dev/fd/{fd}"))
            .and_then(|mut f| f.read_to_string(&mut text))
            .map_err(|e| CliError::Read(what, e))?;
        return Ok(SecretString::from(
            text.trim_end_matches(['\n', '\r']).to_string(),
        ));
    }
    if let Ok(value) = std::env::var(env) {
        return Ok(SecretString::from(value));
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password(prompt)
            .map(SecretString::from)
            .map_err(|e| CliError::Read(what, e));
    }
    Err(CliError::NoSecret(what))
}

fn password(cli: &Cli) -> Result<SecretString, CliError> {
    read_secret("password", cli.password_fd, "CAIRN_PASSWORD", "Password: ")
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

fn ok(cli: &Cli, what: &str) {
    print(cli.json, &serde_json::json!({ "ok": what }), |_| {
        what.to_string()
    });
}

async fn first_account(cli: &Cli, wallet: &Wallet) -> Result<String, CliError> {
    wallet.unlock(password(cli)?).await?;
    let accounts = wallet.accounts(false).await?;
    Ok(accounts
        .first()
        .ok_or(cairn_core::Error::NoAccount)?
        .address
        .clone())
}

/// A risk report as text lines under a quote.
fn risk_text(r: &cairn_api::RiskReport) -> String {
    let mut lines = vec![format!(
        "\nrisk score {} (simulated with {}{})",
        r.score,
        r.simulation.method,
        if r.simulation.success {
            ""
        } else {
            ": it would fail"
        }
    )];
    for c in &r.simulation.changes {
        lines.push(format!("  balance change: {} {}", c.amount, c.symbol));
    }
    for a in &r.simulation.approvals {
        lines.push(format!(
            "  approval: {} {} to {}",
            a.amount,
            a.symbol.as_deref().unwrap_or(&a.token),
            a.spender
        ));
    }
    for w in &r.warnings {
        lines.push(format!("  {}: {}", w.severity.to_uppercase(), w.message));
    }
    if let Some(u) = &r.simulation.unchecked {
        lines.push(format!("  not checked: {u}"));
    }
    lines.join("\n")
}

fn parse_speed(
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

fn operation_line(o: &cairn_api::Operation) -> String {
    format!(
        "#{:<4} {:<12} {:>20} {:<8} to {}  nonce {}  {}{}",
        o.id,
        o.state,
        o.amount,
        o.symbol,
        o.to,
        o.nonce.map(|n| n.to_string()).unwrap_or("-".into()),
        o.hash.as_deref().unwrap_or("-"),
        o.error
            .as_deref()
            .map(|e| format!("  ({e})"))
            .unwrap_or_default()
    )
}

/// Sends what was just queued (offline it stays queued for the next sync); with `wait`, follows
/// it to its end. The operation as it stands then.
async fn after_send(
    wallet: &Wallet,
    op: cairn_api::Operation,
    wait: bool,
) -> Result<cairn_api::Operation, CliError> {
    wallet.sync_once().await?;
    if wait {
        return wait_final(wallet, op.id, Duration::from_secs(120)).await;
    }
    Ok(wallet
        .operations(200)
        .await?
        .into_iter()
        .find(|o| o.id == op.id)
        .unwrap_or(op))
}

/// Syncs until operation `id` is confirmed, failed, or needs a new signature.
async fn wait_final(
    wallet: &Wallet,
    id: i64,
    timeout: Duration,
) -> Result<cairn_api::Operation, CliError> {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        wallet.sync_once().await?;
        let op = wallet
            .operations(500)
            .await?
            .into_iter()
            .find(|o| o.id == id)
            .ok_or_else(|| CliError::Usage(format!("operation {id} not found")))?;
        if matches!(
            op.state.as_str(),
            "confirmed" | "failed" | "needs_resign" | "replaced" | "dropped"
        ) {
            return Ok(op);
        }
        if std::time::Instant::now() > deadline {
            return Err(CliError::Usage(format!(
                "operation {id} is still {} after {} s",
                op.state,
                timeout.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

async fn run(cli: &Cli) -> Result<(), CliError> {
    let root = match &cli.data_dir {
        Some(d) => d.clone(),
        None => default_root()?,
    };
    let data_dir = profiles::dir(&root, &cli.profile).map_err(cairn_core::Error::from)?;
    let network = Network::from_env().map_err(cairn_core::Error::from)?;
    let wallet = Wallet::new(WalletConfig {
        data_dir,
        network,
        kdf: KdfParams::RELEASE,
        keychain: keychain::system_keychain(),
    })?;
    let pinned = cairn_core::network::pinned_by_env();
    let unlock = || async {
        let accounts = wallet
            .unlock(password(cli)?)
            .await
            .map_err(CliError::from)?;
        if !pinned {
            wallet.restore_network().await?;
        }
        Ok::<_, CliError>(accounts)
    };
    match &cli.command {
        Command::Status => {
            let status = wallet.status().await?;
            print(cli.json, &status, |s| format!("{s:?}"));
        }
        Command::Profiles => {
            let names = profiles::list(&root).map_err(cairn_core::Error::from)?;
            print(cli.json, &names, |n| n.join("\n"));
        }
        Command::Create { words } => {
            let created = wallet
                .create(password(cli)?, KeySpec::NewMnemonic { words: *words })
                .await?;
            #[derive(Serialize)]
            struct Out<'a> {
                account: &'a cairn_api::Account,
                mnemonic: &'a str,
            }
            let phrase = created
                .mnemonic
                .as_ref()
                .map(|m| m.expose_secret())
                .unwrap_or_default();
            let out = Out {
                account: &created.account,
                mnemonic: phrase,
            };
            print(cli.json, &out, |o| {
                format!(
                    "Created {} ({})\nRecovery phrase, shown once: write it down and keep it offline:\n{}",
                    o.account.address, o.account.path, o.mnemonic
                )
            });
        }
        Command::Import { secret_fd } => {
            let secret = read_secret(
                "recovery phrase or key",
                *secret_fd,
                "CAIRN_SECRET",
                "Recovery phrase or 0x key: ",
            )?;
            let passphrase = std::env::var("CAIRN_BIP39_PASSPHRASE")
                .ok()
                .map(SecretString::from);
            let spec = KeySpec::from_secret(secret, passphrase);
            let account = if cairn_core::vault::exists(wallet.data_dir()) {
                unlock().await?;
                wallet.import(spec).await?
            } else {
                wallet.create(password(cli)?, spec).await?.account
            };
            print(cli.json, &account, |a| {
                format!("Imported {} {}", a.address, a.path)
            });
        }
        Command::Accounts { all } => {
            unlock().await?;
            let accounts = wallet.accounts(*all).await?;
            print(cli.json, &accounts, |a| {
                a.iter()
                    .map(|a| {
                        let hidden = if a.hidden { "  (hidden)" } else { "" };
                        format!(
                            "{}  {:<18}  source {}  {}{hidden}",
                            a.address, a.path, a.key_source_id, a.name
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Account(cmd) => {
            unlock().await?;
            match cmd {
                AccountCmd::Add { source } => {
                    let account = wallet.add_account(*source).await?;
                    print(cli.json, &account, |a| {
                        format!("Added {} {}", a.address, a.path)
                    });
                }
                AccountCmd::Rename { address, name } => {
                    wallet.rename_account(address, name).await?;
                    ok(cli, "renamed");
                }
                AccountCmd::Hide { address } => {
                    wallet.set_account_hidden(address, true).await?;
                    ok(cli, "hidden");
                }
                AccountCmd::Show { address } => {
                    wallet.set_account_hidden(address, false).await?;
                    ok(cli, "shown");
                }
                AccountCmd::Reorder { addresses } => {
                    wallet.reorder_accounts(addresses).await?;
                    ok(cli, "reordered");
                }
            }
        }
        Command::ChangePassword => {
            let old = password(cli)?;
            wallet
                .unlock(SecretString::from(old.expose_secret().to_string()))
                .await?;
            let new = read_secret("new password", None, "CAIRN_NEW_PASSWORD", "New password: ")?;
            wallet.change_password(old, new).await?;
            ok(cli, "password changed");
        }
        Command::Contact(cmd) => {
            unlock().await?;
            match cmd {
                ContactCmd::Add { name, address } => {
                    wallet.add_contact(name, address).await?;
                    ok(cli, "contact saved");
                }
                ContactCmd::List => {
                    let list = wallet.contacts().await?;
                    print(cli.json, &list, |l| {
                        l.iter()
                            .map(|c| format!("{}  {}", c.address, c.name))
                            .collect::<Vec<_>>()
                            .join("\n")
                    });
                }
            }
        }
        Command::Denylist(cmd) => {
            unlock().await?;
            let (text, source) = match cmd {
                DenylistCmd::Import { file } => (
                    std::fs::read_to_string(file).map_err(|e| {
                        CliError::Usage(format!("could not read {}: {e}", file.display()))
                    })?,
                    file.display().to_string(),
                ),
                DenylistCmd::Add { address } => (address.clone(), "manual".to_string()),
            };
            let added = wallet.import_denylist(&text, &source).await?;
            print(cli.json, &serde_json::json!({ "added": added }), |_| {
                format!("{added} address(es) added to the denylist")
            });
        }
        Command::Assess {
            from,
            to,
            value,
            data,
        } => {
            unlock().await?;
            let from = match from {
                Some(f) => f.clone(),
                None => first_account(cli, &wallet).await?,
            };
            let call = cairn_core::risk::Call {
                from: cairn_core::units::parse_address(&from).map_err(cairn_core::Error::from)?,
                to: cairn_core::units::parse_address(to).map_err(cairn_core::Error::from)?,
                value: cairn_core::units::parse_units(value, wallet.network().currency_decimals)
                    .map_err(cairn_core::Error::from)?,
                data: hex::decode(data.trim_start_matches("0x"))
                    .map_err(|_| CliError::Usage("--data is 0x-hex".into()))?,
            };
            let recipient = cairn_core::erc20::parse_transfer(&call.data).map(|(r, _)| r);
            let token = recipient.map(|_| call.to);
            let report = wallet
                .assess(&call, Some(recipient.unwrap_or(call.to)), token)
                .await?;
            print(cli.json, &report, risk_text);
        }
        Command::Sign(cmd) => {
            let review_text = |r: &cairn_api::TypedDataReview| {
                let mut lines = vec![format!("{} (hash {})", r.primary_type, r.hash)];
                for f in r.domain.iter().chain(&r.fields) {
                    lines.push(format!("  {} ({}): {}", f.name, f.kind, f.value));
                }
                for w in &r.warnings {
                    lines.push(format!("WARNING: {w}"));
                }
                lines.join("\n")
            };
            match cmd {
                SignCmd::Message { address, message } => {
                    unlock().await?;
                    let address = match address {
                        Some(a) => a.clone(),
                        None => first_account(cli, &wallet).await?,
                    };
                    let signed = wallet.sign_message(&address, message).await?;
                    print(cli.json, &signed, |s| s.signature.clone());
                }
                SignCmd::TypedData {
                    address,
                    file,
                    review,
                } => {
                    let json = if file.as_os_str() == "-" {
                        let mut text = String::new();
                        std::io::stdin()
                            .read_to_string(&mut text)
                            .map_err(|e| CliError::Usage(format!("could not read stdin: {e}")))?;
                        text
                    } else {
                        std::fs::read_to_string(file).map_err(|e| {
                            CliError::Usage(format!("could not read {}: {e}", file.display()))
                        })?
                    };
                    if *review {
                        let (_, r) = wallet.review_typed_data(&json)?;
                        print(cli.json, &r, review_text);
                        return Ok(());
                    }
                    unlock().await?;
                    let address = match address {
                        Some(a) => a.clone(),
                        None => first_account(cli, &wallet).await?,
                    };
                    let signed = wallet.sign_typed_data(&address, &json).await?;
                    print(cli.json, &signed, |s| {
                        format!(
                            "{}\n{}",
                            s.review.as_ref().map(review_text).unwrap_or_default(),
                            s.signature
                        )
                    });
                }
            }
        }
        Command::Mfa(cmd) => {
            unlock().await?;
            let code = || {
                cli.code.clone().ok_or_else(|| {
                    CliError::Usage("give the code with --code or CAIRN_MFA_CODE".into())
                })
            };
            let again = || {
                read_secret(
                    "password (again)",
                    None,
                    "CAIRN_EXPORT_PASSWORD",
                    "Password again: ",
                )
            };
            match cmd {
                MfaCmd::Status => {
                    let status = wallet.mfa_status().await?;
                    print(cli.json, &status, |s| {
                        format!(
                            "two-factor {}{}; {} recovery code(s) left; per send: {}, per day: {}",
                            if s.enabled { "on" } else { "off" },
                            if s.pending {
                                " (waiting for its first code)"
                            } else {
                                ""
                            },
                            s.recovery_codes_left,
                            s.policy.per_send.as_deref().unwrap_or("no limit"),
                            s.policy.per_day.as_deref().unwrap_or("no limit"),
                        )
                    });
                }
                MfaCmd::Enroll => {
                    let enrollment = wallet.mfa_enroll(again()?).await?;
                    print(cli.json, &enrollment, |e| {
                        format!(
                            "Add this to your authenticator app:\n  {}\nRecovery codes (each works once; write them down):\n  {}\nThen: cairn mfa confirm --code <the app's code>",
                            e.otpauth_uri,
                            e.recovery_codes.join("\n  ")
                        )
                    });
                }
                MfaCmd::Confirm => {
                    wallet.mfa_confirm(&code()?).await?;
                    ok(cli, "two-factor authentication is on");
                }
                MfaCmd::Disable => {
                    wallet.mfa_disable(again()?, &code()?).await?;
                    ok(cli, "two-factor authentication is off");
                }
            }
        }
        Command::Policy(cmd) => {
            unlock().await?;
            match cmd {
                PolicyCmd::Show => {
                    let status = wallet.mfa_status().await?;
                    print(cli.json, &status.policy, |p| {
                        format!(
                            "per send: {}, per day: {}",
                            p.per_send.as_deref().unwrap_or("no limit"),
                            p.per_day.as_deref().unwrap_or("no limit")
                        )
                    });
                }
                PolicyCmd::Set {
                    per_send,
                    per_day,
                    mfa_above_score,
                    block_above_score,
                } => {
                    let current = wallet.mfa_status().await?.policy;
                    let pick = |given: &Option<String>, now: Option<String>| match given.as_deref()
                    {
                        Some("none") => None,
                        Some(v) => Some(v.to_string()),
                        None => now,
                    };
                    let policy = cairn_api::Policy {
                        per_send: pick(per_send, current.per_send),
                        per_day: pick(per_day, current.per_day),
                        mfa_above_score: mfa_above_score.or(current.mfa_above_score),
                        block_above_score: block_above_score.or(current.block_above_score),
                    };
                    wallet.set_policy(&policy, cli.code.as_deref()).await?;
                    print(cli.json, &policy, |p| {
                        format!(
                            "per send: {}, per day: {}",
                            p.per_send.as_deref().unwrap_or("no limit"),
                            p.per_day.as_deref().unwrap_or("no limit")
                        )
                    });
                }
            }
        }
        Command::Export(cmd) => {
            let pw = password(cli)?;
            wallet
                .unlock(SecretString::from(pw.expose_secret().to_string()))
                .await?;
            // The export flow asks for the password again even right after an unlock.
            let again = read_secret(
                "password (again, to export)",
                None,
                "CAIRN_EXPORT_PASSWORD",
                "Password again to export: ",
            )?;
            let secret = match cmd {
                ExportCmd::Phrase { source } => {
                    wallet
                        .export_secret(again, *source, cli.code.as_deref())
                        .await?
                }
                ExportCmd::Key { address } => {
                    wallet
                        .export_private_key(again, address, cli.code.as_deref())
                        .await?
                }
            };
            print(
                cli.json,
                &serde_json::json!({ "secret": secret.expose_secret() }),
                |v| v["secret"].as_str().unwrap_or_default().to_string(),
            );
        }
        Command::Audit(cmd) => {
            unlock().await?;
            match cmd {
                AuditCmd::List { limit } => {
                    let log = wallet.audit_log(*limit).await?;
                    print(cli.json, &log, |rows| {
                        rows.iter()
                            .map(|r| {
                                format!(
                                    "{:>5}  {}  {:<20} {:<7} {}  {}",
                                    r.seq, r.at, r.event, r.outcome, r.device_id, r.detail
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("\n")
                    });
                }
                AuditCmd::Verify => {
                    let rows = wallet.verify_audit().await?;
                    print(
                        cli.json,
                        &serde_json::json!({ "intact": true, "rows": rows }),
                        |_| format!("audit log intact: {rows} rows"),
                    );
                }
            }
        }
        Command::AutoLock { secs } => {
            unlock().await?;
            wallet.set_auto_lock(Duration::from_secs(*secs)).await?;
            ok(cli, "auto-lock set");
        }
        Command::Send {
            to,
            amount,
            token,
            from,
            speed,
            max_fee_gwei,
            priority_fee_gwei,
            quote,
            wait,
            override_risk,
        } => {
            unlock().await?;
            let from = match from {
                Some(f) => f.clone(),
                None => first_account(cli, &wallet).await?,
            };
            let speed = parse_speed(speed, max_fee_gwei.as_ref(), priority_fee_gwei.as_ref())?;
            let request = SendRequest {
                from,
                to: to.clone(),
                token: token.clone(),
                amount: amount.clone(),
                speed,
                mfa_code: cli.code.clone(),
                override_risk: *override_risk,
            };
            let q = wallet.quote_send(&request).await?;
            if *quote {
                print(cli.json, &q, |q| {
                    format!(
                        "{} {} to {}: network fee at most {} {} (gas {}), nonce {}{}",
                        q.amount,
                        q.symbol,
                        q.to,
                        q.max_network_fee,
                        q.native_symbol,
                        q.gas_limit,
                        q.nonce,
                        if q.online {
                            ""
                        } else {
                            " (offline: from the last state seen)"
                        }
                    ) + &q.risk.as_ref().map(risk_text).unwrap_or_default()
                });
                return Ok(());
            }
            let op = wallet.send(&request).await?;
            let op = after_send(&wallet, op, *wait).await?;
            print(cli.json, &op, operation_line);
        }
        Command::Smart(cmd) => {
            unlock().await?;
            let line = |a: &cairn_api::SmartAccount| {
                format!(
                    "{}  {} smart account of {}, {}",
                    a.address,
                    a.entry_point_version,
                    a.owner,
                    if a.deployed {
                        "deployed"
                    } else {
                        "not deployed yet"
                    }
                )
            };
            match cmd {
                SmartCmd::Create { owner, version } => {
                    let owner = match owner {
                        Some(o) => o.clone(),
                        None => first_account(cli, &wallet).await?,
                    };
                    let account = wallet.smart_account(&owner, Some(version)).await?;
                    print(cli.json, &account, line);
                }
                SmartCmd::List => {
                    let list = wallet.smart_accounts().await?;
                    print(cli.json, &list, |l| {
                        l.iter().map(line).collect::<Vec<_>>().join("\n")
                    });
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
                } => {
                    let mut calls = Vec::new();
                    if let (Some(spec), Some(token)) = (approve, token) {
                        let (spender, allowance) = spec.split_once('=').ok_or_else(|| {
                            CliError::Usage("--approve takes SPENDER=AMOUNT".into())
                        })?;
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
                        mfa_code: cli.code.clone(),
                        override_risk: *override_risk,
                    };
                    if *quote {
                        let q = wallet.quote_user_op(&request).await?;
                        print(cli.json, &q, |q| {
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
                        return Ok(());
                    }
                    let op = wallet.send_user_op(&request).await?;
                    let op = after_send(&wallet, op, *wait).await?;
                    print(cli.json, &op, operation_line);
                }
            }
        }
        Command::Activity { limit } => {
            unlock().await?;
            let ops = wallet.operations(*limit).await?;
            print(cli.json, &ops, |ops| {
                ops.iter()
                    .map(operation_line)
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Sync { wait, timeout } => {
            unlock().await?;
            let deadline = std::time::Instant::now() + Duration::from_secs(*timeout);
            let mut status = wallet.sync_once().await?;
            while *wait && (status.queued > 0 || status.in_flight > 0) {
                if std::time::Instant::now() > deadline {
                    return Err(CliError::Usage(format!(
                        "still {} queued and {} in flight after {timeout} s",
                        status.queued, status.in_flight
                    )));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
                status = wallet.sync_once().await?;
            }
            print(cli.json, &status, |s| {
                format!(
                    "{} via {} at block {}; {} queued, {} in flight{}",
                    if s.online { "online" } else { "offline" },
                    s.endpoint.as_deref().unwrap_or("-"),
                    s.last_block.map(|b| b.to_string()).unwrap_or("-".into()),
                    s.queued,
                    s.in_flight,
                    s.last_error
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default()
                )
            });
        }
        Command::SpeedUp { id } | Command::Cancel { id } | Command::Resign { id } => {
            unlock().await?;
            let op = match &cli.command {
                Command::SpeedUp { .. } => wallet.speed_up(*id).await?,
                Command::Cancel { .. } => wallet.cancel(*id).await?,
                _ => wallet.resign(*id).await?,
            };
            wallet.sync_once().await?;
            print(cli.json, &op, operation_line);
        }
        Command::Balances { address } => {
            unlock().await?;
            let address = match address {
                Some(a) => a.clone(),
                None => first_account(cli, &wallet).await?,
            };
            wallet.sync_once().await?;
            let balances = wallet.balances(&address).await?;
            print(cli.json, &balances, |bs| {
                bs.iter()
                    .map(|b| {
                        format!(
                            "{:<10} {:>24} confirmed  {:>24} pending out  {:>24} available",
                            b.symbol, b.confirmed, b.pending_out, b.available
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::History { address, limit } => {
            unlock().await?;
            let address = match address {
                Some(a) => a.clone(),
                None => first_account(cli, &wallet).await?,
            };
            wallet.sync_once().await?;
            let entries = wallet.history(&address, *limit).await?;
            print(cli.json, &entries, |es| {
                es.iter()
                    .map(|e| {
                        format!(
                            "block {:>6}  {:<4} {:>24} {:<8} {}  {}",
                            e.block_number,
                            e.direction,
                            e.amount,
                            e.symbol,
                            e.counterparty.as_deref().unwrap_or("-"),
                            e.tx_hash
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Command::Network(cmd) => {
            unlock().await?;
            let line = |n: &cairn_api::NetworkEntry| {
                format!(
                    "{} {:>9}  {:<16} {}{}",
                    if n.active { "*" } else { " " },
                    n.spec.chain_id,
                    n.spec.name,
                    n.spec.rpc_urls.join(", "),
                    if n.user_added { "  (added)" } else { "" }
                )
            };
            match cmd {
                NetworkCmd::List => {
                    let list = wallet.networks().await?;
                    print(cli.json, &list, |l| {
                        l.iter().map(line).collect::<Vec<_>>().join("\n")
                    });
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
                    };
                    let added = wallet.add_network(&spec).await?;
                    print(cli.json, &added, line);
                }
                NetworkCmd::Use { chain_id } => {
                    let used = wallet.use_network(*chain_id).await?;
                    print(cli.json, &used, line);
                }
            }
        }
        Command::Token(TokenCmd::Add { contract }) => {
            unlock().await?;
            let token = wallet.add_token(contract).await?;
            print(cli.json, &token, |t| {
                format!(
                    "Added {} ({} decimals) {}",
                    t.symbol,
                    t.decimals,
                    t.token.as_deref().unwrap_or_default()
                )
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
            unlock().await?;
            let report = wallet.doctor().await?;
            print(cli.json, &report, |r| {
                format!(
                    "ledger integrity: {}\naudit log: intact, {} rows",
                    r.integrity, r.audit_rows
                )
            });
        }
    }
    wallet.lock().await;
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
