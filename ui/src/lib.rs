//! Cairn's UI: Yew function components, one per screen. Everything the wallet knows comes from
//! the shell through `ipc`; the UI holds no keys and computes no balances.
//! Screens: `onboarding` (create / import / backup), `unlock`, `dashboard` (accounts, settings,
//! audit log); `profiles` picks the wallet profile on the start screens.

mod activity;
mod dashboard;
mod ipc;
mod networks;
mod onboarding;
mod profiles;
mod security;
mod unlock;

use cairn_api::{cmd, event, CreatedWallet, NetworkInfo, WalletStatus};
use ipc::{call, NoArgs};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Which screen is up.
#[derive(Clone, PartialEq)]
pub(crate) enum Screen {
    Loading,
    Failed(String),
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

pub(crate) fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

/// A controlled text field's state and its `oninput`.
pub(crate) fn field(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| state.set(input_value(&e)))
}

#[function_component(App)]
pub fn app() -> Html {
    let screen = use_state(|| Screen::Loading);
    let live = use_reducer(activity::Live::default);
    {
        let screen = screen.clone();
        let live = live.clone();
        use_effect_with((), move |_| {
            // Sync state and operation changes, for the whole life of the page.
            {
                let live = live.clone();
                ipc::listen(event::SYNC, move |payload| {
                    if let Some(status) = js_sys::Reflect::get(&payload, &"payload".into())
                        .ok()
                        .and_then(|p| serde_wasm_bindgen::from_value(p).ok())
                    {
                        live.dispatch(activity::LiveAction::Sync(status));
                    }
                });
            }
            ipc::listen(event::OPERATION, move |_| {
                live.dispatch(activity::LiveAction::Operation)
            });
            spawn_local({
                let screen = screen.clone();
                async move {
                    match call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await {
                        Ok(status) => screen.set(screen_for(status)),
                        Err(e) => screen.set(Screen::Failed(e.message)),
                    }
                }
            });
            // The core locks on idle too: whatever is on screen, go to the lock screen.
            ipc::listen(event::LOCKED, move |payload| {
                let idle = payload.dyn_ref_payload() == Some("idle".to_string());
                let screen = screen.clone();
                spawn_local(async move {
                    if let Ok(WalletStatus::Locked {
                        network,
                        retry_after_secs,
                    }) = call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await
                    {
                        let notice = idle.then(|| "Locked after a while without use.".to_string());
                        screen.set(Screen::Locked {
                            network,
                            retry_after_secs,
                            notice,
                        });
                    }
                });
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
        Screen::Loading => html! { <p class="muted" id="loading">{ "Loading…" }</p> },
        Screen::Failed(message) => html! { <p class="error" role="alert">{ message }</p> },
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
        <main class="app">
            <header class="brand"><span class="logo" aria-hidden="true">{ "◆" }</span>{ "Cairn" }</header>
            <ContextProvider<activity::LiveHandle> context={live.clone()}>
                <div key={shown_at.to_string()}>{ body }</div>
            </ContextProvider<activity::LiveHandle>>
            if start_screen { <profiles::ProfilePicker go={go.clone()} /> }
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

#[derive(Properties, PartialEq)]
pub(crate) struct NetworkProps {
    pub network: NetworkInfo,
}

#[function_component(NetworkBadge)]
pub(crate) fn network_badge(props: &NetworkProps) -> Html {
    html! {
        <p class="network" id="network">
            <span class="dot" aria-hidden="true"></span>
            { format!("{} · chain {}", props.network.name, props.network.chain_id) }
        </p>
    }
}
