//! The shell's commands: one per core call, each in a span with its own correlation id, each
//! turning a core error into the UI's structured `ApiError`. Requests and replies that carry a
//! secret cross this process sealed (`cairn_api::channel`): opened into `SecretString`s at once,
//! never logged, and the plaintext of a reply exists only while it is being sealed.

use std::future::Future;
use std::time::Duration;

use cairn_api::channel::{SealKey, Sealed, SealedReply};
use cairn_api::{
    Account, ActivityPage, ActivityQuery, AddAccountRequest, AddTokenRequest, AddressRequest,
    ApiError, AssetBalance, AuditLog, Balance, ChangePasswordRequest, CreateWalletRequest,
    CreatedWallet, ExportRequest, ExportedSecret, Funded, HistoryPage, HistoryQuery,
    ImportWalletRequest, NetworkEntry, NetworkSpec, Operation, OperationRequest, ProfileList,
    ReceiveInfo, RenameAccountRequest, SendQuote, SendRequest, SetAutoLockRequest,
    SetHiddenRequest, Settings, SmartAccount, SmartAccountRequest, SwitchProfileRequest,
    SyncStatus, UnlockRequest, UseNetworkRequest, UserOpQuote, UserOpRequest, WalletStatus,
    WordCount,
};
use cairn_api::{
    BackupChallenge, BackupChallengeRequest, ConfirmBackupRequest, Contact, MfaCodeRequest,
    MfaDisableRequest, MfaEnrollRequest, MfaStatus, NotifyRequest, PendingBackup, Portfolio,
    PriceSettings, PriceTable, ReplacementQuote, ReplacementRequest, SendDraft, SendPreview,
    SetPolicyRequest, SetQuietRequest,
};
use cairn_api::{
    GuardianRequest, Guardians, RecoveryApproval, RecoveryApproveRequest, RecoveryCancelRequest,
    RecoveryRequestSpec, RecoveryReview, RecoveryStatus, RecoverySubmitRequest, RecoveryText,
};
use cairn_core::logging::correlation_id;
use cairn_core::KeySpec;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;
use tauri::State;
use tracing::Instrument;

use crate::AppState;

/// What the devnet faucet gives per click.
const DEVNET_FUND_ETH: &str = "10";

pub(crate) async fn traced<T>(
    name: &'static str,
    work: impl Future<Output = cairn_core::Result<T>>,
) -> Result<T, ApiError> {
    let span = tracing::info_span!("command", cmd = name, cid = %correlation_id());
    async move {
        let started = std::time::Instant::now();
        let result = work.await;
        let ms = started.elapsed().as_millis() as u64;
        match &result {
            Ok(_) => tracing::info!(ms, "ok"),
            Err(e) => tracing::warn!(ms, code = ?e.code(), error = %e, "failed"),
        }
        result.map_err(ApiError::from)
    }
    .instrument(span)
    .await
}

/// Opens a request sealed for `command`, does `work` with it and seals what it returns. Errors
/// cross unsealed: they never carry a secret.
async fn sealed<Q, R, F, Fut>(
    state: &AppState,
    command: &'static str,
    request: Sealed,
    work: F,
) -> Result<SealedReply, ApiError>
where
    Q: DeserializeOwned,
    R: Serialize,
    F: FnOnce(Q) -> Fut,
    Fut: Future<Output = Result<R, ApiError>>,
{
    let channel = state.device.channel();
    let (request, reply) = channel.open::<Q>(command, &request)?;
    let result = work(request).await?;
    Ok(reply.seal(&result)?)
}

/// A one-shot key for the page to seal one request to.
#[tauri::command]
pub async fn seal_key(state: State<'_, AppState>) -> Result<SealKey, ApiError> {
    Ok(state.device.channel().issue()?)
}

#[tauri::command]
pub async fn wallet_status(state: State<'_, AppState>) -> Result<WalletStatus, ApiError> {
    traced("wallet_status", state.wallet().status()).await
}

