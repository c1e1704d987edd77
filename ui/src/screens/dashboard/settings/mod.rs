//! The settings tab: auto-lock, the recovery phrase (shown only after the password, and the
//! second factor's code when it is on), the password change; then the cards of `security`
//! (prices, two-factor and the spending policy), `contacts` and `networks`.

mod appearance;
mod bridge;
mod contacts;
mod networks;
mod passkeys;
mod prices;
mod recovery;
mod security;

use cairn_api::{
    cmd, ApiError, ChangePasswordRequest, ExportRequest, ExportedSecret, NetworkInfo,
    SetAutoLockRequest, SetQuietRequest, Settings,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{
    acceptable, field, invalid_input, select_value, CodeInput, ErrorLine, RecoveryWords,
    StrengthHint,
};
use crate::hooks::{hd_source, use_accounts, use_mfa_status};
use crate::i18n::settings as tr;
use crate::ipc::{call, call_sealed, NoArgs, Request};

#[derive(Properties, PartialEq)]
pub(crate) struct SettingsTabProps {
    /// Called with the network now in use.
    pub switched: Callback<NetworkInfo>,
    /// Opens the audit log.
    pub open_audit: Callback<()>,
}

#[function_component(SettingsTab)]
pub(crate) fn settings_tab(props: &SettingsTabProps) -> Html {
    let open_audit = props.open_audit.reform(|_: MouseEvent| ());
    html! {
        <>
            <SettingsPage />
            <appearance::AppearanceCard />
            <prices::PricesCard />
            <security::SecurityCard />
            <contacts::ContactsCard />
            <networks::NetworksCard switched={props.switched.clone()} />
            <bridge::BridgeCard />
            <passkeys::PasskeysCard />
            <section class="card">
                <h2>{ tr::audit_log() }</h2>
                <p class="muted small">{ tr::audit_log_note() }</p>
                <button id="nav-audit" class="secondary" onclick={open_audit}>{ tr::open_audit_log() }</button>
            </section>
            // Last: it fills in from the chain after the page is shown, and grows; above the
            // other cards it moved them under the pointer.
            <recovery::RecoveryCard />
        </>
    }
}

/// The cards of the settings page a message can belong to.
#[derive(Clone, Copy, PartialEq)]
enum Card {
    AutoLock,
    Quiet,
    Phrase,
    Password,
}

#[function_component(SettingsPage)]
fn settings_page() -> Html {
    let settings = use_state(|| None::<Settings>);
    // What the last action said, and on which card: shown there, where the user is looking.
    let message = use_state(|| None::<(Card, Result<String, ApiError>)>);
    let new_pw2 = use_state(String::new);
    let old_pw = use_state(String::new);
    let new_pw = use_state(String::new);
    let export_pw = use_state(String::new);
    let phrase = use_state(|| None::<String>);
    // The phrase shown is the one new accounts derive from.
    let accounts = use_accounts();
    let source = hd_source(&accounts.list);
    {
        let settings = settings.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(s) = call::<_, Settings>(cmd::SETTINGS, &NoArgs {}).await {
                    settings.set(Some(s));
                }
            });
        });
    }
    let on_auto_lock = {
        let (settings, message) = (settings.clone(), message.clone());
        Callback::from(move |e: Event| {
            let secs: u64 = select_value(&e).parse().unwrap_or(300);
            let (settings, message) = (settings.clone(), message.clone());
            spawn_local(async move {
                let request = SetAutoLockRequest { secs };
                match call::<_, ()>(cmd::SET_AUTO_LOCK, &Request { request: &request }).await {
                    Ok(()) => {
                        if let Ok(s) = call::<_, Settings>(cmd::SETTINGS, &NoArgs {}).await {
                            settings.set(Some(s));
                        }
                        message.set(Some((Card::AutoLock, Ok(tr::locks_after(secs / 60)))));
                    }
                    Err(e) => message.set(Some((Card::AutoLock, Err(e)))),
                }
            });
        })
    };
    let change = {
        let (old_pw, new_pw, new_pw2, message) = (
            old_pw.clone(),
            new_pw.clone(),
            new_pw2.clone(),
            message.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *new_pw != *new_pw2 {
                // Typed again from the start, like after any attempt.
                old_pw.set(String::new());
                new_pw.set(String::new());
                new_pw2.set(String::new());
                message.set(Some((
                    Card::Password,
                    Err(invalid_input(tr::passwords_differ())),
                )));
                return;
            }
            message.set(None);
            let request = ChangePasswordRequest {
                old_password: (*old_pw).clone(),
                new_password: (*new_pw).clone(),
            };
            let (old_pw, new_pw, new_pw2, message) = (
                old_pw.clone(),
                new_pw.clone(),
                new_pw2.clone(),
                message.clone(),
            );
            spawn_local(async move {
                let result = call_sealed::<_, ()>(cmd::CHANGE_PASSWORD, &request).await;
                old_pw.set(String::new());
                new_pw.set(String::new());
                new_pw2.set(String::new());
                message.set(Some((
                    Card::Password,
                    result.map(|_| tr::password_changed().to_string()),
                )));
            });
        })
    };
    let (mfa, _) = use_mfa_status();
    let mfa_on = mfa.as_ref().is_some_and(|m| m.enabled);
    let export_code = use_state(String::new);
    let export = {
        let (export_pw, phrase, message, export_code) = (
            export_pw.clone(),
            phrase.clone(),
            message.clone(),
            export_code.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(key_source_id) = source else { return };
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
                match call_sealed::<_, ExportedSecret>(cmd::EXPORT_MNEMONIC, &request).await {
                    Ok(secret) => {
                        phrase.set(Some(secret.secret));
                        message.set(None);
                    }
                    Err(e) => message.set(Some((Card::Phrase, Err(e)))),
                }
            });
        })
    };
    let hide_phrase = {
        let phrase = phrase.clone();
        Callback::from(move |_| phrase.set(None))
    };
    let on_quiet = {
        let (settings, message) = (settings.clone(), message.clone());
        Callback::from(move |e: Event| {
            let quiet = e
                .target_unchecked_into::<web_sys::HtmlInputElement>()
                .checked();
            let (settings, message) = (settings.clone(), message.clone());
            spawn_local(async move {
                let request = SetQuietRequest { quiet };
                match call::<_, ()>(cmd::SET_QUIET, &Request { request: &request }).await {
                    Ok(()) => {
                        if let Ok(s) = call::<_, Settings>(cmd::SETTINGS, &NoArgs {}).await {
                            settings.set(Some(s));
                        }
                        message.set(Some((
                            Card::Quiet,
                            Ok(if quiet {
                                tr::quiet_on().to_string()
                            } else {
                                tr::quiet_off().to_string()
                            }),
                        )));
                    }
                    Err(e) => message.set(Some((Card::Quiet, Err(e)))),
                }
            });
        })
    };
    let quiet = settings.as_ref().is_some_and(|s| s.quiet);
    let current = settings.as_ref().map_or(300, |s| s.auto_lock_secs);
    let said = |card: Card| match &*message {
        Some((c, Ok(text))) if *c == card => {
            html! { <p class="ok" id="settings-message" role="status">{ text.clone() }</p> }
        }
        Some((c, Err(e))) if *c == card => {
            html! { <ErrorLine error={Some(e.clone())} id="settings-error" /> }
        }
        _ => html! {},
    };
    html! {
        <>
            <section class="card">
                <h2>{ tr::auto_lock() }</h2>
                <label for="auto-lock">{ tr::lock_after() }</label>
                <select id="auto-lock" onchange={on_auto_lock}>
                    { for [60u64, 120, 300, 600, 900].into_iter().map(|s| html! {
                        <option value={s.to_string()} selected={s == current}>{ tr::minutes(s / 60) }</option>
                    }) }
                </select>
                { said(Card::AutoLock) }
                if let Some(s) = &*settings {
                    <p class="muted small">{ if s.device_secret { tr::keychain_and_password() } else { tr::password_only() } }</p>
                }
            </section>
            <section class="card">
                <h2>{ tr::network_traffic() }</h2>
                <label class="check" for="quiet">
                    <input id="quiet" type="checkbox" checked={quiet} onchange={on_quiet} />
                    { tr::quiet_mode() }
                </label>
                <p class="muted small">{ tr::quiet_note() }</p>
                { said(Card::Quiet) }
            </section>
            <section class="card">
                <h2>{ tr::recovery_phrase() }</h2>
                if let Some(words) = &*phrase {
                    <RecoveryWords id="export-words" phrase={words.clone()} />
                    <button id="export-hide" class="secondary" onclick={hide_phrase}>{ tr::hide() }</button>
                } else {
                    <form onsubmit={export}>
                        <p class="muted">{ tr::enter_password_again() }</p>
                        <label for="export-password">{ tr::password() }</label>
                        <input id="export-password" type="password" autocomplete="current-password" required=true value={(*export_pw).clone()} oninput={field(&export_pw)} />
                        if mfa_on {
                            <CodeInput id="export-code" label={tr::authenticator_code()} state={export_code.clone()} required=true />
                        }
                        <button id="export" type="submit" class="primary" disabled={source.is_none()}>{ tr::show_phrase() }</button>
                    </form>
                }
                { said(Card::Phrase) }
            </section>
            <section class="card">
                <h2>{ tr::change_password() }</h2>
                <form onsubmit={change}>
                    <label for="old-password">{ tr::current_password() }</label>
                    <input id="old-password" type="password" autocomplete="current-password" required=true value={(*old_pw).clone()} oninput={field(&old_pw)} />
                    <label for="new-password">{ tr::new_password() }</label>
                    <input id="new-password" type="password" autocomplete="new-password" minlength="8" required=true aria-describedby="new-password-strength" value={(*new_pw).clone()} oninput={field(&new_pw)} />
                    <StrengthHint id="new-password-strength" value={(*new_pw).clone()} />
                    <label for="new-password-repeat">{ tr::repeat_new_password() }</label>
                    <input id="new-password-repeat" type="password" autocomplete="new-password" required=true value={(*new_pw2).clone()} oninput={field(&new_pw2)} />
                    { said(Card::Password) }
                    <button id="change-password" type="submit" class="primary" disabled={!acceptable(&new_pw)}>{ tr::change_password() }</button>
                </form>
            </section>
        </>
    }
}
