//! Cairn's UI: Yew function components, one per screen. Everything the wallet knows comes from
//! the shell through `ipc`; the UI holds no keys and computes no balances.

mod ipc;

use cairn_api::{
    cmd, Account, AddressRequest, ApiError, Balance, CreateWalletRequest, CreatedWallet, Funded,
    NetworkInfo, UnlockRequest, WalletStatus, WordCount,
};
use ipc::{call, NoArgs, Request};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Which screen is up.
#[derive(Clone, PartialEq)]
enum Screen {
    Loading,
    Failed(String),
    Onboarding(NetworkInfo),
    Backup {
        network: NetworkInfo,
        created: CreatedWallet,
    },
    Locked(NetworkInfo),
    Dashboard {
        network: NetworkInfo,
        accounts: Vec<Account>,
    },
}

fn screen_for(status: WalletStatus) -> Screen {
    match status {
        WalletStatus::NoVault { network } => Screen::Onboarding(network),
        WalletStatus::Locked { network, .. } => Screen::Locked(network),
        WalletStatus::Unlocked { network, accounts } => Screen::Dashboard { network, accounts },
    }
}

fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

#[function_component(App)]
pub fn app() -> Html {
    let screen = use_state(|| Screen::Loading);
    {
        let screen = screen.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                match call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await {
                    Ok(status) => screen.set(screen_for(status)),
                    Err(e) => screen.set(Screen::Failed(e.message)),
                }
            });
        });
    }
    let go = {
        let screen = screen.clone();
        Callback::from(move |next: Screen| screen.set(next))
    };
    let body = match (*screen).clone() {
        Screen::Loading => html! { <p class="muted" id="loading">{ "Loading…" }</p> },
        Screen::Failed(message) => html! { <p class="error" role="alert">{ message }</p> },
        Screen::Onboarding(network) => html! { <Onboarding {network} go={go.clone()} /> },
        Screen::Backup { network, created } => {
            html! { <Backup {network} {created} go={go.clone()} /> }
        }
        Screen::Locked(network) => html! { <Unlock {network} go={go.clone()} /> },
        Screen::Dashboard { network, accounts } => {
            html! { <Dashboard {network} {accounts} go={go.clone()} /> }
        }
    };
    html! {
        <main class="app">
            <header class="brand"><span class="logo" aria-hidden="true">{ "◆" }</span>{ "Cairn" }</header>
            { body }
        </main>
    }
}

#[derive(Properties, PartialEq)]
struct ScreenProps {
    network: NetworkInfo,
    go: Callback<Screen>,
}

