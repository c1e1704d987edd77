//! The recovery-phrase backup: the word check (the user types back words the core picks from
//! the phrase) and the reminder that stays on the dashboard until a phrase made here passed it.

use cairn_api::{
    cmd, ApiError, BackupChallenge, BackupChallengeRequest, ConfirmBackupRequest, ExportRequest,
    ExportedSecret, PendingBackup,
};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::{field, CodeInput, ErrorLine, RecoveryWords};
use crate::hooks::use_mfa_status;
use crate::i18n::components as tr;
use crate::ipc::{call, call_sealed, NoArgs, Request};

#[derive(Properties, PartialEq)]
pub(crate) struct WordCheckProps {
    pub key_source_id: i64,
    /// Called once the words matched and the core recorded the backup.
    pub done: Callback<()>,
}

/// Asks for the words at the positions the core chose; masked fields, like the import field,
/// so the words stay in the page's process.
#[function_component(WordCheck)]
pub(crate) fn word_check(props: &WordCheckProps) -> Html {
    let challenge = use_state(|| None::<BackupChallenge>);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let inputs = use_mut_ref(Vec::<NodeRef>::new);
    {
        let (challenge, error) = (challenge.clone(), error.clone());
        let key_source_id = props.key_source_id;
        use_effect_with(key_source_id, move |_| {
            spawn_local(async move {
                let request = BackupChallengeRequest { key_source_id };
                match call::<_, BackupChallenge>(
                    cmd::BACKUP_CHALLENGE,
                    &Request { request: &request },
                )
                .await
                {
                    Ok(c) => challenge.set(Some(c)),
                    Err(e) => error.set(Some(e)),
                }
            });
        });
    }
    let Some(c) = (*challenge).clone() else {
        return html! { <ErrorLine error={(*error).clone()} id="check-error" /> };
    };
    {
        let mut refs = inputs.borrow_mut();
        refs.resize_with(c.positions.len(), NodeRef::default);
    }
    let submit = {
        let (error, busy, inputs, done) = (
            error.clone(),
            busy.clone(),
            inputs.clone(),
            props.done.clone(),
        );
        let key_source_id = props.key_source_id;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let words: Vec<String> = inputs
                .borrow()
                .iter()
                .map(|r| {
                    r.cast::<HtmlInputElement>()
                        .map(|i| i.value())
                        .unwrap_or_default()
                })
                .collect();
            let request = ConfirmBackupRequest {
                key_source_id,
                words,
            };
            let (error, busy, done) = (error.clone(), busy.clone(), done.clone());
            busy.set(true);
            spawn_local(async move {
                match call_sealed::<_, ()>(cmd::CONFIRM_BACKUP, &request).await {
                    Ok(()) => done.emit(()),
                    Err(e) => {
                        error.set(Some(e));
                        busy.set(false);
                    }
                }
            });
        })
    };
    let refs = inputs.borrow().clone();
    html! {
        <form id="word-check" onsubmit={submit}>
            <p>{ tr::check_copy() }</p>
            { for c.positions.iter().zip(refs).enumerate().map(|(i, (p, r))| {
                let id = format!("check-word-{i}"); // i18n: not text
                html! {
                    <>
                        <label for={id.clone()}>{ tr::word_number(p) }</label>
                        <input id={id} ref={r} type="password" data-position={p.to_string()} autocomplete="off" spellcheck="false" autocapitalize="none" required=true />
                    </>
                }
            }) }
            <ErrorLine error={(*error).clone()} id="check-error" />
            <button id="check-words" type="submit" class="primary" disabled={*busy}>{ tr::check() }</button>
        </form>
    }
}

/// On the dashboard while a phrase made here is not backed up: why it matters, and the way
/// to do it now (the password again, the words, the check).
#[function_component(BackupReminder)]
pub(crate) fn backup_reminder() -> Html {
    let pending = use_state(Vec::<PendingBackup>::new);
    let reload = use_state(|| 0u32);
    {
        let pending = pending.clone();
        use_effect_with(*reload, move |_| {
            spawn_local(async move {
                if let Ok(p) = call::<_, Vec<PendingBackup>>(cmd::BACKUP_STATUS, &NoArgs {}).await {
                    pending.set(p);
                }
            });
        });
    }
    // Open: 0 closed, 1 asking for the password, 2 showing the words, 3 checking them.
    let step = use_state(|| 0u8);
    let password = use_state(String::new);
    let code = use_state(String::new);
    let phrase = use_state(|| None::<String>);
    let error = use_state(|| None::<ApiError>);
    let (mfa, _) = use_mfa_status();
    let mfa_on = mfa.as_ref().is_some_and(|m| m.enabled);
    let Some(first) = pending.first().cloned() else {
        return html! {};
    };
    let open = {
        let step = step.clone();
        Callback::from(move |_: MouseEvent| step.set(1))
    };
    let show = {
        let (step, password, code, phrase, error) = (
            step.clone(),
            password.clone(),
            code.clone(),
            phrase.clone(),
            error.clone(),
        );
        let key_source_id = first.key_source_id;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let typed = code.trim().to_string();
            let request = ExportRequest {
                password: (*password).clone(),
                key_source_id,
                mfa_code: (!typed.is_empty()).then_some(typed),
            };
            let (step, password, code, phrase, error) = (
                step.clone(),
                password.clone(),
                code.clone(),
                phrase.clone(),
                error.clone(),
            );
            spawn_local(async move {
                password.set(String::new());
                code.set(String::new());
                match call_sealed::<_, ExportedSecret>(cmd::EXPORT_MNEMONIC, &request).await {
                    Ok(secret) => {
                        phrase.set(Some(secret.secret));
                        error.set(None);
                        step.set(2);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let written = {
        let (step, phrase) = (step.clone(), phrase.clone());
        Callback::from(move |_: MouseEvent| {
            // The words leave the screen before they are asked for.
            phrase.set(None);
            step.set(3);
        })
    };
    let done = {
        let (step, reload) = (step.clone(), reload.clone());
        Callback::from(move |_| {
            step.set(0);
            reload.set(*reload + 1);
        })
    };
    html! {
        <section class="card warning" id="backup-reminder" role="status">
            <h2>{ tr::reminder_title() }</h2>
            <p>{ tr::reminder_text() }</p>
            { match *step {
                0 => html! {
                    <button id="backup-now" class="primary" onclick={open}>{ tr::back_up_now() }</button>
                },
                1 => html! {
                    <form onsubmit={show}>
                        <label for="backup-password">{ tr::password() }</label>
                        <input id="backup-password" type="password" autocomplete="current-password" required=true value={(*password).clone()} oninput={field(&password)} />
                        if mfa_on {
                            <CodeInput id="backup-code" label={tr::authenticator_code()} state={code.clone()} required=true />
                        }
                        <ErrorLine error={(*error).clone()} id="backup-error" />
                        <button id="backup-show" type="submit" class="primary">{ tr::show_words() }</button>
                    </form>
                },
                2 => html! {
                    <>
                        if let Some(words) = &*phrase {
                            <RecoveryWords id="backup-words" phrase={words.clone()} />
                        }
                        <p class="muted">{ tr::write_on_paper() }</p>
                        <button id="backup-written" class="primary" onclick={written}>{ tr::written_down() }</button>
                    </>
                },
                _ => html! { <WordCheck key_source_id={first.key_source_id} {done} /> },
            } }
        </section>
    }
}