#[tauri::command]
pub async fn create_wallet(
    state: State<'_, AppState>,
    request: Sealed,
) -> Result<SealedReply, ApiError> {
    let wallet = state.wallet();
    sealed(
        &state,
        cairn_api::cmd::CREATE,
        request,
        |request: CreateWalletRequest| async move {
            let CreateWalletRequest { password, words } = request;
            let password = SecretString::from(password);
            let words = match words {
                WordCount::Twelve => 12,
                WordCount::TwentyFour => 24,
            };
            let spec = KeySpec::NewMnemonic { words };
            let created = traced("create_wallet", wallet.create(password, spec)).await?;
            // The phrase crosses to the UI exactly once, for the backup screen.
            Ok(CreatedWallet {
                account: created.account,
                mnemonic: created
                    .mnemonic
                    .map(|m| m.expose_secret().to_string())
                    .unwrap_or_default(),
            })
        },
    )
    .await
}

/// Creates the wallet from an existing phrase or key, or adds it to the unlocked wallet.
#[tauri::command]
pub async fn import_wallet(
    state: State<'_, AppState>,
    request: Sealed,
) -> Result<SealedReply, ApiError> {
    let wallet = state.wallet();
    sealed(
        &state,
        cairn_api::cmd::IMPORT_WALLET,
        request,
        |request: ImportWalletRequest| async move {
            let ImportWalletRequest {
                password,
                secret,
                passphrase,
            } = request;
            let password = SecretString::from(password);
            let spec = KeySpec::from_secret(
                SecretString::from(secret),
                passphrase.map(SecretString::from),
            );
            traced("import_wallet", async {
                if cairn_core::vault::exists(wallet.data_dir()) {
                    wallet.import(spec).await
                } else {
                    Ok(wallet.create(password, spec).await?.account)
                }
            })
            .await
        },
    )
    .await
}

#[tauri::command]
pub async fn unlock_wallet(
    state: State<'_, AppState>,
    request: Sealed,
) -> Result<SealedReply, ApiError> {
    let wallet = state.wallet();
    let pinned = state.network_pinned;
    sealed(
        &state,
        cairn_api::cmd::UNLOCK,
        request,
        |request: UnlockRequest| async move {
            let password = SecretString::from(request.password);
            traced("unlock_wallet", async {
                let accounts = wallet.unlock(password).await?;
                if !pinned {
                    // The network picked last time; a failure leaves the start-up one, which
                    // works.
                    if let Err(e) = wallet.restore_network().await {
                        tracing::warn!(error = %e, "could not switch to the saved network");
                    }
                }
                // The dapp bridge, if the user left it on.
                if let Err(e) = wallet.bridge_resume().await {
                    tracing::warn!(error = %e, "could not start the dapp bridge again");
                }
                Ok(accounts)
            })
            .await
        },
    )
    .await
}

/// Locks; the core's lock event reaches every window through `forward_events`.
#[tauri::command]
pub async fn lock_wallet(state: State<'_, AppState>) -> Result<(), ApiError> {
    traced("lock_wallet", async {
        state.wallet().lock().await;
        Ok(())
    })
    .await
}

#[tauri::command]
pub async fn add_account(
    state: State<'_, AppState>,
    request: AddAccountRequest,
) -> Result<Account, ApiError> {
    traced(
        "add_account",
        state.wallet().add_account(request.key_source_id),
    )
    .await
}

#[tauri::command]
pub async fn rename_account(
    state: State<'_, AppState>,
    request: RenameAccountRequest,
) -> Result<(), ApiError> {
    traced(
        "rename_account",
        state
            .wallet()
            .rename_account(&request.address, &request.name),
    )
    .await
}

#[tauri::command]
pub async fn set_account_hidden(
    state: State<'_, AppState>,
    request: SetHiddenRequest,
) -> Result<(), ApiError> {
    let wallet = state.wallet();
    let work = wallet.set_account_hidden(&request.address, request.hidden);
    traced("set_account_hidden", work).await
}

#[tauri::command]
pub async fn change_password(
    state: State<'_, AppState>,
    request: Sealed,
) -> Result<SealedReply, ApiError> {
    let wallet = state.wallet();
    sealed(
        &state,
        cairn_api::cmd::CHANGE_PASSWORD,
        request,
        |request: ChangePasswordRequest| async move {
            let old = SecretString::from(request.old_password);
            let new = SecretString::from(request.new_password);
            traced("change_password", wallet.change_password(old, new)).await
        },
    )
    .await
}

