//! Cairn's core: the engine behind the app, the `cairn` CLI and the tests. One entry type,
//! [`Wallet`], with an async API; nothing outside this crate touches keys, SQL or HTTP.
//!
//! The crate is organised in rooms, one folder per concern; a room uses only rooms below it
//! (`tests/layers.rs` enforces it, `docs/LAYOUT.md` draws it):
//!
//! | rank | room | owns |
//! |---|---|---|
//! | 10 | [`wallet`] | the `Wallet` façade, profiles, the error the UI sees |
//! | 9 | `sync`, `bridge` | the worker: broadcast, receipts, confirmations, reorgs, balances; the dapp bridge: loopback JSON-RPC provider, callers, grants, approvals |
//! | 8 | `recovery` | guardians of Safe accounts and recovery |
//! | 7 | `smart` | smart accounts and their user operations |
//! | 6 | `send` | payments: plan, check, sign, queue; speed-up, cancel, re-sign |
//! | 5 | [`guard`], `history` | simulation, risk, two-factor, policy, message review; history |
//! | 4 | `ops`, `accounts`, `networks` | operation lifecycle; accounts and keys in use; networks |
//! | 3 | `session` | the unlocked state, the active chain client, events |
//! | 2 | [`store`] | the encrypted ledger and its audit log |
//! | 1 | [`keys`], [`chain`] | vault, derivation, keychain; JSON-RPC, bundler, paymaster, presets |
//! | 0 | [`primitives`], [`logging`] | amounts, addresses, ERC-20, ERC-4337, TOTP, QR; tracing |

pub(crate) mod accounts;
pub(crate) mod bridge;
pub mod chain;
pub mod guard;
pub(crate) mod history;
pub mod keys;
pub mod logging;
pub(crate) mod networks;
pub(crate) mod ops;
pub mod passkeys;
pub(crate) mod prices;
pub mod primitives;
pub(crate) mod recovery;
pub(crate) mod send;
pub(crate) mod session;
pub(crate) mod smart;
pub mod store;
pub(crate) mod sync;
pub mod wallet;

// The rooms' errors, as the façade's `Error` wraps them.
pub use accounts::AccountsError;
pub use bridge::BridgeError;
pub use guard::messages::MessageError;
pub use guard::mfa::MfaError;
pub use guard::risk::RiskError;
pub use history::HistoryError;
pub use networks::NetworkError;
pub use ops::OpsError;
pub use passkeys::PasskeyError;
pub use recovery::RecoveryError;
pub use send::SendError;
pub use session::SessionError;
pub use smart::SmartError;
pub use sync::SyncError;

// The paths the shell, the CLI and the tests used before the rooms existed.
pub use chain::network::{self, Network};
pub use guard::risk;
pub use keys::vault::KdfParams;
pub use keys::{keychain, vault};
pub use primitives::{aa, erc20, totp, units};
pub use store::ledger;
pub use wallet::error::{self, Error, Result};
pub use wallet::profiles;
pub use wallet::{DoctorReport, KeySpec, LockReason, NewWallet, Wallet, WalletConfig, WalletEvent};
