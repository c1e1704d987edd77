//! The shell's commands: one per core call, each in a span with its own correlation id, each
//! turning a core error into the UI's structured `ApiError`. Secrets in requests are moved into
//! `SecretString`s at once and never logged.

use std::future::Future;

use cairn_api::{
    event, Account, AddressRequest, ApiError, Balance, CreateWalletRequest, CreatedWallet, Funded,
    UnlockRequest, WalletStatus, WordCount,
};
use cairn_core::logging::correlation_id;
use secrecy::{ExposeSecret, SecretString};
use tauri::{AppHandle, Emitter, State};
use tracing::Instrument;

use crate::AppState;

/// What the devnet faucet gives per click.
const DEVNET_FUND_ETH: &str = "10";

async fn traced<T>(
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

#[tauri::command]
pub async fn wallet_status(state: State<'_, AppState>) -> Result<WalletStatus, ApiError> {
    traced("wallet_status", state.wallet.status()).await
}

#[tauri::command]
pub async fn create_wallet(
    state: State<'_, AppState>,
    request: CreateWalletRequest,
) -> Result<CreatedWallet, ApiError> {
    let CreateWalletRequest { password, words } = request;
    let password = SecretString::from(password);
    let words = match words {
        WordCount::Twelve => 12,
        WordCount::TwentyFour => 24,
    };
    let created = traced("create_wallet", state.wallet.create(password, words)).await?;
    // The phrase crosses to the UI exactly once, for the backup screen.
    Ok(CreatedWallet {
        account: created.account,
        mnemonic: created.mnemonic.expose_secret().to_string(),
    })
}

#[tauri::command]
pub async fn unlock_wallet(
    state: State<'_, AppState>,
    request: UnlockRequest,
) -> Result<Vec<Account>, ApiError> {
    let password = SecretString::from(request.password);
    traced("unlock_wallet", state.wallet.unlock(password)).await
}

#[tauri::command]
pub async fn lock_wallet(app: AppHandle, state: State<'_, AppState>) -> Result<(), ApiError> {
    traced("lock_wallet", async {
        state.wallet.lock().await;
        Ok(())
    })
    .await?;
    // The UI listens so every window returns to the lock screen, whoever locked.
    if let Err(e) = app.emit(event::LOCKED, ()) {
        tracing::warn!(error = %e, "could not emit the lock event");
    }
    Ok(())
}

#[tauri::command]
pub async fn account_balance(
    state: State<'_, AppState>,
    request: AddressRequest,
) -> Result<Balance, ApiError> {
    traced("account_balance", state.wallet.balance(&request.address)).await
}

#[tauri::command]
pub async fn devnet_fund(
    state: State<'_, AppState>,
    request: AddressRequest,
) -> Result<Funded, ApiError> {
    traced(
        "devnet_fund",
        state.wallet.devnet_fund(&request.address, DEVNET_FUND_ETH),
    )
    .await
}
