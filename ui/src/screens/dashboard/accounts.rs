//! The accounts tab: one card per account (address, balance from the chain, devnet funding,
//! rename, hide, making a smart account of it), adding an account, and the assets card under
//! them (every asset of the first account; adding a token by its contract).

use cairn_api::{
    cmd, Account, AddAccountRequest, AddressRequest, ApiError, AssetBalance, Balance, ErrorCode,
    Funded, Guardians, NetworkInfo, Portfolio, RenameAccountRequest, SetHiddenRequest,
    SmartAccount, SmartAccountRequest,
};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::components::{
    field, input_value, price_origin, AccountSelect, Address, AddressLook, Amount, AmountLook,
    ErrorLine, Fiat,
};
use crate::hooks::{first_address, hd_source, use_accounts, use_assets, use_chain_tick};
use crate::i18n::accounts as tr;
use crate::ipc::{call, NoArgs, Request};

#[derive(Properties, PartialEq)]
pub(crate) struct AccountsTabProps {
    pub network: NetworkInfo,
}

#[function_component(AccountsTab)]
pub(crate) fn accounts_tab(props: &AccountsTabProps) -> Html {
    html! {
        <>
            <PortfolioCard />
            <Accounts network={props.network.clone()} />
            <AssetsCard />
        </>
    }
}

