//! The one definition of every type that crosses the IPC boundary between the Yew UI (wasm)
//! and the Tauri shell, which forwards to `cairn_core`. Plain serde data only, so it compiles
//! for wasm32 as well as for the host; the core converts its own types into these.

use serde::{Deserialize, Serialize};

pub mod channel;
pub mod password;

/// Names of the shell's commands, shared so the UI cannot invoke a typo.
pub mod cmd {
    pub const STATUS: &str = "wallet_status";
    pub const IMPORT_WALLET: &str = "import_wallet";
    pub const ADD_ACCOUNT: &str = "add_account";
    pub const RENAME_ACCOUNT: &str = "rename_account";
    pub const SET_ACCOUNT_HIDDEN: &str = "set_account_hidden";
    pub const CHANGE_PASSWORD: &str = "change_password";
    pub const EXPORT_MNEMONIC: &str = "export_mnemonic";
    pub const SETTINGS: &str = "wallet_settings";
    pub const PRICES: &str = "prices";
    pub const REFRESH_PRICES: &str = "refresh_prices";
    pub const SET_PRICE_SETTINGS: &str = "set_price_settings";
    pub const PORTFOLIO: &str = "portfolio";
    pub const OPEN_EXPLORER: &str = "open_explorer";
    /// Shows a system notification; the UI words it in the user's language.
    pub const NOTIFY: &str = "notify";
    pub const SET_AUTO_LOCK: &str = "set_auto_lock";
    pub const AUDIT_LOG: &str = "audit_log";
    pub const CREATE: &str = "create_wallet";
    pub const UNLOCK: &str = "unlock_wallet";
    pub const LOCK: &str = "lock_wallet";
    pub const BALANCE: &str = "account_balance";
    pub const DEVNET_FUND: &str = "devnet_fund";
    pub const QUOTE_SEND: &str = "quote_send";
    pub const SEND: &str = "send";
    pub const OPERATIONS: &str = "operations";
    pub const SPEED_UP: &str = "speed_up";
    pub const CANCEL: &str = "cancel_operation";
    pub const RESIGN: &str = "resign_operation";
    pub const SYNC_STATUS: &str = "sync_status";
    pub const SYNC_NOW: &str = "sync_now";
    pub const BALANCES: &str = "balances";
    pub const HISTORY: &str = "history";
    pub const RECEIVE: &str = "receive";
    pub const NETWORKS: &str = "networks";
    pub const ADD_NETWORK: &str = "add_network";
    pub const USE_NETWORK: &str = "use_network";
    pub const ADD_TOKEN: &str = "add_token";
    pub const PROFILES: &str = "list_profiles";
    pub const SWITCH_PROFILE: &str = "switch_profile";
    pub const SMART_ACCOUNT: &str = "smart_account";
    pub const SMART_ACCOUNTS: &str = "smart_accounts";
    pub const QUOTE_USER_OP: &str = "quote_user_op";
    pub const SEND_USER_OP: &str = "send_user_op";
    pub const MFA_STATUS: &str = "mfa_status";
    pub const MFA_ENROLL: &str = "mfa_enroll";
    pub const MFA_CONFIRM: &str = "mfa_confirm";
    pub const SET_POLICY: &str = "set_policy";
    pub const ADD_CONTACT: &str = "add_contact";
    pub const CONTACTS: &str = "contacts";
    pub const SET_QUIET: &str = "set_quiet";
    pub const SEND_PREVIEW: &str = "send_preview";
    pub const MFA_DISABLE: &str = "mfa_disable";
    pub const MFA_NEW_RECOVERY_CODES: &str = "mfa_new_recovery_codes";
    pub const REMOVE_CONTACT: &str = "remove_contact";
    pub const HIDDEN_ACCOUNTS: &str = "hidden_accounts";
    /// The user typed or clicked: the auto-lock clock starts again (sent at most every 10 s).
    pub const USER_ACTIVE: &str = "user_active";
    pub const QUOTE_REPLACEMENT: &str = "quote_replacement";
    pub const BACKUP_STATUS: &str = "backup_status";
    pub const BACKUP_CHALLENGE: &str = "backup_challenge";
    pub const CONFIRM_BACKUP: &str = "confirm_backup";
    /// A one-shot key for a sealed exchange (`channel`).
    pub const SEAL_KEY: &str = "seal_key";
    pub const SET_GUARDIANS: &str = "set_guardians";
    pub const GUARDIANS: &str = "guardians";
    pub const RECOVERY_REQUEST: &str = "recovery_request";
    pub const RECOVERY_REQUESTS: &str = "recovery_requests";
    pub const RECOVERY_REVIEW: &str = "recovery_review";
    pub const RECOVERY_APPROVE: &str = "recovery_approve";
    pub const RECOVERY_SUBMIT: &str = "recovery_submit";
    pub const RECOVERY_EXECUTE: &str = "recovery_execute";
    pub const RECOVERY_CANCEL: &str = "recovery_cancel";
    pub const RECOVERY_STATUS: &str = "recovery_status";
    pub const BRIDGE_STATUS: &str = "bridge_status";
    pub const BRIDGE_START: &str = "bridge_start";
    pub const BRIDGE_STOP: &str = "bridge_stop";
    pub const BRIDGE_APPROVALS: &str = "bridge_approvals";
    pub const BRIDGE_DECIDE: &str = "bridge_decide";
    pub const BRIDGE_TOKENS: &str = "bridge_tokens";
    pub const BRIDGE_TOKEN_ADD: &str = "bridge_token_add";
    pub const BRIDGE_TOKEN_REVOKE: &str = "bridge_token_revoke";
    pub const BRIDGE_GRANTS: &str = "bridge_grants";
    pub const BRIDGE_GRANT_REVOKE: &str = "bridge_grant_revoke";
    pub const PASSKEYS: &str = "passkeys";
    pub const PASSKEY_ADD: &str = "passkey_add";
    pub const PASSKEY_CHECK: &str = "passkey_check";
    pub const PASSKEY_REMOVE: &str = "passkey_remove";
    pub const PASSKEY_ACCOUNTS: &str = "passkey_accounts";
    pub const SAFE_PASSKEY_ADD: &str = "safe_passkey_add";
    pub const SAFE_PASSKEY_REMOVE: &str = "safe_passkey_remove";
    pub const PASSKEY_SAFE: &str = "passkey_safe";
}

