//! A ready wallet for the commands: where its data lives, the secrets they ask for (file
//! descriptor, environment or prompt), the unlock they share, and what becomes of the session
//! once a command is done.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use cairn_core::{keychain, profiles, KdfParams, Network, Wallet, WalletConfig};
use secrecy::{ExposeSecret, SecretString};

use crate::args::Global;
use crate::error::CliError;
use crate::output::Output;

/// The wallet of the chosen profile, not yet unlocked, with the global flags.
#[derive(Debug)]
pub struct Ctx<'a> {
    global: &'a Global,
    /// The data root, which holds every profile.
    pub root: PathBuf,
    pub wallet: Wallet,
    pub out: Output,
    /// A network chosen by the environment wins over the one last used in the wallet.
    pinned: bool,
    /// The password once read: a pipe (`--password-fd`) can be read only once, and a second,
    /// empty read would count as a wrong password.
    password: std::sync::Mutex<Option<SecretString>>,
    /// The second factor's code once read, for the same reason.
    code: std::sync::Mutex<Option<SecretString>>,
}

/// What `cmd::run` does with the session once a command has printed its result.
#[derive(Debug)]
pub enum Done {
    /// Lock it, which writes a `lock` row to the audit log.
    Lock,
    /// Leave it to end with the process, with no `lock` row. Quotes and reviews do this: they
    /// returned before the lock when the CLI was one file, and `cairn audit list` shows it.
    Leave,
}

impl<'a> Ctx<'a> {
    /// Opens (without unlocking) the wallet the flags and the environment point at.
    pub fn open(global: &'a Global) -> Result<Self, CliError> {
        let root = match &global.data_dir {
            Some(d) => d.clone(),
            None => default_root()?,
        };
        let data_dir = profiles::dir(&root, &global.profile).map_err(cairn_core::Error::from)?;
        let network = Network::from_env().map_err(cairn_core::Error::from)?;
        let wallet = Wallet::new(WalletConfig {
            data_dir,
            network,
            kdf: KdfParams::RELEASE,
            keychain: keychain::system_keychain(),
        })?;
        // Passkeys need an authenticator; a CLI build has none of its own yet (a test build
        // takes the software one when the environment asks for it).
        if let Some(soft) = cairn_core::passkeys::soft_authenticator_from_env() {
            wallet.set_authenticator(soft);
        }
        Ok(Ctx {
            global,
            root,
            wallet,
            out: Output::new(global.json),
            pinned: cairn_core::network::pinned_by_env(),
            password: std::sync::Mutex::new(None),
            code: std::sync::Mutex::new(None),
        })
    }

    /// The second factor's code for the actions the policy guards: `--code-fd`, else
    /// CAIRN_MFA_CODE, else a prompt when `--code` asks for one; none otherwise (the core then says
    /// when one is needed).
    pub fn code(&self) -> Result<Option<String>, CliError> {
        let env_set = std::env::var_os("CAIRN_MFA_CODE").is_some();
        if !(env_set || self.global.code || self.global.code_fd.is_some()) {
            return Ok(None);
        }
        self.code_needed().map(Some)
    }

    /// The second factor's code, asked for at a prompt when no descriptor or variable gives it.
    pub fn code_needed(&self) -> Result<String, CliError> {
        let mut cached = self.code.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = &*cached {
            return Ok(c.expose_secret().to_string());
        }
        let read = read_secret("code", self.global.code_fd, "CAIRN_MFA_CODE", "Code: ")?;
        let text = read.expose_secret().trim().to_string();
        *cached = Some(SecretString::from(text.clone()));
        Ok(text)
    }

    pub fn password(&self) -> Result<SecretString, CliError> {
        let mut cached = self.password.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = &*cached {
            return Ok(p.clone());
        }
        let read = read_secret(
            "password",
            self.global.password_fd,
            "CAIRN_PASSWORD",
            "Password: ",
        )?;
        *cached = Some(read.clone());
        Ok(read)
    }

    /// Unlocks with the password, then returns to the network last used unless the
    /// environment pins one.
    pub async fn unlock(&self) -> Result<(), CliError> {
        self.wallet.unlock(self.password()?).await?;
        if !self.pinned {
            self.wallet.restore_network().await?;
        }
        Ok(())
    }

    /// The address given, else the first account's (unlocking first if the command has not).
    pub async fn address_or_first(&self, given: &Option<String>) -> Result<String, CliError> {
        match given {
            Some(a) => Ok(a.clone()),
            None => self.first_account().await,
        }
    }

    async fn first_account(&self) -> Result<String, CliError> {
        let accounts = match self.wallet.accounts(false).await {
            Err(e) if e.is_locked() => {
                self.unlock().await?;
                self.wallet.accounts(false).await?
            }
            other => other?,
        };
        Ok(accounts
            .first()
            .ok_or(cairn_core::Error::NoAccount)?
            .address
            .clone())
    }
}

/// A secret from a file descriptor, else an environment variable, else a hidden prompt.
pub fn read_secret(
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

/// The app's data directory on Linux (XDG, under its identifier), so both see the same wallets.
fn default_root() -> Result<PathBuf, CliError> {
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(xdg).join("org.cairn.wallet"));
    }
    let home = std::env::var_os("HOME").ok_or(CliError::NoDataDir)?;
    Ok(PathBuf::from(home).join(".local/share/org.cairn.wallet"))
}
