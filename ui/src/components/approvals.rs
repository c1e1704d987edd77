//! What dapps ask that waits for the user, as cards at the top of the dashboard: who asks (the
//! registrable domain emphasised, warnings about the name above it), for which account and
//! chain, and the whole request — the message, the typed data, the payment — with Approve and
//! Reject. The list is the core's; it comes with every change.

use cairn_api::{cmd, BridgeApproval, BridgeDecision};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{short, CodeInput, ErrorLine, RiskView};
use crate::i18n::bridge as tr;
use crate::ipc::{call, NoArgs, Request};
use crate::{LiveAction, LiveHandle};

#[function_component(Approvals)]
pub(crate) fn approvals() -> Html {
    let live = use_context::<LiveHandle>();
    {
        // What waited before this screen showed (an event told it to nobody).
        let live = live.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let (Some(live), Ok(list)) = (
                    live,
                    call::<_, Vec<BridgeApproval>>(cmd::BRIDGE_APPROVALS, &NoArgs {}).await,
                ) {
                    live.dispatch(LiveAction::Approvals(list));
                }
            });
        });
    }
    let list = live
        .as_ref()
        .map(|l| l.approvals.clone())
        .unwrap_or_default();
    if list.is_empty() {
        return html! {};
    }
    html! {
        <section class="card approvals" id="approvals" aria-live="polite">
            <h2>{ tr::approvals_title() }</h2>
            { for list.into_iter().map(|a| { let id = a.id; html! { <ApprovalCard key={id} approval={a} /> } }) }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct CardProps {
    approval: BridgeApproval,
}

#[function_component(ApprovalCard)]
fn approval_card(props: &CardProps) -> Html {
    let a = &props.approval;
    let code = use_state(String::new);
    let error = use_state(|| None::<cairn_api::ApiError>);
    let busy = use_state(|| false);
    // Connecting shares what the user ticks: the first account unless they choose more.
    let accounts = crate::hooks::use_accounts();
    let shared = use_state(Vec::<String>::new);
    {
        let shared = shared.clone();
        let first = accounts.list.first().map(|a| a.address.clone());
        use_effect_with(first, move |first| {
            if shared.is_empty() {
                if let Some(f) = first.clone() {
                    shared.set(vec![f]);
                }
            }
        });
    }
    let tick = |address: String| {
        let shared = shared.clone();
        Callback::from(move |_: Event| {
            let mut list = (*shared).clone();
            match list.iter().position(|a| *a == address) {
                Some(i) => {
                    list.remove(i);
                }
                None => list.push(address.clone()),
            }
            shared.set(list);
        })
    };
    let decide = |approve: bool| {
        let (id, code, error, busy) = (a.id, code.clone(), error.clone(), busy.clone());
        let shared = (*shared).clone();
        Callback::from(move |_: MouseEvent| {
            let decision = BridgeDecision {
                id,
                approve,
                accounts: shared.clone(),
                mfa_code: Some((*code).trim().to_string()).filter(|c| !c.is_empty()),
            };
            let (error, busy) = (error.clone(), busy.clone());
            busy.set(true);
            spawn_local(async move {
                if let Err(e) =
                    call::<_, ()>(cmd::BRIDGE_DECIDE, &Request { request: &decision }).await
                {
                    error.set(Some(e));
                    busy.set(false);
                }
            });
        })
    };
    let asks = match a.method.as_str() {
        "connect" => tr::connect(),
        "personal_sign" => tr::personal_sign(),
        "eth_signTypedData_v4" => tr::typed(),
        "eth_sendTransaction" => tr::send(),
        "wallet_sendCalls" => tr::calls(),
        "wallet_addEthereumChain" => tr::add_chain(),
        "wallet_switchEthereumChain" => tr::switch_chain(),
        _ => tr::other(),
    };
    // The registrable part of the name in bold inside the full origin.
    let who = match &a.domain {
        Some(d) if a.label.contains(d.as_str()) => {
            let at = a.label.rfind(d.as_str()).unwrap_or(0);
            html! { <>{ &a.label[..at] }<strong>{ d }</strong>{ &a.label[at + d.len()..] }</> }
        }
        _ => html! { <strong>{ &a.label }</strong> },
    };
    // What the simulation and the risk checks say, shown as the send screen shows them; the
    // rest of the request as it came.
    let risk = serde_json::from_value::<cairn_api::RiskReport>(a.payload["risk"].clone()).ok();
    let mut rest = a.payload.clone();
    // The decoded calls are shown in words above; the raw request below is what the app sent.
    if let Some(o) = rest.as_object_mut() {
        o.remove("risk");
        o.remove("call");
        o.remove("symbol");
        if let Some(list) = o.get_mut("calls").and_then(|c| c.as_array_mut()) {
            for c in list.iter_mut().filter_map(|c| c.as_object_mut()) {
                c.remove("call");
            }
        }
    }
    // The calls in words (the core decodes what it can), before the raw request below.
    let calls: Vec<serde_json::Value> = match a.method.as_str() {
        "eth_sendTransaction" => vec![a.payload.clone()],
        "wallet_sendCalls" => a.payload["calls"].as_array().cloned().unwrap_or_default(),
        _ => Vec::new(),
    };
    let payload = match a.method.as_str() {
        "personal_sign" => a.payload["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        "connect" => String::new(),
        _ => serde_json::to_string_pretty(&rest).unwrap_or_default(),
    };
    // i18n: not text (element ids)
    let card_id = format!("approval-{}", a.id); // i18n: not text
    let code_id = format!("approval-code-{}", a.id); // i18n: not text
    html! {
        <div class="approval" id={card_id} data-method={a.method.clone()}>
            <p class="who">{ who }{ " " }{ asks }</p>
            { for a.warnings.iter().map(|w| html! { <p class="warn small">{ w }</p> }) }
            <p class="muted small">
                { a.account.as_deref().map(short).unwrap_or_default() }
                { " " }{ tr::on_chain(a.chain_id) }
            </p>
            if a.method == "connect" {
                <fieldset class="choice share">
                    <legend>{ tr::share() }</legend>
                    { for accounts.list.iter().map(|acc| html! {
                        <label>
                            <input type="checkbox" class="share-account" value={acc.address.clone()}
                                checked={shared.contains(&acc.address)} onchange={tick(acc.address.clone())} />
                            { format!("{} · {}", acc.name, short(&acc.address)) }
                        </label>
                    }) }
                </fieldset>
            }
            if !calls.is_empty() {
                <div class="calls">
                    <p class="small">{ tr::calls_title() }</p>
                    <ol class="small">
                        { for calls.iter().map(|c| call_line(c, a.payload["symbol"].as_str().unwrap_or_default())) }
                    </ol>
                </div>
            }
            if !payload.is_empty() {
                <pre class="mono payload">{ payload }</pre>
            }
            if let Some(report) = risk {
                <RiskView {report} />
            }
            if a.method == "eth_sendTransaction" || a.method == "wallet_sendCalls" {
                <CodeInput id={code_id} label={tr::code()} state={code.clone()} />
            }
            <ErrorLine error={(*error).clone()} />
            <div class="actions">
                <button class="approve" disabled={*busy || (a.method == "connect" && shared.is_empty())} onclick={decide(true)}>{ tr::approve() }</button>
                <button class="secondary reject" disabled={*busy} onclick={decide(false)}>{ tr::reject() }</button>
            </div>
        </div>
    }
}

/// One call of a request as the core decoded it: `function(name: value, …) on <contract>`, the
/// value it sends, or the selector Cairn cannot read (said in words, never guessed).
fn call_line(c: &serde_json::Value, symbol: &str) -> Html {
    let to = short(c["to"].as_str().unwrap_or_default());
    let what = match (
        c["call"]["function"].as_str(),
        c["call"]["selector"].as_str(),
    ) {
        (Some(function), _) => {
            let args: Vec<String> = c["call"]["args"]
                .as_array()
                .map(|list| list.iter().map(arg_text).collect())
                .unwrap_or_default();
            // i18n: not text (a function call as code)
            html! { <span class="mono">{ format!("{function}({})", args.join(", ")) }</span> }
        }
        (None, Some(selector)) => html! { <span class="warn">{ tr::undecoded(selector) }</span> },
        (None, None) => html! { <span>{ tr::payment() }</span> },
    };
    let value = c["value"]
        .as_str()
        .filter(|v| !v.trim_matches(['0', '.']).is_empty());
    html! {
        <li class="call">
            { what }{ " " }{ tr::call_on(to) }
            if let Some(v) = value {
                { " · " }<strong>{ tr::with_value(format!("{v} {symbol}")) }</strong>
            }
        </li>
    }
}

/// `name: value` of one decoded argument, amounts with their token where Cairn knows it.
fn arg_text(arg: &serde_json::Value) -> String {
    let name = arg["name"].as_str().unwrap_or_default();
    let value = arg["value"].as_str().unwrap_or_default();
    let symbol = arg["symbol"]
        .as_str()
        .map(|s| format!(" {s}"))
        .unwrap_or_default();
    let shown = if arg["unlimited"].as_bool() == Some(true) {
        format!("{}{symbol}", tr::unlimited())
    } else if arg["base_units"].as_bool() == Some(true) {
        format!("{value} {}", tr::base_units())
    } else if value.starts_with("0x") && value.len() == 42 {
        // In full: a spender or recipient is what a look-alike would forge.
        value.to_string()
    } else {
        format!("{value}{symbol}")
    };
    format!("{name}: {shown}")
}
