//! The unlocked wallet: the navigation (five places: Home, Send, Receive, Activity, Settings;
//! at the bottom on a phone, a column on the left on a desktop), the network and sync lines
//! over every place, the backup reminder, and the lock button. Each place is its own module:
//! `accounts` (with the assets card), `send`, `receive`, `activity` (with the chain history),
//! `settings` (with two-factor, contacts and networks), and `audit`, opened from Settings.

mod accounts;
mod activity;
mod audit;
mod receive;
mod send;
mod settings;

use cairn_api::{cmd, NetworkInfo};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{Approvals, BackupReminder, NetworkBadge, Notices, SyncBadge, TabButton};
use crate::i18n::dashboard as tr;
use crate::ipc::{call, NoArgs};
use crate::{LangHandle, Screen};

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Accounts,
    Send,
    Receive,
    Activity,
    Settings,
    Audit,
}

#[derive(Properties, PartialEq)]
pub(crate) struct DashboardProps {
    pub network: NetworkInfo,
    pub go: Callback<Screen>,
}

/// Where a Safe named at onboarding waits for the recovery panel (this window's session only).
const RECOVER_KEY: &str = "cairn.recover";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

/// Keeps the Safe a new wallet is made to recover (nothing when `address` is empty).
pub(crate) fn remember_recovery(address: &str) {
    if let Some(s) = session_storage() {
        let _ = if address.is_empty() {
            s.remove_item(RECOVER_KEY)
        } else {
            s.set_item(RECOVER_KEY, address)
        };
    }
}

/// The Safe named at onboarding, once: the recovery panel takes it.
pub(crate) fn take_recovery() -> Option<String> {
    let s = session_storage()?;
    let address = s.get_item(RECOVER_KEY).ok().flatten()?;
    let _ = s.remove_item(RECOVER_KEY);
    Some(address)
}

fn recovery_waiting() -> bool {
    session_storage()
        .and_then(|s| s.get_item(RECOVER_KEY).ok().flatten())
        .is_some()
}

#[function_component(Dashboard)]
pub(crate) fn dashboard(props: &DashboardProps) -> Html {
    // A new wallet made to recover a Safe opens where the recovery is made.
    let tab = use_state(|| {
        if recovery_waiting() {
            Tab::Settings
        } else {
            Tab::Accounts
        }
    });
    // A new language re-mounts the places (the key) with their text in it; the place stays.
    let lang = use_context::<LangHandle>().map(|l| *l);
    let lock = {
        let (network, go) = (props.network.clone(), props.go.clone());
        Callback::from(move |_| {
            let (network, go) = (network.clone(), go.clone());
            spawn_local(async move {
                // Locking cannot fail in a way the user could act on; the screen locks regardless.
                let _ = call::<_, ()>(cmd::LOCK, &NoArgs {}).await;
                go.emit(Screen::Locked {
                    network,
                    retry_after_secs: 0,
                    notice: None,
                });
            });
        })
    };
    let select = |to: Tab| {
        let tab = tab.clone();
        Callback::from(move |_| tab.set(to))
    };
    // Another network: the whole dashboard again, for it.
    let switched = {
        let go = props.go.clone();
        Callback::from(move |network| go.emit(Screen::Dashboard { network }))
    };
    let sent = {
        let tab = tab.clone();
        Callback::from(move |_| tab.set(Tab::Activity))
    };
    let open_audit = {
        let tab = tab.clone();
        Callback::from(move |_: ()| tab.set(Tab::Audit))
    };
    // One place per task. Phones get the five at the bottom, within thumb's reach; wider
    // windows a column on the left and the width for the content (style.css decides).
    let in_settings = matches!(*tab, Tab::Settings | Tab::Audit);
    html! {
        <ContextProvider<NetworkInfo> context={props.network.clone()}>
        <div class="dash" key={format!("{lang:?}")}>
            <nav class="nav" role="tablist" aria-label={tr::sections()}>
                <TabButton id="nav-accounts" label={tr::home()} active={*tab == Tab::Accounts} onclick={select(Tab::Accounts)} />
                <TabButton id="nav-send" label={tr::send()} active={*tab == Tab::Send} onclick={select(Tab::Send)} />
                <TabButton id="nav-receive" label={tr::receive()} active={*tab == Tab::Receive} onclick={select(Tab::Receive)} />
                <TabButton id="nav-activity" label={tr::activity()} active={*tab == Tab::Activity} onclick={select(Tab::Activity)} />
                <TabButton id="nav-settings" label={tr::settings()} active={in_settings} onclick={select(Tab::Settings)} />
            </nav>
            <div class="dash-main">
                <div class="status-lines">
                    <NetworkBadge network={props.network.clone()} />
                    <SyncBadge />
                </div>
                <Approvals />
                <BackupReminder />
                <Notices />
                { match *tab {
                    Tab::Accounts => html! { <accounts::AccountsTab network={props.network.clone()} /> },
                    Tab::Send => html! { <send::SendPage {sent} /> },
                    Tab::Receive => html! { <receive::ReceivePage /> },
                    Tab::Activity => html! { <activity::ActivityAndHistory /> },
                    Tab::Settings => html! { <settings::SettingsTab {switched} {open_audit} /> },
                    Tab::Audit => html! {
                        <>
                            <button id="audit-back" class="secondary" onclick={select(Tab::Settings)}>{ tr::back_to_settings() }</button>
                            <audit::AuditPage />
                        </>
                    },
                } }
                <button id="lock" class="secondary" onclick={lock}>{ tr::lock() }</button>
            </div>
        </div>
        </ContextProvider<NetworkInfo>>
    }
}
