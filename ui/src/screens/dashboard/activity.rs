//! The activity tab: the user's operations and their states, live from the core's events,
//! with what can still be done to them (speed up, cancel, sign again); then the account's
//! history as the chain shows it.

use cairn_api::{cmd, AddressRequest, ApiError, HistoryEntry, Operation, OperationRequest};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{Amount, ErrorLine, FeePaid, StatusChip};
use crate::hooks::{first_address, use_accounts, use_chain_tick, use_op_tick};
use crate::ipc::{call, NoArgs, Request};

/// Operations first (what the user did and its state), then everything the chain shows.
#[function_component(ActivityAndHistory)]
pub(crate) fn activity_and_history() -> Html {
    let tick = use_chain_tick();
    let accounts = use_accounts();
    let address = first_address(&accounts.list);
    html! {
        <>
            <ActivityPage />
            <HistoryList {address} {tick} />
        </>
    }
}

#[function_component(ActivityPage)]
fn activity_page() -> Html {
    let tick = use_op_tick();
    let ops = use_state(Vec::<Operation>::new);
    let error = use_state(|| None::<ApiError>);
    let reload = {
        let (ops, error) = (ops.clone(), error.clone());
        Callback::from(move |_: ()| {
            let (ops, error) = (ops.clone(), error.clone());
            spawn_local(async move {
                match call::<_, Vec<Operation>>(cmd::OPERATIONS, &NoArgs {}).await {
                    Ok(list) => ops.set(list),
                    Err(e) => error.set(Some(e)),
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
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <section class="card" id="activity">
            <h2>{ "Activity" }</h2>
            <ErrorLine error={(*error).clone()} />
            if ops.is_empty() { <p class="muted">{ "Nothing sent yet." }</p> }
            <ul class="ops">
                { for ops.iter().map(|o| html! {
                    <li key={o.id} class="op" id={format!("op-{}", o.id)}>
                        <div class="op-line">
                            <StatusChip state={o.state.clone()} />
                            <Amount amount={o.amount.clone()} symbol={o.symbol.clone()} />
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
                        if let Some(f) = &o.fee_paid { <FeePaid fee={f.clone()} /> }
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
                                <Amount amount={e.amount.clone()} symbol={e.symbol.clone()} {sign} />
                            </div>
                            <div class="mono small">{ format!("{what} {}", e.counterparty.clone().unwrap_or_default()) }</div>
                        </li>
                    }
                }) }
            </ul>
        </section>
    }
}
