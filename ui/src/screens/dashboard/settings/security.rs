//! Two-factor authentication and the spending policy: enrolment (QR code, the secret for
//! manual entry, the recovery codes shown once, confirmed by a first code), then the policy,
//! changed only with a code. The core decides and enforces; this card only shows and asks.

use cairn_api::{
    cmd, ApiError, MfaCodeRequest, MfaDisableRequest, MfaEnrollRequest, MfaEnrollment, MfaStatus,
    Policy, RecoveryCodes, RecoveryCodesRequest, SetPolicyRequest,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{field, CodeInput, ErrorLine, Qr};
use crate::hooks::use_mfa_status;
use crate::i18n::security as tr;
use crate::ipc::{call, call_sealed, Request};

fn opt(text: &str) -> Option<String> {
    let t = text.trim();
    (!t.is_empty()).then(|| t.to_string())
}

#[function_component(SecurityCard)]
pub(crate) fn security_card() -> Html {
    let (status, reload) = use_mfa_status();
    let password = use_state(String::new);
    let enrollment = use_state(|| None::<MfaEnrollment>);
    let code = use_state(String::new);
    let per_send = use_state(String::new);
    let per_day = use_state(String::new);
    let per_send_fiat = use_state(String::new);
    let per_day_fiat = use_state(String::new);
    let mfa_score = use_state(String::new);
    let block_score = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let saved = use_state(|| false);
    let off_password = use_state(String::new);
    let off_code = use_state(String::new);
    let disable = {
        let (off_password, off_code, error, reload) = (
            off_password.clone(),
            off_code.clone(),
            error.clone(),
            reload.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = MfaDisableRequest {
                password: (*off_password).clone(),
                code: off_code.trim().to_string(),
            };
            let (off_password, off_code, error, reload) = (
                off_password.clone(),
                off_code.clone(),
                error.clone(),
                reload.clone(),
            );
            spawn_local(async move {
                let result = call_sealed::<_, ()>(cmd::MFA_DISABLE, &request).await;
                off_password.set(String::new());
                off_code.set(String::new());
                match result {
                    Ok(()) => {
                        error.set(None);
                        reload.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    // The policy form starts from the policy in force.
    {
        let (per_send, per_day, per_send_fiat, per_day_fiat, mfa_score, block_score) = (
            per_send.clone(),
            per_day.clone(),
            per_send_fiat.clone(),
            per_day_fiat.clone(),
            mfa_score.clone(),
            block_score.clone(),
        );
        use_effect_with((*status).clone(), move |status| {
            if let Some(p) = status.as_ref().map(|s| &s.policy) {
                per_send.set(p.per_send.clone().unwrap_or_default());
                per_day.set(p.per_day.clone().unwrap_or_default());
                per_send_fiat.set(p.per_send_fiat.clone().unwrap_or_default());
                per_day_fiat.set(p.per_day_fiat.clone().unwrap_or_default());
                mfa_score.set(p.mfa_above_score.map(|v| v.to_string()).unwrap_or_default());
                block_score.set(
                    p.block_above_score
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                );
            }
        });
    }
    let enroll = {
        let (password, enrollment, error) = (password.clone(), enrollment.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = MfaEnrollRequest {
                password: (*password).clone(),
            };
            let (password, enrollment, error) =
                (password.clone(), enrollment.clone(), error.clone());
            spawn_local(async move {
                match call_sealed::<_, MfaEnrollment>(cmd::MFA_ENROLL, &request).await {
                    Ok(en) => {
                        password.set(String::new());
                        error.set(None);
                        enrollment.set(Some(en));
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let confirm = {
        let (code, enrollment, error, reload) = (
            code.clone(),
            enrollment.clone(),
            error.clone(),
            reload.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = MfaCodeRequest {
                code: code.trim().to_string(),
            };
            let (code, enrollment, error, reload) = (
                code.clone(),
                enrollment.clone(),
                error.clone(),
                reload.clone(),
            );
            spawn_local(async move {
                match call::<_, ()>(cmd::MFA_CONFIRM, &Request { request: &request }).await {
                    Ok(()) => {
                        code.set(String::new());
                        error.set(None);
                        enrollment.set(None);
                        reload.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let save_policy = {
        let (per_send, per_day, per_send_fiat, per_day_fiat) = (
            per_send.clone(),
            per_day.clone(),
            per_send_fiat.clone(),
            per_day_fiat.clone(),
        );
        let (mfa_score, block_score, code, error, saved, status) = (
            mfa_score.clone(),
            block_score.clone(),
            code.clone(),
            error.clone(),
            saved.clone(),
            status.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = SetPolicyRequest {
                policy: Policy {
                    per_send: opt(&per_send),
                    per_day: opt(&per_day),
                    per_send_fiat: opt(&per_send_fiat),
                    per_day_fiat: opt(&per_day_fiat),
                    mfa_above_score: opt(&mfa_score).and_then(|s| s.parse().ok()),
                    block_above_score: opt(&block_score).and_then(|s| s.parse().ok()),
                },
                code: opt(&code),
            };
            let (code, error, saved, status) =
                (code.clone(), error.clone(), saved.clone(), status.clone());
            spawn_local(async move {
                match call::<_, MfaStatus>(cmd::SET_POLICY, &Request { request: &request }).await {
                    Ok(s) => {
                        code.set(String::new());
                        error.set(None);
                        saved.set(true);
                        status.set(Some(s));
                    }
                    Err(e) => {
                        saved.set(false);
                        error.set(Some(e));
                    }
                }
            });
        })
    };
    let body = match (&*status, &*enrollment) {
        (_, Some(en)) => html! {
            <>
                <p>{ tr::scan() }</p>
                <Qr id="mfa-qr" svg={en.qr_svg.clone()} />
                <p class="mono address-big" id="mfa-secret">{ en.secret_base32.clone() }</p>
                <p class="muted">{ tr::recovery_note() }</p>
                <ul class="recovery" id="mfa-recovery">
                    { for en.recovery_codes.iter().map(|c| html! { <li class="mono">{ c.clone() }</li> }) }
                </ul>
                <form onsubmit={confirm}>
                    <CodeInput id="mfa-code" label={tr::code_now()} state={code.clone()} required=true />
                    <button id="mfa-confirm" type="submit" class="primary wide">{ tr::turn_on() }</button>
                </form>
            </>
        },
        (Some(s), None) if s.enabled => html! {
            <>
                <p class="ok" id="mfa-state">{ if s.recovery_codes_left == 1 { tr::state_on_one(1) } else { tr::state_on(s.recovery_codes_left) } }</p>
                <p class="muted small" id="policy-current">{ tr::policy_current(
                    s.policy.per_send.clone().unwrap_or(tr::no_limit().into()),
                    s.policy.per_day.clone().unwrap_or(tr::no_limit().into()),
                    match (&s.policy.per_send_fiat, &s.policy.per_day_fiat) {
                        (None, None) => String::new(),
                        (a, b) => tr::policy_fiat(
                            a.clone().unwrap_or(tr::no_limit().into()),
                            b.clone().unwrap_or(tr::no_limit().into())
                        ),
                    },
                    s.policy.mfa_above_score.map(|v| v.to_string()).unwrap_or(tr::score_never().into()),
                    s.policy.block_above_score.unwrap_or(100),
                ) }</p>
                <form onsubmit={save_policy}>
                    <label for="policy-per-send">{ tr::per_send_label() }</label>
                    <input id="policy-per-send" type="text" inputmode="decimal" placeholder={tr::no_limit()} value={(*per_send).clone()} oninput={field(&per_send)} />
                    <label for="policy-per-day">{ tr::per_day_label() }</label>
                    <input id="policy-per-day" type="text" inputmode="decimal" placeholder={tr::no_limit()} value={(*per_day).clone()} oninput={field(&per_day)} />
                    <label for="policy-per-send-fiat">{ tr::per_send_fiat_label() }</label>
                    <input id="policy-per-send-fiat" type="text" inputmode="decimal" placeholder={tr::no_limit()} value={(*per_send_fiat).clone()} oninput={field(&per_send_fiat)} />
                    <label for="policy-per-day-fiat">{ tr::per_day_fiat_label() }</label>
                    <input id="policy-per-day-fiat" type="text" inputmode="decimal" placeholder={tr::no_limit()} value={(*per_day_fiat).clone()} oninput={field(&per_day_fiat)} />
                    <p class="muted small">{ tr::no_price_note() }</p>
                    <label for="policy-mfa-score">{ tr::mfa_score_label() }</label>
                    <input id="policy-mfa-score" type="text" inputmode="numeric" placeholder={tr::never()} value={(*mfa_score).clone()} oninput={field(&mfa_score)} />
                    <label for="policy-block-score">{ tr::block_score_label() }</label>
                    <input id="policy-block-score" type="text" inputmode="numeric" placeholder="100" value={(*block_score).clone()} oninput={field(&block_score)} />
                    <CodeInput id="policy-code" label={tr::code_from_app()} state={code.clone()} required=true />
                    <button id="policy-save" type="submit" class="primary wide">{ tr::save_policy() }</button>
                </form>
                if *saved { <p class="ok" id="policy-saved">{ tr::policy_saved() }</p> }
                <NewRecoveryCodes changed={reload.clone()} />
                <details class="turn-off">
                    <summary id="mfa-off-open">{ tr::turn_off_open() }</summary>
                    <form onsubmit={disable}>
                        <p class="muted small">{ tr::turn_off_note() }</p>
                        <label for="mfa-off-password">{ tr::password() }</label>
                        <input id="mfa-off-password" type="password" autocomplete="current-password" required=true value={(*off_password).clone()} oninput={field(&off_password)} />
                        <CodeInput id="mfa-off-code" label={tr::code_or_recovery()} state={off_code.clone()} required=true />
                        <button id="mfa-off" type="submit" class="secondary wide">{ tr::turn_off() }</button>
                    </form>
                </details>
            </>
        },
        _ => html! {
            <form onsubmit={enroll}>
                <p class="muted">{ tr::enroll_intro() }</p>
                <label for="mfa-password">{ tr::password() }</label>
                <input id="mfa-password" type="password" required=true value={(*password).clone()} oninput={field(&password)} />
                <button id="mfa-enroll" type="submit" class="primary wide">{ tr::set_up() }</button>
            </form>
        },
    };
    html! {
        <section class="card" id="security">
            <h2>{ tr::title() }</h2>
            { body }
            <ErrorLine error={(*error).clone()} id="security-error" />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct NewCodesProps {
    /// The count of codes left changed.
    changed: Callback<()>,
}

/// Ten new recovery codes for the password and a code, shown once; the old ones stop working.
#[function_component(NewRecoveryCodes)]
fn new_recovery_codes(props: &NewCodesProps) -> Html {
    let password = use_state(String::new);
    let code = use_state(String::new);
    let codes = use_state(Vec::<String>::new);
    let error = use_state(|| None::<ApiError>);
    let submit = {
        let (password, code, codes, error, changed) = (
            password.clone(),
            code.clone(),
            codes.clone(),
            error.clone(),
            props.changed.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = RecoveryCodesRequest {
                password: (*password).clone(),
                code: code.trim().to_string(),
            };
            let (password, code, codes, error, changed) = (
                password.clone(),
                code.clone(),
                codes.clone(),
                error.clone(),
                changed.clone(),
            );
            spawn_local(async move {
                let result =
                    call_sealed::<_, RecoveryCodes>(cmd::MFA_NEW_RECOVERY_CODES, &request).await;
                password.set(String::new());
                code.set(String::new());
                match result {
                    Ok(r) => {
                        error.set(None);
                        codes.set(r.codes);
                        changed.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let done = {
        let codes = codes.clone();
        Callback::from(move |_: MouseEvent| codes.set(Vec::new()))
    };
    html! {
        <details class="turn-off" id="mfa-new-codes">
            <summary id="mfa-new-codes-open">{ tr::new_codes() }</summary>
            if codes.is_empty() {
                <form onsubmit={submit}>
                    <p class="muted small">{ tr::new_codes_note() }</p>
                    <label for="mfa-new-codes-password">{ tr::password() }</label>
                    <input id="mfa-new-codes-password" type="password" autocomplete="current-password" required=true value={(*password).clone()} oninput={field(&password)} />
                    <CodeInput id="mfa-new-codes-code" label={tr::code_or_recovery()} state={code.clone()} required=true />
                    <button id="mfa-new-codes-make" type="submit" class="secondary wide">{ tr::make_codes() }</button>
                </form>
            } else {
                <p class="muted">{ tr::write_down() }</p>
                <ul class="recovery" id="mfa-new-codes-list">
                    { for codes.iter().map(|c| html! { <li class="mono">{ c.clone() }</li> }) }
                </ul>
                <button id="mfa-new-codes-done" class="secondary wide" onclick={done}>{ tr::wrote_down() }</button>
            }
            <ErrorLine error={(*error).clone()} id="mfa-new-codes-error" />
        </details>
    }
}
