//! Guarded sending in the UI: two-factor enrolment (QR code, the secret for manual entry, the
//! recovery codes shown once, confirmed by a first code), the spending policy behind a code,
//! contacts, and the risk part of the send review (simulated changes, warnings by severity).
//! The core decides and enforces; these screens only show and ask.

use cairn_api::{
    cmd, Contact, MfaCodeRequest, MfaEnrollRequest, MfaEnrollment, MfaStatus, Policy, RiskReport,
    SetPolicyRequest,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::field;
use crate::ipc::{call, NoArgs, Request};

/// The second factor's state, loaded once per screen that needs it.
#[hook]
pub(crate) fn use_mfa_status() -> (UseStateHandle<Option<MfaStatus>>, Callback<()>) {
    let status = use_state(|| None::<MfaStatus>);
    let reload = {
        let status = status.clone();
        Callback::from(move |_: ()| {
            let status = status.clone();
            spawn_local(async move {
                if let Ok(s) = call::<_, MfaStatus>(cmd::MFA_STATUS, &NoArgs {}).await {
                    status.set(Some(s));
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    (status, reload)
}

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
    let mfa_score = use_state(String::new);
    let block_score = use_state(String::new);
    let error = use_state(|| None::<String>);
    let saved = use_state(|| false);
    // The policy form starts from the policy in force.
    {
        let (per_send, per_day, mfa_score, block_score) = (
            per_send.clone(),
            per_day.clone(),
            mfa_score.clone(),
            block_score.clone(),
        );
        use_effect_with((*status).clone(), move |status| {
            if let Some(p) = status.as_ref().map(|s| &s.policy) {
                per_send.set(p.per_send.clone().unwrap_or_default());
                per_day.set(p.per_day.clone().unwrap_or_default());
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
                match call::<_, MfaEnrollment>(cmd::MFA_ENROLL, &Request { request: &request })
                    .await
                {
                    Ok(en) => {
                        password.set(String::new());
                        error.set(None);
                        enrollment.set(Some(en));
                    }
                    Err(e) => error.set(Some(e.message)),
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
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    let save_policy = {
        let (per_send, per_day, mfa_score, block_score, code, error, saved, status) = (
            per_send.clone(),
            per_day.clone(),
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
                        error.set(Some(e.message));
                    }
                }
            });
        })
    };
    let body = match (&*status, &*enrollment) {
        (_, Some(en)) => html! {
            <>
                <p>{ "Scan this with your authenticator app, or type the secret in." }</p>
                // The SVG is made by the core from the otpauth URI: no user markup.
                <div class="qr" id="mfa-qr">{ Html::from_html_unchecked(en.qr_svg.clone().into()) }</div>
                <p class="mono address-big" id="mfa-secret">{ en.secret_base32.clone() }</p>
                <p class="muted">{ "Recovery codes: each works once, if the phone is lost. Write them down now; they are not shown again." }</p>
                <ul class="recovery" id="mfa-recovery">
                    { for en.recovery_codes.iter().map(|c| html! { <li class="mono">{ c.clone() }</li> }) }
                </ul>
                <form onsubmit={confirm}>
                    <label for="mfa-code">{ "The code the app shows now" }</label>
                    <input id="mfa-code" type="text" inputmode="numeric" autocomplete="one-time-code" required=true value={(*code).clone()} oninput={field(&code)} />
                    <button id="mfa-confirm" type="submit" class="primary wide">{ "Turn on" }</button>
                </form>
            </>
        },
        (Some(s), None) if s.enabled => html! {
            <>
                <p class="ok" id="mfa-state">{ format!("Two-factor authentication is on · {} recovery codes left", s.recovery_codes_left) }</p>
                <p class="muted small" id="policy-current">{ format!(
                    "Code needed: above {} per send, {} per day, from risk score {}; blocked from score {}.",
                    s.policy.per_send.clone().unwrap_or("no limit".into()),
                    s.policy.per_day.clone().unwrap_or("no limit".into()),
                    s.policy.mfa_above_score.map(|v| v.to_string()).unwrap_or("— (never)".into()),
                    s.policy.block_above_score.unwrap_or(100),
                ) }</p>
                <form onsubmit={save_policy}>
                    <label for="policy-per-send">{ "Code needed above this per send (ETH)" }</label>
                    <input id="policy-per-send" type="text" inputmode="decimal" placeholder="no limit" value={(*per_send).clone()} oninput={field(&per_send)} />
                    <label for="policy-per-day">{ "…or per day (ETH)" }</label>
                    <input id="policy-per-day" type="text" inputmode="decimal" placeholder="no limit" value={(*per_day).clone()} oninput={field(&per_day)} />
                    <label for="policy-mfa-score">{ "…or from this risk score (0–100)" }</label>
                    <input id="policy-mfa-score" type="text" inputmode="numeric" placeholder="never" value={(*mfa_score).clone()} oninput={field(&mfa_score)} />
                    <label for="policy-block-score">{ "Block from this risk score unless overridden" }</label>
                    <input id="policy-block-score" type="text" inputmode="numeric" placeholder="100" value={(*block_score).clone()} oninput={field(&block_score)} />
                    <label for="policy-code">{ "Code from your authenticator app" }</label>
                    <input id="policy-code" type="text" inputmode="numeric" autocomplete="one-time-code" required=true value={(*code).clone()} oninput={field(&code)} />
                    <button id="policy-save" type="submit" class="primary wide">{ "Save policy" }</button>
                </form>
                if *saved { <p class="ok" id="policy-saved">{ "Policy saved." }</p> }
            </>
        },
        _ => html! {
            <form onsubmit={enroll}>
                <p class="muted">{ "A code from an authenticator app, asked for exports, policy changes and the sends your policy names." }</p>
                <label for="mfa-password">{ "Password" }</label>
                <input id="mfa-password" type="password" required=true value={(*password).clone()} oninput={field(&password)} />
                <button id="mfa-enroll" type="submit" class="primary wide">{ "Set up two-factor" }</button>
            </form>
        },
    };
    html! {
        <section class="card" id="security">
            <h2>{ "Two-factor and spending policy" }</h2>
            { body }
            if let Some(message) = &*error { <p class="error" role="alert" id="security-error">{ message }</p> }
        </section>
    }
}

#[function_component(ContactsCard)]
pub(crate) fn contacts_card() -> Html {
    let list = use_state(Vec::<Contact>::new);
    let name = use_state(String::new);
    let address = use_state(String::new);
    let error = use_state(|| None::<String>);
    {
        let list = list.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(l) = call::<_, Vec<Contact>>(cmd::CONTACTS, &NoArgs {}).await {
                    list.set(l);
                }
            });
        });
    }
    let add = {
        let (list, name, address, error) =
            (list.clone(), name.clone(), address.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = Contact {
                name: name.trim().to_string(),
                address: address.trim().to_string(),
            };
            let (list, name, address, error) =
                (list.clone(), name.clone(), address.clone(), error.clone());
            spawn_local(async move {
                match call::<_, Vec<Contact>>(cmd::ADD_CONTACT, &Request { request: &request })
                    .await
                {
                    Ok(l) => {
                        list.set(l);
                        name.set(String::new());
                        address.set(String::new());
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <section class="card" id="contacts">
            <h2>{ "Contacts" }</h2>
            <ul class="ops">
                { for list.iter().map(|c| html! { <li class="contact"><b>{ c.name.clone() }</b>{ " " }<span class="mono small">{ c.address.clone() }</span></li> }) }
            </ul>
            <form onsubmit={add}>
                <input id="contact-name" type="text" placeholder="name" required=true value={(*name).clone()} oninput={field(&name)} />
                <input id="contact-address" type="text" class="mono" placeholder="0x…" required=true value={(*address).clone()} oninput={field(&address)} />
                <button id="contact-add" type="submit" class="secondary wide">{ "Add contact" }</button>
            </form>
            if let Some(message) = &*error { <p class="error" role="alert" id="contact-error">{ message }</p> }
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct RiskProps {
    pub report: RiskReport,
}

/// The risk part of a review: what the simulation foresees and the warnings, worst first.
#[function_component(RiskView)]
pub(crate) fn risk_view(props: &RiskProps) -> Html {
    let r = &props.report;
    let mut warnings = r.warnings.clone();
    let rank = |s: &str| match s {
        "critical" => 0,
        "high" => 1,
        "medium" => 2,
        _ => 3,
    };
    warnings.sort_by_key(|w| rank(&w.severity));
    html! {
        <div class="risk" id="review-risk">
            <p class={classes!("score", if r.score >= 60 { "high" } else if r.score >= 30 { "medium" } else { "low" })} id="review-score">
                { format!("Risk score {} / 100", r.score) }
            </p>
            if !r.simulation.success {
                <p class="error" id="review-reverts">{ format!("The simulation says this fails: {}", r.simulation.revert_reason.clone().unwrap_or_default()) }</p>
            }
            <ul class="changes" id="review-changes">
                { for r.simulation.changes.iter().map(|c| html! { <li class="mono">{ format!("{} {}", c.amount, c.symbol) }</li> }) }
                { for r.simulation.approvals.iter().map(|a| html! { <li class="mono">{ format!("approve {} {} to {}", a.amount, a.symbol.clone().unwrap_or(a.token.clone()), a.spender) }</li> }) }
            </ul>
            <ul class="warnings" id="review-warnings">
                { for warnings.iter().map(|w| html! {
                    <li class={classes!("warning", w.severity.clone())}><b>{ w.severity.to_uppercase() }</b>{ " " }{ w.message.clone() }</li>
                }) }
            </ul>
            if let Some(u) = &r.simulation.unchecked { <p class="muted small">{ format!("Not checked: {u}") }</p> }
        </div>
    }
}
