//! Cairn's UI: Yew function components compiled to wasm. Everything the wallet knows comes from
//! the shell through `ipc`; the UI holds no keys and computes no balances.
//! This module owns the `App`: which screen is up, the moves between screens, and the shell's
//! events (sync state, operation changes, locking) that every screen follows. The screens are
//! in `screens`, the markup they share in `components`, their shared hooks in `hooks`.

mod components;
mod hooks;
mod i18n;
mod ipc;
mod screens;
mod theme;

use std::rc::Rc;

use cairn_api::{
    cmd, event, ApiError, CreatedWallet, NetworkInfo, Notice, SyncStatus, WalletStatus,
};
use ipc::{call, NoArgs};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use components::ErrorLine;
use i18n::{self as tr, Lang};
use screens::{dashboard, onboarding, profiles, unlock};

/// Which screen is up.
#[derive(Clone, PartialEq)]
pub(crate) enum Screen {
    Loading,
    Failed(ApiError),
    Onboarding(NetworkInfo),
    Backup {
        network: NetworkInfo,
        created: CreatedWallet,
    },
    Locked {
        network: NetworkInfo,
        retry_after_secs: u64,
        notice: Option<String>,
    },
    Dashboard {
        network: NetworkInfo,
    },
}

pub(crate) fn screen_for(status: WalletStatus) -> Screen {
    match status {
        WalletStatus::NoVault { network } => Screen::Onboarding(network),
        WalletStatus::Locked {
            network,
            retry_after_secs,
        } => Screen::Locked {
            network,
            retry_after_secs,
            notice: None,
        },
        WalletStatus::Unlocked { network, .. } => Screen::Dashboard { network },
    }
}

/// What the shell's events said last: the sync state, and a counter that moves whenever an
/// operation changed (screens that list operations reload on it).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Live {
    pub sync: Option<SyncStatus>,
    pub op_tick: u64,
    /// News not yet dismissed, oldest first, with a number to dismiss it by.
    pub notices: Vec<(u64, Notice)>,
    pub next_notice: u64,
    /// What dapps ask that waits for the user (the core's whole list, as last told).
    pub approvals: Vec<cairn_api::BridgeApproval>,
}

/// Notices kept on screen at most: older ones are in the activity list anyway.
const NOTICES_SHOWN: usize = 4;

pub(crate) enum LiveAction {
    Sync(SyncStatus),
    Operation,
    Notice(Notice),
    Dismiss(u64),
    Approvals(Vec<cairn_api::BridgeApproval>),
}

impl Reducible for Live {
    type Action = LiveAction;
    fn reduce(self: Rc<Self>, action: LiveAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LiveAction::Sync(s) => next.sync = Some(s),
            LiveAction::Operation => next.op_tick += 1,
            LiveAction::Notice(n) => {
                next.notices.push((next.next_notice, n));
                next.next_notice += 1;
                let extra = next.notices.len().saturating_sub(NOTICES_SHOWN);
                next.notices.drain(..extra);
            }
            LiveAction::Dismiss(id) => next.notices.retain(|(n, _)| *n != id),
            LiveAction::Approvals(list) => next.approvals = list,
        }
        Rc::new(next)
    }
}

pub(crate) type LiveHandle = UseReducerHandle<Live>;

/// The language in force: Settings sets it, the dashboard re-renders its places with it.
pub(crate) type LangHandle = UseStateHandle<Lang>;

/// The lock screen with a line above the password (why it locked, who waits), if the core
/// says the wallet is locked.
fn lock_screen(screen: UseStateHandle<Screen>, notice: Option<String>) {
    spawn_local(async move {
        if let Ok(WalletStatus::Locked {
            network,
            retry_after_secs,
        }) = call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await
        {
            screen.set(Screen::Locked {
                network,
                retry_after_secs,
                notice,
            });
        }
    });
}