/// Names of the events the shell emits to the UI.
pub mod event {
    pub const LOCKED: &str = "wallet://locked";
    /// Payload: `SyncStatus`.
    pub const SYNC: &str = "wallet://sync";
    /// Payload: `Operation`.
    pub const OPERATION: &str = "wallet://operation";
    /// Payload: `Notice`.
    pub const NOTICE: &str = "wallet://notice";
    /// Payload: `Vec<BridgeApproval>`, every request that waits for the user.
    pub const BRIDGE_APPROVALS: &str = "wallet://bridge-approvals";
    /// Payload: who asked (text). An app asked while the wallet is locked.
    pub const BRIDGE_LOCKED: &str = "wallet://bridge-locked";
    /// Payload: `NetworkInfo`. The active network changed.
    pub const NETWORK: &str = "wallet://network";
    /// Payload: "waiting" (the device's authenticator was asked: the person must confirm on
    /// it) or "done" (it answered, or gave up).
    pub const PASSKEY: &str = "wallet://passkey";
    /// The WebAuthn plugin's own events (a security key wants its PIN, a touch, a choice of
    /// credential), named by the plugin.
    pub const AUTHENTICATOR: &str = "tauri-plugin-webauthn";
}

/// How fast a send should be mined: fees from the recent fee market, or the user's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "speed", rename_all = "snake_case")]
pub enum SendSpeed {
    Slow,
    Normal,
    Fast,
    /// Both in gwei, as decimal text.
    Custom {
        max_fee_gwei: String,
        priority_fee_gwei: String,
    },
}

/// A send as it is being typed: checked against what the wallet knows, without the network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendDraft {
    pub from: String,
    #[serde(default)]
    pub token: Option<String>,
    /// As typed; may be empty.
    #[serde(default)]
    pub amount: String,
    pub speed: SendSpeed,
    /// From a smart account with the paymaster paying the gas.
    #[serde(default)]
    pub sponsored: bool,
}

/// What the send form shows while the user types: what can be spent, what the network fee
/// may be, the most that can be sent, the total, and what is wrong with the amount, if anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendPreview {
    pub symbol: String,
    pub native_symbol: String,
    /// Of the asset sent.
    pub available: String,
    /// Of the native currency (which pays the fee).
    pub available_native: String,
    /// The most the network fee can be at the chosen speed, from the last fees seen; `None`
    /// when none were seen yet, or a smart account's operation (priced at review); "0" when
    /// the paymaster pays.
    pub max_fee: Option<String>,
    /// The most that can be sent, the fee left aside; `None` when the fee is not known.
    pub max: Option<String>,
    /// Amount plus fee, for the native currency (what leaves the wallet at most).
    pub total: Option<String>,
    /// Why the amount cannot be sent (not a number, too much, nothing for the fee).
    pub problem: Option<String>,
    /// The amount typed and the fee in the user's currency, where a price is known.
    #[serde(default)]
    pub amount_fiat: Option<FiatValue>,
    #[serde(default)]
    pub max_fee_fiat: Option<FiatValue>,
}

/// A payment: ETH (`token: None`) or an ERC-20 the wallet knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendRequest {
    pub from: String,
    pub to: String,
    pub token: Option<String>,
    /// In the asset's units, decimal text ("1.5").
    pub amount: String,
    pub speed: SendSpeed,
    /// The second factor's code, when the policy asks for one.
    #[serde(default)]
    pub mfa_code: Option<String>,
    /// Send even though the risk checks would block it (the user said so, explicitly).
    #[serde(default)]
    pub override_risk: bool,
}

/// What a send will do and cost, for the review screen. Amounts are formatted decimal text;
/// `_wei` / `_base` fields are integer base units.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendQuote {
    pub from: String,
    pub to: String,
    pub symbol: String,
    pub amount: String,
    pub amount_base: String,
    pub gas_limit: u64,
    pub max_fee_per_gas_wei: String,
    pub max_priority_fee_per_gas_wei: String,
    /// The most the network fee can be (gas limit × max fee), in the native currency.
    pub max_network_fee: String,
    pub native_symbol: String,
    /// Available before this send: of the asset sent, and of the native currency (fees).
    pub available: String,
    pub available_native: String,
    pub nonce: u64,
    /// False: built from what the wallet last saw (the send is queued until a node answers).
    pub online: bool,
    /// The simulation and the risk checks (what the review must show).
    #[serde(default)]
    pub risk: Option<RiskReport>,
    /// The amount and the most the fee can be, in the user's currency, where a price is known.
    #[serde(default)]
    pub amount_fiat: Option<FiatValue>,
    #[serde(default)]
    pub max_fee_fiat: Option<FiatValue>,
}

/// One risk the checks found before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskWarning {
    /// Which rule: first_payment, look_alike, unlimited_approval, token_to_its_contract,
    /// token_to_contract, large_share, denylisted, reverts.
    pub rule: String,
    /// low, medium, high or critical.
    pub severity: String,
    pub message: String,
}