/// Recovery phrases made here whose backup is not yet checked.
#[tauri::command]
pub async fn backup_status(state: State<'_, AppState>) -> Result<Vec<PendingBackup>, ApiError> {
    traced("backup_status", state.wallet().pending_backups()).await
}

/// The word positions the user is asked to type back.
#[tauri::command]
pub async fn backup_challenge(
    state: State<'_, AppState>,
    request: BackupChallengeRequest,
) -> Result<BackupChallenge, ApiError> {
    traced(
        "backup_challenge",
        state.wallet().backup_challenge(request.key_source_id),
    )
    .await
}

/// The typed words (sealed: they are part of the phrase).
#[tauri::command]
pub async fn confirm_backup(
    state: State<'_, AppState>,
    request: Sealed,
) -> Result<SealedReply, ApiError> {
    let wallet = state.wallet();
    sealed(
        &state,
        cairn_api::cmd::CONFIRM_BACKUP,
        request,
        // The request's words are freed (and zeroed, `zalloc`) when the call ends.
        |request: ConfirmBackupRequest| async move {
            traced(
                "confirm_backup",
                wallet.confirm_backup(request.key_source_id, &request.words),
            )
            .await
        },
    )
    .await
}

/// The recovery phrase, after the password is entered again.
#[tauri::command]
pub async fn export_mnemonic(
    state: State<'_, AppState>,
    request: Sealed,
) -> Result<SealedReply, ApiError> {
    let wallet = state.wallet();
    sealed(
        &state,
        cairn_api::cmd::EXPORT_MNEMONIC,
        request,
        |request: ExportRequest| async move {
            let ExportRequest {
                password,
                key_source_id,
                mfa_code,
            } = request;
            let password = SecretString::from(password);
            let secret = traced(
                "export_mnemonic",
                wallet.export_secret(password, key_source_id, mfa_code.as_deref()),
            )
            .await?;
            Ok(ExportedSecret {
                secret: secret.expose_secret().to_string(),
            })
        },
    )
    .await
}

/// The user typed or clicked in the window: the auto-lock clock starts again.
#[tauri::command]
pub async fn user_active(state: State<'_, AppState>) -> Result<(), ApiError> {
    state.wallet().user_active().await;
    Ok(())
}

#[tauri::command]
pub async fn wallet_settings(state: State<'_, AppState>) -> Result<Settings, ApiError> {
    traced("wallet_settings", state.wallet().settings()).await
}

#[tauri::command]
pub async fn set_auto_lock(
    state: State<'_, AppState>,
    request: SetAutoLockRequest,
) -> Result<(), ApiError> {
    let timeout = Duration::from_secs(request.secs);
    traced("set_auto_lock", state.wallet().set_auto_lock(timeout)).await
}

/// Quiet mode on or off: no background traffic while on.
#[tauri::command]
pub async fn set_quiet(
    state: State<'_, AppState>,
    request: SetQuietRequest,
) -> Result<(), ApiError> {
    traced("set_quiet", state.wallet().set_quiet(request.quiet)).await
}

/// The newest 200 audit rows and whether the chain verifies.
#[tauri::command]
pub async fn audit_log(state: State<'_, AppState>) -> Result<AuditLog, ApiError> {
    traced("audit_log", async {
        let entries = state.wallet().audit_log(200).await?;
        let tampered = match state.wallet().verify_audit().await {
            Ok(_) => None,
            Err(e @ cairn_core::Error::Ledger(cairn_core::ledger::LedgerError::Audit(_))) => {
                Some(e.to_string())
            }
            Err(e) => return Err(e),
        };
        Ok(AuditLog { entries, tampered })
    })
    .await
}

#[tauri::command]
pub async fn account_balance(
    state: State<'_, AppState>,
    request: AddressRequest,
) -> Result<Balance, ApiError> {
    traced("account_balance", state.wallet().balance(&request.address)).await
}

#[tauri::command]
pub async fn devnet_fund(
    state: State<'_, AppState>,
    request: AddressRequest,
) -> Result<Funded, ApiError> {
    traced(
        "devnet_fund",
        state
            .wallet()
            .devnet_fund(&request.address, DEVNET_FUND_ETH),
    )
    .await
}

