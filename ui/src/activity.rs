//! Money moving: the sync indicator, the send flow (form → review of the core's quote → confirm),
//! the receive screen (address and QR code), and the activity list with the chain history,
//! which follow the core's events live.

use std::rc::Rc;

use cairn_api::{
    cmd, Account, AddressRequest, AssetBalance, CallSpec, HistoryEntry, Operation,
    OperationRequest, ReceiveInfo, SendQuote, SendRequest, SendSpeed, SyncStatus, UserOpQuote,
    UserOpRequest, WalletStatus,
};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::field;
use crate::ipc::{call, NoArgs, Request};

/// What the shell's events said last: the sync state, and a counter that moves whenever an
/// operation changed (screens that list operations reload on it).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Live {
    pub sync: Option<SyncStatus>,
    pub op_tick: u64,
}

pub(crate) enum LiveAction {
    Sync(SyncStatus),
    Operation,
}

impl Reducible for Live {
    type Action = LiveAction;
    fn reduce(self: Rc<Self>, action: LiveAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            LiveAction::Sync(s) => next.sync = Some(s),
            LiveAction::Operation => next.op_tick += 1,
        }
        Rc::new(next)
    }
}

pub(crate) type LiveHandle = UseReducerHandle<Live>;

#[function_component(SyncBadge)]
pub(crate) fn sync_badge() -> Html {
    let live = use_context::<LiveHandle>();
    let fetched = use_state(|| None::<SyncStatus>);
    {
        let fetched = fetched.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(s) = call::<_, SyncStatus>(cmd::SYNC_STATUS, &NoArgs {}).await {
                    fetched.set(Some(s));
                }
            });
        });
    }
    let status = live
        .as_ref()
        .and_then(|l| l.sync.clone())
        .or_else(|| (*fetched).clone());
    let Some(s) = status else {
        return html! { <p class="sync muted" id="sync-status">{ "Connecting…" }</p> };
    };
    let queue = match (s.queued, s.in_flight) {
        (0, 0) => String::new(),
        (q, f) => format!(" · {q} queued, {f} in flight"),
    };
    let text = if s.online {
        format!(
            "Online · block {} · {}{queue}",
            s.last_block.unwrap_or_default(),
            s.endpoint.as_deref().unwrap_or_default()
        )
    } else {
        format!("Offline: sends are signed and queued{queue}")
    };
    html! {
        <p class={classes!("sync", if s.online { "online" } else { "offline" })} id="sync-status" title={s.last_error.clone().unwrap_or_default()}>{ text }</p>
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
    error: UseStateHandle<Option<String>>,
) {
    match call::<_, Q>(command, &Request { request: &request }).await {
        Ok(q) => {
            error.set(None);
            reviewed.set(Some((request, q)));
        }
        Err(e) => error.set(Some(e.message)),
    }
}

/// A request the policy may guard: it carries the second factor's code and the risk override.
trait Guarded {
    fn guard(&mut self, code: Option<String>, override_risk: bool);
}

impl Guarded for SendRequest {
    fn guard(&mut self, code: Option<String>, override_risk: bool) {
        self.mfa_code = code;
        self.override_risk = override_risk;
    }
}

impl Guarded for UserOpRequest {
    fn guard(&mut self, code: Option<String>, override_risk: bool) {
        self.mfa_code = code;
        self.override_risk = override_risk;
    }
}

/// What the review screen adds to the reviewed request: the code typed, the override ticked.
#[derive(Clone, PartialEq)]
struct Guard {
    code: UseStateHandle<String>,
    override_risk: UseStateHandle<bool>,
}

/// "Confirm and send": signs and queues what was reviewed (with the code and the override given
/// on the review screen); a refusal goes back to the form with its reason.
fn confirm<R: serde::Serialize + Clone + Guarded + 'static, Q: Clone + 'static>(
    command: &'static str,
    reviewed: &UseStateHandle<Option<(R, Q)>>,
    error: &UseStateHandle<Option<String>>,
    busy: &UseStateHandle<bool>,
    sent: &Callback<Operation>,
    guard: &Guard,
) -> Callback<MouseEvent> {
    let (reviewed, error, busy, sent, guard) = (
        reviewed.clone(),
        error.clone(),
        busy.clone(),
        sent.clone(),
        guard.clone(),
    );
    Callback::from(move |_| {
        let Some((mut request, _)) = (*reviewed).clone() else {
            return;
        };
        let code = guard.code.trim().to_string();
        request.guard((!code.is_empty()).then_some(code), *guard.override_risk);
        let (reviewed, error, busy, sent) =
            (reviewed.clone(), error.clone(), busy.clone(), sent.clone());
        busy.set(true);
        spawn_local(async move {
            match call::<_, Operation>(command, &Request { request: &request }).await {
                Ok(op) => sent.emit(op),
                Err(e) => {
                    error.set(Some(e.message));
                    reviewed.set(None);
                }
            }
            busy.set(false);
        });
    })
}

