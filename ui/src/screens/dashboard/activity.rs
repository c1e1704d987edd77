//! The activity tab: the user's operations and their states, live from the core's events,
//! with what can still be done to them (speed up, cancel, sign again); then the history as the
//! chain shows it. Both lists are paged by the core's cursors: the newest page first, older
//! pages on request, new rows merged in at the top as they arrive.

use std::collections::HashSet;

use cairn_api::{
    cmd, Account, ActivityPage as Page, ActivityQuery, ApiError, HistoryEntry, HistoryPage,
    HistoryQuery, Operation, OperationRequest,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{select_value, Amount, ErrorLine, FeePaid, StatusChip};
use crate::hooks::{use_accounts, use_chain_tick, use_op_tick};
use crate::ipc::{call, Request};

/// Rows per page: a screenful and a half on a desktop.
const PAGE: u32 = 25;

/// The filters, then operations (what the user did and its state), then everything the chain
/// shows.
#[function_component(ActivityAndHistory)]
pub(crate) fn activity_and_history() -> Html {
    let tick = use_chain_tick();
    let accounts = use_accounts();
    let account = use_state(String::new);
    let state = use_state(String::new);
    let on_account = {
        let account = account.clone();
        Callback::from(move |e: Event| account.set(select_value(&e)))
    };
    let on_state = {
        let state = state.clone();
        Callback::from(move |e: Event| state.set(select_value(&e)))
    };
    let list = (*accounts.list).clone();
    html! {
        <>
            <section class="card filters row" id="activity-filters">
                <label>{ "Account " }
                    <select id="activity-account" onchange={on_account}>
                        <option value="" selected={account.is_empty()}>{ "All accounts" }</option>
                        { for list.iter().map(|a| html! {
                            <option value={a.address.clone()} selected={*account == a.address}>{ format!("{} · {}", a.name, short(&a.address)) }</option>
                        }) }
                    </select>
                </label>
                <label>{ "Show " }
                    <select id="activity-state" onchange={on_state}>
                        { for [("", "Everything"), ("pending", "In progress"), ("ended", "Finished"), ("failed", "Failed")].into_iter().map(|(value, label)| html! {
                            <option value={value} selected={*state == value}>{ label }</option>
                        }) }
                    </select>
                </label>
            </section>
            <ActivityList account={(*account).clone()} state={(*state).clone()} accounts={list.clone()} />
            <HistoryList account={(*account).clone()} {tick} accounts={list} />
        </>
    }
}

/// `0x1234…abcd`.
fn short(address: &str) -> String {
    if address.len() > 12 {
        format!("{}…{}", &address[..6], &address[address.len() - 4..])
    } else {
        address.to_string()
    }
}

/// The account's name, where a list mixes accounts.
fn account_label(accounts: &[Account], address: &str) -> String {
    accounts
        .iter()
        .find(|a| a.address.eq_ignore_ascii_case(address))
        .map(|a| a.name.clone())
        .unwrap_or_else(|| short(address))
}

/// The newest page merged over what is shown: its rows replace their older copies (a state
/// changed), new ones go on top, older pages already loaded stay.
fn merge_newest<T: Clone, K: Eq + std::hash::Hash>(
    shown: &[T],
    fresh: Vec<T>,
    key: impl Fn(&T) -> K,
) -> Vec<T> {
    let fresh_keys: HashSet<K> = fresh.iter().map(&key).collect();
    let mut out = fresh;
    out.extend(
        shown
            .iter()
            .filter(|r| !fresh_keys.contains(&key(r)))
            .cloned(),
    );
    out
}

/// A paged list's state: the rows shown, the cursor of the next older page, and whether
/// anything beyond the first page was loaded (then a refresh merges instead of replacing).
#[derive(Clone, PartialEq)]
struct Paged<T> {
    rows: Vec<T>,
    next: Option<String>,
    older_loaded: bool,
    /// The filter the rows belong to: a refresh for an old filter is dropped.
    filter: String,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Paged {
            rows: Vec::new(),
            next: None,
            older_loaded: false,
            filter: String::new(),
        }
    }
}