#[function_component(Onboarding)]
fn onboarding(props: &ScreenProps) -> Html {
    let password = use_state(String::new);
    let confirm = use_state(String::new);
    let words = use_state(|| WordCount::Twelve);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (password, confirm, words, error, busy) = (
            password.clone(),
            confirm.clone(),
            words.clone(),
            error.clone(),
            busy.clone(),
        );
        let (network, go) = (props.network.clone(), props.go.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *password != *confirm {
                error.set(Some("The two passwords differ.".into()));
                return;
            }
            let request = CreateWalletRequest {
                password: (*password).clone(),
                words: *words,
            };
            let (error, busy, network, go) =
                (error.clone(), busy.clone(), network.clone(), go.clone());
            busy.set(true);
            error.set(None);
            spawn_local(async move {
                match call::<_, CreatedWallet>(cmd::CREATE, &Request { request: &request }).await {
                    Ok(created) => go.emit(Screen::Backup { network, created }),
                    Err(e) => {
                        error.set(Some(e.message));
                        busy.set(false);
                    }
                }
            });
        })
    };
    let on_pw = {
        let password = password.clone();
        Callback::from(move |e: InputEvent| password.set(input_value(&e)))
    };
    let on_confirm = {
        let confirm = confirm.clone();
        Callback::from(move |e: InputEvent| confirm.set(input_value(&e)))
    };
    let pick = |count: WordCount| {
        let words = words.clone();
        Callback::from(move |_| words.set(count))
    };
    html! {
        <section class="card">
            <h1>{ "Create your wallet" }</h1>
            <p class="muted">{ "The password unlocks Cairn on this device. It cannot be recovered: your recovery phrase can." }</p>
            <form {onsubmit}>
                <label for="password">{ "Password" }</label>
                <input id="password" type="password" autocomplete="new-password" minlength="8" required=true value={(*password).clone()} oninput={on_pw} />
                <label for="password-confirm">{ "Repeat password" }</label>
                <input id="password-confirm" type="password" autocomplete="new-password" required=true value={(*confirm).clone()} oninput={on_confirm} />
                <fieldset class="choice">
                    <legend>{ "Recovery phrase" }</legend>
                    <label><input type="radio" name="words" checked={*words == WordCount::Twelve} onclick={pick(WordCount::Twelve)} />{ " 12 words" }</label>
                    <label><input type="radio" name="words" checked={*words == WordCount::TwentyFour} onclick={pick(WordCount::TwentyFour)} />{ " 24 words" }</label>
                </fieldset>
                if let Some(message) = &*error { <p class="error" role="alert" id="error">{ message }</p> }
                <button id="create" type="submit" class="primary" disabled={*busy}>
                    { if *busy { "Creating…" } else { "Create wallet" } }
                </button>
            </form>
            <NetworkBadge network={props.network.clone()} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct BackupProps {
    network: NetworkInfo,
    created: CreatedWallet,
    go: Callback<Screen>,
}

#[function_component(Backup)]
fn backup(props: &BackupProps) -> Html {
    let confirmed = use_state(|| false);
    let toggle = {
        let confirmed = confirmed.clone();
        Callback::from(move |e: Event| {
            confirmed.set(e.target_unchecked_into::<HtmlInputElement>().checked())
        })
    };
    let done = {
        let (network, account, go) = (
            props.network.clone(),
            props.created.account.clone(),
            props.go.clone(),
        );
        Callback::from(move |_| {
            go.emit(Screen::Dashboard {
                network: network.clone(),
                accounts: vec![account.clone()],
            })
        })
    };
    html! {
        <section class="card">
            <h1>{ "Write down your recovery phrase" }</h1>
            <p class="muted">{ "These words are the only way to restore this wallet. Write them on paper, in order, and keep them offline. Cairn will not show them again without your password." }</p>
            <ol class="words" id="backup-words">
                { for props.created.mnemonic.split(' ').map(|w| html! { <li>{ w }</li> }) }
            </ol>
            <label class="check"><input id="backup-confirm" type="checkbox" onchange={toggle} />{ " I have written down all the words, in order." }</label>
            <button id="backup-done" class="primary" disabled={!*confirmed} onclick={done}>{ "Continue" }</button>
        </section>
    }
}

#[function_component(Unlock)]
fn unlock(props: &ScreenProps) -> Html {
    let password = use_state(String::new);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (password, error, busy) = (password.clone(), error.clone(), busy.clone());
        let (network, go) = (props.network.clone(), props.go.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = UnlockRequest {
                password: (*password).clone(),
            };
            let (error, busy, network, go, password) = (
                error.clone(),
                busy.clone(),
                network.clone(),
                go.clone(),
                password.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match call::<_, Vec<Account>>(cmd::UNLOCK, &Request { request: &request }).await {
                    Ok(accounts) => go.emit(Screen::Dashboard { network, accounts }),
                    Err(e) => {
                        error.set(Some(e.message));
                        password.set(String::new());
                        busy.set(false);
                    }
                }
            });
        })
    };
    let on_pw = {
        let password = password.clone();
        Callback::from(move |e: InputEvent| password.set(input_value(&e)))
    };
    html! {
        <section class="card">
            <h1>{ "Unlock" }</h1>
            <form {onsubmit}>
                <label for="unlock-password">{ "Password" }</label>
                <input id="unlock-password" type="password" autocomplete="current-password" required=true value={(*password).clone()} oninput={on_pw} />
                if let Some(message) = &*error { <p class="error" role="alert" id="error">{ message }</p> }
                <button id="unlock" type="submit" class="primary" disabled={*busy}>{ if *busy { "Unlocking…" } else { "Unlock" } }</button>
            </form>
            <NetworkBadge network={props.network.clone()} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct DashboardProps {
    network: NetworkInfo,
    accounts: Vec<Account>,
    go: Callback<Screen>,
}

#[function_component(Dashboard)]
fn dashboard(props: &DashboardProps) -> Html {
    let lock = {
        let (network, go) = (props.network.clone(), props.go.clone());
        Callback::from(move |_| {
            let (network, go) = (network.clone(), go.clone());
            spawn_local(async move {
                // Locking cannot fail in a way the user could act on; the screen locks regardless.
                let _ = call::<_, ()>(cmd::LOCK, &NoArgs {}).await;
                go.emit(Screen::Locked(network));
            });
        })
    };
    html! {
        <>
            <NetworkBadge network={props.network.clone()} />
            { for props.accounts.iter().map(|a| html! { <AccountCard account={a.clone()} network={props.network.clone()} /> }) }
            <button id="lock" class="secondary" onclick={lock}>{ "Lock" }</button>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct AccountProps {
    account: Account,
    network: NetworkInfo,
}

/// One account: its address and its balance read from the chain, refreshable.
#[function_component(AccountCard)]
fn account_card(props: &AccountProps) -> Html {
    let balance = use_state(|| None::<Result<Balance, ApiError>>);
    let funding = use_state(|| false);
    let refresh = {
        let (balance, address) = (balance.clone(), props.account.address.clone());
        Callback::from(move |_: ()| {
            let (balance, request) = (
                balance.clone(),
                AddressRequest {
                    address: address.clone(),
                },
            );
            spawn_local(async move {
                balance.set(Some(
                    call::<_, Balance>(cmd::BALANCE, &Request { request: &request }).await,
                ));
            });
        })
    };
    {
        let refresh = refresh.clone();
        use_effect_with(props.account.address.clone(), move |_| refresh.emit(()));
    }
    let fund = {
        let (balance, funding, address) = (
            balance.clone(),
            funding.clone(),
            props.account.address.clone(),
        );
        Callback::from(move |_| {
            let (balance, funding, request) = (
                balance.clone(),
                funding.clone(),
                AddressRequest {
                    address: address.clone(),
                },
            );
            funding.set(true);
            spawn_local(async move {
                let result =
                    call::<_, Funded>(cmd::DEVNET_FUND, &Request { request: &request }).await;
                balance.set(Some(result.map(|f| f.balance)));
                funding.set(false);
            });
        })
    };
    let balance_view = match &*balance {
        None => html! { <p class="balance muted" id="balance">{ "…" }</p> },
        Some(Ok(b)) => html! {
            <>
                <p class="balance" id="balance">{ format!("{} {}", b.formatted, b.symbol) }</p>
                <p class="muted small" id="balance-block">{ format!("at block {}", b.block_number) }</p>
            </>
        },
        Some(Err(e)) => {
            html! { <p class="error" role="alert" id="balance-error">{ &e.message }</p> }
        }
    };
    html! {
        <section class="card account">
            <h2>{ &props.account.name }</h2>
            <p class="address" id="address" title={props.account.path.clone()}>{ &props.account.address }</p>
            { balance_view }
            <div class="actions">
                <button id="refresh" class="secondary" onclick={refresh.reform(|_| ())}>{ "Refresh" }</button>
                if props.network.is_devnet {
                    <button id="fund" class="secondary" disabled={*funding} onclick={fund}>
                        { if *funding { "Funding…" } else { "Get 10 test ETH" } }
                    </button>
                }
            </div>
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct NetworkProps {
    network: NetworkInfo,
}

#[function_component(NetworkBadge)]
fn network_badge(props: &NetworkProps) -> Html {
    html! {
        <p class="network" id="network">
            <span class="dot" aria-hidden="true"></span>
            { format!("{} · chain {}", props.network.name, props.network.chain_id) }
        </p>
    }
}
