//! Guardians and recovery: a Safe's guardians (set or replaced, and what its timelock holds,
//! with the owner's cancel), approving a request as a guardian, and recovering an account on a
//! new device (the request to send, the approvals to paste, scheduling, the countdown and the
//! completion). Every step is the core's; this card only carries text in and out.

use cairn_api::{
    cmd, AddressRequest, ApiError, GuardianRequest, Guardians, NetworkInfo, Operation,
    RecoveryApproval, RecoveryApproveRequest, RecoveryCancelRequest, RecoveryRequestSpec,
    RecoveryReview, RecoveryStatus, RecoverySubmitRequest, RecoveryText, SmartAccount,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::time::{span, unix_now};
use crate::components::{copy_text, field, select_field, short, Address, CodeInput, ErrorLine};
use crate::i18n::recovery as tr;
use crate::ipc::{call, NoArgs, Request};

fn area(e: &InputEvent) -> String {
    e.target_unchecked_into::<web_sys::HtmlTextAreaElement>()
        .value()
}

fn area_field(state: &UseStateHandle<String>) -> Callback<InputEvent> {
    let state = state.clone();
    Callback::from(move |e: InputEvent| state.set(area(&e)))
}

/// A read-only block of text to hand on, with a copy button.
fn hand_on(id: &'static str, label: &str, text: &str, copied: &UseStateHandle<bool>) -> Html {
    let copy = {
        let (text, copied) = (text.to_string(), copied.clone());
        Callback::from(move |_| {
            let (text, copied) = (text.clone(), copied.clone());
            spawn_local(async move { copied.set(copy_text(&text).await) });
        })
    };
    html! {
        <>
            <label for={id}>{ label.to_string() }</label>
            <textarea id={id} class="mono" readonly=true rows="4" value={text.to_string()} />
            <button class="secondary small" onclick={copy}>{ if **copied { tr::copied() } else { tr::copy() } }</button>
        </>
    }
}

#[function_component(RecoveryCard)]
pub(crate) fn recovery_card() -> Html {
    let network = use_context::<NetworkInfo>();
    let smart = use_state(Vec::<SmartAccount>::new);
    {
        let smart = smart.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(l) = call::<_, Vec<SmartAccount>>(cmd::SMART_ACCOUNTS, &NoArgs {}).await {
                    smart.set(l);
                }
            });
        });
    }
    let safes: Vec<SmartAccount> = smart.iter().filter(|a| a.kind == "safe").cloned().collect();
    let devnet = network.as_ref().is_some_and(|n| n.is_devnet);
    let sponsored = network.as_ref().is_some_and(|n| n.has_paymaster);
    html! {
        <section class="card" id="recovery-card">
            <h2>{ tr::title() }</h2>
            <p class="muted small">{ tr::note() }</p>
            if safes.is_empty() {
                <p class="muted small" id="no-safe">{ tr::no_safe() }</p>
            } else {
                <GuardiansPanel safes={safes} devnet={devnet} sponsored={sponsored} />
            }
            <ApprovePanel />
            <RecoverPanel smart={(*smart).clone()} sponsored={sponsored} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct GuardiansProps {
    safes: Vec<SmartAccount>,
    devnet: bool,
    sponsored: bool,
}

#[function_component(GuardiansPanel)]
fn guardians_panel(props: &GuardiansProps) -> Html {
    let account = use_state(|| {
        props
            .safes
            .first()
            .map(|a| a.address.clone())
            .unwrap_or_default()
    });
    let current = use_state(|| None::<Guardians>);
    let list = use_state(String::new);
    let threshold = use_state(|| "2".to_string());
    let delay = use_state(|| if props.devnet { "600" } else { "259200" }.to_string());
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let tick = use_state(|| 0u32);
    let code = use_state(String::new);
    let (mfa, _) = crate::hooks::use_mfa_status();
    let mfa_on = mfa.as_ref().is_some_and(|m| m.enabled);
    // An operation that settles (the set-up, a cancel) changes what the chain says.
    let op_tick = crate::hooks::use_op_tick();
    {
        let (current, error) = (current.clone(), error.clone());
        use_effect_with(
            ((*account).clone(), *tick, op_tick),
            move |(address, _, _)| {
                let request = AddressRequest {
                    address: address.clone(),
                };
                spawn_local(async move {
                    match call::<_, Guardians>(cmd::GUARDIANS, &Request { request: &request }).await
                    {
                        Ok(g) => current.set(Some(g)),
                        Err(e) => error.set(Some(e)),
                    }
                });
            },
        );
    }
    let submit = {
        let (account, list, threshold, delay, error, busy, tick, code) = (
            account.clone(),
            list.clone(),
            threshold.clone(),
            delay.clone(),
            error.clone(),
            busy.clone(),
            tick.clone(),
            code.clone(),
        );
        let sponsored = props.sponsored;
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = GuardianRequest {
                account: (*account).clone(),
                guardians: list
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                threshold: threshold.trim().parse().unwrap_or(0),
                delay_secs: delay.trim().parse().ok(),
                sponsored,
                mfa_code: Some(code.trim().to_string()).filter(|c| !c.is_empty()),
            };
            let (error, busy, tick, list) =
                (error.clone(), busy.clone(), tick.clone(), list.clone());
            code.set(String::new());
            busy.set(true);
            spawn_local(async move {
                let r =
                    call::<_, Operation>(cmd::SET_GUARDIANS, &Request { request: &request }).await;
                busy.set(false);
                match r {
                    Ok(_) => {
                        error.set(None);
                        list.set(String::new());
                        // The set-up is an operation: read again once the sync has carried it.
                        let _ = call::<_, cairn_api::SyncStatus>(cmd::SYNC_NOW, &NoArgs {}).await;
                        tick.set(*tick + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let cancel = |id: &str| {
        let (account, error, tick) = (account.clone(), error.clone(), tick.clone());
        let id = id.to_string();
        Callback::from(move |_: MouseEvent| {
            let request = RecoveryCancelRequest {
                account: (*account).clone(),
                id: id.clone(),
                mfa_code: None,
            };
            let (error, tick) = (error.clone(), tick.clone());
            spawn_local(async move {
                match call::<_, Operation>(cmd::RECOVERY_CANCEL, &Request { request: &request })
                    .await
                {
                    Ok(_) => {
                        let _ = call::<_, cairn_api::SyncStatus>(cmd::SYNC_NOW, &NoArgs {}).await;
                        tick.set(*tick + 1);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let now = unix_now();
    let has = current.as_ref().is_some_and(|g| !g.guardians.is_empty());
    html! {
        <div id="guardians-panel">
            <label for="guardians-safe">{ tr::safe_label() }</label>
            <select id="guardians-safe" onchange={select_field(&account)}>
                { for props.safes.iter().map(|a| html! {
                    <option value={a.address.clone()} selected={a.address == *account}>{ format!("{} · {}", a.name, short(&a.address)) }</option>
                }) }
            </select>
            if let Some(g) = &*current {
                if g.guardians.is_empty() {
                    <p class="warn small" id="guardians-none">{ tr::no_guardians() }</p>
                } else {
                    <p id="guardians-summary">{ tr::summary(g.threshold, g.guardians.len(), span(g.delay_secs)) }</p>
                    <ul class="plain" id="guardians-list">
                        { for g.guardians.iter().map(|a| html! { <li><Address address={a.clone()} /></li> }) }
                    </ul>
                }
                if g.scheduled.iter().any(|s| s.state == "pending" || s.state == "ready") {
                    <h3>{ tr::scheduled_title() }</h3>
                    <ul id="guardians-scheduled">
                        { for g.scheduled.iter().filter(|s| s.state == "pending" || s.state == "ready").map(|s| {
                            let what = match (&s.old_owner, &s.new_owner) {
                                (Some(old), Some(new)) => tr::owner_change(short(old), short(new)),
                                _ => tr::not_owner_change().to_string(),
                            };
                            let when = match s.ready_at {
                                Some(t) if t > now => tr::state_pending(span(t - now)),
                                _ => tr::state_ready().to_string(),
                            };
                            html! {
                                <li class="scheduled">
                                    <span>{ what }</span>{ " · " }<span class="countdown">{ when }</span>
                                    <button class="danger small" onclick={cancel(&s.id)}>{ tr::cancel() }</button>
                                </li>
                            }
                        }) }
                    </ul>
                }
            }
            <form onsubmit={submit}>
                <label for="guardians-input">{ tr::guardians_label() }</label>
                <textarea id="guardians-input" class="mono" rows="3" value={(*list).clone()} oninput={area_field(&list)} />
                <label for="guardians-threshold">{ tr::threshold_label() }</label>
                <input id="guardians-threshold" type="number" min="1" inputmode="numeric" value={(*threshold).clone()} oninput={field(&threshold)} />
                <label for="guardians-delay">{ tr::delay_label() }</label>
                <select id="guardians-delay" onchange={select_field(&delay)}>
                    if props.devnet {
                        <option value="600" selected={*delay == "600"}>{ tr::delay_10m() }</option>
                    }
                    <option value="86400" selected={*delay == "86400"}>{ tr::delay_1d() }</option>
                    <option value="259200" selected={*delay == "259200"}>{ tr::delay_3d() }</option>
                    <option value="604800" selected={*delay == "604800"}>{ tr::delay_7d() }</option>
                </select>
                if mfa_on {
                    <CodeInput id="guardians-code" label={crate::i18n::security::code_or_recovery()} state={code.clone()} required=true />
                }
                <button id="guardians-save" type="submit" disabled={*busy}>{ if has { tr::replace_guardians() } else { tr::set_guardians() } }</button>
            </form>
            <ErrorLine error={(*error).clone()} id="guardians-error" />
        </div>
    }
}

#[function_component(ApprovePanel)]
fn approve_panel() -> Html {
    let text = use_state(String::new);
    let review = use_state(|| None::<RecoveryReview>);
    let approval = use_state(|| None::<String>);
    let error = use_state(|| None::<ApiError>);
    let copied = use_state(|| false);
    let do_review = {
        let (text, review, approval, error) = (
            text.clone(),
            review.clone(),
            approval.clone(),
            error.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = RecoveryText {
                request: (*text).clone(),
            };
            let (review, approval, error) = (review.clone(), approval.clone(), error.clone());
            approval.set(None);
            spawn_local(async move {
                match call::<_, RecoveryReview>(
                    cmd::RECOVERY_REVIEW,
                    &Request { request: &request },
                )
                .await
                {
                    Ok(r) => {
                        error.set(None);
                        review.set(Some(r));
                    }
                    Err(e) => {
                        review.set(None);
                        error.set(Some(e));
                    }
                }
            });
        })
    };
    let approve = {
        let (text, approval, error) = (text.clone(), approval.clone(), error.clone());
        Callback::from(move |_| {
            let request = RecoveryApproveRequest {
                request: (*text).clone(),
                guardian: None,
            };
            let (approval, error) = (approval.clone(), error.clone());
            spawn_local(async move {
                match call::<_, RecoveryApproval>(
                    cmd::RECOVERY_APPROVE,
                    &Request { request: &request },
                )
                .await
                {
                    Ok(a) => approval.set(serde_json::to_string(&a).ok()),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <div id="approve-panel">
            <h3>{ tr::approve_title() }</h3>
            <p class="muted small">{ tr::approve_note() }</p>
            <form onsubmit={do_review}>
                <label for="approve-input">{ tr::request_label() }</label>
                <textarea id="approve-input" class="mono" rows="3" value={(*text).clone()} oninput={area_field(&text)} />
                <button id="approve-review" type="submit" class="secondary">{ tr::review() }</button>
            </form>
            if let Some(r) = &*review {
                <div id="approve-review-out">
                    <p><b>{ tr::review_text(short(&r.account), short(&r.old_owner), short(&r.new_owner), span(r.delay_secs)) }</b></p>
                    if !r.checked {
                        <p class="warn small">{ tr::not_checked() }</p>
                    }
                    if !r.mine.is_empty() {
                        <p class="small">{ tr::your_guardians(r.mine.iter().map(|a| short(a)).collect::<Vec<_>>().join(", ")) }</p>
                    }
                    <button id="approve-sign" onclick={approve}>{ tr::approve() }</button>
                </div>
            }
            if let Some(a) = &*approval {
                { hand_on("approve-out", tr::approval_label(), a, &copied) }
            }
            <ErrorLine error={(*error).clone()} id="approve-error" />
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct RecoverProps {
    smart: Vec<SmartAccount>,
    sponsored: bool,
}

#[function_component(RecoverPanel)]
fn recover_panel(props: &RecoverProps) -> Html {
    let account = use_state(String::new);
    let request = use_state(|| None::<String>);
    let approvals = use_state(String::new);
    let from = use_state(|| {
        props
            .smart
            .first()
            .map(|a| a.address.clone())
            .unwrap_or_default()
    });
    let status = use_state(|| None::<RecoveryStatus>);
    let error = use_state(|| None::<ApiError>);
    let copied = use_state(|| false);
    {
        // The Safe named at onboarding: filled in, and the panel brought into view.
        let account = account.clone();
        use_effect_with((), move |_| {
            if let Some(a) = crate::screens::dashboard::take_recovery() {
                account.set(a);
                if let Some(panel) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id("recover-panel"))
                {
                    panel.scroll_into_view();
                }
            }
        });
    }
    {
        // A request made earlier (approvals take days) is picked up again: making a new one
        // would void the approvals the guardians sent for it.
        let (account, request, status, error) = (
            account.clone(),
            request.clone(),
            status.clone(),
            error.clone(),
        );
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(kept) = call::<_, Vec<String>>(cmd::RECOVERY_REQUESTS, &NoArgs {}).await {
                    if let Some(text) = kept.last() {
                        if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
                            account.set(v["account"].as_str().unwrap_or_default().to_string());
                        }
                        request.set(Some(text.clone()));
                        refresh(text.clone(), status, error);
                    }
                }
            });
        });
    }
    {
        // The smart accounts arrive after the first render.
        let from = from.clone();
        use_effect_with(props.smart.clone(), move |smart| {
            if from.is_empty() {
                if let Some(a) = smart.first() {
                    from.set(a.address.clone());
                }
            }
        });
    }
    let make = {
        let (account, request, error) = (account.clone(), request.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let spec = RecoveryRequestSpec {
                account: account.trim().to_string(),
                new_owner: None,
                kit: None,
            };
            let (request, error) = (request.clone(), error.clone());
            spawn_local(async move {
                match call::<_, String>(cmd::RECOVERY_REQUEST, &Request { request: &spec }).await {
                    Ok(r) => {
                        error.set(None);
                        request.set(Some(r));
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    {
        // A step that settles (scheduled, completed) changes where the recovery stands.
        let (request, status, error) = (request.clone(), status.clone(), error.clone());
        let op_tick = crate::hooks::use_op_tick();
        use_effect_with(op_tick, move |_| {
            if let Some(text) = (*request).clone() {
                refresh(text, status, error);
            }
        });
    }
    let check = {
        let (request, status, error) = (request.clone(), status.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(text) = (*request).clone() {
                refresh(text, status.clone(), error.clone());
            }
        })
    };
    let sponsored = props.sponsored;
    let step = |command: &'static str| {
        let (request, approvals, from, error, status) = (
            request.clone(),
            approvals.clone(),
            from.clone(),
            error.clone(),
            status.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(text) = (*request).clone() else {
                return;
            };
            let mut list = Vec::new();
            for line in approvals.lines().filter(|l| !l.trim().is_empty()) {
                match serde_json::from_str::<RecoveryApproval>(line.trim()) {
                    Ok(a) => list.push(a),
                    Err(_) => {
                        error.set(Some(crate::components::invalid_input(tr::bad_approval())));
                        return;
                    }
                }
            }
            let req = RecoverySubmitRequest {
                request: text.clone(),
                approvals: list,
                from: (*from).clone(),
                sponsored,
            };
            let (error, status) = (error.clone(), status.clone());
            spawn_local(async move {
                match call::<_, Operation>(command, &Request { request: &req }).await {
                    Ok(_) => {
                        error.set(None);
                        refresh(text, status, error);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let now = unix_now();
    html! {
        <div id="recover-panel">
            <h3>{ tr::recover_title() }</h3>
            <p class="muted small">{ tr::recover_note() }</p>
            <form onsubmit={make}>
                <label for="recover-account">{ tr::account_label() }</label>
                <input id="recover-account" type="text" class="mono" placeholder="0x…" value={(*account).clone()} oninput={field(&account)} />
                <button id="recover-make" type="submit" class="secondary">{ tr::make_request() }</button>
            </form>
            if let Some(r) = &*request {
                { hand_on("recover-request", tr::request_out_label(), r, &copied) }
                <label for="recover-approvals">{ tr::approvals_label() }</label>
                <textarea id="recover-approvals" class="mono" rows="3" value={(*approvals).clone()} oninput={area_field(&approvals)} />
                if props.smart.is_empty() {
                    <p class="warn small">{ tr::need_smart() }</p>
                } else {
                    <label for="recover-from">{ tr::send_from() }</label>
                    <select id="recover-from" onchange={select_field(&from)}>
                        { for props.smart.iter().map(|a| html! {
                            <option value={a.address.clone()} selected={a.address == *from}>{ format!("{} · {}", a.name, short(&a.address)) }</option>
                        }) }
                    </select>
                    <div class="actions">
                        <button id="recover-submit" onclick={step(cmd::RECOVERY_SUBMIT)}>{ tr::submit() }</button>
                        <button id="recover-status" class="secondary" onclick={check}>{ tr::status() }</button>
                        if status.as_ref().is_some_and(|s| s.state == "ready") {
                            <button id="recover-execute" onclick={step(cmd::RECOVERY_EXECUTE)}>{ tr::execute() }</button>
                        }
                    </div>
                }
            }
            if let Some(s) = &*status {
                <p id="recover-state">{
                    match (s.state.as_str(), s.ready_at) {
                        ("pending", Some(t)) if t > now => tr::status_text(tr::state_pending(span(t - now))),
                        ("ready", _) => tr::status_text(tr::state_ready()),
                        ("void", _) => tr::state_void().to_string(),
                        (other, _) => tr::status_text(other),
                    }
                }</p>
                if s.adopted {
                    <p class="ok" id="recover-adopted">{ tr::adopted() }</p>
                }
            }
            <ErrorLine error={(*error).clone()} id="recover-error" />
        </div>
    }
}

/// Reads where the recovery stands (after a sync round, so a step just sent is seen).
fn refresh(
    text: String,
    status: UseStateHandle<Option<RecoveryStatus>>,
    error: UseStateHandle<Option<ApiError>>,
) {
    spawn_local(async move {
        let _ = call::<_, cairn_api::SyncStatus>(cmd::SYNC_NOW, &NoArgs {}).await;
        let req = RecoveryText { request: text };
        match call::<_, RecoveryStatus>(cmd::RECOVERY_STATUS, &Request { request: &req }).await {
            Ok(s) => status.set(Some(s)),
            Err(e) => error.set(Some(e)),
        }
    });
}