/// A change to one of the user's balances the simulation foresees ("-1.5", "+10.0").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetChange {
    pub symbol: String,
    pub token: Option<String>,
    pub amount: String,
}

/// An approval the call would grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalChange {
    pub token: String,
    pub symbol: Option<String>,
    pub spender: String,
    /// In the token's units, or "unlimited".
    pub amount: String,
    pub unlimited: bool,
}

/// What the node's simulation said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulationReport {
    /// eth_simulateV1, eth_call, or none (offline).
    pub method: String,
    pub success: bool,
    pub revert_reason: Option<String>,
    pub gas_used: Option<u64>,
    pub changes: Vec<AssetChange>,
    pub approvals: Vec<ApprovalChange>,
    /// What could not be checked, when something could not.
    pub unchecked: Option<String>,
}

/// The risk report of an outgoing operation: a score (0–100), warnings, the simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskReport {
    pub score: u32,
    pub warnings: Vec<RiskWarning>,
    pub simulation: SimulationReport,
}

/// Someone the user pays: a name for an address (any chain).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    pub address: String,
}

/// One field of EIP-712 typed data as the review shows it: its path, Solidity type and value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedDataField {
    pub name: String,
    pub kind: String,
    pub value: String,
}

/// EIP-712 typed data laid out for the user before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypedDataReview {
    pub primary_type: String,
    pub domain: Vec<TypedDataField>,
    pub fields: Vec<TypedDataField>,
    /// What signing it would allow that a user might not expect (token approvals).
    pub warnings: Vec<String>,
    /// The EIP-712 signing hash.
    pub hash: String,
}

/// A signature over a message (EIP-191) or typed data (EIP-712, with what was reviewed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedMessage {
    /// 65 bytes, r ‖ s ‖ v (27/28), hex.
    pub signature: String,
    pub review: Option<TypedDataReview>,
}

/// The spending policy: amounts in the native currency (decimal text) above which a send needs
/// the second factor; `None` for no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    #[serde(default)]
    pub per_send: Option<String>,
    #[serde(default)]
    pub per_day: Option<String>,
    /// The same limits in the user's fiat currency (decimal text, e.g. `500` or `499.99`).
    /// Without a fresh price the send is treated as over the limit: the code is asked for.
    #[serde(default)]
    pub per_send_fiat: Option<String>,
    #[serde(default)]
    pub per_day_fiat: Option<String>,
    /// A risk score (0–100) at or above which a send needs the code.
    #[serde(default)]
    pub mfa_above_score: Option<u32>,
    /// A risk score at or above which a send is refused unless overridden explicitly.
    #[serde(default)]
    pub block_above_score: Option<u32>,
}

/// Start two-factor enrolment: the password again.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaEnrollRequest {
    pub password: String,
}

impl std::fmt::Debug for MfaEnrollRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaEnrollRequest { password: <redacted> }")
    }
}

/// A code from the authenticator app (or a recovery code).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaCodeRequest {
    pub code: String,
}

/// Turning two-factor off: the password again and a current code (or a recovery code).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaDisableRequest {
    pub password: String,
    pub code: String,
}

impl std::fmt::Debug for MfaDisableRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaDisableRequest { <redacted> }")
    }
}

/// New recovery codes: the password again and a current code (or an old recovery code).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodesRequest {
    pub password: String,
    pub code: String,
}

impl std::fmt::Debug for RecoveryCodesRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCodesRequest { <redacted> }")
    }
}

/// Ten single-use recovery codes, shown this once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

impl std::fmt::Debug for RecoveryCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RecoveryCodes {{ {} codes }}", self.codes.len())
    }
}

/// A new policy, with the code that authorises the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetPolicyRequest {
    pub policy: Policy,
    pub code: Option<String>,
}

/// Whether the second factor is on, and the policy it guards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaStatus {
    pub enabled: bool,
    /// Enrolment started, waiting for its first code.
    pub pending: bool,
    pub recovery_codes_left: u32,
    pub policy: Policy,
}

/// A new TOTP enrolment, shown once: for an authenticator app, and the recovery codes to write
/// down.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaEnrollment {
    pub otpauth_uri: String,
    pub secret_base32: String,
    pub qr_svg: String,
    pub recovery_codes: Vec<String>,
}

impl std::fmt::Debug for MfaEnrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaEnrollment { <redacted> }")
    }
}

/// An ERC-4337 smart account (a SimpleAccount) owned by one of the wallet's accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmartAccount {
    pub address: String,
    pub name: String,
    /// The account whose key signs for it; for a passkey's Safe, the shared signer its setup
    /// configured with the passkey.
    pub owner: String,
    /// A passkey's Safe: the passkey it was made with (its label); no key of the wallet signs.
    #[serde(default)]
    pub passkey: Option<String>,
    /// "safe" or "simple" (SimpleAccount).
    #[serde(default)]
    pub kind: String,
    /// Who may sign (a Safe's owners can change); `None` when a deployed Safe's node did not
    /// answer.
    #[serde(default)]
    pub owners: Option<Vec<String>>,
    /// How many of `owners` must sign.
    #[serde(default)]
    pub threshold: Option<u64>,
    /// "v0.7" or "v0.8".
    pub entry_point_version: String,
    pub entry_point: String,
    /// Whether its code is on the active network (its first operation deploys it).
    pub deployed: bool,
    /// Its gas deposit at the EntryPoint (what the prefunds left over; spent first by the next
    /// operation), in the native currency; `None` when no node answers.
    #[serde(default)]
    pub deposit: Option<String>,
}

/// Make (or find) the smart account of `owner`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmartAccountRequest {
    pub owner: String,
    /// "safe" (the default), "simple" (a SimpleAccount under EntryPoint v0.7) or a
    /// SimpleAccount's EntryPoint version, "v0.7" or "v0.8".
    #[serde(default, alias = "version")]
    pub kind: Option<String>,
}

