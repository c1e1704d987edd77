//! The core's error type: one variant per module error, plus the states a caller can be in
//! wrongly. Converts to the UI's structured [`cairn_api::ApiError`].

use cairn_api::{ApiError, ErrorCode};

use crate::chain::client::ChainError;
use crate::chain::network::NetworkConfigError;
use crate::guard::messages::MessageError;
use crate::guard::mfa::MfaError;
use crate::guard::risk::RiskError;
use crate::keys::vault::VaultError;
use crate::keys::KeyError;
use crate::logging::LoggingError;
use crate::networks::NetworkError;
use crate::primitives::units::{AddressError, AmountError};
use crate::send::SendError;
use crate::smart::SmartError;
use crate::store::ledger::LedgerError;
use crate::wallet::profiles::ProfileError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Address(#[from] AddressError),
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error(transparent)]
    Logging(#[from] LoggingError),
    #[error(transparent)]
    NetworkConfig(#[from] NetworkConfigError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error(transparent)]
    Networks(#[from] NetworkError),
    #[error(transparent)]
    Smart(#[from] SmartError),
    #[error(transparent)]
    Mfa(#[from] MfaError),
    #[error(transparent)]
    Message(#[from] MessageError),
    #[error(transparent)]
    Risk(#[from] RiskError),
    #[error("the wallet is locked: unlock it first")]
    Locked,
    #[error("the wallet has no account yet")]
    NoAccount,
    #[error("{0}")]
    Unsupported(String),
    #[error("an account name is 1 to 64 characters")]
    InvalidName,
    #[error("auto-lock must be between 1 and 15 minutes")]
    AutoLockRange,
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The stable code the UI switches on.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Vault(VaultError::WrongPassword) => ErrorCode::WrongPassword,
            Error::Vault(VaultError::WeakPassword) => ErrorCode::WeakPassword,
            Error::Vault(VaultError::Exists(_)) => ErrorCode::VaultExists,
            Error::Vault(VaultError::Missing(_)) => ErrorCode::NoVault,
            Error::Vault(VaultError::Throttled { .. }) => ErrorCode::Throttled,
            Error::Vault(VaultError::Keychain(_)) => ErrorCode::KeychainMissing,
            Error::Ledger(LedgerError::NotFound(_)) => ErrorCode::NotFound,
            Error::Ledger(LedgerError::Duplicate(_)) => ErrorCode::Duplicate,
            Error::Ledger(LedgerError::Conflict(_)) => ErrorCode::Conflict,
            Error::Send(SendError::InsufficientFunds { .. }) => ErrorCode::InsufficientFunds,
            Error::Send(
                SendError::NotReplaceable { .. }
                | SendError::OtherChain { .. }
                | SendError::AlreadyMined(_)
                | SendError::IsReplacement(_),
            ) => ErrorCode::Conflict,
            Error::Send(SendError::NeedsNetwork) => ErrorCode::Offline,
            Error::Send(SendError::WouldFail(_)) => ErrorCode::Rejected,
            Error::Send(SendError::Signing(_)) => ErrorCode::Internal,
            Error::Send(_) => ErrorCode::InvalidInput,
            Error::Smart(
                SmartError::Rejected { .. }
                | SmartError::PaymasterRefused(_)
                | SmartError::AddressMismatch { .. },
            ) => ErrorCode::Rejected,
            Error::Smart(SmartError::SponsorOffline) => ErrorCode::Offline,
            Error::Smart(SmartError::Aa(crate::primitives::aa::AaError::Signing(_))) => {
                ErrorCode::Internal
            }
            Error::Smart(
                SmartError::NoBundler | SmartError::NoPaymaster | SmartError::NoFactory(_),
            ) => ErrorCode::Network,
            Error::Smart(_) => ErrorCode::InvalidInput,
            Error::Mfa(MfaError::Required(_)) => ErrorCode::MfaRequired,
            Error::Mfa(MfaError::Rejected(_) | MfaError::BadRecoveryCode) => ErrorCode::MfaRejected,
            Error::Mfa(_) => ErrorCode::Conflict,
            Error::Message(MessageError::RawHashRefused | MessageError::WrongChain { .. }) => {
                ErrorCode::Rejected
            }
            Error::Message(_) => ErrorCode::InvalidInput,
            Error::Risk(RiskError::Blocked { .. }) => ErrorCode::RiskBlocked,
            Error::Networks(NetworkError::Unknown(_)) => ErrorCode::NotFound,
            Error::Networks(_) => ErrorCode::InvalidInput,
            Error::Vault(_) | Error::Ledger(_) | Error::Logging(_) => ErrorCode::Storage,
            Error::Keys(KeyError::Rng | KeyError::Derivation) => ErrorCode::Internal,
            Error::Keys(_) | Error::Address(_) | Error::Amount(_) => ErrorCode::InvalidInput,
            Error::Chain(ChainError::NotDevnet) => ErrorCode::NotDevnet,
            Error::Chain(ChainError::BadUrl(_)) | Error::NetworkConfig(_) | Error::Profile(_) => {
                ErrorCode::InvalidInput
            }
            Error::Chain(ChainError::Rpc { .. }) => ErrorCode::Rejected,
            // Surfaces bare only when checking an endpoint the user gave (adding a network).
            Error::Chain(ChainError::WrongChain { .. }) => ErrorCode::InvalidInput,
            Error::Chain(e) if e.is_offline() => ErrorCode::Offline,
            Error::Chain(_) => ErrorCode::Network,
            Error::Locked => ErrorCode::Locked,
            Error::NoAccount
            | Error::Unsupported(_)
            | Error::InvalidName
            | Error::AutoLockRange => ErrorCode::InvalidInput,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl Error {
    /// The code as a short word, for logs and audit details.
    pub fn code_str(&self) -> String {
        serde_json::to_value(self.code())
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "internal".into())
    }
}

impl From<&Error> for ApiError {
    fn from(e: &Error) -> ApiError {
        ApiError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        ApiError::from(&e)
    }
}
