//! The activity tab: the user's operations and their states, live from the core's events,
//! with what can still be done to them (speed up, cancel, sign again); then the history as the
//! chain shows it. Both lists are paged by the core's cursors: the newest page first, older
//! pages on request, new rows merged in at the top as they arrive.

use std::collections::HashSet;

use cairn_api::{
    cmd, Account, ActivityPage as Page, ActivityQuery, ApiError, HistoryEntry, HistoryPage,
    HistoryQuery, Operation, OperationRequest, ReplacementQuote, ReplacementRequest,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{
    day_break, select_value, short, Address, Amount, ErrorLine, ExplorerLink, FeePaid, StatusChip,
    When,
};
use crate::hooks::{use_accounts, use_chain_tick, use_op_tick, ChainTick};
use crate::i18n::activity as tr;
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
                <label>{ tr::account_filter() }
                    <select id="activity-account" onchange={on_account}>
                        <option value="" selected={account.is_empty()}>{ tr::all_accounts() }</option>
                        { for list.iter().map(|a| html! {
                            <option value={a.address.clone()} selected={*account == a.address}>{ format!("{} · {}", a.name, short(&a.address)) }</option>
                        }) }
                    </select>
                </label>
                <label>{ tr::show_filter() }
                    <select id="activity-state" onchange={on_state}>
                        { for [("", tr::everything()), ("pending", tr::in_progress()), ("ended", tr::finished()), ("failed", tr::failed())].into_iter().map(|(value, label)| html! {
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

/// One line per payment: a speed-up or cancel takes its original's line (the original is
/// left out), so a replaced send never reads as a second payment. Where the original was
/// mined after all, it keeps its line and the losing replacement is left out. Each line comes
/// with the original it replaces, when it is a replacement.
fn fold_replacements(rows: &[Operation]) -> Vec<(Operation, Option<Operation>)> {
    let by_id: std::collections::HashMap<i64, &Operation> =
        rows.iter().map(|o| (o.id, o)).collect();
    let root = |o: &Operation| {
        let mut at = o;
        while let Some(prev) = at.replaces.and_then(|id| by_id.get(&id)) {
            at = prev;
        }
        at.id
    };
    let lost = |o: &Operation| matches!(o.state.as_str(), "replaced" | "dropped");
    let mut groups: Vec<(i64, Vec<&Operation>)> = Vec::new();
    for o in rows {
        let r = root(o);
        match groups.iter_mut().find(|(id, _)| *id == r) {
            Some((_, members)) => members.push(o),
            None => groups.push((r, vec![o])),
        }
    }
    groups
        .into_iter()
        .filter_map(|(r, members)| {
            let shown = members
                .iter()
                .filter(|o| !lost(o))
                .max_by_key(|o| o.id)
                .or_else(|| members.iter().max_by_key(|o| o.id))?;
            let original = (shown.id != r)
                .then(|| by_id.get(&r).map(|o| (*o).clone()))
                .flatten();
            Some(((*shown).clone(), original))
        })
        .collect()
}

/// A cancel's state in words: what happened to the payment it cancels.
fn cancel_label(state: &str) -> String {
    match state {
        "confirmed" | "included" => tr::cancelled().into(),
        "failed" | "dropped" | "replaced" => tr::cancel_failed().into(),
        _ => tr::cancelling().into(),
    }
}

/// An operation's kind in words: the core's name (`erc20_transfer`) with spaces, or its
/// translation where the catalog knows it.
fn kind_label(kind: &str) -> String {
    match kind {
        "transfer" => tr::kind_transfer().into(),
        "erc20_transfer" => tr::kind_erc20_transfer().into(),
        "batch" => tr::kind_batch().into(),
        "contract_call" => tr::kind_contract_call().into(),
        "cancel" => tr::kind_cancel().into(),
        "guardian_setup" => crate::i18n::recovery::guardians_set().into(),
        "recovery_schedule" => crate::i18n::recovery::recovery_scheduled_done().into(),
        "recovery_approve" => crate::i18n::recovery::recovery_approved_done().into(),
        "recovery_execute" => crate::i18n::recovery::recovery_done().into(),
        "recovery_cancel" => crate::i18n::recovery::recovery_cancelled().into(),
        other => other.replace('_', " "),
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
    // A speed-up or cancel is quoted first and signed only once the user saw its fee.
    let confirming = use_state(|| None::<ReplacementQuote>);
    let ask = |id: i64, cancel: bool| {
        let (confirming, error) = (confirming.clone(), error.clone());
        Callback::from(move |_: MouseEvent| {
            let (confirming, error) = (confirming.clone(), error.clone());
            spawn_local(async move {
                let request = ReplacementRequest { id, cancel };
                match call::<_, ReplacementQuote>(
                    cmd::QUOTE_REPLACEMENT,
                    &Request { request: &request },
                )
                .await
                {
                    Ok(q) => {
                        error.set(None);
                        confirming.set(Some(q));
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let act = |command: &'static str, id: i64, agreed: Option<String>| {
        let (reload, error, confirming) = (reload.clone(), error.clone(), confirming.clone());
        Callback::from(move |_: MouseEvent| {
            let (reload, error, confirming) = (reload.clone(), error.clone(), confirming.clone());
            let agreed = agreed.clone();
            spawn_local(async move {
                let request = OperationRequest {
                    id,
                    agreed_max_fee_per_gas_wei: agreed,
                };
                match call::<_, Operation>(command, &Request { request: &request }).await {
                    Ok(_) => {
                        confirming.set(None);
                        reload.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let keep = {
        let confirming = confirming.clone();
        Callback::from(move |_: MouseEvent| confirming.set(None))
    };
    let all_accounts = props.account.is_empty();
    let lines = fold_replacements(&shown.rows);
    html! {
        <section class="card" id="activity">
            <h2>{ tr::activity() }</h2>
            <ErrorLine error={(*error).clone()} />
            if shown.rows.is_empty() { <p class="muted">{ tr::nothing_sent() }</p> }
            <ul class="ops">
                { for lines.iter().enumerate().map(|(i, (o, original))| html! {
                    <>
                    { day_break(i.checked_sub(1).and_then(|p| lines.get(p)).map(|(p, _)| p.created_at), o.created_at) }
                    <li key={o.id} class="op" id={format!("op-{}", o.id)}>
                        <div class="op-line">
                            <When at={o.created_at} />
                            { match (o.kind.as_str(), original) {
                                ("cancel", Some(orig)) => html! {
                                    <>
                                        <StatusChip state={o.state.clone()} label={cancel_label(&o.state)} />
                                        <span class="amount">{ tr::not_sent(&orig.amount, &orig.symbol) }</span>
                                    </>
                                },
                                _ => html! {
                                    <>
                                        <StatusChip state={o.state.clone()} />
                                        <Amount amount={o.amount.clone()} symbol={o.symbol.clone()} sign="−" />
                                    </>
                                },
                            } }
                        </div>
                        if o.kind != "cancel" && original.is_some() {
                            <div class="small muted replaced-note">{ tr::sped_up_note() }</div>
                        }
                        if all_accounts {
                            <div class="small muted account-label">{ account_label(&props.accounts, &o.from) }</div>
                        }
                        <div class="small">{ format!("{} → ", kind_label(&o.kind)) }<Address address={o.to.clone()} /></div>
                        if o.user_operation {
                            <div class="small">
                                <span class="badge">{ tr::user_operation() }</span>
                                if o.paymaster.is_some() { <span class="badge sponsored">{ tr::gas_sponsored() }</span> }
                            </div>
                        }
                        if let Some(b) = &o.bundle_tx { <div class="mono small muted">{ tr::bundle(b) }</div> }
                        if let Some(h) = &o.hash { <div class="mono small muted">{ h.clone() }</div> }
                        if let Some(tx) = o.bundle_tx.clone().or_else(|| o.hash.clone().filter(|_| !o.user_operation)) {
                            <ExplorerLink value={tx} />
                        }
                        if let Some(f) = &o.fee_paid { <FeePaid fee={f.clone()} /> }
                        if let Some(e) = &o.error { <div class="small error">{ e.clone() }</div> }
                        if let Some(q) = confirming.as_ref().filter(|q| q.id == o.id) {
                            <div class="confirm-replace" id={format!("confirm-{}", o.id)} role="group" aria-label={tr::confirm()}> // i18n: not text (the id)
                                <p>{ if q.action == "cancel" {
                                    tr::cancel_quote(&q.amount, &q.symbol)
                                } else {
                                    tr::speed_up_quote(&q.amount, &q.symbol)
                                } }</p>
                                <dl class="review">
                                    <dt>{ tr::new_network_fee() }</dt><dd class="replace-fee">{ tr::up_to(&q.new_max_network_fee, &q.native_symbol) }</dd>
                                    <dt>{ tr::was() }</dt><dd>{ tr::up_to(&q.old_max_network_fee, &q.native_symbol) }</dd>
                                </dl>
                                <p class="small muted">{ tr::one_is_mined() }</p>
                                <div class="row">
                                    <button class="primary confirm-replace-button" onclick={act(if q.action == "cancel" { cmd::CANCEL } else { cmd::SPEED_UP }, o.id, Some(q.max_fee_per_gas_wei.clone()))}>{ if q.action == "cancel" { tr::confirm_cancel() } else { tr::confirm_speed_up() } }</button>
                                    <button class="secondary" onclick={keep.clone()}>{ tr::keep_as_is() }</button>
                                </div>
                            </div>
                        } else if o.replaceable {
                            <div class="row">
                                <button class="secondary speed-up" onclick={ask(o.id, false)}>{ tr::speed_up() }</button>
                                <button class="secondary cancel" onclick={ask(o.id, true)}>{ tr::cancel() }</button>
                            </div>
                        }
                        if o.state == "needs_resign" {
                            <button class="primary" onclick={act(cmd::RESIGN, o.id, None)}>{ tr::sign_again() }</button>
                        }
                    </li>
                    </>
                }) }
            </ul>
            if shown.next.is_some() {
                <button id="activity-older" class="secondary" onclick={older}>{ tr::older() }</button>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct HistoryProps {
    /// One account, or all when empty.
    account: String,
    tick: ChainTick,
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
            <h2>{ tr::history() }</h2>
            <ErrorLine error={(*error).clone()} />
            if shown.rows.is_empty() { <p class="muted">{ tr::no_movements() }</p> }
            <ul class="ops">
                { for shown.rows.iter().enumerate().map(|(i, e)| {
                    let sign = match e.direction.as_str() { "in" => "+", _ => "−" };
                    let what = match e.direction.as_str() { "in" => tr::from(), "out" => tr::to(), _ => tr::network_fee() };
                    let previous = i.checked_sub(1).and_then(|p| shown.rows.get(p)).map(|p| p.at);
                    html! {
                        <>
                        { day_break(previous, e.at) }
                        <li class={classes!("entry", e.direction.clone())}>
                            <div class="op-line">
                                if e.at > 0 {
                                    <span title={tr::block(e.block_number)}><When at={e.at} /></span>
                                } else {
                                    <span class="small muted">{ tr::block(e.block_number) }</span>
                                }
                                <Amount amount={e.amount.clone()} symbol={e.symbol.clone()} {sign} />
                            </div>
                            if all_accounts {
                                <div class="small muted account-label">{ account_label(&props.accounts, &e.account) }</div>
                            }
                            <div class="small">
                                { format!("{what} ") }
                                if let Some(c) = &e.counterparty { <Address address={c.clone()} /> }
                            </div>
                        </li>
                        </>
                    }
                }) }
            </ul>
            if shown.next.is_some() {
                <button id="history-older" class="secondary" onclick={older}>{ tr::older() }</button>
            }
        </section>
    }
}
