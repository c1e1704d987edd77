//! The prices card: the currency values are shown in, whether prices are read at all, the
//! opt-in REST service, and every price held with its source and age (stale ones marked).

use cairn_api::{cmd, ApiError, PriceSettings, PriceTable};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::{ago, field, select_field, ErrorLine};
use crate::i18n::networks as tr;
use crate::ipc::{call, NoArgs, Request};

fn checked(e: &Event) -> bool {
    e.target_unchecked_into::<HtmlInputElement>().checked()
}

#[function_component(PricesCard)]
pub(crate) fn prices_card() -> Html {
    let table = use_state(|| None::<PriceTable>);
    let error = use_state(|| None::<ApiError>);
    let saved = use_state(|| false);
    let currency = use_state(String::new);
    let enabled = use_state(|| true);
    let rest = use_state(|| false);
    let rest_url = use_state(String::new);
    let show = {
        let (table, currency, enabled, rest, rest_url) = (
            table.clone(),
            currency.clone(),
            enabled.clone(),
            rest.clone(),
            rest_url.clone(),
        );
        Callback::from(move |t: PriceTable| {
            currency.set(t.settings.currency.clone());
            enabled.set(t.settings.enabled);
            rest.set(t.settings.rest_fallback);
            rest_url.set(t.settings.rest_url.clone());
            table.set(Some(t));
        })
    };
    {
        let show = show.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                if let Ok(t) = call::<_, PriceTable>(cmd::PRICES, &NoArgs {}).await {
                    show.emit(t);
                }
            });
        });
    }
    let save = {
        let (currency, enabled, rest, rest_url, error, saved, show) = (
            currency.clone(),
            enabled.clone(),
            rest.clone(),
            rest_url.clone(),
            error.clone(),
            saved.clone(),
            show.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let request = PriceSettings {
                currency: (*currency).clone(),
                enabled: *enabled,
                rest_fallback: *rest,
                rest_url: (*rest_url).clone(),
            };
            let (error, saved, show) = (error.clone(), saved.clone(), show.clone());
            spawn_local(async move {
                match call::<_, ()>(cmd::SET_PRICE_SETTINGS, &Request { request: &request }).await {
                    Ok(()) => {
                        error.set(None);
                        saved.set(true);
                        if let Ok(t) = call::<_, PriceTable>(cmd::PRICES, &NoArgs {}).await {
                            show.emit(t);
                        }
                    }
                    Err(e) => {
                        saved.set(false);
                        error.set(Some(e));
                    }
                }
            });
        })
    };
    let refresh = {
        let (error, show, saved) = (error.clone(), show.clone(), saved.clone());
        Callback::from(move |_: MouseEvent| {
            let (error, show, saved) = (error.clone(), show.clone(), saved.clone());
            spawn_local(async move {
                match call::<_, PriceTable>(cmd::REFRESH_PRICES, &NoArgs {}).await {
                    Ok(t) => {
                        error.set(None);
                        saved.set(false);
                        show.emit(t);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let Some(t) = (*table).clone() else {
        return html! {};
    };
    let now = crate::components::time::unix_now();
    let toggle = |state: &UseStateHandle<bool>| {
        let state = state.clone();
        Callback::from(move |e: Event| state.set(checked(&e)))
    };
    html! {
        <section class="card" id="prices">
            <h2>{ tr::prices_title() }</h2>
            <form onsubmit={save}>
                <label for="price-currency">{ tr::show_values_in() }</label>
                <select id="price-currency" onchange={select_field(&currency)}>
                    { for t.currencies.iter().map(|c| html! {
                        <option value={c.clone()} selected={*c == *currency}>{ c.clone() }</option>
                    }) }
                </select>
                <label class="check">
                    <input id="price-enabled" type="checkbox" checked={*enabled} onchange={toggle(&enabled)} />
                    { tr::read_prices() }
                </label>
                <label class="check">
                    <input id="price-rest" type="checkbox" checked={*rest} onchange={toggle(&rest)} />
                    { tr::rest_fallback() }
                </label>
                if *rest {
                    <label for="price-rest-url">{ tr::price_service() }</label>
                    <input id="price-rest-url" type="url" class="mono" value={(*rest_url).clone()} oninput={field(&rest_url)} />
                }
                <button id="price-save" type="submit" class="primary">{ tr::save() }</button>
                { " " }
                <button id="price-refresh" type="button" class="secondary" onclick={refresh} disabled={!t.settings.enabled}>{ tr::refresh_prices() }</button>
            </form>
            if *saved { <p class="ok" id="price-saved">{ tr::prices_saved() }</p> }
            <ErrorLine error={(*error).clone()} id="price-error" />
            if t.rows.is_empty() {
                <p class="muted small" id="price-none">{ tr::no_prices() }</p>
            } else {
                <table class="prices" id="price-table">
                    <tr>
                        <th>{ "" }</th>
                        <th>{ "USD" }</th> // i18n: not text
                        <th>{ tr::source() }</th>
                        <th>{ tr::as_of() }</th>
                    </tr>
                    { for t.rows.iter().map(|r| html! {
                        <tr class={classes!("price", r.stale.then_some("stale"))} id={format!("price-{}", r.label)}> // i18n: not text
                            <td>{ r.label.clone() }</td>
                            <td>{ r.usd.clone() }</td>
                            <td>{ if r.source == "chainlink" { "Chainlink" } else { tr::source_service() } }</td> // i18n: not text
                            <td>
                                { ago(now.saturating_sub(r.priced_at)) }
                                if r.stale { <span class="chip warn">{ tr::stale() }</span> }
                            </td>
                        </tr>
                    }) }
                </table>
            }
        </section>
    }
}
