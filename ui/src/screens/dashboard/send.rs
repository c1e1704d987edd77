//! The send tab: the form, the review of the core's quote (a plain transaction, or a user
//! operation from a smart account), and the confirmation. The core prices, checks and signs;
//! a refusal comes back to the form with its reason.

use cairn_api::{
    cmd, Account, ActivityPage, ActivityQuery, ApiError, CallSpec, Contact, FiatValue, Operation,
    SendDraft, SendPreview, SendQuote, SendRequest, SendSpeed, UserOpQuote, UserOpRequest,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{
    confirm_guarded, fiat_text, field, select_field, short, use_guard, AccountSelect, Address,
    AddressLook, Amount, AmountLook, ErrorLine, GuardFields, MaxFee,
};
use crate::hooks::{first_address, use_accounts, use_assets, use_chain_tick, use_mfa_status};
use crate::i18n::send as tr;
use crate::ipc::{call, NoArgs, Request};

/// "≈ $3,000.00" beside an amount, or nothing without a price.
fn about(v: &Option<FiatValue>) -> String {
    v.as_ref()
        .map(|v| {
            format!(
                " ≈ {}{}",
                fiat_text(v),
                if v.stale { tr::stale_price() } else { "" }
            )
        })
        .unwrap_or_default()
}

/// Who the user can pick as the recipient: their other accounts, their contacts, and the last
/// few addresses they sent to (each once, named where a name is known).
#[derive(Properties, PartialEq)]
struct RecipientsProps {
    accounts: Vec<Account>,
    from: String,
    pick: Callback<String>,
}

#[function_component(Recipients)]
fn recipients(props: &RecipientsProps) -> Html {
    let contacts = use_state(Vec::<Contact>::new);
    let recent = use_state(Vec::<String>::new);
    {
        let (contacts, recent) = (contacts.clone(), recent.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                // Both lists first, then one render: chips that move under a finger (or a
                // test's click) pick the wrong person.
                let list = call::<_, Vec<Contact>>(cmd::CONTACTS, &NoArgs {})
                    .await
                    .unwrap_or_default();
                let query = ActivityQuery {
                    limit: Some(20),
                    ..ActivityQuery::default()
                };
                if let Ok(page) =
                    call::<_, ActivityPage>(cmd::OPERATIONS, &Request { request: &query }).await
                {
                    let mut seen: Vec<String> = Vec::new();
                    for op in page.operations.iter().filter(|o| o.kind == "transfer") {
                        if !seen.iter().any(|s| s.eq_ignore_ascii_case(&op.to)) {
                            seen.push(op.to.clone());
                        }
                    }
                    recent.set(seen);
                }
                contacts.set(list);
            });
        });
    }
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let mut choices: Vec<(String, String, &'static str)> = props
        .accounts
        .iter()
        .filter(|a| !same(&a.address, &props.from))
        .map(|a| (a.name.clone(), a.address.clone(), "account"))
        .collect();
    for c in contacts.iter() {
        if !choices.iter().any(|(_, a, _)| same(a, &c.address)) {
            choices.push((c.name.clone(), c.address.clone(), "contact"));
        }
    }
    for r in recent.iter() {
        if choices.len() >= 12 {
            break;
        }
        if !choices.iter().any(|(_, a, _)| same(a, r)) {
            choices.push((short(r), r.clone(), "recent"));
        }
    }
    if choices.is_empty() {
        return html! {};
    }
    html! {
        <div class="recipients" role="group" aria-label={tr::pick_recipient()}>
            { for choices.into_iter().map(|(name, address, kind)| {
                let pick = props.pick.reform({ let a = address.clone(); move |_: MouseEvent| a.clone() });
                let label = match kind {
                    "account" => tr::recipient_account(&name, &address),
                    "contact" => tr::recipient_contact(&name, &address),
                    _ => tr::recipient_recent(&address),
                };
                html! {
                    <button key={address.clone()} type="button" class={classes!("recipient", kind)} title={address.clone()} aria-label={label} onclick={pick}>
                        { name }
                    </button>
                }
            }) }
        </div>
    }
}