/// One call a smart account makes in a user operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum CallSpec {
    /// ETH (`token: None`) or an ERC-20 the wallet knows, in the asset's units.
    Transfer {
        to: String,
        token: Option<String>,
        amount: String,
    },
    /// `approve(spender, amount)` on a token the wallet knows.
    Approve {
        token: String,
        spender: String,
        amount: String,
    },
}

/// A user operation: one call or a batch, from a smart account, its gas paid by the account or
/// by the network's paymaster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserOpRequest {
    /// The smart account.
    pub from: String,
    pub calls: Vec<CallSpec>,
    /// Ask the network's paymaster to pay the gas.
    #[serde(default)]
    pub sponsored: bool,
    pub speed: SendSpeed,
    /// The second factor's code, when the policy asks for one.
    #[serde(default)]
    pub mfa_code: Option<String>,
    /// Send even though the risk checks would block it (the user said so, explicitly).
    #[serde(default)]
    pub override_risk: bool,
    /// A passkey (its id) that owns the Safe signs instead of the owner key.
    #[serde(default)]
    pub signer: Option<i64>,
}

/// What a user operation will do and cost, for the review screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserOpQuote {
    pub from: String,
    pub owner: String,
    /// The passkey that signs instead of the owner key (its label).
    #[serde(default)]
    pub passkey: Option<String>,
    pub calls: usize,
    /// This operation also deploys the account.
    pub deploys: bool,
    /// "the account", or the paymaster (its ERC-7677 sponsor name when it gives one).
    pub gas_paid_by: String,
    pub sponsored: bool,
    pub total_gas: String,
    pub max_fee_per_gas_wei: String,
    /// What the account itself may pay for gas at most ("0" when sponsored).
    pub max_network_fee: String,
    pub native_symbol: String,
    pub available_native: String,
    /// False: built offline with default gas limits; queued until the bundler answers.
    pub online: bool,
    /// The simulation of the account's calls and the risk checks.
    #[serde(default)]
    pub risk: Option<RiskReport>,
}

/// Something a user wants to hear of while looking elsewhere: the UI words it in the user's
/// language and shows it in the window, and as a system notification when the window is not in
/// front.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// Funds arrived at one of the wallet's accounts, seen by the live history reading (never
    /// by an account's first reading, which finds its whole past).
    Received {
        /// The receiving account, checksummed.
        account: String,
        /// Decimal text in the asset's units.
        amount: String,
        symbol: String,
        /// The sender, when the source names one.
        from: Option<String>,
        tx_hash: String,
    },
    /// One of the wallet's operations ended: `state` is `confirmed` or `failed` (with `error`).
    Settled { operation: Box<Operation> },
    /// An owner change of one of the wallet's Safes is scheduled that this wallet did not ask
    /// for: a recovery by its guardians, or an attack. Cancel it before `ready_at` unless the
    /// user started it elsewhere.
    RecoveryScheduled {
        account: String,
        /// The timelock's operation id (what a cancel names).
        id: String,
        new_owner: String,
        /// Unix time from which it can run.
        ready_at: Option<u64>,
    },
    /// A call that is not an owner change was scheduled on a Safe's timelock: never what
    /// guardians are for, so Cairn cancels it (`cancelled`), or says why it could not.
    ScheduledCall {
        account: String,
        id: String,
        cancelled: bool,
        error: Option<String>,
    },
}

/// A system notification, worded by the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyRequest {
    pub title: String,
    pub body: String,
}

/// One of the user's operations, as the activity list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation {
    pub id: i64,
    pub kind: String,
    /// draft, authorized, signed, queued, submitted, included, confirmed, failed, replaced,
    /// dropped, needs_resign
    pub state: String,
    pub from: String,
    pub to: String,
    pub symbol: String,
    pub amount: String,
    pub hash: Option<String>,
    pub nonce: Option<u64>,
    pub block_number: Option<u64>,
    /// In the native currency, once mined.
    pub fee_paid: Option<String>,
    pub error: Option<String>,
    pub replaces: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Still replaceable (speed up / cancel): signed but not mined.
    pub replaceable: bool,
    /// A user operation (its `hash` is the userOpHash).
    #[serde(default)]
    pub user_operation: bool,
    /// Who paid (or pays) its gas when not the sender: the paymaster's address.
    #[serde(default)]
    pub paymaster: Option<String>,
    /// The bundle transaction a user operation landed in.
    #[serde(default)]
    pub bundle_tx: Option<String>,
}

/// The sync worker's view of the network.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub online: bool,
    /// The endpoint answering now.
    pub endpoint: Option<String>,
    pub last_block: Option<u64>,
    /// Signed operations waiting to be broadcast.
    pub queued: u32,
    /// Broadcast and not yet final.
    pub in_flight: u32,
    pub last_error: Option<String>,
    /// Unix seconds of the last successful sync.
    pub synced_at: Option<i64>,
    /// Quiet mode: nothing is read in the background; "sync now" reads once.
    #[serde(default)]
    pub quiet: bool,
}

/// One asset's balance for an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetBalance {
    pub symbol: String,
    /// `None` for the native currency.
    pub token: Option<String>,
    pub decimals: u8,
    /// As the chain last said, at `block_number`.
    pub confirmed: String,
    /// Promised by signed, not yet mined sends.
    pub pending_out: String,
    /// Confirmed minus pending out: what a new send may spend.
    pub available: String,
    pub block_number: Option<u64>,
    /// `confirmed` in the user's currency, when a price is known.
    #[serde(default)]
    pub fiat: Option<FiatValue>,
}

