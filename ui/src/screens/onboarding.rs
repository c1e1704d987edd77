//! The first start: create a wallet (then confirm the backup of its phrase) or import one.

use cairn_api::{
    cmd, Account, ApiError, CreateWalletRequest, CreatedWallet, ImportWalletRequest, NetworkInfo,
    WordCount,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{
    acceptable, field, invalid_input, ErrorLine, NetworkBadge, RecoveryWords, StrengthHint,
    TabButton, WordCheck,
};
use crate::i18n::onboarding as tr;
use crate::ipc::call_sealed;
use crate::Screen;

#[derive(Properties, PartialEq)]
pub(crate) struct ScreenProps {
    pub network: NetworkInfo,
    pub go: Callback<Screen>,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Create,
    Import,
}

#[function_component(Onboarding)]
pub(crate) fn onboarding(props: &ScreenProps) -> Html {
    let mode = use_state(|| Mode::Create);
    let password = use_state(String::new);
    let confirm = use_state(String::new);
    let words = use_state(|| WordCount::Twelve);
    let secret = use_state(String::new);
    let passphrase = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let recover = use_state(String::new);

    let onsubmit = {
        let (mode, password, confirm, words, secret, passphrase, error, busy) = (
            mode.clone(),
            password.clone(),
            confirm.clone(),
            words.clone(),
            secret.clone(),
            passphrase.clone(),
            error.clone(),
            busy.clone(),
        );
        let (network, go) = (props.network.clone(), props.go.clone());
        let recover = recover.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *password != *confirm {
                error.set(Some(invalid_input(tr::passwords_differ())));
                return;
            }
            // The Safe to recover, for the recovery panel to pick up after the backup.
            crate::screens::dashboard::remember_recovery(recover.trim());
            let (error, busy, network, go) =
                (error.clone(), busy.clone(), network.clone(), go.clone());
            busy.set(true);
            error.set(None);
            let mode = *mode;
            let (password, words, secret, passphrase) = (
                (*password).clone(),
                *words,
                (*secret).clone(),
                (*passphrase).clone(),
            );
            spawn_local(async move {
                let next = match mode {
                    Mode::Create => {
                        let request = CreateWalletRequest { password, words };
                        call_sealed::<_, CreatedWallet>(cmd::CREATE, &request)
                            .await
                            .map(|created| Screen::Backup { network, created })
                    }
                    Mode::Import => {
                        let passphrase = (!passphrase.is_empty()).then_some(passphrase);
                        let request = ImportWalletRequest {
                            password,
                            secret,
                            passphrase,
                        };
                        call_sealed::<_, Account>(cmd::IMPORT_WALLET, &request)
                            .await
                            .map(|_| Screen::Dashboard { network })
                    }
                };
                match next {
                    Ok(screen) => go.emit(screen),
                    Err(e) => {
                        error.set(Some(e));
                        busy.set(false);
                    }
                }
            });
        })
    };
    let pick = |count: WordCount| {
        let words = words.clone();
        Callback::from(move |_| words.set(count))
    };
    let switch = |to: Mode| {
        let (mode, error) = (mode.clone(), error.clone());
        Callback::from(move |_| {
            mode.set(to);
            error.set(None);
        })
    };
    let reveal = use_state(|| false);
    let toggle_reveal = {
        let reveal = reveal.clone();
        Callback::from(move |_: MouseEvent| reveal.set(!*reveal))
    };
    let creating = *mode == Mode::Create;
    html! {
        <section class="card">
            <div class="tabs" role="tablist">
                <TabButton id="tab-create" label={tr::new_wallet_tab()} active={creating} onclick={switch(Mode::Create)} />
                <TabButton id="tab-import" label={tr::import_tab()} active={!creating} onclick={switch(Mode::Import)} />
            </div>
            <h1>{ if creating { tr::create_title() } else { tr::import_title() } }</h1>
            <p class="muted">{ tr::password_intro() }</p>
            <form {onsubmit}>
                if !creating {
                    <label for="import-secret">{ tr::secret_label() }</label>
                    // A masked field: WebKit hands the text of a plain field to the app process
                    // (input-method context), where it outlives the lock; a password field's
                    // text it keeps to the page.
                    <div class="row">
                        <input id="import-secret" type={if *reveal { "text" } else { "password" }} autocomplete="off" spellcheck="false" value={(*secret).clone()} oninput={field(&secret)} />
                        <button id="import-reveal" type="button" class="secondary" onclick={toggle_reveal}>{ if *reveal { tr::hide() } else { tr::show() } }</button>
                    </div>
                    if *reveal {
                        <p class="small muted">{ tr::shown_warning() }</p>
                    }
                    <label for="import-passphrase">{ tr::passphrase_label() }</label>
                    <input id="import-passphrase" type="password" autocomplete="off" value={(*passphrase).clone()} oninput={field(&passphrase)} />
                }
                <label for="password">{ tr::password() }</label>
                <input id="password" type="password" autocomplete="new-password" minlength="8" required=true aria-describedby="password-strength" value={(*password).clone()} oninput={field(&password)} />
                <StrengthHint id="password-strength" value={(*password).clone()} />
                <label for="password-confirm">{ tr::repeat_password() }</label>
                <input id="password-confirm" type="password" autocomplete="new-password" required=true value={(*confirm).clone()} oninput={field(&confirm)} />
                if creating {
                    <fieldset class="choice">
                        <legend>{ tr::recovery_phrase() }</legend>
                        <label><input type="radio" name="words" checked={*words == WordCount::Twelve} onclick={pick(WordCount::Twelve)} />{ tr::twelve_words() }</label>
                        <label><input type="radio" name="words" checked={*words == WordCount::TwentyFour} onclick={pick(WordCount::TwentyFour)} />{ tr::twenty_four_words() }</label>
                    </fieldset>
                }
                <ErrorLine error={(*error).clone()} id="error" />
                <button id="create" type="submit" class="primary" disabled={*busy || !acceptable(&password)}>
                    { match (creating, *busy) { (true, false) => tr::create_button(), (true, true) => tr::creating(), (false, false) => tr::import_button(), (false, true) => tr::importing() } }
                </button>
            </form>
            if creating {
                <details class="more" id="recover-details">
                    <summary>{ tr::recover_summary() }</summary>
                    <p class="small muted" id="recover-hint">{ tr::recover_hint() }</p>
                    <label for="recover-safe">{ tr::recover_safe_label() }</label>
                    <input id="recover-safe" type="text" class="mono" placeholder="0x…" value={(*recover).clone()} oninput={field(&recover)} />
                </details>
            }
            <NetworkBadge network={props.network.clone()} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct BackupProps {
    pub network: NetworkInfo,
    pub created: CreatedWallet,
    pub go: Callback<Screen>,
}

/// The new phrase, then the word check. "Later" is allowed: the dashboard then reminds until
/// the check is passed.
#[function_component(Backup)]
pub(crate) fn backup(props: &BackupProps) -> Html {
    let checking = use_state(|| false);
    let to_dashboard = {
        let (network, go) = (props.network.clone(), props.go.clone());
        Callback::from(move |_: ()| {
            go.emit(Screen::Dashboard {
                network: network.clone(),
            })
        })
    };
    let later = to_dashboard.reform(|_: MouseEvent| ());
    let written = {
        let checking = checking.clone();
        Callback::from(move |_: MouseEvent| checking.set(true))
    };
    let back = {
        let checking = checking.clone();
        Callback::from(move |_: MouseEvent| checking.set(false))
    };
    html! {
        <section class="card">
            if *checking {
                <h1>{ tr::check_title() }</h1>
                <WordCheck key_source_id={props.created.account.key_source_id} done={to_dashboard} />
                <button id="backup-back" type="button" class="secondary" onclick={back}>{ tr::show_words_again() }</button>
            } else {
                <h1>{ tr::write_down_title() }</h1>
                <p class="muted">{ tr::write_down_intro() }</p>
                <RecoveryWords id="backup-words" phrase={props.created.mnemonic.clone()} />
                <button id="backup-done" class="primary" onclick={written}>{ tr::written_down() }</button>
                <button id="backup-later" type="button" class="secondary" onclick={later}>{ tr::back_up_later() }</button>
                <p class="muted small">{ tr::later_note() }</p>
            }
        </section>
    }
}
