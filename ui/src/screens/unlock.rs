//! The lock screen: password, the error of a wrong one, and the wait before the next try
//! (counted down; the core enforces it, the screen only shows it).

use cairn_api::{cmd, Account, ApiError, ErrorCode, NetworkInfo, UnlockRequest, WalletStatus};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{field, ErrorLine, NetworkBadge};
use crate::i18n::onboarding as tr;
use crate::ipc::{call, call_sealed, sleep_ms, NoArgs};
use crate::Screen;

#[derive(Properties, PartialEq)]
pub(crate) struct UnlockProps {
    pub network: NetworkInfo,
    pub retry_after_secs: u64,
    pub notice: Option<String>,
    pub go: Callback<Screen>,
}

/// Counts `wait` down to zero, a second at a time.
fn count_down(wait: UseStateHandle<u64>, from: u64) {
    wait.set(from);
    spawn_local(async move {
        let mut left = from;
        while left > 0 {
            sleep_ms(1000).await;
            left -= 1;
            wait.set(left);
        }
    });
}

#[function_component(Unlock)]
pub(crate) fn unlock(props: &UnlockProps) -> Html {
    let password = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let wait = use_state(|| 0u64);
    {
        let (wait, from) = (wait.clone(), props.retry_after_secs);
        use_effect_with(from, move |_| {
            if from > 0 {
                count_down(wait, from);
            }
        });
    }
    let onsubmit = {
        let (password, error, busy, wait) =
            (password.clone(), error.clone(), busy.clone(), wait.clone());
        let (network, go) = (props.network.clone(), props.go.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = UnlockRequest {
                password: (*password).clone(),
            };
            let (error, busy, network, go, password, wait) = (
                error.clone(),
                busy.clone(),
                network.clone(),
                go.clone(),
                password.clone(),
                wait.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match call_sealed::<_, Vec<Account>>(cmd::UNLOCK, &request).await {
                    Ok(_) => go.emit(Screen::Dashboard { network }),
                    Err(e) => {
                        let next_try_waits =
                            matches!(e.code, ErrorCode::WrongPassword | ErrorCode::Throttled);
                        error.set(Some(e));
                        password.set(String::new());
                        busy.set(false);
                        if next_try_waits {
                            if let Ok(WalletStatus::Locked {
                                retry_after_secs, ..
                            }) = call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await
                            {
                                count_down(wait, retry_after_secs);
                            }
                        }
                    }
                }
            });
        })
    };
    let waiting = *wait > 0;
    html! {
        <section class="card">
            <h1>{ tr::unlock() }</h1>
            if let Some(notice) = &props.notice { <p class="muted" id="notice">{ notice }</p> }
            <form {onsubmit}>
                <label for="unlock-password">{ tr::password() }</label>
                <input id="unlock-password" type="password" autocomplete="current-password" required=true value={(*password).clone()} oninput={field(&password)} />
                <ErrorLine error={(*error).clone()} id="error" />
                if waiting { <p class="muted" id="retry-wait">{ tr::retry_wait(*wait) }</p> }
                <button id="unlock" type="submit" class="primary" disabled={*busy || waiting}>
                    { if *busy { tr::unlocking().to_string() } else if waiting { tr::wait_secs(*wait) } else { tr::unlock().to_string() } }
                </button>
            </form>
            <NetworkBadge network={props.network.clone()} />
        </section>
    }
}