/// An amount in a fiat currency, with where its price came from and whether it is still fresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FiatValue {
    /// Decimal text with two decimals, e.g. `4500.18`.
    pub amount: String,
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
    /// The price is older than its source promises to update: shown, but not relied on.
    pub stale: bool,
    /// `chainlink` or `rest`.
    pub source: String,
    /// The price's own time (unix seconds).
    pub priced_at: u64,
}

/// What every visible account holds on the active network, valued together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portfolio {
    pub currency: String,
    /// The sum of every asset with a price; `None` when nothing has one.
    pub total: Option<FiatValue>,
    /// The native currency across accounts (decimal text) and its symbol; `None` when no
    /// balance was read on this network yet (not a 0 that reads like an empty wallet).
    pub native_total: Option<String>,
    pub native_symbol: String,
    /// Symbols of held assets without a price: the total leaves them out.
    pub unpriced: Vec<String>,
}

/// One price the wallet holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceRow {
    /// `ETH`, a token's symbol, or a currency code for a currency's USD rate.
    pub label: String,
    /// USD per unit, decimal text.
    pub usd: String,
    pub source: String,
    pub priced_at: u64,
    pub stale: bool,
}

/// The price settings and the table of what is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceTable {
    pub settings: PriceSettings,
    pub rows: Vec<PriceRow>,
    /// The currencies a value can be shown in.
    pub currencies: Vec<String>,
}

/// How prices are found and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceSettings {
    /// ISO 4217 code: `USD` or `EUR`.
    pub currency: String,
    /// Off: no price is read at all, nothing is valued.
    pub enabled: bool,
    /// Ask a keyless REST price service (assets by name, never addresses) where no on-chain
    /// feed answers freshly.
    pub rest_fallback: bool,
    pub rest_url: String,
}

/// A network as the user configures it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkSpec {
    pub chain_id: u64,
    pub name: String,
    pub currency_symbol: String,
    pub currency_decimals: u8,
    /// Tried in this order.
    pub rpc_urls: Vec<String>,
    pub bundler_url: Option<String>,
    pub paymaster_url: Option<String>,
    pub explorer_api_url: Option<String>,
    pub confirmations: u64,
    /// The most per gas (gwei) the wallet offers from a node's fee data; above it only a fee
    /// set by hand is signed. `None`: the network's default.
    #[serde(default)]
    pub fee_ceiling_gwei: Option<u64>,
    /// A WebSocket endpoint (`ws://`, `wss://`) to follow new blocks on. `None`: the one beside
    /// the RPC endpoint, when there is one.
    #[serde(default)]
    pub ws_url: Option<String>,
    /// The most blocks one `eth_getLogs` request may span. `None`: 10 000.
    #[serde(default)]
    pub log_span_blocks: Option<u64>,
}

/// A network the wallet can use: a preset or one the user added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkEntry {
    pub spec: NetworkSpec,
    pub user_added: bool,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UseNetworkRequest {
    pub chain_id: u64,
}

/// What the receive screen shows: the address as text and as a QR code, and its network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiveInfo {
    pub address: String,
    pub name: String,
    pub network: String,
    pub chain_id: u64,
    /// A standalone SVG document, generated by the core from the address alone.
    pub qr_svg: String,
}

/// One value movement found on chain (or made by the wallet): ETH or a token, in or out, or
/// the fee of an outgoing transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The wallet's account this movement belongs to.
    #[serde(default)]
    pub account: String,
    pub tx_hash: String,
    pub block_number: u64,
    /// in, out or fee
    pub direction: String,
    pub symbol: String,
    pub token: Option<String>,
    pub amount: String,
    pub counterparty: Option<String>,
    /// The wallet's own operation, when it made this transaction.
    pub operation_id: Option<i64>,
    /// Unix seconds of the block, when known.
    pub at: i64,
}

/// A page of history: one account or all, newest first, filtered on what is set. Paged by
/// cursor: `before` is the `next` of the page before (absent for the newest page).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    /// One account's address; all of the wallet's accounts when absent.
    #[serde(default)]
    pub account: Option<String>,
    /// `native`, or a token's contract address.
    #[serde(default)]
    pub asset: Option<String>,
    /// in, out or fee
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    pub counterparty: Option<String>,
    #[serde(default)]
    pub before: Option<String>,
    /// 1 to 500; 50 when absent.
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    /// The cursor of the next (older) page; absent on the last page.
    pub next: Option<String>,
}

/// A page of the wallet's own operations, newest first, filtered on what is set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityQuery {
    /// One account's address (the sender); all accounts when absent.
    #[serde(default)]
    pub account: Option<String>,
    /// A state (`confirmed`, `failed`, …) or a group: `pending` (not yet final) or `ended`.
    #[serde(default)]
    pub state: Option<String>,
    /// The recipient.
    #[serde(default)]
    pub counterparty: Option<String>,
    /// `native`, or a token's contract address.
    #[serde(default)]
    pub asset: Option<String>,
    #[serde(default)]
    pub before: Option<String>,
    /// 1 to 500; 50 when absent.
    #[serde(default)]
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub operations: Vec<Operation>,
    /// The cursor of the next (older) page; absent on the last page.
    pub next: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRequest {
    pub id: i64,
    /// For a speed-up or cancel: the max fee per gas (wei) the user saw in its quote; a
    /// replacement that would cost more is refused, to be reviewed again.
    #[serde(default)]
    pub agreed_max_fee_per_gas_wei: Option<String>,
}

