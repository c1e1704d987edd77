//! The shell's commands for passkeys: the device's passkeys (made, checked and forgotten
//! through the authenticator the core was given), the Safes they own and the Safe made for one.
//! Each is one core call.

use cairn_api::{
    ApiError, Operation, PasskeyInfo, PasskeyLabel, PasskeyList, PasskeyRequest,
    SafePasskeyRequest, SmartAccount,
};
use tauri::State;

use crate::commands::traced;
use crate::AppState;

#[tauri::command]
pub async fn passkeys(state: State<'_, AppState>) -> Result<PasskeyList, ApiError> {
    let wallet = state.wallet();
    traced("passkeys", async {
        Ok(PasskeyList {
            available: wallet.has_authenticator(),
            passkeys: wallet.passkey_list().await?,
        })
    })
    .await
}

#[tauri::command]
pub async fn passkey_add(
    state: State<'_, AppState>,
    request: PasskeyLabel,
) -> Result<PasskeyInfo, ApiError> {
    traced("passkey_add", state.wallet().passkey_add(&request.label)).await
}

#[tauri::command]
pub async fn passkey_check(
    state: State<'_, AppState>,
    request: PasskeyRequest,
) -> Result<PasskeyInfo, ApiError> {
    traced("passkey_check", state.wallet().passkey_check(request.id)).await
}

#[tauri::command]
pub async fn passkey_remove(
    state: State<'_, AppState>,
    request: PasskeyRequest,
) -> Result<(), ApiError> {
    traced("passkey_remove", state.wallet().passkey_remove(request.id)).await
}

#[tauri::command]
pub async fn passkey_accounts(
    state: State<'_, AppState>,
    request: PasskeyRequest,
) -> Result<Vec<String>, ApiError> {
    traced(
        "passkey_accounts",
        state.wallet().passkey_accounts(request.id),
    )
    .await
}

#[tauri::command]
pub async fn safe_passkey_add(
    state: State<'_, AppState>,
    request: SafePasskeyRequest,
) -> Result<Operation, ApiError> {
    traced(
        "safe_passkey_add",
        state.wallet().safe_passkey_add(
            &request.account,
            request.passkey_id,
            request.sponsored,
            request.mfa_code,
        ),
    )
    .await
}

#[tauri::command]
pub async fn safe_passkey_remove(
    state: State<'_, AppState>,
    request: SafePasskeyRequest,
) -> Result<Operation, ApiError> {
    traced(
        "safe_passkey_remove",
        state.wallet().safe_passkey_remove(
            &request.account,
            request.passkey_id,
            request.sponsored,
            request.mfa_code,
        ),
    )
    .await
}

#[tauri::command]
pub async fn passkey_safe(
    state: State<'_, AppState>,
    request: PasskeyRequest,
) -> Result<SmartAccount, ApiError> {
    traced("passkey_safe", state.wallet().passkey_safe(request.id)).await
}
