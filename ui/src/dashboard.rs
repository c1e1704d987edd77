//! The unlocked wallet: accounts (balance, add, rename, hide), send and activity (`activity`),
//! settings (auto-lock, password, recovery-phrase export behind the password) and the audit log.

use cairn_api::{
    cmd, Account, AddAccountRequest, AddressRequest, ApiError, AuditLog, Balance,
    ChangePasswordRequest, ExportRequest, ExportedSecret, Funded, NetworkInfo,
    RenameAccountRequest, SetAutoLockRequest, SetHiddenRequest, Settings, SmartAccount,
    SmartAccountRequest, WalletStatus,
};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::ipc::{call, NoArgs, Request};
use crate::{field, NetworkBadge, Screen};

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

#[function_component(Dashboard)]
pub(crate) fn dashboard(props: &DashboardProps) -> Html {
    let tab = use_state(|| Tab::Accounts);
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
    let tab_class = |t: Tab| classes!("tab", (*tab == t).then_some("active"));
    html! {
        <>
            <nav class="tabs" role="tablist">
                <button id="nav-accounts" role="tab" class={tab_class(Tab::Accounts)} onclick={select(Tab::Accounts)}>{ "Accounts" }</button>
                <button id="nav-send" role="tab" class={tab_class(Tab::Send)} onclick={select(Tab::Send)}>{ "Send" }</button>
                <button id="nav-receive" role="tab" class={tab_class(Tab::Receive)} onclick={select(Tab::Receive)}>{ "Receive" }</button>
                <button id="nav-activity" role="tab" class={tab_class(Tab::Activity)} onclick={select(Tab::Activity)}>{ "Activity" }</button>
                <button id="nav-settings" role="tab" class={tab_class(Tab::Settings)} onclick={select(Tab::Settings)}>{ "Settings" }</button>
                <button id="nav-audit" role="tab" class={tab_class(Tab::Audit)} onclick={select(Tab::Audit)}>{ "Audit" }</button>
            </nav>
            <NetworkBadge network={props.network.clone()} />
            <crate::activity::SyncBadge />
            { match *tab {
                Tab::Accounts => html! {
                    <>
                        <Accounts network={props.network.clone()} />
                        <crate::activity::AssetsCard />
                    </>
                },
                Tab::Send => html! { <crate::activity::SendPage sent={sent} /> },
                Tab::Receive => html! { <crate::activity::ReceivePage /> },
                Tab::Activity => html! { <crate::activity::ActivityAndHistory /> },
                Tab::Settings => html! {
                    <>
                        <SettingsPage />
                        <crate::security::SecurityCard />
                        <crate::security::ContactsCard />
                        <crate::networks::NetworksCard switched={switched} />
                    </>
                },
                Tab::Audit => html! { <AuditPage /> },
            } }
            <button id="lock" class="secondary" onclick={lock}>{ "Lock" }</button>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct AccountsProps {
    network: NetworkInfo,
}

#[function_component(Accounts)]
fn accounts(props: &AccountsProps) -> Html {
    let accounts = use_state(Vec::<Account>::new);
    let error = use_state(|| None::<String>);
    let reload = {
        let (accounts, error) = (accounts.clone(), error.clone());
        Callback::from(move |_: ()| {
            let (accounts, error) = (accounts.clone(), error.clone());
            spawn_local(async move {
                match call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await {
                    Ok(WalletStatus::Unlocked { accounts: list, .. }) => accounts.set(list),
                    Ok(_) => {}
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    // New accounts derive from the first recovery phrase (imported keys have one account each).
    let hd_source = accounts
        .iter()
        .find(|a| !a.path.is_empty())
        .map(|a| a.key_source_id);
    let add = {
        let (reload, error) = (reload.clone(), error.clone());
        Callback::from(move |_| {
            let Some(key_source_id) = hd_source else {
                return;
            };
            let (reload, error) = (reload.clone(), error.clone());
            spawn_local(async move {
                let request = AddAccountRequest { key_source_id };
                match call::<_, Account>(cmd::ADD_ACCOUNT, &Request { request: &request }).await {
                    Ok(_) => reload.emit(()),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <>
            if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
            { for accounts.iter().map(|a| html! {
                <AccountCard key={a.address.clone()} account={a.clone()} network={props.network.clone()} changed={reload.clone()}
                    has_smart={accounts.iter().any(|o| o.owner.as_deref() == Some(a.address.as_str()))} />
            }) }
            if hd_source.is_some() {
                <button id="add-account" class="secondary wide" onclick={add}>{ "Add account" }</button>
            }
        </>
    }
}

#[derive(Properties, PartialEq)]
struct AccountProps {
    account: Account,
    network: NetworkInfo,
    changed: Callback<()>,
    /// A smart account of this one exists already (then there is nothing to make).
    #[prop_or_default]
    has_smart: bool,
}

/// One account: its address and its balance read from the chain; rename and hide.
#[function_component(AccountCard)]
fn account_card(props: &AccountProps) -> Html {
    let balance = use_state(|| None::<Result<Balance, ApiError>>);
    let funding = use_state(|| false);
    let renaming = use_state(|| None::<String>);
    let smart = use_state(|| None::<SmartAccount>);
    let smart_error = use_state(|| None::<String>);
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
    // A smart account says whether it is deployed on this network yet.
    {
        let (smart, address, is_smart) = (
            smart.clone(),
            props.account.address.clone(),
            props.account.smart.is_some(),
        );
        use_effect_with(
            (props.account.address.clone(), balance.is_some()),
            move |_| {
                if is_smart {
                    spawn_local(async move {
                        if let Ok(list) =
                            call::<_, Vec<SmartAccount>>(cmd::SMART_ACCOUNTS, &NoArgs {}).await
                        {
                            smart.set(list.into_iter().find(|a| a.address == address));
                        }
                    });
                }
            },
        );
    }
    let make_smart = {
        let (changed, smart_error, owner) = (
            props.changed.clone(),
            smart_error.clone(),
            props.account.address.clone(),
        );
        Callback::from(move |_| {
            let (changed, smart_error) = (changed.clone(), smart_error.clone());
            let request = SmartAccountRequest {
                owner: owner.clone(),
                version: None,
            };
            spawn_local(async move {
                match call::<_, SmartAccount>(cmd::SMART_ACCOUNT, &Request { request: &request })
                    .await
                {
                    Ok(_) => changed.emit(()),
                    Err(e) => smart_error.set(Some(e.message)),
                }
            });
        })
    };
    let fund = {
        let (balance, funding, address) = (
            balance.clone(),
            funding.clone(),
            props.account.address.clone(),
        );
        Callback::from(move |_| {
            let (balance, funding) = (balance.clone(), funding.clone());
            let request = AddressRequest {
                address: address.clone(),
            };
            funding.set(true);
            spawn_local(async move {
                let result =
                    call::<_, Funded>(cmd::DEVNET_FUND, &Request { request: &request }).await;
                balance.set(Some(result.map(|f| f.balance)));
                funding.set(false);
            });
        })
    };
    let start_rename = {
        let (renaming, name) = (renaming.clone(), props.account.name.clone());
        Callback::from(move |_| renaming.set(Some(name.clone())))
    };
    let save_rename = {
        let (renaming, changed, address) = (
            renaming.clone(),
            props.changed.clone(),
            props.account.address.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(name) = (*renaming).clone() else {
                return;
            };
            let (renaming, changed) = (renaming.clone(), changed.clone());
            let request = RenameAccountRequest {
                address: address.clone(),
                name,
            };
            spawn_local(async move {
                if call::<_, ()>(cmd::RENAME_ACCOUNT, &Request { request: &request })
                    .await
                    .is_ok()
                {
                    renaming.set(None);
                    changed.emit(());
                }
            });
        })
    };
    let on_name = {
        let renaming = renaming.clone();
        Callback::from(move |e: InputEvent| renaming.set(Some(crate::input_value(&e))))
    };
    let hide = {
        let (changed, address) = (props.changed.clone(), props.account.address.clone());
        Callback::from(move |_| {
            let changed = changed.clone();
            let request = SetHiddenRequest {
                address: address.clone(),
                hidden: true,
            };
            spawn_local(async move {
                if call::<_, ()>(cmd::SET_ACCOUNT_HIDDEN, &Request { request: &request })
                    .await
                    .is_ok()
                {
                    changed.emit(());
                }
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
        <section class={classes!("card", "account", props.account.smart.is_some().then_some("smart"))}>
            if let Some(name) = &*renaming {
                <form class="rename" onsubmit={save_rename}>
                    <input id="rename-input" type="text" maxlength="64" value={name.clone()} oninput={on_name} />
                    <button id="rename-save" type="submit" class="secondary">{ "Save" }</button>
                </form>
            } else {
                <h2 class="account-name">{ &props.account.name }</h2>
            }
            <p class="address" id="address" title={props.account.path.clone()}>{ &props.account.address }</p>
            if let Some(version) = &props.account.smart {
                <p class="badge smart-badge">{
                    match &*smart {
                        Some(s) => format!(
                            "Smart account {version} of {} · {}{}",
                            s.owner,
                            if s.deployed { "deployed" } else { "not deployed yet: its first operation deploys it" },
                            match &s.deposit {
                                Some(d) if d != "0.0" => format!(" · {d} {} deposited at the EntryPoint for gas", props.network.currency_symbol),
                                _ => String::new(),
                            }
                        ),
                        None => format!("Smart account {version}"),
                    }
                }</p>
            }
            { balance_view }
            if let Some(message) = &*smart_error { <p class="error" role="alert">{ message }</p> }
            <div class="actions">
                <button id="refresh" class="secondary" onclick={refresh.reform(|_| ())}>{ "Refresh" }</button>
                if props.network.is_devnet {
                    <button id="fund" class="secondary" disabled={*funding} onclick={fund}>
                        { if *funding { "Funding…" } else { "Get 10 test ETH" } }
                    </button>
                }
                <button class="secondary rename-button" onclick={start_rename}>{ "Rename" }</button>
                <button class="secondary hide-button" onclick={hide}>{ "Hide" }</button>
                if props.account.smart.is_none() && !props.has_smart {
                    <button class="secondary smart-button" onclick={make_smart}>{ "Smart account" }</button>
                }
            </div>
        </section>
    }
}

#[function_component(SettingsPage)]
fn settings_page() -> Html {
    let settings = use_state(|| None::<Settings>);
    let message = use_state(|| None::<Result<String, String>>);
    let old_pw = use_state(String::new);
    let new_pw = use_state(String::new);
    let export_pw = use_state(String::new);
    let phrase = use_state(|| None::<String>);
    let source = use_state(|| None::<i64>);
    {
        let (settings, source) = (settings.clone(), source.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(s) = call::<_, Settings>(cmd::SETTINGS, &NoArgs {}).await {
                    settings.set(Some(s));
                }
                if let Ok(WalletStatus::Unlocked { accounts, .. }) =
                    call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await
                {
                    source.set(
                        accounts
                            .iter()
                            .find(|a| !a.path.is_empty())
                            .map(|a| a.key_source_id),
                    );
                }
            });
        });
    }
    let on_auto_lock = {
        let (settings, message) = (settings.clone(), message.clone());
        Callback::from(move |e: Event| {
            let secs: u64 = e
                .target_unchecked_into::<HtmlSelectElement>()
                .value()
                .parse()
                .unwrap_or(300);
            let (settings, message) = (settings.clone(), message.clone());
            spawn_local(async move {
                let request = SetAutoLockRequest { secs };
                match call::<_, ()>(cmd::SET_AUTO_LOCK, &Request { request: &request }).await {
                    Ok(()) => {
                        if let Ok(s) = call::<_, Settings>(cmd::SETTINGS, &NoArgs {}).await {
                            settings.set(Some(s));
                        }
                        message.set(Some(Ok(format!(
                            "Cairn now locks after {} minutes without use.",
                            secs / 60
                        ))));
                    }
                    Err(e) => message.set(Some(Err(e.message))),
                }
            });
        })
    };
    let change = {
        let (old_pw, new_pw, message) = (old_pw.clone(), new_pw.clone(), message.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = ChangePasswordRequest {
                old_password: (*old_pw).clone(),
                new_password: (*new_pw).clone(),
            };
            let (old_pw, new_pw, message) = (old_pw.clone(), new_pw.clone(), message.clone());
            spawn_local(async move {
                let result =
                    call::<_, ()>(cmd::CHANGE_PASSWORD, &Request { request: &request }).await;
                old_pw.set(String::new());
                new_pw.set(String::new());
                message.set(Some(
                    result
                        .map(|_| "Password changed.".to_string())
                        .map_err(|e| e.message),
                ));
            });
        })
    };
    let (mfa, _) = crate::security::use_mfa_status();
    let mfa_on = mfa.as_ref().is_some_and(|m| m.enabled);
    let export_code = use_state(String::new);
    let export = {
        let (export_pw, phrase, message, source, export_code) = (
            export_pw.clone(),
            phrase.clone(),
            message.clone(),
            source.clone(),
            export_code.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(key_source_id) = *source else { return };
            let code = export_code.trim().to_string();
            let request = ExportRequest {
                password: (*export_pw).clone(),
                key_source_id,
                mfa_code: (!code.is_empty()).then_some(code),
            };
            let (export_pw, phrase, message, export_code) = (
                export_pw.clone(),
                phrase.clone(),
                message.clone(),
                export_code.clone(),
            );
            spawn_local(async move {
                export_pw.set(String::new());
                export_code.set(String::new());
                match call::<_, ExportedSecret>(
                    cmd::EXPORT_MNEMONIC,
                    &Request { request: &request },
                )
                .await
                {
                    Ok(secret) => {
                        phrase.set(Some(secret.secret));
                        message.set(None);
                    }
                    Err(e) => message.set(Some(Err(e.message))),
                }
            });
        })
    };
    let hide_phrase = {
        let phrase = phrase.clone();
        Callback::from(move |_| phrase.set(None))
    };
    let current = settings.as_ref().map_or(300, |s| s.auto_lock_secs);
    html! {
        <>
            if let Some(m) = &*message {
                { match m {
                    Ok(text) => html! { <p class="ok" id="settings-message">{ text }</p> },
                    Err(text) => html! { <p class="error" role="alert" id="settings-error">{ text }</p> },
                } }
            }
            <section class="card">
                <h2>{ "Auto-lock" }</h2>
                <label for="auto-lock">{ "Lock after this long without use" }</label>
                <select id="auto-lock" onchange={on_auto_lock}>
                    { for [60u64, 120, 300, 600, 900].into_iter().map(|s| html! {
                        <option value={s.to_string()} selected={s == current}>{ format!("{} min", s / 60) }</option>
                    }) }
                </select>
                if let Some(s) = &*settings {
                    <p class="muted small">{ if s.device_secret { "Protected by this device's keychain and your password." } else { "Protected by your password (no OS keychain on this device)." } }</p>
                }
            </section>
            <section class="card">
                <h2>{ "Recovery phrase" }</h2>
                if let Some(words) = &*phrase {
                    <ol class="words" id="export-words">{ for words.split(' ').map(|w| html! { <li>{ w }</li> }) }</ol>
                    <button id="export-hide" class="secondary" onclick={hide_phrase}>{ "Hide" }</button>
                } else {
                    <form onsubmit={export}>
                        <p class="muted">{ "Enter your password again to see the words." }</p>
                        <label for="export-password">{ "Password" }</label>
                        <input id="export-password" type="password" autocomplete="current-password" required=true value={(*export_pw).clone()} oninput={field(&export_pw)} />
                        if mfa_on {
                            <label for="export-code">{ "Code from your authenticator app" }</label>
                            <input id="export-code" type="text" inputmode="numeric" autocomplete="one-time-code" required=true value={(*export_code).clone()} oninput={field(&export_code)} />
                        }
                        <button id="export" type="submit" class="primary" disabled={source.is_none()}>{ "Show recovery phrase" }</button>
                    </form>
                }
            </section>
            <section class="card">
                <h2>{ "Change password" }</h2>
                <form onsubmit={change}>
                    <label for="old-password">{ "Current password" }</label>
                    <input id="old-password" type="password" autocomplete="current-password" required=true value={(*old_pw).clone()} oninput={field(&old_pw)} />
                    <label for="new-password">{ "New password" }</label>
                    <input id="new-password" type="password" autocomplete="new-password" minlength="8" required=true value={(*new_pw).clone()} oninput={field(&new_pw)} />
                    <button id="change-password" type="submit" class="primary">{ "Change password" }</button>
                </form>
            </section>
        </>
    }
}

#[function_component(AuditPage)]
fn audit_page() -> Html {
    let log = use_state(|| None::<Result<AuditLog, ApiError>>);
    {
        let log = log.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                log.set(Some(call::<_, AuditLog>(cmd::AUDIT_LOG, &NoArgs {}).await))
            });
        });
    }
    let body = match &*log {
        None => html! { <p class="muted">{ "…" }</p> },
        Some(Err(e)) => html! { <p class="error" role="alert">{ &e.message }</p> },
        Some(Ok(log)) => html! {
            <>
                { match &log.tampered {
                    None => html! { <p class="ok" id="audit-intact">{ format!("Chain intact: {} entries verified.", log.entries.len()) }</p> },
                    Some(what) => html! { <p class="error" role="alert" id="audit-tampered">{ format!("Tampering detected: {what}") }</p> },
                } }
                <table class="audit" id="audit-table">
                    <thead><tr><th>{ "#" }</th><th>{ "When (UTC)" }</th><th>{ "Event" }</th><th>{ "Outcome" }</th><th>{ "Detail" }</th></tr></thead>
                    <tbody>
                        { for log.entries.iter().map(|e| html! {
                            <tr class={classes!((e.outcome != "ok").then_some("bad"))}>
                                <td>{ e.seq }</td><td>{ utc(e.at) }</td><td class="event">{ &e.event }</td><td>{ &e.outcome }</td><td class="detail">{ &e.detail }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </>
        },
    };
    html! { <section class="card">{ body }</section> }
}

/// Unix seconds as `YYYY-MM-DD HH:MM` UTC, without a date library in the wasm.
fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(super::utc(0), "1970-01-01 00:00");
        assert_eq!(super::utc(951_782_400), "2000-02-29 00:00");
        assert_eq!(super::utc(1_795_319_297), "2026-11-22 03:48");
        assert_eq!(super::utc(-1), "1969-12-31 23:59");
    }
}