/// What a speed-up or cancel would cost, for the user to confirm before it is signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacementQuote {
    pub id: i64,
    /// "speed_up" or "cancel".
    pub action: String,
    /// What the original pays at most (network fee, native currency).
    pub old_max_network_fee: String,
    /// What the replacement pays at most; only one of the two is ever mined.
    pub new_max_network_fee: String,
    pub native_symbol: String,
    pub max_fee_per_gas_wei: String,
    /// The payment it replaces: its amount and asset (a cancel sends nothing instead).
    pub amount: String,
    pub symbol: String,
    pub to: String,
}

/// Which replacement to quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacementRequest {
    pub id: i64,
    pub cancel: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddTokenRequest {
    pub contract: String,
}

/// The network the wallet is talking to, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkInfo {
    pub chain_id: u64,
    pub name: String,
    pub currency_symbol: String,
    pub rpc_url: String,
    /// A local development chain: the UI may offer the devnet faucet.
    pub is_devnet: bool,
    /// The block explorer's web address (`https://etherscan.io`) where one is known: links to
    /// an address are `{explorer_url}/address/{address}`, to a transaction `/tx/{hash}`.
    #[serde(default)]
    pub explorer_url: Option<String>,
    /// A paymaster is configured: the steps the core makes on the user's behalf (guardians,
    /// recovery) ask it to pay their gas.
    #[serde(default)]
    pub has_paymaster: bool,
}

/// Where the wallet stands: no vault yet, locked, or unlocked with its accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum WalletStatus {
    NoVault {
        network: NetworkInfo,
    },
    Locked {
        network: NetworkInfo,
        /// Seconds before another password may be tried (after wrong ones).
        retry_after_secs: u64,
    },
    Unlocked {
        network: NetworkInfo,
        accounts: Vec<Account>,
    },
}

/// One account of the wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// EIP-55 checksummed address.
    pub address: String,
    pub name: String,
    /// BIP-44 derivation path, e.g. `m/44'/60'/0'/0/0`; empty for an imported private key.
    pub path: String,
    /// The recovery phrase or imported key this account comes from.
    pub key_source_id: i64,
    pub hidden: bool,
    /// For a smart account: "safe" for a Safe, a SimpleAccount's EntryPoint version
    /// ("v0.7"/"v0.8"); `None` for a plain account.
    #[serde(default)]
    pub smart: Option<String>,
    /// For a smart account: the address of the account whose key signs for it.
    #[serde(default)]
    pub owner: Option<String>,
}

/// The 12 or 24 words of a new wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WordCount {
    #[serde(rename = "12")]
    Twelve,
    #[serde(rename = "24")]
    TwentyFour,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateWalletRequest {
    pub password: String,
    pub words: WordCount,
}

impl std::fmt::Debug for CreateWalletRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateWalletRequest")
            .field("password", &"<redacted>")
            .field("words", &self.words)
            .finish()
    }
}

/// The result of creating a wallet: the first account, and the recovery phrase, shown once
/// for the user to write down and never again without the export flow.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWallet {
    pub account: Account,
    pub mnemonic: String,
}

impl std::fmt::Debug for CreatedWallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedWallet")
            .field("account", &self.account)
            .field("mnemonic", &"<redacted>")
            .finish()
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlockRequest {
    pub password: String,
}

impl std::fmt::Debug for UnlockRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("UnlockRequest { password: <redacted> }")
    }
}

/// Creating a wallet from an existing recovery phrase or private key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportWalletRequest {
    pub password: String,
    /// A BIP-39 phrase, or a 0x-prefixed 32-byte private key.
    pub secret: String,
    /// Optional BIP-39 passphrase ("25th word"); ignored for a private key.
    pub passphrase: Option<String>,
}

impl std::fmt::Debug for ImportWalletRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ImportWalletRequest { <redacted> }")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddAccountRequest {
    pub key_source_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenameAccountRequest {
    pub address: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetHiddenRequest {
    pub address: String,
    pub hidden: bool,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePasswordRequest {
    pub old_password: String,
    pub new_password: String,
}

impl std::fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChangePasswordRequest { <redacted> }")
    }
}

/// Export needs the password again, whatever the lock state.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRequest {
    pub password: String,
    pub key_source_id: i64,
    /// The second factor's code, when it is on (exports always need one then).
    #[serde(default)]
    pub mfa_code: Option<String>,
}

impl std::fmt::Debug for ExportRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ExportRequest {{ password: <redacted>, key_source_id: {} }}",
            self.key_source_id
        )
    }
}

/// A recovery phrase made by this wallet and not yet checked against the user's copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingBackup {
    pub key_source_id: i64,
    pub label: String,
}

/// The word check: which words (1-based positions, ascending) the user is asked to type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupChallenge {
    pub key_source_id: i64,
    pub positions: Vec<u32>,
}

/// Which phrase to check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupChallengeRequest {
    pub key_source_id: i64,
}

/// The words typed for a challenge, in the order of its positions.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfirmBackupRequest {
    pub key_source_id: i64,
    pub words: Vec<String>,
}

impl std::fmt::Debug for ConfirmBackupRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ConfirmBackupRequest {{ key_source_id: {}, words: <redacted> }}",
            self.key_source_id
        )
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedSecret {
    pub secret: String,
}

impl std::fmt::Debug for ExportedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ExportedSecret(<redacted>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub auto_lock_secs: u64,
    pub device_secret: bool,
    /// No background traffic: balances and activity are read when asked ("sync now").
    #[serde(default)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetQuietRequest {
    pub quiet: bool,
}

/// The wallet profiles on this device and the one in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileList {
    pub current: String,
    pub profiles: Vec<String>,
}

/// Make profile `name` (existing, or new and empty) the one in use; the current one locks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchProfileRequest {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetAutoLockRequest {
    pub secs: u64,
}