#[tauri::command]
pub async fn list_profiles(state: State<'_, AppState>) -> Result<ProfileList, ApiError> {
    traced("list_profiles", async {
        Ok(ProfileList {
            current: state.device.current(),
            profiles: state.device.list()?,
        })
    })
    .await
}

/// Locks the wallet in use and opens another profile; its lock events reach the UI from now on.
#[tauri::command]
pub async fn switch_profile(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    request: SwitchProfileRequest,
) -> Result<WalletStatus, ApiError> {
    traced("switch_profile", async {
        let before = state.device.current();
        let wallet = state.device.switch(&request.name).await?;
        if before != request.name {
            crate::forward_events(app, wallet.subscribe());
        }
        wallet.status().await
    })
    .await
}

/// The send form's figures as the user types; no network request.
#[tauri::command]
pub async fn send_preview(
    state: State<'_, AppState>,
    request: SendDraft,
) -> Result<SendPreview, ApiError> {
    traced("send_preview", state.wallet().send_preview(&request)).await
}

#[tauri::command]
pub async fn quote_send(
    state: State<'_, AppState>,
    request: SendRequest,
) -> Result<SendQuote, ApiError> {
    let wallet = state.wallet();
    traced("quote_send", wallet.quote_send(&request)).await
}

/// Signs and queues the payment the user reviewed; the sync worker sends it.
#[tauri::command]
pub async fn send(state: State<'_, AppState>, request: SendRequest) -> Result<Operation, ApiError> {
    let wallet = state.wallet();
    traced("send", wallet.send(&request)).await
}

/// Whether the active network's paymaster should pay: where there is one, a recovery step is
/// sponsored (the new device's account holds nothing yet).
fn sponsor(state: &AppState) -> bool {
    state.wallet().network().paymaster_url.is_some()
}

#[tauri::command]
pub async fn set_guardians(
    state: State<'_, AppState>,
    request: GuardianRequest,
) -> Result<Operation, ApiError> {
    traced("set_guardians", state.wallet().set_guardians(&request)).await
}

#[tauri::command]
pub async fn guardians(
    state: State<'_, AppState>,
    request: AddressRequest,
) -> Result<Guardians, ApiError> {
    traced("guardians", state.wallet().guardians(&request.address)).await
}

#[tauri::command]
pub async fn recovery_request(
    state: State<'_, AppState>,
    request: RecoveryRequestSpec,
) -> Result<String, ApiError> {
    let wallet = state.wallet();
    traced(
        "recovery_request",
        wallet.recovery_request(
            &request.account,
            request.new_owner.as_deref(),
            request.kit.as_deref(),
        ),
    )
    .await
}

#[tauri::command]
pub async fn recovery_review(
    state: State<'_, AppState>,
    request: RecoveryText,
) -> Result<RecoveryReview, ApiError> {
    traced(
        "recovery_review",
        state.wallet().recovery_review(&request.request),
    )
    .await
}

#[tauri::command]
pub async fn recovery_requests(state: State<'_, AppState>) -> Result<Vec<String>, ApiError> {
    traced("recovery_requests", state.wallet().recovery_requests()).await
}

#[tauri::command]
pub async fn recovery_approve(
    state: State<'_, AppState>,
    request: RecoveryApproveRequest,
) -> Result<RecoveryApproval, ApiError> {
    let wallet = state.wallet();
    traced(
        "recovery_approve",
        wallet.recovery_approve(&request.request, request.guardian.as_deref()),
    )
    .await
}

#[tauri::command]
pub async fn recovery_submit(
    state: State<'_, AppState>,
    request: RecoverySubmitRequest,
) -> Result<Operation, ApiError> {
    let wallet = state.wallet();
    let sponsored = request.sponsored || sponsor(&state);
    traced(
        "recovery_submit",
        wallet.recovery_submit(
            &request.request,
            &request.approvals,
            &request.from,
            sponsored,
        ),
    )
    .await
}

#[tauri::command]
pub async fn recovery_execute(
    state: State<'_, AppState>,
    request: RecoverySubmitRequest,
) -> Result<Operation, ApiError> {
    let wallet = state.wallet();
    let sponsored = request.sponsored || sponsor(&state);
    traced(
        "recovery_execute",
        wallet.recovery_execute(&request.request, &request.from, sponsored),
    )
    .await
}