impl<T: Clone> Paged<T> {
    /// The newest page arrived for `filter`.
    fn newest<K: Eq + std::hash::Hash>(
        &self,
        filter: &str,
        rows: Vec<T>,
        next: Option<String>,
        key: impl Fn(&T) -> K,
    ) -> Paged<T> {
        if self.filter != filter || !self.older_loaded {
            return Paged {
                rows,
                next,
                older_loaded: false,
                filter: filter.to_string(),
            };
        }
        Paged {
            rows: merge_newest(&self.rows, rows, key),
            next: self.next.clone(),
            older_loaded: true,
            filter: self.filter.clone(),
        }
    }

    /// An older page arrived.
    fn older(&self, filter: &str, rows: Vec<T>, next: Option<String>) -> Option<Paged<T>> {
        if self.filter != filter {
            return None;
        }
        let mut all = self.rows.clone();
        all.extend(rows);
        Some(Paged {
            rows: all,
            next,
            older_loaded: true,
            filter: self.filter.clone(),
        })
    }
}

#[derive(Properties, PartialEq)]
struct ActivityProps {
    /// One account, or all when empty.
    account: String,
    /// `pending`, `ended`, `failed`, or everything when empty.
    state: String,
    accounts: Vec<Account>,
}

fn activity_query(props_account: &str, state: &str, before: Option<String>) -> ActivityQuery {
    ActivityQuery {
        account: (!props_account.is_empty()).then(|| props_account.to_string()),
        state: (!state.is_empty()).then(|| state.to_string()),
        before,
        limit: Some(PAGE),
        ..ActivityQuery::default()
    }
}