/// One row of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// Unix seconds.
    pub at: i64,
    pub event: String,
    pub outcome: String,
    pub device_id: String,
    pub detail: String,
}

/// The audit log page: newest first, and whether the chain verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
    /// `None` when intact, else what verification found.
    pub tampered: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRequest {
    pub address: String,
}

/// A balance read from the chain, in integer base units plus its display form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    pub address: String,
    /// Base units (wei) as a decimal string: JSON numbers cannot hold a U256.
    pub wei: String,
    /// `wei` formatted in the currency's decimals, e.g. `10.0`.
    pub formatted: String,
    pub symbol: String,
    pub block_number: u64,
}

/// A devnet faucet transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funded {
    pub tx_hash: String,
    pub balance: Balance,
}

/// Every error the shell returns to the UI: a stable machine code plus a message that is safe
/// to show (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidInput,
    WeakPassword,
    WrongPassword,
    VaultExists,
    Throttled,
    KeychainMissing,
    NotFound,
    Duplicate,
    NoVault,
    Locked,
    Network,
    /// No endpoint answers: the action was queued or needs the network.
    Offline,
    /// The node refused (e.g. a revert, a nonce already used); the message says why.
    Rejected,
    InsufficientFunds,
    /// The operation is no longer in a state that allows this.
    Conflict,
    NotDevnet,
    Storage,
    Internal,
    /// The policy wants the second factor's code for this action.
    MfaRequired,
    /// The code given was wrong, expired or already used.
    MfaRejected,
    /// The risk checks block this send; it goes only with an explicit override.
    RiskBlocked,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_tagged_for_the_ui() {
        let network = NetworkInfo {
            chain_id: 31337,
            name: "Devnet".into(),
            currency_symbol: "ETH".into(),
            rpc_url: "http://127.0.0.1:8545".into(),
            is_devnet: true,
            explorer_url: None,
            has_paymaster: false,
        };
        let json = serde_json::to_value(WalletStatus::Locked {
            network,
            retry_after_secs: 0,
        })
        .unwrap();
        assert_eq!(json["state"], "locked");
        assert_eq!(json["network"]["chain_id"], 31337);
    }

    #[test]
    fn secrets_do_not_reach_debug_output() {
        let req = CreateWalletRequest {
            password: "hunter2-secret".into(),
            words: WordCount::Twelve,
        };
        assert!(!format!("{req:?}").contains("hunter2"));
        let created = CreatedWallet {
            account: Account {
                address: "0x0".into(),
                name: "a".into(),
                path: "m".into(),
                key_source_id: 1,
                hidden: false,
                smart: None,
                owner: None,
            },
            mnemonic: "abandon ability able".into(),
        };
        assert!(!format!("{created:?}").contains("abandon"));
        let export = ExportRequest {
            password: "hunter2-secret".into(),
            key_source_id: 1,
            mfa_code: None,
        };
        assert!(!format!("{export:?}").contains("hunter2"));
        let exported = ExportedSecret {
            secret: "abandon ability".into(),
        };
        assert!(!format!("{exported:?}").contains("abandon"));
        let import = ImportWalletRequest {
            password: "hunter2-secret".into(),
            secret: "abandon ability".into(),
            passphrase: Some("extra words".into()),
        };
        assert!(
            !format!("{import:?}").contains("hunter2")
                && !format!("{import:?}").contains("abandon")
        );
        let unlock = UnlockRequest {
            password: "hunter2-secret".into(),
        };
        assert!(!format!("{unlock:?}").contains("hunter2"));
    }

    #[test]
    fn word_count_crosses_as_a_string() {
        let req: CreateWalletRequest =
            serde_json::from_str(r#"{"password":"p","words":"24"}"#).unwrap();
        assert_eq!(req.words, WordCount::TwentyFour);
    }
}

/// Put guardians on a Safe: `threshold` of `guardians` can replace its owner after
/// `delay_secs`, unless the owner cancels first. Replaces any earlier guardians.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardianRequest {
    /// The Safe.
    pub account: String,
    pub guardians: Vec<String>,
    pub threshold: u64,
    /// Seconds; 3 days when absent, at least 1 day on public networks.
    #[serde(default)]
    pub delay_secs: Option<u64>,
    /// Ask the network's paymaster to pay the gas.
    #[serde(default)]
    pub sponsored: bool,
    #[serde(default)]
    pub mfa_code: Option<String>,
}

/// A Safe's guardians, as its chain says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guardians {
    pub account: String,
    /// The timelock module; `None`: no guardians.
    pub timelock: Option<String>,
    /// The Safe the guardians own together.
    pub guardian_safe: Option<String>,
    pub guardians: Vec<String>,
    pub threshold: u64,
    pub delay_secs: u64,
    /// What the guardians (or anyone holding the proposer role) have scheduled.
    pub scheduled: Vec<ScheduledChange>,
}

/// A call the timelock holds for an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledChange {
    /// The timelock's operation id.
    pub id: String,
    /// "owner_change" (a recovery) or "other" (never what guardians are for).
    pub kind: String,
    pub old_owner: Option<String>,
    pub new_owner: Option<String>,
    /// "pending", "ready", "done" or "cancelled".
    pub state: String,
    /// Unix time from which it can run (pending and ready ones).
    pub ready_at: Option<u64>,
}

/// What a guardian sees before approving a recovery request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryReview {
    /// The request, as it travels (JSON).
    pub request: String,
    pub chain_id: u64,
    pub account: String,
    pub old_owner: String,
    pub new_owner: String,
    pub guardian_safe: String,
    pub delay_secs: u64,
    /// The EIP-712 hash the guardians sign.
    pub hash: String,
    /// Checked against the chain (the guardian Safe's own hash, nonce, owners, the timelock a
    /// module of the account); `false`: no node answered, signed on the request's word.
    pub checked: bool,
    /// The guardians and how many must sign (when checked).
    pub guardians: Vec<String>,
    pub threshold: Option<u64>,
    /// This wallet's accounts among the guardians.
    pub mine: Vec<String>,
}