#[tauri::command]
pub async fn recovery_cancel(
    state: State<'_, AppState>,
    request: RecoveryCancelRequest,
) -> Result<Operation, ApiError> {
    let wallet = state.wallet();
    let sponsored = sponsor(&state);
    traced(
        "recovery_cancel",
        wallet.recovery_cancel(&request.account, &request.id, sponsored, request.mfa_code),
    )
    .await
}

#[tauri::command]
pub async fn recovery_status(
    state: State<'_, AppState>,
    request: RecoveryText,
) -> Result<RecoveryStatus, ApiError> {
    traced(
        "recovery_status",
        state.wallet().recovery_status(&request.request),
    )
    .await
}

/// The smart account of an owner account, made on first use.
#[tauri::command]
pub async fn smart_account(
    state: State<'_, AppState>,
    request: SmartAccountRequest,
) -> Result<SmartAccount, ApiError> {
    let wallet = state.wallet();
    traced(
        "smart_account",
        wallet.smart_account(&request.owner, request.kind.as_deref()),
    )
    .await
}

#[tauri::command]
pub async fn smart_accounts(state: State<'_, AppState>) -> Result<Vec<SmartAccount>, ApiError> {
    traced("smart_accounts", state.wallet().smart_accounts()).await
}

#[tauri::command]
pub async fn quote_user_op(
    state: State<'_, AppState>,
    request: UserOpRequest,
) -> Result<UserOpQuote, ApiError> {
    let wallet = state.wallet();
    traced("quote_user_op", wallet.quote_user_op(&request)).await
}

/// Signs and queues the user operation the user reviewed; the sync worker hands it to the
/// bundler.
#[tauri::command]
pub async fn send_user_op(
    state: State<'_, AppState>,
    request: UserOpRequest,
) -> Result<Operation, ApiError> {
    let wallet = state.wallet();
    traced("send_user_op", wallet.send_user_op(&request)).await
}

#[tauri::command]
pub async fn operations(
    state: State<'_, AppState>,
    request: ActivityQuery,
) -> Result<ActivityPage, ApiError> {
    traced("operations", state.wallet().activity(&request)).await
}

#[tauri::command]
pub async fn speed_up(
    state: State<'_, AppState>,
    request: OperationRequest,
) -> Result<Operation, ApiError> {
    let agreed = request.agreed_max_fee_per_gas_wei.as_deref();
    traced(
        "speed_up",
        state.wallet().replace_agreed(request.id, false, agreed),
    )
    .await
}

/// What a speed-up or cancel would cost, for the user to confirm first.
#[tauri::command]
pub async fn quote_replacement(
    state: State<'_, AppState>,
    request: ReplacementRequest,
) -> Result<ReplacementQuote, ApiError> {
    traced(
        "quote_replacement",
        state.wallet().quote_replacement(request.id, request.cancel),
    )
    .await
}

#[tauri::command]
pub async fn cancel_operation(
    state: State<'_, AppState>,
    request: OperationRequest,
) -> Result<Operation, ApiError> {
    let agreed = request.agreed_max_fee_per_gas_wei.as_deref();
    traced(
        "cancel_operation",
        state.wallet().replace_agreed(request.id, true, agreed),
    )
    .await
}