#[function_component(App)]
pub fn app() -> Html {
    let screen = use_state(|| Screen::Loading);
    let live = use_reducer(Live::default);
    // The language chosen in Settings; screens that show it re-render when it changes.
    let lang = use_state(|| {
        tr::init();
        tr::lang()
    });
    {
        let screen = screen.clone();
        let live = live.clone();
        use_effect_with((), move |_| {
            ipc::report_activity();
            // Sync state and operation changes, for the whole life of the page.
            {
                let live = live.clone();
                ipc::listen(event::SYNC, move |payload| {
                    if let Some(status) = js_sys::Reflect::get(&payload, &"payload".into())
                        .ok()
                        .and_then(|p| serde_wasm_bindgen::from_value(p).ok())
                    {
                        live.dispatch(LiveAction::Sync(status));
                    }
                });
            }
            {
                let live = live.clone();
                ipc::listen(event::NOTICE, move |payload| {
                    if let Some(notice) = js_sys::Reflect::get(&payload, &"payload".into())
                        .ok()
                        .and_then(|p| serde_wasm_bindgen::from_value(p).ok())
                    {
                        components::notice_arrived(&live, notice);
                    }
                });
            }
            {
                let live = live.clone();
                let mut told = 0u64;
                ipc::listen(event::BRIDGE_APPROVALS, move |payload| {
                    if let Some(list) = js_sys::Reflect::get(&payload, &"payload".into())
                        .ok()
                        .and_then(|p| {
                            serde_wasm_bindgen::from_value::<Vec<cairn_api::BridgeApproval>>(p).ok()
                        })
                    {
                        // A request not told of yet reaches the system's notifications too.
                        if let Some(newest) =
                            list.iter().filter(|a| a.id > told).max_by_key(|a| a.id)
                        {
                            told = newest.id;
                            components::approval_waiting(&newest.label);
                        }
                        live.dispatch(LiveAction::Approvals(list));
                    }
                });
            }
            ipc::listen(event::OPERATION, move |_| {
                live.dispatch(LiveAction::Operation)
            });
            spawn_local({
                let screen = screen.clone();
                async move {
                    match call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await {
                        Ok(status) => screen.set(screen_for(status)),
                        Err(e) => screen.set(Screen::Failed(e)),
                    }
                }
            });
            // Another network under the window (an app's switch the user approved): the
            // dashboard again, for it.
            {
                let screen = screen.clone();
                ipc::listen(event::NETWORK, move |_| {
                    let screen = screen.clone();
                    spawn_local(async move {
                        if let Ok(WalletStatus::Unlocked { network, .. }) =
                            call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await
                        {
                            screen.set(Screen::Dashboard { network });
                        }
                    });
                });
            }
            // An app asked while the wallet is locked: the lock screen says who waits.
            {
                let screen = screen.clone();
                ipc::listen(event::BRIDGE_LOCKED, move |payload| {
                    let who = js_sys::Reflect::get(&payload, &"payload".into())
                        .ok()
                        .and_then(|p| p.as_string())
                        .unwrap_or_default();
                    lock_screen(screen.clone(), Some(tr::bridge::unlock_to_answer(who)));
                });
            }
            // The core locks on idle too: whatever is on screen, go to the lock screen.
            ipc::listen(event::LOCKED, move |payload| {
                let idle = payload.dyn_ref_payload() == Some("idle".to_string());
                let notice = idle.then(|| tr::dashboard::locked_idle().to_string());
                lock_screen(screen.clone(), notice);
            });
        });
    }
    // Each change of screen mounts it afresh (the key changes), so a screen shown again, e.g.
    // the lock screen of another profile, starts without the last one's input or errors.
    let shown_at = use_state(js_sys::Date::now);
    let go = {
        let (screen, shown_at) = (screen.clone(), shown_at.clone());
        Callback::from(move |next: Screen| {
            shown_at.set(js_sys::Date::now());
            screen.set(next)
        })
    };
    let start_screen = matches!(*screen, Screen::Onboarding(_) | Screen::Locked { .. });
    let body = match (*screen).clone() {
        Screen::Loading => html! { <p class="muted" id="loading">{ tr::common::loading() }</p> },
        Screen::Failed(error) => html! { <ErrorLine error={Some(error)} /> },
        Screen::Onboarding(network) => {
            html! { <onboarding::Onboarding {network} go={go.clone()} /> }
        }
        Screen::Backup { network, created } => {
            html! { <onboarding::Backup {network} {created} go={go.clone()} /> }
        }
        Screen::Locked {
            network,
            retry_after_secs,
            notice,
        } => {
            html! { <unlock::Unlock {network} {retry_after_secs} {notice} go={go.clone()} /> }
        }
        Screen::Dashboard { network } => {
            html! { <dashboard::Dashboard {network} go={go.clone()} /> }
        }
    };
    html! {
        <main class={classes!("app", matches!(*screen, Screen::Dashboard { .. }).then_some("wide"))}>
            <header class="brand"><span class="logo" aria-hidden="true">{ "◆" }</span>{ "Cairn" }</header> // i18n: not text (the name)
            <ContextProvider<LiveHandle> context={live.clone()}>
            <ContextProvider<LangHandle> context={lang.clone()}>
                <div key={shown_at.to_string()}>{ body }</div>
            </ContextProvider<LangHandle>>
            </ContextProvider<LiveHandle>>
            if start_screen { <profiles::ProfilePicker go={go.clone()} /> }
            <components::AuthenticatorPrompt />
        </main>
    }
}

/// Reads an event payload that is a plain string.
trait PayloadExt {
    fn dyn_ref_payload(&self) -> Option<String>;
}

impl PayloadExt for wasm_bindgen::JsValue {
    fn dyn_ref_payload(&self) -> Option<String> {
        js_sys::Reflect::get(self, &"payload".into())
            .ok()
            .and_then(|p| p.as_string())
    }
}