#[derive(Properties, PartialEq)]
pub(crate) struct SendProps {
    /// Called with the queued operation.
    pub sent: Callback<Operation>,
}

#[function_component(SendPage)]
pub(crate) fn send_page(props: &SendProps) -> Html {
    let accounts = use_state(Vec::<Account>::new);
    let assets = use_state(Vec::<AssetBalance>::new);
    let from = use_state(String::new);
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
    let approve_spender = use_state(String::new);
    let approve_amount = use_state(String::new);
    let op_quote = use_state(|| None::<(UserOpRequest, UserOpQuote)>);
    let error = use_state(|| None::<String>);
    let busy = use_state(|| false);
    let guard = Guard {
        code: use_state(String::new),
        override_risk: use_state(|| false),
    };
    let (mfa, _) = crate::security::use_mfa_status();
    let mfa_on = mfa.as_ref().is_some_and(|m| m.enabled);
    let block_score = mfa
        .as_ref()
        .and_then(|m| m.policy.block_above_score)
        .unwrap_or(100);
    {
        let (accounts, from) = (accounts.clone(), from.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(WalletStatus::Unlocked { accounts: list, .. }) =
                    call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await
                {
                    if let Some(first) = list.first() {
                        from.set(first.address.clone());
                    }
                    accounts.set(list);
                }
            });
        });
    }
    {
        let assets = assets.clone();
        use_effect_with((*from).clone(), move |address| {
            let address = address.clone();
            if !address.is_empty() {
                spawn_local(async move {
                    let request = AddressRequest { address };
                    if let Ok(list) =
                        call::<_, Vec<AssetBalance>>(cmd::BALANCES, &Request { request: &request })
                            .await
                    {
                        assets.set(list);
                    }
                });
            }
        });
    }
    let request = SendRequest {
        from: (*from).clone(),
        to: to.trim().to_string(),
        token: (!token.is_empty()).then(|| (*token).clone()),
        amount: amount.trim().to_string(),
        speed: speed_of(&speed, &max_fee, &tip),
        mfa_code: None,
        override_risk: false,
    };
    let smart = accounts
        .iter()
        .find(|a| a.address == *from)
        .and_then(|a| a.smart.clone());
    let user_op = smart.is_some().then(|| {
        let mut calls = Vec::new();
        if !token.is_empty() && !approve_spender.trim().is_empty() {
            calls.push(CallSpec::Approve {
                token: (*token).clone(),
                spender: approve_spender.trim().to_string(),
                amount: approve_amount.trim().to_string(),
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
    let confirm_op = confirm(
        cmd::SEND_USER_OP,
        &op_quote,
        &error,
        &busy,
        &props.sent,
        &guard,
    );
    let confirm = confirm(cmd::SEND, &quote, &error, &busy, &props.sent, &guard);
    // The review's guard: the code when the second factor is on, the override when the risk
    // reaches the block score.
    let guard_view = |risk: &Option<cairn_api::RiskReport>| {
        let blocked = risk.as_ref().is_some_and(|r| r.score >= block_score);
        let toggle = {
            let o = guard.override_risk.clone();
            Callback::from(move |_| o.set(!*o))
        };
        html! {
            <>
                if let Some(r) = risk { <crate::security::RiskView report={r.clone()} /> }
                if blocked {
                    <label class="check error"><input id="send-override" type="checkbox" checked={*guard.override_risk} onclick={toggle} />{ " I understand the risk: send anyway" }</label>
                }
                if mfa_on {
                    <label for="send-mfa-code">{ "Code from your authenticator app (if your policy asks)" }</label>
                    <input id="send-mfa-code" type="text" inputmode="numeric" autocomplete="one-time-code" value={(*guard.code).clone()} oninput={field(&guard.code)} />
                }
            </>
        }
    };
    let back = {
        let (quote, op_quote) = (quote.clone(), op_quote.clone());
        Callback::from(move |_| {
            quote.set(None);
            op_quote.set(None);
        })
    };
    let toggle_sponsored = {
        let sponsored = sponsored.clone();
        Callback::from(move |_| sponsored.set(!*sponsored))
    };
    if let Some((request, q)) = &*op_quote {
        return html! {
            <section class="card" id="send-review">
                <h2>{ "Review user operation" }</h2>
                if q.sponsored { <p class="badge sponsored" id="review-sponsored">{ "Gas sponsored" }</p> }
                <dl class="review">
                    { for request.calls.iter().map(|c| match c {
                        CallSpec::Transfer { to, amount, token } => html! {
                            <><dt>{ "Send" }</dt><dd class="review-call">{ format!("{amount} {} to {to}", if token.is_some() { "tokens" } else { "ETH" }) }</dd></>
                        },
                        CallSpec::Approve { spender, amount, .. } => html! {
                            <><dt>{ "Approve" }</dt><dd class="review-call">{ format!("{amount} to {spender}") }</dd></>
                        },
                    }) }
                    <dt>{ "From" }</dt><dd class="mono">{ q.from.clone() }</dd>
                    <dt>{ "Signed by" }</dt><dd class="mono">{ q.owner.clone() }</dd>
                    <dt>{ "Gas paid by" }</dt><dd id="review-gas-payer">{ q.gas_paid_by.clone() }</dd>
                    <dt>{ "Network fee" }</dt><dd id="review-fee">{ format!("at most {} {} (gas {})", q.max_network_fee, q.native_symbol, q.total_gas) }</dd>
                    <dt>{ "Available" }</dt><dd>{ format!("{} {}", q.available_native, q.native_symbol) }</dd>
                </dl>
                if q.deploys { <p class="muted" id="review-deploys">{ "This first operation also deploys your smart account." }</p> }
                if !q.online { <p class="muted" id="review-offline">{ "The bundler does not answer: this is signed now and sent when it does." }</p> }
                { guard_view(&q.risk) }
                if let Some(message) = &*error { <p class="error" role="alert" id="send-error">{ message }</p> }
                <button id="send-confirm" class="primary wide" onclick={confirm_op} disabled={*busy}>{ if *busy { "Signing…" } else { "Confirm and send" } }</button>
                <button class="secondary wide" onclick={back}>{ "Back" }</button>
            </section>
        };
    }
    let on_select = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            state.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    if let Some((_, q)) = &*quote {
        return html! {
            <section class="card" id="send-review">
                <h2>{ "Review" }</h2>
                <dl class="review">
                    <dt>{ "Send" }</dt><dd id="review-amount">{ format!("{} {}", q.amount, q.symbol) }</dd>
                    <dt>{ "To" }</dt><dd class="mono" id="review-to">{ q.to.clone() }</dd>
                    <dt>{ "From" }</dt><dd class="mono">{ q.from.clone() }</dd>
                    <dt>{ "Network fee" }</dt><dd id="review-fee">{ format!("at most {} {} (gas {})", q.max_network_fee, q.native_symbol, q.gas_limit) }</dd>
                    <dt>{ "Available" }</dt><dd>{ format!("{} {}", q.available, q.symbol) }</dd>
                    <dt>{ "Nonce" }</dt><dd>{ q.nonce }</dd>
                </dl>
                if !q.online { <p class="muted" id="review-offline">{ "Offline: this is signed now and sent when a node answers." }</p> }
                { guard_view(&q.risk) }
                if let Some(message) = &*error { <p class="error" role="alert" id="send-error">{ message }</p> }
                <button id="send-confirm" class="primary wide" onclick={confirm} disabled={*busy}>{ if *busy { "Signing…" } else { "Confirm and send" } }</button>
                <button class="secondary wide" onclick={back}>{ "Back" }</button>
            </section>
        };
    }
    html! {
        <section class="card">
            <h2>{ "Send" }</h2>
            <form onsubmit={review}>
                <label for="send-from">{ "From" }</label>
                <select id="send-from" onchange={on_select(&from)}>
                    { for accounts.iter().map(|a| html! {
                        <option value={a.address.clone()} selected={a.address == *from}>{ format!("{}{} · {}", a.name, if a.smart.is_some() { " (smart)" } else { "" }, a.address) }</option>
                    }) }
                </select>
                <label for="send-to">{ "To" }</label>
                <input id="send-to" type="text" class="mono" placeholder="0x…" autocomplete="off" required=true value={(*to).clone()} oninput={field(&to)} />
                <label for="send-asset">{ "Asset" }</label>
                <select id="send-asset" onchange={on_select(&token)}>
                    { for assets.iter().map(|a| html! {
                        <option value={a.token.clone().unwrap_or_default()} selected={a.token.clone().unwrap_or_default() == *token}>{ format!("{} (available {})", a.symbol, a.available) }</option>
                    }) }
                </select>
                <label for="send-amount">{ "Amount" }</label>
                <input id="send-amount" type="text" inputmode="decimal" placeholder="0.0" required=true value={(*amount).clone()} oninput={field(&amount)} />
                <label for="send-speed">{ "Speed" }</label>
                <select id="send-speed" onchange={on_select(&speed)}>
                    <option value="slow" selected={*speed == "slow"}>{ "Slow" }</option>
                    <option value="normal" selected={*speed == "normal"}>{ "Normal" }</option>
                    <option value="fast" selected={*speed == "fast"}>{ "Fast" }</option>
                    <option value="custom" selected={*speed == "custom"}>{ "Custom" }</option>
                </select>
                if *speed == "custom" {
                    <label for="send-max-fee">{ "Max fee per gas (gwei)" }</label>
                    <input id="send-max-fee" type="text" inputmode="decimal" required=true value={(*max_fee).clone()} oninput={field(&max_fee)} />
                    <label for="send-tip">{ "Priority fee per gas (gwei)" }</label>
                    <input id="send-tip" type="text" inputmode="decimal" required=true value={(*tip).clone()} oninput={field(&tip)} />
                }
                if let Some(version) = &smart {
                    <fieldset class="smart" id="send-smart">
                        <legend>{ format!("Smart account ({version})") }</legend>
                        <label class="check"><input id="send-sponsored" type="checkbox" checked={*sponsored} onclick={toggle_sponsored} />{ " Let the paymaster pay the gas" }</label>
                        if !token.is_empty() {
                            <label for="send-approve-spender">{ "Also approve a spender (same operation)" }</label>
                            <input id="send-approve-spender" type="text" class="mono" placeholder="spender 0x… (optional)" value={(*approve_spender).clone()} oninput={field(&approve_spender)} />
                            <input id="send-approve-amount" type="text" inputmode="decimal" placeholder="allowance" value={(*approve_amount).clone()} oninput={field(&approve_amount)} />
                        }
                    </fieldset>
                }
                if let Some(message) = &*error { <p class="error" role="alert" id="send-error">{ message }</p> }
                <button id="send-review-button" type="submit" class="primary wide" disabled={*busy}>{ if *busy { "Checking…" } else { "Review" } }</button>
            </form>
        </section>
    }
}

#[function_component(ActivityPage)]
pub(crate) fn activity_page() -> Html {
    let live = use_context::<LiveHandle>();
    let tick = live.as_ref().map(|l| l.op_tick).unwrap_or_default();
    let ops = use_state(Vec::<Operation>::new);
    let error = use_state(|| None::<String>);
    let reload = {
        let (ops, error) = (ops.clone(), error.clone());
        Callback::from(move |_: ()| {
            let (ops, error) = (ops.clone(), error.clone());
            spawn_local(async move {
                match call::<_, Vec<Operation>>(cmd::OPERATIONS, &NoArgs {}).await {
                    Ok(list) => ops.set(list),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with(tick, move |_| reload.emit(()));
    }
    let act = |command: &'static str, id: i64| {
        let (reload, error) = (reload.clone(), error.clone());
        Callback::from(move |_| {
            let (reload, error) = (reload.clone(), error.clone());
            spawn_local(async move {
                let request = OperationRequest { id };
                match call::<_, Operation>(command, &Request { request: &request }).await {
                    Ok(_) => reload.emit(()),
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <section class="card" id="activity">
            <h2>{ "Activity" }</h2>
            if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
            if ops.is_empty() { <p class="muted">{ "Nothing sent yet." }</p> }
            <ul class="ops">
                { for ops.iter().map(|o| html! {
                    <li key={o.id} class="op" id={format!("op-{}", o.id)}>
                        <div class="op-line">
                            <span class={classes!("state", o.state.clone())}>{ o.state.replace('_', " ") }</span>
                            <span class="amount">{ format!("{} {}", o.amount, o.symbol) }</span>
                        </div>
                        <div class="mono small">{ format!("{} → {}", o.kind.replace('_', " "), o.to) }</div>
                        if o.user_operation {
                            <div class="small">
                                <span class="badge">{ "user operation" }</span>
                                if o.paymaster.is_some() { <span class="badge sponsored">{ "gas sponsored" }</span> }
                            </div>
                        }
                        if let Some(b) = &o.bundle_tx { <div class="mono small muted">{ format!("bundle {b}") }</div> }
                        if let Some(h) = &o.hash { <div class="mono small muted">{ h.clone() }</div> }
                        if let Some(f) = &o.fee_paid { <div class="small muted">{ format!("fee {f}") }</div> }
                        if let Some(e) = &o.error { <div class="small error">{ e.clone() }</div> }
                        if o.replaceable {
                            <div class="row">
                                <button class="secondary" onclick={act(cmd::SPEED_UP, o.id)}>{ "Speed up" }</button>
                                <button class="secondary" onclick={act(cmd::CANCEL, o.id)}>{ "Cancel" }</button>
                            </div>
                        }
                        if o.state == "needs_resign" {
                            <button class="primary" onclick={act(cmd::RESIGN, o.id)}>{ "Sign again" }</button>
                        }
                    </li>
                }) }
            </ul>
        </section>
    }
}

/// The wallet's visible accounts, loaded once.
#[hook]
fn use_accounts() -> UseStateHandle<Vec<Account>> {
    let accounts = use_state(Vec::<Account>::new);
    {
        let accounts = accounts.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(WalletStatus::Unlocked { accounts: list, .. }) =
                    call::<_, WalletStatus>(cmd::STATUS, &NoArgs {}).await
                {
                    accounts.set(list);
                }
            });
        });
    }
    accounts
}

#[function_component(ReceivePage)]
pub(crate) fn receive_page() -> Html {
    let accounts = use_accounts();
    let chosen = use_state(String::new);
    let info = use_state(|| None::<ReceiveInfo>);
    let error = use_state(|| None::<String>);
    let address = if chosen.is_empty() {
        accounts
            .first()
            .map(|a| a.address.clone())
            .unwrap_or_default()
    } else {
        (*chosen).clone()
    };
    {
        let (info, error) = (info.clone(), error.clone());
        use_effect_with(address.clone(), move |address| {
            let address = address.clone();
            if !address.is_empty() {
                spawn_local(async move {
                    let request = AddressRequest { address };
                    match call::<_, ReceiveInfo>(cmd::RECEIVE, &Request { request: &request }).await
                    {
                        Ok(i) => info.set(Some(i)),
                        Err(e) => error.set(Some(e.message)),
                    }
                });
            }
        });
    }
    let onchange = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            chosen.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    html! {
        <section class="card" id="receive">
            <h2>{ "Receive" }</h2>
            <select id="receive-account" {onchange}>
                { for accounts.iter().map(|a| html! {
                    <option value={a.address.clone()} selected={a.address == address}>{ format!("{} · {}", a.name, a.address) }</option>
                }) }
            </select>
            if let Some(message) = &*error { <p class="error" role="alert">{ message }</p> }
            if let Some(i) = &*info {
                // The SVG comes from the core, built from the address alone: no user markup.
                <div class="qr" id="receive-qr">{ Html::from_html_unchecked(i.qr_svg.clone().into()) }</div>
                <p class="mono address-big" id="receive-address">{ i.address.clone() }</p>
                <p class="muted" id="receive-network">{ format!("Only send assets on {} (chain {}) to this address.", i.network, i.chain_id) }</p>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct HistoryProps {
    address: String,
    tick: (u64, Option<u64>),
}

#[function_component(HistoryList)]
fn history_list(props: &HistoryProps) -> Html {
    let entries = use_state(Vec::<HistoryEntry>::new);
    {
        let entries = entries.clone();
        use_effect_with((props.address.clone(), props.tick), move |(address, _)| {
            let address = address.clone();
            if !address.is_empty() {
                spawn_local(async move {
                    let request = AddressRequest { address };
                    if let Ok(list) =
                        call::<_, Vec<HistoryEntry>>(cmd::HISTORY, &Request { request: &request })
                            .await
                    {
                        entries.set(list);
                    }
                });
            }
        });
    }
    html! {
        <section class="card" id="history">
            <h2>{ "History" }</h2>
            if entries.is_empty() { <p class="muted">{ "No movements found on chain yet." }</p> }
            <ul class="ops">
                { for entries.iter().map(|e| {
                    let sign = match e.direction.as_str() { "in" => "+", _ => "−" };
                    let what = match e.direction.as_str() { "in" => "from", "out" => "to", _ => "network fee" };
                    html! {
                        <li class={classes!("entry", e.direction.clone())}>
                            <div class="op-line">
                                <span class="small muted">{ format!("block {}", e.block_number) }</span>
                                <span class="amount">{ format!("{sign}{} {}", e.amount, e.symbol) }</span>
                            </div>
                            <div class="mono small">{ format!("{what} {}", e.counterparty.clone().unwrap_or_default()) }</div>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}

/// Operations first (what the user did and its state), then everything the chain shows.
#[function_component(ActivityAndHistory)]
pub(crate) fn activity_and_history() -> Html {
    let live = use_context::<LiveHandle>();
    let tick = live
        .as_ref()
        .map(|l| (l.op_tick, l.sync.as_ref().and_then(|s| s.last_block)))
        .unwrap_or_default();
    let accounts = use_accounts();
    let address = accounts
        .first()
        .map(|a| a.address.clone())
        .unwrap_or_default();
    html! {
        <>
            <ActivityPage />
            <HistoryList {address} {tick} />
        </>
    }
}

/// Every asset of the first account: confirmed, promised by signed sends, available; and adding
/// a token by its contract (the core reads its symbol and decimals from the chain).
#[function_component(AssetsCard)]
pub(crate) fn assets_card() -> Html {
    let live = use_context::<LiveHandle>();
    let tick = live
        .as_ref()
        .map(|l| (l.op_tick, l.sync.as_ref().and_then(|s| s.last_block)))
        .unwrap_or_default();
    let accounts = use_accounts();
    let address = accounts
        .first()
        .map(|a| a.address.clone())
        .unwrap_or_default();
    let assets = use_state(Vec::<AssetBalance>::new);
    let contract = use_state(String::new);
    let error = use_state(|| None::<String>);
    let added = use_state(|| 0u32);
    {
        let assets = assets.clone();
        use_effect_with((address.clone(), tick, *added), move |(address, _, _)| {
            let address = address.clone();
            if !address.is_empty() {
                spawn_local(async move {
                    let request = AddressRequest { address };
                    if let Ok(list) =
                        call::<_, Vec<AssetBalance>>(cmd::BALANCES, &Request { request: &request })
                            .await
                    {
                        assets.set(list);
                    }
                });
            }
        });
    }
    let add = {
        let (contract, error, added) = (contract.clone(), error.clone(), added.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = cairn_api::AddTokenRequest {
                contract: contract.trim().to_string(),
            };
            let (contract, error, added) = (contract.clone(), error.clone(), added.clone());
            spawn_local(async move {
                match call::<_, AssetBalance>(cmd::ADD_TOKEN, &Request { request: &request }).await
                {
                    Ok(_) => {
                        error.set(None);
                        contract.set(String::new());
                        added.set(*added + 1);
                    }
                    Err(e) => error.set(Some(e.message)),
                }
            });
        })
    };
    html! {
        <section class="card" id="assets">
            <h2>{ "Assets" }</h2>
            <table class="assets">
                <tr><th>{ "" }</th><th>{ "Confirmed" }</th><th>{ "Pending out" }</th><th>{ "Available" }</th></tr>
                { for assets.iter().map(|a| html! {
                    <tr class="asset" id={format!("asset-{}", a.symbol)}>
                        <td>{ a.symbol.clone() }</td>
                        <td>{ a.confirmed.clone() }</td>
                        <td>{ a.pending_out.clone() }</td>
                        <td class="available">{ a.available.clone() }</td>
                    </tr>
                }) }
            </table>
            <form class="inline" onsubmit={add}>
                <input id="token-contract" type="text" class="mono" placeholder="token contract 0x…" required=true value={(*contract).clone()} oninput={field(&contract)} />
                <button id="token-add" type="submit" class="secondary">{ "Add token" }</button>
            </form>
            if let Some(message) = &*error { <p class="error" role="alert" id="token-error">{ message }</p> }
        </section>
    }
}