#[tauri::command]
pub async fn resign_operation(
    state: State<'_, AppState>,
    request: OperationRequest,
) -> Result<Operation, ApiError> {
    traced("resign_operation", state.wallet().resign(request.id)).await
}

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Result<SyncStatus, ApiError> {
    Ok(state.wallet().sync_status())
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<SyncStatus, ApiError> {
    traced("sync_now", state.wallet().sync_once()).await
}

#[tauri::command]
pub async fn balances(
    state: State<'_, AppState>,
    request: AddressRequest,
) -> Result<Vec<AssetBalance>, ApiError> {
    let wallet = state.wallet();
    traced("balances", wallet.balances(&request.address)).await
}

#[tauri::command]
pub async fn prices(state: State<'_, AppState>) -> Result<PriceTable, ApiError> {
    traced("prices", state.wallet().prices()).await
}

#[tauri::command]
pub async fn refresh_prices(state: State<'_, AppState>) -> Result<PriceTable, ApiError> {
    traced("refresh_prices", state.wallet().refresh_prices()).await
}

#[tauri::command]
pub async fn set_price_settings(
    state: State<'_, AppState>,
    request: PriceSettings,
) -> Result<(), ApiError> {
    traced(
        "set_price_settings",
        state.wallet().set_price_settings(&request),
    )
    .await
}

/// Opens the explorer's page of an address or transaction in the user's browser, never in the
/// wallet's window. The core builds the URL from the parsed value, so the page cannot have
/// anything else opened.
#[tauri::command]
pub async fn open_explorer(
    state: State<'_, AppState>,
    request: AddressRequest,
) -> Result<(), ApiError> {
    let url = traced("open_explorer", async {
        state.wallet().explorer_link(&request.address)
    })
    .await?;
    open::that_detached(&url).map_err(|e| ApiError {
        code: cairn_api::ErrorCode::Internal,
        message: format!("the browser could not be opened: {e}"),
    })
}

/// Longest title and body shown; the page words them, but a notification is no place for more.
const NOTIFY_TITLE_CHARS: usize = 80;
const NOTIFY_BODY_CHARS: usize = 240;

/// A system notification, worded by the UI in the user's language. No notification service
/// (a bare session, a phone that refused the permission) is not the user's error: logged, and
/// the window shows the same news anyway.
#[tauri::command]
pub async fn notify(app: tauri::AppHandle, request: NotifyRequest) -> Result<(), ApiError> {
    let title: String = request.title.chars().take(NOTIFY_TITLE_CHARS).collect();
    let body: String = request.body.chars().take(NOTIFY_BODY_CHARS).collect();
    let shown = show_notification(app, title, body).await;
    match shown {
        Ok(()) => tracing::info!("notification shown"),
        Err(e) => tracing::warn!(error = %e, "no notification service answered"),
    }
    Ok(())
}

#[cfg(desktop)]
async fn show_notification(
    _app: tauri::AppHandle,
    title: String,
    body: String,
) -> Result<(), String> {
    // A D-Bus round trip on Linux: off the async runtime's threads.
    tauri::async_runtime::spawn_blocking(move || {
        notify_rust::Notification::new()
            .appname("Cairn")
            .summary(&title)
            .body(&body)
            .show()
            .map(|_| ())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())?
}

#[cfg(mobile)]
async fn show_notification(
    app: tauri::AppHandle,
    title: String,
    body: String,
) -> Result<(), String> {
    use tauri::plugin::PermissionState;
    use tauri_plugin_notification::NotificationExt;
    // Android 13+ and iOS ask the user once; a refusal is theirs to change in the system.
    let state = app
        .notification()
        .permission_state()
        .map_err(|e| e.to_string())?;
    if state != PermissionState::Granted {
        let asked = app
            .notification()
            .request_permission()
            .map_err(|e| e.to_string())?;
        if asked != PermissionState::Granted {
            return Err("notifications are not allowed".into());
        }
    }
    app.notification()
        .builder()
        .title(title)
        .body(body)
        .show()
        .map_err(|e| e.to_string())
}

#[tauri::command]
pub async fn portfolio(state: State<'_, AppState>) -> Result<Portfolio, ApiError> {
    traced("portfolio", state.wallet().portfolio()).await
}

#[tauri::command]
pub async fn add_token(
    state: State<'_, AppState>,
    request: AddTokenRequest,
) -> Result<AssetBalance, ApiError> {
    let wallet = state.wallet();
    traced("add_token", wallet.add_token(&request.contract)).await
}

#[tauri::command]
pub async fn history(
    state: State<'_, AppState>,
    request: HistoryQuery,
) -> Result<HistoryPage, ApiError> {
    traced("history", state.wallet().history_page(&request)).await
}

#[tauri::command]
pub async fn receive(
    state: State<'_, AppState>,
    request: AddressRequest,
) -> Result<ReceiveInfo, ApiError> {
    let wallet = state.wallet();
    traced("receive", wallet.receive(&request.address)).await
}

#[tauri::command]
pub async fn networks(state: State<'_, AppState>) -> Result<Vec<NetworkEntry>, ApiError> {
    traced("networks", state.wallet().networks()).await
}

/// Adds a network once each of its endpoints answered with the chain id given.
#[tauri::command]
pub async fn add_network(
    state: State<'_, AppState>,
    request: NetworkSpec,
) -> Result<NetworkEntry, ApiError> {
    let wallet = state.wallet();
    traced("add_network", wallet.add_network(&request)).await
}

#[tauri::command]
pub async fn use_network(
    state: State<'_, AppState>,
    request: UseNetworkRequest,
) -> Result<NetworkEntry, ApiError> {
    traced("use_network", state.wallet().use_network(request.chain_id)).await
}

#[tauri::command]
pub async fn mfa_status(state: State<'_, AppState>) -> Result<MfaStatus, ApiError> {
    traced("mfa_status", state.wallet().mfa_status()).await
}

/// Starts enrolment; the secret and recovery codes cross to the UI this once, to be shown.
#[tauri::command]
pub async fn mfa_enroll(
    state: State<'_, AppState>,
    request: Sealed,
) -> Result<SealedReply, ApiError> {
    let wallet = state.wallet();
    sealed(
        &state,
        cairn_api::cmd::MFA_ENROLL,
        request,
        |request: MfaEnrollRequest| async move {
            let password = SecretString::from(request.password);
            traced("mfa_enroll", wallet.mfa_enroll(password)).await
        },
    )
    .await
}

#[tauri::command]
pub async fn mfa_confirm(
    state: State<'_, AppState>,
    request: MfaCodeRequest,
) -> Result<(), ApiError> {
    traced("mfa_confirm", state.wallet().mfa_confirm(&request.code)).await
}

#[tauri::command]
pub async fn set_policy(
    state: State<'_, AppState>,
    request: SetPolicyRequest,
) -> Result<MfaStatus, ApiError> {
    let wallet = state.wallet();
    traced("set_policy", async {
        wallet
            .set_policy(&request.policy, request.code.as_deref())
            .await?;
        wallet.mfa_status().await
    })
    .await
}

#[tauri::command]
pub async fn add_contact(
    state: State<'_, AppState>,
    request: Contact,
) -> Result<Vec<Contact>, ApiError> {
    let wallet = state.wallet();
    traced("add_contact", async {
        wallet.add_contact(&request.name, &request.address).await?;
        wallet.contacts().await
    })
    .await
}

/// Forgets a contact; the list as it is now.
#[tauri::command]
pub async fn remove_contact(
    state: State<'_, AppState>,
    request: AddressRequest,
) -> Result<Vec<Contact>, ApiError> {
    let wallet = state.wallet();
    traced("remove_contact", async {
        wallet.remove_contact(&request.address).await?;
        wallet.contacts().await
    })
    .await
}

/// Two-factor off, after the password and a code (sealed: the password).
#[tauri::command]
pub async fn mfa_disable(
    state: State<'_, AppState>,
    request: Sealed,
) -> Result<SealedReply, ApiError> {
    let wallet = state.wallet();
    sealed(
        &state,
        cairn_api::cmd::MFA_DISABLE,
        request,
        |request: MfaDisableRequest| async move {
            let password = SecretString::from(request.password);
            traced("mfa_disable", wallet.mfa_disable(password, &request.code)).await
        },
    )
    .await
}

#[tauri::command]
pub async fn mfa_new_recovery_codes(
    state: State<'_, AppState>,
    request: Sealed,
) -> Result<SealedReply, ApiError> {
    let wallet = state.wallet();
    sealed(
        &state,
        cairn_api::cmd::MFA_NEW_RECOVERY_CODES,
        request,
        |request: cairn_api::RecoveryCodesRequest| async move {
            let password = SecretString::from(request.password);
            let codes = traced(
                "mfa_new_recovery_codes",
                wallet.mfa_new_recovery_codes(password, &request.code),
            )
            .await?;
            Ok(cairn_api::RecoveryCodes { codes })
        },
    )
    .await
}

/// The accounts the user hid, to be shown again.
#[tauri::command]
pub async fn hidden_accounts(state: State<'_, AppState>) -> Result<Vec<Account>, ApiError> {
    traced("hidden_accounts", async {
        let all = state.wallet().accounts(true).await?;
        Ok::<_, cairn_core::Error>(all.into_iter().filter(|a| a.hidden).collect())
    })
    .await
}

#[tauri::command]
pub async fn contacts(state: State<'_, AppState>) -> Result<Vec<Contact>, ApiError> {
    traced("contacts", state.wallet().contacts()).await
}
