//! The error the façade returns: each room's error wrapped whole, plus the few states the
//! façade itself refuses. The stable [`ErrorCode`] the UI switches on is assigned here and only
//! here: one exhaustive function per error type, a room's wrapped errors delegating to the
//! function of the room that owns them, so a new variant anywhere fails to compile until it is
//! given a code.

use cairn_api::{ApiError, ErrorCode};

use crate::accounts::AccountsError;
use crate::chain::network::NetworkConfigError;
use crate::chain::ChainError;
use crate::guard::messages::MessageError;
use crate::guard::mfa::MfaError;
use crate::guard::risk::RiskError;
use crate::history::HistoryError;
use crate::keys::channel::ChannelError;
use crate::keys::vault::VaultError;
use crate::keys::KeyError;
use crate::logging::LoggingError;
use crate::networks::NetworkError;
use crate::ops::OpsError;
use crate::prices::PriceError;
use crate::primitives::aa::AaError;
use crate::primitives::page::PageError;
use crate::primitives::totp::TotpError;
use crate::primitives::units::{AddressError, AmountError};
use crate::send::SendError;
use crate::session::SessionError;
use crate::smart::SmartError;
use crate::store::ledger::LedgerError;
use crate::sync::SyncError;
use crate::wallet::profiles::ProfileError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    // What the façade's own steps (create, unlock, balance, profiles, logging) meet directly.
    #[error(transparent)]
    Vault(#[from] VaultError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Keys(#[from] KeyError),
    #[error(transparent)]
    Channel(#[from] ChannelError),
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
    // The rooms' errors.
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Networks(#[from] NetworkError),
    #[error(transparent)]
    Risk(#[from] RiskError),
    #[error(transparent)]
    Mfa(#[from] MfaError),
    #[error(transparent)]
    Message(#[from] MessageError),
    #[error(transparent)]
    History(#[from] HistoryError),
    #[error(transparent)]
    Send(#[from] SendError),
    #[error(transparent)]
    Smart(#[from] SmartError),
    #[error(transparent)]
    Recovery(#[from] crate::recovery::RecoveryError),
    #[error(transparent)]
    Bridge(#[from] crate::bridge::BridgeError),
    #[error(transparent)]
    Passkey(#[from] crate::passkeys::PasskeyError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Prices(#[from] PriceError),
    // The façade's own refusals.
    #[error("the wallet has no account yet")]
    NoAccount,
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
            Error::Vault(e) => vault(e),
            Error::Channel(e) => channel(e),
            Error::Ledger(e) => ledger(e),
            Error::Keys(e) => keys(e),
            Error::Chain(e) => chain(e),
            Error::Address(_) | Error::Amount(_) => ErrorCode::InvalidInput,
            Error::Logging(_) => ErrorCode::Storage,
            Error::NetworkConfig(_) | Error::Profile(_) => ErrorCode::InvalidInput,
            Error::Session(e) => session(e),
            Error::Accounts(e) => accounts(e),
            Error::Networks(e) => networks(e),
            Error::Risk(e) => risk(e),
            Error::Mfa(e) => mfa(e),
            Error::Message(e) => message(e),
            Error::History(e) => history(e),
            Error::Send(e) => send(e),
            Error::Smart(e) => smart(e),
            Error::Recovery(e) => recovery(e),
            Error::Bridge(e) => bridge(e),
            Error::Passkey(e) => passkey(e),
            Error::Sync(e) => sync(e),
            Error::Prices(e) => prices(e),
            Error::NoAccount | Error::AutoLockRange => ErrorCode::InvalidInput,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The code as a short word, for logs and audit details.
    pub fn code_str(&self) -> String {
        code_word(self.code())
    }

    /// Whether the call failed only because the wallet is locked.
    pub fn is_locked(&self) -> bool {
        self.code() == ErrorCode::Locked
    }
}

fn code_word(code: ErrorCode) -> String {
    serde_json::to_value(code)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "internal".into())
}

fn channel(e: &ChannelError) -> ErrorCode {
    match e {
        ChannelError::UnknownKey | ChannelError::Seal(_) | ChannelError::NotARequest(_) => {
            ErrorCode::InvalidInput
        }
        ChannelError::Reply(_) | ChannelError::Rng => ErrorCode::Internal,
    }
}

fn vault(e: &VaultError) -> ErrorCode {
    match e {
        VaultError::WrongPassword => ErrorCode::WrongPassword,
        VaultError::WeakPassword(_) => ErrorCode::WeakPassword,
        VaultError::Exists(_) => ErrorCode::VaultExists,
        VaultError::Missing(_) => ErrorCode::NoVault,
        VaultError::Throttled { .. } => ErrorCode::Throttled,
        VaultError::Keychain(_) => ErrorCode::KeychainMissing,
        VaultError::Corrupt(..)
        | VaultError::UnsupportedFormat(_)
        | VaultError::KdfOutOfBounds(_)
        | VaultError::BadKdfParams(..)
        | VaultError::Rng
        | VaultError::Crypto
        | VaultError::Io { .. } => ErrorCode::Storage,
    }
}

fn ledger(e: &LedgerError) -> ErrorCode {
    match e {
        LedgerError::NotFound(_) => ErrorCode::NotFound,
        LedgerError::Duplicate(_) => ErrorCode::Duplicate,
        LedgerError::Conflict(_) => ErrorCode::Conflict,
        LedgerError::WrongKey
        | LedgerError::Migration(_)
        | LedgerError::Integrity(_)
        | LedgerError::Audit(_)
        | LedgerError::Sql(_)
        | LedgerError::Permissions(_)
        | LedgerError::Missing(_)
        | LedgerError::WithoutVault(_) => ErrorCode::Storage,
    }
}

fn keys(e: &KeyError) -> ErrorCode {
    match e {
        KeyError::Rng | KeyError::Derivation => ErrorCode::Internal,
        KeyError::UnknownWord { .. }
        | KeyError::BadWordCount(_)
        | KeyError::BadChecksum
        | KeyError::BadPrivateKey => ErrorCode::InvalidInput,
    }
}

fn chain(e: &ChainError) -> ErrorCode {
    match e {
        ChainError::NotDevnet => ErrorCode::NotDevnet,
        // Surfaces bare only when checking an endpoint the user gave (adding a network).
        ChainError::BadUrl(_) | ChainError::WrongChain { .. } => ErrorCode::InvalidInput,
        ChainError::Rpc { .. } => ErrorCode::Rejected,
        ChainError::Unreachable { .. }
        | ChainError::Timeout { .. }
        | ChainError::Http { .. }
        | ChainError::Malformed { .. }
        | ChainError::TooLarge { .. }
        | ChainError::Offline { .. }
        | ChainError::NotMined(_) => {
            if e.is_offline() {
                ErrorCode::Offline
            } else {
                ErrorCode::Network
            }
        }
    }
}

fn totp(e: &TotpError) -> ErrorCode {
    match e {
        TotpError::Malformed | TotpError::Wrong | TotpError::Replayed => ErrorCode::MfaRejected,
    }
}

fn aa(e: &AaError) -> ErrorCode {
    match e {
        AaError::Signing(_) => ErrorCode::Internal,
        AaError::NoCalls | AaError::Stored(_) | AaError::UnknownEntryPoint(_) => {
            ErrorCode::InvalidInput
        }
    }
}

fn session(e: &SessionError) -> ErrorCode {
    match e {
        SessionError::Locked => ErrorCode::Locked,
        SessionError::Vault(e) => vault(e),
        SessionError::Internal(_) => ErrorCode::Internal,
        SessionError::Lock(_) => ErrorCode::Storage,
    }
}

fn ops(e: &OpsError) -> ErrorCode {
    match e {
        OpsError::Session(e) => session(e),
        OpsError::Ledger(e) => ledger(e),
    }
}

fn accounts(e: &AccountsError) -> ErrorCode {
    match e {
        AccountsError::InvalidName
        | AccountsError::Unsupported(_)
        | AccountsError::BackupCheck(_)
        | AccountsError::SignedByPasskey(_) => ErrorCode::InvalidInput,
        AccountsError::Internal(_) => ErrorCode::Internal,
        AccountsError::Session(e) => session(e),
        AccountsError::Ledger(e) => ledger(e),
        AccountsError::Keys(e) => keys(e),
        AccountsError::Vault(e) => vault(e),
        AccountsError::Address(_) => ErrorCode::InvalidInput,
    }
}

fn networks(e: &NetworkError) -> ErrorCode {
    match e {
        NetworkError::Unknown(_) | NetworkError::NoExplorer(_) => ErrorCode::NotFound,
        NetworkError::NotLinkable(_) => ErrorCode::InvalidInput,
        NetworkError::Name
        | NetworkError::Symbol
        | NetworkError::Urls
        | NetworkError::Confirmations
        | NetworkError::FeeCeiling
        | NetworkError::LogSpan
        | NetworkError::WsUrl(_)
        | NetworkError::WsNotOffered(_) => ErrorCode::InvalidInput,
        NetworkError::Session(e) => session(e),
        NetworkError::Ledger(e) => ledger(e),
        NetworkError::Chain(e) => chain(e),
    }
}

fn risk(e: &RiskError) -> ErrorCode {
    match e {
        RiskError::Blocked { .. } => ErrorCode::RiskBlocked,
        RiskError::InvalidName => ErrorCode::InvalidInput,
        RiskError::Session(e) => session(e),
        RiskError::Ledger(e) => ledger(e),
        RiskError::Chain(e) => chain(e),
        RiskError::Address(_) | RiskError::Amount(_) => ErrorCode::InvalidInput,
    }
}

fn mfa(e: &MfaError) -> ErrorCode {
    match e {
        MfaError::Required(_) => ErrorCode::MfaRequired,
        MfaError::Rejected(e) => totp(e),
        MfaError::BadRecoveryCode => ErrorCode::MfaRejected,
        MfaError::Throttled { .. } => ErrorCode::Throttled,
        MfaError::NotEnrolled | MfaError::AlreadyEnrolled | MfaError::NothingToConfirm => {
            ErrorCode::Conflict
        }
        MfaError::Internal(_) => ErrorCode::Internal,
        MfaError::Session(e) => session(e),
        MfaError::Ledger(e) => ledger(e),
        MfaError::Accounts(e) => accounts(e),
        MfaError::Address(_) | MfaError::Amount(_) => ErrorCode::InvalidInput,
        MfaError::Vault(e) => vault(e),
        MfaError::Risk(e) => risk(e),
    }
}

fn message(e: &MessageError) -> ErrorCode {
    match e {
        MessageError::RawHashRefused | MessageError::WrongChain { .. } => ErrorCode::Rejected,
        MessageError::BadTypedData(_)
        | MessageError::TooLarge(_)
        | MessageError::BadHex
        | MessageError::SmartAccount(_)
        | MessageError::UnknownMethod(_) => ErrorCode::InvalidInput,
        MessageError::Internal(_) => ErrorCode::Internal,
        MessageError::Session(e) => session(e),
        MessageError::Accounts(e) => accounts(e),
        MessageError::Address(_) => ErrorCode::InvalidInput,
        MessageError::Ledger(e) => ledger(e),
    }
}

fn history(e: &HistoryError) -> ErrorCode {
    match e {
        HistoryError::Internal(_) => ErrorCode::Internal,
        HistoryError::Session(e) => session(e),
        HistoryError::Ledger(e) => ledger(e),
        HistoryError::Chain(e) => chain(e),
        HistoryError::Address(_) => ErrorCode::InvalidInput,
        HistoryError::Page(e) => page(e),
    }
}

fn page(e: &PageError) -> ErrorCode {
    match e {
        PageError::UnknownAsset(_) => ErrorCode::NotFound,
        PageError::BadCursor(_)
        | PageError::BadLimit(_)
        | PageError::BadDirection(_)
        | PageError::BadState(_) => ErrorCode::InvalidInput,
    }
}

fn send(e: &SendError) -> ErrorCode {
    match e {
        SendError::InsufficientFunds { .. } => ErrorCode::InsufficientFunds,
        SendError::NotReplaceable { .. }
        | SendError::OtherChain { .. }
        | SendError::AlreadyMined(_)
        | SendError::IsReplacement(_)
        | SendError::FeeRose { .. } => ErrorCode::Conflict,
        SendError::NeedsNetwork => ErrorCode::Offline,
        SendError::Page(e) => page(e),
        SendError::WouldFail(_) => ErrorCode::Rejected,
        SendError::FeeAboveCeiling { .. } => ErrorCode::Rejected,
        SendError::Signing(_) | SendError::Internal(_) => ErrorCode::Internal,
        SendError::NoFeeData
        | SendError::ZeroAmount
        | SendError::ZeroAddress
        | SendError::UnknownToken(_)
        | SendError::Unsupported(_) => ErrorCode::InvalidInput,
        SendError::Session(e) => session(e),
        SendError::Ledger(e) => ledger(e),
        SendError::Chain(e) => chain(e),
        SendError::Address(_) | SendError::Amount(_) => ErrorCode::InvalidInput,
        SendError::Accounts(e) => accounts(e),
        SendError::Risk(e) => risk(e),
        SendError::Mfa(e) => mfa(e),
    }
}

fn smart(e: &SmartError) -> ErrorCode {
    match e {
        SmartError::Passkey(e) => passkey(e),
        SmartError::PasskeyAlreadyOwns { .. } => ErrorCode::Duplicate,
        SmartError::Rejected { .. }
        | SmartError::NotOwner { .. }
        | SmartError::PasskeyNotOwner { .. }
        | SmartError::PaymasterRefused(_)
        | SmartError::AddressMismatch { .. } => ErrorCode::Rejected,
        SmartError::SponsorOffline => ErrorCode::Offline,
        SmartError::NoBundler
        | SmartError::NoPaymaster
        | SmartError::NoFactory(_)
        | SmartError::NoSafe(_) => ErrorCode::Network,
        SmartError::NotSmart(_)
        | SmartError::UnknownKind(_)
        | SmartError::PasskeyNeedsSafe(_)
        | SmartError::LastOwner { .. }
        | SmartError::OwnerIsSmart(_)
        | SmartError::NoEntryPoint(_)
        | SmartError::EntryPointNotSupported(_)
        | SmartError::SeveralTokens => ErrorCode::InvalidInput,
        SmartError::Aa(e) => aa(e),
        SmartError::Internal(_) => ErrorCode::Internal,
        SmartError::Session(e) => session(e),
        SmartError::Ledger(e) => ledger(e),
        SmartError::Chain(e) => chain(e),
        SmartError::Address(_) | SmartError::Amount(_) => ErrorCode::InvalidInput,
        SmartError::Accounts(e) => accounts(e),
        SmartError::Risk(e) => risk(e),
        SmartError::Mfa(e) => mfa(e),
        SmartError::Send(e) => send(e),
        SmartError::Ops(e) => ops(e),
        SmartError::History(e) => history(e),
    }
}

fn recovery(e: &crate::recovery::RecoveryError) -> ErrorCode {
    use crate::recovery::RecoveryError as R;
    match e {
        R::NotSafe(_)
        | R::Invalid(_)
        | R::BadRequest(_)
        | R::WrongChain { .. }
        | R::NoGuardians(_)
        | R::NotAGuardian(_)
        | R::BadApproval(_) => ErrorCode::InvalidInput,
        R::Mismatch(_) => ErrorCode::Rejected,
        R::Offline => ErrorCode::Offline,
        R::Smart(e) => smart(e),
        R::Session(e) => session(e),
        R::Ledger(e) => ledger(e),
        R::Chain(e) => chain(e),
        R::Address(_) => ErrorCode::InvalidInput,
        R::Accounts(e) => accounts(e),
    }
}

fn bridge(e: &crate::bridge::BridgeError) -> ErrorCode {
    use crate::bridge::BridgeError as B;
    match e {
        B::Bind(..) => ErrorCode::Network,
        B::Running(_) => ErrorCode::Conflict,
        B::NoApproval(_) | B::NoToken(_) | B::NoGrant(_) => ErrorCode::NotFound,
        B::BadName => ErrorCode::InvalidInput,
        B::Random | B::Sign(_) => ErrorCode::Internal,
        B::Session(e) => session(e),
        B::Ledger(e) => ledger(e),
    }
}

fn passkey(e: &crate::passkeys::PasskeyError) -> ErrorCode {
    use crate::passkeys::PasskeyError as P;
    match e {
        // Nothing on this device can do it: said in words; the UI offers nothing instead.
        P::NoAuthenticator | P::NotFound(_) => ErrorCode::NotFound,
        P::Authenticator(_) | P::Assertion(_) | P::BadSignature => ErrorCode::Rejected,
        P::BadLabel => ErrorCode::InvalidInput,
        P::Random => ErrorCode::Internal,
        P::NotOnNetwork(_) | P::BadFactoryAnswer => ErrorCode::Network,
        P::SignerUnknown => ErrorCode::Offline,
        P::StillOwns { .. } | P::MadeAccount { .. } => ErrorCode::Conflict,
        P::Chain(e) => chain(e),
        P::Session(e) => session(e),
        P::Ledger(e) => ledger(e),
    }
}

fn sync(e: &SyncError) -> ErrorCode {
    match e {
        SyncError::Session(e) => session(e),
        SyncError::Ledger(e) => ledger(e),
        SyncError::Chain(e) => chain(e),
        SyncError::Address(_) => ErrorCode::InvalidInput,
        SyncError::Ops(e) => ops(e),
    }
}

fn prices(e: &PriceError) -> ErrorCode {
    match e {
        PriceError::Currency(_) | PriceError::RestUrl(_) | PriceError::Amount(_) => {
            ErrorCode::InvalidInput
        }
        PriceError::Off => ErrorCode::Conflict,
        PriceError::Rest(_) => ErrorCode::Network,
        PriceError::Chain(e) => chain(e),
        PriceError::Session(e) => session(e),
        PriceError::Ledger(e) => ledger(e),
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

/// The sealed channel's refusals reach the shell directly (it opens and seals around the call).
impl From<crate::keys::channel::ChannelError> for ApiError {
    fn from(e: crate::keys::channel::ChannelError) -> ApiError {
        ApiError::from(Error::from(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_words_of_a_failed_reauthentication_are_the_ui_codes() {
        let cases = [
            SessionError::Locked,
            SessionError::Internal("x".into()),
            SessionError::Vault(VaultError::WrongPassword),
            SessionError::Vault(VaultError::WeakPassword("x")),
            SessionError::Vault(VaultError::Exists("/d".into())),
            SessionError::Vault(VaultError::Missing("/d".into())),
            SessionError::Vault(VaultError::Throttled {
                retry_after_secs: 2,
            }),
            SessionError::Vault(VaultError::Rng),
            SessionError::Vault(VaultError::Crypto),
        ];
        for e in cases {
            assert_eq!(e.reason(), code_word(session(&e)), "{e:?}");
        }
    }

    #[test]
    fn an_error_keeps_its_code_however_deep_a_room_wrapped_it() {
        let locked = |e: Error| assert_eq!(e.code(), ErrorCode::Locked, "{e}");
        locked(SessionError::Locked.into());
        locked(SendError::Session(SessionError::Locked).into());
        locked(SmartError::Ops(OpsError::Session(SessionError::Locked)).into());
        locked(MfaError::Accounts(AccountsError::Session(SessionError::Locked)).into());
        let not_found = LedgerError::NotFound("operation 7".into());
        assert_eq!(
            Error::from(SendError::Ledger(not_found)).code(),
            ErrorCode::NotFound
        );
        let blocked = RiskError::Blocked {
            score: 100,
            worst: "x".into(),
        };
        assert_eq!(
            Error::from(SmartError::Mfa(MfaError::Risk(blocked))).code(),
            ErrorCode::RiskBlocked
        );
        // The message is the innermost error's, unchanged by the wrapping.
        assert_eq!(
            Error::from(SendError::Session(SessionError::Locked)).to_string(),
            "the wallet is locked: unlock it first"
        );
    }
}