#[function_component(ActivityList)]
fn activity_list(props: &ActivityProps) -> Html {
    let tick = use_op_tick();
    let paged = use_mut_ref(Paged::<Operation>::default);
    let shown = use_state(Paged::<Operation>::default);
    let error = use_state(|| None::<ApiError>);
    let filter = format!("{}|{}", props.account, props.state);
    let reload = {
        let (paged, shown, error) = (paged.clone(), shown.clone(), error.clone());
        let (account, state, filter) = (props.account.clone(), props.state.clone(), filter.clone());
        Callback::from(move |_: ()| {
            let (paged, shown, error) = (paged.clone(), shown.clone(), error.clone());
            let query = activity_query(&account, &state, None);
            let filter = filter.clone();
            spawn_local(async move {
                match call::<_, Page>(cmd::OPERATIONS, &Request { request: &query }).await {
                    Ok(page) => {
                        let now = paged
                            .borrow()
                            .newest(&filter, page.operations, page.next, |o| o.id);
                        *paged.borrow_mut() = now.clone();
                        shown.set(now);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((tick, filter.clone()), move |_| reload.emit(()));
    }
    let older = {
        let (paged, shown, error) = (paged.clone(), shown.clone(), error.clone());
        let (account, state, filter) = (props.account.clone(), props.state.clone(), filter.clone());
        Callback::from(move |_: MouseEvent| {
            let Some(before) = paged.borrow().next.clone() else {
                return;
            };
            let (paged, shown, error) = (paged.clone(), shown.clone(), error.clone());
            let query = activity_query(&account, &state, Some(before));
            let filter = filter.clone();
            spawn_local(async move {
                match call::<_, Page>(cmd::OPERATIONS, &Request { request: &query }).await {
                    Ok(page) => {
                        let Some(now) = paged.borrow().older(&filter, page.operations, page.next)
                        else {
                            return;
                        };
                        *paged.borrow_mut() = now.clone();
                        shown.set(now);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
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
    let all_accounts = props.account.is_empty();
    html! {
        <section class="card" id="activity">
            <h2>{ "Activity" }</h2>
            <ErrorLine error={(*error).clone()} />
            if shown.rows.is_empty() { <p class="muted">{ "Nothing sent yet." }</p> }
            <ul class="ops">
                { for shown.rows.iter().map(|o| html! {
                    <li key={o.id} class="op" id={format!("op-{}", o.id)}>
                        <div class="op-line">
                            <StatusChip state={o.state.clone()} />
                            <Amount amount={o.amount.clone()} symbol={o.symbol.clone()} />
                        </div>
                        if all_accounts {
                            <div class="small muted account-label">{ account_label(&props.accounts, &o.from) }</div>
                        }
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
            if shown.next.is_some() {
                <button id="activity-older" class="secondary" onclick={older}>{ "Older" }</button>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct HistoryProps {
    /// One account, or all when empty.
    account: String,
    tick: (u64, Option<u64>),
    accounts: Vec<Account>,
}

fn history_query(account: &str, before: Option<String>) -> HistoryQuery {
    HistoryQuery {
        account: (!account.is_empty()).then(|| account.to_string()),
        before,
        limit: Some(PAGE),
        ..HistoryQuery::default()
    }
}

/// What makes a history row itself (one per transaction, asset, direction and account).
fn entry_key(e: &HistoryEntry) -> (String, String, String, Option<String>) {
    (
        e.account.clone(),
        e.tx_hash.clone(),
        e.direction.clone(),
        e.token.clone(),
    )
}

#[function_component(HistoryList)]
fn history_list(props: &HistoryProps) -> Html {
    let paged = use_mut_ref(Paged::<HistoryEntry>::default);
    let shown = use_state(Paged::<HistoryEntry>::default);
    let error = use_state(|| None::<ApiError>);
    {
        let (paged, shown, error) = (paged.clone(), shown.clone(), error.clone());
        use_effect_with((props.account.clone(), props.tick), move |(account, _)| {
            let query = history_query(account, None);
            let filter = account.clone();
            spawn_local(async move {
                match call::<_, HistoryPage>(cmd::HISTORY, &Request { request: &query }).await {
                    Ok(page) => {
                        let now =
                            paged
                                .borrow()
                                .newest(&filter, page.entries, page.next, entry_key);
                        *paged.borrow_mut() = now.clone();
                        shown.set(now);
                        error.set(None);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        });
    }
    let older = {
        let (paged, shown, error) = (paged.clone(), shown.clone(), error.clone());
        let account = props.account.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(before) = paged.borrow().next.clone() else {
                return;
            };
            let (paged, shown, error) = (paged.clone(), shown.clone(), error.clone());
            let query = history_query(&account, Some(before));
            let filter = account.clone();
            spawn_local(async move {
                match call::<_, HistoryPage>(cmd::HISTORY, &Request { request: &query }).await {
                    Ok(page) => {
                        let Some(now) = paged.borrow().older(&filter, page.entries, page.next)
                        else {
                            return;
                        };
                        *paged.borrow_mut() = now.clone();
                        shown.set(now);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let all_accounts = props.account.is_empty();
    html! {
        <section class="card" id="history">
            <h2>{ "History" }</h2>
            <ErrorLine error={(*error).clone()} />
            if shown.rows.is_empty() { <p class="muted">{ "No movements found on chain yet." }</p> }
            <ul class="ops">
                { for shown.rows.iter().map(|e| {
                    let sign = match e.direction.as_str() { "in" => "+", _ => "−" };
                    let what = match e.direction.as_str() { "in" => "from", "out" => "to", _ => "network fee" };
                    html! {
                        <li class={classes!("entry", e.direction.clone())}>
                            <div class="op-line">
                                <span class="small muted">{ format!("block {}", e.block_number) }</span>
                                <Amount amount={e.amount.clone()} symbol={e.symbol.clone()} {sign} />
                            </div>
                            if all_accounts {
                                <div class="small muted account-label">{ account_label(&props.accounts, &e.account) }</div>
                            }
                            <div class="mono small">{ format!("{what} {}", e.counterparty.clone().unwrap_or_default()) }</div>
                        </li>
                    }
                }) }
            </ul>
            if shown.next.is_some() {
                <button id="history-older" class="secondary" onclick={older}>{ "Older" }</button>
            }
        </section>
    }
}
