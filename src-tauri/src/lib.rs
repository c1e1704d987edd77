//! Cairn's Tauri v2 shell: builds the core's `Wallet` at start-up, holds it in managed state and
//! maps each UI command to one core call (`commands`). No wallet logic lives here.
//! `run()` is shared by the desktop `main.rs` and the mobile entry point.

#[cfg(not(target_os = "ios"))]
mod authenticator;
mod bridge;
mod commands;
mod lock;
mod passkeys;

/// Freed memory is zeroed before it goes back to the system allocator: what the IPC layer
/// copied out of a request (a password, a phrase) does not outlive the request in the heap.
#[global_allocator]
static ALLOCATOR: zalloc::ZeroizingAlloc<std::alloc::System> =
    zalloc::ZeroizingAlloc(std::alloc::System);

use std::path::PathBuf;

use cairn_api::event;
use cairn_core::keychain;
use cairn_core::logging::{self, LogGuard};
use cairn_core::profiles::{self, Device};
use cairn_core::{KdfParams, LockReason, Network, Wallet, WalletConfig, WalletEvent};
use tauri::{Emitter, Manager};

/// What the shell holds for the lifetime of the app.
#[derive(Debug)]
pub struct AppState {
    pub device: Device,
    /// The environment named the network: it wins over the one saved in the ledger.
    pub network_pinned: bool,
    _log: LogGuard,
}

