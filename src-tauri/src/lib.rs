//! Cairn's Tauri v2 shell: builds the core's `Wallet` at start-up, holds it in managed state and
//! maps each UI command to one core call (`commands`). No wallet logic lives here.
//! `run()` is shared by the desktop `main.rs` and the mobile entry point.

mod commands;

use std::path::PathBuf;

use std::sync::Arc;

use cairn_api::event;
use cairn_core::keychain::NoKeychain;
use cairn_core::logging::{self, LogGuard};
use cairn_core::{profiles, KdfParams, LockReason, Network, Wallet, WalletConfig, WalletEvent};
use tauri::{Emitter, Manager};

/// What the shell holds for the lifetime of the app.
#[derive(Debug)]
pub struct AppState {
    pub wallet: Wallet,
    _log: LogGuard,
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let result = tauri::Builder::default()
        .setup(|app| {
            let state = start(app.handle())?;
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::wallet_status,
            commands::create_wallet,
            commands::unlock_wallet,
            commands::lock_wallet,
            commands::account_balance,
            commands::devnet_fund,
            commands::import_wallet,
            commands::add_account,
            commands::rename_account,
            commands::set_account_hidden,
            commands::change_password,
            commands::export_mnemonic,
            commands::wallet_settings,
            commands::set_auto_lock,
            commands::audit_log,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(e) = result {
        eprintln!("cairn: the app could not start: {e}");
        std::process::exit(1);
    }
}

/// Everything the app needs before its window may call in: data dir, logging, the wallet.
fn start(app: &tauri::AppHandle) -> Result<AppState, Box<dyn std::error::Error>> {
    // CAIRN_DATA_DIR moves the root (tests give each run a fresh one); CAIRN_PROFILE picks the
    // wallet profile inside it.
    let root = match std::env::var_os("CAIRN_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => app.path().app_data_dir()?,
    };
    let profile =
        std::env::var("CAIRN_PROFILE").unwrap_or_else(|_| profiles::DEFAULT_PROFILE.into());
    let data_dir = profiles::dir(&root, &profile)?;
    std::fs::create_dir_all(&data_dir)?;
    let log = logging::init(Some(&root.join("logs")), true)?;
    let network = Network::from_env()?;
    tracing::info!(
        data_dir = %data_dir.display(),
        %profile,
        chain_id = network.chain_id,
        rpc = %network.rpc_url,
        version = env!("CARGO_PKG_VERSION"),
        "cairn starting"
    );
    // The OS keychain store arrives with its own change; until then vaults say in their header
    // that they rely on the password alone.
    let wallet = Wallet::new(WalletConfig {
        data_dir,
        network,
        kdf: KdfParams::RELEASE,
        keychain: Arc::new(NoKeychain),
    })?;
    forward_events(app.clone(), wallet.subscribe());
    Ok(AppState { wallet, _log: log })
}

/// Passes the core's events to the UI, e.g. so an idle auto-lock shows the lock screen.
fn forward_events(
    app: tauri::AppHandle,
    mut events: tokio::sync::broadcast::Receiver<WalletEvent>,
) {
    tauri::async_runtime::spawn(async move {
        loop {
            match events.recv().await {
                Ok(WalletEvent::Locked(reason)) => {
                    let reason = if reason == LockReason::Idle {
                        "idle"
                    } else {
                        "user"
                    };
                    if let Err(e) = app.emit(event::LOCKED, reason) {
                        tracing::warn!(error = %e, "could not emit the lock event");
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}