fn speed_of(name: &str, max_fee_gwei: &str, priority_fee_gwei: &str) -> SendSpeed {
    match name {
        "slow" => SendSpeed::Slow,
        "fast" => SendSpeed::Fast,
        // The core parses and checks these (integers in base units, no floats).
        "custom" => SendSpeed::Custom {
            max_fee_gwei: max_fee_gwei.trim().to_string(),
            priority_fee_gwei: priority_fee_gwei.trim().to_string(),
        },
        _ => SendSpeed::Normal,
    }
}

/// Asks the core what `request` would do and cost: shown for review, or the error.
async fn review<R: serde::Serialize, Q: serde::de::DeserializeOwned>(
    command: &'static str,
    request: R,
    reviewed: UseStateHandle<Option<(R, Q)>>,
    error: UseStateHandle<Option<ApiError>>,
) {
    match call::<_, Q>(command, &Request { request: &request }).await {
        Ok(q) => {
            error.set(None);
            reviewed.set(Some((request, q)));
        }
        Err(e) => error.set(Some(e)),
    }
}

#[derive(Properties, PartialEq)]
pub(crate) struct SendProps {
    /// Called with the queued operation.
    pub sent: Callback<Operation>,
}

#[function_component(SendPage)]
pub(crate) fn send_page(props: &SendProps) -> Html {
    let accounts = use_accounts();
    // Empty until the user picks one: then the first account sends.
    let chosen = use_state(String::new);
    let to = use_state(String::new);
    let amount = use_state(String::new);
    let token = use_state(String::new);
    let speed = use_state(|| "normal".to_string());
    let max_fee = use_state(String::new);
    let tip = use_state(String::new);
    let quote = use_state(|| None::<(SendRequest, SendQuote)>);
    // From a smart account: a user operation, its gas optionally paid by the paymaster, with an
    // optional approval of the token in the same batch.
    let sponsored = use_state(|| false);
    // Who signs a Safe's operation: its key (empty) or one of this device's passkeys (its id).
    let signer = use_state(String::new);
    let passkeys = use_state(Vec::<cairn_api::PasskeyInfo>::new);
    let approve_spender = use_state(String::new);
    let approve_amount = use_state(String::new);
    let op_quote = use_state(|| None::<(UserOpRequest, UserOpQuote)>);
    let error = use_state(|| None::<ApiError>);
    let busy = use_state(|| false);
    let guard = use_guard();
    let (mfa, _) = use_mfa_status();
    let mfa_on = mfa.as_ref().is_some_and(|m| m.enabled);
    let block_score = mfa
        .as_ref()
        .and_then(|m| m.policy.block_above_score)
        .unwrap_or(100);
    let from = if chosen.is_empty() {
        first_address(&accounts.list)
    } else {
        (*chosen).clone()
    };
    let assets = use_assets(from.clone(), ());
    // The form's figures, asked of the core on every change and every new block (a local
    // read, no network).
    let preview = use_state(|| None::<SendPreview>);
    let tick = use_chain_tick();
    {
        // Asked again when the sender changes and with each block (a local read, like the
        // figures below): the page stays mounted while passkeys come and go in Settings.
        let passkeys = passkeys.clone();
        use_effect_with((from.clone(), tick), move |_| {
            spawn_local(async move {
                if let Ok(l) =
                    call::<_, cairn_api::PasskeyList>(cmd::PASSKEYS, &crate::ipc::NoArgs {}).await
                {
                    if l.available {
                        passkeys.set(l.passkeys);
                    }
                }
            });
        });
    }
    // Answers can come back out of order while the user types: only the newest one counts.
    let asked = use_mut_ref(|| 0u64);
    {
        let (preview, asked) = (preview.clone(), asked.clone());
        let draft = SendDraft {
            from: from.clone(),
            token: (!token.is_empty()).then(|| (*token).clone()),
            amount: crate::i18n::typed_number(&amount),
            speed: speed_of(&speed, &max_fee, &tip),
            sponsored: *sponsored,
        };
        use_effect_with((draft, tick), move |(draft, _)| {
            let draft = draft.clone();
            if !draft.from.is_empty() {
                *asked.borrow_mut() += 1;
                let this = *asked.borrow();
                spawn_local(async move {
                    let answer =
                        call::<_, SendPreview>(cmd::SEND_PREVIEW, &Request { request: &draft })
                            .await;
                    if *asked.borrow() == this {
                        preview.set(answer.ok());
                    }
                });
            }
        });
    }
    let request = SendRequest {
        from: from.clone(),
        to: to.trim().to_string(),
        token: (!token.is_empty()).then(|| (*token).clone()),
        amount: crate::i18n::typed_number(&amount),
        speed: speed_of(&speed, &max_fee, &tip),
        mfa_code: None,
        override_risk: false,
    };
    let smart = accounts
        .list
        .iter()
        .find(|a| a.address == from)
        .and_then(|a| a.smart.clone());
    // A Safe made for a passkey has no owner account: its passkey signs unless another is
    // chosen.
    let passkey_safe = accounts
        .list
        .iter()
        .any(|a| a.address == from && a.smart.is_some() && a.owner.is_none());
    let user_op = smart.is_some().then(|| {
        let mut calls = Vec::new();
        if !token.is_empty() && !approve_spender.trim().is_empty() {
            calls.push(CallSpec::Approve {
                token: (*token).clone(),
                spender: approve_spender.trim().to_string(),
                amount: crate::i18n::typed_number(&approve_amount),
            });
        }
        calls.push(CallSpec::Transfer {
            to: request.to.clone(),
            token: request.token.clone(),
            amount: request.amount.clone(),
        });
        UserOpRequest {
            from: request.from.clone(),
            calls,
            sponsored: *sponsored,
            speed: request.speed.clone(),
            mfa_code: None,
            override_risk: false,
            signer: smart
                .as_deref()
                .filter(|k| *k == "safe")
                .and_then(|_| signer.parse::<i64>().ok()),
        }
    });
    let review = {
        let (quote, op_quote, error, busy, request, user_op) = (
            quote.clone(),
            op_quote.clone(),
            error.clone(),
            busy.clone(),
            request.clone(),
            user_op.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (quote, op_quote, error, busy, request, user_op) = (
                quote.clone(),
                op_quote.clone(),
                error.clone(),
                busy.clone(),
                request.clone(),
                user_op.clone(),
            );
            busy.set(true);
            spawn_local(async move {
                match user_op {
                    Some(op) => review(cmd::QUOTE_USER_OP, op, op_quote, error).await,
                    None => review(cmd::QUOTE_SEND, request, quote, error).await,
                }
                busy.set(false);
            });
        })
    };
    let back = {
        let (quote, op_quote) = (quote.clone(), op_quote.clone());
        Callback::from(move |_| {
            quote.set(None);
            op_quote.set(None);
        })
    };
    // Both reviews end alike: the guard's fields, the refusal if any, confirm or go back.
    let footer = |risk: &Option<cairn_api::RiskReport>, confirm: Callback<MouseEvent>| {
        html! {
            <>
                <GuardFields risk={risk.clone()} guard={guard.clone()} {block_score} {mfa_on} />
                <ErrorLine error={(*error).clone()} id="send-error" />
                <button id="send-confirm" class="primary wide" onclick={confirm} disabled={*busy}>{ if *busy { tr::signing() } else { tr::confirm_and_send() } }</button>
                <button class="secondary wide" onclick={back.clone()}>{ tr::back() }</button>
            </>
        }
    };
    if let Some((request, q)) = &*op_quote {
        let confirm = confirm_guarded(
            cmd::SEND_USER_OP,
            &op_quote,
            &error,
            &busy,
            &props.sent,
            &guard,
        );
        return html! {
            <section class="card" id="send-review">
                <h2>{ tr::review_user_op() }</h2>
                if q.sponsored { <p class="badge sponsored" id="review-sponsored">{ tr::gas_sponsored() }</p> }
                <dl class="review">
                    { for request.calls.iter().map(|c| match c {
                        CallSpec::Transfer { to, amount, token } => html! {
                            <><dt>{ tr::review_send() }</dt><dd class="review-call">{ tr::transfer_call(amount, if token.is_some() { tr::tokens() } else { "ETH" }, to) }</dd></>
                        },
                        CallSpec::Approve { spender, amount, .. } => html! {
                            <><dt>{ tr::approve() }</dt><dd class="review-call">{ tr::approve_call(amount, spender) }</dd></>
                        },
                    }) }
                    <dt>{ tr::from() }</dt><Address address={q.from.clone()} look={AddressLook::Field} />
                    <dt>{ tr::signed_by() }</dt>
                    if let Some(label) = &q.passkey {
                        <dd id="review-signer">{ tr::passkey_named(label) }</dd>
                    } else {
                        <Address address={q.owner.clone()} look={AddressLook::Field} />
                    }
                    <dt>{ tr::gas_paid_by() }</dt><dd id="review-gas-payer">{ q.gas_paid_by.clone() }</dd>
                    <dt>{ tr::network_fee() }</dt><MaxFee max={q.max_network_fee.clone()} symbol={q.native_symbol.clone()} gas={q.total_gas.clone()} />
                    <dt>{ tr::available() }</dt><Amount amount={q.available_native.clone()} symbol={q.native_symbol.clone()} look={AmountLook::Field} />
                </dl>
                if q.deploys { <p class="muted" id="review-deploys">{ tr::deploys() }</p> }
                if !q.online { <p class="muted" id="review-offline">{ tr::bundler_offline() }</p> }
                { footer(&q.risk, confirm) }
            </section>
        };
    }
    if let Some((_, q)) = &*quote {
        let confirm = confirm_guarded(cmd::SEND, &quote, &error, &busy, &props.sent, &guard);
        return html! {
            <section class="card" id="send-review">
                <h2>{ tr::review() }</h2>
                <dl class="review">
                    <dt>{ tr::review_send() }</dt><Amount amount={q.amount.clone()} symbol={q.symbol.clone()} look={AmountLook::Field} id="review-amount" />
                    if q.amount_fiat.is_some() {
                        <dt>{ tr::worth() }</dt><dd id="review-amount-fiat">{ about(&q.amount_fiat).trim().to_string() }</dd>
                    }
                    <dt>{ tr::network_fee() }</dt><MaxFee max={q.max_network_fee.clone()} symbol={q.native_symbol.clone()} gas={q.gas_limit.to_string()} />
                    if q.max_fee_fiat.is_some() {
                        <dt>{ tr::fee_worth() }</dt><dd id="review-fee-fiat">{ tr::at_most(about(&q.max_fee_fiat)) }</dd>
                    }
                    <dt>{ tr::to() }</dt><Address address={q.to.clone()} look={AddressLook::Field} id="review-to" />
                    <dt>{ tr::from() }</dt><Address address={q.from.clone()} look={AddressLook::Field} />
                    <dt>{ tr::available() }</dt><Amount amount={q.available.clone()} symbol={q.symbol.clone()} look={AmountLook::Field} />
                    <dt>{ tr::nonce() }</dt><dd>{ q.nonce }</dd>
                </dl>
                if !q.online { <p class="muted" id="review-offline">{ tr::offline() }</p> }
                { footer(&q.risk, confirm) }
            </section>
        };
    }
    let problem = preview.as_ref().and_then(|p| p.problem.clone());
    let use_max = {
        let (amount, preview) = (amount.clone(), preview.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(max) = preview.as_ref().and_then(|p| p.max.clone()) {
                amount.set(max);
            }
        })
    };
    let toggle_sponsored = {
        let sponsored = sponsored.clone();
        Callback::from(move |_| sponsored.set(!*sponsored))
    };
    let pick_from = {
        let chosen = chosen.clone();
        Callback::from(move |address: String| chosen.set(address))
    };
    html! {
        <section class="card">
            <h2>{ tr::title() }</h2>
            <form onsubmit={review}>
                <label for="send-from">{ tr::from() }</label>
                <AccountSelect id="send-from" accounts={(*accounts.list).clone()} selected={from.clone()} onchange={pick_from} mark_smart=true />
                <label for="send-to">{ tr::to() }</label>
                <input id="send-to" type="text" class="mono" placeholder="0x…" autocomplete="off" required=true value={(*to).clone()} oninput={field(&to)} />
                <Recipients accounts={(*accounts.list).clone()} from={from.clone()} pick={{ let to = to.clone(); Callback::from(move |a: String| to.set(a)) }} />
                <label for="send-asset">{ tr::asset() }</label>
                <select id="send-asset" onchange={select_field(&token)}>
                    { for assets.iter().map(|a| html! {
                        <option value={a.token.clone().unwrap_or_default()} selected={a.token.clone().unwrap_or_default() == *token}>{ tr::asset_option(&a.symbol, &a.available) }</option>
                    }) }
                </select>
                <label for="send-amount">{ tr::amount() }</label>
                <div class="row">
                    <input id="send-amount" type="text" inputmode="decimal" placeholder={crate::i18n::number("0.0")} required=true aria-describedby="send-available send-amount-problem" aria-invalid={problem.is_some().to_string()} value={(*amount).clone()} oninput={field(&amount)} />
                    <button id="send-max" type="button" class="secondary" disabled={preview.as_ref().is_none_or(|p| p.max.is_none())} onclick={use_max}>{ tr::max_button() }</button>
                </div>
                if let Some(p) = &*preview {
                    if p.amount_fiat.is_some() {
                        <p class="small" id="send-amount-fiat">{ about(&p.amount_fiat).trim().to_string() }</p>
                    }
                    <p class="small muted" id="send-available">{ tr::available_line(&p.available, &p.symbol) }</p>
                }
                if let Some(text) = &problem {
                    <p class="error" role="alert" id="send-amount-problem">{ text.clone() }</p>
                }
                <label for="send-speed">{ tr::speed() }</label>
                <select id="send-speed" onchange={select_field(&speed)}>
                    <option value="slow" selected={*speed == "slow"}>{ tr::slow() }</option>
                    <option value="normal" selected={*speed == "normal"}>{ tr::normal() }</option>
                    <option value="fast" selected={*speed == "fast"}>{ tr::fast() }</option>
                    <option value="custom" selected={*speed == "custom"}>{ tr::custom() }</option>
                </select>
                if *speed == "custom" {
                    <label for="send-max-fee">{ tr::max_fee_per_gas() }</label>
                    <input id="send-max-fee" type="text" inputmode="decimal" required=true value={(*max_fee).clone()} oninput={field(&max_fee)} />
                    <label for="send-tip">{ tr::priority_fee_per_gas() }</label>
                    <input id="send-tip" type="text" inputmode="decimal" required=true value={(*tip).clone()} oninput={field(&tip)} />
                }
                if let Some(version) = &smart {
                    <fieldset class="smart" id="send-smart">
                        <legend>{ if version == "safe" { crate::i18n::accounts::safe_kind().to_string() } else { tr::smart_account(version) } }</legend>
                        <label class="check"><input id="send-sponsored" type="checkbox" checked={*sponsored} onclick={toggle_sponsored} />{ tr::let_paymaster_pay() }</label>
                        if version == "safe" && !passkeys.is_empty() {
                            <label for="send-signer">{ tr::sign_with() }</label>
                            <select id="send-signer" onchange={select_field(&signer)}>
                                <option value="" selected={signer.is_empty()}>{ if passkey_safe { tr::its_own_passkey() } else { tr::the_accounts_key() } }</option>
                                { for passkeys.iter().map(|p| html! {
                                    <option value={p.id.to_string()} selected={*signer == p.id.to_string()}>{ tr::passkey_named(&p.label) }</option>
                                }) }
                            </select>
                        }
                        if !token.is_empty() {
                            <label for="send-approve-spender">{ tr::approve_spender() }</label>
                            <input id="send-approve-spender" type="text" class="mono" placeholder={tr::spender_placeholder()} value={(*approve_spender).clone()} oninput={field(&approve_spender)} />
                            <input id="send-approve-amount" type="text" inputmode="decimal" placeholder={tr::allowance_placeholder()} value={(*approve_amount).clone()} oninput={field(&approve_amount)} />
                        }
                    </fieldset>
                }
                if let Some(p) = &*preview {
                    <dl class="review" id="send-costs">
                        <dt>{ tr::network_fee() }</dt>
                        <dd id="send-fee">{ match &p.max_fee {
                            Some(f) if f == "0.0" => tr::paid_by_paymaster().to_string(),
                            Some(f) => tr::fee_up_to(f, &p.native_symbol, about(&p.max_fee_fiat)),
                            None => tr::priced_at_review().to_string(),
                        } }</dd>
                        if let Some(t) = &p.total {
                            <dt>{ tr::total() }</dt><dd id="send-total">{ tr::total_up_to(t, &p.native_symbol) }</dd>
                        }
                    </dl>
                }
                <ErrorLine error={(*error).clone()} id="send-error" />
                <button id="send-review-button" type="submit" class="primary wide" disabled={*busy || problem.is_some()}>{ if *busy { tr::checking() } else { tr::review() } }</button>
            </form>
        </section>
    }
}