/// One guardian's signature of a recovery request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryApproval {
    /// The EIP-712 hash signed (ties the approval to its request).
    pub hash: String,
    pub guardian: String,
    /// Empty for [`ApprovalKind::Approved`].
    #[serde(default)]
    pub signature: String,
    #[serde(default, skip_serializing_if = "ApprovalKind::is_key")]
    pub kind: ApprovalKind,
}

/// How a guardian vouches for a request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalKind {
    /// The guardian's key signed the hash.
    #[default]
    Key,
    /// A contract guardian (a Safe) vouches through ERC-1271; the signature is its owner's.
    Contract,
    /// The guardian approved the hash on chain (`approveHash`), any tool may have sent it.
    Approved,
}

impl ApprovalKind {
    pub fn is_key(&self) -> bool {
        *self == Self::Key
    }
}

/// Where a recovery stands on chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryStatus {
    pub account: String,
    pub id: String,
    /// "not_scheduled", "pending", "ready", "done", or "void" (the guardians' Safe moved past
    /// it: scheduled and cancelled, or they signed something else; a new request is needed).
    pub state: String,
    pub ready_at: Option<u64>,
    pub owners: Vec<String>,
    /// This wallet now holds the account (its new owner is one of this wallet's accounts).
    pub adopted: bool,
}

/// Ask for a Safe: `new_owner` (this wallet's first account when absent) in place of its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryRequestSpec {
    pub account: String,
    #[serde(default)]
    pub new_owner: Option<String>,
    /// The account's recovery kit (JSON), standing in for the chain when no node answers.
    #[serde(default)]
    pub kit: Option<String>,
}

/// A recovery request as it travels (its JSON text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryText {
    pub request: String,
}

/// Approve a recovery request as `guardian` (found among this wallet's accounts when absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryApproveRequest {
    pub request: String,
    #[serde(default)]
    pub guardian: Option<String>,
}

/// Schedule a recovery with its approvals, from one of this wallet's smart accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoverySubmitRequest {
    pub request: String,
    #[serde(default)]
    pub approvals: Vec<RecoveryApproval>,
    pub from: String,
    #[serde(default)]
    pub sponsored: bool,
}

/// Cancel what a Safe's timelock holds (`id`), from the Safe itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCancelRequest {
    pub account: String,
    pub id: String,
    #[serde(default)]
    pub mfa_code: Option<String>,
}

/// Whether the dapp bridge listens, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeStatus {
    pub running: bool,
    /// `http://127.0.0.1:PORT` while running.
    pub url: Option<String>,
    pub port: Option<u16>,
}

/// A passkey the wallet knows: a credential on an authenticator (platform or security key) and
/// its P-256 public key. Nothing secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyInfo {
    pub id: i64,
    /// The credential's id, base64url.
    pub credential_id: String,
    pub rp_id: String,
    /// `0x` + 64 hex digits each.
    pub x: String,
    pub y: String,
    pub label: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// This device's passkeys, and whether it has an authenticator to make and use them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyList {
    pub available: bool,
    pub passkeys: Vec<PasskeyInfo>,
}

/// Make a passkey named `label`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyLabel {
    pub label: String,
}

/// One passkey, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyRequest {
    pub id: i64,
}

/// Add passkey `passkey_id` to (or take it off) the Safe `account`'s owners.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafePasskeyRequest {
    pub account: String,
    pub passkey_id: i64,
    /// Ask the network's paymaster to pay the gas.
    #[serde(default)]
    pub sponsored: bool,
    #[serde(default)]
    pub mfa_code: Option<String>,
}

/// A token a local program calls the bridge with. `token` is there once, when it is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeToken {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// What a caller was granted: the accounts it sees, the chain it chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeGrant {
    /// A site's origin, or `token:<id>` for a local program.
    pub caller: String,
    /// Who that is in words (the origin, or the token's name).
    pub label: String,
    pub accounts: Vec<String>,
    pub chain_id: u64,
    pub granted_at: i64,
    pub last_used_at: Option<i64>,
}

/// A dapp's request that waits for the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeApproval {
    pub id: u64,
    /// The caller's key (origin or `token:<id>`).
    pub caller: String,
    /// Who asks, as the user should read it (scheme, host, port; or the token's name).
    pub label: String,
    /// The registrable part of a site's host, shown emphasised; warnings about it (look-alike,
    /// punycode) in `warnings`.
    pub domain: Option<String>,
    pub warnings: Vec<String>,
    /// `connect`, `personal_sign`, `eth_signTypedData_v4`, `eth_sendTransaction`,
    /// `wallet_sendCalls`, `wallet_switchEthereumChain`, `wallet_addEthereumChain`.
    pub method: String,
    pub account: Option<String>,
    pub chain_id: u64,
    /// What is asked, in full: the message text, the typed data, the transaction or calls.
    pub payload: serde_json::Value,
    pub created_at: i64,
}

/// The user's answer to one approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeDecision {
    pub id: u64,
    pub approve: bool,
    /// For connect: the accounts shared (all of the wallet's when empty).
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(default)]
    pub mfa_code: Option<String>,
}

/// Start the bridge on a loopback port (0: any free one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeStartRequest {
    pub port: u16,
}

/// A name for a new token, or a token or caller to revoke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeTokenRequest {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeRevokeRequest {
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BridgeCallerRequest {
    pub caller: String,
}
