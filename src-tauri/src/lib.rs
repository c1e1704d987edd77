//! Cairn's Tauri v2 shell: builds the core's `Wallet` at start-up, holds it in managed state and
//! maps each UI command to one core call (`commands`). No wallet logic lives here.
//! `run()` is shared by the desktop `main.rs` and the mobile entry point.

mod commands;

use std::path::PathBuf;

use cairn_core::logging::{self, LogGuard};
use cairn_core::{KdfParams, Network, Wallet, WalletConfig};
use tauri::Manager;

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
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(e) = result {
        eprintln!("cairn: the app could not start: {e}");
        std::process::exit(1);
    }
}

/// Everything the app needs before its window may call in: data dir, logging, the wallet.
fn start(app: &tauri::AppHandle) -> Result<AppState, Box<dyn std::error::Error>> {
    // CAIRN_DATA_DIR picks another profile directory (tests give each run a fresh one).
    let data_dir = match std::env::var_os("CAIRN_DATA_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => app.path().app_data_dir()?,
    };
    std::fs::create_dir_all(&data_dir)?;
    let log = logging::init(Some(&data_dir.join("logs")), true)?;
    let network = Network::from_env()?;
    tracing::info!(
        data_dir = %data_dir.display(),
        chain_id = network.chain_id,
        rpc = %network.rpc_url,
        version = env!("CARGO_PKG_VERSION"),
        "cairn starting"
    );
    let wallet = Wallet::new(WalletConfig {
        data_dir,
        network,
        kdf: KdfParams::RELEASE,
    })?;
    Ok(AppState { wallet, _log: log })
}