/// The home screen's first line: what everything is worth in the user's currency, and in the
/// network's own; assets without a price are named, not silently left out.
#[function_component(PortfolioCard)]
fn portfolio_card() -> Html {
    let tick = use_chain_tick();
    let portfolio = use_state(|| None::<Portfolio>);
    {
        let portfolio = portfolio.clone();
        use_effect_with(tick, move |_| {
            spawn_local(async move {
                if let Ok(p) = call::<_, Portfolio>(cmd::PORTFOLIO, &NoArgs {}).await {
                    portfolio.set(Some(p));
                }
            });
        });
    }
    let Some(p) = (*portfolio).clone() else {
        return html! {};
    };
    html! {
        <section class="card portfolio" id="portfolio" aria-label={tr::total_value()}>
            <h2>{ tr::total_value() }</h2>
            <p class="total"><Fiat value={p.total.clone()} id="portfolio-total" /></p>
            <p class="native muted" id="portfolio-native">{ match &p.native_total {
                Some(n) => tr::native_total(crate::i18n::number(n), &p.native_symbol),
                None => tr::balances_unread().to_string(),
            } }</p>
            if !p.unpriced.is_empty() {
                <p class="muted small" id="portfolio-unpriced">{ tr::unpriced(p.unpriced.join(", ")) }</p>
            }
            if let Some(t) = &p.total {
                <p class="muted small" id="portfolio-origin">{ price_origin(&t.source, t.priced_at) }</p>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct AccountsProps {
    network: NetworkInfo,
}

#[function_component(Accounts)]
fn accounts(props: &AccountsProps) -> Html {
    let accounts = use_accounts();
    let (list, reload) = (accounts.list.clone(), accounts.reload.clone());
    // New accounts derive from the first recovery phrase (imported keys have one account each).
    let hd_source = hd_source(&list);
    let add = {
        let (reload, error) = (reload.clone(), accounts.error.clone());
        Callback::from(move |_| {
            let Some(key_source_id) = hd_source else {
                return;
            };
            let (reload, error) = (reload.clone(), error.clone());
            spawn_local(async move {
                let request = AddAccountRequest { key_source_id };
                match call::<_, Account>(cmd::ADD_ACCOUNT, &Request { request: &request }).await {
                    Ok(_) => reload.emit(()),
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <>
            <ErrorLine error={(*accounts.error).clone()} />
            { for list.iter().map(|a| html! {
                <AccountCard key={a.address.clone()} account={a.clone()} network={props.network.clone()} changed={reload.clone()}
                    has_smart={list.iter().any(|o| o.owner.as_deref() == Some(a.address.as_str()))} />
            }) }
            if hd_source.is_some() {
                <button id="add-account" class="secondary wide" onclick={add}>{ tr::add_account() }</button>
            }
            <HiddenAccounts shown={list.len()} changed={reload.clone()} />
        </>
    }
}

#[derive(Properties, PartialEq)]
struct HiddenProps {
    /// How many accounts are shown: the hidden ones are asked for again when it changes.
    shown: usize,
    changed: Callback<()>,
}

/// The accounts the user hid, each with a way to show it again.
#[function_component(HiddenAccounts)]
fn hidden_accounts(props: &HiddenProps) -> Html {
    let hidden = use_state(Vec::<Account>::new);
    let error = use_state(|| None::<ApiError>);
    let reloads = use_state(|| 0u32);
    {
        let hidden = hidden.clone();
        use_effect_with((props.shown, *reloads), move |_| {
            spawn_local(async move {
                if let Ok(list) = call::<_, Vec<Account>>(cmd::HIDDEN_ACCOUNTS, &NoArgs {}).await {
                    hidden.set(list);
                }
            });
        });
    }
    if hidden.is_empty() {
        return html! {};
    }
    let show = |address: &str| {
        let (error, changed, reloads) = (error.clone(), props.changed.clone(), reloads.clone());
        let request = SetHiddenRequest {
            address: address.to_string(),
            hidden: false,
        };
        Callback::from(move |_: MouseEvent| {
            let (error, changed, reloads, request) = (
                error.clone(),
                changed.clone(),
                reloads.clone(),
                request.clone(),
            );
            spawn_local(async move {
                match call::<_, ()>(cmd::SET_ACCOUNT_HIDDEN, &Request { request: &request }).await {
                    Ok(()) => {
                        reloads.set(*reloads + 1);
                        changed.emit(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <details class="card" id="hidden-accounts">
            <summary>{ tr::hidden_accounts(hidden.len()) }</summary>
            <ul class="ops">
                { for hidden.iter().map(|a| html! {
                    <li class="contact">
                        <b>{ a.name.clone() }</b>{ " " }<Address address={a.address.clone()} />
                        <span class="row-actions">
                            <button class="link account-show" onclick={show(&a.address)}>{ tr::show_again() }</button>
                        </span>
                    </li>
                }) }
            </ul>
            <ErrorLine error={(*error).clone()} />
        </details>
    }
}

#[derive(Properties, PartialEq)]
struct AccountProps {
    account: Account,
    network: NetworkInfo,
    changed: Callback<()>,
    /// A smart account of this one exists already (then there is nothing to make).
    #[prop_or_default]
    has_smart: bool,
}

/// One account: its address and its balance read from the chain; rename and hide.
#[function_component(AccountCard)]
fn account_card(props: &AccountProps) -> Html {
    let balance = use_state(|| None::<Result<Balance, ApiError>>);
    let funding = use_state(|| false);
    let renaming = use_state(|| None::<String>);
    let smart = use_state(|| None::<SmartAccount>);
    let smart_error = use_state(|| None::<ApiError>);
    let refresh = {
        let (balance, address) = (balance.clone(), props.account.address.clone());
        Callback::from(move |_: ()| {
            let (balance, request) = (
                balance.clone(),
                AddressRequest {
                    address: address.clone(),
                },
            );
            spawn_local(async move {
                balance.set(Some(
                    call::<_, Balance>(cmd::BALANCE, &Request { request: &request }).await,
                ));
            });
        })
    };
    {
        let refresh = refresh.clone();
        use_effect_with(props.account.address.clone(), move |_| refresh.emit(()));
    }
    // A smart account says whether it is deployed on this network yet.
    {
        let (smart, address, is_smart) = (
            smart.clone(),
            props.account.address.clone(),
            props.account.smart.is_some(),
        );
        use_effect_with(
            (props.account.address.clone(), balance.is_some()),
            move |_| {
                if is_smart {
                    spawn_local(async move {
                        if let Ok(list) =
                            call::<_, Vec<SmartAccount>>(cmd::SMART_ACCOUNTS, &NoArgs {}).await
                        {
                            smart.set(list.into_iter().find(|a| a.address == address));
                        }
                    });
                }
            },
        );
    }
    // A deployed Safe says who guards it and whether a recovery waits (read from the chain,
    // again when an operation settles: a set-up, a cancel).
    let guardians = use_state(|| None::<Guardians>);
    {
        let guardians = guardians.clone();
        let safe = smart
            .as_ref()
            .filter(|s| s.kind == "safe" && s.deployed)
            .map(|s| s.address.clone());
        let op_tick = crate::hooks::use_op_tick();
        use_effect_with((safe, op_tick), move |(safe, _)| {
            if let Some(address) = safe.clone() {
                let request = AddressRequest { address };
                spawn_local(async move {
                    if let Ok(g) =
                        call::<_, Guardians>(cmd::GUARDIANS, &Request { request: &request }).await
                    {
                        guardians.set(Some(g));
                    }
                });
            }
        });
    }
    let make_smart = {
        let (changed, smart_error, owner) = (
            props.changed.clone(),
            smart_error.clone(),
            props.account.address.clone(),
        );
        Callback::from(move |_| {
            let (changed, smart_error) = (changed.clone(), smart_error.clone());
            let request = SmartAccountRequest {
                owner: owner.clone(),
                kind: None,
            };
            spawn_local(async move {
                match call::<_, SmartAccount>(cmd::SMART_ACCOUNT, &Request { request: &request })
                    .await
                {
                    Ok(_) => changed.emit(()),
                    Err(e) => smart_error.set(Some(e)),
                }
            });
        })
    };
    let fund = {
        let (balance, funding, address) = (
            balance.clone(),
            funding.clone(),
            props.account.address.clone(),
        );
        Callback::from(move |_| {
            let (balance, funding) = (balance.clone(), funding.clone());
            let request = AddressRequest {
                address: address.clone(),
            };
            funding.set(true);
            spawn_local(async move {
                let result =
                    call::<_, Funded>(cmd::DEVNET_FUND, &Request { request: &request }).await;
                balance.set(Some(result.map(|f| f.balance)));
                funding.set(false);
            });
        })
    };
    let start_rename = {
        let (renaming, name) = (renaming.clone(), props.account.name.clone());
        Callback::from(move |_| renaming.set(Some(name.clone())))
    };
    let save_rename = {
        let (renaming, changed, address) = (
            renaming.clone(),
            props.changed.clone(),
            props.account.address.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(name) = (*renaming).clone() else {
                return;
            };
            let (renaming, changed) = (renaming.clone(), changed.clone());
            let request = RenameAccountRequest {
                address: address.clone(),
                name,
            };
            spawn_local(async move {
                if call::<_, ()>(cmd::RENAME_ACCOUNT, &Request { request: &request })
                    .await
                    .is_ok()
                {
                    renaming.set(None);
                    changed.emit(());
                }
            });
        })
    };
    let on_name = {
        let renaming = renaming.clone();
        Callback::from(move |e: InputEvent| renaming.set(Some(input_value(&e))))
    };
    let hide = {
        let (changed, address) = (props.changed.clone(), props.account.address.clone());
        Callback::from(move |_| {
            let changed = changed.clone();
            let request = SetHiddenRequest {
                address: address.clone(),
                hidden: true,
            };
            spawn_local(async move {
                if call::<_, ()>(cmd::SET_ACCOUNT_HIDDEN, &Request { request: &request })
                    .await
                    .is_ok()
                {
                    changed.emit(());
                }
            });
        })
    };
    let balance_view = match &*balance {
        None => html! { <p class="balance muted" id="balance">{ "…" }</p> },
        Some(Ok(b)) => html! {
            <>
                <Amount amount={b.formatted.clone()} symbol={b.symbol.clone()} look={AmountLook::Balance} id="balance" />
                <p class="muted small" id="balance-block">{ tr::at_block(b.block_number) }</p>
            </>
        },
        // Offline is a state the status line already says, not a fault of this account.
        Some(Err(e)) if e.code == ErrorCode::Offline => html! {
            <p class="muted small" id="balance-error" title={e.message.clone()}>{ tr::no_node() }</p>
        },
        Some(Err(e)) => html! { <ErrorLine error={Some(e.clone())} id="balance-error" /> },
    };
    html! {
        <section class={classes!("card", "account", props.account.smart.is_some().then_some("smart"))} data-address={props.account.address.clone()}>
            if let Some(name) = &*renaming {
                <form class="rename" onsubmit={save_rename}>
                    <input id="rename-input" type="text" maxlength="64" value={name.clone()} oninput={on_name} />
                    <button id="rename-save" type="submit" class="secondary">{ tr::save() }</button>
                </form>
            } else {
                <h2 class="account-name">{ &props.account.name }</h2>
            }
            <Address address={props.account.address.clone()} look={AddressLook::Card} id="address" title={props.account.path.clone()} />
            if let Some(version) = &props.account.smart {
                <p class="badge smart-badge">{
                    match &*smart {
                        Some(s) if s.kind == "safe" => tr::safe_badge(
                            // A passkey's Safe: its passkey, not the shared signer's address.
                            s.passkey.as_deref().map_or_else(|| s.owner.clone(), crate::i18n::send::passkey_named),
                            s.threshold.map(|t| t.to_string()).unwrap_or_else(|| "?".into()),
                            s.owners.as_ref().map(|o| o.len().to_string()).unwrap_or_else(|| "?".into()),
                            if s.deployed { tr::deployed() } else { tr::not_deployed() },
                            match &s.deposit {
                                Some(d) if d != "0.0" => tr::deposit(d, &props.network.currency_symbol),
                                _ => String::new(),
                            }
                        ),
                        None if version == "safe" => tr::safe_kind().to_string(),
                        Some(s) => tr::smart_badge(
                            version,
                            &s.owner,
                            if s.deployed { tr::deployed() } else { tr::not_deployed() },
                            match &s.deposit {
                                Some(d) if d != "0.0" => tr::deposit(d, &props.network.currency_symbol),
                                _ => String::new(),
                            }
                        ),
                        None => tr::smart_version(version),
                    }
                }</p>
            }
            if props.account.smart.as_deref() == Some("safe") || smart.as_ref().is_some_and(|s| s.kind == "safe") {
                { guardians_line(smart.as_ref().is_some_and(|s| s.deployed), guardians.as_ref()) }
            }
            { balance_view }
            <ErrorLine error={(*smart_error).clone()} />
            <div class="actions">
                <button id="refresh" class="secondary" onclick={refresh.reform(|_| ())}>{ tr::refresh() }</button>
                if props.network.is_devnet {
                    <button id="fund" class="secondary" disabled={*funding} onclick={fund}>
                        { if *funding { tr::funding() } else { tr::get_test_eth() } }
                    </button>
                }
                <button class="secondary rename-button" onclick={start_rename}>{ tr::rename() }</button>
                <button class="secondary hide-button" onclick={hide}>{ tr::hide() }</button>
                if props.account.smart.is_none() && !props.has_smart {
                    <button class="secondary smart-button" onclick={make_smart}>{ tr::make_smart() }</button>
                }
            </div>
        </section>
    }
}

/// Every asset of one account (the first until the user picks another): confirmed, promised by
/// signed sends, available; and adding a token by its contract (the core reads its symbol and
/// decimals from the chain).
#[function_component(AssetsCard)]
fn assets_card() -> Html {
    let tick = use_chain_tick();
    let accounts = use_accounts();
    let chosen = use_state(String::new);
    let address = if chosen.is_empty() {
        first_address(&accounts.list)
    } else {
        (*chosen).clone()
    };
    let pick = {
        let chosen = chosen.clone();
        Callback::from(move |a: String| chosen.set(a))
    };
    let contract = use_state(String::new);
    let error = use_state(|| None::<ApiError>);
    let added = use_state(|| 0u32);
    let assets = use_assets(address.clone(), (tick, *added));
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
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    html! {
        <section class="card" id="assets">
            <h2>{ tr::assets() }</h2>
            <label for="assets-account">{ tr::account() }</label>
            <AccountSelect id="assets-account" accounts={(*accounts.list).clone()} selected={address} onchange={pick} mark_smart=true />
            <table class="assets">
                <tr><th>{ "" }</th><th>{ tr::confirmed() }</th><th>{ tr::pending_out() }</th><th>{ tr::available() }</th><th>{ tr::value() }</th></tr>
                { for assets.iter().map(|a| {
                    // Never read from the chain (offline, or just added): no number to show,
                    // rather than a 0 that reads like an empty balance.
                    let known = |v: &String| if a.block_number.is_some() { v.clone() } else { "—".to_string() };
                    html! {
                        <tr class="asset" id={format!("asset-{}", a.symbol)} title={if a.block_number.is_some() { String::new() } else { tr::not_read().to_string() }}> // i18n: not text
                            <td>{ a.symbol.clone() }</td>
                            <td>{ known(&a.confirmed) }</td>
                            <td>{ a.pending_out.clone() }</td>
                            <td class="available">{ known(&a.available) }</td>
                            <td><Fiat value={a.fiat.clone()} /></td>
                        </tr>
                    }
                }) }
            </table>
            <form class="inline" onsubmit={add}>
                <input id="token-contract" type="text" class="mono" placeholder={tr::token_contract_placeholder()} required=true value={(*contract).clone()} oninput={field(&contract)} />
                <button id="token-add" type="submit" class="secondary">{ tr::add_token() }</button>
            </form>
            <ErrorLine error={(*error).clone()} id="token-error" />
        </section>
    }
}

/// A Safe's guardians in one line, and a recovery that waits in a second (a warning: the owner
/// cancels it in Settings unless it is theirs). The line is there from the first render, so
/// the card does not grow under the pointer when the chain answers.
fn guardians_line(deployed: bool, guardians: Option<&Guardians>) -> Html {
    use crate::components::short;
    use crate::components::time::{span, unix_now};
    use crate::i18n::recovery as rt;
    let now = unix_now();
    let text = match guardians {
        _ if !deployed => rt::no_guardians_yet().to_string(),
        None => "…".to_string(),
        Some(g) if g.guardians.is_empty() => rt::no_guardians().to_string(),
        Some(g) => rt::summary(g.threshold, g.guardians.len(), span(g.delay_secs)),
    };
    let pending = guardians
        .into_iter()
        .flat_map(|g| g.scheduled.iter())
        .filter(|c| c.kind == "owner_change")
        .map(|c| {
            let new = c.new_owner.as_deref().map(short).unwrap_or_default();
            match c.ready_at {
                Some(t) if t > now => rt::pending_line(new, span(t - now)),
                _ => rt::pending_line_ready(new),
            }
        })
        .collect::<Vec<_>>();
    html! {
        <>
            <p class="small muted guardians-line">{ text }</p>
            { for pending.into_iter().map(|p| html! { <p class="small warn recovery-pending">{ p }</p> }) }
        </>
    }
}
