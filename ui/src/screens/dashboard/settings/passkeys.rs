//! Settings → Passkeys: the passkeys of this device's authenticator (made, checked, forgotten)
//! and which of the wallet's Safes each owns; one passkey added to or taken off a Safe's owners
//! (a user operation signed by the account's owner); a Safe of a passkey's own, made only after
//! the user accepts what a passkey-only account risks. Where the device has no authenticator
//! the card says so and offers nothing it cannot do.

use std::collections::HashMap;

use cairn_api::{
    cmd, ApiError, NetworkInfo, Operation, PasskeyInfo, PasskeyLabel, PasskeyList, PasskeyRequest,
    SafePasskeyRequest, SmartAccount,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::time::day_label;
use crate::components::{field, select_field, short, CodeInput, ErrorLine};
use crate::i18n::passkeys as tr;
use crate::ipc::{call, NoArgs, Request};

/// What the card knows: the list, the Safes, and what each passkey owns.
#[derive(Clone, Default, PartialEq)]
struct Known {
    list: Option<PasskeyList>,
    safes: Vec<SmartAccount>,
    owns: HashMap<i64, Vec<String>>,
}

async fn load() -> Result<Known, ApiError> {
    let list = call::<_, PasskeyList>(cmd::PASSKEYS, &NoArgs {}).await?;
    let safes: Vec<SmartAccount> = call::<_, Vec<SmartAccount>>(cmd::SMART_ACCOUNTS, &NoArgs {})
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|a| a.kind == "safe")
        .collect();
    let mut owns = HashMap::new();
    for p in &list.passkeys {
        let request = PasskeyRequest { id: p.id };
        if let Ok(accounts) =
            call::<_, Vec<String>>(cmd::PASSKEY_ACCOUNTS, &Request { request: &request }).await
        {
            owns.insert(p.id, accounts);
        }
    }
    Ok(Known {
        list: Some(list),
        safes,
        owns,
    })
}