impl AppState {
    /// The wallet of the profile in use.
    pub fn wallet(&self) -> Wallet {
        self.device.wallet()
    }
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let builder = tauri::Builder::default();
    // Phones show notifications through Tauri's plugin; desktops through notify-rust.
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_notification::init());
    // Passkeys on the device; driven by the shell (`authenticator.rs`), the page only answers
    // a security key's PIN.
    #[cfg(not(target_os = "ios"))]
    let builder = builder.plugin(tauri_plugin_webauthn::init());
    let result = builder
        .setup(|app| {
            let state = start(app.handle())?;
            app.manage(state);
            Ok(())
        })
        .on_window_event(|window, event| {
            // A minimised or hidden window: nobody is looking, so the wallet goes quiet until
            // it is shown again (then it reads at once).
            if matches!(
                event,
                tauri::WindowEvent::Focused(_) | tauri::WindowEvent::Resized(_)
            ) {
                if let Some(state) = window.try_state::<AppState>() {
                    let shown = window.is_visible().unwrap_or(true)
                        && !window.is_minimized().unwrap_or(false);
                    state.wallet().set_watched(shown);
                }
            }
        })
        .invoke_handler(tauri::generate_handler![
            commands::seal_key,
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
            commands::backup_status,
            commands::backup_challenge,
            commands::confirm_backup,
            commands::wallet_settings,
            commands::user_active,
            commands::set_auto_lock,
            commands::set_quiet,
            commands::audit_log,
            commands::send_preview,
            commands::quote_send,
            commands::send,
            commands::operations,
            commands::speed_up,
            commands::quote_replacement,
            commands::cancel_operation,
            commands::resign_operation,
            commands::sync_status,
            commands::sync_now,
            commands::balances,
            commands::prices,
            commands::refresh_prices,
            commands::set_price_settings,
            commands::portfolio,
            commands::open_explorer,
            commands::notify,
            commands::history,
            commands::receive,
            commands::networks,
            commands::add_network,
            commands::use_network,
            commands::add_token,
            commands::list_profiles,
            commands::switch_profile,
            commands::smart_account,
            commands::smart_accounts,
            commands::quote_user_op,
            commands::send_user_op,
            commands::mfa_status,
            commands::mfa_enroll,
            commands::mfa_confirm,
            commands::set_policy,
            commands::add_contact,
            commands::contacts,
            commands::remove_contact,
            commands::mfa_disable,
            commands::mfa_new_recovery_codes,
            commands::hidden_accounts,
            commands::set_guardians,
            commands::guardians,
            commands::recovery_request,
            commands::recovery_review,
            commands::recovery_approve,
            commands::recovery_requests,
            commands::recovery_submit,
            commands::recovery_execute,
            commands::recovery_cancel,
            commands::recovery_status,
            passkeys::passkeys,
            passkeys::passkey_add,
            passkeys::passkey_check,
            passkeys::passkey_remove,
            passkeys::passkey_accounts,
            passkeys::safe_passkey_add,
            passkeys::safe_passkey_remove,
            passkeys::passkey_safe,
            bridge::bridge_status,
            bridge::bridge_start,
            bridge::bridge_stop,
            bridge::bridge_approvals,
            bridge::bridge_decide,
            bridge::bridge_tokens,
            bridge::bridge_token_add,
            bridge::bridge_token_revoke,
            bridge::bridge_grants,
            bridge::bridge_grant_revoke,
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
    let began = std::time::Instant::now();
    let log = logging::init(Some(&root.join("logs")), true)?;
    let network = Network::from_env()?;
    tracing::info!(
        root = %root.display(),
        %profile,
        chain_id = network.chain_id,
        rpc = %network.rpc_urls.join(","),
        version = env!("CARGO_PKG_VERSION"),
        "cairn starting"
    );
    // The OS keychain where one answers; the vault header records whether it was used.
    let device = Device::open(
        &root,
        &profile,
        WalletConfig {
            data_dir: PathBuf::new(),
            network,
            kdf: KdfParams::RELEASE,
            keychain: keychain::system_keychain(),
        },
    )?;
    // Passkeys: the platform's authenticator through the WebAuthn plugin; a test build run by
    // the GUI test may be given the software one instead.
    if let Some(soft) = cairn_core::passkeys::soft_authenticator_from_env() {
        tracing::warn!("passkeys: the software authenticator of the test build is in use");
        device.set_authenticator(soft);
    } else {
        #[cfg(not(target_os = "ios"))]
        device.set_authenticator(authenticator::PluginAuthenticator::new(app.clone()));
    }
    forward_events(app.clone(), device.wallet().subscribe());
    tracing::info!(ms = began.elapsed().as_millis() as u64, "wallet ready");
    Ok(AppState {
        device,
        network_pinned: cairn_core::network::pinned_by_env(),
        _log: log,
    })
}

/// Passes the core's events to the UI: locks (an idle auto-lock shows the lock screen), sync
/// state and operation changes (the activity list updates live).
pub(crate) fn forward_events(
    app: tauri::AppHandle,
    mut events: tokio::sync::broadcast::Receiver<WalletEvent>,
) {
    tauri::async_runtime::spawn(async move {
        loop {
            let sent = match events.recv().await {
                Ok(WalletEvent::Locked(reason)) => {
                    let reason = if reason == LockReason::Idle {
                        "idle"
                    } else {
                        "user"
                    };
                    let sent = app.emit(event::LOCKED, reason);
                    // Whatever the page held (typed passwords, a phrase on screen, request
                    // strings the JavaScript engine keeps) goes with its process.
                    lock::drop_page_memory(&app);
                    sent
                }
                Ok(WalletEvent::Sync(status)) => app.emit(event::SYNC, status),
                Ok(WalletEvent::Operation(op)) => app.emit(event::OPERATION, op),
                Ok(WalletEvent::Notice(notice)) => app.emit(event::NOTICE, notice),
                Ok(WalletEvent::BridgeApprovals(list)) => {
                    // A dapp waits for the user: the window comes to the front.
                    // (Desktop only: a phone shows the app the user opened.)
                    #[cfg(desktop)]
                    if !list.is_empty() {
                        if let Some(w) = app.get_webview_window("main") {
                            let _ = w.unminimize();
                            let _ = w.set_focus();
                        }
                    }
                    app.emit(event::BRIDGE_APPROVALS, list)
                }
                Ok(WalletEvent::Network(info)) => app.emit(event::NETWORK, info),
                Ok(WalletEvent::BridgeLocked(who)) => {
                    #[cfg(desktop)]
                    if let Some(w) = app.get_webview_window("main") {
                        let _ = w.unminimize();
                        let _ = w.set_focus();
                    }
                    app.emit(event::BRIDGE_LOCKED, who)
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            if let Err(e) = sent {
                tracing::warn!(error = %e, "could not emit an event to the UI");
            }
        }
    });
}
