//! The shell's commands for the dapp bridge: turn it on and off, answer what dapps ask, manage
//! tokens and grants. Each is one core call (the bridge itself runs in the core).

use cairn_api::{
    ApiError, BridgeApproval, BridgeCallerRequest, BridgeDecision, BridgeGrant,
    BridgeRevokeRequest, BridgeStartRequest, BridgeStatus, BridgeToken, BridgeTokenRequest,
};
use tauri::State;

use crate::commands::traced;
use crate::AppState;

#[tauri::command]
pub async fn bridge_status(state: State<'_, AppState>) -> Result<BridgeStatus, ApiError> {
    let wallet = state.wallet();
    traced("bridge_status", async { Ok(wallet.bridge_status().await) }).await
}

#[tauri::command]
pub async fn bridge_start(
    state: State<'_, AppState>,
    request: BridgeStartRequest,
) -> Result<BridgeStatus, ApiError> {
    traced("bridge_start", state.wallet().bridge_start(request.port)).await
}

#[tauri::command]
pub async fn bridge_stop(state: State<'_, AppState>) -> Result<BridgeStatus, ApiError> {
    let wallet = state.wallet();
    traced("bridge_stop", async { Ok(wallet.bridge_stop().await) }).await
}

#[tauri::command]
pub async fn bridge_approvals(state: State<'_, AppState>) -> Result<Vec<BridgeApproval>, ApiError> {
    let wallet = state.wallet();
    traced("bridge_approvals", async { Ok(wallet.bridge_approvals()) }).await
}

#[tauri::command]
pub async fn bridge_decide(
    state: State<'_, AppState>,
    request: BridgeDecision,
) -> Result<(), ApiError> {
    traced("bridge_decide", state.wallet().bridge_decide(request)).await
}

#[tauri::command]
pub async fn bridge_tokens(state: State<'_, AppState>) -> Result<Vec<BridgeToken>, ApiError> {
    traced("bridge_tokens", state.wallet().bridge_tokens()).await
}

/// The token is in the reply once; it is not logged (the span records only the command).
#[tauri::command]
pub async fn bridge_token_add(
    state: State<'_, AppState>,
    request: BridgeTokenRequest,
) -> Result<BridgeToken, ApiError> {
    traced(
        "bridge_token_add",
        state.wallet().bridge_token_add(&request.name),
    )
    .await
}

#[tauri::command]
pub async fn bridge_token_revoke(
    state: State<'_, AppState>,
    request: BridgeRevokeRequest,
) -> Result<(), ApiError> {
    traced(
        "bridge_token_revoke",
        state.wallet().bridge_token_revoke(request.id),
    )
    .await
}

#[tauri::command]
pub async fn bridge_grants(state: State<'_, AppState>) -> Result<Vec<BridgeGrant>, ApiError> {
    traced("bridge_grants", state.wallet().bridge_grants()).await
}

#[tauri::command]
pub async fn bridge_grant_revoke(
    state: State<'_, AppState>,
    request: BridgeCallerRequest,
) -> Result<(), ApiError> {
    let wallet = state.wallet();
    traced(
        "bridge_grant_revoke",
        wallet.bridge_grant_revoke(&request.caller),
    )
    .await
}