#[function_component(PasskeysCard)]
pub(crate) fn passkeys_card() -> Html {
    let network = use_context::<NetworkInfo>();
    let known = use_state(Known::default);
    let label = use_state(String::new);
    let chosen_passkey = use_state(String::new);
    let chosen_safe = use_state(String::new);
    let sponsored = use_state(|| true);
    let code = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let message = use_state(|| None::<String>);
    let busy = use_state(|| false);
    // The passkey whose own Safe is being asked for, and whether its warning was accepted.
    let confirming = use_state(|| None::<i64>);
    let accepted = use_state(|| false);
    let (mfa, _) = crate::hooks::use_mfa_status();
    let mfa_on = mfa.as_ref().is_some_and(|m| m.enabled);
    let has_paymaster = network.as_ref().is_some_and(|n| n.has_paymaster);
    let reload = {
        let (known, error) = (known.clone(), error.clone());
        Callback::from(move |_: ()| {
            let (known, error) = (known.clone(), error.clone());
            spawn_local(async move {
                match load().await {
                    Ok(k) => known.set(k),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    let make = {
        let (label, error, message, busy, reload) = (
            label.clone(),
            error.clone(),
            message.clone(),
            busy.clone(),
            reload.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = PasskeyLabel {
                label: label.trim().to_string(),
            };
            let (label, error, message, busy, reload) = (
                label.clone(),
                error.clone(),
                message.clone(),
                busy.clone(),
                reload.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match call::<_, PasskeyInfo>(cmd::PASSKEY_ADD, &Request { request: &request }).await
                {
                    Ok(_) => {
                        label.set(String::new());
                        error.set(None);
                        message.set(None);
                        reload.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let check = |id: i64| {
        let (error, message, reload) = (error.clone(), message.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let (error, message, reload) = (error.clone(), message.clone(), reload.clone());
            let request = PasskeyRequest { id };
            spawn_local(async move {
                match call::<_, PasskeyInfo>(cmd::PASSKEY_CHECK, &Request { request: &request })
                    .await
                {
                    Ok(_) => {
                        error.set(None);
                        message.set(Some(tr::checked().to_string()));
                        reload.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let forget = |id: i64| {
        let (error, message, reload) = (error.clone(), message.clone(), reload.clone());
        Callback::from(move |_: MouseEvent| {
            let (error, message, reload) = (error.clone(), message.clone(), reload.clone());
            let request = PasskeyRequest { id };
            spawn_local(async move {
                match call::<_, ()>(cmd::PASSKEY_REMOVE, &Request { request: &request }).await {
                    Ok(()) => {
                        error.set(None);
                        message.set(None);
                        reload.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let ask_safe = |id: i64| {
        let (confirming, accepted) = (confirming.clone(), accepted.clone());
        Callback::from(move |_: MouseEvent| {
            accepted.set(false);
            confirming.set(Some(id));
        })
    };
    let cancel_safe = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(None))
    };
    let toggle_accepted = {
        let accepted = accepted.clone();
        Callback::from(move |_: Event| accepted.set(!*accepted))
    };
    let make_safe = {
        let (confirming, accepted, error, message, busy, reload) = (
            confirming.clone(),
            accepted.clone(),
            error.clone(),
            message.clone(),
            busy.clone(),
            reload.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (Some(id), true) = (*confirming, *accepted) else {
                return;
            };
            let (confirming, error, message, busy, reload) = (
                confirming.clone(),
                error.clone(),
                message.clone(),
                busy.clone(),
                reload.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                let request = PasskeyRequest { id };
                match call::<_, SmartAccount>(cmd::PASSKEY_SAFE, &Request { request: &request })
                    .await
                {
                    Ok(safe) => {
                        confirming.set(None);
                        error.set(None);
                        message.set(Some(tr::safe_made(format!(
                            "{} ({})",
                            safe.name,
                            short(&safe.address)
                        ))));
                        reload.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    // One owner change on the chosen Safe: added or taken off.
    let change = |command: &'static str| {
        let (chosen_passkey, chosen_safe, sponsored, code, error, message, busy, reload) = (
            chosen_passkey.clone(),
            chosen_safe.clone(),
            sponsored.clone(),
            code.clone(),
            error.clone(),
            message.clone(),
            busy.clone(),
            reload.clone(),
        );
        let known = known.clone();
        Callback::from(move |_: MouseEvent| {
            let passkey_id = chosen_passkey
                .parse::<i64>()
                .ok()
                .or_else(|| {
                    known
                        .list
                        .as_ref()
                        .and_then(|l| l.passkeys.first().map(|p| p.id))
                })
                .unwrap_or(0);
            let account = if chosen_safe.is_empty() {
                known
                    .safes
                    .first()
                    .map(|s| s.address.clone())
                    .unwrap_or_default()
            } else {
                (*chosen_safe).clone()
            };
            let request = SafePasskeyRequest {
                account,
                passkey_id,
                sponsored: *sponsored && has_paymaster,
                mfa_code: Some(code.trim().to_string()).filter(|c| !c.is_empty()),
            };
            let (code, error, message, busy, reload) = (
                code.clone(),
                error.clone(),
                message.clone(),
                busy.clone(),
                reload.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match call::<_, Operation>(command, &Request { request: &request }).await {
                    Ok(_) => {
                        code.set(String::new());
                        error.set(None);
                        message.set(Some(tr::queued().to_string()));
                        reload.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let toggle_sponsored = {
        let sponsored = sponsored.clone();
        Callback::from(move |_: Event| sponsored.set(!*sponsored))
    };
    let Some(list) = known.list.clone() else {
        return html! {
            <section class="card" id="passkeys-card">
                <h2>{ tr::title() }</h2>
                <ErrorLine error={(*error).clone()} id="passkey-error" />
            </section>
        };
    };
    let names: HashMap<String, String> = known
        .safes
        .iter()
        .map(|s| (s.address.to_lowercase(), s.name.clone()))
        .collect();
    let owned_text = |id: i64| -> String {
        match known.owns.get(&id) {
            Some(accounts) if !accounts.is_empty() => tr::owns(
                accounts
                    .iter()
                    .map(|a| {
                        names
                            .get(&a.to_lowercase())
                            .map_or_else(|| short(a), |n| format!("{n} ({})", short(a)))
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            _ => tr::owns_none().to_string(),
        }
    };
    html! {
        <section class="card" id="passkeys-card">
            <h2>{ tr::title() }</h2>
            <p class="muted small">{ tr::note() }</p>
            if !list.available {
                <p class="notice" id="passkeys-unavailable">{ tr::unavailable() }</p>
            }
            if list.passkeys.is_empty() {
                <p class="muted small" id="passkeys-none">{ tr::none() }</p>
            } else {
                <ul class="ops" id="passkey-list">
                    { for list.passkeys.iter().map(|p| html! {
                        <li class="passkey">
                            <b>{ p.label.clone() }</b>{ " · " }
                            <span class="muted small">{ match p.last_used_at {
                                Some(at) => tr::last_used(day_label(at)),
                                None => tr::never_used().to_string(),
                            } }</span>
                            <div class="small passkey-owns">{ owned_text(p.id) }</div>
                            if list.available {
                                <span class="row-actions">
                                    <button class="link passkey-check" onclick={check(p.id)}>{ tr::check() }</button>
                                    <button class="link passkey-forget" onclick={forget(p.id)}>{ tr::forget() }</button>
                                    <button class="link passkey-safe-new" onclick={ask_safe(p.id)}>{ tr::new_safe() }</button>
                                </span>
                            }
                            if *confirming == Some(p.id) {
                                <div class="notice warn" id="passkey-safe-warning" role="alertdialog" aria-labelledby="passkey-safe-warning-title">
                                    <b id="passkey-safe-warning-title">{ tr::safe_warning_title() }</b>
                                    <p class="small">{ tr::safe_warning() }</p>
                                    <label class="check"><input id="passkey-safe-accept" type="checkbox" checked={*accepted} onchange={toggle_accepted.clone()} />{ tr::safe_warning_ok() }</label>
                                    <div class="row-actions">
                                        <button id="passkey-safe-confirm" class="secondary" disabled={*busy || !*accepted} onclick={make_safe.clone()}>{ tr::safe_make() }</button>
                                        <button id="passkey-safe-cancel" class="link" onclick={cancel_safe.clone()}>{ tr::cancel() }</button>
                                    </div>
                                </div>
                            }
                        </li>
                    }) }
                </ul>
            }
            if list.available {
                <form onsubmit={make}>
                    <label for="passkey-label">{ tr::label() }</label>
                    <input id="passkey-label" type="text" maxlength="64" placeholder={tr::label_placeholder()} required=true value={(*label).clone()} oninput={field(&label)} />
                    <button id="passkey-make" type="submit" class="secondary wide" disabled={*busy}>{ tr::make() }</button>
                </form>
                if !list.passkeys.is_empty() && !known.safes.is_empty() {
                    <div class="passkey-owner-change">
                        <label for="passkey-choice">{ tr::passkey() }</label>
                        <select id="passkey-choice" onchange={select_field(&chosen_passkey)}>
                            { for list.passkeys.iter().map(|p| html! {
                                <option value={p.id.to_string()} selected={*chosen_passkey == p.id.to_string()}>{ p.label.clone() }</option>
                            }) }
                        </select>
                        <label for="passkey-safe">{ tr::safe() }</label>
                        <select id="passkey-safe" onchange={select_field(&chosen_safe)}>
                            { for known.safes.iter().map(|s| html! {
                                <option value={s.address.clone()} selected={*chosen_safe == s.address}>{ format!("{} ({})", s.name, short(&s.address)) }</option>
                            }) }
                        </select>
                        if has_paymaster {
                            <label class="check"><input id="passkey-sponsored" type="checkbox" checked={*sponsored} onchange={toggle_sponsored} />{ tr::sponsored() }</label>
                        }
                        if mfa_on {
                            <CodeInput id="passkey-code" label={crate::i18n::security::code_or_recovery()} state={code.clone()} required=false />
                        }
                        <div class="row-actions">
                            <button id="passkey-to-safe" class="secondary" disabled={*busy} onclick={change(cmd::SAFE_PASSKEY_ADD)}>{ tr::add_to_safe() }</button>
                            <button id="passkey-off-safe" class="link" disabled={*busy} onclick={change(cmd::SAFE_PASSKEY_REMOVE)}>{ tr::take_off_safe() }</button>
                        </div>
                    </div>
                }
            }
            if let Some(m) = (*message).clone() {
                <p class="ok small" id="passkey-message">{ m }</p>
            }
            <ErrorLine error={(*error).clone()} id="passkey-error" />
        </section>
    }
}
